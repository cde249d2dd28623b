/*
 * A sharing report read back — from a SharingReport message or a report
 * JSON file — with what the printers need besides the counts.
 *
 * DESIGN: the printers of `run` (cli/report_out.h) take the configuration
 * for the sources' id, role and category. A report read back has no
 * configuration, so it carries a minimal one: conf_sources with those
 * three fields, everything else unset. It also owns the strings the
 * report points at (reject codes are static storage in a run, not here).
 */
#ifndef CP_REPORT_DOC_H
#define CP_REPORT_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "report.h"

typedef struct cp_report_doc_s {
        cp_report_t rd_rep;
        cp_conf_t *rd_conf;    /* conf_sources[i]: src_id, src_role, src_category */
        char **rd_strings;     /* interned strings rd_rep points at */
        size_t rd_nstrings;
} cp_report_doc_t;

/**
 * @brief Allocates a zeroed report and source table for nsrc sources.
 * @returns CP_OK or CP_ERR_NOMEM (doc is then freed).
 */
int cp_report_doc_init(cp_report_doc_t *doc, size_t nsrc);

/** @brief Sets source i's identity. @returns CP_OK or CP_ERR_NOMEM. */
int cp_report_doc_set_source(cp_report_doc_t *doc, size_t i, const char *id,
                             cp_role_t role, int category);

/** @returns the index of the source with that id among those set, or -1. */
int cp_report_doc_find(const cp_report_doc_t *doc, const char *id);

/** @returns a copy of s that lives as long as doc, or NULL (no memory). */
const char *cp_report_doc_intern(cp_report_doc_t *doc, const char *s);

/**
 * @brief Adds n rejects of a reason code to a source's counts (the code
 * is interned).
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_report_doc_add_reject(cp_report_doc_t *doc, cp_source_stats_t *st,
                             const char *code, uint64_t n);

/**
 * @brief Sets a source's time-to-central buckets from a writer's, whose
 * upper bounds may differ from cp_lag_bounds: each of its buckets goes to
 * our first bucket whose bound is at least its own (its last, unbounded
 * one to ours), so every count stays under a bound that holds.
 * @param bounds nbounds upper bounds in days; counts has nbounds + 1 entries
 */
void cp_report_doc_set_lag(cp_source_stats_t *st, const int32_t *bounds, size_t nbounds,
                           const uint64_t *counts);

/** @brief Frees everything. NULL fields are fine; doc may be reused. */
void cp_report_doc_free(cp_report_doc_t *doc);

#endif
