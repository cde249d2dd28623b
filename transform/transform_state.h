/*
 * The transform's state, shared by transform.c (which changes it) and
 * snapshot.c (which saves and restores it). Not for other stages.
 */
#ifndef CP_TRANSFORM_STATE_H
#define CP_TRANSFORM_STATE_H

#include "core/config.h"
#include "core/report.h"
#include "dedupe.h"
#include "measure.h"
#include "orgmap.h"
#include "pseudonym.h"

struct cp_transform_s {
        const cp_conf_t *tf_conf;
        cp_dedupe_t tf_dedupe;
        cp_source_stats_t *tf_stats;
        cp_pseudonym_t *tf_ps;     /* NULL: pseudonymisation is off */
        cp_orgmap_t tf_orgmap;     /* legacy org code -> USCC seen */
        cp_measure_t tf_measure;   /* completeness (measure.h) */
        /* Reject codes restored from a snapshot: st_reject_reasons point
         * into it (codes of a running process point to static storage). */
        char *tf_codes;
};

#endif
