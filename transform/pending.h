/*
 * Late central records: the keys a non-central source showed while the
 * central records did not have them (counted unmatched), kept until a
 * central record of the key arrives, in a later set of inputs.
 *
 * DESIGN: service mode reads inputs in sets, and a central snapshot may
 * come in a later set than a source's record of the same key. Only the
 * keys counted unmatched are kept (the others need no second look), one
 * entry per (key, source) of a view table (viewtab.h: 24 bytes, 40 a key
 * at 10 million, inside the 48-byte state budget) whose payload packs the
 * reason and the ingest time. A central record finds every source that
 * was waiting for it in one probe sequence. Owned by the transform thread.
 */
#ifndef CP_PENDING_H
#define CP_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "viewtab.h"

/* An entry as the functions hand it out. */
typedef struct cp_pending_entry_s {
        uint64_t pe_hash[2];   /* the key's 128-bit hash */
        int64_t pe_seen_ms;    /* when the source first showed it (ingest time) */
        unsigned pe_source;    /* index of the source */
        unsigned pe_reason;    /* cp_nomatch_t it is counted under */
} cp_pending_entry_t;

/* The payload: bits 54..56 the reason, 0..53 the ingest time (ms, enough
 * until the year 572 000). */
typedef cp_viewtab_t cp_pending_t;

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

/** @returns whether a payload read from a file is one this table writes. */
bool cp_pending_payload_ok(uint64_t payload);

#endif
