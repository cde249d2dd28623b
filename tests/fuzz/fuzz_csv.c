/*
 * Fuzz target for the CSV reader (ingest/csv.c).
 *
 * DESIGN: besides "no crash, no leak", the target checks what must hold
 * for every input: reading in small chunks gives exactly the rows reading
 * in one chunk gives (records straddling read boundaries are the bug this
 * reader is most likely to have), positions only move forward, fields are
 * NUL-terminated, and raw bytes are the input's bytes at the row's offset.
 * The first input byte picks the chunk size, the record limit and the
 * delimiter, so the fuzzer explores them too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CP_FUZZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* A digest of one row: position, error and bytes, compared across runs. */
static uint64_t cp_fuzz_row_hash(const cp_csv_row_t *row)
{
        uint64_t h = 1469598103934665603ULL;

#define CP_FUZZ_MIX(p, n)                                             \
        for (size_t i_ = 0; i_ < (n); i_++)                           \
                h = (h ^ ((const uint8_t *)(p))[i_]) * 1099511628211ULL
        CP_FUZZ_MIX(&row->line, sizeof(row->line));
        CP_FUZZ_MIX(&row->offset, sizeof(row->offset));
        CP_FUZZ_MIX(&row->nfields, sizeof(row->nfields));
        CP_FUZZ_MIX(row->raw, row->raw_len);
        if (row->error)
                CP_FUZZ_MIX(row->error, strlen(row->error));
        for (size_t k = 0; k < row->nfields; k++) {
                CP_FUZZ_MIX(&row->len[k], sizeof(row->len[k]));
                CP_FUZZ_MIX(row->field[k], row->len[k]);
        }
#undef CP_FUZZ_MIX
        return h;
}

static size_t cp_fuzz_run(const char *in, size_t n, char delim, size_t chunk,
                          size_t max, uint64_t *hashes, size_t cap)
{
        cp_csv_t *csv = cp_csv_open_mem(in, n, delim);
        cp_csv_row_t row;
        uint64_t last_off = 0, last_line = 0;
        size_t nrows = 0;
        int rc;

        CP_FUZZ_CHECK(csv);
        cp_csv_set_sizes(csv, chunk, max);
        while ((rc = cp_csv_next(csv, &row)) == 1) {
                CP_FUZZ_CHECK(nrows == 0 || row.offset > last_off);
                CP_FUZZ_CHECK(row.line >= last_line);
                CP_FUZZ_CHECK(row.offset + row.raw_len <= n);
                CP_FUZZ_CHECK(memcmp(row.raw, in + row.offset,
                                     row.raw_len) == 0);
                for (size_t k = 0; k < row.nfields; k++)
                        CP_FUZZ_CHECK(row.field[k][row.len[k]] == '\0');
                last_off = row.offset;
                last_line = row.line;
                if (nrows < cap)
                        hashes[nrows] = cp_fuzz_row_hash(&row);
                nrows++;
        }
        CP_FUZZ_CHECK(rc == 0);
        cp_csv_close(csv);
        return nrows;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char delims[] = { ',', ';', '\t', '|' };
        enum { CAP = 4096 };
        static uint64_t a[CAP], b[CAP];
        size_t na, nb, chunk, max;
        char delim;

        if (size < 1)
                return 0;
        chunk = 1 + (data[0] & 0x0F);
        max = (data[0] & 0x10) ? 32 : 0;   /* 0: the 16 MiB default */
        delim = delims[(data[0] >> 5) & 3];
        data++;
        size--;
        /* One read of the whole input (a 1 MiB default would make every
         * run allocate and clear megabytes). */
        na = cp_fuzz_run((const char *)data, size, delim, size + 1, max, a,
                         CAP);
        nb = cp_fuzz_run((const char *)data, size, delim, chunk, max, b, CAP);
        CP_FUZZ_CHECK(na == nb);
        for (size_t i = 0; i < na && i < CAP; i++)
                CP_FUZZ_CHECK(a[i] == b[i]);
        return 0;
}
