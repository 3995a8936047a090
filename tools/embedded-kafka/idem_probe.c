/*
 * idem_probe.c — measures whether librdkafka's mock cluster keeps what an
 * idempotent producer (acks=all) was told is written, when errors are pushed on
 * Produce requests (the fault suite's "errors pushed on Produce and Fetch").
 *
 *   build/bin/idem-probe [ERROR...]     e.g. NOT_LEADER_FOR_PARTITION _TRANSPORT
 *
 * For each error named (default: a set) and each max.in.flight.requests.per.connection
 * (5, librdkafka's default, then 1, the gateway's: kafka.max_in_flight), in a fresh 1-broker
 * mock with a 9-partition topic: 20,000 small messages are produced (linger 1 ms) over ~4 s, with 5
 * errors of that kind pushed on Produce every 50 ms while they are in flight;
 * then every partition is read back and each message's fate printed: acked
 * (delivery report without error) and found, acked and missing, failed, found
 * twice. Exit 0 when it ran; the counts are the result.
 *
 * What it shows (librdkafka 2.0.2): with 5 in flight, batches acknowledged and missing under
 * REQUEST_TIMED_OUT, NOT_LEADER_FOR_PARTITION and LEADER_NOT_AVAILABLE; with 1, none. The producer
 * takes a later batch's success as proof that an earlier, failed batch was written (a real broker would have refused
 * the later one out of sequence); the mock checks sequences only for transactional producers, so it wrote the later one
 * and not the earlier.
 */
#include "mock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC "probe"
#define PARTS 9
#define N 20000

/* What happened to each message, indexed by its number. */
typedef struct fate {
    unsigned char acked, failed, seen;
} fate_t;

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    fate_t *f = opaque;
    size_t i = (size_t)(uintptr_t)m->_private;
    if (m->err)
        f[i].failed = 1;
    else
        f[i].acked = 1;
}

static int run(const char *errname, int inflight)
{
    rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int c = RD_KAFKA_RESP_ERR__BEGIN; c < RD_KAFKA_RESP_ERR_END_ALL; c++) {
        const char *n = rd_kafka_err2name((rd_kafka_resp_err_t)c);
        if (n != NULL && strcmp(n, errname) == 0)
            code = (rd_kafka_resp_err_t)c;
    }
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR && strcmp(errname, "none") != 0) {
        fprintf(stderr, "idem-probe: unknown error %s\n", errname);
        return -1;
    }
    char err[256];
    gw_mock_t *m = gw_mock_start(1, NULL, err, sizeof err);
    if (m == NULL || gw_mock_create_topic(m, TOPIC, PARTS, 1) != 0) {
        fprintf(stderr, "idem-probe: %s\n", err);
        return -1;
    }
    rd_kafka_mock_cluster_t *mc = gw_mock_cluster(m);
    fate_t *f = calloc(N, sizeof *f);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", gw_mock_bootstrap(m), err, sizeof err);
    rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
    rd_kafka_conf_set(conf, "acks", "all", err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "1", err, sizeof err);
    char inflight_s[8];
    snprintf(inflight_s, sizeof inflight_s, "%d", inflight);
    rd_kafka_conf_set(conf, "max.in.flight.requests.per.connection", inflight_s, err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(conf, on_dr);
    rd_kafka_conf_set_opaque(conf, f);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "idem-probe: %s\n", err);
        return -1;
    }
    struct timespec last = {0, 0}, now;
    for (size_t i = 0; i < N; i++) {
        char v[32];
        int len = snprintf(v, sizeof v, "%zu", i);
        while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION((int32_t)(i % PARTS)),
                                 RD_KAFKA_V_VALUE(v, (size_t)len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_OPAQUE((void *)(uintptr_t)i), RD_KAFKA_V_END) != 0)
            rd_kafka_poll(p, 10);
        rd_kafka_poll(p, 0);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR &&
            (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >= 50) {
            rd_kafka_resp_err_t errs[5] = {code, code, code, code, code};
            rd_kafka_mock_push_request_errors_array(mc, 0 /* Produce */, 5, errs);
            last = now;
        }
        if (i % 10 == 0) { /* ~4 s in all: many error bursts meet batches in flight */
            struct timespec pause = {0, 2000000};
            nanosleep(&pause, NULL);
        }
    }
    rd_kafka_mock_clear_request_errors(mc, 0);
    rd_kafka_flush(p, 30000);
    rd_kafka_destroy(p);

    rd_kafka_conf_t *cc = rd_kafka_conf_new();
    rd_kafka_conf_set(cc, "bootstrap.servers", gw_mock_bootstrap(m), err, sizeof err);
    rd_kafka_conf_set(cc, "group.id", "idem-probe", err, sizeof err);
    rd_kafka_conf_set(cc, "enable.partition.eof", "true", err, sizeof err);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(PARTS);
    for (int i = 0; i < PARTS; i++)
        rd_kafka_topic_partition_list_add(l, TOPIC, i)->offset = 0;
    rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    size_t dup = 0, holes = 0;
    int64_t next[PARTS] = {0};
    for (int eofs = 0, idle = 0; eofs < PARTS && idle < 100;) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c, 100);
        if (msg == NULL) {
            idle++;
            continue;
        }
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            eofs++;
        else if (msg->err == 0) {
            char v[32];
            size_t len = msg->len < sizeof v - 1 ? msg->len : sizeof v - 1;
            memcpy(v, msg->payload, len);
            v[len] = '\0';
            size_t i = (size_t)strtoull(v, NULL, 10);
            if (msg->offset != next[msg->partition])
                holes++;
            next[msg->partition] = msg->offset + 1;
            if (i < N && f[i].seen++)
                dup++;
        }
        rd_kafka_message_destroy(msg);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    size_t acked = 0, failed = 0, lost = 0, unacked_found = 0;
    for (size_t i = 0; i < N; i++) {
        acked += f[i].acked;
        failed += f[i].failed;
        lost += f[i].acked && !f[i].seen;
        unacked_found += !f[i].acked && f[i].seen;
    }
    printf("%-26s in flight %d  acked %5zu  failed %3zu  ACKED BUT MISSING %3zu  written twice %3zu  found unacked "
           "%3zu  offset "
           "holes %zu\n",
           errname, inflight, acked, failed, lost, dup, unacked_found, holes);
    free(f);
    gw_mock_stop(m);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const defaults[] = {
        "none",      "NOT_LEADER_FOR_PARTITION", "REQUEST_TIMED_OUT", "NOT_ENOUGH_REPLICAS", "LEADER_NOT_AVAILABLE",
        "_TRANSPORT"};
    printf("librdkafka %s mock, idempotent producer (acks=all), %d messages, 5 pushed Produce errors every 50 ms\n",
           rd_kafka_version_str(), N);
    static const int inflights[] = {5, 1};
    for (size_t k = 0; k < sizeof inflights / sizeof inflights[0]; k++) {
        if (argc > 1)
            for (int i = 1; i < argc; i++)
                run(argv[i], inflights[k]);
        else
            for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
                run(defaults[i], inflights[k]);
    }
    return 0;
}
