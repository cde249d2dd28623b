/*
 * Late central records: the keys a non-central source showed while the
 * central records did not have them (counted unmatched), kept until a
 * central record of the key arrives, in a later set of inputs.
 *
 * DESIGN: service mode reads inputs in sets, and a central snapshot may
 * come in a later set than a source's record of the same key. Only the
 * keys counted unmatched are kept (the others need no second look), one
 * 24-byte entry per (key, source) — the key hash, and source, reason and
 * ingest time packed in one word — in an open-addressing table of a power
 * of two slots at most 70% full: 34 to 69 bytes per key, 40 at 10 million
 * (2^24 slots), inside the 48-byte state budget. Entries
 * of one key start probing at the same slot (the key hash's), so all of
 * them lie in one run of used slots: a central record finds every source
 * that was waiting for it in one probe sequence. Removal shifts later
 * entries back (no tombstones), so runs stay short. Owned by the
 * transform thread.
 */
#ifndef CP_PENDING_H
#define CP_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slot as stored: pe_meta is 0 in an empty slot, else bit 63 set,
 * bits 57..62 the source, 54..56 the reason, 0..53 the ingest time (ms,
 * enough until the year 572 000). */
typedef struct cp_pending_slot_s {
        uint64_t ps_hash[2];
        uint64_t ps_meta;
} cp_pending_slot_t;

/* An entry as the functions hand it out. */
typedef struct cp_pending_entry_s {
        uint64_t pe_hash[2];   /* the key's 128-bit hash */
        int64_t pe_seen_ms;    /* when the source first showed it (ingest time) */
        unsigned pe_source;    /* index of the source */
        unsigned pe_reason;    /* cp_nomatch_t it is counted under */
} cp_pending_entry_t;

typedef struct cp_pending_s {
        cp_pending_slot_t *pt_slots;
        size_t pt_cap;         /* power of two, or 0 */
        size_t pt_count;
} cp_pending_t;

void cp_pending_free(cp_pending_t *pt);

/** @returns CP_OK or CP_ERR_NOMEM. An entry of (key, source) is kept as it is. */
int cp_pending_put(cp_pending_t *pt, const uint64_t hash[2], unsigned source,
                   unsigned reason, int64_t seen_ms);

/**
 * @brief Removes the entry of (key, source).
 * @returns whether there was one; *out (when not NULL) is set to it.
 */
bool cp_pending_remove(cp_pending_t *pt, const uint64_t hash[2], unsigned source,
                       cp_pending_entry_t *out);

/**
 * @brief Removes every entry of a key (one per source, at most 64).
 * @returns how many, copied into out.
 */
size_t cp_pending_take(cp_pending_t *pt, const uint64_t hash[2], cp_pending_entry_t out[64]);

/**
 * @brief Renumbers the sources after the configured sources changed: an
 * entry of source i becomes one of to[i]; one of a source removed
 * (to[i] < 0, or i >= n) is dropped, with the counts it stood for.
 * @returns CP_OK, or CP_ERR_NOMEM (pt is then unchanged).
 */
int cp_pending_remap(cp_pending_t *pt, const int *to, unsigned n);

#endif
