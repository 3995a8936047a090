/*
 * metrics.h — counters for GET /metrics (Prometheus text format 0.0.4).
 *
 * Each event loop owns one gw_metrics_t and is its only writer: it bumps
 * counters with a relaxed atomic load + store (no lock, no read-modify-write
 * bus lock on the hot path). A scrape, on any loop, reads every thread's
 * struct with relaxed loads and sums them. Values may be a few events
 * stale; they are never torn.
 *
 * These are the core's metrics: HTTP requests and connections. Features
 * render their own families through gw_server_add_metrics (server.h).
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "gql.h"

/* The operation label of gateway_http_requests_total. */
typedef enum gw_op_label {
    GW_OPL_QUERY = 0,
    GW_OPL_MUTATION,
    GW_OPL_SUBSCRIPTION,
    GW_OPL_NONE, /* a /graphql request that never reached an operation, or another endpoint */
    GW_OPL__COUNT,
} gw_op_label_t;

/* The kinds of open connections. */
typedef enum gw_conn_kind {
    GW_CONN_HTTP = 0, /* plain TCP, HTTP/1.1 */
    GW_CONN_HTTPS,    /* TLS: HTTP/1.1 or HTTP/2 */
    GW_CONN_WEBSOCKET,
    GW_CONN_SSE,
    GW_CONN__COUNT,
} gw_conn_kind_t;

#define GW_NSTATUS 16  /* tracked status codes + "other" (see metrics.c) */
#define GW_NBUCKETS 14 /* latency histogram buckets, the last is +Inf */

typedef struct gw_metrics {
    _Atomic uint64_t requests[GW_OPL__COUNT][GW_NSTATUS];
    _Atomic uint64_t latency_bucket[GW_NBUCKETS]; /* per bucket, not cumulative */
    _Atomic uint64_t latency_count;
    _Atomic uint64_t latency_sum_ns;
    _Atomic int64_t connections[GW_CONN__COUNT];
    _Atomic uint64_t connections_rejected; /* over max_connections_per_thread */
} gw_metrics_t;

/* Owner-thread helpers: a plain increment without a locked instruction. */
static inline void gw_metric_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}
static inline void gw_gauge_add(_Atomic int64_t *g, int64_t n)
{
    atomic_store_explicit(g, atomic_load_explicit(g, memory_order_relaxed) + n, memory_order_relaxed);
}

/* Counts one finished HTTP request: its operation label, status and the
 * time it took in nanoseconds. */
void gw_metrics_request(gw_metrics_t *m, gw_op_label_t op, int status, uint64_t ns);

/* Writes the core's families, every thread's metrics summed. */
void gw_metrics_render(gql_buf_t *out, gw_metrics_t *const *threads, size_t nthreads);

/* Writes one family with a single sample: "# HELP name help", "# TYPE name
 * type" ("counter" or "gauge") and "name value". */
void gw_metrics_family(gql_buf_t *out, const char *name, const char *type, const char *help, int64_t value);

#endif
