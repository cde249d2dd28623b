/*
 * Identifier normalisation and validation (transform/ids.h).
 *
 * DESIGN: the shared vectors (shared/testdata/vectors.tsv) are the
 * contract: every identifier row is checked, mismatches are all printed
 * (line number and masked value) before the test fails, and the test
 * fails when the file is missing or yields fewer rows than it should, so
 * a moved file cannot turn the suite green by checking nothing. The
 * targeted tests below pin what the vectors leave open: reasons,
 * findings, normalisation details, dispatch and masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "transform/ids.h"

/* Rows of kind uscc, orgcode, regno15, ric18, ric15, ric_masked in the
 * file when this test was written: 103 + 7. Fewer means rows were lost. */
#define CP_MIN_VECTORS 100

static void check(const char *raw, cp_id_type_t want, cp_id_result_t *res)
{
        cp_id_check(raw, strlen(raw), want, res);
}

static bool has_finding(const cp_id_result_t *res, const char *code,
                        cp_severity_t sev)
{
        for (int i = 0; i < res->nfindings; i++)
                if (!strcmp(res->findings[i].code, code) &&
                    res->findings[i].severity == sev)
                        return true;
        return false;
}

/* ---- vectors.tsv ---- */

typedef struct vec_stats_s {
        int checked;       /* identifier rows checked */
        int failures;
        int per_kind[6];   /* uscc, orgcode, regno15, ric18, ric15, ric_masked */
} vec_stats_t;

static void vec_fail(vec_stats_t *st, int line, const char *value,
                     const char *what, const cp_id_result_t *res)
{
        char masked[128];

        /* Masked even here: ric rows are synthetic, but the habit is the
         * rule (nothing personal in logs). */
        cp_id_mask(value, masked, sizeof(masked));
        print_error("vectors.tsv:%d %s: %s (type=%s valid=%d usable=%d reason=%s)\n",
                    line, masked, what, res ? cp_id_type_name(res->type) : "-",
                    res ? res->valid : -1, res ? res->usable : -1,
                    res && res->reason ? res->reason : "-");
        st->failures++;
}

/* Invariants every result must keep, whatever the value. */
static void vec_invariants(vec_stats_t *st, int line, const char *value,
                           const cp_id_result_t *res)
{
        if (res->valid && (res->reason || !res->usable))
                vec_fail(st, line, value, "valid with a reason or unusable", res);
        if (!res->valid && !res->reason)
                vec_fail(st, line, value, "invalid without a reason", res);
        if (res->usable != (res->normalized[0] != '\0'))
                vec_fail(st, line, value, "normalized empty iff unusable broken", res);
        if (res->nfindings < 0 || res->nfindings > CP_ID_MAX_FINDINGS)
                vec_fail(st, line, value, "nfindings out of range", res);
}

/* A valid row must also be recognised by shape, to the same result. The
 * two legacy RICs that happen to pass MOD 11,10 may come back as
 * registration numbers, but then flagged as ambiguous. */
static void vec_auto(vec_stats_t *st, int line, const char *value,
                     const cp_id_result_t *want_res)
{
        cp_id_result_t res;

        check(value, CP_ID_UNKNOWN, &res);
        if (want_res->type == CP_ID_RIC && res.type == CP_ID_REG_NO &&
            res.valid && has_finding(&res, "regno_may_be_ric15", CP_SEV_WARNING))
                return;
        if (!res.valid || res.type != want_res->type ||
            strcmp(res.normalized, want_res->normalized))
                vec_fail(st, line, value, "auto dispatch disagrees", &res);
}

static void vec_row(vec_stats_t *st, int line, const char *kind,
                    const char *value, const char *valid, const char *notes)
{
        static const struct {
                const char *kind;
                cp_id_type_t want;
        } kinds[] = {
                {"uscc", CP_ID_USCC},     {"orgcode", CP_ID_ORG_CODE},
                {"regno15", CP_ID_REG_NO}, {"ric18", CP_ID_RIC},
                {"ric15", CP_ID_RIC},     {"ric_masked", CP_ID_RIC},
        };
        bool yes = !strcmp(valid, "yes") || !strcmp(valid, "yes*");
        cp_id_result_t res;
        size_t k;

        for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
                if (!strcmp(kind, kinds[k].kind))
                        break;
        if (k == sizeof(kinds) / sizeof(kinds[0]))
                return;                   /* date, amount: not ours */
        st->checked++;
        st->per_kind[k]++;

        if (!strcmp(kind, "ric_masked")) {
                const char *vs = strstr(value, " vs ");

                if (vs) {
                        char a[64];
                        bool want = !strncmp(notes, "COMPATIBLE", 10);

                        if (!want && strncmp(notes, "INCOMPATIBLE", 12)) {
                                vec_fail(st, line, value, "pair row without verdict", NULL);
                                return;
                        }
                        snprintf(a, sizeof(a), "%.*s", (int)(vs - value), value);
                        if (cp_ric_compatible(a, vs + 4) != want ||
                            cp_ric_compatible(vs + 4, a) != want)
                                vec_fail(st, line, value, "compatibility wrong", NULL);
                        return;
                }
                check(value, CP_ID_RIC, &res);
                vec_invariants(st, line, value, &res);
                if (!res.valid || res.type != CP_ID_RIC_MASKED)
                        vec_fail(st, line, value, "masked RIC not accepted", &res);
                vec_auto(st, line, value, &res);
                return;
        }

        check(value, kinds[k].want, &res);
        vec_invariants(st, line, value, &res);
        if (!yes) {
                if (res.valid)
                        vec_fail(st, line, value, "accepted, expected invalid", &res);
                return;
        }
        if (!res.valid || res.type != kinds[k].want) {
                vec_fail(st, line, value, "rejected, expected valid", &res);
                return;
        }
        if (!strcmp(kind, "ric15")) {
                const char *conv = strstr(notes, "converts to ");
                char want18[19];

                if (!conv || sscanf(conv + 12, "%18s", want18) != 1) {
                        vec_fail(st, line, value, "ric15 row without 'converts to'", &res);
                        return;
                }
                if (strcmp(res.normalized, want18) ||
                    !has_finding(&res, "ric15_converted", CP_SEV_INFO))
                        vec_fail(st, line, value, "wrong 15->18 conversion", &res);
        } else if (!strcmp(kind, "orgcode")) {
                char m[10];

                snprintf(m, sizeof(m), "%.8s%s", value, value + 9);
                if (strcmp(res.normalized, m))
                        vec_fail(st, line, value, "org code not in machine form", &res);
        } else if (strlen(res.normalized) != (!strcmp(kind, "regno15") ? 15u : 18u)) {
                vec_fail(st, line, value, "normalized has the wrong length", &res);
        }
        vec_auto(st, line, value, &res);
}

static void test_vectors_tsv(void **state)
{
        const char *dir = getenv("CP_SHARED_DIR");
        char path[4096], *buf = NULL;
        size_t cap = 0;
        vec_stats_t st = {0};
        int line = 0;
        FILE *f;

        (void)state;
        if (!dir || !*dir)
                fail_msg("CP_SHARED_DIR is not set: cannot find testdata/vectors.tsv");
        snprintf(path, sizeof(path), "%s/testdata/vectors.tsv", dir);
        f = fopen(path, "r");
        if (!f)
                fail_msg("cannot open %s", path);
        while (getline(&buf, &cap, f) > 0) {
                char *col[4], *p = buf;
                int n = 0;

                line++;
                buf[strcspn(buf, "\r\n")] = '\0';
                if (line == 1 && !strncmp(buf, "kind\t", 5))
                        continue;
                if (!*buf)
                        continue;
                while (n < 4) {
                        col[n++] = p;
                        p = strchr(p, '\t');
                        if (!p)
                                break;
                        *p++ = '\0';
                }
                if (n < 3) {
                        print_error("vectors.tsv:%d: fewer than 3 columns\n", line);
                        st.failures++;
                        continue;
                }
                vec_row(&st, line, col[0], col[1], col[2], n > 3 ? col[3] : "");
        }
        free(buf);
        fclose(f);
        print_message("vectors.tsv: %d identifier rows checked (uscc %d, orgcode %d, "
                      "regno15 %d, ric18 %d, ric15 %d, ric_masked %d), %d failures\n",
                      st.checked, st.per_kind[0], st.per_kind[1], st.per_kind[2],
                      st.per_kind[3], st.per_kind[4], st.per_kind[5], st.failures);
        assert_int_equal(st.failures, 0);
        assert_true(st.checked >= CP_MIN_VECTORS);
        /* Every kind present: a renamed kind must not vanish silently. */
        for (int k = 0; k < 6; k++)
                assert_true(st.per_kind[k] > 0);
}

/* ---- USCC ---- */

static void test_pilot_codes(void **state)
{
        static const char *const pilots[] = {
                "91350211M0000XUF46", "91350100M0001TGQXM",
                "91350203M0001FUE2P", "91350211M00013FA1N",
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(pilots) / sizeof(pilots[0]); i++) {
                check(pilots[i], CP_ID_USCC, &res);
                assert_int_equal(res.type, CP_ID_USCC);
                assert_false(res.valid);
                assert_true(res.usable);
                assert_string_equal(res.reason, "uscc_check_failed");
                assert_string_equal(res.normalized, pilots[i]);
                assert_true(has_finding(&res, "uscc_check_failed", CP_SEV_WARNING));
                assert_true(has_finding(&res, "probable_pilot_code", CP_SEV_INFO));
                assert_false(has_finding(&res, "orgcode_check_failed", CP_SEV_WARNING));
        }
        /* A check failure outside Fujian's M0 segment is no pilot code. */
        check("91440300708461136A", CP_ID_USCC, &res);
        assert_true(res.usable);
        assert_string_equal(res.reason, "uscc_check_failed");
        assert_false(has_finding(&res, "probable_pilot_code", CP_SEV_INFO));
}

static void test_check_zero_edge(void **state)
{
        cp_id_result_t res;

        (void)state;
        check("91310104MA7077K200", CP_ID_USCC, &res);
        assert_true(res.valid);
        assert_true(res.usable);
        assert_null(res.reason);
        assert_int_equal(res.nfindings, 0);
        assert_string_equal(res.normalized, "91310104MA7077K200");
}

static void test_uscc_reasons(void **state)
{
        static const struct {
                const char *raw;
                bool valid, usable;
                const char *reason;   /* NULL: valid */
                const char *finding;  /* one finding expected, or NULL */
        } cases[] = {
                {"91440300192203825J", false, true, "orgcode_check_failed", NULL},
                {"94440300192203821W", false, true, "category_unknown", NULL},
                {"914A0300192203821Y", false, false, "uscc_bad_region", NULL},
                {"91110108MA01I7RH2R", false, false, "uscc_bad_charset", NULL},
                {"91350100M000100Y4Z", false, false, "uscc_bad_charset", NULL},
                {"91350100M000100Y4O", false, false, "uscc_bad_charset", NULL},
                {"91440300192203821", false, false, "uscc_bad_length", NULL},
                {"9144030019220382166", false, false, "uscc_bad_length", NULL},
                {"110101198503121239", false, false, "uscc_looks_like_ric", NULL},
                {"330100400015575", false, false, "uscc_looks_like_reg_no", NULL},
                {"19220382-1", false, false, "uscc_looks_like_org_code", NULL},
                /* Masked person IDs, 18 and 15 chars. */
                {"110101********1239", false, false, "uscc_looks_like_ric", NULL},
                {"110105******002", false, false, "uscc_looks_like_ric", NULL},
                /* A legacy RIC: MOD 11,10 fails and it has a date. */
                {"420106650704268", false, false, "uscc_looks_like_ric", NULL},
                /* Both checks fail: orgcode reported first. */
                {"91110108MA01FQ8B0B", false, true, "orgcode_check_failed",
                 "uscc_check_failed"},
                /* Extended-table pairs 9-9, G-1: unconfirmed, still valid. */
                {"99440300192203821D", true, true, NULL, "category_unconfirmed"},
                {"G1440300192203821Y", true, true, NULL, "category_unconfirmed"},
                /* Unknown province 99, and 81 (not a registration region). */
                {"91990300192203821C", true, true, NULL, "region_unknown"},
                {"91810300192203821L", true, true, NULL, "region_unknown"},
                /* National registration 10xxxx is known. */
                {"12100000425006133D", true, true, NULL, NULL},
                /* Digit-only USCC whose middle reads as a date (1985-03-12):
                 * its checks pass, so it is no mis-filed person ID. */
                {"911101198503120008", true, true, NULL, NULL},
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                check(cases[i].raw, CP_ID_USCC, &res);
                if (res.valid != cases[i].valid || res.usable != cases[i].usable)
                        print_error("case %zu (%s): valid=%d usable=%d reason=%s\n", i,
                                    cases[i].raw, res.valid, res.usable,
                                    res.reason ? res.reason : "-");
                assert_int_equal(res.type, CP_ID_USCC);
                assert_int_equal(res.valid, cases[i].valid);
                assert_int_equal(res.usable, cases[i].usable);
                if (cases[i].reason)
                        assert_string_equal(res.reason, cases[i].reason);
                else
                        assert_null(res.reason);
                if (cases[i].finding) {
                        bool found = false;

                        for (int j = 0; j < res.nfindings; j++)
                                found |= !strcmp(res.findings[j].code, cases[i].finding);
                        assert_true(found);
                }
                if (res.usable)
                        assert_int_equal(strlen(res.normalized), 18);
                else
                        assert_string_equal(res.normalized, "");
        }
}

static void test_repair_confusable(void **state)
{
        cp_id_result_t res;

        (void)state;
        /* O and S typed for 0 and 5, lower-case too: repaired, both checks
         * pass afterwards. */
        check("9144O3OO1922O382I6", CP_ID_USCC, &res);
        assert_true(res.valid);
        assert_true(res.usable);
        assert_string_equal(res.normalized, "914403001922038216");
        assert_true(has_finding(&res, "repaired_confusable", CP_SEV_WARNING));
        check("91330106673959654p", CP_ID_USCC, &res);
        assert_false(has_finding(&res, "repaired_confusable", CP_SEV_WARNING));
        check("9i3300s0600037341l", CP_ID_USCC, &res);   /* checks fail after repair */
        assert_false(res.usable);
        assert_string_equal(res.reason, "uscc_bad_charset");
        /* V is forbidden too but has no digit twin: never repaired. */
        check("9144030019220382V6", CP_ID_USCC, &res);
        assert_string_equal(res.reason, "uscc_bad_charset");
}

/* ---- department/category table (§1.5) ---- */

static const char cp_uscc_syms[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* The status of all 31 × 31 pairs under the active table. */
static void category_snapshot(cp_id_category_t snap[31][31], int counts[3])
{
        memset(counts, 0, 3 * sizeof(int));
        for (int d = 0; d < 31; d++)
                for (int c = 0; c < 31; c++) {
                        snap[d][c] = cp_id_category(cp_uscc_syms[d], cp_uscc_syms[c]);
                        counts[snap[d][c]]++;
                }
}

static const char *source_path(char *buf, size_t size, const char *rel)
{
        const char *dir = getenv("CP_SOURCE_DIR");

        if (!dir || !*dir)
                fail_msg("CP_SOURCE_DIR is not set: cannot find %s", rel);
        snprintf(buf, size, "%s/%s", dir, rel);
        return buf;
}

/* The shipped data file and the built-in table must not drift apart:
 * loading the file changes nothing. */
static void test_categories_shipped(void **state)
{
        static cp_id_category_t builtin[31][31], loaded[31][31];
        char path[4096], err[512] = "";
        int nb[3], nl[3];

        (void)state;
        cp_id_default_categories();
        category_snapshot(builtin, nb);
        /* §1.5.1 has 36 core pairs, §1.5.2 13 extended ones. */
        assert_int_equal(nb[CP_ID_CATEGORY_CORE], 36);
        assert_int_equal(nb[CP_ID_CATEGORY_EXTENDED], 13);
        source_path(path, sizeof(path), "data/uscc_categories.tsv");
        if (cp_id_load_categories(path, err, sizeof(err)) != 0)
                fail_msg("%s", err);
        category_snapshot(loaded, nl);
        cp_id_default_categories();
        for (int d = 0; d < 31; d++)
                for (int c = 0; c < 31; c++)
                        if (builtin[d][c] != loaded[d][c])
                                print_error("pair %c%c: built-in %d, data file %d\n",
                                            cp_uscc_syms[d], cp_uscc_syms[c],
                                            builtin[d][c], loaded[d][c]);
        assert_memory_equal(builtin, loaded, sizeof(builtin));
}

/* Teardown: a failed category test must not leave its table to the
 * tests after it. */
static int reset_categories(void **state)
{
        (void)state;
        cp_id_default_categories();
        return 0;
}

/* Writes text to a fresh temporary file; the caller unlinks it. */
static void temp_file(char *path, size_t size, const char *text)
{
        const char *dir = getenv("TMPDIR");
        int fd;
        FILE *f;

        snprintf(path, size, "%s/cp_categories_XXXXXX", dir && *dir ? dir : "/tmp");
        fd = mkstemp(path);
        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static void test_categories_load(void **state)
{
        static const struct {
                const char *text;
                const char *error;   /* expected after "path:" */
        } bad[] = {
                {"94\tcore\n", "1: expected 3 tab-separated columns"},
                {"# c\n\n94\tcore\tx\textra\n", "3: expected 3 tab-separated columns"},
                {"94 core description\n", "1: expected 3 tab-separated columns"},
                {"9I\tcore\tforbidden I\n", "1: pair '9I' is not two characters"},
                {"a1\tcore\tlower case\n", "1: pair 'a1' is not two characters"},
                {"941\tcore\tthree\n", "1: pair '941' is not two characters"},
                /* A file of person IDs by mistake: nothing of them quoted. */
                {"110101198503121239\tcore\tx\n",
                 "1: the pair column holds 18 bytes, not 2 characters of the USCC set"},
                {"91\t110101198503121239\tx\n",
                 "1: status of pair 91 is neither 'core' nor 'extended'"},
                {"\tcore\tempty\n", "1: pair '' is not two characters"},
                {"94\tCore\tcase\n", "1: status 'Core' of pair 94 is neither"},
                {"94\tcore\t \n", "1: pair 94 has no description"},
                {"91\tcore\ta\n92\tcore\tb\n91\textended\tc\n",
                 "3: pair 91 is listed twice (first on line 1)"},
                {"pair\tstatus\tdescription\n# nothing\n", " no department/category pairs"},
                {"", " no department/category pairs"},
                {"91\tcore\ta\npair\tstatus\tdescription\n",
                 "2: the pair column holds 4 bytes"},
        };
        char path[4096], err[512], want[4200];
        cp_id_result_t res;

        (void)state;
        cp_id_default_categories();
        check("94440300192203821W", CP_ID_USCC, &res);
        assert_string_equal(res.reason, "category_unknown");

        /* A table that confirms 9-4, drops 9-1 to extended and forgets
         * 9-2; header, comments, BOM and CRLF are all fine. */
        temp_file(path, sizeof(path),
                  "\xEF\xBB\xBF# local table\r\npair\tstatus\tdescription\r\n"
                  "94\tcore\tconfirmed later\r\n\r\n91\textended\t企业\n");
        assert_int_equal(cp_id_load_categories(path, err, sizeof(err)), 0);
        unlink(path);
        assert_int_equal(cp_id_category('9', '4'), CP_ID_CATEGORY_CORE);
        assert_int_equal(cp_id_category('9', '1'), CP_ID_CATEGORY_EXTENDED);
        assert_int_equal(cp_id_category('9', '2'), CP_ID_CATEGORY_UNKNOWN);
        assert_int_equal(cp_id_category('I', '1'), CP_ID_CATEGORY_UNKNOWN);
        check("94440300192203821W", CP_ID_USCC, &res);
        assert_true(res.valid);
        assert_int_equal(res.nfindings, 0);
        check("914403001922038216", CP_ID_USCC, &res);
        assert_true(res.valid);
        assert_true(has_finding(&res, "category_unconfirmed", CP_SEV_WARNING));

        /* Every malformed file fails with file and line, and leaves the
         * table that was active. */
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int rc;

                temp_file(path, sizeof(path), bad[i].text);
                err[0] = '\0';
                rc = cp_id_load_categories(path, err, sizeof(err));
                unlink(path);
                snprintf(want, sizeof(want), "%s:%s", path, bad[i].error);
                if (strncmp(err, want, strlen(want)))
                        print_error("case %zu: got \"%s\", want \"%s…\"\n", i, err, want);
                assert_int_equal(rc, CP_ERR_PARSE);
                assert_memory_equal(err, want, strlen(want));
                assert_int_equal(cp_id_category('9', '4'), CP_ID_CATEGORY_CORE);
        }
        /* A missing file is an I/O error, named; errstr may be absent. */
        assert_int_equal(cp_id_load_categories("/nonexistent/uscc.tsv", err, sizeof(err)),
                         CP_ERR_IO);
        assert_string_equal(err, "/nonexistent/uscc.tsv: cannot open: No such file or directory");
        assert_int_equal(cp_id_load_categories("/nonexistent/uscc.tsv", NULL, 0),
                         CP_ERR_IO);
        assert_int_equal(cp_id_category('9', '4'), CP_ID_CATEGORY_CORE);

        cp_id_default_categories();
        assert_int_equal(cp_id_category('9', '4'), CP_ID_CATEGORY_UNKNOWN);
        assert_int_equal(cp_id_category('9', '1'), CP_ID_CATEGORY_CORE);
        assert_int_equal(cp_id_category('G', '1'), CP_ID_CATEGORY_EXTENDED);
        assert_int_equal(cp_id_category('9', '\0'), CP_ID_CATEGORY_UNKNOWN);
}

/* ---- organisation code, registration number ---- */

static void test_org_code(void **state)
{
        static const struct {
                const char *raw;
                const char *reason;
        } cases[] = {
                {"19220382-1", NULL},
                {"19220382 1", NULL},
                {"26015919-x", NULL},
                {"MA1K3BTP-2", NULL},
                {"MA1K3BTP-9", "orgcode_check_failed"},   /* USCC letter values */
                {"19220382-5", "orgcode_check_failed"},
                {"PDY00001-X", "orgcode_reserved"},
                {"PDY99999-1", "orgcode_reserved"},
                {"1922038-1", "orgcode_bad_length"},
                {"192203821A", "orgcode_bad_length"},
                {"1922#382-1", "orgcode_bad_charset"},
                {"19220382-A", "orgcode_bad_charset"},
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                check(cases[i].raw, CP_ID_ORG_CODE, &res);
                assert_int_equal(res.type, CP_ID_ORG_CODE);
                if (!cases[i].reason) {
                        assert_true(res.valid);
                        assert_int_equal(strlen(res.normalized), 9);
                        continue;
                }
                assert_false(res.valid);
                assert_false(res.usable);   /* no pilot-era excuse */
                assert_string_equal(res.reason, cases[i].reason);
                assert_true(has_finding(&res, cases[i].reason, CP_SEV_ERROR));
        }
}

static void test_reg_no(void **state)
{
        cp_id_result_t res;

        (void)state;
        check("110108012660422", CP_ID_REG_NO, &res);
        assert_true(res.valid);
        assert_string_equal(res.normalized, "110108012660422");
        check("440300000025945", CP_ID_REG_NO, &res);
        assert_false(res.usable);
        assert_string_equal(res.reason, "regno_check_failed");
        check("11010801266042", CP_ID_REG_NO, &res);
        assert_string_equal(res.reason, "regno_bad_length");
        check("11010801266042A", CP_ID_REG_NO, &res);
        assert_string_equal(res.reason, "regno_bad_charset");
}

/* ---- resident identity numbers ---- */

static void test_ric(void **state)
{
        static const struct {
                const char *raw;
                const char *reason;
                const char *normalized;
        } cases[] = {
                {"11010519491231002x", NULL, "11010519491231002X"},
                {"440524188001010014", NULL, "440524188001010014"},   /* 1880-01-01 */
                {"110105491231002", NULL, "11010519491231002X"},
                {"110101198503121230", "ric_check_failed", NULL},
                {"110101199002301236", "ric_bad_date", NULL},
                {"110101190002291233", "ric_bad_date", NULL},
                {"990426199112010074", "ric_bad_region", NULL},
                {"710101198503121234", "ric_bad_region", NULL},   /* 71: never issued */
                {"11010119850312123", "ric_bad_length", NULL},
                {"1101011985031212AX", "ric_bad_charset", NULL},
                {"110105491331002", "ric_bad_date", NULL},
                {"11010549123100A", "ric_bad_charset", NULL},
                /* Year 0000 is no calendar date; 1879 was no leap year. */
                {"110105000003121231", "ric_bad_date", NULL},
                {"110105187902291237", "ric_bad_date", NULL},
                /* Excel zeroed the last digits: check fails, ends 000. */
                {"440301199001011000", "excel_precision_loss", NULL},
                {"4.40301E+17", "excel_precision_loss", NULL},
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                check(cases[i].raw, CP_ID_RIC, &res);
                if (!cases[i].reason) {
                        assert_true(res.valid);
                        assert_int_equal(res.type, CP_ID_RIC);
                        assert_string_equal(res.normalized, cases[i].normalized);
                        continue;
                }
                assert_false(res.valid);
                assert_false(res.usable);
                assert_string_equal(res.reason, cases[i].reason);
        }
        /* Born before 1880: §2.3 makes that a warning, not a reject. */
        check("110105185003121235", CP_ID_RIC, &res);
        assert_true(res.valid);
        assert_true(has_finding(&res, "ric_birth_date_implausible", CP_SEV_WARNING));
        check("1101051850******35", CP_ID_RIC, &res);
        assert_true(res.valid);
        assert_int_equal(res.type, CP_ID_RIC_MASKED);
        assert_true(has_finding(&res, "ric_birth_date_implausible", CP_SEV_WARNING));
        check("110105188001011239", CP_ID_RIC, &res);
        assert_true(res.valid);
        assert_int_equal(res.nfindings, 0);
        /* CP_ID_RIC_MASKED as want behaves as CP_ID_RIC. */
        check("11010519491231002X", CP_ID_RIC_MASKED, &res);
        assert_true(res.valid);
        assert_int_equal(res.type, CP_ID_RIC);
}

static void test_ric_masked(void **state)
{
        static const struct {
                const char *raw;
                const char *reason;
                const char *normalized;
        } cases[] = {
                {"3423011964****3224", NULL, "3423011964****3224"},
                {"110101xxxxxxxx1234", NULL, "110101********1234"},
                {"110101XXXXXXXX123x", NULL, "110101********123X"},
                {"110101XXXXXXXXXXXX", NULL, "110101************"},
                {"110101********123x", NULL, "110101********123X"},
                {"110101＊＊＊＊＊＊＊＊1234", NULL, "110101********1234"},
                {"110101××××××××1234", NULL, "110101********1234"},
                {"110101●●●●●●●●1234", NULL, "110101********1234"},
                {"1****************4", NULL, "1****************4"},
                {"110105******002", NULL, "110105******002"},
                {"1101**********12345", "ric_masked_bad_length", NULL},
                {"1101****1234", "ric_masked_bad_length", NULL},
                {"9901**********1234", "ric_bad_region", NULL},
                {"110101198513****34", "ric_bad_date", NULL},
                {"1101010000******34", "ric_bad_date", NULL},
                {"1101**********12A4", "ric_bad_charset", NULL},
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                for (int auto_ = 0; auto_ < 2; auto_++) {
                        check(cases[i].raw, auto_ ? CP_ID_UNKNOWN : CP_ID_RIC, &res);
                        assert_int_equal(res.type, CP_ID_RIC_MASKED);
                        if (!cases[i].reason) {
                                assert_true(res.valid);
                                assert_true(res.usable);
                                assert_string_equal(res.normalized, cases[i].normalized);
                        } else {
                                assert_false(res.usable);
                                assert_string_equal(res.reason, cases[i].reason);
                        }
                }
        }
}

static void test_ric_compatible(void **state)
{
        (void)state;
        assert_true(cp_ric_compatible("3423011964****3224", "342301********3224"));
        assert_false(cp_ric_compatible("3423011964****3224", "3423011965****3224"));
        /* Full against masked, either order, x and × folded. */
        assert_true(cp_ric_compatible("11010519491231002x", "110105××××××××002X"));
        assert_true(cp_ric_compatible("110105********002X", "11010519491231002X"));
        assert_false(cp_ric_compatible("110105********003X", "11010519491231002X"));
        /* 15 against 18: 15-digit 7-12 are 18-digit 9-14, 13-15 are 15-17. */
        assert_true(cp_ric_compatible("110105491231002", "11010519491231002X"));
        assert_true(cp_ric_compatible("110105491231002", "11010520491231002X"));
        assert_false(cp_ric_compatible("110105491231003", "11010519491231002X"));
        assert_false(cp_ric_compatible("110105491230002", "11010519491231002X"));
        assert_true(cp_ric_compatible("110105******002", "1101051949****0021"));
        /* Not RIC shapes. */
        assert_false(cp_ric_compatible("914403001922038216", "914403001922038216"));
        assert_false(cp_ric_compatible("1101**", "1101**"));
        assert_false(cp_ric_compatible(NULL, "11010519491231002X"));
        assert_false(cp_ric_compatible("", ""));
}

/* ---- normalisation ---- */

static void test_normalize(void **state)
{
        static const struct {
                const char *raw;
                const char *out;
        } cases[] = {
                {"９１４４０３００１９２２０３８２１６", "914403001922038216"},
                {"'914403001922038216", "914403001922038216"},
                {"`914403001922038216", "914403001922038216"},
                {"9144 0300 1922 0382 16", "914403001922038216"},
                {"\t 914403001922038216 \r\n", "914403001922038216"},
                {"91330106673959654p", "91330106673959654P"},
                {"=\"914403001922038216\"", "914403001922038216"},
                {"“914403001922038216”", "914403001922038216"},
                {"\xEF\xBB\xBF" "914403001922038216", "914403001922038216"},
                {"9144\xE2\x80\x8B" "0300\xE2\x80\x8C" "1922\xE2\x80\x8D" "038216\xE2\x81\xA0",
                 "914403001922038216"},
                {"9144\xE3\x80\x80" "0300\xC2\xA0" "1922\xE2\x80\x83" "038216",
                 "914403001922038216"},
                {"19220382－1", "192203821"},
                {"19220382—1", "192203821"},
                {"19220382‐1", "192203821"},
                {"19220382_1", "192203821"},
                {"1922/0382.1", "192203821"},
                {"9.14403E+17", "9.14403E+17"},
                {"9.14403e+17", "9.14403E+17"},
                {"９.１４４０３Ｅ＋１７", "9.14403E+17"},
                {"12.345.678", "12345678"},
                {"110101＊＊＊＊＊＊＊＊1234", "110101********1234"},
                {"110101××××××××1234", "110101********1234"},
                {"无", "无"},
                {"N/A", "NA"},
                {"\xFF" "1", "\xEF\xBF\xBD" "1"},   /* invalid UTF-8 -> U+FFFD */
        };
        char out[64];
        size_t n;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                n = cp_id_normalize(cases[i].raw, strlen(cases[i].raw), out, sizeof(out));
                assert_string_equal(out, cases[i].out);
                assert_int_equal(n, strlen(cases[i].out));
        }

        /* len bounds the read: no NUL needed, nothing past it read. */
        n = cp_id_normalize("914403001922038216ABC", 18, out, sizeof(out));
        assert_int_equal(n, 18);
        assert_string_equal(out, "914403001922038216");
        /* A character cut by len is malformed, not read beyond. */
        n = cp_id_normalize("1\xEF\xBC\x91", 3, out, sizeof(out));
        assert_string_equal(out, "1\xEF\xBF\xBD\xEF\xBF\xBD");
        /* Output bound: never a split character, always a NUL. */
        n = cp_id_normalize("无无无", strlen("无无无"), out, 5);
        assert_int_equal(n, 3);
        assert_string_equal(out, "无");
        n = cp_id_normalize("12345", 5, out, 3);
        assert_int_equal(n, 2);
        assert_string_equal(out, "12");
        n = cp_id_normalize("12345", 5, out, 1);
        assert_int_equal(n, 0);
        assert_string_equal(out, "");
        assert_int_equal(cp_id_normalize("12345", 5, out, 0), 0);
        assert_int_equal(cp_id_normalize(NULL, 5, out, sizeof(out)), 0);
}

static void test_normalized_check(void **state)
{
        static const char *const raws[] = {
                "９１４４０３００１９２２０３８２１６",
                "'914403001922038216",
                "9144 0300 1922 0382 16",
                "=\"914403001922038216\"",
                "\xE2\x80\x8B" "914403001922038216\xEF\xBB\xBF",
                "9144-0300-1922-0382-16",
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
                for (int want = CP_ID_UNKNOWN; want <= CP_ID_USCC; want++) {
                        check(raws[i], (cp_id_type_t)want, &res);
                        assert_true(res.valid);
                        assert_int_equal(res.type, CP_ID_USCC);
                        assert_string_equal(res.normalized, "914403001922038216");
                }
        }
}

static void test_excel(void **state)
{
        static const char *const damaged[] = {
                "9.14403E+17", "9.14403e+17", "4.40301E+17", "9E+17",
                "914403001922038000",   /* digits 16-18 zeroed, checks fail */
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
                for (int want = CP_ID_UNKNOWN; want <= CP_ID_USCC; want++) {
                        check(damaged[i], (cp_id_type_t)want, &res);
                        assert_false(res.valid);
                        assert_false(res.usable);
                        assert_string_equal(res.reason, "excel_precision_loss");
                        assert_string_equal(res.normalized, "");
                }
        }
        /* Sci notation is damage whatever the column; Java prints no '+'. */
        check("3.301E+14", CP_ID_REG_NO, &res);
        assert_string_equal(res.reason, "excel_precision_loss");
        check("9.14403001922038E17", CP_ID_USCC, &res);
        assert_string_equal(res.reason, "excel_precision_loss");
        /* Identifiers containing E between digits are no numbers (found by
         * test_ids_props: both were rejected as Excel damage). */
        check("53E528422", CP_ID_ORG_CODE, &res);
        assert_true(res.valid);
        check("53E528422", CP_ID_UNKNOWN, &res);
        assert_true(res.valid);
        assert_int_equal(res.type, CP_ID_ORG_CODE);
        check("91440300123413E158", CP_ID_USCC, &res);
        assert_true(res.valid);
        check("91440300123413E158", CP_ID_UNKNOWN, &res);
        assert_true(res.valid);
        check("12E+345", CP_ID_UNKNOWN, &res);
        assert_string_equal(res.reason, "unknown_shape");
        /* Ending in 000 is fine when the checks pass. */
        check("440301199001011007", CP_ID_RIC, &res);
        assert_true(res.valid);
}

static void test_placeholder(void **state)
{
        static const char *const nulls[] = {
                "", "  ", "-", "--", "—", "——", "/", "\\", "无", "暂无", "空",
                "null", "NULL", "None", "N/A", "NA", "#N/A", "0", "其他",
                "00000000000000000X", "000000000", "00000000-0",
                "111111111111111111", "******************", "'-", "=\"\"",
        };
        static const cp_id_type_t wants[] = {
                CP_ID_UNKNOWN, CP_ID_USCC, CP_ID_ORG_CODE, CP_ID_REG_NO, CP_ID_RIC,
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
                for (size_t w = 0; w < sizeof(wants) / sizeof(wants[0]); w++) {
                        check(nulls[i], wants[w], &res);
                        assert_false(res.valid);
                        assert_false(res.usable);
                        assert_string_equal(res.reason, "placeholder");
                        assert_string_equal(res.normalized, "");
                        assert_true(has_finding(&res, "placeholder", CP_SEV_INFO));
                }
        cp_id_check(NULL, 0, CP_ID_USCC, &res);
        assert_string_equal(res.reason, "placeholder");
        /* 0 means null, but not a value that merely contains zeros. */
        check("10", CP_ID_UNKNOWN, &res);
        assert_string_equal(res.reason, "unknown_shape");
}

/* ---- dispatch ---- */

static void test_auto_dispatch(void **state)
{
        static const struct {
                const char *raw;
                cp_id_type_t type;
                bool valid;
                const char *reason;
        } cases[] = {
                {"914403001922038216", CP_ID_USCC, true, NULL},
                {"91350211M0000XUF46", CP_ID_USCC, false, "uscc_check_failed"},
                {"110101198503121239", CP_ID_RIC, true, NULL},
                {"110101198503121230", CP_ID_RIC, false, "ric_check_failed"},
                /* Broken person IDs stay person IDs, not usable USCCs. */
                {"110101199002301236", CP_ID_RIC, false, "ric_bad_date"},
                /* ...even when the digits pass the USCC checks by chance
                 * (both seen in generated feeds: June 31, month 13). */
                {"110102196306319585", CP_ID_RIC, false, "ric_bad_date"},
                {"310107198213055304", CP_ID_RIC, false, "ric_bad_date"},
                /* A valid digit-only USCC with a date-like middle. */
                {"911101198503120008", CP_ID_USCC, true, NULL},
                {"440301199001011000", CP_ID_RIC, false, "excel_precision_loss"},
                {"330100400015575", CP_ID_REG_NO, true, NULL},
                {"440300000025945", CP_ID_REG_NO, false, "regno_check_failed"},
                {"420106650704268", CP_ID_RIC, true, NULL},
                {"19220382-1", CP_ID_ORG_CODE, true, NULL},
                {"19220382-5", CP_ID_ORG_CODE, false, "orgcode_check_failed"},
                {"3423011964****3224", CP_ID_RIC_MASKED, true, NULL},
                {"91440300192203821", CP_ID_UNKNOWN, false, "unknown_shape"},
                {"ABC", CP_ID_UNKNOWN, false, "unknown_shape"},
        };
        cp_id_result_t res;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                check(cases[i].raw, CP_ID_UNKNOWN, &res);
                assert_int_equal(res.type, cases[i].type);
                assert_int_equal(res.valid, cases[i].valid);
                if (cases[i].reason)
                        assert_string_equal(res.reason, cases[i].reason);
                else
                        assert_null(res.reason);
        }
        /* The specimen passes MOD 11,10 by chance: a registration number,
         * flagged as possibly a legacy person ID. */
        check("110105491231002", CP_ID_UNKNOWN, &res);
        assert_int_equal(res.type, CP_ID_REG_NO);
        assert_true(res.valid);
        assert_true(has_finding(&res, "regno_may_be_ric15", CP_SEV_WARNING));
        /* Asked for a RIC, it is one. */
        check("110105491231002", CP_ID_RIC, &res);
        assert_int_equal(res.type, CP_ID_RIC);
        assert_string_equal(res.normalized, "11010519491231002X");
}

/* ---- masking, names ---- */

static void test_mask(void **state)
{
        static const struct {
                const char *in;
                const char *out;
        } cases[] = {
                {"110101198503121239", "110101********1239"},
                {"11010519491231002X", "110105********002X"},
                {"110105491231002", "110105*****1002"},
                {"91350211M0000XUF46", "913502********UF46"},
                {"12345", "*****"},
                {"11010519850312", "**************"},
                {"", ""},
                {"１１０１０１１９８５０３１２１２３９", "１１０１０１********１２３９"},
                {"110101\n98503121\"3\\", "110101********1?3?"},
        };
        char out[128];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cp_id_mask(cases[i].in, out, sizeof(out));
                assert_string_equal(out, cases[i].out);
        }
        cp_id_mask(NULL, out, sizeof(out));
        assert_string_equal(out, "");
        cp_id_mask("110101198503121239", out, 8);
        assert_string_equal(out, "110101*");
        cp_id_mask("１１０１０１１９８５０３１２１２３９", out, 8);
        assert_string_equal(out, "１１");   /* no split character */
        out[0] = 'x';
        cp_id_mask("110101198503121239", out, 0);
        assert_int_equal(out[0], 'x');
}

static void test_type_names(void **state)
{
        (void)state;
        assert_string_equal(cp_id_type_name(CP_ID_USCC), "uscc");
        assert_string_equal(cp_id_type_name(CP_ID_ORG_CODE), "org_code");
        assert_string_equal(cp_id_type_name(CP_ID_REG_NO), "reg_no");
        assert_string_equal(cp_id_type_name(CP_ID_RIC), "ric");
        assert_string_equal(cp_id_type_name(CP_ID_RIC_MASKED), "ric_masked");
        assert_string_equal(cp_id_type_name(CP_ID_UNKNOWN), "unknown");
        assert_string_equal(cp_id_type_name((cp_id_type_t)99), "unknown");
        /* Severities travel as credpipe.v1.Severity numbers. */
        assert_int_equal(CP_SEV_INFO, 1);
        assert_int_equal(CP_SEV_WARNING, 2);
        assert_int_equal(CP_SEV_ERROR, 3);
}

/* ---- docs/identifiers.md ---- */

/* The text of the first `code span` of a table cell, into out. */
static bool doc_code_span(const char *cell, char *out, size_t size)
{
        const char *a = strchr(cell, '`'), *b = a ? strchr(a + 1, '`') : NULL;

        if (!b || (size_t)(b - a - 1) >= size)
                return false;
        memcpy(out, a + 1, (size_t)(b - a - 1));
        out[b - a - 1] = '\0';
        return true;
}

/* The finding-code table of docs/identifiers.md is executable: each row's
 * example, checked as the row's type, must yield the row's code with its
 * severity and verdict. The same rows go through `credpipe id` in
 * tests/stdnum/check_finding_codes.py. */
static void test_documented_codes(void **state)
{
        static const struct { const char *name; cp_id_type_t want; } types[] = {
                {"auto", CP_ID_UNKNOWN}, {"uscc", CP_ID_USCC}, {"org_code", CP_ID_ORG_CODE},
                {"reg_no", CP_ID_REG_NO}, {"ric", CP_ID_RIC},
        };
        static const char *const sev_names[] = {"", "INFO", "WARNING", "ERROR"};
        char path[4096], *buf = NULL;
        size_t cap = 0;
        int rows = 0, failures = 0, line = 0;
        FILE *f;

        (void)state;
        source_path(path, sizeof(path), "docs/identifiers.md");
        f = fopen(path, "r");
        if (!f)
                fail_msg("cannot open %s", path);
        while (getline(&buf, &cap, f) > 0) {
                char *cell[5], code[64], type[16], example[64], sev[16], verdict[16];
                char *p = buf + 1;
                bool found = false, want_valid, want_usable;
                cp_id_result_t res;
                size_t t;
                int n = 0;

                line++;
                if (strncmp(buf, "| `", 3))
                        continue;
                while (n < 5 && (cell[n] = p) && (p = strchr(p, '|'))) {
                        *p++ = '\0';
                        n++;
                }
                if (n < 5 || !doc_code_span(cell[0], code, sizeof(code)) ||
                    !doc_code_span(cell[1], type, sizeof(type)) ||
                    !doc_code_span(cell[4], example, sizeof(example)) ||
                    sscanf(cell[2], "%15s", sev) != 1 || sscanf(cell[3], "%15s", verdict) != 1)
                        fail_msg("identifiers.md:%d: malformed finding-code row", line);
                rows++;
                for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
                        if (!strcmp(type, types[t].name))
                                break;
                if (t == sizeof(types) / sizeof(types[0]))
                        fail_msg("identifiers.md:%d: unknown type %s", line, type);
                check(example, types[t].want, &res);
                want_valid = !strcmp(verdict, "valid");
                want_usable = want_valid || !strcmp(verdict, "usable");

                for (int i = 0; i < res.nfindings; i++)
                        found |= !strcmp(res.findings[i].code, code) &&
                                 res.findings[i].severity >= CP_SEV_INFO &&
                                 res.findings[i].severity <= CP_SEV_ERROR &&
                                 !strcmp(sev_names[res.findings[i].severity], sev);
                if (!found || res.valid != want_valid || res.usable != want_usable ||
                    (!want_usable && (!res.reason || strcmp(res.reason, code)))) {
                        char masked[128];

                        cp_id_mask(example, masked, sizeof(masked));
                        print_error("identifiers.md:%d: %s (%s) as %s: valid=%d usable=%d "
                                    "reason=%s, documented %s %s\n", line, code,
                                    types[t].want == CP_ID_RIC ? masked : example, type,
                                    res.valid, res.usable, res.reason ? res.reason : "-",
                                    sev, verdict);
                        failures++;
                }
        }
        free(buf);
        fclose(f);
        print_message("identifiers.md: %d finding-code rows, %d failures\n", rows, failures);
        assert_int_equal(failures, 0);
        /* 31 codes in 33 rows when written; fewer means rows were lost. */
        assert_true(rows >= 30);
}

/* Long and hostile input: bounded, no crash, sensible verdict. */
static void test_long_input(void **state)
{
        char big[4096];
        cp_id_result_t res;

        (void)state;
        memset(big, ' ', sizeof(big));
        memcpy(big + 2000, "914403001922038216", 18);
        cp_id_check(big, sizeof(big), CP_ID_USCC, &res);
        assert_true(res.valid);
        memset(big, '9', sizeof(big));
        cp_id_check(big, sizeof(big), CP_ID_UNKNOWN, &res);
        assert_false(res.usable);
        memset(big, 0xE6, sizeof(big));
        cp_id_check(big, sizeof(big), CP_ID_USCC, &res);
        assert_false(res.usable);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vectors_tsv),
                cmocka_unit_test(test_pilot_codes),
                cmocka_unit_test(test_check_zero_edge),
                cmocka_unit_test(test_uscc_reasons),
                cmocka_unit_test(test_repair_confusable),
                cmocka_unit_test_teardown(test_categories_shipped, reset_categories),
                cmocka_unit_test_teardown(test_categories_load, reset_categories),
                cmocka_unit_test(test_org_code),
                cmocka_unit_test(test_reg_no),
                cmocka_unit_test(test_ric),
                cmocka_unit_test(test_ric_masked),
                cmocka_unit_test(test_ric_compatible),
                cmocka_unit_test(test_normalize),
                cmocka_unit_test(test_normalized_check),
                cmocka_unit_test(test_excel),
                cmocka_unit_test(test_placeholder),
                cmocka_unit_test(test_auto_dispatch),
                cmocka_unit_test(test_mask),
                cmocka_unit_test(test_type_names),
                cmocka_unit_test(test_long_input),
                cmocka_unit_test(test_documented_codes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
