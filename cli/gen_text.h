/*
 * Names and word lists for `credpipe gen`: regions, companies, persons,
 * authorities, courts, and the free-text values of penalties and lists.
 *
 * DESIGN: plain tables plus builders that turn a hash into a name, so a
 * name is a pure function of its index. Region codes are real GB/T 2260
 * county-level codes (so generated resident numbers pass region checks);
 * names are combinations (city + word + trade + 有限公司) that read as
 * plausible but are not taken from any register.
 */
#ifndef CP_GEN_TEXT_H
#define CP_GEN_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef struct cp_gen_region_s {
        const char *rg_code;      /* 6-digit county-level code */
        const char *rg_city;      /* 北京市, 广州市 */
        const char *rg_cityshort; /* 北京, 广州: in company names */
        const char *rg_district;  /* 朝阳区 */
        const char *rg_prov;      /* province abbreviation in court codes: 京 */
        const char *rg_docabbr;   /* city+district abbreviation in 文号: 京朝 */
        const char *rg_area;      /* SPC areaName: 北京, 广东 */
} cp_gen_region_t;

extern const cp_gen_region_t cp_gen_regions[];
extern const int cp_gen_nregions;

/* Region groups, so municipal feeds hold subjects of their own city. */
enum { CP_GEN_G_ANY = 0, CP_GEN_G_BJ = 1, CP_GEN_G_SH = 2, CP_GEN_G__COUNT };

/** @returns a region index of the group, picked by h. */
int cp_gen_region_pick(int group, uint64_t h);

/** @returns the index of a region by its code, or 0. */
int cp_gen_region_find(const char *code);

/* Authorities that decide penalties: name suffix and 文号 abbreviation. */
typedef struct cp_gen_dept_s {
        const char *dp_name;     /* 应急管理局 */
        const char *dp_abbr;     /* 应急 (in 京朝应急罚〔2021〕12号) */
        const char *dp_law;      /* the law cited in 违法事实 */
        const char *const *dp_acts;  /* 违法行为类型 values, NULL-terminated */
} cp_gen_dept_t;

enum { CP_GEN_DEPT_MEM = 0, CP_GEN_DEPT_SAMR, CP_GEN_DEPT_ENV,
       CP_GEN_DEPT_URBAN, CP_GEN_DEPT_HEALTH, CP_GEN_NDEPT };
extern const cp_gen_dept_t cp_gen_depts[CP_GEN_NDEPT];

/* Blacklists published by municipal and national bodies. */
typedef struct cp_gen_list_s {
        const char *ls_name;       /* 名单名称, part of the natural key */
        const char *ls_auth_fmt;   /* authority, %s = city (北京市) */
        const char *const *ls_reasons;
} cp_gen_list_t;

#define CP_GEN_NLISTS 5
extern const cp_gen_list_t cp_gen_lists[CP_GEN_NLISTS];

/* 处罚类别 and their tiers (CP_GEN_TIER_*): the tier data/publication_rules.tsv
 * gives the type and, as cp_gen_content_text writes it, the 处罚内容 too
 * (test_gen checks both against the rules file). The minor types (警告,
 * 通报批评 alone) are the ones without a fine. */
extern const char *const cp_gen_penalty_types[];
extern const int cp_gen_penalty_tiers[];
extern const int cp_gen_npenalty_types;
extern const char *const cp_gen_disrupt_types[];  /* SPC disruptTypeName */
extern const int cp_gen_ndisrupt_types;

/** @brief A person's name (surname + 1 or 2 characters) from h. */
void cp_gen_person_name(char *out, size_t size, uint64_t h);

/* Distinct person names cp_gen_person_name_at can give. */
#define CP_GEN_NPERSON_NAMES 300120u

/**
 * @brief The name of person number i (below CP_GEN_NPERSON_NAMES): no two
 *        numbers give the same name, so persons never share a subject key
 *        (N:name, and P:/M: keys carry the name).
 */
void cp_gen_person_name_at(char *out, size_t size, uint64_t i);

/**
 * @brief An organisation's name fitting its USCC department+category
 *        ("91" company, "92" individual business, "93" cooperative, "12"
 *        public institution, "51"/"52"/"53" social organisations).
 */
void cp_gen_org_name(char *out, size_t size, uint64_t h, const char *deptcat,
                     const cp_gen_region_t *rg);

#endif
