/*
 * Writing generated feeds (see gen_out.h).
 *
 * DESIGN: one 1 MiB buffer per open feed, flushed with fwrite; newlines
 * are counted with memchr as bytes are appended, which costs far less
 * than the formatting itself. Row values that do not fit the row pool are
 * cut short rather than overflowing: rows are a few hundred bytes, so a
 * cut value is a generator bug that the self-check would see.
 */
#include "gen_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CP_GEN_OUTBUF (1u << 20)

int cp_gen_out_open(cp_gen_out_t *out, const char *path)
{
        memset(out, 0, sizeof(*out));
        out->out_line = 1;
        out->out_cd = (iconv_t)-1;
        if (!(out->out_buf = malloc(CP_GEN_OUTBUF)))
                return -1;
        if (!(out->out_fp = fopen(path, "wb"))) {
                free(out->out_buf);
                out->out_buf = NULL;
                return -1;
        }
        return 0;
}

static void cp_gen_out_flush(cp_gen_out_t *out)
{
        if (out->out_len && !out->out_errno &&
            fwrite(out->out_buf, 1, out->out_len, out->out_fp) != out->out_len)
                out->out_errno = errno ? errno : EIO;
        out->out_len = 0;
}

int cp_gen_out_set_encoding(cp_gen_out_t *out, const char *encoding)
{
        out->out_cd = iconv_open(encoding, "UTF-8");
        return out->out_cd == (iconv_t)-1 ? -1 : 0;
}

static void cp_gen_out_append(cp_gen_out_t *out, const char *s, size_t n);

void cp_gen_out_write(cp_gen_out_t *out, const char *s, size_t n)
{
        const char *p = s, *end = s + n;
        char tmp[4096];

        if (out->out_cd == (iconv_t)-1) {
                cp_gen_out_write_raw(out, s, n);
                return;
        }
        while ((p = memchr(p, '\n', (size_t)(end - p)))) {
                out->out_line++;
                p++;
        }
        /* Writes are whole values or punctuation, so no character is split
         * between two calls; a partial one at the end is passed through. */
        while (n) {
                char *in = (char *)s, *o = tmp;
                size_t inleft = n, oleft = sizeof(tmp);
                size_t r = iconv(out->out_cd, &in, &inleft, &o, &oleft);

                cp_gen_out_append(out, tmp, (size_t)(o - tmp));
                n -= (size_t)(in - s);
                s = in;
                if (r == (size_t)-1 && errno != E2BIG && n) {
                        cp_gen_out_append(out, s, 1);  /* 0xFF: kept as it is */
                        s++;
                        n--;
                }
        }
}

void cp_gen_out_write_raw(cp_gen_out_t *out, const char *s, size_t n)
{
        const char *p = s, *end = s + n;

        while ((p = memchr(p, '\n', (size_t)(end - p)))) {
                out->out_line++;
                p++;
        }
        cp_gen_out_append(out, s, n);
}

static void cp_gen_out_append(cp_gen_out_t *out, const char *s, size_t n)
{
        while (n) {
                size_t room = CP_GEN_OUTBUF - out->out_len;
                size_t k = n < room ? n : room;

                memcpy(out->out_buf + out->out_len, s, k);
                out->out_len += k;
                s += k;
                n -= k;
                if (out->out_len == CP_GEN_OUTBUF)
                        cp_gen_out_flush(out);
        }
}

int cp_gen_out_close(cp_gen_out_t *out)
{
        int err;

        if (!out->out_fp)
                return 0;
        cp_gen_out_flush(out);
        err = out->out_errno;
        if (fclose(out->out_fp) && !err)
                err = errno ? errno : EIO;
        out->out_fp = NULL;
        if (out->out_cd != (iconv_t)-1)
                iconv_close(out->out_cd);
        out->out_cd = (iconv_t)-1;
        free(out->out_buf);
        out->out_buf = NULL;
        if (err) {
                errno = err;
                return -1;
        }
        return 0;
}

void cp_gen_row_reset(cp_gen_row_t *rw)
{
        for (int i = 0; i < CP_GEN_MAXCOLS; i++)
                rw->rw_val[i] = "";
        rw->rw_used = 0;
        rw->rw_start = 0;
}

void cp_gen_row_start(cp_gen_row_t *rw)
{
        rw->rw_start = rw->rw_used;
}

void cp_gen_row_addn(cp_gen_row_t *rw, const char *s, size_t n)
{
        size_t room = CP_GEN_ROWPOOL - 1 - rw->rw_used;

        if (n > room)
                n = room;
        memcpy(rw->rw_pool + rw->rw_used, s, n);
        rw->rw_used += n;
}

void cp_gen_row_add(cp_gen_row_t *rw, const char *s)
{
        cp_gen_row_addn(rw, s, strlen(s));
}

void cp_gen_row_addu(cp_gen_row_t *rw, uint64_t v, int width)
{
        char tmp[24];
        int n = 0;

        do {
                tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        while (n < width && n < (int)sizeof(tmp))
                tmp[sizeof(tmp) - 1 - n++] = '0';
        cp_gen_row_addn(rw, tmp + sizeof(tmp) - n, (size_t)n);
}

void cp_gen_row_end(cp_gen_row_t *rw, int col)
{
        rw->rw_pool[rw->rw_used] = '\0';
        rw->rw_val[col] = rw->rw_pool + rw->rw_start;
        if (rw->rw_used < CP_GEN_ROWPOOL - 1)
                rw->rw_used++;
        rw->rw_start = rw->rw_used;
}

void cp_gen_row_set(cp_gen_row_t *rw, int col, const char *s)
{
        cp_gen_row_start(rw);
        cp_gen_row_add(rw, s);
        cp_gen_row_end(rw, col);
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int32_t cp_gen_days(int y, int m, int d)
{
        int era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

void cp_gen_civil(int32_t days, int *y, int *m, int *d)
{
        int z = days + 719468;
        int era = (z >= 0 ? z : z - 146096) / 146097;
        int doe = z - era * 146097;
        int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int mp = (5 * doy + 2) / 153;

        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp + (mp < 10 ? 3 : -9);
        *y = yoe + era * 400 + (*m <= 2);
}

void cp_gen_row_add_date(cp_gen_row_t *rw, int32_t days, int form)
{
        int y, m, d;

        cp_gen_civil(days, &y, &m, &d);
        cp_gen_row_addu(rw, (uint64_t)y, 4);
        switch (form) {
        case CP_GEN_D_ISO:
                cp_gen_row_add(rw, "-");
                cp_gen_row_addu(rw, (uint64_t)m, 2);
                cp_gen_row_add(rw, "-");
                cp_gen_row_addu(rw, (uint64_t)d, 2);
                break;
        case CP_GEN_D_SLASH:
                cp_gen_row_add(rw, "/");
                cp_gen_row_addu(rw, (uint64_t)m, 1);
                cp_gen_row_add(rw, "/");
                cp_gen_row_addu(rw, (uint64_t)d, 1);
                break;
        case CP_GEN_D_COMPACT:
                cp_gen_row_addu(rw, (uint64_t)m, 2);
                cp_gen_row_addu(rw, (uint64_t)d, 2);
                break;
        case CP_GEN_D_CJK:
        case CP_GEN_D_CJK_PAD: {
                int w = form == CP_GEN_D_CJK_PAD ? 2 : 1;
                cp_gen_row_add(rw, "年");
                cp_gen_row_addu(rw, (uint64_t)m, w);
                cp_gen_row_add(rw, "月");
                cp_gen_row_addu(rw, (uint64_t)d, w);
                cp_gen_row_add(rw, "日");
                break;
        }
        }
}

void cp_gen_row_add_wan(cp_gen_row_t *rw, uint64_t yuan)
{
        uint64_t frac = yuan % 10000;
        char digits[5];
        int n = 4;

        cp_gen_row_addu(rw, yuan / 10000, 1);
        if (!frac)
                return;
        for (int i = 3; i >= 0; i--, frac /= 10)
                digits[i] = (char)('0' + frac % 10);
        while (n > 0 && digits[n - 1] == '0')
                n--;
        cp_gen_row_add(rw, ".");
        cp_gen_row_addn(rw, digits, (size_t)n);
}

void cp_gen_csv_write(cp_gen_out_t *out, const char *const *vals, int ncols,
                      const char *eol)
{
        for (int i = 0; i < ncols; i++) {
                const char *v = vals[i];

                if (i)
                        cp_gen_out_write(out, ",", 1);
                if (!strpbrk(v, ",\"\r\n")) {
                        cp_gen_out_write(out, v, strlen(v));
                        continue;
                }
                /* RFC 4180: quote the value, double the quotes inside. */
                cp_gen_out_write(out, "\"", 1);
                for (const char *q; (q = strchr(v, '"')); v = q + 1) {
                        cp_gen_out_write(out, v, (size_t)(q - v) + 1);
                        cp_gen_out_write(out, "\"", 1);
                }
                cp_gen_out_write(out, v, strlen(v));
                cp_gen_out_write(out, "\"", 1);
        }
        cp_gen_out_write(out, eol, strlen(eol));
}

/* Appends s as a JSON string literal; returns the new length or 0. */
static size_t cp_gen_json_str(char *buf, size_t size, size_t len, const char *s)
{
        static const char hex[] = "0123456789abcdef";

        if (len + 2 > size)
                return 0;
        buf[len++] = '"';
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (len + 7 > size)
                        return 0;
                if (c == '"' || c == '\\') {
                        buf[len++] = '\\';
                        buf[len++] = (char)c;
                } else if (c == '\n') {
                        buf[len++] = '\\';
                        buf[len++] = 'n';
                } else if (c < 0x20) {
                        memcpy(buf + len, "\\u00", 4);
                        buf[len + 4] = hex[c >> 4];
                        buf[len + 5] = hex[c & 15];
                        len += 6;
                } else {
                        buf[len++] = (char)c;
                }
        }
        buf[len++] = '"';
        return len;
}

size_t cp_gen_json_format(char *buf, size_t size, const cp_gen_row_t *rw,
                          const cp_gen_col_t *cols, int ncols)
{
        size_t len = 0;

        if (size < 2)
                return 0;
        buf[len++] = '{';
        for (int i = 0; i < ncols; i++) {
                const char *v = rw->rw_val[i];
                size_t vl = strlen(v);

                if (i)
                        buf[len++] = ',';
                if (!(len = cp_gen_json_str(buf, size, len, cols[i].col_name)))
                        return 0;
                if (len + vl + 2 > size)
                        return 0;
                buf[len++] = ':';
                if (cols[i].col_number && *v) {
                        memcpy(buf + len, v, vl);
                        len += vl;
                } else if (!(len = cp_gen_json_str(buf, size, len, v))) {
                        return 0;
                }
        }
        if (len + 1 > size)
                return 0;
        buf[len++] = '}';
        return len;
}

void cp_gen_json_fputs(FILE *fp, const char *s)
{
        char buf[1024];
        size_t len = cp_gen_json_str(buf, sizeof(buf), 0, s);

        fwrite(buf, 1, len, fp);
}
