#include "field.h"

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
