/*
 * Writing one generated feed file (see gen_feed.h).
 *
 * DESIGN: three draws follow each entry a source holds, from a generator
 * seeded by (source, entry): repeat an earlier entry?, write a bad row?,
 * write a blank line? They do not depend on what was written before, so
 * the file is the same for the same seed and rows on every run. The bad
 * row's entry index comes from a per-category counter, which is
 * deterministic because sources are written in table order.
 *
 * An entry withdrawn later (CP_GEN_EN_WITHDRAWN_LATER) is written again
 * after 1 to CP_GEN_LATER_SPAN further entries of the source (drawn from
 * its own stream, CP_GEN_S_LATER_ROW), the same row but for a withdrawn
 * status; until then it waits in a small queue (at most CP_GEN_LATER_SPAN
 * entries wait at a time). Those the run must produce as REMOVAL go to the
 * truth with their position and that of the entry's first row.
 */
#include "gen_feed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_ids.h"
#include "gen_out.h"
#include "gen_source.h"
#include "gen_text.h"
#include "gen_view.h"
#include "gen_xlsx.h"

#define CP_GEN_BLANK_PER10K 3   /* blank lines between records */
#define CP_GEN_REPEAT_SPAN 50   /* a repeat is of one of the last ~50 entries */
#define CP_GEN_LATER_SPAN 8     /* a later withdrawal comes 1 to 8 entries on */

/* An entry whose later withdrawn record is still to be written. */
typedef struct cp_gen_later_s {
        uint64_t lt_g;
        int lt_cls;
        int lt_fate;              /* CP_GEN_LATER_* of the source's first view */
        uint64_t lt_first_line;   /* of the entry's first row */
        uint32_t lt_left;         /* entries to write before it */
        cp_gen_rng_t lt_rng;      /* its status */
} cp_gen_later_t;

typedef struct cp_gen_feed_s {
        cp_gen_plan_t *fd_plan;
        const cp_gen_source_t *fd_src;
        int fd_si;
        cp_gen_truth_t *fd_truth;
        cp_gen_stats_t *fd_st;
        cp_gen_out_t fd_out;
        cp_gen_xlsx_t fd_xlsx;    /* CP_GEN_XLSX sources, instead of fd_out */
        bool fd_overflow;         /* a JSON row did not fit fd_json (a bug) */
        /* columns a bad row changes; -1 when the source has none */
        int fd_col_name, fd_col_uscc, fd_col_pid, fd_col_rep, fd_col_doc,
            fd_col_date;
        cp_gen_entry_t fd_entry;
        cp_gen_view_t fd_view;    /* the source's view of fd_entry */
        cp_gen_row_t fd_row;
        cp_gen_later_t fd_later[CP_GEN_LATER_SPAN];  /* waiting, in entry order */
        int fd_nlater;
        char fd_json[16384];
} cp_gen_feed_t;

/* Renders entry en as the source's view says; withdraw: the view of its
 * later withdrawn record, whose status comes from this generator. */
static void cp_gen_feed_render_as(cp_gen_feed_t *fd, const cp_gen_entry_t *en,
                                  cp_gen_rng_t *withdraw)
{
        cp_gen_rng_t rng;

        cp_gen_view_make(fd->fd_plan, fd->fd_si, en, &fd->fd_view);
        if (withdraw)
                cp_gen_view_withdraw(&fd->fd_view, withdraw);
        cp_gen_rng_init(&rng, fd->fd_plan->pl_seed,
                        CP_GEN_S_RENDER + (uint64_t)fd->fd_si, en->en_index);
        cp_gen_row_reset(&fd->fd_row);
        fd->fd_src->src_render(en, &fd->fd_view, &rng, &fd->fd_row);
}

static void cp_gen_feed_render(cp_gen_feed_t *fd, const cp_gen_entry_t *en)
{
        cp_gen_feed_render_as(fd, en, NULL);
}

/* The line (XLSX: row) the next record starts on, as the run names it. */
static uint64_t cp_gen_feed_line(const cp_gen_feed_t *fd)
{
        return fd->fd_src->src_format == CP_GEN_XLSX ? fd->fd_xlsx.xw_row : fd->fd_out.out_line;
}

/* Counts the identifier of a record that reaches the identity check
 * (docs/metrics.md "Identifier validity"): the subject's, if the row
 * carries one; usable with a WARNING for pilot and suspect codes. */
static void cp_gen_feed_count_id(cp_gen_feed_t *fd, const cp_gen_entry_t *en,
                                 const cp_gen_view_t *vw)
{
        if (!cp_gen_on(vw, CP_GEN_F_SUBJ_ID))
                return;
        fd->fd_st->st_id_present++;
        if (en->en_subj.sj_flagged)
                fd->fd_st->st_id_flagged++;
        else
                fd->fd_st->st_id_valid++;
}

static size_t cp_gen_feed_json(cp_gen_feed_t *fd)
{
        size_t len = cp_gen_json_format(fd->fd_json, sizeof(fd->fd_json) - 2,
                                        &fd->fd_row, fd->fd_src->src_cols,
                                        fd->fd_src->src_ncols);

        if (!len)
                fd->fd_overflow = true;
        return len;
}

/* Writes the current row as a record of ncols fields. */
static void cp_gen_feed_emit(cp_gen_feed_t *fd, int ncols)
{
        size_t len;

        if (fd->fd_src->src_format == CP_GEN_CSV) {
                cp_gen_csv_write(&fd->fd_out, fd->fd_row.rw_val, ncols, fd->fd_src->src_eol);
                return;
        }
        if (fd->fd_src->src_format == CP_GEN_XLSX) {
                cp_gen_xlsx_row(&fd->fd_xlsx, fd->fd_row.rw_val, ncols, fd->fd_src->src_cols);
                return;
        }
        if (!(len = cp_gen_feed_json(fd)))
                return;
        fd->fd_json[len++] = '\n';
        cp_gen_out_write(&fd->fd_out, fd->fd_json, len);
}

/* Writes entry g (class cls) as the source writes it; one record. */
static void cp_gen_feed_entry(cp_gen_feed_t *fd, uint64_t g, int cls)
{
        cp_gen_entry_build(fd->fd_plan, fd->fd_src->src_cat, g, cls, &fd->fd_entry);
        cp_gen_feed_render(fd, &fd->fd_entry);
        cp_gen_feed_emit(fd, fd->fd_src->src_ncols);
        fd->fd_st->st_read++;
        cp_gen_feed_count_id(fd, &fd->fd_entry, &fd->fd_view);
}

/* Finds an entry before g that the source holds, near g. */
static bool cp_gen_feed_earlier(cp_gen_feed_t *fd, uint64_t g, cp_gen_rng_t *ev,
                                uint64_t *g2, int *cls2)
{
        const cp_gen_source_t *src = fd->fd_src;
        uint64_t span = g < CP_GEN_REPEAT_SPAN ? g : CP_GEN_REPEAT_SPAN;
        uint64_t k;

        if (!g)
                return false;
        k = g - 1 - cp_gen_rng_below(ev, (uint32_t)span);
        /* Sources hold a large share of their universe, so this loop ends
         * after a few steps; the bound only guards against surprises. */
        for (int tries = 0; tries < 4096; tries++) {
                int cls = cp_gen_class_of(fd->fd_plan, src->src_cat, k);
                if (cp_gen_source_holds(fd->fd_plan, src, k, cls)) {
                        *g2 = k;
                        *cls2 = cls;
                        return true;
                }
                if (!k--)
                        break;
        }
        return false;
}

/* Damages a serialised JSON object so that no JSON parser accepts it,
 * keeping it one line of valid UTF-8. */
static size_t cp_gen_feed_break_json(cp_gen_feed_t *fd, size_t len, cp_gen_rng_t *rng,
                                     char *detail, size_t detail_size)
{
        char *buf = fd->fd_json, key[64];
        const char *name = fd->fd_col_name >= 0 ?
                           fd->fd_src->src_cols[fd->fd_col_name].col_name : NULL;
        char *p;

        if (name && cp_gen_rng_below(rng, 2)) {
                /* An exporter that does not escape: a raw quote in a name. */
                snprintf(key, sizeof(key), "\"%s\":\"", name);
                if ((p = strstr(buf, key))) {
                        p += strlen(key);
                        while (*p == ' ')
                                p++;
                        if ((unsigned char)*p >= 0x80) {
                                p++;
                                while (((unsigned char)*p & 0xc0) == 0x80)
                                        p++;
                                memmove(p + 1, p, len - (size_t)(p - buf));
                                *p = '"';
                                snprintf(detail, detail_size,
                                         "unescaped quote inside \"%s\"", name);
                                return len + 1;
                        }
                }
        }
        /* A line cut off after a member, as by an interrupted write. */
        for (p = buf + len * 2 / 3; p > buf && *p != ','; p--)
                ;
        snprintf(detail, detail_size, "line cut off after %zu bytes",
                 p > buf ? (size_t)(p - buf) + 1 : len - 1);
        return p > buf ? (size_t)(p - buf) + 1 : len - 1;
}

static int cp_gen_feed_pick_kind(const cp_gen_source_t *src, cp_gen_rng_t *rng)
{
        unsigned total = 0, r;

        for (int k = 0; k < CP_GEN_BAD__COUNT; k++)
                total += src->src_bad_weight[k];
        r = cp_gen_rng_below(rng, total);
        for (int k = 0; k < CP_GEN_BAD__COUNT; k++) {
                if (r < src->src_bad_weight[k])
                        return k;
                r -= src->src_bad_weight[k];
        }
        return CP_GEN_BAD__COUNT - 1;
}

static int cp_gen_feed_pick_class(unsigned classes, cp_gen_rng_t *rng)
{
        int set[CP_GEN_MAXCLASS], n = 0;

        for (int c = 0; c < CP_GEN_MAXCLASS; c++)
                if ((classes >> c) & 1u)
                        set[n++] = c;
        return set[cp_gen_rng_below(rng, (uint32_t)n)];
}

/* Writes one bad row and records it in the truth. */
static void cp_gen_feed_bad(cp_gen_feed_t *fd)
{
        const cp_gen_source_t *src = fd->fd_src;
        cp_gen_plan_t *pl = fd->fd_plan;
        cp_gen_entry_t *en = &fd->fd_entry;
        cp_gen_subject_t *sj = &en->en_subj;
        int cat = src->src_cat, ncols = src->src_ncols, kind, cls;
        uint64_t g = pl->pl_n[cat] + pl->pl_phantom[cat]++;
        uint64_t line = cp_gen_feed_line(fd);
        char bad[24], detail[160] = "";
        cp_gen_rng_t rng;
        size_t len;

        cp_gen_rng_init(&rng, pl->pl_seed, CP_GEN_S_REJECT + (uint64_t)fd->fd_si, g);
        kind = cp_gen_feed_pick_kind(src, &rng);
        cls = cp_gen_feed_pick_class(src->src_bad_classes, &rng);
        cp_gen_entry_build(pl, cat, g, cls, en);
        switch (kind) {
        case CP_GEN_BAD_USCC_LENGTH:
        case CP_GEN_BAD_USCC_LETTER:
                if (sj->sj_kind != CP_GEN_SUBJ_ORG || sj->sj_flagged)
                        cp_gen_company(pl, src->src_group,
                                       cp_gen_rng_below(&rng, (uint32_t)pl->pl_companies), sj);
                cp_gen_feed_render(fd, en);
                if (kind == CP_GEN_BAD_USCC_LENGTH) {
                        cp_gen_uscc_bad_length(bad, sj->sj_uscc, cp_gen_rng_next(&rng));
                        snprintf(detail, sizeof(detail),
                                 "subject USCC has %zu characters", strlen(bad));
                } else {
                        char c = cp_gen_uscc_bad_letter(bad, sj->sj_uscc, cp_gen_rng_next(&rng));
                        snprintf(detail, sizeof(detail),
                                 "subject USCC contains the letter %c", c);
                }
                cp_gen_row_set(&fd->fd_row, fd->fd_col_uscc, bad);
                break;
        case CP_GEN_BAD_RIC_CHECK:
        case CP_GEN_BAD_RIC_DATE:
                cp_gen_person(pl, src->src_group,
                              cp_gen_rng_below(&rng, (uint32_t)pl->pl_persons),
                              CP_GEN_SUBJ_PERSON, sj);
                cp_gen_feed_render(fd, en);
                if (kind == CP_GEN_BAD_RIC_CHECK) {
                        cp_gen_ric_bad_check(bad, sj->sj_pid_full, cp_gen_rng_next(&rng));
                        snprintf(detail, sizeof(detail),
                                 "resident ID has a wrong check digit");
                } else {
                        const char *q = sj->sj_pid_full + 14;  /* positions 15-17 */
                        int seq = (q[0] - '0') * 100 + (q[1] - '0') * 10 + (q[2] - '0');
                        char region6[7];
                        memcpy(region6, sj->sj_pid_full, 6);
                        region6[6] = '\0';
                        snprintf(detail, sizeof(detail),
                                 "resident ID birth date does not exist (%s)",
                                 cp_gen_ric_bad_date(bad, region6, seq, cp_gen_rng_next(&rng)));
                }
                cp_gen_row_set(&fd->fd_row, fd->fd_col_pid, bad);
                break;
        case CP_GEN_BAD_NO_SUBJECT:
                cp_gen_feed_render(fd, en);
                /* Everything that could identify the party is gone. */
                for (int i = 0; i < src->src_ncols; i++)
                        if (i == fd->fd_col_name || i == fd->fd_col_uscc ||
                            i == fd->fd_col_pid || i == fd->fd_col_rep)
                                fd->fd_row.rw_val[i] = "";
                snprintf(detail, sizeof(detail), "no subject name and no identifier");
                break;
        case CP_GEN_BAD_NO_DOC_DATE:
                cp_gen_feed_render(fd, en);
                fd->fd_row.rw_val[fd->fd_col_doc] = "";
                fd->fd_row.rw_val[fd->fd_col_date] = "";
                snprintf(detail, sizeof(detail),
                         "penalty without document number and decision date");
                break;
        case CP_GEN_BAD_ENCODING:
                /* A byte no GB18030 sequence starts with, passed through
                 * unconverted by the writer (gen_out.h), inside the name. */
                cp_gen_feed_render(fd, en);
                cp_gen_row_start(&fd->fd_row);
                cp_gen_row_add(&fd->fd_row, sj->sj_name);
                cp_gen_row_add(&fd->fd_row, "\xff");
                cp_gen_row_add(&fd->fd_row, "有限公司");
                cp_gen_row_end(&fd->fd_row, fd->fd_col_name);
                snprintf(detail, sizeof(detail),
                         "byte 0xFF, invalid in %s, inside the subject name",
                         src->src_encoding ? src->src_encoding : "the encoding");
                break;
        case CP_GEN_BAD_MISSING_FIELD:
                cp_gen_feed_render(fd, en);
                ncols -= 1 + (int)cp_gen_rng_below(&rng, 3);
                snprintf(detail, sizeof(detail), "%d fields where the header has %d",
                         ncols, src->src_ncols);
                break;
        default:  /* CP_GEN_BAD_JSON: damaged after serialisation */
                cp_gen_feed_render(fd, en);
                if ((len = cp_gen_feed_json(fd))) {
                        len = cp_gen_feed_break_json(fd, len, &rng, detail, sizeof(detail));
                        fd->fd_json[len++] = '\n';
                        cp_gen_out_write(&fd->fd_out, fd->fd_json, len);
                }
                break;
        }
        if (kind != CP_GEN_BAD_JSON)
                cp_gen_feed_emit(fd, ncols);
        fd->fd_st->st_read++;
        fd->fd_st->st_rejects++;
        fd->fd_st->st_bad[kind]++;
        /* Identifiers: a bad identifier is present and invalid; a row
         * without a subject has none; a row without 文号 and date fails
         * after its (good) identifier was checked; rows that ingest
         * rejects (field count, JSON, encoding) never reach the check. */
        switch (kind) {
        case CP_GEN_BAD_USCC_LENGTH:
        case CP_GEN_BAD_USCC_LETTER:
        case CP_GEN_BAD_RIC_CHECK:
        case CP_GEN_BAD_RIC_DATE:
                fd->fd_st->st_id_present++;
                fd->fd_st->st_id_invalid++;
                break;
        case CP_GEN_BAD_NO_DOC_DATE:
                cp_gen_feed_count_id(fd, en, &fd->fd_view);
                break;
        default:
                break;
        }
        cp_gen_truth_reject(fd->fd_truth, src, line, cp_gen_bad_codes[kind], detail);
}

/* Writes the later withdrawn record of a waiting entry; one record. */
static void cp_gen_feed_later(cp_gen_feed_t *fd, cp_gen_later_t *lt)
{
        uint64_t line = cp_gen_feed_line(fd);

        cp_gen_entry_build(fd->fd_plan, fd->fd_src->src_cat, lt->lt_g, lt->lt_cls, &fd->fd_entry);
        cp_gen_feed_render_as(fd, &fd->fd_entry, &lt->lt_rng);
        cp_gen_feed_emit(fd, fd->fd_src->src_ncols);
        fd->fd_st->st_read++;
        fd->fd_st->st_later++;
        cp_gen_feed_count_id(fd, &fd->fd_entry, &fd->fd_view);
        if (lt->lt_fate == CP_GEN_LATER_REMOVAL)
                cp_gen_truth_later(fd->fd_truth, fd->fd_src, line, lt->lt_first_line,
                                   fd->fd_view.vw_status);
}

/* One more entry was written: writes the later records now due (all of
 * them when flush), in the order their entries were written. */
static void cp_gen_feed_later_tick(cp_gen_feed_t *fd, bool flush)
{
        int kept = 0;

        for (int i = 0; i < fd->fd_nlater; i++) {
                cp_gen_later_t *lt = &fd->fd_later[i];

                if (flush || --lt->lt_left == 0)
                        cp_gen_feed_later(fd, lt);
                else
                        fd->fd_later[kept++] = *lt;
        }
        fd->fd_nlater = kept;
}

int cp_gen_feed_write(cp_gen_plan_t *pl, int si, const char *dir,
                      cp_gen_truth_t *tr, char *errstr, size_t errstr_size)
{
        const cp_gen_source_t *src = &cp_gen_sources[si];
        cp_gen_feed_t *fd = calloc(1, sizeof(*fd));
        uint64_t n = pl->pl_n[src->src_cat];
        char *path = NULL;
        int rc = 0;

        if (!fd || asprintf(&path, "%s/feeds/%s", dir, src->src_file) < 0) {
                free(fd);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        fd->fd_plan = pl;
        fd->fd_src = src;
        fd->fd_si = si;
        fd->fd_truth = tr;
        fd->fd_st = &tr->tr_src[si];
        fd->fd_col_name = cp_gen_source_col(src, "subject_name");
        fd->fd_col_uscc = cp_gen_source_col(src, "subject_uscc");
        fd->fd_col_pid = cp_gen_source_col(src, "subject_person_id");
        fd->fd_col_rep = cp_gen_source_col(src, "legal_rep");
        fd->fd_col_doc = cp_gen_source_col(src, "document_number");
        fd->fd_col_date = cp_gen_source_col(src, "decision_date");
        if (src->src_format == CP_GEN_XLSX ?
            cp_gen_xlsx_open(&fd->fd_xlsx, path, src->src_ncols) :
            cp_gen_out_open(&fd->fd_out, path)) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                free(path);
                free(fd);
                return -1;
        }
        if (src->src_format == CP_GEN_CSV && src->src_encoding) {
                /* The BOM of GB18030 (U+FEFF encoded), then converted text. */
                if (!strcmp(src->src_encoding, "GB18030"))
                        cp_gen_out_write_raw(&fd->fd_out, "\x84\x31\x95\x33", 4);
                if (cp_gen_out_set_encoding(&fd->fd_out, src->src_encoding)) {
                        snprintf(errstr, errstr_size, "%s: iconv to %s: %s", path,
                                 src->src_encoding, strerror(errno));
                        cp_gen_out_close(&fd->fd_out);
                        free(path);
                        free(fd);
                        return -1;
                }
        }
        if (src->src_format != CP_GEN_JSONL) {
                const char *names[CP_GEN_MAXCOLS];
                for (int i = 0; i < src->src_ncols; i++)
                        names[i] = src->src_cols[i].col_name;
                if (src->src_format == CP_GEN_CSV) {
                        cp_gen_csv_write(&fd->fd_out, names, src->src_ncols, src->src_eol);
                } else {
                        cp_gen_xlsx_title(&fd->fd_xlsx, src->src_encoding ?
                                          src->src_encoding : src->src_id);
                        cp_gen_xlsx_row(&fd->fd_xlsx, names, src->src_ncols, NULL);
                }
        }

        for (uint64_t g = 0; g < n; g++) {
                int cls = cp_gen_class_of(pl, src->src_cat, g), cls2;
                cp_gen_later_t lt;
                bool later;
                cp_gen_rng_t ev;
                uint64_t g2;

                if (!cp_gen_source_holds(pl, src, g, cls))
                        continue;
                lt.lt_first_line = cp_gen_feed_line(fd);
                cp_gen_feed_entry(fd, g, cls);
                if ((later = cp_gen_view_writes_later(pl, si, &fd->fd_entry))) {
                        lt.lt_g = g;
                        lt.lt_cls = cls;
                        lt.lt_fate = cp_gen_view_later_fate(pl, si, &fd->fd_entry, &fd->fd_view);
                        cp_gen_rng_init(&lt.lt_rng, pl->pl_seed, CP_GEN_S_LATER_ROW + (uint64_t)si, g);
                        lt.lt_left = 1 + cp_gen_rng_below(&lt.lt_rng, CP_GEN_LATER_SPAN);
                }

                cp_gen_rng_init(&ev, pl->pl_seed, CP_GEN_S_EVENTS + (uint64_t)si, g);
                if (cp_gen_rng_chance(&ev, src->src_dup_per10k) &&
                    cp_gen_feed_earlier(fd, g, &ev, &g2, &cls2)) {
                        cp_gen_feed_entry(fd, g2, cls2);
                        fd->fd_st->st_dups++;
                }
                if (cp_gen_rng_chance(&ev, src->src_bad_per10k))
                        cp_gen_feed_bad(fd);
                if (cp_gen_rng_chance(&ev, CP_GEN_BLANK_PER10K)) {
                        if (src->src_format == CP_GEN_XLSX)
                                cp_gen_xlsx_skip(&fd->fd_xlsx);
                        else
                                cp_gen_out_write(&fd->fd_out, src->src_eol,
                                                 strlen(src->src_eol));
                        fd->fd_st->st_blank++;
                }
                cp_gen_feed_later_tick(fd, false);
                /* Never full (an entry waits at most CP_GEN_LATER_SPAN
                 * ticks); if it were, writing it now is as good. */
                if (later && fd->fd_nlater < CP_GEN_LATER_SPAN)
                        fd->fd_later[fd->fd_nlater++] = lt;
                else if (later)
                        cp_gen_feed_later(fd, &lt);
        }
        cp_gen_feed_later_tick(fd, true);

        if (src->src_format == CP_GEN_XLSX) {
                rc = cp_gen_xlsx_close(&fd->fd_xlsx, errstr, errstr_size);
        } else if (cp_gen_out_close(&fd->fd_out)) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                rc = -1;
        }
        if (!rc && fd->fd_overflow) {
                snprintf(errstr, errstr_size, "%s: a record did not fit the row buffer", path);
                rc = -1;
        }
        free(path);
        free(fd);
        return rc;
}
