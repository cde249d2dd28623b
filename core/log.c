#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static cp_log_level_t cp_log_min = CP_LOG_INFO;
static const char *const cp_log_names[] = {"debug", "info", "warn", "error"};

void cp_log_set_level(cp_log_level_t level)
{
        cp_log_min = level;
}

int cp_log_level_by_name(const char *name)
{
        for (int i = 0; i <= CP_LOG_ERROR; i++)
                if (!strcmp(name, cp_log_names[i]))
                        return i;
        return -1;
}

void cp_log(cp_log_level_t level, const char *comp, const char *event,
            const char *fmt, ...)
{
        char line[2048];
        struct timespec ts;
        struct tm tm;
        size_t n;
        va_list ap;

        if (level < cp_log_min)
                return;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
        n += snprintf(line + n, sizeof(line) - n,
                      ".%03ldZ level=%s comp=%s event=%s ",
                      ts.tv_nsec / 1000000, cp_log_names[level], comp, event);
        va_start(ap, fmt);
        if (n < sizeof(line))
                vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        va_end(ap);
        /* One fputs per line: stdio locks the stream, so lines from
         * different threads never interleave. */
        n = strlen(line);
        if (n + 1 < sizeof(line)) {
                line[n] = '\n';
                line[n + 1] = '\0';
        }
        fputs(line, stderr);
}
