/* Natural keys of every category (domain.md §4.9), their weak fallbacks,
 * and the spellings that must not change a key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "transform/keys.h"

static const cp_subject_key_t subj = {.sk_text = "U:914403001922038216", .sk_len = 20};

static int build(int category, const char *const fields[][2], cp_key_t *key)
{
        cp_record_t rec;

        memset(&rec, 0, sizeof(rec));
        for (int i = 0; fields[i][0]; i++)
                rec.rec_field[cp_field_by_name(fields[i][0])] = fields[i][1];
        return cp_key_build(category, &rec, "11110105MB0000000X", &subj, NULL, key);
}

static void test_penalty_and_weak(void **state)
{
        cp_key_t k1, k2;
        const char *a[][2] = {{"document_number", "京朝市监罚（2021）第0123号"}, {NULL, NULL}};
        const char *b[][2] = {{"document_number", " 京朝市监罚〔2021〕123 "}, {NULL, NULL}};
        const char *weak[][2] = {{"decision_date", "2021/3/5"}, {"act_type", "未按规定"},
                                 {"fine_amount", "5"}, {NULL, NULL}};
        const char *none[][2] = {{"act_type", "未按规定"}, {NULL, NULL}};

        (void)state;
        assert_int_equal(build(3, a, &k1), 0);
        assert_int_equal(build(3, b, &k2), 0);
        assert_string_equal(k1.key_text, k2.key_text);
        assert_string_equal(k1.key_text,
                "ADMIN_PENALTY|A:11110105MB0000000X|D:京朝市监罚〔2021〕123|S:U:914403001922038216");
        assert_false(k1.key_weak);
        assert_int_equal(build(3, weak, &k1), 0);
        assert_true(k1.key_weak);
        assert_non_null(strstr(k1.key_text, "|T:2021-03-05"));
        assert_int_equal(build(3, none, &k1), -1);
        assert_int_equal(k1.key_missing_field, CP_F_DOCUMENT_NUMBER);
}

static void test_permit(void **state)
{
        cp_key_t k;
        const char *ev[][2] = {{"document_number", "京发改许〔2020〕8号"}, {NULL, NULL}};
        const char *weak[][2] = {{"permit_number", "ＸＫ-001"}, {"decision_date", "20200102"},
                                 {NULL, NULL}};
        const char *nodate[][2] = {{"permit_number", "XK-001"}, {NULL, NULL}};

        (void)state;
        assert_int_equal(build(2, ev, &k), 0);
        assert_false(k.key_weak);
        assert_int_equal(build(2, weak, &k), 0);
        assert_true(k.key_weak);
        assert_non_null(strstr(k.key_text, "|P:XK-001|"));
        assert_int_equal(build(2, nodate, &k), -1);
}

static void test_defaulter(void **state)
{
        cp_key_t k1, k2;
        const char *a[][2] = {{"case_number", "（2019）皖1122执1194号"}, {NULL, NULL}};
        const char *b[][2] = {{"case_number", "(2019)皖1122执1194"}, {NULL, NULL}};
        const char *weak[][2] = {{"document_number", "(2019)皖1122民初1103号"}, {NULL, NULL}};

        (void)state;
        assert_int_equal(build(7, a, &k1), 0);
        assert_int_equal(build(7, b, &k2), 0);
        assert_string_equal(k1.key_text, k2.key_text);
        assert_int_equal(build(7, weak, &k1), 0);
        assert_true(k1.key_weak);
        assert_non_null(strstr(k1.key_text, "|G:(2019)皖1122民初1103|"));
}

static void test_lists(void **state)
{
        cp_key_t k1, k2;
        const char *ab1[][2] = {{"list_date", "2021年3月5日"}, {"reason", "未按规定报送年度报告"},
                                {NULL, NULL}};
        const char *ab2[][2] = {{"list_date", "2021-03-05"}, {"reason", "未按规定报送年度报告 "},
                                {NULL, NULL}};
        const char *bad[][2] = {{"list_date", "2021-02-30"}, {NULL, NULL}};
        const char *bl[][2] = {{"list_date", "2021-03-05"}, {"list_name", "严重违法失信名单"},
                               {"document_number", "京市监列〔2021〕7号"}, {NULL, NULL}};
        const char *red[][2] = {{"list_date", "2023"}, {"list_name", "纳税信用A级纳税人"},
                                {NULL, NULL}};

        (void)state;
        assert_int_equal(build(4, ab1, &k1), 0);
        assert_int_equal(build(4, ab2, &k2), 0);
        assert_string_equal(k1.key_text, k2.key_text);
        assert_int_equal(build(4, bad, &k1), -1);
        assert_true(k1.key_invalid);
        assert_int_equal(build(5, bl, &k1), 0);
        assert_non_null(strstr(k1.key_text, "|D:京市监列〔2021〕7"));
        assert_int_equal(build(6, red, &k1), 0);
        assert_non_null(strstr(k1.key_text, "|Y:2023"));
        /* A year alone is a date only for red lists. */
        const char *blyear[][2] = {{"list_date", "2023"}, {NULL, NULL}};
        assert_int_equal(build(5, blyear, &k1), -1);
}

static void test_excel_serial_dates(void **state)
{
        const char *f[][2] = {{"list_date", "43832"}, {"reason", "r"}, {NULL, NULL}};
        cp_date_opts_t excel = {.excel_system = 1900};
        cp_record_t rec;
        cp_key_t k;

        (void)state;
        memset(&rec, 0, sizeof(rec));
        rec.rec_field[CP_F_LIST_DATE] = f[0][1];
        rec.rec_field[CP_F_REASON] = f[1][1];
        /* A bare number is a date only where the source says it is Excel's. */
        assert_int_equal(cp_key_build(4, &rec, "", &subj, NULL, &k), -1);
        assert_true(k.key_invalid);
        assert_int_equal(cp_key_build(4, &rec, "", &subj, &excel, &k), 0);
        assert_non_null(strstr(k.key_text, "|T:2020-01-02|"));
}

static void test_basic_info(void **state)
{
        cp_key_t k;
        const char *none[][2] = {{NULL, NULL}};

        (void)state;
        assert_int_equal(build(1, none, &k), 0);
        assert_string_equal(k.key_text, "BASIC_INFO|S:U:914403001922038216");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_penalty_and_weak),
                cmocka_unit_test(test_permit),
                cmocka_unit_test(test_defaulter),
                cmocka_unit_test(test_lists),
                cmocka_unit_test(test_excel_serial_dates),
                cmocka_unit_test(test_basic_info),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
