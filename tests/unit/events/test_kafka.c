/*
 * test_kafka.c — the producer and consumer wrappers against librdkafka's mock
 * cluster started in-process (tools/embedded-kafka/mock.c): every message's
 * delivery is reported once with its offset; equal keys land on one partition;
 * the consumer reads every partition from the beginning without joining a
 * group, reports end-of-replay once and then keeps receiving live messages;
 * start offsets outside the log are refused (strict) or reported (lenient); the
 * mock's ~5 MB per partition retention shows up as a low watermark > 0.
 */
#include "events.h"
#include "mock.h"
#include "test.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct dctx {
    int n, failed;
    int seen[256];       /* deliveries per message index */
    int32_t part[256];   /* partition of each */
    int64_t offset[256]; /* offset of each */
} dctx_t;

static void on_delivery(void *ctx, const gw_delivery_t *d)
{
    dctx_t *c = ctx;
    int i = (int)(intptr_t)d->opaque;
    c->n++;
    if (d->err) {
        c->failed++;
        return;
    }
    if (i >= 0 && i < 256) {
        c->seen[i]++;
        c->part[i] = d->partition;
        c->offset[i] = d->offset;
    }
}

typedef struct cctx {
    int messages, replay_done, resets, live_after_replay;
    int64_t reset_at, first_after_reset; /* position reported lost; first offset read after it */
    int headers_bad;                     /* messages without the "index" header the producer set */
    int64_t last_offset[16];
    int order_ok;
} cctx_t;

static void on_message(void *ctx, const gw_kmsg_t *m)
{
    cctx_t *c = ctx;
    const void *hv;
    size_t hl;
    if (gw_kmsg_header(m, "index", &hv, &hl) != 0 || hl != sizeof(int) || gw_kmsg_header(m, "nope", &hv, &hl) == 0)
        c->headers_bad++;
    c->messages++;
    if (c->resets && c->first_after_reset < 0)
        c->first_after_reset = m->offset;
    if (c->replay_done)
        c->live_after_replay++;
    if (m->partition >= 0 && m->partition < 16) {
        if (m->offset != c->last_offset[m->partition] + 1)
            c->order_ok = 0;
        c->last_offset[m->partition] = m->offset;
    }
}

static void on_replay(void *ctx)
{
    ((cctx_t *)ctx)->replay_done++;
}

static void on_reset(void *ctx, const char *topic, int32_t p, int64_t off, const char *why)
{
    (void)topic, (void)p, (void)why;
    ((cctx_t *)ctx)->resets++;
    ((cctx_t *)ctx)->reset_at = off;
}

static void on_err(void *ctx, const char *msg)
{
    (void)ctx;
    if (getenv("TEST_VERBOSE"))
        fprintf(stderr, "  consumer: %s\n", msg);
}

static const gw_consumer_cbs_t CBS = {on_message, on_replay, on_reset, on_err};

static void cctx_init(cctx_t *c)
{
    memset(c, 0, sizeof(*c));
    c->order_ok = 1;
    c->first_after_reset = -1;
    for (int i = 0; i < 16; i++)
        c->last_offset[i] = -1;
}

/* Produces n messages (keys k0..k{keys-1}) and waits for every report; 0 or -1. */
static int produce(gw_producer_t *p, const char *topic, int n, int keys, size_t size)
{
    char err[256];
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%d", i % keys);
        char *v = malloc(size);
        if (v == NULL)
            return -1;
        memset(v, 'a' + i % 26, size);
        gw_header_t h = {"index", &i, sizeof(i)};
        if (gw_producer_send(p, topic, -1, key, strlen(key), v, size, &h, 1, (void *)(intptr_t)(i % 256), err,
                             sizeof(err)) != 0) {
            fprintf(stderr, "  send: %s\n", err);
            return -1;
        }
        gw_producer_poll(p, 0);
    }
    return gw_producer_flush(p, 10000);
}

TEST(produce_and_replay)
{
    char err[512];
    gw_topology_t *topo = NULL;
    const char *yaml = "topics:\n  - {name: t9, partitions: 9, records: [BalanceChanged], key: iban}\n"
                       "  - {name: t1, partitions: 1, records: [Heartbeat], key: none}\n";
    ASSERT_EQ_INT(0, gw_topology_parse(yaml, strlen(yaml), &topo, err, sizeof(err)));
    gw_mock_t *m = gw_mock_start(1, topo, err, sizeof(err));
    ASSERT(m != NULL);
    gw_kafka_conf_t kc = {.brokers = gw_mock_bootstrap(m), .client_id = "test", .linger_ms = 1, .fetch_wait_ms = 1};

    dctx_t d;
    memset(&d, 0, sizeof(d));
    gw_producer_t *p = gw_producer_new(&kc, on_delivery, &d, err, sizeof(err));
    ASSERT(p != NULL);
    EXPECT(gw_producer_fd(p) >= 0);
    ASSERT_EQ_INT(0, produce(p, "t9", 100, 10, 64));
    EXPECT(d.n == 100 && d.failed == 0);
    int parts_used = 0, used[9] = {0};
    for (int i = 0; i < 100; i++) {
        EXPECT(d.seen[i] == 1);
        EXPECT(d.offset[i] >= 0);
        EXPECT(d.part[i] == d.part[i % 10]); /* same key, same partition */
        if (!used[d.part[i]]++)
            parts_used++;
    }
    EXPECT(parts_used > 1);
    EXPECT(gw_producer_inflight(p) == 0);
    int32_t p0 = d.part[0]; /* the partition of key k0 */

    /* replay both topics (t1 is empty) from the beginning */
    cctx_t c;
    cctx_init(&c);
    const char *topics[] = {"t9", "t1"};
    int rc;
    gw_consumer_t *cons = gw_consumer_new(&kc, topics, 2, NULL, &CBS, &c, &rc, err, sizeof(err));
    ASSERT(cons != NULL);
    size_t np;
    const gw_partition_info_t *pi = gw_consumer_partitions(cons, &np);
    ASSERT_EQ_INT(10, np);
    int64_t total_high = 0;
    for (size_t i = 0; i < np; i++)
        total_high += pi[i].high - pi[i].low;
    ASSERT_EQ_INT(100, total_high);
    for (int i = 0; i < 200 && !gw_consumer_replayed(cons); i++)
        gw_consumer_poll(cons, 20, 1000);
    ASSERT(gw_consumer_replayed(cons));
    EXPECT(c.replay_done == 1);
    ASSERT_EQ_INT(100, c.messages);
    EXPECT(c.order_ok);
    EXPECT(c.headers_bad == 0);

    /* live: more messages arrive after the replay, replay_done is not repeated */
    ASSERT_EQ_INT(0, produce(p, "t9", 20, 5, 64));
    ASSERT_EQ_INT(0, produce(p, "t1", 3, 1, 8));
    for (int i = 0; i < 200 && c.messages < 123; i++)
        gw_consumer_poll(cons, 20, 1000);
    ASSERT_EQ_INT(123, c.messages);
    EXPECT(c.live_after_replay == 23);
    EXPECT(c.replay_done == 1);
    gw_consumer_free(cons);

    /* start offsets: within the log is fine; beyond it strict refuses, lenient reports */
    int64_t high0 = 0;
    pi = NULL;
    gw_start_offset_t starts[] = {{"t9", p0, 2}};
    gw_consumer_opts_t opts = {starts, 1, 1};
    cctx_init(&c);
    cons = gw_consumer_new(&kc, topics, 1, &opts, &CBS, &c, &rc, err, sizeof(err));
    if (cons == NULL)
        fprintf(stderr, "  %s\n", err);
    ASSERT(cons != NULL);
    pi = gw_consumer_partitions(cons, &np);
    for (size_t i = 0; i < np; i++)
        if (pi[i].partition == p0)
            high0 = pi[i].high;
    for (int i = 0; i < 200 && !gw_consumer_replayed(cons); i++)
        gw_consumer_poll(cons, 20, 1000);
    EXPECT(c.messages == 120 - 2);
    gw_consumer_free(cons);

    starts[0].offset = high0 + 5;
    cons = gw_consumer_new(&kc, topics, 1, &opts, &CBS, &c, &rc, err, sizeof(err));
    EXPECT(cons == NULL);
    EXPECT(rc == GW_EV_ERANGE);
    EXPECT(strstr(err, "lost data") != NULL);
    opts.strict = 0;
    cctx_init(&c);
    cons = gw_consumer_new(&kc, topics, 1, &opts, &CBS, &c, &rc, err, sizeof(err));
    ASSERT(cons != NULL);
    EXPECT(c.resets == 1);
    for (int i = 0; i < 200 && !gw_consumer_replayed(cons); i++)
        gw_consumer_poll(cons, 20, 1000);
    EXPECT(c.messages == 120);
    gw_consumer_free(cons);

    gw_producer_free(p);
    gw_mock_stop(m);
    gw_topology_free(topo);
}

TEST(retention_is_reported)
{
    char err[512];
    gw_mock_t *m = gw_mock_start(1, NULL, err, sizeof(err));
    ASSERT(m != NULL);
    ASSERT_EQ_INT(0, gw_mock_create_topic(m, "big", 1, 1));
    gw_kafka_conf_t kc = {.brokers = gw_mock_bootstrap(m), .client_id = "test", .linger_ms = 5, .fetch_wait_ms = 1};
    dctx_t d;
    memset(&d, 0, sizeof(d));
    gw_producer_t *p = gw_producer_new(&kc, on_delivery, &d, err, sizeof(err));
    ASSERT(p != NULL);
    ASSERT_EQ_INT(0, produce(p, "big", 80, 1, 100 * 1024)); /* ~8 MB into one partition */
    EXPECT(d.failed == 0);

    /* the mock dropped the oldest batches: a strict replay from 0 is impossible */
    cctx_t c;
    cctx_init(&c);
    const char *topics[] = {"big"};
    gw_consumer_opts_t strict = {NULL, 0, 1};
    int rc;
    gw_consumer_t *cons = gw_consumer_new(&kc, topics, 1, &strict, &CBS, &c, &rc, err, sizeof(err));
    EXPECT(cons == NULL);
    EXPECT(rc == GW_EV_ERANGE);
    EXPECT(strstr(err, "retention") != NULL);
    /* lenient: reads what is left, from the log's start */
    cons = gw_consumer_new(&kc, topics, 1, NULL, &CBS, &c, &rc, err, sizeof(err));
    ASSERT(cons != NULL);
    size_t np;
    const gw_partition_info_t *pi = gw_consumer_partitions(cons, &np);
    EXPECT(pi[0].low > 0 && pi[0].high == 80);
    for (int i = 0; i < 500 && !gw_consumer_replayed(cons); i++)
        gw_consumer_poll(cons, 20, 1000);
    EXPECT(gw_consumer_replayed(cons));
    EXPECT(c.messages == 80 - pi[0].low);
    gw_consumer_free(cons);
    gw_producer_free(p);
    gw_mock_stop(m);
}

/* A consumer that falls behind the mock's retention gets "Offset out of range"
 * while running: reported, and the partition is read again from the log's new
 * beginning. The consumer buffers at most ~1 KB ahead, so it stops fetching
 * while the test writes ~8 MB past it. (With that tiny buffer librdkafka only
 * resumes fetching on its 1 s tick, hence waiting for the first message after
 * the reset rather than for the end.) */
TEST(runtime_offset_reset)
{
    char err[512];
    gw_mock_t *m = gw_mock_start(1, NULL, err, sizeof(err));
    ASSERT(m != NULL);
    ASSERT_EQ_INT(0, gw_mock_create_topic(m, "r", 1, 1));
    static const char *const small_queue[] = {"queued.max.messages.kbytes", "1", "max.partition.fetch.bytes", "1048576",
                                              NULL};
    gw_kafka_conf_t kc = {.brokers = gw_mock_bootstrap(m),
                          .client_id = "test",
                          .linger_ms = 5,
                          .fetch_wait_ms = 1,
                          .props = small_queue,
                          .debug = getenv("TEST_KDEBUG")};
    gw_kafka_conf_t pc = kc;
    pc.props = NULL;
    dctx_t d = {0};
    gw_producer_t *p = gw_producer_new(&pc, on_delivery, &d, err, sizeof(err));
    ASSERT(p != NULL);
    ASSERT_EQ_INT(0, produce(p, "r", 3, 1, 16));
    cctx_t c;
    cctx_init(&c);
    const char *topics[] = {"r"};
    int rc;
    gw_consumer_t *cons = gw_consumer_new(&kc, topics, 1, NULL, &CBS, &c, &rc, err, sizeof(err));
    if (cons == NULL)
        fprintf(stderr, "  %s\n", err);
    ASSERT(cons != NULL);
    for (int i = 0; i < 200 && !gw_consumer_replayed(cons); i++)
        gw_consumer_poll(cons, 20, 1000);
    ASSERT_EQ_INT(3, c.messages);
    ASSERT_EQ_INT(0, produce(p, "r", 80, 1, 100 * 1024));
    for (int i = 0; i < 300 && c.first_after_reset < 0; i++)
        gw_consumer_poll(cons, 20, 1000);
    EXPECT(c.resets == 1);
    /* reading goes on where the log now starts: what lay between was lost, as reported */
    EXPECT(c.reset_at > 3 && c.first_after_reset > c.reset_at);
    gw_consumer_free(cons);
    gw_producer_free(p);
    gw_mock_stop(m);
}

TEST(bad_configuration)
{
    char err[256];
    gw_kafka_conf_t kc = {.linger_ms = 1, .fetch_wait_ms = 1};
    EXPECT(gw_producer_new(&kc, on_delivery, NULL, err, sizeof(err)) == NULL);
    int rc = 0;
    const char *topics[] = {"x"};
    cctx_t c;
    EXPECT(gw_consumer_new(&kc, topics, 1, NULL, &CBS, &c, &rc, err, sizeof(err)) == NULL);
    kc.brokers = "127.0.0.1:1";
    kc.debug = "no-such-context";
    err[0] = '\0';
    EXPECT(gw_producer_new(&kc, on_delivery, NULL, err, sizeof(err)) == NULL);
    EXPECT(strstr(err, "debug") != NULL);
    EXPECT(gw_consumer_new(&kc, topics, 0, NULL, &CBS, &c, &rc, err, sizeof(err)) == NULL);
}

TEST_MAIN(TEST_ENTRY(produce_and_replay), TEST_ENTRY(retention_is_reported), TEST_ENTRY(runtime_offset_reset),
          TEST_ENTRY(bad_configuration))
