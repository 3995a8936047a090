/*
 * http.h — what every gateway handler shares: the prologue (header-size
 * limit, CORS), sending a complete response with Content-Length, and
 * counting it in the metrics and the access log.
 *
 * Handlers here answer synchronously: the body is copied into the request's
 * pool by h2o_send_inline, so callers free their buffers right after
 * gw_http_send. Anything that answers later must allocate its state with
 * h2o_mem_alloc_shared (the pool dies with the request, and on HTTP/2 a
 * stream reset frees it while a timer may still point at it).
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include "server.h"

/* A handler with a back pointer to the server. A feature's handler embeds
 * it first and adds what it needs (its own context). */
typedef struct gw_handler {
    h2o_handler_t super;
    gw_server_t *server;
} gw_handler_t;

/* Registers `on_req` at `path` on `host` with a handler of `size` bytes
 * (at least sizeof(gw_handler_t); the rest zeroed, for the caller's
 * fields). h2o picks the first registered path that is a prefix of the
 * request's, so register longer paths first. */
gw_handler_t *gw_http_register(gw_server_t *s, h2o_hostconf_t *host, const char *path,
                               int (*on_req)(h2o_handler_t *, h2o_req_t *), size_t size);

/* Adds h2o's compression filter to `pc` when server.compress.enabled: gzip at
 * server.compress.gzip_level for responses of at least min_bytes whose client
 * sends Accept-Encoding: gzip and whose type is compressible (gw_http_send
 * marks its bodies so; files go by their MIME type). h2o adds Content-Encoding
 * and Vary. SSE streams are left alone (text/event-stream is not in h2o's MIME
 * map, so h2o treats it as incompressible). gw_http_register calls it. */
void gw_http_compress(gw_server_t *s, h2o_pathconf_t *pc);

/* True when the request's path (without the query string) is exactly `path`. */
bool gw_http_path_is(h2o_req_t *req, const char *path);

/* The state of one request inside a gateway handler. */
typedef struct gw_reqctx {
    gw_server_t *server;
    gw_thread_t *thread;
    h2o_req_t *req;
    uint64_t start_ns;
    gw_op_label_t op; /* for the metrics; GW_OPL_NONE by default */
} gw_reqctx_t;

/* Starts handling: counts the request in flight, enforces
 * server.max_header_bytes (431), applies CORS (answers preflights, refuses
 * origins not allowed with 403, adds Access-Control-Allow-Origin for allowed
 * ones). Returns true when the handler should go on; false when a response
 * was already sent. */
bool gw_http_begin(gw_reqctx_t *rc, gw_handler_t *h, h2o_req_t *req);

/* Sends a whole response: status, Content-Type (may be NULL), the body
 * (copied), Content-Length; then counts it (metrics, debug access log) and
 * ends the in-flight count. Extra headers must be added to
 * req->res.headers before. */
void gw_http_send(gw_reqctx_t *rc, int status, const char *content_type, const char *body, size_t len);

/* Sends {"errors":[{"message":msg}]} as `content_type` (NULL: application/json). */
void gw_http_send_error(gw_reqctx_t *rc, int status, const char *content_type, const char *msg);

/* Adds a response header (name must be lowercase). Value is copied. */
void gw_http_add_header(h2o_req_t *req, const char *name, const char *value);

/* The value of request header `token`, or a NULL base when absent. */
h2o_iovec_t gw_http_header(h2o_req_t *req, const h2o_token_t *token);

#endif
