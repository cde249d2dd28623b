#include "numerals.h"
#include "utf8.h"

#include <stdint.h>

bool cp_u_is_zero_width(uint32_t cp)
{
        return (cp >= 0x200B && cp <= 0x200D) || cp == 0xFEFF || cp == 0x2060;
}

bool cp_u_is_space(uint32_t cp)
{
        return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' ||
               cp == 0x00A0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200D) ||
               cp == 0xFEFF || cp == 0x2060;
}

uint32_t cp_u_fold_width(uint32_t cp)
{
        if (cp >= 0xFF01 && cp <= 0xFF5E)
                return cp - 0xFEE0;
        return cp;
}

int cp_cn_digit(uint32_t cp)
{
        switch (cp) {
        case 0x3007: case 0x96F6: case 0x25CB: case 0x25EF:     /* 〇 零 ○ ◯ */
                return 0;
        case 0x4E00: case 0x58F9:                               /* 一 壹 */
                return 1;
        case 0x4E8C: case 0x8D30: case 0x8CB3: case 0x4E24: case 0x5169: /* 二 贰 貳 两 兩 */
                return 2;
        case 0x4E09: case 0x53C1: case 0x53C3:                  /* 三 叁 參 */
                return 3;
        case 0x56DB: case 0x8086:                               /* 四 肆 */
                return 4;
        case 0x4E94: case 0x4F0D:                               /* 五 伍 */
                return 5;
        case 0x516D: case 0x9646: case 0x9678:                  /* 六 陆 陸 */
                return 6;
        case 0x4E03: case 0x67D2:                               /* 七 柒 */
                return 7;
        case 0x516B: case 0x634C:                               /* 八 捌 */
                return 8;
        case 0x4E5D: case 0x7396:                               /* 九 玖 */
                return 9;
        }
        return -1;
}

int cp_cn_unit(uint32_t cp)
{
        switch (cp) {
        case 0x5341: case 0x62FE:               /* 十 拾 */
                return 1;
        case 0x767E: case 0x4F70:               /* 百 佰 */
                return 2;
        case 0x5343: case 0x4EDF:               /* 千 仟 */
                return 3;
        case 0x4E07: case 0x842C:               /* 万 萬 */
                return 4;
        case 0x4EBF: case 0x5104:               /* 亿 億 */
                return 8;
        }
        return 0;
}

bool cp_dec_add(cp_dec_t *a, cp_dec_t b)
{
        if (b.m == 0)
                return true;
        if (a->m == 0) {
                *a = b;
                return true;
        }
        /* Align on the smaller exponent; each step multiplies by ten, so
         * an overflow ends the loop within 19 steps. */
        while (a->e > b.e) {
                if (__builtin_mul_overflow(a->m, 10, &a->m))
                        return false;
                a->e--;
        }
        while (b.e > a->e) {
                if (__builtin_mul_overflow(b.m, 10, &b.m))
                        return false;
                b.e--;
        }
        return !__builtin_add_overflow(a->m, b.m, &a->m);
}

bool cp_dec_shift(cp_dec_t *v, int k)
{
        if (v->m == 0) {
                v->e = 0;
                return true;
        }
        /* 10^40 fen is beyond any int64; refusing early keeps e small. */
        if (v->e + k > 40 || v->e + k < -40)
                return false;
        v->e += k;
        return true;
}

bool cp_dec_to_int(cp_dec_t v, int k, int64_t *out)
{
        int t = v.e + k;
        int64_t q = v.m;

        if (q == 0) {
                *out = 0;
                return true;
        }
        for (; t > 0; t--)
                if (__builtin_mul_overflow(q, 10, &q))
                        return false;
        if (t < 0) {
                /* m < 10^19, so 20 or more places below the unit round to 0. */
                if (t < -19) {
                        *out = 0;
                        return true;
                }
                for (; t < -1; t++)
                        q /= 10;
                /* One place left: round half up on it. */
                q = q / 10 + (q % 10 >= 5);
        }
        *out = q;
        return true;
}

void cp_cur_skip(cp_cur_t *c)
{
        while (c->i < c->len) {
                size_t j = c->i;

                if (!cp_u_is_space(cp_utf8_next(c->s, c->len, &j)))
                        return;
                c->i = j;
        }
}

uint32_t cp_cur_peek(const cp_cur_t *c, size_t *next)
{
        size_t j = c->i;
        uint32_t cp = 0;

        if (j < c->len)
                cp = cp_u_fold_width(cp_utf8_next(c->s, c->len, &j));
        *next = j;
        return cp;
}

static bool cp_is_digit(uint32_t cp)
{
        return cp >= '0' && cp <= '9';
}

/* The code point after the one at the cursor (skipping spaces in a field). */
static uint32_t cp_cur_peek2(const cp_cur_t *c)
{
        cp_cur_t t = *c;
        size_t next;

        cp_cur_peek(&t, &next);
        t.i = next;
        if (!t.text)
                cp_cur_skip(&t);
        return cp_cur_peek(&t, &next);
}

/* A ',' at the cursor is a thousands separator only when exactly three
 * digits follow it: "5,000" is a number, "罚款5,并处" is two things. */
static bool cp_comma_group(const cp_cur_t *c)
{
        cp_cur_t t = *c;
        size_t next;
        int n = 0;

        cp_cur_peek(&t, &next);
        t.i = next;
        for (;;) {
                if (!t.text)
                        cp_cur_skip(&t);
                if (!cp_is_digit(cp_cur_peek(&t, &next)))
                        break;
                t.i = next;
                if (++n > 3)
                        return false;
        }
        return n == 3;
}

/* Reads an Arabic decimal; the cursor is at a digit, or at a '.' that a
 * digit follows (".5", as Oracle's TO_CHAR prints 0.5). Digits beyond
 * int64 precision in the fraction are dropped (they are far below a fen);
 * in the integer part they are an overflow (-1, the run still consumed). */
static int cp_num_arabic(cp_cur_t *c, cp_dec_t *v, int *nint)
{
        int64_t m = 0;
        int e = 0, n = 0;
        bool over = false;
        size_t next, save;
        uint32_t cp;

        for (;;) {
                save = c->i;
                if (n && !c->text)
                        cp_cur_skip(c);
                cp = cp_cur_peek(c, &next);
                if (cp_is_digit(cp)) {
                        if (__builtin_mul_overflow(m, 10, &m) ||
                            __builtin_add_overflow(m, (int64_t)(cp - '0'), &m))
                                over = true;
                        n++;
                        c->i = next;
                } else if (cp == ',' && n > 0 && cp_comma_group(c)) {
                        c->i = next;
                } else {
                        c->i = save;
                        break;
                }
        }
        save = c->i;
        if (n && !c->text)
                cp_cur_skip(c);
        cp = cp_cur_peek(c, &next);
        if (cp == '.' && cp_is_digit(cp_cur_peek2(c))) {
                c->i = next;
                for (;;) {
                        save = c->i;
                        if (!c->text)
                                cp_cur_skip(c);
                        cp = cp_cur_peek(c, &next);
                        if (!cp_is_digit(cp)) {
                                c->i = save;
                                break;
                        }
                        c->i = next;
                        if (!over && m <= (INT64_MAX - 9) / 10) {
                                m = m * 10 + (int64_t)(cp - '0');
                                e--;
                        }
                }
        } else if (cp == '.' && !c->text && n && cp_cur_peek2(c) == 0) {
                c->i = next;    /* "5." at the end of a field: 5 */
        } else {
                c->i = save;
        }
        *nint = n;
        v->m = m;
        v->e = e;
        return over ? -1 : 1;
}

int cp_num_read(cp_cur_t *c, cp_num_t *out)
{
        cp_dec_t total = {0, 0}, sec = {0, 0}, grp = {0, 0}, num = {0, 0};
        bool have_num = false, num_short = false, any = false, chinese = false;
        bool zero_since = false, grp_any = false, sec_any = false;
        bool had_wan = false, had_yi = false;
        int last_small = 4, last_unit = 0, last_big = 0;
        size_t start = c->i;

        for (;;) {
                size_t save = c->i, next;
                uint32_t cp;
                int d, u;

                cp_cur_skip(c);
                cp = cp_cur_peek(c, &next);
                d = cp_cn_digit(cp);
                u = cp_cn_unit(cp);
                if (cp_is_digit(cp) || (cp == '.' && cp_is_digit(cp_cur_peek2(c)))) {
                        int nint;
                        if (have_num) {
                                c->i = save;
                                break;
                        }
                        if (cp_num_arabic(c, &num, &nint) < 0)
                                return -1;
                        have_num = any = true;
                        /* A lone Arabic digit after a unit (1万2) reads two ways. */
                        num_short = nint <= 1;
                        last_big = 0;
                } else if (d >= 0) {
                        if (have_num) {
                                c->i = save;
                                break;
                        }
                        c->i = next;
                        any = chinese = true;
                        last_big = 0;
                        if (d == 0) {
                                zero_since = true;
                        } else {
                                num = (cp_dec_t){d, 0};
                                have_num = num_short = true;
                        }
                } else if (u >= 1 && u <= 3) {
                        if (u >= last_small) {
                                c->i = save;
                                break;
                        }
                        if (!have_num) {
                                /* 十 alone means 一十 (十五, 十万) only where a
                                 * number or a 零 place starts; 百/千 never. */
                                if (u != 1 || (any && !zero_since)) {
                                        c->i = save;
                                        break;
                                }
                                num = (cp_dec_t){1, 0};
                        }
                        if (!cp_dec_shift(&num, u) || !cp_dec_add(&grp, num)) {
                                c->i = next;
                                return -1;
                        }
                        c->i = next;
                        have_num = zero_since = false;
                        grp_any = any = chinese = true;
                        last_small = last_unit = u;
                        last_big = 0;
                } else if (u == 4 || u == 8) {
                        if (!have_num && !grp_any && !(u == 8 && sec_any)) {
                                c->i = save;
                                break;
                        }
                        c->i = next;
                        if (have_num && last_unit >= 2 && !zero_since && num_short)
                                return -1;
                        if ((u == 4 && had_wan) || (u == 8 && had_yi))
                                return -1;
                        if (have_num && !cp_dec_add(&grp, num))
                                return -1;
                        if (u == 4) {
                                if (!cp_dec_shift(&grp, 4) || !cp_dec_add(&sec, grp))
                                        return -1;
                                had_wan = sec_any = true;
                        } else {
                                /* 一万亿: the 万 section is part of the 亿 multiplier. */
                                if (!cp_dec_add(&sec, grp) || !cp_dec_shift(&sec, 8) ||
                                    !cp_dec_add(&total, sec))
                                        return -1;
                                sec = (cp_dec_t){0, 0};
                                had_yi = true;
                                had_wan = sec_any = false;
                        }
                        grp = num = (cp_dec_t){0, 0};
                        have_num = grp_any = zero_since = false;
                        any = chinese = true;
                        last_small = 4;
                        last_unit = last_big = u;
                } else {
                        c->i = save;
                        break;
                }
        }
        if (!any) {
                c->i = start;
                return 0;
        }
        if (have_num && last_unit >= 2 && !zero_since && num_short)
                return -1;
        if ((have_num && !cp_dec_add(&grp, num)) || !cp_dec_add(&sec, grp) ||
            !cp_dec_add(&total, sec))
                return -1;
        out->value = total;
        out->last_big = last_big;
        out->chinese = chinese;
        return 1;
}
