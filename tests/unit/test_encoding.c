/*
 * Declared and detected encodings: GB18030 (and GBK) and UTF-16 files are
 * decoded to UTF-8 under the readers, records keep their offsets in the
 * file, and an undecodable byte rejects exactly its record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iconv.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/field.h"
#include "ingest/csv.h"
#include "ingest/ingest.h"
#include "testutil.h"
#include "ingest/linebuf.h"





/* A growing byte string. */
typedef struct t_buf_s {
        char b[4096];
        size_t n;
} t_buf_t;

static void t_add(t_buf_t *tb, const void *p, size_t n)
{
        assert_true(tb->n + n <= sizeof(tb->b));
        memcpy(tb->b + tb->n, p, n);
        tb->n += n;
}

/* Appends utf8 converted to the encoding `to` (iconv names). */
static void t_conv(t_buf_t *tb, const char *to, const char *utf8)
{
        iconv_t cd = iconv_open(to, "UTF-8");
        char *in = (char *)utf8, *out = tb->b + tb->n;
        size_t inleft = strlen(utf8), outleft = sizeof(tb->b) - tb->n;

        assert_true(cd != (iconv_t)-1);
        assert_true(iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1);
        assert_int_equal(inleft, 0);
        tb->n = (size_t)(out - tb->b);
        iconv_close(cd);
}

static const char *t_write(const char *name, const t_buf_t *tb)
{
        static char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", t_dir, name);
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(tb->b, 1, tb->n, f), tb->n);
        fclose(f);
        return path;
}




static cp_column_map_t t_cols[] = {
        { "名称", CP_F_SUBJECT_NAME },
        { "代码", CP_F_SUBJECT_USCC },
};

/* The lines of the test file, in UTF-8; the second name is the 4-byte
 * GB18030 character 𠮷 (U+20BB7, 95 34 B2 35). */
static const char *const t_lines[] = {
        "名称,代码\r\n",
        "甲公司,C1\r\n",
        "𠮷野家,C2\r\n",
        "丙,C3\r\n",
        "丁\xe3\x80\x80,C4\r\n",
};
#define T_NLINES 5

static const char *const t_names[] = { "甲公司", "𠮷野家", "丙", "丁" };

/* The file: the lines in encoding `to`, delimiter delim, after prefix. */
static void t_file(t_buf_t *tb, const char *to, const char *prefix,
                   size_t prefix_len, char delim, uint64_t *offsets)
{
        tb->n = 0;
        t_add(tb, prefix, prefix_len);
        for (int i = 0; i < T_NLINES; i++) {
                char line[64];

                strcpy(line, t_lines[i]);
                *strchr(line, ',') = delim;
                offsets[i] = tb->n;
                t_conv(tb, to, line);
        }
}

static void t_ingest(cp_encoding_t enc, char delim, const char *path,
                     t_sink_t *sink)
{
        cp_source_conf_t src = {
                .src_id = "enc",
                .src_role = CP_ROLE_MUNICIPAL,
                .src_format = CP_FMT_CSV,
                .src_columns = t_cols,
                .src_ncolumns = 2,
                .src_delimiter = delim,
                .src_encoding = enc,
        };
        char err[512];

        err[0] = '\0';
        if (cp_ingest_file(&src, 0, path, 100, t_emit, sink, err,
                           sizeof(err)) != CP_OK)
                fail_msg("%s", err);
        assert_int_equal(sink->n, 1);
}

/* The four data rows were read, with their file offsets. */
static void t_check(t_sink_t *sink, const uint64_t *offsets)
{
        cp_batch_t *bat = sink->bat[0];
        char code[4];

        assert_int_equal(bat->bat_n, 4);
        for (size_t i = 0; i < 4; i++) {
                cp_record_t *r = &bat->bat_rec[i];

                if (r->rec_status == CP_REC_REJECTED)
                        fail_msg("row %zu: %s: %s", i, r->rec_reject_code,
                                 r->rec_reject_msg);
                assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME],
                                    t_names[i]);
                snprintf(code, sizeof(code), "C%zu", i + 1);
                assert_string_equal(r->rec_field[CP_F_SUBJECT_USCC], code);
                assert_int_equal(r->rec_line, i + 2);
                assert_int_equal(r->rec_offset, offsets[i + 1]);
        }
}

static void test_gb18030_crlf(void **state)
{
        t_buf_t tb;
        uint64_t off[T_NLINES];
        t_sink_t sink = { 0 };
        const char *path;

        (void)state;
        t_file(&tb, "GB18030", "", 0, ',', off);
        /* 𠮷 is a four-byte sequence. */
        assert_non_null(memmem(tb.b, tb.n, "\x95\x34\xB2\x35", 4));
        path = t_write("gb.csv", &tb);
        t_ingest(CP_ENC_GB18030, ',', path, &sink);
        t_check(&sink, off);
        t_sink_free(&sink);
        t_ingest(CP_ENC_AUTO, ',', path, &sink);
        t_check(&sink, off);
        t_sink_free(&sink);
}

/* Excel "Unicode text": UTF-16LE with a BOM, tab-delimited, CRLF. */
static void test_utf16le_bom_tabs(void **state)
{
        t_buf_t tb;
        uint64_t off[T_NLINES];
        t_sink_t sink = { 0 };
        const char *path;

        (void)state;
        t_file(&tb, "UTF-16LE", "\xFF\xFE", 2, '\t', off);
        assert_int_equal(off[1], 2 + 2 * 7);
        path = t_write("u16le.txt", &tb);
        t_ingest(CP_ENC_UTF16LE, '\t', path, &sink);
        t_check(&sink, off);
        t_sink_free(&sink);
        t_ingest(CP_ENC_AUTO, '\t', path, &sink);
        t_check(&sink, off);
        t_sink_free(&sink);
}

/* Detection without a BOM: NULs at even offsets are UTF-16BE, valid
 * UTF-8 stays UTF-8 (with or without its BOM). */
static void test_auto_without_bom(void **state)
{
        t_buf_t tb;
        uint64_t off[T_NLINES];
        t_sink_t sink = { 0 };

        (void)state;
        t_file(&tb, "UTF-16BE", "", 0, ',', off);
        t_ingest(CP_ENC_AUTO, ',', t_write("u16be.csv", &tb), &sink);
        t_check(&sink, off);
        t_sink_free(&sink);
        t_file(&tb, "UTF-16LE", "", 0, ',', off);
        t_ingest(CP_ENC_AUTO, ',', t_write("u16le.csv", &tb), &sink);
        t_check(&sink, off);
        t_sink_free(&sink);
        t_file(&tb, "UTF-8", "", 0, ',', off);
        t_ingest(CP_ENC_AUTO, ',', t_write("u8.csv", &tb), &sink);
        t_check(&sink, off);
        t_sink_free(&sink);
        t_file(&tb, "UTF-8", "\xEF\xBB\xBF", 3, ',', off);
        t_ingest(CP_ENC_AUTO, ',', t_write("u8bom.csv", &tb), &sink);
        t_check(&sink, off);
        t_sink_free(&sink);
}

/* One bad byte (0x81 then a comma) in line 4: that record alone is
 * rejected, naming the byte's file offset and the encoding, with the
 * byte itself in raw; the rows after it are read. */
static void test_gb18030_invalid_byte(void **state)
{
        t_buf_t tb = { .n = 0 };
        uint64_t bad;
        t_sink_t sink = { 0 };
        cp_batch_t *bat;
        cp_record_t *r;
        char msg[64];

        (void)state;
        t_conv(&tb, "GB18030", "名称,代码\n甲公司,C1\n𠮷野家,C2\n丙");
        bad = tb.n;
        t_add(&tb, "\x81,C3\n", 5);
        t_conv(&tb, "GB18030", "丁\xe3\x80\x80,C4\n");
        t_ingest(CP_ENC_GB18030, ',', t_write("bad.csv", &tb), &sink);
        bat = sink.bat[0];
        assert_int_equal(bat->bat_n, 4);
        for (size_t i = 0; i < 4; i++)
                assert_int_equal(bat->bat_rec[i].rec_status == CP_REC_REJECTED,
                                 i == 2);
        r = &bat->bat_rec[2];
        assert_string_equal(r->rec_reject_code, CP_INGEST_E_ENCODING);
        assert_int_equal(r->rec_line, 4);
        assert_int_equal(r->rec_offset, bad - 2);
        assert_int_equal(r->rec_raw_len, strlen("丙\x81,C3"));
        assert_memory_equal(r->rec_raw, "丙\x81,C3", r->rec_raw_len);
        snprintf(msg, sizeof(msg), "byte %llu of the file (0x81)",
                 (unsigned long long)bad);
        if (!strstr(r->rec_reject_msg, msg) ||
            !strstr(r->rec_reject_msg, "gb18030"))
                fail_msg("message \"%s\" lacks \"%s\"", r->rec_reject_msg,
                         msg);
        assert_string_equal(bat->bat_rec[3].rec_field[CP_F_SUBJECT_NAME],
                            "丁");
        t_sink_free(&sink);
}

/* Every read size, so that multibyte characters (the four-byte 𠮷
 * included), UTF-16 units and line ends straddle the read boundaries:
 * the same rows, the same offsets, the bad byte found at its offset. */
static void t_chunks(const char *to, const char *bom, size_t bom_len,
                     cp_encoding_t enc)
{
        t_buf_t tb;
        uint64_t off[T_NLINES];

        t_file(&tb, to, bom, bom_len, ',', off);
        for (size_t chunk = 1; chunk <= 13; chunk++) {
                cp_csv_t *csv = cp_csv_open_mem(tb.b, tb.n, ',');
                cp_encoding_t used;
                cp_csv_row_t row;

                assert_non_null(csv);
                cp_csv_set_sizes(csv, chunk, 0);
                assert_int_equal(cp_csv_set_encoding(csv, enc, &used), CP_OK);
                for (int i = 0; i < T_NLINES; i++) {
                        assert_int_equal(cp_csv_next(csv, &row), 1);
                        assert_null(row.error);
                        assert_int_equal(row.offset, off[i]);
                        assert_int_equal(row.raw_len,
                                         strlen(t_lines[i]) - 2);
                        assert_memory_equal(row.raw, t_lines[i],
                                            row.raw_len);
                }
                assert_int_equal(cp_csv_next(csv, &row), 0);
                cp_csv_close(csv);
        }
}

static void test_chunk_boundaries(void **state)
{
        t_buf_t tb = { .n = 0 };

        (void)state;
        t_chunks("GB18030", "", 0, CP_ENC_GB18030);
        t_chunks("UTF-16LE", "\xFF\xFE", 2, CP_ENC_UTF16LE);
        t_chunks("UTF-16BE", "", 0, CP_ENC_UTF16BE);
        /* A bad byte, and a sequence cut by the end of the file. */
        t_conv(&tb, "GB18030", "a,𠮷\n");
        t_add(&tb, "\xFF" "b,c\n\x95\x32", 7);
        for (size_t chunk = 1; chunk <= 9; chunk++) {
                cp_csv_t *csv = cp_csv_open_mem(tb.b, tb.n, ',');
                cp_encoding_t used;
                cp_csv_row_t row;
                unsigned char b;
                uint64_t o;

                cp_csv_set_sizes(csv, chunk, 0);
                assert_int_equal(cp_csv_set_encoding(csv, CP_ENC_GB18030,
                                                     &used), CP_OK);
                assert_int_equal(cp_csv_next(csv, &row), 1);
                assert_string_equal(row.field[1], "𠮷");
                assert_int_equal(cp_csv_next(csv, &row), 1);
                assert_int_equal(row.offset, 7);
                assert_true(cp_lbuf_mark_parse((const unsigned char *)row.raw,
                                               row.raw_len, &b, &o));
                assert_int_equal(b, 0xFF);
                assert_int_equal(o, 7);
                assert_int_equal(cp_csv_next(csv, &row), 1);
                assert_int_equal(row.offset, 12);
                assert_true(cp_lbuf_mark_parse((const unsigned char *)row.raw,
                                               row.raw_len, &b, &o));
                assert_int_equal(b, 0x95);
                assert_int_equal(o, 12);
                assert_int_equal(cp_csv_next(csv, &row), 0);
                cp_csv_close(csv);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gb18030_crlf),
                cmocka_unit_test(test_utf16le_bom_tabs),
                cmocka_unit_test(test_auto_without_bom),
                cmocka_unit_test(test_gb18030_invalid_byte),
                cmocka_unit_test(test_chunk_boundaries),
        };

        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
