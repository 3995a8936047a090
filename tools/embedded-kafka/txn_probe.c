/*
 * txn_probe.c — measures what librdkafka's mock cluster (the only broker here)
 * does with Kafka transactions, so that the design of atomic command effects
 * rests on facts rather than on what a real cluster would do.
 *
 *   build/bin/txn-probe            (prints one line per check, exit 0 when it ran)
 *
 * In one process: a 1-broker mock with a 2-partition topic; a transactional
 * producer (InitProducerId), one transaction aborted (AddPartitionsToTxn +
 * EndTxn(abort)), one committed, one left open; then a read_committed and a
 * read_uncommitted consumer read both partitions from offset 0. Real Kafka
 * would show read_committed only the committed records (the open transaction
 * hides everything after it: the last stable offset). The result is kept in
 * docs/architecture.md ("Failure modes").
 */
#include "mock.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#define TOPIC "probe"

static int set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "txn-probe: %s=%s: %s\n", k, v, err);
        return -1;
    }
    return 0;
}

/* Prints how a transactional call went; 0 when it succeeded. */
static int report(const char *what, rd_kafka_error_t *e)
{
    printf("%-40s %s\n", what, e == NULL ? "ok" : rd_kafka_error_string(e));
    int rc = e == NULL ? 0 : -1;
    if (e != NULL)
        rd_kafka_error_destroy(e);
    return rc;
}

static void produce(rd_kafka_t *p, int32_t part, const char *value)
{
    rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(part),
                      RD_KAFKA_V_VALUE((void *)value, strlen(value)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_END);
}

/* Reads both partitions from 0 for ~3 s with the given isolation level;
 * prints the values seen. */
static void consume(const char *bootstrap, const char *isolation)
{
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    set(c, "bootstrap.servers", bootstrap);
    set(c, "group.id", "txn-probe");
    set(c, "isolation.level", isolation);
    set(c, "enable.partition.eof", "true");
    set(c, "fetch.wait.max.ms", "10");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "txn-probe: %s\n", err);
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(l, TOPIC, 0)->offset = 0;
    rd_kafka_topic_partition_list_add(l, TOPIC, 1)->offset = 0;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    char seen[512] = "";
    int eofs = 0;
    for (int i = 0; i < 60 && eofs < 2; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
        if (m == NULL)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            eofs++;
        else if (m->err == 0 && strlen(seen) + m->len + 2 < sizeof seen) {
            strncat(seen, m->payload, m->len);
            strcat(seen, " ");
        }
        rd_kafka_message_destroy(m);
    }
    int64_t lo, hi;
    rd_kafka_query_watermark_offsets(rk, TOPIC, 0, &lo, &hi, 2000);
    printf("%-40s %s(high watermark p0=%lld)\n", isolation, seen, (long long)hi);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

int main(void)
{
    char err[256];
    gw_mock_t *m = gw_mock_start(1, NULL, err, sizeof err);
    if (m == NULL || gw_mock_create_topic(m, TOPIC, 2, 1) != 0) {
        fprintf(stderr, "txn-probe: cannot start the mock: %s\n", err);
        return 1;
    }
    const char *bootstrap = gw_mock_bootstrap(m);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    set(c, "bootstrap.servers", bootstrap);
    set(c, "transactional.id", "txn-probe");
    set(c, "linger.ms", "1");
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "txn-probe: %s\n", err);
        return 1;
    }
    printf("librdkafka %s mock cluster\n", rd_kafka_version_str());
    if (report("InitProducerId (init_transactions)", rd_kafka_init_transactions(p, 10000)) == 0) {
        report("begin (aborted txn)", rd_kafka_begin_transaction(p));
        produce(p, 0, "aborted-p0");
        produce(p, 1, "aborted-p1");
        rd_kafka_flush(p, 5000);
        report("AddPartitionsToTxn + EndTxn(abort)", rd_kafka_abort_transaction(p, 10000));
        report("begin (committed txn)", rd_kafka_begin_transaction(p));
        produce(p, 0, "committed-p0");
        produce(p, 1, "committed-p1");
        report("AddPartitionsToTxn + EndTxn(commit)", rd_kafka_commit_transaction(p, 10000));
        report("begin (open txn, never ended)", rd_kafka_begin_transaction(p));
        produce(p, 0, "open-p0");
        rd_kafka_flush(p, 5000);
        printf("expected of real Kafka: read_committed sees committed-p0 committed-p1 only\n");
        consume(bootstrap, "read_committed");
        consume(bootstrap, "read_uncommitted");
    }
    rd_kafka_destroy(p);
    gw_mock_stop(m);
    return 0;
}
