/*
 * Normalisation of the text of key fields (domain.md §3): what makes two
 * sources' spellings of one fact compare equal.
 *
 * DESIGN: every function writes into a caller-supplied buffer and returns
 * the length, so the transform hot path allocates nothing; a value that
 * does not fit is cut before the first character that does not fit, so it
 * is a prefix of the full key and the return value is within 4 bytes of
 * outsz - 1 (keys that long are not real keys anyway). Normalising a key
 * again gives the same key (tests/unit/test_normalize.c checks this).
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
 * brackets ( ) [ ] 【 】 { } and full-width forms mapped to 〔 〕, trailing
 * 号 dropped, 第 before the serial dropped (kept after a digit, where
 * dropping it would join two numbers: 罚2021第5), leading zeros of the
 * serial stripped. The authority prefix is kept verbatim.
 */
size_t cp_norm_docno(const char *s, char *out, size_t outsz);

/** @brief Match key of a court case number: folded, （）→ (). */
size_t cp_norm_caseno(const char *s, char *out, size_t outsz);

/**
 * @brief Match key of a name: trimmed, inner runs of spaces collapsed to
 * one, ASCII brackets mapped to the full-width （） of official names.
 */
size_t cp_norm_name(const char *s, char *out, size_t outsz);

/** What a date field holds (cp_norm_date_ex). */
typedef enum {
        CP_DATE_INVALID = -1,    /**< not a date, or an impossible one (2020-02-30) */
        CP_DATE_ABSENT = 0,      /**< empty, a null placeholder (§3.8) or a placeholder date */
        CP_DATE_OK = 1,          /**< *days set */
        CP_DATE_OPEN_ENDED = 2   /**< no end: 长期, 永久, 9999-12-31 … (store null + open_ended) */
} cp_date_rc_t;

/** How a source writes dates that cannot be told apart from the value alone. */
typedef struct cp_date_opts_s {
        /** 0: a bare 5-digit number is not a date; 1900 or 1904: Excel serial
         *  day numbers of that workbook date system (other values count as 0). */
        int excel_system;
} cp_date_opts_t;

/**
 * @brief Parses a date in every form real feeds write (domain.md §3.6) to
 * a day of the calendar of China (UTC+8, no DST).
 *
 * Accepted, after full-width ASCII is folded and spaces trimmed:
 *  - Y-M-D with '-', '/' or '.' (the same one twice), 1–2 digit month and
 *    day: 2020-01-02, 2020/1/2, 2020.01.02;
 *  - YYYY年M月D日 (日 or 号, or neither), zero-padded or not, spaces
 *    allowed around the unit characters;
 *  - Chinese numerals as printed on decisions: 二〇二〇年一月二日, year digit
 *    by digit with 〇, 零, ○ or the letter O for zero, month and day with
 *    十 (十, 十一, 二十一, 三十一; also 廿, 卅, and 元月 for January); Arabic
 *    and Chinese parts may be mixed (2020年一月二日);
 *  - compact YYYYMMDD (8 digits) and YYYYMMDDHHMMSS (14 digits), and ISO
 *    8601 basic date-times YYYYMMDDThhmm[ss][.fff][zone];
 *  - any of the above followed by a time, after a space or 'T' (after 日
 *    no separator is needed): H:MM, H:MM:SS, H:MM:SS.fff, H时M分S秒, and
 *    for the colon forms an optional zone Z, ±HH, ±HHMM or ±HH:MM. The
 *    time is dropped; a zone other than +08:00 moves the instant to its
 *    UTC+8 day first, so 2020-01-01T16:00:00Z is 2020-01-02;
 *  - epoch seconds (10 digits) and milliseconds (13 digits), taken in
 *    UTC+8: 1577894400000 is 2020-01-02, 1577808000000 is 2020-01-01;
 *  - only when opts->excel_system is 1900 or 1904: a 5-digit Excel serial
 *    20000–60000 (1954–2064), optionally with a time fraction (43832.5):
 *    1899-12-30 + n (1900 system; n ≥ 61 always holds in that range, so
 *    the fictitious 1900-02-29, serial 60, never arises) or 1904-01-01 + n.
 *
 * Not accepted: D/M/Y and M/D/Y (02/01/2020 is ambiguous, §3.6), two-digit
 * years, 9, 11, 12 or other digit counts (a 12-digit value could be
 * YYYYMMDDHHMM or pre-2001 epoch milliseconds), trailing text.
 *
 * Placeholders → CP_DATE_ABSENT: the §3.8 null words, 0000-00-00 (in any
 * form), 1900-01-01 and 1970-01-01 (also when an epoch or a zone shift
 * lands there: epoch 0 is a default, not a date).
 * Open-ended → CP_DATE_OPEN_ENDED: 长期, 永久, 无期限, 长期有效, 永久有效,
 * 无限期, 无固定期限, and 9999-12-31 or 2099-12-31 in any form.
 *
 * @param opts NULL for the defaults (no Excel serials)
 * @param days set to days since 1970-01-01 only for CP_DATE_OK; a day
 *        returned always formats (cp_norm_date_format) to text that parses
 *        back to the same day.
 */
cp_date_rc_t cp_norm_date_ex(const char *s, const cp_date_opts_t *opts, int32_t *days);

/**
 * @brief cp_norm_date_ex with default options, for callers that only know
 * "a date / no date / not a date".
 *
 * Open-ended values (长期, 9999-12-31, …) come back as 0, like
 * placeholders, so that an open validity never reads as a real day and
 * never raises an invalid-date finding; callers that must tell "no end"
 * from "no value" use cp_norm_date_ex.
 *
 * @returns 1 with *days = days since 1970-01-01; 0 when absent, a
 *          placeholder or open-ended; -1 when it is not a valid date.
 */
int cp_norm_date(const char *s, int32_t *days);

/** @brief Writes a day count as YYYY-MM-DD (out must hold 11 bytes). */
void cp_norm_date_format(int32_t days, char *out);

/** Which unit an amount value wrote itself (cp_norm_amount_ex). */
typedef enum {
        CP_UNIT_CLAIM_NONE = 0,  /**< no unit written: the column's unit applied */
        CP_UNIT_CLAIM_YUAN,      /**< 元/圆, 角 or 分 written (50000元, 叁仟元伍角) */
        CP_UNIT_CLAIM_WAN,       /**< ended in 万 (5万, 伍万元, 壹亿贰仟万元) */
        CP_UNIT_CLAIM_YI         /**< ended in 亿 (1.2亿元) */
} cp_unit_claim_t;

/**
 * @brief Parses an amount field to integer fen (§3.7).
 *
 * Accepted, spaces ignored: an optional prefix 人民币, RMB, CNY, ¥ or ￥;
 * then a numeral: Arabic decimal with ',' or '，' thousands separators
 * (groups of exactly three digits), upper-case financial numerals
 * 零壹贰叁肆伍陆柒捌玖拾佰仟万亿, lower-case 〇一二三四五六七八九十百千万亿
 * (also 两), or a mix (5万, 1.2亿, 1万2000); then an optional unit: 元/圆
 * (with 角 and 分 after it: 叁仟零伍拾元伍角), or 角/分 alone; then an
 * optional 整/正. The amount is rounded half up to the fen. No negatives.
 *
 * Refused as ambiguous: a bare digit after 百/千/万/亿 without 零
 * (一万二, 壹仟伍, 1万2), two Chinese digits in a row, units out of order.
 *
 * @param wan_default the column's unit is 10,000 yuan (罚款金额（万元）);
 *        it applies only when the value writes no unit itself
 * @param fen set on success; never negative
 * @param claimed may be NULL; set (also on failure, to NONE) to the unit the
 *        value wrote: YUAN for 元/角/分, WAN or YI when the numeral ended in
 *        万 or 亿 (before any 元), NONE when the column unit applied. The
 *        prefixes name the currency, not a unit, so ¥5 claims NONE.
 * @returns 1 with *fen set, 0 for a null placeholder (§3.8), -1 when
 *          unparseable or beyond int64 fen (92 trillion yuan).
 */
int cp_norm_amount_ex(const char *s, bool wan_default, int64_t *fen,
                      cp_unit_claim_t *claimed);

/** @brief cp_norm_amount_ex without the claimed unit. */
int cp_norm_amount(const char *s, bool wan_default, int64_t *fen);

/**
 * @brief Finds the fine in free text such as 处罚内容: 罚款人民币伍仟元,
 * 并处罚款人民币20000元, 给予警告，并处5000元罚款.
 *
 * An amount in text is a numeral (as cp_norm_amount_ex) that writes 元/圆
 * or carries a currency prefix; a bare number (2020年, 第五十条, 3万人) is
 * not one, nor is a bound of a range (五千元以上五万元以下, 1000元至5000元).
 * Arabic digits separated by a space are not joined. Which amount:
 *  1. the one written right before the first 罚款 (…5000元罚款, …5000元的罚款);
 *  2. else the first after the first 罚款 (罚款人民币伍仟元; directly after
 *     罚款 a numeral ending in 万/亿 counts too: 罚款5万);
 *  3. else, or without 罚款, the first amount in the text.
 * A value without a unit but with a prefix (人民币5000) is in yuan.
 *
 * @returns 1 with *fen set when an amount was found, 0 when none.
 */
int cp_norm_amount_in_text(const char *text, int64_t *fen);

#endif
