/*
 * The sharing report: per-source counts, and the rates derived from them.
 *
 * DESIGN: counts, not only ratios, so that reports of several instances can
 * be summed. Every record read is accounted exactly once:
 *     read = produced + duplicates + rejects   (per source)
 * and every key of a non-central source falls in one class:
 *     unique_keys = withdrawn + not_eligible + expired + not_yet_due + active
 *     active      = shared + shared_fuzzy + Σ unmatched[reason]
 * docs/metrics.md defines every figure.
 */
#ifndef CP_REPORT_H
#define CP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "field.h"

/* Classes of a source's keys (docs/metrics.md, "Classes"). */
typedef enum cp_key_class_e {
        CP_KC_ACTIVE = 0,
        CP_KC_WITHDRAWN,
        CP_KC_NOT_ELIGIBLE,
        CP_KC_EXPIRED,
        CP_KC_NOT_YET_DUE,
        CP_KC__COUNT
} cp_key_class_t;

/* Why an active key has no central match, first that applies. */
typedef enum cp_nomatch_e {
        CP_NM_NO_SUBJECT_ID = 0,
        CP_NM_MASKED_ONLY,
        CP_NM_ID_SUSPECT,
        CP_NM_WEAK_KEY,
        CP_NM_NONE,
        CP_NM__COUNT
} cp_nomatch_t;

/* Fields compared between a source's view and the central view. */
typedef enum cp_cmp_e {
        CP_CMP_SUBJECT_NAME = 0,
        CP_CMP_AUTHORITY,
        CP_CMP_DECISION_DATE,
        CP_CMP_LIST_DATE,
        CP_CMP_VALID_TO,
        CP_CMP_PENALTY_TYPE,
        CP_CMP_FINE_AMOUNT,
        CP_CMP_CASE_NUMBER,
        CP_CMP__COUNT
} cp_cmp_t;

/* Upper bounds of the time-to-central histogram, in days; +Inf follows. */
#define CP_LAG_BUCKETS 8
extern const int cp_lag_bounds[CP_LAG_BUCKETS - 1];

/* Upper bounds of the observed time-to-central histogram (the delay
 * between a source first showing a key and the central records showing
 * it, by ingest time), in seconds; +Inf follows. */
#define CP_SEEN_BUCKETS 7
extern const int cp_seen_bounds[CP_SEEN_BUCKETS - 1];

/* Completeness is counted per canonical field, plus the virtual field
 * "subject_id" (any usable subject identifier). */
#define CP_REQ_SUBJECT_ID CP_F__COUNT
#define CP_REQ__COUNT (CP_F__COUNT + 1)

/* Reject reasons seen, per source: a short list (codes are few). */
#define CP_REJECT_REASONS_MAX 48
typedef struct cp_reason_count_s {
        const char *rc_code;   /* static storage */
        uint64_t rc_n;
} cp_reason_count_t;

typedef struct cp_source_stats_s {
        /* accounting of records */
        uint64_t st_read;
        uint64_t st_rejects;
        uint64_t st_duplicates;
        uint64_t st_produced;
        uint64_t st_removals;    /* of produced: with event REMOVAL */
        cp_reason_count_t st_reject_reasons[CP_REJECT_REASONS_MAX];
        unsigned st_nreject_reasons;

        /* keys */
        uint64_t st_unique_keys;  /* distinct keys this source reported */
        uint64_t st_class[CP_KC__COUNT];
        uint64_t st_shared;       /* active keys a central source has */
        uint64_t st_shared_fuzzy; /* active, not shared, fuzzy key central */
        uint64_t st_unmatched[CP_NM__COUNT];
        uint64_t st_central_unreported;  /* central sources only */

        /* discrepancies, over shared keys */
        uint64_t st_discrepant;
        uint64_t st_compared[CP_CMP__COUNT];
        uint64_t st_differs[CP_CMP__COUNT];

        /* time to central, over shared keys */
        uint64_t st_lag_bucket[CP_LAG_BUCKETS];  /* not cumulative */
        uint64_t st_lag_count;
        int64_t st_lag_sum_days;
        uint64_t st_lag_unknown;

        /* field completeness: required fields are set in st_required */
        uint8_t st_required[CP_REQ__COUNT];
        uint64_t st_present[CP_REQ__COUNT];
        uint64_t st_completeness_keys;  /* the denominator */

        /* identifier validity, over records */
        uint64_t st_id_present;
        uint64_t st_id_valid;
        uint64_t st_id_flagged;
        uint64_t st_id_invalid;

        uint64_t st_subjects;     /* distinct subject keys */

        /* Appended after the fields of version-2 snapshots, which are a
         * prefix of this struct (transform/snapshot.c). */
        /* observed time to central, over shared keys (0 when the central
         * records had the key first) */
        uint64_t st_seen_bucket[CP_SEEN_BUCKETS];  /* not cumulative */
        uint64_t st_seen_count;
        int64_t st_seen_sum_ms;
        uint64_t st_late_shared;  /* of shared: counted unmatched until a
                                   * central record of the key came later */
        /* entries that left the active set while the service ran */
        uint64_t st_window_ended;    /* active keys moved to expired */
        uint64_t st_removals_swept;  /* removal events produced for them */

        /* Appended after the fields of version-3 snapshots. */
        /* active keys a later record of the same source withdrew */
        uint64_t st_withdrawn_later;
        uint64_t st_withdrawn_later_removals;  /* of them: that record produced */
} cp_source_stats_t;

typedef struct cp_report_s {
        cp_source_stats_t *rep_src;  /* one per configured source, in order */
        size_t rep_nsrc;
        /* rep_nsrc × rep_nsrc, row-major; NULL when not computed */
        uint64_t *rep_overlap;        /* keys both i and j reported */
        uint64_t *rep_subjects_missing; /* subjects of i unknown to j (same
                                         * category), else 0 */
        uint64_t rep_central_keys;   /* distinct keys of all central sources */
        int32_t rep_as_of;           /* observation date, days since 1970 */
        int64_t rep_generated_ms;
} cp_report_t;

/** @returns shared / active in [0,1]; 0 when nothing is active. */
double cp_report_rate(const cp_source_stats_t *st);

/** @returns (shared + shared_fuzzy) / active in [0,1]. */
double cp_report_rate_fuzzy(const cp_source_stats_t *st);

/**
 * @returns the bucket of a histogram (n plain counts adding up to count)
 * that holds its median: the first whose cumulative count reaches half of
 * count; -1 when count is 0.
 */
int cp_report_median_bucket(const uint64_t *bucket, int n, uint64_t count);

/** @returns whether a shared key of st reached the central records after st
 * showed it: an observed delay above 0, or a late share (docs/metrics.md,
 * "Service mode: figures over time"). Never in a --once run. */
bool cp_report_seen_later(const cp_source_stats_t *st);

/** @returns whether an active key of st left the active set after its first
 * view: its window ended while the service ran, or a later record of st
 * withdrew it. */
bool cp_report_left_later(const cp_source_stats_t *st);

/** @returns the stable name of a class, reason or compared field. */
const char *cp_key_class_name(cp_key_class_t c);
const char *cp_nomatch_name(cp_nomatch_t r);
const char *cp_cmp_name(cp_cmp_t f);
/** @returns a required field's name: a canonical field, or "subject_id". */
const char *cp_req_name(int req);

/** @brief Counts one reject of this reason code (static storage). */
void cp_report_count_reject(cp_source_stats_t *st, const char *code);

/**
 * @brief Allocates rep->rep_src and the matrices for nsrc sources.
 * @returns 0, or CP_ERR_NOMEM.
 */
int cp_report_alloc(cp_report_t *rep, size_t nsrc);

/** @brief Frees what cp_report_alloc allocated. */
void cp_report_free(cp_report_t *rep);

/** @brief Copies src into dst (both allocated for the same nsrc). */
void cp_report_copy(cp_report_t *dst, const cp_report_t *src);

#endif
