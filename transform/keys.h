/*
 * Natural keys (domain.md §4.9): what makes two records the same entry.
 *
 * DESIGN: keys are readable strings, "CATEGORY|part|part…", so that a key
 * in the output can be understood by a person; the dedupe table stores a
 * 128-bit hash of them. Each part is normalised (normalize.h) first.
 */
#ifndef CP_KEYS_H
#define CP_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/record.h"
#include "normalize.h"

/* The subject's identity as used in keys, e.g. "U:9111…" or "N:name". */
typedef struct cp_subject_key_s {
        char sk_text[256];
        size_t sk_len;
} cp_subject_key_t;

typedef struct cp_key_s {
        char key_text[1024];
        size_t key_len;
        bool key_weak;          /* built from the weak fallback fields */
        const char *key_missing;  /* canonical field lacking, when no key */
        bool key_invalid;         /* that field is present but not valid */
        int key_missing_field;
        /* The document number (cp_norm_docno) or case number
         * (cp_norm_caseno) as normalised for the key, for whoever needs it
         * normalised again (the fuzzy match); key_num_field is -1 when the
         * key has none. */
        char key_num[256];
        size_t key_num_len;
        int key_num_field;
} cp_key_t;

/**
 * @brief Builds the natural key of a record of the given category from its
 * raw fields and its subject key; `dates` says how the source writes
 * dates (NULL: no Excel serials).
 * @returns 0, or -1 with key->key_missing set when required fields lack.
 */
int cp_key_build(int category, const cp_record_t *rec, const char *authority_key,
                 const cp_subject_key_t *subject, const cp_date_opts_t *dates,
                 cp_key_t *key);

#endif
