#include "progress.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

typedef struct cp_progress_src_s {
        char **files;
        size_t nfiles;
        uint64_t *sizes;
        size_t cur;          /* index of the file being read */
        uint64_t done_bytes; /* sizes of the files before cur */
        uint64_t offset;     /* last record's offset in files[cur] */
        bool cur_done;       /* that record ends files[cur] (give or take a line end) */
} cp_progress_src_t;

struct cp_progress_s {
        cp_progress_src_t *src;
        size_t nsrc;
        uint64_t total_bytes, records;
        size_t total_files;
        double start, last_draw;
};

static double cp_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

cp_progress_t *cp_progress_new(size_t nsources, char **const *files,
                               const size_t *nfiles, bool enabled)
{
        cp_progress_t *pg;

        if (!enabled || !(pg = calloc(1, sizeof(*pg))))
                return NULL;
        pg->src = calloc(nsources, sizeof(*pg->src));
        pg->nsrc = nsources;
        for (size_t s = 0; s < nsources; s++) {
                cp_progress_src_t *ps = &pg->src[s];

                ps->files = files[s];
                ps->nfiles = nfiles[s];
                ps->sizes = calloc(ps->nfiles ? ps->nfiles : 1, sizeof(*ps->sizes));
                for (size_t f = 0; f < ps->nfiles; f++) {
                        struct stat st;
                        if (!stat(ps->files[f], &st))
                                ps->sizes[f] = (uint64_t)st.st_size;
                        pg->total_bytes += ps->sizes[f];
                }
                pg->total_files += ps->nfiles;
        }
        pg->start = cp_now();
        return pg;
}

void cp_progress_batch(cp_progress_t *pg, const cp_batch_t *bat)
{
        cp_progress_src_t *ps;
        const cp_record_t *last;
        uint64_t done = 0;
        size_t files_done = 0;
        double now, rate, eta;

        if (!pg || bat->bat_n == 0 || bat->bat_source >= pg->nsrc)
                return;
        ps = &pg->src[bat->bat_source];
        last = &bat->bat_rec[bat->bat_n - 1];
        pg->records += bat->bat_n;
        while (ps->cur < ps->nfiles && ps->files[ps->cur] != last->rec_file) {
                ps->done_bytes += ps->sizes[ps->cur];
                ps->cur++;
                ps->offset = 0;
        }
        ps->offset = last->rec_offset;
        ps->cur_done = ps->cur < ps->nfiles &&
                       last->rec_offset + last->rec_raw_len + 2 >= ps->sizes[ps->cur];
        now = cp_now();
        if (now - pg->last_draw < 0.25)
                return;
        pg->last_draw = now;
        for (size_t s = 0; s < pg->nsrc; s++) {
                done += pg->src[s].done_bytes + pg->src[s].offset;
                files_done += pg->src[s].cur + pg->src[s].cur_done;
        }
        rate = (double)pg->records / (now - pg->start + 1e-9);
        /* Sources that fetch their input (http) add bytes not known at
         * the start: done can pass the total. */
        eta = done && done < pg->total_bytes
                      ? (now - pg->start) * (double)(pg->total_bytes - done) / (double)done
                      : 0;
        fprintf(stderr, "\r\033[K%" PRIu64 " records, %.0f/s, files %zu/%zu, %.1f/%.1f MB, ETA %.0f s",
                pg->records, rate, files_done, pg->total_files, (double)done / 1e6,
                (double)pg->total_bytes / 1e6, eta);
}

void cp_progress_end(cp_progress_t *pg)
{
        if (!pg)
                return;
        fprintf(stderr, "\r\033[K");
        for (size_t s = 0; s < pg->nsrc; s++)
                free(pg->src[s].sizes);
        free(pg->src);
        free(pg);
}
