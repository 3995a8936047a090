/*
 * fuzz_ws_message.c — a libFuzzer target for what both GraphQL-over-
 * WebSocket protocols do with a client's message before any operation
 * exists: the message text through the engine's JSON reader into the
 * connection's scratch arena, its "type", "id" and "payload" checked as
 * graphql-transport-ws (subscribe) and the legacy graphql-ws (start)
 * check them, the payload's parameters read by gw_params_from_object, and
 * copied by gw_params_copy into the operation's own arena — after which
 * the scratch arena is freed, as ws_protocol.c resets it after every
 * message.
 *
 * serve/ws_protocol.c itself is tied to its connection (a wsp_conn_t, the
 * socket, the subscription registry), so this target replays its steps on
 * the same functions rather than calling it: gql_json_parse,
 * gw_params_from_object and gw_params_copy are the code under test; the
 * message checks are ws_protocol.c's conditions, repeated here.
 *
 * Input: one WebSocket text message (the decoder hands out only valid
 * UTF-8; other inputs are skipped). Checks: the reader never fails without
 * a message; the parameters satisfy exec.h (a query, variables and
 * extensions objects or NULL); the copy is deep: once the scratch arena is
 * gone it still holds the same query, operation name, and variables and
 * extensions that write the same JSON (ASan reports any pointer left into
 * the freed arena); the JSON writer's output reads back and writes the same
 * (for a ping's payload, which the transport echoes in its pong). A broken
 * check abort()s.
 *
 * Built as fuzz_ws_message (GW_FUZZ=ON) or fuzz_ws_message_corpus (the
 * ctest fuzz.ws_message.corpus over corpus-ws-message/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "gql.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_ws_message"
#include "fuzz_main.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* v written as JSON, read back, written again: the same text. */
static void check_writer(const gql_iv_t *v)
{
    gql_buf_t a = GQL_BUF_INIT, b = GQL_BUF_INIT;
    gql_iv_write_json(v, &a);
    CHECK(!a.oom);
    gql_arena_t *arena = gql_arena_new(0, NULL);
    CHECK(arena != NULL);
    gql_iv_t back;
    char err[160];
    if (gql_json_parse(arena, a.data, a.len, &back, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_ws_message: the writer's output does not read back (%s): %.*s\n", err, (int)a.len,
                a.data);
        abort();
    }
    gql_iv_write_json(&back, &b);
    CHECK(!b.oom && a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    gql_arena_free(arena);
    gql_buf_free(&a);
    gql_buf_free(&b);
}

/* The JSON of an optional value ("-" for NULL), appended to `out`. */
static void put_value(gql_buf_t *out, const gql_iv_t *v)
{
    if (v == NULL)
        gql_buf_putc(out, '-');
    else
        gql_iv_write_json(v, out);
    gql_buf_putc(out, '\n');
}

/* subscribe / start: the payload's parameters, copied out of the scratch
 * arena, which is then freed. */
static void start(gql_arena_t *scratch, const gql_iv_t *payload)
{
    gw_params_t p, copy;
    const char *bad = gw_params_from_object(payload, &p);
    if (bad != NULL) {
        CHECK(bad[0] != '\0');
        gql_arena_free(scratch);
        return;
    }
    CHECK(p.query != NULL || p.document_id != NULL || p.extensions != NULL);
    CHECK(p.variables == NULL || p.variables->kind == GQL_IV_OBJECT);
    CHECK(p.extensions == NULL || p.extensions->kind == GQL_IV_OBJECT);
    gql_buf_t before = GQL_BUF_INIT, after = GQL_BUF_INIT;
    if (p.query != NULL)
        gql_buf_append(&before, p.query, p.query_len);
    gql_buf_putc(&before, '\n');
    gql_buf_puts(&before, p.document_id ? p.document_id : "-");
    gql_buf_putc(&before, '\n');
    gql_buf_puts(&before, p.operation_name ? p.operation_name : "-");
    gql_buf_putc(&before, '\n');
    put_value(&before, p.variables);
    put_value(&before, p.extensions);
    gql_arena_t *keep = gql_arena_new(2048, NULL);
    CHECK(keep != NULL);
    int rc = gw_params_copy(keep, &p, &copy);
    gql_arena_free(scratch); /* ws_protocol.c resets it after each message */
    if (rc == 0) {
        if (copy.query != NULL)
            gql_buf_append(&after, copy.query, copy.query_len);
        gql_buf_putc(&after, '\n');
        gql_buf_puts(&after, copy.document_id ? copy.document_id : "-");
        gql_buf_putc(&after, '\n');
        gql_buf_puts(&after, copy.operation_name ? copy.operation_name : "-");
        gql_buf_putc(&after, '\n');
        put_value(&after, copy.variables);
        put_value(&after, copy.extensions);
        CHECK(!before.oom && !after.oom);
        if (before.len != after.len || memcmp(before.data, after.data, before.len) != 0) {
            fprintf(stderr, "fuzz_ws_message: the copied parameters differ:\n%s\n--\n%s\n", gql_buf_cstr(&before),
                    gql_buf_cstr(&after));
            abort();
        }
    } else {
        CHECK(rc == GW_ENOMEM);
    }
    gql_arena_free(keep);
    gql_buf_free(&before);
    gql_buf_free(&after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (!gql_utf8_valid(text, size))
        return 0; /* the decoder closes 1007 before a protocol sees it */
    gql_arena_t *scratch = gql_arena_new(0, NULL);
    if (scratch == NULL)
        return 0;
    gql_iv_t msg;
    char err[160] = "";
    if (gql_json_parse(scratch, text, size, &msg, err, sizeof err) != 0) {
        CHECK(err[0] != '\0'); /* the legacy protocol sends it as connection_error */
        gql_arena_free(scratch);
        return 0;
    }
    const gql_iv_t *type = msg.kind == GQL_IV_OBJECT ? gql_iv_get(&msg, "type") : NULL;
    if (type == NULL || type->kind != GQL_IV_STRING) {
        gql_arena_free(scratch);
        return 0;
    }
    const gql_iv_t *id = gql_iv_get(&msg, "id");
    const gql_iv_t *payload = gql_iv_get(&msg, "payload");
    const char *t = type->u.s.ptr;
    bool id_ok = id != NULL && id->kind == GQL_IV_STRING && id->u.s.len > 0 && id->u.s.len <= 128;
    if (payload != NULL && payload->kind == GQL_IV_OBJECT &&
        (strcmp(t, "ping") == 0 || strcmp(t, "connection_init") == 0))
        check_writer(payload);
    if ((strcmp(t, "subscribe") == 0 || strcmp(t, "start") == 0) && id_ok && payload != NULL &&
        payload->kind == GQL_IV_OBJECT) {
        start(scratch, payload); /* frees scratch */
        return 0;
    }
    gql_arena_free(scratch);
    return 0;
}
