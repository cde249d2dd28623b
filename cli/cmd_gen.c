/*
 * `credpipe gen`: synthetic feeds with known ground truth.
 *
 *     credpipe gen --out DIR [--rows N] [--seed S]
 *
 * DESIGN: writes the feed files under DIR/feeds (eight sources: sectoral, municipal and
 * central, CSV and JSON Lines, Chinese and SPC/Credit China column names),
 * DIR/credpipe.yaml (a configuration that runs the pipeline over exactly
 * those feeds, observed on a fixed date) and DIR/truth.json (every figure
 * of docs/metrics.md the pipeline must report).
 * The work is split by concern:
 *   gen_rng.h    seeded, per-index randomness (SplitMix64)
 *   gen_ids.c    USCC / organisation code / resident number arithmetic
 *   gen_text.c   regions, names, word lists
 *   gen_model.c  the entry universes: what exists and who holds it
 *   gen_view.c   what each source writes of an entry, and the rules
 *                (classes, matches, comparisons) that apply to it
 *   gen_sources.c  the sources and how each writes an entry
 *   gen_feed.c   writing one feed: entries, repeats, bad rows, and
 *                entries written again later, withdrawn
 *   gen_truth.c  counting and writing truth.json
 *   gen_conf.c   writing credpipe.yaml (and credpipe-portal.yaml)
 *   gen_portal.c two JSON Lines feeds as an HTTP portal's pages, and
 *                truth-portal.json
 * Output depends only on (seed, rows): no clock, no environment, no
 * rand(). Memory does not grow with the rows written: entries are rebuilt
 * from their index when needed, bad rows are spooled to a temporary file;
 * only the subject bitmaps of the truth grow with the plan's pools (about
 * 1 MB per million rows).
 */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gen_conf.h"
#include "gen_feed.h"
#include "gen_model.h"
#include "gen_portal.h"
#include "gen_source.h"
#include "gen_truth.h"

#define CP_GEN_ROWS_DEFAULT 10000ULL
#define CP_GEN_ROWS_MIN 50ULL
/* Organisation-code bodies are bijections of a company number below 10^8;
 * beyond this many rows two companies could share a USCC. */
#define CP_GEN_ROWS_MAX 100000000ULL

static const char cp_gen_usage[] =
        "usage: credpipe gen --out DIR [--rows N] [--seed S]\n"
        "\n"
        "Writes deterministic synthetic credit-record feeds with known ground truth:\n"
        "  DIR/feeds/*.csv, *.jsonl  eight sources: sectoral, municipal and central\n"
        "  DIR/credpipe.yaml         a configuration that runs the pipeline over them\n"
        "  DIR/truth.json            the counts `credpipe run --report-json` must report\n"
        "\n"
        "  -o, --out DIR   output directory, created if missing; files are replaced\n"
        "  -n, --rows N    about N records over all feeds (default 10000; 50 to 100000000)\n"
        "  -s, --seed S    seed (default 1); the same seed and rows give identical files\n"
        "  -h, --help      show this text\n";

/* Parses a whole decimal number; rejects signs, blanks and trailing text. */
static int cp_gen_parse_u64(const char *s, unsigned long long *out)
{
        char *end;

        if (!s || *s < '0' || *s > '9')
                return -1;
        errno = 0;
        *out = strtoull(s, &end, 10);
        return errno || *end ? -1 : 0;
}

/* mkdir -p: creates every missing directory of path. */
static int cp_gen_mkdirs(const char *path)
{
        char *tmp = strdup(path);
        int rc = 0;

        if (!tmp)
                return -1;
        for (char *p = tmp + 1; ; p++) {
                if (*p != '/' && *p)
                        continue;
                char c = *p;
                *p = '\0';
                if (mkdir(tmp, 0777) && errno != EEXIST) {
                        rc = -1;
                        break;
                }
                *p = c;
                if (!c)
                        break;
        }
        free(tmp);
        return rc;
}

/* Takes the value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *cp_gen_optval(int argc, char **argv, int *i, const char *lng,
                                 const char *shrt)
{
        size_t n = strlen(lng);

        if (!strncmp(argv[*i], lng, n) && argv[*i][n] == '=')
                return argv[*i] + n + 1;
        if (strcmp(argv[*i], lng) && strcmp(argv[*i], shrt))
                return NULL;
        if (*i + 1 >= argc)
                return "";
        return argv[++*i];
}

int cp_cmd_gen(int argc, char **argv)
{
        unsigned long long rows = CP_GEN_ROWS_DEFAULT, seed = 1, read = 0, rejects = 0;
        double rows_per_entry[CP_GEN_CAT__COUNT];
        const char *out = NULL, *v;
        char feeds[4096], err[512];
        cp_gen_truth_t tr;
        cp_gen_plan_t pl;
        struct timespec t0, t1;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
                        fputs(cp_gen_usage, stdout);
                        return 0;
                } else if ((v = cp_gen_optval(argc, argv, &i, "--out", "-o"))) {
                        out = v;
                } else if ((v = cp_gen_optval(argc, argv, &i, "--rows", "-n"))) {
                        if (cp_gen_parse_u64(v, &rows) || rows < CP_GEN_ROWS_MIN ||
                            rows > CP_GEN_ROWS_MAX) {
                                fprintf(stderr, "credpipe gen: --rows must be a number from %llu to %llu, not '%s'\n",
                                        CP_GEN_ROWS_MIN, CP_GEN_ROWS_MAX, v);
                                return 2;
                        }
                } else if ((v = cp_gen_optval(argc, argv, &i, "--seed", "-s"))) {
                        if (cp_gen_parse_u64(v, &seed)) {
                                fprintf(stderr, "credpipe gen: --seed must be a whole number from 0 to 2^64-1, not '%s'\n", v);
                                return 2;
                        }
                } else {
                        fprintf(stderr, "credpipe gen: unknown argument '%s'\n\n%s", argv[i],
                                cp_gen_usage);
                        return 2;
                }
        }
        if (!out || !*out) {
                fprintf(stderr, "credpipe gen: --out DIR is required\n\n%s", cp_gen_usage);
                return 2;
        }
        if (snprintf(feeds, sizeof(feeds), "%s/feeds", out) >= (int)sizeof(feeds)) {
                fprintf(stderr, "credpipe gen: output path too long\n");
                return 2;
        }
        if (cp_gen_mkdirs(feeds)) {
                fprintf(stderr, "credpipe gen: cannot create %s: %s\n", feeds, strerror(errno));
                return 1;
        }

        if (cp_gen_nsources > CP_GEN_MAXSRC) {
                fprintf(stderr, "credpipe gen: %d sources, at most %d (CP_GEN_MAXSRC)\n",
                        cp_gen_nsources, CP_GEN_MAXSRC);
                return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cp_gen_rows_per_entry(rows_per_entry);
        cp_gen_plan_init(&pl, seed, rows, rows_per_entry);
        if (cp_gen_truth_open(&tr, out, err, sizeof(err)))
                goto fail;
        for (int s = 0; s < cp_gen_nsources; s++)
                if (cp_gen_feed_write(&pl, s, out, &tr, err, sizeof(err)))
                        goto fail;
        if (cp_gen_truth_count(&tr, &pl, err, sizeof(err)) ||
            cp_gen_truth_write(&tr, out, err, sizeof(err)) ||
            cp_gen_conf_write(out, seed, rows, false, err, sizeof(err)) ||
            cp_gen_conf_write(out, seed, rows, true, err, sizeof(err)) ||
            cp_gen_portal_write(out, err, sizeof(err)))
                goto fail;
        for (int s = 0; s < cp_gen_nsources; s++) {
                read += tr.tr_src[s].st_read;
                rejects += tr.tr_src[s].st_rejects;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("credpipe gen: %llu records in %d feeds (%llu keys, %llu duplicates, "
               "%llu rejects) written to %s in %.2f s, seed %llu\n",
               read, cp_gen_nsources, (unsigned long long)tr.tr_produced,
               read - rejects - (unsigned long long)tr.tr_produced, rejects, out,
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
               seed);
        cp_gen_truth_close(&tr);
        return 0;
fail:
        fprintf(stderr, "credpipe gen: %s\n", err);
        cp_gen_truth_close(&tr);
        return 1;
}
