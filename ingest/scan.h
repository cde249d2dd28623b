/*
 * Byte-set scanning: find the first of three byte values, 8 bytes a step.
 *
 * DESIGN: the CSV reader must find the next delimiter or line end (or,
 * inside quotes, the next quote or line end). memchr finds one value only,
 * and calling it once per value means several passes over every field.
 * This scanner tests 8 bytes per step against three values with the
 * classic "has a zero byte" word trick (SWAR), which needs no intrinsics
 * and no #ifdef, and falls back to a 256-entry table only inside the one
 * 8-byte word that holds a match, so the answer is exact on either byte
 * order: the word trick may flag bytes after the first real match, never
 * before it, and never flags a word without one. Three values, because
 * that is what the readers need and each one costs a test per word.
 */
#ifndef CP_INGEST_SCAN_H
#define CP_INGEST_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CP_SCAN_ONES 0x0101010101010101ULL
#define CP_SCAN_HIGHS 0x8080808080808080ULL

/* The bytes a scan stops at, as broadcast words and as a table. */
typedef struct cp_scan_set_s {
        uint64_t ss_pat[3];
        bool ss_tbl[256];
} cp_scan_set_t;

/** @brief Prepares a set of three byte values (duplicates allowed). */
static inline void cp_scan_set_init(cp_scan_set_t *ss, unsigned char a,
                                    unsigned char b, unsigned char c)
{
        const unsigned char v[3] = { a, b, c };

        memset(ss->ss_tbl, 0, sizeof(ss->ss_tbl));
        for (int i = 0; i < 3; i++) {
                ss->ss_pat[i] = CP_SCAN_ONES * v[i];
                ss->ss_tbl[v[i]] = true;
        }
}

/* Non-zero when some byte of w equals the byte broadcast in pat. */
static inline uint64_t cp_scan_word_has(uint64_t w, uint64_t pat)
{
        uint64_t x = w ^ pat;

        return (x - CP_SCAN_ONES) & ~x & CP_SCAN_HIGHS;
}

/**
 * @brief Finds the first byte of p[0..n) that is in the set.
 * @returns its index, or n when there is none.
 */
static inline size_t cp_scan_find(const cp_scan_set_t *ss,
                                  const unsigned char *p, size_t n)
{
        size_t i = 0;

        for (; i + 8 <= n; i += 8) {
                uint64_t w;

                memcpy(&w, p + i, 8);
                if (cp_scan_word_has(w, ss->ss_pat[0]) |
                    cp_scan_word_has(w, ss->ss_pat[1]) |
                    cp_scan_word_has(w, ss->ss_pat[2]))
                        break;
        }
        for (; i < n; i++)
                if (ss->ss_tbl[p[i]])
                        return i;
        return n;
}

#endif
