/*
 * test_proto.c — the GraphQL messages of bank-load (tools/bank-load/proto.h):
 * requests wrapped for each transport (read back as JSON), and answers read
 * from each transport's messages, with the results of get_account,
 * money_transfer and the balance query taken apart.
 */
#include "proto.h"
#include "test.h"

#include <string.h>

/* Parses b as JSON into arena. */
static const gql_iv_t *json(gql_arena_t *arena, const gql_buf_t *b)
{
    gql_iv_t *v = gql_arena_alloc(arena, sizeof *v);
    char err[128];
    return v != NULL && gql_json_parse(arena, b->data, b->len, v, err, sizeof err) == 0 ? v : NULL;
}

static const char *str(const gql_iv_t *obj, const char *key)
{
    const gql_iv_t *v = obj != NULL ? gql_iv_get(obj, key) : NULL;
    return v != NULL && v->kind == GQL_IV_STRING ? v->u.s.ptr : NULL;
}

TEST(requests_per_transport)
{
    gql_arena_t *arena = gql_arena_new(0, NULL);
    ASSERT(arena != NULL);
    for (int p = 0; p < 3; p++) {
        gql_buf_t b = GQL_BUF_INIT;
        bl_op_t op = {.protocol = (bl_protocol_t)p, .op_keyword = "subscription", .id = 42};
        bl_proto_get_account(&b, &op, "user \"q\"\n", "pw");
        const gql_iv_t *v = json(arena, &b);
        ASSERT(v != NULL);
        const gql_iv_t *payload = v;
        if (p != BL_PROTO_HTTP) {
            ASSERT_EQ_STR("42", str(v, "id"));
            ASSERT_EQ_STR(p == BL_PROTO_LEGACY ? "start" : "subscribe", str(v, "type"));
            payload = gql_iv_get(v, "payload");
        }
        const char *q = str(payload, "query");
        ASSERT(q != NULL);
        EXPECT(strncmp(q, p == BL_PROTO_HTTP ? "mutation(" : "subscription(", p == BL_PROTO_HTTP ? 9 : 13) == 0);
        EXPECT(strstr(q, "get_account(username: $u, password: $p) { iban token reason }") != NULL);
        ASSERT_EQ_STR("user \"q\"\n", str(gql_iv_get(payload, "variables"), "u"));
        gql_buf_free(&b);

        op.op_keyword = "mutation";
        bl_proto_transfer(&b, &op, "0b6d4a4e-5d6c-4f1e-9d2a-3c1b0a998877", "123", 5100, "NL1", "NL2", "d", NULL);
        v = json(arena, &b);
        ASSERT(v != NULL);
        payload = p == BL_PROTO_HTTP ? v : gql_iv_get(v, "payload");
        EXPECT(strncmp(str(payload, "query"), "mutation(", 9) == 0);
        const gql_iv_t *vars = gql_iv_get(payload, "variables");
        ASSERT_EQ_INT(5100, gql_iv_get(vars, "amount")->u.i);
        ASSERT_EQ_INT(GQL_IV_NULL, gql_iv_get(vars, "username")->kind);
        ASSERT_EQ_STR("NL2", str(vars, "to"));
        gql_buf_free(&b);
    }
    gql_buf_t b = GQL_BUF_INIT;
    bl_proto_balances(&b, "NL1", "NL2");
    const gql_iv_t *v = json(arena, &b);
    ASSERT(v != NULL);
    EXPECT(strstr(str(v, "query"), "a: transactions_by_iban(iban: $a, max_items: 1) { new_balance }") != NULL);
    ASSERT_EQ_STR("NL2", str(gql_iv_get(v, "variables"), "b"));
    gql_buf_free(&b);
    bl_proto_init_message(&b);
    ASSERT_EQ_STR("connection_init", str(json(arena, &b), "type"));
    gql_buf_free(&b);
    gql_arena_free(arena);
}

/* Reads text as protocol p; the kind, or -1. */
static int kind_of(gql_arena_t *arena, bl_protocol_t p, const char *text, bl_msg_t *m)
{
    return bl_proto_read(p, arena, text, strlen(text), m) == 0 ? (int)m->kind : -1;
}

TEST(messages_per_transport)
{
    gql_arena_t *arena = gql_arena_new(0, NULL);
    ASSERT(arena != NULL);
    bl_msg_t m;
    ASSERT_EQ_INT(BL_MSG_ACK, kind_of(arena, BL_PROTO_LEGACY, "{\"type\":\"connection_ack\"}", &m));
    ASSERT_EQ_INT(BL_MSG_IGNORE, kind_of(arena, BL_PROTO_LEGACY, "{\"type\":\"ka\"}", &m));
    ASSERT_EQ_INT(BL_MSG_RESULT,
                  kind_of(arena, BL_PROTO_LEGACY, "{\"id\":\"3\",\"type\":\"data\",\"payload\":{\"data\":{}}}", &m));
    ASSERT_EQ_STR("3", m.id);
    EXPECT(m.data != NULL && !m.has_errors);
    ASSERT_EQ_INT(BL_MSG_COMPLETE, kind_of(arena, BL_PROTO_LEGACY, "{\"id\":\"3\",\"type\":\"complete\"}", &m));
    ASSERT_EQ_INT(BL_MSG_ERROR, kind_of(arena, BL_PROTO_LEGACY,
                                        "{\"id\":\"3\",\"type\":\"error\",\"payload\":{\"message\":\"x\"}}", &m));
    EXPECT(m.has_errors);
    ASSERT_EQ_INT(BL_MSG_ERROR, kind_of(arena, BL_PROTO_LEGACY, "{\"type\":\"connection_error\",\"payload\":{}}", &m));
    EXPECT(m.id == NULL);
    ASSERT_EQ_INT(-1, kind_of(arena, BL_PROTO_LEGACY, "{\"id\":\"3\",\"type\":\"next\",\"payload\":{}}", &m));
    ASSERT_EQ_INT(-1, kind_of(arena, BL_PROTO_LEGACY, "{\"type\":\"ping\"}", &m));

    ASSERT_EQ_INT(
        BL_MSG_RESULT,
        kind_of(arena, BL_PROTO_TRANSPORT_WS,
                "{\"id\":\"1\",\"type\":\"next\",\"payload\":{\"data\":null,\"errors\":[{\"message\":\"m\"}]}}", &m));
    EXPECT(m.data == NULL && m.has_errors);
    ASSERT_EQ_INT(BL_MSG_ERROR, kind_of(arena, BL_PROTO_TRANSPORT_WS,
                                        "{\"id\":\"1\",\"type\":\"error\",\"payload\":[{\"message\":\"m\"}]}", &m));
    ASSERT_EQ_INT(BL_MSG_PING, kind_of(arena, BL_PROTO_TRANSPORT_WS, "{\"type\":\"ping\"}", &m));
    ASSERT_EQ_INT(BL_MSG_IGNORE, kind_of(arena, BL_PROTO_TRANSPORT_WS, "{\"type\":\"pong\",\"payload\":{}}", &m));
    ASSERT_EQ_INT(-1, kind_of(arena, BL_PROTO_TRANSPORT_WS, "{\"type\":\"ka\"}", &m));
    ASSERT_EQ_INT(-1, kind_of(arena, BL_PROTO_TRANSPORT_WS, "{\"type\":\"data\"}", &m));

    ASSERT_EQ_INT(BL_MSG_RESULT, kind_of(arena, BL_PROTO_HTTP, "{\"data\":{\"x\":1},\"errors\":[]}", &m));
    EXPECT(m.data != NULL && !m.has_errors);
    ASSERT_EQ_INT(-1, kind_of(arena, BL_PROTO_HTTP, "[1]", &m));
    ASSERT_EQ_INT(-1, kind_of(arena, BL_PROTO_HTTP, "{\"data\":", &m));
    ASSERT_EQ_INT(-1, kind_of(arena, BL_PROTO_LEGACY, "{\"id\":\"1\"}", &m));
    gql_arena_free(arena);
}

TEST(results_taken_apart)
{
    gql_arena_t *arena = gql_arena_new(0, NULL);
    ASSERT(arena != NULL);
    bl_msg_t m;
    const char *iban, *token, *reason;
    kind_of(arena, BL_PROTO_HTTP,
            "{\"data\":{\"get_account\":{\"iban\":\"NL66OPEN0000000001\",\"token\":\"0123\",\"reason\":null}}}", &m);
    ASSERT_EQ_INT(0, bl_proto_account(&m, &iban, &token, &reason));
    ASSERT_EQ_STR("NL66OPEN0000000001", iban);
    ASSERT_EQ_STR("0123", token);
    EXPECT(reason == NULL);
    kind_of(arena, BL_PROTO_HTTP,
            "{\"data\":{\"get_account\":{\"iban\":null,\"token\":null,\"reason\":\"incorrect password\"}}}", &m);
    ASSERT_EQ_INT(-1, bl_proto_account(&m, &iban, &token, &reason));
    ASSERT_EQ_STR("incorrect password", reason);

    bl_answer_t a;
    kind_of(arena, BL_PROTO_LEGACY,
            "{\"id\":\"9\",\"type\":\"data\",\"payload\":{\"data\":{\"money_transfer\":{\"uuid\":\"u\",\"success\":"
            "false,\"reason\":\"invalid token\"}}}}",
            &m);
    bl_proto_transfer_answer(&m, &a);
    EXPECT(a.has_result && !a.success && !a.has_errors);
    ASSERT_EQ_STR("invalid token", a.reason);
    ASSERT_EQ_STR("u", a.uuid);
    kind_of(arena, BL_PROTO_HTTP, "{\"data\":{\"money_transfer\":null},\"errors\":[{\"message\":\"timed out\"}]}", &m);
    bl_proto_transfer_answer(&m, &a);
    EXPECT(!a.has_result && a.has_errors);

    int64_t c = 1;
    kind_of(arena, BL_PROTO_HTTP,
            "{\"data\":{\"a\":[{\"new_balance\":\"\xE2\x82\xAC-1.234,56\"}],\"b\":[],\"c\":null,\"d\":[{\"new_"
            "balance\":\"12\"}]}}",
            &m);
    ASSERT_EQ_INT(0, bl_proto_balance(&m, "a", &c));
    ASSERT_EQ_INT(-123456, c);
    ASSERT_EQ_INT(0, bl_proto_balance(&m, "b", &c));
    ASSERT_EQ_INT(0, c);
    ASSERT_EQ_INT(-1, bl_proto_balance(&m, "c", &c));
    ASSERT_EQ_INT(-1, bl_proto_balance(&m, "d", &c));
    ASSERT_EQ_INT(-1, bl_proto_balance(&m, "e", &c));

    gql_buf_t t = GQL_BUF_INIT;
    kind_of(arena, BL_PROTO_HTTP, "{\"errors\":[{\"message\":\"a long message\"}]}", &m);
    bl_proto_errors_text(&m, &t, 10);
    ASSERT_EQ_STR("[{\"message...", gql_buf_cstr(&t));
    gql_buf_free(&t);
    gql_arena_free(arena);
}

TEST(names)
{
    ASSERT_EQ_INT(BL_PROTO_LEGACY, bl_proto_from_name("legacy"));
    ASSERT_EQ_INT(BL_PROTO_TRANSPORT_WS, bl_proto_from_name("graphql-transport-ws"));
    ASSERT_EQ_INT(BL_PROTO_HTTP, bl_proto_from_name("http"));
    ASSERT_EQ_INT(-1, bl_proto_from_name("graphql-ws"));
    ASSERT_EQ_STR("graphql-ws", bl_proto_subprotocol(BL_PROTO_LEGACY));
    ASSERT_EQ_STR("graphql-transport-ws", bl_proto_subprotocol(BL_PROTO_TRANSPORT_WS));
    EXPECT(bl_proto_subprotocol(BL_PROTO_HTTP) == NULL);
}

TEST_MAIN(TEST_ENTRY(requests_per_transport), TEST_ENTRY(messages_per_transport), TEST_ENTRY(results_taken_apart),
          TEST_ENTRY(names))
