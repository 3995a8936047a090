/*
 * subs.h — GraphQL operations that live on a connection: the registry of
 * each event loop, the fan-out of new transactions to its subscriptions,
 * and the single result of queries, mutations and one-shot subscription
 * fields. The transports that carry them (serve/ws_protocol.c, serve/sse.c)
 * plug in through gw_sub_sink_t; the Subscription fields (resolvers/) say
 * what their stream is through gw_subs_source_t. The registry knows
 * neither.
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
 * Threads: a gw_subs_loop_t and everything in it belong to one loop (a
 * server slot); the gw_subs_t is shared and read-only after start.
 *
 * Ownership: gw_subs_t is made by main (gw_subs_new) and freed after the
 * server stopped (gw_subs_free). Each gw_sub_t owns an arena (its op, its
 * variables, its filter) and holds its cached document; transports own the
 * gw_sub_t through gw_subs_start/gw_subs_stop. Errors: 0 or a negative GW_E*
 * code (runtime/error.h).
 */
#ifndef GW_SUBS_H
#define GW_SUBS_H

#include "exec/exec.h"
#include "exec/pending.h"
#include "runtime/chunk.h"
#include "store.h"
#include "trace.h"

typedef struct gw_subs gw_subs_t;
typedef struct gw_subs_loop gw_subs_loop_t;
typedef struct gw_sub gw_sub_t;

/* ------------------------------------------------------------------------ */
/* Sources: what a Subscription field's subscribe function hands back       */
/* ------------------------------------------------------------------------ */

typedef enum gw_source_kind {
    GW_SOURCE_TRANSACTIONS = 1, /* every new transaction that passes `filter` */
    GW_SOURCE_ONCE,             /* one result: the operation executes once (its resolver may hold it: pending.h),
                                 * then completes; a command sent over a subscription */
} gw_source_kind_t;

/* The `stream` a gql_subscribe_fn bound to a Subscription field returns
 * (in info->arena, or static). */
typedef struct gw_subs_source {
    gw_source_kind_t kind;
    gw_tx_filter_t filter; /* TRANSACTIONS: iban, min_amount, direction */
    bool has_after;        /* TRANSACTIONS: resume after after_id (stored ones first) */
    uint64_t after_id;
} gw_subs_source_t;

/* A TRANSACTIONS source from a transaction stream field's arguments (iban,
 * min_amount, direction, after_id; all optional), in `arena`, checked: an
 * iban of 1..GW_IBAN_QUERY_MAX characters, no negative numbers. Returns 0
 * with *out set, or GQL_EFAIL with *error a static message. Who may read the
 * stream is the resolver's to decide before. */
int gw_subs_source_transactions(gql_arena_t *arena, const gql_args_t *args, gw_subs_source_t **out, const char **error);

/* The ONCE source (static): the operation executes once, then completes. */
const gw_subs_source_t *gw_subs_source_once(void);

/* ------------------------------------------------------------------------ */
/* Transports                                                               */
/* ------------------------------------------------------------------------ */

/* A result to deliver: the JSON of one execution ({"data":..} with
 * "errors" when any), shared by every subscriber with the same key. The
 * memo lets a transport reuse the frame it built for an identical
 * framing. Lives during one fan-out. */
#define GW_PAYLOAD_MEMO 4
typedef struct gw_payload {
    gw_chunk_t *json;
    struct {
        int tag;        /* the transport's framing kind */
        const char *id; /* borrowed: the subscriber's id (NUL-terminated) */
        gw_chunk_t *frame;
    } memo[GW_PAYLOAD_MEMO];
    int nmemo;
} gw_payload_t;

/* The frame for (tag, id) if one was built for this payload, else NULL. */
gw_chunk_t *gw_payload_memo_get(gw_payload_t *p, int tag, const char *id);
/* Remembers `frame` (takes a reference) when there is room. */
void gw_payload_memo_put(gw_payload_t *p, int tag, const char *id, gw_chunk_t *frame);

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

/* What a prepared operation does once it runs. */
typedef enum gw_op_kind {
    GW_OP_QUERY = 1, /* one result, no effect */
    GW_OP_MUTATION,  /* one result, with effects (commands) */
    GW_OP_STREAM,    /* a subscription streaming transactions */
    GW_OP_COMMAND,   /* a subscription field that sends a command: one result, with effects */
} gw_op_kind_t;

/* One running operation. The transport fills sink/owner/id; the rest is
 * the registry's. */
struct gw_sub {
    const gw_sub_sink_t *sink;
    void *owner;               /* the transport's connection */
    const char *id;            /* the protocol's operation id (in the arena), "" for SSE */
    h2o_linklist_t owner_link; /* the transport's list of its operations */
    size_t owner_bytes;        /* what the transport counted for it against its connection's bound */
    uint32_t owner_ticket;     /* the transport's: a per-client hold (runtime/fair.h) it releases, 0: none */
    /* registry */
    gw_subs_loop_t *loop;
    gql_arena_t *arena;
    gql_cached_doc_t *doc;
    gql_operation_t *op;
    gw_op_kind_t kind;              /* set by gw_subs_prepare */
    const gw_subs_source_t *source; /* a subscription's source (in the arena, or static) */
    uint64_t key;
    gw_tx_filter_t filter;
    uint64_t cursor;       /* last transaction id shown or skipped */
    gw_pending_t *pending; /* a single execution held by a resolver (pending.h), or NULL */
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
    /* tracing: the client's context, set by the transport before it starts the
     * operation (state borrowed for the start; zero: none), and the registry's
     * span of the operation (in the arena; NULL: tracing off) */
    gw_trace_ctx_t trace;
    gw_span_t *span;
};

/* What gw_subs_start says. */
typedef enum gw_start_result {
    GW_START_STREAM = 0, /* registered: events follow (stored ones already sent), or a
                          * single result follows, then complete(): that of an
                          * operation whose resolver waits (pending.h) */
    GW_START_DONE,       /* a single result was sent and complete() called */
    GW_START_ERRORS,     /* request errors: a JSON array in *errors, nothing registered */
    GW_START_INTERNAL,   /* out of memory or similar: nothing registered */
} gw_start_result_t;

/* A new, unstarted operation for loop L with its own arena (which holds
 * `id`, copied). NULL when out of memory. */
gw_sub_t *gw_sub_new(gw_subs_loop_t *L, const gw_sub_sink_t *sink, void *owner, const char *id, size_t idlen);

/* Prepares `params` (whose strings and values must live in sub->arena, or
 * longer) on this loop (exec.h) and starts it: subscriptions create their
 * event stream; queries and mutations (when allow_single) and one-shot
 * subscription fields execute once and deliver one result. On
 * GW_START_ERRORS the errors are written as a JSON array to `errors`; the
 * sub is left unstarted (free it with gw_subs_stop). After GW_START_DONE the
 * sub may already be freed (the transport's complete() stopped it): do not
 * touch it. Never calls sink->complete for STREAM. */
gw_start_result_t gw_subs_start(gw_sub_t *sub, const gw_params_t *params, bool allow_single, gql_buf_t *errors);

/* gw_subs_start in two steps, for a transport that decides by the kind of
 * operation before it answers (SSE over GET refuses effects): prepare
 * returns GW_START_STREAM with *kind set when the operation may run (nothing
 * registered or sent yet), or GW_START_ERRORS / GW_START_INTERNAL as
 * gw_subs_start does; run then starts it with gw_subs_start's results. */
gw_start_result_t gw_subs_prepare(gw_sub_t *sub, const gw_params_t *params, gw_op_kind_t *kind, gql_buf_t *errors);
gw_start_result_t gw_subs_run(gw_sub_t *sub);

/* Bytes the operation holds: its arena (id, variables, filter, the
 * operation's state) and, unless `shared_doc`, its document's (the cached
 * entry's arena: text, syntax tree, plans). Valid after gw_subs_prepare. */
size_t gw_sub_bytes(const gw_sub_t *sub, bool shared_doc);
/* Tracing: reads {"traceparent": "...", "tracestate": "..."} of obj (an
 * operation's extensions, a WebSocket connection_init payload) into *out
 * (state borrowed from obj). True when a valid traceparent is there. The
 * operation's own extensions win over the context its transport set in
 * sub->trace; its span ("<operation type> [<name>]", kind server) is the
 * parent of what its resolvers start and ends with its last result (a
 * stream's when it stops). */
bool gw_subs_trace_of(const gql_iv_t *obj, gw_trace_ctx_t *out);

/* Unregisters and frees the operation. Safe inside sink->next (deferred). A
 * single execution still held by a resolver is cancelled: its memory stays
 * until the resolver answers (pending.h). */
void gw_subs_stop(gw_sub_t *sub);

/* The loop's registry (valid from the start hooks on). */
gw_subs_loop_t *gw_subs_loop_of(const gw_subs_t *subs, const gw_thread_t *t);
gw_thread_t *gw_subs_thread(const gw_subs_loop_t *L);

/* ------------------------------------------------------------------------ */
/* Setup (main.c)                                                           */
/* ------------------------------------------------------------------------ */

/* The registry of `s`'s loops, running operations through `exec`; a
 * subscription catching up pauses while its connection has more than
 * max_unsent_bytes / 2 unsent. Reserves a slot, adds the loops' hooks and
 * the metric gateway_active_subscriptions. NULL when out of memory or the
 * server's tables are full. */
gw_subs_t *gw_subs_new(gw_server_t *s, gw_exec_t *exec, size_t max_unsent_bytes);
void gw_subs_free(gw_subs_t *subs);

/* Tests only: the memo keys of streams started from now on are ANDed with
 * `mask` (0: every key collides), so a test can show that the per-event memo
 * tells operations apart by content, not only by their 64-bit hash. */
void gw_subs__set_key_mask(gw_subs_t *subs, uint64_t mask);

/* The transactions to stream (borrowed; must outlive the server run). NULL
 * (the default) means no transactions: streams stay silent. */
void gw_subs_set_store(gw_subs_t *subs, gw_txstore_t *store);

/* How a gw_tx_t becomes the root value the Transaction resolvers read.
 * NULL (the default) hands the gw_tx_t itself. `scratch` lives for one
 * execution. */
typedef const void *(*gw_subs_root_fn)(const gw_tx_t *tx, gql_arena_t *scratch);
void gw_subs_set_root_fn(gw_subs_t *subs, gw_subs_root_fn fn);

/* Tracing (server tracer on): each transaction fanned out to at least one
 * subscription gets a span "stream_transactions event" (the loop's fan-out
 * of it: executions, deliveries) linked to its event's context, which `fn`
 * finds by id (main wires the backbone's gw_backbone_tx_trace); no context:
 * the span has no link. */
typedef bool (*gw_subs_trace_fn)(void *data, uint64_t id, gw_trace_ctx_t *out);
void gw_subs_set_trace_lookup(gw_subs_t *subs, gw_subs_trace_fn fn, void *data);

#endif
