/*
 * credpipe run, ingest side: one thread per source reads its files, or
 * its Kafka partitions, into batches for the transform (cli/run.h).
 *
 * DESIGN: every batch is stamped with its position and, after a restart,
 * filtered by the source's plan (cli/epoch.h) before it is queued; one
 * with records to produce waits at the replay gate (cp_run_t). A source
 * that is not central waits until every central one is read. A source's
 * end is a marker batch: read to its end, stopped or failed. Once what
 * they read is committed, the http sources' fetches are marked committed
 * (state.dir) and the Kafka sources' offsets committed to their groups
 * (without it).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"
#include "core/err.h"
#include "core/log.h"
#include "core/queue.h"
#include "ingest/ingest.h"
#include "ingest/kafka_source.h"

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
/* An input (a file, a Kafka partition) could not be read to its end:
 * either the pipeline stopped behind it — no fault of the input, which is
 * read again next time — or it failed, which is logged. @returns whether
 * the pipeline stopped. */
static bool cp_run_input_stopped(cp_ingest_arg_t *a, const cp_source_conf_t *src,
                                 const char *input, const char *err)
{
        if (a->stopped)
                return true;
        if (cp_queue_aborted(a->run->q_in)) {
                a->stopped = true;
                return true;
        }
        cp_log_error("ingest", "FILE_FAILED", "source=%s file=%s msg=\"%s\"", src->src_id,
                     input, err);
        return false;
}

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
                        failed = !cp_run_input_stopped(a, src, part, err);
                        break;
                }
                cp_log_info("ingest", "KAFKA_PARTITION_DONE", "source=%s partition=%s "
                            "next=%" PRId64, src->src_id, part, a->knext[i]);
        }
        cp_kafka_reader_free(r);
        cp_kafka_source_close(ks);
        return failed;
}

void *cp_run_ingest_thread(void *p)
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
                        if (cp_run_input_stopped(a, src, file, err))
                                break;
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

int cp_run_http_committed(const cp_run_t *run)
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

int cp_run_kafka_commit(cp_run_t *run, cp_ingest_arg_t *iargs)
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
