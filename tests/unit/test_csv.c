/*
 * CSV reader: RFC 4180 cases, the mess real feeds write, exact positions,
 * buffer boundaries and a random round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "ingest/csv.h"

/* A row copied out of the reader, to compare runs. */
typedef struct t_row_s {
        size_t nfields;
        char **field;
        size_t *len;
        uint64_t line;
        uint64_t offset;
        char *raw;
        size_t raw_len;
        const char *error;
} t_row_t;

typedef struct t_rows_s {
        t_row_t *v;
        size_t n;
} t_rows_t;

static char *t_dup(const char *s, size_t n)
{
        char *d = malloc(n + 1);

        assert_non_null(d);
        memcpy(d, s, n);
        d[n] = '\0';
        return d;
}

static void t_rows_free(t_rows_t *rs)
{
        for (size_t i = 0; i < rs->n; i++) {
                for (size_t k = 0; k < rs->v[i].nfields; k++)
                        free(rs->v[i].field[k]);
                free(rs->v[i].field);
                free(rs->v[i].len);
                free(rs->v[i].raw);
        }
        free(rs->v);
        rs->v = NULL;
        rs->n = 0;
}

/* Parses buf with the given read chunk and record limit (0: defaults). */
static t_rows_t t_parse(const char *buf, size_t len, char delim, size_t chunk,
                        size_t max)
{
        cp_csv_t *csv = cp_csv_open_mem(buf, len, delim);
        t_rows_t rs = { 0 };
        size_t cap = 0;
        cp_csv_row_t row;
        int rc;

        assert_non_null(csv);
        cp_csv_set_sizes(csv, chunk, max);
        while ((rc = cp_csv_next(csv, &row)) == 1) {
                if (rs.n == cap) {
                        cap = cap ? cap * 2 : 16;
                        rs.v = realloc(rs.v, cap * sizeof(*rs.v));
                        assert_non_null(rs.v);
                }
                t_row_t *r = &rs.v[rs.n++];

                r->nfields = row.nfields;
                r->field = calloc(row.nfields + 1, sizeof(char *));
                r->len = calloc(row.nfields + 1, sizeof(size_t));
                for (size_t k = 0; k < row.nfields; k++) {
                        assert_int_equal(row.field[k][row.len[k]], '\0');
                        r->field[k] = t_dup(row.field[k], row.len[k]);
                        r->len[k] = row.len[k];
                }
                r->line = row.line;
                r->offset = row.offset;
                r->raw = t_dup(row.raw, row.raw_len);
                r->raw_len = row.raw_len;
                r->error = row.error;
        }
        assert_int_equal(rc, 0);
        /* The end stays the end. */
        assert_int_equal(cp_csv_next(csv, &row), 0);
        cp_csv_close(csv);
        return rs;
}

static t_rows_t t_parse_s(const char *s)
{
        return t_parse(s, strlen(s), ',', 0, 0);
}

static void t_row_is(const t_row_t *r, uint64_t line, uint64_t offset,
                     const char *raw, size_t n, ...)
{
        va_list ap;

        assert_int_equal(r->line, line);
        assert_int_equal(r->offset, offset);
        assert_int_equal(r->raw_len, strlen(raw));
        assert_memory_equal(r->raw, raw, r->raw_len);
        assert_int_equal(r->nfields, n);
        va_start(ap, n);
        for (size_t k = 0; k < n; k++) {
                const char *want = va_arg(ap, const char *);

                assert_int_equal(r->len[k], strlen(want));
                assert_string_equal(r->field[k], want);
        }
        va_end(ap);
}

static void t_rows_equal(const t_rows_t *a, const t_rows_t *b)
{
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                const t_row_t *x = &a->v[i], *y = &b->v[i];

                assert_int_equal(x->line, y->line);
                assert_int_equal(x->offset, y->offset);
                assert_int_equal(x->raw_len, y->raw_len);
                assert_memory_equal(x->raw, y->raw, x->raw_len);
                assert_ptr_equal(x->error, y->error);
                assert_int_equal(x->nfields, y->nfields);
                for (size_t k = 0; k < x->nfields; k++) {
                        assert_int_equal(x->len[k], y->len[k]);
                        assert_memory_equal(x->field[k], y->field[k],
                                            x->len[k]);
                }
        }
}

static void test_simple(void **state)
{
        (void)state;
        t_rows_t rs = t_parse_s("a,b,c\n1,22,333\n");

        assert_int_equal(rs.n, 2);
        t_row_is(&rs.v[0], 1, 0, "a,b,c", 3, "a", "b", "c");
        t_row_is(&rs.v[1], 2, 6, "1,22,333", 3, "1", "22", "333");
        assert_null(rs.v[1].error);
        t_rows_free(&rs);
}

static void test_trailing_newline_or_not(void **state)
{
        (void)state;
        t_rows_t a = t_parse_s("x,y\n1,2\n");
        t_rows_t b = t_parse_s("x,y\n1,2");

        t_rows_equal(&a, &b);
        t_rows_free(&a);
        t_rows_free(&b);

        /* A delimiter before the end: one more, empty, field. */
        a = t_parse_s("1,");
        assert_int_equal(a.n, 1);
        t_row_is(&a.v[0], 1, 0, "1,", 2, "1", "");
        t_rows_free(&a);
        a = t_parse_s("1,\n");
        t_row_is(&a.v[0], 1, 0, "1,", 2, "1", "");
        t_rows_free(&a);
}

static void test_empty_fields(void **state)
{
        (void)state;
        t_rows_t rs = t_parse_s(",,\n\"\",a,\"\"\n");

        assert_int_equal(rs.n, 2);
        t_row_is(&rs.v[0], 1, 0, ",,", 3, "", "", "");
        t_row_is(&rs.v[1], 2, 3, "\"\",a,\"\"", 3, "", "a", "");
        t_rows_free(&rs);

        rs = t_parse_s("");
        assert_int_equal(rs.n, 0);
        t_rows_free(&rs);
}

static void test_quoted(void **state)
{
        (void)state;
        t_rows_t rs = t_parse_s("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n"
                                "\"x\",y\n");

        assert_int_equal(rs.n, 2);
        t_row_is(&rs.v[0], 1, 0, "\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"", 3,
                 "a,b", "say \"hi\"", "\"");
        t_row_is(&rs.v[1], 2, 24, "\"x\",y", 2, "x", "y");
        assert_null(rs.v[0].error);
        t_rows_free(&rs);
}

static void test_embedded_newlines(void **state)
{
        (void)state;
        /* LF, CRLF and CR inside quotes all become LF; every one of them
         * is a physical line, so the next record's line counts them. */
        const char *in = "h1,h2\n"
                         "1,\"a\nb\"\n"
                         "2,\"c\r\nd\"\r\n"
                         "3,\"e\rf\"\r"
                         "4,\"\n\n\"\n"
                         "5,end\n";
        t_rows_t rs = t_parse_s(in);

        assert_int_equal(rs.n, 6);
        t_row_is(&rs.v[0], 1, 0, "h1,h2", 2, "h1", "h2");
        t_row_is(&rs.v[1], 2, 6, "1,\"a\nb\"", 2, "1", "a\nb");
        t_row_is(&rs.v[2], 4, 14, "2,\"c\r\nd\"", 2, "2", "c\nd");
        t_row_is(&rs.v[3], 6, 24, "3,\"e\rf\"", 2, "3", "e\nf");
        t_row_is(&rs.v[4], 8, 32, "4,\"\n\n\"", 2, "4", "\n\n");
        t_row_is(&rs.v[5], 11, 39, "5,end", 2, "5", "end");
        t_rows_free(&rs);
}

static void test_line_ends(void **state)
{
        (void)state;
        t_rows_t rs = t_parse_s("a,b\r\nc,d\re,f\ng,h\r");

        assert_int_equal(rs.n, 4);
        t_row_is(&rs.v[0], 1, 0, "a,b", 2, "a", "b");
        t_row_is(&rs.v[1], 2, 5, "c,d", 2, "c", "d");
        t_row_is(&rs.v[2], 3, 9, "e,f", 2, "e", "f");
        t_row_is(&rs.v[3], 4, 13, "g,h", 2, "g", "h");
        t_rows_free(&rs);
}

static void test_bom(void **state)
{
        (void)state;
        t_rows_t rs = t_parse_s("\xEF\xBB\xBF"
                                "名称,代码\r\n甲,1\r\n");

        assert_int_equal(rs.n, 2);
        /* Offsets are file offsets: they count the BOM. */
        t_row_is(&rs.v[0], 1, 3, "名称,代码", 2, "名称", "代码");
        t_row_is(&rs.v[1], 2, 18, "甲,1", 2, "甲", "1");
        t_rows_free(&rs);

        /* Only at the start: elsewhere it is text. */
        rs = t_parse_s("a\n\xEF\xBB\xBF" "b\n");
        t_row_is(&rs.v[1], 2, 2, "\xEF\xBB\xBF" "b", 1, "\xEF\xBB\xBF" "b");
        t_rows_free(&rs);

        /* A BOM alone is an empty file. */
        rs = t_parse_s("\xEF\xBB\xBF");
        assert_int_equal(rs.n, 0);
        t_rows_free(&rs);
}

static void test_blank_lines(void **state)
{
        (void)state;
        t_rows_t rs = t_parse_s("\n\na\n\r\n\rb\n\n");

        assert_int_equal(rs.n, 2);
        t_row_is(&rs.v[0], 3, 2, "a", 1, "a");
        t_row_is(&rs.v[1], 6, 7, "b", 1, "b");
        t_rows_free(&rs);
}

static void test_unterminated_quote(void **state)
{
        (void)state;
        const char *in = "a,b\n1,\"open\nstill open,\n";
        t_rows_t rs = t_parse_s(in);

        assert_int_equal(rs.n, 2);
        assert_null(rs.v[0].error);
        assert_string_equal(rs.v[1].error, CP_CSV_E_UNTERMINATED);
        /* raw is the rest of the file, final LF included. */
        t_row_is(&rs.v[1], 2, 4, "1,\"open\nstill open,\n", 2, "1",
                 "open\nstill open,\n");
        t_rows_free(&rs);

        /* A quote opened by the last byte. */
        rs = t_parse_s("x,\"");
        assert_int_equal(rs.n, 1);
        assert_string_equal(rs.v[0].error, CP_CSV_E_UNTERMINATED);
        t_row_is(&rs.v[0], 1, 0, "x,\"", 2, "x", "");
        t_rows_free(&rs);
}

static void test_stray_quotes(void **state)
{
        (void)state;
        /* Not at a field's start: text, and no error (see csv.h). */
        t_rows_t rs = t_parse_s("5\"x3\",名称为\"某某\"的\n");

        assert_int_equal(rs.n, 1);
        assert_null(rs.v[0].error);
        t_row_is(&rs.v[0], 1, 0, "5\"x3\",名称为\"某某\"的", 2, "5\"x3\"",
                 "名称为\"某某\"的");
        t_rows_free(&rs);

        /* White space after a closing quote is dropped. */
        rs = t_parse_s("\"a\"  ,\"b\"\t\n");
        assert_null(rs.v[0].error);
        t_row_is(&rs.v[0], 1, 0, "\"a\"  ,\"b\"\t", 2, "a", "b");
        t_rows_free(&rs);
}

static void test_quote_in_quoted(void **state)
{
        (void)state;
        /* An undoubled inner quote: flagged, text kept, and the field ends
         * at the next delimiter so the next record is intact. */
        t_rows_t rs = t_parse_s("\"The \"Best\" company\",x\n\"ok\",y\n");

        assert_int_equal(rs.n, 2);
        assert_string_equal(rs.v[0].error, CP_CSV_E_QUOTE_IN_QUOTED);
        t_row_is(&rs.v[0], 1, 0, "\"The \"Best\" company\",x", 2,
                 "The \"Best\" company\"", "x");
        assert_null(rs.v[1].error);
        t_row_is(&rs.v[1], 2, 23, "\"ok\",y", 2, "ok", "y");
        t_rows_free(&rs);

        rs = t_parse_s("\"a\" b,c\n");
        assert_string_equal(rs.v[0].error, CP_CSV_E_QUOTE_IN_QUOTED);
        t_row_is(&rs.v[0], 1, 0, "\"a\" b,c", 2, "a\" b", "c");
        t_rows_free(&rs);
}

static void test_other_delimiters(void **state)
{
        (void)state;
        const char *in = "a;\"b;c\";d,e\n";
        t_rows_t rs = t_parse(in, strlen(in), ';', 0, 0);

        t_row_is(&rs.v[0], 1, 0, "a;\"b;c\";d,e", 3, "a", "b;c", "d,e");
        t_rows_free(&rs);
        in = "a\t\"b\" \tc\n";
        rs = t_parse(in, strlen(in), '\t', 0, 0);
        t_row_is(&rs.v[0], 1, 0, "a\t\"b\" \tc", 3, "a", "b", "c");
        t_rows_free(&rs);

        assert_null(cp_csv_open_mem("x", 1, '"'));
        assert_null(cp_csv_open_mem("x", 1, '\n'));
        assert_null(cp_csv_open_mem("x", 1, '\0'));
}

static void test_open_fd_bad_delimiter(void **state)
{
        (void)state;
        char err[128] = "";
        int fds[2];

        assert_int_equal(pipe(fds), 0);
        assert_null(cp_csv_open_fd(fds[0], '\r', err, sizeof(err)));
        assert_non_null(strstr(err, "delimiter"));
        /* The reader closed fds[0] although it failed. */
        assert_int_equal(close(fds[0]), -1);
        close(fds[1]);
}

static void test_nul_bytes(void **state)
{
        (void)state;
        const char in[] = "a\0b,c\n";
        t_rows_t rs = t_parse(in, sizeof(in) - 1, ',', 0, 0);

        assert_int_equal(rs.n, 1);
        assert_int_equal(rs.v[0].nfields, 2);
        assert_int_equal(rs.v[0].len[0], 3);
        assert_memory_equal(rs.v[0].field[0], "a\0b", 3);
        t_rows_free(&rs);
}

/* Records straddle every read boundary: the result must not depend on how
 * the input was cut. */
static void test_buffer_boundaries(void **state)
{
        (void)state;
        const char *in = "\xEF\xBB\xBF"
                         "h1,\"h 2\",h3\r\n"
                         "\r\n"
                         "\"a\"\"b\",\"multi\r\nline\rtext\"  ,\"\"\r"
                         "\"x\",y,\"\"\"\"\n"
                         "1,2,3\r"
                         "\n"
                         "\"The \"Best\",z,w\n"
                         "中文,\"字段,含逗号\",末\r\n"
                         "last,\"open";
        size_t len = strlen(in);
        t_rows_t ref = t_parse(in, len, ',', 0, 0);

        assert_int_equal(ref.n, 7);
        for (size_t chunk = 1; chunk <= len + 1; chunk++) {
                t_rows_t rs = t_parse(in, len, ',', chunk, 0);

                t_rows_equal(&ref, &rs);
                t_rows_free(&rs);
        }
        t_row_is(&ref.v[1], 3, 18, "\"a\"\"b\",\"multi\r\nline\rtext\"  ,\"\"",
                 3, "a\"b", "multi\nline\ntext", "");
        assert_int_equal(ref.v[2].line, 6);
        assert_int_equal(ref.v[3].line, 7);
        assert_int_equal(ref.v[4].line, 8);
        assert_int_equal(ref.v[6].line, 10);
        assert_string_equal(ref.v[6].error, CP_CSV_E_UNTERMINATED);
        t_rows_free(&ref);
}

static void test_too_large(void **state)
{
        (void)state;
        char in[512];
        size_t n = 0;

        n += (size_t)sprintf(in + n, "a,b\n");
        memset(in + n, 'x', 100);
        n += 100;
        n += (size_t)sprintf(in + n, ",y\n");
        /* A quoted field running over the limit across lines: the reader
         * resumes at the next physical line, inside the field. */
        n += (size_t)sprintf(in + n, "\"");
        memset(in + n, 'q', 70);
        n += 70;
        n += (size_t)sprintf(in + n, "\nmore\",z\n");
        n += (size_t)sprintf(in + n, "c,d\n");
        /* Exactly at the limit: fine. */
        memset(in + n, 'e', 64);
        n += 64;
        n += (size_t)sprintf(in + n, "\r\n");

        for (size_t chunk = 1; chunk <= 300; chunk += 7) {
                t_rows_t rs = t_parse(in, n, ',', chunk, 64);

                assert_int_equal(rs.n, 6);
                t_row_is(&rs.v[0], 1, 0, "a,b", 2, "a", "b");
                assert_string_equal(rs.v[1].error, CP_CSV_E_TOO_LARGE);
                assert_int_equal(rs.v[1].line, 2);
                assert_int_equal(rs.v[1].offset, 4);
                assert_int_equal(rs.v[1].nfields, 0);
                assert_true(rs.v[1].raw_len <= 103);
                assert_int_equal(rs.v[1].raw[0], 'x');
                assert_string_equal(rs.v[2].error, CP_CSV_E_TOO_LARGE);
                assert_int_equal(rs.v[2].line, 3);
                /* The rest of the quoted field, then its closing quote
                 * opens a field that never closes... until the next one. */
                assert_int_equal(rs.v[3].line, 4);
                assert_int_equal(rs.v[3].offset, 4 + 103 + 72);
                assert_null(rs.v[5].error);
                assert_int_equal(rs.v[5].line, 6);
                assert_int_equal(rs.v[5].raw_len, 64);
                t_rows_free(&rs);
        }
}

static void test_too_many_fields(void **state)
{
        (void)state;
        size_t n = CP_CSV_MAX_FIELDS + 10;
        char *in = malloc(n + 8);

        memset(in, ',', n);
        memcpy(in + n, "\nz\n", 3);
        t_rows_t rs = t_parse(in, n + 3, ',', 0, 0);

        assert_int_equal(rs.n, 2);
        assert_string_equal(rs.v[0].error, CP_CSV_E_TOO_MANY_FIELDS);
        assert_int_equal(rs.v[0].nfields, CP_CSV_MAX_FIELDS);
        assert_int_equal(rs.v[0].raw_len, n);
        t_row_is(&rs.v[1], 2, n + 1, "z", 1, "z");
        t_rows_free(&rs);
        free(in);
}

/* ---- random round trip ---- */

typedef struct t_gen_s {
        char *buf;
        size_t len;
        size_t cap;
} t_gen_t;

static void t_gen_put(t_gen_t *g, const char *s, size_t n)
{
        if (g->len + n + 1 > g->cap) {
                g->cap = (g->len + n + 1) * 2;
                g->buf = realloc(g->buf, g->cap);
                assert_non_null(g->buf);
        }
        memcpy(g->buf + g->len, s, n);
        g->len += n;
        g->buf[g->len] = '\0';
}

static void test_random_round_trip(void **state)
{
        (void)state;
        static const char *const atoms[] = {
                "a", "Z", "0", " ", ",", "\"", "\n", "\r", "\r\n", "中",
                "行政相对人", "\t", "'", "x\"y",
        };
        static const char *const eols[] = { "\n", "\r\n", "\r" };
        enum { NROWS = 1000, MAXF = 6 };
        char *want[NROWS][MAXF];
        size_t nf[NROWS];
        uint64_t line[NROWS], offset[NROWS], lines = 1;
        t_gen_t g = { 0 };

        srand(4180);
        for (int r = 0; r < NROWS; r++) {
                nf[r] = 1 + (size_t)rand() % MAXF;
                line[r] = lines;
                offset[r] = g.len;
                for (size_t f = 0; f < nf[r]; f++) {
                        t_gen_t raw = { 0 }, norm = { 0 };
                        int natoms = rand() % 5;

                        t_gen_put(&raw, "", 0);
                        t_gen_put(&norm, "", 0);
                        for (int a = 0; a < natoms; a++) {
                                const char *s = atoms[rand() % 14];

                                t_gen_put(&raw, s, strlen(s));
                        }
                        /* One empty field alone would be a blank line. */
                        if (nf[r] == 1 && raw.len == 0)
                                t_gen_put(&raw, "a", 1);
                        /* What the reader gives back: LF for any line end
                         * inside a field (atoms "\r" "\n" make a CRLF). */
                        for (size_t i = 0; i < raw.len; i++) {
                                if (raw.buf[i] == '\r' && i + 1 < raw.len &&
                                    raw.buf[i + 1] == '\n')
                                        continue;
                                t_gen_put(&norm, raw.buf[i] == '\r'
                                                         ? "\n" : raw.buf + i,
                                          1);
                        }
                        bool quote = rand() % 4 == 0 ||
                                     strpbrk(raw.buf, ",\"\r\n") ||
                                     (raw.len && raw.buf[0] == '"');
                        if (f)
                                t_gen_put(&g, ",", 1);
                        if (quote) {
                                t_gen_put(&g, "\"", 1);
                                for (size_t i = 0; i < raw.len; i++) {
                                        if (raw.buf[i] == '"')
                                                t_gen_put(&g, "\"", 1);
                                        if (raw.buf[i] == '\n' ||
                                            (raw.buf[i] == '\r' &&
                                             (i + 1 == raw.len ||
                                              raw.buf[i + 1] != '\n')))
                                                lines++;
                                        t_gen_put(&g, raw.buf + i, 1);
                                }
                                t_gen_put(&g, "\"", 1);
                        } else {
                                t_gen_put(&g, raw.buf, raw.len);
                        }
                        want[r][f] = norm.buf;
                        free(raw.buf);
                }
                const char *eol = eols[rand() % 3];

                /* The last record may end without a line end. */
                if (r < NROWS - 1 || rand() % 2)
                        t_gen_put(&g, eol, strlen(eol));
                lines++;
        }

        for (int pass = 0; pass < 3; pass++) {
                size_t chunk = pass == 0 ? 0 : pass == 1 ? 7 : 4093;
                t_rows_t rs = t_parse(g.buf, g.len, ',', chunk, 0);

                assert_int_equal(rs.n, NROWS);
                for (int r = 0; r < NROWS; r++) {
                        assert_null(rs.v[r].error);
                        assert_int_equal(rs.v[r].line, line[r]);
                        assert_int_equal(rs.v[r].offset, offset[r]);
                        assert_int_equal(rs.v[r].nfields, nf[r]);
                        for (size_t f = 0; f < nf[r]; f++)
                                assert_string_equal(rs.v[r].field[f],
                                                    want[r][f]);
                        /* raw is the exact bytes up to the line end */
                        assert_memory_equal(rs.v[r].raw,
                                            g.buf + offset[r],
                                            rs.v[r].raw_len);
                }
                t_rows_free(&rs);
        }
        for (int r = 0; r < NROWS; r++)
                for (size_t f = 0; f < nf[r]; f++)
                        free(want[r][f]);
        free(g.buf);
}

static void test_close_null(void **state)
{
        (void)state;
        cp_csv_close(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_simple),
                cmocka_unit_test(test_trailing_newline_or_not),
                cmocka_unit_test(test_empty_fields),
                cmocka_unit_test(test_quoted),
                cmocka_unit_test(test_embedded_newlines),
                cmocka_unit_test(test_line_ends),
                cmocka_unit_test(test_bom),
                cmocka_unit_test(test_blank_lines),
                cmocka_unit_test(test_unterminated_quote),
                cmocka_unit_test(test_stray_quotes),
                cmocka_unit_test(test_quote_in_quoted),
                cmocka_unit_test(test_other_delimiters),
                cmocka_unit_test(test_open_fd_bad_delimiter),
                cmocka_unit_test(test_nul_bytes),
                cmocka_unit_test(test_buffer_boundaries),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_too_many_fields),
                cmocka_unit_test(test_random_round_trip),
                cmocka_unit_test(test_close_null),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
