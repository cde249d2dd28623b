/* The Kafka sink against librdkafka's in-process mock cluster: deliveries
 * are checked, transient errors are retried, permanent ones fail the run
 * instead of vanishing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "core/config.h"
#include "core/err.h"
#include "sink/sink.h"

#define CP_API_PRODUCE 0  /* Kafka ApiKey of Produce requests */

static cp_source_conf_t src = {.src_id = "s", .src_role = CP_ROLE_SECTORAL,
                               .src_category = 3};

typedef struct fixture_s {
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
        cp_conf_t conf;
} fixture_t;

static int setup(void **state)
{
        static fixture_t fx;
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        char err[256];

        rd_kafka_conf_set(kc, "log_level", "0", NULL, 0);
        fx.rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof(err));
        fx.mc = rd_kafka_mock_cluster_new(fx.rk, 1);
        rd_kafka_mock_topic_create(fx.mc, "r", 2, 1);
        rd_kafka_mock_topic_create(fx.mc, "j", 1, 1);
        rd_kafka_mock_topic_create(fx.mc, "s", 1, 1);
        fx.conf = (cp_conf_t){.conf_topic_records = "r", .conf_topic_rejects = "j",
                              .conf_topic_sharing = "s", .conf_partitions = 2,
                              .conf_replication = 1, .conf_zstd_level = 1,
                              .conf_delivery_timeout_ms = 3000,
                              .conf_sources = &src, .conf_nsources = 1};
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

/* A batch of n accepted records and one reject. */
static cp_batch_t *make_batch(int n)
{
        cp_batch_t *bat = cp_batch_new(0, (size_t)n + 1);
        static Credpipe__V1__CreditRecord pb[64];

        assert_true(n <= 64);
        for (int i = 0; i < n; i++) {
                cp_record_t *rec = cp_batch_add(bat);
                credpipe__v1__credit_record__init(&pb[i]);
                pb[i].record_key = "K";
                rec->rec_pb = &pb[i];
                rec->rec_status = CP_REC_ACCEPTED;
                rec->rec_subject_hash = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
        }
        cp_record_t *rj = cp_batch_add(bat);
        rj->rec_raw = "a,b";
        rj->rec_raw_len = 3;
        rj->rec_line = 7;
        cp_record_reject(bat, rj, "csv_field_count", -1, "line 7 has 2 fields");
        return bat;
}

static cp_sink_t *new_sink(fixture_t *fx)
{
        char err[512];
        cp_sink_t *sk = cp_sink_new(&fx->conf, rd_kafka_mock_cluster_bootstraps(fx->mc),
                                    err, sizeof(err));
        if (!sk)
                fail_msg("cp_sink_new: %s", err);
        return sk;
}

static void test_delivered(void **state)
{
        fixture_t *fx = *state;
        cp_sink_t *sk = new_sink(fx);
        cp_batch_t *bat = make_batch(20);
        cp_sink_stats_t st;
        char err[512];

        assert_int_equal(cp_sink_batch(sk, bat), CP_OK);
        cp_batch_destroy(bat);
        assert_int_equal(cp_sink_flush(sk, 10000, err, sizeof(err)), CP_OK);
        cp_sink_get_stats(sk, &st);
        /* Two partitions touched, plus one reject batch. */
        assert_int_equal(st.sk_messages, 3);
        assert_int_equal(st.sk_delivered, 3);
        assert_int_equal(st.sk_failed, 0);
        assert_int_equal(st.sk_records, 20);
        assert_int_equal(st.sk_rejects, 1);
        cp_sink_destroy(sk);
}

static void test_transient_errors_retried(void **state)
{
        fixture_t *fx = *state;
        cp_sink_t *sk = new_sink(fx);
        cp_batch_t *bat = make_batch(5);
        cp_sink_stats_t st;
        char err[512];

        rd_kafka_mock_push_request_errors(fx->mc, CP_API_PRODUCE, 3,
                                          RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                          RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                          RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
        assert_int_equal(cp_sink_batch(sk, bat), CP_OK);
        cp_batch_destroy(bat);
        assert_int_equal(cp_sink_flush(sk, 20000, err, sizeof(err)), CP_OK);
        cp_sink_get_stats(sk, &st);
        assert_int_equal(st.sk_failed, 0);
        assert_int_equal(st.sk_delivered, st.sk_messages);
        cp_sink_destroy(sk);
}

static void test_permanent_error_fails_run(void **state)
{
        fixture_t *fx = *state;
        cp_sink_t *sk = new_sink(fx);
        cp_batch_t *bat = make_batch(5);
        rd_kafka_resp_err_t errs[64];
        cp_sink_stats_t st;
        char err[512];

        for (int i = 0; i < 64; i++)
                errs[i] = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
        rd_kafka_mock_push_request_errors_array(fx->mc, CP_API_PRODUCE, 64, errs);
        assert_int_equal(cp_sink_batch(sk, bat), CP_OK);
        cp_batch_destroy(bat);
        assert_int_equal(cp_sink_flush(sk, 20000, err, sizeof(err)), CP_ERR_DELIVERY);
        assert_non_null(strstr(err, "failed delivery"));
        cp_sink_get_stats(sk, &st);
        assert_true(st.sk_failed > 0);
        assert_int_equal(st.sk_delivered + st.sk_failed, st.sk_messages);
        rd_kafka_mock_clear_request_errors(fx->mc, CP_API_PRODUCE);
        cp_sink_destroy(sk);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_delivered),
                cmocka_unit_test(test_transient_errors_retried),
                cmocka_unit_test(test_permanent_error_fails_run),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
