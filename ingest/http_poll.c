/*
 * Fetching an http source's pages into its spool (cp_ingest_fetch).
 *
 * DESIGN: for each configured URL, pages are requested one after the
 * other, as the source's pagination says, until a page has no records,
 * names no next cursor, or max_pages is reached. Each page goes to the
 * spool before anything reads it; the pages that changed are handed back
 * as a list of files, which the caller reads like any other source's
 * files (cp_ingest_file, format http_json, source_http.c). So fetching and
 * reading stay apart: the reader never sees the network, and a replay of
 * the spool reads the same bytes.
 *
 * Conditional requests: a page whose spooled copy and validators we hold
 * is asked for with If-None-Match / If-Modified-Since. A 304 answer means
 * the copy is current: the page is not read again (its records were read
 * when it changed), but its copy still drives pagination, so a run where
 * nothing changed walks the same pages and downloads none.
 *
 * The new validators are saved (state.json) only once every URL was
 * fetched. If a fetch fails, nothing of the source is read in this run,
 * and the saved state keeps the old validators except for the pages this
 * run downloaded again (their spooled copies are now newer than those
 * validators), so the next run asks for those unconditionally.
 *
 * Exactly once (cp_ingest_fetch_set, with state.dir): the same save also
 * lists the pages handed to the reader, for the set being read
 * (http_spool.h). Until the run commits them, a restart of the same set
 * reads that list from the spool and fetches nothing: after a crash the
 * validators already say "read" (the portal would answer 304, and the
 * pages would be lost) and the portal may serve other bytes by now (the
 * checkpoint's positions would point into a different page).
 *
 * The pages are handed back sorted by name, which is the order the
 * checkpoint's positions compare in (u10 sorts before u2: so be it, as
 * long as reading and resuming agree).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "core/err.h"
#include "core/log.h"
#include "http_fetch.h"
#include "http_page.h"
#include "http_spool.h"
#include "ingest.h"

/* The cursors one URL's pages named so far, as 64-bit hashes in an
 * open-addressing table: cursors that go round in a circle would
 * otherwise be followed until max_pages. */
typedef struct cp_poll_seen_s {
        uint64_t *ps_h;              /* 0: a free slot */
        size_t ps_cap;               /* a power of two */
        size_t ps_n;
} cp_poll_seen_t;

typedef struct cp_poll_s {
        const cp_source_conf_t *pl_src;
        const cp_http_conf_t *pl_hc;
        cp_http_client_t *pl_client;
        cp_spool_state_t pl_old;     /* the last complete fetch's */
        cp_spool_state_t pl_cur;     /* this fetch's */
        cp_spool_state_t pl_fresh;   /* pages this fetch downloaded */
        cp_poll_seen_t pl_seen;      /* cursors of the current URL */
        char **pl_files;             /* the changed pages' paths */
        size_t pl_nfiles;
        unsigned pl_pages;
        char *pl_errstr;
        size_t pl_errstr_size;
} cp_poll_t;

static int cp_poll_nomem(cp_poll_t *pl)
{
        snprintf(pl->pl_errstr, pl->pl_errstr_size, "source %s: out of "
                 "memory fetching pages", pl->pl_src->src_id);
        return CP_ERR_NOMEM;
}

/* Percent-encodes s for a query string (RFC 3986: unreserved bytes stay). */
static char *cp_poll_escape(const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        char *out = malloc(strlen(s) * 3 + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
                        *o++ = (char)*p;
                } else {
                        *o++ = '%';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 15];
                }
        }
        *o = '\0';
        return out;
}

/* The URL of a page: {page} replaced by its number, or the cursor added
 * as a query parameter. @returns NULL on no memory. */
static char *cp_poll_url(const cp_http_conf_t *hc, const char *tmpl, long page,
                         const char *cursor)
{
        char num[24], *out, *o, *esc, *escp;
        size_t nlen, len;
        int rc;

        if (hc->hc_paging == CP_PAGING_CURSOR) {
                if (!cursor)
                        return strdup(tmpl);
                esc = cp_poll_escape(cursor);
                escp = cp_poll_escape(hc->hc_param);
                rc = esc && escp ? asprintf(&out, "%s%c%s=%s", tmpl,
                                            strchr(tmpl, '?') ? '&' : '?',
                                            escp, esc) : -1;
                free(esc);
                free(escp);
                return rc < 0 ? NULL : out;
        }
        if (hc->hc_paging == CP_PAGING_NONE)
                return strdup(tmpl);
        nlen = (size_t)snprintf(num, sizeof(num), "%ld", page);
        len = strlen(tmpl);
        /* {page} is 6 bytes and a number at most 20: room for any count. */
        out = o = malloc(len / 6 * (nlen + 6) + len + 1);
        if (!out)
                return NULL;
        for (const char *p = tmpl; *p;) {
                if (!strncmp(p, "{page}", 6)) {
                        memcpy(o, num, nlen);
                        o += nlen;
                        p += 6;
                } else {
                        *o++ = *p++;
                }
        }
        *o = '\0';
        return out;
}

static int cp_poll_add_file(cp_poll_t *pl, const char *name)
{
        char **f = realloc(pl->pl_files, (pl->pl_nfiles + 1) * sizeof(*f));

        if (!f)
                return CP_ERR_NOMEM;
        pl->pl_files = f;
        if (asprintf(&f[pl->pl_nfiles], "%s/%s", pl->pl_hc->hc_spool, name) < 0)
                return CP_ERR_NOMEM;
        pl->pl_nfiles++;
        return CP_OK;
}

/*
 * Fetches one page, spools it when it changed, and gives its bytes (new,
 * or the spooled copy after a 304) for the pagination decision.
 * @owns *body on CP_OK.
 */
static int cp_poll_page(cp_poll_t *pl, unsigned url_no, unsigned seq,
                        const char *url, char **body, size_t *len)
{
        const cp_http_conf_t *hc = pl->pl_hc;
        const cp_spool_entry_t *old = cp_spool_state_find(&pl->pl_old, url);
        char path[4096], *name = NULL;
        cp_http_resp_t resp;
        int rc;

        /* Validators are worth sending only with the copy they describe. */
        if (old) {
                snprintf(path, sizeof(path), "%s/%s", hc->hc_spool,
                         old->se_file);
                if (access(path, R_OK))
                        old = NULL;
        }
        rc = cp_http_get(pl->pl_client, url, old ? old->se_etag : NULL,
                         old ? old->se_last_modified : NULL, &resp,
                         pl->pl_errstr, pl->pl_errstr_size);
        if (rc != CP_OK)
                return rc;
        if (resp.hr_status == 304) {
                rc = cp_spool_read(path, CP_HTTP_PAGE_MAX, body, len,
                                   pl->pl_errstr, pl->pl_errstr_size);
                if (rc == CP_OK)
                        rc = cp_spool_state_add(
                                &pl->pl_cur, url, old->se_file,
                                resp.hr_etag ? resp.hr_etag : old->se_etag,
                                resp.hr_last_modified ? resp.hr_last_modified
                                                      : old->se_last_modified);
                cp_log_debug("ingest", "HTTP_PAGE", "source=%s url=\"%s\" "
                             "status=304 file=\"%s\" msg=\"unchanged: not "
                             "read again\"", pl->pl_src->src_id, url, path);
                cp_http_resp_free(&resp);
                return rc;
        }
        rc = cp_spool_page_name(url_no, seq, url, &name);
        if (rc == CP_OK)
                rc = cp_spool_write(hc->hc_spool, name, resp.hr_body,
                                    resp.hr_len, pl->pl_errstr,
                                    pl->pl_errstr_size);
        if (rc == CP_OK)
                rc = cp_spool_state_add(&pl->pl_cur, url, name, resp.hr_etag,
                                        resp.hr_last_modified);
        if (rc == CP_OK)
                rc = cp_spool_state_add(&pl->pl_fresh, url, name, NULL, NULL);
        if (rc == CP_OK)
                rc = cp_poll_add_file(pl, name);
        if (rc == CP_OK) {
                cp_log_debug("ingest", "HTTP_PAGE", "source=%s url=\"%s\" "
                             "status=%ld bytes=%zu attempts=%d file=\"%s/%s\"",
                             pl->pl_src->src_id, url, resp.hr_status,
                             resp.hr_len, resp.hr_attempts, hc->hc_spool, name);
                *body = resp.hr_body;
                *len = resp.hr_len;
                resp.hr_body = NULL;
        }
        free(name);
        cp_http_resp_free(&resp);
        if (rc == CP_ERR_NOMEM)
                return cp_poll_nomem(pl);
        return rc;
}

/* @returns 1 when the cursor was seen before, 0 (now it is), or NOMEM. */
static int cp_poll_seen(cp_poll_seen_t *ps, const char *cursor)
{
        uint64_t h = XXH3_64bits(cursor, strlen(cursor)) | 1;
        size_t i, mask;

        if (2 * (ps->ps_n + 1) > ps->ps_cap) {
                size_t cap = ps->ps_cap ? ps->ps_cap * 2 : 64;
                uint64_t *t = calloc(cap, sizeof(*t));

                if (!t)
                        return CP_ERR_NOMEM;
                for (size_t k = 0; k < ps->ps_cap; k++) {
                        if (!ps->ps_h[k])
                                continue;
                        for (i = ps->ps_h[k] & (cap - 1); t[i];
                             i = (i + 1) & (cap - 1))
                                ;
                        t[i] = ps->ps_h[k];
                }
                free(ps->ps_h);
                ps->ps_h = t;
                ps->ps_cap = cap;
        }
        mask = ps->ps_cap - 1;
        for (i = h & mask; ps->ps_h[i]; i = (i + 1) & mask)
                if (ps->ps_h[i] == h)
                        return 1;
        ps->ps_h[i] = h;
        ps->ps_n++;
        return 0;
}

/* Whether the page just fetched has a successor, and which (*cursor). */
static int cp_poll_next(cp_poll_t *pl, const char *url, const char *body,
                        size_t len, char **cursor, bool *more)
{
        const cp_http_conf_t *hc = pl->pl_hc;
        cp_http_page_t pg;
        char *next = NULL;
        int rc;

        *more = false;
        if (hc->hc_paging == CP_PAGING_NONE)
                return CP_OK;
        if (cp_http_page_parse(&pg, body, len, hc->hc_records) != CP_OK)
                return cp_poll_nomem(pl);
        if (pg.hp_error) {
                /* Read as a reject; where its successor is, nobody knows. */
                cp_log_warn("ingest", "HTTP_PAGINATION_STOPPED", "source=%s "
                            "url=\"%s\" msg=\"not a page of records (%s): the "
                            "pages after it are not fetched\"",
                            pl->pl_src->src_id, url, pg.hp_msg);
        } else if (pg.hp_nrec == 0) {
                /* The end: a page past the last one is empty. */
        } else if (hc->hc_paging == CP_PAGING_PAGE) {
                *more = true;
        } else if ((rc = cp_http_page_scalar(&pg, hc->hc_next, &next)) ==
                   CP_ERR_NOMEM) {
                cp_http_page_free(&pg);
                return cp_poll_nomem(pl);
        } else if (rc == CP_ERR_PARSE) {
                cp_log_warn("ingest", "HTTP_PAGINATION_STOPPED", "source=%s "
                            "url=\"%s\" msg=\"%s is not a cursor (a string or "
                            "a number): the pages after it are not fetched\"",
                            pl->pl_src->src_id, url, hc->hc_next);
        } else if (rc == 1) {
                int seen = cp_poll_seen(&pl->pl_seen, next);

                if (seen == CP_ERR_NOMEM) {
                        free(next);
                        cp_http_page_free(&pg);
                        return cp_poll_nomem(pl);
                }
                if (seen) {
                        cp_log_warn("ingest", "HTTP_PAGINATION_STOPPED",
                                    "source=%s url=\"%s\" msg=\"the page names "
                                    "a cursor already followed: the portal's "
                                    "cursors go round in a circle\"",
                                    pl->pl_src->src_id, url);
                } else {
                        free(*cursor);
                        *cursor = next;
                        next = NULL;
                        *more = true;
                }
        }
        free(next);
        cp_http_page_free(&pg);
        return CP_OK;
}

/* Fetches every page of URL number url_no (1-based). */
static int cp_poll_one_url(cp_poll_t *pl, unsigned url_no)
{
        const cp_http_conf_t *hc = pl->pl_hc;
        const char *tmpl = hc->hc_urls[url_no - 1];
        long page = hc->hc_first;
        char *cursor = NULL;
        int rc = CP_OK;

        free(pl->pl_seen.ps_h);
        pl->pl_seen = (cp_poll_seen_t){ 0 };
        for (unsigned seq = 1; rc == CP_OK; seq++) {
                char *url = cp_poll_url(hc, tmpl, page, cursor), *body = NULL;
                size_t len = 0;
                bool more = false;

                if (!url) {
                        rc = cp_poll_nomem(pl);
                        break;
                }
                rc = cp_poll_page(pl, url_no, seq, url, &body, &len);
                if (rc == CP_OK)
                        rc = cp_poll_next(pl, url, body, len, &cursor, &more);
                pl->pl_pages += rc == CP_OK;
                if (rc == CP_OK && more && seq == (unsigned)hc->hc_max_pages) {
                        cp_log_warn("ingest", "HTTP_MAX_PAGES", "source=%s "
                                    "url=\"%s\" max_pages=%d msg=\"more pages "
                                    "follow, not fetched: raise "
                                    "pagination.max_pages if they are "
                                    "wanted\"", pl->pl_src->src_id, tmpl,
                                    hc->hc_max_pages);
                        more = false;
                }
                free(url);
                free(body);
                if (!more)
                        break;
                page++;
        }
        free(cursor);
        return rc;
}

/* After a failure: the old validators, less those of pages downloaded
 * again (see DESIGN). Best effort: the error already failed the source. */
static void cp_poll_save_after_failure(cp_poll_t *pl)
{
        cp_spool_state_t keep = { 0 };
        char err[512];

        for (size_t i = 0; i < pl->pl_old.ss_n; i++) {
                const cp_spool_entry_t *e = &pl->pl_old.ss_e[i];

                if (cp_spool_state_find(&pl->pl_fresh, e->se_url))
                        continue;
                if (cp_spool_state_add(&keep, e->se_url, e->se_file, e->se_etag,
                                       e->se_last_modified) != CP_OK) {
                        cp_spool_state_free(&keep);
                        return;
                }
        }
        if (pl->pl_fresh.ss_n &&
            cp_spool_state_save(pl->pl_hc->hc_spool, &keep, err, sizeof(err)))
                cp_log_warn("ingest", "HTTP_STATE_NOT_SAVED", "source=%s "
                            "msg=\"%s\"", pl->pl_src->src_id, err);
        cp_spool_state_free(&keep);
}

static int cp_poll_path_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Records the changed pages as this fetch's read list (see DESIGN). */
static int cp_poll_set_read(cp_poll_t *pl, unsigned long long set)
{
        size_t skip = strlen(pl->pl_hc->hc_spool) + 1;
        char **names = calloc(pl->pl_nfiles + 1, sizeof(*names));
        int rc;

        if (!names)
                return cp_poll_nomem(pl);
        for (size_t i = 0; i < pl->pl_nfiles; i++)
                names[i] = pl->pl_files[i] + skip;
        rc = cp_spool_state_set_read(&pl->pl_cur, set, names, pl->pl_nfiles);
        free(names);
        return rc == CP_OK ? rc : cp_poll_nomem(pl);
}

/* The read list of an uncommitted fetch, from the spool (see DESIGN). */
static int cp_poll_replay(cp_poll_t *pl)
{
        const cp_spool_state_t *st = &pl->pl_old;

        for (size_t i = 0; i < st->ss_nread; i++) {
                int rc = cp_poll_add_file(pl, st->ss_read[i]);

                if (rc != CP_OK)
                        return cp_poll_nomem(pl);
                if (access(pl->pl_files[pl->pl_nfiles - 1], R_OK)) {
                        snprintf(pl->pl_errstr, pl->pl_errstr_size, "source %s: "
                                 "the spooled page %s of a fetch not yet "
                                 "committed is gone (%s): its records cannot "
                                 "be read again as they were; restore the "
                                 "spool, or start afresh with another "
                                 "state.instance", pl->pl_src->src_id,
                                 pl->pl_files[pl->pl_nfiles - 1],
                                 strerror(errno));
                        return CP_ERR_IO;
                }
        }
        cp_log_info("ingest", "HTTP_SPOOL_REPLAY", "source=%s set=%llu "
                    "pages=%zu spool=\"%s\" msg=\"the last fetch was not "
                    "committed: reading its spooled pages again, fetching "
                    "nothing\"", pl->pl_src->src_id, st->ss_read_set,
                    st->ss_nread, pl->pl_hc->hc_spool);
        return CP_OK;
}

/* Hands the pages in pl_files to the caller's list. */
static int cp_poll_hand_over(cp_poll_t *pl, char ***files, size_t *nfiles)
{
        char **all = realloc(*files, (*nfiles + pl->pl_nfiles + 1) *
                                     sizeof(*all));

        if (!all)
                return cp_poll_nomem(pl);
        if (pl->pl_nfiles)
                memcpy(all + *nfiles, pl->pl_files,
                       pl->pl_nfiles * sizeof(*all));
        *files = all;
        *nfiles += pl->pl_nfiles;
        free(pl->pl_files);
        pl->pl_files = NULL;
        pl->pl_nfiles = 0;
        return CP_OK;
}

static int cp_poll_fetch(const cp_source_conf_t *src, bool exact,
                         unsigned long long set, char ***files,
                         size_t *nfiles, char *errstr, size_t errstr_size)
{
        const cp_http_conf_t *hc = src->src_http;
        cp_http_opts_t opts;
        cp_poll_t pl = {
                .pl_src = src,
                .pl_hc = hc,
                .pl_errstr = errstr,
                .pl_errstr_size = errstr_size,
        };
        size_t changed;
        int rc;

        if (src->src_format != CP_FMT_HTTP_JSON || !hc)
                return CP_OK;
        opts = (cp_http_opts_t){
                .ho_timeout_ms = hc->hc_timeout_ms,
                .ho_retries = hc->hc_retries,
                .ho_backoff_ms = hc->hc_backoff_ms,
                .ho_max_body = CP_HTTP_PAGE_MAX,
                .ho_source = src->src_id,
        };
        rc = cp_spool_mkdir(hc->hc_spool, errstr, errstr_size);
        if (rc != CP_OK)
                return rc;
        if (cp_spool_state_load(hc->hc_spool, &pl.pl_old) != CP_OK)
                return cp_poll_nomem(&pl);
        if (exact && pl.pl_old.ss_has_read && !pl.pl_old.ss_read_committed &&
            pl.pl_old.ss_read_set == set) {
                rc = cp_poll_replay(&pl);
                if (rc == CP_OK)
                        rc = cp_poll_hand_over(&pl, files, nfiles);
                goto out;
        }
        pl.pl_client = cp_http_client_new(&opts, errstr, errstr_size);
        if (!pl.pl_client) {
                rc = CP_ERR_IO;
                goto out;
        }
        for (size_t u = 0; u < hc->hc_nurls && rc == CP_OK; u++)
                rc = cp_poll_one_url(&pl, (unsigned)u + 1);
        if (pl.pl_nfiles)
                qsort(pl.pl_files, pl.pl_nfiles, sizeof(*pl.pl_files),
                      cp_poll_path_cmp);
        if (rc == CP_OK && exact)
                rc = cp_poll_set_read(&pl, set);
        if (rc == CP_OK)
                rc = cp_spool_state_save(hc->hc_spool, &pl.pl_cur, errstr,
                                         errstr_size);
        if (rc != CP_OK) {
                cp_poll_save_after_failure(&pl);
                goto out;
        }
        cp_spool_prune(hc->hc_spool, &pl.pl_cur);
        changed = pl.pl_nfiles;
        rc = cp_poll_hand_over(&pl, files, nfiles);
        if (rc != CP_OK)
                goto out;
        cp_log_info("ingest", "HTTP_FETCHED", "source=%s urls=%zu pages=%u "
                    "changed=%zu unchanged=%zu spool=\"%s\"", src->src_id,
                    hc->hc_nurls, pl.pl_pages, changed,
                    pl.pl_pages - changed, hc->hc_spool);
out:
        if (rc != CP_OK)
                cp_log_error("ingest", "SOURCE_FAILED", "source=%s msg=\"%s\"",
                             src->src_id, errstr);
        cp_ingest_paths_free(pl.pl_files, pl.pl_nfiles);
        cp_http_client_destroy(pl.pl_client);
        cp_spool_state_free(&pl.pl_old);
        cp_spool_state_free(&pl.pl_cur);
        cp_spool_state_free(&pl.pl_fresh);
        free(pl.pl_seen.ps_h);
        return rc;
}

int cp_ingest_fetch(const cp_source_conf_t *src, char ***files,
                    size_t *nfiles, char *errstr, size_t errstr_size)
{
        return cp_poll_fetch(src, false, 0, files, nfiles, errstr,
                             errstr_size);
}

int cp_ingest_fetch_set(const cp_source_conf_t *src, unsigned long long set,
                        char ***files, size_t *nfiles, char *errstr,
                        size_t errstr_size)
{
        return cp_poll_fetch(src, true, set, files, nfiles, errstr,
                             errstr_size);
}

int cp_ingest_fetch_committed(const cp_source_conf_t *src,
                              unsigned long long set, char *errstr,
                              size_t errstr_size)
{
        if (src->src_format != CP_FMT_HTTP_JSON || !src->src_http)
                return CP_OK;
        return cp_spool_state_commit(src->src_http->hc_spool, set, errstr,
                                     errstr_size);
}
