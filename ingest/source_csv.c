/*
 * CSV files: find the header, map columns, turn rows into records.
 *
 * DESIGN: the header decides everything once per file: for each column,
 * the canonical field it fills or its name as an extra. Real exports put
 * a title row ("2023年行政处罚信息公示") above the header (domain.md §3.9),
 * so the header is the first of the first CP_INGEST_HEADER_SCAN records
 * that names a mapped column; the rows above it are not records and are
 * logged, not rejected. A file in which no such row appears is refused as
 * a whole with the expected and the found names: that is a configuration
 * mistake, and rejecting each of its rows would hide it.
 *
 * A row whose width differs from the header's is rejected, except when
 * the difference is only empty trailing cells or unnamed trailing header
 * columns: spreadsheets pad rows with trailing delimiters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/field.h"
#include "core/log.h"
#include "core/pii.h"
#include "core/presets.h"
#include "csv.h"
#include "source.h"
#include "text.h"

void cp_csv_hdr_free(cp_csv_hdr_t *h)
{
        for (size_t i = 0; h->ch_name && i < h->ch_ncols; i++)
                free(h->ch_name[i]);
        free(h->ch_name);
        free(h->ch_field);
        free(h->ch_named);
        free(h->ch_bat_name);
}

static bool cp_csv_same(const char *a, size_t alen, const char *b,
                        size_t blen)
{
        return alen == blen && memcmp(a, b, alen) == 0;
}

/* Trimmed text of a header cell. */
static void cp_csv_cell(const cp_csv_row_t *row, size_t i, const char **s,
                        size_t *n)
{
        *s = row->field[i];
        *n = row->len[i];
        cp_text_trim(s, n);
}

/*
 * Matches the configured columns against a candidate header row.
 * @param field per column of row: set to the mapped field or -1
 * @returns the number of mapped columns found, or -1 on no memory.
 */
long cp_csv_match(const cp_source_conf_t *src, const cp_csv_row_t *row,
                         int *field)
{
        size_t maxlen = 0;
        long found = 0;
        char *fa, *fb;

        for (size_t i = 0; i < row->nfields; i++) {
                field[i] = -1;
                if (row->len[i] > maxlen)
                        maxlen = row->len[i];
        }
        for (size_t j = 0; j < src->src_ncolumns; j++) {
                size_t l = strlen(src->src_columns[j].cm_column);

                if (l > maxlen)
                        maxlen = l;
        }
        fa = malloc(maxlen + 1);
        fb = malloc(maxlen + 1);
        if (!fa || !fb) {
                free(fa);
                free(fb);
                return -1;
        }
        for (size_t j = 0; j < src->src_ncolumns; j++) {
                const cp_column_map_t *cm = &src->src_columns[j];
                size_t clen = strlen(cm->cm_column), flen, hit = SIZE_MAX;
                const char *cs = cm->cm_column;
                size_t cn = clen;

                if (cm->cm_field < 0 || cm->cm_field >= CP_F__COUNT)
                        continue;
                cp_text_trim(&cs, &cn);
                for (size_t i = 0; i < row->nfields && hit == SIZE_MAX; i++) {
                        const char *s;
                        size_t n;

                        cp_csv_cell(row, i, &s, &n);
                        if (field[i] < 0 && n && cp_csv_same(s, n, cs, cn))
                                hit = i;
                }
                flen = cp_column_fold(cs, cn, fa);
                for (size_t i = 0; i < row->nfields && hit == SIZE_MAX; i++) {
                        const char *s;
                        size_t n;

                        cp_csv_cell(row, i, &s, &n);
                        if (field[i] < 0 && n &&
                            cp_csv_same(fb, cp_column_fold(s, n, fb), fa, flen))
                                hit = i;
                }
                if (hit != SIZE_MAX) {
                        field[hit] = cm->cm_field;
                        found++;
                }
        }
        free(fa);
        free(fb);
        return found;
}

/* Takes the header row: a name and a field for each column. */
int cp_csv_hdr_init(cp_csv_hdr_t *h, const cp_csv_row_t *row,
                           const int *field)
{
        size_t n = row->nfields;

        h->ch_ncols = n;
        h->ch_field = malloc(n * sizeof(*h->ch_field));
        h->ch_name = calloc(n, sizeof(*h->ch_name));
        h->ch_named = calloc(n, sizeof(*h->ch_named));
        h->ch_bat_name = calloc(n, sizeof(*h->ch_bat_name));
        if (!h->ch_field || !h->ch_name || !h->ch_named || !h->ch_bat_name)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *s;
                size_t len;

                cp_csv_cell(row, i, &s, &len);
                h->ch_field[i] = field[i];
                h->ch_named[i] = len > 0;
                h->ch_nunmapped += field[i] < 0;
                if (len > 0) {
                        h->ch_name[i] = malloc(len + 1);
                        if (h->ch_name[i])
                                cp_text_copy_nonul(h->ch_name[i], s, len);
                } else {
                        /* Unnamed columns still need a name as extras. */
                        h->ch_name[i] = malloc(32);
                        if (h->ch_name[i])
                                snprintf(h->ch_name[i], 32, "column_%zu",
                                         i + 1);
                }
                if (!h->ch_name[i])
                        return CP_ERR_NOMEM;
        }
        return CP_OK;
}

/* Appends "a, b, c" to buf (truncating), for error messages. */
void cp_csv_list(char *buf, size_t size, const char *const *names,
                        const size_t *lens, size_t n)
{
        size_t o = strlen(buf);

        for (size_t i = 0; i < n && o + 1 < size; i++) {
                int w = snprintf(buf + o, size - o, "%s%.*s",
                                 i ? ", " : "",
                                 (int)(lens ? lens[i] : strlen(names[i])),
                                 names[i]);
                if (w < 0)
                        break;
                o += (size_t)w;
        }
}

void cp_ingest_expected_columns(const cp_source_conf_t *src, char *buf,
                                size_t size)
{
        const char *names[64];
        size_t n = src->src_ncolumns < 64 ? src->src_ncolumns : 64;

        buf[0] = '\0';
        for (size_t j = 0; j < n; j++)
                names[j] = src->src_columns[j].cm_column;
        cp_csv_list(buf, size, names, NULL, n);
}

static int cp_csv_no_header(cp_ingest_ctx_t *ic, uint64_t line,
                            const char *found, bool utf8)
{
        const cp_source_conf_t *src = ic->ic_src;
        char expected[512];

        cp_ingest_expected_columns(src, expected, sizeof(expected));
        snprintf(ic->ic_errstr, ic->ic_errstr_size,
                 "%s: no header found: none of the first %d rows names a "
                 "column of source %s (expected at least one of: %s; line "
                 "%llu has: %s)%s. Fix the `columns` map%s%s of source %s: "
                 "its names must equal the header cells, after trimming",
                 ic->ic_path, CP_INGEST_HEADER_SCAN, src->src_id, expected,
                 (unsigned long long)line, found,
                 utf8 ? "" : "; that line is not valid UTF-8: the file may "
                             "be GBK or GB18030: set the source's `encoding`",
                 src->src_preset ? " or the preset " : "",
                 src->src_preset ? src->src_preset->pre_name : "",
                 src->src_id);
        return CP_ERR_CONFIG;
}

static int cp_csv_io_error(cp_ingest_ctx_t *ic, const cp_csv_t *csv, int rc)
{
        if (rc == CP_ERR_NOMEM)
                return cp_ingest_nomem(ic);
        snprintf(ic->ic_errstr, ic->ic_errstr_size, "reading %s: %s",
                 ic->ic_path, strerror(cp_csv_errno(csv)));
        return rc;
}

/*
 * Reads up to CP_INGEST_HEADER_SCAN rows looking for the header.
 * @returns 1 with h filled, 0 for a file without rows, or an error.
 */
static int cp_csv_find_header(cp_ingest_ctx_t *ic, cp_csv_t *csv,
                              cp_csv_hdr_t *h)
{
        cp_csv_row_t row;
        char found[512] = "";
        uint64_t first_line = 0;
        bool first_utf8 = true;
        int *field = NULL;
        int rc;

        for (int k = 0; k < CP_INGEST_HEADER_SCAN; k++) {
                size_t bad;
                long nmapped;

                rc = cp_csv_next(csv, &row);
                if (rc < 0) {
                        free(field);
                        return cp_csv_io_error(ic, csv, rc);
                }
                if (rc == 0)
                        break;
                if (k == 0) {
                        first_line = row.line;
                        first_utf8 = cp_text_utf8_valid(row.raw, row.raw_len,
                                                        &bad);
                        if (first_utf8) {
                                size_t n;

                                cp_csv_list(found, sizeof(found), row.field,
                                            row.len, row.nfields);
                                /* A file without a header shows a record
                                 * here, and errors reach logs. */
                                cp_pii_mask_rics(found, strlen(found), found,
                                                 &n, NULL, NULL);
                        }
                }
                if (row.error || row.nfields == 0)
                        continue;
                int *nf = realloc(field, row.nfields * sizeof(*field));
                if (!nf) {
                        free(field);
                        return cp_ingest_nomem(ic);
                }
                field = nf;
                nmapped = cp_csv_match(ic->ic_src, &row, field);
                if (nmapped < 0) {
                        free(field);
                        return cp_ingest_nomem(ic);
                }
                if (nmapped == 0)
                        continue;
                rc = cp_csv_hdr_init(h, &row, field);
                free(field);
                if (rc != CP_OK)
                        return cp_ingest_nomem(ic);
                cp_ingest_check_generation(ic, row.field, row.len,
                                           row.nfields, row.line);
                if (k > 0)
                        cp_log_info("ingest", "CSV_TITLE_ROWS",
                                    "msg=\"skipped rows above the header\" "
                                    "file=\"%s\" first_line=%llu "
                                    "header_line=%llu", ic->ic_path,
                                    (unsigned long long)first_line,
                                    (unsigned long long)row.line);
                return 1;
        }
        free(field);
        if (first_line == 0)
                return 0;
        return cp_csv_no_header(ic, first_line, found, first_utf8);
}

/* Whether a row's width fits the header (see DESIGN). */
bool cp_csv_width_ok(const cp_csv_hdr_t *h, const cp_csv_row_t *row)
{
        for (size_t i = h->ch_ncols; i < row->nfields; i++) {
                const char *s;
                size_t n;

                cp_csv_cell(row, i, &s, &n);
                if (n)
                        return false;
        }
        for (size_t i = row->nfields; i < h->ch_ncols; i++)
                if (h->ch_named[i])
                        return false;
        return true;
}

static void cp_csv_reject_parse(cp_ingest_ctx_t *ic, cp_record_t *rec,
                                const cp_csv_row_t *row)
{
        unsigned long long line = (unsigned long long)row->line;
        cp_batch_t *bat = ic->ic_bat;

        if (strcmp(row->error, CP_CSV_E_TOO_LARGE) == 0)
                cp_record_reject(bat, rec, row->error, -1,
                                 "the record at line %llu is longer than "
                                 "the 16 MiB limit; it was skipped up to "
                                 "the next line end, and raw holds its "
                                 "first %zu bytes", line, row->raw_len);
        else if (strcmp(row->error, CP_CSV_E_UNTERMINATED) == 0)
                cp_record_reject(bat, rec, row->error, -1,
                                 "line %llu opens a quoted field that is "
                                 "never closed, so the rest of the file "
                                 "(%zu bytes) was read as this record; "
                                 "check the quoting", line, row->raw_len);
        else if (strcmp(row->error, CP_CSV_E_QUOTE_IN_QUOTED) == 0)
                cp_record_reject(bat, rec, row->error, -1,
                                 "line %llu: text follows the closing quote "
                                 "of a field; a quote inside a quoted field "
                                 "must be doubled (\"\")", line);
        else
                cp_record_reject(bat, rec, row->error, -1,
                                 "line %llu has more than %d fields", line,
                                 CP_CSV_MAX_FIELDS);
}

/* The header's names as extras, copied once into each batch. */
static const char *cp_csv_extra_name(cp_ingest_ctx_t *ic, const void *arg,
                                     size_t i)
{
        cp_csv_hdr_t *h = (cp_csv_hdr_t *)arg;  /* the per-batch name cache */

        if (h->ch_bat_seq != ic->ic_nbatches) {
                memset(h->ch_bat_name, 0, h->ch_ncols * sizeof(char *));
                h->ch_bat_seq = ic->ic_nbatches;
        }
        if (!h->ch_bat_name[i])
                h->ch_bat_name[i] = cp_arena_strndup(&ic->ic_bat->bat_arena,
                                                     h->ch_name[i],
                                                     strlen(h->ch_name[i]));
        return h->ch_bat_name[i];
}

int cp_csv_map_row(cp_ingest_ctx_t *ic, cp_csv_hdr_t *h,
                          cp_record_t *rec, const cp_csv_row_t *row)
{
        size_t n = row->nfields < h->ch_ncols ? row->nfields : h->ch_ncols;

        for (size_t i = 0; i < n; i++) {
                int rc = cp_ingest_cell(ic, rec, h->ch_field[i], row->field[i],
                                        row->len[i], cp_csv_extra_name, h, i,
                                        h->ch_nunmapped);
                if (rc != CP_OK)
                        return rc;
        }
        return CP_OK;
}

static int cp_csv_rows(cp_ingest_ctx_t *ic, cp_csv_t *csv, cp_csv_hdr_t *h)
{
        cp_csv_row_t row;
        cp_record_t *rec;
        int rc;

        while ((rc = cp_csv_next(csv, &row)) == 1) {
                rc = cp_ingest_rec_new(ic, &rec, row.line, row.offset,
                                       row.raw, row.raw_len);
                if (rc != CP_OK)
                        return rc;
                /* A truncated raw says nothing about the encoding. */
                if (row.error &&
                    strcmp(row.error, CP_CSV_E_TOO_LARGE) == 0) {
                        cp_csv_reject_parse(ic, rec, &row);
                        continue;
                }
                /* Bad bytes first: a GBK file also breaks quoting. */
                if (cp_ingest_reject_utf8(ic, rec))
                        continue;
                if (row.error) {
                        cp_csv_reject_parse(ic, rec, &row);
                        continue;
                }
                if (!cp_csv_width_ok(h, &row)) {
                        cp_record_reject(ic->ic_bat, rec,
                                         CP_INGEST_E_FIELD_COUNT, -1,
                                         "line %llu has %zu fields, the "
                                         "header has %zu; check quoting or "
                                         "delimiters",
                                         (unsigned long long)row.line,
                                         row.nfields, h->ch_ncols);
                        continue;
                }
                rc = cp_csv_map_row(ic, h, rec, &row);
                if (rc != CP_OK)
                        return rc;
        }
        return rc < 0 ? cp_csv_io_error(ic, csv, rc) : CP_OK;
}

int cp_ingest_csv(cp_ingest_ctx_t *ic, int fd)
{
        char delim = ic->ic_src->src_delimiter ? ic->ic_src->src_delimiter
                                               : ',';
        cp_csv_hdr_t h = { 0 };
        cp_encoding_t enc;
        cp_csv_t *csv;
        char err[128];
        int rc;

        csv = cp_csv_open_fd(fd, delim, err, sizeof(err));
        if (!csv) {
                snprintf(ic->ic_errstr, ic->ic_errstr_size, "source %s: %s",
                         ic->ic_src->src_id, err);
                return CP_ERR_CONFIG;
        }
        rc = cp_csv_set_encoding(csv, ic->ic_src->src_encoding, &enc);
        rc = cp_ingest_encoding(ic, rc, enc, cp_csv_errno(csv));
        if (rc == CP_OK)
                rc = cp_csv_find_header(ic, csv, &h);
        if (rc == 1)
                rc = cp_csv_rows(ic, csv, &h);
        cp_csv_hdr_free(&h);
        cp_csv_close(csv);
        return rc;
}
