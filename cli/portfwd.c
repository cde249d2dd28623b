#include "portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct cp_portfwd_s {
        int pf_listen;
        int pf_wake[2];          /* self-pipe: written to stop the accept loop */
        struct sockaddr_in pf_target;
        pthread_t pf_thread;
};

typedef struct cp_relay_s {
        int a, b;
} cp_relay_t;

/* Copies bytes both ways until either side closes. */
static void *cp_relay_thread(void *p)
{
        cp_relay_t *r = p;
        struct pollfd pfd[2] = {{r->a, POLLIN, 0}, {r->b, POLLIN, 0}};
        char buf[65536];

        for (;;) {
                if (poll(pfd, 2, -1) < 0 && errno != EINTR)
                        break;
                for (int i = 0; i < 2; i++) {
                        if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        ssize_t n = read(pfd[i].fd, buf, sizeof(buf));
                        if (n <= 0)
                                goto done;
                        for (ssize_t off = 0; off < n;) {
                                ssize_t w = write(pfd[1 - i].fd, buf + off, (size_t)(n - off));
                                if (w <= 0)
                                        goto done;
                                off += w;
                        }
                }
        }
done:
        close(r->a);
        close(r->b);
        free(r);
        return NULL;
}

static void *cp_accept_thread(void *p)
{
        cp_portfwd_t *fwd = p;
        struct pollfd pfd[2] = {{fwd->pf_listen, POLLIN, 0}, {fwd->pf_wake[0], POLLIN, 0}};

        for (;;) {
                if (poll(pfd, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (pfd[1].revents)
                        break;
                int c = accept(fwd->pf_listen, NULL, NULL);
                if (c < 0)
                        continue;
                int t = socket(AF_INET, SOCK_STREAM, 0);
                if (t < 0 || connect(t, (struct sockaddr *)&fwd->pf_target,
                                     sizeof(fwd->pf_target))) {
                        close(c);
                        if (t >= 0)
                                close(t);
                        continue;
                }
                cp_relay_t *r = malloc(sizeof(*r));
                pthread_t th;
                r->a = c;
                r->b = t;
                if (pthread_create(&th, NULL, cp_relay_thread, r)) {
                        close(c);
                        close(t);
                        free(r);
                        continue;
                }
                pthread_detach(th);
        }
        return NULL;
}

cp_portfwd_t *cp_portfwd_start(int port, const char *target, char *errstr,
                               size_t errstr_size)
{
        cp_portfwd_t *fwd = calloc(1, sizeof(*fwd));
        struct sockaddr_in sa = {.sin_family = AF_INET};
        char host[64];
        int tport, one = 1;

        if (sscanf(target, "%63[^:]:%d", host, &tport) != 2) {
                snprintf(errstr, errstr_size, "bad target address %s", target);
                free(fwd);
                return NULL;
        }
        fwd->pf_target.sin_family = AF_INET;
        fwd->pf_target.sin_port = htons((uint16_t)tport);
        inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1",
                  &fwd->pf_target.sin_addr);
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fwd->pf_listen = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(fwd->pf_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (fwd->pf_listen < 0 || bind(fwd->pf_listen, (struct sockaddr *)&sa, sizeof(sa)) ||
            listen(fwd->pf_listen, 64) || pipe(fwd->pf_wake)) {
                snprintf(errstr, errstr_size, "cannot listen on 127.0.0.1:%d: %s", port,
                         strerror(errno));
                if (fwd->pf_listen >= 0)
                        close(fwd->pf_listen);
                free(fwd);
                return NULL;
        }
        pthread_create(&fwd->pf_thread, NULL, cp_accept_thread, fwd);
        return fwd;
}

void cp_portfwd_stop(cp_portfwd_t *fwd)
{
        if (!fwd)
                return;
        if (write(fwd->pf_wake[1], "x", 1) < 0)
                perror("portfwd");
        pthread_join(fwd->pf_thread, NULL);
        close(fwd->pf_listen);
        close(fwd->pf_wake[0]);
        close(fwd->pf_wake[1]);
        free(fwd);
}
