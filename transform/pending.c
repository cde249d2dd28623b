#include "pending.h"

#include "core/report.h"

#define CP_PE_TIME_BITS 54

static uint64_t cp_pe_pack(unsigned reason, int64_t seen_ms)
{
        uint64_t t = seen_ms > 0 ? (uint64_t)seen_ms : 0;

        t &= (UINT64_C(1) << CP_PE_TIME_BITS) - 1;
        return (uint64_t)(reason & 7) << CP_PE_TIME_BITS | t;
}

static void cp_pe_unpack(const uint64_t hash[2], unsigned source, uint64_t payload,
                         cp_pending_entry_t *e)
{
        e->pe_hash[0] = hash[0];
        e->pe_hash[1] = hash[1];
        e->pe_source = source;
        e->pe_reason = (unsigned)(payload >> CP_PE_TIME_BITS) & 7;
        e->pe_seen_ms = (int64_t)(payload & ((UINT64_C(1) << CP_PE_TIME_BITS) - 1));
}

void cp_pending_free(cp_pending_t *pt)
{
        cp_viewtab_free(pt);
}

int cp_pending_put(cp_pending_t *pt, const uint64_t hash[2], unsigned source,
                   unsigned reason, int64_t seen_ms)
{
        return cp_viewtab_put(pt, hash, source, cp_pe_pack(reason, seen_ms));
}

bool cp_pending_remove(cp_pending_t *pt, const uint64_t hash[2], unsigned source,
                       cp_pending_entry_t *out)
{
        uint64_t payload;

        if (!cp_viewtab_remove(pt, hash, source, &payload))
                return false;
        if (out)
                cp_pe_unpack(hash, source, payload, out);
        return true;
}

size_t cp_pending_take(cp_pending_t *pt, const uint64_t hash[2], cp_pending_entry_t out[64])
{
        cp_viewtab_entry_t e[64];
        size_t n = cp_viewtab_take(pt, hash, e);

        for (size_t i = 0; i < n; i++)
                cp_pe_unpack(e[i].ve_hash, e[i].ve_source, e[i].ve_payload, &out[i]);
        return n;
}

bool cp_pending_payload_ok(uint64_t payload)
{
        return payload >> (CP_PE_TIME_BITS + 3) == 0 &&
               ((payload >> CP_PE_TIME_BITS) & 7) < CP_NM__COUNT;
}
