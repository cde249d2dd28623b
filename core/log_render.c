#include "log_render.h"

#include <string.h>

#include "utf8seq.h"

static bool cp_lr_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool cp_lr_key_start(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool cp_lr_key_char(char c)
{
        return cp_lr_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* @returns the length of the key at s[i] if `key=` starts there, else 0. */
static size_t cp_lr_key_at(const char *s, size_t n, size_t i)
{
        size_t j = i;

        if (j >= n || !cp_lr_key_start(s[j]))
                return 0;
        while (j < n && cp_lr_key_char(s[j]))
                j++;
        return j < n && s[j] == '=' ? j - i : 0;
}

/* Whether s[i..] is blanks then the end or another `key=`: where a value
 * may end. */
static bool cp_lr_boundary(const char *s, size_t n, size_t i)
{
        if (i < n && !cp_lr_blank(s[i]))
                return false;
        while (i < n && cp_lr_blank(s[i]))
                i++;
        return i == n || cp_lr_key_at(s, n, i) > 0;
}

/* An unquoted value (or text) from s[i]: @returns where it ends. */
static size_t cp_lr_bare_end(const char *s, size_t n, size_t i)
{
        while (i < n && !(cp_lr_blank(s[i]) && cp_lr_boundary(s, n, i)))
                i++;
        return i;
}

size_t cp_log_parse_tail(char *s, size_t n, cp_log_pair_t *pairs, size_t max)
{
        size_t i = 0, np = 0;

        while (np < max) {
                cp_log_pair_t *p = &pairs[np];
                size_t klen;

                while (i < n && cp_lr_blank(s[i]))
                        i++;
                if (i >= n)
                        break;
                klen = cp_lr_key_at(s, n, i);
                *p = (cp_log_pair_t){0};
                if (np == max - 1 || !klen) {
                        /* Text, or all that is left when pairs run out. */
                        size_t end = np == max - 1 ? n : cp_lr_bare_end(s, n, i);

                        while (end > i && cp_lr_blank(s[end - 1]))
                                end--;
                        p->lp_val = s + i;
                        p->lp_vlen = end - i;
                        i = end;
                        np++;
                        continue;
                }
                p->lp_key = s + i;
                p->lp_klen = klen;
                i += klen + 1;
                if (i < n && s[i] == '"') {
                        size_t w = ++i;

                        /* Unescapes in place: w never passes i. */
                        p->lp_quoted = true;
                        p->lp_val = s + w;
                        while (i < n) {
                                if (s[i] == '\\' && i + 1 < n &&
                                    (s[i + 1] == '"' || s[i + 1] == '\\')) {
                                        s[w++] = s[i + 1];
                                        i += 2;
                                } else if (s[i] == '"' && cp_lr_boundary(s, n, i + 1)) {
                                        i++;
                                        break;
                                } else {
                                        s[w++] = s[i++];
                                }
                        }
                        p->lp_vlen = (size_t)(s + w - p->lp_val);
                } else {
                        size_t end = cp_lr_bare_end(s, n, i);

                        p->lp_val = s + i;
                        p->lp_vlen = end - i;
                        i = end;
                }
                np++;
        }
        return np;
}

static void cp_lr_put(cp_log_buf_t *b, const char *s, size_t n)
{
        if (b->lb_full || n >= b->lb_cap - b->lb_len) {
                b->lb_full = true;
                return;
        }
        memcpy(b->lb_p + b->lb_len, s, n);
        b->lb_len += n;
        b->lb_p[b->lb_len] = '\0';
}

static void cp_lr_puts(cp_log_buf_t *b, const char *s)
{
        cp_lr_put(b, s, strlen(s));
}

/* Whether logfmt must quote the value to read it back as one value. */
static bool cp_lr_needs_quotes(const char *v, size_t n)
{
        const unsigned char *s = (const unsigned char *)v;

        for (size_t i = 0; i < n; i++) {
                if (s[i] <= ' ' || s[i] == '=' || s[i] == '"' || s[i] == '\\' ||
                    s[i] == 0x7F)
                        return true;
                if (s[i] >= 0x80) {
                        size_t l = cp_utf8_seq_len(s + i, n - i);
                        if (!l)
                                return true;
                        i += l - 1;
                }
        }
        return false;
}

/* Escapes shared by both formats (JSON's, which logfmt readers accept):
 * \" \\ \n \r \t, other controls and DEL as \u00XX, invalid UTF-8 as
 * U+FFFD. */
static void cp_lr_escaped(cp_log_buf_t *b, const char *v, size_t n)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *s = (const unsigned char *)v;
        size_t run = 0;  /* start of bytes to copy as they are */

        for (size_t i = 0; i < n;) {
                unsigned char c = s[i];
                char esc[7];
                const char *rep = NULL;
                size_t rlen = 2, l = 1;

                if (c >= 0x80 && (l = cp_utf8_seq_len(s + i, n - i)) > 0) {
                        i += l;
                        continue;
                }
                switch (c) {
                case '"': rep = "\\\""; break;
                case '\\': rep = "\\\\"; break;
                case '\n': rep = "\\n"; break;
                case '\r': rep = "\\r"; break;
                case '\t': rep = "\\t"; break;
                default:
                        if (c >= 0x80) {
                                rep = "\xEF\xBF\xBD";
                                rlen = 3;
                        } else if (c < 0x20 || c == 0x7F) {
                                memcpy(esc, "\\u00", 4);
                                esc[4] = hex[c >> 4];
                                esc[5] = hex[c & 15];
                                rep = esc;
                                rlen = 6;
                        }
                }
                if (!rep) {
                        i++;
                        continue;
                }
                cp_lr_put(b, v + run, i - run);
                cp_lr_put(b, rep, rlen);
                run = ++i;
        }
        cp_lr_put(b, v + run, n - run);
}

static void cp_lr_quoted(cp_log_buf_t *b, const char *v, size_t n)
{
        cp_lr_put(b, "\"", 1);
        cp_lr_escaped(b, v, n);
        cp_lr_put(b, "\"", 1);
}

void cp_log_render_logfmt(cp_log_buf_t *b, const cp_log_head_t *h,
                          const cp_log_pair_t *pairs, size_t npairs)
{
        cp_lr_puts(b, "ts=");
        cp_lr_puts(b, h->lh_ts);
        cp_lr_puts(b, " level=");
        cp_lr_puts(b, h->lh_level);
        cp_lr_puts(b, " comp=");
        cp_lr_puts(b, h->lh_comp);
        cp_lr_puts(b, " event=");
        cp_lr_puts(b, h->lh_event);
        for (size_t i = 0; i < npairs; i++) {
                const cp_log_pair_t *p = &pairs[i];

                cp_lr_put(b, " ", 1);
                if (p->lp_key)
                        cp_lr_put(b, p->lp_key, p->lp_klen);
                else
                        cp_lr_puts(b, "text");
                cp_lr_put(b, "=", 1);
                /* Quotes the call site wrote stay, so greps written
                 * against today's lines keep matching. */
                if (p->lp_quoted || !p->lp_key || cp_lr_needs_quotes(p->lp_val, p->lp_vlen))
                        cp_lr_quoted(b, p->lp_val, p->lp_vlen);
                else
                        cp_lr_put(b, p->lp_val, p->lp_vlen);
        }
}

static bool cp_lr_key_is(const cp_log_pair_t *p, const char *name)
{
        const char *k = p->lp_key ? p->lp_key : "text";
        size_t kl = p->lp_key ? p->lp_klen : 4;

        return kl == strlen(name) && !memcmp(k, name, kl);
}

static bool cp_lr_same_key(const cp_log_pair_t *a, const cp_log_pair_t *b)
{
        const char *k = b->lp_key ? b->lp_key : "text";
        size_t kl = b->lp_key ? b->lp_klen : 4;

        return (a->lp_key ? a->lp_klen : 4) == kl &&
               !memcmp(a->lp_key ? a->lp_key : "text", k, kl);
}

static void cp_lr_member(cp_log_buf_t *b, const char *name, const char *value)
{
        cp_lr_put(b, ",\"", 2);
        cp_lr_puts(b, name);
        cp_lr_put(b, "\":", 2);
        cp_lr_quoted(b, value, strlen(value));
}

void cp_log_render_json(cp_log_buf_t *b, const cp_log_head_t *h,
                        const cp_log_pair_t *pairs, size_t npairs)
{
        static const char *const fixed[] = {"ts", "level", "comp", "event"};
        size_t msg = npairs;

        cp_lr_puts(b, "{\"ts\":");
        cp_lr_quoted(b, h->lh_ts, strlen(h->lh_ts));
        cp_lr_member(b, "level", h->lh_level);
        cp_lr_member(b, "comp", h->lh_comp);
        cp_lr_member(b, "event", h->lh_event);
        for (size_t i = 0; i < npairs && msg == npairs; i++)
                if (cp_lr_key_is(&pairs[i], "msg"))
                        msg = i;
        for (size_t k = 0; k <= npairs; k++) {
                /* k == 0 is msg (if any); then the others in order. */
                size_t i = k == 0 ? msg : k - 1;
                const cp_log_pair_t *p;
                bool rename = false;

                if (i >= npairs || (k > 0 && i == msg))
                        continue;
                p = &pairs[i];
                for (size_t f = 0; f < 4; f++)
                        rename |= cp_lr_key_is(p, fixed[f]);
                if (i != msg) {
                        rename |= msg < npairs && cp_lr_same_key(p, &pairs[msg]);
                        for (size_t j = 0; j < i && !rename; j++)
                                rename = j != msg && cp_lr_same_key(p, &pairs[j]);
                }
                cp_lr_put(b, ",\"", 2);
                if (rename)
                        cp_lr_put(b, "_", 1);
                if (p->lp_key)
                        cp_lr_put(b, p->lp_key, p->lp_klen);
                else
                        cp_lr_puts(b, "text");
                cp_lr_put(b, "\":", 2);
                cp_lr_quoted(b, p->lp_val, p->lp_vlen);
        }
        cp_lr_put(b, "}", 1);
}
