#include "metrics_server.h"

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/status_page.h"

/* Scrapers connect, ask, and go: a few connections are plenty, and a
 * stalled client must not hold one for long. */
#define CP_METRICS_MAX_CONNECTIONS 16
#define CP_METRICS_CONNECTION_TIMEOUT_S 10

struct cp_metrics_server_s {
        struct MHD_Daemon *ms_daemon;
        cp_metrics_handlers_t ms_h;
        char ms_host[256];
        int ms_port;
};

/* libmicrohttpd's own messages go to our log, one line each. */
static void cp_metrics_log(void *cls, const char *fmt, va_list ap)
{
        char msg[512];
        size_t n;

        (void)cls;
        vsnprintf(msg, sizeof(msg), fmt, ap);
        n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
                msg[--n] = '\0';
        for (char *p = msg; *p; p++)
                if (*p == '"' || *p == '\n')
                        *p = '\'';
        cp_log_warn("metrics", "HTTP_SERVER", "msg=\"%s\"", msg);
}

static enum MHD_Result cp_metrics_reply(struct MHD_Connection *conn, unsigned status,
                                        const char *ctype, char *body, size_t len,
                                        enum MHD_ResponseMemoryMode mode)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
        enum MHD_Result ret;

        if (!r) {
                if (mode == MHD_RESPMEM_MUST_FREE)
                        free(body);
                return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
        /* Figures change every scrape: nothing in between may keep one. */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        ret = MHD_queue_response(conn, status, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result cp_metrics_text(struct MHD_Connection *conn, unsigned status,
                                       const char *text)
{
        return cp_metrics_reply(conn, status, "text/plain; charset=utf-8", (char *)text,
                                strlen(text), MHD_RESPMEM_MUST_COPY);
}

/* A page rendered by the handlers: /metrics or the status page. */
static enum MHD_Result cp_metrics_page(cp_metrics_server_t *ms, struct MHD_Connection *conn,
                                       cp_metrics_page_t page, const char *ctype)
{
        cp_buf_t b;
        char *body;
        size_t len;

        cp_buf_init(&b);
        if (ms->ms_h.mh_render(ms->ms_h.mh_opaque, page, &b) != CP_OK) {
                cp_buf_free(&b);
                return cp_metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                       "the page could not be rendered\n");
        }
        body = cp_buf_steal(&b, &len);
        if (!body)
                return cp_metrics_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        return cp_metrics_reply(conn, MHD_HTTP_OK, ctype, body, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result cp_metrics_handle(void *cls, struct MHD_Connection *conn,
                                         const char *url, const char *method,
                                         const char *version, const char *upload_data,
                                         size_t *upload_data_size, void **req_cls)
{
        cp_metrics_server_t *ms = cls;

        (void)version;
        (void)upload_data;
        (void)upload_data_size;
        (void)req_cls;
        if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
                struct MHD_Response *r = MHD_create_response_from_buffer(
                        strlen("method not allowed\n"), (void *)"method not allowed\n",
                        MHD_RESPMEM_PERSISTENT);
                enum MHD_Result ret;

                if (!r)
                        return MHD_NO;
                MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                        "text/plain; charset=utf-8");
                ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
                MHD_destroy_response(r);
                return ret;
        }
        if (!strcmp(url, "/metrics"))
                return cp_metrics_page(ms, conn, CP_PAGE_METRICS, CP_METRICS_CONTENT_TYPE);
        if (!strcmp(url, "/") || !strcmp(url, "/status"))
                return cp_metrics_page(ms, conn, CP_PAGE_STATUS, CP_STATUS_CONTENT_TYPE);
        if (!strcmp(url, "/healthz"))
                /* Answered by a thread of the process: it is alive. */
                return cp_metrics_text(conn, MHD_HTTP_OK, "ok\n");
        if (!strcmp(url, "/readyz")) {
                char why[256] = "", line[300];

                if (ms->ms_h.mh_ready(ms->ms_h.mh_opaque, why, sizeof(why)))
                        return cp_metrics_text(conn, MHD_HTTP_OK, "ready\n");
                snprintf(line, sizeof(line), "not ready: %s\n", why);
                return cp_metrics_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, line);
        }
        return cp_metrics_text(conn, MHD_HTTP_NOT_FOUND,
                               "not found; try /, /metrics, /healthz or /readyz\n");
}

cp_metrics_server_t *cp_metrics_server_start(const char *listen,
                                             const cp_metrics_handlers_t *h,
                                             char *errstr, size_t errstr_size)
{
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
        struct addrinfo *ai = NULL;
        cp_metrics_server_t *ms;
        const union MHD_DaemonInfo *info;
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
        char host[256], port[8];
        int p, e;

        if (cp_listen_parse(listen, host, sizeof(host), &p)) {
                snprintf(errstr, errstr_size, "metrics listen address '%s' is not HOST:PORT "
                         "(IPv6: [ADDR]:PORT; port 0 to 65535)", listen);
                return NULL;
        }
        snprintf(port, sizeof(port), "%d", p);
        e = getaddrinfo(host, port, &hints, &ai);
        if (e || !ai) {
                snprintf(errstr, errstr_size, "metrics listen address %s: %s", listen,
                         e ? gai_strerror(e) : "no address");
                if (ai)
                        freeaddrinfo(ai);
                return NULL;
        }
        ms = calloc(1, sizeof(*ms));
        if (!ms) {
                freeaddrinfo(ai);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        ms->ms_h = *h;
        snprintf(ms->ms_host, sizeof(ms->ms_host), "%s", host);
        if (ai->ai_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        ms->ms_daemon = MHD_start_daemon(
                flags, (uint16_t)p, NULL, NULL, cp_metrics_handle, ms,
                /* First, so that no message goes to the default logger. */
                MHD_OPTION_EXTERNAL_LOGGER, cp_metrics_log, NULL,
                MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned)CP_METRICS_MAX_CONNECTIONS,
                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CP_METRICS_CONNECTION_TIMEOUT_S,
                MHD_OPTION_END);
        freeaddrinfo(ai);
        if (!ms->ms_daemon) {
                snprintf(errstr, errstr_size, "cannot listen on %s for metrics (in use, or "
                         "not an address of this machine?)", listen);
                free(ms);
                return NULL;
        }
        info = MHD_get_daemon_info(ms->ms_daemon, MHD_DAEMON_INFO_BIND_PORT);
        ms->ms_port = info ? info->port : p;
        return ms;
}

int cp_metrics_server_port(const cp_metrics_server_t *ms)
{
        return ms->ms_port;
}

const char *cp_metrics_server_host(const cp_metrics_server_t *ms)
{
        return ms->ms_host;
}

void cp_metrics_server_stop(cp_metrics_server_t *ms)
{
        if (!ms)
                return;
        MHD_stop_daemon(ms->ms_daemon);
        free(ms);
}
