/*
 * Streaming CSV reader.
 *
 * DESIGN: a record is scanned by a small state machine over the bytes at
 * lb_pos, addressed by their offset r from the record's first byte, so
 * that refilling the buffer (which may move the bytes) never disturbs the
 * scan and a record straddling any number of reads needs no special case.
 * Field texts are copied, unescaped, into one text buffer as they are
 * scanned; the raw bytes stay in the input buffer until the next call.
 * Runs of ordinary bytes are skipped with cp_scan_find(), 8 bytes a step;
 * the per-byte work happens only at delimiters, quotes and line ends.
 * Every buffer grows geometrically and is reused, so a steady stream of
 * records allocates nothing.
 */
#include "csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "linebuf.h"
#include "scan.h"

struct cp_csv_s {
        cp_lbuf_t cv_lb;
        unsigned char cv_delim;
        cp_scan_set_t cv_unquoted;  /* delimiter, CR, LF */
        cp_scan_set_t cv_quoted;    /* quote, CR, LF */
        uint64_t cv_line;           /* physical line of the byte at lb_pos */
        bool cv_bom_done;
        bool cv_resync;             /* skip to the next line end first */
        const char *cv_error;       /* of the record being scanned */

        /* The current record's field texts, back to back, each ending in
         * a NUL; offsets rather than pointers while the buffer may move. */
        char *cv_text;
        size_t cv_text_len;
        size_t cv_text_cap;
        size_t cv_nf;
        size_t cv_fcap;
        size_t *cv_off;
        size_t *cv_len;
        const char **cv_ptr;
};

/* Scanner states within one record. */
enum {
        CP_CSV_ST_FIELD,        /* at the first byte of a field */
        CP_CSV_ST_UNQUOTED,
        CP_CSV_ST_QUOTED,
        CP_CSV_ST_AFTER_QUOTE,  /* just past a closing quote */
};

static cp_csv_t *cp_csv_new(char delimiter)
{
        unsigned char d = (unsigned char)delimiter;
        cp_csv_t *csv;

        if (d == '"' || d == '\r' || d == '\n' || d == '\0')
                return NULL;
        csv = calloc(1, sizeof(*csv));
        if (!csv)
                return NULL;
        csv->cv_delim = d;
        cp_scan_set_init(&csv->cv_unquoted, d, '\r', '\n');
        cp_scan_set_init(&csv->cv_quoted, '"', '\r', '\n');
        csv->cv_line = 1;
        return csv;
}

cp_csv_t *cp_csv_open_fd(int fd, char delimiter, char *errstr,
                         size_t errstr_size)
{
        cp_csv_t *csv = cp_csv_new(delimiter);

        if (!csv) {
                if (delimiter == '"' || delimiter == '\r' ||
                    delimiter == '\n' || delimiter == '\0')
                        snprintf(errstr, errstr_size,
                                 "the CSV delimiter cannot be a quote, CR, "
                                 "LF or NUL (got 0x%02x)",
                                 (unsigned char)delimiter);
                else
                        snprintf(errstr, errstr_size, "out of memory");
                close(fd);
                return NULL;
        }
        cp_lbuf_init_fd(&csv->cv_lb, fd);
        return csv;
}

cp_csv_t *cp_csv_open_mem(const char *buf, size_t len, char delimiter)
{
        cp_csv_t *csv = cp_csv_new(delimiter);

        if (csv)
                cp_lbuf_init_mem(&csv->cv_lb, buf, len);
        return csv;
}

void cp_csv_set_sizes(cp_csv_t *csv, size_t chunk, size_t max_record)
{
        cp_lbuf_set_sizes(&csv->cv_lb, chunk, max_record);
}

int cp_csv_set_encoding(cp_csv_t *csv, cp_encoding_t enc,
                        cp_encoding_t *used)
{
        return cp_lbuf_set_encoding(&csv->cv_lb, enc, used);
}

int cp_csv_errno(const cp_csv_t *csv)
{
        return csv->cv_lb.lb_errno;
}

void cp_csv_close(cp_csv_t *csv)
{
        if (!csv)
                return;
        cp_lbuf_destroy(&csv->cv_lb);
        free(csv->cv_text);
        free(csv->cv_off);
        free(csv->cv_len);
        free(csv->cv_ptr);
        free(csv);
}

/* Makes room for n more text bytes and a NUL. */
static int cp_csv_reserve(cp_csv_t *csv, size_t n)
{
        size_t cap = csv->cv_text_cap ? csv->cv_text_cap : 4096;
        char *nt;

        if (csv->cv_text_cap - csv->cv_text_len > n)
                return CP_OK;
        while (cap - csv->cv_text_len <= n)
                cap *= 2;
        nt = realloc(csv->cv_text, cap);
        if (!nt)
                return CP_ERR_NOMEM;
        csv->cv_text = nt;
        csv->cv_text_cap = cap;
        return CP_OK;
}

static int cp_csv_put(cp_csv_t *csv, const void *p, size_t n)
{
        if (cp_csv_reserve(csv, n) != CP_OK)
                return CP_ERR_NOMEM;
        memcpy(csv->cv_text + csv->cv_text_len, p, n);
        csv->cv_text_len += n;
        return CP_OK;
}

/* Closes the field whose text started at text offset start. */
static int cp_csv_end_field(cp_csv_t *csv, size_t start)
{
        if (csv->cv_nf == CP_CSV_MAX_FIELDS) {
                /* Keep scanning for the record's end, keep no more text:
                 * a line of commas must not cost gigabytes of offsets. */
                if (!csv->cv_error)
                        csv->cv_error = CP_CSV_E_TOO_MANY_FIELDS;
                csv->cv_text_len = start;
                return CP_OK;
        }
        if (csv->cv_nf == csv->cv_fcap) {
                size_t cap = csv->cv_fcap ? csv->cv_fcap * 2 : 64;
                size_t *no = realloc(csv->cv_off, cap * sizeof(*no));

                if (!no)
                        return CP_ERR_NOMEM;
                csv->cv_off = no;
                no = realloc(csv->cv_len, cap * sizeof(*no));
                if (!no)
                        return CP_ERR_NOMEM;
                csv->cv_len = no;
                const char **np = realloc(csv->cv_ptr, cap * sizeof(*np));
                if (!np)
                        return CP_ERR_NOMEM;
                csv->cv_ptr = np;
                csv->cv_fcap = cap;
        }
        if (cp_csv_reserve(csv, 0) != CP_OK)
                return CP_ERR_NOMEM;
        csv->cv_off[csv->cv_nf] = start;
        csv->cv_len[csv->cv_nf] = csv->cv_text_len - start;
        csv->cv_text[csv->cv_text_len++] = '\0';
        csv->cv_nf++;
        return CP_OK;
}

/* The scanner sees at most this many bytes of a record: a record of
 * exactly lb_max bytes plus a CRLF. Past it the record is too large. The
 * window is fixed, not "whatever was read", so that where a too-large
 * record stops, and so where reading resumes, never depends on how the
 * reads fell. */
static size_t cp_csv_window(const cp_csv_t *csv)
{
        return csv->cv_lb.lb_max + 2;
}

/* The record's bytes the scanner may look at now. */
static size_t cp_csv_avail(const cp_csv_t *csv)
{
        size_t n = csv->cv_lb.lb_end - csv->cv_lb.lb_pos;

        return n < cp_csv_window(csv) ? n : cp_csv_window(csv);
}

/* Makes byte r of the current record readable.
 * @returns 1, 0 at the end of input, CP_ERR_LIMIT when r is past the
 *          window, or an error of cp_lbuf_fill(). */
static int cp_csv_more(cp_csv_t *csv, size_t r)
{
        cp_lbuf_t *lb = &csv->cv_lb;
        int rc;

        if (r >= cp_csv_window(csv))
                return CP_ERR_LIMIT;
        while (lb->lb_end - lb->lb_pos <= r) {
                rc = cp_lbuf_fill(lb);
                if (rc <= 0)
                        return rc;
        }
        return 1;
}

/* Skips empty lines before a record. @returns 1 at a record, 0 at the end
 * of input, or an error. */
static int cp_csv_skip_blank(cp_csv_t *csv)
{
        cp_lbuf_t *lb = &csv->cv_lb;
        int rc;

        for (;;) {
                rc = cp_csv_more(csv, 0);
                if (rc <= 0)
                        return rc;
                unsigned char c = lb->lb_buf[lb->lb_pos];

                if (c != '\r' && c != '\n')
                        return 1;
                if (c == '\r') {
                        rc = cp_csv_more(csv, 1);
                        if (rc < 0)
                                return rc;
                        if (rc > 0 && lb->lb_buf[lb->lb_pos + 1] == '\n')
                                lb->lb_pos++;
                }
                lb->lb_pos++;
                csv->cv_line++;
        }
}

/* Turns the record scanned so far into a too-large row: keeps a prefix of
 * its bytes, drops its fields. The prefix never depends on the reads. */
static int cp_csv_too_large(cp_csv_t *csv, cp_csv_row_t *row)
{
        cp_lbuf_t *lb = &csv->cv_lb;
        size_t keep = lb->lb_max < CP_CSV_RAW_KEEP ? lb->lb_max
                                                   : CP_CSV_RAW_KEEP;

        csv->cv_text_len = 0;
        if (cp_csv_put(csv, lb->lb_buf + lb->lb_pos, keep) != CP_OK)
                return CP_ERR_NOMEM;
        csv->cv_nf = 0;
        row->raw = csv->cv_text;
        row->raw_len = keep;
        row->error = CP_CSV_E_TOO_LARGE;
        return CP_OK;
}

int cp_csv_next(cp_csv_t *csv, cp_csv_row_t *row)
{
        cp_lbuf_t *lb = &csv->cv_lb;
        const unsigned char *p;
        size_t avail, r = 0, k, fstart = 0, nsp = 0, term = 0;
        int st = CP_CSV_ST_FIELD, rc;
        unsigned char c;

        if (!csv->cv_bom_done) {
                rc = cp_lbuf_skip_bom(lb);
                if (rc < 0)
                        return rc;
                csv->cv_bom_done = true;
        }
        if (csv->cv_resync) {
                rc = cp_lbuf_skip_line(lb, true);
                if (rc < 0)
                        return rc;
                csv->cv_line += (uint64_t)rc;
                csv->cv_resync = false;
        }
        rc = cp_csv_skip_blank(csv);
        if (rc <= 0)
                return rc;

        memset(row, 0, sizeof(*row));
        row->line = csv->cv_line;
        row->offset = cp_lbuf_offset(lb);
        csv->cv_text_len = 0;
        csv->cv_nf = 0;
        csv->cv_error = NULL;
        p = lb->lb_buf + lb->lb_pos;
        avail = cp_csv_avail(csv);

        for (;;) {
                if (r == avail) {
                        rc = cp_csv_more(csv, r);
                        p = lb->lb_buf + lb->lb_pos;
                        avail = cp_csv_avail(csv);
                        if (rc == CP_ERR_LIMIT)
                                goto too_large;
                        if (rc < 0)
                                return rc;
                        if (rc == 0) {
                                if (st == CP_CSV_ST_QUOTED)
                                        csv->cv_error = CP_CSV_E_UNTERMINATED;
                                if (st == CP_CSV_ST_FIELD)
                                        fstart = csv->cv_text_len;
                                if (cp_csv_end_field(csv, fstart) != CP_OK)
                                        return CP_ERR_NOMEM;
                                break;
                        }
                }
                switch (st) {
                case CP_CSV_ST_FIELD:
                        fstart = csv->cv_text_len;
                        if (p[r] == '"') {
                                r++;
                                st = CP_CSV_ST_QUOTED;
                        } else {
                                st = CP_CSV_ST_UNQUOTED;
                        }
                        continue;
                case CP_CSV_ST_UNQUOTED:
                        /* The hot loop: unquoted field after unquoted
                         * field without leaving this state. */
                        for (;;) {
                                k = cp_scan_find(&csv->cv_unquoted, p + r,
                                                 avail - r);
                                if (cp_csv_put(csv, p + r, k) != CP_OK)
                                        return CP_ERR_NOMEM;
                                r += k;
                                if (r == avail)
                                        break;
                                if (cp_csv_end_field(csv, fstart) != CP_OK)
                                        return CP_ERR_NOMEM;
                                if (p[r] != csv->cv_delim)
                                        goto line_end;
                                r++;
                                if (r == avail || p[r] == '"') {
                                        st = CP_CSV_ST_FIELD;
                                        break;
                                }
                                fstart = csv->cv_text_len;
                        }
                        continue;
                case CP_CSV_ST_QUOTED:
                        k = cp_scan_find(&csv->cv_quoted, p + r, avail - r);
                        if (cp_csv_put(csv, p + r, k) != CP_OK)
                                return CP_ERR_NOMEM;
                        r += k;
                        if (r == avail)
                                continue;
                        c = p[r];
                        /* Both a doubled quote and CRLF need the next byte. */
                        rc = cp_csv_more(csv, r + 1);
                        p = lb->lb_buf + lb->lb_pos;
                        avail = cp_csv_avail(csv);
                        if (rc == CP_ERR_LIMIT)
                                goto too_large;
                        if (rc < 0)
                                return rc;
                        if (c == '"') {
                                if (rc > 0 && p[r + 1] == '"') {
                                        if (cp_csv_put(csv, "\"", 1) != CP_OK)
                                                return CP_ERR_NOMEM;
                                        r += 2;
                                } else {
                                        r++;
                                        nsp = 0;
                                        st = CP_CSV_ST_AFTER_QUOTE;
                                }
                                continue;
                        }
                        /* A line end inside the field: one LF, whatever
                         * the file uses (domain.md §3.1). */
                        if (cp_csv_put(csv, "\n", 1) != CP_OK)
                                return CP_ERR_NOMEM;
                        csv->cv_line++;
                        r += (c == '\r' && rc > 0 && p[r + 1] == '\n') ? 2 : 1;
                        continue;
                case CP_CSV_ST_AFTER_QUOTE:
                        c = p[r];
                        if (c == csv->cv_delim) {
                                if (cp_csv_end_field(csv, fstart) != CP_OK)
                                        return CP_ERR_NOMEM;
                                r++;
                                st = CP_CSV_ST_FIELD;
                                continue;
                        }
                        if (c == '\r' || c == '\n') {
                                if (cp_csv_end_field(csv, fstart) != CP_OK)
                                        return CP_ERR_NOMEM;
                                goto line_end;
                        }
                        if (c == ' ' || c == '\t') {
                                r++;
                                nsp++;
                                continue;
                        }
                        /* An inner quote that was not doubled. */
                        if (!csv->cv_error)
                                csv->cv_error = CP_CSV_E_QUOTE_IN_QUOTED;
                        if (cp_csv_put(csv, "\"", 1) != CP_OK ||
                            cp_csv_put(csv, p + r - nsp, nsp) != CP_OK)
                                return CP_ERR_NOMEM;
                        st = CP_CSV_ST_UNQUOTED;
                        continue;
                }
        }
        goto record_end;

line_end:
        /* p[r] is CR or LF. */
        term = 1;
        if (p[r] == '\r') {
                rc = cp_csv_more(csv, r + 1);
                p = lb->lb_buf + lb->lb_pos;
                avail = cp_csv_avail(csv);
                if (rc == CP_ERR_LIMIT)
                        goto too_large;
                if (rc < 0)
                        return rc;
                if (rc > 0 && p[r + 1] == '\n')
                        term = 2;
        }

record_end:
        if (r > lb->lb_max) {
                /* Over the limit but complete: the next record is intact. */
                if (cp_csv_too_large(csv, row) != CP_OK)
                        return CP_ERR_NOMEM;
        } else {
                row->raw = (const char *)p;
                row->raw_len = r;
                row->error = csv->cv_error;
                for (size_t i = 0; i < csv->cv_nf; i++)
                        csv->cv_ptr[i] = csv->cv_text + csv->cv_off[i];
                row->nfields = csv->cv_nf;
                row->field = csv->cv_ptr;
                row->len = csv->cv_len;
        }
        lb->lb_pos += r + term;
        csv->cv_line += term ? 1 : 0;
        return 1;

too_large:
        /* The scan stopped at r, inside the record (line ends before r are
         * counted): resume at the first line end from there, next call. */
        if (cp_csv_too_large(csv, row) != CP_OK)
                return CP_ERR_NOMEM;
        lb->lb_pos += r;
        csv->cv_resync = true;
        return 1;
}
