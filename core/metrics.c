#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

const uint64_t cp_batch_bounds[CP_BATCH_BUCKETS - 1] = {
        1, 10, 100, 500, 1000, 2000, 5000, 10000, 100000};

void cp_pipeline_count_batch(cp_pipeline_stats_t *ps, uint64_t nrec)
{
        size_t b = 0;

        while (b < CP_BATCH_BUCKETS - 1 && nrec > cp_batch_bounds[b])
                b++;
        ps->ps_batch_bucket[b]++;
        ps->ps_batch_count++;
        ps->ps_batch_sum += nrec;
}

/* ---- exposition primitives ---- */

typedef struct cp_lbl_s {
        const char *l_name;
        const char *l_value;
} cp_lbl_t;

/* Label values escape backslash, double quote and line feed; HELP text
 * escapes backslash and line feed (exposition format 0.0.4). */
static void cp_prom_escape(cp_buf_t *b, const char *s, bool quote)
{
        const char *run = s;

        for (; *s; s++) {
                const char *esc = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
                                  : *s == '"' && quote ? "\\\"" : NULL;
                if (!esc)
                        continue;
                cp_buf_append(b, run, (size_t)(s - run));
                cp_buf_puts(b, esc);
                run = s + 1;
        }
        cp_buf_append(b, run, (size_t)(s - run));
}

static void cp_prom_family(cp_buf_t *b, const char *name, const char *type,
                           const char *help)
{
        cp_buf_printf(b, "# HELP %s ", name);
        cp_prom_escape(b, help, false);
        cp_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* One sample line: name{labels} value. */
static void cp_prom_line(cp_buf_t *b, const char *name, const char *suffix,
                         const cp_lbl_t *l, size_t n, const char *value)
{
        cp_buf_puts(b, name);
        cp_buf_puts(b, suffix);
        for (size_t i = 0; i < n; i++) {
                cp_buf_puts(b, i ? "," : "{");
                cp_buf_puts(b, l[i].l_name);
                cp_buf_puts(b, "=\"");
                cp_prom_escape(b, l[i].l_value, true);
                cp_buf_puts(b, "\"");
        }
        cp_buf_puts(b, n ? "} " : " ");
        cp_buf_puts(b, value);
        cp_buf_puts(b, "\n");
}

static void cp_prom_u64(cp_buf_t *b, const char *name, const char *suffix,
                        const cp_lbl_t *l, size_t n, uint64_t v)
{
        char val[24];

        snprintf(val, sizeof(val), "%" PRIu64, v);
        cp_prom_line(b, name, suffix, l, n, val);
}

static void cp_prom_i64(cp_buf_t *b, const char *name, const char *suffix,
                        const cp_lbl_t *l, size_t n, int64_t v)
{
        char val[24];

        snprintf(val, sizeof(val), "%" PRId64, v);
        cp_prom_line(b, name, suffix, l, n, val);
}

/* The labels every per-source series carries, plus room for two more. */
#define CP_SRC_LABELS 3
static size_t cp_src_labels(cp_lbl_t l[CP_SRC_LABELS + 2], const cp_source_conf_t *src)
{
        l[0] = (cp_lbl_t){"source", src->src_id};
        l[1] = (cp_lbl_t){"category", cp_category_name(src->src_category)};
        l[2] = (cp_lbl_t){"role", cp_role_name(src->src_role)};
        return CP_SRC_LABELS;
}

/* ---- per-source figures ---- */

/* A count of cp_source_stats_t, one series per source. */
typedef struct cp_scalar_metric_s {
        const char *sm_name;
        const char *sm_type;
        size_t sm_offset;      /* of a uint64_t in cp_source_stats_t */
        bool sm_central_only;  /* a figure of central sources only */
        const char *sm_help;
} cp_scalar_metric_t;

#define CP_ST(f) offsetof(cp_source_stats_t, f)
static const cp_scalar_metric_t cp_scalar_metrics[] = {
        {"credpipe_records_read_total", "counter", CP_ST(st_read), false,
         "Records read from the source (read = produced + duplicate + rejected)."},
        {"credpipe_records_produced_total", "counter", CP_ST(st_produced), false,
         "Records produced: the first record of their key."},
        {"credpipe_records_duplicate_total", "counter", CP_ST(st_duplicates), false,
         "Records whose key had already been seen, from any source."},
        {"credpipe_removals_total", "counter", CP_ST(st_removals), false,
         "Produced records with event REMOVAL (withdrawn or expired)."},
        {"credpipe_unique_keys", "gauge", CP_ST(st_unique_keys), false,
         "Distinct keys of the records the source reported and that were not rejected."},
        {"credpipe_central_unreported_keys", "gauge", CP_ST(st_central_unreported), true,
         "Keys of a central source that no non-central source reported."},
        {"credpipe_discrepant_keys", "gauge", CP_ST(st_discrepant), false,
         "Shared keys with at least one compared field different from the central view."},
        {"credpipe_time_to_central_unknown", "gauge", CP_ST(st_lag_unknown), false,
         "Shared keys without a source decision date or a central publish date."},
        {"credpipe_completeness_keys", "gauge", CP_ST(st_completeness_keys), false,
         "Keys whose required fields were checked: active keys (central sources: all)."},
        {"credpipe_subjects", "gauge", CP_ST(st_subjects), false,
         "Distinct subjects of the source's keys."},
        {"credpipe_late_shared_keys", "gauge", CP_ST(st_late_shared), false,
         "Shared keys counted unmatched until a central record of a later set came."},
        {"credpipe_window_ended_keys", "gauge", CP_ST(st_window_ended), false,
         "Active keys whose publication window ended while the service ran (now expired)."},
        {"credpipe_window_ended_removals_total", "counter", CP_ST(st_removals_swept), false,
         "REMOVAL events produced for entries whose publication window ended."},
        {"credpipe_withdrawn_later_keys", "gauge", CP_ST(st_withdrawn_later), false,
         "Active keys a later record of the same source withdrew (now withdrawn)."},
        {"credpipe_withdrawn_later_removals_total", "counter",
         CP_ST(st_withdrawn_later_removals), false,
         "Records withdrawing a key their source produced, produced as REMOVAL."},
};

static uint64_t cp_stat_at(const cp_source_stats_t *st, size_t offset)
{
        uint64_t v;

        memcpy(&v, (const char *)st + offset, sizeof(v));
        return v;
}

/* A per-source array of counts indexed by an enum, one series per value. */
typedef struct cp_vector_metric_s {
        const char *vm_name;
        const char *vm_label;
        size_t vm_offset;      /* of a uint64_t[vm_count] in cp_source_stats_t */
        int vm_count;
        const char *(*vm_value_name)(int i);
        const char *vm_help;
} cp_vector_metric_t;

static const char *cp_class_label(int i) { return cp_key_class_name((cp_key_class_t)i); }
static const char *cp_nomatch_label(int i) { return cp_nomatch_name((cp_nomatch_t)i); }
static const char *cp_cmp_label(int i) { return cp_cmp_name((cp_cmp_t)i); }

static const cp_vector_metric_t cp_vector_metrics[] = {
        {"credpipe_keys", "class", CP_ST(st_class), CP_KC__COUNT, cp_class_label,
         "Keys of the source by class (docs/metrics.md, Classes); they sum to unique keys."},
        {"credpipe_unmatched_keys", "reason", CP_ST(st_unmatched), CP_NM__COUNT,
         cp_nomatch_label, "Active keys with no central match, by the first reason that applies."},
        {"credpipe_fields_compared", "field", CP_ST(st_compared), CP_CMP__COUNT,
         cp_cmp_label, "Shared keys with the field present and valid in both the source and "
         "the central view."},
        {"credpipe_fields_differing", "field", CP_ST(st_differs), CP_CMP__COUNT,
         cp_cmp_label, "Shared keys with the field different from the central view."},
};

static void cp_render_scalars(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_lbl_t l[CP_SRC_LABELS + 2];

        for (size_t m = 0; m < sizeof(cp_scalar_metrics) / sizeof(cp_scalar_metrics[0]); m++) {
                const cp_scalar_metric_t *sm = &cp_scalar_metrics[m];

                cp_prom_family(b, sm->sm_name, sm->sm_type, sm->sm_help);
                for (size_t i = 0; i < rep->rep_nsrc; i++) {
                        const cp_source_conf_t *src = &conf->conf_sources[i];

                        if (sm->sm_central_only && src->src_role != CP_ROLE_CENTRAL)
                                continue;
                        cp_prom_u64(b, sm->sm_name, "", l, cp_src_labels(l, src),
                                    cp_stat_at(&rep->rep_src[i], sm->sm_offset));
                }
        }
}

static void cp_render_vectors(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_lbl_t l[CP_SRC_LABELS + 2];

        for (size_t m = 0; m < sizeof(cp_vector_metrics) / sizeof(cp_vector_metrics[0]); m++) {
                const cp_vector_metric_t *vm = &cp_vector_metrics[m];

                cp_prom_family(b, vm->vm_name, "gauge", vm->vm_help);
                for (size_t i = 0; i < rep->rep_nsrc; i++) {
                        size_t n = cp_src_labels(l, &conf->conf_sources[i]);

                        for (int k = 0; k < vm->vm_count; k++) {
                                size_t off = vm->vm_offset + (size_t)k * sizeof(uint64_t);

                                l[n] = (cp_lbl_t){vm->vm_label, vm->vm_value_name(k)};
                                cp_prom_u64(b, vm->vm_name, "", l, n + 1,
                                            cp_stat_at(&rep->rep_src[i], off));
                        }
                }
        }
}

/* Figures whose label values are not an enum: reject reasons, matches,
 * identifier checks, required fields. */
static void cp_render_labelled(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_lbl_t l[CP_SRC_LABELS + 2];
        size_t n;

        cp_prom_family(b, "credpipe_records_rejected_total", "counter",
                       "Records rejected, by reason code (docs/configuration.md, Reject reasons).");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                n = cp_src_labels(l, &conf->conf_sources[i]);
                for (unsigned r = 0; r < st->st_nreject_reasons; r++) {
                        l[n] = (cp_lbl_t){"reason", st->st_reject_reasons[r].rc_code};
                        cp_prom_u64(b, "credpipe_records_rejected_total", "", l, n + 1,
                                    st->st_reject_reasons[r].rc_n);
                }
        }
        cp_prom_family(b, "credpipe_shared_keys", "gauge",
                       "Active keys a central source also has: exactly, or only by the fuzzy key.");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                n = cp_src_labels(l, &conf->conf_sources[i]);
                l[n] = (cp_lbl_t){"match", "exact"};
                cp_prom_u64(b, "credpipe_shared_keys", "", l, n + 1, rep->rep_src[i].st_shared);
                l[n] = (cp_lbl_t){"match", "fuzzy"};
                cp_prom_u64(b, "credpipe_shared_keys", "", l, n + 1,
                            rep->rep_src[i].st_shared_fuzzy);
        }
        cp_prom_family(b, "credpipe_id_checks_total", "counter",
                       "Records by the check of their subject identifier; they sum to the "
                       "records with an identifier present.");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                n = cp_src_labels(l, &conf->conf_sources[i]);
                l[n] = (cp_lbl_t){"result", "valid"};
                cp_prom_u64(b, "credpipe_id_checks_total", "", l, n + 1, st->st_id_valid);
                l[n] = (cp_lbl_t){"result", "flagged"};
                cp_prom_u64(b, "credpipe_id_checks_total", "", l, n + 1, st->st_id_flagged);
                l[n] = (cp_lbl_t){"result", "invalid"};
                cp_prom_u64(b, "credpipe_id_checks_total", "", l, n + 1, st->st_id_invalid);
        }
        cp_prom_family(b, "credpipe_field_present", "gauge",
                       "Keys whose view has the required field present and valid, out of "
                       "credpipe_completeness_keys.");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                n = cp_src_labels(l, &conf->conf_sources[i]);
                for (int k = 0; k < CP_REQ__COUNT; k++) {
                        if (!st->st_required[k])
                                continue;
                        l[n] = (cp_lbl_t){"field", cp_req_name(k)};
                        cp_prom_u64(b, "credpipe_field_present", "", l, n + 1, st->st_present[k]);
                }
        }
}

/* The observed delay, in seconds (the base unit): the report keeps
 * milliseconds, so _sum has three decimals. */
static void cp_render_seen(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        static const char name[] = "credpipe_observed_time_to_central_seconds";
        cp_lbl_t l[CP_SRC_LABELS + 2];
        char le[16], sum[32];

        cp_prom_family(b, name, "histogram",
                       "Seconds from the source first showing a key to a central record "
                       "showing it (ingest times; 0 when the central records had it first), "
                       "over shared keys.");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                size_t n = cp_src_labels(l, &conf->conf_sources[i]);
                uint64_t cum = 0;
                int64_t ms = st->st_seen_sum_ms;

                for (int k = 0; k < CP_SEEN_BUCKETS; k++) {
                        cum += st->st_seen_bucket[k];
                        if (k < CP_SEEN_BUCKETS - 1)
                                snprintf(le, sizeof(le), "%d", cp_seen_bounds[k]);
                        else
                                snprintf(le, sizeof(le), "+Inf");
                        l[n] = (cp_lbl_t){"le", le};
                        cp_prom_u64(b, name, "_bucket", l, n + 1, cum);
                }
                snprintf(sum, sizeof(sum), "%s%" PRId64 ".%03" PRId64, ms < 0 ? "-" : "",
                         (ms < 0 ? -ms : ms) / 1000, (ms < 0 ? -ms : ms) % 1000);
                cp_prom_line(b, name, "_sum", l, n, sum);
                cp_prom_u64(b, name, "_count", l, n, st->st_seen_count);
        }
}

/* A histogram's _bucket lines are cumulative, ending with le="+Inf" equal
 * to _count; the report keeps plain per-bucket counts. */
static void cp_render_lag(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        static const char name[] = "credpipe_time_to_central_days";
        cp_lbl_t l[CP_SRC_LABELS + 2];
        char le[16];

        cp_prom_family(b, name, "histogram",
                       "Days from the source's decision date to the central publish date, "
                       "over shared keys with both dates.");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                size_t n = cp_src_labels(l, &conf->conf_sources[i]);
                uint64_t cum = 0;

                for (int k = 0; k < CP_LAG_BUCKETS; k++) {
                        cum += st->st_lag_bucket[k];
                        if (k < CP_LAG_BUCKETS - 1)
                                snprintf(le, sizeof(le), "%d", cp_lag_bounds[k]);
                        else
                                snprintf(le, sizeof(le), "+Inf");
                        l[n] = (cp_lbl_t){"le", le};
                        cp_prom_u64(b, name, "_bucket", l, n + 1, cum);
                }
                cp_prom_i64(b, name, "_sum", l, n, st->st_lag_sum_days);
                cp_prom_u64(b, name, "_count", l, n, st->st_lag_count);
        }
}

/* Pairs of sources, i != j. */
static void cp_render_pairs(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        size_t n = rep->rep_nsrc;
        cp_lbl_t l[2];

        cp_prom_family(b, "credpipe_overlap_keys", "gauge",
                       "Keys both the source and the other source reported, in any class.");
        for (size_t i = 0; rep->rep_overlap && i < n; i++)
                for (size_t j = 0; j < n; j++) {
                        if (i == j)
                                continue;
                        l[0] = (cp_lbl_t){"source", conf->conf_sources[i].src_id};
                        l[1] = (cp_lbl_t){"other", conf->conf_sources[j].src_id};
                        cp_prom_u64(b, "credpipe_overlap_keys", "", l, 2,
                                    rep->rep_overlap[i * n + j]);
                }
        cp_prom_family(b, "credpipe_subjects_missing", "gauge",
                       "Subjects of the source that the other source, of the same category, "
                       "does not list at all.");
        for (size_t i = 0; rep->rep_subjects_missing && i < n; i++)
                for (size_t j = 0; j < n; j++) {
                        if (i == j || conf->conf_sources[i].src_category !=
                                      conf->conf_sources[j].src_category)
                                continue;
                        l[0] = (cp_lbl_t){"source", conf->conf_sources[i].src_id};
                        l[1] = (cp_lbl_t){"other", conf->conf_sources[j].src_id};
                        cp_prom_u64(b, "credpipe_subjects_missing", "", l, 2,
                                    rep->rep_subjects_missing[i * n + j]);
                }
}

static void cp_render_pipeline(cp_buf_t *b, const cp_pipeline_stats_t *ps)
{
        static const char bname[] = "credpipe_batch_records";
        cp_lbl_t l[1];
        char le[24];
        uint64_t cum = 0;

        cp_prom_family(b, "credpipe_queue_depth", "gauge",
                       "Batches waiting in a queue between stages.");
        for (size_t q = 0; q < ps->ps_nqueues; q++) {
                l[0] = (cp_lbl_t){"queue", ps->ps_queue[q].qs_name};
                cp_prom_u64(b, "credpipe_queue_depth", "", l, 1, ps->ps_queue[q].qs_depth);
        }
        cp_prom_family(b, "credpipe_queue_capacity", "gauge",
                       "Batches a queue between stages holds at most.");
        for (size_t q = 0; q < ps->ps_nqueues; q++) {
                l[0] = (cp_lbl_t){"queue", ps->ps_queue[q].qs_name};
                cp_prom_u64(b, "credpipe_queue_capacity", "", l, 1,
                            ps->ps_queue[q].qs_capacity);
        }
        cp_prom_family(b, "credpipe_kafka_messages_total", "counter",
                       "Messages handed to the Kafka producer.");
        cp_prom_u64(b, "credpipe_kafka_messages_total", "", NULL, 0, ps->ps_kafka_messages);
        cp_prom_family(b, "credpipe_kafka_delivered_total", "counter",
                       "Messages the broker acknowledged.");
        cp_prom_u64(b, "credpipe_kafka_delivered_total", "", NULL, 0, ps->ps_kafka_delivered);
        cp_prom_family(b, "credpipe_kafka_delivery_failures_total", "counter",
                       "Messages that failed delivery for good (the run then fails).");
        cp_prom_u64(b, "credpipe_kafka_delivery_failures_total", "", NULL, 0,
                    ps->ps_kafka_failed);
        cp_prom_family(b, "credpipe_kafka_records_total", "counter",
                       "Records in the messages produced: records batches, or reject batches.");
        l[0] = (cp_lbl_t){"kind", "record"};
        cp_prom_u64(b, "credpipe_kafka_records_total", "", l, 1, ps->ps_kafka_records);
        l[0] = (cp_lbl_t){"kind", "reject"};
        cp_prom_u64(b, "credpipe_kafka_records_total", "", l, 1, ps->ps_kafka_rejects);
        cp_prom_family(b, "credpipe_kafka_bytes_total", "counter",
                       "Bytes of the messages produced: packed protobuf, and zstd frames on the "
                       "wire (their ratio is the compression ratio).");
        l[0] = (cp_lbl_t){"kind", "protobuf"};
        cp_prom_u64(b, "credpipe_kafka_bytes_total", "", l, 1, ps->ps_bytes_protobuf);
        l[0] = (cp_lbl_t){"kind", "wire"};
        cp_prom_u64(b, "credpipe_kafka_bytes_total", "", l, 1, ps->ps_bytes_wire);
        cp_prom_family(b, "credpipe_sharing_reports_total", "counter",
                       "SharingReport messages produced to the sharing topic.");
        cp_prom_u64(b, "credpipe_sharing_reports_total", "", NULL, 0, ps->ps_reports);
        cp_prom_family(b, bname, "histogram",
                       "Records per batch handed to the sink (accepted, duplicate and rejected).");
        for (int k = 0; k < CP_BATCH_BUCKETS; k++) {
                cum += ps->ps_batch_bucket[k];
                if (k < CP_BATCH_BUCKETS - 1)
                        snprintf(le, sizeof(le), "%" PRIu64, cp_batch_bounds[k]);
                else
                        snprintf(le, sizeof(le), "+Inf");
                l[0] = (cp_lbl_t){"le", le};
                cp_prom_u64(b, bname, "_bucket", l, 1, cum);
        }
        cp_prom_u64(b, bname, "_sum", NULL, 0, ps->ps_batch_sum);
        cp_prom_u64(b, bname, "_count", NULL, 0, ps->ps_batch_count);
        cp_prom_family(b, "credpipe_run_finished", "gauge",
                       "1 once `run --once` has delivered everything and its figures are final.");
        cp_prom_u64(b, "credpipe_run_finished", "", NULL, 0, ps->ps_finished);
}

int cp_metrics_render(cp_buf_t *out, const cp_conf_t *conf, const cp_report_t *rep,
                      const cp_pipeline_stats_t *ps, const char *version)
{
        cp_lbl_t l[1] = {{"version", version}};
        char ts[32];

        cp_prom_family(out, "credpipe_build_info", "gauge", "Always 1; the build's version.");
        cp_prom_u64(out, "credpipe_build_info", "", l, 1, 1);
        cp_prom_family(out, "credpipe_up", "gauge", "Always 1 while credpipe answers.");
        cp_prom_u64(out, "credpipe_up", "", NULL, 0, 1);
        cp_prom_family(out, "credpipe_report_timestamp_seconds", "gauge",
                       "When the figures below were taken (0: none yet), Unix time.");
        snprintf(ts, sizeof(ts), "%" PRId64 ".%03d", rep->rep_generated_ms / 1000,
                 (int)(rep->rep_generated_ms % 1000));
        cp_prom_line(out, "credpipe_report_timestamp_seconds", "", NULL, 0, ts);
        /* Seconds, the base unit: the start of the observation date, which
         * is a date of China Standard Time (UTC+8). */
        cp_prom_family(out, "credpipe_report_as_of_timestamp_seconds", "gauge",
                       "Start (00:00 UTC+8) of the report's observation date, Unix time "
                       "(0: none yet).");
        cp_prom_i64(out, "credpipe_report_as_of_timestamp_seconds", "", NULL, 0,
                    rep->rep_as_of ? (int64_t)rep->rep_as_of * 86400 - 8 * 3600 : 0);
        cp_prom_family(out, "credpipe_central_keys", "gauge",
                       "Distinct keys of all central sources.");
        cp_prom_u64(out, "credpipe_central_keys", "", NULL, 0, rep->rep_central_keys);

        cp_render_scalars(out, conf, rep);
        cp_render_labelled(out, conf, rep);
        cp_render_vectors(out, conf, rep);
        cp_render_lag(out, conf, rep);
        cp_render_seen(out, conf, rep);
        cp_render_pairs(out, conf, rep);
        if (ps)
                cp_render_pipeline(out, ps);
        return cp_buf_failed(out) ? CP_ERR_NOMEM : CP_OK;
}

int cp_listen_parse(const char *s, char *host, size_t host_size, int *port)
{
        const char *colon, *h = s, *he;
        char *end;
        long p;

        if (*s == '[') {
                h = s + 1;
                he = strchr(h, ']');
                if (!he || he[1] != ':')
                        return CP_ERR_CONFIG;
                colon = he + 1;
        } else {
                colon = strrchr(s, ':');
                if (!colon || memchr(s, ':', (size_t)(colon - s)))
                        return CP_ERR_CONFIG;  /* IPv6 needs brackets */
                he = colon;
        }
        if (he == h || (size_t)(he - h) >= host_size || !colon[1])
                return CP_ERR_CONFIG;
        p = strtol(colon + 1, &end, 10);
        if (*end || p < 0 || p > 65535 || colon[1] == '-' || colon[1] == '+')
                return CP_ERR_CONFIG;
        memcpy(host, h, (size_t)(he - h));
        host[he - h] = '\0';
        *port = (int)p;
        return CP_OK;
}
