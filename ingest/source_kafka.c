/*
 * Kafka sources: the consumer (ingest/kafka_source.h, the consumer half).
 *
 * DESIGN: one consumer per source, in the source's ingest thread, with
 * isolation.level=read_committed (an input written in transactions is
 * read only as committed) and enable.auto.commit=false (offsets are
 * committed by credpipe when its output is: in the epoch's transaction
 * with state.dir, after the final flush without). The end of each
 * partition is its end offset when the source starts — the last stable
 * offset, as a read_committed consumer's ListOffsets answers — so a run
 * ends even while producers go on writing; what they write later is read
 * by the next run. A partition is done when a message at or past its end
 * arrives, the consumer reports the partition's end, or its position
 * (which skips transaction markers and aborted messages) reaches the end.
 * The partition is assigned with its start offset, then unassigned: no
 * rebalance ever takes a partition away in the middle (see the DESIGN of
 * kafka_source.h for why the group does not hand partitions out).
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "kafka_source.h"

#define CP_KSRC_CONNECT_MS 30000   /* metadata and end offsets */
#define CP_KSRC_POLL_MS 200

typedef struct cp_kpart_s {
        char *kp_name;         /* "topic/3" */
        char *kp_topic;
        int32_t kp_partition;
        int64_t kp_low;        /* first offset at the start */
        int64_t kp_end;        /* end offset at the start */
} cp_kpart_t;

struct cp_kafka_source_s {
        const cp_source_conf_t *ks_src;
        rd_kafka_t *ks_rk;
        cp_kpart_t *ks_part;
        size_t ks_n;
};

static void cp_ksrc_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
        cp_log_syslog(level, "kafka", CP_LOG_EVENT_RDKAFKA, fac,
                      rk ? rd_kafka_name(rk) : NULL, buf);
}

/* A consumer of the source's group: the run's librdkafka properties
 * (security settings) first, then what the source needs. Producer-only
 * properties among the run's are ignored by librdkafka with a warning. */
static rd_kafka_t *cp_ksrc_consumer(const cp_source_conf_t *src, const cp_conf_t *conf,
                                    const char *brokers, char *errstr, size_t errstr_size)
{
        const cp_kafka_src_conf_t *k = src->src_kafka;
        const char *own[][2] = {
                {"bootstrap.servers", k->ks_brokers ? k->ks_brokers : brokers},
                {"group.id", k->ks_group},
                {"isolation.level", "read_committed"},
                {"enable.auto.commit", "false"},
                {"enable.auto.offset.store", "false"},
                {"enable.partition.eof", "true"},
                /* With state.dir every start is an offset of the
                 * checkpoint or the beginning: one that is gone
                 * (retention) is an error, never a silent jump.
                 * Without, a group with no offset starts at the
                 * beginning. */
                {"auto.offset.reset", conf->conf_state_dir ? "error" : "earliest"},
                {"client.id", "credpipe-source"},
        };
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        char err[512];
        rd_kafka_t *rk;

        if (!own[0][1]) {
                snprintf(errstr, errstr_size, "source %s: no brokers for its topics",
                         src->src_id);
                rd_kafka_conf_destroy(kc);
                return NULL;
        }
        rd_kafka_conf_set_log_cb(kc, cp_ksrc_log);
        for (size_t i = 0; i < conf->conf_nkafka; i++) {
                const char *key = conf->conf_kafka[i].kv_key;

                /* The producer's own settings are not the consumer's. */
                if (!strncmp(key, "transactional", 13) || !strcmp(key, "enable.idempotence"))
                        continue;
                if (rd_kafka_conf_set(kc, key, conf->conf_kafka[i].kv_value, err,
                                      sizeof(err)) == RD_KAFKA_CONF_INVALID) {
                        snprintf(errstr, errstr_size, "source %s: kafka property %s: %s",
                                 src->src_id, key, err);
                        rd_kafka_conf_destroy(kc);
                        return NULL;
                }
        }
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
                if (rd_kafka_conf_set(kc, own[i][0], own[i][1], err, sizeof(err))) {
                        snprintf(errstr, errstr_size, "source %s: kafka property %s: %s",
                                 src->src_id, own[i][0], err);
                        rd_kafka_conf_destroy(kc);
                        return NULL;
                }
        }
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, err, sizeof(err));
        if (!rk) {
                snprintf(errstr, errstr_size, "source %s: %s", src->src_id, err);
                rd_kafka_conf_destroy(kc);
        }
        return rk;
}

static int cp_kpart_sort(const void *a, const void *b)
{
        return cp_kafka_part_cmp(((const cp_kpart_t *)a)->kp_name,
                                 ((const cp_kpart_t *)b)->kp_name);
}

/* Lists the partitions of one topic, appended to ks. */
static int cp_ksrc_topic(cp_kafka_source_t *ks, const char *topic, char *errstr,
                         size_t errstr_size)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(ks->ks_rk, topic, NULL);
        rd_kafka_resp_err_t err;
        int rc = CP_ERR_KAFKA;

        if (!rkt) {
                snprintf(errstr, errstr_size, "topic %s: %s", topic,
                         rd_kafka_err2str(rd_kafka_last_error()));
                return rc;
        }
        err = rd_kafka_metadata(ks->ks_rk, 0, rkt, &md, CP_KSRC_CONNECT_MS);
        if (err || md->topic_cnt != 1 || md->topics[0].err ||
            md->topics[0].partition_cnt == 0) {
                snprintf(errstr, errstr_size, "source %s: topic %s: %s", ks->ks_src->src_id,
                         topic, rd_kafka_err2str(err ? err : md->topic_cnt != 1
                                                 ? RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
                                                 : md->topics[0].err
                                                 ? md->topics[0].err
                                                 : RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION));
                goto out;
        }
        for (int p = 0; p < md->topics[0].partition_cnt; p++) {
                cp_kpart_t *np = realloc(ks->ks_part, (ks->ks_n + 1) * sizeof(*np)), *kp;
                int64_t lo, hi;

                if (!np)
                        goto nomem;
                ks->ks_part = np;
                kp = &ks->ks_part[ks->ks_n];
                memset(kp, 0, sizeof(*kp));
                kp->kp_partition = md->topics[0].partitions[p].id;
                kp->kp_topic = strdup(topic);
                if (!kp->kp_topic || asprintf(&kp->kp_name, "%s/%" PRId32, topic,
                                              kp->kp_partition) < 0) {
                        free(kp->kp_topic);
                        goto nomem;
                }
                ks->ks_n++;
                /* read_committed: the last stable offset. */
                err = rd_kafka_query_watermark_offsets(ks->ks_rk, topic, kp->kp_partition, &lo,
                                                       &hi, CP_KSRC_CONNECT_MS);
                if (err) {
                        snprintf(errstr, errstr_size, "source %s: end offset of %s: %s",
                                 ks->ks_src->src_id, kp->kp_name, rd_kafka_err2str(err));
                        goto out;
                }
                kp->kp_low = lo;
                kp->kp_end = hi;
        }
        rc = CP_OK;
        goto out;
nomem:
        snprintf(errstr, errstr_size, "out of memory");
        rc = CP_ERR_NOMEM;
out:
        if (md)
                rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        return rc;
}

cp_kafka_source_t *cp_kafka_source_open(const cp_source_conf_t *src, const cp_conf_t *conf,
                                        const char *brokers, char *errstr,
                                        size_t errstr_size)
{
        cp_kafka_source_t *ks = calloc(1, sizeof(*ks));

        if (!ks || !src->src_kafka) {
                snprintf(errstr, errstr_size, "%s", ks ? "not a kafka source" : "out of memory");
                free(ks);
                return NULL;
        }
        ks->ks_src = src;
        ks->ks_rk = cp_ksrc_consumer(src, conf, brokers, errstr, errstr_size);
        if (!ks->ks_rk) {
                free(ks);
                return NULL;
        }
        for (size_t t = 0; t < src->src_kafka->ks_ntopics; t++) {
                if (cp_ksrc_topic(ks, src->src_kafka->ks_topics[t], errstr, errstr_size)) {
                        cp_kafka_source_close(ks);
                        return NULL;
                }
        }
        qsort(ks->ks_part, ks->ks_n, sizeof(*ks->ks_part), cp_kpart_sort);
        return ks;
}

size_t cp_kafka_source_count(const cp_kafka_source_t *ks)
{
        return ks->ks_n;
}

const char *cp_kafka_source_name(const cp_kafka_source_t *ks, size_t i)
{
        return i < ks->ks_n ? ks->ks_part[i].kp_name : NULL;
}

void cp_kafka_source_close(cp_kafka_source_t *ks)
{
        if (!ks)
                return;
        if (ks->ks_rk) {
                rd_kafka_consumer_close(ks->ks_rk);
                rd_kafka_destroy(ks->ks_rk);
        }
        for (size_t i = 0; i < ks->ks_n; i++) {
                free(ks->ks_part[i].kp_name);
                free(ks->ks_part[i].kp_topic);
        }
        free(ks->ks_part);
        free(ks);
}

/* The consumer's position in the assigned partition, or -1. */
static int64_t cp_ksrc_position(rd_kafka_t *rk, const cp_kpart_t *kp)
{
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        int64_t pos = -1;

        rd_kafka_topic_partition_list_add(l, kp->kp_topic, kp->kp_partition);
        if (!rd_kafka_position(rk, l) && l->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
                pos = l->elems[0].offset;
        rd_kafka_topic_partition_list_destroy(l);
        return pos;
}

int cp_kafka_source_read(cp_kafka_source_t *ks, size_t i, const char *name, int64_t from,
                         cp_kafka_reader_t *r, int64_t *next, char *errstr,
                         size_t errstr_size)
{
        const cp_kpart_t *kp = &ks->ks_part[i];
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_resp_err_t err;
        int rc = cp_kafka_reader_partition(r, name);

        *next = from >= 0 ? from : -1;  /* -1: not known (nothing read) */
        rd_kafka_topic_partition_list_add(l, kp->kp_topic, kp->kp_partition)->offset =
                from == CP_KAFKA_FROM_COMMITTED ? RD_KAFKA_OFFSET_STORED : from;
        if (rc != CP_OK || (from >= 0 && from >= kp->kp_end) || kp->kp_end == 0) {
                rd_kafka_topic_partition_list_destroy(l);
                return rc;
        }
        err = rd_kafka_assign(ks->ks_rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        if (err) {
                snprintf(errstr, errstr_size, "assigning %s: %s", kp->kp_name,
                         rd_kafka_err2str(err));
                return CP_ERR_KAFKA;
        }
        cp_log_info("ingest", "KAFKA_PARTITION_START", "source=%s partition=%s from=%" PRId64
                    " end=%" PRId64, ks->ks_src->src_id, kp->kp_name, from, kp->kp_end);
        while (rc == CP_OK) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(ks->ks_rk, CP_KSRC_POLL_MS);
                int64_t pos;

                if (!m) {
                        pos = cp_ksrc_position(ks->ks_rk, kp);
                        if (pos >= kp->kp_end) {
                                if (pos > *next)
                                        *next = pos;
                                break;
                        }
                        continue;
                }
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        if (m->offset > *next)
                                *next = m->offset;
                        rd_kafka_message_destroy(m);
                        break;
                }
                if (m->err) {
                        /* Transient trouble is retried by librdkafka; what
                         * reaches here is logged, and fatal errors stop. */
                        cp_log_warn("ingest", "KAFKA_SOURCE_ERROR", "source=%s partition=%s "
                                    "err=\"%s\"", ks->ks_src->src_id, kp->kp_name,
                                    rd_kafka_message_errstr(m));
                        if (rd_kafka_fatal_error(ks->ks_rk, NULL, 0) ||
                            m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                            m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                            m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
                            m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
                                snprintf(errstr, errstr_size, "reading %s: %s", kp->kp_name,
                                         rd_kafka_message_errstr(m));
                                rc = CP_ERR_KAFKA;
                        }
                        rd_kafka_message_destroy(m);
                        continue;
                }
                if (m->offset >= kp->kp_end) {
                        rd_kafka_message_destroy(m);
                        break;
                }
                rc = cp_kafka_reader_add(r, m->payload, m->len, m->offset);
                if (rc == CP_OK)
                        *next = m->offset + 1;
                rd_kafka_message_destroy(m);
                /* The last message before the end: no need to wait for
                 * the partition's end to be reported. */
                if (rc == CP_OK && *next >= kp->kp_end)
                        break;
        }
        if (rc == CP_OK)
                rc = cp_kafka_reader_flush(r);
        rd_kafka_assign(ks->ks_rk, NULL);
        return rc;
}

int cp_kafka_commit_offsets(const cp_source_conf_t *src, const cp_conf_t *conf,
                            const char *brokers, char *const *names,
                            const int64_t *offsets, size_t n, char *errstr,
                            size_t errstr_size)
{
        rd_kafka_topic_partition_list_t *l;
        rd_kafka_resp_err_t err;
        rd_kafka_t *rk;

        if (!n)
                return CP_OK;
        rk = cp_ksrc_consumer(src, conf, brokers, errstr, errstr_size);
        if (!rk)
                return CP_ERR_KAFKA;
        l = rd_kafka_topic_partition_list_new((int)n);
        for (size_t i = 0; i < n; i++) {
                const char *t;
                size_t tl;
                int32_t p;
                char topic[256];

                if (cp_kafka_part_parse(names[i], &t, &tl, &p) || tl >= sizeof(topic))
                        continue;
                memcpy(topic, t, tl);
                topic[tl] = '\0';
                rd_kafka_topic_partition_list_add(l, topic, p)->offset = offsets[i];
        }
        err = rd_kafka_commit(rk, l, 0);
        for (int i = 0; !err && i < l->cnt; i++)
                err = l->elems[i].err;
        rd_kafka_topic_partition_list_destroy(l);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        if (err) {
                snprintf(errstr, errstr_size, "committing the offsets of group %s: %s",
                         src->src_kafka->ks_group, rd_kafka_err2str(err));
                return CP_ERR_KAFKA;
        }
        return CP_OK;
}

int cp_kafka_pending(const cp_source_conf_t *src, const cp_conf_t *conf, const char *brokers,
                     char *const *names, const int64_t *next, size_t n, char *errstr,
                     size_t errstr_size)
{
        cp_kafka_source_t *ks = cp_kafka_source_open(src, conf, brokers, errstr, errstr_size);
        int pending = 0;

        if (!ks)
                return -1;
        for (size_t i = 0; i < ks->ks_n && !pending; i++) {
                const cp_kpart_t *kp = &ks->ks_part[i];
                int64_t from = kp->kp_low;

                for (size_t k = 0; k < n; k++)
                        if (!strcmp(names[k], kp->kp_name) && next[k] > from)
                                from = next[k];
                pending = kp->kp_end > from;
        }
        cp_kafka_source_close(ks);
        return pending;
}
