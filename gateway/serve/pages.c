/*
 * pages.c — the small endpoints (see pages.h):
 *
 *   /graphiql           the GraphiQL page (static/graphiql.html)
 *   /graphiql/assets/…  GraphiQL, React and graphql-ws builds from web.assets
 *   /healthz            alive
 *   /readyz             the readiness checks, 503 with reasons when one fails
 *   /metrics            Prometheus text
 *   /app/…              the bank's web app: the files of static/app/ (h2o's file handler)
 *   /favicon.ico        static/favicon.ico
 *   /                   static/index.html (the web app's shell)
 */
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/file.h"
#include "runtime/http.h"

struct gw_pages {
    const gw_config_t *config;
    char *index_html; /* static/index.html */
    size_t index_len;
    char *graphiql_html; /* static/graphiql.html, when web.graphiql */
    size_t graphiql_len;
};

typedef struct pages_handler {
    gw_handler_t super; /* first */
    const gw_pages_t *pages;
} pages_handler_t;

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
    gql_buf_t b = GQL_BUF_INIT;
    bool ready = gw_server_ready(rc.server, &b);
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
    gql_buf_t b = GQL_BUF_INIT;
    gw_server_render_metrics(rc.server, &b);
    if (b.oom)
        gw_http_send_error(&rc, 500, NULL, "internal error");
    else
        gw_http_send(&rc, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    gql_buf_free(&b);
    return 0;
}

static int on_index(h2o_handler_t *self, h2o_req_t *req)
{
    const gw_pages_t *p = ((pages_handler_t *)self)->pages;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req) || !get_route(&rc, "/"))
        return 0;
    gw_http_add_header(req, "cache-control", "no-cache");
    gw_http_send(&rc, 200, "text/html; charset=utf-8", p->index_html, p->index_len);
    return 0;
}

static int on_graphiql(h2o_handler_t *self, h2o_req_t *req)
{
    const gw_pages_t *p = ((pages_handler_t *)self)->pages;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req) || !get_route(&rc, "/graphiql"))
        return 0;
    gw_http_add_header(req, "cache-control", "no-cache");
    gw_http_send(&rc, 200, "text/html; charset=utf-8", p->graphiql_html, p->graphiql_len);
    return 0;
}

/* Counts requests the h2o file handler answers (GraphiQL assets, the web app). */
static void on_file_logged(h2o_logger_t *self, h2o_req_t *req)
{
    (void)self;
    gw_thread_t *t = gw_thread_of(req);
    struct timeval now = *h2o_get_timestamp(req->conn->ctx, NULL, NULL);
    int64_t us = (int64_t)(now.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1000000 +
                 (now.tv_usec - req->timestamps.request_begin_at.tv_usec);
    gw_metrics_request(&t->metrics, GW_OPL_NONE, req->res.status, us > 0 ? (uint64_t)us * 1000 : 0);
}

/* Counts the file handler's answers on `pc` in the metrics, as the gateway's own handlers are. */
static void log_files(h2o_pathconf_t *pc)
{
    h2o_logger_t *lg = h2o_create_logger(pc, sizeof *lg);
    lg->log_access = on_file_logged;
}

/* Warns (does not fail) when a file or folder of web.root is missing: the
 * gateway still serves GraphQL, and those paths answer 404. */
static void warn_missing(gw_server_t *s, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return;
    gw_log_line_t l;
    if (gw_log_begin(&l, &s->log, GW_LOG_WARN, "web app file missing under web.root")) {
        gw_log_str(&l, "file", path);
        gw_log_end(&l);
    }
}

/*
 * The web app's files: /app/… from web.root/app/ and /favicon.ico, through
 * h2o's file handler (ETag, Last-Modified, 304s, ranges, HEAD; other methods
 * 405). Types come from our own map, not h2o's defaults: ES modules must be
 * text/javascript (h2o 2.2.5 says application/javascript), and anything
 * unknown is application/octet-stream. No directory listing (a folder is 403)
 * and no index file: the app's shell is "/". Every answer says
 * `cache-control: no-cache` (the browser revalidates with the ETag, so an
 * edited file shows on the next reload; unchanged ones cost a 304) and
 * `x-content-type-options: nosniff`. Returns 0 or GW_ENOMEM.
 */
static int register_app_files(const gw_pages_t *p, gw_server_t *s, h2o_hostconf_t *host)
{
    static const struct {
        const char *ext, *type;
    } TYPES[] = {
        {"html", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"ico", "image/x-icon"},
        {"png", "image/png"},
        {"woff2", "font/woff2"},
        {"txt", "text/plain; charset=utf-8"},
    };
    static const char *NO_INDEX[] = {NULL};
    static h2o_iovec_t NOSNIFF = {H2O_STRLIT("x-content-type-options")};
    static h2o_headers_command_t HEADERS[] = {
        {H2O_HEADERS_CMD_SET, &H2O_TOKEN_CACHE_CONTROL->buf, {H2O_STRLIT("no-cache")}},
        {H2O_HEADERS_CMD_SET, &NOSNIFF, {H2O_STRLIT("nosniff")}},
        {H2O_HEADERS_CMD_NULL, NULL, {NULL, 0}},
    };

    h2o_mimemap_t *types = h2o_mimemap_create();
    if (types == NULL)
        return GW_ENOMEM;
    h2o_mimemap_clear_types(types);
    h2o_mimemap_set_default_type(types, "application/octet-stream", NULL);
    for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; i++)
        h2o_mimemap_define_mimetype(types, TYPES[i].ext, TYPES[i].type, NULL);

    char path[4096];
    snprintf(path, sizeof path, "%s/app", p->config->web.root);
    warn_missing(s, path);
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/app/", 0);
    h2o_file_register(pc, path, NO_INDEX, types, 0); /* takes its own reference */
    gw_http_compress(s, pc);
    h2o_headers_register(pc, HEADERS);
    log_files(pc);

    snprintf(path, sizeof path, "%s/favicon.ico", p->config->web.root);
    warn_missing(s, path);
    pc = h2o_config_register_path(host, "/favicon.ico", 0);
    h2o_file_register_file(pc, path, h2o_mimemap_get_type_by_extension(types, h2o_iovec_init(H2O_STRLIT("ico"))), 0);
    gw_http_compress(s, pc);
    h2o_headers_register(pc, HEADERS);
    log_files(pc);

    h2o_mem_release_shared(types);
    return 0;
}

static void add_handler(const gw_pages_t *p, gw_server_t *s, h2o_hostconf_t *host, const char *path,
                        int (*fn)(h2o_handler_t *, h2o_req_t *))
{
    pages_handler_t *h = (pages_handler_t *)gw_http_register(s, host, path, fn, sizeof *h);
    h->pages = p;
}

gw_pages_t *gw_pages_new(const gw_config_t *config)
{
    gw_pages_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->config = config;
    char path[4096];
    snprintf(path, sizeof path, "%s/index.html", config->web.root);
    if ((p->index_html = gw_read_file(path, &p->index_len)) == NULL) {
        fprintf(stderr, "gateway: web.root: cannot read %s: %s\n", path, strerror(errno));
        gw_pages_free(p);
        return NULL;
    }
    if (config->web.graphiql) {
        snprintf(path, sizeof path, "%s/graphiql.html", config->web.root);
        if ((p->graphiql_html = gw_read_file(path, &p->graphiql_len)) == NULL) {
            fprintf(stderr, "gateway: web.root: cannot read %s: %s\n", path, strerror(errno));
            gw_pages_free(p);
            return NULL;
        }
    }
    return p;
}

void gw_pages_free(gw_pages_t *p)
{
    if (p == NULL)
        return;
    free(p->index_html);
    free(p->graphiql_html);
    free(p);
}

int gw_pages_register(gw_pages_t *p, gw_server_t *s, h2o_hostconf_t *host)
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
    const gw_config_t *c = p->config;
    if (c->web.graphiql) {
        for (size_t i = 0; i < sizeof ASSETS / sizeof *ASSETS; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", c->web.assets, ASSETS[i].file);
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
            gw_http_compress(s, pc);
            log_files(pc);
        }
        add_handler(p, s, host, "/graphiql", on_graphiql);
    }
    add_handler(p, s, host, "/healthz", on_healthz);
    add_handler(p, s, host, "/readyz", on_readyz);
    add_handler(p, s, host, "/metrics", on_metrics);
    int rc = register_app_files(p, s, host);
    if (rc == 0)
        add_handler(p, s, host, "/", on_index); /* last: it takes every path no other route took */
    return rc;
}
