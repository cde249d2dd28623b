/*
 * Resident identity numbers inside free text (domain.md §2.6): finding
 * them and masking them.
 *
 * DESIGN: transform (scrubbing accepted records when pseudonymising) and
 * the sink (raw bytes and messages of rejects) both need this and may not
 * include each other, so it lives in core. A RIC here is a run of 18
 * characters: 17 digits then a digit or X, ASCII or full-width, not part of
 * a longer run of digits, with a known address prefix (a province, 71 or
 * 81–83) and a plausible birth date (year 1880–2099, month 0x or 1x, day
 * 0x–3x). The check digit is not required: a person ID with a typo is still
 * personal data, so this errs towards masking. Not recognised: 15-digit
 * legacy numbers (without their check, too easily registration numbers)
 * and digits split by spaces or dashes.
 *
 * The masked form keeps the first 6 and the last 4 characters and puts 8
 * '*' between (110101********1234), as cp_id_mask() does for messages. It
 * is never longer than the run it replaces, so masking fits in place.
 */
#ifndef CP_PII_H
#define CP_PII_H

#include <stdbool.h>
#include <stddef.h>

/* Length of a canonical RIC: 17 ASCII digits and a digit or 'X'. */
#define CP_PII_RIC_LEN 18

/**
 * @brief Decides whether a found run stays visible.
 * @param canon the run in canonical form: 18 ASCII characters, upper-case
 *        X, NUL-terminated
 * @returns true to keep it (e.g. it is a validated USCC that only looks
 *          like a person ID), false to mask it.
 */
typedef bool (*cp_pii_keep_fn)(const char *canon, void *opaque);

/**
 * @brief Finds the first RIC-shaped run in s[from..n).
 * @param start set to the byte offset of the run
 * @param len set to its length in bytes (18, or more with full-width forms)
 * @param canon if not NULL, receives the canonical form (19 bytes)
 * @returns true when a run was found.
 */
bool cp_pii_find_ric(const char *s, size_t n, size_t from, size_t *start,
                     size_t *len, char *canon);

/**
 * @brief Copies s[0..n) to out with every RIC-shaped run masked.
 * @param out holds at least n + 1 bytes; receives a NUL-terminated copy
 *        (NUL bytes inside s are copied as they are)
 * @param out_len set to the length written, without the NUL
 * @param keep NULL to mask every run
 * @returns the number of runs masked.
 */
size_t cp_pii_mask_rics(const char *s, size_t n, char *out, size_t *out_len,
                        cp_pii_keep_fn keep, void *opaque);

#endif
