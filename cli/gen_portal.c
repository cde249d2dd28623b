/*
 * Writing the generated portal's pages and truth (see gen_portal.h).
 *
 * DESIGN: a second pass over feeds written already, so the feed writer
 * stays as it was and the pages hold the feed's bytes. A page is built in
 * memory (a page is small: tens of elements) and written whole; the map
 * from a feed line to its page and element is kept for the truth, 8 bytes
 * a line. The truth is rewritten through jansson: it is a few hundred
 * kilobytes at most, and its numbers (rates as doubles) survive the round
 * trip exactly.
 */
#include "gen_portal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <xxhash.h>

#include "gen_source.h"

static const cp_gen_portal_t cp_gen_portals[] = {
        {"court_defaulters", false, 40, "data.list", NULL},
        {"court_defaulters_org", true, 25, "result.items", "result.next"},
};
#define CP_GEN_NPORTALS (int)(sizeof(cp_gen_portals) / sizeof(cp_gen_portals[0]))

/* The reason of a feed line that is not JSON, and of its page element. */
#define CP_GEN_JSONL_BAD "jsonl_parse_error"
#define CP_GEN_HTTP_NOT_OBJECT "http_not_object"

const cp_gen_portal_t *cp_gen_portal_of(const char *src_id)
{
        for (int i = 0; i < CP_GEN_NPORTALS; i++)
                if (!strcmp(cp_gen_portals[i].pt_source, src_id))
                        return &cp_gen_portals[i];
        return NULL;
}

void cp_gen_portal_conf(FILE *fp, const cp_gen_portal_t *pt)
{
        fputs("    format: http_json\n    http:\n", fp);
        if (pt->pt_cursor)
                fprintf(fp, "      url: \"@PORTAL@/%s?limit=%d\"\n"
                        "      records: %s\n"
                        "      pagination: {mode: cursor, next: %s, param: cursor}\n",
                        pt->pt_source, pt->pt_page_size, pt->pt_records, pt->pt_next);
        else
                fprintf(fp, "      url: \"@PORTAL@/%s?pageNo={page}&pageSize=%d\"\n"
                        "      records: %s\n"
                        "      pagination: {mode: page, first: 1}\n",
                        pt->pt_source, pt->pt_page_size, pt->pt_records);
        /* Short waits: the test portal answers 500 and 429 now and then. */
        fputs("      retries: 5\n      backoff_ms: 100\n      timeout_ms: 10000\n", fp);
}

/* The cursor that asks for page n (n >= 2): bytes a query string must
 * percent-encode (+ / = and a space), as base64 tokens have. */
static void cp_gen_portal_token(const cp_gen_portal_t *pt, int n, char *out, size_t size)
{
        uint64_t h = XXH64(pt->pt_source, strlen(pt->pt_source), (uint64_t)n);

        snprintf(out, size, "p%d+%012" PRIx64 "/ =", n, h & UINT64_C(0xffffffffffff));
}

typedef struct cp_gen_pmap_s {
        uint32_t pm_page;          /* 0: a blank line */
        uint32_t pm_elem;
} cp_gen_pmap_t;

typedef struct cp_gen_pw_s {
        const cp_gen_portal_t *pw_pt;
        char pw_dir[4096];
        char *pw_buf;              /* the page being built */
        size_t pw_len, pw_cap;
        int pw_page;               /* its number */
        int pw_n;                  /* its elements */
        cp_gen_pmap_t *pw_map;     /* by feed line - 1 */
        size_t pw_nmap, pw_capmap;
        json_t *pw_cursors;        /* index.json: the token of each page */
} cp_gen_pw_t;

static int cp_gen_pw_put(cp_gen_pw_t *pw, const char *s, size_t n)
{
        if (pw->pw_len + n + 1 > pw->pw_cap) {
                size_t cap = (pw->pw_len + n + 1) * 2;
                char *b = realloc(pw->pw_buf, cap);

                if (!b)
                        return -1;
                pw->pw_buf = b;
                pw->pw_cap = cap;
        }
        memcpy(pw->pw_buf + pw->pw_len, s, n);
        pw->pw_len += n;
        pw->pw_buf[pw->pw_len] = '\0';
        return 0;
}

static int cp_gen_pw_puts(cp_gen_pw_t *pw, const char *s)
{
        return cp_gen_pw_put(pw, s, strlen(s));
}

static int cp_gen_pw_open(cp_gen_pw_t *pw)
{
        char head[128];

        pw->pw_page++;
        pw->pw_n = 0;
        pw->pw_len = 0;
        if (pw->pw_pt->pt_cursor)
                return cp_gen_pw_puts(pw, "{\"success\":true,\"result\":{\"items\":[\n");
        /* The page number in the envelope, as such portals echo it. */
        snprintf(head, sizeof(head), "{\"code\":0,\"msg\":\"操作成功\",\"data\":{"
                 "\"pageNo\":%d,\"list\":[\n", pw->pw_page);
        return cp_gen_pw_puts(pw, head);
}

/* Ends the page being built and writes it; `last`: no page follows. */
static int cp_gen_pw_close(cp_gen_pw_t *pw, bool last, char *errstr, size_t errstr_size)
{
        const cp_gen_portal_t *pt = pw->pw_pt;
        char tail[160], tok[64], path[4200];
        FILE *fp;
        int ok;

        if (pt->pt_cursor) {
                json_t *next;
                char *enc = NULL;

                cp_gen_portal_token(pt, pw->pw_page + 1, tok, sizeof(tok));
                next = last ? json_null() : json_string(tok);
                enc = json_dumps(next, JSON_ENCODE_ANY);
                snprintf(tail, sizeof(tail), "\n],\"next\":%s}}\n", enc ? enc : "null");
                free(enc);
                json_decref(next);
                if (!last && json_array_append_new(pw->pw_cursors, json_string(tok)))
                        return -1;
        } else {
                snprintf(tail, sizeof(tail), "\n]}}\n");
        }
        if (cp_gen_pw_puts(pw, tail))
                return -1;
        snprintf(path, sizeof(path), "%s/page-%d.json", pw->pw_dir, pw->pw_page);
        fp = fopen(path, "wb");
        ok = fp && fwrite(pw->pw_buf, 1, pw->pw_len, fp) == pw->pw_len;
        if (fp && fclose(fp))
                ok = 0;
        if (!ok) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                return -2;
        }
        return 0;
}

static int cp_gen_pw_map(cp_gen_pw_t *pw, uint32_t page, uint32_t elem)
{
        if (pw->pw_nmap == pw->pw_capmap) {
                size_t cap = pw->pw_capmap ? pw->pw_capmap * 2 : 4096;
                cp_gen_pmap_t *m = realloc(pw->pw_map, cap * sizeof(*m));

                if (!m)
                        return -1;
                pw->pw_map = m;
                pw->pw_capmap = cap;
        }
        pw->pw_map[pw->pw_nmap++] = (cp_gen_pmap_t){ page, elem };
        return 0;
}

/* One element: the line itself when it is a JSON object, else the line as
 * a JSON string (see gen_portal.h). */
static int cp_gen_pw_element(cp_gen_pw_t *pw, const char *line, size_t len)
{
        json_t *j = json_loadb(line, len, 0, NULL);
        int rc;

        if (pw->pw_n && cp_gen_pw_puts(pw, ",\n"))
                rc = -1;
        else if (json_is_object(j))
                rc = cp_gen_pw_put(pw, line, len);
        else {
                json_t *s = json_stringn(line, len);
                char *enc = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;

                rc = enc ? cp_gen_pw_puts(pw, enc) : -1;
                free(enc);
                json_decref(s);
        }
        json_decref(j);
        pw->pw_n++;
        return rc;
}

static int cp_gen_portal_pages(cp_gen_pw_t *pw, const char *dir, char *errstr,
                               size_t errstr_size)
{
        const cp_gen_source_t *src = NULL;
        char path[4200], *line = NULL;
        size_t cap = 0;
        ssize_t n;
        FILE *in;
        int rc = 0;

        for (int s = 0; s < cp_gen_nsources; s++)
                if (!strcmp(cp_gen_sources[s].src_id, pw->pw_pt->pt_source))
                        src = &cp_gen_sources[s];
        if (!src || src->src_format != CP_GEN_JSONL) {
                snprintf(errstr, errstr_size, "portal %s: no JSON Lines feed of that id",
                         pw->pw_pt->pt_source);
                return -1;
        }
        snprintf(path, sizeof(path), "%s/feeds/%s", dir, src->src_file);
        if (!(in = fopen(path, "rb"))) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                return -1;
        }
        if (cp_gen_pw_open(pw))
                rc = -1;
        while (!rc && (n = getline(&line, &cap, in)) >= 0) {
                size_t len = (size_t)n;

                if (len && line[len - 1] == '\n')
                        len--;
                if (!len) {
                        rc = cp_gen_pw_map(pw, 0, 0);
                        continue;
                }
                if (pw->pw_n == pw->pw_pt->pt_page_size &&
                    ((rc = cp_gen_pw_close(pw, false, errstr, errstr_size)) ||
                     (rc = cp_gen_pw_open(pw))))
                        break;
                rc = cp_gen_pw_element(pw, line, len);
                if (!rc)
                        rc = cp_gen_pw_map(pw, (uint32_t)pw->pw_page, (uint32_t)pw->pw_n);
        }
        if (!rc && ferror(in)) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                rc = -2;
        }
        /* Paging by number ends at an empty page, as such portals do. */
        if (!rc && !pw->pw_pt->pt_cursor)
                rc = cp_gen_pw_close(pw, false, errstr, errstr_size);
        if (!rc && !pw->pw_pt->pt_cursor)
                rc = cp_gen_pw_open(pw);
        if (!rc)
                rc = cp_gen_pw_close(pw, true, errstr, errstr_size);
        if (rc == -1)
                snprintf(errstr, errstr_size, "out of memory writing portal %s",
                         pw->pw_pt->pt_source);
        free(line);
        fclose(in);
        return rc ? -1 : 0;
}

/* truth.json's rejects of a portal source, moved to its pages. */
static void cp_gen_portal_truth_rejects(json_t *truth, const cp_gen_pw_t *pw)
{
        const char *id = pw->pw_pt->pt_source;
        json_t *r, *src;
        size_t i;
        int moved = 0;

        json_array_foreach(json_object_get(truth, "rejects"), i, r) {
                json_int_t line = json_integer_value(json_object_get(r, "line"));
                char file[160];

                if (strcmp(json_string_value(json_object_get(r, "source")), id) ||
                    line < 1 || (size_t)line > pw->pw_nmap)
                        continue;
                snprintf(file, sizeof(file), "portal/%s/page-%u.json", id,
                         pw->pw_map[line - 1].pm_page);
                json_object_set_new(r, "file", json_string(file));
                json_object_set_new(r, "line", json_integer(pw->pw_map[line - 1].pm_elem));
                if (!strcmp(json_string_value(json_object_get(r, "reason")),
                            CP_GEN_JSONL_BAD)) {
                        json_object_set_new(r, "reason", json_string(CP_GEN_HTTP_NOT_OBJECT));
                        moved++;
                }
        }
        json_array_foreach(json_object_get(truth, "sources"), i, src) {
                json_t *by;

                if (strcmp(json_string_value(json_object_get(src, "source")), id))
                        continue;
                by = json_object_get(src, "rejects_by_reason");
                if (moved) {
                        json_int_t was = json_integer_value(json_object_get(by,
                                                                            CP_GEN_JSONL_BAD));

                        if (was == moved)
                                json_object_del(by, CP_GEN_JSONL_BAD);
                        else
                                json_object_set_new(by, CP_GEN_JSONL_BAD,
                                                    json_integer(was - moved));
                        json_object_set_new(by, CP_GEN_HTTP_NOT_OBJECT, json_integer(moved));
                }
        }
}

int cp_gen_portal_write(const char *dir, char *errstr, size_t errstr_size)
{
        char path[4200];
        json_error_t jerr;
        json_t *truth, *index = json_object(), *portals = json_array();
        int rc = 0;

        snprintf(path, sizeof(path), "%s/truth.json", dir);
        truth = json_load_file(path, 0, &jerr);
        if (!truth || !index || !portals) {
                snprintf(errstr, errstr_size, "%s: %s", path, truth ? "out of memory" : jerr.text);
                json_decref(truth);
                json_decref(index);
                json_decref(portals);
                return -1;
        }
        json_object_set_new(index, "portals", portals);
        for (int i = 0; i < CP_GEN_NPORTALS && !rc; i++) {
                cp_gen_pw_t pw = { .pw_pt = &cp_gen_portals[i] };
                const cp_gen_portal_t *pt = pw.pw_pt;

                snprintf(pw.pw_dir, sizeof(pw.pw_dir), "%s/portal", dir);
                mkdir(pw.pw_dir, 0755);
                snprintf(pw.pw_dir, sizeof(pw.pw_dir), "%s/portal/%s", dir, pt->pt_source);
                if (mkdir(pw.pw_dir, 0755) && errno != EEXIST) {
                        snprintf(errstr, errstr_size, "%s: %s", pw.pw_dir, strerror(errno));
                        rc = -1;
                        break;
                }
                pw.pw_cursors = json_array();
                json_array_append_new(pw.pw_cursors, json_null());
                rc = cp_gen_portal_pages(&pw, dir, errstr, errstr_size);
                if (!rc) {
                        cp_gen_portal_truth_rejects(truth, &pw);
                        json_array_append_new(portals, json_pack(
                                "{s:s, s:s, s:i, s:i, s:s, s:O}",
                                "source", pt->pt_source,
                                "mode", pt->pt_cursor ? "cursor" : "page",
                                "pages", pw.pw_page, "page_size", pt->pt_page_size,
                                "records", pt->pt_records,
                                "cursors", pt->pt_cursor ? pw.pw_cursors : json_null()));
                }
                json_decref(pw.pw_cursors);
                free(pw.pw_buf);
                free(pw.pw_map);
        }
        if (!rc) {
                snprintf(path, sizeof(path), "%s/portal/index.json", dir);
                if (json_dump_file(index, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER)) {
                        snprintf(errstr, errstr_size, "%s: cannot write", path);
                        rc = -1;
                }
        }
        if (!rc) {
                snprintf(path, sizeof(path), "%s/truth-portal.json", dir);
                if (json_dump_file(truth, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
                                   JSON_REAL_PRECISION(17))) {
                        snprintf(errstr, errstr_size, "%s: cannot write", path);
                        rc = -1;
                }
        }
        json_decref(truth);
        json_decref(index);
        return rc;
}
