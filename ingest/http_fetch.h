/*
 * One HTTP GET, done reliably: conditional, bounded, retried.
 *
 * DESIGN: a thin layer over one libcurl easy handle per source (reused,
 * so pages of one portal share a kept-alive connection). A request may
 * carry the validators of the copy we hold (If-None-Match,
 * If-Modified-Since); the answer is the page, or 304 "not modified", or
 * an error. Failures are sorted in two: transient ones (cannot connect,
 * timeouts, a connection cut mid-answer, 408, 429 and 5xx) are retried
 * with exponential back-off and jitter, waiting at least what a
 * Retry-After header asks; permanent ones (any other 4xx, an answer over
 * CP_HTTP_PAGE_MAX bytes, a TLS certificate that does not verify, a
 * redirect to another scheme) fail at once, because asking again would
 * get the same answer. Only http and https are spoken, redirects
 * included. libcurl is told not to use signals, as it runs on ingest
 * threads.
 *
 * The decisions are plain functions (cp_http_classify, cp_http_backoff_ms)
 * so that unit tests check them without a network.
 */
#ifndef CP_INGEST_HTTP_FETCH_H
#define CP_INGEST_HTTP_FETCH_H

#include <stddef.h>
#include <stdint.h>

/* Longest wait between two attempts: back-off stops doubling here. */
#define CP_HTTP_BACKOFF_CAP_MS 60000L
/* Longest wait a Retry-After header gets: a portal asking for an hour
 * would stall the run, so it gets five minutes per attempt. */
#define CP_HTTP_RETRY_AFTER_CAP_MS 300000L

typedef struct cp_http_opts_s {
        int ho_timeout_ms;    /* per attempt, connecting included */
        int ho_retries;       /* attempts after the first, transient only */
        int ho_backoff_ms;    /* wait before the first retry */
        size_t ho_max_body;   /* larger answers fail (CP_HTTP_PAGE_MAX) */
        const char *ho_source;  /* source id, for log lines */
} cp_http_opts_t;

typedef struct cp_http_resp_s {
        long hr_status;          /* 2xx or 304 */
        char *hr_body;           /* NUL-terminated; empty for 304 */
        size_t hr_len;
        char *hr_etag;           /* the answer's validators, or NULL */
        char *hr_last_modified;
        int hr_attempts;         /* 1 when the first attempt succeeded */
} cp_http_resp_t;

typedef enum cp_http_verdict_e {
        CP_HTTP_DONE = 0,        /* an answer to use: 2xx or 304 */
        CP_HTTP_TRANSIENT = 1,   /* worth asking again */
        CP_HTTP_PERMANENT = 2,   /* asking again gets the same */
} cp_http_verdict_t;

typedef struct cp_http_client_s cp_http_client_t;

/**
 * @brief Sorts the outcome of one attempt.
 * @param curl_code the CURLcode of the transfer (0: an answer came)
 * @param status the HTTP status of that answer
 */
cp_http_verdict_t cp_http_classify(int curl_code, long status);

/**
 * @brief The wait before retry number `retry` (1 for the first retry):
 * base_ms doubled per retry up to CP_HTTP_BACKOFF_CAP_MS, then a random
 * point in its upper half (jitter, so that sources failing together do
 * not retry together), and at least retry_after_s seconds when the answer
 * asked for that, up to CP_HTTP_RETRY_AFTER_CAP_MS.
 * @param rnd a random number
 * @param retry_after_s the Retry-After of the answer in seconds, or 0
 */
long cp_http_backoff_ms(int base_ms, int retry, long retry_after_s,
                        uint64_t rnd);

/**
 * @brief A client for one source's requests. Initialises libcurl once per
 * process.
 * @returns the client, or NULL with errstr set. @owns the result.
 */
cp_http_client_t *cp_http_client_new(const cp_http_opts_t *opts,
                                     char *errstr, size_t errstr_size);

/** @brief Frees a client. NULL is a no-op. */
void cp_http_client_destroy(cp_http_client_t *hc);

/**
 * @brief GETs url, retrying transient failures as the options say.
 * @param etag, last_modified the validators of the copy held, or NULL:
 *        sent as If-None-Match and If-Modified-Since
 * @returns CP_OK with resp filled (2xx, or 304 when a validator was sent);
 *          CP_ERR_IO with errstr naming the URL and the status or error
 *          (and the attempts made); or CP_ERR_NOMEM.
 * @owns resp's strings on CP_OK: free with cp_http_resp_free().
 */
int cp_http_get(cp_http_client_t *hc, const char *url, const char *etag,
                const char *last_modified, cp_http_resp_t *resp,
                char *errstr, size_t errstr_size);

/** @brief Frees what cp_http_get() put in resp. */
void cp_http_resp_free(cp_http_resp_t *resp);

#endif
