/*
 * Reads the latest SharingReport from the sharing topic, for
 * `credpipe report`.
 *
 * DESIGN: a report is produced every report.interval and at the end of a
 * run, so the latest one is near the end of a partition. Each partition
 * is read from a few messages before its end offset (read_committed, so
 * aborted data never counts), and only when none of those is a
 * SharingReport from its beginning. Of the reports found, the one with
 * the latest generated_at_ms wins (the topic may have several
 * partitions, and several instances may write to it).
 */
#ifndef CP_REPORT_FETCH_H
#define CP_REPORT_FETCH_H

#include <stddef.h>

#include "proto/credpipe.pb-c.h"

/**
 * @brief Finds the latest SharingReport on topic.
 * @param where set to "topic [partition] at offset N" of the report found
 * @param timeout_ms how long to wait without progress before giving up
 * @returns CP_OK with *out (free with protobuf_c_message_free_unpacked),
 *          or CP_ERR_KAFKA / CP_ERR_PARSE with errstr (also when the topic
 *          holds no SharingReport).
 */
int cp_report_fetch(const char *brokers, const char *topic, int timeout_ms,
                    Credpipe__V1__SharingReport **out, char *where, size_t where_size,
                    char *errstr, size_t errstr_size);

#endif
