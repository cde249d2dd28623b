/*
 * Internal to ingest: what the per-format loops share.
 *
 * DESIGN: file_source.c owns the batch being filled and the record-level
 * rules common to every format (position, raw copy, trimming, extras,
 * UTF-8); source_csv.c and source_jsonl.c only turn their reader's rows
 * into calls of these functions.
 */
#ifndef CP_INGEST_SOURCE_H
#define CP_INGEST_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "ingest.h"

typedef struct cp_ingest_ctx_s {
        const cp_source_conf_t *ic_src;
        uint32_t ic_source_idx;
        const char *ic_path;
        size_t ic_batch_cap;
        cp_ingest_emit_fn ic_emit;
        void *ic_opaque;
        cp_batch_t *ic_bat;        /* being filled; NULL before the first */
        uint64_t ic_nbatches;      /* batches started, to detect a new one */
        char *ic_errstr;
        size_t ic_errstr_size;
        /* The encoding the file is decoded from, or NULL for UTF-8. */
        const char *ic_encoding;
} cp_ingest_ctx_t;

/**
 * @brief Adds a record to the current batch (emitting it first when full)
 * and sets its position, raw bytes and ingest time.
 * @returns CP_OK, CP_ERR_NOMEM, or emit's error (errstr set).
 */
int cp_ingest_rec_new(cp_ingest_ctx_t *ic, cp_record_t **rec, uint64_t line,
                      uint64_t offset, const char *raw, size_t raw_len);

/**
 * @brief Rejects rec as invalid_utf8 when its raw bytes are not UTF-8.
 * @returns true when it did.
 */
bool cp_ingest_reject_utf8(cp_ingest_ctx_t *ic, cp_record_t *rec);

/**
 * @brief Trims a value; copies it into the arena when anything is left.
 * @param out set to the copy, or NULL for an empty value
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_ingest_value(cp_ingest_ctx_t *ic, const char *text, size_t len,
                    const char **out);

/**
 * @brief Sets a mapped field unless an earlier column already did.
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_ingest_set_field(cp_ingest_ctx_t *ic, cp_record_t *rec, int field,
                        const char *text, size_t len);

/* The arena-held name of unmapped column i of a reader's row (arg). */
typedef const char *(*cp_ingest_name_fn)(cp_ingest_ctx_t *ic, const void *arg,
                                         size_t i);

/**
 * @brief Maps one cell: to its canonical field when field >= 0, else,
 * when the source keeps unmapped columns and the cell is not empty, to
 * rec_extra (at most max_extra entries) under the name name_fn gives.
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_ingest_cell(cp_ingest_ctx_t *ic, cp_record_t *rec, int field,
                   const char *text, size_t len, cp_ingest_name_fn name_fn,
                   const void *arg, size_t i, size_t max_extra);

/**
 * @brief Warns when a file's column names (the CSV header, the keys of the
 * first JSON object) include a marker of another generation of the
 * source's preset: a 2015–16 penalty file read with sgs_penalty, for
 * instance (domain.md §4.3.2). A warning only: the columns that match are
 * read anyway. Once per call; a no-op without a preset or markers.
 * @param lens NULL when the names are NUL-terminated
 */
void cp_ingest_check_generation(cp_ingest_ctx_t *ic, const char *const *names,
                                const size_t *lens, size_t n, uint64_t line);

/**
 * @brief Finishes cp_csv_set_encoding() or cp_jsonl_set_encoding(): sets
 * ic_encoding, logs ENCODING_DETECTED once for a source with `auto`, and
 * sets errstr when rc is an error.
 * @param err the reader's errno, for CP_ERR_IO and CP_ERR_CONFIG
 * @returns rc.
 */
int cp_ingest_encoding(cp_ingest_ctx_t *ic, int rc, cp_encoding_t used,
                       int err);

/** @brief Sets errstr to "out of memory reading <path>"; @returns NOMEM. */
int cp_ingest_nomem(cp_ingest_ctx_t *ic);

/*
 * The CSV header's column mapping, shared with xlsx (source_xlsx.c turns a
 * sheet row into a cp_csv_row_t), so both formats match names alike.
 */
typedef struct cp_csv_hdr_s {
        size_t ch_ncols;
        int *ch_field;            /* per column: cp_field_t, or -1 */
        char **ch_name;           /* per column: name as an extra */
        bool *ch_named;           /* per column: the header cell is not empty */
        size_t ch_nunmapped;
        const char **ch_bat_name; /* ch_name copied into the current batch */
        uint64_t ch_bat_seq;      /* the batch ch_bat_name belongs to */
} cp_csv_hdr_t;

/** @brief Frees what cp_csv_hdr_init() allocated; h itself is not freed. */
void cp_csv_hdr_free(cp_csv_hdr_t *h);

/**
 * @brief Matches the configured columns against a candidate header row.
 * @param field per column of row: set to the mapped field or -1
 * @returns the number of mapped columns found, or -1 on no memory.
 */
long cp_csv_match(const cp_source_conf_t *src, const cp_csv_row_t *row,
                  int *field);

/** @brief Takes the header row. @returns CP_OK or CP_ERR_NOMEM. */
int cp_csv_hdr_init(cp_csv_hdr_t *h, const cp_csv_row_t *row,
                    const int *field);

/** @brief Appends "a, b, c" to buf (truncating), for error messages. */
/** @brief The source's mapped column names, comma-separated, for errors. */
void cp_ingest_expected_columns(const cp_source_conf_t *src, char *buf,
                                size_t size);

void cp_csv_list(char *buf, size_t size, const char *const *names,
                 const size_t *lens, size_t n);

/** @returns whether a row's width fits the header (trailing blanks do). */
bool cp_csv_width_ok(const cp_csv_hdr_t *h, const cp_csv_row_t *row);

/** @brief Fills rec's fields and extras from a row, through the header. */
int cp_csv_map_row(cp_ingest_ctx_t *ic, cp_csv_hdr_t *h, cp_record_t *rec,
                   const cp_csv_row_t *row);

/*
 * JSON objects to records (source_jsonl.c), shared by JSON Lines and the
 * elements of HTTP pages, so both map keys alike. Each distinct key is
 * matched against the columns once per file and remembered in a cache.
 */
struct cp_jsonl_row_s;
typedef struct cp_jsonl_cache_s cp_jsonl_cache_t;

/** @returns an empty key cache, or NULL (then keys are matched each time). */
cp_jsonl_cache_t *cp_jsonl_cache_new(void);

/** @brief Frees a key cache. NULL is a no-op. */
void cp_jsonl_cache_free(cp_jsonl_cache_t *jc);

/**
 * @brief Turns one parsed row (ingest/jsonl.h) into a record of the current
 * batch: rejected with row->error and row->message when the row has one
 * (or its raw bytes are not UTF-8), else its members mapped to fields and
 * extras. The first object read (while *first is true) is checked for
 * another generation of the preset's field set; *first is then cleared.
 * @param jc the file's key cache, or NULL
 * @returns CP_OK, CP_ERR_NOMEM or emit's error (errstr set).
 */
int cp_jsonl_record(cp_ingest_ctx_t *ic, cp_jsonl_cache_t *jc, bool *first,
                    const struct cp_jsonl_row_s *row);

/** @brief The format loops. @owns fd. @returns as cp_ingest_file(). */
int cp_ingest_csv(cp_ingest_ctx_t *ic, int fd);
int cp_ingest_jsonl(cp_ingest_ctx_t *ic, int fd);
int cp_ingest_xlsx(cp_ingest_ctx_t *ic, int fd);
int cp_ingest_http_page(cp_ingest_ctx_t *ic, int fd);

#endif
