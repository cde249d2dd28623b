/*
 * The status page: one self-contained HTML document drawing the sharing
 * report and the pipeline's counters (what GET / of the metrics server
 * serves beside /metrics). docs/metrics.md, "Status page", says what is
 * drawn.
 *
 * DESIGN: a pure function from counts to text, like core/metrics.h, so a
 * unit test checks what is drawn without a server or a browser. The
 * document loads nothing: inline CSS and SVG, no script, no font, no
 * image, and a Content-Security-Policy that forbids fetching anything, so
 * it can be opened from a file or a locked-down network alike. Every drawn
 * figure carries its exact counts in data- attributes (data-shared,
 * data-active, data-overlap, ...) so a test compares the drawing with
 * /metrics without reading pixels. Text on the page is source ids, role,
 * category and field names, reason codes and counts: never anything read
 * from a record, so never personal data; all of it is escaped anyway, as
 * ids come from a configuration file.
 */
#ifndef CP_STATUS_PAGE_H
#define CP_STATUS_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "metrics.h"
#include "report.h"

/* The content type of the page. */
#define CP_STATUS_CONTENT_TYPE "text/html; charset=utf-8"

/* What the page says about the run beside its figures. */
typedef struct cp_status_run_s {
        const char *sr_version;   /* the build's version */
        int64_t sr_now_ms;        /* when the page is rendered, Unix ms */
        uint64_t sr_snapshots;    /* report snapshots so far; 0: none yet */
        bool sr_connected;        /* the sink is connected to Kafka */
        const char *sr_failure;   /* first permanent failure, "" or NULL if none */
        int sr_refresh_s;         /* reload every N s until the run is
                                   * finished (figures final); 0: never */
} cp_status_run_t;

/**
 * @brief Appends the status page of rep (one entry per source of conf, in
 * order), ps (NULL: no pipeline counters) and run to out.
 * @returns CP_OK, or CP_ERR_NOMEM (out is then incomplete).
 */
int cp_status_render(cp_buf_t *out, const cp_conf_t *conf, const cp_report_t *rep,
                     const cp_pipeline_stats_t *ps, const cp_status_run_t *run);

/** @returns the run's state as the page names it: "failed", "finished",
 * "connecting", "starting" (no figures yet) or "running". */
const char *cp_status_state(const cp_status_run_t *run, const cp_pipeline_stats_t *ps);

#endif
