#include "status_draw.h"

#include <stdlib.h>
#include <string.h>

#include "html.h"

void cp_sp_section_open(cp_buf_t *b, const char *id, const char *title, const char *def)
{
        cp_buf_puts(b, "<section");
        cp_html_attr(b, "id", id);
        cp_buf_puts(b, "><h2>");
        cp_html_text(b, title);
        cp_buf_puts(b, "</h2>\n");
        if (def) {
                cp_buf_puts(b, "<p class=\"def\">");
                cp_html_text(b, def);
                cp_buf_puts(b, "</p>\n");
        }
}

void cp_sp_section_close(cp_buf_t *b)
{
        cp_buf_puts(b, "</section>\n");
}

void cp_sp_legend(cp_buf_t *b, const cp_sp_key_t *keys, size_t n)
{
        cp_buf_puts(b, "<div class=\"legend\">");
        for (size_t i = 0; i < n; i++) {
                cp_buf_printf(b, "<span><i style=\"background:#%06x\"></i>", keys[i].k_rgb);
                cp_html_text(b, keys[i].k_label);
                cp_buf_puts(b, "</span>");
        }
        cp_buf_puts(b, "</div>\n");
}

void cp_sp_svg_open(cp_buf_t *b, const char *cls, int w, int h, const char *label)
{
        cp_buf_puts(b, "<svg");
        cp_html_attr(b, "class", cls);
        cp_buf_printf(b, " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"",
                      w, h, w, h);
        cp_html_attr(b, "aria-label", label);
        cp_buf_puts(b, ">\n");
}

void cp_sp_svg_close(cp_buf_t *b)
{
        cp_buf_puts(b, "</svg>\n");
}

void cp_sp_text(cp_buf_t *b, double x, double y, const char *cls, const char *anchor,
                const char *text)
{
        cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
        if (cls)
                cp_html_attr(b, "class", cls);
        if (anchor && *anchor && anchor[0] != 's')
                cp_html_attr(b, "text-anchor", anchor);
        cp_buf_puts(b, ">");
        cp_html_text(b, text);
        cp_buf_puts(b, "</text>\n");
}

void cp_sp_rect(cp_buf_t *b, const char *cls, double x, double y, double w, double h,
                uint32_t rgb)
{
        cp_buf_puts(b, "<rect");
        if (cls)
                cp_html_attr(b, "class", cls);
        cp_buf_printf(b, " x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#%06x\"",
                      x, y, w < 0 ? 0 : w, h, rgb);
}

void cp_sp_rect_end(cp_buf_t *b, const char *title)
{
        if (!title) {
                cp_buf_puts(b, "/>\n");
                return;
        }
        cp_buf_puts(b, "><title>");
        cp_html_text(b, title);
        cp_buf_puts(b, "</title></rect>\n");
}

void cp_sp_hist_open(cp_buf_t *b, const char *cls, int h, int base, const char *title)
{
        cp_sp_svg_open(b, cls, CP_SP_PANEL_W, h, title);
        cp_buf_printf(b, "<line class=\"grid\" x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                      base, CP_SP_PANEL_W, base);
}

void cp_sp_hist_bar(cp_buf_t *b, const char *cls, const char *source, const char *le,
                    double x, double base, double w, double h, uint32_t rgb, uint64_t v,
                    const char *label)
{
        cp_sp_rect(b, cls, x, base - h, w, h, rgb);
        cp_html_attr(b, "data-source", source);
        cp_html_attr(b, "data-le", le);
        cp_html_attr_u64(b, "data-keys", v);
        cp_sp_rect_end(b, NULL);
        cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"in\" text-anchor=\"middle\">",
                      x + w / 2, base - h - 4);
        cp_html_count(b, v);
        cp_buf_puts(b, "</text>\n");
        cp_sp_text(b, x + w / 2, base + 16, "axis", "middle", label);
}

void cp_sp_label(cp_buf_t *b, const char *s, size_t max)
{
        size_t n = strlen(s);
        char *cut;

        if (n <= max) {
                cp_html_text(b, s);
                return;
        }
        n = max - 1;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--;   /* not inside a UTF-8 sequence */
        cut = strndup(s, n);
        if (cut)
                cp_html_text(b, cut);
        free(cut);
        cp_buf_puts(b, "\xE2\x80\xA6");  /* … */
}

void cp_sp_source_label(cp_buf_t *b, double y, const cp_source_conf_t *src)
{
        cp_buf_printf(b, "<text x=\"0\" y=\"%.1f\" class=\"id\">", y + 15);
        cp_sp_label(b, src->src_id, CP_SP_ID_MAX);
        if (strlen(src->src_id) > CP_SP_ID_MAX) {
                cp_buf_puts(b, "<title>");
                cp_html_text(b, src->src_id);
                cp_buf_puts(b, "</title>");
        }
        cp_buf_printf(b, "</text>\n<text x=\"0\" y=\"%.1f\" class=\"sub\">", y + 30);
        cp_html_text(b, cp_category_name(src->src_category));
        cp_buf_puts(b, " \xC2\xB7 ");  /* · */
        cp_html_text(b, cp_role_name(src->src_role));
        cp_buf_puts(b, "</text>\n");
}

void cp_sp_pct_axis(cp_buf_t *b, int h)
{
        for (int p = 0; p <= 100; p += 25) {
                double x = CP_SP_BAR_X + CP_SP_BAR_W * p / 100.0;

                cp_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                              "y2=\"%d\"/>\n<text x=\"%.1f\" y=\"14\" class=\"axis\" "
                              "text-anchor=\"%s\">%d%%</text>\n", x, CP_SP_AXIS_H - 4, x, h,
                              x, p == 0 ? "start" : p == 100 ? "end" : "middle", p);
        }
}

double cp_sp_len(uint64_t v, uint64_t max, double len)
{
        return max ? len * (double)v / (double)max : 0;
}

void cp_sp_source_attrs(cp_buf_t *b, const cp_source_conf_t *src)
{
        cp_html_attr(b, "data-source", src->src_id);
        cp_html_attr(b, "data-category", cp_category_name(src->src_category));
        cp_html_attr(b, "data-role", cp_role_name(src->src_role));
}
