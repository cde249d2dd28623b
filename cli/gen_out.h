/*
 * Writing generated feeds: a buffered file that knows its line number,
 * rows of column values, CSV and JSON Lines serialisation, dates.
 *
 * DESIGN: the truth file points at bad rows by 1-based line, and a CSV
 * record with a quoted multi-line field spans several lines; so the
 * writer counts every '\n' it writes, and a row's line is the writer's
 * line *before* the row is written (the line where the record starts).
 * Rows are built first and serialised afterwards, so a bad row can be
 * made from a good one by changing values or by damaging the serialised
 * text. Hand-rolled number and string appends instead of snprintf keep
 * 1 M rows within a couple of seconds.
 */
#ifndef CP_GEN_OUT_H
#define CP_GEN_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <iconv.h>

/* One column of a generated feed. */
typedef struct cp_gen_col_s {
        const char *col_name;   /* CSV header / JSON key, as the source spells it */
        const char *col_field;  /* canonical field; NULL: carried as an extra */
        bool col_number;        /* JSON only: written as a number, not a string */
} cp_gen_col_t;

typedef struct cp_gen_out_s {
        FILE *out_fp;
        char *out_buf;
        size_t out_len;
        uint64_t out_line;  /* 1-based line the next byte lands on */
        int out_errno;      /* first write error, 0 if none */
        iconv_t out_cd;     /* UTF-8 -> the file's encoding, or (iconv_t)-1 */
} cp_gen_out_t;

/** @returns 0, or -1 with errno set. */
int cp_gen_out_open(cp_gen_out_t *out, const char *path);

/** @brief Appends bytes, counting newlines. Errors surface at close. */
void cp_gen_out_write(cp_gen_out_t *out, const char *s, size_t n);

/**
 * @brief Writes the rest of the file in another encoding ("GB18030"):
 *        cp_gen_out_write converts what it is given from UTF-8. A byte
 *        0xFF (never UTF-8) passes through unconverted, which is how a
 *        bad row carries a byte sequence invalid in the target encoding.
 *        Lines stay the same: GB18030 never uses 0x0A inside a character.
 * @returns 0, or -1 with errno set
 */
int cp_gen_out_set_encoding(cp_gen_out_t *out, const char *encoding);

/** @brief Appends bytes as they are (no conversion), counting newlines. */
void cp_gen_out_write_raw(cp_gen_out_t *out, const char *s, size_t n);

/** @returns 0, or -1 with errno set by the first failed write or close. */
int cp_gen_out_close(cp_gen_out_t *out);

#define CP_GEN_MAXCOLS 20
#define CP_GEN_ROWPOOL 8192

/* The values of one row, in column order; strings live in rw_pool. */
typedef struct cp_gen_row_s {
        const char *rw_val[CP_GEN_MAXCOLS];
        size_t rw_used;
        size_t rw_start;   /* start of the value being built */
        char rw_pool[CP_GEN_ROWPOOL];
} cp_gen_row_t;

/** @brief Empties the row: every column becomes "". */
void cp_gen_row_reset(cp_gen_row_t *rw);

/* Building one value: start, add pieces, end (which assigns the column). */
void cp_gen_row_start(cp_gen_row_t *rw);
void cp_gen_row_addn(cp_gen_row_t *rw, const char *s, size_t n);
void cp_gen_row_add(cp_gen_row_t *rw, const char *s);
void cp_gen_row_addu(cp_gen_row_t *rw, uint64_t v, int width);
void cp_gen_row_end(cp_gen_row_t *rw, int col);

/** @brief Sets a column to a copy of s. */
void cp_gen_row_set(cp_gen_row_t *rw, int col, const char *s);

/* Date forms written by the generator (all must parse to the same date). */
enum {
        CP_GEN_D_ISO,      /* 2021-03-05 */
        CP_GEN_D_SLASH,    /* 2021/3/5 */
        CP_GEN_D_COMPACT,  /* 20210305 */
        CP_GEN_D_CJK,      /* 2021年3月5日 */
        CP_GEN_D_CJK_PAD,  /* 2021年03月05日, as the SPC publishes */
};

/** @returns days since 1970-01-01 of a proleptic Gregorian date. */
int32_t cp_gen_days(int y, int m, int d);

/** @brief The date of a day number. */
void cp_gen_civil(int32_t days, int *y, int *m, int *d);

/** @brief Adds a date in one of the CP_GEN_D_* forms to the value. */
void cp_gen_row_add_date(cp_gen_row_t *rw, int32_t days, int form);

/** @brief Adds an amount of yuan as 万元 ("0.5", "1.25", "12"). */
void cp_gen_row_add_wan(cp_gen_row_t *rw, uint64_t yuan);

/**
 * @brief Writes a CSV record: the first `ncols` values, quoted where a
 *        value holds the delimiter, a quote or a line break, then `eol`.
 */
void cp_gen_csv_write(cp_gen_out_t *out, const char *const *vals, int ncols,
                      const char *eol);

/**
 * @brief Serialises a row as one JSON object (no newline) into buf.
 * @returns the length, or 0 when it does not fit
 */
size_t cp_gen_json_format(char *buf, size_t size, const cp_gen_row_t *rw,
                          const cp_gen_col_t *cols, int ncols);

/** @brief Writes s as a JSON string literal (quotes included) to fp. */
void cp_gen_json_fputs(FILE *fp, const char *s);

#endif
