#include "normalize.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Appends a code point as UTF-8; stops at outsz - 1 bytes. */
static size_t cp_utf8_put(char *out, size_t n, size_t outsz, uint32_t cp)
{
        unsigned char b[4];
        size_t len = cp_utf8_encode(cp, b);

        if (n + len >= outsz)
                return n;
        memcpy(out + n, b, len);
        return n + len;
}

static bool cp_is_space(uint32_t cp)
{
        return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' ||
               cp == 0x00A0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200D) ||
               cp == 0xFEFF || cp == 0x2060;
}

/* Full-width ASCII (U+FF01..U+FF5E) to ASCII. */
static uint32_t cp_fold_width(uint32_t cp)
{
        if (cp >= 0xFF01 && cp <= 0xFF5E)
                return cp - 0xFEE0;
        return cp;
}

bool cp_norm_is_null(const char *s)
{
        static const char *const nulls[] = {
                "", "-", "--", "—", "——", "/", "\\", "无", "暂无", "空",
                "null", "none", "n/a", "na", "#n/a", NULL};

        if (!s)
                return true;
        for (const char *const *n = nulls; *n; n++)
                if (!strcasecmp(s, *n))
                        return true;
        return false;
}

/* Folds s into out: full-width ASCII to ASCII, spaces dropped, then each
 * remaining character through map (the key builders' bracket rules). */
static size_t cp_fold_with(const char *s, char *out, size_t outsz,
                           uint32_t (*map)(uint32_t))
{
        const unsigned char *u = (const unsigned char *)s;
        size_t len = strlen(s), i = 0, n = 0;

        while (i < len) {
                uint32_t cp = cp_fold_width(cp_utf8_next(u, len, &i));

                if (cp_is_space(cp))
                        continue;
                n = cp_utf8_put(out, n, outsz, map ? map(cp) : cp);
        }
        out[n] = '\0';
        return n;
}

size_t cp_norm_fold(const char *s, char *out, size_t outsz)
{
        return cp_fold_with(s, out, outsz, NULL);
}

/* Year brackets of document numbers, all to 〔 〕. */
static uint32_t cp_docno_bracket(uint32_t cp)
{
        switch (cp) {
        case '(': case '[': case '{': case 0x3010: /* 【 */
                return 0x3014;                     /* 〔 */
        case ')': case ']': case '}': case 0x3011: /* 】 */
                return 0x3015;                     /* 〕 */
        }
        return cp;
}

/* Brackets of court case numbers, all to ( ). */
static uint32_t cp_caseno_bracket(uint32_t cp)
{
        if (cp == 0x3014 || cp == '[')
                return '(';
        if (cp == 0x3015 || cp == ']')
                return ')';
        return cp;
}

size_t cp_norm_docno(const char *s, char *out, size_t outsz)
{
        size_t n = cp_fold_with(s, out, outsz, cp_docno_bracket), serial_start;

        /* Trailing 号 (E5 8F B7) is written by some agencies only. */
        if (n >= 3 && !memcmp(out + n - 3, "\xE5\x8F\xB7", 3))
                out[n -= 3] = '\0';
        /* The serial is the trailing run of digits; strip its leading zeros
         * and a 第 (E7 AC AC) right before it. */
        serial_start = n;
        while (serial_start > 0 && out[serial_start - 1] >= '0' &&
               out[serial_start - 1] <= '9')
                serial_start--;
        if (serial_start < n) {
                size_t z = serial_start;
                while (z + 1 < n && out[z] == '0')
                        z++;
                if (serial_start >= 3 &&
                    !memcmp(out + serial_start - 3, "\xE7\xAC\xAC", 3))
                        serial_start -= 3;
                memmove(out + serial_start, out + z, n - z + 1);
                n = serial_start + (n - z);
        }
        return n;
}

size_t cp_norm_caseno(const char *s, char *out, size_t outsz)
{
        size_t n = cp_fold_with(s, out, outsz, cp_caseno_bracket);

        /* Trailing 号 is part of every case number but often omitted. */
        if (n >= 3 && !memcmp(out + n - 3, "\xE5\x8F\xB7", 3))
                n -= 3;
        out[n] = '\0';
        return n;
}

size_t cp_norm_name(const char *s, char *out, size_t outsz)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t len = strlen(s), i = 0, n = 0;
        bool pending_space = false;

        while (i < len) {
                uint32_t cp = cp_utf8_next(u, len, &i);

                if (cp_is_space(cp)) {
                        pending_space = n > 0;
                        continue;
                }
                if (pending_space) {
                        n = cp_utf8_put(out, n, outsz, ' ');
                        pending_space = false;
                }
                if (cp == '(')
                        cp = 0xFF08;
                else if (cp == ')')
                        cp = 0xFF09;
                else if (cp == 0x2022 || cp == 0x30FB || cp == 0xFF0E ||
                         cp == 0x2027)
                        cp = 0x00B7; /* middle dots in transliterated names */
                n = cp_utf8_put(out, n, outsz, cp);
        }
        out[n] = '\0';
        return n;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int32_t cp_days_from_civil(int y, int m, int d)
{
        y -= m <= 2;
        int era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned)(y - era * 400);
        unsigned doy = (153 * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 +
                       (unsigned)d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int32_t)doe - 719468;
}

static bool cp_date_valid(int y, int m, int d)
{
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int max;

        if (y < 1 || m < 1 || m > 12 || d < 1)
                return false;
        max = mdays[m - 1];
        if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
                max = 29;
        return d <= max;
}

/* Reads 1..maxd ASCII digits. */
static int cp_digits(const char **p, int maxd, int *val)
{
        int n = 0, v = 0;

        while (n < maxd && **p >= '0' && **p <= '9') {
                v = v * 10 + (**p - '0');
                (*p)++;
                n++;
        }
        *val = v;
        return n;
}

/* Accepts one date separator: - / . or a Chinese unit character. */
static bool cp_date_sep(const char **p, const char *unit)
{
        if (**p == '-' || **p == '/' || **p == '.') {
                (*p)++;
                return true;
        }
        if (!strncmp(*p, unit, strlen(unit))) {
                *p += strlen(unit);
                return true;
        }
        return false;
}

int cp_norm_date(const char *s, int32_t *days)
{
        char buf[64];
        const char *p = buf;
        int y, m, d, nd;

        if (cp_norm_is_null(s))
                return 0;
        cp_norm_fold(s, buf, sizeof(buf));
        nd = cp_digits(&p, 8, &y);
        if (nd == 8) {
                /* Compact YYYYMMDD, optionally followed by HHMMSS. */
                d = y % 100;
                m = y / 100 % 100;
                y /= 10000;
                while (*p >= '0' && *p <= '9')
                        p++;
        } else if (nd == 4) {
                if (!cp_date_sep(&p, "年") || !cp_digits(&p, 2, &m) ||
                    !cp_date_sep(&p, "月") || !cp_digits(&p, 2, &d))
                        return -1;
                if (!strncmp(p, "日", 3))
                        p += 3;
        } else {
                return -1;
        }
        /* A time part may follow (folding removed the space before it). */
        if (*p && *p != 'T' && !(*p >= '0' && *p <= '9'))
                return -1;
        if (y == 0 && m == 0 && d == 0)
                return 0;
        if (!cp_date_valid(y, m, d))
                return -1;
        if ((y == 1900 && m == 1 && d == 1) || (y == 1970 && m == 1 && d == 1))
                return 0;
        *days = cp_days_from_civil(y, m, d);
        return 1;
}

void cp_norm_date_format(int32_t days, char *out)
{
        /* civil_from_days, the inverse of cp_days_from_civil. */
        int32_t z = days + 719468;
        int32_t era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int y = (int)yoe + era * 400;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        unsigned d = doy - (153 * mp + 2) / 5 + 1;
        unsigned m = mp < 10 ? mp + 3 : mp - 9;

        y += m <= 2;
        y = ((y % 10000) + 10000) % 10000;
        /* By hand: snprintf cannot prove these fit in 11 bytes. */
        out[0] = (char)('0' + y / 1000);
        out[1] = (char)('0' + y / 100 % 10);
        out[2] = (char)('0' + y / 10 % 10);
        out[3] = (char)('0' + y % 10);
        out[4] = '-';
        out[5] = (char)('0' + m / 10);
        out[6] = (char)('0' + m % 10);
        out[7] = '-';
        out[8] = (char)('0' + d / 10);
        out[9] = (char)('0' + d % 10);
        out[10] = '\0';
}

int cp_norm_amount(const char *s, bool wan_default, int64_t *fen)
{
        char buf[128];
        const char *p;
        int64_t whole = 0, frac = 0;
        int fdigits = 0, ndigits = 0;
        int64_t scale = wan_default ? 10000 : 1;

        if (cp_norm_is_null(s))
                return 0;
        cp_norm_fold(s, buf, sizeof(buf));
        p = buf;
        for (const char *pre[] = {"人民币", "RMB", "¥", "￥", NULL}, **q = pre; *q; q++)
                if (!strncmp(p, *q, strlen(*q)))
                        p += strlen(*q);
        for (; (*p >= '0' && *p <= '9') || *p == ','; p++) {
                if (*p == ',')
                        continue;
                if (++ndigits > 15)
                        return -1;
                whole = whole * 10 + (*p - '0');
        }
        if (*p == '.') {
                for (p++; *p >= '0' && *p <= '9'; p++) {
                        /* Keep 6 fractional digits: 万元 columns carry them. */
                        if (fdigits < 6) {
                                frac = frac * 10 + (*p - '0');
                                fdigits++;
                        }
                }
        }
        if (ndigits == 0 && fdigits == 0)
                return -1;
        if (!strcmp(p, "元"))
                scale = 1;
        else if (!strcmp(p, "万元") || !strcmp(p, "万"))
                scale = 10000;
        else if (!strcmp(p, "亿元") || !strcmp(p, "亿"))
                scale = 100000000;
        else if (*p)
                return -1;
        /* An amount beyond int64 fen (92 trillion yuan) is not an amount. */
        if (whole > INT64_MAX / (scale * 100) - 1)
                return -1;
        /* fen = (whole + frac / 10^fdigits) * scale * 100, rounded. */
        int64_t pow10 = 1;
        for (int i = 0; i < fdigits; i++)
                pow10 *= 10;
        *fen = whole * scale * 100 + (frac * scale * 100 + pow10 / 2) / pow10;
        return 1;
}
