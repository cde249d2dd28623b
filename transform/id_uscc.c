/*
 * Unified Social Credit Code, GB 32100-2015 (domain.md §1, procedure §1.9).
 *
 * DESIGN: the order of the checks is the order of §1.9, and it matters
 * because the first failure names the reason. Shape problems (length,
 * characters, region digits, another identifier's shape) make the value
 * unusable. Table and check-character problems are warnings that keep it
 * usable: the department/category tables are incomplete (§1.5.2) and
 * pilot-era codes fail the mod-31 check although they were issued
 * (§1.7.3), so dropping those records would lose real companies.
 *
 * The department/category pairs are data (id_category.c): built in, or
 * loaded from a file at start-up.
 */
#include <stdbool.h>
#include <string.h>

#include "id_internal.h"

/* The 31 symbols 0123456789ABCDEFGHJKLMNPQRTUWXY, valued by their index
 * (§1.3: no I, O, S, V, Z), as a table by byte of value + 1 (0: not a
 * symbol): it is looked up 35 times per USCC checked. */
static const unsigned char cp_uscc_values[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
        ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12,
        ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16, ['G'] = 17, ['H'] = 18,
        ['J'] = 19, ['K'] = 20, ['L'] = 21, ['M'] = 22, ['N'] = 23, ['P'] = 24,
        ['Q'] = 25, ['R'] = 26, ['T'] = 27, ['U'] = 28, ['W'] = 29, ['X'] = 30,
        ['Y'] = 31,
};

int cp_uscc_value(char c)
{
        return (int)cp_uscc_values[(unsigned char)c] - 1;
}

/* Mod-31 check of pos 18 (§1.4); s must be in the 31-symbol set. */
static bool cp_uscc_mod31_ok(const char *s)
{
        int sum = 0, w = 1;

        for (int i = 0; i < 17; i++) {
                sum += cp_uscc_value(s[i]) * w;
                w = w * 3 % 31;           /* W_i = 3^(i-1) mod 31 */
        }
        return cp_uscc_value(s[17]) == (31 - sum % 31) % 31;
}

bool cp_uscc_checks_pass(const char *s)
{
        for (int i = 0; i < 18; i++)
                if (cp_uscc_value(s[i]) < 0)
                        return false;
        return cp_orgcode_check_ok(s + 8) && cp_uscc_mod31_ok(s);
}

/* OCR confusables (§1.9 step 4): the letters the set leaves out because
 * they look like digits. */
static char cp_uscc_unconfuse(char c)
{
        switch (c) {
        case 'O': return '0';
        case 'I': return '1';
        case 'Z': return '2';
        case 'S': return '5';
        default: return c;
        }
}

/* Why a non-18 value in a USCC column is what it is. */
static const char *cp_uscc_length_reason(const char *s, size_t n, bool column)
{
        size_t i;

        if (!column)
                return "uscc_bad_length";
        if (n == 15 && cp_id_all_digits(s, n))
                return !cp_regno_check_ok(s) && cp_ric15_date_ok(s)
                               ? "uscc_looks_like_ric"
                               : "uscc_looks_like_reg_no";
        if (n == 9) {
                for (i = 0; i < 9 && ((s[i] >= '0' && s[i] <= '9') ||
                                      (s[i] >= 'A' && s[i] <= 'Z'));
                     i++)
                        ;
                if (i == 9)
                        return "uscc_looks_like_org_code";
        }
        return "uscc_bad_length";
}

void cp_id_check_uscc(const char *s, size_t n, bool column, cp_id_result_t *res)
{
        char c[19];
        bool bad = false, confused = false;

        res->type = CP_ID_USCC;
        /* Published lists put masked person IDs in the USCC column of
         * individual businesses. */
        if (column && (n == 15 || n == 18) && cp_ric_looks_masked(s, n) &&
            !(n == 18 && cp_uscc_checks_pass(s))) {
                cp_id_res_fail(res, "uscc_looks_like_ric", CP_SEV_ERROR, false);
                return;
        }
        if (n != 18) {
                cp_id_res_fail(res, cp_uscc_length_reason(s, n, column),
                               CP_SEV_ERROR, false);
                return;
        }
        memcpy(c, s, 18);
        c[18] = '\0';

        /* Excel turned the code into a number and zeroed digits 16-18
         * (§3.3 step 5): a digit-only code ending in 000 that fails. */
        if (cp_id_all_digits(c, 18) && !memcmp(c + 15, "000", 3) &&
            !cp_uscc_checks_pass(c)) {
                cp_id_res_fail(res, "excel_precision_loss", CP_SEV_ERROR, false);
                return;
        }
        /* A person ID filed in the USCC column (individual businesses).
         * Some digit-only USCCs have a date-like middle, so the USCC
         * reading wins when its checks pass. */
        if (column && cp_ric_shape(c, 18) && !cp_uscc_checks_pass(c)) {
                cp_id_res_fail(res, "uscc_looks_like_ric", CP_SEV_ERROR, false);
                return;
        }

        for (int i = 0; i < 18; i++) {
                if (cp_uscc_value(c[i]) >= 0)
                        continue;
                if (cp_uscc_unconfuse(c[i]) != c[i])
                        confused = true;
                else
                        bad = true;
        }
        if (!bad && confused) {
                /* Repair only when both checks then pass: one chance in
                 * 341 that a wrong repair does. */
                char r[19];

                for (int i = 0; i < 19; i++)
                        r[i] = cp_uscc_unconfuse(c[i]);
                if (cp_id_all_digits(r + 2, 6) && cp_uscc_checks_pass(r)) {
                        memcpy(c, r, sizeof(c));
                        cp_id_res_note(res, "repaired_confusable", CP_SEV_WARNING);
                } else {
                        bad = true;
                }
        }
        if (bad) {
                cp_id_res_fail(res, "uscc_bad_charset", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_id_all_digits(c + 2, 6)) {
                cp_id_res_fail(res, "uscc_bad_region", CP_SEV_ERROR, false);
                return;
        }

        /* From here on: warnings; the value stays usable. */
        switch (cp_id_category(c[0], c[1])) {
        case CP_ID_CATEGORY_CORE:
                break;
        case CP_ID_CATEGORY_EXTENDED:
                cp_id_res_note(res, "category_unconfirmed", CP_SEV_WARNING);
                break;
        default:
                cp_id_res_fail(res, "category_unknown", CP_SEV_WARNING, true);
                break;
        }
        /* Lower levels change with GB/T 2260 revisions and development
         * zones have codes of their own (§1.6): only the province counts. */
        if (!(c[2] == '1' && c[3] == '0') && !cp_id_province_known(c + 2))
                cp_id_res_note(res, "region_unknown", CP_SEV_WARNING);
        if (!cp_orgcode_check_ok(c + 8))
                cp_id_res_fail(res, "orgcode_check_failed", CP_SEV_WARNING, true);
        if (!cp_uscc_mod31_ok(c)) {
                cp_id_res_fail(res, "uscc_check_failed", CP_SEV_WARNING, true);
                if (c[2] == '3' && c[3] == '5' && c[8] == 'M' && c[9] == '0')
                        cp_id_res_note(res, "probable_pilot_code", CP_SEV_INFO);
        }
        cp_id_res_set_normalized(res, c, 18);
}
