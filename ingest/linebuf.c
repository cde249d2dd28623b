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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "scan.h"

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

/* Makes at least lb_chunk bytes of room after lb_end. */
static int cp_lbuf_room(cp_lbuf_t *lb)
{
        size_t keep = lb->lb_end - lb->lb_pos;
        size_t cap;
        unsigned char *nb;

        if (lb->lb_cap - lb->lb_end >= lb->lb_chunk)
                return CP_OK;
        if (lb->lb_pos > 0) {
                memmove(lb->lb_buf, lb->lb_buf + lb->lb_pos, keep);
                lb->lb_base += lb->lb_pos;
                lb->lb_end = keep;
                lb->lb_pos = 0;
                if (lb->lb_cap - lb->lb_end >= lb->lb_chunk)
                        return CP_OK;
        }
        cap = lb->lb_cap ? lb->lb_cap * 2 : lb->lb_chunk * 2;
        if (cap < lb->lb_end + lb->lb_chunk)
                cap = lb->lb_end + lb->lb_chunk;
        nb = realloc(lb->lb_buf, cap);
        if (!nb)
                return CP_ERR_NOMEM;
        lb->lb_buf = nb;
        lb->lb_cap = cap;
        return CP_OK;
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
        want = lb->lb_chunk;
        if (lb->lb_fd < 0) {
                size_t left = lb->lb_mem_len - lb->lb_mem_off;

                n = (ssize_t)(left < want ? left : want);
                if (n > 0)
                        memcpy(lb->lb_buf + lb->lb_end,
                               lb->lb_mem + lb->lb_mem_off, (size_t)n);
                lb->lb_mem_off += (size_t)n;
        } else {
                do {
                        n = read(lb->lb_fd, lb->lb_buf + lb->lb_end, want);
                } while (n < 0 && errno == EINTR);
                if (n < 0) {
                        lb->lb_errno = errno;
                        return CP_ERR_IO;
                }
        }
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
        if (lb->lb_fd >= 0)
                close(lb->lb_fd);
        lb->lb_fd = -1;
}
