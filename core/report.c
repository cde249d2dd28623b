#include "report.h"

double cp_report_rate(const cp_source_stats_t *st)
{
        return st->st_unique_keys ? (double)st->st_shared / (double)st->st_unique_keys
                                  : 0.0;
}
