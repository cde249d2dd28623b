/* Throughput and errors: records per source and what became of them,
 * rejects by reason, Kafka's counters and the queues between stages. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "status_draw.h"

/* ---- records per source ---- */

static const struct {
        uint32_t rgb;
        const char *kind;
        const char *label;
} cp_sp_fates[3] = {
        {CP_SP_GREEN, "produced", "produced"},
        {CP_SP_SKY, "duplicate", "duplicates"},
        {CP_SP_VERMILLION, "rejected", "rejected"},
};

static void cp_sp_records_row(cp_buf_t *b, double y, const cp_source_conf_t *src,
                              const cp_source_stats_t *st, uint64_t max)
{
        const uint64_t v[3] = {st->st_produced, st->st_duplicates, st->st_rejects};
        double by = y + (CP_SP_ROW_H - CP_SP_BAR_H) / 2.0, x = CP_SP_BAR_X;

        cp_sp_source_label(b, y, src);
        for (int k = 0; k < 3; k++) {
                double w = cp_sp_len(v[k], max, CP_SP_BAR_W);

                cp_sp_rect(b, "rec", x, by, w, CP_SP_BAR_H, cp_sp_fates[k].rgb);
                cp_html_attr(b, "data-source", src->src_id);
                cp_html_attr(b, "data-kind", cp_sp_fates[k].kind);
                cp_html_attr_u64(b, "data-records", v[k]);
                cp_sp_rect_end(b, cp_sp_fates[k].label);
                x += w;
        }
        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\"><tspan class=\"num\">", CP_SP_TEXT_X,
                      y + 15);
        cp_html_count(b, st->st_read);
        cp_buf_puts(b, "</tspan> read</text>\n");
        cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"sub\">", CP_SP_TEXT_X, y + 30);
        for (int k = 0; k < 3; k++) {
                cp_buf_puts(b, k ? " \xC2\xB7 " : "");
                cp_html_count(b, v[k]);
                cp_buf_puts(b, " ");
                cp_buf_puts(b, cp_sp_fates[k].label);
        }
        cp_buf_puts(b, "</text>\n");
}

static void cp_sp_records(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_sp_key_t keys[3];
        uint64_t max = 0;
        int h = (int)rep->rep_nsrc * CP_SP_ROW_H + 2;

        for (size_t i = 0; i < rep->rep_nsrc; i++)
                if (rep->rep_src[i].st_read > max)
                        max = rep->rep_src[i].st_read;
        cp_buf_puts(b, "<h3>Records per source</h3>\n");
        for (int k = 0; k < 3; k++)
                keys[k] = (cp_sp_key_t){cp_sp_fates[k].rgb, cp_sp_fates[k].label};
        cp_sp_legend(b, keys, 3);
        cp_sp_svg_open(b, "chart", CP_SP_W, h, "records read per source, by fate");
        for (size_t i = 0; i < rep->rep_nsrc; i++)
                cp_sp_records_row(b, (double)(i * CP_SP_ROW_H), &conf->conf_sources[i],
                                  &rep->rep_src[i], max);
        cp_sp_svg_close(b);
}

/* ---- rejects by reason, over every source ---- */

#define CP_SP_REASONS_MAX 96   /* distinct codes shown; codes are few */
#define CP_SP_REASON_ROW 24
#define CP_SP_REASON_SOURCES 3 /* sources named per reason, in order */
#define CP_SP_REASON_BAR_W 360 /* shorter bars: room for the sources' names */

typedef struct cp_sp_reason_s {
        const char *r_code;
        uint64_t r_n;
} cp_sp_reason_t;

static void cp_sp_reason_sources(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep,
                                 const char *code)
{
        size_t named = 0, more = 0;

        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                for (unsigned r = 0; r < st->st_nreject_reasons; r++) {
                        if (strcmp(st->st_reject_reasons[r].rc_code, code))
                                continue;
                        if (named == CP_SP_REASON_SOURCES) {
                                more++;
                                continue;
                        }
                        cp_buf_puts(b, named++ ? ", " : " \xC2\xB7 ");
                        cp_html_text(b, conf->conf_sources[i].src_id);
                        cp_buf_puts(b, " ");
                        cp_html_count(b, st->st_reject_reasons[r].rc_n);
                }
        }
        if (more)
                cp_buf_printf(b, ", %zu more", more);
}

static void cp_sp_rejects(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep)
{
        cp_sp_reason_t r[CP_SP_REASONS_MAX];
        size_t n = 0;
        uint64_t other = 0;

        for (size_t i = 0; i < rep->rep_nsrc; i++) {
                const cp_source_stats_t *st = &rep->rep_src[i];

                for (unsigned k = 0; k < st->st_nreject_reasons; k++) {
                        const cp_reason_count_t *rc = &st->st_reject_reasons[k];
                        size_t j = 0;

                        while (j < n && strcmp(r[j].r_code, rc->rc_code))
                                j++;
                        if (j == n && n == CP_SP_REASONS_MAX) {
                                other += rc->rc_n;
                                continue;
                        }
                        if (j == n)
                                r[n++] = (cp_sp_reason_t){rc->rc_code, 0};
                        r[j].r_n += rc->rc_n;
                }
        }
        /* Most frequent first; ties by code, so the order is stable. */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && (r[j].r_n > r[j - 1].r_n ||
                                             (r[j].r_n == r[j - 1].r_n &&
                                              strcmp(r[j].r_code, r[j - 1].r_code) < 0)); j--) {
                        cp_sp_reason_t t = r[j];

                        r[j] = r[j - 1];
                        r[j - 1] = t;
                }
        cp_buf_puts(b, "<h3>Rejects by reason</h3>\n");
        if (!n) {
                cp_buf_puts(b, "<p>No record was rejected.</p>\n");
                return;
        }
        cp_sp_svg_open(b, "chart", CP_SP_W, (int)n * CP_SP_REASON_ROW + 4,
                       "rejected records by reason code");
        for (size_t i = 0; i < n; i++) {
                double y = (double)(i * CP_SP_REASON_ROW);

                cp_sp_text(b, 0, y + 16, "num", "start", r[i].r_code);
                cp_sp_rect(b, "reason", CP_SP_BAR_X, y + 5,
                           cp_sp_len(r[i].r_n, r[0].r_n, CP_SP_REASON_BAR_W), 14,
                           CP_SP_VERMILLION);
                cp_html_attr(b, "data-reason", r[i].r_code);
                cp_html_attr_u64(b, "data-records", r[i].r_n);
                cp_sp_rect_end(b, NULL);
                cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\"><tspan class=\"num\">",
                              CP_SP_BAR_X + CP_SP_REASON_BAR_W + 14, y + 16);
                cp_html_count(b, r[i].r_n);
                cp_buf_puts(b, "</tspan><tspan class=\"sub\">");
                cp_sp_reason_sources(b, conf, rep, r[i].r_code);
                cp_buf_puts(b, "</tspan></text>\n");
        }
        cp_sp_svg_close(b);
        if (other) {
                cp_buf_puts(b, "<p>Other reason codes: ");
                cp_html_count(b, other);
                cp_buf_puts(b, " records.</p>\n");
        }
}

/* ---- Kafka and queues ---- */

static void cp_sp_kafka_row(cp_buf_t *b, const char *metric, const char *label, uint64_t v)
{
        cp_buf_puts(b, "<tr");
        cp_html_attr(b, "data-metric", metric);
        cp_html_attr_u64(b, "data-value", v);
        cp_buf_puts(b, "><td>");
        cp_html_text(b, label);
        cp_buf_puts(b, "</td><td>");
        cp_html_count(b, v);
        cp_buf_puts(b, "</td></tr>");
}

static void cp_sp_kafka(cp_buf_t *b, const cp_pipeline_stats_t *ps)
{
        cp_buf_puts(b, "<div><h3>Kafka</h3><table id=\"kafka\"><tbody>");
        cp_sp_kafka_row(b, "kafka_messages", "messages handed to the producer",
                        ps->ps_kafka_messages);
        cp_sp_kafka_row(b, "kafka_delivered", "messages delivered", ps->ps_kafka_delivered);
        cp_sp_kafka_row(b, "kafka_delivery_failures", "messages failed for good",
                        ps->ps_kafka_failed);
        cp_sp_kafka_row(b, "kafka_records", "records in RecordBatches", ps->ps_kafka_records);
        cp_sp_kafka_row(b, "kafka_rejects", "records in RejectBatches", ps->ps_kafka_rejects);
        cp_sp_kafka_row(b, "kafka_bytes_protobuf", "bytes of protobuf", ps->ps_bytes_protobuf);
        cp_sp_kafka_row(b, "kafka_bytes_wire", "bytes on the wire (zstd)", ps->ps_bytes_wire);
        cp_sp_kafka_row(b, "sharing_reports", "SharingReports produced", ps->ps_reports);
        cp_sp_kafka_row(b, "batches", "batches handed to the sink", ps->ps_batch_count);
        cp_buf_puts(b, "</tbody></table>");
        if (ps->ps_bytes_wire)
                cp_buf_printf(b, "<p class=\"def\">Compression %.1f\xC3\x97; %.0f records per "
                              "batch on average.</p>",
                              (double)ps->ps_bytes_protobuf / (double)ps->ps_bytes_wire,
                              ps->ps_batch_count ? (double)ps->ps_batch_sum /
                                                           (double)ps->ps_batch_count : 0.0);
        cp_buf_puts(b, "</div>\n");
}

#define CP_SP_QUEUE_ROW 30
#define CP_SP_QUEUE_BAR_X 70
#define CP_SP_QUEUE_BAR_W 300

static void cp_sp_queues(cp_buf_t *b, const cp_pipeline_stats_t *ps)
{
        cp_buf_puts(b, "<div><h3>Queues between stages</h3>\n");
        if (!ps->ps_nqueues) {
                cp_buf_puts(b, "<p>No queue: the stages are not running.</p></div>\n");
                return;
        }
        cp_buf_puts(b, "<p class=\"def\">Batches waiting, out of the queue's capacity; full "
                       "queues mean the next stage (or Kafka) is the bottleneck.</p>\n");
        cp_sp_svg_open(b, "queues", 540, (int)ps->ps_nqueues * CP_SP_QUEUE_ROW + 4,
                       "queue depths");
        for (size_t q = 0; q < ps->ps_nqueues; q++) {
                const cp_queue_stat_t *qs = &ps->ps_queue[q];
                double y = (double)(q * CP_SP_QUEUE_ROW);

                cp_sp_text(b, 0, y + 18, "num", "start", qs->qs_name);
                cp_sp_rect(b, "track", CP_SP_QUEUE_BAR_X, y + 6, CP_SP_QUEUE_BAR_W, 16,
                           CP_SP_TRACK);
                cp_sp_rect_end(b, NULL);
                cp_sp_rect(b, "queue", CP_SP_QUEUE_BAR_X, y + 6,
                           cp_sp_len(qs->qs_depth, qs->qs_capacity, CP_SP_QUEUE_BAR_W), 16,
                           CP_SP_ORANGE);
                cp_html_attr(b, "data-queue", qs->qs_name);
                cp_html_attr_u64(b, "data-depth", qs->qs_depth);
                cp_html_attr_u64(b, "data-capacity", qs->qs_capacity);
                cp_sp_rect_end(b, NULL);
                cp_buf_printf(b, "<text x=\"%d\" y=\"%.1f\">%" PRIu64 " of %" PRIu64
                              " batches</text>\n", CP_SP_QUEUE_BAR_X + CP_SP_QUEUE_BAR_W + 10,
                              y + 18, qs->qs_depth, qs->qs_capacity);
        }
        cp_sp_svg_close(b);
        cp_buf_puts(b, "</div>\n");
}

void cp_sp_flow(cp_buf_t *b, const cp_conf_t *conf, const cp_report_t *rep,
                const cp_pipeline_stats_t *ps)
{
        cp_sp_section_open(b, "throughput", "Throughput and errors",
                           "Every record read is produced (the first of its key), counted as "
                           "a duplicate, or rejected with a reason code: read = produced + "
                           "duplicates + rejected.");
        cp_sp_records(b, conf, rep);
        cp_sp_rejects(b, conf, rep);
        if (ps) {
                cp_buf_puts(b, "<div class=\"cols2\">\n");
                cp_sp_kafka(b, ps);
                cp_sp_queues(b, ps);
                cp_buf_puts(b, "</div>\n");
        }
        cp_sp_section_close(b);
}
