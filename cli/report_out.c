#include "report_out.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

void cp_report_print(FILE *out, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_source_stats_t tot = {0};

        fprintf(out, "%-20s %-9s %-19s %10s %9s %10s %10s %10s %10s %8s\n",
                "source", "role", "category", "read", "rejects", "duplicates",
                "produced", "unique", "shared", "sharing");
        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                const cp_source_conf_t *src = &conf->conf_sources[i];

                fprintf(out, "%-20s %-9s %-19s %10" PRIu64 " %9" PRIu64 " %10" PRIu64
                        " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %7.1f%%\n",
                        src->src_id, cp_role_name(src->src_role),
                        cp_category_name(src->src_category), st->st_read,
                        st->st_rejects, st->st_duplicates, st->st_produced,
                        st->st_unique_keys, st->st_shared, 100.0 * cp_report_rate(st));
                tot.st_read += st->st_read;
                tot.st_rejects += st->st_rejects;
                tot.st_duplicates += st->st_duplicates;
                tot.st_produced += st->st_produced;
        }
        fprintf(out, "%-20s %-9s %-19s %10" PRIu64 " %9" PRIu64 " %10" PRIu64
                " %10" PRIu64 "\n", "total", "", "", tot.st_read, tot.st_rejects,
                tot.st_duplicates, tot.st_produced);
        fprintf(out, "sharing = keys also in the central records / unique keys the source reported\n");
}

static json_t *cp_report_json(const cp_conf_t *conf, const cp_report_t *rep)
{
        json_t *root = json_object(), *srcs = json_array();
        uint64_t read = 0, produced = 0, dups = 0, rejects = 0;

        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];
                const cp_source_conf_t *src = &conf->conf_sources[i];

                json_array_append_new(srcs, json_pack(
                        "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
                        "source", src->src_id, "role", cp_role_name(src->src_role),
                        "category", cp_category_name(src->src_category),
                        "read", (json_int_t)st->st_read,
                        "rejects", (json_int_t)st->st_rejects,
                        "duplicates", (json_int_t)st->st_duplicates,
                        "produced", (json_int_t)st->st_produced,
                        "unique_keys", (json_int_t)st->st_unique_keys,
                        "shared_with_central", (json_int_t)st->st_shared,
                        "sharing_rate", cp_report_rate(st)));
                read += st->st_read;
                produced += st->st_produced;
                dups += st->st_duplicates;
                rejects += st->st_rejects;
        }
        json_object_set_new(root, "schema_version", json_integer(1));
        json_object_set_new(root, "generated_at_ms", json_integer(rep->rep_generated_ms));
        json_object_set_new(root, "totals", json_pack(
                "{s:I, s:I, s:I, s:I, s:I}", "read", (json_int_t)read,
                "produced", (json_int_t)produced, "duplicates", (json_int_t)dups,
                "rejects", (json_int_t)rejects,
                "central_keys", (json_int_t)rep->rep_central_keys));
        json_object_set_new(root, "sources", srcs);
        return root;
}

int cp_report_write_json(const char *path, const cp_conf_t *conf,
                         const cp_report_t *rep, char *errstr, size_t errstr_size)
{
        char tmp[4096];
        json_t *root = cp_report_json(conf, rep);
        int rc;

        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        /* Real numbers with 17 significant digits round-trip exactly. */
        rc = json_dump_file(root, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
        json_decref(root);
        if (rc || rename(tmp, path)) {
                snprintf(errstr, errstr_size, "%s: cannot write the report: %s", path,
                         strerror(errno));
                remove(tmp);
                return CP_ERR_IO;
        }
        return CP_OK;
}
