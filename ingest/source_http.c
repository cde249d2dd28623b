/*
 * Spooled HTTP pages (format http_json): each element of the record array
 * becomes a record, mapped as a JSON Lines object is.
 *
 * DESIGN: the page is read whole (pages are bounded, CP_HTTP_PAGE_MAX) and
 * parsed by http_page.c, which gives each element's bytes; each element
 * is then parsed on its own by the JSON Lines row parser and mapped by the
 * same function as a JSON Lines object (cp_jsonl_record), so keys match
 * columns alike in both formats, numbers keep their text, nested values
 * become compact JSON and null is an absent field.
 *
 * Positions: a record's file is the spooled page, its line the element's
 * 1-based index in the record array, its offset the byte offset of the
 * element's first byte in the page. A page that is not JSON, or has no
 * record array, becomes one reject with line 0 (the page as a whole),
 * the offset of the fault (0 when the path is missing) and the page's
 * first CP_JSONL_RAW_KEEP bytes as raw input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "http_page.h"
#include "http_spool.h"
#include "jsonl.h"
#include "source.h"

/* Reads fd whole into *buf (NUL-terminated); the caller closes fd. */
static int cp_http_slurp(cp_ingest_ctx_t *ic, int fd, char **bufp,
                         size_t *lenp)
{
        size_t len = 0, cap = 64 * 1024;
        char *buf = malloc(cap);

        if (!buf)
                return cp_ingest_nomem(ic);
        for (;;) {
                ssize_t r;

                if (len + 1 == cap) {
                        char *nb;

                        if (cap > CP_HTTP_PAGE_MAX) {
                                snprintf(ic->ic_errstr, ic->ic_errstr_size,
                                         "%s is larger than the %zu bytes a "
                                         "page may have", ic->ic_path,
                                         CP_HTTP_PAGE_MAX);
                                free(buf);
                                return CP_ERR_LIMIT;
                        }
                        nb = realloc(buf, cap * 2);
                        if (!nb) {
                                free(buf);
                                return cp_ingest_nomem(ic);
                        }
                        buf = nb;
                        cap *= 2;
                }
                r = read(fd, buf + len, cap - 1 - len);
                if (r == 0)
                        break;
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        snprintf(ic->ic_errstr, ic->ic_errstr_size,
                                 "reading %s: %s", ic->ic_path,
                                 strerror(errno));
                        free(buf);
                        return CP_ERR_IO;
                }
                len += (size_t)r;
        }
        buf[len] = '\0';
        *bufp = buf;
        *lenp = len;
        return CP_OK;
}

/* The whole page as one reject (see DESIGN). */
static int cp_http_page_reject(cp_ingest_ctx_t *ic, const cp_http_page_t *pg,
                               const char *buf, size_t len)
{
        cp_record_t *rec;
        int rc;

        if (len > CP_JSONL_RAW_KEEP)
                len = CP_JSONL_RAW_KEEP;
        rc = cp_ingest_rec_new(ic, &rec, 0, pg->hp_error_offset, buf, len);
        if (rc != CP_OK)
                return rc;
        cp_record_reject(ic->ic_bat, rec, pg->hp_error, -1, "%s", pg->hp_msg);
        cp_log_warn("ingest", "HTTP_PAGE_REJECTED", "source=%s file=\"%s\" "
                    "offset=%llu reason=%s msg=\"%s\"", ic->ic_src->src_id,
                    ic->ic_path, (unsigned long long)pg->hp_error_offset,
                    pg->hp_error, pg->hp_msg);
        return CP_OK;
}

static int cp_http_elements(cp_ingest_ctx_t *ic, const cp_http_page_t *pg,
                            const char *buf)
{
        const char *path = ic->ic_src->src_http->hc_records;
        /* The preset generation is checked on each URL's first page only:
         * every page of a portal has the same keys. */
        bool first = cp_spool_page_is_first(ic->ic_path);
        cp_jsonl_cache_t *jc = cp_jsonl_cache_new();
        cp_jsonl_t *jl = cp_jsonl_open_mem(NULL, 0);
        cp_jsonl_row_t row;
        int rc = CP_OK;

        if (!jl) {
                cp_jsonl_cache_free(jc);
                return cp_ingest_nomem(ic);
        }
        for (size_t k = 0; k < pg->hp_nrec && rc == CP_OK; k++) {
                size_t s = pg->hp_span[k][0], e = pg->hp_span[k][1];
                char what[160];

                snprintf(what, sizeof(what), "element %zu of %s", k + 1,
                         *path ? path : "the page");
                rc = cp_jsonl_parse_one(jl, buf + s, e - s, k + 1, s, what,
                                        &row);
                if (rc != CP_OK) {
                        rc = cp_ingest_nomem(ic);
                        break;
                }
                /* The page is JSON, so an element fails alone: as a
                 * non-object, or for what only its own parse refuses. */
                if (row.error && !strcmp(row.error, CP_JSONL_E_NOT_OBJECT))
                        row.error = CP_HTTP_E_NOT_OBJECT;
                else if (row.error)
                        row.error = CP_HTTP_E_ELEMENT;
                rc = cp_jsonl_record(ic, jc, &first, &row);
        }
        cp_jsonl_close(jl);
        cp_jsonl_cache_free(jc);
        return rc;
}

int cp_ingest_http_page(cp_ingest_ctx_t *ic, int fd)
{
        cp_http_page_t pg;
        char *buf = NULL;
        size_t len = 0;
        int rc;

        rc = cp_http_slurp(ic, fd, &buf, &len);
        close(fd);
        if (rc != CP_OK)
                return rc;
        if (cp_http_page_parse(&pg, buf, len,
                               ic->ic_src->src_http->hc_records) != CP_OK)
                rc = cp_ingest_nomem(ic);
        else if (pg.hp_error)
                rc = cp_http_page_reject(ic, &pg, buf, len);
        else
                rc = cp_http_elements(ic, &pg, buf);
        cp_http_page_free(&pg);
        free(buf);
        return rc;
}
