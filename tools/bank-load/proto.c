/*
 * proto.c — requests and answers of the three transports (proto.h). The
 * GraphQL documents are fixed strings; everything that varies travels in
 * `variables`, written with the engine's JSON string writer.
 */
#include "proto.h"

#include "store.h"

#include <string.h>

static const char *const names[] = {"legacy", "graphql-transport-ws", "http"};

int bl_proto_from_name(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *bl_proto_name(bl_protocol_t p)
{
    return names[p];
}

const char *bl_proto_subprotocol(bl_protocol_t p)
{
    switch (p) {
    case BL_PROTO_LEGACY:
        return "graphql-ws";
    case BL_PROTO_TRANSPORT_WS:
        return "graphql-transport-ws";
    case BL_PROTO_HTTP:
        break;
    }
    return NULL;
}

void bl_proto_init_message(gql_buf_t *out)
{
    gql_buf_puts(out, "{\"type\":\"connection_init\",\"payload\":{}}");
}

static const char GET_ACCOUNT[] = "($u: String!, $p: String!) { get_account(username: $u, password: $p) "
                                  "{ iban token reason } }";
static const char TRANSFER[] =
    "($uuid: String!, $token: String!, $amount: Int!, $from: String!, $to: String!, $descr: String!, "
    "$username: String) { money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to, "
    "descr: $descr, username: $username) { uuid success reason } }";
static const char BALANCES[] = "query($a: String!, $b: String!) { a: transactions_by_iban(iban: $a, max_items: 1) "
                               "{ new_balance } b: transactions_by_iban(iban: $b, max_items: 1) { new_balance } }";

/* Writes the envelope up to the start of the variables object: the query is
 * `keyword` followed by `doc`. */
static void begin(gql_buf_t *out, const bl_op_t *op, const char *doc)
{
    const char *keyword = op->protocol == BL_PROTO_HTTP ? "mutation" : op->op_keyword;
    if (op->protocol != BL_PROTO_HTTP)
        gql_buf_printf(out, "{\"id\":\"%u\",\"type\":\"%s\",\"payload\":", op->id,
                       op->protocol == BL_PROTO_LEGACY ? "start" : "subscribe");
    gql_buf_puts(out, "{\"query\":\"");
    gql_buf_puts(out, keyword);
    gql_buf_puts(out, doc); /* fixed text: no character needs escaping */
    gql_buf_puts(out, "\",\"variables\":{");
}

/* Closes what begin opened. */
static void end(gql_buf_t *out, const bl_op_t *op)
{
    gql_buf_puts(out, op->protocol != BL_PROTO_HTTP ? "}}}" : "}}");
}

/* Writes "name":"value" (value NULL: null), comma first unless first. */
static void var_str(gql_buf_t *out, bool first, const char *name, const char *value)
{
    gql_buf_printf(out, "%s\"%s\":", first ? "" : ",", name);
    if (value == NULL)
        gql_buf_puts(out, "null");
    else
        gql_buf_json_string(out, value, strlen(value));
}

void bl_proto_get_account(gql_buf_t *out, const bl_op_t *op, const char *username, const char *password)
{
    begin(out, op, GET_ACCOUNT);
    var_str(out, true, "u", username);
    var_str(out, false, "p", password);
    end(out, op);
}

void bl_proto_transfer(gql_buf_t *out, const bl_op_t *op, const char *uuid, const char *token, int64_t amount,
                       const char *from, const char *to, const char *descr, const char *username)
{
    begin(out, op, TRANSFER);
    var_str(out, true, "uuid", uuid);
    var_str(out, false, "token", token);
    gql_buf_puts(out, ",\"amount\":");
    gql_buf_int(out, amount);
    var_str(out, false, "from", from);
    var_str(out, false, "to", to);
    var_str(out, false, "descr", descr);
    var_str(out, false, "username", username);
    end(out, op);
}

void bl_proto_balances(gql_buf_t *out, const char *iban_a, const char *iban_b)
{
    gql_buf_puts(out, "{\"query\":\"");
    gql_buf_puts(out, BALANCES);
    gql_buf_puts(out, "\",\"variables\":{");
    var_str(out, true, "a", iban_a);
    var_str(out, false, "b", iban_b);
    gql_buf_puts(out, "}}");
}

static const char *str_member(const gql_iv_t *obj, const char *key)
{
    const gql_iv_t *v = obj != NULL && obj->kind == GQL_IV_OBJECT ? gql_iv_get(obj, key) : NULL;
    return v != NULL && v->kind == GQL_IV_STRING ? v->u.s.ptr : NULL;
}

/* Fills a RESULT from a {data, errors} object. */
static void read_result(const gql_iv_t *r, bl_msg_t *out)
{
    out->kind = BL_MSG_RESULT;
    const gql_iv_t *d = r != NULL && r->kind == GQL_IV_OBJECT ? gql_iv_get(r, "data") : NULL;
    out->data = d != NULL && d->kind == GQL_IV_OBJECT ? d : NULL;
    const gql_iv_t *e = r != NULL && r->kind == GQL_IV_OBJECT ? gql_iv_get(r, "errors") : NULL;
    out->errors = e;
    out->has_errors = e != NULL && e->kind != GQL_IV_NULL && !(e->kind == GQL_IV_LIST && e->u.list.count == 0);
    if (r == NULL || r->kind != GQL_IV_OBJECT)
        out->has_errors = true; /* no result at all */
}

int bl_proto_read(bl_protocol_t p, gql_arena_t *arena, const char *text, size_t len, bl_msg_t *out)
{
    memset(out, 0, sizeof *out);
    gql_iv_t *root = gql_arena_alloc(arena, sizeof *root);
    char err[128];
    if (root == NULL || gql_json_parse(arena, text, len, root, err, sizeof err) != 0 || root->kind != GQL_IV_OBJECT)
        return -1;
    if (p == BL_PROTO_HTTP) {
        read_result(root, out);
        return 0;
    }
    const char *type = str_member(root, "type");
    if (type == NULL)
        return -1;
    out->id = str_member(root, "id");
    const gql_iv_t *payload = gql_iv_get(root, "payload");
    if (strcmp(type, "connection_ack") == 0) {
        out->kind = BL_MSG_ACK;
    } else if (strcmp(type, "complete") == 0) {
        out->kind = BL_MSG_COMPLETE;
    } else if (strcmp(type, "error") == 0 || (p == BL_PROTO_LEGACY && strcmp(type, "connection_error") == 0)) {
        out->kind = BL_MSG_ERROR;
        out->has_errors = true;
        out->errors = payload;
    } else if (strcmp(type, p == BL_PROTO_LEGACY ? "data" : "next") == 0) {
        read_result(payload, out);
    } else if (p == BL_PROTO_LEGACY && strcmp(type, "ka") == 0) {
        out->kind = BL_MSG_IGNORE;
    } else if (p == BL_PROTO_TRANSPORT_WS && strcmp(type, "ping") == 0) {
        out->kind = BL_MSG_PING;
    } else if (p == BL_PROTO_TRANSPORT_WS && strcmp(type, "pong") == 0) {
        out->kind = BL_MSG_IGNORE;
    } else {
        return -1;
    }
    return 0;
}

void bl_proto_transfer_answer(const bl_msg_t *m, bl_answer_t *a)
{
    memset(a, 0, sizeof *a);
    a->has_errors = m->has_errors;
    const gql_iv_t *r = m->data != NULL ? gql_iv_get(m->data, "money_transfer") : NULL;
    if (r == NULL || r->kind != GQL_IV_OBJECT)
        return;
    a->has_result = true;
    const gql_iv_t *s = gql_iv_get(r, "success");
    a->success = s != NULL && s->kind == GQL_IV_BOOLEAN && s->u.b;
    a->reason = str_member(r, "reason");
    a->uuid = str_member(r, "uuid");
}

int bl_proto_account(const bl_msg_t *m, const char **iban, const char **token, const char **reason)
{
    const gql_iv_t *r = m->data != NULL ? gql_iv_get(m->data, "get_account") : NULL;
    *iban = str_member(r, "iban");
    *token = str_member(r, "token");
    *reason = str_member(r, "reason");
    return *iban != NULL && *token != NULL && !m->has_errors ? 0 : -1;
}

int bl_proto_balance(const bl_msg_t *m, const char *alias, int64_t *cents)
{
    const gql_iv_t *l = m->data != NULL ? gql_iv_get(m->data, alias) : NULL;
    if (l == NULL || l->kind != GQL_IV_LIST)
        return -1;
    if (l->u.list.count == 0) {
        *cents = 0;
        return 0;
    }
    const gql_iv_t *first = &l->u.list.items[0];
    const gql_iv_t *nb = first->kind == GQL_IV_OBJECT ? gql_iv_get(first, "new_balance") : NULL;
    if (nb == NULL || nb->kind != GQL_IV_STRING)
        return -1;
    return gw_money_parse(nb->u.s.ptr, nb->u.s.len, cents) == 0 ? 0 : -1;
}

void bl_proto_errors_text(const bl_msg_t *m, gql_buf_t *out, size_t max)
{
    size_t start = out->len;
    if (m->errors == NULL)
        gql_buf_puts(out, "null");
    else
        gql_iv_write_json(m->errors, out);
    if (out->len - start > max) {
        out->len = start + max;
        gql_buf_puts(out, "...");
    }
}
