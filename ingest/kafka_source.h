/*
 * Kafka sources (format kafka): messages of input topics become records.
 *
 * DESIGN: two halves, so that the mapping is tested without a broker.
 *
 * The reader (kafka_map.c) turns messages into records of batches, as the
 * file formats turn lines: one message is one record, whose position is
 * its partition — "topic/partition" takes the place of a file name — and
 * its offset (rec_line and rec_offset both hold the Kafka offset, so a
 * reject names topic, partition and offset). A CSV value is mapped through
 * the header the source configures (csv_header), exactly as a file's
 * header; a JSON value as a JSON Lines line; a protobuf value is a packed
 * credpipe.v1.CreditRecord whose fields are written back as the text of
 * the canonical fields, for transform to read as it reads any source.
 *
 * The consumer (source_kafka.c) reads one partition at a time, topics in
 * name order and partitions in number order, each from a given offset up
 * to its end offset as of the source's start (read_committed: the last
 * stable offset). One partition after the other, not all at once, because
 * exactly-once needs a replay to see the records in the order the first
 * run saw them (docs/exactly-once.md), and because it lets a position be
 * a partition and an offset, as a file position is a file and a record.
 * Partitions are assigned, not subscribed to: this instance must read
 * every record of the source itself (its dedupe state sees them all), so
 * a group rebalance has nothing to hand out. The group exists for the
 * offsets credpipe commits to it (docs/exactly-once.md, docs/decisions.md).
 */
#ifndef CP_INGEST_KAFKA_SOURCE_H
#define CP_INGEST_KAFKA_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/kafka_part.h"
#include "ingest.h"

/* Reject codes of Kafka messages. */
#define CP_KAFKA_E_EMPTY "kafka_empty_message"
#define CP_KAFKA_E_LINES "kafka_csv_lines"        /* more than one CSV record */
#define CP_KAFKA_E_PROTOBUF "kafka_bad_protobuf"  /* not a CreditRecord */

/* Start offsets other than a real one (librdkafka's values). */
#define CP_KAFKA_FROM_BEGINNING (-2)
#define CP_KAFKA_FROM_COMMITTED (-1000)  /* the group's, else the beginning */

/* ---- reader: messages to records ---- */

typedef struct cp_kafka_reader_s cp_kafka_reader_t;

/**
 * @brief A reader for one source's messages; every batch goes to emit.
 * @returns the reader, or NULL with errstr (no memory; a csv_header that
 *          names no mapped column).
 */
cp_kafka_reader_t *cp_kafka_reader_new(const cp_source_conf_t *src, uint32_t source_idx,
                                       size_t batch_cap, cp_ingest_emit_fn emit,
                                       void *opaque, char *errstr, size_t errstr_size);

/**
 * @brief Starts a partition: its records are named `name` ("topic/3"),
 * which must outlive every batch. Emits the batch of the previous one.
 * @returns CP_OK or emit's error (errstr set).
 */
int cp_kafka_reader_partition(cp_kafka_reader_t *r, const char *name);

/**
 * @brief Adds one message as a record (mapped, or rejected with a reason).
 * @param payload may be NULL (an empty message: rejected)
 * @returns CP_OK, CP_ERR_NOMEM or emit's error (errstr set).
 */
int cp_kafka_reader_add(cp_kafka_reader_t *r, const void *payload, size_t len,
                        int64_t offset);

/** @brief Emits the batch being filled. @returns CP_OK or emit's error. */
int cp_kafka_reader_flush(cp_kafka_reader_t *r);

/** @brief Frees the reader and a batch it still holds. NULL is a no-op. */
void cp_kafka_reader_free(cp_kafka_reader_t *r);


/* ---- consumer: partitions of a broker's topics ---- */

typedef struct cp_kafka_source_s cp_kafka_source_t;

/**
 * @brief Connects a consumer (read_committed, no auto commit) for the
 * source's topics and lists their partitions with their end offsets.
 * @param brokers the run's; the source's own `brokers` wins
 * @returns the source, or NULL with errstr (no connection, unknown topic).
 */
cp_kafka_source_t *cp_kafka_source_open(const cp_source_conf_t *src, const cp_conf_t *conf,
                                        const char *brokers, char *errstr,
                                        size_t errstr_size);

/** @returns the number of partitions, in reading order. */
size_t cp_kafka_source_count(const cp_kafka_source_t *ks);

/** @returns the name of partition i ("topic/3"), owned by ks. */
const char *cp_kafka_source_name(const cp_kafka_source_t *ks, size_t i);

/**
 * @brief Reads partition i from `from` (an offset, or CP_KAFKA_FROM_*)
 * up to its end offset, each message through the reader.
 * @param name the partition's name as records hold it (a copy of
 *        cp_kafka_source_name(ks, i) that outlives every batch: records
 *        live on after the source is closed)
 * @param next set to the offset after the last message read, or where
 *        the partition's end was found; else the start offset, or -1
 *        when that was not an offset
 * @returns CP_OK, CP_ERR_KAFKA (errstr: a consumer error), or the
 *          reader's error.
 */
int cp_kafka_source_read(cp_kafka_source_t *ks, size_t i, const char *name, int64_t from,
                         cp_kafka_reader_t *r, int64_t *next, char *errstr,
                         size_t errstr_size);

/** @brief Closes the consumer. NULL is a no-op. */
void cp_kafka_source_close(cp_kafka_source_t *ks);

/**
 * @brief Whether the source's topics hold messages after the given next
 * offsets (partitions not named: after their first offset), as a
 * read_committed consumer sees them. For service mode: a set starts when
 * a Kafka source has something to read.
 * @returns 1 when they do, 0 when not, -1 with errstr (no answer).
 */
int cp_kafka_pending(const cp_source_conf_t *src, const cp_conf_t *conf, const char *brokers,
                     char *const *names, const int64_t *next, size_t n, char *errstr,
                     size_t errstr_size);

/**
 * @brief Commits offsets to the source's group outside any transaction
 * (runs without state.dir, after the output is flushed: at least once).
 * @param names, offsets n partitions and their next offsets
 * @returns CP_OK, or CP_ERR_KAFKA with errstr.
 */
int cp_kafka_commit_offsets(const cp_source_conf_t *src, const cp_conf_t *conf,
                            const char *brokers, char *const *names,
                            const int64_t *offsets, size_t n, char *errstr,
                            size_t errstr_size);

#endif
