/*
 * ws_protocol.c — the two GraphQL-over-WebSocket protocols on top of ws.c:
 *
 *  graphql-transport-ws (the npm graphql-ws library): connection_init ->
 *    connection_ack (within limits.init_timeout_ms, else close 4408; a
 *    second init closes 4429), ping/pong, subscribe -> next* / error /
 *    complete, complete from the client stops an operation. Bad messages
 *    close 4400, subscribe before the ack closes 4401, a duplicate id closes
 *    4409, an internal failure closes 4500.
 *  graphql-ws (the legacy Apollo subscriptions-transport-ws): connection_init
 *    -> connection_ack then "ka" every limits.keepalive_ms, start -> data* /
 *    error / complete, stop, connection_terminate. Bad JSON is answered with
 *    connection_error, an unknown type with error; a start reusing a live id
 *    replaces that operation, as the original server did.
 *
 * Session mode (exec/auth.h, docs/security.md "Authorization"): the caller
 * comes from the upgrade's cookie or Authorization header, replaced by a
 * connection_init payload's {"authorization": "Bearer <cred>"} or
 * {"session": "<cred>"}; a bad or expired credential closes 4403 at
 * connection_init (both protocols), and so does an operation started after
 * the credential expired. Each operation runs as that caller.
 *
 * Both run queries and mutations too (one result, then complete), through
 * gql_execute/gql_resume like HTTP: a mutation's root fields run one after
 * the other, each possibly waiting for its command (pending.h), and the
 * result goes out when the last one answered. complete/stop or a closed
 * socket meanwhile cancels the wait (the command itself still completes).
 * The subprotocol comes from Sec-WebSocket-Protocol and is echoed in the
 * 101; without the header graphql-transport-ws is spoken.
 *
 * Back-pressure: a connection whose unsent bytes stay above
 * limits.max_unsent_bytes for limits.slow_grace_ms is closed with 1008 (its
 * queue dropped, counted in /metrics); above four times the bound new events
 * are not queued at all.
 *
 * Memory: besides its queue (above) and one incoming message
 * (max_message_bytes), a connection holds its operations: their arenas and
 * their documents (a document counted once per connection however many of
 * its operations run it). An operation that would take that sum over
 * limits.max_connection_bytes is refused with an error naming the limit;
 * the others go on.
 *
 * Ownership: a wsp_conn_t per socket (malloc'd at upgrade, freed in
 * on_close) owns its operations (gw_sub_t, stopped on close).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "serve_int.h"

enum {
    P_TRANSPORT = 1, /* graphql-transport-ws */
    P_LEGACY = 2,    /* graphql-ws (subscriptions-transport-ws) */
};

typedef struct wsp_conn {
    gw_serve_loop_t *SL;
    gw_ws_conn_t *ws;
    int proto;
    bool init_seen;
    bool acked;
    bool doomed; /* over the hard bound: closed at the next tick */
    uint64_t opened_ms;
    uint64_t last_ka_ms;
    uint64_t over_since; /* 0 while under the unsent bound */
    h2o_linklist_t ops;  /* gw_sub_t.owner_link */
    size_t nops;
    size_t held;             /* bytes its operations hold: the sum of their owner_bytes */
    gw_fair_client_t client; /* whose fair share this connection uses (fairness.c) */
    uint32_t conn_ticket;    /* a connection held for a client behind a trusted proxy */
    bool over_conn_limit;    /* its client had no connection left: closed 4429 on open */
    /* session mode (exec/auth.h): who the upgrade request's cookie or
     * Authorization header, or the connection_init payload, names */
    gw_caller_t caller;
    bool bad_credential;  /* the upgrade carried a bad one: closed 4403 at connection_init */
    gw_trace_ctx_t trace; /* connection_init's payload {traceparent, tracestate}; state in trace_state */
    char *trace_state;    /* owned; NULL: none */
} wsp_conn_t;

/* ------------------------------------------------------------------------ */
/* Sending                                                                  */
/* ------------------------------------------------------------------------ */

/* {"id":<id>,"type":"<type>" then the rest. */
static void put_head(gql_buf_t *b, const char *id, const char *type)
{
    gql_buf_puts(b, "{");
    if (id != NULL) {
        gql_buf_puts(b, "\"id\":");
        gql_buf_json_string(b, id, strlen(id));
        gql_buf_putc(b, ',');
    }
    gql_buf_puts(b, "\"type\":\"");
    gql_buf_puts(b, type);
    gql_buf_putc(b, '"');
}

/* Sends {"id":..,"type":..[,"payload":payload]}. */
static void send_msg(wsp_conn_t *w, const char *id, const char *type, const char *payload, size_t plen)
{
    gql_buf_t b = GQL_BUF_INIT;
    put_head(&b, id, type);
    if (payload != NULL) {
        gql_buf_puts(&b, ",\"payload\":");
        gql_buf_append(&b, payload, plen);
    }
    gql_buf_putc(&b, '}');
    if (b.oom)
        gw_ws_abort(w->ws);
    else
        gw_ws_send_text(w->ws, b.data, b.len, NULL, 0, NULL, 0);
    gql_buf_free(&b);
}

static void send_error(wsp_conn_t *w, const char *id, const char *errors_json, size_t len)
{
    if (w->proto == P_TRANSPORT) {
        send_msg(w, id, "error", errors_json, len);
        return;
    }
    /* subscriptions-transport-ws shows payload.message, or formats an array */
    send_msg(w, id, "error", errors_json, len);
}

static void send_error_text(wsp_conn_t *w, const char *id, const char *msg)
{
    gql_buf_t b = GQL_BUF_INIT;
    if (w->proto == P_TRANSPORT)
        gql_buf_puts(&b, "[{\"message\":");
    else
        gql_buf_puts(&b, "{\"message\":");
    gql_buf_json_string(&b, msg, strlen(msg));
    gql_buf_puts(&b, w->proto == P_TRANSPORT ? "}]" : "}");
    if (!b.oom)
        send_msg(w, id, "error", b.data, b.len);
    gql_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* The sink: results of this connection's operations                       */
/* ------------------------------------------------------------------------ */

static void sink_next(gw_sub_t *sub, gw_payload_t *p)
{
    wsp_conn_t *w = sub->owner;
    if (w->ws == NULL || w->doomed)
        return;
    size_t bound = w->SL->sv->limits.max_unsent_bytes;
    if (gw_ws_unsent(w->ws) > 4 * bound) {
        w->doomed = true; /* never grow without limit: closed at the next tick */
        return;
    }
    gw_chunk_t *f = gw_payload_memo_get(p, w->proto, sub->id);
    if (f != NULL) {
        gw_ws_send(w->ws, f);
        return;
    }
    char head[96];
    gql_buf_t hb = GQL_BUF_INIT;
    put_head(&hb, sub->id, w->proto == P_TRANSPORT ? "next" : "data");
    gql_buf_puts(&hb, ",\"payload\":");
    if (hb.oom) {
        gw_ws_abort(w->ws);
        return;
    }
    const char *hp = hb.data;
    size_t hl = hb.len;
    if (hl <= sizeof head) {
        memcpy(head, hb.data, hl);
        hp = head;
    }
    f = gw_ws_frame(GW_WS_TEXT, hp, hl, p->json->data, p->json->len, "}", 1);
    gql_buf_free(&hb);
    if (f == NULL) {
        w->doomed = true;
        return;
    }
    gw_payload_memo_put(p, w->proto, sub->id, f);
    gw_ws_send(w->ws, f);
    gw_chunk_unref(f);
}

static void unlink_op(wsp_conn_t *w, gw_sub_t *sub);

static void sink_complete(gw_sub_t *sub)
{
    wsp_conn_t *w = sub->owner;
    if (w->ws != NULL)
        send_msg(w, sub->id, "complete", NULL, 0);
    if (h2o_linklist_is_linked(&sub->owner_link))
        unlink_op(w, sub);
    gw_serve_fair_release(w->SL->sv, sub->owner_ticket, GW_FAIR_SUBSCRIPTIONS); /* 0: nothing held */
    sub->owner_ticket = 0;
    gw_subs_stop(sub);
}

static size_t sink_unsent(gw_sub_t *sub)
{
    wsp_conn_t *w = sub->owner;
    return w->ws != NULL ? gw_ws_unsent(w->ws) : 0;
}

static const gw_sub_sink_t SINK = {sink_next, sink_complete, sink_unsent};

/* ------------------------------------------------------------------------ */
/* Operations                                                               */
/* ------------------------------------------------------------------------ */

static gw_sub_t *find_op(wsp_conn_t *w, const char *id, size_t len)
{
    for (h2o_linklist_t *n = w->ops.next; n != &w->ops; n = n->next) {
        gw_sub_t *sub = H2O_STRUCT_FROM_MEMBER(gw_sub_t, owner_link, n);
        if (strlen(sub->id) == len && memcmp(sub->id, id, len) == 0)
            return sub;
    }
    return NULL;
}

/* Unlinks an operation from its connection and gives back its bytes. */
static void unlink_op(wsp_conn_t *w, gw_sub_t *sub)
{
    h2o_linklist_unlink(&sub->owner_link);
    w->nops--;
    w->held -= sub->owner_bytes;
    sub->owner_bytes = 0;
    gw_serve_fair_release(w->SL->sv, sub->owner_ticket, GW_FAIR_SUBSCRIPTIONS);
    sub->owner_ticket = 0;
}

static void stop_op(wsp_conn_t *w, gw_sub_t *sub)
{
    unlink_op(w, sub);
    gw_subs_stop(sub);
}

/* True when another operation of w runs sub's document (it is counted
 * there). At most max_per_connection operations to look at. */
static bool doc_counted(wsp_conn_t *w, const gw_sub_t *sub)
{
    for (h2o_linklist_t *n = w->ops.next; n != &w->ops; n = n->next) {
        const gw_sub_t *o = H2O_STRUCT_FROM_MEMBER(gw_sub_t, owner_link, n);
        if (o != sub && o->doc == sub->doc)
            return true;
    }
    return false;
}

/* The client's fair share for a prepared operation: a stream holds one of
 * its subscriptions, an operation with effects takes its tokens. False when
 * over a limit (the error for `id` was sent): one operation refused, the
 * socket stays. */
static bool fair_admit(wsp_conn_t *w, gw_sub_t *sub, gw_op_kind_t kind)
{
    gw_serve_t *sv = w->SL->sv;
    if (sv->fair == NULL)
        return true;
    gw_fair_limit_t which = GW_FAIR_SUBSCRIPTIONS;
    uint32_t retry_s = 1;
    bool ok = kind == GW_OP_STREAM
                  ? gw_serve_fair_hold(sv, &w->client, GW_FAIR_SUBSCRIPTIONS, &sub->owner_ticket)
                  : gw_serve_fair_op(sv, &w->client, sub->op, kind == GW_OP_MUTATION || kind == GW_OP_COMMAND, &which,
                                     &retry_s);
    if (!ok) {
        gql_buf_t b = GQL_BUF_INIT;
        gw_fair_error_json(sv->fair, which, retry_s, true, &b);
        if (!b.oom)
            send_error(w, sub->id, b.data, b.len);
        gql_buf_free(&b);
    }
    return ok;
}

/* Tracing: connection_init's payload may carry {"traceparent", "tracestate"}:
 * the parent of the connection's operations (each one's extensions win). */
static void init_trace(wsp_conn_t *w, const gql_iv_t *payload)
{
    gw_trace_ctx_t c;
    if (w->SL->thread->server->tracer == NULL || !gw_subs_trace_of(payload, &c))
        return;
    free(w->trace_state); /* the legacy protocol allows a second connection_init */
    w->trace_state = NULL;
    w->trace = c;
    w->trace.state = NULL;
    w->trace.state_len = 0;
    if (c.state_len > 0 && (w->trace_state = strndup(c.state, c.state_len)) != NULL) {
        w->trace.state = w->trace_state;
        w->trace.state_len = c.state_len;
    }
}

/* subscribe / start: id checked by the caller. */
static void start_op(wsp_conn_t *w, const gql_iv_t *id, const gql_iv_t *payload)
{
    const gw_subs_limits_t *lim = &w->SL->sv->limits;
    if (w->caller.present && w->caller.expires <= (uint64_t)time(NULL)) {
        gw_ws_close(w->ws, 4403, "Forbidden: the session credential expired"); /* get_account, then reconnect */
        return;
    }
    if (w->nops >= lim->max_per_connection) {
        char msg[96];
        snprintf(msg, sizeof msg, "Too many operations on this connection (at most %zu)", lim->max_per_connection);
        send_error_text(w, id->u.s.ptr, msg);
        return;
    }
    gw_sub_t *sub = gw_sub_new(w->SL->subs, &SINK, w, id->u.s.ptr, id->u.s.len);
    if (sub == NULL) {
        if (w->proto == P_TRANSPORT)
            gw_ws_close(w->ws, 4500, "Internal server error");
        else
            send_error_text(w, id->u.s.ptr, "Internal server error");
        return;
    }
    sub->trace = w->trace; /* the payload's extensions.traceparent wins (subs.c) */
    /* the payload was read into the scratch arena: the parameters are
     * copied into the operation's own arena, which must hold the variables
     * as long as it lives */
    gw_params_t scratch_params, params;
    const char *bad = gw_params_from_object(payload, &scratch_params);
    if (bad != NULL) {
        gw_subs_stop(sub);
        send_error_text(w, id->u.s.ptr, bad);
        return;
    }
    if (gw_params_copy(sub->arena, &scratch_params, &params) != 0) {
        gw_subs_stop(sub);
        gw_ws_close(w->ws, 4500, "Internal server error");
        return;
    }
    /* the operation's own copy of the caller: a held execution may outlive
     * the connection (pending.h), never its arena */
    gw_caller_t *caller = NULL;
    if (gw_auth_session(gw_exec_auth(gw_exec_of(w->SL->exec)))) {
        if ((caller = gql_arena_alloc(sub->arena, sizeof *caller)) == NULL) {
            gw_subs_stop(sub);
            gw_ws_close(w->ws, 4500, "Internal server error");
            return;
        }
        *caller = w->caller;
    }
    h2o_linklist_insert(&w->ops, &sub->owner_link);
    w->nops++;
    gql_buf_t errors = GQL_BUF_INIT;
    gw_caller_t *prev_caller = gw_exec_set_caller(w->SL->exec, caller);
    gw_op_kind_t kind = GW_OP_QUERY;
    gw_start_result_t r = gw_subs_prepare(sub, &params, &kind, &errors);
    if (r == GW_START_STREAM) {
        size_t bytes = gw_sub_bytes(sub, doc_counted(w, sub));
        if (lim->max_connection_bytes != 0 && w->held + bytes > lim->max_connection_bytes) {
            gw_exec_set_caller(w->SL->exec, prev_caller);
            char msg[200];
            snprintf(msg, sizeof msg,
                     "This connection's operations hold %zu bytes; this one (%zu bytes) would pass the limit of %zu "
                     "(subscriptions.max_connection_bytes)",
                     w->held, bytes, lim->max_connection_bytes);
            stop_op(w, sub);
            send_error_text(w, id->u.s.ptr, msg);
            gql_buf_free(&errors);
            return;
        }
        if (!fair_admit(w, sub, kind)) {
            gw_exec_set_caller(w->SL->exec, prev_caller);
            stop_op(w, sub);
            gql_buf_free(&errors);
            return;
        }
        sub->owner_bytes = bytes;
        w->held += bytes;
        r = gw_subs_run(sub);
    }
    gw_exec_set_caller(w->SL->exec, prev_caller);
    switch (r) {
    case GW_START_STREAM:
    case GW_START_DONE:
        break;
    case GW_START_ERRORS:
        if (!errors.oom)
            send_error(w, sub->id, errors.data, errors.len);
        stop_op(w, sub);
        break;
    case GW_START_INTERNAL:
        stop_op(w, sub);
        if (w->proto == P_TRANSPORT)
            gw_ws_close(w->ws, 4500, "Internal server error");
        else
            send_error_text(w, id->u.s.ptr, "Internal server error");
        break;
    }
    gql_buf_free(&errors);
}

/* ------------------------------------------------------------------------ */
/* Incoming messages                                                        */
/* ------------------------------------------------------------------------ */

/* Session mode: the credential of a connection_init payload
 * ({"authorization": "Bearer <cred>"} or {"session": "<cred>"}) replaces
 * the upgrade's. false when the connection must close 4403: a bad one in
 * the payload, or none there after a bad one on the upgrade. */
static bool init_credential(wsp_conn_t *w, const gql_iv_t *payload)
{
    const gw_auth_t *auth = gw_exec_auth(gw_exec_of(w->SL->exec));
    if (!gw_auth_session(auth))
        return true;
    const gql_iv_t *az = NULL, *ss = NULL;
    if (payload != NULL && payload->kind == GQL_IV_OBJECT) {
        az = gql_iv_get(payload, "authorization");
        if (az == NULL)
            az = gql_iv_get(payload, "Authorization");
        ss = gql_iv_get(payload, "session");
    }
    if ((az == NULL || az->kind != GQL_IV_STRING) && (ss == NULL || ss->kind != GQL_IV_STRING))
        return !w->bad_credential;
    gw_caller_t c = {0};
    uint64_t now = (uint64_t)time(NULL);
    bool ok = az != NULL && az->kind == GQL_IV_STRING
                  ? gw_auth_read(auth, az->u.s.ptr, az->u.s.len, NULL, 0, now, &c) == GW_AUTH_OK
                  : gw_auth_verify(auth, ss->u.s.ptr, ss->u.s.len, now, &c) == 0;
    if (!ok)
        return false;
    w->caller = c;
    w->bad_credential = false;
    return true;
}

static const char FORBIDDEN_INIT[] = "Forbidden: invalid or expired session credential";

static void on_transport_message(wsp_conn_t *w, const char *type, const gql_iv_t *msg)
{
    const gql_iv_t *id = gql_iv_get(msg, "id");
    if (strcmp(type, "connection_init") == 0) {
        if (w->init_seen) {
            gw_ws_close(w->ws, 4429, "Too many initialisation requests");
            return;
        }
        const gql_iv_t *pl = gql_iv_get(msg, "payload");
        if (pl != NULL && pl->kind != GQL_IV_OBJECT && pl->kind != GQL_IV_NULL) {
            gw_ws_close(w->ws, 4400, "Invalid message received");
            return;
        }
        if (!init_credential(w, pl)) {
            gw_ws_close(w->ws, 4403, FORBIDDEN_INIT);
            return;
        }
        w->init_seen = w->acked = true;
        init_trace(w, pl);
        send_msg(w, NULL, "connection_ack", NULL, 0);
    } else if (strcmp(type, "ping") == 0 || strcmp(type, "pong") == 0) {
        if (type[1] == 'i') {
            const gql_iv_t *pl = gql_iv_get(msg, "payload");
            gql_buf_t b = GQL_BUF_INIT;
            if (pl != NULL && pl->kind == GQL_IV_OBJECT)
                gql_iv_write_json(pl, &b);
            send_msg(w, NULL, "pong", b.len ? b.data : NULL, b.len);
            gql_buf_free(&b);
        }
    } else if (strcmp(type, "subscribe") == 0) {
        const gql_iv_t *pl = gql_iv_get(msg, "payload");
        if (id == NULL || id->kind != GQL_IV_STRING || id->u.s.len == 0 || id->u.s.len > 128 || pl == NULL ||
            pl->kind != GQL_IV_OBJECT) {
            gw_ws_close(w->ws, 4400, "Invalid message received");
            return;
        }
        if (!w->acked) {
            gw_ws_close(w->ws, 4401, "Unauthorized");
            return;
        }
        if (find_op(w, id->u.s.ptr, id->u.s.len) != NULL) {
            char reason[160];
            snprintf(reason, sizeof reason, "Subscriber for %.*s already exists", (int)id->u.s.len, id->u.s.ptr);
            gw_ws_close(w->ws, 4409, reason);
            return;
        }
        start_op(w, id, pl);
    } else if (strcmp(type, "complete") == 0) {
        if (id == NULL || id->kind != GQL_IV_STRING || id->u.s.len == 0) {
            gw_ws_close(w->ws, 4400, "Invalid message received");
            return;
        }
        gw_sub_t *sub = find_op(w, id->u.s.ptr, id->u.s.len);
        if (sub != NULL)
            stop_op(w, sub);
    } else {
        char reason[120];
        snprintf(reason, sizeof reason, "Unexpected message of type %.40s received", type);
        gw_ws_close(w->ws, 4400, reason);
    }
}

static void on_legacy_message(wsp_conn_t *w, const char *type, const gql_iv_t *msg)
{
    const gql_iv_t *id = gql_iv_get(msg, "id");
    const char *ids = id != NULL && id->kind == GQL_IV_STRING ? id->u.s.ptr : NULL;
    if (strcmp(type, "connection_init") == 0) {
        if (!init_credential(w, gql_iv_get(msg, "payload"))) {
            gw_ws_close(w->ws, 4403, FORBIDDEN_INIT);
            return;
        }
        w->init_seen = w->acked = true;
        init_trace(w, gql_iv_get(msg, "payload"));
        send_msg(w, NULL, "connection_ack", NULL, 0);
        send_msg(w, NULL, "ka", NULL, 0);
        w->last_ka_ms = h2o_now(w->SL->thread->ctx.loop);
    } else if (strcmp(type, "start") == 0) {
        const gql_iv_t *pl = gql_iv_get(msg, "payload");
        if (ids == NULL || id->u.s.len == 0 || id->u.s.len > 128) {
            send_error_text(w, NULL, "Invalid message: start needs a string id");
            return;
        }
        if (!w->acked) {
            send_error_text(w, ids, "Not initialised: send connection_init first");
            return;
        }
        if (pl == NULL || pl->kind != GQL_IV_OBJECT) {
            send_error_text(w, ids, "Invalid message: start needs a payload object");
            return;
        }
        gw_sub_t *old = find_op(w, ids, id->u.s.len);
        if (old != NULL)
            stop_op(w, old); /* the original server replaced it the same way */
        start_op(w, id, pl);
    } else if (strcmp(type, "stop") == 0) {
        gw_sub_t *sub = ids != NULL ? find_op(w, ids, id->u.s.len) : NULL;
        if (sub != NULL) {
            stop_op(w, sub);
            send_msg(w, ids, "complete", NULL, 0);
        }
    } else if (strcmp(type, "connection_terminate") == 0) {
        gw_ws_close(w->ws, 1000, NULL);
    } else {
        send_error_text(w, ids, "Invalid message type!");
    }
}

static void on_message(gw_ws_conn_t *c, const char *data, size_t len, bool binary)
{
    wsp_conn_t *w = c->data;
    if (w->over_conn_limit)
        return; /* closing with 4429: nothing it sends runs */
    gql_arena_t *scratch = w->SL->scratch;
    gql_iv_t msg;
    char err[160];
    bool ok =
        !binary && gql_json_parse_bounded(scratch, data, len, GW_PARAMS_MAX_JSON_VALUES, &msg, err, sizeof err) == 0;
    const gql_iv_t *type = ok && msg.kind == GQL_IV_OBJECT ? gql_iv_get(&msg, "type") : NULL;
    if (type == NULL || type->kind != GQL_IV_STRING) {
        if (w->proto == P_TRANSPORT) {
            gw_ws_close(c, 4400, "Invalid message received");
        } else {
            gql_buf_t b = GQL_BUF_INIT;
            gql_buf_puts(&b, "{\"message\":");
            const char *m = ok ? "Message must be a JSON object with a string \"type\"" : err;
            gql_buf_json_string(&b, m, strlen(m));
            gql_buf_putc(&b, '}');
            if (!b.oom)
                send_msg(w, NULL, "connection_error", b.data, b.len);
            gql_buf_free(&b);
        }
        gql_arena_reset(scratch);
        return;
    }
    if (w->proto == P_TRANSPORT)
        on_transport_message(w, type->u.s.ptr, &msg);
    else
        on_legacy_message(w, type->u.s.ptr, &msg);
    gql_arena_reset(scratch);
}

/* ------------------------------------------------------------------------ */
/* Connection life                                                          */
/* ------------------------------------------------------------------------ */

static void on_open(gw_ws_conn_t *c)
{
    wsp_conn_t *w = c->data;
    w->ws = c;
    w->opened_ms = h2o_now(w->SL->thread->ctx.loop);
    if (w->over_conn_limit)
        gw_ws_close(c, 4429, "Too many connections from this client (fairness.max_connections)");
}

static void on_tick(gw_ws_conn_t *c, uint64_t now)
{
    wsp_conn_t *w = c->data;
    const gw_subs_limits_t *lim = &w->SL->sv->limits;
    if (!w->init_seen && now - w->opened_ms >= lim->init_timeout_ms) {
        gw_ws_close(c, 4408, "Connection initialisation timeout");
        return;
    }
    bool over = gw_ws_unsent(c) > lim->max_unsent_bytes;
    if (over && w->over_since == 0)
        w->over_since = now;
    else if (!over)
        w->over_since = 0;
    if (w->doomed || (over && now - w->over_since >= lim->slow_grace_ms)) {
        gw_serve_count_slow(w->SL);
        gw_log_line_t l;
        if (gw_log_begin(&l, &w->SL->thread->server->log, GW_LOG_WARN, "slow WebSocket consumer closed")) {
            gw_log_int(&l, "unsent", (int64_t)gw_ws_unsent(c));
            gw_log_int(&l, "over_ms", w->over_since ? (int64_t)(now - w->over_since) : -1);
            gw_log_end(&l);
        }
        gw_ws_drop_queued(c);
        gw_ws_close(c, 1008, "Slow consumer: too many unsent bytes");
        return;
    }
    if (w->proto == P_LEGACY && w->acked && lim->keepalive_ms && now - w->last_ka_ms >= lim->keepalive_ms) {
        w->last_ka_ms = now;
        send_msg(w, NULL, "ka", NULL, 0);
    }
}

static void on_close(gw_ws_conn_t *c)
{
    wsp_conn_t *w = c->data;
    w->ws = NULL;
    while (!h2o_linklist_is_empty(&w->ops))
        stop_op(w, H2O_STRUCT_FROM_MEMBER(gw_sub_t, owner_link, w->ops.next));
    gw_serve_fair_release(w->SL->sv, w->conn_ticket, GW_FAIR_CONNECTIONS);
    gw_serve_conn_closed(w->SL->sv);
    free(w->trace_state);
    free(w);
}

static const gw_ws_callbacks_t CALLBACKS = {on_open, on_message, on_tick, on_close};

/* The first subprotocol the client offers that we speak: P_*, 0 when the
 * header is absent, -1 when none is acceptable. */
static int pick_protocol(h2o_req_t *req)
{
    ssize_t i = -1;
    bool any = false;
    while ((i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("sec-websocket-protocol"), i)) >= 0) {
        any = true;
        h2o_iovec_t v = req->headers.entries[i].value;
        const char *p = v.base, *end = v.base + v.len;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
                p++;
            const char *s = p;
            while (p < end && *p != ',' && *p != ' ' && *p != '\t')
                p++;
            if (h2o_memis(s, (size_t)(p - s), H2O_STRLIT("graphql-transport-ws")))
                return P_TRANSPORT;
            if (h2o_memis(s, (size_t)(p - s), H2O_STRLIT("graphql-ws")))
                return P_LEGACY;
        }
    }
    return any ? -1 : 0;
}

void gw_wsp_upgrade(gw_serve_loop_t *SL, gw_reqctx_t *rc)
{
    h2o_req_t *req = rc->req;
    const char *bad = gw_ws_check(req);
    if (bad != NULL) {
        gw_http_send_error(rc, 400, NULL, bad);
        return;
    }
    int proto = pick_protocol(req);
    if (proto < 0) {
        gw_http_send_error(rc, 400, NULL, "Unsupported Sec-WebSocket-Protocol: use graphql-transport-ws or graphql-ws");
        return;
    }
    if (!gw_serve_conn_open(SL->sv)) {
        gw_http_add_header(req, "retry-after", "1");
        gw_http_send_error(rc, 503, NULL, "Too many subscription connections, retry later");
        return;
    }
    wsp_conn_t *w = calloc(1, sizeof *w);
    if (w == NULL) {
        gw_serve_conn_closed(SL->sv);
        gw_http_send_error(rc, 500, NULL, "internal error");
        return;
    }
    w->SL = SL;
    w->proto = proto == 0 ? P_TRANSPORT : proto;
    /* a browser's upgrade carries the session cookie */
    const gw_auth_t *auth = gw_exec_auth(gw_exec_of(SL->exec));
    h2o_iovec_t az = gw_http_header(req, H2O_TOKEN_AUTHORIZATION), ck = gw_http_header(req, H2O_TOKEN_COOKIE);
    /* (WebSocket upgrades are HTTP/1.1: one Cookie header) */
    if (gw_auth_read(auth, az.base, az.len, ck.base, ck.len, (uint64_t)time(NULL), &w->caller) == GW_AUTH_BAD) {
        memset(&w->caller, 0, sizeof w->caller);
        w->bad_credential = true;
    }
    h2o_linklist_init_anchor(&w->ops);
    /* a direct client's connection is held since accept; one behind a
     * trusted proxy is held here, and over the limit it is told so in the
     * WebSocket's own terms (close 4429), which a browser can read */
    gw_serve_client(SL->sv, req, &w->client);
    if (w->client.via_proxy)
        w->over_conn_limit = !gw_serve_fair_hold(SL->sv, &w->client, GW_FAIR_CONNECTIONS, &w->conn_ticket);
    /* the HTTP part ends here: count it as answered */
    gw_metrics_request(&rc->thread->metrics, GW_OPL_SUBSCRIPTION, 101, gw_now_ns() - rc->start_ns);
    rc->thread->inflight--;
    gw_ws_accept(&SL->ws, req,
                 proto == P_TRANSPORT ? "graphql-transport-ws"
                 : proto == P_LEGACY  ? "graphql-ws"
                                      : NULL,
                 &CALLBACKS, w);
}
