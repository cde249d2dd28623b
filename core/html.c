#include "html.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "utf8seq.h"

/* U+FFFD REPLACEMENT CHARACTER */
static const char cp_html_fffd[] = "\xEF\xBF\xBD";

/* Control characters have no place in text for people: C0 but tab and
 * line feed, DEL, and C1 (U+0080..U+009F, encoded C2 80..C2 9F). */
static bool cp_is_control(const unsigned char *s, size_t n)
{
        if (n == 1)
                return (s[0] < 0x20 && s[0] != '\t' && s[0] != '\n') || s[0] == 0x7F;
        return n == 2 && s[0] == 0xC2 && s[1] < 0xA0;
}

void cp_html_text(cp_buf_t *b, const char *s)
{
        const unsigned char *p = (const unsigned char *)(s ? s : "");
        const unsigned char *run = p;

        while (*p) {
                size_t n = cp_utf8_seq_len(p, strnlen((const char *)p, 4));
                const char *esc = NULL;

                if (n == 1) {
                        switch (*p) {
                        case '&': esc = "&amp;"; break;
                        case '<': esc = "&lt;"; break;
                        case '>': esc = "&gt;"; break;
                        case '"': esc = "&quot;"; break;
                        case '\'': esc = "&#39;"; break;
                        default: break;
                        }
                }
                if (!n || (!esc && cp_is_control(p, n)))
                        esc = cp_html_fffd;
                if (!esc) {
                        p += n;
                        continue;
                }
                cp_buf_append(b, (const char *)run, (size_t)(p - run));
                cp_buf_puts(b, esc);
                p += n ? n : 1;
                run = p;
        }
        cp_buf_append(b, (const char *)run, (size_t)(p - run));
}

void cp_html_attr(cp_buf_t *b, const char *name, const char *value)
{
        cp_buf_printf(b, " %s=\"", name);
        cp_html_text(b, value);
        cp_buf_puts(b, "\"");
}

void cp_html_attr_u64(cp_buf_t *b, const char *name, uint64_t v)
{
        cp_buf_printf(b, " %s=\"%" PRIu64 "\"", name, v);
}

void cp_html_count(cp_buf_t *b, uint64_t v)
{
        char digits[24], out[32];
        size_t n, o = 0;

        n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v);
        for (size_t i = 0; i < n; i++) {
                if (i && (n - i) % 3 == 0)
                        out[o++] = ',';
                out[o++] = digits[i];
        }
        cp_buf_append(b, out, o);
}

void cp_html_pct(cp_buf_t *b, uint64_t num, uint64_t den)
{
        if (!den)
                cp_buf_puts(b, "\xE2\x80\x93");  /* – EN DASH */
        else
                cp_buf_printf(b, "%.1f%%", 100.0 * (double)num / (double)den);
}

uint32_t cp_html_ramp(const uint32_t *stops, size_t n, double t)
{
        double pos;
        size_t k;
        uint32_t a, c, rgb = 0;

        if (!(t > 0))   /* also NaN */
                t = 0;
        if (t > 1)
                t = 1;
        pos = t * (double)(n - 1);
        k = (size_t)pos;
        if (k >= n - 1)
                k = n - 2;
        pos -= (double)k;
        a = stops[k];
        c = stops[k + 1];
        for (int sh = 16; sh >= 0; sh -= 8) {
                double x = (double)((a >> sh) & 0xFF), y = (double)((c >> sh) & 0xFF);

                rgb |= (uint32_t)(x + (y - x) * pos + 0.5) << sh;
        }
        return rgb;
}

bool cp_html_is_light(uint32_t rgb)
{
        /* Perceived brightness (ITU-R BT.601 weights): above the middle,
         * dark text contrasts better than white. */
        double y = 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) +
                   0.114 * (rgb & 0xFF);

        return y > 150;
}
