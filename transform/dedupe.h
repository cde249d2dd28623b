/*
 * Dedupe table: which sources reported each record key.
 *
 * DESIGN: open addressing with linear probing over 24-byte entries: the
 * 128-bit hash of the record key (collisions at 2^-64 odds per pair are
 * accepted; a few billion keys stay far from the birthday bound) and a
 * bitmask of the sources that reported it. The mask is all the join with
 * the central records needs: a key is shared when the mask holds a central
 * source.
 *
 * The table is CP_DEDUPE_SEGS segments, chosen by the hash's top bits,
 * each an independent table that doubles at 70% load. One table doubling
 * as a whole would need its old and its new array at once: at 10 M keys a
 * peak of 600 MB for 400 MB of slots, 60 bytes per key. Segments double
 * one at a time, so the state costs 24 / load bytes per key: 34 to 69,
 * 40 at 10 M keys (docs/performance.md).
 */
#ifndef CP_DEDUPE_H
#define CP_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

/* In a mask: some source no longer configured reported the key. It stays
 * a key seen (its record was produced), but belongs to no source's counts
 * (cp_dedupe_remap). */
#define CP_DEDUPE_RETIRED (UINT64_C(1) << 63)

#define CP_DEDUPE_SEG_BITS 6
#define CP_DEDUPE_SEGS (1u << CP_DEDUPE_SEG_BITS)

typedef struct cp_dedupe_entry_s {
        uint64_t de_hash[2];
        uint64_t de_sources;  /* bit i: source i reported the key; 0 = empty slot */
} cp_dedupe_entry_t;

typedef struct cp_dedupe_seg_s {
        cp_dedupe_entry_t *sg_slots;
        size_t sg_cap;    /* power of two */
        size_t sg_count;
} cp_dedupe_seg_t;

typedef struct cp_dedupe_s {
        cp_dedupe_seg_t dd_seg[CP_DEDUPE_SEGS];
        size_t dd_count;  /* keys in every segment */
} cp_dedupe_t;

/** @returns 0, or CP_ERR_NOMEM (dd is then empty: cp_dedupe_free() is fine). */
int cp_dedupe_init(cp_dedupe_t *dd, size_t expected);

void cp_dedupe_free(cp_dedupe_t *dd);

/** @returns the segment of a hash. */
static inline cp_dedupe_seg_t *cp_dedupe_seg(const cp_dedupe_t *dd, const uint64_t hash[2])
{
        return (cp_dedupe_seg_t *)&dd->dd_seg[hash[0] >> (64 - CP_DEDUPE_SEG_BITS)];
}

/** @returns the slot a hash probes first. */
static inline const cp_dedupe_entry_t *cp_dedupe_home(const cp_dedupe_t *dd,
                                                      const uint64_t hash[2])
{
        const cp_dedupe_seg_t *sg = cp_dedupe_seg(dd, hash);

        return &sg->sg_slots[hash[0] & (sg->sg_cap - 1)];
}

/*
 * Starts loading the slot a hash probes first, for a lookup soon after:
 * callers that know several hashes ahead hide the cache miss. A macro:
 * GCC takes a function whose only effect is a prefetch for one without
 * effects, and drops the call before inlining it. A read prefetch: x86-64
 * without PRFCHW has no write one, and the slot is read first anyway.
 */
#define cp_dedupe_prefetch(dd, hash) __builtin_prefetch(cp_dedupe_home((dd), (hash)))

/**
 * @brief calloc() for the slots of a hash table, zeroed by writing: a
 * large calloc() maps the shared zero page, which a table's first probe
 * of a slot then reads before its insert writes, and each such write is
 * a copy-on-write fault whose TLB flush interrupts every other core
 * running the process's threads (3 % of the transform thread's time in
 * a run, and as much of the other threads'). Free with free().
 */
void *cp_table_calloc(size_t n, size_t size);

/**
 * @brief Records that `source` reported the key with this hash.
 * @param prev set to the mask of sources that reported it before
 * @returns 1 when the key is new, 0 when it was seen, CP_ERR_NOMEM.
 */
int cp_dedupe_add(cp_dedupe_t *dd, const uint64_t hash[2], unsigned source,
                  uint64_t *prev);

/**
 * @brief Inserts an entry as it is (hash and mask), for a table rebuilt
 * from another layout; the key must not be in the table yet.
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_dedupe_put(cp_dedupe_t *dd, const cp_dedupe_entry_t *e);

/**
 * @brief Renumbers the sources of every mask after the configured sources
 * changed: bit i becomes bit to[i], or CP_DEDUPE_RETIRED when to[i] < 0 or
 * i >= n. Entries stay where they are: their hashes do not change.
 */
void cp_dedupe_remap(cp_dedupe_t *dd, const int *to, unsigned n);

/** @returns the mask of sources that reported the key, 0 when none. */
uint64_t cp_dedupe_find(const cp_dedupe_t *dd, const uint64_t hash[2]);

#endif
