/*
 * sync_topology.c — `gateway --sync-topology` (see sync_topology.h): one
 * metadata request, the admin API for the missing topics, the Schema
 * Registry for our schemas. Runs on the main thread before anything else
 * starts; prints what it did on stdout.
 */
#include "sync_topology.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#include "events.h"

int gw_sync_topology(const gw_config_t *c)
{
    char err[512];
    gw_topology_t *topo = NULL;
    if (gw_topology_load(c->kafka.topology, &topo, err, sizeof err) != 0) {
        fprintf(stderr, "gateway: %s\n", err);
        return -1;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", c->kafka.brokers, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "gateway: %s\n", err);
        rd_kafka_conf_destroy(conf);
        gw_topology_free(topo);
        return -1;
    }
    for (size_t i = 0; i < c->kafka.nproperties; i++)
        if (rd_kafka_conf_set(conf, c->kafka.properties[i].key, c->kafka.properties[i].value, err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            fprintf(stderr, "gateway: kafka.properties: %s\n", err);
            rd_kafka_conf_destroy(conf);
            gw_topology_free(topo);
            return -1;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "gateway: %s\n", err);
        gw_topology_free(topo);
        return -1;
    }
    int status = 0;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, 10000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "gateway: cannot read the cluster's metadata from %s: %s\n", c->kafka.brokers,
                rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        gw_topology_free(topo);
        return -1;
    }
    /* the topology's topics, and the credentials topic when it is not listed */
    size_t n = topo->ntopics;
    rd_kafka_NewTopic_t *create[257]; /* the topology holds at most 256 topics, plus the credentials topic */
    const char *names[257];
    size_t ncreate = 0;
    for (size_t i = 0; i <= n; i++) {
        const char *name = i < n ? topo->topics[i].name : c->kafka.topic_accounts;
        int parts = i < n ? topo->topics[i].partitions : 1, repl = i < n ? topo->topics[i].replication : 1;
        if (i == n && gw_topology_find(topo, name) != NULL)
            break;
        int have = -1;
        for (int t = 0; t < md->topic_cnt; t++)
            if (strcmp(md->topics[t].topic, name) == 0 && md->topics[t].err == RD_KAFKA_RESP_ERR_NO_ERROR)
                have = md->topics[t].partition_cnt;
        if (have == parts) {
            printf("ok       %s (%d partitions)\n", name, parts);
        } else if (have >= 0) {
            printf("DRIFT    %s has %d partitions, the topology says %d\n", name, have, parts);
            status = 1;
        } else if (ncreate < sizeof create / sizeof *create) {
            rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, parts, repl, err, sizeof err);
            if (nt == NULL) {
                fprintf(stderr, "gateway: %s: %s\n", name, err);
                status = -1;
                continue;
            }
            if (strcmp(name, c->kafka.topic_accounts) == 0)
                rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
            names[ncreate] = name;
            create[ncreate++] = nt;
        }
    }
    rd_kafka_metadata_destroy(md);
    if (ncreate > 0) {
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_AdminOptions_set_request_timeout(o, 5000, err, sizeof err);
        rd_kafka_CreateTopics(rk, create, ncreate, o, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
        const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
        if (res == NULL || rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            /* librdkafka's mock cluster (embedded-kafka) has no controller,
             * so the admin API cannot create topics there */
            fprintf(stderr,
                    "gateway: cannot create %zu missing topic(s): %s (embedded-kafka has no controller for the "
                    "admin API: it creates the topology's topics itself when started with --topology)\n",
                    ncreate, ev ? rd_kafka_event_error_string(ev) : "timed out");
            for (size_t i = 0; i < ncreate; i++)
                printf("MISSING  %s\n", names[i]);
            status = -1;
        } else {
            size_t cnt;
            const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &cnt);
            for (size_t i = 0; i < cnt; i++) {
                if (rd_kafka_topic_result_error(tr[i]) == RD_KAFKA_RESP_ERR_NO_ERROR)
                    printf("created  %s\n", rd_kafka_topic_result_name(tr[i]));
                else {
                    printf("FAILED   %s: %s\n", rd_kafka_topic_result_name(tr[i]),
                           rd_kafka_topic_result_error_string(tr[i]));
                    status = -1;
                }
            }
        }
        if (ev)
            rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(q);
        rd_kafka_AdminOptions_destroy(o);
        rd_kafka_NewTopic_destroy_array(create, ncreate);
    }
    rd_kafka_destroy(rk);
    if (c->kafka.schema_registry_url != NULL && c->kafka.schema_registry_url[0] != '\0') {
        /* register our schemas under the topology's subjects, as the programs do at start */
        gw_codec_t *codec = gw_codec_new(0, err, sizeof err);
        gw_registry_t *reg =
            codec != NULL ? gw_registry_new(c->kafka.schema_registry_url, 5000, err, sizeof err) : NULL;
        if (reg != NULL && gw_registry_setup_codec(reg, topo, codec, err, sizeof err) == 0) {
            printf("schemas  registered at %s\n", c->kafka.schema_registry_url);
        } else {
            fprintf(stderr, "gateway: schema registry: %s\n", err);
            status = -1;
        }
        gw_registry_free(reg);
        gw_codec_free(codec);
    }
    gw_topology_free(topo);
    return status;
}
