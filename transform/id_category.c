/*
 * The USCC department × category table (domain.md §1.5) as data.
 *
 * DESIGN: the table is incomplete by the domain's own account (§1.5.2:
 * pairs from one 2025 source, §8 item 1: the full official list is open),
 * so §1.5 asks for it to be loaded from configuration: a pair confirmed
 * later must not need a new build. The built-in table stays the default,
 * so a daemon without the config key behaves as before, and
 * data/uscc_categories.tsv ships the same pairs in the file format; a unit
 * test keeps the two equal.
 *
 * The built-in pairs are two strings (a pair confirmed later is a one-word
 * change), scanned as before. A loaded file becomes a 31 × 31 status
 * matrix indexed by symbol value: fixed size, no allocation, and a lookup
 * that costs the same however many pairs the file adds. Loading happens
 * once at start-up, before any thread checks identifiers, so the table is
 * read without locks; a failed load leaves the active table untouched.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "id_internal.h"

#define CP_CAT_SYMBOLS 31

/* Core: §1.5.1, reproduced by independent tables and real codes.
 * Extended: §1.5.2, one source only. */
static const char cp_cat_core_pairs[] =
        "11 12 13 19 21 29 31 32 33 34 35 39 41 49 51 52 53 59 61 62 69 "
        "71 72 79 81 89 91 92 93 A1 A9 N1 N2 N3 N9 Y1";
static const char cp_cat_ext_pairs[] =
        "36 54 55 82 99 G1 G9 J1 J9 Q1 Q2 Q3 Q9";

/* The loaded table (cp_id_category_t per pair); used when cp_cat_loaded. */
static unsigned char cp_cat_table[CP_CAT_SYMBOLS][CP_CAT_SYMBOLS];
static bool cp_cat_loaded;

static bool cp_cat_pair_in(const char *table, char dept, char cat)
{
        for (const char *p = table; p[0] && p[1]; p += 2 + (p[2] == ' '))
                if (p[0] == dept && p[1] == cat)
                        return true;
        return false;
}

cp_id_category_t cp_id_category(char dept, char cat)
{
        int dv = cp_uscc_value(dept), cv = cp_uscc_value(cat);

        if (dv < 0 || cv < 0)
                return CP_ID_CATEGORY_UNKNOWN;
        if (cp_cat_loaded)
                return (cp_id_category_t)cp_cat_table[dv][cv];
        if (cp_cat_pair_in(cp_cat_core_pairs, dept, cat))
                return CP_ID_CATEGORY_CORE;
        if (cp_cat_pair_in(cp_cat_ext_pairs, dept, cat))
                return CP_ID_CATEGORY_EXTENDED;
        return CP_ID_CATEGORY_UNKNOWN;
}

void cp_id_default_categories(void)
{
        cp_cat_loaded = false;
}

/* Parser state: where we are, for messages that name file and line. */
typedef struct cp_cat_load_s {
        const char *path;
        size_t line;
        char *errstr;
        size_t errstr_size;
} cp_cat_load_t;

static int cp_cat_error(cp_cat_load_t *ld, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int cp_cat_error(cp_cat_load_t *ld, int rc, const char *fmt, ...)
{
        char msg[256];
        va_list ap;

        if (!ld->errstr || !ld->errstr_size)
                return rc;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (ld->line)
                snprintf(ld->errstr, ld->errstr_size, "%s:%zu: %s", ld->path,
                         ld->line, msg);
        else
                snprintf(ld->errstr, ld->errstr_size, "%s: %s", ld->path, msg);
        return rc;
}

/* Splits line at tabs into at most max fields. @returns the field count,
 * max + 1 when there are more. */
static int cp_cat_split(char *line, char **f, int max)
{
        int n = 0;

        for (char *p = line;;) {
                char *tab = strchr(p, '\t');

                if (n == max)
                        return max + 1;
                f[n++] = p;
                if (!tab)
                        return n;
                *tab = '\0';
                p = tab + 1;
        }
}

static bool cp_cat_blank(const char *s)
{
        return s[strspn(s, " \t")] == '\0';
}

/* One data line into table/first_line. @returns CP_OK or CP_ERR_PARSE. */
static int cp_cat_line(cp_cat_load_t *ld, char *line,
                       unsigned char table[CP_CAT_SYMBOLS][CP_CAT_SYMBOLS],
                       size_t first_line[CP_CAT_SYMBOLS][CP_CAT_SYMBOLS])
{
        char *f[3];
        int n = cp_cat_split(line, f, 3), dv, cv;
        cp_id_category_t st;

        if (n != 3)
                return cp_cat_error(ld, CP_ERR_PARSE,
                                    "expected 3 tab-separated columns (pair, status, "
                                    "description), found %s",
                                    n > 3 ? "more" : n == 2 ? "2" : "1");
        dv = cp_uscc_value(f[0][0]);
        cv = dv < 0 ? -1 : cp_uscc_value(f[0][1]);
        /* Cells are quoted only when short or digit-free: a file of
         * identifiers given by mistake must not reach the log through
         * the message (the rule of cp_id_mask and cmd_id.c). */
        if (strlen(f[0]) > 3)
                return cp_cat_error(ld, CP_ERR_PARSE,
                                    "the pair column holds %zu bytes, not 2 characters "
                                    "of the USCC set", strlen(f[0]));
        if (strlen(f[0]) != 2 || dv < 0 || cv < 0)
                return cp_cat_error(ld, CP_ERR_PARSE,
                                    "pair '%s' is not two characters of the USCC set "
                                    "(0-9 and A-Y without I, O, S, V, Z; upper case)",
                                    f[0]);
        if (!strcmp(f[1], "core"))
                st = CP_ID_CATEGORY_CORE;
        else if (!strcmp(f[1], "extended"))
                st = CP_ID_CATEGORY_EXTENDED;
        else if (strlen(f[1]) <= 16 && !strpbrk(f[1], "0123456789"))
                return cp_cat_error(ld, CP_ERR_PARSE,
                                    "status '%s' of pair %s is neither 'core' nor "
                                    "'extended'", f[1], f[0]);
        else
                return cp_cat_error(ld, CP_ERR_PARSE,
                                    "status of pair %s is neither 'core' nor 'extended'",
                                    f[0]);
        if (cp_cat_blank(f[2]))
                return cp_cat_error(ld, CP_ERR_PARSE,
                                    "pair %s has no description", f[0]);
        if (first_line[dv][cv])
                return cp_cat_error(ld, CP_ERR_PARSE,
                                    "pair %s is listed twice (first on line %zu)",
                                    f[0], first_line[dv][cv]);
        first_line[dv][cv] = ld->line;
        table[dv][cv] = (unsigned char)st;
        return CP_OK;
}

int cp_id_load_categories(const char *path, char *errstr, size_t errstr_size)
{
        cp_cat_load_t ld = {path ? path : "(null)", 0, errstr, errstr_size};
        unsigned char table[CP_CAT_SYMBOLS][CP_CAT_SYMBOLS];
        size_t first_line[CP_CAT_SYMBOLS][CP_CAT_SYMBOLS];
        bool header_seen = false;
        size_t npairs = 0, cap = 0;
        char *line = NULL;
        ssize_t len;
        int rc = CP_OK;
        FILE *f;

        if (!path)
                return cp_cat_error(&ld, CP_ERR_IO, "no file name given");
        f = fopen(path, "r");
        if (!f)
                return cp_cat_error(&ld, CP_ERR_IO, "cannot open: %s", strerror(errno));
        memset(table, 0, sizeof(table));
        memset(first_line, 0, sizeof(first_line));
        while ((len = getline(&line, &cap, f)) >= 0) {
                char *s = line;

                ld.line++;
                if (strlen(line) != (size_t)len) {
                        rc = cp_cat_error(&ld, CP_ERR_PARSE, "NUL byte in line");
                        break;
                }
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                /* Editors on Windows save UTF-8 with a BOM. */
                if (ld.line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
                        s += 3;
                if (s[0] == '#' || cp_cat_blank(s))
                        continue;
                /* A column header may open the table, and only there. */
                if (!header_seen && !npairs &&
                    !strcmp(s, "pair\tstatus\tdescription")) {
                        header_seen = true;
                        continue;
                }
                rc = cp_cat_line(&ld, s, table, first_line);
                if (rc != CP_OK)
                        break;
                npairs++;
        }
        if (rc == CP_OK && ferror(f))
                rc = cp_cat_error(&ld, CP_ERR_IO, "read error: %s", strerror(errno));
        free(line);
        fclose(f);
        if (rc != CP_OK)
                return rc;
        if (!npairs) {
                /* Every USCC would become category_unknown: surely a
                 * wrong file, not a wish. */
                ld.line = 0;
                return cp_cat_error(&ld, CP_ERR_PARSE,
                                    "no department/category pairs in the file");
        }
        memcpy(cp_cat_table, table, sizeof(table));
        cp_cat_loaded = true;
        return CP_OK;
}
