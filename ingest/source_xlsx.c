/*
 * .xlsx workbooks: find the sheets, stream their rows, map them like CSV.
 *
 * DESIGN: libzip opens the container and expat parses every part in
 * chunks read with zip_fread, so no part is held whole in memory. The
 * small parts (workbook, its relationships, styles) and the shared
 * strings, which cells index, are read first; the shared strings are the
 * only table kept, because any cell may refer to any of them. A sheet is
 * then streamed twice: a first pass keeps only its merged regions (the
 * <mergeCells> element comes after the rows, and the header needs them),
 * the second builds one row at a time and turns it into a cp_csv_row_t,
 * so the header search, the column matching and the mapping are those of
 * CSV (source_csv.c). Memory is the shared strings plus one row, whatever
 * the sheet's size.
 *
 * Records keep rec_file = the path (the progress report follows files by
 * that pointer), rec_line = the sheet's row number as Excel shows it, and
 * rec_offset = the sheet's 1-based position in the workbook; error
 * messages and the XLSX_SHEET log line give the sheet's name.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <expat.h>
#include <zip.h>

#include "core/err.h"
#include "core/log.h"
#include "core/pii.h"
#include "source.h"
#include "text.h"

#define CP_XLSX_CHUNK 65536
#define CP_XLSX_MAX_COLS 16384     /* Excel's limit: XFD */
#define CP_XLSX_MAX_MERGES 4096    /* kept for the header rows only */
#define CP_XLSX_MAX_CELL (32u << 20)

/* A growable byte buffer. */
typedef struct cp_xbuf_s {
        char *b;
        size_t n, cap;
} cp_xbuf_t;

static int cp_xbuf_add(cp_xbuf_t *x, const char *s, size_t n)
{
        if (x->n + n + 1 > x->cap) {
                size_t cap = x->cap ? x->cap : 256;
                char *nb;

                while (cap < x->n + n + 1)
                        cap *= 2;
                if (!(nb = realloc(x->b, cap)))
                        return CP_ERR_NOMEM;
                x->b = nb;
                x->cap = cap;
        }
        memcpy(x->b + x->n, s, n);
        x->n += n;
        x->b[x->n] = '\0';
        return CP_OK;
}

typedef struct cp_xsheet_s {
        char *name;
        char *rid;
        char *part;       /* zip entry name, from the relationships */
} cp_xsheet_t;

typedef struct cp_xmerge_s {
        uint32_t r1, c1, r2, c2;   /* 1-based, inclusive */
} cp_xmerge_t;

/* One cell of the row being read: its text is at off in the row buffer. */
typedef struct cp_xcell_s {
        uint32_t col;
        size_t off, len;
} cp_xcell_t;

typedef struct cp_xlsx_s {
        cp_ingest_ctx_t *ic;
        zip_t *zip;
        XML_Parser xp;
        int rc;                 /* first error of a callback */
        /* workbook */
        cp_xsheet_t *sheets;
        size_t nsheets;
        bool date1904;
        char **ss;              /* shared strings */
        size_t nss, capss;
        bool *xf_date;          /* per cellXfs index: a date format */
        size_t nxf;
        uint32_t *fmt_date;     /* custom numFmtIds that are dates */
        size_t nfmt_date;
        /* parse state */
        int depth_t;            /* inside <t> */
        int depth_rph;          /* inside <rPh> (phonetic runs: skipped) */
        bool in_cellxfs, in_v, in_is;
        cp_xbuf_t text;
        /* sheet */
        const cp_xsheet_t *sh;
        uint32_t sheet_no;
        cp_xmerge_t *merges;
        size_t nmerges;
        uint32_t row_no, col_no;
        char cell_t[16];
        bool cell_date;
        cp_xcell_t *cells;
        size_t ncells, capcells;
        cp_xbuf_t rowbuf;
        /* header search */
        cp_csv_hdr_t hdr;
        bool have_hdr;
        int scanned;
        uint32_t first_row, hdr_until;
        /* texts of the scanned rows; a header merged down adds up to 3 */
        char **prev[CP_INGEST_HEADER_SCAN + 4];
        size_t prev_n[CP_INGEST_HEADER_SCAN + 4];
        uint32_t prev_row[CP_INGEST_HEADER_SCAN + 4];
        char found[512];
} cp_xlsx_t;

/* Local name of an element or attribute: namespace prefixes vary. */
static const char *cp_xname(const char *n)
{
        const char *c = strrchr(n, ':');

        return c ? c + 1 : n;
}

static const char *cp_xattr(const char **atts, const char *name)
{
        for (size_t i = 0; atts[i]; i += 2)
                if (!strcmp(cp_xname(atts[i]), name))
                        return atts[i + 1];
        return NULL;
}

static void cp_xfail(cp_xlsx_t *x, int rc)
{
        if (x->rc == CP_OK)
                x->rc = rc;
        XML_StopParser(x->xp, XML_FALSE);
}

static int cp_xlsx_corrupt(cp_xlsx_t *x, const char *what)
{
        snprintf(x->ic->ic_errstr, x->ic->ic_errstr_size,
                 "%s: not a readable .xlsx (%s); the file may be damaged or "
                 "not a workbook: open it in a spreadsheet program and save "
                 "it again as .xlsx", x->ic->ic_path, what);
        return CP_ERR_PARSE;
}

/*
 * Streams one zip entry through expat with the given handlers.
 * @param must whether a missing entry is an error
 * @returns CP_OK (also for a missing optional entry), or an error.
 */
static int cp_xlsx_parse(cp_xlsx_t *x, const char *entry, bool must,
                         XML_StartElementHandler start,
                         XML_EndElementHandler end,
                         XML_CharacterDataHandler chars)
{
        char *buf, what[512];
        zip_file_t *zf;
        zip_int64_t n;
        int rc = CP_OK;

        zf = zip_fopen(x->zip, entry, 0);
        if (!zf) {
                if (!must)
                        return CP_OK;
                snprintf(what, sizeof(what), "part %s is missing", entry);
                return cp_xlsx_corrupt(x, what);
        }
        x->xp = XML_ParserCreate(NULL);
        buf = malloc(CP_XLSX_CHUNK);
        if (!x->xp || !buf) {
                if (x->xp)
                        XML_ParserFree(x->xp);
                free(buf);
                zip_fclose(zf);
                return cp_ingest_nomem(x->ic);
        }
        XML_SetUserData(x->xp, x);
        XML_SetElementHandler(x->xp, start, end);
        XML_SetCharacterDataHandler(x->xp, chars);
        x->rc = CP_OK;
        do {
                n = zip_fread(zf, buf, CP_XLSX_CHUNK);
                if (n < 0) {
                        snprintf(what, sizeof(what), "cannot decompress "
                                 "part %s: %s", entry, zip_file_strerror(zf));
                        rc = cp_xlsx_corrupt(x, what);
                        break;
                }
                if (XML_Parse(x->xp, buf, (int)n, n == 0) ==
                    XML_STATUS_ERROR) {
                        if (x->rc != CP_OK) {
                                rc = x->rc;
                                break;
                        }
                        snprintf(what, sizeof(what), "part %s is not "
                                 "well-formed XML at line %lu: %s", entry,
                                 (unsigned long)XML_GetCurrentLineNumber(x->xp),
                                 XML_ErrorString(XML_GetErrorCode(x->xp)));
                        rc = cp_xlsx_corrupt(x, what);
                        break;
                }
        } while (n > 0);
        if (rc == CP_OK)
                rc = x->rc;
        XML_ParserFree(x->xp);
        x->xp = NULL;
        free(buf);
        zip_fclose(zf);
        return rc;
}

/* ---- workbook.xml and its relationships ---- */

static void XMLCALL cp_xwb_start(void *ud, const char *el, const char **atts)
{
        cp_xlsx_t *x = ud;
        const char *n = cp_xname(el), *v;

        if (!strcmp(n, "workbookPr")) {
                v = cp_xattr(atts, "date1904");
                x->date1904 = v && (!strcmp(v, "1") || !strcmp(v, "true"));
        } else if (!strcmp(n, "sheet")) {
                const char *name = cp_xattr(atts, "name");
                const char *rid = cp_xattr(atts, "id");
                cp_xsheet_t *ns;

                if (!name || !rid)
                        return;
                ns = realloc(x->sheets, (x->nsheets + 1) * sizeof(*ns));
                if (!ns)
                        return cp_xfail(x, cp_ingest_nomem(x->ic));
                x->sheets = ns;
                ns[x->nsheets] = (cp_xsheet_t){ strdup(name), strdup(rid),
                                                NULL };
                x->nsheets++;
                if (!ns[x->nsheets - 1].name || !ns[x->nsheets - 1].rid)
                        cp_xfail(x, cp_ingest_nomem(x->ic));
        }
}

static void XMLCALL cp_xrels_start(void *ud, const char *el,
                                   const char **atts)
{
        cp_xlsx_t *x = ud;
        const char *id, *target;

        if (strcmp(cp_xname(el), "Relationship"))
                return;
        id = cp_xattr(atts, "Id");
        target = cp_xattr(atts, "Target");
        if (!id || !target)
                return;
        for (size_t i = 0; i < x->nsheets; i++) {
                if (strcmp(x->sheets[i].rid, id) || x->sheets[i].part)
                        continue;
                /* Targets are relative to xl/, or absolute in the zip. */
                if (target[0] == '/')
                        x->sheets[i].part = strdup(target + 1);
                else if (asprintf(&x->sheets[i].part, "xl/%s", target) < 0)
                        x->sheets[i].part = NULL;
                if (!x->sheets[i].part)
                        cp_xfail(x, cp_ingest_nomem(x->ic));
        }
}

/* ---- styles.xml: which cell styles are dates ---- */

/* A number format code shows a date or time when it has y, m, d, h or s
 * outside quoted text, [brackets] (colours, conditions, [h] aside) and
 * escaped characters. */
static bool cp_xlsx_code_is_date(const char *c)
{
        for (; *c; c++) {
                if (*c == '"') {
                        while (c[1] && c[1] != '"')
                                c++;
                        if (c[1])
                                c++;
                } else if (*c == '[') {
                        while (c[1] && c[1] != ']')
                                c++;
                        if (c[1])
                                c++;
                } else if (*c == '\\' || *c == '_' || *c == '*') {
                        if (c[1])
                                c++;
                } else if (strchr("ymdhsYMDHS", *c)) {
                        return true;
                }
        }
        return false;
}

static bool cp_xlsx_fmt_is_date(const cp_xlsx_t *x, uint32_t id)
{
        if ((id >= 14 && id <= 22) || (id >= 45 && id <= 47))
                return true;
        for (size_t i = 0; i < x->nfmt_date; i++)
                if (x->fmt_date[i] == id)
                        return true;
        return false;
}

static void XMLCALL cp_xst_start(void *ud, const char *el, const char **atts)
{
        cp_xlsx_t *x = ud;
        const char *n = cp_xname(el), *id;

        if (!strcmp(n, "numFmt")) {
                const char *code = cp_xattr(atts, "formatCode");
                uint32_t *nf;

                id = cp_xattr(atts, "numFmtId");
                if (!id || !code || !cp_xlsx_code_is_date(code))
                        return;
                nf = realloc(x->fmt_date, (x->nfmt_date + 1) * sizeof(*nf));
                if (!nf)
                        return cp_xfail(x, cp_ingest_nomem(x->ic));
                x->fmt_date = nf;
                nf[x->nfmt_date++] = (uint32_t)strtoul(id, NULL, 10);
        } else if (!strcmp(n, "cellXfs")) {
                x->in_cellxfs = true;
        } else if (!strcmp(n, "xf") && x->in_cellxfs) {
                bool *nx = realloc(x->xf_date, (x->nxf + 1) * sizeof(*nx));

                if (!nx)
                        return cp_xfail(x, cp_ingest_nomem(x->ic));
                x->xf_date = nx;
                id = cp_xattr(atts, "numFmtId");
                nx[x->nxf++] = id && cp_xlsx_fmt_is_date(
                                         x, (uint32_t)strtoul(id, NULL, 10));
        }
}

static void XMLCALL cp_xst_end(void *ud, const char *el)
{
        cp_xlsx_t *x = ud;

        if (!strcmp(cp_xname(el), "cellXfs"))
                x->in_cellxfs = false;
}

/* ---- text of <t> elements (shared strings, inline strings) ---- */

static void XMLCALL cp_xchars(void *ud, const char *s, int len)
{
        cp_xlsx_t *x = ud;

        if ((x->depth_t > 0 && x->depth_rph == 0) || x->in_v) {
                if (x->text.n + (size_t)len > CP_XLSX_MAX_CELL)
                        return;  /* a cell over 32 MiB keeps its start */
                if (cp_xbuf_add(&x->text, s, (size_t)len))
                        cp_xfail(x, cp_ingest_nomem(x->ic));
        }
}

static void cp_xtext_start(cp_xlsx_t *x, const char *n)
{
        if (!strcmp(n, "t"))
                x->depth_t++;
        else if (!strcmp(n, "rPh"))
                x->depth_rph++;
}

static void cp_xtext_end(cp_xlsx_t *x, const char *n)
{
        if (!strcmp(n, "t") && x->depth_t > 0)
                x->depth_t--;
        else if (!strcmp(n, "rPh") && x->depth_rph > 0)
                x->depth_rph--;
}

static void XMLCALL cp_xss_start(void *ud, const char *el, const char **atts)
{
        cp_xlsx_t *x = ud;
        const char *n = cp_xname(el);

        (void)atts;
        if (!strcmp(n, "si"))
                x->text.n = 0;
        cp_xtext_start(x, n);
}

static void XMLCALL cp_xss_end(void *ud, const char *el)
{
        cp_xlsx_t *x = ud;
        const char *n = cp_xname(el);

        cp_xtext_end(x, n);
        if (strcmp(n, "si"))
                return;
        if (x->nss == x->capss) {
                size_t cap = x->capss ? x->capss * 2 : 256;
                char **ns = realloc(x->ss, cap * sizeof(*ns));

                if (!ns)
                        return cp_xfail(x, cp_ingest_nomem(x->ic));
                x->ss = ns;
                x->capss = cap;
        }
        /* Rich-text runs arrive one after the other: already joined. */
        x->ss[x->nss] = strndup(x->text.b ? x->text.b : "", x->text.n);
        if (!x->ss[x->nss])
                return cp_xfail(x, cp_ingest_nomem(x->ic));
        x->nss++;
}

/* ---- sheets ---- */

/* "C5" → column 3 (and the row, when r is not NULL); 0 when malformed. */
static uint32_t cp_xlsx_ref(const char *ref, uint32_t *row)
{
        uint32_t col = 0, r = 0;

        for (; *ref >= 'A' && *ref <= 'Z'; ref++) {
                col = col * 26 + (uint32_t)(*ref - 'A' + 1);
                if (col > CP_XLSX_MAX_COLS)
                        return 0;
        }
        for (; *ref >= '0' && *ref <= '9'; ref++) {
                r = r * 10 + (uint32_t)(*ref - '0');
                if (r > 1048576)
                        return 0;
        }
        if (row)
                *row = r;
        return *ref ? 0 : col;
}

static void XMLCALL cp_xmerge_start(void *ud, const char *el,
                                    const char **atts)
{
        cp_xlsx_t *x = ud;
        const char *ref, *colon;
        char a[32];
        cp_xmerge_t m;

        if (strcmp(cp_xname(el), "mergeCell") ||
            x->nmerges == CP_XLSX_MAX_MERGES ||
            !(ref = cp_xattr(atts, "ref")) || !(colon = strchr(ref, ':')) ||
            (size_t)(colon - ref) >= sizeof(a))
                return;
        memcpy(a, ref, (size_t)(colon - ref));
        a[colon - ref] = '\0';
        m.c1 = cp_xlsx_ref(a, &m.r1);
        m.c2 = cp_xlsx_ref(colon + 1, &m.r2);
        if (!m.c1 || !m.c2 || !m.r1 || m.r2 < m.r1 || m.c2 < m.c1)
                return;
        /* The header is among the first rows: later merges do not matter. */
        if (m.r1 > 64)
                return;
        x->merges[x->nmerges++] = m;
}

/* Days since 1970-01-01 → civil date (H. Hinnant's algorithm). */
static void cp_xlsx_civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
        z += 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;

        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int)(yoe + era * 400) + (*m <= 2);
}

/*
 * A number cell's text: a date-styled serial becomes YYYY-MM-DD (with
 * HH:MM:SS when it has a time), a whole number loses Excel's ".0" or
 * exponent, anything else keeps the text Excel wrote.
 */
static void cp_xlsx_number(cp_xlsx_t *x, bool date, char *out, size_t size,
                           const char *txt)
{
        char *end;
        double v = strtod(txt, &end);

        snprintf(out, size, "%s", txt);
        if (end == txt || *end || !isfinite(v))
                return;
        if (date && v >= 0 && v < 2958466) {
                int64_t days = (int64_t)floor(v);
                int64_t secs = llround((v - (double)days) * 86400.0);
                int y;
                unsigned mo, d;

                if (secs >= 86400) {
                        days++;
                        secs -= 86400;
                }
                /* 1900 system: serial 1 is 1900-01-01, and Excel counts a
                 * 1900-02-29 that never was (serial 60), so from 61 on
                 * day 0 is 1899-12-30. 1904 system: day 0 is 1904-01-01. */
                if (x->date1904)
                        days += -24107;       /* 1904-01-01 */
                else if (days >= 61)
                        days += -25569;       /* 1899-12-30 */
                else
                        days += -25568;       /* 1899-12-31 */
                cp_xlsx_civil(days, &y, &mo, &d);
                if (secs)
                        snprintf(out, size, "%04d-%02u-%02u %02u:%02u:%02u",
                                 y, mo, d, (unsigned)(secs / 3600),
                                 (unsigned)(secs / 60 % 60),
                                 (unsigned)(secs % 60));
                else
                        snprintf(out, size, "%04d-%02u-%02u", y, mo, d);
                return;
        }
        if (v == floor(v) && fabs(v) < 1e15 && strpbrk(txt, ".eE"))
                snprintf(out, size, "%.0f", v);
}

static void cp_xlsx_put_cell(cp_xlsx_t *x)
{
        const char *t = x->cell_t, *txt = x->text.b ? x->text.b : "";
        char num[64];
        size_t len;
        cp_xcell_t *c;

        if (!x->col_no || x->col_no > CP_XLSX_MAX_COLS)
                return;
        if (!strcmp(t, "s")) {
                char *end;
                unsigned long i = strtoul(txt, &end, 10);

                txt = (end != txt && i < x->nss) ? x->ss[i] : "";
        } else if (!strcmp(t, "b")) {
                txt = !strcmp(txt, "1") ? "TRUE" : "FALSE";
        } else if (!t[0] || !strcmp(t, "n")) {
                cp_xlsx_number(x, x->cell_date, num, sizeof(num), txt);
                if (strlen(txt) < sizeof(num))
                        txt = num;
        }
        /* str, inlineStr, e (#N/A and co.: text, null to transform), d */
        len = strlen(txt);
        if (x->ncells == x->capcells) {
                size_t cap = x->capcells ? x->capcells * 2 : 32;

                c = realloc(x->cells, cap * sizeof(*c));
                if (!c)
                        return cp_xfail(x, cp_ingest_nomem(x->ic));
                x->cells = c;
                x->capcells = cap;
        }
        c = &x->cells[x->ncells++];
        c->col = x->col_no;
        c->off = x->rowbuf.n;
        c->len = len;
        if (cp_xbuf_add(&x->rowbuf, txt, len) ||
            cp_xbuf_add(&x->rowbuf, "", 1))
                cp_xfail(x, cp_ingest_nomem(x->ic));
}

static int cp_xlsx_row(cp_xlsx_t *x);

static void XMLCALL cp_xsh_start(void *ud, const char *el, const char **atts)
{
        cp_xlsx_t *x = ud;
        const char *n = cp_xname(el), *v;

        if (!strcmp(n, "row")) {
                uint32_t r = 0;

                v = cp_xattr(atts, "r");
                if (v)
                        r = (uint32_t)strtoul(v, NULL, 10);
                x->row_no = r > x->row_no ? r : x->row_no + 1;
                x->col_no = 0;
                x->ncells = 0;
                x->rowbuf.n = 0;
        } else if (!strcmp(n, "c")) {
                uint32_t col = 0, s;

                v = cp_xattr(atts, "r");
                if (v)
                        col = cp_xlsx_ref(v, NULL);
                x->col_no = col > x->col_no ? col : x->col_no + 1;
                v = cp_xattr(atts, "t");
                snprintf(x->cell_t, sizeof(x->cell_t), "%s", v ? v : "");
                v = cp_xattr(atts, "s");
                s = v ? (uint32_t)strtoul(v, NULL, 10) : 0;
                x->cell_date = s < x->nxf && x->xf_date[s];
                x->text.n = 0;
                if (x->text.b)
                        x->text.b[0] = '\0';
        } else if (!strcmp(n, "v")) {
                x->in_v = true;
        } else if (!strcmp(n, "is")) {
                x->in_is = true;
        } else if (x->in_is) {
                cp_xtext_start(x, n);
        }
}

static void XMLCALL cp_xsh_end(void *ud, const char *el)
{
        cp_xlsx_t *x = ud;
        const char *n = cp_xname(el);

        if (!strcmp(n, "v")) {
                x->in_v = false;
        } else if (!strcmp(n, "is")) {
                x->in_is = false;
        } else if (x->in_is) {
                cp_xtext_end(x, n);
        } else if (!strcmp(n, "c")) {
                cp_xlsx_put_cell(x);
        } else if (!strcmp(n, "row")) {
                int rc = cp_xlsx_row(x);

                if (rc != CP_OK)
                        cp_xfail(x, rc);
        }
}

/* The row as a CSV row: gaps between cell references become empty cells. */
typedef struct cp_xrow_s {
        cp_csv_row_t r;
        const char **field;
        size_t *len;
} cp_xrow_t;

static int cp_xlsx_build(cp_xlsx_t *x, cp_xrow_t *xr, cp_xbuf_t *raw)
{
        size_t n = x->ncells ? x->cells[x->ncells - 1].col : 0;

        xr->field = calloc(n ? n : 1, sizeof(*xr->field));
        xr->len = calloc(n ? n : 1, sizeof(*xr->len));
        if (!xr->field || !xr->len)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
                xr->field[i] = "";
        for (size_t i = 0; i < x->ncells; i++) {
                xr->field[x->cells[i].col - 1] = x->rowbuf.b + x->cells[i].off;
                xr->len[x->cells[i].col - 1] = x->cells[i].len;
        }
        raw->n = 0;
        for (size_t i = 0; i < n; i++)
                if ((i && cp_xbuf_add(raw, "\t", 1)) ||
                    cp_xbuf_add(raw, xr->field[i], xr->len[i]))
                        return CP_ERR_NOMEM;
        xr->r = (cp_csv_row_t){
                .nfields = n, .field = xr->field, .len = xr->len,
                .line = x->row_no, .offset = x->sheet_no,
                .raw = raw->b ? raw->b : "", .raw_len = raw->n,
        };
        return CP_OK;
}

/* Text of a scanned header-candidate row's cell, or NULL. */
static const char *cp_xlsx_prev(const cp_xlsx_t *x, uint32_t row, uint32_t col)
{
        for (int k = 0; k < x->scanned; k++)
                if (x->prev_row[k] == row && col <= x->prev_n[k])
                        return x->prev[k][col - 1];
        return NULL;
}

/* Header rows only: an empty cell inside a merged region takes the text
 * of the region's top-left cell (in this row or one above), so a header
 * merged across columns, or down from a group row, names every column. */
static int cp_xlsx_fill_merges(cp_xlsx_t *x, cp_xrow_t *xr)
{
        uint32_t row = x->row_no;
        size_t n = xr->r.nfields;

        for (size_t i = 0; i < x->nmerges; i++) {
                const cp_xmerge_t *m = &x->merges[i];

                if (row < m->r1 || row > m->r2 || m->c2 > n + 64)
                        continue;
                if (m->c2 > n) {
                        size_t nn = m->c2;
                        const char **nf = realloc(xr->field, nn * sizeof(*nf));
                        size_t *nl;

                        if (!nf)
                                return CP_ERR_NOMEM;
                        xr->field = nf;
                        if (!(nl = realloc(xr->len, nn * sizeof(*nl))))
                                return CP_ERR_NOMEM;
                        xr->len = nl;
                        for (; n < nn; n++) {
                                nf[n] = "";
                                nl[n] = 0;
                        }
                        xr->r.field = nf;
                        xr->r.len = nl;
                        xr->r.nfields = n;
                }
                const char *top = m->r1 == row
                        ? (m->c1 <= n ? xr->field[m->c1 - 1] : NULL)
                        : cp_xlsx_prev(x, m->r1, m->c1);
                if (!top)
                        continue;
                for (uint32_t c = m->c1; c <= m->c2; c++) {
                        if (xr->len[c - 1] == 0) {
                                xr->field[c - 1] = top;
                                xr->len[c - 1] = strlen(top);
                        }
                }
        }
        return CP_OK;
}

static int cp_xlsx_keep_prev(cp_xlsx_t *x, const cp_xrow_t *xr)
{
        int k = x->scanned;

        x->prev[k] = calloc(xr->r.nfields ? xr->r.nfields : 1, sizeof(char *));
        if (!x->prev[k])
                return CP_ERR_NOMEM;
        x->prev_n[k] = xr->r.nfields;
        x->prev_row[k] = x->row_no;
        x->scanned++;
        for (size_t i = 0; i < xr->r.nfields; i++)
                if (!(x->prev[k][i] = strndup(xr->field[i], xr->len[i])))
                        return CP_ERR_NOMEM;
        return CP_OK;
}

static int cp_xlsx_no_header(cp_xlsx_t *x)
{
        const cp_source_conf_t *src = x->ic->ic_src;
        char expected[512];

        cp_ingest_expected_columns(src, expected, sizeof(expected));
        snprintf(x->ic->ic_errstr, x->ic->ic_errstr_size,
                 "%s, sheet '%s': no header found: none of the first %d rows "
                 "names a column of source %s (expected at least one of: "
                 "%s; row %u has: %s). Fix the `columns` map of source %s, "
                 "or choose the sheet with `sheets`", x->ic->ic_path,
                 x->sh->name, CP_INGEST_HEADER_SCAN, src->src_id, expected,
                 x->first_row, x->found, src->src_id);
        return CP_ERR_CONFIG;
}

/* A row of the header search (see DESIGN of source_csv.c). */
static int cp_xlsx_header_row(cp_xlsx_t *x, cp_xrow_t *xr)
{
        int *field = NULL;
        long nm;
        int rc;

        if (x->scanned == 0) {
                x->first_row = x->row_no;
                size_t n;

                cp_csv_list(x->found, sizeof(x->found), xr->r.field,
                            xr->r.len, xr->r.nfields);
                /* A sheet without a header shows a record here, and
                 * errors reach logs. */
                cp_pii_mask_rics(x->found, strlen(x->found), x->found, &n,
                                 NULL, NULL);
        }
        if ((rc = cp_xlsx_fill_merges(x, xr)) != CP_OK ||
            (rc = cp_xlsx_keep_prev(x, xr)) != CP_OK)
                return rc;
        if (x->hdr_until && x->row_no < x->hdr_until)
                return CP_OK;
        field = malloc((xr->r.nfields ? xr->r.nfields : 1) * sizeof(*field));
        if (!field)
                return CP_ERR_NOMEM;
        nm = cp_csv_match(x->ic->ic_src, &xr->r, field);
        if (nm < 0) {
                free(field);
                return CP_ERR_NOMEM;
        }
        if (nm > 0 && !x->hdr_until) {
                /* A header cell merged down: the header goes on to the
                 * merge's last row, whose cells name the columns. */
                for (size_t i = 0; i < x->nmerges; i++)
                        if (x->merges[i].r1 == x->row_no &&
                            x->merges[i].r2 > x->hdr_until)
                                x->hdr_until = x->merges[i].r2;
                if (x->hdr_until > x->row_no + 3)
                        x->hdr_until = x->row_no + 3;
                if (x->hdr_until > x->row_no) {
                        free(field);
                        return CP_OK;
                }
        }
        if (nm == 0 && !x->hdr_until) {
                free(field);
                if (x->scanned >= CP_INGEST_HEADER_SCAN)
                        return cp_xlsx_no_header(x);
                return CP_OK;
        }
        rc = cp_csv_hdr_init(&x->hdr, &xr->r, field);
        free(field);
        if (rc != CP_OK)
                return rc;
        x->have_hdr = true;
        cp_ingest_check_generation(x->ic, xr->r.field, xr->r.len,
                                   xr->r.nfields, x->row_no);
        if (x->row_no != x->first_row)
                cp_log_info("ingest", "CSV_TITLE_ROWS",
                            "msg=\"skipped rows above the header\" "
                            "file=\"%s\" sheet=\"%s\" first_line=%u "
                            "header_line=%u", x->ic->ic_path, x->sh->name,
                            x->first_row, x->row_no);
        return CP_OK;
}

static int cp_xlsx_record(cp_xlsx_t *x, cp_xrow_t *xr)
{
        cp_ingest_ctx_t *ic = x->ic;
        cp_record_t *rec;
        int rc;

        rc = cp_ingest_rec_new(ic, &rec, x->row_no, x->sheet_no, xr->r.raw,
                               xr->r.raw_len);
        if (rc != CP_OK)
                return rc;
        /* Excel omits trailing empty cells: a row shorter than the header
         * is complete, so it is padded with empty cells (only text right of
         * the header is a fault). */
        if (xr->r.nfields < x->hdr.ch_ncols) {
                size_t nn = x->hdr.ch_ncols;
                const char **nf = realloc(xr->field, nn * sizeof(*nf));
                size_t *nl;

                if (!nf)
                        return cp_ingest_nomem(ic);
                xr->field = nf;
                if (!(nl = realloc(xr->len, nn * sizeof(*nl))))
                        return cp_ingest_nomem(ic);
                xr->len = nl;
                for (size_t i = xr->r.nfields; i < nn; i++) {
                        nf[i] = "";
                        nl[i] = 0;
                }
                xr->r.field = nf;
                xr->r.len = nl;
                xr->r.nfields = nn;
        }
        /* expat hands out UTF-8 only: no encoding check is needed. */
        if (!cp_csv_width_ok(&x->hdr, &xr->r)) {
                cp_record_reject(ic->ic_bat, rec, CP_INGEST_E_FIELD_COUNT, -1,
                                 "sheet '%s' row %u has text in column %zu, "
                                 "right of the header's %zu columns; give "
                                 "that column a header or clear the cell",
                                 x->sh->name, x->row_no, xr->r.nfields,
                                 x->hdr.ch_ncols);
                return CP_OK;
        }
        return cp_csv_map_row(ic, &x->hdr, rec, &xr->r);
}

static int cp_xlsx_row(cp_xlsx_t *x)
{
        cp_xrow_t xr = { 0 };
        cp_xbuf_t raw = { 0 };
        int rc;

        if (x->rc != CP_OK)
                return x->rc;
        rc = cp_xlsx_build(x, &xr, &raw);
        if (rc == CP_OK && xr.r.nfields > 0) {
                bool blank = true;

                for (size_t i = 0; i < xr.r.nfields && blank; i++) {
                        const char *s = xr.field[i];
                        size_t n = xr.len[i];

                        cp_text_trim(&s, &n);
                        blank = n == 0;
                }
                /* Blank rows are not records, as blank CSV lines. */
                if (blank)
                        ;
                else if (!x->have_hdr)
                        rc = cp_xlsx_header_row(x, &xr);
                else
                        rc = cp_xlsx_record(x, &xr);
        }
        free(xr.field);
        free(xr.len);
        free(raw.b);
        if (rc == CP_ERR_NOMEM)
                return cp_ingest_nomem(x->ic);
        return rc;
}

static void cp_xlsx_sheet_reset(cp_xlsx_t *x)
{
        cp_csv_hdr_free(&x->hdr);
        memset(&x->hdr, 0, sizeof(x->hdr));
        for (int k = 0; k < x->scanned; k++) {
                for (size_t i = 0; i < x->prev_n[k]; i++)
                        free(x->prev[k][i]);
                free(x->prev[k]);
        }
        x->scanned = 0;
        x->have_hdr = false;
        x->hdr_until = 0;
        x->first_row = 0;
        x->found[0] = '\0';
        x->nmerges = 0;
        x->row_no = 0;
        x->depth_t = x->depth_rph = 0;
        x->in_v = x->in_is = false;
}

static int cp_xlsx_sheet(cp_xlsx_t *x, const cp_xsheet_t *sh, uint32_t no)
{
        int rc;

        cp_xlsx_sheet_reset(x);
        x->sh = sh;
        x->sheet_no = no;
        if (!sh->part) {
                char what[512];

                snprintf(what, sizeof(what), "sheet '%s' has no part in "
                         "xl/_rels/workbook.xml.rels", sh->name);
                return cp_xlsx_corrupt(x, what);
        }
        cp_log_info("ingest", "XLSX_SHEET", "msg=\"reading a sheet\" "
                    "file=\"%s\" sheet=\"%s\" sheet_no=%u", x->ic->ic_path,
                    sh->name, no);
        rc = cp_xlsx_parse(x, sh->part, true, cp_xmerge_start, NULL, NULL);
        if (rc == CP_OK)
                rc = cp_xlsx_parse(x, sh->part, true, cp_xsh_start,
                                   cp_xsh_end, cp_xchars);
        /* A sheet whose rows end before the header was taken. */
        if (rc == CP_OK && !x->have_hdr && x->scanned > 0 && !x->hdr_until)
                rc = cp_xlsx_no_header(x);
        return rc;
}

static int cp_xlsx_run(cp_xlsx_t *x)
{
        const cp_source_conf_t *src = x->ic->ic_src;
        int rc;

        if ((rc = cp_xlsx_parse(x, "xl/workbook.xml", true, cp_xwb_start,
                                NULL, NULL)) != CP_OK ||
            (rc = cp_xlsx_parse(x, "xl/_rels/workbook.xml.rels", true,
                                cp_xrels_start, NULL, NULL)) != CP_OK ||
            (rc = cp_xlsx_parse(x, "xl/styles.xml", false, cp_xst_start,
                                cp_xst_end, NULL)) != CP_OK ||
            (rc = cp_xlsx_parse(x, "xl/sharedStrings.xml", false,
                                cp_xss_start, cp_xss_end, cp_xchars)) != CP_OK)
                return rc;
        if (x->nsheets == 0)
                return cp_xlsx_corrupt(x, "the workbook lists no sheet");
        if (src->src_nsheets == 0)
                return cp_xlsx_sheet(x, &x->sheets[0], 1);
        for (size_t i = 0; i < src->src_nsheets; i++) {
                size_t j;

                for (j = 0; j < x->nsheets; j++)
                        if (!strcmp(x->sheets[j].name, src->src_sheets[i]))
                                break;
                if (j == x->nsheets) {
                        char have[512] = "";
                        const char *names[64];
                        size_t n = x->nsheets < 64 ? x->nsheets : 64;

                        for (size_t k = 0; k < n; k++)
                                names[k] = x->sheets[k].name;
                        cp_csv_list(have, sizeof(have), names, NULL, n);
                        snprintf(x->ic->ic_errstr, x->ic->ic_errstr_size,
                                 "%s has no sheet '%s' (source %s, `sheets`); "
                                 "its sheets are: %s", x->ic->ic_path,
                                 src->src_sheets[i], src->src_id, have);
                        return CP_ERR_CONFIG;
                }
                rc = cp_xlsx_sheet(x, &x->sheets[j], (uint32_t)j + 1);
                if (rc != CP_OK)
                        return rc;
        }
        return CP_OK;
}

int cp_ingest_xlsx(cp_ingest_ctx_t *ic, int fd)
{
        static const unsigned char ole[8] = { 0xD0, 0xCF, 0x11, 0xE0,
                                               0xA1, 0xB1, 0x1A, 0xE1 };
        unsigned char magic[8];
        cp_xlsx_t x = { .ic = ic };
        zip_error_t ze;
        int zerr = 0, rc;

        if (pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
            !memcmp(magic, ole, sizeof(magic))) {
                close(fd);
                snprintf(ic->ic_errstr, ic->ic_errstr_size,
                         "%s: legacy .xls is not supported: save as .xlsx or "
                         "CSV", ic->ic_path);
                return CP_ERR_PARSE;
        }
        x.zip = zip_fdopen(fd, ZIP_RDONLY, &zerr);
        if (!x.zip) {
                close(fd);
                zip_error_init_with_code(&ze, zerr);
                rc = cp_xlsx_corrupt(&x, zip_error_strerror(&ze));
                zip_error_fini(&ze);
                return rc;
        }
        x.merges = malloc(CP_XLSX_MAX_MERGES * sizeof(*x.merges));
        rc = x.merges ? cp_xlsx_run(&x) : cp_ingest_nomem(ic);
        cp_xlsx_sheet_reset(&x);
        zip_discard(x.zip);
        for (size_t i = 0; i < x.nsheets; i++) {
                free(x.sheets[i].name);
                free(x.sheets[i].rid);
                free(x.sheets[i].part);
        }
        free(x.sheets);
        for (size_t i = 0; i < x.nss; i++)
                free(x.ss[i]);
        free(x.ss);
        free(x.xf_date);
        free(x.fmt_date);
        free(x.text.b);
        free(x.rowbuf.b);
        free(x.cells);
        free(x.merges);
        return rc;
}
