/*
 * The spool directory of an http source (see http_spool.h).
 */
#include "http_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <xxhash.h>

#include "core/err.h"
#include "core/log.h"

/* Temporary files start with this, so a crash's leftovers are known. */
#define CP_SPOOL_TMP ".tmp-"

int cp_spool_mkdir(const char *dir, char *errstr, size_t errstr_size)
{
        char *p = strdup(dir);
        int rc = CP_OK;

        if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return CP_ERR_NOMEM;
        }
        /* Each prefix in turn: mkdir -p. */
        for (char *s = p + 1; rc == CP_OK; s++) {
                char c = *s;

                if (c != '/' && c != '\0')
                        continue;
                *s = '\0';
                if (mkdir(p, 0700) && errno != EEXIST) {
                        snprintf(errstr, errstr_size, "cannot create the spool "
                                 "directory %s: %s", p, strerror(errno));
                        rc = CP_ERR_IO;
                }
                *s = c;
                if (!c)
                        break;
        }
        free(p);
        return rc;
}

static int cp_spool_write_all(int fd, const char *p, size_t n)
{
        while (n) {
                ssize_t w = write(fd, p, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -1;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

int cp_spool_write(const char *dir, const char *name, const void *data,
                   size_t len, char *errstr, size_t errstr_size)
{
        char tmp[4096], dst[4096];
        int fd, dfd, err;

        if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >=
                    sizeof(dst) ||
            (size_t)snprintf(tmp, sizeof(tmp), "%s/" CP_SPOOL_TMP "%s.XXXXXX",
                             dir, name) >= sizeof(tmp)) {
                snprintf(errstr, errstr_size, "spool path too long: %s/%s",
                         dir, name);
                return CP_ERR_IO;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                snprintf(errstr, errstr_size, "cannot create a file in the "
                         "spool %s: %s", dir, strerror(errno));
                return CP_ERR_IO;
        }
        /* mkostemp makes it 0600, and so it stays: pages of defaulter
         * lists hold resident IDs, which are personal data. */
        if (cp_spool_write_all(fd, data, len) || fsync(fd)) {
                err = errno;
                close(fd);
                unlink(tmp);
                snprintf(errstr, errstr_size, "cannot write %s: %s", tmp,
                         strerror(err));
                return CP_ERR_IO;
        }
        if (close(fd) || rename(tmp, dst)) {
                err = errno;
                unlink(tmp);
                snprintf(errstr, errstr_size, "cannot write %s: %s", dst,
                         strerror(err));
                return CP_ERR_IO;
        }
        /* The rename is durable only once the directory is synced. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd)) {
                err = errno;
                if (dfd >= 0)
                        close(dfd);
                snprintf(errstr, errstr_size, "cannot sync the spool %s: %s",
                         dir, strerror(err));
                return CP_ERR_IO;
        }
        close(dfd);
        return CP_OK;
}

int cp_spool_read(const char *path, size_t max, char **bufp, size_t *lenp,
                  char *errstr, size_t errstr_size)
{
        struct stat st;
        size_t len = 0;
        char *buf;
        int fd;

        *bufp = NULL;
        *lenp = 0;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st)) {
                snprintf(errstr, errstr_size, "cannot read %s: %s", path,
                         strerror(errno));
                if (fd >= 0)
                        close(fd);
                return CP_ERR_IO;
        }
        if ((uint64_t)st.st_size > max) {
                snprintf(errstr, errstr_size, "%s has %lld bytes, more than "
                         "the %zu a page may have", path,
                         (long long)st.st_size, max);
                close(fd);
                return CP_ERR_LIMIT;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (!buf) {
                snprintf(errstr, errstr_size, "out of memory reading %s", path);
                close(fd);
                return CP_ERR_NOMEM;
        }
        /* Up to the size fstat gave: the spool is ours, nobody appends. */
        while (len < (size_t)st.st_size) {
                ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0) {
                        snprintf(errstr, errstr_size, "cannot read %s: %s",
                                 path, r ? strerror(errno) : "file shrank");
                        free(buf);
                        close(fd);
                        return CP_ERR_IO;
                }
                len += (size_t)r;
        }
        close(fd);
        buf[len] = '\0';
        *bufp = buf;
        *lenp = len;
        return CP_OK;
}

int cp_spool_page_name(unsigned url_no, unsigned seq, const char *page_url,
                       char **name)
{
        uint64_t h = XXH3_64bits(page_url, strlen(page_url));

        if (asprintf(name, "u%u-p%06u-%016" PRIx64 ".json", url_no, seq,
                     h) < 0) {
                *name = NULL;
                return CP_ERR_NOMEM;
        }
        return CP_OK;
}

/* Whether a directory entry is one of our page files (see DESIGN). */
static bool cp_spool_is_page(const char *name)
{
        const char *p = name;
        size_t n;

        if (*p++ != 'u' || !(*p >= '0' && *p <= '9'))
                return false;
        while (*p >= '0' && *p <= '9')
                p++;
        if (strncmp(p, "-p", 2))
                return false;
        p += 2;
        n = strspn(p, "0123456789");
        if (n < 6 || p[n] != '-')
                return false;
        p += n + 1;
        return strspn(p, "0123456789abcdef") == 16 && !strcmp(p + 16, ".json");
}

bool cp_spool_page_is_first(const char *path)
{
        const char *base = strrchr(path, '/');

        base = base ? base + 1 : path;
        return cp_spool_is_page(base) && strstr(base, "-p000001-") != NULL;
}

static void cp_spool_entry_free(cp_spool_entry_t *e)
{
        free(e->se_url);
        free(e->se_file);
        free(e->se_etag);
        free(e->se_last_modified);
}

static void cp_spool_read_free(cp_spool_state_t *st)
{
        for (size_t i = 0; i < st->ss_nread; i++)
                free(st->ss_read[i]);
        free(st->ss_read);
        st->ss_read = NULL;
        st->ss_nread = 0;
        st->ss_has_read = false;
        st->ss_read_committed = false;
        st->ss_read_set = 0;
}

void cp_spool_state_free(cp_spool_state_t *st)
{
        for (size_t i = 0; i < st->ss_n; i++)
                cp_spool_entry_free(&st->ss_e[i]);
        free(st->ss_e);
        cp_spool_read_free(st);
        memset(st, 0, sizeof(*st));
}

int cp_spool_state_add(cp_spool_state_t *st, const char *url,
                       const char *file, const char *etag,
                       const char *last_modified)
{
        cp_spool_entry_t *e;

        if (st->ss_n == st->ss_cap) {
                size_t cap = st->ss_cap ? st->ss_cap * 2 : 64;

                e = realloc(st->ss_e, cap * sizeof(*e));
                if (!e)
                        return CP_ERR_NOMEM;
                st->ss_e = e;
                st->ss_cap = cap;
        }
        e = &st->ss_e[st->ss_n];
        memset(e, 0, sizeof(*e));
        e->se_url = strdup(url);
        e->se_file = strdup(file);
        e->se_etag = etag ? strdup(etag) : NULL;
        e->se_last_modified = last_modified ? strdup(last_modified) : NULL;
        if (!e->se_url || !e->se_file || (etag && !e->se_etag) ||
            (last_modified && !e->se_last_modified)) {
                cp_spool_entry_free(e);
                return CP_ERR_NOMEM;
        }
        st->ss_n++;
        st->ss_sorted = false;
        return CP_OK;
}

int cp_spool_state_set_read(cp_spool_state_t *st, unsigned long long set,
                            char *const *names, size_t n)
{
        cp_spool_read_free(st);
        st->ss_read = calloc(n ? n : 1, sizeof(*st->ss_read));
        if (!st->ss_read)
                return CP_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
                if (!(st->ss_read[i] = strdup(names[i]))) {
                        st->ss_nread = i;
                        cp_spool_read_free(st);
                        return CP_ERR_NOMEM;
                }
        }
        st->ss_nread = n;
        st->ss_has_read = true;
        st->ss_read_set = set;
        return CP_OK;
}

static int cp_spool_entry_cmp(const void *a, const void *b)
{
        return strcmp(((const cp_spool_entry_t *)a)->se_url,
                      ((const cp_spool_entry_t *)b)->se_url);
}

const cp_spool_entry_t *cp_spool_state_find(cp_spool_state_t *st,
                                            const char *url)
{
        cp_spool_entry_t key = { .se_url = (char *)url };

        if (!st->ss_n)
                return NULL;
        if (!st->ss_sorted) {
                /* A URL is in a state once: equal keys never meet. */
                qsort(st->ss_e, st->ss_n, sizeof(*st->ss_e),
                      cp_spool_entry_cmp);
                st->ss_sorted = true;
        }
        return bsearch(&key, st->ss_e, st->ss_n, sizeof(*st->ss_e),
                       cp_spool_entry_cmp);
}

/* A state file that is not one: warn and start afresh. */
static int cp_spool_state_bad(const char *path, const char *why)
{
        cp_log_warn("ingest", "HTTP_STATE_IGNORED",
                    "file=\"%s\" msg=\"not a spool state file (%s): every page "
                    "is fetched unconditionally this time\"", path, why);
        return CP_OK;
}

static const char *cp_spool_str(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);

        return json_is_string(v) ? json_string_value(v) : NULL;
}

int cp_spool_state_load(const char *dir, cp_spool_state_t *st)
{
        char path[4096];
        json_error_t err;
        json_t *root, *pages, *pg;
        size_t i;
        int rc = CP_OK;

        memset(st, 0, sizeof(*st));
        snprintf(path, sizeof(path), "%s/" CP_SPOOL_STATE, dir);
        if (access(path, F_OK) && errno == ENOENT)
                return CP_OK;
        root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
        if (!root)
                return cp_spool_state_bad(path, err.text);
        pages = json_object_get(root, "pages");
        if (json_integer_value(json_object_get(root, "version")) != 1 ||
            !json_is_array(pages)) {
                json_decref(root);
                return cp_spool_state_bad(path, "no version 1 and pages");
        }
        json_array_foreach(pages, i, pg) {
                const char *url = cp_spool_str(pg, "url");
                const char *file = cp_spool_str(pg, "file");

                /* A file name with a slash would reach outside the spool. */
                if (!url || !file || !cp_spool_is_page(file)) {
                        cp_spool_state_free(st);
                        json_decref(root);
                        return cp_spool_state_bad(path, "a page without url "
                                                  "or with a bad file name");
                }
                rc = cp_spool_state_add(st, url, file, cp_spool_str(pg, "etag"),
                                        cp_spool_str(pg, "last_modified"));
                if (rc != CP_OK)
                        break;
        }
        if (rc == CP_OK && json_object_get(root, "read")) {
                json_t *rd = json_object_get(root, "read");
                json_t *fl = json_object_get(rd, "files"), *f;

                if (!json_is_array(fl) ||
                    !json_is_integer(json_object_get(rd, "set"))) {
                        cp_spool_state_free(st);
                        json_decref(root);
                        return cp_spool_state_bad(path, "a read list without "
                                                  "set or files");
                }
                st->ss_has_read = true;
                st->ss_read_committed =
                        json_is_true(json_object_get(rd, "committed"));
                st->ss_read_set = (unsigned long long)json_integer_value(
                        json_object_get(rd, "set"));
                st->ss_read = calloc(json_array_size(fl) + 1,
                                     sizeof(*st->ss_read));
                if (!st->ss_read)
                        rc = CP_ERR_NOMEM;
                json_array_foreach(fl, i, f) {
                        if (rc != CP_OK)
                                break;
                        /* As above: a name, never a path. */
                        if (!json_is_string(f) ||
                            !cp_spool_is_page(json_string_value(f))) {
                                cp_spool_state_free(st);
                                json_decref(root);
                                return cp_spool_state_bad(path, "a read list "
                                                          "with a bad file "
                                                          "name");
                        }
                        st->ss_read[st->ss_nread] =
                                strdup(json_string_value(f));
                        if (!st->ss_read[st->ss_nread])
                                rc = CP_ERR_NOMEM;
                        else
                                st->ss_nread++;
                }
        }
        json_decref(root);
        if (rc != CP_OK)
                cp_spool_state_free(st);
        return rc;
}

int cp_spool_state_save(const char *dir, const cp_spool_state_t *st,
                        char *errstr, size_t errstr_size)
{
        json_t *root = json_object(), *pages = json_array();
        char *text = NULL;
        int rc = CP_ERR_NOMEM;

        if (!root || !pages)
                goto out;
        for (size_t i = 0; i < st->ss_n; i++) {
                const cp_spool_entry_t *e = &st->ss_e[i];
                json_t *o = json_pack("{s:s, s:s}", "url", e->se_url, "file",
                                      e->se_file);

                if (!o || (e->se_etag && json_object_set_new(
                                   o, "etag", json_string(e->se_etag))) ||
                    (e->se_last_modified &&
                     json_object_set_new(o, "last_modified",
                                         json_string(e->se_last_modified))) ||
                    json_array_append_new(pages, o))
                        goto out;
        }
        if (json_object_set_new(root, "version", json_integer(1)) ||
            json_object_set(root, "pages", pages))
                goto out;
        if (st->ss_has_read) {
                json_t *rd = json_pack("{s:I, s:b, s:[]}", "set",
                                       (json_int_t)st->ss_read_set,
                                       "committed", st->ss_read_committed,
                                       "files");

                if (!rd || json_object_set_new(root, "read", rd))
                        goto out;
                for (size_t i = 0; i < st->ss_nread; i++)
                        if (json_array_append_new(
                                    json_object_get(rd, "files"),
                                    json_string(st->ss_read[i])))
                                goto out;
        }
        text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        if (!text)
                goto out;
        rc = cp_spool_write(dir, CP_SPOOL_STATE, text, strlen(text), errstr,
                            errstr_size);
out:
        if (rc == CP_ERR_NOMEM)
                snprintf(errstr, errstr_size, "out of memory writing %s/"
                         CP_SPOOL_STATE, dir);
        free(text);
        json_decref(pages);
        json_decref(root);
        return rc;
}

int cp_spool_state_commit(const char *dir, unsigned long long set,
                          char *errstr, size_t errstr_size)
{
        cp_spool_state_t st;
        int rc;

        if (cp_spool_state_load(dir, &st) != CP_OK) {
                snprintf(errstr, errstr_size, "out of memory reading %s/"
                         CP_SPOOL_STATE, dir);
                return CP_ERR_NOMEM;
        }
        rc = CP_OK;
        if (st.ss_has_read && !st.ss_read_committed && st.ss_read_set == set) {
                st.ss_read_committed = true;
                rc = cp_spool_state_save(dir, &st, errstr, errstr_size);
        }
        cp_spool_state_free(&st);
        return rc;
}

static int cp_spool_name_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void cp_spool_prune(const char *dir, cp_spool_state_t *st)
{
        /* Sorted by file name, for bsearch. */
        size_t n = st->ss_n;
        const char **names = malloc((n ? n : 1) * sizeof(*names));
        struct dirent *de;
        DIR *d;

        if (!names)
                return;
        for (size_t i = 0; i < n; i++)
                names[i] = st->ss_e[i].se_file;
        qsort(names, n, sizeof(*names), cp_spool_name_cmp);
        d = opendir(dir);
        while (d && (de = readdir(d))) {
                const char *name = de->d_name, *key = name;
                char path[4096];

                if (strncmp(name, CP_SPOOL_TMP, strlen(CP_SPOOL_TMP)) &&
                    (!cp_spool_is_page(name) ||
                     bsearch(&key, names, n, sizeof(*names),
                             cp_spool_name_cmp)))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, name);
                if (unlink(path) && errno != ENOENT)
                        cp_log_warn("ingest", "HTTP_SPOOL_PRUNE",
                                    "file=\"%s\" msg=\"cannot delete a page "
                                    "no longer fetched: %s\"", path,
                                    strerror(errno));
        }
        if (d)
                closedir(d);
        free(names);
}
