/*
 * routes.c — the gateway's URL space and its small handlers:
 *
 *   /graphql            GraphQL over HTTP (http_graphql.c); WebSocket
 *                       upgrades and SSE requests go to subs.c first
 *   /graphql-ws         WebSocket subscriptions (subs.c, ws_protocol.c)
 *   /graphiql           the GraphiQL page (static/graphiql.html)
 *   /graphiql/assets/…  GraphiQL, React and graphql-ws builds from web.assets
 *   /healthz            alive
 *   /readyz             the readiness checks, 503 with reasons when one fails
 *   /metrics            Prometheus text
 *   /bench/raw          (--bench only) the all_last_transactions bytes, no engine
 *   /                   static/index.html
 *
 * h2o picks the first registered path that is a prefix of the request path,
 * so longer paths are registered first.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "http.h"
#include "subs.h"

static bool is_get_or_head(h2o_req_t *req)
{
    return h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
           h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
}

/* The request path without the query string. */
static h2o_iovec_t path_only(h2o_req_t *req)
{
    return h2o_iovec_init(req->path_normalized.base, req->path_normalized.len);
}

/* Common checks for the GET-only routes: exact path and method. */
static bool get_route(gw_reqctx_t *rc, const char *path)
{
    h2o_iovec_t p = path_only(rc->req);
    if (!h2o_memis(p.base, p.len, path, strlen(path))) {
        gw_http_send_error(rc, 404, NULL, "Not found");
        return false;
    }
    if (!is_get_or_head(rc->req)) {
        gw_http_add_header(rc->req, "allow", "GET, HEAD");
        gw_http_send_error(rc, 405, NULL, "Method not allowed: use GET");
        return false;
    }
    return true;
}

static int on_healthz(h2o_handler_t *self, h2o_req_t *req)
{
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req) || !get_route(&rc, "/healthz"))
        return 0;
    gw_http_add_header(req, "cache-control", "no-store");
    static const char body[] = "{\"status\":\"alive\"}";
    gw_http_send(&rc, 200, "application/json; charset=utf-8", body, sizeof body - 1);
    return 0;
}

static int on_readyz(h2o_handler_t *self, h2o_req_t *req)
{
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req) || !get_route(&rc, "/readyz"))
        return 0;
    gw_server_t *s = rc.server;
    gql_buf_t b = GQL_BUF_INIT;
    bool ready = true;
    gql_buf_puts(&b, "{\"checks\":{");
    for (size_t i = 0; i < s->nready; i++) {
        char reason[256] = "";
        bool ok = s->ready[i].fn(s, s->ready[i].data, reason, sizeof reason);
        ready = ready && ok;
        if (i)
            gql_buf_putc(&b, ',');
        gql_buf_json_string(&b, s->ready[i].name, strlen(s->ready[i].name));
        gql_buf_puts(&b, ok ? ":{\"ok\":true}" : ":{\"ok\":false,\"reason\":");
        if (!ok) {
            gql_buf_json_string(&b, reason, strlen(reason));
            gql_buf_putc(&b, '}');
        }
    }
    gql_buf_printf(&b, "},\"status\":\"%s\"}", ready ? "ready" : "not ready");
    gw_http_add_header(req, "cache-control", "no-store");
    if (b.oom)
        gw_http_send_error(&rc, 500, NULL, "internal error");
    else
        gw_http_send(&rc, ready ? 200 : 503, "application/json; charset=utf-8", b.data, b.len);
    gql_buf_free(&b);
    return 0;
}

static int on_metrics(h2o_handler_t *self, h2o_req_t *req)
{
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req) || !get_route(&rc, "/metrics"))
        return 0;
    gw_server_t *s = rc.server;
    /* the projection sizes are published by the Kafka thread (backbone.c) */
    gql_buf_t b = GQL_BUF_INIT;
    gw_metrics_render(&b, s->thread_metrics, s->nthreads, &s->shared);
    if (b.oom)
        gw_http_send_error(&rc, 500, NULL, "internal error");
    else
        gw_http_send(&rc, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    gql_buf_free(&b);
    return 0;
}

static int on_index(h2o_handler_t *self, h2o_req_t *req)
{
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req) || !get_route(&rc, "/"))
        return 0;
    gw_http_send(&rc, 200, "text/html; charset=utf-8", rc.server->index_html, rc.server->index_len);
    return 0;
}

static int on_graphiql(h2o_handler_t *self, h2o_req_t *req)
{
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req) || !get_route(&rc, "/graphiql"))
        return 0;
    gw_http_add_header(req, "cache-control", "no-cache");
    gw_http_send(&rc, 200, "text/html; charset=utf-8", rc.server->graphiql_html, rc.server->graphiql_len);
    return 0;
}

/* Without a subscription registry (it failed to start): a clear 501. */
static int on_not_yet(h2o_handler_t *self, h2o_req_t *req)
{
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req))
        return 0;
    gw_http_send_error(&rc, 501, NULL, "WebSocket subscriptions are not served yet");
    return 0;
}

/* --bench only: the same bytes the engine gives for the bench query, with
 * the same headers, without parsing or executing anything. */
static int on_bench_raw(h2o_handler_t *self, h2o_req_t *req)
{
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req))
        return 0;
    rc.op = GW_OPL_QUERY;
    gw_http_send(&rc, 200, "application/json; charset=utf-8", rc.server->bench_response.data,
                 rc.server->bench_response.len);
    return 0;
}

/* Counts requests the h2o file handler answers (GraphiQL assets). */
static void on_file_logged(h2o_logger_t *self, h2o_req_t *req)
{
    (void)self;
    gw_thread_t *t = gw_thread_of(req);
    struct timeval now = *h2o_get_timestamp(req->conn->ctx, NULL, NULL);
    int64_t us = (int64_t)(now.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1000000 +
                 (now.tv_usec - req->timestamps.request_begin_at.tv_usec);
    gw_metrics_request(&t->metrics, GW_OPL_NONE, req->res.status, us > 0 ? (uint64_t)us * 1000 : 0);
}

static gw_handler_t *add_handler(gw_server_t *s, h2o_hostconf_t *host, const char *path,
                                 int (*fn)(h2o_handler_t *, h2o_req_t *))
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, path, 0);
    gw_handler_t *h = (gw_handler_t *)h2o_create_handler(pc, sizeof *h);
    h->super.on_req = fn;
    h->server = s;
    return h;
}

int gw_routes_register(gw_server_t *s, h2o_hostconf_t *host)
{
    static const struct {
        const char *url;
        const char *file; /* under web.assets */
    } ASSETS[] = {
        {"/graphiql/assets/graphiql.min.js", "graphiql/graphiql.min.js"},
        {"/graphiql/assets/graphiql.min.css", "graphiql/graphiql.min.css"},
        {"/graphiql/assets/react.production.min.js", "react/umd/react.production.min.js"},
        {"/graphiql/assets/react-dom.production.min.js", "react-dom/umd/react-dom.production.min.js"},
        {"/graphiql/assets/graphql-ws.min.js", "graphql-ws/umd/graphql-ws.min.js"},
    };
    if (s->subs != NULL) {
        gw_subs_routes(s->subs, host); /* /graphql-ws, and /graphql with WebSocket/SSE in front */
    } else {
        add_handler(s, host, "/graphql-ws", on_not_yet);
        add_handler(s, host, "/graphql", gw_graphql_on_req);
    }
    if (s->config.web.graphiql) {
        for (size_t i = 0; i < sizeof ASSETS / sizeof *ASSETS; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", s->config.web.assets, ASSETS[i].file);
            struct stat st;
            if (stat(path, &st) != 0) {
                gw_log_line_t l;
                if (gw_log_begin(&l, &s->log, GW_LOG_WARN, "graphiql asset missing (run scripts/setup)")) {
                    gw_log_str(&l, "file", path);
                    gw_log_end(&l);
                }
            }
            h2o_pathconf_t *pc = h2o_config_register_path(host, ASSETS[i].url, 0);
            /* h2o's default map knows .js and .css; the file handler takes a reference */
            const char *ext = strrchr(ASSETS[i].file, '.') + 1;
            h2o_mimemap_type_t *mt = h2o_mimemap_get_type_by_extension(host->mimemap, h2o_iovec_init(ext, strlen(ext)));
            h2o_file_register_file(pc, path, mt, 0);
            h2o_logger_t *lg = h2o_create_logger(pc, sizeof *lg);
            lg->log_access = on_file_logged;
        }
        add_handler(s, host, "/graphiql", on_graphiql);
    }
    add_handler(s, host, "/healthz", on_healthz);
    add_handler(s, host, "/readyz", on_readyz);
    add_handler(s, host, "/metrics", on_metrics);
    if (s->bench)
        add_handler(s, host, "/bench/raw", on_bench_raw);
    add_handler(s, host, "/", on_index);
    return 0;
}
