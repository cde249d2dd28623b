/*
 * cp_id_check(): normalise, reject placeholders and Excel damage, then
 * hand the value to the checker of the wanted type, or pick one by shape
 * (domain.md §3.3 step 4).
 *
 * DESIGN: the dispatch by shape is used for columns that mix kinds (the
 * SPC cardNum column holds person IDs, USCCs and org codes). A wrong guess
 * there rejects a good record, so where two readings compete the one that
 * passes its checks wins: an 18-digit value that fails as a RIC but is a
 * valid USCC is a USCC, and a 15-digit value is a registration number when
 * its MOD 11,10 check passes (flagged when it could also be a legacy RIC).
 */
#include <string.h>

#include "id_internal.h"

void cp_id_res_fail(cp_id_result_t *res, const char *code, cp_severity_t sev,
                    bool usable)
{
        res->valid = false;
        if (!usable)
                res->usable = false;
        if (!res->reason)
                res->reason = code;
        cp_id_res_note(res, code, sev);
}

void cp_id_res_note(cp_id_result_t *res, const char *code, cp_severity_t sev)
{
        /* Eight is more than any value can collect (a USCC at worst: two
         * table warnings, two check failures, the pilot note). */
        if (res->nfindings == CP_ID_MAX_FINDINGS)
                return;
        res->findings[res->nfindings].code = code;
        res->findings[res->nfindings].severity = sev;
        res->nfindings++;
}

void cp_id_res_set_normalized(cp_id_result_t *res, const char *s, size_t n)
{
        if (n >= sizeof(res->normalized))
                n = sizeof(res->normalized) - 1;
        memcpy(res->normalized, s, n);
        res->normalized[n] = '\0';
}

const char *cp_id_type_name(cp_id_type_t t)
{
        switch (t) {
        case CP_ID_USCC: return "uscc";
        case CP_ID_ORG_CODE: return "org_code";
        case CP_ID_REG_NO: return "reg_no";
        case CP_ID_RIC: return "ric";
        case CP_ID_RIC_MASKED: return "ric_masked";
        default: return "unknown";
        }
}

/* A person ID with a typo still reads as one: a known province, then a
 * birth year and month. Such a value is judged as a RIC even when it passes
 * the USCC checks by chance (one digit string in ~340 does). A digit-only
 * USCC rarely looks like this: its positions 7-10 are the registering
 * region's last digits and the org code's first two. */
static bool cp_ric_shape_plausible(const char *s)
{
        int year = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');

        /* The month's first digit only: "month 13" is a typical typo. */
        return cp_id_province_known(s) && year >= 1880 && year <= 2099 &&
               (s[10] == '0' || s[10] == '1');
}

static void cp_id_dispatch(const char *s, size_t n, cp_id_result_t *res)
{
        /* A digit-and-X USCC can contain an XX run; its checks tell. */
        if (cp_ric_looks_masked(s, n) && !(n == 18 && cp_uscc_checks_pass(s))) {
                cp_id_check_ric(s, n, res);
                return;
        }
        if (n == 18) {
                cp_id_result_t alt;

                /* Only 17 digits + digit/X can be a person; anything with
                 * letters inside is an organisation. */
                if (!cp_id_all_digits(s, 17) ||
                    !(cp_id_all_digits(s + 17, 1) || s[17] == 'X')) {
                        cp_id_check_uscc(s, n, false, res);
                        return;
                }
                cp_id_check_ric(s, n, res);
                if (res->valid || cp_ric_shape_plausible(s))
                        return;
                /* A digit-only USCC (many pre-2015 codes) can have a
                 * date-like middle; if it passes as a USCC it is one. A
                 * digit string failing both stays a bad RIC: taking it as
                 * a USCC would make a broken person ID usable. Digits
                 * zeroed by Excel are that, whatever the value was. */
                memset(&alt, 0, sizeof(alt));
                alt.valid = alt.usable = true;
                cp_id_check_uscc(s, n, false, &alt);
                if (alt.valid || (!strcmp(alt.reason, "excel_precision_loss") &&
                                  strcmp(res->reason, "excel_precision_loss")))
                        *res = alt;
                return;
        }
        if (n == 15 && cp_id_all_digits(s, n)) {
                if (cp_regno_check_ok(s)) {
                        cp_id_check_reg_no(s, n, res);
                        /* One in ten legacy RICs passes MOD 11,10 by chance. */
                        if (cp_ric15_date_ok(s) && cp_id_province_known(s))
                                cp_id_res_note(res, "regno_may_be_ric15",
                                               CP_SEV_WARNING);
                } else if (cp_ric15_date_ok(s)) {
                        cp_id_check_ric(s, n, res);
                } else {
                        cp_id_check_reg_no(s, n, res);
                }
                return;
        }
        if (n == 9) {
                cp_id_check_org_code(s, n, res);
                return;
        }
        cp_id_res_fail(res, "unknown_shape", CP_SEV_ERROR, false);
}

void cp_id_check(const char *raw, size_t len, cp_id_type_t want,
                 cp_id_result_t *res)
{
        char s[CP_ID_NORM_MAX];
        size_t n;

        memset(res, 0, sizeof(*res));
        res->type = want == CP_ID_RIC_MASKED ? CP_ID_RIC : want;
        res->valid = res->usable = true;
        n = cp_id_normalize(raw, raw ? len : 0, s, sizeof(s));

        if (cp_id_is_placeholder(s, n)) {
                /* Absent rather than wrong: callers skip the field. */
                cp_id_res_fail(res, "placeholder", CP_SEV_INFO, false);
        } else if (cp_id_is_sci(s, n)) {
                /* Excel kept 15 significant digits: the rest are gone. */
                cp_id_res_fail(res, "excel_precision_loss", CP_SEV_ERROR, false);
        } else {
                switch (want) {
                case CP_ID_USCC:
                        cp_id_check_uscc(s, n, true, res);
                        break;
                case CP_ID_ORG_CODE:
                        cp_id_check_org_code(s, n, res);
                        break;
                case CP_ID_REG_NO:
                        cp_id_check_reg_no(s, n, res);
                        break;
                case CP_ID_RIC:
                case CP_ID_RIC_MASKED:
                        cp_id_check_ric(s, n, res);
                        break;
                default:
                        cp_id_dispatch(s, n, res);
                        break;
                }
        }
        if (!res->usable)
                res->normalized[0] = '\0';
}
