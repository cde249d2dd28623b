#include "utf8.h"

/* Decodes one UTF-8 sequence from s[*i..len). Anything malformed
 * (truncated, overlong, surrogate, beyond U+10FFFF) comes back as
 * U+FFFD and consumes one byte, so decoding always advances. */
uint32_t cp_utf8_next_slow(const unsigned char *s, size_t len, size_t *i)
{
        size_t k = *i, need;
        uint32_t c = s[k], min;

        if (c < 0x80) {
                *i = k + 1;
                return c;
        }
        if ((c & 0xE0) == 0xC0) {
                need = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
                need = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
                need = 3, min = 0x10000, c &= 0x07;
        } else {
                *i = k + 1;
                return CP_U_REPLACEMENT;
        }
        if (len - k - 1 < need) {
                *i = k + 1;
                return CP_U_REPLACEMENT;
        }
        for (size_t j = 1; j <= need; j++) {
                if ((s[k + j] & 0xC0) != 0x80) {
                        *i = k + 1;
                        return CP_U_REPLACEMENT;
                }
                c = (c << 6) | (s[k + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                *i = k + 1;
                return CP_U_REPLACEMENT;
        }
        *i = k + 1 + need;
        return c;
}
