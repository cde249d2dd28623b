/*
 * Unit tests of the `credpipe gen` identifier arithmetic and entry model.
 *
 * DESIGN: the generator lives in the credpipe executable, not in a
 * library, so its sources are compiled into this test directly. The check
 * algorithms are tested against shared/testdata/vectors.tsv (real codes
 * and cross-checked synthetic ones), and the corruptions against the
 * promise that matters to the truth file: a bad value is rejected by any
 * correct validator and cannot be repaired into a good one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "cli/gen_ids.c"
#include "cli/gen_model.c"
#include "cli/gen_out.c"
#include "cli/gen_text.c"
#include "cli/gen_xlsx.c"

/* Calls fn(kind, value, valid) for every line of vectors.tsv. */
static int test_vectors(void (*fn)(const char *, const char *, const char *))
{
        const char *dir = getenv("CP_SHARED_DIR");
        char path[4096], line[4096];
        FILE *fp;
        int n = 0;

        snprintf(path, sizeof(path), "%s/testdata/vectors.tsv", dir ? dir : "../shared");
        fp = fopen(path, "r");
        assert_non_null(fp);
        while (fgets(line, sizeof(line), fp)) {
                char *kind = strtok(line, "\t"), *value = strtok(NULL, "\t"),
                     *valid = strtok(NULL, "\t");
                if (kind && value && valid) {
                        fn(kind, value, valid);
                        n++;
                }
        }
        fclose(fp);
        return n;
}

static int test_nchecked;

static void test_check_vector(const char *kind, const char *value, const char *valid)
{
        if (strcmp(valid, "yes"))
                return;
        if (!strcmp(kind, "uscc") && strlen(value) == 18) {
                assert_int_equal(cp_gen_uscc_check(value), value[17]);
                assert_int_equal(cp_gen_orgcode_check(value + 8), value[16]);
                test_nchecked++;
        } else if (!strcmp(kind, "ric18") && strlen(value) == 18) {
                assert_int_equal(cp_gen_ric_check(value), value[17]);
                test_nchecked++;
        } else if (!strcmp(kind, "orgcode") && strlen(value) == 10) {
                assert_int_equal(cp_gen_orgcode_check(value), value[9]);
                test_nchecked++;
        }
}

static void test_check_chars_match_vectors(void **state)
{
        (void)state;
        test_nchecked = 0;
        assert_true(test_vectors(test_check_vector) > 100);
        assert_true(test_nchecked >= 50);
}

static void test_pilot_codes_fail_only_mod31(void **state)
{
        (void)state;
        for (int k = 0; k < CP_GEN_NPILOT; k++) {
                const char *c = cp_gen_pilot_codes[k];
                assert_int_not_equal(cp_gen_uscc_check(c), c[17]);
                assert_int_equal(cp_gen_orgcode_check(c + 8), c[16]);
        }
}

static bool test_uscc_ok(const char *c)
{
        if (strlen(c) != 18)
                return false;
        for (int i = 0; i < 18; i++)
                if (!strchr(cp_gen_uscc_chars, c[i]) || !c[i])
                        return false;
        return cp_gen_uscc_check(c) == c[17] && cp_gen_orgcode_check(c + 8) == c[16];
}

static void test_built_codes_are_valid_and_distinct(void **state)
{
        enum { N = 20000 };
        char (*bodies)[9] = calloc(2 * N, 9);

        (void)state;
        assert_non_null(bodies);
        for (uint64_t v = 0; v < N; v++) {
                char uscc[20];
                cp_gen_orgbody(bodies[v], v, NULL);
                cp_gen_orgbody(bodies[N + v], v, "MA");
                cp_gen_uscc_build(uscc, "91", "110105", bodies[v]);
                assert_true(test_uscc_ok(uscc));
                cp_gen_uscc_build(uscc, "91", "310115", bodies[N + v]);
                assert_true(test_uscc_ok(uscc));
        }
        qsort(bodies, 2 * N, 9, (int (*)(const void *, const void *))strcmp);
        for (int i = 1; i < 2 * N; i++)
                assert_string_not_equal(bodies[i - 1], bodies[i]);
        free(bodies);
}

static void test_bad_uscc_cannot_be_repaired(void **state)
{
        (void)state;
        for (uint64_t i = 0; i < 50000; i++) {
                char body[9], good[20], bad[24], fixed[24];
                uint64_t r = cp_gen_mix(i);
                int forbidden = 0;

                cp_gen_orgbody(body, i, i % 2 ? "MA" : NULL);
                cp_gen_uscc_build(good, "91", "440305", body);
                cp_gen_uscc_bad_letter(bad, good, r);
                for (int k = 0; k < 18; k++) {
                        static const char from[] = "OIZS", to[] = "0125";
                        const char *p = strchr(from, bad[k]);
                        forbidden += strchr("IOSVZ", bad[k]) != NULL;
                        fixed[k] = p ? to[p - from] : bad[k];
                }
                fixed[18] = '\0';
                assert_int_equal(forbidden, 1);
                assert_false(test_uscc_ok(fixed));

                cp_gen_uscc_bad_length(bad, good, r);
                assert_true(strlen(bad) == 17 || strlen(bad) == 19);
        }
}

static bool test_date_exists(const char *ric)
{
        int y, m, d, y2, m2, d2;

        if (sscanf(ric + 6, "%4d%2d%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1)
                return false;
        cp_gen_civil(cp_gen_days(y, m, d), &y2, &m2, &d2);
        return y == y2 && m == m2 && d == d2;
}

static void test_bad_ric(void **state)
{
        (void)state;
        for (uint64_t i = 0; i < 5000; i++) {
                char good[20], bad[20];
                uint64_t r = cp_gen_mix(i);

                /* Sequences 100, 200, ... included: their numbers end in "00?". */
                cp_gen_ric_build(good, "110105", 1960 + (int)(i % 40), 1 + (int)(i % 12),
                                 1 + (int)(i % 28), i % 3 ? 1 + (int)(i % 999) : 100 * (1 + (int)(i % 9)));
                assert_int_equal(cp_gen_ric_check(good), good[17]);
                assert_true(test_date_exists(good));
                cp_gen_ric_bad_check(bad, good, r);
                assert_memory_equal(bad, good, 17);
                assert_int_not_equal(cp_gen_ric_check(bad), bad[17]);
                assert_memory_not_equal(bad + 15, "000", 3);
                assert_false(test_uscc_ok(bad));
                cp_gen_ric_bad_date(bad, "110105", 1 + (int)(i % 999), r);
                assert_int_equal(cp_gen_ric_check(bad), bad[17]);
                assert_false(test_date_exists(bad));
                assert_false(test_uscc_ok(bad));
                assert_memory_not_equal(bad + 15, "000", 3);
        }
}

static void test_days_round_trip(void **state)
{
        (void)state;
        assert_int_equal(cp_gen_days(1970, 1, 1), 0);
        assert_int_equal(cp_gen_days(2019, 1, 1), CP_GEN_DAY0);
        for (int32_t n = -20000; n < 40000; n++) {
                int y, m, d;
                cp_gen_civil(n, &y, &m, &d);
                assert_int_equal(cp_gen_days(y, m, d), n);
        }
}

static void test_entries_are_pure_functions(void **state)
{
        static const double rpe[CP_GEN_CAT__COUNT] = {1.5, 1.6, 1.4};
        cp_gen_plan_t pl;
        cp_gen_entry_t a, b;

        (void)state;
        cp_gen_plan_init(&pl, 7, 10000, rpe);
        for (int cat = 0; cat < CP_GEN_CAT__COUNT; cat++) {
                for (uint64_t g = 0; g < pl.pl_n[cat]; g += 7) {
                        int cls = cp_gen_class_of(&pl, cat, g);
                        memset(&a, 0x55, sizeof(a));
                        memset(&b, 0xaa, sizeof(b));
                        cp_gen_entry_build(&pl, cat, g, cls, &a);
                        cp_gen_entry_build(&pl, cat, g, cls, &b);
                        assert_string_equal(a.en_subj.sj_name, b.en_subj.sj_name);
                        assert_string_equal(a.en_subj.sj_uscc, b.en_subj.sj_uscc);
                        assert_string_equal(a.en_subj.sj_pid, b.en_subj.sj_pid);
                        assert_string_equal(a.en_auth, b.en_auth);
                        assert_int_equal(a.en_date, b.en_date);
                        if (a.en_subj.sj_uscc[0] && !a.en_subj.sj_pilot)
                                assert_true(test_uscc_ok(a.en_subj.sj_uscc));
                        if (a.en_auth_uscc[0])
                                assert_true(test_uscc_ok(a.en_auth_uscc));
                }
        }
}

/* GB18030 output: converted text, 0xFF passed through, lines counted. */
static void test_out_gb18030(void **state)
{
        char path[] = "/tmp/test_gen_gbXXXXXX", buf[64];
        cp_gen_out_t out;
        size_t n;
        FILE *fp;
        int fd;

        (void)state;
        fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(cp_gen_out_open(&out, path), 0);
        cp_gen_out_write_raw(&out, "\x84\x31\x95\x33", 4);
        assert_int_equal(cp_gen_out_set_encoding(&out, "GB18030"), 0);
        cp_gen_out_write(&out, "名,a\xff" "b\r\n", 9);
        assert_int_equal(out.out_line, 2);
        assert_int_equal(cp_gen_out_close(&out), 0);
        fp = fopen(path, "rb");
        assert_non_null(fp);
        n = fread(buf, 1, sizeof(buf), fp);
        fclose(fp);
        unlink(path);
        assert_int_equal(n, 12);
        assert_memory_equal(buf, "\x84\x31\x95\x33\xc3\xfb,a\xff" "b\r\n", 12);
}

static char *test_xlsx_part(const char *path, const char *part)
{
        zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
        zip_stat_t st;
        zip_file_t *zf;
        char *b;

        assert_non_null(za);
        assert_int_equal(zip_stat(za, part, 0, &st), 0);
        b = calloc(1, (size_t)st.size + 1);
        zf = zip_fopen(za, part, 0);
        assert_non_null(zf);
        assert_int_equal(zip_fread(zf, b, st.size), (zip_int64_t)st.size);
        zip_fclose(zf);
        zip_close(za);
        return b;
}

static void test_xlsx_write(const char *path)
{
        static const cp_gen_col_t cols[3] = {
                {"名称", "subject_name", false}, {"日期", "list_date", true},
                {"备注", NULL, false},
        };
        const char *hdr[3] = {"名称", "日期", "备注"};
        const char *row[3] = {"A&B <公司>", "43832", ""};
        const char *row2[3] = {"C", "2020/1/2", "x"};
        cp_gen_xlsx_t xw;
        char err[256];

        assert_int_equal(cp_gen_xlsx_open(&xw, path, 3), 0);
        cp_gen_xlsx_title(&xw, "标题");
        cp_gen_xlsx_row(&xw, hdr, 3, NULL);
        assert_int_equal(xw.xw_row, 3);
        cp_gen_xlsx_row(&xw, row, 3, cols);
        cp_gen_xlsx_skip(&xw);
        cp_gen_xlsx_row(&xw, row2, 3, cols);
        assert_int_equal(cp_gen_xlsx_close(&xw, err, sizeof(err)), 0);
}

/* A workbook: title merged across, shared strings, serial dates styled,
 * the same bytes every time. */
static void test_xlsx(void **state)
{
        char p1[] = "/tmp/test_gen_x1XXXXXX", p2[] = "/tmp/test_gen_x2XXXXXX";
        char *sheet, *sst, *a, *b;
        FILE *fp;
        long n1, n2;

        (void)state;
        assert_int_equal(cp_gen_xlsx_serial(cp_gen_days(2020, 1, 2)), 43832);
        close(mkstemp(p1));
        close(mkstemp(p2));
        test_xlsx_write(p1);
        test_xlsx_write(p2);
        sheet = test_xlsx_part(p1, "xl/worksheets/sheet1.xml");
        sst = test_xlsx_part(p1, "xl/sharedStrings.xml");
        assert_non_null(strstr(sheet, "<mergeCell ref=\"A1:C1\"/>"));
        /* The empty trailing cell is left out, as Excel does. */
        assert_non_null(strstr(sheet, "<c r=\"B3\" s=\"2\"><v>43832</v></c></row>"));
        assert_non_null(strstr(sheet, "<row r=\"5\">"));
        assert_null(strstr(sheet, "<row r=\"4\">"));
        assert_non_null(strstr(sheet, "<c r=\"B5\" t=\"s\">"));
        assert_non_null(strstr(sst, "A&amp;B &lt;公司&gt;"));
        free(sheet);
        free(sst);
        a = malloc(1 << 16);
        b = malloc(1 << 16);
        fp = fopen(p1, "rb");
        n1 = (long)fread(a, 1, 1 << 16, fp);
        fclose(fp);
        fp = fopen(p2, "rb");
        n2 = (long)fread(b, 1, 1 << 16, fp);
        fclose(fp);
        assert_int_equal(n1, n2);
        assert_memory_equal(a, b, (size_t)n1);
        free(a);
        free(b);
        unlink(p1);
        unlink(p2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_check_chars_match_vectors),
                cmocka_unit_test(test_pilot_codes_fail_only_mod31),
                cmocka_unit_test(test_built_codes_are_valid_and_distinct),
                cmocka_unit_test(test_bad_uscc_cannot_be_repaired),
                cmocka_unit_test(test_bad_ric),
                cmocka_unit_test(test_days_round_trip),
                cmocka_unit_test(test_entries_are_pure_functions),
                cmocka_unit_test(test_out_gb18030),
                cmocka_unit_test(test_xlsx),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
