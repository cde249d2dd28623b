#include "pending.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "dedupe.h"

_Static_assert(sizeof(cp_pending_slot_t) == 24, "a pending slot is 24 bytes");

#define CP_PE_USED (UINT64_C(1) << 63)
#define CP_PE_TIME_BITS 54

static uint64_t cp_pe_pack(unsigned source, unsigned reason, int64_t seen_ms)
{
        uint64_t t = seen_ms > 0 ? (uint64_t)seen_ms : 0;

        t &= (UINT64_C(1) << CP_PE_TIME_BITS) - 1;
        return CP_PE_USED | (uint64_t)(source & 63) << 57 | (uint64_t)(reason & 7) << 54 | t;
}

static unsigned cp_pe_source(uint64_t meta)
{
        return (unsigned)(meta >> 57) & 63;
}

static void cp_pe_unpack(const cp_pending_slot_t *s, cp_pending_entry_t *e)
{
        e->pe_hash[0] = s->ps_hash[0];
        e->pe_hash[1] = s->ps_hash[1];
        e->pe_source = cp_pe_source(s->ps_meta);
        e->pe_reason = (unsigned)(s->ps_meta >> 54) & 7;
        e->pe_seen_ms = (int64_t)(s->ps_meta & ((UINT64_C(1) << CP_PE_TIME_BITS) - 1));
}

void cp_pending_free(cp_pending_t *pt)
{
        free(pt->pt_slots);
        memset(pt, 0, sizeof(*pt));
}

static size_t cp_pending_home(const cp_pending_t *pt, const uint64_t hash[2])
{
        return (size_t)hash[0] & (pt->pt_cap - 1);
}

static bool cp_pending_is(const cp_pending_slot_t *s, const uint64_t hash[2])
{
        return s->ps_hash[0] == hash[0] && s->ps_hash[1] == hash[1];
}

/* Puts an entry known to be absent; the table has room. */
static void cp_pending_place(cp_pending_t *pt, const cp_pending_slot_t *s)
{
        size_t mask = pt->pt_cap - 1, i = cp_pending_home(pt, s->ps_hash);

        while (pt->pt_slots[i].ps_meta)
                i = (i + 1) & mask;
        pt->pt_slots[i] = *s;
}

static int cp_pending_grow(cp_pending_t *pt)
{
        cp_pending_t n = {.pt_cap = pt->pt_cap ? pt->pt_cap * 2 : 1024,
                          .pt_count = pt->pt_count};

        n.pt_slots = cp_table_calloc(n.pt_cap, sizeof(*n.pt_slots));
        if (!n.pt_slots)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < pt->pt_cap; i++)
                if (pt->pt_slots[i].ps_meta)
                        cp_pending_place(&n, &pt->pt_slots[i]);
        free(pt->pt_slots);
        *pt = n;
        return CP_OK;
}

int cp_pending_put(cp_pending_t *pt, const uint64_t hash[2], unsigned source,
                   unsigned reason, int64_t seen_ms)
{
        size_t mask, i;

        if ((pt->pt_count + 1) * 10 > pt->pt_cap * 7 && cp_pending_grow(pt))
                return CP_ERR_NOMEM;
        mask = pt->pt_cap - 1;
        for (i = cp_pending_home(pt, hash); pt->pt_slots[i].ps_meta; i = (i + 1) & mask)
                if (cp_pending_is(&pt->pt_slots[i], hash) &&
                    cp_pe_source(pt->pt_slots[i].ps_meta) == source)
                        return CP_OK;
        pt->pt_slots[i].ps_hash[0] = hash[0];
        pt->pt_slots[i].ps_hash[1] = hash[1];
        pt->pt_slots[i].ps_meta = cp_pe_pack(source, reason, seen_ms);
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
                if (!pt->pt_slots[j].ps_meta)
                        break;
                home = cp_pending_home(pt, pt->pt_slots[j].ps_hash);
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
        for (i = cp_pending_home(pt, hash); pt->pt_slots[i].ps_meta; i = (i + 1) & mask)
                if (cp_pending_is(&pt->pt_slots[i], hash) &&
                    cp_pe_source(pt->pt_slots[i].ps_meta) == source) {
                        if (out)
                                cp_pe_unpack(&pt->pt_slots[i], out);
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
        while (pt->pt_slots[i].ps_meta && n < 64) {
                if (cp_pending_is(&pt->pt_slots[i], hash)) {
                        cp_pe_unpack(&pt->pt_slots[i], &out[n++]);
                        /* The slot now holds a shifted entry, or is empty:
                         * look at it again. */
                        cp_pending_erase(pt, i);
                        continue;
                }
                i = (i + 1) & mask;
        }
        return n;
}

int cp_pending_remap(cp_pending_t *pt, const int *to, unsigned n)
{
        cp_pending_t out = {0};

        for (size_t i = 0; i < pt->pt_cap; i++) {
                cp_pending_entry_t e;

                if (!pt->pt_slots[i].ps_meta)
                        continue;
                cp_pe_unpack(&pt->pt_slots[i], &e);
                if (e.pe_source >= n || to[e.pe_source] < 0)
                        continue;
                if (cp_pending_put(&out, e.pe_hash, (unsigned)to[e.pe_source], e.pe_reason,
                                   e.pe_seen_ms)) {
                        cp_pending_free(&out);
                        return CP_ERR_NOMEM;
                }
        }
        cp_pending_free(pt);
        *pt = out;
        return CP_OK;
}
