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

/**
 * @brief Appends an unmapped column (value already from cp_ingest_value,
 * name already in the arena) to rec_extra, which holds at most max.
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_ingest_add_extra(cp_ingest_ctx_t *ic, cp_record_t *rec, size_t max,
                        const char *name, const char *value);

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

/** @brief Sets errstr to "out of memory reading <path>"; @returns NOMEM. */
int cp_ingest_nomem(cp_ingest_ctx_t *ic);

/** @brief The format loops. @owns fd. @returns as cp_ingest_file(). */
int cp_ingest_csv(cp_ingest_ctx_t *ic, int fd);
int cp_ingest_jsonl(cp_ingest_ctx_t *ic, int fd);

#endif
