/*
 * The figures revised after a key's first view (docs/metrics.md, "Service
 * mode: figures over time" and "Entries withdrawn by a later record"): the
 * observed time to central with the late shares, and the active keys that
 * left the active set later (window ended, withdrawn later) with the
 * removals produced for them.
 *
 * DESIGN: only what has something to say is drawn. A --once run has every
 * shared key at delay 0 and no window ending: a line says so instead of
 * charts of empty buckets. A histogram panel is drawn for a source with a
 * delay above 0 or a late share (cp_report_seen_later), a bar for a source
 * with a key that left later (cp_report_left_later); the other sources are
 * named in one line. The counts are in data- attributes, as elsewhere.
 */
#include <inttypes.h>
#include <stdio.h>

#include "html.h"
#include "status_draw.h"

/* A duration in seconds as people read it: "0", "45 s", "2.71 min", "7 d". */
static void cp_sp_secs(char *s, size_t size, double secs)
{
        static const struct {
                double per;
                const char *unit;
        } u[] = {{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}};
        size_t k = 0;

        if (secs <= 0) {
                snprintf(s, size, "0");
                return;
        }
        while (k < sizeof(u) / sizeof(u[0]) - 1 && secs < u[k].per)
                k++;
        /* three significant digits, never an exponent */
        snprintf(s, size, secs / u[k].per < 100 ? "%.3g %s" : "%.0f %s", secs / u[k].per,
                 u[k].unit);
}

/* ---- observed time to central ---- */

#define CP_SP_SEEN_H 132      /* a panel's chart */
#define CP_SP_SEEN_BASE 104   /* the bars' baseline */
#define CP_SP_SEEN_BAR_MAX 84

/* The first bucket (bound 0): keys the central records had first. */
#define CP_SP_SEEN_FIRST CP_SP_SKY
#define CP_SP_SEEN_LATER CP_SP_BLUE

static void cp_sp_seen_panel(cp_buf_t *b, const cp_source_conf_t *src,
                             const cp_source_stats_t *st)
{
        double slot = (double)CP_SP_PANEL_W / CP_SEEN_BUCKETS;
        int med = cp_report_median_bucket(st->st_seen_bucket, CP_SEEN_BUCKETS,
                                          st->st_seen_count);
        uint64_t max = 0;
        char le[16], lab[40], d[24];

        for (int k = 0; k < CP_SEEN_BUCKETS; k++)
                if (st->st_seen_bucket[k] > max)
                        max = st->st_seen_bucket[k];
        cp_buf_puts(b, "<div class=\"panel seen\"");
        cp_html_attr(b, "data-source", src->src_id);
        cp_html_attr_u64(b, "data-seen-count", st->st_seen_count);
        cp_buf_printf(b, " data-seen-sum-ms=\"%" PRId64 "\"", st->st_seen_sum_ms);
        cp_html_attr_u64(b, "data-late-shared", st->st_late_shared);
        cp_buf_puts(b, "><h3>");
        cp_html_text(b, src->src_id);
        cp_buf_puts(b, "</h3><p>");
        cp_html_count(b, st->st_seen_count);
        cp_buf_puts(b, " shared keys \xC2\xB7 <b>");
        cp_html_count(b, st->st_late_shared);
        cp_buf_puts(b, "</b> late");
        if (med >= 0) {
                cp_sp_secs(d, sizeof(d), (double)st->st_seen_sum_ms / 1000.0 /
                                         (double)st->st_seen_count);
                if (med < CP_SEEN_BUCKETS - 1) {
                        cp_sp_secs(lab, sizeof(lab), cp_seen_bounds[med]);
                        cp_buf_printf(b, " \xC2\xB7 mean <b>%s</b> \xC2\xB7 median <b>%s%s</b>",
                                      d, med ? "\xE2\x89\xA4 " : "", lab);
                } else {
                        cp_sp_secs(lab, sizeof(lab), cp_seen_bounds[CP_SEEN_BUCKETS - 2]);
                        cp_buf_printf(b, " \xC2\xB7 mean <b>%s</b> \xC2\xB7 median <b>> %s</b>",
                                      d, lab);
                }
        }
        cp_buf_puts(b, "</p>\n");
        cp_sp_hist_open(b, "seen", CP_SP_SEEN_H, CP_SP_SEEN_BASE,
                        "observed time to central histogram");
        for (int k = 0; k < CP_SEEN_BUCKETS; k++) {
                uint64_t v = st->st_seen_bucket[k];
                double hgt = cp_sp_len(v, max, CP_SP_SEEN_BAR_MAX), x = slot * k + 5;

                if (k < CP_SEEN_BUCKETS - 1) {
                        snprintf(le, sizeof(le), "%d", cp_seen_bounds[k]);
                        cp_sp_secs(d, sizeof(d), cp_seen_bounds[k]);
                        snprintf(lab, sizeof(lab), "%s%s", k ? "\xE2\x89\xA4" : "", d);
                } else {
                        snprintf(le, sizeof(le), "+Inf");
                        cp_sp_secs(d, sizeof(d), cp_seen_bounds[CP_SEEN_BUCKETS - 2]);
                        snprintf(lab, sizeof(lab), ">%s", d);
                }
                cp_sp_hist_bar(b, "seen", src->src_id, le, x, CP_SP_SEEN_BASE, slot - 10, hgt,
                               k ? CP_SP_SEEN_LATER : CP_SP_SEEN_FIRST, v, lab);
        }
        cp_sp_svg_close(b);
        cp_buf_puts(b, "</div>\n");
}

/* Names the sources for which pick is false ("a, b and c"), central
 * ones only when `central`. */
static void cp_sp_others(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep,
                         bool (*pick)(const cp_source_stats_t *), bool central)
{
        size_t n = 0, total = 0;

        for (size_t i = 0; i < rep->rep_nsrc; i++)
                if (central || conf->conf_sources[i].src_role != CP_ROLE_CENTRAL)
                        total += !pick(&rep->rep_src[i]);
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                if ((!central && conf->conf_sources[i].src_role == CP_ROLE_CENTRAL) ||
                    pick(&rep->rep_src[i]))
                        continue;
                if (n++)
                        cp_buf_puts(b, n == total ? " and " : ", ");
                cp_buf_puts(b, "<b>");
                cp_html_text(b, conf->conf_sources[i].src_id);
                cp_buf_puts(b, "</b>");
        }
}

static void cp_sp_seen(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        static const cp_sp_key_t keys[] = {
                {CP_SP_SEEN_FIRST, "delay 0: the central records had the key first"},
                {CP_SP_SEEN_LATER, "a central record of the key came later"},
        };
        size_t later = 0, rest = 0;
        uint64_t shared = 0;

        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                if (conf->conf_sources[i].src_role == CP_ROLE_CENTRAL)
                        continue;
                if (cp_report_seen_later(&rep->rep_src[i]))
                        later++;
                else {
                        rest++;
                        shared += rep->rep_src[i].st_seen_count;
                }
        }
        if (!later && !rest)
                return;
        if (!later) {
                cp_buf_puts(b, "<p id=\"seen-none\"");
                cp_html_attr_u64(b, "data-keys", shared);
                cp_buf_puts(b, "><b>Observed time to central:</b> ");
                if (!shared) {
                        cp_buf_puts(b, "no shared key.</p>\n");
                        return;
                }
                cp_buf_puts(b, "all ");
                cp_html_count(b, shared);
                cp_buf_puts(b, " shared keys were in the central records when their source "
                               "showed them: delay 0 (as always in a --once run), none "
                               "shared late.</p>\n");
                return;
        }
        cp_buf_puts(b, "<h3>Observed time to central</h3>\n");
        cp_sp_legend(b, keys, sizeof(keys) / sizeof(keys[0]));
        cp_buf_puts(b, "<div class=\"grid3\">\n");
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                if (conf->conf_sources[i].src_role != CP_ROLE_CENTRAL &&
                    cp_report_seen_later(&rep->rep_src[i]))
                        cp_sp_seen_panel(b, &conf->conf_sources[i], &rep->rep_src[i]);
        cp_buf_puts(b, "</div>\n");
        if (rest) {
                cp_buf_puts(b, "<p id=\"seen-rest\"");
                cp_html_attr_u64(b, "data-keys", shared);
                cp_buf_puts(b, ">Every shared key of ");
                cp_sp_others(b, conf, rep, cp_report_seen_later, false);
                cp_buf_puts(b, " (");
                cp_html_count(b, shared);
                cp_buf_puts(b, " in all) at delay 0.</p>\n");
        }
}

/* ---- active keys that left later ---- */

/* One way of leaving, a segment of the row's bar from x: @returns its width. */
static double cp_sp_left_seg(cp_buf_t *b, double x, double by, const cp_source_conf_t *src,
                             uint64_t first, const char *what, uint64_t keys,
                             uint64_t removals, uint32_t rgb, const char *title)
{
        double w = cp_sp_len(keys, first, CP_SP_BAR_W);

        cp_sp_rect(b, "left", x, by, w, CP_SP_BAR_H, rgb);
        cp_html_attr(b, "data-source", src->src_id);
        cp_html_attr(b, "data-what", what);
        cp_html_attr_u64(b, "data-keys", keys);
        cp_html_attr_u64(b, "data-removals", removals);
        cp_sp_rect_end(b, title);
        return w;
}

static void cp_sp_left_row(cp_buf_t *b, double y, const cp_source_conf_t *src,
                           const cp_source_stats_t *st)
{
        uint64_t active = st->st_class[CP_KC_ACTIVE];
        uint64_t first = active + st->st_window_ended + st->st_withdrawn_later;
        double by = y + (CP_SP_ROW_H - CP_SP_BAR_H) / 2.0, x = CP_SP_BAR_X, w;

        cp_sp_source_label(b, y, src);
        cp_sp_rect(b, "track", CP_SP_BAR_X, by, CP_SP_BAR_W, CP_SP_BAR_H, CP_SP_TRACK);
        cp_sp_rect_end(b, NULL);
        w = cp_sp_len(active, first, CP_SP_BAR_W);
        cp_sp_rect(b, "still", x, by, w, CP_SP_BAR_H, CP_SP_BLUE);
        cp_html_attr(b, "data-source", src->src_id);
        cp_html_attr_u64(b, "data-keys", active);
        cp_sp_rect_end(b, "still active");
        x += w;
        x += cp_sp_left_seg(b, x, by, src, first, "window_ended", st->st_window_ended,
                            st->st_removals_swept, CP_SP_ORANGE,
                            "window ended while the service ran (now expired)");
        cp_sp_left_seg(b, x, by, src, first, "withdrawn_later", st->st_withdrawn_later,
                       st->st_withdrawn_later_removals, CP_SP_VERMILLION,
                       "withdrawn by a later record (now withdrawn)");

        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\"><tspan class=\"num\">", CP_SP_TEXT_X,
                      y + 15);
        cp_html_count(b, st->st_window_ended);
        cp_buf_puts(b, "</tspan> window ended \xC2\xB7 <tspan class=\"num\">");
        cp_html_count(b, st->st_withdrawn_later);
        cp_buf_puts(b, "</tspan> withdrawn later</text>\n");
        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"sub\">", CP_SP_TEXT_X, y + 30);
        cp_html_count(b, st->st_removals_swept);
        cp_buf_puts(b, " + ");
        cp_html_count(b, st->st_withdrawn_later_removals);
        cp_buf_puts(b, " removals of ");
        cp_html_count(b, first);
        cp_buf_puts(b, " keys active at first view</text>\n");
}

static void cp_sp_left(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        static const cp_sp_key_t keys[] = {
                {CP_SP_BLUE, "still active"},
                {CP_SP_ORANGE, "window ended (now expired)"},
                {CP_SP_VERMILLION, "withdrawn by a later record"},
                {CP_SP_TRACK, "nothing left"},
        };
        size_t rows = 0, k = 0;
        int h;

        /* Central sources too: a later record of theirs may withdraw. */
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                rows += cp_report_left_later(&rep->rep_src[i]);
        if (!rows) {
                cp_buf_puts(b, "<p id=\"left-none\"><b>Left the active set later:</b> "
                               "no key; no window ended while the service ran and no later "
                               "record withdrew an entry.</p>\n");
                return;
        }
        h = CP_SP_AXIS_H + (int)rows * CP_SP_ROW_H + 2;
        cp_buf_puts(b, "<h3>Active keys that left the active set later</h3>\n");
        cp_sp_legend(b, keys, sizeof(keys) / sizeof(keys[0]) - 1);
        cp_sp_svg_open(b, "chart", CP_SP_W, h, "keys that left the active set later per source");
        cp_sp_pct_axis(b, h);
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                if (cp_report_left_later(&rep->rep_src[i]))
                        cp_sp_left_row(b, CP_SP_AXIS_H + (double)(k++ * CP_SP_ROW_H),
                                       &conf->conf_sources[i], &rep->rep_src[i]);
        cp_sp_svg_close(b);
        if (rows < rep->rep_nsrc) {
                cp_buf_puts(b, "<p id=\"left-rest\">No key of ");
                cp_sp_others(b, conf, rep, cp_report_left_later, true);
                cp_buf_puts(b, " left later.</p>\n");
        }
}

void cp_sp_later(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_sp_section_open(b, "later", "Revised after a key's first view",
                           "Service mode reads its inputs in sets: a central record of a key "
                           "may come in a later set than a source's, and entries' windows end "
                           "while the service runs; in both modes a later record of a source "
                           "may withdraw one of its entries. Observed time to central: for each "
                           "shared key, the ingest time of the first central record of the key "
                           "minus that of the source's view, 0 when the central records had it "
                           "first, by histogram bucket (upper bounds; each source on its own "
                           "scale). Late shared: of shared, keys counted unmatched until a "
                           "central record came later. Window ended: active keys the "
                           "observation date moved past their expected_public_until, now "
                           "expired, with the REMOVAL events produced for them. Withdrawn "
                           "later: active keys a later record of the same source withdrew, now "
                           "withdrawn, with those records produced as REMOVAL (when the source "
                           "had produced the key).");
        cp_sp_seen(b, conf, rep);
        cp_sp_left(b, conf, rep);
        cp_sp_section_close(b);
}
