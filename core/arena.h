/*
 * Arena: bump allocation freed all at once.
 *
 * DESIGN: every record of a batch lives in its batch's arena (strings,
 * protobuf structs, findings), so the hot path makes no per-record heap
 * allocation and a batch is freed, or reset for reuse, in one call.
 */
#ifndef CP_ARENA_H
#define CP_ARENA_H

#include <stddef.h>

typedef struct cp_arena_chunk_s cp_arena_chunk_t;

typedef struct cp_arena_s {
        cp_arena_chunk_t *ar_head;  /* chunk being filled; older ones follow */
        size_t ar_chunk_size;       /* size of a regular chunk */
        size_t ar_used;             /* bytes handed out since the last reset */
} cp_arena_t;

/** @brief Prepares an empty arena; allocates nothing yet. */
void cp_arena_init(cp_arena_t *ar, size_t chunk_size);

/** @returns n bytes aligned for any type, or NULL when memory ran out. */
void *cp_arena_alloc(cp_arena_t *ar, size_t n);

/** @returns n zeroed bytes, or NULL. */
void *cp_arena_calloc(cp_arena_t *ar, size_t n);

/** @returns a NUL-terminated copy of s[0..len), or NULL. */
char *cp_arena_strndup(cp_arena_t *ar, const char *s, size_t len);

/** @brief Forgets every allocation but keeps the first chunk for reuse. */
void cp_arena_reset(cp_arena_t *ar);

/** @brief Frees every chunk. The arena may be initialised again. */
void cp_arena_free(cp_arena_t *ar);

#endif
