/*
 * routes.h — the route table of the composition root (routes.c): which
 * feature serves which path. Only main.c uses it.
 */
#ifndef GW_ROUTES_H
#define GW_ROUTES_H

#include "bench/bench.h"
#include "serve/pages.h"
#include "serve/serve.h"

/* The parts that serve paths; bench is NULL without --bench. */
typedef struct gw_routes {
    gw_serve_t *serve;
    gw_pages_t *pages;
    gw_bench_t *bench;
} gw_routes_t;

/* A gw_routes_fn: `data` is a gw_routes_t. */
int gw_routes(gw_server_t *s, h2o_hostconf_t *host, void *data);

#endif
