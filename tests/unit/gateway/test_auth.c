/*
 * test_auth.c — the session credential (gateway/exec/auth.c) without a
 * server: issue then verify; a credential made by another key, altered in
 * any byte, cut short, or expired is refused; the employee role needs both
 * the credential and the configuration; Bearer before the cookie, the
 * cookie found among others; the Set-Cookie attributes; open mode never
 * reads a credential; session mode refuses a missing or short key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/auth.h"
#include "test.h"

static const char *EMPLOYEES[] = {"emma", "ed"};

/* A configuration in `mode` with the key in GW_TEST_SECRET (set to
 * `secret`, or unset when NULL). */
static gw_auth_t *make(const char *mode, const char *secret, char *err, size_t errlen)
{
    gw_config_t c;
    memset(&c, 0, sizeof c);
    c.auth.mode = mode;
    c.auth.session_secret_env = "GW_TEST_SECRET";
    c.auth.session_ttl_s = 600;
    c.auth.employees = EMPLOYEES;
    c.auth.nemployees = 2;
    if (secret != NULL)
        setenv("GW_TEST_SECRET", secret, 1);
    else
        unsetenv("GW_TEST_SECRET");
    return gw_auth_new(&c, err, errlen);
}

#define KEY_A "0123456789abcdef0123456789abcdef-key-a"
#define KEY_B "0123456789abcdef0123456789abcdef-key-b"
#define NOW 1800000000ULL

TEST(issue_then_verify)
{
    char err[256], cred[GW_SESSION_MAX];
    gw_auth_t *a = make("session", KEY_A, err, sizeof err);
    ASSERT(a != NULL);
    ASSERT(gw_auth_session(a));
    ASSERT_EQ_STR("session", gw_auth_mode_name(a));
    int n = gw_auth_issue(a, "carol", 5, "NL12OPEN0123456789", NOW, cred);
    ASSERT(n > 0 && (size_t)n == strlen(cred));
    gw_caller_t c;
    memset(&c, 0, sizeof c);
    ASSERT_EQ_INT(0, gw_auth_verify(a, cred, strlen(cred), NOW + 1, &c));
    ASSERT(c.present && !c.employee);
    ASSERT_EQ_STR("carol", c.username);
    ASSERT_EQ_STR("NL12OPEN0123456789", c.iban);
    ASSERT_EQ_INT(NOW + 600, c.expires);
    /* expiry: valid until the second before, refused from then on */
    ASSERT_EQ_INT(0, gw_auth_verify(a, cred, strlen(cred), NOW + 599, &c));
    ASSERT(gw_auth_verify(a, cred, strlen(cred), NOW + 600, &c) != 0);
    /* a username with separators and bytes of any kind but NUL */
    static const char odd[] = "a\nb.c;d=e \xc3\xa9";
    ASSERT(gw_auth_issue(a, odd, sizeof odd - 1, "NL12OPEN0123456789", NOW, cred) > 0);
    ASSERT_EQ_INT(0, gw_auth_verify(a, cred, strlen(cred), NOW, &c));
    ASSERT_EQ_STR(odd, c.username);
    /* what cannot be issued */
    ASSERT(gw_auth_issue(a, "x\0y", 3, "NL12OPEN0123456789", NOW, cred) < 0);
    ASSERT(gw_auth_issue(a, "", 0, "NL12OPEN0123456789", NOW, cred) < 0);
    ASSERT(gw_auth_issue(a, "x", 1, "NL12\nOPEN", NOW, cred) < 0);
    char big[GW_AUTH_USER_MAX + 2];
    memset(big, 'u', sizeof big);
    ASSERT(gw_auth_issue(a, big, GW_AUTH_USER_MAX, "NL12OPEN0123456789", NOW, cred) > 0);
    ASSERT(strlen(cred) < GW_SESSION_MAX);
    ASSERT_EQ_INT(0, gw_auth_verify(a, cred, strlen(cred), NOW, &c));
    ASSERT(gw_auth_issue(a, big, GW_AUTH_USER_MAX + 1, "NL12OPEN0123456789", NOW, cred) < 0);
    gw_auth_free(a);
}

TEST(forged_altered_and_short_are_refused)
{
    char err[256], cred[GW_SESSION_MAX], other[GW_SESSION_MAX];
    gw_auth_t *a = make("session", KEY_A, err, sizeof err);
    gw_auth_t *b = make("session", KEY_B, err, sizeof err);
    ASSERT(a != NULL && b != NULL);
    ASSERT(gw_auth_issue(a, "carol", 5, "NL12OPEN0123456789", NOW, cred) > 0);
    ASSERT(gw_auth_issue(b, "carol", 5, "NL12OPEN0123456789", NOW, other) > 0);
    gw_caller_t c;
    memset(&c, 0, sizeof c);
    ASSERT(gw_auth_verify(a, other, strlen(other), NOW, &c) != 0); /* another key */
    ASSERT(!c.present);
    size_t n = strlen(cred);
    /* every single-byte change, and every truncation, is refused */
    for (size_t i = 0; i < n; i++) {
        char x[GW_SESSION_MAX];
        memcpy(x, cred, n + 1);
        x[i] = x[i] == 'A' ? 'B' : 'A';
        EXPECT(gw_auth_verify(a, x, n, NOW, &c) != 0);
        EXPECT(gw_auth_verify(a, cred, i, NOW, &c) != 0);
    }
    EXPECT(!c.present);
    ASSERT(gw_auth_verify(a, "", 0, NOW, &c) != 0);
    ASSERT(gw_auth_verify(a, ".", 1, NOW, &c) != 0);
    ASSERT(gw_auth_verify(a, "abc.def", 7, NOW, &c) != 0);
    gw_auth_free(a);
    gw_auth_free(b);
}

TEST(employee_needs_credential_and_configuration)
{
    char err[256], cred[GW_SESSION_MAX];
    gw_auth_t *a = make("session", KEY_A, err, sizeof err);
    ASSERT(a != NULL);
    ASSERT(gw_auth_is_employee(a, "emma", 4));
    ASSERT(!gw_auth_is_employee(a, "emm", 3));
    ASSERT(gw_auth_issue(a, "emma", 4, "NL12OPEN0000000001", NOW, cred) > 0);
    gw_caller_t c;
    memset(&c, 0, sizeof c);
    ASSERT_EQ_INT(0, gw_auth_verify(a, cred, strlen(cred), NOW, &c));
    ASSERT(c.employee);
    gw_auth_free(a);
    /* the same key, emma no longer listed: a customer now */
    gw_config_t conf;
    memset(&conf, 0, sizeof conf);
    conf.auth.mode = "session";
    conf.auth.session_secret_env = "GW_TEST_SECRET";
    conf.auth.session_ttl_s = 600;
    setenv("GW_TEST_SECRET", KEY_A, 1);
    gw_auth_t *a2 = gw_auth_new(&conf, err, sizeof err);
    ASSERT(a2 != NULL);
    memset(&c, 0, sizeof c);
    ASSERT_EQ_INT(0, gw_auth_verify(a2, cred, strlen(cred), NOW, &c));
    ASSERT(c.present && !c.employee);
    gw_auth_free(a2);
}

TEST(bearer_cookie_and_set_cookie)
{
    char err[256], cred[GW_SESSION_MAX], hdr[GW_SESSION_MAX + 64];
    gw_auth_t *a = make("session", KEY_A, err, sizeof err);
    ASSERT(a != NULL);
    ASSERT(gw_auth_issue(a, "carol", 5, "NL12OPEN0123456789", (uint64_t)time(NULL), cred) > 0);
    gw_caller_t c;
    memset(&c, 0, sizeof c);
    uint64_t now = (uint64_t)time(NULL);
    snprintf(hdr, sizeof hdr, "bearer  %s ", cred);
    ASSERT_EQ_INT(GW_AUTH_OK, gw_auth_read(a, hdr, strlen(hdr), NULL, 0, now, &c));
    ASSERT_EQ_INT(GW_AUTH_BAD, gw_auth_read(a, "Basic abc", 9, NULL, 0, now, &c));
    /* Authorization decides even when a good cookie comes too */
    char cookie[GW_SESSION_MAX + 64];
    snprintf(cookie, sizeof cookie, "theme=dark; gw_session=%s; x=y", cred);
    ASSERT_EQ_INT(GW_AUTH_BAD, gw_auth_read(a, "Bearer nope", 11, cookie, strlen(cookie), now, &c));
    memset(&c, 0, sizeof c);
    ASSERT_EQ_INT(GW_AUTH_OK, gw_auth_read(a, NULL, 0, cookie, strlen(cookie), now, &c));
    ASSERT_EQ_STR("carol", c.username);
    ASSERT_EQ_INT(GW_AUTH_NONE, gw_auth_read(a, NULL, 0, "gw_sessionx=1; a=b", 18, now, &c));
    ASSERT_EQ_INT(GW_AUTH_NONE, gw_auth_read(a, NULL, 0, NULL, 0, now, &c));
    ASSERT_EQ_INT(GW_AUTH_BAD, gw_auth_read(a, NULL, 0, "gw_session=zz", 13, now, &c));
    char set[GW_SESSION_MAX + 128];
    ASSERT(gw_auth_cookie(a, "CRED", false, set, sizeof set));
    ASSERT_EQ_STR("gw_session=CRED; HttpOnly; SameSite=Strict; Path=/; Max-Age=600", set);
    ASSERT(gw_auth_cookie(a, "CRED", true, set, sizeof set));
    ASSERT_EQ_STR("gw_session=CRED; HttpOnly; SameSite=Strict; Path=/; Max-Age=600; Secure", set);
    gw_auth_free(a);
}

TEST(open_mode_and_missing_secret)
{
    char err[256], cred[GW_SESSION_MAX];
    gw_auth_t *o = make("open", NULL, err, sizeof err);
    ASSERT(o != NULL);
    ASSERT(!gw_auth_session(o));
    ASSERT_EQ_STR("open", gw_auth_mode_name(o));
    ASSERT(gw_auth_issue(o, "carol", 5, "NL12OPEN0123456789", NOW, cred) < 0);
    gw_caller_t c;
    memset(&c, 0, sizeof c);
    ASSERT_EQ_INT(GW_AUTH_NONE, gw_auth_read(o, "Bearer whatever", 15, "gw_session=x", 12, NOW, &c));
    char detail[64];
    ASSERT(gw_auth_ready(o, detail, sizeof detail));
    ASSERT_EQ_STR("auth.mode open", detail);
    gw_auth_free(o);
    ASSERT(make("session", NULL, err, sizeof err) == NULL);
    ASSERT(strstr(err, "GW_TEST_SECRET") != NULL && strstr(err, "is not set") != NULL);
    ASSERT(make("session", "short", err, sizeof err) == NULL);
    ASSERT(strstr(err, "wrong length") != NULL);
}

TEST_MAIN(TEST_ENTRY(issue_then_verify), TEST_ENTRY(forged_altered_and_short_are_refused),
          TEST_ENTRY(employee_needs_credential_and_configuration), TEST_ENTRY(bearer_cookie_and_set_cookie),
          TEST_ENTRY(open_mode_and_missing_secret))
