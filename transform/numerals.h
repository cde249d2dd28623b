/*
 * Numbers as Chinese feeds write them (domain.md §3.6, §3.7): Arabic
 * decimals with thousands separators, Chinese numerals in lower case
 * (〇一二…十百千) and the upper-case financial forms (零壹贰…拾佰仟),
 * with the large units 万 and 亿, and mixtures such as 1.2亿 or 1万2000.
 * Internal to transform/: the date and amount parsers of normalize.c
 * share this reader, so both agree on what a numeral is.
 *
 * DESIGN: values are exact decimals (mantissa × 10^exponent) so that
 * 1.2亿 or 0.000001万 convert to fen without binary rounding; every
 * multiplication and addition is checked, so no input can overflow.
 * Nothing allocates: the reader walks the caller's string in place.
 */
#ifndef CP_NUMERALS_H
#define CP_NUMERALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** @returns true for every kind of space the normalisers drop: ASCII
 *  whitespace, NBSP, U+2000–U+200D, U+3000, U+FEFF, U+2060. */
bool cp_u_is_space(uint32_t cp);

/** @returns true for the zero-width characters among those spaces. */
bool cp_u_is_zero_width(uint32_t cp);

/** @brief Full-width ASCII (U+FF01..U+FF5E) to ASCII; others unchanged. */
uint32_t cp_u_fold_width(uint32_t cp);

/**
 * @brief Value of one Chinese digit: 〇 零 ○ ◯ → 0; 一 壹 → 1; 二 贰 貳 两 兩 → 2;
 * 三 叁 參 → 3; 四 肆 → 4; 五 伍 → 5; 六 陆 陸 → 6; 七 柒 → 7; 八 捌 → 8; 九 玖 → 9.
 * @returns 0–9, or -1 when cp is not a Chinese digit.
 */
int cp_cn_digit(uint32_t cp);

/**
 * @brief Power of ten of a Chinese unit character: 十 拾 → 1, 百 佰 → 2,
 * 千 仟 → 3, 万 萬 → 4, 亿 億 → 8.
 * @returns the exponent, or 0 when cp is not a unit.
 */
int cp_cn_unit(uint32_t cp);

/** An exact non-negative decimal: m × 10^e. */
typedef struct cp_dec_s {
        int64_t m;
        int e;
} cp_dec_t;

/** @brief *a += b. @returns false (a unspecified) when the sum would overflow. */
bool cp_dec_add(cp_dec_t *a, cp_dec_t b);

/** @brief Multiplies v by 10^k. @returns false when the result is absurdly large. */
bool cp_dec_shift(cp_dec_t *v, int k);

/**
 * @brief round_half_up(v × 10^k) as an integer (k = 2 turns yuan into fen).
 * @returns false when the result does not fit int64.
 */
bool cp_dec_to_int(cp_dec_t v, int k, int64_t *out);

/**
 * A read position in a UTF-8 string. In free text (text = true) a run of
 * Arabic digits ends at a space, so "第2项 5000元" never becomes 25000;
 * in a field value spaces are ignored everywhere, as folding always did.
 */
typedef struct cp_cur_s {
        const unsigned char *s;
        size_t len;
        size_t i;
        bool text;
} cp_cur_t;

/** @brief Moves the cursor past spaces and zero-width characters. */
void cp_cur_skip(cp_cur_t *c);

/**
 * @brief The code point at the cursor, width-folded (the cursor itself
 * does not move).
 * @param next set to the index just past that code point
 * @returns the code point, or 0 at the end of the string.
 */
uint32_t cp_cur_peek(const cp_cur_t *c, size_t *next);

/** What cp_num_read found. */
typedef struct cp_num_s {
        cp_dec_t value;
        int last_big;     /**< 4 or 8 when the numeral ended with 万 or 亿, else 0 */
        bool chinese;     /**< at least one Chinese digit or unit was read */
} cp_num_t;

/**
 * @brief Reads the longest numeral at the cursor: an Arabic decimal
 * (1,234.5), Chinese digits with units (叁仟零伍拾, 十一, 一万亿), or a mix
 * (1.2亿, 1万2000, 2.5万).
 *
 * Readings that a person could take two ways are refused rather than
 * guessed: a bare digit after 百/千/万/亿 with no 零 between (一万二,
 * 壹仟伍, 1万2: colloquially 12,000, literally 10,002), two digits in a
 * row (一二), units out of order (五十百), 万 twice in one section.
 *
 * @returns 1 with *out set and the cursor past the numeral; 0 when no
 *          numeral starts here (cursor unchanged); -1 when one starts but
 *          is malformed or overflows (cursor past what was read, so a
 *          scan of free text can skip it whole).
 */
int cp_num_read(cp_cur_t *c, cp_num_t *out);

#endif
