/*
 * Deterministic randomness for `credpipe gen`.
 *
 * DESIGN: every value the generator writes is a pure function of
 * (seed, stream, index). An entry's fields come from a small generator
 * seeded with cp_gen_hash(seed, stream, index), so an entry can be rebuilt
 * from its index whenever it is needed again (a duplicate row, the central
 * copy of a sectoral record) instead of being kept in memory: memory stays
 * flat from 50 to 10 million rows. SplitMix64 is enough here: we need
 * reproducibility on every platform and a good spread, not secrecy;
 * rand() is neither reproducible across libcs nor seedable per entry.
 */
#ifndef CP_GEN_RNG_H
#define CP_GEN_RNG_H

#include <stdbool.h>
#include <stdint.h>

/* Independent streams: the same index drawn in two streams is unrelated. */
enum {
        CP_GEN_S_CLASS = 1,     /* which sources hold an entry (+ category) */
        CP_GEN_S_CENTRAL = 8,   /* whether central has the entry (+ category) */
        CP_GEN_S_ENTRY = 16,    /* an entry's content (+ category) */
        CP_GEN_S_COMPANY = 24,  /* a company's name, code, representative */
        CP_GEN_S_PERSON = 25,   /* a person's name and identity number */
        CP_GEN_S_RENDER = 32,   /* how a source writes an entry (+ source) */
        CP_GEN_S_EVENTS = 64,   /* duplicates and bad rows after an entry (+ source) */
        CP_GEN_S_REJECT = 96,   /* the content of a bad row (+ source) */
        CP_GEN_S_FLAGS = 128,   /* an entry's flags: weak key, split, withdrawn (+ category) */
        CP_GEN_S_VIEW = 160,    /* what a source leaves out or writes differently (+ source) */
        CP_GEN_S_LATER = 192,   /* which entries a later record withdraws (+ category) */
        CP_GEN_S_LATER_ROW = 224, /* where and with which status it is written (+ source) */
};

/** @returns a well-mixed 64-bit value (the SplitMix64 finaliser). */
static inline uint64_t cp_gen_mix(uint64_t z)
{
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

/** @returns a hash of (seed, stream, idx); each step is a bijection. */
static inline uint64_t cp_gen_hash(uint64_t seed, uint64_t stream, uint64_t idx)
{
        uint64_t h = cp_gen_mix(seed + 0x9e3779b97f4a7c15ULL);

        h = cp_gen_mix(h ^ (stream * 0xd1b54a32d192ed03ULL));
        return cp_gen_mix(h + idx * 0x8cb92ba72f3d8dd7ULL);
}

typedef struct cp_gen_rng_s {
        uint64_t rng_state;
} cp_gen_rng_t;

static inline void cp_gen_rng_init(cp_gen_rng_t *rng, uint64_t seed,
                                   uint64_t stream, uint64_t idx)
{
        rng->rng_state = cp_gen_hash(seed, stream, idx);
}

static inline uint64_t cp_gen_rng_next(cp_gen_rng_t *rng)
{
        rng->rng_state += 0x9e3779b97f4a7c15ULL;
        return cp_gen_mix(rng->rng_state);
}

/** @returns a value in [0, n); n > 0 and below 2^32 (bias is negligible). */
static inline uint32_t cp_gen_rng_below(cp_gen_rng_t *rng, uint32_t n)
{
        return (uint32_t)(((cp_gen_rng_next(rng) >> 32) * (uint64_t)n) >> 32);
}

/** @returns true with probability per10k / 10000. */
static inline bool cp_gen_rng_chance(cp_gen_rng_t *rng, uint32_t per10k)
{
        return cp_gen_rng_below(rng, 10000) < per10k;
}

#endif
