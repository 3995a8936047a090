/*
 * http.c — the handler prologue (limits, CORS) and response sending shared
 * by every gateway route (see http.h).
 */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t gw_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

h2o_iovec_t gw_http_header(h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);
    if (i < 0)
        return h2o_iovec_init(NULL, 0);
    return req->headers.entries[i].value;
}

/* Adds a header whose value is given with its length (copied). */
static void add_header_n(h2o_req_t *req, const char *name, const char *value, size_t vlen)
{
    char *v = h2o_mem_alloc_pool(&req->pool, vlen ? vlen : 1);
    memcpy(v, value, vlen);
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 1, NULL, v, vlen);
}

void gw_http_add_header(h2o_req_t *req, const char *name, const char *value)
{
    add_header_n(req, name, value, strlen(value));
}

/* The reason phrase HTTP/1.1 shows for the statuses the gateway sends. */
static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

void gw_http_send(gw_reqctx_t *rc, int status, const char *content_type, const char *body, size_t len)
{
    h2o_req_t *req = rc->req;
    req->res.status = status;
    req->res.reason = reason_phrase(status);
    if (content_type != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type, strlen(content_type));
    /* h2o_send_inline does not set it: without it HTTP/1.1 falls back to
     * chunked. A 204 carries no Content-Length at all (RFC 9110 §8.6). */
    req->res.content_length = status == 204 ? SIZE_MAX : len;
    /* Compression (gw_http_compress): every body sent here is text (JSON,
     * HTML, Prometheus), but h2o decides by the Content-Type's entry in its
     * MIME map, which lacks application/graphql-response+json: say it. */
    const gw_config_t *cf = rc->server->config;
    if (cf->server.compress.enabled && status != 204 && len >= cf->server.compress.min_bytes) {
        h2o_mime_attributes_t *attr = h2o_mem_alloc_pool(&req->pool, sizeof *attr);
        *attr = (h2o_mime_attributes_t){.is_compressible = 1, .priority = H2O_MIME_ATTRIBUTE_PRIORITY_NORMAL};
        req->res.mime_attr = attr;
        /* caches must key on it whether or not this client gets gzip */
        h2o_set_header_token(&req->pool, &req->res.headers, H2O_TOKEN_VARY, H2O_STRLIT("accept-encoding"));
    }
    /* h2o decides keep-alive when the headers arrive; a request that arrived
     * (or waited for an answer) across the start of a shutdown must close
     * its connection too */
    if (rc->thread->stopping)
        req->http1_is_persistent = 0;
    uint64_t ns = gw_now_ns() - rc->start_ns;
    gw_metrics_request(&rc->thread->metrics, rc->op, status, ns);
    gw_log_line_t l;
    if (gw_log_begin(&l, &rc->server->log, status >= 500 ? GW_LOG_ERROR : GW_LOG_DEBUG, "request")) {
        gw_log_strn(&l, "method", req->method.base, req->method.len);
        /* the path only: query strings may carry variables */
        size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
        gw_log_strn(&l, "path", req->path.base, plen);
        gw_log_int(&l, "status", status);
        gw_log_int(&l, "bytes", (int64_t)len);
        gw_log_double(&l, "ms", (double)ns / 1e6);
        gw_log_int(&l, "thread", (int64_t)rc->thread->index);
        gw_log_end(&l);
    }
    rc->thread->inflight--;
    h2o_send_inline(req, body, len);
}

void gw_http_send_error(gw_reqctx_t *rc, int status, const char *content_type, const char *msg)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_puts(&b, "{\"errors\":[{\"message\":");
    gql_buf_json_string(&b, msg, strlen(msg));
    gql_buf_puts(&b, "}]}");
    if (b.oom)
        gw_http_send(rc, 500, "text/plain; charset=utf-8", "internal error", 14);
    else
        gw_http_send(rc, status, content_type ? content_type : "application/json; charset=utf-8", b.data, b.len);
    gql_buf_free(&b);
}

/* Whether `origin` (scheme://host[:port]) names this gateway on the
 * loopback interface: localhost, 127.0.0.1 or [::1] with the bound port,
 * over the scheme the listener speaks (GraphiQL and the web app served by
 * this gateway on a developer's machine). Only what the server itself
 * bound decides; the request's Host header never does, so a rebinding
 * name (evil.example resolving to 127.0.0.1) is not the gateway's own. */
static bool origin_is_own(const gw_server_t *s, h2o_iovec_t origin)
{
    const char *scheme = s->ssl_ctx != NULL ? "https://" : "http://";
    static const char *const LOOPBACK[] = {"localhost", "127.0.0.1", "[::1]"};
    char own[64];
    for (size_t i = 0; i < sizeof LOOPBACK / sizeof *LOOPBACK; i++) {
        int n = snprintf(own, sizeof own, "%s%s:%d", scheme, LOOPBACK[i], s->port);
        if (n > 0 && (size_t)n == origin.len && h2o_lcstris(origin.base, origin.len, own, (size_t)n))
            return true;
    }
    return false;
}

/* Whether `origin` may call us: in server.cors_origins ("*" allows every
 * origin), or this gateway's own loopback origin (origin_is_own). */
static bool origin_allowed(const gw_server_t *s, h2o_iovec_t origin)
{
    const gw_config_t *c = s->config;
    for (size_t i = 0; i < c->server.ncors_origins; i++) {
        const char *o = c->server.cors_origins[i];
        if (strcmp(o, "*") == 0 || (strlen(o) == origin.len && memcmp(o, origin.base, origin.len) == 0))
            return true;
    }
    return origin_is_own(s, origin);
}

bool gw_http_begin(gw_reqctx_t *rc, gw_handler_t *h, h2o_req_t *req)
{
    rc->server = h->server;
    rc->thread = gw_thread_of(req);
    rc->req = req;
    rc->start_ns = gw_now_ns();
    rc->op = GW_OPL_NONE;
    rc->thread->inflight++;

    const gw_config_t *c = rc->server->config;
    size_t hbytes = req->input.method.len + req->input.path.len + 12;
    for (size_t i = 0; i < req->headers.size; i++)
        hbytes += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    if (hbytes > c->server.max_header_bytes) {
        req->http1_is_persistent = 0;
        gw_http_send_error(rc, 431, NULL, "Request header fields too large");
        return false;
    }

    h2o_iovec_t origin = h2o_iovec_init(NULL, 0);
    ssize_t oi = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1);
    if (oi >= 0)
        origin = req->headers.entries[oi].value;
    bool preflight = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS"));
    if (origin.base == NULL) {
        if (preflight) {
            gw_http_add_header(req, "allow", "GET, POST, OPTIONS");
            gw_http_send(rc, 204, NULL, "", 0);
            return false;
        }
        return true;
    }
    gw_http_add_header(req, "vary", "Origin");
    if (!origin_allowed(rc->server, origin)) {
        gw_http_send_error(rc, 403, NULL, "Origin not allowed");
        return false;
    }
    add_header_n(req, "access-control-allow-origin", origin.base, origin.len);
    if (preflight) {
        gw_http_add_header(req, "access-control-allow-methods", "GET, POST, OPTIONS");
        gw_http_add_header(req, "access-control-allow-headers", "content-type, accept, authorization");
        gw_http_add_header(req, "access-control-max-age", "600");
        gw_http_send(rc, 204, NULL, "", 0);
        return false;
    }
    return true;
}

void gw_http_compress(gw_server_t *s, h2o_pathconf_t *pc)
{
    const gw_config_t *c = s->config;
    if (!c->server.compress.enabled)
        return;
    /* h2o_compress_register copies the arguments; brotli only exists when h2o
     * was built with it (Debian 12's libh2o-evloop is not) */
    h2o_compress_args_t args = {.min_size = c->server.compress.min_bytes};
    args.gzip.quality = c->server.compress.gzip_level;
    args.brotli.quality = -1;
    h2o_compress_register(pc, &args);
}

gw_handler_t *gw_http_register(gw_server_t *s, h2o_hostconf_t *host, const char *path,
                               int (*on_req)(h2o_handler_t *, h2o_req_t *), size_t size)
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, path, 0);
    gw_http_compress(s, pc);
    gw_handler_t *h = (gw_handler_t *)h2o_create_handler(pc, size);
    h->super.on_req = on_req;
    h->server = s;
    return h;
}

bool gw_http_path_is(h2o_req_t *req, const char *path)
{
    return h2o_memis(req->path_normalized.base, req->path_normalized.len, path, strlen(path));
}
