/*
 * Late central records: the keys a non-central source showed while the
 * central records did not have them (counted unmatched), kept until a
 * central record of the key arrives, in a later set of inputs.
 *
 * DESIGN: service mode reads inputs in sets, and a central snapshot may
 * come in a later set than a source's record of the same key. Only the
 * keys counted unmatched are kept (the others need no second look), one
 * 32-byte entry per (key, source) in an open-addressing table at most 70%
 * full: about 46 bytes per key, inside the 48-byte state budget. Entries
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

typedef struct cp_pending_entry_s {
        uint64_t pe_hash[2];   /* the key's 128-bit hash */
        int64_t pe_seen_ms;    /* when the source first showed it (ingest time) */
        uint8_t pe_source;     /* index of the source */
        uint8_t pe_reason;     /* cp_nomatch_t it is counted under */
        uint8_t pe_used;
        uint8_t pe_pad[5];
} cp_pending_entry_t;

typedef struct cp_pending_s {
        cp_pending_entry_t *pt_slots;
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

#endif
