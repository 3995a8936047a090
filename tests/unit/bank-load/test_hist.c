/*
 * test_hist.c — the log-linear histogram (tools/bank-load/hist.h): buckets
 * cover every value once and in order, no bucket is wider than 1/64 of its
 * values, and percentiles agree with the exact ones (from sorting) within a
 * bucket.
 */
#include "hist.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

TEST(buckets_tile_the_values)
{
    /* consecutive buckets touch, each value falls in the bucket that holds it */
    for (unsigned i = 0; i + 1 < BL_HIST_BUCKETS; i++) {
        ASSERT(bl_hist_low(i) <= bl_hist_high(i));
        ASSERT_EQ_INT(bl_hist_high(i) + 1, bl_hist_low(i + 1));
        ASSERT_EQ_INT(i, bl_hist_index(bl_hist_low(i)));
        ASSERT_EQ_INT(i, bl_hist_index(bl_hist_high(i)));
        if (bl_hist_low(i) >= 128)
            ASSERT((bl_hist_high(i) - bl_hist_low(i) + 1) * 64 <= bl_hist_low(i));
    }
    ASSERT_EQ_INT(0, bl_hist_index(0));
    ASSERT_EQ_INT(127, bl_hist_index(127));
    ASSERT_EQ_INT(128, bl_hist_index(128));
    ASSERT_EQ_INT(BL_HIST_BUCKETS - 1, bl_hist_index(UINT64_MAX)); /* beyond the range: the last bucket */
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

TEST(percentiles_agree_with_sorting)
{
    enum { N = 20000 };
    static uint64_t v[N];
    bl_hist_t *h = calloc(1, sizeof *h);
    ASSERT(h != NULL);
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = (x >> 40) % (1u << (x % 24)); /* spread over many powers of two */
        bl_hist_record(h, v[i]);
    }
    qsort(v, N, sizeof v[0], cmp_u64);
    ASSERT_EQ_INT(N, h->count);
    ASSERT_EQ_INT(v[N - 1], h->max);
    const double ps[] = {1, 10, 50, 90, 99, 99.9, 100};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        size_t rank = (size_t)(ps[k] / 100.0 * N + 0.999999);
        uint64_t exact = v[rank - 1], got = bl_hist_percentile(h, ps[k]);
        /* the top of the exact value's bucket, never above the maximum */
        uint64_t want = bl_hist_high(bl_hist_index(exact));
        if (want > h->max)
            want = h->max;
        ASSERT_EQ_INT(want, got);
    }
    bl_hist_t *m = calloc(1, sizeof *m);
    ASSERT(m != NULL);
    bl_hist_record(m, 5);
    bl_hist_merge(m, h);
    ASSERT_EQ_INT(N + 1, m->count);
    ASSERT_EQ_INT(h->max, m->max);
    bl_hist_reset(m);
    ASSERT_EQ_INT(0, m->count);
    ASSERT_EQ_INT(0, bl_hist_percentile(m, 99));
    free(h);
    free(m);
}

TEST(small_counts)
{
    bl_hist_t h;
    bl_hist_reset(&h);
    bl_hist_record(&h, 1000);
    ASSERT_EQ_INT(1000, bl_hist_percentile(&h, 50)); /* capped at the exact maximum */
    bl_hist_record(&h, 3000);
    ASSERT(bl_hist_percentile(&h, 50) >= 1000 && bl_hist_percentile(&h, 50) < 1016);
    ASSERT_EQ_INT(3000, bl_hist_percentile(&h, 99));
}

TEST_MAIN(TEST_ENTRY(buckets_tile_the_values), TEST_ENTRY(percentiles_agree_with_sorting), TEST_ENTRY(small_counts))
