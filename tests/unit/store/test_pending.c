/* Unit tests of pending.c: joining an in-flight uuid, completion with both
 * feedback shapes, unknown feedback, expiry order, the entry bound, the
 * stored-outcome LRU, leaving, and a randomised run against a naive model. */
#include "store.h"
#include "test.h"

#include <pthread.h>
#include <stdint.h>

typedef struct req {
    gw_inflight_waiter_t w; /* first, so a waiter pointer is a req pointer */
    int id;
} req_t;

static void uuid_n(uint8_t u[16], unsigned n)
{
    memset(u, 0, 16);
    u[0] = (uint8_t)n;
    u[1] = (uint8_t)(n >> 8);
    u[15] = 0x5a;
}

static gw_str_t S(const char *s)
{
    gw_str_t r = {s, (uint32_t)strlen(s)};
    return r;
}

static size_t list_ids(gw_inflight_waiter_t *w, int *ids, size_t cap)
{
    size_t n = 0;
    for (; w != NULL; w = w->next)
        if (n < cap)
            ids[n++] = ((req_t *)w)->id;
    return n;
}

TEST(join_and_complete)
{
    gw_inflight_t *p = gw_inflight_new(10, 10);
    ASSERT(p != NULL);
    uint8_t u[16];
    uuid_n(u, 1);
    req_t a = {.id = 1}, b = {.id = 2}, c = {.id = 3};
    gw_outcome_t *o = NULL;
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 1000, &a.w, &o));
    ASSERT(o == NULL);
    ASSERT_EQ_INT(GW_INFLIGHT_JOINED, gw_inflight_begin(p, u, 5000, &b.w, &o));
    ASSERT_EQ_INT(GW_INFLIGHT_JOINED, gw_inflight_begin(p, u, 5000, &c.w, &o));
    ASSERT_EQ_INT(1000, gw_inflight_next_deadline(p)); /* the first deadline stays */

    gw_feedback_t fb = {GW_OUTCOME_RESULT, false, S("insufficient funds"), {NULL, 0}, {NULL, 0}};
    gw_inflight_waiter_t *ws = NULL;
    ASSERT_EQ_INT(1, gw_inflight_complete(p, u, &fb, &ws, &o));
    int ids[8];
    ASSERT_EQ_INT(3, list_ids(ws, ids, 8));
    EXPECT(ids[0] == 1 && ids[1] == 2 && ids[2] == 3);
    ASSERT(o != NULL);
    EXPECT(o->kind == GW_OUTCOME_RESULT && !o->success && memcmp(o->uuid, u, 16) == 0);
    ASSERT_EQ_STR("insufficient funds", o->reason.ptr);
    ASSERT_EQ_STR("", o->iban.ptr);
    gw_outcome_release(o);

    /* Second feedback for the same uuid: no longer in flight, ignored. */
    ASSERT_EQ_INT(0, gw_inflight_complete(p, u, &fb, &ws, &o));
    EXPECT(ws == NULL && o == NULL);
    ASSERT_EQ_INT(INT64_MAX, gw_inflight_next_deadline(p));

    gw_inflight_stats_t st;
    gw_inflight_stats(p, &st);
    EXPECT(st.in_flight == 0 && st.completed == 1 && st.ignored == 1 && st.outcomes == 1);
    gw_inflight_free(p);
}

TEST(stored_outcome_answers_a_repeat)
{
    gw_inflight_t *p = gw_inflight_new(10, 10);
    ASSERT(p != NULL);
    uint8_t u[16];
    uuid_n(u, 7);
    req_t a = {.id = 1}, b = {.id = 2};
    gw_outcome_t *o, *o2;
    gw_inflight_waiter_t *ws;
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 100, &a.w, &o));
    gw_feedback_t fb = {GW_OUTCOME_ACCOUNT, true, S(""), S("NL66OPEN0000000042"), S("tok-123")};
    ASSERT_EQ_INT(1, gw_inflight_complete(p, u, &fb, &ws, &o));
    ASSERT_EQ_INT(GW_INFLIGHT_ANSWERED, gw_inflight_begin(p, u, 200, &b.w, &o2));
    ASSERT(o2 == o); /* the same stored outcome, a second reference */
    EXPECT(o2->kind == GW_OUTCOME_ACCOUNT && o2->success);
    ASSERT_EQ_STR("NL66OPEN0000000042", o2->iban.ptr);
    ASSERT_EQ_STR("tok-123", o2->token.ptr);
    EXPECT(o2->iban.len == 18 && o2->token.len == 7);
    gw_outcome_release(o);
    /* The table still holds its reference: o2 stays valid after free. */
    gw_inflight_free(p);
    ASSERT_EQ_STR("tok-123", o2->token.ptr);
    gw_outcome_release(o2);
}

/* An aborted command (never delivered) hands back its waiters and stores no
 * outcome: the same uuid starts afresh. */
TEST(abort_stores_no_outcome)
{
    gw_inflight_t *p = gw_inflight_new(10, 10);
    ASSERT(p != NULL);
    uint8_t u[16];
    uuid_n(u, 9);
    req_t a = {.id = 1}, b = {.id = 2};
    gw_outcome_t *o;
    gw_inflight_waiter_t *ws;
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 100, &a.w, &o));
    ASSERT_EQ_INT(GW_INFLIGHT_JOINED, gw_inflight_begin(p, u, 100, &b.w, &o));
    ASSERT_EQ_INT(1, gw_inflight_abort(p, u, &ws));
    ASSERT(ws == &a.w && ws->next == &b.w && b.w.next == NULL);
    ASSERT_EQ_INT(0, gw_inflight_abort(p, u, &ws));
    ASSERT(ws == NULL);
    EXPECT(gw_inflight_next_deadline(p) == INT64_MAX);
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 100, &a.w, &o));
    gw_inflight_expire(p, INT64_MAX, &ws);
    gw_inflight_free(p);
}

TEST(feedback_for_unknown_ids_is_ignored)
{
    gw_inflight_t *p = gw_inflight_new(10, 10);
    ASSERT(p != NULL);
    uint8_t u[16];
    uuid_n(u, 9);
    gw_feedback_t fb = {GW_OUTCOME_RESULT, true, S(""), {NULL, 0}, {NULL, 0}};
    gw_inflight_waiter_t *ws = (gw_inflight_waiter_t *)1;
    gw_outcome_t *o = (gw_outcome_t *)1;
    ASSERT_EQ_INT(0, gw_inflight_complete(p, u, &fb, &ws, &o));
    EXPECT(ws == NULL && o == NULL);
    /* It was not stored either: a begin afterwards is new. */
    req_t a = {.id = 1};
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 1, &a.w, &o));
    gw_inflight_expire(p, INT64_MAX, &ws);
    gw_inflight_free(p);
}

TEST(expiry_in_deadline_order)
{
    gw_inflight_t *p = gw_inflight_new(100, 10);
    ASSERT(p != NULL);
    req_t r[20];
    gw_outcome_t *o;
    /* Deadlines 50, 30, 70, 10, ... not in insertion order. */
    for (int i = 0; i < 20; i++) {
        uint8_t u[16];
        uuid_n(u, (unsigned)i);
        r[i].id = i;
        ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, (i * 37) % 20 * 10, &r[i].w, &o));
    }
    ASSERT_EQ_INT(0, gw_inflight_next_deadline(p));
    gw_inflight_waiter_t *ws;
    ASSERT_EQ_INT(10, gw_inflight_expire(p, 95, &ws));
    int ids[20];
    size_t n = list_ids(ws, ids, 20);
    ASSERT_EQ_INT(10, n);
    for (size_t k = 0; k < n; k++) {
        int deadline = ids[k] * 37 % 20 * 10;
        EXPECT(deadline <= 95);
        if (k > 0)
            EXPECT(ids[k - 1] * 37 % 20 * 10 <= deadline);
    }
    ASSERT_EQ_INT(100, gw_inflight_next_deadline(p));
    ASSERT_EQ_INT(0, gw_inflight_expire(p, 99, &ws));
    EXPECT(ws == NULL);
    /* Completing one in the middle keeps the heap right. */
    uint8_t u[16];
    gw_feedback_t fb = {GW_OUTCOME_RESULT, true, S(""), {NULL, 0}, {NULL, 0}};
    int done = 0;
    for (int i = 0; i < 20; i++) {
        uuid_n(u, (unsigned)i);
        if (i * 37 % 20 * 10 >= 150 && gw_inflight_complete(p, u, &fb, &ws, &o) == 1) {
            gw_outcome_release(o);
            done++;
        }
    }
    ASSERT_EQ_INT(5, done);
    ASSERT_EQ_INT(5, gw_inflight_expire(p, INT64_MAX, &ws));
    n = list_ids(ws, ids, 20);
    ASSERT_EQ_INT(5, n);
    for (size_t k = 1; k < n; k++)
        EXPECT(ids[k - 1] * 37 % 20 <= ids[k] * 37 % 20);
    gw_inflight_stats_t st;
    gw_inflight_stats(p, &st);
    EXPECT(st.expired == 15 && st.completed == 5 && st.in_flight == 0);
    gw_inflight_free(p);
}

TEST(bound_rejects_new_entries)
{
    gw_inflight_t *p = gw_inflight_new(3, 10);
    ASSERT(p != NULL);
    req_t r[5];
    gw_outcome_t *o;
    uint8_t u[16];
    for (int i = 0; i < 3; i++) {
        uuid_n(u, (unsigned)i);
        ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 10, &r[i].w, &o));
    }
    uuid_n(u, 3);
    ASSERT_EQ_INT(GW_STORE_EFULL, gw_inflight_begin(p, u, 10, &r[3].w, &o));
    ASSERT_EQ_STR("limit reached", gw_store_strerror(GW_STORE_EFULL));
    /* Joining an existing one is still fine at the bound. */
    uuid_n(u, 1);
    ASSERT_EQ_INT(GW_INFLIGHT_JOINED, gw_inflight_begin(p, u, 10, &r[4].w, &o));
    /* After one leaves by expiry there is room again. */
    gw_inflight_waiter_t *ws;
    ASSERT_EQ_INT(3, gw_inflight_expire(p, 10, &ws));
    uuid_n(u, 3);
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 10, &r[3].w, &o));
    gw_inflight_stats_t st;
    gw_inflight_stats(p, &st);
    EXPECT(st.rejected == 1);
    gw_inflight_expire(p, INT64_MAX, &ws);
    gw_inflight_free(p);
}

TEST(outcome_lru_is_bounded)
{
    gw_inflight_t *p = gw_inflight_new(100, 4);
    ASSERT(p != NULL);
    gw_outcome_t *o;
    gw_inflight_waiter_t *ws;
    uint8_t u[16];
    gw_feedback_t fb = {GW_OUTCOME_RESULT, true, S("ok"), {NULL, 0}, {NULL, 0}};
    for (unsigned i = 0; i < 6; i++) {
        uuid_n(u, i);
        ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 10, NULL, &o));
        if (i == 4) {
            /* Touch uuid 2 so it becomes the most recently used. */
            uuid_n(u, 2);
            ASSERT_EQ_INT(GW_INFLIGHT_ANSWERED, gw_inflight_begin(p, u, 10, NULL, &o));
            gw_outcome_release(o);
            uuid_n(u, i);
        }
        ASSERT_EQ_INT(1, gw_inflight_complete(p, u, &fb, &ws, &o));
        EXPECT(ws == NULL);
        gw_outcome_release(o);
    }
    gw_inflight_stats_t st;
    gw_inflight_stats(p, &st);
    ASSERT_EQ_INT(4, st.outcomes);
    /* 0, 1 and 3 were evicted in LRU order (2 was touched); 2, 4, 5 remain. */
    unsigned kept[] = {2, 4, 5}, gone[] = {0, 1};
    for (int i = 0; i < 3; i++) {
        uuid_n(u, kept[i]);
        ASSERT_EQ_INT(GW_INFLIGHT_ANSWERED, gw_inflight_begin(p, u, 10, NULL, &o));
        gw_outcome_release(o);
    }
    for (int i = 0; i < 2; i++) {
        uuid_n(u, gone[i]);
        ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 10, NULL, &o));
    }
    gw_inflight_expire(p, INT64_MAX, &ws);
    gw_inflight_free(p);

    /* max_outcomes 0: nothing stored, the caller's reference is the only one. */
    p = gw_inflight_new(10, 0);
    ASSERT(p != NULL);
    uuid_n(u, 1);
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 10, NULL, &o));
    ASSERT_EQ_INT(1, gw_inflight_complete(p, u, &fb, &ws, &o));
    gw_outcome_release(o);
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin(p, u, 10, NULL, &o));
    gw_inflight_expire(p, INT64_MAX, &ws);
    gw_inflight_free(p);
}

TEST(leave_unlinks_one_waiter)
{
    gw_inflight_t *p = gw_inflight_new(10, 10);
    ASSERT(p != NULL);
    uint8_t u[16];
    uuid_n(u, 1);
    req_t a = {.id = 1}, b = {.id = 2}, c = {.id = 3};
    gw_outcome_t *o;
    gw_inflight_begin(p, u, 10, &a.w, &o);
    gw_inflight_begin(p, u, 10, &b.w, &o);
    gw_inflight_begin(p, u, 10, &c.w, &o);
    EXPECT(gw_inflight_leave(p, u, &c.w)); /* the tail */
    EXPECT(!gw_inflight_leave(p, u, &c.w));
    EXPECT(gw_inflight_leave(p, u, &a.w)); /* the head */
    req_t d = {.id = 4};
    ASSERT_EQ_INT(GW_INFLIGHT_JOINED, gw_inflight_begin(p, u, 10, &d.w, &o));
    gw_inflight_waiter_t *ws;
    ASSERT_EQ_INT(1, gw_inflight_expire(p, 10, &ws));
    int ids[4];
    ASSERT_EQ_INT(2, list_ids(ws, ids, 4));
    EXPECT(ids[0] == 2 && ids[1] == 4);
    gw_inflight_free(p);
}

TEST(bad_arguments)
{
    EXPECT(gw_inflight_new(0, 10) == NULL);
    gw_inflight_t *p = gw_inflight_new(1, 1);
    ASSERT(p != NULL);
    uint8_t u[16] = {0};
    gw_outcome_t *o;
    gw_inflight_waiter_t *ws;
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_inflight_begin(p, NULL, 1, NULL, &o));
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_inflight_begin(p, u, 1, NULL, NULL));
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_inflight_complete(p, u, NULL, &ws, &o));
    gw_inflight_free(p);
    gw_inflight_free(NULL);
}

/* Random operations against a naive model of in-flight deadlines. */
TEST(random_against_model)
{
    enum { U = 300 };
    gw_inflight_t *p = gw_inflight_new(U, 50);
    ASSERT(p != NULL);
    int64_t deadline[U]; /* -1: not in flight */
    for (int i = 0; i < U; i++)
        deadline[i] = -1;
    uint64_t x = 12345;
    int64_t now = 0;
    gw_feedback_t fb = {GW_OUTCOME_RESULT, true, S(""), {NULL, 0}, {NULL, 0}};
    for (int step = 0; step < 20000; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned k = (unsigned)(x % U);
        uint8_t u[16];
        uuid_n(u, k);
        gw_outcome_t *o = NULL;
        gw_inflight_waiter_t *ws;
        switch ((x >> 20) % 3) {
        case 0: {
            int rc = gw_inflight_begin(p, u, now + (int64_t)((x >> 30) % 100), NULL, &o);
            if (deadline[k] >= 0)
                ASSERT_EQ_INT(GW_INFLIGHT_JOINED, rc);
            else if (rc == GW_INFLIGHT_NEW)
                deadline[k] = now + (int64_t)((x >> 30) % 100);
            else
                ASSERT_EQ_INT(GW_INFLIGHT_ANSWERED, rc);
            gw_outcome_release(o);
            break;
        }
        case 1: {
            int rc = gw_inflight_complete(p, u, &fb, &ws, &o);
            ASSERT_EQ_INT(deadline[k] >= 0 ? 1 : 0, rc);
            deadline[k] = -1;
            gw_outcome_release(o);
            break;
        }
        default: {
            now += (int64_t)((x >> 30) % 20);
            size_t expect = 0;
            int64_t next = INT64_MAX;
            for (int i = 0; i < U; i++) {
                if (deadline[i] >= 0 && deadline[i] <= now) {
                    expect++;
                    deadline[i] = -1;
                } else if (deadline[i] >= 0 && deadline[i] < next) {
                    next = deadline[i];
                }
            }
            ASSERT_EQ_INT(expect, gw_inflight_expire(p, now, &ws));
            ASSERT_EQ_INT(next, gw_inflight_next_deadline(p));
            break;
        }
        }
    }
    gw_inflight_waiter_t *ws;
    gw_inflight_expire(p, INT64_MAX, &ws);
    gw_inflight_free(p);
}

/* Two threads beginning and two completing the same uuids at once (run under
 * -fsanitize=thread too): every begin is answered exactly once, by feedback,
 * a stored outcome or the final drain. */
typedef struct mt {
    gw_inflight_t *p;
    int role; /* 0, 1: begin; 2, 3: complete */
    long answered, waiting, completed;
    req_t reqs[2000];
} mt_t;

static void *mt_main(void *arg)
{
    mt_t *m = arg;
    gw_feedback_t fb = {GW_OUTCOME_RESULT, true, {"", 0}, {NULL, 0}, {NULL, 0}};
    for (unsigned i = 0; i < 2000; i++) {
        uint8_t u[16];
        uuid_n(u, i % 500);
        u[2] = (uint8_t)(i / 500);
        gw_outcome_t *o = NULL;
        gw_inflight_waiter_t *ws = NULL;
        if (m->role < 2) {
            int rc = gw_inflight_begin(m->p, u, 1000, &m->reqs[i].w, &o);
            if (rc == GW_INFLIGHT_ANSWERED)
                m->answered++;
            else if (rc == GW_INFLIGHT_NEW || rc == GW_INFLIGHT_JOINED)
                m->waiting++;
        } else if (gw_inflight_complete(m->p, u, &fb, &ws, &o) == 1) {
            for (; ws != NULL; ws = ws->next)
                m->completed++;
        }
        gw_outcome_release(o);
    }
    return NULL;
}

TEST(threads_share_the_table)
{
    gw_inflight_t *p = gw_inflight_new(100000, 100000);
    ASSERT(p != NULL);
    static mt_t m[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        memset(&m[i], 0, sizeof(m[i]));
        m[i].p = p;
        m[i].role = i;
        ASSERT(pthread_create(&th[i], NULL, mt_main, &m[i]) == 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    gw_inflight_waiter_t *ws;
    gw_inflight_expire(p, INT64_MAX, &ws);
    long drained = 0;
    for (; ws != NULL; ws = ws->next)
        drained++;
    long waiting = m[0].waiting + m[1].waiting, completed = m[2].completed + m[3].completed;
    EXPECT(m[0].answered + m[1].answered + waiting == 4000);
    EXPECT(completed + drained == waiting);
    gw_inflight_free(p);
}

/* A uuid bound to its parameters (gw_inflight_begin_bound): another digest
 * conflicts while in flight and once answered; the same digest (or none)
 * joins and is answered as before; feedback decided for another digest is
 * stored under that digest and reported as 2; a refusal aimed at one digest
 * drops only its entry. */
TEST(uuid_bound_to_its_digest)
{
    gw_inflight_t *p = gw_inflight_new(10, 10);
    ASSERT(p != NULL);
    uint8_t u[16], d1[GW_INFLIGHT_DIGEST], d2[GW_INFLIGHT_DIGEST];
    uuid_n(u, 7);
    memset(d1, 1, sizeof d1);
    memset(d2, 2, sizeof d2);
    req_t a = {.id = 1}, b = {.id = 2}, c = {.id = 3};
    gw_outcome_t *o = NULL;
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin_bound(p, u, d1, 100, &a.w, &o));
    ASSERT_EQ_INT(GW_INFLIGHT_CONFLICT, gw_inflight_begin_bound(p, u, d2, 100, &b.w, &o));
    ASSERT(o == NULL);
    ASSERT_EQ_INT(GW_INFLIGHT_JOINED, gw_inflight_begin_bound(p, u, d1, 100, &c.w, &o));
    ASSERT_EQ_INT(GW_INFLIGHT_JOINED, gw_inflight_begin(p, u, 100, NULL, &o)); /* unbound: as before */
    /* a refusal of the d2 command does not touch the d1 entry */
    gw_inflight_waiter_t *ws = NULL;
    ASSERT_EQ_INT(0, gw_inflight_abort_bound(p, u, d2, &ws));
    gw_feedback_t fb = {GW_OUTCOME_RESULT, true, {NULL, 0}, {NULL, 0}, {NULL, 0}};
    ASSERT_EQ_INT(1, gw_inflight_complete_bound(p, u, &fb, d1, &ws, &o));
    int ids[8];
    ASSERT_EQ_INT(2, list_ids(ws, ids, 8));
    EXPECT(o->has_digest && memcmp(o->digest, d1, sizeof d1) == 0);
    gw_outcome_release(o);
    ASSERT_EQ_INT(GW_INFLIGHT_CONFLICT, gw_inflight_begin_bound(p, u, d2, 100, &b.w, &o));
    ASSERT_EQ_INT(GW_INFLIGHT_ANSWERED, gw_inflight_begin_bound(p, u, d1, 100, &b.w, &o));
    EXPECT(o != NULL && o->success);
    gw_outcome_release(o);

    /* in flight for d2, decided for d1 (another gateway's command came first) */
    uint8_t v[16];
    uuid_n(v, 8);
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin_bound(p, v, d2, 100, &a.w, &o));
    ASSERT_EQ_INT(2, gw_inflight_complete_bound(p, v, &fb, d1, &ws, &o));
    EXPECT(ws == &a.w && o->has_digest && memcmp(o->digest, d1, sizeof d1) == 0);
    gw_outcome_release(o);
    ASSERT_EQ_INT(GW_INFLIGHT_CONFLICT, gw_inflight_begin_bound(p, v, d2, 100, &a.w, &o));

    /* feedback that names no digest: the entry's binds the outcome */
    uint8_t w[16];
    uuid_n(w, 9);
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin_bound(p, w, d2, 100, &a.w, &o));
    ASSERT_EQ_INT(1, gw_inflight_complete(p, w, &fb, &ws, &o));
    EXPECT(o->has_digest && memcmp(o->digest, d2, sizeof d2) == 0);
    gw_outcome_release(o);
    /* a refusal aimed at the entry's digest drops it, storing nothing */
    uint8_t x[16];
    uuid_n(x, 10);
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin_bound(p, x, d1, 100, &a.w, &o));
    ASSERT_EQ_INT(1, gw_inflight_abort_bound(p, x, d1, &ws));
    EXPECT(ws == &a.w);
    ASSERT_EQ_INT(GW_INFLIGHT_NEW, gw_inflight_begin_bound(p, x, d2, 100, NULL, &o));
    gw_inflight_stats_t st;
    gw_inflight_stats(p, &st);
    EXPECT(st.conflicts == 3);
    gw_inflight_free(p);
}

TEST_MAIN(TEST_ENTRY(threads_share_the_table), TEST_ENTRY(join_and_complete),
          TEST_ENTRY(stored_outcome_answers_a_repeat), TEST_ENTRY(abort_stores_no_outcome),
          TEST_ENTRY(feedback_for_unknown_ids_is_ignored), TEST_ENTRY(expiry_in_deadline_order),
          TEST_ENTRY(bound_rejects_new_entries), TEST_ENTRY(outcome_lru_is_bounded),
          TEST_ENTRY(leave_unlinks_one_waiter), TEST_ENTRY(bad_arguments), TEST_ENTRY(random_against_model),
          TEST_ENTRY(uuid_bound_to_its_digest))
