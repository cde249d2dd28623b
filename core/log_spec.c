#include "log_spec.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"

/* Every component the code logs with. tests/cli/check_log_events.py
 * fails when a call site uses one that is missing here or in
 * docs/logging.md. */
static const char *const cp_log_components[] = {
        "run", "broker", "ingest", "transform", "sink", "kafka", "metrics", NULL};

void cp_log_spec_components(char *out, size_t outsz)
{
        size_t n = 0;

        out[0] = '\0';
        for (const char *const *c = cp_log_components; *c && n < outsz; c++)
                n += (size_t)snprintf(out + n, outsz - n, "%s%s",
                                      c == cp_log_components ? "" : ", ", *c);
}

static int cp_log_spec_known(const char *comp)
{
        for (const char *const *c = cp_log_components; *c; c++)
                if (!strcmp(*c, comp))
                        return 1;
        return 0;
}

/* Copies s[0..n) without surrounding blanks into out (size outsz).
 * @returns -1 if it does not fit. */
static int cp_log_spec_trim(const char *s, size_t n, char *out, size_t outsz)
{
        while (n && (*s == ' ' || *s == '\t'))
                s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--;
        if (n >= outsz)
                return -1;
        memcpy(out, s, n);
        out[n] = '\0';
        return 0;
}

int cp_log_spec_parse(const char *text, int dflt, cp_log_spec_t *out,
                      char *errstr, size_t errstr_size)
{
        cp_log_spec_t sp = {.ls_default = dflt};
        const char *p = text;
        int have_default = 0;

        if (!text || !*text) {
                snprintf(errstr, errstr_size, "empty log level; use e.g. "
                         "'info' or 'info,sink=debug'");
                return -1;
        }
        for (;;) {
                const char *end = strchr(p, ',');
                size_t n = end ? (size_t)(end - p) : strlen(p);
                char item[64], *eq;
                int level;

                if (cp_log_spec_trim(p, n, item, sizeof(item))) {
                        snprintf(errstr, errstr_size, "log level item '%.*s' is too long",
                                 (int)(n > 40 ? 40 : n), p);
                        return -1;
                }
                if (!*item) {
                        snprintf(errstr, errstr_size, "empty item in log level '%s'", text);
                        return -1;
                }
                eq = strchr(item, '=');
                level = cp_log_level_by_name(eq ? eq + 1 : item);
                if (level < 0) {
                        snprintf(errstr, errstr_size, "unknown log level '%s'%s%s%s "
                                 "(levels: debug, info, warn, error)",
                                 eq ? eq + 1 : item, strcmp(item, text) ? " in '" : "",
                                 strcmp(item, text) ? text : "",
                                 strcmp(item, text) ? "'" : "");
                        return -1;
                }
                if (!eq) {
                        if (have_default++) {
                                snprintf(errstr, errstr_size, "log level '%s' has two "
                                         "default levels", text);
                                return -1;
                        }
                        sp.ls_default = level;
                } else {
                        *eq = '\0';
                        /* "sink =debug" is as readable as "sink=debug", and
                         * "SINK" as "sink", like the level names. */
                        cp_log_spec_trim(item, strlen(item), item, sizeof(item));
                        for (char *c = item; *c; c++)
                                if (*c >= 'A' && *c <= 'Z')
                                        *c = (char)(*c - 'A' + 'a');
                        if (strlen(item) >= CP_LOG_SPEC_COMP_MAX ||
                            !cp_log_spec_known(item)) {
                                char known[128];

                                cp_log_spec_components(known, sizeof(known));
                                snprintf(errstr, errstr_size, "unknown log component '%s' "
                                         "(components: %s)", item, known);
                                return -1;
                        }
                        for (size_t i = 0; i < sp.ls_n; i++)
                                if (!strcmp(sp.ls_ov[i].comp, item)) {
                                        snprintf(errstr, errstr_size, "log component "
                                                 "'%s' is given twice", item);
                                        return -1;
                                }
                        if (sp.ls_n == CP_LOG_SPEC_OVERRIDES_MAX) {
                                snprintf(errstr, errstr_size, "log level '%s' has more "
                                         "than %d components", text,
                                         CP_LOG_SPEC_OVERRIDES_MAX);
                                return -1;
                        }
                        memcpy(sp.ls_ov[sp.ls_n].comp, item, strlen(item) + 1);
                        sp.ls_ov[sp.ls_n++].level = level;
                }
                if (!end)
                        break;
                p = end + 1;
        }
        *out = sp;
        return 0;
}

int cp_log_spec_level(const cp_log_spec_t *sp, const char *comp)
{
        for (size_t i = 0; i < sp->ls_n; i++)
                if (!strcmp(sp->ls_ov[i].comp, comp))
                        return sp->ls_ov[i].level;
        return sp->ls_default;
}

int cp_log_spec_floor(const cp_log_spec_t *sp)
{
        int floor = sp->ls_default;

        for (size_t i = 0; i < sp->ls_n; i++)
                if (sp->ls_ov[i].level < floor)
                        floor = sp->ls_ov[i].level;
        return floor;
}
