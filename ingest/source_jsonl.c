/*
 * JSON Lines files: map each object's members to fields and extras.
 *
 * DESIGN: there is no header to check: a line whose keys match nothing
 * simply yields a record without fields, which transform rejects for its
 * missing key fields. A key matches a `columns` name exactly, else as CSV
 * headers do, ignoring ASCII case, full-width forms and white space
 * (domain.md §4.4.1: Credit China writes the XK_* codes as xk_*).
 *
 * Every line of a file repeats the same few keys, and a preset brings
 * dozens of column names, so each distinct key is matched once per file
 * and remembered in a small hash table; a file with more distinct keys than
 * the table holds has the rest matched each time, correctly if slowly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/err.h"
#include "core/field.h"
#include "jsonl.h"
#include "source.h"

#define CP_JSONL_CACHE_SLOTS 512  /* a power of two */
#define CP_JSONL_CACHE_MAX 384    /* keys remembered, so probes stay short */

typedef struct cp_jsonl_slot_s {
        char *js_key;     /* NULL: empty */
        int js_field;     /* cp_field_t, or -1 for an unmapped key */
} cp_jsonl_slot_t;

struct cp_jsonl_cache_s {
        cp_jsonl_slot_t jc_slot[CP_JSONL_CACHE_SLOTS];
        size_t jc_n;
};

cp_jsonl_cache_t *cp_jsonl_cache_new(void)
{
        return calloc(1, sizeof(cp_jsonl_cache_t));
}

void cp_jsonl_cache_free(cp_jsonl_cache_t *jc)
{
        for (size_t i = 0; jc && i < CP_JSONL_CACHE_SLOTS; i++)
                free(jc->jc_slot[i].js_key);
        free(jc);
}

static bool cp_jsonl_valid_field(int f)
{
        return f >= 0 && f < CP_F__COUNT;
}

/* @returns the field a key is mapped to, or -1 (see DESIGN). */
static int cp_jsonl_match(const cp_source_conf_t *src, const char *key)
{
        size_t klen = strlen(key), fk, maxlen = klen;
        char *kb, *cb;
        int f = -1;

        for (size_t j = 0; j < src->src_ncolumns; j++) {
                const cp_column_map_t *cm = &src->src_columns[j];
                size_t l = strlen(cm->cm_column);

                if (cp_jsonl_valid_field(cm->cm_field) &&
                    strcmp(cm->cm_column, key) == 0)
                        return cm->cm_field;
                if (l > maxlen)
                        maxlen = l;
        }
        kb = malloc(maxlen + 1);
        cb = malloc(maxlen + 1);
        if (kb && cb) {
                fk = cp_column_fold(key, klen, kb);
                for (size_t j = 0; j < src->src_ncolumns && f < 0; j++) {
                        const cp_column_map_t *cm = &src->src_columns[j];

                        if (cp_jsonl_valid_field(cm->cm_field) &&
                            cp_column_fold(cm->cm_column,
                                           strlen(cm->cm_column), cb) == fk &&
                            memcmp(cb, kb, fk) == 0)
                                f = cm->cm_field;
                }
        }
        free(kb);
        free(cb);
        return f;
}

/* The field of a key, through the file's cache when there is one. */
static int cp_jsonl_field(cp_jsonl_cache_t *jc, const cp_source_conf_t *src,
                          const char *key)
{
        size_t len = strlen(key), i;
        int f;

        if (!jc)
                return cp_jsonl_match(src, key);
        i = (size_t)XXH3_64bits(key, len) & (CP_JSONL_CACHE_SLOTS - 1);
        while (jc->jc_slot[i].js_key) {
                if (strcmp(jc->jc_slot[i].js_key, key) == 0)
                        return jc->jc_slot[i].js_field;
                i = (i + 1) & (CP_JSONL_CACHE_SLOTS - 1);
        }
        f = cp_jsonl_match(src, key);
        if (jc->jc_n < CP_JSONL_CACHE_MAX &&
            (jc->jc_slot[i].js_key = strdup(key)) != NULL) {
                jc->jc_slot[i].js_field = f;
                jc->jc_n++;
        }
        return f;
}

/* A JSON key names its extra; copied into the batch with the value. */
static const char *cp_jsonl_extra_name(cp_ingest_ctx_t *ic, const void *arg,
                                       size_t i)
{
        const char *key = ((const cp_jsonl_row_t *)arg)->member[i].key;

        return cp_arena_strndup(&ic->ic_bat->bat_arena, key, strlen(key));
}

static int cp_jsonl_map_row(cp_ingest_ctx_t *ic, cp_jsonl_cache_t *jc,
                            cp_record_t *rec, const cp_jsonl_row_t *row)
{

        for (size_t i = 0; i < row->nmembers; i++) {
                const cp_jsonl_member_t *m = &row->member[i];
                int rc;

                if (!m->text)
                        continue;  /* null: the field stays absent */
                rc = cp_ingest_cell(ic, rec, cp_jsonl_field(jc, ic->ic_src, m->key),
                                    m->text, m->len, cp_jsonl_extra_name, row, i,
                                    row->nmembers);
                if (rc != CP_OK)
                        return rc;
        }
        return CP_OK;
}

/* The keys of a file's first object tell its field set's generation. */
static int cp_jsonl_check_generation(cp_ingest_ctx_t *ic,
                                     const cp_jsonl_row_t *row)
{
        const char **keys;

        if (!row->nmembers)
                return CP_OK;
        keys = malloc(row->nmembers * sizeof(*keys));
        if (!keys)
                return cp_ingest_nomem(ic);
        for (size_t i = 0; i < row->nmembers; i++)
                keys[i] = row->member[i].key;
        cp_ingest_check_generation(ic, keys, NULL, row->nmembers, row->line);
        free(keys);
        return CP_OK;
}

int cp_jsonl_record(cp_ingest_ctx_t *ic, cp_jsonl_cache_t *jc, bool *first,
                    const cp_jsonl_row_t *row)
{
        cp_record_t *rec;
        bool too_large;
        int rc;

        rc = cp_ingest_rec_new(ic, &rec, row->line, row->offset, row->raw,
                               row->raw_len);
        if (rc != CP_OK)
                return rc;
        /* Bad bytes first: jansson would only say "cannot decode". */
        too_large = row->error &&
                    strcmp(row->error, CP_JSONL_E_TOO_LARGE) == 0;
        if (!too_large && cp_ingest_reject_utf8(ic, rec))
                return CP_OK;
        if (row->error) {
                cp_record_reject(ic->ic_bat, rec, row->error, -1, "%s",
                                 row->message);
                return CP_OK;
        }
        if (*first) {
                *first = false;
                rc = cp_jsonl_check_generation(ic, row);
                if (rc != CP_OK)
                        return rc;
        }
        return cp_jsonl_map_row(ic, jc, rec, row);
}

int cp_ingest_jsonl(cp_ingest_ctx_t *ic, int fd)
{
        cp_jsonl_row_t row;
        cp_encoding_t enc;
        cp_jsonl_t *jl;
        /* Without memory for the cache, keys are matched each time. */
        cp_jsonl_cache_t *jc = cp_jsonl_cache_new();
        bool first = true;
        char err[128];
        int rc;

        jl = cp_jsonl_open_fd(fd, err, sizeof(err));
        if (!jl) {
                cp_jsonl_cache_free(jc);
                return cp_ingest_nomem(ic);
        }
        rc = cp_jsonl_set_encoding(jl, ic->ic_src->src_encoding, &enc);
        rc = cp_ingest_encoding(ic, rc, enc, cp_jsonl_errno(jl));
        if (rc != CP_OK)
                goto out;
        while ((rc = cp_jsonl_next(jl, &row)) == 1) {
                rc = cp_jsonl_record(ic, jc, &first, &row);
                if (rc != CP_OK)
                        goto out;  /* errstr already set */
        }
        if (rc == CP_ERR_NOMEM)
                rc = cp_ingest_nomem(ic);
        else if (rc < 0)
                snprintf(ic->ic_errstr, ic->ic_errstr_size, "reading %s: %s",
                         ic->ic_path, strerror(cp_jsonl_errno(jl)));
out:
        cp_jsonl_cache_free(jc);
        cp_jsonl_close(jl);
        return rc < 0 ? rc : CP_OK;
}
