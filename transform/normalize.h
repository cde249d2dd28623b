/*
 * Normalisation of the text of key fields (domain.md §3): what makes two
 * sources' spellings of one fact compare equal.
 *
 * DESIGN: every function writes into a caller-supplied buffer and returns
 * the length, so the transform hot path allocates nothing; values that do
 * not fit are truncated at a character boundary and reported by the return
 * value being outsz - 1 (keys that long are not real keys anyway).
 */
#ifndef CP_NORMALIZE_H
#define CP_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** @returns true when s is absent or a null placeholder (§3.8: "-", "无", "NULL", …). */
bool cp_norm_is_null(const char *s);

/**
 * @brief Folds text for matching: full-width ASCII to ASCII, every kind of
 * space removed (ASCII, U+3000, NBSP, U+2002–U+200B, U+FEFF), zero-width
 * characters removed. Case is kept. Used inside the other key builders.
 */
size_t cp_norm_fold(const char *s, char *out, size_t outsz);

/**
 * @brief Match key of a decision document number (§3.5): folded, year
 * brackets ( ) [ ] 【 】 { } and full-width forms mapped to 〔 〕, a trailing
 * 号 dropped, 第 before the serial dropped, leading zeros of the serial
 * stripped. The authority prefix is kept verbatim.
 */
size_t cp_norm_docno(const char *s, char *out, size_t outsz);

/** @brief Match key of a court case number: folded, （）→ (). */
size_t cp_norm_caseno(const char *s, char *out, size_t outsz);

/**
 * @brief Match key of a name: trimmed, inner runs of spaces collapsed to
 * one, ASCII brackets mapped to the full-width （） of official names.
 */
size_t cp_norm_name(const char *s, char *out, size_t outsz);

/**
 * @brief Parses a date in the forms real feeds write (§3.6): Y-M-D with
 * '-', '/' or '.', YYYY年M月D日, YYYYMMDD, each optionally followed by a
 * time; placeholders 0000-00-00, 1900-01-01 and 1970-01-01 count as absent.
 * @returns 1 with *days = days since 1970-01-01, 0 when the value is a
 *          placeholder, -1 when it is not a valid date.
 */
int cp_norm_date(const char *s, int32_t *days);

/** @brief Writes a day count as YYYY-MM-DD (out must hold 11 bytes). */
void cp_norm_date_format(int32_t days, char *out);

/**
 * @brief Parses an amount: decimal number with optional thousands
 * separators, 元/万元/亿元 units and ¥/￥/RMB/人民币 prefixes.
 * @param wan_default the column's unit is 10,000 yuan when no unit is written
 * @returns 1 with *fen set, 0 for a placeholder, -1 when unparseable.
 */
int cp_norm_amount(const char *s, bool wan_default, int64_t *fen);

#endif
