#include "status_page.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "html.h"
#include "status_draw.h"

/* Inline, so the page needs nothing else; system fonts only. */
static const char cp_sp_css[] =
        "*{box-sizing:border-box}"
        "html{background:#f3f4f6}"
        "body{margin:0;color:#1f2937;font:14px/1.45 \"DejaVu Sans\",\"Liberation Sans\","
        "Arial,Helvetica,sans-serif}"
        ".wrap{max-width:1200px;margin:0 auto;padding:0 16px}"
        "header{background:#1f2937;color:#f9fafb}"
        "header .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:8px 28px;"
        "padding-top:12px;padding-bottom:12px}"
        "h1{font-size:20px;margin:0}"
        "h1 small{font-weight:400;color:#cbd5e1}"
        ".state{padding:2px 12px;border-radius:12px;font-weight:700;font-size:13px}"
        ".s-running,.s-starting{background:#56b4e9;color:#0b2239}"
        ".s-finished{background:#009e73;color:#fff}"
        ".s-connecting{background:#f0e442;color:#1f2937}"
        ".s-failed{background:#d55e00;color:#fff}"
        "header dl{display:flex;flex-wrap:wrap;gap:4px 24px;margin:0}"
        "header dt{color:#9ca3af;font-size:11px;text-transform:uppercase;letter-spacing:.04em}"
        "header dd{margin:0;font-size:13px}"
        ".note{margin:12px 0 0;padding:8px 12px;border-radius:6px;background:#fff7e0;"
        "border:1px solid #e6c65c}"
        ".tiles{display:grid;grid-template-columns:repeat(8,1fr);gap:10px;margin:14px 0}"
        ".tile{background:#fff;border:1px solid #d9dee7;border-radius:6px;padding:6px 10px}"
        ".tile b{display:block;font-size:19px}"
        ".tile span{font-size:11px;color:#6b7280}"
        ".tile.bad{border-color:#d55e00;background:#fdf0e6}"
        ".tile.bad b{color:#b34700}"
        "section{background:#fff;border:1px solid #d9dee7;border-radius:6px;"
        "padding:12px 16px 14px;margin:0 0 14px}"
        "h2{font-size:16px;margin:0 0 2px}"
        "h3{font-size:13px;margin:10px 0 2px}"
        ".def{margin:0 0 8px;color:#4b5563;font-size:12px;max-width:1000px}"
        ".legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:0 0 6px;font-size:12px}"
        ".legend i{display:inline-block;width:12px;height:12px;border-radius:2px;"
        "margin-right:5px;vertical-align:-1px;border:1px solid rgba(0,0,0,.15)}"
        "svg{display:block;max-width:100%;height:auto}"
        "svg text{font-family:inherit;font-size:12px;fill:#1f2937}"
        "svg .id{font-weight:700;font-size:13px}"
        "svg .sub,svg .axis{fill:#6b7280;font-size:11px}"
        "svg .num{font-weight:700}"
        "svg .in{font-size:11px}"
        "svg .grid{stroke:#e5e7eb}"
        ".grid3{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}"
        ".panel{border:1px solid #e5e7eb;border-radius:6px;padding:8px 10px}"
        ".panel h3{margin:0;overflow-wrap:anywhere}"
        ".panel p{margin:0 0 4px;font-size:11px;color:#6b7280}"
        "table{border-collapse:collapse;font-size:12px}"
        "th,td{padding:4px 8px;border-bottom:1px solid #eef0f3;text-align:right;"
        "white-space:nowrap}"
        "th:first-child,td:first-child{text-align:left}"
        "th{font-size:11px;color:#4b5563;font-weight:600;vertical-align:bottom}"
        "td.na{color:#9ca3af}"
        ".cols2{display:grid;grid-template-columns:1fr 1fr;gap:20px}"
        "footer{color:#6b7280;font-size:12px;padding:0 0 24px}"
        "footer a{color:#0072b2}";

const char *cp_status_state(const cp_status_run_t *run, const cp_pipeline_stats_t *ps)
{
        if (run->sr_failure && run->sr_failure[0])
                return "failed";
        if (ps && ps->ps_finished)
                return "finished";
        if (!run->sr_connected)
                return "connecting";
        return run->sr_snapshots ? "running" : "starting";
}

/* A time of day in China Standard Time, the zone of the observation date. */
static void cp_sp_time(cp_buf_t *b, int64_t ms)
{
        time_t t = (time_t)(ms / 1000) + 8 * 3600;
        struct tm tm;
        char s[32];

        gmtime_r(&t, &tm);
        strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm);
        cp_buf_printf(b, "%s UTC+8", s);
}

static void cp_sp_date(char *s, size_t size, int32_t days)
{
        time_t t = (time_t)days * 86400;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(s, size, "%Y-%m-%d", &tm);
}

static void cp_sp_header(cp_buf_t *b, const cp_report_t *rep, const cp_status_run_t *run,
                         const char *state)
{
        char asof[16] = "";

        if (rep->rep_as_of)
                cp_sp_date(asof, sizeof(asof), rep->rep_as_of);
        cp_buf_puts(b, "<header><div class=\"wrap\"><h1>credpipe <small>status</small></h1>");
        cp_buf_puts(b, "<span id=\"state\" class=\"state s");
        cp_buf_printf(b, "-%s\">", state);
        cp_html_text(b, state);
        if (run->sr_failure && run->sr_failure[0]) {
                cp_buf_puts(b, ": ");
                cp_html_text(b, run->sr_failure);
        }
        cp_buf_puts(b, "</span><dl><div><dt>version</dt><dd id=\"version\">");
        cp_html_text(b, run->sr_version ? run->sr_version : "unknown");
        cp_buf_puts(b, "</dd></div><div><dt>as of</dt><dd id=\"as-of\">");
        cp_html_text(b, asof[0] ? asof : "\xE2\x80\x93");
        cp_buf_puts(b, "</dd></div><div><dt>figures taken</dt><dd id=\"taken\">");
        if (rep->rep_generated_ms)
                cp_sp_time(b, rep->rep_generated_ms);
        else
                cp_buf_puts(b, "not yet");
        cp_buf_puts(b, "</dd></div><div><dt>page generated</dt><dd id=\"generated\">");
        cp_sp_time(b, run->sr_now_ms);
        cp_buf_printf(b, "</dd></div><div><dt>snapshots</dt><dd id=\"snapshots\">%" PRIu64
                      "</dd></div></dl></div></header>\n", run->sr_snapshots);
}

static void cp_sp_tile(cp_buf_t *b, const char *metric, const char *label, uint64_t v,
                       bool bad)
{
        cp_buf_printf(b, "<div class=\"tile%s\"", bad ? " bad" : "");
        cp_html_attr(b, "data-metric", metric);
        cp_html_attr_u64(b, "data-value", v);
        cp_buf_puts(b, "><b>");
        cp_html_count(b, v);
        cp_buf_puts(b, "</b><span>");
        cp_html_text(b, label);
        cp_buf_puts(b, "</span></div>");
}

/* The run at a glance: totals over every source, and Kafka's. */
static void cp_sp_tiles(cp_buf_t *b, const cp_report_t *rep, const cp_pipeline_stats_t *ps)
{
        cp_source_stats_t t = {0};

        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                t.st_read += rep->rep_src[i].st_read;
                t.st_produced += rep->rep_src[i].st_produced;
                t.st_duplicates += rep->rep_src[i].st_duplicates;
                t.st_rejects += rep->rep_src[i].st_rejects;
        }
        cp_buf_puts(b, "<div class=\"tiles\" id=\"totals\">");
        cp_sp_tile(b, "records_read", "records read", t.st_read, false);
        cp_sp_tile(b, "records_produced", "produced", t.st_produced, false);
        cp_sp_tile(b, "records_duplicate", "duplicates", t.st_duplicates, false);
        cp_sp_tile(b, "records_rejected", "rejected", t.st_rejects, false);
        cp_sp_tile(b, "central_keys", "central keys", rep->rep_central_keys, false);
        if (ps) {
                cp_sp_tile(b, "kafka_messages", "Kafka messages", ps->ps_kafka_messages, false);
                cp_sp_tile(b, "kafka_delivered", "delivered", ps->ps_kafka_delivered, false);
                cp_sp_tile(b, "kafka_delivery_failures", "delivery failures",
                           ps->ps_kafka_failed, ps->ps_kafka_failed > 0);
        }
        cp_buf_puts(b, "</div>\n");
}

/* ---- sharing ---- */

static size_t cp_sp_noncentral(const cp_conf_t *conf, size_t nsrc)
{
        size_t n = 0;

        for (size_t i = 0; i < nsrc; i++)
                n += conf->conf_sources[i].src_role != CP_ROLE_CENTRAL;
        return n;
}

static void cp_sp_sharing_row(cp_buf_t *b, double y, const cp_source_conf_t *src,
                              const cp_source_stats_t *st)
{
        uint64_t active = st->st_class[CP_KC_ACTIVE];
        double we = cp_sp_len(st->st_shared, active, CP_SP_BAR_W);
        double wf = cp_sp_len(st->st_shared_fuzzy, active, CP_SP_BAR_W);
        double by = y + (CP_SP_ROW_H - CP_SP_BAR_H) / 2.0;

        cp_sp_source_label(b, y, src);
        cp_sp_rect(b, "track", CP_SP_BAR_X, by, CP_SP_BAR_W, CP_SP_BAR_H, CP_SP_TRACK);
        cp_sp_rect_end(b, NULL);
        cp_sp_rect(b, "bar", CP_SP_BAR_X, by, we, CP_SP_BAR_H, CP_SP_BLUE);
        cp_sp_source_attrs(b, src);
        cp_html_attr_u64(b, "data-shared", st->st_shared);
        cp_html_attr_u64(b, "data-fuzzy", st->st_shared_fuzzy);
        cp_html_attr_u64(b, "data-active", active);
        cp_sp_rect_end(b, "shared exactly");
        cp_sp_rect(b, "bar-fuzzy", CP_SP_BAR_X + we, by, wf, CP_SP_BAR_H, CP_SP_SKY);
        cp_html_attr(b, "data-source", src->src_id);
        cp_html_attr_u64(b, "data-fuzzy", st->st_shared_fuzzy);
        cp_sp_rect_end(b, "shared by the fuzzy key only");

        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\"><tspan class=\"num\">", CP_SP_TEXT_X,
                      y + 15);
        cp_html_pct(b, st->st_shared, active);
        cp_buf_puts(b, "</tspan> shared \xC2\xB7 ");
        cp_html_pct(b, st->st_shared + st->st_shared_fuzzy, active);
        cp_buf_puts(b, " with fuzzy</text>\n");
        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"sub\">", CP_SP_TEXT_X, y + 30);
        cp_html_count(b, st->st_shared);
        cp_buf_puts(b, " + ");
        cp_html_count(b, st->st_shared_fuzzy);
        cp_buf_puts(b, " fuzzy of ");
        cp_html_count(b, active);
        cp_buf_puts(b, " active keys</text>\n");
}

static void cp_sp_sharing(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        static const cp_sp_key_t keys[] = {
                {CP_SP_BLUE, "shared exactly"},
                {CP_SP_SKY, "shared by the fuzzy key only"},
                {CP_SP_TRACK, "not shared"},
        };
        size_t rows = cp_sp_noncentral(conf, rep->rep_nsrc), k = 0;
        int h = CP_SP_AXIS_H + (int)rows * CP_SP_ROW_H + 2;

        cp_sp_section_open(b, "sharing", "Sharing with the central records",
                           "Per non-central source, its active keys that a central source "
                           "also has: exactly (same natural key), or only by the fuzzy key "
                           "(subject and document number, without the authority). Sharing "
                           "rate = shared / active.");
        if (!rows) {
                cp_buf_puts(b, "<p>No non-central source is configured.</p>\n");
                cp_sp_section_close(b);
                return;
        }
        cp_sp_legend(b, keys, sizeof(keys) / sizeof(keys[0]));
        cp_sp_svg_open(b, "chart", CP_SP_W, h, "sharing rate per source");
        cp_sp_pct_axis(b, h);
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                if (conf->conf_sources[i].src_role != CP_ROLE_CENTRAL)
                        cp_sp_sharing_row(b, CP_SP_AXIS_H + (double)(k++ * CP_SP_ROW_H),
                                          &conf->conf_sources[i], &rep->rep_src[i]);
        cp_sp_svg_close(b);
        cp_sp_section_close(b);
}

/* ---- key classes ---- */

static const struct {
        uint32_t rgb;
        const char *label;
} cp_sp_classes[CP_KC__COUNT] = {
        [CP_KC_ACTIVE] = {CP_SP_BLUE, "active"},
        [CP_KC_WITHDRAWN] = {CP_SP_VERMILLION, "withdrawn"},
        [CP_KC_NOT_ELIGIBLE] = {CP_SP_PURPLE, "not eligible"},
        [CP_KC_EXPIRED] = {CP_SP_ORANGE, "expired"},
        [CP_KC_NOT_YET_DUE] = {CP_SP_YELLOW, "not yet due"},
};

static void cp_sp_class_row(cp_buf_t *b, double y, const cp_source_conf_t *src,
                            const cp_source_stats_t *st)
{
        double by = y + (CP_SP_ROW_H - CP_SP_BAR_H) / 2.0, x = CP_SP_BAR_X;
        char n[24];

        cp_sp_source_label(b, y, src);
        cp_sp_rect(b, "track", CP_SP_BAR_X, by, CP_SP_BAR_W, CP_SP_BAR_H, CP_SP_TRACK);
        cp_sp_rect_end(b, NULL);
        for (int c = 0; c < CP_KC__COUNT; c++) {
                double w = cp_sp_len(st->st_class[c], st->st_unique_keys, CP_SP_BAR_W);

                cp_sp_rect(b, "kc", x, by, w, CP_SP_BAR_H, cp_sp_classes[c].rgb);
                cp_html_attr(b, "data-source", src->src_id);
                cp_html_attr(b, "data-class", cp_key_class_name((cp_key_class_t)c));
                cp_html_attr_u64(b, "data-keys", st->st_class[c]);
                cp_sp_rect_end(b, cp_sp_classes[c].label);
                /* The count inside its segment, where it fits. */
                snprintf(n, sizeof(n), "%" PRIu64, st->st_class[c]);
                if (st->st_class[c] && w >= 7.0 * (double)strlen(n) + 8) {
                        cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"in\" "
                                      "text-anchor=\"middle\" style=\"fill:#%s\">%s</text>\n",
                                      x + w / 2, by + 14,
                                      cp_html_is_light(cp_sp_classes[c].rgb) ? "1f2937" : "fff",
                                      n);
                }
                x += w;
        }
        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\"><tspan class=\"num\">", CP_SP_TEXT_X,
                      y + 15);
        cp_html_count(b, st->st_unique_keys);
        cp_buf_puts(b, "</tspan> keys \xC2\xB7 ");
        cp_html_pct(b, st->st_class[CP_KC_ACTIVE], st->st_unique_keys);
        cp_buf_puts(b, " active</text>\n");
        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"sub\">", CP_SP_TEXT_X, y + 30);
        cp_html_count(b, st->st_unique_keys - st->st_class[CP_KC_ACTIVE]);
        cp_buf_puts(b, " left the active set (not sharing gaps)</text>\n");
}

static void cp_sp_key_classes(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_sp_key_t keys[CP_KC__COUNT];
        size_t rows = cp_sp_noncentral(conf, rep->rep_nsrc), k = 0;
        int h = CP_SP_AXIS_H + (int)rows * CP_SP_ROW_H + 2;

        if (!rows)
                return;
        cp_sp_section_open(b, "key-classes", "Keys by class",
                           "Each key of a non-central source falls in one class, decided from "
                           "the source's view and its publication window as of the "
                           "observation date; only active keys count for sharing.");
        for (int c = 0; c < CP_KC__COUNT; c++)
                keys[c] = (cp_sp_key_t){cp_sp_classes[c].rgb, cp_sp_classes[c].label};
        cp_sp_legend(b, keys, CP_KC__COUNT);
        cp_sp_svg_open(b, "chart", CP_SP_W, h, "keys by class per source");
        cp_sp_pct_axis(b, h);
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                if (conf->conf_sources[i].src_role != CP_ROLE_CENTRAL)
                        cp_sp_class_row(b, CP_SP_AXIS_H + (double)(k++ * CP_SP_ROW_H),
                                        &conf->conf_sources[i], &rep->rep_src[i]);
        cp_sp_svg_close(b);
        cp_sp_section_close(b);
}

/* ---- the document ---- */

int cp_status_render(cp_buf_t *out, const cp_conf_t *conf, const cp_report_t *rep,
                     const cp_pipeline_stats_t *ps, const cp_status_run_t *run)
{
        const char *state = cp_status_state(run, ps);
        bool final = ps && ps->ps_finished;

        cp_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                         /* Nothing may be fetched: no script, image, font or frame. */
                         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                         "'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                         "form-action 'none'\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, "
                         "initial-scale=1\">\n");
        /* Final figures do not change: no reload then. */
        if (run->sr_refresh_s > 0 && !final)
                cp_buf_printf(out, "<meta http-equiv=\"refresh\" content=\"%d\">\n",
                              run->sr_refresh_s);
        cp_buf_puts(out, "<title>credpipe status</title>\n<style>");
        cp_buf_puts(out, cp_sp_css);
        cp_buf_puts(out, "</style></head>\n<body");
        cp_html_attr(out, "data-state", state);
        cp_html_attr_u64(out, "data-snapshots", run->sr_snapshots);
        cp_html_attr_u64(out, "data-sources", rep->rep_nsrc);
        cp_buf_puts(out, ">\n");
        cp_sp_header(out, rep, run, state);
        cp_buf_puts(out, "<main class=\"wrap\">\n");
        if (!run->sr_snapshots)
                cp_buf_puts(out, "<p class=\"note\">No figures yet: the transform has not "
                                 "published its first snapshot. Counts below are zero.</p>\n");
        cp_sp_tiles(out, rep, ps);
        cp_sp_sharing(out, conf, rep);
        cp_sp_key_classes(out, conf, rep);
        cp_sp_overlap(out, conf, rep);
        cp_sp_missing(out, conf, rep);
        cp_sp_completeness(out, conf, rep);
        cp_sp_discrepancies(out, conf, rep);
        cp_sp_lag(out, conf, rep);
        cp_sp_later(out, conf, rep);
        cp_sp_flow(out, conf, rep, ps);
        cp_buf_puts(out, "</main>\n<footer><div class=\"wrap\">Every figure is a count "
                         "defined in docs/metrics.md; the same counts are on "
                         "<a href=\"/metrics\">/metrics</a>.");
        if (run->sr_refresh_s > 0 && !final)
                cp_buf_printf(out, " This page reloads every %d s.", run->sr_refresh_s);
        cp_buf_puts(out, "</div></footer>\n</body></html>\n");
        return cp_buf_failed(out) ? CP_ERR_NOMEM : CP_OK;
}
