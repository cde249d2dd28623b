/*
 * The sharing report as a protobuf SharingReport message, both ways.
 *
 * DESIGN: one mapping, used by the sink to produce the report and by
 * `credpipe report` to read it back, so the message and the JSON file can
 * never disagree on a field. Every figure of docs/metrics.md has a field:
 * counts by class, reason or field are protobuf maps keyed by the names
 * core/report.h gives them; the overlap and subjects-missing matrices are
 * SourcePair messages for i != j (subjects_missing is 0 unless both
 * sources have the same category). Rates are sent too, for readers that
 * only want them, and ignored when reading back (they are derived).
 */
#ifndef CP_REPORT_PB_H
#define CP_REPORT_PB_H

#include <stddef.h>

#include "arena.h"
#include "config.h"
#include "proto/credpipe.pb-c.h"
#include "report.h"
#include "report_doc.h"

/* A SharingReport and the arena that holds its parts. Strings point into
 * the report and configuration it was built from: pack it before those go. */
typedef struct cp_report_pb_s {
        Credpipe__V1__SharingReport rp_msg;
        cp_arena_t rp_arena;
} cp_report_pb_t;

/**
 * @brief Builds the SharingReport of rep, whose rows are conf's sources
 * in order. schema_version is left 0 for the producer to set (the sink
 * owns the wire format's version).
 * @returns CP_OK or CP_ERR_NOMEM; in both cases free with cp_report_pb_free.
 */
int cp_report_to_pb(cp_report_pb_t *out, const cp_report_t *rep, const cp_conf_t *conf);

/** @brief Frees what cp_report_to_pb allocated. */
void cp_report_pb_free(cp_report_pb_t *pb);

/**
 * @brief Reads a SharingReport back into a report and a minimal source
 * table (core/report_doc.h). Unknown map keys are ignored (a newer
 * writer); pairs naming unknown sources are an error.
 * @returns CP_OK, or CP_ERR_PARSE / CP_ERR_NOMEM with errstr (doc freed).
 */
int cp_report_from_pb(const Credpipe__V1__SharingReport *msg, cp_report_doc_t *doc,
                      char *errstr, size_t errstr_size);

#endif
