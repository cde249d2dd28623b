#include "report_in.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

/* A count member; absent or not a non-negative integer: 0. */
static uint64_t cp_ju64(const json_t *obj, const char *key)
{
        json_int_t v = json_integer_value(json_object_get(obj, key));

        return v > 0 ? (uint64_t)v : 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int32_t cp_days_from_civil(int y, int m, int d)
{
        int era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return (int32_t)(era * 146097 + doe - 719468);
}

/* as_of: "YYYY-MM-DD" as written, or a number of days. */
static int32_t cp_json_as_of(const json_t *v)
{
        int y, m, d;

        if (json_is_integer(v))
                return (int32_t)json_integer_value(v);
        if (json_is_string(v) && sscanf(json_string_value(v), "%d-%d-%d", &y, &m, &d) == 3 &&
            m >= 1 && m <= 12 && d >= 1 && d <= 31)
                return cp_days_from_civil(y, m, d);
        return 0;
}

/* An object of counts keyed by the names of an enum into vals[n]. */
static void cp_json_enum_counts(const json_t *obj, uint64_t *vals, int n,
                                const char *(*name)(int))
{
        for (int i = 0; i < n; i++)
                vals[i] = cp_ju64(obj, name(i));
}

static const char *cp_class_i(int i) { return cp_key_class_name((cp_key_class_t)i); }
static const char *cp_nomatch_i(int i) { return cp_nomatch_name((cp_nomatch_t)i); }
static const char *cp_cmp_i(int i) { return cp_cmp_name((cp_cmp_t)i); }

static int cp_json_role(const char *name)
{
        for (int r = CP_ROLE_SECTORAL; r <= CP_ROLE_CENTRAL; r++)
                if (!strcmp(name, cp_role_name((cp_role_t)r)))
                        return r;
        return 0;
}

#define CP_LAG_READ_MAX 64

static int cp_json_lag(cp_source_stats_t *st, const json_t *ttc)
{
        const json_t *bounds = json_object_get(ttc, "bounds_days");
        const json_t *buckets = json_object_get(ttc, "buckets");
        int32_t b[CP_LAG_READ_MAX];
        uint64_t c[CP_LAG_READ_MAX + 1];
        size_t nb = json_array_size(bounds);

        st->st_lag_count = cp_ju64(ttc, "count");
        st->st_lag_sum_days = json_integer_value(json_object_get(ttc, "sum_days"));
        st->st_lag_unknown = cp_ju64(ttc, "unknown");
        if (!json_array_size(buckets))
                return CP_OK;
        if (nb > CP_LAG_READ_MAX || json_array_size(buckets) != nb + 1)
                return CP_ERR_PARSE;
        for (size_t i = 0; i <= nb; i++) {
                json_int_t v = json_integer_value(json_array_get(buckets, i));

                c[i] = v > 0 ? (uint64_t)v : 0;
                if (i < nb)
                        b[i] = (int32_t)json_integer_value(json_array_get(bounds, i));
        }
        cp_report_doc_set_lag(st, b, nb, c);
        return CP_OK;
}

static int cp_json_source(cp_report_doc_t *doc, size_t i, const json_t *js,
                          char *errstr, size_t errstr_size)
{
        cp_source_stats_t *st = &doc->rd_rep.rep_src[i];
        const char *id = json_string_value(json_object_get(js, "source"));
        const char *role = json_string_value(json_object_get(js, "role"));
        const char *cat = json_string_value(json_object_get(js, "category"));
        const json_t *o, *v;
        const char *k;

        if (!id || !*id) {
                snprintf(errstr, errstr_size, "sources[%zu] has no \"source\"", i);
                return CP_ERR_PARSE;
        }
        if (cp_report_doc_find(doc, id) >= 0) {
                snprintf(errstr, errstr_size, "source %s appears twice", id);
                return CP_ERR_PARSE;
        }
        if (cp_report_doc_set_source(doc, i, id, (cp_role_t)cp_json_role(role ? role : ""),
                                     cat ? cp_category_by_name(cat) : -1))
                return CP_ERR_NOMEM;
        st->st_read = cp_ju64(js, "read");
        st->st_rejects = cp_ju64(js, "rejects");
        st->st_duplicates = cp_ju64(js, "duplicates");
        st->st_produced = cp_ju64(js, "produced");
        st->st_removals = cp_ju64(js, "removals");
        st->st_unique_keys = cp_ju64(js, "unique_keys");
        st->st_shared = cp_ju64(js, "shared_with_central");
        st->st_shared_fuzzy = cp_ju64(js, "shared_fuzzy");
        st->st_central_unreported = cp_ju64(js, "central_unreported");
        st->st_discrepant = cp_ju64(js, "discrepant");
        st->st_subjects = cp_ju64(js, "subjects");
        json_object_foreach((json_t *)json_object_get(js, "rejects_by_reason"), k, v)
                if (cp_report_doc_add_reject(doc, st, k, json_integer_value(v) > 0
                                             ? (uint64_t)json_integer_value(v) : 0))
                        return CP_ERR_NOMEM;
        cp_json_enum_counts(json_object_get(js, "key_classes"), st->st_class, CP_KC__COUNT,
                            cp_class_i);
        cp_json_enum_counts(json_object_get(js, "unmatched"), st->st_unmatched, CP_NM__COUNT,
                            cp_nomatch_i);
        cp_json_enum_counts(json_object_get(js, "fields_compared"), st->st_compared,
                            CP_CMP__COUNT, cp_cmp_i);
        cp_json_enum_counts(json_object_get(js, "fields_differing"), st->st_differs,
                            CP_CMP__COUNT, cp_cmp_i);
        if ((o = json_object_get(js, "time_to_central")) && cp_json_lag(st, o)) {
                snprintf(errstr, errstr_size, "source %s: time_to_central.buckets must have "
                         "one more entry than bounds_days", id);
                return CP_ERR_PARSE;
        }
        if ((o = json_object_get(js, "completeness"))) {
                st->st_completeness_keys = cp_ju64(o, "keys");
                /* A field in "present" is a required field of the source. */
                for (int f = 0; f < CP_REQ__COUNT; f++) {
                        v = json_object_get(json_object_get(o, "present"), cp_req_name(f));
                        if (json_is_integer(v)) {
                                st->st_required[f] = 1;
                                st->st_present[f] = cp_ju64(json_object_get(o, "present"),
                                                            cp_req_name(f));
                        }
                }
        }
        if ((o = json_object_get(js, "observed_time_to_central"))) {
                const json_t *bk = json_object_get(o, "buckets");
                const json_t *bd = json_object_get(o, "bounds_seconds");

                /* Bounds are fixed (cp_seen_bounds): others are not ours. */
                if (json_array_size(bk) && json_array_size(bk) != CP_SEEN_BUCKETS) {
                        snprintf(errstr, errstr_size, "source %s: observed_time_to_central "
                                 "has %zu buckets, not %d", id, json_array_size(bk),
                                 CP_SEEN_BUCKETS);
                        return CP_ERR_PARSE;
                }
                for (size_t b = 0; b + 1 < json_array_size(bk); b++)
                        if (json_integer_value(json_array_get(bd, b)) != cp_seen_bounds[b]) {
                                snprintf(errstr, errstr_size, "source %s: observed_time_to_"
                                         "central.bounds_seconds differ from this version's",
                                         id);
                                return CP_ERR_PARSE;
                        }
                for (size_t b = 0; b < json_array_size(bk); b++) {
                        json_int_t n = json_integer_value(json_array_get(bk, b));

                        st->st_seen_bucket[b] = n > 0 ? (uint64_t)n : 0;
                }
                st->st_seen_count = cp_ju64(o, "count");
                st->st_seen_sum_ms = json_integer_value(json_object_get(o, "sum_ms"));
                st->st_late_shared = cp_ju64(o, "late_shared");
        }
        if ((o = json_object_get(js, "window_ended"))) {
                st->st_window_ended = cp_ju64(o, "keys");
                st->st_removals_swept = cp_ju64(o, "removals");
        }
        if ((o = json_object_get(js, "withdrawn_later"))) {
                st->st_withdrawn_later = cp_ju64(o, "keys");
                st->st_withdrawn_later_removals = cp_ju64(o, "removals");
        }
        if ((o = json_object_get(js, "ids"))) {
                st->st_id_present = cp_ju64(o, "present");
                st->st_id_valid = cp_ju64(o, "valid");
                st->st_id_flagged = cp_ju64(o, "flagged");
                st->st_id_invalid = cp_ju64(o, "invalid");
        }
        return CP_OK;
}

static int cp_json_pairs(cp_report_doc_t *doc, const json_t *pairs, char *errstr,
                         size_t errstr_size)
{
        cp_report_t *rep = &doc->rd_rep;
        size_t n = rep->rep_nsrc, idx;
        const json_t *p;

        for (size_t i = 0; i < n; i++)
                rep->rep_overlap[i * n + i] = rep->rep_src[i].st_unique_keys;
        json_array_foreach(pairs, idx, p) {
                const char *a = json_string_value(json_object_get(p, "source"));
                const char *b = json_string_value(json_object_get(p, "other"));
                int i = a ? cp_report_doc_find(doc, a) : -1;
                int j = b ? cp_report_doc_find(doc, b) : -1;

                if (i < 0 || j < 0) {
                        snprintf(errstr, errstr_size, "pairs[%zu] names a source the report "
                                 "does not have", idx);
                        return CP_ERR_PARSE;
                }
                rep->rep_overlap[(size_t)i * n + (size_t)j] = cp_ju64(p, "overlap_keys");
                rep->rep_subjects_missing[(size_t)i * n + (size_t)j] =
                        cp_ju64(p, "subjects_missing");
        }
        return CP_OK;
}

int cp_report_read_json(const char *path, cp_report_doc_t *doc, char *errstr,
                        size_t errstr_size)
{
        json_error_t jerr;
        json_t *root = json_load_file(path, 0, &jerr), *srcs;
        char why[512];
        int rc = CP_OK;

        memset(doc, 0, sizeof(*doc));
        if (!root) {
                snprintf(errstr, errstr_size, "%s:%d: %s", path, jerr.line, jerr.text);
                return jerr.line > 0 ? CP_ERR_PARSE : CP_ERR_IO;
        }
        srcs = json_object_get(root, "sources");
        if (!json_is_array(srcs)) {
                snprintf(errstr, errstr_size, "%s: not a credpipe report (no \"sources\" list)",
                         path);
                json_decref(root);
                return CP_ERR_PARSE;
        }
        if (cp_report_doc_init(doc, json_array_size(srcs))) {
                snprintf(errstr, errstr_size, "out of memory");
                json_decref(root);
                return CP_ERR_NOMEM;
        }
        doc->rd_rep.rep_generated_ms = json_integer_value(json_object_get(root,
                                                                          "generated_at_ms"));
        doc->rd_rep.rep_as_of = cp_json_as_of(json_object_get(root, "as_of"));
        doc->rd_rep.rep_central_keys = cp_ju64(json_object_get(root, "totals"), "central_keys");
        why[0] = '\0';
        for (size_t i = 0; rc == CP_OK && i < json_array_size(srcs); i++)
                rc = cp_json_source(doc, i, json_array_get(srcs, i), why, sizeof(why));
        if (rc == CP_OK)
                rc = cp_json_pairs(doc, json_object_get(root, "pairs"), why, sizeof(why));
        if (rc) {
                snprintf(errstr, errstr_size, "%s: %s", path,
                         rc == CP_ERR_NOMEM ? "out of memory" : why);
                cp_report_doc_free(doc);
        }
        json_decref(root);
        return rc;
}
