/*
 * Dedupe table: which sources reported each record key.
 *
 * DESIGN: open addressing with linear probing over 24-byte entries: the
 * 128-bit hash of the record key (collisions at 2^-64 odds per pair are
 * accepted; a few billion keys stay far from the birthday bound) and a
 * bitmask of the sources that reported it. The mask is all the join with
 * the central records needs: a key is shared when the mask holds a central
 * source. The table doubles at 70% load.
 */
#ifndef CP_DEDUPE_H
#define CP_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cp_dedupe_entry_s {
        uint64_t de_hash[2];
        uint64_t de_sources;  /* bit i: source i reported the key; 0 = empty slot */
} cp_dedupe_entry_t;

typedef struct cp_dedupe_s {
        cp_dedupe_entry_t *dd_slots;
        size_t dd_cap;    /* power of two */
        size_t dd_count;
} cp_dedupe_t;

/** @returns 0, or CP_ERR_NOMEM. */
int cp_dedupe_init(cp_dedupe_t *dd, size_t expected);

void cp_dedupe_free(cp_dedupe_t *dd);

/**
 * @brief Records that `source` reported the key with this hash.
 * @param prev set to the mask of sources that reported it before
 * @returns 1 when the key is new, 0 when it was seen, CP_ERR_NOMEM.
 */
int cp_dedupe_add(cp_dedupe_t *dd, const uint64_t hash[2], unsigned source,
                  uint64_t *prev);

/** @returns the mask of sources that reported the key, 0 when none. */
uint64_t cp_dedupe_find(const cp_dedupe_t *dd, const uint64_t hash[2]);

#endif
