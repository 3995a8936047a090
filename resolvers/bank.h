/*
 * bank.h — what each field of schema/bank.graphql does.
 *
 * Query fields read the transactions projection (gw_txstore_t, lock-free)
 * and answer at once. The command fields — get_account and money_transfer,
 * as Mutation fields and as Subscription fields (one result, then
 * complete: their subscribe function returns a GW_SOURCE_ONCE source,
 * subs/subs.h) — hold the running execution (exec/pending.h), send the
 * command and resume the execution with its answer; the transport (HTTP,
 * WebSocket, SSE) never knows. Subscription.stream_transactions describes
 * its stream (filter, after_id) as a GW_SOURCE_TRANSACTIONS source; the
 * registry streams it.
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
 * soon as it is hashed or verified) and frees itself after its answer.
 * Errors: 0 or a negative GW_E* code (runtime/error.h).
 */
#ifndef GW_BANK_H
#define GW_BANK_H

#include "backbone/backbone.h"
#include "gql.h"
#include "runtime/server.h"

typedef struct gw_bank gw_bank_t;

/* The bank's state on `s`. `bb` may be NULL (Kafka disabled): queries then
 * read `store` (borrowed; an empty projection of its own when NULL) and the
 * command fields answer an error. With `bb`, registers a thread hook (each
 * loop's GW_LOOPQ_ANSWER messages) and starts the password workers. NULL
 * when out of memory. */
gw_bank_t *gw_bank_new(gw_server_t *s, gw_backbone_t *bb, gw_txstore_t *store);
/* After the loops and the Kafka thread stopped. NULL is fine. */
void gw_bank_free(gw_bank_t *r);

/* Binds every bank field found in `schema` (resolvers and the Subscription
 * fields' sources). Fields the schema lacks are skipped and their names
 * appended to `missing` (comma separated) when it is not NULL. Returns the
 * number of resolvers bound, or GW_ENOMEM. Call before the schema is shared
 * between threads. */
int gw_bank_bind(gql_schema_t *schema, gw_bank_t *r, gql_buf_t *missing);

#endif
