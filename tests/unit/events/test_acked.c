/*
 * test_acked.c — "a client is told success only for what is durably in the
 * log", at the producer: with the producer as the gateway and the command
 * handler make it (gw_producer_new with the default kafka.max_in_flight),
 * every message whose delivery report says written is in the log when read
 * back, while errors are pushed on Produce requests. The errors are those
 * after which librdkafka 2.0.2 with its mock broker reported unwritten
 * batches as written when several requests were in flight
 * (tools/embedded-kafka/idem_probe.c; docs/architecture.md, "Fault by
 * fault"): a timeout and a leader change.
 */
#include "events.h"
#include "mock.h"
#include "test.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 6000
#define PARTS 9

typedef struct fates {
    unsigned char acked[N], failed[N], seen[N];
    int reports;
} fates_t;

static void on_delivery(void *ctx, const gw_delivery_t *d)
{
    fates_t *f = ctx;
    size_t i = (size_t)(uintptr_t)d->opaque;
    f->reports++;
    if (i < N) {
        if (d->err)
            f->failed[i] = 1;
        else
            f->acked[i] = 1;
    }
}

static void on_message(void *ctx, const gw_kmsg_t *m)
{
    fates_t *f = ctx;
    char v[16];
    size_t len = m->vlen < sizeof v - 1 ? m->vlen : sizeof v - 1;
    memcpy(v, m->value, len);
    v[len] = '\0';
    size_t i = (size_t)strtoul(v, NULL, 10);
    if (i < N && f->seen[i] < 255)
        f->seen[i]++;
}

static void on_replay(void *ctx)
{
    (void)ctx;
}

static void on_reset(void *ctx, const char *topic, int32_t p, int64_t off, const char *why)
{
    (void)ctx, (void)topic, (void)p, (void)off, (void)why;
}

static void on_err(void *ctx, const char *msg)
{
    (void)ctx;
    if (getenv("TEST_VERBOSE"))
        fprintf(stderr, "  consumer: %s\n", msg);
}

static const gw_consumer_cbs_t CBS = {on_message, on_replay, on_reset, on_err};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Produces N messages over ~1.5 s while pushing 5 `code` errors on Produce
 * every 30 ms, reads every partition back, and checks each message's fate. */
static void run(test_state_t *t_, rd_kafka_resp_err_t code)
{
    char err[512];
    gw_topology_t *topo = NULL;
    const char *yaml = "topics:\n  - {name: acked, partitions: 9, records: [BalanceChanged], key: iban}\n";
    ASSERT_EQ_INT(0, gw_topology_parse(yaml, strlen(yaml), &topo, err, sizeof err));
    gw_mock_t *m = gw_mock_start(1, topo, err, sizeof err);
    ASSERT(m != NULL);
    rd_kafka_mock_cluster_t *mc = gw_mock_cluster(m);
    gw_kafka_conf_t kc = {.brokers = gw_mock_bootstrap(m), .client_id = "test", .linger_ms = 1, .fetch_wait_ms = 1};
    fates_t *f = calloc(1, sizeof *f);
    ASSERT(f != NULL);
    gw_producer_t *p = gw_producer_new(&kc, on_delivery, f, err, sizeof err);
    ASSERT(p != NULL);
    uint64_t last_push = 0;
    for (size_t i = 0; i < N; i++) {
        char *v = malloc(16);
        ASSERT(v != NULL);
        int len = snprintf(v, 16, "%zu", i);
        ASSERT_EQ_INT(0, gw_producer_send(p, "acked", (int32_t)(i % PARTS), NULL, 0, v, (size_t)len, NULL, 0,
                                          (void *)(uintptr_t)i, err, sizeof err));
        gw_producer_poll(p, 0);
        uint64_t now = now_ms();
        if (now - last_push >= 30) {
            rd_kafka_resp_err_t errs[5] = {code, code, code, code, code};
            rd_kafka_mock_push_request_errors_array(mc, 0 /* Produce */, 5, errs);
            last_push = now;
        }
        if (i % 20 == 0) { /* spread over ~1.5 s: many bursts meet requests in flight */
            struct timespec pause = {0, 5000000};
            nanosleep(&pause, NULL);
        }
    }
    rd_kafka_mock_clear_request_errors(mc, 0);
    ASSERT_EQ_INT(0, gw_producer_flush(p, 30000));
    gw_producer_free(p);
    ASSERT_EQ_INT(N, f->reports);

    const char *topics[] = {"acked"};
    int rc;
    gw_consumer_t *cons = gw_consumer_new(&kc, topics, 1, NULL, &CBS, f, &rc, err, sizeof err);
    ASSERT(cons != NULL);
    for (int i = 0; i < 500 && !gw_consumer_replayed(cons); i++)
        gw_consumer_poll(cons, 20, 1000);
    ASSERT(gw_consumer_replayed(cons));
    gw_consumer_free(cons);

    int acked = 0, failed = 0, missing = 0, twice = 0;
    for (size_t i = 0; i < N; i++) {
        acked += f->acked[i];
        failed += f->failed[i];
        missing += f->acked[i] && !f->seen[i];
        twice += f->seen[i] > 1;
    }
    printf("  %s: %d acknowledged, %d failed, %d acknowledged and missing, %d written twice\n", rd_kafka_err2name(code),
           acked, failed, missing, twice);
    EXPECT(missing == 0);
    EXPECT(acked > 0);
    free(f);
    gw_mock_stop(m);
    gw_topology_free(topo);
}

TEST(acked_means_written_under_timeouts)
{
    run(t_, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
}

TEST(acked_means_written_under_leader_errors)
{
    run(t_, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
}

TEST_MAIN(TEST_ENTRY(acked_means_written_under_timeouts), TEST_ENTRY(acked_means_written_under_leader_errors))
