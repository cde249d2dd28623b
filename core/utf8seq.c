#include "utf8seq.h"

size_t cp_utf8_seq_len(const unsigned char *s, size_t avail)
{
        unsigned char c, lo = 0x80, hi = 0xBF;
        size_t len;

        if (!avail)
                return 0;
        c = s[0];
        if (c < 0x80)
                return 1;
        if (c >= 0xC2 && c <= 0xDF)
                len = 2;
        else if (c >= 0xE0 && c <= 0xEF)
                len = 3;
        else if (c >= 0xF0 && c <= 0xF4)
                len = 4;
        else
                return 0;
        /* The second byte's range rules out the overlong forms, the
         * surrogates (ED A0..BF) and what lies past U+10FFFF. */
        if (c == 0xE0)
                lo = 0xA0;
        else if (c == 0xED)
                hi = 0x9F;
        else if (c == 0xF0)
                lo = 0x90;
        else if (c == 0xF4)
                hi = 0x8F;
        if (len > avail || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t k = 2; k < len; k++)
                if (s[k] < 0x80 || s[k] > 0xBF)
                        return 0;
        return len;
}
