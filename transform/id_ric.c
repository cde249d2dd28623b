/*
 * Resident identity numbers, GB 11643 (domain.md §2): 18 digits, legacy
 * 15 digits, and masked forms as published in lists (§2.6).
 *
 * DESIGN: a 15-digit number is converted to its 18-digit form (century
 * 19, recomputed check) so both spellings of one person key alike. A
 * masked number cannot be checked, only tested for plausibility in its
 * visible positions, and is kept in a canonical form where every hidden
 * position is '*': lists hide digits with '*', '×', '●' (folded by
 * cp_id_normalize) or runs of 'x', and a visible X check must survive.
 * Two masked numbers are never equal, only compatible (cp_ric_compatible),
 * so callers key them together with the name.
 */
#include <string.h>

#include "id_internal.h"

#define CP_RIC_HIDDEN '*'

/* MOD 11-2 check character of 17 digits (§2.2). */
static char cp_ric_check_char(const char *s)
{
        static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        static const char check[] = "10X98765432";   /* indexed by S mod 11 */
        int sum = 0;

        for (int i = 0; i < 17; i++)
                sum += (s[i] - '0') * w[i];
        return check[sum % 11];
}

/* Known address prefix: a mainland province, or the residence permits of
 * Hong Kong (81), Macao (82) and Taiwan (83) residents (§2.5). */
static bool cp_ric_region_ok(const char *s)
{
        return cp_id_province_known(s) ||
               (s[0] == '8' && s[1] >= '1' && s[1] <= '3');
}

/* A shape test decides what a value is, so it wants a plausible birth
 * date (1880 on), not just a calendar date: with any year, about 4 % of
 * broken digit-only USCCs would read as person IDs and be dropped instead
 * of kept with a warning. */
bool cp_ric_shape(const char *s, size_t n)
{
        return n == 18 && cp_id_all_digits(s, 17) &&
               ((s[17] >= '0' && s[17] <= '9') || s[17] == 'X') &&
               cp_id_date_ok(cp_id_num(s + 6, 4), cp_id_num(s + 10, 2),
                             cp_id_num(s + 12, 2));
}

bool cp_ric15_date_ok(const char *s)
{
        return cp_id_date_ok(1900 + cp_id_num(s + 6, 2), cp_id_num(s + 8, 2),
                             cp_id_num(s + 10, 2));
}

bool cp_ric_looks_masked(const char *s, size_t n)
{
        size_t i;

        if (memchr(s, CP_RIC_HIDDEN, n))
                return true;
        /* Masked with x: only 15 or 18 digits and X qualify, and in an
         * 18-char value a run of two X before the check position (a lone
         * X may be an org-code check inside a digit-only USCC). */
        if (n != 15 && n != 18)
                return false;
        for (i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || s[i] == 'X'))
                        return false;
        if (n == 15)
                return memchr(s, 'X', n) != NULL;
        for (i = 0; i + 1 < 17; i++)
                if (s[i] == 'X' && s[i + 1] == 'X')
                        return true;
        return false;
}

/* Canonical masked form: X in a hidden slot becomes '*'. In 18 chars a
 * final X is the check when the slot before it is not also an X. */
static void cp_ric_canon_mask(const char *s, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++) {
                bool check = n == 18 && i == 17 && s[16] != 'X';

                out[i] = s[i] == 'X' && !check ? CP_RIC_HIDDEN : s[i];
        }
        out[n] = '\0';
}

static bool cp_ric_visible(const char *s, size_t n)
{
        return cp_id_all_digits(s, n);
}

/*
 * The birth year below which §2.3 warns: nobody born earlier is known to
 * have been given a number (the oldest specimen is 1880-01-01). It is a
 * plausibility warning, not a reject: §2.3 lists "≥ 1880-01-01" as a
 * warning, and only an impossible calendar date as a reject.
 */
#define CP_RIC_MIN_YEAR 1880

/* Birth year of a full 18-digit number or a visible 18-char mask. */
static void cp_ric_note_year(int y, cp_id_result_t *res)
{
        if (y < CP_RIC_MIN_YEAR)
                cp_id_res_note(res, "ric_birth_date_implausible", CP_SEV_WARNING);
}

/* Calendar validity of the visible parts of a masked birth date. */
static bool cp_ric_mask_date_ok(const char *s, size_t n, cp_id_result_t *res)
{
        const char *ys = s + 6, *ms = s + (n == 18 ? 10 : 8), *ds = ms + 2;
        size_t ylen = n == 18 ? 4 : 2;
        bool yv = cp_ric_visible(ys, ylen), mv = cp_ric_visible(ms, 2),
             dv = cp_ric_visible(ds, 2);
        int y = yv ? cp_id_num(ys, ylen) + (n == 15 ? 1900 : 0) : 2000;
        int m = mv ? cp_id_num(ms, 2) : 1;

        if (yv && y < 1)
                return false;
        if (mv && (m < 1 || m > 12))
                return false;
        /* Day with hidden month: any month with that many days will do;
         * with hidden year: a leap year, so 02-29 passes. */
        if (dv && !cp_id_calendar_ok(y, mv ? m : 1, cp_id_num(ds, 2)))
                return false;
        if (yv)
                cp_ric_note_year(y, res);
        return true;
}

static void cp_ric_check_masked(const char *s, size_t n, cp_id_result_t *res)
{
        char m[19];

        res->type = CP_ID_RIC_MASKED;
        if (n != 15 && n != 18) {
                cp_id_res_fail(res, "ric_masked_bad_length", CP_SEV_ERROR, false);
                return;
        }
        cp_ric_canon_mask(s, n, m);
        for (size_t i = 0; i < n; i++) {
                bool ok = (m[i] >= '0' && m[i] <= '9') || m[i] == CP_RIC_HIDDEN ||
                          (n == 18 && i == 17 && m[i] == 'X');

                if (!ok) {
                        cp_id_res_fail(res, "ric_bad_charset", CP_SEV_ERROR, false);
                        return;
                }
        }
        if (cp_ric_visible(m, 2) && !cp_ric_region_ok(m)) {
                cp_id_res_fail(res, "ric_bad_region", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_ric_mask_date_ok(m, n, res)) {
                cp_id_res_fail(res, "ric_bad_date", CP_SEV_ERROR, false);
                return;
        }
        cp_id_res_set_normalized(res, m, n);
}

static void cp_ric_check18(const char *s, cp_id_result_t *res)
{
        if (!cp_id_all_digits(s, 17) ||
            !((s[17] >= '0' && s[17] <= '9') || s[17] == 'X')) {
                cp_id_res_fail(res, "ric_bad_charset", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_ric_region_ok(s)) {
                cp_id_res_fail(res, "ric_bad_region", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_id_calendar_ok(cp_id_num(s + 6, 4), cp_id_num(s + 10, 2),
                               cp_id_num(s + 12, 2))) {
                cp_id_res_fail(res, "ric_bad_date", CP_SEV_ERROR, false);
                return;
        }
        if (cp_ric_check_char(s) != s[17]) {
                /* Excel zeroed the last three digits (§3.3 step 5). */
                cp_id_res_fail(res, memcmp(s + 15, "000", 3)
                                            ? "ric_check_failed"
                                            : "excel_precision_loss",
                               CP_SEV_ERROR, false);
                return;
        }
        cp_ric_note_year(cp_id_num(s + 6, 4), res);
        cp_id_res_set_normalized(res, s, 18);
}

static void cp_ric_check15(const char *s, cp_id_result_t *res)
{
        char r[19];

        if (!cp_id_all_digits(s, 15)) {
                cp_id_res_fail(res, "ric_bad_charset", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_ric_region_ok(s)) {
                cp_id_res_fail(res, "ric_bad_region", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_ric15_date_ok(s)) {
                cp_id_res_fail(res, "ric_bad_date", CP_SEV_ERROR, false);
                return;
        }
        /* GB 11643-1989 → 1999: century 19 inserted, check appended. The
         * unsourced 996-999 centenarian rule (§2.4) is not applied. */
        memcpy(r, s, 6);
        r[6] = '1';
        r[7] = '9';
        memcpy(r + 8, s + 6, 9);
        r[17] = cp_ric_check_char(r);
        r[18] = '\0';
        cp_id_res_note(res, "ric15_converted", CP_SEV_INFO);
        cp_id_res_set_normalized(res, r, 18);
}

void cp_id_check_ric(const char *s, size_t n, cp_id_result_t *res)
{
        res->type = CP_ID_RIC;
        if (cp_ric_looks_masked(s, n))
                cp_ric_check_masked(s, n, res);
        else if (n == 18)
                cp_ric_check18(s, res);
        else if (n == 15)
                cp_ric_check15(s, res);
        else
                cp_id_res_fail(res, "ric_bad_length", CP_SEV_ERROR, false);
}

/*
 * Spreads a (masked) RIC over the 18 positions of the current form; a
 * 15-digit value leaves the century (7-8) and the check (18) hidden.
 * @returns false when s is no RIC shape at all.
 */
static bool cp_ric_slots(const char *raw, char slots[18])
{
        char s[CP_ID_NORM_MAX], m[19];
        size_t n = cp_id_normalize(raw, raw ? strlen(raw) : 0, s, sizeof(s));

        if (n != 15 && n != 18)
                return false;
        if (cp_ric_looks_masked(s, n))
                cp_ric_canon_mask(s, n, m);
        else
                memcpy(m, s, n + 1);
        for (size_t i = 0; i < n; i++)
                if (!((m[i] >= '0' && m[i] <= '9') || m[i] == CP_RIC_HIDDEN ||
                      (n == 18 && i == 17 && m[i] == 'X')))
                        return false;
        /* A digit-only USCC has the same shape; its department digits
         * are no address. */
        if (cp_ric_visible(m, 2) && !cp_ric_region_ok(m))
                return false;
        if (n == 18) {
                memcpy(slots, m, 18);
                return true;
        }
        memcpy(slots, m, 6);
        slots[6] = slots[7] = CP_RIC_HIDDEN;
        memcpy(slots + 8, m + 6, 9);
        slots[17] = CP_RIC_HIDDEN;
        return true;
}

bool cp_ric_compatible(const char *a, const char *b)
{
        char sa[18], sb[18];

        if (!cp_ric_slots(a, sa) || !cp_ric_slots(b, sb))
                return false;
        for (int i = 0; i < 18; i++)
                if (sa[i] != CP_RIC_HIDDEN && sb[i] != CP_RIC_HIDDEN &&
                    sa[i] != sb[i])
                        return false;
        return true;
}
