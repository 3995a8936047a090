/*
 * server.c — listeners, event-loop threads, connection accounting and
 * graceful shutdown (see server.h).
 *
 * Start: the main thread binds one listening socket per thread to the same
 * address with SO_REUSEPORT (port 0 picks a free port once, the others reuse
 * it), starts the threads and waits until each has its loop, context and
 * document cache. Then it waits for SIGTERM or SIGINT.
 *
 * Stop: the main thread posts a message to each loop's h2o multithread
 * queue (its wakeup pipe). Each loop closes its listener, asks h2o to shut
 * connections down (HTTP/1.1 answers with Connection: close from then on,
 * HTTP/2 sends GOAWAY) and checks every 50 ms until no request is in flight
 * — a handler still running, or a connection holding bytes of a request not
 * yet answered — or server.shutdown_timeout_ms has passed. Then it closes
 * idle keep-alive connections through h2o's own timeouts, waits for the
 * count to reach zero (at most one more second) and returns.
 * WebSocket and SSE connections get their close frames at that point in the
 * subscriptions task (see the hook in drain_check).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

/* One accepted connection, tracked from accept to close. */
typedef struct gw_conn {
    h2o_linklist_t link; /* in gw_thread_t.conns */
    gw_thread_t *thread;
    h2o_socket_t *sock;
    gw_conn_kind_t kind;
    uint32_t ticket; /* from the admission, given back on close */
} gw_conn_t;

int gw_server_init(gw_server_t *s, const gw_config_t *config, gw_log_t log)
{
    s->config = config;
    s->log = log;
    pthread_rwlock_init(&s->loopq_lock, NULL);
    pthread_mutex_init(&s->start_mu, NULL);
    pthread_cond_init(&s->start_cv, NULL);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = config->server.threads > 0 ? (size_t)config->server.threads : cores > 0 ? (size_t)cores : 1;
    if (n == 0 || n > 256)
        n = 1;
    s->nthreads = n;
    s->threads = calloc(n, sizeof *s->threads);
    s->thread_metrics = calloc(n, sizeof *s->thread_metrics);
    if (s->threads == NULL || s->thread_metrics == NULL)
        return GW_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        s->threads[i].server = s;
        s->threads[i].index = i;
        s->threads[i].listen_fd = -1;
        s->thread_metrics[i] = &s->threads[i].metrics;
    }
    return 0;
}

void gw_server_dispose(gw_server_t *s)
{
    bool unclean = false;
    for (size_t i = 0; s->threads != NULL && i < s->nthreads; i++)
        unclean = unclean || s->threads[i].unclean;
    if (!unclean) {
        /* else the loops' connections still point into the threads: keep them */
        free(s->threads);
        free(s->thread_metrics);
        s->threads = NULL;
        s->thread_metrics = NULL;
    }
    pthread_cond_destroy(&s->start_cv);
    pthread_mutex_destroy(&s->start_mu);
    pthread_rwlock_destroy(&s->loopq_lock);
}

void gw_server_set_routes(gw_server_t *s, gw_routes_fn fn, void *data)
{
    s->routes = fn;
    s->routes_data = data;
}

void gw_server_set_admission(gw_server_t *s, const gw_admission_t *a)
{
    s->admission = *a;
}

int gw_server_add_ready_check(gw_server_t *s, const char *name, gw_ready_fn fn, void *data)
{
    if (s->nready >= GW_MAX_READY_CHECKS)
        return GW_EFULL;
    s->ready[s->nready++] = (gw_ready_check_t){name, fn, data};
    return 0;
}

int gw_server_add_metrics(gw_server_t *s, gw_metrics_fn fn, void *data)
{
    if (s->nmetrics_sources >= GW_MAX_METRICS_SOURCES)
        return GW_EFULL;
    s->metrics_sources[s->nmetrics_sources++] = (gw_metrics_source_t){fn, data};
    return 0;
}

int gw_server_add_thread_hook(gw_server_t *s, gw_thread_start_fn start, gw_thread_end_fn end, void *data)
{
    if (s->nthread_hooks >= GW_MAX_THREAD_HOOKS)
        return GW_EFULL;
    s->thread_hooks[s->nthread_hooks++] = (gw_thread_hook_t){start, end, data};
    return 0;
}

int gw_server_slot_new(gw_server_t *s)
{
    if (s->nslots >= GW_MAX_SLOTS)
        return GW_EFULL;
    return (int)s->nslots++;
}

bool gw_server_ready(gw_server_t *s, gql_buf_t *out)
{
    bool ready = true;
    gql_buf_puts(out, "{\"checks\":{");
    for (size_t i = 0; i < s->nready; i++) {
        char reason[256] = "";
        bool ok = s->ready[i].fn(s->ready[i].data, reason, sizeof reason);
        ready = ready && ok;
        if (i)
            gql_buf_putc(out, ',');
        gql_buf_json_string(out, s->ready[i].name, strlen(s->ready[i].name));
        /* a passing check may still say something (its "detail") */
        if (ok && reason[0] == '\0') {
            gql_buf_puts(out, ":{\"ok\":true}");
        } else {
            gql_buf_puts(out, ok ? ":{\"ok\":true,\"detail\":" : ":{\"ok\":false,\"reason\":");
            gql_buf_json_string(out, reason, strlen(reason));
            gql_buf_putc(out, '}');
        }
    }
    gql_buf_printf(out, "},\"status\":\"%s\"}", ready ? "ready" : "not ready");
    return ready;
}

void gw_server_render_metrics(gw_server_t *s, gql_buf_t *out)
{
    gw_metrics_render(out, s->thread_metrics, s->nthreads);
    for (size_t i = 0; i < s->nmetrics_sources; i++)
        s->metrics_sources[i].fn(out, s->metrics_sources[i].data);
}

size_t gw_server_each_loop(gw_server_t *s, void (*fn)(gw_loopq_t *q, size_t index, void *arg), void *arg)
{
    size_t n = 0;
    pthread_rwlock_rdlock(&s->loopq_lock);
    if (s->loopq_open)
        for (; n < s->nthreads; n++)
            fn(&s->threads[n].loopq, n, arg);
    pthread_rwlock_unlock(&s->loopq_lock);
    return n;
}

bool gw_server_push(gw_server_t *s, size_t index, gw_loopq_msg_t *m)
{
    pthread_rwlock_rdlock(&s->loopq_lock);
    bool open = s->loopq_open && index < s->nthreads;
    if (open)
        gw_loopq_push(&s->threads[index].loopq, m);
    pthread_rwlock_unlock(&s->loopq_lock);
    if (!open) {
        if (m->dispose != NULL)
            m->dispose(m);
        else
            free(m);
    }
    return open;
}

/* Readiness: false from the stop signal on, so balancers stop sending. */
static bool accepting_ready(void *data, char *reason, size_t reasonlen)
{
    const gw_server_t *s = data;
    if (!atomic_load_explicit(&s->stopping, memory_order_relaxed))
        return true;
    snprintf(reason, reasonlen, "shutting down");
    return false;
}

static void on_conn_close(void *data)
{
    gw_conn_t *c = data;
    gw_thread_t *t = c->thread;
    if (t->server->admission.release != NULL)
        t->server->admission.release(t->server->admission.data, c->ticket);
    t->connections--;
    gw_gauge_add(&t->metrics.connections[c->kind], -1);
    h2o_linklist_unlink(&c->link);
    free(c);
}

static void on_reject_written(h2o_socket_t *sock, const char *err)
{
    (void)err;
    h2o_socket_close(sock);
}

/* A connection the admission refused. Its refusal goes out once the
 * request's head was read (and dropped) — closing a socket with unread
 * input sends a reset that can destroy the answer before the client reads
 * it — or after REFUSE_WAIT_MS without one. At most MAX_REFUSING wait per
 * loop; past that a refusal is written and the socket closed at once. */
#define MAX_REFUSING 256
#define REFUSE_WAIT_MS 1000
#define REFUSE_MAX_HEAD 16384

typedef struct refusing {
    h2o_linklist_t link; /* in gw_thread_t.refusing */
    h2o_timeout_entry_t timeout;
    gw_thread_t *thread;
    h2o_socket_t *sock;
    h2o_iovec_t reply; /* static */
    bool writing;
} refusing_t;

static void refusing_free(refusing_t *r)
{
    if (h2o_timeout_is_linked(&r->timeout))
        h2o_timeout_unlink(&r->timeout);
    h2o_linklist_unlink(&r->link);
    r->thread->nrefusing--;
    h2o_socket_close(r->sock);
    free(r);
}

static void on_refusal_written(h2o_socket_t *sock, const char *err)
{
    (void)err;
    refusing_free(sock->data);
}

static void refusal_send(refusing_t *r)
{
    if (r->writing)
        return;
    r->writing = true;
    if (h2o_timeout_is_linked(&r->timeout))
        h2o_timeout_unlink(&r->timeout);
    h2o_socket_read_stop(r->sock);
    h2o_socket_write(r->sock, &r->reply, 1, on_refusal_written);
}

static void on_refusing_read(h2o_socket_t *sock, const char *err)
{
    refusing_t *r = sock->data;
    if (err != NULL) {
        refusing_free(r);
        return;
    }
    h2o_buffer_t *in = sock->input;
    bool head = in->size >= REFUSE_MAX_HEAD || h2o_strstr(in->bytes, in->size, H2O_STRLIT("\r\n\r\n")) != SIZE_MAX;
    if (head) {
        h2o_buffer_consume(&sock->input, in->size);
        refusal_send(r);
    }
}

static void on_refusing_timeout(h2o_timeout_entry_t *entry)
{
    refusal_send(H2O_STRUCT_FROM_MEMBER(refusing_t, timeout, entry));
}

/* Refuses an accepted connection with `reply` (plain HTTP) or closes it (TLS). */
static void refuse(gw_thread_t *t, h2o_socket_t *sock, h2o_iovec_t reply)
{
    refusing_t *r = NULL;
    if (t->accept_ctx.ssl_ctx != NULL || reply.len == 0) {
        h2o_socket_close(sock);
        return;
    }
    if (t->nrefusing >= MAX_REFUSING || (r = calloc(1, sizeof *r)) == NULL) {
        h2o_socket_write(sock, &reply, 1, on_reject_written);
        return;
    }
    r->thread = t;
    r->sock = sock;
    r->reply = reply;
    r->timeout.cb = on_refusing_timeout;
    h2o_linklist_insert(&t->refusing, &r->link);
    t->nrefusing++;
    sock->data = r;
    h2o_timeout_link(t->ctx.loop, &t->refuse_timeout, &r->timeout);
    h2o_socket_read_start(sock, on_refusing_read);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    gw_thread_t *t = listener->data;
    if (err != NULL)
        return;
    /* a bounded batch per wakeup keeps one busy listener from starving the loop */
    for (int i = 0; i < 64; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        if (t->connections >= t->server->config->server.max_connections_per_thread || t->stopping) {
            gw_metric_add(&t->metrics.connections_rejected, 1);
            if (t->accept_ctx.ssl_ctx == NULL) {
                static const h2o_iovec_t busy = {
                    H2O_STRLIT("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
                               "Connection: close\r\nRetry-After: 1\r\nContent-Length: 60\r\n\r\n"
                               "{\"errors\":[{\"message\":\"Too many connections, retry later\"}]}")};
                h2o_socket_write(sock, (h2o_iovec_t *)&busy, 1, on_reject_written);
            } else {
                h2o_socket_close(sock);
            }
            continue;
        }
        const gw_admission_t *adm = &t->server->admission;
        uint32_t ticket = 0;
        h2o_iovec_t refusal = {NULL, 0};
        if (adm->admit != NULL && !adm->admit(adm->data, sock, &ticket, &refusal)) {
            refuse(t, sock, refusal);
            continue;
        }
        gw_conn_t *c = malloc(sizeof *c);
        if (c == NULL) {
            if (adm->release != NULL)
                adm->release(adm->data, ticket);
            h2o_socket_close(sock);
            continue;
        }
        c->ticket = ticket;
        c->link = (h2o_linklist_t){NULL, NULL};
        c->thread = t;
        c->sock = sock;
        c->kind = t->accept_ctx.ssl_ctx != NULL ? GW_CONN_HTTPS : GW_CONN_HTTP;
        h2o_linklist_insert(&t->conns, &c->link);
        t->connections++;
        gw_gauge_add(&t->metrics.connections[c->kind], 1);
        sock->on_close.cb = on_conn_close;
        sock->on_close.data = c;
        h2o_accept(&t->accept_ctx, sock);
    }
}

/* Whether any request is still being received or answered on this loop. */
static bool loop_busy(gw_thread_t *t)
{
    if (t->inflight > 0)
        return true;
    for (h2o_linklist_t *n = t->conns.next; n != &t->conns; n = n->next) {
        gw_conn_t *c = H2O_STRUCT_FROM_MEMBER(gw_conn_t, link, n);
        /* HTTP/1 keeps a request's bytes in the input buffer until its
         * response is written; an idle keep-alive connection holds none */
        if (c->sock->input != NULL && c->sock->input->size > 0)
            return true;
    }
    return false;
}

static void drain_check(h2o_timeout_entry_t *entry)
{
    gw_thread_t *t = H2O_STRUCT_FROM_MEMBER(gw_thread_t, drain_entry, entry);
    uint64_t now = h2o_now(t->ctx.loop);
    bool busy = loop_busy(t);
    if (busy && now < t->stop_deadline) {
        h2o_timeout_link(t->ctx.loop, &t->drain_timeout, &t->drain_entry);
        return;
    }
    if (busy && !t->warned) {
        t->warned = true;
        gw_log_line_t l;
        if (gw_log_begin(&l, &t->server->log, GW_LOG_WARN, "shutdown timeout: closing connections in flight")) {
            gw_log_int(&l, "thread", (int64_t)t->index);
            gw_log_int(&l, "connections", (int64_t)t->connections);
            gw_log_int(&l, "inflight", (int64_t)t->inflight);
            gw_log_end(&l);
        }
    }
    /* Nothing in flight (or out of time): close idle connections by making
     * h2o's own idle timeouts expire at once. (Hook: the subscriptions task
     * sends WebSocket close frames and ends SSE streams here.) */
    t->ctx.http1.req_timeout.timeout = 0;
    t->ctx.http2.idle_timeout.timeout = 0;
    t->ctx.handshake_timeout.timeout = 0;
    if (t->connections == 0 || now >= t->stop_deadline + 1000) {
        if (t->connections != 0) {
            gw_log_line_t l;
            if (gw_log_begin(&l, &t->server->log, GW_LOG_WARN, "connections still open at exit")) {
                gw_log_int(&l, "thread", (int64_t)t->index);
                gw_log_int(&l, "connections", (int64_t)t->connections);
                gw_log_end(&l);
            }
        }
        t->exit_loop = true;
        return;
    }
    h2o_timeout_link(t->ctx.loop, &t->drain_timeout, &t->drain_entry);
}

static void begin_shutdown(gw_thread_t *t)
{
    if (t->stopping)
        return;
    t->stopping = true;
    if (t->listener != NULL) {
        h2o_socket_read_stop(t->listener);
        h2o_socket_close(t->listener);
        t->listener = NULL;
    }
    h2o_context_request_shutdown(&t->ctx);
    t->stop_deadline = h2o_now(t->ctx.loop) + t->server->config->server.shutdown_timeout_ms;
    h2o_timeout_link(t->ctx.loop, &t->drain_timeout, &t->drain_entry);
}

static void on_control(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    gw_thread_t *t = H2O_STRUCT_FROM_MEMBER(gw_thread_t, control, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
    }
    begin_shutdown(t);
}

static void report_started(gw_server_t *s, bool ok)
{
    pthread_mutex_lock(&s->start_mu);
    if (ok)
        s->nstarted++;
    else
        s->nfailed++;
    pthread_cond_broadcast(&s->start_cv);
    pthread_mutex_unlock(&s->start_mu);
}

static void *thread_main(void *arg)
{
    gw_thread_t *t = arg;
    gw_server_t *s = t->server;
    h2o_evloop_t *loop = h2o_evloop_create();
    h2o_context_init(&t->ctx, loop, &s->globalconf);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = s->globalconf.hosts;
    t->accept_ctx.ssl_ctx = s->ssl_ctx;
    h2o_linklist_init_anchor(&t->conns);
    h2o_multithread_register_receiver(t->ctx.queue, &t->control, on_control);
    h2o_timeout_init(loop, &t->drain_timeout, 50);
    h2o_timeout_init(loop, &t->refuse_timeout, REFUSE_WAIT_MS);
    h2o_linklist_init_anchor(&t->refusing);
    t->drain_entry = (h2o_timeout_entry_t){0};
    t->drain_entry.cb = drain_check;
    t->listener = h2o_evloop_socket_create(loop, t->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listen_fd = -1; /* the socket owns it now */
    t->listener->data = t;
    gw_loopq_attach(&t->loopq, loop, t);
    size_t nhooks = 0; /* start hooks that ran: their end hooks run at the end */
    int rc = 0;
    for (; nhooks < s->nthread_hooks && rc == 0; nhooks++)
        if (s->thread_hooks[nhooks].start != NULL)
            rc = s->thread_hooks[nhooks].start(t, s->thread_hooks[nhooks].data);
    if (rc == 0) {
        h2o_socket_read_start(t->listener, on_accept);
        report_started(s, true);
    } else {
        gw_log_msg(&s->log, GW_LOG_ERROR, "a loop could not start its features", NULL);
        report_started(s, false);
        /* the main thread stops everyone; still serve the stop message */
    }

    while (!t->exit_loop)
        h2o_evloop_run(loop, INT32_MAX);

    if (h2o_timeout_is_linked(&t->drain_entry))
        h2o_timeout_unlink(&t->drain_entry);
    h2o_multithread_unregister_receiver(t->ctx.queue, &t->control);
    for (size_t i = nhooks; i-- > 0;)
        if (s->thread_hooks[i].end != NULL)
            s->thread_hooks[i].end(t, s->thread_hooks[i].data);
    while (!h2o_linklist_is_empty(&t->refusing))
        refusing_free(H2O_STRUCT_FROM_MEMBER(refusing_t, link, t->refusing.next));
    gw_loopq_drain(&t->loopq); /* answers already queued reach their owners' cleanup */
    gw_loopq_detach(&t->loopq);
    bool clean = t->connections == 0;
    if (clean) {
        /* let h2o free what it closed (sockets are released on the next run) */
        h2o_evloop_run(loop, 0);
        h2o_timeout_dispose(loop, &t->drain_timeout);
        h2o_timeout_dispose(loop, &t->refuse_timeout);
        /* h2o_context_request_shutdown arms HTTP/2's GOAWAY timer even
         * without HTTP/2 connections; h2o_context_dispose asserts it is gone */
        if (h2o_timeout_is_linked(&t->ctx.http2._graceful_shutdown_timeout))
            h2o_timeout_unlink(&t->ctx.http2._graceful_shutdown_timeout);
        h2o_multithread_queue_t *queue = t->ctx.queue;
        h2o_context_dispose(&t->ctx);
        h2o_evloop_destroy(loop);
        /* h2o 2.2.5's h2o_multithread_destroy_queue (evloop flavour) closes
         * the queue's pipe but never frees the queue itself */
        free(queue);
    } else
        t->unclean = true; /* connections outlived the bound; the process exits anyway */
    return NULL;
}

/* Opens one listening socket. `port` 0 picks a free one. Returns the fd, or
 * -1 with errno set. */
static int open_listener(const char *host, int port, int *bound_port)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int gai = getaddrinfo(host, portstr, &hints, &res);
    if (gai != 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        errno = e;
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static int setup_tls(gw_server_t *s)
{
    const gw_config_t *c = s->config;
    if (c->server.tls_certificate == NULL)
        return 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return -1;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_use_certificate_chain_file(ctx, c->server.tls_certificate) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, c->server.tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        gw_log_line_t l;
        if (gw_log_begin(&l, &s->log, GW_LOG_ERROR, "cannot load the TLS certificate or key")) {
            gw_log_str(&l, "certificate", c->server.tls_certificate);
            gw_log_str(&l, "key", c->server.tls_key);
            gw_log_end(&l);
        }
        SSL_CTX_free(ctx);
        return -1;
    }
    /* ALPN: h2 first, then http/1.1 (h2o's own list has only the h2 names,
     * so a client offering just http/1.1 would get no ALPN answer) */
    static const h2o_iovec_t ALPN[] = {{H2O_STRLIT("h2")}, {H2O_STRLIT("http/1.1")}, {NULL, 0}};
    h2o_ssl_register_alpn_protocols(ctx, ALPN);
    s->ssl_ctx = ctx;
    return 0;
}

static int setup_globalconf(gw_server_t *s)
{
    const gw_config_t *c = s->config;
    h2o_config_init(&s->globalconf);
    s->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("openbank-gateway/" GW_VERSION));
    /* h2o's default is 1 GiB; bodies are buffered whole, so keep this small */
    s->globalconf.max_request_entity_size = c->server.max_body_bytes;
    s->globalconf.http1.req_timeout = c->server.request_timeout_ms;
    s->globalconf.http2.idle_timeout = c->server.idle_timeout_ms;
    s->globalconf.http2.graceful_shutdown_timeout = c->server.shutdown_timeout_ms;
    s->globalconf.handshake_timeout = c->server.request_timeout_ms;
    h2o_hostconf_t *host = h2o_config_register_host(&s->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    return s->routes != NULL ? s->routes(s, host, s->routes_data) : 0;
}

int gw_server_run(gw_server_t *s)
{
    const gw_config_t *c = s->config;
    int rc;
    size_t n = s->nthreads;

    /* SIGTERM/SIGINT are taken by sigwait below; every thread inherits the mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    gw_server_add_ready_check(s, "accepting", accepting_ready, s);
    if (setup_tls(s) != 0)
        return GW_EINVAL;
    if ((rc = setup_globalconf(s)) != 0) {
        gw_log_msg(&s->log, GW_LOG_ERROR, "cannot register the routes", NULL);
        goto close_fds;
    }
    rc = GW_ESYS;

    int port = c->server.port;
    for (size_t i = 0; i < n; i++) {
        gw_thread_t *t = &s->threads[i];
        t->listen_fd = open_listener(c->server.bind, port, &port);
        if (t->listen_fd < 0) {
            gw_log_line_t l;
            if (gw_log_begin(&l, &s->log, GW_LOG_ERROR, "cannot listen")) {
                gw_log_str(&l, "bind", c->server.bind);
                gw_log_int(&l, "port", port);
                gw_log_str(&l, "error", strerror(errno));
                gw_log_end(&l);
            }
            goto close_fds;
        }
    }
    s->port = port;

    for (size_t i = 0; i < n; i++)
        if (gw_loopq_init(&s->threads[i].loopq) != 0) {
            gw_log_msg(&s->log, GW_LOG_ERROR, "cannot create an eventfd", strerror(errno));
            goto close_fds;
        }
    pthread_rwlock_wrlock(&s->loopq_lock);
    s->loopq_open = true;
    pthread_rwlock_unlock(&s->loopq_lock);
    for (size_t i = 0; i < n; i++) {
        if (pthread_create(&s->threads[i].tid, NULL, thread_main, &s->threads[i]) != 0) {
            gw_log_msg(&s->log, GW_LOG_ERROR, "cannot start a thread", strerror(errno));
            break;
        }
        s->threads[i].started = true;
    }
    size_t started = 0;
    for (size_t i = 0; i < n; i++)
        started += s->threads[i].started;
    pthread_mutex_lock(&s->start_mu);
    while (s->nstarted + s->nfailed < started)
        pthread_cond_wait(&s->start_cv, &s->start_mu);
    bool ok = s->nfailed == 0 && started == n;
    pthread_mutex_unlock(&s->start_mu);

    if (ok) {
        gw_log_line_t l;
        if (gw_log_begin(&l, &s->log, GW_LOG_INFO, "listening")) {
            gw_log_str(&l, "bind", c->server.bind);
            gw_log_int(&l, "port", s->port);
            gw_log_int(&l, "threads", (int64_t)n);
            gw_log_str(&l, "tls", s->ssl_ctx ? "h2+http/1.1" : "off");
            gw_log_str(&l, "auth", c->auth.mode);
            gw_log_str(&l, "schema", c->graphql.schema);
            gw_log_str(&l, "config", c->file ? c->file : "built-in defaults");
            gw_log_str(&l, "version", GW_VERSION);
            gw_log_end(&l);
        }
        int sig = 0;
        while (sigwait(&sigs, &sig) != 0)
            ;
        atomic_store_explicit(&s->stopping, true, memory_order_relaxed);
        gw_log_line_t l2;
        if (gw_log_begin(&l2, &s->log, GW_LOG_INFO, "shutting down")) {
            gw_log_str(&l2, "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            gw_log_int(&l2, "timeout_ms", (int64_t)c->server.shutdown_timeout_ms);
            gw_log_end(&l2);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (s->threads[i].started)
            h2o_multithread_send_message(&s->threads[i].control, &s->threads[i].control_msg);
    for (size_t i = 0; i < n; i++)
        if (s->threads[i].started)
            pthread_join(s->threads[i].tid, NULL);
    pthread_rwlock_wrlock(&s->loopq_lock);
    s->loopq_open = false;
    pthread_rwlock_unlock(&s->loopq_lock);
    rc = ok ? 0 : GW_ESYS;
    if (ok)
        gw_log_msg(&s->log, GW_LOG_INFO, "stopped", NULL);

close_fds:
    pthread_rwlock_wrlock(&s->loopq_lock);
    s->loopq_open = false;
    pthread_rwlock_unlock(&s->loopq_lock);
    for (size_t i = 0; i < n; i++)
        if (s->threads[i].listen_fd > 0 && !s->threads[i].started)
            close(s->threads[i].listen_fd);
    for (size_t i = 0; i < n; i++)
        gw_loopq_dispose(&s->threads[i].loopq);
    bool unclean = false; /* a loop could not free its connections in time */
    for (size_t i = 0; i < n; i++)
        unclean = unclean || s->threads[i].unclean;
    if (!unclean) {
        h2o_config_dispose(&s->globalconf);
        if (s->ssl_ctx != NULL)
            SSL_CTX_free(s->ssl_ctx);
    }
    return rc;
}
