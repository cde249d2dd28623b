/*
 * Legacy organisation identifiers (domain.md §1.7.1, §1.8): the GB 11714
 * organisation code (9 chars, also embedded at USCC positions 9-17) and
 * the GS 15-2006 business registration number (15 digits).
 *
 * DESIGN: unlike USCCs, neither has a known population of legitimately
 * issued values that fail their check, so a failed check makes the value
 * unusable. The GB 11714 check values letters A=10..Z=35 over the full
 * alphabet, not the USCC's 31 symbols: §1.7.1 shows 100/100 real codes
 * agree with the full alphabet and only 35/100 with the other reading.
 */
#include <string.h>

#include "id_internal.h"

/* GB 11714 value of a body character: 0-9, A=10 … Z=35; -1 otherwise. */
static int cp_orgcode_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'A' && c <= 'Z')
                return c - 'A' + 10;
        return -1;
}

bool cp_orgcode_check_ok(const char *s)
{
        static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
        int sum = 0, c9;

        for (int i = 0; i < 8; i++) {
                int v = cp_orgcode_value(s[i]);

                if (v < 0)
                        return false;
                sum += v * w[i];
        }
        c9 = 11 - sum % 11;               /* 10 is written X, 11 is 0 */
        if (c9 == 10)
                return s[8] == 'X';
        return s[8] == '0' + c9 % 11;
}

bool cp_regno_check_ok(const char *s)
{
        /* ISO 7064 MOD 11,10 (hybrid) over the 14 leading digits. */
        int p = 10;

        for (int i = 0; i < 14; i++) {
                int sd = (p + (s[i] - '0')) % 10;

                p = (sd == 0 ? 10 : sd) * 2 % 11;
        }
        return s[14] - '0' == (11 - p) % 10;
}

void cp_id_check_org_code(const char *s, size_t n, cp_id_result_t *res)
{
        res->type = CP_ID_ORG_CODE;
        if (n != 9) {
                cp_id_res_fail(res, "orgcode_bad_length", CP_SEV_ERROR, false);
                return;
        }
        for (size_t i = 0; i < 8; i++)
                if (cp_orgcode_value(s[i]) < 0) {
                        cp_id_res_fail(res, "orgcode_bad_charset", CP_SEV_ERROR, false);
                        return;
                }
        if (!((s[8] >= '0' && s[8] <= '9') || s[8] == 'X')) {
                cp_id_res_fail(res, "orgcode_bad_charset", CP_SEV_ERROR, false);
                return;
        }
        /* PDY00001-PDY99999: a zone for systems' internal use, never for
         * exchange; a feed carrying one leaked an internal key. */
        if (!memcmp(s, "PDY", 3) && cp_id_all_digits(s + 3, 5) &&
            memcmp(s + 3, "00000", 5)) {
                cp_id_res_fail(res, "orgcode_reserved", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_orgcode_check_ok(s)) {
                cp_id_res_fail(res, "orgcode_check_failed", CP_SEV_ERROR, false);
                return;
        }
        cp_id_res_set_normalized(res, s, 9);
}

void cp_id_check_reg_no(const char *s, size_t n, cp_id_result_t *res)
{
        res->type = CP_ID_REG_NO;
        if (n != 15) {
                cp_id_res_fail(res, "regno_bad_length", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_id_all_digits(s, n)) {
                cp_id_res_fail(res, "regno_bad_charset", CP_SEV_ERROR, false);
                return;
        }
        if (!cp_regno_check_ok(s)) {
                cp_id_res_fail(res, "regno_check_failed", CP_SEV_ERROR, false);
                return;
        }
        cp_id_res_set_normalized(res, s, 15);
}
