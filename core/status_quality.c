/* How good what is shared is: field completeness, discrepancies with the
 * central view, and the time a key takes to reach the central records. */
#include <inttypes.h>
#include <stdio.h>

#include "html.h"
#include "status_draw.h"

/* ---- completeness ---- */

#define CP_SP_FIELD_ROW 20
#define CP_SP_FIELD_BAR_X 118
#define CP_SP_FIELD_BAR_W 110  /* leaves the count room for seven digits */

static void cp_sp_completeness_panel(cp_buf_t *b, const cp_source_conf_t *src,
                                     const cp_source_stats_t *st)
{
        uint64_t keys = st->st_completeness_keys, present = 0, nreq = 0;
        double y = 0;

        for (int f = 0; f < CP_REQ__COUNT; f++)
                if (st->st_required[f]) {
                        nreq++;
                        present += st->st_present[f];
                }
        cp_buf_puts(b, "<div class=\"panel\"><h3>");
        cp_html_text(b, src->src_id);
        cp_buf_puts(b, "</h3><p>");
        cp_html_text(b, cp_category_name(src->src_category));
        cp_buf_puts(b, " \xC2\xB7 ");
        cp_html_count(b, keys);
        cp_buf_puts(b, src->src_role == CP_ROLE_CENTRAL ? " keys" : " active keys");
        cp_buf_puts(b, " \xC2\xB7 completeness <b>");
        cp_html_pct(b, present, nreq * keys);
        cp_buf_puts(b, "</b></p>\n");
        if (!nreq) {
                cp_buf_puts(b, "<p>No required field.</p></div>\n");
                return;
        }
        cp_sp_svg_open(b, "fields", CP_SP_PANEL_W, (int)nreq * CP_SP_FIELD_ROW + 2,
                       "completeness per required field");
        for (int f = 0; f < CP_REQ__COUNT; f++) {
                if (!st->st_required[f])
                        continue;
                cp_sp_text(b, 0, y + 14, "in", "start", cp_req_name(f));
                cp_sp_rect(b, "track", CP_SP_FIELD_BAR_X, y + 4, CP_SP_FIELD_BAR_W, 12,
                           CP_SP_TRACK);
                cp_sp_rect_end(b, NULL);
                cp_sp_rect(b, "present", CP_SP_FIELD_BAR_X, y + 4,
                           cp_sp_len(st->st_present[f], keys, CP_SP_FIELD_BAR_W), 12,
                           CP_SP_GREEN);
                cp_html_attr(b, "data-source", src->src_id);
                cp_html_attr(b, "data-field", cp_req_name(f));
                cp_html_attr_u64(b, "data-present", st->st_present[f]);
                cp_html_attr_u64(b, "data-keys", keys);
                cp_sp_rect_end(b, NULL);
                cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"in\"><tspan class=\"num\">",
                              CP_SP_FIELD_BAR_X + CP_SP_FIELD_BAR_W + 8, y + 14);
                cp_html_pct(b, st->st_present[f], keys);
                cp_buf_puts(b, "</tspan><tspan class=\"sub\"> ");
                cp_html_count(b, st->st_present[f]);
                cp_buf_puts(b, "</tspan></text>\n");
                y += CP_SP_FIELD_ROW;
        }
        cp_sp_svg_close(b);
        cp_buf_puts(b, "</div>\n");
}

void cp_sp_completeness(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        static const cp_sp_key_t keys[] = {
                {CP_SP_GREEN, "present and valid"},
                {CP_SP_TRACK, "missing, a placeholder, or invalid"},
        };

        cp_sp_section_open(b, "completeness", "Completeness",
                           "Per source, each field its category requires: keys whose view "
                           "has it present and valid after normalisation, out of the active "
                           "keys (central sources: all keys). subject_id: any usable subject "
                           "identifier.");
        cp_sp_legend(b, keys, sizeof(keys) / sizeof(keys[0]));
        cp_buf_puts(b, "<div class=\"grid3\">\n");
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                cp_sp_completeness_panel(b, &conf->conf_sources[i], &rep->rep_src[i]);
        cp_buf_puts(b, "</div>\n");
        cp_sp_section_close(b);
}

/* ---- discrepancies ---- */

/* White to vermillion: a cell darkens as more of its compared keys differ. */
static const uint32_t cp_sp_reds[] = {0xFFFFFF, 0xFBDCC4, 0xF2A66F, 0xD55E00};
#define CP_SP_NREDS (sizeof(cp_sp_reds) / sizeof(cp_sp_reds[0]))
#define CP_SP_DISC_FULL 0.25   /* the share of differing keys shaded darkest */

static void cp_sp_discrepancy_cell(cp_buf_t *b, const cp_source_conf_t *src,
                                   const cp_source_stats_t *st, int f)
{
        uint64_t cmp = st->st_compared[f], dif = st->st_differs[f];

        cp_buf_puts(b, "<td class=\"disc");
        if (!cmp)
                cp_buf_puts(b, " na\"");
        else {
                uint32_t rgb = cp_html_ramp(cp_sp_reds, CP_SP_NREDS,
                                            (double)dif / (double)cmp / CP_SP_DISC_FULL);

                cp_buf_printf(b, "\" style=\"background:#%06x;color:#%s\"", rgb,
                              cp_html_is_light(rgb) ? "1f2937" : "fff");
        }
        cp_html_attr(b, "data-source", src->src_id);
        cp_html_attr(b, "data-field", cp_cmp_name((cp_cmp_t)f));
        cp_html_attr_u64(b, "data-compared", cmp);
        cp_html_attr_u64(b, "data-differs", dif);
        cp_buf_puts(b, ">");
        if (cmp) {
                cp_html_count(b, dif);
                cp_buf_puts(b, " / ");
                cp_html_count(b, cmp);
        } else {
                cp_buf_puts(b, "\xE2\x80\x93");
        }
        cp_buf_puts(b, "</td>");
}

void cp_sp_discrepancies(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_sp_key_t keys[CP_SP_NREDS];
        static const char *const shade[CP_SP_NREDS] = {"none differ", "8%", "17%",
                                                       "25% or more differ"};
        bool any = false;

        cp_sp_section_open(b, "discrepancies", "Discrepancies",
                           "For each shared key, the source's view and the central view "
                           "compared field by field, each normalised first: keys whose "
                           "field differs / keys with the field present and valid in both. "
                           "Agreement = 1 \xE2\x88\x92 \xCE\xA3 differing / \xCE\xA3 compared.");
        for (size_t k = 0; k < CP_SP_NREDS; k++)
                keys[k] = (cp_sp_key_t){cp_sp_reds[k], shade[k]};
        cp_sp_legend(b, keys, CP_SP_NREDS);
        cp_buf_puts(b, "<table id=\"discrepancy-table\"><thead><tr><th>source</th>"
                       "<th>shared</th><th>discrepant</th><th>agreement</th>");
        for (int f = 0; f < CP_CMP__COUNT; f++) {
                cp_buf_puts(b, "<th>");
                cp_html_text(b, cp_cmp_name((cp_cmp_t)f));
                cp_buf_puts(b, "</th>");
        }
        cp_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_conf_t *src = &conf->conf_sources[i];
                const cp_source_stats_t *st = &rep->rep_src[i];
                uint64_t cmp = 0, dif = 0;

                if (src->src_role == CP_ROLE_CENTRAL)
                        continue;
                any = true;
                for (int f = 0; f < CP_CMP__COUNT; f++) {
                        cmp += st->st_compared[f];
                        dif += st->st_differs[f];
                }
                cp_buf_puts(b, "<tr><td><b>");
                cp_html_text(b, src->src_id);
                cp_buf_puts(b, "</b></td><td>");
                cp_html_count(b, st->st_shared);
                cp_buf_puts(b, "</td><td");
                cp_html_attr(b, "data-source", src->src_id);
                cp_html_attr_u64(b, "data-discrepant", st->st_discrepant);
                cp_buf_puts(b, ">");
                cp_html_count(b, st->st_discrepant);
                cp_buf_puts(b, "</td><td>");
                cp_html_pct(b, cmp - dif, cmp);
                cp_buf_puts(b, "</td>");
                for (int f = 0; f < CP_CMP__COUNT; f++)
                        cp_sp_discrepancy_cell(b, src, st, f);
                cp_buf_puts(b, "</tr>\n");
        }
        cp_buf_puts(b, "</tbody></table>\n");
        if (!any)
                cp_buf_puts(b, "<p>No non-central source is configured.</p>\n");
        cp_sp_section_close(b);
}

/* ---- time to central ---- */

#define CP_SP_LAG_H 132       /* a panel's chart */
#define CP_SP_LAG_BASE 104    /* the bars' baseline */
#define CP_SP_LAG_BAR_MAX 84

static void cp_sp_lag_panel(cp_buf_t *b, const cp_source_conf_t *src,
                            const cp_source_stats_t *st)
{
        double slot = (double)CP_SP_PANEL_W / CP_LAG_BUCKETS;
        uint64_t max = 0;
        int med = cp_report_median_bucket(st->st_lag_bucket, CP_LAG_BUCKETS, st->st_lag_count);
        char le[16], lab[24];

        for (int k = 0; k < CP_LAG_BUCKETS; k++)
                if (st->st_lag_bucket[k] > max)
                        max = st->st_lag_bucket[k];
        cp_buf_puts(b, "<div class=\"panel\"><h3>");
        cp_html_text(b, src->src_id);
        cp_buf_puts(b, "</h3><p>");
        cp_html_count(b, st->st_lag_count);
        cp_buf_puts(b, " keys");
        if (med >= 0) {
                if (med < CP_LAG_BUCKETS - 1)
                        snprintf(lab, sizeof(lab), "\xE2\x89\xA4 %d", cp_lag_bounds[med]);
                else
                        snprintf(lab, sizeof(lab), "> %d", cp_lag_bounds[CP_LAG_BUCKETS - 2]);
                cp_buf_printf(b, " \xC2\xB7 mean <b>%.0f d</b> \xC2\xB7 median <b>%s d</b>",
                              (double)st->st_lag_sum_days / (double)st->st_lag_count, lab);
        }
        cp_buf_puts(b, " \xC2\xB7 ");
        cp_html_count(b, st->st_lag_unknown);
        cp_buf_puts(b, " without dates</p>\n");
        cp_sp_hist_open(b, "lag", CP_SP_LAG_H, CP_SP_LAG_BASE, "time to central histogram");
        for (int k = 0; k < CP_LAG_BUCKETS; k++) {
                uint64_t v = st->st_lag_bucket[k];
                double hgt = cp_sp_len(v, max, CP_SP_LAG_BAR_MAX), x = slot * k + 6;

                if (k < CP_LAG_BUCKETS - 1) {
                        snprintf(le, sizeof(le), "%d", cp_lag_bounds[k]);
                        snprintf(lab, sizeof(lab), "\xE2\x89\xA4%d", cp_lag_bounds[k]);
                } else {
                        snprintf(le, sizeof(le), "+Inf");
                        snprintf(lab, sizeof(lab), ">%d", cp_lag_bounds[CP_LAG_BUCKETS - 2]);
                }
                cp_sp_hist_bar(b, "lag", src->src_id, le, x, CP_SP_LAG_BASE, slot - 12, hgt,
                               CP_SP_BLUE, v, lab);
        }
        if (!st->st_lag_count)
                cp_sp_text(b, CP_SP_PANEL_W / 2.0, CP_SP_LAG_BASE / 2.0, "sub", "middle",
                           "no shared key with both dates");
        cp_sp_svg_close(b);
        cp_buf_puts(b, "</div>\n");
}

void cp_sp_lag(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        bool any = false;

        cp_sp_section_open(b, "time-to-central", "Time to central",
                           "Days from the source's decision date to the central publish date, "
                           "over shared keys with both dates, by histogram bucket (upper "
                           "bounds in days; each source on its own scale).");
        cp_buf_puts(b, "<div class=\"grid3\">\n");
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                if (conf->conf_sources[i].src_role != CP_ROLE_CENTRAL) {
                        cp_sp_lag_panel(b, &conf->conf_sources[i], &rep->rep_src[i]);
                        any = true;
                }
        cp_buf_puts(b, "</div>\n");
        if (!any)
                cp_buf_puts(b, "<p>No non-central source is configured.</p>\n");
        cp_sp_section_close(b);
}
