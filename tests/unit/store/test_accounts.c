/* Unit tests of accounts.c, pwhash.c and uuid.c: first registration wins,
 * lookups, bad records, password hashing at configured settings, the
 * worker pool (verify, dummy, dropped jobs, the expected-wait bound) and the
 * UUID text form. */
#include "store.h"
#include "test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
    if (hash_pw1_[0] == '\0' && gw_password_hash("correct horse", 13, NULL, hash_pw1_) != 0)
        return "";
    return hash_pw1_;
}
#define hash_pw1 pw1()

TEST(password_hash_shape)
{
    ASSERT(hash_pw1[0] != '\0');
    EXPECT(strncmp(hash_pw1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0); /* OWASP's minimum by default */
    char other[GW_PWHASH_MAX];
    ASSERT_EQ_INT(0, gw_password_hash("correct horse", 13, NULL, other));
    EXPECT(strcmp(other, hash_pw1) != 0); /* salted */
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_password_hash(NULL, 0, NULL, other));
    /* other settings: the string carries them */
    gw_pwhash_params_t weak = {8192, 1};
    ASSERT_EQ_INT(0, gw_password_hash("correct horse", 13, &weak, other));
    EXPECT(strncmp(other, "$argon2id$v=19$m=8192,t=1,p=1$", 30) == 0);
    gw_pwhash_params_t bad = {4, 1}; /* below libsodium's minimum */
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_password_hash("x", 1, &bad, other));
    EXPECT(gw_pwhash_params_strong(19456, 2));
    EXPECT(gw_pwhash_params_strong(65536, 2));
    EXPECT(gw_pwhash_params_strong(7168, 5));
    EXPECT(gw_pwhash_params_strong(47104, 1));
    EXPECT(!gw_pwhash_params_strong(19455, 2));
    EXPECT(!gw_pwhash_params_strong(19456, 1));
    EXPECT(!gw_pwhash_params_strong(8192, 1));
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

/* Pool jobs with a completion counter, as a loop's inbox would see them. */
typedef struct tjob {
    gw_pwhash_job_t pj;
    int tag;
} tjob_t;

typedef struct tdone {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n;
} tdone_t;

static tdone_t td = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void tjob_done(gw_pwhash_job_t *pj)
{
    (void)pj;
    pthread_mutex_lock(&td.mu);
    td.n++;
    pthread_cond_broadcast(&td.cv);
    pthread_mutex_unlock(&td.mu);
}

static void wait_done(int want)
{
    pthread_mutex_lock(&td.mu);
    while (td.n < want)
        pthread_cond_wait(&td.cv, &td.mu);
    td.n = 0;
    pthread_mutex_unlock(&td.mu);
}

static void tjob_init(tjob_t *j, bool verify, const char *hash, const char *pw)
{
    memset(j, 0, sizeof *j);
    j->pj.verify = verify;
    j->pj.password = pw;
    j->pj.len = strlen(pw);
    j->pj.done = tjob_done;
    atomic_init(&j->pj.gone, false);
    if (hash != NULL)
        snprintf(j->pj.hash, sizeof j->pj.hash, "%s", hash);
}

TEST(pool_verify_hash_and_dummy)
{
    gw_pwhash_params_t p = {8192, 1};
    char err[128];
    gw_pwhash_pool_t *pool = gw_pwhash_pool_new(&p, 2, 0, err, sizeof err);
    ASSERT(pool != NULL);
    static tjob_t j[5];
    tjob_init(&j[0], true, hash_pw1, "correct horse"); /* made at other settings: still verifies */
    tjob_init(&j[1], true, hash_pw1, "correct horsE");
    tjob_init(&j[2], true, "", "anything"); /* unknown user: the dummy */
    tjob_init(&j[3], true, hash_pw1, "");
    tjob_init(&j[4], false, NULL, "new password");
    for (int i = 0; i < 5; i++)
        ASSERT_EQ_INT(0, gw_pwhash_submit(pool, &j[i].pj));
    wait_done(5);
    EXPECT(j[0].pj.result == GW_PWHASH_OK);
    EXPECT(j[1].pj.result == GW_PWHASH_WRONG);
    EXPECT(j[2].pj.result == GW_PWHASH_WRONG);
    EXPECT(j[3].pj.result == GW_PWHASH_WRONG);
    EXPECT(j[4].pj.result == GW_PWHASH_OK);
    EXPECT(strncmp(j[4].pj.hash, "$argon2id$v=19$m=8192,t=1,p=1$", 30) == 0);
    gw_pwhash_stats_t st;
    gw_pwhash_stats(pool, &st);
    EXPECT(st.done == 5 && st.dropped == 0 && st.refused == 0 && st.seconds_count == 5);
    EXPECT(st.avg_seconds > 0 && st.threads == 2);
    gw_pwhash_pool_free(pool);
}

TEST(pool_drops_gone_jobs_and_bounds_the_wait)
{
    gw_pwhash_params_t p = {19456, 2};
    char err[128];
    /* one thread, no bound: every job is queued */
    gw_pwhash_pool_t *pool = gw_pwhash_pool_new(&p, 1, 1000000, err, sizeof err);
    ASSERT(pool != NULL);
    static tjob_t j[6];
    for (int i = 0; i < 6; i++) {
        tjob_init(&j[i], false, NULL, "pw");
        if (i > 0)
            atomic_store(&j[i].pj.gone, true); /* the client left before any started */
    }
    /* the first may be running already; the gone ones behind it are dropped */
    for (int i = 0; i < 6; i++)
        ASSERT_EQ_INT(0, gw_pwhash_submit(pool, &j[i].pj));
    wait_done(6);
    int dropped = 0;
    for (int i = 1; i < 6; i++)
        dropped += j[i].pj.result == GW_PWHASH_DROPPED;
    EXPECT(j[0].pj.result == GW_PWHASH_OK);
    EXPECT(dropped == 5);
    gw_pwhash_stats_t st;
    gw_pwhash_stats(pool, &st);
    EXPECT(st.dropped == 5 && st.done == 1);
    gw_pwhash_pool_free(pool);

    pool = gw_pwhash_pool_new(&p, 1, 1, err, sizeof err);
    ASSERT(pool != NULL);
    int refused = 0, queued = 0;
    for (int i = 0; i < 6; i++) {
        tjob_init(&j[i], false, NULL, "pw");
        int rc = gw_pwhash_submit(pool, &j[i].pj);
        refused += rc == GW_STORE_EFULL;
        queued += rc == 0;
    }
    /* the first finds the worker idle; behind it one hash (> 1 ms) is too long */
    EXPECT(queued >= 1 && refused >= 4);
    gw_pwhash_stats(pool, &st);
    EXPECT(st.refused == (uint64_t)refused);
    wait_done(queued);
    gw_pwhash_pool_free(pool);
}

TEST(pool_free_returns_queued_jobs)
{
    gw_pwhash_params_t p = {19456, 2};
    char err[128];
    gw_pwhash_pool_t *pool = gw_pwhash_pool_new(&p, 1, 0, err, sizeof err);
    ASSERT(pool != NULL);
    static tjob_t j[4];
    for (int i = 0; i < 4; i++) {
        tjob_init(&j[i], false, NULL, "pw");
        ASSERT_EQ_INT(0, gw_pwhash_submit(pool, &j[i].pj));
    }
    gw_pwhash_pool_free(pool); /* the one in hand finishes, the rest come back STOPPED */
    wait_done(4);
    int stopped = 0;
    for (int i = 0; i < 4; i++)
        stopped += j[i].pj.result == GW_PWHASH_STOPPED;
    EXPECT(stopped >= 1);
    gw_pwhash_params_t bad = {4, 1};
    EXPECT(gw_pwhash_pool_new(&bad, 1, 0, err, sizeof err) == NULL);
    gw_pwhash_pool_free(NULL);
}

/* Submitters on several threads at once, as the loops are (run under
 * -fsanitize=thread too): the queue they push to takes no lock, so every
 * job must still come back exactly once, counted once. Most jobs are gone
 * (dropped at once), one in 40 is hashed. */
#define MT_SUBMITTERS 4
#define MT_JOBS 400

typedef struct mt_job {
    gw_pwhash_job_t pj;
    atomic_int calls;
} mt_job_t;

static mt_job_t mt_jobs[MT_SUBMITTERS][MT_JOBS];
static atomic_int mt_done_total;

static void mt_done(gw_pwhash_job_t *pj)
{
    mt_job_t *j = (mt_job_t *)((char *)pj - offsetof(mt_job_t, pj));
    atomic_fetch_add(&j->calls, 1);
    atomic_fetch_add(&mt_done_total, 1);
}

typedef struct mt_submitter {
    gw_pwhash_pool_t *pool;
    int index, refused;
} mt_submitter_t;

static void *mt_submit(void *arg)
{
    mt_submitter_t *s = arg;
    for (int i = 0; i < MT_JOBS; i++) {
        mt_job_t *j = &mt_jobs[s->index][i];
        memset(&j->pj, 0, sizeof j->pj);
        atomic_init(&j->calls, 0);
        j->pj.password = "pw";
        j->pj.len = 2;
        j->pj.done = mt_done;
        atomic_init(&j->pj.gone, i % 40 != 0);
        if (gw_pwhash_submit(s->pool, &j->pj) != 0)
            s->refused++;
    }
    return NULL;
}

TEST(pool_many_submitters_each_job_once)
{
    gw_pwhash_params_t p = {8192, 1};
    char err[128];
    gw_pwhash_pool_t *pool = gw_pwhash_pool_new(&p, 2, 0, err, sizeof err);
    ASSERT(pool != NULL);
    atomic_init(&mt_done_total, 0);
    pthread_t t[MT_SUBMITTERS];
    mt_submitter_t s[MT_SUBMITTERS];
    for (int i = 0; i < MT_SUBMITTERS; i++) {
        s[i] = (mt_submitter_t){.pool = pool, .index = i};
        ASSERT_EQ_INT(0, pthread_create(&t[i], NULL, mt_submit, &s[i]));
    }
    int refused = 0;
    for (int i = 0; i < MT_SUBMITTERS; i++) {
        pthread_join(t[i], NULL);
        refused += s[i].refused;
    }
    ASSERT_EQ_INT(0, refused); /* max_wait 0: only the 4096-job bound refuses */
    for (int spins = 0; atomic_load(&mt_done_total) < MT_SUBMITTERS * MT_JOBS && spins < 30000; spins++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    ASSERT_EQ_INT(MT_SUBMITTERS * MT_JOBS, atomic_load(&mt_done_total));
    int hashed = 0, dropped = 0, twice = 0;
    for (int i = 0; i < MT_SUBMITTERS; i++)
        for (int k = 0; k < MT_JOBS; k++) {
            twice += atomic_load(&mt_jobs[i][k].calls) != 1;
            hashed += mt_jobs[i][k].pj.result == GW_PWHASH_OK;
            dropped += mt_jobs[i][k].pj.result == GW_PWHASH_DROPPED;
        }
    EXPECT(twice == 0);
    EXPECT(hashed == MT_SUBMITTERS * (MT_JOBS / 40));
    EXPECT(dropped == MT_SUBMITTERS * MT_JOBS - hashed);
    gw_pwhash_stats_t st;
    gw_pwhash_stats(pool, &st);
    EXPECT(st.done == (uint64_t)hashed && st.dropped == (uint64_t)dropped && st.queued == 0);
    gw_pwhash_pool_free(pool);
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
          TEST_ENTRY(many_accounts), TEST_ENTRY(pool_verify_hash_and_dummy),
          TEST_ENTRY(pool_drops_gone_jobs_and_bounds_the_wait), TEST_ENTRY(pool_free_returns_queued_jobs),
          TEST_ENTRY(pool_many_submitters_each_job_once))
