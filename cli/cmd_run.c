/*
 * credpipe run: wires ingest → transform → sink and runs them.
 *
 * DESIGN (docs/architecture.md has the picture):
 *   one ingest thread per source  ─► q_in ─►  transform thread  ─► q_out ─►  sink (main thread)
 * Queues are bounded, so a slow broker makes the transform wait, and the
 * transform makes ingest wait: memory stays flat. Each batch has one owner
 * at a time. When every input is read, the transform's counts become the
 * sharing report, which goes to Kafka, the terminal and, if asked, a file.
 *
 * This file sets a run up (configuration, sink, /metrics, live status,
 * state.dir), runs a set of inputs through the threads with the sink loop
 * in the main thread, and ends the run; cli/run.h says which file has the
 * rest: the command line, the ingest and transform threads, the service.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "run.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/queue.h"
#include <systemd/sd-daemon.h>

#include "embedded.h"
#include "epoch.h"
#include "spool.h"
#include "live.h"
#include "metrics_server.h"
#include "progress.h"
#include "ingest/ingest.h"
#include "report_out.h"
#include "sink/checkpoint.h"
#include "sink/sink.h"
#include "transform/transform.h"

/* A batch with what it owns beyond cp_batch_destroy: a barrier's checkpoint. */
static void cp_run_batch_free(cp_batch_t *bat)
{
        if (bat && bat->bat_kind == CP_BATCH_BARRIER)
                cp_barrier_free(bat->bat_barrier);
        cp_batch_destroy(bat);
}

int cp_run_report(cp_run_t *run, cp_sink_t *sk, cp_report_t *rep)
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

int cp_run_set(cp_run_t *run, cp_sink_t *sk, cp_ingest_arg_t *iargs,
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
                pthread_create(&ith[i], NULL, cp_run_ingest_thread, &iargs[i]);
        pthread_create(&tth, NULL, cp_run_transform_thread, run);
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

bool cp_run_set_done(const cp_epoch_t *ep)
{
        for (size_t i = 0; i < ep->ep_conf->conf_nsources; i++)
                if (!ep->ep_pos[i].ps_done)
                        return false;
        return true;
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

static int cp_run_main(const cp_run_opts_t *o, bool *reload, bool *retry);

/* Restarts from the last checkpoint after a failed transaction, before
 * giving up: the broker aborted it, and resuming is what a restart by
 * hand (or by systemd) would do. */
#define CP_RUN_RETRIES 5

int cp_cmd_run(int argc, char **argv)
{
        cp_run_opts_t o;
        int tries = 0, rc;
        bool reload, retry;

        if ((rc = cp_run_opts_parse(argc, argv, &o)) >= 0)
                return rc;
        if (!o.once)
                cp_run_service_signals();
        /* A reload is a restart in the process, at the checkpoint
         * just committed, with the configuration just validated. */
        do {
                reload = retry = false;
                rc = cp_run_main(&o, &reload, &retry);
                if (reload)
                        sd_notify(0, "RELOADING=1");
                if (retry && rc && !cp_run_service_stopping() && tries < CP_RUN_RETRIES) {
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
        /* A refusal a delivery report brought after the failure it caused
         * (a commit, say): its advice is what /readyz says. */
        if (cp_sink_permanent_error(sk, err, sizeof(err)))
                cp_live_refused(&run.live, "%s", err);
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
