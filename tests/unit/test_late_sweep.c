/*
 * The figures revised after a key's first view: keys re-classified when a
 * central record comes in a later set (transform/pending.c, measure.c),
 * entries swept when their publication window ends (transform/sweep.c,
 * expire.c), both in service mode, and entries a later record of their
 * source withdraws (measure.c, transform.c), in both modes, through the
 * transform as `credpipe run` drives it (cli/run_transform.c).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/err.h"
#include "support/testutil.h"
#include "transform/pending.h"
#include "transform/sweep.h"
#include "transform/transform.h"

enum { SRC_A, SRC_B, SRC_CENTRAL, NSRC };

/* A and B have a status column: their later records may withdraw. */
static cp_column_map_t status_column = {.cm_column = "状态", .cm_field = CP_F_STATUS};

static cp_source_conf_t sources[NSRC] = {
        [SRC_A] = {.src_id = "a", .src_role = CP_ROLE_SECTORAL, .src_category = 3,
                   .src_columns = &status_column, .src_ncolumns = 1},
        [SRC_B] = {.src_id = "b", .src_role = CP_ROLE_SECTORAL, .src_category = 3,
                   .src_columns = &status_column, .src_ncolumns = 1},
        [SRC_CENTRAL] = {.src_id = "c", .src_role = CP_ROLE_CENTRAL, .src_category = 3},
};
static cp_conf_t conf = {.conf_sources = sources, .conf_nsources = NSRC,
                         .conf_as_of = "2021-06-01"};

/* Penalties i = from .. from + n - 1 of distinct parties without an
 * identifier (unmatched: no_subject_id), all decided 2021-03-05, read at
 * ingest_ms. */
static cp_batch_t *entries(uint32_t source, int from, int n, int64_t ingest_ms)
{
        cp_batch_t *bat = cp_batch_new(source, (size_t)n);

        for (int i = from; i < from + n; i++)
                t_penalty(bat, i, "2021-03-05")->rec_ingest_ms = ingest_ms;
        return bat;
}

/* The same penalties, their status saying they were withdrawn. */
static cp_batch_t *withdrawals(uint32_t source, int from, int n, int64_t ingest_ms)
{
        cp_batch_t *bat = entries(source, from, n, ingest_ms);

        for (size_t i = 0; i < bat->bat_n; i++)
                bat->bat_rec[i].rec_field[CP_F_STATUS] = "已撤销";
        return bat;
}

static void run(cp_transform_t *tf, cp_batch_t *bat)
{
        assert_int_equal(cp_transform_batch(tf, bat), CP_OK);
        cp_batch_destroy(bat);
}

static cp_transform_t *service(void)
{
        char err[512];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));

        if (!tf)
                fail_msg("%s", err);
        cp_transform_service(tf);
        return tf;
}

/* The source's stats as a report shows them. */
static cp_source_stats_t stats(cp_transform_t *tf, int source)
{
        cp_report_t rep;
        cp_source_stats_t st;

        assert_int_equal(cp_report_alloc(&rep, NSRC), 0);
        cp_transform_report(tf, &rep);
        st = rep.rep_src[source];
        cp_report_free(&rep);
        return st;
}

static uint64_t unmatched(const cp_source_stats_t *st)
{
        uint64_t n = 0;

        for (int r = 0; r < CP_NM__COUNT; r++)
                n += st->st_unmatched[r];
        return n;
}

/* docs/metrics.md's invariant, after every step. */
static void assert_active_split(const cp_source_stats_t *st)
{
        assert_int_equal(st->st_class[CP_KC_ACTIVE],
                         st->st_shared + st->st_shared_fuzzy + unmatched(st));
        assert_int_equal(st->st_shared, st->st_lag_count + st->st_lag_unknown);
}

/* Saves and loads into a fresh service-mode transform. */
static cp_transform_t *reload(cp_transform_t *tf, const char *name)
{
        char err[512];
        cp_transform_t *two = service();
        uint64_t epoch = 0;

        assert_int_equal(cp_transform_save(tf, t_path(name), 3, "p", 1, err, sizeof(err)),
                         CP_OK);
        if (cp_transform_load(two, t_path(name), &epoch, NULL, NULL, err, sizeof(err)))
                fail_msg("%s", err);
        cp_transform_destroy(tf);
        return two;
}

/* Keys of one home slot in runs, several sources a key, removals in the
 * middle of runs: every entry stays reachable, once. */
static void test_pending_table(void **state)
{
        enum { KEYS = 3000, SRCS = 3 };
        static uint8_t in[KEYS][SRCS];
        cp_pending_t pt = {0};
        cp_pending_entry_t e[64];
        size_t count = 0;

        (void)state;
        srand(7);
        for (int k = 0; k < KEYS; k++)
                for (int s = 0; s < SRCS; s++) {
                        /* Few home slots: long runs of other keys. */
                        uint64_t h[2] = {(uint64_t)(k % 97) << 3, (uint64_t)k};

                        if (rand() % 3 == 0)
                                continue;
                        assert_int_equal(cp_pending_put(&pt, h, (unsigned)s, (unsigned)(k % 5),
                                                        k * 10 + s), CP_OK);
                        /* A second put of the same (key, source) keeps the first. */
                        assert_int_equal(cp_pending_put(&pt, h, (unsigned)s, 4, 0), CP_OK);
                        in[k][s] = 1;
                        count++;
                }
        assert_int_equal(pt.vt_count, count);
        for (int k = 0; k < KEYS; k += 2) {
                uint64_t h[2] = {(uint64_t)(k % 97) << 3, (uint64_t)k};

                if (k % 4 == 0) {
                        size_t n = cp_pending_take(&pt, h, e), want = 0;

                        for (int s = 0; s < SRCS; s++)
                                want += in[k][s];
                        assert_int_equal(n, want);
                        for (size_t i = 0; i < n; i++) {
                                assert_true(in[k][e[i].pe_source]);
                                assert_int_equal(e[i].pe_seen_ms, k * 10 + e[i].pe_source);
                                assert_int_equal(e[i].pe_reason, k % 5);
                                in[k][e[i].pe_source] = 0;
                        }
                        count -= n;
                } else if (in[k][1]) {
                        assert_true(cp_pending_remove(&pt, h, 1, e));
                        assert_int_equal(e[0].pe_seen_ms, k * 10 + 1);
                        assert_false(cp_pending_remove(&pt, h, 1, NULL));
                        in[k][1] = 0;
                        count--;
                }
                assert_int_equal(pt.vt_count, count);
        }
        for (int k = 0; k < KEYS; k++)
                for (int s = 0; s < SRCS; s++) {
                        uint64_t h[2] = {(uint64_t)(k % 97) << 3, (uint64_t)k};

                        assert_int_equal(cp_pending_remove(&pt, h, (unsigned)s, NULL), in[k][s]);
                }
        assert_int_equal(pt.vt_count, 0);
        cp_pending_free(&pt);
}

static int t_collect(void *opaque, const cp_sweep_entry_t *e, const char *key)
{
        char *out = opaque;
        char one[32];

        snprintf(one, sizeof(one), "%.*s@%d;", key ? (int)e->sw_len : 1, key ? key : "-",
                 e->sw_until);
        strcat(out, one);
        return CP_OK;
}

/* Due entries leave once; the texts of those kept survive compaction. */
static void test_sweep_table(void **state)
{
        cp_sweep_t sw = {0};
        uint64_t h[2] = {1, 2};
        char got[512] = "";

        (void)state;
        assert_int_equal(cp_sweep_add(&sw, h, 0, 30, 0, 1, false, "k30", 3), CP_OK);
        assert_int_equal(cp_sweep_add(&sw, h, 0, 10, 0, 1, false, "key10", 5), CP_OK);
        assert_int_equal(cp_sweep_add(&sw, h, 0, 10, 1, 1, false, NULL, 0), CP_OK);
        assert_int_equal(cp_sweep_add(&sw, h, 0, 20, 0, 1, false, "kk20", 4), CP_OK);
        assert_int_equal(sw.sw_min_until, 10);
        assert_false(cp_sweep_due(&sw, 9));
        assert_int_equal(cp_sweep_take(&sw, 9, t_collect, got), CP_OK);
        assert_string_equal(got, "");
        assert_int_equal(cp_sweep_take(&sw, 10, t_collect, got), CP_OK);
        assert_string_equal(got, "key10@10;-@10;");
        assert_int_equal(sw.sw_n, 2);
        assert_int_equal(sw.sw_min_until, 20);
        assert_int_equal(sw.sw_pool_len, 7);
        got[0] = '\0';
        assert_int_equal(cp_sweep_take(&sw, 10, t_collect, got), CP_OK);
        assert_string_equal(got, "");
        assert_int_equal(cp_sweep_take(&sw, 100, t_collect, got), CP_OK);
        assert_string_equal(got, "k30@30;kk20@20;");
        assert_int_equal(sw.sw_n, 0);
        assert_int_equal(sw.sw_min_until, 0);
        cp_sweep_free(&sw);
}

/* A changed source list: entries follow their source to its new index;
 * a removed source's are dropped (pending: its counts are gone; sweep: no
 * removal event for it), and the rest still sweep in order. */
static void test_remap(void **state)
{
        cp_pending_t pt = {0};
        cp_sweep_t sw = {0};
        cp_pending_entry_t e[64];
        const int to[3] = {2, -1, 0};   /* 0 -> 2, 1 removed, 2 -> 0 */
        char got[512] = "";

        (void)state;
        for (unsigned k = 0; k < 500; k++)
                for (unsigned s = 0; s < 3; s++) {
                        uint64_t h[2] = {k, k * 7};

                        assert_int_equal(cp_pending_put(&pt, h, s, s, k), CP_OK);
                }
        assert_int_equal(cp_viewtab_remap(&pt, to, 3), CP_OK);
        assert_int_equal(pt.vt_count, 1000);
        for (unsigned k = 0; k < 500; k++) {
                uint64_t h[2] = {k, k * 7};
                size_t n = cp_pending_take(&pt, h, e);

                assert_int_equal(n, 2);
                for (size_t i = 0; i < n; i++) {
                        /* reason was the old index: 0 now at 2, 2 now at 0 */
                        assert_int_equal(e[i].pe_source, e[i].pe_reason == 0 ? 2 : 0);
                        assert_int_not_equal(e[i].pe_reason, 1);
                        assert_int_equal(e[i].pe_seen_ms, k);
                }
        }
        cp_pending_free(&pt);

        uint64_t h[2] = {1, 2};
        assert_int_equal(cp_sweep_add(&sw, h, 0, 30, 0, 1, false, "a30", 3), CP_OK);
        assert_int_equal(cp_sweep_add(&sw, h, 0, 5, 1, 1, false, "b5", 2), CP_OK);
        assert_int_equal(cp_sweep_add(&sw, h, 0, 20, 2, 1, false, "c20", 3), CP_OK);
        cp_sweep_remap(&sw, to, 3);
        assert_int_equal(sw.sw_n, 2);
        assert_int_equal(sw.sw_min_until, 20);
        assert_int_equal(cp_sweep_take(&sw, 25, t_collect, got), CP_OK);
        assert_string_equal(got, "c20@20;");
        assert_int_equal(sw.sw_v[0].sw_source, 2);
        got[0] = '\0';
        assert_int_equal(cp_sweep_take(&sw, 30, t_collect, got), CP_OK);
        assert_string_equal(got, "a30@30;");
        cp_sweep_free(&sw);
}

/* A: keys 0..99 at t=1 s; B: 50..149 at t=2 s; state saved and loaded;
 * central: 80..179 at t=91 s. The keys the central records now have move
 * from unmatched to shared with their observed delays; a key shown after
 * the central records had it has delay 0. */
static void test_late_central(void **state)
{
        cp_transform_t *tf = service();
        cp_source_stats_t a, b;

        (void)state;
        run(tf, entries(SRC_A, 0, 100, 1000));
        run(tf, entries(SRC_B, 50, 100, 2000));
        a = stats(tf, SRC_A);
        assert_int_equal(a.st_class[CP_KC_ACTIVE], 100);
        assert_int_equal(a.st_unmatched[CP_NM_NO_SUBJECT_ID], 100);
        assert_int_equal(a.st_shared, 0);
        tf = reload(tf, "late.snap");  /* the keys wait across a restart */
        run(tf, entries(SRC_CENTRAL, 80, 100, 91000));

        a = stats(tf, SRC_A);
        b = stats(tf, SRC_B);
        assert_int_equal(a.st_shared, 20);
        assert_int_equal(a.st_late_shared, 20);
        assert_int_equal(a.st_unmatched[CP_NM_NO_SUBJECT_ID], 80);
        assert_int_equal(a.st_seen_count, 20);
        assert_int_equal(a.st_seen_sum_ms, 20 * 90000);
        assert_int_equal(a.st_seen_bucket[2], 20);  /* 60 s < 90 s <= 1 h */
        assert_int_equal(b.st_shared, 70);
        assert_int_equal(b.st_late_shared, 70);
        assert_int_equal(b.st_seen_sum_ms, 70 * 89000);
        assert_int_equal(b.st_seen_bucket[2], 70);
        assert_active_split(&a);
        assert_active_split(&b);

        /* Central first, then the source: delay 0, not late. */
        run(tf, entries(SRC_A, 150, 10, 200000));
        a = stats(tf, SRC_A);
        assert_int_equal(a.st_shared, 30);
        assert_int_equal(a.st_late_shared, 20);
        assert_int_equal(a.st_seen_bucket[0], 10);
        assert_int_equal(a.st_seen_count, 30);
        assert_active_split(&a);

        /* A second central record of a key changes nothing. */
        run(tf, entries(SRC_CENTRAL, 80, 10, 300000));
        assert_int_equal(stats(tf, SRC_A).st_late_shared, 20);
        cp_transform_destroy(tf);
}

/* Outside service mode (--once) nothing waits: the key stays unmatched. */
static void test_once_unchanged(void **state)
{
        char err[512];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *out[NSRC];
        cp_source_stats_t a;

        (void)state;
        run(tf, entries(SRC_A, 0, 10, 1000));
        run(tf, entries(SRC_CENTRAL, 0, 10, 5000));
        a = stats(tf, SRC_A);
        assert_int_equal(a.st_unmatched[CP_NM_NO_SUBJECT_ID], 10);
        assert_int_equal(a.st_late_shared, 0);
        assert_int_equal(cp_transform_sweep(tf, 1 << 30, 0, out), CP_OK);
        for (int i = 0; i < NSRC; i++)
                assert_null(out[i]);
        cp_transform_destroy(tf);
}

/* The keys and partition hashes a batch produced, by key. */
typedef struct t_produced_s {
        char key[100][128];
        uint64_t subject[100];
        int n;
        int32_t until;
} t_produced_t;

static void t_keep(t_produced_t *p, const cp_batch_t *bat)
{
        for (size_t i = 0; i < bat->bat_n; i++) {
                const cp_record_t *r = &bat->bat_rec[i];

                if (r->rec_status != CP_REC_ACCEPTED)
                        continue;
                assert_int_equal(r->rec_pb->event, CREDPIPE__V1__EVENT_TYPE__UPSERT);
                snprintf(p->key[p->n], sizeof(p->key[0]), "%s", r->rec_pb->record_key);
                p->subject[p->n++] = r->rec_subject_hash;
                p->until = r->rec_pb->expected_public_until;
        }
}

/* Each removal names a key the source produced, once, in its partition. */
static void assert_removals(const cp_batch_t *bat, const t_produced_t *p, int32_t until)
{
        int seen[100] = {0};

        assert_non_null(bat);
        assert_int_equal(bat->bat_n, p->n);
        for (size_t i = 0; i < bat->bat_n; i++) {
                const cp_record_t *r = &bat->bat_rec[i];
                int k;

                assert_int_equal(r->rec_status, CP_REC_ACCEPTED);
                assert_int_equal(r->rec_pb->event, CREDPIPE__V1__EVENT_TYPE__REMOVAL);
                assert_string_equal(r->rec_pb->removal_reason, "window_ended");
                assert_int_equal(r->rec_pb->expected_public_until, until);
                assert_string_equal(r->rec_pb->provenance->source_id,
                                    sources[bat->bat_source].src_id);
                for (k = 0; k < p->n && strcmp(p->key[k], r->rec_pb->record_key); k++)
                        ;
                assert_true(k < p->n);
                assert_int_equal(seen[k]++, 0);
                assert_int_equal(r->rec_subject_hash, p->subject[k]);
        }
}

/* central 0..49; A 0..99 (produces 50..99); B 90..119 (produces
 * 100..119). When the observation date reaches the windows' end, every
 * active view moves to expired and each produced key gets one removal;
 * a state saved before the sweep sweeps the same. */
static void test_sweep(void **state)
{
        cp_transform_t *tf = service();
        cp_batch_t *bat, *out[NSRC];
        t_produced_t *pa = calloc(1, sizeof(*pa)), *pb = calloc(1, sizeof(*pb));
        cp_source_stats_t a, b;
        int32_t until;

        (void)state;
        run(tf, entries(SRC_CENTRAL, 0, 50, 1000));
        bat = entries(SRC_A, 0, 100, 2000);
        assert_int_equal(cp_transform_batch(tf, bat), CP_OK);
        t_keep(pa, bat);
        cp_batch_destroy(bat);
        bat = entries(SRC_B, 90, 30, 3000);
        assert_int_equal(cp_transform_batch(tf, bat), CP_OK);
        t_keep(pb, bat);
        cp_batch_destroy(bat);
        assert_int_equal(pa->n, 50);
        assert_int_equal(pb->n, 20);
        until = pa->until;
        assert_true(until > cp_transform_as_of(tf));  /* active, with an end */
        a = stats(tf, SRC_A);
        assert_int_equal(a.st_class[CP_KC_ACTIVE], 100);
        assert_int_equal(a.st_shared, 50);

        tf = reload(tf, "sweep.snap");
        assert_int_equal(cp_transform_sweep(tf, until - 1, 0, out), CP_OK);
        for (int i = 0; i < NSRC; i++)
                assert_null(out[i]);
        assert_int_equal(stats(tf, SRC_A).st_class[CP_KC_ACTIVE], 100);

        assert_int_equal(cp_transform_sweep(tf, until, 77, out), CP_OK);
        assert_removals(out[SRC_A], pa, until);
        assert_removals(out[SRC_B], pb, until);
        assert_null(out[SRC_CENTRAL]);
        assert_int_equal(out[SRC_A]->bat_rec[0].rec_pb->provenance->ingest_time_ms, 77);
        cp_batch_destroy(out[SRC_A]);
        cp_batch_destroy(out[SRC_B]);
        a = stats(tf, SRC_A);
        b = stats(tf, SRC_B);
        assert_int_equal(a.st_class[CP_KC_ACTIVE], 0);
        assert_int_equal(a.st_class[CP_KC_EXPIRED], 100);
        assert_int_equal(a.st_shared, 0);
        assert_int_equal(unmatched(&a), 0);
        assert_int_equal(a.st_window_ended, 100);
        assert_int_equal(a.st_removals_swept, 50);
        assert_int_equal(b.st_class[CP_KC_ACTIVE], 0);
        assert_int_equal(b.st_class[CP_KC_EXPIRED], 30);
        assert_int_equal(b.st_window_ended, 30);
        assert_int_equal(b.st_removals_swept, 20);
        assert_int_equal(a.st_class[CP_KC_ACTIVE], a.st_shared + a.st_shared_fuzzy + unmatched(&a));

        /* Exactly once: nothing is left to sweep, even after a reload. */
        tf = reload(tf, "swept.snap");
        assert_int_equal(cp_transform_sweep(tf, until + 1000, 0, out), CP_OK);
        for (int i = 0; i < NSRC; i++)
                assert_null(out[i]);
        /* A central record of a swept key re-classifies nothing. */
        run(tf, entries(SRC_CENTRAL, 50, 50, 9000));
        assert_int_equal(stats(tf, SRC_A).st_late_shared, 0);
        cp_transform_destroy(tf);
        free(pa);
        free(pb);
}

/* A key re-classified shared, then swept, leaves shared (not unmatched). */
static void test_sweep_after_late(void **state)
{
        cp_transform_t *tf = service();
        cp_batch_t *out[NSRC];
        cp_source_stats_t a;
        int32_t until;
        cp_batch_t *bat = entries(SRC_A, 0, 10, 1000);

        (void)state;
        assert_int_equal(cp_transform_batch(tf, bat), CP_OK);
        until = bat->bat_rec[0].rec_pb->expected_public_until;
        cp_batch_destroy(bat);
        run(tf, entries(SRC_CENTRAL, 0, 4, 61000));
        a = stats(tf, SRC_A);
        assert_int_equal(a.st_shared, 4);
        assert_int_equal(unmatched(&a), 6);
        assert_int_equal(a.st_seen_bucket[1], 4);  /* 60 s: <= 60 s */
        assert_int_equal(cp_transform_sweep(tf, until, 0, out), CP_OK);
        assert_int_equal(out[SRC_A]->bat_n, 10);
        cp_batch_destroy(out[SRC_A]);
        a = stats(tf, SRC_A);
        assert_int_equal(a.st_shared, 0);
        assert_int_equal(unmatched(&a), 0);
        assert_int_equal(a.st_class[CP_KC_EXPIRED], 10);
        cp_transform_destroy(tf);
}

/* Without central sources nothing waits for one: the sweep takes the
 * keys out of unmatched (not shared) all the same. */
static void test_sweep_without_central(void **state)
{
        static cp_conf_t alone = {.conf_sources = sources, .conf_nsources = 1,
                                  .conf_as_of = "2021-06-01"};
        char err[512];
        cp_transform_t *tf = cp_transform_new(&alone, err, sizeof(err));
        cp_batch_t *out[1], *bat = entries(SRC_A, 0, 10, 1000);
        cp_report_t rep;
        int32_t until;

        (void)state;
        assert_non_null(tf);
        cp_transform_service(tf);
        assert_int_equal(cp_transform_batch(tf, bat), CP_OK);
        until = bat->bat_rec[0].rec_pb->expected_public_until;
        cp_batch_destroy(bat);
        assert_int_equal(cp_transform_sweep(tf, until, 0, out), CP_OK);
        assert_int_equal(out[0]->bat_n, 10);
        cp_batch_destroy(out[0]);
        assert_int_equal(cp_report_alloc(&rep, 1), 0);
        cp_transform_report(tf, &rep);
        assert_int_equal(rep.rep_src[0].st_unmatched[CP_NM_NO_SUBJECT_ID], 0);
        assert_int_equal(rep.rep_src[0].st_shared, 0);
        assert_int_equal(rep.rep_src[0].st_class[CP_KC_ACTIVE], 0);
        assert_int_equal(rep.rep_src[0].st_class[CP_KC_EXPIRED], 10);
        cp_report_free(&rep);
        cp_transform_destroy(tf);
}

/* What a batch came to: records produced (removals apart) and duplicates;
 * each removal is a withdrawn record of a key the source produced. */
static void assert_fates(cp_transform_t *tf, cp_batch_t *bat, size_t upserts, size_t removals,
                         size_t dups)
{
        size_t u = 0, r = 0, d = 0;

        assert_int_equal(cp_transform_batch(tf, bat), CP_OK);
        for (size_t i = 0; i < bat->bat_n; i++) {
                const cp_record_t *rec = &bat->bat_rec[i];

                if (rec->rec_status == CP_REC_DUPLICATE) {
                        d++;
                        continue;
                }
                assert_int_equal(rec->rec_status, CP_REC_ACCEPTED);
                if (rec->rec_pb->event == CREDPIPE__V1__EVENT_TYPE__UPSERT) {
                        u++;
                        continue;
                }
                r++;
                assert_string_equal(rec->rec_pb->status, "已撤销");
                assert_string_equal(rec->rec_pb->removal_reason, "");
                assert_true(rec->rec_pb->expected_public_until > 0);
        }
        assert_int_equal(u, upserts);
        assert_int_equal(r, removals);
        assert_int_equal(d, dups);
        cp_batch_destroy(bat);
}

/* --once: central 0..19; A 0..39 (produces 20..39); B 30..49 (produces
 * 40..49). Later records: A withdraws 0..4 (central produced them:
 * duplicates), 20..24 and 30..32 (its own: removals); B withdraws 30..34
 * (A's: duplicates) and 40..41 (its own). An active record again, a
 * withdrawal again, another source's withdrawal: nothing moves. */
static void test_withdraw_later(void **state)
{
        char err[512];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_source_stats_t a, b;

        (void)state;
        assert_non_null(tf);
        run(tf, entries(SRC_CENTRAL, 0, 20, 1000));
        assert_fates(tf, entries(SRC_A, 0, 40, 2000), 20, 0, 20);
        assert_fates(tf, entries(SRC_B, 30, 20, 3000), 10, 0, 10);
        assert_fates(tf, withdrawals(SRC_A, 0, 5, 4000), 0, 0, 5);
        assert_fates(tf, withdrawals(SRC_A, 20, 5, 4000), 0, 5, 0);
        assert_fates(tf, withdrawals(SRC_A, 30, 3, 4000), 0, 3, 0);
        assert_fates(tf, withdrawals(SRC_B, 30, 5, 5000), 0, 0, 5);
        assert_fates(tf, withdrawals(SRC_B, 40, 2, 5000), 0, 2, 0);
        assert_fates(tf, entries(SRC_A, 25, 1, 6000), 0, 0, 1);
        assert_fates(tf, withdrawals(SRC_A, 20, 1, 6000), 0, 0, 1);
        /* The central source has no classes: its records never withdraw. */
        assert_fates(tf, withdrawals(SRC_CENTRAL, 0, 20, 6000), 0, 0, 20);

        a = stats(tf, SRC_A);
        assert_int_equal(a.st_class[CP_KC_ACTIVE], 27);
        assert_int_equal(a.st_class[CP_KC_WITHDRAWN], 13);
        assert_int_equal(a.st_withdrawn_later, 13);
        assert_int_equal(a.st_withdrawn_later_removals, 8);
        assert_int_equal(a.st_shared, 15);
        assert_int_equal(a.st_unmatched[CP_NM_NO_SUBJECT_ID], 12);
        assert_int_equal(a.st_produced, 28);
        assert_int_equal(a.st_removals, 8);
        assert_int_equal(a.st_duplicates, 27);
        assert_int_equal(a.st_read, a.st_produced + a.st_duplicates + a.st_rejects);
        assert_int_equal(a.st_completeness_keys, 40);  /* first-view figures keep them */
        b = stats(tf, SRC_B);
        assert_int_equal(b.st_class[CP_KC_ACTIVE], 13);
        assert_int_equal(b.st_class[CP_KC_WITHDRAWN], 7);
        assert_int_equal(b.st_withdrawn_later, 7);
        assert_int_equal(b.st_withdrawn_later_removals, 2);
        assert_int_equal(b.st_unmatched[CP_NM_NO_SUBJECT_ID], 13);
        assert_int_equal(a.st_class[CP_KC_ACTIVE], a.st_shared + a.st_shared_fuzzy + unmatched(&a));
        assert_int_equal(b.st_class[CP_KC_ACTIVE], b.st_shared + b.st_shared_fuzzy + unmatched(&b));
        cp_transform_destroy(tf);
}

/* A source without a status column cannot withdraw later: its records
 * with a withdrawn status (from a preset's column it does not map, say)
 * are duplicates, and nothing is kept for it. */
static void test_withdraw_needs_status(void **state)
{
        static cp_source_conf_t plain[1] = {
                {.src_id = "p", .src_role = CP_ROLE_SECTORAL, .src_category = 3}};
        static cp_conf_t one = {.conf_sources = plain, .conf_nsources = 1,
                                .conf_as_of = "2021-06-01"};
        char err[512];
        cp_transform_t *tf = cp_transform_new(&one, err, sizeof(err));
        cp_report_t rep;

        (void)state;
        assert_non_null(tf);
        assert_fates(tf, entries(0, 0, 10, 1000), 10, 0, 0);
        assert_fates(tf, withdrawals(0, 0, 10, 2000), 0, 0, 10);
        assert_int_equal(cp_report_alloc(&rep, 1), 0);
        cp_transform_report(tf, &rep);
        assert_int_equal(rep.rep_src[0].st_class[CP_KC_ACTIVE], 10);
        assert_int_equal(rep.rep_src[0].st_withdrawn_later, 0);
        cp_report_free(&rep);
        cp_transform_destroy(tf);
}

/* Service mode: A 0..9 unmatched, a late central record of 8..9 makes
 * them shared; the views stand across a restart; A withdraws 0..2 and 8
 * (shared now: it leaves shared); the sweep at the windows' end takes the
 * other 6 only, and a withdrawal after the sweep moves nothing. */
static void test_withdraw_and_sweep(void **state)
{
        cp_transform_t *tf = service();
        cp_batch_t *out[NSRC], *bat = entries(SRC_A, 0, 10, 1000);
        cp_source_stats_t a;
        int32_t until;

        (void)state;
        assert_int_equal(cp_transform_batch(tf, bat), CP_OK);
        until = bat->bat_rec[0].rec_pb->expected_public_until;
        cp_batch_destroy(bat);
        run(tf, entries(SRC_CENTRAL, 8, 2, 61000));
        assert_int_equal(stats(tf, SRC_A).st_shared, 2);
        tf = reload(tf, "standing.snap");
        assert_fates(tf, withdrawals(SRC_A, 0, 3, 70000), 0, 3, 0);
        assert_fates(tf, withdrawals(SRC_A, 8, 1, 70000), 0, 1, 0);
        a = stats(tf, SRC_A);
        assert_int_equal(a.st_shared, 1);
        assert_int_equal(unmatched(&a), 5);
        assert_int_equal(a.st_withdrawn_later, 4);
        tf = reload(tf, "withdrawn.snap");
        assert_int_equal(cp_transform_sweep(tf, until, 0, out), CP_OK);
        assert_non_null(out[SRC_A]);
        assert_int_equal(out[SRC_A]->bat_n, 6);
        cp_batch_destroy(out[SRC_A]);
        assert_fates(tf, withdrawals(SRC_A, 5, 1, 80000), 0, 0, 1);
        a = stats(tf, SRC_A);
        assert_int_equal(a.st_class[CP_KC_ACTIVE], 0);
        assert_int_equal(a.st_class[CP_KC_EXPIRED], 6);
        assert_int_equal(a.st_class[CP_KC_WITHDRAWN], 4);
        assert_int_equal(a.st_window_ended, 6);
        assert_int_equal(a.st_removals_swept, 6);
        assert_int_equal(a.st_withdrawn_later, 4);
        assert_int_equal(a.st_shared, 0);
        assert_int_equal(unmatched(&a), 0);
        /* Every view withdrawn: a sweep has nothing to make batches of. */
        cp_transform_destroy(tf);
        tf = service();
        bat = entries(SRC_A, 0, 3, 1000);
        run(tf, bat);
        assert_fates(tf, withdrawals(SRC_A, 0, 3, 2000), 0, 3, 0);
        assert_int_equal(cp_transform_sweep(tf, until, 0, out), CP_OK);
        for (int i = 0; i < NSRC; i++)
                assert_null(out[i]);
        cp_transform_destroy(tf);
}

/* ---- random histories: a state saved and loaded at random moments
 * decides exactly as one never saved, and the counts stay sound ---- */

typedef struct t_hist_s {
        uint64_t rng;
        int64_t now_ms;
        /* REMOVALs seen per (source, key): at most one each */
        uint8_t removed[NSRC][64];
} t_hist_t;

static uint32_t t_rand(t_hist_t *h, uint32_t n)
{
        h->rng ^= h->rng << 13;
        h->rng ^= h->rng >> 7;
        h->rng ^= h->rng << 17;
        return (uint32_t)(h->rng % n);
}

/* Records of keys from .. from + n - 1 (of 64), decided on one of 28 days
 * (their windows end on as many days), a third of them withdrawn. */
static cp_batch_t *t_hist_batch(uint32_t source, int from, int n, uint64_t draw,
                                int64_t ingest_ms)
{
        static const char *const days[] = {
                "2021-03-01", "2021-03-02", "2021-03-03", "2021-03-04", "2021-03-05",
                "2021-03-06", "2021-03-07", "2021-03-08", "2021-03-09", "2021-03-10",
                "2021-03-11", "2021-03-12", "2021-03-13", "2021-03-14", "2021-03-15",
                "2021-03-16", "2021-03-17", "2021-03-18", "2021-03-19", "2021-03-20",
                "2021-03-21", "2021-03-22", "2021-03-23", "2021-03-24", "2021-03-25",
                "2021-03-26", "2021-03-27", "2021-03-28"};
        cp_batch_t *bat = cp_batch_new(source, (size_t)n);

        for (int i = from; i < from + n; i++) {
                cp_record_t *r = t_penalty(bat, i % 64, days[(i % 64) % 28]);

                r->rec_ingest_ms = ingest_ms;
                if ((draw >> (i % 64)) % 3 == 0)
                        r->rec_field[CP_F_STATUS] = "已撤销";
        }
        return bat;
}

/* What a batch came to, record by record, as one string. */
static void t_fates(const cp_batch_t *bat, char *out, size_t n)
{
        size_t o = 0;

        for (size_t i = 0; i < bat->bat_n && o + 2 < n; i++) {
                const cp_record_t *r = &bat->bat_rec[i];

                out[o++] = r->rec_status == CP_REC_DUPLICATE ? 'd'
                           : r->rec_pb->event == CREDPIPE__V1__EVENT_TYPE__REMOVAL ? 'R' : 'u';
        }
        out[o] = '\0';
}

static void t_note_removals(t_hist_t *h, const cp_batch_t *bat)
{
        for (size_t i = 0; i < bat->bat_n; i++) {
                const cp_record_t *r = &bat->bat_rec[i];
                int k;

                if (r->rec_status != CP_REC_ACCEPTED ||
                    r->rec_pb->event != CREDPIPE__V1__EVENT_TYPE__REMOVAL)
                        continue;
                /* The key's text names the company: 公司<k>. */
                assert_int_equal(sscanf(strstr(r->rec_pb->record_key, "公司") + strlen("公司"),
                                        "%d", &k), 1);
                assert_true(k >= 0 && k < 64);
                assert_int_equal(h->removed[bat->bat_source][k]++, 0);
        }
}

static void assert_sound(const cp_source_stats_t *st, bool central)
{
        uint64_t classes = 0;

        for (int c = 0; c < CP_KC__COUNT; c++) {
                assert_true(st->st_class[c] < (UINT64_C(1) << 40));  /* no wrap below 0 */
                classes += st->st_class[c];
        }
        assert_int_equal(classes, central ? 0 : st->st_unique_keys);
        assert_int_equal(st->st_class[CP_KC_ACTIVE],
                         st->st_shared + st->st_shared_fuzzy + unmatched(st));
        assert_int_equal(st->st_read, st->st_produced + st->st_duplicates + st->st_rejects);
        assert_true(st->st_withdrawn_later_removals <= st->st_withdrawn_later);
        assert_true(st->st_withdrawn_later <= st->st_class[CP_KC_WITHDRAWN]);
        assert_true(st->st_window_ended <= st->st_class[CP_KC_EXPIRED]);
        assert_true(st->st_removals_swept <= st->st_window_ended);
}

static void test_random_history(void **state)
{
        uint64_t withdrawn = 0, wremovals = 0, ended = 0, swept = 0, late = 0;

        (void)state;
        for (uint64_t seed = 1; seed <= 12; seed++) {
                t_hist_t h = {.rng = seed * 0x9E3779B97F4A7C15u, .now_ms = 1000};
                cp_transform_t *tf = service(), *ref = service();
                int32_t as_of = cp_transform_as_of(tf);
                char a[64], b[64], name[32];

                for (int step = 0; step < 120; step++) {
                        uint32_t op = t_rand(&h, 10);

                        h.now_ms += 1000;
                        if (op < 6) {  /* records of A, B or central */
                                uint32_t src = op < 3 ? SRC_A : op < 5 ? SRC_B : SRC_CENTRAL;
                                int from = (int)t_rand(&h, 64), n = 1 + (int)t_rand(&h, 6);
                                uint64_t draw = h.rng;
                                cp_batch_t *x = t_hist_batch(src, from, n, draw, h.now_ms);
                                cp_batch_t *y = t_hist_batch(src, from, n, draw, h.now_ms);

                                assert_int_equal(cp_transform_batch(tf, x), CP_OK);
                                assert_int_equal(cp_transform_batch(ref, y), CP_OK);
                                t_fates(x, a, sizeof(a));
                                t_fates(y, b, sizeof(b));
                                assert_string_equal(a, b);
                                t_note_removals(&h, x);
                                cp_batch_destroy(x);
                                cp_batch_destroy(y);
                        } else if (op < 8) {  /* a day or a few pass: the sweep */
                                cp_batch_t *x[NSRC], *y[NSRC];

                                as_of += (int32_t)t_rand(&h, 40);
                                assert_int_equal(cp_transform_sweep(tf, as_of, h.now_ms, x), CP_OK);
                                assert_int_equal(cp_transform_sweep(ref, as_of, h.now_ms, y),
                                                 CP_OK);
                                for (int s = 0; s < NSRC; s++) {
                                        assert_int_equal(x[s] ? x[s]->bat_n : 0,
                                                         y[s] ? y[s]->bat_n : 0);
                                        if (x[s])
                                                t_note_removals(&h, x[s]);
                                        cp_batch_destroy(x[s]);
                                        cp_batch_destroy(y[s]);
                                }
                        } else {  /* a restart from the snapshot */
                                snprintf(name, sizeof(name), "hist-%d.snap", (int)seed);
                                tf = reload(tf, name);
                        }
                        for (int s = 0; s < NSRC; s++) {
                                cp_source_stats_t x = stats(tf, s), y = stats(ref, s);

                                assert_sound(&x, s == SRC_CENTRAL);
                                assert_memory_equal(&x.st_class, &y.st_class, sizeof(x.st_class));
                                assert_int_equal(x.st_shared, y.st_shared);
                                assert_int_equal(unmatched(&x), unmatched(&y));
                                assert_int_equal(x.st_late_shared, y.st_late_shared);
                                assert_int_equal(x.st_withdrawn_later, y.st_withdrawn_later);
                                assert_int_equal(x.st_window_ended, y.st_window_ended);
                                assert_int_equal(x.st_produced, y.st_produced);
                        }
                }
                for (int s = SRC_A; s <= SRC_B; s++) {
                        cp_source_stats_t x = stats(tf, s);

                        withdrawn += x.st_withdrawn_later;
                        wremovals += x.st_withdrawn_later_removals;
                        ended += x.st_window_ended;
                        swept += x.st_removals_swept;
                        late += x.st_late_shared;
                }
                cp_transform_destroy(tf);
                cp_transform_destroy(ref);
        }
        /* The histories did what they are for. */
        print_message("withdrawn later %" PRIu64 " (%" PRIu64 " removals), window ended %"
                      PRIu64 " (%" PRIu64 " removals), late shared %" PRIu64 "\n",
                      withdrawn, wremovals, ended, swept, late);
        assert_true(wremovals > 0 && withdrawn > wremovals);
        assert_true(swept > 0 && ended > swept);
        assert_true(late > 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pending_table),
                cmocka_unit_test(test_sweep_table),
                cmocka_unit_test(test_remap),
                cmocka_unit_test(test_late_central),
                cmocka_unit_test(test_once_unchanged),
                cmocka_unit_test(test_sweep),
                cmocka_unit_test(test_sweep_after_late),
                cmocka_unit_test(test_sweep_without_central),
                cmocka_unit_test(test_withdraw_later),
                cmocka_unit_test(test_withdraw_needs_status),
                cmocka_unit_test(test_withdraw_and_sweep),
                cmocka_unit_test(test_random_history),
        };

        return cmocka_run_group_tests(tests, t_tmpdir_setup, t_tmpdir_teardown);
}
