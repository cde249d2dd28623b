/*
 * Rate limiting of repeated log lines, by (component, event). Internal to
 * the logger (core/log.c), which holds its lock around every call.
 *
 * DESIGN: a fixed window per pair, starting at its first line: the first
 * `burst` lines of a window are written, the rest only counted. The count
 * becomes one summary line when a later call finds the window over (a
 * sweep at most once a second over every pair, so a burst that simply
 * stops is still reported) or at cp_log_limit_flush(). A fixed table with
 * no allocation: when it is full of live pairs, a new pair is not limited
 * rather than a line being lost.
 */
#ifndef CP_LOG_LIMIT_H
#define CP_LOG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define CP_LOG_LIMIT_SLOTS 256

typedef struct cp_log_slot_s {
        char sl_comp[24];
        char sl_event[64];
        uint64_t sl_start_ms;   /* start of the current window */
        unsigned sl_count;      /* lines in the window, written or not */
        unsigned sl_dropped;    /* of those, not written */
        int sl_level;           /* highest level dropped */
        bool sl_used;
} cp_log_slot_t;

/* Receives a pair whose dropped lines must now be reported. */
typedef void (*cp_log_summary_fn)(const cp_log_slot_t *slot, void *opaque);

typedef struct cp_log_limit_s {
        cp_log_slot_t lm_slot[CP_LOG_LIMIT_SLOTS];
        unsigned lm_burst;      /* 0: no limit */
        unsigned lm_window_ms;
        uint64_t lm_next_sweep_ms;
        cp_log_summary_fn lm_summary;
        void *lm_opaque;
} cp_log_limit_t;

/**
 * @brief Decides whether a line of (comp, event) at `level` is written,
 *        reporting windows that are over through lm_summary first.
 * @returns true to write it.
 */
bool cp_log_limit_admit(cp_log_limit_t *lm, const char *comp, const char *event,
                        int level, uint64_t now_ms);

/** @brief Reports every pending count now (at exit), windows or not. */
void cp_log_limit_flush(cp_log_limit_t *lm);

/** @brief Forgets every pair, without reporting. */
void cp_log_limit_clear(cp_log_limit_t *lm);

#endif
