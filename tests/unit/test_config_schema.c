/*
 * The configuration schema (core/config_schema.c): its invariants,
 * docs/configuration.md regenerated from it (the test fails with a diff
 * while the docs differ), and the loader held to it: every section refuses
 * a key the schema lacks and lists the schema's keys, every number,
 * duration and enumeration is refused outside the schema's range or
 * values, and every key of the schema loads in a configuration below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/config_schema.h"
#include "core/log.h"
#include "testutil.h"

#define T_REGEN "credpipe check --schema-markdown docs/configuration.md"

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

/* Whether a markdown cell would break its table: a line end, or a '|'
 * not written "\|". */
static bool t_breaks_cell(const char *s)
{
        for (const char *c = s; c && *c; c++)
                if (*c == '\n' || (*c == '|' && (c == s || c[-1] != '\\')))
                        return true;
        return false;
}

/* The path of a key's mapping: "sources[].http" for "sources[].http.url",
 * "" for "brokers". */
static void t_parent(const char *path, char *out, size_t size)
{
        const char *dot = strrchr(path, '.');

        /* "kafka.<property>": the last segment may not hold a dot, but a
         * wildcard's name could; it holds none here. */
        snprintf(out, size, "%.*s", dot ? (int)(dot - path) : 0, path);
}

/* ---- the table -------------------------------------------------------- */

static void test_table_invariants(void **state)
{
        (void)state;
        assert_true(cp_schema_count() > 40);
        assert_null(cp_schema_at(cp_schema_count()));
        for (size_t i = 0; i < cp_schema_count(); i++) {
                const cp_schema_key_t *k = cp_schema_at(i);
                const char *p = k->sk_path;
                char parent[128], list[256];

                assert_ptr_equal(cp_schema_find(p), k);
                if (!*p || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_.[]<>") != strlen(p))
                        fail_msg("key '%s': a path is lower-case names joined by dots", p);
                if (!k->sk_meaning || !*k->sk_meaning)
                        fail_msg("key %s has no meaning", p);
                if (t_breaks_cell(k->sk_meaning) || t_breaks_cell(k->sk_default) ||
                    t_breaks_cell(k->sk_form))
                        fail_msg("key %s: a cell holds a line end or a '|' not written \\|", p);
                switch (k->sk_type) {
                case CP_SCHEMA_INT:
                case CP_SCHEMA_DURATION:
                        if (k->sk_min > k->sk_max || k->sk_default ||
                            k->sk_dflt < k->sk_min || k->sk_dflt > k->sk_max)
                                fail_msg("key %s: its default must be a number in its range", p);
                        assert_null(k->sk_values);
                        break;
                case CP_SCHEMA_ENUM:
                        if (!k->sk_values || !k->sk_values[0])
                                fail_msg("key %s is an enumeration without values", p);
                        for (const char *const *v = k->sk_values; *v; v++)
                                for (const char *const *w = v + 1; *w; w++)
                                        if (!strcmp(*v, *w))
                                                fail_msg("key %s lists '%s' twice", p, *v);
                        /* fall through */
                default:
                        if (!k->sk_default)
                                fail_msg("key %s needs its default in words", p);
                        assert_int_equal(k->sk_min, 0);
                        assert_int_equal(k->sk_max, 0);
                        if (k->sk_type != CP_SCHEMA_ENUM)
                                assert_null(k->sk_values);
                }
                /* Only a mapping or a list holds keys; a section without a
                 * row of its own ("topics") is a mapping. */
                t_parent(p, parent, sizeof(parent));
                if (*parent) {
                        size_t len = strlen(parent);
                        const cp_schema_key_t *up;

                        if (len > 2 && !strcmp(parent + len - 2, "[]")) {
                                parent[len - 2] = '\0';
                                up = cp_schema_find(parent);
                                if (!up || up->sk_type != CP_SCHEMA_LIST)
                                        fail_msg("key %s: %s must be a key of type list", p,
                                                 parent);
                        } else if ((up = cp_schema_find(parent)) &&
                                   up->sk_type != CP_SCHEMA_MAPPING) {
                                fail_msg("key %s is inside %s, which is no mapping", p, parent);
                        }
                }
                cp_schema_type_text(k, list, sizeof(list));
                assert_true(*list && strcmp(list, "?"));
        }
}

/* The schema's values of the keys that code outside the loader reads. */
static void test_enums_outside_the_loader(void **state)
{
        const cp_schema_key_t *cat = cp_schema_find("sources[].category");
        const cp_schema_key_t *fmt = cp_schema_find("log.format");
        size_t n = 0;

        (void)state;
        assert_non_null(cat);
        for (const char *const *v = cat->sk_values; *v; v++, n++)
                if (cp_category_by_name(*v) < 0)
                        fail_msg("category '%s' of the schema is unknown to core/config.c", *v);
        for (int c = 1; strcmp(cp_category_name(c), "?"); c++)
                if (c > (int)n)
                        fail_msg("category %s is missing from the schema", cp_category_name(c));
        assert_non_null(fmt);
        n = 0;
        for (const char *const *v = fmt->sk_values; *v; v++, n++)
                assert_true(cp_log_format_by_name(*v) >= 0);
        assert_int_equal(n, 2);  /* logfmt and json: core/log.h */
}

/* ---- the docs are generated from it ----------------------------------- */

/* The lines of a text, as pointers to their starts (the last one points
 * at the terminating NUL). @owns the result. */
static const char **t_lines(const char *s, size_t *n)
{
        size_t cap = 64;
        const char **v = malloc(cap * sizeof(*v));

        assert_non_null(v);
        *n = 0;
        for (const char *p = s;; p++) {
                if (*n + 1 >= cap)
                        assert_non_null(v = realloc(v, (cap *= 2) * sizeof(*v)));
                v[(*n)++] = p;
                if (!(p = strchr(p, '\n')))
                        break;
        }
        v[*n] = s + strlen(s);
        return v;
}

static int t_line_len(const char **v, size_t i)
{
        return (int)strcspn(v[i], "\n");
}

static bool t_same(const char **a, size_t i, const char **b, size_t j)
{
        return t_line_len(a, i) == t_line_len(b, j) &&
               !memcmp(a[i], b[j], (size_t)t_line_len(a, i));
}

/* Prints what differs as one hunk of a unified diff: from the first line
 * that differs to the last, lines kept (" "), removed ("-", the docs) and
 * added ("+", the schema) by a longest common subsequence. */
static void t_diff(const char *docs, const char *want)
{
        size_t na, nb, a0 = 0, ea, eb, m, n;
        const char **a = t_lines(docs, &na), **b = t_lines(want, &nb);
        unsigned *lcs;

        while (a0 < na && a0 < nb && t_same(a, a0, b, a0))
                a0++;
        for (ea = na, eb = nb; ea > a0 && eb > a0 && t_same(a, ea - 1, b, eb - 1); ea--, eb--)
                ;
        m = ea - a0;
        n = eb - a0;
        /* lcs[i][j]: of the docs' lines from a0+i and the schema's from a0+j. */
        lcs = calloc((m + 1) * (n + 1), sizeof(*lcs));
        assert_non_null(lcs);
        for (size_t i = m; i-- > 0;)
                for (size_t j = n; j-- > 0;)
                        lcs[i * (n + 1) + j] = t_same(a, a0 + i, b, a0 + j)
                                ? lcs[(i + 1) * (n + 1) + j + 1] + 1
                                : lcs[(i + 1) * (n + 1) + j] > lcs[i * (n + 1) + j + 1]
                                ? lcs[(i + 1) * (n + 1) + j] : lcs[i * (n + 1) + j + 1];
        /* The edit, then printed with 3 lines of context around changes. */
        struct { char op; const char *line; int len; } *ed = calloc(m + n + 1, sizeof(*ed));
        size_t ne = 0;

        assert_non_null(ed);
        for (size_t i = 0, j = 0; i < m || j < n; ne++) {
                if (i < m && j < n && t_same(a, a0 + i, b, a0 + j)) {
                        ed[ne].op = ' ';
                        ed[ne].line = a[a0 + i++];
                        j++;
                } else if (j == n || (i < m && lcs[(i + 1) * (n + 1) + j] >=
                                                lcs[i * (n + 1) + j + 1])) {
                        ed[ne].op = '-';
                        ed[ne].line = a[a0 + i++];
                } else {
                        ed[ne].op = '+';
                        ed[ne].line = b[a0 + j++];
                }
                ed[ne].len = (int)strcspn(ed[ne].line, "\n");
        }
        fprintf(stderr, "--- docs/configuration.md\n+++ generated from core/config_schema.c\n"
                "@@ from line %zu @@\n", a0 + 1);
        for (size_t k = 0, gap = 0; k < ne; k++) {
                bool near = false;

                for (size_t d = k < 3 ? 0 : k - 3; d < ne && d <= k + 3; d++)
                        near |= ed[d].op != ' ';
                if (!near) {
                        gap = 1;
                        continue;
                }
                if (gap)
                        fprintf(stderr, "@@ ... @@\n");
                gap = 0;
                fprintf(stderr, "%c%.*s\n", ed[k].op, ed[k].len, ed[k].line);
        }
        free(ed);
        free(lcs);
        free(a);
        free(b);
}

static void test_docs_match_schema(void **state)
{
        char *docs = t_docs(), *want, err[512];

        (void)state;
        want = cp_schema_doc_regen(docs, err, sizeof(err));
        if (!want)
                fail_msg("docs/configuration.md: %s", err);
        if (strcmp(docs, want)) {
                t_diff(docs, want);
                fail_msg("docs/configuration.md's tables of keys differ from "
                         "core/config_schema.c (diff above); regenerate them: " T_REGEN);
        }
        /* Each table once: a second copy would never be regenerated. */
        for (const char *const *t = cp_schema_tables; *t; t++) {
                char begin[96];

                snprintf(begin, sizeof(begin), "<!-- generated: %s begin -->", *t);
                assert_null(strstr(strstr(docs, begin) + 1, begin));
        }
        free(want);
        free(docs);
}

/* The regeneration replaces what is between the markers, only that, and
 * refuses a document without them. */
static void test_regen(void **state)
{
        char err[512], *out;
        const char *doc = "intro\n<!-- generated: config-keys begin -->\nold\n"
                          "<!-- generated: config-keys end -->\nmiddle\n"
                          "<!-- generated: source-keys begin --><!-- generated: source-keys end -->"
                          "\n<!-- generated: http-keys begin -->\n<!-- generated: http-keys end -->"
                          "\n<!-- generated: kafka-keys begin -->\n<!-- generated: kafka-keys end -->"
                          "\ntail\n";

        (void)state;
        out = cp_schema_doc_regen(doc, err, sizeof(err));
        assert_non_null(out);
        const char *head = "intro\n<!-- generated: config-keys begin -->\n\n"
                           "| key | type | default | meaning |\n|---|---|---|---|\n"
                           "| `brokers` |";
        assert_true(!strncmp(out, head, strlen(head)));
        assert_null(strstr(out, "zz_old_text"));
        assert_non_null(strstr(out, "\n<!-- generated: config-keys end -->\nmiddle\n"));
        assert_non_null(strstr(out, "| `http.url` |"));
        assert_non_null(strstr(out, "\n<!-- generated: http-keys end -->\n"));
        assert_non_null(strstr(out, "| `kafka.topics` |"));
        assert_non_null(strstr(out, "\n<!-- generated: kafka-keys end -->\ntail\n"));
        /* Twice is once. */
        char *again = cp_schema_doc_regen(out, err, sizeof(err));
        assert_string_equal(again, out);
        free(again);
        free(out);
        assert_null(cp_schema_doc_regen("<!-- generated: config-keys begin -->\n", err,
                                         sizeof(err)));
        assert_non_null(strstr(err, "<!-- generated: config-keys end -->"));
}

/* ---- the loader is held to it ----------------------------------------- */

/* A configuration that puts `leaf` (a flow-style "key: value") inside the
 * section `path`: "sources[].http" gives
 * "{sources: [{http: {LEAF}}]}". Keys are checked before their values are
 * read, so what else the configuration lacks does not matter. */
static const char *t_nested(const char *path, const char *leaf)
{
        char text[1024] = "", close[64] = "", seg[128];
        const char *p = path;

        while (*p) {
                size_t len = strcspn(p, ".");

                snprintf(seg, sizeof(seg), "%.*s", (int)len, p);
                if (len > 2 && !strcmp(seg + len - 2, "[]")) {
                        seg[len - 2] = '\0';
                        snprintf(text + strlen(text), sizeof(text) - strlen(text), "{%s: [", seg);
                        memmove(close + 2, close, strlen(close) + 1);
                        memcpy(close, "]}", 2);
                } else {
                        snprintf(text + strlen(text), sizeof(text) - strlen(text), "{%s: ", seg);
                        memmove(close + 1, close, strlen(close) + 1);
                        close[0] = '}';
                }
                p += len + (p[len] == '.');
        }
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "{%s}%s\n", leaf, close);
        return t_write_text("nested.yaml", text);
}

/* The keys of a section as the schema has them, in its order: computed
 * here from the paths, not by the code under test. */
static void t_children(const char *section, char *out, size_t size)
{
        size_t slen = strlen(section);

        out[0] = '\0';
        for (size_t i = 0; i < cp_schema_count(); i++) {
                const char *p = cp_schema_at(i)->sk_path;
                char name[64], item[68];

                if (slen && (strncmp(p, section, slen) || p[slen] != '.'))
                        continue;
                p += slen ? slen + 1 : 0;
                snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, ".["), p);
                snprintf(item, sizeof(item), ", %s,", name);
                /* ", a, b," holds ", b," once b is listed. */
                char probe[600];
                snprintf(probe, sizeof(probe), ", %s,", out);
                if (!strstr(probe, item))
                        snprintf(out + strlen(out), size - strlen(out), "%s%s",
                                 *out ? ", " : "", name);
        }
}

/* Every mapping the schema describes refuses a key it lacks, naming the
 * file, the line and the key, and lists exactly the schema's keys. */
static void test_unknown_keys(void **state)
{
        (void)state;
        for (size_t i = 0; i <= cp_schema_count(); i++) {
                /* "" (the top level), then every section a path goes through. */
                const char *p = i ? cp_schema_at(i - 1)->sk_path : "";

                for (const char *dot = i ? strchr(p, '.') : p; dot;
                     dot = *dot ? strchr(dot + 1, '.') : NULL) {
                        char section[128], list[512], want[1024], err[1024], where[136];
                        const char *last;
                        cp_conf_t *c;

                        snprintf(section, sizeof(section), "%.*s", (int)(dot - p), p);
                        t_children(section, list, sizeof(list));
                        if (strchr(list, '<'))
                                continue;  /* kafka.<property>: any key */
                        last = strrchr(section, '.');
                        if (!*section)
                                snprintf(where, sizeof(where), "the top level");
                        else if (!strcmp(section, "sources[]"))
                                snprintf(where, sizeof(where), "a source");
                        else
                                snprintf(where, sizeof(where), "'%s'", last ? last + 1 : section);
                        snprintf(want, sizeof(want), "nested.yaml:1: unknown key 'zz_not_a_key' "
                                 "in %s (known keys: %s)", where, list);
                        err[0] = '\0';
                        c = cp_conf_load(t_nested(section, "zz_not_a_key: 1"), err, sizeof(err));
                        cp_conf_destroy(c);
                        if (!strstr(err, want))
                                fail_msg("section '%s': got \"%s\", want \"%s\"", section, err,
                                         want);
                        if (!*dot)
                                break;
                }
        }
}

/* Every number and duration is refused just past the schema's maximum,
 * and the message states the schema's range; every enumeration refuses a
 * value it lacks, listing the schema's values. */
static void test_ranges_and_values(void **state)
{
        (void)state;
        for (size_t i = 0; i < cp_schema_count(); i++) {
                const cp_schema_key_t *k = cp_schema_at(i);
                char section[128], leaf[128], want[512], err[1024];
                const char *name = strrchr(k->sk_path, '.');
                cp_conf_t *c;

                name = name ? name + 1 : k->sk_path;
                t_parent(k->sk_path, section, sizeof(section));
                if (k->sk_type == CP_SCHEMA_INT) {
                        snprintf(leaf, sizeof(leaf), "%s: %ld", name, k->sk_max + 1);
                        snprintf(want, sizeof(want), "'%s' must be a whole number from %ld to "
                                 "%ld, not '%ld'", name, k->sk_min, k->sk_max, k->sk_max + 1);
                } else if (k->sk_type == CP_SCHEMA_DURATION) {
                        snprintf(leaf, sizeof(leaf), "%s: %ldms", name, k->sk_max + 1);
                        snprintf(want, sizeof(want), "'%s' must be a duration from %ld ms to "
                                 "%ld s", cp_schema_display(k->sk_path), k->sk_min,
                                 k->sk_max / 1000);
                } else if (k->sk_type == CP_SCHEMA_ENUM) {
                        snprintf(leaf, sizeof(leaf), "%s: zz_not_a_value", name);
                        snprintf(want, sizeof(want), "'zz_not_a_value'");
                } else {
                        continue;
                }
                err[0] = '\0';
                c = cp_conf_load(t_nested(section, leaf), err, sizeof(err));
                cp_conf_destroy(c);
                if (!strstr(err, "nested.yaml:1: ") || !strstr(err, want))
                        fail_msg("key %s: got \"%s\", want \"%s\"", k->sk_path, err, want);
                for (const char *const *v = k->sk_values; v && *v; v++)
                        if (!strstr(err, *v))
                                fail_msg("key %s: the message \"%s\" does not list '%s'",
                                         k->sk_path, err, *v);
        }
}

/*
 * Configurations that use every key of the schema, each with a valid
 * value. A key added to the schema must be added here (the test says so),
 * and then fails to load if core/config.c has no branch for it.
 */
static const char *const t_everything[] = {
        "brokers: 127.0.0.1:9092\n"
        "topics: {records: r, rejects: j, sharing: s, checkpoints: c, partitions: 3,\n"
        "         replication: 2}\n"
        "batch: {records: 100, zstd_level: -1}\n"
        "queue: {batches: 4}\n"
        "delivery_timeout_ms: 60000\n"
        "uscc_categories: cats.tsv\n"
        "kafka: {linger.ms: \"5\"}\n"
        "log: {level: warn, format: logfmt}\n"
        "pseudonymize: {key_file: pseudonym.key}\n"
        "completeness: {as_of: 2024-01-31, rules: rules.tsv}\n"
        "metrics: {listen: \"127.0.0.1:0\"}\n"
        "state: {dir: state, instance: one, checkpoint_interval: 5s, settle: 1s}\n"
        "report: {interval: 30s}\n"
        "sources:\n"
        "  - id: ratings\n"
        "    role: sectoral\n"
        "    category: rating\n"
        "    region: \"350200\"\n"
        "    format: csv\n"
        "    paths: [ratings/*.csv]\n"
        "    columns: {名称: subject_name, 评级: rating}\n"
        "    delimiter: tab\n"
        "    encoding: gb18030\n"
        "    amount_unit: wan_yuan\n"
        "    excel_date_system: 1904\n"
        "    keep_unmapped: false\n"
        "    publication_rules: [default]\n"
        "    rating_scale: {min: 0, max: 12, baseline: 9}\n"
        "    done: move\n"
        "    done_dir: done\n"
        "  - id: central\n"
        "    role: central\n"
        "    category: admin_penalty\n"
        "    format: xlsx\n"
        "    paths: central.xlsx\n"
        "    preset: sgs_penalty\n"
        "    sheets: [Sheet1, 2023年]\n",

        "sources:\n"
        "  - id: portal\n"
        "    role: municipal\n"
        "    category: admin_penalty\n"
        "    format: http_json\n"
        "    preset: sgs_penalty\n"
        "    http:\n"
        "      url: \"https://example.org/api?page={page}\"\n"
        "      records: data.list\n"
        "      pagination: {mode: page, first: 0, max_pages: 10}\n"
        "      retries: 1\n"
        "      timeout_ms: 1000\n"
        "      backoff_ms: 10\n"
        "      spool: spool/portal\n"
        "  - id: cursor\n"
        "    role: central\n"
        "    category: judgment_defaulter\n"
        "    format: http_json\n"
        "    preset: spc_defaulter\n"
        "    http:\n"
        "      url: [\"https://example.org/a\", \"https://example.org/b\"]\n"
        "      pagination: {mode: cursor, next: result.next, param: cursor}\n",

        "sources:\n"
        "  - id: feed\n"
        "    role: sectoral\n"
        "    category: admin_penalty\n"
        "    format: kafka\n"
        "    columns: {name: subject_name, uscc: subject_uscc, doc: document_number}\n"
        "    kafka:\n"
        "      topics: [penalties.raw, penalties.raw2]\n"
        "      value_format: csv\n"
        "      csv_header: \"name,uscc,doc\"\n"
        "      group: credpipe-feed\n"
        "      brokers: 127.0.0.1:9093\n"
        "  - id: records\n"
        "    role: central\n"
        "    category: admin_penalty\n"
        "    format: kafka\n"
        "    kafka: {topics: records.raw, value_format: protobuf}\n",
};

/* Marks the schema's keys a YAML mapping uses, below section `path`. */
static void t_walk(yaml_document_t *doc, yaml_node_t *map, const char *path, bool *used)
{
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
             p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(doc, p->key);
                yaml_node_t *v = yaml_document_get_node(doc, p->value);
                char key[256], wild[256], below[260];
                const cp_schema_key_t *row;
                bool section = false;

                snprintf(key, sizeof(key), "%s%s%s", path, *path ? "." : "",
                         (const char *)k->data.scalar.value);
                /* A mapping of any keys ("kafka.<property>"). */
                for (size_t i = 0; i < cp_schema_count(); i++) {
                        const char *sp = cp_schema_at(i)->sk_path;

                        snprintf(wild, sizeof(wild), "%s%s<", path, *path ? "." : "");
                        if (*path && !strncmp(sp, wild, strlen(wild)))
                                used[i] = section = true;
                }
                if (section)
                        return;
                if ((row = cp_schema_find(key)))
                        used[row - cp_schema_at(0)] = true;
                snprintf(below, sizeof(below), "%s.", key);
                for (size_t i = 0; i < cp_schema_count(); i++)
                        section |= !strncmp(cp_schema_at(i)->sk_path, below, strlen(below));
                if (section && v->type == YAML_MAPPING_NODE) {
                        t_walk(doc, v, key, used);
                        continue;
                }
                snprintf(below, sizeof(below), "%s[].", key);
                for (size_t i = 0; i < cp_schema_count() && !section; i++)
                        section = !strncmp(cp_schema_at(i)->sk_path, below, strlen(below));
                if (section && v->type == YAML_SEQUENCE_NODE) {
                        snprintf(below, sizeof(below), "%s[]", key);
                        for (yaml_node_item_t *it = v->data.sequence.items.start;
                             it < v->data.sequence.items.top; it++) {
                                yaml_node_t *e = yaml_document_get_node(doc, *it);

                                if (e->type == YAML_MAPPING_NODE)
                                        t_walk(doc, e, below, used);
                        }
                        continue;
                }
                if (!row)
                        fail_msg("the test's configuration uses %s, which the schema lacks", key);
        }
}

static void test_every_key_loads(void **state)
{
        bool used[256] = {false};
        char err[1024];

        (void)state;
        assert_true(cp_schema_count() <= sizeof(used) / sizeof(used[0]));
        t_write_text("cats.tsv", "11\tcore\t机构编制 机关\n");
        t_write_text("rules.tsv", "# rules\n");
        chmod(t_write_text("pseudonym.key", "0123456789abcdef0123456789abcdef\n"), 0600);
        for (size_t i = 0; i < sizeof(t_everything) / sizeof(t_everything[0]); i++) {
                const char *path = t_write_text("everything.yaml", t_everything[i]);
                cp_conf_t *c = cp_conf_load(path, err, sizeof(err));
                yaml_parser_t parser;
                yaml_document_t doc;
                FILE *f;

                if (!c)
                        fail_msg("configuration %zu of t_everything does not load: %s", i, err);
                cp_conf_destroy(c);
                assert_non_null(f = fopen(path, "rb"));
                yaml_parser_initialize(&parser);
                yaml_parser_set_input_file(&parser, f);
                assert_true(yaml_parser_load(&parser, &doc));
                t_walk(&doc, yaml_document_get_root_node(&doc), "", used);
                yaml_document_delete(&doc);
                yaml_parser_delete(&parser);
                fclose(f);
        }
        cp_log_set_spec(CP_LOG_FROM_CONFIG, NULL, err, sizeof(err));
        cp_log_set_format(CP_LOG_FROM_CONFIG, NULL, err, sizeof(err));
        for (size_t i = 0; i < cp_schema_count(); i++)
                if (!used[i])
                        fail_msg("key %s of core/config_schema.c is in no configuration of "
                                 "t_everything (tests/unit/test_config_schema.c): add it there "
                                 "with a valid value", cp_schema_at(i)->sk_path);
}

/* The defaults the loader gives are the schema's. */
static void test_defaults(void **state)
{
        char err[1024];
        cp_conf_t *c;
        static const struct { const char *path; size_t off; } ints[] = {
                {"topics.partitions", offsetof(cp_conf_t, conf_partitions)},
                {"topics.replication", offsetof(cp_conf_t, conf_replication)},
                {"batch.records", offsetof(cp_conf_t, conf_batch_records)},
                {"batch.zstd_level", offsetof(cp_conf_t, conf_zstd_level)},
                {"queue.batches", offsetof(cp_conf_t, conf_queue_batches)},
                {"delivery_timeout_ms", offsetof(cp_conf_t, conf_delivery_timeout_ms)},
                {"state.checkpoint_interval", offsetof(cp_conf_t, conf_checkpoint_interval_ms)},
                {"report.interval", offsetof(cp_conf_t, conf_report_interval_ms)},
        };

        (void)state;
        c = cp_conf_load(t_write_text("defaults.yaml", t_everything[1]), err, sizeof(err));
        if (!c)
                fail_msg("%s", err);
        for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
                const cp_schema_key_t *k = cp_schema_find(ints[i].path);

                assert_non_null(k);
                assert_int_equal(*(const int *)((const char *)c + ints[i].off), k->sk_dflt);
        }
        assert_string_equal(c->conf_topic_records, CP_DEFAULT_TOPIC_RECORDS);
        assert_int_equal(c->conf_sources[1].src_http->hc_max_pages,
                         cp_schema_find("sources[].http.pagination.max_pages")->sk_dflt);
        assert_int_equal(c->conf_sources[1].src_http->hc_retries,
                         cp_schema_find("sources[].http.retries")->sk_dflt);
        assert_int_equal(c->conf_sources[1].src_http->hc_timeout_ms,
                         cp_schema_find("sources[].http.timeout_ms")->sk_dflt);
        assert_int_equal(c->conf_sources[1].src_http->hc_backoff_ms,
                         cp_schema_find("sources[].http.backoff_ms")->sk_dflt);
        assert_int_equal(c->conf_sources[1].src_http->hc_first,
                         cp_schema_find("sources[].http.pagination.first")->sk_dflt);
        cp_conf_destroy(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_invariants),
                cmocka_unit_test(test_enums_outside_the_loader),
                cmocka_unit_test(test_docs_match_schema),
                cmocka_unit_test(test_regen),
                cmocka_unit_test(test_unknown_keys),
                cmocka_unit_test(test_ranges_and_values),
                cmocka_unit_test(test_every_key_loads),
                cmocka_unit_test(test_defaults),
        };
        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
