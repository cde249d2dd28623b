/*
 * The sweeper: produced entries that are active now and whose expected
 * publication window ends on a known date, so that when the observation
 * date passes that date they leave the active set with a removal event.
 *
 * DESIGN: an entry's event is decided when it is first produced; only an
 * entry that is active then and has a finite expected_public_until can
 * later leave by the calendar alone, so only those are kept: a 40-byte
 * entry per (source, key) in an unordered array, plus the key's text for
 * the source that produced it (the removal event must name the key), in
 * one text pool. The array is scanned only when the observation date
 * reaches the earliest end date kept (sw_min_until), so an epoch with
 * nothing due costs a comparison. Every source whose view of the key was
 * active has an entry (its counts move); only the producing source's
 * entry carries the text (one event per produced key). The sweep runs on
 * the transform thread at the end of an epoch (cp_transform_sweep), so the
 * events and the state without the entries commit together.
 */
#ifndef CP_SWEEP_H
#define CP_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cp_sweep_entry_s {
        uint64_t sw_hash[2];        /* the key's hash */
        uint64_t sw_subject_hash;   /* the output partition of the key */
        uint32_t sw_text;           /* offset of the key's text in the pool */
        int32_t sw_until;           /* expected_public_until, days */
        uint16_t sw_len;            /* its length; 0: not produced by this source */
        uint8_t sw_source;
        uint8_t sw_share;           /* cp_share_t at the first view (with the
                                     * reason of an unmatched one) */
        uint8_t sw_stands;          /* 1: the view also stands for withdrawal
                                     * (measure.h): whichever comes first
                                     * takes it out of the other */
        uint8_t sw_pad[3];
} cp_sweep_entry_t;

typedef struct cp_sweep_s {
        cp_sweep_entry_t *sw_v;
        size_t sw_n, sw_cap;
        char *sw_pool;
        size_t sw_pool_len, sw_pool_cap;
        int32_t sw_min_until;       /* the earliest sw_until; 0: none kept */
} cp_sweep_t;

void cp_sweep_free(cp_sweep_t *sw);

/**
 * @brief Keeps an active entry ending on `until` (days, > 0).
 * @param stands the view is kept for withdrawal too (cp_measure_stand)
 * @param key the key's text when this source produced the entry, else NULL
 * @returns CP_OK or CP_ERR_NOMEM (also for a pool past 4 GiB).
 */
int cp_sweep_add(cp_sweep_t *sw, const uint64_t hash[2], uint64_t subject_hash,
                 int32_t until, unsigned source, unsigned share, bool stands,
                 const char *key, size_t key_len);

/** @returns whether an entry ends on or before as_of (days). */
static inline int cp_sweep_due(const cp_sweep_t *sw, int32_t as_of)
{
        return sw->sw_min_until && sw->sw_min_until <= as_of;
}

/**
 * @brief Takes out the entries ending on or before as_of: calls fn for
 * each (key text NULL when it has none), then forgets them and compacts.
 * @returns CP_OK, or fn's first error (then nothing is forgotten).
 */
int cp_sweep_take(cp_sweep_t *sw, int32_t as_of,
                  int (*fn)(void *opaque, const cp_sweep_entry_t *e, const char *key),
                  void *opaque);

/**
 * @brief Renumbers the sources after the configured sources changed: an
 * entry of source i becomes one of to[i]; one of a source removed
 * (to[i] < 0, or i >= n) is dropped: a removed source's entries are not
 * swept, and no removal event is produced for them.
 */
void cp_sweep_remap(cp_sweep_t *sw, const int *to, unsigned n);

#endif
