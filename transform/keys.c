#include "keys.h"

#include <string.h>

#include "normalize.h"
#include "proto/credpipe.pb-c.h"

/* Appends n bytes, as many as fit: a value that does not fit truncates
 * the key, which only makes it longer-than-real, never ambiguous (the tag
 * prefixes). The same bytes snprintf gave, without its format parsing:
 * keys are built for every record. */
static void cp_key_append(cp_key_t *key, const char *s, size_t n)
{
        size_t room = sizeof(key->key_text) - 1 - key->key_len;

        if (n > room)
                n = room;
        memcpy(key->key_text + key->key_len, s, n);
        key->key_len += n;
        key->key_text[key->key_len] = '\0';
}

/* Appends "|tag:value" (tags are one letter). */
static void cp_key_part_n(cp_key_t *key, const char *tag, const char *value, size_t n)
{
        char head[3] = {'|', tag[0], ':'};

        cp_key_append(key, head, sizeof(head));
        cp_key_append(key, value, n);
}

static void cp_key_part(cp_key_t *key, const char *tag, const char *value)
{
        cp_key_part_n(key, tag, value, strlen(value));
}

static const char *cp_field_or_null(const cp_record_t *rec, cp_field_t f)
{
        const char *v = rec->rec_field[f];
        return cp_norm_is_null(v) ? NULL : v;
}

static int cp_key_missing(cp_key_t *key, cp_field_t f)
{
        key->key_missing = cp_field_name(f);
        key->key_missing_field = (int)f;
        return -1;
}

/* A date part: the normalised ISO form, so 2021/3/5 and 2021年3月5日 meet.
 * @returns -1 with key->key_invalid set when the date is not a date. */
static int cp_key_date(cp_key_t *key, const char *tag, const char *raw,
                       cp_field_t f, const cp_date_opts_t *dates)
{
        char iso[11];
        int32_t days;

        if (cp_norm_date_ex(raw, dates, &days) != CP_DATE_OK) {
                key->key_invalid = true;
                return cp_key_missing(key, f);
        }
        cp_norm_date_format(days, iso);
        cp_key_part(key, tag, iso);
        return 0;
}

/* A four-digit year from 1900 to 2199, alone. */
static bool cp_is_year(const char *s)
{
        return strlen(s) == 4 && (s[0] == '1' || s[0] == '2') &&
               strspn(s, "0123456789") == 4 && (s[0] == '2' || s[1] == '9');
}

static void cp_key_folded(cp_key_t *key, const char *tag, const char *raw,
                          size_t (*norm)(const char *, char *, size_t))
{
        char buf[256];

        cp_key_part_n(key, tag, buf, norm(raw ? raw : "", buf, sizeof(buf)));
}

/* A number part (document or case number), kept normalised in the key
 * for the fuzzy match (measure.c), which would normalise it again. */
static void cp_key_number(cp_key_t *key, const char *tag, const char *raw,
                          cp_field_t f, size_t (*norm)(const char *, char *, size_t))
{
        _Static_assert(sizeof(key->key_num) == 256, "as cp_key_folded's buffer");
        key->key_num_len = norm(raw, key->key_num, sizeof(key->key_num));
        key->key_num_field = (int)f;
        cp_key_part_n(key, tag, key->key_num, key->key_num_len);
}

int cp_key_build(int category, const cp_record_t *rec, const char *authority_key,
                 const cp_subject_key_t *subject, const cp_date_opts_t *dates,
                 cp_key_t *key)
{
        const char *doc = cp_field_or_null(rec, CP_F_DOCUMENT_NUMBER);
        const char *date;

        key->key_len = 0;
        key->key_weak = false;
        key->key_missing = NULL;
        key->key_missing_field = -1;
        key->key_invalid = false;
        key->key_text[0] = '\0';
        key->key_num_field = -1;
        key->key_num_len = 0;
        {
                const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
                        &credpipe__v1__category__descriptor, category);
                const char *name = ev ? ev->name : "UNKNOWN";

                cp_key_append(key, name, strlen(name));
        }

        switch (category) {
        case CREDPIPE__V1__CATEGORY__ADMIN_PENALTY:
        case CREDPIPE__V1__CATEGORY__ADMIN_PERMIT:
                cp_key_part(key, "A", authority_key);
                if (doc) {
                        cp_key_number(key, "D", doc, CP_F_DOCUMENT_NUMBER, cp_norm_docno);
                        cp_key_part_n(key, "S", subject->sk_text, subject->sk_len);
                        return 0;
                }
                /* Weak fallback (§4.3.5, §4.4.2): no document number, as
                 * for on-the-spot penalties. */
                date = cp_field_or_null(rec, CP_F_DECISION_DATE);
                if (!date)
                        return cp_key_missing(key, CP_F_DOCUMENT_NUMBER);
                key->key_weak = true;
                if (category == CREDPIPE__V1__CATEGORY__ADMIN_PERMIT) {
                        const char *no = cp_field_or_null(rec, CP_F_PERMIT_NUMBER);
                        if (!no)
                                return cp_key_missing(key, CP_F_DOCUMENT_NUMBER);
                        cp_key_folded(key, "P", no, cp_norm_fold);
                }
                cp_key_part_n(key, "S", subject->sk_text, subject->sk_len);
                if (cp_key_date(key, "T", date, CP_F_DECISION_DATE, dates))
                        return -1;
                if (category == CREDPIPE__V1__CATEGORY__ADMIN_PENALTY) {
                        cp_key_folded(key, "X", cp_field_or_null(rec, CP_F_ACT_TYPE),
                                      cp_norm_name);
                        cp_key_folded(key, "F", cp_field_or_null(rec, CP_F_FINE_AMOUNT),
                                      cp_norm_fold);
                }
                return 0;

        case CREDPIPE__V1__CATEGORY__JUDGMENT_DEFAULTER: {
                const char *cs = cp_field_or_null(rec, CP_F_CASE_NUMBER);
                if (cs) {
                        cp_key_number(key, "C", cs, CP_F_CASE_NUMBER, cp_norm_caseno);
                        cp_key_part_n(key, "S", subject->sk_text, subject->sk_len);
                        return 0;
                }
                /* Weak fallback (§4.9): the number of the judgment being
                 * enforced, as re-publishers without the case number have. */
                if (!doc)
                        return cp_key_missing(key, CP_F_CASE_NUMBER);
                key->key_weak = true;
                cp_key_folded(key, "G", doc, cp_norm_caseno);
                cp_key_part_n(key, "S", subject->sk_text, subject->sk_len);
                return 0;
        }

        case CREDPIPE__V1__CATEGORY__ABNORMAL_OPERATION:
                date = cp_field_or_null(rec, CP_F_LIST_DATE);
                if (!date)
                        return cp_key_missing(key, CP_F_LIST_DATE);
                cp_key_part_n(key, "S", subject->sk_text, subject->sk_len);
                if (cp_key_date(key, "T", date, CP_F_LIST_DATE, dates))
                        return -1;
                cp_key_folded(key, "R", cp_field_or_null(rec, CP_F_REASON),
                              cp_norm_fold);
                return 0;

        case CREDPIPE__V1__CATEGORY__BLACKLIST:
        case CREDPIPE__V1__CATEGORY__REDLIST:
        case CREDPIPE__V1__CATEGORY__RATING: {
                cp_field_t df = CP_F_LIST_DATE;
                date = cp_field_or_null(rec, CP_F_LIST_DATE);
                if (!date) {
                        df = CP_F_DECISION_DATE;
                        date = cp_field_or_null(rec, CP_F_DECISION_DATE);
                }
                if (!date)
                        return cp_key_missing(key, CP_F_LIST_DATE);
                cp_key_part_n(key, "S", subject->sk_text, subject->sk_len);
                cp_key_folded(key, "L", cp_field_or_null(rec, CP_F_LIST_NAME),
                              cp_norm_name);
                /* Red lists such as A-level taxpayers are per evaluation
                 * year (§4.8): a bare year is their date. */
                if (category == CREDPIPE__V1__CATEGORY__REDLIST && cp_is_year(date)) {
                        cp_key_part(key, "Y", date);
                } else if (cp_key_date(key, "T", date, df, dates)) {
                        return -1;
                }
                /* SAMR's serious-dishonesty list: the listing decision
                 * number separates two listings on one day (§4.6). */
                if (doc && category == CREDPIPE__V1__CATEGORY__BLACKLIST)
                        cp_key_number(key, "D", doc, CP_F_DOCUMENT_NUMBER, cp_norm_docno);
                return 0;
        }

        default: /* BASIC_INFO: the subject is the entry */
                cp_key_part_n(key, "S", subject->sk_text, subject->sk_len);
                return 0;
        }
}
