/*
 * Fuzz target for date normalisation (transform/normalize.c, domain.md
 * §3.6): arbitrary bytes as a date field, with and without Excel serials.
 * Beyond "no crash":
 *  - the result is one of the four codes, and *days is written only with
 *    CP_DATE_OK;
 *  - CP_DATE_OK means a day in 0001–9999 whose YYYY-MM-DD parses back to
 *    the same day (so an OK day is never a placeholder or open-ended one);
 *  - an Excel option only adds readings of 5-digit values: whatever parses
 *    without it parses the same with it (a new reading may be a placeholder:
 *    serial 25569 is 1970-01-01);
 *  - cp_norm_date is cp_norm_date_ex with open-ended folded into 0.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transform/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CP_FUZZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define CP_FUZZ_UNSET INT32_MIN

/* An OK day formats to text that parses back to itself, whatever options. */
static void cp_fuzz_roundtrip(int32_t days)
{
        static const cp_date_opts_t excel = {1900};
        char iso[11];
        int32_t again = CP_FUZZ_UNSET;

        CP_FUZZ_CHECK(days >= -719162 && days <= 2932896);  /* 0001-01-01 … 9999-12-31 */
        cp_norm_date_format(days, iso);
        CP_FUZZ_CHECK(cp_norm_date_ex(iso, NULL, &again) == CP_DATE_OK && again == days);
        again = CP_FUZZ_UNSET;
        CP_FUZZ_CHECK(cp_norm_date_ex(iso, &excel, &again) == CP_DATE_OK && again == days);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const cp_date_opts_t none = {0}, e1900 = {1900}, e1904 = {1904}, odd = {1905};
        const cp_date_opts_t *const excel[] = {&e1900, &e1904};
        char *s = malloc(size + 1);
        int32_t d0 = CP_FUZZ_UNSET, d = CP_FUZZ_UNSET;
        cp_date_rc_t r0, r;
        int w;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        r0 = cp_norm_date_ex(s, NULL, &d0);
        CP_FUZZ_CHECK(r0 >= CP_DATE_INVALID && r0 <= CP_DATE_OPEN_ENDED);
        CP_FUZZ_CHECK(r0 == CP_DATE_OK || d0 == CP_FUZZ_UNSET);
        if (r0 == CP_DATE_OK)
                cp_fuzz_roundtrip(d0);

        /* excel_system 0 and unknown systems are the defaults */
        r = cp_norm_date_ex(s, &none, &d);
        CP_FUZZ_CHECK(r == r0 && d == d0);
        d = CP_FUZZ_UNSET;
        r = cp_norm_date_ex(s, &odd, &d);
        CP_FUZZ_CHECK(r == r0 && d == d0);

        for (size_t k = 0; k < sizeof(excel) / sizeof(excel[0]); k++) {
                d = CP_FUZZ_UNSET;
                r = cp_norm_date_ex(s, excel[k], &d);
                CP_FUZZ_CHECK(r >= CP_DATE_INVALID && r <= CP_DATE_OPEN_ENDED);
                CP_FUZZ_CHECK(r == CP_DATE_OK || d == CP_FUZZ_UNSET);
                if (r0 != CP_DATE_INVALID)
                        CP_FUZZ_CHECK(r == r0 && d == d0);
                else    /* a serial may land on a placeholder: 25569 is 1970-01-01 */
                        CP_FUZZ_CHECK(r == CP_DATE_INVALID || r == CP_DATE_OK ||
                                      r == CP_DATE_ABSENT);
                if (r == CP_DATE_OK)
                        cp_fuzz_roundtrip(d);
        }

        d = CP_FUZZ_UNSET;
        w = cp_norm_date(s, &d);
        CP_FUZZ_CHECK(w == (r0 == CP_DATE_OPEN_ENDED ? 0 : (int)r0));
        CP_FUZZ_CHECK(w == 1 ? d == d0 : d == CP_FUZZ_UNSET);
        free(s);
        return 0;
}
