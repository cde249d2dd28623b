/*
 * Reading the last committed checkpoint of this instance back from the
 * checkpoints topic (docs/exactly-once.md).
 */
#ifndef CP_CHECKPOINT_H
#define CP_CHECKPOINT_H

#include "core/config.h"
#include "proto/credpipe.pb-c.h"

/**
 * @brief Reads the checkpoints topic with a read_committed consumer and
 * returns the last checkpoint keyed by conf->conf_instance: only
 * checkpoints of committed transactions are seen. Call it after the
 * transactional producer is initialised, which aborts this instance's
 * open transaction, so the read is not held back by it.
 * @param out set to the checkpoint (free with
 *        credpipe__v1__checkpoint__free_unpacked), or NULL when there is none
 * @returns CP_OK, or CP_ERR_KAFKA with errstr.
 */
int cp_checkpoint_read_last(const cp_conf_t *conf, const char *brokers,
                            Credpipe__V1__Checkpoint **out, char *errstr,
                            size_t errstr_size);

#endif
