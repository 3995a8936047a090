/*
 * mock.c — starts librdkafka's mock cluster and creates the topology's topics.
 */
#include "mock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>

struct gw_mock {
    rd_kafka_t *rk; /* the handle the mock cluster lives in */
    rd_kafka_mock_cluster_t *cluster;
    int brokers;
};

gw_mock_t *gw_mock_start(int brokers, const gw_topology_t *topo, char *err, size_t errlen)
{
    if (brokers < 1 || brokers > 9) {
        snprintf(err, errlen, "brokers must be 1 to 9");
        return NULL;
    }
    gw_mock_t *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->brokers = brokers;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char e[256];
    /* quiet: the mock's own client logs nothing below warnings */
    rd_kafka_conf_set(conf, "log_level", "4", e, sizeof(e));
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (m->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "mock: %s", e);
        free(m);
        return NULL;
    }
    m->cluster = rd_kafka_mock_cluster_new(m->rk, brokers);
    if (m->cluster == NULL) {
        snprintf(err, errlen, "mock: cannot start the cluster");
        gw_mock_stop(m);
        return NULL;
    }
    for (size_t i = 0; topo && i < topo->ntopics; i++) {
        const gw_topic_t *t = &topo->topics[i];
        if (gw_mock_create_topic(m, t->name, t->partitions, t->replication) != 0) {
            snprintf(err, errlen, "mock: cannot create topic %s", t->name);
            gw_mock_stop(m);
            return NULL;
        }
    }
    return m;
}

int gw_mock_create_topic(gw_mock_t *m, const char *topic, int partitions, int replication)
{
    if (replication > m->brokers)
        replication = m->brokers;
    if (replication < 1)
        replication = 1;
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(m->cluster, topic, partitions, replication);
    return e == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : GW_EV_EKAFKA;
}

const char *gw_mock_bootstrap(const gw_mock_t *m)
{
    return rd_kafka_mock_cluster_bootstraps(m->cluster);
}

void *gw_mock_cluster(gw_mock_t *m)
{
    return m->cluster;
}

void gw_mock_stop(gw_mock_t *m)
{
    if (m == NULL)
        return;
    if (m->cluster)
        rd_kafka_mock_cluster_destroy(m->cluster);
    if (m->rk)
        rd_kafka_destroy(m->rk);
    free(m);
}
