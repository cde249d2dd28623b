/*
 * The configuration schema (core/config_schema.h): the table of every key,
 * and the markdown tables of docs/configuration.md generated from it.
 */
#include "config_schema.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define CP_VALUES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Markdown of a topic's default, from the macro credpipe also uses. */
#define CP_TOPIC_DEFAULT(name) "`" name "`"

/*
 * Every key of the configuration file, in the order docs/configuration.md
 * lists them. THIS TABLE IS THE SCHEMA: the loader accepts exactly these
 * keys, and the tables "Top-level keys", "Source keys" and the one of
 * "HTTP sources" in docs/configuration.md are generated from it.
 *
 * To add a key:
 *   1. add its row here, where the docs should list it (a key of a source
 *      is "sources[].NAME"; a new mapping needs no row of its own unless
 *      the docs should show one, its keys' rows make it a section);
 *   2. read it in core/config.c: a branch `else if (!strcmp(k, "NAME"))` in
 *      the loop over its mapping (a key without one fails every load as an
 *      internal error), using cp_int_key, cp_duration_key or cp_enum_key
 *      (with a cp_enum_map_t naming each value) so that the range and
 *      values come from here, and cp_key_default for a numeric default; a
 *      new mapping calls cp_check_keys with its path;
 *   3. use it in tests/unit/test_config_schema.c's configurations (every
 *      key must load there), and regenerate the docs:
 *        build/cli/credpipe check --schema-markdown docs/configuration.md
 * A unit test fails until the docs are regenerated.
 *
 * Cells are markdown, one line each; a '|' inside one is written \|.
 */
static const cp_schema_key_t cp_schema[] = {
        /* ---- top level -------------------------------------------------- */
        {.sk_path = "brokers", .sk_type = CP_SCHEMA_STRING, .sk_default = "(none)",
         .sk_meaning = "Kafka bootstrap servers, `host:port[,host:port]`. Without it, `run` "
                       "starts the embedded broker. `run --brokers` overrides it."},
        {.sk_path = "topics.records", .sk_type = CP_SCHEMA_STRING,
         .sk_default = CP_TOPIC_DEFAULT(CP_DEFAULT_TOPIC_RECORDS),
         .sk_meaning = "topic of the record batches"},
        {.sk_path = "topics.rejects", .sk_type = CP_SCHEMA_STRING,
         .sk_default = CP_TOPIC_DEFAULT(CP_DEFAULT_TOPIC_REJECTS),
         .sk_meaning = "topic of the rejected records"},
        {.sk_path = "topics.sharing", .sk_type = CP_SCHEMA_STRING,
         .sk_default = CP_TOPIC_DEFAULT(CP_DEFAULT_TOPIC_SHARING),
         .sk_meaning = "topic of the sharing reports"},
        {.sk_path = "topics.checkpoints", .sk_type = CP_SCHEMA_STRING,
         .sk_default = CP_TOPIC_DEFAULT(CP_DEFAULT_TOPIC_CHECKPOINTS),
         .sk_meaning = "topic of the checkpoints (with `state.dir`; one partition, compacted)"},
        {.sk_path = "topics.partitions", .sk_type = CP_SCHEMA_INT,
         .sk_min = 1, .sk_max = 10000, .sk_dflt = CP_DEFAULT_PARTITIONS,
         .sk_meaning = "partitions of the records topic when credpipe creates it (an existing "
                       "topic keeps its own)"},
        {.sk_path = "topics.replication", .sk_type = CP_SCHEMA_INT,
         .sk_min = 1, .sk_max = 32, .sk_dflt = 1,
         .sk_meaning = "replication factor of topics credpipe creates"},
        {.sk_path = "batch.records", .sk_type = CP_SCHEMA_INT,
         .sk_min = 1, .sk_max = 1000000, .sk_dflt = 2000,
         .sk_meaning = "records per ingest batch; a batch becomes one message per partition "
                       "it touches"},
        {.sk_path = "batch.zstd_level", .sk_type = CP_SCHEMA_INT,
         .sk_min = -7, .sk_max = 19, .sk_dflt = 3,
         .sk_meaning = "zstd level of message payloads"},
        {.sk_path = "queue.batches", .sk_type = CP_SCHEMA_INT,
         .sk_min = 1, .sk_max = 4096, .sk_dflt = 8,
         .sk_meaning = "capacity of each queue between stages, in batches"},
        {.sk_path = "delivery_timeout_ms", .sk_type = CP_SCHEMA_INT,
         .sk_min = 1000, .sk_max = 3600000, .sk_dflt = 300000,
         .sk_meaning = "how long a message may wait for delivery before the run fails"},
        {.sk_path = "uscc_categories", .sk_type = CP_SCHEMA_PATH, .sk_default = "(built in)",
         .sk_meaning = "USCC department/category table (TSV: pair, `core` or `extended`, "
                       "description), replacing the built-in one, e.g. when a new pair is "
                       "published; `data/uscc_categories.tsv` is the built-in table as a "
                       "file. Pairs not in the table are kept with the finding "
                       "`category_unknown`; `extended` pairs get `category_unconfirmed`"},
        {.sk_path = "kafka.<property>", .sk_type = CP_SCHEMA_STRING, .sk_default = "",
         .sk_meaning = "passed to librdkafka as is (e.g. `security.protocol`, `linger.ms`); "
                       "credpipe sets `enable.idempotence=true`, `acks=all` and "
                       "`compression.codec=none` itself"},
        {.sk_path = "log.level", .sk_type = CP_SCHEMA_STRING, .sk_default = "`info`",
         .sk_meaning = "log levels, globally and per component: `\"info,sink=debug\"` "
                       "([logging](logging.md#levels)); `--log-level` overrides it"},
        {.sk_path = "log.format", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("logfmt", "json"), .sk_default = "`logfmt`",
         .sk_meaning = "log line format ([logging](logging.md#formats)); `--log-format` "
                       "overrides it"},
        {.sk_path = "pseudonymize.key_file", .sk_type = CP_SCHEMA_PATH, .sk_default = "(off)",
         .sk_meaning = "turns pseudonymisation on: resident IDs in the output become keyed "
                       "HMAC-SHA256 pseudonyms ([Pseudonymisation](#pseudonymisation)); the "
                       "file holds the key"},
        {.sk_path = "completeness.as_of", .sk_type = CP_SCHEMA_STRING,
         .sk_form = "`YYYY-MM-DD`", .sk_default = "the day of the run (UTC+8)",
         .sk_meaning = "observation date of the completeness figures: which entries are "
                       "inside their publication window ([metrics](metrics.md))"},
        {.sk_path = "completeness.rules", .sk_type = CP_SCHEMA_PATH, .sk_default = "(built in)",
         .sk_meaning = "publication rules file replacing the built-in "
                       "`data/publication_rules.tsv` (same format: regimes, tiers, required "
                       "fields; [metrics](metrics.md#publication-windows-domainmd-5))"},
        {.sk_path = "metrics.listen", .sk_type = CP_SCHEMA_STRING,
         .sk_form = "`HOST:PORT`", .sk_default = "(off)",
         .sk_meaning = "serve `/metrics` (Prometheus text format), `/healthz` and `/readyz` "
                       "on this address, e.g. `\"127.0.0.1:9464\"` (loopback: the figures "
                       "are for the operator; `[::1]:9464` for IPv6, port 0 for any free "
                       "port). `run --metrics-listen` overrides it. "
                       "[Metrics](metrics.md#prometheus-metrics) lists every metric"},
        {.sk_path = "state.dir", .sk_type = CP_SCHEMA_PATH, .sk_default = "(off)",
         .sk_meaning = "turns exactly-once processing on: Kafka transactions, checkpoints "
                       "every `state.checkpoint_interval`, the transform's state kept here, "
                       "and a restart resumes from the last committed checkpoint ([exactly "
                       "once](exactly-once.md))"},
        {.sk_path = "state.instance", .sk_type = CP_SCHEMA_STRING,
         .sk_default = "derived from `state.dir`'s absolute path",
         .sk_meaning = "names this instance: its transactional id is `credpipe-<instance>`, "
                       "its checkpoints are keyed by it. Two instances must differ; one "
                       "instance must keep it across restarts (set it when the directory "
                       "moves)"},
        {.sk_path = "state.settle", .sk_type = CP_SCHEMA_DURATION,
         .sk_min = 0, .sk_max = 3600000, .sk_dflt = 2000,
         .sk_meaning = "service mode: a file unchanged this long is complete; shorter "
                       "than 1 s counts as 1 s, the resolution of some file systems' "
                       "times"},
        {.sk_path = "state.checkpoint_interval", .sk_type = CP_SCHEMA_DURATION,
         .sk_min = 50, .sk_max = 3600000, .sk_dflt = 10000,
         .sk_meaning = "how often an epoch is committed: the most output a crash can make "
                       "credpipe redo, and the commit rate"},
        {.sk_path = "report.interval", .sk_type = CP_SCHEMA_DURATION,
         .sk_min = 100, .sk_max = 86400000, .sk_dflt = 60000,
         .sk_meaning = "how often `run` produces a `SharingReport` to the sharing topic "
                       "while it runs (one more at the end); a whole number with `ms`, `s`, "
                       "`m` or `h`, a bare number is seconds"},
        {.sk_path = "sources", .sk_type = CP_SCHEMA_LIST, .sk_default = "required",
         .sk_meaning = "the feeds, below; at most 63"},

        /* ---- each source ------------------------------------------------ */
        {.sk_path = "sources[].id", .sk_type = CP_SCHEMA_STRING, .sk_default = "required",
         .sk_meaning = "unique name: letters, digits, `_`, `.`, `-`"},
        {.sk_path = "sources[].role", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("sectoral", "municipal", "central"), .sk_default = "required",
         .sk_meaning = "who publishes it; `central` sources are the reference every other "
                       "source is joined with"},
        {.sk_path = "sources[].category", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("admin_penalty", "admin_permit", "abnormal_operation",
                                "blacklist", "redlist", "judgment_defaulter", "basic_info",
                                "rating"),
         .sk_default = "required",
         .sk_meaning = "what the records are; chooses the natural key"},
        {.sk_path = "sources[].region", .sk_type = CP_SCHEMA_STRING, .sk_default = "",
         .sk_meaning = "region code of the publisher, carried in provenance"},
        {.sk_path = "sources[].format", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("csv", "jsonl", "xlsx", "http_json", "kafka"), .sk_default = "required",
         .sk_meaning = "CSV (RFC 4180, header row; UTF-8 unless `encoding` says otherwise) or "
                       "JSON Lines (one object per line); `xlsx`: an Excel workbook (see [How "
                       "files are read](#how-files-are-read)); `http_json`: JSON pages "
                       "fetched over HTTP ([HTTP sources](#http-sources)); `kafka`: messages of "
                       "Kafka topics ([Kafka sources](#kafka-sources))"},
        {.sk_path = "sources[].paths", .sk_type = CP_SCHEMA_LIST, .sk_form = "string or list",
         .sk_default = "required (not with `http_json` or `kafka`)",
         .sk_meaning = "files or glob patterns"},
        {.sk_path = "sources[].http", .sk_type = CP_SCHEMA_MAPPING,
         .sk_default = "required with `http_json`",
         .sk_meaning = "URLs, record path, pagination, retries and spool of an http source "
                       "([HTTP sources](#http-sources))"},
        {.sk_path = "sources[].kafka", .sk_type = CP_SCHEMA_MAPPING,
         .sk_default = "required with `kafka`",
         .sk_meaning = "topics, consumer group and message format of a Kafka source "
                       "([Kafka sources](#kafka-sources))"},
        {.sk_path = "sources[].preset", .sk_type = CP_SCHEMA_STRING, .sk_form = "preset name",
         .sk_default = "",
         .sk_meaning = "a known field set's column names ([Presets](#presets)); its category "
                       "must be the source's"},
        {.sk_path = "sources[].columns", .sk_type = CP_SCHEMA_MAPPING,
         .sk_default = "required without `preset` (not with `value_format: protobuf`)",
         .sk_meaning = "source column name (CSV header or JSON key) → canonical field; with a "
                       "preset, also `unmapped` to drop a preset column"},
        {.sk_path = "sources[].delimiter", .sk_type = CP_SCHEMA_STRING,
         .sk_form = "one character", .sk_default = "`,`",
         .sk_meaning = "CSV delimiter; `tab` or `\\t` for tabs"},
        {.sk_path = "sources[].sheets", .sk_type = CP_SCHEMA_LIST,
         .sk_form = "a sheet name or a list of them", .sk_default = "the first sheet",
         .sk_meaning = "xlsx only: the sheets to read, in this order; a name the workbook "
                       "lacks fails the file with the list of its sheets"},
        {.sk_path = "sources[].encoding", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("utf-8", "gb18030", "gbk", "utf-16le", "utf-16be", "auto"),
         .sk_default = "`utf-8`",
         .sk_meaning = "character encoding of the files (CSV and JSONL), decoded to UTF-8 "
                       "with the system's iconv; `gbk` is read as GB18030, its superset "
                       "(same text for every GBK file). `auto` chooses per file and logs "
                       "`ENCODING_DETECTED` ([How files are read](#how-files-are-read))"},
        {.sk_path = "sources[].amount_unit", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("yuan", "wan_yuan"), .sk_default = "`yuan`, or the preset's",
         .sk_meaning = "unit of `fine_amount` when a value has no unit of its own"},
        {.sk_path = "sources[].excel_date_system", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("1900", "1904"), .sk_default = "(none)",
         .sk_meaning = "the source was exported from Excel and writes dates as serial day "
                       "numbers (`43832` = 2020-01-02 in the 1900 system); without it a bare "
                       "number in a date field is not a date"},
        {.sk_path = "sources[].keep_unmapped", .sk_type = CP_SCHEMA_BOOL, .sk_default = "true",
         .sk_meaning = "carry unmapped columns in the record's `extra` map"},
        {.sk_path = "sources[].done", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("keep", "delete", "move"), .sk_default = "`keep`",
         .sk_meaning = "service mode: what becomes of a file once its records are committed; "
                       "a kept file is remembered by its content hash and not read again"},
        {.sk_path = "sources[].done_dir", .sk_type = CP_SCHEMA_PATH,
         .sk_default = "required with `done: move`",
         .sk_meaning = "where `done: move` puts committed files"},
        {.sk_path = "sources[].publication_rules", .sk_type = CP_SCHEMA_LIST,
         .sk_form = "a regime or a list of them",
         .sk_default = "the rules file's `default` line",
         .sk_meaning = "the publication regimes of the source's records, e.g. `[samr2021]` "
                       "for GSXT (SAMR's clock); an unknown regime is an error"},
        {.sk_path = "sources[].rating_scale", .sk_type = CP_SCHEMA_MAPPING,
         .sk_form = "`{min, max, baseline}`", .sk_default = "(none)",
         .sk_meaning = "the scale of the source's `rating` values (`{min: 0, max: 12, "
                       "baseline: 9}`); ratings are normalised to [0, 1] with it"},
        {.sk_path = "sources[].rating_scale.min", .sk_type = CP_SCHEMA_NUMBER,
         .sk_default = "required", .sk_meaning = "the lowest rating of the scale"},
        {.sk_path = "sources[].rating_scale.max", .sk_type = CP_SCHEMA_NUMBER,
         .sk_default = "required", .sk_meaning = "the highest rating of the scale, above `min`"},
        {.sk_path = "sources[].rating_scale.baseline", .sk_type = CP_SCHEMA_NUMBER,
         .sk_default = "0",
         .sk_meaning = "the scale's reference rating (9 on a 0–12 scale, 100 on a 0–100 "
                       "one), carried in each record's `rating`"},

        /* ---- the `http` mapping of a source (format http_json) ----------- */
        {.sk_path = "sources[].http.url", .sk_type = CP_SCHEMA_LIST,
         .sk_form = "URL or list of URLs", .sk_default = "required",
         .sk_meaning = "`http://` or `https://` only (redirects too, at most 5); each URL is "
                       "paginated on its own, in the order given"},
        {.sk_path = "sources[].http.records", .sk_type = CP_SCHEMA_STRING,
         .sk_form = "dotted path", .sk_default = "the page itself",
         .sk_meaning = "where the record array is: object keys joined by dots, a number "
                       "indexes an array (`result.0.rows`); a key that holds a dot cannot be "
                       "named. `null` there is an empty page"},
        {.sk_path = "sources[].http.pagination.mode", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("none", "page", "cursor"), .sk_default = "`none`",
         .sk_meaning = "`none`: one page per URL. `page`: `{page}` in the URL (required, and "
                       "only in this mode) becomes `first`, `first`+1, … `cursor`: the first "
                       "request is the URL as written, each next one adds `param=<cursor>` "
                       "(percent-encoded)"},
        {.sk_path = "sources[].http.pagination.first", .sk_type = CP_SCHEMA_INT,
         .sk_min = 0, .sk_max = 1000000000, .sk_dflt = 1,
         .sk_meaning = "`page` mode: the first page number"},
        {.sk_path = "sources[].http.pagination.max_pages", .sk_type = CP_SCHEMA_INT,
         .sk_min = 1, .sk_max = 10000000, .sk_dflt = 10000,
         .sk_meaning = "pages per URL at most; when more would follow, the warning "
                       "`HTTP_MAX_PAGES` says so"},
        {.sk_path = "sources[].http.pagination.next", .sk_type = CP_SCHEMA_STRING,
         .sk_form = "dotted path", .sk_default = "required with `cursor`",
         .sk_meaning = "where a page names the next page's cursor: a string, or a number "
                       "taken as written"},
        {.sk_path = "sources[].http.pagination.param", .sk_type = CP_SCHEMA_STRING,
         .sk_default = "required with `cursor`",
         .sk_meaning = "the query parameter that carries the cursor"},
        {.sk_path = "sources[].http.retries", .sk_type = CP_SCHEMA_INT,
         .sk_min = 0, .sk_max = 100, .sk_dflt = 5,
         .sk_meaning = "retries of a transient failure"},
        {.sk_path = "sources[].http.timeout_ms", .sk_type = CP_SCHEMA_INT,
         .sk_min = 100, .sk_max = 3600000, .sk_dflt = 30000,
         .sk_meaning = "per request, connecting included"},
        {.sk_path = "sources[].http.backoff_ms", .sk_type = CP_SCHEMA_INT,
         .sk_min = 1, .sk_max = 600000, .sk_dflt = 1000,
         .sk_meaning = "wait before the first retry"},
        {.sk_path = "sources[].http.spool", .sk_type = CP_SCHEMA_PATH,
         .sk_default = "`spool/<id>`",
         .sk_meaning = "directory of the spooled pages and their `state.json`; each http "
                       "source needs its own"},

        /* ---- the `kafka` mapping of a source (format kafka) -------------- */
        {.sk_path = "sources[].kafka.topics", .sk_type = CP_SCHEMA_LIST,
         .sk_form = "topic or list of topics", .sk_default = "required",
         .sk_meaning = "the input topics; their partitions are read one after the other, "
                       "topics in name order, partitions in number order"},
        {.sk_path = "sources[].kafka.value_format", .sk_type = CP_SCHEMA_ENUM,
         .sk_values = CP_VALUES("csv", "json", "protobuf"), .sk_default = "required",
         .sk_meaning = "what a message holds: one CSV line (named by `csv_header`), one JSON "
                       "object (mapped as a JSON Lines line), or a packed "
                       "`credpipe.v1.CreditRecord` (its fields taken as they are)"},
        {.sk_path = "sources[].kafka.csv_header", .sk_type = CP_SCHEMA_STRING,
         .sk_form = "one CSV line", .sk_default = "required with `csv`",
         .sk_meaning = "the column names of the CSV messages, mapped by `columns` or the "
                       "preset as a file's header is"},
        {.sk_path = "sources[].kafka.group", .sk_type = CP_SCHEMA_STRING,
         .sk_default = "`credpipe-<instance>-<id>`",
         .sk_meaning = "consumer group whose committed offsets follow the source's "
                       "(in the epoch's transaction with `state.dir`)"},
        {.sk_path = "sources[].kafka.brokers", .sk_type = CP_SCHEMA_STRING,
         .sk_default = "the run's brokers",
         .sk_meaning = "bootstrap servers of the input topics' cluster"},
};

#define CP_SCHEMA_N (sizeof(cp_schema) / sizeof(cp_schema[0]))

/* Keys of a source, and of its `http` mapping, have tables of their own. */
#define CP_SOURCE_PREFIX "sources[]."
#define CP_HTTP_PREFIX "sources[].http."
#define CP_KAFKA_PREFIX "sources[].kafka."

const char *const cp_schema_tables[] = {"config-keys", "source-keys", "http-keys",
                                        "kafka-keys", NULL};

size_t cp_schema_count(void)
{
        return CP_SCHEMA_N;
}

const cp_schema_key_t *cp_schema_at(size_t i)
{
        return i < CP_SCHEMA_N ? &cp_schema[i] : NULL;
}

const cp_schema_key_t *cp_schema_find(const char *path)
{
        for (size_t i = 0; i < CP_SCHEMA_N; i++)
                if (!strcmp(cp_schema[i].sk_path, path))
                        return &cp_schema[i];
        return NULL;
}

/* The name that the i-th key gives a child of `section` ("http" for
 * "sources[].http.url" in "sources[]"), if no earlier key gave it: its
 * start in the path, and its length in *len. NULL otherwise. */
static const char *cp_schema_child(const char *section, size_t i, size_t *len)
{
        size_t slen = strlen(section);
        const char *rest = cp_schema[i].sk_path, *end;

        if (slen) {
                if (strncmp(rest, section, slen) || rest[slen] != '.')
                        return NULL;
                rest += slen + 1;
        }
        end = rest + strcspn(rest, ".");
        *len = (size_t)(end - rest);
        if (*len > 2 && !memcmp(end - 2, "[]", 2))
                *len -= 2;
        for (size_t j = 0; j < i; j++) {
                const char *o = cp_schema[j].sk_path;

                if (slen) {
                        if (strncmp(o, section, slen) || o[slen] != '.')
                                continue;
                        o += slen + 1;
                }
                if (!strncmp(o, rest, *len) &&
                    (o[*len] == '\0' || o[*len] == '.' || o[*len] == '['))
                        return NULL;
        }
        return rest;
}

bool cp_schema_allows(const char *section, const char *name)
{
        size_t len;

        for (size_t i = 0; i < CP_SCHEMA_N; i++) {
                const char *c = cp_schema_child(section, i, &len);

                if (c && len == strlen(name) && !memcmp(c, name, len))
                        return true;
        }
        return false;
}

void cp_schema_child_list(const char *section, char *buf, size_t size)
{
        size_t len, used = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < CP_SCHEMA_N && used < size; i++) {
                const char *c = cp_schema_child(section, i, &len);

                if (c)
                        used += (size_t)snprintf(buf + used, size - used, "%s%.*s",
                                                 used ? ", " : "", (int)len, c);
        }
}

const char *cp_schema_display(const char *path)
{
        return strncmp(path, CP_SOURCE_PREFIX, strlen(CP_SOURCE_PREFIX))
                ? path : path + strlen(CP_SOURCE_PREFIX);
}

const char *cp_schema_table_of(const cp_schema_key_t *k)
{
        if (!strncmp(k->sk_path, CP_HTTP_PREFIX, strlen(CP_HTTP_PREFIX)))
                return cp_schema_tables[2];
        if (!strncmp(k->sk_path, CP_KAFKA_PREFIX, strlen(CP_KAFKA_PREFIX)))
                return cp_schema_tables[3];
        if (!strncmp(k->sk_path, CP_SOURCE_PREFIX, strlen(CP_SOURCE_PREFIX)))
                return cp_schema_tables[1];
        return cp_schema_tables[0];
}

/* "−7": the docs write negative numbers with a minus sign, which a
 * hyphen-minus next to the range's dash would not read as. */
static void cp_schema_number(long v, char *buf, size_t size)
{
        if (v < 0)
                snprintf(buf, size, "\u2212%ld", -v);
        else
                snprintf(buf, size, "%ld", v);
}

/* A duration as the docs write it: "1h", "24h", else seconds ("60s", not
 * "1m"), else milliseconds. */
static void cp_schema_duration(long ms, char *buf, size_t size)
{
        if (ms && ms % 3600000 == 0)
                snprintf(buf, size, "%ldh", ms / 3600000);
        else if (ms % 1000 == 0)
                snprintf(buf, size, "%lds", ms / 1000);
        else
                snprintf(buf, size, "%ldms", ms);
}

void cp_schema_type_text(const cp_schema_key_t *k, char *buf, size_t size)
{
        char lo[32], hi[32];

        if (k->sk_form) {
                snprintf(buf, size, "%s", k->sk_form);
                return;
        }
        switch (k->sk_type) {
        case CP_SCHEMA_STRING: snprintf(buf, size, "string"); return;
        case CP_SCHEMA_NUMBER: snprintf(buf, size, "number"); return;
        case CP_SCHEMA_BOOL: snprintf(buf, size, "bool"); return;
        case CP_SCHEMA_PATH: snprintf(buf, size, "path"); return;
        case CP_SCHEMA_LIST: snprintf(buf, size, "list"); return;
        case CP_SCHEMA_MAPPING: snprintf(buf, size, "mapping"); return;
        case CP_SCHEMA_INT:
                cp_schema_number(k->sk_min, lo, sizeof(lo));
                cp_schema_number(k->sk_max, hi, sizeof(hi));
                snprintf(buf, size, "int %s–%s", lo, hi);
                return;
        case CP_SCHEMA_DURATION:
                cp_schema_duration(k->sk_min, lo, sizeof(lo));
                cp_schema_duration(k->sk_max, hi, sizeof(hi));
                snprintf(buf, size, "duration %s–%s", lo, hi);
                return;
        case CP_SCHEMA_ENUM:
                buf[0] = '\0';
                for (const char *const *v = k->sk_values; v && *v; v++) {
                        size_t len = strlen(buf);

                        snprintf(buf + len, size - len, "%s`%s`",
                                 v == k->sk_values ? "" : " \\| ", *v);
                }
                return;
        }
        snprintf(buf, size, "?");
}

void cp_schema_default_text(const cp_schema_key_t *k, char *buf, size_t size)
{
        char d[32];

        if (k->sk_default) {
                snprintf(buf, size, "%s", k->sk_default);
        } else if (k->sk_type == CP_SCHEMA_DURATION) {
                cp_schema_duration(k->sk_dflt, d, sizeof(d));
                snprintf(buf, size, "`%s`", d);
        } else {
                snprintf(buf, size, "%ld", k->sk_dflt);
        }
}

int cp_schema_markdown(FILE *out, const char *table)
{
        bool known = false;

        for (const char *const *t = cp_schema_tables; *t; t++)
                known |= !strcmp(*t, table);
        if (!known)
                return -1;
        fprintf(out, "| key | type | default | meaning |\n|---|---|---|---|\n");
        for (size_t i = 0; i < CP_SCHEMA_N; i++) {
                const cp_schema_key_t *k = &cp_schema[i];
                char type[512], dflt[512];

                if (strcmp(cp_schema_table_of(k), table))
                        continue;
                cp_schema_type_text(k, type, sizeof(type));
                cp_schema_default_text(k, dflt, sizeof(dflt));
                /* An empty cell is one space, as written by hand. */
                fprintf(out, "| `%s` | %s | %s%s| %s |\n", cp_schema_display(k->sk_path),
                        type, dflt, *dflt ? " " : "", k->sk_meaning);
        }
        return 0;
}

int cp_schema_block(FILE *out, const char *table)
{
        /* Blank lines around the table: no markdown reader takes a marker
         * for a row of it. */
        fprintf(out, "<!-- generated: %s begin -->\n\n", table);
        if (cp_schema_markdown(out, table))
                return -1;
        fprintf(out, "\n<!-- generated: %s end -->", table);
        return 0;
}

char *cp_schema_doc_regen(const char *doc, char *errstr, size_t errstr_size)
{
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        const char *at = doc;

        if (!out) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        for (const char *const *t = cp_schema_tables; *t; t++) {
                char begin[96], end[96];
                const char *b, *e;

                snprintf(begin, sizeof(begin), "<!-- generated: %s begin -->", *t);
                snprintf(end, sizeof(end), "<!-- generated: %s end -->", *t);
                b = strstr(at, begin);
                e = b ? strstr(b, end) : NULL;
                if (!e) {
                        snprintf(errstr, errstr_size, "no \"%s\" followed by \"%s\" "
                                 "(after the previous table's)", begin, end);
                        fclose(out);
                        free(text);
                        return NULL;
                }
                fwrite(at, 1, (size_t)(b - at), out);
                cp_schema_block(out, *t);
                at = e + strlen(end);
        }
        fputs(at, out);
        if (fclose(out)) {
                snprintf(errstr, errstr_size, "out of memory");
                free(text);
                return NULL;
        }
        return text;
}
