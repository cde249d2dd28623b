/* The sharing report for people (a table) and for programs (JSON). */
#ifndef CP_REPORT_OUT_H
#define CP_REPORT_OUT_H

#include <stdio.h>

#include "core/config.h"
#include "core/report.h"

/** @brief Prints the report as an aligned table. */
void cp_report_print(FILE *out, const cp_conf_t *conf, const cp_report_t *rep);

/**
 * @brief Writes the report as JSON (format in docs/schema.md), atomically:
 * to a temporary file renamed over the target.
 * @returns CP_OK or CP_ERR_IO with errstr.
 */
int cp_report_write_json(const char *path, const cp_conf_t *conf,
                         const cp_report_t *rep, char *errstr, size_t errstr_size);

#endif
