/*
 * Byte-level text checks ingest applies to every cell (domain.md §3.1).
 *
 * DESIGN: ingest decides only what is text and where a value begins and
 * ends; what a value means (null placeholders, full-width digits, inner
 * spaces) is transform's business. So this file validates UTF-8, trims
 * the spaces real feeds pad cells with, and removes NUL bytes, which C
 * strings cannot carry.
 */
#ifndef CP_INGEST_TEXT_H
#define CP_INGEST_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/**
 * @brief Checks that p[0..n) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 * @returns true, or false with *bad set to the index of the first byte of
 *          the first ill-formed sequence.
 */
bool cp_text_utf8_valid(const char *p, size_t n, size_t *bad);

/**
 * @brief Narrows [*p, *p + *n) past leading and trailing white space:
 * ASCII space, tab, CR, LF, VT, FF, and U+00A0 (NBSP), U+3000 (ideographic
 * space), U+200B (zero-width space), U+FEFF (BOM / zero-width no-break).
 */
void cp_text_trim(const char **p, size_t *n);

/**
 * @brief Copies src[0..n) to dst without its NUL bytes and NUL-terminates.
 * dst must hold n + 1 bytes. @returns the length copied.
 */
size_t cp_text_copy_nonul(char *dst, const char *src, size_t n);

#endif
