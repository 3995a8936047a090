/*
 * sse.c — GraphQL over Server-Sent Events, distinct-connections mode (the
 * protocol of the npm graphql-sse client): one operation per request,
 * POST /graphql with a JSON body or GET /graphql with query parameters,
 * and Accept: text/event-stream.
 *
 * The answer is 200 text/event-stream. Every result is an `event: next`
 * whose data is the execution result; when the operation ends (a query,
 * mutation or one-shot subscription after its result; request errors after
 * one `next` carrying them; every stream at shutdown) an `event: complete`
 * with an empty data field follows and the response ends. A stream ends
 * when the client closes the request. A comment line is sent at once (so
 * the client sees the headers) and after keepalive_ms of silence.
 *
 * Over GET (an EventSource), only queries and transaction streams run: a
 * mutation, or a subscription field that sends a command, would carry its
 * token or password in the URL and have effects; it gets 405 with Allow:
 * POST before any stream starts, as GraphQL over HTTP answers a mutation
 * over GET.
 *
 * A mutation waiting for its commands (pending.h) keeps the stream open
 * until its result. A client leaving meanwhile cancels the wait: at once
 * on HTTP/2 (stream reset); on HTTP/1.1 only when a write fails (h2o reads
 * nothing more from a connection whose request it is answering), i.e. at
 * the next keep-alive comment or the result itself.
 *
 * Malformed HTTP parameters (bad JSON, no query) are answered 400 before any
 * stream starts, as GraphQL over HTTP says.
 *
 * Frames: "event: next\ndata: <json>\n\n" is the same for every SSE
 * subscriber of a key, so it is built once per event (the payload memo) and
 * shared by reference, like WebSocket frames.
 *
 * Ownership: an sse_stream_t is malloc'd per request and freed when h2o
 * disposes the request's pool (a dispose callback on a small link in the
 * pool); its gw_sub_t is stopped then at the latest.
 */
#include <stdio.h>
#include <string.h>

#include "serve_int.h"

#define TAG_SSE 3 /* payload memo tag (WebSocket protocols use 1 and 2) */

typedef struct sse_stream {
    h2o_generator_t gen;
    gw_serve_loop_t *SL;
    h2o_req_t *req; /* NULL once the request is gone */
    gw_reqctx_t rc;
    gw_sub_t *sub; /* NULL once stopped */
    gw_outq_t q;
    h2o_linklist_t link; /* in the loop's SSE list */
    uint64_t over_since;
    uint64_t last_send_ms;
    bool sending;         /* an h2o_send is in flight */
    bool finishing;       /* complete queued: end the response once written */
    bool final_sent;      /* H2O_SEND_STATE_FINAL went out */
    bool ended;           /* in-flight count and gauges released */
    bool doomed;          /* over the hard bound: no more events */
    uint32_t conn_ticket; /* a connection held for a client behind a trusted proxy (fairness.c) */
} sse_stream_t;

typedef struct sse_link {
    sse_stream_t *s;
} sse_link_t;

static const char COMPLETE[] = "event: complete\ndata:\n\n";
static const char COMMENT[] = ":\n\n";

static void end_stream(sse_stream_t *s)
{
    if (s->ended)
        return;
    s->ended = true;
    gw_serve_fair_release(s->SL->sv, s->conn_ticket, GW_FAIR_CONNECTIONS);
    s->conn_ticket = 0;
    s->rc.thread->inflight--;
    gw_gauge_add(&s->rc.thread->metrics.connections[GW_CONN_SSE], -1);
    gw_serve_conn_closed(s->SL->sv);
}

static void stop_sub(sse_stream_t *s)
{
    gw_sub_t *sub = s->sub;
    s->sub = NULL;
    if (sub != NULL) {
        gw_serve_fair_release(s->SL->sv, sub->owner_ticket, GW_FAIR_SUBSCRIPTIONS);
        gw_subs_stop(sub);
    }
}

/* Hands what is queued to h2o (one send in flight at a time). */
static void pump(sse_stream_t *s)
{
    if (s->sending || s->req == NULL || s->final_sent)
        return;
    h2o_iovec_t iov[64];
    size_t n = gw_outq_take(&s->q, iov, 64);
    if (n == 0 && !s->finishing)
        return;
    h2o_send_state_t st = H2O_SEND_STATE_IN_PROGRESS;
    if (s->finishing && s->q.inflight == s->q.count) {
        st = H2O_SEND_STATE_FINAL;
        s->final_sent = true;
    }
    s->sending = true;
    s->last_send_ms = h2o_now(s->rc.thread->ctx.loop);
    h2o_send(s->req, iov, n, st);
    if (st == H2O_SEND_STATE_FINAL)
        end_stream(s);
}

static void push(sse_stream_t *s, gw_chunk_t *b)
{
    if (b == NULL || s->req == NULL || s->final_sent || s->finishing)
        return;
    gw_outq_push(&s->q, b);
    pump(s);
}

static void push_bytes(sse_stream_t *s, const char *a, size_t na, const char *b, size_t nb, const char *c, size_t nc)
{
    gw_chunk_t *w = gw_chunk_concat(a, na, b, nb, c, nc);
    push(s, w);
    gw_chunk_unref(w);
}

/* Queues the complete event and ends the response after it. */
static void finish(sse_stream_t *s)
{
    if (s->finishing || s->final_sent)
        return;
    stop_sub(s);
    push_bytes(s, COMPLETE, sizeof COMPLETE - 1, NULL, 0, NULL, 0);
    s->finishing = true;
    pump(s);
}

static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    sse_stream_t *s = (sse_stream_t *)gen;
    s->sending = false;
    gw_outq_done(&s->q);
    pump(s);
}

static void on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    sse_stream_t *s = (sse_stream_t *)gen;
    stop_sub(s);
}

static void on_dispose(void *data)
{
    sse_link_t *link = data;
    sse_stream_t *s = link->s;
    s->req = NULL;
    stop_sub(s);
    end_stream(s);
    h2o_linklist_unlink(&s->link);
    gw_outq_clear(&s->q);
    free(s);
}

/* ------------------------------------------------------------------------ */
/* The sink                                                                 */
/* ------------------------------------------------------------------------ */

static void sink_next(gw_sub_t *sub, gw_payload_t *p)
{
    sse_stream_t *s = sub->owner;
    if (s->req == NULL || s->doomed || s->finishing)
        return;
    size_t bound = s->SL->sv->limits.max_unsent_bytes;
    if (s->q.unsent > 4 * bound) {
        s->doomed = true;
        return;
    }
    gw_chunk_t *f = gw_payload_memo_get(p, TAG_SSE, "");
    if (f != NULL) {
        push(s, f);
        return;
    }
    static const char head[] = "event: next\ndata: ";
    f = gw_chunk_concat(head, sizeof head - 1, p->json->data, p->json->len, "\n\n", 2);
    if (f == NULL) {
        s->doomed = true;
        return;
    }
    gw_payload_memo_put(p, TAG_SSE, "", f);
    push(s, f);
    gw_chunk_unref(f);
}

static void sink_complete(gw_sub_t *sub)
{
    finish(sub->owner);
}

static size_t sink_unsent(gw_sub_t *sub)
{
    sse_stream_t *s = sub->owner;
    return s->q.unsent;
}

static const gw_sub_sink_t SINK = {sink_next, sink_complete, sink_unsent};

/* ------------------------------------------------------------------------ */
/* Requests                                                                 */
/* ------------------------------------------------------------------------ */

bool gw_sse_wanted(h2o_req_t *req)
{
    h2o_iovec_t a = gw_http_header(req, H2O_TOKEN_ACCEPT);
    return a.base != NULL && h2o_strstr(a.base, a.len, H2O_STRLIT("text/event-stream")) != SIZE_MAX;
}

void gw_sse_handle(gw_serve_loop_t *SL, gw_reqctx_t *rc)
{
    h2o_req_t *req = rc->req;
    bool is_post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    bool is_get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    if (!is_post && !is_get) {
        gw_http_add_header(req, "allow", "GET, POST");
        gw_http_send_error(rc, 405, NULL, "Method not allowed: use GET or POST");
        return;
    }
    if (is_post) {
        h2o_iovec_t ct = gw_http_header(req, H2O_TOKEN_CONTENT_TYPE);
        if (ct.base == NULL || ct.len < 16 || !h2o_lcstris(ct.base, 16, H2O_STRLIT("application/json"))) {
            gw_http_send_error(rc, 415, NULL, "Unsupported Content-Type: send application/json");
            return;
        }
    }
    sse_stream_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        gw_http_send_error(rc, 500, NULL, "internal error");
        return;
    }
    gw_sub_t *sub = gw_sub_new(SL->subs, &SINK, s, "", 0);
    if (sub == NULL) {
        free(s);
        gw_http_send_error(rc, 500, NULL, "internal error");
        return;
    }
    /* tracing: the request's traceparent/tracestate (read during the start only) */
    ssize_t tpi = h2o_find_header_by_str(&req->headers, H2O_STRLIT("traceparent"), -1);
    if (tpi >= 0 && gw_traceparent_parse(req->headers.entries[tpi].value.base, req->headers.entries[tpi].value.len,
                                         &sub->trace) == 0) {
        ssize_t tsi = h2o_find_header_by_str(&req->headers, H2O_STRLIT("tracestate"), -1);
        if (tsi >= 0) {
            sub->trace.state = req->headers.entries[tsi].value.base;
            sub->trace.state_len = gw_tracestate_keep(sub->trace.state, req->headers.entries[tsi].value.len);
        }
    }
    /* the parameters live in the operation's arena, as long as it runs */
    gw_params_t params;
    char msg[256];
    const char *bad =
        is_post ? gw_params_from_json(sub->arena, req->entity.base, req->entity.len, &params, msg, sizeof msg)
        : req->query_at != SIZE_MAX ? gw_params_from_query_string(sub->arena, req->path.base + req->query_at + 1,
                                                                  req->path.len - req->query_at - 1, &params)
                                    : gw_params_from_query_string(sub->arena, "", 0, &params);
    if (bad != NULL) {
        gw_subs_stop(sub);
        free(s);
        gw_http_send_error(rc, 400, NULL, bad);
        return;
    }
    /* who sends it (session mode): in the operation's arena, as long as it runs */
    bool bad_credential = false, from_cookie = false;
    gw_caller_t *caller = NULL;
    bool known = gw_serve_caller(SL, req, sub->arena, &caller, &bad_credential, &from_cookie);
    if (!known || bad_credential) {
        gw_subs_stop(sub);
        free(s);
        if (!known)
            gw_http_send_error(rc, 500, NULL, "internal error");
        else
            gw_serve_send_unauthenticated(rc, NULL, from_cookie);
        return;
    }
    if (!gw_serve_conn_open(SL->sv)) {
        gw_subs_stop(sub);
        free(s);
        gw_http_add_header(req, "retry-after", "1");
        gw_http_send_error(rc, 503, NULL, "Too many subscription connections, retry later");
        return;
    }

    /* prepared before the response starts: over GET, what has effects (and
     * carries its arguments, a token or a password, in the URL) is refused
     * as GraphQL over HTTP refuses a mutation over GET */
    gw_op_kind_t kind = GW_OP_QUERY;
    gql_buf_t errors = GQL_BUF_INIT;
    gw_caller_t *prev_caller = gw_exec_set_caller(SL->exec, caller);
    gw_start_result_t r = gw_subs_prepare(sub, &params, &kind, &errors);
    gw_exec_set_caller(SL->exec, prev_caller);
    if (r == GW_START_STREAM && is_get && (kind == GW_OP_MUTATION || kind == GW_OP_COMMAND)) {
        gql_buf_free(&errors);
        gw_subs_stop(sub);
        free(s);
        gw_serve_conn_closed(SL->sv);
        gw_http_add_header(req, "allow", "POST");
        gw_http_send_error(rc, 405, NULL,
                           kind == GW_OP_MUTATION ? "Cannot perform mutations over GET: use POST"
                                                  : "Cannot send a command over GET (its arguments would be in the "
                                                    "URL): use POST");
        return;
    }
    /* the client's fair share, before the response starts: a connection
     * (behind a trusted proxy; a direct client's is held since accept), a
     * subscription for a stream, tokens for effects; else 429 */
    uint32_t conn_ticket = 0;
    if (r == GW_START_STREAM && SL->sv->fair != NULL) {
        gw_fair_client_t client;
        gw_fair_limit_t which = GW_FAIR_CONNECTIONS;
        uint32_t retry_s = 1;
        gw_serve_client(SL->sv, req, &client);
        bool ok = !client.via_proxy || gw_serve_fair_hold(SL->sv, &client, GW_FAIR_CONNECTIONS, &conn_ticket);
        if (ok && kind == GW_OP_STREAM) {
            which = GW_FAIR_SUBSCRIPTIONS;
            ok = gw_serve_fair_hold(SL->sv, &client, GW_FAIR_SUBSCRIPTIONS, &sub->owner_ticket);
        } else if (ok) {
            ok = gw_serve_fair_op(SL->sv, &client, sub->op, kind == GW_OP_MUTATION || kind == GW_OP_COMMAND, &which,
                                  &retry_s);
        }
        if (!ok) {
            gql_buf_free(&errors);
            gw_serve_fair_release(SL->sv, conn_ticket, GW_FAIR_CONNECTIONS);
            gw_serve_fair_release(SL->sv, sub->owner_ticket, GW_FAIR_SUBSCRIPTIONS);
            gw_subs_stop(sub);
            free(s);
            gw_serve_conn_closed(SL->sv);
            gw_serve_send_limited(SL->sv, rc, NULL, which, retry_s);
            return;
        }
    }

    s->gen.proceed = on_proceed;
    s->gen.stop = on_stop;
    s->SL = SL;
    s->req = req;
    s->rc = *rc;
    s->sub = sub;
    s->conn_ticket = conn_ticket;
    h2o_linklist_insert(&SL->sse, &s->link);
    sse_link_t *link = h2o_mem_alloc_shared(&req->pool, sizeof *link, on_dispose);
    link->s = s;
    gw_gauge_add(&rc->thread->metrics.connections[GW_CONN_SSE], 1);
    gw_metrics_request(&rc->thread->metrics, GW_OPL_SUBSCRIPTION, 200, gw_now_ns() - rc->start_ns);

    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream; charset=utf-8"));
    gw_http_add_header(req, "cache-control", "no-cache");
    gw_http_add_header(req, "x-accel-buffering", "no");
    h2o_start_response(req, &s->gen);
    push_bytes(s, COMMENT, sizeof COMMENT - 1, NULL, 0, NULL, 0);

    if (r == GW_START_STREAM) {
        prev_caller = gw_exec_set_caller(SL->exec, caller);
        r = gw_subs_run(sub);
        gw_exec_set_caller(SL->exec, prev_caller);
    }
    if (r == GW_START_ERRORS || r == GW_START_INTERNAL) {
        static const char head[] = "event: next\ndata: {\"errors\":";
        if (r == GW_START_INTERNAL || errors.oom) {
            errors.len = 0;
            errors.oom = false;
            gql_buf_puts(&errors, "[{\"message\":\"Internal server error\"}]");
        }
        push_bytes(s, head, sizeof head - 1, errors.data, errors.len, "}\n\n", 3);
        finish(s);
    }
    gql_buf_free(&errors);
}

void gw_sse_sweep(gw_serve_loop_t *SL, bool stopping)
{
    h2o_linklist_t *list = &SL->sse;
    const gw_subs_limits_t *lim = &SL->sv->limits;
    gw_thread_t *t = SL->thread;
    uint64_t now = h2o_now(t->ctx.loop);
    for (h2o_linklist_t *n = list->next, *next; n != list; n = next) {
        next = n->next;
        sse_stream_t *s = H2O_STRUCT_FROM_MEMBER(sse_stream_t, link, n);
        if (s->req == NULL || s->final_sent)
            continue;
        if (stopping) {
            finish(s);
            continue;
        }
        bool over = s->q.unsent > lim->max_unsent_bytes;
        if (over && s->over_since == 0)
            s->over_since = now;
        else if (!over)
            s->over_since = 0;
        if (s->doomed || (over && now - s->over_since >= lim->slow_grace_ms)) {
            if (s->sub != NULL) {
                gw_serve_count_slow(SL);
                gw_log_msg(&t->server->log, GW_LOG_WARN, "slow SSE consumer: stream ended", NULL);
                stop_sub(s);
                s->doomed = true;
            }
            continue;
        }
        if (lim->keepalive_ms && !s->sending && s->q.count == 0 && now - s->last_send_ms >= lim->keepalive_ms)
            push_bytes(s, COMMENT, sizeof COMMENT - 1, NULL, 0, NULL, 0);
    }
}
