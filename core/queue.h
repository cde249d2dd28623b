/*
 * Bounded blocking queue of batches between two stages.
 *
 * DESIGN: the queue is the only way records cross threads. It is bounded,
 * so a slow consumer makes the producer wait (back-pressure) instead of
 * memory growing. Producers register; when the last one calls
 * cp_queue_producer_done() and the queue drains, pop returns CP_ERR_CLOSED.
 * Ownership of a batch moves with a successful push or pop.
 */
#ifndef CP_QUEUE_H
#define CP_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

typedef struct cp_queue_s cp_queue_t;

/** @returns a queue holding up to cap batches, or NULL. */
cp_queue_t *cp_queue_new(const char *name, size_t cap, int producers);

/** @brief Frees the queue and any batches still in it. NULL ok. */
void cp_queue_destroy(cp_queue_t *q);

/**
 * @brief Appends a batch, waiting while the queue is full.
 * @returns CP_OK (the queue owns bat), or CP_ERR_CLOSED after
 *          cp_queue_abort() (the caller still owns bat).
 */
int cp_queue_push(cp_queue_t *q, cp_batch_t *bat);

/**
 * @brief Takes the oldest batch, waiting while the queue is empty.
 * @returns CP_OK with *bat owned by the caller, or CP_ERR_CLOSED when every
 *          producer is done and the queue is empty, or after an abort.
 */
int cp_queue_pop(cp_queue_t *q, cp_batch_t **bat);

/**
 * @brief cp_queue_pop that waits at most timeout_ms.
 * @returns as cp_queue_pop; CP_OK with *bat NULL when the time ran out.
 */
int cp_queue_pop_timed(cp_queue_t *q, cp_batch_t **bat, int timeout_ms);

/** @brief One producer will push no more. */
void cp_queue_producer_done(cp_queue_t *q);

/** @brief Wakes every waiter; pushes and pops fail from now on. */
void cp_queue_abort(cp_queue_t *q);

/** @returns whether cp_queue_abort() was called. */
bool cp_queue_aborted(cp_queue_t *q);

/**
 * @brief Hands every batch still in the queue to fn, oldest first, even
 * after an abort: for batches that own more than cp_batch_destroy frees
 * (a barrier's checkpoint), before cp_queue_destroy.
 */
void cp_queue_drain(cp_queue_t *q, void (*fn)(cp_batch_t *));

/** @returns the number of batches waiting (for metrics; racy by nature). */
size_t cp_queue_depth(cp_queue_t *q);

/** @returns the number of batches the queue holds at most. */
size_t cp_queue_capacity(const cp_queue_t *q);

#endif
