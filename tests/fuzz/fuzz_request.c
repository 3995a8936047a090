/*
 * fuzz_request.c — a libFuzzer target for what a client controls in one
 * request: the document and the variables. The input is the query text,
 * optionally followed by a NUL byte and the variables as JSON:
 *
 *     query Q($id: Int!) { transaction_by_id(id: $id) { id } } \0 {"id": 3}
 *
 * It goes the way the gateway takes it: gql_json_parse on the variables
 * (strict JSON), gql_parse and gql_validate against the bank schema under
 * small limits, then, for each operation of a valid document, gql_prepare
 * (operation selection, variable coercion), gql_operation_cost (the
 * gateway's estimate before running) and gql_execute with C resolvers
 * that answer from a few fixed rows (subscriptions: one event); inputs of
 * odd length run under a response bound of 256 bytes, so the execution's
 * stop at max_response_bytes is fuzzed too. Checks: no crash, sanitizer
 * report or leak; the estimate never fails but for memory; every response
 * the engine writes is valid JSON (read back with gql_json_parse), an
 * object with "data" or "errors", and within the bound when there is one;
 * every failure comes with an error. A broken check abort()s.
 *
 * Built like fuzz_document.c: a libFuzzer binary with GW_FUZZ=ON, otherwise
 * fuzz_request_corpus, a main() that runs the seeds in corpus-request/ once
 * (the ctest fuzz.request.corpus). The bank schema is read once in
 * LLVMFuzzerInitialize (GW_BANK_SCHEMA, else GW_BANK_SCHEMA_PATH). With
 * FUZZ_REQUEST_PRINT=1 every response is printed, to see what a seed does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "gql.h"

#ifndef GW_BANK_SCHEMA_PATH
#define GW_BANK_SCHEMA_PATH "schema/bank.graphql"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_request"
#include "fuzz_main.h"

#define ROWS 5

/* A transaction row as the resolvers hand it to Transaction's fields. */
typedef struct row {
    int64_t id;
    const char *iban;
    const char *new_balance;
    const char *changed_by;
    const char *from_to;
    const char *descr;
    const char *direction;
} row_t;

static const row_t ROW_DATA[ROWS] = {
    {1, "NL66OPEN0000000001",
     "\xe2\x82\xac"
     "1.000,00",
     "\xe2\x82\xac"
     "1.000,00",
     "cash", "deposit", "CREDIT"},
    {2, "NL66OPEN0000000002",
     "\xe2\x82\xac"
     "20,00",
     "\xe2\x82\xac"
     "20,00",
     "NL66OPEN0000000001", "rent", "CREDIT"},
    {3, "NL66OPEN0000000001",
     "\xe2\x82\xac"
     "980,00",
     "\xe2\x82\xac"
     "-20,00",
     "NL66OPEN0000000002", "rent", "DEBIT"},
    {4, "NL66OPEN0000000003",
     "\xe2\x82\xac"
     "0,01",
     "\xe2\x82\xac"
     "0,01",
     "cash", "\"quoted\"\n", "CREDIT"},
    /* A wrong enum value: the engine must turn it into a field error. */
    {5, NULL, NULL, NULL, NULL, NULL, "SIDEWAYS"},
};

/* The schema with the resolvers bound, and the rows as resolver values; set
 * up once by LLVMFuzzerInitialize (libFuzzer passes no state to each input)
 * and only read afterwards. */
typedef struct fuzz_state {
    gql_schema_t *schema;
    gql_rv_t rows[ROWS];
    bool print; /* FUZZ_REQUEST_PRINT=1: print every response (for people) */
} fuzz_state_t;

static fuzz_state_t state;

static void free_state(void)
{
    gql_schema_free(state.schema);
    state.schema = NULL;
}

static void set_string(gql_rv_t *out, const char *s)
{
    if (!s)
        return; /* stays null */
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = strlen(s);
}

/* Transaction.*: the member named by the field. */
static void resolve_tx(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const row_t *r = parent;
    const char *f = info->field_name;
    if (!strcmp(f, "id")) {
        out->kind = GQL_RV_INT;
        out->u.i = r->id;
    } else if (!strcmp(f, "iban")) {
        set_string(out, r->iban);
    } else if (!strcmp(f, "new_balance")) {
        set_string(out, r->new_balance);
    } else if (!strcmp(f, "changed_by")) {
        set_string(out, r->changed_by);
    } else if (!strcmp(f, "from_to")) {
        set_string(out, r->from_to);
    } else if (!strcmp(f, "descr")) {
        set_string(out, r->descr);
    } else if (!strcmp(f, "direction")) {
        set_string(out, r->direction);
    }
}

/* Query.all_last_transactions: every row. */
static void resolve_all(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info;
    (void)parent;
    (void)args;
    out->kind = GQL_RV_LIST;
    out->u.list.items = state.rows;
    out->u.list.count = ROWS;
}

/* Query.transaction_by_id(id): the row with that id, or an error for
 * negative ids (to have field errors in responses too). */
static void resolve_by_id(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    const gql_iv_t *id = gql_arg(args, "id");
    if (!id || id->kind != GQL_IV_INT)
        return;
    if (id->u.i < 0) {
        out->kind = GQL_RV_ERROR;
        out->u.s.ptr = gql_arena_printf(info->arena, "no transaction %lld", (long long)id->u.i);
        out->u.s.len = out->u.s.ptr ? strlen(out->u.s.ptr) : 0;
        if (!out->u.s.ptr)
            out->kind = GQL_RV_NULL;
        return;
    }
    if (id->u.i >= 1 && id->u.i <= ROWS)
        *out = state.rows[id->u.i - 1];
}

/* Query.transactions_by_iban(iban, max_items): the first max_items rows. */
static void resolve_by_iban(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info;
    (void)parent;
    const gql_iv_t *max = gql_arg(args, "max_items");
    int64_t n = max && max->kind == GQL_IV_INT ? max->u.i : 0;
    out->kind = GQL_RV_LIST;
    out->u.list.items = state.rows;
    out->u.list.count = n < 0 ? 0 : n > ROWS ? ROWS : (size_t)n;
}

/* AccountResult and MoneyTransferResult: a fixed object (its fields below). */
static void resolve_result(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    (void)args;
    out->kind = GQL_RV_OBJECT;
    out->u.obj.ptr = info->field_name; /* any non-NULL pointer */
    out->u.obj.type_name = NULL;
}

static void resolve_result_field(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                 gql_rv_t *out)
{
    (void)parent;
    (void)args;
    if (!strcmp(info->field_name, "success")) {
        out->kind = GQL_RV_BOOLEAN;
        out->u.b = true;
    } else {
        set_string(out, info->field_name);
    }
}

/* Subscription.stream_transactions: the event is the row. */
static void resolve_event(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info;
    (void)args;
    if (parent) {
        out->kind = GQL_RV_OBJECT;
        out->u.obj.ptr = parent;
        out->u.obj.type_name = NULL;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("GW_BANK_SCHEMA");
    if (!path || !*path)
        path = GW_BANK_SCHEMA_PATH;
    size_t len = 0;
    char *sdl = read_file(path, &len);
    if (!sdl) {
        fprintf(stderr, "fuzz_request: cannot read the bank schema %s (set GW_BANK_SCHEMA)\n", path);
        abort();
    }
    gql_arena_t *arena = gql_arena_new(0, NULL);
    if (!arena)
        abort();
    gql_errors_t errors;
    gql_errors_init(&errors, arena, 20);
    state.schema = gql_schema_build(sdl, len, NULL, &errors, NULL);
    if (!state.schema) {
        fprintf(stderr, "fuzz_request: the bank schema does not build\n");
        abort();
    }
    gql_arena_free(arena);
    free(sdl);
    for (int i = 0; i < ROWS; i++) {
        state.rows[i].kind = GQL_RV_OBJECT;
        state.rows[i].u.obj.ptr = &ROW_DATA[i];
    }
    static const char *const tx_fields[] = {"id", "iban", "new_balance", "changed_by", "from_to", "descr", "direction"};
    static const char *const account_fields[] = {"iban", "token", "reason"};
    static const char *const transfer_fields[] = {"uuid", "success", "reason"};
    int bad = 0;
    for (size_t i = 0; i < sizeof tx_fields / sizeof *tx_fields; i++)
        bad |= gql_schema_bind(state.schema, "Transaction", tx_fields[i], resolve_tx, NULL);
    for (size_t i = 0; i < 3; i++) {
        bad |= gql_schema_bind(state.schema, "AccountResult", account_fields[i], resolve_result_field, NULL);
        bad |= gql_schema_bind(state.schema, "MoneyTransferResult", transfer_fields[i], resolve_result_field, NULL);
    }
    bad |= gql_schema_bind(state.schema, "Query", "all_last_transactions", resolve_all, NULL);
    bad |= gql_schema_bind(state.schema, "Query", "transaction_by_id", resolve_by_id, NULL);
    bad |= gql_schema_bind(state.schema, "Query", "transactions_by_iban", resolve_by_iban, NULL);
    bad |= gql_schema_bind(state.schema, "Mutation", "get_account", resolve_result, NULL);
    bad |= gql_schema_bind(state.schema, "Mutation", "money_transfer", resolve_result, NULL);
    bad |= gql_schema_bind(state.schema, "Subscription", "stream_transactions", resolve_event, NULL);
    bad |= gql_schema_bind(state.schema, "Subscription", "get_account", resolve_result, NULL);
    bad |= gql_schema_bind(state.schema, "Subscription", "money_transfer", resolve_result, NULL);
    if (bad) {
        fprintf(stderr, "fuzz_request: cannot bind the resolvers\n");
        abort();
    }
    const char *print = getenv("FUZZ_REQUEST_PRINT");
    state.print = print && *print && strcmp(print, "0") != 0;
    atexit(free_state);
    return 0;
}

/* Aborts unless `out` holds one JSON object with "data" or "errors". */
static void check_response(gql_arena_t *arena, const gql_buf_t *out)
{
    if (out->oom)
        abort();
    gql_iv_t v;
    char err[200];
    if (gql_json_parse(arena, out->data ? out->data : "", out->len, &v, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_request: the response is not JSON (%s):\n%.*s\n", err, (int)out->len,
                out->data ? out->data : "");
        abort();
    }
    if (v.kind != GQL_IV_OBJECT || (!gql_iv_get(&v, "data") && !gql_iv_get(&v, "errors"))) {
        fprintf(stderr, "fuzz_request: the response is not a GraphQL response:\n%.*s\n", (int)out->len, out->data);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t query_len = nul ? (size_t)(nul - text) : size;

    gql_arena_t *arena = gql_arena_new(0, NULL);
    if (!arena)
        return 0;
    gql_limits_t limits = gql_limits_default();
    limits.max_document_bytes = 4096;
    limits.max_tokens = 1000;
    limits.max_depth = 10;
    limits.max_fields = 200;
    limits.max_aliases = 30;
    limits.max_errors = 20;
    limits.max_response_bytes = size % 2 ? 256 : 0;

    gql_iv_t variables;
    const gql_iv_t *vars = NULL;
    if (nul) {
        char err[200] = "";
        int rc = gql_json_parse(arena, nul + 1, size - query_len - 1, &variables, err, sizeof err);
        if (rc != 0) {
            if (rc == GQL_EFAIL && !err[0]) {
                fprintf(stderr, "fuzz_request: gql_json_parse failed without a message\n");
                abort();
            }
            goto done;
        }
        /* Transports hand the engine an object or nothing (gql.h). */
        if (variables.kind != GQL_IV_OBJECT)
            goto done;
        vars = &variables;
    }

    gql_errors_t errors;
    gql_errors_init(&errors, arena, limits.max_errors);
    gql_document_t *doc = gql_parse(arena, text, query_len, &limits, &errors);
    if (!doc || gql_validate(state.schema, doc, &limits, &errors) != 0) {
        if (errors.count == 0) {
            fprintf(stderr, "fuzz_request: parse or validation failed without an error\n");
            abort();
        }
        goto done;
    }

    /* Each named operation, or the only (anonymous) one. */
    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (d->kind != GQL_DEF_OPERATION)
            continue;
        gql_request_t req = {.schema = state.schema,
                             .document = doc,
                             .operation_name = d->name,
                             .variables = vars,
                             .arena = arena,
                             .limits = &limits};
        gql_errors_t op_errors;
        gql_errors_init(&op_errors, arena, limits.max_errors);
        gql_operation_t *op = NULL;
        if (gql_prepare(&req, &op, &op_errors) != 0) {
            if (op_errors.count == 0) {
                fprintf(stderr, "fuzz_request: gql_prepare failed without an error\n");
                abort();
            }
            continue;
        }
        static const char *const size_args[] = {"max_items", NULL};
        gql_cost_options_t cost_options = {.default_list_size = 100, .size_args = size_args};
        uint64_t cost = 0;
        int crc = gql_operation_cost(op, &cost_options, &cost);
        if (crc != 0 && crc != GQL_ENOMEM) {
            fprintf(stderr, "fuzz_request: gql_operation_cost returned %d\n", crc);
            abort();
        }
        const void *root = gql_operation_type(op) == GQL_OP_SUBSCRIPTION ? (const void *)&ROW_DATA[2] : NULL;
        gql_buf_t out = GQL_BUF_INIT;
        int rc = gql_execute(op, root, &out);
        if (rc == 0) {
            check_response(arena, &out);
            if (limits.max_response_bytes != 0 && out.len > limits.max_response_bytes) {
                fprintf(stderr, "fuzz_request: a response of %zu bytes passed the bound of %zu\n", out.len,
                        limits.max_response_bytes);
                abort();
            }
            if (state.print)
                printf("%.*s\n", (int)out.len, out.data);
        } else if (rc != GQL_ENOMEM) {
            fprintf(stderr, "fuzz_request: gql_execute returned %d\n", rc);
            abort();
        }
        gql_buf_free(&out);
    }

done:
    gql_arena_free(arena);
    return 0;
}
