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
 */
#include "store_int.h"

#include <pthread.h>
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
    pthread_mutex_t mu;        /* everything below */
    pthread_cond_t cv;
    gw_pwhash_job_t *head, *tail;
    size_t queued;
    int busy; /* workers hashing now */
    bool stopping;
    double avg; /* seconds per job, moving average */
    uint64_t done, dropped, refused, failed, timed;
    double seconds_sum;
    int nthreads;
    pthread_t threads[MAX_THREADS];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker_main(void *arg)
{
    gw_pwhash_pool_t *pool = arg;
    /* below the event loops (see the header); failure leaves nice 0 */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKER_NICE);
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (pool->head == NULL && !pool->stopping)
            pthread_cond_wait(&pool->cv, &pool->mu);
        if (pool->stopping)
            break;
        gw_pwhash_job_t *j = pool->head;
        pool->head = j->_next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->queued--;
        j->_next = NULL;
        if (atomic_load_explicit(&j->gone, memory_order_acquire)) {
            pool->dropped++;
            pthread_mutex_unlock(&pool->mu);
            j->result = GW_PWHASH_DROPPED;
            j->done(j);
            pthread_mutex_lock(&pool->mu);
            continue;
        }
        pool->busy++;
        pthread_mutex_unlock(&pool->mu);

        double t0 = now_s();
        if (j->verify) {
            const char *h = j->hash[0] != '\0' ? j->hash : pool->dummy;
            int r = crypto_pwhash_str_verify(h, j->password, j->len);
            j->result = r == 0 && j->hash[0] != '\0' ? GW_PWHASH_OK : GW_PWHASH_WRONG;
        } else {
            j->result =
                gw_password_hash(j->password, j->len, &pool->params, j->hash) == 0 ? GW_PWHASH_OK : GW_PWHASH_FAILED;
        }
        double dt = now_s() - t0;

        pthread_mutex_lock(&pool->mu);
        pool->busy--;
        pool->avg = pool->avg * 0.8 + dt * 0.2;
        pool->seconds_sum += dt;
        pool->timed++;
        if (j->result == GW_PWHASH_FAILED)
            pool->failed++;
        else
            pool->done++;
        pthread_mutex_unlock(&pool->mu);
        j->done(j); /* may free j: not touched after */
        pthread_mutex_lock(&pool->mu);
    }
    pthread_mutex_unlock(&pool->mu);
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
    double t0 = now_s();
    int rc = gw_password_hash(pw, strlen(pw), p, pool->dummy);
    pool->avg = now_s() - t0;
    sodium_memzero(pw, sizeof pw);
    if (rc != 0) {
        snprintf(err, errlen, "argon2id refused memlimit %llu KiB, opslimit %llu (%s)",
                 (unsigned long long)p->memlimit_kib, (unsigned long long)p->opslimit, gw_store_strerror(rc));
        free(pool);
        return NULL;
    }
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->cv, NULL);
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
    pthread_mutex_lock(&pool->mu);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    for (int i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    while (pool->head != NULL) { /* never started */
        gw_pwhash_job_t *j = pool->head;
        pool->head = j->_next;
        j->_next = NULL;
        j->result = GW_PWHASH_STOPPED;
        j->done(j);
    }
    pthread_cond_destroy(&pool->cv);
    pthread_mutex_destroy(&pool->mu);
    free(pool);
}

int gw_pwhash_submit(gw_pwhash_pool_t *pool, gw_pwhash_job_t *j)
{
    if (pool == NULL || j == NULL || j->password == NULL || j->len > MAX_PASSWORD || j->done == NULL)
        return GW_STORE_EINVAL;
    j->_next = NULL;
    int rc = GW_STORE_OK;
    pthread_mutex_lock(&pool->mu);
    /* A worker idle and nobody waiting: the job starts now, admitted whatever
     * the estimate says (else one slow measurement would refuse logins for
     * ever: only finished jobs move the average). */
    bool idle = pool->queued == 0 && pool->busy < pool->nthreads;
    double wait = (double)(pool->queued + 1) * pool->avg / pool->nthreads;
    if (pool->stopping || pool->queued >= HARD_QUEUE || (!idle && pool->max_wait_s > 0 && wait > pool->max_wait_s)) {
        pool->refused++;
        rc = GW_STORE_EFULL;
    } else {
        if (pool->tail != NULL)
            pool->tail->_next = j;
        else
            pool->head = j;
        pool->tail = j;
        pool->queued++;
        pthread_cond_signal(&pool->cv);
    }
    pthread_mutex_unlock(&pool->mu);
    return rc;
}

void gw_pwhash_stats(gw_pwhash_pool_t *pool, gw_pwhash_stats_t *out)
{
    pthread_mutex_lock(&pool->mu);
    *out = (gw_pwhash_stats_t){
        .done = pool->done,
        .dropped = pool->dropped,
        .refused = pool->refused,
        .failed = pool->failed,
        .seconds_count = pool->timed,
        .seconds_sum = pool->seconds_sum,
        .avg_seconds = pool->avg,
        .queued = pool->queued,
        .threads = pool->nthreads,
    };
    pthread_mutex_unlock(&pool->mu);
}
