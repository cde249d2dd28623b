/*
 * Records and batches: the unit of work between stages.
 *
 * DESIGN: a record is read once, into a batch. Ingest fills the raw side
 * (the text of each mapped column, the raw input, the position); transform
 * fills the canonical side (the protobuf CreditRecord, the key hash) or
 * marks the record rejected or duplicate; the sink encodes what is left.
 * Everything a record points to lives in its batch's arena, and a batch has
 * exactly one owner at a time: whoever last took it from a queue.
 * All records of one batch come from one source.
 */
#ifndef CP_RECORD_H
#define CP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "field.h"
#include "proto/credpipe.pb-c.h"

typedef enum cp_rec_status_e {
        CP_REC_NEW = 0,    /* read, not yet transformed */
        CP_REC_ACCEPTED,   /* first of its key: to be produced */
        CP_REC_DUPLICATE,  /* key already seen: counted, not produced */
        CP_REC_REJECTED,   /* invalid: goes to the rejects topic */
} cp_rec_status_t;

/* A source column that maps to no canonical field, kept by name. */
typedef struct cp_extra_s {
        const char *ex_name;
        const char *ex_value;
} cp_extra_t;

typedef struct cp_record_s {
        /* ---- raw side: set by ingest ---- */
        /* Text of each mapped column, NULL when the source has none. */
        const char *rec_field[CP_F__COUNT];
        cp_extra_t *rec_extra;
        uint32_t rec_nextra;
        const char *rec_file;    /* input path (lives as long as the run) */
        uint64_t rec_line;       /* 1-based line where the record starts */
        uint64_t rec_offset;     /* byte offset where the record starts */
        const char *rec_raw;     /* the record's bytes as read */
        size_t rec_raw_len;
        int64_t rec_ingest_ms;

        /* ---- verdict: set by ingest (unparseable) or transform ---- */
        cp_rec_status_t rec_status;
        const char *rec_reject_code;  /* stable code, static storage */
        int rec_reject_field;         /* cp_field_t, or -1 */
        const char *rec_reject_msg;   /* sentence, in the arena */

        /* ---- canonical side: set by transform ---- */
        Credpipe__V1__CreditRecord *rec_pb;  /* in the arena */
        uint64_t rec_key_hash[2];            /* 128-bit hash of record_key */
        uint64_t rec_subject_hash;           /* chooses the output partition */
} cp_record_t;

/* What a batch is: records, or a marker flowing between them. */
typedef enum cp_batch_kind_e {
        CP_BATCH_RECORDS = 0,
        CP_BATCH_SOURCE_DONE,  /* every file of bat_source is read */
        CP_BATCH_SOURCE_FAILED, /* bat_source stopped on an error */
        CP_BATCH_SOURCE_STOPPED, /* the run was asked to stop */
        CP_BATCH_BARRIER,      /* end of an epoch: bat_barrier is the checkpoint */
} cp_batch_kind_t;

typedef struct cp_batch_s {
        cp_arena_t bat_arena;
        cp_record_t *bat_rec;
        size_t bat_n;
        size_t bat_cap;
        uint32_t bat_source;   /* index of the source in the configuration */
        cp_batch_kind_t bat_kind;
        /* Where the source stands after this batch (docs/exactly-once.md):
         * set by the ingest thread, tracked by the transform thread. */
        const char *bat_file;          /* file of the records */
        uint64_t bat_file_records;     /* records of that file read so far */
        uint64_t bat_file_offset;      /* byte offset after the last one */
        /* Leading records produced before a restart: transformed again to
         * rebuild the state, not produced again. */
        size_t bat_replay;
        void *bat_barrier;             /* CP_BATCH_BARRIER: owned by the batch's owner */
} cp_batch_t;

/** @returns a new empty batch for cap records, or NULL. @owns the result. */
cp_batch_t *cp_batch_new(uint32_t source, size_t cap);

/**
 * @brief Appends a zeroed record.
 * @returns the record, or NULL when the batch is full or memory ran out.
 */
cp_record_t *cp_batch_add(cp_batch_t *bat);

/** @brief Empties the batch for reuse by the same or another source. */
void cp_batch_reset(cp_batch_t *bat, uint32_t source);

/** @brief Frees the batch and everything its records point to. NULL ok. */
void cp_batch_destroy(cp_batch_t *bat);

/**
 * @brief Marks a record rejected.
 * @param code a stable code in static storage, e.g. "uscc_bad_length"
 * @param field the canonical field at fault, or -1 for the whole record
 * @param fmt printf format of the sentence for the data steward
 */
void cp_record_reject(cp_batch_t *bat, cp_record_t *rec, const char *code,
                      int field, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

#endif
