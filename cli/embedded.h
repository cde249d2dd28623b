/*
 * The embedded broker: librdkafka's mock cluster on 127.0.0.1.
 *
 * For trying credpipe out and for fast tests only: data lives in memory,
 * there is no transaction visibility, and only about 5 MB and 100,000
 * message sets are kept per partition.
 */
#ifndef CP_EMBEDDED_H
#define CP_EMBEDDED_H

#include <stddef.h>

typedef struct cp_embedded_s cp_embedded_t;

/** @returns a running single-broker cluster, or NULL with errstr. */
cp_embedded_t *cp_embedded_start(char *errstr, size_t errstr_size);

/** @returns a running cluster of n brokers (ids 1..n), or NULL with errstr. */
cp_embedded_t *cp_embedded_start_n(int brokers, char *errstr, size_t errstr_size);

struct rd_kafka_mock_cluster_s;
/** @returns the mock cluster, for fault injection (cli/broker_cmds.c). */
struct rd_kafka_mock_cluster_s *cp_embedded_mock(cp_embedded_t *em);

/** @returns its bootstrap address, "127.0.0.1:PORT". */
const char *cp_embedded_bootstraps(const cp_embedded_t *em);

/** @brief Creates a topic with this many partitions (existing: no-op). */
int cp_embedded_create_topic(cp_embedded_t *em, const char *topic, int partitions);

/** @brief Stops the cluster; its data is gone. NULL ok. */
void cp_embedded_stop(cp_embedded_t *em);

#endif
