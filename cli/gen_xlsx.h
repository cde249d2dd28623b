/*
 * Writing a generated feed as an Excel workbook (.xlsx): one sheet, a
 * title row merged across the columns above the header row, text in the
 * shared strings, dates as serial day numbers in date formats.
 *
 * DESIGN: memory does not grow with the rows. The sheet's XML and the
 * shared strings are streamed to two temporary files (each text cell gets
 * a string of its own, so no table of strings is kept), and the zip is
 * assembled from them at close. Every entry's time is a constant, so the
 * same rows give the same bytes. A row's line, for the truth, is its
 * Excel row number: the reader's record line.
 */
#ifndef CP_GEN_XLSX_H
#define CP_GEN_XLSX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gen_out.h"

typedef struct cp_gen_xlsx_s {
        char *xw_path;
        FILE *xw_sheet;       /* sheet1.xml as written so far */
        FILE *xw_sst;         /* sharedStrings.xml as written so far */
        uint64_t xw_row;      /* Excel row number of the next row */
        uint64_t xw_nstr;     /* shared strings written */
        int xw_ncols;
        int xw_err;           /* first errno, 0 if none */
} cp_gen_xlsx_t;

/** @returns 0, or -1 with errno set. */
int cp_gen_xlsx_open(cp_gen_xlsx_t *xw, const char *path, int ncols);

/** @brief Writes the title row (merged across all columns). */
void cp_gen_xlsx_title(cp_gen_xlsx_t *xw, const char *title);

/**
 * @brief Writes one row of the first `ncols` values: empty ones as no
 *        cell; a value of a column with col_number that is all digits as
 *        a number in a date format (an Excel serial day), others as text.
 */
void cp_gen_xlsx_row(cp_gen_xlsx_t *xw, const char *const *vals, int ncols,
                     const cp_gen_col_t *cols);

/** @brief Leaves a blank row (not a record). */
void cp_gen_xlsx_skip(cp_gen_xlsx_t *xw);

/** @returns the Excel serial day (1900 system) of a day number. */
int32_t cp_gen_xlsx_serial(int32_t days);

/**
 * @brief Writes the workbook and frees the writer.
 * @returns 0, or -1 with errstr set
 */
int cp_gen_xlsx_close(cp_gen_xlsx_t *xw, char *errstr, size_t errstr_size);

/** @brief Frees the writer without writing the workbook. */
void cp_gen_xlsx_abort(cp_gen_xlsx_t *xw);

#endif
