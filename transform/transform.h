/*
 * The transform stage: canonical records, natural keys, dedupe, join.
 *
 * DESIGN: one transform instance owns the dedupe table and the per-source
 * counters and is driven by one thread, so it takes no locks. For each
 * record of a batch it decides the record's fate: rejected (with a reason
 * and the field at fault), duplicate (its key was already seen, from any
 * source) or accepted (first of its key: to be produced), and builds the
 * protobuf CreditRecord of accepted ones in the batch's arena.
 */
#ifndef CP_TRANSFORM_H
#define CP_TRANSFORM_H

#include "core/config.h"
#include "core/record.h"
#include "core/report.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct cp_transform_s cp_transform_t;

/** @returns a transform for this configuration, or NULL with errstr. */
cp_transform_t *cp_transform_new(const cp_conf_t *conf, char *errstr,
                                 size_t errstr_size);

/** @brief Frees the transform. NULL ok. */
void cp_transform_destroy(cp_transform_t *tf);

/**
 * @brief Decides the fate of every record of a batch.
 * @returns CP_OK, or CP_ERR_NOMEM (the batch is then unusable).
 * @locality the transform thread
 */
int cp_transform_batch(cp_transform_t *tf, cp_batch_t *bat);

/**
 * @brief Service mode: from now on keys counted unmatched wait for a
 * central record of a later set, and active entries with a known end of
 * their window are kept for cp_transform_sweep. Called before any batch.
 */
void cp_transform_service(cp_transform_t *tf);

/** @returns the observation date (days since 1970-01-01) new keys are classed by. */
int32_t cp_transform_as_of(const cp_transform_t *tf);

/** @brief Moves the observation date (the clock's date changed). */
void cp_transform_set_as_of(cp_transform_t *tf, int32_t as_of);

/**
 * @brief The sweep: every kept entry whose expected_public_until is on or
 * before as_of leaves the active set. Its source's counts move it from
 * active (and from shared, shared_fuzzy or unmatched) to expired, and the
 * source that produced it gets a REMOVAL record (removal_reason
 * "window_ended") in out[source], a batch of that source's removals
 * (NULL when it has none; the caller owns the batches).
 * @param out one slot per configured source
 * @returns CP_OK, or CP_ERR_NOMEM (the state is then unusable: stop).
 * @locality the transform thread, at the end of an epoch
 */
int cp_transform_sweep(cp_transform_t *tf, int32_t as_of, int64_t now_ms, cp_batch_t **out);

/** @returns whether cp_transform_sweep would take out any entry at as_of. */
bool cp_transform_sweep_due(const cp_transform_t *tf, int32_t as_of);

/**
 * @brief Fills rep with the counts so far (rep->rep_src must have room for
 * one row per configured source).
 */
void cp_transform_report(cp_transform_t *tf, cp_report_t *rep);

/**
 * @brief Writes the transform's whole state (counters, dedupe, join and
 * completeness tables) to path, tagged with epoch, atomically: a
 * temporary file, fsync, rename, fsync of the directory. The file ends
 * with an XXH3-64 checksum of everything before it. blob (the caller's:
 * the input positions the state belongs to) is kept with it.
 * @returns CP_OK, or CP_ERR_IO / CP_ERR_NOMEM with errstr.
 * @locality the transform thread, between batches
 */
int cp_transform_save(cp_transform_t *tf, const char *path, uint64_t epoch,
                      const void *blob, size_t blob_len, char *errstr, size_t errstr_size);

/**
 * @brief Replaces the transform's state by the one saved in path, but only
 * if the file is whole: a wrong magic, version, source set or checksum, or
 * a truncated file, leaves the state untouched and fails.
 * @param epoch set to the epoch the state belongs to
 * @param blob when not NULL, set to the saved blob (free() it) and blob_len
 *        to its length
 * @returns CP_OK, CP_ERR_IO (unreadable, absent) or CP_ERR_PARSE (corrupt),
 *          with errstr.
 */
int cp_transform_load(cp_transform_t *tf, const char *path, uint64_t *epoch,
                      void **blob, size_t *blob_len, char *errstr, size_t errstr_size);

#endif
