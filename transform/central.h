/*
 * The central view of each key: what the central records say about it,
 * kept so that each source's record can be compared with it.
 *
 * DESIGN: only central keys are stored (a fraction of all keys), in an
 * open-addressing table of the 128-bit key hash, beside the dedupe table
 * rather than in it, so that the dedupe entry stays 24 bytes. Each field
 * compared (core/report.h cp_cmp_t) is kept as a 32-bit hash of its
 * normalised value (0: absent), so a false "equal" has 2^-32 odds.
 */
#ifndef CP_CENTRAL_H
#define CP_CENTRAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/report.h"

typedef struct cp_central_entry_s {
        uint64_t ce_hash[2];
        uint32_t ce_cmp[CP_CMP__COUNT];
        int32_t ce_publish;   /* central publish date, days; 0: unknown */
        uint32_t ce_used;
} cp_central_entry_t;

typedef struct cp_central_s {
        cp_central_entry_t *ct_slots;
        size_t ct_cap;        /* power of two */
        size_t ct_count;
} cp_central_t;

void cp_central_free(cp_central_t *ct);

/**
 * @brief Keeps the central view of a key; a key already kept is left as
 * it is (the first central record is the central view).
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_central_put(cp_central_t *ct, const uint64_t hash[2],
                   const uint32_t cmp[CP_CMP__COUNT], int32_t publish);

/** @returns the central view of a key, or NULL. */
const cp_central_entry_t *cp_central_get(const cp_central_t *ct, const uint64_t hash[2]);

#endif
