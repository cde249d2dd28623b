#include "normalize.h"
#include "numerals.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Appends a code point as UTF-8. @returns false, appending nothing, when
 * it does not fit before the terminating NUL: callers then stop, so a
 * truncated value is a prefix of the full one, never a value with a hole. */
static bool cp_utf8_put(char *out, size_t *n, size_t outsz, uint32_t cp)
{
        size_t len = cp_utf8_len(cp);

        if (*n + len >= outsz)
                return false;
        /* Straight into out: a memcpy of 1–4 bytes per character was the
         * normalisers' largest cost. */
        *n += cp_utf8_encode(cp, (unsigned char *)out + *n);
        return true;
}

bool cp_norm_is_null(const char *s)
{
        /* The placeholders, "", "-", "--", "—", "——", "/", "\\", "无",
         * "暂无", "空", "null", "none", "n/a", "na" and "#n/a" (ASCII case
         * ignored), by length: this runs for most fields of every record,
         * and a value longer than 6 bytes is never one. */
        if (!s)
                return true;
        switch (strnlen(s, 7)) {
        case 0:
                return true;
        case 1:
                return s[0] == '-' || s[0] == '/' || s[0] == '\\';
        case 2:
                return !strcmp(s, "--") || !strcasecmp(s, "na");
        case 3:
                return !strcmp(s, "—") || !strcmp(s, "无") || !strcmp(s, "空") ||
                       !strcasecmp(s, "n/a");
        case 4:
                return !strcasecmp(s, "null") || !strcasecmp(s, "none") ||
                       !strcasecmp(s, "#n/a");
        case 6:
                return !strcmp(s, "——") || !strcmp(s, "暂无");
        default:
                return false;
        }
}

/* Folds s into out: full-width ASCII to ASCII, spaces dropped, then each
 * remaining character through map (the key builders' bracket rules). */
static size_t cp_fold_with(const char *s, char *out, size_t outsz,
                           uint32_t (*map)(uint32_t))
{
        const unsigned char *u = (const unsigned char *)s;
        size_t len = strlen(s), i = 0, n = 0;

        while (i < len) {
                uint32_t cp = cp_u_fold_width(cp_utf8_next(u, len, &i));

                if (cp_u_is_space(cp))
                        continue;
                if (!cp_utf8_put(out, &n, outsz, map ? map(cp) : cp))
                        break;
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

/* Drops every trailing 号 (E5 8F B7): one pass must leave nothing that a
 * second pass would drop, or keys built from keys would differ. */
static size_t cp_drop_trailing_hao(char *out, size_t n)
{
        while (n >= 3 && !memcmp(out + n - 3, "\xE5\x8F\xB7", 3))
                n -= 3;
        out[n] = '\0';
        return n;
}

static bool cp_is_ascii_digit(char c)
{
        return c >= '0' && c <= '9';
}

size_t cp_norm_docno(const char *s, char *out, size_t outsz)
{
        size_t n = cp_fold_with(s, out, outsz, cp_docno_bracket), serial_start;

        /* Trailing 号 is written by some agencies only. */
        n = cp_drop_trailing_hao(out, n);
        /* The serial is the trailing run of digits; strip its leading zeros
         * and the 第 (E7 AC AC) right before it. A 第 that follows a digit
         * stays: dropping it would join two numbers (罚2021第5 is not
         * 罚20215), and the joined run would lose more zeros next time. */
        serial_start = n;
        while (serial_start > 0 && cp_is_ascii_digit(out[serial_start - 1]))
                serial_start--;
        if (serial_start < n) {
                size_t z = serial_start;
                while (z + 1 < n && out[z] == '0')
                        z++;
                while (serial_start >= 3 &&
                       !memcmp(out + serial_start - 3, "\xE7\xAC\xAC", 3) &&
                       !(serial_start >= 4 && cp_is_ascii_digit(out[serial_start - 4])))
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
        return cp_drop_trailing_hao(out, n);
}

size_t cp_norm_name(const char *s, char *out, size_t outsz)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t len = strlen(s), i = 0, n = 0;
        bool pending_space = false;

        while (i < len) {
                uint32_t cp = cp_utf8_next(u, len, &i);

                if (cp_u_is_space(cp)) {
                        pending_space = n > 0;
                        continue;
                }
                if (cp == '(')
                        cp = 0xFF08;
                else if (cp == ')')
                        cp = 0xFF09;
                else if (cp == 0x2022 || cp == 0x30FB || cp == 0xFF0E ||
                         cp == 0x2027)
                        cp = 0x00B7; /* middle dots in transliterated names */
                if (pending_space) {
                        /* The space only with the character after it: a
                         * truncated name must not end in a space. */
                        if (n + 1 + cp_utf8_len(cp) >= outsz)
                                break;
                        out[n++] = ' ';
                        pending_space = false;
                }
                if (!cp_utf8_put(out, &n, outsz, cp))
                        break;
        }
        out[n] = '\0';
        return n;
}

/* ------------------------------------------------------------------ dates */

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

/* civil_from_days, the inverse of cp_days_from_civil. */
static void cp_civil_from_days(int32_t days, int *y, int *m, int *d)
{
        int32_t z = days + 719468;
        int32_t era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;

        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = (int)yoe + era * 400 + (*m <= 2);
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

/* Reads 1..maxd ASCII digits. @returns how many were read. */
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

static bool cp_lit(const char **p, const char *lit)
{
        size_t n = strlen(lit);

        if (strncmp(*p, lit, n))
                return false;
        *p += n;
        return true;
}

static void cp_opt_space(const char **p)
{
        if (**p == ' ')
                (*p)++;
}

/* Decodes the code point at *p of a NUL-terminated buffer; 0 at its end. */
static uint32_t cp_buf_next(const char **p)
{
        size_t i = 0;
        uint32_t cp;

        if (!**p)
                return 0;
        cp = cp_utf8_next((const unsigned char *)*p, strnlen(*p, 4), &i);
        *p += i;
        return cp;
}

/* Which written days are not days (§3.6): defaults that stand for "no
 * value", and far-future sentinels that stand for "no end". */
static cp_date_rc_t cp_date_sentinel(int y, int m, int d)
{
        if ((y == 1900 || y == 1970) && m == 1 && d == 1)
                return CP_DATE_ABSENT;
        if ((y == 9999 || y == 2099) && m == 12 && d == 31)
                return CP_DATE_OPEN_ENDED;
        return CP_DATE_OK;
}

/* The final day, however it was written: within 0001–9999 (what
 * cp_norm_date_format can write) and, checked again after an epoch or a
 * zone shift, not a sentinel. So CP_DATE_OK always survives a round trip
 * through cp_norm_date_format. */
static cp_date_rc_t cp_date_day(int64_t dd, int32_t *days)
{
        int y, m, d;
        cp_date_rc_t rc;

        if (dd < cp_days_from_civil(1, 1, 1) || dd > cp_days_from_civil(9999, 12, 31))
                return CP_DATE_INVALID;
        cp_civil_from_days((int32_t)dd, &y, &m, &d);
        rc = cp_date_sentinel(y, m, d);
        if (rc == CP_DATE_OK)
                *days = (int32_t)dd;
        return rc;
}

/* A written y-m-d, moved by shift days (a time zone other than UTC+8). */
static cp_date_rc_t cp_date_finish(int y, int m, int d, int shift, int32_t *days)
{
        cp_date_rc_t rc;

        if (!y && !m && !d)
                return CP_DATE_ABSENT;  /* 0000-00-00 in any form */
        if (!cp_date_valid(y, m, d))
                return CP_DATE_INVALID;
        rc = cp_date_sentinel(y, m, d);
        if (rc != CP_DATE_OK)
                return rc;
        return cp_date_day((int64_t)cp_days_from_civil(y, m, d) + shift, days);
}

/* Excel serial day numbers, only when the source says which workbook
 * system wrote them: the same 5 digits are four years apart in the two. */
static cp_date_rc_t cp_date_excel(int64_t n, const cp_date_opts_t *opts, int32_t *days)
{
        int32_t base;

        if (!opts || n < 20000 || n > 60000)
                return CP_DATE_INVALID;
        if (opts->excel_system == 1900)
                base = cp_days_from_civil(1899, 12, 30); /* n ≥ 61: past the fictitious 1900-02-29 */
        else if (opts->excel_system == 1904)
                base = cp_days_from_civil(1904, 1, 1);
        else
                return CP_DATE_INVALID;
        return cp_date_day(base + n, days);
}

/* All-digit values: the length says which form it is (§3.6). */
static cp_date_rc_t cp_date_numeric(const char *p, size_t n, const cp_date_opts_t *opts,
                                    int32_t *days)
{
        const int64_t utc8 = 8 * 3600;
        int64_t v = 0;

        if (n > 14)
                return CP_DATE_INVALID;
        for (size_t i = 0; i < n; i++)
                v = v * 10 + (p[i] - '0');
        switch (n) {
        case 5:
                return cp_date_excel(v, opts, days);
        case 8:
                return cp_date_finish((int)(v / 10000), (int)(v / 100 % 100),
                                      (int)(v % 100), 0, days);
        case 10:        /* epoch seconds, in China's time zone */
                return cp_date_day((v + utc8) / 86400, days);
        case 13:        /* epoch milliseconds */
                return cp_date_day((v / 1000 + utc8) / 86400, days);
        case 14: {      /* YYYYMMDDHHMMSS */
                int t = (int)(v % 1000000);
                if (t / 10000 > 23 || t / 100 % 100 > 59 || t % 100 > 60)
                        return CP_DATE_INVALID;
                v /= 1000000;
                return cp_date_finish((int)(v / 10000), (int)(v / 100 % 100),
                                      (int)(v % 100), 0, days);
        }
        }
        return CP_DATE_INVALID;
}

/* A digit of a year in Chinese numerals: also the letter O that is often
 * typed for 〇; never 两, which no date uses. */
static int cp_date_cn_digit(uint32_t cp)
{
        if (cp == 'O' || cp == 'o')
                return 0;
        if (cp == 0x4E24 || cp == 0x5169)
                return -1;
        return cp_cn_digit(cp);
}

/* A year written digit by digit: 二〇二〇, 二零二零. */
static bool cp_date_cn_year(const char **p, int *y)
{
        const char *q = *p;

        *y = 0;
        for (int i = 0; i < 4; i++) {
                int dg = cp_date_cn_digit(cp_buf_next(&q));
                if (dg < 0)
                        return false;
                *y = *y * 10 + dg;
        }
        *p = q;
        return true;
}

/* A month or day in Chinese numerals: 一 … 九, 十, 十一, 二十, 二十一,
 * 三十一, 廿一, 卅, or digit by digit (〇二, 一二). Ranges are left to
 * cp_date_valid. */
static bool cp_date_cn_value(const char **p, int *val)
{
        const char *q = *p, *r;
        uint32_t cp = cp_buf_next(&q);
        int d1 = cp_date_cn_digit(cp), tens, d2;

        if (d1 >= 0) {
                r = q;
                cp = cp_buf_next(&r);
                if (cp_cn_unit(cp) != 1) {
                        d2 = cp_date_cn_digit(cp);
                        if (d2 >= 0) {
                                *val = d1 * 10 + d2;
                                *p = r;
                        } else {
                                *val = d1;
                                *p = q;
                        }
                        return true;
                }
                if (d1 == 0)
                        return false;
                tens = d1;
                q = r;
        } else if (cp_cn_unit(cp) == 1) {
                tens = 1;
        } else if (cp == 0x5EFF) {      /* 廿 */
                tens = 2;
        } else if (cp == 0x5345) {      /* 卅 */
                tens = 3;
        } else {
                return false;
        }
        r = q;
        d2 = cp_date_cn_digit(cp_buf_next(&r));
        if (d2 >= 1)
                q = r;
        else
                d2 = 0;
        *val = tens * 10 + d2;
        *p = q;
        return true;
}

/* The time after a date: H:MM[:SS[.fff]] with an optional zone, or
 * H时[M分[S秒]]; with basic (after YYYYMMDDT, ISO 8601 basic format) also
 * HHMM[SS[.fff]] with an optional zone. Only the zone matters: *shift is
 * the number of days between the written day and the same instant's day
 * in UTC+8. */
static bool cp_date_time(const char *p, bool basic, int *shift)
{
        int h, mi = 0, sec = 0, zh = 0, zm = 0, sign = 1, local;

        *shift = 0;
        if (!cp_digits(&p, 2, &h) || h > 23)
                return false;
        if (basic && *p >= '0' && *p <= '9') {
                if (cp_digits(&p, 2, &mi) != 2 || mi > 59)
                        return false;
                if (*p >= '0' && *p <= '9' && (cp_digits(&p, 2, &sec) != 2 || sec > 60))
                        return false;
        } else if (cp_lit(&p, "时") || cp_lit(&p, "点")) {
                if (!*p)
                        return true;
                if (!cp_digits(&p, 2, &mi) || mi > 59 || !cp_lit(&p, "分"))
                        return false;
                if (*p && (!cp_digits(&p, 2, &sec) || sec > 60 || !cp_lit(&p, "秒")))
                        return false;
                return !*p;
        } else {
                if (*p != ':')
                        return false;
                p++;
                if (cp_digits(&p, 2, &mi) != 2 || mi > 59)
                        return false;
                if (*p == ':') {
                        p++;
                        if (cp_digits(&p, 2, &sec) != 2 || sec > 60)
                                return false;
                }
        }
        if ((*p == '.' || *p == ',') && p[1] >= '0' && p[1] <= '9')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        ;
        cp_opt_space(&p);
        if (!*p)
                return true;
        if ((*p == 'Z' || *p == 'z') && !p[1]) {
                *shift = (h * 60 + mi + 480) / 1440;
                return true;
        }
        if (*p != '+' && *p != '-')
                return false;
        sign = *p++ == '-' ? -1 : 1;
        if (cp_digits(&p, 2, &zh) != 2 || zh > 14)
                return false;
        if (*p == ':')
                p++;
        if (*p && (cp_digits(&p, 2, &zm) != 2 || zm > 59))
                return false;
        if (*p)
                return false;
        local = h * 60 + mi - sign * (zh * 60 + zm) + 480;
        *shift = local < 0 ? -1 : local / 1440;
        return true;
}

/* Dates with separators or unit characters, optionally with a time. */
static cp_date_rc_t cp_date_text(const char *s, int32_t *days)
{
        const char *p = s, *q;
        int y, m, d, shift = 0;
        bool cjk = false, unit_end = false;

        if (cp_digits(&p, 4, &y) == 4 && (*p == '-' || *p == '/' || *p == '.')) {
                char sep = *p++;
                /* The same separator twice: 2020-01/02 is not a date. */
                if (!cp_digits(&p, 2, &m) || *p != sep)
                        return CP_DATE_INVALID;
                p++;
                if (!cp_digits(&p, 2, &d))
                        return CP_DATE_INVALID;
        } else {
                cjk = true;
                p = s;
                if (cp_digits(&p, 4, &y) != 4) {
                        p = s;
                        if (!cp_date_cn_year(&p, &y))
                                return CP_DATE_INVALID;
                }
                /* Text taken from PDFs spaces the unit characters out. */
                cp_opt_space(&p);
                if (!cp_lit(&p, "年"))
                        return CP_DATE_INVALID;
                cp_opt_space(&p);
                if (!cp_digits(&p, 2, &m) && !cp_date_cn_value(&p, &m)) {
                        if (!cp_lit(&p, "元"))
                                return CP_DATE_INVALID;
                        m = 1;  /* 元月: the first month */
                }
                cp_opt_space(&p);
                if (!cp_lit(&p, "月"))
                        return CP_DATE_INVALID;
                cp_opt_space(&p);
                if (!cp_digits(&p, 2, &d) && !cp_date_cn_value(&p, &d))
                        return CP_DATE_INVALID;
                q = p;
                cp_opt_space(&q);
                if (cp_lit(&q, "日") || cp_lit(&q, "号")) {
                        p = q;
                        unit_end = true;
                }
        }
        if (*p) {
                /* A time needs a separator, except after 日, so that
                 * 2020-01-021 is not 2020-01-02 plus a time. */
                if (*p == ' ' || (*p == 'T' && !cjk))
                        p++;
                else if (!unit_end)
                        return CP_DATE_INVALID;
                if (!cp_date_time(p, false, &shift))
                        return CP_DATE_INVALID;
        }
        return cp_date_finish(y, m, d, shift, days);
}

/* Zero-width characters vanish, every other space becomes one ASCII space
 * (runs collapsed, ends trimmed), dashes and the minus sign become '-',
 * full-width ASCII becomes ASCII. @returns false when s does not fit: no
 * date is that long, and parsing a truncated prefix could accept junk. */
static bool cp_date_fold(const char *s, char *out, size_t outsz)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t len = strlen(s), i = 0, n = 0;
        bool space = false;

        out[0] = '\0';
        while (i < len) {
                uint32_t cp = cp_u_fold_width(cp_utf8_next(u, len, &i));

                if (cp_u_is_zero_width(cp))
                        continue;
                if (cp_u_is_space(cp)) {
                        space = n > 0;
                        continue;
                }
                if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFE63)
                        cp = '-';
                if ((space && !cp_utf8_put(out, &n, outsz, ' ')) ||
                    !cp_utf8_put(out, &n, outsz, cp))
                        return false;
                space = false;
        }
        out[n] = '\0';
        return true;
}

/* The value of s[0..n) when it is all ASCII digits, else -1. */
static int cp_digits_value(const char *s, size_t n)
{
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* The forms most feeds write, YYYY-MM-DD (or with / or .) and YYYYMMDD,
 * without the folding below: folding leaves them as they are, and
 * cp_date_text() and cp_date_numeric() read them to these same numbers,
 * so the result is theirs. Dates are parsed for most records.
 * @returns true with *rc and *days set as cp_norm_date_ex() sets them;
 *          false for every other form. */
static bool cp_date_plain(const char *s, int32_t *days, cp_date_rc_t *rc)
{
        size_t n = strnlen(s, 11);
        int y, m, d, v;

        if (n == 10 && (s[4] == '-' || s[4] == '/' || s[4] == '.') && s[7] == s[4] &&
            (y = cp_digits_value(s, 4)) >= 0 && (m = cp_digits_value(s + 5, 2)) >= 0 &&
            (d = cp_digits_value(s + 8, 2)) >= 0) {
                *rc = cp_date_finish(y, m, d, 0, days);
                return true;
        }
        if (n == 8 && (v = cp_digits_value(s, 8)) >= 0) {
                *rc = cp_date_finish(v / 10000, v / 100 % 100, v % 100, 0, days);
                return true;
        }
        return false;
}

cp_date_rc_t cp_norm_date_ex(const char *s, const cp_date_opts_t *opts, int32_t *days)
{
        static const char *const open_ended[] = {
                "长期", "永久", "无期限", "长期有效", "永久有效", "无限期", "无固定期限", NULL};
        char buf[96];
        size_t len, n;
        cp_date_rc_t rc;

        if (cp_norm_is_null(s))
                return CP_DATE_ABSENT;
        if (cp_date_plain(s, days, &rc))
                return rc;
        if (!cp_date_fold(s, buf, sizeof(buf)))
                return CP_DATE_INVALID;
        if (cp_norm_is_null(buf))
                return CP_DATE_ABSENT;
        for (const char *const *w = open_ended; *w; w++)
                if (!strcmp(buf, *w))
                        return CP_DATE_OPEN_ENDED;
        len = strlen(buf);
        n = strspn(buf, "0123456789");
        if (n == len)
                return cp_date_numeric(buf, n, opts, days);
        /* ISO 8601 basic format: 20200102T083000Z, 20200102T083000+0800. */
        if (n == 8 && buf[8] == 'T') {
                int v = (int)strtol(buf, NULL, 10), shift;
                if (!cp_date_time(buf + 9, true, &shift))
                        return CP_DATE_INVALID;
                return cp_date_finish(v / 10000, v / 100 % 100, v % 100, shift, days);
        }
        /* An Excel date-time cell: serial day plus a fraction of a day. */
        if (n == 5 && buf[5] == '.' && len > 6 && strspn(buf + 6, "0123456789") == len - 6)
                return cp_date_excel(strtol(buf, NULL, 10), opts, days);
        return cp_date_text(buf, days);
}

int cp_norm_date(const char *s, int32_t *days)
{
        cp_date_rc_t rc = cp_norm_date_ex(s, NULL, days);

        /* Existing callers know only "a day / none / not a date": an open
         * end is no day, and is not an invalid one either. */
        return rc == CP_DATE_OPEN_ENDED ? 0 : (int)rc;
}

void cp_norm_date_format(int32_t days, char *out)
{
        int y, m, d;

        cp_civil_from_days(days, &y, &m, &d);
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

/* ---------------------------------------------------------------- amounts */

#define CP_U_YUAN  0x5143       /* 元 */
#define CP_U_YUAN2 0x5706       /* 圆 */
#define CP_U_YUAN3 0x5713       /* 圓 */
#define CP_U_JIAO  0x89D2       /* 角 */
#define CP_U_FEN   0x5206       /* 分 */
#define CP_U_ZHENG 0x6574       /* 整 */
#define CP_U_ZHENG2 0x6B63      /* 正 */

/* One amount as read at a cursor. */
typedef struct cp_amt_s {
        int64_t fen;
        cp_unit_claim_t claim;
        bool prefix;            /* a currency prefix was written */
        bool yuan;              /* 元/圆 was written */
} cp_amt_t;

static uint32_t cp_ascii_lower(uint32_t cp)
{
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}

/* Matches lit at the cursor (ASCII case-insensitively, full-width folded);
 * advances only on a match. */
static bool cp_cur_lit(cp_cur_t *c, const char *lit)
{
        const unsigned char *l = (const unsigned char *)lit;
        size_t llen = strlen(lit), li = 0, at = c->i, next;

        while (li < llen) {
                uint32_t want = cp_utf8_next(l, llen, &li);
                cp_cur_t t = *c;

                t.i = at;
                if (cp_ascii_lower(cp_cur_peek(&t, &next)) != cp_ascii_lower(want))
                        return false;
                at = next;
        }
        c->i = at;
        return true;
}

/* The code point at the cursor after spaces; moves past it when it is one
 * of a, b, c (0 = none). */
static bool cp_cur_take(cp_cur_t *c, uint32_t a, uint32_t b, uint32_t d)
{
        cp_cur_t t = *c;
        size_t next;
        uint32_t cp;

        cp_cur_skip(&t);
        cp = cp_cur_peek(&t, &next);
        if (!cp || (cp != a && cp != b && cp != d))
                return false;
        c->i = next;
        return true;
}

/* Whether a numeral is a whole 0–9, the only count of 角 or 分 there is.
 * The range test comes first: x * 10 of a huge x would overflow. */
static bool cp_num_is_digit(const cp_num_t *num, int64_t *x)
{
        int64_t x10;

        return !num->last_big && cp_dec_to_int(num->value, 0, x) && *x <= 9 &&
               cp_dec_to_int(num->value, 1, &x10) && x10 == *x * 10;
}

/* A numeral 0–9 followed by unit (角 or 分); advances only when both are there. */
static bool cp_amt_minor(cp_cur_t *c, uint32_t unit, int64_t *v)
{
        cp_cur_t t = *c;
        cp_num_t num;
        int64_t x;

        cp_cur_skip(&t);
        if (cp_num_read(&t, &num) != 1 || !cp_num_is_digit(&num, &x) ||
            !cp_cur_take(&t, unit, 0, 0))
                return false;
        *c = t;
        *v = x;
        return true;
}

/* [prefix] numeral [元 [n角] [n分] | 角 [n分] | 分] [整]. The cursor ends
 * just after the last thing read, never after trailing spaces.
 * @returns 1 read; 0 nothing amount-like here (cursor unchanged); -1
 * malformed (cursor past what was read). */
static int cp_amt_read(cp_cur_t *c, bool wan_default, cp_amt_t *a)
{
        static const char *const prefixes[] = {"人民币", "RMB", "CNY", "¥", "￥", NULL};
        cp_num_t num;
        int64_t minor = 0, v, whole;
        int rc;

        a->prefix = a->yuan = false;
        a->claim = CP_UNIT_CLAIM_NONE;
        for (int k = 0; k < 2; k++) {
                cp_cur_t t = *c;
                bool hit = false;
                cp_cur_skip(&t);
                for (const char *const *pre = prefixes; *pre && !hit; pre++)
                        hit = cp_cur_lit(&t, *pre);
                if (!hit)
                        break;
                *c = t;
                a->prefix = true;
        }
        {
                cp_cur_t t = *c;
                cp_cur_skip(&t);
                rc = cp_num_read(&t, &num);
                if (rc == 0)
                        return a->prefix ? -1 : 0;
                *c = t;
                if (rc < 0)
                        return -1;
        }
        if (num.last_big)
                a->claim = num.last_big == 8 ? CP_UNIT_CLAIM_YI : CP_UNIT_CLAIM_WAN;
        whole = 0;
        if (cp_cur_take(c, CP_U_YUAN, CP_U_YUAN2, CP_U_YUAN3)) {
                a->yuan = true;
                if (a->claim == CP_UNIT_CLAIM_NONE)
                        a->claim = CP_UNIT_CLAIM_YUAN;
                if (!cp_dec_to_int(num.value, 2, &whole))
                        return -1;
                if (cp_amt_minor(c, CP_U_JIAO, &v))
                        minor = v * 10;
                if (cp_amt_minor(c, CP_U_FEN, &v))
                        minor += v;
        } else {
                cp_cur_t t = *c;
                int64_t x;
                bool jiao = cp_cur_take(&t, CP_U_JIAO, 0, 0);

                if (jiao || cp_cur_take(&t, CP_U_FEN, 0, 0)) {
                        /* 伍角, 5分: a value below one yuan, digit by unit. */
                        if (!cp_num_is_digit(&num, &x)) {
                                *c = t;
                                return -1;
                        }
                        *c = t;
                        a->claim = CP_UNIT_CLAIM_YUAN;
                        minor = jiao ? x * 10 : x;
                        if (jiao && cp_amt_minor(c, CP_U_FEN, &v))
                                minor += v;
                } else {
                        /* No unit: the column's, unless the numeral ended in 万/亿. */
                        int k = a->claim == CP_UNIT_CLAIM_NONE && wan_default ? 6 : 2;
                        if (!cp_dec_to_int(num.value, k, &whole))
                                return -1;
                }
        }
        cp_cur_take(c, CP_U_ZHENG, CP_U_ZHENG2, 0);
        if (__builtin_add_overflow(whole, minor, &a->fen))
                return -1;
        return 1;
}

/* §3.8 placeholders, also when padded with spaces (" - "). */
static bool cp_amount_is_null(const char *s)
{
        char b[32];

        if (cp_norm_is_null(s))
                return true;
        if (strlen(s) >= sizeof(b))
                return false;
        cp_norm_fold(s, b, sizeof(b));
        return cp_norm_is_null(b);
}

int cp_norm_amount_ex(const char *s, bool wan_default, int64_t *fen,
                      cp_unit_claim_t *claimed)
{
        cp_cur_t c;
        cp_amt_t a;
        size_t next;

        if (claimed)
                *claimed = CP_UNIT_CLAIM_NONE;
        if (cp_amount_is_null(s))
                return 0;
        c = (cp_cur_t){(const unsigned char *)s, strlen(s), 0, false};
        if (cp_amt_read(&c, wan_default, &a) != 1)
                return -1;
        cp_cur_skip(&c);
        if (cp_cur_peek(&c, &next))
                return -1;      /* trailing text: 5 英镑, 5000元以下 */
        *fen = a.fen;
        if (claimed)
                *claimed = a.claim;
        return 1;
}

int cp_norm_amount(const char *s, bool wan_default, int64_t *fen)
{
        return cp_norm_amount_ex(s, wan_default, fen, NULL);
}

/* Marks that make an amount one end of a range (1000元至5000元, 1000-5000元). */
static bool cp_is_range_mark(uint32_t cp)
{
        return cp == 0x81F3 /* 至 */ || cp == 0x5230 /* 到 */ || cp == '-' || cp == '~' ||
               cp == 0x2013 || cp == 0x2014 || cp == 0x301C;
}

/* After an amount: 以上, 以下, 以内 or a range mark (statutory bounds such
 * as 处五千元以上五万元以下罚款 are not the fine). */
static bool cp_followed_by_bound(const cp_cur_t *c)
{
        cp_cur_t t = *c;
        size_t next;
        uint32_t cp;

        cp_cur_skip(&t);
        cp = cp_cur_peek(&t, &next);
        if (cp_is_range_mark(cp))
                return true;
        if (cp != 0x4EE5)       /* 以 */
                return false;
        t.i = next;
        cp = cp_cur_peek(&t, &next);
        return cp == 0x4E0A || cp == 0x4E0B || cp == 0x5185;   /* 上 下 内 */
}

/* Whether the text from i reaches the anchor over spaces and one 的
 * (5000元罚款, 5000元的罚款). */
static bool cp_reaches(const cp_cur_t *c, size_t anchor)
{
        cp_cur_t t = *c;
        size_t next;

        cp_cur_skip(&t);
        if (cp_cur_peek(&t, &next) == 0x7684) {        /* 的 */
                t.i = next;
                cp_cur_skip(&t);
        }
        return t.i == anchor;
}

/* A code point that can begin an amount in text, given the one before it:
 * never inside a run of digits or of Chinese numerals, so a failed
 * 123456789012345678901元 is not retried as 23456789012345678901元. */
static bool cp_amt_may_start(uint32_t cp, uint32_t prev)
{
        bool prev_arabic = (prev >= '0' && prev <= '9') || prev == '.' || prev == ',';
        bool prev_cn = cp_cn_digit(prev) >= 0 || cp_cn_unit(prev) > 0;

        if ((cp >= '0' && cp <= '9') || cp == '.')
                return !prev_arabic;
        if (cp_cn_digit(cp) >= 0 || cp_cn_unit(cp) == 1)
                return !prev_cn;
        return cp == 0x4EBA /* 人 */ || cp == 'R' || cp == 'r' || cp == 'C' || cp == 'c' ||
               cp == 0x00A5 || cp == 0xFFE5;
}

/* The code point just before index i (i > 0). */
static uint32_t cp_cp_before(const cp_cur_t *c, size_t i)
{
        size_t j = i - 1, k;

        while (j > 0 && i - j < 4 && (c->s[j] & 0xC0) == 0x80)
                j--;
        k = j;
        return cp_u_fold_width(cp_utf8_next(c->s, i, &k));
}

int cp_norm_amount_in_text(const char *text, int64_t *fen)
{
        const char *hit;
        size_t anchor = SIZE_MAX, after = SIZE_MAX, next;
        cp_cur_t c;
        cp_amt_t a;
        int64_t first = -1;
        uint32_t prev = 0;

        if (!text)
                return 0;
        c = (cp_cur_t){(const unsigned char *)text, strlen(text), 0, true};
        hit = strstr(text, "罚款");
        if (hit) {
                /* Where an amount written directly after 罚款 (or 罚款：) starts. */
                cp_cur_t t = c;
                anchor = (size_t)(hit - text);
                t.i = anchor + strlen("罚款");
                cp_cur_skip(&t);
                if (cp_cur_peek(&t, &next) == ':') {
                        t.i = next;
                        cp_cur_skip(&t);
                }
                after = t.i;
        }
        while (c.i < c.len) {
                size_t at = c.i;
                uint32_t cp = cp_cur_peek(&c, &next);
                int rc;

                if (cp_u_is_space(cp)) {
                        c.i = next;
                        continue;
                }
                if (!cp_amt_may_start(cp, prev) || (rc = cp_amt_read(&c, false, &a)) == 0) {
                        c.i = next;
                        prev = cp;
                        continue;
                }
                if (c.i <= at)
                        c.i = next;     /* always progress */
                if (rc == 1 && !cp_is_range_mark(prev) && !cp_followed_by_bound(&c)) {
                        bool money = a.prefix || a.yuan;
                        bool big = a.claim == CP_UNIT_CLAIM_WAN || a.claim == CP_UNIT_CLAIM_YI;

                        if (!hit && money) {
                                *fen = a.fen;
                                return 1;
                        }
                        if (hit && at >= anchor && (money || (big && at == after))) {
                                *fen = a.fen;
                                return 1;
                        }
                        if (hit && at < anchor && (money || big) && cp_reaches(&c, anchor)) {
                                *fen = a.fen;
                                return 1;
                        }
                        if (money && first < 0)
                                first = a.fen;
                }
                prev = cp_cp_before(&c, c.i);
        }
        if (first < 0)
                return 0;
        *fen = first;
        return 1;
}
