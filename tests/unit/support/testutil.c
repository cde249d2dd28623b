#include "testutil.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/err.h"

char t_dir[64];

static int t_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

int t_tmpdir_setup(void **state)
{
        (void)state;
        strcpy(t_dir, "/tmp/cp_test.XXXXXX");
        return mkdtemp(t_dir) ? 0 : -1;
}

int t_tmpdir_teardown(void **state)
{
        (void)state;
        return nftw(t_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
}

const char *t_path(const char *name)
{
        static char paths[8][256];
        static int next;
        char *p = paths[next++ % 8];

        snprintf(p, 256, "%s/%s", t_dir, name);
        return p;
}

const char *t_write_bytes(const char *name, const void *data, size_t len)
{
        const char *p = t_path(name);
        FILE *f = fopen(p, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        fclose(f);
        return p;
}

const char *t_write_text(const char *name, const char *text)
{
        return t_write_bytes(name, text, strlen(text));
}

int t_emit(void *opaque, cp_batch_t *bat)
{
        t_sink_t *s = opaque;

        assert_true(bat->bat_n > 0);
        if (s->fail_at && s->n + 1 == s->fail_at) {
                cp_batch_destroy(bat);  /* ownership came with the call */
                return CP_ERR_CLOSED;
        }
        assert_true(s->n < sizeof(s->bat) / sizeof(s->bat[0]));
        s->bat[s->n++] = bat;
        return CP_OK;
}

void t_sink_free(t_sink_t *s)
{
        for (size_t i = 0; i < s->n; i++)
                cp_batch_destroy(s->bat[i]);
        s->n = 0;
}

cp_record_t *t_rec(t_sink_t *s, size_t i)
{
        for (size_t b = 0; b < s->n; b++) {
                if (i < s->bat[b]->bat_n)
                        return &s->bat[b]->bat_rec[i];
                i -= s->bat[b]->bat_n;
        }
        fail_msg("no record %zu", i);
        return NULL;
}

size_t t_nrec(const t_sink_t *s)
{
        size_t n = 0;

        for (size_t b = 0; b < s->n; b++)
                n += s->bat[b]->bat_n;
        return n;
}

const char *t_extra(const cp_record_t *rec, const char *name)
{
        for (uint32_t i = 0; i < rec->rec_nextra; i++)
                if (!strcmp(rec->rec_extra[i].ex_name, name))
                        return rec->rec_extra[i].ex_value;
        return NULL;
}

cp_record_t *t_penalty(cp_batch_t *bat, int i, const char *date)
{
        cp_record_t *r = cp_batch_add(bat);
        char name[32], doc[64];

        snprintf(name, sizeof(name), "公司%d", i);
        snprintf(doc, sizeof(doc), "京罚〔2021〕%d号", i);
        r->rec_field[CP_F_SUBJECT_NAME] = cp_arena_strndup(&bat->bat_arena, name, strlen(name));
        r->rec_field[CP_F_DOCUMENT_NUMBER] = cp_arena_strndup(&bat->bat_arena, doc, strlen(doc));
        r->rec_field[CP_F_AUTHORITY] = "北京市市场监督管理局";
        r->rec_field[CP_F_DECISION_DATE] = date;
        return r;
}
