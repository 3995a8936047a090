/*
 * params.c — a GraphQL request's parameters from what a transport received:
 * a JSON text (POST and SSE bodies), a value already read (WebSocket
 * payloads), or a URL query string (GET). One JSON reader (the engine's,
 * linear in its input, duplicate keys as JSON.parse takes them) and one set
 * of messages, worded after the GraphQL-over-HTTP specification's
 * parameter names, for every transport.
 */
#include <stdio.h>
#include <string.h>

#include "exec.h"

/* Checks the types of the four parameters of object `obj` and fills p.
 * NULL, or the message for the client. */
const char *gw_params_from_object(const gql_iv_t *obj, gw_params_t *p)
{
    *p = (gw_params_t){0};
    if (obj == NULL || obj->kind != GQL_IV_OBJECT)
        return "The request must be a JSON object";
    const gql_iv_t *q = gql_iv_get(obj, "query");
    if (q != NULL && q->kind != GQL_IV_NULL) {
        if (q->kind != GQL_IV_STRING)
            return "Invalid query: must be a string";
        p->query = q->u.s.ptr;
        p->query_len = q->u.s.len;
    }
    const gql_iv_t *id = gql_iv_get(obj, "documentId");
    if (id != NULL && id->kind != GQL_IV_NULL) {
        if (id->kind != GQL_IV_STRING)
            return "Invalid documentId: must be a string";
        p->document_id = id->u.s.ptr;
    }
    const gql_iv_t *on = gql_iv_get(obj, "operationName");
    if (on != NULL && on->kind != GQL_IV_NULL) {
        if (on->kind != GQL_IV_STRING)
            return "Invalid operationName: must be a string";
        p->operation_name = on->u.s.ptr;
    }
    const gql_iv_t *v = gql_iv_get(obj, "variables");
    if (v != NULL && v->kind != GQL_IV_NULL) {
        if (v->kind != GQL_IV_OBJECT)
            return "Invalid variables: must be an object";
        p->variables = v;
    }
    const gql_iv_t *e = gql_iv_get(obj, "extensions");
    if (e != NULL && e->kind != GQL_IV_NULL) {
        if (e->kind != GQL_IV_OBJECT)
            return "Invalid extensions: must be an object";
        p->extensions = e;
    }
    /* the document named by hash instead (persisted.h) */
    const gql_iv_t *pq = p->extensions != NULL ? gql_iv_get(p->extensions, "persistedQuery") : NULL;
    if (p->query == NULL && p->document_id == NULL && (pq == NULL || pq->kind == GQL_IV_NULL))
        return "Missing query";
    return NULL;
}

/* A deep copy of v into arena a; false when out of memory. Depth is bounded
 * by the reader that made v. */
static bool iv_copy(gql_arena_t *a, const gql_iv_t *v, gql_iv_t *out)
{
    *out = *v;
    switch (v->kind) {
    case GQL_IV_STRING:
    case GQL_IV_ENUM:
        return v->u.s.ptr == NULL || (out->u.s.ptr = gql_arena_strndup(a, v->u.s.ptr, v->u.s.len)) != NULL;
    case GQL_IV_LIST:
        if (v->u.list.count == 0)
            return true;
        if ((out->u.list.items = gql_arena_alloc(a, v->u.list.count * sizeof(gql_iv_t))) == NULL)
            return false;
        for (size_t i = 0; i < v->u.list.count; i++)
            if (!iv_copy(a, &v->u.list.items[i], &out->u.list.items[i]))
                return false;
        return true;
    case GQL_IV_OBJECT:
        if (v->u.obj.count == 0)
            return true;
        out->u.obj.keys = gql_arena_alloc(a, v->u.obj.count * sizeof(char *));
        out->u.obj.values = gql_arena_alloc(a, v->u.obj.count * sizeof(gql_iv_t));
        if (out->u.obj.keys == NULL || out->u.obj.values == NULL)
            return false;
        for (size_t i = 0; i < v->u.obj.count; i++)
            if ((out->u.obj.keys[i] = gql_arena_strdup(a, v->u.obj.keys[i])) == NULL ||
                !iv_copy(a, &v->u.obj.values[i], &out->u.obj.values[i]))
                return false;
        return true;
    default:
        return true;
    }
}

/* A copy of *v in the arena, or NULL for NULL; *ok false when out of memory. */
static const gql_iv_t *iv_dup(gql_arena_t *a, const gql_iv_t *v, bool *ok)
{
    if (v == NULL)
        return NULL;
    gql_iv_t *d = gql_arena_alloc(a, sizeof *d);
    if (d == NULL || !iv_copy(a, v, d)) {
        *ok = false;
        return NULL;
    }
    return d;
}

int gw_params_copy(gql_arena_t *a, const gw_params_t *src, gw_params_t *dst)
{
    bool ok = true;
    *dst = (gw_params_t){0};
    dst->query = src->query != NULL ? gql_arena_strndup(a, src->query, src->query_len) : NULL;
    dst->query_len = src->query_len;
    dst->operation_name = src->operation_name != NULL ? gql_arena_strdup(a, src->operation_name) : NULL;
    dst->document_id = src->document_id != NULL ? gql_arena_strdup(a, src->document_id) : NULL;
    dst->variables = iv_dup(a, src->variables, &ok);
    dst->extensions = iv_dup(a, src->extensions, &ok);
    if (!ok || (src->query != NULL && dst->query == NULL) ||
        (src->operation_name != NULL && dst->operation_name == NULL) ||
        (src->document_id != NULL && dst->document_id == NULL))
        return GW_ENOMEM;
    return 0;
}

const char *gw_params_from_json(gql_arena_t *a, const char *text, size_t len, gw_params_t *p, char *msg, size_t msglen)
{
    *p = (gw_params_t){0};
    if (text == NULL || len == 0)
        return "Missing request body: expected a JSON object";
    gql_iv_t *root = gql_arena_alloc(a, sizeof *root);
    if (root == NULL)
        return "Internal server error";
    char err[160];
    if (gql_json_parse_bounded(a, text, len, GW_PARAMS_MAX_JSON_VALUES, root, err, sizeof err) != 0) {
        snprintf(msg, msglen, "Request body is not valid JSON: %s", err);
        return msg;
    }
    if (root->kind != GQL_IV_OBJECT)
        return "Request body must be a JSON object";
    return gw_params_from_object(root, p);
}

/* Decodes one application/x-www-form-urlencoded component into the arena
 * ('+' is a space). NULL on a bad %-escape or when out of memory. */
static char *form_decode(gql_arena_t *a, const char *s, size_t n, size_t *outlen)
{
    char *d = gql_arena_alloc_raw(a, n + 1);
    if (d == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            d[o++] = ' ';
        } else if (s[i] == '%') {
            unsigned char byte;
            if (i + 2 >= n || h2o_hex_decode(&byte, s + i + 1, 2) != 0)
                return NULL;
            d[o++] = (char)byte;
            i += 2;
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = '\0';
    *outlen = o;
    return d;
}

const char *gw_params_from_query_string(gql_arena_t *a, const char *qs, size_t len, gw_params_t *p)
{
    static const char *const KNOWN[] = {"query", "operationName", "variables", "extensions", "documentId"};
    enum { NKNOWN = sizeof KNOWN / sizeof *KNOWN };
    const char **keys = gql_arena_alloc(a, NKNOWN * sizeof *keys);
    gql_iv_t *vals = gql_arena_alloc(a, NKNOWN * sizeof *vals);
    gql_iv_t *obj = gql_arena_alloc(a, sizeof *obj);
    if (keys == NULL || vals == NULL || obj == NULL)
        return "Internal server error";
    size_t n = 0;
    const char *s = qs, *end = qs + len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        if (amp == NULL)
            amp = end;
        const char *eq = memchr(s, '=', (size_t)(amp - s));
        size_t nl, vl;
        char *name = form_decode(a, s, (size_t)((eq ? eq : amp) - s), &nl);
        char *value = form_decode(a, eq ? eq + 1 : amp, eq ? (size_t)(amp - eq - 1) : 0, &vl);
        if (name == NULL || value == NULL)
            return "Malformed query string";
        /* other parameters are ignored, as the specification allows */
        size_t k = 0;
        while (k < NKNOWN && strcmp(name, KNOWN[k]) != 0)
            k++;
        if (k < NKNOWN) {
            for (size_t m = 0; m < n; m++)
                if (keys[m] == KNOWN[k])
                    return "Duplicate query parameter";
            gql_iv_t *v = &vals[n];
            if (k == 2 || k == 3) { /* variables, extensions: JSON */
                char err[160];
                if (gql_json_parse_bounded(a, value, vl, GW_PARAMS_MAX_JSON_VALUES, v, err, sizeof err) != 0)
                    return k == 2 ? "Invalid variables: not JSON" : "Invalid extensions: not JSON";
            } else {
                if (!gql_utf8_valid(value, vl))
                    return "Parameters must be UTF-8";
                *v = (gql_iv_t){.kind = GQL_IV_STRING};
                v->u.s.ptr = value;
                v->u.s.len = vl;
            }
            keys[n++] = KNOWN[k];
        }
        s = amp < end ? amp + 1 : end;
    }
    *obj = (gql_iv_t){.kind = GQL_IV_OBJECT};
    obj->u.obj.keys = keys;
    obj->u.obj.values = vals;
    obj->u.obj.count = n;
    return gw_params_from_object(obj, p);
}
