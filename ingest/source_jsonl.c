/*
 * JSON Lines files: map each object's members to fields and extras.
 *
 * DESIGN: JSON keys are written by programs, not typed into spreadsheet
 * headers, so they match the `columns` names exactly and there is no
 * header to check: a line whose keys match nothing simply yields a record
 * without fields, which transform rejects for its missing key fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "jsonl.h"
#include "source.h"

/* @returns the field a key is mapped to, or -1. */
static int cp_jsonl_field(const cp_source_conf_t *src, const char *key)
{
        for (size_t j = 0; j < src->src_ncolumns; j++) {
                const cp_column_map_t *cm = &src->src_columns[j];

                if (cm->cm_field >= 0 && cm->cm_field < CP_F__COUNT &&
                    strcmp(cm->cm_column, key) == 0)
                        return cm->cm_field;
        }
        return -1;
}

static int cp_jsonl_map_row(cp_ingest_ctx_t *ic, cp_record_t *rec,
                            const cp_jsonl_row_t *row)
{
        bool keep = ic->ic_src->src_keep_unmapped;

        for (size_t i = 0; i < row->nmembers; i++) {
                const cp_jsonl_member_t *m = &row->member[i];
                int f = cp_jsonl_field(ic->ic_src, m->key);
                const char *v, *name;
                int rc;

                if (!m->text)
                        continue;  /* null: the field stays absent */
                if (f >= 0) {
                        rc = cp_ingest_set_field(ic, rec, f, m->text, m->len);
                } else if (keep) {
                        rc = cp_ingest_value(ic, m->text, m->len, &v);
                        if (rc == CP_OK && v) {
                                name = cp_arena_strndup(&ic->ic_bat->bat_arena,
                                                        m->key,
                                                        strlen(m->key));
                                if (!name)
                                        return cp_ingest_nomem(ic);
                                rc = cp_ingest_add_extra(ic, rec,
                                                         row->nmembers,
                                                         name, v);
                        }
                } else {
                        continue;
                }
                if (rc != CP_OK)
                        return rc;
        }
        return CP_OK;
}

/* Turns one row into a record, rejected or mapped. */
static int cp_jsonl_record(cp_ingest_ctx_t *ic, const cp_jsonl_row_t *row)
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
        return cp_jsonl_map_row(ic, rec, row);
}

int cp_ingest_jsonl(cp_ingest_ctx_t *ic, int fd)
{
        cp_jsonl_row_t row;
        cp_jsonl_t *jl;
        char err[128];
        int rc;

        jl = cp_jsonl_open_fd(fd, err, sizeof(err));
        if (!jl)
                return cp_ingest_nomem(ic);
        while ((rc = cp_jsonl_next(jl, &row)) == 1) {
                rc = cp_jsonl_record(ic, &row);
                if (rc != CP_OK)
                        goto out;  /* errstr already set */
        }
        if (rc == CP_ERR_NOMEM)
                rc = cp_ingest_nomem(ic);
        else if (rc < 0)
                snprintf(ic->ic_errstr, ic->ic_errstr_size, "reading %s: %s",
                         ic->ic_path, strerror(cp_jsonl_errno(jl)));
out:
        cp_jsonl_close(jl);
        return rc < 0 ? rc : CP_OK;
}
