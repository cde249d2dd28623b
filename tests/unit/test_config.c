/* Configuration loading: values, defaults, and errors that name the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/field.h"
#include "core/presets.h"

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
                {"uscc_categories: nowhere.tsv\nsources: []\n",
                 "credpipe.yaml:1: 'uscc_categories': cannot read"},
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

/* Encodings and sheets, the keys of the readers for Chinese exports. */
static void test_encoding_and_sheets(void **state)
{
        char err[512];
        cp_conf_t *c;
        const char *text =
                "sources:\n"
                "  - {id: a, role: sectoral, category: blacklist, format: csv, encoding: gbk,\n"
                "     paths: x, columns: {n: subject_name}}\n"
                "  - {id: b, role: municipal, category: blacklist, format: xlsx,\n"
                "     sheets: [2021年, 2022年], paths: y.xlsx, columns: {n: subject_name}}\n"
                "  - {id: c, role: central, category: blacklist, format: csv, encoding: auto,\n"
                "     paths: z, columns: {n: subject_name}}\n";

        (void)state;
        c = cp_conf_load(write_conf(text), err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        assert_int_equal(c->conf_sources[0].src_encoding, CP_ENC_GB18030);
        assert_int_equal(c->conf_sources[1].src_format, CP_FMT_XLSX);
        assert_int_equal(c->conf_sources[1].src_nsheets, 2);
        assert_string_equal(c->conf_sources[1].src_sheets[1], "2022年");
        assert_int_equal(c->conf_sources[2].src_encoding, CP_ENC_AUTO);
        cp_conf_destroy(c);
        assert_null(cp_conf_load(write_conf(
                "sources:\n  - {id: a, role: central, category: blacklist, format: csv,\n"
                "     encoding: latin1, paths: x, columns: {n: subject_name}}\n"), err, sizeof(err)));
        /* The value's own line: the flow mapping spans two. */
        assert_non_null(strstr(err, "credpipe.yaml:3:"));
        assert_non_null(strstr(err, "latin1"));
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

/* @returns the field a column is mapped to in source i, or -2 if none. */
static int t_field_of(const cp_conf_t *c, size_t i, const char *column)
{
        const cp_source_conf_t *s = &c->conf_sources[i];

        for (size_t j = 0; j < s->src_ncolumns; j++)
                if (!strcmp(s->src_columns[j].cm_column, column))
                        return s->src_columns[j].cm_field;
        return -2;
}

static size_t t_count_field(const cp_conf_t *c, size_t i, int f)
{
        const cp_source_conf_t *s = &c->conf_sources[i];
        size_t n = 0;

        for (size_t j = 0; j < s->src_ncolumns; j++)
                n += s->src_columns[j].cm_field == f;
        return n;
}

static void test_preset(void **state)
{
        const cp_preset_t *pre = cp_preset_by_name("sgs_penalty");
        char err[512];
        cp_conf_t *c;

        (void)state;
        /* A preset alone: columns may be left out; the unit is implied. */
        c = cp_conf_load(write_conf(
                "sources:\n"
                "  - id: a\n"
                "    role: sectoral\n"
                "    category: admin_penalty\n"
                "    format: csv\n"
                "    paths: x.csv\n"
                "    preset: sgs_penalty\n"
                "  - id: b\n"
                "    columns:\n"
                "      当事人名称: subject_name\n"
                "      cf_wsh: case_number\n"
                "      CF_XDR_LB: unmapped\n"
                "    preset: sgs_penalty\n"
                "    amount_unit: yuan\n"
                "    role: sectoral\n"
                "    category: admin_penalty\n"
                "    format: jsonl\n"
                "    paths: x.jsonl\n"), err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        assert_ptr_equal(c->conf_sources[0].src_preset, pre);
        assert_int_equal(c->conf_sources[0].src_ncolumns, pre->pre_ncolumns);
        assert_int_equal(c->conf_sources[0].src_amount_unit, CP_UNIT_WAN_YUAN);
        /* Several names for one field, through the preset only. */
        assert_int_equal(t_field_of(c, 0, "CF_XDR_MC"), CP_F_SUBJECT_NAME);
        assert_int_equal(t_field_of(c, 0, "行政相对人名称"), CP_F_SUBJECT_NAME);
        assert_int_equal(t_count_field(c, 0, CP_F_FINE_AMOUNT), 3);

        /* b: the explicit lines first; a field mapped explicitly loses
         * the preset's names for it; a column named explicitly (in any
         * case) takes the explicit field; unmapped drops a column. */
        assert_int_equal(c->conf_sources[1].src_amount_unit, CP_UNIT_YUAN);
        assert_string_equal(c->conf_sources[1].src_columns[0].cm_column, "当事人名称");
        assert_string_equal(c->conf_sources[1].src_columns[1].cm_column, "cf_wsh");
        assert_int_equal(t_count_field(c, 1, CP_F_SUBJECT_NAME), 1);
        assert_int_equal(t_field_of(c, 1, "CF_XDR_MC"), -2);
        assert_int_equal(t_field_of(c, 1, "cf_wsh"), CP_F_CASE_NUMBER);
        assert_int_equal(t_field_of(c, 1, "CF_WSH"), -2);
        /* document_number keeps the preset's other name. */
        assert_int_equal(t_field_of(c, 1, "行政处罚决定书文号"), CP_F_DOCUMENT_NUMBER);
        assert_int_equal(t_field_of(c, 1, "CF_XDR_LB"), -2);
        assert_int_equal(t_field_of(c, 1, "行政相对人类别"), CP_F_SUBJECT_KIND);
        for (size_t j = 0; j < c->conf_sources[1].src_ncolumns; j++)
                assert_true(c->conf_sources[1].src_columns[j].cm_field >= 0);
        cp_conf_destroy(c);
}

/* Which sources' records can carry a status (and so withdraw a key by a
 * later record): a column mapped to it, or CreditRecord messages. */
static void test_status_field(void **state)
{
        char err[512];
        cp_conf_t *c;

        (void)state;
        c = cp_conf_load(write_conf(
                "sources:\n"
                "  - {id: a, role: municipal, category: blacklist, format: csv, paths: a.csv,\n"
                "     columns: {名称: subject_name, 状态: status}}\n"
                "  - {id: b, role: sectoral, category: admin_penalty, format: csv, paths: b.csv,\n"
                "     preset: sgs_penalty}\n"
                "  - {id: c, role: sectoral, category: admin_penalty, format: kafka,\n"
                "     kafka: {topics: c.raw, value_format: protobuf}}\n"
                "  - {id: d, role: sectoral, category: admin_penalty, format: kafka,\n"
                "     columns: {name: subject_name},\n"
                "     kafka: {topics: d.raw, value_format: json}}\n"), err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        assert_true(cp_conf_source_has_field(&c->conf_sources[0], CP_F_STATUS));
        assert_false(cp_conf_source_has_field(&c->conf_sources[1], CP_F_STATUS));
        assert_true(cp_conf_source_has_field(&c->conf_sources[1], CP_F_DOCUMENT_NUMBER));
        assert_true(cp_conf_source_has_field(&c->conf_sources[2], CP_F_STATUS));
        assert_false(cp_conf_source_has_field(&c->conf_sources[3], CP_F_STATUS));
        cp_conf_destroy(c);
}

static void test_preset_errors(void **state)
{
        static const char *const head =
                "sources:\n  - id: a\n    role: sectoral\n    category: %s\n"
                "    format: csv\n    paths: x\n%s";
        static const struct { const char *cat, *rest, *want; } cases[] = {
                {"admin_penalty", "    preset: sgs_penalti\n",
                 "credpipe.yaml:7: unknown preset 'sgs_penalti' (presets: sgs_penalty, "},
                {"blacklist", "    preset: sgs_penalty\n",
                 "credpipe.yaml:7: source a: preset 'sgs_penalty' is made for category "
                 "admin_penalty, and the source's category is blacklist"},
                {"admin_penalty", "    columns:\n      CF_XDR_LB: unmapped\n",
                 "credpipe.yaml:8: column 'CF_XDR_LB': 'unmapped' removes a column of the "
                 "source's preset, and this source has no 'preset'"},
                {"admin_penalty", "    preset: sgs_penalty\n    columns:\n      备注: unmapped\n",
                 "credpipe.yaml:9: column '备注' is not a column of preset 'sgs_penalty'"},
                /* Explicit lines still map a field once, preset or not. */
                {"admin_penalty", "    preset: sgs_penalty\n    columns:\n"
                 "      名称: subject_name\n      企业: subject_name\n",
                 "credpipe.yaml:10: field 'subject_name' is mapped twice ('名称' and '企业')"},
                {"admin_penalty", "    preset: [sgs_penalty]\n",
                 "credpipe.yaml:7: 'preset' must be a single value"},
                {"admin_penalty", "", "needs id, role, category, format, paths and columns "
                 "(or a preset)"},
        };
        char text[512], err[512];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(text, sizeof(text), head, cases[i].cat, cases[i].rest);
                err[0] = '\0';
                assert_null(cp_conf_load(write_conf(text), err, sizeof(err)));
                if (!strstr(err, cases[i].want))
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
        }
}

/* Writes a key file in the test directory with that mode. */
static void t_key(const char *name, const char *text, mode_t mode)
{
        char path[300];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", cp_dir, name);
        unlink(path);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
}

static const char *const src_line =
        "sources: [{id: a, role: central, category: blacklist, format: csv, paths: x, "
        "columns: {n: subject_name}}]\n";

static void test_pseudonymize(void **state)
{
        char text[512], err[512], want[512];
        cp_conf_t *c;

        (void)state;
        /* Off by default. */
        c = cp_conf_load(write_conf(src_line), err, sizeof(err));
        assert_non_null(c);
        assert_null(c->conf_pseudonym_key);
        cp_conf_destroy(c);

        /* Relative to the configuration's directory; line ends are not
         * part of the key. */
        t_key("k.key", "0123456789abcdef0123456789abcdef\r\n", 0600);
        snprintf(text, sizeof(text), "pseudonymize:\n  key_file: k.key\n%s", src_line);
        c = cp_conf_load(write_conf(text), err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        assert_int_equal(c->conf_pseudonym_key_len, 32);
        assert_memory_equal(c->conf_pseudonym_key, "0123456789abcdef0123456789abcdef", 32);
        snprintf(want, sizeof(want), "%s/k.key", cp_dir);
        assert_string_equal(c->conf_pseudonym_key_file, want);
        cp_conf_destroy(c);

        /* Group-readable is allowed; world-readable or -writable is not. */
        t_key("g.key", "0123456789abcdef0123456789abcdef", 0640);
        snprintf(text, sizeof(text), "pseudonymize: {key_file: g.key}\n%s", src_line);
        c = cp_conf_load(write_conf(text), err, sizeof(err));
        assert_non_null(c);
        cp_conf_destroy(c);

        static const struct { const char *file, *body; mode_t mode; const char *want; } bad[] = {
                {"w.key", "0123456789abcdef0123456789abcdef", 0644,
                 "/w.key is readable by every user (mode 0644); make it private: chmod 600"},
                {"ww.key", "0123456789abcdef0123456789abcdef", 0602,
                 "/ww.key is writable by every user (mode 0602)"},
                {"e.key", "\n", 0600, "/e.key is empty; the key must have at least 16 bytes"},
                {"s.key", "short\n", 0600, "/s.key is too short"},
                {"missing.key", NULL, 0, "/missing.key: cannot open it: No such file"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (bad[i].body)
                        t_key(bad[i].file, bad[i].body, bad[i].mode);
                snprintf(text, sizeof(text), "# key\npseudonymize:\n  key_file: %s\n%s",
                         bad[i].file, src_line);
                err[0] = '\0';
                assert_null(cp_conf_load(write_conf(text), err, sizeof(err)));
                /* The configuration's line, the key file's full path. */
                snprintf(want, sizeof(want), "credpipe.yaml:3: pseudonymize.key_file %s%s",
                         cp_dir, bad[i].want);
                if (!strstr(err, want))
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, want);
        }

        static const struct { const char *text, *want; } shape[] = {
                {"pseudonymize: {}\n", "credpipe.yaml:1: 'pseudonymize' needs 'key_file'"},
                {"pseudonymize: on\n", "credpipe.yaml:1: 'pseudonymize' must be a mapping"},
                {"pseudonymize: {key: k.key}\n", "unknown key 'key' in 'pseudonymize'"},
        };
        for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
                snprintf(text, sizeof(text), "%s%s", shape[i].text, src_line);
                assert_null(cp_conf_load(write_conf(text), err, sizeof(err)));
                if (!strstr(err, shape[i].want))
                        fail_msg("shape %zu: got \"%s\", want \"%s\"", i, err, shape[i].want);
        }
}

static int setup(void **state)
{
        (void)state;
        return mkdtemp(cp_dir) ? 0 : -1;
}

static int t_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

static int teardown(void **state)
{
        (void)state;
        return nftw(cp_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_duplicate_source),
                cmocka_unit_test(test_encoding_and_sheets),
                cmocka_unit_test(test_preset),
                cmocka_unit_test(test_preset_errors),
                cmocka_unit_test(test_status_field),
                cmocka_unit_test(test_pseudonymize),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
