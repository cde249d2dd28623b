#include "report_fetch.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <librdkafka/rdkafka.h>

#include "core/err.h"
#include "sink/encode.h"

/* Messages read before each partition's end on the first pass. */
#define CP_FETCH_TAIL 16

typedef struct cp_fetch_s {
        rd_kafka_t *rk;
        const char *topic;
        int nparts;
        int64_t *lo, *hi;       /* watermarks per partition */
        char ctype[160];        /* content-type of a SharingReport */
        Credpipe__V1__SharingReport *best;
        int64_t best_key[3];    /* generated_at_ms, message timestamp, offset */
        char *where;
        size_t where_size;
} cp_fetch_t;

/* Orders reports by generated_at_ms, then message timestamp, then offset. */
static int cp_fetch_cmp(const int64_t *a, const int64_t *b)
{
        for (int i = 0; i < 3; i++)
                if (a[i] != b[i])
                        return a[i] < b[i] ? -1 : 1;
        return 0;
}

/* Keeps the message's report if it is a SharingReport later than the best. */
static void cp_fetch_consider(cp_fetch_t *f, const rd_kafka_message_t *m)
{
        rd_kafka_headers_t *hdrs;
        const void *val;
        size_t len;
        char err[256];
        Credpipe__V1__SharingReport *r;
        int64_t key[3];

        if (rd_kafka_message_headers(m, &hdrs) ||
            rd_kafka_header_get_last(hdrs, "content-type", &val, &len) ||
            len != strlen(f->ctype) || memcmp(val, f->ctype, len))
                return;
        r = (Credpipe__V1__SharingReport *)cp_decode_message(
                &credpipe__v1__sharing_report__descriptor, m->payload, m->len, err,
                sizeof(err));
        if (!r) {
                fprintf(stderr, "credpipe report: %s [%" PRId32 "] offset %" PRId64
                        ": %s; skipped\n", f->topic, m->partition, m->offset, err);
                return;
        }
        key[0] = r->generated_at_ms;
        key[1] = rd_kafka_message_timestamp(m, NULL);
        key[2] = m->offset;
        if (f->best && cp_fetch_cmp(key, f->best_key) <= 0) {
                protobuf_c_message_free_unpacked(&r->base, NULL);
                return;
        }
        if (f->best)
                protobuf_c_message_free_unpacked(&f->best->base, NULL);
        f->best = r;
        memcpy(f->best_key, key, sizeof(key));
        snprintf(f->where, f->where_size, "%s [%" PRId32 "] at offset %" PRId64, f->topic,
                 m->partition, m->offset);
}

/* Reads every partition from `tail` messages before its end (tail < 0:
 * from its beginning) to its end. */
static int cp_fetch_pass(cp_fetch_t *f, int64_t tail, int timeout_ms, char *errstr,
                         size_t errstr_size)
{
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(f->nparts);
        bool *done = calloc((size_t)f->nparts, sizeof(*done));
        int remaining = 0;
        time_t last = time(NULL);

        for (int p = 0; p < f->nparts; p++) {
                int64_t start = f->lo[p];

                if (f->hi[p] <= f->lo[p]) {
                        done[p] = true;
                        continue;
                }
                if (tail >= 0 && f->hi[p] - tail > start)
                        start = f->hi[p] - tail;
                rd_kafka_topic_partition_list_add(parts, f->topic, p)->offset = start;
                remaining++;
        }
        rd_kafka_assign(f->rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        while (remaining > 0 && (time(NULL) - last) * 1000 < timeout_ms) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(f->rk, 200);
                int p;

                if (!m)
                        continue;
                p = m->partition;
                if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        fprintf(stderr, "credpipe report: %s\n", rd_kafka_message_errstr(m));
                } else {
                        last = time(NULL);
                        if (!m->err)
                                cp_fetch_consider(f, m);
                        /* Read_committed ends a partition at its last stable
                         * offset, which EOF reports; offset hi - 1 ends it too. */
                        if (p >= 0 && p < f->nparts && !done[p] &&
                            (m->err || m->offset + 1 >= f->hi[p])) {
                                done[p] = true;
                                remaining--;
                        }
                }
                rd_kafka_message_destroy(m);
        }
        rd_kafka_assign(f->rk, NULL);
        free(done);
        if (remaining > 0) {
                snprintf(errstr, errstr_size, "%d partitions of %s not read to the end after "
                         "%d s without messages", remaining, f->topic, timeout_ms / 1000);
                return CP_ERR_KAFKA;
        }
        return CP_OK;
}

static rd_kafka_t *cp_fetch_consumer(const char *brokers, char *errstr, size_t errstr_size)
{
        static const char *const props[][2] = {
                {"group.id", "credpipe-report"},
                {"enable.auto.commit", "false"},
                {"enable.partition.eof", "true"},
                {"isolation.level", "read_committed"},
                {"auto.offset.reset", "earliest"},
                {"log_level", "3"},
        };
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        rd_kafka_t *rk;

        if (rd_kafka_conf_set(kc, "bootstrap.servers", brokers, errstr, errstr_size))
                goto fail;
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
                if (rd_kafka_conf_set(kc, props[i][0], props[i][1], errstr, errstr_size))
                        goto fail;
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, errstr_size);
        if (rk)
                return rk;
fail:
        rd_kafka_conf_destroy(kc);
        return NULL;
}

/* Learns the partitions of the topic and their watermarks. */
static int cp_fetch_offsets(cp_fetch_t *f, const char *brokers, int timeout_ms,
                            char *errstr, size_t errstr_size)
{
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(f->rk, f->topic, NULL);
        const struct rd_kafka_metadata *md;
        rd_kafka_resp_err_t e = rd_kafka_metadata(f->rk, 0, rkt, &md, timeout_ms);

        rd_kafka_topic_destroy(rkt);
        if (e || md->topic_cnt != 1 || md->topics[0].err) {
                snprintf(errstr, errstr_size, "topic %s at %s: %s", f->topic, brokers,
                         rd_kafka_err2str(e ? e : md->topics[0].err));
                if (!e)
                        rd_kafka_metadata_destroy(md);
                return CP_ERR_KAFKA;
        }
        f->nparts = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
        f->lo = calloc((size_t)f->nparts + 1, sizeof(*f->lo));
        f->hi = calloc((size_t)f->nparts + 1, sizeof(*f->hi));
        if (!f->lo || !f->hi) {
                snprintf(errstr, errstr_size, "out of memory");
                return CP_ERR_NOMEM;
        }
        for (int p = 0; p < f->nparts; p++)
                if (rd_kafka_query_watermark_offsets(f->rk, f->topic, p, &f->lo[p], &f->hi[p],
                                                     timeout_ms)) {
                        snprintf(errstr, errstr_size, "no offsets for %s [%d]", f->topic, p);
                        return CP_ERR_KAFKA;
                }
        return CP_OK;
}

int cp_report_fetch(const char *brokers, const char *topic, int timeout_ms,
                    Credpipe__V1__SharingReport **out, char *where, size_t where_size,
                    char *errstr, size_t errstr_size)
{
        cp_fetch_t f = {.topic = topic, .where = where, .where_size = where_size};
        int rc;

        *out = NULL;
        cp_content_type(&credpipe__v1__sharing_report__descriptor, f.ctype, sizeof(f.ctype));
        f.rk = cp_fetch_consumer(brokers, errstr, errstr_size);
        if (!f.rk)
                return CP_ERR_KAFKA;
        rc = cp_fetch_offsets(&f, brokers, timeout_ms, errstr, errstr_size);
        if (rc == CP_OK)
                rc = cp_fetch_pass(&f, CP_FETCH_TAIL, timeout_ms, errstr, errstr_size);
        if (rc == CP_OK && !f.best)
                rc = cp_fetch_pass(&f, -1, timeout_ms, errstr, errstr_size);
        if (rc == CP_OK && !f.best) {
                snprintf(errstr, errstr_size, "topic %s at %s holds no SharingReport", topic,
                         brokers);
                rc = CP_ERR_PARSE;
        }
        if (rc == CP_OK) {
                *out = f.best;
                f.best = NULL;
        }
        if (f.best)
                protobuf_c_message_free_unpacked(&f.best->base, NULL);
        free(f.lo);
        free(f.hi);
        rd_kafka_consumer_close(f.rk);
        rd_kafka_destroy(f.rk);
        return rc;
}
