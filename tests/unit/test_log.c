/* The logger: logfmt and JSON lines (escaping, every call site's shape),
 * level specs per component and their origins, rate limiting with its
 * summary line, the resident-ID scrub, librdkafka's lines, the `log:`
 * section of the configuration, and lines from several threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/config.h"
#include "core/log.h"
#include "testutil.h"

/* A valid resident ID (check digit X) and its masked form. */
#define T_RIC "11010519491231002X"
#define T_RIC_MASKED "110105********002X"

static FILE *t_out;
static char t_buf[1 << 20];
static uint64_t t_now;

static uint64_t t_clock(void)
{
        return t_now;
}

static int setup(void **state)
{
        (void)state;
        cp_log_reset();
        t_out = tmpfile();
        assert_non_null(t_out);
        cp_log_set_output(t_out);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        cp_log_reset();
        fclose(t_out);
        return 0;
}

/* Everything logged so far, NUL-terminated. */
static const char *t_logged(void)
{
        size_t n;

        fflush(t_out);
        rewind(t_out);
        n = fread(t_buf, 1, sizeof(t_buf) - 1, t_out);
        t_buf[n] = '\0';
        return t_buf;
}

/* Forgets what was logged so far. */
static void t_clear(void)
{
        fclose(t_out);
        t_out = tmpfile();
        assert_non_null(t_out);
        cp_log_set_output(t_out);
}

static size_t t_count(const char *hay, const char *needle)
{
        size_t n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* The i-th line (0-based) of what was logged, in a static buffer. */
static const char *t_line(size_t i)
{
        static char line[65536];
        const char *p = t_logged(), *e;

        while (i-- > 0) {
                p = strchr(p, '\n');
                assert_non_null(p);
                p++;
        }
        e = strchr(p, '\n');
        assert_non_null(e);
        assert_true((size_t)(e - p) < sizeof(line));
        memcpy(line, p, (size_t)(e - p));
        line[e - p] = '\0';
        return line;
}

static size_t t_nlines(void)
{
        return t_count(t_logged(), "\n");
}

static json_t *t_json(const char *line)
{
        json_error_t jerr;
        json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);

        if (!o)
                fail_msg("not JSON (%s): %s", jerr.text, line);
        assert_true(json_is_object(o));
        return o;
}

static const char *t_member(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);

        if (!v)
                return NULL;
        assert_true(json_is_string(v));
        return json_string_value(v);
}

/* A strict logfmt reader: key=value pairs separated by one blank, values
 * bare or quoted with the escapes the logger writes. Fails the test on
 * anything else. @returns the pairs as a JSON object. */
static json_t *t_logfmt(const char *line)
{
        json_t *o = json_object();
        const char *p = line;

        while (*p) {
                char key[128], val[65536];
                size_t k = 0, v = 0;

                while (*p && *p != '=' && *p != ' ' && *p != '"' && k < sizeof(key) - 1)
                        key[k++] = *p++;
                key[k] = '\0';
                if (!k || *p != '=')
                        fail_msg("bad logfmt key at '%s' in %s", p, line);
                p++;
                if (*p == '"') {
                        for (p++; *p && *p != '"'; p++) {
                                assert_true(v < sizeof(val) - 4);
                                if (*p != '\\') {
                                        val[v++] = *p;
                                        continue;
                                }
                                switch (*++p) {
                                case '"': val[v++] = '"'; break;
                                case '\\': val[v++] = '\\'; break;
                                case 'n': val[v++] = '\n'; break;
                                case 'r': val[v++] = '\r'; break;
                                case 't': val[v++] = '\t'; break;
                                case 'u': {
                                        unsigned c;
                                        assert_int_equal(sscanf(p + 1, "%4x", &c), 1);
                                        assert_true(c < 0x80);
                                        val[v++] = (char)c;
                                        p += 4;
                                        break;
                                }
                                default:
                                        fail_msg("bad escape in %s", line);
                                }
                        }
                        if (*p != '"')
                                fail_msg("unterminated value in %s", line);
                        p++;
                } else {
                        while (*p && *p != ' ') {
                                if (*p == '"' || *p == '=' || *p == '\\')
                                        fail_msg("unquoted special character in %s", line);
                                assert_true(v < sizeof(val) - 1);
                                val[v++] = *p++;
                        }
                }
                if (*p == ' ')
                        p++;
                else if (*p)
                        fail_msg("no blank after a value in %s", line);
                json_object_set_new(o, key, json_stringn(val, v));
        }
        return o;
}

/* The same event in both formats: the same fields with the same values. */
static void t_same_fields(const char *logfmt, const char *json)
{
        json_t *a = t_logfmt(logfmt), *b = t_json(json);
        const char *key;
        json_t *v;

        assert_int_equal(json_object_size(a), json_object_size(b));
        json_object_foreach(a, key, v) {
                const char *w = t_member(b, key);

                if (!w)
                        fail_msg("%s missing from %s", key, json);
                if (strcmp(key, "ts"))
                        assert_string_equal(json_string_value(v), w);
        }
        json_decref(a);
        json_decref(b);
}

static void test_logfmt_line(void **state)
{
        (void)state;
        cp_log_warn("ingest", "PRESET_GENERATION",
                    "msg=\"the file has a column of another generation\" source=%s "
                    "file=\"%s\" line=%llu preset=%s column=\"%s\" suggest=%s",
                    "mem", "/feeds/a.csv", 1ULL, "sgs_penalty", "CF_CFMC",
                    "sgs_penalty_legacy");
        /* The shape greps and tests rely on, quotes as the call site wrote. */
        assert_non_null(strstr(t_line(0), " level=warn comp=ingest event=PRESET_GENERATION "
                                "msg=\"the file has a column of another generation\" "
                                "source=mem file=\"/feeds/a.csv\" line=1 "
                                "preset=sgs_penalty column=\"CF_CFMC\" "
                                "suggest=sgs_penalty_legacy"));
        assert_memory_equal(t_line(0), "ts=2", 4);
        assert_int_equal(strlen("ts=2026-01-05T10:00:00.123Z"),
                         strchr(t_line(0), ' ') - t_line(0));
        assert_int_equal(t_nlines(), 1);
}

static void test_json_escaping(void **state)
{
        /* quotes, a backslash, control characters, UTF-8, a bad byte */
        const char *nasty = "say \"hi\" C:\\dir\\ \x01\x1b[31m\ttab\nnew 统一代码 \xff end";
        json_t *o;

        (void)state;
        assert_int_equal(cp_log_set_format(CP_LOG_FROM_CLI, "json", NULL, 0), 0);
        cp_log_error("sink", "FLUSH_FAILED", "msg=\"%s\" file=\"%s\" n=%d", nasty,
                     "a \"b\".csv", 3);
        o = t_json(t_line(0));
        assert_string_equal(t_member(o, "level"), "error");
        assert_string_equal(t_member(o, "comp"), "sink");
        assert_string_equal(t_member(o, "event"), "FLUSH_FAILED");
        assert_string_equal(t_member(o, "msg"),
                            "say \"hi\" C:\\dir\\ \x01\x1b[31m\ttab\nnew 统一代码 \xef\xbf\xbd end");
        assert_string_equal(t_member(o, "file"), "a \"b\".csv");
        assert_string_equal(t_member(o, "n"), "3");
        /* ts, level, comp, event, msg come first, in that order. */
        {
                static const char *const order[] = {"ts", "level", "comp", "event", "msg",
                                                    "file", "n"};
                size_t i = 0;
                const char *key;
                json_t *v;

                json_object_foreach(o, key, v) {
                        assert_true(i < 7);
                        assert_string_equal(key, order[i++]);
                }
                assert_int_equal(i, 7);
        }
        json_decref(o);
        /* The raw line has no control character and no bad UTF-8 left. */
        for (const unsigned char *p = (const unsigned char *)t_line(0); *p; p++)
                assert_true(*p >= 0x20 && *p != 0x7f && *p != 0xff);

        /* The same in logfmt reads back to the same values. */
        {
                char json[8192];

                snprintf(json, sizeof(json), "%s", t_line(0));
                t_clear();
                assert_int_equal(cp_log_set_format(CP_LOG_FROM_CLI, "logfmt", NULL, 0), 0);
                cp_log_error("sink", "FLUSH_FAILED", "msg=\"%s\" file=\"%s\" n=%d", nasty,
                             "a \"b\".csv", 3);
                t_same_fields(t_line(0), json);
        }
}

/* Text that is not key=value, fields named like the fixed members, a bare
 * value with blanks, a tail longer than the logger takes. */
static void test_odd_tails(void **state)
{
        char big[10000];
        json_t *o;

        (void)state;
        cp_log_set_format(CP_LOG_FROM_DEFAULT, "json", NULL, 0);
        cp_log_info("run", "ODD", "just words level=%s file=%s msg=\"m\" msg=again", "x",
                    "/my feeds/a b.csv");
        o = t_json(t_line(0));
        assert_string_equal(t_member(o, "text"), "just words");
        assert_string_equal(t_member(o, "level"), "info");
        assert_string_equal(t_member(o, "_level"), "x");
        assert_string_equal(t_member(o, "file"), "/my feeds/a b.csv");
        assert_string_equal(t_member(o, "msg"), "m");
        assert_string_equal(t_member(o, "_msg"), "again");
        json_decref(o);

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        cp_log_info("run", "BIG", "msg=\"%s\" tail=1", big);
        o = t_json(t_line(1));
        assert_string_equal(t_member(o, "truncated"), "true");
        assert_true(strlen(t_member(o, "msg")) > 4000);
        json_decref(o);

        cp_log_info("run", "EMPTY", "%s", "");
        cp_log_info("run", "bad event name!", "k=");
        o = t_json(t_line(2));
        assert_int_equal(json_object_size(o), 4);
        json_decref(o);
        o = t_json(t_line(3));
        assert_string_equal(t_member(o, "event"), "bad_event_name_");
        assert_string_equal(t_member(o, "k"), "");
        json_decref(o);
}

/* Every call site's format (as in the code), with awkward values: each
 * renders as logfmt a strict reader accepts, as JSON, and with the same
 * fields in both. */
static void t_call_sites(void)
{
        const char *file = "/data/my \"feeds\"/a b.csv", *err = "cannot open \"x.csv\": "
                           "No such file or directory";

        cp_log_info("ingest", "CSV_TITLE_ROWS", "msg=\"skipped rows above the header\" "
                    "file=\"%s\" first_line=%llu header_line=%llu", file, 1ULL, 3ULL);
        cp_log_info("ingest", "CSV_TITLE_ROWS", "msg=\"skipped rows above the header\" "
                    "file=\"%s\" sheet=\"%s\" first_line=%u header_line=%u", file,
                    "Sheet \"1\"", 1u, 3u);
        cp_log_info("ingest", "XLSX_SHEET", "msg=\"reading a sheet\" "
                    "file=\"%s\" sheet=\"%s\" sheet_no=%u", file, "处罚 2024", 2u);
        cp_log_warn("ingest", "PRESET_GENERATION", "msg=\"the file has a column of another "
                    "generation of the source's field set: check the source's preset\" "
                    "source=%s file=\"%s\" line=%llu preset=%s column=\"%s\" suggest=%s",
                    "mem", file, 7ULL, "sgs_penalty", "CF_CFMC", "sgs_penalty_legacy");
        cp_log_info("ingest", "ENCODING_DETECTED", "source=%s file=\"%s\" encoding=%s",
                    "mem", file, "GB18030");
        cp_log_warn("ingest", "HTTP_RETRY", "source=%s url=\"%s\" attempt=%d of=%d "
                    "error=\"%s\" retry_after_s=%ld wait_ms=%ld", "mem",
                    "https://x.example/a?b=1&c=\"2\"", 1, 3, err, 5L, 5000L);
        cp_log_info("transform", "PSEUDONYMIZE", "msg=\"resident IDs are replaced by keyed "
                    "pseudonyms\" key_file=\"%s\" key_id=%02x%02x%02x%02x", "", 1, 2, 3, 4);
        cp_log_error("sink", "DELIVERY_FAILED", "msg=\"message not delivered\" topic=%s "
                     "partition=%d err=%s", "credpipe.records", 3, "_MSG_TIMED_OUT");
        cp_log_warn("sink", "CREATE_TOPICS_UNANSWERED", "msg=\"the broker did not "
                    "answer CreateTopics; relying on its auto-creation of topics\"");
        cp_log_info("sink", "SINK_READY", "brokers=%s topic=%s partitions=%d",
                    "127.0.0.1:9092,127.0.0.1:9093", "credpipe.records", 6);
        cp_log_error("sink", "PRODUCE_FAILED", "topic=%s err=%s", "r", "_QUEUE_FULL");
        cp_log_warn("ingest", "NO_FILES", "source=%s msg=\"no file matches the "
                    "source's paths; check 'paths' in the configuration\"", "mem");
        cp_log_error("ingest", "FILE_FAILED", "source=%s file=%s msg=\"%s\"", "mem", file,
                     err);
        cp_log_info("ingest", "FILE_DONE", "source=%s file=%s", "mem", file);
        cp_log_error("transform", "OUT_OF_MEMORY", "msg=\"out of memory while transforming\"");
        cp_log_info("run", "EMBEDDED_BROKER", "bootstrap=%s msg=\"no brokers configured: "
                    "using the embedded broker; its data lives in memory only and is gone "
                    "when credpipe exits\"", "127.0.0.1:40000");
        cp_log_error("ingest", "SOURCE_FAILED", "source=%s msg=\"%s\"", "mem", err);
        cp_log_info("run", "INPUTS_DONE", "msg=\"every input read and handed to Kafka; "
                    "waiting for deliveries\"");
        cp_log_error("sink", "FLUSH_FAILED", "msg=\"%s\"", err);
        cp_log_info("run", "FLUSHED", "msg=\"every message delivered or failed\"");
        cp_log_info("broker", "BROKER_READY", "bootstrap=%s msg=\"embedded broker for "
                    "trials and tests: data lives in memory only and is lost when it "
                    "stops; no transactions visibility, no SASL/TLS, ~5 MB per "
                    "partition\"", "127.0.0.1:9092");
        cp_log_info("broker", "BROKER_STOP", "signal=%s", "TERM");
        cp_log_syslog(3, "kafka", CP_LOG_EVENT_RDKAFKA, "FAIL", "rdkafka#producer-1",
                      "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: "
                      "Connection refused (after 0ms in state CONNECT)");
        cp_log_debug("ingest", "HTTP_PAGE", "source=%s url=\"%s\" status=%ld bytes=%zu "
                     "attempts=%d file=\"%s/%s\"", "portal",
                     "http://127.0.0.1:1/api?pageNo=2&pageSize=2", 200L, (size_t)512, 1,
                     "/spool", "u1-p000002.json");
        cp_log_warn("ingest", "HTTP_PAGE_REJECTED", "source=%s file=\"%s\" offset=%llu "
                    "reason=%s msg=\"%s\"", "portal", file, 0ULL, "http_records_missing",
                    "no record array at 'data.list': the page has no member 'data'");
        cp_log_info("ingest", "HTTP_FETCHED", "source=%s urls=%zu pages=%u changed=%zu "
                    "unchanged=%zu spool=\"%s\"", "portal", (size_t)1, 4u, (size_t)4,
                    (size_t)0, "/var/spool/credpipe");
        cp_log_info("metrics", "METRICS_LISTEN", "addr=%s port=%d msg=\"serving /metrics, "
                    "/healthz and /readyz\"", "::1", 9464);
        cp_log_info("run", "LINGER", "ms=%ld msg=\"the run is over; /metrics stays up until "
                    "then, or until SIGTERM or SIGINT\"", 5000L);
}

#define T_SITES 28

static void test_call_sites(void **state)
{
        char json[T_SITES][8192];
        json_t *o;

        (void)state;
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "debug", NULL, 0), 0);
        cp_log_set_format(CP_LOG_FROM_CLI, "json", NULL, 0);
        t_call_sites();
        assert_int_equal(t_nlines(), T_SITES);
        for (size_t i = 0; i < T_SITES; i++)
                snprintf(json[i], sizeof(json[i]), "%s", t_line(i));
        t_clear();
        cp_log_set_format(CP_LOG_FROM_CLI, "logfmt", NULL, 0);
        t_call_sites();
        assert_int_equal(t_nlines(), T_SITES);
        for (size_t i = 0; i < T_SITES; i++)
                t_same_fields(t_line(i), json[i]);

        /* Values a call site passes whole survive, quotes and blanks too. */
        o = t_json(json[0]);
        assert_string_equal(t_member(o, "file"), "/data/my \"feeds\"/a b.csv");
        json_decref(o);
        o = t_json(json[12]);  /* FILE_FAILED: file unquoted, msg quoted */
        assert_string_equal(t_member(o, "file"), "/data/my \"feeds\"/a b.csv");
        assert_string_equal(t_member(o, "msg"),
                            "cannot open \"x.csv\": No such file or directory");
        json_decref(o);
        o = t_json(json[13]);  /* FILE_DONE: a path with blanks, unquoted */
        assert_string_equal(t_member(o, "file"), "/data/my \"feeds\"/a b.csv");
        json_decref(o);
        o = t_json(json[6]);   /* PSEUDONYMIZE: an empty quoted value */
        assert_string_equal(t_member(o, "key_file"), "");
        assert_string_equal(t_member(o, "key_id"), "01020304");
        json_decref(o);
        o = t_json(json[22]);
        assert_string_equal(t_member(o, "level"), "error");
        assert_string_equal(t_member(o, "comp"), "kafka");
        assert_string_equal(t_member(o, "event"), "RDKAFKA_FAIL");
        assert_string_equal(t_member(o, "client"), "rdkafka#producer-1");
        json_decref(o);
        o = t_json(json[23]);  /* HTTP_PAGE: a URL with '=' and '&' */
        assert_string_equal(t_member(o, "url"), "http://127.0.0.1:1/api?pageNo=2&pageSize=2");
        assert_string_equal(t_member(o, "file"), "/spool/u1-p000002.json");
        json_decref(o);
}

static void test_level_spec(void **state)
{
        char err[256];

        (void)state;
        /* Default: info everywhere. */
        assert_false(cp_log_enabled(CP_LOG_DEBUG, "sink"));
        assert_true(cp_log_enabled(CP_LOG_INFO, "sink"));

        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "warn, sink=debug,ingest=error",
                                         err, sizeof(err)), 0);
        assert_true(cp_log_enabled(CP_LOG_DEBUG, "sink"));
        assert_false(cp_log_enabled(CP_LOG_INFO, "run"));
        assert_true(cp_log_enabled(CP_LOG_WARN, "run"));
        assert_false(cp_log_enabled(CP_LOG_WARN, "ingest"));
        assert_true(cp_log_enabled(CP_LOG_ERROR, "ingest"));
        cp_log_debug("sink", "A", "n=1");
        cp_log_info("run", "B", "n=2");
        cp_log_warn("ingest", "C", "n=3");
        cp_log_warn("run", "D", "n=4");
        cp_log_error("ingest", "E", "n=5");
        assert_int_equal(t_nlines(), 3);
        assert_non_null(strstr(t_line(0), "level=debug comp=sink event=A n=1"));
        assert_non_null(strstr(t_line(1), "level=warn comp=run event=D n=4"));
        assert_non_null(strstr(t_line(2), "level=error comp=ingest event=E n=5"));

        /* Without a bare level the others stay at info; names in any case. */
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "KAFKA=Debug", err, sizeof(err)), 0);
        assert_true(cp_log_enabled(CP_LOG_DEBUG, "kafka"));
        assert_true(cp_log_enabled(CP_LOG_INFO, "run"));
        assert_false(cp_log_enabled(CP_LOG_DEBUG, "run"));

        /* Errors say what is wrong and change nothing. */
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "verbose", err, sizeof(err)), -1);
        assert_non_null(strstr(err, "unknown log level 'verbose'"));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "snk=debug", err, sizeof(err)), -1);
        assert_non_null(strstr(err, "unknown log component 'snk'"));
        assert_non_null(strstr(err, "sink"));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "sink=loud", err, sizeof(err)), -1);
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "info,warn", err, sizeof(err)), -1);
        assert_non_null(strstr(err, "two default levels"));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "sink=info,sink=debug", err,
                                         sizeof(err)), -1);
        assert_non_null(strstr(err, "twice"));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "info,", err, sizeof(err)), -1);
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "", err, sizeof(err)), -1);
        assert_int_equal(cp_log_check_spec("info,sink=debug", err, sizeof(err)), 0);
        assert_int_equal(cp_log_check_spec("=debug", err, sizeof(err)), -1);
        assert_true(cp_log_enabled(CP_LOG_DEBUG, "kafka"));
        assert_int_equal(cp_log_set_format(CP_LOG_FROM_CLI, "xml", err, sizeof(err)), -1);
        assert_non_null(strstr(err, "unknown log format 'xml'"));
}

/* command line > configuration > the command's default, each whole. */
static void test_origins(void **state)
{
        char err[256];

        (void)state;
        cp_log_set_level(CP_LOG_WARN);
        assert_false(cp_log_enabled(CP_LOG_INFO, "run"));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CONFIG, "debug", err, sizeof(err)), 0);
        assert_true(cp_log_enabled(CP_LOG_DEBUG, "run"));
        cp_log_set_level(CP_LOG_ERROR);  /* below the configuration */
        assert_true(cp_log_enabled(CP_LOG_DEBUG, "run"));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "error,sink=info", err,
                                         sizeof(err)), 0);
        assert_false(cp_log_enabled(CP_LOG_DEBUG, "run"));
        assert_false(cp_log_enabled(CP_LOG_WARN, "run"));
        assert_true(cp_log_enabled(CP_LOG_INFO, "sink"));
        /* A configuration read after the command line does not win. */
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CONFIG, "debug", err, sizeof(err)), 0);
        assert_false(cp_log_enabled(CP_LOG_WARN, "run"));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, NULL, err, sizeof(err)), 0);
        assert_true(cp_log_enabled(CP_LOG_DEBUG, "run"));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CONFIG, NULL, err, sizeof(err)), 0);
        assert_false(cp_log_enabled(CP_LOG_WARN, "run"));

        assert_int_equal(cp_log_set_format(CP_LOG_FROM_CLI, "logfmt", err, sizeof(err)), 0);
        assert_int_equal(cp_log_set_format(CP_LOG_FROM_CONFIG, "json", err, sizeof(err)), 0);
        cp_log_error("run", "A", "n=1");
        assert_memory_equal(t_line(0), "ts=", 3);
        assert_int_equal(cp_log_set_format(CP_LOG_FROM_CLI, NULL, err, sizeof(err)), 0);
        cp_log_error("run", "A", "n=2");
        json_decref(t_json(t_line(1)));
}

static void test_rate_limit(void **state)
{
        const char *log;
        json_t *o;

        (void)state;
        cp_log_set_clock(t_clock);
        t_now = 1000;
        for (int i = 0; i < 25; i++)
                cp_log_warn("sink", "DELIVERY_FAILED", "n=%d", i);
        for (int i = 0; i < 3; i++)
                cp_log_warn("sink", "PRODUCE_FAILED", "n=%d", i);
        /* Filtered lines are not counted. */
        for (int i = 0; i < 50; i++)
                cp_log_debug("sink", "DELIVERY_FAILED", "n=%d", i);
        log = t_logged();
        assert_int_equal(t_count(log, "event=DELIVERY_FAILED"), 10);
        assert_int_equal(t_count(log, "event=PRODUCE_FAILED"), 3);
        assert_null(strstr(log, "LOG_SUPPRESSED"));

        /* Inside the window: still suppressed, no summary yet. */
        t_now = 1000 + CP_LOG_RATE_WINDOW_MS - 1;
        cp_log_warn("sink", "DELIVERY_FAILED", "n=late");
        assert_int_equal(t_count(t_logged(), "event=DELIVERY_FAILED"), 10);

        /* The window is over: the count, then the line itself. */
        t_now = 1000 + CP_LOG_RATE_WINDOW_MS;
        cp_log_warn("sink", "DELIVERY_FAILED", "n=next");
        assert_int_equal(t_nlines(), 15);
        assert_non_null(strstr(t_line(13), "level=warn comp=sink event=LOG_SUPPRESSED "));
        assert_non_null(strstr(t_line(13), " suppressed_event=DELIVERY_FAILED count=16 "
                                           "window_ms=10000"));
        assert_non_null(strstr(t_line(14), "event=DELIVERY_FAILED n=next"));

        /* A burst that simply stops is reported by any later line... */
        for (int i = 0; i < 12; i++)
                cp_log_error("ingest", "FILE_FAILED", "n=%d", i);
        t_now += 2 * CP_LOG_RATE_WINDOW_MS;
        cp_log_set_format(CP_LOG_FROM_CLI, "json", NULL, 0);
        cp_log_info("run", "OTHER", "n=1");
        o = t_json(t_line(25));  /* after 15 + 10 FILE_FAILED */
        assert_string_equal(t_member(o, "event"), "LOG_SUPPRESSED");
        assert_string_equal(t_member(o, "level"), "error");
        assert_string_equal(t_member(o, "comp"), "ingest");
        assert_string_equal(t_member(o, "suppressed_event"), "FILE_FAILED");
        assert_string_equal(t_member(o, "count"), "2");
        json_decref(o);
        assert_non_null(strstr(t_line(26), "\"event\":\"OTHER\""));

        /* ...and at exit, window over or not. */
        for (int i = 0; i < 11; i++)
                cp_log_info("transform", "PSEUDONYMIZE", "n=%d", i);
        assert_int_equal(t_nlines(), 37);
        cp_log_flush();
        assert_int_equal(t_nlines(), 38);
        o = t_json(t_line(37));
        assert_string_equal(t_member(o, "suppressed_event"), "PSEUDONYMIZE");
        assert_string_equal(t_member(o, "count"), "1");
        json_decref(o);
        cp_log_flush();
        assert_int_equal(t_nlines(), 38);

        /* Off. */
        cp_log_set_rate_limit(0, 0);
        for (int i = 0; i < 30; i++)
                cp_log_info("sink", "SINK_READY", "n=%d", i);
        assert_int_equal(t_nlines(), 68);
}

static void test_pii_scrub(void **state)
{
        json_t *o;

        (void)state;
        /* A call site that forgot to mask: the line carries the mask. */
        cp_log_error("ingest", "FILE_FAILED", "file=\"/feeds/%s.csv\" msg=\"id %s in row\"",
                     T_RIC, T_RIC);
        assert_null(strstr(t_logged(), T_RIC));
        assert_int_equal(t_count(t_logged(), T_RIC_MASKED), 2);
        /* Full-width digits, and a control character right before the ID
         * (escaped as \u0001, whose digits must not hide the ID). */
        cp_log_set_format(CP_LOG_FROM_CLI, "json", NULL, 0);
        cp_log_error("ingest", "FILE_FAILED", "msg=\"%s\" raw=\"\x01%s\"",
                     "１１０１０５１９４９１２３１００２Ｘ", T_RIC);
        o = t_json(t_line(1));
        assert_string_equal(t_member(o, "msg"), "１１０１０５********００２Ｘ");
        assert_string_equal(t_member(o, "raw"), "\x01" T_RIC_MASKED);
        json_decref(o);
        /* librdkafka's text, and an event name. */
        cp_log_syslog(4, "kafka", CP_LOG_EVENT_RDKAFKA, "X" T_RIC, NULL, "key " T_RIC);
        assert_null(strstr(t_logged(), T_RIC));
        assert_null(strstr(t_logged(), "１１０１０５１９４９"));
        assert_int_equal(t_nlines(), 3);
        /* Numbers that are no resident ID stay. */
        cp_log_info("sink", "SINK_READY", "offset=%s uscc=%s", "123456789012345678901",
                    "91350211M0000XUF46");
        assert_non_null(strstr(t_line(3), "123456789012345678901"));
        assert_non_null(strstr(t_line(3), "91350211M0000XUF46"));
}

static void test_syslog_levels(void **state)
{
        char err[128];
        json_t *o;

        (void)state;
        cp_log_set_format(CP_LOG_FROM_CLI, "json", NULL, 0);
        cp_log_syslog(0, "kafka", CP_LOG_EVENT_RDKAFKA, "terminate", NULL, "a \"quoted\" \\ text");
        cp_log_syslog(4, "kafka", CP_LOG_EVENT_RDKAFKA, "CONFWARN", "c", "w");
        cp_log_syslog(5, "kafka", CP_LOG_EVENT_RDKAFKA, "MOCK", "c", "n");
        cp_log_syslog(6, "kafka", CP_LOG_EVENT_RDKAFKA, "MOCK", "c", "i");
        cp_log_syslog(7, "kafka", CP_LOG_EVENT_RDKAFKA, "BROKER", "c", "d");
        assert_int_equal(t_nlines(), 4);
        o = t_json(t_line(0));
        assert_string_equal(t_member(o, "level"), "error");
        assert_string_equal(t_member(o, "event"), "RDKAFKA_TERMINATE");
        assert_string_equal(t_member(o, "msg"), "a \"quoted\" \\ text");
        assert_null(t_member(o, "client"));
        json_decref(o);
        o = t_json(t_line(1));
        assert_string_equal(t_member(o, "level"), "warn");
        assert_string_equal(t_member(o, "client"), "c");
        json_decref(o);
        assert_non_null(strstr(t_line(2), "\"level\":\"info\""));
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "error,kafka=debug", err,
                                         sizeof(err)), 0);
        cp_log_syslog(7, "kafka", CP_LOG_EVENT_RDKAFKA, "BROKER", "c", "d");
        assert_non_null(strstr(t_line(4), "\"level\":\"debug\""));
}

/* The `log:` section of the configuration, with file:line errors. */
static void test_config_section(void **state)
{
        static const char *const src =
                "sources:\n"
                "  - {id: a, role: sectoral, category: blacklist, format: csv,\n"
                "     paths: [x.csv], columns: {名称: subject_name}}\n";
        char text[1024], err[512];
        cp_conf_t *c;

        (void)state;
        snprintf(text, sizeof(text), "log:\n  level: \"warn,sink=debug\"\n  format: json\n%s",
                 src);
        c = cp_conf_load(t_write_text("log.yaml", text), err, sizeof(err));
        assert_non_null(c);
        cp_conf_destroy(c);
        assert_true(cp_log_enabled(CP_LOG_DEBUG, "sink"));
        assert_false(cp_log_enabled(CP_LOG_INFO, "run"));
        cp_log_warn("run", "A", "n=1");
        json_decref(t_json(t_line(0)));

        /* The command line, given before, wins. */
        assert_int_equal(cp_log_set_spec(CP_LOG_FROM_CLI, "error", err, sizeof(err)), 0);
        assert_int_equal(cp_log_set_format(CP_LOG_FROM_CLI, "logfmt", err, sizeof(err)), 0);
        c = cp_conf_load(t_write_text("log.yaml", text), err, sizeof(err));
        assert_non_null(c);
        cp_conf_destroy(c);
        assert_false(cp_log_enabled(CP_LOG_DEBUG, "sink"));
        cp_log_error("run", "A", "n=2");
        assert_memory_equal(t_line(1), "ts=", 3);

        snprintf(text, sizeof(text), "log:\n  level: loud\n%s", src);
        assert_null(cp_conf_load(t_write_text("bad.yaml", text), err, sizeof(err)));
        assert_non_null(strstr(err, "bad.yaml:2: 'log.level': unknown log level 'loud'"));
        snprintf(text, sizeof(text), "log: {format: xml}\n%s", src);
        assert_null(cp_conf_load(t_write_text("bad.yaml", text), err, sizeof(err)));
        assert_non_null(strstr(err, "bad.yaml:1: 'log.format': unknown log format 'xml'"));
        snprintf(text, sizeof(text), "log:\n  lvl: info\n%s", src);
        assert_null(cp_conf_load(t_write_text("bad.yaml", text), err, sizeof(err)));
        assert_non_null(strstr(err, "bad.yaml:2: unknown key 'lvl' in 'log'"));
        snprintf(text, sizeof(text), "log: debug\n%s", src);
        assert_null(cp_conf_load(t_write_text("bad.yaml", text), err, sizeof(err)));
        assert_non_null(strstr(err, "bad.yaml:1: 'log' must be a mapping"));
}

#define T_THREADS 4
#define T_PER_THREAD 500

static void *t_logger(void *p)
{
        int id = (int)(intptr_t)p;
        char event[32];

        for (int i = 0; i < T_PER_THREAD; i++) {
                snprintf(event, sizeof(event), "T%d_%d", id, i % 40);
                cp_log_info("run", event, "msg=\"from a thread \\\"%d\\\"\" i=%d", id, i);
        }
        return NULL;
}

/* Lines from several threads stay whole; the rate limit counts right. */
static void test_threads(void **state)
{
        pthread_t th[T_THREADS];
        const char *p;
        size_t lines = 0, dropped = 0;

        (void)state;
        cp_log_set_format(CP_LOG_FROM_CLI, "json", NULL, 0);
        cp_log_set_clock(t_clock);
        t_now = 5;
        for (int i = 0; i < T_THREADS; i++)
                pthread_create(&th[i], NULL, t_logger, (void *)(intptr_t)i);
        for (int i = 0; i < T_THREADS; i++)
                pthread_join(th[i], NULL);
        cp_log_flush();
        for (p = t_logged(); *p; lines++) {
                const char *e = strchr(p, '\n');
                char line[1024];
                json_t *o;

                assert_non_null(e);
                assert_true((size_t)(e - p) < sizeof(line));
                memcpy(line, p, (size_t)(e - p));
                line[e - p] = '\0';
                o = t_json(line);
                if (!strcmp(t_member(o, "event"), "LOG_SUPPRESSED"))
                        dropped += (size_t)atoi(t_member(o, "count"));
                else
                        assert_true(!strncmp(t_member(o, "msg"), "from a thread \"", 15) &&
                                    !strcmp(t_member(o, "msg") + 16, "\""));
                json_decref(o);
                p = e + 1;
        }
        /* 40 events per thread, 10 lines each written, one summary each. */
        assert_int_equal(lines, T_THREADS * 40 * (CP_LOG_RATE_BURST + 1));
        assert_int_equal(dropped + T_THREADS * 40 * CP_LOG_RATE_BURST,
                         T_THREADS * T_PER_THREAD);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_logfmt_line, setup, teardown),
                cmocka_unit_test_setup_teardown(test_json_escaping, setup, teardown),
                cmocka_unit_test_setup_teardown(test_odd_tails, setup, teardown),
                cmocka_unit_test_setup_teardown(test_call_sites, setup, teardown),
                cmocka_unit_test_setup_teardown(test_level_spec, setup, teardown),
                cmocka_unit_test_setup_teardown(test_origins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pii_scrub, setup, teardown),
                cmocka_unit_test_setup_teardown(test_syslog_levels, setup, teardown),
                cmocka_unit_test_setup_teardown(test_config_section, setup, teardown),
                cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        };

        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
