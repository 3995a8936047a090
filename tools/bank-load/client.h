/*
 * client.h — one non-blocking client connection to the gateway, driven by
 * the caller's epoll loop: HTTP/1.1 with keep-alive (one request at a time,
 * no pipelining), or a WebSocket with a subprotocol. The bytes are read and
 * written by wire.h; this file does the socket, the buffers and the states:
 *
 *   CLOSED --open--> CONNECTING --(HTTP)--> OPEN
 *                               --(WS: GET Upgrade, 101 checked)--> OPEN
 *   any --error, peer close, bl_conn_close--> CLOSED
 *
 * Memory is bounded per connection: bytes are read into the environment's
 * shared scratch buffer and handled there; a connection keeps only the part
 * of a message that has not fully arrived (at most max_message bytes and a
 * head) and what the socket did not take yet. An idle connection holds no
 * heap memory.
 *
 * Ownership: the owner embeds a bl_conn_t (the epoll user pointer is the
 * connection's bl_pollable_t) and gets its callbacks; callbacks may send,
 * close or reopen the connection they are called for.
 */
#ifndef BL_CLIENT_H
#define BL_CLIENT_H

#include "gql.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define BL_CONN_ECONNECT (-1) /* connect() failed */
#define BL_CONN_ECLOSED (-2)  /* the peer closed or reset the connection */
#define BL_CONN_EPROTO (-3)   /* bytes that are not HTTP or WebSocket, or a refused upgrade */
#define BL_CONN_ETOOBIG (-4)  /* a message larger than max_message */
#define BL_CONN_ENOMEM (-5)   /* out of memory */
#define BL_CONN_ESYS (-6)     /* socket() or epoll_ctl() failed (errno says why) */

/* Anything registered with the loop's epoll starts with this: the loop
 * calls on_events with the epoll event mask. */
typedef struct bl_pollable {
    void (*on_events)(struct bl_pollable *self, uint32_t events);
} bl_pollable_t;

typedef struct bl_conn bl_conn_t;

typedef struct bl_conn_ops {
    /* The connection is usable: TCP connected (HTTP), 101 checked (WS). */
    void (*on_open)(bl_conn_t *c);
    /* A complete response (HTTP: its status and body) or a complete text or
     * binary message (WS: status 0). data[0..len) lives until the callback
     * returns and may be modified. */
    void (*on_message)(bl_conn_t *c, int status, char *data, size_t len);
    /* The connection has failed or ended (err: BL_CONN_E*) and is CLOSED.
     * `in_flight` is true when an HTTP request had been sent and its
     * response had not begun to arrive. Not called for bl_conn_close. */
    void (*on_close)(bl_conn_t *c, int err, bool in_flight);
} bl_conn_ops_t;

/* What every connection of a run shares; owned by the run, outlives them. */
typedef struct bl_conn_env {
    int epfd;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char host[300];     /* the Host header: "127.0.0.1:8888" */
    size_t max_message; /* largest body or message accepted */
    char *scratch;      /* read buffer, scratch_cap bytes */
    size_t scratch_cap; /* at least max_message + 8 KB */
    gql_buf_t decoded;  /* a chunked body or a fragmented message, while it is handled */
    gql_buf_t wbuf;     /* a WebSocket frame being written */
    uint64_t rng;       /* xorshift64* state for WebSocket keys and masks, never 0 */
    uint64_t connects;  /* connections opened (for the summary) */
} bl_conn_env_t;

typedef enum bl_conn_state {
    BL_CONN_CLOSED = 0,
    BL_CONN_CONNECTING, /* TCP connect, then (WS) the upgrade */
    BL_CONN_OPEN,
} bl_conn_state_t;

struct bl_conn {
    bl_pollable_t super;
    const bl_conn_ops_t *ops;
    bl_conn_env_t *env;
    const char *path;        /* request target, e.g. "/graphql"; not owned */
    const char *subprotocol; /* NULL: HTTP; else the WebSocket subprotocol; not owned */
    bl_conn_state_t state;
    int fd;
    uint32_t _events;     /* registered with epoll */
    bool _upgraded;       /* WS: the 101 has been checked */
    bool _tcp_up;         /* connect() has completed */
    bool _awaiting;       /* HTTP: a request was sent, no response byte yet */
    unsigned _generation; /* bumped on every close, to notice a close inside a callback */
    char _accept[29];     /* WS: the Sec-WebSocket-Accept we expect */
    gql_buf_t _in;        /* bytes of a message not yet complete */
    gql_buf_t _out;       /* bytes the socket did not take yet */
    gql_buf_t _frag;      /* WS: fragments of a message so far */
    int _frag_opcode;     /* WS: opcode of the fragmented message, 0 when none */
    uint64_t responses;   /* complete responses/messages on this connection */
};

/* Sets up a closed connection. path and subprotocol must outlive it. */
void bl_conn_init(bl_conn_t *c, const bl_conn_ops_t *ops, bl_conn_env_t *env, const char *path,
                  const char *subprotocol);
/* Starts connecting (and for a WebSocket sends the upgrade once
 * connected). 0, or a negative BL_CONN_E* with the connection CLOSED and no
 * callback called. */
int bl_conn_open(bl_conn_t *c);
/* HTTP: POSTs body (JSON) to path; opens the connection first when it is
 * closed (the request goes out once connected). One request at a time. 0 or
 * a negative BL_CONN_E* (the connection is then closed, no callback). */
int bl_conn_post(bl_conn_t *c, const char *body, size_t len);
/* WS, OPEN only: sends one text message. 0 or a negative BL_CONN_E*. */
int bl_conn_send_text(bl_conn_t *c, const char *msg, size_t len);
/* Closes the socket (an open WebSocket gets a close frame first, if the
 * socket takes it at once) without calling on_close, and frees the
 * connection's buffers. The connection may be opened again. */
void bl_conn_close(bl_conn_t *c);
/* A name for a BL_CONN_E* code. */
const char *bl_conn_strerror(int err);
/* The next number of env's xorshift64* generator. */
uint64_t bl_conn_random(bl_conn_env_t *env);

#endif
