/*
 * Canonical fields: the names a source's columns are mapped to.
 *
 * DESIGN: ingest knows only these names (it copies a column's text into the
 * slot of the field it is mapped to); transform gives each slot its meaning
 * (parsing dates, validating identifiers, building keys). The table in
 * field.c is the single list of names; docs/configuration.md lists them.
 */
#ifndef CP_FIELD_H
#define CP_FIELD_H

#include <stdbool.h>
#include <stddef.h>

typedef enum cp_field_e {
        CP_F_SUBJECT_NAME,      /* party name: company or person */
        CP_F_SUBJECT_USCC,      /* Unified Social Credit Code column */
        CP_F_SUBJECT_ORG_CODE,  /* legacy organisation code column */
        CP_F_SUBJECT_REG_NO,    /* legacy 15-digit registration number */
        CP_F_SUBJECT_PERSON_ID, /* resident identity number (maybe masked) */
        CP_F_SUBJECT_KIND,      /* party category text */
        CP_F_LEGAL_REP,         /* legal representative's name */
        CP_F_DOCUMENT_NUMBER,   /* decision document number */
        CP_F_CASE_NUMBER,       /* court case number */
        CP_F_AUTHORITY,         /* deciding / listing authority name */
        CP_F_AUTHORITY_USCC,    /* authority's USCC */
        CP_F_DECISION_DATE,
        CP_F_PUBLISH_DATE,
        CP_F_LIST_DATE,         /* date put on a list */
        CP_F_VALID_FROM,
        CP_F_VALID_TO,
        CP_F_LIST_NAME,         /* the list's title, for sectoral lists */
        CP_F_REASON,            /* listing reason */
        CP_F_ACT_TYPE,          /* type of illegal act */
        CP_F_PENALTY_TYPE,      /* penalty category */
        CP_F_CONTENT,           /* penalty / permit content text */
        CP_F_FINE_AMOUNT,       /* fine, in the source's amount_unit */
        CP_F_PERMIT_NUMBER,
        CP_F_PERMIT_NAME,
        CP_F_SOURCE_RECORD_ID,  /* the source's own id for the record */
        CP_F_STATUS,            /* publication status: 已撤销, 已修复, ... */
        CP_F_RATING,            /* a rating's value, on the source's scale */
        CP_F__COUNT
} cp_field_t;

/** @returns the configuration name of a field, e.g. "subject_uscc". */
const char *cp_field_name(cp_field_t f);

/**
 * @brief Looks a field up by its configuration name.
 * @returns the field, or -1 when no field has that name.
 */
int cp_field_by_name(const char *name);

/**
 * @brief Folds a column name for the loose match of column names (CSV
 * headers, JSON keys, `columns` and preset names): drops white space
 * (ASCII, U+00A0, U+3000), maps full-width ASCII forms (U+FF01..U+FF5E:
 * （）：) to ASCII and ASCII letters to lower case, so 罚款金额（万元）
 * matches 罚款金额(万元) and cf_wsh matches CF_WSH.
 * @param out holds at least n bytes (folding never lengthens)
 * @returns the folded length; out is not NUL-terminated.
 */
size_t cp_column_fold(const char *s, size_t n, char *out);

/** @returns whether two NUL-terminated column names fold alike. */
bool cp_column_same(const char *a, const char *b);

#endif
