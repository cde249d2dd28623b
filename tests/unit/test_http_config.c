/*
 * Configuration of http sources (format http_json): the `http` mapping,
 * its defaults, and errors that name the file and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "testutil.h"

static const char *t_conf(const char *sources)
{
        static char text[4096];

        snprintf(text, sizeof(text), "sources:\n%s", sources);
        return t_write_text("credpipe.yaml", text);
}

#define T_HEAD "  - id: hz_portal\n" \
               "    role: municipal\n" \
               "    category: admin_penalty\n" \
               "    format: http_json\n" \
               "    preset: sgs_penalty\n"

static void test_good(void **state)
{
        (void)state;
        char err[512], want[256];
        const cp_http_conf_t *hc;
        cp_conf_t *c;

        c = cp_conf_load(t_conf(T_HEAD
                "    http:\n"
                "      url: \"http://127.0.0.1:8080/api/penalties?pageNo={page}&pageSize=100\"\n"
                "      records: data.list\n"
                "      pagination: {mode: page, first: 0, max_pages: 50}\n"
                "      retries: 3\n"
                "      timeout_ms: 2000\n"
                "      backoff_ms: 250\n"
                "  - id: spc\n"
                "    role: central\n"
                "    category: judgment_defaulter\n"
                "    format: http_json\n"
                "    preset: spc_defaulter\n"
                "    http:\n"
                "      url: [\"https://example.org/a\", \"HTTPS://example.org/b?x=1\"]\n"
                "      pagination: {mode: cursor, next: result.nextCursor, param: cursor}\n"
                "      spool: /var/spool/credpipe/spc\n"),
                err, sizeof(err));
        assert_non_null(c);
        assert_int_equal(c->conf_sources[0].src_format, CP_FMT_HTTP_JSON);
        assert_int_equal(c->conf_sources[0].src_npaths, 0);
        hc = c->conf_sources[0].src_http;
        assert_non_null(hc);
        assert_int_equal(hc->hc_nurls, 1);
        assert_string_equal(hc->hc_records, "data.list");
        assert_int_equal(hc->hc_paging, CP_PAGING_PAGE);
        assert_int_equal(hc->hc_first, 0);
        assert_int_equal(hc->hc_max_pages, 50);
        assert_int_equal(hc->hc_retries, 3);
        assert_int_equal(hc->hc_timeout_ms, 2000);
        assert_int_equal(hc->hc_backoff_ms, 250);
        /* The spool defaults to spool/<id> beside the configuration. */
        snprintf(want, sizeof(want), "%s/spool/hz_portal", t_dir);
        assert_string_equal(hc->hc_spool, want);

        hc = c->conf_sources[1].src_http;
        assert_int_equal(hc->hc_nurls, 2);
        assert_string_equal(hc->hc_urls[1], "HTTPS://example.org/b?x=1");
        assert_string_equal(hc->hc_records, "");
        assert_int_equal(hc->hc_paging, CP_PAGING_CURSOR);
        assert_string_equal(hc->hc_next, "result.nextCursor");
        assert_string_equal(hc->hc_param, "cursor");
        assert_string_equal(hc->hc_spool, "/var/spool/credpipe/spc");
        /* Defaults. */
        assert_int_equal(hc->hc_max_pages, 10000);
        assert_int_equal(hc->hc_retries, 5);
        assert_int_equal(hc->hc_timeout_ms, 30000);
        assert_int_equal(hc->hc_backoff_ms, 1000);
        cp_conf_destroy(c);

        /* No pagination: one page per URL. */
        c = cp_conf_load(t_conf(T_HEAD
                "    http: {url: \"http://h/x.json\", records: rows}\n"),
                err, sizeof(err));
        assert_non_null(c);
        assert_int_equal(c->conf_sources[0].src_http->hc_paging, CP_PAGING_NONE);
        cp_conf_destroy(c);
}

static void test_errors(void **state)
{
        (void)state;
        static const struct {
                const char *text;
                const char *want;
        } cases[] = {
                { T_HEAD "    paths: a.json\n",
                  ":2: source hz_portal has format http_json: it needs 'http'" },
                { T_HEAD "    paths: a.json\n    http: {url: \"http://h/\"}\n",
                  "and no 'paths'" },
                { "  - id: f\n    role: municipal\n    category: admin_penalty\n"
                  "    format: jsonl\n    paths: a.jsonl\n    preset: sgs_penalty\n"
                  "    http: {url: \"http://h/\"}\n",
                  "'http' is for format http_json" },
                { T_HEAD "    http: {url: \"ftp://h/x\"}\n",
                  ":7: 'url' must start with http:// or https://, not 'ftp://h/x'" },
                { T_HEAD "    http: {url: \"http://\"}\n",
                  "must start with http:// or https://" },
                { T_HEAD "    http: {url: \"http://h/a b\"}\n",
                  "space or control character" },
                { T_HEAD "    http: {url: [\"http://h/a\", \"http://h/a\"]}\n",
                  "url http://h/a is listed twice" },
                { T_HEAD "    http: {url: []}\n",
                  "'url' must name at least one URL" },
                { T_HEAD "    http: {records: data}\n",
                  "'http' needs 'url'" },
                { T_HEAD "    http: {url: \"http://h/\", record: data}\n",
                  ":7: unknown key 'record' in 'http' (known keys: url, records," },
                { T_HEAD "    http:\n      url: \"http://h/{page}\"\n"
                  "      pagination: {mode: page, step: 2}\n",
                  ":9: unknown key 'step' in 'pagination'" },
                { T_HEAD "    http:\n      url: \"http://h/\"\n"
                  "      pagination: {mode: page}\n",
                  "url http://h/ has no {page}" },
                { T_HEAD "    http: {url: \"http://h/?p={page}\"}\n",
                  "has {page}; pagination mode page" },
                { T_HEAD "    http:\n      url: \"http://h/\"\n"
                  "      pagination: {mode: cursor, param: c}\n",
                  "pagination mode cursor needs 'next'" },
                { T_HEAD "    http:\n      url: \"http://h/\"\n"
                  "      pagination: {mode: cursor, next: n, param: c, first: 2}\n",
                  "'first' is for pagination mode page" },
                { T_HEAD "    http:\n      url: \"http://h/\"\n"
                  "      pagination: {next: n}\n",
                  "'next' and 'param' are for pagination mode cursor" },
                { T_HEAD "    http:\n      url: \"http://h/\"\n"
                  "      pagination: {mode: scroll}\n",
                  "'mode' must be none, page or cursor, not 'scroll'" },
                { T_HEAD "    http: {url: \"http://h/\", records: data..list}\n",
                  "'records' must be a dotted path such as data.list" },
                { T_HEAD "    http: {url: \"http://h/\", retries: 1000}\n",
                  "'retries' must be a whole number from 0 to 100" },
                { T_HEAD "    encoding: gbk\n    http: {url: \"http://h/\"}\n",
                  "'encoding' does not apply to http_json" },
                { T_HEAD "    http: {url: \"http://h/\", spool: s}\n"
                  "  - id: other\n    role: municipal\n    category: admin_penalty\n"
                  "    format: http_json\n    preset: sgs_penalty\n"
                  "    http: {url: \"http://h/2\", spool: s}\n",
                  "is also the spool of source hz_portal" },
                { T_HEAD "    format: xml\n",
                  "'format' must be csv, jsonl, xlsx, http_json or kafka" },
        };
        char err[512];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                err[0] = '\0';
                assert_null(cp_conf_load(t_conf(cases[i].text), err, sizeof(err)));
                if (!strstr(err, cases[i].want))
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
                                 cases[i].want);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_errors),
        };

        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
