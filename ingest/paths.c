/*
 * Expanding a source's paths into the list of files to read.
 *
 * DESIGN: feeds drop dated files into a directory, so a pattern that
 * matches nothing today is normal and silent; a plain path names one
 * specific file, so its absence is a mistake worth stopping for. The list
 * is sorted bytewise (not by locale, as glob(3) does) so that every run
 * reads files in the same order whatever the environment, and a file named
 * by two patterns is read once.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "ingest.h"

typedef struct cp_paths_s {
        char **ps_v;
        size_t ps_n;
        size_t ps_cap;
} cp_paths_t;

static int cp_paths_add(cp_paths_t *ps, const char *path)
{
        if (ps->ps_n == ps->ps_cap) {
                size_t cap = ps->ps_cap ? ps->ps_cap * 2 : 16;
                char **nv = realloc(ps->ps_v, cap * sizeof(*nv));

                if (!nv)
                        return CP_ERR_NOMEM;
                ps->ps_v = nv;
                ps->ps_cap = cap;
        }
        ps->ps_v[ps->ps_n] = strdup(path);
        if (!ps->ps_v[ps->ps_n])
                return CP_ERR_NOMEM;
        ps->ps_n++;
        return CP_OK;
}

static int cp_paths_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cp_paths_glob(const cp_source_conf_t *src, const char *pattern,
                         cp_paths_t *ps, char *errstr, size_t errstr_size)
{
        glob_t g;
        int rc;

        /* GLOB_MARK: directories come back with a trailing '/'. */
        rc = glob(pattern, GLOB_MARK, NULL, &g);
        if (rc == GLOB_NOMATCH)
                return CP_OK;
        if (rc == GLOB_NOSPACE) {
                globfree(&g);
                return CP_ERR_NOMEM;
        }
        if (rc != 0) {
                snprintf(errstr, errstr_size,
                         "source %s: cannot expand %s: a directory could "
                         "not be read", src->src_id, pattern);
                globfree(&g);
                return CP_ERR_IO;
        }
        for (size_t i = 0; i < g.gl_pathc; i++) {
                const char *p = g.gl_pathv[i];
                size_t n = strlen(p);

                if (n && p[n - 1] == '/')
                        continue;
                if (cp_paths_add(ps, p) != CP_OK) {
                        globfree(&g);
                        return CP_ERR_NOMEM;
                }
        }
        globfree(&g);
        return CP_OK;
}

static int cp_paths_plain(const cp_source_conf_t *src, const char *path,
                          cp_paths_t *ps, char *errstr, size_t errstr_size)
{
        struct stat st;

        if (stat(path, &st) != 0) {
                snprintf(errstr, errstr_size, "source %s: %s: %s",
                         src->src_id, path, strerror(errno));
                return CP_ERR_IO;
        }
        if (S_ISDIR(st.st_mode)) {
                snprintf(errstr, errstr_size,
                         "source %s: %s is a directory; name its files with "
                         "a pattern such as %s/*.csv", src->src_id, path,
                         path);
                return CP_ERR_IO;
        }
        return cp_paths_add(ps, path);
}

int cp_ingest_expand(const cp_source_conf_t *src, char ***files,
                     size_t *nfiles, char *errstr, size_t errstr_size)
{
        cp_paths_t ps = { 0 };
        size_t k = 0;
        int rc = CP_OK;

        *files = NULL;
        *nfiles = 0;
        /* An http source has no paths: its pages are listed as they are
         * fetched, by cp_ingest_fetch() in the source's thread. */
        for (size_t i = 0; i < src->src_npaths && rc == CP_OK; i++) {
                const char *p = src->src_paths[i];

                if (strpbrk(p, "*?["))
                        rc = cp_paths_glob(src, p, &ps, errstr, errstr_size);
                else
                        rc = cp_paths_plain(src, p, &ps, errstr, errstr_size);
        }
        if (rc != CP_OK) {
                if (rc == CP_ERR_NOMEM)
                        snprintf(errstr, errstr_size,
                                 "source %s: out of memory listing files",
                                 src->src_id);
                cp_ingest_paths_free(ps.ps_v, ps.ps_n);
                return rc;
        }
        if (ps.ps_n > 1)
                qsort(ps.ps_v, ps.ps_n, sizeof(*ps.ps_v), cp_paths_cmp);
        for (size_t i = 0; i < ps.ps_n; i++) {
                if (k > 0 && strcmp(ps.ps_v[k - 1], ps.ps_v[i]) == 0)
                        free(ps.ps_v[i]);
                else
                        ps.ps_v[k++] = ps.ps_v[i];
        }
        *files = ps.ps_v;
        *nfiles = k;
        return CP_OK;
}

void cp_ingest_paths_free(char **files, size_t nfiles)
{
        if (!files)
                return;
        for (size_t i = 0; i < nfiles; i++)
                free(files[i]);
        free(files);
}
