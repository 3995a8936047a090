/*
 * serve.c — the transports' routes and per-loop life: /graphql goes to the
 * WebSocket upgrade, to SSE or to GraphQL over HTTP by what the request
 * asks for; /graphql-ws takes WebSocket upgrades only. A sweep timer per
 * loop drives pings, idle and init timeouts, back-pressure and, once the
 * loop stops, the close frames (1001) and the SSE completes that let the
 * server's drain see the connections go.
 */
#include <malloc.h>
#include <stdlib.h>

#include "serve_int.h"

#define SCRATCH_BLOCK (2u << 20) /* bytes: see loop_start */

#define SWEEP_MS 250 /* pings, init timeouts, back-pressure, shutdown */
#define TRIM_MS 2000 /* free heap memory back to the kernel at most this often (on_sweep) */

gw_serve_loop_t *gw_serve_loop(const gw_serve_t *sv, const gw_thread_t *t)
{
    return gw_loop_slot(t, sv->slot);
}

bool gw_serve_conn_open(gw_serve_t *sv)
{
    size_t n = atomic_fetch_add(&sv->conns, 1);
    if (n >= sv->limits.max_connections) {
        atomic_fetch_sub(&sv->conns, 1);
        return false;
    }
    return true;
}

void gw_serve_conn_closed(gw_serve_t *sv)
{
    atomic_fetch_sub(&sv->conns, 1);
}

void gw_serve_count_slow(gw_serve_loop_t *SL)
{
    gw_metric_add(&SL->slow_closed, 1);
}

/* ------------------------------------------------------------------------ */
/* Routes                                                                   */
/* ------------------------------------------------------------------------ */

static int on_graphql_ws(h2o_handler_t *self, h2o_req_t *req)
{
    gw_serve_handler_t *h = (gw_serve_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    if (!gw_http_path_is(req, "/graphql-ws")) {
        gw_http_send_error(&rc, 404, NULL, "Not found");
        return 0;
    }
    gw_wsp_upgrade(gw_serve_loop(h->sv, rc.thread), &rc);
    return 0;
}

static int on_graphql(h2o_handler_t *self, h2o_req_t *req)
{
    gw_serve_handler_t *h = (gw_serve_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    gw_serve_loop_t *SL = gw_serve_loop(h->sv, rc.thread);
    if (gw_http_path_is(req, "/graphql") && gw_ws_is_upgrade(req))
        gw_wsp_upgrade(SL, &rc);
    else if (gw_http_path_is(req, "/graphql") && gw_sse_wanted(req))
        gw_sse_handle(SL, &rc);
    else
        gw_graphql_http(SL, &rc);
    return 0;
}

int gw_serve_register(gw_serve_t *sv, h2o_hostconf_t *host)
{
    gw_serve_handler_t *h;
    h = (gw_serve_handler_t *)gw_http_register(sv->server, host, "/graphql-ws", on_graphql_ws, sizeof *h);
    h->sv = sv;
    h = (gw_serve_handler_t *)gw_http_register(sv->server, host, "/graphql", on_graphql, sizeof *h);
    h->sv = sv;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Loops                                                                    */
/* ------------------------------------------------------------------------ */

static void on_sweep(h2o_timeout_entry_t *entry)
{
    gw_serve_loop_t *SL = H2O_STRUCT_FROM_MEMBER(gw_serve_loop_t, sweep_entry, entry);
    gw_thread_t *t = SL->thread;
    if (t->stopping && !SL->closed_all) {
        SL->closed_all = true;
        gw_ws_close_all(&SL->ws, 1001, "Server shutting down");
    }
    gw_ws_sweep(&SL->ws);
    gw_sse_sweep(SL, t->stopping);
    /* Heap memory freed since the last time goes back to the kernel, by one
     * loop for the process every TRIM_MS. main.c lets blocks of up to 4 MiB
     * come from the heaps, so that a large body's or message's buffers are
     * reused warm instead of mapped, faulted in and unmapped each time; what
     * such blocks leave free between live ones is given back here (1-4 ms
     * after a burst, microseconds when there is nothing to give). */
    uint64_t now = h2o_now(t->ctx.loop), last = atomic_load_explicit(&SL->sv->trimmed_ms, memory_order_relaxed);
    if (now - last >= TRIM_MS && atomic_compare_exchange_strong_explicit(&SL->sv->trimmed_ms, &last, now,
                                                                         memory_order_relaxed, memory_order_relaxed))
        malloc_trim(0);
    h2o_timeout_link(t->ctx.loop, &SL->sweep_timeout, &SL->sweep_entry);
}

static int loop_start(gw_thread_t *t, void *data)
{
    gw_serve_t *sv = data;
    gw_serve_loop_t *SL = calloc(1, sizeof *SL);
    if (SL == NULL)
        return GW_ENOMEM;
    gw_loop_set_slot(t, sv->slot, SL);
    SL->sv = sv;
    SL->thread = t;
    SL->exec = gw_exec_loop(sv->exec, t);
    SL->subs = gw_subs_loop_of(sv->subs, t);
    SL->ws.thread = t;
    h2o_linklist_init_anchor(&SL->ws.conns);
    h2o_linklist_init_anchor(&SL->sse);
    SL->ws.max_message = sv->limits.max_message_bytes;
    SL->ws.rcvbuf = sv->limits.receive_buffer_bytes;
    SL->ws.ping_ms = sv->limits.keepalive_ms;
    SL->ws.idle_ms = sv->limits.idle_timeout_ms;
    /* one WebSocket message at a time, reset after each: a first block that
     * holds what the JSON reader makes of the largest message the limits let
     * through (64 KiB, 10,000 values: under 1 MiB, arrays regrown included) is kept warm across
     * messages, so reading one touches no fresh pages (with a small first
     * block each large message mapped, faulted in and unmapped its arrays:
     * 40% of its time) */
    if ((SL->scratch = gw_exec_arena_new(SL->exec, SCRATCH_BLOCK)) == NULL)
        return GW_ENOMEM;
    h2o_timeout_init(t->ctx.loop, &SL->ws.turn_timeout, 1);
    h2o_timeout_init(t->ctx.loop, &SL->sweep_timeout, SWEEP_MS);
    SL->sweep_entry = (h2o_timeout_entry_t){0};
    SL->sweep_entry.cb = on_sweep;
    h2o_timeout_link(t->ctx.loop, &SL->sweep_timeout, &SL->sweep_entry);
    SL->started = true;
    return 0;
}

static void loop_end(gw_thread_t *t, void *data)
{
    gw_serve_t *sv = data;
    gw_serve_loop_t *SL = gw_loop_slot(t, sv->slot);
    if (SL == NULL)
        return;
    if (SL->started) {
        /* connections still open (shutdown bound passed): drop them now */
        while (!h2o_linklist_is_empty(&SL->ws.conns))
            gw_ws_abort(H2O_STRUCT_FROM_MEMBER(gw_ws_conn_t, link, SL->ws.conns.next));
        gw_sse_sweep(SL, true);
        if (h2o_timeout_is_linked(&SL->sweep_entry))
            h2o_timeout_unlink(&SL->sweep_entry);
        h2o_timeout_dispose(t->ctx.loop, &SL->sweep_timeout);
        h2o_timeout_dispose(t->ctx.loop, &SL->ws.turn_timeout); /* the aborted connections left it */
        SL->started = false;
    }
    gql_arena_free(SL->scratch);
    SL->scratch = NULL;
    /* SL itself stays for a scrape on another loop: freed by gw_serve_free */
}

static void render_metrics(gql_buf_t *out, void *data)
{
    gw_serve_t *sv = data;
    uint64_t n = 0;
    for (size_t i = 0; i < gw_server_nthreads(sv->server); i++) {
        gw_serve_loop_t *SL = gw_loop_slot(gw_server_thread(sv->server, i), sv->slot);
        if (SL != NULL)
            n += atomic_load_explicit(&SL->slow_closed, memory_order_relaxed);
    }
    gw_metrics_family(out, "gateway_slow_consumers_closed_total", "counter",
                      "Subscription connections closed because they stayed over the unsent-bytes bound.", (int64_t)n);
}

gw_serve_t *gw_serve_new(gw_server_t *s, gw_exec_t *exec, gw_subs_t *subs, const gw_subs_limits_t *limits)
{
    gw_serve_t *sv = calloc(1, sizeof *sv);
    if (sv == NULL)
        return NULL;
    sv->server = s;
    sv->exec = exec;
    sv->subs = subs;
    sv->limits = *limits;
    sv->slot = gw_server_slot_new(s);
    if (sv->slot < 0 || gw_server_add_thread_hook(s, loop_start, loop_end, sv) != 0 ||
        gw_server_add_metrics(s, render_metrics, sv) != 0) {
        free(sv);
        return NULL;
    }
    return sv;
}

void gw_serve_free(gw_serve_t *sv)
{
    if (sv == NULL)
        return;
    for (size_t i = 0; sv->server->threads != NULL && i < gw_server_nthreads(sv->server); i++) {
        gw_thread_t *t = gw_server_thread(sv->server, i);
        if (t->unclean)
            continue; /* its connections may still point at the loop's state */
        free(gw_loop_slot(t, sv->slot));
        gw_loop_set_slot(t, sv->slot, NULL);
    }
    free(sv);
}
