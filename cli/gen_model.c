/*
 * The entry model of `credpipe gen` (see gen_model.h).
 *
 * DESIGN: the class shares and central probabilities below set the
 * sharing rates: the sectoral penalty feed ends near 16 % (MERICS found
 * 10-25 % of sectoral records shared centrally, domain.md §6.1), the
 * municipal penalty feed near 63 %, the municipal blacklist near 40 %,
 * the SPC feeds near 86 % (persons) and 66 % (organisations). The exact
 * values come out of the draws and are written to truth.json.
 */
#include "gen_model.h"

#include <stdio.h>
#include <string.h>

#include "gen_ids.h"
#include "gen_out.h"
#include "gen_text.h"

const cp_gen_class_t cp_gen_classes[CP_GEN_CAT__COUNT][CP_GEN_MAXCLASS] = {
        [CP_GEN_CAT_PENALTY] = {
                [CP_GEN_PEN_SECTORAL] = {520, 1400},
                [CP_GEN_PEN_BOTH] = {80, 3000},
                [CP_GEN_PEN_MUNICIPAL] = {300, 7200},
                [CP_GEN_PEN_CENTRAL] = {100, 10000},
        },
        [CP_GEN_CAT_DEFAULTER] = {
                [CP_GEN_DEF_PERSON] = {550, 8600},
                [CP_GEN_DEF_ORG] = {250, 6600},
                [CP_GEN_DEF_CPERSON] = {120, 10000},
                [CP_GEN_DEF_CORG] = {80, 10000},
        },
        [CP_GEN_CAT_BLACKLIST] = {
                [CP_GEN_BL_MUNICIPAL] = {770, 4000},
                [CP_GEN_BL_CENTRAL] = {230, 10000},
        },
};
const int cp_gen_nclasses[CP_GEN_CAT__COUNT] = {4, 4, 2};

/* Share of all rows each category gets. */
static const double cp_gen_cat_share[CP_GEN_CAT__COUNT] = {0.55, 0.30, 0.15};

#define CP_GEN_NPILOT_ENTRIES 6  /* "a handful" of pilot-code penalties */

/* 2019-01-01 .. 2024-12-31 for decisions; listings start a year earlier. */
#define CP_GEN_DAY0 17897        /* cp_gen_days(2019, 1, 1) */
#define CP_GEN_SPAN (6 * 365)

void cp_gen_plan_init(cp_gen_plan_t *pl, uint64_t seed, uint64_t rows,
                      const double rows_per_entry[CP_GEN_CAT__COUNT])
{
        memset(pl, 0, sizeof(*pl));
        pl->pl_seed = seed;
        pl->pl_rows = rows;
        for (int c = 0; c < CP_GEN_CAT__COUNT; c++) {
                uint64_t n = (uint64_t)((double)rows * cp_gen_cat_share[c] /
                                        rows_per_entry[c] + 0.5);
                /* Every class gets at least one entry (see cp_gen_class_of). */
                pl->pl_n[c] = n < (uint64_t)cp_gen_nclasses[c] ?
                              (uint64_t)cp_gen_nclasses[c] : n;
        }
        /* About two penalties or cases per company, so parties recur. */
        pl->pl_companies = (pl->pl_n[CP_GEN_CAT_PENALTY] +
                            pl->pl_n[CP_GEN_CAT_DEFAULTER]) / 2 + 1;
        pl->pl_persons = pl->pl_n[CP_GEN_CAT_DEFAULTER] + 1;
        pl->pl_pilot_stride = pl->pl_n[CP_GEN_CAT_PENALTY] / CP_GEN_NPILOT_ENTRIES;
        /* At least 10, so the first pilot entry (stride / 2) lies past the
         * entries whose class is fixed. */
        if (pl->pl_pilot_stride < 10)
                pl->pl_pilot_stride = 10;
}

/* Returns which pilot code penalty entry g carries, or -1. Pilot entries
 * are spread over the universe and belong to the sectoral feed (a
 * national ministry publishing a Fujian company), so that a municipal
 * feed never shows a Xiamen authority. */
static int cp_gen_pilot_of(const cp_gen_plan_t *pl, uint64_t g)
{
        uint64_t stride = pl->pl_pilot_stride;

        if (g >= pl->pl_n[CP_GEN_CAT_PENALTY] || g % stride != stride / 2 ||
            g / stride >= CP_GEN_NPILOT_ENTRIES)
                return -1;
        return (int)(g / stride % CP_GEN_NPILOT);
}

int cp_gen_class_of(const cp_gen_plan_t *pl, int cat, uint64_t g)
{
        int n = cp_gen_nclasses[cat];
        int r, acc = 0;

        /* The first entries take each class once, so that even --rows 50
         * gives every feed something to hold. */
        if (g < (uint64_t)n)
                return (int)g;
        if (cat == CP_GEN_CAT_PENALTY && cp_gen_pilot_of(pl, g) >= 0)
                return CP_GEN_PEN_SECTORAL;
        r = (int)(cp_gen_hash(pl->pl_seed, CP_GEN_S_CLASS + (uint64_t)cat, g) % 1000);
        for (int c = 0; c < n; c++) {
                acc += cp_gen_classes[cat][c].cl_per_mille;
                if (r < acc)
                        return c;
        }
        return n - 1;
}

bool cp_gen_central_has(const cp_gen_plan_t *pl, int cat, uint64_t g, int cls)
{
        int p = cp_gen_classes[cat][cls].cl_central_per10k;

        if (p >= 10000)
                return true;
        return (int)(cp_gen_hash(pl->pl_seed, CP_GEN_S_CENTRAL + (uint64_t)cat, g)
                     % 10000) < p;
}

static int cp_gen_days_in_month(int y, int m)
{
        static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        return m == 2 && leap ? 29 : dim[m - 1];
}

void cp_gen_company(const cp_gen_plan_t *pl, int group, uint64_t c,
                    cp_gen_subject_t *sj)
{
        /* value is unique per (group, c): the org-code body is a bijection
         * of it, so two companies never share a USCC. */
        uint64_t value = c * CP_GEN_G__COUNT + (uint64_t)group;
        cp_gen_rng_t rng;
        const cp_gen_region_t *rg;
        char region6[7], body[9];
        const char *prefix;
        int r;

        cp_gen_rng_init(&rng, pl->pl_seed, CP_GEN_S_COMPANY, value);
        memset(sj, 0, sizeof(*sj));
        sj->sj_kind = CP_GEN_SUBJ_ORG;
        r = (int)cp_gen_rng_below(&rng, 1000);
        memcpy(sj->sj_deptcat, r < 800 ? "91" : r < 880 ? "92" : r < 910 ? "93" :
               r < 940 ? "12" : r < 965 ? "52" : r < 985 ? "51" : "53", 3);
        sj->sj_region = cp_gen_region_pick(group, cp_gen_rng_next(&rng));
        rg = &cp_gen_regions[sj->sj_region];
        memcpy(region6, rg->rg_code, 7);
        /* One in five registered at city level (province level for the
         * municipalities), as 91110000802100433B is. */
        if (cp_gen_rng_below(&rng, 5) == 0) {
                bool municipality = !memcmp(region6, "11", 2) || !memcmp(region6, "12", 2) ||
                                    !memcmp(region6, "31", 2) || !memcmp(region6, "50", 2);
                memcpy(region6 + (municipality ? 2 : 4), "0000", municipality ? 4 : 2);
        }
        /* Post-2015 bodies come from the department's M segment (MA market
         * regulation, MB establishment, MJ civil affairs); others keep a
         * pre-reform all-digit organisation code. */
        if (cp_gen_rng_below(&rng, 100) < 65)
                prefix = sj->sj_deptcat[0] == '9' ? "MA" : sj->sj_deptcat[0] == '1' ? "MB" : "MJ";
        else
                prefix = NULL;
        cp_gen_orgbody(body, value, prefix);
        cp_gen_uscc_build(sj->sj_uscc, sj->sj_deptcat, region6, body);
        cp_gen_org_name(sj->sj_name, sizeof(sj->sj_name), cp_gen_rng_next(&rng),
                        sj->sj_deptcat, rg);
        cp_gen_person_name(sj->sj_rep, sizeof(sj->sj_rep), cp_gen_rng_next(&rng));
}

void cp_gen_person(const cp_gen_plan_t *pl, int group, uint64_t p, int kind,
                   cp_gen_subject_t *sj)
{
        uint64_t value = p * CP_GEN_G__COUNT + (uint64_t)group;
        cp_gen_rng_t rng;
        int y, m, d, seq;

        cp_gen_rng_init(&rng, pl->pl_seed, CP_GEN_S_PERSON, value);
        memset(sj, 0, sizeof(*sj));
        sj->sj_kind = kind;
        sj->sj_region = cp_gen_region_pick(group, cp_gen_rng_next(&rng));
        y = 1955 + (int)cp_gen_rng_below(&rng, 48);
        m = 1 + (int)cp_gen_rng_below(&rng, 12);
        d = 1 + (int)cp_gen_rng_below(&rng, (uint32_t)cp_gen_days_in_month(y, m));
        seq = 1 + (int)cp_gen_rng_below(&rng, 999);  /* 000 draws a warning */
        sj->sj_birth_year = y;
        sj->sj_male = seq % 2;
        cp_gen_ric_build(sj->sj_pid_full, cp_gen_regions[sj->sj_region].rg_code,
                         y, m, d, seq);
        if (kind == CP_GEN_SUBJ_PERSON)
                memcpy(sj->sj_pid, sj->sj_pid_full, 19);
        else if (kind == CP_GEN_SUBJ_MASKED)
                cp_gen_ric_mask(sj->sj_pid, sj->sj_pid_full);
        cp_gen_person_name(sj->sj_name, sizeof(sj->sj_name), cp_gen_rng_next(&rng));
}

/* Pilot code k as a subject; its name is invented, never the real one. */
static void cp_gen_pilot(const cp_gen_plan_t *pl, int k, cp_gen_subject_t *sj)
{
        uint64_t h = cp_gen_hash(pl->pl_seed, CP_GEN_S_COMPANY, ~(uint64_t)k);

        memset(sj, 0, sizeof(*sj));
        sj->sj_kind = CP_GEN_SUBJ_ORG;
        sj->sj_pilot = true;
        sj->sj_region = cp_gen_region_find("350203");
        memcpy(sj->sj_deptcat, "91", 3);
        memcpy(sj->sj_uscc, cp_gen_pilot_codes[k], 19);
        cp_gen_org_name(sj->sj_name, sizeof(sj->sj_name), h, "91",
                        &cp_gen_regions[sj->sj_region]);
        cp_gen_person_name(sj->sj_rep, sizeof(sj->sj_rep), cp_gen_mix(h));
}

/* Authority USCC: department 1 (establishment), category 1 (organ). */
static void cp_gen_authority_uscc(char *out, int region, int dept)
{
        char body[9];

        cp_gen_orgbody(body, 7919u * (uint64_t)(region * CP_GEN_NDEPT + dept) + 101u, "MB");
        cp_gen_uscc_build(out, "11", cp_gen_regions[region].rg_code, body);
}

static void cp_gen_penalty(const cp_gen_plan_t *pl, uint64_t g, cp_gen_entry_t *en,
                           cp_gen_rng_t *rng)
{
        cp_gen_subject_t *sj = &en->en_subj;
        const cp_gen_region_t *rg;
        const cp_gen_dept_t *dp;
        int r = (int)cp_gen_rng_below(rng, 1000), dept, nacts, y, m, d;
        uint64_t c = cp_gen_rng_below(rng, (uint32_t)pl->pl_companies);
        uint64_t p = cp_gen_rng_below(rng, (uint32_t)pl->pl_persons);
        static const uint32_t fines[] = {
                1000, 2000, 5000, 10000, 20000, 30000, 50000, 12500, 35000,
                100000, 200000, 8000,
        };

        switch (en->en_class) {
        case CP_GEN_PEN_SECTORAL:
                if (r < 850)
                        cp_gen_company(pl, CP_GEN_G_ANY, c, sj);
                else if (r < 960)
                        cp_gen_person(pl, CP_GEN_G_ANY, p, CP_GEN_SUBJ_PERSON, sj);
                else
                        cp_gen_person(pl, CP_GEN_G_ANY, p, CP_GEN_SUBJ_NAME_ONLY, sj);
                break;
        case CP_GEN_PEN_BOTH:
                /* Organisations only: a municipal feed re-publishing a
                 * ministry's decision keeps the party's USCC. */
                cp_gen_company(pl, CP_GEN_G_SH, c, sj);
                break;
        case CP_GEN_PEN_MUNICIPAL:
                if (r < 880)
                        cp_gen_company(pl, CP_GEN_G_SH, c, sj);
                else if (r < 980)
                        cp_gen_person(pl, CP_GEN_G_SH, p, CP_GEN_SUBJ_MASKED, sj);
                else
                        cp_gen_person(pl, CP_GEN_G_SH, p, CP_GEN_SUBJ_NAME_ONLY, sj);
                break;
        default:
                if (r < 900)
                        cp_gen_company(pl, CP_GEN_G_ANY, c, sj);
                else
                        cp_gen_person(pl, CP_GEN_G_ANY, p, CP_GEN_SUBJ_MASKED, sj);
                break;
        }
        if (en->en_class == CP_GEN_PEN_SECTORAL && (r = cp_gen_pilot_of(pl, g)) >= 0)
                cp_gen_pilot(pl, r, sj);

        /* The sectoral feed is the emergency-management line; the
         * municipal feed mixes Shanghai's district bureaus. */
        r = (int)cp_gen_rng_below(rng, 100);
        if (en->en_class == CP_GEN_PEN_SECTORAL || en->en_class == CP_GEN_PEN_BOTH)
                dept = CP_GEN_DEPT_MEM;
        else if (en->en_class == CP_GEN_PEN_MUNICIPAL)
                dept = r < 40 ? CP_GEN_DEPT_SAMR : r < 60 ? CP_GEN_DEPT_ENV :
                       r < 80 ? CP_GEN_DEPT_URBAN : r < 90 ? CP_GEN_DEPT_MEM :
                       CP_GEN_DEPT_HEALTH;
        else
                dept = (int)(r % CP_GEN_NDEPT);
        en->en_region = sj->sj_region;
        rg = &cp_gen_regions[en->en_region];
        dp = &cp_gen_depts[dept];
        snprintf(en->en_auth, sizeof(en->en_auth), "%s%s%s", rg->rg_city,
                 rg->rg_district, dp->dp_name);
        /* One decision in twenty is published without the authority's
         * code; every copy of it then keys on the authority's name. */
        if (cp_gen_rng_below(rng, 20))
                cp_gen_authority_uscc(en->en_auth_uscc, en->en_region, dept);

        en->en_date = CP_GEN_DAY0 + (int32_t)cp_gen_rng_below(rng, CP_GEN_SPAN);
        en->en_date2 = en->en_date + 365;
        cp_gen_civil(en->en_date, &y, &m, &d);
        snprintf(en->en_doc_prefix, sizeof(en->en_doc_prefix), "%s%s罚",
                 rg->rg_docabbr, dp->dp_abbr);
        en->en_doc_year = y;
        en->en_doc_serial = g + 1;  /* unique: no two entries share a 文号 */

        for (nacts = 0; dp->dp_acts[nacts]; nacts++)
                ;
        en->en_act = dp->dp_acts[cp_gen_rng_below(rng, (uint32_t)nacts)];
        en->en_law = dp->dp_law;
        en->en_ptype = cp_gen_penalty_types[cp_gen_rng_below(rng, (uint32_t)cp_gen_npenalty_types)];
        en->en_fine_yuan = strcmp(en->en_ptype, "警告") ? fines[cp_gen_rng_below(rng, 12)] : 0;
        r = (int)cp_gen_rng_below(rng, 1000);
        en->en_text = r < 30 ? 1 : r < 130 ? 2 : 0;
}

static void cp_gen_defaulter(const cp_gen_plan_t *pl, uint64_t g, cp_gen_entry_t *en,
                             cp_gen_rng_t *rng)
{
        cp_gen_subject_t *sj = &en->en_subj;
        const cp_gen_region_t *rg;
        uint64_t c = cp_gen_rng_below(rng, (uint32_t)pl->pl_companies);
        uint64_t p = cp_gen_rng_below(rng, (uint32_t)pl->pl_persons);
        int year, r;

        if (en->en_class == CP_GEN_DEF_PERSON || en->en_class == CP_GEN_DEF_CPERSON)
                cp_gen_person(pl, CP_GEN_G_ANY, p, CP_GEN_SUBJ_MASKED, sj);
        else
                cp_gen_company(pl, CP_GEN_G_ANY, c, sj);
        en->en_region = sj->sj_region;
        rg = &cp_gen_regions[en->en_region];
        snprintf(en->en_auth, sizeof(en->en_auth), "%s%s人民法院", rg->rg_city,
                 rg->rg_district);

        year = 2016 + (int)cp_gen_rng_below(rng, 9);
        en->en_date = cp_gen_days(year, 1, 1) + (int32_t)cp_gen_rng_below(rng, 365);
        en->en_date2 = en->en_date + 3 + (int32_t)cp_gen_rng_below(rng, 88);
        r = (int)cp_gen_rng_below(rng, 10);
        /* Court code = province abbreviation + county part of the region
         * (domain.md §3.5); the serial carries g, so 案号 never repeat. */
        snprintf(en->en_case, sizeof(en->en_case), "(%d)%s%s%s%llu号", year,
                 rg->rg_prov, rg->rg_code + 2, r ? "执" : "执恢",
                 (unsigned long long)(g + 1));
        snprintf(en->en_gist, sizeof(en->en_gist), "(%d)%s%s民初%u号",
                 year - (int)cp_gen_rng_below(rng, 2), rg->rg_prov, rg->rg_code + 2,
                 1 + cp_gen_rng_below(rng, 20000));
        en->en_disrupt = cp_gen_disrupt_types[cp_gen_rng_below(rng, (uint32_t)cp_gen_ndisrupt_types)];
        en->en_partial = cp_gen_rng_below(rng, 5) == 0;
        en->en_duty_yuan = 1000u * (1 + cp_gen_rng_below(rng, 2000));
        en->en_srcid = 700000000u + g;
        r = (int)cp_gen_rng_below(rng, 1000);
        en->en_text = r < 40 ? 1 : r < 100 ? 2 : 0;
}

static void cp_gen_blacklist(const cp_gen_plan_t *pl, uint64_t g, cp_gen_entry_t *en,
                             cp_gen_rng_t *rng)
{
        const cp_gen_list_t *ls;
        const char *city;
        int nreasons;

        /* Company g of the group: injective, so (subject, list, date)
         * cannot repeat between entries. */
        cp_gen_company(pl, en->en_class == CP_GEN_BL_MUNICIPAL ? CP_GEN_G_BJ : CP_GEN_G_ANY,
                       g, &en->en_subj);
        en->en_region = en->en_subj.sj_region;
        city = en->en_class == CP_GEN_BL_MUNICIPAL ? "北京市" :
               cp_gen_regions[en->en_region].rg_city;
        en->en_list = (int)cp_gen_rng_below(rng, CP_GEN_NLISTS);
        ls = &cp_gen_lists[en->en_list];
        snprintf(en->en_auth, sizeof(en->en_auth), ls->ls_auth_fmt, city);
        for (nreasons = 0; ls->ls_reasons[nreasons]; nreasons++)
                ;
        en->en_reason = ls->ls_reasons[cp_gen_rng_below(rng, (uint32_t)nreasons)];
        en->en_date = CP_GEN_DAY0 - 365 + (int32_t)cp_gen_rng_below(rng, CP_GEN_SPAN + 365);
        en->en_date2 = en->en_date + 3 * 365;  /* listed for three years */
}

void cp_gen_entry_build(const cp_gen_plan_t *pl, int cat, uint64_t g, int cls,
                        cp_gen_entry_t *en)
{
        cp_gen_rng_t rng;

        en->en_cat = cat;
        en->en_class = cls;
        en->en_index = g;
        en->en_auth_uscc[0] = '\0';
        en->en_text = 0;
        cp_gen_rng_init(&rng, pl->pl_seed, CP_GEN_S_ENTRY + (uint64_t)cat, g);
        switch (cat) {
        case CP_GEN_CAT_PENALTY:
                cp_gen_penalty(pl, g, en, &rng);
                break;
        case CP_GEN_CAT_DEFAULTER:
                cp_gen_defaulter(pl, g, en, &rng);
                break;
        default:
                cp_gen_blacklist(pl, g, en, &rng);
                break;
        }
}
