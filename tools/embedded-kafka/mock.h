/*
 * mock.h — librdkafka's mock cluster (rdkafka_mock.h) with the topology's topics
 * created up front. Used by build/bin/embedded-kafka and by tests that want a
 * broker in-process.
 *
 * Facts of the librdkafka 2.0.2 mock that users must respect: its ports are
 * random on every start; its data lives in memory and is gone when it stops; it
 * keeps only ~5 MB per partition and drops older batches (consumers then see
 * "Offset out of range"); it auto-creates an unknown topic with 4 partitions on
 * any metadata request — hence topics are created here first.
 */
#ifndef GW_MOCK_H
#define GW_MOCK_H

#include "events.h"

typedef struct gw_mock gw_mock_t;

/*
 * Starts a mock cluster of `brokers` brokers (1..9) and creates every topic of
 * `topo` (may be NULL) with its partition count; replication is capped at the
 * broker count. Returns NULL with err on failure.
 */
gw_mock_t *gw_mock_start(int brokers, const gw_topology_t *topo, char *err, size_t errlen);

/* Creates one more topic; 0 or GW_EV_EKAFKA. */
int gw_mock_create_topic(gw_mock_t *m, const char *topic, int partitions, int replication);

/* The bootstrap.servers list ("127.0.0.1:PORT,..."), valid until gw_mock_stop. */
const char *gw_mock_bootstrap(const gw_mock_t *m);

/* The rd_kafka_mock_cluster_t, for fault injection (rdkafka_mock.h) in tests. */
void *gw_mock_cluster(gw_mock_t *m);

/* Stops the brokers and frees everything; all data is lost. */
void gw_mock_stop(gw_mock_t *m);

#endif
