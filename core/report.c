#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

const int cp_lag_bounds[CP_LAG_BUCKETS - 1] = {7, 14, 30, 60, 90, 180, 365};
/* Same batch, a minute, an hour, a day, a week, 30 days. */
const int cp_seen_bounds[CP_SEEN_BUCKETS - 1] = {0, 60, 3600, 86400, 604800, 2592000};

static double cp_ratio(uint64_t num, uint64_t den)
{
        return den ? (double)num / (double)den : 0.0;
}

double cp_report_rate(const cp_source_stats_t *st)
{
        return cp_ratio(st->st_shared, st->st_class[CP_KC_ACTIVE]);
}

double cp_report_rate_fuzzy(const cp_source_stats_t *st)
{
        return cp_ratio(st->st_shared + st->st_shared_fuzzy, st->st_class[CP_KC_ACTIVE]);
}

int cp_report_median_bucket(const uint64_t *bucket, int n, uint64_t count)
{
        uint64_t cum = 0;

        for (int k = 0; k < n && count; k++) {
                cum += bucket[k];
                if (2 * cum >= count)
                        return k;
        }
        return -1;
}

bool cp_report_seen_later(const cp_source_stats_t *st)
{
        /* Every delay in the first bucket (bound 0) is a key the central
         * records had first. */
        return st->st_late_shared || st->st_seen_count != st->st_seen_bucket[0];
}

bool cp_report_left_later(const cp_source_stats_t *st)
{
        return st->st_window_ended || st->st_removals_swept || st->st_withdrawn_later ||
               st->st_withdrawn_later_removals;
}

const char *cp_key_class_name(cp_key_class_t c)
{
        static const char *const names[CP_KC__COUNT] = {
                "active", "withdrawn", "not_eligible", "expired", "not_yet_due"};
        return (unsigned)c < CP_KC__COUNT ? names[c] : "?";
}

const char *cp_nomatch_name(cp_nomatch_t r)
{
        static const char *const names[CP_NM__COUNT] = {
                "no_subject_id", "masked_only", "id_suspect", "weak_key", "none"};
        return (unsigned)r < CP_NM__COUNT ? names[r] : "?";
}

const char *cp_cmp_name(cp_cmp_t f)
{
        static const char *const names[CP_CMP__COUNT] = {
                "subject_name", "authority", "decision_date", "list_date",
                "valid_to", "penalty_type", "fine_amount", "case_number"};
        return (unsigned)f < CP_CMP__COUNT ? names[f] : "?";
}

const char *cp_req_name(int req)
{
        if (req == CP_REQ_SUBJECT_ID)
                return "subject_id";
        return cp_field_name((cp_field_t)req);
}

void cp_report_count_reject(cp_source_stats_t *st, const char *code)
{
        if (!code)
                code = "unknown";
        for (unsigned i = 0; i < st->st_nreject_reasons; i++)
                if (st->st_reject_reasons[i].rc_code == code ||
                    !strcmp(st->st_reject_reasons[i].rc_code, code)) {
                        st->st_reject_reasons[i].rc_n++;
                        return;
                }
        if (st->st_nreject_reasons == CP_REJECT_REASONS_MAX) {
                /* More codes than exist today: count under the last slot. */
                st->st_reject_reasons[CP_REJECT_REASONS_MAX - 1].rc_code = "other";
                st->st_reject_reasons[CP_REJECT_REASONS_MAX - 1].rc_n++;
                return;
        }
        st->st_reject_reasons[st->st_nreject_reasons].rc_code = code;
        st->st_reject_reasons[st->st_nreject_reasons].rc_n = 1;
        st->st_nreject_reasons++;
}

int cp_report_alloc(cp_report_t *rep, size_t nsrc)
{
        memset(rep, 0, sizeof(*rep));
        rep->rep_nsrc = nsrc;
        rep->rep_src = calloc(nsrc ? nsrc : 1, sizeof(*rep->rep_src));
        rep->rep_overlap = calloc(nsrc * nsrc + 1, sizeof(uint64_t));
        rep->rep_subjects_missing = calloc(nsrc * nsrc + 1, sizeof(uint64_t));
        if (!rep->rep_src || !rep->rep_overlap || !rep->rep_subjects_missing) {
                cp_report_free(rep);
                return CP_ERR_NOMEM;
        }
        return CP_OK;
}

void cp_report_free(cp_report_t *rep)
{
        free(rep->rep_src);
        free(rep->rep_overlap);
        free(rep->rep_subjects_missing);
        rep->rep_src = NULL;
        rep->rep_overlap = rep->rep_subjects_missing = NULL;
}

void cp_report_copy(cp_report_t *dst, const cp_report_t *src)
{
        size_t n = src->rep_nsrc;

        memcpy(dst->rep_src, src->rep_src, n * sizeof(*src->rep_src));
        memcpy(dst->rep_overlap, src->rep_overlap, n * n * sizeof(uint64_t));
        memcpy(dst->rep_subjects_missing, src->rep_subjects_missing,
               n * n * sizeof(uint64_t));
        dst->rep_nsrc = n;
        dst->rep_central_keys = src->rep_central_keys;
        dst->rep_as_of = src->rep_as_of;
        dst->rep_generated_ms = src->rep_generated_ms;
}
