/*
 * librdkafka's log callback for the handles the commands create themselves
 * (the embedded broker's, decode's consumer): their lines go through
 * core/log like the producer's (sink/kafka.c), as comp=kafka
 * event=RDKAFKA_<FACILITY>, instead of librdkafka's own stderr format.
 */
#ifndef CP_KAFKA_LOG_H
#define CP_KAFKA_LOG_H

#include <librdkafka/rdkafka.h>

/** @brief For rd_kafka_conf_set_log_cb(). */
void cp_kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf);

#endif
