#include "dedupe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

void *cp_table_calloc(size_t n, size_t size)
{
        void *p;

        if (size && n > SIZE_MAX / size)
                return NULL;
        p = malloc(n * size);
        if (p)
                memset(p, 0, n * size);
        return p;
}

int cp_dedupe_init(cp_dedupe_t *dd, size_t expected)
{
        size_t cap = 16, per = expected / CP_DEDUPE_SEGS + 1;

        memset(dd, 0, sizeof(*dd));
        while (cap * 7 / 10 < per)
                cap *= 2;
        for (unsigned i = 0; i < CP_DEDUPE_SEGS; i++) {
                dd->dd_seg[i].sg_slots = cp_table_calloc(cap, sizeof(cp_dedupe_entry_t));
                if (!dd->dd_seg[i].sg_slots) {
                        cp_dedupe_free(dd);
                        return CP_ERR_NOMEM;
                }
                dd->dd_seg[i].sg_cap = cap;
        }
        return CP_OK;
}

void cp_dedupe_free(cp_dedupe_t *dd)
{
        for (unsigned i = 0; i < CP_DEDUPE_SEGS; i++)
                free(dd->dd_seg[i].sg_slots);
        memset(dd, 0, sizeof(*dd));
}

static cp_dedupe_entry_t *cp_dedupe_slot(cp_dedupe_entry_t *slots, size_t cap,
                                         const uint64_t hash[2])
{
        size_t mask = cap - 1, i = (size_t)hash[0] & mask;

        for (;;) {
                cp_dedupe_entry_t *e = &slots[i];

                if (!e->de_sources ||
                    (e->de_hash[0] == hash[0] && e->de_hash[1] == hash[1]))
                        return e;
                i = (i + 1) & mask;
        }
}

static int cp_dedupe_grow(cp_dedupe_seg_t *sg)
{
        size_t ncap = sg->sg_cap * 2;
        cp_dedupe_entry_t *ns = cp_table_calloc(ncap, sizeof(*ns));

        if (!ns)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < sg->sg_cap; i++) {
                cp_dedupe_entry_t *e = &sg->sg_slots[i];
                if (e->de_sources)
                        *cp_dedupe_slot(ns, ncap, e->de_hash) = *e;
        }
        free(sg->sg_slots);
        sg->sg_slots = ns;
        sg->sg_cap = ncap;
        return CP_OK;
}

int cp_dedupe_add(cp_dedupe_t *dd, const uint64_t hash[2], unsigned source,
                  uint64_t *prev)
{
        cp_dedupe_seg_t *sg = cp_dedupe_seg(dd, hash);
        cp_dedupe_entry_t *e;

        if ((sg->sg_count + 1) * 10 > sg->sg_cap * 7 && cp_dedupe_grow(sg))
                return CP_ERR_NOMEM;
        e = cp_dedupe_slot(sg->sg_slots, sg->sg_cap, hash);
        *prev = e->de_sources;
        if (!e->de_sources) {
                e->de_hash[0] = hash[0];
                e->de_hash[1] = hash[1];
                sg->sg_count++;
                dd->dd_count++;
        }
        e->de_sources |= UINT64_C(1) << source;
        return *prev ? 0 : 1;
}

int cp_dedupe_put(cp_dedupe_t *dd, const cp_dedupe_entry_t *e)
{
        cp_dedupe_seg_t *sg = cp_dedupe_seg(dd, e->de_hash);
        cp_dedupe_entry_t *slot;

        if ((sg->sg_count + 1) * 10 > sg->sg_cap * 7 && cp_dedupe_grow(sg))
                return CP_ERR_NOMEM;
        slot = cp_dedupe_slot(sg->sg_slots, sg->sg_cap, e->de_hash);
        if (!slot->de_sources) {
                sg->sg_count++;
                dd->dd_count++;
        }
        *slot = *e;
        return CP_OK;
}

void cp_dedupe_remap(cp_dedupe_t *dd, const int *to, unsigned n)
{
        for (unsigned g = 0; g < CP_DEDUPE_SEGS; g++) {
                cp_dedupe_seg_t *sg = &dd->dd_seg[g];

                for (size_t s = 0; s < sg->sg_cap; s++) {
                        uint64_t m = sg->sg_slots[s].de_sources;
                        uint64_t out = m & CP_DEDUPE_RETIRED;

                        for (uint64_t b = m & ~CP_DEDUPE_RETIRED; b; b &= b - 1) {
                                unsigned i = (unsigned)__builtin_ctzll(b);

                                out |= i < n && to[i] >= 0 ? UINT64_C(1) << to[i]
                                                           : CP_DEDUPE_RETIRED;
                        }
                        sg->sg_slots[s].de_sources = out;
                }
        }
}

uint64_t cp_dedupe_find(const cp_dedupe_t *dd, const uint64_t hash[2])
{
        const cp_dedupe_seg_t *sg = cp_dedupe_seg(dd, hash);

        return cp_dedupe_slot(sg->sg_slots, sg->sg_cap, hash)->de_sources;
}
