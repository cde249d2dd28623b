/*
 * Completeness measurement: for each source, how much of what it reports
 * reaches the central records, and how well (docs/metrics.md).
 *
 * DESIGN: measured once per (source, key), on the first record of the
 * source with that key — the source's view. The central records are read
 * before any other source (cli/run_ingest.c), so when a source's view is
 * measured the central view of its key is final: every figure is counted
 * once, at that moment, and never revised — within a set of inputs. In
 * service mode a central record of a later set revises one thing: a key
 * counted unmatched becomes shared (cp_measure_late_central), and the
 * sweeper (sweep.h) moves keys whose window ended to expired; in both
 * modes a later record of the same source may withdraw an active key
 * (cp_measure_withdraw). What
 * depends on the set of
 * sources per key (overlap, central keys no source reported, subjects one
 * platform lists and another does not) is counted from the tables' masks
 * when a report is made. Owned by the transform thread: no locks.
 */
#ifndef CP_MEASURE_H
#define CP_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "central.h"
#include "core/config.h"
#include "core/record.h"
#include "core/report.h"
#include "dedupe.h"
#include "normalize.h"
#include "pending.h"
#include "rules.h"

/* How an active key of a non-central source was counted at its first
 * view (the sweeper takes it out of the same count). */
typedef enum cp_share_e {
        CP_SH_NONE = 0,       /* not active, or a central source's */
        CP_SH_SHARED,
        CP_SH_FUZZY,
        CP_SH_UNMATCHED,      /* CP_SH_UNMATCHED + r: unmatched for reason r
                               * (cp_nomatch_t); CP_SH_UNMATCHED + CP_NM__COUNT
                               * and above are not used */
} cp_share_t;

/* The date fields a view parses once (transform reuses them for output). */
enum {
        CP_VD_DECISION = 0,
        CP_VD_PUBLISH,
        CP_VD_LIST,
        CP_VD_VALID_FROM,
        CP_VD_VALID_TO,
        CP_VD__COUNT
};

/* A record's facts, normalised once. The hashes of its compared fields
 * are not part of it: only a key the central records hold is compared,
 * so cp_measure_first_view() makes them only then. */
typedef struct cp_view_s {
        cp_date_rc_t vw_date_rc[CP_VD__COUNT];
        int32_t vw_days[CP_VD__COUNT];        /* set when rc is CP_DATE_OK */
        int vw_amount_rc;                     /* 1: parsed; 0: absent; -1: invalid */
        int64_t vw_fen;
        cp_unit_claim_t vw_claim;
} cp_view_t;

/* What transform knows of a record beyond its view. */
typedef struct cp_keyinfo_s {
        uint64_t ki_hash[2];        /* the record key's hash */
        uint64_t ki_prev;           /* sources that reported the key before */
        const char *ki_subject;     /* subject key text: "U:…", "M:…|name", "N:…" */
        size_t ki_subject_len;
        const uint64_t *ki_subject_hash;  /* cp_measure_subject_hash(), or NULL */
        bool ki_has_id;             /* the subject has a usable identifier */
        bool ki_id_flagged;         /* … with a WARNING finding */
        bool ki_weak;               /* the key used fallback fields */
        cp_key_class_t ki_class;    /* the key's class (cp_measure_class) */

        /* What transform normalised or checked already, so that measure
         * does not do it again (every field is optional: measure does the
         * work itself where transform did not). */
        bool ki_name_set;           /* ki_name is set: */
        const char *ki_name;        /* cp_norm_name(subject_name), into a
                                     * CP_VIEW_TEXT_MAX buffer; NULL: absent */
        size_t ki_name_len;
        bool ki_authority_set;      /* ki_authority is set: */
        const char *ki_authority;   /* the same of authority */
        size_t ki_authority_len;
        int ki_num_field;           /* CP_F_DOCUMENT_NUMBER (cp_norm_docno) or
                                     * CP_F_CASE_NUMBER (cp_norm_caseno): the
                                     * field ki_num normalises; -1: none */
        const char *ki_num;         /* into a 256-byte buffer */
        size_t ki_num_len;
        uint32_t ki_ids_checked;    /* bit f: cp_id_check() judged field f … */
        uint32_t ki_ids_usable;     /* … usable, for the type measure asks */
} cp_keyinfo_t;

/* The buffer the compared texts are normalised into. */
#define CP_VIEW_TEXT_MAX 512

typedef struct cp_measure_s {
        cp_rules_t me_rules;
        int32_t me_as_of;           /* days since 1970-01-01 */
        uint64_t me_central_mask;
        cp_central_t me_central;    /* exact key -> central view */
        cp_dedupe_t me_fuzzy;       /* fuzzy key -> sources */
        cp_dedupe_t me_subjects;    /* category + subject key -> sources */
        /* Service mode (cp_measure_track_late): unmatched keys wait here
         * for a central record of a later set (pending.h). */
        bool me_late;
        cp_pending_t me_pending;
        /* The active views a later record of their source may withdraw:
         * those of the sources in me_withdrawable (non-central, with a
         * status field), payload cp_share_t | produced << 4. */
        uint64_t me_withdrawable;
        cp_viewtab_t me_standing;
} cp_measure_t;

/** @returns 0, or -1 with errstr (rules file, as_of). */
int cp_measure_init(cp_measure_t *me, const cp_conf_t *conf, char *errstr,
                    size_t errstr_size);

void cp_measure_free(cp_measure_t *me);

/** @brief Parses a record's dates and amount. */
void cp_view_build(const cp_record_t *rec, const cp_source_conf_t *src, cp_view_t *v);

/** @brief The record's publication window under the source's regimes. */
void cp_measure_window(const cp_measure_t *me, const cp_source_conf_t *src,
                       const cp_record_t *rec, const cp_view_t *v, cp_window_t *win);

/** @returns whether a status value withdraws its entry (class withdrawn). */
bool cp_status_withdrawn(const char *status);

/** @returns the class of a record of a non-central source (docs/metrics.md). */
cp_key_class_t cp_measure_class(const cp_measure_t *me, const cp_record_t *rec,
                                const cp_window_t *win);

/** @brief The subjects table's hash of a subject key of a category. */
void cp_measure_subject_hash(int category, const char *subject, size_t len, uint64_t out[2]);

/* Starts loading what cp_measure_first_view() will look the subject up
 * in, for a caller that knows subjects some records ahead (a macro, as
 * cp_dedupe_prefetch is). */
#define cp_measure_prefetch(me, subject_hash) \
        cp_dedupe_prefetch(&(me)->me_subjects, (subject_hash))

/**
 * @brief Measures the source's view of a key: called once per (source,
 * key), for the first record of the source with that key; ki->ki_class
 * is its class (for a non-central source).
 * @param share when not NULL, set to how the key was counted
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_measure_first_view(cp_measure_t *me, cp_source_stats_t *st, unsigned source,
                          const cp_source_conf_t *src, const cp_record_t *rec,
                          const cp_view_t *v, const cp_keyinfo_t *ki, cp_share_t *share);

/** @returns today's date in China Standard Time, as the feeds' dates are
 * (days since 1970-01-01): the observation date without completeness.as_of. */
int32_t cp_measure_today(void);

/** @brief From now on, keys counted unmatched wait for a late central record. */
void cp_measure_track_late(cp_measure_t *me);

/**
 * @brief A central source showed a key for the first time, at seen_ms
 * (ingest time), after non-central sources had: those that counted it
 * unmatched count it shared from now on, with the observed delay.
 * @param stats every source's counters
 * @returns how many sources' views were re-classified.
 */
size_t cp_measure_late_central(cp_measure_t *me, cp_source_stats_t *stats,
                               const uint64_t hash[2], int64_t seen_ms);

/**
 * @brief Keeps an active view of a source that may later withdraw it
 * (nothing for other sources, or share CP_SH_NONE).
 * @param produced the source produced the key (its record was the first)
 * @returns 1 when kept, 0 when not, CP_ERR_NOMEM.
 */
int cp_measure_stand(cp_measure_t *me, const uint64_t hash[2], unsigned source,
                     cp_share_t share, bool produced);

/** @returns whether a source's later records can withdraw its views. */
static inline bool cp_measure_withdrawable(const cp_measure_t *me, unsigned source)
{
        return me->me_withdrawable >> source & 1;
}

/**
 * @brief A later record of the source withdraws its view of the key: when
 * the view still stands (kept active), it leaves the active set for
 * withdrawn (docs/metrics.md).
 * @param produced set to whether the source produced the key
 * @returns whether the view left the active set.
 */
bool cp_measure_withdraw(cp_measure_t *me, cp_source_stats_t *st, const uint64_t hash[2],
                         unsigned source, bool *produced);

/**
 * @brief The sweeper found the view's window ended: it leaves the active
 * set for expired, unless a later record withdrew it before.
 * @param share how the view was counted at its first view
 * @param stands cp_measure_stand kept the view
 * @returns whether it left.
 */
bool cp_measure_expire(cp_measure_t *me, cp_source_stats_t *st, const uint64_t hash[2],
                       unsigned source, cp_share_t share, bool stands);

/** @returns whether a standing view's payload read from a file is sound. */
bool cp_measure_standing_ok(uint64_t payload);

/** @brief Counts one observed time to central (milliseconds, >= 0). */
void cp_measure_count_seen(cp_source_stats_t *st, int64_t delay_ms);

/**
 * @brief Fills the report's per-key figures that depend on which sources
 * reported each key: unique keys, overlap, central keys and central keys
 * no source reported, subjects and subjects missing.
 */
void cp_measure_report(const cp_measure_t *me, const cp_dedupe_t *keys,
                       const cp_conf_t *conf, cp_report_t *rep);

#endif
