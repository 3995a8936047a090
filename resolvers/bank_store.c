/*
 * bank_store.c — the two built-in stores: empty, and the bench list (bank_store.h).
 */
#include "bank_store.h"

#include <string.h>

static size_t empty_last(const void *self, const gw_transaction_t **out, size_t max)
{
    (void)self, (void)out, (void)max;
    return 0;
}

static const gw_transaction_t *empty_by_id(const void *self, int64_t id)
{
    (void)self, (void)id;
    return NULL;
}

static size_t empty_by_iban(const void *self, const char *iban, const gw_transaction_t **out, size_t max)
{
    (void)self, (void)iban, (void)out, (void)max;
    return 0;
}

static size_t empty_size(const void *self)
{
    (void)self;
    return 0;
}

static const gw_bank_store_ops_t EMPTY_OPS = {empty_last, empty_by_id, empty_by_iban, empty_size};

gw_bank_store_t gw_bank_store_empty(void)
{
    return (gw_bank_store_t){&EMPTY_OPS, NULL};
}

/* Ten accounts' latest transactions, newest first (ids descending). */
static const gw_transaction_t BENCH[] = {
    {10, "NL66OPEN0000000010", "€1.010,00", "€101,00", "cash", "CREDIT", "bench 10"},
    {9, "NL39OPEN0000000009", "€909,00", "€101,00", "cash", "CREDIT", "bench 9"},
    {8, "NL12OPEN0000000008", "€808,00", "€-101,00", "cash", "DEBIT", "bench 8"},
    {7, "NL82OPEN0000000007", "€707,00", "€101,00", "cash", "CREDIT", "bench 7"},
    {6, "NL55OPEN0000000006", "€606,00", "€-101,00", "cash", "DEBIT", "bench 6"},
    {5, "NL28OPEN0000000005", "€505,00", "€101,00", "cash", "CREDIT", "bench 5"},
    {4, "NL98OPEN0000000004", "€404,00", "€101,00", "cash", "CREDIT", "bench 4"},
    {3, "NL71OPEN0000000003", "€303,00", "€-101,00", "cash", "DEBIT", "bench 3"},
    {2, "NL44OPEN0000000002", "€202,00", "€101,00", "cash", "CREDIT", "bench 2"},
    {1, "NL17OPEN0000000001", "€101,00", "€101,00", "cash", "CREDIT", "bench 1"},
};
#define NBENCH (sizeof BENCH / sizeof *BENCH)

static size_t bench_last(const void *self, const gw_transaction_t **out, size_t max)
{
    (void)self;
    size_t n = 0;
    for (; n < NBENCH && n < max; n++)
        out[n] = &BENCH[n];
    return n;
}

static const gw_transaction_t *bench_by_id(const void *self, int64_t id)
{
    (void)self;
    for (size_t i = 0; i < NBENCH; i++)
        if (BENCH[i].id == id)
            return &BENCH[i];
    return NULL;
}

static size_t bench_by_iban(const void *self, const char *iban, const gw_transaction_t **out, size_t max)
{
    (void)self;
    size_t n = 0;
    for (size_t i = 0; i < NBENCH && n < max; i++)
        if (strcmp(BENCH[i].iban, iban) == 0)
            out[n++] = &BENCH[i];
    return n;
}

static size_t bench_size(const void *self)
{
    (void)self;
    return NBENCH;
}

static const gw_bank_store_ops_t BENCH_OPS = {bench_last, bench_by_id, bench_by_iban, bench_size};

gw_bank_store_t gw_bank_store_bench(void)
{
    return (gw_bank_store_t){&BENCH_OPS, NULL};
}
