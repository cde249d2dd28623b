/*
 * UTF-8 decoding and encoding for the normalisers of transform/.
 * Ingest has already rejected ill-formed input; decoding is still total
 * (malformed bytes come back as U+FFFD, one at a time) so that no input
 * can make a normaliser loop or read past its end.
 *
 * The normalisers call these once per character of every key field, so
 * the common cases (ASCII, and the three-byte sequences of CJK text) are
 * inline; everything else goes through cp_utf8_next_slow().
 */
#ifndef CP_UTF8_H
#define CP_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define CP_U_REPLACEMENT 0xFFFD

/** @brief cp_utf8_next() for what its inline part does not decode. */
uint32_t cp_utf8_next_slow(const unsigned char *s, size_t len, size_t *i);

/** @brief Decodes the code point at s[*i..len) and advances *i past it. */
static inline uint32_t cp_utf8_next(const unsigned char *s, size_t len, size_t *i)
{
        size_t k = *i;
        uint32_t c = s[k];

        if (c < 0x80) {
                *i = k + 1;
                return c;
        }
        if ((c & 0xF0) == 0xE0 && len - k > 2 && (s[k + 1] & 0xC0) == 0x80 &&
            (s[k + 2] & 0xC0) == 0x80) {
                c = ((c & 0x0F) << 12) | ((uint32_t)(s[k + 1] & 0x3F) << 6) |
                    (s[k + 2] & 0x3F);
                /* Overlong forms and surrogates take the slow path's U+FFFD. */
                if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) {
                        *i = k + 3;
                        return c;
                }
        }
        return cp_utf8_next_slow(s, len, i);
}

/** @returns the length of c's UTF-8 encoding (1–4). */
static inline size_t cp_utf8_len(uint32_t c)
{
        return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/** @brief Encodes c into b, which needs cp_utf8_len(c) bytes. @returns that length. */
static inline size_t cp_utf8_encode(uint32_t c, unsigned char *b)
{
        if (c < 0x80) {
                b[0] = (unsigned char)c;
                return 1;
        }
        if (c < 0x800) {
                b[0] = (unsigned char)(0xC0 | (c >> 6));
                b[1] = (unsigned char)(0x80 | (c & 0x3F));
                return 2;
        }
        if (c < 0x10000) {
                b[0] = (unsigned char)(0xE0 | (c >> 12));
                b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
                b[2] = (unsigned char)(0x80 | (c & 0x3F));
                return 3;
        }
        b[0] = (unsigned char)(0xF0 | (c >> 18));
        b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (c & 0x3F));
        return 4;
}

#endif
