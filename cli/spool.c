#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "core/err.h"
#include "core/log.h"
#include "ingest/ingest.h"

#define CP_SET_FILE "set.tsv"
#define CP_REGISTRY "files.tsv"

static void cp_state_path(const cp_conf_t *conf, const char *name, char *out, size_t n)
{
        snprintf(out, n, "%s/%s", conf->conf_state_dir, name);
}

static void cp_spool_clear_set(cp_spool_t *sp)
{
        for (size_t i = 0; sp->sp_files && i < sp->sp_conf->conf_nsources; i++) {
                for (size_t k = 0; k < sp->sp_nfiles[i]; k++)
                        free(sp->sp_files[i][k].sf_path);
                free(sp->sp_files[i]);
                sp->sp_files[i] = NULL;
                sp->sp_nfiles[i] = 0;
        }
        sp->sp_set = 0;
}

/* Who a file is without reading it: path, size and modification time. */
static void cp_identity(const char *path, uint64_t size, int64_t mtime_ns, uint64_t out[2])
{
        XXH3_state_t st;
        XXH128_hash_t d;

        XXH3_128bits_reset(&st);
        XXH3_128bits_update(&st, path, strlen(path) + 1);
        XXH3_128bits_update(&st, &size, sizeof(size));
        XXH3_128bits_update(&st, &mtime_ns, sizeof(mtime_ns));
        d = XXH3_128bits_digest(&st);
        out[0] = d.low64;
        out[1] = d.high64;
}

static int cp_known_add(cp_spool_t *sp, const char *path, uint64_t size, int64_t mtime_ns)
{
        uint64_t id[2], prev;

        cp_identity(path, size, mtime_ns, id);
        return cp_dedupe_add(&sp->sp_known, id, 0, &prev) < 0 ? -1 : 0;
}

static int cp_spool_add(cp_spool_t *sp, size_t source, const char *path, const uint64_t h[2],
                        uint64_t size, int64_t mtime_ns)
{
        cp_spool_file_t *g = realloc(sp->sp_files[source],
                                     (sp->sp_nfiles[source] + 1) * sizeof(*g));

        if (!g)
                return -1;
        sp->sp_files[source] = g;
        g[sp->sp_nfiles[source]].sf_path = strdup(path);
        g[sp->sp_nfiles[source]].sf_hash[0] = h[0];
        g[sp->sp_nfiles[source]].sf_hash[1] = h[1];
        g[sp->sp_nfiles[source]].sf_size = size;
        g[sp->sp_nfiles[source]].sf_mtime_ns = mtime_ns;
        sp->sp_nfiles[source]++;
        return 0;
}

/* Registry lines: "hash_hi hash_lo size mtime_ns path"; a set's: "set N
 * ids", then "source_id hash_hi hash_lo size mtime_ns path" (before the
 * source list could change, "set N" and the source's index). */
static int cp_spool_load(cp_spool_t *sp, char *errstr, size_t errstr_size)
{
        char path[4096], line[8192];
        FILE *f;
        uint64_t prev;

        cp_state_path(sp->sp_conf, CP_REGISTRY, path, sizeof(path));
        if ((f = fopen(path, "r"))) {
                while (fgets(line, sizeof(line), f)) {
                        uint64_t h[2], size;
                        int64_t mtime;
                        int off = 0;

                        line[strcspn(line, "\n")] = '\0';
                        if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNu64 " %" SCNd64 " %n",
                                   &h[1], &h[0], &size, &mtime, &off) != 4 || !off)
                                continue;
                        if (cp_dedupe_add(&sp->sp_seen, h, 0, &prev) < 0 ||
                            cp_known_add(sp, line + off, size, mtime)) {
                                fclose(f);
                                snprintf(errstr, errstr_size, "out of memory");
                                return -1;
                        }
                }
                fclose(f);
        }
        cp_state_path(sp->sp_conf, CP_SET_FILE, path, sizeof(path));
        if (!(f = fopen(path, "r")))
                return 0;
        char by[8] = "";

        if (!fgets(line, sizeof(line), f) ||
            sscanf(line, "set %" SCNu64 " %7s", &sp->sp_set, by) < 1) {
                fclose(f);
                snprintf(errstr, errstr_size, "%s: not a set list; remove it to take a new set",
                         path);
                return -1;
        }
        while (fgets(line, sizeof(line), f)) {
                char id[256];
                size_t source = 0;
                uint64_t h[2], size;
                int64_t mtime;
                int off = 0, idx = -2;

                line[strcspn(line, "\n")] = '\0';
                if (sscanf(line, "%255s %" SCNx64 " %" SCNx64 " %" SCNu64 " %" SCNd64 " %n",
                           id, &h[1], &h[0], &size, &mtime, &off) == 5 && off) {
                        idx = strcmp(by, "ids") ? (sscanf(id, "%zu", &source) == 1 &&
                                                   source < sp->sp_conf->conf_nsources
                                                   ? (int)source : -2)
                                                : cp_conf_source_index(sp->sp_conf, id);
                        if (idx == -1) {
                                /* Removed from the configuration since the
                                 * set was taken: its file stays unread. */
                                cp_log_warn("run", "SET_SOURCE_GONE", "set=%" PRIu64
                                            " source=%s file=%s msg=\"the set lists a file of "
                                            "a source no longer configured; it is left where "
                                            "it is, unread\"", sp->sp_set, id, line + off);
                                continue;
                        }
                        source = (size_t)idx;
                }
                if (!off || idx < 0 ||
                    cp_spool_add(sp, source, line + off, h, size, mtime)) {
                        fclose(f);
                        snprintf(errstr, errstr_size, "%s: a line is damaged; remove the file "
                                 "to take a new set", path);
                        return -1;
                }
        }
        fclose(f);
        cp_log_info("run", "SET_RESUMED", "set=%" PRIu64 " msg=\"a set of inputs left "
                    "unfinished is read again first\"", sp->sp_set);
        return 0;
}

/* Watches the folder of every source path pattern: a rename into it or a
 * close after writing says a file is complete without waiting to see it
 * settle. A folder that is not there yet is found by the scan later. */
static void cp_spool_watch(cp_spool_t *sp)
{
        const cp_conf_t *conf = sp->sp_conf;

        sp->sp_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (sp->sp_inotify < 0)
                return;
        for (size_t i = 0; i < conf->conf_nsources; i++)
                for (size_t k = 0; k < conf->conf_sources[i].src_npaths; k++) {
                        char buf[4096], *dir, **g;
                        int *gw;
                        int wd;

                        snprintf(buf, sizeof(buf), "%s", conf->conf_sources[i].src_paths[k]);
                        dir = dirname(buf);
                        if (strpbrk(dir, "*?["))
                                continue;  /* a pattern in the folder part: scan only */
                        wd = inotify_add_watch(sp->sp_inotify, dir, IN_MOVED_TO | IN_CLOSE_WRITE);
                        if (wd < 0)
                                continue;
                        g = realloc(sp->sp_wd_dir, (sp->sp_nwd + 1) * sizeof(*g));
                        if (g)
                                sp->sp_wd_dir = g;
                        gw = realloc(sp->sp_wd, (sp->sp_nwd + 1) * sizeof(*gw));
                        if (gw)
                                sp->sp_wd = gw;
                        if (!g || !gw)
                                return;
                        sp->sp_wd[sp->sp_nwd] = wd;
                        sp->sp_wd_dir[sp->sp_nwd++] = strdup(dir);
                }
}

static const char *cp_spool_wd_dir(const cp_spool_t *sp, int wd)
{
        for (size_t i = 0; i < sp->sp_nwd; i++)
                if (sp->sp_wd[i] == wd)
                        return sp->sp_wd_dir[i];
        return NULL;
}

void cp_spool_wait(cp_spool_t *sp, int timeout_ms)
{
        struct pollfd pfd = {.fd = sp->sp_inotify, .events = POLLIN};
        char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n;

        if (sp->sp_inotify < 0) {
                struct timespec t = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};

                nanosleep(&t, NULL);
                return;
        }
        if (poll(&pfd, 1, timeout_ms) <= 0)
                return;
        while ((n = read(sp->sp_inotify, buf, sizeof(buf))) > 0)
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        const char *dir = cp_spool_wd_dir(sp, ev->wd);
                        char path[4096], **g;

                        p += sizeof(*ev) + ev->len;
                        /* Hidden names are files still being written. */
                        if (!ev->len || ev->name[0] == '.' || !dir)
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", dir, ev->name);
                        g = realloc(sp->sp_ready, (sp->sp_nready + 1) * sizeof(*g));
                        if (!g)
                                return;
                        sp->sp_ready = g;
                        sp->sp_ready[sp->sp_nready++] = strdup(path);
                }
}

/* Announced complete by inotify (and forgotten once asked about). */
static bool cp_spool_ready(cp_spool_t *sp, const char *path)
{
        for (size_t i = 0; i < sp->sp_nready; i++)
                if (sp->sp_ready[i] && !strcmp(sp->sp_ready[i], path)) {
                        free(sp->sp_ready[i]);
                        sp->sp_ready[i] = sp->sp_ready[--sp->sp_nready];
                        return true;
                }
        return false;
}

int cp_spool_open(cp_spool_t *sp, const cp_conf_t *conf, char *errstr, size_t errstr_size)
{
        memset(sp, 0, sizeof(*sp));
        sp->sp_conf = conf;
        sp->sp_inotify = -1;
        sp->sp_files = calloc(conf->conf_nsources, sizeof(*sp->sp_files));
        sp->sp_nfiles = calloc(conf->conf_nsources, sizeof(*sp->sp_nfiles));
        if (!sp->sp_files || !sp->sp_nfiles || cp_dedupe_init(&sp->sp_seen, 1024) ||
            cp_dedupe_init(&sp->sp_known, 1024)) {
                snprintf(errstr, errstr_size, "out of memory");
                cp_spool_close(sp);
                return -1;
        }
        if (cp_spool_load(sp, errstr, errstr_size)) {
                cp_spool_close(sp);
                return -1;
        }
        cp_spool_watch(sp);
        return 0;
}

void cp_spool_close(cp_spool_t *sp)
{
        if (sp->sp_conf)
                cp_spool_clear_set(sp);
        free(sp->sp_files);
        free(sp->sp_nfiles);
        for (size_t i = 0; i < sp->sp_nwd; i++)
                free(sp->sp_wd_dir[i]);
        free(sp->sp_wd_dir);
        free(sp->sp_wd);
        for (size_t i = 0; i < sp->sp_nready; i++)
                free(sp->sp_ready[i]);
        free(sp->sp_ready);
        if (sp->sp_inotify >= 0)
                close(sp->sp_inotify);
        cp_dedupe_free(&sp->sp_seen);
        cp_dedupe_free(&sp->sp_known);
        memset(sp, 0, sizeof(*sp));
}

/* @returns 0 with the XXH3-128 of the file's content, or -1. */
static int cp_file_hash(const char *path, uint64_t h[2])
{
        static __thread unsigned char buf[1 << 16];
        XXH3_state_t st;
        XXH128_hash_t d;
        FILE *f = fopen(path, "rb");
        size_t n;

        if (!f)
                return -1;
        XXH3_128bits_reset(&st);
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                XXH3_128bits_update(&st, buf, n);
        n = (size_t)ferror(f);
        fclose(f);
        d = XXH3_128bits_digest(&st);
        h[0] = d.low64;
        h[1] = d.high64;
        return n ? -1 : 0;
}

/* mkdir -p, private. */
static void cp_mkdirs(const char *dir)
{
        char buf[4096];

        snprintf(buf, sizeof(buf), "%s", dir);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        mkdir(buf, 0700);
                        *p = '/';
                }
        mkdir(buf, 0700);
}

/* Keeps, deletes or moves a file that is read and committed. */
static void cp_spool_dispose(const cp_source_conf_t *src, const char *path)
{
        char dst[4096], tmp[4096];

        switch (src->src_done) {
        case CP_DONE_KEEP:
                return;
        case CP_DONE_DELETE:
                if (unlink(path) && errno != ENOENT)
                        cp_log_warn("run", "SPOOL_DONE_FAILED", "source=%s file=%s err=\"%s\"",
                                    src->src_id, path, strerror(errno));
                return;
        case CP_DONE_MOVE:
                snprintf(tmp, sizeof(tmp), "%s", path);
                cp_mkdirs(src->src_done_dir);
                snprintf(dst, sizeof(dst), "%s/%s", src->src_done_dir, basename(tmp));
                /* Gone already is fine: moved before a crash, done again. */
                if (rename(path, dst) && access(path, F_OK) == 0)
                        cp_log_warn("run", "SPOOL_DONE_FAILED", "source=%s file=%s err=\"%s\"",
                                    src->src_id, path, strerror(errno));
                return;
        }
}

static int cp_write_set(cp_spool_t *sp, char *errstr, size_t errstr_size)
{
        char path[4096], tmp[4200];
        FILE *f;
        int ok;

        cp_state_path(sp->sp_conf, CP_SET_FILE, path, sizeof(path));
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        if (!(f = fopen(tmp, "w"))) {
                snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
                return -1;
        }
        ok = fprintf(f, "set %" PRIu64 " ids\n", sp->sp_set) > 0;
        for (size_t i = 0; i < sp->sp_conf->conf_nsources; i++)
                for (size_t k = 0; k < sp->sp_nfiles[i]; k++)
                        ok &= fprintf(f, "%s %016" PRIx64 " %016" PRIx64 " %" PRIu64 " %" PRId64
                                      " %s\n", sp->sp_conf->conf_sources[i].src_id,
                                      sp->sp_files[i][k].sf_hash[1],
                                      sp->sp_files[i][k].sf_hash[0], sp->sp_files[i][k].sf_size,
                                      sp->sp_files[i][k].sf_mtime_ns,
                                      sp->sp_files[i][k].sf_path) > 0;
        ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok &= fclose(f) == 0;
        if (!ok || rename(tmp, path)) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                unlink(tmp);
                return -1;
        }
        return 0;
}

int cp_spool_take(cp_spool_t *sp, uint64_t id, bool force, char *errstr,
                  size_t errstr_size)
{
        const cp_conf_t *conf = sp->sp_conf;
        time_t now = time(NULL);
        size_t taken = 0;

        cp_spool_clear_set(sp);
        for (size_t i = 0; i < conf->conf_nsources; i++) {
                const cp_source_conf_t *src = &conf->conf_sources[i];
                char **files = NULL, err[512];
                size_t n = 0;

                if (cp_ingest_expand(src, &files, &n, err, sizeof(err)))
                        continue;  /* a folder that is not there yet */
                for (size_t k = 0; k < n; k++) {
                        struct stat st;
                        uint64_t h[2], ident[2];
                        int64_t mtime_ns;

                        if (stat(files[k], &st) || !S_ISREG(st.st_mode))
                                continue;
                        mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
                        cp_identity(files[k], (uint64_t)st.st_size, mtime_ns, ident);
                        /* Read already (kept), or found identical before. */
                        if (cp_dedupe_find(&sp->sp_known, ident))
                                continue;
                        /* Complete: renamed into place or closed after
                         * writing (inotify), else unchanged for settle
                         * (whole seconds at least one, since mtimes of some
                         * file systems are). */
                        if ((!cp_spool_ready(sp, files[k]) &&
                             (double)(now - st.st_mtime) * 1000.0 <
                                     (double)(conf->conf_settle_ms > 1000 ? conf->conf_settle_ms
                                                                           : 1000)) ||
                            cp_file_hash(files[k], h))
                                continue;
                        if (cp_dedupe_find(&sp->sp_seen, h)) {
                                cp_log_info("run", "FILE_REDELIVERED", "source=%s file=%s "
                                            "msg=\"identical to a file read before: not read "
                                            "again\"", src->src_id, files[k]);
                                cp_known_add(sp, files[k], (uint64_t)st.st_size, mtime_ns);
                                cp_spool_dispose(src, files[k]);
                                continue;
                        }
                        if (cp_spool_add(sp, i, files[k], h, (uint64_t)st.st_size, mtime_ns)) {
                                cp_ingest_paths_free(files, n);
                                snprintf(errstr, errstr_size, "out of memory");
                                return -1;
                        }
                        taken++;
                }
                cp_ingest_paths_free(files, n);
        }
        if (!taken && !force)
                return 0;
        sp->sp_set = id;
        if (cp_write_set(sp, errstr, errstr_size))
                return -1;
        cp_log_info("run", "SET_TAKEN", "set=%" PRIu64 " files=%zu", id, taken);
        return 1;
}

char **cp_spool_paths(const cp_spool_t *sp, size_t source, size_t *n)
{
        char **v = calloc(sp->sp_nfiles[source] + 1, sizeof(*v));

        *n = 0;
        if (!v)
                return NULL;
        for (size_t k = 0; k < sp->sp_nfiles[source]; k++)
                v[(*n)++] = strdup(sp->sp_files[source][k].sf_path);
        return v;
}

int cp_spool_finish(cp_spool_t *sp, char *errstr, size_t errstr_size)
{
        const cp_conf_t *conf = sp->sp_conf;
        char path[4096];
        FILE *f;
        int ok = 1;

        cp_state_path(conf, CP_REGISTRY, path, sizeof(path));
        if (!(f = fopen(path, "a"))) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                return -1;
        }
        for (size_t i = 0; i < conf->conf_nsources; i++)
                for (size_t k = 0; k < sp->sp_nfiles[i]; k++) {
                        uint64_t prev;

                        const cp_spool_file_t *sf = &sp->sp_files[i][k];

                        ok &= fprintf(f, "%016" PRIx64 " %016" PRIx64 " %" PRIu64 " %" PRId64
                                      " %s\n", sf->sf_hash[1], sf->sf_hash[0], sf->sf_size,
                                      sf->sf_mtime_ns, sf->sf_path) > 0;
                        ok &= cp_dedupe_add(&sp->sp_seen, sf->sf_hash, 0, &prev) >= 0;
                        ok &= cp_known_add(sp, sf->sf_path, sf->sf_size, sf->sf_mtime_ns) == 0;
                }
        ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok &= fclose(f) == 0;
        if (!ok) {
                snprintf(errstr, errstr_size, "%s: cannot record the files read", path);
                return -1;
        }
        /* Registered first: a crash from here on leaves files that are
         * known, and a set that is finished again. */
        for (size_t i = 0; i < conf->conf_nsources; i++)
                for (size_t k = 0; k < sp->sp_nfiles[i]; k++)
                        cp_spool_dispose(&conf->conf_sources[i], sp->sp_files[i][k].sf_path);
        cp_state_path(conf, CP_SET_FILE, path, sizeof(path));
        unlink(path);
        cp_log_info("run", "SET_DONE", "set=%" PRIu64, sp->sp_set);
        cp_spool_clear_set(sp);
        return 0;
}
