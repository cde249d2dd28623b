#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "core/err.h"
#include "ids.h"
#include "keys.h"

static const cp_field_t cp_vd_field[CP_VD__COUNT] = {
        [CP_VD_DECISION] = CP_F_DECISION_DATE,
        [CP_VD_PUBLISH] = CP_F_PUBLISH_DATE,
        [CP_VD_LIST] = CP_F_LIST_DATE,
        [CP_VD_VALID_FROM] = CP_F_VALID_FROM,
        [CP_VD_VALID_TO] = CP_F_VALID_TO,
};

int32_t cp_measure_today(void)
{
        /* Today in China Standard Time, as the feeds' dates are. */
        return (int32_t)((time(NULL) + 8 * 3600) / 86400);
}

int cp_measure_init(cp_measure_t *me, const cp_conf_t *conf, char *errstr,
                    size_t errstr_size)
{
        memset(me, 0, sizeof(*me));
        if (cp_rules_load(&me->me_rules, conf->conf_rules, errstr, errstr_size))
                return -1;
        for (size_t i = 0; i < conf->conf_nsources; i++) {
                const cp_source_conf_t *src = &conf->conf_sources[i];

                if (src->src_role == CP_ROLE_CENTRAL)
                        me->me_central_mask |= UINT64_C(1) << i;
                else if (cp_conf_source_has_field(src, CP_F_STATUS))
                        me->me_withdrawable |= UINT64_C(1) << i;
                for (size_t r = 0; r < src->src_nregimes; r++)
                        if (!cp_rules_has_regime(&me->me_rules, src->src_regimes[r])) {
                                snprintf(errstr, errstr_size, "%s:%d: source %s: "
                                         "publication_rules names '%s', which no rule of "
                                         "the rule set has", conf->conf_path, src->src_line,
                                         src->src_id, src->src_regimes[r]);
                                cp_measure_free(me);
                                return -1;
                        }
        }
        if (conf->conf_as_of) {
                if (cp_norm_date_ex(conf->conf_as_of, NULL, &me->me_as_of) != CP_DATE_OK) {
                        snprintf(errstr, errstr_size, "%s: completeness.as_of '%s' is not "
                                 "a date", conf->conf_path, conf->conf_as_of);
                        cp_measure_free(me);
                        return -1;
                }
        } else {
                me->me_as_of = cp_measure_today();
        }
        if (cp_dedupe_init(&me->me_fuzzy, 1 << 12) ||
            cp_dedupe_init(&me->me_subjects, 1 << 14)) {
                snprintf(errstr, errstr_size, "out of memory for the completeness tables");
                cp_measure_free(me);
                return -1;
        }
        return 0;
}

void cp_measure_free(cp_measure_t *me)
{
        cp_rules_free(&me->me_rules);
        cp_central_free(&me->me_central);
        cp_dedupe_free(&me->me_fuzzy);
        cp_dedupe_free(&me->me_subjects);
        cp_pending_free(&me->me_pending);
        cp_viewtab_free(&me->me_standing);
}

void cp_measure_track_late(cp_measure_t *me)
{
        me->me_late = true;
}

#define CP_STAND_PRODUCED (UINT64_C(1) << 4)

int cp_measure_stand(cp_measure_t *me, const uint64_t hash[2], unsigned source,
                     cp_share_t share, bool produced)
{
        if (share == CP_SH_NONE || !cp_measure_withdrawable(me, source))
                return 0;
        if (cp_viewtab_put(&me->me_standing, hash, source,
                           (uint64_t)share | (produced ? CP_STAND_PRODUCED : 0)))
                return CP_ERR_NOMEM;
        return 1;
}

bool cp_measure_standing_ok(uint64_t payload)
{
        uint64_t share = payload & 15;

        return !(payload & ~(CP_STAND_PRODUCED | 15)) && share != CP_SH_NONE &&
               share < CP_SH_UNMATCHED + CP_NM__COUNT;
}

/* An active view leaves the active set for class cls: out of active and
 * of the share it was counted in. */
static void cp_measure_leave(cp_measure_t *me, cp_source_stats_t *st, const uint64_t hash[2],
                             unsigned source, cp_share_t share, cp_key_class_t cls)
{
        cp_pending_entry_t pe;

        st->st_class[CP_KC_ACTIVE]--;
        st->st_class[cls]++;
        if (share == CP_SH_SHARED) {
                st->st_shared--;
        } else if (share == CP_SH_FUZZY) {
                st->st_shared_fuzzy--;
        } else if (share >= CP_SH_UNMATCHED) {
                /* Still waiting for a central record, or re-classified
                 * shared when one came (cp_measure_late_central); without
                 * a wait (a --once run) nothing came. */
                if (cp_pending_remove(&me->me_pending, hash, source, &pe))
                        st->st_unmatched[pe.pe_reason]--;
                else if (me->me_late && me->me_central_mask)
                        st->st_shared--;
                else
                        st->st_unmatched[share - CP_SH_UNMATCHED]--;
        }
}

bool cp_measure_withdraw(cp_measure_t *me, cp_source_stats_t *st, const uint64_t hash[2],
                         unsigned source, bool *produced)
{
        uint64_t payload;

        if (!cp_measure_withdrawable(me, source) ||
            !cp_viewtab_remove(&me->me_standing, hash, source, &payload))
                return false;
        cp_measure_leave(me, st, hash, source, (cp_share_t)(payload & 15), CP_KC_WITHDRAWN);
        st->st_withdrawn_later++;
        *produced = payload & CP_STAND_PRODUCED;
        return true;
}

bool cp_measure_expire(cp_measure_t *me, cp_source_stats_t *st, const uint64_t hash[2],
                       unsigned source, cp_share_t share, bool stands)
{
        /* Whether the source may still withdraw views does not matter: a
         * reload may have changed its columns since. */
        if (stands && !cp_viewtab_remove(&me->me_standing, hash, source, NULL))
                return false;
        cp_measure_leave(me, st, hash, source, share, CP_KC_EXPIRED);
        st->st_window_ended++;
        return true;
}

void cp_measure_count_seen(cp_source_stats_t *st, int64_t delay_ms)
{
        int b = 0;

        if (delay_ms < 0)
                delay_ms = 0;  /* clocks of two ingest threads */
        while (b < CP_SEEN_BUCKETS - 1 && delay_ms > (int64_t)cp_seen_bounds[b] * 1000)
                b++;
        st->st_seen_bucket[b]++;
        st->st_seen_count++;
        st->st_seen_sum_ms += delay_ms;
}

size_t cp_measure_late_central(cp_measure_t *me, cp_source_stats_t *stats,
                               const uint64_t hash[2], int64_t seen_ms)
{
        cp_pending_entry_t e[64];
        size_t n = cp_pending_take(&me->me_pending, hash, e);

        for (size_t i = 0; i < n; i++) {
                cp_source_stats_t *st = &stats[e[i].pe_source];

                st->st_unmatched[e[i].pe_reason]--;
                st->st_shared++;
                st->st_late_shared++;
                /* The source's decision date is not kept: its decision-
                 * date lag is unknown (shared = lag count + lag unknown). */
                st->st_lag_unknown++;
                cp_measure_count_seen(st, seen_ms - e[i].pe_seen_ms);
        }
        return n;
}

static uint32_t cp_h32(const void *p, size_t n)
{
        uint64_t h = XXH3_64bits(p, n);
        uint32_t v = (uint32_t)(h ^ (h >> 32));

        return v ? v : 1;  /* 0 means absent */
}

static uint32_t cp_h32_text(const char *s, size_t (*norm)(const char *, char *, size_t))
{
        char buf[CP_VIEW_TEXT_MAX];
        size_t n;

        if (cp_norm_is_null(s))
                return 0;
        n = norm(s, buf, sizeof(buf));
        return n ? cp_h32(buf, n) : 0;
}

/* cp_h32_text of a text transform normalised (NULL: absent). */
static uint32_t cp_h32_normed(const char *s, size_t n)
{
        return s && n ? cp_h32(s, n) : 0;
}

static uint32_t cp_h32_days(const cp_view_t *v, int vd)
{
        return v->vw_date_rc[vd] == CP_DATE_OK ? cp_h32(&v->vw_days[vd], sizeof(int32_t)) : 0;
}

void cp_view_build(const cp_record_t *rec, const cp_source_conf_t *src, cp_view_t *v)
{
        cp_date_opts_t opts = {.excel_system = src->src_excel_date_system};
        const char *const *f = rec->rec_field;

        for (int i = 0; i < CP_VD__COUNT; i++) {
                const char *raw = f[cp_vd_field[i]];

                v->vw_days[i] = 0;
                v->vw_date_rc[i] = raw ? cp_norm_date_ex(raw, &opts, &v->vw_days[i])
                                       : CP_DATE_ABSENT;
                if (v->vw_date_rc[i] != CP_DATE_OK)
                        v->vw_days[i] = 0;
        }
        v->vw_fen = 0;
        v->vw_claim = CP_UNIT_CLAIM_NONE;
        v->vw_amount_rc = 0;
        if (!cp_norm_is_null(f[CP_F_FINE_AMOUNT]))
                v->vw_amount_rc = cp_norm_amount_ex(f[CP_F_FINE_AMOUNT],
                                                    src->src_amount_unit == CP_UNIT_WAN_YUAN,
                                                    &v->vw_fen, &v->vw_claim) == 1 ? 1 : -1;
}

/* The 32-bit hashes of a view's compared fields (0: absent), with the
 * names transform normalised when it did. */
static void cp_view_compared(const cp_record_t *rec, const cp_view_t *v,
                             const cp_keyinfo_t *ki, uint32_t cmp[CP_CMP__COUNT])
{
        const char *const *f = rec->rec_field;

        cmp[CP_CMP_SUBJECT_NAME] = ki->ki_name_set
                ? cp_h32_normed(ki->ki_name, ki->ki_name_len)
                : cp_h32_text(f[CP_F_SUBJECT_NAME], cp_norm_name);
        cmp[CP_CMP_AUTHORITY] = ki->ki_authority_set
                ? cp_h32_normed(ki->ki_authority, ki->ki_authority_len)
                : cp_h32_text(f[CP_F_AUTHORITY], cp_norm_name);
        cmp[CP_CMP_DECISION_DATE] = cp_h32_days(v, CP_VD_DECISION);
        cmp[CP_CMP_LIST_DATE] = cp_h32_days(v, CP_VD_LIST);
        cmp[CP_CMP_VALID_TO] = cp_h32_days(v, CP_VD_VALID_TO);
        cmp[CP_CMP_PENALTY_TYPE] = cp_h32_text(f[CP_F_PENALTY_TYPE], cp_norm_fold);
        cmp[CP_CMP_FINE_AMOUNT] = v->vw_amount_rc == 1 ? cp_h32(&v->vw_fen, sizeof(v->vw_fen))
                                                       : 0;
        cmp[CP_CMP_CASE_NUMBER] = cp_h32_text(f[CP_F_CASE_NUMBER], cp_norm_caseno);
}

void cp_measure_window(const cp_measure_t *me, const cp_source_conf_t *src,
                       const cp_record_t *rec, const cp_view_t *v, cp_window_t *win)
{
        cp_tier_t tier = cp_rules_tier(&me->me_rules, src->src_category,
                                       rec->rec_field[CP_F_PENALTY_TYPE],
                                       rec->rec_field[CP_F_CONTENT]);

        cp_rules_window(&me->me_rules, src->src_nregimes ? src->src_regimes : NULL,
                        src->src_nregimes, src->src_category, tier,
                        v->vw_days[CP_VD_DECISION], v->vw_days[CP_VD_PUBLISH],
                        v->vw_days[CP_VD_LIST], win);
}

/* Status values that take an entry out of publication: withdrawn by the
 * authority, or repaired (domain.md §5.2). Whole values only: 未撤销
 * ("not withdrawn") contains 撤销. */
bool cp_status_withdrawn(const char *status)
{
        static const char *const words[] = {
                "撤销", "已撤销", "撤回", "已撤回", "修复", "已修复", "信用修复",
                "移出", "已移出", "删除", "已删除", "withdrawn", "revoked",
                "repaired", "removed"};
        char buf[128];

        if (cp_norm_is_null(status))
                return false;
        cp_norm_fold(status, buf, sizeof(buf));
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (!strcasecmp(buf, words[i]))
                        return true;
        return false;
}

cp_key_class_t cp_measure_class(const cp_measure_t *me, const cp_record_t *rec,
                                const cp_window_t *win)
{
        if (cp_status_withdrawn(rec->rec_field[CP_F_STATUS]))
                return CP_KC_WITHDRAWN;
        if (!win->wi_published)
                return CP_KC_NOT_ELIGIBLE;
        if (win->wi_until && me->me_as_of >= win->wi_until)
                return CP_KC_EXPIRED;
        if (win->wi_from && me->me_as_of < win->wi_from)
                return CP_KC_NOT_YET_DUE;
        return CP_KC_ACTIVE;
}

/* Whether field f holds a usable identifier of type want: as transform
 * judged it when it did (same field, same type), else checked here. */
static bool cp_id_usable(const cp_record_t *rec, const cp_keyinfo_t *ki, cp_field_t f,
                         cp_id_type_t want)
{
        const char *raw = rec->rec_field[f];
        cp_id_result_t res;

        if (ki->ki_ids_checked & (UINT32_C(1) << f))
                return ki->ki_ids_usable & (UINT32_C(1) << f);
        if (cp_norm_is_null(raw))
                return false;
        cp_id_check(raw, strlen(raw), want, &res);
        return res.usable;
}

/* "Present and valid after normalisation" (docs/metrics.md). */
static bool cp_present(const cp_record_t *rec, const cp_view_t *v,
                       const cp_keyinfo_t *ki, int req)
{
        const char *raw;

        if (req == CP_REQ_SUBJECT_ID)
                return ki->ki_has_id;
        raw = rec->rec_field[req];
        for (int i = 0; i < CP_VD__COUNT; i++)
                if ((int)cp_vd_field[i] == req)
                        return v->vw_date_rc[i] == CP_DATE_OK ||
                               v->vw_date_rc[i] == CP_DATE_OPEN_ENDED;
        switch (req) {
        case CP_F_FINE_AMOUNT: return v->vw_amount_rc == 1;
        case CP_F_SUBJECT_USCC: return cp_id_usable(rec, ki, req, CP_ID_USCC);
        case CP_F_AUTHORITY_USCC: return cp_id_usable(rec, ki, req, CP_ID_USCC);
        case CP_F_SUBJECT_ORG_CODE: return cp_id_usable(rec, ki, req, CP_ID_ORG_CODE);
        case CP_F_SUBJECT_REG_NO: return cp_id_usable(rec, ki, req, CP_ID_REG_NO);
        case CP_F_SUBJECT_PERSON_ID: return cp_id_usable(rec, ki, req, CP_ID_UNKNOWN);
        case CP_F_RATING: {
                char *end;
                if (cp_norm_is_null(raw))
                        return false;
                (void)strtod(raw, &end);
                return end != raw;
        }
        default: return !cp_norm_is_null(raw);
        }
}

static void cp_count_present(const cp_measure_t *me, cp_source_stats_t *st, int category,
                             const cp_record_t *rec, const cp_view_t *v,
                             const cp_keyinfo_t *ki)
{
        const uint8_t *req = me->me_rules.rs_required[category];

        st->st_completeness_keys++;
        for (int f = 0; f < CP_REQ__COUNT; f++) {
                st->st_required[f] = req[f];
                if (req[f] && cp_present(rec, v, ki, f))
                        st->st_present[f]++;
        }
}

/* The fuzzy key: category, subject, and the decision's number (the case
 * number for defaulters) without the authority, whose spelling differs
 * most between platforms. @returns false when the record has no number. */
static bool cp_fuzzy_hash(const cp_record_t *rec, int category, const cp_keyinfo_t *ki,
                          uint64_t out[2])
{
        char buf[256];
        const char *num = buf;
        size_t n;
        XXH3_state_t st;
        XXH128_hash_t h;
        unsigned char cat = (unsigned char)category;
        bool defaulter = category == CREDPIPE__V1__CATEGORY__JUDGMENT_DEFAULTER;
        cp_field_t f = defaulter ? CP_F_CASE_NUMBER : CP_F_DOCUMENT_NUMBER;
        const char *raw = rec->rec_field[f];

        if (cp_norm_is_null(raw))
                return false;
        if (ki->ki_num_field == (int)f) {
                /* The key's number, with the same normaliser and buffer. */
                num = ki->ki_num;
                n = ki->ki_num_len;
        } else {
                n = defaulter ? cp_norm_caseno(raw, buf, sizeof(buf))
                              : cp_norm_docno(raw, buf, sizeof(buf));
        }
        if (!n)
                return false;
        XXH3_128bits_reset(&st);
        XXH3_128bits_update(&st, &cat, 1);
        XXH3_128bits_update(&st, ki->ki_subject, ki->ki_subject_len);
        XXH3_128bits_update(&st, "\x1f", 1);
        XXH3_128bits_update(&st, num, n);
        h = XXH3_128bits_digest(&st);
        out[0] = h.low64;
        out[1] = h.high64;
        return true;
}

void cp_measure_subject_hash(int category, const char *subject, size_t len, uint64_t out[2])
{
        char buf[1 + sizeof(((cp_subject_key_t *)0)->sk_text)];
        XXH128_hash_t h;

        /* One call over category and key side by side: the value the
         * streaming form gives (XXH3 streams consistently), at a fraction
         * of its cost on inputs this short. */
        if (len >= sizeof(buf)) {
                XXH3_state_t st;
                unsigned char cat = (unsigned char)category;

                XXH3_128bits_reset(&st);
                XXH3_128bits_update(&st, &cat, 1);
                XXH3_128bits_update(&st, subject, len);
                h = XXH3_128bits_digest(&st);
        } else {
                buf[0] = (char)(unsigned char)category;
                memcpy(buf + 1, subject, len);
                h = XXH3_128bits(buf, len + 1);
        }
        out[0] = h.low64;
        out[1] = h.high64;
}

static int cp_count_subject(cp_measure_t *me, unsigned source, int category,
                            const cp_keyinfo_t *ki)
{
        uint64_t hash[2], prev;
        const uint64_t *h = ki->ki_subject_hash;

        if (!h) {
                cp_measure_subject_hash(category, ki->ki_subject, ki->ki_subject_len, hash);
                h = hash;
        }
        return cp_dedupe_add(&me->me_subjects, h, source, &prev) < 0 ? CP_ERR_NOMEM : CP_OK;
}

/* From the source's decision date, else its listing date: a list entry
 * (a blacklisting) has no other decision (docs/metrics.md). */
static void cp_count_lag(cp_source_stats_t *st, const cp_view_t *v,
                         const cp_central_entry_t *ce)
{
        int d = v->vw_date_rc[CP_VD_DECISION] == CP_DATE_OK ? CP_VD_DECISION : CP_VD_LIST;
        int32_t lag;
        int b = 0;

        if (!ce || !ce->ce_publish || v->vw_date_rc[d] != CP_DATE_OK) {
                st->st_lag_unknown++;
                return;
        }
        lag = ce->ce_publish - v->vw_days[d];
        while (b < CP_LAG_BUCKETS - 1 && lag > cp_lag_bounds[b])
                b++;
        st->st_lag_bucket[b]++;
        st->st_lag_count++;
        st->st_lag_sum_days += lag;
}

static void cp_compare(cp_source_stats_t *st, const cp_record_t *rec, const cp_view_t *v,
                       const cp_keyinfo_t *ki, const cp_central_entry_t *ce)
{
        uint32_t cmp[CP_CMP__COUNT];
        bool differs = false;

        if (!ce)
                return;
        cp_view_compared(rec, v, ki, cmp);
        for (int f = 0; f < CP_CMP__COUNT; f++) {
                if (!cmp[f] || !ce->ce_cmp[f])
                        continue;
                st->st_compared[f]++;
                if (cmp[f] != ce->ce_cmp[f]) {
                        st->st_differs[f]++;
                        differs = true;
                }
        }
        st->st_discrepant += differs;
}

static cp_nomatch_t cp_nomatch_reason(const cp_keyinfo_t *ki)
{
        if (ki->ki_subject_len >= 2 && ki->ki_subject[0] == 'N' && ki->ki_subject[1] == ':')
                return CP_NM_NO_SUBJECT_ID;
        if (ki->ki_subject_len >= 2 && ki->ki_subject[0] == 'M' && ki->ki_subject[1] == ':')
                return CP_NM_MASKED_ONLY;
        if (ki->ki_id_flagged)
                return CP_NM_ID_SUSPECT;
        if (ki->ki_weak)
                return CP_NM_WEAK_KEY;
        return CP_NM_NONE;
}

int cp_measure_first_view(cp_measure_t *me, cp_source_stats_t *st, unsigned source,
                          const cp_source_conf_t *src, const cp_record_t *rec,
                          const cp_view_t *v, const cp_keyinfo_t *ki, cp_share_t *share)
{
        int cat = src->src_category;
        uint64_t fh[2];
        cp_key_class_t cls;
        cp_share_t dummy;

        if (!share)
                share = &dummy;
        *share = CP_SH_NONE;

        if (cp_count_subject(me, source, cat, ki))
                return CP_ERR_NOMEM;
        if (src->src_role == CP_ROLE_CENTRAL) {
                uint64_t prev;
                uint32_t cmp[CP_CMP__COUNT];

                if (!(ki->ki_prev & me->me_central_mask)) {
                        cp_view_compared(rec, v, ki, cmp);
                        if (cp_central_put(&me->me_central, ki->ki_hash, cmp,
                                           v->vw_days[CP_VD_PUBLISH]))
                                return CP_ERR_NOMEM;
                }
                if (cp_fuzzy_hash(rec, cat, ki, fh) &&
                    cp_dedupe_add(&me->me_fuzzy, fh, source, &prev) < 0)
                        return CP_ERR_NOMEM;
                cp_count_present(me, st, cat, rec, v, ki);
                return CP_OK;
        }
        cls = ki->ki_class;
        st->st_class[cls]++;
        if (cls != CP_KC_ACTIVE)
                return CP_OK;
        cp_count_present(me, st, cat, rec, v, ki);
        if (ki->ki_prev & me->me_central_mask) {
                const cp_central_entry_t *ce = cp_central_get(&me->me_central, ki->ki_hash);

                st->st_shared++;
                cp_compare(st, rec, v, ki, ce);
                cp_count_lag(st, v, ce);
                cp_measure_count_seen(st, 0);  /* the central records had it */
                *share = CP_SH_SHARED;
        } else if (me->me_central_mask &&  /* without central sources, never */
                   cp_fuzzy_hash(rec, cat, ki, fh) &&
                   (cp_dedupe_find(&me->me_fuzzy, fh) & me->me_central_mask)) {
                st->st_shared_fuzzy++;
                *share = CP_SH_FUZZY;
        } else {
                cp_nomatch_t r = cp_nomatch_reason(ki);

                st->st_unmatched[r]++;
                *share = (cp_share_t)(CP_SH_UNMATCHED + r);
                /* Without central sources no central record can come. */
                if (me->me_late && me->me_central_mask &&
                    cp_pending_put(&me->me_pending, ki->ki_hash, source, r,
                                   rec->rec_ingest_ms))
                        return CP_ERR_NOMEM;
        }
        return CP_OK;
}

/* A key's share of the report: the sources that reported it (mask m;
 * sources no longer configured are in no one's counts). */
static void cp_report_key(cp_report_t *rep, size_t n, uint64_t cmask, uint64_t m)
{
        m &= ~CP_DEDUPE_RETIRED;
        if (m & cmask) {
                rep->rep_central_keys++;
                if (!(m & ~cmask))
                        for (uint64_t c = m; c; c &= c - 1)
                                rep->rep_src[__builtin_ctzll(c)].st_central_unreported++;
        }
        for (uint64_t a = m; a; a &= a - 1) {
                int i = __builtin_ctzll(a);

                rep->rep_src[i].st_unique_keys++;
                for (uint64_t b = m; b; b &= b - 1)
                        rep->rep_overlap[(size_t)i * n + (size_t)__builtin_ctzll(b)]++;
        }
}

/* A subject's: an entry is per category, so all of its sources share one. */
static void cp_report_subject(cp_report_t *rep, size_t n, const uint64_t *same_cat,
                              uint64_t m)
{
        m &= ~CP_DEDUPE_RETIRED;
        for (uint64_t a = m; a; a &= a - 1) {
                int i = __builtin_ctzll(a);

                rep->rep_src[i].st_subjects++;
                for (uint64_t b = same_cat[i] & ~m; b; b &= b - 1)
                        rep->rep_subjects_missing[(size_t)i * n + (size_t)__builtin_ctzll(b)]++;
        }
}

void cp_measure_report(const cp_measure_t *me, const cp_dedupe_t *keys,
                       const cp_conf_t *conf, cp_report_t *rep)
{
        size_t n = conf->conf_nsources;
        uint64_t same_cat[CP_MAX_SOURCES] = {0};  /* per source: sources of its category */
        uint64_t cmask = me->me_central_mask;

        for (size_t i = 0; i < n; i++) {
                rep->rep_src[i].st_unique_keys = 0;
                rep->rep_src[i].st_central_unreported = 0;
                rep->rep_src[i].st_subjects = 0;
                for (size_t j = 0; j < n; j++)
                        if (conf->conf_sources[j].src_category ==
                            conf->conf_sources[i].src_category)
                                same_cat[i] |= UINT64_C(1) << j;
        }
        memset(rep->rep_overlap, 0, n * n * sizeof(uint64_t));
        memset(rep->rep_subjects_missing, 0, n * n * sizeof(uint64_t));
        rep->rep_central_keys = 0;
        rep->rep_as_of = me->me_as_of;

        for (unsigned g = 0; g < CP_DEDUPE_SEGS; g++) {
                const cp_dedupe_seg_t *k = &keys->dd_seg[g], *sj = &me->me_subjects.dd_seg[g];

                for (size_t s = 0; s < k->sg_cap; s++)
                        if (k->sg_slots[s].de_sources)
                                cp_report_key(rep, n, cmask, k->sg_slots[s].de_sources);
                for (size_t s = 0; s < sj->sg_cap; s++)
                        if (sj->sg_slots[s].de_sources)
                                cp_report_subject(rep, n, same_cat, sj->sg_slots[s].de_sources);
        }
}
