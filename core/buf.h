/*
 * A growable text buffer, for output assembled in memory (the Prometheus
 * exposition of /metrics).
 *
 * DESIGN: an allocation failure is sticky: every later append is a no-op
 * and cp_buf_failed() says so once at the end, so a renderer need not
 * check each of its hundreds of appends.
 */
#ifndef CP_BUF_H
#define CP_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cp_buf_s {
        char *b_data;   /* NUL-terminated when b_len > 0; NULL before any append */
        size_t b_len;
        size_t b_cap;
        bool b_failed;  /* an allocation failed: the content is incomplete */
} cp_buf_t;

/** @brief Prepares an empty buffer; allocates nothing yet. */
void cp_buf_init(cp_buf_t *b);

/** @brief Appends n bytes. */
void cp_buf_append(cp_buf_t *b, const char *s, size_t n);

/** @brief Appends a NUL-terminated text. */
void cp_buf_puts(cp_buf_t *b, const char *s);

/** @brief Appends printf-formatted text. */
void cp_buf_printf(cp_buf_t *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/** @returns whether an allocation failed since cp_buf_init. */
bool cp_buf_failed(const cp_buf_t *b);

/**
 * @brief Hands the content over and leaves the buffer empty.
 * @returns a malloc'd NUL-terminated text (@owns: free it), or NULL when
 *          an allocation failed.
 */
char *cp_buf_steal(cp_buf_t *b, size_t *len);

/** @brief Frees the content. The buffer may be used again. */
void cp_buf_free(cp_buf_t *b);

#endif
