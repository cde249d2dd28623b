/*
 * Any protobuf-c message as JSON, driven by its descriptor: what
 * `credpipe decode` prints. Follows the proto3 JSON mapping where it helps
 * readers (field names as in the .proto, enums by name, bytes in base64,
 * default values omitted, maps as objects); 64-bit integers are printed as
 * numbers (counts and offsets stay far below 2^53) except fixed64, which
 * holds hashes and is printed as 16 hex digits.
 */
#ifndef CP_PBJSON_H
#define CP_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/** @returns a new JSON object for msg. @owns the result (json_decref). */
json_t *cp_pb_to_json(const ProtobufCMessage *msg);

#endif
