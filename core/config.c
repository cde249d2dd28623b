/*
 * Configuration loader (YAML, through libyaml's document API).
 *
 * DESIGN: the whole file is loaded as a node tree first, so every error can
 * name the file and line of the offending key. Each mapping is checked
 * against the list of keys it may hold: an unknown key is an error, never
 * ignored, because a typo that silently keeps a default is the hardest
 * configuration bug to find. Defaults live in cp_conf_defaults().
 *
 * The keys each mapping may hold, the ranges of numbers and durations, the
 * values of enumerations and the numeric defaults come from the schema
 * table (core/config_schema.c), from which docs/configuration.md's tables
 * are generated: the loader and the docs cannot disagree on them. A new
 * key is a row there plus its branch here (that file's table says how).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config_schema.h"
#include "field.h"
#include "metrics.h"
#include "presets.h"
#include "log.h"

/* The value of a `columns` line that removes a column of the preset. */
#define CP_COLUMN_UNMAPPED "unmapped"
#define CP_FIELD_UNMAPPED (-1)

#define CP_NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef struct cp_conf_ctx_s {
        yaml_document_t *doc;
        const char *path;
        char *dir;          /* directory of the file, for relative paths */
        char *errstr;
        size_t errstr_size;
        int failed;
} cp_conf_ctx_t;

static const char *const cp_category_names[] = {
        [1] = "basic_info", [2] = "admin_permit", [3] = "admin_penalty",
        [4] = "abnormal_operation", [5] = "blacklist", [6] = "redlist",
        [7] = "judgment_defaulter", [8] = "rating",
};

const char *cp_category_name(int category)
{
        if (category < 1 || category > 8)
                return "?";
        return cp_category_names[category];
}

int cp_category_by_name(const char *name)
{
        for (int i = 1; i <= 8; i++)
                if (!strcmp(cp_category_names[i], name))
                        return i;
        return -1;
}

const char *cp_role_name(cp_role_t role)
{
        switch (role) {
        case CP_ROLE_SECTORAL: return "sectoral";
        case CP_ROLE_MUNICIPAL: return "municipal";
        case CP_ROLE_CENTRAL: return "central";
        }
        return "?";
}

/* Records the first error only: later ones are usually consequences. */
static void cp_conf_fail(cp_conf_ctx_t *cx, const yaml_node_t *node,
                         const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cp_conf_fail(cp_conf_ctx_t *cx, const yaml_node_t *node,
                         const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        if (cx->failed++)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (node)
                snprintf(cx->errstr, cx->errstr_size, "%s:%zu: %s", cx->path,
                         node->start_mark.line + 1, msg);
        else
                snprintf(cx->errstr, cx->errstr_size, "%s: %s", cx->path, msg);
}

static yaml_node_t *cp_node(cp_conf_ctx_t *cx, int id)
{
        return yaml_document_get_node(cx->doc, id);
}

static const char *cp_scalar(cp_conf_ctx_t *cx, const yaml_node_t *n,
                             const char *key)
{
        if (!n || n->type != YAML_SCALAR_NODE) {
                cp_conf_fail(cx, n, "'%s' must be a single value", key);
                return NULL;
        }
        return (const char *)n->data.scalar.value;
}

static char *cp_strdup_scalar(cp_conf_ctx_t *cx, const yaml_node_t *n,
                              const char *key)
{
        const char *s = cp_scalar(cx, n, key);

        if (!s)
                return NULL;
        if (!*s) {
                cp_conf_fail(cx, n, "'%s' must not be empty", key);
                return NULL;
        }
        return strdup(s);
}

static int cp_int_scalar(cp_conf_ctx_t *cx, const yaml_node_t *n,
                         const char *key, long min, long max, int *out)
{
        const char *s = cp_scalar(cx, n, key);
        char *end;
        long v;

        if (!s)
                return -1;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max) {
                cp_conf_fail(cx, n, "'%s' must be a whole number from %ld to %ld, not '%s'",
                             key, min, max, s);
                return -1;
        }
        *out = (int)v;
        return 0;
}

static int cp_bool_scalar(cp_conf_ctx_t *cx, const yaml_node_t *n,
                          const char *key, bool *out)
{
        const char *s = cp_scalar(cx, n, key);

        if (!s)
                return -1;
        if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
                *out = true;
        } else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
                *out = false;
        } else {
                cp_conf_fail(cx, n, "'%s' must be true or false, not '%s'", key, s);
                return -1;
        }
        return 0;
}

/*
 * Checks that a mapping holds only the keys the schema gives its section:
 * "" is the top level, "sources[]" a source, "sources[].http" the http
 * mapping of one (core/config_schema.h). The message lists them.
 */
static int cp_check_keys(cp_conf_ctx_t *cx, const yaml_node_t *map, const char *section)
{
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
             p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = cp_node(cx, p->key);
                const char *name = cp_scalar(cx, k, "key");
                const char *last = strrchr(section, '.');
                char where[80], list[512];

                if (!name)
                        return -1;
                if (cp_schema_allows(section, name))
                        continue;
                if (!*section)
                        snprintf(where, sizeof(where), "the top level");
                else if (!strcmp(section, "sources[]"))
                        snprintf(where, sizeof(where), "a source");
                else
                        snprintf(where, sizeof(where), "'%s'", last ? last + 1 : section);
                cp_schema_child_list(section, list, sizeof(list));
                cp_conf_fail(cx, k, "unknown key '%s' in %s (known keys: %s)", name, where,
                             list);
                return -1;
        }
        return 0;
}

/* A key that the schema lists and no branch of its mapping's loop reads: a
 * bug of this file, reported rather than ignored. */
static int cp_unread_key(cp_conf_ctx_t *cx, const yaml_node_t *n, const char *key)
{
        cp_conf_fail(cx, n, "internal error: key '%s' is in core/config_schema.c, and "
                     "core/config.c does not read it", key);
        return -1;
}

/* The schema's row of a key this file reads. No row, or one of another
 * type, is a bug here (a misspelt path): reported as one. */
static const cp_schema_key_t *cp_key_row(cp_conf_ctx_t *cx, const yaml_node_t *n,
                                         const char *path, cp_schema_type_t type)
{
        const cp_schema_key_t *k = cp_schema_find(path);

        if (!k || k->sk_type != type) {
                cp_conf_fail(cx, n, "internal error: core/config_schema.c has no key %s "
                             "of the type core/config.c reads", path);
                return NULL;
        }
        return k;
}

/* The last segment of a path: what messages about numbers and values
 * have always called a key ('partitions', 'mode'). */
static const char *cp_key_name(const char *path)
{
        const char *dot = strrchr(path, '.');

        return dot ? dot + 1 : path;
}

/* The default of a whole-number or duration key (in ms), from the schema. */
static int cp_key_default(cp_conf_ctx_t *cx, const char *path)
{
        const cp_schema_key_t *k = cp_schema_find(path);

        if (!k || k->sk_default ||
            (k->sk_type != CP_SCHEMA_INT && k->sk_type != CP_SCHEMA_DURATION)) {
                cp_conf_fail(cx, NULL, "internal error: core/config_schema.c has no "
                             "numeric default for %s", path);
                return 0;
        }
        return (int)k->sk_dflt;
}

/* A whole number in the range the schema gives the key. */
static int cp_int_key(cp_conf_ctx_t *cx, const yaml_node_t *n, const char *path, int *out)
{
        const cp_schema_key_t *k = cp_key_row(cx, n, path, CP_SCHEMA_INT);

        return k ? cp_int_scalar(cx, n, cp_key_name(path), k->sk_min, k->sk_max, out) : -1;
}

/* What a value of an enumeration means here. */
typedef struct cp_enum_map_s {
        const char *em_name;
        int em_value;
} cp_enum_map_t;

/*
 * One of the values the schema gives the key, mapped through `map`. The
 * schema decides what is accepted (and documented); the map must name
 * exactly its values, checked whenever the key is read, so that a value
 * added to one and not the other fails every configuration using the key
 * instead of being read as something else.
 */
static int cp_enum_key(cp_conf_ctx_t *cx, const yaml_node_t *n, const char *path,
                       const cp_enum_map_t *map, size_t nmap, int *out)
{
        const cp_schema_key_t *k = cp_key_row(cx, n, path, CP_SCHEMA_ENUM);
        const char *s;
        char list[256] = "";
        size_t cnt = 0, used = 0;

        if (!k || !(s = cp_scalar(cx, n, cp_key_name(path))))
                return -1;
        for (; k->sk_values[cnt]; cnt++) {
                size_t m = 0;

                while (m < nmap && strcmp(map[m].em_name, k->sk_values[cnt]))
                        m++;
                if (m == nmap)
                        nmap = 0;  /* reported below */
        }
        if (cnt != nmap) {
                cp_conf_fail(cx, n, "internal error: the values of %s in core/config_schema.c "
                             "and core/config.c differ", path);
                return -1;
        }
        for (size_t m = 0; m < nmap; m++) {
                if (!strcmp(map[m].em_name, s)) {
                        *out = map[m].em_value;
                        return 0;
                }
        }
        for (size_t i = 0; i < cnt && used < sizeof(list); i++)
                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
                                         !i ? "" : i + 1 < cnt ? ", " : " or ",
                                         k->sk_values[i]);
        cp_conf_fail(cx, n, "'%s' must be %s, not '%s'", cp_key_name(path), list, s);
        return -1;
}

/* Iterates the pairs of a mapping node as (key text, value node). Helper
 * names derive from kname so that loops nest without shadowing. Keys that
 * are not plain scalars were refused by cp_check_keys or fail cp_scalar. */
#define CP_FOREACH_PAIR(cx, map, kname, vnode)                                    \
        for (yaml_node_pair_t *kname##_p = (map)->data.mapping.pairs.start;        \
             kname##_p < (map)->data.mapping.pairs.top; kname##_p++)               \
                for (const char *kname = cp_key_text(cx, kname##_p), *kname##_1 = kname; \
                     kname##_1; kname##_1 = NULL)                                  \
                        for (yaml_node_t *vnode = cp_node(cx, kname##_p->value);   \
                             vnode; vnode = NULL)

static const char *cp_key_text(cp_conf_ctx_t *cx, const yaml_node_pair_t *p)
{
        yaml_node_t *k = cp_node(cx, p->key);

        if (!k || k->type != YAML_SCALAR_NODE)
                return "";
        return (const char *)k->data.scalar.value;
}

static char *cp_resolve_path(cp_conf_ctx_t *cx, const char *p)
{
        char *out;

        if (p[0] == '/')
                return strdup(p);
        if (asprintf(&out, "%s/%s", cx->dir, p) < 0)
                return NULL;
        return out;
}

static int cp_parse_paths(cp_conf_ctx_t *cx, yaml_node_t *n,
                          cp_source_conf_t *src)
{
        if (n->type == YAML_SCALAR_NODE) {
                src->src_paths = calloc(1, sizeof(char *));
                src->src_paths[0] = cp_resolve_path(cx, (char *)n->data.scalar.value);
                src->src_npaths = 1;
                return 0;
        }
        if (n->type != YAML_SEQUENCE_NODE) {
                cp_conf_fail(cx, n, "'paths' must be a path or a list of paths");
                return -1;
        }
        size_t cnt = n->data.sequence.items.top - n->data.sequence.items.start;
        src->src_paths = calloc(cnt ? cnt : 1, sizeof(char *));
        for (size_t i = 0; i < cnt; i++) {
                const char *s = cp_scalar(cx, cp_node(cx, n->data.sequence.items.start[i]),
                                          "paths");
                if (!s)
                        return -1;
                src->src_paths[src->src_npaths++] = cp_resolve_path(cx, s);
        }
        if (!cnt) {
                cp_conf_fail(cx, n, "'paths' must name at least one file or pattern");
                return -1;
        }
        return 0;
}

/* A name or a list of names (xlsx `sheets`, `publication_rules`). */
static int cp_parse_names(cp_conf_ctx_t *cx, yaml_node_t *n, const char *key,
                          char ***names, size_t *count)
{
        size_t cnt = 1;

        if (n->type == YAML_SEQUENCE_NODE)
                cnt = n->data.sequence.items.top - n->data.sequence.items.start;
        if (!cnt) {
                cp_conf_fail(cx, n, "'%s' must name at least one (leave it out for the default)",
                             key);
                return -1;
        }
        *names = calloc(cnt, sizeof(char *));
        if (!*names)
                return -1;
        for (size_t i = 0; i < cnt; i++) {
                yaml_node_t *e = n->type == YAML_SEQUENCE_NODE
                        ? cp_node(cx, n->data.sequence.items.start[i]) : n;
                if (!((*names)[i] = cp_strdup_scalar(cx, e, key)))
                        return -1;
                (*count)++;
        }
        return 0;
}

static int cp_double_scalar(cp_conf_ctx_t *cx, const yaml_node_t *n, const char *key,
                            double *out)
{
        const char *s = cp_scalar(cx, n, key);
        char *end;

        if (!s)
                return -1;
        errno = 0;
        *out = strtod(s, &end);
        if (errno || end == s || *end || *out != *out) {
                cp_conf_fail(cx, n, "'%s' must be a number, not '%s'", key, s);
                return -1;
        }
        return 0;
}

/* rating_scale: {min, max, baseline}: the scale of a source's ratings
 * (0-12 with baseline 9; 0-100 with baseline 100). */
static int cp_parse_rating_scale(cp_conf_ctx_t *cx, yaml_node_t *n, cp_source_conf_t *src)
{
        bool have_min = false, have_max = false;

        if (cp_check_keys(cx, n, "sources[].rating_scale"))
                return -1;
        CP_FOREACH_PAIR(cx, n, k, v) {
                double *d = !strcmp(k, "min") ? &src->src_rating_min
                          : !strcmp(k, "max") ? &src->src_rating_max
                          : !strcmp(k, "baseline") ? &src->src_rating_baseline : NULL;
                if (!d)
                        return cp_unread_key(cx, v, k);
                if (cp_double_scalar(cx, v, k, d))
                        return -1;
                have_min |= !strcmp(k, "min");
                have_max |= !strcmp(k, "max");
        }
        if (!have_min || !have_max || !(src->src_rating_max > src->src_rating_min)) {
                cp_conf_fail(cx, n, "'rating_scale' needs min and max, with max > min");
                return -1;
        }
        src->src_has_rating_scale = true;
        return 0;
}

static bool cp_preset_has_column(const cp_preset_t *pre, const char *column)
{
        for (size_t i = 0; i < pre->pre_ncolumns; i++)
                if (cp_column_same(pre->pre_columns[i].pc_column, column))
                        return true;
        return false;
}

/* Reads the explicit `columns`. A field may be mapped once here; the
 * preset's several names per field are added later (cp_merge_preset). */
static int cp_parse_columns(cp_conf_ctx_t *cx, yaml_node_t *n,
                            cp_source_conf_t *src, const cp_preset_t *pre)
{
        size_t cnt;

        if (n->type != YAML_MAPPING_NODE) {
                cp_conf_fail(cx, n, "'columns' must map source column names to canonical fields");
                return -1;
        }
        cnt = n->data.mapping.pairs.top - n->data.mapping.pairs.start;
        src->src_columns = calloc(cnt ? cnt : 1, sizeof(*src->src_columns));
        CP_FOREACH_PAIR(cx, n, column, v) {
                const char *fname = cp_scalar(cx, v, column);
                int f;

                if (!fname)
                        return -1;
                if (!strcmp(fname, CP_COLUMN_UNMAPPED)) {
                        /* Only a preset maps columns the user did not list. */
                        if (!pre) {
                                cp_conf_fail(cx, v, "column '%s': '" CP_COLUMN_UNMAPPED
                                             "' removes a column of the source's preset, "
                                             "and this source has no 'preset'", column);
                                return -1;
                        }
                        if (!cp_preset_has_column(pre, column)) {
                                cp_conf_fail(cx, v, "column '%s' is not a column of preset "
                                             "'%s', so it cannot be '" CP_COLUMN_UNMAPPED "' "
                                             "(docs/configuration.md lists the preset's columns)",
                                             column, pre->pre_name);
                                return -1;
                        }
                        f = CP_FIELD_UNMAPPED;
                } else if ((f = cp_field_by_name(fname)) < 0) {
                        cp_conf_fail(cx, v, "column '%s' maps to unknown field '%s' "
                                     "(docs/configuration.md lists the fields)",
                                     column, fname);
                        return -1;
                }
                for (size_t i = 0; i < src->src_ncolumns; i++) {
                        if (f != CP_FIELD_UNMAPPED && src->src_columns[i].cm_field == f) {
                                cp_conf_fail(cx, v, "field '%s' is mapped twice ('%s' and '%s')",
                                             fname, src->src_columns[i].cm_column, column);
                                return -1;
                        }
                }
                src->src_columns[src->src_ncolumns].cm_column = strdup(column);
                src->src_columns[src->src_ncolumns].cm_field = f;
                src->src_ncolumns++;
        }
        return 0;
}

/*
 * Appends the preset's rows to the explicit columns and drops the
 * `unmapped` lines. An explicit line overrides the preset twice over: its
 * column name takes the explicit field (or none), and its field is no
 * longer filled from the preset's other names, because a user who maps a
 * field says which column holds it.
 */
static int cp_merge_preset(cp_conf_ctx_t *cx, yaml_node_t *n,
                           cp_source_conf_t *src, const cp_preset_t *pre)
{
        size_t nexp = src->src_ncolumns, k = 0, nkept;
        cp_column_map_t *exp = src->src_columns;
        cp_column_map_t *all = calloc(nexp + (pre ? pre->pre_ncolumns : 0) + 1,
                                      sizeof(*all));

        if (!all) {
                cp_conf_fail(cx, n, "out of memory");
                return -1;
        }
        for (size_t i = 0; i < nexp; i++)
                if (exp[i].cm_field != CP_FIELD_UNMAPPED)
                        all[k++] = exp[i];
        nkept = k;
        for (size_t r = 0; pre && r < pre->pre_ncolumns; r++) {
                const cp_preset_column_t *pc = &pre->pre_columns[r];
                bool overridden = false;

                /* Against the explicit lines only (unmapped ones too): the
                 * preset's own rows may share a field. */
                for (size_t i = 0; i < nexp && !overridden; i++)
                        overridden = exp[i].cm_field == (int)pc->pc_field ||
                                     cp_column_same(exp[i].cm_column, pc->pc_column);
                if (overridden)
                        continue;
                if (!(all[k].cm_column = strdup(pc->pc_column))) {
                        while (k > nkept)
                                free(all[--k].cm_column);
                        free(all);
                        cp_conf_fail(cx, n, "out of memory");
                        return -1;
                }
                all[k++].cm_field = (int)pc->pc_field;
        }
        for (size_t i = 0; i < nexp; i++)
                if (exp[i].cm_field == CP_FIELD_UNMAPPED)
                        free(exp[i].cm_column);
        free(exp);
        src->src_columns = all;
        src->src_ncolumns = k;
        return 0;
}

/* ---- http sources (format http_json): the `http` mapping ---------------- */

static void cp_http_conf_free(cp_http_conf_t *hc)
{
        if (!hc)
                return;
        for (size_t i = 0; i < hc->hc_nurls; i++)
                free(hc->hc_urls[i]);
        free(hc->hc_urls);
        free(hc->hc_records);
        free(hc->hc_next);
        free(hc->hc_param);
        free(hc->hc_spool);
        free(hc);
}

/* A dotted JSON path ("data.list"): no empty segment, so a stray dot is
 * reported here rather than as a path no page ever has. */
static int cp_http_path(cp_conf_ctx_t *cx, yaml_node_t *v, const char *key,
                        char **out)
{
        const char *s = cp_scalar(cx, v, key);

        if (!s)
                return -1;
        if (s[0] == '.' || (s[0] && s[strlen(s) - 1] == '.') || strstr(s, "..")) {
                cp_conf_fail(cx, v, "'%s' must be a dotted path such as data.list, not '%s'",
                             key, s);
                return -1;
        }
        free(*out);
        *out = strdup(s);
        return *out ? 0 : -1;
}

/* Only http and https: a file:// or ftp:// URL in a feed list is a mistake
 * (or worse), and libcurl would follow it. */
static int cp_http_url(cp_conf_ctx_t *cx, yaml_node_t *v, char **out)
{
        const char *s = cp_scalar(cx, v, "url");

        if (!s)
                return -1;
        if ((strncasecmp(s, "http://", 7) || !s[7]) &&
            (strncasecmp(s, "https://", 8) || !s[8])) {
                cp_conf_fail(cx, v, "'url' must start with http:// or https://, not '%s'", s);
                return -1;
        }
        for (const char *c = s; *c; c++) {
                if ((unsigned char)*c <= ' ' || *c == 0x7f) {
                        cp_conf_fail(cx, v, "'url' %s holds a space or control character; "
                                     "percent-encode it (%%20)", s);
                        return -1;
                }
        }
        *out = strdup(s);
        return *out ? 0 : -1;
}

static int cp_http_urls(cp_conf_ctx_t *cx, yaml_node_t *n, cp_http_conf_t *hc)
{
        size_t cnt = 1;

        if (n->type == YAML_SEQUENCE_NODE)
                cnt = n->data.sequence.items.top - n->data.sequence.items.start;
        if (!cnt) {
                cp_conf_fail(cx, n, "'url' must name at least one URL");
                return -1;
        }
        hc->hc_urls = calloc(cnt, sizeof(char *));
        if (!hc->hc_urls)
                return -1;
        for (size_t i = 0; i < cnt; i++) {
                yaml_node_t *e = n->type == YAML_SEQUENCE_NODE
                        ? cp_node(cx, n->data.sequence.items.start[i]) : n;

                if (cp_http_url(cx, e, &hc->hc_urls[i]))
                        return -1;
                hc->hc_nurls++;
                /* Its pages would be fetched, spooled and read twice. */
                for (size_t j = 0; j < i; j++) {
                        if (!strcmp(hc->hc_urls[j], hc->hc_urls[i])) {
                                cp_conf_fail(cx, e, "url %s is listed twice", hc->hc_urls[i]);
                                return -1;
                        }
                }
        }
        return 0;
}

static int cp_http_paging(cp_conf_ctx_t *cx, yaml_node_t *n, cp_http_conf_t *hc)
{
        bool have_first = false;
        int first;

        if (n->type != YAML_MAPPING_NODE) {
                cp_conf_fail(cx, n, "'pagination' must be a mapping, e.g. {mode: page}");
                return -1;
        }
        if (cp_check_keys(cx, n, "sources[].http.pagination"))
                return -1;
        CP_FOREACH_PAIR(cx, n, key, v) {
                int rc = 0;

                if (!strcmp(key, "mode")) {
                        static const cp_enum_map_t modes[] = {{"none", CP_PAGING_NONE},
                                {"page", CP_PAGING_PAGE}, {"cursor", CP_PAGING_CURSOR}};
                        int mode;

                        if (cp_enum_key(cx, v, "sources[].http.pagination.mode", modes,
                                        CP_NELEM(modes), &mode))
                                return -1;
                        hc->hc_paging = (cp_paging_t)mode;
                } else if (!strcmp(key, "first")) {
                        rc = cp_int_key(cx, v, "sources[].http.pagination.first", &first);
                        hc->hc_first = first;
                        have_first = true;
                } else if (!strcmp(key, "max_pages")) {
                        rc = cp_int_key(cx, v, "sources[].http.pagination.max_pages",
                                        &hc->hc_max_pages);
                } else if (!strcmp(key, "next")) {
                        rc = cp_http_path(cx, v, key, &hc->hc_next);
                } else if (!strcmp(key, "param")) {
                        free(hc->hc_param);
                        rc = !(hc->hc_param = cp_strdup_scalar(cx, v, key));
                } else {
                        return cp_unread_key(cx, v, key);
                }
                if (rc)
                        return -1;
        }
        if (hc->hc_paging == CP_PAGING_CURSOR && (!hc->hc_next || !hc->hc_param)) {
                cp_conf_fail(cx, n, "pagination mode cursor needs 'next' (the path of the "
                             "next cursor in a page) and 'param' (the query parameter "
                             "that carries it)");
                return -1;
        }
        if (hc->hc_paging != CP_PAGING_CURSOR && (hc->hc_next || hc->hc_param)) {
                cp_conf_fail(cx, n, "'next' and 'param' are for pagination mode cursor");
                return -1;
        }
        if (hc->hc_paging != CP_PAGING_PAGE && have_first) {
                cp_conf_fail(cx, n, "'first' is for pagination mode page");
                return -1;
        }
        return 0;
}

static int cp_parse_http(cp_conf_ctx_t *cx, yaml_node_t *n, cp_source_conf_t *src)
{
        cp_http_conf_t *hc;

        if (n->type != YAML_MAPPING_NODE) {
                cp_conf_fail(cx, n, "'http' must be a mapping with at least 'url'");
                return -1;
        }
        if (cp_check_keys(cx, n, "sources[].http"))
                return -1;
        cp_http_conf_free(src->src_http);
        hc = src->src_http = calloc(1, sizeof(*hc));
        if (!hc) {
                cp_conf_fail(cx, n, "out of memory");
                return -1;
        }
        hc->hc_first = cp_key_default(cx, "sources[].http.pagination.first");
        hc->hc_max_pages = cp_key_default(cx, "sources[].http.pagination.max_pages");
        hc->hc_retries = cp_key_default(cx, "sources[].http.retries");
        hc->hc_timeout_ms = cp_key_default(cx, "sources[].http.timeout_ms");
        hc->hc_backoff_ms = cp_key_default(cx, "sources[].http.backoff_ms");
        CP_FOREACH_PAIR(cx, n, key, v) {
                int rc = 0;

                if (!strcmp(key, "url")) {
                        rc = cp_http_urls(cx, v, hc);
                } else if (!strcmp(key, "records")) {
                        rc = cp_http_path(cx, v, key, &hc->hc_records);
                } else if (!strcmp(key, "pagination")) {
                        rc = cp_http_paging(cx, v, hc);
                } else if (!strcmp(key, "retries")) {
                        rc = cp_int_key(cx, v, "sources[].http.retries", &hc->hc_retries);
                } else if (!strcmp(key, "timeout_ms")) {
                        rc = cp_int_key(cx, v, "sources[].http.timeout_ms", &hc->hc_timeout_ms);
                } else if (!strcmp(key, "backoff_ms")) {
                        rc = cp_int_key(cx, v, "sources[].http.backoff_ms", &hc->hc_backoff_ms);
                } else if (!strcmp(key, "spool")) {
                        const char *s = cp_scalar(cx, v, key);

                        if (!s || !*s) {
                                if (s)
                                        cp_conf_fail(cx, v, "'spool' must not be empty");
                                return -1;
                        }
                        free(hc->hc_spool);
                        hc->hc_spool = cp_resolve_path(cx, s);
                } else {
                        return cp_unread_key(cx, v, key);
                }
                if (rc)
                        return -1;
        }
        if (!hc->hc_nurls) {
                cp_conf_fail(cx, n, "'http' needs 'url'");
                return -1;
        }
        if (!hc->hc_records && !(hc->hc_records = strdup("")))
                return -1;
        return 0;
}

/*
 * What only the whole source tells: format and `http` go together, the
 * URLs fit the pagination mode, and the spool defaults to spool/<id> next
 * to the configuration file.
 */
static int cp_check_http(cp_conf_ctx_t *cx, yaml_node_t *n, cp_source_conf_t *src)
{
        cp_http_conf_t *hc = src->src_http;
        char *dflt;

        if (src->src_format != CP_FMT_HTTP_JSON) {
                if (hc) {
                        cp_conf_fail(cx, n, "source %s: 'http' is for format http_json",
                                     src->src_id);
                        return -1;
                }
                return 0;
        }
        if (!hc || src->src_npaths) {
                cp_conf_fail(cx, n, "source %s has format http_json: it needs 'http' "
                             "(url, records, pagination) and no 'paths'", src->src_id);
                return -1;
        }
        if (src->src_encoding != CP_ENC_UTF8) {
                cp_conf_fail(cx, n, "source %s: 'encoding' does not apply to http_json: "
                             "JSON pages are UTF-8", src->src_id);
                return -1;
        }
        for (size_t i = 0; i < hc->hc_nurls; i++) {
                bool has = strstr(hc->hc_urls[i], "{page}") != NULL;

                if (has != (hc->hc_paging == CP_PAGING_PAGE)) {
                        cp_conf_fail(cx, n, "source %s: url %s %s; pagination mode page "
                                     "puts the page number where the URL says {page}, "
                                     "and only that mode", src->src_id, hc->hc_urls[i],
                                     has ? "has {page}" : "has no {page}");
                        return -1;
                }
        }
        if (!hc->hc_spool) {
                if (asprintf(&dflt, "spool/%s", src->src_id) < 0)
                        return -1;
                hc->hc_spool = cp_resolve_path(cx, dflt);
                free(dflt);
                if (!hc->hc_spool)
                        return -1;
        }
        return 0;
}

/* Each http source prunes its spool of pages it no longer has: two
 * sources in one directory would delete each other's pages. */
static int cp_http_spool_unique(cp_conf_ctx_t *cx, yaml_node_t *n,
                                const cp_conf_t *conf, size_t i)
{
        const cp_source_conf_t *src = &conf->conf_sources[i];

        for (size_t j = 0; src->src_http && j < i; j++) {
                const cp_source_conf_t *o = &conf->conf_sources[j];

                if (o->src_http && !strcmp(o->src_http->hc_spool, src->src_http->hc_spool)) {
                        cp_conf_fail(cx, n, "source %s: spool %s is also the spool of source %s; "
                                     "give each http source its own", src->src_id,
                                     src->src_http->hc_spool, o->src_id);
                        return -1;
                }
        }
        return 0;
}

/* ---- end of http sources ------------------------------------------------ */

/* ---- kafka sources (format kafka): the `kafka` mapping ------------------ */

static void cp_kafka_src_free(cp_kafka_src_conf_t *ks)
{
        if (!ks)
                return;
        for (size_t i = 0; i < ks->ks_ntopics; i++)
                free(ks->ks_topics[i]);
        free(ks->ks_topics);
        free(ks->ks_group);
        free(ks->ks_csv_header);
        free(ks->ks_brokers);
        free(ks);
}

/* Kafka's own rule for topic names: a '/' can then separate a topic from
 * its partition in positions ("topic/3"). */
static bool cp_kafka_topic_ok(const char *s)
{
        size_t n = strlen(s);

        return n && n <= 249 && strcmp(s, ".") && strcmp(s, "..") &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789._-") == n;
}

static int cp_parse_kafka_src(cp_conf_ctx_t *cx, yaml_node_t *n, cp_source_conf_t *src)
{
        cp_kafka_src_conf_t *ks;

        if (n->type != YAML_MAPPING_NODE) {
                cp_conf_fail(cx, n, "'kafka' must be a mapping with at least 'topics' and "
                             "'value_format'");
                return -1;
        }
        if (cp_check_keys(cx, n, "sources[].kafka"))
                return -1;
        cp_kafka_src_free(src->src_kafka);
        ks = src->src_kafka = calloc(1, sizeof(*ks));
        if (!ks)
                return -1;
        CP_FOREACH_PAIR(cx, n, key, v) {
                const char *s;
                int e;

                if (!strcmp(key, "topics")) {
                        if (cp_parse_names(cx, v, key, &ks->ks_topics, &ks->ks_ntopics))
                                return -1;
                        for (size_t i = 0; i < ks->ks_ntopics; i++) {
                                if (!cp_kafka_topic_ok(ks->ks_topics[i])) {
                                        cp_conf_fail(cx, v, "'%s' is not a Kafka topic name "
                                                     "(letters, digits, '.', '_', '-')",
                                                     ks->ks_topics[i]);
                                        return -1;
                                }
                                for (size_t j = 0; j < i; j++) {
                                        if (!strcmp(ks->ks_topics[i], ks->ks_topics[j])) {
                                                cp_conf_fail(cx, v, "topic %s is listed twice",
                                                             ks->ks_topics[i]);
                                                return -1;
                                        }
                                }
                        }
                } else if (!strcmp(key, "group")) {
                        free(ks->ks_group);
                        if (!(ks->ks_group = cp_strdup_scalar(cx, v, key)))
                                return -1;
                        if (!*ks->ks_group) {
                                cp_conf_fail(cx, v, "'group' must not be empty");
                                return -1;
                        }
                } else if (!strcmp(key, "value_format")) {
                        static const cp_enum_map_t forms[] = {{"csv", CP_KVAL_CSV},
                                {"json", CP_KVAL_JSON}, {"protobuf", CP_KVAL_PROTOBUF}};

                        if (cp_enum_key(cx, v, "sources[].kafka.value_format", forms,
                                        CP_NELEM(forms), &e))
                                return -1;
                        ks->ks_value = (cp_kafka_value_t)e;
                } else if (!strcmp(key, "csv_header")) {
                        if (!(s = cp_scalar(cx, v, key)))
                                return -1;
                        free(ks->ks_csv_header);
                        if (!(ks->ks_csv_header = strdup(s)))
                                return -1;
                } else if (!strcmp(key, "brokers")) {
                        free(ks->ks_brokers);
                        if (!(ks->ks_brokers = cp_strdup_scalar(cx, v, key)))
                                return -1;
                } else {
                        return cp_unread_key(cx, v, key);
                }
        }
        return 0;
}

/* What only the whole source tells: format and `kafka` go together, a csv
 * value names its columns, a protobuf one needs no `columns`. */
static int cp_check_kafka_src(cp_conf_ctx_t *cx, yaml_node_t *n, cp_source_conf_t *src)
{
        cp_kafka_src_conf_t *ks = src->src_kafka;

        if (src->src_format != CP_FMT_KAFKA) {
                if (ks) {
                        cp_conf_fail(cx, n, "source %s: 'kafka' is for format kafka",
                                     src->src_id);
                        return -1;
                }
                return 0;
        }
        if (!ks || !ks->ks_ntopics || !ks->ks_value || src->src_npaths) {
                cp_conf_fail(cx, n, "source %s has format kafka: it needs 'kafka' (topics, "
                             "value_format) and no 'paths'", src->src_id);
                return -1;
        }
        if (src->src_encoding != CP_ENC_UTF8) {
                cp_conf_fail(cx, n, "source %s: 'encoding' does not apply to format kafka: "
                             "messages are read as UTF-8", src->src_id);
                return -1;
        }
        if ((ks->ks_value == CP_KVAL_CSV) != (ks->ks_csv_header != NULL)) {
                cp_conf_fail(cx, n, "source %s: %s", src->src_id, ks->ks_csv_header
                             ? "'csv_header' is for value_format csv"
                             : "value_format csv needs 'csv_header', the column names "
                               "(messages are single lines without a header)");
                return -1;
        }
        return 0;
}

/* The default group, once state.instance is known: one group per source
 * and instance, so two instances never move each other's offsets. */
static int cp_kafka_groups(cp_conf_t *conf)
{
        for (size_t i = 0; i < conf->conf_nsources; i++) {
                cp_source_conf_t *src = &conf->conf_sources[i];
                cp_kafka_src_conf_t *ks = src->src_kafka;
                int r;

                if (!ks || ks->ks_group)
                        continue;
                if (conf->conf_instance)
                        r = asprintf(&ks->ks_group, "credpipe-%s-%s", conf->conf_instance,
                                     src->src_id);
                else
                        r = asprintf(&ks->ks_group, "credpipe-%s", src->src_id);
                if (r < 0) {
                        ks->ks_group = NULL;
                        return -1;
                }
        }
        return 0;
}

/* ---- end of kafka sources ----------------------------------------------- */

/* The source's `preset` line, read before `columns` whatever their order
 * in the file, because an `unmapped` column needs to know the preset. */
static int cp_parse_preset(cp_conf_ctx_t *cx, yaml_node_t *n,
                           const cp_preset_t **pre, yaml_node_t **where)
{
        *pre = NULL;
        *where = NULL;
        CP_FOREACH_PAIR(cx, n, key, v) {
                const char *s;
                char names[512];

                if (strcmp(key, "preset"))
                        continue;
                if (!(s = cp_scalar(cx, v, key)))
                        return -1;
                *where = v;
                if (!(*pre = cp_preset_by_name(s))) {
                        cp_preset_names(names, sizeof(names));
                        cp_conf_fail(cx, v, "unknown preset '%s' (presets: %s)", s, names);
                        return -1;
                }
        }
        return 0;
}

static int cp_parse_source(cp_conf_ctx_t *cx, yaml_node_t *n,
                           cp_source_conf_t *src)
{
        bool have_role = false, have_cat = false, have_fmt = false;
        bool have_unit = false;
        const cp_preset_t *pre;
        yaml_node_t *pre_node;

        src->src_delimiter = ',';
        src->src_keep_unmapped = true;
        src->src_line = (int)n->start_mark.line + 1;
        if (n->type != YAML_MAPPING_NODE) {
                cp_conf_fail(cx, n, "each entry of 'sources' must be a mapping");
                return -1;
        }
        if (cp_check_keys(cx, n, "sources[]") ||
            cp_parse_preset(cx, n, &pre, &pre_node))
                return -1;
        src->src_preset = pre;
        CP_FOREACH_PAIR(cx, n, key, v) {
                const char *s;
                int e;

                if (!strcmp(key, "id")) {
                        if (!(src->src_id = cp_strdup_scalar(cx, v, key)))
                                return -1;
                        for (const char *c = src->src_id; *c; c++) {
                                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *c)) {
                                        cp_conf_fail(cx, v, "source id '%s' may hold only letters, digits, '_', '.' and '-'",
                                                     src->src_id);
                                        return -1;
                                }
                        }
                } else if (!strcmp(key, "role")) {
                        static const cp_enum_map_t roles[] = {{"sectoral", CP_ROLE_SECTORAL},
                                {"municipal", CP_ROLE_MUNICIPAL}, {"central", CP_ROLE_CENTRAL}};

                        if (cp_enum_key(cx, v, "sources[].role", roles, CP_NELEM(roles), &e))
                                return -1;
                        have_role = true;
                        src->src_role = (cp_role_t)e;
                } else if (!strcmp(key, "category")) {
                        if (!(s = cp_scalar(cx, v, key)))
                                return -1;
                        have_cat = true;
                        src->src_category = cp_category_by_name(s);
                        if (src->src_category < 0) {
                                cp_conf_fail(cx, v, "unknown category '%s' (admin_penalty, admin_permit, "
                                             "abnormal_operation, blacklist, redlist, judgment_defaulter, "
                                             "basic_info, rating)", s);
                                return -1;
                        }
                } else if (!strcmp(key, "region")) {
                        if (!(src->src_region = cp_strdup_scalar(cx, v, key)))
                                return -1;
                } else if (!strcmp(key, "format")) {
                        static const cp_enum_map_t formats[] = {{"csv", CP_FMT_CSV},
                                {"jsonl", CP_FMT_JSONL}, {"xlsx", CP_FMT_XLSX},
                                {"http_json", CP_FMT_HTTP_JSON}, {"kafka", CP_FMT_KAFKA}};

                        if (cp_enum_key(cx, v, "sources[].format", formats, CP_NELEM(formats),
                                        &e))
                                return -1;
                        have_fmt = true;
                        src->src_format = (cp_format_t)e;
                } else if (!strcmp(key, "paths")) {
                        if (cp_parse_paths(cx, v, src))
                                return -1;
                } else if (!strcmp(key, "columns")) {
                        if (cp_parse_columns(cx, v, src, pre))
                                return -1;
                } else if (!strcmp(key, "delimiter")) {
                        if (!(s = cp_scalar(cx, v, key)))
                                return -1;
                        if (!strcmp(s, "\\t") || !strcmp(s, "tab"))
                                s = "\t";
                        if (strlen(s) != 1 || *s == '"' || *s == '\n' || *s == '\r') {
                                cp_conf_fail(cx, v, "'delimiter' must be one character other than a quote or newline");
                                return -1;
                        }
                        src->src_delimiter = *s;
                } else if (!strcmp(key, "amount_unit")) {
                        static const cp_enum_map_t units[] = {{"yuan", CP_UNIT_YUAN},
                                {"wan_yuan", CP_UNIT_WAN_YUAN}};

                        if (cp_enum_key(cx, v, "sources[].amount_unit", units, CP_NELEM(units),
                                        &e))
                                return -1;
                        have_unit = true;
                        src->src_amount_unit = (cp_amount_unit_t)e;
                } else if (!strcmp(key, "excel_date_system")) {
                        static const cp_enum_map_t systems[] = {{"1900", 1900}, {"1904", 1904}};

                        if (cp_enum_key(cx, v, "sources[].excel_date_system", systems,
                                        CP_NELEM(systems), &src->src_excel_date_system))
                                return -1;
                } else if (!strcmp(key, "sheets")) {
                        if (cp_parse_names(cx, v, key, &src->src_sheets, &src->src_nsheets))
                                return -1;
                } else if (!strcmp(key, "done")) {
                        /* Service mode: what becomes of a file once its
                         * records are committed (docs/exactly-once.md). */
                        static const cp_enum_map_t fates[] = {{"keep", CP_DONE_KEEP},
                                {"delete", CP_DONE_DELETE}, {"move", CP_DONE_MOVE}};

                        if (cp_enum_key(cx, v, "sources[].done", fates, CP_NELEM(fates), &e))
                                return -1;
                        src->src_done = (cp_done_t)e;
                } else if (!strcmp(key, "done_dir")) {
                        if (!(s = cp_scalar(cx, v, key)))
                                return -1;
                        free(src->src_done_dir);
                        src->src_done_dir = cp_resolve_path(cx, s);
                } else if (!strcmp(key, "publication_rules")) {
                        if (cp_parse_names(cx, v, key, &src->src_regimes, &src->src_nregimes))
                                return -1;
                } else if (!strcmp(key, "rating_scale")) {
                        if (cp_parse_rating_scale(cx, v, src))
                                return -1;
                } else if (!strcmp(key, "encoding")) {
                        /* GBK is read as GB18030, its superset: decoding a
                         * GBK file as GB18030 gives the same text. */
                        static const cp_enum_map_t encodings[] = {{"utf-8", CP_ENC_UTF8},
                                {"gb18030", CP_ENC_GB18030}, {"gbk", CP_ENC_GB18030},
                                {"utf-16le", CP_ENC_UTF16LE}, {"utf-16be", CP_ENC_UTF16BE},
                                {"auto", CP_ENC_AUTO}};

                        if (cp_enum_key(cx, v, "sources[].encoding", encodings,
                                        CP_NELEM(encodings), &e))
                                return -1;
                        src->src_encoding = (cp_encoding_t)e;
                } else if (!strcmp(key, "keep_unmapped")) {
                        if (cp_bool_scalar(cx, v, key, &src->src_keep_unmapped))
                                return -1;
                } else if (!strcmp(key, "http")) {
                        if (cp_parse_http(cx, v, src))
                                return -1;
                } else if (!strcmp(key, "kafka")) {
                        if (cp_parse_kafka_src(cx, v, src))
                                return -1;
                } else if (strcmp(key, "preset")) {  /* read by cp_parse_preset */
                        return cp_unread_key(cx, v, key);
                }
        }
        /* A protobuf message holds the canonical fields themselves. */
        bool pb = src->src_kafka && src->src_kafka->ks_value == CP_KVAL_PROTOBUF;

        if (!src->src_id || !have_role || !have_cat || !have_fmt ||
            (!src->src_npaths && src->src_format != CP_FMT_HTTP_JSON &&
             src->src_format != CP_FMT_KAFKA) ||
            (!src->src_ncolumns && !pre && !pb)) {
                cp_conf_fail(cx, n, "source%s%s needs id, role, category, format, paths "
                             "and columns (or a preset)",
                             src->src_id ? " " : "", src->src_id ? src->src_id : "");
                return -1;
        }
        if (cp_check_http(cx, n, src) || cp_check_kafka_src(cx, n, src))
                return -1;
        if (pre && pre->pre_category != src->src_category) {
                /* The natural key depends on the category, and a preset
                 * maps the fields of its own category's key. */
                cp_conf_fail(cx, pre_node, "source %s: preset '%s' is made for category %s, "
                             "and the source's category is %s; choose a preset of that "
                             "category or list the columns yourself",
                             src->src_id, pre->pre_name, cp_category_name(pre->pre_category),
                             cp_category_name(src->src_category));
                return -1;
        }
        if (cp_merge_preset(cx, n, src, pre))
                return -1;
        if (!src->src_ncolumns && !pb) {
                cp_conf_fail(cx, n, "source %s maps no column: every column of preset '%s' "
                             "is 'unmapped'", src->src_id, pre ? pre->pre_name : "?");
                return -1;
        }
        /* The 双公示 amount columns are in 万元: the preset says so unless
         * the source does. */
        if (src->src_done == CP_DONE_MOVE && !src->src_done_dir) {
                cp_conf_fail(cx, n, "source %s: 'done: move' needs 'done_dir', where "
                             "committed files go", src->src_id);
                return -1;
        }
        if (pre && !have_unit && pre->pre_amount_unit >= 0)
                src->src_amount_unit = (cp_amount_unit_t)pre->pre_amount_unit;
        return 0;
}

static int cp_parse_sources(cp_conf_ctx_t *cx, yaml_node_t *n, cp_conf_t *conf)
{
        size_t cnt;

        if (n->type != YAML_SEQUENCE_NODE) {
                cp_conf_fail(cx, n, "'sources' must be a list");
                return -1;
        }
        cnt = n->data.sequence.items.top - n->data.sequence.items.start;
        if (cnt > CP_MAX_SOURCES) {
                cp_conf_fail(cx, n, "at most %d sources are supported, not %zu",
                             CP_MAX_SOURCES, cnt);
                return -1;
        }
        conf->conf_sources = calloc(cnt ? cnt : 1, sizeof(*conf->conf_sources));
        for (size_t i = 0; i < cnt; i++) {
                yaml_node_t *s = cp_node(cx, n->data.sequence.items.start[i]);
                cp_source_conf_t *src = &conf->conf_sources[i];

                conf->conf_nsources++;
                if (cp_parse_source(cx, s, src))
                        return -1;
                for (size_t j = 0; j < i; j++) {
                        if (!strcmp(conf->conf_sources[j].src_id, src->src_id)) {
                                cp_conf_fail(cx, s, "source id '%s' is used twice (also at line %d)",
                                             src->src_id, conf->conf_sources[j].src_line);
                                return -1;
                        }
                }
                if (cp_http_spool_unique(cx, s, conf, i))
                        return -1;
        }
        if (!cnt) {
                cp_conf_fail(cx, n, "'sources' is empty: configure at least one source");
                return -1;
        }
        return 0;
}

/* Shorter keys make pseudonyms reversible: with one known ID and its
 * pseudonym, a short key can be searched for, and then every pseudonym
 * gives its ID back by trying the ~10^11 possible IDs. */
#define CP_KEY_MIN 16
#define CP_KEY_MAX 4096

/*
 * Reads the pseudonymisation key, once, at load time. The file must be a
 * regular file that other users can neither read nor write (whoever has
 * the key can test guesses of an ID against its pseudonym). The key is the
 * file's bytes less trailing line ends, so `openssl rand -hex 32 > FILE`
 * and a file written without a newline give the same key.
 */
static int cp_load_key(cp_conf_ctx_t *cx, yaml_node_t *v, cp_conf_t *conf)
{
        const char *s = cp_scalar(cx, v, "key_file");
        unsigned char buf[CP_KEY_MAX + 1];
        struct stat st;
        ssize_t got;
        size_t len = 0;
        char *path;
        int fd;

        if (!s)
                return -1;
        if (!*s) {
                cp_conf_fail(cx, v, "'key_file' must not be empty");
                return -1;
        }
        path = cp_resolve_path(cx, s);
        free(conf->conf_pseudonym_key_file);
        conf->conf_pseudonym_key_file = path;
        if (!path) {
                cp_conf_fail(cx, v, "out of memory");
                return -1;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                cp_conf_fail(cx, v, "pseudonymize.key_file %s: cannot open it: %s",
                             path, strerror(errno));
                return -1;
        }
        /* fstat on the opened file: no window for a swap after the check. */
        if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
                cp_conf_fail(cx, v, "pseudonymize.key_file %s is not a regular file", path);
                close(fd);
                return -1;
        }
        if (st.st_mode & (S_IROTH | S_IWOTH)) {
                cp_conf_fail(cx, v, "pseudonymize.key_file %s is %s by every user (mode %04o); "
                             "make it private: chmod 600 %s", path,
                             st.st_mode & S_IROTH ? "readable" : "writable",
                             (unsigned)(st.st_mode & 07777), path);
                close(fd);
                return -1;
        }
        while (len < sizeof(buf) &&
               (got = read(fd, buf + len, sizeof(buf) - len)) != 0) {
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        cp_conf_fail(cx, v, "pseudonymize.key_file %s: cannot read it: %s",
                                     path, strerror(errno));
                        close(fd);
                        explicit_bzero(buf, sizeof(buf));
                        return -1;
                }
                len += (size_t)got;
        }
        close(fd);
        if (len > CP_KEY_MAX) {
                cp_conf_fail(cx, v, "pseudonymize.key_file %s is longer than %d bytes; "
                             "is it the key file?", path, CP_KEY_MAX);
                explicit_bzero(buf, sizeof(buf));
                return -1;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;
        if (len < CP_KEY_MIN) {
                cp_conf_fail(cx, v, "pseudonymize.key_file %s %s; the key must have at least "
                             "%d bytes (e.g. openssl rand -hex 32 > %s)", path,
                             len ? "is too short" : "is empty", CP_KEY_MIN, path);
                explicit_bzero(buf, sizeof(buf));
                return -1;
        }
        free(conf->conf_pseudonym_key);  /* a repeated key_file line */
        conf->conf_pseudonym_key = malloc(len);
        if (!conf->conf_pseudonym_key) {
                cp_conf_fail(cx, v, "out of memory");
                explicit_bzero(buf, sizeof(buf));
                return -1;
        }
        memcpy(conf->conf_pseudonym_key, buf, len);
        conf->conf_pseudonym_key_len = len;
        explicit_bzero(buf, sizeof(buf));
        return 0;
}

/* completeness: {as_of: YYYY-MM-DD, rules: FILE} (docs/metrics.md). */
static int cp_parse_completeness(cp_conf_ctx_t *cx, yaml_node_t *n, cp_conf_t *conf)
{
        if (cp_check_keys(cx, n, "completeness"))
                return -1;
        CP_FOREACH_PAIR(cx, n, k, v) {
                const char *s = cp_scalar(cx, v, k);
                int y, m, d;
                char tail;

                if (!s)
                        return -1;
                if (!strcmp(k, "as_of")) {
                        if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
                            m < 1 || m > 12 || d < 1 || d > 31) {
                                cp_conf_fail(cx, v, "'as_of' must be a date YYYY-MM-DD, "
                                             "not '%s'", s);
                                return -1;
                        }
                        free(conf->conf_as_of);
                        conf->conf_as_of = strdup(s);
                } else if (!strcmp(k, "rules")) {
                        free(conf->conf_rules);
                        conf->conf_rules = cp_resolve_path(cx, s);
                        if (access(conf->conf_rules, R_OK)) {
                                cp_conf_fail(cx, v, "'rules': cannot read %s: %s",
                                             conf->conf_rules, strerror(errno));
                                return -1;
                        }
                } else {
                        return cp_unread_key(cx, v, k);
                }
        }
        return 0;
}

/* ---- log: section (core/log.h, docs/logging.md) -------------------- */
/* `log: {level: "info,sink=debug", format: json}`, handed to the logger as
 * it is read, as the configuration's origin: --log-level and --log-format
 * (the command line's origin) still win, whenever they were set. A file
 * without `log:` leaves the logger as it is. */
static int cp_parse_log(cp_conf_ctx_t *cx, yaml_node_t *v)
{
        char err[256];

        if (cp_check_keys(cx, v, "log"))
                return -1;
        CP_FOREACH_PAIR(cx, v, lk, lv) {
                const char *s = cp_scalar(cx, lv, lk);
                int rc;

                if (!s)
                        return -1;
                if (!strcmp(lk, "level"))
                        rc = cp_log_set_spec(CP_LOG_FROM_CONFIG, s, err, sizeof(err));
                else if (!strcmp(lk, "format"))
                        rc = cp_log_set_format(CP_LOG_FROM_CONFIG, s, err, sizeof(err));
                else
                        return cp_unread_key(cx, lv, lk);
                if (rc) {
                        cp_conf_fail(cx, lv, "'log.%s': %s", lk, err);
                        return -1;
                }
        }
        return 0;
}
/* ---- end of the log: section ---------------------------------------- */

/* ---- metrics and report: the /metrics endpoint and the periodic
 * SharingReport (cli/metrics_server.h, cli/cmd_run.c) ---- */

/* A duration: a whole number with a unit, ms, s, m or h ("60s", "500ms");
 * a bare number is seconds. */
static int cp_duration_ms(cp_conf_ctx_t *cx, const yaml_node_t *n, const char *key,
                          long min_ms, long max_ms, int *out)
{
        static const struct { const char *unit; long ms; } units[] = {
                {"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000}, {"h", 3600000}};
        const char *s = cp_scalar(cx, n, key);
        char *end;
        long v;

        if (!s)
                return -1;
        errno = 0;
        v = strtol(s, &end, 10);
        if (!errno && end != s && *s != '-' && *s != '+' && v >= 0 && v <= max_ms)
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                        if (!strcmp(end, units[i].unit) && v <= max_ms / units[i].ms &&
                            v * units[i].ms >= min_ms) {
                                *out = (int)(v * units[i].ms);
                                return 0;
                        }
        cp_conf_fail(cx, n, "'%s' must be a duration from %ld ms to %ld s, e.g. 60s, 500ms "
                     "or 5m, not '%s'", key, min_ms, max_ms / 1000, s);
        return -1;
}

/* A duration in the range the schema gives the key; messages name it by
 * its path ('report.interval'). */
static int cp_duration_key(cp_conf_ctx_t *cx, const yaml_node_t *n, const char *path, int *out)
{
        const cp_schema_key_t *k = cp_key_row(cx, n, path, CP_SCHEMA_DURATION);

        return k ? cp_duration_ms(cx, n, cp_schema_display(path), k->sk_min, k->sk_max, out)
                 : -1;
}

static int cp_parse_metrics_report(cp_conf_ctx_t *cx, const char *key, yaml_node_t *v,
                                   cp_conf_t *conf)
{
        bool metrics = !strcmp(key, "metrics");

        if (cp_check_keys(cx, v, key))
                return -1;
        CP_FOREACH_PAIR(cx, v, k, kv) {
                if (metrics && !strcmp(k, "listen")) {
                        char host[256];
                        int port;

                        free(conf->conf_metrics_listen);
                        if (!(conf->conf_metrics_listen = cp_strdup_scalar(cx, kv, k)))
                                return -1;
                        if (cp_listen_parse(conf->conf_metrics_listen, host, sizeof(host),
                                            &port)) {
                                cp_conf_fail(cx, kv, "'metrics.listen' must be HOST:PORT "
                                             "(IPv6: [ADDR]:PORT; port 0 to 65535), not '%s'",
                                             conf->conf_metrics_listen);
                                return -1;
                        }
                } else if (!metrics && !strcmp(k, "interval")) {
                        if (cp_duration_key(cx, kv, "report.interval",
                                            &conf->conf_report_interval_ms))
                                return -1;
                } else {
                        return cp_unread_key(cx, kv, k);
                }
        }
        return 0;
}

/* ---- end of metrics and report ---- */

/* state: {dir, instance, checkpoint_interval}: exactly-once processing
 * (docs/exactly-once.md). The instance names the Kafka transactional id;
 * by default it is derived from the directory's absolute path, which is
 * stable across restarts of one deployment and differs between two. */
static int cp_parse_state(cp_conf_ctx_t *cx, yaml_node_t *v, cp_conf_t *conf)
{
        if (cp_check_keys(cx, v, "state"))
                return -1;
        CP_FOREACH_PAIR(cx, v, k, kv) {
                if (!strcmp(k, "dir")) {
                        const char *s = cp_scalar(cx, kv, k);
                        if (!s)
                                return -1;
                        free(conf->conf_state_dir);
                        conf->conf_state_dir = cp_resolve_path(cx, s);
                } else if (!strcmp(k, "instance")) {
                        const char *s = cp_scalar(cx, kv, k);
                        if (!s)
                                return -1;
                        if (!*s || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789._-") != strlen(s) || strlen(s) > 200) {
                                cp_conf_fail(cx, kv, "'state.instance' must be letters, digits, "
                                             "'.', '_' or '-' (at most 200), not '%s'", s);
                                return -1;
                        }
                        free(conf->conf_instance);
                        conf->conf_instance = strdup(s);
                } else if (!strcmp(k, "settle")) {
                        if (cp_duration_key(cx, kv, "state.settle", &conf->conf_settle_ms))
                                return -1;
                } else if (!strcmp(k, "checkpoint_interval")) {
                        if (cp_duration_key(cx, kv, "state.checkpoint_interval",
                                            &conf->conf_checkpoint_interval_ms))
                                return -1;
                } else {
                        return cp_unread_key(cx, kv, k);
                }
        }
        if (!conf->conf_state_dir) {
                cp_conf_fail(cx, v, "'state' needs 'dir', the directory of checkpoints");
                return -1;
        }
        if (!conf->conf_instance) {
                char buf[32];
                unsigned long h = 5381;

                char cwd[4096] = "";

                /* Of the absolute path: the same wherever credpipe starts. */
                if (conf->conf_state_dir[0] != '/' && !getcwd(cwd, sizeof(cwd)))
                        cwd[0] = '\0';
                for (const char *p = cwd; *p; p++)
                        h = h * 33 + (unsigned char)*p;
                for (const char *p = conf->conf_state_dir; *p; p++)
                        h = h * 33 + (unsigned char)*p;
                snprintf(buf, sizeof(buf), "i%08lx", h & 0xffffffffUL);
                conf->conf_instance = strdup(buf);
        }
        return 0;
}

static int cp_parse_root(cp_conf_ctx_t *cx, yaml_node_t *root, cp_conf_t *conf)
{
        if (!root || root->type != YAML_MAPPING_NODE) {
                cp_conf_fail(cx, root, "the configuration must be a mapping with a 'sources' list");
                return -1;
        }
        if (cp_check_keys(cx, root, ""))
                return -1;
        CP_FOREACH_PAIR(cx, root, key, v) {
                if (!strcmp(key, "brokers")) {
                        if (!(conf->conf_brokers = cp_strdup_scalar(cx, v, key)))
                                return -1;
                } else if (!strcmp(key, "delivery_timeout_ms")) {
                        if (cp_int_key(cx, v, "delivery_timeout_ms",
                                       &conf->conf_delivery_timeout_ms))
                                return -1;
                } else if (!strcmp(key, "sources")) {
                        if (cp_parse_sources(cx, v, conf))
                                return -1;
                } else if (!strcmp(key, "uscc_categories")) {
                        const char *s = cp_scalar(cx, v, key);
                        if (!s)
                                return -1;
                        free(conf->conf_uscc_categories);
                        conf->conf_uscc_categories = cp_resolve_path(cx, s);
                        /* Read by transform at start; checked here so the
                         * error can name the configuration line. */
                        if (access(conf->conf_uscc_categories, R_OK)) {
                                cp_conf_fail(cx, v, "'uscc_categories': cannot read %s: %s",
                                             conf->conf_uscc_categories, strerror(errno));
                                return -1;
                        }
                } else if (v->type != YAML_MAPPING_NODE) {
                        cp_conf_fail(cx, v, "'%s' must be a mapping", key);
                        return -1;
                } else if (!strcmp(key, "log")) {
                        if (cp_parse_log(cx, v))
                                return -1;
                } else if (!strcmp(key, "state")) {
                        if (cp_parse_state(cx, v, conf))
                                return -1;
                } else if (!strcmp(key, "topics")) {
                        if (cp_check_keys(cx, v, "topics"))
                                return -1;
                        CP_FOREACH_PAIR(cx, v, tk, tv) {
                                int rc = 0;
                                if (!strcmp(tk, "records"))
                                        rc = !(free(conf->conf_topic_records),
                                               conf->conf_topic_records = cp_strdup_scalar(cx, tv, tk));
                                else if (!strcmp(tk, "rejects"))
                                        rc = !(free(conf->conf_topic_rejects),
                                               conf->conf_topic_rejects = cp_strdup_scalar(cx, tv, tk));
                                else if (!strcmp(tk, "sharing"))
                                        rc = !(free(conf->conf_topic_sharing),
                                               conf->conf_topic_sharing = cp_strdup_scalar(cx, tv, tk));
                                else if (!strcmp(tk, "checkpoints"))
                                        rc = !(free(conf->conf_topic_checkpoints),
                                               conf->conf_topic_checkpoints = cp_strdup_scalar(cx, tv, tk));
                                else if (!strcmp(tk, "partitions"))
                                        rc = cp_int_key(cx, tv, "topics.partitions",
                                                        &conf->conf_partitions);
                                else if (!strcmp(tk, "replication"))
                                        rc = cp_int_key(cx, tv, "topics.replication",
                                                        &conf->conf_replication);
                                else
                                        return cp_unread_key(cx, tv, tk);
                                if (rc)
                                        return -1;
                        }
                } else if (!strcmp(key, "batch")) {
                        if (cp_check_keys(cx, v, "batch"))
                                return -1;
                        CP_FOREACH_PAIR(cx, v, bk, bv) {
                                int rc = 0;
                                if (!strcmp(bk, "records"))
                                        rc = cp_int_key(cx, bv, "batch.records",
                                                        &conf->conf_batch_records);
                                else if (!strcmp(bk, "zstd_level"))
                                        rc = cp_int_key(cx, bv, "batch.zstd_level",
                                                        &conf->conf_zstd_level);
                                else
                                        return cp_unread_key(cx, bv, bk);
                                if (rc)
                                        return -1;
                        }
                } else if (!strcmp(key, "pseudonymize")) {
                        bool have_key = false;

                        if (cp_check_keys(cx, v, "pseudonymize"))
                                return -1;
                        CP_FOREACH_PAIR(cx, v, pk, pv) {
                                if (strcmp(pk, "key_file"))
                                        return cp_unread_key(cx, pv, pk);
                                have_key = true;
                                if (cp_load_key(cx, pv, conf))
                                        return -1;
                        }
                        if (!have_key) {
                                cp_conf_fail(cx, v, "'pseudonymize' needs 'key_file'");
                                return -1;
                        }
                } else if (!strcmp(key, "completeness")) {
                        if (cp_parse_completeness(cx, v, conf))
                                return -1;
                } else if (!strcmp(key, "metrics") || !strcmp(key, "report")) {
                        if (cp_parse_metrics_report(cx, key, v, conf))
                                return -1;
                } else if (!strcmp(key, "queue")) {
                        if (cp_check_keys(cx, v, "queue"))
                                return -1;
                        CP_FOREACH_PAIR(cx, v, qk, qv) {
                                if (strcmp(qk, "batches"))
                                        return cp_unread_key(cx, qv, qk);
                                if (cp_int_key(cx, qv, "queue.batches", &conf->conf_queue_batches))
                                        return -1;
                        }
                } else if (!strcmp(key, "kafka")) {
                        size_t cnt = v->data.mapping.pairs.top - v->data.mapping.pairs.start;
                        conf->conf_kafka = calloc(cnt ? cnt : 1, sizeof(*conf->conf_kafka));
                        CP_FOREACH_PAIR(cx, v, kk, kv) {
                                const char *s = cp_scalar(cx, kv, kk);
                                if (!s)
                                        return -1;
                                conf->conf_kafka[conf->conf_nkafka].kv_key = strdup(kk);
                                conf->conf_kafka[conf->conf_nkafka].kv_value = strdup(s);
                                conf->conf_nkafka++;
                        }
                } else {
                        return cp_unread_key(cx, v, key);
                }
        }
        if (!conf->conf_nsources && !cx->failed)
                cp_conf_fail(cx, root, "no 'sources' configured: add at least one source");
        return cx->failed ? -1 : 0;
}

/* Numbers and durations from the schema, which the docs show. */
static void cp_conf_defaults(cp_conf_ctx_t *cx, cp_conf_t *conf)
{
        conf->conf_topic_records = strdup(CP_DEFAULT_TOPIC_RECORDS);
        conf->conf_topic_rejects = strdup(CP_DEFAULT_TOPIC_REJECTS);
        conf->conf_topic_sharing = strdup(CP_DEFAULT_TOPIC_SHARING);
        conf->conf_topic_checkpoints = strdup(CP_DEFAULT_TOPIC_CHECKPOINTS);
        conf->conf_checkpoint_interval_ms = cp_key_default(cx, "state.checkpoint_interval");
        conf->conf_settle_ms = cp_key_default(cx, "state.settle");
        conf->conf_partitions = cp_key_default(cx, "topics.partitions");
        conf->conf_replication = cp_key_default(cx, "topics.replication");
        conf->conf_batch_records = cp_key_default(cx, "batch.records");
        conf->conf_zstd_level = cp_key_default(cx, "batch.zstd_level");
        conf->conf_queue_batches = cp_key_default(cx, "queue.batches");
        conf->conf_delivery_timeout_ms = cp_key_default(cx, "delivery_timeout_ms");
        conf->conf_report_interval_ms = cp_key_default(cx, "report.interval");
}

cp_conf_t *cp_conf_load(const char *path, char *errstr, size_t errstr_size)
{
        cp_conf_ctx_t cx = {.path = path, .errstr = errstr,
                            .errstr_size = errstr_size};
        yaml_parser_t parser;
        yaml_document_t doc;
        cp_conf_t *conf;
        char *tmp;
        FILE *fp = fopen(path, "rb");

        if (!fp) {
                snprintf(errstr, errstr_size, "%s: cannot open the configuration: %s",
                         path, strerror(errno));
                return NULL;
        }
        yaml_parser_initialize(&parser);
        yaml_parser_set_input_file(&parser, fp);
        if (!yaml_parser_load(&parser, &doc)) {
                snprintf(errstr, errstr_size, "%s:%zu: YAML syntax error: %s",
                         path, parser.problem_mark.line + 1,
                         parser.problem ? parser.problem : "unknown");
                yaml_parser_delete(&parser);
                fclose(fp);
                return NULL;
        }
        yaml_parser_delete(&parser);
        fclose(fp);

        conf = calloc(1, sizeof(*conf));
        cp_conf_defaults(&cx, conf);
        conf->conf_path = strdup(path);
        tmp = strdup(path);
        cx.dir = strdup(dirname(tmp));
        free(tmp);
        cx.doc = &doc;
        if (cp_parse_root(&cx, yaml_document_get_root_node(&doc), conf) == 0 &&
            !cx.failed && cp_kafka_groups(conf)) {
                cx.failed = true;
                snprintf(errstr, errstr_size, "%s: out of memory", path);
        }
        yaml_document_delete(&doc);
        free(cx.dir);
        if (cx.failed) {
                cp_conf_destroy(conf);
                return NULL;
        }
        return conf;
}

void cp_conf_destroy(cp_conf_t *conf)
{
        if (!conf)
                return;
        for (size_t i = 0; i < conf->conf_nsources; i++) {
                cp_source_conf_t *s = &conf->conf_sources[i];
                free(s->src_id);
                free(s->src_region);
                for (size_t j = 0; j < s->src_npaths; j++)
                        free(s->src_paths[j]);
                free(s->src_paths);
                for (size_t j = 0; j < s->src_ncolumns; j++)
                        free(s->src_columns[j].cm_column);
                free(s->src_columns);
                for (size_t j = 0; j < s->src_nsheets; j++)
                        free(s->src_sheets[j]);
                free(s->src_sheets);
                cp_http_conf_free(s->src_http);
                cp_kafka_src_free(s->src_kafka);
                for (size_t j = 0; j < s->src_nregimes; j++)
                        free(s->src_regimes[j]);
                free(s->src_regimes);
                free(s->src_done_dir);
        }
        free(conf->conf_sources);
        for (size_t i = 0; i < conf->conf_nkafka; i++) {
                free(conf->conf_kafka[i].kv_key);
                free(conf->conf_kafka[i].kv_value);
        }
        free(conf->conf_kafka);
        if (conf->conf_pseudonym_key)
                explicit_bzero(conf->conf_pseudonym_key, conf->conf_pseudonym_key_len);
        free(conf->conf_pseudonym_key);
        free(conf->conf_pseudonym_key_file);
        free(conf->conf_path);
        free(conf->conf_brokers);
        free(conf->conf_uscc_categories);
        free(conf->conf_as_of);
        free(conf->conf_rules);
        free(conf->conf_topic_records);
        free(conf->conf_topic_rejects);
        free(conf->conf_topic_sharing);
        free(conf->conf_topic_checkpoints);
        free(conf->conf_state_dir);
        free(conf->conf_instance);
        free(conf->conf_metrics_listen);
        free(conf);
}

int cp_conf_source_index(const cp_conf_t *conf, const char *id)
{
        for (size_t i = 0; i < conf->conf_nsources; i++)
                if (!strcmp(conf->conf_sources[i].src_id, id))
                        return (int)i;
        return -1;
}

bool cp_conf_source_has_field(const cp_source_conf_t *src, int f)
{
        if (src->src_format == CP_FMT_KAFKA && src->src_kafka &&
            src->src_kafka->ks_value == CP_KVAL_PROTOBUF)
                return true;
        for (size_t i = 0; i < src->src_ncolumns; i++)
                if (src->src_columns[i].cm_field == f)
                        return true;
        return false;
}

int cp_conf_source_fits(const cp_conf_t *conf, const char *id, int role, int category,
                        char *errstr, size_t errstr_size)
{
        int i = cp_conf_source_index(conf, id);
        const cp_source_conf_t *s;

        if (i < 0 && role == CP_ROLE_CENTRAL) {
                snprintf(errstr, errstr_size, "central source '%s' is no longer configured: "
                         "every other source was joined against it, and the join cannot be "
                         "undone; keep it, or start afresh with another state.instance and "
                         "state.dir", id);
                return -2;
        }
        if (i < 0)
                return -1;
        s = &conf->conf_sources[i];
        if ((role && role != (int)s->src_role) || (category && category != s->src_category)) {
                snprintf(errstr, errstr_size, "source '%s' changed its %s since its state was "
                         "kept; the state of a source holds for one role and category only: "
                         "give the source a new id to start it afresh, or keep the old %s",
                         id, role && role != (int)s->src_role ? "role" : "category",
                         role && role != (int)s->src_role ? "role" : "category");
                return -2;
        }
        return i;
}
