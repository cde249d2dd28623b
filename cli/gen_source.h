/*
 * The feeds `credpipe gen` writes: one descriptor per source.
 *
 * DESIGN: a descriptor says everything the other parts need about a
 * source: its configuration (id, role, category, format, columns and the
 * canonical field of each), which entry classes it holds, how often it
 * repeats an entry or carries a bad row, and a render function that turns
 * an entry into the source's values (its date forms, bracket styles,
 * identifier spellings). The configuration writer, the feed writer and
 * the truth all read the same table, so they cannot disagree.
 */
#ifndef CP_GEN_SOURCE_H
#define CP_GEN_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "gen_model.h"
#include "gen_out.h"
#include "gen_rng.h"
#include "gen_view.h"

enum { CP_GEN_CSV = 1, CP_GEN_JSONL = 2, CP_GEN_XLSX = 3 };

/* Kinds of bad rows; each bad row is exactly one reject. */
enum {
        CP_GEN_BAD_USCC_LENGTH,   /* subject USCC of 17 or 19 characters */
        CP_GEN_BAD_USCC_LETTER,   /* subject USCC with one of I O S V Z */
        CP_GEN_BAD_RIC_CHECK,     /* full resident number, wrong check digit */
        CP_GEN_BAD_RIC_DATE,      /* full resident number, impossible birth date */
        CP_GEN_BAD_NO_SUBJECT,    /* no subject name and no identifier */
        CP_GEN_BAD_MISSING_FIELD, /* CSV: fewer fields than the header */
        CP_GEN_BAD_NO_DOC_DATE,   /* penalty: no 文号 and no decision date */
        CP_GEN_BAD_JSON,          /* JSON Lines: the line is not valid JSON */
        CP_GEN_BAD_ENCODING,      /* encoded CSV: a byte invalid in the encoding */
        CP_GEN_BAD__COUNT
};

/** Short names of the CP_GEN_BAD_* kinds, e.g. "uscc_length". */
extern const char *const cp_gen_bad_names[CP_GEN_BAD__COUNT];

/**
 * The daemon's stable reject code for each kind ("uscc_bad_length"), the
 * `reason` truth.json gives, so a test can check that a row was rejected
 * for the right reason and not only at the right line.
 */
extern const char *const cp_gen_bad_codes[CP_GEN_BAD__COUNT];

typedef struct cp_gen_source_s {
        const char *src_id;
        const char *src_role;         /* sectoral | municipal | central */
        const char *src_category;     /* configuration name of the category */
        const char *src_region;
        int src_format;               /* CP_GEN_CSV | CP_GEN_JSONL | CP_GEN_XLSX */
        const char *src_file;         /* file name under feeds/ */
        const char *src_eol;          /* CSV record terminator */
        const char *src_amount_unit;  /* NULL: the source carries no amounts */
        int src_cat;                  /* CP_GEN_CAT_* */
        bool src_central;             /* holds what central holds of src_cat */
        unsigned src_classes;         /* non-central: bit per class held */
        unsigned src_bad_classes;     /* classes a bad row's entry is made as */
        int src_group;                /* region group of its own parties */
        const cp_gen_col_t *src_cols;
        int src_ncols;
        uint32_t src_dup_per10k;      /* exact repeats, per entry held */
        uint32_t src_bad_per10k;      /* bad rows, per entry held */
        uint8_t src_bad_weight[CP_GEN_BAD__COUNT];
        /* Fills the row's values for an entry as the source's view of it
         * says (gen_view.h: which fields are written, left empty or
         * written differently); rng is seeded per (source, entry) and only
         * picks spellings the normaliser absorbs, so writing the entry
         * again writes the same bytes. */
        void (*src_render)(const cp_gen_entry_t *en, const cp_gen_view_t *vw,
                           cp_gen_rng_t *rng, cp_gen_row_t *rw);
        const char *src_note;         /* one line for the configuration */
        /* CSV: the file's encoding (iconv name, also the configuration's
         * `encoding`, lower-cased), written with its BOM; NULL: UTF-8.
         * XLSX: the title row above the header. */
        const char *src_encoding;
        /* Views (gen_view.c): one required field left empty in this many
         * entries per 10,000; a fine of 0 written as an empty cell. */
        uint32_t src_blank_per10k;
        bool src_zero_fine_empty;
} cp_gen_source_t;

extern const cp_gen_source_t cp_gen_sources[];
extern const int cp_gen_nsources;

/** @returns whether the source holds entry g (of class cls). */
bool cp_gen_source_holds(const cp_gen_plan_t *pl, const cp_gen_source_t *src,
                         uint64_t g, int cls);

/** @returns the column of a canonical field in a source, or -1. */
int cp_gen_source_col(const cp_gen_source_t *src, const char *field);

/** @returns the CP_GEN_F_* bits of the fields the source has columns for. */
uint32_t cp_gen_source_fields(const cp_gen_source_t *src);

/**
 * @brief Rows written per universe entry, by category: every holder's
 *        copy plus its expected repeats and bad rows (for plan sizing).
 */
void cp_gen_rows_per_entry(double out[CP_GEN_CAT__COUNT]);

#endif
