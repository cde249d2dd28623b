/*
 * Kafka partition names (core/kafka_part.h).
 *
 * DESIGN: parsed on demand from the name rather than carried as fields of
 * every record: only Kafka sources have them, and the name is what
 * positions and checkpoints already hold.
 */
#include "kafka_part.h"

#include <stdlib.h>
#include <string.h>

int cp_kafka_part_parse(const char *name, const char **topic, size_t *topic_len,
                        int32_t *partition)
{
        const char *slash = strrchr(name, '/');
        char *end;
        long v;

        if (!slash || slash == name || !slash[1])
                return -1;
        v = strtol(slash + 1, &end, 10);
        if (*end || v < 0 || v > INT32_MAX)
                return -1;
        *topic = name;
        *topic_len = (size_t)(slash - name);
        *partition = (int32_t)v;
        return 0;
}

int cp_kafka_part_cmp(const char *a, const char *b)
{
        const char *ta, *tb;
        size_t la, lb;
        int32_t pa, pb;
        int c;

        if (cp_kafka_part_parse(a, &ta, &la, &pa) || cp_kafka_part_parse(b, &tb, &lb, &pb))
                return strcmp(a, b);
        c = memcmp(ta, tb, la < lb ? la : lb);
        if (c || la != lb)
                return c ? c : (la < lb ? -1 : 1);
        return pa < pb ? -1 : pa > pb;
}
