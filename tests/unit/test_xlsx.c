/*
 * .xlsx ingest: workbooks built here with libzip (the XML parts written by
 * hand, as small as Excel accepts) and read through cp_ingest_file, so the
 * whole path is covered: container, workbook, styles, shared strings,
 * merged header cells, dates, gaps and blank rows, several sheets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "core/err.h"
#include "core/field.h"
#include "ingest/ingest.h"
#include "testutil.h"






/* Writes a zip of (name, text) pairs, NULL-terminated. */
static const char *t_zip(const char *name, const char *const *parts)
{
        const char *path = t_path(name);
        int err;
        zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);

        assert_non_null(z);
        for (size_t i = 0; parts[i]; i += 2) {
                zip_source_t *s = zip_source_buffer(z, parts[i + 1],
                                                    strlen(parts[i + 1]), 0);
                assert_non_null(s);
                assert_true(zip_file_add(z, parts[i], s, ZIP_FL_ENC_UTF_8) >= 0);
        }
        assert_int_equal(zip_close(z), 0);
        return path;
}








static cp_column_map_t t_cols[] = {
        { "行政相对人名称", CP_F_SUBJECT_NAME },
        { "统一社会信用代码", CP_F_SUBJECT_USCC },
        { "决定日期", CP_F_DECISION_DATE },
        { "罚款金额(万元)", CP_F_FINE_AMOUNT },
};

static cp_source_conf_t t_src(char **sheets, size_t nsheets)
{
        cp_source_conf_t src = {
                .src_id = "xm_xlsx",
                .src_role = CP_ROLE_MUNICIPAL,
                .src_format = CP_FMT_XLSX,
                .src_columns = t_cols,
                .src_ncolumns = sizeof(t_cols) / sizeof(t_cols[0]),
                .src_keep_unmapped = true,
                .src_sheets = sheets,
                .src_nsheets = nsheets,
        };
        return src;
}

static int t_ingest(const cp_source_conf_t *src, const char *path,
                    t_sink_t *sink, char *err, size_t errsz)
{
        err[0] = '\0';
        return cp_ingest_file(src, 0, path, 100, t_emit, sink, err, errsz);
}

#define T_XML "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define T_NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define T_RNS "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

static const char t_types[] = T_XML
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        "</Types>";

static const char t_wb_rels[] = T_XML
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
        "</Relationships>";

static const char t_styles[] = T_XML
        "<styleSheet " T_NS ">"
        "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
        "<numFmt numFmtId=\"165\" formatCode=\"&quot;d&quot;0.00\"/></numFmts>"
        "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
        "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/>"
        "<xf numFmtId=\"164\"/><xf numFmtId=\"165\"/></cellXfs>"
        "</styleSheet>";

/* 0 title, 1..8 header names and a party; 4 is rich text with a
 * phonetic run that is not text. */
static const char t_sst[] = T_XML
        "<sst " T_NS " count=\"9\" uniqueCount=\"9\">"
        "<si><t>2023年行政处罚信息公示</t></si>"
        "<si><t>行政相对人名称</t></si>"
        "<si><t>处罚信息</t></si>"
        "<si><t>决定日期</t></si>"
        "<si><r><rPr><b/></rPr><t>罚款金额</t></r><r><t xml:space=\"preserve\">（万元）</t></r>"
        "<rPh sb=\"0\" eb=\"1\"><t>FAKUAN</t></rPh></si>"
        "<si><t>是否公开</t></si>"
        "<si><t>统一社会信用代码</t></si>"
        "<si><t>备注</t></si>"
        "<si><t>甲公司</t></si>"
        "</sst>";

static const char t_wb[] = T_XML
        "<workbook " T_NS " " T_RNS "><workbookPr/><sheets>"
        "<sheet name=\"处罚\" sheetId=\"1\" r:id=\"rId1\"/>"
        "<sheet name=\"第二页\" sheetId=\"2\" r:id=\"rId2\"/>"
        "</sheets></workbook>";

/* A title merged across, a two-row header (A merged down, B:D a group
 * title), dates, a number, a boolean, an inline string, an error, a
 * formula, a blank row, a gap. */
static const char t_sheet1[] = T_XML
        "<worksheet " T_NS "><sheetData>"
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c><c r=\"B2\" t=\"s\"><v>2</v></c></row>"
        "<row r=\"3\"><c r=\"B3\" t=\"s\"><v>3</v></c><c r=\"C3\" t=\"s\"><v>4</v></c>"
        "<c r=\"D3\" t=\"s\"><v>5</v></c><c r=\"E3\" t=\"s\"><v>6</v></c><c r=\"F3\" t=\"s\"><v>7</v></c></row>"
        "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>8</v></c><c r=\"B4\" s=\"1\"><v>44927</v></c>"
        "<c r=\"C4\"><f>1.5*1</f><v>1.5</v></c><c r=\"D4\" t=\"b\"><v>1</v></c>"
        "<c r=\"E4\" t=\"inlineStr\"><is><t>91350100M000100Y43</t></is></c>"
        "<c r=\"F4\" t=\"e\"><v>#N/A</v></c></row>"
        "<row r=\"5\"><c r=\"A5\" s=\"1\"/></row>"
        "<row r=\"7\"><c r=\"A7\" t=\"inlineStr\"><is><r><t>乙</t></r><r><t>公司</t></r></is></c>"
        "<c r=\"B7\" s=\"2\"><v>44927.5</v></c><c r=\"C7\"><v>2.0</v></c>"
        "<c r=\"F7\" s=\"3\"><v>7</v></c></row>"
        "</sheetData><mergeCells count=\"3\"><mergeCell ref=\"A1:F1\"/>"
        "<mergeCell ref=\"A2:A3\"/><mergeCell ref=\"B2:D2\"/></mergeCells>"
        "</worksheet>";

/* A header cell merged across two columns. */
static const char t_sheet2[] = T_XML
        "<worksheet " T_NS "><sheetData>"
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c><c r=\"B1\" t=\"s\"><v>7</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>丙公司</t></is></c>"
        "<c r=\"B2\" t=\"str\"><f>\"x\"</f><v>x</v></c><c r=\"C2\"><v>3</v></c></row>"
        "</sheetData><mergeCells><mergeCell ref=\"B1:C1\"/></mergeCells></worksheet>";

static const char *t_book(const char *name)
{
        const char *parts[] = {
                "[Content_Types].xml", t_types,
                "xl/workbook.xml", t_wb,
                "xl/_rels/workbook.xml.rels", t_wb_rels,
                "xl/styles.xml", t_styles,
                "xl/sharedStrings.xml", t_sst,
                "xl/worksheets/sheet1.xml", t_sheet1,
                "xl/worksheets/sheet2.xml", t_sheet2,
                NULL,
        };

        return t_zip(name, parts);
}

static void test_xlsx_two_sheets(void **state)
{
        char *sheets[] = { "处罚", "第二页" };
        cp_source_conf_t src = t_src(sheets, 2);
        const char *path = t_book("book.xlsx");
        t_sink_t sink = { 0 };
        char err[512];
        cp_record_t *r;

        (void)state;
        assert_int_equal(t_ingest(&src, path, &sink, err, sizeof(err)), CP_OK);
        assert_int_equal(t_nrec(&sink), 3);

        r = t_rec(&sink, 0);
        assert_int_equal(r->rec_status, CP_REC_NEW);
        assert_ptr_equal(r->rec_file, path);
        assert_int_equal(r->rec_line, 4);
        assert_int_equal(r->rec_offset, 1);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "甲公司");
        assert_string_equal(r->rec_field[CP_F_DECISION_DATE], "2023-01-01");
        assert_string_equal(r->rec_field[CP_F_FINE_AMOUNT], "1.5");
        assert_string_equal(r->rec_field[CP_F_SUBJECT_USCC],
                            "91350100M000100Y43");
        assert_string_equal(t_extra(r, "是否公开"), "TRUE");
        assert_string_equal(t_extra(r, "备注"), "#N/A");
        assert_string_equal(r->rec_raw, "甲公司\t2023-01-01\t1.5\tTRUE\t"
                                        "91350100M000100Y43\t#N/A");

        /* Row 5 is blank and row 6 missing: the next record is row 7. */
        r = t_rec(&sink, 1);
        assert_int_equal(r->rec_status, CP_REC_NEW);
        assert_int_equal(r->rec_line, 7);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "乙公司");
        assert_string_equal(r->rec_field[CP_F_DECISION_DATE],
                            "2023-01-01 12:00:00");
        assert_string_equal(r->rec_field[CP_F_FINE_AMOUNT], "2");
        assert_null(r->rec_field[CP_F_SUBJECT_USCC]);
        /* "d"0.00 is not a date format: d is quoted. */
        assert_string_equal(t_extra(r, "备注"), "7");
        assert_string_equal(r->rec_raw,
                            "乙公司\t2023-01-01 12:00:00\t2\t\t\t7");

        /* Sheet 2: B1:C1 merged, so C takes B's name. */
        r = t_rec(&sink, 2);
        assert_int_equal(r->rec_line, 2);
        assert_int_equal(r->rec_offset, 2);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "丙公司");
        assert_int_equal(r->rec_nextra, 2);
        assert_string_equal(r->rec_extra[0].ex_name, "备注");
        assert_string_equal(r->rec_extra[0].ex_value, "x");
        assert_string_equal(r->rec_extra[1].ex_name, "备注");
        assert_string_equal(r->rec_extra[1].ex_value, "3");
        assert_null(t_extra(r, "column_3"));
        t_sink_free(&sink);
}

static void test_xlsx_first_sheet_default(void **state)
{
        cp_source_conf_t src = t_src(NULL, 0);
        const char *path = t_book("first.xlsx");
        t_sink_t sink = { 0 };
        char err[512];

        (void)state;
        assert_int_equal(t_ingest(&src, path, &sink, err, sizeof(err)), CP_OK);
        assert_int_equal(t_nrec(&sink), 2);
        assert_int_equal(t_rec(&sink, 1)->rec_offset, 1);
        t_sink_free(&sink);
}

static void test_xlsx_unknown_sheet(void **state)
{
        char *sheets[] = { "Sheet9" };
        cp_source_conf_t src = t_src(sheets, 1);
        const char *path = t_book("nosheet.xlsx");
        t_sink_t sink = { 0 };
        char err[512];

        (void)state;
        assert_int_equal(t_ingest(&src, path, &sink, err, sizeof(err)),
                         CP_ERR_CONFIG);
        assert_non_null(strstr(err, "no sheet 'Sheet9'"));
        assert_non_null(strstr(err, "处罚, 第二页"));
        assert_non_null(strstr(err, path));
        t_sink_free(&sink);
}

static void test_xlsx_1904(void **state)
{
        static const char wb[] = T_XML
                "<workbook " T_NS " " T_RNS "><workbookPr date1904=\"1\"/><sheets>"
                "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
        static const char sheet[] = T_XML
                "<worksheet " T_NS "><sheetData>"
                "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>决定日期</t></is></c>"
                "<c r=\"B1\" t=\"inlineStr\"><is><t>罚款金额（万元）</t></is></c></row>"
                "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>43465</v></c><c r=\"B2\"><v>1.2E+3</v></c></row>"
                "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>0</v></c><c r=\"B3\"><v>0.1</v></c></row>"
                "</sheetData></worksheet>";
        const char *parts[] = {
                "[Content_Types].xml", t_types,
                "xl/workbook.xml", wb,
                "xl/_rels/workbook.xml.rels", t_wb_rels,
                "xl/styles.xml", t_styles,
                "xl/worksheets/sheet1.xml", sheet,
                NULL,
        };
        cp_source_conf_t src = t_src(NULL, 0);
        const char *path = t_zip("mac.xlsx", parts);
        t_sink_t sink = { 0 };
        char err[512];

        (void)state;
        assert_int_equal(t_ingest(&src, path, &sink, err, sizeof(err)), CP_OK);
        assert_int_equal(t_nrec(&sink), 2);
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_DECISION_DATE],
                            "2023-01-01");
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_FINE_AMOUNT],
                            "1200");
        assert_string_equal(t_rec(&sink, 1)->rec_field[CP_F_DECISION_DATE],
                            "1904-01-01");
        assert_string_equal(t_rec(&sink, 1)->rec_field[CP_F_FINE_AMOUNT],
                            "0.1");
        t_sink_free(&sink);
}

static void test_xlsx_no_header(void **state)
{
        static const char sheet[] = T_XML
                "<worksheet " T_NS "><sheetData>"
                "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>名称</t></is></c></row>"
                "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>甲</t></is></c></row>"
                "</sheetData></worksheet>";
        const char *parts[] = {
                "xl/workbook.xml", t_wb,
                "xl/_rels/workbook.xml.rels", t_wb_rels,
                "xl/worksheets/sheet1.xml", sheet,
                NULL,
        };
        cp_source_conf_t src = t_src(NULL, 0);
        const char *path = t_zip("nohdr.xlsx", parts);
        t_sink_t sink = { 0 };
        char err[512];

        (void)state;
        assert_int_equal(t_ingest(&src, path, &sink, err, sizeof(err)),
                         CP_ERR_CONFIG);
        assert_non_null(strstr(err, "sheet '处罚'"));
        assert_non_null(strstr(err, "no header found"));
        assert_non_null(strstr(err, "row 1 has: 名称"));
        t_sink_free(&sink);
}

static void test_xlsx_legacy_xls(void **state)
{
        static const unsigned char xls[512] = { 0xD0, 0xCF, 0x11, 0xE0,
                                                0xA1, 0xB1, 0x1A, 0xE1 };
        cp_source_conf_t src = t_src(NULL, 0);
        const char *path = t_write_bytes("old.xls", xls, sizeof(xls));
        t_sink_t sink = { 0 };
        char err[512];

        (void)state;
        assert_int_equal(t_ingest(&src, path, &sink, err, sizeof(err)),
                         CP_ERR_PARSE);
        assert_non_null(strstr(err, "legacy .xls is not supported: save as "
                                    ".xlsx or CSV"));
        assert_non_null(strstr(err, path));
        assert_int_equal(sink.n, 0);
}

static void test_xlsx_corrupt(void **state)
{
        static const char junk[] = "PK\x03\x04 this is not really a zip";
        cp_source_conf_t src = t_src(NULL, 0);
        const char *path = t_write_bytes("bad.xlsx", junk, sizeof(junk) - 1);
        const char *parts[] = {
                "xl/workbook.xml", "<workbook><sheets><sheet name=\"a\"",
                NULL,
        };
        t_sink_t sink = { 0 };
        char err[512];

        (void)state;
        assert_int_equal(t_ingest(&src, path, &sink, err, sizeof(err)),
                         CP_ERR_PARSE);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "not a readable .xlsx"));

        /* A zip whose workbook is not XML. */
        path = t_zip("badxml.xlsx", parts);
        assert_int_equal(t_ingest(&src, path, &sink, err, sizeof(err)),
                         CP_ERR_PARSE);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "xl/workbook.xml"));
        assert_int_equal(sink.n, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_xlsx_two_sheets),
                cmocka_unit_test(test_xlsx_first_sheet_default),
                cmocka_unit_test(test_xlsx_unknown_sheet),
                cmocka_unit_test(test_xlsx_1904),
                cmocka_unit_test(test_xlsx_no_header),
                cmocka_unit_test(test_xlsx_legacy_xls),
                cmocka_unit_test(test_xlsx_corrupt),
        };

        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
