/*
 * credpipe run's command line: its options, their checks and the usage
 * text (cli/run.h). The run itself starts in cli/cmd_run.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "run.h"
#include "core/log.h"
#include "core/metrics.h"

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

int cp_run_opts_parse(int argc, char **argv, cp_run_opts_t *o)
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
        int once = 0, c;
        char err[1024];
        int no_progress = 0;
        const char *metrics_listen = NULL, *port_file = NULL;
        long linger_ms = 0;

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
        *o = (cp_run_opts_t){config, brokers, report_path, prefix, metrics_listen,
                             port_file, once, no_progress, linger_ms};
        return -1;
}
