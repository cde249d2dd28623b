#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"

struct cp_queue_s {
        pthread_mutex_t q_lock;
        pthread_cond_t q_not_empty;
        pthread_cond_t q_not_full;
        cp_batch_t **q_ring;
        size_t q_cap, q_head, q_len;
        int q_producers;   /* still pushing */
        bool q_aborted;
        char q_name[32];
};

cp_queue_t *cp_queue_new(const char *name, size_t cap, int producers)
{
        cp_queue_t *q = calloc(1, sizeof(*q));

        if (!q)
                return NULL;
        q->q_ring = calloc(cap ? cap : 1, sizeof(*q->q_ring));
        if (!q->q_ring) {
                free(q);
                return NULL;
        }
        q->q_cap = cap ? cap : 1;
        q->q_producers = producers;
        strncpy(q->q_name, name, sizeof(q->q_name) - 1);
        pthread_mutex_init(&q->q_lock, NULL);
        {
                pthread_condattr_t ca;

                pthread_condattr_init(&ca);
                pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
                pthread_cond_init(&q->q_not_empty, &ca);
                pthread_condattr_destroy(&ca);
        }
        pthread_cond_init(&q->q_not_full, NULL);
        return q;
}

void cp_queue_destroy(cp_queue_t *q)
{
        if (!q)
                return;
        for (size_t i = 0; i < q->q_len; i++)
                cp_batch_destroy(q->q_ring[(q->q_head + i) % q->q_cap]);
        pthread_mutex_destroy(&q->q_lock);
        pthread_cond_destroy(&q->q_not_empty);
        pthread_cond_destroy(&q->q_not_full);
        free(q->q_ring);
        free(q);
}

int cp_queue_push(cp_queue_t *q, cp_batch_t *bat)
{
        pthread_mutex_lock(&q->q_lock);
        while (q->q_len == q->q_cap && !q->q_aborted)
                pthread_cond_wait(&q->q_not_full, &q->q_lock);
        if (q->q_aborted) {
                pthread_mutex_unlock(&q->q_lock);
                return CP_ERR_CLOSED;
        }
        q->q_ring[(q->q_head + q->q_len) % q->q_cap] = bat;
        q->q_len++;
        pthread_cond_signal(&q->q_not_empty);
        pthread_mutex_unlock(&q->q_lock);
        return CP_OK;
}

/* Waits for a batch until the deadline (NULL: for ever). */
static int cp_queue_take(cp_queue_t *q, cp_batch_t **bat, const struct timespec *deadline)
{
        pthread_mutex_lock(&q->q_lock);
        while (q->q_len == 0 && q->q_producers > 0 && !q->q_aborted) {
                if (!deadline) {
                        pthread_cond_wait(&q->q_not_empty, &q->q_lock);
                } else if (pthread_cond_timedwait(&q->q_not_empty, &q->q_lock,
                                                  deadline) == ETIMEDOUT) {
                        pthread_mutex_unlock(&q->q_lock);
                        *bat = NULL;
                        return CP_OK;
                }
        }
        if (q->q_aborted || q->q_len == 0) {
                pthread_mutex_unlock(&q->q_lock);
                return CP_ERR_CLOSED;
        }
        *bat = q->q_ring[q->q_head];
        q->q_head = (q->q_head + 1) % q->q_cap;
        q->q_len--;
        pthread_cond_signal(&q->q_not_full);
        pthread_mutex_unlock(&q->q_lock);
        return CP_OK;
}

int cp_queue_pop(cp_queue_t *q, cp_batch_t **bat)
{
        return cp_queue_take(q, bat, NULL);
}

int cp_queue_pop_timed(cp_queue_t *q, cp_batch_t **bat, int timeout_ms)
{
        struct timespec dl;

        /* q_not_empty waits on CLOCK_MONOTONIC: a clock step cannot
         * stretch or cut the wait. */
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += timeout_ms / 1000;
        dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000L;
        }
        return cp_queue_take(q, bat, &dl);
}

void cp_queue_producer_done(cp_queue_t *q)
{
        pthread_mutex_lock(&q->q_lock);
        if (q->q_producers > 0)
                q->q_producers--;
        if (q->q_producers == 0)
                pthread_cond_broadcast(&q->q_not_empty);
        pthread_mutex_unlock(&q->q_lock);
}

void cp_queue_drain(cp_queue_t *q, void (*fn)(cp_batch_t *))
{
        pthread_mutex_lock(&q->q_lock);
        while (q->q_len > 0) {
                cp_batch_t *bat = q->q_ring[q->q_head];

                q->q_head = (q->q_head + 1) % q->q_cap;
                q->q_len--;
                fn(bat);
        }
        pthread_cond_broadcast(&q->q_not_full);
        pthread_mutex_unlock(&q->q_lock);
}

bool cp_queue_aborted(cp_queue_t *q)
{
        bool a;

        pthread_mutex_lock(&q->q_lock);
        a = q->q_aborted;
        pthread_mutex_unlock(&q->q_lock);
        return a;
}

void cp_queue_abort(cp_queue_t *q)
{
        pthread_mutex_lock(&q->q_lock);
        q->q_aborted = true;
        pthread_cond_broadcast(&q->q_not_empty);
        pthread_cond_broadcast(&q->q_not_full);
        pthread_mutex_unlock(&q->q_lock);
}

size_t cp_queue_depth(cp_queue_t *q)
{
        size_t n;

        pthread_mutex_lock(&q->q_lock);
        n = q->q_len;
        pthread_mutex_unlock(&q->q_lock);
        return n;
}

size_t cp_queue_capacity(const cp_queue_t *q)
{
        return q->q_cap;  /* fixed at creation: no lock needed */
}
