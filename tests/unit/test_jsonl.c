/*
 * JSON Lines reader: values as text (lossless numbers, compact nesting),
 * line iteration, errors, limits and buffer boundaries.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "ingest/jsonl.h"

/* One row flattened to a string, to compare runs and check content:
 * "line:offset:error|key=text|key=(null)..." */
static char *t_flat(const cp_jsonl_row_t *row)
{
        size_t cap = 256 + row->raw_len * 2, n;
        char *s = malloc(cap);

        assert_non_null(s);
        n = (size_t)snprintf(s, cap, "%llu:%llu:%s:%zu",
                             (unsigned long long)row->line,
                             (unsigned long long)row->offset,
                             row->error ? row->error : "-", row->raw_len);
        for (size_t i = 0; i < row->nmembers; i++) {
                const cp_jsonl_member_t *m = &row->member[i];

                if (m->text)
                        assert_int_equal(strlen(m->text), m->len);
                n += (size_t)snprintf(s + n, cap - n, "|%s=%s", m->key,
                                      m->text ? m->text : "(null)");
                assert_true(n < cap);
        }
        return s;
}

/* Reads all rows of buf; returns them flattened, one per line, with
 * their error messages when messages is set. jansson_only: every line
 * through jansson (cp_jsonl_set_jansson_only). */
static char *t_read_mode(const char *buf, size_t len, size_t chunk, size_t max,
                         bool jansson_only, bool messages)
{
        cp_jsonl_t *jl = cp_jsonl_open_mem(buf, len);
        cp_jsonl_row_t row;
        size_t n = 0, cap = 1024;
        char *out = malloc(cap);
        int rc;

        assert_non_null(jl);
        cp_jsonl_set_sizes(jl, chunk, max);
        cp_jsonl_set_jansson_only(jl, jansson_only);
        out[0] = '\0';
        while ((rc = cp_jsonl_next(jl, &row)) == 1) {
                char *f = t_flat(&row);
                size_t fl;

                if (row.error)
                        assert_non_null(row.message);
                else if (jansson_only)
                        assert_non_null(row.obj);
                if (messages && row.error) {
                        f = realloc(f, strlen(f) + strlen(row.message) + 2);
                        strcat(strcat(f, " "), row.message);
                }
                fl = strlen(f);
                while (n + fl + 2 > cap) {
                        cap *= 2;
                        out = realloc(out, cap);
                }
                memcpy(out + n, f, fl);
                n += fl;
                out[n++] = '\n';
                out[n] = '\0';
                free(f);
        }
        assert_int_equal(rc, 0);
        assert_int_equal(cp_jsonl_next(jl, &row), 0);
        cp_jsonl_close(jl);
        return out;
}

/* t_read_mode() both ways, which must agree. */
static char *t_read(const char *buf, size_t len, size_t chunk, size_t max)
{
        char *fast = t_read_mode(buf, len, chunk, max, false, true);
        char *slow = t_read_mode(buf, len, chunk, max, true, true);

        assert_string_equal(fast, slow);
        free(slow);
        free(fast);
        return t_read_mode(buf, len, chunk, max, false, false);
}

static char *t_read_s(const char *s)
{
        return t_read(s, strlen(s), 0, 0);
}

/* The reader's own decoder of flat objects against jansson, line by line
 * (t_read compares the two): what it decodes, and every form it must
 * leave to jansson, whose errors are the messages. */
static void test_fast_path_matches_jansson(void **state)
{
        static const char *const lines[] = {
                "{\"a\":\"x\",\"b\":1,\"c\":-0.25,\"d\":true,\"e\":false,\"f\":null}",
                " \t{ \"a\" : \"x\" ,\r\"b\":\"\" } \t",
                "{\"\":\"empty key\",\"键\":\"值\"}",
                "{\"esc\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}",
                "{\"u\":\"\\u884c\\u00e9\\u0041\\uD83D\\uDE00\\uFFFF\"}",
                "{\"u\":\"\\u0000\"}",
                "{\"u\":\"\\uD83D\"}",
                "{\"u\":\"\\uDE00\"}",
                "{\"u\":\"\\uD83Dx\"}",
                "{\"u\":\"\\u12G4\"}",
                "{\"u\":\"\\x\"}",
                "{\"c\":\"tab\there\"}",
                "{\"n\":0,\"m\":-0,\"o\":10.5,\"p\":123456789012345678901234567890}",
                "{\"n\":01}",
                "{\"n\":1.}",
                "{\"n\":.5}",
                "{\"n\":-}",
                "{\"n\":1e5}",
                "{\"n\":1.5E-3}",
                "{\"n\":1e999}",
                "{\"n\":+1}",
                "{\"n\":1x}",
                "{\"t\":truex}",
                "{\"t\":tru}",
                "{\"t\":nul}",
                "{\"t\":True}",
                "{\"a\":1,\"a\":2}",
                "{\"a\":1,\"\\u0061\":2}",
                "{\"a\":1,}",
                "{\"a\":1}}",
                "{\"a\":1} x",
                "{\"a\" 1}",
                "{a:1}",
                "{\"a\":[1,2],\"b\":{\"c\":null}}",
                "{\"a\":1",
                "{\"a\":\"unterminated}",
                "[1,2]",
                "\"s\"",
                "42",
                "{}",
                "{ }",
                "{\"bad\":\"\xC3\x28\"}",
                "{\"a\":\"x\"}\x01",
        };
        char buf[8192];
        size_t n = 0;

        (void)state;
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                char *out = t_read_s(lines[i]);

                free(out);
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n", lines[i]);
        }
        /* The first lines are flat objects: decoded without jansson. */
        {
                cp_jsonl_t *jl = cp_jsonl_open_mem(lines[0], strlen(lines[0]));
                cp_jsonl_row_t row;

                assert_int_equal(cp_jsonl_next(jl, &row), 1);
                assert_null(row.error);
                assert_null(row.obj);
                assert_int_equal(row.nmembers, 6);
                cp_jsonl_close(jl);
        }
        /* And all of them in one input, with a NUL inside a line. */
        buf[3] = '\0';
        free(t_read(buf, n, 0, 0));
        free(t_read(buf, n, 7, 0));
}

static void test_values_as_text(void **state)
{
        (void)state;
        char *out = t_read_s(
                "{\"name\": \"甲公司\", \"esc\": \"a\\\"b\\u884c\\n\", "
                "\"int\": 42, \"big\": 123456789012345678901234567890, "
                "\"amt\": 1.50, \"exp\": -2.5E+3, \"t\": true, \"f\": false, "
                "\"nul\": null, \"arr\": [1, \"x y\", {\"k\" : [ ]}], "
                "\"obj\": { \"a\" : 1 , \"b\":\"c d\" }}\n");

        assert_string_equal(out,
                "1:0:-:223|name=甲公司|esc=a\"b行\n|int=42"
                "|big=123456789012345678901234567890|amt=1.50|exp=-2.5E+3"
                "|t=true|f=false|nul=(null)|arr=[1,\"x y\",{\"k\":[]}]"
                "|obj={\"a\":1,\"b\":\"c d\"}\n");
        free(out);
}

static void test_lines_and_positions(void **state)
{
        (void)state;
        /* BOM, CRLF, blank and white-space lines, no final line end. */
        char *out = t_read_s("\xEF\xBB\xBF{\"a\":1}\r\n"
                             "\n"
                             "  \t\r\n"
                             "{\"a\":2}\n"
                             "{\"a\":3}");

        assert_string_equal(out, "1:3:-:7|a=1\n"
                                 "4:18:-:7|a=2\n"
                                 "5:26:-:7|a=3\n");
        free(out);

        out = t_read_s("");
        assert_string_equal(out, "");
        free(out);
        out = t_read_s("{}\n");
        assert_string_equal(out, "1:0:-:2\n");
        free(out);
}

static void test_errors(void **state)
{
        (void)state;
        const char *in = "{\"a\":1,}\n"
                         "[1,2]\n"
                         "\"just a string\"\n"
                         "{\"a\":1,\"a\":2}\n"
                         "{\"a\":\"ok\"}\n";
        cp_jsonl_t *jl = cp_jsonl_open_mem(in, strlen(in));
        cp_jsonl_row_t row;

        assert_int_equal(cp_jsonl_next(jl, &row), 1);
        assert_string_equal(row.error, CP_JSONL_E_PARSE);
        assert_null(row.obj);
        assert_int_equal(row.line, 1);
        assert_int_equal(row.raw_len, 8);
        assert_memory_equal(row.raw, "{\"a\":1,}", 8);
        /* jansson's words and the column. */
        assert_non_null(strstr(row.message, "line 1 column 8"));
        assert_non_null(strstr(row.message, "string or '}' expected"));

        assert_int_equal(cp_jsonl_next(jl, &row), 1);
        assert_string_equal(row.error, CP_JSONL_E_NOT_OBJECT);
        assert_non_null(strstr(row.message, "an array"));
        assert_int_equal(row.line, 2);

        assert_int_equal(cp_jsonl_next(jl, &row), 1);
        assert_string_equal(row.error, CP_JSONL_E_NOT_OBJECT);
        assert_non_null(strstr(row.message, "a string"));

        assert_int_equal(cp_jsonl_next(jl, &row), 1);
        assert_string_equal(row.error, CP_JSONL_E_PARSE);
        assert_non_null(strstr(row.message, "duplicate"));

        assert_int_equal(cp_jsonl_next(jl, &row), 1);
        assert_null(row.error);
        assert_int_equal(row.line, 5);
        assert_int_equal(row.nmembers, 1);
        assert_string_equal(row.member[0].text, "ok");
        assert_int_equal(cp_jsonl_next(jl, &row), 0);
        cp_jsonl_close(jl);
        cp_jsonl_close(NULL);
}

static void test_lone_cr_is_not_a_line_end(void **state)
{
        (void)state;
        char *out = t_read_s("{\"a\":1,\r\"b\":2}\n");

        assert_string_equal(out, "1:0:-:14|a=1|b=2\n");
        free(out);
}

static void test_bom_on_a_later_line(void **state)
{
        (void)state;
        /* Concatenated exports: each part starts with a BOM. */
        char *out = t_read_s("{\"a\":1}\n\xEF\xBB\xBF{\"a\":2}\n");

        assert_string_equal(out, "1:0:-:7|a=1\n2:8:-:10|a=2\n");
        free(out);
}

static void test_nul_bytes_are_stripped(void **state)
{
        (void)state;
        /* jansson alone would skip them too, silently; the values must
         * come from the same bytes it parsed. */
        static const char in[] = "{\"a\":\"x\0y\",\"n\":1\0" "2,\"m\":[\0]}\n";
        char *out = t_read(in, sizeof(in) - 1, 0, 0);

        assert_string_equal(out, "1:0:-:27|a=xy|n=12|m=[]\n");
        free(out);
}

static void test_too_large(void **state)
{
        (void)state;
        char in[400];
        size_t n = 0;

        n += (size_t)sprintf(in + n, "{\"a\":1}\n{\"long\":\"");
        memset(in + n, 'x', 200);
        n += 200;
        n += (size_t)sprintf(in + n, "\"}\n{\"a\":2}\r\n");
        for (size_t chunk = 1; chunk < 260; chunk += 3) {
                char *out = t_read(in, n, chunk, 64);

                assert_string_equal(out,
                        "1:0:-:7|a=1\n"
                        "2:8:jsonl_line_too_large:64\n"
                        "3:220:-:7|a=2\n");
                free(out);
        }
}

static void test_buffer_boundaries(void **state)
{
        (void)state;
        const char *in = "\xEF\xBB\xBF{\"k\":\"v\",\"n\":[1, 2]}\r\n"
                         "\r\n"
                         "{\"名称\":\"甲\",\"x\":1e5}\n"
                         "not json\n"
                         "{\"a\":{\"b\":{\"c\":null}}}";
        size_t len = strlen(in);
        char *ref = t_read(in, len, 0, 0);

        assert_string_equal(ref,
                "1:3:-:20|k=v|n=[1,2]\n"
                "3:27:-:24|名称=甲|x=1e5\n"
                "4:52:jsonl_parse_error:8\n"
                "5:61:-:22|a={\"b\":{\"c\":null}}\n");
        for (size_t chunk = 1; chunk <= len; chunk++) {
                char *out = t_read(in, len, chunk, 0);

                assert_string_equal(out, ref);
                free(out);
        }
        free(ref);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fast_path_matches_jansson),
                cmocka_unit_test(test_values_as_text),
                cmocka_unit_test(test_lines_and_positions),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_lone_cr_is_not_a_line_end),
                cmocka_unit_test(test_bom_on_a_later_line),
                cmocka_unit_test(test_nul_bytes_are_stripped),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_buffer_boundaries),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
