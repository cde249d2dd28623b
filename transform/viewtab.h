/*
 * A table of sources' views of keys: entries keyed by (key hash, source)
 * with a 57-bit payload, for the states kept per view after its first
 * record — the keys waiting for a late central record (pending.h) and the
 * active views a later record may withdraw (standing, transform.c).
 *
 * DESIGN: one 24-byte slot per entry — the key's 128-bit hash and a word
 * holding a used bit, the source and the payload — in an open-addressing
 * table of a power of two slots at most 70% full: 34 to 69 bytes per
 * entry, 40 at 10 million (2^24 slots). Entries of one key start probing
 * at the same slot (the key hash's), so all of them lie in one run of used
 * slots: every source's entry of a key is found in one probe sequence.
 * Removal shifts later entries back (no tombstones), so runs stay short.
 * The slots are saved and loaded as they are (snapshot.c).
 */
#ifndef CP_VIEWTAB_H
#define CP_VIEWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slot as stored: vs_meta is 0 in an empty slot, else bit 63 set, bits
 * 57..62 the source, 0..56 the payload. */
typedef struct cp_viewtab_slot_s {
        uint64_t vs_hash[2];
        uint64_t vs_meta;
} cp_viewtab_slot_t;

#define CP_VIEWTAB_PAYLOAD_BITS 57
#define CP_VIEWTAB_PAYLOAD_MAX ((UINT64_C(1) << CP_VIEWTAB_PAYLOAD_BITS) - 1)

typedef struct cp_viewtab_s {
        cp_viewtab_slot_t *vt_slots;
        size_t vt_cap;         /* power of two, or 0 */
        size_t vt_count;
} cp_viewtab_t;

/* An entry as the functions hand it out. */
typedef struct cp_viewtab_entry_s {
        uint64_t ve_hash[2];
        unsigned ve_source;
        uint64_t ve_payload;
} cp_viewtab_entry_t;

void cp_viewtab_free(cp_viewtab_t *vt);

/**
 * @brief Keeps an entry of (key, source); one already there is kept as it is.
 * @param payload at most CP_VIEWTAB_PAYLOAD_MAX (higher bits are dropped)
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_viewtab_put(cp_viewtab_t *vt, const uint64_t hash[2], unsigned source,
                   uint64_t payload);

/**
 * @brief Removes the entry of (key, source).
 * @returns whether there was one; *payload (when not NULL) is set to its payload.
 */
bool cp_viewtab_remove(cp_viewtab_t *vt, const uint64_t hash[2], unsigned source,
                       uint64_t *payload);

/**
 * @brief Removes every entry of a key (one per source, at most 64).
 * @returns how many, copied into out.
 */
size_t cp_viewtab_take(cp_viewtab_t *vt, const uint64_t hash[2], cp_viewtab_entry_t out[64]);

/**
 * @brief Renumbers the sources after the configured sources changed: an
 * entry of source i becomes one of to[i]; one of a source removed
 * (to[i] < 0, or i >= n) is dropped.
 * @returns CP_OK, or CP_ERR_NOMEM (vt is then unchanged).
 */
int cp_viewtab_remap(cp_viewtab_t *vt, const int *to, unsigned n);

/** @returns the source of a used slot's meta word. */
static inline unsigned cp_viewtab_source(uint64_t meta)
{
        return (unsigned)(meta >> CP_VIEWTAB_PAYLOAD_BITS) & 63;
}

/** @returns the payload of a used slot's meta word. */
static inline uint64_t cp_viewtab_payload(uint64_t meta)
{
        return meta & CP_VIEWTAB_PAYLOAD_MAX;
}

/**
 * @brief Checks a table read from a file: every used slot's source below
 * nsrc and payload accepted by ok (when not NULL), and the count right.
 * @returns whether it is sound.
 */
bool cp_viewtab_sound(const cp_viewtab_t *vt, unsigned nsrc, bool (*ok)(uint64_t payload));

#endif
