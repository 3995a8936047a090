/*
 * bench.h — what `gateway --bench` adds, in one module the production
 * parts never see: a fixed list of ten transactions for the queries, a
 * Mutation.money_transfer (and its Subscription twin) that answers
 * GW_BENCH_DELAY_MS later through pending.h standing in for the command
 * handler's round trip, and the routes the benchmarks drive:
 *
 *   POST /bench/raw          the bytes the engine gives for the bench query,
 *                            without the engine (bench/http's baseline)
 *   POST /bench/publish?n=N  appends N synthetic transactions to the stream
 *                            store and wakes the loops as the Kafka thread
 *                            does (bench/fanout, tests/e2e)
 *   GET  /bench/ws-raw       a WebSocket on h2o's own websocket.c, and
 *   POST /bench/raw-publish  a broadcast on it: bench/fanout's baseline
 *
 * Ownership: main makes it (gw_bench_new) only with --bench, before the
 * server runs, and frees it after. Errors: 0 or a negative GW_E* code.
 */
#ifndef GW_BENCH_H
#define GW_BENCH_H

#include "exec/exec.h"
#include "store.h"

#define GW_BENCH_DELAY_MS 20

typedef struct gw_bench gw_bench_t;

/* The bench parts of `s`: the two stores, a slot and the loops' hooks.
 * NULL when out of memory or the server's tables are full. */
gw_bench_t *gw_bench_new(gw_server_t *s);
void gw_bench_free(gw_bench_t *b);

/* The ten transactions the queries read, and the store /bench/publish
 * appends to (what subscriptions stream). Borrowed from b. */
gw_txstore_t *gw_bench_query_store(gw_bench_t *b);
gw_txstore_t *gw_bench_stream_store(gw_bench_t *b);

/* Binds the delayed money_transfer over whatever was bound (Mutation and
 * Subscription), and runs the bench query once through the engine for
 * /bench/raw. 0, or GW_EINVAL (the schema lacks the fields; the query
 * fails: told on stderr). */
int gw_bench_bind(gw_bench_t *b, gql_schema_t *schema);

/* Registers the /bench/ routes on `host`. */
int gw_bench_register(gw_bench_t *b, h2o_hostconf_t *host);

#endif
