/*
 * The sharing report: per-source counts, and the rates derived from them.
 *
 * DESIGN: counts, not only ratios, so that reports of several instances can
 * be summed. Every record read is accounted exactly once:
 *     read = produced + duplicates + rejects   (per source)
 */
#ifndef CP_REPORT_H
#define CP_REPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct cp_source_stats_s {
        uint64_t st_read;
        uint64_t st_rejects;
        uint64_t st_duplicates;
        uint64_t st_produced;
        uint64_t st_unique_keys;  /* distinct keys this source reported */
        uint64_t st_shared;       /* of those, keys a central source has */
} cp_source_stats_t;

typedef struct cp_report_s {
        cp_source_stats_t *rep_src;  /* one per configured source, in order */
        size_t rep_nsrc;
        uint64_t rep_central_keys;   /* distinct keys of all central sources */
        int64_t rep_generated_ms;
} cp_report_t;

/** @returns unique / shared as a rate in [0,1]; 0 when nothing was reported. */
double cp_report_rate(const cp_source_stats_t *st);

#endif
