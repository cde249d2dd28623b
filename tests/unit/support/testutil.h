/*
 * Helpers shared by the ingest-facing unit tests: a temporary directory
 * fixture, files written into it, and an emit callback that keeps the
 * batches ingest hands over. Compiled into every unit test binary.
 */
#ifndef CP_TESTUTIL_H
#define CP_TESTUTIL_H

#include <stddef.h>

#include "core/record.h"

/* The fixture's directory; valid between t_tmpdir_setup and _teardown. */
extern char t_dir[64];

/** @brief cmocka group setup: creates a fresh temporary directory. */
int t_tmpdir_setup(void **state);

/** @brief cmocka group teardown: removes it with everything inside. */
int t_tmpdir_teardown(void **state);

/** @returns t_dir/name (one of 8 rotating static buffers). */
const char *t_path(const char *name);

/** @brief Writes len bytes to t_dir/name. @returns its path (t_path). */
const char *t_write_bytes(const char *name, const void *data, size_t len);

/** @brief t_write_bytes of a NUL-terminated text. */
const char *t_write_text(const char *name, const char *text);

/* An emit callback's state: the batches received, in order. */
typedef struct t_sink_s {
        cp_batch_t *bat[64];
        size_t n;
        size_t fail_at;  /* refuse the batch with this 1-based number */
} t_sink_t;

/** @brief cp_ingest_emit_fn that keeps every batch in a t_sink_t. */
int t_emit(void *opaque, cp_batch_t *bat);

/** @brief Frees the kept batches. */
void t_sink_free(t_sink_t *s);

/** @returns the i-th record over all batches (fails the test if none). */
cp_record_t *t_rec(t_sink_t *s, size_t i);

/** @returns the number of records over all batches. */
size_t t_nrec(const t_sink_t *s);

/** @returns the value of the extra column `name` of a record, or NULL. */
const char *t_extra(const cp_record_t *rec, const char *name);

/**
 * @brief Adds to bat the penalty of party i: subject 公司<i>, document
 * 京罚〔2021〕<i>号 of one Beijing authority, decided on `date` (not
 * copied); no identifier. Tests of transform state build their keys so.
 * @returns the record, for the caller's other fields.
 */
cp_record_t *t_penalty(cp_batch_t *bat, int i, const char *date);

#endif
