/* Transform: subject resolution, natural keys, dedupe across sources, the
 * join with central sources, and the accounting invariant
 * read = produced + duplicates + rejects. Records are built by hand, as
 * ingest would build them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "transform/transform.h"

enum { SRC_A, SRC_B, SRC_CENTRAL, SRC_DEFAULTERS, NSRC };

static cp_source_conf_t sources[NSRC] = {
        [SRC_A] = {.src_id = "a", .src_role = CP_ROLE_SECTORAL, .src_category = 3},
        [SRC_B] = {.src_id = "b", .src_role = CP_ROLE_MUNICIPAL, .src_category = 3},
        [SRC_CENTRAL] = {.src_id = "c", .src_role = CP_ROLE_CENTRAL, .src_category = 3},
        [SRC_DEFAULTERS] = {.src_id = "d", .src_role = CP_ROLE_SECTORAL, .src_category = 7},
};
static cp_conf_t conf = {.conf_sources = sources, .conf_nsources = NSRC};

/* A penalty record: name, USCC, authority USCC, document number, date. */
static cp_record_t *penalty(cp_batch_t *bat, const char *name, const char *uscc,
                            const char *docno, const char *date)
{
        cp_record_t *rec = cp_batch_add(bat);

        assert_non_null(rec);
        rec->rec_field[CP_F_SUBJECT_NAME] = name;
        rec->rec_field[CP_F_SUBJECT_USCC] = uscc;
        rec->rec_field[CP_F_AUTHORITY] = "北京市朝阳区市场监督管理局";
        rec->rec_field[CP_F_AUTHORITY_USCC] = "11110105MB0000000X";
        rec->rec_field[CP_F_DOCUMENT_NUMBER] = docno;
        rec->rec_field[CP_F_DECISION_DATE] = date;
        rec->rec_file = "test.csv";
        rec->rec_line = bat->bat_n;  /* 1-based: the add counted it */
        return rec;
}

static void test_keys_dedupe_and_sharing(void **state)
{
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *a = cp_batch_new(SRC_A, 16), *b = cp_batch_new(SRC_B, 16),
                   *c = cp_batch_new(SRC_CENTRAL, 16);
        cp_source_stats_t rows[NSRC];
        cp_report_t rep = {.rep_src = rows};

        (void)state;
        assert_non_null(tf);
        /* Source a: four entries, one repeated, one spelled differently. */
        penalty(a, "甲公司", "914403001922038216", "京朝市监罚〔2021〕1号", "2021-03-05");
        penalty(a, "甲公司", "914403001922038216", "京朝市监罚〔2021〕1号", "2021-03-05");
        penalty(a, "乙公司", "91110108551385082q", "京朝市监罚（2021）2号", "2021/3/6");
        penalty(a, "丙公司", "91330106673959654P", "京朝市监罚〔2021〕3号", "2021年3月7日");
        /* A pilot-era code fails its check: kept, flagged. */
        penalty(a, "丁公司", "91350211M0000XUF46", "京朝市监罚〔2021〕4号", "2021-03-08");
        /* Rejects: malformed USCC; no subject; no document and no date. */
        penalty(a, "戊公司", "9144030019220382", "京朝市监罚〔2021〕5号", "2021-03-09");
        penalty(a, NULL, NULL, "京朝市监罚〔2021〕6号", "2021-03-09");
        penalty(a, "己公司", "91310000132260250X", NULL, NULL);
        /* Source b: the same entry as a's second, other spelling. */
        penalty(b, " 乙公司 ", "'91110108551385082Q", "京朝市监罚(2021)0002", "20210306");
        penalty(b, "庚公司", "9135020026015919XW", "京朝市监罚〔2021〕7号", "2021-03-10");
        /* Central has a's first and b's second entries, and one of its own. */
        penalty(c, "甲公司", "914403001922038216", "京朝市监罚[2021]1号", "2021-03-05");
        penalty(c, "庚公司", "9135020026015919XW", "京朝市监罚〔2021〕7号", "2021-03-10");
        penalty(c, "辛公司", "12100000425006133D", "京朝市监罚〔2021〕8号", "2021-03-11");

        assert_int_equal(cp_transform_batch(tf, a), 0);
        assert_int_equal(cp_transform_batch(tf, b), 0);
        assert_int_equal(cp_transform_batch(tf, c), 0);

        assert_int_equal(a->bat_rec[0].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(a->bat_rec[1].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(a->bat_rec[4].rec_status, CP_REC_ACCEPTED);
        assert_string_equal(a->bat_rec[4].rec_pb->findings[0]->code, "uscc_check_failed");
        assert_string_equal(a->bat_rec[5].rec_reject_code, "uscc_bad_length");
        assert_int_equal(a->bat_rec[5].rec_reject_field, CP_F_SUBJECT_USCC);
        assert_string_equal(a->bat_rec[6].rec_reject_code, "subject_missing");
        assert_string_equal(a->bat_rec[7].rec_reject_code, "key_fields_missing");
        assert_int_equal(b->bat_rec[0].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(c->bat_rec[0].rec_status, CP_REC_DUPLICATE);
        /* The canonical record: normalised id, key, date, provenance. */
        const Credpipe__V1__CreditRecord *pb = a->bat_rec[2].rec_pb;
        assert_string_equal(pb->subject->id, "91110108551385082Q");
        assert_int_equal(pb->subject->id_type, CREDPIPE__V1__ID_TYPE__USCC);
        assert_int_equal(pb->subject->kind, CREDPIPE__V1__SUBJECT_KIND__ENTERPRISE);
        assert_string_equal(pb->record_key,
                            "ADMIN_PENALTY|A:11110105MB0000000X|D:京朝市监罚〔2021〕2|S:U:91110108551385082Q");
        assert_int_equal(pb->decision_date, 18692);  /* 2021-03-06 */
        assert_string_equal(pb->provenance->source_id, "a");
        assert_int_equal(pb->provenance->position->line, 3);
        /* One subject, one partition hash, whatever the source. */
        assert_true(a->bat_rec[2].rec_subject_hash != 0);

        cp_transform_report(tf, &rep);
        /* a: 8 read, 3 rejects, 1 duplicate, 4 produced; keys 1,2,3,4 of
         * which only 1 is central. */
        assert_int_equal(rows[SRC_A].st_read, 8);
        assert_int_equal(rows[SRC_A].st_rejects, 3);
        assert_int_equal(rows[SRC_A].st_duplicates, 1);
        assert_int_equal(rows[SRC_A].st_produced, 4);
        assert_int_equal(rows[SRC_A].st_unique_keys, 4);
        assert_int_equal(rows[SRC_A].st_shared, 1);
        assert_int_equal(rows[SRC_B].st_unique_keys, 2);
        assert_int_equal(rows[SRC_B].st_shared, 1);
        assert_int_equal(rows[SRC_B].st_produced + rows[SRC_B].st_duplicates, 2);
        assert_int_equal(rows[SRC_CENTRAL].st_unique_keys, 3);
        assert_int_equal(rows[SRC_CENTRAL].st_shared, 3);
        assert_int_equal(rep.rep_central_keys, 3);
        assert_true(cp_report_rate(&rows[SRC_A]) == 0.25);
        for (int i = 0; i < NSRC; i++)
                assert_int_equal(rows[i].st_read, rows[i].st_produced +
                                 rows[i].st_duplicates + rows[i].st_rejects);
        cp_batch_destroy(a);
        cp_batch_destroy(b);
        cp_batch_destroy(c);
        cp_transform_destroy(tf);
}

static void test_defaulters_masked_and_categories(void **state)
{
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *d = cp_batch_new(SRC_DEFAULTERS, 16);
        cp_record_t *r;
        cp_source_stats_t rows[NSRC];
        cp_report_t rep = {.rep_src = rows};

        (void)state;
        static const struct { const char *name, *id, *cs; } in[] = {
                {"张三", "3423011964****3224", "(2019)皖1122执1194号"},
                {"张三", "3423011964****3224", "（2019）皖1122执1194号"},  /* duplicate */
                {"李四", "3423011964****3224", "(2019)皖1122执1194号"},   /* same mask, other name */
                {"王五", "110101199002301236", "(2019)皖1122执1195号"},   /* bad date: reject */
                {"某公司", "91310000132260250X", "(2019)皖1122执1196号"}, /* org in cardNum */
                {"赵六", "3423011964****3224", NULL},                      /* no case number */
        };
        for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
                r = cp_batch_add(d);
                r->rec_field[CP_F_SUBJECT_NAME] = in[i].name;
                r->rec_field[CP_F_SUBJECT_PERSON_ID] = in[i].id;
                r->rec_field[CP_F_CASE_NUMBER] = in[i].cs;
        }
        assert_int_equal(cp_transform_batch(tf, d), 0);
        assert_int_equal(d->bat_rec[0].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(d->bat_rec[0].rec_pb->subject->id_type,
                         CREDPIPE__V1__ID_TYPE__RESIDENT_ID_MASKED);
        assert_int_equal(d->bat_rec[1].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(d->bat_rec[2].rec_status, CP_REC_ACCEPTED);
        assert_string_equal(d->bat_rec[3].rec_reject_code, "ric_bad_date");
        /* The message for a data steward never shows the full ID. */
        assert_null(strstr(d->bat_rec[3].rec_reject_msg, "110101199002301236"));
        assert_int_equal(d->bat_rec[4].rec_pb->subject->id_type, CREDPIPE__V1__ID_TYPE__USCC);
        assert_string_equal(d->bat_rec[5].rec_reject_code, "key_fields_missing");
        assert_int_equal(d->bat_rec[5].rec_reject_field, CP_F_CASE_NUMBER);
        cp_transform_report(tf, &rep);
        assert_int_equal(rows[SRC_DEFAULTERS].st_unique_keys, 3);
        assert_int_equal(rows[SRC_DEFAULTERS].st_shared, 0);
        cp_batch_destroy(d);
        cp_transform_destroy(tf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keys_dedupe_and_sharing),
                cmocka_unit_test(test_defaulters_masked_and_categories),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
