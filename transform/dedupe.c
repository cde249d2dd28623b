#include "dedupe.h"

#include <stdlib.h>

#include "core/err.h"

int cp_dedupe_init(cp_dedupe_t *dd, size_t expected)
{
        size_t cap = 1024;

        while (cap * 7 / 10 < expected)
                cap *= 2;
        dd->dd_slots = calloc(cap, sizeof(*dd->dd_slots));
        if (!dd->dd_slots)
                return CP_ERR_NOMEM;
        dd->dd_cap = cap;
        dd->dd_count = 0;
        return CP_OK;
}

void cp_dedupe_free(cp_dedupe_t *dd)
{
        free(dd->dd_slots);
        dd->dd_slots = NULL;
        dd->dd_cap = dd->dd_count = 0;
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

static int cp_dedupe_grow(cp_dedupe_t *dd)
{
        size_t ncap = dd->dd_cap * 2;
        cp_dedupe_entry_t *ns = calloc(ncap, sizeof(*ns));

        if (!ns)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < dd->dd_cap; i++) {
                cp_dedupe_entry_t *e = &dd->dd_slots[i];
                if (e->de_sources)
                        *cp_dedupe_slot(ns, ncap, e->de_hash) = *e;
        }
        free(dd->dd_slots);
        dd->dd_slots = ns;
        dd->dd_cap = ncap;
        return CP_OK;
}

int cp_dedupe_add(cp_dedupe_t *dd, const uint64_t hash[2], unsigned source,
                  uint64_t *prev)
{
        cp_dedupe_entry_t *e;

        if ((dd->dd_count + 1) * 10 > dd->dd_cap * 7 && cp_dedupe_grow(dd))
                return CP_ERR_NOMEM;
        e = cp_dedupe_slot(dd->dd_slots, dd->dd_cap, hash);
        *prev = e->de_sources;
        if (!e->de_sources) {
                e->de_hash[0] = hash[0];
                e->de_hash[1] = hash[1];
                dd->dd_count++;
        }
        e->de_sources |= UINT64_C(1) << source;
        return *prev ? 0 : 1;
}

uint64_t cp_dedupe_find(const cp_dedupe_t *dd, const uint64_t hash[2])
{
        return cp_dedupe_slot(dd->dd_slots, dd->dd_cap, hash)->de_sources;
}
