/*
 * Spool folders for service mode: which files are complete, which were
 * read already, and the set of files a pass reads (docs/exactly-once.md).
 *
 * DESIGN: service mode reads its inputs in sets. A set is the complete
 * files not yet read, taken when the previous set is committed: its list
 * is written to state.dir/set.tsv before any of its records is read, so
 * that a restart reads the same set again, resuming from the checkpoint.
 * A file is complete when it matches its source's paths and was renamed
 * into its folder or closed after writing (inotify says so), or, for
 * what inotify cannot see (network file systems, a crash in between), has
 * not changed for state.settle. A writer writes under a hidden name
 * (".x.part") and renames: such a file is never seen half-written. Once the set's last epoch is
 * committed, each file's content hash (XXH3-128) is appended to
 * state.dir/files.tsv — an identical file delivered again is not read
 * again; a changed file under the same name is a new file — and the file
 * is kept, deleted or moved, as its source says.
 */
#ifndef CP_SPOOL_H
#define CP_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "transform/dedupe.h"

typedef struct cp_spool_file_s {
        char *sf_path;
        uint64_t sf_hash[2];     /* of the content */
        uint64_t sf_size;
        int64_t sf_mtime_ns;
} cp_spool_file_t;

typedef struct cp_spool_s {
        const cp_conf_t *sp_conf;
        cp_dedupe_t sp_seen;          /* content hashes of files read */
        cp_dedupe_t sp_known;         /* (path, size, mtime) of files read or
                                       * found identical: not hashed again */
        uint64_t sp_set;              /* id of the set in sp_files; 0: none */
        int sp_inotify;               /* -1: none (the scan alone finds files) */
        char **sp_ready;              /* paths announced complete by inotify */
        size_t sp_nready;
        int *sp_wd;                   /* inotify watches and their folders */
        char **sp_wd_dir;
        size_t sp_nwd;
        cp_spool_file_t **sp_files;   /* per source */
        size_t *sp_nfiles;
} cp_spool_t;

/** @brief Loads the registry and a set left unfinished. @returns 0 or -1. */
int cp_spool_open(cp_spool_t *sp, const cp_conf_t *conf, char *errstr, size_t errstr_size);

void cp_spool_close(cp_spool_t *sp);

/**
 * @brief Waits up to timeout_ms for a file to be renamed into, or closed
 * after writing in, a source's folder (inotify). Such a file is complete
 * at once; other files wait for state.settle.
 */
void cp_spool_wait(cp_spool_t *sp, int timeout_ms);

/**
 * @brief Takes the complete files not read yet as set `id` and writes its
 * list (temp, fsync, rename). Files identical to one read before are not
 * taken: they go as their source's `done` says.
 * @param force take the set even without files (a Kafka source has new
 *        messages: the set reads them)
 * @returns 1 when a set was taken, 0 when there is nothing to read, -1
 *          with errstr.
 */
int cp_spool_take(cp_spool_t *sp, uint64_t id, bool force, char *errstr,
                  size_t errstr_size);

/** @returns a copy of a source's file names in the set, for the ingest
 * thread (free with cp_ingest_paths_free). */
char **cp_spool_paths(const cp_spool_t *sp, size_t source, size_t *n);

/**
 * @brief After the set's last epoch is committed: registers the files'
 * hashes, keeps, deletes or moves them, and forgets the set. Idempotent:
 * a restart after a crash in here does it again.
 * @returns 0, or -1 with errstr.
 */
int cp_spool_finish(cp_spool_t *sp, char *errstr, size_t errstr_size);

#endif
