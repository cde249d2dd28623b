/*
 * Log level specs, "info,sink=debug,ingest=warn": a default level and
 * per-component overrides. Internal to the logger (core/log.c); the syntax
 * is documented in core/log.h and docs/logging.md.
 *
 * DESIGN: a spec is a small value (no allocation), so the logger can keep
 * one per origin (default, configuration, command line) and copy the one
 * that wins. Component names are checked against the components the code
 * logs with: a typo such as "snk=debug" is an error, not a silent no-op.
 */
#ifndef CP_LOG_SPEC_H
#define CP_LOG_SPEC_H

#include <stddef.h>

#define CP_LOG_SPEC_COMP_MAX 16      /* longest component name, with NUL */
#define CP_LOG_SPEC_OVERRIDES_MAX 16

typedef struct cp_log_spec_s {
        int ls_default;               /* cp_log_level_t of other components */
        size_t ls_n;
        struct {
                char comp[CP_LOG_SPEC_COMP_MAX];
                int level;
        } ls_ov[CP_LOG_SPEC_OVERRIDES_MAX];
} cp_log_spec_t;

/**
 * @brief Parses a spec. A spec without a bare level keeps `dflt` as the
 *        default level.
 * @returns 0, or -1 with errstr saying which item is wrong.
 */
int cp_log_spec_parse(const char *text, int dflt, cp_log_spec_t *out,
                      char *errstr, size_t errstr_size);

/** @returns the level that applies to comp. */
int cp_log_spec_level(const cp_log_spec_t *sp, const char *comp);

/** @returns the lowest level any component logs at. */
int cp_log_spec_floor(const cp_log_spec_t *sp);

/** @brief Writes the known components, "run, broker, ...", for messages. */
void cp_log_spec_components(char *out, size_t outsz);

#endif
