/*
 * Structured logging: one line per event, on stderr, as logfmt (default)
 * or JSON (one object per line). docs/logging.md is the reference.
 *
 *   ts=2026-01-05T10:00:00.123Z level=warn comp=sink event=DELIVERY_FAILED msg="..." k=v
 *   {"ts":"2026-01-05T10:00:00.123Z","level":"warn","comp":"sink","event":"DELIVERY_FAILED","msg":"...","k":"v"}
 *
 * DESIGN: `event` is a stable upper-case tag a log search can rely on
 * (docs/logging.md lists every one, and a test keeps that list complete);
 * `msg` is for people. Call sites stay printf one-liners: the logger splits
 * their `key=value` tail back into fields (core/log_render.h says how) and
 * escapes each for the output format.
 *
 * Levels are set per component by a spec, "info,sink=debug,ingest=warn":
 * an optional default level, then component=level overrides. Settings come
 * from three origins, and the highest one that is set wins as a whole:
 * the command's default < the configuration's `log:` section < the command
 * line. A call below every enabled level costs one atomic load: the level
 * is checked before anything is formatted.
 *
 * Repeated lines are rate-limited per (component, event): past
 * CP_LOG_RATE_BURST lines within CP_LOG_RATE_WINDOW_MS the rest are counted
 * instead of written, and one LOG_SUPPRESSED line reports the count when
 * the window is over (cp_log_flush() reports what is pending at exit).
 *
 * Callers never pass personal data (resident identity numbers are masked
 * with cp_id_mask before they reach a log line); as a last line of defence
 * the logger masks every resident-ID-shaped number (core/pii.h) in what
 * call sites pass and in the finished line.
 *
 * Thread-safe: lines from different threads never interleave.
 */
#ifndef CP_LOG_H
#define CP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cp_log_level_e {
        CP_LOG_DEBUG = 0,
        CP_LOG_INFO,
        CP_LOG_WARN,
        CP_LOG_ERROR,
} cp_log_level_t;

typedef enum cp_log_format_e {
        CP_LOG_LOGFMT = 0,
        CP_LOG_JSON = 1,
} cp_log_format_t;

/* Where a setting comes from; a higher origin overrides a lower one. */
typedef enum cp_log_origin_e {
        CP_LOG_FROM_DEFAULT = 0,  /* the command's own default */
        CP_LOG_FROM_CONFIG = 1,   /* the configuration's `log:` section */
        CP_LOG_FROM_CLI = 2,      /* --log-level, --log-format */
} cp_log_origin_t;

/* Events the logger writes itself (docs/logging.md). */
#define CP_LOG_EVENT_SUPPRESSED "LOG_SUPPRESSED"
#define CP_LOG_EVENT_RDKAFKA "RDKAFKA_"  /* + librdkafka's facility */

/* Rate limiting defaults: lines per (component, event) and window. */
#define CP_LOG_RATE_BURST 10
#define CP_LOG_RATE_WINDOW_MS 10000

/** @brief Sets the default origin to one level for every component
 *         (the default is info). */
void cp_log_set_level(cp_log_level_t level);

/** @returns a level from "debug", "info", "warn", "error" (any case), or -1. */
int cp_log_level_by_name(const char *name);

/**
 * @brief Sets the level spec of one origin, "info,sink=debug,ingest=warn".
 * @param spec NULL clears the origin (a lower one applies again)
 * @returns 0, or -1 with errstr saying what is wrong (nothing changes).
 */
int cp_log_set_spec(cp_log_origin_t origin, const char *spec, char *errstr,
                    size_t errstr_size);

/** @brief Checks a level spec without applying it. @returns 0 or -1. */
int cp_log_check_spec(const char *spec, char *errstr, size_t errstr_size);

/** @returns CP_LOG_LOGFMT or CP_LOG_JSON from "logfmt" or "json", or -1. */
int cp_log_format_by_name(const char *name);

/**
 * @brief Sets the format of one origin, "logfmt" or "json".
 * @param name NULL clears the origin (a lower one applies again)
 * @returns 0, or -1 with errstr (nothing changes).
 */
int cp_log_set_format(cp_log_origin_t origin, const char *name, char *errstr,
                      size_t errstr_size);

/** @returns whether a line of comp at level would be written. */
bool cp_log_enabled(cp_log_level_t level, const char *comp);

/**
 * @brief Writes lines to fp instead of stderr (NULL: stderr again). fp
 *        must stay open until it is replaced.
 */
void cp_log_set_output(FILE *fp);

/** @brief Sets the rate limit; burst 0 turns it off. */
void cp_log_set_rate_limit(unsigned burst, unsigned window_ms);

/** @brief Replaces the monotonic clock of the rate limit (tests); NULL
 *         restores it. */
void cp_log_set_clock(uint64_t (*now_ms)(void));

/** @brief Writes the LOG_SUPPRESSED lines still pending (call at exit). */
void cp_log_flush(void);

/** @brief Back to the start: info, logfmt, stderr, default rate limit,
 *         nothing pending (tests). */
void cp_log_reset(void);

/**
 * @brief Writes one log line.
 * @param comp component, one of docs/logging.md, e.g. "ingest", "sink"
 * @param event stable upper-case tag, e.g. "FILE_DONE"
 * @param fmt printf format of the rest: `msg="..." key=value key="value"`;
 *        quote values that may hold blanks
 */
void cp_log(cp_log_level_t level, const char *comp, const char *event,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/**
 * @brief Writes a line of a library that logs with syslog levels
 *        (librdkafka's log callback): 0–3 error, 4 warn, 5–6 info,
 *        7 debug; the event is `prefix` + facility in upper case.
 * @param client the library's handle name (a field), may be NULL
 * @param text the library's message (the msg field), any bytes
 */
void cp_log_syslog(int syslog_level, const char *comp, const char *prefix,
                   const char *facility, const char *client, const char *text);

#define cp_log_debug(...) cp_log(CP_LOG_DEBUG, __VA_ARGS__)
#define cp_log_info(...) cp_log(CP_LOG_INFO, __VA_ARGS__)
#define cp_log_warn(...) cp_log(CP_LOG_WARN, __VA_ARGS__)
#define cp_log_error(...) cp_log(CP_LOG_ERROR, __VA_ARGS__)

#endif
