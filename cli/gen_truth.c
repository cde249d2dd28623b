/*
 * The expected result of the generated feeds (see gen_truth.h).
 *
 * DESIGN: per source, unique keys are the entries it holds and shared
 * keys those of them central holds; a central source shares all of its
 * keys (rate 1). `produced` is the number of universe entries some source
 * holds: entries are distinct keys by construction, and a key belongs to
 * exactly one category's universe. duplicates = read - rejects - produced,
 * as the daemon accounts: each record is a reject, a new key or a repeat.
 */
#include "gen_truth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen_out.h"

int cp_gen_truth_open(cp_gen_truth_t *tr, const char *dir, char *errstr,
                      size_t errstr_size)
{
        memset(tr, 0, sizeof(*tr));
        tr->tr_src = calloc((size_t)cp_gen_nsources, sizeof(*tr->tr_src));
        if (!tr->tr_src || asprintf(&tr->tr_rejects_path, "%s/.truth-rejects.tmp", dir) < 0) {
                tr->tr_rejects_path = NULL;
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (!(tr->tr_rejects = fopen(tr->tr_rejects_path, "w+"))) {
                snprintf(errstr, errstr_size, "%s: %s", tr->tr_rejects_path, strerror(errno));
                return -1;
        }
        return 0;
}

void cp_gen_truth_reject(cp_gen_truth_t *tr, const cp_gen_source_t *src,
                         uint64_t line, const char *reason, const char *detail)
{
        fputs(tr->tr_nrejects++ ? ",\n  {\"source\": " : "  {\"source\": ",
              tr->tr_rejects);
        cp_gen_json_fputs(tr->tr_rejects, src->src_id);
        fputs(", \"file\": ", tr->tr_rejects);
        cp_gen_json_fputs(tr->tr_rejects, src->src_file);
        fprintf(tr->tr_rejects, ", \"line\": %llu, \"reason\": ", (unsigned long long)line);
        cp_gen_json_fputs(tr->tr_rejects, reason);
        fputs(", \"detail\": ", tr->tr_rejects);
        cp_gen_json_fputs(tr->tr_rejects, detail);
        fputs("}", tr->tr_rejects);
}

void cp_gen_truth_count_produced(cp_gen_truth_t *tr, const cp_gen_plan_t *pl)
{
        tr->tr_produced = 0;
        for (int cat = 0; cat < CP_GEN_CAT__COUNT; cat++) {
                for (uint64_t g = 0; g < pl->pl_n[cat]; g++) {
                        int cls = cp_gen_class_of(pl, cat, g);

                        for (int s = 0; s < cp_gen_nsources; s++) {
                                const cp_gen_source_t *src = &cp_gen_sources[s];
                                if (src->src_cat == cat && cp_gen_source_holds(pl, src, g, cls)) {
                                        tr->tr_produced++;
                                        break;
                                }
                        }
                }
        }
}

int cp_gen_truth_write(cp_gen_truth_t *tr, const char *dir, char *errstr,
                       size_t errstr_size)
{
        uint64_t read = 0, rejects = 0;
        char *path = NULL, buf[65536];
        FILE *fp;
        size_t n;
        int err = 0;

        for (int s = 0; s < cp_gen_nsources; s++) {
                read += tr->tr_src[s].st_read;
                rejects += tr->tr_src[s].st_rejects;
        }
        if (asprintf(&path, "%s/truth.json", dir) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (!(fp = fopen(path, "wb"))) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                free(path);
                return -1;
        }
        fprintf(fp, "{\"schema_version\": 1,\n"
                " \"totals\": {\"read\": %llu, \"produced\": %llu, \"duplicates\": %llu, "
                "\"rejects\": %llu},\n \"sources\": [",
                (unsigned long long)read, (unsigned long long)tr->tr_produced,
                (unsigned long long)(read - rejects - tr->tr_produced),
                (unsigned long long)rejects);
        for (int s = 0; s < cp_gen_nsources; s++) {
                const cp_gen_source_t *src = &cp_gen_sources[s];
                const cp_gen_stats_t *st = &tr->tr_src[s];
                double rate = st->st_unique ? (double)st->st_shared / (double)st->st_unique : 0.0;

                fprintf(fp, "%s\n  {\"source\": \"%s\", \"role\": \"%s\", \"category\": \"%s\", "
                        "\"read\": %llu, \"rejects\": %llu, \"unique_keys\": %llu, "
                        "\"shared_with_central\": %llu, \"sharing_rate\": %.17g}",
                        s ? "," : "", src->src_id, src->src_role, src->src_category,
                        (unsigned long long)st->st_read, (unsigned long long)st->st_rejects,
                        (unsigned long long)st->st_unique, (unsigned long long)st->st_shared,
                        rate);
        }
        fputs("],\n \"rejects\": [", fp);
        if (tr->tr_nrejects)
                fputs("\n", fp);
        if (fflush(tr->tr_rejects) || fseek(tr->tr_rejects, 0, SEEK_SET))
                err = errno;
        while (!err && (n = fread(buf, 1, sizeof(buf), tr->tr_rejects)) > 0)
                if (fwrite(buf, 1, n, fp) != n)
                        err = errno;
        if (!err && ferror(tr->tr_rejects))
                err = EIO;
        fputs("]}\n", fp);
        if (fclose(fp) && !err)
                err = errno;
        if (err)
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(err));
        free(path);
        return err ? -1 : 0;
}

void cp_gen_truth_close(cp_gen_truth_t *tr)
{
        if (tr->tr_rejects)
                fclose(tr->tr_rejects);
        if (tr->tr_rejects_path)
                unlink(tr->tr_rejects_path);
        free(tr->tr_rejects_path);
        free(tr->tr_src);
        memset(tr, 0, sizeof(*tr));
}
