/*
 * serve.h — the transports of GraphQL: POST/GET /graphql (GraphQL over
 * HTTP, graphql_http.c), the same URL with Accept: text/event-stream
 * (GraphQL over SSE, sse.c), and WebSocket upgrades on /graphql and
 * /graphql-ws (ws.c: the connection, ws_frame.c: the codec,
 * ws_protocol.c: graphql-transport-ws and the legacy graphql-ws).
 *
 * Every transport turns what it received into the same gw_params_t and the
 * same prepared operation (exec/exec.h); they differ only in framing.
 * Operations that live on a connection (subscriptions; queries and
 * mutations over WebSocket and SSE) run in the registry (subs/subs.h).
 *
 * Ownership: main makes the gw_serve_t before the server runs (it reserves
 * a per-loop slot and adds the loop hooks, which must start after the
 * registry's) and frees it after. Errors: 0 or a negative GW_E* code.
 */
#ifndef GW_SERVE_H
#define GW_SERVE_H

#include "exec/exec.h"
#include "runtime/config.h"
#include "runtime/fair.h"
#include "subs/subs.h"

typedef struct gw_serve gw_serve_t;

/* The transports of `s`'s loops over `exec` and `subs`, with the
 * subscriptions.* limits (copied). Adds the metric
 * gateway_slow_consumers_closed_total. NULL when out of memory or the
 * server's tables are full. */
gw_serve_t *gw_serve_new(gw_server_t *s, gw_exec_t *exec, gw_subs_t *subs, const gw_subs_limits_t *limits);
void gw_serve_free(gw_serve_t *sv);

/* Per-client limits (runtime/fair.h; borrowed, must outlive the server run;
 * NULL: none). Set before the server runs. The transports then hold, per
 * client: the WebSocket and SSE connections of clients behind a trusted
 * proxy (direct clients' connections are held at accept: fair.h's
 * admission), every transaction stream, and before an operation with
 * effects runs, a token per root field: a login token for the fields named
 * in `login_fields` (NULL-terminated, borrowed; the bank's get_account), a
 * mutation token for every other Mutation field and Subscription field
 * that runs as a command. Over a limit: HTTP and SSE answer 429 with
 * Retry-After; a WebSocket operation gets an error (code RATE_LIMITED) and
 * the socket stays; a WebSocket connection over its client's limit is
 * closed with 4429. */
void gw_serve_set_fair(gw_serve_t *sv, gw_fair_t *fair, const char *const *login_fields);

/* Registers /graphql-ws and /graphql (WebSocket upgrades, SSE, then GraphQL
 * over HTTP) on `host`. */
int gw_serve_register(gw_serve_t *sv, h2o_hostconf_t *host);

#endif
