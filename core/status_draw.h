/*
 * Drawing the status page (core/status_page.h): its layout, palette and
 * the SVG pieces its sections share, and the sections themselves, one
 * file per group (status_page.c: page, header, sharing and key classes;
 * status_pairs.c: overlap and missing subjects; status_quality.c:
 * completeness, discrepancies, time to central; status_later.c: figures
 * revised after a key's first view; status_flow.c: records, rejects,
 * Kafka, queues). Internal to those files.
 *
 * DESIGN: charts are inline SVG of a fixed drawing width (the page's
 * content width at 1280 px), scaled down by CSS on narrower windows, so
 * bars of different sections line up. Colours are the Okabe–Ito palette,
 * told apart with every common colour-vision deficiency; quantities shaded
 * on a ramp use one hue of varying lightness, which reads in grey too.
 */
#ifndef CP_STATUS_DRAW_H
#define CP_STATUS_DRAW_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "metrics.h"
#include "report.h"

/* ---- layout, px ---- */
#define CP_SP_W 1130          /* drawing width of a full-width chart */
#define CP_SP_LABEL_W 210     /* source labels on the left */
#define CP_SP_BAR_X 220       /* where a bar's track starts */
#define CP_SP_BAR_W 540       /* its full length */
#define CP_SP_TEXT_X 776      /* figures to the right of the bars */
#define CP_SP_ROW_H 38        /* one source per row */
#define CP_SP_BAR_H 20
#define CP_SP_AXIS_H 22       /* the percent axis above the rows */
#define CP_SP_PANEL_W 348     /* a chart in a panel of the three-column grid */

/* ---- palette (Okabe & Ito, "Color Universal Design") ---- */
#define CP_SP_BLUE 0x0072B2u
#define CP_SP_SKY 0x56B4E9u
#define CP_SP_GREEN 0x009E73u
#define CP_SP_ORANGE 0xE69F00u
#define CP_SP_VERMILLION 0xD55E00u
#define CP_SP_PURPLE 0xCC79A7u
#define CP_SP_YELLOW 0xF0E442u
#define CP_SP_TRACK 0xE5E8EDu  /* the unfilled part of a bar */

/* A section: <section id=ID><h2>TITLE</h2><p class="def">DEF</p>. */
void cp_sp_section_open(cp_buf_t *b, const char *id, const char *title, const char *def);
void cp_sp_section_close(cp_buf_t *b);

/* A legend: swatch and label pairs. */
typedef struct cp_sp_key_s {
        uint32_t k_rgb;
        const char *k_label;
} cp_sp_key_t;
void cp_sp_legend(cp_buf_t *b, const cp_sp_key_t *keys, size_t n);

/* <svg> of w × h px, with an accessible name; then </svg>. */
void cp_sp_svg_open(cp_buf_t *b, const char *cls, int w, int h, const char *label);
void cp_sp_svg_close(cp_buf_t *b);

/* Escaped text at (x, y): anchor "start", "middle" or "end". */
void cp_sp_text(cp_buf_t *b, double x, double y, const char *cls, const char *anchor,
                const char *text);

/* <rect class=CLS ...> without its end, for the caller's data- attributes;
 * cp_sp_rect_end closes it, with a tooltip when title is not NULL. */
void cp_sp_rect(cp_buf_t *b, const char *cls, double x, double y, double w, double h,
                uint32_t rgb);
void cp_sp_rect_end(cp_buf_t *b, const char *title);

/* Opens a histogram's drawing, a panel wide and h high, with its base
 * line at y = base (cp_sp_svg_close ends it). */
void cp_sp_hist_open(cp_buf_t *b, const char *cls, int h, int base, const char *title);

/* A bar of a histogram standing on a base line at y = base: its rect
 * (class cls, data-source, data-le and data-keys for the page's checker),
 * the count v above it and the bucket's label under the base line. */
void cp_sp_hist_bar(cp_buf_t *b, const char *cls, const char *source, const char *le,
                    double x, double base, double w, double h, uint32_t rgb, uint64_t v,
                    const char *label);

/* Appends s escaped, cut to at most max bytes (at a character boundary)
 * and ended with "…" when longer: labels must not run into the bars. */
void cp_sp_label(cp_buf_t *b, const char *s, size_t max);
#define CP_SP_ID_MAX 26        /* bytes of a source id shown in a label */

/* A source's row label: its id (cut, with a tooltip holding all of it),
 * and its category and role below. */
void cp_sp_source_label(cp_buf_t *b, double y, const cp_source_conf_t *src);

/* The 0–100 % axis above full-width bars, with grid lines down to height h. */
void cp_sp_pct_axis(cp_buf_t *b, int h);

/* The length of v on a scale where max fills len (0 when max is 0). */
double cp_sp_len(uint64_t v, uint64_t max, double len);

/* The data- attributes that name a source. */
void cp_sp_source_attrs(cp_buf_t *b, const cp_source_conf_t *src);

/* ---- sections ---- */
void cp_sp_overlap(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep);
void cp_sp_missing(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep);
void cp_sp_completeness(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep);
void cp_sp_discrepancies(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep);
void cp_sp_lag(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep);
void cp_sp_later(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep);
void cp_sp_flow(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep,
                const cp_pipeline_stats_t *ps);

#endif
