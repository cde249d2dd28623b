/*
 * Identifier text: normalisation (domain.md §3.2–3.3), null placeholders
 * (§3.8), Excel damage, masking for logs, and the small shared helpers
 * (digits, dates, province codes).
 *
 * DESIGN: cp_id_normalize() folds one code point at a time through a
 * fixed table (cp_id_fold) instead of a full NFKC: identifiers are ASCII,
 * so only the characters that real feeds put around or inside them need a
 * rule, and everything else is kept so that the checks can reject it.
 * Whether '.' survives depends on the whole value (9.14403E+17 keeps it,
 * 12.345.678 loses it), so the input is read twice: once to classify, once
 * to write. Both reads are bounded by len; the input need not be a C
 * string.
 */
#include <stdint.h>
#include <string.h>

#include "id_internal.h"
#include "utf8.h"

/*
 * What an identifier keeps of one code point: the folded character, or 0
 * when it is dropped. '.', '+' and '=' come back as themselves: whether
 * they stay depends on context (see cp_id_normalize).
 */
static uint32_t cp_id_fold(uint32_t c)
{
        if (c >= 0xFF01 && c <= 0xFF5E)   /* full-width ASCII */
                c -= 0xFEE0;
        if (c >= 'a' && c <= 'z')
                return c - ('a' - 'A');
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
                return 0;                 /* controls: NUL, tabs, line ends */
        if (c >= 0x2000 && c <= 0x200D)   /* typographic spaces, zero-width */
                return 0;
        if (c >= 0x2010 && c <= 0x2015)   /* hyphens and dashes */
                return 0;
        switch (c) {
        case ' ': case 0x00A0: case 0x1680: case 0x180E: case 0x2028:
        case 0x2029: case 0x202F: case 0x205F: case 0x2060: case 0x3000:
        case 0xFEFF:
                return 0;                 /* spaces, BOM, word joiner */
        case '-': case '_': case '/': case 0x2212: case 0xFE58: case 0xFE63:
                return 0;                 /* separators, minus, small dashes */
        case '\'': case '`': case '"': case 0x00B4: case 0x2018: case 0x2019:
        case 0x201A: case 0x201B: case 0x201C: case 0x201D: case 0x201E:
        case 0x2032: case 0x2033:
                return 0;                 /* Excel text-forcing and quotes */
        case 0x00D7: case 0x25CF: case 0x2217: case 0x204E: case 0xFE61:
                return '*';               /* × ● ∗ ⁎ ﹡ used as mask chars */
        }
        return c;
}

/*
 * Recognises a big number as Excel (9.14403E+17), Java (9.14403001922038E17)
 * or Python (9.14403e+17) print it, one folded character at a time: one
 * integer digit, an optional fraction, E, an optional '+', and one or two
 * exponent digits ('-' was already dropped, so E-05 arrives as E05). The
 * grammar is this narrow because identifiers contain E: with any number of
 * digits on either side, a valid org code such as 53E528422 or a USCC such
 * as 91440300123413E158 read as a number and was rejected as Excel damage.
 * Without '.' or '+' the narrow form is at most 4 characters, shorter than
 * any identifier.
 */
typedef enum {
        CP_SCI_START, CP_SCI_INT, CP_SCI_DOT, CP_SCI_FRAC, CP_SCI_E,
        CP_SCI_SIGN, CP_SCI_EXP1, CP_SCI_EXP2, CP_SCI_NO,
} cp_sci_state_t;

static cp_sci_state_t cp_sci_step(cp_sci_state_t st, uint32_t c)
{
        bool digit = c >= '0' && c <= '9';

        switch (st) {
        case CP_SCI_START:
                return digit ? CP_SCI_INT : CP_SCI_NO;
        case CP_SCI_INT:
                return c == '.' ? CP_SCI_DOT : c == 'E' ? CP_SCI_E : CP_SCI_NO;
        case CP_SCI_DOT:
                return digit ? CP_SCI_FRAC : CP_SCI_NO;
        case CP_SCI_FRAC:
                if (digit)
                        return CP_SCI_FRAC;
                return c == 'E' ? CP_SCI_E : CP_SCI_NO;
        case CP_SCI_E:
                if (digit)
                        return CP_SCI_EXP1;
                return c == '+' ? CP_SCI_SIGN : CP_SCI_NO;
        case CP_SCI_SIGN:
                return digit ? CP_SCI_EXP1 : CP_SCI_NO;
        case CP_SCI_EXP1:
                return digit ? CP_SCI_EXP2 : CP_SCI_NO;
        default:
                return CP_SCI_NO;
        }
}

static bool cp_sci_done(cp_sci_state_t st)
{
        return st == CP_SCI_EXP1 || st == CP_SCI_EXP2;
}

size_t cp_id_normalize(const char *raw, size_t len, char *out, size_t outsz)
{
        const unsigned char *s = (const unsigned char *)raw;
        cp_sci_state_t st = CP_SCI_START;
        bool any = false, sci;
        size_t i, n = 0;

        if (!outsz)
                return 0;
        if (!raw)
                len = 0;

        /* Pass 1: is the kept text scientific notation? A leading '=' is
         * the ="..." wrapper and does not count. */
        for (i = 0; i < len && st != CP_SCI_NO;) {
                uint32_t c = cp_id_fold(cp_utf8_next(s, len, &i));

                if (!c || (c == '=' && !any))
                        continue;
                any = true;
                st = cp_sci_step(st, c);
        }
        sci = cp_sci_done(st);

        /* Pass 2: write. */
        any = false;
        for (i = 0; i < len;) {
                uint32_t c = cp_id_fold(cp_utf8_next(s, len, &i));
                unsigned char b[4];
                size_t bl;

                if (!c || (c == '=' && !any) || (c == '.' && !sci))
                        continue;
                any = true;
                bl = cp_utf8_encode(c, b);
                if (n + bl > outsz - 1)
                        break;            /* never split a character */
                memcpy(out + n, b, bl);
                n += bl;
        }
        out[n] = '\0';
        return n;
}

bool cp_id_is_sci(const char *s, size_t n)
{
        cp_sci_state_t st = CP_SCI_START;

        for (size_t i = 0; i < n && st != CP_SCI_NO; i++)
                st = cp_sci_step(st, (unsigned char)s[i]);
        return cp_sci_done(st);
}

bool cp_id_is_placeholder(const char *s, size_t n)
{
        /* Compared after normalisation: "N/A" arrives as "NA", "#N/A" as
         * "#NA", and "-", "--", "—", "/" arrive empty. 不详 and 未知
         * ("unknown") are not in §3.8 but mean the same in every feed. */
        static const char *const words[] = {
                "无", "暂无", "空", "其他", "其它", "不详", "未知", "NULL",
                "NONE", "NIL", "NA", "#NA", "\\", "0", NULL};
        size_t i;

        if (n == 0)
                return true;
        for (const char *const *w = words; *w; w++)
                if (strlen(*w) == n && !memcmp(s, *w, n))
                        return true;
        /* One repeated character: 000000000, 111111111111111111, or a
         * number masked completely. Real identifiers never are. */
        if (n >= 2) {
                for (i = 1; i < n && s[i] == s[0]; i++)
                        ;
                if (i == n)
                        return true;
        }
        /* Zeros with one trailing character: 00000000000000000X, as seen
         * in a real feed. */
        if (n >= 8) {
                for (i = 0; i < n - 1 && s[i] == '0'; i++)
                        ;
                if (i == n - 1)
                        return true;
        }
        return false;
}

bool cp_id_all_digits(const char *s, size_t n)
{
        if (!n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

int cp_id_num(const char *s, size_t n)
{
        int v = 0;

        for (size_t i = 0; i < n; i++)
                v = v * 10 + (s[i] - '0');
        return v;
}

bool cp_id_calendar_ok(int y, int m, int d)
{
        static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        /* No year 0 in the Gregorian calendar GB/T 7408 dates use. */
        if (y < 1 || m < 1 || m > 12 || d < 1)
                return false;
        return d <= mdays[m - 1] + (m == 2 && leap);
}

bool cp_id_date_ok(int y, int m, int d)
{
        return y >= 1880 && cp_id_calendar_ok(y, m, d);
}

bool cp_id_province_known(const char *s)
{
        /* GB/T 2260 mainland provinces (domain.md §1.6). */
        static const char provinces[] =
                "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 "
                "46 50 51 52 53 54 61 62 63 64 65";

        for (const char *p = provinces; p[0] && p[1]; p += 2 + (p[2] == ' '))
                if (p[0] == s[0] && p[1] == s[1])
                        return true;
        return false;
}

void cp_id_mask(const char *id, char *out, size_t outsz)
{
        const unsigned char *s = (const unsigned char *)(id ? id : "");
        size_t len = strlen((const char *)s), nchars = 0, i, k, n = 0;

        if (!outsz)
                return;
        for (i = 0; i < len; nchars++)
                cp_utf8_next(s, len, &i);
        /* Below 15 characters keeping 10 would show most of the value. */
        for (i = 0, k = 0; i < len; k++) {
                uint32_t c = cp_utf8_next(s, len, &i);
                unsigned char b[4];
                size_t bl;

                if (nchars < 15 || (k >= 6 && k + 4 < nchars))
                        c = '*';
                else if (c < 0x20 || c == 0x7F || c == '"' || c == '\\' ||
                         c == CP_U_REPLACEMENT)
                        c = '?';
                bl = cp_utf8_encode(c, b);
                if (n + bl > outsz - 1)
                        break;
                memcpy(out + n, b, bl);
                n += bl;
        }
        out[n] = '\0';
}
