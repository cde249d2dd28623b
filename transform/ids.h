/*
 * Identification numbers of companies and people (domain.md §1, §2, §3.3):
 * Unified Social Credit Code (USCC), legacy organisation code, legacy
 * 15-digit business registration number, resident identity number (RIC,
 * 18 or legacy 15 digits, full or masked).
 *
 * DESIGN: one entry point, cp_id_check(), turns raw cell text into a
 * verdict with two levels. `valid` means the value passes every check;
 * `usable` means it may still serve as identity. They differ for USCCs
 * only: pilot-era codes fail the mod-31 check yet were legitimately
 * issued (§1.7.3), so a failed USCC check is a warning that keeps the
 * value, while a failed RIC, org-code or registration-number check drops
 * it. Every code in `reason` and in findings is a stable string literal,
 * suitable for metrics and Finding messages; nothing here allocates, so
 * the transform hot path can call it per field.
 *
 * Resident identity numbers are personal data: whatever reaches a log
 * goes through cp_id_mask() first.
 */
#ifndef CP_IDS_H
#define CP_IDS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum cp_id_type_e {
        CP_ID_UNKNOWN = 0,   /* as "want": dispatch by shape */
        CP_ID_USCC,          /* Unified Social Credit Code, 18 chars */
        CP_ID_ORG_CODE,      /* GB 11714 organisation code, 9 chars */
        CP_ID_REG_NO,        /* GS 15-2006 registration number, 15 digits */
        CP_ID_RIC,           /* resident identity number, 18 (or 15) digits */
        CP_ID_RIC_MASKED,    /* resident identity number with hidden positions */
} cp_id_type_t;

/* Same numbers as credpipe.v1.Severity. */
typedef enum { CP_SEV_INFO = 1, CP_SEV_WARNING = 2, CP_SEV_ERROR = 3 } cp_severity_t;

#define CP_ID_MAX_FINDINGS 8

typedef struct cp_id_finding_s {
        const char *code;         /* static string, e.g. "uscc_check_failed" */
        cp_severity_t severity;
} cp_id_finding_t;

typedef struct cp_id_result_s {
        cp_id_type_t type;        /* what the value is after dispatch */
        bool valid;               /* passes every check (what vectors.tsv calls valid) */
        bool usable;              /* may serve as identity: valid, or only check/table
                                   * warnings (pilot-era USCCs) */
        char normalized[48];      /* canonical form, NUL-terminated, "" when unusable */
        const char *reason;       /* stable code of the first error or failed check;
                                   * NULL when valid */
        cp_id_finding_t findings[CP_ID_MAX_FINDINGS];
        int nfindings;
} cp_id_result_t;

/**
 * @brief Normalises identifier text (domain.md §3.2, §3.3 steps 1–2).
 *
 * Full-width ASCII (U+FF01..U+FF5E) becomes ASCII; every kind of space,
 * zero-width character and BOM is removed, as are '-', '_', '/', '.',
 * dashes and minus signs, apostrophes, backticks, quotes (“ ” included)
 * and the leading '=' of Excel's ="..." wrapper. '.' and '+' are kept when
 * the text is Excel scientific notation (9.14403E+17), so that damage can
 * be recognised. Mask characters ＊ × ● become '*'. ASCII is upper-cased;
 * other characters are kept (invalid UTF-8 becomes U+FFFD).
 *
 * @param raw text, need not be NUL-terminated
 * @param len bytes of raw to read
 * @param out receives at most outsz - 1 bytes, never a split character,
 *            and a NUL (when outsz > 0)
 * @returns the length written.
 */
size_t cp_id_normalize(const char *raw, size_t len, char *out, size_t outsz);

/**
 * @brief Validates raw text as an identifier of type `want`.
 *
 * CP_ID_UNKNOWN dispatches by shape (§3.3 step 4): '*' → masked RIC;
 * 18 digits with a valid birth date → RIC; other 18 chars → USCC; 15
 * digits → registration number when its check passes, else a legacy RIC
 * when it has a valid date; 9 chars → organisation code. CP_ID_RIC also
 * accepts 15-digit and masked numbers; CP_ID_RIC_MASKED behaves as
 * CP_ID_RIC. Never allocates.
 *
 * @param raw cell text, need not be NUL-terminated; NULL is read as ""
 * @param res filled completely; res->type is what the value turned out to be
 */
void cp_id_check(const char *raw, size_t len, cp_id_type_t want,
                 cp_id_result_t *res);

/**
 * @brief Masked RIC compatibility (domain.md §2.6): could a and b be the
 * same number? Both are normalised and canonicalised first; 15-digit
 * values are compared with 18-digit ones through the position map
 * (1–6 → 1–6, 7–12 → 9–14, 13–15 → 15–17).
 * @returns true iff every position visible in both agrees; false when
 *          either is not a (masked) RIC of 15 or 18 characters, or shows
 *          an address prefix no RIC has (e.g. a digit-only USCC).
 */
bool cp_ric_compatible(const char *a, const char *b);

/**
 * @brief Masks a resident ID for logs and messages: keeps the first 6 and
 * the last 4 characters, '*' between (110101********1239). Values shorter
 * than 15 characters become all '*'. Characters, not bytes, are counted;
 * control characters, '"' and '\\' in the kept parts become '?' so the
 * result is safe inside a quoted log value.
 * @param id NUL-terminated text; NULL is read as ""
 * @param out receives at most outsz - 1 bytes and a NUL (when outsz > 0)
 */
void cp_id_mask(const char *id, char *out, size_t outsz);

/** @returns "uscc", "org_code", "reg_no", "ric", "ric_masked" or "unknown". */
const char *cp_id_type_name(cp_id_type_t t);

/* ---- USCC department/category table (domain.md §1.5) ---- */

/* What the table says about a pair (USCC positions 1-2). */
typedef enum cp_id_category_e {
        CP_ID_CATEGORY_UNKNOWN = 0,   /* in no table: finding category_unknown */
        CP_ID_CATEGORY_CORE,          /* §1.5.1, confirmed by several sources */
        CP_ID_CATEGORY_EXTENDED,      /* §1.5.2, one source: category_unconfirmed */
} cp_id_category_t;

/**
 * @brief Looks a department/category pair up in the active table: the
 * built-in one (domain.md §1.5.1 core, §1.5.2 extended), or the one the
 * last successful cp_id_load_categories() read.
 * @param dept USCC position 1, @param cat position 2 (upper case)
 * @locality any thread, once start-up loading is over
 */
cp_id_category_t cp_id_category(char dept, char cat);

/**
 * @brief Replaces the department/category table with the pairs of a TSV
 * file, so that pairs confirmed later need no new build (§1.5: "treat the
 * table as data"). data/uscc_categories.tsv is the built-in table in this
 * format.
 *
 * One pair per line, three tab-separated columns: the pair (two characters
 * of the 31-symbol USCC set, e.g. "91", "A1"), its status ("core" or
 * "extended") and a non-empty description. Blank lines, lines starting
 * with '#', a UTF-8 BOM, CRLF line ends and a first line
 * "pair<TAB>status<TAB>description" are allowed. A pair listed twice or a
 * file without pairs is an error. Nothing changes unless the whole file is
 * good.
 *
 * @param errstr receives "FILE:LINE: what is wrong" (or "FILE: ..." when
 *        the file as a whole is at fault); may be NULL when errstr_size is 0
 * @returns CP_OK; CP_ERR_IO when the file cannot be read; CP_ERR_PARSE
 *          when its content is malformed.
 * @locality start-up, before any thread calls cp_id_check(): the table is
 *           read without locks
 */
int cp_id_load_categories(const char *path, char *errstr, size_t errstr_size);

/**
 * @brief Restores the built-in department/category table.
 * @locality as cp_id_load_categories()
 */
void cp_id_default_categories(void);

#endif
