/* The sharing report as a SharingReport message and back (core/report_pb.h):
 * every figure survives packing, maps and pairs are as documented, and a
 * report of another writer's lag buckets or a broken message is handled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/err.h"
#include "core/report.h"
#include "core/report_doc.h"
#include "core/report_pb.h"

static cp_source_conf_t srcs[3] = {
        {.src_id = "mem", .src_role = CP_ROLE_SECTORAL, .src_category = 3},
        {.src_id = "bj", .src_role = CP_ROLE_MUNICIPAL, .src_category = 5},
        {.src_id = "cen", .src_role = CP_ROLE_CENTRAL, .src_category = 3},
};
static cp_conf_t conf = {.conf_sources = srcs, .conf_nsources = 3};

/* Every count a different value, so a field read into the wrong place
 * shows. */
static void fill(cp_report_t *rep)
{
        uint64_t v = 1;

        assert_int_equal(cp_report_alloc(rep, 3), CP_OK);
        for (size_t i = 0; i < 3; i++) {
                cp_source_stats_t *st = &rep->rep_src[i];

                st->st_read = v++;
                st->st_rejects = v++;
                st->st_duplicates = v++;
                st->st_produced = v++;
                st->st_removals = v++;
                cp_report_count_reject(st, "uscc_bad_length");
                cp_report_count_reject(st, "uscc_bad_length");
                cp_report_count_reject(st, i ? "csv_short_row" : "ric_bad_date");
                st->st_unique_keys = v++;
                for (int k = 0; k < CP_KC__COUNT; k++)
                        st->st_class[k] = v++;
                st->st_shared = v++;
                st->st_shared_fuzzy = v++;
                for (int k = 0; k < CP_NM__COUNT; k++)
                        st->st_unmatched[k] = v++;
                st->st_central_unreported = v++;
                st->st_discrepant = v++;
                for (int k = 0; k < CP_CMP__COUNT; k++) {
                        st->st_compared[k] = v++;
                        st->st_differs[k] = v++;
                }
                for (int k = 0; k < CP_LAG_BUCKETS; k++)
                        st->st_lag_bucket[k] = v++;
                st->st_lag_count = v++;
                st->st_lag_sum_days = -(int64_t)v++;
                st->st_lag_unknown = v++;
                st->st_required[CP_F_SUBJECT_NAME] = 1;
                st->st_required[CP_F_DECISION_DATE + i] = 1;
                st->st_required[CP_REQ_SUBJECT_ID] = 1;
                st->st_present[CP_F_SUBJECT_NAME] = v++;
                st->st_present[CP_F_DECISION_DATE + i] = v++;
                st->st_present[CP_REQ_SUBJECT_ID] = 0;  /* required, none present */
                st->st_completeness_keys = v++;
                st->st_id_present = v++;
                st->st_id_valid = v++;
                st->st_id_flagged = v++;
                st->st_id_invalid = v++;
                st->st_subjects = v++;
                for (int k = 0; k < CP_SEEN_BUCKETS; k++)
                        st->st_seen_bucket[k] = v++;
                st->st_seen_count = v++;
                st->st_seen_sum_ms = (int64_t)v++ * 1001;
                st->st_late_shared = v++;
                st->st_window_ended = v++;
                st->st_removals_swept = v++;
                st->st_withdrawn_later = v++;
                st->st_withdrawn_later_removals = v++;
        }
        for (size_t i = 0; i < 3; i++)
                for (size_t j = 0; j < 3; j++) {
                        rep->rep_overlap[i * 3 + j] = i == j ? rep->rep_src[i].st_unique_keys
                                                             : 1000 + i * 3 + j;
                        rep->rep_subjects_missing[i * 3 + j] =
                                i != j && srcs[i].src_category == srcs[j].src_category
                                        ? 2000 + i * 3 + j : 0;
                }
        rep->rep_central_keys = 4242;
        rep->rep_as_of = 20500;
        rep->rep_generated_ms = 1790000000000;
}

/* Packs and unpacks, as a reader of the topic would. */
static Credpipe__V1__SharingReport *over_the_wire(const cp_report_t *rep)
{
        cp_report_pb_t pb;
        uint8_t *buf;
        size_t len;
        Credpipe__V1__SharingReport *msg;

        assert_int_equal(cp_report_to_pb(&pb, rep, &conf), CP_OK);
        len = protobuf_c_message_get_packed_size(&pb.rp_msg.base);
        buf = malloc(len);
        assert_int_equal(protobuf_c_message_pack(&pb.rp_msg.base, buf), len);
        cp_report_pb_free(&pb);
        msg = credpipe__v1__sharing_report__unpack(NULL, len, buf);
        free(buf);
        assert_non_null(msg);
        return msg;
}

static void test_message_fields(void **state)
{
        cp_report_t rep;
        Credpipe__V1__SharingReport *m;
        const Credpipe__V1__SourceShare *ss;

        (void)state;
        fill(&rep);
        m = over_the_wire(&rep);
        assert_int_equal(m->n_sources, 3);
        assert_int_equal(m->central_keys, 4242);
        assert_int_equal(m->as_of, 20500);
        assert_int_equal(m->total_read, rep.rep_src[0].st_read + rep.rep_src[1].st_read +
                                                rep.rep_src[2].st_read);
        ss = m->sources[2];
        assert_string_equal(ss->source_id, "cen");
        assert_int_equal(ss->source_kind, CREDPIPE__V1__SOURCE_KIND__CENTRAL);
        assert_int_equal(ss->category, CREDPIPE__V1__CATEGORY__ADMIN_PENALTY);
        /* maps: every class, reason and compared field, zeros included;
         * completeness for required fields only */
        assert_int_equal(ss->n_key_classes, CP_KC__COUNT);
        assert_int_equal(ss->n_unmatched, CP_NM__COUNT);
        assert_int_equal(ss->n_fields_compared, CP_CMP__COUNT);
        assert_int_equal(ss->n_fields_differing, CP_CMP__COUNT);
        assert_int_equal(ss->n_fields_present, 3);
        assert_int_equal(ss->n_rejects_by_reason, 2);
        assert_string_equal(ss->rejects_by_reason[0]->key, "uscc_bad_length");
        assert_int_equal(ss->rejects_by_reason[0]->value, 2);
        assert_string_equal(ss->key_classes[CP_KC_EXPIRED]->key, "expired");
        assert_int_equal(ss->key_classes[CP_KC_EXPIRED]->value,
                         rep.rep_src[2].st_class[CP_KC_EXPIRED]);
        assert_int_equal(ss->n_lag_buckets, CP_LAG_BUCKETS);
        assert_int_equal(ss->n_lag_bucket_days, CP_LAG_BUCKETS - 1);
        assert_int_equal(ss->lag_bucket_days[0], 7);
        assert_int_equal(ss->lag_bucket_days[CP_LAG_BUCKETS - 2], 365);
        /* rates travel as well, derived from the counts */
        assert_true(ss->sharing_rate == cp_report_rate(&rep.rep_src[2]));
        assert_true(ss->sharing_rate_with_fuzzy == cp_report_rate_fuzzy(&rep.rep_src[2]));
        /* pairs: i != j only; subjects_missing 0 across categories */
        assert_int_equal(m->n_pairs, 6);
        for (size_t p = 0; p < m->n_pairs; p++) {
                assert_string_not_equal(m->pairs[p]->source_id, m->pairs[p]->other_id);
                if (!strcmp(m->pairs[p]->source_id, "bj") || !strcmp(m->pairs[p]->other_id, "bj"))
                        assert_int_equal(m->pairs[p]->subjects_missing, 0);
                else
                        assert_true(m->pairs[p]->subjects_missing >= 2000);
        }
        credpipe__v1__sharing_report__free_unpacked(m, NULL);
        cp_report_free(&rep);
}

static void test_round_trip(void **state)
{
        cp_report_t rep;
        cp_report_doc_t doc;
        Credpipe__V1__SharingReport *m;
        char err[256];

        (void)state;
        fill(&rep);
        m = over_the_wire(&rep);
        assert_int_equal(cp_report_from_pb(m, &doc, err, sizeof(err)), CP_OK);
        credpipe__v1__sharing_report__free_unpacked(m, NULL);
        assert_int_equal(doc.rd_rep.rep_nsrc, 3);
        assert_int_equal(doc.rd_conf->conf_nsources, 3);
        for (size_t i = 0; i < 3; i++) {
                const cp_source_stats_t *a = &rep.rep_src[i], *b = &doc.rd_rep.rep_src[i];

                assert_string_equal(doc.rd_conf->conf_sources[i].src_id, srcs[i].src_id);
                assert_int_equal(doc.rd_conf->conf_sources[i].src_role, srcs[i].src_role);
                assert_int_equal(doc.rd_conf->conf_sources[i].src_category,
                                 srcs[i].src_category);
                /* Reject codes are interned copies: compare them apart,
                 * then the rest of the counts byte for byte. */
                assert_int_equal(a->st_nreject_reasons, b->st_nreject_reasons);
                for (unsigned r = 0; r < a->st_nreject_reasons; r++) {
                        assert_string_equal(a->st_reject_reasons[r].rc_code,
                                            b->st_reject_reasons[r].rc_code);
                        assert_int_equal(a->st_reject_reasons[r].rc_n,
                                         b->st_reject_reasons[r].rc_n);
                }
                assert_memory_equal((const char *)a + offsetof(cp_source_stats_t, st_unique_keys),
                                    (const char *)b + offsetof(cp_source_stats_t, st_unique_keys),
                                    sizeof(*a) - offsetof(cp_source_stats_t, st_unique_keys));
                assert_int_equal(a->st_read, b->st_read);
                assert_int_equal(a->st_rejects, b->st_rejects);
                assert_int_equal(a->st_duplicates, b->st_duplicates);
                assert_int_equal(a->st_produced, b->st_produced);
                assert_int_equal(a->st_removals, b->st_removals);
        }
        assert_memory_equal(rep.rep_overlap, doc.rd_rep.rep_overlap, 9 * sizeof(uint64_t));
        assert_memory_equal(rep.rep_subjects_missing, doc.rd_rep.rep_subjects_missing,
                            9 * sizeof(uint64_t));
        assert_int_equal(doc.rd_rep.rep_central_keys, 4242);
        assert_int_equal(doc.rd_rep.rep_as_of, 20500);
        assert_int_equal(doc.rd_rep.rep_generated_ms, 1790000000000);
        cp_report_doc_free(&doc);
        cp_report_free(&rep);
}

/* Another writer's bucket bounds: each count lands under a bound that
 * still holds; nothing is lost. */
static void test_other_lag_bounds(void **state)
{
        int32_t bounds[3] = {10, 30, 1000};
        uint64_t counts[4] = {1, 2, 4, 8};
        cp_source_stats_t st = {0};

        (void)state;
        cp_report_doc_set_lag(&st, bounds, 3, counts);
        assert_int_equal(st.st_lag_bucket[1], 1);   /* <= 10 goes to <= 14 */
        assert_int_equal(st.st_lag_bucket[2], 2);   /* <= 30 stays */
        assert_int_equal(st.st_lag_bucket[CP_LAG_BUCKETS - 1], 4 + 8);  /* beyond 365 */
        cp_report_doc_set_lag(&st, (const int32_t *)cp_lag_bounds, CP_LAG_BUCKETS - 1,
                              (const uint64_t[CP_LAG_BUCKETS]){1, 2, 3, 4, 5, 6, 7, 8});
        for (int k = 0; k < CP_LAG_BUCKETS; k++)
                assert_int_equal(st.st_lag_bucket[k], k + 1);
}

static void test_bad_messages(void **state)
{
        Credpipe__V1__SharingReport m = CREDPIPE__V1__SHARING_REPORT__INIT;
        Credpipe__V1__SourceShare s0 = CREDPIPE__V1__SOURCE_SHARE__INIT;
        Credpipe__V1__SourceShare s1 = CREDPIPE__V1__SOURCE_SHARE__INIT;
        Credpipe__V1__SourceShare *sp[2] = {&s0, &s1};
        Credpipe__V1__SourcePair pair = CREDPIPE__V1__SOURCE_PAIR__INIT;
        Credpipe__V1__SourcePair *pp[1] = {&pair};
        uint64_t buckets[2] = {1, 2};
        cp_report_doc_t doc;
        char err[256];

        (void)state;
        s0.source_id = "a";
        s1.source_id = "a";
        m.sources = sp;
        m.n_sources = 2;
        assert_int_equal(cp_report_from_pb(&m, &doc, err, sizeof(err)), CP_ERR_PARSE);
        assert_non_null(strstr(err, "appears twice"));

        s1.source_id = "b";
        pair.source_id = "a";
        pair.other_id = "zz";
        m.pairs = pp;
        m.n_pairs = 1;
        assert_int_equal(cp_report_from_pb(&m, &doc, err, sizeof(err)), CP_ERR_PARSE);
        assert_non_null(strstr(err, "zz"));

        m.n_pairs = 0;
        s1.lag_buckets = buckets;
        s1.n_lag_buckets = 2;  /* and no bounds */
        assert_int_equal(cp_report_from_pb(&m, &doc, err, sizeof(err)), CP_ERR_PARSE);

        s1.n_lag_buckets = 0;
        assert_int_equal(cp_report_from_pb(&m, &doc, err, sizeof(err)), CP_OK);
        assert_string_equal(doc.rd_conf->conf_sources[1].src_id, "b");
        /* the diagonal of the overlap is the source's own keys */
        assert_int_equal(doc.rd_rep.rep_overlap[0], 0);
        cp_report_doc_free(&doc);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_message_fields),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_other_lag_bounds),
                cmocka_unit_test(test_bad_messages),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
