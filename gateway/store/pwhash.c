/*
 * pwhash.c — argon2id hashing and verification on one pool of worker
 * threads (store.h, "Password hashing").
 *
 * Three decisions live here:
 *  - Priority: each worker sets its own nice value to 10 (setpriority on
 *    its thread id; Linux keeps a nice value per thread). Under CFS a nice-10
 *    thread gets about a ninth of the CPU share of a nice-0 event loop, so a
 *    burst of registrations cannot take the cores from transfers and
 *    queries, yet hashing still runs at full speed on an idle machine.
 *    SCHED_IDLE was not chosen: with busy loops it can starve a job for
 *    ever, and the queue bound below would then refuse every login.
 *  - Admission: `avg` is a moving average (weight 1/5) of the measured
 *    seconds per job, seeded by timing the dummy hash at start. A job is
 *    refused when (waiting + 1) * avg / threads > max_wait: answering "try
 *    again" at once beats accepting work its client will give up on. A job
 *    that finds a worker idle and nobody waiting is always admitted.
 *  - Dropping: `gone` is an atomic the job's owner may set from any thread;
 *    the worker that pops the job reads it before hashing. A job already
 *    hashing finishes (argon2id cannot be interrupted).
 *  - No lock shared with the loops: they push jobs onto a lock-free queue
 *    and read counters that are atomics, so a worker kept off a core by its
 *    nice value never holds up a loop (see the struct).
 */
#include "store_int.h"

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_PASSWORD 4096
#define MAX_THREADS 16
#define HARD_QUEUE 4096 /* jobs waiting, whatever max_wait_ms says */
#define WORKER_NICE 10

bool gw_pwhash_params_strong(uint64_t memlimit_kib, uint64_t opslimit)
{
    /* OWASP Password Storage Cheat Sheet, argon2id: equivalent settings */
    static const struct {
        uint64_t m, t;
    } OK[] = {{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}};
    for (size_t i = 0; i < sizeof OK / sizeof *OK; i++)
        if (memlimit_kib >= OK[i].m && opslimit >= OK[i].t)
            return true;
    return false;
}

int gw_password_hash(const char *password, size_t len, const gw_pwhash_params_t *p, char out[GW_PWHASH_MAX])
{
    gw_pwhash_params_t def = {GW_PWHASH_OWASP_MEMLIMIT_KIB, GW_PWHASH_OWASP_OPSLIMIT};
    if (p == NULL)
        p = &def;
    if (password == NULL || len > MAX_PASSWORD || gw_store_init() != GW_STORE_OK ||
        p->memlimit_kib * 1024 < crypto_pwhash_MEMLIMIT_MIN || p->opslimit < crypto_pwhash_OPSLIMIT_MIN ||
        p->memlimit_kib > SIZE_MAX / 1024 || p->opslimit > crypto_pwhash_OPSLIMIT_MAX)
        return GW_STORE_EINVAL;
    if (crypto_pwhash_str(out, password, len, (unsigned long long)p->opslimit, (size_t)p->memlimit_kib * 1024) != 0)
        return GW_STORE_ENOMEM; /* libsodium fails only when it cannot get the memory */
    return GW_STORE_OK;
}

struct gw_pwhash_pool {
    gw_pwhash_params_t params;
    double max_wait_s;         /* 0: no bound but HARD_QUEUE */
    char dummy[GW_PWHASH_MAX]; /* verified against for unknown users; made with params */
    /* Submitted jobs: an intrusive multi-producer queue (Vyukov's) that a
     * submitter, an event loop, pushes to without a lock, so no loop ever
     * waits on a worker: a nice-10 worker preempted while holding a lock the
     * loop needed kept the loop off its core with it (single stalls of
     * 60-140 ms under load while registrations were hashed). */
    _Atomic(gw_pwhash_job_t *) in_head; /* producers: the newest job */
    gw_pwhash_job_t *in_tail;           /* consumers, under take_mu: the oldest */
    gw_pwhash_job_t stub;               /* the queue's empty marker */
    pthread_mutex_t take_mu;            /* workers only: one takes a job at a time */
    sem_t ready;                        /* one post per job pushed, and one per worker at stop */
    atomic_size_t queued;               /* pushed, not yet taken */
    atomic_int busy;                    /* workers hashing now */
    atomic_bool stopping;
    _Atomic uint64_t avg_ns; /* nanoseconds per job, moving average */
    _Atomic uint64_t done, dropped, refused, failed, timed, ns_sum;
    int nthreads;
    pthread_t threads[MAX_THREADS];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Any thread: appends j (wait-free: an exchange and a store). */
static void queue_push(gw_pwhash_pool_t *pool, gw_pwhash_job_t *j)
{
    atomic_store_explicit(&j->_next, NULL, memory_order_relaxed);
    gw_pwhash_job_t *prev = atomic_exchange_explicit(&pool->in_head, j, memory_order_acq_rel);
    atomic_store_explicit(&prev->_next, j, memory_order_release);
}

/* Under take_mu: the oldest job, or NULL when the queue is empty or its
 * next job is half pushed (a producer between its two steps). */
static gw_pwhash_job_t *queue_take(gw_pwhash_pool_t *pool)
{
    gw_pwhash_job_t *tail = pool->in_tail;
    gw_pwhash_job_t *next = atomic_load_explicit(&tail->_next, memory_order_acquire);
    if (tail == &pool->stub) {
        if (next == NULL)
            return NULL;
        pool->in_tail = tail = next;
        next = atomic_load_explicit(&tail->_next, memory_order_acquire);
    }
    if (next != NULL) {
        pool->in_tail = next;
        return tail;
    }
    if (tail != atomic_load_explicit(&pool->in_head, memory_order_acquire))
        return NULL; /* half pushed */
    queue_push(pool, &pool->stub);
    next = atomic_load_explicit(&tail->_next, memory_order_acquire);
    if (next == NULL)
        return NULL;
    pool->in_tail = next;
    return tail;
}

/* A worker: the next job; NULL when the pool stops. Waits on the semaphore,
 * then takes the job its post announced (yielding while it is half pushed). */
static gw_pwhash_job_t *next_job(gw_pwhash_pool_t *pool)
{
    while (sem_wait(&pool->ready) != 0)
        ; /* EINTR */
    if (atomic_load_explicit(&pool->stopping, memory_order_acquire))
        return NULL;
    pthread_mutex_lock(&pool->take_mu);
    gw_pwhash_job_t *j;
    while ((j = queue_take(pool)) == NULL) {
        pthread_mutex_unlock(&pool->take_mu);
        sched_yield();
        pthread_mutex_lock(&pool->take_mu);
    }
    pthread_mutex_unlock(&pool->take_mu);
    atomic_fetch_sub_explicit(&pool->queued, 1, memory_order_relaxed);
    atomic_store_explicit(&j->_next, NULL, memory_order_relaxed);
    return j;
}

/* The moving average (weight 1/5) of the seconds per job, in ns. */
static void note_time(gw_pwhash_pool_t *pool, uint64_t ns)
{
    uint64_t avg = atomic_load_explicit(&pool->avg_ns, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&pool->avg_ns, &avg, avg - avg / 5 + ns / 5, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
    atomic_fetch_add_explicit(&pool->ns_sum, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->timed, 1, memory_order_relaxed);
}

static void *worker_main(void *arg)
{
    gw_pwhash_pool_t *pool = arg;
    /* below the event loops (see the header); failure leaves nice 0 */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKER_NICE);
    gw_pwhash_job_t *j;
    while ((j = next_job(pool)) != NULL) {
        if (atomic_load_explicit(&j->gone, memory_order_acquire)) {
            atomic_fetch_add_explicit(&pool->dropped, 1, memory_order_relaxed);
            j->result = GW_PWHASH_DROPPED;
            j->done(j);
            continue;
        }
        atomic_fetch_add_explicit(&pool->busy, 1, memory_order_relaxed);
        uint64_t t0 = now_ns();
        if (j->verify) {
            const char *h = j->hash[0] != '\0' ? j->hash : pool->dummy;
            int r = crypto_pwhash_str_verify(h, j->password, j->len);
            j->result = r == 0 && j->hash[0] != '\0' ? GW_PWHASH_OK : GW_PWHASH_WRONG;
        } else {
            j->result =
                gw_password_hash(j->password, j->len, &pool->params, j->hash) == 0 ? GW_PWHASH_OK : GW_PWHASH_FAILED;
        }
        note_time(pool, now_ns() - t0);
        atomic_fetch_sub_explicit(&pool->busy, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(j->result == GW_PWHASH_FAILED ? &pool->failed : &pool->done, 1, memory_order_relaxed);
        j->done(j); /* may free j: not touched after */
    }
    return NULL;
}

gw_pwhash_pool_t *gw_pwhash_pool_new(const gw_pwhash_params_t *p, int threads, uint64_t max_wait_ms, char *err,
                                     size_t errlen)
{
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    gw_pwhash_pool_t *pool = calloc(1, sizeof *pool);
    if (pool == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pool->params = *p;
    pool->max_wait_s = (double)max_wait_ms / 1000.0;
    /* the dummy: a random password, thrown away; its time seeds the estimate */
    unsigned char rnd[16];
    char pw[sizeof rnd * 2 + 1];
    if (gw_store_init() != GW_STORE_OK) {
        free(pool);
        snprintf(err, errlen, "libsodium failed to initialise");
        return NULL;
    }
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(pw, sizeof pw, rnd, sizeof rnd);
    uint64_t t0 = now_ns();
    int rc = gw_password_hash(pw, strlen(pw), p, pool->dummy);
    atomic_init(&pool->avg_ns, now_ns() - t0);
    sodium_memzero(pw, sizeof pw);
    if (rc != 0) {
        snprintf(err, errlen, "argon2id refused memlimit %llu KiB, opslimit %llu (%s)",
                 (unsigned long long)p->memlimit_kib, (unsigned long long)p->opslimit, gw_store_strerror(rc));
        free(pool);
        return NULL;
    }
    atomic_init(&pool->stub._next, NULL);
    atomic_init(&pool->in_head, &pool->stub);
    pool->in_tail = &pool->stub;
    pthread_mutex_init(&pool->take_mu, NULL);
    if (sem_init(&pool->ready, 0, 0) != 0) {
        snprintf(err, errlen, "cannot make a semaphore");
        pthread_mutex_destroy(&pool->take_mu);
        free(pool);
        return NULL;
    }
    for (int i = 0; i < threads; i++)
        if (pthread_create(&pool->threads[pool->nthreads], NULL, worker_main, pool) == 0)
            pool->nthreads++;
    if (pool->nthreads == 0) {
        snprintf(err, errlen, "cannot start a password hashing thread");
        gw_pwhash_pool_free(pool);
        return NULL;
    }
    return pool;
}

void gw_pwhash_pool_free(gw_pwhash_pool_t *pool)
{
    if (pool == NULL)
        return;
    atomic_store_explicit(&pool->stopping, true, memory_order_release);
    for (int i = 0; i < pool->nthreads; i++)
        sem_post(&pool->ready);
    for (int i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    gw_pwhash_job_t *j;
    while ((j = queue_take(pool)) != NULL) { /* never started (no submitter is left to half push one) */
        atomic_store_explicit(&j->_next, NULL, memory_order_relaxed);
        j->result = GW_PWHASH_STOPPED;
        j->done(j);
    }
    sem_destroy(&pool->ready);
    pthread_mutex_destroy(&pool->take_mu);
    free(pool);
}

int gw_pwhash_submit(gw_pwhash_pool_t *pool, gw_pwhash_job_t *j)
{
    if (pool == NULL || j == NULL || j->password == NULL || j->len > MAX_PASSWORD || j->done == NULL)
        return GW_STORE_EINVAL;
    /* Admission from counters read without a lock (an estimate either way).
     * A worker idle and nobody waiting: the job starts now, admitted whatever
     * the estimate says (else one slow measurement would refuse logins for
     * ever: only finished jobs move the average). */
    size_t queued = atomic_fetch_add_explicit(&pool->queued, 1, memory_order_relaxed);
    int busy = atomic_load_explicit(&pool->busy, memory_order_relaxed);
    bool idle = queued == 0 && busy < pool->nthreads;
    double avg = (double)atomic_load_explicit(&pool->avg_ns, memory_order_relaxed) / 1e9;
    double wait = (double)(queued + 1) * avg / pool->nthreads;
    if (atomic_load_explicit(&pool->stopping, memory_order_acquire) || queued >= HARD_QUEUE ||
        (!idle && pool->max_wait_s > 0 && wait > pool->max_wait_s)) {
        atomic_fetch_sub_explicit(&pool->queued, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&pool->refused, 1, memory_order_relaxed);
        return GW_STORE_EFULL;
    }
    queue_push(pool, j);
    sem_post(&pool->ready);
    return GW_STORE_OK;
}

void gw_pwhash_stats(gw_pwhash_pool_t *pool, gw_pwhash_stats_t *out)
{
    *out = (gw_pwhash_stats_t){
        .done = atomic_load_explicit(&pool->done, memory_order_relaxed),
        .dropped = atomic_load_explicit(&pool->dropped, memory_order_relaxed),
        .refused = atomic_load_explicit(&pool->refused, memory_order_relaxed),
        .failed = atomic_load_explicit(&pool->failed, memory_order_relaxed),
        .seconds_count = atomic_load_explicit(&pool->timed, memory_order_relaxed),
        .seconds_sum = (double)atomic_load_explicit(&pool->ns_sum, memory_order_relaxed) / 1e9,
        .avg_seconds = (double)atomic_load_explicit(&pool->avg_ns, memory_order_relaxed) / 1e9,
        .queued = atomic_load_explicit(&pool->queued, memory_order_relaxed),
        .threads = pool->nthreads,
    };
}
