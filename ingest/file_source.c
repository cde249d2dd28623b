/*
 * Reading one file of a source into batches.
 *
 * DESIGN: cp_ingest_file() opens the file and runs the loop of the
 * source's format; both loops build records through the helpers here, so
 * batching, copying and the byte-level checks behave the same for every
 * format. A record's strings are copied into its batch's arena as soon as
 * it is read: the readers' buffers are reused by the next record, and the
 * batch travels to other threads.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/field.h"
#include "core/log.h"
#include "core/presets.h"
#include "linebuf.h"
#include "text.h"

int cp_ingest_nomem(cp_ingest_ctx_t *ic)
{
        snprintf(ic->ic_errstr, ic->ic_errstr_size,
                 "out of memory reading %s", ic->ic_path);
        return CP_ERR_NOMEM;
}

void cp_ingest_check_generation(cp_ingest_ctx_t *ic, const char *const *names,
                                const size_t *lens, size_t n, uint64_t line)
{
        const cp_preset_t *pre = ic->ic_src->src_preset;
        char buf[256], mk[256];

        if (!pre || !pre->pre_other_markers)
                return;
        for (const char *const *m = pre->pre_other_markers; *m; m++) {
                size_t ml = cp_column_fold(*m, strlen(*m), mk);

                for (size_t i = 0; i < n; i++) {
                        size_t l = lens ? lens[i] : strlen(names[i]);

                        /* A marker is short: a longer name is not one. */
                        if (l > sizeof(buf) ||
                            cp_column_fold(names[i], l, buf) != ml ||
                            memcmp(buf, mk, ml))
                                continue;
                        cp_log_warn("ingest", "PRESET_GENERATION",
                                    "msg=\"the file has a column of another "
                                    "generation of the source's field set: "
                                    "check the source's preset\" source=%s "
                                    "file=\"%s\" line=%llu preset=%s "
                                    "column=\"%s\" suggest=%s",
                                    ic->ic_src->src_id, ic->ic_path,
                                    (unsigned long long)line, pre->pre_name,
                                    *m, pre->pre_other);
                        return;
                }
        }
}

static int64_t cp_ingest_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hands the current batch to emit; the context no longer owns it.
 * line: of the record that did not fit, 0 at the end of the file. */
static int cp_ingest_emit(cp_ingest_ctx_t *ic, uint64_t line)
{
        cp_batch_t *bat = ic->ic_bat;
        int rc;

        ic->ic_bat = NULL;
        rc = ic->ic_emit(ic->ic_opaque, bat);
        if (rc == CP_OK)
                return rc;
        if (line)
                snprintf(ic->ic_errstr, ic->ic_errstr_size,
                         "stopped reading %s before line %llu: the next "
                         "stage refused a batch (%s)", ic->ic_path,
                         (unsigned long long)line, cp_err_name(rc));
        else
                snprintf(ic->ic_errstr, ic->ic_errstr_size,
                         "the next stage refused the last batch of %s (%s)",
                         ic->ic_path, cp_err_name(rc));
        return rc;
}

int cp_ingest_rec_new(cp_ingest_ctx_t *ic, cp_record_t **recp, uint64_t line,
                      uint64_t offset, const char *raw, size_t raw_len)
{
        cp_record_t *rec;
        int rc;

        if (ic->ic_bat && ic->ic_bat->bat_n == ic->ic_bat->bat_cap) {
                rc = cp_ingest_emit(ic, line);
                if (rc != CP_OK)
                        return rc;
        }
        if (!ic->ic_bat) {
                ic->ic_bat = cp_batch_new(ic->ic_source_idx, ic->ic_batch_cap);
                if (!ic->ic_bat)
                        return cp_ingest_nomem(ic);
                ic->ic_nbatches++;
        }
        rec = cp_batch_add(ic->ic_bat);
        if (!rec)
                return cp_ingest_nomem(ic);
        rec->rec_file = ic->ic_path;
        rec->rec_line = line;
        rec->rec_offset = offset;
        rec->rec_ingest_ms = cp_ingest_now_ms();
        rec->rec_raw = cp_arena_strndup(&ic->ic_bat->bat_arena, raw, raw_len);
        if (!rec->rec_raw)
                return cp_ingest_nomem(ic);
        rec->rec_raw_len = raw_len;
        *recp = rec;
        return CP_OK;
}

int cp_ingest_encoding(cp_ingest_ctx_t *ic, int rc, cp_encoding_t used,
                       int err)
{
        const char *name = cp_lbuf_encoding_name(used);

        if (rc == CP_ERR_NOMEM)
                return cp_ingest_nomem(ic);
        if (rc == CP_ERR_CONFIG) {
                snprintf(ic->ic_errstr, ic->ic_errstr_size,
                         "source %s: cannot decode %s from %s: iconv: %s; "
                         "is the system's iconv (glibc gconv modules) "
                         "installed?", ic->ic_src->src_id, ic->ic_path,
                         name, strerror(err));
                return rc;
        }
        if (rc != CP_OK) {
                snprintf(ic->ic_errstr, ic->ic_errstr_size, "reading %s: %s",
                         ic->ic_path, strerror(err));
                return rc;
        }
        ic->ic_encoding = used == CP_ENC_UTF8 ? NULL : name;
        if (ic->ic_src->src_encoding == CP_ENC_AUTO)
                cp_log_info("ingest", "ENCODING_DETECTED",
                            "source=%s file=\"%s\" encoding=%s",
                            ic->ic_src->src_id, ic->ic_path, name);
        return CP_OK;
}

/* Gives the undecodable bytes that markers stand for back to raw, so the
 * reject shows the bytes of the file; @returns the first one's offset. */
static uint64_t cp_ingest_unmark(cp_record_t *rec, unsigned char *first)
{
        /* rec_raw is the record's own copy in the batch's arena. */
        unsigned char *p = (unsigned char *)rec->rec_raw;
        size_t n = rec->rec_raw_len, o = 0;
        uint64_t off, first_off = 0;
        bool seen = false;
        unsigned char b;

        for (size_t i = 0; i < n; i++) {
                if (p[i] == 0xFF && cp_lbuf_mark_parse(p + i, n - i, &b,
                                                       &off)) {
                        if (!seen) {
                                first_off = off;
                                *first = b;
                                seen = true;
                        }
                        p[o++] = b;
                        i += CP_LBUF_MARK_LEN - 1;
                        continue;
                }
                p[o++] = p[i];
        }
        p[o] = '\0';
        rec->rec_raw_len = o;
        return first_off;
}

bool cp_ingest_reject_utf8(cp_ingest_ctx_t *ic, cp_record_t *rec)
{
        size_t bad;
        unsigned char b = 0;
        uint64_t off;

        if (cp_text_utf8_valid(rec->rec_raw, rec->rec_raw_len, &bad))
                return false;
        /* Decoded text is UTF-8 but for markers, and a marker may only
         * start with 0xFF. */
        if (ic->ic_encoding) {
                off = cp_ingest_unmark(rec, &b);
                cp_record_reject(ic->ic_bat, rec, CP_INGEST_E_ENCODING, -1,
                                 "byte %llu of the file (0x%02x) does not "
                                 "start a valid %s sequence; check the "
                                 "source's encoding, or fix the byte",
                                 (unsigned long long)off, b, ic->ic_encoding);
                return true;
        }
        cp_record_reject(ic->ic_bat, rec, CP_INGEST_E_UTF8, -1,
                         "byte %llu of the file (byte %zu of the record, "
                         "0x%02x) is not valid UTF-8; if the file is GBK, "
                         "GB18030 or UTF-16, set the source's encoding",
                         (unsigned long long)(rec->rec_offset + bad), bad,
                         (unsigned char)rec->rec_raw[bad]);
        return true;
}

int cp_ingest_value(cp_ingest_ctx_t *ic, const char *text, size_t len,
                    const char **out)
{
        char *copy;

        *out = NULL;
        cp_text_trim(&text, &len);
        if (len == 0)
                return CP_OK;
        copy = cp_arena_alloc(&ic->ic_bat->bat_arena, len + 1);
        if (!copy)
                return cp_ingest_nomem(ic);
        /* A cell of NULs only is as empty as an empty one. */
        if (cp_text_copy_nonul(copy, text, len) > 0)
                *out = copy;
        return CP_OK;
}

int cp_ingest_set_field(cp_ingest_ctx_t *ic, cp_record_t *rec, int field,
                        const char *text, size_t len)
{
        if (rec->rec_field[field])
                return CP_OK;
        return cp_ingest_value(ic, text, len, &rec->rec_field[field]);
}

static int cp_ingest_add_extra(cp_ingest_ctx_t *ic, cp_record_t *rec, size_t max,
                               const char *name, const char *value)
{
        if (!rec->rec_extra) {
                rec->rec_extra = cp_arena_alloc(&ic->ic_bat->bat_arena,
                                                max * sizeof(cp_extra_t));
                if (!rec->rec_extra)
                        return cp_ingest_nomem(ic);
        }
        rec->rec_extra[rec->rec_nextra].ex_name = name;
        rec->rec_extra[rec->rec_nextra].ex_value = value;
        rec->rec_nextra++;
        return CP_OK;
}

int cp_ingest_cell(cp_ingest_ctx_t *ic, cp_record_t *rec, int field,
                   const char *text, size_t len, cp_ingest_name_fn name_fn,
                   const void *arg, size_t i, size_t max_extra)
{
        const char *v, *name;
        int rc;

        if (field >= 0)
                return cp_ingest_set_field(ic, rec, field, text, len);
        if (!ic->ic_src->src_keep_unmapped)
                return CP_OK;
        rc = cp_ingest_value(ic, text, len, &v);
        if (rc != CP_OK || !v)
                return rc;
        /* Named only now: most unmapped cells of real feeds are empty. */
        name = name_fn(ic, arg, i);
        if (!name)
                return cp_ingest_nomem(ic);
        return cp_ingest_add_extra(ic, rec, max_extra, name, v);
}

int cp_ingest_file(const cp_source_conf_t *src, uint32_t source_idx,
                   const char *path, size_t batch_cap,
                   cp_ingest_emit_fn emit, void *opaque, char *errstr,
                   size_t errstr_size)
{
        cp_ingest_ctx_t ic = {
                .ic_src = src,
                .ic_source_idx = source_idx,
                .ic_path = path,
                .ic_batch_cap = batch_cap,
                .ic_emit = emit,
                .ic_opaque = opaque,
                .ic_errstr = errstr,
                .ic_errstr_size = errstr_size,
        };
        int fd, rc;

        if (batch_cap == 0) {
                snprintf(errstr, errstr_size, "batch size must be at least 1");
                return CP_ERR_CONFIG;
        }
        if (src->src_format != CP_FMT_CSV && src->src_format != CP_FMT_JSONL &&
            src->src_format != CP_FMT_XLSX &&
            src->src_format != CP_FMT_HTTP_JSON) {
                snprintf(errstr, errstr_size, "source %s: unknown format %d",
                         src->src_id, (int)src->src_format);
                return CP_ERR_CONFIG;
        }
        if (src->src_format == CP_FMT_HTTP_JSON && !src->src_http) {
                snprintf(errstr, errstr_size, "source %s: format http_json "
                         "without its http settings", src->src_id);
                return CP_ERR_CONFIG;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                snprintf(errstr, errstr_size, "cannot open %s: %s", path,
                         strerror(errno));
                return CP_ERR_IO;
        }
        if (src->src_format == CP_FMT_CSV)
                rc = cp_ingest_csv(&ic, fd);
        else if (src->src_format == CP_FMT_XLSX)
                rc = cp_ingest_xlsx(&ic, fd);
        else if (src->src_format == CP_FMT_HTTP_JSON)
                rc = cp_ingest_http_page(&ic, fd);
        else
                rc = cp_ingest_jsonl(&ic, fd);
        if (rc == CP_OK && ic.ic_bat && ic.ic_bat->bat_n > 0)
                return cp_ingest_emit(&ic, 0);
        cp_batch_destroy(ic.ic_bat);
        return rc;
}
