/*
 * Fuzz target for the JSON Lines reader (ingest/jsonl.c).
 *
 * DESIGN: as fuzz_csv.c: small reads must give the rows one read gives.
 * It also checks the value-token scanner against jansson: a number's text
 * must parse back to jansson's value, and a nested value's compact text
 * must parse to a value equal to jansson's (json_equal), which catches a
 * member paired with the wrong token. And the reader's own decoder of
 * flat objects must give the rows (messages included) that jansson gives
 * (cp_jsonl_set_jansson_only).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ingest/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CP_FUZZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void cp_fuzz_check_member(const cp_jsonl_member_t *m, json_t *obj)
{
        json_t *v = json_object_get(obj, m->key);
        json_t *back;

        CP_FUZZ_CHECK(v);
        switch (json_typeof(v)) {
        case JSON_NULL:
                CP_FUZZ_CHECK(m->text == NULL);
                return;
        case JSON_STRING:
                CP_FUZZ_CHECK(m->len == json_string_length(v));
                CP_FUZZ_CHECK(memcmp(m->text, json_string_value(v),
                                     m->len) == 0);
                return;
        default:
                break;
        }
        CP_FUZZ_CHECK(m->text && strlen(m->text) == m->len);
        back = json_loadb(m->text, m->len,
                          JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        CP_FUZZ_CHECK(back);
        CP_FUZZ_CHECK(json_equal(back, v));
        json_decref(back);
}

static uint64_t cp_fuzz_row_hash(const cp_jsonl_row_t *row)
{
        uint64_t h = 1469598103934665603ULL;

#define CP_FUZZ_MIX(p, n)                                             \
        for (size_t i_ = 0; i_ < (n); i_++)                           \
                h = (h ^ ((const uint8_t *)(p))[i_]) * 1099511628211ULL
        CP_FUZZ_MIX(&row->line, sizeof(row->line));
        CP_FUZZ_MIX(&row->offset, sizeof(row->offset));
        CP_FUZZ_MIX(&row->nmembers, sizeof(row->nmembers));
        CP_FUZZ_MIX(row->raw, row->raw_len);
        if (row->error)
                CP_FUZZ_MIX(row->message, strlen(row->message));
        for (size_t k = 0; k < row->nmembers; k++) {
                CP_FUZZ_MIX(row->member[k].key, strlen(row->member[k].key));
                if (row->member[k].text)
                        CP_FUZZ_MIX(row->member[k].text, row->member[k].len);
        }
#undef CP_FUZZ_MIX
        return h;
}

static size_t cp_fuzz_run(const char *in, size_t n, size_t chunk, size_t max,
                          bool jansson_only, uint64_t *hashes, size_t cap)
{
        cp_jsonl_t *jl = cp_jsonl_open_mem(in, n);
        cp_jsonl_row_t row;
        size_t nrows = 0;
        int rc;

        CP_FUZZ_CHECK(jl);
        cp_jsonl_set_sizes(jl, chunk, max);
        cp_jsonl_set_jansson_only(jl, jansson_only);
        while ((rc = cp_jsonl_next(jl, &row)) == 1) {
                CP_FUZZ_CHECK(row.offset + row.raw_len <= n);
                CP_FUZZ_CHECK(memcmp(row.raw, in + row.offset,
                                     row.raw_len) == 0);
                if (jansson_only) {
                        CP_FUZZ_CHECK(!row.error == !!row.obj);
                        for (size_t k = 0; k < row.nmembers; k++)
                                cp_fuzz_check_member(&row.member[k], row.obj);
                }
                if (nrows < cap)
                        hashes[nrows] = cp_fuzz_row_hash(&row);
                nrows++;
        }
        CP_FUZZ_CHECK(rc == 0);
        cp_jsonl_close(jl);
        return nrows;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        enum { CAP = 4096 };
        static uint64_t a[CAP], b[CAP], c[CAP];
        size_t na, nb, nc, chunk, max;

        if (size < 1)
                return 0;
        chunk = 1 + (data[0] & 0x0F);
        max = (data[0] & 0x10) ? 48 : 0;
        data++;
        size--;
        /* One read of the whole input. */
        na = cp_fuzz_run((const char *)data, size, size + 1, max, true, a, CAP);
        nb = cp_fuzz_run((const char *)data, size, chunk, max, false, b, CAP);
        nc = cp_fuzz_run((const char *)data, size, size + 1, max, false, c, CAP);
        CP_FUZZ_CHECK(na == nb && na == nc);
        for (size_t i = 0; i < na && i < CAP; i++)
                CP_FUZZ_CHECK(a[i] == b[i] && a[i] == c[i]);
        return 0;
}
