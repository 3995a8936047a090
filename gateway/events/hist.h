/*
 * hist.h — a latency histogram that several threads observe into and one
 * renders in Prometheus text form: the per-stage timings of the command
 * path (gateway: gateway_command_stage_seconds; command handler:
 * handler_stage_seconds). Fixed buckets from 50 µs to 10 s, fine where the
 * broker's round trip lies (a few milliseconds).
 *
 * Threads: gw_hist_observe from any thread (relaxed atomic adds, no lock);
 * gw_hist_format reads without stopping them, so a scrape may see a count
 * one observation ahead of a bucket.
 */
#ifndef GW_HIST_H
#define GW_HIST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define GW_HIST_NBUCKETS 23 /* the last is +Inf */

typedef struct gw_hist {
    _Atomic uint64_t bucket[GW_HIST_NBUCKETS]; /* per bucket, not cumulative */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
} gw_hist_t;

/* Counts one duration of `ns` nanoseconds. */
void gw_hist_observe(gw_hist_t *h, uint64_t ns);

/* Writes the histogram's samples (NAME_bucket{LABELS,le=".."}, NAME_sum,
 * NAME_count; LABELS may be NULL or "" for none, else like `stage="ack"`)
 * into out[cap] as snprintf does: returns the length it needed, and out is
 * NUL-terminated when cap > 0. No # HELP / # TYPE lines: the caller writes
 * them once per family. */
size_t gw_hist_format(const gw_hist_t *h, const char *name, const char *labels, char *out, size_t cap);

/* The value under which a fraction q (0..1) of the observations lie,
 * interpolated linearly within its bucket, in seconds; 0 without
 * observations; the last finite bound when it falls in +Inf. */
double gw_hist_quantile(const gw_hist_t *h, double q);

/* Counts the time from a Kafka record's timestamp (ms since the epoch, the
 * producer's clock) to now (this host's clock): ms resolution, and only
 * meaningful where the two clocks agree. Ignores unknown (<= 0) timestamps
 * and ones in the future. */
void gw_hist_observe_since_ms(gw_hist_t *h, int64_t timestamp_ms);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t gw_hist_now_ns(void);

#endif
