/*
 * store.h — the gateway's in-memory projections: transactions, accounts
 * (credentials) and pending command requests, plus the small helpers they
 * need (money formatting, UUIDs, password verification off the event loop).
 *
 * The store is plain C11 + pthreads + libsodium. It knows nothing of h2o,
 * Kafka, Avro or the GraphQL engine: the Kafka layer decodes events and calls
 * the append/put/complete functions here; resolvers query.
 *
 * Threads, written down once:
 *  - gw_txstore_t: ONE writer thread (the Kafka consumer) calls the mutating
 *    functions; any number of reader threads (the event loops) call the query
 *    functions at the same time without taking any lock. Records and strings
 *    never move and are never freed while the store lives, so every pointer a
 *    query hands out stays valid until gw_txstore_free.
 *  - gw_accounts_t: one writer, many readers; lookups take a read lock.
 *  - gw_inflight_t: fully locked inside; any thread may call it.
 *  - gw_pwhash_pool_t: any thread may submit; a job's done callback runs on
 *    a worker thread.
 *
 * Errors are negative GW_STORE_E* codes; 0 (or a count) is success.
 * Call gw_store_init() once at start-up (it initialises libsodium).
 */
#ifndef GW_STORE_H
#define GW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GW_STORE_OK 0
#define GW_STORE_ENOMEM (-1)  /* allocation failed */
#define GW_STORE_EINVAL (-2)  /* bad argument or malformed input */
#define GW_STORE_EFULL (-3)   /* a configured bound was reached; nothing was added */
#define GW_STORE_EDUP (-4)    /* an event already folded (same partition and offset); ignored */
#define GW_STORE_ESYSTEM (-5) /* a system call failed (thread, eventfd, libsodium init) */

/* Initialise the libraries the store needs (libsodium). Thread-safe and
 * idempotent. Returns 0 or GW_STORE_ESYSTEM. */
int gw_store_init(void);

/* A short human description of a GW_STORE_E* code (a constant string). */
const char *gw_store_strerror(int code);

/* ------------------------------------------------------------------------ */
/* Money                                                                    */
/* ------------------------------------------------------------------------ */

/* Longest formatted amount, NUL included: "€-92.233.720.368.547.758,08". */
#define GW_MONEY_MAX 32

/* Write `cents` the way the original bank showed money: the euro sign, then
 * the amount with Dutch separators ('.' for thousands, ',' before exactly two
 * decimals): "€1.234,56", "€-12,00", "€0,00". Works for the whole int64 range.
 * Writes at most cap bytes including the NUL (nothing if cap is 0) and returns
 * the full length without the NUL, like snprintf. */
size_t gw_money_format(char *buf, size_t cap, int64_t cents);

/* The same for the absolute value of `cents` (changed_by is always shown
 * without sign; INT64_MIN is handled exactly). */
size_t gw_money_format_abs(char *buf, size_t cap, int64_t cents);

/* Reads back exactly what gw_money_format writes — the euro sign, '-' for a
 * negative amount, the whole euros in groups of three digits separated by
 * '.' (no leading zeros, no "-0"), ',' and two digits — from s[0..len) into
 * *cents. Returns 0, or GW_STORE_EINVAL (cents untouched) for any other
 * text or an amount outside int64. Clients of the gateway (tools/bank-load)
 * check balances with it. */
int gw_money_parse(const char *s, size_t len, int64_t *cents);

typedef enum gw_direction {
    GW_DIR_ANY = 0, /* filters only: either direction */
    GW_DIR_DEBIT,   /* money left the account: changed_by < 0 */
    GW_DIR_CREDIT,  /* changed_by >= 0 */
} gw_direction_t;

/* DEBIT when changed_by < 0, else CREDIT. */
gw_direction_t gw_direction_of(int64_t changed_by);
/* "DEBIT", "CREDIT" or "ANY". */
const char *gw_direction_name(gw_direction_t d);

/* ------------------------------------------------------------------------ */
/* UUIDs                                                                    */
/* ------------------------------------------------------------------------ */

#define GW_UUID_STRLEN 36 /* canonical form, without NUL */

/* Parse the canonical 8-4-4-4-12 hex form (either case) of exactly len == 36
 * bytes. Returns 0, or GW_STORE_EINVAL (out untouched) on anything else. */
int gw_uuidstr_parse(const char *s, size_t len, uint8_t out[16]);
/* True when s[0..len) is a canonical UUID. */
bool gw_uuidstr_valid(const char *s, size_t len);
/* Write the lower-case canonical form and a NUL into out. */
void gw_uuidstr_format(const uint8_t u[16], char out[GW_UUID_STRLEN + 1]);
/* A random (version 4, RFC 4122 variant) UUID from libsodium's CSPRNG. */
void gw_uuid_v4(uint8_t out[16]);
/* The value of hex digit c (either case), or -1 when c is not one. */
int gw_hexdigit(char c);

/* ------------------------------------------------------------------------ */
/* Transactions projection                                                  */
/* ------------------------------------------------------------------------ */

/*
 * Folded from BalanceChanged events. Ids are 1, 2, 3, ... in append() order.
 *
 * Order contract. The store does not read Kafka; it numbers events in the
 * order the single writer appends them, so ids are as stable as that order.
 * The canonical log order of the 9-partition balance_changed topic is the
 * merge by (message timestamp, partition, offset), a function of the log
 * alone. At start the consumer replays every partition up to the high-water
 * mark it saw and k-way merges them by that key before appending: a restart
 * over the same log therefore gives the same ids (compare with
 * gw_txstore_checksum). Live events are appended as they arrive, which
 * follows timestamp order except for events of different partitions
 * produced within the consumer's fetch latency of each other; only those may
 * swap ids after a restart. Append also takes each event's (partition,
 * offset): a redelivered event (offset <= the last one folded from that
 * partition) is ignored instead of doubled.
 */

/* A borrowed string: ptr[len] is always NUL for strings handed out by the
 * store. */
typedef struct gw_str {
    const char *ptr;
    uint32_t len;
} gw_str_t;

/* The event as decoded by the Kafka layer; strings borrowed for the call. */
typedef struct gw_balance_changed {
    gw_str_t iban;
    int64_t new_balance; /* cents */
    int64_t changed_by;  /* cents, negative for DEBIT */
    gw_str_t from_to;
    gw_str_t description;
} gw_balance_changed_t;

/* A transaction as read back. The strings point into the store and live as
 * long as it does. */
typedef struct gw_tx {
    uint64_t id;
    gw_str_t iban;
    int64_t new_balance;
    int64_t changed_by;
    gw_str_t from_to;
    gw_str_t description;
} gw_tx_t;

/* Filters for gw_txstore_since. Zeroed = no filter. */
typedef struct gw_tx_filter {
    gw_str_t iban;            /* ptr NULL: any IBAN */
    uint64_t min_amount;      /* |changed_by| >= min_amount (cents) */
    gw_direction_t direction; /* GW_DIR_ANY, GW_DIR_DEBIT or GW_DIR_CREDIT */
} gw_tx_filter_t;

/* Counters for /metrics. bytes counts every byte the store malloc'd. */
typedef struct gw_txstore_stats {
    uint64_t transactions;
    uint64_t ibans;
    uint64_t strings;      /* distinct from_to/description strings interned */
    uint64_t string_bytes; /* bytes of interned text, IBANs included */
    uint64_t bytes;        /* total malloc'd: records, strings, maps */
    uint64_t duplicates;   /* appends ignored as redeliveries */
} gw_txstore_stats_t;

typedef struct gw_txstore gw_txstore_t;

/* A new, empty store, or NULL when out of memory. */
gw_txstore_t *gw_txstore_new(void);
/* Free everything; no reader may be inside a query any more. NULL is fine. */
void gw_txstore_free(gw_txstore_t *s);

/* Writer thread only. Fold one event. partition < 0 skips the redelivery
 * check; otherwise an offset <= the last one appended from that partition
 * (0 <= partition < 1024) returns GW_STORE_EDUP and changes nothing.
 * Returns the new id (> 0), GW_STORE_EINVAL for an empty IBAN or strings
 * longer than 64 KiB, GW_STORE_EFULL past 2^32 - 1 transactions, or
 * GW_STORE_ENOMEM (the store is unchanged). */
int64_t gw_txstore_append(gw_txstore_t *s, const gw_balance_changed_t *ev, int32_t partition, int64_t offset);

/* The last offset appended from `partition`, or -1 when none. Writer thread
 * (for where to resume consuming). */
int64_t gw_txstore_last_offset(const gw_txstore_t *s, int32_t partition);

/* Any thread. The number of transactions visible now (= the highest id). */
uint64_t gw_txstore_count(const gw_txstore_t *s);

/* Any thread. Fill *out with transaction `id`; false when no such id. */
bool gw_txstore_get(const gw_txstore_t *s, uint64_t id, gw_tx_t *out);

/* Any thread. The newest transactions of `iban`, newest first: at most
 * max_items of them written to out[]. Returns how many were written (0 for
 * an unknown IBAN). An IBAN's newest record is published just after the
 * count, so while the writer runs this (and latest_per_iban) may not yet
 * show the one append in progress that gw_txstore_count already counts. */
size_t gw_txstore_by_iban(const gw_txstore_t *s, gw_str_t iban, gw_tx_t *out, size_t max_items);

/* Any thread. The number of distinct IBANs seen so far. */
size_t gw_txstore_iban_count(const gw_txstore_t *s);

/* Any thread. The latest transaction of every IBAN, ordered by IBAN (byte
 * order, as strcmp): at most cap written to out[]. Returns how many were
 * written. Size out with gw_txstore_iban_count (IBANs added meanwhile may be
 * left out when cap is reached). */
size_t gw_txstore_latest_per_iban(const gw_txstore_t *s, gw_tx_t *out, size_t cap);

/* Any thread. Transactions with id > after_id that pass filter f (NULL: no
 * filter), in increasing id order, at most max_items, written to out[].
 * *next_after (may be NULL) receives the cursor to pass as after_id to get
 * what follows: the id of the last one written when max_items were found,
 * else the highest id examined. Returns how many were written. */
size_t gw_txstore_since(const gw_txstore_t *s, uint64_t after_id, const gw_tx_filter_t *f, gw_tx_t *out,
                        size_t max_items, uint64_t *next_after);

/* Any thread. True when t passes filter f (NULL passes everything); for live
 * events that must match the same rules as gw_txstore_since. */
bool gw_tx_filter_match(const gw_tx_filter_t *f, const gw_tx_t *t);

/* Any thread. A 64-bit digest of the first `count` transactions in id order
 * (ids, IBANs, amounts, strings), independent of memory layout: the same log
 * gives the same digest in every run. *count receives the number digested
 * (may be NULL). */
uint64_t gw_txstore_checksum(const gw_txstore_t *s, uint64_t *count);

/* Any thread. Counters; approximate while the writer runs. */
void gw_txstore_stats(const gw_txstore_t *s, gw_txstore_stats_t *out);

/* ------------------------------------------------------------------------ */
/* Pending command requests                                                 */
/* ------------------------------------------------------------------------ */

/*
 * Commands sent to Kafka wait here, keyed by their 16-byte UUID, until
 * feedback arrives or their deadline passes. Waiters are the caller's: a
 * gw_inflight_waiter_t embedded in whatever the caller keeps per request; the
 * table links them but never allocates, frees or calls them. Answered
 * outcomes are kept in a bounded LRU so a repeated UUID gets the stored
 * result without producing the command again.
 *
 * Thread-safe: every call takes the table's mutex, and no caller code runs
 * under it (waiters are handed back as lists, outcomes as references).
 */

typedef struct gw_inflight_waiter {
    struct gw_inflight_waiter *next; /* the table's link; the caller owns the memory */
} gw_inflight_waiter_t;

typedef enum gw_outcome_kind {
    GW_OUTCOME_RESULT = 1, /* {success, reason} e.g. money transfer confirmed/failed */
    GW_OUTCOME_ACCOUNT,    /* {iban, token, reason}: account creation */
} gw_outcome_kind_t;

/* Feedback as decoded by the Kafka layer; strings borrowed for the call.
 * For GW_OUTCOME_ACCOUNT success means iban/token are set. */
typedef struct gw_feedback {
    gw_outcome_kind_t kind;
    bool success;
    gw_str_t reason;
    gw_str_t iban;
    gw_str_t token;
} gw_feedback_t;

/* The size of a command's parameter digest (a uuid bound to its request:
 * gateway/store/fields.h computes it for transfers). */
#define GW_INFLIGHT_DIGEST 16

/* A stored outcome: immutable, reference counted, strings NUL-terminated
 * (empty when absent). Release every reference you are given. */
typedef struct gw_outcome {
    uint8_t uuid[16];
    gw_outcome_kind_t kind;
    bool success;
    gw_str_t reason;
    gw_str_t iban;
    gw_str_t token;
    bool has_digest; /* digest: the parameters the outcome was decided for */
    uint8_t digest[GW_INFLIGHT_DIGEST];
    int _refs; /* private */
} gw_outcome_t;

void gw_outcome_release(gw_outcome_t *o);

typedef enum gw_inflight_begin_result {
    GW_INFLIGHT_NEW = 1,      /* a new entry: the caller must now produce the command */
    GW_INFLIGHT_JOINED = 2,   /* already in flight: the waiter joined, do not produce */
    GW_INFLIGHT_ANSWERED = 3, /* answered before: *outcome holds a reference */
    GW_INFLIGHT_CONFLICT = 4, /* the uuid is in flight or answered for other parameters (another digest) */
} gw_inflight_begin_result_t;

typedef struct gw_inflight_stats {
    uint64_t in_flight; /* entries waiting */
    uint64_t outcomes;  /* stored outcomes */
    uint64_t completed; /* entries answered by feedback */
    uint64_t expired;   /* entries dropped at their deadline */
    uint64_t rejected;  /* begin() refused by the bound */
    uint64_t ignored;   /* feedback for unknown ids */
    uint64_t replayed;  /* begin() answered from the stored outcomes */
    uint64_t conflicts; /* begin_bound() refused: the uuid is bound to other parameters */
} gw_inflight_stats_t;

typedef struct gw_inflight gw_inflight_t;

/* Suggested bounds for the gateway: commands in flight per table, and
 * answered outcomes kept for repeated uuids. */
#define GW_INFLIGHT_DEFAULT_ENTRIES 65536
#define GW_INFLIGHT_DEFAULT_OUTCOMES 100000

/* A table holding at most max_entries in-flight uuids and max_outcomes
 * answered ones (0 = no outcome store). NULL when out of memory. */
gw_inflight_t *gw_inflight_new(size_t max_entries, size_t max_outcomes);
/* Free the table and its outcome references. Waiters still linked are
 * simply forgotten: collect them first with gw_inflight_expire(p, INT64_MAX). */
void gw_inflight_free(gw_inflight_t *p);

/* Register waiter w for `uuid`, expiring at deadline_ms (the caller's clock)
 * unless the uuid is already in flight (then the first deadline stays).
 * Returns a gw_inflight_begin_result_t (for ANSWERED, w is not linked and
 * *outcome receives a reference), GW_STORE_EFULL when max_entries are in
 * flight, GW_STORE_EINVAL or GW_STORE_ENOMEM. */
int gw_inflight_begin(gw_inflight_t *p, const uint8_t uuid[16], int64_t deadline_ms, gw_inflight_waiter_t *w,
                      gw_outcome_t **outcome);

/* gw_inflight_begin for a command whose uuid is bound to its parameters by
 * `digest` (GW_INFLIGHT_DIGEST bytes; NULL: unbound, as gw_inflight_begin).
 * When the uuid is in flight, or answered, for another digest the result is
 * GW_INFLIGHT_CONFLICT: w is not linked and *outcome stays NULL. An entry or
 * outcome without a digest (written before digests, or from feedback that
 * did not say) binds nothing: it is joined or answered as before. */
int gw_inflight_begin_bound(gw_inflight_t *p, const uint8_t uuid[16], const uint8_t *digest, int64_t deadline_ms,
                            gw_inflight_waiter_t *w, gw_outcome_t **outcome);

/* Remove one waiter (its client went away) from the uuid's list. The entry
 * stays until feedback or its deadline. Returns true when it was linked. */
bool gw_inflight_leave(gw_inflight_t *p, const uint8_t uuid[16], gw_inflight_waiter_t *w);

/* Feedback arrived for `uuid`. When it is in flight: the entry is removed,
 * the outcome stored, *waiters receives its waiter list (oldest first) and
 * *outcome one reference; returns 1, or 2 when the feedback's digest and
 * the entry's differ (the uuid was decided for another command with other
 * parameters: the outcome is stored, bound to the feedback's digest, and the
 * waiters must be told their request conflicts, not given it). The stored
 * outcome's digest is the feedback's, else the entry's. Unknown uuid:
 * ignored, returns 0. GW_STORE_ENOMEM when the outcome cannot be copied (the
 * entry stays). */
int gw_inflight_complete(gw_inflight_t *p, const uint8_t uuid[16], const gw_feedback_t *fb,
                         gw_inflight_waiter_t **waiters, gw_outcome_t **outcome);
/* gw_inflight_complete with the digest the feedback was decided for
 * (GW_INFLIGHT_DIGEST bytes; NULL: not said). */
int gw_inflight_complete_bound(gw_inflight_t *p, const uint8_t uuid[16], const gw_feedback_t *fb, const uint8_t *digest,
                               gw_inflight_waiter_t **waiters, gw_outcome_t **outcome);

/* Drop the entry of `uuid` without storing an outcome (its command never
 * reached Kafka, so a retry with the same uuid must send it again);
 * *waiters receives its waiter list. Returns 1 when it was in flight, else 0. */
int gw_inflight_abort(gw_inflight_t *p, const uint8_t uuid[16], gw_inflight_waiter_t **waiters);

/* gw_inflight_abort only when the entry in flight is the command with
 * `digest` (or digest is NULL, or the entry has none): how a refusal that
 * concerns one of several commands sharing a uuid reaches only its own
 * waiters. Returns 1 when dropped, else 0. */
int gw_inflight_abort_bound(gw_inflight_t *p, const uint8_t uuid[16], const uint8_t *digest,
                            gw_inflight_waiter_t **waiters);

/* Drop every entry whose deadline is <= now_ms; their waiters are chained
 * into *waiters (entry by entry in deadline order). Returns the number of
 * entries expired. now_ms = INT64_MAX drains the table. */
size_t gw_inflight_expire(gw_inflight_t *p, int64_t now_ms, gw_inflight_waiter_t **waiters);

/* The earliest deadline in flight, or INT64_MAX when none: when to tick. */
int64_t gw_inflight_next_deadline(gw_inflight_t *p);

void gw_inflight_stats(gw_inflight_t *p, gw_inflight_stats_t *out);

/* ------------------------------------------------------------------------ */
/* Accounts (credentials)                                                   */
/* ------------------------------------------------------------------------ */

#define GW_PWHASH_MAX 128 /* crypto_pwhash_STRBYTES, NUL included */

/* An account as stored: immutable once visible, never freed while the
 * accounts store lives. */
typedef struct gw_account {
    uint8_t uuid[16];
    gw_str_t username;
    gw_str_t pwhash; /* argon2id string, "$argon2id$v=19$..." */
} gw_account_t;

typedef struct gw_accounts gw_accounts_t;

gw_accounts_t *gw_accounts_new(void);
void gw_accounts_free(gw_accounts_t *a);

/* Writer thread. Record an account; the first record of a username in the
 * log wins, later ones are ignored. Returns 1 when added, 0 when the name was
 * taken, GW_STORE_EINVAL (empty name, name > 256 bytes, hash not an argon2id
 * string) or GW_STORE_ENOMEM. */
int gw_accounts_put(gw_accounts_t *a, gw_str_t username, const uint8_t uuid[16], gw_str_t pwhash);

/* Any thread. The account for `username`, or NULL. */
const gw_account_t *gw_accounts_find(gw_accounts_t *a, gw_str_t username);

size_t gw_accounts_count(gw_accounts_t *a);

/* Any thread. Every account visible now, in no particular order: *out gets a
 * malloc'd array (the caller frees it; the accounts themselves are the
 * store's) and the count is returned; 0 with *out NULL when out of memory. */
size_t gw_accounts_list(gw_accounts_t *a, const gw_account_t ***out);

/* ------------------------------------------------------------------------ */
/* Checkpoints of the projections                                           */
/* ------------------------------------------------------------------------ */

/*
 * A checkpoint holds transactions 1..N, the accounts, and the log positions
 * they cover (the next offset of each topic partition), so that a restart
 * loads it and replays only what follows. One file, DIR/projections.ckpt,
 * binary: a magic, the offsets, the transactions in id order, the accounts, a
 * 64-bit FNV-1a of all that, an end magic. Written to DIR/projections.ckpt.tmp,
 * fsync'd; the current file becomes projections.ckpt.prev, the new one is
 * renamed in, and DIR is fsync'd: a crash leaves a valid newest or previous one.
 */
typedef struct gw_ckpt_offset {
    char topic[128];
    int32_t partition;
    int64_t next; /* the next offset to read */
} gw_ckpt_offset_t;

/* Any thread but the writer's loops (it reads the stores lock-free, and
 * accounts under their read lock for a moment). Writes transactions 1..upto of
 * tx, every account of acc and offs. Gives up (removing the temporary file)
 * once deadline_ms (CLOCK_MONOTONIC milliseconds; 0 = none) has passed.
 * Returns 0, GW_STORE_EINVAL (upto > count, a path too long) or
 * GW_STORE_ESYSTEM (I/O, the deadline), with err. */
int gw_checkpoint_write(const char *dir, const gw_txstore_t *tx, uint64_t upto, gw_accounts_t *acc,
                        const gw_ckpt_offset_t *offs, size_t noffs, int64_t deadline_ms, char *err, size_t errlen);

typedef struct gw_checkpoint gw_checkpoint_t;

/* Opens the newest valid checkpoint of DIR (projections.ckpt, else .prev): the
 * whole file is read once to check its digest and its offsets are kept.
 * Returns 0 with *out, 1 when there is none (not an error), or
 * GW_STORE_EINVAL (every file there is damaged: err says how) /
 * GW_STORE_ENOMEM. */
int gw_checkpoint_open(const char *dir, gw_checkpoint_t **out, char *err, size_t errlen);
const gw_ckpt_offset_t *gw_checkpoint_offsets(const gw_checkpoint_t *c, size_t *n);
/* How many transactions and accounts it holds. */
uint64_t gw_checkpoint_transactions(const gw_checkpoint_t *c);
uint64_t gw_checkpoint_accounts(const gw_checkpoint_t *c);
/* Writer thread, into empty stores: appends its transactions (ids 1..N, no
 * redelivery check: partition -1) and puts its accounts. 0, or a GW_STORE_E*
 * code with err (the stores then hold a part: do not use them). */
int gw_checkpoint_load(const gw_checkpoint_t *c, gw_txstore_t *tx, gw_accounts_t *acc, char *err, size_t errlen);
void gw_checkpoint_free(gw_checkpoint_t *c);

/* ------------------------------------------------------------------------ */
/* Password hashing (argon2id) off the event loops                          */
/* ------------------------------------------------------------------------ */

/*
 * Registration hashes a password; a login verifies one against the stored
 * argon2id string, which carries its own parameters (m=, t=, p=), so hashes
 * made under other settings keep verifying. Both cost one argon2id run of
 * tens of milliseconds and memlimit of memory: never on an event loop.
 *
 * gw_pwhash_pool_t is the one pool of worker threads doing it. Workers lower
 * their own scheduling priority (nice 10 via setpriority on the thread's id)
 * so the event loops win the CPU. Admission is bounded by the expected wait:
 * a moving average of the measured seconds per job times the jobs waiting,
 * over the threads; a job whose wait would pass max_wait_ms is refused at
 * once. A job whose client left (`gone`, set from any thread) is dropped by
 * the worker that takes it, before any hashing.
 *
 * Passwords are borrowed from the job's owner and never copied or logged.
 */

#define GW_PWHASH_OWASP_MEMLIMIT_KIB 19456 /* OWASP's minimum for argon2id: 19 MiB ... */
#define GW_PWHASH_OWASP_OPSLIMIT 2         /* ... with 2 iterations, 1 lane */

typedef struct gw_pwhash_params {
    uint64_t memlimit_kib; /* argon2id memory, KiB (libsodium: at least 8) */
    uint64_t opslimit;     /* argon2id iterations (at least 1) */
} gw_pwhash_params_t;

/* Whether (memlimit_kib, opslimit) is at least one of OWASP's equivalent
 * argon2id settings (46 MiB/1, 19 MiB/2, 12 MiB/3, 9 MiB/4, 7 MiB/5). */
bool gw_pwhash_params_strong(uint64_t memlimit_kib, uint64_t opslimit);

/* Hash a password with argon2id at `p` (NULL: OWASP's minimum) into out
 * (NUL-terminated). Slow: never on an event loop. Returns 0,
 * GW_STORE_EINVAL or GW_STORE_ENOMEM. */
int gw_password_hash(const char *password, size_t len, const gw_pwhash_params_t *p, char out[GW_PWHASH_MAX]);

typedef enum gw_pwhash_result {
    GW_PWHASH_OK = 0,  /* hashed; or verified: the password matches */
    GW_PWHASH_WRONG,   /* verified: it does not (or unknown user, or a bad hash) */
    GW_PWHASH_DROPPED, /* `gone` was set before a worker started it: nothing computed */
    GW_PWHASH_FAILED,  /* hashing failed (out of memory) */
    GW_PWHASH_STOPPED, /* the pool was freed before the job started */
} gw_pwhash_result_t;

typedef struct gw_pwhash_job gw_pwhash_job_t;

/* Called once per submitted job, on a worker thread (or, STOPPED, on the
 * thread freeing the pool). The job is the owner's again. */
typedef void (*gw_pwhash_done_fn)(gw_pwhash_job_t *j);

/* A job, owned (and usually embedded) by its submitter. */
struct gw_pwhash_job {
    /* set before submitting */
    bool verify;              /* verify password against hash; else hash it into hash */
    const char *password;     /* borrowed until done runs */
    size_t len;               /* at most 4096 bytes */
    char hash[GW_PWHASH_MAX]; /* verify: the stored string, "" = unknown user (the dummy); hash: the result */
    gw_pwhash_done_fn done;
    _Atomic bool gone; /* any thread, any time: the client left, do not start it */
    /* set by the pool */
    gw_pwhash_result_t result;
    _Atomic(gw_pwhash_job_t *) _next;
};

typedef struct gw_pwhash_pool gw_pwhash_pool_t;

/* Starts `threads` workers (0: one per core; at most 16) hashing at `p`, with
 * admission bounded by max_wait_ms (0: only by a fixed 4096 jobs). Makes the
 * dummy hash unknown users are verified against with `p`, once, and takes
 * its time as the first estimate per job. NULL with err on failure
 * (parameters libsodium refuses, no thread). */
gw_pwhash_pool_t *gw_pwhash_pool_new(const gw_pwhash_params_t *p, int threads, uint64_t max_wait_ms, char *err,
                                     size_t errlen);

/* Stops the workers (jobs in hand finish) and calls done(STOPPED) for every
 * job not started, on this thread. No gw_pwhash_submit may run during or
 * after it. NULL is fine. */
void gw_pwhash_pool_free(gw_pwhash_pool_t *pool);

/* Any thread. Queues j; j->done runs later. Returns 0, GW_STORE_EFULL (the
 * expected wait would pass max_wait_ms and no worker is idle with nobody
 * waiting, or stopping: counted as refused, done will not run) or GW_STORE_EINVAL (no password, too long). */
int gw_pwhash_submit(gw_pwhash_pool_t *pool, gw_pwhash_job_t *j);

typedef struct gw_pwhash_stats {
    uint64_t done, dropped, refused, failed; /* jobs, since start */
    uint64_t seconds_count;                  /* jobs timed (done + failed) */
    double seconds_sum;                      /* their argon2id time */
    double avg_seconds;                      /* the moving average per job */
    size_t queued;                           /* waiting now */
    int threads;
} gw_pwhash_stats_t;

/* Any thread: the counters now. */
void gw_pwhash_stats(gw_pwhash_pool_t *pool, gw_pwhash_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif
