/*
 * credpipe-stages: the CPU cost of each stage of `run`, without Kafka and
 * without threads.
 *
 *   credpipe-stages -c CONFIG [--save]
 *
 * Reads every source of CONFIG in the order `run` makes visible to the
 * transform (central sources first, then the others in configuration
 * order, one after the other: so the outcome is deterministic), and puts
 * each batch through the transform and the sink's encoding as soon as it
 * is read. Prints CPU seconds and nanoseconds per record of ingest (per
 * source), transform, packing (protobuf) and compression (zstd) of the
 * records the sink would produce, grouped by partition as the sink groups
 * them. With --save, also the cost of one exactly-once snapshot of the
 * final state (docs/exactly-once.md), written next to CONFIG and removed.
 *
 * One thread does everything, so the figures are the stages' own, free of
 * the contention of a 2-core machine, and comparable between builds run on
 * the same input (bench/bench.sh measures the whole pipeline).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/record.h"
#include "ingest/ingest.h"
#include "proto/credpipe.pb-c.h"
#include "sink/encode.h"
#include "transform/transform.h"

typedef struct cp_stages_s {
        const cp_conf_t *conf;
        cp_transform_t *tf;
        cp_encoder_t *enc;
        Credpipe__V1__CreditRecord **group;
        size_t group_cap;
        double t_transform, t_pack, t_zstd;
        uint64_t records, produced, raw_bytes, wire_bytes;
} cp_stages_t;

static double cp_cpu_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Packs and compresses one group as the sink does; the split between the
 * two comes from packing once more on its own. */
static int cp_stages_encode(cp_stages_t *sg, const ProtobufCMessage *msg)
{
        const uint8_t *raw;
        size_t len, wire, rawn;
        void *out;
        double t0 = cp_cpu_now(), t1, t2;

        if (cp_encode_pack(sg->enc, msg, &raw, &len))
                return CP_ERR_NOMEM;
        t1 = cp_cpu_now();
        if (cp_encode_message(sg->enc, msg, &out, &wire, &rawn))
                return CP_ERR_NOMEM;
        t2 = cp_cpu_now();
        free(out);
        sg->t_pack += t1 - t0;
        sg->t_zstd += (t2 - t1) - (t1 - t0);
        sg->raw_bytes += rawn;
        sg->wire_bytes += wire;
        return CP_OK;
}

static int cp_stages_emit(void *opaque, cp_batch_t *bat)
{
        cp_stages_t *sg = opaque;
        int np = sg->conf->conf_partitions, rc;
        double t0 = cp_cpu_now();

        rc = cp_transform_batch(sg->tf, bat);
        sg->t_transform += cp_cpu_now() - t0;
        sg->records += bat->bat_n;
        if (rc) {
                cp_batch_destroy(bat);
                return rc;
        }
        if (sg->group_cap < bat->bat_n) {
                free(sg->group);
                sg->group_cap = bat->bat_n;
                sg->group = malloc(sg->group_cap * sizeof(*sg->group));
                if (!sg->group) {
                        cp_batch_destroy(bat);
                        return CP_ERR_NOMEM;
                }
        }
        for (int p = 0; p < np && rc == CP_OK; p++) {
                Credpipe__V1__RecordBatch rb = CREDPIPE__V1__RECORD_BATCH__INIT;
                size_t n = 0;

                for (size_t i = 0; i < bat->bat_n; i++)
                        if (bat->bat_rec[i].rec_status == CP_REC_ACCEPTED &&
                            bat->bat_rec[i].rec_subject_hash % (uint64_t)np == (uint64_t)p)
                                sg->group[n++] = bat->bat_rec[i].rec_pb;
                if (!n)
                        continue;
                rb.schema_version = CP_SCHEMA_VERSION;
                rb.partition = p;
                rb.records = sg->group;
                rb.n_records = n;
                sg->produced += n;
                rc = cp_stages_encode(sg, &rb.base);
        }
        cp_batch_destroy(bat);
        return rc;
}

static void cp_stages_row(const char *what, double secs, uint64_t records)
{
        printf("%-28s %8.3f s %9.0f ns/record %10.0f records/s\n", what, secs,
               records ? secs / (double)records * 1e9 : 0.0,
               secs > 0 ? (double)records / secs : 0.0);
}

/* Reads one source's files through the stages. @returns its ingest time. */
static int cp_stages_source(cp_stages_t *sg, uint32_t s, double *ingest)
{
        const cp_source_conf_t *src = &sg->conf->conf_sources[s];
        char **files = NULL, err[1024];
        size_t nfiles = 0;
        double t0 = cp_cpu_now(), inner = sg->t_transform + sg->t_pack + sg->t_zstd;
        int rc = cp_ingest_expand(src, &files, &nfiles, err, sizeof(err));

        for (size_t f = 0; rc == CP_OK && f < nfiles; f++)
                rc = cp_ingest_file(src, s, files[f], (size_t)sg->conf->conf_batch_records,
                                    cp_stages_emit, sg, err, sizeof(err));
        if (rc)
                fprintf(stderr, "credpipe-stages: source %s: %s\n", src->src_id, err);
        *ingest = (cp_cpu_now() - t0) - (sg->t_transform + sg->t_pack + sg->t_zstd - inner);
        /* Records point to the paths: freed only once every batch is. */
        cp_ingest_paths_free(files, nfiles);
        return rc;
}

int main(int argc, char **argv)
{
        const char *config = NULL;
        cp_stages_t sg = {0};
        bool save = false;
        char err[1024];
        double t_ingest = 0;
        int rc = CP_OK;

        for (int i = 1; i < argc; i++) {
                if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
                        config = argv[++i];
                else if (!strcmp(argv[i], "--save"))
                        save = true;
                else
                        config = NULL, i = argc;
        }
        if (!config) {
                fprintf(stderr, "usage: credpipe-stages -c CONFIG [--save]\n");
                return 2;
        }
        cp_log_set_level(CP_LOG_WARN);
        sg.conf = cp_conf_load(config, err, sizeof(err));
        if (!sg.conf) {
                fprintf(stderr, "credpipe-stages: %s\n", err);
                return 1;
        }
        sg.tf = cp_transform_new(sg.conf, err, sizeof(err));
        sg.enc = cp_encoder_new(sg.conf->conf_zstd_level);
        if (!sg.tf || !sg.enc) {
                fprintf(stderr, "credpipe-stages: %s\n", sg.tf ? "out of memory" : err);
                return 1;
        }
        printf("%-28s %10s %19s %20s\n", "stage", "CPU", "", "");
        /* Central sources first, as run makes the transform see them. */
        for (int pass = 0; pass < 2 && rc == CP_OK; pass++)
                for (uint32_t s = 0; s < sg.conf->conf_nsources && rc == CP_OK; s++) {
                        const cp_source_conf_t *src = &sg.conf->conf_sources[s];
                        uint64_t before = sg.records;
                        double t;
                        char what[96];

                        if ((src->src_role == CP_ROLE_CENTRAL) != (pass == 0))
                                continue;
                        rc = cp_stages_source(&sg, s, &t);
                        t_ingest += t;
                        snprintf(what, sizeof(what), "ingest %s", src->src_id);
                        cp_stages_row(what, t, sg.records - before);
                }
        cp_stages_row("ingest", t_ingest, sg.records);
        cp_stages_row("transform", sg.t_transform, sg.records);
        cp_stages_row("sink: protobuf", sg.t_pack, sg.records);
        cp_stages_row("sink: zstd", sg.t_zstd, sg.records);
        cp_stages_row("all", t_ingest + sg.t_transform + sg.t_pack + sg.t_zstd, sg.records);
        printf("%llu records, %llu produced; %.1f MB protobuf, %.1f MB zstd\n",
               (unsigned long long)sg.records, (unsigned long long)sg.produced,
               (double)sg.raw_bytes / 1e6, (double)sg.wire_bytes / 1e6);
        if (save && rc == CP_OK) {
                char path[4096];
                double t0 = cp_cpu_now();
                struct timespec w0, w1;
                FILE *f;
                long size = 0;

                snprintf(path, sizeof(path), "%s.stages-snapshot", config);
                clock_gettime(CLOCK_MONOTONIC, &w0);
                rc = cp_transform_save(sg.tf, path, 1, "", 0, err, sizeof(err));
                clock_gettime(CLOCK_MONOTONIC, &w1);
                if (rc)
                        fprintf(stderr, "credpipe-stages: %s\n", err);
                if ((f = fopen(path, "rb"))) {
                        fseek(f, 0, SEEK_END);
                        size = ftell(f);
                        fclose(f);
                }
                unlink(path);
                printf("snapshot: %.1f MB, %.3f s CPU, %.3f s wall (fsync included)\n",
                       (double)size / 1e6, cp_cpu_now() - t0,
                       (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9);
        }
        free(sg.group);
        cp_encoder_destroy(sg.enc);
        cp_transform_destroy(sg.tf);
        cp_conf_destroy((cp_conf_t *)sg.conf);
        return rc == CP_OK ? 0 : 1;
}
