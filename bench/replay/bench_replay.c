/*
 * bench_replay.c — how fast the gateway rebuilds its transactions projection
 * at start-up, and how much memory it keeps per transaction.
 *
 * Generates N synthetic BalanceChanged events (default 1M) over ~10k IBANs
 * with realistic strings (IBANs, counter-party IBANs or "cash", descriptions
 * drawn mostly from a few hundred common texts plus some unique references),
 * then, in the same run:
 *  - baseline: memcpy-appends the same records (fixed fields + the three
 *    strings) into one flat, pre-sized array: the cost of only copying the
 *    bytes, with no indexing at all;
 *  - store: folds them into a gw_txstore_t (intern, IBAN map, skip list,
 *    chains), on this one thread.
 * Prints events/s for both and their ratio, bytes per stored transaction
 * (the store's own count and the process RSS growth), a few query rates on
 * the result, the machine and the command. A measurement, not a test.
 *
 * Usage: bench_replay [--events N] [--ibans N] [--runs N]
 */
#include "store.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct ev {
    gw_balance_changed_t e;
} ev_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: steadier than wall time on a shared machine. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void machine(int argc, char **argv)
{
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[512];
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c != NULL) {
                    snprintf(model, sizeof(model), "%s", c + 2);
                    model[strcspn(model, "\n")] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    printf("machine: %ld cpus, %s\n", sysconf(_SC_NPROCESSORS_ONLN), model);
    printf("command:");
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
}

static const char *const phrases[] = {
    "groceries",
    "rent",
    "salary",
    "insurance",
    "mortgage",
    "energy bill",
    "water bill",
    "phone subscription",
    "internet",
    "gym membership",
    "dinner",
    "lunch",
    "coffee",
    "train ticket",
    "fuel",
    "parking",
    "cinema",
    "books",
    "clothes",
    "pharmacy",
    "dentist",
    "holiday savings",
    "birthday present",
    "charity",
    "taxes",
    "refund",
    "interest",
    "deposit",
    "withdrawal",
    "transfer",
};

/* Strings live in 16 MiB blocks for the run; blocks are chained through
 * their first bytes and freed together at the end. */
typedef struct text {
    char *buf; /* newest block; starts with the pointer to the previous one */
    size_t used, cap;
} text_t;

static gw_str_t keep(text_t *t, const char *s)
{
    size_t n = strlen(s);
    if (t->buf == NULL || t->used + n + 1 > t->cap) {
        /* Never realloc: earlier strings are referenced. */
        char *b = malloc(1 << 24);
        if (b == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        memcpy(b, &t->buf, sizeof(char *));
        t->buf = b;
        t->cap = 1 << 24;
        t->used = sizeof(char *);
    }
    char *p = t->buf + t->used;
    memcpy(p, s, n + 1);
    t->used += n + 1;
    gw_str_t r = {p, (uint32_t)n};
    return r;
}

static void text_free(text_t *t)
{
    char *b = t->buf;
    while (b != NULL) {
        char *prev;
        memcpy(&prev, b, sizeof(char *));
        free(b);
        b = prev;
    }
    t->buf = NULL;
}

static void iban_text(char *buf, size_t cap, uint64_t n)
{
    /* NLkk OPEN 0000 0000 nn: a plausible Dutch IBAN of the test bank. */
    snprintf(buf, cap, "NL%02uOPEN%010" PRIu64, (unsigned)(n * 7 % 89 + 10), n);
}

static ev_t *generate(size_t n, size_t nibans, uint64_t seed, text_t *text)
{
    ev_t *evs = malloc(n * sizeof(*evs));
    int64_t *balance = calloc(nibans, sizeof(*balance));
    gw_str_t *ibans = malloc(nibans * sizeof(*ibans));
    gw_str_t *descs = malloc(600 * sizeof(*descs));
    text_t t = *text;
    if (evs == NULL || balance == NULL || ibans == NULL || descs == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    char buf[128];
    for (size_t i = 0; i < nibans; i++) {
        iban_text(buf, sizeof(buf), 1000 + i);
        ibans[i] = keep(&t, buf);
    }
    /* 600 common descriptions: a phrase with a month or a shop number. */
    static const char *const months[] = {"january", "february", "march",     "april",   "may",      "june",
                                         "july",    "august",   "september", "october", "november", "december"};
    for (size_t i = 0; i < 600; i++) {
        size_t np = sizeof(phrases) / sizeof(phrases[0]);
        snprintf(buf, sizeof(buf), "%s %s", phrases[i % np], months[(i / np) % 12]);
        if (i >= np * 12)
            snprintf(buf, sizeof(buf), "%s store %zu", phrases[i % np], i);
        descs[i] = keep(&t, buf);
    }
    gw_str_t cash = keep(&t, "cash");
    uint64_t x = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd(&x);
        /* Skewed: a tenth of the accounts make half of the traffic. */
        size_t a = (r & 1) ? (size_t)(rnd(&x) % (nibans / 10 + 1)) : (size_t)(rnd(&x) % nibans);
        int64_t amount = (int64_t)(rnd(&x) % 50000) + 1; /* up to 500 euro */
        bool debit = (r >> 8) % 100 < 55;
        ev_t *e = &evs[i];
        e->e.iban = ibans[a];
        e->e.changed_by = debit ? -amount : amount;
        balance[a] += e->e.changed_by;
        e->e.new_balance = balance[a];
        uint64_t kind = (r >> 16) % 100;
        e->e.from_to = kind < 20 ? cash : ibans[rnd(&x) % nibans];
        if (kind < 90) {
            e->e.description = descs[rnd(&x) % 600];
        } else {
            /* One in ten carries a unique payment reference. */
            snprintf(buf, sizeof(buf), "invoice 2026-%07zu", i);
            e->e.description = keep(&t, buf);
        }
    }
    free(balance);
    free(ibans);
    free(descs);
    *text = t;
    return evs;
}

/* The baseline: copy each record's bytes into one flat array. Returns a
 * value depending on the copy so the compiler keeps it. */
static uint64_t flat_append(const ev_t *evs, size_t n, unsigned char *flat)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const gw_balance_changed_t *e = &evs[i].e;
        memcpy(flat + at, &e->new_balance, 8);
        memcpy(flat + at + 8, &e->changed_by, 8);
        at += 16;
        memcpy(flat + at, e->iban.ptr, e->iban.len + 1);
        at += e->iban.len + 1;
        memcpy(flat + at, e->from_to.ptr, e->from_to.len + 1);
        at += e->from_to.len + 1;
        memcpy(flat + at, e->description.ptr, e->description.len + 1);
        at += e->description.len + 1;
    }
    return at + flat[at / 2];
}

/* A reader thread for the concurrent phase: by_iban queries until told to stop. */
typedef struct reader {
    gw_txstore_t *s;
    const ev_t *evs;
    size_t n;
    atomic_bool *stop;
    uint64_t queries, rows;
} reader_t;

static void *reader_main(void *arg)
{
    reader_t *r = arg;
    gw_tx_t out[20];
    uint64_t x = 77;
    while (!atomic_load_explicit(r->stop, memory_order_relaxed)) {
        r->rows += gw_txstore_by_iban(r->s, r->evs[rnd(&x) % r->n].e.iban, out, 20);
        r->queries++;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t n = 1000000, nibans = 10000;
    int runs = 5, readers = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            n = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--ibans") == 0 && i + 1 < argc)
            nibans = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--readers") == 0 && i + 1 < argc)
            readers = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--events N] [--ibans N] [--runs N] [--readers N]\n", argv[0]);
            return 2;
        }
    }
    if (n == 0 || nibans < 10 || runs < 1 || runs > 50 || readers < 0 || readers > 16) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    machine(argc, argv);
    text_t text = {0};
    ev_t *evs = generate(n, nibans, 0x1234567, &text);
    size_t flat_bytes = 0;
    for (size_t i = 0; i < n; i++)
        flat_bytes += 16 + evs[i].e.iban.len + evs[i].e.from_to.len + evs[i].e.description.len + 3;
    unsigned char *flat = malloc(flat_bytes + 1);
    if (flat == NULL)
        return 1;
    memset(flat, 0, flat_bytes + 1); /* fault the pages in: the baseline measures copying only */

    double t_flat[50], t_fresh[50], t_store[50], c_flat[50], c_fresh[50], c_store[50];
    uint64_t sink = 0, digest = 0;
    gw_txstore_stats_t st = {0};
    long rss_growth = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now_s(), c0 = cpu_s();
        sink += flat_append(evs, n, flat);
        t_flat[r] = now_s() - t0;
        c_flat[r] = cpu_s() - c0;
        /* The same into fresh memory: page faults included, as for the store. */
        t0 = now_s();
        c0 = cpu_s();
        unsigned char *fresh = malloc(flat_bytes + 1);
        if (fresh == NULL)
            return 1;
        fresh[flat_bytes / 2] = 0;
        sink += flat_append(evs, n, fresh);
        t_fresh[r] = now_s() - t0;
        c_fresh[r] = cpu_s() - c0;
        free(fresh);

        long rss0 = rss_kib();
        gw_txstore_t *s = gw_txstore_new();
        if (s == NULL)
            return 1;
        t0 = now_s();
        c0 = cpu_s();
        for (size_t i = 0; i < n; i++) {
            if (gw_txstore_append(s, &evs[i].e, (int32_t)(i % 9), (int64_t)(i / 9)) <= 0) {
                fprintf(stderr, "append failed at %zu\n", i);
                return 1;
            }
        }
        t_store[r] = now_s() - t0;
        c_store[r] = cpu_s() - c0;
        if (r == 0)
            rss_growth = rss_kib() - rss0; /* first run: no freed memory to reuse */
        gw_txstore_stats(s, &st);
        uint64_t d = gw_txstore_checksum(s, NULL);
        if (r > 0 && d != digest) {
            fprintf(stderr, "checksum differs between runs\n");
            return 1;
        }
        digest = d;

        if (r == runs - 1) {
            /* Query rates on the final projection. */
            gw_tx_t *out = malloc((st.ibans + 1) * sizeof(*out));
            uint64_t x = 99;
            int q = 0;
            double t1 = now_s();
            for (q = 0; q < 200000; q++) {
                const gw_str_t iban = evs[rnd(&x) % n].e.iban;
                sink += gw_txstore_by_iban(s, iban, out, 20);
            }
            double by_iban = q / (now_s() - t1);
            t1 = now_s();
            for (q = 0; q < 100; q++)
                sink += gw_txstore_latest_per_iban(s, out, st.ibans);
            double latest = q / (now_s() - t1);
            gw_tx_filter_t f = {{NULL, 0}, 40000, GW_DIR_DEBIT};
            t1 = now_s();
            for (q = 0; q < 20000; q++) {
                uint64_t next;
                sink += gw_txstore_since(s, rnd(&x) % n, &f, out, 20, &next);
            }
            double since = q / (now_s() - t1);
            t1 = now_s();
            sink += gw_txstore_checksum(s, NULL);
            double cks = now_s() - t1;
            printf("queries: by_iban(max 20) %.0f/s, latest_per_iban(%" PRIu64 " IBANs) %.0f/s, "
                   "since(>=400 euro DEBIT, max 20) %.0f/s, checksum of all %.3f s\n",
                   by_iban, st.ibans, latest, since, cks);
            free(out);
        }
        gw_txstore_free(s);
    }
    /* Replay while reader threads query the same store (lock-free reads). */
    double t_conc = 0, c_conc = 0, reader_qps = 0;
    if (readers > 0) {
        gw_txstore_t *s = gw_txstore_new();
        atomic_bool stop;
        atomic_init(&stop, false);
        reader_t rd[16];
        pthread_t th[16];
        /* Seed the store with the first event so readers find an IBAN at once. */
        if (s == NULL || gw_txstore_append(s, &evs[0].e, -1, 0) != 1)
            return 1;
        for (int i = 0; i < readers; i++) {
            rd[i] = (reader_t){s, evs, n, &stop, 0, 0};
            if (pthread_create(&th[i], NULL, reader_main, &rd[i]) != 0)
                return 1;
        }
        double t0 = now_s(), c0 = cpu_s();
        for (size_t i = 1; i < n; i++)
            if (gw_txstore_append(s, &evs[i].e, -1, 0) <= 0)
                return 1;
        t_conc = now_s() - t0;
        c_conc = cpu_s() - c0;
        atomic_store(&stop, true);
        uint64_t q = 0;
        for (int i = 0; i < readers; i++) {
            pthread_join(th[i], NULL);
            q += rd[i].queries;
            sink += rd[i].rows;
        }
        reader_qps = (double)q / t_conc;
        if (gw_txstore_checksum(s, NULL) != digest) {
            fprintf(stderr, "checksum differs with readers\n");
            return 1;
        }
        gw_txstore_free(s);
    }

    qsort(t_flat, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_fresh, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_store, (size_t)runs, sizeof(double), cmp_double);
    qsort(c_store, (size_t)runs, sizeof(double), cmp_double);
    qsort(c_flat, (size_t)runs, sizeof(double), cmp_double);
    qsort(c_fresh, (size_t)runs, sizeof(double), cmp_double);
    double mf = t_flat[runs / 2], mfr = t_fresh[runs / 2], ms = t_store[runs / 2];
    double cf = c_flat[runs / 2], cfr = c_fresh[runs / 2], mc = c_store[runs / 2];
    printf("events: %zu over %" PRIu64 " IBANs, %" PRIu64 " distinct from_to/description strings, %d runs (median)\n",
           n, st.ibans, st.strings, runs);
    printf("baseline memcpy-append: %10.0f events/s (%.3f s, %.1f bytes/event flat)\n", n / mf, mf,
           (double)flat_bytes / (double)n);
    printf("baseline, fresh memory: %10.0f events/s (%.3f s, page faults included)\n", n / mfr, mfr);
    printf("store append:           %10.0f events/s (%.3f s) = %.1fx the time of memcpy-append, %.1fx with fresh "
           "memory\n",
           n / ms, ms, ms / mf, ms / mfr);
    printf("per CPU-second of the thread (steadier on a shared machine): memcpy-append %.0f, fresh memory %.0f, "
           "store %.0f events/s = %.1fx / %.1fx the baselines' CPU time\n",
           n / cf, n / cfr, n / mc, mc / cf, mc / cfr);
    if (readers > 0)
        printf("store append with %d reader thread(s) querying by_iban: %.0f events/s (%.0f per writer CPU-second), "
               "readers %.0f queries/s\n",
               readers, n / t_conc, n / c_conc, reader_qps);
    printf("memory: %.1f bytes/transaction counted by the store (%" PRIu64 " bytes), %.1f by RSS growth\n",
           (double)st.bytes / (double)st.transactions, st.bytes, rss_growth * 1024.0 / (double)n);
    printf("checksum %016" PRIx64 " (identical in every run)\n", digest);
    if (sink == 42)
        printf(" \n");
    free(flat);
    free(evs);
    text_free(&text);
    return 0;
}
