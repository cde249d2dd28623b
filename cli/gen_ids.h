/*
 * Identifier arithmetic for `credpipe gen`: building valid Unified Social
 * Credit Codes and resident identity numbers, and breaking them on purpose.
 *
 * DESIGN: the generator needs the check algorithms in the *constructive*
 * direction (compute the check characters of a body it invents), which
 * the daemon's validators do not offer, and it must not depend on the code
 * it is meant to test. So the arithmetic of domain.md §1.4, §1.7.1 and
 * §2.2 is written here again, small and separate. The corruptions produce
 * values the daemon must reject (wrong length, forbidden letter, wrong
 * RIC check digit, impossible birth date), never values it would repair
 * or merely flag.
 */
#ifndef CP_GEN_IDS_H
#define CP_GEN_IDS_H

#include <stdint.h>

/* The 31 USCC symbols in value order (domain.md §1.3): no I O S V Z. */
extern const char cp_gen_uscc_chars[32];

/* Real pilot-era codes that fail the mod-31 check (domain.md §1.7.3). */
#define CP_GEN_NPILOT 3
extern const char *const cp_gen_pilot_codes[CP_GEN_NPILOT];

/** @returns the GB 11714 check character of an 8-character body. */
char cp_gen_orgcode_check(const char *body8);

/** @returns the GB 32100 check character (pos 18) of 17 characters. */
char cp_gen_uscc_check(const char *c17);

/**
 * @brief Builds a valid USCC: 2 chars department+category, 6-digit region,
 *        8-char organisation-code body; appends both check characters.
 * @param out 19 bytes, NUL-terminated on return
 */
void cp_gen_uscc_build(char *out, const char *deptcat, const char *region6,
                       const char *body8);

/**
 * @brief Writes an 8-character organisation-code body that is unique for
 *        each `value` below 10^8 (old style, all digits) or below 31^6 (new
 *        style: `prefix2` such as "MA" plus 6 USCC symbols).
 */
void cp_gen_orgbody(char *body8, uint64_t value, const char *prefix2);

/** @returns the GB 11643 MOD 11-2 check character of 17 digits. */
char cp_gen_ric_check(const char *d17);

/** @brief Builds a valid 18-digit resident identity number. */
void cp_gen_ric_build(char *out, const char *region6, int y, int m, int d,
                      int seq);

/** @brief Masks an 18-digit number as the SPC does: 10 + "****" + last 4. */
void cp_gen_ric_mask(char *out, const char *ric18);

/**
 * @brief A USCC of the wrong length (17 or 19 characters, never 9 or 15,
 *        which a validator could read as another identifier kind).
 */
void cp_gen_uscc_bad_length(char *out, const char *valid, uint64_t r);

/**
 * @brief A USCC with one of I O S V Z in its body. The letter is chosen so
 *        that the confusable repair of domain.md §1.9 step 4 (O→0, I→1,
 *        Z→2, S→5) can never produce a code that passes its checks.
 * @returns the letter used
 */
char cp_gen_uscc_bad_letter(char *out, const char *valid, uint64_t r);

/**
 * @brief A resident number with a valid date but a wrong check digit. Never
 *        one that is also a valid USCC (a shape-typing validator would take
 *        it as one) or that ends in "000" (which reads as Excel damage).
 */
void cp_gen_ric_bad_check(char *out, const char *valid, uint64_t r);

/**
 * @brief A resident number whose check digit is right but whose birth date
 *        does not exist (Feb 30, Apr 31, Feb 29 of a common year, month 13),
 *        with the same exclusions as cp_gen_ric_bad_check (seq may change).
 * @returns a short description of the date used
 */
const char *cp_gen_ric_bad_date(char *out, const char *region6, int seq,
                                uint64_t r);

#endif
