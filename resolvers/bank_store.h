/*
 * bank_store.h — the minimal read interface the bank resolvers need from the
 * projections (gateway/store/ implements the real one in a later task).
 *
 * A gw_bank_store_t is a table of functions plus its object. Two are built in:
 * the empty store (the default: every query answers an empty list or null)
 * and the bench store, a fixed list of ten transactions used only with the
 * gateway's --bench flag. Both are immutable and safe to read from any
 * thread.
 *
 * Ownership: transactions handed out are owned by the store and stay valid
 * while it lives (the static lists: forever).
 */
#ifndef GW_BANK_STORE_H
#define GW_BANK_STORE_H

#include <stddef.h>
#include <stdint.h>

/* One BalanceChanged event as the bank schema shows it. */
typedef struct gw_transaction {
    int64_t id;
    const char *iban;
    const char *new_balance;
    const char *changed_by;
    const char *from_to;
    const char *direction; /* "CREDIT" or "DEBIT" */
    const char *descr;
} gw_transaction_t;

typedef struct gw_bank_store_ops {
    /* The last transaction of every account, newest first: up to `max`
     * pointers into *out; returns how many. */
    size_t (*last_transactions)(const void *self, const gw_transaction_t **out, size_t max);
    /* The transaction with this id, or NULL. */
    const gw_transaction_t *(*transaction_by_id)(const void *self, int64_t id);
    /* The newest `max` transactions of `iban`, newest first. */
    size_t (*transactions_by_iban)(const void *self, const char *iban, const gw_transaction_t **out, size_t max);
    /* Number of transactions held (for /metrics). */
    size_t (*size)(const void *self);
} gw_bank_store_ops_t;

typedef struct gw_bank_store {
    const gw_bank_store_ops_t *ops;
    const void *self;
} gw_bank_store_t;

/* The empty store. */
gw_bank_store_t gw_bank_store_empty(void);
/* The bench store: ten fixed transactions for all_last_transactions. */
gw_bank_store_t gw_bank_store_bench(void);

#endif
