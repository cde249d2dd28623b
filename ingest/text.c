/*
 * Byte-level text checks: UTF-8 validity, trimming, NUL removal.
 *
 * DESIGN: validation runs over every byte ingest reads, so ASCII (most of
 * a feed's bytes: digits, dates, codes, punctuation) is checked 8 bytes a
 * step; multi-byte sequences are checked against the ranges of RFC 3629
 * table 3-7, which rejects overlong forms and surrogates in the same test.
 */
#include "text.h"

#include <stdint.h>
#include <string.h>

bool cp_text_utf8_valid(const char *s, size_t n, size_t *bad)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;

        while (i < n) {
                if (p[i] < 0x80) {
                        uint64_t w;

                        while (i + 8 <= n) {
                                memcpy(&w, p + i, 8);
                                if (w & 0x8080808080808080ULL)
                                        break;
                                i += 8;
                        }
                        while (i < n && p[i] < 0x80)
                                i++;
                        continue;
                }
                unsigned char c = p[i];

                /* Most of a Chinese feed: three-byte sequences whose lead
                 * (E1–EC, EE, EF) allows any continuation byte second. */
                if (c >= 0xE1 && c <= 0xEF && c != 0xED && n - i >= 3 &&
                    (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
                        i += 3;
                        continue;
                }
                /* Allowed range of the second byte, and sequence length. */
                unsigned char lo = 0x80, hi = 0xBF;
                size_t len;

                if (c >= 0xC2 && c <= 0xDF) {
                        len = 2;
                } else if (c >= 0xE0 && c <= 0xEF) {
                        len = 3;
                        if (c == 0xE0)
                                lo = 0xA0;   /* overlong */
                        else if (c == 0xED)
                                hi = 0x9F;   /* surrogates */
                } else if (c >= 0xF0 && c <= 0xF4) {
                        len = 4;
                        if (c == 0xF0)
                                lo = 0x90;   /* overlong */
                        else if (c == 0xF4)
                                hi = 0x8F;   /* above U+10FFFF */
                } else {
                        *bad = i;
                        return false;
                }
                if (n - i < len || p[i + 1] < lo || p[i + 1] > hi) {
                        *bad = i;
                        return false;
                }
                for (size_t k = 2; k < len; k++) {
                        if ((p[i + k] & 0xC0) != 0x80) {
                                *bad = i;
                                return false;
                        }
                }
                i += len;
        }
        return true;
}

/* Length of the white space at the start of p[0..n), 0 when none. */
static size_t cp_text_space_at(const unsigned char *p, size_t n)
{
        if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
                return 1;
        if (n >= 2 && p[0] == 0xC2 && p[1] == 0xA0)
                return 2;
        if (n >= 3 && ((p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) ||
                       (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x8B) ||
                       (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)))
                return 3;
        return 0;
}

/* Length of the white space at the end of p[0..n), 0 when none. */
static size_t cp_text_space_before(const unsigned char *p, size_t n)
{
        if (n >= 1 && p[n - 1] < 0x80)
                return cp_text_space_at(p + n - 1, 1);
        if (n >= 2 && cp_text_space_at(p + n - 2, 2) == 2)
                return 2;
        if (n >= 3 && cp_text_space_at(p + n - 3, 3) == 3)
                return 3;
        return 0;
}

void cp_text_trim(const char **s, size_t *n)
{
        const unsigned char *p = (const unsigned char *)*s;
        size_t len = *n, k;

        while ((k = cp_text_space_at(p, len)) > 0) {
                p += k;
                len -= k;
        }
        while ((k = cp_text_space_before(p, len)) > 0)
                len -= k;
        *s = (const char *)p;
        *n = len;
}

size_t cp_text_copy_nonul(char *dst, const char *src, size_t n)
{
        const char *z = memchr(src, '\0', n);
        size_t out;

        if (!z) {
                memcpy(dst, src, n);
                dst[n] = '\0';
                return n;
        }
        /* Rare: feeds exported from fixed-width systems pad with NULs. */
        out = 0;
        for (size_t i = 0; i < n; i++)
                if (src[i] != '\0')
                        dst[out++] = src[i];
        dst[out] = '\0';
        return out;
}
