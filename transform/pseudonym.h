/*
 * Keyed pseudonyms of resident identity numbers (design.md §3, domain.md
 * §2.6: "hash/salt for keys, never re-publish unmasked").
 *
 * DESIGN: a pseudonym is "hmac-sha256:" and the first 32 hex digits (128
 * bits) of HMAC-SHA256(key, the canonical 18-character ID). Keyed, because
 * an unkeyed hash of a resident ID is reversed by trying every possible ID
 * (about 10^11); deterministic, so the same ID gives the same pseudonym in
 * every source and run that shares the key, and deduplication and the join
 * with central sources work on pseudonyms as they did on IDs. 128 bits keep
 * collisions out of reach for any number of people. The HMAC is OpenSSL's
 * libcrypto (docs/decisions.md): crypto is not code to write ourselves.
 *
 * A cp_pseudonym_t holds a copy of the key and one MAC context: one per
 * thread (transform has one thread).
 */
#ifndef CP_PSEUDONYM_H
#define CP_PSEUDONYM_H

#include <stddef.h>

#define CP_PSEUDONYM_PREFIX "hmac-sha256:"
/* Prefix and 32 hex digits, without the NUL. */
#define CP_PSEUDONYM_LEN (sizeof(CP_PSEUDONYM_PREFIX) - 1 + 32)
#define CP_HMAC_SHA256_LEN 32

typedef struct cp_pseudonym_s cp_pseudonym_t;

/**
 * @brief Prepares HMAC-SHA256 with a key (copied).
 * @returns the pseudonymiser, or NULL with errstr set (empty key, or
 *          libcrypto could not provide HMAC-SHA256).
 * @owns the result: free with cp_pseudonym_destroy().
 */
cp_pseudonym_t *cp_pseudonym_new(const void *key, size_t key_len,
                                 char *errstr, size_t errstr_size);

/** @brief Wipes the key copy and frees. NULL is a no-op. */
void cp_pseudonym_destroy(cp_pseudonym_t *ps);

/**
 * @brief HMAC-SHA256(key, data).
 * @param out receives CP_HMAC_SHA256_LEN bytes
 * @returns 0, or -1 when libcrypto failed.
 * @locality the thread that owns ps
 */
int cp_pseudonym_hmac(cp_pseudonym_t *ps, const void *data, size_t len,
                      unsigned char *out);

/**
 * @brief The pseudonym of a canonical resident ID (18 characters, as
 * cp_id_check() normalises it, legacy 15-digit numbers included).
 * @param out receives CP_PSEUDONYM_LEN characters and a NUL
 * @returns 0, or -1 when libcrypto failed.
 * @locality the thread that owns ps
 */
int cp_pseudonym_ric(cp_pseudonym_t *ps, const char *ric, char *out);

#endif
