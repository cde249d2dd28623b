#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <librdkafka/rdkafka.h>

#include "core/err.h"
#include "core/kafka_part.h"
#include "core/log.h"
#include "core/pii.h"
#include "core/report_pb.h"
#include "encode.h"
#include "sink.h"

/* How long the first metadata request may wait for any broker. */
#define CP_SINK_CONNECT_MS 15000

struct cp_sink_s {
        const cp_conf_t *sk_conf;
        rd_kafka_t *sk_rk;
        cp_encoder_t *sk_enc;
        int sk_partitions;            /* of the records topic */
        uint64_t *sk_seq;             /* next record sequence per partition */
        cp_sink_stats_t sk_stats;
        rd_kafka_resp_err_t sk_first_err;
        rd_kafka_resp_err_t sk_permanent;  /* an error retrying cannot cure */
        /* Scratch: accepted records of one batch, grouped by partition. */
        Credpipe__V1__CreditRecord **sk_group;
        size_t sk_group_cap;
        size_t *sk_group_start;       /* per partition, and one past the last */
        size_t *sk_group_next;        /* per partition */
        bool sk_txn;                  /* transactional (state.dir set) */
        bool sk_txn_open;             /* a transaction is begun */
};

/*
 * Errors no retry cures: the broker refuses on principle (authorisation,
 * size, a topic that does not exist and will not be created, a record it
 * considers invalid). librdkafka retries transient errors by itself until
 * delivery.timeout.ms; these it reports at once, and the pipeline stops
 * rather than read on into a wall.
 */
static bool cp_err_permanent(rd_kafka_resp_err_t e)
{
        switch (e) {
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
        case RD_KAFKA_RESP_ERR_INVALID_RECORD:
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
        case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
        case RD_KAFKA_RESP_ERR__FENCED:
        case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
                return true;
        default:
                return false;
        }
}

/* What to do about a permanent error, for the log and /readyz. */
static const char *cp_err_advice(rd_kafka_resp_err_t e)
{
        switch (e) {
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
                return "grant credpipe's principal Write (and, with state.dir, the "
                       "transactional id) on its topics, or fix its credentials";
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
                return "lower batch.records, or raise the topic's max.message.bytes";
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
                return "create the topic (the broker does not create it by itself)";
        case RD_KAFKA_RESP_ERR__FENCED:
        case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
                return "another instance runs with the same state.instance: stop one";
        default:
                return "see the broker's log";
        }
}

/* Remembers, and says once, that the broker refuses for good. Called on
 * librdkafka's threads too (the log callback): the store is atomic. */
static void cp_sink_refused(cp_sink_t *sk, const char *topic, rd_kafka_resp_err_t e)
{
        int none = 0;

        if (!cp_err_permanent(e) ||
            !__atomic_compare_exchange_n((int *)&sk->sk_permanent, &none, (int)e, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
                return;
        cp_log_error("sink", "KAFKA_REFUSED", "topic=%s err=%s msg=\"the broker refuses the "
                     "messages, and retrying cannot change that; %s\"", topic,
                     rd_kafka_err2name(e), cp_err_advice(e));
}

static void cp_sink_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        cp_sink_t *sk = opaque;

        (void)rk;
        if (m->err) {
                sk->sk_stats.sk_failed++;
                if (!sk->sk_first_err)
                        sk->sk_first_err = m->err;
                cp_sink_refused(sk, rd_kafka_topic_name(m->rkt), m->err);
                cp_log_error("sink", "DELIVERY_FAILED",
                             "msg=\"message not delivered\" topic=%s partition=%" PRId32
                             " err=%s", rd_kafka_topic_name(m->rkt), m->partition,
                             rd_kafka_err2name(m->err));
        } else {
                sk->sk_stats.sk_delivered++;
        }
}

/* The error a failed transaction names at the end of librdkafka's line,
 * "... must be aborted (TOPIC_AUTHORIZATION_FAILED)": in a transaction a
 * refused produce request only shows there (later calls say _STATE). */
static rd_kafka_resp_err_t cp_txn_error_cause(const char *line)
{
        const char *open = strrchr(line, '('), *close = strrchr(line, ')');
        const struct rd_kafka_err_desc *descs;
        size_t n, len;

        if (!open || !close || close < open)
                return RD_KAFKA_RESP_ERR_NO_ERROR;
        len = (size_t)(close - open - 1);
        rd_kafka_get_err_descs(&descs, &n);
        for (size_t i = 0; i < n; i++)
                if (descs[i].name && strlen(descs[i].name) == len &&
                    !strncmp(descs[i].name, open + 1, len))
                        return descs[i].code;
        return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static void cp_sink_log(const rd_kafka_t *rk, int level, const char *fac,
                        const char *buf)
{
        /* The logger maps syslog levels, escapes librdkafka's text (it may
         * hold quotes) and rate-limits per facility: event RDKAFKA_<FAC>. */
        cp_log_syslog(level, "kafka", CP_LOG_EVENT_RDKAFKA, fac,
                      rk ? rd_kafka_name(rk) : NULL, buf);
        if (rk && !strcmp(fac, "TXNERR") && rd_kafka_opaque(rk))
                cp_sink_refused(rd_kafka_opaque(rk), "(transaction)", cp_txn_error_cause(buf));
}

static int cp_conf_set(rd_kafka_conf_t *kc, const char *k, const char *v,
                       char *errstr, size_t errstr_size)
{
        char err[256];

        if (rd_kafka_conf_set(kc, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
                snprintf(errstr, errstr_size, "kafka property %s=%s: %s", k, v, err);
                return CP_ERR_CONFIG;
        }
        return CP_OK;
}

/* @returns how many of the n topics the cluster already has (a metadata
 * request for all topics never auto-creates any). */
static int cp_sink_topics_existing(cp_sink_t *sk, const char *const *names, int n)
{
        const struct rd_kafka_metadata *md;
        int found = 0;

        if (rd_kafka_metadata(sk->sk_rk, 1, NULL, &md, CP_SINK_CONNECT_MS))
                return -1;
        for (int i = 0; i < n; i++)
                for (int t = 0; t < md->topic_cnt; t++)
                        if (!strcmp(md->topics[t].topic, names[i]) && !md->topics[t].err)
                                found++;
        rd_kafka_metadata_destroy(md);
        return found;
}

/* Creates the topics (with the checkpoints topic when transactional); an
 * existing topic is fine (its partition count is then whatever it has). A broker that does not answer CreateTopics
 * (librdkafka's mock cluster is one) leaves creation to the broker's
 * auto-creation, which the metadata request below triggers. */
static int cp_sink_create_topics(cp_sink_t *sk, char *errstr, size_t errstr_size)
{
        const cp_conf_t *c = sk->sk_conf;
        const char *names[4] = {c->conf_topic_records, c->conf_topic_rejects,
                                c->conf_topic_sharing, c->conf_topic_checkpoints};
        int ntopics = sk->sk_txn ? 4 : 3, existing;
        rd_kafka_NewTopic_t *nt[4];
        rd_kafka_queue_t *q;
        rd_kafka_AdminOptions_t *opt;
        rd_kafka_event_t *ev;
        int rc = CP_OK;
        char err[256];

        existing = cp_sink_topics_existing(sk, names, ntopics);
        if (existing == ntopics)
                return CP_OK;
        if (existing < 0) {
                /* Nothing else will work either: say so now, not after
                 * minutes of retries. */
                snprintf(errstr, errstr_size, "no broker answered within %d s; check "
                         "`brokers` (or --brokers) and that Kafka is running",
                         CP_SINK_CONNECT_MS / 1000);
                return CP_ERR_KAFKA;
        }
        q = rd_kafka_queue_new(sk->sk_rk);
        opt = rd_kafka_AdminOptions_new(sk->sk_rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_AdminOptions_set_operation_timeout(opt, 10000, err, sizeof(err));
        rd_kafka_AdminOptions_set_request_timeout(opt, 5000, err, sizeof(err));
        for (int i = 0; i < ntopics; i++)
                nt[i] = rd_kafka_NewTopic_new(names[i], i == 0 ? c->conf_partitions : 1,
                                              c->conf_replication, err, sizeof(err));
        /* Checkpoints: the last one per instance is all that matters. */
        if (ntopics == 4)
                rd_kafka_NewTopic_set_config(nt[3], "cleanup.policy", "compact");
        rd_kafka_CreateTopics(sk->sk_rk, nt, (size_t)ntopics, opt, q);
        ev = rd_kafka_queue_poll(q, 20000);
        if (!ev || rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
                cp_log_warn("sink", "CREATE_TOPICS_UNANSWERED", "msg=\"the broker did not "
                            "answer CreateTopics; relying on its auto-creation of topics\"");
        } else if (rd_kafka_event_error(ev)) {
                snprintf(errstr, errstr_size, "creating topics: %s",
                         rd_kafka_event_error_string(ev));
                rc = CP_ERR_KAFKA;
        } else {
                size_t n;
                const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(
                        rd_kafka_event_CreateTopics_result(ev), &n);
                for (size_t i = 0; i < n; i++) {
                        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
                        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                                snprintf(errstr, errstr_size, "creating topic %s: %s",
                                         rd_kafka_topic_result_name(res[i]),
                                         rd_kafka_topic_result_error_string(res[i]));
                                rc = CP_ERR_KAFKA;
                                break;
                        }
                }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        for (int i = 0; i < ntopics; i++)
                rd_kafka_NewTopic_destroy(nt[i]);
        rd_kafka_AdminOptions_destroy(opt);
        rd_kafka_queue_destroy(q);
        return rc;
}

/* Learns the records topic's partition count; metadata can lag creation. */
static int cp_sink_partitions(cp_sink_t *sk, char *errstr, size_t errstr_size)
{
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(sk->sk_rk,
                                                   sk->sk_conf->conf_topic_records, NULL);
        struct timespec t0, now;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
                const struct rd_kafka_metadata *md;
                rd_kafka_resp_err_t e = rd_kafka_metadata(sk->sk_rk, 0, rkt, &md, 5000);

                if (!e && md->topic_cnt == 1 && !md->topics[0].err &&
                    md->topics[0].partition_cnt > 0) {
                        sk->sk_partitions = md->topics[0].partition_cnt;
                        rd_kafka_metadata_destroy(md);
                        rd_kafka_topic_destroy(rkt);
                        return CP_OK;
                }
                if (!e)
                        rd_kafka_metadata_destroy(md);
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - t0.tv_sec >= 30)
                        break;
                /* rd_kafka_poll doubles as the wait between attempts. */
                rd_kafka_poll(sk->sk_rk, 500);
        }
        rd_kafka_topic_destroy(rkt);
        snprintf(errstr, errstr_size, "no metadata for topic %s after 30 s",
                 sk->sk_conf->conf_topic_records);
        return CP_ERR_KAFKA;
}

/* Waits until every partition of a topic answers ListOffsets, i.e. its
 * leader has created the partition's log.
 *
 * Why: right after CreateTopics the metadata already lists the partitions
 * while the broker is still creating their logs (tens of ms on Kafka 4.1).
 * A Produce in that window fails with NOT_LEADER_OR_FOLLOWER, and Debian's
 * librdkafka 2.0.2 can then count a message of the retried idempotent
 * sequence as delivered although it was never written (seen: one batch
 * missing of 48, about 1 run in 3 under load; librdkafka fixed its
 * sequence recovery in 2.3.0, PR #4438). Producing only to partitions that
 * answer avoids the window. */
static int cp_sink_wait_writable(cp_sink_t *sk, const char *topic, char *errstr,
                                 size_t errstr_size)
{
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(sk->sk_rk, topic, NULL);
        const struct rd_kafka_metadata *md;
        struct timespec t0, now;
        int nparts = 0, ready = 0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (!rd_kafka_metadata(sk->sk_rk, 0, rkt, &md, 5000)) {
                if (md->topic_cnt == 1 && !md->topics[0].err)
                        nparts = md->topics[0].partition_cnt;
                rd_kafka_metadata_destroy(md);
        }
        rd_kafka_topic_destroy(rkt);
        for (int p = 0; p < nparts; p++) {
                for (;;) {
                        int64_t lo, hi;

                        if (!rd_kafka_query_watermark_offsets(sk->sk_rk, topic, p, &lo, &hi,
                                                              5000)) {
                                ready++;
                                break;
                        }
                        clock_gettime(CLOCK_MONOTONIC, &now);
                        if (now.tv_sec - t0.tv_sec >= 30)
                                break;
                        rd_kafka_poll(sk->sk_rk, 100);
                }
        }
        if (nparts == 0 || ready < nparts) {
                snprintf(errstr, errstr_size, "topic %s: %d of %d partitions ready "
                         "after 30 s", topic, ready, nparts);
                return CP_ERR_KAFKA;
        }
        return CP_OK;
}

/* How long transactional calls may block before they are retried. */
#define CP_TXN_CALL_MS 60000

/* @returns CP_OK, or CP_ERR_KAFKA with errstr from a librdkafka error
 * (which is destroyed). */
static int cp_sink_txn_error(rd_kafka_error_t *e, const char *what, char *errstr,
                             size_t errstr_size)
{
        if (!e)
                return CP_OK;
        snprintf(errstr, errstr_size, "%s: %s%s", what, rd_kafka_error_string(e),
                 rd_kafka_error_is_fatal(e) ? " (fatal: the producer was fenced or "
                 "misconfigured)" : "");
        rd_kafka_error_destroy(e);
        return CP_ERR_KAFKA;
}

/* Registers the transactional id with the broker. A previous instance's
 * open transaction is aborted by the broker here, and that instance, if
 * still alive, is fenced: its later commits fail. */
static int cp_sink_txn_init(cp_sink_t *sk, char *errstr, size_t errstr_size)
{
        rd_kafka_error_t *e;

        while ((e = rd_kafka_init_transactions(sk->sk_rk, CP_TXN_CALL_MS)) &&
               rd_kafka_error_is_retriable(e)) {
                cp_log_warn("sink", "TXN_INIT_RETRY", "err=\"%s\"", rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
        }
        return cp_sink_txn_error(e, "initialising Kafka transactions", errstr, errstr_size);
}

static int cp_sink_txn_begin(cp_sink_t *sk, char *errstr, size_t errstr_size)
{
        int rc = cp_sink_txn_error(rd_kafka_begin_transaction(sk->sk_rk),
                                   "beginning a Kafka transaction", errstr, errstr_size);

        sk->sk_txn_open = rc == CP_OK;
        return rc;
}

cp_sink_t *cp_sink_new(const cp_conf_t *conf, const char *brokers,
                       char *errstr, size_t errstr_size)
{
        cp_sink_t *sk = calloc(1, sizeof(*sk));
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        char tmo[32];

        sk->sk_conf = conf;
        snprintf(tmo, sizeof(tmo), "%d", conf->conf_delivery_timeout_ms);
        if (cp_conf_set(kc, "bootstrap.servers", brokers, errstr, errstr_size) ||
            cp_conf_set(kc, "enable.idempotence", "true", errstr, errstr_size) ||
            cp_conf_set(kc, "acks", "all", errstr, errstr_size) ||
            /* We compress each batch ourselves, once. */
            cp_conf_set(kc, "compression.codec", "none", errstr, errstr_size) ||
            cp_conf_set(kc, "linger.ms", "5", errstr, errstr_size) ||
            cp_conf_set(kc, "allow.auto.create.topics", "true", errstr, errstr_size) ||
            cp_conf_set(kc, "message.max.bytes", "8000000", errstr, errstr_size) ||
            cp_conf_set(kc, "delivery.timeout.ms", tmo, errstr, errstr_size))
                goto fail_conf;
        for (size_t i = 0; i < conf->conf_nkafka; i++)
                if (cp_conf_set(kc, conf->conf_kafka[i].kv_key,
                                conf->conf_kafka[i].kv_value, errstr, errstr_size))
                        goto fail_conf;
        if (conf->conf_state_dir) {
                char tid[256];

                snprintf(tid, sizeof(tid), "credpipe-%s", conf->conf_instance);
                /* librdkafka wants messages to time out within their
                 * transaction; a restart aborts a dead one at once anyway. */
                if (cp_conf_set(kc, "transactional.id", tid, errstr, errstr_size) ||
                    cp_conf_set(kc, "transaction.timeout.ms", tmo, errstr, errstr_size))
                        goto fail_conf;
                sk->sk_txn = true;
        }
        rd_kafka_conf_set_dr_msg_cb(kc, cp_sink_dr);
        rd_kafka_conf_set_log_cb(kc, cp_sink_log);
        rd_kafka_conf_set_opaque(kc, sk);
        sk->sk_rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, errstr_size);
        if (!sk->sk_rk)
                goto fail_conf;
        sk->sk_enc = cp_encoder_new(conf->conf_zstd_level);
        /* Topics first: their metadata request fails plainly within
         * CP_SINK_CONNECT_MS when no broker answers, where
         * init_transactions would retry for ever. */
        if (!sk->sk_enc || cp_sink_create_topics(sk, errstr, errstr_size) ||
            (sk->sk_txn && cp_sink_txn_init(sk, errstr, errstr_size)) ||
            cp_sink_partitions(sk, errstr, errstr_size) ||
            cp_sink_wait_writable(sk, conf->conf_topic_records, errstr, errstr_size) ||
            cp_sink_wait_writable(sk, conf->conf_topic_rejects, errstr, errstr_size) ||
            cp_sink_wait_writable(sk, conf->conf_topic_sharing, errstr, errstr_size) ||
            (sk->sk_txn && (cp_sink_wait_writable(sk, conf->conf_topic_checkpoints, errstr,
                                                  errstr_size) ||
                            cp_sink_txn_begin(sk, errstr, errstr_size)))) {
                cp_sink_destroy(sk);
                return NULL;
        }
        sk->sk_seq = calloc((size_t)sk->sk_partitions, sizeof(*sk->sk_seq));
        sk->sk_group_start = calloc((size_t)sk->sk_partitions + 1, sizeof(size_t));
        sk->sk_group_next = calloc((size_t)sk->sk_partitions, sizeof(size_t));
        if (!sk->sk_seq || !sk->sk_group_start || !sk->sk_group_next) {
                snprintf(errstr, errstr_size, "out of memory");
                cp_sink_destroy(sk);
                return NULL;
        }
        cp_log_info("sink", "SINK_READY", "brokers=%s topic=%s partitions=%d",
                    brokers, conf->conf_topic_records, sk->sk_partitions);
        return sk;

fail_conf:
        rd_kafka_conf_destroy(kc);
        free(sk);
        return NULL;
}

void cp_sink_destroy(cp_sink_t *sk)
{
        if (!sk)
                return;
        if (sk->sk_rk)
                rd_kafka_destroy(sk->sk_rk);
        cp_encoder_destroy(sk->sk_enc);
        free(sk->sk_seq);
        free(sk->sk_group);
        free(sk->sk_group_start);
        free(sk->sk_group_next);
        free(sk);
}

/* Hands one encoded message to librdkafka, waiting while its queue is full
 * (back-pressure reaches the transform thread through our queue). */
static int cp_sink_produce(cp_sink_t *sk, const char *topic, int32_t partition,
                           const ProtobufCMessage *msg, size_t count)
{
        void *buf;
        size_t len, raw;
        char ctype[128], cnt[24], ver[8];
        rd_kafka_resp_err_t err;
        int rc = cp_encode_message(sk->sk_enc, msg, &buf, &len, &raw);

        if (rc)
                return rc;
        cp_content_type(msg->descriptor, ctype, sizeof(ctype));
        snprintf(cnt, sizeof(cnt), "%zu", count);
        snprintf(ver, sizeof(ver), "%d", CP_SCHEMA_VERSION);
        for (;;) {
                err = rd_kafka_producev(
                        sk->sk_rk, RD_KAFKA_V_TOPIC(topic),
                        RD_KAFKA_V_PARTITION(partition),
                        RD_KAFKA_V_VALUE(buf, len),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                        RD_KAFKA_V_HEADER("content-type", ctype, -1),
                        RD_KAFKA_V_HEADER("content-encoding", "zstd", -1),
                        RD_KAFKA_V_HEADER("record-count", cnt, -1),
                        RD_KAFKA_V_HEADER("schema-version", ver, -1),
                        RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(sk->sk_rk, 100);
        }
        if (err) {
                /* On failure the payload is still ours (F_FREE rule). */
                free(buf);
                cp_log_error("sink", "PRODUCE_FAILED", "topic=%s err=%s", topic,
                             rd_kafka_err2name(err));
                cp_sink_refused(sk, topic, err);
                sk->sk_stats.sk_failed++;
                return CP_ERR_KAFKA;
        }
        sk->sk_stats.sk_messages++;
        sk->sk_stats.sk_raw_bytes += raw;
        sk->sk_stats.sk_wire_bytes += len;
        rd_kafka_poll(sk->sk_rk, 0);
        return CP_OK;
}

static int cp_sink_records(cp_sink_t *sk, const cp_batch_t *bat)
{
        int np = sk->sk_partitions, rc = CP_OK;
        size_t *start = sk->sk_group_start;

        if (sk->sk_group_cap < bat->bat_n) {
                free(sk->sk_group);
                sk->sk_group = malloc(bat->bat_n * sizeof(*sk->sk_group));
                if (!sk->sk_group)
                        return CP_ERR_NOMEM;
                sk->sk_group_cap = bat->bat_n;
        }
        /* Group by partition in two passes over the batch, a count and a
         * placement (a stable counting sort), whatever the partition
         * count: order within a partition is kept. Partition p's records
         * end up in sk_group[start[p] .. start[p + 1]). */
        memset(start, 0, ((size_t)np + 1) * sizeof(*start));
        for (size_t i = bat->bat_replay; i < bat->bat_n; i++) {
                const cp_record_t *rec = &bat->bat_rec[i];

                if (rec->rec_status == CP_REC_ACCEPTED)
                        start[rec->rec_subject_hash % (uint64_t)np + 1]++;
        }
        for (int p = 0; p < np; p++)
                start[p + 1] += start[p];
        memcpy(sk->sk_group_next, start, (size_t)np * sizeof(*start));
        for (size_t i = bat->bat_replay; i < bat->bat_n; i++) {
                const cp_record_t *rec = &bat->bat_rec[i];

                if (rec->rec_status == CP_REC_ACCEPTED)
                        sk->sk_group[sk->sk_group_next[rec->rec_subject_hash % (uint64_t)np]++] =
                                rec->rec_pb;
        }
        for (int p = 0; p < np && rc == CP_OK; p++) {
                size_t n = start[p + 1] - start[p];

                if (!n)
                        continue;
                Credpipe__V1__RecordBatch rb = CREDPIPE__V1__RECORD_BATCH__INIT;
                rb.schema_version = CP_SCHEMA_VERSION;
                rb.first_sequence = sk->sk_seq[p];
                rb.partition = p;
                rb.records = sk->sk_group + start[p];
                rb.n_records = n;
                rc = cp_sink_produce(sk, sk->sk_conf->conf_topic_records, p,
                                     &rb.base, n);
                sk->sk_seq[p] += n;
                sk->sk_stats.sk_records += n;
        }
        return rc;
}

/*
 * Rejects carry what the data steward needs to fix the record: its raw
 * bytes and a sentence. Person IDs are masked here, at the last point
 * before bytes leave the process, whichever stage rejected the record:
 * in the message always (transform already masks the IDs it quotes, but
 * a reader's message can quote input, e.g. jansson's "near '...'"), and in
 * the raw bytes (and file name) when pseudonymisation is on, which is then
 * the promise that no full resident ID leaves at all (core/pii.h says what
 * is found).
 * Masking never lengthens, so one buffer of the batch's total size holds
 * every masked copy.
 */
static int cp_sink_rejects(cp_sink_t *sk, const cp_batch_t *bat)
{
        const cp_source_conf_t *src = &sk->sk_conf->conf_sources[bat->bat_source];
        bool mask_raw = sk->sk_conf->conf_pseudonym_key != NULL;
        bool kafka = src->src_format == CP_FMT_KAFKA;
        size_t n = 0, k = 0, total = 0, used = 0;
        Credpipe__V1__Reject *rj, **rjp;
        Credpipe__V1__Position *pos;
        char *scratch;
        int rc;

        /* Records replayed after a restart were produced before it. */
        for (size_t i = bat->bat_replay; i < bat->bat_n; i++) {
                const cp_record_t *rec = &bat->bat_rec[i];

                if (rec->rec_status != CP_REC_REJECTED)
                        continue;
                n++;
                total += (rec->rec_reject_msg ? strlen(rec->rec_reject_msg) : 0) + 1;
                if (mask_raw && rec->rec_raw)
                        total += rec->rec_raw_len + 1;
                /* The masked file name, and a Kafka record's topic. */
                if (rec->rec_file)
                        total += ((size_t)mask_raw + (size_t)kafka) *
                                 (strlen(rec->rec_file) + 1);
        }
        if (!n)
                return CP_OK;
        rj = calloc(n, sizeof(*rj));
        rjp = calloc(n, sizeof(*rjp));
        pos = calloc(n, sizeof(*pos));
        scratch = malloc(total);
        if (!rj || !rjp || !pos || !scratch) {
                free(rj);
                free(rjp);
                free(pos);
                free(scratch);
                return CP_ERR_NOMEM;
        }
        for (size_t i = bat->bat_replay; i < bat->bat_n; i++) {
                const cp_record_t *rec = &bat->bat_rec[i];
                const char *msg = rec->rec_reject_msg ? rec->rec_reject_msg : "";
                size_t len;

                if (rec->rec_status != CP_REC_REJECTED)
                        continue;
                credpipe__v1__reject__init(&rj[k]);
                credpipe__v1__position__init(&pos[k]);
                pos[k].file = (char *)(rec->rec_file ? rec->rec_file : "");
                if (mask_raw && rec->rec_file) {
                        /* Per-person files are named after the person. */
                        pos[k].file = scratch + used;
                        cp_pii_mask_rics(rec->rec_file, strlen(rec->rec_file),
                                         scratch + used, &len, NULL, NULL);
                        used += len + 1;
                }
                pos[k].line = rec->rec_line;
                pos[k].offset = rec->rec_offset;
                if (kafka && rec->rec_file) {
                        /* A Kafka source's message: topic, partition, offset. */
                        const char *t;
                        size_t tl;
                        int32_t part;

                        if (!cp_kafka_part_parse(rec->rec_file, &t, &tl, &part)) {
                                pos[k].topic = memcpy(scratch + used, t, tl);
                                pos[k].topic[tl] = '\0';
                                used += tl + 1;
                                pos[k].partition = part;
                                pos[k].kafka_offset = (int64_t)rec->rec_offset;
                        }
                }
                rj[k].source_id = src->src_id;
                rj[k].position = &pos[k];
                rj[k].reason = (char *)rec->rec_reject_code;
                rj[k].field = (char *)(rec->rec_reject_field >= 0
                                               ? cp_field_name(rec->rec_reject_field) : "");
                rj[k].message = scratch + used;
                cp_pii_mask_rics(msg, strlen(msg), scratch + used, &len, NULL, NULL);
                used += len + 1;
                rj[k].raw.data = (uint8_t *)rec->rec_raw;
                rj[k].raw.len = rec->rec_raw ? rec->rec_raw_len : 0;
                if (mask_raw && rec->rec_raw) {
                        rj[k].raw.data = (uint8_t *)scratch + used;
                        cp_pii_mask_rics(rec->rec_raw, rec->rec_raw_len, scratch + used,
                                         &len, NULL, NULL);
                        rj[k].raw.len = len;
                        used += len + 1;
                }
                rj[k].ingest_time_ms = rec->rec_ingest_ms;
                rjp[k] = &rj[k];
                k++;
        }
        Credpipe__V1__RejectBatch rb = CREDPIPE__V1__REJECT_BATCH__INIT;
        rb.schema_version = CP_SCHEMA_VERSION;
        rb.rejects = rjp;
        rb.n_rejects = n;
        /* Packed (copied) before this returns: scratch may go. */
        rc = cp_sink_produce(sk, sk->sk_conf->conf_topic_rejects, RD_KAFKA_PARTITION_UA,
                             &rb.base, n);
        sk->sk_stats.sk_rejects += n;
        free(rj);
        free(rjp);
        free(pos);
        free(scratch);
        return rc;
}

int cp_sink_permanent_error(const cp_sink_t *sk, char *errstr, size_t errstr_size)
{
        rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)__atomic_load_n((const int *)&sk->sk_permanent,
                                                                     __ATOMIC_SEQ_CST);

        if (!e)
                return CP_OK;
        snprintf(errstr, errstr_size, "Kafka refused the messages (%s): %s",
                 rd_kafka_err2name(e), cp_err_advice(e));
        return CP_ERR_DELIVERY;
}

int cp_sink_batch(cp_sink_t *sk, const cp_batch_t *bat)
{
        int rc = cp_sink_records(sk, bat);

        if (rc == CP_OK)
                rc = cp_sink_rejects(sk, bat);
        return rc;
}

int cp_sink_report(cp_sink_t *sk, const cp_report_t *rep)
{
        cp_report_pb_t pb;
        int rc = cp_report_to_pb(&pb, rep, sk->sk_conf);

        pb.rp_msg.schema_version = CP_SCHEMA_VERSION;
        if (rc == CP_OK)
                rc = cp_sink_produce(sk, sk->sk_conf->conf_topic_sharing, 0, &pb.rp_msg.base,
                                     rep->rep_nsrc);
        cp_report_pb_free(&pb);
        return rc;
}

int cp_sink_flush(cp_sink_t *sk, int timeout_ms, char *errstr, size_t errstr_size)
{
        rd_kafka_resp_err_t e = rd_kafka_flush(sk->sk_rk, timeout_ms);
        uint64_t pending = sk->sk_stats.sk_messages - sk->sk_stats.sk_delivered -
                           sk->sk_stats.sk_failed;

        if (e || pending) {
                snprintf(errstr, errstr_size, "%" PRIu64 " messages still undelivered "
                         "after %d ms (%s)", pending, timeout_ms, rd_kafka_err2str(e));
                return CP_ERR_DELIVERY;
        }
        if (sk->sk_stats.sk_failed) {
                snprintf(errstr, errstr_size, "%" PRIu64 " messages failed delivery "
                         "(first error: %s)", sk->sk_stats.sk_failed,
                         rd_kafka_err2str(sk->sk_first_err));
                return CP_ERR_DELIVERY;
        }
        return CP_OK;
}

/* How long aborting may take at the end of a run; the next run's
 * init_transactions aborts whatever is left open anyway. */
#define CP_TXN_ABANDON_MS 10000

/*
 * Why not flush: after a fatal transactional error — a newer instance with
 * the same transactional.id fenced this one — librdkafka 2.0.2 can keep a
 * few messages queued that never get a delivery report (seen: 4, in a run
 * fenced while a cluster node was away), and rd_kafka_flush then waited
 * its whole timeout (delivery_timeout_ms + 10 s, 310 s by default) before
 * the fenced process exited. The messages belong to a transaction that is
 * aborted in any case. Aborting here, when the producer still can, also
 * frees read_committed readers at once from waiting on the open
 * transaction until it times out.
 */
void cp_sink_abandon(cp_sink_t *sk)
{
        if (!sk->sk_txn)
                return;
        if (sk->sk_txn_open && !rd_kafka_fatal_error(sk->sk_rk, NULL, 0)) {
                rd_kafka_error_t *e = rd_kafka_abort_transaction(sk->sk_rk,
                                                                 CP_TXN_ABANDON_MS);

                if (e) {
                        cp_log_warn("sink", "TXN_ABORT_FAILED", "err=\"%s\" msg=\"the next "
                                    "start aborts it\"", rd_kafka_error_string(e));
                        rd_kafka_error_destroy(e);
                }
        }
        sk->sk_txn_open = false;
        rd_kafka_purge(sk->sk_rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        /* Purged messages get their (failed) delivery reports here. */
        rd_kafka_poll(sk->sk_rk, 0);
}

void cp_sink_get_stats(cp_sink_t *sk, cp_sink_stats_t *st)
{
        *st = sk->sk_stats;
}

bool cp_sink_transactional(const cp_sink_t *sk)
{
        return sk->sk_txn;
}

/* The checkpoint is keyed by instance, uncompressed: it is small, and a
 * compacted topic keeps the last one per key. */
static int cp_sink_produce_checkpoint(cp_sink_t *sk, const ProtobufCMessage *cp,
                                      char *errstr, size_t errstr_size)
{
        size_t len = protobuf_c_message_get_packed_size(cp);
        void *buf = malloc(len ? len : 1);
        const char *key = sk->sk_conf->conf_instance;
        rd_kafka_resp_err_t err;

        if (!buf)
                return CP_ERR_NOMEM;
        protobuf_c_message_pack(cp, buf);
        for (;;) {
                err = rd_kafka_producev(
                        sk->sk_rk, RD_KAFKA_V_TOPIC(sk->sk_conf->conf_topic_checkpoints),
                        RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY(key, strlen(key)),
                        RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                        RD_KAFKA_V_HEADER("content-type", "application/x-protobuf; "
                                          "messageType=credpipe.v1.Checkpoint", -1),
                        RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(sk->sk_rk, 100);
        }
        if (err) {
                free(buf);
                snprintf(errstr, errstr_size, "producing the checkpoint: %s",
                         rd_kafka_err2str(err));
                return CP_ERR_KAFKA;
        }
        sk->sk_stats.sk_messages++;
        return CP_OK;
}

int cp_sink_send_offsets(cp_sink_t *sk, const char *group,
                         Credpipe__V1__KafkaPosition *const *positions, size_t n,
                         char *errstr, size_t errstr_size)
{
        rd_kafka_consumer_group_metadata_t *md;
        rd_kafka_topic_partition_list_t *l;
        rd_kafka_error_t *e;

        if (!n)
                return CP_OK;
        if (!sk->sk_txn_open) {
                snprintf(errstr, errstr_size, "no open transaction for the offsets of %s",
                         group);
                return CP_ERR_KAFKA;
        }
        /* Made from the group id alone: the consumer is another thread's,
         * and it never joins the group (ingest/kafka_source.h). */
        md = rd_kafka_consumer_group_metadata_new(group);
        l = rd_kafka_topic_partition_list_new((int)n);
        if (!md || !l) {
                if (md)
                        rd_kafka_consumer_group_metadata_destroy(md);
                if (l)
                        rd_kafka_topic_partition_list_destroy(l);
                snprintf(errstr, errstr_size, "out of memory");
                return CP_ERR_NOMEM;
        }
        for (size_t i = 0; i < n; i++)
                rd_kafka_topic_partition_list_add(l, positions[i]->topic,
                                                  positions[i]->partition)->offset =
                        positions[i]->offset;
        while ((e = rd_kafka_send_offsets_to_transaction(sk->sk_rk, l, md, CP_TXN_CALL_MS)) &&
               rd_kafka_error_is_retriable(e)) {
                cp_log_warn("sink", "TXN_OFFSETS_RETRY", "group=%s err=\"%s\"", group,
                            rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
        }
        rd_kafka_topic_partition_list_destroy(l);
        rd_kafka_consumer_group_metadata_destroy(md);
        return cp_sink_txn_error(e, "sending a source's offsets to the transaction", errstr,
                                 errstr_size);
}

int cp_sink_commit(cp_sink_t *sk, const ProtobufCMessage *checkpoint, char *errstr,
                   size_t errstr_size)
{
        rd_kafka_error_t *e;
        int rc;

        if (!sk->sk_txn_open) {
                snprintf(errstr, errstr_size, "no open transaction to commit");
                return CP_ERR_KAFKA;
        }
        rc = cp_sink_produce_checkpoint(sk, checkpoint, errstr, errstr_size);
        if (rc)
                return rc;
        /* Commit flushes every message of the transaction first; a
         * retriable failure (a timeout) may simply be called again. */
        while ((e = rd_kafka_commit_transaction(sk->sk_rk, CP_TXN_CALL_MS)) &&
               rd_kafka_error_is_retriable(e)) {
                cp_log_warn("sink", "TXN_COMMIT_RETRY", "err=\"%s\"", rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
        }
        if (e) {
                /* The transaction's records are lost to read_committed
                 * readers; only a restart from the last checkpoint can
                 * produce them again. Abort what can be aborted. */
                if (rd_kafka_error_txn_requires_abort(e)) {
                        rd_kafka_error_t *ae = rd_kafka_abort_transaction(sk->sk_rk,
                                                                          CP_TXN_CALL_MS);
                        if (ae)
                                rd_kafka_error_destroy(ae);
                }
                sk->sk_txn_open = false;
                return cp_sink_txn_error(e, "committing the Kafka transaction", errstr,
                                         errstr_size);
        }
        sk->sk_txn_open = false;
        return cp_sink_txn_begin(sk, errstr, errstr_size);
}
