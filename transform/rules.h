/*
 * Publication rules: when an entry is expected on the central platforms
 * and until when (docs/metrics.md "Publication windows", domain.md §5).
 *
 * DESIGN: the rules are data. The built-in set is data/publication_rules.tsv,
 * embedded at build time; `completeness.rules` names another file of the
 * same format. A rule set is versioned by regime and chosen by the record's
 * decision date, so the 2019, 2023 and 2026 regimes coexist in one run.
 */
#ifndef CP_RULES_H
#define CP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/report.h"

typedef enum cp_tier_e {
        CP_TIER_ANY = 0,
        CP_TIER_MINOR,
        CP_TIER_GENERAL,
        CP_TIER_SERIOUS,
} cp_tier_t;

typedef enum cp_clock_e {
        CP_CLOCK_DECISION = 0,
        CP_CLOCK_PUBLISH,
        CP_CLOCK_LIST,
} cp_clock_t;

typedef struct cp_rule_s {
        char ru_regime[32];
        int ru_category;
        cp_tier_t ru_tier;
        int32_t ru_decided_from;   /* days; INT32_MIN: open */
        int32_t ru_decided_until;  /* days, inclusive; INT32_MAX: open */
        cp_clock_t ru_clock;
        int32_t ru_lag_days;
        int32_t ru_min_days;
        int32_t ru_max_days;       /* 0: no end */
        bool ru_published;
        int ru_line;
} cp_rule_t;

typedef struct cp_tier_word_s {
        int tw_category;
        cp_tier_t tw_tier;
        char tw_word[64];
} cp_tier_word_t;

typedef struct cp_rules_s {
        cp_rule_t *rs_rules;
        size_t rs_nrules;
        cp_tier_word_t *rs_words;
        size_t rs_nwords;
        char (*rs_default)[32];    /* regimes used when a source names none */
        size_t rs_ndefault;
        /* rs_required[category][req]: required for completeness */
        uint8_t rs_required[16][CP_REQ__COUNT];
} cp_rules_t;

/* What the rules say about one record. */
typedef struct cp_window_s {
        int32_t wi_from;     /* expected_public_from, days; 0: unknown */
        int32_t wi_until;    /* expected_public_until (exclusive); 0: no end */
        int32_t wi_repair;   /* earliest repair date; 0: unknown */
        bool wi_published;   /* false: not published at all */
        cp_tier_t wi_tier;
        const cp_rule_t *wi_rule;  /* NULL: no rule applies */
} cp_window_t;

/** @returns the built-in rules text (data/publication_rules.tsv). */
const char *cp_rules_builtin(size_t *len);

/**
 * @brief Parses a rules text.
 * @param name what to call it in errors (a path, or "built-in rules")
 * @returns 0, or -1 with errstr naming the line.
 */
int cp_rules_parse(cp_rules_t *rs, const char *text, size_t len, const char *name,
                   char *errstr, size_t errstr_size);

/** @brief Loads a rules file (path) or, when path is NULL, the built-in set. */
int cp_rules_load(cp_rules_t *rs, const char *path, char *errstr, size_t errstr_size);

void cp_rules_free(cp_rules_t *rs);

/** @returns the tier of a penalty from its penalty_type (else content). */
cp_tier_t cp_rules_tier(const cp_rules_t *rs, int category, const char *penalty_type,
                        const char *content);

/**
 * @brief Computes a record's publication window.
 * @param regimes the source's regimes, or NULL for the file's default
 * @param decision, publish, list dates in days, 0 when unknown
 */
void cp_rules_window(const cp_rules_t *rs, char *const *regimes, size_t nregimes,
                     int category, cp_tier_t tier, int32_t decision,
                     int32_t publish, int32_t list, cp_window_t *win);

/** @returns whether a regime name appears in the rules. */
bool cp_rules_has_regime(const cp_rules_t *rs, const char *regime);

const char *cp_tier_name(cp_tier_t t);

#endif
