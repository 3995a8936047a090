/*
 * proto.h — the GraphQL side of the load test, apart from sockets: the
 * operations the generators send, wrapped for each transport, and the
 * answers read back from each transport's messages.
 *
 *  - http: POST /graphql with {"query", "variables"}; the body is the result.
 *  - legacy (subscriptions-transport-ws, subprotocol "graphql-ws", the one
 *    the original front end and load test spoke): connection_init →
 *    connection_ack (then "ka" now and then); {"id","type":"start",
 *    "payload"} → "data" {payload: result} → "complete"; "error" for a
 *    refused operation, "connection_error" for a refused message.
 *  - graphql-transport-ws (npm graphql-ws): connection_init →
 *    connection_ack; "subscribe" → "next" → "complete"; "error" with a list
 *    of errors; "ping" must be answered with "pong".
 *
 * Over the two WebSocket protocols get_account and money_transfer go as
 * `subscription` operations by default — the original clients used the
 * Subscription fields, which deliver one result and complete — or as
 * `mutation`s, which the gateway serves over both protocols as well.
 *
 * Parsed values live in the caller's arena and point into it.
 */
#ifndef BL_PROTO_H
#define BL_PROTO_H

#include "gql.h"
#include "rules.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum bl_protocol {
    BL_PROTO_LEGACY = 0,
    BL_PROTO_TRANSPORT_WS,
    BL_PROTO_HTTP,
} bl_protocol_t;

/* The protocol named s ("legacy", "graphql-transport-ws", "http"); -1 when unknown. */
int bl_proto_from_name(const char *s);
const char *bl_proto_name(bl_protocol_t p);
/* The WebSocket subprotocol of p, or NULL for http. */
const char *bl_proto_subprotocol(bl_protocol_t p);

/* The message that opens a WebSocket session. */
void bl_proto_init_message(gql_buf_t *out);

/* One operation: `op_keyword` is "mutation" or "subscription" (http always
 * sends mutations). id numbers the operation on its WebSocket. */
typedef struct bl_op {
    bl_protocol_t protocol;
    const char *op_keyword;
    unsigned id;
} bl_op_t;

/* Writes the whole request (HTTP body or WebSocket message) of get_account. */
void bl_proto_get_account(gql_buf_t *out, const bl_op_t *op, const char *username, const char *password);
/* Writes the whole request of money_transfer; `username` may be NULL. */
void bl_proto_transfer(gql_buf_t *out, const bl_op_t *op, const char *uuid, const char *token, int64_t amount,
                       const char *from, const char *to, const char *descr, const char *username);
/* Writes the HTTP body of the query that reads the newest transaction of
 * two accounts (aliases a and b). */
void bl_proto_balances(gql_buf_t *out, const char *iban_a, const char *iban_b);

typedef enum bl_msg_kind {
    BL_MSG_RESULT,   /* a GraphQL result: data and/or errors */
    BL_MSG_ERROR,    /* an operation or the connection refused (no result) */
    BL_MSG_COMPLETE, /* the operation ended */
    BL_MSG_ACK,      /* connection_ack */
    BL_MSG_PING,     /* graphql-transport-ws ping: answer with pong */
    BL_MSG_IGNORE,   /* ka, pong */
} bl_msg_kind_t;

/* One message (or HTTP body), read. */
typedef struct bl_msg {
    bl_msg_kind_t kind;
    const char *id;         /* the operation id, or NULL */
    const gql_iv_t *data;   /* RESULT: the "data" object, or NULL */
    bool has_errors;        /* RESULT: a non-empty "errors"; ERROR: always */
    const gql_iv_t *errors; /* the errors (or error payload) as sent, or NULL */
} bl_msg_t;

/* Reads text[0..len) as a message of protocol p; the values are copied
 * into `arena`. 0, or -1 when it is not JSON, not an object, or of a type
 * the protocol does not have. */
int bl_proto_read(bl_protocol_t p, gql_arena_t *arena, const char *text, size_t len, bl_msg_t *out);

/* The money_transfer result of m (RESULT), as rules.h wants it. */
void bl_proto_transfer_answer(const bl_msg_t *m, bl_answer_t *a);
/* The get_account result of m: iban and token, or the reason. Returns 0
 * when both iban and token are strings, else -1 (*reason may say why). */
int bl_proto_account(const bl_msg_t *m, const char **iban, const char **token, const char **reason);
/* The balance an alias of bl_proto_balances' query shows: the new_balance
 * of the newest transaction, 0 when there is none. 0, or -1 when the
 * result does not hold a list there or the amount does not parse. */
int bl_proto_balance(const bl_msg_t *m, const char *alias, int64_t *cents);

/* Writes a short JSON rendering of m's errors (at most max bytes) for the
 * log; "null" when there are none. */
void bl_proto_errors_text(const bl_msg_t *m, gql_buf_t *out, size_t max);

#endif
