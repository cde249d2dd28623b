/*
 * JSON Lines reader.
 *
 * DESIGN: jansson checks and decodes each line (strings, keys, nesting,
 * duplicate keys); a small scanner (jsontok.h) then walks the same line,
 * which jansson has just proven well-formed, to find where each top-level
 * value's token starts and ends. jansson keeps an object's members in
 * document order and duplicate keys are rejected, so the n-th member
 * jansson gives and the n-th token the scanner finds are the same member.
 * An HTTP page's elements go through the same parse (cp_jsonl_parse_one),
 * each on its own. Numbers and nested values are then taken as their
 * token text, so nothing is lost to double precision. Integers are
 * decoded as reals (JSON_DECODE_INT_AS_REAL) only so that a 20-digit
 * identifier does not fail jansson's integer range: its value comes from
 * the text anyway.
 *
 * Most lines are flat objects of strings, numbers, booleans and nulls,
 * and jansson's cost there was mostly its own (a value allocated per
 * member, a hash table per line, the line read twice): about 8 µs of a
 * line's 9. Such a line is decoded by cp_jsonl_fast() instead, in one
 * pass. It accepts only what jansson accepts, and decodes it as jansson
 * does; any line it has a doubt about (nested values, numbers with an
 * exponent, \u0000, a repeated key, anything malformed) goes to jansson,
 * so errors and rare forms are jansson's, message for message.
 * tests/unit/test_jsonl.c and the fuzz target compare both paths.
 */
#include "jsonl.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "jsontok.h"
#include "linebuf.h"
#include "text.h"

struct cp_jsonl_s {
        cp_lbuf_t jl_lb;
        uint64_t jl_line;       /* line of the byte at lb_pos */
        bool jl_bom_done;
        bool jl_resync;         /* skip the rest of an oversized line */
        json_t *jl_obj;         /* the current row's object */
        cp_jsonl_member_t *jl_member;
        size_t (*jl_span)[2];   /* value token [start, end) per member */
        size_t jl_mcap;
        char *jl_text;          /* number and nested-value texts */
        size_t jl_text_cap;
        char *jl_scratch;       /* a line without its NUL bytes */
        size_t jl_scratch_cap;
        bool jl_jansson_only;   /* test hook: no cp_jsonl_fast() */
        char jl_msg[256];
};

void cp_jsonl_set_jansson_only(cp_jsonl_t *jl, bool on)
{
        jl->jl_jansson_only = on;
}

cp_jsonl_t *cp_jsonl_open_mem(const char *buf, size_t len)
{
        cp_jsonl_t *jl = calloc(1, sizeof(*jl));

        if (!jl)
                return NULL;
        cp_lbuf_init_mem(&jl->jl_lb, buf, len);
        jl->jl_line = 1;
        return jl;
}

cp_jsonl_t *cp_jsonl_open_fd(int fd, char *errstr, size_t errstr_size)
{
        cp_jsonl_t *jl = calloc(1, sizeof(*jl));

        if (!jl) {
                snprintf(errstr, errstr_size, "out of memory");
                close(fd);
                return NULL;
        }
        cp_lbuf_init_fd(&jl->jl_lb, fd);
        jl->jl_line = 1;
        return jl;
}

void cp_jsonl_set_sizes(cp_jsonl_t *jl, size_t chunk, size_t max_record)
{
        cp_lbuf_set_sizes(&jl->jl_lb, chunk, max_record);
}

int cp_jsonl_set_encoding(cp_jsonl_t *jl, cp_encoding_t enc,
                          cp_encoding_t *used)
{
        return cp_lbuf_set_encoding(&jl->jl_lb, enc, used);
}

int cp_jsonl_errno(const cp_jsonl_t *jl)
{
        return jl->jl_lb.lb_errno;
}

void cp_jsonl_close(cp_jsonl_t *jl)
{
        if (!jl)
                return;
        json_decref(jl->jl_obj);
        cp_lbuf_destroy(&jl->jl_lb);
        free(jl->jl_member);
        free(jl->jl_span);
        free(jl->jl_text);
        free(jl->jl_scratch);
        free(jl);
}

/* Finds the value tokens of the top-level object in p[0..n).
 * @returns their number, or SIZE_MAX when the line is not shaped as
 *          expected or has more than max members. */
static size_t cp_jsonl_spans(const unsigned char *p, size_t n,
                             size_t (*span)[2], size_t max)
{
        size_t i = cp_json_skip_ws(p, n, 0), k = 0;

        if (i >= n || p[i] != '{')
                return SIZE_MAX;
        i = cp_json_skip_ws(p, n, i + 1);
        if (i < n && p[i] == '}')
                return 0;
        while (i < n && p[i] == '"' && k < max) {
                i = cp_json_skip_ws(p, n, cp_json_skip_str(p, n, i));
                if (i >= n || p[i] != ':')
                        return SIZE_MAX;
                i = cp_json_skip_ws(p, n, i + 1);
                span[k][0] = i;
                i = cp_json_skip_value(p, n, i);
                span[k][1] = i;
                k++;
                i = cp_json_skip_ws(p, n, i);
                if (i < n && p[i] == '}')
                        return k;
                if (i >= n || p[i] != ',')
                        return SIZE_MAX;
                i = cp_json_skip_ws(p, n, i + 1);
        }
        return SIZE_MAX;
}

/* Copies a JSON value's text without the white space between tokens.
 * @returns the length written (at most n). */
static size_t cp_jsonl_compact(char *out, const unsigned char *p, size_t n)
{
        size_t o = 0, i = 0;

        while (i < n) {
                if (p[i] == '"') {
                        size_t e = cp_json_skip_str(p, n, i);

                        memcpy(out + o, p + i, e - i);
                        o += e - i;
                        i = e;
                } else {
                        if (!cp_json_is_ws(p[i]))
                                out[o++] = (char)p[i];
                        i++;
                }
        }
        return o;
}

static int cp_jsonl_grow(cp_jsonl_t *jl, size_t nmembers, size_t ntext)
{
        if (nmembers > jl->jl_mcap) {
                size_t cap = jl->jl_mcap ? jl->jl_mcap : 32;

                while (cap < nmembers)
                        cap *= 2;
                cp_jsonl_member_t *m = realloc(jl->jl_member,
                                               cap * sizeof(*m));
                if (!m)
                        return CP_ERR_NOMEM;
                jl->jl_member = m;
                size_t (*s)[2] = realloc(jl->jl_span, cap * sizeof(*s));
                if (!s)
                        return CP_ERR_NOMEM;
                jl->jl_span = s;
                jl->jl_mcap = cap;
        }
        if (ntext > jl->jl_text_cap) {
                size_t cap = jl->jl_text_cap ? jl->jl_text_cap : 4096;

                while (cap < ntext)
                        cap *= 2;
                char *t = realloc(jl->jl_text, cap);
                if (!t)
                        return CP_ERR_NOMEM;
                jl->jl_text = t;
                jl->jl_text_cap = cap;
        }
        return CP_OK;
}

/* Fills row->member from the parsed object and its text p[0..n). */
static int cp_jsonl_members(cp_jsonl_t *jl, cp_jsonl_row_t *row,
                            const unsigned char *p, size_t n,
                            const char *what)
{
        size_t count = json_object_size(jl->jl_obj), nspans, i = 0, t = 0;
        const char *key;
        json_t *val;

        /* Texts are at most the line's bytes plus a NUL per member. */
        if (cp_jsonl_grow(jl, count, n + count + 1) != CP_OK)
                return CP_ERR_NOMEM;
        nspans = cp_jsonl_spans(p, n, jl->jl_span, count);
        if (nspans != count) {
                /* Cannot happen with a line jansson accepted; if it ever
                 * does, reject the line rather than misplace values. */
                row->error = CP_JSONL_E_PARSE;
                snprintf(jl->jl_msg, sizeof(jl->jl_msg),
                         "%s: cannot locate the object's values", what);
                row->message = jl->jl_msg;
                return CP_OK;
        }
        json_object_foreach(jl->jl_obj, key, val) {
                cp_jsonl_member_t *m = &jl->jl_member[i];
                const unsigned char *v = p + jl->jl_span[i][0];
                size_t vlen = jl->jl_span[i][1] - jl->jl_span[i][0];

                m->key = key;
                switch (json_typeof(val)) {
                case JSON_STRING:
                        m->text = json_string_value(val);
                        m->len = json_string_length(val);
                        break;
                case JSON_INTEGER:
                case JSON_REAL:
                        memcpy(jl->jl_text + t, v, vlen);
                        m->text = jl->jl_text + t;
                        m->len = vlen;
                        t += vlen;
                        jl->jl_text[t++] = '\0';
                        break;
                case JSON_OBJECT:
                case JSON_ARRAY:
                        m->text = jl->jl_text + t;
                        m->len = cp_jsonl_compact(jl->jl_text + t, v, vlen);
                        t += m->len;
                        jl->jl_text[t++] = '\0';
                        break;
                case JSON_TRUE:
                        m->text = "true";
                        m->len = 4;
                        break;
                case JSON_FALSE:
                        m->text = "false";
                        m->len = 5;
                        break;
                case JSON_NULL:
                        m->text = NULL;
                        m->len = 0;
                        break;
                }
                i++;
        }
        row->obj = jl->jl_obj;
        row->member = jl->jl_member;
        row->nmembers = count;
        return CP_OK;
}

static const char *cp_jsonl_type_name(const json_t *j)
{
        switch (json_typeof(j)) {
        case JSON_ARRAY: return "an array";
        case JSON_STRING: return "a string";
        case JSON_INTEGER:
        case JSON_REAL: return "a number";
        case JSON_TRUE:
        case JSON_FALSE: return "a boolean";
        case JSON_NULL: return "null";
        default: return "an object";
        }
}

/* ---- the fast path (see DESIGN) ------------------------------------- */

static int cp_jsonl_hex(unsigned char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Four hex digits at p[i..i+4). @returns the value, or -1. */
static long cp_jsonl_u4(const unsigned char *p, size_t n, size_t i)
{
        long v = 0;

        if (n - i < 4)
                return -1;
        for (int k = 0; k < 4; k++) {
                int h = cp_jsonl_hex(p[i + k]);

                if (h < 0)
                        return -1;
                v = v * 16 + h;
        }
        return v;
}

/* Decodes the string at p[*i] (an opening quote) into out, NUL-terminated.
 * @returns its length, with *i past the closing quote; SIZE_MAX when
 *          jansson must judge it. */
static size_t cp_jsonl_fast_str(const unsigned char *p, size_t n, size_t *i, char *out)
{
        size_t k = *i + 1, o = 0;

        for (;;) {
                size_t run = k;

                /* Plain bytes in a run (the line is valid UTF-8 already). */
                while (k < n && p[k] != '"' && p[k] != '\\' && p[k] >= 0x20)
                        k++;
                memcpy(out + o, p + run, k - run);
                o += k - run;
                if (k >= n || p[k] < 0x20)
                        return SIZE_MAX;
                if (p[k] == '"')
                        break;
                /* An escape. */
                if (++k >= n)
                        return SIZE_MAX;
                switch (p[k]) {
                case '"': case '\\': case '/':
                        out[o++] = (char)p[k];
                        k++;
                        continue;
                case 'b': out[o++] = '\b'; k++; continue;
                case 'f': out[o++] = '\f'; k++; continue;
                case 'n': out[o++] = '\n'; k++; continue;
                case 'r': out[o++] = '\r'; k++; continue;
                case 't': out[o++] = '\t'; k++; continue;
                case 'u': break;
                default: return SIZE_MAX;
                }
                long cp = cp_jsonl_u4(p, n, k + 1);

                k += 5;
                if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                        return SIZE_MAX;  /* \u0000, a lone low surrogate */
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                        long lo;

                        if (n - k < 2 || p[k] != '\\' || p[k + 1] != 'u')
                                return SIZE_MAX;
                        lo = cp_jsonl_u4(p, n, k + 2);
                        if (lo < 0xDC00 || lo > 0xDFFF)
                                return SIZE_MAX;
                        k += 6;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                /* UTF-8, as jansson encodes it. */
                if (cp < 0x80) {
                        out[o++] = (char)cp;
                } else if (cp < 0x800) {
                        out[o++] = (char)(0xC0 | (cp >> 6));
                        out[o++] = (char)(0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                        out[o++] = (char)(0xE0 | (cp >> 12));
                        out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                        out[o++] = (char)(0x80 | (cp & 0x3F));
                } else {
                        out[o++] = (char)(0xF0 | (cp >> 18));
                        out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                        out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                        out[o++] = (char)(0x80 | (cp & 0x3F));
                }
        }
        out[o] = '\0';
        *i = k + 1;
        return o;
}

/* The length of the number token at p[i] in JSON's grammar without an
 * exponent (jansson's reading of one can overflow), 0 when it is not one. */
static size_t cp_jsonl_fast_num(const unsigned char *p, size_t n, size_t i)
{
        size_t k = i;

        if (k < n && p[k] == '-')
                k++;
        if (k < n && p[k] == '0') {
                k++;
        } else if (k < n && p[k] >= '1' && p[k] <= '9') {
                while (k < n && p[k] >= '0' && p[k] <= '9')
                        k++;
        } else {
                return 0;
        }
        if (k < n && p[k] == '.') {
                size_t d = ++k;

                while (k < n && p[k] >= '0' && p[k] <= '9')
                        k++;
                if (k == d)
                        return 0;
        }
        if (k < n && (p[k] == 'e' || p[k] == 'E' || (p[k] >= '0' && p[k] <= '9')))
                return 0;
        /* Hundreds of digits would overflow a double in jansson. */
        return k - i > 300 ? 0 : k - i;
}

/* Whether p[i..) starts with the literal lit. */
static bool cp_jsonl_lit(const unsigned char *p, size_t n, size_t i, const char *lit,
                         size_t len)
{
        return n - i >= len && !memcmp(p + i, lit, len);
}

/*
 * Decodes a line that is one flat JSON object (see DESIGN) into the row.
 * @returns 1 when it did; 0 when jansson must parse the line;
 *          CP_ERR_NOMEM.
 */
static int cp_jsonl_fast(cp_jsonl_t *jl, cp_jsonl_row_t *row, const unsigned char *p,
                         size_t n)
{
        size_t i = cp_json_skip_ws(p, n, 0), k = 0, t = 0, bad;

        if (i >= n || p[i] != '{' || !cp_text_utf8_valid((const char *)p, n, &bad))
                return 0;
        /* Decoded texts never outgrow their tokens: the line's bytes, and
         * two NULs per member (a member takes at least 4 bytes: "":1). */
        if (cp_jsonl_grow(jl, 0, n + n / 2 + 2) != CP_OK)
                return CP_ERR_NOMEM;
        i = cp_json_skip_ws(p, n, i + 1);
        if (i < n && p[i] == '}') {
                i++;
        } else {
                for (;;) {
                        cp_jsonl_member_t *m;
                        size_t len;

                        if (k == jl->jl_mcap && cp_jsonl_grow(jl, k + 1, 0) != CP_OK)
                                return CP_ERR_NOMEM;
                        m = &jl->jl_member[k];
                        if (i >= n || p[i] != '"' ||
                            (len = cp_jsonl_fast_str(p, n, &i, jl->jl_text + t)) == SIZE_MAX)
                                return 0;
                        m->key = jl->jl_text + t;
                        t += len + 1;
                        /* jansson refuses a repeated key (with its message). */
                        for (size_t j = 0; j < k; j++)
                                if (!strcmp(jl->jl_member[j].key, m->key))
                                        return 0;
                        i = cp_json_skip_ws(p, n, i);
                        if (i >= n || p[i] != ':')
                                return 0;
                        i = cp_json_skip_ws(p, n, i + 1);
                        if (i >= n)
                                return 0;
                        if (p[i] == '"') {
                                len = cp_jsonl_fast_str(p, n, &i, jl->jl_text + t);
                                if (len == SIZE_MAX)
                                        return 0;
                                m->text = jl->jl_text + t;
                                m->len = len;
                                t += len + 1;
                        } else if (cp_jsonl_lit(p, n, i, "true", 4)) {
                                m->text = "true", m->len = 4, i += 4;
                        } else if (cp_jsonl_lit(p, n, i, "false", 5)) {
                                m->text = "false", m->len = 5, i += 5;
                        } else if (cp_jsonl_lit(p, n, i, "null", 4)) {
                                m->text = NULL, m->len = 0, i += 4;
                        } else if ((len = cp_jsonl_fast_num(p, n, i)) > 0) {
                                /* As written, as the jansson path keeps it. */
                                memcpy(jl->jl_text + t, p + i, len);
                                m->text = jl->jl_text + t;
                                m->len = len;
                                t += len;
                                jl->jl_text[t++] = '\0';
                                i += len;
                        } else {
                                return 0;  /* nested, or not JSON */
                        }
                        k++;
                        i = cp_json_skip_ws(p, n, i);
                        if (i < n && p[i] == '}') {
                                i++;
                                break;
                        }
                        if (i >= n || p[i] != ',')
                                return 0;
                        i = cp_json_skip_ws(p, n, i + 1);
                }
        }
        if (cp_json_skip_ws(p, n, i) != n)
                return 0;
        row->member = jl->jl_member;
        row->nmembers = k;
        return 1;
}

/* what: the record as messages name it ("line 7"). */
static int cp_jsonl_parse(cp_jsonl_t *jl, cp_jsonl_row_t *row,
                          const unsigned char *p, size_t n, const char *what)
{
        json_error_t err;

        /* Concatenated exports may carry a BOM at any line's start. */
        if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
                p += 3;
                n -= 3;
        }
        /* NUL bytes are stripped (domain.md §3.1). jansson would skip
         * them on its own (NUL marks its buffer's end), but the value
         * scanner must see the same bytes jansson parsed. */
        if (memchr(p, '\0', n)) {
                size_t k = 0;

                if (n > jl->jl_scratch_cap) {
                        char *t = realloc(jl->jl_scratch, n);

                        if (!t)
                                return CP_ERR_NOMEM;
                        jl->jl_scratch = t;
                        jl->jl_scratch_cap = n;
                }
                for (size_t i = 0; i < n; i++)
                        if (p[i] != '\0')
                                jl->jl_scratch[k++] = (char)p[i];
                p = (const unsigned char *)jl->jl_scratch;
                n = k;
        }
        if (!jl->jl_jansson_only) {
                int rc = cp_jsonl_fast(jl, row, p, n);

                if (rc)
                        return rc < 0 ? rc : CP_OK;
        }
        /* DECODE_ANY: a line holding valid JSON that is not an object is
         * reported as such, not as a syntax error. */
        jl->jl_obj = json_loadb((const char *)p, n,
                                JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
                                JSON_DECODE_INT_AS_REAL, &err);
        if (!jl->jl_obj) {
                row->error = CP_JSONL_E_PARSE;
                snprintf(jl->jl_msg, sizeof(jl->jl_msg),
                         "%s column %d: %s", what, err.column, err.text);
                row->message = jl->jl_msg;
                return CP_OK;
        }
        if (!json_is_object(jl->jl_obj)) {
                row->error = CP_JSONL_E_NOT_OBJECT;
                snprintf(jl->jl_msg, sizeof(jl->jl_msg),
                         "%s holds %s, not a JSON object", what,
                         cp_jsonl_type_name(jl->jl_obj));
                row->message = jl->jl_msg;
                json_decref(jl->jl_obj);
                jl->jl_obj = NULL;
                return CP_OK;
        }
        return cp_jsonl_members(jl, row, p, n, what);
}

static bool cp_jsonl_blank(const unsigned char *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!cp_json_is_ws(p[i]))
                        return false;
        return true;
}

int cp_jsonl_next(cp_jsonl_t *jl, cp_jsonl_row_t *row)
{
        cp_lbuf_t *lb = &jl->jl_lb;
        const unsigned char *p;
        size_t len, term;
        char what[32];
        int rc;

        json_decref(jl->jl_obj);
        jl->jl_obj = NULL;
        if (!jl->jl_bom_done) {
                rc = cp_lbuf_skip_bom(lb);
                if (rc < 0)
                        return rc;
                jl->jl_bom_done = true;
        }
        if (jl->jl_resync) {
                rc = cp_lbuf_skip_line(lb, false);
                if (rc < 0)
                        return rc;
                jl->jl_line += (uint64_t)rc;
                jl->jl_resync = false;
        }
        for (;;) {
                rc = cp_lbuf_line(lb, false, &len, &term);
                if (rc <= 0 && rc != CP_ERR_LIMIT)
                        return rc;
                p = lb->lb_buf + lb->lb_pos;
                memset(row, 0, sizeof(*row));
                row->line = jl->jl_line;
                row->offset = cp_lbuf_offset(lb);
                if (rc == CP_ERR_LIMIT) {
                        /* Keep a prefix; the next call skips the rest. */
                        /* len > lb_max, so the prefix does not depend
                         * on how the reads fell. */
                        size_t keep = lb->lb_max < CP_JSONL_RAW_KEEP
                                              ? lb->lb_max
                                              : CP_JSONL_RAW_KEEP;

                        if (cp_jsonl_grow(jl, 0, keep + 1) != CP_OK)
                                return CP_ERR_NOMEM;
                        memcpy(jl->jl_text, p, keep);
                        row->raw = jl->jl_text;
                        row->raw_len = keep;
                        row->error = CP_JSONL_E_TOO_LARGE;
                        snprintf(jl->jl_msg, sizeof(jl->jl_msg),
                                 "line %llu is longer than %zu bytes",
                                 (unsigned long long)row->line,
                                 lb->lb_max);
                        row->message = jl->jl_msg;
                        jl->jl_resync = true;
                        return 1;
                }
                lb->lb_pos += len + term;
                jl->jl_line++;
                if (!cp_jsonl_blank(p, len))
                        break;
        }
        /* p stays valid: nothing reads into the buffer until the next call. */
        row->raw = (const char *)p;
        row->raw_len = len;
        snprintf(what, sizeof(what), "line %llu",
                 (unsigned long long)row->line);
        rc = cp_jsonl_parse(jl, row, p, len, what);
        return rc < 0 ? rc : 1;
}

int cp_jsonl_parse_one(cp_jsonl_t *jl, const char *p, size_t n,
                       uint64_t line, uint64_t offset, const char *what,
                       cp_jsonl_row_t *row)
{
        json_decref(jl->jl_obj);
        jl->jl_obj = NULL;
        memset(row, 0, sizeof(*row));
        row->line = line;
        row->offset = offset;
        row->raw = p;
        row->raw_len = n;
        return cp_jsonl_parse(jl, row, (const unsigned char *)p, n, what);
}
