/*
 * ws.h — the gateway's own WebSocket layer (RFC 6455) on h2o's HTTP/1.1
 * upgrade and socket API, and the shared output queue that WebSocket and
 * Server-Sent Events connections use.
 *
 * Why not h2o's websocket.c: it writes one frame per write() and copies
 * every payload per connection. Here an event is framed once into a
 * reference-counted gw_chunk_t that every connection's queue references,
 * and a connection writes everything queued in one gathered write
 * (h2o_socket_write with an iovec array).
 *
 * Frames are decoded and built by ws_frame.c (bytes only, no socket); this
 * layer is the connection: it reads the socket into the decoder, delivers
 * messages, answers pings with pongs and a close with a close (then closes
 * the socket), sends the close code and reason of a protocol error, and runs
 * ping and idle timeouts from gw_ws_sweep.
 *
 * Threads: everything here runs on the loop that owns the connection; the
 * reference counts are plain integers for that reason. A gw_chunk_t never
 * crosses loops.
 *
 * Ownership: a gw_ws_conn_t is malloc'd at upgrade and freed when its socket
 * closes; its callbacks' `on_close` runs first so the protocol above can drop
 * its state. Queued buffers are referenced by the queue until written or
 * the connection is gone.
 */
#ifndef GW_WS_H
#define GW_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "runtime/chunk.h"
#include "runtime/server.h"
#include "ws_frame.h"

/* ------------------------------------------------------------------------ */
/* Connections                                                               */
/* ------------------------------------------------------------------------ */

typedef struct gw_ws_conn gw_ws_conn_t;

/* What the protocol above is told. All run on the connection's loop. */
typedef struct gw_ws_callbacks {
    /* The socket is open (after the 101 went out). */
    void (*on_open)(gw_ws_conn_t *c);
    /* One complete message (text already checked as UTF-8). data is valid
     * only during the call. */
    void (*on_message)(gw_ws_conn_t *c, const char *data, size_t len, bool binary);
    /* Called from gw_ws_sweep for every open connection (init timeouts,
     * keep-alive messages, back-pressure). now_ms: h2o_now. */
    void (*on_tick)(gw_ws_conn_t *c, uint64_t now_ms);
    /* The connection is going away: drop every reference to it. After this
     * no callback runs and the pointer is freed. */
    void (*on_close)(gw_ws_conn_t *c);
} gw_ws_callbacks_t;

/* Settings and connections of one loop. Embedded by the owner (serve.c). */
typedef struct gw_ws_loop {
    gw_thread_t *thread;
    h2o_linklist_t conns; /* every open gw_ws_conn_t */
    size_t nconns;
    size_t max_message; /* bytes of one incoming message (close 1009 beyond) */
    size_t rcvbuf;      /* SO_RCVBUF of each upgraded socket (0: left to the kernel) */
    uint64_t ping_ms;   /* a WebSocket ping after this long without input (0: never) */
    uint64_t idle_ms;   /* close 1001 after this long without any input (0: never) */
    /* turns (ws.c): connections with input left wait on turn_timeout (1 ms)
     * for their next turn; all of them together spend at most a budget of
     * the loop per tick (tick_ms: the h2o_now of the tick counted) */
    h2o_timeout_t turn_timeout;
    uint64_t tick_ms;
    uint64_t tick_spent_ns;
} gw_ws_loop_t;

struct gw_ws_conn {
    gw_ws_loop_t *loop;
    h2o_socket_t *sock; /* NULL once closed */
    const gw_ws_callbacks_t *cb;
    void *data; /* the protocol's */
    h2o_linklist_t link;
    gw_outq_t q;
    gw_ws_decoder_t dec; /* the input's state: a fragmented message being assembled */
    uint64_t last_input_ms;
    uint64_t last_ping_ms;
    bool writing;               /* a gathered write is in flight */
    bool close_sent;            /* no more frames after the close frame */
    bool close_on_idle;         /* close the socket once the queue is written */
    bool dead;                  /* gw_ws_abort was asked inside a callback: closed after it */
    bool in_read;               /* inside the read callback */
    bool deferred;              /* input left for the next loop turn (the read stopped meanwhile) */
    h2o_timeout_entry_t resume; /* on the loop's zero timeout while deferred */
};

/* Checks that `req` is a WebSocket upgrade we can take (HTTP/1.1 GET with
 * Upgrade: websocket, Connection: upgrade, Sec-WebSocket-Version: 13 and a
 * key). Returns NULL when it is, else a reason for a 400 / 426. */
const char *gw_ws_check(h2o_req_t *req);

/* True when the request asks for a WebSocket upgrade at all. */
bool gw_ws_is_upgrade(h2o_req_t *req);

/* Answers 101 (with Sec-WebSocket-Accept and, when not NULL, the chosen
 * Sec-WebSocket-Protocol echoed) and takes the socket over. The caller has
 * checked gw_ws_check and already ended the request's in-flight count
 * bookkeeping it owns. cb->on_open runs once the 101 is written; on failure
 * the socket is closed and nothing is called. `data` becomes c->data. */
void gw_ws_accept(gw_ws_loop_t *loop, h2o_req_t *req, const char *subprotocol, const gw_ws_callbacks_t *cb, void *data);

/* Queues a prepared frame (takes its own reference). Ignored after a close
 * frame was sent. */
void gw_ws_send(gw_ws_conn_t *c, gw_chunk_t *frame);
/* Frames and queues one text message made of up to three parts. */
void gw_ws_send_text(gw_ws_conn_t *c, const void *a, size_t na, const void *b, size_t nb, const void *d, size_t nd);
/* Sends a close frame with `code` and `reason` (at most 123 bytes), stops
 * reading, and closes the socket once everything queued is written. */
void gw_ws_close(gw_ws_conn_t *c, uint16_t code, const char *reason);
/* Drops the queued frames that are not being written yet (before closing a
 * slow consumer: its close frame then goes out next). */
void gw_ws_drop_queued(gw_ws_conn_t *c);
/* Closes the socket now, dropping whatever is queued (slow consumers,
 * shutdown after the bound). Safe inside callbacks (deferred then). */
void gw_ws_abort(gw_ws_conn_t *c);
/* Bytes queued and not yet written. */
static inline size_t gw_ws_unsent(const gw_ws_conn_t *c)
{
    return c->q.unsent;
}

/* Pings, idle timeouts and the protocols' ticks for every connection of the
 * loop. Call periodically. */
void gw_ws_sweep(gw_ws_loop_t *loop);

/* Close every connection with `code` (graceful shutdown: 1001). */
void gw_ws_close_all(gw_ws_loop_t *loop, uint16_t code, const char *reason);

#endif
