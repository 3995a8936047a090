/*
 * pending.c — executions that wait for a resolver, for every transport
 * (see pending.h for the protocol between resolvers and transports).
 *
 * While gql_execute or gql_resume runs, the loop's gw_exec_loop_t.running
 * points at a gw_exec_run on the stack: that is how gw_pending_hold, called
 * by a resolver deep inside the engine, finds the execution it belongs to
 * without any global state (the resolver's info->context is the loop's
 * gw_exec_loop_t).
 */
#include "pending.h"

#include <stdlib.h>

#include "exec_int.h"

/* One run of gql_execute/gql_resume on a loop (gw_exec_loop_t.running).
 * `pending` is made by the first hold; `held` says this run holds it. */
struct gw_exec_run {
    gw_pending_t *pending;
    bool held;
};

/* An execution waiting for a resolver. malloc'd by the first hold, freed
 * by the resume that completes the execution. */
struct gw_pending {
    gw_exec_loop_t *loop;
    gql_operation_t *op; /* the transport's (or release's) */
    gql_buf_t *out;      /* ditto; gql_resume writes on */
    gql_arena_t *arena;  /* ditto */
    gw_pending_done_fn done;
    void *user;
    bool cancelled;              /* the client is gone */
    void (*release)(void *data); /* after cancel: frees op, out, arena */
    void *release_data;
    void (*on_cancel)(void *arg); /* the holding resolver's, until it resumes */
    void *on_cancel_arg;
};

gw_pending_t *gw_pending_hold(const gql_resolve_info_t *info)
{
    gw_exec_loop_t *L = info->context;
    struct gw_exec_run *x = L != NULL ? L->running : NULL;
    if (x == NULL)
        return NULL;
    if (x->pending == NULL)
        x->pending = calloc(1, sizeof *x->pending);
    x->held = x->pending != NULL;
    return x->pending;
}

gql_arena_t *gw_pending_arena(gw_pending_t *p)
{
    return p->arena;
}

/* Runs one step (execute or resume) with t->running set. */
static int run(gw_exec_loop_t *L, struct gw_exec_run *x, gql_operation_t *op, const void *root, const gql_rv_t *value,
               gql_buf_t *out)
{
    struct gw_exec_run *saved = L->running; /* a resume may happen inside another execution's resolver */
    L->running = x;
    int rc = value != NULL ? gql_resume(op, value, out) : gql_execute(op, root, out);
    L->running = saved;
    return rc;
}

int gw_pending_execute(gw_exec_loop_t *L, gql_operation_t *op, const void *root, gql_buf_t *out, gql_arena_t *arena,
                       gw_pending_t **pending)
{
    struct gw_exec_run x = {NULL, false};
    int rc = run(L, &x, op, root, NULL, out);
    *pending = NULL;
    if (rc == GQL_PENDING && x.held) {
        gw_pending_t *p = x.pending; /* keep a hook the resolver set */
        *p = (gw_pending_t){.loop = L,
                            .op = op,
                            .out = out,
                            .arena = arena,
                            .on_cancel = p->on_cancel,
                            .on_cancel_arg = p->on_cancel_arg};
        *pending = x.pending;
        return rc;
    }
    free(x.pending); /* held but answered at once: nothing waits for it */
    if (rc == GQL_PENDING)
        gw_log_msg(&L->thread->server->log, GW_LOG_ERROR, "graphql internal error",
                   "a resolver answered later without gw_pending_hold");
    return rc;
}

void gw_pending_wait(gw_pending_t *p, gw_pending_done_fn done, void *user)
{
    p->done = done;
    p->user = user;
}

void gw_pending_cancel(gw_pending_t *p, void (*release)(void *data), void *data)
{
    p->cancelled = true;
    p->done = NULL;
    p->user = NULL;
    p->release = release;
    p->release_data = data;
    void (*fn)(void *) = p->on_cancel;
    p->on_cancel = NULL;
    if (fn != NULL)
        fn(p->on_cancel_arg);
    gw_log_msg(&p->loop->thread->server->log, GW_LOG_DEBUG, "client gone before a pending answer", NULL);
}

void gw_pending_on_cancel(gw_pending_t *p, void (*fn)(void *arg), void *arg)
{
    if (p->cancelled && fn != NULL) {
        fn(arg);
        return;
    }
    p->on_cancel = fn;
    p->on_cancel_arg = arg;
}

void gw_pending_resume(gw_pending_t *p, const gql_rv_t *value)
{
    p->on_cancel = NULL; /* the hold it belonged to ends here */
    if (p->cancelled) {
        if (p->release != NULL)
            p->release(p->release_data);
        free(p);
        return;
    }
    struct gw_exec_run x = {p, false};
    int rc = run(p->loop, &x, p->op, NULL, value, p->out);
    if (rc == GQL_PENDING && x.held)
        return; /* a later root field waits too */
    if (rc == GQL_PENDING)
        gw_log_msg(&p->loop->thread->server->log, GW_LOG_ERROR, "graphql internal error",
                   "a resolver answered later without gw_pending_hold");
    else if (rc != 0)
        gw_log_msg(&p->loop->thread->server->log, GW_LOG_ERROR, "graphql internal error", "gql_resume failed");
    gw_pending_done_fn done = p->done;
    void *user = p->user;
    gql_buf_t *out = p->out;
    free(p);
    if (done != NULL)
        done(user, rc, out);
}
