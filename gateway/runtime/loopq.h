/*
 * loopq.h — a per-event-loop inbox: how other threads (the Kafka thread, the
 * password workers) hand work to one gw_thread_t's loop without locks on the
 * per-message path.
 *
 * Each gw_thread_t embeds one gw_loopq_t. Any thread may push messages into
 * it; only the owning loop pops them, woken through an eventfd registered on
 * its h2o event loop. The queue is an intrusive Vyukov multi-producer
 * single-consumer list: a push is one atomic exchange and one store, a pop
 * touches no shared counter; a wakeup is written only when the loop is not
 * already due to drain (one eventfd write per batch, not per message).
 *
 * "Transactions published up to id N" is not a message: the writer raises an
 * atomic high-water mark (gw_loopq_publish_tx) and the loop sees the highest
 * value when it drains, so a burst of 10,000 BalanceChanged events costs the
 * loop one callback. Subscribers then read the records from the shared
 * lock-free gw_txstore_t by id (gw_txstore_since) — no per-event copy.
 *
 * Callbacks are registered per kind with gw_loopq_on, before the loop runs or
 * on the loop itself; they run on the loop, in registration order, and get
 * the message read-only. After the callbacks the queue disposes the message
 * (its `dispose`, or free()). Messages left at teardown are disposed without
 * being dispatched.
 *
 * Ownership: a pushed message belongs to the queue. The queue owns its
 * eventfd until gw_loopq_dispose (the loop watches a duplicate of it, closed
 * by gw_loopq_detach, so a producer never writes to a recycled descriptor).
 */
#ifndef GW_LOOPQ_H
#define GW_LOOPQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw_thread;
struct st_h2o_socket_t;
struct st_h2o_evloop_t;

/* What a message says. */
typedef enum gw_loopq_kind {
    GW_LOOPQ_TX = 0,  /* transactions 1..u.tx.upto are readable in the txstore (no message allocated) */
    GW_LOOPQ_ANSWER,  /* a command this loop waits for was answered, failed or timed out (u.answer) */
    GW_LOOPQ_ACCOUNT, /* a credentials record became visible (u.account) */
    GW_LOOPQ_READY,   /* the Kafka side's readiness changed (u.ready) */
    GW_LOOPQ_CALL,    /* run u.call.fn(thread, u.call.arg) on the loop (password results, ...) */
    GW_LOOPQ__COUNT
} gw_loopq_kind_t;

/* How a waited-for command ended. */
typedef enum gw_answer_status {
    GW_ANSWER_OK = 0,      /* feedback arrived: see success/reason/iban/token */
    GW_ANSWER_TIMEOUT,     /* no feedback before the deadline (the command still stands) */
    GW_ANSWER_UNDELIVERED, /* the command could not be written to Kafka: reason says why */
} gw_answer_status_t;

#define GW_LOOPQ_TEXT 128 /* room for a reason/iban/token copy, NUL included */

/* One message. Producers malloc it (or embed it first in a larger struct and
 * set `dispose`), fill kind and u, and push it. */
typedef struct gw_loopq_msg {
    struct gw_loopq_msg *_Atomic _next; /* the queue's link */
    gw_loopq_kind_t kind;
    void (*dispose)(struct gw_loopq_msg *m); /* frees m after dispatch; NULL = free(m) */
    union {
        struct {
            uint64_t upto; /* highest transaction id visible */
        } tx;
        struct {
            void *waiter; /* the waiter the loop registered (see resolvers/bank.h) */
            gw_answer_status_t status;
            uint64_t consumed_ns; /* when the Kafka thread routed it (CLOCK_MONOTONIC) */
            bool success;
            char reason[GW_LOOPQ_TEXT];
            char iban[GW_LOOPQ_TEXT];
            char token[GW_LOOPQ_TEXT];
        } answer;
        struct {
            const void *account; /* a const gw_account_t *, immutable, lives as long as the accounts store */
        } account;
        struct {
            bool ready;
            char reason[GW_LOOPQ_TEXT];
        } ready;
        struct {
            void (*fn)(struct gw_thread *t, void *arg);
            void *arg;
        } call;
    } u;
} gw_loopq_msg_t;

/* A callback for one kind: runs on the loop. */
typedef void (*gw_loopq_fn)(struct gw_thread *t, const gw_loopq_msg_t *m, void *data);

#define GW_LOOPQ_MAX_HOOKS 4 /* callbacks per kind */

typedef struct gw_loopq_hook {
    gw_loopq_fn fn;
    void *data;
} gw_loopq_hook_t;

/* The inbox. Lives in gw_thread_t; fields are private. */
typedef struct gw_loopq {
    gw_loopq_msg_t *_Atomic _head; /* producers swing this */
    gw_loopq_msg_t *_tail;         /* consumer only */
    gw_loopq_msg_t _stub;
    _Atomic uint64_t _tx_upto;     /* raised by gw_loopq_publish_tx */
    uint64_t _tx_seen;             /* consumer: last upto dispatched */
    _Atomic int _wake;             /* 1 while a wakeup is written and not yet drained */
    int _efd;                      /* eventfd, -1 when none */
    struct st_h2o_socket_t *_sock; /* the eventfd on the loop, once attached */
    struct gw_thread *_owner;
    gw_loopq_hook_t _hooks[GW_LOOPQ__COUNT][GW_LOOPQ_MAX_HOOKS];
    _Atomic uint64_t _pushed; /* counters (any thread may read) */
    uint64_t _dispatched;
} gw_loopq_t;

/* Prepare q (any thread, before anyone pushes). Returns 0, or GW_ESYS with errno
 * when no eventfd can be made. */
int gw_loopq_init(gw_loopq_t *q);

/* On the loop's thread: watch the eventfd on `loop`; messages pushed before
 * this are delivered on the first run. */
void gw_loopq_attach(gw_loopq_t *q, struct st_h2o_evloop_t *loop, struct gw_thread *owner);

/* On the loop's thread, before the loop is destroyed: stop watching. Pushes
 * after this still succeed and are disposed by gw_loopq_dispose. */
void gw_loopq_detach(gw_loopq_t *q);

/* Dispose every message still queued (without dispatching it) and close the
 * eventfd. No producer may push any more. */
void gw_loopq_dispose(gw_loopq_t *q);

/* Register fn for `kind` on queue q. Call before the loop runs or on the
 * loop. Returns 0, GW_EFULL when GW_LOOPQ_MAX_HOOKS are taken, or GW_EINVAL
 * when kind or fn is bad (error.h). */
int gw_loopq_on(gw_loopq_t *q, gw_loopq_kind_t kind, gw_loopq_fn fn, void *data);

/* Any thread: queue m (ownership passes) and wake the loop if needed. */
void gw_loopq_push(gw_loopq_t *q, gw_loopq_msg_t *m);

/* Any thread: transactions up to id `upto` are visible. Lower values than
 * one already published are ignored. */
void gw_loopq_publish_tx(gw_loopq_t *q, uint64_t upto);

/* Loop thread (or tests): pop and dispatch everything queued now. Returns
 * the number of messages dispatched (a TX notice counts one). The eventfd
 * callback calls this; tests without a loop may call it directly. */
size_t gw_loopq_drain(gw_loopq_t *q);

/* Messages ever pushed (any thread). */
uint64_t gw_loopq_pushed(const gw_loopq_t *q);

#endif
