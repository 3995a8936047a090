/*
 * bench.c — what --bench adds besides the static transaction list: a
 * Mutation.money_transfer that answers GW_BENCH_DELAY_MS later through
 * gw_pending_hold/gw_pending_resume, standing in for the command handler's
 * round trip over Kafka. It exercises the answered-later path of the HTTP
 * handler (a request in flight across loop iterations, graceful shutdown
 * waiting for it, clients leaving before the answer) until the real
 * resolver exists.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* The answer of a transfer, as MoneyTransferResult's resolvers read it. */
typedef struct transfer_result {
    const char *uuid;
    bool success;
} transfer_result_t;

/* One transfer waiting for its timer. malloc'd; freed when it fires. */
typedef struct bench_transfer {
    h2o_timeout_entry_t entry;
    gw_pending_t *pending;
    const char *uuid; /* in the pending request's arena */
} bench_transfer_t;

static void on_transfer_timer(h2o_timeout_entry_t *entry)
{
    bench_transfer_t *b = H2O_STRUCT_FROM_MEMBER(bench_transfer_t, entry, entry);
    gql_rv_t v = {.kind = GQL_RV_NULL};
    transfer_result_t *r = gql_arena_alloc(gw_pending_arena(b->pending), sizeof *r);
    if (r != NULL) {
        r->uuid = b->uuid;
        r->success = true;
        v.kind = GQL_RV_OBJECT;
        v.u.obj.ptr = r;
    }
    gw_pending_resume(b->pending, &v);
    free(b);
}

static void resolve_money_transfer(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                   gql_rv_t *out)
{
    (void)parent;
    gw_thread_t *t = info->context;
    const gql_iv_t *uuid = gql_arg(args, "uuid");
    bench_transfer_t *b = calloc(1, sizeof *b);
    gw_pending_t *p = b != NULL ? gw_pending_hold(info) : NULL;
    if (p == NULL) {
        free(b);
        out->kind = GQL_RV_ERROR;
        out->u.s.ptr = "cannot wait for the transfer";
        out->u.s.len = strlen(out->u.s.ptr);
        return;
    }
    b->pending = p;
    b->uuid = uuid != NULL && uuid->kind == GQL_IV_STRING ? uuid->u.s.ptr : NULL;
    b->entry.cb = on_transfer_timer;
    h2o_timeout_link(t->ctx.loop, &t->bench_timeout, &b->entry);
    out->kind = GQL_RV_PENDING;
}

static void resolve_uuid(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    const transfer_result_t *r = parent;
    if (r->uuid != NULL) {
        out->kind = GQL_RV_STRING;
        out->u.s.ptr = r->uuid;
        out->u.s.len = strlen(r->uuid);
    }
}

static void resolve_success(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    out->kind = GQL_RV_BOOLEAN;
    out->u.b = ((const transfer_result_t *)parent)->success;
}

int gw_bench_bind(gql_schema_t *schema)
{
    if (gql_schema_bind(schema, "Mutation", "money_transfer", resolve_money_transfer, NULL) != 0 ||
        gql_schema_bind(schema, "MoneyTransferResult", "uuid", resolve_uuid, NULL) != 0 ||
        gql_schema_bind(schema, "MoneyTransferResult", "success", resolve_success, NULL) != 0)
        return GQL_EINVAL;
    return 0; /* reason stays unbound: null */
}

void gw_bench_thread_end(gw_thread_t *t)
{
    /* fire what is left: each resume sees its client gone and frees */
    while (!h2o_linklist_is_empty(&t->bench_timeout._entries)) {
        h2o_timeout_entry_t *e = H2O_STRUCT_FROM_MEMBER(h2o_timeout_entry_t, _link, t->bench_timeout._entries.next);
        h2o_timeout_unlink(e);
        e->cb(e);
    }
}
