/*
 * trace.h — W3C Trace Context and OpenTelemetry spans for every program of
 * the project (the gateway, tools/command-handler, tools/bank-load), in the
 * lowest library they all link (gwevents).
 *
 *   traceparent / tracestate text ──▶ gw_trace_ctx_t (parse, format)
 *   gw_span_start(tracer, parent) ... gw_span_end(tracer, span)
 *        ──▶ a bounded queue ──▶ ONE exporter thread per tracer: batches of
 *            spans as OTLP/HTTP JSON (POST <endpoint>, by count or every second)
 *
 * Off is a NULL tracer: every function taking one then does nothing (one
 * branch), starts no thread and allocates nothing. A span that is not sampled
 * still gets ids (its context is propagated with the sampled flag clear) but
 * is never queued.
 *
 * Threads: gw_span_* and gw_trace_* may be called from any thread; the queue
 * takes a mutex only to copy one span in (never while exporting), so an event
 * loop never waits for the network. A full queue drops the span and counts it.
 * Ids come from a per-thread ChaCha20 generator keyed by getrandom(2) (the one
 * piece of thread-local state: like errno, it belongs to no object).
 *
 * Ownership: a gw_span_t is the caller's (stack, arena or malloc); its strings
 * are copied in, truncated to their fields. A context's `state` is borrowed.
 */
#ifndef GW_TRACE_H
#define GW_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GW_TRACEPARENT_LEN 55 /* "00-" 32 hex "-" 16 hex "-" 2 hex */
#define GW_TRACESTATE_MAX 512 /* bytes of tracestate kept (W3C: at least 512 propagated) */
#define GW_TRACESTATE_MEMBERS 32
#define GW_TRACE_QUEUE 2048 /* spans waiting for the exporter; more are dropped */
#define GW_TRACE_BATCH 512  /* spans per POST at most */
#define GW_SPAN_NAME_MAX 64
#define GW_SPAN_ATTR_MAX 6
#define GW_SPAN_ATTR_STR 96
#define GW_SPAN_LINK_MAX 4

#define GW_TRACE_SAMPLED 0x01

/* A span context: what traceparent carries (plus tracestate, borrowed). A
 * zero trace id means "none". */
typedef struct gw_trace_ctx {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t flags;     /* GW_TRACE_SAMPLED */
    const char *state; /* tracestate (borrowed), NULL or "" when none */
    size_t state_len;
} gw_trace_ctx_t;

static inline bool gw_trace_ctx_valid(const gw_trace_ctx_t *c)
{
    if (c == NULL)
        return false;
    for (int i = 0; i < 16; i++)
        if (c->trace_id[i] != 0)
            return true;
    return false;
}

/* Parses a traceparent header (W3C Trace Context level 1, §3.2): version 00
 * must be exactly 55 characters; a higher version may be longer if the 56th
 * character is '-' (its first four fields are read as version 00's); version
 * ff, upper-case or non-hex digits, wrong lengths and all-zero ids are
 * invalid. 0 with *out filled (state NULL), or -1. */
int gw_traceparent_parse(const char *s, size_t len, gw_trace_ctx_t *out);

/* Writes "00-<trace>-<span>-<flags>" and a NUL into out (56 bytes). Returns 55. */
size_t gw_traceparent_format(const gw_trace_ctx_t *c, char out[GW_TRACEPARENT_LEN + 1]);

/* Checks a tracestate header for passing through: printable ASCII, at most
 * GW_TRACESTATE_MEMBERS list members (more: discarded whole, as §3.3.1.1 says
 * of a list over 32), and cut after whole members to GW_TRACESTATE_MAX bytes.
 * Returns the length to keep (0: drop it). */
size_t gw_tracestate_keep(const char *s, size_t len);

/* ------------------------------------------------------------------ spans */

typedef enum gw_span_kind {
    GW_SPAN_INTERNAL = 1,
    GW_SPAN_SERVER = 2,
    GW_SPAN_CLIENT = 3,
    GW_SPAN_PRODUCER = 4,
    GW_SPAN_CONSUMER = 5,
} gw_span_kind_t; /* OTLP's SpanKind numbers */

typedef enum gw_span_status { GW_STATUS_UNSET = 0, GW_STATUS_OK = 1, GW_STATUS_ERROR = 2 } gw_span_status_t;

typedef struct gw_span_attr {
    const char *key; /* a string literal: not copied */
    bool is_int;
    int64_t i;
    char s[GW_SPAN_ATTR_STR];
} gw_span_attr_t;

/* One span record, fixed size so the queue copies it without allocating.
 * `ctx` is this span's own context (to give children and headers). */
typedef struct gw_span {
    gw_trace_ctx_t ctx;
    uint8_t parent[8]; /* zero: a root span */
    bool recording;    /* sampled and a tracer is on: gw_span_end queues it */
    uint8_t kind, status, nattrs, nlinks;
    int64_t start_ns, end_ns; /* unix time */
    char name[GW_SPAN_NAME_MAX];
    char state[GW_TRACESTATE_MAX + 1]; /* the tracestate this span carries */
    gw_span_attr_t attrs[GW_SPAN_ATTR_MAX];
    struct {
        uint8_t trace_id[16], span_id[8];
    } links[GW_SPAN_LINK_MAX];
} gw_span_t;

typedef struct gw_tracer gw_tracer_t;

/* Samplers of OTEL_TRACES_SAMPLER. */
typedef enum gw_sampler {
    GW_SAMPLER_ALWAYS_ON,
    GW_SAMPLER_ALWAYS_OFF,
    GW_SAMPLER_RATIO,
    GW_SAMPLER_PARENT_ON,
    GW_SAMPLER_PARENT_OFF,
    GW_SAMPLER_PARENT_RATIO,
} gw_sampler_t;

/* The sampler's OTEL_TRACES_SAMPLER name. */
const char *gw_sampler_name(gw_sampler_t s);

typedef struct gw_tracer_conf {
    const char *endpoint;     /* the full URL spans are POSTed to (http://host[:port]/path); NULL: off */
    const char *service_name; /* resource attribute service.name */
    gw_sampler_t sampler;
    double ratio;                                    /* for the *ratio samplers, 0..1 */
    int timeout_ms;                                  /* one export's bound; <= 0: 5000 */
    void (*log)(void *log_ctx, const char *message); /* export failures, from the exporter thread; may be NULL */
    void *log_ctx;
} gw_tracer_conf_t;

/* Fills c from the configuration's values and then the standard environment,
 * which wins as in OpenTelemetry SDKs: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * (used as is), else OTEL_EXPORTER_OTLP_ENDPOINT (+ "/v1/traces"), else
 * `endpoint` (a base URL as OTEL_EXPORTER_OTLP_ENDPOINT; NULL or "": none);
 * OTEL_SERVICE_NAME, else `service`; OTEL_TRACES_SAMPLER and
 * OTEL_TRACES_SAMPLER_ARG, else parentbased_traceidratio with `ratio`.
 * The URL is kept in `buf` (bufsize bytes). 0, or -1 with err (an unknown
 * sampler, a ratio outside 0..1, a URL that is not http://). */
int gw_tracer_conf_init(gw_tracer_conf_t *c, const char *endpoint, const char *service, double ratio, char *buf,
                        size_t bufsize, char *err, size_t errlen);

/* A tracer exporting to c->endpoint, with its exporter thread started; NULL
 * with err[0] == '\0' when c->endpoint is NULL (tracing off), NULL with err
 * on failure. */
gw_tracer_t *gw_tracer_new(const gw_tracer_conf_t *c, char *err, size_t errlen);

/* Exports what is queued (one last attempt, bounded by the timeout), stops
 * the thread, frees. NULL is fine. */
void gw_tracer_free(gw_tracer_t *t);

/* Counters for /metrics (0 for NULL): spans exported (the receiver answered
 * 2xx) and dropped (queue full, or their export failed). */
uint64_t gw_tracer_exported(const gw_tracer_t *t);
uint64_t gw_tracer_dropped(const gw_tracer_t *t);
/* The endpoint spans go to, or NULL. */
const char *gw_tracer_endpoint(const gw_tracer_t *t);

/* Starts span s named `name`: a child of `parent` when it is a valid
 * context (the sampler then follows its flag as configured), else the root
 * of a new trace. With t NULL: s->recording is false and s->ctx is zeroed
 * (nothing to propagate). The parent's tracestate is carried on. */
void gw_span_start(gw_tracer_t *t, gw_span_t *s, const char *name, gw_span_kind_t kind, const gw_trace_ctx_t *parent);
void gw_span_attr_str(gw_span_t *s, const char *key, const char *v, size_t len);
void gw_span_attr_int(gw_span_t *s, const char *key, int64_t v);
void gw_span_link(gw_span_t *s, const gw_trace_ctx_t *to);
/* Ends s now and queues it when recording (drop counted when full). Ends once: a
 * second call does nothing. */
void gw_span_end(gw_tracer_t *t, gw_span_t *s, gw_span_status_t status);

/* The context of s with its tracestate pointing into s. */
static inline gw_trace_ctx_t gw_span_ctx(const gw_span_t *s)
{
    gw_trace_ctx_t c = s->ctx;
    c.state = s->state;
    c.state_len = c.state[0] ? strlen(s->state) : 0;
    return c;
}

/* The OTLP/JSON body (ExportTraceServiceRequest) for n spans of `service`:
 * malloc'd, NUL-terminated, *len its length; NULL when out of memory. */
char *gw_trace_otlp_json(const char *service, const gw_span_t *spans, size_t n, size_t *len);

/* Unix time in nanoseconds. */
int64_t gw_trace_now_ns(void);

/* Fills n random bytes from this thread's generator (never all zero for n >= 8). */
void gw_trace_random(uint8_t *out, size_t n);

#endif
