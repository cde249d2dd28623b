/* Transform: subject resolution, natural keys, dedupe across sources, the
 * join with central sources, and the accounting invariant
 * read = produced + duplicates + rejects. Records are built by hand, as
 * ingest would build them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/pii.h"
#include "transform/ids.h"
#include "transform/pseudonym.h"
#include "transform/transform.h"

enum { SRC_A, SRC_B, SRC_CENTRAL, SRC_DEFAULTERS, NSRC };

static cp_source_conf_t sources[NSRC] = {
        [SRC_A] = {.src_id = "a", .src_role = CP_ROLE_SECTORAL, .src_category = 3},
        [SRC_B] = {.src_id = "b", .src_role = CP_ROLE_MUNICIPAL, .src_category = 3},
        [SRC_CENTRAL] = {.src_id = "c", .src_role = CP_ROLE_CENTRAL, .src_category = 3},
        [SRC_DEFAULTERS] = {.src_id = "d", .src_role = CP_ROLE_SECTORAL, .src_category = 7},
};
/* Observed in mid-2021, when the 2021 penalties below are all public. */
static cp_conf_t conf = {.conf_sources = sources, .conf_nsources = NSRC,
                         .conf_as_of = "2021-06-01"};

/* A penalty record: name, USCC, authority USCC, document number, date. */
static cp_record_t *penalty(cp_batch_t *bat, const char *name, const char *uscc,
                            const char *docno, const char *date)
{
        cp_record_t *rec = cp_batch_add(bat);

        assert_non_null(rec);
        rec->rec_field[CP_F_SUBJECT_NAME] = name;
        rec->rec_field[CP_F_SUBJECT_USCC] = uscc;
        rec->rec_field[CP_F_AUTHORITY] = "北京市朝阳区市场监督管理局";
        rec->rec_field[CP_F_AUTHORITY_USCC] = "11110105MB0000000X";
        rec->rec_field[CP_F_DOCUMENT_NUMBER] = docno;
        rec->rec_field[CP_F_DECISION_DATE] = date;
        rec->rec_file = "test.csv";
        rec->rec_line = bat->bat_n;  /* 1-based: the add counted it */
        return rec;
}

static void test_keys_dedupe_and_sharing(void **state)
{
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *a = cp_batch_new(SRC_A, 16), *b = cp_batch_new(SRC_B, 16),
                   *c = cp_batch_new(SRC_CENTRAL, 16);
        cp_report_t rep;
        cp_source_stats_t *rows;

        (void)state;
        assert_non_null(tf);
        assert_int_equal(cp_report_alloc(&rep, NSRC), 0);
        rows = rep.rep_src;
        /* Source a: four entries, one repeated, one spelled differently. */
        penalty(a, "甲公司", "914403001922038216", "京朝市监罚〔2021〕1号", "2021-03-05");
        penalty(a, "甲公司", "914403001922038216", "京朝市监罚〔2021〕1号", "2021-03-05");
        penalty(a, "乙公司", "91110108551385082q", "京朝市监罚（2021）2号", "2021/3/6");
        penalty(a, "丙公司", "91330106673959654P", "京朝市监罚〔2021〕3号", "2021年3月7日");
        /* A pilot-era code fails its check: kept, flagged. */
        penalty(a, "丁公司", "91350211M0000XUF46", "京朝市监罚〔2021〕4号", "2021-03-08");
        /* Rejects: malformed USCC; no subject; no document and no date. */
        penalty(a, "戊公司", "9144030019220382", "京朝市监罚〔2021〕5号", "2021-03-09");
        penalty(a, NULL, NULL, "京朝市监罚〔2021〕6号", "2021-03-09");
        penalty(a, "己公司", "91310000132260250X", NULL, NULL);
        /* Source b: the same entry as a's second, other spelling. */
        penalty(b, " 乙公司 ", "'91110108551385082Q", "京朝市监罚(2021)0002", "20210306");
        penalty(b, "庚公司", "9135020026015919XW", "京朝市监罚〔2021〕7号", "2021-03-10");
        /* Central has a's first and b's second entries, and one of its own. */
        penalty(c, "甲公司", "914403001922038216", "京朝市监罚[2021]1号", "2021-03-05");
        penalty(c, "庚公司", "9135020026015919XW", "京朝市监罚〔2021〕7号", "2021-03-10");
        penalty(c, "辛公司", "12100000425006133D", "京朝市监罚〔2021〕8号", "2021-03-11");

        /* Central first, as `run` reads it (transform/measure.h). */
        assert_int_equal(cp_transform_batch(tf, c), 0);
        assert_int_equal(cp_transform_batch(tf, a), 0);
        assert_int_equal(cp_transform_batch(tf, b), 0);

        assert_int_equal(c->bat_rec[0].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(a->bat_rec[0].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(a->bat_rec[1].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(a->bat_rec[4].rec_status, CP_REC_ACCEPTED);
        assert_string_equal(a->bat_rec[4].rec_pb->findings[0]->code, "uscc_check_failed");
        assert_string_equal(a->bat_rec[5].rec_reject_code, "uscc_bad_length");
        assert_int_equal(a->bat_rec[5].rec_reject_field, CP_F_SUBJECT_USCC);
        assert_string_equal(a->bat_rec[6].rec_reject_code, "subject_missing");
        assert_string_equal(a->bat_rec[7].rec_reject_code, "key_fields_missing");
        assert_int_equal(b->bat_rec[0].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(b->bat_rec[1].rec_status, CP_REC_DUPLICATE);
        /* The canonical record: normalised id, key, date, provenance. */
        const Credpipe__V1__CreditRecord *pb = a->bat_rec[2].rec_pb;
        assert_string_equal(pb->subject->id, "91110108551385082Q");
        assert_int_equal(pb->subject->id_type, CREDPIPE__V1__ID_TYPE__USCC);
        assert_int_equal(pb->subject->kind, CREDPIPE__V1__SUBJECT_KIND__ENTERPRISE);
        assert_string_equal(pb->record_key,
                            "ADMIN_PENALTY|A:11110105MB0000000X|D:京朝市监罚〔2021〕2|S:U:91110108551385082Q");
        assert_int_equal(pb->decision_date, 18692);  /* 2021-03-06 */
        assert_string_equal(pb->provenance->source_id, "a");
        assert_int_equal(pb->provenance->position->line, 3);
        /* One subject, one partition hash, whatever the source. */
        assert_true(a->bat_rec[2].rec_subject_hash != 0);

        cp_transform_report(tf, &rep);
        /* a: 8 read, 3 rejects, 2 duplicates (one of central's), 3
         * produced; keys 1,2,3,4, all active, of which only 1 is central;
         * 4's pilot code explains why it is not. */
        assert_int_equal(rows[SRC_A].st_read, 8);
        assert_int_equal(rows[SRC_A].st_rejects, 3);
        assert_int_equal(rows[SRC_A].st_duplicates, 2);
        assert_int_equal(rows[SRC_A].st_produced, 3);
        assert_int_equal(rows[SRC_A].st_unique_keys, 4);
        assert_int_equal(rows[SRC_A].st_class[CP_KC_ACTIVE], 4);
        assert_int_equal(rows[SRC_A].st_shared, 1);
        assert_int_equal(rows[SRC_A].st_unmatched[CP_NM_ID_SUSPECT], 1);
        assert_int_equal(rows[SRC_A].st_unmatched[CP_NM_NONE], 2);
        /* Identifiers: 7 present (the nameless row has none), 1 flagged,
         * 1 invalid. */
        assert_int_equal(rows[SRC_A].st_id_present, 7);
        assert_int_equal(rows[SRC_A].st_id_valid, 5);
        assert_int_equal(rows[SRC_A].st_id_flagged, 1);
        assert_int_equal(rows[SRC_A].st_id_invalid, 1);
        assert_int_equal(rows[SRC_B].st_unique_keys, 2);
        assert_int_equal(rows[SRC_B].st_shared, 1);
        assert_int_equal(rows[SRC_B].st_produced + rows[SRC_B].st_duplicates, 2);
        assert_int_equal(rows[SRC_CENTRAL].st_unique_keys, 3);
        assert_int_equal(rows[SRC_CENTRAL].st_shared, 0);
        assert_int_equal(rows[SRC_CENTRAL].st_central_unreported, 1);
        assert_int_equal(rep.rep_central_keys, 3);
        assert_int_equal(rep.rep_overlap[SRC_A * NSRC + SRC_B], 1);
        assert_int_equal(rep.rep_overlap[SRC_B * NSRC + SRC_CENTRAL], 1);
        assert_int_equal(rep.rep_overlap[SRC_A * NSRC + SRC_A], 4);
        /* Subjects: a lists 甲乙丙丁, b 乙庚: b lacks 3 of a's. */
        assert_int_equal(rows[SRC_A].st_subjects, 4);
        assert_int_equal(rep.rep_subjects_missing[SRC_A * NSRC + SRC_B], 3);
        assert_int_equal(rep.rep_subjects_missing[SRC_A * NSRC + SRC_DEFAULTERS], 0);
        assert_true(cp_report_rate(&rows[SRC_A]) == 0.25);
        assert_int_equal(rows[SRC_A].st_reject_reasons[0].rc_n, 1);
        for (int i = 0; i < NSRC; i++)
                assert_int_equal(rows[i].st_read, rows[i].st_produced +
                                 rows[i].st_duplicates + rows[i].st_rejects);
        cp_batch_destroy(a);
        cp_batch_destroy(b);
        cp_batch_destroy(c);
        cp_transform_destroy(tf);
        cp_report_free(&rep);
}

static void test_defaulters_masked_and_categories(void **state)
{
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *d = cp_batch_new(SRC_DEFAULTERS, 16);
        cp_record_t *r;
        cp_report_t rep;
        cp_source_stats_t *rows;

        (void)state;
        assert_int_equal(cp_report_alloc(&rep, NSRC), 0);
        rows = rep.rep_src;
        static const struct { const char *name, *id, *cs; } in[] = {
                {"张三", "3423011964****3224", "(2019)皖1122执1194号"},
                {"张三", "3423011964****3224", "（2019）皖1122执1194号"},  /* duplicate */
                {"李四", "3423011964****3224", "(2019)皖1122执1194号"},   /* same mask, other name */
                {"王五", "110101199002301236", "(2019)皖1122执1195号"},   /* bad date: reject */
                {"某公司", "91310000132260250X", "(2019)皖1122执1196号"}, /* org in cardNum */
                {"赵六", "3423011964****3224", NULL},                      /* no case number */
        };
        for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
                r = cp_batch_add(d);
                r->rec_field[CP_F_SUBJECT_NAME] = in[i].name;
                r->rec_field[CP_F_SUBJECT_PERSON_ID] = in[i].id;
                r->rec_field[CP_F_CASE_NUMBER] = in[i].cs;
        }
        assert_int_equal(cp_transform_batch(tf, d), 0);
        assert_int_equal(d->bat_rec[0].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(d->bat_rec[0].rec_pb->subject->id_type,
                         CREDPIPE__V1__ID_TYPE__RESIDENT_ID_MASKED);
        assert_int_equal(d->bat_rec[1].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(d->bat_rec[2].rec_status, CP_REC_ACCEPTED);
        assert_string_equal(d->bat_rec[3].rec_reject_code, "ric_bad_date");
        /* The message for a data steward never shows the full ID. */
        assert_null(strstr(d->bat_rec[3].rec_reject_msg, "110101199002301236"));
        assert_int_equal(d->bat_rec[4].rec_pb->subject->id_type, CREDPIPE__V1__ID_TYPE__USCC);
        assert_string_equal(d->bat_rec[5].rec_reject_code, "key_fields_missing");
        assert_int_equal(d->bat_rec[5].rec_reject_field, CP_F_CASE_NUMBER);
        cp_transform_report(tf, &rep);
        assert_int_equal(rows[SRC_DEFAULTERS].st_unique_keys, 3);
        assert_int_equal(rows[SRC_DEFAULTERS].st_shared, 0);
        /* Both named people share one mask: the mask is no identity. */
        assert_int_equal(rows[SRC_DEFAULTERS].st_unmatched[CP_NM_MASKED_ONLY], 2);
        cp_batch_destroy(d);
        cp_transform_destroy(tf);
        cp_report_free(&rep);
}

/* ---- pseudonymisation ------------------------------------------------ */

static unsigned char ps_key[] = "0123456789abcdef0123456789abcdef";
static cp_conf_t conf_ps = {.conf_sources = sources, .conf_nsources = NSRC,
                            .conf_pseudonym_key = ps_key,
                            .conf_pseudonym_key_len = sizeof(ps_key) - 1,
                            .conf_pseudonym_key_file = "test.key"};

/* HMAC-SHA256(ps_key, ID), first 128 bits, computed with Python's hmac. */
#define PN_ZHANG "hmac-sha256:813ffab664a84982a8ae7d963689df17"  /* 110105194912310011 */
#define PN_LI "hmac-sha256:4d5e1267d90100ac11bdc336cfbfebc3"     /* 440304198510123458 */

/* @returns the packed RecordBatch of a batch's accepted records. */
static uint8_t *packed_accepted(cp_batch_t **bats, size_t nb, size_t *len)
{
        Credpipe__V1__RecordBatch rb = CREDPIPE__V1__RECORD_BATCH__INIT;
        Credpipe__V1__CreditRecord *recs[64];
        uint8_t *buf;

        for (size_t b = 0; b < nb; b++)
                for (size_t i = 0; i < bats[b]->bat_n; i++)
                        if (bats[b]->bat_rec[i].rec_status == CP_REC_ACCEPTED) {
                                assert_true(rb.n_records < 64);
                                recs[rb.n_records++] = bats[b]->bat_rec[i].rec_pb;
                        }
        rb.records = recs;
        *len = protobuf_c_message_get_packed_size(&rb.base);
        buf = malloc(*len);
        assert_non_null(buf);
        assert_int_equal(protobuf_c_message_pack(&rb.base, buf), *len);
        return buf;
}

static void test_pseudonymize(void **state)
{
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf_ps, err, sizeof(err));
        cp_batch_t *a = cp_batch_new(SRC_A, 16), *c = cp_batch_new(SRC_CENTRAL, 16),
                   *d = cp_batch_new(SRC_DEFAULTERS, 16);
        cp_batch_t *all[] = {a, c, d};
        cp_report_t rep;
        cp_source_stats_t *rows;
        cp_extra_t extras[] = {  /* transform replaces them: not static */
                {"CF_FR_ZJHM", "440304198510123458"},
                {"备注", "另见11010519491231002x号"},
        };
        const Credpipe__V1__CreditRecord *pb;
        cp_record_t *r;
        uint8_t *bytes;
        size_t len, start, rlen;

        (void)state;
        assert_int_equal(cp_report_alloc(&rep, NSRC), 0);
        rows = rep.rep_src;
        assert_non_null(tf);
        /* A person with a full ID; free text and extras with IDs, one in
         * full-width digits. */
        r = penalty(a, "张三", NULL, "京朝市监罚〔2021〕10号", "2021-03-05");
        r->rec_field[CP_F_SUBJECT_PERSON_ID] = "110105194912310011";
        r->rec_field[CP_F_CONTENT] = "当事人张三（公民身份号码110105194912310011）、李四"
                                     "（４４０３０４１９８５１０１２３４５８）罚款";
        r->rec_extra = extras;
        r->rec_nextra = 2;
        /* The central source: the same entry, the same person as a legacy
         * 15-digit number and another spelling of the document number. */
        r = penalty(c, "张三", NULL, "京朝市监罚(2021)10号", "2021-03-05");
        r->rec_field[CP_F_SUBJECT_PERSON_ID] = "110105491231001";
        /* Another entry of the same person, in full-width digits: the same
         * pseudonym. */
        r = penalty(c, "张三", NULL, "京朝市监罚〔2021〕11号", "2021-03-06");
        r->rec_field[CP_F_SUBJECT_PERSON_ID] = " １１０１０５１９４９１２３１００１１";
        /* Defaulters: a masked ID stays masked, a full one is keyed. */
        r = cp_batch_add(d);
        r->rec_field[CP_F_SUBJECT_NAME] = "王五";
        r->rec_field[CP_F_SUBJECT_PERSON_ID] = "3423011964****3224";
        r->rec_field[CP_F_CASE_NUMBER] = "(2019)皖1122执1194号";
        r = cp_batch_add(d);
        r->rec_field[CP_F_SUBJECT_NAME] = "李四";
        r->rec_field[CP_F_SUBJECT_PERSON_ID] = "440304198510123458";
        r->rec_field[CP_F_CASE_NUMBER] = "(2019)皖1122执1195号";

        assert_int_equal(cp_transform_batch(tf, a), 0);
        assert_int_equal(cp_transform_batch(tf, c), 0);
        assert_int_equal(cp_transform_batch(tf, d), 0);

        pb = a->bat_rec[0].rec_pb;
        assert_non_null(pb);
        assert_string_equal(pb->subject->id, PN_ZHANG);
        assert_int_equal(pb->subject->id_type, CREDPIPE__V1__ID_TYPE__RESIDENT_ID_PSEUDONYM);
        assert_int_equal(pb->subject->kind, CREDPIPE__V1__SUBJECT_KIND__INDIVIDUAL);
        assert_non_null(strstr(pb->record_key, "|S:P:" PN_ZHANG "|张三"));
        assert_string_equal(pb->content, "当事人张三（公民身份号码110105********0011）、李四"
                                         "（４４０３０４********３４５８）罚款");
        assert_string_equal(pb->extra[0]->value, "440304********3458");
        assert_string_equal(pb->extra[1]->value, "另见110105********002x号");
        /* Dedupe and the join work on pseudonyms: the central record is a
         * duplicate of a's, and its second entry keys the same person. */
        assert_int_equal(c->bat_rec[0].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(c->bat_rec[1].rec_status, CP_REC_ACCEPTED);
        assert_string_equal(c->bat_rec[1].rec_pb->subject->id, PN_ZHANG);
        assert_int_equal(c->bat_rec[1].rec_subject_hash, a->bat_rec[0].rec_subject_hash);
        cp_transform_report(tf, &rep);
        assert_int_equal(rows[SRC_A].st_unique_keys, 1);
        assert_int_equal(rep.rep_overlap[SRC_A * NSRC + SRC_CENTRAL], 1);
        /* Masked stays masked; a full ID in the person-ID column is keyed. */
        assert_string_equal(d->bat_rec[0].rec_pb->subject->id, "3423011964****3224");
        assert_int_equal(d->bat_rec[0].rec_pb->subject->id_type,
                         CREDPIPE__V1__ID_TYPE__RESIDENT_ID_MASKED);
        assert_string_equal(d->bat_rec[1].rec_pb->subject->id, PN_LI);

        /* Nothing of a full ID in what is produced: no RIC-shaped run in
         * the packed bytes, and none of the IDs in any form. */
        bytes = packed_accepted(all, 3, &len);
        if (cp_pii_find_ric((const char *)bytes, len, 0, &start, &rlen, NULL))
                fail_msg("a resident ID at byte %zu of the packed batch: %.*s", start,
                         (int)rlen, bytes + start);
        assert_null(memmem(bytes, len, "19491231001", 11));
        assert_null(memmem(bytes, len, "491231001", 9));
        assert_null(memmem(bytes, len, "19491231002", 11));
        assert_null(memmem(bytes, len, "198510123458", 12));
        for (size_t i = 0; i + 18 <= len; i++) {
                cp_id_result_t res;
                size_t k = 0;

                while (k < 18 && ((bytes[i + k] >= '0' && bytes[i + k] <= '9') ||
                                  (k == 17 && (bytes[i + k] | 0x20) == 'x')))
                        k++;
                if (k < 18)
                        continue;
                cp_id_check((const char *)bytes + i, 18, CP_ID_RIC, &res);
                if (res.valid)
                        fail_msg("a valid RIC at byte %zu", i);
        }
        free(bytes);
        cp_batch_destroy(a);
        cp_batch_destroy(c);
        cp_batch_destroy(d);
        cp_transform_destroy(tf);
        cp_report_free(&rep);
}

/* Without pseudonymisation a full ID is output as the source published it. */
static void test_no_pseudonymize(void **state)
{
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *a = cp_batch_new(SRC_A, 4);
        cp_record_t *r = penalty(a, "张三", NULL, "京朝市监罚〔2021〕10号", "2021-03-05");

        (void)state;
        r->rec_field[CP_F_SUBJECT_PERSON_ID] = "11010519491231002X";
        r->rec_field[CP_F_CONTENT] = "公民身份号码11010519491231002X";
        assert_int_equal(cp_transform_batch(tf, a), 0);
        assert_string_equal(a->bat_rec[0].rec_pb->subject->id, "11010519491231002X");
        assert_int_equal(a->bat_rec[0].rec_pb->subject->id_type,
                         CREDPIPE__V1__ID_TYPE__RESIDENT_ID);
        assert_string_equal(a->bat_rec[0].rec_pb->content, "公民身份号码11010519491231002X");
        cp_batch_destroy(a);
        cp_transform_destroy(tf);
}

/* A digit-only USCC that passes its checks yet looks like a person ID is
 * an organisation's code: scrubbing leaves it (and the key) alone. */
static void test_pseudonymize_keeps_uscc_lookalike(void **state)
{
        char err[256], cand[19] = "1101011990030712", found[19] = "";
        cp_transform_t *tf;
        cp_batch_t *a;
        size_t st, ln;

        (void)state;
        /* Search the two check characters, and the body if need be. */
        for (int body = 0; body < 100 && !found[0]; body++) {
                cand[14] = (char)('0' + body / 10);
                cand[15] = (char)('0' + body % 10);
                for (int k = 0; k < 100 && !found[0]; k++) {
                        cp_id_result_t res;

                        cand[16] = (char)('0' + k / 10);
                        cand[17] = (char)('0' + k % 10);
                        cp_id_check(cand, 18, CP_ID_USCC, &res);
                        if (res.valid && cp_pii_find_ric(cand, 18, 0, &st, &ln, NULL))
                                memcpy(found, cand, sizeof(found));
                }
        }
        if (!found[0])
                skip();  /* the validator takes no such code as a USCC */
        tf = cp_transform_new(&conf_ps, err, sizeof(err));
        a = cp_batch_new(SRC_A, 4);
        cp_record_t *r = penalty(a, "某机关", found, "京朝市监罚〔2021〕12号", "2021-03-05");
        r->rec_field[CP_F_CONTENT] = found;
        assert_int_equal(cp_transform_batch(tf, a), 0);
        assert_int_equal(a->bat_rec[0].rec_status, CP_REC_ACCEPTED);
        assert_string_equal(a->bat_rec[0].rec_pb->subject->id, found);
        assert_non_null(strstr(a->bat_rec[0].rec_pb->record_key, found));
        assert_string_equal(a->bat_rec[0].rec_pb->content, found);
        cp_batch_destroy(a);
        cp_transform_destroy(tf);
}

/* Open-ended validity, the unit an amount claimed, Excel serial dates. */
static void test_dates_and_amounts(void **state)
{
        char err[256];
        cp_transform_t *tf;
        cp_batch_t *a = cp_batch_new(SRC_A, 4);
        cp_record_t *r;

        (void)state;
        sources[SRC_A].src_excel_date_system = 1900;
        sources[SRC_A].src_amount_unit = CP_UNIT_WAN_YUAN;
        tf = cp_transform_new(&conf, err, sizeof(err));
        r = penalty(a, "甲公司", "914403001922038216", "京朝市监罚〔2021〕1号", "43832");
        r->rec_field[CP_F_VALID_TO] = "长期";
        r->rec_field[CP_F_FINE_AMOUNT] = "伍仟元";
        r = penalty(a, "乙公司", "91110108551385082Q", "京朝市监罚〔2021〕2号", "2020-01-02");
        r->rec_field[CP_F_VALID_TO] = "2025-01-01";
        r->rec_field[CP_F_FINE_AMOUNT] = "0.5";
        assert_int_equal(cp_transform_batch(tf, a), 0);
        const Credpipe__V1__CreditRecord *p0 = a->bat_rec[0].rec_pb, *p1 = a->bat_rec[1].rec_pb;
        assert_int_equal(p0->decision_date, p1->decision_date);  /* 43832 = 2020-01-02 */
        assert_true(p0->valid_to_open_ended);
        assert_int_equal(p0->valid_to, 0);
        assert_false(p1->valid_to_open_ended);
        assert_int_equal(p0->fine->fen, 500000);
        assert_string_equal(p0->fine->claimed_unit, "yuan");      /* written in the value */
        assert_int_equal(p1->fine->fen, 500000);
        assert_string_equal(p1->fine->claimed_unit, "wan_yuan");  /* the column's unit */
        sources[SRC_A].src_excel_date_system = 0;
        sources[SRC_A].src_amount_unit = CP_UNIT_YUAN;
        cp_batch_destroy(a);
        cp_transform_destroy(tf);
}

/* A record naming only the legacy organisation code joins the USCC that
 * embeds it, once that USCC has been seen. */
static void test_orgcode_resolution(void **state)
{
        char err[256];
        cp_transform_t *tf = cp_transform_new(&conf, err, sizeof(err));
        cp_batch_t *a = cp_batch_new(SRC_A, 4);
        cp_record_t *r;

        (void)state;
        penalty(a, "华为技术有限公司", "914403001922038216", "深南山市监罚〔2021〕9号", "2021-01-05");
        r = penalty(a, "华为技术有限公司", NULL, "深南山市监罚〔2021〕9号", "2021-01-05");
        r->rec_field[CP_F_SUBJECT_ORG_CODE] = "19220382-1";
        r = penalty(a, "某公司", NULL, "深南山市监罚〔2021〕10号", "2021-01-05");
        r->rec_field[CP_F_SUBJECT_ORG_CODE] = "79510131-4";  /* no USCC seen */
        assert_int_equal(cp_transform_batch(tf, a), 0);
        assert_int_equal(a->bat_rec[0].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(a->bat_rec[1].rec_status, CP_REC_DUPLICATE);
        assert_int_equal(a->bat_rec[2].rec_status, CP_REC_ACCEPTED);
        assert_int_equal(a->bat_rec[2].rec_pb->subject->id_type, CREDPIPE__V1__ID_TYPE__ORG_CODE);
        assert_string_equal(a->bat_rec[2].rec_pb->subject->id, "795101314");
        cp_batch_destroy(a);
        cp_transform_destroy(tf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dates_and_amounts),
                cmocka_unit_test(test_orgcode_resolution),
                cmocka_unit_test(test_keys_dedupe_and_sharing),
                cmocka_unit_test(test_defaulters_masked_and_categories),
                cmocka_unit_test(test_pseudonymize),
                cmocka_unit_test(test_no_pseudonymize),
                cmocka_unit_test(test_pseudonymize_keeps_uscc_lookalike),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
