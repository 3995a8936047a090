/*
 * exec.h — the front half of every GraphQL request, whatever carried it:
 *
 *   transport bytes ──▶ gw_params_t {query, operationName, variables,
 *   extensions} (params.c: one reader, one set of error messages)
 *   ──▶ gw_exec_prepare: the document from this loop's cache (parsed and
 *   validated once), then the operation with its coerced variables
 *   (gql_prepare) ──▶ the transport executes it (gql_execute, or
 *   gw_pending_execute when a resolver may answer later: pending.h).
 *
 * HTTP (serve/graphql_http.c), SSE (serve/sse.c) and both WebSocket
 * protocols (serve/ws_protocol.c, through the subscription registry) differ
 * only in framing: the same parameters give the same errors everywhere.
 *
 * Per loop (gw_exec_loop_t, in a server slot): the document cache, the
 * counter every request arena of the loop adds to, and the execution
 * running now (pending.c). `gql_resolve_info_t.context` is the
 * gw_exec_loop_t of the loop a resolver runs on.
 *
 * Threads: a gw_exec_t is read-only once the server runs; a gw_exec_loop_t
 * belongs to its loop, except its published metrics (relaxed atomics).
 *
 * Ownership: main makes the gw_exec_t (gw_exec_new) before the server runs
 * and frees it after; the schema stays main's. Errors: 0 or a negative GW_E*
 * code (runtime/error.h).
 */
#ifndef GW_EXEC_H
#define GW_EXEC_H

#include <stdatomic.h>

#include "auth.h"
#include "gql.h"
#include "persisted.h"
#include "runtime/server.h"

typedef struct gw_exec gw_exec_t;
typedef struct gw_exec_loop gw_exec_loop_t;

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

/* The execution context for `schema` (borrowed, bound, immutable) with the
 * request `limits` and the operation cost bound `cost` (both copied) and
 * documents cached per loop (at most doc_cache_entries of them, holding at
 * most doc_cache_bytes, 0 for no byte bound): reserves a slot on `s`, adds the loops'
 * start/end hooks and the metrics gateway_arena_bytes_in_use,
 * gateway_document_cache_entries and gateway_operations_over_cost_total.
 * NULL when out of memory or the server's tables are
 * full. */
gw_exec_t *gw_exec_new(gw_server_t *s, gql_schema_t *schema, const gql_limits_t *limits, const gw_cost_limits_t *cost,
                       size_t doc_cache_entries, size_t doc_cache_bytes);
void gw_exec_free(gw_exec_t *x);

/* Persisted queries and trusted documents (persisted.h; borrowed, main's,
 * outlives the server) for gw_exec_prepare; without it a request naming a
 * document by hash is answered PersistedQueryNotSupported. Also adds the
 * gateway_persisted_* metrics. Call before the server runs. */
void gw_exec_set_persisted(gw_exec_t *x, gw_persisted_t *ps);

gql_schema_t *gw_exec_schema(const gw_exec_t *x);
const gql_limits_t *gw_exec_limits(const gw_exec_t *x);

/* ------------------------------------------------------------------------ */
/* Per loop                                                                 */
/* ------------------------------------------------------------------------ */

/* Loop t's state (valid from its start hooks on). */
gw_exec_loop_t *gw_exec_loop(const gw_exec_t *x, const gw_thread_t *t);
gw_thread_t *gw_exec_thread(const gw_exec_loop_t *L);
gw_exec_t *gw_exec_of(const gw_exec_loop_t *L);

/* A new arena whose bytes count in this loop's gateway_arena_bytes_in_use
 * (block: gql_arena_new's first block size, 0 for the default). NULL when
 * out of memory. */
gql_arena_t *gw_exec_arena_new(gw_exec_loop_t *L, size_t block);

/* Tracing (events/trace.h): the span context of the request the transport
 * runs on L now, for resolvers to parent what they start (a command's
 * produce). The transport sets it around gw_pending_execute (NULL after);
 * a pending handle keeps it for its resumes, so it must stay valid until the
 * execution completes or is cancelled. */
struct gw_trace_ctx;
void gw_exec_set_trace(gw_exec_loop_t *L, const struct gw_trace_ctx *ctx);
/* The context of the request a resolver runs for, or NULL. */
const struct gw_trace_ctx *gw_exec_trace(const gql_resolve_info_t *info);

/* Publishes the loop's arena bytes and cached-document count to /metrics
 * (call after a request or an operation ended). */
void gw_exec_publish(gw_exec_loop_t *L);

/* ------------------------------------------------------------------------ */
/* Who is calling (auth.h)                                                  */
/* ------------------------------------------------------------------------ */

/* The authorization policy every transport and resolver of x reads
 * (borrowed; main's). Set before the server runs; NULL is open mode. */
void gw_exec_set_auth(gw_exec_t *x, const gw_auth_t *auth);
const gw_auth_t *gw_exec_auth(const gw_exec_t *x);

/* The caller of what runs on loop L from now on: a transport sets it (its
 * own gw_caller_t, which must live as long as the request or operation)
 * around gw_exec_prepare, gw_subs_start and gw_pending_execute, and puts
 * back the previous one (returned) afterwards. A held execution
 * (pending.h) keeps the caller it started with and runs its resume with
 * it. */
gw_caller_t *gw_exec_set_caller(gw_exec_loop_t *L, gw_caller_t *caller);

/* For resolvers and subscribe functions: the caller of the request being
 * executed (NULL when the transport set none), and the policy. */
gw_caller_t *gw_exec_caller(const gql_resolve_info_t *info);
const gw_auth_t *gw_exec_info_auth(const gql_resolve_info_t *info);

/* ------------------------------------------------------------------------ */
/* The front half                                                           */
/* ------------------------------------------------------------------------ */

/* A request's parameters (the GraphQL-over-HTTP names). Strings and values
 * are borrowed from where they were read (an arena or the request). */
typedef struct gw_params {
    const char *query; /* NULL only when the document is named by hash (below) */
    size_t query_len;
    const char *operation_name; /* NULL when absent or null */
    const gql_iv_t *variables;  /* an object, or NULL when absent or null */
    const gql_iv_t *extensions; /* an object, or NULL when absent or null; may hold persistedQuery (APQ) */
    const char *document_id;    /* "documentId" (persisted documents), or NULL */
} gw_params_t;

/* "query" may be absent when extensions.persistedQuery or documentId name
 * the document (persisted.h); gw_exec_prepare then finds its text. */

/* The most JSON values (objects, arrays, scalars) one client document may
 * hold: a POST or SSE body, a variables or extensions query parameter, a
 * WebSocket message. The bank's largest legitimate request has a few dozen;
 * past the bound the reading stops at once, so one message costs at most
 * this many values' work (a 1 MiB body of 96k keys took 60-150 ms of a loop;
 * docs/security.md). */
#define GW_PARAMS_MAX_JSON_VALUES 10000

/* From a JSON text (a POST body, an SSE body): read into arena `a` with the
 * engine's JSON reader. Returns NULL, or a message for the client (written
 * into msg when it names a position; msg needs room for 200 bytes). */
const char *gw_params_from_json(gql_arena_t *a, const char *text, size_t len, gw_params_t *p, char *msg, size_t msglen);

/* From a value already read (a WebSocket payload). The value must outlive
 * `p`. Returns NULL or a message for the client. */
const char *gw_params_from_object(const gql_iv_t *obj, gw_params_t *p);

/* Copies p's strings and values into arena `a` (for parameters read into a
 * scratch arena that must outlive it). 0 or GW_ENOMEM. */
int gw_params_copy(gql_arena_t *a, const gw_params_t *src, gw_params_t *dst);

/* From a URL query string (without the '?'): query, operationName,
 * variables and extensions (JSON), documentId; other names are ignored, a repeated one
 * is refused. Decoded into arena `a`. Returns NULL or a message for the
 * client. */
const char *gw_params_from_query_string(gql_arena_t *a, const char *qs, size_t len, gw_params_t *p);

/* The document p names (persisted.h: by hash from the APQ store or the
 * trusted manifest, refused when not trusted) from loop L's cache (parsed
 * and validated on a miss; an invalid one answers its cached errors; a
 * valid one sent with its hash is then stored for APQ), then the operation with
 * p's variables in `arena`, executing with `root_value` (may be NULL), and
 * its cost estimate (gql_operation_cost, list fields weighed by their
 * max_items argument or graphql.cost.default_list_size): above
 * graphql.cost.max it is refused with the error "Query cost N exceeds the
 * limit M (graphql.cost.max)" (extensions.code LIMIT_EXCEEDED). On
 * success *doc holds a reference (release it with gql_doc_cache_release
 * once the operation is done) and *op lives in `arena`. Returns 0;
 * GW_EREQUEST with the request errors in `errs` (nothing held); GW_ENOMEM
 * or GW_EINVAL on an internal failure (logged). Every transport (HTTP,
 * SSE, both WebSocket protocols, subscriptions) comes through here, so the
 * bound holds for all of them. */
int gw_exec_prepare(gw_exec_loop_t *L, const gw_params_t *p, gql_arena_t *arena, const void *root_value,
                    gql_errors_t *errs, gql_cached_doc_t **doc, gql_operation_t **op);

#endif
