#include "live.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/status_page.h"

#ifndef CP_VERSION
#define CP_VERSION "unknown"
#endif

/* The status page reloads itself this often while the run lasts: often
 * enough to watch a run, rarely enough to cost nothing. */
#define CP_LIVE_STATUS_REFRESH_S 5

int cp_live_init(cp_live_t *lv, const cp_conf_t *conf)
{
        memset(lv, 0, sizeof(*lv));
        lv->lv_conf = conf;
        if (cp_report_alloc(&lv->lv_rep, conf->conf_nsources))
                return CP_ERR_NOMEM;
        if (cp_report_alloc(&lv->lv_render, conf->conf_nsources)) {
                cp_report_free(&lv->lv_rep);
                return CP_ERR_NOMEM;
        }
        pthread_mutex_init(&lv->lv_lock, NULL);
        pthread_mutex_init(&lv->lv_render_lock, NULL);
        return CP_OK;
}

void cp_live_destroy(cp_live_t *lv)
{
        cp_report_free(&lv->lv_rep);
        cp_report_free(&lv->lv_render);
        pthread_mutex_destroy(&lv->lv_lock);
        pthread_mutex_destroy(&lv->lv_render_lock);
}

void cp_live_set_queues(cp_live_t *lv, cp_queue_t *in, cp_queue_t *out)
{
        pthread_mutex_lock(&lv->lv_lock);
        lv->lv_queues[0] = in;
        lv->lv_queues[1] = out;
        /* Between sets of inputs (service mode) the queues are gone: they
         * stay on /metrics, empty, with their capacity. */
        if (in)
                lv->lv_queue_cap[0] = cp_queue_capacity(in);
        if (out)
                lv->lv_queue_cap[1] = cp_queue_capacity(out);
        pthread_mutex_unlock(&lv->lv_lock);
}

void cp_live_publish_report(cp_live_t *lv, const cp_report_t *rep)
{
        pthread_mutex_lock(&lv->lv_lock);
        cp_report_copy(&lv->lv_rep, rep);
        lv->lv_snapshots++;
        pthread_mutex_unlock(&lv->lv_lock);
}

uint64_t cp_live_latest_report(cp_live_t *lv, cp_report_t *rep)
{
        uint64_t n;

        pthread_mutex_lock(&lv->lv_lock);
        cp_report_copy(rep, &lv->lv_rep);
        n = lv->lv_snapshots;
        pthread_mutex_unlock(&lv->lv_lock);
        return n;
}

void cp_live_publish_sink(cp_live_t *lv, const cp_sink_stats_t *st, uint64_t nrec)
{
        cp_pipeline_stats_t *ps = &lv->lv_ps;

        pthread_mutex_lock(&lv->lv_lock);
        ps->ps_kafka_messages = st->sk_messages;
        ps->ps_kafka_delivered = st->sk_delivered;
        ps->ps_kafka_failed = st->sk_failed;
        ps->ps_kafka_records = st->sk_records;
        ps->ps_kafka_rejects = st->sk_rejects;
        ps->ps_bytes_protobuf = st->sk_raw_bytes;
        ps->ps_bytes_wire = st->sk_wire_bytes;
        if (nrec)
                cp_pipeline_count_batch(ps, nrec);
        pthread_mutex_unlock(&lv->lv_lock);
}

void cp_live_count_report(cp_live_t *lv)
{
        pthread_mutex_lock(&lv->lv_lock);
        lv->lv_ps.ps_reports++;
        pthread_mutex_unlock(&lv->lv_lock);
}

void cp_live_set_sink_ready(cp_live_t *lv)
{
        pthread_mutex_lock(&lv->lv_lock);
        lv->lv_sink_ready = true;
        pthread_mutex_unlock(&lv->lv_lock);
}

void cp_live_set_finished(cp_live_t *lv)
{
        pthread_mutex_lock(&lv->lv_lock);
        lv->lv_ps.ps_finished = true;
        pthread_mutex_unlock(&lv->lv_lock);
}

/* Sets the failure line (keep: only when none is set yet). */
static void cp_live_vfail(cp_live_t *lv, bool keep, const char *fmt, va_list ap)
{
        pthread_mutex_lock(&lv->lv_lock);
        if (!keep || !lv->lv_failure[0]) {
                vsnprintf(lv->lv_failure, sizeof(lv->lv_failure), fmt, ap);
                /* /readyz answers with one line. */
                for (char *p = lv->lv_failure; *p; p++)
                        if (*p == '\n' || *p == '\r')
                                *p = ' ';
        }
        pthread_mutex_unlock(&lv->lv_lock);
}

void cp_live_fail(cp_live_t *lv, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        cp_live_vfail(lv, true, fmt, ap);
        va_end(ap);
}

void cp_live_refused(cp_live_t *lv, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        cp_live_vfail(lv, false, fmt, ap);
        va_end(ap);
}

int cp_live_render(void *opaque, cp_metrics_page_t page, cp_buf_t *out)
{
        static const char *const names[2] = {"ingest", "sink"};
        cp_live_t *lv = opaque;
        cp_pipeline_stats_t ps;
        cp_status_run_t run = {.sr_version = CP_VERSION,
                               .sr_refresh_s = CP_LIVE_STATUS_REFRESH_S};
        char failure[sizeof(lv->lv_failure)];
        struct timespec now;
        int rc;

        pthread_mutex_lock(&lv->lv_render_lock);
        pthread_mutex_lock(&lv->lv_lock);
        cp_report_copy(&lv->lv_render, &lv->lv_rep);
        ps = lv->lv_ps;
        ps.ps_nqueues = 0;
        for (size_t q = 0; q < 2; q++) {
                cp_queue_stat_t *qs = &ps.ps_queue[ps.ps_nqueues];

                if (!lv->lv_queues[q] && !lv->lv_queue_cap[q])
                        continue;
                qs->qs_name = names[q];
                qs->qs_depth = lv->lv_queues[q] ? cp_queue_depth(lv->lv_queues[q]) : 0;
                qs->qs_capacity = lv->lv_queues[q] ? cp_queue_capacity(lv->lv_queues[q])
                                                   : lv->lv_queue_cap[q];
                ps.ps_nqueues++;
        }
        run.sr_snapshots = lv->lv_snapshots;
        run.sr_connected = lv->lv_sink_ready;
        memcpy(failure, lv->lv_failure, sizeof(failure));
        pthread_mutex_unlock(&lv->lv_lock);
        if (page == CP_PAGE_STATUS) {
                clock_gettime(CLOCK_REALTIME, &now);
                run.sr_now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
                run.sr_failure = failure;
                rc = cp_status_render(out, lv->lv_conf, &lv->lv_render, &ps, &run);
        } else {
                rc = cp_metrics_render(out, lv->lv_conf, &lv->lv_render, &ps, CP_VERSION);
        }
        pthread_mutex_unlock(&lv->lv_render_lock);
        return rc;
}

bool cp_live_ready(void *opaque, char *why, size_t why_size)
{
        cp_live_t *lv = opaque;
        bool ready;

        pthread_mutex_lock(&lv->lv_lock);
        if (lv->lv_failure[0])
                snprintf(why, why_size, "%s", lv->lv_failure);
        else if (!lv->lv_sink_ready)
                snprintf(why, why_size, "connecting to Kafka");
        ready = lv->lv_sink_ready && !lv->lv_failure[0];
        pthread_mutex_unlock(&lv->lv_lock);
        return ready;
}
