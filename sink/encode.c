#include "encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/err.h"
#include "pbpack.h"

struct cp_encoder_s {
        ZSTD_CCtx *enc_cctx;
        uint8_t *enc_buf;   /* packed protobuf, reused between calls */
        size_t enc_cap;
        cp_pbpack_t enc_pk;
        /* The message types seen, and whether cp_pbpack() packs them. */
        const ProtobufCMessageDescriptor *enc_desc[8];
        bool enc_fast[8];
        size_t enc_ndesc;
};

cp_encoder_t *cp_encoder_new(int zstd_level)
{
        cp_encoder_t *enc = calloc(1, sizeof(*enc));

        if (!enc)
                return NULL;
        enc->enc_cctx = ZSTD_createCCtx();
        if (!enc->enc_cctx) {
                free(enc);
                return NULL;
        }
        ZSTD_CCtx_setParameter(enc->enc_cctx, ZSTD_c_compressionLevel, zstd_level);
        /* The content size in the frame header lets readers allocate once. */
        ZSTD_CCtx_setParameter(enc->enc_cctx, ZSTD_c_contentSizeFlag, 1);
        ZSTD_CCtx_setParameter(enc->enc_cctx, ZSTD_c_checksumFlag, 1);
        return enc;
}

void cp_encoder_destroy(cp_encoder_t *enc)
{
        if (!enc)
                return;
        ZSTD_freeCCtx(enc->enc_cctx);
        free(enc->enc_buf);
        cp_pbpack_free(&enc->enc_pk);
        free(enc);
}

/* Whether cp_pbpack() packs this message type (decided once per type). */
static bool cp_encode_fast(cp_encoder_t *enc, const ProtobufCMessageDescriptor *desc)
{
        for (size_t i = 0; i < enc->enc_ndesc; i++)
                if (enc->enc_desc[i] == desc)
                        return enc->enc_fast[i];
        if (enc->enc_ndesc == sizeof(enc->enc_desc) / sizeof(enc->enc_desc[0]))
                return cp_pbpack_supported(desc);
        enc->enc_desc[enc->enc_ndesc] = desc;
        return enc->enc_fast[enc->enc_ndesc++] = cp_pbpack_supported(desc);
}

int cp_encode_pack(cp_encoder_t *enc, const ProtobufCMessage *msg, const uint8_t **out,
                   size_t *len)
{
        size_t n = 0;

        if (cp_encode_fast(enc, msg->descriptor)) {
                n = cp_pbpack(&enc->enc_pk, msg, &enc->enc_buf, &enc->enc_cap);
                if (enc->enc_pk.pk_nomem)
                        return CP_ERR_NOMEM;
        }
        if (!n) {
                /* protobuf-c: a type cp_pbpack() does not implement, or
                 * an empty message. */
                n = protobuf_c_message_get_packed_size(msg);
                if (n > enc->enc_cap) {
                        size_t cap = enc->enc_cap ? enc->enc_cap : 64 * 1024;
                        uint8_t *nb;

                        while (cap < n)
                                cap *= 2;
                        nb = realloc(enc->enc_buf, cap);
                        if (!nb)
                                return CP_ERR_NOMEM;
                        enc->enc_buf = nb;
                        enc->enc_cap = cap;
                }
                protobuf_c_message_pack(msg, enc->enc_buf);
        }
        *out = enc->enc_buf;
        *len = n;
        return CP_OK;
}

int cp_encode_message(cp_encoder_t *enc, const ProtobufCMessage *msg,
                      void **out, size_t *out_len, size_t *raw_len)
{
        const uint8_t *raw;
        size_t n, bound, z;
        void *dst;
        int rc = cp_encode_pack(enc, msg, &raw, &n);

        if (rc)
                return rc;
        bound = ZSTD_compressBound(n);
        dst = malloc(bound);
        if (!dst)
                return CP_ERR_NOMEM;
        z = ZSTD_compress2(enc->enc_cctx, dst, bound, raw, n);
        if (ZSTD_isError(z)) {
                free(dst);
                return CP_ERR_NOMEM;
        }
        *out = dst;
        *out_len = z;
        *raw_len = n;
        return CP_OK;
}

ProtobufCMessage *cp_decode_message(const ProtobufCMessageDescriptor *desc,
                                    const void *buf, size_t len, char *errstr,
                                    size_t errstr_size)
{
        unsigned long long n = ZSTD_getFrameContentSize(buf, len);
        ProtobufCMessage *msg;
        void *raw;
        size_t z;

        if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN ||
            n > (1ULL << 31)) {
                snprintf(errstr, errstr_size, "value is not a zstd frame with a known size");
                return NULL;
        }
        raw = malloc(n ? n : 1);
        if (!raw) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        z = ZSTD_decompress(raw, n, buf, len);
        if (ZSTD_isError(z) || z != n) {
                snprintf(errstr, errstr_size, "zstd: %s",
                         ZSTD_isError(z) ? ZSTD_getErrorName(z) : "short frame");
                free(raw);
                return NULL;
        }
        msg = protobuf_c_message_unpack(desc, NULL, z, raw);
        free(raw);
        if (!msg)
                snprintf(errstr, errstr_size, "value does not parse as %s", desc->name);
        return msg;
}

void cp_content_type(const ProtobufCMessageDescriptor *desc, char *out,
                     size_t outsz)
{
        snprintf(out, outsz, CP_CONTENT_TYPE_PREFIX "%s", desc->name);
}
