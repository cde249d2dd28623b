#include "orgmap.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/err.h"
#include "dedupe.h"

static uint64_t cp_orgmap_hash(const char *code)
{
        uint64_t h = XXH3_64bits(code, 9);

        return h ? h : 1;  /* 0 marks an empty slot */
}

static cp_orgmap_entry_t *cp_orgmap_slot(cp_orgmap_entry_t *slots, size_t cap,
                                         uint64_t h, const char *code)
{
        for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1)) {
                cp_orgmap_entry_t *e = &slots[i];

                if (!e->om_hash || (e->om_hash == h && !memcmp(e->om_uscc + 8, code, 9)))
                        return e;
        }
}

void cp_orgmap_free(cp_orgmap_t *om)
{
        free(om->om_slots);
        memset(om, 0, sizeof(*om));
}

static int cp_orgmap_grow(cp_orgmap_t *om)
{
        size_t ncap = om->om_cap ? om->om_cap * 2 : 1024;
        cp_orgmap_entry_t *ns = cp_table_calloc(ncap, sizeof(*ns));

        if (!ns)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < om->om_cap; i++) {
                cp_orgmap_entry_t *e = &om->om_slots[i];
                if (e->om_hash)
                        *cp_orgmap_slot(ns, ncap, e->om_hash, e->om_uscc + 8) = *e;
        }
        free(om->om_slots);
        om->om_slots = ns;
        om->om_cap = ncap;
        return CP_OK;
}

int cp_orgmap_put(cp_orgmap_t *om, const char *uscc)
{
        const char *code = uscc + 8;
        cp_orgmap_entry_t *e;
        uint64_t h;

        /* M… subject identifiers were never organisation codes. */
        if (strlen(uscc) != 18 || code[0] == 'M')
                return CP_OK;
        if ((om->om_count + 1) * 10 > om->om_cap * 7 && cp_orgmap_grow(om))
                return CP_ERR_NOMEM;
        h = cp_orgmap_hash(code);
        e = cp_orgmap_slot(om->om_slots, om->om_cap, h, code);
        if (!e->om_hash) {
                e->om_hash = h;
                memcpy(e->om_uscc, uscc, 18);
                om->om_count++;
        }
        return CP_OK;
}

const cp_orgmap_entry_t *cp_orgmap_home(const cp_orgmap_t *om, const char *uscc)
{
        if (!om->om_cap || strlen(uscc) != 18)
                return NULL;
        return &om->om_slots[cp_orgmap_hash(uscc + 8) & (om->om_cap - 1)];
}

bool cp_orgmap_get(const cp_orgmap_t *om, const char *orgcode, char *out)
{
        const cp_orgmap_entry_t *e;

        if (!om->om_cap || strlen(orgcode) != 9)
                return false;
        e = cp_orgmap_slot(om->om_slots, om->om_cap, cp_orgmap_hash(orgcode), orgcode);
        if (!e->om_hash)
                return false;
        memcpy(out, e->om_uscc, 18);
        out[18] = '\0';
        return true;
}
