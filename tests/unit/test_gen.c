/*
 * Unit tests of the `credpipe gen` identifier arithmetic and entry model.
 *
 * DESIGN: the generator lives in the credpipe executable, not in a
 * library, so its sources are compiled into this test directly. The check
 * algorithms are tested against shared/testdata/vectors.tsv (real codes
 * and cross-checked synthetic ones), and the corruptions against the
 * promise that matters to the truth file: a bad value is rejected by any
 * correct validator and cannot be repaired into a good one. The truth is
 * tested against its own contract: the publication rules it transcribes
 * match data/publication_rules.tsv, flagged codes are what the daemon's
 * validator flags, and the counts obey the identities of docs/metrics.md
 * while every figure is exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "cli/gen_feed.c"
#include "cli/gen_ids.c"
#include "cli/gen_model.c"
#include "cli/gen_out.c"
#include "cli/gen_portal.c"
#include "cli/gen_sources.c"
#include "cli/gen_text.c"
#include "cli/gen_truth.c"
#include "cli/gen_view.c"
#include "cli/gen_xlsx.c"
#include "core/err.h"
#include "ingest/http_page.h"
#include "transform/ids.h"

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
                        if (a.en_subj.sj_uscc[0] && !a.en_subj.sj_flagged)
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


/* ---- the truth's contract ---------------------------------------------- */

/* Reads the shipped rules file into lines of whitespace-separated words. */
static int test_rules_lines(char lines[][16][64], int max)
{
        const char *dir = getenv("CP_SOURCE_DIR");
        char path[4096], buf[1024];
        FILE *fp;
        int n = 0;

        snprintf(path, sizeof(path), "%s/data/publication_rules.tsv", dir ? dir : ".");
        fp = fopen(path, "r");
        assert_non_null(fp);
        while (fgets(buf, sizeof(buf), fp) && n < max) {
                char *save = NULL, *w;
                int k = 0;

                if (strchr(buf, '#'))
                        *strchr(buf, '#') = '\0';
                memset(lines[n], 0, sizeof(lines[n]));
                for (w = strtok_r(buf, " \t\r\n", &save); w && k < 16;
                     w = strtok_r(NULL, " \t\r\n", &save))
                        snprintf(lines[n][k++], 64, "%s", w);
                if (k)
                        n++;
        }
        fclose(fp);
        return n;
}

static const char *const test_cat_names[CP_GEN_CAT__COUNT] = {
        "admin_penalty", "judgment_defaulter", "blacklist",
};

static int32_t test_rule_day(const char *s, int32_t open)
{
        int y, m, d;

        if (!strcmp(s, "-"))
                return open;
        assert_int_equal(sscanf(s, "%d-%d-%d", &y, &m, &d), 3);
        return cp_gen_days(y, m, d);
}

static bool test_regime_used(const char *regime)
{
        for (int c = 0; c < CP_GEN_CAT__COUNT; c++)
                for (int r = 0; cp_gen_regimes[c][r]; r++)
                        if (!strcmp(cp_gen_regimes[c][r], regime))
                                return true;
        return false;
}

/* The tier data/publication_rules.tsv gives a text of admin_penalty. */
static int test_tier_of(char lines[][16][64], int n, const char *text)
{
        static const char *const order[] = {"serious", "general", "minor"};
        static const int tiers[] = {CP_GEN_TIER_SERIOUS, CP_GEN_TIER_GENERAL, CP_GEN_TIER_MINOR};

        for (int o = 0; o < 3; o++)
                for (int i = 0; i < n; i++)
                        if (!strcmp(lines[i][0], "tier") && !strcmp(lines[i][1], "admin_penalty") &&
                            !strcmp(lines[i][2], order[o]) && strstr(text, lines[i][3]))
                                return tiers[o];
        return CP_GEN_TIER_GENERAL;
}

/* gen_view.c transcribes the rules, the tiers and the required fields of
 * the shipped rule set: they must not drift apart. */
static void test_rules_match_file(void **state)
{
        static char lines[256][16][64];
        int n = test_rules_lines(lines, 256), k = 0;
        cp_gen_plan_t pl;
        cp_gen_entry_t en;
        static const double rpe[CP_GEN_CAT__COUNT] = {1.5, 1.6, 1.4};

        (void)state;
        assert_true(n > 20);
        for (int i = 0; i < n; i++) {
                const cp_gen_rule_t *r;

                if (strcmp(lines[i][0], "rule") || !test_regime_used(lines[i][1]))
                        continue;
                assert_true(k < cp_gen_nrules);
                r = &cp_gen_rules[k++];
                assert_string_equal(r->ru_regime, lines[i][1]);
                assert_string_equal(test_cat_names[r->ru_cat], lines[i][2]);
                assert_string_equal(r->ru_tier == CP_GEN_TIER_ANY ? "any" :
                                    r->ru_tier == CP_GEN_TIER_MINOR ? "minor" :
                                    r->ru_tier == CP_GEN_TIER_GENERAL ? "general" : "serious",
                                    lines[i][3]);
                assert_int_equal(r->ru_from, test_rule_day(lines[i][4], INT32_MIN));
                assert_int_equal(r->ru_until, test_rule_day(lines[i][5], INT32_MAX));
                assert_string_equal(r->ru_clock == CP_GEN_CLOCK_DECISION ? "decision" :
                                    r->ru_clock == CP_GEN_CLOCK_PUBLISH ? "publish" : "list",
                                    lines[i][6]);
                assert_int_equal(r->ru_lag, atoi(lines[i][7]));
                assert_int_equal(r->ru_min, atoi(lines[i][8]));
                assert_int_equal(r->ru_max, atoi(lines[i][9]));
                assert_int_equal(r->ru_published, !strcmp(lines[i][10], "yes"));
        }
        assert_int_equal(k, cp_gen_nrules);

        for (int c = 0; c < CP_GEN_CAT__COUNT; c++) {
                bool found = false;

                for (int i = 0; i < n; i++) {
                        if (strcmp(lines[i][0], "required") || strcmp(lines[i][1], test_cat_names[c]))
                                continue;
                        found = true;
                        for (int f = 0; f < 8; f++) {
                                if (cp_gen_required[c][f] < 0) {
                                        assert_int_equal(lines[i][2 + f][0], '\0');
                                        break;
                                }
                                assert_string_equal(cp_gen_field_names[cp_gen_required[c][f]],
                                                    lines[i][2 + f]);
                        }
                }
                assert_true(found);
        }

        /* Each penalty type, and the content written for it, has its tier. */
        cp_gen_plan_init(&pl, 1, 2000, rpe);
        cp_gen_entry_build(&pl, CP_GEN_CAT_PENALTY, 10, CP_GEN_PEN_SECTORAL, &en);
        en.en_fine_yuan = 5000;
        for (int t = 0; t < cp_gen_npenalty_types; t++) {
                char content[256];

                assert_int_equal(test_tier_of(lines, n, cp_gen_penalty_types[t]),
                                 cp_gen_penalty_tiers[t]);
                cp_gen_content_text(&en, t, true, content, sizeof(content));
                assert_int_equal(test_tier_of(lines, n, content), cp_gen_penalty_tiers[t]);
        }
        /* The regime boundaries the date profiles use. */
        assert_int_equal(CP_GEN_D2023, cp_gen_days(2023, 5, 1));
        assert_int_equal(CP_GEN_D2026, cp_gen_days(2026, 4, 1));
        assert_int_equal(CP_GEN_R19_END, cp_gen_days(2023, 4, 30));
        assert_int_equal(CP_GEN_R23_END, cp_gen_days(2026, 3, 31));
}

static bool test_has_finding(const cp_id_result_t *res, const char *code, int severity)
{
        for (int i = 0; i < res->nfindings; i++)
                if (!strcmp(res->findings[i].code, code) && (int)res->findings[i].severity == severity)
                        return true;
        return false;
}

static bool test_has_warning(const cp_id_result_t *res)
{
        for (int i = 0; i < res->nfindings; i++)
                if (res->findings[i].severity >= CP_SEV_WARNING)
                        return true;
        return false;
}

/* A subject the truth counts as flagged is usable with a WARNING in the
 * daemon's validator; every other one is valid without. */
static void test_codes_as_the_validator_sees_them(void **state)
{
        static const double rpe[CP_GEN_CAT__COUNT] = {1.5, 1.6, 1.4};
        cp_gen_plan_t pl;
        cp_gen_subject_t sj;
        cp_id_result_t res;
        int nflagged = 0;

        (void)state;
        cp_gen_plan_init(&pl, 3, 20000, rpe);
        for (int k = 0; k < CP_GEN_NPILOT; k++) {
                cp_gen_pilot(&pl, k, &sj);
                cp_id_check(sj.sj_uscc, strlen(sj.sj_uscc), CP_ID_USCC, &res);
                assert_true(res.usable && sj.sj_flagged);
                assert_true(test_has_finding(&res, "uscc_check_failed", CP_SEV_WARNING));
        }
        /* every seventh company, and the last ones (the suspects) */
        for (uint64_t c = 0; c < pl.pl_company_slots;
             c = c + 7 < pl.pl_company_slots - CP_GEN_NSUSPECT ? c + 7 :
                 c < pl.pl_company_slots - CP_GEN_NSUSPECT ? pl.pl_company_slots - CP_GEN_NSUSPECT :
                 c + 1) {
                for (int group = 0; group < CP_GEN_G__COUNT; group++) {
                        cp_gen_company(&pl, group, c, &sj);
                        cp_id_check(sj.sj_uscc, strlen(sj.sj_uscc), CP_ID_USCC, &res);
                        assert_true(res.usable);
                        assert_int_equal(test_has_warning(&res), sj.sj_flagged);
                        if (sj.sj_flagged) {
                                assert_true(test_has_finding(&res, "orgcode_check_failed",
                                                             CP_SEV_WARNING));
                                nflagged++;
                        }
                }
        }
        assert_int_equal(nflagged, CP_GEN_NSUSPECT * CP_GEN_G__COUNT);
        for (uint64_t p = 0; p < pl.pl_persons; p += 5) {
                cp_gen_person(&pl, CP_GEN_G_ANY, p, CP_GEN_SUBJ_MASKED, &sj);
                cp_id_check(sj.sj_pid, strlen(sj.sj_pid), CP_ID_UNKNOWN, &res);
                assert_true(res.usable && !test_has_warning(&res));
                cp_gen_person(&pl, CP_GEN_G_SH, p, CP_GEN_SUBJ_PERSON, &sj);
                cp_id_check(sj.sj_pid, strlen(sj.sj_pid), CP_ID_UNKNOWN, &res);
                assert_true(res.valid && !test_has_warning(&res));
        }
}

static int test_strcmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* No two persons share a name, so no two share a subject key. */
static void test_person_names_distinct(void **state)
{
        char *pool = malloc((size_t)CP_GEN_NPERSON_NAMES * 16);
        char **names = malloc((size_t)CP_GEN_NPERSON_NAMES * sizeof(*names));

        (void)state;
        assert_non_null(pool);
        assert_non_null(names);
        for (uint64_t i = 0; i < CP_GEN_NPERSON_NAMES; i++) {
                names[i] = pool + i * 16;
                cp_gen_person_name_at(names[i], 16, i);
                assert_true(strlen(names[i]) >= 6);  /* surname + a character */
        }
        qsort(names, CP_GEN_NPERSON_NAMES, sizeof(*names), test_strcmp);
        for (uint64_t i = 1; i < CP_GEN_NPERSON_NAMES; i++)
                assert_string_not_equal(names[i - 1], names[i]);
        free(names);
        free(pool);
}

/* A view is a pure function of (seed, source, entry); a bad row's entry
 * is written plainly. */
static void test_views_are_pure_functions(void **state)
{
        static const double rpe[CP_GEN_CAT__COUNT] = {1.5, 1.6, 1.4};
        cp_gen_plan_t pl;
        cp_gen_entry_t en;
        cp_gen_view_t a, b;

        (void)state;
        cp_gen_plan_init(&pl, 11, 5000, rpe);
        for (int s = 0; s < cp_gen_nsources; s++) {
                int cat = cp_gen_sources[s].src_cat;

                for (uint64_t g = 0; g < pl.pl_n[cat] + 20; g += 3) {
                        cp_gen_entry_build(&pl, cat, g, cp_gen_class_of(&pl, cat, g), &en);
                        memset(&a, 0x55, sizeof(a));
                        memset(&b, 0xaa, sizeof(b));
                        cp_gen_view_make(&pl, s, &en, &a);
                        cp_gen_view_make(&pl, s, &en, &b);
                        assert_memory_equal(&a, &b, sizeof(a));
                        if (g >= pl.pl_n[cat]) {
                                assert_int_equal(a.vw_blank, 0);
                                assert_int_equal(a.vw_diff, 0);
                                assert_int_equal(en.en_flags, 0);
                        }
                        /* blanks never take a key part away, except as the
                         * entry's flags say */
                        if (!(en.en_flags & CP_GEN_EN_WEAK))
                                assert_false(a.vw_variant & CP_GEN_VAR_WEAK);
                }
        }
}

/* Writes the feeds of (rows, seed) into a temporary directory and counts
 * the truth, as cp_cmd_gen does. */
static void test_truth_run(cp_gen_truth_t *tr, cp_gen_plan_t *pl, uint64_t rows, uint64_t seed,
                           char *dir)
{
        double rpe[CP_GEN_CAT__COUNT];
        char feeds[256], err[512];

        assert_non_null(mkdtemp(dir));
        snprintf(feeds, sizeof(feeds), "%s/feeds", dir);
        assert_int_equal(mkdir(feeds, 0777), 0);
        cp_gen_rows_per_entry(rpe);
        cp_gen_plan_init(pl, seed, rows, rpe);
        assert_int_equal(cp_gen_truth_open(tr, dir, err, sizeof(err)), 0);
        for (int s = 0; s < cp_gen_nsources; s++)
                assert_int_equal(cp_gen_feed_write(pl, s, dir, tr, err, sizeof(err)), 0);
        assert_int_equal(cp_gen_truth_count(tr, pl, err, sizeof(err)), 0);
}

static void test_truth_cleanup(cp_gen_truth_t *tr, const char *dir)
{
        char cmd[512];

        cp_gen_truth_close(tr);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

static uint64_t test_sum(const uint64_t *v, int n)
{
        uint64_t s = 0;

        for (int i = 0; i < n; i++)
                s += v[i];
        return s;
}

/* The identities of docs/metrics.md, the feeds agreeing with the model
 * (good rows = keys + repeats), and pairs that make sense. */
static void test_truth_identities_at(uint64_t rows, uint64_t seed)
{
        char dir[] = "/tmp/test_gen_truthXXXXXX";
        cp_gen_truth_t tr;
        cp_gen_plan_t pl;
        uint64_t produced = 0, central_keys = 0, later = 0;
        int n = cp_gen_nsources;

        test_truth_run(&tr, &pl, rows, seed, dir);
        for (int s = 0; s < n; s++) {
                const cp_gen_stats_t *st = &tr.tr_src[s];
                uint64_t active = st->st_class[CP_GEN_KC_ACTIVE];

                assert_int_equal(st->st_read - st->st_rejects,
                                 st->st_unique + st->st_dups + st->st_later);
                assert_true(st->st_later_keys <= st->st_later);
                assert_true(st->st_later_removals <= st->st_later_keys);
                assert_true(st->st_later_removals <= st->st_removals);
                assert_int_equal(st->st_rejects, test_sum(st->st_bad, CP_GEN_BAD__COUNT));
                assert_true(st->st_produced <= st->st_unique);
                assert_true(st->st_removals <= st->st_produced);
                assert_int_equal(st->st_id_present,
                                 st->st_id_valid + st->st_id_flagged + st->st_id_invalid);
                assert_true(st->st_subjects <= st->st_unique);
                assert_int_equal(st->st_lag_count, test_sum(st->st_lag_bucket, CP_GEN_LAG_BUCKETS));
                for (int k = 0; k < CP_GEN_CMP__COUNT; k++)
                        assert_true(st->st_differs[k] <= st->st_compared[k]);
                assert_true(st->st_discrepant <= st->st_shared);
                if (cp_gen_sources[s].src_central) {
                        assert_int_equal(test_sum(st->st_class, CP_GEN_KC__COUNT), 0);
                        assert_int_equal(st->st_shared + st->st_fuzzy, 0);
                        assert_int_equal(st->st_cmpl_keys, st->st_unique);
                        assert_int_equal(st->st_removals, 0);
                        central_keys += st->st_unique;
                } else {
                        assert_int_equal(st->st_unique, test_sum(st->st_class, CP_GEN_KC__COUNT));
                        assert_int_equal(active, st->st_shared + st->st_fuzzy +
                                         test_sum(st->st_unmatched, CP_GEN_NM__COUNT));
                        /* keys a later record withdrew keep their first
                         * view's figures (docs/metrics.md) */
                        assert_int_equal(st->st_cmpl_keys, active + st->st_later_keys);
                        assert_true(st->st_shared <= st->st_lag_count + st->st_lag_unknown);
                        assert_true(st->st_lag_count + st->st_lag_unknown <=
                                    st->st_shared + st->st_later_keys);
                        assert_int_equal(st->st_central_unreported, 0);
                }
                for (int f = 0; f < CP_GEN_F__COUNT; f++)
                        assert_true(st->st_present[f] <= st->st_cmpl_keys);
                produced += st->st_produced;
                later += st->st_later_removals;
                for (int t = 0; t < n; t++) {
                        uint64_t o = tr.tr_overlap[s * n + t];

                        assert_int_equal(o, tr.tr_overlap[t * n + s]);
                        assert_true(o <= st->st_unique && o <= tr.tr_src[t].st_unique);
                        assert_true(tr.tr_missing[s * n + t] <= st->st_subjects);
                        if (cp_gen_sources[s].src_cat != cp_gen_sources[t].src_cat)
                                assert_int_equal(o + tr.tr_missing[s * n + t], 0);
                }
        }
        assert_int_equal(produced, tr.tr_produced);
        assert_int_equal(central_keys, tr.tr_central_keys);
        assert_int_equal(later, tr.tr_nlater);  /* one position per REMOVAL */
        test_truth_cleanup(&tr, dir);
}

static void test_truth_identities(void **state)
{
        (void)state;
        test_truth_identities_at(2000, 1);
        test_truth_identities_at(50, 2);
        test_truth_identities_at(777, 99);
}

/* At --rows 2000 --seed 1 the world exercises every figure: each class,
 * reason, compared field, lag bucket and identifier verdict occurs
 * somewhere. (list_date and case_number are compared but never differ:
 * they are part of the keys of the categories that have them.) */
static void test_truth_exercises_every_figure(void **state)
{
        char dir[] = "/tmp/test_gen_truthXXXXXX";
        cp_gen_truth_t tr;
        cp_gen_plan_t pl;
        cp_gen_stats_t all;

        (void)state;
        memset(&all, 0, sizeof(all));
        test_truth_run(&tr, &pl, 2000, 1, dir);
        for (int s = 0; s < cp_gen_nsources; s++) {
                const cp_gen_stats_t *st = &tr.tr_src[s];

                for (int k = 0; k < CP_GEN_KC__COUNT; k++)
                        all.st_class[k] += st->st_class[k];
                for (int k = 0; k < CP_GEN_NM__COUNT; k++)
                        all.st_unmatched[k] += st->st_unmatched[k];
                for (int k = 0; k < CP_GEN_CMP__COUNT; k++) {
                        all.st_compared[k] += st->st_compared[k];
                        all.st_differs[k] += st->st_differs[k];
                }
                for (int b = 0; b < CP_GEN_LAG_BUCKETS; b++)
                        all.st_lag_bucket[b] += st->st_lag_bucket[b];
                all.st_lag_unknown += st->st_lag_unknown;
                all.st_fuzzy += st->st_fuzzy;
                all.st_removals += st->st_removals;
                all.st_central_unreported += st->st_central_unreported;
                all.st_discrepant += st->st_discrepant;
                all.st_id_flagged += st->st_id_flagged;
                all.st_id_invalid += st->st_id_invalid;
                /* every source leaves some required field out somewhere */
                if (!cp_gen_sources[s].src_central || s == cp_gen_central_source(CP_GEN_CAT_PENALTY)) {
                        uint64_t missing = 0;
                        for (int i = 0; cp_gen_required[cp_gen_sources[s].src_cat][i] >= 0; i++)
                                missing += st->st_cmpl_keys -
                                           st->st_present[cp_gen_required[cp_gen_sources[s].src_cat][i]];
                        assert_true(missing > 0);
                }
        }
        for (int k = 0; k < CP_GEN_KC__COUNT; k++)
                assert_true(all.st_class[k] > 0);
        for (int k = 0; k < CP_GEN_NM__COUNT; k++)
                assert_true(all.st_unmatched[k] > 0);
        for (int k = 0; k < CP_GEN_CMP__COUNT; k++) {
                assert_true(all.st_compared[k] > 0);
                if (k != CP_GEN_CMP_LIST_DATE && k != CP_GEN_CMP_CASE_NUMBER)
                        assert_true(all.st_differs[k] > 0);
        }
        for (int b = 0; b < CP_GEN_LAG_BUCKETS; b++)
                assert_true(all.st_lag_bucket[b] > 0);
        assert_true(all.st_lag_unknown > 0 && all.st_fuzzy > 0 && all.st_removals > 0);
        assert_true(all.st_central_unreported > 0 && all.st_discrepant > 0);
        assert_true(all.st_id_flagged > 0 && all.st_id_invalid > 0);
        test_truth_cleanup(&tr, dir);
}

/*
 * Entries withdrawn by a later record: at --rows 2000 and 20000, whatever
 * the seed, each fate occurs in each category with a status column (the
 * source produced the key: a REMOVAL; central did, alone or with another
 * non-central source that holds it too; a first view not active), and no
 * flagged key's producer depends on which non-central source is read
 * first.
 */
static void test_withdrawn_later_kinds(void **state)
{
        static const uint64_t rows[] = {2000, 20000};
        double rpe[CP_GEN_CAT__COUNT];
        cp_gen_plan_t pl;
        cp_gen_entry_t en;
        cp_gen_view_t vw, vt;

        (void)state;
        cp_gen_rows_per_entry(rpe);
        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
                for (uint64_t seed = 1; seed <= 5; seed++) {
                        int seen[CP_GEN_MAXSRC][4];

                        memset(seen, 0, sizeof(seen));
                        cp_gen_plan_init(&pl, seed, rows[r], rpe);
                        for (int s = 0; s < cp_gen_nsources; s++) {
                                const cp_gen_source_t *src = &cp_gen_sources[s];
                                int cat = src->src_cat;

                                for (uint64_t g = 0; g < pl.pl_n[cat]; g++) {
                                        int cls = cp_gen_class_of(&pl, cat, g), holders = 0, fate;

                                        if (!cp_gen_source_holds(&pl, src, g, cls))
                                                continue;
                                        cp_gen_entry_build(&pl, cat, g, cls, &en);
                                        if (!cp_gen_view_writes_later(&pl, s, &en))
                                                continue;
                                        assert_false(en.en_flags & CP_GEN_EN_WITHDRAWN);
                                        cp_gen_view_make(&pl, s, &en, &vw);
                                        assert_false(vw.vw_withdrawn);
                                        for (int t = 0; t < cp_gen_nsources; t++) {
                                                if (t == s || cp_gen_sources[t].src_cat != cat ||
                                                    !cp_gen_source_holds(&pl, &cp_gen_sources[t], g, cls))
                                                        continue;
                                                cp_gen_view_make(&pl, t, &en, &vt);
                                                /* a non-central source sharing the key:
                                                 * central must hold it too */
                                                if (!cp_gen_sources[t].src_central &&
                                                    vt.vw_variant == vw.vw_variant) {
                                                        holders++;
                                                        assert_true(cp_gen_central_has(&pl, cat, g, cls));
                                                }
                                        }
                                        fate = cp_gen_view_later_fate(&pl, s, &en, &vw);
                                        seen[s][fate == CP_GEN_LATER_REMOVAL ? 0 :
                                                fate == CP_GEN_LATER_DUP ? 3 : holders ? 2 : 1]++;
                                }
                                if (src->src_central || !(pl.pl_has[s] & CP_GEN_FB(CP_GEN_F_STATUS)))
                                        continue;
                                assert_true(seen[s][0] > 0);
                                assert_true(seen[s][1] > 0);
                                assert_true(seen[s][3] > 0);
                                if (cat == CP_GEN_CAT_PENALTY)
                                        assert_true(seen[s][2] > 0);
                        }
                }
}

/* Reads a whole file (NUL-terminated). */
static char *test_slurp(const char *path, size_t *len)
{
        FILE *fp = fopen(path, "rb");
        char *buf;
        long n;

        assert_non_null(fp);
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        n = ftell(fp);
        rewind(fp);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
        buf[n] = '\0';
        fclose(fp);
        *len = (size_t)n;
        return buf;
}

/* The portal: its pages, read as credpipe reads them (http_page.c at the
 * configured record path, then each element), hold the feed's non-blank
 * lines in order, objects byte for byte and the others as strings; cursor
 * pages name the next page's token and the last none; truth-portal.json
 * names, for every reject of a portal source, the page and element that
 * hold that feed line, and differs from truth.json in nothing else. */
static void test_portal_pages(void **state)
{
        char dir[] = "/tmp/test_gen_portalXXXXXX", err[512], path[512];
        cp_gen_truth_t tr;
        cp_gen_plan_t pl;
        json_t *truth, *ptruth, *index;
        size_t i;

        (void)state;
        test_truth_run(&tr, &pl, 3000, 7, dir);
        assert_int_equal(cp_gen_truth_write(&tr, dir, err, sizeof(err)), 0);
        assert_int_equal(cp_gen_portal_write(dir, err, sizeof(err)), 0);
        snprintf(path, sizeof(path), "%s/truth.json", dir);
        truth = json_load_file(path, 0, NULL);
        snprintf(path, sizeof(path), "%s/truth-portal.json", dir);
        ptruth = json_load_file(path, 0, NULL);
        snprintf(path, sizeof(path), "%s/portal/index.json", dir);
        index = json_load_file(path, 0, NULL);
        assert_non_null(truth);
        assert_non_null(ptruth);
        assert_non_null(index);
        assert_int_equal(json_array_size(json_object_get(index, "portals")), CP_GEN_NPORTALS);

        for (int k = 0; k < CP_GEN_NPORTALS; k++) {
                const cp_gen_portal_t *pt = &cp_gen_portals[k];
                json_t *ix = json_array_get(json_object_get(index, "portals"), (size_t)k);
                int pages = (int)json_integer_value(json_object_get(ix, "pages"));
                char *feed, *line, *save = NULL;
                size_t flen, lno = 0;
                int page = 1;
                size_t elem = 0;
                cp_http_page_t pg = { 0 };
                char *buf = NULL;
                size_t blen;
                const cp_gen_source_t *src = NULL;

                for (int s = 0; s < cp_gen_nsources; s++)
                        if (!strcmp(cp_gen_sources[s].src_id, pt->pt_source))
                                src = &cp_gen_sources[s];
                assert_non_null(src);
                snprintf(path, sizeof(path), "%s/feeds/%s", dir, src->src_file);
                feed = test_slurp(path, &flen);
                /* Line by line (strtok_r would merge blank lines). */
                for (line = feed; line < feed + flen; line = save + 1) {
                        size_t len;

                        save = strchr(line, '\n');
                        assert_non_null(save);
                        len = (size_t)(save - line);
                        lno++;
                        if (!len)
                                continue;
                        while (!buf || elem == pg.hp_nrec) {
                                if (buf) {
                                        cp_http_page_free(&pg);
                                        free(buf);
                                        page++;
                                }
                                snprintf(path, sizeof(path), "%s/portal/%s/page-%d.json", dir,
                                         pt->pt_source, page);
                                buf = test_slurp(path, &blen);
                                assert_int_equal(cp_http_page_parse(&pg, buf, blen,
                                                                    pt->pt_records), CP_OK);
                                assert_null(pg.hp_error);
                                assert_true(pg.hp_nrec > 0);
                                assert_true(pg.hp_nrec <= (size_t)pt->pt_page_size);
                                elem = 0;
                        }
                        {
                                const char *e = buf + pg.hp_span[elem][0];
                                size_t elen = pg.hp_span[elem][1] - pg.hp_span[elem][0];

                                if (*e == '{') {
                                        assert_int_equal(elen, len);
                                        assert_memory_equal(e, line, len);
                                } else {
                                        json_t *j = json_loadb(e, elen, JSON_DECODE_ANY, NULL);

                                        assert_true(json_is_string(j));
                                        assert_int_equal(json_string_length(j), len);
                                        assert_memory_equal(json_string_value(j), line, len);
                                        json_decref(j);
                                }
                        }
                        elem++;
                        /* A reject of this line: at this page and element. */
                        {
                                json_t *r, *pr;
                                size_t ri;
                                char want[160];

                                snprintf(want, sizeof(want), "portal/%s/page-%d.json",
                                         pt->pt_source, page);
                                json_array_foreach(json_object_get(truth, "rejects"), ri, r) {
                                        if (strcmp(json_string_value(json_object_get(r, "source")),
                                                   pt->pt_source) ||
                                            (size_t)json_integer_value(json_object_get(r, "line")) != lno)
                                                continue;
                                        pr = json_array_get(json_object_get(ptruth, "rejects"), ri);
                                        assert_string_equal(json_string_value(json_object_get(pr, "file")),
                                                            want);
                                        assert_int_equal(json_integer_value(json_object_get(pr, "line")),
                                                         elem);
                                        assert_string_equal(
                                                json_string_value(json_object_get(pr, "reason")),
                                                *buf && buf[pg.hp_span[elem - 1][0]] == '{' ?
                                                json_string_value(json_object_get(r, "reason")) :
                                                "http_not_object");
                                }
                        }
                }
                cp_http_page_free(&pg);
                free(buf);
                free(feed);
                /* Paging by number: one empty page follows the last. */
                assert_int_equal(pages, pt->pt_cursor ? page : page + 1);
                if (pt->pt_cursor) {
                        json_t *cur = json_object_get(ix, "cursors");

                        assert_int_equal(json_array_size(cur), (size_t)pages);
                        for (int n = 1; n <= pages; n++) {
                                char *next = NULL;

                                snprintf(path, sizeof(path), "%s/portal/%s/page-%d.json", dir,
                                         pt->pt_source, n);
                                buf = test_slurp(path, &blen);
                                assert_int_equal(cp_http_page_parse(&pg, buf, blen,
                                                                    pt->pt_records), CP_OK);
                                if (n < pages) {
                                        assert_int_equal(cp_http_page_scalar(&pg, pt->pt_next,
                                                                             &next), 1);
                                        assert_string_equal(next, json_string_value(
                                                json_array_get(cur, (size_t)n)));
                                        assert_non_null(strpbrk(next, "+/= "));
                                } else {
                                        assert_int_equal(cp_http_page_scalar(&pg, pt->pt_next,
                                                                             &next), 0);
                                }
                                free(next);
                                cp_http_page_free(&pg);
                                free(buf);
                        }
                }
        }
        /* Nothing else differs; the reasons' counts follow the rejects. */
        assert_int_equal(json_array_size(json_object_get(truth, "rejects")),
                         json_array_size(json_object_get(ptruth, "rejects")));
        {
                json_t *a, *b;

                json_array_foreach(json_object_get(truth, "sources"), i, a) {
                        b = json_array_get(json_object_get(ptruth, "sources"), i);
                        if (!cp_gen_portal_of(json_string_value(json_object_get(a, "source"))))
                                assert_true(json_equal(a, b));
                        assert_int_equal(json_integer_value(json_object_get(a, "rejects")),
                                         json_integer_value(json_object_get(b, "rejects")));
                }
                assert_true(json_equal(json_object_get(truth, "totals"),
                                       json_object_get(ptruth, "totals")));
                assert_true(json_equal(json_object_get(truth, "pairs"),
                                       json_object_get(ptruth, "pairs")));
        }
        json_decref(truth);
        json_decref(ptruth);
        json_decref(index);
        test_truth_cleanup(&tr, dir);
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
                cmocka_unit_test(test_rules_match_file),
                cmocka_unit_test(test_codes_as_the_validator_sees_them),
                cmocka_unit_test(test_person_names_distinct),
                cmocka_unit_test(test_views_are_pure_functions),
                cmocka_unit_test(test_truth_identities),
                cmocka_unit_test(test_truth_exercises_every_figure),
                cmocka_unit_test(test_withdrawn_later_kinds),
                cmocka_unit_test(test_portal_pages),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
