/* Unit tests of accounts.c and uuid.c: first registration wins, lookups,
 * bad records, password hashing and verification on the worker pool with
 * its eventfd wake-up, and the UUID text form. */
#include "store.h"
#include "test.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

static gw_str_t S(const char *s)
{
    gw_str_t r = {s, (uint32_t)strlen(s)};
    return r;
}

TEST(uuid_text_form)
{
    uint8_t u[16];
    char text[GW_UUID_STRLEN + 1];
    const char *s = "0F1e2D3c-4B5a-6978-8a9B-aBcDeF012345";
    ASSERT_EQ_INT(0, gw_uuidstr_parse(s, strlen(s), u));
    EXPECT(u[0] == 0x0f && u[1] == 0x1e && u[15] == 0x45);
    gw_uuidstr_format(u, text);
    ASSERT_EQ_STR("0f1e2d3c-4b5a-6978-8a9b-abcdef012345", text);
    static const char *bad[] = {
        "",
        "0f1e2d3c-4b5a-6978-8a9b-abcdef01234",   /* short */
        "0f1e2d3c-4b5a-6978-8a9b-abcdef0123456", /* long */
        "0f1e2d3c4b5a-6978-8a9b-abcdef0123456",  /* dash moved */
        "0f1e2d3c-4b5a-6978-8a9b_abcdef012345",  /* not a dash */
        "0f1e2d3g-4b5a-6978-8a9b-abcdef012345",  /* not hex */
        "{f1e2d3c-4b5a-6978-8a9b-abcdef01234}",
    };
    uint8_t keep[16];
    memset(keep, 0xAA, 16);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(u, keep, 16);
        EXPECT(gw_uuidstr_parse(bad[i], strlen(bad[i]), u) == GW_STORE_EINVAL);
        EXPECT(memcmp(u, keep, 16) == 0);
        EXPECT(!gw_uuidstr_valid(bad[i], strlen(bad[i])));
    }
    EXPECT(gw_uuidstr_parse(NULL, 36, u) == GW_STORE_EINVAL);
    /* A NUL inside the 36 bytes is not hex. */
    EXPECT(!gw_uuidstr_valid("0f1e2d3c-4b5a-6978-8a9b-abcdef01234\0", 36));
}

TEST(uuid_v4_random)
{
    ASSERT_EQ_INT(0, gw_store_init());
    uint8_t a[16], b[16];
    char text[GW_UUID_STRLEN + 1];
    for (int i = 0; i < 100; i++) {
        gw_uuid_v4(a);
        gw_uuid_v4(b);
        EXPECT(memcmp(a, b, 16) != 0);
        gw_uuidstr_format(a, text);
        EXPECT(text[14] == '4');
        EXPECT(strchr("89ab", text[19]) != NULL);
        uint8_t back[16];
        ASSERT_EQ_INT(0, gw_uuidstr_parse(text, GW_UUID_STRLEN, back));
        EXPECT(memcmp(back, a, 16) == 0);
    }
}

/* One hash of "correct horse", made once for the tests that need a real
 * one (hashing is slow), whichever test runs first. */
static char hash_pw1_[GW_PWHASH_MAX];

static const char *pw1(void)
{
    if (hash_pw1_[0] == '\0' && gw_password_hash("correct horse", 13, hash_pw1_) != 0)
        return "";
    return hash_pw1_;
}
#define hash_pw1 pw1()

TEST(password_hash_shape)
{
    ASSERT(hash_pw1[0] != '\0');
    EXPECT(strncmp(hash_pw1, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
    char other[GW_PWHASH_MAX];
    ASSERT_EQ_INT(0, gw_password_hash("correct horse", 13, other));
    EXPECT(strcmp(other, hash_pw1) != 0); /* salted */
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_password_hash(NULL, 0, other));
}

TEST(first_registration_wins)
{
    gw_accounts_t *a = gw_accounts_new();
    ASSERT(a != NULL);
    uint8_t u1[16], u2[16];
    gw_uuid_v4(u1);
    gw_uuid_v4(u2);
    const char *h2 = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
    ASSERT_EQ_INT(1, gw_accounts_put(a, S("alice"), u1, S(hash_pw1)));
    ASSERT_EQ_INT(0, gw_accounts_put(a, S("alice"), u2, S(h2)));
    ASSERT_EQ_INT(1, gw_accounts_put(a, S("bob"), u2, S(h2)));
    ASSERT_EQ_INT(2, gw_accounts_count(a));
    const gw_account_t *x = gw_accounts_find(a, S("alice"));
    ASSERT(x != NULL);
    EXPECT(memcmp(x->uuid, u1, 16) == 0);
    ASSERT_EQ_STR(hash_pw1, x->pwhash.ptr);
    ASSERT_EQ_STR("alice", x->username.ptr);
    EXPECT(gw_accounts_find(a, S("alic")) == NULL);
    EXPECT(gw_accounts_find(a, S("alice ")) == NULL);
    EXPECT(gw_accounts_find(a, S("")) == NULL);
    gw_accounts_free(a);
}

TEST(bad_account_records)
{
    gw_accounts_t *a = gw_accounts_new();
    ASSERT(a != NULL);
    uint8_t u[16] = {1};
    char longname[300];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_accounts_put(a, S(""), u, S(hash_pw1)));
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_accounts_put(a, S(longname), u, S(hash_pw1)));
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_accounts_put(a, S("carol"), u, S("plaintext")));
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_accounts_put(a, S("carol"), u, S("$argon2i$v=19$m=4096,t=3,p=1$x$y")));
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_accounts_put(a, S("carol"), NULL, S(hash_pw1)));
    ASSERT_EQ_INT(0, gw_accounts_count(a));
    gw_accounts_free(a);
    gw_accounts_free(NULL);
}

TEST(many_accounts)
{
    gw_accounts_t *a = gw_accounts_new();
    ASSERT(a != NULL);
    char name[32];
    uint8_t u[16] = {0};
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "user%d", i);
        u[0] = (uint8_t)i;
        u[1] = (uint8_t)(i >> 8);
        ASSERT_EQ_INT(1, gw_accounts_put(a, S(name), u, S(hash_pw1)));
    }
    for (int i = 0; i < 5000; i += 7) {
        snprintf(name, sizeof(name), "user%d", i);
        const gw_account_t *x = gw_accounts_find(a, S(name));
        ASSERT(x != NULL);
        EXPECT(x->uuid[0] == (uint8_t)i && x->uuid[1] == (uint8_t)(i >> 8));
    }
    ASSERT_EQ_INT(5000, gw_accounts_count(a));
    gw_accounts_free(a);
}

/* Wait for `want` results through the eventfd, as an event loop would. */
static size_t wait_results(gw_verifier_t *v, gw_verify_result_t *out, size_t want)
{
    size_t got = 0;
    int wakeups = 0;
    while (got < want && wakeups < 100) {
        struct pollfd pfd = {gw_verifier_fd(v), POLLIN, 0};
        if (poll(&pfd, 1, 10000) <= 0)
            break;
        wakeups++;
        got += gw_verifier_collect(v, out + got, want - got);
    }
    return got;
}

TEST(verify_on_the_pool)
{
    gw_verifier_t *v = gw_verifier_new(2, 16);
    ASSERT(v != NULL);
    /* Nothing finished yet: the eventfd is not readable. */
    struct pollfd pfd = {gw_verifier_fd(v), POLLIN, 0};
    ASSERT_EQ_INT(0, poll(&pfd, 1, 0));
    int tags[4];
    ASSERT_EQ_INT(0, gw_verifier_submit(v, hash_pw1, "correct horse", 13, &tags[0]));
    ASSERT_EQ_INT(0, gw_verifier_submit(v, hash_pw1, "correct horsE", 13, &tags[1]));
    ASSERT_EQ_INT(0, gw_verifier_submit(v, NULL, "anything", 8, &tags[2])); /* unknown user */
    ASSERT_EQ_INT(0, gw_verifier_submit(v, hash_pw1, "", 0, &tags[3]));
    gw_verify_result_t r[4];
    ASSERT_EQ_INT(4, wait_results(v, r, 4));
    int seen = 0;
    for (int i = 0; i < 4; i++) {
        int which = (int)((int *)r[i].user - tags);
        ASSERT(which >= 0 && which < 4);
        seen |= 1 << which;
        EXPECT(r[i].ok == (which == 0 ? 1 : 0));
    }
    ASSERT_EQ_INT(15, seen);
    /* All collected: no longer readable. */
    ASSERT_EQ_INT(0, poll(&pfd, 1, 0));
    gw_verifier_free(v);
}

TEST(verify_partial_collect_resignals)
{
    gw_verifier_t *v = gw_verifier_new(2, 16);
    ASSERT(v != NULL);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ_INT(0, gw_verifier_submit(v, hash_pw1, "correct horse", 13, NULL));
    gw_verify_result_t r[3];
    size_t got = 0;
    for (int tries = 0; got < 3 && tries < 50; tries++) {
        struct pollfd pfd = {gw_verifier_fd(v), POLLIN, 0};
        ASSERT(poll(&pfd, 1, 10000) == 1);
        got += gw_verifier_collect(v, r + got, 1); /* one at a time */
    }
    ASSERT_EQ_INT(3, got);
    for (int i = 0; i < 3; i++)
        EXPECT(r[i].ok == 1);
    gw_verifier_free(v);
}

TEST(verify_bounds_and_bad_input)
{
    EXPECT(gw_verifier_new(0, 4) == NULL);
    EXPECT(gw_verifier_new(17, 4) == NULL);
    EXPECT(gw_verifier_new(1, 0) == NULL);
    gw_verifier_t *v = gw_verifier_new(1, 2);
    ASSERT(v != NULL);
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_verifier_submit(v, "not-a-hash", "pw", 2, NULL));
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_verifier_submit(v, hash_pw1, NULL, 2, NULL));
    static char huge[5000];
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_verifier_submit(v, hash_pw1, huge, sizeof(huge), NULL));
    /* One worker, queue of 2: submitting fast fills the queue. */
    int full = 0;
    for (int i = 0; i < 6; i++)
        full += gw_verifier_submit(v, hash_pw1, "x", 1, NULL) == GW_STORE_EFULL;
    EXPECT(full >= 3);
    /* Free with jobs queued and one in hand: no leak, no hang. */
    gw_verifier_free(v);
    gw_verifier_free(NULL);
}

/* A reader looking names up while the writer adds them (run under
 * -fsanitize=thread too): a found account is always whole. */
typedef struct acc_mt {
    gw_accounts_t *a;
    atomic_bool done;
    long found, bad;
} acc_mt_t;

static void *acc_reader(void *arg)
{
    acc_mt_t *m = arg;
    char name[32];
    unsigned i = 0;
    while (!atomic_load(&m->done)) {
        unsigned k = (i++ * 7919u) % 3000;
        snprintf(name, sizeof(name), "user%u", k);
        const gw_account_t *x = gw_accounts_find(m->a, S(name));
        if (x != NULL) {
            m->found++;
            if (x->uuid[0] != (uint8_t)k || x->uuid[1] != (uint8_t)(k >> 8) || strcmp(x->username.ptr, name) != 0 ||
                strncmp(x->pwhash.ptr, "$argon2id$", 10) != 0)
                m->bad++;
        }
    }
    return NULL;
}

TEST(lookups_while_adding)
{
    static acc_mt_t m;
    m.a = gw_accounts_new();
    ASSERT(m.a != NULL);
    atomic_init(&m.done, false);
    pthread_t th;
    ASSERT(pthread_create(&th, NULL, acc_reader, &m) == 0);
    char name[32];
    uint8_t u[16] = {0};
    for (unsigned k = 0; k < 3000; k++) {
        snprintf(name, sizeof(name), "user%u", k);
        u[0] = (uint8_t)k;
        u[1] = (uint8_t)(k >> 8);
        EXPECT(gw_accounts_put(m.a, S(name), u, S(hash_pw1)) == 1);
    }
    atomic_store(&m.done, true);
    pthread_join(th, NULL);
    EXPECT(m.bad == 0);
    ASSERT_EQ_INT(3000, gw_accounts_count(m.a));
    gw_accounts_free(m.a);
}

TEST_MAIN(TEST_ENTRY(lookups_while_adding), TEST_ENTRY(uuid_text_form), TEST_ENTRY(uuid_v4_random),
          TEST_ENTRY(password_hash_shape), TEST_ENTRY(first_registration_wins), TEST_ENTRY(bad_account_records),
          TEST_ENTRY(many_accounts), TEST_ENTRY(verify_on_the_pool), TEST_ENTRY(verify_partial_collect_resignals),
          TEST_ENTRY(verify_bounds_and_bad_input))
