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
                cmocka_unit_test(test_decode_rejects_garbage),
                cmocka_unit_test(test_content_type),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
