/*
 * test_timers.c — the deadline heap (tools/bank-load/timers.h) against a
 * plain array: random sets, moves and cancels, then draining in deadline
 * order.
 */
#include "test.h"
#include "timers.h"

#include <stdint.h>

TEST(heap_matches_a_plain_array)
{
    enum { N = 500 };
    static bl_timer_t t[N];
    static int64_t at[N]; /* -1: not set */
    bl_timers_t h;
    ASSERT_EQ_INT(0, bl_timers_init(&h, 4)); /* grows */
    for (int i = 0; i < N; i++) {
        bl_timer_init(&t[i], NULL);
        at[i] = -1;
    }
    uint64_t x = 12345;
    for (int round = 0; round < 20000; round++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int i = (int)(x % N);
        if ((x >> 20) % 4 == 0) {
            bl_timers_cancel(&h, &t[i]);
            at[i] = -1;
        } else {
            int64_t when = (int64_t)((x >> 24) % 100000);
            ASSERT_EQ_INT(0, bl_timers_set(&h, &t[i], when));
            at[i] = when;
        }
        if (round % 1000 == 0) {
            int64_t min = -1;
            for (int k = 0; k < N; k++)
                if (at[k] >= 0 && (min < 0 || at[k] < min))
                    min = at[k];
            bl_timer_t *first = bl_timers_first(&h);
            ASSERT(min < 0 ? first == NULL : first != NULL && first->at == min);
        }
    }
    int64_t last = -1;
    size_t left = 0;
    for (int k = 0; k < N; k++)
        left += at[k] >= 0;
    bl_timer_t *first;
    while ((first = bl_timers_first(&h)) != NULL) {
        ASSERT(first->at >= last);
        last = first->at;
        ASSERT_EQ_INT(at[first - t], first->at);
        bl_timers_cancel(&h, first);
        ASSERT_EQ_INT(BL_TIMER_IDLE, first->slot);
        left--;
    }
    ASSERT_EQ_INT(0, left);
    bl_timers_free(&h);
}

TEST_MAIN(TEST_ENTRY(heap_matches_a_plain_array))
