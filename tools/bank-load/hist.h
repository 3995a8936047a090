/*
 * hist.h — a log-linear latency histogram in the manner of HdrHistogram:
 * values (microseconds) below 128 each have a bucket; above, every power
 * of two is split into 64 equal buckets, so a bucket is at most 1/64
 * (1.6%) wide relative to its values, from 1 µs to over a day, in a fixed
 * 17 KB. Recording is two shifts and an increment; a percentile walks the
 * buckets once. The maximum is kept exactly.
 */
#ifndef BL_HIST_H
#define BL_HIST_H

#include <stdint.h>

#define BL_HIST_SUB_BITS 7   /* 128 exact values, then 64 per power of two */
#define BL_HIST_MAX_SHIFT 30 /* values up to 2^37 µs (~38 hours) */
#define BL_HIST_BUCKETS ((BL_HIST_MAX_SHIFT + 2) * (1 << (BL_HIST_SUB_BITS - 1)))

/* Plain value; all zero is an empty histogram. */
typedef struct bl_hist {
    uint64_t count;
    uint64_t max;
    uint64_t buckets[BL_HIST_BUCKETS];
} bl_hist_t;

/* Empties h. */
void bl_hist_reset(bl_hist_t *h);
/* Counts one value (larger values than the range are counted in the last bucket). */
void bl_hist_record(bl_hist_t *h, uint64_t v);
/* Adds every count of `from` to `into`. */
void bl_hist_merge(bl_hist_t *into, const bl_hist_t *from);
/* The value at percentile p (0 < p <= 100): the upper end of the bucket that
 * holds the ceil(p% of count)-th smallest value, never above the maximum;
 * 0 when empty. */
uint64_t bl_hist_percentile(const bl_hist_t *h, double p);
/* The bucket of v, and the smallest and largest value of a bucket. Exposed for the unit tests. */
unsigned bl_hist_index(uint64_t v);
uint64_t bl_hist_low(unsigned index);
uint64_t bl_hist_high(unsigned index);

#endif
