/*
 * Pseudonyms and masking: HMAC-SHA256 against RFC 4231, the pseudonym
 * format, finding and masking resident IDs in free text (core/pii.h), and
 * the rejects the sink produces, read back from librdkafka's in-process
 * mock cluster: messages always masked, raw bytes masked only when
 * pseudonymisation is on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "core/config.h"
#include "core/err.h"
#include "core/pii.h"
#include "sink/encode.h"
#include "sink/sink.h"
#include "transform/pseudonym.h"

static void t_hex(const unsigned char *b, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++)
                sprintf(out + 2 * i, "%02x", b[i]);
}

/* RFC 4231 §4.3 (test case 2), §4.2 (1) and §4.7 (6: a key longer than
 * the block, hashed first). */
static void test_hmac_rfc4231(void **state)
{
        static unsigned char k1[20], k6[131];
        static const struct {
                const unsigned char *key;
                size_t klen;
                const char *data, *want;
        } tc[] = {
                {(const unsigned char *)"Jefe", 4, "what do ya want for nothing?",
                 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
                {k1, sizeof(k1), "Hi There",
                 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
                {k6, sizeof(k6), "Test Using Larger Than Block-Size Key - Hash Key First",
                 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        };
        unsigned char mac[CP_HMAC_SHA256_LEN];
        char hex[2 * CP_HMAC_SHA256_LEN + 1], err[256];

        (void)state;
        memset(k1, 0x0b, sizeof(k1));
        memset(k6, 0xaa, sizeof(k6));
        for (size_t i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
                cp_pseudonym_t *ps = cp_pseudonym_new(tc[i].key, tc[i].klen, err, sizeof(err));

                assert_non_null(ps);
                /* Twice: the context is re-keyed for every call. */
                for (int round = 0; round < 2; round++) {
                        assert_int_equal(cp_pseudonym_hmac(ps, tc[i].data, strlen(tc[i].data),
                                                           mac), 0);
                        t_hex(mac, sizeof(mac), hex);
                        assert_string_equal(hex, tc[i].want);
                }
                cp_pseudonym_destroy(ps);
        }
        assert_null(cp_pseudonym_new("", 0, err, sizeof(err)));
        assert_non_null(strstr(err, "empty"));
        cp_pseudonym_destroy(NULL);
}

static void test_pseudonym_format(void **state)
{
        static const char key[] = "0123456789abcdef0123456789abcdef";
        char err[256], pn[CP_PSEUDONYM_LEN + 1], again[CP_PSEUDONYM_LEN + 1];
        unsigned char mac[CP_HMAC_SHA256_LEN];
        char hex[2 * CP_HMAC_SHA256_LEN + 1];
        cp_pseudonym_t *ps = cp_pseudonym_new(key, sizeof(key) - 1, err, sizeof(err));

        (void)state;
        assert_non_null(ps);
        assert_int_equal(cp_pseudonym_ric(ps, "11010519491231002X", pn), 0);
        /* Python: hmac.new(key, id, sha256).hexdigest()[:32] */
        assert_string_equal(pn, "hmac-sha256:7b2b7323b75750d6b3bf13c96f9841b6");
        assert_int_equal(strlen(pn), CP_PSEUDONYM_LEN);
        assert_int_equal(cp_pseudonym_hmac(ps, "11010519491231002X", 18, mac), 0);
        t_hex(mac, 16, hex);
        assert_string_equal(pn + strlen(CP_PSEUDONYM_PREFIX), hex);
        assert_int_equal(cp_pseudonym_ric(ps, "11010519491231002X", again), 0);
        assert_string_equal(pn, again);
        assert_int_equal(cp_pseudonym_ric(ps, "110105194912310011", again), 0);
        assert_string_not_equal(pn, again);
        cp_pseudonym_destroy(ps);
}

/* ---- core/pii.h ------------------------------------------------------- */

static const char *t_mask(const char *in, size_t *count)
{
        static char out[1024];
        size_t len;

        *count = cp_pii_mask_rics(in, strlen(in), out, &len, NULL, NULL);
        assert_int_equal(len, strlen(out));
        assert_true(len <= strlen(in));
        return out;
}

static void test_pii_mask(void **state)
{
        static const struct { const char *in, *out; size_t n; } tc[] = {
                {"身份证110101199003071234号", "身份证110101********1234号", 1},
                /* The check digit need not be right; X and x both end one. */
                {"11010519491231002X", "110105********002X", 1},
                {"a11010519491231002x,", "a110105********002x,", 1},
                {"１１０１０５１９４９１２３１００１１", "１１０１０５********００１１", 1},
                {"１１０１０５１９４９１２３１００２Ｘ", "１１０１０５********００２Ｘ", 1},
                {"110105194912310011 与 440304198510123458",
                 "110105********0011 与 440304********3458", 2},
                /* Mixed widths count characters. */
                {"11010519491231001１", "110105********001１", 1},
                /* Not a RIC: longer or shorter digit runs, an X inside a
                 * run, no province, no plausible year or month, letters. */
                {"1101051949123100111", NULL, 0},
                {"11010519491231001", NULL, 0},
                {"11010519491231002X5", NULL, 0},
                {"991010199003071234", NULL, 0},
                {"110101170003071234", NULL, 0},
                {"110101199023071234", NULL, 0},
                {"91350100M000100Y43", NULL, 0},
                {"914403001922038216", NULL, 0},   /* a digit-only USCC */
                {"110105491231001", NULL, 0},      /* legacy 15 digits: not found */
                {"", NULL, 0},
        };
        size_t n;

        (void)state;
        for (size_t i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
                const char *got = t_mask(tc[i].in, &n);

                if (n != tc[i].n || strcmp(got, tc[i].out ? tc[i].out : tc[i].in))
                        fail_msg("case %zu: \"%s\" -> \"%s\" (%zu masked)", i, tc[i].in, got, n);
        }
}

static bool t_keep_one(const char *canon, void *opaque)
{
        return !strcmp(canon, opaque);
}

static void test_pii_find_keep_inplace(void **state)
{
        char buf[] = "x110105194912310011y\0z440304198510123458";
        size_t len = sizeof(buf) - 1, start, rlen, out_len;
        char canon[CP_PII_RIC_LEN + 1];

        (void)state;
        assert_true(cp_pii_find_ric(buf, len, 0, &start, &rlen, canon));
        assert_int_equal(start, 1);
        assert_int_equal(rlen, 18);
        assert_string_equal(canon, "110105194912310011");
        /* Past a NUL byte, and from an offset. */
        assert_true(cp_pii_find_ric(buf, len, start + rlen, &start, &rlen, canon));
        assert_int_equal(start, 22);
        assert_false(cp_pii_find_ric(buf, len, start + rlen, &start, &rlen, NULL));
        /* The keep callback sees the canonical form; in place works. */
        assert_int_equal(cp_pii_mask_rics(buf, len, buf, &out_len, t_keep_one,
                                          "440304198510123458"), 1);
        assert_int_equal(out_len, len);
        assert_memory_equal(buf, "x110105********0011y\0z440304198510123458", len);
        canon[0] = '\0';
        assert_true(cp_pii_find_ric("１１０１０５１９４９１２３１００２ｘ", 54, 0, &start,
                                    &rlen, canon));
        assert_int_equal(rlen, 54);
        assert_string_equal(canon, "11010519491231002X");
}

/* ---- rejects through the sink ----------------------------------------- */

static cp_source_conf_t src = {.src_id = "s", .src_role = CP_ROLE_SECTORAL,
                               .src_category = 3};

typedef struct fixture_s {
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
} fixture_t;

static int setup(void **state)
{
        static fixture_t fx;
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        char err[256];

        rd_kafka_conf_set(kc, "log_level", "0", NULL, 0);
        fx.rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof(err));
        fx.mc = rd_kafka_mock_cluster_new(fx.rk, 1);
        rd_kafka_mock_topic_create(fx.mc, "r", 1, 1);
        rd_kafka_mock_topic_create(fx.mc, "j_off", 1, 1);
        rd_kafka_mock_topic_create(fx.mc, "j_on", 1, 1);
        rd_kafka_mock_topic_create(fx.mc, "s", 1, 1);
        *state = &fx;
        return 0;
}

static int teardown(void **state)
{
        fixture_t *fx = *state;

        rd_kafka_mock_cluster_destroy(fx->mc);
        rd_kafka_destroy(fx->rk);
        return 0;
}

/* Produces one batch of rejects, reads the topic back, @returns the
 * decoded RejectBatch and its decompressed payload. */
static Credpipe__V1__RejectBatch *t_roundtrip(fixture_t *fx, cp_conf_t *conf,
                                              const cp_batch_t *bat, char **payload,
                                              size_t *payload_len)
{
        const char *bs = rd_kafka_mock_cluster_bootstraps(fx->mc);
        char err[512];
        cp_sink_t *sk = cp_sink_new(conf, bs, err, sizeof(err));
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        rd_kafka_topic_partition_list_t *tp;
        rd_kafka_message_t *m = NULL;
        rd_kafka_t *c;
        ProtobufCMessage *msg;

        if (!sk)
                fail_msg("cp_sink_new: %s", err);
        assert_int_equal(cp_sink_batch(sk, bat), CP_OK);
        assert_int_equal(cp_sink_flush(sk, 10000, err, sizeof(err)), CP_OK);
        cp_sink_destroy(sk);

        rd_kafka_conf_set(kc, "bootstrap.servers", bs, NULL, 0);
        rd_kafka_conf_set(kc, "group.id", "t", NULL, 0);
        rd_kafka_conf_set(kc, "log_level", "0", NULL, 0);
        c = rd_kafka_new(RD_KAFKA_CONSUMER, kc, err, sizeof(err));
        assert_non_null(c);
        tp = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(tp, conf->conf_topic_rejects, 0)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
        assert_int_equal(rd_kafka_assign(c, tp), 0);
        rd_kafka_topic_partition_list_destroy(tp);
        for (int i = 0; i < 100 && !m; i++) {
                m = rd_kafka_consumer_poll(c, 100);
                if (m && m->err) {
                        rd_kafka_message_destroy(m);
                        m = NULL;
                }
        }
        assert_non_null(m);
        msg = cp_decode_message(&credpipe__v1__reject_batch__descriptor, m->payload, m->len,
                                err, sizeof(err));
        if (!msg)
                fail_msg("decode: %s", err);
        *payload_len = protobuf_c_message_get_packed_size(msg);
        *payload = malloc(*payload_len);
        protobuf_c_message_pack(msg, (uint8_t *)*payload);
        rd_kafka_message_destroy(m);
        rd_kafka_consumer_close(c);
        rd_kafka_destroy(c);
        return (Credpipe__V1__RejectBatch *)msg;
}

/* Two rejects whose raw bytes, message and file name hold person IDs. */
static cp_batch_t *t_rejects(void)
{
        static const char raw[] = "张三,110105194912310011,\"x\"y\"";
        static const char fw[] = "{\"cardNum\":\"１１０１０５１９４９１２３１００２Ｘ\"";
        cp_batch_t *bat = cp_batch_new(0, 4);
        cp_record_t *r = cp_batch_add(bat);

        r->rec_raw = raw;
        r->rec_raw_len = sizeof(raw) - 1;
        r->rec_file = "/feeds/110105194912310011.csv";
        r->rec_line = 2;
        cp_record_reject(bat, r, "csv_quote_in_quoted_field", -1, "line 2: near '%s'",
                         "110105194912310011");
        r = cp_batch_add(bat);
        r->rec_raw = fw;
        r->rec_raw_len = sizeof(fw) - 1;
        r->rec_file = "/feeds/spc.jsonl";
        r->rec_line = 9;
        cp_record_reject(bat, r, "jsonl_parse_error", -1, "near '%s'", fw);
        /* An accepted neighbour is not a reject. */
        r = cp_batch_add(bat);
        r->rec_status = CP_REC_DUPLICATE;
        return bat;
}

static void test_sink_rejects_masked(void **state)
{
        fixture_t *fx = *state;
        static unsigned char key[] = "0123456789abcdef0123456789abcdef";
        cp_conf_t conf = {.conf_topic_records = "r", .conf_topic_rejects = "j_off",
                          .conf_topic_sharing = "s", .conf_partitions = 1,
                          .conf_replication = 1, .conf_zstd_level = 1,
                          .conf_delivery_timeout_ms = 5000,
                          .conf_sources = &src, .conf_nsources = 1};
        cp_batch_t *bat = t_rejects();
        Credpipe__V1__RejectBatch *rb;
        char *payload;
        size_t plen, start, rlen;

        (void)state;
        /* Off: the raw bytes are the record as read; messages are masked. */
        rb = t_roundtrip(fx, &conf, bat, &payload, &plen);
        assert_int_equal(rb->n_rejects, 2);
        assert_string_equal(rb->rejects[0]->message, "line 2: near '110105********0011'");
        assert_int_equal(rb->rejects[0]->raw.len, bat->bat_rec[0].rec_raw_len);
        assert_memory_equal(rb->rejects[0]->raw.data, bat->bat_rec[0].rec_raw,
                            bat->bat_rec[0].rec_raw_len);
        assert_string_equal(rb->rejects[0]->position->file, "/feeds/110105194912310011.csv");
        assert_null(strstr(rb->rejects[1]->message, "１９４９１２３１"));
        protobuf_c_message_free_unpacked(&rb->base, NULL);
        free(payload);

        /* On: no full resident ID anywhere in the payload. */
        conf.conf_topic_rejects = "j_on";
        conf.conf_pseudonym_key = key;
        conf.conf_pseudonym_key_len = sizeof(key) - 1;
        rb = t_roundtrip(fx, &conf, bat, &payload, &plen);
        assert_int_equal(rb->n_rejects, 2);
        assert_int_equal(rb->rejects[0]->raw.len, strlen("张三,110105********0011,\"x\"y\""));
        assert_memory_equal(rb->rejects[0]->raw.data, "张三,110105********0011,\"x\"y\"",
                            rb->rejects[0]->raw.len);
        assert_string_equal(rb->rejects[0]->position->file, "/feeds/110105********0011.csv");
        assert_int_equal(rb->rejects[0]->position->line, 2);
        assert_string_equal(rb->rejects[0]->reason, "csv_quote_in_quoted_field");
        assert_memory_equal(rb->rejects[1]->raw.data,
                            "{\"cardNum\":\"１１０１０５********００２Ｘ\"",
                            rb->rejects[1]->raw.len);
        if (cp_pii_find_ric(payload, plen, 0, &start, &rlen, NULL))
                fail_msg("a resident ID at byte %zu of the reject batch", start);
        protobuf_c_message_free_unpacked(&rb->base, NULL);
        free(payload);
        cp_batch_destroy(bat);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hmac_rfc4231),
                cmocka_unit_test(test_pseudonym_format),
                cmocka_unit_test(test_pii_mask),
                cmocka_unit_test(test_pii_find_keep_inplace),
                cmocka_unit_test_setup_teardown(test_sink_rejects_masked, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
