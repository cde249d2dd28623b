/*
 * The expected result of the generated feeds (see gen_truth.h).
 *
 * DESIGN: per key, the rules of docs/metrics.md applied to views
 * (gen_view.h), entry by entry:
 *   - keys: an entry is one key per distinct view variant among its
 *     holders (one, unless a feed left out the 文号/案号 or the authority's
 *     code that central has); overlap[i][j] counts entries both hold under
 *     the same variant; central_unreported those central holds under a
 *     variant no non-central holder has;
 *   - produced: each key once, by its first reader: the central sources
 *     (read completely first, run_ingest.c), then the others in table order.
 *     The run reads non-central sources concurrently, so per-source
 *     produced and duplicates are only checked through their sum; but the
 *     only keys two non-central sources hold are recent penalties never
 *     withdrawn at their first view (gen_model.c), and withdrawn later only
 *     when central produced them, so `removals` does not depend on the
 *     order;
 *   - entries withdrawn by a later record (CP_GEN_EN_WITHDRAWN_LATER): the
 *     fate cp_gen_view_later_fate gives moves the key from active and its
 *     share to withdrawn, and the later record counts as produced (and a
 *     removal) when the source produced the key; gen_feed.c lists those
 *     records' positions;
 *   - classes, sharing, discrepancies, lags and completeness from the
 *     source's view and, for shared keys, the central view; central
 *     sources have no classes (every figure over active keys is 0) and
 *     their completeness is over all their keys;
 *   - subjects: one bit per subject key per source (sj_slot).
 */
#include "gen_truth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen_out.h"

int cp_gen_truth_open(cp_gen_truth_t *tr, const char *dir, char *errstr,
                      size_t errstr_size)
{
        memset(tr, 0, sizeof(*tr));
        tr->tr_src = calloc((size_t)cp_gen_nsources, sizeof(*tr->tr_src));
        if (!tr->tr_src || asprintf(&tr->tr_rejects_path, "%s/.truth-rejects.tmp", dir) < 0) {
                tr->tr_rejects_path = NULL;
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (!(tr->tr_rejects = fopen(tr->tr_rejects_path, "w+"))) {
                snprintf(errstr, errstr_size, "%s: %s", tr->tr_rejects_path, strerror(errno));
                return -1;
        }
        if (asprintf(&tr->tr_later_path, "%s/.truth-later.tmp", dir) < 0) {
                tr->tr_later_path = NULL;
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (!(tr->tr_later = fopen(tr->tr_later_path, "w+"))) {
                snprintf(errstr, errstr_size, "%s: %s", tr->tr_later_path, strerror(errno));
                return -1;
        }
        return 0;
}

void cp_gen_truth_reject(cp_gen_truth_t *tr, const cp_gen_source_t *src,
                         uint64_t line, const char *reason, const char *detail)
{
        fputs(tr->tr_nrejects++ ? ",\n  {\"source\": " : "  {\"source\": ",
              tr->tr_rejects);
        cp_gen_json_fputs(tr->tr_rejects, src->src_id);
        fputs(", \"file\": ", tr->tr_rejects);
        cp_gen_json_fputs(tr->tr_rejects, src->src_file);
        fprintf(tr->tr_rejects, ", \"line\": %llu, \"reason\": ", (unsigned long long)line);
        cp_gen_json_fputs(tr->tr_rejects, reason);
        fputs(", \"detail\": ", tr->tr_rejects);
        cp_gen_json_fputs(tr->tr_rejects, detail);
        fputs("}", tr->tr_rejects);
}

void cp_gen_truth_later(cp_gen_truth_t *tr, const cp_gen_source_t *src, uint64_t line,
                        uint64_t first_line, const char *status)
{
        fputs(tr->tr_nlater++ ? ",\n  {\"source\": " : "  {\"source\": ", tr->tr_later);
        cp_gen_json_fputs(tr->tr_later, src->src_id);
        fputs(", \"file\": ", tr->tr_later);
        cp_gen_json_fputs(tr->tr_later, src->src_file);
        fprintf(tr->tr_later, ", \"line\": %llu, \"first_line\": %llu, \"event\": \"REMOVAL\", "
                "\"status\": ", (unsigned long long)line, (unsigned long long)first_line);
        cp_gen_json_fputs(tr->tr_later, status);
        fputs("}", tr->tr_later);
}

static void cp_gen_bit_set(uint64_t *bits, uint64_t i)
{
        bits[i / 64] |= UINT64_C(1) << (i % 64);
}

/* Figures of an active key of a non-central source (docs/metrics.md
 * "Sharing", "Discrepancies", "Time to central", "Field completeness").
 * Returns the share it was counted in (shared, fuzzy or unmatched[reason]),
 * which a later withdrawn record takes it out of. */
static uint64_t *cp_gen_count_active(cp_gen_stats_t *st, const cp_gen_entry_t *en,
                                const cp_gen_view_t *vs, const cp_gen_view_t *vc)
{
        int cat = en->en_cat;
        uint64_t *share;

        st->st_cmpl_keys++;
        for (int i = 0; cp_gen_required[cat][i] >= 0; i++)
                st->st_present[cp_gen_required[cat][i]] += cp_gen_on(vs, cp_gen_required[cat][i]);
        if (vc && vc->vw_variant == vs->vw_variant) {
                bool differs = false;

                st->st_shared++;
                /* compared: present in both views; differs: central wrote
                 * it differently (the feeds never disagree otherwise) */
                for (int k = 0; k < CP_GEN_CMP__COUNT; k++) {
                        int f = cp_gen_cmp_field[k];

                        if (!cp_gen_on(vs, f) || !cp_gen_on(vc, f))
                                continue;
                        st->st_compared[k]++;
                        if ((vc->vw_diff >> f) & 1u) {
                                st->st_differs[k]++;
                                differs = true;
                        }
                }
                st->st_discrepant += differs;
                /* lag: central publish date - the source's decision date,
                 * else its listing date */
                if ((vs->vw_decision || vs->vw_list) && vc->vw_publish) {
                        int32_t lag = vc->vw_publish -
                                      (vs->vw_decision ? vs->vw_decision : vs->vw_list);

                        st->st_lag_bucket[cp_gen_lag_bucket(lag)]++;
                        st->st_lag_count++;
                        st->st_lag_sum += lag;
                } else {
                        st->st_lag_unknown++;
                }
                return &st->st_shared;
        }
        if (vc && cp_gen_view_fuzzy(vs, vc, cat)) {
                st->st_fuzzy++;
                return &st->st_fuzzy;
        }
        share = &st->st_unmatched[cp_gen_view_reason(vs, en)];
        (*share)++;
        return share;
}

int cp_gen_truth_count(cp_gen_truth_t *tr, const cp_gen_plan_t *pl, char *errstr,
                       size_t errstr_size)
{
        int n = cp_gen_nsources, order[CP_GEN_MAXSRC], norder = 0;
        uint64_t nslots = cp_gen_subject_slots(pl), words = (nslots + 63) / 64;
        cp_gen_view_t *views = calloc((size_t)n, sizeof(*views));
        int *cls_of = calloc((size_t)n, sizeof(*cls_of));
        cp_gen_entry_t en;

        tr->tr_overlap = calloc((size_t)(n * n), sizeof(uint64_t));
        tr->tr_missing = calloc((size_t)(n * n), sizeof(uint64_t));
        if (!views || !cls_of || !tr->tr_overlap || !tr->tr_missing)
                goto nomem;
        for (int s = 0; s < n; s++)
                if (!(tr->tr_src[s].st_subject_bits = calloc(words, sizeof(uint64_t))))
                        goto nomem;
        tr->tr_as_of = pl->pl_as_of;
        tr->tr_produced = tr->tr_central_keys = 0;
        /* The read order the run follows: central sources first. */
        for (int pass = 0; pass < 2; pass++)
                for (int s = 0; s < n; s++)
                        if (cp_gen_sources[s].src_central == (pass == 0))
                                order[norder++] = s;

        for (int cat = 0; cat < CP_GEN_CAT__COUNT; cat++) {
                int csi = cp_gen_central_source(cat);

                for (uint64_t g = 0; g < pl->pl_n[cat]; g++) {
                        int cls = cp_gen_class_of(pl, cat, g);
                        unsigned seen[CP_GEN_MAXSRC];
                        int nseen = 0;
                        uint64_t held = 0;
                        const cp_gen_view_t *vc;

                        for (int s = 0; s < n; s++)
                                if (cp_gen_sources[s].src_cat == cat &&
                                    cp_gen_source_holds(pl, &cp_gen_sources[s], g, cls))
                                        held |= UINT64_C(1) << s;
                        if (!held)
                                continue;
                        cp_gen_entry_build(pl, cat, g, cls, &en);
                        for (int s = 0; s < n; s++) {
                                if (!((held >> s) & 1u))
                                        continue;
                                cp_gen_view_make(pl, s, &en, &views[s]);
                                cls_of[s] = cp_gen_sources[s].src_central ? CP_GEN_KC_ACTIVE :
                                            cp_gen_view_class(pl, &views[s], &en);
                                if (en.en_subj.sj_slot >= nslots) {
                                        snprintf(errstr, errstr_size, "subject slot %llu out of "
                                                 "range (a generator bug)",
                                                 (unsigned long long)en.en_subj.sj_slot);
                                        free(views);
                                        free(cls_of);
                                        return -1;
                                }
                                tr->tr_src[s].st_unique++;
                                cp_gen_bit_set(tr->tr_src[s].st_subject_bits, en.en_subj.sj_slot);
                                for (int t = 0; t < s; t++)
                                        if (((held >> t) & 1u) &&
                                            views[t].vw_variant == views[s].vw_variant) {
                                                tr->tr_overlap[s * n + t]++;
                                                tr->tr_overlap[t * n + s]++;
                                        }
                        }
                        /* Each distinct variant is one key, produced by its
                         * first reader; a removal when that reader's class
                         * says the entry left publication. */
                        for (int k = 0; k < norder; k++) {
                                int s = order[k], i;

                                if (!((held >> s) & 1u))
                                        continue;
                                for (i = 0; i < nseen && seen[i] != views[s].vw_variant; i++)
                                        ;
                                if (i < nseen)
                                        continue;
                                seen[nseen++] = views[s].vw_variant;
                                tr->tr_produced++;
                                tr->tr_src[s].st_produced++;
                                if (cls_of[s] == CP_GEN_KC_WITHDRAWN || cls_of[s] == CP_GEN_KC_EXPIRED)
                                        tr->tr_src[s].st_removals++;
                        }
                        vc = csi >= 0 && ((held >> csi) & 1u) ? &views[csi] : NULL;
                        if (vc) {
                                bool reported = false;
                                cp_gen_stats_t *cst = &tr->tr_src[csi];

                                tr->tr_central_keys++;
                                for (int s = 0; s < n; s++)
                                        if (((held >> s) & 1u) && !cp_gen_sources[s].src_central &&
                                            views[s].vw_variant == vc->vw_variant)
                                                reported = true;
                                cst->st_central_unreported += !reported;
                                /* central completeness: over all its keys */
                                cst->st_cmpl_keys++;
                                for (int i = 0; cp_gen_required[cat][i] >= 0; i++)
                                        cst->st_present[cp_gen_required[cat][i]] +=
                                                cp_gen_on(vc, cp_gen_required[cat][i]);
                        }
                        for (int s = 0; s < n; s++) {
                                cp_gen_stats_t *st = &tr->tr_src[s];
                                uint64_t *share = NULL;
                                int fate;

                                if (!((held >> s) & 1u) || cp_gen_sources[s].src_central)
                                        continue;
                                st->st_class[cls_of[s]]++;
                                if (cls_of[s] == CP_GEN_KC_ACTIVE)
                                        share = cp_gen_count_active(st, &en, &views[s], vc);
                                if (!cp_gen_view_writes_later(pl, s, &en))
                                        continue;
                                /* the figures of its first view stay; it
                                 * leaves the active set and its share */
                                fate = cp_gen_view_later_fate(pl, s, &en, &views[s]);
                                if (fate == CP_GEN_LATER_DUP || !share)
                                        continue;
                                st->st_class[CP_GEN_KC_ACTIVE]--;
                                st->st_class[CP_GEN_KC_WITHDRAWN]++;
                                (*share)--;
                                st->st_later_keys++;
                                if (fate == CP_GEN_LATER_REMOVAL) {
                                        st->st_produced++;
                                        st->st_removals++;
                                        st->st_later_removals++;
                                        tr->tr_produced++;
                                }
                        }
                }
        }

        for (int i = 0; i < n; i++) {
                const uint64_t *bi = tr->tr_src[i].st_subject_bits;

                for (uint64_t w = 0; w < words; w++)
                        tr->tr_src[i].st_subjects += (uint64_t)__builtin_popcountll(bi[w]);
                for (int j = 0; j < n; j++) {
                        const uint64_t *bj = tr->tr_src[j].st_subject_bits;

                        if (i == j || cp_gen_sources[i].src_cat != cp_gen_sources[j].src_cat)
                                continue;
                        for (uint64_t w = 0; w < words; w++)
                                tr->tr_missing[i * n + j] +=
                                        (uint64_t)__builtin_popcountll(bi[w] & ~bj[w]);
                }
        }
        free(views);
        free(cls_of);
        return 0;
nomem:
        free(views);
        free(cls_of);
        snprintf(errstr, errstr_size, "out of memory for the truth (%llu subject slots)",
                 (unsigned long long)nslots);
        return -1;
}

/* {"name": n, ...}: every count, zeros included. */
static void cp_gen_json_counts(FILE *fp, const char *const *names, const uint64_t *v, int n)
{
        fputc('{', fp);
        for (int i = 0; i < n; i++)
                fprintf(fp, "%s\"%s\": %llu", i ? ", " : "", names[i], (unsigned long long)v[i]);
        fputc('}', fp);
}

static double cp_gen_ratio(uint64_t num, uint64_t den)
{
        return den ? (double)num / (double)den : 0.0;
}

static void cp_gen_truth_source(FILE *fp, const cp_gen_truth_t *tr, int s)
{
        const cp_gen_source_t *src = &cp_gen_sources[s];
        const cp_gen_stats_t *st = &tr->tr_src[s];
        uint64_t active = st->st_class[CP_GEN_KC_ACTIVE];
        bool first = true;
        int cat = src->src_cat;

        fprintf(fp, "  {\"source\": \"%s\", \"role\": \"%s\", \"category\": \"%s\",\n"
                "   \"read\": %llu, \"rejects\": %llu, \"duplicates\": %llu, \"produced\": %llu, "
                "\"removals\": %llu,\n   \"rejects_by_reason\": {",
                src->src_id, src->src_role, src->src_category,
                (unsigned long long)st->st_read, (unsigned long long)st->st_rejects,
                (unsigned long long)(st->st_read - st->st_rejects - st->st_produced),
                (unsigned long long)st->st_produced, (unsigned long long)st->st_removals);
        for (int k = 0; k < CP_GEN_BAD__COUNT; k++) {
                if (!st->st_bad[k])
                        continue;
                fprintf(fp, "%s\"%s\": %llu", first ? "" : ", ", cp_gen_bad_codes[k],
                        (unsigned long long)st->st_bad[k]);
                first = false;
        }
        fprintf(fp, "},\n   \"unique_keys\": %llu, \"key_classes\": ",
                (unsigned long long)st->st_unique);
        cp_gen_json_counts(fp, cp_gen_class_names, st->st_class, CP_GEN_KC__COUNT);
        fprintf(fp, ",\n   \"shared_with_central\": %llu, \"shared_fuzzy\": %llu, \"unmatched\": ",
                (unsigned long long)st->st_shared, (unsigned long long)st->st_fuzzy);
        cp_gen_json_counts(fp, cp_gen_reason_names, st->st_unmatched, CP_GEN_NM__COUNT);
        fprintf(fp, ",\n   \"sharing_rate\": %.17g, \"sharing_rate_with_fuzzy\": %.17g, "
                "\"central_unreported\": %llu,\n   \"discrepant\": %llu, \"fields_compared\": ",
                cp_gen_ratio(st->st_shared, active),
                cp_gen_ratio(st->st_shared + st->st_fuzzy, active),
                (unsigned long long)st->st_central_unreported,
                (unsigned long long)st->st_discrepant);
        cp_gen_json_counts(fp, cp_gen_cmp_names, st->st_compared, CP_GEN_CMP__COUNT);
        fputs(",\n   \"fields_differing\": ", fp);
        cp_gen_json_counts(fp, cp_gen_cmp_names, st->st_differs, CP_GEN_CMP__COUNT);
        fputs(",\n   \"time_to_central\": {\"bounds_days\": [", fp);
        for (int b = 0; b < CP_GEN_LAG_BUCKETS - 1; b++)
                fprintf(fp, "%s%d", b ? ", " : "", cp_gen_lag_bounds[b]);
        fputs("], \"buckets\": [", fp);
        for (int b = 0; b < CP_GEN_LAG_BUCKETS; b++)
                fprintf(fp, "%s%llu", b ? ", " : "", (unsigned long long)st->st_lag_bucket[b]);
        fprintf(fp, "], \"count\": %llu, \"sum_days\": %lld, \"unknown\": %llu},\n"
                "   \"completeness\": {\"keys\": %llu, \"present\": {",
                (unsigned long long)st->st_lag_count, (long long)st->st_lag_sum,
                (unsigned long long)st->st_lag_unknown, (unsigned long long)st->st_cmpl_keys);
        for (int i = 0; cp_gen_required[cat][i] >= 0; i++)
                fprintf(fp, "%s\"%s\": %llu", i ? ", " : "",
                        cp_gen_field_names[cp_gen_required[cat][i]],
                        (unsigned long long)st->st_present[cp_gen_required[cat][i]]);
        fprintf(fp, "}},\n   \"ids\": {\"present\": %llu, \"valid\": %llu, \"flagged\": %llu, "
                "\"invalid\": %llu}, \"subjects\": %llu,\n"
                "   \"withdrawn_later\": {\"keys\": %llu, \"removals\": %llu}}",
                (unsigned long long)st->st_id_present, (unsigned long long)st->st_id_valid,
                (unsigned long long)st->st_id_flagged, (unsigned long long)st->st_id_invalid,
                (unsigned long long)st->st_subjects, (unsigned long long)st->st_later_keys,
                (unsigned long long)st->st_later_removals);
}

/* Copies a temporary list (rejects, later removals) into truth.json;
 * returns 0 or an errno. */
static int cp_gen_truth_copy_list(FILE *fp, FILE *list, uint64_t n)
{
        char buf[65536];
        size_t len;

        if (n)
                fputs("\n", fp);
        if (fflush(list) || fseek(list, 0, SEEK_SET))
                return errno;
        while ((len = fread(buf, 1, sizeof(buf), list)) > 0)
                if (fwrite(buf, 1, len, fp) != len)
                        return errno;
        return ferror(list) ? EIO : 0;
}

int cp_gen_truth_write(cp_gen_truth_t *tr, const char *dir, char *errstr,
                       size_t errstr_size)
{
        uint64_t read = 0, rejects = 0;
        char *path = NULL;
        int n = cp_gen_nsources, y, m, d;
        FILE *fp;
        int err = 0;
        bool first = true;

        for (int s = 0; s < n; s++) {
                read += tr->tr_src[s].st_read;
                rejects += tr->tr_src[s].st_rejects;
        }
        if (asprintf(&path, "%s/truth.json", dir) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (!(fp = fopen(path, "wb"))) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                free(path);
                return -1;
        }
        /* generated_at_ms is 0: the output depends on (seed, rows) only. */
        cp_gen_civil(tr->tr_as_of, &y, &m, &d);
        fprintf(fp, "{\"schema_version\": 2, \"generated_at_ms\": 0, "
                "\"as_of\": \"%04d-%02d-%02d\",\n"
                " \"totals\": {\"read\": %llu, \"produced\": %llu, \"duplicates\": %llu, "
                "\"rejects\": %llu, \"central_keys\": %llu},\n \"sources\": [\n",
                y, m, d, (unsigned long long)read, (unsigned long long)tr->tr_produced,
                (unsigned long long)(read - rejects - tr->tr_produced),
                (unsigned long long)rejects, (unsigned long long)tr->tr_central_keys);
        for (int s = 0; s < n; s++) {
                cp_gen_truth_source(fp, tr, s);
                fputs(s + 1 < n ? ",\n" : "\n", fp);
        }
        fputs(" ],\n \"pairs\": [", fp);
        for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                        if (i == j)
                                continue;
                        fprintf(fp, "%s\n  {\"source\": \"%s\", \"other\": \"%s\", "
                                "\"overlap_keys\": %llu", first ? "" : ",",
                                cp_gen_sources[i].src_id, cp_gen_sources[j].src_id,
                                (unsigned long long)tr->tr_overlap[i * n + j]);
                        if (cp_gen_sources[i].src_cat == cp_gen_sources[j].src_cat)
                                fprintf(fp, ", \"subjects_missing\": %llu",
                                        (unsigned long long)tr->tr_missing[i * n + j]);
                        fputc('}', fp);
                        first = false;
                }
        fputs("],\n \"withdrawn_later_removals\": [", fp);
        err = cp_gen_truth_copy_list(fp, tr->tr_later, tr->tr_nlater);
        fputs("],\n \"rejects\": [", fp);
        if (!err)
                err = cp_gen_truth_copy_list(fp, tr->tr_rejects, tr->tr_nrejects);
        fputs("]}\n", fp);
        if (fclose(fp) && !err)
                err = errno;
        if (err)
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(err));
        free(path);
        return err ? -1 : 0;
}

void cp_gen_truth_close(cp_gen_truth_t *tr)
{
        if (tr->tr_rejects)
                fclose(tr->tr_rejects);
        if (tr->tr_rejects_path)
                unlink(tr->tr_rejects_path);
        free(tr->tr_rejects_path);
        if (tr->tr_later)
                fclose(tr->tr_later);
        if (tr->tr_later_path)
                unlink(tr->tr_later_path);
        free(tr->tr_later_path);
        for (int s = 0; tr->tr_src && s < cp_gen_nsources; s++)
                free(tr->tr_src[s].st_subject_bits);
        free(tr->tr_src);
        free(tr->tr_overlap);
        free(tr->tr_missing);
        memset(tr, 0, sizeof(*tr));
}
