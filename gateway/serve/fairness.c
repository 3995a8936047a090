/*
 * fairness.c — what the transports ask of the per-client table
 * (runtime/fair.h): who a request's client is, whether a prepared operation
 * may run, and the 429 that says no.
 *
 * The decision about an operation is made here, after gw_exec_prepare, from
 * its type and its root fields' names: the resolvers never see a client
 * address, and the names that are logins come from main (the bank's
 * get_account), so no transport names a bank field.
 */
#include <stdio.h>
#include <string.h>

#include "serve_int.h"

void gw_serve_set_fair(gw_serve_t *sv, gw_fair_t *fair, const char *const *login_fields)
{
    sv->fair = fair;
    sv->login_fields = login_fields;
    sv->client_header[0] = '\0';
    const char *h = fair != NULL ? gw_fair_config(fair)->client_header : NULL;
    if (h != NULL && strlen(h) < sizeof sv->client_header) {
        size_t i = 0;
        for (; h[i] != '\0'; i++)
            sv->client_header[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] - 'A' + 'a' : h[i]);
        sv->client_header[i] = '\0';
    }
}

void gw_serve_client(const gw_serve_t *sv, h2o_req_t *req, gw_fair_client_t *out)
{
    *out = (gw_fair_client_t){.exempt = true};
    if (sv->fair == NULL)
        return;
    struct sockaddr_storage ss;
    gw_fair_addr_t peer;
    if (req->conn->callbacks->get_peername == NULL ||
        req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss) == 0 ||
        !gw_fair_addr_from_sockaddr((struct sockaddr *)&ss, &peer))
        return; /* no address: nothing to count it against */
    const char *hv = NULL;
    size_t hl = 0;
    if (sv->client_header[0] != '\0') {
        /* the last line of a repeated header is the nearest proxy's */
        ssize_t i = -1, last = -1;
        size_t nl = strlen(sv->client_header);
        while ((i = h2o_find_header_by_str(&req->headers, sv->client_header, nl, i)) >= 0)
            last = i;
        if (last >= 0) {
            hv = req->headers.entries[last].value.base;
            hl = req->headers.entries[last].value.len;
        }
    }
    gw_fair_client_of(sv->fair, &peer, hv, hl, out);
}

static bool is_login(const gw_serve_t *sv, const char *name)
{
    for (const char *const *l = sv->login_fields; l != NULL && *l != NULL; l++)
        if (strcmp(*l, name) == 0)
            return true;
    return false;
}

bool gw_serve_fair_op(gw_serve_t *sv, const gw_fair_client_t *c, const gql_operation_t *op, bool effects,
                      gw_fair_limit_t *which, uint32_t *retry_s)
{
    if (sv->fair == NULL || c->exempt || !effects)
        return true;
    unsigned logins = 0, mutations = 0;
    const char *name;
    for (size_t i = 0; (name = gql_operation_root_field(op, i)) != NULL; i++) {
        if (strcmp(name, "__typename") == 0)
            continue;
        if (is_login(sv, name))
            logins++;
        else
            mutations++;
    }
    return gw_fair_take(sv->fair, c, logins, mutations, gw_now_ns() / 1000000, which, retry_s);
}

bool gw_serve_fair_hold(gw_serve_t *sv, const gw_fair_client_t *c, gw_fair_limit_t which, uint32_t *ticket)
{
    *ticket = 0;
    return sv->fair == NULL || gw_fair_acquire(sv->fair, c, which, ticket);
}

void gw_serve_fair_release(gw_serve_t *sv, uint32_t ticket, gw_fair_limit_t which)
{
    if (sv->fair != NULL)
        gw_fair_release(sv->fair, ticket, which);
}

void gw_serve_send_limited(gw_serve_t *sv, gw_reqctx_t *rc, const char *content_type, gw_fair_limit_t which,
                           uint32_t retry_s)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%u", retry_s);
    gw_http_add_header(rc->req, "retry-after", ra);
    gql_buf_t b = GQL_BUF_INIT;
    gw_fair_error_json(sv->fair, which, retry_s, false, &b);
    if (b.oom)
        gw_http_send_error(rc, 429, content_type, "Too many requests");
    else
        gw_http_send(rc, 429, content_type != NULL ? content_type : "application/json; charset=utf-8", b.data, b.len);
    gql_buf_free(&b);
}
