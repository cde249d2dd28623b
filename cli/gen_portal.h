/*
 * The portal `credpipe gen` writes: two JSON Lines feeds served again as
 * the paginated JSON pages of an HTTP portal (format http_json).
 *
 * DESIGN: a portal's records are a feed's records, page after page, so
 * the portal needs no truth of its own: the run over credpipe-portal.yaml
 * (the same sources, those two read over HTTP) must report exactly what
 * the run over credpipe.yaml does. The pages are made from the feed file
 * as written, element by element, so every nasty value of the feed (its
 * spellings, repeats, bad rows) is in the pages byte for byte. What
 * differs is where a reject is (a page and an element instead of a line)
 * and one reason: a line that is not JSON cannot sit in a JSON page, so
 * it is served as a string, the way an exporter that wraps each row as
 * text would, and rejected as http_not_object. truth-portal.json is
 * truth.json with those positions and that reason changed; truth.json,
 * the feeds and credpipe.yaml are left exactly as they were.
 *
 * One portal pages by number (data.list, an empty page after the last),
 * the other by cursor (result.items, result.next; the tokens hold bytes
 * a query string must percent-encode). portal/index.json says how each
 * is paged, for the test server (tests/integration/http_portal.py).
 */
#ifndef CP_GEN_PORTAL_H
#define CP_GEN_PORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cp_gen_portal_s {
        const char *pt_source;     /* the source id (a JSON Lines feed) */
        bool pt_cursor;            /* paged by cursor, else by number */
        int pt_page_size;          /* elements per page */
        const char *pt_records;    /* http.records */
        const char *pt_next;       /* http.pagination.next (cursor) */
} cp_gen_portal_t;

/** @returns the portal serving a source, or NULL. */
const cp_gen_portal_t *cp_gen_portal_of(const char *src_id);

/**
 * @brief Writes the `http:` block of a portal source into credpipe-portal.yaml
 *        (URL with the placeholder @PORTAL@ for the server's base URL).
 */
void cp_gen_portal_conf(FILE *fp, const cp_gen_portal_t *pt);

/**
 * @brief Writes DIR/portal/<source>/page-N.json and DIR/portal/index.json
 *        from DIR/feeds, and DIR/truth-portal.json from DIR/truth.json.
 * @returns 0, or -1 with errstr set
 */
int cp_gen_portal_write(const char *dir, char *errstr, size_t errstr_size);

#endif
