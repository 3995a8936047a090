/* The transactions projection under one writer and two readers: the writer
 * appends 200k events whose every field is a function of the id they will
 * get, while readers query continuously and check the invariants: counts
 * never go back, ids are dense, every record read is whole and the one its
 * id implies (no torn reads), per-IBAN chains are newest first without gaps,
 * latest-per-IBAN is in IBAN order and current. Build with
 * -fsanitize=thread to check the memory ordering too. */
#include "store.h"
#include "test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define N_EVENTS 200000
#define N_IBANS 1000
#define N_READERS 2

static void iban_of(uint64_t id, char *buf, size_t cap)
{
    snprintf(buf, cap, "NL%02uOPEN%010u", (unsigned)(id % N_IBANS % 89), (unsigned)(id % N_IBANS));
}

static int64_t change_of(uint64_t id)
{
    return (int64_t)((id * 2654435761u) % 100001) - 50000;
}

static int64_t balance_of(uint64_t id)
{
    return (int64_t)(id * 31);
}

static void desc_of(uint64_t id, char *buf, size_t cap)
{
    snprintf(buf, cap, "payment %u", (unsigned)(id % 53));
}

typedef struct shared {
    gw_txstore_t *s;
    atomic_bool done;
    pthread_barrier_t start; /* the writer and the readers begin together */
} shared_t;

typedef struct reader {
    shared_t *sh;
    int seed;
    long errors;
    long queries;
    long concurrent; /* queries that saw a partly written store */
    char first_error[200];
} reader_t;

#define BAD(r, ...)                                                                                                    \
    do {                                                                                                               \
        if ((r)->errors++ == 0)                                                                                        \
            snprintf((r)->first_error, sizeof((r)->first_error), __VA_ARGS__);                                         \
    } while (0)

static bool whole(const gw_tx_t *t)
{
    char iban[32], desc[32];
    iban_of(t->id, iban, sizeof(iban));
    desc_of(t->id, desc, sizeof(desc));
    return t->iban.len == strlen(iban) && memcmp(t->iban.ptr, iban, t->iban.len) == 0 &&
           t->changed_by == change_of(t->id) && t->new_balance == balance_of(t->id) &&
           t->description.len == strlen(desc) && memcmp(t->description.ptr, desc, t->description.len) == 0 &&
           t->from_to.len == 4 && memcmp(t->from_to.ptr, "cash", 4) == 0;
}

static void *reader_main(void *arg)
{
    reader_t *r = arg;
    gw_txstore_t *s = r->sh->s;
    uint64_t x = 0x9E3779B97F4A7C15ULL * (uint64_t)(r->seed + 1);
    uint64_t last_count = 0;
    static _Thread_local gw_tx_t out[N_IBANS + 8];
    int rounds_after_done = 0;
    pthread_barrier_wait(&r->sh->start);
    while (rounds_after_done < 2) {
        if (atomic_load(&r->sh->done))
            rounds_after_done++;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t n = gw_txstore_count(s);
        if (n < last_count)
            BAD(r, "count went back from %llu to %llu", (unsigned long long)last_count, (unsigned long long)n);
        last_count = n;
        r->queries++;
        r->concurrent += n > 0 && n < N_EVENTS;
        gw_tx_t t;
        switch (x % 5) {
        case 0: { /* get: the newest and a random one */
            if (n > 0 && (!gw_txstore_get(s, n, &t) || t.id != n || !whole(&t)))
                BAD(r, "get(%llu) torn or missing", (unsigned long long)n);
            uint64_t id = n > 0 ? 1 + (x >> 8) % n : 0;
            if (id > 0 && (!gw_txstore_get(s, id, &t) || !whole(&t)))
                BAD(r, "get(%llu) torn or missing", (unsigned long long)id);
            if (gw_txstore_get(s, N_EVENTS + 1, &t))
                BAD(r, "get past the end");
            break;
        }
        case 1: { /* by IBAN: newest first, gapless chain */
            char iban[32];
            uint64_t j = (x >> 8) % N_IBANS;
            iban_of(j == 0 ? N_IBANS : j, iban, sizeof(iban));
            gw_str_t key = {iban, (uint32_t)strlen(iban)};
            size_t got = gw_txstore_by_iban(s, key, out, 50);
            for (size_t k = 0; k < got; k++) {
                if (!whole(&out[k]) || out[k].id % N_IBANS != j)
                    BAD(r, "by_iban record %llu wrong", (unsigned long long)out[k].id);
                if (k > 0 && out[k].id + N_IBANS != out[k - 1].id)
                    BAD(r, "by_iban chain gap %llu -> %llu", (unsigned long long)out[k - 1].id,
                        (unsigned long long)out[k].id);
            }
            /* The chain is complete: every id of this IBAN up to the count
             * (bar the one append in progress) is there, up to 50. */
            uint64_t jj = j == 0 ? N_IBANS : j, have = n > jj ? (n - 1 - jj) / N_IBANS + 1 : 0;
            if (got < (have < 50 ? have : 50))
                BAD(r, "by_iban gave %zu of at least %llu", got, (unsigned long long)(have < 50 ? have : 50));
            /* The head may lag the count by the one append in progress. */
            if (got > 0 && out[0].id + N_IBANS < n)
                BAD(r, "by_iban head %llu older than count %llu allows", (unsigned long long)out[0].id,
                    (unsigned long long)n);
            break;
        }
        case 2: { /* since: dense ids */
            uint64_t after = n > 100 ? (x >> 8) % (n - 100) : 0, next;
            size_t got = gw_txstore_since(s, after, NULL, out, 64, &next);
            for (size_t k = 0; k < got; k++)
                if (out[k].id != after + 1 + k || !whole(&out[k]))
                    BAD(r, "since(%llu) item %zu is %llu", (unsigned long long)after, k, (unsigned long long)out[k].id);
            if (got > 0 && next != out[got - 1].id && got == 64)
                BAD(r, "since cursor");
            break;
        }
        case 3: { /* since with an IBAN and direction filter */
            char iban[32];
            uint64_t j = (x >> 8) % N_IBANS;
            iban_of(j == 0 ? N_IBANS : j, iban, sizeof(iban));
            gw_tx_filter_t f = {{iban, (uint32_t)strlen(iban)}, 1000, GW_DIR_DEBIT};
            uint64_t after = n > 5000 ? n - 5000 : 0, next;
            size_t got = gw_txstore_since(s, after, &f, out, 8, &next);
            for (size_t k = 0; k < got; k++) {
                if (!whole(&out[k]) || out[k].id <= after || out[k].id % N_IBANS != j || out[k].changed_by > -1000)
                    BAD(r, "filtered since item %llu", (unsigned long long)out[k].id);
                if (k > 0 && out[k].id <= out[k - 1].id)
                    BAD(r, "filtered since order");
            }
            break;
        }
        default: { /* latest per IBAN: ordered and current */
            size_t got = gw_txstore_latest_per_iban(s, out, N_IBANS + 8);
            if (got > N_IBANS)
                BAD(r, "latest_per_iban: %zu IBANs", got);
            for (size_t k = 0; k < got; k++) {
                if (!whole(&out[k]))
                    BAD(r, "latest record %llu torn", (unsigned long long)out[k].id);
                if (k > 0 && strcmp(out[k - 1].iban.ptr, out[k].iban.ptr) >= 0)
                    BAD(r, "latest order");
                if (out[k].id + N_IBANS < n) /* one append may be in progress */
                    BAD(r, "latest %llu is stale at count %llu", (unsigned long long)out[k].id, (unsigned long long)n);
            }
            if (n >= N_IBANS && got != N_IBANS)
                BAD(r, "latest_per_iban: %zu IBANs at count %llu", got, (unsigned long long)n);
            break;
        }
        }
    }
    return NULL;
}

TEST(one_writer_two_readers)
{
    shared_t sh;
    sh.s = gw_txstore_new();
    ASSERT(sh.s != NULL);
    atomic_init(&sh.done, false);
    ASSERT(pthread_barrier_init(&sh.start, NULL, N_READERS + 1) == 0);
    reader_t readers[N_READERS];
    pthread_t th[N_READERS];
    for (int i = 0; i < N_READERS; i++) {
        memset(&readers[i], 0, sizeof(readers[i]));
        readers[i].sh = &sh;
        readers[i].seed = i;
        ASSERT(pthread_create(&th[i], NULL, reader_main, &readers[i]) == 0);
    }
    char iban[32], desc[32];
    long bad_ids = 0, concurrent = 0;
    pthread_barrier_wait(&sh.start);
    for (uint64_t id = 1; id <= N_EVENTS; id++) {
        iban_of(id, iban, sizeof(iban));
        desc_of(id, desc, sizeof(desc));
        gw_balance_changed_t e = {
            {iban, (uint32_t)strlen(iban)}, balance_of(id), change_of(id), {"cash", 4}, {desc, (uint32_t)strlen(desc)}};
        bad_ids += gw_txstore_append(sh.s, &e, (int32_t)(id % 9), (int64_t)(id / 9)) != (int64_t)id;
    }
    atomic_store(&sh.done, true);
    for (int i = 0; i < N_READERS; i++)
        pthread_join(th[i], NULL);
    EXPECT(bad_ids == 0);
    for (int i = 0; i < N_READERS; i++) {
        printf("  reader %d: %ld queries (%ld during writes), %ld errors%s%s\n", i, readers[i].queries,
               readers[i].concurrent, readers[i].errors, readers[i].errors ? ": first: " : "", readers[i].first_error);
        concurrent += readers[i].concurrent;
        EXPECT(readers[i].errors == 0);
        EXPECT(readers[i].queries > 0);
    }
    EXPECT(concurrent > 0); /* the readers really ran alongside the writer */
    ASSERT_EQ_INT(N_EVENTS, gw_txstore_count(sh.s));
    pthread_barrier_destroy(&sh.start);
    gw_txstore_free(sh.s);
}

TEST_MAIN(TEST_ENTRY(one_writer_two_readers))
