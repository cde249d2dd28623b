/*
 * Prometheus text exposition (format 0.0.4) of the sharing report and the
 * pipeline's counters: what /metrics serves.
 *
 * DESIGN: a pure function from counts to text, so tests check the exact
 * exposition without a server. Every figure is a count, never a ratio,
 * so the scrapes of several instances can be summed (design.md §4); rates
 * are for the queries. Records are counters (they only grow); keys are
 * gauges (a key can leave a class when its publication window ends).
 * Label values are source ids, role and category names, reason codes and
 * field names only: never anything read from a record, so never personal
 * data. docs/metrics.md, "Prometheus metrics", lists every metric.
 */
#ifndef CP_METRICS_H
#define CP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "report.h"

/* The content type of the exposition. */
#define CP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Upper bounds of the credpipe_batch_records histogram; +Inf follows. */
#define CP_BATCH_BUCKETS 10
extern const uint64_t cp_batch_bounds[CP_BATCH_BUCKETS - 1];

#define CP_METRICS_QUEUES_MAX 4

typedef struct cp_queue_stat_s {
        const char *qs_name;     /* static storage, e.g. "ingest" */
        uint64_t qs_depth;       /* batches waiting */
        uint64_t qs_capacity;
} cp_queue_stat_t;

/* Counters of the pipeline itself, beside the report's per-source counts. */
typedef struct cp_pipeline_stats_s {
        cp_queue_stat_t ps_queue[CP_METRICS_QUEUES_MAX];
        size_t ps_nqueues;
        uint64_t ps_kafka_messages;   /* messages handed to librdkafka */
        uint64_t ps_kafka_delivered;  /* acknowledged by the broker */
        uint64_t ps_kafka_failed;     /* failed for good */
        uint64_t ps_kafka_records;    /* records in produced RecordBatches */
        uint64_t ps_kafka_rejects;    /* records in produced RejectBatches */
        uint64_t ps_bytes_protobuf;   /* packed protobuf, before zstd */
        uint64_t ps_bytes_wire;       /* zstd frames as produced */
        uint64_t ps_reports;          /* SharingReports produced */
        /* records per batch handed to the sink; buckets not cumulative */
        uint64_t ps_batch_bucket[CP_BATCH_BUCKETS];
        uint64_t ps_batch_count;
        uint64_t ps_batch_sum;
        bool ps_finished;             /* the run is over: figures are final */
} cp_pipeline_stats_t;

/** @brief Counts one batch of nrec records in the batch-size histogram. */
void cp_pipeline_count_batch(cp_pipeline_stats_t *ps, uint64_t nrec);

/**
 * @brief Appends the exposition of rep (one row per source of conf, in
 * order) and ps to out.
 * @param version the build's version, for credpipe_build_info
 * @returns CP_OK, or CP_ERR_NOMEM (out is then incomplete).
 */
int cp_metrics_render(cp_buf_t *out, const cp_conf_t *conf, const cp_report_t *rep,
                      const cp_pipeline_stats_t *ps, const char *version);

/**
 * @brief Splits a listen address, "HOST:PORT" or "[IPV6]:PORT".
 * @param host set to HOST without brackets
 * @param port set to PORT, 0 to 65535 (0: the system picks one)
 * @returns CP_OK, or CP_ERR_CONFIG when s is not of that form.
 */
int cp_listen_parse(const char *s, char *host, size_t host_size, int *port);

#endif
