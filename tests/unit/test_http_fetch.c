/*
 * HTTP GET: which failures are retried, how long between attempts, and
 * real requests to a server on loopback: validators sent and 304 kept,
 * 503 retried, Retry-After honoured, 404 not retried, timeouts, refused
 * connections and oversized answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "core/err.h"
#include "ingest/http_fetch.h"
#include "test_http_server.h"

static void test_classify(void **state)
{
        (void)state;
        assert_int_equal(cp_http_classify(CURLE_OK, 200), CP_HTTP_DONE);
        assert_int_equal(cp_http_classify(CURLE_OK, 204), CP_HTTP_DONE);
        assert_int_equal(cp_http_classify(CURLE_OK, 304), CP_HTTP_DONE);
        assert_int_equal(cp_http_classify(CURLE_OK, 408), CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 429), CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 500), CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 503), CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 599), CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 400), CP_HTTP_PERMANENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 401), CP_HTTP_PERMANENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 404), CP_HTTP_PERMANENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 410), CP_HTTP_PERMANENT);
        assert_int_equal(cp_http_classify(CURLE_OK, 301), CP_HTTP_PERMANENT);
        assert_int_equal(cp_http_classify(CURLE_COULDNT_CONNECT, 0),
                         CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_OPERATION_TIMEDOUT, 0),
                         CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_GOT_NOTHING, 0),
                         CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_PARTIAL_FILE, 200),
                         CP_HTTP_TRANSIENT);
        assert_int_equal(cp_http_classify(CURLE_UNSUPPORTED_PROTOCOL, 0),
                         CP_HTTP_PERMANENT);
        assert_int_equal(cp_http_classify(CURLE_PEER_FAILED_VERIFICATION, 0),
                         CP_HTTP_PERMANENT);
        assert_int_equal(cp_http_classify(CURLE_WRITE_ERROR, 200),
                         CP_HTTP_PERMANENT);
}

static void test_backoff(void **state)
{
        (void)state;
        /* Doubling, in the upper half of each step. */
        for (uint64_t rnd = 0; rnd < 1000; rnd += 37) {
                long w1 = cp_http_backoff_ms(100, 1, 0, rnd);
                long w3 = cp_http_backoff_ms(100, 3, 0, rnd);

                assert_true(w1 >= 50 && w1 <= 100);
                assert_true(w3 >= 200 && w3 <= 400);
        }
        assert_int_equal(cp_http_backoff_ms(100, 1, 0, 0), 50);
        assert_int_equal(cp_http_backoff_ms(100, 1, 0, 50), 100);
        /* Capped, also for absurd retry numbers. */
        assert_true(cp_http_backoff_ms(1000, 60, 0, 12345) <=
                    CP_HTTP_BACKOFF_CAP_MS);
        assert_true(cp_http_backoff_ms(1000, 60, 0, 12345) >=
                    CP_HTTP_BACKOFF_CAP_MS / 2);
        /* Retry-After is a floor, itself capped. */
        assert_int_equal(cp_http_backoff_ms(100, 1, 3, 0), 3000);
        assert_int_equal(cp_http_backoff_ms(20000, 2, 3, 0), 20000);
        assert_int_equal(cp_http_backoff_ms(100, 1, 86400, 0),
                         CP_HTTP_RETRY_AFTER_CAP_MS);
}

/* ---- against a server ---- */

typedef struct t_script_s {
        int fail_first;        /* answer this many requests with fail_status */
        int fail_status;       /* 0: close without answering */
        const char *fail_headers;
        int delay_ms;
        int served;
} t_script_t;

static void t_handler(t_srv_t *srv, const char *path, const char *hdrs,
                      t_reply_t *r)
{
        t_script_t *sc = srv->opaque;

        (void)path;
        r->delay_ms = sc->delay_ms;
        if (sc->served++ < sc->fail_first) {
                r->status = sc->fail_status;
                snprintf(r->headers, sizeof(r->headers), "%s",
                         sc->fail_headers ? sc->fail_headers : "");
                r->body = "busy";
                return;
        }
        if (strstr(hdrs, "If-None-Match: \"v1\"")) {
                r->status = 304;
                snprintf(r->headers, sizeof(r->headers), "ETag: \"v1\"\r\n");
                return;
        }
        r->status = 200;
        snprintf(r->headers, sizeof(r->headers), "ETag: \"v1\"\r\n"
                 "Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
                 "Content-Type: application/json\r\n");
        r->body = "{\"data\":{\"list\":[{\"a\":1}]}}";
}

static cp_http_client_t *t_client(int retries, int timeout_ms, size_t max)
{
        cp_http_opts_t o = {
                .ho_timeout_ms = timeout_ms,
                .ho_retries = retries,
                .ho_backoff_ms = 10,
                .ho_max_body = max,
                .ho_source = "test",
        };
        char err[256];
        cp_http_client_t *hc = cp_http_client_new(&o, err, sizeof(err));

        assert_non_null(hc);
        return hc;
}

static const char *t_url(const t_srv_t *s, const char *path)
{
        static char url[128];

        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
        return url;
}

static void test_get_and_304(void **state)
{
        (void)state;
        t_script_t sc = { 0 };
        cp_http_client_t *hc = t_client(2, 5000, 1 << 20);
        cp_http_resp_t resp;
        t_srv_t srv;
        char err[512];

        assert_int_equal(t_srv_start(&srv, t_handler, &sc), 0);
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/p?pageNo=1"), NULL,
                                     NULL, &resp, err, sizeof(err)), CP_OK);
        assert_int_equal(resp.hr_status, 200);
        assert_int_equal(resp.hr_attempts, 1);
        assert_string_equal(resp.hr_body, "{\"data\":{\"list\":[{\"a\":1}]}}");
        assert_string_equal(resp.hr_etag, "\"v1\"");
        assert_string_equal(resp.hr_last_modified,
                            "Wed, 21 Oct 2015 07:28:00 GMT");
        assert_string_equal(srv.last_path, "/p?pageNo=1");
        assert_null(strstr(srv.last_headers, "If-None-Match"));
        cp_http_resp_free(&resp);

        /* The validators go out exactly as they came. */
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/p?pageNo=1"), "\"v1\"",
                                     "Wed, 21 Oct 2015 07:28:00 GMT", &resp,
                                     err, sizeof(err)), CP_OK);
        assert_int_equal(resp.hr_status, 304);
        assert_int_equal(resp.hr_len, 0);
        assert_non_null(strstr(srv.last_headers, "If-None-Match: \"v1\"\r\n"));
        assert_non_null(strstr(srv.last_headers, "If-Modified-Since: Wed, 21 "
                               "Oct 2015 07:28:00 GMT\r\n"));
        cp_http_resp_free(&resp);
        assert_int_equal(srv.nreq, 2);
        t_srv_stop(&srv);
        cp_http_client_destroy(hc);
}

static void test_retry_transient(void **state)
{
        (void)state;
        t_script_t sc = { .fail_first = 2, .fail_status = 503 };
        cp_http_client_t *hc = t_client(2, 5000, 1 << 20);
        cp_http_resp_t resp;
        t_srv_t srv;
        char err[512];

        assert_int_equal(t_srv_start(&srv, t_handler, &sc), 0);
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/a"), NULL, NULL, &resp,
                                     err, sizeof(err)), CP_OK);
        assert_int_equal(resp.hr_status, 200);
        assert_int_equal(resp.hr_attempts, 3);
        assert_int_equal(srv.nreq, 3);
        cp_http_resp_free(&resp);

        /* One failure too many: the error names URL, status, attempts. */
        sc = (t_script_t){ .fail_first = 3, .fail_status = 500 };
        srv.nreq = 0;
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/b"), NULL, NULL, &resp,
                                     err, sizeof(err)), CP_ERR_IO);
        assert_non_null(strstr(err, t_url(&srv, "/b")));
        assert_non_null(strstr(err, "HTTP 500 after 3 attempts"));
        assert_int_equal(srv.nreq, 3);

        /* A connection closed without an answer is transient too. */
        sc = (t_script_t){ .fail_first = 1, .fail_status = 0 };
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/c"), NULL, NULL, &resp,
                                     err, sizeof(err)), CP_OK);
        assert_int_equal(resp.hr_attempts, 2);
        cp_http_resp_free(&resp);
        t_srv_stop(&srv);
        cp_http_client_destroy(hc);
}

static double t_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_retry_after(void **state)
{
        (void)state;
        t_script_t sc = { .fail_first = 1, .fail_status = 429,
                          .fail_headers = "Retry-After: 1\r\n" };
        cp_http_client_t *hc = t_client(1, 5000, 1 << 20);
        cp_http_resp_t resp;
        t_srv_t srv;
        char err[512];
        double t0;

        assert_int_equal(t_srv_start(&srv, t_handler, &sc), 0);
        t0 = t_now();
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/a"), NULL, NULL, &resp,
                                     err, sizeof(err)), CP_OK);
        /* Back-off alone would have waited 10 ms at most. */
        assert_true(t_now() - t0 >= 0.95);
        assert_int_equal(resp.hr_attempts, 2);
        cp_http_resp_free(&resp);
        t_srv_stop(&srv);
        cp_http_client_destroy(hc);
}

static void test_permanent(void **state)
{
        (void)state;
        t_script_t sc = { .fail_first = 5, .fail_status = 404 };
        cp_http_client_t *hc = t_client(5, 5000, 1 << 20);
        cp_http_resp_t resp;
        t_srv_t srv;
        char err[512];

        assert_int_equal(t_srv_start(&srv, t_handler, &sc), 0);
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/gone"), NULL, NULL,
                                     &resp, err, sizeof(err)), CP_ERR_IO);
        assert_int_equal(srv.nreq, 1);
        assert_non_null(strstr(err, "GET http://127.0.0.1:"));
        assert_non_null(strstr(err, "/gone: HTTP 404 (not retried"));

        /* 304 to a request without validators is a server bug. */
        sc = (t_script_t){ .fail_first = 5, .fail_status = 304 };
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/x"), NULL, NULL, &resp,
                                     err, sizeof(err)), CP_ERR_IO);
        assert_non_null(strstr(err, "without validators"));
        t_srv_stop(&srv);
        cp_http_client_destroy(hc);

        /* An answer over the limit. */
        sc = (t_script_t){ 0 };
        hc = t_client(3, 5000, 10);
        assert_int_equal(t_srv_start(&srv, t_handler, &sc), 0);
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/big"), NULL, NULL,
                                     &resp, err, sizeof(err)), CP_ERR_IO);
        assert_int_equal(srv.nreq, 1);
        assert_non_null(strstr(err, "larger than"));
        t_srv_stop(&srv);
        cp_http_client_destroy(hc);

        /* Only http and https. */
        hc = t_client(3, 5000, 10);
        assert_int_equal(cp_http_get(hc, "file:///etc/passwd", NULL, NULL,
                                     &resp, err, sizeof(err)), CP_ERR_IO);
        assert_non_null(strstr(err, "not retried"));
        cp_http_client_destroy(hc);
}

static void test_timeout_and_refused(void **state)
{
        (void)state;
        t_script_t sc = { .delay_ms = 600 };
        cp_http_client_t *hc = t_client(1, 200, 1 << 20);
        cp_http_resp_t resp;
        t_srv_t srv;
        char err[512], url[64];
        int port;

        assert_int_equal(t_srv_start(&srv, t_handler, &sc), 0);
        assert_int_equal(cp_http_get(hc, t_url(&srv, "/slow"), NULL, NULL,
                                     &resp, err, sizeof(err)), CP_ERR_IO);
        assert_non_null(strstr(err, "after 2 attempts"));
        assert_non_null(strstr(err, "timed out"));
        t_srv_stop(&srv);

        port = t_dead_port();
        assert_true(port > 0);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
        assert_int_equal(cp_http_get(hc, url, NULL, NULL, &resp, err,
                                     sizeof(err)), CP_ERR_IO);
        assert_non_null(strstr(err, "after 2 attempts"));
        cp_http_client_destroy(hc);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_get_and_304),
                cmocka_unit_test(test_retry_transient),
                cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_permanent),
                cmocka_unit_test(test_timeout_and_refused),
        };

        /* Loopback only, whatever proxy the environment names. */
        setenv("no_proxy", "127.0.0.1", 1);
        setenv("NO_PROXY", "127.0.0.1", 1);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
