/*
 * Writing a generated feed as an Excel workbook (see gen_xlsx.h).
 *
 * DESIGN: the parts are the fewest a reader (and Excel) needs: content
 * types, the package and workbook relationships, the workbook, styles
 * (style 1: built-in date format 14; style 2: custom "yyyy/m/d"; dates
 * take one or the other by row), the
 * shared strings and one sheet. The sheet and the shared strings are
 * temporary files handed to libzip, which closes them.
 */
#include "gen_xlsx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define CP_GEN_XLSX_MTIME ((time_t)1577836800)  /* 2020-01-01 00:00:00 UTC */

static const char cp_gen_xlsx_ns[] =
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

int32_t cp_gen_xlsx_serial(int32_t days)
{
        return days + 25569;  /* 1970-01-01 is serial 25569 */
}

static void cp_gen_xlsx_check(cp_gen_xlsx_t *xw, FILE *fp)
{
        if (ferror(fp) && !xw->xw_err)
                xw->xw_err = errno ? errno : EIO;
}

/* Escapes s as XML element text. */
static void cp_gen_xlsx_text(FILE *fp, const char *s)
{
        for (; *s; s++) {
                switch (*s) {
                case '&': fputs("&amp;", fp); break;
                case '<': fputs("&lt;", fp); break;
                case '>': fputs("&gt;", fp); break;
                default: fputc(*s, fp); break;
                }
        }
}

int cp_gen_xlsx_open(cp_gen_xlsx_t *xw, const char *path, int ncols)
{
        memset(xw, 0, sizeof(*xw));
        xw->xw_row = 1;
        xw->xw_ncols = ncols;
        if (!(xw->xw_path = strdup(path)) || !(xw->xw_sheet = tmpfile()) ||
            !(xw->xw_sst = tmpfile())) {
                int e = errno;
                cp_gen_xlsx_abort(xw);
                errno = e;
                return -1;
        }
        fprintf(xw->xw_sheet,
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<worksheet xmlns=\"%s\"><sheetData>", cp_gen_xlsx_ns);
        fprintf(xw->xw_sst,
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<sst xmlns=\"%s\">", cp_gen_xlsx_ns);
        return 0;
}

static void cp_gen_xlsx_cell(cp_gen_xlsx_t *xw, int col, const char *v, bool date)
{
        char ref[32];

        snprintf(ref, sizeof(ref), "%c%llu", 'A' + col, (unsigned long long)xw->xw_row);
        if (date) {
                fprintf(xw->xw_sheet, "<c r=\"%s\" s=\"%d\"><v>%s</v></c>", ref,
                        1 + (int)(xw->xw_row & 1), v);
                return;
        }
        fprintf(xw->xw_sheet, "<c r=\"%s\" t=\"s\"><v>%llu</v></c>", ref,
                (unsigned long long)xw->xw_nstr++);
        fputs("<si><t xml:space=\"preserve\">", xw->xw_sst);
        cp_gen_xlsx_text(xw->xw_sst, v);
        fputs("</t></si>", xw->xw_sst);
}

void cp_gen_xlsx_title(cp_gen_xlsx_t *xw, const char *title)
{
        fprintf(xw->xw_sheet, "<row r=\"%llu\">", (unsigned long long)xw->xw_row);
        cp_gen_xlsx_cell(xw, 0, title, false);
        fputs("</row>", xw->xw_sheet);
        xw->xw_row++;
}

void cp_gen_xlsx_row(cp_gen_xlsx_t *xw, const char *const *vals, int ncols,
                     const cp_gen_col_t *cols)
{
        fprintf(xw->xw_sheet, "<row r=\"%llu\">", (unsigned long long)xw->xw_row);
        for (int i = 0; i < ncols; i++) {
                const char *v = vals[i];
                bool date = cols && cols[i].col_number && *v;

                /* Empty cells are left out, trailing ones too, as Excel
                 * does: the reader must treat them as empty. */
                if (!*v)
                        continue;
                for (const char *p = v; date && *p; p++)
                        date = *p >= '0' && *p <= '9';
                cp_gen_xlsx_cell(xw, i, v, date);
        }
        fputs("</row>", xw->xw_sheet);
        xw->xw_row++;
        cp_gen_xlsx_check(xw, xw->xw_sheet);
}

void cp_gen_xlsx_skip(cp_gen_xlsx_t *xw)
{
        xw->xw_row++;
}

void cp_gen_xlsx_abort(cp_gen_xlsx_t *xw)
{
        if (xw->xw_sheet)
                fclose(xw->xw_sheet);
        if (xw->xw_sst)
                fclose(xw->xw_sst);
        free(xw->xw_path);
        memset(xw, 0, sizeof(*xw));
}

/* Adds a part to the zip; a FILE source is closed by libzip. */
static int cp_gen_xlsx_add(zip_t *za, const char *name, zip_source_t *zs)
{
        zip_int64_t idx;

        if (!zs)
                return -1;
        if ((idx = zip_file_add(za, name, zs, ZIP_FL_ENC_UTF_8)) < 0) {
                zip_source_free(zs);
                return -1;
        }
        return zip_file_set_mtime(za, (zip_uint64_t)idx, CP_GEN_XLSX_MTIME, 0);
}

static int cp_gen_xlsx_add_str(zip_t *za, const char *name, char *s)
{
        zip_source_t *zs = zip_source_buffer(za, s, strlen(s), 1);

        if (!zs)
                free(s);
        return cp_gen_xlsx_add(za, name, zs);
}

int cp_gen_xlsx_close(cp_gen_xlsx_t *xw, char *errstr, size_t errstr_size)
{
        static const char ct[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
                "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
                "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
                "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
                "</Types>";
        static const char rels[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
                "</Relationships>";
        static const char wbrels[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
                "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
                "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
                "</Relationships>";
        static const char wb[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
                "<sheets><sheet name=\"名单\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
        static const char styles[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy/m/d\"/></numFmts>"
                "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"宋体\"/></font></fonts>"
                "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
                "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
                "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
                "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
                "<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
                "<xf numFmtId=\"14\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
                "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
                "</cellXfs></styleSheet>";
        zip_t *za = NULL;
        zip_error_t ze;
        int zerr = 0, rc = -1;
        FILE *sheet = xw->xw_sheet, *sst = xw->xw_sst;

        fprintf(sheet, "</sheetData><mergeCells count=\"1\"><mergeCell ref=\"A1:%c1\"/>"
                "</mergeCells></worksheet>", 'A' + xw->xw_ncols - 1);
        fputs("</sst>", sst);
        if (fflush(sheet) || fflush(sst))
                xw->xw_err = xw->xw_err ? xw->xw_err : errno;
        cp_gen_xlsx_check(xw, sheet);
        cp_gen_xlsx_check(xw, sst);
        if (xw->xw_err) {
                snprintf(errstr, errstr_size, "%s: %s", xw->xw_path, strerror(xw->xw_err));
                cp_gen_xlsx_abort(xw);
                return -1;
        }
        remove(xw->xw_path);
        if (!(za = zip_open(xw->xw_path, ZIP_CREATE | ZIP_TRUNCATE, &zerr))) {
                zip_error_init_with_code(&ze, zerr);
                snprintf(errstr, errstr_size, "%s: %s", xw->xw_path, zip_error_strerror(&ze));
                zip_error_fini(&ze);
                cp_gen_xlsx_abort(xw);
                return -1;
        }
        rewind(sheet);
        rewind(sst);
        xw->xw_sheet = xw->xw_sst = NULL;  /* libzip owns them from here */
        if (cp_gen_xlsx_add_str(za, "[Content_Types].xml", strdup(ct)) ||
            cp_gen_xlsx_add_str(za, "_rels/.rels", strdup(rels)) ||
            cp_gen_xlsx_add_str(za, "xl/workbook.xml", strdup(wb)) ||
            cp_gen_xlsx_add_str(za, "xl/_rels/workbook.xml.rels", strdup(wbrels)) ||
            cp_gen_xlsx_add_str(za, "xl/styles.xml", strdup(styles))) {
                fclose(sheet);
                fclose(sst);
                goto fail;
        }
        if (cp_gen_xlsx_add(za, "xl/sharedStrings.xml", zip_source_filep(za, sst, 0, -1))) {
                fclose(sheet);
                goto fail;
        }
        if (cp_gen_xlsx_add(za, "xl/worksheets/sheet1.xml",
                            zip_source_filep(za, sheet, 0, -1)))
                goto fail;
        if (zip_close(za)) {
                snprintf(errstr, errstr_size, "%s: %s", xw->xw_path, zip_strerror(za));
                zip_discard(za);
                cp_gen_xlsx_abort(xw);
                return -1;
        }
        rc = 0;
        cp_gen_xlsx_abort(xw);
        return rc;
fail:
        snprintf(errstr, errstr_size, "%s: %s", xw->xw_path, zip_strerror(za));
        zip_discard(za);
        cp_gen_xlsx_abort(xw);
        return -1;
}
