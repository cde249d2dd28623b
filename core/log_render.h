/*
 * Turning one log event into one line of logfmt or JSON. Internal to the
 * logger (core/log.c).
 *
 * DESIGN: call sites write their fields as a printf tail,
 * `msg="..." source=%s file="%s"`, which keeps them one-liners. That text
 * is split back into pairs here so each value can be escaped for the
 * output format: a value the call site quoted may itself contain quotes
 * (an error message, a file name), so a quote only closes a value when the
 * end of the text or another `key=` follows it; `\"` and `\\` inside quotes
 * are escapes. An unquoted value runs up to the next ` key=`, so a path
 * with blanks stays one value. Text before the first `key=` becomes a
 * `text` field. Output is always valid UTF-8 (invalid bytes become U+FFFD)
 * with control characters escaped, so a line can never be split in two or
 * move a terminal's cursor.
 */
#ifndef CP_LOG_RENDER_H
#define CP_LOG_RENDER_H

#include <stdbool.h>
#include <stddef.h>

/* Fields of one line beyond ts, level, comp and event. */
#define CP_LOG_PAIRS_MAX 64

typedef struct cp_log_pair_s {
        const char *lp_key;     /* NULL: text that is not `key=value` */
        size_t lp_klen;
        const char *lp_val;
        size_t lp_vlen;
        bool lp_quoted;         /* the call site quoted it: logfmt keeps it so */
} cp_log_pair_t;

/* An output buffer; appends that do not fit set `full` and are dropped. */
typedef struct cp_log_buf_s {
        char *lb_p;
        size_t lb_len;
        size_t lb_cap;
        bool lb_full;
} cp_log_buf_t;

/* What a line says, apart from its fields. */
typedef struct cp_log_head_s {
        const char *lh_ts;      /* 2026-01-05T10:00:00.123Z */
        const char *lh_level;
        const char *lh_comp;    /* [A-Za-z0-9_.-]+ (the caller sanitises) */
        const char *lh_event;   /* idem */
} cp_log_head_t;

/**
 * @brief Splits a printf tail into pairs, in place (unescaping quoted
 *        values); values point into s.
 * @returns the number of pairs (at most max; when there would be more,
 *          the last is a text pair holding the rest of the tail as is).
 */
size_t cp_log_parse_tail(char *s, size_t n, cp_log_pair_t *pairs, size_t max);

/** @brief Appends `ts=... level=... comp=... event=... k=v ...` (no newline). */
void cp_log_render_logfmt(cp_log_buf_t *b, const cp_log_head_t *h,
                          const cp_log_pair_t *pairs, size_t npairs);

/**
 * @brief Appends one JSON object (no newline): ts, level, comp, event, then
 *        msg if given, then the other pairs in order, every value a string.
 *        A field named like a fixed member, or repeating an earlier one,
 *        gets a leading '_' so that every member name is unique.
 */
void cp_log_render_json(cp_log_buf_t *b, const cp_log_head_t *h,
                        const cp_log_pair_t *pairs, size_t npairs);

#endif
