/* The sharing report for people (a table) and for programs (JSON). */
#ifndef CP_REPORT_OUT_H
#define CP_REPORT_OUT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/report.h"

/** @brief Prints the report as an aligned table. */
void cp_report_print(FILE *out, const cp_conf_t *conf, const cp_report_t *rep);

/**
 * @brief Prints the report as CSV (RFC 4180: CRLF, quoted where needed):
 * a header, then one row per source with a column per figure
 * (docs/metrics.md, "credpipe report").
 */
void cp_report_print_csv(FILE *out, const cp_conf_t *conf, const cp_report_t *rep);

/** @returns the report as JSON (docs/metrics.md names every member). */
json_t *cp_report_json(const cp_conf_t *conf, const cp_report_t *rep);

/** @returns days since 1970-01-01 as YYYY-MM-DD (a thread-local buffer). */
const char *cp_report_date(int32_t days);

/**
 * @brief Writes the report as JSON (format in docs/schema.md), atomically:
 * to a temporary file renamed over the target.
 * @returns CP_OK or CP_ERR_IO with errstr.
 */
int cp_report_write_json(const char *path, const cp_conf_t *conf,
                         const cp_report_t *rep, char *errstr, size_t errstr_size);

#endif
