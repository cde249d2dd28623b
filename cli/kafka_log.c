#include "kafka_log.h"

#include "core/log.h"

void cp_kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
        cp_log_syslog(level, "kafka", CP_LOG_EVENT_RDKAFKA, fac,
                      rk ? rd_kafka_name(rk) : NULL, buf);
}
