/* Pairs of sources: the overlap heatmap and the subjects one source lists
 * and another of its category does not. */
#include <inttypes.h>
#include <stdio.h>

#include "html.h"
#include "status_draw.h"

/* Sequential blues, light to dark: one hue, so order reads in grey too. */
static const uint32_t cp_sp_blues[] = {0xF7FBFF, 0xC6DBEF, 0x6BAED6, 0x2171B5, 0x08306B};
#define CP_SP_NBLUES (sizeof(cp_sp_blues) / sizeof(cp_sp_blues[0]))
#define CP_SP_DIAG 0xD9DCE1u   /* a source with itself: its own keys */
#define CP_SP_HEAT_TOP 112     /* room for the column labels */
#define CP_SP_CELL_MAX 84

/* overlap / min(unique_i, unique_j): 1 when the smaller source's keys are
 * all in the other, whatever their sizes. */
static double cp_sp_overlap_ratio(const cp_report_t *rep, size_t i, size_t j)
{
        uint64_t a = rep->rep_src[i].st_unique_keys, c = rep->rep_src[j].st_unique_keys;
        uint64_t m = a < c ? a : c;

        return m ? (double)rep->rep_overlap[i * rep->rep_nsrc + j] / (double)m : 0;
}

static void cp_sp_cell(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep,
                       size_t i, size_t j, double x, double y, double cw)
{
        uint64_t v = rep->rep_overlap[i * rep->rep_nsrc + j];
        double r = i == j ? 1 : cp_sp_overlap_ratio(rep, i, j);
        uint32_t rgb = i == j ? CP_SP_DIAG : cp_html_ramp(cp_sp_blues, CP_SP_NBLUES, r);
        const char *ink = !v ? "9ca3af" : cp_html_is_light(rgb) ? "1f2937" : "fff";
        cp_buf_t t;

        cp_buf_init(&t);
        if (i == j) {
                cp_buf_printf(&t, "%s: %" PRIu64 " keys", conf->conf_sources[i].src_id, v);
        } else {
                cp_buf_printf(&t, "%s and %s: %" PRIu64 " keys both reported, %.1f%% of the "
                              "smaller", conf->conf_sources[i].src_id,
                              conf->conf_sources[j].src_id, v, 100 * r);
        }
        cp_sp_rect(b, i == j ? "cell diag" : "cell", x, y, cw, CP_SP_ROW_H, rgb);
        cp_html_attr(b, "data-row", conf->conf_sources[i].src_id);
        cp_html_attr(b, "data-col", conf->conf_sources[j].src_id);
        cp_html_attr_u64(b, "data-overlap", v);
        cp_buf_printf(b, " data-ratio=\"%.4f\" stroke=\"#fff\"", r);
        cp_sp_rect_end(b, t.b_data ? t.b_data : "");
        cp_buf_free(&t);
        cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"num in\" "
                      "style=\"fill:#%s\">", x + cw / 2, y + (v ? 17 : 23), ink);
        cp_html_count(b, v);
        cp_buf_puts(b, "</text>\n");
        if (v && i != j) {
                cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                              "class=\"in\" style=\"fill:#%s;font-size:10px\">%.0f%%</text>\n",
                              x + cw / 2, y + 31, ink, 100 * r);
        } else if (i == j) {
                cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                              "class=\"in\" style=\"fill:#%s;font-size:10px\">keys</text>\n",
                              x + cw / 2, y + 31, ink);
        }
}

void cp_sp_overlap(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        static const char *const pct[] = {"0%", "25%", "50%", "75%", "100%"};
        cp_sp_key_t keys[CP_SP_NBLUES + 1];
        size_t n = rep->rep_nsrc;
        double cw;
        int h;

        cp_sp_section_open(b, "overlap", "Overlap",
                           "Keys reported by both sources (row and column), in any class. "
                           "Shade: overlap / the smaller source's unique keys, so a source "
                           "wholly inside another is darkest whatever its size. Diagonal: "
                           "the source's own unique keys.");
        if (!rep->rep_overlap || !n) {
                cp_buf_puts(b, "<p>Not computed yet.</p>\n");
                cp_sp_section_close(b);
                return;
        }
        for (size_t k = 0; k < CP_SP_NBLUES; k++)
                keys[k] = (cp_sp_key_t){cp_sp_blues[k], pct[k]};
        keys[CP_SP_NBLUES] = (cp_sp_key_t){CP_SP_DIAG, "the source itself"};
        cp_sp_legend(b, keys, CP_SP_NBLUES + 1);
        /* Cells as wide as fit beside the labels, leaving room on the
         * right for the last column's slanted label. */
        cw = (double)(CP_SP_W - CP_SP_BAR_X - 140) / (double)n;
        if (cw > CP_SP_CELL_MAX)
                cw = CP_SP_CELL_MAX;
        h = CP_SP_HEAT_TOP + (int)n * CP_SP_ROW_H + 2;
        cp_sp_svg_open(b, "heatmap", CP_SP_W, h, "overlap of keys between sources");
        for (size_t j = 0; j < n; j++) {
                cp_buf_printf(b, "<text class=\"col\" transform=\"translate(%.1f %d) "
                              "rotate(-35)\">", CP_SP_BAR_X + cw * ((double)j + 0.5),
                              CP_SP_HEAT_TOP - 8);
                cp_sp_label(b, conf->conf_sources[j].src_id, CP_SP_ID_MAX);
                cp_buf_puts(b, "</text>\n");
        }
        for (size_t i = 0; i < n; i++) {
                double y = CP_SP_HEAT_TOP + (double)(i * CP_SP_ROW_H);

                cp_sp_source_label(b, y, &conf->conf_sources[i]);
                for (size_t j = 0; j < n; j++)
                        cp_sp_cell(b, conf, rep, i, j, CP_SP_BAR_X + cw * (double)j, y, cw);
        }
        cp_sp_svg_close(b);
        cp_sp_section_close(b);
}

/* ---- subjects missing ---- */

#define CP_SP_MISS_ROW 26
#define CP_SP_MISS_BAR_X 440
#define CP_SP_MISS_BAR_W 360

static void cp_sp_missing_row(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep,
                              size_t i, size_t j, double y)
{
        uint64_t miss = rep->rep_subjects_missing[i * rep->rep_nsrc + j];
        uint64_t subj = rep->rep_src[i].st_subjects;
        double w = cp_sp_len(miss, subj, CP_SP_MISS_BAR_W);

        cp_buf_printf(b, "<text x=\"0\" y=\"%.1f\"><tspan class=\"num\">", y + 17);
        cp_sp_label(b, conf->conf_sources[i].src_id, CP_SP_ID_MAX);
        cp_buf_puts(b, "</tspan><tspan class=\"sub\"> not listed by </tspan><tspan "
                       "class=\"num\">");
        cp_sp_label(b, conf->conf_sources[j].src_id, CP_SP_ID_MAX);
        cp_buf_puts(b, "</tspan></text>\n");
        cp_sp_rect(b, "track", CP_SP_MISS_BAR_X, y + 6, CP_SP_MISS_BAR_W, 14, CP_SP_TRACK);
        cp_sp_rect_end(b, NULL);
        cp_sp_rect(b, "missing", CP_SP_MISS_BAR_X, y + 6, w, 14, CP_SP_ORANGE);
        cp_html_attr(b, "data-source", conf->conf_sources[i].src_id);
        cp_html_attr(b, "data-other", conf->conf_sources[j].src_id);
        cp_html_attr_u64(b, "data-missing", miss);
        cp_html_attr_u64(b, "data-subjects", subj);
        cp_sp_rect_end(b, NULL);
        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\"><tspan class=\"num\">",
                      CP_SP_MISS_BAR_X + CP_SP_MISS_BAR_W + 12, y + 17);
        cp_html_count(b, miss);
        cp_buf_puts(b, "</tspan> of ");
        cp_html_count(b, subj);
        cp_buf_puts(b, " subjects \xC2\xB7 ");
        cp_html_pct(b, miss, subj);
        cp_buf_puts(b, "</text>\n");
}

void cp_sp_missing(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        static const cp_sp_key_t keys[] = {
                {CP_SP_ORANGE, "subjects the other source does not list"},
                {CP_SP_TRACK, "subjects both list"},
        };
        size_t n = rep->rep_nsrc, rows = 0, k = 0;

        cp_sp_section_open(b, "missing", "Subjects missing",
                           "For two sources of the same category: the subjects (companies, "
                           "persons) of the first that have no key of that category in the "
                           "second, out of the first's subjects. With a central second "
                           "source: subjects the central records do not know at all.");
        if (!rep->rep_subjects_missing) {
                cp_buf_puts(b, "<p>Not computed yet.</p>\n");
                cp_sp_section_close(b);
                return;
        }
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                        rows += i != j && conf->conf_sources[i].src_category ==
                                                  conf->conf_sources[j].src_category;
        if (!rows) {
                cp_buf_puts(b, "<p>No two sources of the same category.</p>\n");
                cp_sp_section_close(b);
                return;
        }
        cp_sp_legend(b, keys, sizeof(keys) / sizeof(keys[0]));
        cp_sp_svg_open(b, "chart", CP_SP_W, (int)rows * CP_SP_MISS_ROW + 4,
                       "subjects missing between sources of the same category");
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                        if (i != j && conf->conf_sources[i].src_category ==
                                              conf->conf_sources[j].src_category)
                                cp_sp_missing_row(b, conf, rep, i, j,
                                                  (double)(k++ * CP_SP_MISS_ROW));
        cp_sp_svg_close(b);
        cp_sp_section_close(b);
}
