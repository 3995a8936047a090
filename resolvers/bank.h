/*
 * bank.h — what each field of schema/bank.graphql does.
 *
 * Query fields read the transactions projection (gw_txstore_t, lock-free)
 * and answer at once. The command fields — get_account and money_transfer,
 * both as Mutation and as Subscription fields — go through a C API that
 * any transport can drive on its event loop:
 *
 *   gw_bank_start_get_account / gw_bank_start_money_transfer start a call;
 *   its completion callback runs later on the same loop, exactly once,
 *   unless gw_bank_cancel was called first.
 *
 * The HTTP path (Mutation fields) holds the request (gw_pending_hold),
 * answers GQL_RV_PENDING and resumes it from the callback. A WebSocket or
 * SSE transport (Subscription fields: one result, then complete) starts the
 * call itself and, in the callback, executes the subscription operation with
 * the gw_bank_answer_t as the root value: the Subscription root fields bound
 * here map that root value to the result object (or to the answer's error).
 *
 * get_account(username, password): an unknown username is registered — the
 * password is hashed with argon2id on a worker thread, a credentials record
 * (username → uuid + hash) is produced and read back (the first record of a
 * name in the log wins), then ConfirmAccountCreation (a_type MANUAL) is
 * produced and its feedback answers {iban, token}. A known username with the
 * right password (verified on a worker) produces ConfirmAccountCreation again
 * with that account's uuid; a wrong one answers {reason: "incorrect
 * password"}.
 *
 * money_transfer(uuid, ...): a uuid that is not a UUID is a GraphQL error; a
 * uuid answered before is answered from memory without producing; one in
 * flight joins it; otherwise ConfirmMoneyTransfer is produced and its
 * feedback answers {uuid, success, reason}. No feedback within
 * kafka.command_timeout_ms: the error "timed out waiting for confirmation"
 * (the command still stands). A command Kafka does not accept: an error
 * saying so.
 *
 * Threads: everything here runs on the loops, except the password workers.
 * Ownership: a call owns copies of its arguments (the password is wiped as
 * soon as it is hashed or verified) and frees itself after its callback.
 */
#ifndef GW_BANK_H
#define GW_BANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gql.h"

struct gw_server;
struct gw_thread;
struct gw_backbone;

typedef struct gw_resolvers gw_resolvers_t;

typedef enum gw_bank_kind {
    GW_BANK_ACCOUNT = 1, /* get_account: iban, token or reason */
    GW_BANK_TRANSFER,    /* money_transfer: uuid, success, reason */
} gw_bank_kind_t;

/* The answer of a call. Strings are valid during the callback only (copy
 * what you keep); NULL means null in the response. */
typedef struct gw_bank_answer {
    gw_bank_kind_t kind;
    const char *error; /* non-NULL: a GraphQL field error; the rest is unset */
    const char *iban, *token;
    const char *uuid;
    bool success;
    const char *reason;
} gw_bank_answer_t;

/* Runs on the loop the call was started on. */
typedef void (*gw_bank_done_fn)(void *user, const gw_bank_answer_t *a);

typedef struct gw_bank_call gw_bank_call_t;

/* The resolvers' state. `bb` may be NULL (Kafka disabled): queries then read
 * an empty projection — or, with `bench`, ten fixed transactions — and the
 * command fields answer an error. Registers a thread hook on `s` (each loop's
 * GW_LOOPQ_ANSWER messages). Returns NULL when out of memory. */
gw_resolvers_t *gw_resolvers_new(struct gw_server *s, struct gw_backbone *bb, bool bench);
/* After the loops and the Kafka thread stopped. NULL is fine. */
void gw_resolvers_free(gw_resolvers_t *r);

/* Binds every bank field found in `schema`. Fields the schema lacks are
 * skipped and their names appended to `missing` (comma separated) when it
 * is not NULL. Returns the number of fields bound, or GQL_ENOMEM. Call
 * before the schema is shared between threads. */
int gw_bank_bind(gql_schema_t *schema, gw_resolvers_t *r, gql_buf_t *missing);

/* On loop t: start get_account. Strings are copied. Returns the call, or
 * NULL when out of memory (then `done` never runs). */
gw_bank_call_t *gw_bank_start_get_account(gw_resolvers_t *r, struct gw_thread *t, const char *username, size_t ulen,
                                          const char *password, size_t plen, gw_bank_done_fn done, void *user);

/* money_transfer's arguments; strings are copied. username may be NULL. */
typedef struct gw_bank_transfer_args {
    const char *uuid;
    size_t uuid_len;
    const char *token, *from, *to, *descr, *username;
    int64_t amount; /* cents */
} gw_bank_transfer_args_t;

gw_bank_call_t *gw_bank_start_money_transfer(gw_resolvers_t *r, struct gw_thread *t, const gw_bank_transfer_args_t *a,
                                             gw_bank_done_fn done, void *user);

/* On the call's loop, before its callback ran: the callback will not run
 * (the command itself is not withdrawn; the call frees itself later). */
void gw_bank_cancel(gw_bank_call_t *c);

#endif
