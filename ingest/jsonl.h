/*
 * JSON Lines reader: one JSON object per line.
 *
 * DESIGN: lines come from the same buffered reader as CSV records, and
 * each non-blank line is parsed with jansson. Besides the parsed object,
 * a row gives every top-level member as text, in document order, because
 * that is what ingest stores: strings unescaped, numbers exactly as the
 * source wrote them (jansson would turn 12345678901234567890 or 1.50 into
 * a double; the token text loses nothing), true/false, NULL for null, and
 * nested arrays and objects as compact JSON. Lines end with LF or CRLF; a
 * lone CR is JSON white space, not a line end. Empty and white-space-only
 * lines are skipped. Everything a row points to is valid until the next
 * call.
 *
 * Error codes (stable, static storage), set in cp_jsonl_row_t.error:
 */
#ifndef CP_INGEST_JSONL_H
#define CP_INGEST_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#include <jansson.h>

/* The line is not JSON (or repeats a key); message says where and why. */
#define CP_JSONL_E_PARSE "jsonl_parse_error"
/* The line is JSON but not an object (an array, a string, a number...). */
#define CP_JSONL_E_NOT_OBJECT "jsonl_not_object"
/* The line is longer than the limit (16 MiB); raw holds its first
 * CP_JSONL_RAW_KEEP bytes and reading resumes at the next line. */
#define CP_JSONL_E_TOO_LARGE "jsonl_line_too_large"

#define CP_JSONL_RAW_KEEP 4096

typedef struct cp_jsonl_s cp_jsonl_t;

/* A top-level member of the line's object, as text. */
typedef struct cp_jsonl_member_s {
        const char *key;    /* NUL-terminated, as decoded by jansson */
        const char *text;   /* NUL-terminated value text; NULL for null */
        size_t len;
} cp_jsonl_member_t;

typedef struct cp_jsonl_row_s {
        json_t *obj;        /* the object when jansson parsed the line
                             * (reader-owned); NULL on error, and for the
                             * flat objects the reader decodes itself */
        size_t nmembers;
        const cp_jsonl_member_t *member;  /* in document order */
        uint64_t line;      /* 1-based line */
        uint64_t offset;    /* byte offset of the line's first byte */
        const char *raw;    /* the line without its line end */
        size_t raw_len;
        const char *error;  /* NULL, or a CP_JSONL_E_* code */
        const char *message;  /* for an error: what and where, else NULL */
} cp_jsonl_row_t;

/**
 * @brief Starts reading a file descriptor.
 * @returns the reader, or NULL with errstr set.
 * @owns fd in every case: closed by cp_jsonl_close(), or at once on failure.
 */
cp_jsonl_t *cp_jsonl_open_fd(int fd, char *errstr, size_t errstr_size);

/** @brief Starts reading memory; borrows buf. @returns NULL on no memory. */
cp_jsonl_t *cp_jsonl_open_mem(const char *buf, size_t len);

/**
 * @brief Decodes the input from enc to UTF-8 (ingest/linebuf.h: offsets
 * stay file offsets; an undecodable byte leaves a marker in the record).
 * Call before the first cp_jsonl_next().
 * @param used set to the encoding chosen (detected with CP_ENC_AUTO)
 * @returns as cp_lbuf_set_encoding().
 */
int cp_jsonl_set_encoding(cp_jsonl_t *jl, cp_encoding_t enc,
                          cp_encoding_t *used);

/** @brief Test hook, as cp_csv_set_sizes(). */
void cp_jsonl_set_sizes(cp_jsonl_t *jl, size_t chunk, size_t max_record);

/**
 * @brief Test hook: every line through jansson, none through the
 * reader's own decoder of flat objects (jsonl.c), so that tests can
 * compare the two.
 */
void cp_jsonl_set_jansson_only(cp_jsonl_t *jl, bool on);

/**
 * @brief Reads the next non-blank line.
 * @returns 1 with a row (maybe with row->error set), 0 at the end of the
 *          input, or CP_ERR_IO (see cp_jsonl_errno()) or CP_ERR_NOMEM.
 */
int cp_jsonl_next(cp_jsonl_t *jl, cp_jsonl_row_t *row);

/**
 * @brief Parses one JSON text held in memory into a row, as cp_jsonl_next()
 * parses a line, for records that are not lines (the elements of an HTTP
 * page's record array). White space, line ends included, may surround and
 * separate its tokens. The row is valid until the next call; p is
 * borrowed and must live as long.
 * @param line, offset the record's position, kept in the row
 * @param what the record as messages name it, e.g. "element 3 of data.list"
 * @returns CP_OK (row->error set when the text is not a JSON object) or
 *          CP_ERR_NOMEM.
 */
int cp_jsonl_parse_one(cp_jsonl_t *jl, const char *p, size_t n,
                       uint64_t line, uint64_t offset, const char *what,
                       cp_jsonl_row_t *row);

/** @returns the errno of the read that failed with CP_ERR_IO. */
int cp_jsonl_errno(const cp_jsonl_t *jl);

/** @brief Closes the reader and its fd. NULL is a no-op. */
void cp_jsonl_close(cp_jsonl_t *jl);

#endif
