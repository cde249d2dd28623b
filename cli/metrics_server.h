/*
 * The metrics endpoint: a small embedded HTTP server (libmicrohttpd) that
 * serves GET /metrics (Prometheus text exposition), / and /status (the
 * HTML status page, core/status_page.h), /healthz and /readyz.
 *
 * DESIGN: the server knows HTTP only; what it serves comes from callbacks,
 * which run on the server's own thread and must do their own locking.
 * One internal thread answers every request: scrapes are a few a minute,
 * and a server that cannot fall behind the pipeline cannot slow it down.
 * It binds to the address it is given; the configuration's default is
 * loopback (docs/configuration.md), as the figures are for the operator.
 */
#ifndef CP_METRICS_SERVER_H
#define CP_METRICS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* What a GET asks the render handler for. */
typedef enum cp_metrics_page_e {
        CP_PAGE_METRICS = 0,  /* /metrics: the Prometheus text exposition */
        CP_PAGE_STATUS,       /* / and /status: the HTML status page */
} cp_metrics_page_t;

typedef struct cp_metrics_handlers_s {
        /* Appends the page to out; @returns CP_OK or an error (500). One
         * handler for both, so both render from one copy of the figures. */
        int (*mh_render)(void *opaque, cp_metrics_page_t page, cp_buf_t *out);
        /* @returns whether credpipe is ready; if not, why (one line). */
        bool (*mh_ready)(void *opaque, char *why, size_t why_size);
        void *mh_opaque;
} cp_metrics_handlers_t;

typedef struct cp_metrics_server_s cp_metrics_server_t;

/**
 * @brief Starts serving on a listen address "HOST:PORT" or "[IPV6]:PORT";
 * port 0 lets the system pick one (cp_metrics_server_port tells which).
 * @returns the server, or NULL with errstr.
 */
cp_metrics_server_t *cp_metrics_server_start(const char *listen,
                                             const cp_metrics_handlers_t *h,
                                             char *errstr, size_t errstr_size);

/** @returns the port the server listens on. */
int cp_metrics_server_port(const cp_metrics_server_t *ms);

/** @returns the address it listens on, without the port. */
const char *cp_metrics_server_host(const cp_metrics_server_t *ms);

/** @brief Stops the server and waits for its thread. NULL ok. */
void cp_metrics_server_stop(cp_metrics_server_t *ms);

#endif
