/*
 * HTTP GET with libcurl: validators, size limit, retries (http_fetch.h).
 *
 * DESIGN: the body is collected in memory, at most ho_max_body bytes (a
 * page is parsed whole anyway, and it is spooled before anyone reads it).
 * Headers are read after the transfer with curl_easy_header(), which
 * answers for the last response of a redirect chain, so a redirect's own
 * ETag is never kept. Each attempt starts from an empty body.
 */
#include "http_fetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/err.h"
#include "core/log.h"

struct cp_http_client_s {
        CURL *hc_curl;
        cp_http_opts_t hc_opts;
        uint64_t hc_rng;             /* xorshift state, for jitter */
        char hc_curl_err[CURL_ERROR_SIZE];
};

/* The body being received. */
typedef struct cp_http_body_s {
        char *hb_buf;
        size_t hb_len;
        size_t hb_cap;
        size_t hb_max;
        bool hb_too_large;
        bool hb_nomem;
} cp_http_body_t;

static pthread_once_t cp_http_once = PTHREAD_ONCE_INIT;
static CURLcode cp_http_init_rc;

/* curl_global_init is not safe to race on older libcurl: once, here. */
static void cp_http_global_init(void)
{
        cp_http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

cp_http_verdict_t cp_http_classify(int curl_code, long status)
{
        switch (curl_code) {
        case CURLE_OK:
                break;
        /* The network or the server hiccupped: the same request may work. */
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return CP_HTTP_TRANSIENT;
        default:
                return CP_HTTP_PERMANENT;
        }
        if ((status >= 200 && status < 300) || status == 304)
                return CP_HTTP_DONE;
        /* 408 Request Timeout, 429 Too Many Requests and 5xx say "later";
         * every other status is the server's considered answer. */
        if (status == 408 || status == 429 || (status >= 500 && status < 600))
                return CP_HTTP_TRANSIENT;
        return CP_HTTP_PERMANENT;
}

long cp_http_backoff_ms(int base_ms, int retry, long retry_after_s,
                        uint64_t rnd)
{
        long wait = base_ms > 0 ? base_ms : 1, floor_ms;

        for (int i = 1; i < retry && wait < CP_HTTP_BACKOFF_CAP_MS; i++)
                wait *= 2;
        if (wait > CP_HTTP_BACKOFF_CAP_MS)
                wait = CP_HTTP_BACKOFF_CAP_MS;
        /* "Equal jitter": half fixed, half random. */
        wait = wait - wait / 2 + (long)(rnd % (uint64_t)(wait / 2 + 1));
        if (retry_after_s > 0) {
                floor_ms = retry_after_s > CP_HTTP_RETRY_AFTER_CAP_MS / 1000
                                   ? CP_HTTP_RETRY_AFTER_CAP_MS
                                   : retry_after_s * 1000;
                if (wait < floor_ms)
                        wait = floor_ms;
        }
        return wait;
}

static size_t cp_http_write(char *data, size_t size, size_t nmemb, void *p)
{
        cp_http_body_t *b = p;
        size_t n = size * nmemb;

        if (n > b->hb_max - b->hb_len) {
                b->hb_too_large = true;
                return 0;  /* libcurl stops with CURLE_WRITE_ERROR */
        }
        if (b->hb_len + n + 1 > b->hb_cap) {
                size_t cap = b->hb_cap ? b->hb_cap : 64 * 1024;
                char *nb;

                while (cap < b->hb_len + n + 1)
                        cap *= 2;
                nb = realloc(b->hb_buf, cap);
                if (!nb) {
                        b->hb_nomem = true;
                        return 0;
                }
                b->hb_buf = nb;
                b->hb_cap = cap;
        }
        memcpy(b->hb_buf + b->hb_len, data, n);
        b->hb_len += n;
        b->hb_buf[b->hb_len] = '\0';
        return n;
}

cp_http_client_t *cp_http_client_new(const cp_http_opts_t *opts,
                                     char *errstr, size_t errstr_size)
{
        cp_http_client_t *hc;
        struct timespec ts;

        pthread_once(&cp_http_once, cp_http_global_init);
        if (cp_http_init_rc != CURLE_OK) {
                snprintf(errstr, errstr_size, "cannot initialise libcurl: %s",
                         curl_easy_strerror(cp_http_init_rc));
                return NULL;
        }
        hc = calloc(1, sizeof(*hc));
        if (!hc || !(hc->hc_curl = curl_easy_init())) {
                free(hc);
                snprintf(errstr, errstr_size, "out of memory starting libcurl");
                return NULL;
        }
        hc->hc_opts = *opts;
        clock_gettime(CLOCK_REALTIME, &ts);
        hc->hc_rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
                     ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)hc;
        if (!hc->hc_rng)
                hc->hc_rng = 0x9E3779B97F4A7C15ULL;
        return hc;
}

void cp_http_client_destroy(cp_http_client_t *hc)
{
        if (!hc)
                return;
        curl_easy_cleanup(hc->hc_curl);
        free(hc);
}

void cp_http_resp_free(cp_http_resp_t *resp)
{
        free(resp->hr_body);
        free(resp->hr_etag);
        free(resp->hr_last_modified);
        memset(resp, 0, sizeof(*resp));
}

static uint64_t cp_http_rand(cp_http_client_t *hc)
{
        uint64_t x = hc->hc_rng;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return hc->hc_rng = x;
}

static void cp_http_sleep_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) && errno == EINTR)
                ;
}

/* A header of the last response, copied; NULL when absent. */
static char *cp_http_header(CURL *c, const char *name)
{
        struct curl_header *h;

        if (curl_easy_header(c, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
            !h->value[0])
                return NULL;
        return strdup(h->value);
}

/* Sets the options of one request; the handle keeps its connections. */
static int cp_http_setup(cp_http_client_t *hc, const char *url,
                         struct curl_slist *hdrs, cp_http_body_t *body)
{
        CURL *c = hc->hc_curl;
        long tmo = hc->hc_opts.ho_timeout_ms;
        CURLcode rc = CURLE_OK;

        curl_easy_reset(c);
#define CP_HTTP_SET(opt, val) \
        do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
        CP_HTTP_SET(CURLOPT_URL, url);
        CP_HTTP_SET(CURLOPT_PROTOCOLS_STR, "http,https");
        CP_HTTP_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        CP_HTTP_SET(CURLOPT_FOLLOWLOCATION, 1L);
        CP_HTTP_SET(CURLOPT_MAXREDIRS, 5L);
        CP_HTTP_SET(CURLOPT_NOSIGNAL, 1L);
        CP_HTTP_SET(CURLOPT_TIMEOUT_MS, tmo);
        CP_HTTP_SET(CURLOPT_CONNECTTIMEOUT_MS, tmo);
        /* Whatever compression libcurl can undo; the spool keeps the
         * decoded page. */
        CP_HTTP_SET(CURLOPT_ACCEPT_ENCODING, "");
        CP_HTTP_SET(CURLOPT_USERAGENT, "credpipe");
        CP_HTTP_SET(CURLOPT_HTTPHEADER, hdrs);
        CP_HTTP_SET(CURLOPT_WRITEFUNCTION, cp_http_write);
        CP_HTTP_SET(CURLOPT_WRITEDATA, body);
        CP_HTTP_SET(CURLOPT_ERRORBUFFER, hc->hc_curl_err);
#undef CP_HTTP_SET
        return rc == CURLE_OK ? CP_OK : CP_ERR_CONFIG;
}

int cp_http_get(cp_http_client_t *hc, const char *url, const char *etag,
                const char *last_modified, cp_http_resp_t *resp,
                char *errstr, size_t errstr_size)
{
        struct curl_slist *hdrs = NULL, *t;
        cp_http_body_t body = { .hb_max = hc->hc_opts.ho_max_body };
        char line[1024], what[CURL_ERROR_SIZE + 64];
        int attempts = 1 + hc->hc_opts.ho_retries, rc = CP_ERR_IO;
        bool conditional = etag || last_modified;

        memset(resp, 0, sizeof(*resp));
        /* Validators are sent exactly as the server gave them. */
        if (!(t = curl_slist_append(hdrs, "Accept: application/json")))
                goto nomem;
        hdrs = t;
        if (etag) {
                snprintf(line, sizeof(line), "If-None-Match: %s", etag);
                if (!(t = curl_slist_append(hdrs, line)))
                        goto nomem;
                hdrs = t;
        }
        if (last_modified) {
                snprintf(line, sizeof(line), "If-Modified-Since: %s",
                         last_modified);
                if (!(t = curl_slist_append(hdrs, line)))
                        goto nomem;
                hdrs = t;
        }
        for (int a = 1; a <= attempts; a++) {
                curl_off_t retry_after = 0;
                cp_http_verdict_t v;
                CURLcode cc;
                long status = 0;

                body.hb_len = 0;
                body.hb_too_large = body.hb_nomem = false;
                hc->hc_curl_err[0] = '\0';
                if (cp_http_setup(hc, url, hdrs, &body) != CP_OK) {
                        snprintf(errstr, errstr_size, "GET %s: libcurl "
                                 "refused the request's options", url);
                        goto out;
                }
                cc = curl_easy_perform(hc->hc_curl);
                if (body.hb_nomem)
                        goto nomem;
                curl_easy_getinfo(hc->hc_curl, CURLINFO_RESPONSE_CODE, &status);
                v = cp_http_classify(cc, status);
                if (cc != CURLE_OK && body.hb_too_large)
                        snprintf(what, sizeof(what), "the answer is larger "
                                 "than %zu bytes", body.hb_max);
                else if (cc != CURLE_OK)
                        snprintf(what, sizeof(what), "%s",
                                 hc->hc_curl_err[0] ? hc->hc_curl_err :
                                 curl_easy_strerror(cc));
                else
                        snprintf(what, sizeof(what), "HTTP %ld", status);
                if (v == CP_HTTP_DONE && status == 304 && !conditional) {
                        /* Not modified since what? A server bug. */
                        snprintf(what, sizeof(what), "HTTP 304 to a request "
                                 "without validators");
                        v = CP_HTTP_PERMANENT;
                }
                if (v == CP_HTTP_DONE) {
                        resp->hr_status = status;
                        resp->hr_attempts = a;
                        resp->hr_body = body.hb_buf ? body.hb_buf : strdup("");
                        resp->hr_len = body.hb_len;
                        body.hb_buf = NULL;
                        resp->hr_etag = cp_http_header(hc->hc_curl, "ETag");
                        resp->hr_last_modified =
                                cp_http_header(hc->hc_curl, "Last-Modified");
                        if (!resp->hr_body) {
                                cp_http_resp_free(resp);
                                goto nomem;
                        }
                        rc = CP_OK;
                        goto out;
                }
                if (v == CP_HTTP_PERMANENT) {
                        snprintf(errstr, errstr_size, "GET %s: %s (not "
                                 "retried: asking again would get the same "
                                 "answer)", url, what);
                        goto out;
                }
                if (a == attempts) {
                        snprintf(errstr, errstr_size, "GET %s: %s after %d "
                                 "attempt%s", url, what, a, a == 1 ? "" : "s");
                        goto out;
                }
                if (cc == CURLE_OK)
                        curl_easy_getinfo(hc->hc_curl, CURLINFO_RETRY_AFTER,
                                          &retry_after);
                {
                        long wait = cp_http_backoff_ms(
                                hc->hc_opts.ho_backoff_ms, a,
                                (long)retry_after, cp_http_rand(hc));

                        cp_log_warn("ingest", "HTTP_RETRY",
                                    "source=%s url=\"%s\" attempt=%d of=%d "
                                    "error=\"%s\" retry_after_s=%ld "
                                    "wait_ms=%ld", hc->hc_opts.ho_source,
                                    url, a, attempts, what, (long)retry_after,
                                    wait);
                        cp_http_sleep_ms(wait);
                }
        }
out:
        curl_slist_free_all(hdrs);
        free(body.hb_buf);
        return rc;
nomem:
        snprintf(errstr, errstr_size, "GET %s: out of memory", url);
        rc = CP_ERR_NOMEM;
        goto out;
}
