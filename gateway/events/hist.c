/*
 * hist.c — latency histograms for the command path (see hist.h).
 */
#include "hist.h"

#include <stdio.h>
#include <time.h>

/* Upper bounds in seconds; the last bucket is +Inf. */
static const double BOUNDS[GW_HIST_NBUCKETS - 1] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005,
                                                    0.0075,  0.01,   0.015,   0.02,   0.03,  0.05,  0.1,   0.25,
                                                    0.5,     1.0,    2.5,     5.0,    10.0,  30.0};

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

void gw_hist_observe(gw_hist_t *h, uint64_t ns)
{
    double s = (double)ns / 1e9;
    size_t b = 0;
    while (b < GW_HIST_NBUCKETS - 1 && s > BOUNDS[b])
        b++;
    atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
}

size_t gw_hist_format(const gw_hist_t *h, const char *name, const char *labels, char *out, size_t cap)
{
    size_t n = 0;
    const char *sep = labels != NULL && labels[0] != '\0' ? "," : "";
    if (labels == NULL)
        labels = "";
#define PUT(...)                                                                                                       \
    do {                                                                                                               \
        int k_ = snprintf(n < cap ? out + n : NULL, n < cap ? cap - n : 0, __VA_ARGS__);                               \
        if (k_ > 0)                                                                                                    \
            n += (size_t)k_;                                                                                           \
    } while (0)
    uint64_t cum = 0;
    for (size_t b = 0; b < GW_HIST_NBUCKETS; b++) {
        cum += LOAD(h->bucket[b]);
        if (b < GW_HIST_NBUCKETS - 1)
            PUT("%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, BOUNDS[b], (unsigned long long)cum);
        else
            PUT("%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long)cum);
    }
    const char *open = labels[0] != '\0' ? "{" : "", *close = labels[0] != '\0' ? "}" : "";
    PUT("%s_sum%s%s%s %.9f\n", name, open, labels, close, (double)LOAD(h->sum_ns) / 1e9);
    PUT("%s_count%s%s%s %llu\n", name, open, labels, close, (unsigned long long)LOAD(h->count));
#undef PUT
    if (cap > 0 && n >= cap)
        out[cap - 1] = '\0';
    return n;
}

double gw_hist_quantile(const gw_hist_t *h, double q)
{
    uint64_t counts[GW_HIST_NBUCKETS], total = 0;
    for (size_t b = 0; b < GW_HIST_NBUCKETS; b++)
        total += counts[b] = LOAD(h->bucket[b]);
    if (total == 0)
        return 0;
    double rank = q * (double)total, cum = 0;
    for (size_t b = 0; b < GW_HIST_NBUCKETS - 1; b++) {
        if (cum + (double)counts[b] >= rank && counts[b] > 0) {
            double lo = b == 0 ? 0 : BOUNDS[b - 1];
            return lo + (BOUNDS[b] - lo) * ((rank - cum) / (double)counts[b]);
        }
        cum += (double)counts[b];
    }
    return BOUNDS[GW_HIST_NBUCKETS - 2];
}

void gw_hist_observe_since_ms(gw_hist_t *h, int64_t timestamp_ms)
{
    if (timestamp_ms <= 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - timestamp_ms;
    if (ms >= 0)
        gw_hist_observe(h, (uint64_t)ms * 1000000u);
}

uint64_t gw_hist_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
