/* Dedupe table: nothing lost, nothing doubled, across growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "transform/dedupe.h"

static uint64_t mix(uint64_t x)
{
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
}

static void test_new_then_seen(void **state)
{
        cp_dedupe_t dd;
        uint64_t prev, h[2];
        enum { N = 200000 };

        (void)state;
        assert_int_equal(cp_dedupe_init(&dd, 16), 0);
        for (uint64_t i = 0; i < N; i++) {
                h[0] = mix(i);
                h[1] = mix(i + N);
                assert_int_equal(cp_dedupe_add(&dd, h, (unsigned)(i % 3), &prev), 1);
                assert_int_equal(prev, 0);
        }
        assert_int_equal(dd.dd_count, N);
        for (uint64_t i = 0; i < N; i++) {
                h[0] = mix(i);
                h[1] = mix(i + N);
                assert_int_equal(cp_dedupe_add(&dd, h, 5, &prev), 0);
                assert_int_equal(prev, UINT64_C(1) << (i % 3));
        }
        assert_int_equal(dd.dd_count, N);
        /* Every key now has its first source and source 5. */
        size_t seen = 0;
        for (unsigned g = 0; g < CP_DEDUPE_SEGS; g++) {
                const cp_dedupe_seg_t *sg = &dd.dd_seg[g];

                for (size_t s = 0; s < sg->sg_cap; s++) {
                        if (!sg->sg_slots[s].de_sources)
                                continue;
                        assert_true(sg->sg_slots[s].de_sources & (UINT64_C(1) << 5));
                        seen++;
                }
        }
        assert_int_equal(seen, N);
        cp_dedupe_free(&dd);
}

static void test_same_low_bits(void **state)
{
        cp_dedupe_t dd;
        uint64_t prev, h[2];

        (void)state;
        /* Keys that collide in the slot index must stay distinct. */
        assert_int_equal(cp_dedupe_init(&dd, 16), 0);
        for (uint64_t i = 0; i < 5000; i++) {
                h[0] = 7;
                h[1] = i;
                assert_int_equal(cp_dedupe_add(&dd, h, 63, &prev), 1);
        }
        h[0] = 7;
        h[1] = 4999;
        assert_int_equal(cp_dedupe_add(&dd, h, 0, &prev), 0);
        assert_int_equal(prev, UINT64_C(1) << 63);
        cp_dedupe_free(&dd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new_then_seen),
                cmocka_unit_test(test_same_low_bits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
