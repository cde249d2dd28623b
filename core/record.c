#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cp_batch_t *cp_batch_new(uint32_t source, size_t cap)
{
        cp_batch_t *bat = calloc(1, sizeof(*bat));

        if (!bat)
                return NULL;
        bat->bat_rec = calloc(cap, sizeof(*bat->bat_rec));
        if (!bat->bat_rec) {
                free(bat);
                return NULL;
        }
        bat->bat_cap = cap;
        bat->bat_source = source;
        cp_arena_init(&bat->bat_arena, 256 * 1024);
        return bat;
}

cp_record_t *cp_batch_add(cp_batch_t *bat)
{
        cp_record_t *rec;

        if (bat->bat_n == bat->bat_cap)
                return NULL;
        rec = &bat->bat_rec[bat->bat_n++];
        memset(rec, 0, sizeof(*rec));
        rec->rec_reject_field = -1;
        return rec;
}

void cp_batch_reset(cp_batch_t *bat, uint32_t source)
{
        bat->bat_n = 0;
        bat->bat_source = source;
        bat->bat_kind = CP_BATCH_RECORDS;
        bat->bat_file = NULL;
        bat->bat_file_records = bat->bat_file_offset = 0;
        bat->bat_replay = 0;
        bat->bat_barrier = NULL;
        cp_arena_reset(&bat->bat_arena);
}

void cp_batch_destroy(cp_batch_t *bat)
{
        if (!bat)
                return;
        cp_arena_free(&bat->bat_arena);
        free(bat->bat_rec);
        free(bat);
}

void cp_record_reject(cp_batch_t *bat, cp_record_t *rec, const char *code,
                      int field, const char *fmt, ...)
{
        char buf[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        rec->rec_status = CP_REC_REJECTED;
        rec->rec_reject_code = code;
        rec->rec_reject_field = field;
        /* On allocation failure the code still says what went wrong. */
        rec->rec_reject_msg = cp_arena_strndup(&bat->bat_arena, buf,
                                               strlen(buf));
}
