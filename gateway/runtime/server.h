/*
 * server.h — the process's event loops: one h2o event loop per thread, all
 * accepting on the same port (SO_REUSEPORT), connection accounting, the
 * readiness checks, the metrics scrape, and graceful shutdown.
 *
 * The core never names a feature. Whoever composes the process (main.c)
 * hands it:
 *   - the routes, as a callback that registers h2o handlers on the host
 *     (gw_server_set_routes; each feature exports its own registration);
 *   - per-loop state of a feature, through a slot the feature reserves
 *     (gw_server_slot_new) and fills from a thread hook (gw_loop_set_slot),
 *     as h2o keeps a handler's per-context state behind
 *     h2o_context_get_handler_context;
 *   - readiness checks and metrics sources, as callbacks.
 *
 * Ownership: gw_server_t owns the h2o global configuration, the TLS context
 * and the threads; it borrows the configuration (main's). Each gw_thread_t
 * owns its loop, its h2o context, its listener and its core metrics; only
 * its own thread touches them, except that any thread may read the metrics
 * (see metrics.h). What a slot points to belongs to the feature that set it.
 *
 * Errors: functions return 0 or a negative GW_E* code (error.h).
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
#include "error.h"
#include "gql.h"
#include "log.h"
#include "loopq.h"
#include "metrics.h"

#define GW_VERSION "0.1.0"

typedef struct gw_server gw_server_t;

/* A readiness check for GET /readyz: returns true when ready, else false
 * with a short reason (no secrets) written to `reason`. A check that passes
 * may write a reason too: /readyz shows it as the check's "detail". Called on any loop
 * thread: it must be thread-safe and must not block. */
typedef bool (*gw_ready_fn)(void *data, char *reason, size_t reasonlen);

typedef struct gw_ready_check {
    const char *name;
    gw_ready_fn fn;
    void *data;
} gw_ready_check_t;

#define GW_MAX_READY_CHECKS 8

/* A feature's part of GET /metrics: appends Prometheus text (whole
 * families: HELP, TYPE, samples) to `out`. Called on any loop thread. */
typedef void (*gw_metrics_fn)(gql_buf_t *out, void *data);

typedef struct gw_metrics_source {
    gw_metrics_fn fn;
    void *data;
} gw_metrics_source_t;

#define GW_MAX_METRICS_SOURCES 16

/* Per-loop slots a feature may reserve (gw_server_slot_new). */
#define GW_MAX_SLOTS 8

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
    gw_metrics_t metrics;
    size_t connections;   /* open now (all kinds) */
    size_t inflight;      /* requests inside a handler, answer not yet sent */
    h2o_linklist_t conns; /* gw_conn_t of every open connection */
    /* Shutdown: a message from the main thread, then a periodic drain check. */
    h2o_multithread_receiver_t control;
    h2o_multithread_message_t control_msg;
    bool stopping;
    bool exit_loop;
    bool warned;            /* the shutdown-timeout warning was logged */
    bool unclean;           /* connections outlived the shutdown bound: loop not freed */
    uint64_t stop_deadline; /* h2o_now() ms by which to give up waiting */
    h2o_timeout_t drain_timeout;
    h2o_timeout_entry_t drain_entry;
    /* Connections the admission refused, until their refusal is written:
     * their request is read and dropped first, as closing a socket with
     * unread input resets it under the answer (server.c). */
    h2o_timeout_t refuse_timeout;
    h2o_linklist_t refusing;
    size_t nrefusing;
    gw_loopq_t loopq;          /* inbox from other threads (loopq.h); initialised before the thread starts */
    void *slots[GW_MAX_SLOTS]; /* features' per-loop state (gw_loop_slot) */
} gw_thread_t;

/* Called on each loop thread once its loop exists and before it serves
 * (start), and after it stopped serving, before its loop is destroyed (end;
 * hooks end in the reverse order of their start). A start hook returns 0,
 * or a negative GW_E* code to stop the server's start; the end hook of every
 * start hook that ran, the failed one included, still runs. */
typedef int (*gw_thread_start_fn)(gw_thread_t *t, void *data);
typedef void (*gw_thread_end_fn)(gw_thread_t *t, void *data);

typedef struct gw_thread_hook {
    gw_thread_start_fn start;
    gw_thread_end_fn end;
    void *data;
} gw_thread_hook_t;

#define GW_MAX_THREAD_HOOKS 8

/* Registers every path on `host` while the server builds its h2o
 * configuration (gw_server_run). Returns 0 or a negative GW_E* code. */
typedef int (*gw_routes_fn)(gw_server_t *s, h2o_hostconf_t *host, void *data);

/* Admission of accepted connections (per-client limits): `admit` runs on the
 * loop thread for each new connection, before h2o sees it. True to serve it
 * (`release` gets *ticket when it closes); false to refuse it: `refusal` (a
 * whole HTTP/1.1 response, static) is written on plain HTTP, TLS
 * connections are closed. Both must be thread-safe and must not block. */
typedef struct gw_admission {
    bool (*admit)(void *data, h2o_socket_t *sock, uint32_t *ticket, h2o_iovec_t *refusal);
    void (*release)(void *data, uint32_t ticket);
    void *data;
} gw_admission_t;

struct gw_server {
    const gw_config_t *config; /* main's; read-only */
    gw_log_t log;
    struct gw_tracer *tracer; /* main's (events/trace.h); NULL: tracing off */
    h2o_globalconf_t globalconf;
    SSL_CTX *ssl_ctx;
    int port; /* the port actually bound */
    size_t nthreads;
    gw_thread_t *threads;
    gw_metrics_t **thread_metrics; /* &threads[i].metrics, for scrapes */
    gw_routes_fn routes;
    void *routes_data;
    gw_admission_t admission; /* admit NULL: every connection under the per-loop bound is served */
    gw_ready_check_t ready[GW_MAX_READY_CHECKS];
    size_t nready;
    gw_metrics_source_t metrics_sources[GW_MAX_METRICS_SOURCES];
    size_t nmetrics_sources;
    gw_thread_hook_t thread_hooks[GW_MAX_THREAD_HOOKS];
    size_t nthread_hooks;
    size_t nslots;
    /* Other threads reach the loops' inboxes through gw_server_each_loop and
     * gw_server_push, holding loopq_lock to read, only while loopq_open (from
     * the threads' start until they are joined; written under the lock).
     * Readers never wait on each other: a pusher kept off a core (a nice-10
     * password hashing worker) cannot hold up the Kafka thread. */
    pthread_rwlock_t loopq_lock;
    bool loopq_open;
    _Atomic bool stopping; /* set by the main thread when a stop signal arrives */
    /* startup handshake: threads report ready (or failed) under start_mu */
    pthread_mutex_t start_mu;
    pthread_cond_t start_cv;
    size_t nstarted;
    size_t nfailed;
};

/* Prepares `s` (zeroed by the caller) for `config` and `log`: the loop
 * count is fixed here (server.threads, 0: one per core), so features can
 * size per-loop tables before the run. Call once, first. Returns 0 or
 * GW_ENOMEM. */
int gw_server_init(gw_server_t *s, const gw_config_t *config, gw_log_t log);

/* Frees what gw_server_init made (after gw_server_run returned, or instead
 * of it). */
void gw_server_dispose(gw_server_t *s);

/* The routes (before gw_server_run). */
void gw_server_set_routes(gw_server_t *s, gw_routes_fn fn, void *data);

/* The admission of accepted connections (before gw_server_run; copied). */
void gw_server_set_admission(gw_server_t *s, const gw_admission_t *a);

/* Adds a readiness check, a metrics source, or per-thread start/end hooks
 * (before gw_server_run). 0, or GW_EFULL. */
int gw_server_add_ready_check(gw_server_t *s, const char *name, gw_ready_fn fn, void *data);
int gw_server_add_metrics(gw_server_t *s, gw_metrics_fn fn, void *data);
int gw_server_add_thread_hook(gw_server_t *s, gw_thread_start_fn start, gw_thread_end_fn end, void *data);

/* Reserves a per-loop slot (before gw_server_run): its index, or GW_EFULL. */
int gw_server_slot_new(gw_server_t *s);

/* What a feature keeps for loop t in its slot (set by its start hook). */
static inline void *gw_loop_slot(const gw_thread_t *t, int slot)
{
    return t->slots[slot];
}
static inline void gw_loop_set_slot(gw_thread_t *t, int slot, void *value)
{
    t->slots[slot] = value;
}

/* The loops, for a scrape that sums per-loop counters (any thread, while the
 * server runs: slots are set before any request is served). */
static inline size_t gw_server_nthreads(const gw_server_t *s)
{
    return s->nthreads;
}
static inline gw_thread_t *gw_server_thread(const gw_server_t *s, size_t i)
{
    return &s->threads[i];
}

/* GET /readyz: runs every check, writes {"checks":{...},"status":...} to
 * `out` and returns true when all pass. */
bool gw_server_ready(gw_server_t *s, gql_buf_t *out);

/* GET /metrics: the core's metrics, then every source's, to `out`. */
void gw_server_render_metrics(gw_server_t *s, gql_buf_t *out);

/* Any thread: calls fn(&thread.loopq, index, arg) for every loop while the
 * loops run, under a mutex (keep fn short: a push). Returns the number of
 * loops visited (0 before start and after shutdown). */
size_t gw_server_each_loop(gw_server_t *s, void (*fn)(gw_loopq_t *q, size_t index, void *arg), void *arg);

/* Any thread: push m to loop `index`'s inbox; when the loops are not running
 * (or index is out of range) m is disposed at once. Returns true if queued. */
bool gw_server_push(gw_server_t *s, size_t index, gw_loopq_msg_t *m);

/* Binds the listeners, starts the threads, waits for SIGTERM/SIGINT, drains
 * and joins. Adds the readiness check "accepting" (fails once stopping).
 * Returns 0 after a clean shutdown, a negative GW_E* code when the start
 * failed (logged). */
int gw_server_run(gw_server_t *s);

/* The loop a request runs on. */
static inline gw_thread_t *gw_thread_of(h2o_req_t *req)
{
    return H2O_STRUCT_FROM_MEMBER(gw_thread_t, ctx, req->conn->ctx);
}

/* Monotonic nanoseconds, for latencies. */
uint64_t gw_now_ns(void);

#endif
