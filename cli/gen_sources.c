/*
 * The eight generated sources and how each writes an entry (gen_source.h).
 *
 * DESIGN: the sources differ the way real feeds differ, but only in ways
 * the normaliser promises to absorb (the natural key must not change):
 *   - USCCs: upper case, lower case, Excel's leading apostrophe, padded
 *     with spaces (CSV); upper or lower case (JSON);
 *   - dates: 2021-03-05, 2021/3/5, 20210305, 2021年3月5日 (2021年03月05日
 *     only in fields outside the key);
 *   - 文号 year brackets 〔〕, （） or ();
 *   - a leading or trailing space on names, 文号 and authorities.
 * Everything else of a key (names, 案号, list names, resident numbers)
 * is written the same by every source that holds the entry. Free text is
 * allowed to be awkward: quoted fields with commas, doubled quotes and
 * line breaks, JSON escapes.
 *
 * What a row carries beyond that is the source's view (gen_view.h): a
 * field left empty or written as 无 / -, central's other spelling of a
 * name or an authority, another date, type or fine, a status column
 * (sh_penalties 当前状态, bj_blacklist 状态), central publication dates.
 * A render writes a field only through cp_gen_vw, so what it writes and
 * what the truth counts come from the same view.
 *
 * The SPC publishes persons' masked numbers and organisations' USCCs in
 * the same `cardNum` key. Column mapping is per source, so the SPC feed is
 * two sources, as the SPC query itself splits results into natural
 * persons and organisations: court_defaulters (cardNum -> person id) and
 * court_defaulters_org (cardNum -> USCC), each with the real key set.
 */
#include "gen_source.h"

#include <string.h>

#include "gen_text.h"
#include "gen_view.h"
#include "gen_xlsx.h"

const char *const cp_gen_bad_names[CP_GEN_BAD__COUNT] = {
        [CP_GEN_BAD_USCC_LENGTH] = "uscc_length",
        [CP_GEN_BAD_USCC_LETTER] = "uscc_letter",
        [CP_GEN_BAD_RIC_CHECK] = "ric_check",
        [CP_GEN_BAD_RIC_DATE] = "ric_date",
        [CP_GEN_BAD_NO_SUBJECT] = "no_subject",
        [CP_GEN_BAD_MISSING_FIELD] = "missing_field",
        [CP_GEN_BAD_NO_DOC_DATE] = "no_document_no_date",
        [CP_GEN_BAD_JSON] = "invalid_json",
        [CP_GEN_BAD_ENCODING] = "invalid_encoding",
};

/* The codes of transform/id_uscc.c, id_ric.c, transform.c and ingest/. A
 * RIC with a wrong check digit never ends in "000" here: the daemon names
 * that excel_precision_loss (domain.md §3.3 step 5). */
const char *const cp_gen_bad_codes[CP_GEN_BAD__COUNT] = {
        [CP_GEN_BAD_USCC_LENGTH] = "uscc_bad_length",
        [CP_GEN_BAD_USCC_LETTER] = "uscc_bad_charset",
        [CP_GEN_BAD_RIC_CHECK] = "ric_check_failed",
        [CP_GEN_BAD_RIC_DATE] = "ric_bad_date",
        [CP_GEN_BAD_NO_SUBJECT] = "subject_missing",
        [CP_GEN_BAD_MISSING_FIELD] = "csv_field_count",
        [CP_GEN_BAD_NO_DOC_DATE] = "key_fields_missing",
        [CP_GEN_BAD_JSON] = "jsonl_parse_error",
        [CP_GEN_BAD_ENCODING] = "invalid_encoding",
};

/* ---- value helpers --------------------------------------------------- */

/* An identifier as feeds deliver it; the key must not see the difference. */
static void cp_gen_put_code(cp_gen_row_t *rw, int col, const char *code,
                            cp_gen_rng_t *rng, bool csv)
{
        uint32_t r = cp_gen_rng_below(rng, 100);
        char low[24];

        if (!*code)
                return;
        cp_gen_row_start(rw);
        if ((csv && r >= 84 && r < 90) || (!csv && r >= 97)) {
                size_t i;
                for (i = 0; code[i] && i < sizeof(low) - 1; i++)
                        low[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
                low[i] = '\0';
                cp_gen_row_add(rw, low);
        } else if (csv && r >= 90 && r < 95) {
                cp_gen_row_add(rw, "'");   /* Excel's text marker */
                cp_gen_row_add(rw, code);
        } else if (csv && r >= 95) {
                cp_gen_row_add(rw, r != 97 && r != 98 ? " " : "");
                cp_gen_row_add(rw, code);
                cp_gen_row_add(rw, r >= 97 ? " " : "");
        } else {
                cp_gen_row_add(rw, code);
        }
        cp_gen_row_end(rw, col);
}

/* A value with, now and then, a space before or after it. */
static void cp_gen_put_text(cp_gen_row_t *rw, int col, const char *s,
                            cp_gen_rng_t *rng)
{
        uint32_t r = cp_gen_rng_below(rng, 200);

        cp_gen_row_start(rw);
        if (r == 0)
                cp_gen_row_add(rw, " ");
        cp_gen_row_add(rw, s);
        if (r == 1 || r == 2)
                cp_gen_row_add(rw, " ");
        cp_gen_row_end(rw, col);
}

enum { CP_GEN_BR_HEX, CP_GEN_BR_FULL, CP_GEN_BR_ASCII };

/* 文号 with the year in 〔〕 (the standard form), （） or (). */
static void cp_gen_put_doc(cp_gen_row_t *rw, int col, const cp_gen_entry_t *en,
                           int brackets, cp_gen_rng_t *rng)
{
        static const char *const open[] = {"〔", "（", "("};
        static const char *const close[] = {"〕", "）", ")"};
        uint32_t r = cp_gen_rng_below(rng, 200);

        cp_gen_row_start(rw);
        if (r == 0)
                cp_gen_row_add(rw, " ");
        cp_gen_row_add(rw, en->en_doc_prefix);
        cp_gen_row_add(rw, open[brackets]);
        cp_gen_row_addu(rw, (uint64_t)en->en_doc_year, 4);
        cp_gen_row_add(rw, close[brackets]);
        cp_gen_row_addu(rw, en->en_doc_serial, 1);
        cp_gen_row_add(rw, "号");
        if (r == 1)
                cp_gen_row_add(rw, " ");
        cp_gen_row_end(rw, col);
}

static void cp_gen_put_date(cp_gen_row_t *rw, int col, int32_t days, int form)
{
        cp_gen_row_start(rw);
        cp_gen_row_add_date(rw, days, form);
        cp_gen_row_end(rw, col);
}

static void cp_gen_put_num(cp_gen_row_t *rw, int col, uint64_t v)
{
        cp_gen_row_start(rw);
        cp_gen_row_addu(rw, v, 1);
        cp_gen_row_end(rw, col);
}

static const char *cp_gen_kind_text(const cp_gen_subject_t *sj)
{
        if (sj->sj_kind != CP_GEN_SUBJ_ORG)
                return "自然人";
        return !strcmp(sj->sj_deptcat, "92") ? "个体工商户" : "法人及非法人组织";
}

/* 违法事实: sometimes two lines, sometimes with ASCII commas and quotes. */
static void cp_gen_put_facts(cp_gen_row_t *rw, int col, const cp_gen_entry_t *en)
{
        cp_gen_row_start(rw);
        cp_gen_row_add(rw, "经查，当事人存在");
        cp_gen_row_add(rw, en->en_act);
        cp_gen_row_add(rw, "的违法行为。");
        if (en->en_text == 1) {
                cp_gen_row_add(rw, "\n以上事实违反了");
                cp_gen_row_add(rw, en->en_law);
                cp_gen_row_add(rw, "的规定。");
        } else if (en->en_text == 2) {
                cp_gen_row_add(rw, "当事人陈述, \"不清楚相关规定\"。");
        }
        cp_gen_row_end(rw, col);
}

/* 处罚内容, consistent with 处罚类别 and the fine (domain.md §3.7). */
static void cp_gen_put_content(cp_gen_row_t *rw, int col, const cp_gen_entry_t *en,
                               bool allow_break)
{
        char text[256];

        cp_gen_content_text(en, en->en_ptype, allow_break, text, sizeof(text));
        cp_gen_row_set(rw, col, text);
}

/* The fine in 万元; central's discrepancy writes the yuan figure into the
 * 万元 column, a unit error that reads as 10,000 times the fine. */
static void cp_gen_put_fine(cp_gen_row_t *rw, int col, const cp_gen_entry_t *en,
                            const cp_gen_view_t *vw)
{
        cp_gen_row_start(rw);
        if (vw->vw_diff & CP_GEN_FB(CP_GEN_F_FINE))
                cp_gen_row_addu(rw, en->en_fine_yuan, 1);
        else
                cp_gen_row_add_wan(rw, en->en_fine_yuan);
        cp_gen_row_end(rw, col);
}

/*
 * Whether the row writes field f (a CP_GEN_F_*) in column col: true when
 * the view has it on; when the view leaves it blank, the blank (nothing
 * or a null placeholder) is written here and false returned.
 */
static bool cp_gen_vw(cp_gen_row_t *rw, int col, const cp_gen_view_t *vw, int f)
{
        if (cp_gen_on(vw, f))
                return true;
        if ((vw->vw_blank >> f) & 1u)
                cp_gen_row_set(rw, col, vw->vw_null);
        return false;
}

/* The subject's name, or central's other spelling of it. */
static void cp_gen_put_name(cp_gen_row_t *rw, int col, const cp_gen_entry_t *en,
                            const cp_gen_view_t *vw, cp_gen_rng_t *rng)
{
        char other[200];

        if (!cp_gen_vw(rw, col, vw, CP_GEN_F_NAME))
                return;
        if ((vw->vw_diff & CP_GEN_FB(CP_GEN_F_NAME)) &&
            cp_gen_name_variant(en->en_subj.sj_name, other, sizeof(other)))
                cp_gen_put_text(rw, col, other, rng);
        else
                cp_gen_put_text(rw, col, en->en_subj.sj_name, rng);
}

/* The authority, or central's other spelling of it. */
static void cp_gen_put_auth(cp_gen_row_t *rw, int col, const cp_gen_entry_t *en,
                            const cp_gen_view_t *vw, cp_gen_rng_t *rng)
{
        char other[200];

        if (!cp_gen_vw(rw, col, vw, CP_GEN_F_AUTH))
                return;
        if ((vw->vw_diff & CP_GEN_FB(CP_GEN_F_AUTH)) &&
            cp_gen_auth_variant(en->en_auth, other, sizeof(other)))
                cp_gen_put_text(rw, col, other, rng);
        else
                cp_gen_put_text(rw, col, en->en_auth, rng);
}

/* ---- mem_penalties: sectoral, 双公示 headers (domain.md §4.3.1) ------- */

enum {
        MP_NAME, MP_KIND, MP_USCC, MP_REP, MP_IDTYPE, MP_ID, MP_DOC, MP_ACT,
        MP_FACTS, MP_PTYPE, MP_CONTENT, MP_FINE, MP_DATE, MP_AUTH, MP_AUTH_USCC,
        MP_REMARK, MP__N
};
static const cp_gen_col_t cp_gen_mp_cols[MP__N] = {
        [MP_NAME] = {"行政相对人名称", "subject_name", false},
        [MP_KIND] = {"行政相对人类别", "subject_kind", false},
        [MP_USCC] = {"统一社会信用代码", "subject_uscc", false},
        [MP_REP] = {"法定代表人", "legal_rep", false},
        [MP_IDTYPE] = {"证件类型", NULL, false},
        [MP_ID] = {"证件号码", "subject_person_id", false},
        [MP_DOC] = {"行政处罚决定书文号", "document_number", false},
        [MP_ACT] = {"违法行为类型", "act_type", false},
        [MP_FACTS] = {"违法事实", NULL, false},
        [MP_PTYPE] = {"处罚类别", "penalty_type", false},
        [MP_CONTENT] = {"处罚内容", "content", false},
        [MP_FINE] = {"罚款金额（万元）", "fine_amount", false},
        [MP_DATE] = {"处罚决定日期", "decision_date", false},
        [MP_AUTH] = {"处罚机关", "authority", false},
        [MP_AUTH_USCC] = {"处罚机关统一社会信用代码", "authority_uscc", false},
        [MP_REMARK] = {"备注", NULL, false},
};

static void cp_gen_mp_render(const cp_gen_entry_t *en, const cp_gen_view_t *vw,
                             cp_gen_rng_t *rng, cp_gen_row_t *rw)
{
        const cp_gen_subject_t *sj = &en->en_subj;

        cp_gen_put_name(rw, MP_NAME, en, vw, rng);
        cp_gen_row_set(rw, MP_KIND, cp_gen_kind_text(sj));
        cp_gen_put_code(rw, MP_USCC, sj->sj_uscc, rng, true);
        if (sj->sj_kind == CP_GEN_SUBJ_ORG)
                cp_gen_row_set(rw, MP_REP, sj->sj_rep);
        if (sj->sj_pid[0]) {
                cp_gen_row_set(rw, MP_IDTYPE, "身份证");
                cp_gen_row_set(rw, MP_ID, sj->sj_pid);
        } else if (sj->sj_kind == CP_GEN_SUBJ_NAME_ONLY) {
                /* No number: nothing, or a placeholder (§3.8) that is no
                 * identifier either. */
                cp_gen_row_set(rw, MP_ID, vw->vw_null);
        }
        if (cp_gen_vw(rw, MP_DOC, vw, CP_GEN_F_DOC))
                cp_gen_put_doc(rw, MP_DOC, en, CP_GEN_BR_HEX, rng);
        cp_gen_row_set(rw, MP_ACT, en->en_act);
        cp_gen_put_facts(rw, MP_FACTS, en);
        if (cp_gen_vw(rw, MP_PTYPE, vw, CP_GEN_F_PTYPE))
                cp_gen_row_set(rw, MP_PTYPE, cp_gen_penalty_types[vw->vw_ptype]);
        if (cp_gen_vw(rw, MP_CONTENT, vw, CP_GEN_F_CONTENT))
                cp_gen_put_content(rw, MP_CONTENT, en, false);
        if (cp_gen_vw(rw, MP_FINE, vw, CP_GEN_F_FINE))
                cp_gen_put_fine(rw, MP_FINE, en, vw);
        if (cp_gen_vw(rw, MP_DATE, vw, CP_GEN_F_DECISION))
                cp_gen_put_date(rw, MP_DATE, vw->vw_decision,
                                cp_gen_rng_below(rng, 100) < 85 ? CP_GEN_D_ISO : CP_GEN_D_COMPACT);
        cp_gen_put_auth(rw, MP_AUTH, en, vw, rng);
        if (cp_gen_on(vw, CP_GEN_F_AUTH_USCC))
                cp_gen_put_code(rw, MP_AUTH_USCC, en->en_auth_uscc, rng, true);
        if (cp_gen_rng_below(rng, 20) == 0)
                cp_gen_row_set(rw, MP_REMARK, sj->sj_pilot ? "统一社会信用代码为试点期赋码" :
                                              "当事人已缴纳罚款");
}

/* ---- sh_penalties: municipal, other header spellings, CRLF ----------- */

enum {
        SP_NAME, SP_USCC, SP_REP, SP_ID, SP_DOC, SP_ACT, SP_PTYPE, SP_CONTENT,
        SP_FINE, SP_DATE, SP_AUTH, SP_AUTH_USCC, SP_STATUS, SP_REMARK, SP__N
};
static const cp_gen_col_t cp_gen_sp_cols[SP__N] = {
        [SP_NAME] = {"行政相对人名称", "subject_name", false},
        [SP_USCC] = {"行政相对人代码_1(统一社会信用代码)", "subject_uscc", false},
        [SP_REP] = {"法定代表人", "legal_rep", false},
        [SP_ID] = {"身份证号码", "subject_person_id", false},
        [SP_DOC] = {"决定文书号", "document_number", false},
        [SP_ACT] = {"违法行为类型", "act_type", false},
        [SP_PTYPE] = {"处罚类别", "penalty_type", false},
        [SP_CONTENT] = {"处罚内容", "content", false},
        [SP_FINE] = {"罚款金额(万元)", "fine_amount", false},
        [SP_DATE] = {"决定日期", "decision_date", false},
        [SP_AUTH] = {"处罚机关名称", "authority", false},
        [SP_AUTH_USCC] = {"处罚机关统一社会信用代码", "authority_uscc", false},
        /* 当前状态 (legacy CF_ZT, kept by the municipal platform): 有效,
         * or 已撤销 / 已修复 ... for an entry withdrawn or repaired */
        [SP_STATUS] = {"当前状态", "status", false},
        [SP_REMARK] = {"备注", NULL, false},
};

static void cp_gen_sp_render(const cp_gen_entry_t *en, const cp_gen_view_t *vw,
                             cp_gen_rng_t *rng, cp_gen_row_t *rw)
{
        const cp_gen_subject_t *sj = &en->en_subj;
        uint32_t r;

        cp_gen_put_name(rw, SP_NAME, en, vw, rng);
        cp_gen_put_code(rw, SP_USCC, sj->sj_uscc, rng, true);
        if (sj->sj_kind == CP_GEN_SUBJ_ORG)
                cp_gen_row_set(rw, SP_REP, sj->sj_rep);
        cp_gen_row_set(rw, SP_ID, sj->sj_pid);
        r = cp_gen_rng_below(rng, 10);
        if (cp_gen_vw(rw, SP_DOC, vw, CP_GEN_F_DOC))
                cp_gen_put_doc(rw, SP_DOC, en, r < 6 ? CP_GEN_BR_FULL : r < 9 ? CP_GEN_BR_ASCII :
                               CP_GEN_BR_HEX, rng);
        cp_gen_row_set(rw, SP_ACT, en->en_act);
        if (cp_gen_vw(rw, SP_PTYPE, vw, CP_GEN_F_PTYPE))
                cp_gen_row_set(rw, SP_PTYPE, cp_gen_penalty_types[vw->vw_ptype]);
        if (cp_gen_vw(rw, SP_CONTENT, vw, CP_GEN_F_CONTENT))
                cp_gen_put_content(rw, SP_CONTENT, en, true);
        if (cp_gen_vw(rw, SP_FINE, vw, CP_GEN_F_FINE))
                cp_gen_put_fine(rw, SP_FINE, en, vw);
        if (cp_gen_vw(rw, SP_DATE, vw, CP_GEN_F_DECISION))
                cp_gen_put_date(rw, SP_DATE, vw->vw_decision,
                                cp_gen_rng_below(rng, 100) < 65 ? CP_GEN_D_SLASH : CP_GEN_D_CJK);
        cp_gen_put_auth(rw, SP_AUTH, en, vw, rng);
        if (cp_gen_on(vw, CP_GEN_F_AUTH_USCC))
                cp_gen_put_code(rw, SP_AUTH_USCC, en->en_auth_uscc, rng, true);
        if (vw->vw_status)
                cp_gen_row_set(rw, SP_STATUS, vw->vw_status);
        if (cp_gen_rng_below(rng, 25) == 0)
                cp_gen_row_set(rw, SP_REMARK, "信息来源：上海市公共信用信息服务平台");
}

/* ---- court_defaulters(_org): SPC JSON keys (domain.md §4.7) ---------- */

enum {
        CD_ID, CD_INAME, CD_CASE, CD_AGE, CD_SEX, CD_CARD, CD_REP, CD_COURT,
        CD_AREA, CD_GIST, CD_REGDATE, CD_GISTUNIT, CD_DUTY, CD_PERF, CD_DISRUPT,
        CD_PUBDATE, CD__N
};
#define CP_GEN_CD_COLS(card_field)                                        \
        {                                                                 \
                [CD_ID] = {"id", "source_record_id", true},               \
                [CD_INAME] = {"iname", "subject_name", false},            \
                [CD_CASE] = {"caseCode", "case_number", false},           \
                [CD_AGE] = {"age", NULL, true},                           \
                [CD_SEX] = {"sexy", NULL, false},                         \
                [CD_CARD] = {"cardNum", card_field, false},               \
                [CD_REP] = {"businessEntity", "legal_rep", false},        \
                [CD_COURT] = {"courtName", "authority", false},           \
                [CD_AREA] = {"areaName", NULL, false},                    \
                [CD_GIST] = {"gistId", "document_number", false},         \
                [CD_REGDATE] = {"regDate", "decision_date", false},       \
                [CD_GISTUNIT] = {"gistUnit", NULL, false},                \
                [CD_DUTY] = {"duty", NULL, false},                        \
                [CD_PERF] = {"performance", NULL, false},                 \
                [CD_DISRUPT] = {"disruptTypeName", "reason", false},      \
                [CD_PUBDATE] = {"publishDate", "list_date", false},       \
        }
static const cp_gen_col_t cp_gen_cd_cols[CD__N] = CP_GEN_CD_COLS("subject_person_id");
static const cp_gen_col_t cp_gen_co_cols[CD__N] = CP_GEN_CD_COLS("subject_uscc");

static void cp_gen_cd_render(const cp_gen_entry_t *en, const cp_gen_view_t *vw,
                             cp_gen_rng_t *rng, cp_gen_row_t *rw)
{
        const cp_gen_subject_t *sj = &en->en_subj;
        bool person = sj->sj_kind != CP_GEN_SUBJ_ORG;
        int y, m, d;

        cp_gen_civil(en->en_date2, &y, &m, &d);
        cp_gen_put_num(rw, CD_ID, en->en_srcid);
        cp_gen_put_name(rw, CD_INAME, en, vw, rng);
        if (cp_gen_vw(rw, CD_CASE, vw, CP_GEN_F_CASE))
                cp_gen_row_set(rw, CD_CASE, en->en_case);
        cp_gen_put_num(rw, CD_AGE, person ? (uint64_t)(y - sj->sj_birth_year) : 0);
        if (person) {
                cp_gen_row_set(rw, CD_SEX, sj->sj_male ? "男性" : "女性");
                cp_gen_row_set(rw, CD_CARD, sj->sj_pid);
        } else {
                cp_gen_put_code(rw, CD_CARD, sj->sj_uscc, rng, false);
                cp_gen_row_set(rw, CD_REP, sj->sj_rep);
        }
        cp_gen_put_auth(rw, CD_COURT, en, vw, rng);
        cp_gen_row_set(rw, CD_AREA, cp_gen_regions[en->en_region].rg_area);
        cp_gen_row_set(rw, CD_GIST, en->en_gist);
        if (cp_gen_vw(rw, CD_REGDATE, vw, CP_GEN_F_DECISION))
                cp_gen_put_date(rw, CD_REGDATE, vw->vw_decision, CP_GEN_D_COMPACT);
        cp_gen_row_set(rw, CD_GISTUNIT, en->en_auth);
        cp_gen_row_start(rw);
        cp_gen_row_add(rw, "被执行人应于判决生效之日起十日内向申请执行人支付款项人民币");
        cp_gen_row_addu(rw, en->en_duty_yuan, 1);
        cp_gen_row_add(rw, "元");
        if (en->en_text == 1)
                cp_gen_row_add(rw, "。\n案件受理费由被执行人负担");
        else if (en->en_text == 2)
                cp_gen_row_add(rw, "及利息(按\"全国银行间同业拆借中心公布的贷款市场报价利率\"计算)");
        cp_gen_row_add(rw, "。");
        cp_gen_row_end(rw, CD_DUTY);
        cp_gen_row_set(rw, CD_PERF, en->en_partial ? "部分未履行" : "全部未履行");
        cp_gen_row_set(rw, CD_DISRUPT, en->en_disrupt);
        if (cp_gen_vw(rw, CD_PUBDATE, vw, CP_GEN_F_LIST))
                cp_gen_put_date(rw, CD_PUBDATE, vw->vw_list, CP_GEN_D_CJK_PAD);
}

/* ---- bj_blacklist: municipal blacklist, an Excel workbook ------------ */

enum {
        BB_NAME, BB_USCC, BB_REP, BB_DATE, BB_REASON, BB_LIST, BB_AUTH, BB_VALID,
        BB_STATUS, BB_REMARK, BB__N
};
static const cp_gen_col_t cp_gen_bb_cols[BB__N] = {
        [BB_NAME] = {"失信主体名称", "subject_name", false},
        [BB_USCC] = {"统一社会信用代码", "subject_uscc", false},
        [BB_REP] = {"法定代表人", "legal_rep", false},
        [BB_DATE] = {"列入日期", "list_date", true},
        [BB_REASON] = {"列入原因", "reason", false},
        [BB_LIST] = {"名单名称", "list_name", false},
        [BB_AUTH] = {"认定部门", "authority", false},
        [BB_VALID] = {"有效期至", "valid_to", true},
        [BB_STATUS] = {"状态", "status", false},   /* 有效, or 已移出 / 已修复 ... */
        [BB_REMARK] = {"备注", NULL, false},
};

static void cp_gen_bb_render(const cp_gen_entry_t *en, const cp_gen_view_t *vw,
                             cp_gen_rng_t *rng, cp_gen_row_t *rw)
{
        /* -1: an Excel serial day, which the workbook shows as a date. */
        static const int forms[4] = {-1, -1, CP_GEN_D_SLASH, CP_GEN_D_CJK};
        const cp_gen_subject_t *sj = &en->en_subj;
        int form;

        cp_gen_put_name(rw, BB_NAME, en, vw, rng);
        cp_gen_put_code(rw, BB_USCC, sj->sj_uscc, rng, true);
        cp_gen_row_set(rw, BB_REP, sj->sj_rep);
        /* The list date is part of the key: serial days and text dates
         * (never 20210305 text, which a cell could not tell from a serial). */
        form = forms[cp_gen_rng_below(rng, 4)];
        if (form < 0)
                cp_gen_put_num(rw, BB_DATE, (uint64_t)cp_gen_xlsx_serial(vw->vw_list));
        else
                cp_gen_put_date(rw, BB_DATE, vw->vw_list, form);
        if (cp_gen_vw(rw, BB_REASON, vw, CP_GEN_F_REASON))
                cp_gen_row_set(rw, BB_REASON, en->en_reason);
        cp_gen_row_set(rw, BB_LIST, cp_gen_lists[en->en_list].ls_name);
        cp_gen_put_auth(rw, BB_AUTH, en, vw, rng);
        if (cp_gen_vw(rw, BB_VALID, vw, CP_GEN_F_VALID_TO))
                cp_gen_put_num(rw, BB_VALID, (uint64_t)cp_gen_xlsx_serial(vw->vw_valid_to));
        if (vw->vw_status)
                cp_gen_row_set(rw, BB_STATUS, vw->vw_status);
        if (cp_gen_rng_below(rng, 30) == 0)
                cp_gen_row_set(rw, BB_REMARK, "已提出信用修复申请");
}

/* ---- central_penalties: Credit China codes as JSON keys (§4.4.1) ----- */

enum {
        CC_MC, CC_LB, CC_SHXYM, CC_ZJHM, CC_FRDB, CC_WSH, CC_WFXW, CC_CFLB, CC_NR,
        CC_NR_FK, CC_JDRQ, CC_CFJG, CC_CFJGDM, CC_GSRQ, CC_GSJZQ, CC_SJLY, CC__N
};
static const cp_gen_col_t cp_gen_cc_cols[CC__N] = {
        [CC_MC] = {"cf_xdr_mc", "subject_name", false},
        [CC_LB] = {"cf_xdr_lb", "subject_kind", false},
        [CC_SHXYM] = {"cf_xdr_shxym", "subject_uscc", false},
        [CC_ZJHM] = {"cf_xdr_zjhm", "subject_person_id", false},
        [CC_FRDB] = {"cf_frdb", "legal_rep", false},
        [CC_WSH] = {"cf_wsh", "document_number", false},
        [CC_WFXW] = {"cf_wfxw", "act_type", false},
        [CC_CFLB] = {"cf_cflb", "penalty_type", false},
        [CC_NR] = {"cf_nr", "content", false},
        [CC_NR_FK] = {"cf_nr_fk", "fine_amount", false},
        [CC_JDRQ] = {"cf_jdrq", "decision_date", false},
        [CC_CFJG] = {"cf_cfjg", "authority", false},
        [CC_CFJGDM] = {"cf_cfjgdm", "authority_uscc", false},
        /* 公示日期: the day the platform published the item (its own
         * column, not one of the 双公示 items) */
        [CC_GSRQ] = {"cf_gsrq", "publish_date", false},
        [CC_GSJZQ] = {"cf_gsjzq", NULL, false},
        [CC_SJLY] = {"cf_sjly", NULL, false},
};

static void cp_gen_cc_render(const cp_gen_entry_t *en, const cp_gen_view_t *vw,
                             cp_gen_rng_t *rng, cp_gen_row_t *rw)
{
        const cp_gen_subject_t *sj = &en->en_subj;

        cp_gen_put_name(rw, CC_MC, en, vw, rng);
        cp_gen_row_set(rw, CC_LB, cp_gen_kind_text(sj));
        cp_gen_put_code(rw, CC_SHXYM, sj->sj_uscc, rng, false);
        cp_gen_row_set(rw, CC_ZJHM, sj->sj_pid);
        if (sj->sj_kind == CP_GEN_SUBJ_ORG)
                cp_gen_row_set(rw, CC_FRDB, sj->sj_rep);
        if (cp_gen_vw(rw, CC_WSH, vw, CP_GEN_F_DOC))
                cp_gen_put_doc(rw, CC_WSH, en, cp_gen_rng_below(rng, 100) < 85 ?
                               CP_GEN_BR_HEX : CP_GEN_BR_FULL, rng);
        cp_gen_row_set(rw, CC_WFXW, en->en_act);
        if (cp_gen_vw(rw, CC_CFLB, vw, CP_GEN_F_PTYPE))
                cp_gen_row_set(rw, CC_CFLB, cp_gen_penalty_types[vw->vw_ptype]);
        if (cp_gen_vw(rw, CC_NR, vw, CP_GEN_F_CONTENT))
                cp_gen_put_content(rw, CC_NR, en, false);
        if (cp_gen_vw(rw, CC_NR_FK, vw, CP_GEN_F_FINE))
                cp_gen_put_fine(rw, CC_NR_FK, en, vw);
        if (cp_gen_vw(rw, CC_JDRQ, vw, CP_GEN_F_DECISION))
                cp_gen_put_date(rw, CC_JDRQ, vw->vw_decision, CP_GEN_D_ISO);
        cp_gen_put_auth(rw, CC_CFJG, en, vw, rng);
        if (cp_gen_on(vw, CP_GEN_F_AUTH_USCC))
                cp_gen_put_code(rw, CC_CFJGDM, en->en_auth_uscc, rng, false);
        if (cp_gen_vw(rw, CC_GSRQ, vw, CP_GEN_F_PUBLISH))
                cp_gen_put_date(rw, CC_GSRQ, vw->vw_publish, CP_GEN_D_ISO);
        cp_gen_put_date(rw, CC_GSJZQ, en->en_date2, CP_GEN_D_ISO);
        cp_gen_row_set(rw, CC_SJLY, en->en_auth);
}

/* ---- central_defaulters: Credit China's table, one ID column per kind */

enum {
        CX_NAME, CX_PID, CX_USCC, CX_REP, CX_CASE, CX_COURT, CX_GIST, CX_REGDATE,
        CX_PUBDATE, CX_DISRUPT, CX_PERF, CX__N
};
static const cp_gen_col_t cp_gen_cx_cols[CX__N] = {
        [CX_NAME] = {"被执行人姓名/名称", "subject_name", false},
        [CX_PID] = {"证件号码", "subject_person_id", false},
        [CX_USCC] = {"统一社会信用代码", "subject_uscc", false},
        [CX_REP] = {"法定代表人或负责人", "legal_rep", false},
        [CX_CASE] = {"案号", "case_number", false},
        [CX_COURT] = {"执行法院", "authority", false},
        [CX_GIST] = {"执行依据文号", "document_number", false},
        [CX_REGDATE] = {"立案日期", "decision_date", false},
        [CX_PUBDATE] = {"发布日期", "publish_date", false},
        [CX_DISRUPT] = {"失信被执行人行为具体情形", "reason", false},
        [CX_PERF] = {"履行情况", NULL, false},
};

static void cp_gen_cx_render(const cp_gen_entry_t *en, const cp_gen_view_t *vw,
                             cp_gen_rng_t *rng, cp_gen_row_t *rw)
{
        const cp_gen_subject_t *sj = &en->en_subj;

        cp_gen_put_name(rw, CX_NAME, en, vw, rng);
        cp_gen_row_set(rw, CX_PID, sj->sj_pid);
        cp_gen_put_code(rw, CX_USCC, sj->sj_uscc, rng, true);
        if (sj->sj_kind == CP_GEN_SUBJ_ORG)
                cp_gen_row_set(rw, CX_REP, sj->sj_rep);
        if (cp_gen_vw(rw, CX_CASE, vw, CP_GEN_F_CASE))
                cp_gen_row_set(rw, CX_CASE, en->en_case);
        cp_gen_put_auth(rw, CX_COURT, en, vw, rng);
        cp_gen_row_set(rw, CX_GIST, en->en_gist);
        if (cp_gen_vw(rw, CX_REGDATE, vw, CP_GEN_F_DECISION))
                cp_gen_put_date(rw, CX_REGDATE, vw->vw_decision, CP_GEN_D_ISO);
        if (cp_gen_vw(rw, CX_PUBDATE, vw, CP_GEN_F_PUBLISH))
                cp_gen_put_date(rw, CX_PUBDATE, vw->vw_publish, CP_GEN_D_ISO);
        cp_gen_row_set(rw, CX_DISRUPT, en->en_disrupt);
        cp_gen_row_set(rw, CX_PERF, en->en_partial ? "部分未履行" : "全部未履行");
}

/* ---- central_blacklist ----------------------------------------------- */

enum {
        CB_NAME, CB_USCC, CB_LIST, CB_DATE, CB_REASON, CB_AUTH, CB_VALID, CB_PUBDATE,
        CB_SRC, CB__N
};
static const cp_gen_col_t cp_gen_cb_cols[CB__N] = {
        [CB_NAME] = {"主体名称", "subject_name", false},
        [CB_USCC] = {"统一社会信用代码", "subject_uscc", false},
        [CB_LIST] = {"名单名称", "list_name", false},
        [CB_DATE] = {"列入日期", "list_date", false},
        [CB_REASON] = {"列入原因", "reason", false},
        [CB_AUTH] = {"决定机关", "authority", false},
        [CB_VALID] = {"有效期至", "valid_to", false},
        [CB_PUBDATE] = {"发布日期", "publish_date", false},
        [CB_SRC] = {"数据来源", NULL, false},
};

static void cp_gen_cb_render(const cp_gen_entry_t *en, const cp_gen_view_t *vw,
                             cp_gen_rng_t *rng, cp_gen_row_t *rw)
{
        const cp_gen_subject_t *sj = &en->en_subj;

        cp_gen_put_name(rw, CB_NAME, en, vw, rng);
        cp_gen_put_code(rw, CB_USCC, sj->sj_uscc, rng, true);
        cp_gen_row_set(rw, CB_LIST, cp_gen_lists[en->en_list].ls_name);
        cp_gen_put_date(rw, CB_DATE, vw->vw_list,
                        cp_gen_rng_below(rng, 100) < 80 ? CP_GEN_D_ISO : CP_GEN_D_COMPACT);
        if (cp_gen_vw(rw, CB_REASON, vw, CP_GEN_F_REASON))
                cp_gen_row_set(rw, CB_REASON, en->en_reason);
        cp_gen_put_auth(rw, CB_AUTH, en, vw, rng);
        if (cp_gen_vw(rw, CB_VALID, vw, CP_GEN_F_VALID_TO))
                cp_gen_put_date(rw, CB_VALID, vw->vw_valid_to, CP_GEN_D_ISO);
        if (cp_gen_vw(rw, CB_PUBDATE, vw, CP_GEN_F_PUBLISH))
                cp_gen_put_date(rw, CB_PUBDATE, vw->vw_publish, CP_GEN_D_ISO);
        cp_gen_row_start(rw);
        cp_gen_row_add(rw, "信用");
        cp_gen_row_add(rw, en->en_class == CP_GEN_BL_MUNICIPAL ? "北京" :
                       cp_gen_regions[en->en_region].rg_cityshort);
        cp_gen_row_end(rw, CB_SRC);
}

/* ---- the table ------------------------------------------------------- */

#define CP_GEN_BIT(c) (1u << (c))
#define CP_GEN_COLS(a) (a), (int)(sizeof(a) / sizeof((a)[0]))

const cp_gen_source_t cp_gen_sources[] = {
        {"mem_penalties", "sectoral", "admin_penalty", "100000", CP_GEN_CSV,
         "mem_penalties.csv", "\n", "wan_yuan", CP_GEN_CAT_PENALTY, false,
         CP_GEN_BIT(CP_GEN_PEN_SECTORAL) | CP_GEN_BIT(CP_GEN_PEN_BOTH),
         CP_GEN_BIT(CP_GEN_PEN_SECTORAL), CP_GEN_G_ANY, CP_GEN_COLS(cp_gen_mp_cols),
         420, 260,
         {[CP_GEN_BAD_USCC_LENGTH] = 20, [CP_GEN_BAD_USCC_LETTER] = 20,
          [CP_GEN_BAD_RIC_CHECK] = 15, [CP_GEN_BAD_RIC_DATE] = 10,
          [CP_GEN_BAD_NO_SUBJECT] = 10, [CP_GEN_BAD_MISSING_FIELD] = 15,
          [CP_GEN_BAD_NO_DOC_DATE] = 10},
         cp_gen_mp_render, "emergency-management penalties, 双公示 column names", NULL,
         .src_blank_per10k = 600, .src_zero_fine_empty = true},
        {"court_defaulters", "sectoral", "judgment_defaulter", "100000", CP_GEN_JSONL,
         "court_defaulters.jsonl", "\n", NULL, CP_GEN_CAT_DEFAULTER, false,
         CP_GEN_BIT(CP_GEN_DEF_PERSON), CP_GEN_BIT(CP_GEN_DEF_PERSON), CP_GEN_G_ANY,
         CP_GEN_COLS(cp_gen_cd_cols), 300, 150,
         {[CP_GEN_BAD_JSON] = 70, [CP_GEN_BAD_NO_SUBJECT] = 30},
         cp_gen_cd_render, "SPC judgment defaulters, natural persons (cardNum: masked ID)", NULL,
         .src_blank_per10k = 600},
        {"court_defaulters_org", "sectoral", "judgment_defaulter", "100000", CP_GEN_JSONL,
         "court_defaulters_org.jsonl", "\n", NULL, CP_GEN_CAT_DEFAULTER, false,
         CP_GEN_BIT(CP_GEN_DEF_ORG), CP_GEN_BIT(CP_GEN_DEF_ORG), CP_GEN_G_ANY,
         CP_GEN_COLS(cp_gen_co_cols), 300, 170,
         {[CP_GEN_BAD_JSON] = 40, [CP_GEN_BAD_USCC_LENGTH] = 20,
          [CP_GEN_BAD_USCC_LETTER] = 25, [CP_GEN_BAD_NO_SUBJECT] = 15},
         cp_gen_cd_render, "SPC judgment defaulters, organisations (cardNum: USCC)", NULL,
         .src_blank_per10k = 600},
        {"bj_blacklist", "municipal", "blacklist", "110000", CP_GEN_XLSX,
         "bj_blacklist.xlsx", "\n", NULL, CP_GEN_CAT_BLACKLIST, false,
         CP_GEN_BIT(CP_GEN_BL_MUNICIPAL), CP_GEN_BIT(CP_GEN_BL_MUNICIPAL), CP_GEN_G_BJ,
         CP_GEN_COLS(cp_gen_bb_cols), 380, 200,
         {[CP_GEN_BAD_USCC_LENGTH] = 40, [CP_GEN_BAD_USCC_LETTER] = 40,
          [CP_GEN_BAD_NO_SUBJECT] = 20},
         cp_gen_bb_render,
         "Beijing blacklist: an Excel workbook, title row, dates as serial days or text",
         "北京市严重失信主体名单", .src_blank_per10k = 600},
        {"sh_penalties", "municipal", "admin_penalty", "310000", CP_GEN_CSV,
         "sh_penalties.csv", "\r\n", "wan_yuan", CP_GEN_CAT_PENALTY, false,
         CP_GEN_BIT(CP_GEN_PEN_BOTH) | CP_GEN_BIT(CP_GEN_PEN_MUNICIPAL),
         CP_GEN_BIT(CP_GEN_PEN_MUNICIPAL), CP_GEN_G_SH, CP_GEN_COLS(cp_gen_sp_cols),
         500, 240,
         {[CP_GEN_BAD_USCC_LENGTH] = 25, [CP_GEN_BAD_USCC_LETTER] = 25,
          [CP_GEN_BAD_NO_SUBJECT] = 15, [CP_GEN_BAD_MISSING_FIELD] = 20,
          [CP_GEN_BAD_NO_DOC_DATE] = 15, [CP_GEN_BAD_ENCODING] = 10},
         cp_gen_sp_render,
         "Shanghai penalties: GB18030 with BOM, other column spellings, CRLF, 2021/3/5 dates",
         "GB18030", .src_blank_per10k = 600},
        {"central_penalties", "central", "admin_penalty", "100000", CP_GEN_JSONL,
         "central_penalties.jsonl", "\n", "wan_yuan", CP_GEN_CAT_PENALTY, true, 0,
         CP_GEN_BIT(CP_GEN_PEN_CENTRAL), CP_GEN_G_ANY, CP_GEN_COLS(cp_gen_cc_cols),
         100, 80,
         {[CP_GEN_BAD_JSON] = 50, [CP_GEN_BAD_USCC_LETTER] = 30,
          [CP_GEN_BAD_NO_DOC_DATE] = 20},
         cp_gen_cc_render, "central penalties, Credit China item codes as keys"},
        {"central_defaulters", "central", "judgment_defaulter", "100000", CP_GEN_CSV,
         "central_defaulters.csv", "\n", NULL, CP_GEN_CAT_DEFAULTER, true, 0,
         CP_GEN_BIT(CP_GEN_DEF_CPERSON) | CP_GEN_BIT(CP_GEN_DEF_CORG), CP_GEN_G_ANY,
         CP_GEN_COLS(cp_gen_cx_cols), 100, 80,
         {[CP_GEN_BAD_MISSING_FIELD] = 60, [CP_GEN_BAD_USCC_LENGTH] = 40},
         cp_gen_cx_render, "central defaulters, one identifier column per party kind"},
        {"central_blacklist", "central", "blacklist", "100000", CP_GEN_CSV,
         "central_blacklist.csv", "\n", NULL, CP_GEN_CAT_BLACKLIST, true, 0,
         CP_GEN_BIT(CP_GEN_BL_CENTRAL), CP_GEN_G_ANY, CP_GEN_COLS(cp_gen_cb_cols),
         100, 80,
         {[CP_GEN_BAD_MISSING_FIELD] = 50, [CP_GEN_BAD_USCC_LENGTH] = 50},
         cp_gen_cb_render, "central blacklist entries"},
};
const int cp_gen_nsources = (int)(sizeof(cp_gen_sources) / sizeof(cp_gen_sources[0]));

bool cp_gen_source_holds(const cp_gen_plan_t *pl, const cp_gen_source_t *src,
                         uint64_t g, int cls)
{
        if (src->src_central)
                return cp_gen_central_has(pl, src->src_cat, g, cls);
        return (src->src_classes >> cls) & 1u;
}

uint32_t cp_gen_source_fields(const cp_gen_source_t *src)
{
        uint32_t has = 0;
        int f;

        for (int i = 0; i < src->src_ncols; i++)
                if (src->src_cols[i].col_field && (f = cp_gen_field_of(src->src_cols[i].col_field)) >= 0)
                        has |= CP_GEN_FB(f);
        return has;
}

int cp_gen_source_col(const cp_gen_source_t *src, const char *field)
{
        for (int i = 0; i < src->src_ncols; i++)
                if (src->src_cols[i].col_field && !strcmp(src->src_cols[i].col_field, field))
                        return i;
        return -1;
}

void cp_gen_rows_per_entry(double out[CP_GEN_CAT__COUNT])
{
        for (int cat = 0; cat < CP_GEN_CAT__COUNT; cat++) {
                out[cat] = 0;
                for (int cls = 0; cls < cp_gen_nclasses[cat]; cls++) {
                        const cp_gen_class_t *cl = &cp_gen_classes[cat][cls];
                        double rows = 0;

                        for (int s = 0; s < cp_gen_nsources; s++) {
                                const cp_gen_source_t *src = &cp_gen_sources[s];
                                double per = 1.0 + (src->src_dup_per10k +
                                                    src->src_bad_per10k) / 10000.0;
                                if (src->src_cat != cat)
                                        continue;
                                if (src->src_central)
                                        rows += per * cl->cl_central_per10k / 10000.0;
                                else if ((src->src_classes >> cls) & 1u)
                                        rows += per;
                        }
                        out[cat] += rows * cl->cl_per_mille / 1000.0;
                }
        }
}
