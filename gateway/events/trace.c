/*
 * trace.c — W3C Trace Context (traceparent, tracestate), span ids, sampling,
 * span records and their OTLP/JSON encoding (trace.h). The queue and the
 * exporter thread are in trace_export.c.
 *
 * OTLP/JSON (opentelemetry-proto, docs/specification.md "JSON Protobuf
 * Encoding"): field names in lowerCamelCase, trace and span ids as hex strings
 * (not base64), enums as integers, 64-bit integers (times, intValue) as
 * decimal strings.
 */
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "trace_int.h"

/* ----------------------------------------------------------- traceparent */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* upper case is invalid (HEXDIGLC) */
}

/* n bytes from 2n lower-case hex digits; -1 on a bad digit. */
static int unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static bool all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

int gw_traceparent_parse(const char *s, size_t len, gw_trace_ctx_t *out)
{
    uint8_t version;
    if (s == NULL || len < GW_TRACEPARENT_LEN || unhex(s, &version, 1) != 0 || version == 0xff)
        return -1;
    if (version == 0 ? len != GW_TRACEPARENT_LEN : len > GW_TRACEPARENT_LEN && s[GW_TRACEPARENT_LEN] != '-')
        return -1;
    if (s[2] != '-' || s[35] != '-' || s[52] != '-')
        return -1;
    gw_trace_ctx_t c;
    memset(&c, 0, sizeof c);
    uint8_t flags;
    if (unhex(s + 3, c.trace_id, 16) != 0 || unhex(s + 36, c.span_id, 8) != 0 || unhex(s + 53, &flags, 1) != 0)
        return -1;
    if (all_zero(c.trace_id, 16) || all_zero(c.span_id, 8))
        return -1;
    c.flags = flags & GW_TRACE_SAMPLED; /* other bits: unknown to version 00, not propagated */
    *out = c;
    return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char D[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = D[b[i] >> 4];
        out[2 * i + 1] = D[b[i] & 15];
    }
}

size_t gw_traceparent_format(const gw_trace_ctx_t *c, char out[GW_TRACEPARENT_LEN + 1])
{
    memcpy(out, "00-", 3);
    hex(c->trace_id, 16, out + 3);
    out[35] = '-';
    hex(c->span_id, 8, out + 36);
    out[52] = '-';
    hex(&c->flags, 1, out + 53);
    out[55] = '\0';
    return GW_TRACEPARENT_LEN;
}

size_t gw_tracestate_keep(const char *s, size_t len)
{
    if (s == NULL)
        return 0;
    size_t members = 0, keep = 0;
    bool in_member = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch > 0x7e)
            return 0;
        if (ch == ',') {
            if (in_member && i <= GW_TRACESTATE_MAX)
                keep = i; /* whole members up to here fit */
            in_member = false;
        } else if (ch != ' ' && ch != '\t' && !in_member) {
            in_member = true;
            members++;
        }
    }
    if (members > GW_TRACESTATE_MEMBERS)
        return 0;
    if (len <= GW_TRACESTATE_MAX)
        keep = len;
    while (keep > 0 && (s[keep - 1] == ' ' || s[keep - 1] == '\t' || s[keep - 1] == ','))
        keep--;
    return keep;
}

/* ------------------------------------------------------------------- ids */

/* ChaCha20 (RFC 8439) as a generator: a 256-bit key from getrandom, a
 * 64-bit block counter, 64 bytes per block. One per thread. */
typedef struct rng {
    uint32_t key[8];
    uint64_t counter;
    uint8_t block[64];
    size_t used; /* bytes of block handed out; 64: none left */
    bool seeded;
} rng_t;

static _Thread_local rng_t tl_rng;

#define ROTL(a, b) (((a) << (b)) | ((a) >> (32 - (b))))
#define QR(a, b, c, d)                                                                                                 \
    (a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), a += b, d ^= a, d = ROTL(d, 8), c += d, b ^= c, \
     b = ROTL(b, 7))

static void chacha_block(rng_t *r)
{
    uint32_t in[16] = {0x61707865,
                       0x3320646e,
                       0x79622d32,
                       0x6b206574,
                       r->key[0],
                       r->key[1],
                       r->key[2],
                       r->key[3],
                       r->key[4],
                       r->key[5],
                       r->key[6],
                       r->key[7],
                       (uint32_t)r->counter,
                       (uint32_t)(r->counter >> 32),
                       0,
                       0};
    uint32_t x[16];
    memcpy(x, in, sizeof x);
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + in[i];
        r->block[4 * i] = (uint8_t)v;
        r->block[4 * i + 1] = (uint8_t)(v >> 8);
        r->block[4 * i + 2] = (uint8_t)(v >> 16);
        r->block[4 * i + 3] = (uint8_t)(v >> 24);
    }
    r->counter++;
    r->used = 0;
}

static void rng_seed(rng_t *r)
{
    size_t got = 0;
    uint8_t *k = (uint8_t *)r->key;
    while (got < sizeof r->key) {
        ssize_t n = getrandom(k + got, sizeof r->key - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0) {
            /* no entropy source (a very old kernel): the clock and the
             * thread's address, good enough for ids that need only be unique */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t v[4] = {(uint64_t)ts.tv_nsec, (uint64_t)ts.tv_sec, (uint64_t)(uintptr_t)r, (uint64_t)clock()};
            memcpy(r->key, v, sizeof v);
            break;
        }
    }
    r->counter = 0;
    r->used = 64;
    r->seeded = true;
}

void gw_trace_random(uint8_t *out, size_t n)
{
    rng_t *r = &tl_rng;
    if (!r->seeded)
        rng_seed(r);
    do {
        for (size_t i = 0; i < n; i++) {
            if (r->used == 64)
                chacha_block(r);
            out[i] = r->block[r->used++];
        }
    } while (n >= 8 && all_zero(out, n));
}

int64_t gw_trace_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* -------------------------------------------------------------- sampling */

/* TraceIdRatioBased: the trace id's last 8 bytes as a number below
 * ratio * 2^64 (the same decision in every process of the trace). */
static bool ratio_says(const uint8_t id[16], double ratio)
{
    if (ratio >= 1)
        return true;
    if (ratio <= 0)
        return false;
    uint64_t v = 0;
    for (int i = 8; i < 16; i++)
        v = v << 8 | id[i];
    return (double)(v >> 11) < ratio * (double)(1ULL << 53);
}

bool gw__trace_sample(const gw_tracer_conf_t *c, const gw_trace_ctx_t *parent, const uint8_t trace_id[16])
{
    bool has_parent = gw_trace_ctx_valid(parent);
    bool parent_sampled = has_parent && (parent->flags & GW_TRACE_SAMPLED);
    switch (c->sampler) {
    case GW_SAMPLER_ALWAYS_ON:
        return true;
    case GW_SAMPLER_ALWAYS_OFF:
        return false;
    case GW_SAMPLER_RATIO:
        return ratio_says(trace_id, c->ratio);
    case GW_SAMPLER_PARENT_ON:
        return has_parent ? parent_sampled : true;
    case GW_SAMPLER_PARENT_OFF:
        return has_parent ? parent_sampled : false;
    case GW_SAMPLER_PARENT_RATIO:
        return has_parent ? parent_sampled : ratio_says(trace_id, c->ratio);
    }
    return false;
}

/* ----------------------------------------------------------------- spans */

void gw_span_start(gw_tracer_t *t, gw_span_t *s, const char *name, gw_span_kind_t kind, const gw_trace_ctx_t *parent)
{
    s->recording = false;
    s->nattrs = s->nlinks = 0;
    s->status = GW_STATUS_UNSET;
    s->state[0] = '\0';
    memset(&s->ctx, 0, sizeof s->ctx);
    memset(s->parent, 0, sizeof s->parent);
    if (t == NULL)
        return;
    const gw_tracer_conf_t *c = gw__tracer_conf(t);
    if (gw_trace_ctx_valid(parent)) {
        memcpy(s->ctx.trace_id, parent->trace_id, 16);
        memcpy(s->parent, parent->span_id, 8);
        if (parent->state != NULL && parent->state_len > 0 && parent->state_len <= GW_TRACESTATE_MAX) {
            memcpy(s->state, parent->state, parent->state_len);
            s->state[parent->state_len] = '\0';
        }
    } else {
        gw_trace_random(s->ctx.trace_id, 16);
        parent = NULL;
    }
    gw_trace_random(s->ctx.span_id, 8);
    s->recording = gw__trace_sample(c, parent, s->ctx.trace_id);
    s->ctx.flags = s->recording ? GW_TRACE_SAMPLED : 0;
    s->kind = (uint8_t)kind;
    size_t nl = strlen(name);
    if (nl >= sizeof s->name)
        nl = sizeof s->name - 1;
    memcpy(s->name, name, nl);
    s->name[nl] = '\0';
    s->start_ns = gw_trace_now_ns();
    s->end_ns = 0;
}

void gw_span_attr_str(gw_span_t *s, const char *key, const char *v, size_t len)
{
    if (!s->recording || s->nattrs >= GW_SPAN_ATTR_MAX || v == NULL)
        return;
    gw_span_attr_t *a = &s->attrs[s->nattrs++];
    a->key = key;
    a->is_int = false;
    if (len >= sizeof a->s)
        len = sizeof a->s - 1;
    memcpy(a->s, v, len);
    a->s[len] = '\0';
}

void gw_span_attr_int(gw_span_t *s, const char *key, int64_t v)
{
    if (!s->recording || s->nattrs >= GW_SPAN_ATTR_MAX)
        return;
    gw_span_attr_t *a = &s->attrs[s->nattrs++];
    a->key = key;
    a->is_int = true;
    a->i = v;
    a->s[0] = '\0';
}

void gw_span_link(gw_span_t *s, const gw_trace_ctx_t *to)
{
    if (!s->recording || s->nlinks >= GW_SPAN_LINK_MAX || !gw_trace_ctx_valid(to))
        return;
    memcpy(s->links[s->nlinks].trace_id, to->trace_id, 16);
    memcpy(s->links[s->nlinks].span_id, to->span_id, 8);
    s->nlinks++;
}

void gw_span_end(gw_tracer_t *t, gw_span_t *s, gw_span_status_t status)
{
    if (t == NULL || !s->recording)
        return;
    s->recording = false; /* ends once */
    s->end_ns = gw_trace_now_ns();
    s->status = (uint8_t)status;
    gw__tracer_push(t, s);
}

/* ------------------------------------------------------------- OTLP/JSON */

typedef struct jbuf {
    char *p;
    size_t len, cap;
    bool oom;
} jbuf_t;

static void jb_put(jbuf_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void jb_puts(jbuf_t *b, const char *s)
{
    jb_put(b, s, strlen(s));
}

static void jb_str(jbuf_t *b, const char *s)
{
    jb_put(b, "\"", 1);
    const char *run = s; /* bytes needing no escape are appended a run at a time */
    for (const unsigned char *p = (const unsigned char *)s;; p++) {
        if (*p != '\0' && *p != '"' && *p != '\\' && *p >= 0x20)
            continue;
        jb_put(b, run, (size_t)((const char *)p - run));
        if (*p == '\0')
            break;
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            jb_put(b, esc, 2);
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            jb_put(b, esc, 6);
        }
        run = (const char *)p + 1;
    }
    jb_put(b, "\"", 1);
}

static void jb_hex(jbuf_t *b, const uint8_t *id, size_t n)
{
    char h[33];
    hex(id, n, h);
    jb_put(b, "\"", 1);
    jb_put(b, h, 2 * n);
    jb_put(b, "\"", 1);
}

static void jb_i64(jbuf_t *b, int64_t v, bool quoted)
{
    char n[24];
    size_t k = sizeof n;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (quoted)
        n[--k] = '"';
    do {
        n[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        n[--k] = '-';
    if (quoted)
        n[--k] = '"';
    jb_put(b, n + k, sizeof n - k);
}

char *gw_trace_otlp_json(const char *service, const gw_span_t *spans, size_t n, size_t *len)
{
    jbuf_t b = {0};
    jb_puts(&b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{"
                "\"stringValue\":");
    jb_str(&b, service ? service : "unknown_service");
    jb_puts(&b, "}},{\"key\":\"telemetry.sdk.language\",\"value\":{\"stringValue\":\"c\"}}]},\"scopeSpans\":[{"
                "\"scope\":{\"name\":\"openbank-gateway\",\"version\":\"0.1.0\"},\"spans\":[");
    for (size_t i = 0; i < n; i++) {
        const gw_span_t *s = &spans[i];
        jb_puts(&b, i ? ",{\"traceId\":" : "{\"traceId\":");
        jb_hex(&b, s->ctx.trace_id, 16);
        jb_puts(&b, ",\"spanId\":");
        jb_hex(&b, s->ctx.span_id, 8);
        if (!all_zero(s->parent, 8)) {
            jb_puts(&b, ",\"parentSpanId\":");
            jb_hex(&b, s->parent, 8);
        }
        if (s->state[0] != '\0') {
            jb_puts(&b, ",\"traceState\":");
            jb_str(&b, s->state);
        }
        jb_puts(&b, ",\"flags\":");
        jb_i64(&b, s->ctx.flags, false); /* W3C trace flags; bits 8-9 (is_remote) left unset: unknown */
        jb_puts(&b, ",\"name\":");
        jb_str(&b, s->name);
        jb_puts(&b, ",\"kind\":");
        jb_i64(&b, s->kind, false);
        jb_puts(&b, ",\"startTimeUnixNano\":");
        jb_i64(&b, s->start_ns, true);
        jb_puts(&b, ",\"endTimeUnixNano\":");
        jb_i64(&b, s->end_ns, true);
        jb_puts(&b, ",\"attributes\":[");
        for (unsigned k = 0; k < s->nattrs; k++) {
            const gw_span_attr_t *a = &s->attrs[k];
            jb_puts(&b, k ? ",{\"key\":" : "{\"key\":");
            jb_str(&b, a->key);
            if (a->is_int) {
                jb_puts(&b, ",\"value\":{\"intValue\":");
                jb_i64(&b, a->i, true);
            } else {
                jb_puts(&b, ",\"value\":{\"stringValue\":");
                jb_str(&b, a->s);
            }
            jb_puts(&b, "}}");
        }
        jb_puts(&b, "],\"links\":[");
        for (unsigned k = 0; k < s->nlinks; k++) {
            jb_puts(&b, k ? ",{\"traceId\":" : "{\"traceId\":");
            jb_hex(&b, s->links[k].trace_id, 16);
            jb_puts(&b, ",\"spanId\":");
            jb_hex(&b, s->links[k].span_id, 8);
            jb_puts(&b, "}");
        }
        jb_puts(&b, "],\"status\":{\"code\":");
        jb_i64(&b, s->status, false);
        jb_puts(&b, "}}");
    }
    jb_puts(&b, "]}]}]}");
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
