/*
 * The preset table. Each row names a column as the feeds spell it; the
 * codes and Chinese item names are those of domain.md §4.3–§4.7. Rows are
 * grouped by field, in the order docs/configuration.md lists them.
 *
 * Matching is by ingest's rules (exact, then ignoring ASCII case,
 * full-width forms and white space), so one row covers CF_WSH and cf_wsh,
 * 罚款金额（万元） and 罚款金额(万元): a row per spelling is needed only for
 * names that differ in letters (ABNTIME, abnDate).
 */
#include "presets.h"

#include <stdio.h>
#include <string.h>

#include "proto/credpipe.pb-c.h"

#define CP_N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- 双公示 administrative penalties, current national items (§4.3.1) */

static const cp_preset_column_t cp_sgs_penalty[] = {
        {"CF_XDR_MC", CP_F_SUBJECT_NAME},
        {"行政相对人名称", CP_F_SUBJECT_NAME},
        {"CF_XDR_LB", CP_F_SUBJECT_KIND},
        {"行政相对人类别", CP_F_SUBJECT_KIND},
        {"CF_XDR_SHXYM", CP_F_SUBJECT_USCC},
        {"统一社会信用代码", CP_F_SUBJECT_USCC},
        {"行政相对人代码_1（统一社会信用代码）", CP_F_SUBJECT_USCC},
        {"CF_XDR_GSZC", CP_F_SUBJECT_REG_NO},
        {"工商注册号", CP_F_SUBJECT_REG_NO},
        {"行政相对人代码_2（工商注册号）", CP_F_SUBJECT_REG_NO},
        {"CF_XDR_ZZJG", CP_F_SUBJECT_ORG_CODE},
        {"组织机构代码", CP_F_SUBJECT_ORG_CODE},
        {"行政相对人代码_3（组织机构代码）", CP_F_SUBJECT_ORG_CODE},
        {"CF_XDR_ZJHM", CP_F_SUBJECT_PERSON_ID},
        {"证件号码", CP_F_SUBJECT_PERSON_ID},
        {"CF_FRDB", CP_F_LEGAL_REP},
        {"法定代表人", CP_F_LEGAL_REP},
        {"CF_WSH", CP_F_DOCUMENT_NUMBER},
        {"行政处罚决定书文号", CP_F_DOCUMENT_NUMBER},
        {"CF_WFXW", CP_F_ACT_TYPE},
        {"违法行为类型", CP_F_ACT_TYPE},
        /* 违法事实 since 2018 (处罚事由 before, same code): the why. */
        {"CF_SY", CP_F_REASON},
        {"违法事实", CP_F_REASON},
        {"CF_CFLB", CP_F_PENALTY_TYPE},
        {"处罚类别", CP_F_PENALTY_TYPE},
        {"CF_NR", CP_F_CONTENT},
        {"处罚内容", CP_F_CONTENT},
        {"CF_NR_FK", CP_F_FINE_AMOUNT},
        {"罚款金额（万元）", CP_F_FINE_AMOUNT},
        {"处罚金额（万元）", CP_F_FINE_AMOUNT},
        {"CF_JDRQ", CP_F_DECISION_DATE},
        {"处罚决定日期", CP_F_DECISION_DATE},
        /* The end of the penalty's effect. CF_GSJZQ, the end of its
         * publication, is another date and stays an extra. */
        {"CF_YXQ", CP_F_VALID_TO},
        {"处罚有效期", CP_F_VALID_TO},
        {"CF_CFJG", CP_F_AUTHORITY},
        {"处罚机关", CP_F_AUTHORITY},
        {"CF_CFJGDM", CP_F_AUTHORITY_USCC},
        {"处罚机关统一社会信用代码", CP_F_AUTHORITY_USCC},
};

/* Present only in the 2015–16 set (§4.3.2: "presence of CF_CFMC /
 * CF_CFLB1 / CF_XZJG ⇒ legacy"), with their Chinese item names. */
static const char *const cp_sgs_penalty_legacy_markers[] = {
        "CF_CFMC", "CF_CFLB1", "CF_XZJG", "处罚名称", "处罚类别1", NULL};

/* ---- 2015–16 penalty items (§4.3.2) ---------------------------------- */

static const cp_preset_column_t cp_sgs_penalty_legacy[] = {
        {"CF_XDR_MC", CP_F_SUBJECT_NAME},
        {"行政相对人名称", CP_F_SUBJECT_NAME},
        {"CF_XDR_SHXYM", CP_F_SUBJECT_USCC},
        {"统一社会信用代码", CP_F_SUBJECT_USCC},
        {"CF_XDR_GSDJ", CP_F_SUBJECT_REG_NO},
        {"工商登记码", CP_F_SUBJECT_REG_NO},
        {"CF_XDR_ZDM", CP_F_SUBJECT_ORG_CODE},
        {"组织机构代码", CP_F_SUBJECT_ORG_CODE},
        {"CF_XDR_SFZ", CP_F_SUBJECT_PERSON_ID},
        {"居民身份证号", CP_F_SUBJECT_PERSON_ID},
        {"CF_FR", CP_F_LEGAL_REP},
        {"法定代表人姓名", CP_F_LEGAL_REP},
        {"CF_WSH", CP_F_DOCUMENT_NUMBER},
        {"行政处罚决定书文号", CP_F_DOCUMENT_NUMBER},
        {"CF_SY", CP_F_REASON},
        {"处罚事由", CP_F_REASON},
        /* The first category only: CF_CFLB2 is a second value, not a
         * synonym, so it stays an extra instead of being lost. */
        {"CF_CFLB1", CP_F_PENALTY_TYPE},
        {"处罚类别1", CP_F_PENALTY_TYPE},
        {"CF_JG", CP_F_CONTENT},
        {"处罚结果", CP_F_CONTENT},
        {"CF_JDRQ", CP_F_DECISION_DATE},
        {"处罚决定日期", CP_F_DECISION_DATE},
        {"CF_XZJG", CP_F_AUTHORITY},
        {"处罚机关", CP_F_AUTHORITY},
};

/* Items the 2015–16 set does not have. */
static const char *const cp_sgs_penalty_markers[] = {
        "CF_CFJG", "CF_WFXW", "CF_NR", "CF_NR_FK", "CF_XDR_ZZJG",
        "CF_XDR_GSZC", "CF_FRDB", "违法行为类型", "罚款金额（万元）", NULL};

/* ---- 双公示 administrative permits, current items (§4.4.1) ----------- */

static const cp_preset_column_t cp_sgs_permit[] = {
        {"XK_XDR_MC", CP_F_SUBJECT_NAME},
        {"行政相对人名称", CP_F_SUBJECT_NAME},
        {"XK_XDR_LB", CP_F_SUBJECT_KIND},
        {"行政相对人类别", CP_F_SUBJECT_KIND},
        {"XK_XDR_SHXYM", CP_F_SUBJECT_USCC},
        /* Credit China's query API keys the party by tyshxydm. */
        {"tyshxydm", CP_F_SUBJECT_USCC},
        {"统一社会信用代码", CP_F_SUBJECT_USCC},
        {"行政相对人代码_1（统一社会信用代码）", CP_F_SUBJECT_USCC},
        {"XK_XDR_GSZC", CP_F_SUBJECT_REG_NO},
        {"工商注册号", CP_F_SUBJECT_REG_NO},
        {"行政相对人代码_2（工商注册号）", CP_F_SUBJECT_REG_NO},
        {"XK_XDR_ZZJG", CP_F_SUBJECT_ORG_CODE},
        {"组织机构代码", CP_F_SUBJECT_ORG_CODE},
        {"行政相对人代码_3（组织机构代码）", CP_F_SUBJECT_ORG_CODE},
        {"XK_XDR_ZJHM", CP_F_SUBJECT_PERSON_ID},
        {"证件号码", CP_F_SUBJECT_PERSON_ID},
        {"XK_FRDB", CP_F_LEGAL_REP},
        {"法定代表人", CP_F_LEGAL_REP},
        {"XK_WSH", CP_F_DOCUMENT_NUMBER},
        {"行政许可决定文书号", CP_F_DOCUMENT_NUMBER},
        {"XK_XKZS", CP_F_PERMIT_NAME},
        {"许可证书名称", CP_F_PERMIT_NAME},
        {"XK_XKBH", CP_F_PERMIT_NUMBER},
        {"许可编号", CP_F_PERMIT_NUMBER},
        {"XK_NR", CP_F_CONTENT},
        {"许可内容", CP_F_CONTENT},
        {"XK_JDRQ", CP_F_DECISION_DATE},
        {"许可决定日期", CP_F_DECISION_DATE},
        {"XK_YXQZ", CP_F_VALID_FROM},
        {"有效期自", CP_F_VALID_FROM},
        {"XK_YXQZI", CP_F_VALID_TO},
        {"有效期至", CP_F_VALID_TO},
        {"XK_XKJG", CP_F_AUTHORITY},
        {"许可机关", CP_F_AUTHORITY},
        {"XK_XKJGDM", CP_F_AUTHORITY_USCC},
        {"许可机关统一社会信用代码", CP_F_AUTHORITY_USCC},
};

static const char *const cp_sgs_permit_legacy_markers[] = {
        "XK_XMMC", "XK_SPLB", "XK_JZQ", "XK_XZJG", "项目名称", "审批类别",
        "许可截止期", NULL};

/* ---- 2015–16 permit items (§4.4.1, "Legacy"). The party codes are by
 * analogy with the legacy penalty set: sources give the Chinese names. */

static const cp_preset_column_t cp_sgs_permit_legacy[] = {
        {"XK_XDR", CP_F_SUBJECT_NAME},
        {"行政相对人名称", CP_F_SUBJECT_NAME},
        {"XK_XDR_SHXYM", CP_F_SUBJECT_USCC},
        {"统一社会信用代码", CP_F_SUBJECT_USCC},
        {"XK_XDR_GSDJ", CP_F_SUBJECT_REG_NO},
        {"工商登记码", CP_F_SUBJECT_REG_NO},
        {"XK_XDR_ZDM", CP_F_SUBJECT_ORG_CODE},
        {"组织机构代码", CP_F_SUBJECT_ORG_CODE},
        {"XK_XDR_SFZ", CP_F_SUBJECT_PERSON_ID},
        {"居民身份证号", CP_F_SUBJECT_PERSON_ID},
        {"XK_FR", CP_F_LEGAL_REP},
        {"法定代表人姓名", CP_F_LEGAL_REP},
        {"XK_WSH", CP_F_DOCUMENT_NUMBER},
        {"行政许可决定书文号", CP_F_DOCUMENT_NUMBER},
        /* The licensed item's name: the nearest to a permit name. */
        {"XK_XMMC", CP_F_PERMIT_NAME},
        {"项目名称", CP_F_PERMIT_NAME},
        {"XK_NR", CP_F_CONTENT},
        {"许可内容", CP_F_CONTENT},
        {"XK_JDRQ", CP_F_DECISION_DATE},
        {"许可决定日期", CP_F_DECISION_DATE},
        {"XK_JZQ", CP_F_VALID_TO},
        {"许可截止期", CP_F_VALID_TO},
        {"XK_XZJG", CP_F_AUTHORITY},
        {"许可机关", CP_F_AUTHORITY},
};

static const char *const cp_sgs_permit_markers[] = {
        "XK_XKJG", "XK_XKZS", "XK_XKBH", "XK_YXQZI", "XK_XDR_MC",
        "许可证书名称", "许可编号", NULL};

/* ---- GSXT (SAMR) JSON keys (§4.2, §4.3.3, §4.5, §4.6) ---------------- */

/* The party, as every GSXT record names it. legelRep is the system's own
 * spelling in registration records, lerep the one of penalty details. */
#define CP_GSXT_PARTY                                   \
        {"entname", CP_F_SUBJECT_NAME},                 \
        {"企业名称", CP_F_SUBJECT_NAME},                \
        {"uniscid", CP_F_SUBJECT_USCC},                 \
        {"统一社会信用代码", CP_F_SUBJECT_USCC},        \
        {"regno", CP_F_SUBJECT_REG_NO},                 \
        {"注册号", CP_F_SUBJECT_REG_NO},                \
        {"lerep", CP_F_LEGAL_REP},                      \
        {"legelRep", CP_F_LEGAL_REP},                   \
        {"法定代表人", CP_F_LEGAL_REP}

static const cp_preset_column_t cp_gsxt_penalty[] = {
        CP_GSXT_PARTY,
        {"pendecno", CP_F_DOCUMENT_NUMBER},
        {"决定书文号", CP_F_DOCUMENT_NUMBER},
        {"illegacttype", CP_F_ACT_TYPE},
        {"违法行为类型", CP_F_ACT_TYPE},
        {"mainillegfact", CP_F_REASON},
        {"主要违法事实", CP_F_REASON},
        {"pentype_cn", CP_F_PENALTY_TYPE},
        {"处罚种类", CP_F_PENALTY_TYPE},
        {"pencontent", CP_F_CONTENT},
        {"处罚内容", CP_F_CONTENT},
        {"行政处罚内容", CP_F_CONTENT},
        {"penam", CP_F_FINE_AMOUNT},
        {"罚款金额", CP_F_FINE_AMOUNT},
        {"pendecissdate", CP_F_DECISION_DATE},
        {"处罚决定日期", CP_F_DECISION_DATE},
        {"作出行政处罚决定日期", CP_F_DECISION_DATE},
        {"publicdate", CP_F_PUBLISH_DATE},
        {"公示日期", CP_F_PUBLISH_DATE},
        {"penperi", CP_F_VALID_TO},
        {"处罚有效期", CP_F_VALID_TO},
        {"penauth_cn", CP_F_AUTHORITY},
        {"决定机关名称", CP_F_AUTHORITY},
        {"作出行政处罚决定机关名称", CP_F_AUTHORITY},
};

static const cp_preset_column_t cp_gsxt_abnormal[] = {
        CP_GSXT_PARTY,
        {"SPECAUSE_CN", CP_F_REASON},
        {"specauseName", CP_F_REASON},
        {"列入经营异常名录原因", CP_F_REASON},
        {"ABNTIME", CP_F_LIST_DATE},
        {"abnDate", CP_F_LIST_DATE},
        {"列入日期", CP_F_LIST_DATE},
        {"DECORG_CN", CP_F_AUTHORITY},
        {"lrregorgName", CP_F_AUTHORITY},
        {"作出决定机关（列入）", CP_F_AUTHORITY},
        {"BUSEXCLIST", CP_F_SOURCE_RECORD_ID},
};

static const cp_preset_column_t cp_gsxt_serious_illegal[] = {
        CP_GSXT_PARTY,
        {"列入文号", CP_F_DOCUMENT_NUMBER},
        {"SERILLREA", CP_F_REASON},
        {"serillreaName", CP_F_REASON},
        {"serILLRea_CN", CP_F_REASON},
        {"列入严重违法失信名单原因", CP_F_REASON},
        {"ABNTIME", CP_F_LIST_DATE},
        {"列入日期", CP_F_LIST_DATE},
        {"DECORG_CN", CP_F_AUTHORITY},
        {"作出决定机关（列入）", CP_F_AUTHORITY},
};

/* ---- SPC judgment defaulters (§4.7) ---------------------------------- */

static const cp_preset_column_t cp_spc_defaulter[] = {
        {"iname", CP_F_SUBJECT_NAME},
        {"被执行人姓名/名称", CP_F_SUBJECT_NAME},
        /* Person IDs for people, USCCs or org codes for organisations:
         * transform tells them apart by shape. */
        {"cardNum", CP_F_SUBJECT_PERSON_ID},
        {"身份证号码/组织机构代码", CP_F_SUBJECT_PERSON_ID},
        {"businessEntity", CP_F_LEGAL_REP},
        {"法定代表人或者负责人姓名", CP_F_LEGAL_REP},
        {"caseCode", CP_F_CASE_NUMBER},
        {"案号", CP_F_CASE_NUMBER},
        /* The number of the judgment or award being enforced. */
        {"gistId", CP_F_DOCUMENT_NUMBER},
        {"执行依据文号", CP_F_DOCUMENT_NUMBER},
        {"disruptTypeName", CP_F_REASON},
        {"失信被执行人行为具体情形", CP_F_REASON},
        {"regDate", CP_F_DECISION_DATE},
        {"立案时间", CP_F_DECISION_DATE},
        {"publishDate", CP_F_PUBLISH_DATE},
        {"发布时间", CP_F_PUBLISH_DATE},
        {"courtName", CP_F_AUTHORITY},
        {"执行法院", CP_F_AUTHORITY},
        {"id", CP_F_SOURCE_RECORD_ID},
};

#define CP_PRESET_ROWS(a) (a), CP_N(a)

static const cp_preset_t cp_presets[] = {
        {"sgs_penalty",
         "双公示 administrative penalties, current national items (CF_* codes and Chinese names)",
         CREDPIPE__V1__CATEGORY__ADMIN_PENALTY, CP_UNIT_WAN_YUAN,
         CP_PRESET_ROWS(cp_sgs_penalty), cp_sgs_penalty_legacy_markers,
         "sgs_penalty_legacy"},
        {"sgs_penalty_legacy",
         "双公示 administrative penalties, 2015–16 items",
         CREDPIPE__V1__CATEGORY__ADMIN_PENALTY, -1,
         CP_PRESET_ROWS(cp_sgs_penalty_legacy), cp_sgs_penalty_markers,
         "sgs_penalty"},
        {"sgs_permit",
         "双公示 administrative permits, current items (XK_* codes, Chinese names, Credit China's xk_* keys)",
         CREDPIPE__V1__CATEGORY__ADMIN_PERMIT, -1,
         CP_PRESET_ROWS(cp_sgs_permit), cp_sgs_permit_legacy_markers,
         "sgs_permit_legacy"},
        {"sgs_permit_legacy",
         "双公示 administrative permits, 2015–16 items",
         CREDPIPE__V1__CATEGORY__ADMIN_PERMIT, -1,
         CP_PRESET_ROWS(cp_sgs_permit_legacy), cp_sgs_permit_markers,
         "sgs_permit"},
        {"gsxt_penalty",
         "GSXT (SAMR) administrative penalties, JSON keys and summary-page names",
         CREDPIPE__V1__CATEGORY__ADMIN_PENALTY, -1,
         CP_PRESET_ROWS(cp_gsxt_penalty), NULL, NULL},
        {"gsxt_abnormal",
         "GSXT business abnormal operations list",
         CREDPIPE__V1__CATEGORY__ABNORMAL_OPERATION, -1,
         CP_PRESET_ROWS(cp_gsxt_abnormal), NULL, NULL},
        {"gsxt_serious_illegal",
         "GSXT serious illegal and dishonest list (SAMR)",
         CREDPIPE__V1__CATEGORY__BLACKLIST, -1,
         CP_PRESET_ROWS(cp_gsxt_serious_illegal), NULL, NULL},
        {"spc_defaulter",
         "SPC judgment defaulters (zxgk/shixin JSON keys and Chinese names)",
         CREDPIPE__V1__CATEGORY__JUDGMENT_DEFAULTER, -1,
         CP_PRESET_ROWS(cp_spc_defaulter), NULL, NULL},
};

size_t cp_preset_count(void)
{
        return CP_N(cp_presets);
}

const cp_preset_t *cp_preset_at(size_t i)
{
        return i < CP_N(cp_presets) ? &cp_presets[i] : NULL;
}

const cp_preset_t *cp_preset_by_name(const char *name)
{
        for (size_t i = 0; i < CP_N(cp_presets); i++)
                if (!strcmp(cp_presets[i].pre_name, name))
                        return &cp_presets[i];
        return NULL;
}

void cp_preset_names(char *buf, size_t size)
{
        size_t o = 0;

        if (!size)
                return;
        buf[0] = '\0';
        for (size_t i = 0; i < CP_N(cp_presets) && o < size; i++) {
                int w = snprintf(buf + o, size - o, "%s%s", i ? ", " : "",
                                 cp_presets[i].pre_name);
                if (w < 0)
                        break;
                o += (size_t)w;
        }
}
