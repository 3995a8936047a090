/*
 * fair.c — the per-client table behind fairness.* (see fair.h): address
 * parsing, the trusted-proxy walk, a keyed hash table of fixed size with an
 * LRU list of idle entries, concurrency counts and token buckets.
 *
 * Entry numbers are 1-based (0 = none) so a zeroed link means "no entry"
 * and a ticket of 0 means "untracked". An entry is on the idle list exactly
 * when it holds nothing (conns == 0 && subs == 0); only idle entries are
 * ever reused, so a ticket stays valid until it is released.
 */
#include "fair.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

typedef struct fair_entry {
    gw_fair_addr_t key;
    uint32_t hnext;      /* next in its hash chain */
    uint32_t prev, next; /* idle LRU list (head: most recent) */
    uint32_t conns, subs;
    double login_tokens, mut_tokens;
    uint64_t login_ms, mut_ms; /* when the buckets were last refilled */
} fair_entry_t;

struct gw_fair {
    gw_fair_config_t cfg;
    gw_fair_cidr_t *trusted;
    gw_fair_cidr_t *exempt;
    bool off; /* every limit 0: nothing is tracked */
    uint64_t k0, k1;
    pthread_mutex_t mu;
    /* under mu */
    fair_entry_t *entries; /* [cap], entry n at entries[n - 1] */
    uint32_t *buckets;     /* [nbuckets] chain heads */
    uint32_t cap, nbuckets, used, free_head;
    uint32_t idle_head, idle_tail;
    /* any thread */
    _Atomic uint64_t refused[GW_FAIR_NLIMITS];
    _Atomic uint64_t untracked;
    _Atomic size_t clients;
};

static const char *const NAMES[GW_FAIR_NLIMITS] = {"connections", "subscriptions", "logins", "mutations"};
static const char *const KEYS[GW_FAIR_NLIMITS] = {"fairness.max_connections", "fairness.max_subscriptions",
                                                  "fairness.logins_per_minute", "fairness.mutations_per_second"};

const char *gw_fair_limit_name(gw_fair_limit_t l)
{
    return (unsigned)l < GW_FAIR_NLIMITS ? NAMES[l] : "?";
}

const char *gw_fair_limit_key(gw_fair_limit_t l)
{
    return (unsigned)l < GW_FAIR_NLIMITS ? KEYS[l] : "?";
}

/* ------------------------------------------------------------------------ */
/* Addresses                                                                */
/* ------------------------------------------------------------------------ */

static void set_v4(gw_fair_addr_t *a, const void *v4)
{
    memset(a->b, 0, 10);
    a->b[10] = a->b[11] = 0xff;
    memcpy(a->b + 12, v4, 4);
}

static bool is_v4(const gw_fair_addr_t *a)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->b, prefix, 12) == 0;
}

bool gw_fair_addr_parse(const char *s, size_t len, gw_fair_addr_t *out)
{
    char buf[64];
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return false;
    if (s[0] == '[') { /* [v6] or [v6]:port */
        const char *close = memchr(s, ']', len);
        if (close == NULL || (size_t)(close - s) - 1 >= sizeof buf)
            return false;
        size_t n = (size_t)(close - s) - 1;
        memcpy(buf, s + 1, n);
        buf[n] = '\0';
        struct in6_addr a6;
        if (inet_pton(AF_INET6, buf, &a6) != 1)
            return false;
        memcpy(out->b, &a6, 16);
        return true;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    struct in6_addr a6;
    if (inet_pton(AF_INET6, buf, &a6) == 1) {
        memcpy(out->b, &a6, 16);
        return true;
    }
    char *colon = strchr(buf, ':'); /* a.b.c.d:port */
    if (colon != NULL)
        *colon = '\0';
    struct in_addr a4;
    if (inet_pton(AF_INET, buf, &a4) != 1)
        return false;
    set_v4(out, &a4);
    return true;
}

bool gw_fair_addr_from_sockaddr(const struct sockaddr *sa, gw_fair_addr_t *out)
{
    if (sa->sa_family == AF_INET) {
        set_v4(out, &((const struct sockaddr_in *)sa)->sin_addr);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16); /* v4-mapped stays in the v4 form */
        return true;
    }
    return false;
}

static void mask(gw_fair_addr_t *a, unsigned bits)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned have = bits > i * 8 ? bits - i * 8 : 0;
        if (have < 8)
            a->b[i] &= (uint8_t)(0xff00 >> have);
    }
}

bool gw_fair_cidr_parse(const char *s, gw_fair_cidr_t *out)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (!gw_fair_addr_parse(s, alen, &out->addr))
        return false;
    bool v4 = is_v4(&out->addr) && strchr(s, '.') != NULL;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash != NULL) {
        char *end = NULL;
        unsigned long b = strtoul(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || b > max)
            return false;
        bits = (unsigned)b;
    }
    out->bits = v4 ? bits + 96 : bits;
    mask(&out->addr, out->bits);
    return true;
}

bool gw_fair_cidr_match(const gw_fair_cidr_t *c, const gw_fair_addr_t *a)
{
    gw_fair_addr_t m = *a;
    mask(&m, c->bits);
    return memcmp(m.b, c->addr.b, 16) == 0;
}

static bool in_list(const gw_fair_cidr_t *l, size_t n, const gw_fair_addr_t *a)
{
    for (size_t i = 0; i < n; i++)
        if (gw_fair_cidr_match(&l[i], a))
            return true;
    return false;
}

void gw_fair_client_of(const gw_fair_t *f, const gw_fair_addr_t *peer, const char *hdr, size_t hdrlen,
                       gw_fair_client_t *out)
{
    gw_fair_addr_t who = *peer;
    out->via_proxy = in_list(f->trusted, f->cfg.ntrusted_proxies, peer);
    if (out->via_proxy && hdr != NULL) {
        /* rightmost first: what the nearest proxy appended is what it saw */
        size_t end = hdrlen;
        while (end > 0) {
            size_t start = end;
            while (start > 0 && hdr[start - 1] != ',')
                start--;
            gw_fair_addr_t a;
            if (!gw_fair_addr_parse(hdr + start, end - start, &a))
                break;
            who = a;
            if (!in_list(f->trusted, f->cfg.ntrusted_proxies, &a))
                break;
            end = start > 0 ? start - 1 : 0;
        }
    }
    out->exempt = f->off || in_list(f->exempt, f->cfg.nexempt, &who);
    if (!is_v4(&who))
        mask(&who, 64);
    out->key = who;
}

/* ------------------------------------------------------------------------ */
/* SipHash-2-4 of a 16-byte key                                             */
/* ------------------------------------------------------------------------ */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                                       \
    do {                                                                                                               \
        v0 += v1;                                                                                                      \
        v1 = ROTL(v1, 13);                                                                                             \
        v1 ^= v0;                                                                                                      \
        v0 = ROTL(v0, 32);                                                                                             \
        v2 += v3;                                                                                                      \
        v3 = ROTL(v3, 16);                                                                                             \
        v3 ^= v2;                                                                                                      \
        v0 += v3;                                                                                                      \
        v3 = ROTL(v3, 21);                                                                                             \
        v3 ^= v0;                                                                                                      \
        v2 += v1;                                                                                                      \
        v1 = ROTL(v1, 17);                                                                                             \
        v1 ^= v2;                                                                                                      \
        v2 = ROTL(v2, 32);                                                                                             \
    } while (0)

static uint64_t siphash16(uint64_t k0, uint64_t k1, const gw_fair_addr_t *a)
{
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    uint64_t m[2];
    memcpy(m, a->b, 16);
    for (int i = 0; i < 2; i++) {
        v3 ^= m[i];
        SIPROUND;
        SIPROUND;
        v0 ^= m[i];
    }
    uint64_t b = (uint64_t)16 << 56;
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ------------------------------------------------------------------------ */
/* The table                                                                */
/* ------------------------------------------------------------------------ */

static fair_entry_t *E(gw_fair_t *f, uint32_t n)
{
    return &f->entries[n - 1];
}

static void idle_unlink(gw_fair_t *f, uint32_t n)
{
    fair_entry_t *e = E(f, n);
    if (e->prev)
        E(f, e->prev)->next = e->next;
    else
        f->idle_head = e->next;
    if (e->next)
        E(f, e->next)->prev = e->prev;
    else
        f->idle_tail = e->prev;
    e->prev = e->next = 0;
}

static void idle_push(gw_fair_t *f, uint32_t n)
{
    fair_entry_t *e = E(f, n);
    e->prev = 0;
    e->next = f->idle_head;
    if (f->idle_head)
        E(f, f->idle_head)->prev = n;
    else
        f->idle_tail = n;
    f->idle_head = n;
}

static bool held(const fair_entry_t *e)
{
    return e->conns > 0 || e->subs > 0;
}

static uint32_t bucket_of(gw_fair_t *f, const gw_fair_addr_t *a)
{
    return (uint32_t)(siphash16(f->k0, f->k1, a) & (f->nbuckets - 1));
}

static void chain_remove(gw_fair_t *f, uint32_t n)
{
    uint32_t *p = &f->buckets[bucket_of(f, &E(f, n)->key)];
    while (*p != n)
        p = &E(f, *p)->hnext;
    *p = E(f, n)->hnext;
}

/* The entry of `a`, made (full buckets) when absent: its number, or 0 when
 * every entry is held. Under mu. */
static uint32_t lookup(gw_fair_t *f, const gw_fair_addr_t *a, uint64_t now_ms)
{
    uint32_t b = bucket_of(f, a);
    for (uint32_t n = f->buckets[b]; n; n = E(f, n)->hnext)
        if (memcmp(E(f, n)->key.b, a->b, 16) == 0) {
            if (!held(E(f, n)) && f->idle_head != n) {
                idle_unlink(f, n);
                idle_push(f, n);
            }
            return n;
        }
    uint32_t n;
    if (f->free_head) {
        n = f->free_head;
        f->free_head = E(f, n)->hnext;
    } else if (f->used < f->cap) {
        n = ++f->used;
    } else if (f->idle_tail) {
        n = f->idle_tail; /* the least recently seen idle client */
        idle_unlink(f, n);
        chain_remove(f, n);
        atomic_fetch_sub_explicit(&f->clients, 1, memory_order_relaxed);
    } else {
        return 0;
    }
    fair_entry_t *e = E(f, n);
    *e = (fair_entry_t){0};
    e->key = *a;
    e->login_tokens = (double)f->cfg.logins_per_minute;
    e->mut_tokens = (double)f->cfg.mutations_burst;
    e->login_ms = e->mut_ms = now_ms;
    e->hnext = f->buckets[b];
    f->buckets[b] = n;
    idle_push(f, n);
    atomic_fetch_add_explicit(&f->clients, 1, memory_order_relaxed);
    return n;
}

static uint64_t now_ms_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool gw_fair_acquire(gw_fair_t *f, const gw_fair_client_t *c, gw_fair_limit_t which, uint32_t *ticket)
{
    *ticket = 0;
    size_t max = which == GW_FAIR_CONNECTIONS ? f->cfg.max_connections : f->cfg.max_subscriptions;
    if (c->exempt || max == 0)
        return true;
    pthread_mutex_lock(&f->mu);
    uint32_t n = lookup(f, &c->key, now_ms_mono());
    bool ok = true;
    if (n == 0) {
        atomic_fetch_add_explicit(&f->untracked, 1, memory_order_relaxed);
    } else {
        fair_entry_t *e = E(f, n);
        uint32_t *count = which == GW_FAIR_CONNECTIONS ? &e->conns : &e->subs;
        if (*count >= max) {
            ok = false;
        } else {
            if (!held(e))
                idle_unlink(f, n);
            (*count)++;
            *ticket = n;
        }
    }
    pthread_mutex_unlock(&f->mu);
    if (!ok)
        atomic_fetch_add_explicit(&f->refused[which], 1, memory_order_relaxed);
    return ok;
}

void gw_fair_release(gw_fair_t *f, uint32_t ticket, gw_fair_limit_t which)
{
    if (ticket == 0 || ticket > f->cap)
        return;
    pthread_mutex_lock(&f->mu);
    fair_entry_t *e = E(f, ticket);
    uint32_t *count = which == GW_FAIR_CONNECTIONS ? &e->conns : &e->subs;
    if (*count > 0) {
        (*count)--;
        if (!held(e))
            idle_push(f, ticket);
    }
    pthread_mutex_unlock(&f->mu);
}

/* Refills a bucket of `size` tokens at `per_ms` tokens per ms. */
static void refill(double *tokens, uint64_t *at, uint64_t now, double per_ms, double size)
{
    if (now > *at) {
        *tokens += (double)(now - *at) * per_ms;
        if (*tokens > size)
            *tokens = size;
        *at = now;
    }
}

bool gw_fair_take(gw_fair_t *f, const gw_fair_client_t *c, unsigned logins, unsigned mutations, uint64_t now_ms,
                  gw_fair_limit_t *which, uint32_t *retry_after_s)
{
    if (c->exempt)
        return true;
    if (f->cfg.logins_per_minute == 0)
        logins = 0;
    if (f->cfg.mutations_per_second == 0)
        mutations = 0;
    if (logins == 0 && mutations == 0)
        return true;
    double lsize = (double)f->cfg.logins_per_minute, lrate = lsize / 60000.0;
    double msize = (double)f->cfg.mutations_burst, mrate = (double)f->cfg.mutations_per_second / 1000.0;
    bool ok = true;
    double wait_ms = 0;
    pthread_mutex_lock(&f->mu);
    uint32_t n = lookup(f, &c->key, now_ms);
    if (n == 0) {
        atomic_fetch_add_explicit(&f->untracked, 1, memory_order_relaxed);
    } else {
        fair_entry_t *e = E(f, n);
        if (logins) {
            refill(&e->login_tokens, &e->login_ms, now_ms, lrate, lsize);
            if (e->login_tokens < logins) {
                ok = false;
                *which = GW_FAIR_LOGINS;
                wait_ms = ((double)logins - e->login_tokens) / lrate;
                if (logins > lsize)
                    wait_ms = lsize / lrate;
            }
        }
        if (ok && mutations) {
            refill(&e->mut_tokens, &e->mut_ms, now_ms, mrate, msize);
            if (e->mut_tokens < mutations) {
                ok = false;
                *which = GW_FAIR_MUTATIONS;
                wait_ms = ((double)mutations - e->mut_tokens) / mrate;
                if (mutations > msize) /* never fits: the time the bucket takes to fill */
                    wait_ms = msize / mrate;
            }
        }
        if (ok) {
            e->login_tokens -= logins;
            e->mut_tokens -= mutations;
        }
    }
    pthread_mutex_unlock(&f->mu);
    if (!ok) {
        *retry_after_s = (uint32_t)((wait_ms + 999.0) / 1000.0);
        if (*retry_after_s == 0)
            *retry_after_s = 1;
        atomic_fetch_add_explicit(&f->refused[*which], 1, memory_order_relaxed);
    }
    return ok;
}

size_t gw_fair_clients(const gw_fair_t *f)
{
    return atomic_load_explicit(&f->clients, memory_order_relaxed);
}

uint64_t gw_fair_refused(const gw_fair_t *f, gw_fair_limit_t which)
{
    return atomic_load_explicit(&f->refused[which], memory_order_relaxed);
}

void gw_fair_render_metrics(gql_buf_t *out, void *data)
{
    const gw_fair_t *f = data;
    gql_buf_puts(out, "# HELP gateway_fairness_refused_total Requests, connections and operations refused because "
                      "their client was over a fairness limit.\n# TYPE gateway_fairness_refused_total counter\n");
    for (int i = 0; i < GW_FAIR_NLIMITS; i++)
        gql_buf_printf(out, "gateway_fairness_refused_total{limit=\"%s\"} %llu\n", NAMES[i],
                       (unsigned long long)gw_fair_refused(f, (gw_fair_limit_t)i));
    gql_buf_printf(out,
                   "# HELP gateway_fairness_clients Clients in the fairness table (at most fairness.max_clients).\n"
                   "# TYPE gateway_fairness_clients gauge\ngateway_fairness_clients %zu\n",
                   gw_fair_clients(f));
    gql_buf_printf(out,
                   "# HELP gateway_fairness_untracked_total Checks served untracked because every table entry "
                   "was held.\n# TYPE gateway_fairness_untracked_total counter\ngateway_fairness_untracked_total "
                   "%llu\n",
                   (unsigned long long)atomic_load_explicit(&f->untracked, memory_order_relaxed));
}

#define REFUSAL_BODY                                                                                                   \
    "{\"errors\":[{\"message\":\"Too many connections from this client (fairness.max_connections)\","                  \
    "\"extensions\":{\"code\":\"RATE_LIMITED\",\"limit\":\"fairness.max_connections\",\"retryAfter\":1}}]}"

/* Content-Length is written out: the unit test checks it against the body. */
#define REFUSAL_BODY_LEN "178"
static const char REFUSAL[] =
    "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; charset=utf-8\r\n"
    "Connection: close\r\nRetry-After: 1\r\nContent-Length: " REFUSAL_BODY_LEN "\r\n\r\n" REFUSAL_BODY;
_Static_assert(sizeof REFUSAL_BODY - 1 == 178, "REFUSAL_BODY_LEN");

h2o_iovec_t gw_fair_refusal_response(void)
{
    return h2o_iovec_init(REFUSAL, sizeof REFUSAL - 1);
}

void gw_fair_error_json(const gw_fair_t *f, gw_fair_limit_t which, uint32_t retry_after_s, bool array_only,
                        gql_buf_t *out)
{
    const gw_fair_config_t *c = &f->cfg;
    char msg[200];
    switch (which) {
    case GW_FAIR_CONNECTIONS:
        snprintf(msg, sizeof msg, "Too many connections from this client: at most %zu", c->max_connections);
        break;
    case GW_FAIR_SUBSCRIPTIONS:
        snprintf(msg, sizeof msg, "Too many subscriptions from this client: at most %zu", c->max_subscriptions);
        break;
    case GW_FAIR_LOGINS:
        snprintf(msg, sizeof msg, "Too many logins from this client: at most %llu per minute",
                 (unsigned long long)c->logins_per_minute);
        break;
    default:
        snprintf(msg, sizeof msg, "Too many mutations from this client: at most %llu per second",
                 (unsigned long long)c->mutations_per_second);
        break;
    }
    if (!array_only)
        gql_buf_puts(out, "{\"errors\":");
    gql_buf_printf(out,
                   "[{\"message\":\"%s (%s); retry after %u s\",\"extensions\":{\"code\":\"RATE_LIMITED\","
                   "\"limit\":\"%s\",\"retryAfter\":%u}}]",
                   msg, KEYS[which], retry_after_s, KEYS[which], retry_after_s);
    if (!array_only)
        gql_buf_putc(out, '}');
}

bool gw_fair_admit(void *data, h2o_socket_t *sock, uint32_t *ticket, h2o_iovec_t *refusal)
{
    gw_fair_t *f = data;
    *ticket = 0;
    if (f->cfg.max_connections == 0)
        return true;
    struct sockaddr_storage ss;
    gw_fair_addr_t peer;
    if (h2o_socket_getpeername(sock, (struct sockaddr *)&ss) == 0 ||
        !gw_fair_addr_from_sockaddr((struct sockaddr *)&ss, &peer))
        return true; /* a Unix socket or an unknown family: no client to count */
    gw_fair_client_t c;
    gw_fair_client_of(f, &peer, NULL, 0, &c);
    if (c.via_proxy) /* counted per proxied client at upgrade (WebSocket, SSE) */
        return true;
    if (gw_fair_acquire(f, &c, GW_FAIR_CONNECTIONS, ticket))
        return true;
    *refusal = gw_fair_refusal_response();
    return false;
}

void gw_fair_admit_release(void *data, uint32_t ticket)
{
    gw_fair_release(data, ticket, GW_FAIR_CONNECTIONS);
}

/* ------------------------------------------------------------------------ */
/* Life                                                                     */
/* ------------------------------------------------------------------------ */

static bool parse_list(const char *const *in, size_t n, gw_fair_cidr_t **out, const char *key, char *err, size_t errlen)
{
    *out = calloc(n ? n : 1, sizeof **out);
    if (*out == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!gw_fair_cidr_parse(in[i], &(*out)[i])) {
            snprintf(err, errlen, "%s[%zu]: \"%s\" is not an address or CIDR prefix (e.g. 10.0.0.0/8, ::1/128)", key, i,
                     in[i]);
            return false;
        }
    return true;
}

gw_fair_t *gw_fair_new(const gw_fair_config_t *cfg, char *err, size_t errlen)
{
    gw_fair_t *f = calloc(1, sizeof *f);
    if (f == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->cfg = *cfg;
    if (f->cfg.mutations_burst < f->cfg.mutations_per_second)
        f->cfg.mutations_burst = f->cfg.mutations_per_second;
    f->off = cfg->max_connections == 0 && cfg->max_subscriptions == 0 && cfg->logins_per_minute == 0 &&
             cfg->mutations_per_second == 0;
    pthread_mutex_init(&f->mu, NULL);
    if (!parse_list(cfg->trusted_proxies, cfg->ntrusted_proxies, &f->trusted, "fairness.trusted_proxies", err,
                    errlen) ||
        !parse_list(cfg->exempt, cfg->nexempt, &f->exempt, "fairness.exempt", err, errlen)) {
        gw_fair_free(f);
        return NULL;
    }
    size_t cap = cfg->max_clients ? cfg->max_clients : 1;
    if (cap > UINT32_MAX / 2)
        cap = UINT32_MAX / 2;
    f->cap = (uint32_t)cap;
    f->nbuckets = 1;
    while (f->nbuckets < f->cap)
        f->nbuckets <<= 1;
    f->entries = calloc(f->cap, sizeof *f->entries);
    f->buckets = calloc(f->nbuckets, sizeof *f->buckets);
    uint64_t seed[2] = {0, 0};
    if (f->entries == NULL || f->buckets == NULL) {
        snprintf(err, errlen, "out of memory (fairness.max_clients %zu)", cap);
        gw_fair_free(f);
        return NULL;
    }
    if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        /* no entropy: still a working table, only predictable */
        seed[0] = (uint64_t)now_ms_mono() * 0x9e3779b97f4a7c15ULL;
        seed[1] = (uint64_t)(uintptr_t)f;
    }
    f->k0 = seed[0];
    f->k1 = seed[1];
    return f;
}

void gw_fair_free(gw_fair_t *f)
{
    if (f == NULL)
        return;
    pthread_mutex_destroy(&f->mu);
    free(f->entries);
    free(f->buckets);
    free(f->trusted);
    free(f->exempt);
    free(f);
}

const gw_fair_config_t *gw_fair_config(const gw_fair_t *f)
{
    return &f->cfg;
}
