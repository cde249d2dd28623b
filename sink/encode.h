/*
 * Encoding of output messages: protobuf, then one zstd frame.
 *
 * DESIGN: pure functions, no I/O, so tests check the exact bytes the sink
 * would produce without a broker (style.md R3). The encoder keeps its pack
 * buffer and zstd context between calls: one encoder per thread.
 */
#ifndef CP_ENCODE_H
#define CP_ENCODE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define CP_SCHEMA_VERSION 1
#define CP_CONTENT_TYPE_PREFIX "application/x-protobuf; messageType="

typedef struct cp_encoder_s cp_encoder_t;

/** @returns an encoder compressing at this zstd level, or NULL. */
cp_encoder_t *cp_encoder_new(int zstd_level);

/** @brief Frees the encoder. NULL ok. */
void cp_encoder_destroy(cp_encoder_t *enc);

/**
 * @brief Packs msg as protobuf_c_message_pack() would (sink/pbpack.h).
 * @param out set to the packed bytes, valid until the next call
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_encode_pack(cp_encoder_t *enc, const ProtobufCMessage *msg, const uint8_t **out,
                   size_t *len);

/**
 * @brief Packs msg and compresses it as one zstd frame.
 * @param out set to a malloc'd buffer: @owns it passes to the caller
 * @param raw_len set to the packed (uncompressed) size
 * @returns CP_OK or CP_ERR_NOMEM.
 */
int cp_encode_message(cp_encoder_t *enc, const ProtobufCMessage *msg,
                      void **out, size_t *out_len, size_t *raw_len);

/**
 * @brief Reverses cp_encode_message: decompresses one zstd frame and
 * unpacks it as the given message type.
 * @returns the message (free with protobuf_c_message_free_unpacked), or
 *          NULL with errstr saying why.
 */
ProtobufCMessage *cp_decode_message(const ProtobufCMessageDescriptor *desc,
                                    const void *buf, size_t len, char *errstr,
                                    size_t errstr_size);

/** @returns the content-type header value naming a message type. */
void cp_content_type(const ProtobufCMessageDescriptor *desc, char *out,
                     size_t outsz);

#endif
