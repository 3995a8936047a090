/*
 * accounts.c — login credentials folded from the account events.
 *
 * The accounts map: username -> {account uuid, argon2id hash}. The first
 * record of a name in the log wins. Accounts are immutable once added and
 * live as long as the map, so a lookup hands out a pointer that stays valid
 * after the read lock is released.
 *
 * Hashing and verifying passwords is pwhash.c's.
 */
#include "store_int.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MAX_USERNAME 256

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
