/*
 * fair.h — fair shares per client: who a client is (its IP address, an
 * IPv6 /64 prefix, or — behind a trusted proxy — the address a configured
 * header names) and the table of what each client holds and may still do.
 *
 * Four limits (fairness.* in the configuration, 0 = off):
 *   connections    concurrent connections (HTTP, WebSocket, SSE)
 *   subscriptions  concurrent subscriptions over all its connections
 *   logins         login/registration fields per minute (token bucket)
 *   mutations      other command fields per second (token bucket with burst)
 * Concurrency is held and released (gw_fair_acquire / gw_fair_release with
 * a ticket); rates are taken (gw_fair_take). Clients in fairness.exempt
 * (loopback by default) are never limited nor tracked.
 *
 * The table: a fixed number of entries (fairness.max_clients, allocated once:
 * sizeof(entry) = 72 bytes each plus 4 bytes per hash bucket, so 65,536
 * clients cost 4.9 MB and no more, whatever addresses arrive), looked up by
 * a keyed hash (SipHash-2-4, seeded from getrandom at start) so an attacker
 * cannot aim at one chain. An entry holding connections or subscriptions
 * stays; idle ones are kept in LRU order and the least recently seen is
 * reused when the table is full (its buckets then start full again: an
 * evicted client gets at most a fresh burst). When every entry is held
 * (more concurrent clients than entries) a new client is served untracked
 * and counted in gateway_fairness_untracked_total.
 *
 * Threads: any thread; one mutex over the table, held for a lookup and a
 * few additions (measured in bench/fair/). The configuration is read-only.
 *
 * Ownership: main makes the gw_fair_t (gw_fair_new) before the server runs
 * and frees it after. Tickets are entry numbers: a ticket of 0 means
 * "untracked" and releasing it does nothing.
 */
#ifndef GW_FAIR_H
#define GW_FAIR_H

#include <h2o.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gql.h"

typedef struct gw_fair gw_fair_t;

typedef enum gw_fair_limit {
    GW_FAIR_CONNECTIONS = 0,
    GW_FAIR_SUBSCRIPTIONS,
    GW_FAIR_LOGINS,
    GW_FAIR_MUTATIONS,
    GW_FAIR_NLIMITS,
} gw_fair_limit_t;

/* fairness.* (strings borrowed from the configuration). */
typedef struct gw_fair_config {
    size_t max_connections;        /* per client, concurrent; 0: off */
    size_t max_subscriptions;      /* per client, concurrent; 0: off */
    uint64_t logins_per_minute;    /* per client; 0: off */
    uint64_t mutations_per_second; /* per client; 0: off */
    uint64_t mutations_burst;      /* bucket size (at least mutations_per_second) */
    size_t max_clients;            /* table entries */
    const char *client_header;     /* e.g. "X-Forwarded-For"; NULL: none */
    const char *const *trusted_proxies;
    size_t ntrusted_proxies;
    const char *const *exempt;
    size_t nexempt;
} gw_fair_config_t;

/* An address: IPv6, or IPv4 as ::ffff:a.b.c.d. */
typedef struct gw_fair_addr {
    uint8_t b[16];
} gw_fair_addr_t;

/* Who a request or connection belongs to. */
typedef struct gw_fair_client {
    gw_fair_addr_t key; /* the client's address, IPv6 cut to its /64 */
    bool exempt;        /* not limited (fairness.exempt), or fairness off */
    bool via_proxy;     /* the peer is a trusted proxy: its connection is not the client's own */
} gw_fair_client_t;

/* "connections", "subscriptions", "logins", "mutations" (the metric label). */
const char *gw_fair_limit_name(gw_fair_limit_t l);
/* The configuration key of a limit, e.g. "fairness.max_connections". */
const char *gw_fair_limit_key(gw_fair_limit_t l);

/* ------------------------------------------------------------------------ */
/* Addresses (no table: pure functions)                                     */
/* ------------------------------------------------------------------------ */

/* An IP literal of len bytes ("192.0.2.1", "2001:db8::1", "[2001:db8::1]",
 * with a ":port" after an IPv4 or a bracketed IPv6). True when it is one. */
bool gw_fair_addr_parse(const char *s, size_t len, gw_fair_addr_t *out);
/* From a socket address (AF_INET, AF_INET6; a v4-mapped IPv6 is IPv4). */
bool gw_fair_addr_from_sockaddr(const struct sockaddr *sa, gw_fair_addr_t *out);

/* A CIDR prefix ("10.0.0.0/8", "::1/128", or an address alone). */
typedef struct gw_fair_cidr {
    gw_fair_addr_t addr; /* masked */
    unsigned bits;       /* over the 128-bit form (IPv4 prefixes + 96) */
} gw_fair_cidr_t;
bool gw_fair_cidr_parse(const char *s, gw_fair_cidr_t *out);
bool gw_fair_cidr_match(const gw_fair_cidr_t *c, const gw_fair_addr_t *a);

/* ------------------------------------------------------------------------ */
/* The table                                                                */
/* ------------------------------------------------------------------------ */

/* The table for `cfg` (copied; its strings must outlive the table). NULL
 * with a message in err (a bad CIDR, out of memory). */
gw_fair_t *gw_fair_new(const gw_fair_config_t *cfg, char *err, size_t errlen);
void gw_fair_free(gw_fair_t *f);
const gw_fair_config_t *gw_fair_config(const gw_fair_t *f);

/* Who a request from `peer` is: when peer is a trusted proxy and `hdr`
 * (the client_header's value, may be NULL) names addresses, the rightmost
 * one that is not a trusted proxy (a malformed entry stops the walk: the
 * last good address to its right is taken). */
void gw_fair_client_of(const gw_fair_t *f, const gw_fair_addr_t *peer, const char *hdr, size_t hdrlen,
                       gw_fair_client_t *out);

/* Holds one connection or subscription (`which`) for client c: true with
 * *ticket set (0 when untracked), false when the client is at its limit
 * (counted as a refusal). */
bool gw_fair_acquire(gw_fair_t *f, const gw_fair_client_t *c, gw_fair_limit_t which, uint32_t *ticket);
/* Gives back what gw_fair_acquire held (ticket 0: nothing). */
void gw_fair_release(gw_fair_t *f, uint32_t ticket, gw_fair_limit_t which);

/* Takes `logins` login tokens and `mutations` mutation tokens at now_ms (a
 * monotonic clock), all or none: true when taken; false with *which the
 * limit that refused and *retry_after_s when enough tokens will be back
 * (counted as a refusal). */
bool gw_fair_take(gw_fair_t *f, const gw_fair_client_t *c, unsigned logins, unsigned mutations, uint64_t now_ms,
                  gw_fair_limit_t *which, uint32_t *retry_after_s);

/* Clients tracked now. */
size_t gw_fair_clients(const gw_fair_t *f);
/* Refusals so far of one limit. */
uint64_t gw_fair_refused(const gw_fair_t *f, gw_fair_limit_t which);
/* Appends gateway_fairness_refused_total{limit=...},
 * gateway_fairness_clients and gateway_fairness_untracked_total (a
 * gw_metrics_fn: data is the gw_fair_t). */
void gw_fair_render_metrics(gql_buf_t *out, void *data);

/* A gw_admission_t's functions (server.h; data is the gw_fair_t): a new
 * connection from a direct client (not a trusted proxy, not exempt) holds
 * one of its connections until it closes; over the limit it gets
 * gw_fair_refusal_response(). */
bool gw_fair_admit(void *data, h2o_socket_t *sock, uint32_t *ticket, h2o_iovec_t *refusal);
void gw_fair_admit_release(void *data, uint32_t ticket);

/* The HTTP/1.1 response for a connection refused at accept (429, Retry-After,
 * a GraphQL-over-HTTP error naming fairness.max_connections; static). */
h2o_iovec_t gw_fair_refusal_response(void);

/* Writes {"errors":[{"message":...,"extensions":{"code":"RATE_LIMITED",
 * "limit":"fairness.KEY","retryAfter":S}}]} (or, with array_only, the
 * array alone) for a refusal of `which`. */
void gw_fair_error_json(const gw_fair_t *f, gw_fair_limit_t which, uint32_t retry_after_s, bool array_only,
                        gql_buf_t *out);

#endif
