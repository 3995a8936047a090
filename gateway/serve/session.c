/*
 * session.c — the transports' side of the authorization mode (exec/auth.h):
 * who sent an HTTP request (a Bearer credential or the session cookie), the
 * 401 for a bad one, and the Set-Cookie of a credential get_account issued.
 * Open mode: every request is anonymous and nothing here answers.
 */
#include <string.h>
#include <time.h>

#include "serve_int.h"

/* The Cookie header holding our cookie: over HTTP/2 a browser may send one
 * header per cookie (RFC 9113 §8.2.3), so every one is looked at. */
static h2o_iovec_t session_cookie_header(h2o_req_t *req)
{
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) >= 0;) {
        h2o_iovec_t v = req->headers.entries[i].value;
        if (h2o_strstr(v.base, v.len, H2O_STRLIT(GW_SESSION_COOKIE "=")) != SIZE_MAX)
            return v;
    }
    return h2o_iovec_init(NULL, 0);
}

bool gw_serve_caller(gw_serve_loop_t *SL, h2o_req_t *req, gql_arena_t *a, gw_caller_t **out, bool *bad,
                     bool *from_cookie)
{
    *out = NULL;
    *bad = false;
    *from_cookie = false;
    const gw_auth_t *auth = gw_exec_auth(gw_exec_of(SL->exec));
    if (!gw_auth_session(auth))
        return true;                                          /* open mode: nobody to know, nothing to allocate */
    gw_caller_t *caller = gql_arena_alloc(a, sizeof *caller); /* zeroed: anonymous */
    if (caller == NULL)
        return false;
    h2o_iovec_t az = gw_http_header(req, H2O_TOKEN_AUTHORIZATION);
    h2o_iovec_t ck = session_cookie_header(req);
    gw_auth_read_result_t r = gw_auth_read(auth, az.base, az.len, ck.base, ck.len, (uint64_t)time(NULL), caller);
    if (r == GW_AUTH_BAD) {
        *bad = true;
        *from_cookie = az.base == NULL;
        memset(caller, 0, sizeof *caller);
    }
    *out = caller;
    return true;
}

void gw_serve_send_unauthenticated(gw_reqctx_t *rc, const char *content_type, bool clear_cookie)
{
    static const char BODY[] = "{\"errors\":[{\"message\":\"invalid or expired session credential: call get_account "
                               "again\",\"extensions\":{\"code\":\"UNAUTHENTICATED\"}}]}";
    gw_http_add_header(rc->req, "www-authenticate", "Bearer error=\"invalid_token\"");
    if (clear_cookie) /* or a browser would send it again and again */
        gw_http_add_header(rc->req, "set-cookie", GW_SESSION_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    gw_http_send(rc, 401, content_type != NULL ? content_type : "application/json; charset=utf-8", BODY,
                 sizeof BODY - 1);
}

void gw_serve_set_cookie(gw_serve_loop_t *SL, gw_reqctx_t *rc, const gw_caller_t *caller)
{
    if (caller == NULL || caller->issued[0] == '\0' || rc->req == NULL)
        return;
    char cookie[GW_SESSION_MAX + 128];
    if (gw_auth_cookie(gw_exec_auth(gw_exec_of(SL->exec)), caller->issued, rc->server->ssl_ctx != NULL, cookie,
                       sizeof cookie))
        gw_http_add_header(rc->req, "set-cookie", cookie);
}
