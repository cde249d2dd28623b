/*
 * credpipe check: validates a configuration, and by default its data,
 * without producing anything.
 *
 * It loads the configuration (every error names file, line and key), builds
 * the transform state (category table, pseudonym key), expands every
 * source's paths, asks the brokers for metadata (unreachable is a warning:
 * they may be up by the time credpipe runs), and then — unless --no-data —
 * reads every input through ingest and transform exactly as `run` does, and
 * prints what would be produced and what would be rejected, by reason.
 *
 * Exit codes: 0 valid (warnings allowed); 1 an input cannot be read (a
 * missing file, a header that matches no mapped column, an I/O error);
 * 2 the configuration or the command line is invalid.
 *
 * --schema-markdown prints the tables of configuration keys that
 * docs/configuration.md shows, generated from the schema table
 * (core/config_schema.c); with a file, it rewrites them inside the file.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>

#include "commands.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "core/err.h"
#include "core/log.h"
#include "ingest/ingest.h"
#include "ingest/kafka_source.h"
#include "report_out.h"
#include "transform/transform.h"

typedef struct cp_check_s {
        cp_transform_t *tf;
} cp_check_t;

static int cp_check_emit(void *opaque, cp_batch_t *bat)
{
        cp_check_t *ck = opaque;
        int rc = cp_transform_batch(ck->tf, bat);

        cp_batch_destroy(bat);
        return rc;
}

/* Metadata from the brokers, with a short timeout. @returns 0 if answered. */
static int cp_check_brokers(const cp_conf_t *conf, const char *brokers, char *err,
                            size_t errsz)
{
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        const struct rd_kafka_metadata *md;
        rd_kafka_t *rk;
        rd_kafka_resp_err_t e;

        rd_kafka_conf_set(kc, "log_level", "0", NULL, 0);
        for (size_t i = 0; i < conf->conf_nkafka; i++)
                if (rd_kafka_conf_set(kc, conf->conf_kafka[i].kv_key,
                                      conf->conf_kafka[i].kv_value, err, errsz)) {
                        rd_kafka_conf_destroy(kc);
                        return -1;
                }
        if (rd_kafka_conf_set(kc, "bootstrap.servers", brokers, err, errsz) ||
            !(rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, errsz))) {
                rd_kafka_conf_destroy(kc);
                return -1;
        }
        e = rd_kafka_metadata(rk, 0, NULL, &md, 5000);
        if (e)
                snprintf(err, errsz, "%s", rd_kafka_err2str(e));
        else
                rd_kafka_metadata_destroy(md);
        rd_kafka_destroy(rk);
        return e ? -1 : 0;
}

/* Replaces a file's text through a temporary file and a rename, so that a
 * failure leaves the file as it was. @returns 0, or -1 with errno. */
static int cp_check_write(const char *path, const char *text)
{
        char tmp[4096];
        FILE *f;
        int bad;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        if (!(f = fopen(tmp, "wb")))
                return -1;
        bad = fputs(text, f) < 0;
        if (fclose(f) || bad || rename(tmp, path)) {
                unlink(tmp);
                return -1;
        }
        return 0;
}

/*
 * --schema-markdown: the generated tables with their markers on stdout, or
 * written into `doc` between its markers.
 */
static int cp_check_schema(const char *doc)
{
        char err[512], *text, *out;
        size_t len = 0;
        FILE *f;
        int rc = 0;

        if (!doc) {
                for (const char *const *t = cp_schema_tables; *t; t++) {
                        printf("%s", t == cp_schema_tables ? "" : "\n");
                        cp_schema_block(stdout, *t);
                        printf("\n");
                }
                return 0;
        }
        if (!(f = fopen(doc, "rb"))) {
                fprintf(stderr, "credpipe check: %s: %m\n", doc);
                return 2;
        }
        text = NULL;
        if (getdelim(&text, &len, '\0', f) < 0 && ferror(f)) {
                fprintf(stderr, "credpipe check: %s: %m\n", doc);
                fclose(f);
                free(text);
                return 2;
        }
        fclose(f);
        out = cp_schema_doc_regen(text ? text : "", err, sizeof(err));
        if (!out) {
                fprintf(stderr, "credpipe check: %s: %s\n", doc, err);
                free(text);
                return 2;
        }
        if (text && !strcmp(text, out)) {
                printf("%s: up to date\n", doc);
        } else if (cp_check_write(doc, out)) {
                fprintf(stderr, "credpipe check: cannot write %s: %m\n", doc);
                rc = 2;
        } else {
                printf("%s: tables of configuration keys regenerated\n", doc);
        }
        free(text);
        free(out);
        return rc;
}

static void cp_check_usage(FILE *out)
{
        fprintf(out,
                "usage: credpipe check -c FILE [--no-data] [--brokers LIST]\n"
                "                      [--log-level SPEC] [--log-format logfmt|json]\n"
                "       credpipe check --schema-markdown [DOC]\n\n"
                "Validates the configuration and, unless --no-data, reads every input\n"
                "through ingest and transform as `run` would, producing nothing, and\n"
                "prints the counts and the reject reasons per source.\n\n"
                "Exit codes: 0 valid (warnings allowed), 1 an input cannot be read\n"
                "(inputs have errors), 2 the configuration or the command line is invalid.\n\n"
                "  --log-level SPEC   of the log lines reading the inputs (on stderr):\n"
                "                     warn (default), or e.g. info,ingest=debug\n"
                "                     (docs/logging.md)\n"
                "  --log-format F     logfmt (default) or json\n"
                "  --schema-markdown [DOC]\n"
                "                     print the tables of every configuration key, generated\n"
                "                     from core/config_schema.c; with DOC (docs/configuration.md),\n"
                "                     rewrite them in place between its <!-- generated --> markers\n");
}

int cp_cmd_check(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"no-data", no_argument, NULL, 'n'},
                {"brokers", required_argument, NULL, 'b'},
                {"log-level", required_argument, NULL, 'l'},
                {"log-format", required_argument, NULL, 'L'},
                {"schema-markdown", no_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0}};
        const char *config = NULL, *brokers = NULL;
        int c, no_data = 0, schema = 0, rc = 0, warnings = 0;
        char err[1024];
        cp_conf_t *conf;
        cp_check_t ck = {0};
        cp_report_t rep = {0};

        optind = 1;
        while ((c = getopt_long(argc, argv, "c:b:h", opts, NULL)) != -1) {
                switch (c) {
                case 'c': config = optarg; break;
                case 'n': no_data = 1; break;
                case 'S': schema = 1; break;
                case 'b': brokers = optarg; break;
                case 'l':
                        if (cp_log_set_spec(CP_LOG_FROM_CLI, optarg, err, sizeof(err))) {
                                fprintf(stderr, "credpipe check: --log-level: %s\n", err);
                                return 2;
                        }
                        break;
                case 'L':
                        if (cp_log_set_format(CP_LOG_FROM_CLI, optarg, err, sizeof(err))) {
                                fprintf(stderr, "credpipe check: --log-format: %s\n", err);
                                return 2;
                        }
                        break;
                case 'h': cp_check_usage(stdout); return 0;
                default: cp_check_usage(stderr); return 2;
                }
        }
        if (schema && !config && optind + 1 >= argc)
                return cp_check_schema(optind < argc ? argv[optind] : NULL);
        if (!config || schema || optind < argc) {
                cp_check_usage(stderr);
                return 2;
        }
        /* Quiet by default: the report is what check is for. */
        cp_log_set_level(CP_LOG_WARN);
        conf = cp_conf_load(config, err, sizeof(err));
        if (!conf) {
                fprintf(stderr, "credpipe check: %s\n", err);
                return 2;
        }
        ck.tf = cp_transform_new(conf, err, sizeof(err));
        if (!ck.tf) {
                fprintf(stderr, "credpipe check: %s\n", err);
                cp_conf_destroy(conf);
                return 2;
        }
        printf("%s: configuration valid, %zu sources\n", config, conf->conf_nsources);
        if (!brokers)
                brokers = conf->conf_brokers;
        if (!brokers) {
                printf("brokers: none configured; `run` will use the embedded in-memory broker\n");
        } else if (cp_check_brokers(conf, brokers, err, sizeof(err))) {
                printf("warning: brokers %s did not answer: %s\n", brokers, err);
                warnings++;
        } else {
                printf("brokers: %s answered\n", brokers);
        }
        /* Central sources first, as `run` reads them (transform/measure.h). */
        size_t nfiles_of[conf->conf_nsources];
        for (int pass = 0; pass < 2; pass++)
                for (size_t s = 0; s < conf->conf_nsources; s++) {
                        const cp_source_conf_t *src = &conf->conf_sources[s];
                        char **files = NULL;
                        size_t nfiles = 0;

                        if ((src->src_role == CP_ROLE_CENTRAL) != (pass == 0))
                                continue;
                        nfiles_of[s] = 0;
                        if (cp_ingest_expand(src, &files, &nfiles, err, sizeof(err))) {
                                printf("error: source %s (%s line %d): %s\n", src->src_id,
                                       config, src->src_line, err);
                                rc = 1;
                                continue;
                        }
                        if (src->src_format == CP_FMT_HTTP_JSON) {
                                /* Fetching would store the pages' validators,
                                 * and `run` would then see them unchanged. */
                                printf("source %s: an http source; check does not fetch "
                                       "its pages\n", src->src_id);
                        } else if (src->src_format == CP_FMT_KAFKA) {
                                /* Reading would need the brokers; the message
                                 * mapping (csv_header) is checked all the same. */
                                cp_kafka_reader_t *r = cp_kafka_reader_new(
                                        src, (uint32_t)s, 1, cp_check_emit, &ck, err,
                                        sizeof(err));

                                if (!r) {
                                        printf("error: source %s (%s line %d): %s\n",
                                               src->src_id, config, src->src_line, err);
                                        rc = 1;
                                } else {
                                        printf("source %s: a Kafka source; check does not "
                                               "read its topics\n", src->src_id);
                                }
                                cp_kafka_reader_free(r);
                        } else if (!nfiles) {
                                printf("warning: source %s (%s line %d): no file matches "
                                       "its paths\n", src->src_id, config, src->src_line);
                                warnings++;
                        }
                        nfiles_of[s] = nfiles;
                        for (size_t f = 0; f < nfiles && !no_data; f++) {
                                if (cp_ingest_file(src, (uint32_t)s, files[f],
                                                   (size_t)conf->conf_batch_records,
                                                   cp_check_emit, &ck, err, sizeof(err))) {
                                        printf("error: source %s: %s\n", src->src_id, err);
                                        rc = 1;
                                }
                        }
                        cp_ingest_paths_free(files, nfiles);
                }
        if (cp_report_alloc(&rep, conf->conf_nsources)) {
                fprintf(stderr, "credpipe check: out of memory\n");
                cp_transform_destroy(ck.tf);
                cp_conf_destroy(conf);
                return 2;
        }
        cp_transform_report(ck.tf, &rep);
        for (size_t s = 0; s < conf->conf_nsources; s++) {
                const cp_source_stats_t *st = &rep.rep_src[s];

                printf("source %s: %zu files", conf->conf_sources[s].src_id, nfiles_of[s]);
                for (unsigned t = 0; t < st->st_nreject_reasons; t++)
                        printf("%s %s=%" PRIu64, t ? "," : "; rejects:",
                               st->st_reject_reasons[t].rc_code, st->st_reject_reasons[t].rc_n);
                printf("\n");
        }
        if (!no_data) {
                printf("\nwhat `run` would report:\n");
                cp_report_print(stdout, conf, &rep);
        }
        cp_report_free(&rep);
        printf("%s, %d warning%s\n", rc ? "inputs have errors" : "ok", warnings,
               warnings == 1 ? "" : "s");
        cp_transform_destroy(ck.tf);
        cp_conf_destroy(conf);
        return rc;
}
