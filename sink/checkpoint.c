#include "checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <librdkafka/rdkafka.h>

#include "core/err.h"
#include "core/log.h"

/* Reading the whole topic must end: it is compacted and small. */
#define CP_CKPT_READ_MS 60000

static int64_t cp_mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cp_ckpt_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
        cp_log_syslog(level, "kafka", CP_LOG_EVENT_RDKAFKA, fac, rk ? rd_kafka_name(rk) : NULL,
                      buf);
}

static rd_kafka_t *cp_ckpt_consumer(const cp_conf_t *conf, const char *brokers, char *errstr,
                                    size_t errstr_size)
{
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        static const char *const fixed[][2] = {
                {"group.id", "credpipe-checkpoint-reader"},
                {"enable.auto.commit", "false"},
                {"enable.partition.eof", "true"},
                /* Only checkpoints of committed transactions. */
                {"isolation.level", "read_committed"},
        };
        char err[256];

        for (size_t i = 0; i < conf->conf_nkafka; i++)
                if (rd_kafka_conf_set(kc, conf->conf_kafka[i].kv_key, conf->conf_kafka[i].kv_value,
                                      err, sizeof(err)) != RD_KAFKA_CONF_OK &&
                    /* producer-only properties are for the sink */
                    !strstr(err, "producer"))
                        cp_log_warn("sink", "CHECKPOINT_READER_PROPERTY", "msg=\"%s\"", err);
        if (rd_kafka_conf_set(kc, "bootstrap.servers", brokers, err, sizeof(err))) {
                snprintf(errstr, errstr_size, "bootstrap.servers: %s", err);
                rd_kafka_conf_destroy(kc);
                return NULL;
        }
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
                rd_kafka_conf_set(kc, fixed[i][0], fixed[i][1], err, sizeof(err));
        rd_kafka_conf_set_log_cb(kc, cp_ckpt_log);
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, errstr_size);
        if (!rk)
                rd_kafka_conf_destroy(kc);
        return rk;
}

int cp_checkpoint_read_last(const cp_conf_t *conf, const char *brokers,
                            Credpipe__V1__Checkpoint **out, char *errstr,
                            size_t errstr_size)
{
        const char *topic = conf->conf_topic_checkpoints, *key = conf->conf_instance;
        rd_kafka_t *rk = cp_ckpt_consumer(conf, brokers, errstr, errstr_size);
        rd_kafka_topic_partition_list_t *tp;
        int64_t lo = 0, hi = 0, deadline = cp_mono_ms() + CP_CKPT_READ_MS;
        rd_kafka_resp_err_t e;
        int rc = CP_OK, eof = 0;

        *out = NULL;
        if (!rk)
                return CP_ERR_KAFKA;
        e = rd_kafka_query_watermark_offsets(rk, topic, 0, &lo, &hi, 10000);
        if (e || hi <= lo) {
                rd_kafka_destroy(rk);
                if (e && e != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                        snprintf(errstr, errstr_size, "reading %s: %s", topic,
                                 rd_kafka_err2str(e));
                        return CP_ERR_KAFKA;
                }
                return CP_OK;  /* no checkpoint yet */
        }
        tp = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(tp, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
        e = rd_kafka_assign(rk, tp);
        rd_kafka_topic_partition_list_destroy(tp);
        if (e) {
                snprintf(errstr, errstr_size, "reading %s: %s", topic, rd_kafka_err2str(e));
                rd_kafka_destroy(rk);
                return CP_ERR_KAFKA;
        }
        /* Up to the end of what is committed: the partition EOF of a
         * read_committed consumer is the last stable offset. */
        while (!eof && rc == CP_OK) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);

                if (cp_mono_ms() > deadline) {
                        snprintf(errstr, errstr_size, "reading %s: no end within %d s (an "
                                 "open transaction of another instance?)", topic,
                                 CP_CKPT_READ_MS / 1000);
                        rc = CP_ERR_KAFKA;
                }
                if (!m)
                        continue;
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        eof = 1;
                } else if (m->err) {
                        snprintf(errstr, errstr_size, "reading %s: %s", topic,
                                 rd_kafka_message_errstr(m));
                        rc = CP_ERR_KAFKA;
                } else if (m->key_len == strlen(key) && !memcmp(m->key, key, m->key_len)) {
                        Credpipe__V1__Checkpoint *cp = credpipe__v1__checkpoint__unpack(
                                NULL, m->len, m->payload);

                        if (!cp) {
                                snprintf(errstr, errstr_size, "%s offset %" PRId64 ": not a "
                                         "Checkpoint message", topic, m->offset);
                                rc = CP_ERR_KAFKA;
                        } else {
                                if (*out)
                                        credpipe__v1__checkpoint__free_unpacked(*out, NULL);
                                *out = cp;
                        }
                }
                rd_kafka_message_destroy(m);
        }
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        if (rc && *out) {
                credpipe__v1__checkpoint__free_unpacked(*out, NULL);
                *out = NULL;
        }
        return rc;
}
