/*
 * The Kafka sink: record batches, rejects and the sharing report as
 * zstd-compressed protobuf messages, produced with librdkafka.
 *
 * DESIGN: one sink thread makes every rd_kafka_* call of its producer, so
 * delivery reports run there too. Records are grouped by output partition,
 * chosen from the subject's hash, so one subject's records stay in order on
 * one partition. Payloads are compressed here, once, and librdkafka's own
 * compression stays off. The producer is idempotent with acks=all; a failed
 * delivery is counted and makes cp_sink_flush() fail — never a silent loss.
 */
#ifndef CP_SINK_H
#define CP_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/record.h"
#include "core/report.h"

typedef struct cp_sink_s cp_sink_t;

typedef struct cp_sink_stats_s {
        uint64_t sk_messages;     /* messages handed to librdkafka */
        uint64_t sk_delivered;    /* messages the broker acknowledged */
        uint64_t sk_failed;       /* messages that failed for good */
        uint64_t sk_records;      /* records in produced record batches */
        uint64_t sk_rejects;      /* records in produced reject batches */
        uint64_t sk_raw_bytes;    /* packed protobuf bytes */
        uint64_t sk_wire_bytes;   /* compressed bytes */
} cp_sink_stats_t;

/**
 * @brief Connects a producer, creates the topics when missing and learns
 * the partition count of the records topic.
 * @returns the sink, or NULL with errstr.
 */
cp_sink_t *cp_sink_new(const cp_conf_t *conf, const char *brokers,
                       char *errstr, size_t errstr_size);

/** @brief Frees the sink (flushes nothing: call cp_sink_flush first). */
void cp_sink_destroy(cp_sink_t *sk);

/**
 * @brief Produces a batch's accepted records and its rejects. The batch
 * is no longer needed when this returns (payloads are copies).
 * @returns CP_OK, or an error when a message could not be enqueued.
 * @locality the sink thread
 */
int cp_sink_batch(cp_sink_t *sk, const cp_batch_t *bat);

/**
 * @brief Says whether the broker refused messages for good (authorisation,
 * size, unknown topic, fenced): the pipeline must stop, not read on.
 * @returns CP_OK, or CP_ERR_DELIVERY with errstr saying what to do.
 */
int cp_sink_permanent_error(const cp_sink_t *sk, char *errstr, size_t errstr_size);

/** @brief Produces the sharing report to the sharing topic. */
int cp_sink_report(cp_sink_t *sk, const cp_report_t *rep);

/**
 * @brief Waits until every message is delivered or failed.
 * @returns CP_OK when all were delivered, CP_ERR_DELIVERY otherwise.
 */
int cp_sink_flush(cp_sink_t *sk, int timeout_ms, char *errstr, size_t errstr_size);

/** @returns whether the sink produces in Kafka transactions (state.dir). */
bool cp_sink_transactional(const cp_sink_t *sk);

/**
 * @brief Ends an epoch: produces the checkpoint to the checkpoints topic
 * in the open transaction, commits the transaction — every message
 * produced since the last commit and the checkpoint become visible to
 * read_committed readers together, or none does — and begins the next.
 * @returns CP_OK; CP_ERR_KAFKA with errstr when the commit failed (the
 *          transaction is then aborted: restart from the last checkpoint).
 * @locality the sink thread
 */
int cp_sink_commit(cp_sink_t *sk, const ProtobufCMessage *checkpoint, char *errstr,
                   size_t errstr_size);

/**
 * @brief Adds a consumer group's offsets to the open transaction
 * (rd_kafka_send_offsets_to_transaction): they are committed to the group
 * exactly when the transaction is. For Kafka sources, whose input offsets
 * then move with the output made of them.
 * @param positions n (topic, partition, next offset)
 * @returns CP_OK, or CP_ERR_KAFKA with errstr.
 */
int cp_sink_send_offsets(cp_sink_t *sk, const char *group,
                         Credpipe__V1__KafkaPosition *const *positions, size_t n,
                         char *errstr, size_t errstr_size);

/**
 * @brief Gives up what a transactional sink holds that was not committed:
 * aborts the open transaction if the producer still can, and drops every
 * message still queued or in flight. For the end of a run whose last
 * epoch was not committed, instead of cp_sink_flush: nothing of that
 * transaction can become visible, and waiting for it could take
 * delivery_timeout_ms (docs/decisions.md, a fenced producer).
 * @locality the sink thread
 */
void cp_sink_abandon(cp_sink_t *sk);

/** @brief Copies the sink's counters. */
void cp_sink_get_stats(cp_sink_t *sk, cp_sink_stats_t *st);

#endif
