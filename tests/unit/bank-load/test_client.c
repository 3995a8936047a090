/*
 * test_client.c — bank-load's connection (tools/bank-load/client.h) against
 * a hand-played server on a loopback socket in this process: the bytes the
 * client sends (POST, upgrade with its key, masked pong), and what it makes
 * of the server's bytes cut into pieces — a chunked response with
 * "Connection: close" (closed quietly, the next post on a new socket), a
 * refused upgrade, a ping, a fragmented message, an oversize frame, a peer
 * that closes with a request in flight.
 */
#include "client.h"
#include "test.h"
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* The client side: a connection and what its callbacks saw. */
typedef struct probe {
    bl_conn_t conn;
    int opened;
    int messages;
    int status;
    char last[256];
    int closes;
    int close_err;
    bool close_in_flight;
} probe_t;

static void p_open(bl_conn_t *c)
{
    ((probe_t *)c)->opened++;
}

static void p_message(bl_conn_t *c, int status, char *data, size_t len)
{
    probe_t *p = (probe_t *)c;
    p->messages++;
    p->status = status;
    snprintf(p->last, sizeof p->last, "%.*s", (int)len, data);
}

static void p_close(bl_conn_t *c, int err, bool in_flight)
{
    probe_t *p = (probe_t *)c;
    p->closes++;
    p->close_err = err;
    p->close_in_flight = in_flight;
}

static const bl_conn_ops_t ops = {p_open, p_message, p_close};

/* A listening socket on 127.0.0.1 and an environment pointing at it. */
typedef struct rig {
    int listener;
    bl_conn_env_t env;
} rig_t;

static int rig_init(rig_t *r)
{
    memset(r, 0, sizeof *r);
    r->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (r->listener < 0 || bind(r->listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(r->listener, 8) != 0 ||
        getsockname(r->listener, (struct sockaddr *)&a, &l) != 0)
        return -1;
    memcpy(&r->env.addr, &a, sizeof a);
    r->env.addrlen = sizeof a;
    snprintf(r->env.host, sizeof r->env.host, "127.0.0.1:%d", ntohs(a.sin_port));
    r->env.epfd = epoll_create1(EPOLL_CLOEXEC);
    r->env.max_message = 1024;
    r->env.scratch_cap = 1024 + 16384;
    r->env.scratch = malloc(r->env.scratch_cap);
    r->env.rng = 0x1234567;
    return r->env.epfd >= 0 && r->env.scratch != NULL ? 0 : -1;
}

static void rig_free(rig_t *r)
{
    close(r->listener);
    close(r->env.epfd);
    free(r->env.scratch);
    gql_buf_free(&r->env.decoded);
    gql_buf_free(&r->env.wbuf);
}

/* Runs the client's loop for about ms milliseconds. */
static void pump(rig_t *r, int ms)
{
    struct epoll_event evs[8];
    for (int i = 0; i < ms; i++) {
        int n = epoll_wait(r->env.epfd, evs, 8, 1);
        for (int k = 0; k < n; k++) {
            bl_pollable_t *p = evs[k].data.ptr;
            p->on_events(p, evs[k].events);
        }
    }
}

/* The server's end of the next connection (no Nagle: its small writes must
 * go out one by one). */
static int server_accept(rig_t *r)
{
    struct pollfd pf = {.fd = r->listener, .events = POLLIN};
    if (poll(&pf, 1, 2000) != 1)
        return -1;
    int fd = accept4(r->listener, NULL, NULL, SOCK_CLOEXEC), one = 1;
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Reads what the client sent until `until` appears (or 2 s); NUL-terminated. */
static size_t server_read(rig_t *r, int fd, char *buf, size_t cap, const char *until)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < 2000 && strstr(buf, until) == NULL; i++) {
        pump(r, 1);
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 0) == 1) {
            ssize_t k = read(fd, buf + n, cap - 1 - n);
            if (k <= 0)
                break;
            n += (size_t)k;
            buf[n] = '\0';
        }
    }
    return n;
}

/* Reads at least `want` bytes the client sent (or what came in 2 s). */
static size_t server_read_bytes(rig_t *r, int fd, char *buf, size_t cap, size_t want)
{
    size_t n = 0;
    for (int i = 0; i < 2000 && n < want; i++) {
        pump(r, 1);
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 0) == 1) {
            ssize_t k = read(fd, buf + n, cap - n);
            if (k <= 0)
                break;
            n += (size_t)k;
        }
    }
    return n;
}

/* Writes s in pieces of `piece` bytes, letting the client read between them. */
static void server_write(rig_t *r, int fd, const void *s, size_t n, size_t piece)
{
    const char *p = s;
    for (size_t at = 0; at < n; at += piece) {
        size_t k = n - at < piece ? n - at : piece;
        if (write(fd, p + at, k) != (ssize_t)k)
            return;
        pump(r, 2);
    }
}

TEST(http_chunked_close_then_a_new_connection)
{
    rig_t r;
    ASSERT_EQ_INT(0, rig_init(&r));
    probe_t p = {0};
    bl_conn_init(&p.conn, &ops, &r.env, "/graphql", NULL);
    ASSERT_EQ_INT(0, bl_conn_post(&p.conn, "{\"q\":1}", 7));
    int fd = server_accept(&r);
    ASSERT(fd >= 0);
    char buf[2048];
    server_read(&r, fd, buf, sizeof buf, "{\"q\":1}");
    EXPECT(strncmp(buf, "POST /graphql HTTP/1.1\r\n", 24) == 0);
    EXPECT(strstr(buf, "Content-Length: 7\r\n") != NULL);
    EXPECT(strstr(buf, r.env.host) != NULL);
    const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n";
    server_write(&r, fd, resp, sizeof resp - 1, 7);
    pump(&r, 20);
    ASSERT_EQ_INT(1, p.messages);
    ASSERT_EQ_INT(200, p.status);
    ASSERT_EQ_STR("{\"a\":1}", p.last);
    ASSERT_EQ_INT(0, p.closes); /* closed quietly: the exchange was complete */
    ASSERT_EQ_INT(BL_CONN_CLOSED, p.conn.state);
    close(fd);
    /* the next post opens a new connection */
    ASSERT_EQ_INT(0, bl_conn_post(&p.conn, "{}", 2));
    fd = server_accept(&r);
    ASSERT(fd >= 0);
    server_read(&r, fd, buf, sizeof buf, "\r\n\r\n{}");
    const char resp2[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\n\r\nnope";
    server_write(&r, fd, resp2, sizeof resp2 - 1, 3);
    pump(&r, 20);
    ASSERT_EQ_INT(2, p.messages);
    ASSERT_EQ_INT(400, p.status);
    ASSERT_EQ_STR("nope", p.last);
    ASSERT_EQ_INT(BL_CONN_OPEN, p.conn.state);
    ASSERT_EQ_INT(1, (int)p.conn.responses);
    /* the peer goes away with a request in flight */
    ASSERT_EQ_INT(0, bl_conn_post(&p.conn, "{}", 2));
    server_read(&r, fd, buf, sizeof buf, "\r\n\r\n{}");
    close(fd);
    pump(&r, 50);
    ASSERT_EQ_INT(1, p.closes);
    ASSERT_EQ_INT(BL_CONN_ECLOSED, p.close_err);
    EXPECT(p.close_in_flight);
    bl_conn_close(&p.conn);
    rig_free(&r);
}

/* Opens p's WebSocket, reads the upgrade request into buf and answers it
 * with a 101 naming `protocol` (with a wrong accept when `lie`). Returns the
 * server's end, or -1. */
static int upgrade(rig_t *r, probe_t *p, char *buf, size_t cap, const char *protocol, bool lie)
{
    int fd = bl_conn_open(&p->conn) == 0 ? server_accept(r) : -1;
    if (fd < 0)
        return -1;
    server_read(r, fd, buf, cap, "\r\n\r\n");
    const char *k = strstr(buf, "Sec-WebSocket-Key: ");
    char key[64] = "", accept[29] = "";
    if (k != NULL)
        sscanf(k + 19, "%63[^\r]", key);
    bl_ws_accept(key, accept);
    if (lie)
        accept[0] = accept[0] == 'A' ? 'B' : 'A';
    char resp[512];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
                     accept, protocol);
    server_write(r, fd, resp, (size_t)n, 64);
    pump(r, 20);
    return fd;
}

TEST(websocket_ping_fragments_and_bounds)
{
    rig_t r;
    ASSERT_EQ_INT(0, rig_init(&r));
    probe_t p = {0};
    bl_conn_init(&p.conn, &ops, &r.env, "/graphql-ws", "graphql-ws");
    char buf[2048];
    int fd = upgrade(&r, &p, buf, sizeof buf, "graphql-ws", false);
    ASSERT(fd >= 0);
    EXPECT(strncmp(buf, "GET /graphql-ws HTTP/1.1\r\n", 26) == 0);
    EXPECT(strstr(buf, "Sec-WebSocket-Protocol: graphql-ws\r\n") != NULL);
    ASSERT_EQ_INT(1, p.opened);
    ASSERT_EQ_INT(BL_CONN_OPEN, p.conn.state);

    /* a text message from the client: one masked frame */
    ASSERT_EQ_INT(0, bl_conn_send_text(&p.conn, "{\"type\":\"connection_init\"}", 26));
    size_t n = server_read_bytes(&r, fd, buf, sizeof buf, 32);
    bl_ws_frame_t f;
    ASSERT_EQ_INT(32, bl_ws_frame_parse((uint8_t *)buf, n, 1024, &f));
    ASSERT_EQ_INT(BL_WS_TEXT, f.opcode);
    EXPECT(memcmp(f.payload, "{\"type\":\"connection_init\"}", 26) == 0);

    /* ping with a payload, then a message in two fragments, all cut small */
    const uint8_t frames[] = {0x89, 2, 'h', 'i', 0x01, 3, 'h', 'e', 'l', 0x80, 2, 'l', 'o'};
    server_write(&r, fd, frames, sizeof frames, 3);
    pump(&r, 20);
    ASSERT_EQ_INT(1, p.messages);
    ASSERT_EQ_STR("hello", p.last);
    n = server_read_bytes(&r, fd, buf, sizeof buf, 8);
    ASSERT_EQ_INT(8, bl_ws_frame_parse((uint8_t *)buf, n, 1024, &f));
    ASSERT_EQ_INT(BL_WS_PONG, f.opcode);
    EXPECT(f.len == 2 && memcmp(f.payload, "hi", 2) == 0);

    /* a frame larger than max_message ends the connection */
    const uint8_t big[] = {0x81, 126, 0x08, 0x00};
    server_write(&r, fd, big, sizeof big, 4);
    pump(&r, 20);
    ASSERT_EQ_INT(1, p.closes);
    ASSERT_EQ_INT(BL_CONN_ETOOBIG, p.close_err);
    ASSERT_EQ_INT(BL_CONN_CLOSED, p.conn.state);
    close(fd);

    /* a 101 with the wrong accept is refused, and so is another subprotocol */
    fd = upgrade(&r, &p, buf, sizeof buf, "graphql-ws", true);
    ASSERT(fd >= 0);
    ASSERT_EQ_INT(1, p.opened);
    ASSERT_EQ_INT(2, p.closes);
    ASSERT_EQ_INT(BL_CONN_EPROTO, p.close_err);
    close(fd);
    fd = upgrade(&r, &p, buf, sizeof buf, "graphql-transport-ws", false);
    ASSERT(fd >= 0);
    ASSERT_EQ_INT(1, p.opened);
    ASSERT_EQ_INT(3, p.closes);
    ASSERT_EQ_INT(BL_CONN_EPROTO, p.close_err);
    close(fd);
    bl_conn_close(&p.conn);
    rig_free(&r);
}

TEST(connect_refused)
{
    rig_t r;
    ASSERT_EQ_INT(0, rig_init(&r));
    close(r.listener);
    r.listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); /* nobody listens on the port any more */
    probe_t p = {0};
    bl_conn_init(&p.conn, &ops, &r.env, "/graphql", NULL);
    int rc = bl_conn_post(&p.conn, "{}", 2);
    if (rc == 0)
        pump(&r, 50);
    ASSERT(rc == BL_CONN_ECONNECT || (p.closes == 1 && p.close_err == BL_CONN_ECONNECT));
    bl_conn_close(&p.conn);
    rig_free(&r);
}

TEST_MAIN(TEST_ENTRY(http_chunked_close_then_a_new_connection), TEST_ENTRY(websocket_ping_fragments_and_bounds),
          TEST_ENTRY(connect_refused))
