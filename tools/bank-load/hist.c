/*
 * hist.c — the log-linear histogram (hist.h). With S = BL_HIST_SUB_BITS and
 * H = 2^(S-1): a value v < 2^S is its own bucket; otherwise, with
 * shift = msb(v) - (S - 1), v >> shift lies in [H, 2H) and the bucket is
 * shift * H + (v >> shift), so the buckets of successive powers of two
 * follow each other with no gap: [128, 256) → 128..191, [256, 512) →
 * 192..255, and so on.
 */
#include "hist.h"

#include <math.h>
#include <string.h>

#define HALF (1u << (BL_HIST_SUB_BITS - 1))

void bl_hist_reset(bl_hist_t *h)
{
    memset(h, 0, sizeof *h);
}

unsigned bl_hist_index(uint64_t v)
{
    if (v < (1u << BL_HIST_SUB_BITS))
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - (BL_HIST_SUB_BITS - 1);
    if (shift > BL_HIST_MAX_SHIFT)
        return BL_HIST_BUCKETS - 1;
    return shift * HALF + (unsigned)(v >> shift);
}

uint64_t bl_hist_low(unsigned index)
{
    if (index < (1u << BL_HIST_SUB_BITS))
        return index;
    unsigned shift = index / HALF - 1;
    return (uint64_t)(index - shift * HALF) << shift;
}

uint64_t bl_hist_high(unsigned index)
{
    if (index < (1u << BL_HIST_SUB_BITS))
        return index;
    unsigned shift = index / HALF - 1;
    return bl_hist_low(index) + ((uint64_t)1 << shift) - 1;
}

void bl_hist_record(bl_hist_t *h, uint64_t v)
{
    h->buckets[bl_hist_index(v)]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

void bl_hist_merge(bl_hist_t *into, const bl_hist_t *from)
{
    for (unsigned i = 0; i < BL_HIST_BUCKETS; i++)
        into->buckets[i] += from->buckets[i];
    into->count += from->count;
    if (from->max > into->max)
        into->max = from->max;
}

uint64_t bl_hist_percentile(const bl_hist_t *h, double p)
{
    if (h->count == 0)
        return 0;
    double want = ceil(p / 100.0 * (double)h->count);
    uint64_t rank = want < 1 ? 1 : (uint64_t)want;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (unsigned i = 0; i < BL_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t v = bl_hist_high(i);
            return v < h->max ? v : h->max;
        }
    }
    return h->max;
}
