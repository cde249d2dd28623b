/*
 * The credpipe.yaml that `credpipe gen` writes next to its feeds.
 *
 * DESIGN: generated from the same source table as the feeds, so the
 * column names in the configuration are exactly the headers and keys in
 * the files. Paths are relative (the loader resolves them against the
 * configuration's directory), so the output directory can be moved. No
 * `brokers:` key: `credpipe run` then starts its embedded broker.
 */
#ifndef CP_GEN_CONF_H
#define CP_GEN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * @brief Writes DIR/credpipe.yaml, or with `portal` DIR/credpipe-portal.yaml:
 *        the same, but the sources gen_portal.h serves read over HTTP.
 * @returns 0, or -1 with errstr set.
 */
int cp_gen_conf_write(const char *dir, uint64_t seed, uint64_t rows, bool portal,
                      char *errstr, size_t errstr_size);

#endif
