#include "embedded.h"

#include <stdio.h>
#include <stdlib.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka_log.h"

struct cp_embedded_s {
        rd_kafka_t *em_rk;  /* the mock cluster needs a handle to live in */
        rd_kafka_mock_cluster_t *em_mc;
};

cp_embedded_t *cp_embedded_start(char *errstr, size_t errstr_size)
{
        return cp_embedded_start_n(1, errstr, errstr_size);
}

cp_embedded_t *cp_embedded_start_n(int brokers, char *errstr, size_t errstr_size)
{
        cp_embedded_t *em = calloc(1, sizeof(*em));
        rd_kafka_conf_t *kc = rd_kafka_conf_new();

        /* The handle itself never talks to anything. */
        rd_kafka_conf_set(kc, "bootstrap.servers", "", NULL, 0);
        rd_kafka_conf_set(kc, "log_level", "3", NULL, 0);
        /* The mock cluster logs through this handle: credpipe's logger,
         * with a name that tells its lines from the producer's. */
        rd_kafka_conf_set(kc, "client.id", "credpipe-embedded", NULL, 0);
        rd_kafka_conf_set_log_cb(kc, cp_kafka_log);
        em->em_rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, errstr_size);
        if (!em->em_rk) {
                rd_kafka_conf_destroy(kc);
                free(em);
                return NULL;
        }
        em->em_mc = rd_kafka_mock_cluster_new(em->em_rk, brokers);
        if (!em->em_mc) {
                snprintf(errstr, errstr_size, "could not start the embedded broker");
                rd_kafka_destroy(em->em_rk);
                free(em);
                return NULL;
        }
        return em;
}

const char *cp_embedded_bootstraps(const cp_embedded_t *em)
{
        return rd_kafka_mock_cluster_bootstraps(em->em_mc);
}

int cp_embedded_create_topic(cp_embedded_t *em, const char *topic, int partitions)
{
        /* The mock cluster does not answer CreateTopics; in-process we can
         * give the records topic its configured partition count directly. */
        return rd_kafka_mock_topic_create(em->em_mc, topic, partitions, 1) ? -1 : 0;
}

void cp_embedded_stop(cp_embedded_t *em)
{
        if (!em)
                return;
        rd_kafka_mock_cluster_destroy(em->em_mc);
        rd_kafka_destroy(em->em_rk);
        free(em);
}

rd_kafka_mock_cluster_t *cp_embedded_mock(cp_embedded_t *em)
{
        return em->em_mc;
}
