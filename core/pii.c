#include "pii.h"

#include <string.h>

/* Full-width forms, UTF-8: U+FF10..U+FF19 (０-９) are EF BC 90..99;
 * U+FF38 (Ｘ) is EF BC B8 and U+FF58 (ｘ) EF BD 98. */

/* @returns the digit at s[i] (ASCII or full-width) with its width in *w,
 * or -1. */
static int cp_pii_digit(const unsigned char *s, size_t n, size_t i, size_t *w)
{
        if (s[i] >= '0' && s[i] <= '9') {
                *w = 1;
                return s[i] - '0';
        }
        if (s[i] == 0xEF && i + 2 < n && s[i + 1] == 0xBC && s[i + 2] >= 0x90 &&
            s[i + 2] <= 0x99) {
                *w = 3;
                return s[i + 2] - 0x90;
        }
        return -1;
}

/* @returns the width of an X or x (ASCII or full-width) at s[i], or 0. */
static size_t cp_pii_x(const unsigned char *s, size_t n, size_t i)
{
        if (s[i] == 'X' || s[i] == 'x')
                return 1;
        if (s[i] == 0xEF && i + 2 < n &&
            ((s[i + 1] == 0xBC && s[i + 2] == 0xB8) ||
             (s[i + 1] == 0xBD && s[i + 2] == 0x98)))
                return 3;
        return 0;
}

/* A mainland province (GB/T 2260), Taiwan (71), or the residence permits
 * of Hong Kong, Macao and Taiwan residents (81–83, §2.5). */
static bool cp_pii_region(const char *c)
{
        int a = c[0] - '0', b = c[1] - '0';

        switch (a) {
        case 1: return b >= 1 && b <= 5;
        case 2: return b >= 1 && b <= 3;
        case 3: return b >= 1 && b <= 7;
        case 4: return b >= 1 && b <= 6;
        case 5: return b <= 4;
        case 6: return b >= 1 && b <= 5;
        case 7: return b == 1;
        case 8: return b >= 1 && b <= 3;
        }
        return false;
}

/* Loose on purpose (see pii.h): a mistyped month or day still reads as
 * a person's birth date. */
static bool cp_pii_date(const char *c)
{
        int year = (c[6] - '0') * 1000 + (c[7] - '0') * 100 +
                   (c[8] - '0') * 10 + (c[9] - '0');

        return year >= 1880 && year <= 2099 && c[10] <= '1' && c[12] <= '3';
}

bool cp_pii_find_ric(const char *str, size_t n, size_t from, size_t *start,
                     size_t *len, char *canon)
{
        const unsigned char *s = (const unsigned char *)str;
        size_t i = from;

        while (i < n) {
                size_t w, j = i, nd = 0, xw = 0;
                char c[CP_PII_RIC_LEN + 1];

                if (cp_pii_digit(s, n, i, &w) < 0) {
                        i++;
                        continue;
                }
                /* A maximal run of digits, and an X right after 17. */
                while (j < n) {
                        int d = cp_pii_digit(s, n, j, &w);

                        if (d < 0)
                                break;
                        if (nd < CP_PII_RIC_LEN)
                                c[nd] = (char)('0' + d);
                        nd++;
                        j += w;
                }
                if (nd == CP_PII_RIC_LEN - 1 && j < n &&
                    (xw = cp_pii_x(s, n, j)) > 0 &&
                    !(j + xw < n && cp_pii_digit(s, n, j + xw, &w) >= 0)) {
                        c[nd++] = 'X';
                        j += xw;
                }
                if (nd == CP_PII_RIC_LEN) {
                        c[CP_PII_RIC_LEN] = '\0';
                        if (cp_pii_region(c) && cp_pii_date(c)) {
                                *start = i;
                                *len = j - i;
                                if (canon)
                                        memcpy(canon, c, sizeof(c));
                                return true;
                        }
                }
                i = j;
        }
        return false;
}

/* @returns the byte length of the first k characters of the run at s. */
static size_t cp_pii_chars(const unsigned char *s, size_t n, size_t k)
{
        size_t i = 0, w;

        while (k-- > 0 && i < n) {
                if (cp_pii_digit(s, n, i, &w) < 0)
                        w = cp_pii_x(s, n, i);
                i += w ? w : 1;
        }
        return i;
}

size_t cp_pii_mask_rics(const char *s, size_t n, char *out, size_t *out_len,
                        cp_pii_keep_fn keep, void *opaque)
{
        size_t i = 0, o = 0, start, len, masked = 0;
        char canon[CP_PII_RIC_LEN + 1];

        while (cp_pii_find_ric(s, n, i, &start, &len, canon)) {
                const unsigned char *r = (const unsigned char *)s + start;
                size_t head, mid;

                memmove(out + o, s + i, start - i);
                o += start - i;
                if (keep && keep(canon, opaque)) {
                        memmove(out + o, s + start, len);
                        o += len;
                } else {
                        /* Keep characters 1–6 and 15–18, whatever their
                         * width; 8 '*' replace 7–14. */
                        head = cp_pii_chars(r, len, 6);
                        mid = cp_pii_chars(r, len, 14);
                        memmove(out + o, r, head);
                        o += head;
                        memset(out + o, '*', 8);
                        o += 8;
                        memmove(out + o, r + mid, len - mid);
                        o += len - mid;
                        masked++;
                }
                i = start + len;
        }
        memmove(out + o, s + i, n - i);
        o += n - i;
        out[o] = '\0';
        *out_len = o;
        return masked;
}
