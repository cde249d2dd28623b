/* Completeness measurement (docs/metrics.md): publication rules and
 * windows, classes of keys, exact and fuzzy matches, discrepancies, time
 * to central, field completeness, removal events, ratings. Records are
 * built by hand, as ingest would build them; the central source is
 * transformed first, as `run` does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "transform/normalize.h"
#include "transform/rules.h"
#include "transform/transform.h"

static int32_t days(const char *date)
{
        int32_t d = 0;

        assert_int_equal(cp_norm_date_ex(date, NULL, &d), CP_DATE_OK);
        return d;
}

/* ---- rules ------------------------------------------------------------ */

static void test_builtin_rules_parse(void **state)
{
        cp_rules_t rs;
        char err[256];

        (void)state;
        assert_int_equal(cp_rules_load(&rs, NULL, err, sizeof(err)), 0);
        assert_true(rs.rs_nrules >= 10);
        assert_true(cp_rules_has_regime(&rs, "ndrc2026"));
        assert_true(cp_rules_has_regime(&rs, "samr2021"));
        assert_true(rs.rs_required[CREDPIPE__V1__CATEGORY__ADMIN_PENALTY][CP_REQ_SUBJECT_ID]);
        assert_true(rs.rs_required[CREDPIPE__V1__CATEGORY__ADMIN_PENALTY][CP_F_DOCUMENT_NUMBER]);
        cp_rules_free(&rs);
}

static void test_rules_errors_name_the_line(void **state)
{
        static const struct { const char *text, *want; } cases[] = {
                {"# c\n\nrule x admin_penalty any - - decision 1 2\n", "t.tsv:3: a rule has 10"},
                {"rule x nosuch any - - decision 1 2 3 yes\n", "t.tsv:1: unknown category 'nosuch'"},
                {"rule x admin_penalty big - - decision 1 2 3 yes\n", "t.tsv:1: unknown tier"},
                {"rule x admin_penalty any 2021-13-01 - decision 1 2 3 yes\n",
                 "t.tsv:1: '2021-13-01' is not a date"},
                {"rule x admin_penalty any - - sometime 1 2 3 yes\n", "t.tsv:1: unknown clock"},
                {"rule x admin_penalty any - - decision -1 2 3 yes\n", "t.tsv:1: '-1' is not"},
                {"rule x admin_penalty any - - decision 1 2 3 maybe\n", "t.tsv:1: PUBLISHED"},
                {"required admin_penalty subject_name nosuch\n", "t.tsv:1: unknown field 'nosuch'"},
                {"default y\nrule x admin_penalty any - - decision 1 2 3 yes\n",
                 "t.tsv: the default regime 'y' has no rule"},
                {"bogus 1\n", "t.tsv:1: unknown line kind 'bogus'"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cp_rules_t rs;
                char err[256] = "";

                if (cp_rules_parse(&rs, cases[i].text, strlen(cases[i].text), "t.tsv", err,
                                   sizeof(err)) == 0)
                        fail_msg("case %zu parsed", i);
                if (!strstr(err, cases[i].want))
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
        }
}

static void test_tiers_and_windows(void **state)
{
        cp_rules_t rs;
        cp_window_t w;
        char err[256];
        char *samr[] = {"samr2021"};
        int pen = CREDPIPE__V1__CATEGORY__ADMIN_PENALTY;

        (void)state;
        assert_int_equal(cp_rules_load(&rs, NULL, err, sizeof(err)), 0);
        assert_int_equal(cp_rules_tier(&rs, pen, "警告", NULL), CP_TIER_MINOR);
        assert_int_equal(cp_rules_tier(&rs, pen, "警告;罚款", NULL), CP_TIER_GENERAL);
        assert_int_equal(cp_rules_tier(&rs, pen, "罚款;吊销营业执照", NULL), CP_TIER_SERIOUS);
        assert_int_equal(cp_rules_tier(&rs, pen, NULL, "给予警告处分"), CP_TIER_MINOR);
        assert_int_equal(cp_rules_tier(&rs, pen, "其他", NULL), CP_TIER_GENERAL);
        assert_int_equal(cp_rules_tier(&rs, CREDPIPE__V1__CATEGORY__BLACKLIST, "吊销", NULL),
                         CP_TIER_ANY);

        /* 2019 regime: general, 1 year from the decision; 20 days' lag. */
        cp_rules_window(&rs, NULL, 0, pen, CP_TIER_GENERAL, days("2020-01-10"), 0, 0, &w);
        assert_non_null(w.wi_rule);
        assert_string_equal(w.wi_rule->ru_regime, "ndrc2019");
        assert_int_equal(w.wi_from, days("2020-01-30"));
        assert_int_equal(w.wi_until, days("2021-01-09"));
        assert_int_equal(w.wi_repair, days("2020-04-09"));
        /* The rule of the decision date: 2023 regime keeps it 3 years. */
        cp_rules_window(&rs, NULL, 0, pen, CP_TIER_GENERAL, days("2023-05-01"), 0, 0, &w);
        assert_string_equal(w.wi_rule->ru_regime, "ndrc2023");
        assert_int_equal(w.wi_until, days("2023-05-01") + 1095);
        /* 2026: a minor penalty is not published at all. */
        cp_rules_window(&rs, NULL, 0, pen, CP_TIER_MINOR, days("2026-04-01"), 0, 0, &w);
        assert_string_equal(w.wi_rule->ru_regime, "ndrc2026");
        assert_false(w.wi_published);
        /* SAMR's clock is the publication date. */
        cp_rules_window(&rs, samr, 1, pen, CP_TIER_GENERAL, days("2022-01-01"),
                        days("2022-03-01"), 0, &w);
        assert_int_equal(w.wi_until, days("2022-03-01") + 1095);
        /* Defaulters: 2 years from listing; permits: no end. */
        cp_rules_window(&rs, NULL, 0, CREDPIPE__V1__CATEGORY__JUDGMENT_DEFAULTER, CP_TIER_ANY,
                        days("2020-01-01"), 0, days("2020-02-01"), &w);
        assert_int_equal(w.wi_until, days("2020-02-01") + 730);
        cp_rules_window(&rs, NULL, 0, CREDPIPE__V1__CATEGORY__ADMIN_PERMIT, CP_TIER_ANY,
                        days("2020-01-01"), 0, 0, &w);
        assert_int_equal(w.wi_until, 0);
        /* No clock date: an unbounded window. */
        cp_rules_window(&rs, NULL, 0, pen, CP_TIER_GENERAL, 0, 0, 0, &w);
        assert_int_equal(w.wi_from, 0);
        assert_int_equal(w.wi_until, 0);
        cp_rules_free(&rs);
}

/* ---- measurement through the transform -------------------------------- */

enum { SRC_A, SRC_CENTRAL, SRC_RATING, NSRC };

static cp_source_conf_t sources[NSRC] = {
        [SRC_A] = {.src_id = "a", .src_role = CP_ROLE_SECTORAL, .src_category = 3},
        [SRC_CENTRAL] = {.src_id = "c", .src_role = CP_ROLE_CENTRAL, .src_category = 3},
        [SRC_RATING] = {.src_id = "r", .src_role = CP_ROLE_MUNICIPAL, .src_category = 8,
                        .src_has_rating_scale = true, .src_rating_min = 0,
                        .src_rating_max = 12, .src_rating_baseline = 9},
};
static cp_conf_t conf = {.conf_sources = sources, .conf_nsources = NSRC,
                         .conf_as_of = "2021-06-01"};

#define AUTH "北京市朝阳区市场监督管理局"
#define AUTH_USCC "11110105MB0000000X"

static cp_record_t *penalty(cp_batch_t *bat, const char *name, const char *uscc,
                            const char *docno, const char *date)
{
        cp_record_t *rec = cp_batch_add(bat);

        assert_non_null(rec);
        rec->rec_field[CP_F_SUBJECT_NAME] = name;
        rec->rec_field[CP_F_SUBJECT_USCC] = uscc;
        rec->rec_field[CP_F_AUTHORITY] = AUTH;
        rec->rec_field[CP_F_AUTHORITY_USCC] = AUTH_USCC;
        rec->rec_field[CP_F_DOCUMENT_NUMBER] = docno;
        rec->rec_field[CP_F_DECISION_DATE] = date;
        rec->rec_field[CP_F_PENALTY_TYPE] = "罚款";
        rec->rec_field[CP_F_CONTENT] = "罚款一万元";
        return rec;
}

static void test_classes_matches_and_quality(void **state)
{
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *a = cp_batch_new(SRC_A, 32), *c = cp_batch_new(SRC_CENTRAL, 32);
        cp_report_t rep;
        cp_source_stats_t *st;
        cp_record_t *r;

        (void)state;
        assert_non_null(tf);
        assert_int_equal(cp_report_alloc(&rep, NSRC), 0);
        /* Central: 1 exact with other fine and date; 2 with only the
         * authority's name (fuzzy for a); 3 exact and equal, published 40
         * days after the decision; 9 nobody else has. */
        r = penalty(c, "甲公司", "914403001922038216", "京朝罚〔2021〕1号", "2021-03-04");
        r->rec_field[CP_F_FINE_AMOUNT] = "2";
        r->rec_field[CP_F_PUBLISH_DATE] = "2021-03-10";
        r = penalty(c, "乙公司", "91110108551385082Q", "京朝罚〔2021〕2号", "2021-03-05");
        r->rec_field[CP_F_AUTHORITY_USCC] = NULL;
        r->rec_field[CP_F_AUTHORITY] = "朝阳区市场监管局";
        r = penalty(c, "丙公司", "91330106673959654P", "京朝罚〔2021〕3号", "2021-03-05");
        r->rec_field[CP_F_PUBLISH_DATE] = "2021-04-14";
        penalty(c, "辛公司", "12100000425006133D", "京朝罚〔2021〕9号", "2021-03-05");

        /* Source a. */
        r = penalty(a, "甲公司", "914403001922038216", "京朝罚〔2021〕1号", "2021-03-05");
        r->rec_field[CP_F_FINE_AMOUNT] = "1";
        penalty(a, "乙公司", "91110108551385082Q", "京朝罚〔2021〕2号", "2021-03-05");
        r = penalty(a, "丙公司", "91330106673959654P", "京朝罚〔2021〕3号", "2021-03-05");
        r->rec_field[CP_F_CONTENT] = "无";  /* a null placeholder: incomplete */
        /* Withdrawn; expired (2019); not yet due (within the lag); a 2026
         * minor penalty, not published; a name-only subject. */
        r = penalty(a, "丁公司", "91350211M0000XUF46", "京朝罚〔2021〕4号", "2021-03-05");
        r->rec_field[CP_F_STATUS] = " 已撤销 ";
        penalty(a, "戊公司", "9135020026015919XW", "京朝罚〔2019〕5号", "2019-08-01");
        penalty(a, "己公司", "91310000132260250X", "京朝罚〔2021〕6号", "2021-05-25");
        r = penalty(a, "庚公司", "91440300708461136T", "京朝罚〔2021〕7号", "2021-05-01");
        r->rec_field[CP_F_STATUS] = "未撤销";  /* not a withdrawal */
        r = penalty(a, "壬公司", NULL, "京朝罚〔2021〕8号", "2021-03-05");
        assert_int_equal(cp_transform_batch(tf, c), 0);
        assert_int_equal(cp_transform_batch(tf, a), 0);

        /* Produced records carry their window; withdrawn and expired
         * entries are produced as removals. */
        assert_int_equal(a->bat_rec[3].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(a->bat_rec[3].rec_pb->event, CREDPIPE__V1__EVENT_TYPE__REMOVAL);
        assert_string_equal(a->bat_rec[3].rec_pb->status, " 已撤销 ");
        assert_int_equal(a->bat_rec[4].rec_pb->event, CREDPIPE__V1__EVENT_TYPE__REMOVAL);
        assert_int_equal(a->bat_rec[5].rec_pb->event, CREDPIPE__V1__EVENT_TYPE__UPSERT);
        assert_int_equal(a->bat_rec[5].rec_pb->expected_public_from, days("2021-06-14"));
        assert_int_equal(a->bat_rec[5].rec_pb->expected_public_until,
                         days("2021-05-25") + 365);

        cp_transform_report(tf, &rep);
        st = &rep.rep_src[SRC_A];
        assert_int_equal(st->st_unique_keys, 8);
        assert_int_equal(st->st_class[CP_KC_WITHDRAWN], 1);
        assert_int_equal(st->st_class[CP_KC_EXPIRED], 1);
        assert_int_equal(st->st_class[CP_KC_NOT_YET_DUE], 1);
        assert_int_equal(st->st_class[CP_KC_NOT_ELIGIBLE], 0);
        assert_int_equal(st->st_class[CP_KC_ACTIVE], 5);
        assert_int_equal(st->st_removals, 2);
        assert_int_equal(st->st_shared, 2);
        assert_int_equal(st->st_shared_fuzzy, 1);
        assert_int_equal(st->st_unmatched[CP_NM_NO_SUBJECT_ID], 1);
        assert_int_equal(st->st_unmatched[CP_NM_NONE], 1);
        /* Discrepancies: key 1 differs in fine and decision date. */
        assert_int_equal(st->st_discrepant, 1);
        assert_int_equal(st->st_compared[CP_CMP_FINE_AMOUNT], 1);
        assert_int_equal(st->st_differs[CP_CMP_FINE_AMOUNT], 1);
        assert_int_equal(st->st_compared[CP_CMP_DECISION_DATE], 2);
        assert_int_equal(st->st_differs[CP_CMP_DECISION_DATE], 1);
        assert_int_equal(st->st_compared[CP_CMP_SUBJECT_NAME], 2);
        assert_int_equal(st->st_differs[CP_CMP_SUBJECT_NAME], 0);
        /* Time to central: 5 days (le 7) and 40 days (le 60). */
        assert_int_equal(st->st_lag_count, 2);
        assert_int_equal(st->st_lag_bucket[0], 1);
        assert_int_equal(st->st_lag_bucket[3], 1);
        assert_int_equal(st->st_lag_sum_days, 45);
        assert_int_equal(st->st_lag_unknown, 0);
        /* Completeness over the 5 active keys: one blank content, one
         * subject without an identifier. */
        assert_int_equal(st->st_completeness_keys, 5);
        assert_true(st->st_required[CP_F_CONTENT]);
        assert_int_equal(st->st_present[CP_F_CONTENT], 4);
        assert_int_equal(st->st_present[CP_REQ_SUBJECT_ID], 4);
        assert_int_equal(st->st_present[CP_F_DOCUMENT_NUMBER], 5);
        /* Central: 4 keys, 2 nobody reported exactly (辛's, and 乙's,
         * which a reported only under another authority key); measured on
         * all its keys. */
        assert_int_equal(rep.rep_src[SRC_CENTRAL].st_central_unreported, 2);
        assert_int_equal(rep.rep_src[SRC_CENTRAL].st_completeness_keys, 4);
        assert_int_equal(rep.rep_src[SRC_CENTRAL].st_class[CP_KC_ACTIVE], 0);
        assert_int_equal(rep.rep_overlap[SRC_A * NSRC + SRC_CENTRAL], 2);
        for (int i = 0; i < NSRC; i++) {
                uint64_t classes = 0, active = rep.rep_src[i].st_class[CP_KC_ACTIVE],
                         matched = rep.rep_src[i].st_shared + rep.rep_src[i].st_shared_fuzzy;

                if (sources[i].src_role == CP_ROLE_CENTRAL)
                        continue;
                for (int k = 0; k < CP_KC__COUNT; k++)
                        classes += rep.rep_src[i].st_class[k];
                for (int k = 0; k < CP_NM__COUNT; k++)
                        matched += rep.rep_src[i].st_unmatched[k];
                assert_int_equal(classes, rep.rep_src[i].st_unique_keys);
                assert_int_equal(matched, active);
        }
        cp_report_free(&rep);
        cp_batch_destroy(a);
        cp_batch_destroy(c);
        cp_transform_destroy(tf);
}

static void test_not_eligible_2026(void **state)
{
        char err[256];
        cp_conf_t later = conf;
        cp_transform_t *tf;
        cp_batch_t *a = cp_batch_new(SRC_A, 4);
        cp_report_t rep;
        cp_record_t *r;

        (void)state;
        later.conf_as_of = "2026-06-01";
        assert_non_null(tf = cp_transform_new(&later, err, sizeof(err)));
        assert_int_equal(cp_report_alloc(&rep, NSRC), 0);
        r = penalty(a, "甲公司", "914403001922038216", "京朝罚〔2026〕1号", "2026-04-02");
        r->rec_field[CP_F_PENALTY_TYPE] = "警告";
        assert_int_equal(cp_transform_batch(tf, a), 0);
        cp_transform_report(tf, &rep);
        assert_int_equal(rep.rep_src[SRC_A].st_class[CP_KC_NOT_ELIGIBLE], 1);
        /* Not published, yet still output as an ordinary record. */
        assert_int_equal(a->bat_rec[0].rec_pb->event, CREDPIPE__V1__EVENT_TYPE__UPSERT);
        cp_report_free(&rep);
        cp_batch_destroy(a);
        cp_transform_destroy(tf);
}

static void test_ratings(void **state)
{
        static const struct { const char *v; double norm; int out; } cases[] = {
                {"9", 0.75, 0}, {"12", 1.0, 0}, {"0", 0.0, 0}, {"１０.５", 0.875, 0},
                {"13", 0, 1},
        };
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *b = cp_batch_new(SRC_RATING, 8);

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cp_record_t *r = cp_batch_add(b);
                char *name = malloc(16);

                snprintf(name, 16, "公司%zu", i);
                r->rec_field[CP_F_SUBJECT_NAME] = cp_arena_strndup(&b->bat_arena, name,
                                                                   strlen(name));
                free(name);
                r->rec_field[CP_F_LIST_NAME] = "诚信等级";
                r->rec_field[CP_F_LIST_DATE] = "2021-01-01";
                r->rec_field[CP_F_RATING] = cases[i].v;
        }
        assert_int_equal(cp_transform_batch(tf, b), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const Credpipe__V1__Rating *rt = b->bat_rec[i].rec_pb->rating;

                assert_non_null(rt);
                assert_int_equal(rt->out_of_scale, cases[i].out);
                assert_true(rt->scale_max == 12 && rt->baseline == 9);
                if (!cases[i].out)
                        assert_true(rt->normalized == cases[i].norm);
        }
        cp_batch_destroy(b);
        cp_transform_destroy(tf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_builtin_rules_parse),
                cmocka_unit_test(test_rules_errors_name_the_line),
                cmocka_unit_test(test_tiers_and_windows),
                cmocka_unit_test(test_classes_matches_and_quality),
                cmocka_unit_test(test_not_eligible_2026),
                cmocka_unit_test(test_ratings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
