/*
 * credpipe report: prints a sharing report — the latest SharingReport on
 * the sharing topic, or a report JSON file of `run --report-json` — as a
 * table, JSON or CSV, with the same printers `run` uses.
 *
 * Both sources are read back into the counts (core/report_doc.h) and
 * printed from there, so a report looks the same wherever it was read.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "core/config.h"
#include "core/err.h"
#include "core/report_doc.h"
#include "core/report_pb.h"
#include "report_fetch.h"
#include "report_in.h"
#include "report_out.h"
#include "transform/rules.h"

typedef enum cp_report_fmt_e {
        CP_RFMT_TABLE = 0,
        CP_RFMT_JSON,
        CP_RFMT_CSV,
} cp_report_fmt_t;

static void cp_report_usage(FILE *out)
{
        fprintf(out,
                "usage: credpipe report [-b BROKERS | -c FILE] [--topic T] [--topic-prefix P]\n"
                "                       [--format table|json|csv]\n"
                "       credpipe report --report-json FILE [--format table|json|csv]\n"
                "       credpipe report --rules [-c FILE]\n\n"
                "Prints a sharing report: the latest SharingReport message of the sharing\n"
                "topic (every partition, read_committed), or a report JSON file written by\n"
                "`credpipe run --report-json`. docs/metrics.md defines every figure.\n\n"
                "  -b, --brokers LIST      Kafka bootstrap servers\n"
                "  -c, --config FILE       take the brokers, the sharing topic and\n"
                "                          completeness.rules from a configuration\n"
                "  -t, --topic T           the sharing topic (default credpipe.sharing)\n"
                "      --topic-prefix P    prepend P to the topic, as `run --topic-prefix`\n"
                "      --report-json FILE  read the report from FILE instead of Kafka\n"
                "  -f, --format F          table (default), json (as --report-json writes\n"
                "                          it) or csv (a row per source, a column per figure)\n"
                "      --timeout-ms N      give up after N ms without progress (default 30000)\n"
                "      --rules             print the publication rules in force and exit\n");
}

static void cp_report_out(cp_report_fmt_t fmt, const cp_report_doc_t *doc)
{
        json_t *j;

        switch (fmt) {
        case CP_RFMT_TABLE:
                cp_report_print(stdout, doc->rd_conf, &doc->rd_rep);
                break;
        case CP_RFMT_CSV:
                cp_report_print_csv(stdout, doc->rd_conf, &doc->rd_rep);
                break;
        case CP_RFMT_JSON:
                /* As cp_report_write_json writes the file. */
                j = cp_report_json(doc->rd_conf, &doc->rd_rep);
                json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
                putchar('\n');
                json_decref(j);
                break;
        }
}

/* The rules text: the configured completeness.rules file, or the built-in. */
static int cp_report_rules(const cp_conf_t *conf)
{
        size_t len;
        const char *text;
        FILE *f;
        char buf[8192];

        if (!conf || !conf->conf_rules) {
                text = cp_rules_builtin(&len);
                fwrite(text, 1, len, stdout);
                return 0;
        }
        f = fopen(conf->conf_rules, "rb");
        if (!f) {
                perror(conf->conf_rules);
                return 1;
        }
        while ((len = fread(buf, 1, sizeof(buf), f)) > 0)
                fwrite(buf, 1, len, stdout);
        fclose(f);
        return 0;
}

/* Finds the latest SharingReport and reads it back. */
static int cp_report_from_kafka(const char *brokers, const char *topic, int timeout_ms,
                                cp_report_doc_t *doc, char *err, size_t errsz)
{
        Credpipe__V1__SharingReport *msg;
        char where[512];
        int rc = cp_report_fetch(brokers, topic, timeout_ms, &msg, where, sizeof(where), err,
                                 errsz);

        if (rc)
                return rc;
        rc = cp_report_from_pb(msg, doc, err, errsz);
        if (rc == CP_OK)
                /* Where it came from, apart from the report itself on stdout. */
                fprintf(stderr, "credpipe report: SharingReport of %s\n", where);
        protobuf_c_message_free_unpacked(&msg->base, NULL);
        return rc;
}

int cp_cmd_report(int argc, char **argv)
{
        static const struct option opts[] = {
                {"brokers", required_argument, NULL, 'b'},
                {"config", required_argument, NULL, 'c'},
                {"topic", required_argument, NULL, 't'},
                {"topic-prefix", required_argument, NULL, 'p'},
                {"report-json", required_argument, NULL, 'r'},
                {"format", required_argument, NULL, 'f'},
                {"timeout-ms", required_argument, NULL, 'T'},
                {"rules", no_argument, NULL, 'R'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0}};
        const char *brokers = NULL, *config = NULL, *topic = NULL, *prefix = "";
        const char *json_path = NULL;
        cp_report_fmt_t fmt = CP_RFMT_TABLE;
        long timeout_ms = 30000;
        int c, rules = 0, rc;
        cp_conf_t *conf = NULL;
        cp_report_doc_t doc;
        char err[1024], *full_topic;

        optind = 1;
        while ((c = getopt_long(argc, argv, "b:c:t:f:h", opts, NULL)) != -1) {
                switch (c) {
                case 'b': brokers = optarg; break;
                case 'c': config = optarg; break;
                case 't': topic = optarg; break;
                case 'p': prefix = optarg; break;
                case 'r': json_path = optarg; break;
                case 'f':
                        if (!strcmp(optarg, "table")) {
                                fmt = CP_RFMT_TABLE;
                        } else if (!strcmp(optarg, "json")) {
                                fmt = CP_RFMT_JSON;
                        } else if (!strcmp(optarg, "csv")) {
                                fmt = CP_RFMT_CSV;
                        } else {
                                fprintf(stderr, "credpipe report: --format takes table, json "
                                        "or csv, not '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case 'T': {
                        char *end;

                        timeout_ms = strtol(optarg, &end, 10);
                        if (*end || end == optarg || timeout_ms < 1 || timeout_ms > 3600000) {
                                fprintf(stderr, "credpipe report: --timeout-ms takes 1 to "
                                        "3600000\n");
                                return 2;
                        }
                        break;
                }
                case 'R': rules = 1; break;
                case 'h': cp_report_usage(stdout); return 0;
                default: cp_report_usage(stderr); return 2;
                }
        }
        if (optind < argc || (json_path && (brokers || topic || config))) {
                cp_report_usage(stderr);
                return 2;
        }
        if (config) {
                conf = cp_conf_load(config, err, sizeof(err));
                if (!conf) {
                        fprintf(stderr, "credpipe report: %s\n", err);
                        return 2;
                }
                if (!brokers)
                        brokers = conf->conf_brokers;
                if (!topic)
                        topic = conf->conf_topic_sharing;
        }
        if (rules) {
                rc = cp_report_rules(conf);
                cp_conf_destroy(conf);
                return rc;
        }
        if (!json_path && !brokers) {
                fprintf(stderr, "credpipe report: say where the report is: -b BROKERS (or a "
                        "configuration with brokers), or --report-json FILE\n");
                cp_conf_destroy(conf);
                return 2;
        }
        if (json_path) {
                rc = cp_report_read_json(json_path, &doc, err, sizeof(err));
        } else if (asprintf(&full_topic, "%s%s", prefix,
                            topic ? topic : CP_DEFAULT_TOPIC_SHARING) < 0) {
                snprintf(err, sizeof(err), "out of memory");
                rc = CP_ERR_NOMEM;
        } else {
                rc = cp_report_from_kafka(brokers, full_topic, (int)timeout_ms, &doc, err,
                                          sizeof(err));
                free(full_topic);
        }
        cp_conf_destroy(conf);
        if (rc) {
                fprintf(stderr, "credpipe report: %s\n", err);
                return 1;
        }
        cp_report_out(fmt, &doc);
        cp_report_doc_free(&doc);
        return fflush(stdout) ? 1 : 0;
}
