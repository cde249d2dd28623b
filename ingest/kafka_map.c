/*
 * Kafka messages to records (ingest/kafka_source.h, the reader half).
 *
 * DESIGN: a message is a record of the batch being filled, exactly as a
 * line of a file is: cp_ingest_rec_new() gives it its position and raw
 * bytes, and the value is mapped with the helpers the file formats use —
 * the CSV header mapping of source_csv.c (the header being the configured
 * csv_header), cp_jsonl_record() of source_jsonl.c. One context lives
 * across partitions, so that a batch never mixes two partitions (a
 * partition's end emits its batch) and the per-batch caches of the CSV
 * mapping stay valid. A protobuf CreditRecord's fields become the text
 * transform reads from any source: dates as YYYY-MM-DD, the fine in yuan
 * with two decimals, an open-ended validity as 长期.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/field.h"
#include "jsonl.h"
#include "kafka_source.h"
#include "source.h"

struct cp_kafka_reader_s {
        cp_ingest_ctx_t kr_ic;
        cp_csv_hdr_t kr_hdr;          /* csv: from csv_header */
        cp_jsonl_t *kr_jl;            /* json: the one-text parser */
        cp_jsonl_cache_t *kr_jc;      /* json: keys already matched */
        bool kr_first;                /* json: no object seen yet */
};

/* The configured header, matched as a file's first row would be. */
static int cp_kafka_header(cp_kafka_reader_t *r, char *errstr, size_t errstr_size)
{
        const cp_source_conf_t *src = r->kr_ic.ic_src;
        const char *hdr = src->src_kafka->ks_csv_header;
        cp_csv_t *csv = cp_csv_open_mem(hdr, strlen(hdr), src->src_delimiter ?
                                        src->src_delimiter : ',');
        cp_csv_row_t row;
        int *field = NULL, rc = -1;
        long nmapped;
        char expected[512];

        if (!csv || cp_csv_next(csv, &row) != 1 || row.error || !row.nfields) {
                snprintf(errstr, errstr_size, "source %s: csv_header '%s' is not one CSV line "
                         "of column names", src->src_id, hdr);
                goto out;
        }
        field = malloc(row.nfields * sizeof(*field));
        if (!field || (nmapped = cp_csv_match(src, &row, field)) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
        }
        if (nmapped == 0) {
                cp_ingest_expected_columns(src, expected, sizeof(expected));
                snprintf(errstr, errstr_size, "source %s: csv_header names none of the mapped "
                         "columns (%s)", src->src_id, expected);
                goto out;
        }
        if (cp_csv_hdr_init(&r->kr_hdr, &row, field) != CP_OK) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
        }
        rc = 0;
out:
        free(field);
        cp_csv_close(csv);
        return rc;
}

cp_kafka_reader_t *cp_kafka_reader_new(const cp_source_conf_t *src, uint32_t source_idx,
                                       size_t batch_cap, cp_ingest_emit_fn emit,
                                       void *opaque, char *errstr, size_t errstr_size)
{
        cp_kafka_reader_t *r = calloc(1, sizeof(*r));

        if (!r || !src->src_kafka || !batch_cap) {
                snprintf(errstr, errstr_size, "%s", r ? "not a kafka source, or no batch size"
                                                     : "out of memory");
                free(r);
                return NULL;
        }
        r->kr_ic.ic_src = src;
        r->kr_ic.ic_source_idx = source_idx;
        r->kr_ic.ic_path = "";
        r->kr_ic.ic_batch_cap = batch_cap;
        r->kr_ic.ic_emit = emit;
        r->kr_ic.ic_opaque = opaque;
        r->kr_ic.ic_errstr = errstr;
        r->kr_ic.ic_errstr_size = errstr_size;
        r->kr_first = true;
        if (src->src_kafka->ks_value == CP_KVAL_CSV && cp_kafka_header(r, errstr, errstr_size)) {
                cp_kafka_reader_free(r);
                return NULL;
        }
        if (src->src_kafka->ks_value == CP_KVAL_JSON) {
                r->kr_jl = cp_jsonl_open_mem(NULL, 0);
                r->kr_jc = cp_jsonl_cache_new();  /* NULL: keys matched each time */
                if (!r->kr_jl) {
                        snprintf(errstr, errstr_size, "out of memory");
                        cp_kafka_reader_free(r);
                        return NULL;
                }
        }
        return r;
}

void cp_kafka_reader_free(cp_kafka_reader_t *r)
{
        if (!r)
                return;
        cp_batch_destroy(r->kr_ic.ic_bat);
        cp_csv_hdr_free(&r->kr_hdr);
        cp_jsonl_close(r->kr_jl);
        cp_jsonl_cache_free(r->kr_jc);
        free(r);
}

int cp_kafka_reader_flush(cp_kafka_reader_t *r)
{
        cp_ingest_ctx_t *ic = &r->kr_ic;
        cp_batch_t *bat = ic->ic_bat;
        int rc;

        ic->ic_bat = NULL;
        if (!bat || !bat->bat_n) {
                cp_batch_destroy(bat);
                return CP_OK;
        }
        rc = ic->ic_emit(ic->ic_opaque, bat);
        if (rc != CP_OK)
                snprintf(ic->ic_errstr, ic->ic_errstr_size, "the next stage refused the "
                         "last batch of %s (%s)", ic->ic_path, cp_err_name(rc));
        return rc;
}

int cp_kafka_reader_partition(cp_kafka_reader_t *r, const char *name)
{
        int rc = cp_kafka_reader_flush(r);

        r->kr_ic.ic_path = name;
        return rc;
}

static int cp_kafka_csv(cp_kafka_reader_t *r, cp_record_t *rec, const char *p, size_t len,
                        int64_t offset)
{
        cp_ingest_ctx_t *ic = &r->kr_ic;
        char delim = ic->ic_src->src_delimiter ? ic->ic_src->src_delimiter : ',';
        cp_csv_t *csv = cp_csv_open_mem(p, len, delim);
        cp_csv_row_t row, more;
        int rc = CP_OK, n;

        if (!csv)
                return cp_ingest_nomem(ic);
        n = cp_csv_next(csv, &row);
        if (n < 0) {
                rc = cp_ingest_nomem(ic);
        } else if (n == 0) {
                cp_record_reject(ic->ic_bat, rec, CP_KAFKA_E_EMPTY, -1, "the message at "
                                 "offset %" PRId64 " of %s holds no CSV record", offset,
                                 ic->ic_path);
        } else if (row.error) {
                cp_record_reject(ic->ic_bat, rec, row.error, -1, "the message at offset %"
                                 PRId64 " of %s is not a valid CSV line (%s)", offset,
                                 ic->ic_path, row.error);
        } else if (!cp_csv_width_ok(&r->kr_hdr, &row)) {
                cp_record_reject(ic->ic_bat, rec, CP_INGEST_E_FIELD_COUNT, -1, "the message "
                                 "at offset %" PRId64 " of %s has %zu fields, csv_header has "
                                 "%zu; check quoting or delimiters", offset, ic->ic_path,
                                 row.nfields, r->kr_hdr.ch_ncols);
        } else {
                /* Mapped before the second read, which reuses the row. */
                rc = cp_csv_map_row(ic, &r->kr_hdr, rec, &row);
                if (rc == CP_OK && cp_csv_next(csv, &more) == 1) {
                        /* Two records in one message: neither is taken. */
                        memset(rec->rec_field, 0, sizeof(rec->rec_field));
                        rec->rec_nextra = 0;
                        cp_record_reject(ic->ic_bat, rec, CP_KAFKA_E_LINES, -1, "the "
                                         "message at offset %" PRId64 " of %s holds more "
                                         "than one CSV record; send one per message",
                                         offset, ic->ic_path);
                }
        }
        cp_csv_close(csv);
        return rc;
}

/* Days since 1970-01-01 as YYYY-MM-DD (H. Hinnant's civil_from_days). */
static void cp_kafka_date(int32_t days, char out[48])
{
        long z = (long)days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
        long doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
        long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
        long y = yoe + era * 400 + (m <= 2);

        snprintf(out, 48, "%04ld-%02ld-%02ld", y, m, d);
}

static int cp_kafka_text(cp_ingest_ctx_t *ic, cp_record_t *rec, int field, const char *s)
{
        if (!s || !*s)
                return CP_OK;
        return cp_ingest_set_field(ic, rec, field, s, strlen(s));
}

static int cp_kafka_day(cp_ingest_ctx_t *ic, cp_record_t *rec, int field, int32_t days)
{
        char buf[48];

        if (!days)  /* 0: unknown, as in the output */
                return CP_OK;
        cp_kafka_date(days, buf);
        return cp_kafka_text(ic, rec, field, buf);
}

/* The name an extra of a CreditRecord keeps: its map key. */
static const char *cp_kafka_extra_name(cp_ingest_ctx_t *ic, const void *arg, size_t i)
{
        const Credpipe__V1__CreditRecord *pb = arg;
        const char *k = pb->extra[i]->key ? pb->extra[i]->key : "";

        return cp_arena_strndup(&ic->ic_bat->bat_arena, k, strlen(k));
}

static int cp_kafka_pb_fields(cp_ingest_ctx_t *ic, cp_record_t *rec,
                              const Credpipe__V1__CreditRecord *pb)
{
        static const int id_field[] = {
                [CREDPIPE__V1__ID_TYPE__USCC] = CP_F_SUBJECT_USCC,
                [CREDPIPE__V1__ID_TYPE__ORG_CODE] = CP_F_SUBJECT_ORG_CODE,
                [CREDPIPE__V1__ID_TYPE__REG_NO] = CP_F_SUBJECT_REG_NO,
                [CREDPIPE__V1__ID_TYPE__RESIDENT_ID] = CP_F_SUBJECT_PERSON_ID,
                [CREDPIPE__V1__ID_TYPE__RESIDENT_ID_MASKED] = CP_F_SUBJECT_PERSON_ID,
                [CREDPIPE__V1__ID_TYPE__RESIDENT_ID_PSEUDONYM] = CP_F_SUBJECT_PERSON_ID,
        };
        const struct { int f; const char *s; } text[] = {
                {CP_F_DOCUMENT_NUMBER, pb->document_number},
                {CP_F_CASE_NUMBER, pb->case_number},
                {CP_F_LIST_NAME, pb->list_name},
                {CP_F_AUTHORITY, pb->authority},
                {CP_F_AUTHORITY_USCC, pb->authority_uscc},
                {CP_F_REASON, pb->reason},
                {CP_F_ACT_TYPE, pb->act_type},
                {CP_F_PENALTY_TYPE, pb->penalty_type},
                {CP_F_CONTENT, pb->content},
                {CP_F_PERMIT_NUMBER, pb->permit_number},
                {CP_F_PERMIT_NAME, pb->permit_name},
                {CP_F_SOURCE_RECORD_ID, pb->source_record_id},
                {CP_F_STATUS, pb->status},
        };
        const struct { int f; int32_t d; } days[] = {
                {CP_F_DECISION_DATE, pb->decision_date},
                {CP_F_PUBLISH_DATE, pb->publish_date},
                {CP_F_LIST_DATE, pb->list_date},
                {CP_F_VALID_FROM, pb->valid_from},
                {CP_F_VALID_TO, pb->valid_to},
        };
        char buf[64];
        int rc = CP_OK;

        if (pb->subject) {
                const Credpipe__V1__Subject *s = pb->subject;
                unsigned t = (unsigned)s->id_type;

                rc = cp_kafka_text(ic, rec, CP_F_SUBJECT_NAME, s->name);
                if (rc == CP_OK)
                        rc = cp_kafka_text(ic, rec, CP_F_LEGAL_REP, s->legal_rep);
                if (rc == CP_OK && t > 0 && t < sizeof(id_field) / sizeof(id_field[0]))
                        rc = cp_kafka_text(ic, rec, id_field[t], s->id);
        }
        for (size_t i = 0; rc == CP_OK && i < sizeof(text) / sizeof(text[0]); i++)
                rc = cp_kafka_text(ic, rec, text[i].f, text[i].s);
        for (size_t i = 0; rc == CP_OK && i < sizeof(days) / sizeof(days[0]); i++)
                rc = cp_kafka_day(ic, rec, days[i].f, days[i].d);
        if (rc == CP_OK && pb->valid_to_open_ended && !pb->valid_to)
                rc = cp_kafka_text(ic, rec, CP_F_VALID_TO, "长期");
        if (rc == CP_OK && pb->fine) {
                int64_t fen = pb->fine->fen;
                uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;

                snprintf(buf, sizeof(buf), "%s%" PRIu64 ".%02" PRIu64, fen < 0 ? "-" : "",
                         a / 100, a % 100);
                rc = cp_kafka_text(ic, rec, CP_F_FINE_AMOUNT, buf);
        }
        if (rc == CP_OK && pb->rating) {
                snprintf(buf, sizeof(buf), "%.17g", pb->rating->value);
                rc = cp_kafka_text(ic, rec, CP_F_RATING, buf);
        }
        for (size_t i = 0; rc == CP_OK && i < pb->n_extra; i++) {
                const char *v = pb->extra[i]->value ? pb->extra[i]->value : "";

                rc = cp_ingest_cell(ic, rec, -1, v, strlen(v), cp_kafka_extra_name, pb, i,
                                    pb->n_extra);
        }
        return rc;
}

static int cp_kafka_protobuf(cp_kafka_reader_t *r, cp_record_t *rec, const void *p,
                             size_t len, int64_t offset)
{
        cp_ingest_ctx_t *ic = &r->kr_ic;
        Credpipe__V1__CreditRecord *pb = credpipe__v1__credit_record__unpack(NULL, len, p);
        int rc;

        if (!pb) {
                cp_record_reject(ic->ic_bat, rec, CP_KAFKA_E_PROTOBUF, -1, "the message at "
                                 "offset %" PRId64 " of %s is not a packed "
                                 "credpipe.v1.CreditRecord", offset, ic->ic_path);
                return CP_OK;
        }
        rc = cp_kafka_pb_fields(ic, rec, pb);
        credpipe__v1__credit_record__free_unpacked(pb, NULL);
        return rc;
}

int cp_kafka_reader_add(cp_kafka_reader_t *r, const void *payload, size_t len,
                        int64_t offset)
{
        cp_ingest_ctx_t *ic = &r->kr_ic;
        cp_kafka_value_t form = ic->ic_src->src_kafka->ks_value;
        const char *p = payload ? payload : "";
        uint64_t at = (uint64_t)offset;
        cp_record_t *rec;
        int rc;

        if (!payload)
                len = 0;
        if (form == CP_KVAL_JSON && len) {
                cp_jsonl_row_t row;
                char what[64];

                snprintf(what, sizeof(what), "the message at offset %" PRId64, offset);
                rc = cp_jsonl_parse_one(r->kr_jl, p, len, at, at, what, &row);
                if (rc != CP_OK)
                        return cp_ingest_nomem(ic);
                return cp_jsonl_record(ic, r->kr_jc, &r->kr_first, &row);
        }
        rc = cp_ingest_rec_new(ic, &rec, at, at, p, len);
        if (rc != CP_OK)
                return rc;
        if (!len) {
                cp_record_reject(ic->ic_bat, rec, CP_KAFKA_E_EMPTY, -1, "the message at "
                                 "offset %" PRId64 " of %s is empty", offset, ic->ic_path);
                return CP_OK;
        }
        if (form == CP_KVAL_PROTOBUF)
                return cp_kafka_protobuf(r, rec, p, len, offset);
        if (cp_ingest_reject_utf8(ic, rec))
                return CP_OK;
        return cp_kafka_csv(r, rec, p, len, offset);
}
