/*
 * accounts.c — login credentials folded from the account events, and
 * password verification on worker threads.
 *
 * The accounts map: username -> {account uuid, argon2id hash}. The first
 * record of a name in the log wins. Accounts are immutable once added and
 * live as long as the map, so a lookup hands out a pointer that stays valid
 * after the read lock is released.
 *
 * The verifier: argon2id at interactive limits costs tens of milliseconds
 * and 64 MiB, far too slow for an event loop, so verification runs on a few
 * worker threads. Finished jobs are queued and an eventfd wakes the loop that
 * collects them. A password is copied into its job, wiped as soon as it has
 * been checked, and never logged.
 */
#include "store_int.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define MAX_USERNAME 256
#define MAX_PASSWORD 4096
#define MAX_THREADS 16

/* ---- accounts map ------------------------------------------------------- */

struct gw_accounts {
    pthread_rwlock_t lock;
    uint8_t key[crypto_shorthash_KEYBYTES]; /* SipHash key: names are chosen by users */
    gw_account_t **slots;                   /* open addressing */
    size_t mask, n;
    gw__region_t region; /* the accounts and their strings */
};

static size_t name_hash(const gw_accounts_t *a, gw_str_t name)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)name.ptr, name.len, a->key);
    uint64_t v;
    memcpy(&v, h, sizeof(v));
    return (size_t)v;
}

gw_accounts_t *gw_accounts_new(void)
{
    if (gw_store_init() != GW_STORE_OK)
        return NULL;
    gw_accounts_t *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->slots = calloc(64, sizeof(*a->slots));
    if (a->slots == NULL || pthread_rwlock_init(&a->lock, NULL) != 0) {
        free(a->slots);
        free(a);
        return NULL;
    }
    a->mask = 63;
    crypto_shorthash_keygen(a->key);
    gw__region_init(&a->region, 64 * 1024);
    return a;
}

void gw_accounts_free(gw_accounts_t *a)
{
    if (a == NULL)
        return;
    pthread_rwlock_destroy(&a->lock);
    free(a->slots);
    gw__region_free(&a->region);
    free(a);
}

static const gw_account_t *find_locked(const gw_accounts_t *a, gw_str_t name)
{
    for (size_t i = name_hash(a, name) & a->mask;; i = (i + 1) & a->mask) {
        const gw_account_t *x = a->slots[i];
        if (x == NULL)
            return NULL;
        if (x->username.len == name.len && memcmp(x->username.ptr, name.ptr, name.len) == 0)
            return x;
    }
}

static void place(gw_account_t **slots, size_t mask, size_t h, gw_account_t *x)
{
    size_t i = h & mask;
    while (slots[i] != NULL)
        i = (i + 1) & mask;
    slots[i] = x;
}

static bool valid_hash(gw_str_t h)
{
    static const char prefix[] = "$argon2id$";
    return h.ptr != NULL && h.len < GW_PWHASH_MAX && h.len > sizeof(prefix) - 1 &&
           memcmp(h.ptr, prefix, sizeof(prefix) - 1) == 0 && memchr(h.ptr, '\0', h.len) == NULL;
}

static char *region_str(gw__region_t *r, gw_str_t s)
{
    char *p = gw__region_alloc(r, (size_t)s.len + 1, 1);
    if (p != NULL) {
        memcpy(p, s.ptr, s.len);
        p[s.len] = '\0';
    }
    return p;
}

int gw_accounts_put(gw_accounts_t *a, gw_str_t username, const uint8_t uuid[16], gw_str_t pwhash)
{
    if (a == NULL || username.ptr == NULL || username.len == 0 || username.len > MAX_USERNAME || uuid == NULL ||
        !valid_hash(pwhash))
        return GW_STORE_EINVAL;
    int rc;
    pthread_rwlock_wrlock(&a->lock);
    if (find_locked(a, username) != NULL) {
        rc = 0; /* the first record of this name in the log already won */
        goto out;
    }
    if ((a->n + 1) * 2 > a->mask + 1) {
        size_t cap = (a->mask + 1) * 2;
        gw_account_t **slots = calloc(cap, sizeof(*slots));
        if (slots == NULL) {
            rc = GW_STORE_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i <= a->mask; i++)
            if (a->slots[i] != NULL)
                place(slots, cap - 1, name_hash(a, a->slots[i]->username), a->slots[i]);
        free(a->slots);
        a->slots = slots;
        a->mask = cap - 1;
    }
    gw_account_t *x = gw__region_alloc(&a->region, sizeof(*x), _Alignof(gw_account_t));
    char *name = x != NULL ? region_str(&a->region, username) : NULL;
    char *hash = name != NULL ? region_str(&a->region, pwhash) : NULL;
    if (hash == NULL) {
        rc = GW_STORE_ENOMEM;
        goto out;
    }
    memcpy(x->uuid, uuid, 16);
    x->username = (gw_str_t){name, username.len};
    x->pwhash = (gw_str_t){hash, pwhash.len};
    place(a->slots, a->mask, name_hash(a, username), x);
    a->n++;
    rc = 1;
out:
    pthread_rwlock_unlock(&a->lock);
    return rc;
}

const gw_account_t *gw_accounts_find(gw_accounts_t *a, gw_str_t username)
{
    if (a == NULL || username.ptr == NULL || username.len == 0 || username.len > MAX_USERNAME)
        return NULL;
    pthread_rwlock_rdlock(&a->lock);
    const gw_account_t *x = find_locked(a, username);
    pthread_rwlock_unlock(&a->lock);
    return x;
}

size_t gw_accounts_count(gw_accounts_t *a)
{
    pthread_rwlock_rdlock(&a->lock);
    size_t n = a->n;
    pthread_rwlock_unlock(&a->lock);
    return n;
}

int gw_password_hash(const char *password, size_t len, char out[GW_PWHASH_MAX])
{
    if (password == NULL || len > MAX_PASSWORD || gw_store_init() != GW_STORE_OK)
        return GW_STORE_EINVAL;
    if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) !=
        0)
        return GW_STORE_ENOMEM; /* libsodium fails only when it cannot get the memory */
    return GW_STORE_OK;
}

/* ---- verifier pool ------------------------------------------------------ */

/* Verified against when the user does not exist, so that an unknown name
 * costs the same as a wrong password. Same parameters as gw_password_hash;
 * the password it was made from was random and thrown away. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$zI9mJ3HCBwus6qy3B+fsAg$AdfJ/4QsC8MlZOK3HD3TSFCF6dKasmizlwDthSQgFHo";

typedef struct job {
    struct job *next;
    void *user;
    int ok;
    bool dummy;
    char hash[GW_PWHASH_MAX];
    size_t len;
    char password[]; /* wiped after use */
} job_t;

typedef struct jobq {
    job_t *head, *tail;
    size_t n;
} jobq_t;

struct gw_verifier {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    jobq_t todo, done;
    size_t max_queued;
    bool stop;
    int efd;
    int nthreads;
    pthread_t threads[MAX_THREADS];
};

static void q_push(jobq_t *q, job_t *j)
{
    j->next = NULL;
    if (q->tail != NULL)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->n++;
}

static job_t *q_pop(jobq_t *q)
{
    job_t *j = q->head;
    if (j != NULL) {
        q->head = j->next;
        if (q->head == NULL)
            q->tail = NULL;
        q->n--;
    }
    return j;
}

static void job_free(job_t *j)
{
    sodium_memzero(j->password, j->len);
    free(j);
}

static void q_free(jobq_t *q)
{
    job_t *j;
    while ((j = q_pop(q)) != NULL)
        job_free(j);
}

static void signal_fd(int fd)
{
    uint64_t one = 1;
    /* A full counter (EAGAIN) still leaves the fd readable, which is all we need. */
    while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
}

static void *worker(void *arg)
{
    gw_verifier_t *v = arg;
    pthread_mutex_lock(&v->mu);
    for (;;) {
        while (!v->stop && v->todo.head == NULL)
            pthread_cond_wait(&v->cv, &v->mu);
        if (v->stop)
            break;
        job_t *j = q_pop(&v->todo);
        pthread_mutex_unlock(&v->mu);

        int r = crypto_pwhash_str_verify(j->dummy ? dummy_hash : j->hash, j->password, j->len);
        j->ok = j->dummy ? 0 : r == 0 ? 1 : 0;
        sodium_memzero(j->password, j->len);

        pthread_mutex_lock(&v->mu);
        q_push(&v->done, j);
        signal_fd(v->efd);
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

gw_verifier_t *gw_verifier_new(int threads, size_t max_queued)
{
    if (threads < 1 || threads > MAX_THREADS || max_queued == 0 || gw_store_init() != GW_STORE_OK)
        return NULL;
    gw_verifier_t *v = calloc(1, sizeof(*v));
    if (v == NULL)
        return NULL;
    v->max_queued = max_queued;
    v->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (v->efd < 0 || pthread_mutex_init(&v->mu, NULL) != 0) {
        if (v->efd >= 0)
            close(v->efd);
        free(v);
        return NULL;
    }
    if (pthread_cond_init(&v->cv, NULL) != 0) {
        pthread_mutex_destroy(&v->mu);
        close(v->efd);
        free(v);
        return NULL;
    }
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&v->threads[i], NULL, worker, v) != 0)
            break;
        v->nthreads++;
    }
    if (v->nthreads == 0) {
        gw_verifier_free(v);
        return NULL;
    }
    return v;
}

void gw_verifier_free(gw_verifier_t *v)
{
    if (v == NULL)
        return;
    pthread_mutex_lock(&v->mu);
    v->stop = true;
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
    for (int i = 0; i < v->nthreads; i++)
        pthread_join(v->threads[i], NULL);
    q_free(&v->todo);
    q_free(&v->done);
    pthread_cond_destroy(&v->cv);
    pthread_mutex_destroy(&v->mu);
    close(v->efd);
    free(v);
}

int gw_verifier_submit(gw_verifier_t *v, const char *pwhash, const char *password, size_t len, void *user)
{
    if (v == NULL || (password == NULL && len > 0) || len > MAX_PASSWORD)
        return GW_STORE_EINVAL;
    size_t hlen = 0;
    if (pwhash != NULL) {
        hlen = strlen(pwhash);
        if (!valid_hash((gw_str_t){pwhash, (uint32_t)(hlen < GW_PWHASH_MAX ? hlen : GW_PWHASH_MAX)}))
            return GW_STORE_EINVAL;
    }
    job_t *j = malloc(sizeof(*j) + len + 1);
    if (j == NULL)
        return GW_STORE_ENOMEM;
    memset(j, 0, sizeof(*j));
    j->user = user;
    j->dummy = pwhash == NULL;
    if (pwhash != NULL)
        memcpy(j->hash, pwhash, hlen + 1);
    j->len = len;
    if (len > 0)
        memcpy(j->password, password, len);
    j->password[len] = '\0';

    int rc = GW_STORE_OK;
    pthread_mutex_lock(&v->mu);
    if (v->todo.n >= v->max_queued) {
        rc = GW_STORE_EFULL;
    } else {
        q_push(&v->todo, j);
        pthread_cond_signal(&v->cv);
    }
    pthread_mutex_unlock(&v->mu);
    if (rc != GW_STORE_OK)
        job_free(j);
    return rc;
}

int gw_verifier_fd(const gw_verifier_t *v)
{
    return v->efd;
}

size_t gw_verifier_collect(gw_verifier_t *v, gw_verify_result_t *out, size_t max)
{
    uint64_t cnt;
    /* Clear first: a result finished after this read signals again. */
    while (read(v->efd, &cnt, sizeof(cnt)) < 0 && errno == EINTR)
        ;
    size_t k = 0;
    job_t *mine = NULL, **tail = &mine;
    pthread_mutex_lock(&v->mu);
    while (k < max && v->done.head != NULL) {
        job_t *j = q_pop(&v->done);
        *tail = j;
        tail = &j->next;
        j->next = NULL;
        k++;
    }
    if (v->done.head != NULL)
        signal_fd(v->efd);
    pthread_mutex_unlock(&v->mu);
    size_t i = 0;
    for (job_t *j = mine; j != NULL; i++) {
        job_t *next = j->next;
        out[i].user = j->user;
        out[i].ok = j->ok;
        job_free(j);
        j = next;
    }
    return k;
}

size_t gw_accounts_list(gw_accounts_t *a, const gw_account_t ***out)
{
    *out = NULL;
    pthread_rwlock_rdlock(&a->lock);
    size_t n = 0;
    const gw_account_t **list = malloc((a->n ? a->n : 1) * sizeof(*list));
    if (list != NULL)
        for (size_t i = 0; i <= a->mask; i++)
            if (a->slots[i] != NULL)
                list[n++] = a->slots[i];
    pthread_rwlock_unlock(&a->lock);
    *out = list;
    return list != NULL ? n : 0;
}
