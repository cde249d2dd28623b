/*
 * The spool of an http source: fetched pages and their validators.
 *
 * DESIGN: every page is written to the spool before anything reads it,
 * and ingest reads the spooled file, never the network buffer, so a run
 * replaying the spool after a crash reads the very bytes the first one
 * did. Writes are atomic (a temporary file in the same directory, fsync,
 * rename, fsync of the directory): a reader sees the old page or the new
 * one, never half of either, even across a power cut. Pages may hold
 * personal data (resident IDs in defaulter lists), so the spool is
 * private to credpipe's user: directories 0700, files 0600.
 *
 * Page files are named u<URL number>-p<page number in the URL's
 * sequence, 6 digits>-<16 hex digits of the page URL's hash>.json
 * (u1-p000002-3f0c...json): the sequence makes them readable and sorted,
 * and the hash keeps a page URL on one file across runs even when cursor
 * pages shift in the sequence.
 *
 * state.json keeps, per page URL of the last complete fetch, its file and
 * the validators (ETag, Last-Modified) the server gave with it:
 *
 *   {"version": 1, "pages": [{"url": "...", "file": "u1-p000001-....json",
 *     "etag": "\"abc\"", "last_modified": "Wed, 21 Oct 2015 07:28:00 GMT"}]}
 *
 * With exactly-once (state.dir), the same write also records the pages
 * the fetch handed to the reader, and the set they belong to, as "read":
 *
 *   "read": {"set": 0, "committed": false, "files": ["u1-p000001-....json"]}
 *
 * The validators and that list change in one atomic write, so there is no
 * moment where the validators say "already read" (the next fetch would
 * get 304) while nothing says which pages still have to be read. Until
 * the run commits those pages ("committed": true, cp_spool_state_commit),
 * a restart reads the listed files again instead of fetching: the very
 * bytes the crashed run read, whatever the portal serves meanwhile.
 *
 * A state file that cannot be read as such is ignored with a warning (the
 * next fetch then asks for every page unconditionally): losing validators
 * costs a download, never data.
 */
#ifndef CP_INGEST_HTTP_SPOOL_H
#define CP_INGEST_HTTP_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#define CP_SPOOL_STATE "state.json"

typedef struct cp_spool_entry_s {
        char *se_url;             /* the page's URL, as requested */
        char *se_file;            /* its file in the spool (a name, no dir) */
        char *se_etag;            /* NULL when the server gave none */
        char *se_last_modified;
} cp_spool_entry_t;

typedef struct cp_spool_state_s {
        cp_spool_entry_t *ss_e;
        size_t ss_n;
        size_t ss_cap;
        bool ss_sorted;           /* by URL, for cp_spool_state_find() */
        /* "read" (see DESIGN): the pages handed to the reader. */
        bool ss_has_read;
        bool ss_read_committed;
        unsigned long long ss_read_set;
        char **ss_read;           /* file names, no dir */
        size_t ss_nread;
} cp_spool_state_t;

/**
 * @brief Creates dir and its missing parents (mode 0700: see DESIGN).
 * @returns CP_OK or CP_ERR_IO with errstr naming the directory.
 */
int cp_spool_mkdir(const char *dir, char *errstr, size_t errstr_size);

/**
 * @brief Writes data to dir/name atomically and durably (see DESIGN).
 * @returns CP_OK or CP_ERR_IO with errstr naming the file.
 */
int cp_spool_write(const char *dir, const char *name, const void *data,
                   size_t len, char *errstr, size_t errstr_size);

/**
 * @brief Reads a whole file of at most max bytes into a NUL-terminated
 * buffer.
 * @returns CP_OK; CP_ERR_IO (errstr names the file and the error);
 *          CP_ERR_LIMIT (larger than max); or CP_ERR_NOMEM.
 * @owns *buf on CP_OK: free() it.
 */
int cp_spool_read(const char *path, size_t max, char **buf, size_t *len,
                  char *errstr, size_t errstr_size);

/**
 * @brief The name of page `seq` (1-based) of URL number `url_no`
 * (1-based), fetched from page_url.
 * @returns CP_OK or CP_ERR_NOMEM. @owns *name: free() it.
 */
int cp_spool_page_name(unsigned url_no, unsigned seq, const char *page_url,
                       char **name);

/** @returns whether a spool file name is the first page of its URL. */
bool cp_spool_page_is_first(const char *path);

/**
 * @brief Loads dir/state.json. A missing file gives an empty state; one
 * that is not a state file gives an empty state and a warning (logged,
 * naming the file).
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_spool_state_load(const char *dir, cp_spool_state_t *st);

/**
 * @brief Appends an entry (copies of the strings; etag and last_modified
 * may be NULL). @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_spool_state_add(cp_spool_state_t *st, const char *url,
                       const char *file, const char *etag,
                       const char *last_modified);

/**
 * @brief Sets the "read" list (copies of the names).
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_spool_state_set_read(cp_spool_state_t *st, unsigned long long set,
                            char *const *names, size_t n);

/**
 * @brief Marks dir's "read" list of set `set` committed, and saves the
 * state, when it is there and not committed yet; otherwise does nothing.
 * @returns CP_OK, CP_ERR_IO (errstr set) or CP_ERR_NOMEM.
 */
int cp_spool_state_commit(const char *dir, unsigned long long set,
                          char *errstr, size_t errstr_size);

/**
 * @brief Finds a URL's entry; sorts the state first when entries were
 * added since the last search. @returns the entry or NULL.
 */
const cp_spool_entry_t *cp_spool_state_find(cp_spool_state_t *st,
                                            const char *url);

/**
 * @brief Writes st to dir/state.json atomically.
 * @returns CP_OK, CP_ERR_IO (errstr set) or CP_ERR_NOMEM.
 */
int cp_spool_state_save(const char *dir, const cp_spool_state_t *st,
                        char *errstr, size_t errstr_size);

/**
 * @brief Deletes the page files of dir that st does not name, and
 * temporary files a crash left behind; other files are left alone.
 * Failures are logged, not returned: a stale page costs only space.
 */
void cp_spool_prune(const char *dir, cp_spool_state_t *st);

/** @brief Frees the entries; st itself is not freed. */
void cp_spool_state_free(cp_spool_state_t *st);

#endif
