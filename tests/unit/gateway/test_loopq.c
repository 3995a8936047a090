/*
 * test_loopq.c — the per-loop inbox (gateway/runtime/loopq.c): many producers, one
 * consumer, no message lost, reordered or doubled; every push wakes a drain
 * (no lost wakeups); "transactions up to N" coalesces; undelivered messages
 * are disposed; and it runs on a real h2o event loop.
 */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/loopq.h"
#include "runtime/server.h"
#include "test.h"

#define PRODUCERS 4
#define PER_PRODUCER 50000

/* A message carrying (producer, seq). */
typedef struct seq_msg {
    gw_loopq_msg_t msg; /* first */
    int producer;
    long seq;
} seq_msg_t;

typedef struct mpsc_ctx {
    gw_loopq_t *q;
    int producer;
} mpsc_ctx_t;

typedef struct seen {
    long next[PRODUCERS]; /* the seq expected next from each producer */
    long total, out_of_order;
} seen_t;

static void *producer_main(void *arg)
{
    mpsc_ctx_t *c = arg;
    for (long i = 0; i < PER_PRODUCER; i++) {
        seq_msg_t *m = calloc(1, sizeof *m);
        m->msg.kind = GW_LOOPQ_READY;
        m->producer = c->producer;
        m->seq = i;
        gw_loopq_push(c->q, &m->msg);
    }
    return NULL;
}

static void on_seq(gw_thread_t *t, const gw_loopq_msg_t *m, void *data)
{
    (void)t;
    seen_t *s = data;
    const seq_msg_t *x = (const seq_msg_t *)m;
    if (x->seq != s->next[x->producer])
        s->out_of_order++;
    s->next[x->producer] = x->seq + 1;
    s->total++;
}

/* Wait for the eventfd (at most 2 s), then drain. False when no wakeup came. */
static bool wait_and_drain(gw_loopq_t *q)
{
    struct pollfd p = {q->_efd, POLLIN, 0};
    if (poll(&p, 1, 2000) != 1)
        return false;
    uint64_t v;
    (void)!read(q->_efd, &v, sizeof v);
    gw_loopq_drain(q);
    return true;
}

TEST(many_producers_one_consumer_lose_nothing)
{
    gw_thread_t t;
    memset(&t, 0, sizeof t);
    ASSERT(gw_loopq_init(&t.loopq) == 0);
    seen_t s = {0};
    ASSERT(gw_loopq_on(&t.loopq, GW_LOOPQ_READY, on_seq, &s) == 0);
    pthread_t th[PRODUCERS];
    mpsc_ctx_t ctx[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        ctx[i] = (mpsc_ctx_t){&t.loopq, i};
        ASSERT(pthread_create(&th[i], NULL, producer_main, &ctx[i]) == 0);
    }
    bool woken = true;
    while (s.total < (long)PRODUCERS * PER_PRODUCER && woken)
        woken = wait_and_drain(&t.loopq);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    gw_loopq_drain(&t.loopq);
    EXPECT(woken); /* every push was followed by a wakeup */
    ASSERT_EQ_INT((long)PRODUCERS * PER_PRODUCER, s.total);
    ASSERT_EQ_INT(0, s.out_of_order);
    for (int i = 0; i < PRODUCERS; i++)
        ASSERT_EQ_INT(PER_PRODUCER, s.next[i]);
    ASSERT_EQ_INT((long)PRODUCERS * PER_PRODUCER, (long)gw_loopq_pushed(&t.loopq));
    gw_loopq_dispose(&t.loopq);
}

typedef struct tx_seen {
    int calls;
    uint64_t upto;
} tx_seen_t;

static void on_tx(gw_thread_t *t, const gw_loopq_msg_t *m, void *data)
{
    (void)t;
    tx_seen_t *s = data;
    s->calls++;
    s->upto = m->u.tx.upto;
}

TEST(transactions_up_to_n_coalesce)
{
    gw_thread_t t;
    memset(&t, 0, sizeof t);
    ASSERT(gw_loopq_init(&t.loopq) == 0);
    tx_seen_t s = {0};
    ASSERT(gw_loopq_on(&t.loopq, GW_LOOPQ_TX, on_tx, &s) == 0);
    for (uint64_t i = 1; i <= 1000; i++)
        gw_loopq_publish_tx(&t.loopq, i);
    gw_loopq_publish_tx(&t.loopq, 10); /* lower: ignored */
    ASSERT(wait_and_drain(&t.loopq));
    ASSERT_EQ_INT(1, s.calls);
    ASSERT_EQ_INT(1000, s.upto);
    /* nothing new: no wakeup, no callback */
    gw_loopq_publish_tx(&t.loopq, 1000);
    struct pollfd p = {t.loopq._efd, POLLIN, 0};
    ASSERT_EQ_INT(0, poll(&p, 1, 0));
    gw_loopq_drain(&t.loopq);
    ASSERT_EQ_INT(1, s.calls);
    gw_loopq_publish_tx(&t.loopq, 1001);
    ASSERT(wait_and_drain(&t.loopq));
    ASSERT_EQ_INT(2, s.calls);
    ASSERT_EQ_INT(1001, s.upto);
    gw_loopq_dispose(&t.loopq);
}

static int disposed;

static void count_dispose(gw_loopq_msg_t *m)
{
    disposed++;
    free(m);
}

static void call_fn(gw_thread_t *t, void *arg)
{
    (void)t;
    (*(int *)arg)++;
}

TEST(undelivered_messages_are_disposed_and_calls_run)
{
    gw_thread_t t;
    memset(&t, 0, sizeof t);
    ASSERT(gw_loopq_init(&t.loopq) == 0);
    int ran = 0;
    gw_loopq_msg_t *c = calloc(1, sizeof *c);
    c->kind = GW_LOOPQ_CALL;
    c->u.call.fn = call_fn;
    c->u.call.arg = &ran;
    gw_loopq_push(&t.loopq, c);
    ASSERT_EQ_INT(1, (long)gw_loopq_drain(&t.loopq));
    ASSERT_EQ_INT(1, ran);
    disposed = 0;
    for (int i = 0; i < 10; i++) {
        gw_loopq_msg_t *m = calloc(1, sizeof *m);
        m->kind = GW_LOOPQ_ANSWER;
        m->dispose = count_dispose;
        gw_loopq_push(&t.loopq, m);
    }
    gw_loopq_dispose(&t.loopq); /* not dispatched: disposed, nothing leaks */
    ASSERT_EQ_INT(10, disposed);
    ASSERT(gw_loopq_on(&t.loopq, GW_LOOPQ__COUNT, on_tx, NULL) == GW_EINVAL);
    for (int i = 0; i < GW_LOOPQ_MAX_HOOKS; i++)
        ASSERT(gw_loopq_on(&t.loopq, GW_LOOPQ_TX, on_tx, NULL) == 0);
    ASSERT(gw_loopq_on(&t.loopq, GW_LOOPQ_TX, on_tx, NULL) == GW_EFULL);
}

typedef struct loop_ctx {
    gw_loopq_t *q;
    int got;
} loop_ctx_t;

static void on_ready(gw_thread_t *t, const gw_loopq_msg_t *m, void *data)
{
    (void)t;
    loop_ctx_t *c = data;
    if (m->u.ready.ready && strcmp(m->u.ready.reason, "hello") == 0)
        c->got++;
}

static void *push_later(void *arg)
{
    loop_ctx_t *c = arg;
    for (int i = 0; i < 3; i++) {
        usleep(2000);
        gw_loopq_msg_t *m = calloc(1, sizeof *m);
        m->kind = GW_LOOPQ_READY;
        m->u.ready.ready = true;
        strcpy(m->u.ready.reason, "hello");
        gw_loopq_push(c->q, m);
    }
    return NULL;
}

TEST(wakes_an_h2o_event_loop)
{
    gw_thread_t t;
    memset(&t, 0, sizeof t);
    ASSERT(gw_loopq_init(&t.loopq) == 0);
    loop_ctx_t c = {&t.loopq, 0};
    ASSERT(gw_loopq_on(&t.loopq, GW_LOOPQ_READY, on_ready, &c) == 0);
    h2o_evloop_t *loop = h2o_evloop_create();
    gw_loopq_attach(&t.loopq, loop, &t);
    pthread_t th;
    ASSERT(pthread_create(&th, NULL, push_later, &c) == 0);
    for (int i = 0; i < 200 && c.got < 3; i++)
        h2o_evloop_run(loop, 50);
    pthread_join(th, NULL);
    ASSERT_EQ_INT(3, c.got);
    gw_loopq_detach(&t.loopq);
    h2o_evloop_run(loop, 0); /* h2o frees the closed socket */
    h2o_evloop_destroy(loop);
    gw_loopq_dispose(&t.loopq);
}

TEST_MAIN(TEST_ENTRY(many_producers_one_consumer_lose_nothing), TEST_ENTRY(transactions_up_to_n_coalesce),
          TEST_ENTRY(undelivered_messages_are_disposed_and_calls_run), TEST_ENTRY(wakes_an_h2o_event_loop))
