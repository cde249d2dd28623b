/*
 * Property tests of the identifier checks (transform/ids.h): what each
 * check-character system detects, what it provably cannot, and that
 * normalisation is idempotent.
 *
 * DESIGN: thousands of valid identifiers are generated from a fixed seed
 * (CP_PROPS_SEED=<number> picks another; the seed is printed so that a
 * failure can be replayed), with their check characters computed here,
 * independently of transform/. Every single-character substitution and
 * every swap of two different neighbouring characters is then checked.
 * Where the arithmetic of a check system leaves an error class
 * undetectable, the test predicts exactly that class from the closed-form
 * rule stated next to it, asserts that its members pass and all other
 * mutants fail, and asserts the class was met at least once: a test that
 * only said "most mutants fail" would not notice one more class slipping
 * through, and one that never met the class would prove nothing about it.
 *
 * Summary of the mathematics (the per-test comments give the arguments):
 *   USCC (mod 31 at pos 18)    all substitutions, all adjacent swaps caught
 *   RIC (ISO 7064 MOD 11-2)    all substitutions, all adjacent swaps caught
 *   org code (GB 11714 mod 11) misses substitutions by a character of
 *                              equal value mod 11, swaps of neighbours of
 *                              equal value mod 11, and the swap 1X <-> X1
 *                              of positions 8-9
 *   reg. no. (MOD 11,10)       all substitutions caught; misses the swap of
 *                              neighbours x, x+1 (mod 10) when the running
 *                              state p before them has (p + x) mod 10 = 5
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "transform/ids.h"

/* Valid identifiers per family; each yields several hundred mutants. */
#define CP_PROPS_N 3000
/* Dirty strings for the normalisation properties. */
#define CP_PROPS_DIRTY 20000

static uint64_t g_seed = 0x5eed0c0de1d5ULL;
static uint64_t g_rng;

/* splitmix64: tiny, good enough, and the same on every platform. */
static uint64_t rnd(void)
{
        uint64_t z = (g_rng += 0x9E3779B97F4A7C15ULL);

        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
}

static unsigned rnd_below(unsigned n)
{
        return (unsigned)(rnd() % n);
}

static int setup_seed(void **state)
{
        const char *env = getenv("CP_PROPS_SEED");

        (void)state;
        if (env && *env)
                g_seed = strtoull(env, NULL, 0);
        print_message("seed %#llx (set CP_PROPS_SEED to replay another)\n",
                      (unsigned long long)g_seed);
        return 0;
}

/* Each test starts from the seed, so any one can be replayed alone. */
static void reseed(uint64_t salt)
{
        g_rng = g_seed ^ salt;
}

static void check(const char *s, size_t n, cp_id_type_t want, cp_id_result_t *res)
{
        cp_id_check(s, n, want, res);
}

static bool has_finding(const cp_id_result_t *res, const char *code)
{
        for (int i = 0; i < res->nfindings; i++)
                if (!strcmp(res->findings[i].code, code))
                        return true;
        return false;
}

/* ---- independent check-character arithmetic ---- */

static const char uscc_sym[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";   /* §1.3 */
static const char org_sym[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

static int uscc_val(char c)
{
        const char *p = strchr(uscc_sym, c);

        return c && p ? (int)(p - uscc_sym) : -1;
}

/* GB 11714 value of a body character: full alphabet, A=10 … Z=35 (§1.7.1). */
static int org_val(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

static char org_check(const char *body)
{
        static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
        int s = 0, c;

        for (int i = 0; i < 8; i++)
                s += org_val(body[i]) * w[i];
        c = 11 - s % 11;
        return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

static char uscc_check(const char *s17)
{
        int s = 0, w = 1;

        for (int i = 0; i < 17; i++, w = w * 3 % 31)
                s += uscc_val(s17[i]) * w;
        return uscc_sym[(31 - s % 31) % 31];
}

static char ric_check(const char *s17)
{
        static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        int s = 0;

        for (int i = 0; i < 17; i++)
                s += (s17[i] - '0') * w[i];
        return "10X98765432"[s % 11];
}

/* One step of ISO 7064 MOD 11,10 (§1.8): state p in 1..10. */
static int regno_step(int p, int d)
{
        int s = (p + d) % 10;

        return (s == 0 ? 10 : s) * 2 % 11;
}

static char regno_check(const char *s14)
{
        int p = 10;

        for (int i = 0; i < 14; i++)
                p = regno_step(p, s14[i] - '0');
        return (char)('0' + (11 - p) % 10);
}

/* §3.8 as cp_id_check applies it to these shapes: one repeated character,
 * or (8 chars and more) zeros and one last character. */
static bool is_placeholder(const char *s, size_t n)
{
        size_t i;

        for (i = 1; i < n && s[i] == s[0]; i++)
                ;
        if (i == n)
                return true;
        for (i = 0; i + 1 < n && s[i] == '0'; i++)
                ;
        return n >= 8 && i == n - 1;
}

static void rnd_digits(char *out, int n)
{
        for (int i = 0; i < n; i++)
                out[i] = (char)('0' + rnd_below(10));
}

/* A GB/T 2260 province prefix (§1.6), the way real codes start. */
static void rnd_province(char *out)
{
        static const char *const prov[] = {
                "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33",
                "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50",
                "51", "52", "53", "54", "61", "62", "63", "64", "65",
        };

        memcpy(out, prov[rnd_below(sizeof(prov) / sizeof(prov[0]))], 2);
}

/* ---- USCC ---- */

typedef struct pairs_s {
        char p[31 * 31][2];
        int n;
} pairs_t;

static void core_pairs(pairs_t *cp)
{
        cp_id_default_categories();
        cp->n = 0;
        for (int d = 0; d < 31; d++)
                for (int c = 0; c < 31; c++)
                        if (cp_id_category(uscc_sym[d], uscc_sym[c]) == CP_ID_CATEGORY_CORE) {
                                cp->p[cp->n][0] = uscc_sym[d];
                                cp->p[cp->n][1] = uscc_sym[c];
                                cp->n++;
                        }
}

/* A valid USCC: core pair, province (or 10, national) + 4 digits, 8 body
 * symbols, GB 11714 check, mod-31 check. tail, when set, forces the last
 * body symbol and the org check ("1X"): rejection sampling, 1 in 341. */
static void gen_uscc(const pairs_t *cp, const char *tail, char out[19])
{
        do {
                memcpy(out, cp->p[rnd_below((unsigned)cp->n)], 2);
                if (rnd_below(20) == 0)
                        memcpy(out + 2, "10", 2);
                else
                        rnd_province(out + 2);
                rnd_digits(out + 4, 4);
                for (int i = 8; i < 16; i++)
                        out[i] = uscc_sym[rnd_below(31)];
                out[16] = org_check(out + 8);
        } while (tail && (out[15] != tail[0] || out[16] != tail[1]));
        out[17] = uscc_check(out);
        out[18] = '\0';
}

/*
 * Why mod 31 catches everything here. Weights W_i = 3^(i-1) mod 31 are
 * all non-zero and 31 is prime, values are 0..30:
 * - substitution at i <= 17 changes S by (v'-v)·W_i, non-zero mod 31;
 *   at 18 the check character itself differs;
 * - swap of i, i+1 <= 17 changes S by (v_{i+1}-v_i)(W_i - W_{i+1}) =
 *   (v_{i+1}-v_i)·(-2·W_i), non-zero mod 31;
 * - swap of 17 and 18 (values a, b): validity needs S + b ≡ 0 before and
 *   S + (b-a)·W_17 + a ≡ 0 after, i.e. (b-a)(W_17 - 1) = 27(b-a) ≡ 0,
 *   so b = a. The two positions use different value systems for the
 *   org-code check (pos 17 is GB 11714's), but mod 31 reads both in the
 *   USCC system, so no class escapes.
 * The GB 11714 check of pos 17 does miss the swap "1X" <-> "X1" of
 * positions 16-17 (see test_orgcode_props); mod 31 catches it, which the
 * test shows on codes generated to end in 1X.
 */
static void test_uscc_props(void **state)
{
        static pairs_t cp;
        char c[19], m[19];
        cp_id_result_t res;
        long subs = 0, swaps = 0, tail_swaps = 0;

        (void)state;
        reseed(1);
        core_pairs(&cp);
        assert_true(cp.n >= 30);
        for (int k = 0; k < CP_PROPS_N; k++) {
                /* One code in 20 ends in 1X, the org check's blind spot. */
                gen_uscc(&cp, k % 20 == 0 ? "1X" : NULL, c);
                check(c, 18, CP_ID_USCC, &res);
                if (!res.valid)
                        fail_msg("generated USCC %s invalid: %s", c, res.reason);
                for (int i = 0; i < 18; i++)
                        for (const char *s = uscc_sym; *s; s++) {
                                if (*s == c[i])
                                        continue;
                                memcpy(m, c, sizeof(m));
                                m[i] = *s;
                                check(m, 18, CP_ID_USCC, &res);
                                subs++;
                                if (res.valid || (res.usable &&
                                                  !has_finding(&res, "uscc_check_failed")))
                                        fail_msg("substitution %s -> %s pos %d not caught "
                                                 "by mod 31 (reason %s)", c, m, i + 1,
                                                 res.reason ? res.reason : "-");
                        }
                for (int i = 0; i + 1 < 18; i++) {
                        if (c[i] == c[i + 1])
                                continue;
                        memcpy(m, c, sizeof(m));
                        m[i] = c[i + 1];
                        m[i + 1] = c[i];
                        check(m, 18, CP_ID_USCC, &res);
                        swaps++;
                        if (res.valid || (res.usable &&
                                          !has_finding(&res, "uscc_check_failed")))
                                fail_msg("swap %s -> %s pos %d/%d not caught by mod 31",
                                         c, m, i + 1, i + 2);
                        /* Org check blind (1X <-> X1), mod 31 not. Mostly
                         * usable; unless the X lands next to another X in
                         * a digit-only code, which reads as a person ID
                         * masked with X (uscc_looks_like_ric). */
                        if (i == 15 && !strncmp(c + 15, "1X", 2)) {
                                if (!res.usable) {
                                        assert_string_equal(res.reason, "uscc_looks_like_ric");
                                        continue;
                                }
                                assert_false(has_finding(&res, "orgcode_check_failed"));
                                tail_swaps++;
                        }
                }
        }
        print_message("USCC: %d codes, %ld substitutions, %ld swaps, all caught; "
                      "%ld swaps 1X->X1 at pos 16/17 passed GB 11714, caught by mod 31\n",
                      CP_PROPS_N, subs, swaps, tail_swaps);
        assert_true(tail_swaps >= CP_PROPS_N / 25);
}

/* ---- resident identity number ---- */

static void gen_ric(char out[19])
{
        static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y = 1900 + (int)rnd_below(130), mo = 1 + (int)rnd_below(12), d;
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        d = 1 + (int)rnd_below((unsigned)(mdays[mo - 1] + (mo == 2 && leap)));
        if (rnd_below(10) == 0)   /* residence permits, §2.5 */
                memcpy(out, rnd_below(3) == 0 ? "81" : rnd_below(2) ? "82" : "83", 2);
        else
                rnd_province(out);
        rnd_digits(out + 2, 4);
        /* Digit by digit: snprintf into 8 chars trips -Wformat-truncation. */
        for (int i = 0, v = y * 10000 + mo * 100 + d; i < 8; i++, v /= 10)
                out[13 - i] = (char)('0' + v % 10);
        rnd_digits(out + 14, 3);
        out[17] = ric_check(out);
        out[18] = '\0';
}

/*
 * ISO 7064 MOD 11-2: valid iff Σ d_i·2^(18-i) ≡ 1 (mod 11), the check
 * weighted 1 and worth 0..10 (X). 11 is prime and every weight 2^k mod 11
 * is non-zero, digits differ by at most 10:
 * - substitution changes the sum by (d'-d)·w, non-zero mod 11;
 * - swap of neighbours changes it by (a-b)(w_i - w_{i+1}) = (a-b)·w_{i+1}
 *   (w_i = 2·w_{i+1}), non-zero mod 11; swapping the check X (10) into
 *   position 17 leaves a non-digit there.
 * So no class escapes: every mutant must fail.
 */
static void test_ric_props(void **state)
{
        static const char alpha[] = "0123456789X";
        char c[19], m[19];
        cp_id_result_t res;
        long subs = 0, swaps = 0;

        (void)state;
        reseed(2);
        for (int k = 0; k < CP_PROPS_N; k++) {
                gen_ric(c);
                check(c, 18, CP_ID_RIC, &res);
                if (!res.valid)
                        fail_msg("generated RIC %.6s… invalid: %s", c, res.reason);
                for (int i = 0; i < 18; i++)
                        for (const char *s = alpha; *s; s++) {
                                if (*s == c[i])
                                        continue;
                                memcpy(m, c, sizeof(m));
                                m[i] = *s;
                                check(m, 18, CP_ID_RIC, &res);
                                subs++;
                                /* Synthetic numbers: printed all the same,
                                 * masked out of habit. */
                                if (res.valid || res.usable)
                                        fail_msg("RIC substitution at pos %d not caught "
                                                 "(%.6s… -> %c)", i + 1, c, *s);
                        }
                for (int i = 0; i + 1 < 18; i++) {
                        if (c[i] == c[i + 1])
                                continue;
                        memcpy(m, c, sizeof(m));
                        m[i] = c[i + 1];
                        m[i + 1] = c[i];
                        check(m, 18, CP_ID_RIC, &res);
                        swaps++;
                        if (res.valid || res.usable)
                                fail_msg("RIC swap at pos %d/%d not caught (%.6s…)",
                                         i + 1, i + 2, c);
                }
        }
        print_message("RIC: %d numbers, %ld substitutions, %ld swaps, all caught\n",
                      CP_PROPS_N, subs, swaps);
}

/* ---- organisation code ---- */

static bool org_reserved(const char *s)
{
        /* PDY00001-PDY99999 (§1.7.1). */
        if (strncmp(s, "PDY", 3) || !strncmp(s + 3, "00000", 5))
                return false;
        for (int i = 3; i < 8; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

static void gen_org(char out[10])
{
        do {
                for (int i = 0; i < 8; i++)
                        out[i] = org_sym[rnd_below(36)];
                /* One in 10 ends in 1X or X1, the one swap the check
                 * misses at positions 8-9: force it by resampling. */
                if (rnd_below(10) == 0) {
                        bool x1 = rnd_below(2);

                        out[7] = x1 ? 'X' : '1';
                        for (int j = 0; j < 36 && org_check(out) != (x1 ? '1' : 'X'); j++)
                                out[6] = org_sym[j];
                }
                out[8] = org_check(out);
                out[9] = '\0';
        } while (is_placeholder(out, 9) || org_reserved(out));
}

/* Direct oracle: does the mutant satisfy GB 11714? */
static bool org_passes(const char *m)
{
        if (!((m[8] >= '0' && m[8] <= '9') || m[8] == 'X'))
                return false;
        return org_check(m) == m[8];
}

/*
 * GB 11714: valid iff Σ v_i·w_i + C ≡ 0 (mod 11), w = 3 7 9 10 5 8 4 2,
 * v over the full alphabet 0..35, C = check value 0..10 (X = 10). Weights
 * are non-zero mod 11 and so are their neighbour differences (-4 -2 -1 5
 * -3 4 2), but body values reach 35, so they collide mod 11:
 * - substitution in the body is missed iff v' ≡ v (mod 11): the classes
 *   {0 B M X} {1 C N Y} {2 D O Z} {3 E P} {4 F Q} {5 G R} {6 H S} {7 I T}
 *   {8 J U} {9 K V} {A L W}; at the check position never (values 0..10);
 * - swap of body neighbours is missed iff v_i ≡ v_{i+1} (mod 11);
 * - swap of positions 8 and 9: with body char b and check c, validity
 *   before and after gives 2·val(b) + chk(c) ≡ 2·val(c) + chk(b), where
 *   val() is the body value and chk() the check value. For digits val =
 *   chk, so b = c; with X, val(X) = 33 ≡ 0 but chk(X) = 10, which leaves
 *   exactly the pair {1, X}: "…1X" <-> "…X1" is missed. Any other letter
 *   moved into position 9 is no check character at all.
 * The test predicts with these rules, checks the rules against the direct
 * computation, and checks cp_id_check against the rules.
 */
static bool org_rule_sub(int i, char from, char to)
{
        return i < 8 && org_val(from) % 11 == org_val(to) % 11;
}

static bool org_rule_swap(int i, const char *c)
{
        if (i < 7)
                return org_val(c[i]) % 11 == org_val(c[i + 1]) % 11;
        return (c[7] == '1' && c[8] == 'X') || (c[7] == 'X' && c[8] == '1');
}

static void org_expect(const char *orig, const char *m, bool rule, long *missed,
                       const char *what, int pos)
{
        cp_id_result_t res;
        bool expect = rule && !is_placeholder(m, 9) && !org_reserved(m);

        /* The rule is the mathematics; the direct computation checks it. */
        if (rule != org_passes(m))
                fail_msg("rule wrong for %s %s -> %s pos %d", what, orig, m, pos);
        check(m, 9, CP_ID_ORG_CODE, &res);
        if (res.valid != expect)
                fail_msg("%s %s -> %s pos %d: valid=%d, rule says %d (reason %s)", what,
                         orig, m, pos, res.valid, expect, res.reason ? res.reason : "-");
        if (expect)
                (*missed)++;
}

static void test_orgcode_props(void **state)
{
        static const char check_alpha[] = "0123456789X";
        char c[10], m[10];
        cp_id_result_t res;
        long subs = 0, swaps = 0, sub_missed = 0, swap_missed = 0, tail_missed = 0;

        (void)state;
        reseed(3);
        for (int k = 0; k < CP_PROPS_N; k++) {
                gen_org(c);
                check(c, 9, CP_ID_ORG_CODE, &res);
                if (!res.valid)
                        fail_msg("generated org code %s invalid: %s", c, res.reason);
                for (int i = 0; i < 9; i++)
                        for (const char *s = i < 8 ? org_sym : check_alpha; *s; s++) {
                                if (*s == c[i])
                                        continue;
                                memcpy(m, c, sizeof(m));
                                m[i] = *s;
                                subs++;
                                org_expect(c, m, org_rule_sub(i, c[i], *s), &sub_missed,
                                           "substitution", i + 1);
                        }
                for (int i = 0; i < 8; i++) {
                        long before = swap_missed;

                        if (c[i] == c[i + 1])
                                continue;
                        memcpy(m, c, sizeof(m));
                        m[i] = c[i + 1];
                        m[i + 1] = c[i];
                        swaps++;
                        org_expect(c, m, org_rule_swap(i, c), &swap_missed, "swap", i + 1);
                        if (i == 7 && swap_missed > before)
                                tail_missed++;
                }
        }
        print_message("org code: %d codes; %ld substitutions, %ld missed (equal value mod "
                      "11); %ld swaps, %ld missed (%ld of them 1X<->X1 at pos 8/9)\n",
                      CP_PROPS_N, subs, sub_missed, swaps, swap_missed, tail_missed);
        assert_true(sub_missed > 0);
        assert_true(swap_missed > tail_missed);
        assert_true(tail_missed > 0);
}

/* ---- registration number ---- */

static void gen_regno(char out[16])
{
        do {
                rnd_province(out);
                rnd_digits(out + 2, 12);
                out[14] = regno_check(out);
                out[15] = '\0';
        } while (is_placeholder(out, 15));
}

/*
 * ISO 7064 MOD 11,10 (hybrid): p_0 = 10, p_i = 2·s_i mod 11 with
 * s_i = (p_{i-1} + d_i) mod 10, 0 read as 10; valid iff s_15 = 1. Each step
 * is a bijection of the state for a fixed digit and injective in the
 * digit for a fixed state, so:
 * - every substitution changes all later states: always caught;
 * - a swap of neighbours a, b is missed iff the two orders reach the same
 *   state. Enumerating the 10 states × 90 ordered pairs gives exactly:
 *   {a, b} = {x, x+1 mod 10} and (p + x) mod 10 = 5, p the state before
 *   the pair (e.g. "56" at positions 1-2, p = 10; "01" after p = 5).
 *   That holds for positions 14-15 too (check included), where it leaves
 *   only "01"/"10" after p = 5.
 */
static bool regno_rule_swap(int p, char a, char b)
{
        int x = a - '0', y = b - '0';

        if ((x + 1) % 10 != y) {
                int t = x;

                x = y;
                y = t;
                if ((x + 1) % 10 != y)
                        return false;
        }
        return (p + x) % 10 == 5;
}

static bool regno_passes(const char *m)
{
        return regno_check(m) == m[14];
}

static void test_regno_props(void **state)
{
        char c[16], m[16];
        cp_id_result_t res;
        long subs = 0, swaps = 0, swap_missed = 0;

        (void)state;
        reseed(4);
        for (int k = 0; k < CP_PROPS_N; k++) {
                int p = 10;

                gen_regno(c);
                check(c, 15, CP_ID_REG_NO, &res);
                if (!res.valid)
                        fail_msg("generated reg no %s invalid: %s", c, res.reason);
                for (int i = 0; i < 15; i++)
                        for (char d = '0'; d <= '9'; d++) {
                                if (d == c[i])
                                        continue;
                                memcpy(m, c, sizeof(m));
                                m[i] = d;
                                subs++;
                                assert_false(regno_passes(m));
                                check(m, 15, CP_ID_REG_NO, &res);
                                if (res.valid && !is_placeholder(m, 15))
                                        fail_msg("reg no substitution %s -> %s not caught",
                                                 c, m);
                        }
                for (int i = 0; i + 1 < 15; p = regno_step(p, c[i] - '0'), i++) {
                        bool rule;

                        if (c[i] == c[i + 1])
                                continue;
                        memcpy(m, c, sizeof(m));
                        m[i] = c[i + 1];
                        m[i + 1] = c[i];
                        swaps++;
                        rule = regno_rule_swap(p, c[i], c[i + 1]);
                        if (rule != regno_passes(m))
                                fail_msg("rule wrong for swap %s -> %s pos %d", c, m, i + 1);
                        rule = rule && !is_placeholder(m, 15);
                        check(m, 15, CP_ID_REG_NO, &res);
                        if (res.valid != rule)
                                fail_msg("reg no swap %s -> %s pos %d: valid=%d, rule %d",
                                         c, m, i + 1, res.valid, rule);
                        swap_missed += rule;
                }
        }
        print_message("reg no: %d numbers; %ld substitutions, all caught; %ld swaps, "
                      "%ld missed (x,x+1 with (p+x) mod 10 = 5)\n",
                      CP_PROPS_N, subs, swaps, swap_missed);
        assert_true(swap_missed > 0);
}

/* ---- normalisation ---- */

typedef struct dirty_s {
        char b[1024];
        size_t n;
} dirty_t;

static void put_cp(dirty_t *d, uint32_t c)
{
        unsigned char *o = (unsigned char *)d->b + d->n;

        if (d->n + 4 >= sizeof(d->b))
                return;
        if (c < 0x80) {
                o[0] = (unsigned char)c;
                d->n += 1;
        } else if (c < 0x800) {
                o[0] = (unsigned char)(0xC0 | c >> 6);
                o[1] = (unsigned char)(0x80 | (c & 0x3F));
                d->n += 2;
        } else if (c < 0x10000) {
                o[0] = (unsigned char)(0xE0 | c >> 12);
                o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
                o[2] = (unsigned char)(0x80 | (c & 0x3F));
                d->n += 3;
        } else {
                o[0] = (unsigned char)(0xF0 | c >> 18);
                o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
                o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
                o[3] = (unsigned char)(0x80 | (c & 0x3F));
                d->n += 4;
        }
}

static void put_raw(dirty_t *d, const char *bytes, size_t n)
{
        if (d->n + n < sizeof(d->b)) {
                memcpy(d->b + d->n, bytes, n);
                d->n += n;
        }
}

/* What real cells put around and inside identifiers (§3.1-3.3), and what
 * lies at the edges of the normaliser's rules. */
static void put_noise(dirty_t *d)
{
        static const uint32_t noise[] = {
                ' ', '\t', '\r', 0x00A0, 0x3000, 0x2002, 0x2009, 0x202F, 0x205F,
                0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, '\'', '`', '"', 0x201C,
                0x201D, 0x2018, 0x2019, 0x00B4, 0x2032, '-', 0x2010, 0x2013, 0x2014,
                0x2212, 0xFE63, 0xFF0D, '_', '/', '.', 0xFF0E, '=', 0xFF1D, '+', 'E',
                'e', '*', 0xFF0A, 0x00D7, 0x25CF, 0x65E0 /* 无 */, 0x00B7, 0x30FB,
                '#', ',', 0x0130 /* İ */, 0x017F /* ſ */, 0xFB00 /* ﬀ */, 0x1D7CE,
                0xFFFD, 0x7F, 0x85,
        };
        static const char *const bad[] = {
                "\xFF", "\x80", "\xC0\xAF", "\xE2\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                "\0",
        };
        unsigned k = rnd_below(sizeof(noise) / sizeof(noise[0]) + 7);

        if (k < sizeof(noise) / sizeof(noise[0]))
                put_cp(d, noise[k]);
        else {
                const char *b = bad[k - sizeof(noise) / sizeof(noise[0])];

                put_raw(d, b, *b ? strlen(b) : 1);
        }
}

/* A dirty spelling of text: case, full width, noise between characters. */
static void dirty_from(dirty_t *d, const char *text, unsigned noise_pct)
{
        for (const char *t = text; *t; t++) {
                uint32_t c = (unsigned char)*t;

                if (rnd_below(100) < noise_pct)
                        put_noise(d);
                if (c >= 'A' && c <= 'Z' && rnd_below(3) == 0)
                        c += 'a' - 'A';
                if (c > 0x20 && c < 0x7F && rnd_below(4) == 0)
                        c += 0xFEE0;            /* full-width form */
                put_cp(d, c);
        }
        if (rnd_below(100) < noise_pct)
                put_noise(d);
}

static void gen_dirty(dirty_t *d, const pairs_t *cp, size_t max_cps)
{
        char id[32];
        unsigned kind = rnd_below(7);

        d->n = 0;
        if (rnd_below(4) == 0)
                put_raw(d, rnd_below(2) ? "'" : "=\"", rnd_below(2) ? 1 : 2);
        switch (kind) {
        case 0: gen_uscc(cp, NULL, id); break;
        case 1: gen_ric(id); break;
        case 2: gen_org(id); break;
        case 3: gen_regno(id); break;
        case 4:   /* Excel's rendering of a big number */
                snprintf(id, sizeof(id), "%u.%u%c%s%u", 1 + rnd_below(9),
                         rnd_below(100000), rnd_below(2) ? 'E' : 'e',
                         rnd_below(2) ? "+" : "", 10 + rnd_below(10));
                break;
        default: {  /* identifier-ish junk, 0-30 characters */
                unsigned n = rnd_below(31);

                for (unsigned i = 0; i < n; i++)
                        id[i] = org_sym[rnd_below(36)];
                id[n] = '\0';
                break;
        }
        }
        dirty_from(d, id, 5 + rnd_below(40));
        /* Long noise runs too: everything the fold table has a rule for. */
        if (kind == 6)
                for (size_t i = rnd_below((unsigned)max_cps); i > 0; i--)
                        put_noise(d);
}

static void assert_same_result(const char *what, const dirty_t *d, cp_id_type_t want,
                               const cp_id_result_t *a, const cp_id_result_t *b)
{
        bool same = a->type == b->type && a->valid == b->valid && a->usable == b->usable &&
                    !strcmp(a->normalized, b->normalized) &&
                    (a->reason == b->reason ||
                     (a->reason && b->reason && !strcmp(a->reason, b->reason))) &&
                    a->nfindings == b->nfindings;

        for (int i = 0; same && i < a->nfindings; i++)
                same = !strcmp(a->findings[i].code, b->findings[i].code) &&
                       a->findings[i].severity == b->findings[i].severity;
        if (!same) {
                print_error("%s differ (want %s), raw bytes:", what, cp_id_type_name(want));
                for (size_t i = 0; i < d->n; i++)
                        print_error(" %02x", (unsigned char)d->b[i]);
                print_error("\n  %s/%d/%s vs %s/%d/%s\n", cp_id_type_name(a->type), a->valid,
                            a->reason ? a->reason : "-", cp_id_type_name(b->type), b->valid,
                            b->reason ? b->reason : "-");
                fail();
        }
}

/*
 * cp_id_normalize(cp_id_normalize(x)) == cp_id_normalize(x), and
 * cp_id_check(normalized) == cp_id_check(raw), for every want. The first
 * needs an output buffer the text fits in: cut at a small size, Excel
 * notation longer than the buffer loses its 'E' and then its '.', so
 * idempotence is only claimed for complete output (cp_id_check reads at
 * most 63 bytes, and the second property holds for long input too,
 * because cutting the normalised text again yields the same prefix).
 */
static void test_normalize_idempotent(void **state)
{
        static const cp_id_type_t wants[] = {
                CP_ID_UNKNOWN, CP_ID_USCC, CP_ID_ORG_CODE, CP_ID_REG_NO, CP_ID_RIC,
                CP_ID_RIC_MASKED,
        };
        static pairs_t cp;
        dirty_t d;
        char n1[4096], n2[4096];
        long usable = 0, changed = 0;

        (void)state;
        reseed(5);
        core_pairs(&cp);
        for (int k = 0; k < CP_PROPS_DIRTY; k++) {
                size_t l1, l2;

                gen_dirty(&d, &cp, k % 10 == 0 ? 200 : 40);
                l1 = cp_id_normalize(d.b, d.n, n1, sizeof(n1));
                l2 = cp_id_normalize(n1, l1, n2, sizeof(n2));
                if (l1 != l2 || memcmp(n1, n2, l1)) {
                        print_error("not idempotent: '%s' -> '%s'\n", n1, n2);
                        fail();
                }
                changed += l1 != d.n || memcmp(n1, d.b, l1);
                for (size_t w = 0; w < sizeof(wants) / sizeof(wants[0]); w++) {
                        cp_id_result_t a, b, c;

                        check(d.b, d.n, wants[w], &a);
                        check(n1, l1, wants[w], &b);
                        assert_same_result("raw and normalised", &d, wants[w], &a, &b);
                        if (!a.usable)
                                continue;
                        /* The canonical form is a fixed point: checked as
                         * what it turned out to be, it stays itself. */
                        usable++;
                        check(a.normalized, strlen(a.normalized),
                              a.type == CP_ID_RIC_MASKED ? CP_ID_RIC : a.type, &c);
                        if (!c.usable || c.valid != a.valid ||
                            strcmp(c.normalized, a.normalized)) {
                                print_error("canonical form %s (%s) not a fixed point: "
                                            "%s/%d/%s\n", a.normalized,
                                            cp_id_type_name(a.type), c.normalized, c.valid,
                                            c.reason ? c.reason : "-");
                                fail();
                        }
                }
        }
        print_message("normalisation: %d dirty strings (%ld changed by it), idempotent; "
                      "checks of raw and normalised agree for 6 wants; %ld usable "
                      "results are fixed points\n",
                      CP_PROPS_DIRTY, changed, usable);
        /* The generator must produce both outcomes, or it tests nothing. */
        assert_true(changed > CP_PROPS_DIRTY / 2);
        assert_true(usable > CP_PROPS_DIRTY / 4);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_uscc_props),
                cmocka_unit_test(test_ric_props),
                cmocka_unit_test(test_orgcode_props),
                cmocka_unit_test(test_regno_props),
                cmocka_unit_test(test_normalize_idempotent),
        };

        return cmocka_run_group_tests(tests, setup_seed, NULL);
}
