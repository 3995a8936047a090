/*
 * http_graphql.c — GraphQL over HTTP (the GraphQL-over-HTTP specification,
 * draft of 2025) on POST and GET /graphql.
 *
 * The steps, each with the status the specification gives it:
 *   1. method: GET or POST, else 405 with Allow;
 *   2. Accept: application/graphql-response+json or application/json
 *      (also application/ and * / *, or no Accept at all), else 406;
 *   3. parameters: a JSON object body (POST, Content-Type application/json,
 *      else 415) or the query string (GET); malformed JSON, a missing query
 *      or parameters of the wrong type are 400 with a GraphQL error body;
 *   4. the document from this loop's cache (parse + validate), then the
 *      operation and variables (gql_prepare): failures are "request errors":
 *      200 with application/json, 400 with application/graphql-response+json
 *      (the response then has no "data");
 *   5. mutations over GET: 405 with Allow: POST; subscriptions need
 *      WebSocket or SSE: 400;
 *   6. execution: 200 with the response.
 * Variable values are never logged.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

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

/* Decodes one application/x-www-form-urlencoded component into the pool.
 * Returns false on a bad %-escape. */
static bool url_decode(h2o_mem_pool_t *pool, const char *s, size_t n, h2o_iovec_t *out)
{
    char *d = h2o_mem_alloc_pool(pool, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            d[o++] = ' ';
        } else if (s[i] == '%') {
            unsigned char byte;
            if (i + 2 >= n || h2o_hex_decode(&byte, s + i + 1, 2) != 0)
                return false;
            d[o++] = (char)byte;
            i += 2;
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = '\0';
    *out = h2o_iovec_init(d, o);
    return true;
}

/* The request parameters; `root` owns every jansson value (for GET, an
 * object built from the query string). */
typedef struct params {
    json_t *root; /* POST body, or an object built from GET parameters */
    const char *query;
    size_t query_len;
    const char *operation_name; /* NULL when absent or null */
    json_t *variables;          /* an object, or NULL */
} params_t;

/* Fills p from the GET query string. Returns NULL, or an error message. */
static const char *params_from_query(h2o_req_t *req, params_t *p)
{
    p->root = json_object();
    if (p->root == NULL)
        return "out of memory";
    if (req->query_at == SIZE_MAX)
        return NULL;
    const char *s = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        if (amp == NULL)
            amp = end;
        const char *eq = memchr(s, '=', (size_t)(amp - s));
        h2o_iovec_t name, value;
        if (!url_decode(&req->pool, s, (size_t)((eq ? eq : amp) - s), &name) ||
            !url_decode(&req->pool, eq ? eq + 1 : amp, eq ? (size_t)(amp - eq - 1) : 0, &value))
            return "Malformed query string";
        /* other parameters are ignored, as the specification allows */
        const char *key = NULL;
        static const char *const KNOWN[] = {"query", "operationName", "variables", "extensions"};
        for (size_t k = 0; k < sizeof KNOWN / sizeof *KNOWN; k++)
            if (strcmp(name.base, KNOWN[k]) == 0)
                key = KNOWN[k];
        if (key != NULL) {
            if (json_object_get(p->root, key) != NULL)
                return "Duplicate query parameter";
            json_t *v;
            if (key[0] == 'v' || key[0] == 'e') {
                json_error_t jerr;
                v = json_loadb(value.base, value.len, JSON_DECODE_ANY, &jerr);
                if (v == NULL)
                    return key[0] == 'v' ? "Invalid variables: not JSON" : "Invalid extensions: not JSON";
            } else {
                v = json_stringn(value.base, value.len);
                if (v == NULL)
                    return "Parameters must be UTF-8";
            }
            json_object_set_new(p->root, key, v);
        }
        s = amp < end ? amp + 1 : end;
    }
    return NULL;
}

/* Checks the parameter types (query string; operationName string or null;
 * variables and extensions objects or null). NULL or an error message. */
static const char *check_params(params_t *p)
{
    json_t *q = json_object_get(p->root, "query");
    if (q == NULL || json_is_null(q))
        return "Missing query";
    if (!json_is_string(q))
        return "Invalid query: must be a string";
    p->query = json_string_value(q);
    p->query_len = json_string_length(q);
    json_t *on = json_object_get(p->root, "operationName");
    if (on != NULL && !json_is_null(on)) {
        if (!json_is_string(on))
            return "Invalid operationName: must be a string";
        p->operation_name = json_string_value(on);
    }
    json_t *v = json_object_get(p->root, "variables");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_object(v))
            return "Invalid variables: must be an object";
        p->variables = v;
    }
    json_t *e = json_object_get(p->root, "extensions");
    if (e != NULL && !json_is_null(e) && !json_is_object(e))
        return "Invalid extensions: must be an object";
    return NULL;
}

/* Converts a jansson value to an untyped gql_iv_t in `a`. Returns false when
 * out of memory or nested deeper than 512. */
static bool to_iv(gql_arena_t *a, json_t *j, gql_iv_t *out, int depth)
{
    if (depth > 512)
        return false;
    memset(out, 0, sizeof *out);
    switch (json_typeof(j)) {
    case JSON_NULL:
        out->kind = GQL_IV_NULL;
        return true;
    case JSON_TRUE:
    case JSON_FALSE:
        out->kind = GQL_IV_BOOLEAN;
        out->u.b = json_is_true(j);
        return true;
    case JSON_INTEGER:
        out->kind = GQL_IV_INT;
        out->u.i = json_integer_value(j);
        return true;
    case JSON_REAL:
        out->kind = GQL_IV_FLOAT;
        out->u.f = json_real_value(j);
        return true;
    case JSON_STRING:
        out->kind = GQL_IV_STRING;
        out->u.s.len = json_string_length(j);
        out->u.s.ptr = gql_arena_strndup(a, json_string_value(j), out->u.s.len);
        return out->u.s.ptr != NULL;
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        out->kind = GQL_IV_LIST;
        out->u.list.count = n;
        if (n == 0)
            return true;
        out->u.list.items = gql_arena_alloc(a, n * sizeof(gql_iv_t));
        if (out->u.list.items == NULL)
            return false;
        for (size_t i = 0; i < n; i++)
            if (!to_iv(a, json_array_get(j, i), &out->u.list.items[i], depth + 1))
                return false;
        return true;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j);
        out->kind = GQL_IV_OBJECT;
        out->u.obj.count = n;
        if (n == 0)
            return true;
        out->u.obj.keys = gql_arena_alloc(a, n * sizeof(char *));
        out->u.obj.values = gql_arena_alloc(a, n * sizeof(gql_iv_t));
        if (out->u.obj.keys == NULL || out->u.obj.values == NULL)
            return false;
        size_t i = 0;
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            out->u.obj.keys[i] = gql_arena_strdup(a, k);
            if (out->u.obj.keys[i] == NULL || !to_iv(a, v, &out->u.obj.values[i], depth + 1))
                return false;
            i++;
        }
        return true;
    }
    }
    return false;
}

/* A request whose execution waits for a resolver (pending.h). Owns the
 * request's GraphQL state; lives in that state's arena (allocated before
 * executing, so going pending cannot fail), freed by wait_free once the
 * answer was sent or, the client gone, once the resolver resumed. */
typedef struct http_wait {
    gw_thread_t *thread;
    h2o_req_t *req;            /* NULL once the client is gone */
    struct pending_link *link; /* the chunk in req->pool pointing here */
    gw_pending_t *pending;     /* until the execution completes */
    gw_reqctx_t rc;            /* metrics and logs of the request */
    media_t media;
    gql_arena_t *arena; /* owns op, variables, out */
    gql_cached_doc_t *doc;
    json_t *root; /* the parameters (operationName points in) */
    gql_buf_t *out;
} http_wait_t;

/* Lives in the request's pool; its dispose callback tells the waiting state
 * that the request is gone (client closed, HTTP/2 stream reset). */
typedef struct pending_link {
    http_wait_t *w; /* NULL once the waiting state is done */
} pending_link_t;

static void publish_metrics(gw_thread_t *t)
{
    atomic_store_explicit(&t->metrics.arena_bytes, t->arena_bytes, memory_order_relaxed);
    atomic_store_explicit(&t->metrics.doc_cache_entries, gql_doc_cache_size(t->doc_cache), memory_order_relaxed);
}

static void wait_free(void *data)
{
    http_wait_t *w = data; /* in its own arena: freed last */
    gw_thread_t *t = w->thread;
    if (w->link != NULL)
        w->link->w = NULL;
    gql_buf_free(w->out);
    gql_doc_cache_release(w->doc);
    json_decref(w->root);
    gql_arena_free(w->arena);
    publish_metrics(t);
}

static void on_link_dispose(void *data)
{
    pending_link_t *link = data;
    http_wait_t *w = link->w;
    if (w == NULL)
        return;
    w->req = NULL;
    w->link = NULL;
    w->thread->inflight--; /* no response will be sent */
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

int gw_graphql_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, (gw_handler_t *)self, req))
        return 0;
    gw_server_t *s = rc.server;
    gw_thread_t *t = rc.thread;

    bool is_get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    bool is_post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    if (!is_get && !is_post) {
        gw_http_add_header(req, "allow", "GET, POST");
        gw_http_send_error(&rc, 405, NULL, "Method not allowed: use GET or POST");
        return 0;
    }
    media_t media = negotiate(gw_http_header(req, H2O_TOKEN_ACCEPT));
    if (media == MEDIA_NONE) {
        gw_http_add_header(req, "accept",
                           "application/graphql-response+json; charset=utf-8, application/json; "
                           "charset=utf-8");
        gw_http_send_error(&rc, 406, NULL,
                           "Not acceptable: the response is application/graphql-response+json or "
                           "application/json");
        return 0;
    }
    const char *ct = media_ct(media);

    params_t p = {0};
    const char *bad = NULL;
    if (is_post) {
        h2o_iovec_t ctype = gw_http_header(req, H2O_TOKEN_CONTENT_TYPE);
        const char *semi = ctype.base ? memchr(ctype.base, ';', ctype.len) : NULL;
        size_t tl = semi ? (size_t)(semi - ctype.base) : ctype.len;
        while (tl > 0 && (ctype.base[tl - 1] == ' ' || ctype.base[tl - 1] == '\t'))
            tl--;
        bool charset_ok = true;
        if (semi != NULL) {
            const char *cs = skip_ws(semi + 1, ctype.base + ctype.len);
            size_t cl = (size_t)(ctype.base + ctype.len - cs);
            if (cl > 8 && h2o_lcstris(cs, 8, "charset=", 8))
                charset_ok =
                    h2o_lcstris(cs + 8, cl - 8, H2O_STRLIT("utf-8")) || h2o_lcstris(cs + 8, cl - 8, H2O_STRLIT("utf8"));
        }
        if (ctype.base == NULL || !h2o_lcstris(ctype.base, tl, H2O_STRLIT("application/json")) || !charset_ok) {
            gw_http_send_error(&rc, 415, ct,
                               "Unsupported Content-Type: send application/json (UTF-8) or use GET for queries");
            return 0;
        }
        if (req->entity.base == NULL || req->entity.len == 0) {
            gw_http_send_error(&rc, 400, ct, "Missing request body: expected a JSON object");
            return 0;
        }
        json_error_t jerr;
        p.root = json_loadb(req->entity.base, req->entity.len, 0, &jerr);
        if (p.root == NULL) {
            char msg[300];
            snprintf(msg, sizeof msg, "Request body is not valid JSON: %s at line %d column %d", jerr.text, jerr.line,
                     jerr.column);
            gw_http_send_error(&rc, 400, ct, msg);
            return 0;
        }
        if (!json_is_object(p.root))
            bad = "Request body must be a JSON object";
    } else {
        bad = params_from_query(req, &p);
    }
    if (bad == NULL)
        bad = check_params(&p);
    if (bad != NULL) {
        gw_http_send_error(&rc, 400, ct, bad);
        json_decref(p.root);
        return 0;
    }

    const gw_config_t *c = &s->config;
    gql_arena_t *a = gql_arena_new(0, &t->arena_bytes);
    if (a == NULL) {
        json_decref(p.root);
        internal_error(&rc, media, "out of memory");
        return 0;
    }
    gql_errors_t errs;
    gql_errors_init(&errs, a, c->graphql.limits.max_errors);
    gql_cached_doc_t *doc = gql_doc_cache_get(t->doc_cache, p.query, p.query_len, &c->graphql.limits, &errs);
    gql_operation_t *op = NULL;
    gql_iv_t vars;
    bool have_vars = false;
    /* in the arena: gql_resume needs the same buffer at the same address */
    gql_buf_t *out = gql_arena_alloc(a, sizeof *out);
    /* allocated here so that going pending cannot fail */
    http_wait_t *w = gql_arena_alloc(a, sizeof *w);
    if (out == NULL || w == NULL) {
        out = NULL;
        internal_error(&rc, media, "out of memory");
        goto done;
    }
    *out = (gql_buf_t)GQL_BUF_INIT;
    if (doc == NULL) {
        if (errs.count > 0)
            send_request_errors(&rc, media, &errs);
        else
            internal_error(&rc, media, "document cache failed without errors");
        goto done;
    }
    if (p.variables != NULL) {
        if (!to_iv(a, p.variables, &vars, 0)) {
            gw_http_send_error(&rc, 400, ct, "Invalid variables: nested too deeply");
            goto done;
        }
        have_vars = true;
    }
    gql_request_t greq = {
        .schema = s->schema,
        .document = gql_cached_doc_document(doc),
        .operation_name = p.operation_name,
        .variables = have_vars ? &vars : NULL,
        .context = t,
        .root_value = NULL,
        .arena = a,
        .limits = &c->graphql.limits,
        .cached = doc, /* held until the execution ends: the plans stay with it */
    };
    int rcode = gql_prepare(&greq, &op, &errs);
    if (rcode != 0) {
        if (rcode == GQL_EFAIL && errs.count > 0)
            send_request_errors(&rc, media, &errs);
        else
            internal_error(&rc, media, "gql_prepare failed");
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
    rcode = gw_pending_execute(t, op, NULL, out, a, &pd);
    if (pd != NULL) {
        /* a resolver answers later: the waiting state owns everything now,
         * and the request stays in flight until the execution completes */
        pending_link_t *link = h2o_mem_alloc_shared(&req->pool, sizeof *link, on_link_dispose);
        link->w = w;
        *w = (http_wait_t){
            .thread = t,
            .req = req,
            .link = link,
            .pending = pd,
            .rc = rc,
            .media = media,
            .arena = a,
            .doc = doc,
            .root = p.root,
            .out = out,
        };
        gw_pending_wait(pd, on_done, w);
        return 0;
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
    json_decref(p.root);
    publish_metrics(t);
    return 0;
}
