/*
 * Shared internals of the identifier checks (ids.h). Not for use outside
 * transform/id_*.c and ids.c.
 *
 * DESIGN: one file per identifier family (id_uscc.c, id_org.c, id_ric.c),
 * one for text handling (id_norm.c), and ids.c for the dispatch. Every
 * checker takes text that cp_id_normalize() already cleaned and that is
 * not a placeholder, and records its verdict through cp_id_res_fail() /
 * cp_id_res_note(), so that "first failure wins the reason" is decided in
 * one place.
 */
#ifndef CP_ID_INTERNAL_H
#define CP_ID_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ids.h"

/* Normalised text longer than this is no identifier of any kind; the
 * checkers see it truncated, which still fails every length test. */
#define CP_ID_NORM_MAX 64

/* ---- result bookkeeping (ids.c) ---- */

/**
 * @brief Records a failed check: the value is no longer valid, and no
 * longer usable unless `usable` says the failure is tolerated. The first
 * failure becomes res->reason.
 */
void cp_id_res_fail(cp_id_result_t *res, const char *code, cp_severity_t sev,
                    bool usable);

/** @brief Records a finding that leaves valid/usable unchanged. */
void cp_id_res_note(cp_id_result_t *res, const char *code, cp_severity_t sev);

/** @brief Stores the canonical form (truncated to fit). */
void cp_id_res_set_normalized(cp_id_result_t *res, const char *s, size_t n);

/* ---- text (id_norm.c) ---- */

/** @returns true when the normalised text is a null placeholder (§3.8). */
bool cp_id_is_placeholder(const char *s, size_t n);

/** @returns true when the normalised text is Excel scientific notation. */
bool cp_id_is_sci(const char *s, size_t n);

/** @returns true when s[0..n) is n > 0 ASCII digits. */
bool cp_id_all_digits(const char *s, size_t n);

/** @returns the value of n ASCII digits (caller checked they are digits). */
int cp_id_num(const char *s, size_t n);

/** @returns true when y-m-d is a real (proleptic) Gregorian date, year 1 on. */
bool cp_id_calendar_ok(int y, int m, int d);

/**
 * @returns true when y-m-d is a real Gregorian date from 1880-01-01 on: a
 * plausible birth date, used where the shape decides what a value is.
 */
bool cp_id_date_ok(int y, int m, int d);

/** @returns true when the two digits at s are a GB/T 2260 mainland province. */
bool cp_id_province_known(const char *s);

/* ---- USCC (id_uscc.c, id_category.c) ---- */

/** @returns the value 0-30 of a USCC symbol (§1.3), -1 outside the set. */
int cp_uscc_value(char c);

/**
 * @brief Checks s as a USCC.
 * @param column the caller asked for a USCC (a USCC column), so other
 *        identifier shapes are named in the reason ("uscc_looks_like_ric")
 */
void cp_id_check_uscc(const char *s, size_t n, bool column, cp_id_result_t *res);

/** @returns true when an 18-char USCC passes both check characters. */
bool cp_uscc_checks_pass(const char *s);

/* ---- organisation code, registration number (id_org.c) ---- */

/** @returns true when 9 chars pass the GB 11714 check (pos 9). */
bool cp_orgcode_check_ok(const char *s);

/** @returns true when 15 digits pass ISO 7064 MOD 11,10 (GS 15-2006). */
bool cp_regno_check_ok(const char *s);

void cp_id_check_org_code(const char *s, size_t n, cp_id_result_t *res);
void cp_id_check_reg_no(const char *s, size_t n, cp_id_result_t *res);

/* ---- resident identity numbers (id_ric.c) ---- */

/**
 * @returns true for the shape of a full 18-digit RIC: 17 digits, a digit
 * or X, and a valid birth date at positions 7–14.
 */
bool cp_ric_shape(const char *s, size_t n);

/** @returns true when 15 digits carry a valid YYMMDD (19YY) at 7–12. */
bool cp_ric15_date_ok(const char *s);

/** @returns true when normalised text is a masked RIC ('*' or X runs). */
bool cp_ric_looks_masked(const char *s, size_t n);

/** @brief Checks s as a resident identity number: 18, 15 or masked. */
void cp_id_check_ric(const char *s, size_t n, cp_id_result_t *res);

#endif
