/*
 * One updating progress line for `run --once` on a terminal: records,
 * rate, files done of total, bytes done and an ETA from the bytes.
 *
 * DESIGN: fed by the sink loop (the main thread) with every batch it is
 * done with, so it needs no lock and no thread of its own. Bytes done per
 * source are the sizes of the files it finished plus the offset of the
 * last record seen in the current one (files of a source are read in
 * order, one at a time).
 */
#ifndef CP_PROGRESS_H
#define CP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/record.h"

typedef struct cp_progress_s cp_progress_t;

/**
 * @param files per source, its files in reading order (borrowed)
 * @param enabled false: every call is a no-op (not a terminal)
 */
cp_progress_t *cp_progress_new(size_t nsources, char **const *files,
                               const size_t *nfiles, bool enabled);

/** @brief Accounts a batch the sink is done with; redraws at most 4/s. */
void cp_progress_batch(cp_progress_t *pg, const cp_batch_t *bat);

/** @brief Clears the line and frees. NULL ok. */
void cp_progress_end(cp_progress_t *pg);

#endif
