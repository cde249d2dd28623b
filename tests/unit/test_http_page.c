/*
 * HTTP pages: the record array at a dotted path, element spans, the next
 * cursor, and pages read through cp_ingest_file (format http_json) into
 * records and rejects with their positions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/field.h"
#include "ingest/http_page.h"
#include "ingest/ingest.h"
#include "testutil.h"

/* Parses text; the caller frees pg. */
static void t_parse(cp_http_page_t *pg, const char *text, const char *path)
{
        assert_int_equal(cp_http_page_parse(pg, text, strlen(text), path),
                         CP_OK);
}

/* The bytes of element k, as a NUL-terminated copy (static buffer). */
static const char *t_elem(const cp_http_page_t *pg, size_t k)
{
        static char buf[512];
        size_t n = pg->hp_span[k][1] - pg->hp_span[k][0];

        assert_true(k < pg->hp_nrec);
        assert_true(n < sizeof(buf));
        memcpy(buf, pg->hp_buf + pg->hp_span[k][0], n);
        buf[n] = '\0';
        return buf;
}

static void test_record_path(void **state)
{
        (void)state;
        const char *page =
                "{\"code\":0,\"msg\":\"ok\",\"data\":{\"total\":3,\n"
                "  \"list\": [ {\"a\":1} ,\n{\"a\":[1,{\"b\":\"]\"}]},\n"
                "  {\"a\":\"x\\\"y\"} ] }}";
        cp_http_page_t pg;

        t_parse(&pg, page, "data.list");
        assert_null(pg.hp_error);
        assert_int_equal(pg.hp_nrec, 3);
        assert_string_equal(t_elem(&pg, 0), "{\"a\":1}");
        /* Brackets inside strings do not end the element. */
        assert_string_equal(t_elem(&pg, 1), "{\"a\":[1,{\"b\":\"]\"}]}");
        assert_string_equal(t_elem(&pg, 2), "{\"a\":\"x\\\"y\"}");
        assert_int_equal(pg.hp_span[0][0], strstr(page, "{\"a\":1}") - page);
        cp_http_page_free(&pg);
}

/* Paths go through objects and, by number, arrays; the page itself is
 * the array with an empty path. */
static void test_nested_paths(void **state)
{
        (void)state;
        cp_http_page_t pg;

        t_parse(&pg, "{\"result\":[{\"rows\":[]},{\"rows\":[{\"x\":2}]}]}",
                "result.1.rows");
        assert_null(pg.hp_error);
        assert_int_equal(pg.hp_nrec, 1);
        assert_string_equal(t_elem(&pg, 0), "{\"x\":2}");
        cp_http_page_free(&pg);

        t_parse(&pg, " [ {\"x\":1}, {\"x\":2} ] ", "");
        assert_null(pg.hp_error);
        assert_int_equal(pg.hp_nrec, 2);
        assert_string_equal(t_elem(&pg, 1), "{\"x\":2}");
        cp_http_page_free(&pg);

        /* A key written with escapes is the key it spells (数据). */
        t_parse(&pg, "{\"\\u6570\\u636e\":{\"list\":[{\"x\":3}]}}",
                "数据.list");
        assert_null(pg.hp_error);
        assert_int_equal(pg.hp_nrec, 1);
        cp_http_page_free(&pg);

        /* A digit segment on an object is a key. */
        t_parse(&pg, "{\"0\":[{\"x\":4}]}", "0");
        assert_int_equal(pg.hp_nrec, 1);
        cp_http_page_free(&pg);

        /* A repeated key: the last one counts, as in jansson. */
        t_parse(&pg, "{\"list\":[{\"x\":1}],\"list\":[{\"x\":2},{\"x\":3}]}",
                "list");
        assert_int_equal(pg.hp_nrec, 2);
        assert_string_equal(t_elem(&pg, 0), "{\"x\":2}");
        cp_http_page_free(&pg);
}

static void test_missing_and_wrong(void **state)
{
        (void)state;
        cp_http_page_t pg;

        t_parse(&pg, "{\"code\":500,\"msg\":\"系统繁忙\"}", "data.list");
        assert_string_equal(pg.hp_error, CP_HTTP_E_NO_RECORDS);
        assert_non_null(strstr(pg.hp_msg, "the page has no member 'data'"));
        cp_http_page_free(&pg);

        t_parse(&pg, "{\"data\":{\"rows\":[]}}", "data.list");
        assert_string_equal(pg.hp_error, CP_HTTP_E_NO_RECORDS);
        assert_non_null(strstr(pg.hp_msg, "'data' has no member 'list'"));
        cp_http_page_free(&pg);

        t_parse(&pg, "{\"data\":\"none\"}", "data.list");
        assert_string_equal(pg.hp_error, CP_HTTP_E_NO_RECORDS);
        assert_non_null(strstr(pg.hp_msg, "'data' is a string"));
        cp_http_page_free(&pg);

        t_parse(&pg, "{\"data\":{\"list\":{\"a\":1}}}", "data.list");
        assert_string_equal(pg.hp_error, CP_HTTP_E_NO_RECORDS);
        assert_non_null(strstr(pg.hp_msg, "'data.list' is an object at byte 16"));
        assert_int_equal(pg.hp_error_offset, 16);
        cp_http_page_free(&pg);

        t_parse(&pg, "[[1],[2]]", "5");
        assert_string_equal(pg.hp_error, CP_HTTP_E_NO_RECORDS);
        assert_non_null(strstr(pg.hp_msg, "has no element '5'"));
        cp_http_page_free(&pg);

        /* null at the path: a page past the last, no records. */
        t_parse(&pg, "{\"data\":{\"list\":null}}", "data.list");
        assert_null(pg.hp_error);
        assert_int_equal(pg.hp_nrec, 0);
        cp_http_page_free(&pg);

        t_parse(&pg, "{\"data\":{\"list\":[ \n ]}}", "data.list");
        assert_null(pg.hp_error);
        assert_int_equal(pg.hp_nrec, 0);
        cp_http_page_free(&pg);
}

/* A page that is not JSON: one error, at the byte where parsing stopped. */
static void test_not_json(void **state)
{
        (void)state;
        cp_http_page_t pg;

        t_parse(&pg, "{\"data\":{\"list\":[{\"a\":1},]}}", "data.list");
        assert_string_equal(pg.hp_error, CP_HTTP_E_PAGE_PARSE);
        assert_int_equal(pg.hp_error_offset, 25);  /* the ']' after ',' */
        assert_non_null(strstr(pg.hp_msg, "byte 25"));
        cp_http_page_free(&pg);

        t_parse(&pg, "<html><body>502 Bad Gateway</body></html>", "data");
        assert_string_equal(pg.hp_error, CP_HTTP_E_PAGE_PARSE);
        assert_int_equal(pg.hp_error_offset, 0);
        cp_http_page_free(&pg);

        t_parse(&pg, "", "data");
        assert_string_equal(pg.hp_error, CP_HTTP_E_PAGE_PARSE);
        cp_http_page_free(&pg);

        /* Truncated: the offset points into the page, never past it. */
        t_parse(&pg, "{\"data\":{\"list\":[{\"a\":1},{\"a\"", "data.list");
        assert_string_equal(pg.hp_error, CP_HTTP_E_PAGE_PARSE);
        assert_true(pg.hp_error_offset < 30);
        cp_http_page_free(&pg);
}

/* A UTF-8 BOM is skipped; offsets stay offsets in the buffer. Numbers past
 * 64 bits, \u escapes and \u0000 do not fail the page. */
static void test_bom_numbers_unicode(void **state)
{
        (void)state;
        const char *page =
                "\xEF\xBB\xBF{\"list\":[{\"id\":123456789012345678901234567890,"
                "\"n\":\"\\u7532\\u516c\\u53f8\"},{\"n\":\"a\\u0000b\"},"
                "{\"f\":1.50e-3}]}";
        cp_http_page_t pg;

        t_parse(&pg, page, "list");
        assert_null(pg.hp_error);
        assert_int_equal(pg.hp_start, 3);
        assert_int_equal(pg.hp_nrec, 3);
        assert_int_equal(pg.hp_span[0][0], 12);
        assert_string_equal(t_elem(&pg, 2), "{\"f\":1.50e-3}");
        cp_http_page_free(&pg);

        /* A real past double range is not JSON jansson can hold. */
        t_parse(&pg, "{\"list\":[{\"x\":1e400}]}", "list");
        assert_string_equal(pg.hp_error, CP_HTTP_E_PAGE_PARSE);
        assert_non_null(strstr(pg.hp_msg, "overflow"));
        cp_http_page_free(&pg);
}

static void test_cursor(void **state)
{
        (void)state;
        const char *page =
                "{\"data\":{\"list\":[],\"next\":\"b2Zmc2V0PTEwMA==\","
                "\"nextId\":98765432109876543210,\"none\":null,\"empty\":\"\","
                "\"obj\":{},\"flag\":true,\"esc\":\"a\\/b c\"}}";
        cp_http_page_t pg;
        char *v;

        t_parse(&pg, page, "data.list");
        assert_int_equal(cp_http_page_scalar(&pg, "data.next", &v), 1);
        assert_string_equal(v, "b2Zmc2V0PTEwMA==");
        free(v);
        /* A number keeps its text: no double in between. */
        assert_int_equal(cp_http_page_scalar(&pg, "data.nextId", &v), 1);
        assert_string_equal(v, "98765432109876543210");
        free(v);
        assert_int_equal(cp_http_page_scalar(&pg, "data.esc", &v), 1);
        assert_string_equal(v, "a/b c");
        free(v);
        assert_int_equal(cp_http_page_scalar(&pg, "data.none", &v), 0);
        assert_null(v);
        assert_int_equal(cp_http_page_scalar(&pg, "data.empty", &v), 0);
        assert_int_equal(cp_http_page_scalar(&pg, "data.missing", &v), 0);
        assert_int_equal(cp_http_page_scalar(&pg, "data.list.next", &v), 0);
        assert_int_equal(cp_http_page_scalar(&pg, "data.obj", &v),
                         CP_ERR_PARSE);
        assert_int_equal(cp_http_page_scalar(&pg, "data.flag", &v),
                         CP_ERR_PARSE);
        cp_http_page_free(&pg);

        /* On a page that is not JSON there is no cursor. */
        t_parse(&pg, "{\"next\":", "list");
        assert_int_equal(cp_http_page_scalar(&pg, "next", &v), 0);
        cp_http_page_free(&pg);
}

/* ---- pages through cp_ingest_file ---- */

static cp_column_map_t t_cols[] = {
        { "CF_XDR_MC", CP_F_SUBJECT_NAME },
        { "CF_XDR_SHXYM", CP_F_SUBJECT_USCC },
        { "CF_WSH", CP_F_DOCUMENT_NUMBER },
        { "CF_NR_FK", CP_F_FINE_AMOUNT },
};

static cp_http_conf_t t_hc = { .hc_records = "data.list" };

static cp_source_conf_t t_src(void)
{
        cp_source_conf_t src = {
                .src_id = "hz_portal",
                .src_role = CP_ROLE_MUNICIPAL,
                .src_format = CP_FMT_HTTP_JSON,
                .src_columns = t_cols,
                .src_ncolumns = sizeof(t_cols) / sizeof(t_cols[0]),
                .src_keep_unmapped = true,
                .src_http = &t_hc,
        };
        return src;
}

static void t_rejected(const cp_record_t *r, const char *code, uint64_t line,
                       const char *msg_part)
{
        assert_int_equal(r->rec_status, CP_REC_REJECTED);
        assert_string_equal(r->rec_reject_code, code);
        assert_int_equal(r->rec_line, line);
        assert_non_null(strstr(r->rec_reject_msg, msg_part));
}

static void test_page_records(void **state)
{
        (void)state;
        const char *page =
                "{\"code\":0,\"data\":{\"list\":[\n"
                "  {\"CF_XDR_MC\":\" 甲公司 \",\"CF_XDR_SHXYM\":\"91350100M000100Y43\","
                "\"CF_NR_FK\":1.50,\"cf_wsh\":\"杭综执罚〔2023〕1号\",\"tags\":[1, 2],"
                "\"CF_BZ\":null},\n"
                "  \"not an object\",\n"
                "  {\"CF_XDR_MC\":\"乙\",\"CF_XDR_MC\":\"丙\"},\n"
                "  {\"CF_XDR_MC\":\"\\u4e01\",\"CF_NR_FK\":12345678901234567890123},\n"
                "  [1,2],\n"
                "  {\"CF_XDR_MC\":\"a\\u0000b\"}\n"
                "]}}";
        const char *path = t_write_text("u1-p000001-0123456789abcdef.json",
                                        page);
        cp_source_conf_t src = t_src();
        t_sink_t sink = { 0 };
        char err[512] = "";
        cp_record_t *r;

        assert_int_equal(cp_ingest_file(&src, 2, path, 4, t_emit, &sink, err,
                                        sizeof(err)), CP_OK);
        assert_int_equal(t_nrec(&sink), 6);
        assert_int_equal(sink.n, 2);  /* 4 per batch */

        r = t_rec(&sink, 0);
        assert_int_equal(r->rec_status, CP_REC_NEW);
        assert_ptr_equal(r->rec_file, path);
        assert_int_equal(r->rec_line, 1);
        assert_int_equal(r->rec_offset, strstr(page, "{\"CF_XDR_MC\"") - page);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "甲公司");
        assert_string_equal(r->rec_field[CP_F_SUBJECT_USCC], "91350100M000100Y43");
        assert_string_equal(r->rec_field[CP_F_FINE_AMOUNT], "1.50");
        /* Keys match as in JSON Lines: cf_wsh is CF_WSH. */
        assert_string_equal(r->rec_field[CP_F_DOCUMENT_NUMBER], "杭综执罚〔2023〕1号");
        assert_string_equal(t_extra(r, "tags"), "[1,2]");
        assert_null(t_extra(r, "CF_BZ"));
        assert_true(r->rec_raw_len > 0 && r->rec_raw[0] == '{' &&
                    r->rec_raw[r->rec_raw_len - 1] == '}');

        t_rejected(t_rec(&sink, 1), "http_not_object", 2,
                   "element 2 of data.list holds a string");
        assert_string_equal(t_rec(&sink, 1)->rec_raw, "\"not an object\"");
        t_rejected(t_rec(&sink, 2), "http_element_parse_error", 3,
                   "element 3 of data.list");
        assert_non_null(strstr(t_rec(&sink, 2)->rec_reject_msg, "duplicate"));

        r = t_rec(&sink, 3);
        assert_int_equal(r->rec_status, CP_REC_NEW);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "丁");
        assert_string_equal(r->rec_field[CP_F_FINE_AMOUNT],
                            "12345678901234567890123");
        t_rejected(t_rec(&sink, 4), "http_not_object", 5, "an array");
        t_rejected(t_rec(&sink, 5), "http_element_parse_error", 6,
                   "\\u0000");
        t_sink_free(&sink);
}

static void test_page_rejected_whole(void **state)
{
        (void)state;
        const char *bad = "{\"data\":{\"list\":[{\"CF_XDR_MC\":\"x\"},}}";
        const char *path = t_write_text("bad.json", bad);
        cp_source_conf_t src = t_src();
        t_sink_t sink = { 0 };
        char err[512] = "";
        cp_record_t *r;

        assert_int_equal(cp_ingest_file(&src, 0, path, 10, t_emit, &sink, err,
                                        sizeof(err)), CP_OK);
        assert_int_equal(t_nrec(&sink), 1);
        r = t_rec(&sink, 0);
        t_rejected(r, "http_page_parse_error", 0, "the page is not JSON: byte 35");
        assert_int_equal(r->rec_offset, 35);  /* the '}' after ',' */
        assert_int_equal(r->rec_raw_len, strlen(bad));
        t_sink_free(&sink);

        path = t_write_text("norecords.json", "{\"code\":401,\"msg\":\"token expired\"}");
        assert_int_equal(cp_ingest_file(&src, 0, path, 10, t_emit, &sink, err,
                                        sizeof(err)), CP_OK);
        assert_int_equal(t_nrec(&sink), 1);
        t_rejected(t_rec(&sink, 0), "http_records_missing", 0,
                   "no record array at 'data.list'");
        t_sink_free(&sink);

        /* An empty page gives no record, and no error. */
        path = t_write_text("empty.json", "{\"data\":{\"list\":[]}}");
        assert_int_equal(cp_ingest_file(&src, 0, path, 10, t_emit, &sink, err,
                                        sizeof(err)), CP_OK);
        assert_int_equal(t_nrec(&sink), 0);
        t_sink_free(&sink);
}

/* An http source has no paths to expand; a fetch of a file source is a
 * no-op. */
static void test_expand_and_fetch_noop(void **state)
{
        (void)state;
        cp_source_conf_t src = t_src();
        char **files = NULL, err[256];
        size_t n = 7;

        assert_int_equal(cp_ingest_expand(&src, &files, &n, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(n, 0);
        src.src_format = CP_FMT_JSONL;
        src.src_http = NULL;
        assert_int_equal(cp_ingest_fetch(&src, &files, &n, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(n, 0);
        cp_ingest_paths_free(files, n);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_record_path),
                cmocka_unit_test(test_nested_paths),
                cmocka_unit_test(test_missing_and_wrong),
                cmocka_unit_test(test_not_json),
                cmocka_unit_test(test_bom_numbers_unicode),
                cmocka_unit_test(test_cursor),
                cmocka_unit_test(test_page_records),
                cmocka_unit_test(test_page_rejected_whole),
                cmocka_unit_test(test_expand_and_fetch_noop),
        };

        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
