/*
 * credpipe broker: an in-memory Kafka-protocol broker on 127.0.0.1.
 *
 * librdkafka's mock cluster, for trying credpipe out and for tests. It runs
 * until SIGTERM or SIGINT. It is not Kafka: data lives in memory only, there
 * is no transaction visibility (read_committed also sees aborted data), no
 * SASL/TLS, and only about 5 MB and 100,000 message sets are kept per
 * partition.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "core/config.h"
#include "core/log.h"
#include "broker_cmds.h"
#include "embedded.h"
#include "portfwd.h"

static void cp_broker_usage(FILE *out)
{
        fprintf(out,
                "usage: credpipe broker [--port P] [--bootstrap-file FILE] [--brokers-count N]\n"
                "                       [--commands] [--log-level SPEC] [--log-format logfmt|json]\n\n"
                "Starts an in-memory Kafka-protocol broker on 127.0.0.1 for trying\n"
                "credpipe out and for tests, prints its bootstrap address and runs\n"
                "until SIGTERM or SIGINT. Data lives in memory only.\n\n"
                "  -p, --port P            also accept clients on 127.0.0.1:P\n"
                "      --bootstrap-file F  write the bootstrap address to F\n"
                "      --brokers-count N   N brokers (1 to 9, default 1), for leader changes\n"
                "      --commands          take faults on stdin (below)\n"
                "      --log-level SPEC    info (default), or per component, e.g.\n"
                "                          info,kafka=debug (docs/logging.md)\n"
                "      --log-format F      logfmt (default) or json\n\n%s",
                cp_broker_commands_help);
}

int cp_cmd_broker(int argc, char **argv)
{
        static const struct option opts[] = {
                {"port", required_argument, NULL, 'p'},
                {"bootstrap-file", required_argument, NULL, 'f'},
                {"log-level", required_argument, NULL, 'l'},
                {"log-format", required_argument, NULL, 'L'},
                {"brokers-count", required_argument, NULL, 'n'},
                {"commands", no_argument, NULL, 'C'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0}};
        const char *bfile = NULL;
        int port = 0, c, sig, nbrokers = 1, commands = 0;
        char err[512], addr[64];
        cp_embedded_t *em;
        cp_portfwd_t *fwd = NULL;
        sigset_t set;

        optind = 1;
        while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        if (sscanf(optarg, "%d", &port) != 1 || port < 1 || port > 65535) {
                                fprintf(stderr, "credpipe broker: --port takes 1 to 65535\n");
                                return 2;
                        }
                        break;
                case 'f': bfile = optarg; break;
                case 'n':
                        if (sscanf(optarg, "%d", &nbrokers) != 1 || nbrokers < 1 || nbrokers > 9) {
                                fprintf(stderr, "credpipe broker: --brokers-count takes 1 to 9\n");
                                return 2;
                        }
                        break;
                case 'C': commands = 1; break;
                case 'l':
                        if (cp_log_set_spec(CP_LOG_FROM_CLI, optarg, err, sizeof(err))) {
                                fprintf(stderr, "credpipe broker: --log-level: %s\n", err);
                                return 2;
                        }
                        break;
                case 'L':
                        if (cp_log_set_format(CP_LOG_FROM_CLI, optarg, err, sizeof(err))) {
                                fprintf(stderr, "credpipe broker: --log-format: %s\n", err);
                                return 2;
                        }
                        break;
                case 'h': cp_broker_usage(stdout); return 0;
                default: cp_broker_usage(stderr); return 2;
                }
        }
        /* Block the signals before any thread starts, so that every thread
         * inherits the mask and sigwait below receives them. */
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, NULL);

        em = cp_embedded_start_n(nbrokers, err, sizeof(err));
        if (!em) {
                fprintf(stderr, "credpipe broker: %s\n", err);
                return 1;
        }
        snprintf(addr, sizeof(addr), "%s", cp_embedded_bootstraps(em));
        /* The mock cluster does not answer CreateTopics, and a client then
         * waits for that answer before relying on auto-creation (which
         * gives 4 partitions); the default topics are made here, right. */
        cp_embedded_create_topic(em, CP_DEFAULT_TOPIC_RECORDS, CP_DEFAULT_PARTITIONS);
        cp_embedded_create_topic(em, CP_DEFAULT_TOPIC_REJECTS, 1);
        cp_embedded_create_topic(em, CP_DEFAULT_TOPIC_SHARING, 1);
        cp_embedded_create_topic(em, CP_DEFAULT_TOPIC_CHECKPOINTS, 1);
        if (port) {
                fwd = cp_portfwd_start(port, addr, err, sizeof(err));
                if (!fwd) {
                        fprintf(stderr, "credpipe broker: %s\n", err);
                        cp_embedded_stop(em);
                        return 1;
                }
                snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
        }
        if (bfile) {
                char tmp[4096];
                FILE *fp;

                /* Written whole then renamed, so a poller never reads half. */
                snprintf(tmp, sizeof(tmp), "%s.tmp", bfile);
                fp = fopen(tmp, "w");
                if (!fp || fprintf(fp, "%s\n", addr) < 0 || fclose(fp) ||
                    rename(tmp, bfile)) {
                        fprintf(stderr, "credpipe broker: cannot write %s\n", bfile);
                        cp_portfwd_stop(fwd);
                        cp_embedded_stop(em);
                        return 1;
                }
        }
        printf("%s\n", addr);
        fflush(stdout);
        if (commands && cp_broker_commands_start(em, nbrokers)) {
                fprintf(stderr, "credpipe broker: cannot read commands\n");
                cp_portfwd_stop(fwd);
                cp_embedded_stop(em);
                return 1;
        }
        cp_log_info("broker", "BROKER_READY", "bootstrap=%s msg=\"embedded broker for "
                    "trials and tests: data lives in memory only and is lost when it "
                    "stops; no transactions visibility, no SASL/TLS, ~5 MB per "
                    "partition\"", addr);
        sigwait(&set, &sig);
        cp_log_info("broker", "BROKER_STOP", "signal=%s", sig == SIGINT ? "INT" : "TERM");
        cp_portfwd_stop(fwd);
        cp_embedded_stop(em);
        return 0;
}
