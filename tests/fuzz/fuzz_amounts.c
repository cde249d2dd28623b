/*
 * Fuzz target for amount normalisation (transform/normalize.c, domain.md
 * §3.7): arbitrary bytes as an amount field and as free text.
 * Beyond "no crash" (every multiplication is checked: int64 overflow is a
 * refusal, never a wrapped value, and UBSan would trap on signed overflow):
 *  - fen is never negative;
 *  - null-ness and the claimed unit do not depend on the column's unit;
 *    a written unit makes the column's unit irrelevant; without one the
 *    万元 column is 10^4 times the 元 column, give or take the rounding
 *    of one fen;
 *  - cp_norm_amount is cp_norm_amount_ex without the claim;
 *  - a field value that writes 元 is also found as such in free text,
 *    alone, after 罚款 and right before 罚款.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transform/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CP_FUZZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* No space of any kind (free text ends digit runs at spaces, a field does not). */
static bool cp_fuzz_spaceless(const char *s)
{
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p <= 0x20)
                        return false;
        return !strstr(s, "\xC2\xA0") && !strstr(s, "\xE3\x80\x80") && !strstr(s, "\xE2\x80") &&
               !strstr(s, "\xE2\x81\xA0") && !strstr(s, "\xEF\xBB\xBF");
}

static void cp_fuzz_in_text(const char *pre, const char *s, const char *post, int64_t want)
{
        size_t n = strlen(pre) + strlen(s) + strlen(post) + 1;
        char *t = malloc(n);
        int64_t fen = -1;

        if (!t)
                return;
        strcpy(t, pre);
        strcat(t, s);
        strcat(t, post);
        CP_FUZZ_CHECK(cp_norm_amount_in_text(t, &fen) == 1 && fen == want);
        free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);
        int64_t fw = -1, fy = -1, f = -1, ft = -1;
        cp_unit_claim_t cw, cy;
        int rw, ry, rt;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        rw = cp_norm_amount_ex(s, true, &fw, &cw);
        ry = cp_norm_amount_ex(s, false, &fy, &cy);
        CP_FUZZ_CHECK(rw >= -1 && rw <= 1 && ry >= -1 && ry <= 1);
        CP_FUZZ_CHECK((rw == 0) == (ry == 0));
        CP_FUZZ_CHECK(rw == 1 || cw == CP_UNIT_CLAIM_NONE);
        CP_FUZZ_CHECK(ry == 1 || cy == CP_UNIT_CLAIM_NONE);
        CP_FUZZ_CHECK(rw != 1 || fw >= 0);
        CP_FUZZ_CHECK(ry != 1 || fy >= 0);
        if (rw == 1 && ry == 1)
                CP_FUZZ_CHECK(cw == cy);
        if (rw == 1 && cw != CP_UNIT_CLAIM_NONE)
                CP_FUZZ_CHECK(ry == 1 && fy == fw);
        if (ry == 1 && cy != CP_UNIT_CLAIM_NONE)
                CP_FUZZ_CHECK(rw == 1 && fw == fy);
        if (rw == 1 && cw == CP_UNIT_CLAIM_NONE) {
                int64_t scaled;
                CP_FUZZ_CHECK(ry == 1);
                if (!__builtin_mul_overflow(fy, 10000, &scaled))
                        CP_FUZZ_CHECK(fw - scaled <= 5000 && scaled - fw <= 5000);
        }
        if (ry == 1 && cy == CP_UNIT_CLAIM_NONE && rw != 1)
                CP_FUZZ_CHECK(rw == -1 && fy >= INT64_MAX / 10000 - 1);  /* only overflow */

        CP_FUZZ_CHECK(cp_norm_amount(s, true, &f) == rw && (rw != 1 || f == fw));

        rt = cp_norm_amount_in_text(s, &ft);
        CP_FUZZ_CHECK(rt == 0 || rt == 1);
        CP_FUZZ_CHECK(rt == 0 || ft >= 0);
        if (ry == 1 && cy != CP_UNIT_CLAIM_NONE && cp_fuzz_spaceless(s) &&
            (strstr(s, "元") || strstr(s, "圆") || strstr(s, "圓"))) {
                CP_FUZZ_CHECK(rt == 1 && ft == fy);
                cp_fuzz_in_text("没收违法所得1000元，罚款", s, "。", fy);
                cp_fuzz_in_text("没收违法所得1000元，并处", s, "罚款", fy);
                cp_fuzz_in_text("警告，并处", s, "的罚款", fy);
        }
        free(s);
        return 0;
}
