#include "broker_cmds.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "core/log.h"

const char cp_broker_commands_help[] =
        "commands on stdin, one a line, answered \"ok\" or \"error\" on stdout:\n"
        "  down [BROKER]               the broker stops answering (default 1)\n"
        "  up [BROKER]                 it answers again\n"
        "  rtt MS [BROKER]             every answer is delayed by MS ms (0: none)\n"
        "  errors API COUNT ERROR      the next COUNT requests of API (produce,\n"
        "                              fetch, metadata, init_producer_id,\n"
        "                              add_partitions_to_txn, end_txn, ...) fail\n"
        "                              with ERROR, a Kafka error name such as\n"
        "                              NOT_LEADER_FOR_PARTITION or REQUEST_TIMED_OUT\n"
        "  leader TOPIC PARTITION BROKER  move a partition's leader\n";

static const struct { const char *name; int16_t key; } cp_apis[] = {
        {"produce", 0}, {"fetch", 1}, {"list_offsets", 2}, {"metadata", 3},
        {"offset_commit", 8}, {"offset_fetch", 9}, {"find_coordinator", 10},
        {"init_producer_id", 22}, {"add_partitions_to_txn", 24},
        {"add_offsets_to_txn", 25}, {"end_txn", 26}, {"txn_offset_commit", 28},
};

static int cp_api_key(const char *name)
{
        for (size_t i = 0; i < sizeof(cp_apis) / sizeof(cp_apis[0]); i++)
                if (!strcasecmp(name, cp_apis[i].name))
                        return cp_apis[i].key;
        return -1;
}

/* A Kafka error by its name, as rd_kafka_err2name() writes it. */
static int cp_err_by_name(const char *name, rd_kafka_resp_err_t *out)
{
        const struct rd_kafka_err_desc *descs;
        size_t n;

        rd_kafka_get_err_descs(&descs, &n);
        for (size_t i = 0; i < n; i++)
                if (descs[i].name && !strcasecmp(descs[i].name, name)) {
                        *out = descs[i].code;
                        return 0;
                }
        return -1;
}

int cp_broker_command(cp_embedded_t *em, int nbrokers, const char *line, FILE *answer)
{
        rd_kafka_mock_cluster_t *mc = cp_embedded_mock(em);
        char verb[32] = "", a[256] = "", b[64] = "", c[64] = "";
        int n = sscanf(line, "%31s %255s %63s %63s", verb, a, b, c);
        int broker = 1;
        rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;

        if (n < 1 || verb[0] == '#')
                return 0;
        if (!strcmp(verb, "down") || !strcmp(verb, "up")) {
                if (n >= 2)
                        broker = atoi(a);
                if (broker < 1 || broker > nbrokers)
                        goto bad_broker;
                e = !strcmp(verb, "down") ? rd_kafka_mock_broker_set_down(mc, broker)
                                          : rd_kafka_mock_broker_set_up(mc, broker);
        } else if (!strcmp(verb, "rtt") && n >= 2) {
                if (n >= 3)
                        broker = atoi(b);
                if (broker < 1 || broker > nbrokers)
                        goto bad_broker;
                e = rd_kafka_mock_broker_set_rtt(mc, broker, atoi(a));
        } else if (!strcmp(verb, "errors") && n == 4) {
                int key = cp_api_key(a), cnt = atoi(b);
                rd_kafka_resp_err_t err, *errs;

                if (key < 0 || cnt < 1 || cnt > 100000 || cp_err_by_name(c, &err)) {
                        fprintf(answer, "error: errors API COUNT ERROR (unknown API or "
                                "error name, or COUNT not 1..100000)\n");
                        fflush(answer);
                        return -1;
                }
                errs = malloc((size_t)cnt * sizeof(*errs));
                if (!errs)
                        return -1;
                for (int i = 0; i < cnt; i++)
                        errs[i] = err;
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)key, (size_t)cnt, errs);
                free(errs);
        } else if (!strcmp(verb, "leader") && n == 4) {
                broker = atoi(c);
                if (broker < 1 || broker > nbrokers)
                        goto bad_broker;
                e = rd_kafka_mock_partition_set_leader(mc, a, atoi(b), broker);
        } else {
                fprintf(answer, "error: unknown command '%s'\n%s", line, cp_broker_commands_help);
                fflush(answer);
                return -1;
        }
        if (e) {
                fprintf(answer, "error: %s\n", rd_kafka_err2str(e));
                fflush(answer);
                return -1;
        }
        cp_log_info("broker", "BROKER_FAULT", "command=\"%s\"", verb);
        fprintf(answer, "ok %s\n", verb);
        fflush(answer);
        return 0;

bad_broker:
        fprintf(answer, "error: brokers are numbered 1 to %d\n", nbrokers);
        fflush(answer);
        return -1;
}

typedef struct cp_cmd_arg_s {
        cp_embedded_t *em;
        int nbrokers;
} cp_cmd_arg_t;

static void *cp_broker_commands_thread(void *p)
{
        cp_cmd_arg_t *a = p;
        char line[512];

        pthread_setname_np(pthread_self(), "cp:commands");
        while (fgets(line, sizeof(line), stdin)) {
                line[strcspn(line, "\r\n")] = '\0';
                cp_broker_command(a->em, a->nbrokers, line, stdout);
        }
        free(a);
        return NULL;
}

int cp_broker_commands_start(cp_embedded_t *em, int nbrokers)
{
        cp_cmd_arg_t *a = malloc(sizeof(*a));
        pthread_t t;

        if (!a)
                return -1;
        a->em = em;
        a->nbrokers = nbrokers;
        /* Detached: it ends at EOF, or with the process. */
        if (pthread_create(&t, NULL, cp_broker_commands_thread, a)) {
                free(a);
                return -1;
        }
        pthread_detach(t);
        return 0;
}
