/*
 * Names of Kafka partitions as credpipe writes them: "topic/partition".
 *
 * DESIGN: a Kafka source's partitions take the place of files (ingest,
 * positions, checkpoints), so a partition needs a name like a path. Kafka
 * topic names cannot hold '/', so "topic/3" parses back without doubt.
 * Here in core/ because ingest, transform, sink and the run all read it.
 */
#ifndef CP_KAFKA_PART_H
#define CP_KAFKA_PART_H

#include <stddef.h>
#include <stdint.h>

/**
 * @brief Parses a partition name. @returns 0, or -1 when name is not
 * "topic/N" (topic then points into name, topic_len its length).
 */
int cp_kafka_part_parse(const char *name, const char **topic, size_t *topic_len,
                        int32_t *partition);

/** @returns <0, 0, >0: partition names in reading order (topic, then number). */
int cp_kafka_part_cmp(const char *a, const char *b);

#endif
