#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cp_buf_init(cp_buf_t *b)
{
        memset(b, 0, sizeof(*b));
}

/* Makes room for n more bytes and the terminating NUL. */
static bool cp_buf_reserve(cp_buf_t *b, size_t n)
{
        size_t cap;
        char *p;

        if (b->b_failed)
                return false;
        if (b->b_len + n + 1 <= b->b_cap)
                return true;
        cap = b->b_cap ? b->b_cap : 4096;
        while (cap < b->b_len + n + 1)
                cap *= 2;
        p = realloc(b->b_data, cap);
        if (!p) {
                b->b_failed = true;
                return false;
        }
        b->b_data = p;
        b->b_cap = cap;
        return true;
}

void cp_buf_append(cp_buf_t *b, const char *s, size_t n)
{
        if (!cp_buf_reserve(b, n))
                return;
        memcpy(b->b_data + b->b_len, s, n);
        b->b_len += n;
        b->b_data[b->b_len] = '\0';
}

void cp_buf_puts(cp_buf_t *b, const char *s)
{
        cp_buf_append(b, s, strlen(s));
}

void cp_buf_printf(cp_buf_t *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        /* Most appends are short: try the room there is first. */
        if (!cp_buf_reserve(b, 64))
                return;
        va_start(ap, fmt);
        n = vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->b_failed = true;
                return;
        }
        if ((size_t)n >= b->b_cap - b->b_len) {
                if (!cp_buf_reserve(b, (size_t)n))
                        return;
                va_start(ap, fmt);
                vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt, ap);
                va_end(ap);
        }
        b->b_len += (size_t)n;
}

bool cp_buf_failed(const cp_buf_t *b)
{
        return b->b_failed;
}

char *cp_buf_steal(cp_buf_t *b, size_t *len)
{
        char *p = b->b_data;

        if (b->b_failed) {
                cp_buf_free(b);
                return NULL;
        }
        if (!p)
                p = calloc(1, 1);
        if (len)
                *len = p ? b->b_len : 0;
        cp_buf_init(b);
        return p;
}

void cp_buf_free(cp_buf_t *b)
{
        free(b->b_data);
        cp_buf_init(b);
}
