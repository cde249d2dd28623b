#include "pbpack.h"

#include <stdlib.h>
#include <string.h>

enum { CP_WT_VARINT = 0, CP_WT_64BIT = 1, CP_WT_LEN = 2 };

static size_t cp_varint_size(uint64_t v)
{
        size_t n = 1;

        while (v >= 0x80) {
                v >>= 7;
                n++;
        }
        return n;
}

static uint8_t *cp_varint_put(uint8_t *out, uint64_t v)
{
        while (v >= 0x80) {
                *out++ = (uint8_t)(v | 0x80);
                v >>= 7;
        }
        *out++ = (uint8_t)v;
        return out;
}

/* int32 and enum values: a negative one is sign-extended to 10 bytes. */
static uint64_t cp_int32_wire(int32_t v)
{
        return (uint64_t)(int64_t)v;
}

static bool cp_pbpack_field_ok(const ProtobufCFieldDescriptor *f)
{
        if (f->flags & (PROTOBUF_C_FIELD_FLAG_PACKED | PROTOBUF_C_FIELD_FLAG_ONEOF))
                return false;
        if (f->label != PROTOBUF_C_LABEL_NONE && f->label != PROTOBUF_C_LABEL_REPEATED)
                return false;
        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING:
        case PROTOBUF_C_TYPE_BYTES:
        case PROTOBUF_C_TYPE_ENUM:
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
        case PROTOBUF_C_TYPE_BOOL:
        case PROTOBUF_C_TYPE_DOUBLE:
                return true;
        case PROTOBUF_C_TYPE_MESSAGE:
                return cp_pbpack_supported(f->descriptor);
        default:
                return false;
        }
}

bool cp_pbpack_supported(const ProtobufCMessageDescriptor *desc)
{
        for (unsigned i = 0; i < desc->n_fields; i++)
                if (!cp_pbpack_field_ok(&desc->fields[i]))
                        return false;
        return true;
}

static size_t cp_tape_push(cp_pbpack_t *pk, size_t v)
{
        if (pk->pk_n == pk->pk_cap) {
                size_t cap = pk->pk_cap ? pk->pk_cap * 2 : 4096;
                size_t *nt = realloc(pk->pk_tape, cap * sizeof(*nt));

                if (!nt) {
                        pk->pk_nomem = true;
                        return SIZE_MAX;
                }
                pk->pk_tape = nt;
                pk->pk_cap = cap;
        }
        pk->pk_tape[pk->pk_n] = v;
        return pk->pk_n++;
}

static size_t cp_msg_size(cp_pbpack_t *pk, const ProtobufCMessage *m);

/* The size of one value of a field, without its tag; pushes what the
 * write pass will need. zero: the field is unlabelled, so a zero value
 * is left out (size 0, nothing pushed). */
static size_t cp_value_size(cp_pbpack_t *pk, const ProtobufCFieldDescriptor *f,
                            const void *v, bool zero)
{
        size_t n, slot;

        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING: {
                const char *s = *(const char *const *)v;

                if (zero && (!s || !*s))
                        return 0;
                n = s ? strlen(s) : 0;
                cp_tape_push(pk, n);
                return cp_varint_size(n) + n;
        }
        case PROTOBUF_C_TYPE_BYTES: {
                const ProtobufCBinaryData *b = v;

                if (zero && !b->len)
                        return 0;
                return cp_varint_size(b->len) + b->len;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
                const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)v;

                if (zero && !sub)
                        return 0;
                /* The slot first: the write pass needs the size before
                 * what the sub-message pushes. */
                slot = cp_tape_push(pk, 0);
                n = sub ? cp_msg_size(pk, sub) : 0;
                if (slot != SIZE_MAX)
                        pk->pk_tape[slot] = n;
                return cp_varint_size(n) + n;
        }
        case PROTOBUF_C_TYPE_ENUM:
        case PROTOBUF_C_TYPE_INT32:
                if (zero && !*(const int32_t *)v)
                        return 0;
                return cp_varint_size(cp_int32_wire(*(const int32_t *)v));
        case PROTOBUF_C_TYPE_UINT32:
                if (zero && !*(const uint32_t *)v)
                        return 0;
                return cp_varint_size(*(const uint32_t *)v);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_UINT64:
                if (zero && !*(const uint64_t *)v)
                        return 0;
                return cp_varint_size(*(const uint64_t *)v);
        case PROTOBUF_C_TYPE_FIXED64:
                return zero && !*(const uint64_t *)v ? 0 : 8;
        case PROTOBUF_C_TYPE_DOUBLE:
                return zero && *(const double *)v == 0 ? 0 : 8;
        case PROTOBUF_C_TYPE_BOOL:
                return zero && !*(const protobuf_c_boolean *)v ? 0 : 1;
        default:
                pk->pk_unsupported = true;
                return 0;
        }
}

static size_t cp_elt_size(ProtobufCType t)
{
        switch (t) {
        case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
        case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
        case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
        case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
        case PROTOBUF_C_TYPE_ENUM:
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_UINT32: return 4;
        default: return 8;
        }
}

/* Starts loading a message's struct. */
static void cp_prefetch_struct(const ProtobufCMessage *m)
{
        const char *p = (const char *)m;

        for (size_t o = 0; o < m->descriptor->sizeof_message; o += 64)
                __builtin_prefetch(p + o);
}

/* Starts loading what a message's fields point to: its strings' first
 * bytes and its sub-messages' structs (its struct is loaded already). */
static void cp_prefetch_fields(const ProtobufCMessage *m)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;

        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];
                const void *v;

                if (f->label != PROTOBUF_C_LABEL_NONE ||
                    (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE))
                        continue;
                v = *(const void *const *)((const char *)m + f->offset);
                if (v)
                        __builtin_prefetch(v);
        }
}

/* How far ahead the elements of a repeated message are loaded: the sink
 * packs records another thread built, so nearly every struct and string
 * is a cache miss; started early, they overlap instead of following one
 * another. */
#define CP_PREFETCH_AHEAD 8

static size_t cp_msg_size(cp_pbpack_t *pk, const ProtobufCMessage *m)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;
        size_t total = 0;

        if (m->n_unknown_fields)
                pk->pk_unsupported = true;
        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];
                const char *member = (const char *)m + f->offset;
                size_t tag = cp_varint_size((uint64_t)f->id << 3), n;

                if (f->label == PROTOBUF_C_LABEL_NONE) {
                        n = cp_value_size(pk, f, member, true);
                        if (n)
                                total += tag + n;
                        continue;
                }
                /* Repeated: every element, zero or not. */
                n = *(const size_t *)((const char *)m + f->quantifier_offset);
                if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                        const ProtobufCMessage *const *sub =
                                *(const ProtobufCMessage *const *const *)member;

                        for (size_t k = 0; k < n && k < CP_PREFETCH_AHEAD; k++)
                                cp_prefetch_struct(sub[k]);
                        for (size_t k = 0; k < n; k++) {
                                if (k + CP_PREFETCH_AHEAD < n)
                                        cp_prefetch_struct(sub[k + CP_PREFETCH_AHEAD]);
                                if (k + CP_PREFETCH_AHEAD / 2 < n)
                                        cp_prefetch_fields(sub[k + CP_PREFETCH_AHEAD / 2]);
                                total += tag + cp_value_size(pk, f, &sub[k], false);
                        }
                        continue;
                }
                for (size_t k = 0; k < n; k++)
                        total += tag + cp_value_size(pk, f,
                                                     *(const char *const *)member +
                                                             k * cp_elt_size(f->type),
                                                     false);
        }
        return total;
}

static uint8_t *cp_msg_write(cp_pbpack_t *pk, const ProtobufCMessage *m, uint8_t *out);

static uint8_t *cp_value_write(cp_pbpack_t *pk, const ProtobufCFieldDescriptor *f,
                               const void *v, bool zero, uint8_t *out)
{
        uint64_t tag = (uint64_t)f->id << 3;
        size_t n;

        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING: {
                const char *s = *(const char *const *)v;

                if (zero && (!s || !*s))
                        return out;
                n = pk->pk_tape[pk->pk_pos++];
                out = cp_varint_put(out, tag | CP_WT_LEN);
                out = cp_varint_put(out, n);
                if (n)
                        memcpy(out, s, n);
                return out + n;
        }
        case PROTOBUF_C_TYPE_BYTES: {
                const ProtobufCBinaryData *b = v;

                if (zero && !b->len)
                        return out;
                out = cp_varint_put(out, tag | CP_WT_LEN);
                out = cp_varint_put(out, b->len);
                if (b->len)
                        memcpy(out, b->data, b->len);
                return out + b->len;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
                const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)v;

                if (zero && !sub)
                        return out;
                n = pk->pk_tape[pk->pk_pos++];
                out = cp_varint_put(out, tag | CP_WT_LEN);
                out = cp_varint_put(out, n);
                return sub ? cp_msg_write(pk, sub, out) : out;
        }
        case PROTOBUF_C_TYPE_ENUM:
        case PROTOBUF_C_TYPE_INT32:
                if (zero && !*(const int32_t *)v)
                        return out;
                out = cp_varint_put(out, tag | CP_WT_VARINT);
                return cp_varint_put(out, cp_int32_wire(*(const int32_t *)v));
        case PROTOBUF_C_TYPE_UINT32:
                if (zero && !*(const uint32_t *)v)
                        return out;
                out = cp_varint_put(out, tag | CP_WT_VARINT);
                return cp_varint_put(out, *(const uint32_t *)v);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_UINT64:
                if (zero && !*(const uint64_t *)v)
                        return out;
                out = cp_varint_put(out, tag | CP_WT_VARINT);
                return cp_varint_put(out, *(const uint64_t *)v);
        case PROTOBUF_C_TYPE_FIXED64:
                if (zero && !*(const uint64_t *)v)
                        return out;
                out = cp_varint_put(out, tag | CP_WT_64BIT);
                memcpy(out, v, 8);   /* little-endian, as the wire */
                return out + 8;
        case PROTOBUF_C_TYPE_DOUBLE:
                if (zero && *(const double *)v == 0)
                        return out;
                out = cp_varint_put(out, tag | CP_WT_64BIT);
                memcpy(out, v, 8);
                return out + 8;
        case PROTOBUF_C_TYPE_BOOL:
                if (zero && !*(const protobuf_c_boolean *)v)
                        return out;
                out = cp_varint_put(out, tag | CP_WT_VARINT);
                *out++ = *(const protobuf_c_boolean *)v ? 1 : 0;
                return out;
        default:
                return out;  /* never: the size pass refused it */
        }
}

static uint8_t *cp_msg_write(cp_pbpack_t *pk, const ProtobufCMessage *m, uint8_t *out)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;

        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];
                const char *member = (const char *)m + f->offset;
                size_t n;

                if (f->label == PROTOBUF_C_LABEL_NONE) {
                        out = cp_value_write(pk, f, member, true, out);
                        continue;
                }
                n = *(const size_t *)((const char *)m + f->quantifier_offset);
                for (size_t k = 0; k < n; k++)
                        out = cp_value_write(pk, f,
                                             *(const char *const *)member +
                                                     k * cp_elt_size(f->type),
                                             false, out);
        }
        return out;
}

size_t cp_pbpack(cp_pbpack_t *pk, const ProtobufCMessage *msg, uint8_t **buf, size_t *cap)
{
        size_t n;

        pk->pk_n = pk->pk_pos = 0;
        pk->pk_nomem = pk->pk_unsupported = false;
        n = cp_msg_size(pk, msg);
        if (pk->pk_nomem || pk->pk_unsupported || !n)
                return 0;
        if (n > *cap) {
                size_t c = *cap ? *cap : 64 * 1024;
                uint8_t *nb;

                while (c < n)
                        c *= 2;
                nb = realloc(*buf, c);
                if (!nb) {
                        pk->pk_nomem = true;
                        return 0;
                }
                *buf = nb;
                *cap = c;
        }
        /* The passes make the same decisions; should they ever not, the
         * caller packs with protobuf-c rather than send bad bytes. */
        if ((size_t)(cp_msg_write(pk, msg, *buf) - *buf) != n || pk->pk_pos != pk->pk_n) {
                pk->pk_unsupported = true;
                return 0;
        }
        return n;
}

void cp_pbpack_free(cp_pbpack_t *pk)
{
        free(pk->pk_tape);
        memset(pk, 0, sizeof(*pk));
}
