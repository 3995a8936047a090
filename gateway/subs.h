/*
 * subs.h — GraphQL subscriptions: the registry of live operations on each
 * event loop, the fan-out of new transactions to them, and the transports
 * that carry them (WebSocket: ws_protocol.c; Server-Sent Events: sse.c).
 *
 * The path of one transaction, id N:
 *   Kafka thread: append to the gw_txstore, gw_loopq_publish_tx(N) on every
 *   loop's inbox (loopq.h; no lock, one wakeup per batch).
 *   Each loop (on_tx): for every id it has not handled yet, read the record
 *   from the txstore (shared, lock-free, no copy), collect the candidate
 *   subscriptions — those without an IBAN filter plus the bucket of the
 *   record's IBAN (a subscription filtered on another account is never
 *   looked at) — check min_amount/direction, and for each distinct
 *   (operation, variables) key (gql_subscription_key) execute the operation
 *   once into a reference-counted payload. Each transport frames the payload
 *   (a frame is shared by every subscriber whose framing is byte-identical:
 *   same protocol and id for WebSocket, always for SSE) and queues a
 *   reference on its connection; a connection writes all it has queued in
 *   one gathered write.
 *
 * Resume without loss (after_id): a subscription's `cursor` is the last id
 * it was shown or skipped. With after_id it starts there and the stream
 * "catches up": stored matches after the cursor are sent a batch at a time
 * (while its socket keeps up) and live fan-out skips it; the batch that
 * reaches the end of the store moves the cursor to the highest id examined
 * (>= the store's count then >= the loop's `seen` mark) and the stream
 * turns live. Live events are only delivered when their id > cursor, and
 * every id above `seen` is fanned out later, so nothing is missed or sent
 * twice at the seam. Without after_id the cursor starts at the count.
 *
 * Threads: a gw_subs_loop_t and everything in it belong to one loop; the
 * gw_subs_t is shared and read-only after start, except its atomic
 * connection counter.
 *
 * Ownership: gw_subs_t is made by main (gw_subs_new) and freed after the
 * server stopped (gw_subs_free). Each gw_sub_t owns an arena (its op, its
 * variables, its filter) and holds its cached document; transports own the
 * gw_sub_t through gw_subs_start/gw_subs_stop.
 */
#ifndef GW_SUBS_H
#define GW_SUBS_H

#include "http.h"
#include "store.h"
#include "ws.h"

typedef struct gw_subs gw_subs_t;
typedef struct gw_subs_loop gw_subs_loop_t;
typedef struct gw_sub gw_sub_t;

/* Limits and timers: gw_subs_limits_t in config.h (config "subscriptions.*"). */

/* A result to deliver: the JSON of one execution ({"data":..} with
 * "errors" when any), shared by every subscriber with the same key. The
 * memo lets a transport reuse the frame it built for an identical
 * framing. Lives during one fan-out. */
#define GW_PAYLOAD_MEMO 4
typedef struct gw_payload {
    gw_wsbuf_t *json;
    struct {
        int tag;        /* the transport's framing kind */
        const char *id; /* borrowed: the subscriber's id (NUL-terminated) */
        gw_wsbuf_t *frame;
    } memo[GW_PAYLOAD_MEMO];
    int nmemo;
} gw_payload_t;

/* The frame for (tag, id) if one was built for this payload, else NULL. */
gw_wsbuf_t *gw_payload_memo_get(gw_payload_t *p, int tag, const char *id);
/* Remembers `frame` (takes a reference) when there is room. */
void gw_payload_memo_put(gw_payload_t *p, int tag, const char *id, gw_wsbuf_t *frame);

/* How a transport receives what a subscription produces. */
typedef struct gw_sub_sink {
    /* One result (a stream event, or the single result of a query,
     * mutation or one-shot subscription). */
    void (*next)(gw_sub_t *sub, gw_payload_t *p);
    /* The operation ended from the server side (one-shot results). The
     * transport then calls gw_subs_stop. */
    void (*complete)(gw_sub_t *sub);
    /* Bytes the subscriber's connection has not written yet (back-pressure). */
    size_t (*unsent)(gw_sub_t *sub);
} gw_sub_sink_t;

/* One running operation. The transport fills sink/owner/id; the rest is
 * the registry's. */
struct gw_sub {
    const gw_sub_sink_t *sink;
    void *owner;               /* the transport's connection */
    const char *id;            /* the protocol's operation id (in the arena), "" for SSE */
    h2o_linklist_t owner_link; /* the transport's list of its operations */
    /* registry */
    gw_subs_loop_t *loop;
    gql_arena_t *arena;
    gql_cached_doc_t *doc;
    gql_operation_t *op;
    uint64_t key;
    gw_tx_filter_t filter;
    uint64_t cursor;       /* last transaction id shown or skipped */
    void *call;            /* a gw_bank_call_t in flight (one-shot command fields), or NULL */
    gw_pending_t *pending; /* a query/mutation held by a resolver (pending.h), or NULL */
    gql_buf_t *out;        /* its output (in the arena) while it waits */
    bool streaming;        /* registered for live transactions */
    bool in_delivery;      /* gw_subs_stop was asked during next(): freed after */
    bool stopped;
    struct gw_sub *next_any; /* chain of the any-IBAN list or of an IBAN bucket */
    struct gw_sub **pprev;
    struct gw_sub *next_dead;  /* stopped during a fan-out: freed after it */
    struct gw_sub *next_catch; /* in the loop's list of streams catching up */
    bool catching_up;          /* after_id: stored transactions still being sent */
    bool in_catchers;
};

/* What gw_subs_start says. */
typedef enum gw_start_result {
    GW_START_STREAM = 0, /* registered: events follow (stored ones already sent), or a
                          * single result follows, then complete(): a command's
                          * (one-shot subscription field) or that of a query or
                          * mutation whose resolver waits (pending.h) */
    GW_START_DONE,       /* a single result was sent and complete() called */
    GW_START_ERRORS,     /* request errors: a JSON array in *errors, nothing registered */
    GW_START_INTERNAL,   /* out of memory or similar: nothing registered */
} gw_start_result_t;

/* Parses, validates and prepares `params` (the JSON object {query,
 * variables, operationName, extensions}) on this loop and starts it:
 * subscriptions create their event stream; queries and mutations (when
 * allow_single) and one-shot subscription fields execute once and deliver
 * one result. `sub` must come from gw_sub_new. On GW_START_ERRORS the
 * errors are written as a JSON array to `errors`; the sub is left
 * unstarted (free it with gw_subs_stop). After GW_START_DONE the sub may
 * already be freed (the transport's complete() stopped it): do not touch
 * it. Never calls sink->complete for STREAM. */
gw_start_result_t gw_subs_start(gw_sub_t *sub, const gql_iv_t *params, bool allow_single, gql_buf_t *errors);

/* A new, unstarted subscription for loop L with its own arena (which holds
 * `id`, copied). NULL when out of memory. */
gw_sub_t *gw_sub_new(gw_subs_loop_t *L, const gw_sub_sink_t *sink, void *owner, const char *id, size_t idlen);

/* Unregisters and frees the subscription. Safe inside sink->next (deferred). */
void gw_subs_stop(gw_sub_t *sub);

/* The loop's registry, from a gw_thread_t. */
gw_subs_loop_t *gw_subs_loop_of(gw_subs_t *subs, gw_thread_t *t);
gw_subs_t *gw_subs_of_loop(gw_subs_loop_t *L);
gw_thread_t *gw_subs_thread(gw_subs_loop_t *L);
const gw_subs_limits_t *gw_subs_limits(const gw_subs_t *subs);

/* A per-loop scratch arena for parsing one incoming message (reset by the
 * caller after use with gql_arena_reset). */
gql_arena_t *gw_subs_scratch(gw_subs_loop_t *L);

/* Connection accounting against limits.max_connections: true when one
 * more may open (and counts it); gw_subs_conn_closed undoes it. */
bool gw_subs_conn_open(gw_subs_t *subs);
void gw_subs_conn_closed(gw_subs_t *subs);
/* A slow consumer was disconnected (/metrics). */
void gw_subs_count_slow(gw_subs_loop_t *L);

/* ------------------------------------------------------------------------ */
/* Setup (main.c, routes.c)                                                 */
/* ------------------------------------------------------------------------ */

/* Makes the registry for `s` with `limits` (copied; the config's
 * subscriptions section), binds
 * Subscription.stream_transactions and the one-shot subscription fields'
 * event streams in s->schema, and registers the loops' start/end hooks.
 * Call after the schema is bound and before gw_server_run. NULL when out of
 * memory or the schema lacks the fields (logged). */
gw_subs_t *gw_subs_new(gw_server_t *s, const gw_subs_limits_t *limits);
void gw_subs_free(gw_subs_t *subs);

/* The transactions to stream (borrowed; must outlive the server run). NULL
 * (the default) means no transactions: streams stay silent. */
void gw_subs_set_store(gw_subs_t *subs, gw_txstore_t *store);

/* How a gw_tx_t becomes the root value the Transaction resolvers read.
 * NULL (the default) hands the gw_tx_t itself. `scratch` lives for one
 * execution. */
typedef const void *(*gw_subs_root_fn)(const gw_tx_t *tx, gql_arena_t *scratch);
void gw_subs_set_root_fn(gw_subs_t *subs, gw_subs_root_fn fn);

/* --bench: the registry owns a store of its own and POST /bench/publish
 * appends transactions to it (see bench/fanout). */
int gw_subs_enable_bench(gw_subs_t *subs);

/* Registers /graphql-ws and /graphql (WebSocket upgrades, SSE, then the
 * GraphQL-over-HTTP handler) on `host`. */
void gw_subs_routes(gw_subs_t *subs, h2o_hostconf_t *host);

/* ------------------------------------------------------------------------ */
/* Transports                                                               */
/* ------------------------------------------------------------------------ */

/* ws_protocol.c: answers a WebSocket upgrade on `req` (subprotocol chosen
 * from Sec-WebSocket-Protocol). Sends the response itself. */
void gw_wsp_upgrade(gw_subs_loop_t *L, gw_reqctx_t *rc);
/* The loop's WebSocket connections. */
gw_ws_loop_t *gw_subs_ws(gw_subs_loop_t *L);

/* sse.c: GraphQL over SSE (distinct connections) for a request that
 * accepts text/event-stream. Sends the response itself. */
void gw_sse_handle(gw_subs_loop_t *L, gw_reqctx_t *rc);
/* True when the request's Accept asks for text/event-stream. */
bool gw_sse_wanted(h2o_req_t *req);
/* Periodic: back-pressure and shutdown of SSE streams of this loop. */
void gw_sse_sweep(gw_subs_loop_t *L, bool stopping);
/* The loop's SSE stream list (sse.c owns its entries). */
h2o_linklist_t *gw_subs_sse_list(gw_subs_loop_t *L);

#endif
