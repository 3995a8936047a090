/*
 * pending.c — commands in flight, keyed by their UUID, waiting for feedback.
 *
 * A mutation produces a command to Kafka and waits here until the command
 * handler's feedback (or the deadline) answers it. Several clients may wait
 * for the same UUID; a UUID answered before is served from a bounded LRU of
 * outcomes so that a retried mutation is not produced twice.
 *
 * Structures: entries and stored outcomes each sit in a chained hash table
 * keyed by SipHash of the UUID under a random per-table key (clients choose
 * UUIDs, so the hash must not be predictable); entries are also in a binary
 * min-heap by deadline. One mutex guards it all; no caller code runs under it.
 */
#include "store_int.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The part shared by both hash tables' nodes. */
typedef struct hnode {
    struct hnode *hnext;
    uint8_t uuid[16];
} hnode_t;

typedef struct htab {
    hnode_t **buckets;
    size_t mask; /* buckets - 1 */
    size_t n;
} htab_t;

typedef struct entry {
    hnode_t h; /* first: an hnode_t * is an entry_t * */
    int64_t deadline;
    size_t heap_idx;
    gw_inflight_waiter_t *head, *tail;
    bool has_digest; /* the parameters of the command in flight (gw_inflight_begin_bound) */
    uint8_t digest[GW_INFLIGHT_DIGEST];
} entry_t;

typedef struct onode {
    hnode_t h;                 /* first */
    struct onode *prev, *next; /* LRU list, newest at the front */
    gw_outcome_t pub;
    char text[]; /* reason, iban and token, each NUL-terminated */
} onode_t;

struct gw_inflight {
    pthread_mutex_t mu;
    uint8_t key[crypto_shorthash_KEYBYTES];
    size_t max_entries, max_outcomes;
    htab_t entries, outcomes;
    entry_t **heap; /* max_entries slots */
    size_t heap_n;
    onode_t *lru_head, *lru_tail;
    gw_inflight_stats_t st;
};

/* ---- hash tables -------------------------------------------------------- */

static size_t slot(const gw_inflight_t *p, const htab_t *t, const uint8_t uuid[16])
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, uuid, 16, p->key);
    uint64_t v;
    memcpy(&v, h, sizeof(v));
    return (size_t)v & t->mask;
}

static int htab_init(htab_t *t, size_t buckets)
{
    t->buckets = calloc(buckets, sizeof(*t->buckets));
    t->mask = buckets - 1;
    t->n = 0;
    return t->buckets != NULL ? GW_STORE_OK : GW_STORE_ENOMEM;
}

static hnode_t *htab_find(const gw_inflight_t *p, const htab_t *t, const uint8_t uuid[16])
{
    for (hnode_t *n = t->buckets[slot(p, t, uuid)]; n != NULL; n = n->hnext)
        if (memcmp(n->uuid, uuid, 16) == 0)
            return n;
    return NULL;
}

/* Insert n (its uuid set, not present yet). Grows the table past one node
 * per bucket; if growing fails the table just gets longer chains. */
static void htab_insert(const gw_inflight_t *p, htab_t *t, hnode_t *n)
{
    if (t->n + 1 > t->mask + 1) {
        size_t cap = (t->mask + 1) * 2;
        hnode_t **b = calloc(cap, sizeof(*b));
        if (b != NULL) {
            htab_t nt = {b, cap - 1, t->n};
            for (size_t i = 0; i <= t->mask; i++) {
                hnode_t *x = t->buckets[i];
                while (x != NULL) {
                    hnode_t *next = x->hnext;
                    size_t j = slot(p, &nt, x->uuid);
                    x->hnext = b[j];
                    b[j] = x;
                    x = next;
                }
            }
            free(t->buckets);
            *t = nt;
        }
    }
    size_t i = slot(p, t, n->uuid);
    n->hnext = t->buckets[i];
    t->buckets[i] = n;
    t->n++;
}

static void htab_remove(const gw_inflight_t *p, htab_t *t, hnode_t *n)
{
    hnode_t **pp = &t->buckets[slot(p, t, n->uuid)];
    while (*pp != NULL && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp == n) {
        *pp = n->hnext;
        t->n--;
    }
}

/* ---- deadline heap ------------------------------------------------------ */

static void heap_set(gw_inflight_t *p, size_t i, entry_t *e)
{
    p->heap[i] = e;
    e->heap_idx = i;
}

static void heap_up(gw_inflight_t *p, size_t i)
{
    entry_t *e = p->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (p->heap[parent]->deadline <= e->deadline)
            break;
        heap_set(p, i, p->heap[parent]);
        i = parent;
    }
    heap_set(p, i, e);
}

static void heap_down(gw_inflight_t *p, size_t i)
{
    entry_t *e = p->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= p->heap_n)
            break;
        if (c + 1 < p->heap_n && p->heap[c + 1]->deadline < p->heap[c]->deadline)
            c++;
        if (e->deadline <= p->heap[c]->deadline)
            break;
        heap_set(p, i, p->heap[c]);
        i = c;
    }
    heap_set(p, i, e);
}

static void heap_remove(gw_inflight_t *p, entry_t *e)
{
    size_t i = e->heap_idx;
    p->heap_n--;
    if (i == p->heap_n)
        return;
    entry_t *moved = p->heap[p->heap_n];
    heap_set(p, i, moved);
    heap_down(p, i);
    heap_up(p, moved->heap_idx);
}

/* ---- outcomes ----------------------------------------------------------- */

static onode_t *outcome_of(gw_outcome_t *o)
{
    return (onode_t *)((char *)o - offsetof(onode_t, pub));
}

void gw_outcome_release(gw_outcome_t *o)
{
    if (o != NULL && __atomic_sub_fetch(&o->_refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(outcome_of(o));
}

static gw_str_t copy_str(char **dst, gw_str_t s)
{
    gw_str_t r = {*dst, s.len};
    if (s.len > 0)
        memcpy(*dst, s.ptr, s.len);
    (*dst)[s.len] = '\0';
    *dst += s.len + 1;
    return r;
}

static onode_t *outcome_new(const uint8_t uuid[16], const gw_feedback_t *fb, const uint8_t *digest, const entry_t *e)
{
    size_t text = (size_t)fb->reason.len + fb->iban.len + fb->token.len + 3;
    onode_t *n = malloc(sizeof(*n) + text);
    if (n == NULL)
        return NULL;
    memset(n, 0, sizeof(*n));
    memcpy(n->h.uuid, uuid, 16);
    memcpy(n->pub.uuid, uuid, 16);
    n->pub.kind = fb->kind;
    n->pub.success = fb->success;
    char *t = n->text;
    n->pub.reason = copy_str(&t, fb->reason);
    n->pub.iban = copy_str(&t, fb->iban);
    n->pub.token = copy_str(&t, fb->token);
    if (digest != NULL || (e != NULL && e->has_digest)) {
        n->pub.has_digest = true;
        memcpy(n->pub.digest, digest != NULL ? digest : e->digest, GW_INFLIGHT_DIGEST);
    }
    return n;
}

static void lru_unlink(gw_inflight_t *p, onode_t *n)
{
    if (n->prev != NULL)
        n->prev->next = n->next;
    else
        p->lru_head = n->next;
    if (n->next != NULL)
        n->next->prev = n->prev;
    else
        p->lru_tail = n->prev;
    n->prev = n->next = NULL;
}

static void lru_push_front(gw_inflight_t *p, onode_t *n)
{
    n->prev = NULL;
    n->next = p->lru_head;
    if (p->lru_head != NULL)
        p->lru_head->prev = n;
    p->lru_head = n;
    if (p->lru_tail == NULL)
        p->lru_tail = n;
}

/* ---- the table ---------------------------------------------------------- */

gw_inflight_t *gw_inflight_new(size_t max_entries, size_t max_outcomes)
{
    if (max_entries == 0 || gw_store_init() != GW_STORE_OK)
        return NULL;
    gw_inflight_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->max_entries = max_entries;
    p->max_outcomes = max_outcomes;
    crypto_shorthash_keygen(p->key);
    p->heap = malloc(max_entries * sizeof(*p->heap));
    if (p->heap == NULL || htab_init(&p->entries, 64) != GW_STORE_OK || htab_init(&p->outcomes, 64) != GW_STORE_OK ||
        pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p->heap);
        free(p->entries.buckets);
        free(p->outcomes.buckets);
        free(p);
        return NULL;
    }
    return p;
}

void gw_inflight_free(gw_inflight_t *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->heap_n; i++)
        free(p->heap[i]);
    onode_t *n = p->lru_head;
    while (n != NULL) {
        onode_t *next = n->next;
        gw_outcome_release(&n->pub);
        n = next;
    }
    free(p->heap);
    free(p->entries.buckets);
    free(p->outcomes.buckets);
    pthread_mutex_destroy(&p->mu);
    sodium_memzero(p->key, sizeof(p->key));
    free(p);
}

static void add_waiter(entry_t *e, gw_inflight_waiter_t *w)
{
    if (w == NULL)
        return;
    w->next = NULL;
    if (e->tail != NULL)
        e->tail->next = w;
    else
        e->head = w;
    e->tail = w;
}

int gw_inflight_begin(gw_inflight_t *p, const uint8_t uuid[16], int64_t deadline_ms, gw_inflight_waiter_t *w,
                      gw_outcome_t **outcome)
{
    return gw_inflight_begin_bound(p, uuid, NULL, deadline_ms, w, outcome);
}

/* Whether a digest held (has, d) and the caller's (NULL: none) bind the
 * uuid to different parameters. */
static bool digest_differs(bool has, const uint8_t *d, const uint8_t *mine)
{
    return has && mine != NULL && memcmp(d, mine, GW_INFLIGHT_DIGEST) != 0;
}

int gw_inflight_begin_bound(gw_inflight_t *p, const uint8_t uuid[16], const uint8_t *digest, int64_t deadline_ms,
                            gw_inflight_waiter_t *w, gw_outcome_t **outcome)
{
    if (p == NULL || uuid == NULL || outcome == NULL)
        return GW_STORE_EINVAL;
    *outcome = NULL;
    int rc;
    pthread_mutex_lock(&p->mu);
    onode_t *o = (onode_t *)htab_find(p, &p->outcomes, uuid);
    entry_t *e = o == NULL ? (entry_t *)htab_find(p, &p->entries, uuid) : NULL;
    if ((o != NULL && digest_differs(o->pub.has_digest, o->pub.digest, digest)) ||
        (e != NULL && digest_differs(e->has_digest, e->digest, digest))) {
        p->st.conflicts++;
        rc = GW_INFLIGHT_CONFLICT;
    } else if (o != NULL) {
        lru_unlink(p, o);
        lru_push_front(p, o);
        __atomic_add_fetch(&o->pub._refs, 1, __ATOMIC_RELAXED);
        *outcome = &o->pub;
        p->st.replayed++;
        rc = GW_INFLIGHT_ANSWERED;
    } else if (e != NULL) {
        add_waiter(e, w);
        rc = GW_INFLIGHT_JOINED;
    } else if (p->heap_n >= p->max_entries) {
        p->st.rejected++;
        rc = GW_STORE_EFULL;
    } else if ((e = calloc(1, sizeof(*e))) == NULL) {
        rc = GW_STORE_ENOMEM;
    } else {
        memcpy(e->h.uuid, uuid, 16);
        e->deadline = deadline_ms;
        if (digest != NULL) {
            e->has_digest = true;
            memcpy(e->digest, digest, GW_INFLIGHT_DIGEST);
        }
        add_waiter(e, w);
        htab_insert(p, &p->entries, &e->h);
        p->heap[p->heap_n] = e;
        e->heap_idx = p->heap_n++;
        heap_up(p, e->heap_idx);
        rc = GW_INFLIGHT_NEW;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

bool gw_inflight_leave(gw_inflight_t *p, const uint8_t uuid[16], gw_inflight_waiter_t *w)
{
    bool found = false;
    pthread_mutex_lock(&p->mu);
    entry_t *e = (entry_t *)htab_find(p, &p->entries, uuid);
    if (e != NULL) {
        gw_inflight_waiter_t *prev = NULL;
        for (gw_inflight_waiter_t *x = e->head; x != NULL; prev = x, x = x->next) {
            if (x != w)
                continue;
            if (prev != NULL)
                prev->next = x->next;
            else
                e->head = x->next;
            if (e->tail == x)
                e->tail = prev;
            x->next = NULL;
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

int gw_inflight_complete(gw_inflight_t *p, const uint8_t uuid[16], const gw_feedback_t *fb,
                         gw_inflight_waiter_t **waiters, gw_outcome_t **outcome)
{
    return gw_inflight_complete_bound(p, uuid, fb, NULL, waiters, outcome);
}

int gw_inflight_complete_bound(gw_inflight_t *p, const uint8_t uuid[16], const gw_feedback_t *fb, const uint8_t *digest,
                               gw_inflight_waiter_t **waiters, gw_outcome_t **outcome)
{
    if (p == NULL || uuid == NULL || fb == NULL || waiters == NULL || outcome == NULL)
        return GW_STORE_EINVAL;
    *waiters = NULL;
    *outcome = NULL;
    int rc;
    pthread_mutex_lock(&p->mu);
    entry_t *e = (entry_t *)htab_find(p, &p->entries, uuid);
    onode_t *o = NULL;
    if (e == NULL) {
        p->st.ignored++;
        rc = 0;
    } else if ((o = outcome_new(uuid, fb, digest, e)) == NULL) {
        rc = GW_STORE_ENOMEM;
    } else {
        bool other = digest_differs(e->has_digest, e->digest, digest);
        htab_remove(p, &p->entries, &e->h);
        heap_remove(p, e);
        *waiters = e->head;
        free(e);
        p->st.completed++;
        o->pub._refs = 1;
        if (p->max_outcomes > 0) {
            onode_t *old = (onode_t *)htab_find(p, &p->outcomes, uuid);
            if (old != NULL) {
                htab_remove(p, &p->outcomes, &old->h);
                lru_unlink(p, old);
                gw_outcome_release(&old->pub);
            }
            o->pub._refs = 2;
            htab_insert(p, &p->outcomes, &o->h);
            lru_push_front(p, o);
            while (p->outcomes.n > p->max_outcomes) {
                onode_t *victim = p->lru_tail;
                htab_remove(p, &p->outcomes, &victim->h);
                lru_unlink(p, victim);
                gw_outcome_release(&victim->pub);
            }
        }
        *outcome = &o->pub;
        rc = other ? 2 : 1;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int gw_inflight_abort(gw_inflight_t *p, const uint8_t uuid[16], gw_inflight_waiter_t **waiters)
{
    *waiters = NULL;
    pthread_mutex_lock(&p->mu);
    entry_t *e = (entry_t *)htab_find(p, &p->entries, uuid);
    if (e != NULL) {
        htab_remove(p, &p->entries, &e->h);
        heap_remove(p, e);
        *waiters = e->head;
        free(e);
    }
    pthread_mutex_unlock(&p->mu);
    return e != NULL;
}

int gw_inflight_abort_bound(gw_inflight_t *p, const uint8_t uuid[16], const uint8_t *digest,
                            gw_inflight_waiter_t **waiters)
{
    *waiters = NULL;
    pthread_mutex_lock(&p->mu);
    entry_t *e = (entry_t *)htab_find(p, &p->entries, uuid);
    if (e != NULL && digest_differs(e->has_digest, e->digest, digest))
        e = NULL; /* another command of this uuid: not the one refused */
    if (e != NULL) {
        htab_remove(p, &p->entries, &e->h);
        heap_remove(p, e);
        *waiters = e->head;
        free(e);
    }
    pthread_mutex_unlock(&p->mu);
    return e != NULL;
}

size_t gw_inflight_expire(gw_inflight_t *p, int64_t now_ms, gw_inflight_waiter_t **waiters)
{
    gw_inflight_waiter_t *head = NULL, *tail = NULL;
    size_t n = 0;
    pthread_mutex_lock(&p->mu);
    while (p->heap_n > 0 && p->heap[0]->deadline <= now_ms) {
        entry_t *e = p->heap[0];
        heap_remove(p, e);
        htab_remove(p, &p->entries, &e->h);
        if (e->head != NULL) {
            if (tail != NULL)
                tail->next = e->head;
            else
                head = e->head;
            tail = e->tail;
        }
        free(e);
        n++;
    }
    p->st.expired += n;
    pthread_mutex_unlock(&p->mu);
    if (waiters != NULL)
        *waiters = head;
    return n;
}

int64_t gw_inflight_next_deadline(gw_inflight_t *p)
{
    pthread_mutex_lock(&p->mu);
    int64_t d = p->heap_n > 0 ? p->heap[0]->deadline : INT64_MAX;
    pthread_mutex_unlock(&p->mu);
    return d;
}

void gw_inflight_stats(gw_inflight_t *p, gw_inflight_stats_t *out)
{
    pthread_mutex_lock(&p->mu);
    *out = p->st;
    out->in_flight = p->heap_n;
    out->outcomes = p->outcomes.n;
    pthread_mutex_unlock(&p->mu);
}
