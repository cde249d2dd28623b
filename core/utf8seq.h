/*
 * Well-formed UTF-8 sequences (RFC 3629), for the places of core/ that
 * write text out and must not pass malformed bytes on: the log renderer
 * and the status page's HTML escaping.
 */
#ifndef CP_UTF8SEQ_H
#define CP_UTF8SEQ_H

#include <stddef.h>

/**
 * @returns the length of the well-formed UTF-8 sequence at s, of the
 * avail bytes there (no overlong forms, no surrogates, nothing above
 * U+10FFFF), or 0.
 */
size_t cp_utf8_seq_len(const unsigned char *s, size_t avail);

#endif
