/*
 * The transform's sweep (cp_transform_sweep, transform.h): entries whose
 * publication window ended while the service ran leave the active set.
 *
 * DESIGN: apart from transform.c because it works on kept entries, not
 * on records read: it moves counts between classes and builds removal
 * records from what sweep.h kept (key text, partition hash, end date),
 * with no input record behind them. The batches it makes go down the same
 * queue as records, before the epoch's barrier, so the removals are in the
 * transaction whose snapshot no longer holds the entries.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "transform.h"
#include "transform_state.h"

typedef struct cp_expire_s {
        cp_transform_t *ex_tf;
        cp_batch_t **ex_out;
        int64_t ex_now_ms;
} cp_expire_t;

static int cp_expire_record(cp_expire_t *ex, const cp_sweep_entry_t *e, const char *key)
{
        const cp_source_conf_t *src = &ex->ex_tf->tf_conf->conf_sources[e->sw_source];
        cp_batch_t *bat = ex->ex_out[e->sw_source];
        cp_record_t *rec = cp_batch_add(bat);
        cp_arena_t *ar = &bat->bat_arena;
        Credpipe__V1__CreditRecord *pb = cp_arena_alloc(ar, sizeof(*pb));
        Credpipe__V1__Provenance *prov = cp_arena_alloc(ar, sizeof(*prov));

        if (!rec || !pb || !prov)
                return CP_ERR_NOMEM;
        credpipe__v1__credit_record__init(pb);
        credpipe__v1__provenance__init(prov);
        pb->category = (Credpipe__V1__Category)src->src_category;
        pb->event = CREDPIPE__V1__EVENT_TYPE__REMOVAL;
        pb->record_key = cp_arena_strndup(ar, key, e->sw_len);
        if (!pb->record_key)
                return CP_ERR_NOMEM;
        pb->expected_public_until = e->sw_until;
        pb->removal_reason = "window_ended";
        prov->source_id = src->src_id;
        prov->source_kind = (Credpipe__V1__SourceKind)src->src_role;
        if (src->src_region)
                prov->region_code = (char *)src->src_region;
        prov->ingest_time_ms = ex->ex_now_ms;
        pb->provenance = prov;
        rec->rec_pb = pb;
        rec->rec_status = CP_REC_ACCEPTED;
        rec->rec_key_hash[0] = e->sw_hash[0];
        rec->rec_key_hash[1] = e->sw_hash[1];
        /* The partition of the key's upsert: downstream sees them in order. */
        rec->rec_subject_hash = e->sw_subject_hash;
        ex->ex_tf->tf_stats[e->sw_source].st_removals_swept++;
        return CP_OK;
}

static int cp_expire_one(void *opaque, const cp_sweep_entry_t *e, const char *key)
{
        cp_expire_t *ex = opaque;
        cp_transform_t *tf = ex->ex_tf;

        /* A view a later record withdrew has left already: forgotten. */
        if (!cp_measure_expire(&tf->tf_measure, &tf->tf_stats[e->sw_source], e->sw_hash,
                               e->sw_source, (cp_share_t)e->sw_share, e->sw_stands))
                return CP_OK;
        return key ? cp_expire_record(ex, e, key) : CP_OK;
}

bool cp_transform_sweep_due(const cp_transform_t *tf, int32_t as_of)
{
        return cp_sweep_due(&tf->tf_sweep, as_of);
}

int cp_transform_sweep(cp_transform_t *tf, int32_t as_of, int64_t now_ms, cp_batch_t **out)
{
        size_t n = tf->tf_conf->conf_nsources;
        const cp_sweep_t *sw = &tf->tf_sweep;
        size_t count[n];
        cp_expire_t ex = {.ex_tf = tf, .ex_out = out, .ex_now_ms = now_ms};
        int rc;

        memset(count, 0, sizeof(count));
        for (size_t i = 0; i < n; i++)
                out[i] = NULL;
        if (!cp_sweep_due(sw, as_of))
                return CP_OK;
        /* Each source's batch is made for its removals, counted first
         * (at most: a withdrawn view's has none). */
        for (size_t i = 0; i < sw->sw_n; i++)
                if (sw->sw_v[i].sw_until <= as_of && sw->sw_v[i].sw_len)
                        count[sw->sw_v[i].sw_source]++;
        for (size_t i = 0; i < n; i++)
                if (count[i] && !(out[i] = cp_batch_new((uint32_t)i, count[i])))
                        goto nomem;
        rc = cp_sweep_take(&tf->tf_sweep, as_of, cp_expire_one, &ex);
        if (rc == CP_OK) {
                for (size_t i = 0; i < n; i++)
                        if (out[i] && !out[i]->bat_n) {
                                cp_batch_destroy(out[i]);
                                out[i] = NULL;
                        }
                return CP_OK;
        }
nomem:
        for (size_t i = 0; i < n; i++) {
                cp_batch_destroy(out[i]);
                out[i] = NULL;
        }
        return CP_ERR_NOMEM;
}
