/*
 * sync_topology.h — `gateway --sync-topology`: makes a real cluster match
 * the topology file before the gateway and the command handler first run
 * against it.
 */
#ifndef GW_SYNC_TOPOLOGY_H
#define GW_SYNC_TOPOLOGY_H

#include "runtime/config.h"

/* Creates the topology's missing topics (the credentials topic compacted)
 * on c->kafka.brokers, reports partition-count drift on stdout, and
 * registers our schemas when kafka.schema_registry_url is set. Returns 0
 * when nothing drifts, 1 on drift, -1 on error (told on stderr). */
int gw_sync_topology(const gw_config_t *c);

#endif
