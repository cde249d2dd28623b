/* Transform state snapshots: a saved state loads back to the same report
 * and the same dedupe decisions; a damaged, truncated or foreign file is
 * refused and leaves the state as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <xxhash.h>

#include "core/config.h"
#include "core/err.h"
#include "support/testutil.h"
#include "transform/central.h"
#include "transform/dedupe.h"
#include "transform/orgmap.h"
#include "transform/transform.h"

enum { SRC_A, SRC_CENTRAL, NSRC };

static cp_source_conf_t sources[NSRC] = {
        [SRC_A] = {.src_id = "a", .src_role = CP_ROLE_SECTORAL, .src_category = 3},
        [SRC_CENTRAL] = {.src_id = "c", .src_role = CP_ROLE_CENTRAL, .src_category = 3},
};
static cp_conf_t conf = {.conf_sources = sources, .conf_nsources = NSRC,
                         .conf_as_of = "2021-06-01"};

/* n penalties of distinct parties; every third also a bad row. */
static cp_batch_t *penalties(uint32_t source, int from, int n)
{
        cp_batch_t *bat = cp_batch_new(source, (size_t)n);

        for (int i = from; i < from + n; i++) {
                cp_record_t *r = t_penalty(bat, i, i % 3 ? "2021-03-05" : "2021-02-30");

                r->rec_field[CP_F_SUBJECT_USCC] = i % 7 ? NULL : "9144030019220382";
        }
        return bat;
}

static void run(cp_transform_t *tf, cp_batch_t *bat)
{
        assert_int_equal(cp_transform_batch(tf, bat), CP_OK);
        cp_batch_destroy(bat);
}

static void report(cp_transform_t *tf, cp_report_t *rep)
{
        assert_int_equal(cp_report_alloc(rep, NSRC), 0);
        cp_transform_report(tf, rep);
}

/* Counts are equal when every count is: reject codes compared as text. */
static void assert_stats_equal(cp_source_stats_t a, cp_source_stats_t b)
{
        assert_int_equal(a.st_nreject_reasons, b.st_nreject_reasons);
        for (unsigned r = 0; r < a.st_nreject_reasons; r++) {
                assert_string_equal(a.st_reject_reasons[r].rc_code,
                                    b.st_reject_reasons[r].rc_code);
                a.st_reject_reasons[r].rc_code = b.st_reject_reasons[r].rc_code = NULL;
        }
        assert_memory_equal(&a, &b, sizeof(a));
}

static void assert_reports_equal(const cp_report_t *x, const cp_report_t *y)
{
        for (size_t i = 0; i < NSRC; i++)
                assert_stats_equal(x->rep_src[i], y->rep_src[i]);
        assert_memory_equal(x->rep_overlap, y->rep_overlap, NSRC * NSRC * sizeof(uint64_t));
        assert_memory_equal(x->rep_subjects_missing, y->rep_subjects_missing,
                            NSRC * NSRC * sizeof(uint64_t));
        assert_int_equal(x->rep_central_keys, y->rep_central_keys);
}

/* The same new records get the same fate from both states. */
static void assert_same_decisions(cp_transform_t *one, cp_transform_t *two)
{
        cp_batch_t *b1 = penalties(SRC_A, 4000, 1000), *b2 = penalties(SRC_A, 4000, 1000);

        assert_int_equal(cp_transform_batch(one, b1), CP_OK);
        assert_int_equal(cp_transform_batch(two, b2), CP_OK);
        for (size_t i = 0; i < b1->bat_n; i++)
                assert_int_equal(b1->bat_rec[i].rec_status, b2->bat_rec[i].rec_status);
        cp_batch_destroy(b1);
        cp_batch_destroy(b2);
}

static void test_round_trip(void **state)
{
        char err[512];
        cp_transform_t *one = cp_transform_new(&conf, err, sizeof(err));
        cp_transform_t *two = cp_transform_new(&conf, err, sizeof(err));
        cp_report_t r1, r2;
        const char *path = t_path("state.snap");
        uint64_t epoch = 0;

        (void)state;
        run(one, penalties(SRC_CENTRAL, 0, 3000));
        run(one, penalties(SRC_A, 1500, 3000));
        assert_int_equal(cp_transform_save(one, path, 42, "pos", 3, err, sizeof(err)), CP_OK);
        assert_int_equal(access(t_path("state.snap.tmp"), F_OK), -1);
        if (cp_transform_load(two, path, &epoch, NULL, NULL, err, sizeof(err)) != CP_OK)
                fail_msg("%s", err);
        assert_int_equal(epoch, 42);
        report(one, &r1);
        report(two, &r2);
        assert_reports_equal(&r1, &r2);
        /* The same decisions afterwards: duplicates stay duplicates. */
        assert_same_decisions(one, two);
        cp_report_free(&r1);
        cp_report_free(&r2);
        cp_transform_destroy(one);
        cp_transform_destroy(two);
}

/* Reads a whole file. */
static unsigned char *t_slurp(const char *path, size_t *n)
{
        FILE *f = fopen(path, "rb");
        unsigned char *b;
        long len;

        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        b = malloc((size_t)len);
        assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
        fclose(f);
        *n = (size_t)len;
        return b;
}

/* Copies one table (u64 capacity, u64 count, slots) from in at *i to out
 * at *o; @returns a pointer to its slots in in. */
static const unsigned char *t_table(const unsigned char *in, size_t *i, unsigned char *out,
                                    size_t *o, size_t entry, uint64_t *cap, uint64_t *count)
{
        const unsigned char *slots;

        memcpy(cap, in + *i, 8);
        memcpy(count, in + *i + 8, 8);
        slots = in + *i + 16;
        *i += 16 + *cap * entry;
        if (out) {
                memcpy(out + *o, in + *i - (16 + *cap * entry), 16 + *cap * entry);
                *o += 16 + *cap * entry;
        }
        return slots;
}

/* Rewrites a segmented dedupe table as version 1 wrote it: one table. */
static void t_flatten(const unsigned char *in, size_t *i, unsigned char *out, size_t *o)
{
        cp_dedupe_entry_t *flat;
        uint64_t total = 0, cap = 1024, c, n;
        size_t at = *i;

        for (unsigned g = 0; g < CP_DEDUPE_SEGS; g++) {
                t_table(in, i, NULL, NULL, sizeof(cp_dedupe_entry_t), &c, &n);
                total += n;
        }
        while (cap * 7 / 10 < total)
                cap *= 2;
        flat = calloc(cap, sizeof(*flat));
        *i = at;
        for (unsigned g = 0; g < CP_DEDUPE_SEGS; g++) {
                /* The file's bytes need not be aligned: entries are copied out. */
                const unsigned char *e = t_table(in, i, NULL, NULL,
                                                 sizeof(cp_dedupe_entry_t), &c, &n);

                for (uint64_t k = 0; k < c; k++) {
                        cp_dedupe_entry_t ent;
                        size_t s;

                        memcpy(&ent, e + k * sizeof(ent), sizeof(ent));
                        if (!ent.de_sources)
                                continue;
                        for (s = ent.de_hash[0] & (cap - 1); flat[s].de_sources;
                             s = (s + 1) & (cap - 1))
                                ;
                        flat[s] = ent;
                }
        }
        memcpy(out + *o, &cap, 8);
        memcpy(out + *o + 8, &total, 8);
        memcpy(out + *o + 16, flat, cap * sizeof(*flat));
        *o += 16 + cap * sizeof(*flat);
        free(flat);
}

/* Copies the stats as versions 1 and 2 held them: the code list, then
 * each source's cp_source_stats_t up to st_seen_bucket. */
static void t_stats_v2(const unsigned char *in, size_t *i, unsigned char *out, size_t *o)
{
        uint32_t ncodes, nsrc;
        size_t at = *i, prefix = offsetof(cp_source_stats_t, st_seen_bucket);

        memcpy(&nsrc, in + 12, 4);
        memcpy(&ncodes, in + at, 4);
        at += 4;
        for (uint32_t c = 0; c < ncodes; c++)
                at += strlen((const char *)in + at) + 1;
        memcpy(out + *o, in + *i, at - *i);
        *o += at - *i;
        for (uint32_t k = 0; k < nsrc; k++) {
                memcpy(out + *o, in + at, prefix);
                *o += prefix;
                at += sizeof(cp_source_stats_t);
        }
        *i = at;
}

/* A snapshot of format version 1 (one table per dedupe table) still
 * loads, to the same state: an upgrade keeps its state. */
static void test_version1_is_read(void **state)
{
        char err[512];
        cp_transform_t *one = cp_transform_new(&conf, err, sizeof(err));
        cp_transform_t *two = cp_transform_new(&conf, err, sizeof(err));
        const char *path = t_path("v2.snap");
        unsigned char *in, *out;
        size_t n, i, o, blen, list = 0;
        uint32_t v1 = 1;
        uint64_t epoch = 0, cap, count, sum;
        cp_report_t r1, r2;
        FILE *f;

        (void)state;
        run(one, penalties(SRC_CENTRAL, 0, 3000));
        run(one, penalties(SRC_A, 1500, 3000));
        assert_int_equal(cp_transform_save(one, path, 7, "pos", 3, err, sizeof(err)), CP_OK);
        in = t_slurp(path, &n);
        out = malloc(n * 4 + 65536);
        /* Header (magic, version, sources, epoch, fingerprint), without
         * the source list of version 3, then the blob. */
        for (size_t k = 0; k < NSRC; k++)
                list += 12 + strlen(sources[k].src_id);
        memcpy(out, in, 32);
        memcpy(out + 8, &v1, 4);
        memcpy(&blen, in + 32 + list, 8);
        memcpy(out + 32, in + 32 + list, 8 + blen);
        i = 40 + list + blen;
        o = 40 + blen;
        t_flatten(in, &i, out, &o);
        t_table(in, &i, out, &o, sizeof(cp_orgmap_entry_t), &cap, &count);
        t_table(in, &i, out, &o, sizeof(cp_central_entry_t), &cap, &count);
        t_flatten(in, &i, out, &o);
        t_flatten(in, &i, out, &o);
        /* The counts as version 1 wrote them (each source's stats up to
         * the fields version 3 added), without the late tables after
         * them; then the checksum of it all. */
        t_stats_v2(in, &i, out, &o);
        sum = XXH3_64bits(out, o);
        memcpy(out + o, &sum, 8);
        o += 8;
        f = fopen(t_path("v1.snap"), "wb");
        assert_int_equal(fwrite(out, 1, o, f), o);
        fclose(f);

        if (cp_transform_load(two, t_path("v1.snap"), &epoch, NULL, NULL, err, sizeof(err)))
                fail_msg("%s", err);
        assert_int_equal(epoch, 7);
        report(one, &r1);
        report(two, &r2);
        /* Versions 1 and 2 had no figures over time: they start at 0. */
        for (size_t k = 0; k < r1.rep_nsrc; k++) {
                cp_source_stats_t *st = &r1.rep_src[k];
                size_t at = offsetof(cp_source_stats_t, st_seen_bucket);

                memset((char *)st + at, 0, sizeof(*st) - at);
        }
        assert_reports_equal(&r1, &r2);
        assert_same_decisions(one, two);
        cp_report_free(&r1);
        cp_report_free(&r2);
        free(in);
        free(out);
        cp_transform_destroy(one);
        cp_transform_destroy(two);
}

static void test_damage_is_refused(void **state)
{
        char err[512];
        cp_transform_t *one = cp_transform_new(&conf, err, sizeof(err));
        cp_transform_t *two = cp_transform_new(&conf, err, sizeof(err));
        const char *path = t_path("dmg.snap");
        cp_report_t before, after;
        struct stat st;
        uint64_t epoch = 7;
        FILE *f;
        long where[] = {3, 40, 1000, -9};

        (void)state;
        run(one, penalties(SRC_A, 0, 500));
        run(two, penalties(SRC_A, 0, 20));
        report(two, &before);
        assert_int_equal(cp_transform_save(one, path, 5, "pos", 3, err, sizeof(err)), CP_OK);
        assert_int_equal(stat(path, &st), 0);
        /* One flipped byte anywhere: header, table, stats, checksum. */
        for (size_t k = 0; k < sizeof(where) / sizeof(where[0]); k++) {
                long at = where[k] < 0 ? st.st_size + where[k] : where[k];
                int c;

                assert_int_equal(cp_transform_save(one, path, 5, "pos", 3, err, sizeof(err)), CP_OK);
                f = fopen(path, "r+b");
                fseek(f, at, SEEK_SET);
                c = fgetc(f);
                fseek(f, at, SEEK_SET);
                fputc(c ^ 0x10, f);
                fclose(f);
                assert_int_equal(cp_transform_load(two, path, &epoch, NULL, NULL, err, sizeof(err)),
                                 CP_ERR_PARSE);
                assert_int_equal(epoch, 7);
        }
        /* Truncated. */
        assert_int_equal(cp_transform_save(one, path, 5, "pos", 3, err, sizeof(err)), CP_OK);
        assert_int_equal(truncate(path, st.st_size / 2), 0);
        assert_int_equal(cp_transform_load(two, path, &epoch, NULL, NULL, err, sizeof(err)), CP_ERR_PARSE);
        assert_non_null(strstr(err, "truncated"));
        /* Absent. */
        assert_int_equal(cp_transform_load(two, t_path("none.snap"), &epoch, NULL, NULL, err, sizeof(err)),
                         CP_ERR_IO);
        /* Nothing changed. */
        report(two, &after);
        assert_reports_equal(&before, &after);
        cp_report_free(&before);
        cp_report_free(&after);
        cp_transform_destroy(one);
        cp_transform_destroy(two);
}

/* Saves a state of sources a and c, and loads it for other sources
 * (other: conf with them, which the transform keeps pointing to). */
static int load_for(cp_conf_t *other, const cp_source_conf_t *src, size_t n,
                    cp_transform_t **two, char *err, size_t errsz)
{
        cp_transform_t *one = cp_transform_new(&conf, err, errsz);
        const char *path = t_path("other.snap");
        uint64_t epoch;
        int rc;

        *other = conf;
        other->conf_sources = (cp_source_conf_t *)src;
        other->conf_nsources = n;
        *two = cp_transform_new(other, err, errsz);
        run(one, penalties(SRC_CENTRAL, 0, 3000));
        run(one, penalties(SRC_A, 1500, 3000));
        assert_int_equal(cp_transform_save(one, path, 1, "pos", 3, err, errsz), CP_OK);
        rc = cp_transform_load(*two, path, &epoch, NULL, NULL, err, errsz);
        cp_transform_destroy(one);
        return rc;
}

/* A source kept in another role or category, or a central source gone:
 * the counts and joins kept would mean something else. */
static void test_other_sources_refused(void **state)
{
        char err[512];
        cp_source_conf_t other[NSRC];
        cp_conf_t oc;
        cp_transform_t *two;

        (void)state;
        memcpy(other, sources, sizeof(sources));
        other[SRC_A].src_role = CP_ROLE_MUNICIPAL;
        assert_int_equal(load_for(&oc, other, NSRC, &two, err, sizeof(err)), CP_ERR_PARSE);
        assert_non_null(strstr(err, "'a' changed its role"));
        cp_transform_destroy(two);

        memcpy(other, sources, sizeof(sources));
        other[SRC_A].src_category = 4;
        assert_int_equal(load_for(&oc, other, NSRC, &two, err, sizeof(err)), CP_ERR_PARSE);
        assert_non_null(strstr(err, "'a' changed its category"));
        cp_transform_destroy(two);

        assert_int_equal(load_for(&oc, &sources[SRC_A], 1, &two, err, sizeof(err)), CP_ERR_PARSE);
        assert_non_null(strstr(err, "central source 'c' is no longer configured"));
        cp_transform_destroy(two);
}

/*
 * Sources added, moved and removed: each kept source's counts follow it
 * to its new place, an added one starts from nothing, a removed one's
 * keys stay seen (duplicates) but count for no one.
 */
static void test_sources_added_and_removed(void **state)
{
        char err[512];
        cp_source_conf_t grown[3] = {
                sources[SRC_CENTRAL],
                {.src_id = "b", .src_role = CP_ROLE_MUNICIPAL, .src_category = 3},
                sources[SRC_A],
        };
        cp_conf_t gc, sc = conf;
        cp_transform_t *one = cp_transform_new(&conf, err, sizeof(err)), *two, *three;
        cp_report_t r1, r2, r3;
        cp_batch_t *bat;
        size_t dup = 0;

        (void)state;
        run(one, penalties(SRC_CENTRAL, 0, 3000));
        run(one, penalties(SRC_A, 1500, 3000));
        report(one, &r1);
        if (load_for(&gc, grown, 3, &two, err, sizeof(err)) != CP_OK)
                fail_msg("%s", err);
        assert_int_equal(cp_report_alloc(&r2, 3), 0);
        cp_transform_report(two, &r2);
        assert_stats_equal(r2.rep_src[0], r1.rep_src[SRC_CENTRAL]);
        assert_int_equal(r2.rep_src[1].st_read, 0);
        assert_int_equal(r2.rep_src[1].st_unique_keys, 0);
        assert_stats_equal(r2.rep_src[2], r1.rep_src[SRC_A]);
        assert_int_equal(r2.rep_overlap[0 * 3 + 2], r1.rep_overlap[SRC_CENTRAL * NSRC + SRC_A]);
        assert_int_equal(r2.rep_central_keys, r1.rep_central_keys);
        /* b's records of a's keys are duplicates; its new ones are not. */
        bat = penalties(1, 4000, 1000);
        assert_int_equal(cp_transform_batch(two, bat), CP_OK);
        for (size_t k = 0; k < bat->bat_n; k++)
                dup += bat->bat_rec[k].rec_status == CP_REC_DUPLICATE;
        cp_batch_destroy(bat);
        cp_report_free(&r2);
        assert_int_equal(cp_report_alloc(&r2, 3), 0);
        cp_transform_report(two, &r2);
        assert_int_equal(r2.rep_src[1].st_duplicates, dup);
        assert_true(dup > 0 && dup <= 500);
        assert_int_equal(r2.rep_overlap[1 * 3 + 2], dup);

        /* a removed: its keys stay seen, in nobody's counts. */
        sc.conf_sources = &grown[0];
        sc.conf_nsources = 1;
        assert_int_equal(cp_transform_save(two, t_path("grown.snap"), 2, "p", 1, err,
                                           sizeof(err)), CP_OK);
        three = cp_transform_new(&sc, err, sizeof(err));
        {
                uint64_t epoch;

                if (cp_transform_load(three, t_path("grown.snap"), &epoch, NULL, NULL, err,
                                      sizeof(err)) != CP_OK)
                        fail_msg("%s", err);
        }
        assert_int_equal(cp_report_alloc(&r3, 1), 0);
        cp_transform_report(three, &r3);
        /* Central keys only a and b reported are now reported by no
         * configured source: unreported. */
        assert_true(r3.rep_src[0].st_central_unreported >
                    r1.rep_src[SRC_CENTRAL].st_central_unreported);
        assert_int_equal(r3.rep_src[0].st_central_unreported, r3.rep_central_keys);
        r3.rep_src[0].st_central_unreported = r1.rep_src[SRC_CENTRAL].st_central_unreported;
        assert_stats_equal(r3.rep_src[0], r1.rep_src[SRC_CENTRAL]);
        assert_int_equal(r3.rep_overlap[0], r1.rep_overlap[SRC_CENTRAL * NSRC + SRC_CENTRAL]);
        /* b and a saw every key of 4000..4999: c's records of them are
         * duplicates, though neither is configured any more. */
        bat = penalties(0, 4000, 1000);
        assert_int_equal(cp_transform_batch(three, bat), CP_OK);
        dup = 0;
        for (size_t k = 0; k < bat->bat_n; k++) {
                assert_int_not_equal(bat->bat_rec[k].rec_status, CP_REC_ACCEPTED);
                dup += bat->bat_rec[k].rec_status == CP_REC_DUPLICATE;
        }
        assert_true(dup > 500);
        cp_batch_destroy(bat);
        cp_report_free(&r1);
        cp_report_free(&r2);
        cp_report_free(&r3);
        cp_transform_destroy(one);
        cp_transform_destroy(two);
        cp_transform_destroy(three);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_version1_is_read),
                cmocka_unit_test(test_damage_is_refused),
                cmocka_unit_test(test_other_sources_refused),
                cmocka_unit_test(test_sources_added_and_removed),
        };
        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
