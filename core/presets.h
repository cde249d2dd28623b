/*
 * Mapping presets: the column names of well-known field sets (domain.md
 * §4.3–§4.7), so that a source can say `preset: sgs_penalty` instead of
 * listing every column.
 *
 * DESIGN: a preset is data, one row per (column name, canonical field),
 * in one table in presets.c; docs/configuration.md mirrors it (a unit test
 * keeps the two equal). A preset may name several columns for one field:
 * a field's code and its Chinese item name (CF_XDR_MC, 行政相对人名称), or
 * two spellings of one JSON key (ABNTIME, abnDate). Only synonyms share a
 * field: ingest takes the first non-empty mapped column of a record, so two
 * columns of different meaning on one field would make the value depend
 * on column order. Items with no canonical field stay unmapped, so they
 * travel as extras. The configuration loader merges a source's preset with
 * its explicit `columns` (core/config.c).
 */
#ifndef CP_PRESETS_H
#define CP_PRESETS_H

#include <stddef.h>

#include "config.h"
#include "field.h"

typedef struct cp_preset_column_s {
        const char *pc_column;    /* CSV header or JSON key */
        cp_field_t pc_field;
} cp_preset_column_t;

typedef struct cp_preset_s {
        const char *pre_name;         /* what `preset:` says */
        const char *pre_description;  /* one line, for messages and docs */
        int pre_category;             /* credpipe.v1.Category it is made for */
        int pre_amount_unit;          /* cp_amount_unit_t it implies, or -1 */
        const cp_preset_column_t *pre_columns;
        size_t pre_ncolumns;
        /* Columns of another generation of the same field set: a file that
         * has one of them probably needs pre_other instead (domain.md
         * §4.3.2). NULL-terminated; NULL when there is no other. */
        const char *const *pre_other_markers;
        const char *pre_other;
} cp_preset_t;

/** @returns how many presets there are. */
size_t cp_preset_count(void);

/** @returns the i-th preset (0 ≤ i < cp_preset_count()), or NULL. */
const cp_preset_t *cp_preset_at(size_t i);

/** @returns the preset with that name, or NULL. */
const cp_preset_t *cp_preset_by_name(const char *name);

/**
 * @brief Writes "a, b, c" (every preset name) into buf, for messages.
 */
void cp_preset_names(char *buf, size_t size);

#endif
