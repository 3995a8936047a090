/*
 * pending.h — GraphQL executions that wait: a root-field resolver that
 * cannot answer at once (a mutation waiting for Kafka's feedback) holds the
 * running execution and answers it later. The mechanism knows no transport:
 * HTTP (serve/graphql_http.c) and the registry (subs/subs.c, for WebSocket
 * and SSE) each run operations through gw_pending_execute and supply a
 * completion callback that sends their own kind of answer.
 *
 * The resolver's side:
 *   p = gw_pending_hold(info);     inside gql_execute/gql_resume on a loop
 *   out->kind = GQL_RV_PENDING;    the field waits
 *   ... later, on the same loop, never from inside the resolver's call:
 *   gw_pending_resume(p, &value);  value allocated in gw_pending_arena(p)
 * gql_resume then goes on with the execution. Mutation root fields run one
 * after the other, so a later field may hold the same handle again; the
 * transport's callback runs once, when the whole response is complete.
 *
 * The transport's side:
 *   rc = gw_pending_execute(t, op, root, out, arena, &p);
 *   rc == GQL_PENDING && p != NULL: call gw_pending_wait(p, done, user)
 *   before returning to the loop; done(user, rc, out) follows later.
 * If the client goes away first (connection closed, HTTP/2 stream reset, a
 * subscription's complete/stop), the transport calls gw_pending_cancel with
 * a function that frees what the execution uses (its arena, document,
 * output buffer): the handle keeps those alive until the resolver resumes,
 * then only frees them. Resolvers never see that case.
 *
 * Ownership: a gw_pending_t is malloc'd by the first gw_pending_hold of an
 * execution and freed by the gw_pending_resume that ends it. The operation,
 * the arena and `out` stay the transport's (or, after gw_pending_cancel,
 * its release function's). Everything happens on one loop.
 */
#ifndef GW_PENDING_H
#define GW_PENDING_H

#include "exec.h"

typedef struct gw_pending gw_pending_t;

/* ------------------------------------------------------------------------ */
/* Resolvers                                                                */
/* ------------------------------------------------------------------------ */

/* The handle of the execution running on this loop, for a resolver called
 * from gql_execute/gql_resume through gw_pending_execute/gw_pending_resume
 * (`info->context` is the loop's gw_exec_loop_t). NULL when nothing can wait (no such
 * execution, out of memory): then answer a field error instead. */
gw_pending_t *gw_pending_hold(const gql_resolve_info_t *info);

/* Where the value handed to gw_pending_resume must live (the execution's
 * arena; alive until the resume even when the client is gone). */
gql_arena_t *gw_pending_arena(gw_pending_t *p);

/* Continues the execution with the held field's value. When the execution
 * completes, the transport's callback runs (or, client gone, the release
 * function) and the handle is freed; when a later field holds it again it
 * stays. Call once per hold, on the loop that made it. */
void gw_pending_resume(gw_pending_t *p, const gql_rv_t *value);

/* Optional: fn(arg) runs once, on this loop, if the client goes away while
 * this hold lasts (gw_pending_cancel), so the resolver can stop work nobody
 * will read (a password job not started yet). The hook ends with the hold:
 * gw_pending_resume clears it; fn NULL clears it earlier. Already cancelled:
 * fn runs at once. The resolver must still resume. */
void gw_pending_on_cancel(gw_pending_t *p, void (*fn)(void *arg), void *arg);

/* ------------------------------------------------------------------------ */
/* Transports                                                               */
/* ------------------------------------------------------------------------ */

/* The execution ended: rcode 0 with the response JSON in `out` (check
 * out->oom), or an internal failure (already logged; answer "internal
 * error"). `out` is the buffer given to gw_pending_execute; the callback
 * owns it and everything else of the execution from here on. */
typedef void (*gw_pending_done_fn)(void *user, int rcode, gql_buf_t *out);

/* Runs gql_execute(op, root, out) on loop L so that resolvers can hold it.
 * `arena` is the execution's (gw_pending_arena hands it out); `out` must
 * stay at its address until the end (gql_resume writes on). Returns
 * gql_execute's code. GQL_PENDING with *pending set: a resolver answers
 * later — call gw_pending_wait before returning to the loop. GQL_PENDING
 * with *pending NULL: a resolver answered "pending" without holding (a
 * bug: treat as an internal error). */
int gw_pending_execute(gw_exec_loop_t *L, gql_operation_t *op, const void *root, gql_buf_t *out, gql_arena_t *arena,
                       gw_pending_t **pending);

/* Says who to tell when the held execution completes. */
void gw_pending_wait(gw_pending_t *p, gw_pending_done_fn done, void *user);

/* The client is gone: `done` will not run. The execution's memory must stay
 * until the resolver resumes; then `release(data)` frees it (may be NULL
 * when there is nothing to free) and the handle is freed. */
void gw_pending_cancel(gw_pending_t *p, void (*release)(void *data), void *data);

#endif
