/*
 * Fuzz target for the .xlsx reader (ingest/source_xlsx.c).
 *
 * DESIGN: the input is the bytes of an .xlsx file. cp_ingest_xlsx takes a
 * file descriptor (libzip reads the container from it), so the input goes
 * to a memfd and through cp_ingest_file's xlsx path as a real source's
 * file would. Checks: no crash, no leak, an error always comes with a
 * message, records are never rejected for UTF-8 (expat only hands out
 * UTF-8) and rows only move forward within a sheet.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/err.h"
#include "core/field.h"
#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CP_FUZZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static cp_column_map_t cp_fuzz_cols[] = {
        { "行政相对人名称", CP_F_SUBJECT_NAME },
        { "name", CP_F_SUBJECT_NAME },
        { "决定日期", CP_F_DECISION_DATE },
        { "date", CP_F_DECISION_DATE },
};

static int cp_fuzz_emit(void *opaque, cp_batch_t *bat)
{
        uint64_t *last = opaque;

        for (size_t i = 0; i < bat->bat_n; i++) {
                const cp_record_t *r = &bat->bat_rec[i];

                CP_FUZZ_CHECK(r->rec_raw != NULL);
                /* Sheet number in rec_offset, row in rec_line. */
                CP_FUZZ_CHECK((r->rec_offset << 32 | r->rec_line) > *last);
                *last = r->rec_offset << 32 | r->rec_line;
        }
        cp_batch_destroy(bat);
        return CP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        cp_source_conf_t src = {
                .src_id = "fuzz",
                .src_format = CP_FMT_XLSX,
                .src_columns = cp_fuzz_cols,
                .src_ncolumns = sizeof(cp_fuzz_cols) / sizeof(cp_fuzz_cols[0]),
                .src_keep_unmapped = true,
        };
        char path[64], err[1024] = "";
        uint64_t last = 0;
        int fd, rc;

        fd = memfd_create("fuzz_xlsx", 0);
        CP_FUZZ_CHECK(fd >= 0);
        CP_FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        rc = cp_ingest_file(&src, 0, path, 7, cp_fuzz_emit, &last, err,
                            sizeof(err));
        CP_FUZZ_CHECK(rc == CP_OK || err[0] != '\0');
        close(fd);
        return 0;
}
