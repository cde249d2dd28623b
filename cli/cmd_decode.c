/*
 * credpipe decode: prints a credpipe topic as JSON lines, one per record.
 *
 * It reads every partition from the beginning up to the end offsets it saw
 * when it started, so it always ends. Each message's content-type header
 * names its protobuf type; the value is one zstd frame of that message.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <librdkafka/rdkafka.h>

#include "commands.h"
#include "kafka_log.h"
#include "pbjson.h"
#include "proto/credpipe.pb-c.h"
#include "sink/encode.h"

static void cp_decode_usage(FILE *out)
{
        fprintf(out,
                "usage: credpipe decode -b BROKERS -t TOPIC [--max N] [--uncommitted]\n\n"
                "Prints every record of a credpipe topic as one JSON object per line:\n"
                "records of RecordBatch messages, rejects of RejectBatch messages, and\n"
                "SharingReport messages whole. Reads from the beginning to the end\n"
                "offsets at start, with read_committed isolation unless --uncommitted.\n\n"
                "  -b, --brokers LIST   Kafka bootstrap servers\n"
                "  -t, --topic TOPIC    topic to read\n"
                "  -n, --max N          stop after N records\n"
                "      --uncommitted    read_uncommitted isolation\n");
}

/* The message type a value holds, from its content-type header. */
static const ProtobufCMessageDescriptor *cp_decode_type(const rd_kafka_message_t *m)
{
        static const ProtobufCMessageDescriptor *const known[] = {
                &credpipe__v1__record_batch__descriptor,
                &credpipe__v1__reject_batch__descriptor,
                &credpipe__v1__sharing_report__descriptor,
        };
        rd_kafka_headers_t *hdrs;
        const void *val;
        size_t len;
        char want[160];

        if (rd_kafka_message_headers(m, &hdrs) ||
            rd_kafka_header_get_last(hdrs, "content-type", &val, &len))
                return NULL;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                cp_content_type(known[i], want, sizeof(want));
                if (len == strlen(want) && !memcmp(val, want, len))
                        return known[i];
        }
        return NULL;
}

/* Prints one decoded message; returns the number of JSON lines printed. */
static long cp_decode_print(const ProtobufCMessage *msg, long budget)
{
        long n = 0;

        if (msg->descriptor == &credpipe__v1__record_batch__descriptor) {
                const Credpipe__V1__RecordBatch *b = (const void *)msg;
                for (size_t i = 0; i < b->n_records && n < budget; i++, n++) {
                        json_t *j = cp_pb_to_json(&b->records[i]->base);
                        json_dumpf(j, stdout, JSON_COMPACT);
                        putchar('\n');
                        json_decref(j);
                }
        } else if (msg->descriptor == &credpipe__v1__reject_batch__descriptor) {
                const Credpipe__V1__RejectBatch *b = (const void *)msg;
                for (size_t i = 0; i < b->n_rejects && n < budget; i++, n++) {
                        const ProtobufCBinaryData *raw = &b->rejects[i]->raw;
                        json_t *j = cp_pb_to_json(&b->rejects[i]->base);
                        /* `raw` is base64 as the proto3 JSON mapping says;
                         * people want to read it, so add it as text too
                         * when it is UTF-8 (jansson refuses it otherwise). */
                        json_t *txt = json_stringn((const char *)raw->data, raw->len);
                        if (txt)
                                json_object_set_new(j, "raw_text", txt);
                        json_dumpf(j, stdout, JSON_COMPACT);
                        putchar('\n');
                        json_decref(j);
                }
        } else {
                json_t *j = cp_pb_to_json(msg);
                json_dumpf(j, stdout, JSON_COMPACT);
                putchar('\n');
                json_decref(j);
                n = 1;
        }
        return n;
}

int cp_cmd_decode(int argc, char **argv)
{
        static const struct option opts[] = {
                {"brokers", required_argument, NULL, 'b'},
                {"topic", required_argument, NULL, 't'},
                {"max", required_argument, NULL, 'n'},
                {"uncommitted", no_argument, NULL, 'u'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0}};
        const char *brokers = NULL, *topic = NULL;
        long max = -1, printed = 0;
        int c, uncommitted = 0, rc = 0;
        char err[512];
        rd_kafka_conf_t *kc;
        rd_kafka_t *rk;
        const struct rd_kafka_metadata *md;
        rd_kafka_topic_partition_list_t *parts;
        int64_t *high;
        int remaining = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "b:t:n:h", opts, NULL)) != -1) {
                switch (c) {
                case 'b': brokers = optarg; break;
                case 't': topic = optarg; break;
                case 'n': max = strtol(optarg, NULL, 10); break;
                case 'u': uncommitted = 1; break;
                case 'h': cp_decode_usage(stdout); return 0;
                default: cp_decode_usage(stderr); return 2;
                }
        }
        if (!brokers || !topic || optind < argc) {
                cp_decode_usage(stderr);
                return 2;
        }
        if (max < 0)
                max = INT64_MAX > LONG_MAX ? LONG_MAX : (long)INT64_MAX;
        kc = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(kc, cp_kafka_log);
        if (rd_kafka_conf_set(kc, "bootstrap.servers", brokers, err, sizeof(err)) ||
            rd_kafka_conf_set(kc, "enable.auto.commit", "false", err, sizeof(err)) ||
            rd_kafka_conf_set(kc, "group.id", "credpipe-decode", err, sizeof(err)) ||
            rd_kafka_conf_set(kc, "isolation.level",
                              uncommitted ? "read_uncommitted" : "read_committed",
                              err, sizeof(err))) {
                fprintf(stderr, "credpipe decode: %s\n", err);
                rd_kafka_conf_destroy(kc);
                return 2;
        }
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, err, sizeof(err));
        if (!rk) {
                fprintf(stderr, "credpipe decode: %s\n", err);
                rd_kafka_conf_destroy(kc);
                return 1;
        }
        {
                rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
                rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
                rd_kafka_topic_destroy(rkt);
                if (e || md->topic_cnt != 1 || md->topics[0].err) {
                        fprintf(stderr, "credpipe decode: topic %s at %s: %s\n", topic,
                                brokers, rd_kafka_err2str(e ? e : md->topics[0].err));
                        if (!e)
                                rd_kafka_metadata_destroy(md);
                        rd_kafka_destroy(rk);
                        return 1;
                }
        }
        parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
        high = calloc((size_t)md->topics[0].partition_cnt, sizeof(*high));
        for (int p = 0; p < md->topics[0].partition_cnt; p++) {
                int64_t lo, hi;
                if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000)) {
                        fprintf(stderr, "credpipe decode: no offsets for %s [%d]\n", topic, p);
                        rc = 1;
                        continue;
                }
                high[p] = hi;
                if (hi > lo) {
                        rd_kafka_topic_partition_list_add(parts, topic, p)->offset =
                                RD_KAFKA_OFFSET_BEGINNING;
                        remaining++;
                }
        }
        rd_kafka_metadata_destroy(md);
        rd_kafka_assign(rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);

        /* Stop at the end offsets, or after 30 s without progress. */
        time_t last = time(NULL);
        while (remaining > 0 && printed < max && time(NULL) - last < 30) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
                if (!m)
                        continue;
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                fprintf(stderr, "credpipe decode: %s\n",
                                        rd_kafka_message_errstr(m));
                        rd_kafka_message_destroy(m);
                        continue;
                }
                last = time(NULL);
                const ProtobufCMessageDescriptor *d = cp_decode_type(m);
                if (!d) {
                        fprintf(stderr, "credpipe decode: %s [%" PRId32 "] offset %" PRId64
                                ": no credpipe content-type header; skipped\n", topic,
                                m->partition, m->offset);
                        rc = 1;
                } else {
                        ProtobufCMessage *msg = cp_decode_message(d, m->payload, m->len,
                                                                  err, sizeof(err));
                        if (!msg) {
                                fprintf(stderr, "credpipe decode: %s [%" PRId32 "] offset %"
                                        PRId64 ": %s\n", topic, m->partition, m->offset, err);
                                rc = 1;
                        } else {
                                printed += cp_decode_print(msg, max - printed);
                                protobuf_c_message_free_unpacked(msg, NULL);
                        }
                }
                /* With transactions, control records make the last offset
                 * high - 1 or less; >= high - 1 means this partition is done. */
                if (m->offset + 1 >= high[m->partition])
                        remaining--;
                rd_kafka_message_destroy(m);
        }
        if (remaining > 0 && printed < max) {
                fprintf(stderr, "credpipe decode: stopped after 30 s without messages; "
                        "%d partitions not read to the end\n", remaining);
                rc = 1;
        }
        free(high);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        return rc;
}
