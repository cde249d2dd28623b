/*
 * Kafka sources without a broker: the `kafka` mapping of the configuration
 * and its errors, messages mapped to records (CSV through csv_header, JSON
 * objects, protobuf CreditRecords), rejects with their positions, batches
 * cut at partition ends, and the order of partition names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/field.h"
#include "ingest/kafka_source.h"
#include "testutil.h"

static const char *t_conf(const char *text)
{
        return t_write_text("credpipe.yaml", text);
}

#define T_SRC(fmt_lines) \
        "sources:\n" \
        "  - id: feed\n" \
        "    role: sectoral\n" \
        "    category: admin_penalty\n" \
        "    format: kafka\n" fmt_lines

#define T_COLUMNS "    columns: {name: subject_name, uscc: subject_uscc, " \
                  "doc: document_number, day: decision_date}\n"

static void test_config(void **state)
{
        char err[512];
        const cp_kafka_src_conf_t *ks;
        cp_conf_t *c;

        (void)state;
        c = cp_conf_load(t_conf(T_SRC(T_COLUMNS
                "    kafka:\n"
                "      topics: [b.raw, a.raw]\n"
                "      value_format: csv\n"
                "      csv_header: \"name,uscc,doc,day,note\"\n"
                "  - id: pb\n"
                "    role: central\n"
                "    category: admin_penalty\n"
                "    format: kafka\n"
                "    kafka: {topics: records.raw, value_format: protobuf, group: g1,\n"
                "            brokers: \"10.0.0.1:9092\"}\n"
                "state: {dir: st, instance: east}\n")),
                err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        assert_int_equal(c->conf_sources[0].src_format, CP_FMT_KAFKA);
        ks = c->conf_sources[0].src_kafka;
        assert_non_null(ks);
        assert_int_equal(ks->ks_ntopics, 2);
        assert_string_equal(ks->ks_topics[0], "b.raw");
        assert_int_equal(ks->ks_value, CP_KVAL_CSV);
        assert_string_equal(ks->ks_csv_header, "name,uscc,doc,day,note");
        assert_null(ks->ks_brokers);
        /* The default group: one per instance and source. */
        assert_string_equal(ks->ks_group, "credpipe-east-feed");
        ks = c->conf_sources[1].src_kafka;
        assert_int_equal(ks->ks_value, CP_KVAL_PROTOBUF);
        assert_int_equal(ks->ks_ntopics, 1);
        assert_string_equal(ks->ks_group, "g1");
        assert_string_equal(ks->ks_brokers, "10.0.0.1:9092");
        /* Protobuf values need no columns. */
        assert_int_equal(c->conf_sources[1].src_ncolumns, 0);
        cp_conf_destroy(c);

        /* Without state.dir there is no instance. */
        c = cp_conf_load(t_conf(T_SRC(T_COLUMNS
                "    kafka: {topics: t, value_format: json}\n")), err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        assert_string_equal(c->conf_sources[0].src_kafka->ks_group, "credpipe-feed");
        cp_conf_destroy(c);
}

static void test_config_errors(void **state)
{
        static const struct { const char *text, *want; } cases[] = {
                { T_SRC(T_COLUMNS), "it needs 'kafka' (topics, value_format)" },
                { T_SRC(T_COLUMNS "    kafka: {value_format: json}\n"),
                  "it needs 'kafka' (topics, value_format)" },
                { T_SRC(T_COLUMNS "    kafka: {topics: t}\n"),
                  "it needs 'kafka' (topics, value_format)" },
                { T_SRC(T_COLUMNS "    paths: [a.csv]\n"
                        "    kafka: {topics: t, value_format: json}\n"),
                  "and no 'paths'" },
                { T_SRC(T_COLUMNS "    kafka: {topics: t, value_format: csv}\n"),
                  "value_format csv needs 'csv_header'" },
                { T_SRC(T_COLUMNS "    kafka: {topics: t, value_format: json, "
                        "csv_header: \"a,b\"}\n"),
                  "'csv_header' is for value_format csv" },
                { T_SRC(T_COLUMNS "    kafka: {topics: t, value_format: avro}\n"),
                  "'value_format' must be csv, json or protobuf, not 'avro'" },
                { T_SRC(T_COLUMNS "    kafka: {topics: \"a/b\", value_format: json}\n"),
                  "'a/b' is not a Kafka topic name" },
                { T_SRC(T_COLUMNS "    kafka: {topics: [t, t], value_format: json}\n"),
                  "topic t is listed twice" },
                { T_SRC(T_COLUMNS "    kafka: {topics: t, value_format: json, group: \"\"}\n"),
                  "'group' must not be empty" },
                { T_SRC(T_COLUMNS "    kafka: {topics: t, value_format: json, offset: 3}\n"),
                  "unknown key 'offset' in 'kafka'" },
                { T_SRC(T_COLUMNS "    encoding: gbk\n"
                        "    kafka: {topics: t, value_format: json}\n"),
                  "'encoding' does not apply to format kafka" },
                { T_SRC("    kafka: {topics: t, value_format: json}\n"),
                  "columns (or a preset)" },
                { "sources:\n  - id: f\n    role: sectoral\n    category: admin_penalty\n"
                  "    format: csv\n    paths: [a.csv]\n" T_COLUMNS
                  "    kafka: {topics: t, value_format: json}\n",
                  "'kafka' is for format kafka" },
        };
        char err[512];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                err[0] = '\0';
                assert_null(cp_conf_load(t_conf(cases[i].text), err, sizeof(err)));
                if (!strstr(err, cases[i].want))
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
        }
}

static cp_conf_t *t_load(const char *kafka)
{
        static char text[2048];
        char err[512];
        cp_conf_t *c;

        snprintf(text, sizeof(text), T_SRC(T_COLUMNS "    kafka: %s\n"), kafka);
        c = cp_conf_load(t_conf(text), err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        return c;
}

static void t_add(cp_kafka_reader_t *r, const char *msg, int64_t offset)
{
        assert_int_equal(cp_kafka_reader_add(r, msg, msg ? strlen(msg) : 0, offset), 0);
}

static void test_csv(void **state)
{
        cp_conf_t *c = t_load("{topics: t, value_format: csv, "
                              "csv_header: \"name, uscc ,doc,day,note\"}");
        t_sink_t sink = {0};
        char err[256];
        cp_kafka_reader_t *r;
        const cp_record_t *rec;

        (void)state;
        r = cp_kafka_reader_new(&c->conf_sources[0], 0, 3, t_emit, &sink, err, sizeof(err));
        assert_non_null(r);
        assert_int_equal(cp_kafka_reader_partition(r, "t/0"), 0);
        t_add(r, "某某公司,91330100MA2XXXXX0X,杭市监罚〔2024〕1号,2024-03-01,备注一\n", 7);
        t_add(r, "\"甲, 乙\",,doc2,,", 8);
        t_add(r, "only,three,cells", 9);          /* one cell short of the header */
        t_add(r, "a,b,c,d,e\nf,g,h,i,j", 10);    /* two records in one message */
        assert_int_equal(cp_kafka_reader_partition(r, "t/1"), 0);
        t_add(r, "", 0);                         /* empty */
        t_add(r, "x,y,\"unterminated,d,e", 1);
        t_add(r, "\xff\xfe,b,c,d,e", 2);
        assert_int_equal(cp_kafka_reader_flush(r), 0);
        cp_kafka_reader_free(r);

        /* A batch holds one partition: 3 + 1 records, then 3. */
        assert_int_equal(sink.n, 3);
        assert_int_equal(sink.bat[0]->bat_n, 3);
        assert_int_equal(sink.bat[1]->bat_n, 1);
        assert_int_equal(sink.bat[2]->bat_n, 3);

        rec = t_rec(&sink, 0);
        assert_int_equal(rec->rec_status, CP_REC_NEW);
        assert_string_equal(rec->rec_field[CP_F_SUBJECT_NAME], "某某公司");
        assert_string_equal(rec->rec_field[CP_F_SUBJECT_USCC], "91330100MA2XXXXX0X");
        assert_string_equal(rec->rec_field[CP_F_DECISION_DATE], "2024-03-01");
        assert_string_equal(rec->rec_file, "t/0");
        assert_int_equal(rec->rec_line, 7);
        assert_int_equal(rec->rec_offset, 7);
        assert_int_equal(rec->rec_nextra, 1);
        assert_string_equal(rec->rec_extra[0].ex_name, "note");
        assert_string_equal(rec->rec_extra[0].ex_value, "备注一");

        rec = t_rec(&sink, 1);
        assert_string_equal(rec->rec_field[CP_F_SUBJECT_NAME], "甲, 乙");
        assert_null(rec->rec_field[CP_F_SUBJECT_USCC]);

        rec = t_rec(&sink, 2);
        assert_int_equal(rec->rec_status, CP_REC_REJECTED);
        assert_string_equal(rec->rec_reject_code, "csv_field_count");

        rec = t_rec(&sink, 3);
        assert_int_equal(rec->rec_status, CP_REC_REJECTED);
        assert_string_equal(rec->rec_reject_code, CP_KAFKA_E_LINES);
        assert_null(rec->rec_field[CP_F_SUBJECT_NAME]);
        assert_int_equal(rec->rec_raw_len, strlen("a,b,c,d,e\nf,g,h,i,j"));

        rec = t_rec(&sink, 4);
        assert_string_equal(rec->rec_reject_code, CP_KAFKA_E_EMPTY);
        assert_string_equal(rec->rec_file, "t/1");
        assert_int_equal(rec->rec_line, 0);
        rec = t_rec(&sink, 5);
        assert_string_equal(rec->rec_reject_code, "csv_unterminated_quote");
        rec = t_rec(&sink, 6);
        assert_string_equal(rec->rec_reject_code, "invalid_utf8");
        assert_int_equal(rec->rec_offset, 2);
        t_sink_free(&sink);
        cp_conf_destroy(c);

        /* A header naming no mapped column is refused up front. */
        c = t_load("{topics: t, value_format: csv, csv_header: \"x,y\"}");
        assert_null(cp_kafka_reader_new(&c->conf_sources[0], 0, 3, t_emit, &sink, err,
                                        sizeof(err)));
        assert_non_null(strstr(err, "csv_header names none of the mapped columns"));
        cp_conf_destroy(c);
}

static void test_json(void **state)
{
        cp_conf_t *c = t_load("{topics: t, value_format: json}");
        t_sink_t sink = {0};
        char err[256];
        cp_kafka_reader_t *r;
        const cp_record_t *rec;

        (void)state;
        r = cp_kafka_reader_new(&c->conf_sources[0], 2, 100, t_emit, &sink, err, sizeof(err));
        assert_non_null(r);
        assert_int_equal(cp_kafka_reader_partition(r, "t/3"), 0);
        t_add(r, "{\"NAME\": \"某公司\", \"doc\": \"罚1号\", \"day\": 20240301, "
                 "\"x\": {\"y\": 1}, \"uscc\": null}", 41);
        t_add(r, "[1, 2]", 42);
        t_add(r, "{\"name\": ", 43);
        t_add(r, NULL, 44);
        assert_int_equal(cp_kafka_reader_flush(r), 0);
        cp_kafka_reader_free(r);

        assert_int_equal(sink.n, 1);
        assert_int_equal(sink.bat[0]->bat_source, 2);
        rec = t_rec(&sink, 0);
        assert_int_equal(rec->rec_status, CP_REC_NEW);
        assert_string_equal(rec->rec_field[CP_F_SUBJECT_NAME], "某公司");  /* loose key */
        assert_string_equal(rec->rec_field[CP_F_DECISION_DATE], "20240301");
        assert_null(rec->rec_field[CP_F_SUBJECT_USCC]);
        assert_int_equal(rec->rec_nextra, 1);
        assert_string_equal(rec->rec_extra[0].ex_value, "{\"y\":1}");
        assert_int_equal(rec->rec_line, 41);
        assert_string_equal(rec->rec_file, "t/3");
        assert_string_equal(t_rec(&sink, 1)->rec_reject_code, "jsonl_not_object");
        assert_string_equal(t_rec(&sink, 2)->rec_reject_code, "jsonl_parse_error");
        assert_string_equal(t_rec(&sink, 3)->rec_reject_code, CP_KAFKA_E_EMPTY);
        assert_int_equal(t_rec(&sink, 3)->rec_offset, 44);
        t_sink_free(&sink);
        cp_conf_destroy(c);
}

static void test_protobuf(void **state)
{
        cp_conf_t *c = t_load("{topics: t, value_format: protobuf}");
        Credpipe__V1__CreditRecord pb = CREDPIPE__V1__CREDIT_RECORD__INIT;
        Credpipe__V1__Subject subj = CREDPIPE__V1__SUBJECT__INIT;
        Credpipe__V1__Amount fine = CREDPIPE__V1__AMOUNT__INIT;
        Credpipe__V1__CreditRecord__ExtraEntry ex = CREDPIPE__V1__CREDIT_RECORD__EXTRA_ENTRY__INIT;
        Credpipe__V1__CreditRecord__ExtraEntry *exs[] = {&ex};
        t_sink_t sink = {0};
        char err[256];
        uint8_t buf[1024];
        size_t len;
        cp_kafka_reader_t *r;
        const cp_record_t *rec;

        (void)state;
        subj.name = "某某公司";
        subj.id = "91330100MA2XXXXX0X";
        subj.id_type = CREDPIPE__V1__ID_TYPE__USCC;
        subj.legal_rep = "张三";
        pb.subject = &subj;
        pb.document_number = "杭市监罚〔2024〕1号";
        pb.decision_date = 19783;        /* 2024-03-01 */
        pb.valid_from = -1;              /* 1969-12-31 */
        pb.valid_to_open_ended = true;
        fine.fen = -123405;
        pb.fine = &fine;
        ex.key = "备注";
        ex.value = "一";
        pb.extra = exs;
        pb.n_extra = 1;
        pb.record_key = "ignored: transform makes its own";
        len = credpipe__v1__credit_record__get_packed_size(&pb);
        assert_true(len < sizeof(buf));
        credpipe__v1__credit_record__pack(&pb, buf);

        r = cp_kafka_reader_new(&c->conf_sources[0], 0, 100, t_emit, &sink, err, sizeof(err));
        assert_non_null(r);
        assert_int_equal(cp_kafka_reader_partition(r, "t/0"), 0);
        assert_int_equal(cp_kafka_reader_add(r, buf, len, 5), 0);
        /* Not a CreditRecord: a truncated one, and text. */
        assert_int_equal(cp_kafka_reader_add(r, buf, len - 3, 6), 0);
        t_add(r, "{\"not\": \"protobuf\"}", 7);
        assert_int_equal(cp_kafka_reader_flush(r), 0);
        cp_kafka_reader_free(r);

        rec = t_rec(&sink, 0);
        assert_int_equal(rec->rec_status, CP_REC_NEW);
        assert_string_equal(rec->rec_field[CP_F_SUBJECT_NAME], "某某公司");
        assert_string_equal(rec->rec_field[CP_F_SUBJECT_USCC], "91330100MA2XXXXX0X");
        assert_string_equal(rec->rec_field[CP_F_LEGAL_REP], "张三");
        assert_string_equal(rec->rec_field[CP_F_DOCUMENT_NUMBER], "杭市监罚〔2024〕1号");
        assert_string_equal(rec->rec_field[CP_F_DECISION_DATE], "2024-03-01");
        assert_string_equal(rec->rec_field[CP_F_VALID_FROM], "1969-12-31");
        assert_string_equal(rec->rec_field[CP_F_VALID_TO], "长期");
        assert_string_equal(rec->rec_field[CP_F_FINE_AMOUNT], "-1234.05");
        assert_null(rec->rec_field[CP_F_PUBLISH_DATE]);  /* 0: unknown */
        assert_int_equal(rec->rec_nextra, 1);
        assert_string_equal(rec->rec_extra[0].ex_name, "备注");
        assert_int_equal(rec->rec_raw_len, len);
        assert_int_equal(t_rec(&sink, 1)->rec_status, CP_REC_REJECTED);
        assert_string_equal(t_rec(&sink, 1)->rec_reject_code, CP_KAFKA_E_PROTOBUF);
        assert_string_equal(t_rec(&sink, 2)->rec_reject_code, CP_KAFKA_E_PROTOBUF);
        t_sink_free(&sink);
        cp_conf_destroy(c);
}

static void test_part_names(void **state)
{
        const char *topic;
        size_t tl;
        int32_t p;

        (void)state;
        assert_int_equal(cp_kafka_part_parse("a.b/12", &topic, &tl, &p), 0);
        assert_int_equal(tl, 3);
        assert_int_equal(p, 12);
        assert_int_equal(cp_kafka_part_parse("nopart", &topic, &tl, &p), -1);
        assert_int_equal(cp_kafka_part_parse("t/x", &topic, &tl, &p), -1);
        assert_int_equal(cp_kafka_part_parse("/3", &topic, &tl, &p), -1);
        /* Partitions by number, not by text; topics by name. */
        assert_true(cp_kafka_part_cmp("t/2", "t/10") < 0);
        assert_true(cp_kafka_part_cmp("t/10", "t/2") > 0);
        assert_int_equal(cp_kafka_part_cmp("t/3", "t/3"), 0);
        assert_true(cp_kafka_part_cmp("a/9", "b/0") < 0);
        assert_true(cp_kafka_part_cmp("a/0", "a.b/0") < 0);
        assert_true(cp_kafka_part_cmp("ab/0", "a/5") > 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_config),
                cmocka_unit_test(test_config_errors),
                cmocka_unit_test(test_csv),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_protobuf),
                cmocka_unit_test(test_part_names),
        };

        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
