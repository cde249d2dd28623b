/*
 * A loopback TCP forwarder: lets `credpipe broker --port P` answer on a
 * chosen port although librdkafka's mock cluster picks its own.
 *
 * Kafka clients use the bootstrap address only for their first requests;
 * the metadata they receive names the mock broker's own port, so after
 * bootstrap they connect there directly and the forwarder relays little.
 */
#ifndef CP_PORTFWD_H
#define CP_PORTFWD_H

#include <stddef.h>

typedef struct cp_portfwd_s cp_portfwd_t;

/** @returns a forwarder from 127.0.0.1:port to target ("host:port"). */
cp_portfwd_t *cp_portfwd_start(int port, const char *target, char *errstr,
                               size_t errstr_size);

/** @brief Stops accepting and frees the forwarder. NULL ok. */
void cp_portfwd_stop(cp_portfwd_t *fwd);

#endif
