#include "report_pb.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* ---- report -> message ---- */

/* Every map of SourceShare has entries of one layout: a string key and a
 * uint64 value. They are set through the entry descriptor's fields, so
 * one helper builds all six maps. */
static void **cp_pb_map(cp_arena_t *ar, const ProtobufCMessageDescriptor *d,
                        const char *const *keys, const uint64_t *vals, size_t n)
{
        const ProtobufCFieldDescriptor *fk =
                protobuf_c_message_descriptor_get_field_by_name(d, "key");
        const ProtobufCFieldDescriptor *fv =
                protobuf_c_message_descriptor_get_field_by_name(d, "value");
        void **arr = cp_arena_alloc(ar, (n ? n : 1) * sizeof(*arr));

        if (!arr || !fk || !fv)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                void *m = cp_arena_alloc(ar, d->sizeof_message);
                const char *k = keys[i];

                if (!m)
                        return NULL;
                protobuf_c_message_init(d, m);
                memcpy((char *)m + fk->offset, &k, sizeof(k));
                memcpy((char *)m + fv->offset, &vals[i], sizeof(vals[i]));
                arr[i] = m;
        }
        return arr;
}

/* A map of an enum-indexed array: one entry per value, zeros included, so
 * a reader sees every class, reason and field. */
static void **cp_pb_enum_map(cp_arena_t *ar, const ProtobufCMessageDescriptor *d,
                             const uint64_t *vals, int n, const char *(*name)(int))
{
        const char *keys[16];

        _Static_assert(CP_KC__COUNT <= 16 && CP_NM__COUNT <= 16 && CP_CMP__COUNT <= 16,
                       "enum maps fit keys[]");
        for (int i = 0; i < n; i++)
                keys[i] = name(i);
        return cp_pb_map(ar, d, keys, vals, (size_t)n);
}

static const char *cp_class_key(int i) { return cp_key_class_name((cp_key_class_t)i); }
static const char *cp_nomatch_key(int i) { return cp_nomatch_name((cp_nomatch_t)i); }
static const char *cp_cmp_key(int i) { return cp_cmp_name((cp_cmp_t)i); }

static int cp_pb_share(cp_arena_t *ar, Credpipe__V1__SourceShare *ss,
                       const cp_source_stats_t *st, const cp_source_conf_t *src)
{
        const char *keys[CP_REJECT_REASONS_MAX > CP_REQ__COUNT ? CP_REJECT_REASONS_MAX
                                                               : CP_REQ__COUNT];
        uint64_t vals[sizeof(keys) / sizeof(keys[0])];
        size_t n = 0;
        void **m;

        credpipe__v1__source_share__init(ss);
        ss->source_id = src->src_id;
        ss->source_kind = (Credpipe__V1__SourceKind)src->src_role;
        ss->category = (Credpipe__V1__Category)src->src_category;
        ss->records_read = st->st_read;
        ss->rejects = st->st_rejects;
        ss->duplicates = st->st_duplicates;
        ss->produced = st->st_produced;
        ss->removals = st->st_removals;
        ss->unique_keys = st->st_unique_keys;
        ss->shared_with_central = st->st_shared;
        ss->shared_fuzzy = st->st_shared_fuzzy;
        ss->sharing_rate = cp_report_rate(st);
        ss->sharing_rate_with_fuzzy = cp_report_rate_fuzzy(st);
        ss->central_unreported = st->st_central_unreported;
        ss->discrepant = st->st_discrepant;
        ss->lag_count = st->st_lag_count;
        ss->lag_sum_days = st->st_lag_sum_days;
        ss->lag_unknown = st->st_lag_unknown;
        ss->completeness_keys = st->st_completeness_keys;
        ss->id_present = st->st_id_present;
        ss->id_valid = st->st_id_valid;
        ss->id_flagged = st->st_id_flagged;
        ss->id_invalid = st->st_id_invalid;
        ss->subjects = st->st_subjects;

        for (unsigned r = 0; r < st->st_nreject_reasons; r++, n++) {
                keys[n] = st->st_reject_reasons[r].rc_code;
                vals[n] = st->st_reject_reasons[r].rc_n;
        }
        if (!(m = cp_pb_map(ar, &credpipe__v1__source_share__rejects_by_reason_entry__descriptor,
                            keys, vals, n)))
                return CP_ERR_NOMEM;
        ss->rejects_by_reason = (Credpipe__V1__SourceShare__RejectsByReasonEntry **)m;
        ss->n_rejects_by_reason = n;

        if (!(m = cp_pb_enum_map(ar, &credpipe__v1__source_share__key_classes_entry__descriptor,
                                 st->st_class, CP_KC__COUNT, cp_class_key)))
                return CP_ERR_NOMEM;
        ss->key_classes = (Credpipe__V1__SourceShare__KeyClassesEntry **)m;
        ss->n_key_classes = CP_KC__COUNT;

        if (!(m = cp_pb_enum_map(ar, &credpipe__v1__source_share__unmatched_entry__descriptor,
                                 st->st_unmatched, CP_NM__COUNT, cp_nomatch_key)))
                return CP_ERR_NOMEM;
        ss->unmatched = (Credpipe__V1__SourceShare__UnmatchedEntry **)m;
        ss->n_unmatched = CP_NM__COUNT;

        if (!(m = cp_pb_enum_map(ar, &credpipe__v1__source_share__fields_compared_entry__descriptor,
                                 st->st_compared, CP_CMP__COUNT, cp_cmp_key)))
                return CP_ERR_NOMEM;
        ss->fields_compared = (Credpipe__V1__SourceShare__FieldsComparedEntry **)m;
        ss->n_fields_compared = CP_CMP__COUNT;

        if (!(m = cp_pb_enum_map(ar, &credpipe__v1__source_share__fields_differing_entry__descriptor,
                                 st->st_differs, CP_CMP__COUNT, cp_cmp_key)))
                return CP_ERR_NOMEM;
        ss->fields_differing = (Credpipe__V1__SourceShare__FieldsDifferingEntry **)m;
        ss->n_fields_differing = CP_CMP__COUNT;

        /* Completeness: the required fields of the source's category only;
         * a key in the map is how a reader knows a field is required. */
        n = 0;
        for (int k = 0; k < CP_REQ__COUNT; k++)
                if (st->st_required[k]) {
                        keys[n] = cp_req_name(k);
                        vals[n++] = st->st_present[k];
                }
        if (!(m = cp_pb_map(ar, &credpipe__v1__source_share__fields_present_entry__descriptor,
                            keys, vals, n)))
                return CP_ERR_NOMEM;
        ss->fields_present = (Credpipe__V1__SourceShare__FieldsPresentEntry **)m;
        ss->n_fields_present = n;

        ss->lag_buckets = cp_arena_alloc(ar, sizeof(st->st_lag_bucket));
        if (!ss->lag_buckets)
                return CP_ERR_NOMEM;
        memcpy(ss->lag_buckets, st->st_lag_bucket, sizeof(st->st_lag_bucket));
        ss->n_lag_buckets = CP_LAG_BUCKETS;
        /* Packing only reads them. */
        ss->lag_bucket_days = (int32_t *)cp_lag_bounds;
        ss->n_lag_bucket_days = CP_LAG_BUCKETS - 1;

        ss->seen_buckets = cp_arena_alloc(ar, sizeof(st->st_seen_bucket));
        if (!ss->seen_buckets)
                return CP_ERR_NOMEM;
        memcpy(ss->seen_buckets, st->st_seen_bucket, sizeof(st->st_seen_bucket));
        ss->n_seen_buckets = CP_SEEN_BUCKETS;
        ss->seen_bucket_seconds = (int32_t *)cp_seen_bounds;
        ss->n_seen_bucket_seconds = CP_SEEN_BUCKETS - 1;
        ss->seen_count = st->st_seen_count;
        ss->seen_sum_ms = st->st_seen_sum_ms;
        ss->late_shared = st->st_late_shared;
        ss->window_ended = st->st_window_ended;
        ss->removals_swept = st->st_removals_swept;
        ss->withdrawn_later = st->st_withdrawn_later;
        ss->withdrawn_later_removals = st->st_withdrawn_later_removals;
        return CP_OK;
}

static int cp_pb_pairs(cp_arena_t *ar, Credpipe__V1__SharingReport *sr,
                       const cp_report_t *rep, const cp_conf_t *conf)
{
        size_t n = rep->rep_nsrc, k = 0;
        Credpipe__V1__SourcePair *pairs, **pp;

        if (!rep->rep_overlap || n < 2)
                return CP_OK;
        pairs = cp_arena_alloc(ar, n * (n - 1) * sizeof(*pairs));
        pp = cp_arena_alloc(ar, n * (n - 1) * sizeof(*pp));
        if (!pairs || !pp)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) {
                        const cp_source_conf_t *a = &conf->conf_sources[i];
                        const cp_source_conf_t *b = &conf->conf_sources[j];

                        if (i == j)
                                continue;
                        credpipe__v1__source_pair__init(&pairs[k]);
                        pairs[k].source_id = a->src_id;
                        pairs[k].other_id = b->src_id;
                        pairs[k].overlap_keys = rep->rep_overlap[i * n + j];
                        /* Defined for sources of the same category only. */
                        if (rep->rep_subjects_missing && a->src_category == b->src_category)
                                pairs[k].subjects_missing = rep->rep_subjects_missing[i * n + j];
                        pp[k] = &pairs[k];
                        k++;
                }
        sr->pairs = pp;
        sr->n_pairs = k;
        return CP_OK;
}

int cp_report_to_pb(cp_report_pb_t *out, const cp_report_t *rep, const cp_conf_t *conf)
{
        Credpipe__V1__SharingReport *sr = &out->rp_msg;
        cp_arena_t *ar = &out->rp_arena;
        size_t n = rep->rep_nsrc;

        credpipe__v1__sharing_report__init(sr);
        cp_arena_init(ar, 16 * 1024);
        sr->generated_at_ms = rep->rep_generated_ms;
        sr->central_keys = rep->rep_central_keys;
        sr->as_of = rep->rep_as_of;
        sr->sources = cp_arena_alloc(ar, (n ? n : 1) * sizeof(*sr->sources));
        if (!sr->sources)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                sr->sources[i] = cp_arena_alloc(ar, sizeof(*sr->sources[i]));
                if (!sr->sources[i] ||
                    cp_pb_share(ar, sr->sources[i], st, &conf->conf_sources[i]))
                        return CP_ERR_NOMEM;
                sr->n_sources++;
                sr->total_read += st->st_read;
                sr->total_produced += st->st_produced;
                sr->total_duplicates += st->st_duplicates;
                sr->total_rejects += st->st_rejects;
        }
        return cp_pb_pairs(ar, sr, rep, conf);
}

void cp_report_pb_free(cp_report_pb_t *pb)
{
        cp_arena_free(&pb->rp_arena);
        credpipe__v1__sharing_report__init(&pb->rp_msg);
}

/* ---- message -> report ---- */

/* The index of a name among n enum values, or -1 (a newer writer's). */
static int cp_name_index(const char *key, int n, const char *(*name)(int))
{
        for (int i = 0; i < n; i++)
                if (!strcmp(key, name(i)))
                        return i;
        return -1;
}

/* Reads an enum-keyed map (entries of the common layout) into vals. */
#define CP_PB_READ_MAP(arr, cnt, vals, nvals, namefn)                          \
        for (size_t e_ = 0; e_ < (cnt); e_++) {                                \
                int k_ = cp_name_index((arr)[e_]->key, (nvals), (namefn));     \
                if (k_ >= 0)                                                   \
                        (vals)[k_] = (arr)[e_]->value;                         \
        }

/* The writer's buckets into ours (core/report_doc.h says how). */
static int cp_pb_read_lag(cp_source_stats_t *st, const Credpipe__V1__SourceShare *ss)
{
        if (ss->n_lag_buckets == 0)
                return CP_OK;
        if (ss->n_lag_buckets != ss->n_lag_bucket_days + 1)
                return CP_ERR_PARSE;
        cp_report_doc_set_lag(st, ss->lag_bucket_days, ss->n_lag_bucket_days, ss->lag_buckets);
        return CP_OK;
}

static int cp_pb_read_share(cp_report_doc_t *doc, size_t i,
                            const Credpipe__V1__SourceShare *ss)
{
        cp_source_stats_t *st = &doc->rd_rep.rep_src[i];

        if (cp_report_doc_set_source(doc, i, ss->source_id, (cp_role_t)ss->source_kind,
                                     (int)ss->category))
                return CP_ERR_NOMEM;
        st->st_read = ss->records_read;
        st->st_rejects = ss->rejects;
        st->st_duplicates = ss->duplicates;
        st->st_produced = ss->produced;
        st->st_removals = ss->removals;
        st->st_unique_keys = ss->unique_keys;
        st->st_shared = ss->shared_with_central;
        st->st_shared_fuzzy = ss->shared_fuzzy;
        st->st_central_unreported = ss->central_unreported;
        st->st_discrepant = ss->discrepant;
        st->st_lag_count = ss->lag_count;
        st->st_lag_sum_days = ss->lag_sum_days;
        st->st_lag_unknown = ss->lag_unknown;
        st->st_completeness_keys = ss->completeness_keys;
        st->st_id_present = ss->id_present;
        st->st_id_valid = ss->id_valid;
        st->st_id_flagged = ss->id_flagged;
        st->st_id_invalid = ss->id_invalid;
        st->st_subjects = ss->subjects;
        for (size_t e = 0; e < ss->n_rejects_by_reason; e++)
                if (cp_report_doc_add_reject(doc, st, ss->rejects_by_reason[e]->key,
                                             ss->rejects_by_reason[e]->value))
                        return CP_ERR_NOMEM;
        CP_PB_READ_MAP(ss->key_classes, ss->n_key_classes, st->st_class, CP_KC__COUNT,
                       cp_class_key);
        CP_PB_READ_MAP(ss->unmatched, ss->n_unmatched, st->st_unmatched, CP_NM__COUNT,
                       cp_nomatch_key);
        CP_PB_READ_MAP(ss->fields_compared, ss->n_fields_compared, st->st_compared,
                       CP_CMP__COUNT, cp_cmp_key);
        CP_PB_READ_MAP(ss->fields_differing, ss->n_fields_differing, st->st_differs,
                       CP_CMP__COUNT, cp_cmp_key);
        for (size_t e = 0; e < ss->n_fields_present; e++) {
                int k = cp_name_index(ss->fields_present[e]->key, CP_REQ__COUNT, cp_req_name);

                if (k >= 0) {
                        st->st_required[k] = 1;
                        st->st_present[k] = ss->fields_present[e]->value;
                }
        }
        /* The observed delays' bounds are fixed: a writer with others
         * is of another version, whose buckets are not ours. */
        if (ss->n_seen_buckets) {
                if (ss->n_seen_buckets != CP_SEEN_BUCKETS ||
                    ss->n_seen_bucket_seconds != CP_SEEN_BUCKETS - 1 ||
                    memcmp(ss->seen_bucket_seconds, cp_seen_bounds, sizeof(cp_seen_bounds)))
                        return CP_ERR_PARSE;
                memcpy(st->st_seen_bucket, ss->seen_buckets, sizeof(st->st_seen_bucket));
        }
        st->st_seen_count = ss->seen_count;
        st->st_seen_sum_ms = ss->seen_sum_ms;
        st->st_late_shared = ss->late_shared;
        st->st_window_ended = ss->window_ended;
        st->st_removals_swept = ss->removals_swept;
        st->st_withdrawn_later = ss->withdrawn_later;
        st->st_withdrawn_later_removals = ss->withdrawn_later_removals;
        return cp_pb_read_lag(st, ss);
}

int cp_report_from_pb(const Credpipe__V1__SharingReport *msg, cp_report_doc_t *doc,
                      char *errstr, size_t errstr_size)
{
        cp_report_t *rep;
        size_t n = msg->n_sources;
        int rc;

        if (cp_report_doc_init(doc, n)) {
                snprintf(errstr, errstr_size, "out of memory");
                return CP_ERR_NOMEM;
        }
        rep = &doc->rd_rep;
        rep->rep_generated_ms = msg->generated_at_ms;
        rep->rep_as_of = msg->as_of;
        rep->rep_central_keys = msg->central_keys;
        for (size_t i = 0; i < n; i++) {
                if (cp_report_doc_find(doc, msg->sources[i]->source_id) >= 0) {
                        snprintf(errstr, errstr_size, "source %s appears twice",
                                 msg->sources[i]->source_id);
                        rc = CP_ERR_PARSE;
                        goto fail;
                }
                rc = cp_pb_read_share(doc, i, msg->sources[i]);
                if (rc) {
                        snprintf(errstr, errstr_size, rc == CP_ERR_NOMEM ? "out of memory"
                                 : "source %s: lag_buckets must have one more entry than "
                                 "lag_bucket_days", msg->sources[i]->source_id);
                        goto fail;
                }
                rep->rep_overlap[i * n + i] = rep->rep_src[i].st_unique_keys;
        }
        for (size_t p = 0; p < msg->n_pairs; p++) {
                const Credpipe__V1__SourcePair *sp = msg->pairs[p];
                int i = cp_report_doc_find(doc, sp->source_id);
                int j = cp_report_doc_find(doc, sp->other_id);

                if (i < 0 || j < 0) {
                        snprintf(errstr, errstr_size, "pair %s/%s names a source the report "
                                 "does not have", sp->source_id, sp->other_id);
                        rc = CP_ERR_PARSE;
                        goto fail;
                }
                rep->rep_overlap[(size_t)i * n + (size_t)j] = sp->overlap_keys;
                rep->rep_subjects_missing[(size_t)i * n + (size_t)j] = sp->subjects_missing;
        }
        return CP_OK;
fail:
        cp_report_doc_free(doc);
        return rc;
}
