#include "encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/err.h"

struct cp_encoder_s {
        ZSTD_CCtx *enc_cctx;
        uint8_t *enc_buf;   /* packed protobuf, reused between calls */
        size_t enc_cap;
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
        free(enc);
}

int cp_encode_message(cp_encoder_t *enc, const ProtobufCMessage *msg,
                      void **out, size_t *out_len, size_t *raw_len)
{
        size_t n = protobuf_c_message_get_packed_size(msg), bound, z;
        void *dst;

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
        bound = ZSTD_compressBound(n);
        dst = malloc(bound);
        if (!dst)
                return CP_ERR_NOMEM;
        z = ZSTD_compress2(enc->enc_cctx, dst, bound, enc->enc_buf, n);
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
