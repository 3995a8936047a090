/*
 * graphql_http.c — GraphQL over HTTP (the GraphQL-over-HTTP specification,
 * draft of 2025) on POST and GET /graphql.
 *
 * The steps, each with the status the specification gives it:
 *   1. method: GET or POST, else 405 with Allow;
 *   2. Accept: application/graphql-response+json or application/json
 *      (also application/ and * / *, or no Accept at all), else 406;
 *   3. parameters (exec/params.c): a JSON object body (POST, Content-Type
 *      application/json, else 415) or the query string (GET); malformed
 *      JSON, a missing query or parameters of the wrong type are 400 with a
 *      GraphQL error body;
 *   4. the document from this loop's cache (parse + validate), then the
 *      operation and variables (gw_exec_prepare): failures are "request errors":
 *      200 with application/json, 400 with application/graphql-response+json
 *      (the response then has no "data");
 *   5. mutations over GET: 405 with Allow: POST; subscriptions need
 *      WebSocket or SSE: 400;
 *   6. execution: 200 with the response. No Cache-Control on GET answers:
 *      account data must not sit in a shared cache (a CDN in front may
 *      still key GETs of persisted queries by URL if configured to);
 *      request errors on GET get "private, no-cache, must-revalidate", as
 *      Apollo Server sends with PersistedQueryNotFound.
 * Variable values are never logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/pending.h"
#include "serve_int.h"

typedef enum media {
    MEDIA_NONE = 0,
    MEDIA_JSON,
    MEDIA_GQL, /* application/graphql-response+json */
} media_t;

static const char CT_JSON[] = "application/json; charset=utf-8";
static const char CT_GQL[] = "application/graphql-response+json; charset=utf-8";

static const char *media_ct(media_t m)
{
    return m == MEDIA_GQL ? CT_GQL : CT_JSON;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Picks the response media type from an Accept header (RFC 9110 §12.5.1):
 * the supported type with the highest q; on a tie the more specific range,
 * then graphql-response+json. No header: application/json. */
static media_t negotiate(h2o_iovec_t accept)
{
    if (accept.base == NULL)
        return MEDIA_JSON;
    media_t best = MEDIA_NONE;
    double best_q = 0;
    int best_rank = 0;
    const char *p = accept.base, *end = accept.base + accept.len;
    while (p < end) {
        const char *item_end = memchr(p, ',', (size_t)(end - p));
        if (item_end == NULL)
            item_end = end;
        const char *t = skip_ws(p, item_end);
        const char *te = t;
        while (te < item_end && *te != ';' && *te != ' ' && *te != '\t')
            te++;
        size_t tl = (size_t)(te - t);
        double q = 1;
        bool charset_ok = true;
        for (const char *s = te; s < item_end;) {
            const char *pe = memchr(s, ';', (size_t)(item_end - s));
            if (pe == NULL)
                pe = item_end;
            const char *k = skip_ws(s, pe);
            if (pe - k >= 2 && (k[0] == 'q' || k[0] == 'Q') && k[1] == '=')
                q = strtod(k + 2, NULL);
            else if (pe - k > 8 && h2o_lcstris(k, 8, "charset=", 8)) {
                const char *v = k + 8, *ve = pe;
                while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                    ve--;
                charset_ok = h2o_lcstris(v, (size_t)(ve - v), H2O_STRLIT("utf-8")) ||
                             h2o_lcstris(v, (size_t)(ve - v), H2O_STRLIT("utf8"));
            }
            s = pe < item_end ? pe + 1 : item_end;
        }
        media_t m = MEDIA_NONE;
        int rank = 0;
        if (h2o_lcstris(t, tl, H2O_STRLIT("application/graphql-response+json")))
            m = MEDIA_GQL, rank = 4;
        else if (h2o_lcstris(t, tl, H2O_STRLIT("application/json")))
            m = MEDIA_JSON, rank = 3;
        else if (h2o_lcstris(t, tl, H2O_STRLIT("application/*")))
            m = MEDIA_JSON, rank = 2;
        else if (h2o_lcstris(t, tl, H2O_STRLIT("*/*")))
            m = MEDIA_JSON, rank = 1;
        if (m != MEDIA_NONE && charset_ok && q > 0 && (q > best_q || (q == best_q && rank > best_rank))) {
            best = m;
            best_q = q;
            best_rank = rank;
        }
        p = item_end < end ? item_end + 1 : end;
    }
    return best;
}

/* A request whose execution waits for a resolver (pending.h). Owns the
 * request's GraphQL state; lives in that state's arena (allocated before
 * executing, so going pending cannot fail), freed by wait_free once the
 * answer was sent or, the client gone, once the resolver resumed. */
typedef struct http_wait {
    gw_serve_loop_t *SL;
    h2o_req_t *req;            /* NULL once the client is gone */
    struct pending_link *link; /* the chunk in req->pool pointing here */
    gw_pending_t *pending;     /* until the execution completes */
    gw_reqctx_t rc;            /* metrics and logs of the request */
    media_t media;
    gql_arena_t *arena; /* owns the parameters, op, variables, out */
    gql_cached_doc_t *doc;
    gql_buf_t *out;
} http_wait_t;

/* Lives in the request's pool; its dispose callback tells the waiting state
 * that the request is gone (client closed, HTTP/2 stream reset). */
typedef struct pending_link {
    http_wait_t *w; /* NULL once the waiting state is done */
} pending_link_t;

static void wait_free(void *data)
{
    http_wait_t *w = data; /* in its own arena: freed last */
    gw_exec_loop_t *X = w->SL->exec;
    if (w->link != NULL)
        w->link->w = NULL;
    gql_buf_free(w->out);
    gql_doc_cache_release(w->doc);
    gql_arena_free(w->arena);
    gw_exec_publish(X);
}

static void on_link_dispose(void *data)
{
    pending_link_t *link = data;
    http_wait_t *w = link->w;
    if (w == NULL)
        return;
    w->req = NULL;
    w->link = NULL;
    w->SL->thread->inflight--; /* no response will be sent */
    gw_pending_cancel(w->pending, wait_free, w);
}

/* The execution completed (gw_pending_done_fn): send the response. */
static void on_done(void *user, int rcode, gql_buf_t *out)
{
    http_wait_t *w = user;
    if (rcode == 0 && !out->oom)
        gw_http_send(&w->rc, 200, media_ct(w->media), out->data, out->len);
    else
        gw_http_send_error(&w->rc, 500, media_ct(w->media), "Internal server error");
    wait_free(w);
}

/* Sends {"errors":[...]} for request errors (no "data"). */
static void send_request_errors(gw_reqctx_t *rc, media_t media, const gql_errors_t *errs)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_puts(&b, "{\"errors\":");
    gql_errors_write_json(errs, &b);
    gql_buf_putc(&b, '}');
    if (b.oom)
        gw_http_send_error(rc, 500, NULL, "internal error");
    else
        gw_http_send(rc, media == MEDIA_GQL ? 400 : 200, media_ct(media), b.data, b.len);
    gql_buf_free(&b);
}

static void internal_error(gw_reqctx_t *rc, media_t media, const char *detail)
{
    gw_log_msg(&rc->server->log, GW_LOG_ERROR, "graphql internal error", detail);
    gw_http_send_error(rc, 500, media_ct(media), "Internal server error");
}

/* The Content-Type of a POST: application/json, charset absent or UTF-8. */
static bool json_content_type(h2o_req_t *req)
{
    h2o_iovec_t ctype = gw_http_header(req, H2O_TOKEN_CONTENT_TYPE);
    if (ctype.base == NULL)
        return false;
    const char *semi = memchr(ctype.base, ';', ctype.len);
    size_t tl = semi ? (size_t)(semi - ctype.base) : ctype.len;
    while (tl > 0 && (ctype.base[tl - 1] == ' ' || ctype.base[tl - 1] == '\t'))
        tl--;
    if (!h2o_lcstris(ctype.base, tl, H2O_STRLIT("application/json")))
        return false;
    if (semi != NULL) {
        const char *cs = skip_ws(semi + 1, ctype.base + ctype.len);
        size_t cl = (size_t)(ctype.base + ctype.len - cs);
        if (cl > 8 && h2o_lcstris(cs, 8, "charset=", 8))
            return h2o_lcstris(cs + 8, cl - 8, H2O_STRLIT("utf-8")) || h2o_lcstris(cs + 8, cl - 8, H2O_STRLIT("utf8"));
    }
    return true;
}

void gw_graphql_http(gw_serve_loop_t *SL, gw_reqctx_t *rc_)
{
    gw_reqctx_t rc = *rc_;
    h2o_req_t *req = rc.req;
    gw_exec_loop_t *X = SL->exec;

    bool is_get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    bool is_post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    if (!is_get && !is_post) {
        gw_http_add_header(req, "allow", "GET, POST");
        gw_http_send_error(&rc, 405, NULL, "Method not allowed: use GET or POST");
        return;
    }
    media_t media = negotiate(gw_http_header(req, H2O_TOKEN_ACCEPT));
    if (media == MEDIA_NONE) {
        gw_http_add_header(req, "accept",
                           "application/graphql-response+json; charset=utf-8, application/json; "
                           "charset=utf-8");
        gw_http_send_error(&rc, 406, NULL,
                           "Not acceptable: the response is application/graphql-response+json or "
                           "application/json");
        return;
    }
    const char *ct = media_ct(media);
    if (is_post && !json_content_type(req)) {
        gw_http_send_error(&rc, 415, ct,
                           "Unsupported Content-Type: send application/json (UTF-8) or use GET for queries");
        return;
    }

    gql_arena_t *a = gw_exec_arena_new(X, 0);
    /* in the arena: gql_resume needs the same buffer at the same address */
    gql_buf_t *out = a != NULL ? gql_arena_alloc(a, sizeof *out) : NULL;
    /* allocated here so that going pending cannot fail */
    http_wait_t *w = out != NULL ? gql_arena_alloc(a, sizeof *w) : NULL;
    gql_cached_doc_t *doc = NULL;
    if (w == NULL) {
        out = NULL;
        internal_error(&rc, media, "out of memory");
        goto done;
    }
    *out = (gql_buf_t)GQL_BUF_INIT;

    gw_params_t p;
    char msg[256];
    const char *bad = is_post ? gw_params_from_json(a, req->entity.base, req->entity.len, &p, msg, sizeof msg)
                      : req->query_at != SIZE_MAX ? gw_params_from_query_string(a, req->path.base + req->query_at + 1,
                                                                                req->path.len - req->query_at - 1, &p)
                                                  : gw_params_from_query_string(a, "", 0, &p);
    if (bad != NULL) {
        gw_http_send_error(&rc, 400, ct, bad);
        goto done;
    }
    gql_errors_t errs;
    gql_errors_init(&errs, a, gw_exec_limits(gw_exec_of(X))->max_errors);
    gql_operation_t *op = NULL;
    int rcode = gw_exec_prepare(X, &p, a, NULL, &errs, &doc, &op);
    if (rcode == GW_EREQUEST) {
        /* as Apollo Server: a CDN must not keep a PersistedQueryNotFound
         * (the text is registered next), nor any other refusal */
        if (is_get)
            gw_http_add_header(req, "cache-control", "private, no-cache, must-revalidate");
        send_request_errors(&rc, media, &errs);
        goto done;
    }
    if (rcode != 0) {
        internal_error(&rc, media, "gw_exec_prepare failed");
        goto done;
    }
    gql_op_type_t type = gql_operation_type(op);
    rc.op = type == GQL_OP_QUERY ? GW_OPL_QUERY : type == GQL_OP_MUTATION ? GW_OPL_MUTATION : GW_OPL_SUBSCRIPTION;
    if (is_get && type != GQL_OP_QUERY) {
        gw_http_add_header(req, "allow", "POST");
        gw_http_send_error(&rc, 405, ct,
                           type == GQL_OP_MUTATION ? "Cannot perform mutations over GET: use POST"
                                                   : "Cannot perform subscriptions over GET: use WebSocket or SSE");
        goto done;
    }
    if (type == GQL_OP_SUBSCRIPTION) {
        gw_http_send_error(&rc, 400, ct,
                           "Subscriptions are served over WebSocket (/graphql-ws) or Server-Sent Events, not POST");
        goto done;
    }
    gw_pending_t *pd = NULL;
    rcode = gw_pending_execute(X, op, NULL, out, a, &pd);
    if (pd != NULL) {
        /* a resolver answers later: the waiting state owns everything now,
         * and the request stays in flight until the execution completes */
        pending_link_t *link = h2o_mem_alloc_shared(&req->pool, sizeof *link, on_link_dispose);
        link->w = w;
        *w = (http_wait_t){
            .SL = SL,
            .req = req,
            .link = link,
            .pending = pd,
            .rc = rc,
            .media = media,
            .arena = a,
            .doc = doc,
            .out = out,
        };
        gw_pending_wait(pd, on_done, w);
        return;
    }
    if (rcode == 0 && !out->oom)
        gw_http_send(&rc, 200, ct, out->data, out->len);
    else if (rcode == GQL_PENDING)
        internal_error(&rc, media, "a resolver answered later without gw_pending_hold");
    else
        internal_error(&rc, media, "gql_execute failed");

done:
    if (out != NULL)
        gql_buf_free(out);
    if (doc != NULL)
        gql_doc_cache_release(doc);
    gql_arena_free(a);
    gw_exec_publish(X);
}
