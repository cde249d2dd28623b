#include "central.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "dedupe.h"

void cp_central_free(cp_central_t *ct)
{
        free(ct->ct_slots);
        memset(ct, 0, sizeof(*ct));
}

static cp_central_entry_t *cp_central_slot(cp_central_entry_t *slots, size_t cap,
                                           const uint64_t hash[2])
{
        size_t mask = cap - 1, i = (size_t)hash[0] & mask;

        for (;;) {
                cp_central_entry_t *e = &slots[i];

                if (!e->ce_used || (e->ce_hash[0] == hash[0] && e->ce_hash[1] == hash[1]))
                        return e;
                i = (i + 1) & mask;
        }
}

static int cp_central_grow(cp_central_t *ct)
{
        size_t ncap = ct->ct_cap ? ct->ct_cap * 2 : 1024;
        cp_central_entry_t *ns = cp_table_calloc(ncap, sizeof(*ns));

        if (!ns)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < ct->ct_cap; i++)
                if (ct->ct_slots[i].ce_used)
                        *cp_central_slot(ns, ncap, ct->ct_slots[i].ce_hash) = ct->ct_slots[i];
        free(ct->ct_slots);
        ct->ct_slots = ns;
        ct->ct_cap = ncap;
        return CP_OK;
}

int cp_central_put(cp_central_t *ct, const uint64_t hash[2],
                   const uint32_t cmp[CP_CMP__COUNT], int32_t publish)
{
        cp_central_entry_t *e;

        if ((ct->ct_count + 1) * 10 > ct->ct_cap * 7 && cp_central_grow(ct))
                return CP_ERR_NOMEM;
        e = cp_central_slot(ct->ct_slots, ct->ct_cap, hash);
        if (e->ce_used)
                return CP_OK;
        e->ce_hash[0] = hash[0];
        e->ce_hash[1] = hash[1];
        memcpy(e->ce_cmp, cmp, sizeof(e->ce_cmp));
        e->ce_publish = publish;
        e->ce_used = 1;
        ct->ct_count++;
        return CP_OK;
}

const cp_central_entry_t *cp_central_get(const cp_central_t *ct, const uint64_t hash[2])
{
        const cp_central_entry_t *e;

        if (!ct->ct_cap)
                return NULL;
        e = cp_central_slot(ct->ct_slots, ct->ct_cap, hash);
        return e->ce_used ? e : NULL;
}
