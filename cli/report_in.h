/*
 * Reads a report JSON file (`run --report-json`, written by
 * cli/report_out.c) back into counts, for `credpipe report --report-json`.
 *
 * DESIGN: the reverse of cp_report_json, member for member (docs/metrics.md
 * names them). Members a file lacks are 0 — files of schema_version 1 have
 * only the record counts — and names this build does not know (a class,
 * a reason, a field of a newer writer) are skipped, so an older credpipe
 * still prints what it understands. Rates are derived, never read.
 */
#ifndef CP_REPORT_IN_H
#define CP_REPORT_IN_H

#include <stddef.h>

#include "core/report_doc.h"

/**
 * @brief Reads the report JSON file at path.
 * @returns CP_OK with doc filled (free with cp_report_doc_free), or
 *          CP_ERR_IO / CP_ERR_PARSE / CP_ERR_NOMEM with errstr.
 */
int cp_report_read_json(const char *path, cp_report_doc_t *doc, char *errstr,
                        size_t errstr_size);

#endif
