/*
 * The expected result of running the pipeline over the generated feeds:
 * every figure of docs/metrics.md per source, the totals, the pairs of
 * sources, and every bad row with its file and line.
 *
 * DESIGN: the truth is counted from what was written, never by re-deriving
 * keys from the text: it must not share a normaliser's bugs. Two kinds of
 * counts:
 *   - per record, while a feed is written (gen_feed.c): records read,
 *     repeats, bad rows and their reasons, identifiers, and the later
 *     records withdrawing an entry that are produced as REMOVAL (their
 *     position, like a bad row's);
 *   - per key, by walking the universes once more (cp_gen_truth_count):
 *     for each entry, the sources that hold it and their views of it
 *     (gen_view.h) give its keys, its class in each source, whether it is
 *     shared, fuzzy or unmatched and why, what central writes differently,
 *     the lag, the fields present, the subjects, and what a later
 *     withdrawn record of it does (cp_gen_view_later_fate).
 * Bad rows go to a temporary file as they are found; subjects are bitmaps
 * over the plan's subject pools (one bit per possible subject key per
 * source, about 1 MB per million rows in all), so memory does not grow
 * with the rows actually written. truth.json is assembled at the end, in
 * the format `credpipe run --report-json` writes (cli/report_out.c).
 */
#ifndef CP_GEN_TRUTH_H
#define CP_GEN_TRUTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gen_model.h"
#include "gen_source.h"
#include "gen_view.h"

typedef struct cp_gen_stats_s {
        /* per record (gen_feed.c) */
        uint64_t st_read;      /* records: good, repeated and bad rows */
        uint64_t st_rejects;   /* bad rows */
        uint64_t st_dups;      /* exact repeats within the source */
        uint64_t st_later;     /* records withdrawing an entry written before */
        uint64_t st_blank;     /* blank lines (not records) */
        uint64_t st_bad[CP_GEN_BAD__COUNT];
        uint64_t st_id_present, st_id_valid, st_id_flagged, st_id_invalid;

        /* per key (cp_gen_truth_count) */
        uint64_t st_unique;    /* entries held = distinct keys accepted */
        uint64_t st_produced;  /* keys first read here (centrals first, then table order) */
        /* of those, withdrawn or expired in this source, and records
         * withdrawing a key the source produced (st_later_removals) */
        uint64_t st_removals;
        uint64_t st_later_keys;      /* withdrawn_later: active keys a later record withdrew */
        uint64_t st_later_removals;  /* of them, the later record produced (a REMOVAL) */
        uint64_t st_class[CP_GEN_KC__COUNT];
        uint64_t st_shared;    /* active, central has the same key */
        uint64_t st_fuzzy;     /* active, not shared, central has the fuzzy key */
        uint64_t st_unmatched[CP_GEN_NM__COUNT];
        uint64_t st_central_unreported;
        uint64_t st_discrepant;
        uint64_t st_compared[CP_GEN_CMP__COUNT];
        uint64_t st_differs[CP_GEN_CMP__COUNT];
        uint64_t st_lag_bucket[CP_GEN_LAG_BUCKETS];
        uint64_t st_lag_count;
        int64_t st_lag_sum;
        uint64_t st_lag_unknown;
        uint64_t st_cmpl_keys;                  /* completeness denominator */
        uint64_t st_present[CP_GEN_F__COUNT];   /* keys with the field present */
        uint64_t st_subjects;
        uint64_t *st_subject_bits;              /* cp_gen_subject_slots bits */
} cp_gen_stats_t;

typedef struct cp_gen_truth_s {
        FILE *tr_rejects;           /* the rejects list, one JSON object a line */
        char *tr_rejects_path;
        uint64_t tr_nrejects;       /* entries written to tr_rejects */
        /* The REMOVAL records later withdrawn records produce, one JSON
         * object a line (truth.json's withdrawn_later_removals) */
        FILE *tr_later;
        char *tr_later_path;
        uint64_t tr_nlater;
        cp_gen_stats_t *tr_src;     /* one per cp_gen_sources entry */
        uint64_t *tr_overlap;       /* nsources x nsources: keys both hold */
        uint64_t *tr_missing;       /* subjects of i that j (same category) lacks */
        uint64_t tr_produced;       /* distinct keys over all sources */
        uint64_t tr_central_keys;   /* distinct keys of the central sources */
        int32_t tr_as_of;
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

/**
 * @brief Records a later withdrawn record that is produced as a REMOVAL.
 * @param line its line (row) in the source's file
 * @param first_line that of the source's first record of the key
 * @param status its status as written
 */
void cp_gen_truth_later(cp_gen_truth_t *tr, const cp_gen_source_t *src, uint64_t line,
                        uint64_t first_line, const char *status);

/**
 * @brief Counts every per-key figure by walking the universes (see DESIGN).
 * @returns 0, or -1 with errstr set (out of memory for the subject bitmaps)
 */
int cp_gen_truth_count(cp_gen_truth_t *tr, const cp_gen_plan_t *pl, char *errstr,
                       size_t errstr_size);

/** @returns 0 after writing DIR/truth.json, or -1 with errstr set. */
int cp_gen_truth_write(cp_gen_truth_t *tr, const char *dir, char *errstr,
                       size_t errstr_size);

/** @brief Frees the truth and removes the temporary file. */
void cp_gen_truth_close(cp_gen_truth_t *tr);

#endif
