/*
 * File source: column mapping, trimming, extras, rejects that keep their
 * raw bytes and position, batching, and path expansion, on real files in
 * a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/presets.h"
#include "ingest/ingest.h"
#include "testutil.h"





/* Writes a file under the temporary directory; @returns its path (static,
 * one of a few rotating buffers). */


/* ---- an emit callback that keeps the batches ---- */




/* The i-th record over all batches. */


static cp_column_map_t t_cols[] = {
        { "行政相对人名称", CP_F_SUBJECT_NAME },
        { "统一社会信用代码", CP_F_SUBJECT_USCC },
        { "处罚机关", CP_F_AUTHORITY },
        { "罚款金额(万元)", CP_F_FINE_AMOUNT },
};

static cp_source_conf_t t_src(cp_format_t fmt)
{
        cp_source_conf_t src = {
                .src_id = "xm_penalty",
                .src_role = CP_ROLE_MUNICIPAL,
                .src_format = fmt,
                .src_columns = t_cols,
                .src_ncolumns = sizeof(t_cols) / sizeof(t_cols[0]),
                .src_delimiter = ',',
                .src_keep_unmapped = true,
        };
        return src;
}

static int t_ingest(const cp_source_conf_t *src, const char *path,
                    size_t cap, t_sink_t *sink, char *err, size_t errsz)
{
        err[0] = '\0';
        return cp_ingest_file(src, 3, path, cap, t_emit, sink, err, errsz);
}


static void test_csv_mapping(void **state)
{
        (void)state;
        /* BOM, CRLF, padded cells (U+3000, NBSP), an empty mapped cell, an
         * unmapped column, an unnamed trailing column. */
        const char *csv =
                "\xEF\xBB\xBF"
                "行政相对人名称, 统一社会信用代码 ,处罚机关,备注,\r\n"
                "\xE3\x80\x80甲公司\xC2\xA0 ,91350100M000100Y43,,有备注,\r\n"
                "乙公司,\"9135 \",厦门市局,,\r\n";
        const char *path = t_write_text("map.csv", csv);
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        t_sink_t sink = { 0 };
        char err[512];
        cp_record_t *r;

        assert_int_equal(t_ingest(&src, path, 100, &sink, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(sink.n, 1);
        assert_int_equal(sink.bat[0]->bat_source, 3);
        assert_int_equal(t_nrec(&sink), 2);

        r = t_rec(&sink, 0);
        assert_int_equal(r->rec_status, CP_REC_NEW);
        assert_ptr_equal(r->rec_file, path);
        assert_int_equal(r->rec_line, 2);
        assert_int_equal(r->rec_offset, strstr(csv, "\xE3\x80\x80甲") - csv);
        assert_true(r->rec_ingest_ms > 1600000000000LL);
        assert_int_equal(r->rec_raw_len,
                         strlen("\xE3\x80\x80甲公司\xC2\xA0 ,"
                                "91350100M000100Y43,,有备注,"));
        assert_memory_equal(r->rec_raw, "\xE3\x80\x80甲公司", 12);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "甲公司");
        assert_string_equal(r->rec_field[CP_F_SUBJECT_USCC],
                            "91350100M000100Y43");
        assert_null(r->rec_field[CP_F_AUTHORITY]);
        assert_null(r->rec_field[CP_F_FINE_AMOUNT]);
        assert_int_equal(r->rec_nextra, 1);
        assert_string_equal(t_extra(r, "备注"), "有备注");

        r = t_rec(&sink, 1);
        assert_int_equal(r->rec_line, 3);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "乙公司");
        assert_string_equal(r->rec_field[CP_F_SUBJECT_USCC], "9135");
        assert_string_equal(r->rec_field[CP_F_AUTHORITY], "厦门市局");
        assert_int_equal(r->rec_nextra, 0);
        assert_null(r->rec_extra);
        t_sink_free(&sink);

        /* Without keep_unmapped there are no extras at all. */
        src.src_keep_unmapped = false;
        assert_int_equal(t_ingest(&src, path, 100, &sink, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(t_rec(&sink, 0)->rec_nextra, 0);
        assert_null(t_rec(&sink, 0)->rec_extra);
        t_sink_free(&sink);
}

static void t_is_rejected(cp_record_t *r, const char *code, uint64_t line,
                          const char *raw, const char *msg_part)
{
        assert_int_equal(r->rec_status, CP_REC_REJECTED);
        assert_string_equal(r->rec_reject_code, code);
        assert_int_equal(r->rec_reject_field, -1);
        assert_int_equal(r->rec_line, line);
        assert_int_equal(r->rec_raw_len, strlen(raw));
        assert_memory_equal(r->rec_raw, raw, r->rec_raw_len);
        assert_non_null(r->rec_reject_msg);
        if (!strstr(r->rec_reject_msg, msg_part))
                fail_msg("message \"%s\" lacks \"%s\"", r->rec_reject_msg,
                         msg_part);
}

static void test_csv_rejects(void **state)
{
        (void)state;
        const char *csv =
                "行政相对人名称,统一社会信用代码,处罚机关\n"
                "短行,1\n"                         /* line 2: short */
                "甲,2,局\n"                        /* line 3: fine */
                "长行,3,局,多余\n"                  /* line 4: long */
                "补齐,4,局,,\n"                     /* line 5: padding */
                "\xC9\xCF\xBA\xA3,5,局\n"          /* line 6: GBK 上海 */
                "\"坏\"引号\",6,局\n"               /* line 7: bad quote */
                "乙,\"7\n"                          /* line 8: never closed */
                "丙,8,局\n";
        const char *path = t_write_text("rej.csv", csv);
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        t_sink_t sink = { 0 };
        char err[512];
        cp_record_t *r;

        assert_int_equal(t_ingest(&src, path, 100, &sink, err, sizeof(err)),
                         CP_OK);
        /* Rejected records never vanish: 7 rows in, 7 records out. */
        assert_int_equal(t_nrec(&sink), 7);
        t_is_rejected(t_rec(&sink, 0), "csv_field_count", 2, "短行,1",
                      "line 2 has 2 fields, the header has 3; check "
                      "quoting or delimiters");
        assert_null(t_rec(&sink, 0)->rec_field[CP_F_SUBJECT_NAME]);
        assert_int_equal(t_rec(&sink, 1)->rec_status, CP_REC_NEW);
        t_is_rejected(t_rec(&sink, 2), "csv_field_count", 4,
                      "长行,3,局,多余", "line 4 has 4 fields");
        r = t_rec(&sink, 3);
        assert_int_equal(r->rec_status, CP_REC_NEW);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "补齐");
        t_is_rejected(t_rec(&sink, 4), "invalid_utf8", 6,
                      "\xC9\xCF\xBA\xA3,5,局", "byte 0 of the record");
        r = t_rec(&sink, 4);
        char where[64];
        snprintf(where, sizeof(where), "byte %llu of the file",
                 (unsigned long long)r->rec_offset);
        assert_non_null(strstr(r->rec_reject_msg, where));
        t_is_rejected(t_rec(&sink, 5), "csv_quote_in_quoted_field", 7,
                      "\"坏\"引号\",6,局", "must be doubled");
        t_is_rejected(t_rec(&sink, 6), "csv_unterminated_quote", 8,
                      "乙,\"7\n丙,8,局\n", "never closed");
        t_sink_free(&sink);
}

static void test_batches(void **state)
{
        (void)state;
        const char *csv = "行政相对人名称,备注\n"
                          "a,x1\nb,x2\nc,x3\nd,x4\ne,x5\n";
        const char *path = t_write_text("bat.csv", csv);
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        t_sink_t sink = { 0 };
        char err[512];

        assert_int_equal(t_ingest(&src, path, 2, &sink, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(sink.n, 3);
        assert_int_equal(sink.bat[0]->bat_n, 2);
        assert_int_equal(sink.bat[1]->bat_n, 2);
        assert_int_equal(sink.bat[2]->bat_n, 1);
        for (size_t i = 0; i < 5; i++) {
                cp_record_t *r = t_rec(&sink, i);
                char want[8];

                assert_int_equal(r->rec_line, i + 2);
                snprintf(want, sizeof(want), "x%zu", i + 1);
                assert_string_equal(t_extra(r, "备注"), want);
        }
        /* Each batch owns its copy of the extra's name. */
        assert_ptr_not_equal(t_rec(&sink, 0)->rec_extra[0].ex_name,
                             t_rec(&sink, 2)->rec_extra[0].ex_name);
        assert_ptr_equal(t_rec(&sink, 0)->rec_extra[0].ex_name,
                         t_rec(&sink, 1)->rec_extra[0].ex_name);
        t_sink_free(&sink);

        /* The next stage refuses the second batch: reading stops. */
        sink.fail_at = 2;
        assert_int_equal(t_ingest(&src, path, 2, &sink, err, sizeof(err)),
                         CP_ERR_CLOSED);
        assert_int_equal(sink.n, 1);
        assert_non_null(strstr(err, path));
        t_sink_free(&sink);

        /* ...or the last one. */
        sink.fail_at = 3;
        assert_int_equal(t_ingest(&src, path, 2, &sink, err, sizeof(err)),
                         CP_ERR_CLOSED);
        assert_non_null(strstr(err, "last batch"));
        t_sink_free(&sink);
        sink.fail_at = 0;

        assert_int_equal(t_ingest(&src, path, 0, &sink, err, sizeof(err)),
                         CP_ERR_CONFIG);
}

static void test_no_mapped_column(void **state)
{
        (void)state;
        const char *path = t_write_text("nomap.csv", "名称,代码\n甲,1\n");
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        t_sink_t sink = { 0 };
        char err[1024];

        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)),
                         CP_ERR_CONFIG);
        assert_int_equal(sink.n, 0);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "行政相对人名称, 统一社会信用代码, "
                                    "处罚机关, 罚款金额(万元)"));
        assert_non_null(strstr(err, "line 1 has: 名称, 代码"));
        assert_non_null(strstr(err, "`columns`"));
        assert_non_null(strstr(err, "xm_penalty"));

        /* A file without a header shows its first record, masked. */
        path = t_write_text("nohdr.csv", "张三,110105194912310011\n");
        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)),
                         CP_ERR_CONFIG);
        assert_non_null(strstr(err, "line 1 has: 张三, 110105********0011)"));

        /* A GBK header: the message points at the encoding. */
        path = t_write_text("gbk.csv", "\xC3\xFB\xB3\xC6,x\n1,2\n");
        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)),
                         CP_ERR_CONFIG);
        assert_non_null(strstr(err, "GB18030"));
}

static void test_title_rows(void **state)
{
        (void)state;
        /* A title row and a note above the header (domain.md §3.9). */
        const char *path = t_write_text("title.csv",
                                     "2023年行政处罚信息公示,,\n"
                                     "单位：万元,,\n"
                                     "行政相对人名称,统一社会信用代码,x\n"
                                     "甲,91350100M000100Y43,1\n");
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        t_sink_t sink = { 0 };
        char err[512];

        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(t_nrec(&sink), 1);
        assert_int_equal(t_rec(&sink, 0)->rec_line, 4);
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_SUBJECT_NAME],
                            "甲");
        t_sink_free(&sink);
}

static void test_header_matching(void **state)
{
        (void)state;
        /* Full-width brackets and inner spaces match loosely; two columns
         * mapped to one field: the first non-empty wins. */
        static cp_column_map_t cols[] = {
                { "罚款金额(万元)", CP_F_FINE_AMOUNT },
                { "名称", CP_F_SUBJECT_NAME },
                { "企业名称", CP_F_SUBJECT_NAME },
        };
        const char *path = t_write_text("loose.csv",
                                     "罚款金额（万元）,名称,企业名称\n"
                                     "1.5,,乙\n"
                                     "2,甲,丙\n");
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        t_sink_t sink = { 0 };
        char err[512];

        src.src_columns = cols;
        src.src_ncolumns = 3;
        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)),
                         CP_OK);
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_FINE_AMOUNT],
                            "1.5");
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_SUBJECT_NAME],
                            "乙");
        assert_string_equal(t_rec(&sink, 1)->rec_field[CP_F_SUBJECT_NAME],
                            "甲");
        assert_int_equal(t_rec(&sink, 0)->rec_nextra, 0);
        t_sink_free(&sink);
}

static void test_tab_delimiter_and_nul(void **state)
{
        (void)state;
        static const char tsv[] = "行政相对人名称\t统一社会信用代码\n"
                                  "甲\0公司\t\0\0\n";
        const char *path = t_write_bytes("nul.tsv", tsv, sizeof(tsv) - 1);
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        t_sink_t sink = { 0 };
        char err[512];

        src.src_delimiter = '\t';
        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)),
                         CP_OK);
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_SUBJECT_NAME],
                            "甲公司");
        assert_null(t_rec(&sink, 0)->rec_field[CP_F_SUBJECT_USCC]);
        t_sink_free(&sink);
}

static void test_jsonl(void **state)
{
        (void)state;
        const char *jsonl =
                "{\"行政相对人名称\":\" 甲公司 \",\"统一社会信用代码\":"
                "\"91350100M000100Y43\",\"罚款金额(万元)\":1.50,"
                "\"处罚机关\":null,\"tags\":[\"a\", \"b\"],\"n\":\"\"}\n"
                "{\"行政相对人名称\":\"乙\",\"统一社会信用代码\":\"x\",}\n"
                "\n"
                "[\"not\",\"object\"]\r\n"
                "{\"行政相对人名称\":\"\xFF\"}\n"
                "{\"处罚机关\":\"局\",\"罚款金额(万元)\":12345678901234567890}";
        const char *path = t_write_text("a.jsonl", jsonl);
        cp_source_conf_t src = t_src(CP_FMT_JSONL);
        t_sink_t sink = { 0 };
        char err[512];
        cp_record_t *r;

        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(t_nrec(&sink), 5);
        r = t_rec(&sink, 0);
        assert_int_equal(r->rec_status, CP_REC_NEW);
        assert_int_equal(r->rec_line, 1);
        assert_int_equal(r->rec_offset, 0);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "甲公司");
        assert_string_equal(r->rec_field[CP_F_SUBJECT_USCC],
                            "91350100M000100Y43");
        assert_string_equal(r->rec_field[CP_F_FINE_AMOUNT], "1.50");
        assert_null(r->rec_field[CP_F_AUTHORITY]);
        assert_int_equal(r->rec_nextra, 1);  /* "n" is empty: skipped */
        assert_string_equal(t_extra(r, "tags"), "[\"a\",\"b\"]");

        t_is_rejected(t_rec(&sink, 1), "jsonl_parse_error", 2,
                      "{\"行政相对人名称\":\"乙\",\"统一社会信用代码\":\"x\",}",
                      "line 2 column");
        t_is_rejected(t_rec(&sink, 2), "jsonl_not_object", 4,
                      "[\"not\",\"object\"]", "an array");
        t_is_rejected(t_rec(&sink, 3), "invalid_utf8", 5,
                      "{\"行政相对人名称\":\"\xFF\"}", "not valid UTF-8");
        r = t_rec(&sink, 4);
        assert_int_equal(r->rec_line, 6);
        assert_string_equal(r->rec_field[CP_F_FINE_AMOUNT],
                            "12345678901234567890");
        assert_string_equal(r->rec_field[CP_F_AUTHORITY], "局");
        t_sink_free(&sink);
}

/* JSON keys match exactly first, then ignoring ASCII case, full-width
 * forms and white space (Credit China's xk_* for XK_*). */
static void test_jsonl_loose_keys(void **state)
{
        (void)state;
        static cp_column_map_t cols[] = {
                { "name", CP_F_SUBJECT_NAME },
                { "NAME", CP_F_LEGAL_REP },
                { "CF_WSH", CP_F_DOCUMENT_NUMBER },
                { "罚款金额（万元）", CP_F_FINE_AMOUNT },
        };
        const char *path = t_write_text("loose.jsonl",
                "{\"NAME\":\"r\",\"name\":\"n\",\"cf_wsh\":\"d1\",\"罚款金额(万元)\":\"2\"}\n"
                "{\"Name\":\"n2\",\" Cf_Wsh \":\"d2\",\"cf-wsh\":\"x\"}\n");
        cp_source_conf_t src = t_src(CP_FMT_JSONL);
        t_sink_t sink = { 0 };
        char err[512];
        cp_record_t *r;

        src.src_columns = cols;
        src.src_ncolumns = 4;
        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)), CP_OK);
        r = t_rec(&sink, 0);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "n");
        assert_string_equal(r->rec_field[CP_F_LEGAL_REP], "r");
        assert_string_equal(r->rec_field[CP_F_DOCUMENT_NUMBER], "d1");
        assert_string_equal(r->rec_field[CP_F_FINE_AMOUNT], "2");
        assert_int_equal(r->rec_nextra, 0);
        /* No exact match: the first column that folds alike. */
        r = t_rec(&sink, 1);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "n2");
        assert_null(r->rec_field[CP_F_LEGAL_REP]);
        assert_string_equal(r->rec_field[CP_F_DOCUMENT_NUMBER], "d2");
        assert_string_equal(t_extra(r, "cf-wsh"), "x");
        t_sink_free(&sink);
}

/* A preset's several names for one field: the first non-empty in the
 * record wins, in CSV and JSON alike, and the others are not extras. */
static void test_several_names_one_field(void **state)
{
        (void)state;
        cp_source_conf_t src = t_src(CP_FMT_JSONL);
        t_sink_t sink = { 0 };
        char err[512];
        const char *path;

        src.src_preset = cp_preset_by_name("sgs_penalty");
        src.src_columns = NULL;
        src.src_ncolumns = 0;
        /* The preset's rows, as the configuration loader merges them. */
        static cp_column_map_t cols[64];
        const cp_preset_t *pre = src.src_preset;
        for (size_t i = 0; i < pre->pre_ncolumns; i++) {
                cols[i].cm_column = (char *)pre->pre_columns[i].pc_column;
                cols[i].cm_field = pre->pre_columns[i].pc_field;
        }
        src.src_columns = cols;
        src.src_ncolumns = pre->pre_ncolumns;

        path = t_write_text("names.jsonl",
                         "{\"行政相对人名称\":\"\",\"cf_xdr_mc\":\"甲\"}\n"
                         "{\"行政相对人名称\":\"乙\",\"cf_xdr_mc\":\"丙\"}\n");
        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)), CP_OK);
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_SUBJECT_NAME], "甲");
        assert_string_equal(t_rec(&sink, 1)->rec_field[CP_F_SUBJECT_NAME], "乙");
        assert_int_equal(t_rec(&sink, 1)->rec_nextra, 0);
        t_sink_free(&sink);

        src.src_format = CP_FMT_CSV;
        path = t_write_text("names.csv", "CF_XDR_MC,行政相对人名称,罚款金额(万元)\n"
                                      ",丁,3\n戊,己,\n");
        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)), CP_OK);
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_SUBJECT_NAME], "丁");
        assert_string_equal(t_rec(&sink, 0)->rec_field[CP_F_FINE_AMOUNT], "3");
        assert_string_equal(t_rec(&sink, 1)->rec_field[CP_F_SUBJECT_NAME], "戊");
        t_sink_free(&sink);
}

/* More distinct keys than the per-file key cache holds still map. */
static void test_jsonl_many_keys(void **state)
{
        (void)state;
        enum { NKEYS = 1000 };
        static char line[NKEYS * 24 + 64];
        size_t o = 0;
        cp_source_conf_t src = t_src(CP_FMT_JSONL);
        t_sink_t sink = { 0 };
        char err[512];
        cp_record_t *r;

        o += (size_t)snprintf(line + o, sizeof(line) - o, "{");
        for (int i = 0; i < NKEYS; i++)
                o += (size_t)snprintf(line + o, sizeof(line) - o, "\"k%d\":\"v%d\",", i, i);
        snprintf(line + o, sizeof(line) - o, "\"行政相对人名称\":\"甲\"}\n");
        assert_int_equal(t_ingest(&src, t_write_text("many.jsonl", line), 10, &sink, err,
                                  sizeof(err)), CP_OK);
        r = t_rec(&sink, 0);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "甲");
        assert_int_equal(r->rec_nextra, NKEYS);
        assert_string_equal(t_extra(r, "k999"), "v999");
        t_sink_free(&sink);
}

/* Runs an ingest with stderr captured; @returns what was logged. */
static char *t_logged(const cp_source_conf_t *src, const char *path)
{
        static char buf[8192];
        char cap[300], err[512];
        t_sink_t sink = { 0 };
        int saved = dup(2), fd;
        FILE *f;
        size_t n;

        snprintf(cap, sizeof(cap), "%s/stderr.txt", t_dir);
        fflush(stderr);
        fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        dup2(fd, 2);
        close(fd);
        assert_int_equal(t_ingest(src, path, 10, &sink, err, sizeof(err)), CP_OK);
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        t_sink_free(&sink);
        f = fopen(cap, "r");
        assert_non_null(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

/* A 2015–16 file read with the current preset is read, with a warning
 * that names the legacy preset (domain.md §4.3.2); a current file is not
 * warned about; a source without a preset never is. */
static void test_generation_warning(void **state)
{
        (void)state;
        static cp_column_map_t cols[] = {
                { "CF_XDR_MC", CP_F_SUBJECT_NAME },
                { "CF_WSH", CP_F_DOCUMENT_NUMBER },
        };
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        const char *legacy = t_write_text("legacy.csv", "CF_WSH,CF_CFMC,CF_XDR_MC,cf_xzjg\n"
                                                     "1,名称,甲,局\n");
        const char *current = t_write_text("current.csv", "CF_WSH,CF_XDR_MC,CF_CFJG\n1,甲,局\n");
        const char *log;

        src.src_columns = cols;
        src.src_ncolumns = 2;
        src.src_preset = cp_preset_by_name("sgs_penalty");
        log = t_logged(&src, legacy);
        assert_non_null(strstr(log, "level=warn comp=ingest event=PRESET_GENERATION"));
        assert_non_null(strstr(log, "preset=sgs_penalty column=\"CF_CFMC\" "
                                    "suggest=sgs_penalty_legacy"));
        assert_non_null(strstr(log, legacy));
        assert_non_null(strstr(log, "line=1"));
        assert_null(strstr(t_logged(&src, current), "PRESET_GENERATION"));

        /* The reverse, from the first JSON object's keys. */
        src.src_format = CP_FMT_JSONL;
        src.src_preset = cp_preset_by_name("sgs_penalty_legacy");
        log = t_logged(&src, t_write_text("cur.jsonl", "not json\n"
                                                    "{\"cf_wsh\":\"1\",\"cf_cfjg\":\"局\"}\n"
                                                    "{\"cf_wsh\":\"2\",\"cf_cfjg\":\"局\"}\n"));
        assert_non_null(strstr(log, "line=2"));
        assert_non_null(strstr(log, "column=\"CF_CFJG\" suggest=sgs_penalty\n"));
        assert_null(strstr(strstr(log, "PRESET_GENERATION") + 1, "PRESET_GENERATION"));

        src.src_preset = NULL;
        assert_null(strstr(t_logged(&src, legacy), "PRESET_GENERATION"));
}

static void test_io_errors_and_empty_files(void **state)
{
        (void)state;
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        t_sink_t sink = { 0 };
        char err[512], path[256];

        snprintf(path, sizeof(path), "%s/missing.csv", t_dir);
        assert_int_equal(t_ingest(&src, path, 10, &sink, err, sizeof(err)),
                         CP_ERR_IO);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "No such file"));

        /* A directory opens, but cannot be read. */
        assert_int_equal(t_ingest(&src, t_dir, 10, &sink, err, sizeof(err)),
                         CP_ERR_IO);
        assert_non_null(strstr(err, "Is a directory"));

        /* No rows, or a header alone: nothing to emit, no error. */
        assert_int_equal(t_ingest(&src, t_write_text("empty.csv", ""), 10,
                                  &sink, err, sizeof(err)), CP_OK);
        assert_int_equal(t_ingest(&src, t_write_text("hdr.csv",
                                                  "行政相对人名称\r\n"), 10,
                                  &sink, err, sizeof(err)), CP_OK);
        src.src_format = CP_FMT_JSONL;
        assert_int_equal(t_ingest(&src, t_write_text("empty.jsonl", "\n\n"), 10,
                                  &sink, err, sizeof(err)), CP_OK);
        assert_int_equal(sink.n, 0);
}

static void test_expand(void **state)
{
        (void)state;
        char p1[256], p2[256], p3[256], p4[256], sub[256];
        char *paths[4] = { p1, p2, p3, p4 };
        cp_source_conf_t src = t_src(CP_FMT_CSV);
        char err[512], **files;
        size_t n;

        t_write_text("x_b.csv", "");
        t_write_text("x_a.csv", "");
        t_write_text("x_c.txt", "");
        snprintf(sub, sizeof(sub), "%s/x_dir.csv", t_dir);
        assert_int_equal(mkdir(sub, 0700), 0);
        snprintf(p1, sizeof(p1), "%s/x_*.csv", t_dir);
        snprintf(p2, sizeof(p2), "%s/x_a.csv", t_dir);
        snprintf(p3, sizeof(p3), "%s/nothing_*.csv", t_dir);
        snprintf(p4, sizeof(p4), "%s/x_?.txt", t_dir);
        src.src_paths = paths;
        src.src_npaths = 4;
        assert_int_equal(cp_ingest_expand(&src, &files, &n, err, sizeof(err)),
                         CP_OK);
        /* Sorted, the duplicate once, the directory left out. */
        assert_int_equal(n, 3);
        assert_non_null(strstr(files[0], "/x_a.csv"));
        assert_non_null(strstr(files[1], "/x_b.csv"));
        assert_non_null(strstr(files[2], "/x_c.txt"));
        cp_ingest_paths_free(files, n);

        /* A pattern matching nothing is no error. */
        src.src_paths = &paths[2];
        src.src_npaths = 1;
        assert_int_equal(cp_ingest_expand(&src, &files, &n, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(n, 0);
        cp_ingest_paths_free(files, n);

        /* A plain path that does not exist is. */
        snprintf(p3, sizeof(p3), "%s/gone.csv", t_dir);
        assert_int_equal(cp_ingest_expand(&src, &files, &n, err, sizeof(err)),
                         CP_ERR_IO);
        assert_null(files);
        assert_non_null(strstr(err, p3));
        assert_non_null(strstr(err, "xm_penalty"));
        assert_non_null(strstr(err, "No such file"));

        /* So is a plain directory. */
        src.src_paths = (char *[]){ sub };
        assert_int_equal(cp_ingest_expand(&src, &files, &n, err, sizeof(err)),
                         CP_ERR_IO);
        assert_non_null(strstr(err, "is a directory"));
        cp_ingest_paths_free(NULL, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_csv_mapping),
                cmocka_unit_test(test_csv_rejects),
                cmocka_unit_test(test_batches),
                cmocka_unit_test(test_no_mapped_column),
                cmocka_unit_test(test_title_rows),
                cmocka_unit_test(test_header_matching),
                cmocka_unit_test(test_tab_delimiter_and_nul),
                cmocka_unit_test(test_jsonl),
                cmocka_unit_test(test_jsonl_loose_keys),
                cmocka_unit_test(test_several_names_one_field),
                cmocka_unit_test(test_jsonl_many_keys),
                cmocka_unit_test(test_generation_warning),
                cmocka_unit_test(test_io_errors_and_empty_files),
                cmocka_unit_test(test_expand),
        };

        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
