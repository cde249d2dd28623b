/*
 * The transform's state, shared by transform.c (which changes it) and
 * snapshot.c (which saves and restores it). Not for other stages.
 */
#ifndef CP_TRANSFORM_STATE_H
#define CP_TRANSFORM_STATE_H

#include "core/config.h"
#include "core/report.h"
#include "dedupe.h"
#include "ids.h"
#include "measure.h"
#include "orgmap.h"
#include "pseudonym.h"
#include "sweep.h"

/* A direct-mapped cache of cp_id_check() results: a pure function of
 * the raw text and the type asked for (the category table is fixed once
 * the transform runs), and feeds repeat the same identifiers, the
 * authorities' above all. */
#define CP_IDCACHE_SLOTS 4096  /* a power of two: 1 MiB */
#define CP_IDCACHE_RAW 46      /* longer raw texts are not cached */

typedef struct cp_idcache_slot_s {
        uint64_t ic_hash;      /* 0: empty */
        uint8_t ic_want;       /* cp_id_type_t */
        uint8_t ic_len;
        char ic_raw[CP_IDCACHE_RAW];
        cp_id_result_t ic_res;
} cp_idcache_slot_t;

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
        cp_idcache_slot_t *tf_idcache;  /* NULL: without memory for it */
        /* Service mode (cp_transform_service): late central records are
         * looked for and active entries swept when their window ends. */
        bool tf_service;
        cp_sweep_t tf_sweep;
};

#endif
