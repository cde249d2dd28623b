/*
 * The entry model of `credpipe gen`: what exists in the synthetic world,
 * independently of how any feed writes it.
 *
 * DESIGN: each category has a universe of entries numbered 0..n-1. An
 * entry is one natural key (one penalty decision against one party, one
 * defaulter in one enforcement case, one listing). Everything about entry
 * g is a pure function of (seed, category, g):
 *   - its class: which non-central sources hold it (e.g. a penalty held by
 *     the sectoral feed only, by the sectoral and the municipal feed, by
 *     the municipal feed only, or by central only);
 *   - whether central holds it (a per-class probability, drawn per entry);
 *   - its content (subject, authority, numbers, dates) and its flags: a
 *     decision the non-central feeds publish without its 文号 (weak key) or
 *     without the authority's code (fuzzy match only), an entry the
 *     municipal feed marks as withdrawn, or lists and later withdraws
 *     (see CP_GEN_EN_*).
 * Feeds walk the universe and write the entries they hold, so the truth
 * is known by construction: a source's unique keys are the entries it
 * holds, its shared keys those central holds under the same key. Keys
 * cannot collide by accident: 文号 and 案号 carry g, a listed company is
 * chosen injectively from g, a penalty keyed by its fallback fields has a
 * company of its own, and no two persons share a name. Nothing is stored
 * per entry.
 *
 * Dates are drawn from profiles relative to the observation date (the
 * configuration's completeness.as_of, CP_GEN_AS_OF_*), so that the entries
 * of every source fall in every class of docs/metrics.md: expired, not yet
 * due, not eligible (minor penalties decided under the 2026 regime) and
 * active. The class itself is computed from what a source writes
 * (gen_view.c), never assumed from the profile.
 */
#ifndef CP_GEN_MODEL_H
#define CP_GEN_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "gen_rng.h"

enum {
        CP_GEN_CAT_PENALTY = 0,   /* admin_penalty */
        CP_GEN_CAT_DEFAULTER,     /* judgment_defaulter */
        CP_GEN_CAT_BLACKLIST,     /* blacklist */
        CP_GEN_CAT__COUNT
};

/* Classes, per category: which non-central sources hold an entry. */
enum {
        CP_GEN_PEN_SECTORAL = 0,  /* the sectoral penalty feed only */
        CP_GEN_PEN_BOTH,          /* sectoral and municipal: a cross-source duplicate */
        CP_GEN_PEN_MUNICIPAL,     /* the municipal penalty feed only */
        CP_GEN_PEN_CENTRAL,       /* central only */
};
enum {
        CP_GEN_DEF_PERSON = 0,    /* SPC feed, natural persons */
        CP_GEN_DEF_ORG,           /* SPC feed, organisations */
        CP_GEN_DEF_CPERSON,       /* central only, natural persons */
        CP_GEN_DEF_CORG,          /* central only, organisations */
};
enum {
        CP_GEN_BL_MUNICIPAL = 0,  /* the municipal blacklist */
        CP_GEN_BL_CENTRAL,        /* central only */
};
#define CP_GEN_MAXCLASS 4

/* The observation date written to the configuration (completeness.as_of):
 * after the 2026 regime's start, so penalties of all three NDRC regimes
 * exist, and fixed, so the truth does not depend on the day gen runs. */
#define CP_GEN_AS_OF_Y 2026
#define CP_GEN_AS_OF_M 9
#define CP_GEN_AS_OF_D 30

/* Sources the plan knows the fields of (gen_sources.c has 8). */
#define CP_GEN_MAXSRC 32

/* Entries of a category chosen to be withdrawn later (pl_later). */
#define CP_GEN_MAXLATER 32

typedef struct cp_gen_class_s {
        int cl_per_mille;        /* share of the category's universe */
        int cl_central_per10k;   /* chance that central holds such an entry */
} cp_gen_class_t;

extern const cp_gen_class_t cp_gen_classes[CP_GEN_CAT__COUNT][CP_GEN_MAXCLASS];
extern const int cp_gen_nclasses[CP_GEN_CAT__COUNT];

typedef struct cp_gen_plan_s {
        uint64_t pl_seed;
        uint64_t pl_rows;                       /* requested total rows */
        uint64_t pl_n[CP_GEN_CAT__COUNT];       /* universe size per category */
        uint64_t pl_companies;                  /* companies parties are drawn from */
        uint64_t pl_persons;                    /* persons parties are drawn from */
        /* Company numbers in use: the pool, companies chosen as g, and the
         * CP_GEN_NSUSPECT companies with a flawed code at the end. */
        uint64_t pl_company_slots;
        /* every stride-th entry of a category is designated (pilot code,
         * suspect code; see cp_gen_designated) */
        uint64_t pl_stride[CP_GEN_CAT__COUNT];
        uint64_t pl_phantom[CP_GEN_CAT__COUNT]; /* entries made for bad rows so far */
        /* Entries chosen to be withdrawn later whatever the draws say, so
         * that each fate occurs (see cp_gen_plan_init), ascending. */
        uint64_t pl_later[CP_GEN_CAT__COUNT][CP_GEN_MAXLATER];
        int pl_nlater[CP_GEN_CAT__COUNT];
        int32_t pl_as_of;                       /* observation date, days */
        uint32_t pl_has[CP_GEN_MAXSRC];         /* per source: CP_GEN_F_* bits it has columns for */
} cp_gen_plan_t;

/**
 * @brief Sizes the universes so that about `rows` rows are written.
 * @param rows_per_entry rows the feeds write per universe entry, by category
 *        (every holder's copy, duplicates and bad rows included)
 */
void cp_gen_plan_init(cp_gen_plan_t *pl, uint64_t seed, uint64_t rows,
                      const double rows_per_entry[CP_GEN_CAT__COUNT]);

/** @returns the class of entry g. */
int cp_gen_class_of(const cp_gen_plan_t *pl, int cat, uint64_t g);

/** @returns whether central holds entry g of class cls. */
bool cp_gen_central_has(const cp_gen_plan_t *pl, int cat, uint64_t g, int cls);

/* Designated entries: a handful per category at fixed places, whatever
 * --rows is, so that every source shows what they stand for. */
enum {
        CP_GEN_DESIG_NONE = 0,
        CP_GEN_DESIG_PILOT,       /* penalties: subject with a pilot-era USCC */
        CP_GEN_DESIG_SUSPECT,     /* subject whose USCC fails its GB 11714 check */
};
/** @returns CP_GEN_DESIG_* of entry g. */
int cp_gen_designated(const cp_gen_plan_t *pl, int cat, uint64_t g);

enum {
        CP_GEN_SUBJ_ORG,          /* organisation with a USCC */
        CP_GEN_SUBJ_PERSON,       /* person with a full resident number */
        CP_GEN_SUBJ_MASKED,       /* person with a masked resident number */
        CP_GEN_SUBJ_NAME_ONLY,    /* person published without any number */
};

/* Companies with a flawed but usable code (orgcode_check_failed). */
#define CP_GEN_NSUSPECT 3

typedef struct cp_gen_subject_s {
        int sj_kind;
        bool sj_pilot;            /* one of the pilot-era codes */
        /* the identifier is usable but carries a WARNING finding (a pilot
         * code: uscc_check_failed; a suspect code: orgcode_check_failed) */
        bool sj_flagged;
        /* Index of the subject key (U:, P:, M: or N:) in a per-source
         * bitmap of cp_gen_subject_slots bits: one subject key, one index */
        uint64_t sj_slot;
        int sj_region;            /* index in cp_gen_regions */
        char sj_deptcat[3];       /* USCC positions 1-2 */
        char sj_name[160];
        char sj_uscc[20];         /* "" when none */
        char sj_pid[20];          /* as published: full or masked; "" if none */
        char sj_pid_full[20];     /* the full number behind a mask */
        char sj_rep[32];          /* legal representative of an organisation */
        int sj_birth_year;
        bool sj_male;
} cp_gen_subject_t;

/** @returns the size of the subject bitmaps (see sj_slot). */
uint64_t cp_gen_subject_slots(const cp_gen_plan_t *pl);

/** @brief Company c of a region group (CP_GEN_G_*). */
void cp_gen_company(const cp_gen_plan_t *pl, int group, uint64_t c,
                    cp_gen_subject_t *sj);

/** @brief Person p of a region group, published as kind (CP_GEN_SUBJ_*). */
void cp_gen_person(const cp_gen_plan_t *pl, int group, uint64_t p, int kind,
                   cp_gen_subject_t *sj);

/* Entry flags (en_flags). Each names a rule the views (gen_view.c) and so
 * the truth follow; none is set on an entry made for a bad row. */
enum {
        /* The non-central holders publish the decision without its 文号
         * (penalties) or without the 案号 (defaulters): their key is built
         * from the fallback fields (weak_key); central has the number. */
        CP_GEN_EN_WEAK = 1u << 0,
        /* The non-central holders publish no authority USCC although the
         * authority has one, which central gives: their key has the
         * authority's name, central's its code; only the fuzzy key (subject
         * + 文号) matches. */
        CP_GEN_EN_SPLIT = 1u << 1,
        /* The municipal source's status column says it was withdrawn or
         * repaired (municipal-only classes, so no other feed disagrees). */
        CP_GEN_EN_WITHDRAWN = 1u << 2,
        /* Withdrawn by a later record (docs/metrics.md "Entries withdrawn
         * by a later record"): the sources with a status column that hold
         * it write it as usual (an ordinary status), then again a few
         * entries further on with a withdrawn status (gen_feed.c). Never
         * with CP_GEN_EN_WITHDRAWN. Only on entries whose key has a
         * producer the read order decides: held by one non-central source,
         * or by central under the same key (the run reads non-central
         * sources concurrently, so which of two produces a key they share
         * is a race). What the later record does is computed from the
         * views (cp_gen_view_later_fate), never assumed. */
        CP_GEN_EN_WITHDRAWN_LATER = 1u << 3,
};

/* What a later withdrawn record of a source does (docs/metrics.md), from
 * its first view of the key: */
enum {
        CP_GEN_LATER_DUP = 0,     /* first view not active: a duplicate, nothing moves */
        CP_GEN_LATER_MOVED,       /* leaves active; another source produced it: a duplicate */
        CP_GEN_LATER_REMOVAL,     /* leaves active; the source produced it: a REMOVAL */
};

/* Penalty tiers (data/publication_rules.tsv); TIER_ANY for categories
 * without tier lines. */
enum { CP_GEN_TIER_ANY = 0, CP_GEN_TIER_MINOR, CP_GEN_TIER_GENERAL, CP_GEN_TIER_SERIOUS };

typedef struct cp_gen_entry_s {
        int en_cat;
        int en_class;
        uint64_t en_index;
        unsigned en_flags;         /* CP_GEN_EN_* */
        int en_desig;              /* CP_GEN_DESIG_* */
        cp_gen_subject_t en_subj;
        int en_region;             /* authority or court region */
        char en_auth[160];         /* deciding authority, court, listing body */
        char en_auth_uscc[20];     /* "" when the authority has none published */
        /* penalties: 文号 = prefix + bracketed year + serial + 号 */
        char en_doc_prefix[48];
        int en_doc_year;
        uint64_t en_doc_serial;
        /* penalties: decision date, publication end (公示截止期);
         * defaulters: filing date (立案, the decision_date field), the day
         * the SPC listed the defaulter (publishDate, the list_date field);
         * blacklists: list date, valid to */
        int32_t en_date;
        int32_t en_date2;
        const char *en_act;        /* 违法行为类型 */
        const char *en_law;
        int en_ptype;              /* index in cp_gen_penalty_types */
        int en_tier;               /* CP_GEN_TIER_* of the penalty type and content */
        uint64_t en_fine_yuan;
        int en_text;               /* free-text variant: 0 plain, 1 two lines, 2 quotes */
        /* defaulters */
        char en_case[64];          /* 案号, written the same by every source */
        char en_gist[64];          /* 执行依据文号, unique per entry */
        const char *en_disrupt;
        bool en_partial;           /* 部分未履行 rather than 全部未履行 */
        uint64_t en_duty_yuan;
        uint64_t en_srcid;         /* SPC record id */
        /* blacklists */
        int en_list;               /* index in cp_gen_lists */
        const char *en_reason;
} cp_gen_entry_t;

/** @brief Builds entry g of a category as class cls (see DESIGN). */
void cp_gen_entry_build(const cp_gen_plan_t *pl, int cat, uint64_t g, int cls,
                        cp_gen_entry_t *en);

#endif
