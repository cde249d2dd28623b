/*
 * Skipping over JSON tokens in text jansson has already accepted.
 *
 * DESIGN: jansson tells whether a text is JSON and what it means, but not
 * where each value's bytes are. Ingest needs those bytes: a number's text
 * as written (a 20-digit identifier must not go through a double), the
 * raw bytes and file offset of each record. These helpers find token
 * boundaries by structure only (quotes, escapes, brackets), which is
 * enough because they only ever walk text jansson has parsed with the
 * same bytes; on other text they stop at the end without reading past it.
 * Shared by the JSON Lines reader (jsonl.c) and the HTTP page parser
 * (http_page.c).
 */
#ifndef CP_INGEST_JSONTOK_H
#define CP_INGEST_JSONTOK_H

#include <stdbool.h>
#include <stddef.h>

/** @returns whether c is JSON white space. */
static inline bool cp_json_is_ws(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/** @returns the index of the first non-white-space byte at or after i. */
static inline size_t cp_json_skip_ws(const unsigned char *p, size_t n,
                                     size_t i)
{
        while (i < n && cp_json_is_ws(p[i]))
                i++;
        return i;
}

/** p[i] is an opening quote. @returns the index past the closing one. */
static inline size_t cp_json_skip_str(const unsigned char *p, size_t n,
                                      size_t i)
{
        for (i++; i < n; i++) {
                if (p[i] == '\\')
                        i++;
                else if (p[i] == '"')
                        return i + 1;
        }
        return n;
}

/**
 * @brief Skips the value that starts at p[i]: a string, an object or array
 * (nesting counted, not recursed, so depth costs no stack), or a bare
 * token (number, true, false, null).
 * @returns the index past it.
 */
static inline size_t cp_json_skip_value(const unsigned char *p, size_t n,
                                        size_t i)
{
        size_t depth = 0;

        if (i < n && p[i] == '"')
                return cp_json_skip_str(p, n, i);
        if (i < n && p[i] != '{' && p[i] != '[') {
                while (i < n && !cp_json_is_ws(p[i]) && p[i] != ',' &&
                       p[i] != '}' && p[i] != ']')
                        i++;
                return i;
        }
        while (i < n) {
                unsigned char c = p[i];

                if (c == '"') {
                        i = cp_json_skip_str(p, n, i);
                        continue;
                }
                i++;
                if (c == '{' || c == '[') {
                        depth++;
                } else if (c == '}' || c == ']') {
                        if (--depth == 0)
                                break;
                }
        }
        return i;
}

#endif
