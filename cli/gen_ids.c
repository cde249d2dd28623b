/*
 * Identifier arithmetic for `credpipe gen` (see gen_ids.h).
 *
 * DESIGN: straight transcriptions of domain.md §1.4 (USCC mod 31 with
 * weights 3^(i-1) mod 31 and values = index in the 31-symbol list),
 * §1.7.1 (GB 11714 with weights 3,7,9,10,5,8,4,2 and the full alphabet,
 * A=10..Z=35) and §2.2 (ISO 7064 MOD 11-2). The self-check script cross-
 * checks every generated value with python-stdnum, so a transcription slip
 * here shows up there rather than as a puzzling pipeline result.
 */
#include "gen_ids.h"

#include <stdbool.h>
#include <string.h>

const char cp_gen_uscc_chars[32] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

const char *const cp_gen_pilot_codes[CP_GEN_NPILOT] = {
        "91350211M0000XUF46", "91350100M0001TGQXM", "91350203M0001FUE2P",
};

static const int cp_gen_uscc_weights[17] = {
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
};

static const int cp_gen_org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

static const int cp_gen_ric_weights[17] = {
        7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2,
};

/* Value of a USCC symbol, or -1 for a character outside the 31-symbol set. */
static int cp_gen_uscc_value(char c)
{
        const char *p;

        if (c >= '0' && c <= '9')
                return c - '0';
        if (!c || !(p = strchr(cp_gen_uscc_chars + 10, c)))
                return -1;
        return (int)(p - cp_gen_uscc_chars);
}

char cp_gen_orgcode_check(const char *body8)
{
        int sum = 0, c9;

        for (int i = 0; i < 8; i++) {
                char c = body8[i];
                /* The org code uses the whole alphabet, unlike the USCC. */
                int v = (c >= '0' && c <= '9') ? c - '0' : c - 'A' + 10;
                sum += v * cp_gen_org_weights[i];
        }
        c9 = 11 - sum % 11;
        if (c9 == 10)
                return 'X';
        if (c9 == 11)
                return '0';
        return (char)('0' + c9);
}

char cp_gen_uscc_check(const char *c17)
{
        int sum = 0;

        for (int i = 0; i < 17; i++)
                sum += cp_gen_uscc_value(c17[i]) * cp_gen_uscc_weights[i];
        return cp_gen_uscc_chars[(31 - sum % 31) % 31];
}

void cp_gen_uscc_build(char *out, const char *deptcat, const char *region6,
                       const char *body8)
{
        memcpy(out, deptcat, 2);
        memcpy(out + 2, region6, 6);
        memcpy(out + 8, body8, 8);
        out[16] = cp_gen_orgcode_check(body8);
        out[17] = cp_gen_uscc_check(out);
        out[18] = '\0';
}

void cp_gen_orgbody(char *body8, uint64_t value, const char *prefix2)
{
        if (!prefix2) {
                /* x -> 48271x + 13 is a bijection mod 10^8 (48271 is prime,
                 * coprime to 10), so distinct values give distinct bodies
                 * that do not look sequential. */
                uint64_t v = (value * 48271u + 13u) % 100000000u;
                for (int i = 7; i >= 0; i--, v /= 10)
                        body8[i] = (char)('0' + v % 10);
                return;
        }
        /* Same idea mod 31^6 with 16807 = 7^5, coprime to 31. */
        uint64_t v = (value * 16807u + 4099u) % 887503681u;
        body8[0] = prefix2[0];
        body8[1] = prefix2[1];
        for (int i = 7; i >= 2; i--, v /= 31)
                body8[i] = cp_gen_uscc_chars[v % 31];
}

char cp_gen_ric_check(const char *d17)
{
        int sum = 0;

        for (int i = 0; i < 17; i++)
                sum += (d17[i] - '0') * cp_gen_ric_weights[i];
        return "10X98765432"[sum % 11];
}

/* Writes n decimal digits of v, zero-padded. */
static void cp_gen_digits(char *out, unsigned v, int n)
{
        for (int i = n - 1; i >= 0; i--, v /= 10)
                out[i] = (char)('0' + v % 10);
}

void cp_gen_ric_build(char *out, const char *region6, int y, int m, int d,
                      int seq)
{
        memcpy(out, region6, 6);
        cp_gen_digits(out + 6, (unsigned)y, 4);
        cp_gen_digits(out + 10, (unsigned)m, 2);
        cp_gen_digits(out + 12, (unsigned)d, 2);
        cp_gen_digits(out + 14, (unsigned)seq, 3);
        out[17] = cp_gen_ric_check(out);
        out[18] = '\0';
}

void cp_gen_ric_mask(char *out, const char *ric18)
{
        memcpy(out, ric18, 10);
        memcpy(out + 10, "****", 4);
        memcpy(out + 14, ric18 + 14, 4);
        out[18] = '\0';
}

void cp_gen_uscc_bad_length(char *out, const char *valid, uint64_t r)
{
        if (r & 1) {
                /* One body character lost, as when a code is retyped. */
                size_t drop = 8 + (size_t)((r >> 1) % 8);
                memcpy(out, valid, drop);
                memcpy(out + drop, valid + drop + 1, 18 - drop - 1);
                out[17] = '\0';
        } else {
                /* One character too many: a digit typed twice. */
                size_t dup = 8 + (size_t)((r >> 1) % 8);
                memcpy(out, valid, dup + 1);
                memcpy(out + dup + 1, valid + dup, 18 - dup);
                out[19] = '\0';
        }
}

char cp_gen_uscc_bad_letter(char *out, const char *valid, uint64_t r)
{
        static const char letters[] = "IOSVZ";
        static const char repaired[] = "105-2";  /* I→1 O→0 S→5, V none, Z→2 */
        size_t pos = 8 + (size_t)(r % 8);        /* inside the org-code body */
        int li = (int)((r >> 3) % 5);
        char orig = valid[pos];

        /* A repair that restores the original character would make the row
         * valid again; any other single substitution breaks the mod-31
         * check (every weight is non-zero mod 31), so the code stays bad. */
        while (repaired[li] == orig)
                li = (li + 1) % 5;
        memcpy(out, valid, 19);
        out[pos] = letters[li];
        return letters[li];
}

/* A digit string that fails as a resident number but passes both USCC
 * checks is a valid USCC to a validator that types values by shape (the
 * daemon does: many pre-2015 USCCs are all digits); one ending in "000"
 * reads as Excel damage. Neither is the reject the truth announces, so bad
 * resident numbers are never made that way. */
static bool cp_gen_ric_ambiguous(const char *s)
{
        return (cp_gen_orgcode_check(s + 8) == s[16] && cp_gen_uscc_check(s) == s[17]) ||
               !memcmp(s + 15, "000", 3);
}

void cp_gen_ric_bad_check(char *out, const char *valid, uint64_t r)
{
        static const char checks[] = "0123456789X";
        int cur = valid[17] == 'X' ? 10 : valid[17] - '0';
        int k = (cur + 1 + (int)(r % 10)) % 11;

        memcpy(out, valid, 19);
        /* At most two of the ten wrong digits are ambiguous. */
        for (;;) {
                out[17] = checks[k];
                if (k != cur && !cp_gen_ric_ambiguous(out))
                        break;
                k = (k + 1) % 11;
        }
}

const char *cp_gen_ric_bad_date(char *out, const char *region6, int seq,
                                uint64_t r)
{
        static const struct { int m, d; const char *what; } bad[] = {
                {2, 29, "Feb 29 of a common year"}, {2, 30, "Feb 30"},
                {4, 31, "Apr 31"}, {6, 31, "Jun 31"}, {9, 31, "Sep 31"},
                {11, 31, "Nov 31"}, {13, 5, "month 13"}, {7, 0, "day 00"},
        };
        int k = (int)(r % 8);
        /* 1961..1999 never divisible by 4 here: 1961 + 4n + {0,1,2}. */
        int y = 1961 + 4 * (int)((r >> 3) % 9) + (int)((r >> 8) % 3);

        cp_gen_ric_build(out, region6, y, bad[k].m, bad[k].d, seq);
        while (cp_gen_ric_ambiguous(out)) {
                /* Another sequence number gives another check digit. */
                seq = seq % 999 + 1;
                cp_gen_ric_build(out, region6, y, bad[k].m, bad[k].d, seq);
        }
        return bad[k].what;
}
