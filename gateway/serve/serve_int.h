/*
 * serve_int.h — what the transport files share: the process-wide context,
 * each loop's transport state (a server slot) and the entry points serve.c
 * dispatches to. Not for other layers (they use serve.h).
 */
#ifndef GW_SERVE_INT_H
#define GW_SERVE_INT_H

#include "runtime/http.h"
#include "serve.h"
#include "ws.h"

struct gw_serve {
    gw_server_t *server;
    gw_exec_t *exec;
    gw_subs_t *subs;
    gw_subs_limits_t limits;
    _Atomic size_t conns;        /* WebSocket + SSE connections, whole process (limits.max_connections) */
    _Atomic uint64_t trimmed_ms; /* h2o_now of the last malloc_trim, by whichever loop (serve.c, on_sweep) */
    int slot;
    gw_fair_t *fair;                 /* borrowed; NULL: no per-client limits */
    const char *const *login_fields; /* borrowed, NULL-terminated */
    char client_header[64];          /* fairness.client_header in lower case, "" for none */
};

/* One loop's transports; only its loop touches it, except the published
 * counter. */
typedef struct gw_serve_loop {
    gw_serve_t *sv;
    gw_thread_t *thread;
    gw_exec_loop_t *exec;
    gw_subs_loop_t *subs;
    gw_ws_loop_t ws;
    h2o_linklist_t sse;   /* sse.c's streams */
    gql_arena_t *scratch; /* one incoming WebSocket message at a time (reset after each) */
    h2o_timeout_t sweep_timeout;
    h2o_timeout_entry_t sweep_entry;
    bool started;
    bool closed_all;              /* shutdown: close frames sent */
    _Atomic uint64_t slow_closed; /* slow consumers closed (/metrics) */
} gw_serve_loop_t;

/* A handler of the transports' routes. */
typedef struct gw_serve_handler {
    gw_handler_t super; /* first */
    gw_serve_t *sv;
} gw_serve_handler_t;

gw_serve_loop_t *gw_serve_loop(const gw_serve_t *sv, const gw_thread_t *t);

/* Connection accounting against limits.max_connections: true when one more
 * may open (and counts it); gw_serve_conn_closed undoes it. */
bool gw_serve_conn_open(gw_serve_t *sv);
void gw_serve_conn_closed(gw_serve_t *sv);
/* A slow consumer was disconnected. */
void gw_serve_count_slow(gw_serve_loop_t *SL);

/* fairness.c: the client of a request (its peer, or behind a trusted proxy
 * the address the client header names). */
void gw_serve_client(const gw_serve_t *sv, h2o_req_t *req, gw_fair_client_t *out);
/* Before prepared operation `op` runs for client c: an operation with
 * effects (`effects`: a mutation, or a subscription field sent as a command)
 * takes its tokens. True to run it; false with *which and *retry_s (counted
 * in /metrics). */
bool gw_serve_fair_op(gw_serve_t *sv, const gw_fair_client_t *c, const gql_operation_t *op, bool effects,
                      gw_fair_limit_t *which, uint32_t *retry_s);
/* Holds one of c's connections or subscriptions: true with *ticket (0:
 * nothing held), false over the limit (counted). No fairness: true, 0. */
bool gw_serve_fair_hold(gw_serve_t *sv, const gw_fair_client_t *c, gw_fair_limit_t which, uint32_t *ticket);
void gw_serve_fair_release(gw_serve_t *sv, uint32_t ticket, gw_fair_limit_t which);
/* Sends 429 with Retry-After and a GraphQL error naming the limit. */
void gw_serve_send_limited(gw_serve_t *sv, gw_reqctx_t *rc, const char *content_type, gw_fair_limit_t which,
                           uint32_t retry_s);
/* session.c: who sent `req` (exec/auth.h), in session mode as a zeroed
 * (anonymous) or filled gw_caller_t in arena `a` (*caller; NULL in open
 * mode). false when out of memory. *bad: the request carried a forged,
 * malformed or expired credential (answer with
 * gw_serve_send_unauthenticated), *from_cookie: it came in the cookie. */
bool gw_serve_caller(gw_serve_loop_t *SL, h2o_req_t *req, gql_arena_t *a, gw_caller_t **caller, bool *bad,
                     bool *from_cookie);
/* 401 with the GraphQL error UNAUTHENTICATED (and the cookie cleared when
 * it was the cookie's). */
void gw_serve_send_unauthenticated(gw_reqctx_t *rc, const char *content_type, bool clear_cookie);
/* Adds Set-Cookie for the credential get_account issued during the request
 * (caller->issued), if any; Secure on a TLS listener. */
void gw_serve_set_cookie(gw_serve_loop_t *SL, gw_reqctx_t *rc, const gw_caller_t *caller);

/* graphql_http.c: GraphQL over HTTP for a request serve.c let through. */
void gw_graphql_http(gw_serve_loop_t *SL, gw_reqctx_t *rc);

/* sse.c: GraphQL over SSE (distinct connections) for a request that
 * accepts text/event-stream. Sends the response itself. */
void gw_sse_handle(gw_serve_loop_t *SL, gw_reqctx_t *rc);
/* True when the request's Accept asks for text/event-stream. */
bool gw_sse_wanted(h2o_req_t *req);
/* Periodic: back-pressure and keep-alive of the loop's SSE streams; with
 * `stopping`, every stream is completed. */
void gw_sse_sweep(gw_serve_loop_t *SL, bool stopping);

/* ws_protocol.c: answers a WebSocket upgrade on `rc` (the subprotocol from
 * Sec-WebSocket-Protocol). Sends the response itself. */
void gw_wsp_upgrade(gw_serve_loop_t *SL, gw_reqctx_t *rc);

#endif
