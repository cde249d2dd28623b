/* Configuration loading: values, defaults, and errors that name the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/field.h"

static char cp_dir[] = "/tmp/cp_test_config_XXXXXX";

static const char *write_conf(const char *text)
{
        static char path[256];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/credpipe.yaml", cp_dir);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        return path;
}

static const char *const good =
        "# a comment\n"
        "brokers: 127.0.0.1:9092\n"
        "topics:\n"
        "  records: r\n"
        "  partitions: 3\n"
        "batch:\n"
        "  records: 100\n"
        "kafka:\n"
        "  linger.ms: \"20\"\n"
        "sources:\n"
        "  - id: mem\n"
        "    role: sectoral\n"
        "    category: admin_penalty\n"
        "    format: csv\n"
        "    paths: [feeds/a.csv, /abs/b*.csv]\n"
        "    amount_unit: wan_yuan\n"
        "    columns:\n"
        "      行政相对人名称: subject_name\n"
        "      统一社会信用代码: subject_uscc\n"
        "  - id: central\n"
        "    role: central\n"
        "    category: admin_penalty\n"
        "    format: jsonl\n"
        "    paths: c.jsonl\n"
        "    columns: {name: subject_name}\n";

static void test_good(void **state)
{
        char err[512];
        cp_conf_t *c;
        char want[300];

        (void)state;
        c = cp_conf_load(write_conf(good), err, sizeof(err));
        assert_non_null(c);
        assert_string_equal(c->conf_brokers, "127.0.0.1:9092");
        assert_string_equal(c->conf_topic_records, "r");
        assert_string_equal(c->conf_topic_rejects, "credpipe.rejects");
        assert_int_equal(c->conf_partitions, 3);
        assert_int_equal(c->conf_batch_records, 100);
        assert_int_equal(c->conf_nkafka, 1);
        assert_string_equal(c->conf_kafka[0].kv_value, "20");
        assert_int_equal(c->conf_nsources, 2);
        assert_int_equal(c->conf_sources[0].src_role, CP_ROLE_SECTORAL);
        assert_int_equal(c->conf_sources[0].src_amount_unit, CP_UNIT_WAN_YUAN);
        assert_int_equal(c->conf_sources[0].src_npaths, 2);
        snprintf(want, sizeof(want), "%s/feeds/a.csv", cp_dir);
        assert_string_equal(c->conf_sources[0].src_paths[0], want);
        assert_string_equal(c->conf_sources[0].src_paths[1], "/abs/b*.csv");
        assert_string_equal(c->conf_sources[0].src_columns[0].cm_column, "行政相对人名称");
        assert_int_equal(c->conf_sources[0].src_columns[1].cm_field, CP_F_SUBJECT_USCC);
        assert_int_equal(c->conf_sources[1].src_format, CP_FMT_JSONL);
        assert_int_equal(c->conf_sources[1].src_npaths, 1);
        assert_int_equal(cp_conf_source_index(c, "central"), 1);
        cp_conf_destroy(c);
}

/* Each bad configuration must fail naming the line and the key. */
static void test_errors(void **state)
{
        static const struct { const char *text, *want; } cases[] = {
                {"sources:\n  - id: a\n    role: sectoral\n    categroy: blacklist\n",
                 "credpipe.yaml:4: unknown key 'categroy'"},
                {"topics:\n  partitions: zero\nsources: []\n",
                 "credpipe.yaml:2: 'partitions' must be a whole number"},
                {"sources:\n  - id: a\n    role: boss\n", "credpipe.yaml:3: 'role' must be"},
                {"sources:\n  - id: a\n    role: central\n    category: blacklist\n"
                 "    format: csv\n    paths: x\n    columns:\n      名称: subject_nmae\n",
                 "credpipe.yaml:8: column '名称' maps to unknown field 'subject_nmae'"},
                {"brokers: [a, b\n", "YAML syntax error"},
                {"topics: {}\n", "no 'sources' configured"},
                {"sources:\n  - id: a\n    role: central\n", "needs id, role, category"},
        };
        char err[512];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                err[0] = '\0';
                assert_null(cp_conf_load(write_conf(cases[i].text), err, sizeof(err)));
                if (!strstr(err, cases[i].want))
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
        }
        assert_null(cp_conf_load("/nonexistent/credpipe.yaml", err, sizeof(err)));
        assert_non_null(strstr(err, "cannot open"));
}

static void test_duplicate_source(void **state)
{
        char err[512];
        const char *text =
                "sources:\n"
                "  - {id: a, role: central, category: blacklist, format: csv, paths: x, columns: {n: subject_name}}\n"
                "  - {id: a, role: central, category: blacklist, format: csv, paths: x, columns: {n: subject_name}}\n";

        (void)state;
        assert_null(cp_conf_load(write_conf(text), err, sizeof(err)));
        assert_non_null(strstr(err, "used twice"));
}

static int setup(void **state)
{
        (void)state;
        return mkdtemp(cp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char path[300];

        (void)state;
        snprintf(path, sizeof(path), "%s/credpipe.yaml", cp_dir);
        unlink(path);
        rmdir(cp_dir);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_duplicate_source),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
