#include "field.h"

#include <stdlib.h>
#include <string.h>

static const char *const cp_field_names[CP_F__COUNT] = {
        [CP_F_SUBJECT_NAME] = "subject_name",
        [CP_F_SUBJECT_USCC] = "subject_uscc",
        [CP_F_SUBJECT_ORG_CODE] = "subject_org_code",
        [CP_F_SUBJECT_REG_NO] = "subject_reg_no",
        [CP_F_SUBJECT_PERSON_ID] = "subject_person_id",
        [CP_F_SUBJECT_KIND] = "subject_kind",
        [CP_F_LEGAL_REP] = "legal_rep",
        [CP_F_DOCUMENT_NUMBER] = "document_number",
        [CP_F_CASE_NUMBER] = "case_number",
        [CP_F_AUTHORITY] = "authority",
        [CP_F_AUTHORITY_USCC] = "authority_uscc",
        [CP_F_DECISION_DATE] = "decision_date",
        [CP_F_PUBLISH_DATE] = "publish_date",
        [CP_F_LIST_DATE] = "list_date",
        [CP_F_VALID_FROM] = "valid_from",
        [CP_F_VALID_TO] = "valid_to",
        [CP_F_LIST_NAME] = "list_name",
        [CP_F_REASON] = "reason",
        [CP_F_ACT_TYPE] = "act_type",
        [CP_F_PENALTY_TYPE] = "penalty_type",
        [CP_F_CONTENT] = "content",
        [CP_F_FINE_AMOUNT] = "fine_amount",
        [CP_F_PERMIT_NUMBER] = "permit_number",
        [CP_F_PERMIT_NAME] = "permit_name",
        [CP_F_SOURCE_RECORD_ID] = "source_record_id",
        [CP_F_STATUS] = "status",
        [CP_F_RATING] = "rating",
};

const char *cp_field_name(cp_field_t f)
{
        if ((unsigned)f >= CP_F__COUNT)
                return "?";
        return cp_field_names[f];
}

int cp_field_by_name(const char *name)
{
        for (int i = 0; i < CP_F__COUNT; i++)
                if (strcmp(cp_field_names[i], name) == 0)
                        return i;
        return -1;
}

size_t cp_column_fold(const char *s, size_t n, char *out)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0, o = 0;

        while (i < n) {
                unsigned char c = p[i];

                if (c == ' ' || (c >= '\t' && c <= '\r')) {
                        i++;
                } else if (c < 0x80) {
                        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                        i++;
                } else if (c == 0xC2 && i + 1 < n && p[i + 1] == 0xA0) {
                        i += 2;
                } else if (c == 0xE3 && i + 2 < n && p[i + 1] == 0x80 &&
                           p[i + 2] == 0x80) {
                        i += 3;
                } else if (c == 0xEF && i + 2 < n &&
                           (p[i + 1] == 0xBC || p[i + 1] == 0xBD)) {
                        unsigned cp = 0xF000u | (p[i + 1] & 0x3Fu) << 6 |
                                      (p[i + 2] & 0x3Fu);

                        if (cp >= 0xFF01 && cp <= 0xFF5E) {
                                c = (unsigned char)(cp - 0xFEE0);
                                out[o++] = (char)(c >= 'A' && c <= 'Z'
                                                          ? c + 32 : c);
                        } else {
                                memcpy(out + o, p + i, 3);
                                o += 3;
                        }
                        i += 3;
                } else {
                        out[o++] = (char)c;
                        i++;
                }
        }
        return o;
}

bool cp_column_same(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), fa, fb;
        char sa[256], sb[256], *ha = sa, *hb = sb;
        bool same;

        if (la > sizeof(sa))
                ha = malloc(la);
        if (lb > sizeof(sb))
                hb = malloc(lb);
        if (!ha || !hb) {
                same = la == lb && !memcmp(a, b, la);
        } else {
                fa = cp_column_fold(a, la, ha);
                fb = cp_column_fold(b, lb, hb);
                same = fa == fb && !memcmp(ha, hb, fa);
        }
        if (ha != sa)
                free(ha);
        if (hb != sb)
                free(hb);
        return same;
}
