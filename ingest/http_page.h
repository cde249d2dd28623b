/*
 * HTTP pages: the record array (and the next cursor) of one JSON page.
 *
 * DESIGN: a portal answers a page request with a JSON envelope such as
 * {"code":0,"data":{"total":1234,"list":[{...},{...}]}}; the source names
 * the record array by a dotted path (`records: data.list`). The parser
 * works on a byte buffer and does no I/O, so the spooled file, the fetch
 * loop and the fuzzer all use it alike.
 *
 * jansson first checks the whole page, so a page that is not JSON is
 * caught with the byte offset of the fault (one reject for the page).
 * Then a structural walk of the same bytes (jsontok.h) follows the path
 * and records where each element of the array starts and ends: ingest
 * needs each element's own bytes (its raw input and offset, and numbers
 * as written) and parses each one again on its own, so that a bad element
 * (a repeated key, a \u0000) rejects that element only. The page check
 * therefore allows repeated keys and \u0000; where a key repeats along
 * the path, the last one counts, as in jansson.
 *
 * Path segments are object keys, compared after unescaping; a segment of
 * digits indexes an array (`result.0.rows`). A key that holds a dot cannot
 * be named. The record array may be null (an empty page, as some portals
 * write past the last page).
 */
#ifndef CP_INGEST_HTTP_PAGE_H
#define CP_INGEST_HTTP_PAGE_H

#include <stddef.h>
#include <stdint.h>

/* Reject codes of HTTP pages (stable, static storage). */
/* The page is not JSON; the reject names the byte where parsing failed. */
#define CP_HTTP_E_PAGE_PARSE "http_page_parse_error"
/* The page is JSON without an array at the record path. */
#define CP_HTTP_E_NO_RECORDS "http_records_missing"
/* An element of the record array is not an object. */
#define CP_HTTP_E_NOT_OBJECT "http_not_object"
/* An element repeats a key or holds \u0000. */
#define CP_HTTP_E_ELEMENT "http_element_parse_error"

/* Largest page fetched or read, in bytes: as a JSON Lines line, because
 * jansson's tree of a page takes several times the page's size. */
#define CP_HTTP_PAGE_MAX ((size_t)16 * 1024 * 1024)

typedef struct cp_http_page_s {
        const unsigned char *hp_buf;  /* borrowed from the caller */
        size_t hp_len;
        size_t hp_start;              /* past a UTF-8 BOM, else 0 */
        size_t hp_nrec;               /* elements of the record array */
        size_t (*hp_span)[2];         /* per element: [start, end) in hp_buf */
        size_t hp_cap;
        /* NULL, CP_HTTP_E_PAGE_PARSE or CP_HTTP_E_NO_RECORDS. */
        const char *hp_error;
        uint64_t hp_error_offset;     /* byte of hp_buf the error is at */
        char hp_msg[384];             /* for an error: what and where */
} cp_http_page_t;

/**
 * @brief Parses a page and finds the elements of its record array.
 * @param buf borrowed: spans point into it, so it must outlive pg's use
 * @param path dotted path of the record array, "" for the page itself
 * @returns CP_OK, with hp_error set when the page is not JSON or has no
 *          array at path; or CP_ERR_NOMEM.
 * @owns *pg's spans: free with cp_http_page_free(), even after an error.
 */
int cp_http_page_parse(cp_http_page_t *pg, const char *buf, size_t len,
                       const char *path);

/**
 * @brief The scalar at path of a parsed page, as text: a string's value, a
 * number's text as written. For the next cursor.
 * @returns 1 with *out set (malloc'd), 0 when the path is missing or holds
 *          null or an empty string, CP_ERR_PARSE when it holds an object,
 *          an array or a boolean, or CP_ERR_NOMEM.
 */
int cp_http_page_scalar(const cp_http_page_t *pg, const char *path,
                        char **out);

/** @brief Frees what cp_http_page_parse() allocated; pg itself is not. */
void cp_http_page_free(cp_http_page_t *pg);

#endif
