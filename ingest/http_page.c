/*
 * HTTP page parser (see http_page.h for what and why).
 *
 * DESIGN: two passes over the page. jansson validates it (and is then
 * freed: its tree is never needed, only the verdict and the error
 * position), and a walk with the token skippers of jsontok.h locates the
 * path and the element spans. The walk is exact on text jansson accepted,
 * because jansson accepted it with the same flags the walk assumes; the
 * fuzz target (tests/fuzz/fuzz_http_page.c) checks the walk against
 * jansson's own tree.
 */
#include "http_page.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/err.h"
#include "jsontok.h"

/* Page-level check: numbers past 64-bit integers are read as reals (a
 * 20-digit identifier is still JSON), \u0000 and repeated keys are left
 * to each element's own parse, which rejects that element alone. */
#define CP_HTTP_PAGE_FLAGS \
        (JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL)

void cp_http_page_free(cp_http_page_t *pg)
{
        free(pg->hp_span);
        pg->hp_span = NULL;
        pg->hp_cap = 0;
        pg->hp_nrec = 0;
}

/* Whether the key token p[0..n) (quotes included) is seg[0..seglen). */
static bool cp_http_key_is(const unsigned char *p, size_t n, const char *seg,
                           size_t seglen)
{
        json_t *k;
        bool same;

        if (!memchr(p, '\\', n))
                return n - 2 == seglen && memcmp(p + 1, seg, seglen) == 0;
        /* Escaped (\u6570\u636e for 数据): let jansson unescape it. */
        k = json_loadb((const char *)p, n, CP_HTTP_PAGE_FLAGS, NULL);
        same = k && json_string_length(k) == seglen &&
               memcmp(json_string_value(k), seg, seglen) == 0;
        json_decref(k);
        return same;
}

static bool cp_http_seg_index(const char *seg, size_t seglen, size_t *idx)
{
        size_t v = 0;

        if (seglen == 0 || seglen > 9)
                return false;
        for (size_t i = 0; i < seglen; i++) {
                if (seg[i] < '0' || seg[i] > '9')
                        return false;
                v = v * 10 + (size_t)(seg[i] - '0');
        }
        *idx = v;
        return true;
}

/* In the object at p[i], the value of the last member named seg.
 * @returns its start, or SIZE_MAX when there is none. */
static size_t cp_http_member(const unsigned char *p, size_t n, size_t i,
                             const char *seg, size_t seglen)
{
        size_t found = SIZE_MAX;

        i = cp_json_skip_ws(p, n, i + 1);
        while (i < n && p[i] == '"') {
                size_t ks = i, ke = cp_json_skip_str(p, n, i), vs;

                i = cp_json_skip_ws(p, n, ke);
                if (i >= n || p[i] != ':')
                        return SIZE_MAX;
                vs = cp_json_skip_ws(p, n, i + 1);
                if (cp_http_key_is(p + ks, ke - ks, seg, seglen))
                        found = vs;
                i = cp_json_skip_ws(p, n, cp_json_skip_value(p, n, vs));
                if (i >= n || p[i] != ',')
                        break;
                i = cp_json_skip_ws(p, n, i + 1);
        }
        return found;
}

/* In the array at p[i], the start of element idx, or SIZE_MAX. */
static size_t cp_http_element(const unsigned char *p, size_t n, size_t i,
                              size_t idx)
{
        i = cp_json_skip_ws(p, n, i + 1);
        if (i < n && p[i] == ']')
                return SIZE_MAX;
        for (size_t k = 0; i < n; k++) {
                if (k == idx)
                        return i;
                i = cp_json_skip_ws(p, n, cp_json_skip_value(p, n, i));
                if (i >= n || p[i] != ',')
                        return SIZE_MAX;
                i = cp_json_skip_ws(p, n, i + 1);
        }
        return SIZE_MAX;
}

static const char *cp_http_kind(unsigned char c)
{
        switch (c) {
        case '{': return "an object";
        case '[': return "an array";
        case '"': return "a string";
        case 't':
        case 'f': return "a boolean";
        case 'n': return "null";
        default: return "a number";
        }
}

/*
 * Follows path from the page's value. @returns the start of the value
 * found, or SIZE_MAX with why set (the first segment that fails).
 */
static size_t cp_http_find(const cp_http_page_t *pg, const char *path,
                           char *why, size_t why_size)
{
        const unsigned char *p = pg->hp_buf;
        size_t n = pg->hp_len, i = cp_json_skip_ws(p, n, pg->hp_start);
        const char *seg = path;

        while (*seg) {
                size_t seglen = strcspn(seg, "."), next = SIZE_MAX, idx;
                int w = (int)(seg - path);

                if (i < n && p[i] == '{')
                        next = cp_http_member(p, n, i, seg, seglen);
                else if (i < n && p[i] == '[' &&
                         cp_http_seg_index(seg, seglen, &idx))
                        next = cp_http_element(p, n, i, idx);
                if (next == SIZE_MAX) {
                        char where[128];

                        if (w)
                                snprintf(where, sizeof(where), "'%.*s'",
                                         w - 1, path);
                        else
                                snprintf(where, sizeof(where), "the page");
                        if (i < n && (p[i] == '{' || p[i] == '['))
                                snprintf(why, why_size, "%s has no %s '%.*s'",
                                         where, p[i] == '{' ? "member" :
                                         "element", (int)seglen, seg);
                        else
                                snprintf(why, why_size, "%s is %s", where,
                                         i < n ? cp_http_kind(p[i]) :
                                         "empty");
                        return SIZE_MAX;
                }
                i = next;
                seg += seglen;
                if (*seg == '.')
                        seg++;
        }
        return i;
}

static int cp_http_add_span(cp_http_page_t *pg, size_t s, size_t e)
{
        if (pg->hp_nrec == pg->hp_cap) {
                size_t cap = pg->hp_cap ? pg->hp_cap * 2 : 64;
                size_t (*sp)[2] = realloc(pg->hp_span, cap * sizeof(*sp));

                if (!sp)
                        return CP_ERR_NOMEM;
                pg->hp_span = sp;
                pg->hp_cap = cap;
        }
        pg->hp_span[pg->hp_nrec][0] = s;
        pg->hp_span[pg->hp_nrec][1] = e;
        pg->hp_nrec++;
        return CP_OK;
}

/* Records the elements of the array at p[i]. */
static int cp_http_spans(cp_http_page_t *pg, size_t i)
{
        const unsigned char *p = pg->hp_buf;
        size_t n = pg->hp_len;

        i = cp_json_skip_ws(p, n, i + 1);
        if (i < n && p[i] == ']')
                return CP_OK;
        while (i < n) {
                size_t e = cp_json_skip_value(p, n, i);

                if (cp_http_add_span(pg, i, e) != CP_OK)
                        return CP_ERR_NOMEM;
                i = cp_json_skip_ws(p, n, e);
                if (i >= n || p[i] != ',')
                        break;
                i = cp_json_skip_ws(p, n, i + 1);
        }
        return CP_OK;
}

int cp_http_page_parse(cp_http_page_t *pg, const char *buf, size_t len,
                       const char *path)
{
        json_error_t err;
        json_t *root;
        char why[256];
        size_t at;

        memset(pg, 0, sizeof(*pg));
        pg->hp_buf = (const unsigned char *)buf;
        pg->hp_len = len;
        if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
                pg->hp_start = 3;
        root = json_loadb(buf + pg->hp_start, len - pg->hp_start,
                          CP_HTTP_PAGE_FLAGS, &err);
        if (!root) {
                /* jansson's position is just past the byte it stopped at. */
                pg->hp_error = CP_HTTP_E_PAGE_PARSE;
                pg->hp_error_offset = pg->hp_start +
                                      (err.position > 0 ?
                                       (uint64_t)err.position - 1 : 0);
                snprintf(pg->hp_msg, sizeof(pg->hp_msg),
                         "the page is not JSON: byte %llu (line %d column "
                         "%d): %s", (unsigned long long)pg->hp_error_offset,
                         err.line, err.column, err.text);
                return CP_OK;
        }
        json_decref(root);
        at = cp_http_find(pg, path, why, sizeof(why));
        if (at == SIZE_MAX || pg->hp_buf[at] != '[') {
                if (at != SIZE_MAX && pg->hp_buf[at] == 'n')
                        return CP_OK;  /* null: no records */
                pg->hp_error = CP_HTTP_E_NO_RECORDS;
                pg->hp_error_offset = at == SIZE_MAX ? 0 : at;
                if (at == SIZE_MAX)
                        snprintf(pg->hp_msg, sizeof(pg->hp_msg),
                                 "no record array at '%s': %s", path, why);
                else
                        snprintf(pg->hp_msg, sizeof(pg->hp_msg),
                                 "%s%s%s is %s at byte %zu, not an array of "
                                 "records", *path ? "'" : "the page", path,
                                 *path ? "'" : "",
                                 cp_http_kind(pg->hp_buf[at]), at);
                return CP_OK;
        }
        return cp_http_spans(pg, at);
}

int cp_http_page_scalar(const cp_http_page_t *pg, const char *path,
                        char **out)
{
        const unsigned char *p = pg->hp_buf;
        char why[256];
        size_t at, end;
        json_t *v;

        *out = NULL;
        if (pg->hp_error && !strcmp(pg->hp_error, CP_HTTP_E_PAGE_PARSE))
                return 0;
        at = cp_http_find(pg, path, why, sizeof(why));
        if (at == SIZE_MAX || p[at] == 'n')
                return 0;
        if (p[at] == '{' || p[at] == '[' || p[at] == 't' || p[at] == 'f')
                return CP_ERR_PARSE;
        end = cp_json_skip_value(p, pg->hp_len, at);
        if (p[at] != '"') {
                /* A number: its text as written, not through a double. */
                *out = strndup((const char *)p + at, end - at);
                return *out ? 1 : CP_ERR_NOMEM;
        }
        v = json_loadb((const char *)p + at, end - at, CP_HTTP_PAGE_FLAGS,
                       NULL);
        if (!v)
                return CP_ERR_NOMEM;  /* cannot be: the page was checked */
        /* A cursor is a query-string value: \u0000 cannot travel in it. */
        if (json_string_length(v) == 0 ||
            strlen(json_string_value(v)) != json_string_length(v)) {
                int rc = json_string_length(v) ? CP_ERR_PARSE : 0;

                json_decref(v);
                return rc;
        }
        *out = strdup(json_string_value(v));
        json_decref(v);
        return *out ? 1 : CP_ERR_NOMEM;
}
