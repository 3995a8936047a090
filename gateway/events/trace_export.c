/*
 * trace_export.c — the tracer: a bounded queue of ended spans and one
 * exporter thread that POSTs them as OTLP/HTTP JSON (trace.h).
 *
 * The queue is a ring of GW_TRACE_QUEUE span records under a mutex that is
 * held only to copy records in or out, never across the network: a producer
 * (an event loop, the Kafka thread) waits at most for one memcpy. A push that
 * fills a batch wakes the exporter; otherwise it wakes every second. Each batch
 * is one HTTP/1.1 request on a fresh connection (Connection: close; at most
 * one a second under light load, so keeping a connection buys little), bounded
 * by the configured timeout from connect to the status line. A batch that
 * fails (no listener, a timeout, a non-2xx answer) is counted as dropped: spans
 * are diagnostics, and retrying would only grow the backlog behind a receiver
 * that is down.
 *
 * Only http:// is supported (https needs a TLS client here: not yet).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "trace_int.h"

struct gw_tracer {
    gw_tracer_conf_t conf; /* endpoint and service_name point into the strings below */
    char endpoint[1024];
    char service[256];
    char host[256], port[8], path[768]; /* the endpoint, split */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gw_span_t *ring; /* GW_TRACE_QUEUE records (under mu) */
    size_t head, n;
    bool stop;
    pthread_t tid;
    gw_span_t *batch; /* the exporter thread's copy */
    _Atomic uint64_t exported, dropped;
    bool failing; /* the last export failed (logged once per run of failures) */
};

const gw_tracer_conf_t *gw__tracer_conf(const gw_tracer_t *t)
{
    return &t->conf;
}

uint64_t gw_tracer_exported(const gw_tracer_t *t)
{
    return t ? atomic_load_explicit(&((gw_tracer_t *)t)->exported, memory_order_relaxed) : 0;
}

uint64_t gw_tracer_dropped(const gw_tracer_t *t)
{
    return t ? atomic_load_explicit(&((gw_tracer_t *)t)->dropped, memory_order_relaxed) : 0;
}

const char *gw_tracer_endpoint(const gw_tracer_t *t)
{
    return t ? t->endpoint : NULL;
}

void gw__tracer_push(gw_tracer_t *t, const gw_span_t *s)
{
    pthread_mutex_lock(&t->mu);
    if (t->n == GW_TRACE_QUEUE || t->stop) {
        pthread_mutex_unlock(&t->mu);
        atomic_fetch_add_explicit(&t->dropped, 1, memory_order_relaxed);
        return;
    }
    t->ring[(t->head + t->n) % GW_TRACE_QUEUE] = *s;
    t->n++;
    bool wake = t->n == GW_TRACE_BATCH;
    pthread_mutex_unlock(&t->mu);
    if (wake)
        pthread_cond_signal(&t->cv);
}

/* ------------------------------------------------------------ the config */

static const struct {
    const char *name;
    gw_sampler_t v;
} SAMPLERS[] = {{"always_on", GW_SAMPLER_ALWAYS_ON},
                {"always_off", GW_SAMPLER_ALWAYS_OFF},
                {"traceidratio", GW_SAMPLER_RATIO},
                {"parentbased_always_on", GW_SAMPLER_PARENT_ON},
                {"parentbased_always_off", GW_SAMPLER_PARENT_OFF},
                {"parentbased_traceidratio", GW_SAMPLER_PARENT_RATIO}};

const char *gw_sampler_name(gw_sampler_t s)
{
    for (size_t i = 0; i < sizeof SAMPLERS / sizeof *SAMPLERS; i++)
        if (SAMPLERS[i].v == s)
            return SAMPLERS[i].name;
    return "?";
}

static int parse_sampler(const char *s, gw_sampler_t *out)
{
    for (size_t i = 0; i < sizeof SAMPLERS / sizeof *SAMPLERS; i++)
        if (strcmp(s, SAMPLERS[i].name) == 0) {
            *out = SAMPLERS[i].v;
            return 0;
        }
    return -1;
}

static void seterr(char *err, size_t errlen, const char *fmt, const char *a)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, fmt, a);
}

int gw_tracer_conf_init(gw_tracer_conf_t *c, const char *endpoint, const char *service, double ratio, char *buf,
                        size_t bufsize, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    const char *full = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    const char *base = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (full != NULL && *full != '\0') {
        snprintf(buf, bufsize, "%s", full);
    } else {
        if (base == NULL || *base == '\0')
            base = endpoint;
        if (base != NULL && *base != '\0') {
            size_t bl = strlen(base);
            while (bl > 0 && base[bl - 1] == '/')
                bl--;
            snprintf(buf, bufsize, "%.*s/v1/traces", (int)bl, base);
        } else {
            buf[0] = '\0';
        }
    }
    if (buf[0] != '\0') {
        if (strncmp(buf, "http://", 7) != 0) {
            seterr(err, errlen, "tracing: \"%s\": only http:// OTLP endpoints are supported (no https yet)", buf);
            return -1;
        }
        c->endpoint = buf;
    }
    const char *sn = getenv("OTEL_SERVICE_NAME");
    c->service_name = sn != NULL && *sn != '\0' ? sn : service;
    c->sampler = GW_SAMPLER_PARENT_RATIO;
    c->ratio = ratio;
    const char *sm = getenv("OTEL_TRACES_SAMPLER");
    if (sm != NULL && *sm != '\0' && parse_sampler(sm, &c->sampler) != 0) {
        seterr(err, errlen,
               "OTEL_TRACES_SAMPLER: \"%s\" is none of always_on, always_off, traceidratio, "
               "parentbased_always_on, parentbased_always_off, parentbased_traceidratio",
               sm);
        return -1;
    }
    const char *arg = getenv("OTEL_TRACES_SAMPLER_ARG");
    if (arg != NULL && *arg != '\0' && (c->sampler == GW_SAMPLER_RATIO || c->sampler == GW_SAMPLER_PARENT_RATIO)) {
        char *end;
        double v = strtod(arg, &end);
        if (end == arg || *end != '\0' || !(v >= 0 && v <= 1)) {
            seterr(err, errlen, "OTEL_TRACES_SAMPLER_ARG: \"%s\" is not a ratio from 0 to 1", arg);
            return -1;
        }
        c->ratio = v;
    }
    if (!(c->ratio >= 0 && c->ratio <= 1)) {
        seterr(err, errlen, "tracing.sample_ratio: %s", "expected a number from 0 to 1");
        return -1;
    }
    return 0;
}

/* Splits http://host[:port][/path] (host may be [v6]). */
static int split_url(gw_tracer_t *t, const char *url)
{
    const char *h = url + 7, *pe = h + strcspn(h, "/");
    const char *hs = h, *he;
    const char *colon = NULL;
    if (*h == '[') {
        hs = h + 1;
        he = memchr(hs, ']', (size_t)(pe - hs));
        if (he == NULL)
            return -1;
        if (he + 1 < pe && he[1] == ':')
            colon = he + 1;
    } else {
        colon = memchr(h, ':', (size_t)(pe - h));
        he = colon ? colon : pe;
    }
    size_t hl = (size_t)(he - hs), pl = colon ? (size_t)(pe - colon - 1) : 2;
    if (hl == 0 || hl >= sizeof t->host || pl == 0 || pl >= sizeof t->port || strlen(pe) >= sizeof t->path)
        return -1;
    memcpy(t->host, hs, hl);
    t->host[hl] = '\0';
    if (colon) {
        memcpy(t->port, colon + 1, pl);
        t->port[pl] = '\0';
    } else {
        strcpy(t->port, "80");
    }
    strcpy(t->path, *pe ? pe : "/");
    return 0;
}

/* ---------------------------------------------------------- the exporter */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for `events` until deadline (mono ms). 0 or -1. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, (int)left);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* POSTs body; returns the HTTP status, or -1 with why. BLOCKS (the exporter thread). */
static int post(gw_tracer_t *t, const char *body, size_t len, char *why, size_t whylen)
{
    int64_t deadline = mono_ms() + (t->conf.timeout_ms > 0 ? t->conf.timeout_ms : 5000);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(t->host, t->port, &hints, &ai);
    if (rc != 0) {
        snprintf(why, whylen, "resolve %.64s: %s", t->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, status = -1;
    for (struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            snprintf(why, whylen, "connect: %s", strerror(errno));
            close(fd);
            fd = -1;
            continue;
        }
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (wait_fd(fd, POLLOUT, deadline) != 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
            soerr != 0) {
            snprintf(why, whylen, "connect: %s", soerr ? strerror(soerr) : "timed out");
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return -1;
    char head[1400];
    int hl = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "User-Agent: openbank-gateway-otlp\r\nConnection: close\r\n\r\n",
                      t->path, t->host, t->port, len);
    const char *parts[2] = {head, body};
    size_t lens[2] = {(size_t)hl, len};
    for (int i = 0; i < 2; i++) {
        size_t off = 0;
        while (off < lens[i]) {
            ssize_t w = send(fd, parts[i] + off, lens[i] - off, MSG_NOSIGNAL);
            if (w > 0) {
                off += (size_t)w;
            } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (wait_fd(fd, POLLOUT, deadline) != 0) {
                    snprintf(why, whylen, "send: timed out");
                    goto out;
                }
            } else {
                snprintf(why, whylen, "send: %s", strerror(errno));
                goto out;
            }
        }
    }
    char resp[256];
    size_t got = 0;
    while (got < sizeof resp - 1 && memchr(resp, '\n', got) == NULL) {
        ssize_t r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
        if (r > 0) {
            got += (size_t)r;
        } else if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLIN, deadline) != 0) {
                snprintf(why, whylen, "no answer within the timeout");
                goto out;
            }
        } else {
            snprintf(why, whylen, "connection closed before the status line");
            goto out;
        }
    }
    resp[got] = '\0';
    int code;
    if (sscanf(resp, "HTTP/1.%*d %d", &code) == 1)
        status = code;
    else
        snprintf(why, whylen, "not an HTTP answer");
out:
    close(fd);
    return status;
}

static void export_batch(gw_tracer_t *t, size_t k)
{
    size_t len = 0;
    char *body = gw_trace_otlp_json(t->conf.service_name, t->batch, k, &len);
    char why[200] = "out of memory";
    int status = body != NULL ? post(t, body, len, why, sizeof why) : -1;
    free(body);
    if (status >= 200 && status < 300) {
        atomic_fetch_add_explicit(&t->exported, k, memory_order_relaxed);
        t->failing = false;
        return;
    }
    atomic_fetch_add_explicit(&t->dropped, k, memory_order_relaxed);
    if (status > 0)
        snprintf(why, sizeof why, "the receiver answered HTTP %d", status);
    if (!t->failing && t->conf.log != NULL) {
        char msg[1400];
        snprintf(msg, sizeof msg, "OTLP export to %s failed (spans dropped until it works again): %s", t->endpoint,
                 why);
        t->conf.log(t->conf.log_ctx, msg);
    }
    t->failing = true;
}

static void *exporter(void *arg)
{
    gw_tracer_t *t = arg;
    bool final_done = false;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += 1;
        while (!t->stop && t->n < GW_TRACE_BATCH)
            if (pthread_cond_timedwait(&t->cv, &t->mu, &dl) == ETIMEDOUT)
                break;
        if (t->stop && (t->n == 0 || final_done)) {
            atomic_fetch_add_explicit(&t->dropped, t->n, memory_order_relaxed);
            t->n = 0;
            break;
        }
        if (t->n == 0)
            continue;
        size_t k = t->n < GW_TRACE_BATCH ? t->n : GW_TRACE_BATCH;
        for (size_t i = 0; i < k; i++)
            t->batch[i] = t->ring[(t->head + i) % GW_TRACE_QUEUE];
        t->head = (t->head + k) % GW_TRACE_QUEUE;
        t->n -= k;
        bool stopping = t->stop;
        pthread_mutex_unlock(&t->mu);
        export_batch(t, k);
        pthread_mutex_lock(&t->mu);
        if (stopping && t->n > 0)
            final_done = true; /* one bounded attempt at shutdown; more would delay the stop */
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

gw_tracer_t *gw_tracer_new(const gw_tracer_conf_t *c, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (c->endpoint == NULL || c->endpoint[0] == '\0')
        return NULL;
    gw_tracer_t *t = calloc(1, sizeof *t);
    if (t == NULL) {
        seterr(err, errlen, "tracing: %s", "out of memory");
        return NULL;
    }
    t->conf = *c;
    snprintf(t->endpoint, sizeof t->endpoint, "%s", c->endpoint);
    snprintf(t->service, sizeof t->service, "%s", c->service_name ? c->service_name : "unknown_service");
    t->conf.endpoint = t->endpoint;
    t->conf.service_name = t->service;
    if (strncmp(t->endpoint, "http://", 7) != 0 || split_url(t, t->endpoint) != 0) {
        seterr(err, errlen, "tracing: \"%s\" is not an http://host[:port]/path URL", c->endpoint);
        free(t);
        return NULL;
    }
    t->ring = calloc(GW_TRACE_QUEUE, sizeof *t->ring);
    t->batch = calloc(GW_TRACE_BATCH, sizeof *t->batch);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->mu, NULL);
    if (t->ring == NULL || t->batch == NULL || pthread_create(&t->tid, NULL, exporter, t) != 0) {
        seterr(err, errlen, "tracing: %s", "cannot start the exporter thread");
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        free(t->ring);
        free(t->batch);
        free(t);
        return NULL;
    }
    /* named here, not by the thread itself, so that the name is there once
     * this returns (tests count it in /proc/PID/task/ right after start) */
    pthread_setname_np(t->tid, "otlp-export");
    return t;
}

void gw_tracer_free(gw_tracer_t *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_mutex_unlock(&t->mu);
    pthread_cond_signal(&t->cv);
    pthread_join(t->tid, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t->ring);
    free(t->batch);
    free(t);
}
