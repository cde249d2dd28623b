#include "sweep.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

_Static_assert(sizeof(cp_sweep_entry_t) == 40, "a sweep entry is 40 bytes");

void cp_sweep_free(cp_sweep_t *sw)
{
        free(sw->sw_v);
        free(sw->sw_pool);
        memset(sw, 0, sizeof(*sw));
}

static int cp_sweep_pool(cp_sweep_t *sw, const char *key, size_t len, uint32_t *off)
{
        if (sw->sw_pool_len + len > UINT32_MAX || len > UINT16_MAX)
                return CP_ERR_NOMEM;
        if (sw->sw_pool_len + len > sw->sw_pool_cap) {
                size_t ncap = sw->sw_pool_cap ? sw->sw_pool_cap * 2 : 4096;
                char *np;

                while (ncap < sw->sw_pool_len + len)
                        ncap *= 2;
                np = realloc(sw->sw_pool, ncap);
                if (!np)
                        return CP_ERR_NOMEM;
                sw->sw_pool = np;
                sw->sw_pool_cap = ncap;
        }
        memcpy(sw->sw_pool + sw->sw_pool_len, key, len);
        *off = (uint32_t)sw->sw_pool_len;
        sw->sw_pool_len += len;
        return CP_OK;
}

int cp_sweep_add(cp_sweep_t *sw, const uint64_t hash[2], uint64_t subject_hash,
                 int32_t until, unsigned source, unsigned share, bool stands,
                 const char *key, size_t key_len)
{
        cp_sweep_entry_t e = {.sw_hash = {hash[0], hash[1]}, .sw_subject_hash = subject_hash,
                              .sw_until = until, .sw_source = (uint8_t)source,
                              .sw_share = (uint8_t)share, .sw_stands = stands};

        if (sw->sw_n == sw->sw_cap) {
                size_t ncap = sw->sw_cap ? sw->sw_cap * 2 : 1024;
                cp_sweep_entry_t *nv = realloc(sw->sw_v, ncap * sizeof(*nv));

                if (!nv)
                        return CP_ERR_NOMEM;
                sw->sw_v = nv;
                sw->sw_cap = ncap;
        }
        if (key && key_len) {
                if (cp_sweep_pool(sw, key, key_len, &e.sw_text))
                        return CP_ERR_NOMEM;
                e.sw_len = (uint16_t)key_len;
        }
        sw->sw_v[sw->sw_n++] = e;
        if (!sw->sw_min_until || until < sw->sw_min_until)
                sw->sw_min_until = until;
        return CP_OK;
}

int cp_sweep_take(cp_sweep_t *sw, int32_t as_of,
                  int (*fn)(void *opaque, const cp_sweep_entry_t *e, const char *key),
                  void *opaque)
{
        size_t kept = 0, pool = 0;
        int32_t min = 0;
        int rc;

        if (!cp_sweep_due(sw, as_of))
                return CP_OK;
        for (size_t i = 0; i < sw->sw_n; i++) {
                const cp_sweep_entry_t *e = &sw->sw_v[i];

                if (e->sw_until <= as_of &&
                    (rc = fn(opaque, e, e->sw_len ? sw->sw_pool + e->sw_text : NULL)))
                        return rc;
        }
        /* Forgotten: the entries kept move down, their texts too (in
         * order, so a text never moves up over one not yet moved). */
        for (size_t i = 0; i < sw->sw_n; i++) {
                cp_sweep_entry_t e = sw->sw_v[i];

                if (e.sw_until <= as_of)
                        continue;
                if (e.sw_len) {
                        memmove(sw->sw_pool + pool, sw->sw_pool + e.sw_text, e.sw_len);
                        e.sw_text = (uint32_t)pool;
                        pool += e.sw_len;
                }
                if (!min || e.sw_until < min)
                        min = e.sw_until;
                sw->sw_v[kept++] = e;
        }
        sw->sw_n = kept;
        sw->sw_pool_len = pool;
        sw->sw_min_until = min;
        return CP_OK;
}

void cp_sweep_remap(cp_sweep_t *sw, const int *to, unsigned n)
{
        size_t kept = 0;
        int32_t min = 0;

        /* Texts stay where they are, in the entries' order: the next
         * take compacts the pool. */
        for (size_t i = 0; i < sw->sw_n; i++) {
                cp_sweep_entry_t e = sw->sw_v[i];

                if (e.sw_source >= n || to[e.sw_source] < 0)
                        continue;
                e.sw_source = (uint8_t)to[e.sw_source];
                if (!min || e.sw_until < min)
                        min = e.sw_until;
                sw->sw_v[kept++] = e;
        }
        sw->sw_n = kept;
        sw->sw_min_until = min;
}
