/*
 * The expected result of running the pipeline over the generated feeds:
 * counts per source, totals, and every bad row with its file and line.
 *
 * DESIGN: the truth is counted while the feeds are written, from what was
 * written (which entry each row is, which rows are bad), never by
 * re-deriving keys from the text: it must not share a normaliser's bugs.
 * Bad rows go to a temporary file as they are found, so memory does not
 * grow with --rows; truth.json is assembled from the counts and that file
 * at the end, in the format `credpipe run --report-json` writes.
 */
#ifndef CP_GEN_TRUTH_H
#define CP_GEN_TRUTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gen_model.h"
#include "gen_source.h"

typedef struct cp_gen_stats_s {
        uint64_t st_read;      /* records: good, repeated and bad rows */
        uint64_t st_rejects;   /* bad rows */
        uint64_t st_unique;    /* entries held = distinct keys accepted */
        uint64_t st_shared;    /* of those, entries central holds */
        uint64_t st_dups;      /* exact repeats within the source */
        uint64_t st_blank;     /* blank lines (not records) */
        uint64_t st_bad[CP_GEN_BAD__COUNT];
} cp_gen_stats_t;

typedef struct cp_gen_truth_s {
        FILE *tr_rejects;           /* the rejects list, one JSON object a line */
        char *tr_rejects_path;
        uint64_t tr_nrejects;       /* entries written to tr_rejects */
        cp_gen_stats_t *tr_src;     /* one per cp_gen_sources entry */
        uint64_t tr_produced;       /* distinct keys over all sources */
} cp_gen_truth_t;

/** @returns 0, or -1 with errstr set. */
int cp_gen_truth_open(cp_gen_truth_t *tr, const char *dir, char *errstr,
                      size_t errstr_size);

/**
 * @brief Records one bad row.
 * @param reason the daemon's reject code
 * @param detail a sentence saying what exactly is wrong
 */
void cp_gen_truth_reject(cp_gen_truth_t *tr, const cp_gen_source_t *src,
                         uint64_t line, const char *reason, const char *detail);

/** @brief Counts the distinct keys of all sources (by walking the universes). */
void cp_gen_truth_count_produced(cp_gen_truth_t *tr, const cp_gen_plan_t *pl);

/** @returns 0 after writing DIR/truth.json, or -1 with errstr set. */
int cp_gen_truth_write(cp_gen_truth_t *tr, const char *dir, char *errstr,
                       size_t errstr_size);

/** @brief Frees the truth and removes the temporary file. */
void cp_gen_truth_close(cp_gen_truth_t *tr);

#endif
