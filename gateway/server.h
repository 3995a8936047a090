/*
 * server.h — the gateway process: one h2o event loop per thread, all
 * accepting on the same port (SO_REUSEPORT), the routes, readiness checks
 * and graceful shutdown.
 *
 * Ownership: gw_server_t owns the configuration, the schema (immutable once
 * the threads start), the h2o global configuration, the TLS context and the
 * threads. Each gw_thread_t owns its loop, its h2o context, its listener, its
 * document cache and its metrics; only its own thread touches them, except
 * that any thread may read the metrics (see metrics.h).
 *
 * This must be compiled with H2O_USE_LIBUV=0: Debian's pkg-config for
 * libh2o-evloop does not add it, and without it h2o's headers silently pick
 * the libuv flavour of every struct.
 */
#ifndef GW_SERVER_H
#define GW_SERVER_H

#if !defined(H2O_USE_LIBUV) || H2O_USE_LIBUV != 0
#error "build with -DH2O_USE_LIBUV=0: the gateway uses h2o's own event loop (libh2o-evloop)"
#endif

#include <h2o.h>
#include <pthread.h>
#include <stdbool.h>

#include "config.h"
#include "gql.h"
#include "log.h"
#include "loopq.h"
#include "metrics.h"

#define GW_VERSION "0.1.0"

typedef struct gw_server gw_server_t;

/* A readiness check for GET /readyz: returns true when ready, else false
 * with a short reason (no secrets) written to `reason`. Called on any loop
 * thread: it must be thread-safe and must not block. */
typedef bool (*gw_ready_fn)(const gw_server_t *server, void *data, char *reason, size_t reasonlen);

typedef struct gw_ready_check {
    const char *name;
    gw_ready_fn fn;
    void *data;
} gw_ready_check_t;

#define GW_MAX_READY_CHECKS 8

/* One event loop and everything only it touches. */
typedef struct gw_thread {
    gw_server_t *server;
    size_t index;
    pthread_t tid;
    bool started;
    int listen_fd;     /* owned until the listener socket takes it */
    h2o_context_t ctx; /* req->conn->ctx points here */
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener; /* NULL once closed for shutdown */
    gql_doc_cache_t *doc_cache;
    size_t arena_bytes; /* the gql arena counter of this loop's requests */
    gw_metrics_t metrics;
    size_t connections;   /* open now (all kinds) */
    size_t inflight;      /* requests inside a handler, answer not yet sent */
    h2o_linklist_t conns; /* gw_conn_t of every open connection */
    /* Shutdown: a message from the main thread, then a periodic drain check.
     * ctx.queue is h2o's per-loop message queue (woken through a pipe):
     * other threads (Kafka) register their own receivers on it to hand
     * events to this loop. */
    h2o_multithread_receiver_t control;
    h2o_multithread_message_t control_msg;
    bool stopping;
    bool exit_loop;
    bool warned;            /* the shutdown-timeout warning was logged */
    bool unclean;           /* connections outlived the shutdown bound: loop not freed */
    uint64_t stop_deadline; /* h2o_now() ms by which to give up waiting */
    h2o_timeout_t drain_timeout;
    h2o_timeout_entry_t drain_entry;
    struct gw_exec *running;     /* the GraphQL execution inside gql_execute/gql_resume now, or NULL */
    h2o_timeout_t bench_timeout; /* --bench: the simulated command latency (bench.c) */
    gw_loopq_t loopq;            /* inbox from other threads (loopq.h); initialised before the thread starts */
} gw_thread_t;

/* Called on each loop thread once its loop exists and before it serves
 * (start), and after it stopped serving, before its loop is destroyed (end). */
typedef void (*gw_thread_hook_fn)(gw_thread_t *t, void *data);

typedef struct gw_thread_hook {
    gw_thread_hook_fn start, end;
    void *data;
} gw_thread_hook_t;

#define GW_MAX_THREAD_HOOKS 4

struct gw_server {
    gw_config_t config;
    gw_log_t log;
    gql_schema_t *schema;
    struct gw_backbone *backbone;   /* the Kafka side, or NULL when kafka.enabled is false (backbone.h) */
    struct gw_resolvers *resolvers; /* the bank's resolvers (resolvers/bank.h) */
    struct gw_subs *subs;           /* subscriptions: WebSocket and SSE (subs.h), or NULL */
    bool bench;                     /* --bench: static transactions and the raw handler */
    gql_buf_t bench_response;       /* the bytes /bench/raw answers */
    char *graphiql_html;            /* static/graphiql.html, loaded at start */
    size_t graphiql_len;
    char *index_html;
    size_t index_len;
    h2o_globalconf_t globalconf;
    SSL_CTX *ssl_ctx;
    int port; /* the port actually bound */
    size_t nthreads;
    gw_thread_t *threads;
    gw_metrics_t **thread_metrics; /* &threads[i].metrics, for scrapes */
    gw_metrics_shared_t shared;
    gw_ready_check_t ready[GW_MAX_READY_CHECKS];
    size_t nready;
    gw_thread_hook_t thread_hooks[GW_MAX_THREAD_HOOKS];
    size_t nthread_hooks;
    /* Other threads reach the loops' inboxes through gw_server_each_loop,
     * under loopq_mu, only while loopq_open (from the threads' start until
     * they are joined). */
    pthread_mutex_t loopq_mu;
    bool loopq_open;
    _Atomic bool stopping; /* set by the main thread when a stop signal arrives */
    /* startup handshake: threads report ready (or failed) under start_mu */
    pthread_mutex_t start_mu;
    pthread_cond_t start_cv;
    size_t nstarted;
    size_t nfailed;
};

/* Adds a readiness check (before gw_server_run). Returns 0 or -1 when full. */
int gw_server_add_ready_check(gw_server_t *s, const char *name, gw_ready_fn fn, void *data);

/* Adds per-thread start/end hooks (before gw_server_run). Returns 0 or -1 when full. */
int gw_server_add_thread_hook(gw_server_t *s, gw_thread_hook_fn start, gw_thread_hook_fn end, void *data);

/* Any thread: calls fn(&thread.loopq, index, arg) for every loop while the
 * loops run, under a mutex (keep fn short: a push). Returns the number of
 * loops visited (0 before start and after shutdown). Initialise
 * s->loopq_mu with PTHREAD_MUTEX_INITIALIZER semantics (gw_server_run's
 * caller zeroes the struct; the mutex is initialised by gw_server_prepare). */
size_t gw_server_each_loop(gw_server_t *s, void (*fn)(gw_loopq_t *q, size_t index, void *arg), void *arg);

/* Any thread: push m to loop `index`'s inbox; when the loops are not running
 * (or index is out of range) m is disposed at once. Returns true if queued. */
bool gw_server_push(gw_server_t *s, size_t index, gw_loopq_msg_t *m);

/* Initialises what other threads may touch before gw_server_run (the loop
 * mutex). Call once after zeroing the struct. */
void gw_server_prepare(gw_server_t *s);

/* Binds the listeners, starts the threads, waits for SIGTERM/SIGINT, drains
 * and joins. Adds the readiness check "accepting" (fails once stopping). Returns 0 after a clean shutdown, -1 when the
 * start failed (logged). The caller has filled config, log, schema and store. */
int gw_server_run(gw_server_t *s);

/* --bench (bench.c): binds Mutation.money_transfer to a resolver that
 * answers after GW_BENCH_DELAY_MS through gw_pending_hold/resume, as the
 * Kafka-backed one will. Returns 0 or GQL_EINVAL. */
#define GW_BENCH_DELAY_MS 20
int gw_bench_bind(gql_schema_t *schema);
/* Ends the loop's outstanding bench timers (at thread exit). */
void gw_bench_thread_end(gw_thread_t *t);

/* The routes (routes.c): registers every path on `host`. Returns 0 or -1. */
int gw_routes_register(gw_server_t *s, h2o_hostconf_t *host);

/* The loop a request runs on. */
static inline gw_thread_t *gw_thread_of(h2o_req_t *req)
{
    return H2O_STRUCT_FROM_MEMBER(gw_thread_t, ctx, req->conn->ctx);
}

/* Monotonic nanoseconds, for latencies. */
uint64_t gw_now_ns(void);

#endif
