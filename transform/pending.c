#include "pending.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "dedupe.h"

_Static_assert(sizeof(cp_pending_entry_t) == 32, "a pending entry is 32 bytes");

void cp_pending_free(cp_pending_t *pt)
{
        free(pt->pt_slots);
        memset(pt, 0, sizeof(*pt));
}

static size_t cp_pending_home(const cp_pending_t *pt, const uint64_t hash[2])
{
        return (size_t)hash[0] & (pt->pt_cap - 1);
}

static bool cp_pending_is(const cp_pending_entry_t *e, const uint64_t hash[2])
{
        return e->pe_hash[0] == hash[0] && e->pe_hash[1] == hash[1];
}

/* Puts an entry known to be absent; the table has room. */
static void cp_pending_place(cp_pending_t *pt, const cp_pending_entry_t *e)
{
        size_t mask = pt->pt_cap - 1, i = cp_pending_home(pt, e->pe_hash);

        while (pt->pt_slots[i].pe_used)
                i = (i + 1) & mask;
        pt->pt_slots[i] = *e;
}

static int cp_pending_grow(cp_pending_t *pt)
{
        cp_pending_t n = {.pt_cap = pt->pt_cap ? pt->pt_cap * 2 : 1024,
                          .pt_count = pt->pt_count};

        n.pt_slots = cp_table_calloc(n.pt_cap, sizeof(*n.pt_slots));
        if (!n.pt_slots)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < pt->pt_cap; i++)
                if (pt->pt_slots[i].pe_used)
                        cp_pending_place(&n, &pt->pt_slots[i]);
        free(pt->pt_slots);
        *pt = n;
        return CP_OK;
}

int cp_pending_put(cp_pending_t *pt, const uint64_t hash[2], unsigned source,
                   unsigned reason, int64_t seen_ms)
{
        cp_pending_entry_t e = {.pe_hash = {hash[0], hash[1]}, .pe_seen_ms = seen_ms,
                                .pe_source = (uint8_t)source, .pe_reason = (uint8_t)reason,
                                .pe_used = 1};
        size_t mask, i;

        if ((pt->pt_count + 1) * 10 > pt->pt_cap * 7 && cp_pending_grow(pt))
                return CP_ERR_NOMEM;
        mask = pt->pt_cap - 1;
        for (i = cp_pending_home(pt, hash); pt->pt_slots[i].pe_used; i = (i + 1) & mask)
                if (cp_pending_is(&pt->pt_slots[i], hash) &&
                    pt->pt_slots[i].pe_source == source)
                        return CP_OK;
        pt->pt_slots[i] = e;
        pt->pt_count++;
        return CP_OK;
}

/* Empties slot i and shifts back the entries after it that probed past
 * it (backward-shift deletion: every entry stays reachable from home). */
static void cp_pending_erase(cp_pending_t *pt, size_t i)
{
        size_t mask = pt->pt_cap - 1, j = i;

        for (;;) {
                size_t home;

                j = (j + 1) & mask;
                if (!pt->pt_slots[j].pe_used)
                        break;
                home = cp_pending_home(pt, pt->pt_slots[j].pe_hash);
                /* j's entry may move to i when home is not in (i, j]. */
                if (((j - home) & mask) >= ((j - i) & mask)) {
                        pt->pt_slots[i] = pt->pt_slots[j];
                        i = j;
                }
        }
        memset(&pt->pt_slots[i], 0, sizeof(pt->pt_slots[i]));
        pt->pt_count--;
}

bool cp_pending_remove(cp_pending_t *pt, const uint64_t hash[2], unsigned source,
                       cp_pending_entry_t *out)
{
        size_t mask, i;

        if (!pt->pt_count)
                return false;
        mask = pt->pt_cap - 1;
        for (i = cp_pending_home(pt, hash); pt->pt_slots[i].pe_used; i = (i + 1) & mask)
                if (cp_pending_is(&pt->pt_slots[i], hash) &&
                    pt->pt_slots[i].pe_source == source) {
                        if (out)
                                *out = pt->pt_slots[i];
                        cp_pending_erase(pt, i);
                        return true;
                }
        return false;
}

size_t cp_pending_take(cp_pending_t *pt, const uint64_t hash[2], cp_pending_entry_t out[64])
{
        size_t n = 0, mask, i;

        if (!pt->pt_count)
                return 0;
        mask = pt->pt_cap - 1;
        i = cp_pending_home(pt, hash);
        while (pt->pt_slots[i].pe_used && n < 64) {
                if (cp_pending_is(&pt->pt_slots[i], hash)) {
                        out[n++] = pt->pt_slots[i];
                        /* The slot now holds a shifted entry, or is empty:
                         * look at it again. */
                        cp_pending_erase(pt, i);
                        continue;
                }
                i = (i + 1) & mask;
        }
        return n;
}
