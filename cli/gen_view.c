/*
 * Sources' views of entries (see gen_view.h).
 *
 * DESIGN: the rates below give every figure of docs/metrics.md non-zero
 * counts at --rows 2000 while keeping the feeds mostly clean: a feed
 * leaves one required field empty in one row in sixteen (src_blank_per10k),
 * central does in one in sixteen, and writes each compared field
 * differently in 3 % of its rows; one central row in twenty-five has no
 * publication date. What a rule does with a view is written out here once
 * and used by both the renderer and the truth.
 */
#include "gen_view.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gen_out.h"
#include "gen_source.h"
#include "gen_text.h"

const char *const cp_gen_field_names[CP_GEN_F__COUNT] = {
        [CP_GEN_F_NAME] = "subject_name",
        [CP_GEN_F_SUBJ_ID] = "subject_id",
        [CP_GEN_F_DOC] = "document_number",
        [CP_GEN_F_CASE] = "case_number",
        [CP_GEN_F_PTYPE] = "penalty_type",
        [CP_GEN_F_CONTENT] = "content",
        [CP_GEN_F_FINE] = "fine_amount",
        [CP_GEN_F_DECISION] = "decision_date",
        [CP_GEN_F_LIST] = "list_date",
        [CP_GEN_F_PUBLISH] = "publish_date",
        [CP_GEN_F_VALID_TO] = "valid_to",
        [CP_GEN_F_AUTH] = "authority",
        [CP_GEN_F_AUTH_USCC] = "authority_uscc",
        [CP_GEN_F_REASON] = "reason",
        [CP_GEN_F_LIST_NAME] = "list_name",
        [CP_GEN_F_STATUS] = "status",
};

int cp_gen_field_of(const char *canonical)
{
        /* Both identifier columns stand for the virtual subject_id. */
        if (!strcmp(canonical, "subject_uscc") || !strcmp(canonical, "subject_person_id"))
                return CP_GEN_F_SUBJ_ID;
        for (int f = 0; f < CP_GEN_F__COUNT; f++)
                if (f != CP_GEN_F_SUBJ_ID && !strcmp(canonical, cp_gen_field_names[f]))
                        return f;
        return -1;
}

const char *const cp_gen_class_names[CP_GEN_KC__COUNT] = {
        "active", "withdrawn", "not_eligible", "expired", "not_yet_due",
};
const char *const cp_gen_reason_names[CP_GEN_NM__COUNT] = {
        "no_subject_id", "masked_only", "id_suspect", "weak_key", "none",
};
const char *const cp_gen_cmp_names[CP_GEN_CMP__COUNT] = {
        "subject_name", "authority", "decision_date", "list_date", "valid_to",
        "penalty_type", "fine_amount", "case_number",
};
const int cp_gen_cmp_field[CP_GEN_CMP__COUNT] = {
        CP_GEN_F_NAME, CP_GEN_F_AUTH, CP_GEN_F_DECISION, CP_GEN_F_LIST,
        CP_GEN_F_VALID_TO, CP_GEN_F_PTYPE, CP_GEN_F_FINE, CP_GEN_F_CASE,
};

const int cp_gen_lag_bounds[CP_GEN_LAG_BUCKETS - 1] = {7, 14, 30, 60, 90, 180, 365};

int cp_gen_lag_bucket(int32_t lag)
{
        int b = 0;

        /* Upper bounds are inclusive, as Prometheus' `le`: 7 days is in
         * the first bucket. */
        while (b < CP_GEN_LAG_BUCKETS - 1 && lag > cp_gen_lag_bounds[b])
                b++;
        return b;
}

const int cp_gen_required[CP_GEN_CAT__COUNT][8] = {
        [CP_GEN_CAT_PENALTY] = {CP_GEN_F_NAME, CP_GEN_F_SUBJ_ID, CP_GEN_F_DOC, CP_GEN_F_PTYPE,
                                CP_GEN_F_CONTENT, CP_GEN_F_DECISION, CP_GEN_F_AUTH, -1},
        [CP_GEN_CAT_DEFAULTER] = {CP_GEN_F_NAME, CP_GEN_F_SUBJ_ID, CP_GEN_F_CASE,
                                  CP_GEN_F_AUTH, CP_GEN_F_LIST, -1},
        [CP_GEN_CAT_BLACKLIST] = {CP_GEN_F_NAME, CP_GEN_F_SUBJ_ID, CP_GEN_F_LIST_NAME,
                                  CP_GEN_F_REASON, CP_GEN_F_LIST, CP_GEN_F_AUTH, -1},
};

/* Days of the regime boundaries: 2023-04-30, 2023-05-01, 2026-03-31,
 * 2026-04-01 (test_gen checks them with cp_gen_days). */
#define CP_GEN_R19_END 19477
#define CP_GEN_R23_START 19478
#define CP_GEN_R23_END 20543
#define CP_GEN_R26_START 20544
#define CP_GEN_OPEN_FROM INT32_MIN
#define CP_GEN_OPEN_UNTIL INT32_MAX

const cp_gen_rule_t cp_gen_rules[] = {
        {"ndrc2019", CP_GEN_CAT_PENALTY, CP_GEN_TIER_MINOR, CP_GEN_OPEN_FROM, CP_GEN_R19_END,
         CP_GEN_CLOCK_DECISION, 20, 90, 365, true},
        {"ndrc2019", CP_GEN_CAT_PENALTY, CP_GEN_TIER_GENERAL, CP_GEN_OPEN_FROM, CP_GEN_R19_END,
         CP_GEN_CLOCK_DECISION, 20, 90, 365, true},
        {"ndrc2019", CP_GEN_CAT_PENALTY, CP_GEN_TIER_SERIOUS, CP_GEN_OPEN_FROM, CP_GEN_R19_END,
         CP_GEN_CLOCK_DECISION, 20, 180, 1095, true},
        {"ndrc2023", CP_GEN_CAT_PENALTY, CP_GEN_TIER_MINOR, CP_GEN_R23_START, CP_GEN_R23_END,
         CP_GEN_CLOCK_DECISION, 20, 90, 1095, true},
        {"ndrc2023", CP_GEN_CAT_PENALTY, CP_GEN_TIER_GENERAL, CP_GEN_R23_START, CP_GEN_R23_END,
         CP_GEN_CLOCK_DECISION, 20, 90, 1095, true},
        {"ndrc2023", CP_GEN_CAT_PENALTY, CP_GEN_TIER_SERIOUS, CP_GEN_R23_START, CP_GEN_R23_END,
         CP_GEN_CLOCK_DECISION, 20, 365, 1095, true},
        {"ndrc2026", CP_GEN_CAT_PENALTY, CP_GEN_TIER_MINOR, CP_GEN_R26_START, CP_GEN_OPEN_UNTIL,
         CP_GEN_CLOCK_DECISION, 20, 0, 90, false},
        {"ndrc2026", CP_GEN_CAT_PENALTY, CP_GEN_TIER_GENERAL, CP_GEN_R26_START, CP_GEN_OPEN_UNTIL,
         CP_GEN_CLOCK_DECISION, 20, 90, 365, true},
        {"ndrc2026", CP_GEN_CAT_PENALTY, CP_GEN_TIER_SERIOUS, CP_GEN_R26_START, CP_GEN_OPEN_UNTIL,
         CP_GEN_CLOCK_DECISION, 20, 365, 1095, true},
        {"spc2017", CP_GEN_CAT_DEFAULTER, CP_GEN_TIER_ANY, CP_GEN_OPEN_FROM, CP_GEN_OPEN_UNTIL,
         CP_GEN_CLOCK_LIST, 3, 0, 730, true},
        {"samr_lists", CP_GEN_CAT_BLACKLIST, CP_GEN_TIER_ANY, CP_GEN_OPEN_FROM, CP_GEN_OPEN_UNTIL,
         CP_GEN_CLOCK_LIST, 20, 365, 1095, true},
};
const int cp_gen_nrules = (int)(sizeof(cp_gen_rules) / sizeof(cp_gen_rules[0]));

const char *const cp_gen_regimes[CP_GEN_CAT__COUNT][4] = {
        [CP_GEN_CAT_PENALTY] = {"ndrc2019", "ndrc2023", "ndrc2026", NULL},
        [CP_GEN_CAT_DEFAULTER] = {"spc2017", NULL},
        [CP_GEN_CAT_BLACKLIST] = {"samr_lists", NULL},
};

/* The rule of a record (docs/metrics.md): the first rule of its category
 * and tier (or tier any) whose decision-date range holds the decision
 * date; without a decision date, the first whose range is open towards
 * the past. */
static const cp_gen_rule_t *cp_gen_rule_of(int cat, int tier, int32_t decision)
{
        for (int i = 0; i < cp_gen_nrules; i++) {
                const cp_gen_rule_t *r = &cp_gen_rules[i];

                if (r->ru_cat != cat || (r->ru_tier != CP_GEN_TIER_ANY && r->ru_tier != tier))
                        continue;
                if (!decision ? r->ru_from == CP_GEN_OPEN_FROM :
                    decision >= r->ru_from && decision <= r->ru_until)
                        return r;
        }
        return NULL;
}

/* Status values. Withdrawn ones are words of docs/metrics.md's list (whole
 * values: the lead's matcher compares whole folded values); ordinary ones
 * contain none of those words, so neither reading of the list (whole value
 * or substring) calls them withdrawn. */
static const char *const cp_gen_status_withdrawn[] = {
        "已撤销", "撤销", "撤回", "已修复", "信用修复", "已移出",
};
static const char *const cp_gen_status_ordinary[] = {"有效", "有效", "有效", "正常", "公示中"};
#define CP_GEN_N(a) (sizeof(a) / sizeof((a)[0]))

/* Rates of what a view does, per mille of views (non-central blanks come
 * from the source's src_blank_per10k). */
#define CP_GEN_CENTRAL_BLANK_PM 60  /* a central row leaves one field empty */
#define CP_GEN_DIFF_PM 30           /* central writes a compared field differently */
#define CP_GEN_DIFF_VALID_TO_PM 50  /* central's end of listing differs */

/* Lags from decision to the central publication date: buckets of
 * cp_gen_lag_bounds, each drawn from lo to hi included (the bounds
 * themselves occur), per mille. */
static const struct {
        int32_t lo, hi;
        int pm;
} cp_gen_lag_draw[CP_GEN_LAG_BUCKETS] = {
        {-3, 7, 80}, {8, 14, 150}, {15, 30, 250}, {31, 60, 200},
        {61, 90, 100}, {91, 180, 100}, {181, 365, 70}, {366, 1000, 50},
};

/* A lag of at most cap days (central has published by as_of): the drawn
 * bucket, or the last one that fits under cap. */
static int32_t cp_gen_lag(cp_gen_rng_t *rng, int32_t cap)
{
        int r = (int)cp_gen_rng_below(rng, 1000), b = 0;
        int32_t hi;

        while (b < CP_GEN_LAG_BUCKETS - 1 && r >= cp_gen_lag_draw[b].pm) {
                r -= cp_gen_lag_draw[b].pm;
                b++;
        }
        while (b > 0 && cp_gen_lag_draw[b].lo > cap)
                b--;
        hi = cp_gen_lag_draw[b].hi < cap ? cp_gen_lag_draw[b].hi : cap;
        if (hi < cp_gen_lag_draw[b].lo)
                hi = cp_gen_lag_draw[b].lo;
        return cp_gen_lag_draw[b].lo +
               (int32_t)cp_gen_rng_below(rng, (uint32_t)(hi - cp_gen_lag_draw[b].lo + 1));
}

int cp_gen_central_source(int cat)
{
        for (int s = 0; s < cp_gen_nsources; s++)
                if (cp_gen_sources[s].src_central && cp_gen_sources[s].src_cat == cat)
                        return s;
        return -1;
}

static bool cp_gen_ends_with(const char *s, const char *tail)
{
        size_t n = strlen(s), m = strlen(tail);

        return n >= m && !memcmp(s + n - m, tail, m);
}

bool cp_gen_name_variant(const char *name, char *out, size_t size)
{
        size_t n = strlen(name);

        /* The company form written long or short; 股份有限公司 has none. */
        if (cp_gen_ends_with(name, "有限责任公司")) {
                snprintf(out, size, "%.*s有限公司", (int)(n - strlen("有限责任公司")), name);
                return true;
        }
        if (cp_gen_ends_with(name, "有限公司") && !cp_gen_ends_with(name, "股份有限公司")) {
                snprintf(out, size, "%.*s有限责任公司", (int)(n - strlen("有限公司")), name);
                return true;
        }
        return false;
}

bool cp_gen_auth_variant(const char *auth, char *out, size_t size)
{
        /* Short forms in common use, then the name without its city. */
        static const char *const abbr[][2] = {
                {"市场监督管理局", "市场监管局"},
                {"人力资源和社会保障局", "人社局"},
                {"城市管理综合行政执法局", "城管执法局"},
                {"卫生健康委员会", "卫健委"},
                {"人民法院", "法院"},
                {"国家税务总局", ""},
        };
        const char *p;

        for (size_t i = 0; i < CP_GEN_N(abbr); i++) {
                if ((p = strstr(auth, abbr[i][0]))) {
                        snprintf(out, size, "%.*s%s%s", (int)(p - auth), auth, abbr[i][1],
                                 p + strlen(abbr[i][0]));
                        return true;
                }
        }
        for (int r = 0; r < cp_gen_nregions; r++) {
                size_t n = strlen(cp_gen_regions[r].rg_city);

                if (!strncmp(auth, cp_gen_regions[r].rg_city, n) && auth[n]) {
                        snprintf(out, size, "%s", auth + n);
                        return true;
                }
        }
        return false;
}

void cp_gen_content_text(const cp_gen_entry_t *en, int ptype, bool with_break,
                         char *out, size_t size)
{
        const char *t = cp_gen_penalty_types[ptype];
        char fine[96] = "";

        snprintf(fine, sizeof(fine), "罚款人民币%llu元", (unsigned long long)en->en_fine_yuan);
        if (!strcmp(t, "警告") || !strcmp(t, "通报批评"))
                snprintf(out, size, "%s", t);
        else if (!strcmp(t, "警告;罚款"))
                snprintf(out, size, "警告，并处%s", fine);
        else if (!strcmp(t, "责令停产停业;罚款"))
                snprintf(out, size, "责令停产停业整顿, %s", fine);
        else if (!strcmp(t, "吊销许可证件;罚款"))
                snprintf(out, size, "吊销许可证件，并处%s", fine);
        else if (!strcmp(t, "罚款;没收违法所得"))
                snprintf(out, size, "%s，没收违法所得", fine);
        else
                snprintf(out, size, "%s", fine);
        if (with_break && en->en_text == 1)
                snprintf(out + strlen(out), size - strlen(out), "\n（已送达）");
}

/* Picks one of the candidate fields (bits), or -1 when there is none. */
static int cp_gen_pick_field(uint32_t cand, cp_gen_rng_t *rng)
{
        int n = __builtin_popcount(cand), k;

        if (!n)
                return -1;
        k = (int)cp_gen_rng_below(rng, (uint32_t)n);
        for (int f = 0; f < CP_GEN_F__COUNT; f++)
                if (((cand >> f) & 1u) && k-- == 0)
                        return f;
        return -1;
}

/* The penalty type central writes instead of the entry's: 罚款 and 警告;罚款
 * fold to different text, and the tier of a central row is never used. */
static int cp_gen_other_ptype(int ptype)
{
        return strcmp(cp_gen_penalty_types[ptype], "罚款") ? 0 : 3;
}

void cp_gen_view_make(const cp_gen_plan_t *pl, int si, const cp_gen_entry_t *en,
                      cp_gen_view_t *vw)
{
        const cp_gen_source_t *src = &cp_gen_sources[si];
        const cp_gen_subject_t *sj = &en->en_subj;
        int cat = en->en_cat, f;
        uint32_t has = pl->pl_has[si], exists = ~0u, cand;
        bool org = sj->sj_kind == CP_GEN_SUBJ_ORG;
        cp_gen_rng_t rng;
        char tmp[160];

        memset(vw, 0, sizeof(*vw));
        vw->vw_source = si;
        vw->vw_central = src->src_central;
        vw->vw_null = "";
        vw->vw_ptype = en->en_ptype;
        cp_gen_rng_init(&rng, pl->pl_seed, CP_GEN_S_VIEW + (uint64_t)si, en->en_index);

        /* What the entry has a value for, in this source. */
        if (sj->sj_kind == CP_GEN_SUBJ_NAME_ONLY)
                exists &= ~CP_GEN_FB(CP_GEN_F_SUBJ_ID);
        if (!en->en_auth_uscc[0])
                exists &= ~CP_GEN_FB(CP_GEN_F_AUTH_USCC);
        if (!en->en_fine_yuan && src->src_zero_fine_empty)
                exists &= ~CP_GEN_FB(CP_GEN_F_FINE);
        /* Only central sources carry their own publication date. */
        if (!src->src_central)
                exists &= ~CP_GEN_FB(CP_GEN_F_PUBLISH);

        if (en->en_index >= pl->pl_n[cat]) {
                /* An entry made for a bad row: written plainly, so the row
                 * fails for its one reason only. */
                if (has & CP_GEN_FB(CP_GEN_F_STATUS))
                        vw->vw_status = cp_gen_status_ordinary[0];
                vw->vw_publish = src->src_central ? en->en_date + 10 : 0;
                goto done;
        }

        if (!src->src_central) {
                /* CP_GEN_EN_WEAK: no 文号 / 案号; CP_GEN_EN_SPLIT: no
                 * authority code (gen_model.h). */
                if (en->en_flags & CP_GEN_EN_WEAK)
                        vw->vw_blank |= CP_GEN_FB(cat == CP_GEN_CAT_DEFAULTER ? CP_GEN_F_CASE :
                                                  CP_GEN_F_DOC);
                if (en->en_flags & CP_GEN_EN_SPLIT)
                        vw->vw_blank |= CP_GEN_FB(CP_GEN_F_AUTH_USCC);
                if (has & CP_GEN_FB(CP_GEN_F_STATUS)) {
                        vw->vw_withdrawn = en->en_flags & CP_GEN_EN_WITHDRAWN;
                        if (vw->vw_withdrawn)
                                vw->vw_status = cp_gen_status_withdrawn[cp_gen_rng_below(
                                        &rng, CP_GEN_N(cp_gen_status_withdrawn))];
                        else
                                vw->vw_status = cp_gen_status_ordinary[cp_gen_rng_below(
                                        &rng, CP_GEN_N(cp_gen_status_ordinary))];
                }
                /* One required field left empty, never one the key is
                 * built from: the name of an organisation (keyed by its
                 * USCC), the type or the content (the tier then comes from
                 * the other), the decision date when the 文号 keys, the
                 * authority when its code keys; a court, a list date,
                 * a reason. */
                cand = 0;
                if (org)
                        cand |= CP_GEN_FB(CP_GEN_F_NAME);
                if (cat == CP_GEN_CAT_PENALTY) {
                        cand |= CP_GEN_FB(CP_GEN_F_PTYPE) | CP_GEN_FB(CP_GEN_F_CONTENT);
                        if (!(en->en_flags & CP_GEN_EN_WEAK))
                                cand |= CP_GEN_FB(CP_GEN_F_DECISION);
                        if (en->en_auth_uscc[0] && !(en->en_flags & CP_GEN_EN_SPLIT))
                                cand |= CP_GEN_FB(CP_GEN_F_AUTH);
                } else if (cat == CP_GEN_CAT_DEFAULTER) {
                        cand |= CP_GEN_FB(CP_GEN_F_AUTH) | CP_GEN_FB(CP_GEN_F_LIST) |
                                CP_GEN_FB(CP_GEN_F_DECISION);
                } else {
                        cand |= CP_GEN_FB(CP_GEN_F_REASON) | CP_GEN_FB(CP_GEN_F_AUTH);
                }
                if (cp_gen_rng_chance(&rng, src->src_blank_per10k) &&
                    (f = cp_gen_pick_field(cand & has & exists, &rng)) >= 0)
                        vw->vw_blank |= CP_GEN_FB(f);
        } else {
                int32_t base = en->en_date;  /* decision, filing or list date */

                /* Central publishes a while after the decision (filing for
                 * defaulters, listing for blacklists), by as_of at the latest;
                 * one row in twenty-five has no publication date. */
                vw->vw_publish = base + cp_gen_lag(&rng, pl->pl_as_of - base);
                cand = CP_GEN_FB(CP_GEN_F_PTYPE) | CP_GEN_FB(CP_GEN_F_CONTENT) |
                       CP_GEN_FB(CP_GEN_F_REASON) | CP_GEN_FB(CP_GEN_F_VALID_TO);
                if (org)
                        cand |= CP_GEN_FB(CP_GEN_F_NAME);
                if (cat != CP_GEN_CAT_PENALTY || en->en_auth_uscc[0])
                        cand |= CP_GEN_FB(CP_GEN_F_AUTH);
                if (cp_gen_rng_chance(&rng, 400))
                        vw->vw_blank |= CP_GEN_FB(CP_GEN_F_PUBLISH);
                else if (cp_gen_rng_below(&rng, 1000) < CP_GEN_CENTRAL_BLANK_PM &&
                         (f = cp_gen_pick_field(cand & has & exists, &rng)) >= 0)
                        vw->vw_blank |= CP_GEN_FB(f);
                /* Discrepancies, only in fields outside central's key: an
                 * organisation's name (keyed by USCC), the authority when
                 * its code keys (penalties) or always (courts, list
                 * bodies), dates that are not list dates, the type, the
                 * fine written in yuan into the 万元 column, the end of a
                 * listing. */
                if (org && cp_gen_name_variant(sj->sj_name, tmp, sizeof(tmp)) &&
                    cp_gen_rng_below(&rng, 1000) < CP_GEN_DIFF_PM)
                        vw->vw_diff |= CP_GEN_FB(CP_GEN_F_NAME);
                if ((cat != CP_GEN_CAT_PENALTY || en->en_auth_uscc[0]) &&
                    cp_gen_auth_variant(en->en_auth, tmp, sizeof(tmp)) &&
                    cp_gen_rng_below(&rng, 1000) < CP_GEN_DIFF_PM)
                        vw->vw_diff |= CP_GEN_FB(CP_GEN_F_AUTH);
                if (cat != CP_GEN_CAT_BLACKLIST && cp_gen_rng_below(&rng, 1000) < CP_GEN_DIFF_PM)
                        vw->vw_diff |= CP_GEN_FB(CP_GEN_F_DECISION);
                if (cat == CP_GEN_CAT_PENALTY && cp_gen_rng_below(&rng, 1000) < CP_GEN_DIFF_PM)
                        vw->vw_diff |= CP_GEN_FB(CP_GEN_F_PTYPE);
                if (en->en_fine_yuan && cp_gen_rng_below(&rng, 1000) < CP_GEN_DIFF_PM)
                        vw->vw_diff |= CP_GEN_FB(CP_GEN_F_FINE);
                if (cat == CP_GEN_CAT_BLACKLIST &&
                    cp_gen_rng_below(&rng, 1000) < CP_GEN_DIFF_VALID_TO_PM)
                        vw->vw_diff |= CP_GEN_FB(CP_GEN_F_VALID_TO);
                vw->vw_diff &= has & exists & ~vw->vw_blank;
                if (vw->vw_diff & CP_GEN_FB(CP_GEN_F_PTYPE))
                        vw->vw_ptype = cp_gen_other_ptype(en->en_ptype);
        }
        /* A blank is written as nothing or as a null placeholder (§3.8). */
        switch (cp_gen_rng_below(&rng, 4)) {
        case 2: vw->vw_null = "-"; break;
        case 3: vw->vw_null = "无"; break;
        default: break;
        }
done:
        vw->vw_on = has & exists & ~vw->vw_blank;
        if (cp_gen_on(vw, CP_GEN_F_DECISION) && cat != CP_GEN_CAT_BLACKLIST)
                vw->vw_decision = en->en_date + ((vw->vw_diff & CP_GEN_FB(CP_GEN_F_DECISION)) ?
                                                 1 + (int32_t)(en->en_index % 30) : 0);
        if (cp_gen_on(vw, CP_GEN_F_LIST))
                vw->vw_list = cat == CP_GEN_CAT_DEFAULTER ? en->en_date2 : en->en_date;
        if (cp_gen_on(vw, CP_GEN_F_VALID_TO))
                vw->vw_valid_to = (vw->vw_diff & CP_GEN_FB(CP_GEN_F_VALID_TO)) ?
                                  en->en_date + 730 : en->en_date2;
        if (!cp_gen_on(vw, CP_GEN_F_PUBLISH))
                vw->vw_publish = 0;
        if (cat == CP_GEN_CAT_PENALTY)
                vw->vw_variant = (cp_gen_on(vw, CP_GEN_F_DOC) ? 0 : CP_GEN_VAR_WEAK) |
                                 (cp_gen_on(vw, CP_GEN_F_AUTH_USCC) ? CP_GEN_VAR_AUTH_CODE : 0);
        else if (cat == CP_GEN_CAT_DEFAULTER)
                vw->vw_variant = cp_gen_on(vw, CP_GEN_F_CASE) ? 0 : CP_GEN_VAR_WEAK;
}

int cp_gen_view_class(const cp_gen_plan_t *pl, const cp_gen_view_t *vw,
                      const cp_gen_entry_t *en)
{
        const cp_gen_rule_t *r;
        int tier = CP_GEN_TIER_ANY;
        int32_t clock = 0, t = pl->pl_as_of;

        if (vw->vw_withdrawn)
                return CP_GEN_KC_WITHDRAWN;
        /* The tier of the type, else of the content (the same by
         * construction, gen_text.h), else general. */
        if (en->en_cat == CP_GEN_CAT_PENALTY)
                tier = cp_gen_on(vw, CP_GEN_F_PTYPE) || cp_gen_on(vw, CP_GEN_F_CONTENT) ?
                       en->en_tier : CP_GEN_TIER_GENERAL;
        if (!(r = cp_gen_rule_of(en->en_cat, tier, vw->vw_decision)))
                return CP_GEN_KC_ACTIVE;
        if (!r->ru_published)
                return CP_GEN_KC_NOT_ELIGIBLE;
        switch (r->ru_clock) {
        case CP_GEN_CLOCK_DECISION: clock = vw->vw_decision; break;
        case CP_GEN_CLOCK_PUBLISH: clock = vw->vw_publish ? vw->vw_publish : vw->vw_decision; break;
        default: clock = vw->vw_list ? vw->vw_list : vw->vw_decision; break;
        }
        if (!clock)
                return CP_GEN_KC_ACTIVE;  /* no clock date: the window is unbounded */
        if (r->ru_max && t >= clock + r->ru_max)
                return CP_GEN_KC_EXPIRED;
        if (t < clock + r->ru_lag)
                return CP_GEN_KC_NOT_YET_DUE;
        return CP_GEN_KC_ACTIVE;
}

bool cp_gen_view_writes_later(const cp_gen_plan_t *pl, int si, const cp_gen_entry_t *en)
{
        return (en->en_flags & CP_GEN_EN_WITHDRAWN_LATER) && !cp_gen_sources[si].src_central &&
               (pl->pl_has[si] & CP_GEN_FB(CP_GEN_F_STATUS));
}

void cp_gen_view_withdraw(cp_gen_view_t *vw, cp_gen_rng_t *rng)
{
        vw->vw_withdrawn = true;
        vw->vw_status = cp_gen_status_withdrawn[cp_gen_rng_below(rng,
                                                                 CP_GEN_N(cp_gen_status_withdrawn))];
}

bool cp_gen_reads_before(int a, int b)
{
        /* Central sources are read completely first (run_ingest.c); the
         * others concurrently, which only the keys two of them share
         * could tell (gen_model.h, CP_GEN_EN_WITHDRAWN_LATER). */
        if (cp_gen_sources[a].src_central != cp_gen_sources[b].src_central)
                return cp_gen_sources[a].src_central;
        return a < b;
}

int cp_gen_view_later_fate(const cp_gen_plan_t *pl, int si, const cp_gen_entry_t *en,
                           const cp_gen_view_t *vw)
{
        cp_gen_view_t vt;

        if (cp_gen_view_class(pl, vw, en) != CP_GEN_KC_ACTIVE)
                return CP_GEN_LATER_DUP;
        for (int t = 0; t < cp_gen_nsources; t++) {
                const cp_gen_source_t *src = &cp_gen_sources[t];

                if (t == si || src->src_cat != en->en_cat || !cp_gen_reads_before(t, si) ||
                    !cp_gen_source_holds(pl, src, en->en_index, en->en_class))
                        continue;
                cp_gen_view_make(pl, t, en, &vt);
                if (vt.vw_variant == vw->vw_variant)
                        return CP_GEN_LATER_MOVED;
        }
        return CP_GEN_LATER_REMOVAL;
}

int cp_gen_view_reason(const cp_gen_view_t *vw, const cp_gen_entry_t *en)
{
        /* The subject key is N: without a usable identifier, M: with a
         * masked one; then the identifier's WARNING, then the key. */
        if (!cp_gen_on(vw, CP_GEN_F_SUBJ_ID))
                return CP_GEN_NM_NO_SUBJECT_ID;
        if (en->en_subj.sj_kind == CP_GEN_SUBJ_MASKED)
                return CP_GEN_NM_MASKED_ONLY;
        if (en->en_subj.sj_flagged)
                return CP_GEN_NM_ID_SUSPECT;
        if (vw->vw_variant & CP_GEN_VAR_WEAK)
                return CP_GEN_NM_WEAK_KEY;
        return CP_GEN_NM_NONE;
}

bool cp_gen_view_fuzzy(const cp_gen_view_t *a, const cp_gen_view_t *b, int cat)
{
        int num = cat == CP_GEN_CAT_DEFAULTER ? CP_GEN_F_CASE : CP_GEN_F_DOC;

        return cp_gen_on(a, num) && cp_gen_on(b, num);
}
