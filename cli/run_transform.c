/*
 * credpipe run, transform side: the transform thread between q_in and
 * q_out, the replay gate, the epochs' barriers and the sweeps of ended
 * windows (cli/run.h).
 *
 * DESIGN: the transform thread owns the transform. It transforms each
 * batch and hands it to the sink, publishes a snapshot of the counts now
 * and then (cli/live.h), holds back records to produce until every
 * source's replay is over (the replay gate, cp_run_t) and, with
 * state.dir, ends an epoch every checkpoint_interval: in service mode it
 * first sweeps the entries whose window ended, then sends the barrier
 * after the epoch's last batch (cli/epoch.h). Between the sets of service
 * mode no thread runs and the main thread owns the transform: a sweep
 * that is due is then an epoch of its own (cp_run_idle_sweep).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>

#include "run.h"
#include "core/err.h"
#include "core/log.h"
#include "core/queue.h"
#include "transform/measure.h"
#include "transform/transform.h"

/* Snapshots of the counts are taken at most this often. */
#define CP_SNAPSHOT_MIN_MS 500

int64_t cp_run_snapshot(cp_run_t *run)
{
        int64_t t0 = cp_now_ms(CLOCK_MONOTONIC), took;

        cp_transform_report(run->tf, &run->snap);
        run->snap.rep_generated_ms = cp_now_ms(CLOCK_REALTIME);
        cp_live_publish_report(&run->live, &run->snap);
        took = cp_now_ms(CLOCK_MONOTONIC) - t0;
        return took * 20 > CP_SNAPSHOT_MIN_MS ? took * 20 : CP_SNAPSHOT_MIN_MS;
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

void *cp_run_transform_thread(void *p)
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

int cp_run_idle_sweep(cp_run_t *run, cp_sink_t *sk, cp_report_t *rep)
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
