/*
 * test_fair.c — the per-client table (gateway/runtime/fair.c) without a
 * server: address and CIDR parsing, IPv6 /64 grouping, the trusted-proxy
 * header walk, exemptions, concurrency holds, token buckets with a clock
 * the test drives, a bounded table under a spray of addresses (LRU reuse of
 * idle entries, held ones kept), and the refusal counters.
 *
 * With FAIR_BENCH=N in the environment it also times N checks (a take and
 * an acquire/release pair over a few thousand clients) and prints ns per
 * check; the numbers are not asserted (docs/security.md quotes them).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/fair.h"
#include "test.h"

static gw_fair_addr_t A(const char *s)
{
    gw_fair_addr_t a;
    memset(&a, 0xee, sizeof a);
    if (!gw_fair_addr_parse(s, strlen(s), &a))
        fprintf(stderr, "  (test) not an address: %s\n", s);
    return a;
}

static bool same(gw_fair_addr_t a, gw_fair_addr_t b)
{
    return memcmp(a.b, b.b, 16) == 0;
}

static gw_fair_config_t base(void)
{
    return (gw_fair_config_t){
        .max_connections = 2,
        .max_subscriptions = 3,
        .logins_per_minute = 6,
        .mutations_per_second = 10,
        .mutations_burst = 20,
        .max_clients = 64,
    };
}

static gw_fair_client_t client(gw_fair_t *f, const char *peer, const char *hdr)
{
    gw_fair_addr_t p = A(peer);
    gw_fair_client_t c;
    gw_fair_client_of(f, &p, hdr, hdr ? strlen(hdr) : 0, &c);
    return c;
}

TEST(addresses)
{
    gw_fair_addr_t a;
    ASSERT(gw_fair_addr_parse("192.0.2.1", 9, &a));
    ASSERT(same(a, A("::ffff:192.0.2.1")));
    ASSERT(gw_fair_addr_parse(" 192.0.2.1:8080 ", 16, &a));
    ASSERT(same(a, A("192.0.2.1")));
    ASSERT(gw_fair_addr_parse("[2001:db8::1]:443", 17, &a));
    ASSERT(same(a, A("2001:db8::1")));
    ASSERT(!gw_fair_addr_parse("unknown", 7, &a));
    ASSERT(!gw_fair_addr_parse("", 0, &a));
    ASSERT(!gw_fair_addr_parse("300.1.1.1", 9, &a));
    ASSERT(!gw_fair_addr_parse("[2001:db8::1", 12, &a));
    /* from sockets: a v4-mapped IPv6 peer is the IPv4 client */
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:10.1.2.3", &s6.sin6_addr);
    ASSERT(gw_fair_addr_from_sockaddr((struct sockaddr *)&s6, &a));
    ASSERT(same(a, A("10.1.2.3")));
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    inet_pton(AF_INET, "10.1.2.3", &s4.sin_addr);
    ASSERT(gw_fair_addr_from_sockaddr((struct sockaddr *)&s4, &a));
    ASSERT(same(a, A("10.1.2.3")));
}

static bool match(const gw_fair_cidr_t *c, const char *addr)
{
    gw_fair_addr_t a = A(addr);
    return gw_fair_cidr_match(c, &a);
}

TEST(cidrs)
{
    gw_fair_cidr_t c;
    ASSERT(gw_fair_cidr_parse("127.0.0.0/8", &c));
    EXPECT(match(&c, "127.200.0.1"));
    EXPECT(!match(&c, "128.0.0.1"));
    ASSERT(gw_fair_cidr_parse("::1/128", &c));
    EXPECT(match(&c, "::1"));
    EXPECT(!match(&c, "::2"));
    ASSERT(gw_fair_cidr_parse("10.0.0.7", &c)); /* an address alone is /32 */
    EXPECT(match(&c, "10.0.0.7"));
    EXPECT(!match(&c, "10.0.0.8"));
    ASSERT(gw_fair_cidr_parse("2001:db8::/32", &c));
    EXPECT(match(&c, "2001:db8:ffff::1"));
    EXPECT(!gw_fair_cidr_parse("10.0.0.0/33", &c));
    EXPECT(!gw_fair_cidr_parse("10.0.0.0/", &c));
    EXPECT(!gw_fair_cidr_parse("10.0.0.0/8x", &c));
    EXPECT(!gw_fair_cidr_parse("::/129", &c));
    EXPECT(!gw_fair_cidr_parse("example.com/8", &c));
}

TEST(ipv6_grouped_by_64)
{
    gw_fair_config_t cfg = base();
    char err[200];
    gw_fair_t *f = gw_fair_new(&cfg, err, sizeof err);
    ASSERT(f != NULL);
    gw_fair_client_t a = client(f, "2001:db8:1:2:aaaa::1", NULL);
    gw_fair_client_t b = client(f, "2001:db8:1:2:bbbb:cccc:dddd:eeee", NULL);
    gw_fair_client_t c = client(f, "2001:db8:1:3::1", NULL);
    EXPECT(same(a.key, b.key));
    EXPECT(!same(a.key, c.key));
    EXPECT(!a.exempt && !a.via_proxy);
    /* the same /64 shares the connection limit (2) */
    uint32_t t1, t2, t3;
    ASSERT(gw_fair_acquire(f, &a, GW_FAIR_CONNECTIONS, &t1));
    ASSERT(gw_fair_acquire(f, &b, GW_FAIR_CONNECTIONS, &t2));
    EXPECT(!gw_fair_acquire(f, &a, GW_FAIR_CONNECTIONS, &t3));
    EXPECT(gw_fair_acquire(f, &c, GW_FAIR_CONNECTIONS, &t3));
    ASSERT_EQ_INT(1, gw_fair_refused(f, GW_FAIR_CONNECTIONS));
    gw_fair_release(f, t1, GW_FAIR_CONNECTIONS);
    EXPECT(gw_fair_acquire(f, &b, GW_FAIR_CONNECTIONS, &t1));
    /* IPv4 addresses are never grouped */
    gw_fair_client_t v1 = client(f, "198.51.100.1", NULL), v2 = client(f, "198.51.100.2", NULL);
    EXPECT(!same(v1.key, v2.key));
    gw_fair_free(f);
}

TEST(header_and_proxies)
{
    gw_fair_config_t cfg = base();
    const char *trusted[] = {"10.0.0.0/8", "2001:db8:ffff::/48"};
    const char *exempt[] = {"127.0.0.0/8"};
    cfg.client_header = "X-Forwarded-For";
    cfg.trusted_proxies = trusted;
    cfg.ntrusted_proxies = 2;
    cfg.exempt = exempt;
    cfg.nexempt = 1;
    char err[200];
    gw_fair_t *f = gw_fair_new(&cfg, err, sizeof err);
    ASSERT(f != NULL);
    /* an untrusted peer's header is ignored */
    gw_fair_client_t c = client(f, "203.0.113.9", "198.51.100.1");
    EXPECT(same(c.key, A("203.0.113.9")) && !c.via_proxy);
    /* a trusted proxy: the rightmost untrusted entry (a client may forge the left part) */
    c = client(f, "10.1.1.1", "6.6.6.6, 198.51.100.1");
    EXPECT(same(c.key, A("198.51.100.1")) && c.via_proxy);
    /* proxies in the chain are skipped */
    c = client(f, "10.1.1.1", "198.51.100.1, 10.2.2.2,10.3.3.3");
    EXPECT(same(c.key, A("198.51.100.1")));
    /* every entry a proxy: the leftmost */
    c = client(f, "10.1.1.1", "10.9.9.9, 10.2.2.2");
    EXPECT(same(c.key, A("10.9.9.9")));
    /* a malformed entry stops the walk: the last good address right of it */
    c = client(f, "10.1.1.1", "198.51.100.1, garbage, 10.2.2.2");
    EXPECT(same(c.key, A("10.2.2.2")));
    c = client(f, "10.1.1.1", "garbage");
    EXPECT(same(c.key, A("10.1.1.1")) && c.via_proxy);
    /* no header from a proxy: the proxy itself */
    c = client(f, "10.1.1.1", NULL);
    EXPECT(same(c.key, A("10.1.1.1")) && c.via_proxy);
    /* bracketed IPv6 with a port, grouped by /64 */
    c = client(f, "10.1.1.1", "[2001:db8:5:6:7::1]:5555");
    EXPECT(same(c.key, A("2001:db8:5:6::")));
    /* exemption applies to the client, not the proxy */
    c = client(f, "10.1.1.1", "127.0.0.1");
    EXPECT(c.exempt);
    c = client(f, "127.0.0.1", NULL);
    EXPECT(c.exempt);
    c = client(f, "127.0.0.1", "198.51.100.1"); /* loopback is not a trusted proxy here */
    EXPECT(c.exempt && !c.via_proxy);
    gw_fair_free(f);

    /* a bad CIDR is refused with its key */
    const char *bad[] = {"10.0.0.0/8", "nope"};
    cfg.trusted_proxies = bad;
    f = gw_fair_new(&cfg, err, sizeof err);
    EXPECT(f == NULL);
    EXPECT(strstr(err, "fairness.trusted_proxies[1]") != NULL);
}

TEST(exempt_is_untracked)
{
    gw_fair_config_t cfg = base();
    const char *exempt[] = {"127.0.0.0/8", "::1/128"};
    cfg.exempt = exempt;
    cfg.nexempt = 2;
    char err[200];
    gw_fair_t *f = gw_fair_new(&cfg, err, sizeof err);
    ASSERT(f != NULL);
    gw_fair_client_t c = client(f, "::1", NULL);
    ASSERT(c.exempt);
    for (int i = 0; i < 1000; i++) {
        uint32_t t = 0;
        gw_fair_limit_t w = GW_FAIR_NLIMITS;
        uint32_t r = 0;
        ASSERT(gw_fair_acquire(f, &c, GW_FAIR_CONNECTIONS, &t));
        ASSERT_EQ_INT(0, t);
        ASSERT(gw_fair_take(f, &c, 1, 1, 0, &w, &r));
    }
    ASSERT_EQ_INT(0, gw_fair_clients(f));
    gw_fair_free(f);
    /* every limit 0: nobody is tracked */
    gw_fair_config_t off = {.max_clients = 8};
    f = gw_fair_new(&off, err, sizeof err);
    ASSERT(f != NULL);
    EXPECT(client(f, "198.51.100.1", NULL).exempt);
    gw_fair_free(f);
}

TEST(subscriptions_held_and_released)
{
    gw_fair_config_t cfg = base();
    char err[200];
    gw_fair_t *f = gw_fair_new(&cfg, err, sizeof err);
    ASSERT(f != NULL);
    gw_fair_client_t c = client(f, "198.51.100.7", NULL);
    uint32_t t[4];
    for (int i = 0; i < 3; i++)
        ASSERT(gw_fair_acquire(f, &c, GW_FAIR_SUBSCRIPTIONS, &t[i]));
    EXPECT(!gw_fair_acquire(f, &c, GW_FAIR_SUBSCRIPTIONS, &t[3]));
    ASSERT_EQ_INT(1, gw_fair_refused(f, GW_FAIR_SUBSCRIPTIONS));
    /* connections count apart */
    EXPECT(gw_fair_acquire(f, &c, GW_FAIR_CONNECTIONS, &t[3]));
    gw_fair_release(f, t[0], GW_FAIR_SUBSCRIPTIONS);
    EXPECT(gw_fair_acquire(f, &c, GW_FAIR_SUBSCRIPTIONS, &t[0]));
    gw_fair_release(f, 0, GW_FAIR_SUBSCRIPTIONS); /* untracked: nothing */
    gw_fair_free(f);
}

TEST(token_buckets)
{
    gw_fair_config_t cfg = base(); /* 6 logins/min; 10 mutations/s, burst 20 */
    char err[200];
    gw_fair_t *f = gw_fair_new(&cfg, err, sizeof err);
    ASSERT(f != NULL);
    gw_fair_client_t c = client(f, "198.51.100.8", NULL);
    gw_fair_limit_t w = GW_FAIR_NLIMITS;
    uint32_t r = 0;
    uint64_t now = 1000000;
    /* the burst, then a refusal */
    for (int i = 0; i < 20; i++)
        ASSERT(gw_fair_take(f, &c, 0, 1, now, &w, &r));
    EXPECT(!gw_fair_take(f, &c, 0, 1, now, &w, &r));
    ASSERT_EQ_INT(GW_FAIR_MUTATIONS, w);
    ASSERT_EQ_INT(1, r);
    /* 10 per second: after 500 ms, 5 more */
    now += 500;
    for (int i = 0; i < 5; i++)
        ASSERT(gw_fair_take(f, &c, 0, 1, now, &w, &r));
    EXPECT(!gw_fair_take(f, &c, 0, 1, now, &w, &r));
    /* all or none: 3 at once when 2 are there takes nothing */
    now += 200;
    EXPECT(!gw_fair_take(f, &c, 0, 3, now, &w, &r));
    EXPECT(gw_fair_take(f, &c, 0, 2, now, &w, &r));
    /* more than the burst never fits: Retry-After is the time to fill it */
    now += 100000;
    EXPECT(!gw_fair_take(f, &c, 0, 21, now, &w, &r));
    ASSERT_EQ_INT(2, r);
    /* logins: 6 per minute, then one every 10 s */
    for (int i = 0; i < 6; i++)
        ASSERT(gw_fair_take(f, &c, 1, 0, now, &w, &r));
    EXPECT(!gw_fair_take(f, &c, 1, 0, now, &w, &r));
    ASSERT_EQ_INT(GW_FAIR_LOGINS, w);
    ASSERT_EQ_INT(10, r);
    now += 10000;
    EXPECT(gw_fair_take(f, &c, 1, 0, now, &w, &r));
    /* a refused login takes no mutation token either */
    EXPECT(!gw_fair_take(f, &c, 1, 1, now, &w, &r));
    ASSERT_EQ_INT(GW_FAIR_LOGINS, w);
    EXPECT(gw_fair_take(f, &c, 0, 20, now, &w, &r));
    ASSERT_EQ_INT(4, gw_fair_refused(f, GW_FAIR_MUTATIONS));
    ASSERT_EQ_INT(2, gw_fair_refused(f, GW_FAIR_LOGINS));
    /* another client has its own buckets */
    gw_fair_client_t d = client(f, "198.51.100.9", NULL);
    EXPECT(gw_fair_take(f, &d, 1, 20, now, &w, &r));
    gw_fair_free(f);
}

TEST(bounded_table_under_spray)
{
    gw_fair_config_t cfg = base();
    cfg.max_clients = 16;
    char err[200];
    gw_fair_t *f = gw_fair_new(&cfg, err, sizeof err);
    ASSERT(f != NULL);
    gw_fair_limit_t w = GW_FAIR_NLIMITS;
    uint32_t r = 0;
    /* 8 clients hold a connection each */
    uint32_t held[8];
    for (int i = 0; i < 8; i++) {
        char s[64];
        snprintf(s, sizeof s, "2001:db8:0:%x::1", i);
        gw_fair_client_t c = client(f, s, NULL);
        ASSERT(gw_fair_acquire(f, &c, GW_FAIR_CONNECTIONS, &held[i]));
        ASSERT(held[i] != 0);
    }
    /* one idle client spent its burst */
    gw_fair_client_t victim = client(f, "198.51.100.50", NULL);
    for (int i = 0; i < 20; i++)
        ASSERT(gw_fair_take(f, &victim, 0, 1, 0, &w, &r));
    EXPECT(!gw_fair_take(f, &victim, 0, 1, 0, &w, &r));
    /* a spray of 100,000 IPv6 /64s: the table never grows past its bound */
    for (uint32_t i = 0; i < 100000; i++) {
        char s[64];
        snprintf(s, sizeof s, "2001:db8:%x:%x::1", 1 + (i >> 16), i & 0xffff);
        gw_fair_client_t c = client(f, s, NULL);
        ASSERT(gw_fair_take(f, &c, 0, 1, 0, &w, &r));
        ASSERT(gw_fair_clients(f) <= 16);
    }
    ASSERT_EQ_INT(16, gw_fair_clients(f));
    /* held entries survived: their counts still apply */
    for (int i = 0; i < 8; i++) {
        char s[64];
        snprintf(s, sizeof s, "2001:db8:0:%x::1", i);
        gw_fair_client_t c = client(f, s, NULL);
        uint32_t t2;
        ASSERT(gw_fair_acquire(f, &c, GW_FAIR_CONNECTIONS, &t2));
        ASSERT_EQ_INT(held[i], t2);
        uint32_t t3;
        EXPECT(!gw_fair_acquire(f, &c, GW_FAIR_CONNECTIONS, &t3)); /* max 2 */
        gw_fair_release(f, held[i], GW_FAIR_CONNECTIONS);
        gw_fair_release(f, t2, GW_FAIR_CONNECTIONS);
    }
    /* the idle victim was evicted: it starts with a full bucket again (documented) */
    EXPECT(gw_fair_take(f, &victim, 0, 1, 0, &w, &r));
    /* every entry held: a new client is served untracked */
    for (int i = 0; i < 16; i++) {
        char s[64];
        snprintf(s, sizeof s, "192.0.2.%d", i);
        gw_fair_client_t c = client(f, s, NULL);
        uint32_t t;
        ASSERT(gw_fair_acquire(f, &c, GW_FAIR_SUBSCRIPTIONS, &t));
        ASSERT(t != 0);
    }
    gw_fair_client_t late = client(f, "192.0.2.200", NULL);
    uint32_t t;
    EXPECT(gw_fair_acquire(f, &late, GW_FAIR_CONNECTIONS, &t));
    ASSERT_EQ_INT(0, t);
    gql_buf_t b = GQL_BUF_INIT;
    gw_fair_render_metrics(&b, f);
    gql_buf_putc(&b, '\0');
    EXPECT(strstr(b.data, "gateway_fairness_untracked_total 1\n") != NULL);
    EXPECT(strstr(b.data, "gateway_fairness_clients 16\n") != NULL);
    EXPECT(strstr(b.data, "gateway_fairness_refused_total{limit=\"connections\"} 8\n") != NULL);
    gql_buf_free(&b);
    gw_fair_free(f);
}

TEST(error_bodies)
{
    gw_fair_config_t cfg = base();
    char err[200];
    gw_fair_t *f = gw_fair_new(&cfg, err, sizeof err);
    ASSERT(f != NULL);
    gql_buf_t b = GQL_BUF_INIT;
    gw_fair_error_json(f, GW_FAIR_MUTATIONS, 3, false, &b);
    gql_buf_putc(&b, '\0');
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Too many mutations from this client: at most 10 per second "
                  "(fairness.mutations_per_second); retry after 3 s\",\"extensions\":{\"code\":\"RATE_LIMITED\","
                  "\"limit\":\"fairness.mutations_per_second\",\"retryAfter\":3}}]}",
                  b.data);
    gql_buf_free(&b);
    h2o_iovec_t resp = gw_fair_refusal_response();
    EXPECT(strncmp(resp.base, "HTTP/1.1 429 ", 13) == 0);
    const char *body = strstr(resp.base, "\r\n\r\n");
    ASSERT(body != NULL);
    const char *cl = strstr(resp.base, "Content-Length: ");
    ASSERT(cl != NULL);
    ASSERT_EQ_INT(strlen(body + 4), atoi(cl + 16));
    gw_fair_free(f);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

TEST(bench_when_asked)
{
    const char *env = getenv("FAIR_BENCH");
    if (env == NULL)
        return;
    long n = atol(env);
    gw_fair_config_t cfg = base();
    cfg.mutations_per_second = 1000000;
    cfg.mutations_burst = 1000000;
    cfg.max_connections = 1000000;
    cfg.max_clients = 65536;
    char err[200];
    gw_fair_t *f = gw_fair_new(&cfg, err, sizeof err);
    ASSERT(f != NULL);
    enum { NCLIENTS = 4096 };
    gw_fair_client_t *cs = malloc(NCLIENTS * sizeof *cs);
    ASSERT(cs != NULL);
    for (int i = 0; i < NCLIENTS; i++) {
        char s[64];
        snprintf(s, sizeof s, "10.%d.%d.1", i >> 8, i & 255);
        cs[i] = client(f, s, NULL);
    }
    gw_fair_limit_t w = GW_FAIR_NLIMITS;
    uint32_t r = 0;
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        gw_fair_take(f, &cs[i % NCLIENTS], 0, 1, (uint64_t)i, &w, &r);
    uint64_t t1 = now_ns();
    for (long i = 0; i < n; i++) {
        uint32_t t;
        gw_fair_acquire(f, &cs[i % NCLIENTS], GW_FAIR_CONNECTIONS, &t);
        gw_fair_release(f, t, GW_FAIR_CONNECTIONS);
    }
    uint64_t t2 = now_ns();
    uint64_t t3 = now_ns();
    for (long i = 0; i < n; i++) {
        gw_fair_client_t c = client(f, "10.1.1.1", NULL);
        (void)c;
    }
    uint64_t t4 = now_ns();
    printf("fair bench: %ld checks over %d clients: take %.1f ns, acquire+release %.1f ns, client_of %.1f ns\n", n,
           NCLIENTS, (double)(t1 - t0) / (double)n, (double)(t2 - t1) / (double)n, (double)(t4 - t3) / (double)n);
    free(cs);
    gw_fair_free(f);
}

TEST_MAIN(TEST_ENTRY(addresses), TEST_ENTRY(cidrs), TEST_ENTRY(ipv6_grouped_by_64), TEST_ENTRY(header_and_proxies),
          TEST_ENTRY(exempt_is_untracked), TEST_ENTRY(subscriptions_held_and_released), TEST_ENTRY(token_buckets),
          TEST_ENTRY(bounded_table_under_spray), TEST_ENTRY(error_bodies), TEST_ENTRY(bench_when_asked))
