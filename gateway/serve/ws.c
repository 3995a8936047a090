/*
 * ws.c — the WebSocket connection (see ws.h): the handshake on h2o's
 * HTTP/1.1 upgrade, reading the socket into the frame decoder (ws_frame.c),
 * gathered writes of shared frames, ping, idle and close handling.
 */
#include "ws.h"

#include <h2o/http1.h>
#include <limits.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* At most this many buffers go into one gathered write. */
#define WRITE_BATCH 256
/* A connection whose close frame is not written after this long is dropped. */
#define CLOSE_GRACE_MS 5000
/* An open connection without input for this long gives back its read buffer. */
#define IDLE_BUFFER_MS 1000

/* ------------------------------------------------------------------------ */
/* Handshake                                                                */
/* ------------------------------------------------------------------------ */

static h2o_iovec_t header_str(h2o_req_t *req, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
    return i < 0 ? h2o_iovec_init(NULL, 0) : req->headers.entries[i].value;
}

bool gw_ws_is_upgrade(h2o_req_t *req)
{
    return req->upgrade.base != NULL && h2o_lcstris(req->upgrade.base, req->upgrade.len, H2O_STRLIT("websocket"));
}

const char *gw_ws_check(h2o_req_t *req)
{
    if (req->version != 0x101)
        return "WebSocket needs HTTP/1.1";
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")))
        return "A WebSocket upgrade must be a GET";
    if (!gw_ws_is_upgrade(req))
        return "Expected a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket)";
    h2o_iovec_t v = header_str(req, "sec-websocket-version");
    if (!h2o_memis(v.base, v.len, H2O_STRLIT("13")))
        return "Unsupported Sec-WebSocket-Version: use 13";
    h2o_iovec_t key = header_str(req, "sec-websocket-key");
    if (key.base == NULL || key.len != 24)
        return "Missing or malformed Sec-WebSocket-Key";
    return NULL;
}

static void close_now(gw_ws_conn_t *c);
static void on_read(h2o_socket_t *sock, const char *err);
static void process_input(gw_ws_conn_t *c);

static void on_upgrade_complete(void *data, h2o_socket_t *sock, size_t reqsize)
{
    gw_ws_conn_t *c = data;
    if (sock == NULL) {
        if (c->cb->on_close != NULL)
            c->cb->on_close(c);
        free(c);
        return;
    }
    gw_ws_loop_t *loop = c->loop;
    h2o_buffer_consume(&sock->input, reqsize);
    c->sock = sock;
    sock->data = c;
    c->last_input_ms = c->last_ping_ms = h2o_now(loop->thread->ctx.loop);
    h2o_linklist_insert(&loop->conns, &c->link);
    loop->nconns++;
    /* the server counts the socket as HTTP until it closes: show it as a
     * WebSocket meanwhile (undone in close_now) */
    gw_metrics_t *m = &loop->thread->metrics;
    gw_gauge_add(&m->connections[sock->ssl != NULL ? GW_CONN_HTTPS : GW_CONN_HTTP], -1);
    gw_gauge_add(&m->connections[GW_CONN_WEBSOCKET], 1);
    /* One read takes all the socket holds (h2o reads until a short read), into
     * an input buffer that doubles as it goes: with the kernel's autotuning a
     * client pipelining large messages had 4 MiB read at once, copied through
     * fresh pages on every doubling, for tens of ms of the loop. Capped, one
     * read brings at most twice this (the kernel doubles it), the turns below
     * take it from there, and the client waits on TCP's flow control. */
    if (loop->rcvbuf > 0) {
        int v = loop->rcvbuf > INT_MAX / 2 ? INT_MAX / 2 : (int)loop->rcvbuf;
        (void)setsockopt(h2o_socket_get_fd(sock), SOL_SOCKET, SO_RCVBUF, &v, sizeof v); /* best effort */
    }
    if (c->cb->on_open != NULL)
        c->cb->on_open(c);
    if (c->sock == NULL)
        return;
    h2o_socket_read_start(sock, on_read);
    if (sock->input->size > 0)
        on_read(sock, NULL);
}

void gw_ws_accept(gw_ws_loop_t *loop, h2o_req_t *req, const char *subprotocol, const gw_ws_callbacks_t *cb, void *data)
{
    static const char GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    h2o_iovec_t key = header_str(req, "sec-websocket-key");
    unsigned char src[24 + sizeof GUID - 1], digest[SHA_DIGEST_LENGTH];
    memcpy(src, key.base, 24);
    memcpy(src + 24, GUID, sizeof GUID - 1);
    SHA1(src, sizeof src, digest);
    char *accept = h2o_mem_alloc_pool(&req->pool, h2o_base64_encode_capacity(SHA_DIGEST_LENGTH));
    size_t alen = h2o_base64_encode(accept, digest, SHA_DIGEST_LENGTH, 0);

    gw_ws_conn_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        gw_ws_conn_t tmp = {.cb = cb, .data = data};
        if (cb->on_close != NULL)
            cb->on_close(&tmp);
        req->res.status = 500;
        req->res.reason = "Internal Server Error";
        h2o_send_inline(req, H2O_STRLIT("internal error"));
        return;
    }
    c->loop = loop;
    c->cb = cb;
    c->data = data;
    c->link = (h2o_linklist_t){NULL, NULL};
    gw_ws_decoder_init(&c->dec, loop->max_message);
    req->res.status = 101;
    req->res.reason = "Switching Protocols";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_UPGRADE, NULL, H2O_STRLIT("websocket"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("sec-websocket-accept"), 0, NULL, accept, alen);
    if (subprotocol != NULL)
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("sec-websocket-protocol"), 0, NULL, subprotocol,
                              strlen(subprotocol));
    h2o_http1_upgrade(req, NULL, 0, on_upgrade_complete, c);
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

static void flush(gw_ws_conn_t *c);

static void on_write(h2o_socket_t *sock, const char *err)
{
    gw_ws_conn_t *c = sock->data;
    if (c == NULL)
        return;
    c->writing = false;
    gw_outq_done(&c->q);
    if (err != NULL) {
        close_now(c);
        return;
    }
    flush(c);
}

/* Starts a gathered write of what is queued, or closes an idle closing
 * connection. */
static void flush(gw_ws_conn_t *c)
{
    if (c->writing || c->sock == NULL)
        return;
    h2o_iovec_t iov[WRITE_BATCH];
    size_t n = gw_outq_take(&c->q, iov, WRITE_BATCH);
    if (n == 0) {
        if (c->close_on_idle)
            gw_ws_abort(c);
        return;
    }
    c->writing = true;
    h2o_socket_write(c->sock, iov, n, on_write);
}

void gw_ws_send(gw_ws_conn_t *c, gw_chunk_t *frame)
{
    if (c->sock == NULL || c->close_sent || c->dead || frame == NULL)
        return;
    if (!gw_outq_push(&c->q, frame)) {
        gw_ws_abort(c);
        return;
    }
    flush(c);
}

void gw_ws_send_text(gw_ws_conn_t *c, const void *a, size_t na, const void *b, size_t nb, const void *d, size_t nd)
{
    if (c->sock == NULL || c->close_sent || c->dead)
        return;
    gw_chunk_t *f = gw_ws_frame(GW_WS_TEXT, a, na, b, nb, d, nd);
    if (f == NULL) {
        gw_ws_abort(c);
        return;
    }
    gw_ws_send(c, f);
    gw_chunk_unref(f);
}

void gw_ws_close(gw_ws_conn_t *c, uint16_t code, const char *reason)
{
    if (c->sock == NULL || c->close_sent || c->dead)
        return;
    gw_chunk_t *f = gw_ws_close_frame(code, reason);
    if (f == NULL) {
        gw_ws_abort(c);
        return;
    }
    gw_ws_send(c, f);
    gw_chunk_unref(f);
    c->close_sent = true;
    c->close_on_idle = true;
    c->last_ping_ms = h2o_now(c->loop->thread->ctx.loop); /* from now: the close grace */
    if (c->sock != NULL)
        h2o_socket_read_stop(c->sock);
    flush(c);
}

static void close_now(gw_ws_conn_t *c)
{
    if (c->in_read) {
        c->dead = true;
        return;
    }
    h2o_socket_t *sock = c->sock;
    c->sock = NULL;
    if (h2o_timeout_is_linked(&c->resume))
        h2o_timeout_unlink(&c->resume);
    if (h2o_linklist_is_linked(&c->link)) {
        h2o_linklist_unlink(&c->link);
        c->loop->nconns--;
    }
    if (c->cb->on_close != NULL)
        c->cb->on_close(c);
    gw_outq_clear(&c->q);
    gw_ws_decoder_dispose(&c->dec);
    if (sock != NULL) {
        gw_metrics_t *m = &c->loop->thread->metrics;
        gw_gauge_add(&m->connections[GW_CONN_WEBSOCKET], -1);
        gw_gauge_add(&m->connections[sock->ssl != NULL ? GW_CONN_HTTPS : GW_CONN_HTTP], 1);
        sock->data = NULL;
        h2o_socket_close(sock);
    }
    free(c);
}

void gw_ws_drop_queued(gw_ws_conn_t *c)
{
    gw_outq_t *q = &c->q;
    while (q->count > q->inflight) {
        gw_chunk_t *b = q->items[(q->head + q->count - 1) % q->cap];
        q->unsent -= b->len;
        gw_chunk_unref(b);
        q->count--;
    }
}

void gw_ws_abort(gw_ws_conn_t *c)
{
    close_now(c);
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

/* Turns. A connection handles at most TURN_MESSAGES messages (TURN_BYTES)
 * at a time, and the loop's connections together at most TURN_BUDGET_NS of
 * its time per tick of its clock (1 ms); a connection with input left stops
 * reading and waits on the loop's 1 ms turn timeout (a zero timeout would run
 * it again in the same pass). So a client pipelining hundreds of heavy
 * messages, or several at once, hold the loop for a turn at a time and the
 * loop polls its other sockets in between. Control frames (a ping costs a
 * queued pong) count TURN_CONTROLS to a message: 10,000 pipelined pings took
 * 5.8 s at two a turn. */
#define TURN_MESSAGES 2
#define TURN_CONTROLS 64
#define TURN_BYTES (128 * 1024)
#define TURN_BUDGET_NS 2000000u

/* True when the loop's connections have used this tick's budget. */
static bool tick_spent(gw_ws_loop_t *L)
{
    uint64_t now = h2o_now(L->thread->ctx.loop);
    if (now != L->tick_ms) {
        L->tick_ms = now;
        L->tick_spent_ns = 0;
    }
    return L->tick_spent_ns >= TURN_BUDGET_NS;
}

static void on_resume(h2o_timeout_entry_t *entry);

/* Decodes and handles the complete frames in the socket's input, until
 * more bytes are needed, the connection is closing, or its turn is over
 * (then it is deferred: reading stops, the rest is handled on the next turn
 * of the loop). The decoder unmasks in place: a message's bytes are read
 * where the socket put them. */
static void process_input(gw_ws_conn_t *c)
{
    size_t events = 0, bytes = 0; /* events: TURN_CONTROLS per message, 1 per control frame */
    gw_ws_loop_t *L = c->loop;
    while (c->sock != NULL && !c->close_sent && !c->dead) {
        if (events >= TURN_MESSAGES * TURN_CONTROLS || bytes >= TURN_BYTES || tick_spent(L)) {
            if (c->sock->input->size > 0) {
                c->deferred = true;
                h2o_socket_read_stop(c->sock);
                c->resume.cb = on_resume;
                h2o_timeout_link(L->thread->ctx.loop, &L->turn_timeout, &c->resume);
            }
            return;
        }
        uint64_t t0 = gw_now_ns();
        h2o_buffer_t *in = c->sock->input;
        size_t used;
        gw_ws_event_t ev;
        if (gw_ws_decode(&c->dec, (uint8_t *)in->bytes, in->size, &used, &ev) != 0)
            return gw_ws_abort(c); /* out of memory: no close frame either */
        switch (ev.type) {
        case GW_WS_EV_MORE:
            break;
        case GW_WS_EV_ERROR:
            return gw_ws_close(c, ev.code, ev.reason);
        case GW_WS_EV_MESSAGE:
            c->cb->on_message(c, ev.data, ev.len, ev.opcode == GW_WS_BINARY);
            break;
        case GW_WS_EV_PING: {
            gw_chunk_t *f = gw_ws_frame(GW_WS_PONG, ev.data, ev.len, NULL, 0, NULL, 0);
            gw_ws_send(c, f);
            gw_chunk_unref(f);
            break;
        }
        case GW_WS_EV_PONG:
            break;
        case GW_WS_EV_CLOSE:
            /* echo the peer's code (1000 for a close without one), no reason */
            gw_ws_close(c, ev.code == GW_WS_NO_STATUS ? 1000 : ev.code, NULL);
            break;
        }
        if (c->sock != NULL)
            h2o_buffer_consume(&c->sock->input, used);
        L->tick_spent_ns += gw_now_ns() - t0;
        if (ev.type == GW_WS_EV_MORE)
            return;
        events += ev.type == GW_WS_EV_MESSAGE ? TURN_CONTROLS : 1;
        bytes += used;
    }
}

/* The next turn of a deferred connection. */
static void on_resume(h2o_timeout_entry_t *entry)
{
    gw_ws_conn_t *c = H2O_STRUCT_FROM_MEMBER(gw_ws_conn_t, resume, entry);
    c->deferred = false;
    if (c->sock == NULL)
        return;
    c->in_read = true;
    process_input(c);
    c->in_read = false;
    if (c->dead) {
        close_now(c);
        return;
    }
    if (!c->deferred && c->sock != NULL && !c->close_sent)
        h2o_socket_read_start(c->sock, on_read);
}

static void on_read(h2o_socket_t *sock, const char *err)
{
    gw_ws_conn_t *c = sock->data;
    if (c == NULL)
        return;
    if (err != NULL) {
        close_now(c);
        return;
    }
    c->last_input_ms = h2o_now(c->loop->thread->ctx.loop);
    c->in_read = true;
    process_input(c);
    c->in_read = false;
    if (c->dead) {
        close_now(c);
        return;
    }
}

/* ------------------------------------------------------------------------ */
/* Timers                                                                   */
/* ------------------------------------------------------------------------ */

void gw_ws_sweep(gw_ws_loop_t *loop)
{
    uint64_t now = h2o_now(loop->thread->ctx.loop);
    gw_chunk_t *ping = NULL;
    for (h2o_linklist_t *n = loop->conns.next, *next; n != &loop->conns; n = next) {
        next = n->next;
        gw_ws_conn_t *c = H2O_STRUCT_FROM_MEMBER(gw_ws_conn_t, link, n);
        if (c->close_sent) {
            if (now - c->last_ping_ms > CLOSE_GRACE_MS)
                gw_ws_abort(c);
            continue;
        }
        if (loop->idle_ms && now - c->last_input_ms > loop->idle_ms) {
            gw_ws_close(c, 1001, "Idle timeout");
            continue;
        }
        /* a socket quiet for a second gives its read buffer back; one still
         * reading keeps it warm (grown again from 4 KiB it is copied through
         * fresh pages on every doubling) */
        if (!c->deferred && now - c->last_input_ms >= IDLE_BUFFER_MS && c->sock->input->size == 0 &&
            c->sock->input->capacity > 0) {
            h2o_buffer_dispose(&c->sock->input);
            h2o_buffer_init(&c->sock->input, &h2o_socket_buffer_prototype);
        }
        if (loop->ping_ms && now - c->last_input_ms >= loop->ping_ms && now - c->last_ping_ms >= loop->ping_ms) {
            if (ping == NULL)
                ping = gw_ws_frame(GW_WS_PING, NULL, 0, NULL, 0, NULL, 0);
            gw_ws_send(c, ping);
            c->last_ping_ms = now;
        }
        if (c->cb->on_tick != NULL)
            c->cb->on_tick(c, now);
    }
    gw_chunk_unref(ping);
}

void gw_ws_close_all(gw_ws_loop_t *loop, uint16_t code, const char *reason)
{
    for (h2o_linklist_t *n = loop->conns.next, *next; n != &loop->conns; n = next) {
        next = n->next;
        gw_ws_close(H2O_STRUCT_FROM_MEMBER(gw_ws_conn_t, link, n), code, reason);
    }
}
