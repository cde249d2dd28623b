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
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/queue.h"
#include "embedded.h"
#include "progress.h"
#include "ingest/ingest.h"
#include "report_out.h"
#include "sink/sink.h"
#include "transform/transform.h"

typedef struct cp_run_s {
        cp_conf_t *conf;
        cp_queue_t *q_in;
        cp_queue_t *q_out;
        cp_transform_t *tf;
        int ingest_errors;     /* sources that failed to read a file */
        int transform_error;
        pthread_mutex_t lock;  /* guards ingest_errors */
} cp_run_t;

typedef struct cp_ingest_arg_s {
        cp_run_t *run;
        uint32_t source;
        /* Records point at these names, so they live until the sink is
         * done with every batch: freed after the threads are joined. */
        char **files;
        size_t nfiles;
        int expand_failed;   /* the paths could not be expanded */
} cp_ingest_arg_t;

static int cp_run_emit(void *opaque, cp_batch_t *bat)
{
        cp_run_t *run = opaque;

        if (cp_queue_push(run->q_in, bat)) {
                cp_batch_destroy(bat);
                return CP_ERR_CLOSED;
        }
        return CP_OK;
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

        if (!failed && a->nfiles == 0)
                cp_log_warn("ingest", "NO_FILES", "source=%s msg=\"no file matches the "
                            "source's paths; check 'paths' in the configuration\"",
                            src->src_id);
        for (size_t i = 0; i < a->nfiles && !failed; i++) {
                const char *file = a->files[i];

                if (cp_ingest_file(src, a->source, file,
                                   (size_t)run->conf->conf_batch_records, cp_run_emit,
                                   run, err, sizeof(err))) {
                        cp_log_error("ingest", "FILE_FAILED", "source=%s file=%s msg=\"%s\"",
                                     src->src_id, file, err);
                        failed = 1;
                } else {
                        cp_log_info("ingest", "FILE_DONE", "source=%s file=%s",
                                    src->src_id, file);
                }
        }
        if (failed) {
                pthread_mutex_lock(&run->lock);
                run->ingest_errors++;
                pthread_mutex_unlock(&run->lock);
        }
        cp_queue_producer_done(run->q_in);
        return NULL;
}

static void *cp_transform_thread(void *p)
{
        cp_run_t *run = p;
        cp_batch_t *bat;

        pthread_setname_np(pthread_self(), "cp:transform");
        while (cp_queue_pop(run->q_in, &bat) == CP_OK) {
                if (cp_transform_batch(run->tf, bat)) {
                        cp_log_error("transform", "OUT_OF_MEMORY",
                                     "msg=\"out of memory while transforming\"");
                        cp_batch_destroy(bat);
                        run->transform_error = 1;
                        cp_queue_abort(run->q_in);
                        break;
                }
                if (cp_queue_push(run->q_out, bat)) {
                        cp_batch_destroy(bat);
                        break;
                }
        }
        cp_queue_producer_done(run->q_out);
        return NULL;
}

static void cp_run_usage(FILE *out)
{
        fprintf(out,
                "usage: credpipe run -c FILE --once [--brokers LIST] [--report-json FILE]\n"
                "                    [--topic-prefix PREFIX] [--log-level LEVEL]\n\n"
                "Reads every configured source, normalises, deduplicates and joins the\n"
                "records with the central records, produces them to Kafka, then prints\n"
                "the sharing report. Exits 0 only when every record was delivered.\n\n"
                "  -c, --config FILE      configuration (docs/configuration.md)\n"
                "      --once             read every input once, flush and exit\n"
                "  -b, --brokers LIST     Kafka bootstrap servers, overriding the file;\n"
                "                         with none configured the embedded broker is used\n"
                "      --report-json FILE also write the sharing report as JSON\n"
                "      --topic-prefix P   prepend P to every topic name\n"
                "      --log-level LEVEL  debug, info (default), warn or error\n"
                "      --no-progress      no progress line (shown only on a terminal)\n");
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

int cp_cmd_run(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"once", no_argument, NULL, 'o'},
                {"brokers", required_argument, NULL, 'b'},
                {"report-json", required_argument, NULL, 'r'},
                {"topic-prefix", required_argument, NULL, 'p'},
                {"log-level", required_argument, NULL, 'l'},
                {"no-progress", no_argument, NULL, 'P'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0}};
        const char *config = NULL, *brokers = NULL, *report_path = NULL, *prefix = NULL;
        int once = 0, c, rc = 0;
        char err[1024];
        cp_run_t run = {0};
        cp_embedded_t *em = NULL;
        cp_progress_t *pg = NULL;
        int no_progress = 0;
        cp_sink_t *sk = NULL;
        pthread_t *ith = NULL, tth;
        cp_ingest_arg_t *iargs = NULL;
        cp_report_t rep = {0};
        cp_sink_stats_t sst;
        cp_batch_t *bat;
        struct timespec t0, t1;
        double secs;

        optind = 1;
        while ((c = getopt_long(argc, argv, "c:b:h", opts, NULL)) != -1) {
                switch (c) {
                case 'c': config = optarg; break;
                case 'o': once = 1; break;
                case 'b': brokers = optarg; break;
                case 'r': report_path = optarg; break;
                case 'p': prefix = optarg; break;
                case 'l':
                        if (cp_log_level_by_name(optarg) < 0) {
                                fprintf(stderr, "credpipe run: unknown log level '%s'\n", optarg);
                                return 2;
                        }
                        cp_log_set_level(cp_log_level_by_name(optarg));
                        break;
                case 'P': no_progress = 1; break;
                case 'h': cp_run_usage(stdout); return 0;
                default: cp_run_usage(stderr); return 2;
                }
        }
        if (!config || optind < argc) {
                cp_run_usage(stderr);
                return 2;
        }
        if (!once) {
                fprintf(stderr, "credpipe run: service mode (watching inputs) is not "
                        "built yet; run with --once to process the inputs and exit\n");
                return 2;
        }
        run.conf = cp_conf_load(config, err, sizeof(err));
        if (!run.conf) {
                fprintf(stderr, "credpipe run: %s\n", err);
                return 2;
        }
        run.conf->conf_topic_records = cp_prefixed(prefix, run.conf->conf_topic_records);
        run.conf->conf_topic_rejects = cp_prefixed(prefix, run.conf->conf_topic_rejects);
        run.conf->conf_topic_sharing = cp_prefixed(prefix, run.conf->conf_topic_sharing);
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
                cp_log_info("run", "EMBEDDED_BROKER", "bootstrap=%s msg=\"no brokers "
                            "configured: using the embedded broker; its data lives in "
                            "memory only and is gone when credpipe exits\"", brokers);
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        sk = cp_sink_new(run.conf, brokers, err, sizeof(err));
        if (!sk) {
                fprintf(stderr, "credpipe run: Kafka at %s: %s\n", brokers, err);
                rc = 1;
                goto out;
        }
        run.q_in = cp_queue_new("ingest", (size_t)run.conf->conf_queue_batches,
                                (int)run.conf->conf_nsources);
        run.q_out = cp_queue_new("sink", (size_t)run.conf->conf_queue_batches, 1);
        if (!run.q_in || !run.q_out) {
                fprintf(stderr, "credpipe run: out of memory\n");
                rc = 1;
                goto out;
        }
        pthread_mutex_init(&run.lock, NULL);
        ith = calloc(run.conf->conf_nsources, sizeof(*ith));
        iargs = calloc(run.conf->conf_nsources, sizeof(*iargs));
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
        for (size_t i = 0; i < run.conf->conf_nsources; i++)
                pthread_create(&ith[i], NULL, cp_ingest_thread, &iargs[i]);
        pthread_create(&tth, NULL, cp_transform_thread, &run);
        pthread_setname_np(pthread_self(), "cp:sink");

        while (cp_queue_pop(run.q_out, &bat) == CP_OK) {
                int src = cp_sink_batch(sk, bat);
                cp_progress_batch(pg, bat);
                cp_batch_destroy(bat);
                if (src) {
                        /* The sink cannot go on: stop reading, report. */
                        cp_queue_abort(run.q_out);
                        cp_queue_abort(run.q_in);
                        rc = 1;
                        break;
                }
        }
        for (size_t i = 0; i < run.conf->conf_nsources; i++)
                pthread_join(ith[i], NULL);
        pthread_join(tth, NULL);
        cp_progress_end(pg);
        pg = NULL;
        cp_log_info("run", "INPUTS_DONE", "msg=\"every input read and handed to Kafka; "
                    "waiting for deliveries\"");

        rep.rep_src = calloc(run.conf->conf_nsources, sizeof(*rep.rep_src));
        cp_transform_report(run.tf, &rep);
        {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                rep.rep_generated_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
        }
        if (cp_sink_report(sk, &rep))
                rc = 1;
        if (cp_sink_flush(sk, run.conf->conf_delivery_timeout_ms + 10000, err,
                          sizeof(err))) {
                cp_log_error("sink", "FLUSH_FAILED", "msg=\"%s\"", err);
                rc = 1;
        }
        cp_log_info("run", "FLUSHED", "msg=\"every message delivered or failed\"");
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        cp_sink_get_stats(sk, &sst);
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
        pthread_mutex_destroy(&run.lock);
out:
        cp_progress_end(pg);
        free(rep.rep_src);
        free(ith);
        for (size_t i = 0; iargs && i < run.conf->conf_nsources; i++)
                cp_ingest_paths_free(iargs[i].files, iargs[i].nfiles);
        free(iargs);
        cp_queue_destroy(run.q_in);
        cp_queue_destroy(run.q_out);
        cp_transform_destroy(run.tf);
        cp_sink_destroy(sk);
        cp_embedded_stop(em);
        cp_conf_destroy(run.conf);
        return rc;
}
