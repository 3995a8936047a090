/*
 * routes.c — the gateway's URL space, part of the composition root: the
 * server core calls gw_routes (through gw_server_set_routes) while it
 * builds its h2o configuration, and this table hands each path to the
 * feature that serves it. h2o picks the first registered path that is a
 * prefix of the request's, so longer paths come first:
 *
 *   /bench/...        --bench only (bench/bench.h)
 *   /graphql-ws       WebSocket upgrades (serve/serve.h)
 *   /graphql          WebSocket upgrades, SSE, GraphQL over HTTP (serve/serve.h)
 *   /graphiql, /healthz, /readyz, /metrics,
 *   /app/, /favicon.ico (the web app's files), /   (serve/pages.h)
 */
#include "routes.h"

int gw_routes(gw_server_t *s, h2o_hostconf_t *host, void *data)
{
    const gw_routes_t *r = data;
    int rc = 0;
    if (r->bench != NULL)
        rc = gw_bench_register(r->bench, host);
    if (rc == 0)
        rc = gw_serve_register(r->serve, host);
    if (rc == 0)
        rc = gw_pages_register(r->pages, s, host); /* "/" last: it takes every other path */
    return rc;
}
