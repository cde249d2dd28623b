/*
 * Writing credpipe.yaml for the generated feeds (see gen_conf.h).
 *
 * DESIGN: YAML plain scalars are safe for our ids and Chinese column
 * names, but a value with ': ', ' #', a leading indicator character or a
 * word YAML would read as a number, boolean or null changes meaning; such
 * values are double-quoted. Regions are always quoted: "100000" is a
 * code, not a number.
 */
#include "gen_conf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen_model.h"
#include "gen_portal.h"
#include "gen_source.h"
#include "gen_view.h"

static bool cp_gen_yaml_needs_quotes(const char *s)
{
        static const char *const words[] = {
                "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n", NULL,
        };
        size_t len = strlen(s);
        bool numeric = len > 0;

        if (!len || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[len - 1] == ' ' ||
            s[len - 1] == ':' || strstr(s, ": ") || strstr(s, " #") ||
            strpbrk(s, "\t\r\n"))
                return true;
        for (const char *const *w = words; *w; w++)
                if (!strcasecmp(s, *w))
                        return true;
        for (const char *p = s; *p; p++)
                if (!strchr("0123456789.+-eE_xXoO", *p))
                        numeric = false;
        return numeric;
}

static void cp_gen_yaml_scalar(FILE *fp, const char *s, bool force_quotes)
{
        if (!force_quotes && !cp_gen_yaml_needs_quotes(s)) {
                fputs(s, fp);
                return;
        }
        fputc('"', fp);
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        fputc('\\', fp);
                fputc(*s, fp);
        }
        fputc('"', fp);
}

int cp_gen_conf_write(const char *dir, uint64_t seed, uint64_t rows, bool portal,
                      char *errstr, size_t errstr_size)
{
        char *path;
        FILE *fp;

        if (asprintf(&path, "%s/%s", dir, portal ? "credpipe-portal.yaml" : "credpipe.yaml") < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (!(fp = fopen(path, "wb"))) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                free(path);
                return -1;
        }
        fprintf(fp, "# credpipe configuration written by `credpipe gen --seed %llu --rows %llu`\n"
                "# The feeds are in feeds/; truth.json next to this file holds the counts\n"
                "# `credpipe run --report-json` must reproduce over them.\n"
                "%s"
                "topics:\n"
                "  records: credpipe.records\n"
                "  rejects: credpipe.rejects\n"
                "  sharing: credpipe.sharing\n"
                "  partitions: 6\n"
                "# The feeds' dates are drawn around this day: truth.json's classes\n"
                "# (expired, not yet due, ...) hold on it, not on the day of the run.\n"
                "completeness:\n"
                "  as_of: \"%04d-%02d-%02d\"\n"
                "sources:\n",
                (unsigned long long)seed, (unsigned long long)rows,
                portal ? "# This one reads two of them from the pages in portal/, served over\n"
                         "# HTTP: replace @PORTAL@ by the server's base URL. Its truth is\n"
                         "# truth-portal.json (the same figures, rejects at page positions).\n" : "",
                CP_GEN_AS_OF_Y, CP_GEN_AS_OF_M, CP_GEN_AS_OF_D);
        for (int s = 0; s < cp_gen_nsources; s++) {
                const cp_gen_source_t *src = &cp_gen_sources[s];
                const cp_gen_portal_t *pt = portal ? cp_gen_portal_of(src->src_id) : NULL;
                bool extras = false;
                char rel[256];

                fprintf(fp, "%s  # %s\n  - id: ", s ? "\n" : "", src->src_note);
                cp_gen_yaml_scalar(fp, src->src_id, false);
                fprintf(fp, "\n    role: %s\n    category: %s\n    region: ",
                        src->src_role, src->src_category);
                cp_gen_yaml_scalar(fp, src->src_region, true);
                fputc('\n', fp);
                if (pt) {
                        cp_gen_portal_conf(fp, pt);
                } else {
                        fprintf(fp, "    format: %s\n    paths: [",
                                src->src_format == CP_GEN_CSV ? "csv" :
                                src->src_format == CP_GEN_XLSX ? "xlsx" : "jsonl");
                        snprintf(rel, sizeof(rel), "feeds/%s", src->src_file);
                        cp_gen_yaml_scalar(fp, rel, false);
                        fputs("]\n", fp);
                }
                if (src->src_format == CP_GEN_CSV && src->src_encoding)
                        fprintf(fp, "    encoding: %s\n",
                                !strcmp(src->src_encoding, "GB18030") ? "gb18030" :
                                src->src_encoding);
                if (src->src_amount_unit)
                        fprintf(fp, "    amount_unit: %s\n", src->src_amount_unit);
                /* The regimes the truth's classes were computed with
                 * (gen_view.c), named even where they are the default. */
                fputs("    publication_rules: [", fp);
                for (int r = 0; cp_gen_regimes[src->src_cat][r]; r++)
                        fprintf(fp, "%s%s", r ? ", " : "", cp_gen_regimes[src->src_cat][r]);
                fputs("]\n", fp);
                fputs("    columns:\n", fp);
                for (int i = 0; i < src->src_ncols; i++) {
                        if (!src->src_cols[i].col_field)
                                continue;
                        fputs("      ", fp);
                        cp_gen_yaml_scalar(fp, src->src_cols[i].col_name, false);
                        fprintf(fp, ": %s\n", src->src_cols[i].col_field);
                }
                /* Unmapped columns are carried as extras (keep_unmapped). */
                for (int i = 0; i < src->src_ncols; i++) {
                        if (src->src_cols[i].col_field)
                                continue;
                        fputs(extras ? ", " : "    # carried as extras: ", fp);
                        fputs(src->src_cols[i].col_name, fp);
                        extras = true;
                }
                if (extras)
                        fputc('\n', fp);
        }
        if (fclose(fp)) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                free(path);
                return -1;
        }
        free(path);
        return 0;
}
