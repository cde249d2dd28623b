#include "transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "core/err.h"
#include "core/kafka_part.h"
#include "core/log.h"
#include "core/pii.h"
#include "dedupe.h"
#include "ids.h"
#include "keys.h"
#include "measure.h"
#include "normalize.h"
#include "orgmap.h"
#include "pseudonym.h"
#include "transform_state.h"

#define CP_MAX_FINDINGS 16


/* What transform learned about one record before it is built. */
typedef struct cp_rec_work_s {
        Credpipe__V1__Finding *findings[CP_MAX_FINDINGS];
        size_t nfindings;
        cp_subject_key_t subject_key;
        char authority_key[128];
        Credpipe__V1__Subject *subject;
        bool pseudonymised;        /* subject->id is a pseudonym */
        bool has_id;               /* the subject has a usable identifier */
        bool id_flagged;           /* … with a WARNING or ERROR finding */
        cp_view_t view;            /* dates, amount, compared fields */
        cp_window_t window;        /* publication window */
        cp_key_class_t cls;        /* class of the record's key */
        /* Normalised once, for the key and for the view (measure.h). */
        const char *name;          /* cp_norm_name(subject_name), NULL: none */
        size_t name_len;
        const char *auth;          /* cp_norm_name(authority), NULL: none */
        size_t auth_len;
        bool auth_done;            /* auth is set */
        uint32_t ids_checked;      /* bit f: field f's identifier was checked … */
        uint32_t ids_usable;       /* … and is usable */
        bool org_pending;          /* org_uscc goes into the org code map */
        char org_uscc[sizeof(((cp_id_result_t *)0)->normalized)];
        char name_buf[CP_VIEW_TEXT_MAX];
        char auth_buf[CP_VIEW_TEXT_MAX];
} cp_rec_work_t;

/* Starts pseudonymisation and logs a key id: the first 8 hex digits of
 * the HMAC of a fixed text, so that operators can see whether two runs
 * share a key (and so pseudonyms) without the key being shown. */
static int cp_transform_pseudonyms(cp_transform_t *tf, char *errstr,
                                   size_t errstr_size)
{
        static const char probe[] = "credpipe pseudonym key id";
        const cp_conf_t *conf = tf->tf_conf;
        unsigned char mac[CP_HMAC_SHA256_LEN];

        tf->tf_ps = cp_pseudonym_new(conf->conf_pseudonym_key,
                                     conf->conf_pseudonym_key_len, errstr,
                                     errstr_size);
        if (!tf->tf_ps)
                return -1;
        if (cp_pseudonym_hmac(tf->tf_ps, probe, sizeof(probe) - 1, mac)) {
                snprintf(errstr, errstr_size, "HMAC-SHA256 failed (libcrypto)");
                return -1;
        }
        cp_log_info("transform", "PSEUDONYMIZE",
                    "msg=\"resident IDs are replaced by keyed pseudonyms\" "
                    "key_file=\"%s\" key_id=%02x%02x%02x%02x",
                    conf->conf_pseudonym_key_file ? conf->conf_pseudonym_key_file : "",
                    mac[0], mac[1], mac[2], mac[3]);
        return 0;
}

cp_transform_t *cp_transform_new(const cp_conf_t *conf, char *errstr,
                                 size_t errstr_size)
{
        cp_transform_t *tf = calloc(1, sizeof(*tf));

        if (!tf || cp_dedupe_init(&tf->tf_dedupe, 1 << 16)) {
                snprintf(errstr, errstr_size, "out of memory for the dedupe table");
                free(tf);
                return NULL;
        }
        tf->tf_conf = conf;
        /* Optional: without it identifiers are checked every time. */
        tf->tf_idcache = calloc(CP_IDCACHE_SLOTS, sizeof(*tf->tf_idcache));
        tf->tf_stats = calloc(conf->conf_nsources, sizeof(*tf->tf_stats));
        if (!tf->tf_stats || cp_measure_init(&tf->tf_measure, conf, errstr, errstr_size)) {
                if (!tf->tf_stats)
                        snprintf(errstr, errstr_size, "out of memory");
                cp_dedupe_free(&tf->tf_dedupe);
                free(tf->tf_idcache);
                free(tf->tf_stats);
                free(tf);
                return NULL;
        }
        /* The fields each source is measured on, even before its first key. */
        for (size_t i = 0; i < conf->conf_nsources; i++)
                memcpy(tf->tf_stats[i].st_required,
                       tf->tf_measure.me_rules.rs_required[conf->conf_sources[i].src_category],
                       sizeof(tf->tf_stats[i].st_required));
        /* The table is process-wide; this runs before any worker thread. */
        if (conf->conf_uscc_categories &&
            cp_id_load_categories(conf->conf_uscc_categories, errstr, errstr_size)) {
                cp_transform_destroy(tf);
                return NULL;
        }
        if (conf->conf_pseudonym_key && cp_transform_pseudonyms(tf, errstr, errstr_size)) {
                cp_transform_destroy(tf);
                return NULL;
        }
        return tf;
}

void cp_transform_destroy(cp_transform_t *tf)
{
        if (!tf)
                return;
        cp_dedupe_free(&tf->tf_dedupe);
        cp_orgmap_free(&tf->tf_orgmap);
        cp_measure_free(&tf->tf_measure);
        cp_sweep_free(&tf->tf_sweep);
        free(tf->tf_codes);
        free(tf->tf_idcache);
        cp_pseudonym_destroy(tf->tf_ps);
        free(tf->tf_stats);
        free(tf);
}

static const char *cp_str(const char *s)
{
        return s ? s : (char *)protobuf_c_empty_string;
}

static void cp_add_finding(cp_batch_t *bat, cp_rec_work_t *w, const char *code,
                           int severity, cp_field_t field)
{
        Credpipe__V1__Finding *f;

        if (w->nfindings == CP_MAX_FINDINGS)
                return;
        f = cp_arena_alloc(&bat->bat_arena, sizeof(*f));
        if (!f)
                return;
        credpipe__v1__finding__init(f);
        f->code = (char *)code;
        f->severity = (Credpipe__V1__Severity)severity;
        f->field = (char *)cp_field_name(field);
        w->findings[w->nfindings++] = f;
}

static void cp_add_id_findings(cp_batch_t *bat, cp_rec_work_t *w,
                               const cp_id_result_t *res, cp_field_t field)
{
        for (int i = 0; i < res->nfindings; i++)
                cp_add_finding(bat, w, res->findings[i].code,
                               res->findings[i].severity, field);
}

static Credpipe__V1__SubjectKind cp_kind_from_uscc(const char *uscc)
{
        switch (uscc[0]) {
        case '9':
                return uscc[1] == '2' ? CREDPIPE__V1__SUBJECT_KIND__INDIVIDUAL_BUSINESS
                                      : CREDPIPE__V1__SUBJECT_KIND__ENTERPRISE;
        case '1':
                return CREDPIPE__V1__SUBJECT_KIND__GOVERNMENT_BODY;
        case '5':
                return CREDPIPE__V1__SUBJECT_KIND__SOCIAL_ORGANISATION;
        }
        return CREDPIPE__V1__SUBJECT_KIND__SUBJECT_KIND_UNSPECIFIED;
}

static Credpipe__V1__IdType cp_pb_id_type(cp_id_type_t t)
{
        switch (t) {
        case CP_ID_USCC: return CREDPIPE__V1__ID_TYPE__USCC;
        case CP_ID_ORG_CODE: return CREDPIPE__V1__ID_TYPE__ORG_CODE;
        case CP_ID_REG_NO: return CREDPIPE__V1__ID_TYPE__REG_NO;
        case CP_ID_RIC: return CREDPIPE__V1__ID_TYPE__RESIDENT_ID;
        case CP_ID_RIC_MASKED: return CREDPIPE__V1__ID_TYPE__RESIDENT_ID_MASKED;
        default: return CREDPIPE__V1__ID_TYPE__ID_TYPE_NONE;
        }
}

/* Whose identifier is checked: cached apart, so that a subject's hit
 * means the subject's identifier was seen before (cp_resolve_subject). */
enum { CP_IDC_SUBJECT = 0, CP_IDC_AUTHORITY = 0x80 };

/* cp_id_check() of a NUL-terminated raw text, through the cache.
 * @returns true when the result came from the cache. */
static bool cp_id_check_cached(cp_transform_t *tf, const char *raw, cp_id_type_t want,
                               int whose, cp_id_result_t *res)
{
        size_t len = strlen(raw);
        uint8_t tag = (uint8_t)((unsigned)want | (unsigned)whose);
        cp_idcache_slot_t *c;
        uint64_t h;

        if (len > CP_IDCACHE_RAW || !tf->tf_idcache) {
                cp_id_check(raw, len, want, res);
                return false;
        }
        h = (XXH3_64bits(raw, len) + tag) | 1;
        c = &tf->tf_idcache[h & (CP_IDCACHE_SLOTS - 1)];
        if (c->ic_hash == h && c->ic_want == tag && c->ic_len == len &&
            !memcmp(c->ic_raw, raw, len)) {
                *res = c->ic_res;
                return true;
        }
        cp_id_check(raw, len, want, res);
        c->ic_hash = h;
        c->ic_want = tag;
        c->ic_len = (uint8_t)len;
        memcpy(c->ic_raw, raw, len);
        c->ic_res = *res;
        return false;
}

/* Rejects a record whose identifier cannot serve as identity. The message
 * masks the value: it may be a resident identity number. */
static void cp_reject_id(cp_batch_t *bat, cp_record_t *rec, cp_field_t f,
                         const cp_id_result_t *res)
{
        char masked[64];

        cp_id_mask(rec->rec_field[f], masked, sizeof(masked));
        cp_record_reject(bat, rec, res->reason ? res->reason : "id_invalid",
                         (int)f, "%s '%s' is not a usable %s (%s); correct it at the source",
                         cp_field_name(f), masked, cp_id_type_name(res->type),
                         res->reason ? res->reason : "invalid");
}

/* Sets the subject key "T:id", or "T:id|name" with a name. */
static void cp_subject_key_set(cp_subject_key_t *sk, char tag, const char *id, size_t id_len,
                               const char *name, size_t name_len)
{
        char *p = sk->sk_text;

        /* At most 2 + 199 (a name key) or 2 + 47 + 1 + 199 bytes. */
        _Static_assert(sizeof(sk->sk_text) > 2 + sizeof(((cp_id_result_t *)0)->normalized) + 200,
                       "a subject key fits");
        *p++ = tag;
        *p++ = ':';
        memcpy(p, id, id_len);
        p += id_len;
        if (name) {
                *p++ = '|';
                memcpy(p, name, name_len);
                p += name_len;
        }
        *p = '\0';
        sk->sk_len = (size_t)(p - sk->sk_text);
}

/* cp_norm_name(s) into buf of CP_VIEW_TEXT_MAX bytes, and the key's cut of
 * it: what cp_norm_name(s) gives into a keysz-byte buffer. The cut is a
 * prefix, so it is taken from the long form when that fits, and only
 * names longer than keysz - 1 bytes are normalised twice. */
static size_t cp_norm_name_twice(const char *s, char *buf, size_t *len, char *key,
                                 size_t keysz)
{
        *len = cp_norm_name(s, buf, CP_VIEW_TEXT_MAX);
        if (*len < keysz) {
                memcpy(key, buf, *len + 1);
                return *len;
        }
        return cp_norm_name(s, key, keysz);
}

/* Resolves the subject: USCC › organisation code › registration number ›
 * person ID (full or masked) + name › name (domain.md §4.9). With
 * pseudonymisation a full person ID is replaced, in the subject and in
 * its key, by its pseudonym: one person keys alike in every source.
 * @returns 0, or -1 when the record was rejected or (not rejected) when
 *          memory or libcrypto failed. */
static int cp_resolve_subject(cp_transform_t *tf, cp_batch_t *bat,
                              cp_record_t *rec, cp_rec_work_t *w)
{
        cp_source_stats_t *st = &tf->tf_stats[bat->bat_source];
        static const struct { cp_field_t f; cp_id_type_t want; } idf[] = {
                {CP_F_SUBJECT_USCC, CP_ID_USCC},
                {CP_F_SUBJECT_ORG_CODE, CP_ID_ORG_CODE},
                {CP_F_SUBJECT_REG_NO, CP_ID_REG_NO},
                /* Dispatch by shape: SPC's cardNum holds person IDs for
                 * people and USCCs or org codes for organisations. */
                {CP_F_SUBJECT_PERSON_ID, CP_ID_UNKNOWN},
        };
        const char *name = rec->rec_field[CP_F_SUBJECT_NAME];
        Credpipe__V1__Subject *s = cp_arena_alloc(&bat->bat_arena, sizeof(*s));
        char name_key[200] = "";
        size_t name_key_len = 0;

        if (!s)
                return -1;
        credpipe__v1__subject__init(s);
        w->subject = s;
        w->pseudonymised = false;
        w->has_id = false;
        w->id_flagged = false;
        w->name = NULL;
        w->name_len = 0;
        if (cp_norm_is_null(name)) {
                name = NULL;
        } else {
                name_key_len = cp_norm_name_twice(name, w->name_buf, &w->name_len, name_key,
                                                  sizeof(name_key));
                w->name = w->name_buf;
        }
        s->name = (char *)cp_str(name);
        s->legal_rep = (char *)cp_str(rec->rec_field[CP_F_LEGAL_REP]);

        for (size_t i = 0; i < sizeof(idf) / sizeof(idf[0]); i++) {
                const char *raw = rec->rec_field[idf[i].f];
                cp_id_result_t res;
                bool seen;

                if (cp_norm_is_null(raw))
                        continue;
                seen = cp_id_check_cached(tf, raw, idf[i].want, CP_IDC_SUBJECT, &res);
                w->ids_checked |= UINT32_C(1) << idf[i].f;
                w->ids_usable |= (uint32_t)res.usable << idf[i].f;
                if (!res.usable) {
                        /* A placeholder is an absent value, not a bad one. */
                        if (res.reason && !strcmp(res.reason, "placeholder")) {
                                cp_add_finding(bat, w, "placeholder", CP_SEV_INFO, idf[i].f);
                                continue;
                        }
                        st->st_id_present++;
                        st->st_id_invalid++;
                        cp_reject_id(bat, rec, idf[i].f, &res);
                        return -1;
                }
                st->st_id_present++;
                for (int k = 0; k < res.nfindings; k++)
                        w->id_flagged |= res.findings[k].severity >= CP_SEV_WARNING;
                if (w->id_flagged)
                        st->st_id_flagged++;
                else
                        st->st_id_valid++;
                w->has_id = true;
                cp_add_id_findings(bat, w, &res, idf[i].f);
                /* A subject identifier the cache knows was put before; a
                 * new one is put at the end of cp_transform_prepare(),
                 * its slot loading meanwhile. */
                if (res.type == CP_ID_USCC && !seen) {
                        memcpy(w->org_uscc, res.normalized, sizeof(w->org_uscc));
                        cp_orgmap_prefetch(&tf->tf_orgmap, w->org_uscc);
                        w->org_pending = true;
                }
                if (res.type == CP_ID_ORG_CODE &&
                    cp_orgmap_get(&tf->tf_orgmap, res.normalized, res.normalized)) {
                        /* Keyed by the USCC it lives on in, so it joins. */
                        res.type = CP_ID_USCC;
                        cp_add_finding(bat, w, "orgcode_resolved", CP_SEV_INFO, idf[i].f);
                }
                if (res.type == CP_ID_RIC && tf->tf_ps) {
                        /* Masked IDs stay as published: a mask hides what a
                         * pseudonym would, and cannot be keyed exactly. */
                        char pn[CP_PSEUDONYM_LEN + 1];

                        if (cp_pseudonym_ric(tf->tf_ps, res.normalized, pn))
                                return -1;
                        memcpy(res.normalized, pn, sizeof(pn));
                        w->pseudonymised = true;
                }
                s->id = cp_arena_strndup(&bat->bat_arena, res.normalized,
                                         strlen(res.normalized));
                if (!s->id)
                        return -1;
                s->id_type = w->pseudonymised
                                     ? CREDPIPE__V1__ID_TYPE__RESIDENT_ID_PSEUDONYM
                                     : cp_pb_id_type(res.type);
                if (res.type == CP_ID_RIC || res.type == CP_ID_RIC_MASKED) {
                        /* A person ID alone does not identify: masked IDs
                         * collide, so the name is part of the key (§2.6). */
                        s->kind = CREDPIPE__V1__SUBJECT_KIND__INDIVIDUAL;
                        cp_subject_key_set(&w->subject_key, res.type == CP_ID_RIC ? 'P' : 'M',
                                           res.normalized, strlen(res.normalized), name_key,
                                           name_key_len);
                } else {
                        if (res.type == CP_ID_USCC)
                                s->kind = cp_kind_from_uscc(res.normalized);
                        cp_subject_key_set(&w->subject_key, 'U', res.normalized,
                                           strlen(res.normalized), NULL, 0);
                }
                return 0;
        }
        if (!name) {
                cp_record_reject(bat, rec, "subject_missing", CP_F_SUBJECT_NAME,
                                 "the record names no subject: it has no name and no "
                                 "identification number; map the subject columns or fix the row");
                return -1;
        }
        s->id = (char *)protobuf_c_empty_string;
        cp_subject_key_set(&w->subject_key, 'N', name_key, name_key_len, NULL, 0);
        cp_add_finding(bat, w, "subject_name_only", CP_SEV_WARNING, CP_F_SUBJECT_NAME);
        return 0;
}

/* The authority part of keys: its USCC when usable, else its name. */
static void cp_resolve_authority(cp_transform_t *tf, cp_batch_t *bat, cp_record_t *rec,
                                 cp_rec_work_t *w)
{
        const char *uscc = rec->rec_field[CP_F_AUTHORITY_USCC];
        const char *name = rec->rec_field[CP_F_AUTHORITY];

        w->authority_key[0] = '\0';
        w->auth = NULL;
        w->auth_len = 0;
        w->auth_done = false;
        if (!cp_norm_is_null(uscc)) {
                cp_id_result_t res;

                cp_id_check_cached(tf, uscc, CP_ID_USCC, CP_IDC_AUTHORITY, &res);
                w->ids_checked |= UINT32_C(1) << CP_F_AUTHORITY_USCC;
                w->ids_usable |= (uint32_t)res.usable << CP_F_AUTHORITY_USCC;
                if (res.usable) {
                        _Static_assert(sizeof(res.normalized) <= sizeof(w->authority_key),
                                       "a USCC fits the authority key");
                        memcpy(w->authority_key, res.normalized, strlen(res.normalized) + 1);
                        return;
                }
                cp_add_finding(bat, w, res.reason ? res.reason : "id_invalid",
                               CP_SEV_WARNING, CP_F_AUTHORITY_USCC);
        }
        w->auth_done = true;
        if (!cp_norm_is_null(name)) {
                cp_norm_name_twice(name, w->auth_buf, &w->auth_len, w->authority_key,
                                   sizeof(w->authority_key));
                w->auth = w->auth_buf;
        }
}

/* The names normalised for the key, for measure's comparisons (an
 * authority whose USCC made the key was not normalised). */
static void cp_view_names(const cp_rec_work_t *w, cp_keyinfo_t *ki)
{
        ki->ki_name_set = true;
        ki->ki_name = w->name;
        ki->ki_name_len = w->name_len;
        ki->ki_authority_set = w->auth_done;
        ki->ki_authority = w->auth;
        ki->ki_authority_len = w->auth_len;
}

/* A date field of the view as days (0: absent or open-ended), with the
 * finding of an invalid one; *open_ended, when given, says the source
 * wrote "长期" or a far-future sentinel. */
static int32_t cp_date_field(cp_batch_t *bat, cp_rec_work_t *w, int vd, cp_field_t f,
                             protobuf_c_boolean *open_ended)
{
        cp_date_rc_t rc = w->view.vw_date_rc[vd];

        if (rc == CP_DATE_INVALID)
                cp_add_finding(bat, w, "date_invalid", CP_SEV_WARNING, f);
        if (rc == CP_DATE_OPEN_ENDED && open_ended)
                *open_ended = 1;
        return w->view.vw_days[vd];
}

static const char *cp_claimed_unit(cp_unit_claim_t claim, cp_amount_unit_t column)
{
        switch (claim) {
        case CP_UNIT_CLAIM_YUAN: return "yuan";
        case CP_UNIT_CLAIM_WAN: return "wan_yuan";
        case CP_UNIT_CLAIM_YI: return "yi_yuan";
        case CP_UNIT_CLAIM_NONE: break;
        }
        return column == CP_UNIT_WAN_YUAN ? "wan_yuan" : "yuan";
}

/* A pseudonym replaces the canonical ID in place. */
_Static_assert(CP_PSEUDONYM_LEN < sizeof(((cp_id_result_t *)0)->normalized),
               "a pseudonym fits cp_id_result_t.normalized");

/* What transform validated as an organisation's identifier stays visible
 * when scrubbing: a digit-only USCC can have a date-like middle and so
 * look like a person ID, yet pass its checks (ids.c). */
static bool cp_keep_validated(const char *canon, void *opaque)
{
        const cp_rec_work_t *w = opaque;
        const Credpipe__V1__Subject *s = w->subject;

        if (s->id_type == CREDPIPE__V1__ID_TYPE__USCC && !strcmp(s->id, canon))
                return true;
        return !strcmp(w->authority_key, canon);
}

/* @returns s, or its copy in the arena with person IDs masked (pii.h). */
static const char *cp_scrub(cp_batch_t *bat, cp_rec_work_t *w, const char *s,
                            bool *nomem)
{
        size_t n, start, len, out_len;
        char *out;

        if (!s || !cp_pii_find_ric(s, n = strlen(s), 0, &start, &len, NULL))
                return s;
        out = cp_arena_alloc(&bat->bat_arena, n + 1);
        if (!out) {
                *nomem = true;
                return s;
        }
        cp_pii_mask_rics(s, n, out, &out_len, cp_keep_validated, w);
        return out;
}

/*
 * With pseudonymisation, no full person ID may leave in an accepted
 * record: not in the subject (a pseudonym already), and not in free text
 * either, where penalty contents name people with their IDs and unmapped
 * columns carry the legal representative's (CF_FR_ZJHM). The record's
 * fields are replaced by scrubbed copies before the protobuf is built from
 * them, the person-ID field by the pseudonym, so the content fingerprint
 * is computed over what is output: a fingerprint over the hidden digits
 * would give them back to anyone trying the 10^8 possibilities.
 */
static int cp_scrub_record(cp_batch_t *bat, cp_record_t *rec, cp_rec_work_t *w)
{
        Credpipe__V1__Subject *s = w->subject;
        bool nomem = false;

        for (int i = 0; i < CP_F__COUNT; i++) {
                if (i == CP_F_SUBJECT_PERSON_ID && w->pseudonymised)
                        rec->rec_field[i] = s->id;
                else
                        rec->rec_field[i] = cp_scrub(bat, w, rec->rec_field[i], &nomem);
        }
        for (uint32_t i = 0; i < rec->rec_nextra; i++) {
                rec->rec_extra[i].ex_name = cp_scrub(bat, w, rec->rec_extra[i].ex_name,
                                                     &nomem);
                rec->rec_extra[i].ex_value = cp_scrub(bat, w, rec->rec_extra[i].ex_value,
                                                      &nomem);
        }
        s->name = (char *)cp_scrub(bat, w, s->name, &nomem);
        s->legal_rep = (char *)cp_scrub(bat, w, s->legal_rep, &nomem);
        return nomem ? CP_ERR_NOMEM : CP_OK;
}

/* A rating with its scale, normalised to [0,1] (docs/metrics.md). */
static int cp_build_rating(cp_batch_t *bat, cp_rec_work_t *w, const cp_source_conf_t *src,
                           const char *raw, Credpipe__V1__Rating **out)
{
        Credpipe__V1__Rating *r;
        char buf[64], *end;
        double value;

        *out = NULL;
        if (cp_norm_is_null(raw))
                return CP_OK;
        cp_norm_fold(raw, buf, sizeof(buf));
        value = strtod(buf, &end);
        if (end == buf || *end || value != value) {
                cp_add_finding(bat, w, "rating_invalid", CP_SEV_WARNING, CP_F_RATING);
                return CP_OK;
        }
        if (!(r = cp_arena_alloc(&bat->bat_arena, sizeof(*r))))
                return CP_ERR_NOMEM;
        credpipe__v1__rating__init(r);
        r->value = value;
        if (!src->src_has_rating_scale) {
                r->out_of_scale = 1;
                cp_add_finding(bat, w, "rating_scale_missing", CP_SEV_WARNING, CP_F_RATING);
        } else {
                r->scale_min = src->src_rating_min;
                r->scale_max = src->src_rating_max;
                r->baseline = src->src_rating_baseline;
                if (value < r->scale_min || value > r->scale_max) {
                        r->out_of_scale = 1;
                        cp_add_finding(bat, w, "rating_out_of_scale", CP_SEV_WARNING,
                                       CP_F_RATING);
                } else {
                        r->normalized = (value - r->scale_min) / (r->scale_max - r->scale_min);
                }
        }
        *out = r;
        return CP_OK;
}

/*
 * The fingerprint of what the record says, over the raw mapped fields,
 * each with its NUL: two records with one key and different fingerprints
 * are discrepancies between sources. The fields are hashed as one input
 * when they fit a buffer, which gives the value XXH3's streaming form
 * gives, without one update call per field.
 */
static uint64_t cp_fingerprint(const char *const *f)
{
        char buf[2048];
        size_t len[CP_F__COUNT], total = 0, n = 0;
        XXH3_state_t st;

        for (int i = 0; i < CP_F__COUNT; i++)
                total += len[i] = (f[i] ? strlen(f[i]) : 0) + 1;
        if (total <= sizeof(buf)) {
                for (int i = 0; i < CP_F__COUNT; i++) {
                        memcpy(buf + n, f[i] ? f[i] : "", len[i]);
                        n += len[i];
                }
                return XXH3_64bits(buf, n);
        }
        XXH3_64bits_reset(&st);
        for (int i = 0; i < CP_F__COUNT; i++)
                XXH3_64bits_update(&st, f[i] ? f[i] : "", len[i]);
        return XXH3_64bits_digest(&st);
}

static int cp_build_pb(cp_transform_t *tf, cp_batch_t *bat, cp_record_t *rec,
                       cp_rec_work_t *w, const cp_source_conf_t *src,
                       const cp_key_t *key)
{
        cp_arena_t *ar = &bat->bat_arena;
        Credpipe__V1__CreditRecord *pb = cp_arena_alloc(ar, sizeof(*pb));
        Credpipe__V1__Provenance *prov = cp_arena_alloc(ar, sizeof(*prov));
        Credpipe__V1__Position *pos = cp_arena_alloc(ar, sizeof(*pos));
        const char *const *f = rec->rec_field;

        if (!pb || !prov || !pos)
                return CP_ERR_NOMEM;
        if (tf->tf_ps && cp_scrub_record(bat, rec, w))
                return CP_ERR_NOMEM;
        credpipe__v1__credit_record__init(pb);
        credpipe__v1__provenance__init(prov);
        credpipe__v1__position__init(pos);

        pb->category = (Credpipe__V1__Category)src->src_category;
        pb->event = CREDPIPE__V1__EVENT_TYPE__UPSERT;
        pb->record_key = cp_arena_strndup(ar, key->key_text, key->key_len);
        if (!pb->record_key)
                return CP_ERR_NOMEM;
        if (tf->tf_ps) {
                /* The key was hashed for dedupe before; only its text is
                 * scrubbed (a person ID typed into a document number). */
                bool nomem = false;

                pb->record_key = (char *)cp_scrub(bat, w, pb->record_key, &nomem);
                if (nomem)
                        return CP_ERR_NOMEM;
        }
        pb->subject = w->subject;
        pb->document_number = (char *)cp_str(f[CP_F_DOCUMENT_NUMBER]);
        pb->case_number = (char *)cp_str(f[CP_F_CASE_NUMBER]);
        pb->list_name = (char *)cp_str(f[CP_F_LIST_NAME]);
        pb->authority = (char *)cp_str(f[CP_F_AUTHORITY]);
        pb->authority_uscc = (char *)cp_str(f[CP_F_AUTHORITY_USCC]);
        pb->decision_date = cp_date_field(bat, w, CP_VD_DECISION, CP_F_DECISION_DATE, NULL);
        pb->publish_date = cp_date_field(bat, w, CP_VD_PUBLISH, CP_F_PUBLISH_DATE, NULL);
        pb->list_date = cp_date_field(bat, w, CP_VD_LIST, CP_F_LIST_DATE, NULL);
        pb->valid_from = cp_date_field(bat, w, CP_VD_VALID_FROM, CP_F_VALID_FROM, NULL);
        pb->valid_to = cp_date_field(bat, w, CP_VD_VALID_TO, CP_F_VALID_TO,
                                     &pb->valid_to_open_ended);
        pb->expected_public_from = w->window.wi_from;
        pb->expected_public_until = w->window.wi_until;
        pb->status = (char *)cp_str(f[CP_F_STATUS]);
        /* An entry that has left publication is produced as a removal:
         * downstream tables drop its key (docs/metrics.md). */
        if (w->cls == CP_KC_WITHDRAWN || w->cls == CP_KC_EXPIRED)
                pb->event = CREDPIPE__V1__EVENT_TYPE__REMOVAL;
        if (cp_build_rating(bat, w, src, f[CP_F_RATING], &pb->rating))
                return CP_ERR_NOMEM;
        pb->reason = (char *)cp_str(f[CP_F_REASON]);
        pb->act_type = (char *)cp_str(f[CP_F_ACT_TYPE]);
        pb->penalty_type = (char *)cp_str(f[CP_F_PENALTY_TYPE]);
        pb->content = (char *)cp_str(f[CP_F_CONTENT]);
        pb->permit_number = (char *)cp_str(f[CP_F_PERMIT_NUMBER]);
        pb->permit_name = (char *)cp_str(f[CP_F_PERMIT_NAME]);
        pb->source_record_id = (char *)cp_str(f[CP_F_SOURCE_RECORD_ID]);

        if (w->view.vw_amount_rc == 1) {
                Credpipe__V1__Amount *am = cp_arena_alloc(ar, sizeof(*am));
                if (!am)
                        return CP_ERR_NOMEM;
                credpipe__v1__amount__init(am);
                am->fen = w->view.vw_fen;
                /* The unit the value wrote, else the column's. */
                am->claimed_unit = (char *)cp_claimed_unit(w->view.vw_claim,
                                                           src->src_amount_unit);
                pb->fine = am;
        } else if (w->view.vw_amount_rc < 0) {
                cp_add_finding(bat, w, "amount_invalid", CP_SEV_WARNING, CP_F_FINE_AMOUNT);
        }
        if (key->key_weak)
                cp_add_finding(bat, w, "weak_key", CP_SEV_INFO, CP_F_DOCUMENT_NUMBER);

        if (rec->rec_nextra) {
                pb->extra = cp_arena_alloc(ar, rec->rec_nextra * sizeof(*pb->extra));
                if (!pb->extra)
                        return CP_ERR_NOMEM;
                for (uint32_t i = 0; i < rec->rec_nextra; i++) {
                        Credpipe__V1__CreditRecord__ExtraEntry *e =
                                cp_arena_alloc(ar, sizeof(*e));
                        if (!e)
                                return CP_ERR_NOMEM;
                        credpipe__v1__credit_record__extra_entry__init(e);
                        e->key = (char *)rec->rec_extra[i].ex_name;
                        e->value = (char *)rec->rec_extra[i].ex_value;
                        pb->extra[i] = e;
                }
                pb->n_extra = rec->rec_nextra;
        }
        if (w->nfindings) {
                pb->findings = cp_arena_alloc(ar, w->nfindings * sizeof(*pb->findings));
                if (!pb->findings)
                        return CP_ERR_NOMEM;
                memcpy(pb->findings, w->findings, w->nfindings * sizeof(*pb->findings));
                pb->n_findings = w->nfindings;
        }
        pb->content_fingerprint = cp_fingerprint(f);

        pos->file = (char *)cp_str(rec->rec_file);
        if (tf->tf_ps) {
                bool nomem = false;

                pos->file = (char *)cp_scrub(bat, w, pos->file, &nomem);
                if (nomem)
                        return CP_ERR_NOMEM;
        }
        pos->line = rec->rec_line;
        pos->offset = rec->rec_offset;
        if (src->src_format == CP_FMT_KAFKA && rec->rec_file) {
                /* A Kafka source's record: its topic, partition and offset. */
                const char *t;
                size_t tl;
                int32_t part;

                if (!cp_kafka_part_parse(rec->rec_file, &t, &tl, &part)) {
                        if (!(pos->topic = cp_arena_strndup(ar, t, tl)))
                                return CP_ERR_NOMEM;
                        pos->partition = part;
                        pos->kafka_offset = (int64_t)rec->rec_offset;
                }
        }
        prov->source_id = src->src_id;
        prov->source_kind = (Credpipe__V1__SourceKind)src->src_role;
        prov->region_code = (char *)cp_str(src->src_region);
        prov->position = pos;
        prov->ingest_time_ms = rec->rec_ingest_ms;
        pb->provenance = prov;
        rec->rec_pb = pb;
        return CP_OK;
}

/* A record between the two halves of its transformation (see
 * cp_transform_batch). */
typedef struct cp_rec_pending_s {
        cp_rec_work_t w;
        cp_key_t key;
        uint64_t subject_hash[2];  /* cp_measure_subject_hash() */
} cp_rec_pending_t;

/* The first half: what depends on the record alone (and on the org code
 * map, which only this half uses, in record order): subject, authority,
 * key and its hash. Leaves the record NEW, or REJECTED.
 * @returns CP_OK, or CP_ERR_NOMEM. */
static int cp_transform_prepare(cp_transform_t *tf, cp_batch_t *bat, cp_record_t *rec,
                                const cp_source_conf_t *src, cp_rec_pending_t *p)
{
        cp_rec_work_t *w = &p->w;
        cp_key_t *key = &p->key;
        cp_date_opts_t dates = {.excel_system = src->src_excel_date_system};
        XXH128_hash_t h;

        int keyrc;

        w->nfindings = 0;
        w->ids_checked = w->ids_usable = 0;
        w->org_pending = false;
        if (cp_resolve_subject(tf, bat, rec, w))
                return rec->rec_status == CP_REC_REJECTED ? CP_OK : CP_ERR_NOMEM;
        cp_resolve_authority(tf, bat, rec, w);
        keyrc = cp_key_build(src->src_category, rec, w->authority_key, &w->subject_key,
                             &dates, key);
        /* Whatever the key: the subject's identifier is known from now on. */
        if (w->org_pending && cp_orgmap_put(&tf->tf_orgmap, w->org_uscc))
                return CP_ERR_NOMEM;
        if (keyrc) {
                if (key->key_invalid)
                        cp_record_reject(bat, rec, "date_invalid", key->key_missing_field,
                                         "%s '%s' is not a valid date, and the record's key "
                                         "needs it; write it as YYYY-MM-DD",
                                         key->key_missing, rec->rec_field[key->key_missing_field]);
                else
                        cp_record_reject(bat, rec, "key_fields_missing", key->key_missing_field,
                                         "the record lacks %s, which its %s key needs; "
                                         "fill it at the source or map the column",
                                         key->key_missing, cp_category_name(src->src_category));
                return CP_OK;
        }
        h = XXH3_128bits(key->key_text, key->key_len);
        rec->rec_key_hash[0] = h.low64;
        rec->rec_key_hash[1] = h.high64;
        rec->rec_subject_hash = XXH3_64bits(w->subject_key.sk_text, w->subject_key.sk_len);
        cp_measure_subject_hash(src->src_category, w->subject_key.sk_text,
                                w->subject_key.sk_len, p->subject_hash);
        cp_dedupe_prefetch(&tf->tf_dedupe, rec->rec_key_hash);
        cp_measure_prefetch(&tf->tf_measure, p->subject_hash);
        return CP_OK;
}

/* A later record of a source that has the key: when it withdraws the
 * source's active view (docs/metrics.md), and the source produced the key,
 * it is produced, as a removal. @returns 1 when it is to be produced, 0
 * when it is a duplicate. */
static int cp_transform_later(cp_transform_t *tf, cp_record_t *rec, unsigned source,
                              const cp_source_conf_t *src, cp_rec_work_t *w)
{
        bool produced = false;

        if (!cp_measure_withdrawable(&tf->tf_measure, source) ||
            !cp_status_withdrawn(rec->rec_field[CP_F_STATUS]) ||
            !cp_measure_withdraw(&tf->tf_measure, &tf->tf_stats[source], rec->rec_key_hash,
                                 source, &produced) ||
            !produced)
                return 0;
        /* Its dates and window as a first view's, for the record produced. */
        cp_view_build(rec, src, &w->view);
        cp_measure_window(&tf->tf_measure, src, rec, &w->view, &w->window);
        w->cls = CP_KC_WITHDRAWN;
        tf->tf_stats[source].st_withdrawn_later_removals++;
        return 1;
}

/* The second half, in record order: dedupe, measurement, output. */
static int cp_transform_finish(cp_transform_t *tf, cp_batch_t *bat, cp_record_t *rec,
                               const cp_source_conf_t *src, cp_rec_pending_t *p)
{
        cp_rec_work_t *w = &p->w;
        cp_share_t share = CP_SH_NONE;
        bool sweep = false;
        int stands = 0;
        uint64_t prev;
        int rc;

        rc = cp_dedupe_add(&tf->tf_dedupe, rec->rec_key_hash, bat->bat_source, &prev);
        if (rc < 0)
                return rc;
        if (!(prev & (UINT64_C(1) << bat->bat_source))) {
                /* The source's view of the key: measured once. */
                cp_keyinfo_t ki = {
                        .ki_hash = {rec->rec_key_hash[0], rec->rec_key_hash[1]},
                        .ki_prev = prev,
                        .ki_subject = w->subject_key.sk_text,
                        .ki_subject_len = w->subject_key.sk_len,
                        .ki_subject_hash = p->subject_hash,
                        .ki_has_id = w->has_id,
                        .ki_id_flagged = w->id_flagged,
                        .ki_weak = p->key.key_weak,
                        .ki_num_field = p->key.key_num_field,
                        .ki_num = p->key.key_num,
                        .ki_num_len = p->key.key_num_len,
                        .ki_ids_checked = w->ids_checked,
                        .ki_ids_usable = w->ids_usable,
                };

                cp_view_names(w, &ki);
                cp_view_build(rec, src, &w->view);
                cp_measure_window(&tf->tf_measure, src, rec, &w->view, &w->window);
                w->cls = src->src_role == CP_ROLE_CENTRAL
                                 ? CP_KC_ACTIVE
                                 : cp_measure_class(&tf->tf_measure, rec, &w->window);
                ki.ki_class = w->cls;
                if (cp_measure_first_view(&tf->tf_measure, &tf->tf_stats[bat->bat_source],
                                          bat->bat_source, src, rec, &w->view, &ki, &share))
                        return CP_ERR_NOMEM;
                /* An active view its source may withdraw later: kept. */
                stands = cp_measure_stand(&tf->tf_measure, rec->rec_key_hash, bat->bat_source,
                                          share, rc == 1);
                if (stands < 0)
                        return CP_ERR_NOMEM;
                if (tf->tf_service && src->src_role == CP_ROLE_CENTRAL &&
                    !(prev & tf->tf_measure.me_central_mask) &&
                    (prev & ~tf->tf_measure.me_central_mask))
                        cp_measure_late_central(&tf->tf_measure, tf->tf_stats,
                                                rec->rec_key_hash, rec->rec_ingest_ms);
                /* An active view that can end by the calendar: swept then. */
                sweep = tf->tf_service && share != CP_SH_NONE && w->window.wi_until > 0;
        } else if (cp_transform_later(tf, rec, bat->bat_source, src, w)) {
                rc = 1;
        }
        if (rc == 0) {
                rec->rec_status = CP_REC_DUPLICATE;
                if (sweep && cp_sweep_add(&tf->tf_sweep, rec->rec_key_hash,
                                          rec->rec_subject_hash, w->window.wi_until,
                                          bat->bat_source, share, stands, NULL, 0))
                        return CP_ERR_NOMEM;
                return CP_OK;
        }
        rc = cp_build_pb(tf, bat, rec, w, src, &p->key);
        if (rc)
                return rc;
        rec->rec_status = CP_REC_ACCEPTED;
        /* The key as produced (scrubbed with pseudonyms): its removal
         * must name the same key. */
        if (sweep && cp_sweep_add(&tf->tf_sweep, rec->rec_key_hash, rec->rec_subject_hash,
                                  w->window.wi_until, bat->bat_source, share, stands,
                                  rec->rec_pb->record_key, strlen(rec->rec_pb->record_key)))
                return CP_ERR_NOMEM;
        return CP_OK;
}

static void cp_count_fate(cp_source_stats_t *st, const cp_record_t *rec)
{
        st->st_read++;
        switch (rec->rec_status) {
        case CP_REC_REJECTED:
                st->st_rejects++;
                cp_report_count_reject(st, rec->rec_reject_code);
                break;
        case CP_REC_DUPLICATE: st->st_duplicates++; break;
        case CP_REC_ACCEPTED:
                st->st_produced++;
                st->st_removals += rec->rec_pb->event == CREDPIPE__V1__EVENT_TYPE__REMOVAL;
                break;
        case CP_REC_NEW: break;
        }
}

/* How many records the first half runs ahead of the second. */
#define CP_LOOKAHEAD 8

/* Starts loading record i's struct and, CP_LOOKAHEAD records later, the
 * texts its fields point to: an ingest thread wrote them, on another core,
 * so they are cache misses the loads would otherwise wait for one by one. */
static void cp_prefetch_record(const cp_batch_t *bat, size_t i)
{
        if (i < bat->bat_n) {
                const char *p = (const char *)&bat->bat_rec[i];

                for (size_t o = 0; o < sizeof(cp_record_t); o += 64)
                        __builtin_prefetch(p + o);
        }
        if (i >= CP_LOOKAHEAD && i - CP_LOOKAHEAD < bat->bat_n) {
                const cp_record_t *rec = &bat->bat_rec[i - CP_LOOKAHEAD];

                for (int f = 0; f < CP_F__COUNT; f++)
                        if (rec->rec_field[f])
                                __builtin_prefetch(rec->rec_field[f]);
        }
}

/*
 * Every record is transformed in two halves, the first CP_LOOKAHEAD
 * records ahead of the second: the first ends by prefetching the slots
 * the second will look the key and the subject up in, which are random
 * accesses into tables of hundreds of megabytes and were the largest
 * single cost. The decisions are those of one record at a time: the
 * second half, which holds every order-dependent step (dedupe, the
 * measurement tables), runs in record order, and the first half depends
 * on no state the second half changes.
 */
int cp_transform_batch(cp_transform_t *tf, cp_batch_t *bat)
{
        const cp_source_conf_t *src = &tf->tf_conf->conf_sources[bat->bat_source];
        cp_source_stats_t *st = &tf->tf_stats[bat->bat_source];
        cp_rec_pending_t ring[CP_LOOKAHEAD];
        size_t n = bat->bat_n;
        int rc;

        for (size_t i = 0; i < n + CP_LOOKAHEAD; i++) {
                cp_prefetch_record(bat, i + 2 * CP_LOOKAHEAD);
                /* Record i - CP_LOOKAHEAD first: record i takes its slot. */
                if (i >= CP_LOOKAHEAD) {
                        size_t j = i - CP_LOOKAHEAD;
                        cp_record_t *rec = &bat->bat_rec[j];

                        if (rec->rec_status == CP_REC_NEW &&
                            (rc = cp_transform_finish(tf, bat, rec, src,
                                                      &ring[j % CP_LOOKAHEAD])))
                                return rc;
                        cp_count_fate(st, rec);
                }
                if (i < n && bat->bat_rec[i].rec_status == CP_REC_NEW &&
                    (rc = cp_transform_prepare(tf, bat, &bat->bat_rec[i], src,
                                               &ring[i % CP_LOOKAHEAD])))
                        return rc;
        }
        return CP_OK;
}

void cp_transform_service(cp_transform_t *tf)
{
        tf->tf_service = true;
        cp_measure_track_late(&tf->tf_measure);
}

int32_t cp_transform_as_of(const cp_transform_t *tf)
{
        return tf->tf_measure.me_as_of;
}

void cp_transform_set_as_of(cp_transform_t *tf, int32_t as_of)
{
        tf->tf_measure.me_as_of = as_of;
}

void cp_transform_report(cp_transform_t *tf, cp_report_t *rep)
{
        size_t n = tf->tf_conf->conf_nsources;

        memcpy(rep->rep_src, tf->tf_stats, n * sizeof(*rep->rep_src));
        rep->rep_nsrc = n;
        cp_measure_report(&tf->tf_measure, &tf->tf_dedupe, tf->tf_conf, rep);
}
