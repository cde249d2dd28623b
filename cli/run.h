/*
 * The parts of `credpipe run` its files share; private to them.
 *
 * DESIGN: one run is one cp_run_t, owned by cp_run_main and handed by
 * pointer to its threads (an ingest thread gets its source's
 * cp_ingest_arg_t, which points back at it). Each file has one concern:
 *   cmd_run.c        the run's setup (configuration, sink, /metrics, live
 *                    status, state.dir), one set through the threads with
 *                    the sink loop in the main thread, and the end of a run
 *   run_opts.c       the command line and its usage text
 *   run_ingest.c     the ingest threads: files, Kafka sources, http fetches
 *   run_transform.c  the transform thread, the replay gate, epochs' barriers
 *                    and the sweeps of ended windows
 *   run_service.c    service mode: sets of spool files, the Kafka probe,
 *                    signals and SIGHUP reload
 */
#ifndef CP_RUN_H
#define CP_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/config.h"
#include "core/queue.h"
#include "core/record.h"
#include "core/report.h"
#include "epoch.h"
#include "live.h"
#include "progress.h"
#include "proto/credpipe.pb-c.h"
#include "sink/sink.h"
#include "spool.h"
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

/* What the command line asked for. */
typedef struct cp_run_opts_s {
        const char *config, *brokers, *report_path, *prefix;
        const char *metrics_listen, *port_file;
        int once, no_progress;
        long linger_ms;
} cp_run_opts_t;

static inline int64_t cp_now_ms(clockid_t clk)
{
        struct timespec ts;

        clock_gettime(clk, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- cmd_run.c */

/**
 * @brief Runs one set of inputs through the pipeline: one ingest thread
 * per source over iargs[i].files, the transform thread, and the sink loop
 * in the calling thread, until every file is read (or the run is stopped)
 * and, with transactions, the set's last epoch is committed.
 * @returns 0, or 1 when something failed (logged).
 */
int cp_run_set(cp_run_t *run, cp_sink_t *sk, cp_ingest_arg_t *iargs,
               cp_progress_t *pg, cp_report_t *rep, bool *final_committed);

/** @brief Copies the latest snapshot into rep and produces it as a
 * SharingReport, unless there is none yet or it was produced already: a
 * quiet pipeline does not repeat itself on the topic. */
int cp_run_report(cp_run_t *run, cp_sink_t *sk, cp_report_t *rep);

/** @returns whether every source of the set was read to its end. */
bool cp_run_set_done(const cp_epoch_t *ep);

/* ---- run_opts.c */

/**
 * @brief Parses `credpipe run`'s command line into o (--log-level and
 * --log-format take effect at once, above the configuration's `log:`).
 * @returns -1 to run, else the exit code: 0 after --help, 2 for a bad
 *          command line (said on stderr).
 */
int cp_run_opts_parse(int argc, char **argv, cp_run_opts_t *o);

/* ---- run_ingest.c */

/** @brief An ingest thread: reads its source (p: its cp_ingest_arg_t) to
 * its end into q_in, then says how it ended. */
void *cp_run_ingest_thread(void *p);

/** @brief The set's last epoch is committed: so are the pages its http
 * sources fetched, which the next set may fetch anew (ingest/http_poll.c).
 * @returns 0, or 1 when a spool's state cannot be saved (logged). */
int cp_run_http_committed(const cp_run_t *run);

/**
 * @brief Without state.dir: the Kafka sources' offsets are committed to
 * their groups once everything produced is delivered (the flush
 * succeeded), so a crash before it reads those messages again: at least
 * once.
 * @returns 0, or 1 when a commit failed (logged).
 */
int cp_run_kafka_commit(cp_run_t *run, cp_ingest_arg_t *iargs);

/* ---- run_transform.c */

/** @brief The transform thread (p: the cp_run_t), from q_in to q_out. */
void *cp_run_transform_thread(void *p);

/**
 * @brief Publishes the transform's counts for /metrics and the periodic
 * report. A snapshot costs a pass over the dedupe table, so the next one
 * waits at least 20 times as long as this one took: the transform spends
 * at most about 5% of its time on them, whatever the table's size.
 * @returns the milliseconds until the next snapshot.
 */
int64_t cp_run_snapshot(cp_run_t *run);

/**
 * @brief Service mode between sets, when no thread but the caller runs: a
 * sweep that is due (a reload with a later completeness.as_of, the
 * clock's date) is an epoch of its own, without a set. The removals, the
 * report and the checkpoint go in one transaction; the snapshot, saved
 * with the positions where the last set ended, is published when it
 * commits — as at the end of a set, so a restart resumes from it.
 * @returns 0, or 1 when the service must stop.
 */
int cp_run_idle_sweep(cp_run_t *run, cp_sink_t *sk, cp_report_t *rep);

/* ---- run_service.c */

/**
 * @brief Service mode: reads the spool folders in sets until SIGTERM or
 * SIGINT (the set being read is cut at the next batch and committed where
 * it stands) or SIGHUP (after the set being read, when the new
 * configuration is valid). @returns 0, or 1 on failure.
 */
int cp_run_service(cp_run_t *run, cp_sink_t *sk, cp_ingest_arg_t *iargs,
                   cp_report_t *rep, cp_spool_t *spool,
                   const Credpipe__V1__Checkpoint *committed, const char *config,
                   bool *reload);

/** @brief Service mode's signals: SIGTERM and SIGINT stop, SIGHUP reloads. */
void cp_run_service_signals(void);

/** @returns whether SIGTERM or SIGINT asked the service to stop. */
bool cp_run_service_stopping(void);

#endif
