/*
 * The configuration schema: every key of the configuration file, in one
 * table (core/config_schema.c).
 *
 * DESIGN: the table is the single statement of what a configuration may
 * hold. The loader (core/config.c) takes from it the keys each mapping may
 * have (an unknown key is an error listing them), the ranges of whole
 * numbers and durations, the values of enumerations and the numeric
 * defaults; docs/configuration.md's tables of keys are generated from it
 * (`credpipe check --schema-markdown docs/configuration.md`), and a unit
 * test (tests/unit/test_config_schema.c) fails while the two differ. What
 * only code can say (a preset's category matching the source's, a key file
 * being private) stays in the loader.
 *
 * Paths name keys from the top of the file: "topics.records",
 * "sources[].http.pagination.mode" ("[]": each element of a list),
 * "kafka.<property>" ("<...>": any key, the mapping is not checked).
 */
#ifndef CP_CONFIG_SCHEMA_H
#define CP_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum cp_schema_type_e {
        CP_SCHEMA_STRING = 1,
        CP_SCHEMA_INT,          /* whole number, sk_min to sk_max */
        CP_SCHEMA_NUMBER,       /* any number (a double) */
        CP_SCHEMA_BOOL,         /* true/false (yes/no, on/off) */
        CP_SCHEMA_DURATION,     /* "60s", "500ms", "5m", "1h"; sk_min to sk_max in ms */
        CP_SCHEMA_PATH,         /* relative to the configuration file's directory */
        CP_SCHEMA_ENUM,         /* one of sk_values */
        CP_SCHEMA_LIST,
        CP_SCHEMA_MAPPING,
} cp_schema_type_t;

typedef struct cp_schema_key_s {
        const char *sk_path;            /* "sources[].http.retries" */
        cp_schema_type_t sk_type;
        /* The docs' type column when the type alone says too little
         * ("`YYYY-MM-DD`", "dotted path"); NULL: derived from the type. */
        const char *sk_form;
        long sk_min, sk_max;            /* INT: its range; DURATION: in ms */
        const char *const *sk_values;   /* ENUM: its values, NULL-terminated */
        long sk_dflt;                   /* INT, DURATION (ms): the default */
        /* The docs' default column (markdown): "required", "(off)", ""…;
         * NULL for INT and DURATION, whose default is sk_dflt. */
        const char *sk_default;
        const char *sk_meaning;         /* the docs' meaning column (markdown) */
} cp_schema_key_t;

/* The generated tables of docs/configuration.md, NULL-terminated: each is
 * written between "<!-- generated: NAME begin -->" and "... end -->". */
extern const char *const cp_schema_tables[];

/** @returns how many keys the table has. */
size_t cp_schema_count(void);

/** @returns the i-th key (0 ≤ i < cp_schema_count()), or NULL. */
const cp_schema_key_t *cp_schema_at(size_t i);

/** @returns the key with exactly that path, or NULL. */
const cp_schema_key_t *cp_schema_find(const char *path);

/**
 * @returns whether a mapping may hold the key `name`: a first path segment
 *          (less its "[]") of a key below `section`, which is "" for the
 *          top level, "sources[]" for a source, "sources[].http"…
 */
bool cp_schema_allows(const char *section, const char *name);

/** @brief Writes "a, b, c": the keys `section` may hold, in table order. */
void cp_schema_child_list(const char *section, char *buf, size_t size);

/** @returns the path as the docs and messages show it: without "sources[].". */
const char *cp_schema_display(const char *path);

/** @returns the generated table (cp_schema_tables) that lists the key. */
const char *cp_schema_table_of(const cp_schema_key_t *k);

/** @brief Writes the docs' type column of a key ("int 1–10000"). */
void cp_schema_type_text(const cp_schema_key_t *k, char *buf, size_t size);

/** @brief Writes the docs' default column of a key. */
void cp_schema_default_text(const cp_schema_key_t *k, char *buf, size_t size);

/**
 * @brief Prints one generated table (a name of cp_schema_tables), header
 *        row included, without its markers.
 * @returns 0, or -1 for an unknown name.
 */
int cp_schema_markdown(FILE *out, const char *table);

/**
 * @brief Prints one generated table between its markers, as
 *        docs/configuration.md holds it (no newline after the end marker).
 * @returns 0, or -1 for an unknown name.
 */
int cp_schema_block(FILE *out, const char *table);

/**
 * @brief The text of a document with every generated table replaced by
 *        what the schema gives now, the rest unchanged.
 * @returns the new text, or NULL with errstr (markers missing or out of order).
 * @owns the result: free() it.
 */
char *cp_schema_doc_regen(const char *doc, char *errstr, size_t errstr_size);

#endif
