#include "viewtab.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "dedupe.h"

_Static_assert(sizeof(cp_viewtab_slot_t) == 24, "a view table slot is 24 bytes");

#define CP_VT_USED (UINT64_C(1) << 63)

static uint64_t cp_vt_pack(unsigned source, uint64_t payload)
{
        return CP_VT_USED | (uint64_t)(source & 63) << CP_VIEWTAB_PAYLOAD_BITS |
               (payload & CP_VIEWTAB_PAYLOAD_MAX);
}

static void cp_vt_unpack(const cp_viewtab_slot_t *s, cp_viewtab_entry_t *e)
{
        e->ve_hash[0] = s->vs_hash[0];
        e->ve_hash[1] = s->vs_hash[1];
        e->ve_source = cp_viewtab_source(s->vs_meta);
        e->ve_payload = cp_viewtab_payload(s->vs_meta);
}

void cp_viewtab_free(cp_viewtab_t *vt)
{
        free(vt->vt_slots);
        memset(vt, 0, sizeof(*vt));
}

static size_t cp_vt_home(const cp_viewtab_t *vt, const uint64_t hash[2])
{
        return (size_t)hash[0] & (vt->vt_cap - 1);
}

static bool cp_vt_is(const cp_viewtab_slot_t *s, const uint64_t hash[2], unsigned source)
{
        return s->vs_hash[0] == hash[0] && s->vs_hash[1] == hash[1] &&
               cp_viewtab_source(s->vs_meta) == source;
}

/* Puts an entry known to be absent; the table has room. */
static void cp_vt_place(cp_viewtab_t *vt, const cp_viewtab_slot_t *s)
{
        size_t mask = vt->vt_cap - 1, i = cp_vt_home(vt, s->vs_hash);

        while (vt->vt_slots[i].vs_meta)
                i = (i + 1) & mask;
        vt->vt_slots[i] = *s;
}

static int cp_vt_grow(cp_viewtab_t *vt)
{
        cp_viewtab_t n = {.vt_cap = vt->vt_cap ? vt->vt_cap * 2 : 1024,
                          .vt_count = vt->vt_count};

        n.vt_slots = cp_table_calloc(n.vt_cap, sizeof(*n.vt_slots));
        if (!n.vt_slots)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < vt->vt_cap; i++)
                if (vt->vt_slots[i].vs_meta)
                        cp_vt_place(&n, &vt->vt_slots[i]);
        free(vt->vt_slots);
        *vt = n;
        return CP_OK;
}

int cp_viewtab_put(cp_viewtab_t *vt, const uint64_t hash[2], unsigned source,
                   uint64_t payload)
{
        size_t mask, i;

        if ((vt->vt_count + 1) * 10 > vt->vt_cap * 7 && cp_vt_grow(vt))
                return CP_ERR_NOMEM;
        mask = vt->vt_cap - 1;
        for (i = cp_vt_home(vt, hash); vt->vt_slots[i].vs_meta; i = (i + 1) & mask)
                if (cp_vt_is(&vt->vt_slots[i], hash, source))
                        return CP_OK;
        vt->vt_slots[i].vs_hash[0] = hash[0];
        vt->vt_slots[i].vs_hash[1] = hash[1];
        vt->vt_slots[i].vs_meta = cp_vt_pack(source, payload);
        vt->vt_count++;
        return CP_OK;
}

/* Empties slot i and shifts back the entries after it that probed past
 * it (backward-shift deletion: every entry stays reachable from home). */
static void cp_vt_erase(cp_viewtab_t *vt, size_t i)
{
        size_t mask = vt->vt_cap - 1, j = i;

        for (;;) {
                size_t home;

                j = (j + 1) & mask;
                if (!vt->vt_slots[j].vs_meta)
                        break;
                home = cp_vt_home(vt, vt->vt_slots[j].vs_hash);
                /* j's entry may move to i when home is not in (i, j]. */
                if (((j - home) & mask) >= ((j - i) & mask)) {
                        vt->vt_slots[i] = vt->vt_slots[j];
                        i = j;
                }
        }
        memset(&vt->vt_slots[i], 0, sizeof(vt->vt_slots[i]));
        vt->vt_count--;
}

bool cp_viewtab_remove(cp_viewtab_t *vt, const uint64_t hash[2], unsigned source,
                       uint64_t *payload)
{
        size_t mask, i;

        if (!vt->vt_count)
                return false;
        mask = vt->vt_cap - 1;
        for (i = cp_vt_home(vt, hash); vt->vt_slots[i].vs_meta; i = (i + 1) & mask)
                if (cp_vt_is(&vt->vt_slots[i], hash, source)) {
                        if (payload)
                                *payload = cp_viewtab_payload(vt->vt_slots[i].vs_meta);
                        cp_vt_erase(vt, i);
                        return true;
                }
        return false;
}

size_t cp_viewtab_take(cp_viewtab_t *vt, const uint64_t hash[2], cp_viewtab_entry_t out[64])
{
        size_t n = 0, mask, i;

        if (!vt->vt_count)
                return 0;
        mask = vt->vt_cap - 1;
        i = cp_vt_home(vt, hash);
        while (vt->vt_slots[i].vs_meta && n < 64) {
                const cp_viewtab_slot_t *s = &vt->vt_slots[i];

                if (s->vs_hash[0] == hash[0] && s->vs_hash[1] == hash[1]) {
                        cp_vt_unpack(s, &out[n++]);
                        /* The slot now holds a shifted entry, or is empty:
                         * look at it again. */
                        cp_vt_erase(vt, i);
                        continue;
                }
                i = (i + 1) & mask;
        }
        return n;
}

int cp_viewtab_remap(cp_viewtab_t *vt, const int *to, unsigned n)
{
        cp_viewtab_t out = {0};

        for (size_t i = 0; i < vt->vt_cap; i++) {
                cp_viewtab_entry_t e;

                if (!vt->vt_slots[i].vs_meta)
                        continue;
                cp_vt_unpack(&vt->vt_slots[i], &e);
                if (e.ve_source >= n || to[e.ve_source] < 0)
                        continue;
                if (cp_viewtab_put(&out, e.ve_hash, (unsigned)to[e.ve_source], e.ve_payload)) {
                        cp_viewtab_free(&out);
                        return CP_ERR_NOMEM;
                }
        }
        cp_viewtab_free(vt);
        *vt = out;
        return CP_OK;
}

bool cp_viewtab_sound(const cp_viewtab_t *vt, unsigned nsrc, bool (*ok)(uint64_t payload))
{
        size_t used = 0;

        for (size_t i = 0; i < vt->vt_cap; i++) {
                uint64_t m = vt->vt_slots[i].vs_meta;

                if (!m)
                        continue;
                if (!(m & CP_VT_USED) || cp_viewtab_source(m) >= nsrc ||
                    (ok && !ok(cp_viewtab_payload(m))))
                        return false;
                used++;
        }
        return used == vt->vt_count;
}
