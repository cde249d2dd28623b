/*
 * credpipe run: wires ingest → transform → sink and runs them.
 *
 * DESIGN (docs/architecture.md has the picture):
 *   one ingest thread per source  ─► q_in ─►  transform thread  ─► q_out ─►  sink (main thread)
 * Queues are bounded, so a slow broker makes the transform wait, and the
 * transform makes ingest wait: memory stays flat. Each batch has one owner
 * at a time. When every input is read, the transform's counts become the
 * sharing report, which goes to Kafka, the terminal and, if asked, a file.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/queue.h"
#include <systemd/sd-daemon.h>

#include "embedded.h"
#include "epoch.h"
#include "spool.h"
#include "live.h"
#include "metrics_server.h"
#include "progress.h"
#include "ingest/ingest.h"
#include "ingest/kafka_source.h"
#include "report_out.h"
#include "sink/checkpoint.h"
#include "sink/sink.h"
#include "transform/measure.h"
#include "transform/transform.h"

typedef struct cp_run_s {
        cp_conf_t *conf;
        cp_queue_t *q_in;
        cp_queue_t *q_out;
        cp_transform_t *tf;
        int ingest_errors;     /* sources that failed to read a file */
        int transform_error;
        cp_live_t live;        /* what /metrics and the periodic report show */
        cp_report_t snap;      /* the transform thread's snapshot scratch */
        uint64_t reported;     /* the snapshot last produced (main thread) */
        pthread_mutex_t lock;  /* guards ingest_errors, central_pending */
        /* Central sources are read first: a source's record is measured
         * against the whole central snapshot (transform/measure.h). */
        pthread_cond_t central_done;
        size_t central_pending;  /* central sources not yet read */
        cp_epoch_t *epoch;       /* exactly-once (state.dir), or NULL */
        /* The last epoch of the set just run had its snapshot published:
         * else its files must stay for a restart to replay. */
        bool final_published;
        bool sweep;              /* service mode: entries leave when their window ends */
        /*
         * The replay gate. After a restart, records up to the committed
         * checkpoint are transformed again, not produced. Every one of
         * them, of every source, must be transformed before any record
         * after it, or a later record could take a key that an earlier
         * one, of another source, holds in the committed output: it would
         * be produced twice. So the transform holds back each source's
         * first batch with records to produce (replaying: the sources
         * whose replay is not over, transform-owned) until no source
         * replays; an ingest thread waits after pushing such a batch
         * until the gate opens (guarded by lock), so at most one batch a
         * source is held. No epoch ends while the gate is shut: a
         * checkpoint must lie after every committed record.
         */
        uint64_t replaying;
        bool gate_open;
        pthread_cond_t gate;
        cp_batch_t **held;
        size_t nheld;
        const char *brokers;     /* the run's, for Kafka sources */
        void (*watchdog)(void);  /* called at least once a second, or NULL */
        volatile sig_atomic_t *stop;  /* set: stop reading, commit, end */
} cp_run_t;

typedef struct cp_ingest_arg_s {
        cp_run_t *run;
        uint32_t source;
        /* Records point at these names, so they live until the sink is
         * done with every batch: freed after the threads are joined. */
        char **files;
        size_t nfiles;
        int expand_failed;   /* the paths could not be expanded */
        const char *file;    /* the file being read */
        cp_resume_t resume;  /* after a restart: what to skip and replay */
        bool stopped;        /* the run was stopped before the source's end */
        int64_t *knext;      /* Kafka sources: per partition (files), the
                              * next offset, or -1 when not read */
} cp_ingest_arg_t;

/* Stamps the batch with its position (what a checkpoint records) and,
 * after a restart, leaves out what the restored state already holds. */
static int cp_run_emit(void *opaque, cp_batch_t *bat)
{
        cp_ingest_arg_t *a = opaque;

        if (a->run->stop && *a->run->stop) {
                /* Stopping: the records of this batch are read again by the
                 * next run, from the checkpoint committed on the way out. */
                a->stopped = true;
                cp_batch_destroy(bat);
                return CP_ERR_CLOSED;
        }
        if (!cp_resume_filter(&a->resume, a->file, bat)) {
                cp_batch_destroy(bat);
                return CP_OK;
        }
        bool live = bat->bat_replay < bat->bat_n;

        if (cp_queue_push(a->run->q_in, bat)) {
                cp_batch_destroy(bat);
                return CP_ERR_CLOSED;
        }
        if (live) {
                /* Records to produce: wait until every source's replay is
                 * transformed (cp_run_t, the replay gate). */
                pthread_mutex_lock(&a->run->lock);
                while (!a->run->gate_open) {
                        struct timespec t;

                        pthread_mutex_unlock(&a->run->lock);
                        /* An aborted run opens no gate: look now and then. */
                        if (cp_queue_aborted(a->run->q_in))
                                return CP_ERR_CLOSED;
                        pthread_mutex_lock(&a->run->lock);
                        clock_gettime(CLOCK_REALTIME, &t);
                        t.tv_nsec += 200 * 1000000L;
                        if (t.tv_nsec >= 1000000000L) {
                                t.tv_sec++;
                                t.tv_nsec -= 1000000000L;
                        }
                        pthread_cond_timedwait(&a->run->gate, &a->run->lock, &t);
                }
                pthread_mutex_unlock(&a->run->lock);
        }
        return CP_OK;
}

/* Tells the transform a source is over: read to its end (its checkpoint
 * position says so: a restart reads nothing of it), or failed. */
static void cp_run_source_done(cp_run_t *run, uint32_t source, cp_batch_kind_t kind)
{
        cp_batch_t *bat = cp_batch_new(source, 1);

        if (!bat)
                return;
        bat->bat_kind = kind;
        if (cp_queue_push(run->q_in, bat))
                cp_batch_destroy(bat);
}

/*
 * A Kafka source (ingest/kafka_source.h): its partitions take the place of
 * files, in the same loop shape: partitions behind the restored state are
 * not read, the one the state stands in is read from its next offset, the
 * others from their beginning — the checkpoint is the truth, so a fresh
 * state reads every message the topics hold. Without state.dir, the
 * group's committed offsets are where each partition starts.
 * @returns 0, or 1 when the source failed (logged).
 */
static int cp_ingest_kafka(cp_ingest_arg_t *a, const cp_source_conf_t *src)
{
        cp_run_t *run = a->run;
        cp_kafka_reader_t *r = NULL;
        cp_kafka_source_t *ks;
        char err[1024];
        int failed = 0;

        ks = cp_kafka_source_open(src, run->conf, run->brokers, err, sizeof(err));
        if (ks)
                r = cp_kafka_reader_new(src, a->source, (size_t)run->conf->conf_batch_records,
                                        cp_run_emit, a, err, sizeof(err));
        /* Its files are its partitions (the expanded list is empty). */
        cp_ingest_paths_free(a->files, a->nfiles);
        a->files = NULL;
        a->nfiles = 0;
        if (r) {
                size_t n = cp_kafka_source_count(ks);

                a->files = calloc(n ? n : 1, sizeof(*a->files));
                free(a->knext);  /* the set before's */
                a->knext = calloc(n ? n : 1, sizeof(*a->knext));
                for (size_t i = 0; a->files && a->knext && i < n; i++) {
                        if (!(a->files[i] = strdup(cp_kafka_source_name(ks, i))))
                                break;
                        a->knext[i] = -1;
                        a->nfiles++;
                }
        }
        if (!r || a->nfiles != cp_kafka_source_count(ks)) {
                cp_log_error("ingest", "SOURCE_FAILED", "source=%s msg=\"%s\"", src->src_id,
                             r ? "out of memory" : err);
                cp_kafka_reader_free(r);
                cp_kafka_source_close(ks);
                return 1;
        }
        for (size_t i = 0; i < a->nfiles && !a->stopped; i++) {
                const char *part = a->files[i];
                const cp_pos_t *st = &a->resume.rs_start;
                int64_t from = cp_resume_kafka_next(&a->resume, part);

                if (from < 0)  /* not read by the restored state, nor the sets before */
                        from = run->epoch ? CP_KAFKA_FROM_BEGINNING : CP_KAFKA_FROM_COMMITTED;

                if (cp_resume_skip_file(&a->resume, part))
                        continue;
                if (run->stop && *run->stop) {
                        a->stopped = true;
                        break;
                }
                if (st->ps_file && !strcmp(st->ps_file, part)) {
                        /* The restored state stands here: on from its next
                         * offset, its records counted on from there. */
                        from = (int64_t)st->ps_offset;
                        a->resume.rs_file = part;
                        a->resume.rs_file_records = st->ps_records;
                }
                a->file = part;
                if (cp_kafka_source_read(ks, i, part, from, r, &a->knext[i], err,
                                         sizeof(err))) {
                        if (a->stopped)
                                break;
                        if (cp_queue_aborted(run->q_in)) {
                                a->stopped = true;
                                break;
                        }
                        cp_log_error("ingest", "FILE_FAILED", "source=%s file=%s msg=\"%s\"",
                                     src->src_id, part, err);
                        failed = 1;
                        break;
                }
                cp_log_info("ingest", "KAFKA_PARTITION_DONE", "source=%s partition=%s "
                            "next=%" PRId64, src->src_id, part, a->knext[i]);
        }
        cp_kafka_reader_free(r);
        cp_kafka_source_close(ks);
        return failed;
}

static void *cp_ingest_thread(void *p)
{
        cp_ingest_arg_t *a = p;
        cp_run_t *run = a->run;
        const cp_source_conf_t *src = &run->conf->conf_sources[a->source];
        char err[1024];
        int failed = a->expand_failed;
        char tname[16];

        /* Named threads: perf, top -H and gdb show which stage is busy. */
        snprintf(tname, sizeof(tname), "cp:ingest/%u", a->source);
        pthread_setname_np(pthread_self(), tname);
        /* http sources fetch their pages here, while central ones read.
         * With exactly-once, a fetch whose pages are not committed yet is
         * not fetched again but read again from the spool; a source the
         * restored state holds whole is not fetched at all (its pages
         * would be skipped, and their validators lost to the next set). */
        if (!failed && run->epoch && a->resume.rs_start.ps_done)
                failed = cp_ingest_fetch_committed(src, run->epoch->ep_set, err,
                                                   sizeof(err)) != CP_OK;
        else if (!failed && run->epoch)
                failed = cp_ingest_fetch_set(src, run->epoch->ep_set, &a->files,
                                             &a->nfiles, err, sizeof(err)) != CP_OK;
        else
                failed = failed || cp_ingest_fetch(src, &a->files, &a->nfiles, err,
                                                   sizeof(err));

        if (src->src_role != CP_ROLE_CENTRAL) {
                pthread_mutex_lock(&run->lock);
                while (run->central_pending)
                        pthread_cond_wait(&run->central_done, &run->lock);
                pthread_mutex_unlock(&run->lock);
        }
        a->stopped = false;
        if (src->src_kafka && !failed) {
                failed = cp_ingest_kafka(a, src);
                goto over;
        }
        /* In service mode a set without a file of this source is usual. */
        if (!failed && a->nfiles == 0 && !src->src_http && !run->stop)
                cp_log_warn("ingest", "NO_FILES", "source=%s msg=\"no file matches the "
                            "source's paths; check 'paths' in the configuration\"",
                            src->src_id);
        a->stopped = false;
        for (size_t i = 0; i < a->nfiles && !failed && !a->stopped; i++) {
                const char *file = a->files[i];

                if (cp_resume_skip_file(&a->resume, file))
                        continue;
                if (run->stop && *run->stop) {
                        a->stopped = true;
                        break;
                }
                a->file = file;
                if (cp_ingest_file(src, a->source, file,
                                   (size_t)run->conf->conf_batch_records, cp_run_emit,
                                   a, err, sizeof(err))) {
                        if (a->stopped)
                                break;
                        if (cp_queue_aborted(run->q_in)) {
                                /* The pipeline stopped behind us: no fault of
                                 * the input, which is read again next time. */
                                a->stopped = true;
                                break;
                        }
                        cp_log_error("ingest", "FILE_FAILED", "source=%s file=%s msg=\"%s\"",
                                     src->src_id, file, err);
                        failed = 1;
                } else {
                        cp_log_info("ingest", "FILE_DONE", "source=%s file=%s",
                                    src->src_id, file);
                }
        }
over:
        if (failed)
                cp_live_fail(&run->live, "source %s could not be read", src->src_id);
        cp_run_source_done(run, a->source, failed ? CP_BATCH_SOURCE_FAILED
                                           : a->stopped ? CP_BATCH_SOURCE_STOPPED
                                                        : CP_BATCH_SOURCE_DONE);
        pthread_mutex_lock(&run->lock);
        if (failed)
                run->ingest_errors++;
        /* Its batches are queued: the transform sees them before any batch
         * of a source that waited for this. */
        if (src->src_role == CP_ROLE_CENTRAL && --run->central_pending == 0)
                pthread_cond_broadcast(&run->central_done);
        pthread_mutex_unlock(&run->lock);
        cp_queue_producer_done(run->q_in);
        return NULL;
}

static int64_t cp_now_ms(clockid_t clk)
{
        struct timespec ts;

        clock_gettime(clk, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Snapshots of the counts are taken at most this often. */
#define CP_SNAPSHOT_MIN_MS 500

/*
 * Publishes the transform's counts for /metrics and the periodic report.
 * A snapshot costs a pass over the dedupe table, so the next one waits at
 * least 20 times as long as this one took: the transform spends at most
 * about 5% of its time on them, whatever the table's size.
 * @returns the milliseconds until the next snapshot.
 */
static int64_t cp_run_snapshot(cp_run_t *run)
{
        int64_t t0 = cp_now_ms(CLOCK_MONOTONIC), took;

        cp_transform_report(run->tf, &run->snap);
        run->snap.rep_generated_ms = cp_now_ms(CLOCK_REALTIME);
        cp_live_publish_report(&run->live, &run->snap);
        took = cp_now_ms(CLOCK_MONOTONIC) - t0;
        return took * 20 > CP_SNAPSHOT_MIN_MS ? took * 20 : CP_SNAPSHOT_MIN_MS;
}

/* A batch with what it owns beyond cp_batch_destroy: a barrier's checkpoint. */
static void cp_run_batch_free(cp_batch_t *bat)
{
        if (bat && bat->bat_kind == CP_BATCH_BARRIER)
                cp_barrier_free(bat->bat_barrier);
        cp_batch_destroy(bat);
}

/* Ends an epoch: its barrier follows the epoch's last batch to the sink.
 * @returns 0, or -1 when the run must stop (no checkpoint can be saved). */
static int cp_run_barrier(cp_run_t *run, bool final)
{
        cp_batch_t *bar;
        char err[1024];

        if (cp_epoch_barrier(run->epoch, run->tf, final, cp_now_ms(CLOCK_MONOTONIC), &bar,
                             err, sizeof(err))) {
                cp_log_error("run", "CHECKPOINT_FAILED", "msg=\"%s\"", err);
                cp_live_fail(&run->live, "cannot save a checkpoint");
                run->transform_error = 1;
                return -1;
        }
        if (cp_queue_push(run->q_out, bar)) {
                cp_barrier_free(bar->bat_barrier);
                cp_batch_destroy(bar);
                return -1;
        }
        return 0;
}

/* The observation date: completeness.as_of, else the clock's date, which
 * new keys are classed by from now on. @locality the thread that owns the
 * transform */
static int32_t cp_run_as_of(cp_run_t *run)
{
        int32_t as_of = cp_transform_as_of(run->tf);

        if (!run->conf->conf_as_of && cp_measure_today() != as_of) {
                as_of = cp_measure_today();
                cp_transform_set_as_of(run->tf, as_of);
                cp_log_info("transform", "AS_OF_MOVED", "as_of_days=%" PRId32 " msg=\"the "
                            "clock's date changed: new keys are classed, and windows "
                            "swept, by it\"", as_of);
        }
        return as_of;
}

static void cp_run_log_swept(const cp_run_t *run, size_t source, const cp_batch_t *bat,
                             int32_t as_of)
{
        cp_log_info("transform", "WINDOW_ENDED", "source=%s removals=%zu as_of_days=%" PRId32
                    " msg=\"entries whose publication window ended leave the active set\"",
                    run->conf->conf_sources[source].src_id, bat->bat_n, as_of);
}

/*
 * After a restart from a snapshot behind the committed checkpoint, once
 * the replay is over: the state is the committed epoch's before its sweep,
 * whose removals are committed. The sweep is redone, its removals dropped.
 * @returns 0, or -1 (out of memory).
 */
static int cp_run_resweep(cp_run_t *run)
{
        size_t n = run->conf->conf_nsources, dropped = 0;
        cp_batch_t *out[n];
        int32_t as_of = run->epoch->ep_resweep;

        run->epoch->ep_resweep = 0;
        if (cp_transform_sweep(run->tf, as_of, cp_now_ms(CLOCK_REALTIME), out))
                return -1;
        for (size_t i = 0; i < n; i++) {
                dropped += out[i] ? out[i]->bat_n : 0;
                cp_batch_destroy(out[i]);
        }
        cp_log_info("transform", "SWEEP_REDONE", "as_of_days=%" PRId32 " removals=%zu "
                    "msg=\"the committed checkpoint's sweep is redone on the replayed state; "
                    "its removals were committed, none is produced again\"", as_of, dropped);
        return 0;
}

/*
 * Service mode, at the end of an epoch: the observation date (the clock's,
 * unless completeness.as_of fixes it) and the sweep of the entries whose
 * window ended by then. Their removal batches go to the sink before the
 * barrier, in the transaction of the state that forgot them.
 * @returns 0, or -1 when the run must stop.
 */
static int cp_run_sweep(cp_run_t *run)
{
        size_t n = run->conf->conf_nsources;
        cp_batch_t *out[n];
        int32_t as_of;
        int rc = 0;

        if (!run->sweep)
                return 0;
        as_of = cp_run_as_of(run);
        run->epoch->ep_swept_as_of = as_of;
        if ((run->epoch->ep_resweep && cp_run_resweep(run)) ||
            cp_transform_sweep(run->tf, as_of, cp_now_ms(CLOCK_REALTIME), out)) {
                cp_log_error("transform", "OUT_OF_MEMORY",
                             "msg=\"out of memory while sweeping ended windows\"");
                cp_live_fail(&run->live, "out of memory while sweeping ended windows");
                run->transform_error = 1;
                cp_queue_abort(run->q_in);
                return -1;
        }
        for (size_t i = 0; i < n; i++) {
                if (!out[i])
                        continue;
                if (rc == 0) {
                        cp_run_log_swept(run, i, out[i], as_of);
                        if (cp_queue_push(run->q_out, out[i]) == 0)
                                continue;
                        rc = -1;
                }
                cp_batch_destroy(out[i]);
        }
        return rc;
}

/* Transforms a batch and hands it to the sink. @returns 0, or -1 when
 * the run must stop. */
static int cp_run_transform(cp_run_t *run, cp_batch_t *bat)
{
        if (cp_transform_batch(run->tf, bat)) {
                cp_log_error("transform", "OUT_OF_MEMORY",
                             "msg=\"out of memory while transforming\"");
                cp_live_fail(&run->live, "out of memory while transforming");
                cp_batch_destroy(bat);
                run->transform_error = 1;
                cp_queue_abort(run->q_in);
                return -1;
        }
        if (run->epoch)
                cp_epoch_track(run->epoch, bat);
        if (cp_queue_push(run->q_out, bat)) {
                cp_batch_destroy(bat);
                return -1;
        }
        return 0;
}

/* A source's replay is over: when it was the last, the gate opens and the
 * batches held back go on. @returns 0, or -1 when the run must stop. */
static int cp_run_replay_over(cp_run_t *run, uint32_t source)
{
        int rc = 0;

        run->replaying &= ~(UINT64_C(1) << source);
        if (run->replaying || run->gate_open)
                return 0;
        pthread_mutex_lock(&run->lock);
        run->gate_open = true;
        pthread_cond_broadcast(&run->gate);
        pthread_mutex_unlock(&run->lock);
        cp_log_info("run", "REPLAY_DONE", "msg=\"every input is replayed up to the committed "
                    "checkpoint; producing from here\"");
        for (size_t i = 0; i < run->nheld; i++)
                if (rc == 0)
                        rc = cp_run_transform(run, run->held[i]);
                else
                        cp_batch_destroy(run->held[i]);
        run->nheld = 0;
        return rc;
}

/* @returns 1 when the batch is held back by the shut gate, 0 to go on,
 * -1 when the run must stop. */
static int cp_run_gate(cp_run_t *run, cp_batch_t *bat)
{
        if (run->gate_open || bat->bat_replay == bat->bat_n)
                return 0;
        /* Its first records to produce: its replay is over. */
        if (cp_run_replay_over(run, bat->bat_source))
                return -1;
        if (run->gate_open)
                return 0;
        run->held[run->nheld++] = bat;
        return 1;
}

static void *cp_transform_thread(void *p)
{
        cp_run_t *run = p;
        cp_batch_t *bat;
        int64_t next_snap = 0;
        bool last;
        int rc = 0;

        pthread_setname_np(pthread_self(), "cp:transform");
        if (run->epoch)
                run->epoch->ep_next_ms = cp_now_ms(CLOCK_MONOTONIC) +
                                         run->conf->conf_checkpoint_interval_ms;
        while (cp_queue_pop(run->q_in, &bat) == CP_OK) {
                if (bat->bat_kind != CP_BATCH_RECORDS) {
                        /* A marker: where the source stands, nothing to send. */
                        uint32_t source = bat->bat_source;
                        bool over = bat->bat_kind == CP_BATCH_SOURCE_DONE;

                        if (run->epoch)
                                cp_epoch_track(run->epoch, bat);
                        cp_batch_destroy(bat);
                        if (!over && (run->replaying & (UINT64_C(1) << source))) {
                                /* Stopped or failed before its replay's end: no
                                 * checkpoint may be committed (it would lie
                                 * before committed records); end the run. */
                                cp_log_warn("run", "REPLAY_INCOMPLETE", "source=%s "
                                            "msg=\"the source stopped before the end of its "
                                            "replay; nothing more is committed\"",
                                            run->conf->conf_sources[source].src_id);
                                cp_queue_abort(run->q_in);
                                rc = -1;
                                break;
                        }
                        if ((rc = cp_run_replay_over(run, source)))
                                break;
                        continue;
                }
                if ((rc = cp_run_gate(run, bat)) > 0) {
                        rc = 0;
                        continue;
                }
                if (rc || (rc = cp_run_transform(run, bat)))
                        break;
                if (cp_now_ms(CLOCK_MONOTONIC) >= next_snap)
                        next_snap = cp_now_ms(CLOCK_MONOTONIC) + cp_run_snapshot(run);
                if (run->epoch && run->gate_open &&
                    cp_epoch_due(run->epoch, cp_now_ms(CLOCK_MONOTONIC)) &&
                    ((rc = cp_run_sweep(run)) || (rc = cp_run_barrier(run, false)))) {
                        cp_queue_abort(run->q_in);
                        break;
                }
        }
        /* The final counts: the run's report is made of this snapshot,
         * produced in the last epoch, which ends here when all went well. */
        for (size_t i = 0; i < run->nheld; i++)
                cp_batch_destroy(run->held[i]);  /* only when the run failed */
        last = run->epoch && rc == 0 && run->gate_open && !run->transform_error &&
               !cp_queue_aborted(run->q_in);
        if (last && cp_run_sweep(run))
                last = false;
        cp_run_snapshot(run);
        if (last)
                cp_run_barrier(run, true);
        cp_queue_producer_done(run->q_out);
        return NULL;
}

/* Copies the latest snapshot into rep and produces it as a SharingReport,
 * unless there is none yet or it was produced already: a quiet pipeline
 * does not repeat itself on the topic. */
static int cp_run_report(cp_run_t *run, cp_sink_t *sk, cp_report_t *rep)
{
        uint64_t n = cp_live_latest_report(&run->live, rep);
        int rc;

        if (!n || n == run->reported)
                return CP_OK;
        rc = cp_sink_report(sk, rep);
        if (rc == CP_OK) {
                cp_live_count_report(&run->live);
                run->reported = n;
        }
        return rc;
}

static volatile sig_atomic_t cp_run_stop;

static void cp_run_on_signal(int sig)
{
        (void)sig;
        cp_run_stop = 1;
}

/* Says the run is over, then keeps serving /metrics for linger_ms, or
 * until SIGINT or SIGTERM, so that a scraper (a test, a batch job's
 * monitoring) can read the final figures of a --once run. The handlers
 * are in place before credpipe_run_finished turns 1: a scraper that
 * signals as soon as it sees it cannot kill the process. */
static void cp_run_linger(cp_live_t *live, long linger_ms)
{
        struct sigaction sa = {.sa_handler = cp_run_on_signal};
        int64_t end = cp_now_ms(CLOCK_MONOTONIC) + linger_ms;
        struct timespec tick = {0, 50 * 1000000L};

        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        cp_live_set_finished(live);
        cp_log_info("run", "LINGER", "ms=%ld msg=\"the run is over; /metrics stays up until "
                    "then, or until SIGTERM or SIGINT\"", linger_ms);
        /* The handlers stay: the process is only cleaning up from here, and
         * a second SIGTERM (timeout(1) signals the child and its group)
         * must not kill it halfway. */
        while (!cp_run_stop && cp_now_ms(CLOCK_MONOTONIC) < end)
                nanosleep(&tick, NULL);
}

/* Writes the port to a file, whole or not at all (tests poll for it). */
static int cp_run_write_port(const char *path, int port)
{
        char tmp[4096];
        FILE *f;
        int ok;

        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        f = fopen(tmp, "w");
        if (!f)
                return -1;
        ok = fprintf(f, "%d\n", port) > 0;
        ok &= fclose(f) == 0;
        if (!ok || rename(tmp, path)) {
                remove(tmp);
                return -1;
        }
        return 0;
}

/* Starts the metrics endpoint, when configured or asked for. */
static int cp_run_metrics_start(cp_run_t *run, const char *listen, const char *port_file,
                                cp_metrics_server_t **out)
{
        cp_metrics_handlers_t h = {cp_live_render, cp_live_ready, &run->live};
        char err[512];

        *out = NULL;
        if (!listen)
                return CP_OK;
        *out = cp_metrics_server_start(listen, &h, err, sizeof(err));
        if (!*out) {
                fprintf(stderr, "credpipe run: %s\n", err);
                return CP_ERR_IO;
        }
        cp_log_info("metrics", "METRICS_LISTEN", "addr=%s port=%d msg=\"serving /metrics, "
                    "/healthz and /readyz\"", cp_metrics_server_host(*out),
                    cp_metrics_server_port(*out));
        if (port_file && cp_run_write_port(port_file, cp_metrics_server_port(*out))) {
                fprintf(stderr, "credpipe run: --metrics-port-file %s: %s\n", port_file,
                        strerror(errno));
                return CP_ERR_IO;
        }
        return CP_OK;
}


/*
 * Runs one set of inputs through the pipeline: one ingest thread per
 * source over iargs[i].files, the transform thread, and the sink loop in
 * this thread, until every file is read (or the run is stopped) and,
 * with transactions, the set's last epoch is committed.
 * @returns 0, or 1 when something failed (logged).
 */
static int cp_run_set(cp_run_t *run, cp_sink_t *sk, cp_ingest_arg_t *iargs,
                      cp_progress_t *pg, cp_report_t *rep, bool *final_committed)
{
        size_t n = run->conf->conf_nsources;
        pthread_t ith[n], tth;
        cp_sink_stats_t sst;
        cp_batch_t *bat;
        int64_t next_report;
        char err[1024];
        int rc = 0;

        *final_committed = false;
        run->final_published = false;
        run->central_pending = 0;
        run->nheld = 0;
        run->gate_open = run->replaying == 0;
        for (size_t i = 0; i < n; i++)
                run->central_pending += run->conf->conf_sources[i].src_role == CP_ROLE_CENTRAL;
        run->q_in = cp_queue_new("ingest", (size_t)run->conf->conf_queue_batches, (int)n);
        run->q_out = cp_queue_new("sink", (size_t)run->conf->conf_queue_batches, 1);
        if (!run->q_in || !run->q_out) {
                cp_log_error("transform", "OUT_OF_MEMORY", "msg=\"out of memory for the queues\"");
                cp_queue_destroy(run->q_in);
                cp_queue_destroy(run->q_out);
                run->q_in = run->q_out = NULL;
                return 1;
        }
        cp_live_set_queues(&run->live, run->q_in, run->q_out);
        for (size_t i = 0; i < n; i++)
                pthread_create(&ith[i], NULL, cp_ingest_thread, &iargs[i]);
        pthread_create(&tth, NULL, cp_transform_thread, run);
        pthread_setname_np(pthread_self(), "cp:sink");

        /* The pop wakes up at least once a second, so the periodic report
         * goes out on time while the queue is quiet. */
        next_report = cp_now_ms(CLOCK_MONOTONIC) + run->conf->conf_report_interval_ms;
        while (cp_queue_pop_timed(run->q_out, &bat, 1000) == CP_OK) {
                int src = CP_OK;

                if (run->watchdog)
                        run->watchdog();
                if (bat && bat->bat_kind == CP_BATCH_BARRIER) {
                        cp_barrier_t *br = bat->bat_barrier;
                        bool published = false;

                        /* The last epoch holds the final report. */
                        if (br->br_final)
                                src = cp_run_report(run, sk, rep);
                        if (src == CP_OK &&
                            (src = cp_epoch_commit(run->conf, sk, br, &published, err,
                                                   sizeof(err))))
                                cp_log_error("sink", "COMMIT_FAILED", "epoch=%" PRIu64
                                             " msg=\"%s\"", br->br_epoch, err);
                        *final_committed = src == CP_OK && br->br_final;
                        run->final_published = *final_committed && published;
                        /* The commit delivered the epoch's messages. */
                        cp_sink_get_stats(sk, &sst);
                        cp_live_publish_sink(&run->live, &sst, 0);
                        cp_barrier_free(br);
                        cp_batch_destroy(bat);
                        bat = NULL;
                }
                if (bat) {
                        uint64_t nrec = bat->bat_n;

                        src = cp_sink_batch(sk, bat);
                        if (src && cp_sink_permanent_error(sk, err, sizeof(err)))
                                cp_live_fail(&run->live, "%s", err);
                        cp_progress_batch(pg, bat);
                        cp_batch_destroy(bat);
                        cp_sink_get_stats(sk, &sst);
                        cp_live_publish_sink(&run->live, &sst, nrec);
                        if (cp_sink_permanent_error(sk, err, sizeof(err)))
                                cp_live_fail(&run->live, "%s", err);
                        if (sst.sk_failed)
                                cp_live_fail(&run->live, "%" PRIu64 " messages failed delivery",
                                             sst.sk_failed);
                }
                if (src == CP_OK && cp_sink_permanent_error(sk, err, sizeof(err))) {
                        /* Reading on would only pile up what cannot go. */
                        cp_live_fail(&run->live, "%s", err);
                        src = CP_ERR_DELIVERY;
                }
                if (src == CP_OK && cp_now_ms(CLOCK_MONOTONIC) >= next_report) {
                        src = cp_run_report(run, sk, rep);
                        next_report = cp_now_ms(CLOCK_MONOTONIC) +
                                      run->conf->conf_report_interval_ms;
                }
                if (src) {
                        /* The sink cannot go on: stop reading, report. The
                         * first failure /readyz names stays (a permanent
                         * refusal's advice). */
                        cp_live_fail(&run->live, "producing to Kafka failed");
                        cp_queue_abort(run->q_out);
                        cp_queue_abort(run->q_in);
                        rc = 1;
                        break;
                }
        }
        for (size_t i = 0; i < n; i++)
                pthread_join(ith[i], NULL);
        pthread_join(tth, NULL);
        cp_live_set_queues(&run->live, NULL, NULL);
        /* A sink that stopped early leaves barriers queued. */
        cp_queue_drain(run->q_out, cp_run_batch_free);
        cp_queue_destroy(run->q_in);
        cp_queue_destroy(run->q_out);
        run->q_in = run->q_out = NULL;
        return rc || run->transform_error;
}

static volatile sig_atomic_t cp_stop_flag, cp_reload_flag;

static void cp_on_stop(int sig)
{
        (void)sig;
        cp_stop_flag = 1;
}

static void cp_on_reload(int sig)
{
        (void)sig;
        cp_reload_flag = 1;
}

/* systemd's watchdog, at most once a second. */
static void cp_watchdog(void)
{
        static int64_t last;
        int64_t now = cp_now_ms(CLOCK_MONOTONIC);

        if (now - last >= 1000) {
                last = now;
                sd_notify(0, "WATCHDOG=1");
        }
}

/*
 * The state kept for cur's sources serves next's: sources may be added and
 * removed, but one that stays keeps its role and category, and a central
 * one stays (cp_conf_source_fits). @returns true, or false with errstr.
 */
static bool cp_sources_fit(const cp_conf_t *cur, const cp_conf_t *next, char *errstr,
                           size_t errstr_size)
{
        for (size_t i = 0; i < cur->conf_nsources; i++) {
                const cp_source_conf_t *s = &cur->conf_sources[i];

                if (cp_conf_source_fits(next, s->src_id, (int)s->src_role, s->src_category,
                                        errstr, errstr_size) == -2)
                        return false;
        }
        return true;
}

/* SIGHUP: the new configuration is validated as a whole, and taken only
 * when it loads, keeps state.dir and its sources fit the state kept.
 * @returns true to reload. */
static bool cp_run_reload_ok(const cp_conf_t *cur, const char *config)
{
        char err[1024];
        cp_conf_t *next = cp_conf_load(config, err, sizeof(err));
        bool ok = false;

        if (!next)
                cp_log_error("run", "CONFIG_RELOAD_FAILED", "msg=\"%s; the running "
                             "configuration stays\"", err);
        else if (!next->conf_state_dir || strcmp(next->conf_state_dir, cur->conf_state_dir))
                cp_log_error("run", "CONFIG_RELOAD_FAILED", "file=%s msg=\"the new "
                             "configuration changes state.dir, which a running instance "
                             "cannot; the running configuration stays\"", config);
        else if (!cp_sources_fit(cur, next, err, sizeof(err)))
                cp_log_error("run", "CONFIG_RELOAD_FAILED", "file=%s msg=\"%s; the running "
                             "configuration stays\"", config, err);
        else
                ok = true;
        cp_conf_destroy(next);
        return ok;
}

/* The set's last epoch is committed: so are the pages its http sources
 * fetched, which the next set may fetch anew (ingest/http_poll.c).
 * @returns 0, or 1 when a spool's state cannot be saved (logged). */
static int cp_run_http_committed(const cp_run_t *run)
{
        char err[1024];
        int rc = 0;

        for (size_t i = 0; i < run->conf->conf_nsources; i++) {
                const cp_source_conf_t *src = &run->conf->conf_sources[i];

                if (src->src_http && cp_ingest_fetch_committed(src, run->epoch->ep_set,
                                                               err, sizeof(err))) {
                        cp_log_error("ingest", "SOURCE_FAILED", "source=%s msg=\"%s\"",
                                     src->src_id, err);
                        rc = 1;
                }
        }
        return rc;
}

/*
 * Service mode between sets, when no thread but this one runs: a sweep
 * that is due (a reload with a later completeness.as_of, the clock's date)
 * is an epoch of its own, without a set. The removals, the report and the
 * checkpoint go in one transaction; the snapshot, saved with the positions
 * where the last set ended, is published when it commits — as at the end of
 * a set, so a restart resumes from it.
 * @returns 0, or 1 when the service must stop.
 */
static int cp_run_idle_sweep(cp_run_t *run, cp_sink_t *sk, cp_report_t *rep)
{
        size_t n = run->conf->conf_nsources;
        cp_batch_t *out[n], *bar = NULL;
        int32_t as_of = cp_run_as_of(run);
        char err[1024];
        bool published;
        int rc = CP_OK;

        if (run->epoch->ep_resweep) {
                /* The next barrier saves it; a crash before redoes it. */
                if (cp_run_resweep(run)) {
                        cp_log_error("transform", "OUT_OF_MEMORY",
                                     "msg=\"out of memory while sweeping ended windows\"");
                        return 1;
                }
                cp_run_snapshot(run);
        }
        if (!cp_transform_sweep_due(run->tf, as_of))
                return 0;
        run->epoch->ep_swept_as_of = as_of;
        if (cp_transform_sweep(run->tf, as_of, cp_now_ms(CLOCK_REALTIME), out)) {
                cp_log_error("transform", "OUT_OF_MEMORY",
                             "msg=\"out of memory while sweeping ended windows\"");
                cp_live_fail(&run->live, "out of memory while sweeping ended windows");
                return 1;
        }
        for (size_t i = 0; i < n; i++) {
                if (!out[i])
                        continue;
                cp_run_log_swept(run, i, out[i], as_of);
                if (rc == CP_OK)
                        rc = cp_sink_batch(sk, out[i]);
                cp_batch_destroy(out[i]);
        }
        cp_run_snapshot(run);
        if (rc == CP_OK)
                rc = cp_run_report(run, sk, rep);
        if (rc == CP_OK && (rc = cp_epoch_barrier(run->epoch, run->tf, false,
                                                  cp_now_ms(CLOCK_MONOTONIC), &bar, err,
                                                  sizeof(err))))
                cp_log_error("run", "CHECKPOINT_FAILED", "msg=\"%s\"", err);
        /* Unpublished, its snapshot is replayed from the one before:
         * there are no inputs in between, only the sweep to redo. */
        if (rc == CP_OK && (rc = cp_epoch_commit(run->conf, sk, bar->bat_barrier, &published,
                                                 err, sizeof(err))))
                cp_log_error("sink", "COMMIT_FAILED", "epoch=%" PRIu64 " msg=\"%s\"",
                             run->epoch->ep_epoch, err);
        if (bar) {
                cp_barrier_free(bar->bat_barrier);
                cp_batch_destroy(bar);
        }
        if (rc != CP_OK) {
                cp_live_fail(&run->live, "the sweep of ended windows was not committed");
                return 1;
        }
        return 0;
}

/* @returns whether every source of the set was read to its end. */
static bool cp_run_set_done(const cp_epoch_t *ep)
{
        for (size_t i = 0; i < ep->ep_conf->conf_nsources; i++)
                if (!ep->ep_pos[i].ps_done)
                        return false;
        return true;
}

/* How often service mode asks the brokers whether a Kafka source has new
 * messages while no file arrives. */
#define CP_KAFKA_PROBE_MS 1000

/*
 * Whether a Kafka source has messages after where the sets read so far
 * left it: then a set starts even without files. Asked at most every
 * CP_KAFKA_PROBE_MS (*last_ms: when it was last asked); a broker that
 * does not answer counts as nothing new (logged by librdkafka).
 * @locality between sets (the positions are the transform's otherwise)
 */
static bool cp_run_kafka_pending(cp_run_t *run, const cp_ingest_arg_t *iargs, int64_t *last_ms)
{
        int64_t now = cp_now_ms(CLOCK_MONOTONIC);
        bool pending = false;

        if (now - *last_ms < CP_KAFKA_PROBE_MS)
                return false;
        *last_ms = now;
        for (size_t i = 0; i < run->conf->conf_nsources && !pending; i++) {
                const cp_source_conf_t *src = &run->conf->conf_sources[i];
                const cp_pos_t *p = &run->epoch->ep_pos[i];
                char *names[p->ps_nkafka ? p->ps_nkafka : 1];
                int64_t next[p->ps_nkafka ? p->ps_nkafka : 1];
                char err[512];

                if (!src->src_kafka)
                        continue;
                for (size_t k = 0; k < p->ps_nkafka; k++) {
                        names[k] = p->ps_kafka[k].kp_part;
                        next[k] = p->ps_kafka[k].kp_next;
                        /* Past the last record: transaction markers after
                         * it, which the last set's reading stepped over. */
                        for (size_t f = 0; iargs[i].knext && f < iargs[i].nfiles; f++)
                                if (!strcmp(iargs[i].files[f], names[k]) &&
                                    iargs[i].knext[f] > next[k])
                                        next[k] = iargs[i].knext[f];
                }
                switch (cp_kafka_pending(src, run->conf, run->brokers, names, next,
                                         p->ps_nkafka, err, sizeof(err))) {
                case 1:
                        pending = true;
                        break;
                case -1:  /* rate-limited by the logger while it lasts */
                        cp_log_warn("run", "KAFKA_PROBE_FAILED", "source=%s msg=\"%s; asked "
                                    "again in a second\"", src->src_id, err);
                        break;
                }
        }
        return pending;
}

/*
 * Service mode: reads the spool folders in sets until SIGTERM or SIGINT
 * (the set being read is cut at the next batch and committed where it
 * stands) or SIGHUP (after the set being read, when the new configuration
 * is valid). @returns 0, or 1 on failure.
 */
static int cp_run_service(cp_run_t *run, cp_sink_t *sk, cp_ingest_arg_t *iargs,
                          cp_report_t *rep, cp_spool_t *spool,
                          const Credpipe__V1__Checkpoint *committed, const char *config,
                          bool *reload)
{
        cp_epoch_t *ep = run->epoch;
        size_t n = run->conf->conf_nsources;
        uint64_t next = (committed ? committed->set : 0) + 1;
        bool resumed = spool->sp_set != 0, final_committed;
        int64_t probe_ms = 0;
        char err[1024];
        int rc = 0;

        if (spool->sp_set >= next)
                next = spool->sp_set + 1;
        /* The restored counts, for /metrics and the report at the end,
         * before any set is read. */
        cp_run_snapshot(run);
        run->stop = &cp_stop_flag;
        run->watchdog = cp_watchdog;
        sd_notify(0, "READY=1\nSTATUS=reading the spool folders");
        cp_log_info("run", "SERVICE_READY", "instance=%s msg=\"watching the sources' paths; "
                    "SIGTERM stops, SIGHUP reloads the configuration\"",
                    run->conf->conf_instance);
        while (!cp_stop_flag) {
                cp_watchdog();
                if (cp_reload_flag) {
                        cp_reload_flag = 0;
                        if (cp_run_reload_ok(run->conf, config)) {
                                *reload = true;
                                break;
                        }
                }
                if (!spool->sp_set) {
                        bool kafka = cp_run_kafka_pending(run, iargs, &probe_ms);
                        int t = cp_spool_take(spool, next, kafka, err, sizeof(err));

                        if (t < 0) {
                                cp_log_error("run", "SPOOL_FAILED", "msg=\"%s\"", err);
                                rc = 1;
                                break;
                        }
                        if (t == 0) {
                                if (cp_run_idle_sweep(run, sk, rep)) {
                                        rc = 1;
                                        break;
                                }
                                /* Woken by a file renamed or written into a
                                 * folder, else to look again: settle and the
                                 * signals are checked at least this often. */
                                cp_spool_wait(spool, 200);
                                continue;
                        }
                        next = spool->sp_set + 1;
                        cp_epoch_new_set(ep, spool->sp_set);
                        run->replaying = 0;
                        for (size_t i = 0; i < n; i++)
                                cp_resume_new_set(&iargs[i].resume, ep, i);
                } else if (resumed && committed && committed->set == spool->sp_set &&
                           cp_run_set_done(ep) && !run->replaying) {
                        /* Committed before the crash; only the files' fate
                         * was left to do. (With a snapshot behind, the set
                         * is run: its replay brings the state up.) */
                        resumed = false;
                        if (cp_run_http_committed(run) ||
                            cp_spool_finish(spool, err, sizeof(err))) {
                                cp_log_error("run", "SPOOL_FAILED", "msg=\"%s\"", err);
                                rc = 1;
                                break;
                        }
                        continue;
                }
                resumed = false;
                for (size_t i = 0; i < n; i++) {
                        cp_ingest_paths_free(iargs[i].files, iargs[i].nfiles);
                        iargs[i].files = cp_spool_paths(spool, i, &iargs[i].nfiles);
                        iargs[i].expand_failed = 0;
                }
                if (cp_run_set(run, sk, iargs, NULL, rep, &final_committed)) {
                        rc = 1;
                        break;
                }
                if (!final_committed) {
                        cp_log_error("run", "NOT_COMMITTED", "msg=\"the set's last epoch was "
                                     "not committed; a restart resumes from the last "
                                     "checkpoint\"");
                        rc = 1;
                        break;
                }
                if (!cp_run_set_done(ep))
                        break;  /* stopped: the rest of the set waits for a restart */
                if (!run->final_published) {
                        cp_log_error("run", "SET_NOT_FINISHED", "set=%" PRIu64 " msg=\"the "
                                     "set is committed but its state snapshot could not be "
                                     "published (see SNAPSHOT_PUBLISH_FAILED): its files stay "
                                     "where they are and a restart replays them; mend "
                                     "state.dir and start again\"", spool->sp_set);
                        rc = 1;
                        break;
                }
                if (cp_run_http_committed(run) ||
                    cp_spool_finish(spool, err, sizeof(err))) {
                        cp_log_error("run", "SPOOL_FAILED", "msg=\"%s\"", err);
                        rc = 1;
                        break;
                }
        }
        sd_notify(0, "STOPPING=1");
        cp_log_info("run", "SERVICE_STOP", "reload=%d msg=\"%s\"", *reload ? 1 : 0,
                    *reload ? "reloading the configuration" : "stopped");
        return rc;
}

static void cp_run_usage(FILE *out)
{
        fprintf(out,
                "usage: credpipe run -c FILE [--once] [--brokers LIST] [--report-json FILE]\n"
                "                    [--topic-prefix PREFIX] [--log-level SPEC]\n"
                "                    [--log-format logfmt|json]\n\n"
                "Reads every configured source, normalises, deduplicates and joins the\n"
                "records with the central records, produces them to Kafka, then prints\n"
                "the sharing report. With --once it reads the inputs there are and exits,\n"
                "0 only when every record was delivered. Without it, it is the service:\n"
                "it reads the sources' paths as spool folders, in sets of complete files,\n"
                "until SIGTERM (commits and exits 0); SIGHUP reloads the configuration.\n"
                "Service mode needs state.dir (docs/exactly-once.md).\n\n"
                "  -c, --config FILE      configuration (docs/configuration.md)\n"
                "      --once             read the inputs there are, commit and exit\n"
                "  -b, --brokers LIST     Kafka bootstrap servers, overriding the file;\n"
                "                         with none configured the embedded broker is used\n"
                "      --report-json FILE also write the sharing report as JSON\n"
                "      --topic-prefix P   prepend P to every topic name\n"
                "      --log-level SPEC   debug, info (default), warn or error, and per\n"
                "                         component: info,sink=debug (docs/logging.md);\n"
                "                         overrides the configuration's log.level\n"
                "      --log-format F     logfmt (default) or json, one line per event;\n"
                "                         overrides the configuration's log.format\n"
                "      --no-progress      no progress line (shown only on a terminal)\n"
                "      --metrics-listen ADDR:PORT\n"
                "                         serve /metrics, /healthz and /readyz there,\n"
                "                         overriding metrics.listen (port 0: any free port)\n"
                "      --metrics-port-file FILE\n"
                "                         write the metrics port to FILE once listening\n"
                "      --linger-ms N      after the run, keep serving /metrics for N ms\n"
                "                         or until SIGTERM/SIGINT (exit code unchanged)\n");
}

static char *cp_prefixed(const char *prefix, char *name)
{
        char *s;

        if (!prefix)
                return name;
        if (asprintf(&s, "%s%s", prefix, name) < 0)
                return name;
        free(name);
        return s;
}

/* What the command line asked for. */
typedef struct cp_run_opts_s {
        const char *config, *brokers, *report_path, *prefix;
        const char *metrics_listen, *port_file;
        int once, no_progress;
        long linger_ms;
} cp_run_opts_t;

static int cp_run_main(const cp_run_opts_t *o, bool *reload, bool *retry);

/* Restarts from the last checkpoint after a failed transaction, before
 * giving up: the broker aborted it, and resuming is what a restart by
 * hand (or by systemd) would do. */
#define CP_RUN_RETRIES 5

int cp_cmd_run(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"once", no_argument, NULL, 'o'},
                {"brokers", required_argument, NULL, 'b'},
                {"report-json", required_argument, NULL, 'r'},
                {"topic-prefix", required_argument, NULL, 'p'},
                {"log-level", required_argument, NULL, 'l'},
                {"log-format", required_argument, NULL, 'L'},
                {"no-progress", no_argument, NULL, 'P'},
                {"metrics-listen", required_argument, NULL, 'm'},
                {"metrics-port-file", required_argument, NULL, 'M'},
                {"linger-ms", required_argument, NULL, 'g'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0}};
        const char *config = NULL, *brokers = NULL, *report_path = NULL, *prefix = NULL;
        int once = 0, c, rc;
        char err[1024];
        int no_progress = 0;
        const char *metrics_listen = NULL, *port_file = NULL;
        long linger_ms = 0;
        bool reload;

        optind = 1;
        while ((c = getopt_long(argc, argv, "c:b:h", opts, NULL)) != -1) {
                switch (c) {
                case 'c': config = optarg; break;
                case 'o': once = 1; break;
                case 'b': brokers = optarg; break;
                case 'r': report_path = optarg; break;
                case 'p': prefix = optarg; break;
                case 'l':
                        /* Set now, above the configuration's `log:`. */
                        if (cp_log_set_spec(CP_LOG_FROM_CLI, optarg, err, sizeof(err))) {
                                fprintf(stderr, "credpipe run: --log-level: %s\n", err);
                                return 2;
                        }
                        break;
                case 'L':
                        if (cp_log_set_format(CP_LOG_FROM_CLI, optarg, err, sizeof(err))) {
                                fprintf(stderr, "credpipe run: --log-format: %s\n", err);
                                return 2;
                        }
                        break;
                case 'P': no_progress = 1; break;
                case 'm': metrics_listen = optarg; break;
                case 'M': port_file = optarg; break;
                case 'g': {
                        char *end;

                        linger_ms = strtol(optarg, &end, 10);
                        if (*end || end == optarg || linger_ms < 0 || linger_ms > 86400000L) {
                                fprintf(stderr, "credpipe run: --linger-ms takes 0 to "
                                        "86400000\n");
                                return 2;
                        }
                        break;
                }
                case 'h': cp_run_usage(stdout); return 0;
                default: cp_run_usage(stderr); return 2;
                }
        }
        if (!config || optind < argc) {
                cp_run_usage(stderr);
                return 2;
        }
        if (metrics_listen) {
                char host[256];
                int port;

                if (cp_listen_parse(metrics_listen, host, sizeof(host), &port)) {
                        fprintf(stderr, "credpipe run: --metrics-listen '%s' is not HOST:PORT "
                                "(IPv6: [ADDR]:PORT; port 0 to 65535)\n", metrics_listen);
                        return 2;
                }
        }
        {
                cp_run_opts_t o = {config, brokers, report_path, prefix, metrics_listen,
                                   port_file, once, no_progress, linger_ms};

                if (!once) {
                        struct sigaction sa = {.sa_handler = cp_on_stop};

                        sigemptyset(&sa.sa_mask);
                        sigaction(SIGTERM, &sa, NULL);
                        sigaction(SIGINT, &sa, NULL);
                        sa.sa_handler = cp_on_reload;
                        sigaction(SIGHUP, &sa, NULL);
                }
                /* A reload is a restart in the process, at the checkpoint
                 * just committed, with the configuration just validated. */
                int tries = 0;
                bool retry;

                do {
                        reload = retry = false;
                        rc = cp_run_main(&o, &reload, &retry);
                        if (reload)
                                sd_notify(0, "RELOADING=1");
                        if (retry && rc && !cp_stop_flag && tries < CP_RUN_RETRIES) {
                                unsigned wait_s = 1u << tries++;

                                cp_log_warn("run", "RESTART_FROM_CHECKPOINT", "attempt=%d "
                                            "wait_s=%u msg=\"a Kafka transaction failed and was "
                                            "aborted; resuming from the last committed "
                                            "checkpoint\"", tries, wait_s);
                                sleep(wait_s);
                                rc = 0;
                                reload = true;
                        }
                } while (reload && rc == 0);
                return rc;
        }
}

/*
 * Without state.dir: the Kafka sources' offsets are committed to their
 * groups once everything produced is delivered (the flush succeeded), so
 * a crash before it reads those messages again: at least once.
 * @returns 0, or 1 when a commit failed (logged).
 */
static int cp_run_kafka_commit(cp_run_t *run, cp_ingest_arg_t *iargs)
{
        int rc = 0;

        for (size_t i = 0; i < run->conf->conf_nsources; i++) {
                const cp_source_conf_t *src = &run->conf->conf_sources[i];
                cp_ingest_arg_t *a = &iargs[i];
                char *names[a->nfiles ? a->nfiles : 1];
                int64_t next[a->nfiles ? a->nfiles : 1];
                size_t n = 0;
                char err[1024];

                if (!src->src_kafka || !a->knext)
                        continue;
                for (size_t k = 0; k < a->nfiles; k++) {
                        if (a->knext[k] < 0)
                                continue;
                        names[n] = a->files[k];
                        next[n++] = a->knext[k];
                }
                if (cp_kafka_commit_offsets(src, run->conf, run->brokers, names, next, n, err,
                                            sizeof(err))) {
                        cp_log_error("ingest", "KAFKA_COMMIT_FAILED", "source=%s msg=\"%s; "
                                     "the next run reads those messages again\"", src->src_id,
                                     err);
                        rc = 1;
                } else if (n) {
                        cp_log_info("ingest", "KAFKA_OFFSETS_COMMITTED", "source=%s group=%s "
                                    "partitions=%zu", src->src_id, src->src_kafka->ks_group, n);
                }
        }
        return rc;
}

static int cp_run_main(const cp_run_opts_t *o, bool *reload, bool *retry)
{
        const char *config = o->config, *brokers = o->brokers, *report_path = o->report_path;
        const char *prefix = o->prefix, *metrics_listen = o->metrics_listen;
        const char *port_file = o->port_file;
        int once = o->once, no_progress = o->no_progress, rc = 0;
        long linger_ms = o->linger_ms;
        char err[1024];
        cp_run_t run = {0};
        cp_embedded_t *em = NULL;
        cp_progress_t *pg = NULL;
        cp_sink_t *sk = NULL;
        cp_ingest_arg_t *iargs = NULL;
        cp_report_t rep = {0};
        cp_sink_stats_t sst;
        cp_metrics_server_t *ms = NULL;
        bool live_ok = false;
        cp_epoch_t epoch = {0};
        cp_spool_t spool = {0};
        bool final_committed = false;
        Credpipe__V1__Checkpoint *committed = NULL;
        int state_lock = -1;
        struct timespec t0, t1;
        double secs;

        run.conf = cp_conf_load(config, err, sizeof(err));
        if (!run.conf) {
                fprintf(stderr, "credpipe run: %s\n", err);
                return 2;
        }
        if (!once && !run.conf->conf_state_dir) {
                fprintf(stderr, "credpipe run: %s: service mode (without --once) needs "
                        "`state: {dir: ...}`: files are read in sets, committed exactly once, "
                        "and remembered there (docs/exactly-once.md)\n", config);
                cp_conf_destroy(run.conf);
                return 2;
        }
        run.conf->conf_topic_records = cp_prefixed(prefix, run.conf->conf_topic_records);
        run.conf->conf_topic_rejects = cp_prefixed(prefix, run.conf->conf_topic_rejects);
        run.conf->conf_topic_sharing = cp_prefixed(prefix, run.conf->conf_topic_sharing);
        run.conf->conf_topic_checkpoints = cp_prefixed(prefix, run.conf->conf_topic_checkpoints);
        /* Transform state (category table, pseudonym key) before Kafka:
         * a bad file fails fast, before any connection. */
        run.tf = cp_transform_new(run.conf, err, sizeof(err));
        if (!run.tf) {
                fprintf(stderr, "credpipe run: %s\n", err);
                cp_conf_destroy(run.conf);
                return 2;
        }
        if (!brokers)
                brokers = run.conf->conf_brokers;
        if (!brokers) {
                em = cp_embedded_start(err, sizeof(err));
                if (!em) {
                        fprintf(stderr, "credpipe run: %s\n", err);
                        cp_transform_destroy(run.tf);
                        cp_conf_destroy(run.conf);
                        return 1;
                }
                brokers = cp_embedded_bootstraps(em);
                cp_embedded_create_topic(em, run.conf->conf_topic_records,
                                         run.conf->conf_partitions);
                cp_embedded_create_topic(em, run.conf->conf_topic_rejects, 1);
                cp_embedded_create_topic(em, run.conf->conf_topic_sharing, 1);
                if (run.conf->conf_state_dir)
                        cp_embedded_create_topic(em, run.conf->conf_topic_checkpoints, 1);
                cp_log_info("run", "EMBEDDED_BROKER", "bootstrap=%s msg=\"no brokers "
                            "configured: using the embedded broker; its data lives in "
                            "memory only and is gone when credpipe exits\"", brokers);
        }
        run.brokers = brokers;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (cp_live_init(&run.live, run.conf) ||
            cp_report_alloc(&run.snap, run.conf->conf_nsources) ||
            cp_report_alloc(&rep, run.conf->conf_nsources)) {
                fprintf(stderr, "credpipe run: out of memory\n");
                rc = 1;
                goto out;
        }
        live_ok = true;
        /* Up before Kafka, so /readyz can say what it waits for. */
        if (cp_run_metrics_start(&run, metrics_listen ? metrics_listen
                                 : run.conf->conf_metrics_listen, port_file, &ms)) {
                rc = 1;
                goto out;
        }
        /* Before the producer: a second process on this state.dir must
         * not fence the first, it must not start at all. */
        if (run.conf->conf_state_dir &&
            (state_lock = cp_state_lock(run.conf->conf_state_dir, err, sizeof(err))) < 0) {
                fprintf(stderr, "credpipe run: %s\n", err);
                rc = 1;
                goto out;
        }
        sk = cp_sink_new(run.conf, brokers, err, sizeof(err));
        if (!sk) {
                fprintf(stderr, "credpipe run: Kafka at %s: %s\n", brokers, err);
                rc = 1;
                goto out;
        }
        iargs = calloc(run.conf->conf_nsources, sizeof(*iargs));
        if (!iargs) {
                fprintf(stderr, "credpipe run: out of memory\n");
                rc = 1;
                goto out;
        }
        /* Exactly once: the producer's transactions are initialised (which
         * aborts what a previous instance left open), so the last
         * committed checkpoint can be read and the state restored. */
        if (run.conf->conf_state_dir) {
                cp_resume_t plans[run.conf->conf_nsources];

                if (cp_epoch_init(&epoch, run.conf, err, sizeof(err)) ||
                    cp_checkpoint_read_last(run.conf, brokers, &committed, err, sizeof(err)) ||
                    (!once && cp_spool_open(&spool, run.conf, err, sizeof(err))) ||
                    cp_epoch_recover(&epoch, run.tf, committed,
                                     /* the set about to be read: a set left
                                      * unfinished, else none new yet */
                                     spool.sp_set ? spool.sp_set
                                                  : committed ? committed->set : 0,
                                     once || spool.sp_set, plans, err, sizeof(err))) {
                        fprintf(stderr, "credpipe run: %s\n", err);
                        rc = 1;
                        goto out;
                }
                for (size_t i = 0; i < run.conf->conf_nsources; i++) {
                        iargs[i].resume = plans[i];
                        if (cp_resume_replays(&plans[i]))
                                run.replaying |= UINT64_C(1) << i;
                }
                run.epoch = &epoch;
        }
        run.gate_open = run.replaying == 0;
        run.held = calloc(run.conf->conf_nsources, sizeof(*run.held));
        if (!run.held) {
                fprintf(stderr, "credpipe run: out of memory\n");
                rc = 1;
                goto out;
        }
        cp_live_set_sink_ready(&run.live);
        pthread_mutex_init(&run.lock, NULL);
        pthread_cond_init(&run.central_done, NULL);
        pthread_cond_init(&run.gate, NULL);
        for (size_t i = 0; i < run.conf->conf_nsources; i++) {
                iargs[i].run = &run;
                iargs[i].source = (uint32_t)i;
        }
        if (!once) {
                /* Sets follow one another: a central record may come in a
                 * later set than a source's, and windows end meanwhile. */
                cp_transform_service(run.tf);
                run.sweep = true;
                rc = cp_run_service(&run, sk, iargs, &rep, &spool, committed, config, reload);
                goto done;
        }
        /* Paths are expanded before any thread starts, so the progress
         * line knows every file and its size from the beginning. */
        {
                char **fl[run.conf->conf_nsources];
                size_t nf[run.conf->conf_nsources];

                for (size_t i = 0; i < run.conf->conf_nsources; i++) {
                        const cp_source_conf_t *src = &run.conf->conf_sources[i];

                        iargs[i].run = &run;
                        iargs[i].source = (uint32_t)i;
                        if (cp_ingest_expand(src, &iargs[i].files, &iargs[i].nfiles, err,
                                             sizeof(err))) {
                                cp_log_error("ingest", "SOURCE_FAILED", "source=%s msg=\"%s\"",
                                             src->src_id, err);
                                iargs[i].expand_failed = 1;
                        }
                        fl[i] = iargs[i].files;
                        nf[i] = iargs[i].nfiles;
                }
                pg = cp_progress_new(run.conf->conf_nsources, fl, nf,
                                     isatty(STDERR_FILENO) && !no_progress);
        }
        if (cp_run_set(&run, sk, iargs, pg, &rep, &final_committed))
                rc = 1;
        if (run.epoch && final_committed && cp_run_set_done(run.epoch) &&
            cp_run_http_committed(&run))
                rc = 1;
done:
        cp_progress_end(pg);
        pg = NULL;
        cp_log_info("run", "INPUTS_DONE", "msg=\"every input read and handed to Kafka; "
                    "waiting for deliveries\"");

        /* The transform thread's last snapshot, taken after its last
         * batch, holds the final counts. Produced here, unless the loop
         * above already did; with transactions it did, in the last epoch
         * (a report produced now would be in no committed transaction). */
        if (run.epoch)
                cp_live_latest_report(&run.live, &rep);
        else if (cp_run_report(&run, sk, &rep))
                rc = 1;
        if (run.epoch && once && !final_committed) {
                /* What was produced since the last commit is aborted, to
                 * be produced again by the next run. */
                cp_log_error("run", "NOT_COMMITTED", "msg=\"the run ended before its last "
                             "epoch was committed; run again to resume from the last "
                             "checkpoint\"");
                rc = 1;
        }
        if (run.epoch && (once ? !final_committed : rc != 0)) {
                /* An uncommitted transaction: its messages can never be
                 * read_committed, so none is waited for (cp_sink_abandon
                 * says why waiting could take minutes). */
                cp_sink_abandon(sk);
        } else if (cp_sink_flush(sk, run.conf->conf_delivery_timeout_ms + 10000, err,
                                 sizeof(err))) {
                cp_log_error("sink", "FLUSH_FAILED", "msg=\"%s\"", err);
                cp_live_fail(&run.live, "%s", err);
                rc = 1;
        }
        cp_log_info("run", "FLUSHED", "msg=\"every message delivered or failed\"");
        if (!run.epoch && rc == 0 && cp_run_kafka_commit(&run, iargs))
                rc = 1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        cp_sink_get_stats(sk, &sst);
        cp_live_publish_sink(&run.live, &sst, 0);
        cp_report_print(stdout, run.conf, &rep);
        {
                uint64_t read = 0;
                for (size_t i = 0; i < rep.rep_nsrc; i++)
                        read += rep.rep_src[i].st_read;
                printf("%" PRIu64 " records in %.2f s (%.0f records/s); %" PRIu64
                       " messages, %" PRIu64 " delivered, %" PRIu64 " failed; "
                       "%.1f MB protobuf -> %.1f MB zstd\n",
                       read, secs, secs > 0 ? (double)read / secs : 0.0,
                       sst.sk_messages, sst.sk_delivered, sst.sk_failed,
                       (double)sst.sk_raw_bytes / 1e6, (double)sst.sk_wire_bytes / 1e6);
        }
        if (report_path &&
            cp_report_write_json(report_path, run.conf, &rep, err, sizeof(err))) {
                fprintf(stderr, "credpipe run: %s\n", err);
                rc = 1;
        }
        if (run.ingest_errors || run.transform_error)
                rc = 1;
        /* A failed transaction, nothing refused for good, inputs readable:
         * worth resuming from the checkpoint (cp_cmd_run). */
        *retry = rc && run.epoch && sk && !cp_sink_permanent_error(sk, err, sizeof(err)) &&
                 !run.ingest_errors && !run.transform_error;
        fflush(stdout);
        /* Figures final, report written: credpipe_run_finished says so. */
        if (ms && linger_ms > 0)
                cp_run_linger(&run.live, linger_ms);
        else
                cp_live_set_finished(&run.live);
        pthread_cond_destroy(&run.central_done);
        pthread_cond_destroy(&run.gate);
        pthread_mutex_destroy(&run.lock);
out:
        /* The server reads the queues and the snapshot: it stops first. */
        cp_metrics_server_stop(ms);
        if (live_ok)
                cp_live_destroy(&run.live);
        cp_report_free(&run.snap);
        cp_progress_end(pg);
        cp_report_free(&rep);
        for (size_t i = 0; iargs && i < run.conf->conf_nsources; i++) {
                cp_ingest_paths_free(iargs[i].files, iargs[i].nfiles);
                cp_resume_free(&iargs[i].resume);
                free(iargs[i].knext);
        }
        free(iargs);
        cp_epoch_free(&epoch);
        cp_spool_close(&spool);
        if (state_lock >= 0)
                close(state_lock);
        free(run.held);
        if (committed)
                credpipe__v1__checkpoint__free_unpacked(committed, NULL);
        cp_transform_destroy(run.tf);
        cp_sink_destroy(sk);
        cp_embedded_stop(em);
        cp_conf_destroy(run.conf);
        return rc;
}
