#include "rules.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/field.h"
#include "normalize.h"

/* Generated at build time from data/publication_rules.tsv (CMakeLists.txt). */
extern const unsigned char cp_rules_tsv[];
extern const size_t cp_rules_tsv_len;

const char *cp_rules_builtin(size_t *len)
{
        *len = cp_rules_tsv_len;
        return (const char *)cp_rules_tsv;
}

const char *cp_tier_name(cp_tier_t t)
{
        switch (t) {
        case CP_TIER_MINOR: return "minor";
        case CP_TIER_GENERAL: return "general";
        case CP_TIER_SERIOUS: return "serious";
        case CP_TIER_ANY: break;
        }
        return "any";
}

static int cp_tier_by_name(const char *s)
{
        for (int t = CP_TIER_ANY; t <= CP_TIER_SERIOUS; t++)
                if (!strcmp(s, cp_tier_name((cp_tier_t)t)))
                        return t;
        return -1;
}

/* Splits a line in place at tabs and spaces. @returns the word count. */
static size_t cp_words(char *line, char **w, size_t max)
{
        size_t n = 0;
        char *save = NULL;

        for (char *t = strtok_r(line, " \t\r", &save); t && n < max;
             t = strtok_r(NULL, " \t\r", &save))
                w[n++] = t;
        return n;
}

typedef struct cp_rules_cx_s {
        const char *name;
        int line;
        char *errstr;
        size_t errstr_size;
} cp_rules_cx_t;

static int cp_rules_fail(cp_rules_cx_t *cx, const char *fmt, const char *what)
{
        char msg[256];

        snprintf(msg, sizeof(msg), fmt, what);
        snprintf(cx->errstr, cx->errstr_size, "%s:%d: %s", cx->name, cx->line, msg);
        return -1;
}

static int cp_rules_date(cp_rules_cx_t *cx, const char *s, int32_t open, int32_t *out)
{
        if (!strcmp(s, "-")) {
                *out = open;
                return 0;
        }
        if (cp_norm_date_ex(s, NULL, out) != CP_DATE_OK)
                return cp_rules_fail(cx, "'%s' is not a date; write YYYY-MM-DD or -", s);
        return 0;
}

static int cp_rules_days(cp_rules_cx_t *cx, const char *s, int32_t *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || v < 0 || v > 36500)
                return cp_rules_fail(cx, "'%s' is not a number of days (0..36500)", s);
        *out = (int32_t)v;
        return 0;
}

static int cp_rules_category(cp_rules_cx_t *cx, const char *s)
{
        int c = cp_category_by_name(s);

        if (c < 0 || c >= 16)
                return cp_rules_fail(cx, "unknown category '%s'", s);
        return c;
}

static int cp_rules_rule(cp_rules_t *rs, cp_rules_cx_t *cx, char **w, size_t n)
{
        cp_rule_t r = {.ru_line = cx->line};
        cp_rule_t *grown;
        int c, t;

        if (n != 11)
                return cp_rules_fail(cx, "%s", "a rule has 10 columns: REGIME CATEGORY TIER "
                                     "DECIDED_FROM DECIDED_UNTIL CLOCK LAG_DAYS MIN_DAYS "
                                     "MAX_DAYS PUBLISHED");
        if (strlen(w[1]) >= sizeof(r.ru_regime))
                return cp_rules_fail(cx, "regime name '%s' is too long", w[1]);
        strcpy(r.ru_regime, w[1]);
        if ((c = cp_rules_category(cx, w[2])) < 0)
                return -1;
        r.ru_category = c;
        if ((t = cp_tier_by_name(w[3])) < 0)
                return cp_rules_fail(cx, "unknown tier '%s' (any, minor, general, serious)", w[3]);
        r.ru_tier = (cp_tier_t)t;
        if (cp_rules_date(cx, w[4], INT32_MIN, &r.ru_decided_from) ||
            cp_rules_date(cx, w[5], INT32_MAX, &r.ru_decided_until))
                return -1;
        if (!strcmp(w[6], "decision"))
                r.ru_clock = CP_CLOCK_DECISION;
        else if (!strcmp(w[6], "publish"))
                r.ru_clock = CP_CLOCK_PUBLISH;
        else if (!strcmp(w[6], "list"))
                r.ru_clock = CP_CLOCK_LIST;
        else
                return cp_rules_fail(cx, "unknown clock '%s' (decision, publish, list)", w[6]);
        if (cp_rules_days(cx, w[7], &r.ru_lag_days) || cp_rules_days(cx, w[8], &r.ru_min_days) ||
            cp_rules_days(cx, w[9], &r.ru_max_days))
                return -1;
        if (!strcmp(w[10], "yes"))
                r.ru_published = true;
        else if (strcmp(w[10], "no"))
                return cp_rules_fail(cx, "PUBLISHED is yes or no, not '%s'", w[10]);
        grown = realloc(rs->rs_rules, (rs->rs_nrules + 1) * sizeof(*grown));
        if (!grown)
                return cp_rules_fail(cx, "%s", "out of memory");
        rs->rs_rules = grown;
        rs->rs_rules[rs->rs_nrules++] = r;
        return 0;
}

static int cp_rules_tierword(cp_rules_t *rs, cp_rules_cx_t *cx, char **w, size_t n)
{
        cp_tier_word_t tw;
        cp_tier_word_t *grown;
        int c, t;

        if (n != 4)
                return cp_rules_fail(cx, "%s", "a tier line has 3 columns: CATEGORY TIER KEYWORD");
        if ((c = cp_rules_category(cx, w[1])) < 0)
                return -1;
        if ((t = cp_tier_by_name(w[2])) <= CP_TIER_ANY)
                return cp_rules_fail(cx, "tier '%s' is not minor, general or serious", w[2]);
        if (strlen(w[3]) >= sizeof(tw.tw_word))
                return cp_rules_fail(cx, "keyword '%s' is too long", w[3]);
        tw.tw_category = c;
        tw.tw_tier = (cp_tier_t)t;
        strcpy(tw.tw_word, w[3]);
        grown = realloc(rs->rs_words, (rs->rs_nwords + 1) * sizeof(*grown));
        if (!grown)
                return cp_rules_fail(cx, "%s", "out of memory");
        rs->rs_words = grown;
        rs->rs_words[rs->rs_nwords++] = tw;
        return 0;
}

static int cp_rules_required(cp_rules_t *rs, cp_rules_cx_t *cx, char **w, size_t n)
{
        int c;

        if (n < 3)
                return cp_rules_fail(cx, "%s", "a required line names a category and fields");
        if ((c = cp_rules_category(cx, w[1])) < 0)
                return -1;
        memset(rs->rs_required[c], 0, sizeof(rs->rs_required[c]));
        for (size_t i = 2; i < n; i++) {
                int f = !strcmp(w[i], "subject_id") ? CP_REQ_SUBJECT_ID : cp_field_by_name(w[i]);

                if (f < 0)
                        return cp_rules_fail(cx, "unknown field '%s' (docs/configuration.md "
                                             "lists the canonical fields)", w[i]);
                rs->rs_required[c][f] = 1;
        }
        return 0;
}

static int cp_rules_defaults(cp_rules_t *rs, cp_rules_cx_t *cx, char **w, size_t n)
{
        free(rs->rs_default);
        rs->rs_ndefault = 0;
        rs->rs_default = calloc(n, sizeof(*rs->rs_default));
        if (!rs->rs_default)
                return cp_rules_fail(cx, "%s", "out of memory");
        for (size_t i = 1; i < n; i++) {
                if (strlen(w[i]) >= sizeof(rs->rs_default[0]))
                        return cp_rules_fail(cx, "regime name '%s' is too long", w[i]);
                strcpy(rs->rs_default[rs->rs_ndefault++], w[i]);
        }
        return 0;
}

int cp_rules_parse(cp_rules_t *rs, const char *text, size_t len, const char *name,
                   char *errstr, size_t errstr_size)
{
        cp_rules_cx_t cx = {name, 0, errstr, errstr_size};
        char *copy = malloc(len + 1), *p, *save = NULL;
        int rc = 0;

        memset(rs, 0, sizeof(*rs));
        if (!copy) {
                snprintf(errstr, errstr_size, "%s: out of memory", name);
                return -1;
        }
        memcpy(copy, text, len);
        copy[len] = '\0';
        /* strtok_r would skip empty lines and so lose line numbers. */
        for (p = copy; p && !rc; p = save) {
                char *w[64], *hash;
                size_t n;

                save = strchr(p, '\n');
                if (save)
                        *save++ = '\0';
                cx.line++;
                if ((hash = strchr(p, '#')))
                        *hash = '\0';
                n = cp_words(p, w, 64);
                if (n == 0)
                        continue;
                if (!strcmp(w[0], "rule"))
                        rc = cp_rules_rule(rs, &cx, w, n);
                else if (!strcmp(w[0], "tier"))
                        rc = cp_rules_tierword(rs, &cx, w, n);
                else if (!strcmp(w[0], "required"))
                        rc = cp_rules_required(rs, &cx, w, n);
                else if (!strcmp(w[0], "default"))
                        rc = cp_rules_defaults(rs, &cx, w, n);
                else
                        rc = cp_rules_fail(&cx, "unknown line kind '%s' (rule, tier, required, "
                                           "default)", w[0]);
        }
        free(copy);
        for (size_t i = 0; !rc && i < rs->rs_ndefault; i++)
                if (!cp_rules_has_regime(rs, rs->rs_default[i])) {
                        snprintf(errstr, errstr_size, "%s: the default regime '%s' has no rule",
                                 name, rs->rs_default[i]);
                        rc = -1;
                }
        if (rc)
                cp_rules_free(rs);
        return rc;
}

int cp_rules_load(cp_rules_t *rs, const char *path, char *errstr, size_t errstr_size)
{
        FILE *f;
        char *buf = NULL;
        size_t len = 0, cap = 0, n;
        int rc;

        if (!path) {
                const char *text = cp_rules_builtin(&len);
                return cp_rules_parse(rs, text, len, "built-in publication rules", errstr,
                                      errstr_size);
        }
        if (!(f = fopen(path, "rb"))) {
                snprintf(errstr, errstr_size, "%s: cannot read the publication rules: %s",
                         path, strerror(errno));
                return -1;
        }
        do {
                if (len + 4096 > cap) {
                        char *g = realloc(buf, cap = cap * 2 + 8192);
                        if (!g) {
                                free(buf);
                                fclose(f);
                                snprintf(errstr, errstr_size, "%s: out of memory", path);
                                return -1;
                        }
                        buf = g;
                }
                n = fread(buf + len, 1, cap - len, f);
                len += n;
        } while (n > 0);
        fclose(f);
        rc = cp_rules_parse(rs, buf ? buf : "", len, path, errstr, errstr_size);
        free(buf);
        return rc;
}

void cp_rules_free(cp_rules_t *rs)
{
        free(rs->rs_rules);
        free(rs->rs_words);
        free(rs->rs_default);
        memset(rs, 0, sizeof(*rs));
}

bool cp_rules_has_regime(const cp_rules_t *rs, const char *regime)
{
        for (size_t i = 0; i < rs->rs_nrules; i++)
                if (!strcmp(rs->rs_rules[i].ru_regime, regime))
                        return true;
        return false;
}

static bool cp_rules_has_word(const cp_rules_t *rs, int category, cp_tier_t tier,
                              const char *text)
{
        for (size_t i = 0; i < rs->rs_nwords; i++) {
                const cp_tier_word_t *tw = &rs->rs_words[i];

                if (tw->tw_category == category && tw->tw_tier == tier &&
                    strstr(text, tw->tw_word))
                        return true;
        }
        return false;
}

cp_tier_t cp_rules_tier(const cp_rules_t *rs, int category, const char *penalty_type,
                        const char *content)
{
        static const cp_tier_t order[] = {CP_TIER_SERIOUS, CP_TIER_GENERAL, CP_TIER_MINOR};
        const char *text = !cp_norm_is_null(penalty_type) ? penalty_type : content;
        bool any = false;

        for (size_t i = 0; i < rs->rs_nwords; i++)
                any |= rs->rs_words[i].tw_category == category;
        if (!any)
                return CP_TIER_ANY;
        if (cp_norm_is_null(text))
                return CP_TIER_GENERAL;
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
                if (cp_rules_has_word(rs, category, order[i], text))
                        return order[i];
        return CP_TIER_GENERAL;
}

static bool cp_regime_listed(const char *regime, char *const *regimes, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(regime, regimes[i]))
                        return true;
        return false;
}

static bool cp_rule_applies(const cp_rule_t *r, int category, cp_tier_t tier,
                            int32_t decision)
{
        if (r->ru_category != category)
                return false;
        if (r->ru_tier != CP_TIER_ANY && r->ru_tier != tier)
                return false;
        if (!decision)  /* no decision date: the rule open towards the past */
                return r->ru_decided_from == INT32_MIN;
        return decision >= r->ru_decided_from && decision <= r->ru_decided_until;
}

void cp_rules_window(const cp_rules_t *rs, char *const *regimes, size_t nregimes,
                     int category, cp_tier_t tier, int32_t decision,
                     int32_t publish, int32_t list, cp_window_t *win)
{
        char *defaults[64];
        int32_t clock = 0;

        memset(win, 0, sizeof(*win));
        win->wi_published = true;
        win->wi_tier = tier;
        if (!regimes) {
                for (nregimes = 0; nregimes < rs->rs_ndefault && nregimes < 64; nregimes++)
                        defaults[nregimes] = rs->rs_default[nregimes];
                regimes = defaults;
        }
        for (size_t i = 0; i < rs->rs_nrules && !win->wi_rule; i++) {
                const cp_rule_t *r = &rs->rs_rules[i];

                /* The integer tests first: most rules are of another category. */
                if (cp_rule_applies(r, category, tier, decision) &&
                    cp_regime_listed(r->ru_regime, regimes, nregimes))
                        win->wi_rule = r;
        }
        if (!win->wi_rule)
                return;
        win->wi_published = win->wi_rule->ru_published;
        switch (win->wi_rule->ru_clock) {
        case CP_CLOCK_DECISION: clock = decision; break;
        case CP_CLOCK_PUBLISH: clock = publish ? publish : decision; break;
        case CP_CLOCK_LIST: clock = list ? list : decision; break;
        }
        if (!clock)
                return;
        win->wi_from = clock + win->wi_rule->ru_lag_days;
        win->wi_repair = clock + win->wi_rule->ru_min_days;
        if (win->wi_rule->ru_max_days)
                win->wi_until = clock + win->wi_rule->ru_max_days;
}
