/*
 * Buffered input shared by the CSV and JSON Lines readers.
 *
 * DESIGN: see linebuf.h. The buffer starts at two read chunks, so that
 * after a chunk is parsed the partial record left at its end (usually a
 * few hundred bytes) is moved to the front once and the next read gets a
 * full chunk; it grows only for records larger than the free room.
 */
#include "linebuf.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "scan.h"
#include "text.h"

/* Bytes read ahead for CP_ENC_AUTO, and of them those searched for NULs. */
#define CP_LBUF_DETECT_LEN (64 * 1024)
#define CP_LBUF_DETECT_NUL (4 * 1024)
/* Room decoding needs at least: a marker, whatever the chunk size. */
#define CP_LBUF_DEC_ROOM 64

/* A decoded offset and the file offset it came from. */
typedef struct cp_lbuf_anchor_s {
        uint64_t a_dec;
        uint64_t a_file;
} cp_lbuf_anchor_t;

struct cp_lbuf_dec_s {
        iconv_t d_cd;
        size_t d_unit;           /* bytes per code unit: 2 in UTF-16 */
        bool d_le;               /* UTF-16 byte order */
        unsigned char *d_raw;    /* undecoded bytes d_raw[d_pos..d_end) */
        size_t d_cap;
        size_t d_pos;
        size_t d_end;
        uint64_t d_file;         /* file offset of d_raw[d_pos] */
        bool d_eof;              /* no more raw bytes */
        /* Increasing in both offsets; entries before d_first are no
         * longer asked for (offsets are asked in increasing order). */
        cp_lbuf_anchor_t *d_anc;
        size_t d_nanc;
        size_t d_canc;
        size_t d_first;
};

void cp_lbuf_init_fd(cp_lbuf_t *lb, int fd)
{
        memset(lb, 0, sizeof(*lb));
        lb->lb_fd = fd;
        lb->lb_chunk = CP_LBUF_CHUNK;
        lb->lb_max = CP_LBUF_MAX_RECORD;
        /* A hint only: the kernel may read ahead further. */
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
}

void cp_lbuf_init_mem(cp_lbuf_t *lb, const void *buf, size_t len)
{
        memset(lb, 0, sizeof(*lb));
        lb->lb_fd = -1;
        lb->lb_mem = buf;
        lb->lb_mem_len = buf ? len : 0;
        lb->lb_chunk = CP_LBUF_CHUNK;
        lb->lb_max = CP_LBUF_MAX_RECORD;
}

void cp_lbuf_set_sizes(cp_lbuf_t *lb, size_t chunk, size_t max_record)
{
        if (chunk)
                lb->lb_chunk = chunk;
        if (max_record)
                lb->lb_max = max_record;
}

/* Reads at most want bytes of the input (fd or memory) into dst.
 * @returns the count, 0 at the end, or -1 with lb_errno set. */
static ssize_t cp_lbuf_read_src(cp_lbuf_t *lb, unsigned char *dst,
                                size_t want)
{
        ssize_t n;

        if (lb->lb_fd < 0) {
                size_t left = lb->lb_mem_len - lb->lb_mem_off;

                n = (ssize_t)(left < want ? left : want);
                if (n > 0)
                        memcpy(dst, lb->lb_mem + lb->lb_mem_off, (size_t)n);
                lb->lb_mem_off += (size_t)n;
                return n;
        }
        do {
                n = read(lb->lb_fd, dst, want);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
                lb->lb_errno = errno;
        return n;
}

/* As cp_lbuf_read_src(), serving the bytes read ahead first. */
static ssize_t cp_lbuf_read(cp_lbuf_t *lb, unsigned char *dst, size_t want)
{
        if (lb->lb_head) {
                size_t left = lb->lb_head_len - lb->lb_head_off;

                if (left > 0) {
                        size_t n = left < want ? left : want;

                        memcpy(dst, lb->lb_head + lb->lb_head_off, n);
                        lb->lb_head_off += n;
                        return (ssize_t)n;
                }
                free(lb->lb_head);
                lb->lb_head = NULL;
        }
        return cp_lbuf_read_src(lb, dst, want);
}

/* Makes at least lb_chunk bytes of room after lb_end. */
static int cp_lbuf_room(cp_lbuf_t *lb)
{
        size_t keep = lb->lb_end - lb->lb_pos;
        size_t need = lb->lb_chunk;
        size_t cap;
        unsigned char *nb;

        if (lb->lb_dec && need < CP_LBUF_DEC_ROOM)
                need = CP_LBUF_DEC_ROOM;
        if (lb->lb_cap - lb->lb_end >= need)
                return CP_OK;
        if (lb->lb_pos > 0) {
                memmove(lb->lb_buf, lb->lb_buf + lb->lb_pos, keep);
                lb->lb_base += lb->lb_pos;
                lb->lb_end = keep;
                lb->lb_pos = 0;
                if (lb->lb_cap - lb->lb_end >= need)
                        return CP_OK;
        }
        cap = lb->lb_cap ? lb->lb_cap * 2 : need * 2;
        if (cap < lb->lb_end + need)
                cap = lb->lb_end + need;
        nb = realloc(lb->lb_buf, cap);
        if (!nb)
                return CP_ERR_NOMEM;
        lb->lb_buf = nb;
        lb->lb_cap = cap;
        return CP_OK;
}

/* ---- decoding (see linebuf.h) ---- */

const char *cp_lbuf_encoding_name(cp_encoding_t enc)
{
        switch (enc) {
        case CP_ENC_UTF8: return "utf-8";
        case CP_ENC_GB18030: return "gb18030";
        case CP_ENC_UTF16LE: return "utf-16le";
        case CP_ENC_UTF16BE: return "utf-16be";
        case CP_ENC_AUTO: return "auto";
        }
        return "?";
}

static int cp_lbuf_anchor(struct cp_lbuf_dec_s *d, uint64_t dec,
                          uint64_t file)
{
        cp_lbuf_anchor_t *na;

        /* The later file offset is where the next decoded byte is from. */
        if (d->d_nanc && d->d_anc[d->d_nanc - 1].a_dec == dec) {
                d->d_anc[d->d_nanc - 1].a_file = file;
                return CP_OK;
        }
        if (d->d_first > 1024 && d->d_first * 2 > d->d_nanc) {
                memmove(d->d_anc, d->d_anc + d->d_first,
                        (d->d_nanc - d->d_first) * sizeof(*d->d_anc));
                d->d_nanc -= d->d_first;
                d->d_first = 0;
        }
        if (d->d_nanc == d->d_canc) {
                size_t cap = d->d_canc ? d->d_canc * 2 : 256;

                na = realloc(d->d_anc, cap * sizeof(*na));
                if (!na)
                        return CP_ERR_NOMEM;
                d->d_anc = na;
                d->d_canc = cap;
        }
        d->d_anc[d->d_nanc].a_dec = dec;
        d->d_anc[d->d_nanc].a_file = file;
        d->d_nanc++;
        return CP_OK;
}

uint64_t cp_lbuf_file_offset(const cp_lbuf_t *lb, uint64_t pos)
{
        struct cp_lbuf_dec_s *d = lb->lb_dec;
        const cp_lbuf_anchor_t *a;

        while (d->d_first + 1 < d->d_nanc &&
               d->d_anc[d->d_first + 1].a_dec <= pos)
                d->d_first++;
        a = &d->d_anc[d->d_first];
        /* Exact at an anchor; between two, the best guess there is. */
        return pos >= a->a_dec ? a->a_file + (pos - a->a_dec) : a->a_file;
}

static void cp_lbuf_mark(unsigned char *p, unsigned char byte, uint64_t off)
{
        p[0] = 0xFF;
        p[1] = (unsigned char)(0x80 | (byte >> 4));
        p[2] = (unsigned char)(0x80 | (byte & 0x0F));
        for (int k = 0; k < CP_LBUF_MARK_LEN - 3; k++)
                p[3 + k] = (unsigned char)(0x80 | ((off >> (6 * k)) & 0x3F));
}

bool cp_lbuf_mark_parse(const unsigned char *p, size_t n,
                        unsigned char *byte, uint64_t *offset)
{
        uint64_t off = 0;

        if (n < CP_LBUF_MARK_LEN || p[0] != 0xFF)
                return false;
        for (int k = 1; k < CP_LBUF_MARK_LEN; k++)
                if ((p[k] & 0xC0) != 0x80)
                        return false;
        for (int k = 0; k < CP_LBUF_MARK_LEN - 3; k++)
                off |= (uint64_t)(p[3 + k] & 0x3F) << (6 * k);
        *byte = (unsigned char)(((p[1] & 0x0F) << 4) | (p[2] & 0x0F));
        *offset = off;
        return true;
}

/* Bytes of d_raw[d_pos..d_pos+n) up to and including the first line end
 * (CR or LF code unit), or n: decoding stops there so that every line
 * start gets an exact anchor. In GB18030 the bytes 0x0A and 0x0D are never
 * part of a multibyte character; in UTF-16 no surrogate is 0x000A/0x000D. */
static size_t cp_lbuf_piece(const struct cp_lbuf_dec_s *d, size_t n)
{
        const unsigned char *p = d->d_raw + d->d_pos;

        if (d->d_unit == 1) {
                for (size_t i = 0; i < n; i++)
                        if (p[i] == '\n' || p[i] == '\r')
                                return i + 1;
                return n;
        }
        for (size_t i = 0; i + 1 < n; i += 2) {
                unsigned char lo = d->d_le ? p[i] : p[i + 1];
                unsigned char hi = d->d_le ? p[i + 1] : p[i];

                if (hi == 0 && (lo == '\n' || lo == '\r'))
                        return i + 2;
        }
        return n;
}

/* Decodes what it can of the raw bytes into lb_buf after lb_end. */
static int cp_lbuf_decode(cp_lbuf_t *lb)
{
        struct cp_lbuf_dec_s *d = lb->lb_dec;

        while (d->d_pos < d->d_end) {
                size_t pend = d->d_end - d->d_pos;
                size_t piece = cp_lbuf_piece(d, pend);
                size_t room = lb->lb_cap - lb->lb_end;
                char *in = (char *)d->d_raw + d->d_pos;
                char *out = (char *)lb->lb_buf + lb->lb_end;
                size_t inleft = piece, outleft = room, r, skip;
                bool to_end = piece == pend;
                int err, rc;

                r = iconv(d->d_cd, &in, &inleft, &out, &outleft);
                err = r == (size_t)-1 ? errno : 0;
                d->d_pos += piece - inleft;
                d->d_file += piece - inleft;
                lb->lb_end += room - outleft;
                rc = cp_lbuf_anchor(d, lb->lb_base + lb->lb_end, d->d_file);
                if (rc != CP_OK)
                        return rc;
                if (!err)
                        continue;
                if (err == E2BIG)
                        return CP_OK;
                /* A sequence cut by the end of the bytes read so far may
                 * be completed by the next read; one cut by a line end or
                 * the end of the input is invalid. */
                if (err == EINVAL && to_end && !d->d_eof)
                        return CP_OK;
                if (err != EINVAL && err != EILSEQ)
                        return CP_ERR_IO;
                if (outleft < CP_LBUF_MARK_LEN)
                        return CP_OK;  /* the next fill has room */
                cp_lbuf_mark(lb->lb_buf + lb->lb_end, d->d_raw[d->d_pos],
                             d->d_file);
                lb->lb_end += CP_LBUF_MARK_LEN;
                skip = d->d_end - d->d_pos < d->d_unit ? d->d_end - d->d_pos
                                                       : d->d_unit;
                d->d_pos += skip;
                d->d_file += skip;
                (void)iconv(d->d_cd, NULL, NULL, NULL, NULL);
                rc = cp_lbuf_anchor(d, lb->lb_base + lb->lb_end, d->d_file);
                if (rc != CP_OK)
                        return rc;
        }
        return CP_OK;
}

/* Reads up to lb_chunk more raw bytes after the undecoded ones. */
static int cp_lbuf_read_raw(cp_lbuf_t *lb)
{
        struct cp_lbuf_dec_s *d = lb->lb_dec;
        size_t keep = d->d_end - d->d_pos;
        ssize_t n;

        if (d->d_pos > 0) {
                memmove(d->d_raw, d->d_raw + d->d_pos, keep);
                d->d_pos = 0;
                d->d_end = keep;
        }
        if (d->d_cap - d->d_end < lb->lb_chunk) {
                size_t cap = keep + lb->lb_chunk;
                unsigned char *nb = realloc(d->d_raw, cap);

                if (!nb)
                        return CP_ERR_NOMEM;
                d->d_raw = nb;
                d->d_cap = cap;
        }
        n = cp_lbuf_read(lb, d->d_raw + d->d_end, lb->lb_chunk);
        if (n < 0)
                return CP_ERR_IO;
        if (n == 0)
                d->d_eof = true;
        d->d_end += (size_t)n;
        return CP_OK;
}

static int cp_lbuf_fill_dec(cp_lbuf_t *lb)
{
        struct cp_lbuf_dec_s *d = lb->lb_dec;
        size_t before = lb->lb_end;
        int rc;

        for (;;) {
                rc = cp_lbuf_decode(lb);
                if (rc != CP_OK)
                        return rc;
                if (lb->lb_end > before)
                        return 1;
                if (d->d_eof && d->d_pos == d->d_end) {
                        lb->lb_eof = true;
                        return 0;
                }
                rc = cp_lbuf_read_raw(lb);
                if (rc != CP_OK)
                        return rc;
        }
}

/* Guesses the encoding of the first n bytes of a file (see linebuf.h).
 * whole: they are the whole file, so a sequence cut at the end is bad. */
static cp_encoding_t cp_lbuf_detect(const unsigned char *p, size_t n,
                                    bool whole)
{
        size_t odd = 0, even = 0, m = n < CP_LBUF_DETECT_NUL ? n
                                                             : CP_LBUF_DETECT_NUL;
        size_t bad;

        if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
                return CP_ENC_UTF8;
        if (n >= 4 && memcmp(p, "\x84\x31\x95\x33", 4) == 0)
                return CP_ENC_GB18030;  /* GB18030's own BOM (U+FEFF) */
        if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE)
                return CP_ENC_UTF16LE;
        if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF)
                return CP_ENC_UTF16BE;
        for (size_t i = 0; i < m; i++)
                if (p[i] == 0)
                        (i & 1 ? &odd : &even)[0]++;
        /* Text in UTF-16 that is mostly ASCII (digits, codes, dates,
         * delimiters) has a NUL in the high byte of most units; GB18030
         * and UTF-8 text have none. One unit in eight is a wide margin. */
        if (odd * 8 >= m && odd > 4 * even && odd > 0)
                return CP_ENC_UTF16LE;
        if (even * 8 >= m && even > 4 * odd && even > 0)
                return CP_ENC_UTF16BE;
        if (cp_text_utf8_valid((const char *)p, n, &bad))
                return CP_ENC_UTF8;
        /* The read-ahead may end inside a character. */
        if (!whole && bad + 4 > n && (p[bad] & 0xC0) == 0xC0) {
                size_t k = bad + 1;

                while (k < n && (p[k] & 0xC0) == 0x80)
                        k++;
                if (k == n)
                        return CP_ENC_UTF8;
        }
        return CP_ENC_GB18030;
}

int cp_lbuf_set_encoding(cp_lbuf_t *lb, cp_encoding_t enc,
                         cp_encoding_t *used)
{
        static const char *const from[] = {
                [CP_ENC_GB18030] = "GB18030",
                [CP_ENC_UTF16LE] = "UTF-16LE",
                [CP_ENC_UTF16BE] = "UTF-16BE",
        };
        size_t want = enc == CP_ENC_AUTO ? CP_LBUF_DETECT_LEN : 4, bom = 0;
        struct cp_lbuf_dec_s *d;
        bool whole = false;
        ssize_t n;

        *used = enc;
        if (enc == CP_ENC_UTF8)
                return CP_OK;
        /* Read ahead: what detection looks at, and where a BOM would be. */
        lb->lb_head = malloc(want);
        if (!lb->lb_head)
                return CP_ERR_NOMEM;
        while (lb->lb_head_len < want) {
                n = cp_lbuf_read_src(lb, lb->lb_head + lb->lb_head_len,
                                     want - lb->lb_head_len);
                if (n < 0)
                        return CP_ERR_IO;
                if (n == 0) {
                        whole = true;
                        break;
                }
                lb->lb_head_len += (size_t)n;
        }
        if (enc == CP_ENC_AUTO)
                enc = cp_lbuf_detect(lb->lb_head, lb->lb_head_len, whole);
        *used = enc;
        if (enc == CP_ENC_UTF8)
                return CP_OK;
        if (enc == CP_ENC_UTF16LE && lb->lb_head_len >= 2 &&
            memcmp(lb->lb_head, "\xFF\xFE", 2) == 0)
                bom = 2;
        else if (enc == CP_ENC_UTF16BE && lb->lb_head_len >= 2 &&
                 memcmp(lb->lb_head, "\xFE\xFF", 2) == 0)
                bom = 2;
        else if (enc == CP_ENC_GB18030 && lb->lb_head_len >= 4 &&
                 memcmp(lb->lb_head, "\x84\x31\x95\x33", 4) == 0)
                bom = 4;
        d = calloc(1, sizeof(*d));
        if (!d)
                return CP_ERR_NOMEM;
        d->d_cd = iconv_open("UTF-8", from[enc]);
        if (d->d_cd == (iconv_t)-1) {
                lb->lb_errno = errno;
                free(d);
                return CP_ERR_CONFIG;
        }
        d->d_unit = enc == CP_ENC_GB18030 ? 1 : 2;
        d->d_le = enc == CP_ENC_UTF16LE;
        d->d_file = bom;
        lb->lb_head_off = bom;
        lb->lb_dec = d;
        return cp_lbuf_anchor(d, 0, bom);
}

int cp_lbuf_fill(cp_lbuf_t *lb)
{
        size_t want;
        ssize_t n;
        int rc;

        if (lb->lb_eof)
                return 0;
        /* Two bytes over the limit: room for a CRLF after a record of
         * exactly lb_max bytes, which is still within the limit. */
        if (lb->lb_end - lb->lb_pos >= lb->lb_max + 2)
                return CP_ERR_LIMIT;
        rc = cp_lbuf_room(lb);
        if (rc != CP_OK)
                return rc;
        if (lb->lb_dec)
                return cp_lbuf_fill_dec(lb);
        want = lb->lb_chunk;
        n = cp_lbuf_read(lb, lb->lb_buf + lb->lb_end, want);
        if (n < 0)
                return CP_ERR_IO;
        if (n == 0) {
                lb->lb_eof = true;
                return 0;
        }
        lb->lb_end += (size_t)n;
        return 1;
}

int cp_lbuf_skip_bom(cp_lbuf_t *lb)
{
        int rc;

        if (cp_lbuf_offset(lb) != 0)
                return CP_OK;
        while (lb->lb_end - lb->lb_pos < 3) {
                rc = cp_lbuf_fill(lb);
                if (rc < 0)
                        return rc;
                if (rc == 0)
                        return CP_OK;
        }
        if (memcmp(lb->lb_buf + lb->lb_pos, "\xEF\xBB\xBF", 3) == 0)
                lb->lb_pos += 3;
        return CP_OK;
}

/* Index of the first LF (or CR, when it ends lines) in p[0..n), or n. */
static size_t cp_lbuf_find_eol(const unsigned char *p, size_t n,
                               bool cr_ends_line)
{
        const unsigned char *q;

        if (cr_ends_line) {
                /* Only the rare resync path asks for CR, so the set is
                 * built per call rather than shared (source threads run
                 * this concurrently). */
                cp_scan_set_t crlf;

                cp_scan_set_init(&crlf, '\r', '\n', '\n');
                return cp_scan_find(&crlf, p, n);
        }
        q = memchr(p, '\n', n);
        return q ? (size_t)(q - p) : n;
}

int cp_lbuf_line(cp_lbuf_t *lb, bool cr_ends_line, size_t *len, size_t *term)
{
        size_t scanned = 0, avail, i;
        const unsigned char *p;
        int rc;

        for (;;) {
                p = lb->lb_buf + lb->lb_pos;
                avail = lb->lb_end - lb->lb_pos;
                i = scanned + cp_lbuf_find_eol(p + scanned, avail - scanned,
                                               cr_ends_line);
                /* A CR as the last byte may be the first half of a CRLF. */
                if (i < avail && (p[i] == '\n' || i + 1 < avail || lb->lb_eof))
                        break;
                scanned = i;
                rc = cp_lbuf_fill(lb);
                if (rc == CP_ERR_LIMIT) {
                        *len = avail;
                        *term = 0;
                        return rc;
                }
                if (rc < 0)
                        return rc;
                if (rc == 0) {
                        if (i < avail)
                                continue;  /* the CR now decides alone */
                        if (avail == 0)
                                return 0;
                        *len = avail;
                        *term = 0;
                        return avail > lb->lb_max ? CP_ERR_LIMIT : 1;
                }
        }
        if (p[i] == '\n') {
                *term = (i > 0 && p[i - 1] == '\r') ? 2 : 1;
                *len = i + 1 - *term;
        } else {
                *term = (i + 1 < avail && p[i + 1] == '\n') ? 2 : 1;
                *len = i;
        }
        /* One read may overshoot the limit; the limit must not depend on
         * how reads fell. */
        return *len > lb->lb_max ? CP_ERR_LIMIT : 1;
}

int cp_lbuf_skip_line(cp_lbuf_t *lb, bool cr_ends_line)
{
        for (;;) {
                const unsigned char *p = lb->lb_buf + lb->lb_pos;
                size_t avail = lb->lb_end - lb->lb_pos;
                size_t i = cp_lbuf_find_eol(p, avail, cr_ends_line);
                int rc;

                if (i < avail &&
                    (p[i] == '\n' || i + 1 < avail || lb->lb_eof)) {
                        if (p[i] == '\r' && i + 1 < avail &&
                            p[i + 1] == '\n')
                                i++;
                        lb->lb_pos += i + 1;
                        return 1;
                }
                /* Drop the rest but a final CR, which may pair with the
                 * LF the next read brings. */
                lb->lb_pos += i;
                rc = cp_lbuf_fill(lb);
                if (rc < 0)
                        return rc;
                if (rc == 0 && lb->lb_pos == lb->lb_end)
                        return 0;
        }
}

void cp_lbuf_destroy(cp_lbuf_t *lb)
{
        free(lb->lb_buf);
        lb->lb_buf = NULL;
        free(lb->lb_head);
        lb->lb_head = NULL;
        if (lb->lb_dec) {
                iconv_close(lb->lb_dec->d_cd);
                free(lb->lb_dec->d_raw);
                free(lb->lb_dec->d_anc);
                free(lb->lb_dec);
                lb->lb_dec = NULL;
        }
        if (lb->lb_fd >= 0)
                close(lb->lb_fd);
        lb->lb_fd = -1;
}
