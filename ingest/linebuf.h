/*
 * Buffered input shared by the CSV and JSON Lines readers.
 *
 * DESIGN: a reader looks at the unconsumed bytes lb_buf[lb_pos..lb_end) and
 * asks for more with cp_lbuf_fill() when a record runs past lb_end. Filling
 * keeps every unconsumed byte, so a record is always contiguous in memory
 * however the reads fell; to make room it moves the unconsumed tail to the
 * front (so pointers into lb_buf die at each fill: readers keep offsets
 * from lb_pos) and grows the buffer geometrically when one record is larger
 * than the buffer, up to lb_max bytes per record. Reading memory goes
 * through the same path in chunks of lb_chunk bytes, so tests and fuzzers
 * exercise the buffer boundaries real files hit.
 */
#ifndef CP_INGEST_LINEBUF_H
#define CP_INGEST_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#define CP_LBUF_CHUNK (1024 * 1024)              /* bytes per read() */
#define CP_LBUF_MAX_RECORD (16 * 1024 * 1024)    /* bytes per record */

typedef struct cp_lbuf_s {
        unsigned char *lb_buf;
        size_t lb_cap;
        size_t lb_pos;      /* first unconsumed byte */
        size_t lb_end;      /* end of the bytes read so far */
        uint64_t lb_base;   /* input offset of lb_buf[0] */
        size_t lb_chunk;    /* most bytes asked of one read */
        size_t lb_max;      /* most bytes one record may span */
        int lb_fd;          /* -1 when reading memory */
        const unsigned char *lb_mem;  /* borrowed */
        size_t lb_mem_len;
        size_t lb_mem_off;
        bool lb_eof;
        int lb_errno;       /* errno of the failed read */
        /* Bytes read ahead to detect the encoding, served before the
         * input's next ones; NULL when none. */
        unsigned char *lb_head;
        size_t lb_head_len;
        size_t lb_head_off;
        struct cp_lbuf_dec_s *lb_dec;  /* NULL: the input is UTF-8 */
} cp_lbuf_t;

/*
 * Decoding. With an encoding other than UTF-8, cp_lbuf_fill() reads raw
 * bytes and converts them with iconv(3) into UTF-8 in lb_buf, so the
 * readers only ever see UTF-8; lb_base and lb_pos then count decoded
 * bytes, and cp_lbuf_offset() maps them back to the file: exactly at every
 * point where a conversion call stopped, which includes every position
 * just after a line end (decoding is cut after each CR and LF for that),
 * so record starts are exact file offsets.
 *
 * A byte sequence that is not valid in the encoding is not decoded: its
 * first byte (code unit in UTF-16) is replaced in lb_buf by a marker of
 * CP_LBUF_MARK_LEN bytes, 0xFF (never in UTF-8) then the byte's value and
 * its file offset in bytes 0x80–0xBF (never a delimiter, quote or line
 * end, so the record keeps its shape), and decoding goes on with the next
 * byte. Ingest rejects a record with a marker (cp_lbuf_mark_parse()).
 */
#define CP_LBUF_MARK_LEN 14

/** @returns "utf-8", "gb18030", "utf-16le", "utf-16be" or "auto". */
const char *cp_lbuf_encoding_name(cp_encoding_t enc);

/**
 * @brief Sets the input's encoding. Call before the first fill. With
 * CP_ENC_AUTO, reads up to 64 KiB ahead and chooses: a BOM (EF BB BF
 * utf-8, FF FE utf-16le, FE FF utf-16be), else NUL bytes at mostly odd
 * (utf-16le) or even (utf-16be) offsets in the first 4 KiB, else utf-8
 * when the bytes read are valid UTF-8, else gb18030.
 * A UTF-16 BOM (and a GB18030 one, 84 31 95 33) is skipped; a UTF-8 BOM
 * is left to cp_lbuf_skip_bom().
 * @param used set to the encoding chosen (enc itself unless CP_ENC_AUTO)
 * @returns CP_OK, CP_ERR_IO (errno in lb_errno), CP_ERR_NOMEM, or
 *          CP_ERR_CONFIG when iconv cannot convert from it.
 */
int cp_lbuf_set_encoding(cp_lbuf_t *lb, cp_encoding_t enc,
                         cp_encoding_t *used);

/**
 * @brief Reads a marker at p[0..n) (see Decoding).
 * @returns true with the bad byte and its file offset when p starts with
 *          a whole marker.
 */
bool cp_lbuf_mark_parse(const unsigned char *p, size_t n,
                        unsigned char *byte, uint64_t *offset);

/** @returns the file offset of the decoded offset pos (see Decoding). */
uint64_t cp_lbuf_file_offset(const cp_lbuf_t *lb, uint64_t pos);

/** @brief Prepares to read fd. @owns fd: closed by cp_lbuf_destroy(). */
void cp_lbuf_init_fd(cp_lbuf_t *lb, int fd);

/** @brief Prepares to read buf[0..len). Borrows buf. */
void cp_lbuf_init_mem(cp_lbuf_t *lb, const void *buf, size_t len);

/**
 * @brief Changes the read size and the record limit (tests use tiny ones).
 * Call before the first fill; 0 keeps the current value.
 */
void cp_lbuf_set_sizes(cp_lbuf_t *lb, size_t chunk, size_t max_record);

/**
 * @brief Reads more bytes after lb_end, keeping lb_buf[lb_pos..lb_end).
 * @returns 1 when bytes were added, 0 at end of input, CP_ERR_LIMIT when
 *          the unconsumed bytes already exceed lb_max by the two bytes
 *          of a CRLF (the record is too large), CP_ERR_IO (errno in
 *          lb_errno) or CP_ERR_NOMEM.
 */
int cp_lbuf_fill(cp_lbuf_t *lb);

/**
 * @brief Skips a UTF-8 byte order mark at the very start of the input.
 * @returns CP_OK or an error of cp_lbuf_fill().
 */
int cp_lbuf_skip_bom(cp_lbuf_t *lb);

/**
 * @brief Finds the end of the line starting at lb_pos.
 * @param cr_ends_line whether a CR not followed by LF also ends a line
 * @param len set to the length of the line without its terminator
 * @param term set to the terminator's length: 0 (end of input), 1 or 2
 * @returns 1 with a line, 0 at end of input, or an error of cp_lbuf_fill()
 *          (CP_ERR_LIMIT: the line is longer than lb_max; *len is then
 *          more than lb_max, and nothing is consumed).
 */
int cp_lbuf_line(cp_lbuf_t *lb, bool cr_ends_line, size_t *len, size_t *term);

/**
 * @brief Consumes input up to and including the next line terminator.
 * Used to resynchronise after a record that was too large.
 * @returns 1 when a terminator was consumed, 0 at end of input, or an
 *          error of cp_lbuf_fill() other than CP_ERR_LIMIT.
 */
int cp_lbuf_skip_line(cp_lbuf_t *lb, bool cr_ends_line);

/** @returns the file offset of the first unconsumed byte. */
static inline uint64_t cp_lbuf_offset(const cp_lbuf_t *lb)
{
        if (lb->lb_dec)
                return cp_lbuf_file_offset(lb, lb->lb_base + lb->lb_pos);
        return lb->lb_base + lb->lb_pos;
}

/** @brief Frees the buffers and the decoder, and closes the fd. */
void cp_lbuf_destroy(cp_lbuf_t *lb);

#endif
