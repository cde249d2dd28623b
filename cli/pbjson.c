#include "pbjson.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *cp_base64(const uint8_t *p, size_t n)
{
        static const char tab[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
        json_t *j;

        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16;
                if (i + 1 < n)
                        v |= (uint32_t)p[i + 1] << 8;
                if (i + 2 < n)
                        v |= p[i + 2];
                *o++ = tab[(v >> 18) & 63];
                *o++ = tab[(v >> 12) & 63];
                *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
                *o++ = i + 2 < n ? tab[v & 63] : '=';
        }
        *o = '\0';
        j = json_string(out);
        free(out);
        return j;
}

/* One value of a field; p points at the value's storage. */
static json_t *cp_pb_value(const ProtobufCFieldDescriptor *fd, const void *p)
{
        char hex[17];

        switch (fd->type) {
        case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
                return json_integer(*(const int32_t *)p);
        case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
                return json_integer(*(const uint32_t *)p);
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
                return json_integer(*(const int64_t *)p);
        case PROTOBUF_C_TYPE_UINT64:
                return json_integer((json_int_t) * (const uint64_t *)p);
        case PROTOBUF_C_TYPE_FIXED64:
                snprintf(hex, sizeof(hex), "%016" PRIx64, *(const uint64_t *)p);
                return json_string(hex);
        case PROTOBUF_C_TYPE_FLOAT:
                return json_real(*(const float *)p);
        case PROTOBUF_C_TYPE_DOUBLE:
                return json_real(*(const double *)p);
        case PROTOBUF_C_TYPE_BOOL:
                return json_boolean(*(const protobuf_c_boolean *)p);
        case PROTOBUF_C_TYPE_ENUM: {
                const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
                        fd->descriptor, *(const int *)p);
                return ev ? json_string(ev->name) : json_integer(*(const int *)p);
        }
        case PROTOBUF_C_TYPE_STRING: {
                const char *s = *(char *const *)p;
                /* Invalid UTF-8 cannot be a JSON string: show it as bytes. */
                json_t *j = json_string(s ? s : "");
                return j ? j : cp_base64((const uint8_t *)s, strlen(s));
        }
        case PROTOBUF_C_TYPE_BYTES: {
                const ProtobufCBinaryData *b = p;
                return cp_base64(b->data, b->len);
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
                const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
                return m ? cp_pb_to_json(m) : json_null();
        }
        }
        return json_null();
}

static int cp_pb_is_default(const ProtobufCFieldDescriptor *fd, const void *p)
{
        switch (fd->type) {
        case PROTOBUF_C_TYPE_STRING: {
                const char *s = *(char *const *)p;
                return !s || !*s;
        }
        case PROTOBUF_C_TYPE_BYTES:
                return ((const ProtobufCBinaryData *)p)->len == 0;
        case PROTOBUF_C_TYPE_MESSAGE:
                return *(void *const *)p == NULL;
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
                return *(const uint64_t *)p == 0;
        case PROTOBUF_C_TYPE_BOOL:
                return *(const protobuf_c_boolean *)p == 0;
        default:
                return *(const uint32_t *)p == 0;
        }
}

/* Storage size of one element of a repeated field. */
static size_t cp_pb_elem_size(const ProtobufCFieldDescriptor *fd)
{
        switch (fd->type) {
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
                return 8;
        case PROTOBUF_C_TYPE_BOOL:
                return sizeof(protobuf_c_boolean);
        case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
                return sizeof(void *);
        case PROTOBUF_C_TYPE_BYTES:
                return sizeof(ProtobufCBinaryData);
        default:
                return 4;
        }
}

/* A map field arrives as repeated entry messages. Only message fields
 * have a descriptor (repeated scalars, e.g. lag_buckets, have none). */
static int cp_pb_is_map(const ProtobufCFieldDescriptor *fd)
{
        const ProtobufCMessageDescriptor *d = fd->descriptor;
        size_t n;

        if (fd->type != PROTOBUF_C_TYPE_MESSAGE || !d)
                return 0;
        n = strlen(d->name);
        return n > 5 && !strcmp(d->name + n - 5, "Entry") && d->n_fields == 2;
}

json_t *cp_pb_to_json(const ProtobufCMessage *msg)
{
        const ProtobufCMessageDescriptor *d = msg->descriptor;
        json_t *obj = json_object();

        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *fd = &d->fields[i];
                const char *base = (const char *)msg + fd->offset;

                if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
                        size_t n = *(const size_t *)((const char *)msg + fd->quantifier_offset);
                        const char *arr = *(char *const *)base;
                        json_t *j;

                        if (!n)
                                continue;
                        j = cp_pb_is_map(fd) ? json_object() : json_array();
                        for (size_t k = 0; k < n; k++) {
                                const void *elem = arr + k * cp_pb_elem_size(fd);
                                if (json_is_object(j)) {
                                        const ProtobufCMessage *e = *(ProtobufCMessage *const *)elem;
                                        const char *key = *(char *const *)((const char *)e +
                                                        e->descriptor->fields[0].offset);
                                        json_object_set_new(j, key, cp_pb_value(
                                                &e->descriptor->fields[1],
                                                (const char *)e + e->descriptor->fields[1].offset));
                                } else {
                                        json_array_append_new(j, cp_pb_value(fd, elem));
                                }
                        }
                        json_object_set_new(obj, fd->name, j);
                        continue;
                }
                if (cp_pb_is_default(fd, base))
                        continue;
                json_object_set_new(obj, fd->name, cp_pb_value(fd, base));
        }
        return obj;
}
