#include "report_out.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

static double cp_pct(uint64_t num, uint64_t den)
{
        return den ? 100.0 * (double)num / (double)den : 0.0;
}

static uint64_t cp_sum(const uint64_t *v, size_t n)
{
        uint64_t t = 0;

        for (size_t i = 0; i < n; i++)
                t += v[i];
        return t;
}

/* Records: what was read and what became of it. */
static void cp_print_records(FILE *out, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_source_stats_t tot = {0};

        fprintf(out, "%-20s %-9s %-19s %10s %9s %10s %10s %9s\n", "source", "role",
                "category", "read", "rejects", "duplicates", "produced", "removals");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                const cp_source_conf_t *src = &conf->conf_sources[i];

                fprintf(out, "%-20s %-9s %-19s %10" PRIu64 " %9" PRIu64 " %10" PRIu64
                        " %10" PRIu64 " %9" PRIu64 "\n", src->src_id,
                        cp_role_name(src->src_role), cp_category_name(src->src_category),
                        st->st_read, st->st_rejects, st->st_duplicates, st->st_produced,
                        st->st_removals);
                tot.st_read += st->st_read;
                tot.st_rejects += st->st_rejects;
                tot.st_duplicates += st->st_duplicates;
                tot.st_produced += st->st_produced;
                tot.st_removals += st->st_removals;
        }
        fprintf(out, "%-20s %-9s %-19s %10" PRIu64 " %9" PRIu64 " %10" PRIu64 " %10" PRIu64
                " %9" PRIu64 "\n", "total", "", "", tot.st_read, tot.st_rejects,
                tot.st_duplicates, tot.st_produced, tot.st_removals);
}

/* Sharing of the active keys of every non-central source. */
static void cp_print_sharing(FILE *out, const cp_conf_t *conf, const cp_report_t *rep)
{
        fprintf(out, "\nsharing with the central records (as of %s; docs/metrics.md)\n",
                cp_report_date(rep->rep_as_of));
        fprintf(out, "%-20s %9s %9s %9s %9s %9s %9s %8s %8s %9s %9s %9s %9s\n", "source",
                "keys", "inactive", "active", "shared", "fuzzy", "unmatched", "sharing",
                "+fuzzy", "no_id", "masked", "id_susp", "weak_key");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                const cp_source_conf_t *src = &conf->conf_sources[i];
                uint64_t active = st->st_class[CP_KC_ACTIVE];

                if (src->src_role == CP_ROLE_CENTRAL)
                        continue;
                fprintf(out, "%-20s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
                        " %9" PRIu64 " %9" PRIu64 " %7.1f%% %7.1f%% %9" PRIu64 " %9" PRIu64
                        " %9" PRIu64 " %9" PRIu64 "\n",
                        src->src_id, st->st_unique_keys, st->st_unique_keys - active, active,
                        st->st_shared, st->st_shared_fuzzy,
                        cp_sum(st->st_unmatched, CP_NM__COUNT), 100.0 * cp_report_rate(st),
                        100.0 * cp_report_rate_fuzzy(st), st->st_unmatched[CP_NM_NO_SUBJECT_ID],
                        st->st_unmatched[CP_NM_MASKED_ONLY], st->st_unmatched[CP_NM_ID_SUSPECT],
                        st->st_unmatched[CP_NM_WEAK_KEY]);
        }
        fprintf(out, "inactive keys: ");
        for (size_t i = 0, first = 1; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                if (conf->conf_sources[i].src_role == CP_ROLE_CENTRAL)
                        continue;
                fprintf(out, "%s%s", first ? "" : "; ", conf->conf_sources[i].src_id);
                for (int c = 1; c < CP_KC__COUNT; c++)
                        fprintf(out, " %s=%" PRIu64, cp_key_class_name((cp_key_class_t)c),
                                st->st_class[c]);
                first = 0;
        }
        fprintf(out, "\ncentral keys: %" PRIu64, rep->rep_central_keys);
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                if (conf->conf_sources[i].src_role == CP_ROLE_CENTRAL)
                        fprintf(out, "; %s: %" PRIu64 " no source reported",
                                conf->conf_sources[i].src_id,
                                rep->rep_src[i].st_central_unreported);
        fprintf(out, "\n");
}

/* Discrepancies, time to central, completeness and identifier validity. */
static void cp_print_quality(FILE *out, const cp_conf_t *conf, const cp_report_t *rep)
{
        fprintf(out, "\n%-20s %10s %9s %11s %8s %8s %12s %9s %9s\n", "source", "discrepant",
                "agreement", "lag p50<=d", "lag n", "lag ?", "completeness", "ids ok",
                "flagged");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                uint64_t cmp = cp_sum(st->st_compared, CP_CMP__COUNT);
                uint64_t dif = cp_sum(st->st_differs, CP_CMP__COUNT);
                uint64_t present = 0, nreq = 0;
                int med = cp_report_median_bucket(st->st_lag_bucket, CP_LAG_BUCKETS,
                                                  st->st_lag_count);
                char p50[16] = "-";

                for (int f = 0; f < CP_REQ__COUNT; f++)
                        if (st->st_required[f]) {
                                nreq++;
                                present += st->st_present[f];
                        }
                if (med >= 0 && med < CP_LAG_BUCKETS - 1)
                        snprintf(p50, sizeof(p50), "%d", cp_lag_bounds[med]);
                else if (med >= 0)
                        snprintf(p50, sizeof(p50), ">%d", cp_lag_bounds[CP_LAG_BUCKETS - 2]);
                fprintf(out, "%-20s %10" PRIu64 " %8.1f%% %11s %8" PRIu64 " %8" PRIu64
                        " %11.1f%% %8.1f%% %8.1f%%\n", conf->conf_sources[i].src_id,
                        st->st_discrepant, cmp ? 100.0 - cp_pct(dif, cmp) : 100.0, p50,
                        st->st_lag_count, st->st_lag_unknown,
                        cp_pct(present, nreq * st->st_completeness_keys),
                        cp_pct(st->st_id_valid, st->st_id_present),
                        cp_pct(st->st_id_flagged, st->st_id_present));
        }
}

/* The figures revised after a key's first view: observed time to central,
 * keys a late central record re-classified, entries whose window ended
 * (service mode), entries a later record withdrew. Printed only when there
 * is more to say than "every shared key was central first". */
static void cp_print_over_time(FILE *out, const cp_conf_t *conf, const cp_report_t *rep)
{
        bool any = false;

        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                any |= cp_report_seen_later(st) || cp_report_left_later(st);
        }
        if (!any)
                return;
        fprintf(out, "\n%-20s %10s %12s %12s %11s %12s %9s %15s %9s\n", "source", "seen n",
                "seen p50<=s", "seen mean s", "late shared", "window ended", "removals",
                "withdrawn later", "removals");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                int med = cp_report_median_bucket(st->st_seen_bucket, CP_SEEN_BUCKETS,
                                                  st->st_seen_count);
                char p50[16] = "-";

                if (med >= 0 && med < CP_SEEN_BUCKETS - 1)
                        snprintf(p50, sizeof(p50), "%d", cp_seen_bounds[med]);
                else if (med >= 0)
                        snprintf(p50, sizeof(p50), ">%d", cp_seen_bounds[CP_SEEN_BUCKETS - 2]);
                fprintf(out, "%-20s %10" PRIu64 " %12s %12.1f %11" PRIu64 " %12" PRIu64
                        " %9" PRIu64 " %15" PRIu64 " %9" PRIu64 "\n",
                        conf->conf_sources[i].src_id, st->st_seen_count,
                        p50, st->st_seen_count ? (double)st->st_seen_sum_ms / 1000.0 /
                                                 (double)st->st_seen_count : 0.0,
                        st->st_late_shared, st->st_window_ended, st->st_removals_swept,
                        st->st_withdrawn_later, st->st_withdrawn_later_removals);
        }
}

/* Keys both sources reported; subjects one lists and the other not. */
static void cp_print_overlap(FILE *out, const cp_conf_t *conf, const cp_report_t *rep)
{
        size_t n = rep->rep_nsrc;

        fprintf(out, "\noverlap: keys reported by both (row, column)\n%-20s", "");
        for (size_t j = 0; j < n; j++)
                fprintf(out, " %12.12s", conf->conf_sources[j].src_id);
        fprintf(out, "\n");
        for (size_t i = 0; i < n; i++) {
                fprintf(out, "%-20s", conf->conf_sources[i].src_id);
                for (size_t j = 0; j < n; j++)
                        fprintf(out, " %12" PRIu64, rep->rep_overlap[i * n + j]);
                fprintf(out, "\n");
        }
        fprintf(out, "subjects listed by one source and not by another of its category:\n");
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                        if (i != j && conf->conf_sources[i].src_category ==
                                              conf->conf_sources[j].src_category)
                                fprintf(out, "  %s has %" PRIu64 " of its %" PRIu64
                                        " subjects that %s does not list\n",
                                        conf->conf_sources[i].src_id,
                                        rep->rep_subjects_missing[i * n + j],
                                        rep->rep_src[i].st_subjects,
                                        conf->conf_sources[j].src_id);
}

void cp_report_print(FILE *out, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_print_records(out, conf, rep);
        cp_print_sharing(out, conf, rep);
        cp_print_quality(out, conf, rep);
        cp_print_over_time(out, conf, rep);
        cp_print_overlap(out, conf, rep);
}

const char *cp_report_date(int32_t days)
{
        static __thread char buf[16];
        time_t t = (time_t)days * 86400;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
        return buf;
}

static json_t *cp_json_counts(const uint64_t *v, int n, const char *(*name)(int),
                              const uint8_t *only)
{
        json_t *o = json_object();

        for (int i = 0; i < n; i++)
                if (!only || only[i])
                        json_object_set_new(o, name(i), json_integer((json_int_t)v[i]));
        return o;
}

static const char *cp_class_name_i(int i) { return cp_key_class_name((cp_key_class_t)i); }
static const char *cp_nomatch_name_i(int i) { return cp_nomatch_name((cp_nomatch_t)i); }
static const char *cp_cmp_name_i(int i) { return cp_cmp_name((cp_cmp_t)i); }

static json_t *cp_source_json(const cp_source_conf_t *src, const cp_source_stats_t *st)
{
        json_t *o = json_pack(
                "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:I}",
                "source", src->src_id, "role", cp_role_name(src->src_role),
                "category", cp_category_name(src->src_category),
                "read", (json_int_t)st->st_read, "rejects", (json_int_t)st->st_rejects,
                "duplicates", (json_int_t)st->st_duplicates,
                "produced", (json_int_t)st->st_produced,
                "removals", (json_int_t)st->st_removals,
                "unique_keys", (json_int_t)st->st_unique_keys,
                "shared_with_central", (json_int_t)st->st_shared,
                "shared_fuzzy", (json_int_t)st->st_shared_fuzzy,
                "sharing_rate", cp_report_rate(st),
                "sharing_rate_with_fuzzy", cp_report_rate_fuzzy(st),
                "central_unreported", (json_int_t)st->st_central_unreported,
                "discrepant", (json_int_t)st->st_discrepant);
        json_t *reasons = json_object(), *lag, *bounds = json_array(), *buckets = json_array();

        for (unsigned i = 0; i < st->st_nreject_reasons; i++)
                json_object_set_new(reasons, st->st_reject_reasons[i].rc_code,
                                    json_integer((json_int_t)st->st_reject_reasons[i].rc_n));
        json_object_set_new(o, "rejects_by_reason", reasons);
        json_object_set_new(o, "key_classes",
                            cp_json_counts(st->st_class, CP_KC__COUNT, cp_class_name_i, NULL));
        json_object_set_new(o, "unmatched", cp_json_counts(st->st_unmatched, CP_NM__COUNT,
                                                           cp_nomatch_name_i, NULL));
        json_object_set_new(o, "fields_compared", cp_json_counts(st->st_compared, CP_CMP__COUNT,
                                                                 cp_cmp_name_i, NULL));
        json_object_set_new(o, "fields_differing", cp_json_counts(st->st_differs, CP_CMP__COUNT,
                                                                  cp_cmp_name_i, NULL));
        for (int b = 0; b < CP_LAG_BUCKETS; b++) {
                if (b < CP_LAG_BUCKETS - 1)
                        json_array_append_new(bounds, json_integer(cp_lag_bounds[b]));
                json_array_append_new(buckets, json_integer((json_int_t)st->st_lag_bucket[b]));
        }
        lag = json_pack("{s:o, s:o, s:I, s:I, s:I}", "bounds_days", bounds, "buckets", buckets,
                        "count", (json_int_t)st->st_lag_count,
                        "sum_days", (json_int_t)st->st_lag_sum_days,
                        "unknown", (json_int_t)st->st_lag_unknown);
        json_object_set_new(o, "time_to_central", lag);
        json_object_set_new(o, "completeness", json_pack(
                "{s:I, s:o}", "keys", (json_int_t)st->st_completeness_keys, "present",
                cp_json_counts(st->st_present, CP_REQ__COUNT, cp_req_name, st->st_required)));
        json_object_set_new(o, "ids", json_pack(
                "{s:I, s:I, s:I, s:I}", "present", (json_int_t)st->st_id_present,
                "valid", (json_int_t)st->st_id_valid, "flagged", (json_int_t)st->st_id_flagged,
                "invalid", (json_int_t)st->st_id_invalid));
        json_object_set_new(o, "subjects", json_integer((json_int_t)st->st_subjects));
        bounds = json_array();
        buckets = json_array();
        for (int b = 0; b < CP_SEEN_BUCKETS; b++) {
                if (b < CP_SEEN_BUCKETS - 1)
                        json_array_append_new(bounds, json_integer(cp_seen_bounds[b]));
                json_array_append_new(buckets, json_integer((json_int_t)st->st_seen_bucket[b]));
        }
        json_object_set_new(o, "observed_time_to_central", json_pack(
                "{s:o, s:o, s:I, s:I, s:I}", "bounds_seconds", bounds, "buckets", buckets,
                "count", (json_int_t)st->st_seen_count, "sum_ms", (json_int_t)st->st_seen_sum_ms,
                "late_shared", (json_int_t)st->st_late_shared));
        json_object_set_new(o, "window_ended", json_pack(
                "{s:I, s:I}", "keys", (json_int_t)st->st_window_ended,
                "removals", (json_int_t)st->st_removals_swept));
        json_object_set_new(o, "withdrawn_later", json_pack(
                "{s:I, s:I}", "keys", (json_int_t)st->st_withdrawn_later,
                "removals", (json_int_t)st->st_withdrawn_later_removals));
        return o;
}

json_t *cp_report_json(const cp_conf_t *conf, const cp_report_t *rep)
{
        json_t *root = json_object(), *srcs = json_array(), *pairs = json_array();
        uint64_t read = 0, produced = 0, dups = 0, rejects = 0;
        size_t n = rep->rep_nsrc;

        for (size_t i = 0; i < n; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                json_array_append_new(srcs, cp_source_json(&conf->conf_sources[i], st));
                read += st->st_read;
                produced += st->st_produced;
                dups += st->st_duplicates;
                rejects += st->st_rejects;
        }
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) {
                        json_t *p;

                        if (i == j)
                                continue;
                        p = json_pack("{s:s, s:s, s:I}", "source", conf->conf_sources[i].src_id,
                                      "other", conf->conf_sources[j].src_id, "overlap_keys",
                                      (json_int_t)rep->rep_overlap[i * n + j]);
                        if (conf->conf_sources[i].src_category ==
                            conf->conf_sources[j].src_category)
                                json_object_set_new(p, "subjects_missing", json_integer(
                                        (json_int_t)rep->rep_subjects_missing[i * n + j]));
                        json_array_append_new(pairs, p);
                }
        json_object_set_new(root, "schema_version", json_integer(2));
        json_object_set_new(root, "generated_at_ms", json_integer(rep->rep_generated_ms));
        json_object_set_new(root, "as_of", json_string(cp_report_date(rep->rep_as_of)));
        json_object_set_new(root, "totals", json_pack(
                "{s:I, s:I, s:I, s:I, s:I}", "read", (json_int_t)read,
                "produced", (json_int_t)produced, "duplicates", (json_int_t)dups,
                "rejects", (json_int_t)rejects,
                "central_keys", (json_int_t)rep->rep_central_keys));
        json_object_set_new(root, "sources", srcs);
        json_object_set_new(root, "pairs", pairs);
        return root;
}

int cp_report_write_json(const char *path, const cp_conf_t *conf,
                         const cp_report_t *rep, char *errstr, size_t errstr_size)
{
        char tmp[4096];
        json_t *root = cp_report_json(conf, rep);
        int rc;

        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        /* Real numbers with 17 significant digits round-trip exactly. */
        rc = json_dump_file(root, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
        json_decref(root);
        if (rc || rename(tmp, path)) {
                snprintf(errstr, errstr_size, "%s: cannot write the report: %s", path,
                         strerror(errno));
                remove(tmp);
                return CP_ERR_IO;
        }
        return CP_OK;
}

/* ---- CSV: one row per source, one column per figure (RFC 4180) ---- */

/* A field, quoted when it holds a comma, a quote or a line break. */
static void cp_csv_field(FILE *out, const char *s, int first)
{
        if (!first)
                fputc(',', out);
        if (!strpbrk(s, ",\"\r\n")) {
                fputs(s, out);
                return;
        }
        fputc('"', out);
        for (; *s; s++) {
                if (*s == '"')
                        fputc('"', out);
                fputc(*s, out);
        }
        fputc('"', out);
}

static void cp_csv_u64(FILE *out, uint64_t v)
{
        fprintf(out, ",%" PRIu64, v);
}

/* Column names made of a prefix and a name (a class, a field, a source). */
static void cp_csv_name(FILE *out, const char *prefix, const char *name)
{
        char col[256];

        snprintf(col, sizeof(col), "%s%s", prefix, name);
        cp_csv_field(out, col, 0);
}

/* The reject codes of all sources, in order of first appearance: one
 * column each, so every row has the same columns. */
static size_t cp_csv_codes(const cp_report_t *rep, const char **codes, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < rep->rep_nsrc; i++)
                for (unsigned r = 0; r < rep->rep_src[i].st_nreject_reasons; r++) {
                        const char *c = rep->rep_src[i].st_reject_reasons[r].rc_code;
                        size_t k = 0;

                        while (k < n && strcmp(codes[k], c))
                                k++;
                        if (k == n && n < max)
                                codes[n++] = c;
                }
        return n;
}

static uint64_t cp_csv_rejects(const cp_source_stats_t *st, const char *code)
{
        for (unsigned r = 0; r < st->st_nreject_reasons; r++)
                if (!strcmp(st->st_reject_reasons[r].rc_code, code))
                        return st->st_reject_reasons[r].rc_n;
        return 0;
}

static void cp_csv_header(FILE *out, const cp_conf_t *conf, const cp_report_t *rep,
                          const uint8_t *required, const char **codes, size_t ncodes)
{
        static const char *const head[] = {
                "source", "role", "category", "read", "rejects", "duplicates", "produced",
                "removals", "unique_keys"};
        char b[32];

        for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
                cp_csv_field(out, head[i], i == 0);
        for (int k = 0; k < CP_KC__COUNT; k++)
                cp_csv_name(out, "keys_", cp_key_class_name((cp_key_class_t)k));
        cp_csv_field(out, "shared_with_central", 0);
        cp_csv_field(out, "shared_fuzzy", 0);
        for (int k = 0; k < CP_NM__COUNT; k++)
                cp_csv_name(out, "unmatched_", cp_nomatch_name((cp_nomatch_t)k));
        cp_csv_field(out, "sharing_rate", 0);
        cp_csv_field(out, "sharing_rate_with_fuzzy", 0);
        cp_csv_field(out, "central_unreported", 0);
        cp_csv_field(out, "discrepant", 0);
        for (int k = 0; k < CP_CMP__COUNT; k++)
                cp_csv_name(out, "compared_", cp_cmp_name((cp_cmp_t)k));
        for (int k = 0; k < CP_CMP__COUNT; k++)
                cp_csv_name(out, "differing_", cp_cmp_name((cp_cmp_t)k));
        for (int k = 0; k < CP_LAG_BUCKETS; k++) {
                if (k < CP_LAG_BUCKETS - 1)
                        snprintf(b, sizeof(b), "%d", cp_lag_bounds[k]);
                else
                        snprintf(b, sizeof(b), "inf");
                cp_csv_name(out, "lag_le_", b);
        }
        cp_csv_field(out, "lag_count", 0);
        cp_csv_field(out, "lag_sum_days", 0);
        cp_csv_field(out, "lag_unknown", 0);
        cp_csv_field(out, "completeness_keys", 0);
        for (int k = 0; k < CP_REQ__COUNT; k++)
                if (required[k])
                        cp_csv_name(out, "present_", cp_req_name(k));
        cp_csv_field(out, "id_present", 0);
        cp_csv_field(out, "id_valid", 0);
        cp_csv_field(out, "id_flagged", 0);
        cp_csv_field(out, "id_invalid", 0);
        cp_csv_field(out, "subjects", 0);
        for (int k = 0; k < CP_SEEN_BUCKETS; k++) {
                if (k < CP_SEEN_BUCKETS - 1)
                        snprintf(b, sizeof(b), "%d", cp_seen_bounds[k]);
                else
                        snprintf(b, sizeof(b), "inf");
                cp_csv_name(out, "seen_le_s_", b);
        }
        cp_csv_field(out, "seen_count", 0);
        cp_csv_field(out, "seen_sum_ms", 0);
        cp_csv_field(out, "late_shared", 0);
        cp_csv_field(out, "window_ended_keys", 0);
        cp_csv_field(out, "window_ended_removals", 0);
        cp_csv_field(out, "withdrawn_later_keys", 0);
        cp_csv_field(out, "withdrawn_later_removals", 0);
        for (size_t k = 0; k < ncodes; k++)
                cp_csv_name(out, "rejects_", codes[k]);
        for (size_t j = 0; j < rep->rep_nsrc; j++)
                cp_csv_name(out, "overlap_", conf->conf_sources[j].src_id);
        for (size_t j = 0; j < rep->rep_nsrc; j++)
                cp_csv_name(out, "subjects_missing_", conf->conf_sources[j].src_id);
        fputs("\r\n", out);
}

void cp_report_print_csv(FILE *out, const cp_conf_t *conf, const cp_report_t *rep)
{
        const char *codes[CP_REJECT_REASONS_MAX * 4];
        size_t ncodes = cp_csv_codes(rep, codes, sizeof(codes) / sizeof(codes[0]));
        uint8_t required[CP_REQ__COUNT] = {0};
        size_t n = rep->rep_nsrc;

        /* Completeness columns: the fields some source requires; a source
         * that does not require one leaves its cell empty. */
        for (size_t i = 0; i < n; i++)
                for (int k = 0; k < CP_REQ__COUNT; k++)
                        required[k] |= rep->rep_src[i].st_required[k];
        cp_csv_header(out, conf, rep, required, codes, ncodes);
        for (size_t i = 0; i < n; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                const cp_source_conf_t *src = &conf->conf_sources[i];

                cp_csv_field(out, src->src_id, 1);
                cp_csv_field(out, cp_role_name(src->src_role), 0);
                cp_csv_field(out, cp_category_name(src->src_category), 0);
                cp_csv_u64(out, st->st_read);
                cp_csv_u64(out, st->st_rejects);
                cp_csv_u64(out, st->st_duplicates);
                cp_csv_u64(out, st->st_produced);
                cp_csv_u64(out, st->st_removals);
                cp_csv_u64(out, st->st_unique_keys);
                for (int k = 0; k < CP_KC__COUNT; k++)
                        cp_csv_u64(out, st->st_class[k]);
                cp_csv_u64(out, st->st_shared);
                cp_csv_u64(out, st->st_shared_fuzzy);
                for (int k = 0; k < CP_NM__COUNT; k++)
                        cp_csv_u64(out, st->st_unmatched[k]);
                /* 17 significant digits: the same double as the JSON. */
                fprintf(out, ",%.17g,%.17g", cp_report_rate(st), cp_report_rate_fuzzy(st));
                cp_csv_u64(out, st->st_central_unreported);
                cp_csv_u64(out, st->st_discrepant);
                for (int k = 0; k < CP_CMP__COUNT; k++)
                        cp_csv_u64(out, st->st_compared[k]);
                for (int k = 0; k < CP_CMP__COUNT; k++)
                        cp_csv_u64(out, st->st_differs[k]);
                for (int k = 0; k < CP_LAG_BUCKETS; k++)
                        cp_csv_u64(out, st->st_lag_bucket[k]);
                cp_csv_u64(out, st->st_lag_count);
                fprintf(out, ",%" PRId64, st->st_lag_sum_days);
                cp_csv_u64(out, st->st_lag_unknown);
                cp_csv_u64(out, st->st_completeness_keys);
                for (int k = 0; k < CP_REQ__COUNT; k++) {
                        if (!required[k])
                                continue;
                        if (st->st_required[k])
                                cp_csv_u64(out, st->st_present[k]);
                        else
                                fputc(',', out);
                }
                cp_csv_u64(out, st->st_id_present);
                cp_csv_u64(out, st->st_id_valid);
                cp_csv_u64(out, st->st_id_flagged);
                cp_csv_u64(out, st->st_id_invalid);
                cp_csv_u64(out, st->st_subjects);
                for (int k = 0; k < CP_SEEN_BUCKETS; k++)
                        cp_csv_u64(out, st->st_seen_bucket[k]);
                cp_csv_u64(out, st->st_seen_count);
                fprintf(out, ",%" PRId64, st->st_seen_sum_ms);
                cp_csv_u64(out, st->st_late_shared);
                cp_csv_u64(out, st->st_window_ended);
                cp_csv_u64(out, st->st_removals_swept);
                cp_csv_u64(out, st->st_withdrawn_later);
                cp_csv_u64(out, st->st_withdrawn_later_removals);
                for (size_t k = 0; k < ncodes; k++)
                        cp_csv_u64(out, cp_csv_rejects(st, codes[k]));
                for (size_t j = 0; j < n; j++)
                        cp_csv_u64(out, rep->rep_overlap ? rep->rep_overlap[i * n + j] : 0);
                /* Defined for other sources of the same category only. */
                for (size_t j = 0; j < n; j++) {
                        if (j != i && rep->rep_subjects_missing &&
                            src->src_category == conf->conf_sources[j].src_category)
                                cp_csv_u64(out, rep->rep_subjects_missing[i * n + j]);
                        else
                                fputc(',', out);
                }
                fputs("\r\n", out);
        }
}
