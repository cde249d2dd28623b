/*
 * Streaming CSV reader (RFC 4180, plus what real feeds write).
 *
 * DESIGN: one call returns one record: its fields as NUL-terminated texts,
 * where it starts (line and byte offset), and its bytes as read, so that a
 * record the pipeline rejects can be shown exactly as the source wrote it.
 * Everything a row points to belongs to the reader and is valid until the
 * next call. A malformed record never stops the reader: it comes back with
 * a stable error code and the reader goes on with the next one.
 *
 * What the reader accepts, and why:
 * - line ends CRLF, LF or a lone CR (old Mac exports), mixed in one file;
 *   inside quoted fields each of them becomes LF (domain.md §3.1);
 * - a UTF-8 byte order mark at the start of the input is skipped, and
 *   offsets still count its bytes (they are file offsets);
 * - empty lines are skipped: they are not records;
 * - a quote inside an unquoted field (5"x3", 名称为"某某"的) is kept as text
 *   and NOT flagged: only a quote that opens a field has a meaning, so the
 *   text is unambiguous, and real feeds write it all the time;
 * - spaces or tabs between a closing quote and the delimiter are dropped;
 * - other text after a closing quote ("The "Best" company") means the
 *   writer did not double an inner quote: the field cannot be read
 *   reliably, so the row is flagged CP_CSV_E_QUOTE_IN_QUOTED. The text is
 *   kept (quote included) and the field goes on unquoted to the next
 *   delimiter, so one bad field never swallows the records after it.
 *
 * Error codes (stable, static storage), set in cp_csv_row_t.error:
 */
#ifndef CP_INGEST_CSV_H
#define CP_INGEST_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

/* A quoted field is still open at the end of the input; the row holds the
 * rest of the input as its raw bytes. */
#define CP_CSV_E_UNTERMINATED "csv_unterminated_quote"
/* Text follows a closing quote; see above. */
#define CP_CSV_E_QUOTE_IN_QUOTED "csv_quote_in_quoted_field"
/* The record is longer than the limit (16 MiB). The row has no fields and
 * raw holds the record's first CP_CSV_RAW_KEEP bytes; reading resumes at
 * the next physical line. */
#define CP_CSV_E_TOO_LARGE "csv_field_too_large"
/* More than CP_CSV_MAX_FIELDS fields: the first ones are returned. */
#define CP_CSV_E_TOO_MANY_FIELDS "csv_too_many_fields"

#define CP_CSV_RAW_KEEP 4096
#define CP_CSV_MAX_FIELDS 65536

typedef struct cp_csv_s cp_csv_t;

typedef struct cp_csv_row_s {
        size_t nfields;
        const char **field;   /* NUL-terminated field texts, reader-owned */
        const size_t *len;    /* byte length of each field (may hold NULs) */
        uint64_t line;        /* 1-based physical line of the record's start */
        uint64_t offset;      /* byte offset where the record starts */
        const char *raw;      /* the record's bytes, without its line end */
        size_t raw_len;
        const char *error;    /* NULL, or a CP_CSV_E_* code */
} cp_csv_row_t;

/**
 * @brief Starts reading a file descriptor.
 * @param delimiter the field separator; not a quote, CR, LF or NUL
 * @returns the reader, or NULL with errstr set.
 * @owns fd in every case: it is closed by cp_csv_close(), or at once on
 *       failure.
 */
cp_csv_t *cp_csv_open_fd(int fd, char delimiter, char *errstr,
                         size_t errstr_size);

/**
 * @brief Starts reading memory (tests, fuzzing). Borrows buf, which must
 * outlive the reader. @returns the reader, or NULL on a bad delimiter or
 * no memory.
 */
cp_csv_t *cp_csv_open_mem(const char *buf, size_t len, char delimiter);

/**
 * @brief Test hook: reads at most chunk bytes at a time and allows records
 * of at most max_record bytes (0 keeps the default: 1 MiB, 16 MiB).
 * Call before the first cp_csv_next().
 */
void cp_csv_set_sizes(cp_csv_t *csv, size_t chunk, size_t max_record);

/**
 * @brief Decodes the input from enc to UTF-8 (ingest/linebuf.h: offsets
 * stay file offsets; an undecodable byte leaves a marker in the record).
 * Call before the first cp_csv_next().
 * @param used set to the encoding chosen (detected with CP_ENC_AUTO)
 * @returns as cp_lbuf_set_encoding().
 */
int cp_csv_set_encoding(cp_csv_t *csv, cp_encoding_t enc,
                        cp_encoding_t *used);

/**
 * @brief Reads the next record.
 * @returns 1 with a record in *row (maybe with row->error set), 0 at the
 *          end of the input, or CP_ERR_IO (see cp_csv_errno()) or
 *          CP_ERR_NOMEM.
 */
int cp_csv_next(cp_csv_t *csv, cp_csv_row_t *row);

/** @returns the errno of the read that failed with CP_ERR_IO. */
int cp_csv_errno(const cp_csv_t *csv);

/** @brief Closes the reader and its fd. NULL is a no-op. */
void cp_csv_close(cp_csv_t *csv);

#endif
