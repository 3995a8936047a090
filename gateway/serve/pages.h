/*
 * pages.h — the gateway's small HTTP endpoints: GET /healthz (alive),
 * /readyz (the server's readiness checks, 503 with reasons when one fails),
 * /metrics (Prometheus text), / (static/index.html, the web app's shell),
 * the web app's files (/app/… from static/app/, /favicon.ico), /graphiql
 * with its assets from web.assets.
 *
 * Ownership: main makes it (gw_pages_new: the pages are read from disk
 * once) and frees it after the server stopped. Errors: 0 or a negative GW_E*
 * code.
 */
#ifndef GW_PAGES_H
#define GW_PAGES_H

#include "runtime/config.h"
#include "runtime/server.h"

typedef struct gw_pages gw_pages_t;

/* Reads web.root's index.html (and graphiql.html when web.graphiql). NULL
 * after telling why on stderr. */
gw_pages_t *gw_pages_new(const gw_config_t *config);
void gw_pages_free(gw_pages_t *p);

/* Registers the paths on `host`: call last, "/" catches every path no other
 * route took. A missing static/app/ or favicon.ico is a warning (those paths
 * answer 404), not an error. 0 or GW_ENOMEM. */
int gw_pages_register(gw_pages_t *p, gw_server_t *s, h2o_hostconf_t *host);

#endif
