/* The Prometheus exposition of /metrics (core/metrics.h): escaping,
 * cumulative histograms, every source labelled, one group per family; the
 * listen address and the metrics/report configuration keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/metrics.h"
#include "core/report.h"
#include "testutil.h"

/* Two admin_penalty sources (one central) and a blacklist whose id needs
 * every escape (ids are validated in configurations; the renderer must
 * not rely on it). */
static cp_source_conf_t srcs[3] = {
        {.src_id = "mem", .src_role = CP_ROLE_SECTORAL, .src_category = 3},
        {.src_id = "cen", .src_role = CP_ROLE_CENTRAL, .src_category = 3},
        {.src_id = "we\"ird\\id\nx", .src_role = CP_ROLE_MUNICIPAL, .src_category = 5},
};
static cp_conf_t conf = {.conf_sources = srcs, .conf_nsources = 3};

static void fill(cp_report_t *rep)
{
        assert_int_equal(cp_report_alloc(rep, 3), CP_OK);
        for (size_t i = 0; i < 3; i++) {
                cp_source_stats_t *st = &rep->rep_src[i];

                st->st_read = 100 + i;
                st->st_produced = 60;
                st->st_duplicates = 30 + i;
                st->st_rejects = 10;
                cp_report_count_reject(st, "uscc_bad_length");
                for (int r = 0; r < 9; r++)
                        cp_report_count_reject(st, "subject_missing");
                st->st_unique_keys = 70;
                st->st_class[CP_KC_ACTIVE] = 50;
                st->st_class[CP_KC_EXPIRED] = 20;
                st->st_shared = 30;
                st->st_shared_fuzzy = 5;
                st->st_unmatched[CP_NM_NONE] = 15;
                for (int k = 0; k < CP_LAG_BUCKETS; k++)
                        st->st_lag_bucket[k] = (uint64_t)k + 1;  /* 1..8, sum 36 */
                st->st_lag_count = 36;
                st->st_lag_sum_days = -3;
                st->st_required[CP_F_SUBJECT_NAME] = 1;
                st->st_required[CP_REQ_SUBJECT_ID] = 1;
                st->st_present[CP_F_SUBJECT_NAME] = 49;
                st->st_present[CP_REQ_SUBJECT_ID] = 48;
                st->st_id_valid = 80;
                st->st_id_flagged = 5;
                st->st_id_invalid = 10;
                st->st_id_present = 95;
        }
        rep->rep_src[1].st_central_unreported = 7;
        for (size_t i = 0; i < 9; i++) {
                rep->rep_overlap[i] = 100 + i;
                rep->rep_subjects_missing[i] = 200 + i;
        }
        rep->rep_central_keys = 77;
        rep->rep_generated_ms = 1700000000123;
        rep->rep_as_of = 20000;
}

static char *render(const cp_report_t *rep, const cp_pipeline_stats_t *ps)
{
        cp_buf_t b;
        char *text;

        cp_buf_init(&b);
        assert_int_equal(cp_metrics_render(&b, &conf, rep, ps, "9.9.9"), CP_OK);
        text = cp_buf_steal(&b, NULL);
        assert_non_null(text);
        return text;
}

/* The value of the line starting with `series ` (a whole series). */
static int value_of(const char *text, const char *series, double *v)
{
        size_t n = strlen(series);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (!strncmp(p, series, n) && p[n] == ' ') {
                        *v = strtod(p + n + 1, NULL);
                        return 1;
                }
        return 0;
}

static void test_escaping(void **state)
{
        cp_report_t rep;
        char *t;

        (void)state;
        fill(&rep);
        t = render(&rep, NULL);
        /* backslash, quote and line feed escaped; no raw line feed inside */
        assert_non_null(strstr(t, "credpipe_records_read_total{source=\"we\\\"ird\\\\id\\nx\","
                                  "category=\"blacklist\",role=\"municipal\"} 102\n"));
        assert_non_null(strstr(t, "credpipe_build_info{version=\"9.9.9\"} 1\n"));
        assert_non_null(strstr(t, "credpipe_report_timestamp_seconds 1700000000.123\n"));
        /* 2024-10-04, 00:00 UTC+8 */
        assert_non_null(strstr(t, "credpipe_report_as_of_timestamp_seconds 1727971200\n"));
        free(t);
        cp_report_free(&rep);
}

static void test_every_source_labelled(void **state)
{
        static const char *const per_source[] = {
                "credpipe_records_read_total", "credpipe_records_produced_total",
                "credpipe_records_duplicate_total", "credpipe_records_rejected_total",
                "credpipe_removals_total", "credpipe_unique_keys", "credpipe_keys",
                "credpipe_shared_keys", "credpipe_unmatched_keys", "credpipe_discrepant_keys",
                "credpipe_fields_compared", "credpipe_fields_differing",
                "credpipe_time_to_central_days_bucket", "credpipe_time_to_central_days_sum",
                "credpipe_time_to_central_days_count", "credpipe_time_to_central_unknown",
                "credpipe_field_present", "credpipe_completeness_keys",
                "credpipe_id_checks_total", "credpipe_subjects"};
        const char *ids[3] = {"mem", "cen", "we\\\"ird\\\\id\\nx"};
        cp_report_t rep;
        char want[256], *t;
        double v;

        (void)state;
        fill(&rep);
        t = render(&rep, NULL);
        for (size_t m = 0; m < sizeof(per_source) / sizeof(per_source[0]); m++)
                for (size_t i = 0; i < 3; i++) {
                        snprintf(want, sizeof(want), "\n%s{source=\"%s\",category=", per_source[m],
                                 ids[i]);
                        if (!strstr(t, want))
                                fail_msg("no %s for source %zu", per_source[m], i);
                }
        /* reasons and fixed label values */
        assert_true(value_of(t, "credpipe_records_rejected_total{source=\"mem\",category="
                             "\"admin_penalty\",role=\"sectoral\",reason=\"subject_missing\"}", &v));
        assert_true(v == 9);
        assert_true(value_of(t, "credpipe_shared_keys{source=\"mem\",category=\"admin_penalty\","
                             "role=\"sectoral\",match=\"fuzzy\"}", &v));
        assert_true(v == 5);
        assert_true(value_of(t, "credpipe_keys{source=\"cen\",category=\"admin_penalty\","
                             "role=\"central\",class=\"expired\"}", &v));
        assert_true(v == 20);
        assert_true(value_of(t, "credpipe_field_present{source=\"mem\",category=\"admin_penalty\","
                             "role=\"sectoral\",field=\"subject_id\"}", &v));
        assert_true(v == 48);
        /* only required fields */
        assert_null(strstr(t, "field_present{source=\"mem\",category=\"admin_penalty\","
                              "role=\"sectoral\",field=\"authority\"}"));
        /* a central-only figure, for the central source only */
        assert_true(value_of(t, "credpipe_central_unreported_keys{source=\"cen\",category="
                             "\"admin_penalty\",role=\"central\"}", &v));
        assert_true(v == 7);
        assert_null(strstr(t, "central_unreported_keys{source=\"mem\""));
        /* pairs: overlap for i != j, subjects missing for one category only */
        assert_true(value_of(t, "credpipe_overlap_keys{source=\"mem\",other=\"cen\"}", &v));
        assert_true(v == 101);
        assert_null(strstr(t, "credpipe_overlap_keys{source=\"mem\",other=\"mem\"}"));
        assert_true(value_of(t, "credpipe_subjects_missing{source=\"cen\",other=\"mem\"}", &v));
        assert_true(v == 203);
        assert_null(strstr(t, "credpipe_subjects_missing{source=\"mem\",other=\"we"));
        assert_true(value_of(t, "credpipe_central_keys", &v) && v == 77);
        free(t);
        cp_report_free(&rep);
}

static void test_histogram_cumulative(void **state)
{
        static const char *const le[CP_LAG_BUCKETS] = {"7", "14", "30", "60", "90", "180",
                                                       "365", "+Inf"};
        cp_pipeline_stats_t ps = {0};
        cp_report_t rep;
        char series[256], *t;
        double v, prev = -1, count;

        (void)state;
        fill(&rep);
        cp_pipeline_count_batch(&ps, 1);      /* le=1 */
        cp_pipeline_count_batch(&ps, 2000);   /* le=2000 */
        cp_pipeline_count_batch(&ps, 2001);   /* le=5000 */
        cp_pipeline_count_batch(&ps, 1000000); /* +Inf */
        t = render(&rep, &ps);
        for (int k = 0; k < CP_LAG_BUCKETS; k++) {
                snprintf(series, sizeof(series), "credpipe_time_to_central_days_bucket{source="
                         "\"mem\",category=\"admin_penalty\",role=\"sectoral\",le=\"%s\"}", le[k]);
                assert_true(value_of(t, series, &v));
                assert_true(v >= prev);
                /* 1 + 2 + ... + (k + 1) */
                assert_true(v == (double)((k + 1) * (k + 2) / 2));
                prev = v;
        }
        assert_true(value_of(t, "credpipe_time_to_central_days_count{source=\"mem\",category="
                             "\"admin_penalty\",role=\"sectoral\"}", &count));
        assert_true(count == prev);
        assert_true(value_of(t, "credpipe_time_to_central_days_sum{source=\"mem\",category="
                             "\"admin_penalty\",role=\"sectoral\"}", &v));
        assert_true(v == -3);
        assert_true(value_of(t, "credpipe_batch_records_bucket{le=\"1\"}", &v) && v == 1);
        assert_true(value_of(t, "credpipe_batch_records_bucket{le=\"1000\"}", &v) && v == 1);
        assert_true(value_of(t, "credpipe_batch_records_bucket{le=\"2000\"}", &v) && v == 2);
        assert_true(value_of(t, "credpipe_batch_records_bucket{le=\"5000\"}", &v) && v == 3);
        assert_true(value_of(t, "credpipe_batch_records_bucket{le=\"+Inf\"}", &v) && v == 4);
        assert_true(value_of(t, "credpipe_batch_records_count", &v) && v == 4);
        assert_true(value_of(t, "credpipe_batch_records_sum", &v) && v == 1004002);
        free(t);
        cp_report_free(&rep);
}

/* Every sample line belongs to the family whose TYPE line came last, and
 * no family is declared twice: the exposition format's grouping rule. */
static void test_families_grouped(void **state)
{
        cp_pipeline_stats_t ps = {0};
        cp_report_t rep;
        char fam[128] = "", seen[8192] = " ";
        char *t, *line, *save;

        (void)state;
        fill(&rep);
        ps.ps_queue[0] = (cp_queue_stat_t){"ingest", 3, 8};
        ps.ps_nqueues = 1;
        t = render(&rep, &ps);
        for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char name[128], key[140];

                if (!strncmp(line, "# HELP ", 7))
                        continue;
                if (sscanf(line, "# TYPE %127s", fam) == 1) {
                        snprintf(key, sizeof(key), " %s ", fam);
                        if (strstr(seen, key))
                                fail_msg("family %s declared twice", fam);
                        strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
                        continue;
                }
                assert_int_equal(sscanf(line, "%127[a-z_]", name), 1);
                if (strncmp(name, fam, strlen(fam)) ||
                    (name[strlen(fam)] && strcmp(name + strlen(fam), "_bucket") &&
                     strcmp(name + strlen(fam), "_sum") && strcmp(name + strlen(fam), "_count")))
                        fail_msg("sample %s under family %s", name, fam);
        }
        free(t);
        cp_report_free(&rep);
}

static void test_pipeline(void **state)
{
        cp_pipeline_stats_t ps = {.ps_kafka_messages = 9, .ps_kafka_delivered = 8,
                                  .ps_kafka_failed = 1, .ps_bytes_protobuf = 1000,
                                  .ps_bytes_wire = 100, .ps_finished = true};
        cp_report_t rep;
        char *t;
        double v;

        (void)state;
        fill(&rep);
        ps.ps_queue[0] = (cp_queue_stat_t){"ingest", 3, 8};
        ps.ps_queue[1] = (cp_queue_stat_t){"sink", 0, 8};
        ps.ps_nqueues = 2;
        t = render(&rep, &ps);
        assert_true(value_of(t, "credpipe_queue_depth{queue=\"ingest\"}", &v) && v == 3);
        assert_true(value_of(t, "credpipe_queue_capacity{queue=\"sink\"}", &v) && v == 8);
        assert_true(value_of(t, "credpipe_kafka_delivery_failures_total", &v) && v == 1);
        assert_true(value_of(t, "credpipe_kafka_bytes_total{kind=\"wire\"}", &v) && v == 100);
        assert_true(value_of(t, "credpipe_run_finished", &v) && v == 1);
        assert_non_null(strstr(t, "# TYPE credpipe_kafka_messages_total counter\n"));
        assert_non_null(strstr(t, "# TYPE credpipe_keys gauge\n"));
        assert_non_null(strstr(t, "# TYPE credpipe_time_to_central_days histogram\n"));
        free(t);
        cp_report_free(&rep);
}

static void test_buf(void **state)
{
        cp_buf_t b;
        char big[5000], *t;
        size_t len;

        (void)state;
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        cp_buf_init(&b);
        t = cp_buf_steal(&b, &len);  /* empty: "" */
        assert_string_equal(t, "");
        assert_int_equal(len, 0);
        free(t);
        for (int i = 0; i < 3; i++)
                cp_buf_printf(&b, "%d:%s;", i, big);
        assert_false(cp_buf_failed(&b));
        assert_int_equal(b.b_len, 3 * (sizeof(big) - 1 + 3));
        t = cp_buf_steal(&b, &len);
        assert_int_equal(strlen(t), len);
        assert_memory_equal(t + len - 3, "xx;", 3);
        free(t);
}

static void test_listen_parse(void **state)
{
        char host[64];
        int port;

        (void)state;
        assert_int_equal(cp_listen_parse("127.0.0.1:9464", host, sizeof(host), &port), CP_OK);
        assert_string_equal(host, "127.0.0.1");
        assert_int_equal(port, 9464);
        assert_int_equal(cp_listen_parse("[::1]:0", host, sizeof(host), &port), CP_OK);
        assert_string_equal(host, "::1");
        assert_int_equal(port, 0);
        assert_int_equal(cp_listen_parse("localhost:65535", host, sizeof(host), &port), CP_OK);
        assert_int_not_equal(cp_listen_parse("127.0.0.1", host, sizeof(host), &port), CP_OK);
        assert_int_not_equal(cp_listen_parse("127.0.0.1:", host, sizeof(host), &port), CP_OK);
        assert_int_not_equal(cp_listen_parse(":9464", host, sizeof(host), &port), CP_OK);
        assert_int_not_equal(cp_listen_parse("127.0.0.1:65536", host, sizeof(host), &port), CP_OK);
        assert_int_not_equal(cp_listen_parse("127.0.0.1:-1", host, sizeof(host), &port), CP_OK);
        assert_int_not_equal(cp_listen_parse("127.0.0.1:9x", host, sizeof(host), &port), CP_OK);
        assert_int_not_equal(cp_listen_parse("::1:9464", host, sizeof(host), &port), CP_OK);
        assert_int_not_equal(cp_listen_parse("[::1]9464", host, sizeof(host), &port), CP_OK);
}

#define SOURCES "sources:\n  - {id: a, role: sectoral, category: blacklist, format: csv, " \
                "paths: [a.csv], columns: {n: subject_name}}\n"

static void test_config_keys(void **state)
{
        char err[512];
        cp_conf_t *c;

        (void)state;
        c = cp_conf_load(t_write_text("d.yaml", SOURCES), err, sizeof(err));
        assert_non_null(c);
        assert_null(c->conf_metrics_listen);  /* off unless configured */
        assert_int_equal(c->conf_report_interval_ms, 60000);
        cp_conf_destroy(c);

        c = cp_conf_load(t_write_text("m.yaml", "metrics:\n  listen: \"127.0.0.1:9464\"\n"
                                      "report:\n  interval: 500ms\n" SOURCES),
                         err, sizeof(err));
        assert_non_null(c);
        assert_string_equal(c->conf_metrics_listen, "127.0.0.1:9464");
        assert_int_equal(c->conf_report_interval_ms, 500);
        cp_conf_destroy(c);

        c = cp_conf_load(t_write_text("i.yaml", "report: {interval: 2m}\n" SOURCES), err,
                         sizeof(err));
        assert_non_null(c);
        assert_int_equal(c->conf_report_interval_ms, 120000);
        cp_conf_destroy(c);

        c = cp_conf_load(t_write_text("s.yaml", "report: {interval: 30}\n" SOURCES), err,
                         sizeof(err));
        assert_non_null(c);
        assert_int_equal(c->conf_report_interval_ms, 30000);
        cp_conf_destroy(c);

        assert_null(cp_conf_load(t_write_text("e1.yaml", "metrics:\n  listen: 9464\n" SOURCES),
                                 err, sizeof(err)));
        assert_non_null(strstr(err, "e1.yaml:2: 'metrics.listen' must be HOST:PORT"));
        assert_null(cp_conf_load(t_write_text("e2.yaml", "metrics:\n  lisen: x:1\n" SOURCES),
                                 err, sizeof(err)));
        assert_non_null(strstr(err, "e2.yaml:2: unknown key 'lisen' in 'metrics'"));
        assert_null(cp_conf_load(t_write_text("e3.yaml", "report:\n  interval: 10 s\n" SOURCES),
                                 err, sizeof(err)));
        assert_non_null(strstr(err, "e3.yaml:2: 'report.interval' must be a duration"));
        assert_null(cp_conf_load(t_write_text("e4.yaml", "report:\n  interval: 50ms\n" SOURCES),
                                 err, sizeof(err)));
        assert_non_null(strstr(err, "e4.yaml:2:"));
        assert_null(cp_conf_load(t_write_text("e5.yaml", "metrics: on\n" SOURCES), err,
                                 sizeof(err)));
        assert_non_null(strstr(err, "e5.yaml:1: 'metrics' must be a mapping"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_every_source_labelled),
                cmocka_unit_test(test_histogram_cumulative),
                cmocka_unit_test(test_families_grouped),
                cmocka_unit_test(test_pipeline),
                cmocka_unit_test(test_buf),
                cmocka_unit_test(test_listen_parse),
                cmocka_unit_test(test_config_keys),
        };
        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
