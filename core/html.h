/*
 * Writing HTML and inline SVG into a cp_buf_t: escaping, numbers for
 * people, colours on a ramp. What the status page (core/status_page.h) is
 * drawn with.
 *
 * DESIGN: every text that is not a literal of the renderer goes through
 * cp_html_text, which also makes the output valid UTF-8 whatever the
 * input (a byte that is not UTF-8 becomes U+FFFD), so a page stays
 * well-formed even with an odd source id from a configuration. Numbers are
 * printed with cp_buf_printf directly: they need no escaping.
 */
#ifndef CP_HTML_H
#define CP_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/**
 * @brief Appends s escaped for HTML text and quoted attribute values:
 * & < > " ' as entities; bytes that are not well-formed UTF-8 and control
 * characters other than tab and line feed as U+FFFD.
 */
void cp_html_text(cp_buf_t *b, const char *s);

/** @brief Appends ` name="value"`, value escaped by cp_html_text. */
void cp_html_attr(cp_buf_t *b, const char *name, const char *value);

/** @brief Appends ` name="v"` for a count. */
void cp_html_attr_u64(cp_buf_t *b, const char *name, uint64_t v);

/** @brief Appends a count with thousands separators: 1234567 → 1,234,567. */
void cp_html_count(cp_buf_t *b, uint64_t v);

/** @brief Appends 100·num/den with one decimal and "%"; "–" when den is 0. */
void cp_html_pct(cp_buf_t *b, uint64_t num, uint64_t den);

/**
 * @returns the colour at t (clamped to [0,1]) on a ramp through n >= 2
 * evenly spaced stops 0xRRGGBB, interpolated linearly: 0xRRGGBB.
 */
uint32_t cp_html_ramp(const uint32_t *stops, size_t n, double t);

/** @returns whether dark text reads better than white on 0xRRGGBB. */
bool cp_html_is_light(uint32_t rgb);

#endif
