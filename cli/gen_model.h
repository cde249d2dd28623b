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
 *   - its content (subject, authority, numbers, dates).
 * Feeds walk the universe and write the entries they hold, so the truth
 * is known by construction: a source's unique keys are the entries it
 * holds, its shared keys those central also holds. Keys cannot collide
 * by accident: 文号 and 案号 carry g, and a listed company is chosen
 * injectively from g. Nothing is stored per entry.
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
        uint64_t pl_pilot_stride;               /* every stride-th penalty: pilot code */
        uint64_t pl_phantom[CP_GEN_CAT__COUNT]; /* entries made for bad rows so far */
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

enum {
        CP_GEN_SUBJ_ORG,          /* organisation with a USCC */
        CP_GEN_SUBJ_PERSON,       /* person with a full resident number */
        CP_GEN_SUBJ_MASKED,       /* person with a masked resident number */
        CP_GEN_SUBJ_NAME_ONLY,    /* person published without any number */
};

typedef struct cp_gen_subject_s {
        int sj_kind;
        bool sj_pilot;            /* one of the pilot-era codes */
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

/** @brief Company c of a region group (CP_GEN_G_*). */
void cp_gen_company(const cp_gen_plan_t *pl, int group, uint64_t c,
                    cp_gen_subject_t *sj);

/** @brief Person p of a region group, published as kind (CP_GEN_SUBJ_*). */
void cp_gen_person(const cp_gen_plan_t *pl, int group, uint64_t p, int kind,
                   cp_gen_subject_t *sj);

typedef struct cp_gen_entry_s {
        int en_cat;
        int en_class;
        uint64_t en_index;
        cp_gen_subject_t en_subj;
        int en_region;             /* authority or court region */
        char en_auth[160];         /* deciding authority, court, listing body */
        char en_auth_uscc[20];     /* "" when withheld for this entry */
        /* penalties: 文号 = prefix + bracketed year + serial + 号 */
        char en_doc_prefix[48];
        int en_doc_year;
        uint64_t en_doc_serial;
        int32_t en_date;           /* decision / filing / listing date */
        int32_t en_date2;          /* publication end / publish date / valid to */
        const char *en_act;        /* 违法行为类型 */
        const char *en_law;
        const char *en_ptype;      /* 处罚类别 */
        uint64_t en_fine_yuan;
        int en_text;               /* free-text variant: 0 plain, 1 two lines, 2 quotes */
        /* defaulters */
        char en_case[64];          /* 案号, written the same by every source */
        char en_gist[64];          /* 执行依据文号 */
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
