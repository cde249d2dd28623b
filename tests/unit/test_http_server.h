/*
 * A tiny HTTP/1.1 server on 127.0.0.1 for the http unit tests, in a thread
 * of the test itself: one connection at a time, one request per
 * connection (Connection: close), answers made by a handler the test
 * gives. Port 0, so tests never collide on a port; loopback only.
 *
 * Header-only, included by test_http_fetch.c and test_http_poll.c.
 */
#ifndef CP_TEST_HTTP_SERVER_H
#define CP_TEST_HTTP_SERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* What the handler answers. */
typedef struct t_reply_s {
        int status;                 /* 0: close without answering */
        char headers[512];          /* extra header lines, each ending \r\n */
        const char *body;           /* NULL: empty */
        size_t body_len;            /* 0: strlen(body) */
        int delay_ms;               /* wait before answering */
} t_reply_t;

typedef struct t_srv_s t_srv_t;

/* Makes the reply to a request for path (with its query string), whose
 * header lines are in req_headers. */
typedef void (*t_handler_fn)(t_srv_t *srv, const char *path,
                             const char *req_headers, t_reply_t *reply);

struct t_srv_s {
        int fd;
        int port;
        pthread_t th;
        volatile bool stop;
        t_handler_fn handler;
        void *opaque;               /* the test's */
        int nreq;                   /* requests answered (or refused) */
        char last_path[512];
        char last_headers[2048];
};

static inline const char *t_srv_reason(int status)
{
        switch (status) {
        case 200: return "OK";
        case 304: return "Not Modified";
        case 404: return "Not Found";
        case 408: return "Request Timeout";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "Status";
        }
}

static inline void t_srv_send(int c, const char *p, size_t n)
{
        while (n) {
                ssize_t w = send(c, p, n, MSG_NOSIGNAL);

                if (w <= 0)
                        return;  /* the client gave up (a timeout test) */
                p += w;
                n -= (size_t)w;
        }
}

static inline void t_srv_conn(t_srv_t *s, int c)
{
        char req[4096], head[1024], path[512] = "";
        size_t n = 0;
        t_reply_t r = { 0 };
        char *eoh = NULL;

        while (n < sizeof(req) - 1 && !eoh) {
                struct pollfd pfd = { c, POLLIN, 0 };
                ssize_t got;

                if (poll(&pfd, 1, 2000) <= 0)
                        return;
                got = recv(c, req + n, sizeof(req) - 1 - n, 0);
                if (got <= 0)
                        return;
                n += (size_t)got;
                req[n] = '\0';
                eoh = strstr(req, "\r\n\r\n");
        }
        if (!eoh || sscanf(req, "GET %511s HTTP/1.1", path) != 1)
                return;
        eoh[2] = '\0';
        snprintf(s->last_path, sizeof(s->last_path), "%s", path);
        snprintf(s->last_headers, sizeof(s->last_headers), "%s",
                 strchr(req, '\n') + 1);
        s->nreq++;
        s->handler(s, path, s->last_headers, &r);
        if (r.delay_ms) {
                struct timespec ts = { r.delay_ms / 1000,
                                       (r.delay_ms % 1000) * 1000000L };

                nanosleep(&ts, NULL);
        }
        if (!r.status)
                return;
        if (r.body && !r.body_len)
                r.body_len = strlen(r.body);
        snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n%s\r\n", r.status, t_srv_reason(r.status),
                 r.status == 304 ? 0 : r.body_len, r.headers);
        t_srv_send(c, head, strlen(head));
        if (r.body && r.status != 304)
                t_srv_send(c, r.body, r.body_len);
}

static inline void *t_srv_main(void *p)
{
        t_srv_t *s = p;

        while (!s->stop) {
                struct pollfd pfd = { s->fd, POLLIN, 0 };
                int c;

                if (poll(&pfd, 1, 50) <= 0)
                        continue;
                c = accept(s->fd, NULL, NULL);
                if (c < 0)
                        continue;
                t_srv_conn(s, c);
                close(c);
        }
        return NULL;
}

/** @brief Starts a server on 127.0.0.1, port chosen by the kernel. */
static inline int t_srv_start(t_srv_t *s, t_handler_fn handler, void *opaque)
{
        struct sockaddr_in a = { .sin_family = AF_INET };
        socklen_t alen = sizeof(a);
        int one = 1;

        memset(s, 0, sizeof(*s));
        s->handler = handler;
        s->opaque = opaque;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->fd < 0 ||
            setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
            bind(s->fd, (struct sockaddr *)&a, sizeof(a)) ||
            listen(s->fd, 16) ||
            getsockname(s->fd, (struct sockaddr *)&a, &alen))
                return -1;
        s->port = ntohs(a.sin_port);
        return pthread_create(&s->th, NULL, t_srv_main, s) ? -1 : 0;
}

static inline void t_srv_stop(t_srv_t *s)
{
        s->stop = true;
        pthread_join(s->th, NULL);
        close(s->fd);
}

/** @returns a loopback port nothing listens on (bound, then closed). */
static inline int t_dead_port(void)
{
        struct sockaddr_in a = { .sin_family = AF_INET };
        socklen_t alen = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM, 0), port;

        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
            getsockname(fd, (struct sockaddr *)&a, &alen))
                return -1;
        port = ntohs(a.sin_port);
        close(fd);
        return port;
}

#endif
