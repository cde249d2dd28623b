/*
 * The live figures of a `credpipe run`, shared by its threads: what
 * /metrics, the status page and /readyz show and what the periodic
 * SharingReport holds.
 *
 * DESIGN: the transform thread owns the counts (cp_transform_report runs
 * there). It publishes a snapshot now and then — a copy, under this
 * module's lock — and readers copy that snapshot, never the transform's
 * own state. The sink thread publishes its counters the same way. The
 * lock is held for copies only (a scrape renders from a copy of its own),
 * never while computing a report, rendering or producing to Kafka, so no
 * stage waits on a scrape for longer than a memcpy.
 */
#ifndef CP_LIVE_H
#define CP_LIVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/queue.h"
#include "core/report.h"
#include "metrics_server.h"
#include "sink/sink.h"

typedef struct cp_live_s {
        pthread_mutex_t lv_lock;
        const cp_conf_t *lv_conf;
        cp_report_t lv_rep;          /* the latest snapshot */
        pthread_mutex_t lv_render_lock;  /* guards lv_render: one render at a time */
        cp_report_t lv_render;       /* a copy of lv_rep to render from */
        uint64_t lv_snapshots;       /* published so far; 0: lv_rep is zeros */
        cp_pipeline_stats_t lv_ps;   /* sink counters, batch sizes, finished */
        cp_queue_t *lv_queues[2];    /* depths are read at render time */
        size_t lv_queue_cap[2];      /* capacities, kept between sets of inputs */
        bool lv_sink_ready;          /* connected to Kafka, topics ready */
        char lv_failure[256];        /* first permanent failure, "" if none */
} cp_live_t;

/** @returns CP_OK or CP_ERR_NOMEM. */
int cp_live_init(cp_live_t *lv, const cp_conf_t *conf);

/** @brief Frees the snapshot. No thread may use lv any more. */
void cp_live_destroy(cp_live_t *lv);

/** @brief Sets (or, with NULLs, clears) the queues whose depths /metrics shows. */
void cp_live_set_queues(cp_live_t *lv, cp_queue_t *in, cp_queue_t *out);

/**
 * @brief Publishes a snapshot of the counts.
 * @locality the transform thread
 */
void cp_live_publish_report(cp_live_t *lv, const cp_report_t *rep);

/**
 * @brief Copies the latest snapshot into rep (allocated for the same
 * number of sources).
 * @returns the number of snapshots published so far (0: none yet).
 */
uint64_t cp_live_latest_report(cp_live_t *lv, cp_report_t *rep);

/**
 * @brief Publishes the sink's counters, counting one batch of nrec records
 * handed to the sink when nrec > 0.
 * @locality the sink thread
 */
void cp_live_publish_sink(cp_live_t *lv, const cp_sink_stats_t *st, uint64_t nrec);

/** @brief Counts one SharingReport produced. */
void cp_live_count_report(cp_live_t *lv);

/** @brief The sink is connected: /readyz may say ready. */
void cp_live_set_sink_ready(cp_live_t *lv);

/** @brief The run is over; its figures are final. */
void cp_live_set_finished(cp_live_t *lv);

/** @brief Records a permanent refusal of the brokers: what to do about it
 * replaces any failure recorded before (one line). */
void cp_live_refused(cp_live_t *lv, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/** @brief Records a permanent failure; the first one is kept (one line). */
void cp_live_fail(cp_live_t *lv, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/** @brief cp_metrics_handlers_t.mh_render: renders the latest figures as
 * /metrics or as the status page. */
int cp_live_render(void *lv, cp_metrics_page_t page, cp_buf_t *out);

/** @brief cp_metrics_handlers_t.mh_ready. */
bool cp_live_ready(void *lv, char *why, size_t why_size);

#endif
