/*
 * auth.h — the authorization mode (auth.mode) and its session credential.
 *
 *   open     the original bank's rules: anyone may call anything; the
 *            credential code is never used (the embedded demo's default).
 *   session  get_account issues a credential; the transports read it from
 *            `Authorization: Bearer`, the session cookie or a WebSocket
 *            connection_init payload, and fill the request's gw_caller_t;
 *            the resolvers decide with it (resolvers/bank.c).
 *
 * The credential is stateless, so every gateway holding the same key accepts
 * the others' credentials:
 *
 *   base64url(payload) "." base64url(HMAC-SHA-256(key, "ogw-session-v1\n" payload))
 *   payload = "v1\n" expiry "\n" role "\n" iban "\n" username
 *
 * expiry in Unix seconds, role "c" (customer) or "e" (employee); the
 * username goes last so that it may hold any byte but NUL. Verification
 * compares MACs in constant time (sodium_memcmp) before it reads the
 * payload, then checks the expiry. The employee role needs both the
 * credential's role and the name still in auth.employees.
 *
 * Threads: a gw_auth_t is read-only once made, shared by every loop. A
 * gw_caller_t belongs to the request or connection that filled it.
 * Ownership: main makes the gw_auth_t (gw_auth_new) and frees it after the
 * server stopped. Errors: 0 or a negative GW_E* code (runtime/error.h).
 */
#ifndef GW_AUTH_H
#define GW_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/config.h"

typedef struct gw_auth gw_auth_t;

#define GW_SESSION_COOKIE "gw_session" /* the cookie's name */
#define GW_SESSION_MAX 640             /* a credential's bytes, NUL included (username <= 256 bytes) */
#define GW_AUTH_USER_MAX 256
#define GW_AUTH_IBAN_MAX 64
#define GW_AUTH_MIN_SECRET 32 /* bytes the secret must have in session mode */

/* Who sent a request, as its transport found out (session mode). Zeroed:
 * nobody (no credential). The resolver of get_account writes `issued` (a
 * new credential), which the HTTP transport sends as a cookie. */
typedef struct gw_caller {
    bool present;  /* a valid credential came with the request */
    bool employee; /* ... and it carries the employee role */
    char username[GW_AUTH_USER_MAX + 1];
    size_t ulen;
    char iban[GW_AUTH_IBAN_MAX + 1];
    uint64_t expires;            /* Unix seconds */
    char issued[GW_SESSION_MAX]; /* "" unless get_account issued one during this request */
} gw_caller_t;

/* What a transport found in a request (gw_auth_read). */
typedef enum gw_auth_read_result {
    GW_AUTH_NONE = 0, /* no credential: an anonymous caller */
    GW_AUTH_OK,       /* a valid one: the caller is filled */
    GW_AUTH_BAD,      /* forged, malformed or expired: refuse the request (401 / close 4403) */
} gw_auth_read_result_t;

/* The mode of `c->auth`. In session mode the key comes from the environment
 * variable c->auth.session_secret_env; missing or shorter than
 * GW_AUTH_MIN_SECRET bytes: NULL with a message for the operator in err.
 * NULL with "out of memory" likewise. */
gw_auth_t *gw_auth_new(const gw_config_t *c, char *err, size_t errlen);
void gw_auth_free(gw_auth_t *a);

/* true in session mode. NULL (no policy given) is open mode. */
bool gw_auth_session(const gw_auth_t *a);
/* "open" or "session" (for the start-up log and /readyz). */
const char *gw_auth_mode_name(const gw_auth_t *a);
/* A /readyz check (runtime/server.h gw_ready_fn): always ready; the detail
 * names the mode. */
bool gw_auth_ready(void *a, char *detail, size_t len);

/* A new credential for (username, iban) valid auth.session_ttl_s from
 * `now` (Unix seconds), written NUL-terminated to out (GW_SESSION_MAX
 * bytes). Returns its length, or GW_EINVAL (open mode, or a field too long
 * or holding a NUL/newline where it must not). */
int gw_auth_issue(const gw_auth_t *a, const char *username, size_t ulen, const char *iban, uint64_t now,
                  char out[GW_SESSION_MAX]);

/* Checks a credential at `now`: 0 with *caller filled (its `issued` left
 * alone), or GW_EINVAL (bad MAC, malformed, expired). */
int gw_auth_verify(const gw_auth_t *a, const char *cred, size_t len, uint64_t now, gw_caller_t *caller);

/* The credential of an HTTP request: `Authorization: Bearer <cred>` first,
 * else the GW_SESSION_COOKIE cookie of the Cookie header (either may be
 * NULL/0). In open mode always GW_AUTH_NONE. */
gw_auth_read_result_t gw_auth_read(const gw_auth_t *a, const char *authorization, size_t alen, const char *cookie,
                                   size_t clen, uint64_t now, gw_caller_t *caller);

/* The Set-Cookie value for credential `cred`: HttpOnly; SameSite=Strict;
 * Path=/; Max-Age=auth.session_ttl_s, and Secure when `secure` (a TLS
 * listener). Written NUL-terminated to out; false when it does not fit. */
bool gw_auth_cookie(const gw_auth_t *a, const char *cred, bool secure, char *out, size_t outlen);

/* Whether `username` is in auth.employees. */
bool gw_auth_is_employee(const gw_auth_t *a, const char *username, size_t ulen);

#endif
