/*
 * client.c — the non-blocking HTTP/1.1 and WebSocket client connection
 * (client.h). Level-triggered epoll: EPOLLIN always, EPOLLOUT only while
 * connecting or while bytes wait in _out. One recv per readiness event
 * unless it filled the scratch buffer, so no connection starves the others.
 *
 * The subtle moment is a callback that closes or reopens its own
 * connection: every loop that calls back compares _generation before and
 * after and stops touching the connection when it changed. A response
 * with "Connection: close" is handed over after the socket is closed, from
 * a buffer the connection no longer owns, so the callback may post the
 * next request (on a new socket) at once.
 */
#include "client.h"
#include "wire.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#define HEAD_MAX 16384 /* largest response head accepted */

static void on_events(bl_pollable_t *self, uint32_t events);

uint64_t bl_conn_random(bl_conn_env_t *env)
{
    uint64_t x = env->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    env->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

const char *bl_conn_strerror(int err)
{
    switch (err) {
    case BL_CONN_ECONNECT:
        return "connect failed";
    case BL_CONN_ECLOSED:
        return "connection closed";
    case BL_CONN_EPROTO:
        return "protocol error";
    case BL_CONN_ETOOBIG:
        return "message too large";
    case BL_CONN_ENOMEM:
        return "out of memory";
    case BL_CONN_ESYS:
        return "system error";
    default:
        return "unknown error";
    }
}

void bl_conn_init(bl_conn_t *c, const bl_conn_ops_t *ops, bl_conn_env_t *env, const char *path, const char *subprotocol)
{
    memset(c, 0, sizeof *c);
    c->super.on_events = on_events;
    c->ops = ops;
    c->env = env;
    c->path = path;
    c->subprotocol = subprotocol;
    c->fd = -1;
}

/* Closes the socket and drops every byte; no callback. */
static void reset(bl_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    c->state = BL_CONN_CLOSED;
    c->_events = 0;
    c->_upgraded = c->_tcp_up = c->_awaiting = false;
    c->_frag_opcode = 0;
    gql_buf_free(&c->_in);
    gql_buf_free(&c->_out);
    gql_buf_free(&c->_frag);
    c->_in = (gql_buf_t)GQL_BUF_INIT;
    c->_out = (gql_buf_t)GQL_BUF_INIT;
    c->_frag = (gql_buf_t)GQL_BUF_INIT;
    c->responses = 0;
    c->_generation++;
}

/* Closes with an error and tells the owner. */
static void fail(bl_conn_t *c, int err)
{
    bool in_flight = c->_awaiting;
    reset(c);
    c->ops->on_close(c, err, in_flight);
}

/* Registers (or changes) the epoll events of the socket. 0 or BL_CONN_ESYS. */
static int watch(bl_conn_t *c, uint32_t events)
{
    if (events == c->_events)
        return 0;
    struct epoll_event ev = {.events = events, .data.ptr = &c->super};
    if (epoll_ctl(c->env->epfd, c->_events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev) != 0)
        return BL_CONN_ESYS;
    c->_events = events;
    return 0;
}

/* Sends what waits in _out. 0, or BL_CONN_ECLOSED when the socket refuses. */
static int flush(bl_conn_t *c)
{
    size_t off = 0;
    while (off < c->_out.len) {
        ssize_t n = send(c->fd, c->_out.data + off, c->_out.len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            return BL_CONN_ECLOSED;
        }
    }
    if (off == c->_out.len) {
        gql_buf_free(&c->_out);
        c->_out = (gql_buf_t)GQL_BUF_INIT;
    } else if (off > 0) {
        memmove(c->_out.data, c->_out.data + off, c->_out.len - off);
        c->_out.len -= off;
    }
    return watch(c, EPOLLIN | (c->_out.len > 0 ? EPOLLOUT : 0));
}

/* Sends iov[0..n) now as far as the socket takes it and keeps the rest in
 * _out (all of it while connecting or while older bytes wait). */
static int send_iov(bl_conn_t *c, struct iovec *iov, int n)
{
    size_t total = 0, sent = 0;
    for (int i = 0; i < n; i++)
        total += iov[i].iov_len;
    if (c->_tcp_up && c->_out.len == 0) {
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t r;
        do
            r = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
        while (r < 0 && errno == EINTR);
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return BL_CONN_ECLOSED;
        sent = r > 0 ? (size_t)r : 0;
    }
    if (sent == total)
        return 0;
    size_t skip = sent;
    for (int i = 0; i < n; i++) {
        size_t l = iov[i].iov_len;
        if (skip >= l) {
            skip -= l;
            continue;
        }
        gql_buf_append(&c->_out, (const char *)iov[i].iov_base + skip, l - skip);
        skip = 0;
    }
    if (c->_out.oom)
        return BL_CONN_ENOMEM;
    return c->_tcp_up ? watch(c, EPOLLIN | EPOLLOUT) : 0;
}

/* Queues the WebSocket upgrade request and remembers the accept to expect. */
static int send_upgrade(bl_conn_t *c)
{
    uint8_t nonce[16];
    for (int i = 0; i < 16; i += 8) {
        uint64_t r = bl_conn_random(c->env);
        memcpy(nonce + i, &r, 8);
    }
    char key[25];
    bl_ws_key(nonce, key);
    if (bl_ws_accept(key, c->_accept) != 0)
        return BL_CONN_EPROTO;
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
                     c->path, c->env->host, key, c->subprotocol);
    if (n < 0 || (size_t)n >= sizeof head)
        return BL_CONN_EPROTO;
    struct iovec iov = {head, (size_t)n};
    return send_iov(c, &iov, 1);
}

int bl_conn_open(bl_conn_t *c)
{
    if (c->state != BL_CONN_CLOSED)
        reset(c);
    int fd = socket(c->env->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return BL_CONN_ESYS;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)&c->env->addr, c->env->addrlen) != 0 && errno != EINPROGRESS) {
        close(fd);
        return BL_CONN_ECONNECT;
    }
    c->fd = fd;
    c->state = BL_CONN_CONNECTING;
    c->env->connects++;
    int r = watch(c, EPOLLOUT);
    if (r == 0 && c->subprotocol != NULL)
        r = send_upgrade(c);
    if (r != 0)
        reset(c);
    return r;
}

int bl_conn_post(bl_conn_t *c, const char *body, size_t len)
{
    if (c->state == BL_CONN_CLOSED) {
        int r = bl_conn_open(c);
        if (r != 0)
            return r;
    }
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: "
                     "application/json\r\nContent-Length: %zu\r\n\r\n",
                     c->path, c->env->host, len);
    if (n < 0 || (size_t)n >= sizeof head)
        return BL_CONN_EPROTO;
    struct iovec iov[2] = {{head, (size_t)n}, {(void *)body, len}};
    c->_awaiting = true;
    int r = send_iov(c, iov, 2);
    if (r != 0)
        reset(c);
    return r;
}

/* Writes one masked frame. */
static int send_frame(bl_conn_t *c, int opcode, const void *payload, size_t len)
{
    gql_buf_t *w = &c->env->wbuf;
    w->len = 0;
    if (!gql_buf_reserve(w, len + BL_WS_MAX_HEADER))
        return BL_CONN_ENOMEM;
    uint32_t m = (uint32_t)bl_conn_random(c->env);
    uint8_t mask[4];
    memcpy(mask, &m, 4);
    w->len = bl_ws_frame_write((uint8_t *)w->data, opcode, payload, len, mask);
    struct iovec iov = {w->data, w->len};
    return send_iov(c, &iov, 1);
}

int bl_conn_send_text(bl_conn_t *c, const char *msg, size_t len)
{
    if (c->state != BL_CONN_OPEN || c->subprotocol == NULL)
        return BL_CONN_EPROTO;
    int r = send_frame(c, BL_WS_TEXT, msg, len);
    if (r != 0)
        reset(c);
    return r;
}

void bl_conn_close(bl_conn_t *c)
{
    if (c->state == BL_CONN_OPEN && c->subprotocol != NULL && c->_out.len == 0) {
        static const uint8_t normal[2] = {0x03, 0xe8}; /* 1000 */
        send_frame(c, BL_WS_CLOSE, normal, sizeof normal);
    }
    reset(c);
}

/* The BL_CONN_E* of a negative BL_WIRE_E*. */
static int wire_error(long e)
{
    return e == BL_WIRE_ETOOBIG ? BL_CONN_ETOOBIG : BL_CONN_EPROTO;
}

/* Checks the 101 of a WebSocket upgrade. */
static int check_upgrade(const bl_conn_t *c, const bl_http_head_t *h)
{
    size_t pl = strlen(c->subprotocol);
    if (h->status != 101 || !h->upgrade_websocket || h->accept == NULL || h->accept_len != strlen(c->_accept) ||
        memcmp(h->accept, c->_accept, h->accept_len) != 0 || h->protocol == NULL || h->protocol_len != pl ||
        memcmp(h->protocol, c->subprotocol, pl) != 0)
        return BL_CONN_EPROTO;
    return 0;
}

/* Handles one HTTP response (or the 101) at p[0..n): its length, 0 when
 * incomplete, or a negative BL_CONN_E*. */
static long http_step(bl_conn_t *c, char *p, size_t n)
{
    bl_http_head_t h;
    int hl = bl_http_head_parse(p, n, HEAD_MAX, &h);
    if (hl <= 0)
        return hl == 0 ? 0 : wire_error(hl);
    if (c->subprotocol != NULL) {
        if (check_upgrade(c, &h) != 0)
            return BL_CONN_EPROTO;
        c->_upgraded = true;
        c->state = BL_CONN_OPEN;
        c->ops->on_open(c);
        return hl;
    }
    if (h.status >= 100 && h.status < 200)
        return hl; /* informational: the real response follows */
    char *body;
    size_t blen;
    long total;
    if (h.chunked) {
        gql_buf_t *d = &c->env->decoded;
        d->len = 0;
        if (!gql_buf_reserve(d, c->env->max_message))
            return BL_CONN_ENOMEM;
        long k = bl_http_chunked_decode(p + hl, n - (size_t)hl, d->data, c->env->max_message, &blen);
        if (k <= 0)
            return k == 0 ? 0 : wire_error(k);
        body = d->data;
        total = hl + k;
    } else if (h.content_length >= 0) {
        if ((uint64_t)h.content_length > c->env->max_message)
            return BL_CONN_ETOOBIG;
        if (n - (size_t)hl < (size_t)h.content_length)
            return 0;
        body = p + hl;
        blen = (size_t)h.content_length;
        total = hl + (long)blen;
    } else {
        return BL_CONN_EPROTO; /* a body delimited by the close: the gateway never sends one */
    }
    c->responses++;
    if (!h.close) {
        c->ops->on_message(c, h.status, body, blen);
        return total;
    }
    /* The server ends the connection: close first, then hand over the body
     * from a buffer the connection no longer owns. */
    gql_buf_t keep = c->_in;
    c->_in = (gql_buf_t)GQL_BUF_INIT;
    reset(c);
    c->ops->on_message(c, h.status, body, blen);
    gql_buf_free(&keep);
    return total;
}

/* Adds a fragment to the message being reassembled. */
static int add_fragment(bl_conn_t *c, const bl_ws_frame_t *f)
{
    if (c->_frag.len + f->len > c->env->max_message)
        return BL_CONN_ETOOBIG;
    gql_buf_append(&c->_frag, f->payload, (size_t)f->len);
    return c->_frag.oom ? BL_CONN_ENOMEM : 0;
}

/* Handles one WebSocket frame at p[0..n): as http_step. */
static long ws_step(bl_conn_t *c, char *p, size_t n)
{
    bl_ws_frame_t f;
    long k = bl_ws_frame_parse((uint8_t *)p, n, c->env->max_message, &f);
    if (k <= 0)
        return k == 0 ? 0 : wire_error(k);
    int r = 0;
    switch (f.opcode) {
    case BL_WS_PING:
        r = send_frame(c, BL_WS_PONG, f.payload, (size_t)f.len);
        break;
    case BL_WS_PONG:
        break;
    case BL_WS_CLOSE:
        send_frame(c, BL_WS_CLOSE, f.payload, f.len >= 2 ? 2 : 0);
        return BL_CONN_ECLOSED;
    case BL_WS_TEXT:
    case BL_WS_BINARY:
        if (c->_frag_opcode != 0)
            return BL_CONN_EPROTO;
        if (f.fin) {
            c->responses++;
            c->ops->on_message(c, 0, (char *)f.payload, (size_t)f.len);
            break;
        }
        c->_frag_opcode = f.opcode;
        r = add_fragment(c, &f);
        break;
    default: /* continuation */
        if (c->_frag_opcode == 0)
            return BL_CONN_EPROTO;
        r = add_fragment(c, &f);
        if (r == 0 && f.fin) {
            /* hand over from the shared buffer: a close in the callback frees _frag */
            gql_buf_t *d = &c->env->decoded;
            gql_buf_free(d);
            *d = c->_frag;
            c->_frag = (gql_buf_t)GQL_BUF_INIT;
            c->_frag_opcode = 0;
            c->responses++;
            c->ops->on_message(c, 0, d->data, d->len);
        }
        break;
    }
    return r != 0 ? r : k;
}

/* Handles bytes just read: complete messages are handed over, the rest is
 * kept in _in (bounded). */
static void handle_bytes(bl_conn_t *c, char *p, size_t n)
{
    c->_awaiting = false;
    char *buf = p;
    size_t len = n;
    if (c->_in.len > 0) {
        if (c->_in.len + n > c->env->max_message + HEAD_MAX) {
            fail(c, BL_CONN_ETOOBIG);
            return;
        }
        gql_buf_append(&c->_in, p, n);
        if (c->_in.oom) {
            fail(c, BL_CONN_ENOMEM);
            return;
        }
        buf = c->_in.data;
        len = c->_in.len;
    }
    unsigned gen = c->_generation;
    size_t used = 0;
    while (used < len) {
        long k = c->_upgraded ? ws_step(c, buf + used, len - used) : http_step(c, buf + used, len - used);
        if (c->_generation != gen)
            return; /* closed (and maybe reopened) inside: buf may be gone */
        if (k < 0) {
            fail(c, (int)k);
            return;
        }
        if (k == 0)
            break;
        used += (size_t)k;
    }
    if (buf == c->_in.data) {
        memmove(c->_in.data, c->_in.data + used, len - used);
        c->_in.len = len - used;
        if (c->_in.len == 0) {
            gql_buf_free(&c->_in);
            c->_in = (gql_buf_t)GQL_BUF_INIT;
        }
    } else if (used < len) {
        if (len - used > c->env->max_message + HEAD_MAX) {
            fail(c, BL_CONN_ETOOBIG);
            return;
        }
        gql_buf_append(&c->_in, buf + used, len - used);
        if (c->_in.oom)
            fail(c, BL_CONN_ENOMEM);
    }
}

/* connect() finished: check how. */
static void connected(bl_conn_t *c)
{
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0 || err != 0) {
        fail(c, BL_CONN_ECONNECT);
        return;
    }
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    if (getpeername(c->fd, (struct sockaddr *)&peer, &pl) != 0)
        return; /* still in progress: an event meant for an earlier socket */
    c->_tcp_up = true;
    int r = flush(c);
    if (r != 0) {
        fail(c, r);
        return;
    }
    if (c->subprotocol == NULL) {
        c->state = BL_CONN_OPEN;
        c->ops->on_open(c);
    }
}

/* The loop's entry: connect completion, room to write, bytes to read (one
 * recv unless it filled the scratch buffer). */
static void on_events(bl_pollable_t *self, uint32_t events)
{
    bl_conn_t *c = (bl_conn_t *)self;
    unsigned gen = c->_generation;
    if (c->fd < 0)
        return; /* closed by an earlier event of the same epoll_wait */
    if (!c->_tcp_up) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            connected(c);
        return;
    }
    if (events & EPOLLOUT) {
        int r = flush(c);
        if (r != 0) {
            fail(c, r);
            return;
        }
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->_generation != gen)
        return;
    bl_conn_env_t *env = c->env;
    for (;;) {
        ssize_t n = recv(c->fd, env->scratch, env->scratch_cap, 0);
        if (n > 0) {
            handle_bytes(c, env->scratch, (size_t)n);
            if (c->_generation != gen || (size_t)n < env->scratch_cap)
                return;
        } else if (n == 0) {
            fail(c, BL_CONN_ECLOSED);
            return;
        } else if (errno == EINTR) {
            continue;
        } else {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                fail(c, BL_CONN_ECLOSED);
            return;
        }
    }
}
