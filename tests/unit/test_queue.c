/* The bounded batch queue (core/queue.h): order, close when every producer
 * is done, abort, and draining what an abort leaves behind (a barrier's
 * checkpoint is freed by its owner, not by the queue). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/queue.h"

static cp_batch_t *batch(uint32_t source, cp_batch_kind_t kind)
{
        cp_batch_t *bat = cp_batch_new(source, 1);

        assert_non_null(bat);
        bat->bat_kind = kind;
        return bat;
}

static void test_order_and_close(void **state)
{
        cp_queue_t *q = cp_queue_new("t", 4, 1);
        cp_batch_t *bat;

        (void)state;
        for (uint32_t i = 0; i < 3; i++)
                assert_int_equal(cp_queue_push(q, batch(i, CP_BATCH_RECORDS)), CP_OK);
        cp_queue_producer_done(q);
        for (uint32_t i = 0; i < 3; i++) {
                assert_int_equal(cp_queue_pop(q, &bat), CP_OK);
                assert_int_equal(bat->bat_source, i);
                cp_batch_destroy(bat);
        }
        assert_int_equal(cp_queue_pop(q, &bat), CP_ERR_CLOSED);
        cp_queue_destroy(q);
}

static int drained, barriers;
static uint32_t drained_sources[8];

static void count_free(cp_batch_t *bat)
{
        drained_sources[drained++] = bat->bat_source;
        if (bat->bat_kind == CP_BATCH_BARRIER) {
                barriers++;
                free(bat->bat_barrier);
        }
        cp_batch_destroy(bat);
}

/* After an abort, pops fail but the batches are still there: drain hands
 * each over, oldest first, so a barrier's payload is not leaked (LSan
 * found it leaked when the sink stopped on a fenced producer). */
static void test_drain_after_abort(void **state)
{
        cp_queue_t *q = cp_queue_new("t", 8, 1);
        cp_batch_t *bat, *bar;

        (void)state;
        assert_int_equal(cp_queue_push(q, batch(0, CP_BATCH_RECORDS)), CP_OK);
        assert_int_equal(cp_queue_push(q, batch(1, CP_BATCH_RECORDS)), CP_OK);
        assert_int_equal(cp_queue_pop(q, &bat), CP_OK);   /* wrap the ring later */
        cp_batch_destroy(bat);
        bar = batch(2, CP_BATCH_BARRIER);
        bar->bat_barrier = malloc(16);
        assert_int_equal(cp_queue_push(q, bar), CP_OK);
        assert_int_equal(cp_queue_push(q, batch(3, CP_BATCH_RECORDS)), CP_OK);
        cp_queue_abort(q);
        assert_int_equal(cp_queue_pop(q, &bat), CP_ERR_CLOSED);
        assert_int_equal(cp_queue_push(q, bat = batch(4, CP_BATCH_RECORDS)), CP_ERR_CLOSED);
        cp_batch_destroy(bat);
        cp_queue_drain(q, count_free);
        assert_int_equal(drained, 3);
        assert_int_equal(barriers, 1);
        assert_int_equal(drained_sources[0], 1);
        assert_int_equal(drained_sources[1], 2);
        assert_int_equal(drained_sources[2], 3);
        assert_int_equal(cp_queue_depth(q), 0);
        cp_queue_drain(q, count_free);   /* empty: nothing more */
        assert_int_equal(drained, 3);
        cp_queue_destroy(q);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order_and_close),
                cmocka_unit_test(test_drain_after_abort),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
