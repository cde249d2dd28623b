/*
 * The entry model of `credpipe gen` (see gen_model.h).
 *
 * DESIGN: the class shares and central probabilities below set the
 * sharing rates (shared / active keys): the sectoral penalty feed ends
 * near 15 % (MERICS found 10-25 % of sectoral records shared centrally,
 * domain.md §6.1), the municipal penalty feed near 55 %, the municipal
 * blacklist near 42 %, the SPC feeds near 85 % (persons) and 65 %
 * (organisations); about 70 % of a feed's keys are active. The flags and
 * the views (gen_view.c) take a few per cent each out of the exact
 * matches. The exact values come out of the draws and are written to
 * truth.json.
 */
#include "gen_model.h"

#include <stdio.h>
#include <string.h>

#include "gen_ids.h"
#include "gen_out.h"
#include "gen_source.h"
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

/* The first decisions (2019-01-01); the first day of the NDRC 2023 and
 * 2026 regimes (data/publication_rules.tsv; test_gen checks the numbers). */
#define CP_GEN_DAY0 17897        /* cp_gen_days(2019, 1, 1) */
#define CP_GEN_D2023 19478       /* cp_gen_days(2023, 5, 1) */
#define CP_GEN_D2026 20544       /* cp_gen_days(2026, 4, 1) */

/* Share of all rows each category gets. */
static const double cp_gen_cat_share[CP_GEN_CAT__COUNT] = {0.55, 0.30, 0.15};

#define CP_GEN_NDESIG 6          /* "a handful" of each designated kind */
#define CP_GEN_LATER_KINDS 4     /* see cp_gen_later_kind */
#define CP_GEN_LATER_BLOCKS 3    /* designated blocks that get one of each kind */

/* Flags are drawn in per mille from one hash per entry (CP_GEN_S_FLAGS). */
#define CP_GEN_WEAK_PEN_PM 40    /* penalties published without 文号 */
#define CP_GEN_WEAK_DEF_PM 30    /* SPC organisations without 案号 */
#define CP_GEN_SPLIT_PM 60       /* authority code withheld by the feeds */
#define CP_GEN_WITHDRAWN_PM 60   /* municipal entries withdrawn or repaired */
/* Entries withdrawn by a later record, of those that may be (drawn from
 * their own stream, CP_GEN_S_LATER, so no other draw moves). */
#define CP_GEN_LATER_PM 30

static int cp_gen_later_kind(const cp_gen_plan_t *pl, int cat, uint64_t g);

void cp_gen_plan_init(cp_gen_plan_t *pl, uint64_t seed, uint64_t rows,
                      const double rows_per_entry[CP_GEN_CAT__COUNT])
{
        uint64_t slots;

        memset(pl, 0, sizeof(*pl));
        pl->pl_seed = seed;
        pl->pl_rows = rows;
        for (int c = 0; c < CP_GEN_CAT__COUNT; c++) {
                uint64_t n = (uint64_t)((double)rows * cp_gen_cat_share[c] /
                                        rows_per_entry[c] + 0.5);
                /* Every class gets at least one entry (see cp_gen_class_of). */
                pl->pl_n[c] = n < (uint64_t)cp_gen_nclasses[c] ?
                              (uint64_t)cp_gen_nclasses[c] : n;
                /* At least 10, so the first designated entry (stride / 2)
                 * lies past the entries whose class is fixed. */
                pl->pl_stride[c] = pl->pl_n[c] / CP_GEN_NDESIG;
                if (pl->pl_stride[c] < 10)
                        pl->pl_stride[c] = 10;
        }
        /* About two penalties or cases per company, so parties recur. */
        pl->pl_companies = (pl->pl_n[CP_GEN_CAT_PENALTY] +
                            pl->pl_n[CP_GEN_CAT_DEFAULTER]) / 2 + 1;
        /* Persons are capped so that every person has a name of their own
         * (cp_gen_person_name_at); beyond about 400,000 rows they recur
         * more often. */
        pl->pl_persons = pl->pl_n[CP_GEN_CAT_DEFAULTER] + 1;
        if (pl->pl_persons > CP_GEN_NPERSON_NAMES / CP_GEN_G__COUNT)
                pl->pl_persons = CP_GEN_NPERSON_NAMES / CP_GEN_G__COUNT;
        /* Blacklisted companies and penalties keyed weakly are company g;
         * the suspect companies come after every other. */
        slots = pl->pl_companies;
        if (slots < pl->pl_n[CP_GEN_CAT_PENALTY])
                slots = pl->pl_n[CP_GEN_CAT_PENALTY];
        if (slots < pl->pl_n[CP_GEN_CAT_BLACKLIST])
                slots = pl->pl_n[CP_GEN_CAT_BLACKLIST];
        pl->pl_company_slots = slots + CP_GEN_NSUSPECT;
        pl->pl_as_of = cp_gen_days(CP_GEN_AS_OF_Y, CP_GEN_AS_OF_M, CP_GEN_AS_OF_D);
        for (int s = 0; s < cp_gen_nsources && s < CP_GEN_MAXSRC; s++)
                pl->pl_has[s] = cp_gen_source_fields(&cp_gen_sources[s]);
        /* Entries withdrawn later, chosen so that every fate occurs in
         * every category with a status column whatever --rows is (a few
         * thousand rows hold only a dozen penalties both feeds and central
         * publish): in each of the first CP_GEN_LATER_BLOCKS designated
         * blocks, the first entry past the designated ones of each kind
         * (cp_gen_later_kind). The draws of
         * CP_GEN_LATER_PM add more; neither changes any other entry. */
        for (int c = 0; c < CP_GEN_CAT__COUNT; c++) {
                uint64_t stride = pl->pl_stride[c];
                bool status = false;
                int kinds = CP_GEN_LATER_KINDS - 1;

                for (int s = 0; s < cp_gen_nsources && s < CP_GEN_MAXSRC; s++)
                        status |= cp_gen_sources[s].src_cat == c && !cp_gen_sources[s].src_central &&
                                  (pl->pl_has[s] & CP_GEN_FB(CP_GEN_F_STATUS));
                /* kind 2 needs a class two non-central sources hold */
                for (int cls = 0; cls < cp_gen_nclasses[c]; cls++) {
                        int holders = 0;

                        for (int s = 0; s < cp_gen_nsources; s++)
                                holders += cp_gen_sources[s].src_cat == c &&
                                           !cp_gen_sources[s].src_central &&
                                           ((cp_gen_sources[s].src_classes >> cls) & 1u);
                        if (holders > 1)
                                kinds = CP_GEN_LATER_KINDS;
                }
                for (uint64_t b = 0; status && b < CP_GEN_LATER_BLOCKS; b++) {
                        bool found[CP_GEN_LATER_KINDS] = {false};
                        uint64_t g = b * stride + stride / 2 + 2;
                        int nfound = 0;

                        if (g < (uint64_t)cp_gen_nclasses[c])
                                g = (uint64_t)cp_gen_nclasses[c];
                        for (; nfound < kinds && g < (b + 1) * stride + stride / 2 &&
                               g < pl->pl_n[c] && pl->pl_nlater[c] < CP_GEN_MAXLATER; g++) {
                                int k = cp_gen_later_kind(pl, c, g);

                                if (k < 0 || found[k])
                                        continue;
                                found[k] = true;
                                nfound++;
                                pl->pl_later[c][pl->pl_nlater[c]++] = g;
                        }
                }
        }
}

int cp_gen_designated(const cp_gen_plan_t *pl, int cat, uint64_t g)
{
        uint64_t stride = pl->pl_stride[cat];

        if (g >= pl->pl_n[cat] || g / stride >= CP_GEN_NDESIG)
                return CP_GEN_DESIG_NONE;
        /* Pilot entries belong to the sectoral feed (a national ministry
         * publishing a Fujian company), so that a municipal feed never
         * shows a Xiamen authority. */
        if (cat == CP_GEN_CAT_PENALTY && g % stride == stride / 2)
                return CP_GEN_DESIG_PILOT;
        if (g % stride == stride / 2 + 1)
                return CP_GEN_DESIG_SUSPECT;
        return CP_GEN_DESIG_NONE;
}

/* The class of a designated entry: the one non-central feed that holds
 * entries with such codes. */
static int cp_gen_designated_class(int cat, int desig)
{
        if (desig == CP_GEN_DESIG_PILOT)
                return CP_GEN_PEN_SECTORAL;
        return cat == CP_GEN_CAT_PENALTY ? CP_GEN_PEN_MUNICIPAL :
               cat == CP_GEN_CAT_DEFAULTER ? CP_GEN_DEF_ORG : CP_GEN_BL_MUNICIPAL;
}

int cp_gen_class_of(const cp_gen_plan_t *pl, int cat, uint64_t g)
{
        int n = cp_gen_nclasses[cat];
        int r, acc = 0, desig;

        /* The first entries take each class once, so that even --rows 50
         * gives every feed something to hold. */
        if (g < (uint64_t)n)
                return (int)g;
        if ((desig = cp_gen_designated(pl, cat, g)) != CP_GEN_DESIG_NONE)
                return cp_gen_designated_class(cat, desig);
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

        /* The national platform's import checks both check characters of a
         * USCC: entries of a subject whose code fails one never reach it,
         * so designated entries are unmatched (id_suspect) when active. */
        if (cp_gen_designated(pl, cat, g) != CP_GEN_DESIG_NONE)
                return false;
        if (p >= 10000)
                return true;
        return (int)(cp_gen_hash(pl->pl_seed, CP_GEN_S_CENTRAL + (uint64_t)cat, g)
                     % 10000) < p;
}

uint64_t cp_gen_subject_slots(const cp_gen_plan_t *pl)
{
        return CP_GEN_G__COUNT * pl->pl_company_slots + CP_GEN_NPILOT +
               3 * CP_GEN_G__COUNT * pl->pl_persons;
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
        bool suspect = c + CP_GEN_NSUSPECT >= pl->pl_company_slots && c < pl->pl_company_slots;
        cp_gen_rng_t rng;
        const cp_gen_region_t *rg;
        char region6[7], body[9];
        const char *prefix;
        int r;

        cp_gen_rng_init(&rng, pl->pl_seed, CP_GEN_S_COMPANY, value);
        memset(sj, 0, sizeof(*sj));
        sj->sj_kind = CP_GEN_SUBJ_ORG;
        sj->sj_slot = value;
        r = (int)cp_gen_rng_below(&rng, 1000);
        memcpy(sj->sj_deptcat, r < 800 ? "91" : r < 880 ? "92" : r < 910 ? "93" :
               r < 940 ? "12" : r < 965 ? "52" : r < 985 ? "51" : "53", 3);
        if (suspect)
                memcpy(sj->sj_deptcat, "91", 3);
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
        /* The all-digit body is a bijection below 10^8 only, the M one
         * below 31^6: companies numbered g (weak penalties) can pass 10^8
         * near --rows' maximum. */
        if (cp_gen_rng_below(&rng, 100) < 65 || suspect || value >= 100000000u)
                prefix = sj->sj_deptcat[0] == '9' ? "MA" : sj->sj_deptcat[0] == '1' ? "MB" : "MJ";
        else
                prefix = NULL;
        cp_gen_orgbody(body, value, prefix);
        cp_gen_uscc_build(sj->sj_uscc, sj->sj_deptcat, region6, body);
        if (suspect) {
                /* A wrong organisation-code check (position 17) under a
                 * correct mod-31 check (position 18): usable, with the
                 * WARNING orgcode_check_failed (domain.md §1.7.2, vector
                 * 91440300192203825J). The MA body keeps it from reading as
                 * a person ID or as Excel damage. */
                char good = sj->sj_uscc[16];
                sj->sj_uscc[16] = good == '9' ? '0' : good == 'X' ? '3' : (char)(good + 1);
                sj->sj_uscc[17] = cp_gen_uscc_check(sj->sj_uscc);
                sj->sj_flagged = true;
        }
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
        /* P:, M: and N: keys of one person are three subject keys. */
        sj->sj_slot = CP_GEN_G__COUNT * pl->pl_company_slots + CP_GEN_NPILOT +
                      (uint64_t)(kind == CP_GEN_SUBJ_PERSON ? 0 : kind == CP_GEN_SUBJ_MASKED ? 1 : 2) *
                      CP_GEN_G__COUNT * pl->pl_persons + value;
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
        cp_gen_person_name_at(sj->sj_name, sizeof(sj->sj_name), value);
}

/* Pilot code k as a subject; its name is invented, never the real one. */
static void cp_gen_pilot(const cp_gen_plan_t *pl, int k, cp_gen_subject_t *sj)
{
        uint64_t h = cp_gen_hash(pl->pl_seed, CP_GEN_S_COMPANY, ~(uint64_t)k);

        memset(sj, 0, sizeof(*sj));
        sj->sj_kind = CP_GEN_SUBJ_ORG;
        sj->sj_pilot = true;
        sj->sj_flagged = true;  /* uscc_check_failed */
        sj->sj_slot = CP_GEN_G__COUNT * pl->pl_company_slots + (uint64_t)k;
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

/* A day from lo to hi, both included. */
static int32_t cp_gen_day_in(cp_gen_rng_t *rng, int32_t lo, int32_t hi)
{
        return lo + (int32_t)cp_gen_rng_below(rng, (uint32_t)(hi - lo + 1));
}

/*
 * A penalty's decision date, from a profile (t = as_of; the 2023 regime
 * keeps any tier 1095 days, the 2019 one at most 1095):
 *   10 % 2019 regime (2019-01-01 .. 2023-04-30): expired
 *    8 % 2023 regime, decided t-1095 days or earlier: expired
 *   50 % 2023 regime, decided later: active
 *   27 % 2026 regime (2026-04-01 .. t-20): active, minor ones not eligible
 *    5 % the last 20 days (LAG_DAYS): not yet due, minor ones not eligible
 * Decisions both feeds publish (class BOTH) never take the two expired
 * profiles: they are never a removal, whichever feed is read first (the
 * truth of `removals` must not depend on read order). Designated entries
 * take the active 2023 profile only, so each is an active key.
 */
enum { CP_GEN_DAYS_ANY, CP_GEN_DAYS_RECENT, CP_GEN_DAYS_ACTIVE };
static int32_t cp_gen_penalty_day(const cp_gen_plan_t *pl, int mode, cp_gen_rng_t *rng)
{
        int32_t t = pl->pl_as_of;
        int32_t a2023 = t - 1094 > CP_GEN_D2023 ? t - 1094 : CP_GEN_D2023;
        int r = (int)cp_gen_rng_below(rng, 1000);

        if ((mode == CP_GEN_DAYS_RECENT && r < 180) || mode == CP_GEN_DAYS_ACTIVE)
                r = 180 + r % 500;
        if (r < 100)
                return cp_gen_day_in(rng, CP_GEN_DAY0, CP_GEN_D2023 - 1);
        if (r < 180)
                return cp_gen_day_in(rng, CP_GEN_D2023, a2023 - 1);
        if (r < 680)
                return cp_gen_day_in(rng, a2023, CP_GEN_D2026 - 1);
        if (r < 950)
                return cp_gen_day_in(rng, CP_GEN_D2026, t - 20);
        return cp_gen_day_in(rng, t - 19, t);
}

/* A list date of rule (lag, max): 15 % expired (t >= date + max), 4 % not
 * yet due (t < date + lag), the rest active; always active when `active`. */
static int32_t cp_gen_list_day(const cp_gen_plan_t *pl, int32_t from, int32_t lag,
                               int32_t max, bool active, cp_gen_rng_t *rng)
{
        int32_t t = pl->pl_as_of;
        int r = (int)cp_gen_rng_below(rng, 1000);

        if (active || (r >= 150 && r < 960))
                return cp_gen_day_in(rng, t - max + 1, t - lag);
        if (r < 150)
                return cp_gen_day_in(rng, from, t - max);
        return cp_gen_day_in(rng, t - lag + 1, t);
}

static uint32_t cp_gen_flag_pm(const cp_gen_plan_t *pl, int cat, uint64_t g, int which)
{
        uint64_t h = cp_gen_hash(pl->pl_seed, CP_GEN_S_FLAGS + (uint64_t)cat, g);

        for (int i = 0; i < which; i++)
                h /= 1000;
        return (uint32_t)(h % 1000);
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
        bool real = g < pl->pl_n[CP_GEN_CAT_PENALTY] && en->en_desig == CP_GEN_DESIG_NONE;
        int group = en->en_class == CP_GEN_PEN_SECTORAL || en->en_class == CP_GEN_PEN_CENTRAL ?
                    CP_GEN_G_ANY : CP_GEN_G_SH;
        static const uint32_t fines[] = {
                1000, 2000, 5000, 10000, 20000, 30000, 50000, 12500, 35000,
                100000, 200000, 8000,
        };

        /* A decision published without its 文号 keys on (authority,
         * subject, date, act, fine): its company is company g, which no
         * other such decision has, so no two fallback keys collide. */
        if (real && en->en_class != CP_GEN_PEN_CENTRAL &&
            cp_gen_flag_pm(pl, CP_GEN_CAT_PENALTY, g, 0) < CP_GEN_WEAK_PEN_PM)
                en->en_flags |= CP_GEN_EN_WEAK;
        if (real && en->en_class == CP_GEN_PEN_MUNICIPAL &&
            cp_gen_flag_pm(pl, CP_GEN_CAT_PENALTY, g, 2) < CP_GEN_WITHDRAWN_PM)
                en->en_flags |= CP_GEN_EN_WITHDRAWN;

        if (en->en_flags & CP_GEN_EN_WEAK) {
                cp_gen_company(pl, group, g, sj);
        } else {
                switch (en->en_class) {
                case CP_GEN_PEN_SECTORAL:
                        if (r < 820)
                                cp_gen_company(pl, group, c, sj);
                        else if (r < 900)
                                cp_gen_person(pl, group, p, CP_GEN_SUBJ_PERSON, sj);
                        else if (r < 960)
                                cp_gen_person(pl, group, p, CP_GEN_SUBJ_MASKED, sj);
                        else
                                cp_gen_person(pl, group, p, CP_GEN_SUBJ_NAME_ONLY, sj);
                        break;
                case CP_GEN_PEN_BOTH:
                        /* Organisations only: a municipal feed re-publishing a
                         * ministry's decision keeps the party's USCC. */
                        cp_gen_company(pl, group, c, sj);
                        break;
                case CP_GEN_PEN_MUNICIPAL:
                        if (r < 840)
                                cp_gen_company(pl, group, c, sj);
                        else if (r < 940)
                                cp_gen_person(pl, group, p, CP_GEN_SUBJ_MASKED, sj);
                        else
                                cp_gen_person(pl, group, p, CP_GEN_SUBJ_NAME_ONLY, sj);
                        break;
                default:
                        if (r < 900)
                                cp_gen_company(pl, group, c, sj);
                        else
                                cp_gen_person(pl, group, p, CP_GEN_SUBJ_MASKED, sj);
                        break;
                }
        }
        if (en->en_desig == CP_GEN_DESIG_PILOT)
                cp_gen_pilot(pl, (int)(g / pl->pl_stride[CP_GEN_CAT_PENALTY] % CP_GEN_NPILOT), sj);
        else if (en->en_desig == CP_GEN_DESIG_SUSPECT)
                cp_gen_company(pl, group, pl->pl_company_slots - CP_GEN_NSUSPECT +
                               g / pl->pl_stride[CP_GEN_CAT_PENALTY] % CP_GEN_NSUSPECT, sj);

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
        if (real && !(en->en_flags & CP_GEN_EN_WEAK) && en->en_class != CP_GEN_PEN_CENTRAL &&
            en->en_auth_uscc[0] && cp_gen_flag_pm(pl, CP_GEN_CAT_PENALTY, g, 1) < CP_GEN_SPLIT_PM)
                en->en_flags |= CP_GEN_EN_SPLIT;

        en->en_date = cp_gen_penalty_day(pl, en->en_desig != CP_GEN_DESIG_NONE ? CP_GEN_DAYS_ACTIVE :
                                         en->en_class == CP_GEN_PEN_BOTH ? CP_GEN_DAYS_RECENT :
                                         CP_GEN_DAYS_ANY, rng);
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
        en->en_ptype = (int)cp_gen_rng_below(rng, (uint32_t)cp_gen_npenalty_types);
        /* The fallback key has the fine in it: a weak entry has one. */
        if ((en->en_flags & CP_GEN_EN_WEAK) &&
            cp_gen_penalty_tiers[en->en_ptype] == CP_GEN_TIER_MINOR)
                en->en_ptype = 0;
        en->en_tier = cp_gen_penalty_tiers[en->en_ptype];
        en->en_fine_yuan = en->en_tier != CP_GEN_TIER_MINOR ? fines[cp_gen_rng_below(rng, 12)] : 0;
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
        bool real = g < pl->pl_n[CP_GEN_CAT_DEFAULTER] && en->en_desig == CP_GEN_DESIG_NONE;
        int year, r, m, d;

        if (en->en_class == CP_GEN_DEF_PERSON || en->en_class == CP_GEN_DEF_CPERSON)
                cp_gen_person(pl, CP_GEN_G_ANY, p, CP_GEN_SUBJ_MASKED, sj);
        else if (en->en_desig == CP_GEN_DESIG_SUSPECT)
                cp_gen_company(pl, CP_GEN_G_ANY, pl->pl_company_slots - CP_GEN_NSUSPECT +
                               g / pl->pl_stride[CP_GEN_CAT_DEFAULTER] % CP_GEN_NSUSPECT, sj);
        else
                cp_gen_company(pl, CP_GEN_G_ANY, c, sj);
        /* An SPC export row without 案号 keys on the 执行依据文号, which is
         * unique per entry (below); central has the 案号. */
        if (real && en->en_class == CP_GEN_DEF_ORG &&
            cp_gen_flag_pm(pl, CP_GEN_CAT_DEFAULTER, g, 0) < CP_GEN_WEAK_DEF_PM)
                en->en_flags |= CP_GEN_EN_WEAK;
        en->en_region = sj->sj_region;
        rg = &cp_gen_regions[en->en_region];
        snprintf(en->en_auth, sizeof(en->en_auth), "%s%s人民法院", rg->rg_city,
                 rg->rg_district);

        /* spc2017: the clock is the list date (publishDate), 2 years, 3
         * days' lag; the filing was 3 to 90 days before the listing. */
        en->en_date2 = cp_gen_list_day(pl, cp_gen_days(2016, 1, 1), 3, 730,
                                       en->en_desig != CP_GEN_DESIG_NONE, rng);
        en->en_date = en->en_date2 - 3 - (int32_t)cp_gen_rng_below(rng, 88);
        cp_gen_civil(en->en_date, &year, &m, &d);
        r = (int)cp_gen_rng_below(rng, 10);
        /* Court code = province abbreviation + county part of the region
         * (domain.md §3.5); the serial carries g, so 案号 never repeat. */
        snprintf(en->en_case, sizeof(en->en_case), "(%d)%s%s%s%llu号", year,
                 rg->rg_prov, rg->rg_code + 2, r ? "执" : "执恢",
                 (unsigned long long)(g + 1));
        snprintf(en->en_gist, sizeof(en->en_gist), "(%d)%s%s民初%llu号",
                 year - (int)cp_gen_rng_below(rng, 2), rg->rg_prov, rg->rg_code + 2,
                 (unsigned long long)(7 * g + 1 + cp_gen_rng_below(rng, 7)));
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
        int nreasons, group = en->en_class == CP_GEN_BL_MUNICIPAL ? CP_GEN_G_BJ : CP_GEN_G_ANY;

        /* Company g of the group: injective, so (subject, list, date)
         * cannot repeat between entries. */
        if (en->en_desig == CP_GEN_DESIG_SUSPECT)
                cp_gen_company(pl, group, pl->pl_company_slots - CP_GEN_NSUSPECT +
                               g / pl->pl_stride[CP_GEN_CAT_BLACKLIST] % CP_GEN_NSUSPECT,
                               &en->en_subj);
        else
                cp_gen_company(pl, group, g, &en->en_subj);
        if (g < pl->pl_n[CP_GEN_CAT_BLACKLIST] && en->en_desig == CP_GEN_DESIG_NONE &&
            en->en_class == CP_GEN_BL_MUNICIPAL &&
            cp_gen_flag_pm(pl, CP_GEN_CAT_BLACKLIST, g, 2) < CP_GEN_WITHDRAWN_PM)
                en->en_flags |= CP_GEN_EN_WITHDRAWN;
        en->en_region = en->en_subj.sj_region;
        city = en->en_class == CP_GEN_BL_MUNICIPAL ? "北京市" :
               cp_gen_regions[en->en_region].rg_city;
        en->en_list = (int)cp_gen_rng_below(rng, CP_GEN_NLISTS);
        ls = &cp_gen_lists[en->en_list];
        snprintf(en->en_auth, sizeof(en->en_auth), ls->ls_auth_fmt, city);
        for (nreasons = 0; ls->ls_reasons[nreasons]; nreasons++)
                ;
        en->en_reason = ls->ls_reasons[cp_gen_rng_below(rng, (uint32_t)nreasons)];
        /* samr_lists: 3 years from the list date, 20 days' lag. A suspect
         * company's listing is active (see cp_gen_central_has). */
        en->en_date = cp_gen_list_day(pl, CP_GEN_DAY0 - 730, 20, 1095,
                                      en->en_desig != CP_GEN_DESIG_NONE, rng);
        en->en_date2 = en->en_date + 1095;  /* listed for three years */
}

/*
 * Whether entry en may be withdrawn by a later record: a real entry, not
 * withdrawn at its first view, held by a non-central source with a status
 * column, and whose key's producer the read order decides (gen_model.h):
 * one non-central holder, or central holding it under the same key, which
 * it does unless the feeds leave out the 文号 or the authority's code
 * (CP_GEN_EN_WEAK, CP_GEN_EN_SPLIT: the only ways views of an entry key
 * differently, gen_view.c).
 */
static bool cp_gen_later_eligible(const cp_gen_plan_t *pl, const cp_gen_entry_t *en)
{
        int cat = en->en_cat, holders = 0;
        bool status = false;

        if (en->en_index >= pl->pl_n[cat] || en->en_desig != CP_GEN_DESIG_NONE ||
            (en->en_flags & CP_GEN_EN_WITHDRAWN))
                return false;
        for (int s = 0; s < cp_gen_nsources && s < CP_GEN_MAXSRC; s++) {
                const cp_gen_source_t *src = &cp_gen_sources[s];

                if (src->src_central || src->src_cat != cat ||
                    !cp_gen_source_holds(pl, src, en->en_index, en->en_class))
                        continue;
                holders++;
                status |= (pl->pl_has[s] & CP_GEN_FB(CP_GEN_F_STATUS)) != 0;
        }
        if (!status)
                return false;
        return holders == 1 ||
               (cp_gen_central_has(pl, cat, en->en_index, en->en_class) &&
                !(en->en_flags & (CP_GEN_EN_WEAK | CP_GEN_EN_SPLIT)));
}

static bool cp_gen_later_chosen(const cp_gen_plan_t *pl, int cat, uint64_t g)
{
        for (int i = 0; i < pl->pl_nlater[cat]; i++)
                if (pl->pl_later[cat][i] == g)
                        return true;
        return cp_gen_hash(pl->pl_seed, CP_GEN_S_LATER + (uint64_t)cat, g) % 1000 <
               CP_GEN_LATER_PM;
}

/*
 * The kind of entry g if it were withdrawn later, or -1 when it may not
 * be: 0 its source produced the key (a REMOVAL), 1 central produced it,
 * 2 central produced it and another non-central source holds it too
 * (whose figures must not move), 3 its first view is not active.
 */
static int cp_gen_later_kind(const cp_gen_plan_t *pl, int cat, uint64_t g)
{
        int cls = cp_gen_class_of(pl, cat, g), holders = 0, si = -1;
        cp_gen_entry_t en;
        cp_gen_view_t vw;

        cp_gen_entry_build(pl, cat, g, cls, &en);
        en.en_flags &= ~CP_GEN_EN_WITHDRAWN_LATER;
        if (!cp_gen_later_eligible(pl, &en))
                return -1;
        for (int s = 0; s < cp_gen_nsources && s < CP_GEN_MAXSRC; s++) {
                const cp_gen_source_t *src = &cp_gen_sources[s];

                if (src->src_central || src->src_cat != cat ||
                    !cp_gen_source_holds(pl, src, g, cls))
                        continue;
                holders++;
                if (si < 0 && (pl->pl_has[s] & CP_GEN_FB(CP_GEN_F_STATUS)))
                        si = s;
        }
        cp_gen_view_make(pl, si, &en, &vw);
        switch (cp_gen_view_later_fate(pl, si, &en, &vw)) {
        case CP_GEN_LATER_REMOVAL: return 0;
        case CP_GEN_LATER_MOVED: return holders > 1 ? 2 : 1;
        default: return 3;
        }
}

void cp_gen_entry_build(const cp_gen_plan_t *pl, int cat, uint64_t g, int cls,
                        cp_gen_entry_t *en)
{
        cp_gen_rng_t rng;

        en->en_cat = cat;
        en->en_class = cls;
        en->en_index = g;
        en->en_flags = 0;
        en->en_desig = cp_gen_designated(pl, cat, g);
        en->en_auth_uscc[0] = '\0';
        en->en_text = 0;
        en->en_ptype = 0;
        en->en_tier = CP_GEN_TIER_ANY;
        en->en_fine_yuan = 0;
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
        if (cp_gen_later_eligible(pl, en) && cp_gen_later_chosen(pl, cat, g))
                en->en_flags |= CP_GEN_EN_WITHDRAWN_LATER;
}
