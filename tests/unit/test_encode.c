/* Sink encoding: protobuf + one zstd frame, round trip and frame shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zstd.h>

#include "proto/credpipe.pb-c.h"
#include "sink/encode.h"
#include "sink/pbpack.h"

static void test_record_batch_roundtrip(void **state)
{
        enum { N = 500 };
        Credpipe__V1__CreditRecord recs[N], *ptrs[N];
        Credpipe__V1__Subject subj[N];
        char keys[N][64];
        Credpipe__V1__RecordBatch rb = CREDPIPE__V1__RECORD_BATCH__INIT;
        cp_encoder_t *enc = cp_encoder_new(3);
        void *buf;
        size_t len, raw;
        char err[256];

        (void)state;
        for (int i = 0; i < N; i++) {
                credpipe__v1__credit_record__init(&recs[i]);
                credpipe__v1__subject__init(&subj[i]);
                snprintf(keys[i], sizeof(keys[i]), "ADMIN_PENALTY|A:x|D:罚〔2021〕%d|S:U:y", i);
                recs[i].record_key = keys[i];
                recs[i].category = CREDPIPE__V1__CATEGORY__ADMIN_PENALTY;
                recs[i].decision_date = 18000 + i;
                subj[i].name = "北京某某科技有限公司";
                subj[i].id = "91110108551385082Q";
                subj[i].id_type = CREDPIPE__V1__ID_TYPE__USCC;
                recs[i].subject = &subj[i];
                ptrs[i] = &recs[i];
        }
        rb.schema_version = CP_SCHEMA_VERSION;
        rb.records = ptrs;
        rb.n_records = N;
        rb.first_sequence = 42;
        assert_non_null(enc);
        assert_int_equal(cp_encode_message(enc, &rb.base, &buf, &len, &raw), 0);
        assert_int_equal(raw, protobuf_c_message_get_packed_size(&rb.base));
        assert_true(len < raw / 2);  /* repetitive records compress well */
        /* Exactly one frame, with its content size recorded. */
        assert_int_equal(ZSTD_findFrameCompressedSize(buf, len), len);
        assert_int_equal(ZSTD_getFrameContentSize(buf, len), raw);

        Credpipe__V1__RecordBatch *back = (Credpipe__V1__RecordBatch *)cp_decode_message(
                &credpipe__v1__record_batch__descriptor, buf, len, err, sizeof(err));
        assert_non_null(back);
        assert_int_equal(back->n_records, N);
        assert_int_equal(back->first_sequence, 42);
        for (int i = 0; i < N; i++) {
                assert_string_equal(back->records[i]->record_key, keys[i]);
                assert_int_equal(back->records[i]->decision_date, 18000 + i);
                assert_string_equal(back->records[i]->subject->name, "北京某某科技有限公司");
        }
        protobuf_c_message_free_unpacked(&back->base, NULL);
        free(buf);
        cp_encoder_destroy(enc);
}

/* cp_encode_pack()'s bytes against protobuf_c_message_pack()'s. */
static void assert_packs_alike(cp_encoder_t *enc, const ProtobufCMessage *msg)
{
        size_t want = protobuf_c_message_get_packed_size(msg), len;
        uint8_t *ref = malloc(want ? want : 1);
        const uint8_t *got;

        assert_non_null(ref);
        assert_int_equal(protobuf_c_message_pack(msg, ref), want);
        assert_int_equal(cp_encode_pack(enc, msg, &got, &len), 0);
        assert_int_equal(len, want);
        assert_memory_equal(got, ref, want);
        free(ref);
}

static uint64_t next_rand(uint64_t *x)
{
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

/* Every kind of field a record holds, at the edges of its encoding:
 * absent and empty strings (left out), strings of 127, 128 and 16384
 * bytes (varint lengths of 1, 2 and 3 bytes), negative int32 dates (ten
 * bytes), zero and negative-zero doubles, large uint64 and fixed64. */
static void test_pack_like_protobuf_c(void **state)
{
        enum { N = 300 };
        static char big[3][16400];
        Credpipe__V1__CreditRecord recs[N], *ptrs[N];
        Credpipe__V1__Subject subj[N];
        Credpipe__V1__Amount fine[N];
        Credpipe__V1__Rating rating[N];
        Credpipe__V1__Provenance prov[N];
        Credpipe__V1__Position pos[N];
        Credpipe__V1__Finding finding[3], *findings[3];
        Credpipe__V1__CreditRecord__ExtraEntry extra[2], *extras[2];
        Credpipe__V1__RecordBatch rb = CREDPIPE__V1__RECORD_BATCH__INIT;
        Credpipe__V1__Reject rj[4], *rjp[4];
        Credpipe__V1__RejectBatch rjb = CREDPIPE__V1__REJECT_BATCH__INIT;
        const char *texts[] = {NULL, "", "x", "沪闵应急罚〔2024〕1号", big[0], big[1], big[2]};
        const double doubles[] = {0.0, -0.0, 1.5, -3.25, 1e300};
        cp_encoder_t *enc = cp_encoder_new(3);
        uint64_t x = 88172645463325252ULL;

        (void)state;
        memset(big, 'a', sizeof(big));
        big[0][127] = big[1][128] = big[2][16384] = '\0';
        for (int i = 0; i < 3; i++) {
                credpipe__v1__finding__init(&finding[i]);
                finding[i].code = "weak_key";
                finding[i].severity = (Credpipe__V1__Severity)i;
                finding[i].field = i == 1 ? "" : "document_number";
                findings[i] = &finding[i];
        }
        for (int i = 0; i < 2; i++) {
                credpipe__v1__credit_record__extra_entry__init(&extra[i]);
                extra[i].key = i ? "备注" : "";
                extra[i].value = "值";
                extras[i] = &extra[i];
        }
        for (int i = 0; i < N; i++) {
                Credpipe__V1__CreditRecord *r = &recs[i];
                const char **strs[] = {(const char **)&r->record_key,
                                       (const char **)&r->document_number,
                                       (const char **)&r->case_number,
                                       (const char **)&r->authority,
                                       (const char **)&r->content,
                                       (const char **)&r->status,
                                       (const char **)&subj[i].name,
                                       (const char **)&subj[i].id,
                                       (const char **)&pos[i].file,
                                       (const char **)&prov[i].source_id};

                credpipe__v1__credit_record__init(r);
                credpipe__v1__subject__init(&subj[i]);
                credpipe__v1__amount__init(&fine[i]);
                credpipe__v1__rating__init(&rating[i]);
                credpipe__v1__provenance__init(&prov[i]);
                credpipe__v1__position__init(&pos[i]);
                for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
                        *strs[k] = texts[next_rand(&x) % 7];
                r->category = (Credpipe__V1__Category)(next_rand(&x) % 9);
                r->event = (Credpipe__V1__EventType)(next_rand(&x) % 2);
                r->decision_date = (int32_t)(next_rand(&x) % 5) - 2;
                r->valid_to = i % 2 ? INT32_MIN : INT32_MAX;
                r->valid_to_open_ended = i % 3 == 0;
                r->content_fingerprint = i % 4 ? next_rand(&x) : 0;
                subj[i].kind = (Credpipe__V1__SubjectKind)(i % 6);
                r->subject = i % 5 ? &subj[i] : NULL;
                fine[i].fen = i % 2 ? INT64_MIN : (int64_t)(next_rand(&x) % 100);
                r->fine = i % 3 ? &fine[i] : NULL;
                rating[i].value = doubles[next_rand(&x) % 5];
                rating[i].normalized = doubles[next_rand(&x) % 5];
                rating[i].out_of_scale = i % 2;
                r->rating = i % 4 ? NULL : &rating[i];
                pos[i].line = next_rand(&x);
                pos[i].offset = i;
                pos[i].partition = -i;
                prov[i].position = i % 7 ? &pos[i] : NULL;
                prov[i].ingest_time_ms = -(int64_t)i;
                r->provenance = &prov[i];
                r->findings = findings;
                r->n_findings = i % 4;
                r->extra = extras;
                r->n_extra = i % 3;
                ptrs[i] = r;
        }
        rb.schema_version = CP_SCHEMA_VERSION;
        rb.records = ptrs;
        rb.n_records = N;
        rb.first_sequence = UINT64_MAX;
        rb.partition = -1;
        assert_non_null(enc);
        /* The fast packer handles what the sink sends most. */
        assert_true(cp_pbpack_supported(&credpipe__v1__record_batch__descriptor));
        assert_true(cp_pbpack_supported(&credpipe__v1__reject_batch__descriptor));
        assert_false(cp_pbpack_supported(&credpipe__v1__sharing_report__descriptor));
        assert_packs_alike(enc, &rb.base);
        for (int i = 0; i < N; i++)
                assert_packs_alike(enc, &recs[i].base);

        /* Bytes: empty, with or without data. */
        for (int i = 0; i < 4; i++) {
                credpipe__v1__reject__init(&rj[i]);
                rj[i].reason = "csv_field_count";
                rj[i].raw.data = i == 0 ? NULL : (uint8_t *)"a,b";
                rj[i].raw.len = i < 2 ? 0 : 3;
                rj[i].position = &pos[i];
                rjp[i] = &rj[i];
        }
        rjb.rejects = rjp;
        rjb.n_rejects = 4;
        assert_packs_alike(enc, &rjb.base);

        /* An empty message, and one cp_pbpack() leaves to protobuf-c
         * (the report's repeated numbers are packed fields). */
        Credpipe__V1__RecordBatch empty = CREDPIPE__V1__RECORD_BATCH__INIT;
        Credpipe__V1__SharingReport rep = CREDPIPE__V1__SHARING_REPORT__INIT;
        assert_packs_alike(enc, &empty.base);
        rep.schema_version = 1;
        assert_packs_alike(enc, &rep.base);
        cp_encoder_destroy(enc);
}

static void test_decode_rejects_garbage(void **state)
{
        char err[256];
        static const char junk[] = "not a zstd frame at all";

        (void)state;
        assert_null(cp_decode_message(&credpipe__v1__record_batch__descriptor, junk,
                                      sizeof(junk), err, sizeof(err)));
        assert_non_null(strstr(err, "zstd"));
}

static void test_content_type(void **state)
{
        char ct[128];

        (void)state;
        cp_content_type(&credpipe__v1__reject_batch__descriptor, ct, sizeof(ct));
        assert_string_equal(ct, "application/x-protobuf; messageType=credpipe.v1.RejectBatch");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_record_batch_roundtrip),
                cmocka_unit_test(test_pack_like_protobuf_c),
                cmocka_unit_test(test_decode_rejects_garbage),
                cmocka_unit_test(test_content_type),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
