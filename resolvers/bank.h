/*
 * bank.h — binds the bank schema's fields (schema/bank.graphql) to
 * resolvers reading a gw_bank_store_t.
 *
 * This is the placeholder binding: Query fields read the store; mutations
 * and subscriptions are left to the event-backbone task and resolve to an
 * error saying so.
 */
#ifndef GW_BANK_H
#define GW_BANK_H

#include "bank_store.h"
#include "gql.h"

/* Binds every bank field found in `schema` to resolvers reading `store`
 * (borrowed: it must outlive the schema's use). Fields the schema lacks are
 * skipped; their names are appended to `missing` (comma separated) when it
 * is not NULL. Returns the number of fields bound, or GQL_ENOMEM. Call
 * before the schema is shared between threads. */
int gw_bank_bind(gql_schema_t *schema, const gw_bank_store_t *store, gql_buf_t *missing);

#endif
