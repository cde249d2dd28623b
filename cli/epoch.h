/*
 * Epochs, checkpoints and resuming: exactly-once processing for `run`
 * when `state.dir` is set (docs/exactly-once.md).
 *
 * DESIGN: the transform thread tracks where every source stands — the
 * positions of the batches it has transformed — and, every
 * checkpoint_interval, ends an epoch: it saves its state tagged with the
 * epoch and those positions as a pending snapshot, and sends a barrier
 * down the queue after the epoch's last batch. The sink thread, when the
 * barrier arrives, produces the checkpoint (epoch + positions) in the
 * open Kafka transaction and commits it: the epoch's records, rejects,
 * reports and checkpoint become visible together or not at all. Only then
 * is the pending snapshot published (renamed). A restart reads the last
 * committed checkpoint and the published snapshot: same epoch, it resumes
 * there; an older one (a crash between commit and rename), it replays
 * the inputs from the snapshot's positions to the checkpoint's without
 * producing; none or a damaged one, it replays from the beginning.
 */
#ifndef CP_EPOCH_H
#define CP_EPOCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/record.h"
#include "proto/credpipe.pb-c.h"
#include "sink/sink.h"
#include "transform/transform.h"

/* A Kafka source's next offset in one partition ("topic/3"). */
typedef struct cp_kpos_s {
        char *kp_part;
        int64_t kp_next;
} cp_kpos_t;

/* Where a source stands: every file before ps_file is read, and the
 * first ps_records records of ps_file. A Kafka source's files are its
 * partitions ("topic/3", in cp_kafka_part_cmp order) and ps_offset is the
 * partition's next offset; ps_kafka holds the next offset of every
 * partition read so far, for the group's committed offsets. */
typedef struct cp_pos_s {
        char *ps_file;         /* NULL: nothing read yet */
        uint64_t ps_records;
        uint64_t ps_offset;
        bool ps_done;          /* every file read */
        cp_kpos_t *ps_kafka;
        size_t ps_nkafka;
} cp_pos_t;

/* What an ingest thread does with its source's records after a restart. */
typedef struct cp_resume_s {
        cp_pos_t rs_start;     /* up to here: in the restored state, skipped */
        cp_pos_t rs_replay;    /* up to here: transformed again, not produced */
        const char *rs_file;   /* the file being read */
        uint64_t rs_file_records;  /* its records seen so far */
        bool rs_kafka;         /* a Kafka source: positions are offsets */
} cp_resume_t;

/* The barrier's payload: the checkpoint of the epoch it ends. */
typedef struct cp_barrier_s {
        uint64_t br_epoch;
        uint8_t *br_checkpoint;    /* packed credpipe.v1.Checkpoint */
        size_t br_len;
        bool br_final;             /* the last of a --once run */
} cp_barrier_t;

typedef struct cp_epoch_s {
        const cp_conf_t *ep_conf;
        uint64_t ep_epoch;         /* the last epoch ended (or committed at start) */
        uint64_t ep_set;           /* the set of inputs being read (service mode) */
        cp_pos_t *ep_pos;          /* per source, as transformed */
        int64_t ep_next_ms;        /* monotonic time of the next barrier */
        /* Service mode: the date the next barrier's checkpoint says its
         * epoch swept by (the caller's), and, after a restart from a
         * snapshot behind the committed checkpoint, the committed sweep's
         * date to redo without producing once the replay is over (0: none). */
        int32_t ep_swept_as_of;
        int32_t ep_resweep;
} cp_epoch_t;

/**
 * @brief Takes the state directory for this process (flock on
 * DIR/lock, made if missing; the pid is written into it). Two processes on
 * one directory would publish each other's snapshots: a fenced instance
 * still writes its pending snapshot of an epoch the other then commits.
 * The lock goes with the process, however it ends.
 * @returns the lock's descriptor (close it to let go), or -1 with errstr.
 */
int cp_state_lock(const char *dir, char *errstr, size_t errstr_size);

/** @returns 0, or -1 with errstr (the state directory cannot be made). */
int cp_epoch_init(cp_epoch_t *ep, const cp_conf_t *conf, char *errstr, size_t errstr_size);

void cp_epoch_free(cp_epoch_t *ep);

/**
 * @brief Restores the transform from the state directory and the last
 * committed checkpoint, and plans each source's resumption.
 * @param committed the last committed checkpoint, or NULL
 * @param set the set of inputs about to be read (0 for --once): positions
 *        of a checkpoint of another set do not apply to it
 * @param listed the set's files are still there to read (--once, or a
 *        set left unfinished): else a snapshot behind the checkpoint by
 *        records of files cannot be brought up to it
 * @param plans one per source, filled
 * @returns 0, or -1 with errstr (the checkpoint belongs to other sources,
 *          or the state cannot be brought up to it).
 * @locality before any thread starts
 */
int cp_epoch_recover(cp_epoch_t *ep, cp_transform_t *tf,
                     const Credpipe__V1__Checkpoint *committed, uint64_t set, bool listed,
                     cp_resume_t *plans, char *errstr, size_t errstr_size);

/** @brief Starts a new set of inputs: positions start from nothing. */
void cp_epoch_new_set(cp_epoch_t *ep, uint64_t set);

void cp_resume_free(cp_resume_t *rs);

/**
 * @brief The plan of a source for a new set (service mode): nothing to
 * skip or replay, its Kafka partitions starting where the sets before
 * left them (ep's positions after cp_epoch_new_set).
 * @locality between sets
 */
void cp_resume_new_set(cp_resume_t *rs, const cp_epoch_t *ep, size_t source);

/** @returns the next offset of a Kafka partition ("topic/3") in the
 * restored state, or -1 when the state has not read it. */
int64_t cp_resume_kafka_next(const cp_resume_t *rs, const char *part);

/** @returns whether the source has records to replay (transform again,
 * not produce) before its first record to produce. */
bool cp_resume_replays(const cp_resume_t *rs);

/** @returns whether a whole file is behind the restored state: not read. */
bool cp_resume_skip_file(const cp_resume_t *rs, const char *file);

/**
 * @brief Stamps a batch of `file` with its position, drops its records
 * that the restored state already holds and marks those to replay.
 * @returns false when no record is left (the batch is then unused).
 * @locality the source's ingest thread
 */
bool cp_resume_filter(cp_resume_t *rs, const char *file, cp_batch_t *bat);

/** @brief Follows a transformed batch's position. @locality transform thread */
void cp_epoch_track(cp_epoch_t *ep, const cp_batch_t *bat);

/** @returns whether the epoch's time is up. */
bool cp_epoch_due(const cp_epoch_t *ep, int64_t now_ms);

/**
 * @brief Ends an epoch: saves the transform's state with the positions as
 * the pending snapshot, and makes the barrier batch to send to the sink.
 * @returns CP_OK, or an error with errstr (disk full: stop, it is not safe
 *          to go on without checkpoints).
 * @locality the transform thread, between batches
 */
int cp_epoch_barrier(cp_epoch_t *ep, cp_transform_t *tf, bool final, int64_t now_ms,
                     cp_batch_t **out, char *errstr, size_t errstr_size);

/**
 * @brief Commits the barrier's epoch in Kafka, then publishes its snapshot.
 * @param published set to whether the snapshot was published (when not,
 *        a restart replays the epoch from the one before: its inputs must
 *        stay where they are)
 * @returns CP_OK, or an error with errstr (the run must stop; a restart
 *          resumes from the last committed epoch).
 * @locality the sink thread
 */
int cp_epoch_commit(const cp_conf_t *conf, cp_sink_t *sk, const cp_barrier_t *br,
                    bool *published, char *errstr, size_t errstr_size);

/** @brief Frees a barrier batch's payload (the batch itself is the caller's). */
void cp_barrier_free(cp_barrier_t *br);

#endif
