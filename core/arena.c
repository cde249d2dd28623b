#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct cp_arena_chunk_s {
        cp_arena_chunk_t *next;
        size_t size;  /* usable bytes in data[] */
        size_t used;
        alignas(max_align_t) unsigned char data[];
};

#define CP_ARENA_ALIGN alignof(max_align_t)

void cp_arena_init(cp_arena_t *ar, size_t chunk_size)
{
        ar->ar_head = NULL;
        ar->ar_chunk_size = chunk_size ? chunk_size : 64 * 1024;
        ar->ar_used = 0;
}

static cp_arena_chunk_t *cp_arena_grow(cp_arena_t *ar, size_t n)
{
        /* An oversized request gets a chunk of its own, so one long field
         * (a multi-megabyte free-text cell) never wastes a regular chunk. */
        size_t size = n > ar->ar_chunk_size ? n : ar->ar_chunk_size;
        cp_arena_chunk_t *c = malloc(sizeof(*c) + size);

        if (!c)
                return NULL;
        c->size = size;
        c->used = 0;
        c->next = ar->ar_head;
        ar->ar_head = c;
        return c;
}

void *cp_arena_alloc(cp_arena_t *ar, size_t n)
{
        cp_arena_chunk_t *c = ar->ar_head;
        size_t off;

        if (n == 0)
                n = 1;
        if (c) {
                off = (c->used + CP_ARENA_ALIGN - 1) & ~(CP_ARENA_ALIGN - 1);
                if (off <= c->size && c->size - off >= n) {
                        c->used = off + n;
                        ar->ar_used += n;
                        return c->data + off;
                }
        }
        c = cp_arena_grow(ar, n);
        if (!c)
                return NULL;
        c->used = n;
        ar->ar_used += n;
        return c->data;
}

void *cp_arena_calloc(cp_arena_t *ar, size_t n)
{
        void *p = cp_arena_alloc(ar, n);

        if (p)
                memset(p, 0, n);
        return p;
}

char *cp_arena_strndup(cp_arena_t *ar, const char *s, size_t len)
{
        char *p = cp_arena_alloc(ar, len + 1);

        if (!p)
                return NULL;
        memcpy(p, s, len);
        p[len] = '\0';
        return p;
}

void cp_arena_reset(cp_arena_t *ar)
{
        cp_arena_chunk_t *c = ar->ar_head, *keep = NULL;

        /* Keep one regular-sized chunk (the oldest is always regular or the
         * only one), free the rest. */
        while (c) {
                cp_arena_chunk_t *next = c->next;

                if (!keep && next == NULL) {
                        keep = c;
                } else {
                        free(c);
                }
                c = next;
        }
        if (keep) {
                keep->next = NULL;
                keep->used = 0;
        }
        ar->ar_head = keep;
        ar->ar_used = 0;
}

void cp_arena_free(cp_arena_t *ar)
{
        cp_arena_chunk_t *c = ar->ar_head;

        while (c) {
                cp_arena_chunk_t *next = c->next;
                free(c);
                c = next;
        }
        ar->ar_head = NULL;
        ar->ar_used = 0;
}
