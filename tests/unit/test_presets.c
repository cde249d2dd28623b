/*
 * Mapping presets: the table's invariants, docs/configuration.md against
 * the table (so the two cannot drift), the documented example, and presets
 * end to end: configuration → ingest of CSV and JSON Lines files whose
 * names are spelled as real feeds spell them → transform.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/err.h"
#include "core/field.h"
#include "core/presets.h"
#include "ingest/ingest.h"
#include "testutil.h"
#include "transform/transform.h"






/* The whole of a file, NUL-terminated. @owns the result. */
static char *t_slurp(const char *path)
{
        FILE *f = fopen(path, "rb");
        char *buf;
        long n;

        if (!f)
                fail_msg("cannot open %s", path);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static char *t_docs(void)
{
        const char *src = getenv("CP_SOURCE_DIR");
        char path[512];

        snprintf(path, sizeof(path), "%s/docs/configuration.md", src ? src : "..");
        return t_slurp(path);
}

/* ---- the table -------------------------------------------------------- */

static void test_table_invariants(void **state)
{
        (void)state;
        assert_true(cp_preset_count() >= 8);
        assert_null(cp_preset_at(cp_preset_count()));
        assert_null(cp_preset_by_name("no_such_preset"));
        for (size_t i = 0; i < cp_preset_count(); i++) {
                const cp_preset_t *p = cp_preset_at(i);

                assert_ptr_equal(cp_preset_by_name(p->pre_name), p);
                assert_string_not_equal(cp_category_name(p->pre_category), "?");
                assert_true(p->pre_ncolumns > 0);
                for (size_t r = 0; r < p->pre_ncolumns; r++) {
                        const cp_preset_column_t *a = &p->pre_columns[r];

                        assert_true(a->pc_field >= 0 && a->pc_field < CP_F__COUNT);
                        /* No name twice, even folded: a header cell goes
                         * to one field only. */
                        for (size_t q = r + 1; q < p->pre_ncolumns; q++)
                                if (cp_column_same(a->pc_column, p->pre_columns[q].pc_column))
                                        fail_msg("%s: '%s' and '%s' are one name", p->pre_name,
                                                 a->pc_column, p->pre_columns[q].pc_column);
                }
                /* Markers point at an existing preset and never at a column
                 * of this one, which would make every file look foreign. */
                if (!p->pre_other_markers) {
                        assert_null(p->pre_other);
                        continue;
                }
                assert_non_null(cp_preset_by_name(p->pre_other));
                assert_int_equal(cp_preset_by_name(p->pre_other)->pre_category,
                                 p->pre_category);
                for (const char *const *m = p->pre_other_markers; *m; m++) {
                        assert_true(strlen(*m) < 256);
                        for (size_t r = 0; r < p->pre_ncolumns; r++)
                                if (cp_column_same(*m, p->pre_columns[r].pc_column))
                                        fail_msg("%s: marker '%s' is its own column",
                                                 p->pre_name, *m);
                }
        }
        /* The 双公示 amount columns are in 万元. */
        assert_int_equal(cp_preset_by_name("sgs_penalty")->pre_amount_unit, CP_UNIT_WAN_YUAN);
}

/* ---- the docs mirror the table ---------------------------------------- */

/* The section of docs after "### `name`", up to the next heading. */
static const char *t_section(const char *docs, const char *name, size_t *len)
{
        char head[128];
        const char *s, *e;

        snprintf(head, sizeof(head), "\n### `%s`\n", name);
        s = strstr(docs, head);
        if (!s)
                return NULL;
        s += strlen(head);
        e = strstr(s, "\n#");
        *len = e ? (size_t)(e - s) : strlen(s);
        return s;
}

/* What the docs must say for one preset, as t_section would show it. */
static void t_expected(const cp_preset_t *p, char *out, size_t size)
{
        bool done[CP_F__COUNT] = {false};

        snprintf(out, size, "### `%s`\n\n%s. Category `%s`%s.\n", p->pre_name,
                 p->pre_description, cp_category_name(p->pre_category),
                 p->pre_amount_unit == CP_UNIT_WAN_YUAN
                         ? "; implies `amount_unit: wan_yuan`" : "");
        if (p->pre_other_markers) {
                snprintf(out + strlen(out), size - strlen(out), "Markers of `%s`: ",
                         p->pre_other);
                for (const char *const *m = p->pre_other_markers; *m; m++)
                        snprintf(out + strlen(out), size - strlen(out), "%s`%s`",
                                 m == p->pre_other_markers ? "" : ", ", *m);
                snprintf(out + strlen(out), size - strlen(out), ".\n");
        }
        snprintf(out + strlen(out), size - strlen(out), "\n| field | columns |\n|---|---|\n");
        for (size_t r = 0; r < p->pre_ncolumns; r++) {
                cp_field_t f = p->pre_columns[r].pc_field;

                if (done[f])
                        continue;
                done[f] = true;
                snprintf(out + strlen(out), size - strlen(out), "| `%s` |", cp_field_name(f));
                for (size_t q = r, k = 0; q < p->pre_ncolumns; q++)
                        if (p->pre_columns[q].pc_field == f)
                                snprintf(out + strlen(out), size - strlen(out), "%s `%s`",
                                         k++ ? "," : "", p->pre_columns[q].pc_column);
                snprintf(out + strlen(out), size - strlen(out), " |\n");
        }
}

static void test_docs_match_table(void **state)
{
        char *docs = t_docs();
        static char want[16384];

        (void)state;
        for (size_t i = 0; i < cp_preset_count(); i++) {
                const cp_preset_t *p = cp_preset_at(i);
                size_t len = 0;
                const char *sec = t_section(docs, p->pre_name, &len);

                t_expected(p, want, sizeof(want));
                if (!sec)
                        fail_msg("docs/configuration.md has no section for preset %s; "
                                 "add it under \"## Preset columns\":\n%s", p->pre_name, want);
                /* The description, category, markers and table as the
                 * code has them; prose may follow the table. */
                const char *body = strchr(want, '\n') + 1;
                if (len < strlen(body) || memcmp(sec, body, strlen(body)) != 0) {
                        size_t d = 0;

                        while (d < len && body[d] && sec[d] == body[d])
                                d++;
                        /* cmocka truncates long messages: the text first. */
                        print_error("docs/configuration.md is out of date for preset "
                                    "%s (first difference at byte %zu: docs \"%.40s\", "
                                    "code \"%.40s\"); its section must begin:\n%s\n",
                                    p->pre_name, d, sec + d, body + d, want);
                        fail();
                }
                /* And in the summary table of "## Presets". */
                char row[160];
                snprintf(row, sizeof(row), "\n| `%s` | %s | %s |\n", p->pre_name,
                         cp_category_name(p->pre_category), p->pre_description);
                if (!strstr(docs, row))
                        fail_msg("the presets table of docs/configuration.md lacks:%s", row);
        }
        /* No section for a preset the code does not have. */
        const char *cols = strstr(docs, "\n## Preset columns\n");
        assert_non_null(cols);
        for (const char *h = cols; (h = strstr(h + 1, "\n### `")) != NULL;) {
                char name[64];
                const char *e = strchr(h + 6, '`');

                assert_non_null(e);
                snprintf(name, sizeof(name), "%.*s", (int)(e - h - 6), h + 6);
                if (!cp_preset_by_name(name))
                        fail_msg("docs/configuration.md documents preset '%s', which "
                                 "core/presets.c does not have", name);
        }
        free(docs);
}

/* The example at the top of docs/configuration.md is a valid file. */
static void test_docs_example_loads(void **state)
{
        char *docs = t_docs(), err[512];
        const char *s = strstr(docs, "```yaml\n"), *e;
        cp_conf_t *c;

        (void)state;
        assert_non_null(s);
        s += 8;
        e = strstr(s, "```");
        assert_non_null(e);
        ((char *)e)[0] = '\0';
        c = cp_conf_load(t_write_text("example.yaml", s), err, sizeof(err));
        if (!c)
                fail_msg("the example of docs/configuration.md does not load: %s", err);
        int x = cp_conf_source_index(c, "xm_penalties");
        assert_true(x >= 0);
        assert_ptr_equal(c->conf_sources[x].src_preset, cp_preset_by_name("sgs_penalty"));
        assert_int_equal(c->conf_sources[x].src_amount_unit, CP_UNIT_WAN_YUAN);
        cp_conf_destroy(c);
        free(docs);
}

/* ---- end to end ------------------------------------------------------- */



static cp_batch_t *t_read(const cp_conf_t *c, int src, const char *path)
{
        t_sink_t sink = {0};
        char err[1024];

        if (cp_ingest_file(&c->conf_sources[src], (uint32_t)src, path, 100, t_emit,
                           &sink, err, sizeof(err)) != CP_OK)
                fail_msg("ingest of %s: %s", path, err);
        assert_int_equal(sink.n, 1);
        return sink.bat[0];
}


/*
 * A municipal CSV with Chinese item names (full-width and ASCII brackets
 * mixed, a title row), and Credit China's JSON with lower-case codes: the
 * presets map both, the 万元 amount is right, and the two sources' common
 * entry deduplicates and counts as shared with the central source.
 */
static void test_end_to_end(void **state)
{
        char conf_text[2048], err[512];
        cp_conf_t *c;
        cp_transform_t *tf;
        cp_batch_t *a, *b;
        cp_report_t rep;
        const Credpipe__V1__CreditRecord *pb;

        (void)state;
        t_write_text("xm.csv",
                "2023年行政处罚信息公示\n"
                "行政相对人名称,统一社会信用代码,行政处罚决定书文号,处罚机关,"
                "处罚机关统一社会信用代码,处罚决定日期,罚款金额(万元),违法行为类型,"
                "公示截止期,备注\n"
                "甲公司,91350100M000100Y43,厦市监罚〔2021〕1号,厦门市市场监督管理局,"
                "11350200MB0000000X,2021-03-05,1.5,虚假宣传,2024-03-05,无\n");
        t_write_text("cc.jsonl",
                "{\"cf_xdr_mc\":\"甲公司\",\"cf_xdr_shxym\":\"91350100m000100y43\","
                "\"cf_wsh\":\"厦市监罚(2021)1号\",\"cf_cfjg\":\"厦门市市场监督管理局\","
                "\"cf_cfjgdm\":\"11350200MB0000000X\",\"cf_jdrq\":\"20210305\","
                "\"cf_nr_fk\":\"1.5\",\"cf_gsjzq\":\"2024-03-05\"}\n");
        snprintf(conf_text, sizeof(conf_text),
                 "completeness: {as_of: 2021-06-01}\n"
                 "sources:\n"
                 "  - {id: xm, role: municipal, category: admin_penalty, format: csv,\n"
                 "     paths: xm.csv, preset: sgs_penalty}\n"
                 "  - {id: cc, role: central, category: admin_penalty, format: jsonl,\n"
                 "     paths: cc.jsonl, preset: sgs_penalty}\n");
        c = cp_conf_load(t_write_text("e2e.yaml", conf_text), err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        a = t_read(c, 0, c->conf_sources[0].src_paths[0]);
        b = t_read(c, 1, c->conf_sources[1].src_paths[0]);
        const cp_record_t *r = &a->bat_rec[0];
        assert_int_equal(a->bat_n, 1);
        assert_string_equal(r->rec_field[CP_F_SUBJECT_NAME], "甲公司");
        assert_string_equal(r->rec_field[CP_F_FINE_AMOUNT], "1.5");
        assert_string_equal(r->rec_field[CP_F_ACT_TYPE], "虚假宣传");
        /* Not a preset column: an extra, not valid_to. */
        assert_null(r->rec_field[CP_F_VALID_TO]);
        assert_string_equal(t_extra(r, "公示截止期"), "2024-03-05");
        assert_string_equal(b->bat_rec[0].rec_field[CP_F_SUBJECT_USCC], "91350100m000100y43");
        assert_string_equal(t_extra(&b->bat_rec[0], "cf_gsjzq"), "2024-03-05");

        tf = cp_transform_new(c, err, sizeof(err));
        assert_non_null(tf);
        /* Central first, as `run` reads it. */
        assert_int_equal(cp_transform_batch(tf, b), CP_OK);
        assert_int_equal(cp_transform_batch(tf, a), CP_OK);
        assert_int_equal(b->bat_rec[0].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(a->bat_rec[0].rec_status, CP_REC_DUPLICATE);
        pb = b->bat_rec[0].rec_pb;
        assert_non_null(pb->fine);
        assert_int_equal(pb->fine->fen, 1500000);  /* 1.5 万元 */
        assert_string_equal(pb->fine->claimed_unit, "wan_yuan");
        assert_int_equal(cp_report_alloc(&rep, 2), 0);
        cp_transform_report(tf, &rep);
        assert_int_equal(rep.rep_src[0].st_shared, 1);
        /* The same fine and date on both sides: compared, equal. */
        assert_int_equal(rep.rep_src[0].st_compared[CP_CMP_FINE_AMOUNT], 1);
        assert_int_equal(rep.rep_src[0].st_discrepant, 0);
        cp_report_free(&rep);
        cp_transform_destroy(tf);
        cp_batch_destroy(a);
        cp_batch_destroy(b);
        cp_conf_destroy(c);
}

/* SPC JSON with the preset: cardNum holds a masked person ID or a USCC,
 * and either resolves; GSXT abnormal-list keys in both spellings. */
static void test_spc_and_gsxt(void **state)
{
        char err[512];
        cp_conf_t *c;
        cp_transform_t *tf;
        cp_batch_t *d, *g;

        (void)state;
        t_write_text("spc.jsonl",
                "{\"id\":707091354,\"iname\":\"张三\",\"cardNum\":\"3423011964****3224\","
                "\"caseCode\":\"(2019)皖1122执1194号\",\"courtName\":\"来安县人民法院\","
                "\"regDate\":\"20190709\",\"publishDate\":\"2019年07月13日\",\"age\":55}\n"
                "{\"id\":707091355,\"iname\":\"某公司\",\"cardNum\":\"91350100M000100Y43\","
                "\"caseCode\":\"(2019)皖1122执1195号\",\"businessEntity\":\"李四\"}\n");
        t_write_text("abn.jsonl",
                "{\"entName\":\"乙公司\",\"uniscId\":\"91110108551385082Q\","
                "\"specauseName\":\"未按规定公示年度报告\",\"abnDate\":\"2020-07-01\","
                "\"lrregorgName\":\"北京市海淀区市场监督管理局\"}\n"
                "{\"ENTNAME\":\"乙公司\",\"UNISCID\":\"91110108551385082Q\","
                "\"SPECAUSE_CN\":\"未按规定公示年度报告\",\"ABNTIME\":\"2020年7月1日\","
                "\"DECORG_CN\":\"北京市海淀区市场监督管理局\",\"BUSEXCLIST\":\"x1\"}\n");
        c = cp_conf_load(t_write_text("spc.yaml",
                                 "sources:\n"
                                 "  - {id: spc, role: sectoral, category: judgment_defaulter,\n"
                                 "     format: jsonl, paths: spc.jsonl, preset: spc_defaulter}\n"
                                 "  - {id: abn, role: central, category: abnormal_operation,\n"
                                 "     format: jsonl, paths: abn.jsonl, preset: gsxt_abnormal}\n"),
                         err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        d = t_read(c, 0, c->conf_sources[0].src_paths[0]);
        g = t_read(c, 1, c->conf_sources[1].src_paths[0]);
        tf = cp_transform_new(c, err, sizeof(err));
        assert_non_null(tf);
        assert_int_equal(cp_transform_batch(tf, d), CP_OK);
        assert_int_equal(cp_transform_batch(tf, g), CP_OK);
        assert_int_equal(d->bat_rec[0].rec_pb->subject->id_type,
                         CREDPIPE__V1__ID_TYPE__RESIDENT_ID_MASKED);
        assert_string_equal(d->bat_rec[0].rec_pb->source_record_id, "707091354");
        assert_int_equal(d->bat_rec[0].rec_pb->publish_date, 18090);  /* 2019-07-13 */
        assert_int_equal(d->bat_rec[1].rec_pb->subject->id_type, CREDPIPE__V1__ID_TYPE__USCC);
        assert_string_equal(d->bat_rec[1].rec_pb->subject->legal_rep, "李四");
        /* One listing in two spellings: the second is a duplicate. */
        assert_int_equal(g->bat_rec[0].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(g->bat_rec[1].rec_status, CP_REC_DUPLICATE);
        assert_string_equal(g->bat_rec[1].rec_field[CP_F_SOURCE_RECORD_ID], "x1");
        cp_transform_destroy(tf);
        cp_batch_destroy(d);
        cp_batch_destroy(g);
        cp_conf_destroy(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_invariants),
                cmocka_unit_test(test_docs_match_table),
                cmocka_unit_test(test_docs_example_loads),
                cmocka_unit_test(test_end_to_end),
                cmocka_unit_test(test_spc_and_gsxt),
        };
        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
