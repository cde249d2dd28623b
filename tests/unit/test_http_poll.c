/*
 * Fetching an http source (cp_ingest_fetch) from a portal on loopback:
 * page and cursor pagination, the spool and its state file, 304 pages
 * left out of the list, retries, max_pages, a page that stops pagination,
 * a permanent failure (and the state it leaves), a corrupt state file,
 * pruning of pages no longer fetched, and the exactly-once read list (a
 * fetch not committed is read again from the spool, not fetched).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/err.h"
#include "core/field.h"
#include "ingest/http_spool.h"
#include "ingest/ingest.h"
#include "test_http_server.h"
#include "testutil.h"

#define T_PAGES 3  /* pages with records; page 4 is empty */

/* A portal: /api?pageNo=N&pageSize=2, ETag "pN-vV", /c?cursor=... */
typedef struct t_portal_s {
        int version[T_PAGES + 2];
        int fail503_page;      /* answers 503 once */
        int status_page;       /* answers status_code instead */
        int status_code;
        const char *bad_page_body;  /* for page bad_page */
        int bad_page;
        int conditional;       /* requests that carried If-None-Match */
        char body[512];
} t_portal_t;

static void t_portal(t_srv_t *srv, const char *path, const char *hdrs,
                     t_reply_t *r)
{
        t_portal_t *p = srv->opaque;
        char etag[32], inm[64];
        int n;

        if (sscanf(path, "/api?pageNo=%d&pageSize=2", &n) != 1 || n < 1 ||
            n > T_PAGES + 1) {
                r->status = 404;
                return;
        }
        if (n == p->fail503_page) {
                p->fail503_page = 0;
                r->status = 503;
                return;
        }
        if (n == p->status_page) {
                r->status = p->status_code;
                return;
        }
        snprintf(etag, sizeof(etag), "\"p%d-v%d\"", n, p->version[n]);
        snprintf(inm, sizeof(inm), "If-None-Match: %s\r\n", etag);
        p->conditional += strstr(hdrs, "If-None-Match:") != NULL;
        snprintf(r->headers, sizeof(r->headers), "ETag: %s\r\n", etag);
        if (strstr(hdrs, inm)) {
                r->status = 304;
                return;
        }
        r->status = 200;
        if (n == p->bad_page) {
                r->body = p->bad_page_body;
                return;
        }
        if (n > T_PAGES)
                snprintf(p->body, sizeof(p->body),
                         "{\"code\":0,\"data\":{\"total\":%d,\"list\":[]}}",
                         2 * T_PAGES);
        else
                snprintf(p->body, sizeof(p->body),
                         "{\"code\":0,\"data\":{\"total\":%d,\"list\":["
                         "{\"name\":\"公司%d-1\",\"v\":%d},"
                         "{\"name\":\"公司%d-2\",\"v\":%d}]}}",
                         2 * T_PAGES, n, p->version[n], n, p->version[n]);
        r->body = p->body;
}

static cp_column_map_t t_cols[] = { { "name", CP_F_SUBJECT_NAME } };

typedef struct t_http_src_s {
        cp_source_conf_t src;
        cp_http_conf_t hc;
        char *url;
        char spool[256];
} t_http_src_t;

static void t_src_init(t_http_src_t *t, const t_srv_t *srv, const char *name,
                       const char *path_fmt, cp_paging_t paging)
{
        memset(t, 0, sizeof(*t));
        assert_true(asprintf(&t->url, path_fmt, srv->port) > 0);
        snprintf(t->spool, sizeof(t->spool), "%s/spool/%s", t_dir, name);
        t->hc = (cp_http_conf_t){
                .hc_urls = &t->url,
                .hc_nurls = 1,
                .hc_records = "data.list",
                .hc_paging = paging,
                .hc_first = 1,
                .hc_max_pages = 100,
                .hc_retries = 2,
                .hc_timeout_ms = 5000,
                .hc_backoff_ms = 5,
                .hc_spool = t->spool,
        };
        t->src = (cp_source_conf_t){
                .src_id = "portal",
                .src_role = CP_ROLE_MUNICIPAL,
                .src_format = CP_FMT_HTTP_JSON,
                .src_columns = t_cols,
                .src_ncolumns = 1,
                .src_keep_unmapped = true,
                .src_http = &t->hc,
        };
}

/* Fetches; @returns the number of files listed (the list is freed). */
static size_t t_fetch(const t_http_src_t *t, int want_rc, char *err,
                      size_t errsz, size_t *records)
{
        char **files = NULL;
        size_t n = 0, nrec = 0;
        int rc;

        err[0] = '\0';
        rc = cp_ingest_fetch(&t->src, &files, &n, err, errsz);
        assert_int_equal(rc, want_rc);
        for (size_t i = 0; i < n; i++) {
                t_sink_t sink = { 0 };
                char e2[256];

                assert_int_equal(cp_ingest_file(&t->src, 0, files[i], 100,
                                                t_emit, &sink, e2, sizeof(e2)),
                                 CP_OK);
                nrec += t_nrec(&sink);
                t_sink_free(&sink);
        }
        if (records)
                *records = nrec;
        cp_ingest_paths_free(files, n);
        return n;
}

static json_t *t_state(const t_http_src_t *t)
{
        char path[512];
        json_t *j;

        snprintf(path, sizeof(path), "%s/state.json", t->spool);
        j = json_load_file(path, 0, NULL);
        assert_non_null(j);
        return j;
}

static void test_page_mode(void **state)
{
        (void)state;
        t_portal_t p = { .fail503_page = 2 };
        t_http_src_t t;
        t_srv_t srv;
        char err[512], **files = NULL;
        size_t n = 0, nrec;
        json_t *st, *pg0;

        assert_int_equal(t_srv_start(&srv, t_portal, &p), 0);
        t_src_init(&t, &srv, "pages",
                   "http://127.0.0.1:%d/api?pageNo={page}&pageSize=2",
                   CP_PAGING_PAGE);

        /* First run: every page, the 503 retried, the empty page ends it. */
        assert_int_equal(cp_ingest_fetch(&t.src, &files, &n, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(n, T_PAGES + 1);
        assert_int_equal(srv.nreq, T_PAGES + 2);
        for (size_t i = 0; i < n; i++) {
                char want[320];

                snprintf(want, sizeof(want), "%s/u1-p%06zu-", t.spool, i + 1);
                assert_memory_equal(files[i], want, strlen(want));
        }
        cp_ingest_paths_free(files, n);
        st = t_state(&t);
        assert_int_equal(json_array_size(json_object_get(st, "pages")),
                         T_PAGES + 1);
        pg0 = json_array_get(json_object_get(st, "pages"), 0);
        assert_string_equal(json_string_value(json_object_get(pg0, "etag")),
                            "\"p1-v0\"");
        assert_non_null(strstr(json_string_value(json_object_get(pg0, "url")),
                               "pageNo=1&"));
        json_decref(st);

        /* Nothing changed: every request conditional, nothing to read. */
        srv.nreq = 0;
        p.conditional = 0;
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 0);
        assert_int_equal(srv.nreq, T_PAGES + 1);
        assert_int_equal(p.conditional, T_PAGES + 1);

        /* One page changed: that page alone is read. */
        p.version[2] = 1;
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 1);
        assert_int_equal(nrec, 2);

        /* Without the state file, all again. */
        assert_int_equal(unlink(t_path("spool/pages/state.json")), 0);
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec),
                         T_PAGES + 1);
        assert_int_equal(nrec, 2 * T_PAGES);
        t_srv_stop(&srv);
        free(t.url);
}

static void test_max_pages_and_bad_page(void **state)
{
        (void)state;
        t_portal_t p = { 0 };
        t_http_src_t t;
        t_srv_t srv;
        char err[512];
        size_t nrec;

        assert_int_equal(t_srv_start(&srv, t_portal, &p), 0);
        t_src_init(&t, &srv, "max",
                   "http://127.0.0.1:%d/api?pageNo={page}&pageSize=2",
                   CP_PAGING_PAGE);
        t.hc.hc_max_pages = 2;
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 2);
        assert_int_equal(nrec, 4);
        assert_int_equal(srv.nreq, 2);

        /* A page without records stops pagination; it is read as one
         * reject. */
        free(t.url);
        t_src_init(&t, &srv, "bad",
                   "http://127.0.0.1:%d/api?pageNo={page}&pageSize=2",
                   CP_PAGING_PAGE);
        p.bad_page = 2;
        p.bad_page_body = "{\"code\":500,\"msg\":\"系统繁忙\"}";
        srv.nreq = 0;
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 2);
        assert_int_equal(nrec, 3);
        assert_int_equal(srv.nreq, 2);
        t_srv_stop(&srv);
        free(t.url);
}

static void test_permanent_failure(void **state)
{
        (void)state;
        t_portal_t p = { 0 };
        t_http_src_t t;
        t_srv_t srv;
        char err[512], **files = NULL;
        size_t n = 0, nrec;
        json_t *st;

        assert_int_equal(t_srv_start(&srv, t_portal, &p), 0);
        t_src_init(&t, &srv, "fail",
                   "http://127.0.0.1:%d/api?pageNo={page}&pageSize=2",
                   CP_PAGING_PAGE);
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec),
                         T_PAGES + 1);

        /* Page 1 changes, page 3 is gone: the source fails, naming the
         * URL and the status, and lists nothing. */
        p.version[1] = 1;
        p.status_page = 3;
        p.status_code = 404;
        assert_int_equal(cp_ingest_fetch(&t.src, &files, &n, err, sizeof(err)),
                         CP_ERR_IO);
        assert_int_equal(n, 0);
        assert_null(files);
        assert_non_null(strstr(err, "pageNo=3&pageSize=2: HTTP 404"));

        /* The state forgets page 1's old validators (its spooled copy is
         * newer now) and keeps the others'. */
        st = t_state(&t);
        assert_int_equal(json_array_size(json_object_get(st, "pages")),
                         T_PAGES);
        json_decref(st);

        /* Once the portal is back, page 1 is read; the rest are 304. */
        p.status_page = 0;
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 1);
        assert_int_equal(nrec, 2);

        /* Transient failures beyond the retries fail the source too. */
        p.status_page = 2;
        p.status_code = 503;
        srv.nreq = 0;
        assert_int_equal(t_fetch(&t, CP_ERR_IO, err, sizeof(err), NULL), 0);
        assert_non_null(strstr(err, "HTTP 503 after 3 attempts"));
        assert_int_equal(srv.nreq, 1 + 3);
        t_srv_stop(&srv);
        free(t.url);
}

/* Cursor pages: /c, then /c?cursor=<next>, until next is null. */
static void t_cursor(t_srv_t *srv, const char *path, const char *hdrs,
                     t_reply_t *r)
{
        (void)srv;
        (void)hdrs;
        r->status = 200;
        if (!strcmp(path, "/c"))
                r->body = "{\"data\":{\"list\":[{\"name\":\"a\"}],"
                          "\"next\":\"x y/z\"}}";
        else if (!strcmp(path, "/c?cursor=x%20y%2Fz"))
                r->body = "{\"data\":{\"list\":[{\"name\":\"b\"}],"
                          "\"next\":12345678901234567890123}}";
        else if (!strcmp(path, "/c?cursor=12345678901234567890123"))
                r->body = "{\"data\":{\"list\":[{\"name\":\"c\"}],"
                          "\"next\":null}}";
        else if (!strcmp(path, "/loop"))
                r->body = "{\"data\":{\"list\":[{\"name\":\"a\"}],"
                          "\"next\":\"same\"}}";
        else if (!strcmp(path, "/loop?cursor=same"))
                r->body = "{\"data\":{\"list\":[{\"name\":\"b\"}],"
                          "\"next\":\"same\"}}";
        else if (!strcmp(path, "/cyc") || !strcmp(path, "/cyc?cursor=b"))
                r->body = "{\"data\":{\"list\":[{\"name\":\"a\"}],"
                          "\"next\":\"a\"}}";
        else if (!strcmp(path, "/cyc?cursor=a"))
                r->body = "{\"data\":{\"list\":[{\"name\":\"b\"}],"
                          "\"next\":\"b\"}}";
        else
                r->status = 404;
}

static void test_cursor_mode(void **state)
{
        (void)state;
        t_http_src_t t;
        t_srv_t srv;
        char err[512];
        size_t nrec;

        assert_int_equal(t_srv_start(&srv, t_cursor, NULL), 0);
        t_src_init(&t, &srv, "cursor", "http://127.0.0.1:%d/c",
                   CP_PAGING_CURSOR);
        t.hc.hc_next = "data.next";
        t.hc.hc_param = "cursor";
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 3);
        assert_int_equal(nrec, 3);
        assert_int_equal(srv.nreq, 3);
        free(t.url);

        /* A page naming itself as the next one ends pagination. */
        t_src_init(&t, &srv, "loop", "http://127.0.0.1:%d/loop",
                   CP_PAGING_CURSOR);
        t.hc.hc_next = "data.next";
        t.hc.hc_param = "cursor";
        srv.nreq = 0;
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 2);
        assert_int_equal(srv.nreq, 2);
        free(t.url);

        /* Nor do cursors that go round: a, b, a. */
        t_src_init(&t, &srv, "cycle", "http://127.0.0.1:%d/cyc",
                   CP_PAGING_CURSOR);
        t.hc.hc_next = "data.next";
        t.hc.hc_param = "cursor";
        srv.nreq = 0;
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 3);
        assert_int_equal(srv.nreq, 3);
        t_srv_stop(&srv);
        free(t.url);
}

static void test_state_and_prune(void **state)
{
        (void)state;
        t_portal_t p = { 0 };
        t_http_src_t t;
        t_srv_t srv;
        char err[512];
        struct stat sb;
        size_t nrec;

        assert_int_equal(t_srv_start(&srv, t_portal, &p), 0);
        t_src_init(&t, &srv, "prune",
                   "http://127.0.0.1:%d/api?pageNo={page}&pageSize=2",
                   CP_PAGING_PAGE);
        assert_int_equal(cp_spool_mkdir(t.spool, err, sizeof(err)), CP_OK);
        /* Not a state file: ignored with a warning, every page fetched. */
        t_write_text("spool/prune/state.json", "{\"version\":1,\"pages\":7}");
        t_write_text("spool/prune/u1-p000009-0123456789abcdef.json", "{}");
        t_write_text("spool/prune/.tmp-u1-p000001-x.json.AbCdEf", "half");
        t_write_text("spool/prune/notes.txt", "mine");
        assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec),
                         T_PAGES + 1);
        assert_int_equal(stat(t_path("spool/prune/u1-p000009-0123456789abcdef.json"),
                              &sb), -1);
        assert_int_equal(stat(t_path("spool/prune/.tmp-u1-p000001-x.json.AbCdEf"),
                              &sb), -1);
        assert_int_equal(stat(t_path("spool/prune/notes.txt"), &sb), 0);

        /* A spooled page that went missing is asked for unconditionally,
         * and read again. */
        {
                json_t *st = t_state(&t);
                const char *f = json_string_value(json_object_get(
                        json_array_get(json_object_get(st, "pages"), 1), "file"));
                char rel[128];

                snprintf(rel, sizeof(rel), "spool/prune/%s", f);
                assert_int_equal(unlink(t_path(rel)), 0);
                json_decref(st);
                p.conditional = 0;
                assert_int_equal(t_fetch(&t, CP_OK, err, sizeof(err), &nrec), 1);
                assert_int_equal(nrec, 2);
                assert_int_equal(p.conditional, T_PAGES);
        }
        t_srv_stop(&srv);
        free(t.url);
}

/* Fetches for set `set` (exactly once); @returns the pages listed and, in
 * *text, their bytes one after the other (caller frees). */
static size_t t_fetch_set(const t_http_src_t *t, unsigned long long set,
                          int want_rc, char *err, size_t errsz, char **text)
{
        char **files = NULL;
        size_t n = 0, len = 0;

        err[0] = '\0';
        assert_int_equal(cp_ingest_fetch_set(&t->src, set, &files, &n, err,
                                             errsz), want_rc);
        *text = calloc(1, 1);
        for (size_t i = 0; i < n; i++) {
                char *buf, e2[256];
                size_t blen;

                assert_int_equal(cp_spool_read(files[i], 1 << 20, &buf, &blen,
                                               e2, sizeof(e2)), CP_OK);
                *text = realloc(*text, len + blen + 1);
                memcpy(*text + len, buf, blen + 1);
                len += blen;
                free(buf);
        }
        cp_ingest_paths_free(files, n);
        return n;
}

static void test_exactly_once_read_list(void **state)
{
        (void)state;
        t_portal_t p = { 0 };
        t_http_src_t t;
        t_srv_t srv;
        char err[512], *first, *again, *text;
        json_t *st, *rd;

        assert_int_equal(t_srv_start(&srv, t_portal, &p), 0);
        t_src_init(&t, &srv, "exact",
                   "http://127.0.0.1:%d/api?pageNo={page}&pageSize=2",
                   CP_PAGING_PAGE);

        /* Set 3's fetch: every page, listed as set 3's, not committed. */
        assert_int_equal(t_fetch_set(&t, 3, CP_OK, err, sizeof(err), &first),
                         T_PAGES + 1);
        st = t_state(&t);
        rd = json_object_get(st, "read");
        assert_int_equal(json_integer_value(json_object_get(rd, "set")), 3);
        assert_true(json_is_false(json_object_get(rd, "committed")));
        assert_int_equal(json_array_size(json_object_get(rd, "files")),
                         T_PAGES + 1);
        json_decref(st);

        /* A crash, then the portal changes a page: the restart of set 3
         * asks the portal nothing and reads the very bytes again. */
        p.version[2] = 7;
        srv.nreq = 0;
        assert_int_equal(t_fetch_set(&t, 3, CP_OK, err, sizeof(err), &again),
                         T_PAGES + 1);
        assert_int_equal(srv.nreq, 0);
        assert_string_equal(again, first);
        assert_null(strstr(again, "\"v\":7"));
        free(again);

        /* Committed for another set: nothing changes. */
        assert_int_equal(cp_ingest_fetch_committed(&t.src, 2, err, sizeof(err)),
                         CP_OK);
        assert_int_equal(t_fetch_set(&t, 3, CP_OK, err, sizeof(err), &again),
                         T_PAGES + 1);
        assert_int_equal(srv.nreq, 0);
        free(again);

        /* Committed: the next fetch (same set number, as --once has) asks
         * the portal with the validators and lists the changed page only. */
        assert_int_equal(cp_ingest_fetch_committed(&t.src, 3, err, sizeof(err)),
                         CP_OK);
        p.conditional = 0;
        assert_int_equal(t_fetch_set(&t, 3, CP_OK, err, sizeof(err), &text), 1);
        assert_int_equal(srv.nreq, T_PAGES + 1);
        assert_int_equal(p.conditional, T_PAGES + 1);
        assert_non_null(strstr(text, "\"v\":7"));
        free(text);

        /* A page of an uncommitted list gone from the spool: refused, not
         * silently fetched anew. */
        st = t_state(&t);
        {
                char rel[160];

                snprintf(rel, sizeof(rel), "spool/exact/%s",
                         json_string_value(json_array_get(json_object_get(
                                 json_object_get(st, "read"), "files"), 0)));
                assert_int_equal(unlink(t_path(rel)), 0);
        }
        json_decref(st);
        srv.nreq = 0;
        assert_int_equal(t_fetch_set(&t, 3, CP_ERR_IO, err, sizeof(err), &text),
                         0);
        free(text);
        assert_non_null(strstr(err, "is gone"));
        assert_int_equal(srv.nreq, 0);

        /* A new set fetches again (its pages named anew). */
        assert_int_equal(t_fetch_set(&t, 4, CP_OK, err, sizeof(err), &text),
                         1);
        free(text);
        free(first);
        t_srv_stop(&srv);
        free(t.url);
}

/* Eleven URLs: pages are handed over in name order (u10 before u2), the
 * order the checkpoint's positions compare file names in. */
static void test_many_urls_in_name_order(void **state)
{
        (void)state;
        t_portal_t p = { 0 };
        t_http_src_t t;
        t_srv_t srv;
        char err[512], **files = NULL, *urls[11];
        size_t n = 0;

        assert_int_equal(t_srv_start(&srv, t_portal, &p), 0);
        t_src_init(&t, &srv, "many", "http://127.0.0.1:%d/api?pageNo=1&pageSize=2",
                   CP_PAGING_NONE);
        for (int i = 0; i < 11; i++)
                assert_true(asprintf(&urls[i], "%s&u=%d", t.url, i + 1) > 0);
        t.hc.hc_urls = urls;
        t.hc.hc_nurls = 11;
        assert_int_equal(cp_ingest_fetch(&t.src, &files, &n, err, sizeof(err)), CP_OK);
        assert_int_equal(n, 11);
        for (size_t i = 1; i < n; i++)
                assert_true(strcmp(files[i - 1], files[i]) < 0);
        assert_non_null(strstr(files[1], "/u10-p000001-"));
        cp_ingest_paths_free(files, n);
        for (int i = 0; i < 11; i++)
                free(urls[i]);
        t_srv_stop(&srv);
        free(t.url);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_page_mode),
                cmocka_unit_test(test_max_pages_and_bad_page),
                cmocka_unit_test(test_permanent_failure),
                cmocka_unit_test(test_cursor_mode),
                cmocka_unit_test(test_state_and_prune),
                cmocka_unit_test(test_exactly_once_read_list),
                cmocka_unit_test(test_many_urls_in_name_order),
        };

        /* Loopback only, whatever proxy the environment names. */
        setenv("no_proxy", "127.0.0.1", 1);
        setenv("NO_PROXY", "127.0.0.1", 1);
        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
