/*
 * UTF-8 decoding and encoding for the normalisers of transform/.
 * Ingest has already rejected ill-formed input; decoding is still total
 * (malformed bytes come back as U+FFFD, one at a time) so that no input
 * can make a normaliser loop or read past its end.
 */
#ifndef CP_UTF8_H
#define CP_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define CP_U_REPLACEMENT 0xFFFD

/** @brief Decodes the code point at s[*i..len) and advances *i past it. */
uint32_t cp_utf8_next(const unsigned char *s, size_t len, size_t *i);

/** @brief Encodes c into b. @returns its length (1–4). */
size_t cp_utf8_encode(uint32_t c, unsigned char b[4]);

#endif
