/*
 * What one source writes of an entry, and what the pipeline must conclude
 * from that (docs/metrics.md): a source's *view* of an entry.
 *
 * DESIGN: a view is a pure function of (seed, source, entry), drawn from
 * its own stream (CP_GEN_S_VIEW), so the renderer that writes the row and
 * the truth that counts it compute the same view independently, and the
 * truth of one source can look at another source's view (the central view
 * of a key) without anything being stored. A view says which fields the
 * row carries with their value, which it leaves empty or fills with a null
 * placeholder, which a central source writes differently (discrepancies),
 * the status written, the dates written, and so which of the entry's keys
 * the row has. Every figure of docs/metrics.md is then a rule over views:
 *   - the key: the same entry keys alike in two sources exactly when their
 *     variants (weak or not, authority by code or by name) are equal;
 *   - the class: the publication rules (a transcription of
 *     data/publication_rules.tsv, checked against it by test_gen) applied
 *     to the dates and the tier the row shows, and its status;
 *   - shared / fuzzy / unmatched, the compared fields, the lag, the
 *     completeness: which fields both views carry, which central changed.
 * Blanks never touch what the key is built from (unless the view's
 * variant says the key changes: a weak or split entry), so blanking a
 * field changes figures, not keys.
 */
#ifndef CP_GEN_VIEW_H
#define CP_GEN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_model.h"
#include "gen_rng.h"

/* The fields the model knows, by canonical name (cp_gen_field_names). */
enum {
        CP_GEN_F_NAME = 0,     /* subject_name */
        CP_GEN_F_SUBJ_ID,      /* subject_id: any usable subject identifier */
        CP_GEN_F_DOC,          /* document_number (文号; defaulters: 执行依据文号) */
        CP_GEN_F_CASE,         /* case_number */
        CP_GEN_F_PTYPE,        /* penalty_type */
        CP_GEN_F_CONTENT,      /* content */
        CP_GEN_F_FINE,         /* fine_amount */
        CP_GEN_F_DECISION,     /* decision_date */
        CP_GEN_F_LIST,         /* list_date */
        CP_GEN_F_PUBLISH,      /* publish_date */
        CP_GEN_F_VALID_TO,     /* valid_to */
        CP_GEN_F_AUTH,         /* authority */
        CP_GEN_F_AUTH_USCC,    /* authority_uscc */
        CP_GEN_F_REASON,       /* reason */
        CP_GEN_F_LIST_NAME,    /* list_name */
        CP_GEN_F_STATUS,       /* status */
        CP_GEN_F__COUNT
};
#define CP_GEN_FB(f) (1u << (f))

extern const char *const cp_gen_field_names[CP_GEN_F__COUNT];

/** @returns the CP_GEN_F_* of a canonical field name, or -1. */
int cp_gen_field_of(const char *canonical);

/* Classes, reasons and compared fields, in the order and with the names
 * of core/report.h (the report's JSON names). */
enum {
        CP_GEN_KC_ACTIVE = 0, CP_GEN_KC_WITHDRAWN, CP_GEN_KC_NOT_ELIGIBLE,
        CP_GEN_KC_EXPIRED, CP_GEN_KC_NOT_YET_DUE, CP_GEN_KC__COUNT
};
enum {
        CP_GEN_NM_NO_SUBJECT_ID = 0, CP_GEN_NM_MASKED_ONLY, CP_GEN_NM_ID_SUSPECT,
        CP_GEN_NM_WEAK_KEY, CP_GEN_NM_NONE, CP_GEN_NM__COUNT
};
enum {
        CP_GEN_CMP_SUBJECT_NAME = 0, CP_GEN_CMP_AUTHORITY, CP_GEN_CMP_DECISION_DATE,
        CP_GEN_CMP_LIST_DATE, CP_GEN_CMP_VALID_TO, CP_GEN_CMP_PENALTY_TYPE,
        CP_GEN_CMP_FINE_AMOUNT, CP_GEN_CMP_CASE_NUMBER, CP_GEN_CMP__COUNT
};
extern const char *const cp_gen_class_names[CP_GEN_KC__COUNT];
extern const char *const cp_gen_reason_names[CP_GEN_NM__COUNT];
extern const char *const cp_gen_cmp_names[CP_GEN_CMP__COUNT];
extern const int cp_gen_cmp_field[CP_GEN_CMP__COUNT];  /* CP_GEN_F_* compared */

/* Time to central: upper bounds in days (a lag equal to a bound is in its
 * bucket), then an unbounded bucket. */
#define CP_GEN_LAG_BUCKETS 8
extern const int cp_gen_lag_bounds[CP_GEN_LAG_BUCKETS - 1];

/** @returns the bucket of a lag in days (a negative one is in bucket 0). */
int cp_gen_lag_bucket(int32_t lag);

/* Required fields of a category for completeness, in the order of the
 * `required` lines of data/publication_rules.tsv. */
extern const int cp_gen_required[CP_GEN_CAT__COUNT][8];  /* -1 ends */

/* The publication rules the generated configuration uses, in file order
 * (a transcription of data/publication_rules.tsv). */
enum { CP_GEN_CLOCK_DECISION = 0, CP_GEN_CLOCK_PUBLISH, CP_GEN_CLOCK_LIST };
typedef struct cp_gen_rule_s {
        const char *ru_regime;
        int ru_cat;               /* CP_GEN_CAT_* */
        int ru_tier;              /* CP_GEN_TIER_* */
        int32_t ru_from;          /* days, inclusive; INT32_MIN: open */
        int32_t ru_until;         /* days, inclusive; INT32_MAX: open */
        int ru_clock;
        int32_t ru_lag, ru_min, ru_max;  /* days; max 0: no end */
        bool ru_published;
} cp_gen_rule_t;
extern const cp_gen_rule_t cp_gen_rules[];
extern const int cp_gen_nrules;
/* The regimes each category's sources name (publication_rules:). */
extern const char *const cp_gen_regimes[CP_GEN_CAT__COUNT][4];  /* NULL ends */

typedef struct cp_gen_view_s {
        int vw_source;
        bool vw_central;
        uint32_t vw_on;        /* fields written with a value (CP_GEN_FB bits) */
        uint32_t vw_blank;     /* fields the source has but leaves empty or null */
        uint32_t vw_diff;      /* central: fields written with another value */
        unsigned vw_variant;   /* which of the entry's keys the row has */
        const char *vw_null;   /* what a blank field holds: "", "-" or "无" */
        const char *vw_status; /* value of the status column; NULL: none */
        bool vw_withdrawn;     /* the status says withdrawn or repaired */
        int vw_ptype;          /* index of the penalty type written */
        /* dates as written (0: not written) */
        int32_t vw_decision;
        int32_t vw_list;
        int32_t vw_valid_to;
        int32_t vw_publish;
} cp_gen_view_t;

/* Key variants: two views of one entry have the same key iff equal. */
enum {
        CP_GEN_VAR_WEAK = 1u << 0,      /* built from the fallback fields */
        CP_GEN_VAR_AUTH_CODE = 1u << 1, /* penalties: authority keyed by its USCC */
};

/** @brief Makes source si's view of entry en (see DESIGN). */
void cp_gen_view_make(const cp_gen_plan_t *pl, int si, const cp_gen_entry_t *en,
                      cp_gen_view_t *vw);

static inline bool cp_gen_on(const cp_gen_view_t *vw, int f)
{
        return (vw->vw_on >> f) & 1u;
}

/** @returns the class (CP_GEN_KC_*) of a non-central source's view. */
int cp_gen_view_class(const cp_gen_plan_t *pl, const cp_gen_view_t *vw,
                      const cp_gen_entry_t *en);

/**
 * @returns whether source si writes entry en (which it holds) a second
 *          time, withdrawn: CP_GEN_EN_WITHDRAWN_LATER, in a non-central
 *          source with a status column
 */
bool cp_gen_view_writes_later(const cp_gen_plan_t *pl, int si, const cp_gen_entry_t *en);

/** @brief Makes a view that of the later record: a withdrawn status, from rng. */
void cp_gen_view_withdraw(cp_gen_view_t *vw, cp_gen_rng_t *rng);

/**
 * @returns what the later withdrawn record of source si does (CP_GEN_LATER_*),
 *          from si's first view vw of en: whether it was active, and whether
 *          si produced the key, i.e. no source read before it (central ones
 *          first, then table order) holds the entry under the same key
 */
int cp_gen_view_later_fate(const cp_gen_plan_t *pl, int si, const cp_gen_entry_t *en,
                           const cp_gen_view_t *vw);

/** @returns whether source a's records are read before source b's. */
bool cp_gen_reads_before(int a, int b);

/** @returns why an active, unmatched key has no match (CP_GEN_NM_*). */
int cp_gen_view_reason(const cp_gen_view_t *vw, const cp_gen_entry_t *en);

/**
 * @returns whether the fuzzy keys (subject + 文号, or + 案号) of two views
 *          of one entry exist and so are equal (numbers carry the entry).
 */
bool cp_gen_view_fuzzy(const cp_gen_view_t *a, const cp_gen_view_t *b, int cat);

/** @returns the index of the central source of a category, or -1. */
int cp_gen_central_source(int cat);

/**
 * @brief Another spelling of a name that normalises differently but keeps
 *        the subject (有限公司 <-> 有限责任公司).
 * @returns false when the name has none
 */
bool cp_gen_name_variant(const char *name, char *out, size_t size);

/**
 * @brief Another spelling of an authority (市场监管局 for 市场监督管理局,
 *        the name without its city, ...).
 * @returns false when the name has none
 */
bool cp_gen_auth_variant(const char *auth, char *out, size_t size);

/** @brief The 处罚内容 of an entry whose type is ptype (as renders write it). */
void cp_gen_content_text(const cp_gen_entry_t *en, int ptype, bool with_break,
                         char *out, size_t size);

#endif
