/* The status page (core/status_page.h) and its HTML primitives
 * (core/html.h): what is drawn, with which counts in its data- attributes;
 * escaping of configured text; a document that loads nothing and is valid
 * UTF-8 whatever the configuration holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/html.h"
#include "core/metrics.h"
#include "core/report.h"
#include "core/status_draw.h"
#include "core/status_page.h"
#include "testutil.h"

/* Four sources: two admin_penalty (one central), a blacklist whose id
 * needs every HTML escape, and a judgment_defaulter whose id is not even
 * UTF-8 (ids are validated in configurations; the page must not rely on
 * it). */
#define NSRC 4
#define WEIRD_ID "x<&\">y'"
#define WEIRD_ESC "x&lt;&amp;&quot;&gt;y&#39;"
static cp_source_conf_t srcs[NSRC] = {
        {.src_id = "mem", .src_role = CP_ROLE_SECTORAL, .src_category = 3},
        {.src_id = "cen", .src_role = CP_ROLE_CENTRAL, .src_category = 3},
        {.src_id = WEIRD_ID, .src_role = CP_ROLE_MUNICIPAL, .src_category = 5},
        {.src_id = "bad\xff\xc0id\x01", .src_role = CP_ROLE_SECTORAL, .src_category = 7},
};
static cp_conf_t conf = {.conf_sources = srcs, .conf_nsources = NSRC};

static void fill(cp_report_t *rep)
{
        assert_int_equal(cp_report_alloc(rep, NSRC), CP_OK);
        for (size_t i = 0; i < NSRC; i++) {
                cp_source_stats_t *st = &rep->rep_src[i];

                st->st_read = 100 + i;
                st->st_produced = 60;
                st->st_duplicates = 30 + i;
                st->st_rejects = 10;
                cp_report_count_reject(st, "uscc_bad_length");
                for (int r = 0; r < 9; r++)
                        cp_report_count_reject(st, "subject_missing");
                st->st_unique_keys = 70 + i;
                st->st_class[CP_KC_ACTIVE] = 50 + i;
                st->st_class[CP_KC_EXPIRED] = 20;
                st->st_shared = 30 + i;
                st->st_shared_fuzzy = 5;
                st->st_unmatched[CP_NM_NONE] = 15;
                st->st_compared[CP_CMP_AUTHORITY] = 30;
                st->st_differs[CP_CMP_AUTHORITY] = 3;
                st->st_discrepant = 3;
                for (int k = 0; k < CP_LAG_BUCKETS; k++)
                        st->st_lag_bucket[k] = (uint64_t)k + 1;
                st->st_lag_count = 36;
                st->st_lag_sum_days = 720;
                st->st_required[CP_F_SUBJECT_NAME] = 1;
                st->st_required[CP_F_AUTHORITY] = 1;
                st->st_required[CP_REQ_SUBJECT_ID] = 1;
                st->st_present[CP_F_SUBJECT_NAME] = 49;
                st->st_present[CP_F_AUTHORITY] = 47;
                st->st_present[CP_REQ_SUBJECT_ID] = 48;
                st->st_completeness_keys = 50 + i;
                st->st_subjects = 40;
                /* as in a --once run: every shared key at delay 0 */
                st->st_seen_bucket[0] = st->st_seen_count = st->st_shared;
        }
        for (size_t i = 0; i < NSRC; i++)
                for (size_t j = 0; j < NSRC; j++) {
                        rep->rep_overlap[i * NSRC + j] =
                                i == j ? rep->rep_src[i].st_unique_keys : 10 * i + j;
                        rep->rep_subjects_missing[i * NSRC + j] = 20 + i + j;
                }
        rep->rep_central_keys = 77;
        rep->rep_generated_ms = 1700000000123;
        rep->rep_as_of = 20000;
}

static cp_pipeline_stats_t pipeline(bool finished)
{
        cp_pipeline_stats_t ps = {
                .ps_queue = {{"ingest", 3, 8}, {"sink", 8, 8}},
                .ps_nqueues = 2,
                .ps_kafka_messages = 56,
                .ps_kafka_delivered = 55,
                .ps_kafka_failed = 1,
                .ps_bytes_protobuf = 4000,
                .ps_bytes_wire = 1000,
                .ps_finished = finished,
        };
        return ps;
}

static char *render(const cp_report_t *rep, const cp_pipeline_stats_t *ps,
                    const cp_status_run_t *run)
{
        cp_buf_t b;
        char *text;

        cp_buf_init(&b);
        assert_int_equal(cp_status_render(&b, &conf, rep, ps, run), CP_OK);
        text = cp_buf_steal(&b, NULL);
        assert_non_null(text);
        return text;
}

static const cp_status_run_t run_done = {
        .sr_version = "9.9.9", .sr_now_ms = 1700000001000, .sr_snapshots = 4,
        .sr_connected = true, .sr_refresh_s = 5,
};

/* ---- reading the document back ---- */

/* The next tag starting with `open` at or after *p, as a new string. */
static char *next_tag(const char **p, const char *open)
{
        const char *s = strstr(*p, open), *e;
        char *tag;

        if (!s)
                return NULL;
        e = strchr(s, '>');
        assert_non_null(e);
        tag = strndup(s, (size_t)(e - s + 1));
        assert_non_null(tag);
        *p = e;
        return tag;
}

/* The value of attribute `name` of a tag (escaped as written), or NULL. */
static const char *attr(const char *tag, const char *name, char *out, size_t size)
{
        char key[64];
        const char *s, *e;

        snprintf(key, sizeof(key), " %s=\"", name);
        s = strstr(tag, key);
        if (!s)
                return NULL;
        s += strlen(key);
        e = strchr(s, '"');
        assert_non_null(e);
        assert_true((size_t)(e - s) < size);
        memcpy(out, s, (size_t)(e - s));
        out[e - s] = '\0';
        return out;
}

static unsigned long long attr_u(const char *tag, const char *name)
{
        char v[64];

        if (!attr(tag, name, v, sizeof(v)))
                fail_msg("no %s in %s", name, tag);
        return strtoull(v, NULL, 10);
}

static size_t count(const char *text, const char *needle)
{
        size_t n = 0;

        for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
                n++;
        return n;
}

/* Whether s is well-formed UTF-8 (RFC 3629), written independently of
 * the code under test. */
static bool utf8_ok(const unsigned char *s)
{
        while (*s) {
                uint32_t cp;
                int n;

                if (*s < 0x80) {
                        s++;
                        continue;
                }
                if ((*s & 0xE0) == 0xC0) {
                        cp = *s & 0x1F;
                        n = 1;
                } else if ((*s & 0xF0) == 0xE0) {
                        cp = *s & 0x0F;
                        n = 2;
                } else if ((*s & 0xF8) == 0xF0) {
                        cp = *s & 0x07;
                        n = 3;
                } else {
                        return false;
                }
                for (int i = 1; i <= n; i++) {
                        if ((s[i] & 0xC0) != 0x80)
                                return false;
                        cp = cp << 6 | (s[i] & 0x3F);
                }
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
                    (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
                    (cp >= 0xD800 && cp <= 0xDFFF))
                        return false;
                s += n + 1;
        }
        return true;
}

/* ---- tests ---- */

static void test_one_bar_per_noncentral_source(void **state)
{
        cp_pipeline_stats_t ps = pipeline(true);
        cp_report_t rep;
        const char *p;
        char *t, *tag, v[64];
        size_t n = 0;

        (void)state;
        fill(&rep);
        t = render(&rep, &ps, &run_done);
        p = t;
        while ((tag = next_tag(&p, "<rect class=\"bar\""))) {
                size_t i = n < 1 ? 0 : n + 1;  /* sources 0, 2, 3: 1 is central */

                assert_true(n < 3);
                assert_non_null(attr(tag, "data-role", v, sizeof(v)));
                assert_string_not_equal(v, "central");
                assert_int_equal(attr_u(tag, "data-shared"), rep.rep_src[i].st_shared);
                assert_int_equal(attr_u(tag, "data-fuzzy"), 5);
                assert_int_equal(attr_u(tag, "data-active"), rep.rep_src[i].st_class[0]);
                /* drawn to scale: shared / active of the 540 px track */
                assert_non_null(attr(tag, "width", v, sizeof(v)));
                assert_true(abs((int)(strtod(v, NULL) * 10) -
                                (int)(5400.0 * (double)rep.rep_src[i].st_shared /
                                      (double)rep.rep_src[i].st_class[0])) <= 1);
                free(tag);
                n++;
        }
        assert_int_equal(n, 3);
        assert_int_equal(count(t, "<rect class=\"bar-fuzzy\""), 3);
        assert_non_null(strstr(t, "<rect class=\"bar\" x=\"220.0\" y=\"31.0\" width=\"324.0\" "
                                  "height=\"20.0\" fill=\"#0072b2\" data-source=\"mem\" "
                                  "data-category=\"admin_penalty\" data-role=\"sectoral\" "
                                  "data-shared=\"30\" data-fuzzy=\"5\" data-active=\"50\">"));
        /* key classes: one segment per class and non-central source */
        assert_int_equal(count(t, "<rect class=\"kc\""), 3 * CP_KC__COUNT);
        assert_non_null(strstr(t, "data-source=\"mem\" data-class=\"expired\" "
                                  "data-keys=\"20\""));
        free(t);
        cp_report_free(&rep);
}

static void test_heatmap(void **state)
{
        cp_pipeline_stats_t ps = pipeline(true);
        cp_report_t rep;
        const char *p;
        char *t, *tag, row[64], col[64], want[64];
        size_t n = 0;

        (void)state;
        fill(&rep);
        t = render(&rep, &ps, &run_done);
        p = t;
        while ((tag = next_tag(&p, "<rect class=\"cell"))) {
                size_t i = n / NSRC, j = n % NSRC;

                /* row-major, in configuration order, ids escaped */
                assert_non_null(attr(tag, "data-row", row, sizeof(row)));
                assert_non_null(attr(tag, "data-col", col, sizeof(col)));
                if (i == 0)
                        assert_string_equal(row, "mem");
                if (j == 2)
                        assert_string_equal(col, WEIRD_ESC);
                assert_int_equal(attr_u(tag, "data-overlap"), rep.rep_overlap[i * NSRC + j]);
                assert_true((strstr(tag, "class=\"cell diag\"") != NULL) == (i == j));
                free(tag);
                n++;
        }
        assert_int_equal(n, NSRC * NSRC);
        /* overlap[0][1] = 1 of min(70, 71) keys */
        snprintf(want, sizeof(want), "data-overlap=\"1\" data-ratio=\"%.4f\"", 1 / 70.0);
        assert_non_null(strstr(t, want));
        /* subjects missing: same-category pairs only (mem, cen) */
        assert_int_equal(count(t, "<rect class=\"missing\""), 2);
        assert_non_null(strstr(t, "data-source=\"cen\" data-other=\"mem\" data-missing=\"21\" "
                                  "data-subjects=\"40\""));
        free(t);
        cp_report_free(&rep);
}

static void test_quality_and_flow(void **state)
{
        cp_pipeline_stats_t ps = pipeline(true);
        cp_report_t rep;
        char *t;

        (void)state;
        fill(&rep);
        t = render(&rep, &ps, &run_done);
        /* completeness: a bar per required field of every source */
        assert_int_equal(count(t, "<rect class=\"present\""), 3 * NSRC);
        assert_non_null(strstr(t, "data-source=\"cen\" data-field=\"subject_id\" "
                                  "data-present=\"48\" data-keys=\"51\""));
        /* discrepancies: every compared field of every non-central source */
        assert_int_equal(count(t, "<td class=\"disc"), 3 * CP_CMP__COUNT);
        assert_non_null(strstr(t, "data-source=\"mem\" data-field=\"authority\" "
                                  "data-compared=\"30\" data-differs=\"3\">3 / 30</td>"));
        /* time to central: every bucket of every non-central source */
        assert_int_equal(count(t, "<rect class=\"lag\""), 3 * CP_LAG_BUCKETS);
        assert_non_null(strstr(t, "data-source=\"mem\" data-le=\"+Inf\" data-keys=\"8\""));
        assert_non_null(strstr(t, "mean <b>20 d</b>"));
        /* records by fate, rejects summed over sources, Kafka, queues */
        assert_int_equal(count(t, "<rect class=\"rec\""), 3 * NSRC);
        assert_non_null(strstr(t, "data-reason=\"subject_missing\" data-records=\"36\""));
        assert_non_null(strstr(t, "data-reason=\"uscc_bad_length\" data-records=\"4\""));
        assert_true(strstr(t, "subject_missing") < strstr(t, "uscc_bad_length"));
        assert_non_null(strstr(t, "data-metric=\"records_read\" data-value=\"406\""));
        assert_non_null(strstr(t, "data-metric=\"kafka_delivery_failures\" data-value=\"1\""));
        assert_non_null(strstr(t, "<div class=\"tile bad\" data-metric=\"kafka_delivery_"
                                  "failures\""));
        assert_non_null(strstr(t, "data-queue=\"sink\" data-depth=\"8\" data-capacity=\"8\""));
        assert_non_null(strstr(t, "Compression 4.0"));
        free(t);
        cp_report_free(&rep);
}

/* A --once run's figures revised later: one line each, no empty chart. */
static void test_later_nothing(void **state)
{
        cp_pipeline_stats_t ps = pipeline(true);
        cp_report_t rep;
        char *t;

        (void)state;
        fill(&rep);
        t = render(&rep, &ps, &run_done);
        assert_non_null(strstr(t, "<section id=\"later\">"));
        /* the non-central sources' shared keys: 30 + 32 + 33 */
        assert_non_null(strstr(t, "<p id=\"seen-none\" data-keys=\"95\"><b>Observed time to "
                                  "central:</b> all 95 shared keys"));
        assert_non_null(strstr(t, "<p id=\"left-none\">"));
        assert_int_equal(count(t, "<rect class=\"seen\""), 0);
        assert_int_equal(count(t, "<rect class=\"left\""), 0);
        assert_null(strstr(t, "seen-rest"));
        free(t);
        cp_report_free(&rep);
}

/* Service mode's revisions: a histogram for the source with a delay, a
 * bar for each source with a key that left later, the others named. */
static void test_later_drawn(void **state)
{
        static const uint64_t seen[CP_SEEN_BUCKETS] = {2, 10, 3, 0, 0, 0, 1};
        cp_pipeline_stats_t ps = pipeline(true);
        cp_report_t rep;
        const char *p;
        char *t, *tag, v[64];
        size_t n = 0;

        (void)state;
        fill(&rep);
        memcpy(rep.rep_src[0].st_seen_bucket, seen, sizeof(seen));
        rep.rep_src[0].st_seen_count = 16;
        rep.rep_src[0].st_seen_sum_ms = 2600000123;
        rep.rep_src[0].st_late_shared = 14;
        rep.rep_src[0].st_window_ended = 5;
        rep.rep_src[0].st_removals_swept = 4;
        rep.rep_src[3].st_withdrawn_later = 2;
        rep.rep_src[3].st_withdrawn_later_removals = 1;
        t = render(&rep, &ps, &run_done);
        assert_null(strstr(t, "seen-none"));
        assert_null(strstr(t, "left-none"));
        assert_non_null(strstr(t, "<div class=\"panel seen\" data-source=\"mem\" "
                                  "data-seen-count=\"16\" data-seen-sum-ms=\"2600000123\" "
                                  "data-late-shared=\"14\">"));
        /* mean 162,500 s (1.88 d); the median (8th of 16) is in the
         * bucket <= 60 s */
        assert_non_null(strstr(t, "mean <b>1.88 d</b> \xC2\xB7 median <b>\xE2\x89\xA4 "
                                  "1 min</b>"));
        p = t;
        while ((tag = next_tag(&p, "<rect class=\"seen\""))) {
                assert_true(n < CP_SEEN_BUCKETS);
                assert_non_null(attr(tag, "data-source", v, sizeof(v)));
                assert_string_equal(v, "mem");
                assert_int_equal(attr_u(tag, "data-keys"), seen[n]);
                assert_non_null(attr(tag, "data-le", v, sizeof(v)));
                if (n < CP_SEEN_BUCKETS - 1)
                        assert_int_equal(strtol(v, NULL, 10), cp_seen_bounds[n]);
                else
                        assert_string_equal(v, "+Inf");
                free(tag);
                n++;
        }
        assert_int_equal(n, CP_SEEN_BUCKETS);
        assert_non_null(strstr(t, ">\xE2\x89\xA4" "1 h</text>"));
        assert_non_null(strstr(t, ">&gt;30 d</text>"));
        /* the other non-central sources, at delay 0: 32 + 33 shared keys */
        assert_non_null(strstr(t, "<p id=\"seen-rest\" data-keys=\"65\">Every shared key of "
                                  "<b>" WEIRD_ESC "</b> and <b>bad"));
        /* keys that left: mem's window, the fourth source's withdrawals */
        assert_int_equal(count(t, "<rect class=\"left\""), 4);
        assert_non_null(strstr(t, "data-source=\"mem\" data-what=\"window_ended\" "
                                  "data-keys=\"5\" data-removals=\"4\">"));
        assert_non_null(strstr(t, "data-what=\"withdrawn_later\" data-keys=\"2\" "
                                  "data-removals=\"1\">"));
        /* a track of the keys active at first view: 50 + 5 for mem */
        assert_non_null(strstr(t, "4 + 0 removals of 55 keys active at first view"));
        assert_non_null(strstr(t, "<p id=\"left-rest\">No key of <b>cen</b> and <b>" WEIRD_ESC
                                  "</b> left later.</p>"));
        free(t);
        cp_report_free(&rep);
}

static void test_median_bucket(void **state)
{
        static const uint64_t h[4] = {1, 0, 2, 1};

        (void)state;
        assert_int_equal(cp_report_median_bucket(h, 4, 0), -1);
        assert_int_equal(cp_report_median_bucket(h, 4, 4), 2);  /* 1, 1, 3 >= 2 */
        assert_int_equal(cp_report_median_bucket(h, 4, 2), 0);
        assert_int_equal(cp_report_median_bucket(h + 3, 1, 1), 0);
}

static void test_escaped_and_self_contained(void **state)
{
        static const char *const banned[] = {
                "http:", "https:", "://", "<script", "src=", "url(", "@import", "<link",
                "<img", "<iframe", "<object", "<embed", "javascript:", "xlink:href",
        };
        cp_pipeline_stats_t ps = pipeline(true);
        cp_report_t rep;
        char *t;

        (void)state;
        fill(&rep);
        t = render(&rep, &ps, &run_done);
        /* the id with every special character only ever appears escaped */
        assert_null(strstr(t, "x<&"));
        assert_null(strstr(t, "<&\""));
        assert_true(count(t, WEIRD_ESC) >= 10);
        /* bytes that are not UTF-8 and a control character become U+FFFD */
        assert_non_null(strstr(t, "bad\xEF\xBF\xBD\xEF\xBF\xBDid\xEF\xBF\xBD"));
        assert_true(utf8_ok((const unsigned char *)t));
        for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
                if (strstr(t, banned[i]))
                        fail_msg("the page holds \"%s\"", banned[i]);
        /* no event handler attribute (onload=, onclick=, ...) */
        for (const char *p = strstr(t, " on"); p; p = strstr(p + 1, " on")) {
                const char *q = p + 3;

                while (*q >= 'a' && *q <= 'z')
                        q++;
                if (*q == '=')
                        fail_msg("an event handler: %.20s", p);
        }
        assert_non_null(strstr(t, "Content-Security-Policy\" content=\"default-src 'none'"));
        /* every element opened is closed */
        assert_int_equal(count(t, "<svg"), count(t, "</svg>"));
        assert_int_equal(count(t, "<section"), count(t, "</section>"));
        assert_int_equal(count(t, "<table"), count(t, "</table>"));
        assert_int_equal(count(t, "<text"), count(t, "</text>"));
        assert_int_equal(count(t, "<div"), count(t, "</div>"));
        assert_non_null(strstr(t, "</html>\n"));
        free(t);
        cp_report_free(&rep);
}

static void test_run_state(void **state)
{
        cp_pipeline_stats_t ps = pipeline(false);
        cp_status_run_t run = run_done;
        cp_report_t rep;
        char *t;

        (void)state;
        fill(&rep);
        /* finished: final figures, no reload */
        ps.ps_finished = true;
        t = render(&rep, &ps, &run);
        assert_non_null(strstr(t, "<body data-state=\"finished\""));
        assert_null(strstr(t, "http-equiv=\"refresh\""));
        assert_non_null(strstr(t, "<dd id=\"version\">9.9.9</dd>"));
        assert_non_null(strstr(t, "<dd id=\"as-of\">2024-10-04</dd>"));
        /* 1700000000.123 s is 2023-11-15 06:13:20 in UTC+8 */
        assert_non_null(strstr(t, "<dd id=\"taken\">2023-11-15 06:13:20 UTC+8</dd>"));
        free(t);
        /* running: reloads itself */
        ps.ps_finished = false;
        t = render(&rep, &ps, &run);
        assert_non_null(strstr(t, "<body data-state=\"running\""));
        assert_non_null(strstr(t, "<meta http-equiv=\"refresh\" content=\"5\">"));
        free(t);
        /* a failure wins, escaped */
        run.sr_failure = "source <a> could not be read";
        t = render(&rep, &ps, &run);
        assert_non_null(strstr(t, "<body data-state=\"failed\""));
        assert_non_null(strstr(t, "failed: source &lt;a&gt; could not be read"));
        free(t);
        run.sr_failure = "";
        run.sr_connected = false;
        assert_string_equal(cp_status_state(&run, &ps), "connecting");
        run.sr_connected = true;
        run.sr_snapshots = 0;
        assert_string_equal(cp_status_state(&run, &ps), "starting");
        cp_report_free(&rep);
}

/* Before the first snapshot: zeros, no matrices, no pipeline counters;
 * still a whole page, and no division by zero. */
static void test_empty(void **state)
{
        cp_status_run_t run = {.sr_now_ms = 0};
        cp_report_t rep;
        char *t;

        (void)state;
        assert_int_equal(cp_report_alloc(&rep, NSRC), CP_OK);
        free(rep.rep_overlap);
        free(rep.rep_subjects_missing);
        rep.rep_overlap = rep.rep_subjects_missing = NULL;
        t = render(&rep, NULL, &run);
        assert_non_null(strstr(t, "No figures yet"));
        assert_int_equal(count(t, "<rect class=\"bar\""), 3);
        assert_int_equal(count(t, "<rect class=\"cell"), 0);
        assert_non_null(strstr(t, "data-shared=\"0\" data-fuzzy=\"0\" data-active=\"0\""));
        assert_non_null(strstr(t, "<dd id=\"version\">unknown</dd>"));
        assert_null(strstr(t, "nan%"));
        assert_null(strstr(t, "=\"nan\""));
        assert_null(strstr(t, "=\"-nan\""));
        assert_null(strstr(t, "inf%"));
        assert_non_null(strstr(t, "</html>\n"));
        free(t);
        cp_report_free(&rep);
}

static void test_html_primitives(void **state)
{
        cp_buf_t b;

        (void)state;
        cp_buf_init(&b);
        /* CJK kept; overlong, surrogate, past U+10FFFF, truncated, C1 and
         * DEL replaced; tab and line feed kept */
        cp_html_text(&b, "\xE4\xBF\xA1\xE7\x94\xA8|\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|"
                         "\xE4\xBF|\xC2\x85|\x7F|\t\n|\xF0\x9F\x98\x80");
        assert_true(utf8_ok((const unsigned char *)b.b_data));
        assert_non_null(strstr(b.b_data, "\xE4\xBF\xA1\xE7\x94\xA8|"));
        assert_non_null(strstr(b.b_data, "|\t\n|\xF0\x9F\x98\x80"));
        assert_null(strstr(b.b_data, "\xC2\x85"));
        assert_null(strchr(b.b_data, 0x7F));
        cp_buf_free(&b);

        cp_html_count(&b, 0);
        cp_buf_puts(&b, " ");
        cp_html_count(&b, 999);
        cp_buf_puts(&b, " ");
        cp_html_count(&b, 1000);
        cp_buf_puts(&b, " ");
        cp_html_count(&b, 18446744073709551615ULL);
        assert_string_equal(b.b_data, "0 999 1,000 18,446,744,073,709,551,615");
        cp_buf_free(&b);

        cp_html_pct(&b, 1, 3);
        cp_buf_puts(&b, " ");
        cp_html_pct(&b, 1, 0);
        assert_string_equal(b.b_data, "33.3% \xE2\x80\x93");
        cp_buf_free(&b);

        {
                static const uint32_t ramp[] = {0x000000, 0xFFFFFF};

                assert_int_equal(cp_html_ramp(ramp, 2, -1), 0x000000);
                assert_int_equal(cp_html_ramp(ramp, 2, 0.5), 0x808080);
                assert_int_equal(cp_html_ramp(ramp, 2, 2), 0xFFFFFF);
                assert_true(cp_html_is_light(0xF0E442));
                assert_false(cp_html_is_light(0x0072B2));
        }
}

/* Labels are cut so they cannot run into the bars, never inside a UTF-8
 * sequence. */
static void test_label_cut(void **state)
{
        cp_buf_t b;

        (void)state;
        cp_buf_init(&b);
        cp_sp_label(&b, "abcdef", 6);
        assert_string_equal(b.b_data, "abcdef");
        cp_buf_free(&b);
        cp_sp_label(&b, "abc<efg", 6);
        assert_string_equal(b.b_data, "abc&lt;e\xE2\x80\xA6");
        cp_buf_free(&b);
        /* 信 is 3 bytes: a cut at byte 4 falls inside the second character */
        cp_sp_label(&b, "\xE4\xBF\xA1\xE7\x94\xA8\xE4\xBF\xA1", 5);
        assert_string_equal(b.b_data, "\xE4\xBF\xA1\xE2\x80\xA6");
        cp_buf_free(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_one_bar_per_noncentral_source),
                cmocka_unit_test(test_heatmap),
                cmocka_unit_test(test_quality_and_flow),
                cmocka_unit_test(test_later_nothing),
                cmocka_unit_test(test_later_drawn),
                cmocka_unit_test(test_median_bucket),
                cmocka_unit_test(test_escaped_and_self_contained),
                cmocka_unit_test(test_run_state),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_html_primitives),
                cmocka_unit_test(test_label_cut),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
