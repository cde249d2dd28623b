/*
 * Fuzz target for the HTTP page parser (ingest/http_page.c) and the page
 * reader (ingest/source_http.c).
 *
 * DESIGN: the input's first line holds the record path and, after a space,
 * a cursor path; the rest is the page. The parser's structural walk is
 * checked against jansson's own tree of the same page: the page is JSON
 * exactly when jansson says so, the array found has as many elements as
 * jansson's array at that path, each element's bytes parse alone to a
 * value equal to jansson's element (which catches a span cut in the wrong
 * place), and a cursor's text parses back to jansson's value. Then the
 * page goes through cp_ingest_file as a spooled page would: one record per
 * element, or one reject for the page.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "core/err.h"
#include "core/field.h"
#include "ingest/http_page.h"
#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CP_FUZZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define CP_FUZZ_FLAGS \
        (JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL)

/* jansson's value at a dotted path, with the parser's rules: keys by
 * their unescaped bytes, the last of repeated keys, digits index arrays. */
static json_t *cp_fuzz_at(json_t *v, const char *path)
{
        const char *seg = path;

        while (*seg && v) {
                size_t n = strcspn(seg, ".");

                if (json_is_object(v)) {
                        v = json_object_getn(v, seg, n);
                } else if (json_is_array(v) && n >= 1 && n <= 9 &&
                           strspn(seg, "0123456789") >= n) {
                        v = json_array_get(v, strtoul(seg, NULL, 10));
                } else {
                        v = NULL;
                }
                seg += n;
                if (*seg == '.')
                        seg++;
        }
        return v;
}

static void cp_fuzz_check_page(const cp_http_page_t *pg, const char *page,
                               size_t len, const char *path, const char *next)
{
        json_t *root, *arr, *cur;
        size_t start = pg->hp_start, prev_end;
        char *text = NULL;
        int rc;

        root = json_loadb(page + start, len - start, CP_FUZZ_FLAGS, NULL);
        CP_FUZZ_CHECK(!root == (pg->hp_error &&
                                !strcmp(pg->hp_error, CP_HTTP_E_PAGE_PARSE)));
        CP_FUZZ_CHECK(pg->hp_error_offset <= len);
        if (!root)
                return;
        arr = cp_fuzz_at(root, path);
        if (pg->hp_error) {
                CP_FUZZ_CHECK(!arr || (!json_is_array(arr) && !json_is_null(arr)));
        } else {
                CP_FUZZ_CHECK(arr && (json_is_array(arr) || json_is_null(arr)));
                CP_FUZZ_CHECK(json_array_size(arr) == pg->hp_nrec);
        }
        prev_end = start;
        for (size_t k = 0; !pg->hp_error && k < pg->hp_nrec; k++) {
                size_t s = pg->hp_span[k][0], e = pg->hp_span[k][1];
                json_t *one;

                CP_FUZZ_CHECK(prev_end <= s && s < e && e <= len);
                prev_end = e;
                one = json_loadb(page + s, e - s, CP_FUZZ_FLAGS, NULL);
                CP_FUZZ_CHECK(one && json_equal(one, json_array_get(arr, k)));
                json_decref(one);
        }
        cur = cp_fuzz_at(root, next);
        rc = cp_http_page_scalar(pg, next, &text);
        if (rc == 1) {
                CP_FUZZ_CHECK(cur && text && *text);
                if (json_is_string(cur)) {
                        CP_FUZZ_CHECK(!strcmp(text, json_string_value(cur)));
                } else {
                        json_t *back = json_loadb(text, strlen(text),
                                                  CP_FUZZ_FLAGS, NULL);

                        CP_FUZZ_CHECK(json_is_number(cur) &&
                                      json_equal(back, cur));
                        json_decref(back);
                }
        } else if (rc == 0) {
                CP_FUZZ_CHECK(!cur || json_is_null(cur) ||
                              (json_is_string(cur) &&
                               json_string_length(cur) == 0));
        } else {
                CP_FUZZ_CHECK(rc == CP_ERR_PARSE && cur);
        }
        free(text);
        json_decref(root);
}

static size_t cp_fuzz_nrec;

static int cp_fuzz_emit(void *opaque, cp_batch_t *bat)
{
        (void)opaque;
        for (size_t i = 0; i < bat->bat_n; i++)
                CP_FUZZ_CHECK(bat->bat_rec[i].rec_raw != NULL);
        cp_fuzz_nrec += bat->bat_n;
        cp_batch_destroy(bat);
        return CP_OK;
}

static cp_column_map_t cp_fuzz_cols[] = {
        { "name", CP_F_SUBJECT_NAME },
        { "CF_WSH", CP_F_DOCUMENT_NUMBER },
};

static void cp_fuzz_ingest(const cp_http_page_t *pg, const char *page,
                           size_t len, const char *path)
{
        cp_http_conf_t hc = { .hc_records = (char *)path };
        cp_source_conf_t src = {
                .src_id = "fuzz",
                .src_format = CP_FMT_HTTP_JSON,
                .src_columns = cp_fuzz_cols,
                .src_ncolumns = 2,
                .src_keep_unmapped = true,
                .src_http = &hc,
        };
        char fpath[64], err[512] = "";
        int fd, rc;

        fd = memfd_create("fuzz_http_page", 0);
        CP_FUZZ_CHECK(fd >= 0);
        CP_FUZZ_CHECK(write(fd, page, len) == (ssize_t)len);
        snprintf(fpath, sizeof(fpath), "/proc/self/fd/%d", fd);
        cp_fuzz_nrec = 0;
        rc = cp_ingest_file(&src, 0, fpath, 5, cp_fuzz_emit, NULL, err,
                            sizeof(err));
        CP_FUZZ_CHECK(rc == CP_OK);
        CP_FUZZ_CHECK(cp_fuzz_nrec == (pg->hp_error ? 1 : pg->hp_nrec));
        close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *nl = memchr(data, '\n', size < 128 ? size : 128);
        char head[129], *next;
        cp_http_page_t pg;
        const char *page;
        size_t len;

        if (!nl)
                return 0;
        memcpy(head, data, (size_t)(nl - (const char *)data));
        head[nl - (const char *)data] = '\0';
        /* Paths are C strings from the configuration: no NUL inside. */
        if (strlen(head) != (size_t)(nl - (const char *)data))
                return 0;
        next = strchr(head, ' ');
        if (next)
                *next++ = '\0';
        else
                next = "next";
        page = nl + 1;
        len = size - (size_t)(page - (const char *)data);
        CP_FUZZ_CHECK(cp_http_page_parse(&pg, page, len, head) == CP_OK);
        cp_fuzz_check_page(&pg, page, len, head, next);
        cp_fuzz_ingest(&pg, page, len, head);
        cp_http_page_free(&pg);
        return 0;
}
