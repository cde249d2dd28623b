/*
 * Writing one generated feed file and counting its truth.
 *
 * DESIGN: a feed walks its category's universe in index order and writes
 * every entry its source holds; after an entry it may repeat an earlier
 * entry of the same source (rebuilt from its index, written byte for byte
 * the same) and may write a bad row. A bad row is made from an entry that
 * no source holds (an index past the universe), so a pipeline that wrongly
 * accepts it produces an extra key instead of hiding in the duplicates.
 */
#ifndef CP_GEN_FEED_H
#define CP_GEN_FEED_H

#include <stddef.h>

#include "gen_model.h"
#include "gen_truth.h"

/**
 * @brief Writes DIR/feeds/<file> of source si and adds its counts and bad
 *        rows to the truth.
 * @returns 0, or -1 with errstr set
 */
int cp_gen_feed_write(cp_gen_plan_t *pl, int si, const char *dir,
                      cp_gen_truth_t *tr, char *errstr, size_t errstr_size);

#endif
