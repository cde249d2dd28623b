/*
 * Structured logging: one line per event, logfmt, on stderr.
 *
 *   ts=2026-01-05T10:00:00.123Z level=warn comp=sink event=DR_FAIL msg="..." k=v
 *
 * DESIGN: `event` is a stable tag a log search can rely on; `msg` is for
 * people. Callers never pass personal data (resident identity numbers are
 * masked with cp_id_mask before they reach a log line).
 */
#ifndef CP_LOG_H
#define CP_LOG_H

typedef enum cp_log_level_e {
        CP_LOG_DEBUG = 0,
        CP_LOG_INFO,
        CP_LOG_WARN,
        CP_LOG_ERROR,
} cp_log_level_t;

/** @brief Sets the lowest level that is written (default info). */
void cp_log_set_level(cp_log_level_t level);

/** @returns a level from "debug", "info", "warn", "error", or -1. */
int cp_log_level_by_name(const char *name);

/**
 * @brief Writes one log line.
 * @param comp component, e.g. "ingest", "sink"
 * @param event stable upper-case tag, e.g. "FILE_DONE"
 * @param fmt printf format of the rest: `msg="..." key=value ...`
 */
void cp_log(cp_log_level_t level, const char *comp, const char *event,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define cp_log_debug(...) cp_log(CP_LOG_DEBUG, __VA_ARGS__)
#define cp_log_info(...) cp_log(CP_LOG_INFO, __VA_ARGS__)
#define cp_log_warn(...) cp_log(CP_LOG_WARN, __VA_ARGS__)
#define cp_log_error(...) cp_log(CP_LOG_ERROR, __VA_ARGS__)

#endif
