/*
 * auth.c — the authorization mode and the session credential (auth.h):
 * HMAC-SHA-256 (libsodium's crypto_auth_hmacsha256, keyed once: each MAC
 * copies the keyed state and hashes only the message), base64url without
 * padding, constant-time comparison.
 */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/error.h"

#define MAC_LEN 32
#define KEY_MAX 256
#define PAYLOAD_MAX (GW_AUTH_USER_MAX + GW_AUTH_IBAN_MAX + 64)
static const char DOMAIN[] = "ogw-session-v1\n"; /* keeps these MACs apart from any other use of the key */

struct gw_auth {
    bool session;
    uint64_t ttl_s;
    crypto_auth_hmacsha256_state keyed; /* after the key's blocks: copied for each MAC */
    const char **employees;             /* the configuration's (it outlives us) */
    size_t nemployees;
};

gw_auth_t *gw_auth_new(const gw_config_t *c, char *err, size_t errlen)
{
    gw_auth_t *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->session = strcmp(c->auth.mode, "session") == 0;
    a->ttl_s = c->auth.session_ttl_s;
    a->employees = c->auth.employees;
    a->nemployees = c->auth.nemployees;
    if (!a->session)
        return a;
    const char *var = c->auth.session_secret_env;
    const char *secret = getenv(var);
    size_t n = secret != NULL ? strlen(secret) : 0;
    if (n < GW_AUTH_MIN_SECRET || n > KEY_MAX) {
        snprintf(err, errlen,
                 "auth.mode is session but the environment variable %s (auth.session_secret_env) %s: set it to a "
                 "random secret of %d to %d bytes, the same on every gateway (e.g. openssl rand -base64 48)",
                 var, secret == NULL ? "is not set" : "has the wrong length", GW_AUTH_MIN_SECRET, KEY_MAX);
        free(a);
        return NULL;
    }
    if (sodium_init() < 0 || crypto_auth_hmacsha256_init(&a->keyed, (const unsigned char *)secret, n) != 0) {
        snprintf(err, errlen, "cannot initialise libsodium");
        free(a);
        return NULL;
    }
    return a;
}

void gw_auth_free(gw_auth_t *a)
{
    if (a == NULL)
        return;
    sodium_memzero(&a->keyed, sizeof a->keyed);
    free(a);
}

bool gw_auth_session(const gw_auth_t *a)
{
    return a != NULL && a->session;
}

const char *gw_auth_mode_name(const gw_auth_t *a)
{
    return gw_auth_session(a) ? "session" : "open";
}

bool gw_auth_ready(void *data, char *detail, size_t len)
{
    snprintf(detail, len, "auth.mode %s", gw_auth_mode_name(data));
    return true;
}

bool gw_auth_is_employee(const gw_auth_t *a, const char *username, size_t ulen)
{
    for (size_t i = 0; a != NULL && i < a->nemployees; i++)
        if (strlen(a->employees[i]) == ulen && memcmp(a->employees[i], username, ulen) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ base64url */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes n bytes without padding; returns the length written (out must
 * hold 4 * ceil(n / 3) bytes). */
static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = B64[(v >> 6) & 63];
        out[o++] = B64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = B64[(v >> 6) & 63];
    }
    return o;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* Decodes unpadded base64url into out (cap bytes); the length, or -1 on a
 * bad character, a bad length, stray low bits in the last character, or no
 * room. */
static long b64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
    if (n % 4 == 1)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return -1; /* only the canonical encoding: one credential, one string */
    return (long)o;
}

/* ------------------------------------------------------------ credentials */

static bool mac(const gw_auth_t *a, const unsigned char *payload, size_t n, unsigned char out[MAC_LEN])
{
    if (n > PAYLOAD_MAX)
        return false;
    crypto_auth_hmacsha256_state st = a->keyed;
    bool ok = crypto_auth_hmacsha256_update(&st, (const unsigned char *)DOMAIN, sizeof DOMAIN - 1) == 0 &&
              crypto_auth_hmacsha256_update(&st, payload, n) == 0 && crypto_auth_hmacsha256_final(&st, out) == 0;
    sodium_memzero(&st, sizeof st);
    return ok;
}

int gw_auth_issue(const gw_auth_t *a, const char *username, size_t ulen, const char *iban, uint64_t now,
                  char out[GW_SESSION_MAX])
{
    out[0] = '\0';
    size_t ilen = iban != NULL ? strlen(iban) : 0;
    if (!gw_auth_session(a) || ulen == 0 || ulen > GW_AUTH_USER_MAX || memchr(username, '\0', ulen) != NULL ||
        ilen == 0 || ilen > GW_AUTH_IBAN_MAX || strchr(iban, '\n') != NULL)
        return GW_EINVAL;
    char payload[PAYLOAD_MAX];
    bool employee = gw_auth_is_employee(a, username, ulen);
    int h = snprintf(payload, sizeof payload, "v1\n%llu\n%c\n%s\n", (unsigned long long)(now + a->ttl_s),
                     employee ? 'e' : 'c', iban);
    if (h < 0 || (size_t)h + ulen > sizeof payload)
        return GW_EINVAL;
    memcpy(payload + h, username, ulen);
    size_t n = (size_t)h + ulen;
    unsigned char m[MAC_LEN];
    if (!mac(a, (const unsigned char *)payload, n, m))
        return GW_EINVAL;
    if (4 * ((n + 2) / 3) + 1 + 4 * ((MAC_LEN + 2) / 3) + 1 > GW_SESSION_MAX)
        return GW_EINVAL;
    size_t o = b64_encode((const unsigned char *)payload, n, out);
    out[o++] = '.';
    o += b64_encode(m, MAC_LEN, out + o);
    out[o] = '\0';
    return (int)o;
}

int gw_auth_verify(const gw_auth_t *a, const char *cred, size_t len, uint64_t now, gw_caller_t *caller)
{
    if (!gw_auth_session(a) || len == 0 || len >= GW_SESSION_MAX)
        return GW_EINVAL;
    const char *dot = memchr(cred, '.', len);
    if (dot == NULL)
        return GW_EINVAL;
    unsigned char payload[PAYLOAD_MAX], given[MAC_LEN + 2], want[MAC_LEN];
    long n = b64_decode(cred, (size_t)(dot - cred), payload, sizeof payload);
    long m = b64_decode(dot + 1, len - (size_t)(dot + 1 - cred), given, sizeof given);
    if (n <= 0 || m != MAC_LEN || !mac(a, payload, (size_t)n, want))
        return GW_EINVAL;
    if (sodium_memcmp(given, want, MAC_LEN) != 0)
        return GW_EINVAL;
    /* authentic from here on: parse "v1\nexpiry\nrole\niban\nusername" */
    const char *p = (const char *)payload, *end = p + n;
    if (end - p < 3 || memcmp(p, "v1\n", 3) != 0)
        return GW_EINVAL;
    p += 3;
    uint64_t expiry = 0;
    while (p < end && *p >= '0' && *p <= '9')
        expiry = expiry * 10 + (uint64_t)(*p++ - '0');
    if (p + 3 > end || *p != '\n' || (p[1] != 'c' && p[1] != 'e') || p[2] != '\n')
        return GW_EINVAL;
    bool role_e = p[1] == 'e';
    p += 3;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL || nl == p || nl - p > GW_AUTH_IBAN_MAX)
        return GW_EINVAL;
    size_t ulen = (size_t)(end - (nl + 1));
    if (ulen == 0 || ulen > GW_AUTH_USER_MAX)
        return GW_EINVAL;
    if (expiry <= now)
        return GW_EINVAL;
    caller->present = true;
    memcpy(caller->iban, p, (size_t)(nl - p));
    caller->iban[nl - p] = '\0';
    memcpy(caller->username, nl + 1, ulen);
    caller->username[ulen] = '\0';
    caller->ulen = ulen;
    caller->expires = expiry;
    caller->employee = role_e && gw_auth_is_employee(a, caller->username, ulen);
    return 0;
}

/* The value of cookie `name` in a Cookie header (RFC 6265 §4.2.1:
 * "a=b; c=d"), or NULL. */
static const char *find_cookie(const char *h, size_t n, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    const char *p = h, *end = h + n;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ';' || *p == '\t'))
            p++;
        const char *e = memchr(p, ';', (size_t)(end - p));
        if (e == NULL)
            e = end;
        if ((size_t)(e - p) > nl && memcmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1, *ve = e;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *vlen = (size_t)(ve - v);
            return v;
        }
        p = e;
    }
    return NULL;
}

gw_auth_read_result_t gw_auth_read(const gw_auth_t *a, const char *authorization, size_t alen, const char *cookie,
                                   size_t clen, uint64_t now, gw_caller_t *caller)
{
    if (!gw_auth_session(a))
        return GW_AUTH_NONE;
    if (authorization != NULL && alen > 0) {
        /* RFC 6750 §2.1: the scheme is case-insensitive */
        if (alen < 7 || strncasecmp(authorization, "bearer ", 7) != 0)
            return GW_AUTH_BAD;
        const char *c = authorization + 7, *e = authorization + alen;
        while (c < e && *c == ' ')
            c++;
        while (e > c && e[-1] == ' ')
            e--;
        return gw_auth_verify(a, c, (size_t)(e - c), now, caller) == 0 ? GW_AUTH_OK : GW_AUTH_BAD;
    }
    size_t vlen = 0;
    const char *v = cookie != NULL ? find_cookie(cookie, clen, GW_SESSION_COOKIE, &vlen) : NULL;
    if (v == NULL || vlen == 0)
        return GW_AUTH_NONE;
    return gw_auth_verify(a, v, vlen, now, caller) == 0 ? GW_AUTH_OK : GW_AUTH_BAD;
}

bool gw_auth_cookie(const gw_auth_t *a, const char *cred, bool secure, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%llu%s", GW_SESSION_COOKIE, cred,
                     (unsigned long long)a->ttl_s, secure ? "; Secure" : "");
    return n > 0 && (size_t)n < outlen;
}
