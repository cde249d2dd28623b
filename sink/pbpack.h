/*
 * Packing protobuf-c messages: the bytes protobuf_c_message_pack() gives,
 * at a fraction of its cost.
 *
 * DESIGN: protobuf-c packs a nested message by computing the packed size
 * of every sub-message once for the size of the whole and again for each
 * level it sits under (a Position inside a Provenance inside a record
 * inside a batch is sized four times), and measures every string twice.
 * Here one size pass pushes each string length and sub-message size on a
 * tape, in the order the write pass needs them, and the write pass only
 * copies. Both passes walk the messages' descriptors, so the packer
 * follows the .proto without being told; a message using what it does not
 * implement (oneofs, proto2 optional and required labels, packed or
 * 32-bit-wide wire types, unknown fields) is packed by protobuf-c instead,
 * so the bytes are the same either way (tests/unit/test_encode.c compares
 * them).
 */
#ifndef CP_PBPACK_H
#define CP_PBPACK_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cp_pbpack_s {
        size_t *pk_tape;      /* string lengths and sub-message sizes */
        size_t pk_n;          /* entries pushed by the size pass */
        size_t pk_cap;
        size_t pk_pos;        /* next entry for the write pass */
        bool pk_nomem;
        bool pk_unsupported;
} cp_pbpack_t;

/** @returns whether the packer implements every field msg's type can
 *  hold, its sub-messages' included. */
bool cp_pbpack_supported(const ProtobufCMessageDescriptor *desc);

/**
 * @brief Packs msg into *buf (grown with realloc to fit; *cap is its
 * size), as protobuf_c_message_pack() would.
 * @returns the packed size, or 0 with *buf untouched when msg needs
 *          protobuf-c (see DESIGN) or memory ran out (pk->pk_nomem).
 *          An empty message also packs to 0 bytes: callers fall back to
 *          protobuf-c for it, which gives the same nothing.
 */
size_t cp_pbpack(cp_pbpack_t *pk, const ProtobufCMessage *msg, uint8_t **buf, size_t *cap);

/** @brief Frees the tape; pk may be used again. */
void cp_pbpack_free(cp_pbpack_t *pk);

#endif
