/*
 * bank.c — the bank schema's Query fields over a gw_bank_store_t (bank.h).
 *
 * Root fields put gw_transaction_t pointers in GQL_RV_OBJECT values; the
 * Transaction fields read them through a small table of member offsets.
 * Results point into the store (which outlives every request) or into the
 * request arena.
 */
#include "bank.h"

#include <stddef.h>
#include <string.h>

#define MAX_LIST 1000 /* most transactions one list field returns */

typedef enum member_kind {
    M_INT,
    M_STRING,
    M_ENUM,
} member_kind_t;

typedef struct member {
    const char *field;
    size_t offset;
    member_kind_t kind;
} member_t;

static const member_t TRANSACTION_MEMBERS[] = {
    {"id", offsetof(gw_transaction_t, id), M_INT},
    {"iban", offsetof(gw_transaction_t, iban), M_STRING},
    {"new_balance", offsetof(gw_transaction_t, new_balance), M_STRING},
    {"changed_by", offsetof(gw_transaction_t, changed_by), M_STRING},
    {"from_to", offsetof(gw_transaction_t, from_to), M_STRING},
    {"direction", offsetof(gw_transaction_t, direction), M_ENUM},
    {"descr", offsetof(gw_transaction_t, descr), M_STRING},
};

static void resolve_member(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const member_t *m = info->field_data;
    const char *base = parent;
    if (base == NULL)
        return;
    if (m->kind == M_INT) {
        out->kind = GQL_RV_INT;
        out->u.i = *(const int64_t *)(base + m->offset);
        return;
    }
    const char *s = *(const char *const *)(base + m->offset);
    if (s == NULL)
        return;
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = strlen(s);
}

/* A list value of `n` transactions, in the request arena. */
static void transaction_list(const gql_resolve_info_t *info, const gw_transaction_t **rows, size_t n, gql_rv_t *out)
{
    gql_rv_t *items = n ? gql_arena_alloc(info->arena, n * sizeof *items) : NULL;
    if (n && items == NULL) {
        out->kind = GQL_RV_ERROR;
        out->u.s.ptr = "out of memory";
        out->u.s.len = strlen(out->u.s.ptr);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        items[i].kind = GQL_RV_OBJECT;
        items[i].u.obj.ptr = rows[i];
        items[i].u.obj.type_name = NULL;
    }
    out->kind = GQL_RV_LIST;
    out->u.list.items = items;
    out->u.list.count = n;
}

static void resolve_all_last(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    const gw_bank_store_t *st = info->field_data;
    const gw_transaction_t **rows = gql_arena_alloc(info->arena, MAX_LIST * sizeof *rows);
    if (rows == NULL)
        return;
    size_t n = st->ops->last_transactions(st->self, rows, MAX_LIST);
    transaction_list(info, rows, n, out);
}

static void resolve_by_id(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    const gw_bank_store_t *st = info->field_data;
    const gql_iv_t *id = gql_arg(args, "id");
    if (id == NULL || id->kind != GQL_IV_INT)
        return;
    const gw_transaction_t *t = st->ops->transaction_by_id(st->self, id->u.i);
    if (t != NULL) {
        out->kind = GQL_RV_OBJECT;
        out->u.obj.ptr = t;
    }
}

static void resolve_by_iban(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    const gw_bank_store_t *st = info->field_data;
    const gql_iv_t *iban = gql_arg(args, "iban");
    const gql_iv_t *max = gql_arg(args, "max_items");
    if (iban == NULL || iban->kind != GQL_IV_STRING)
        return;
    size_t limit = MAX_LIST;
    if (max != NULL && max->kind == GQL_IV_INT)
        limit = max->u.i < 0 ? 0 : (max->u.i < MAX_LIST ? (size_t)max->u.i : MAX_LIST);
    const gw_transaction_t **rows = gql_arena_alloc(info->arena, (limit ? limit : 1) * sizeof *rows);
    if (rows == NULL)
        return;
    size_t n = st->ops->transactions_by_iban(st->self, iban->u.s.ptr, rows, limit);
    transaction_list(info, rows, n, out);
}

static void note_missing(gql_buf_t *missing, const char *type, const char *field)
{
    if (missing == NULL)
        return;
    if (missing->len)
        gql_buf_puts(missing, ", ");
    gql_buf_printf(missing, "%s.%s", type, field);
}

int gw_bank_bind(gql_schema_t *schema, const gw_bank_store_t *store, gql_buf_t *missing)
{
    static const struct {
        const char *field;
        gql_resolver_fn fn;
    } QUERY[] = {
        {"all_last_transactions", resolve_all_last},
        {"transaction_by_id", resolve_by_id},
        {"transactions_by_iban", resolve_by_iban},
    };
    int bound = 0;
    for (size_t i = 0; i < sizeof QUERY / sizeof *QUERY; i++) {
        if (gql_schema_bind(schema, "Query", QUERY[i].field, QUERY[i].fn, (void *)store) == 0)
            bound++;
        else
            note_missing(missing, "Query", QUERY[i].field);
    }
    for (size_t i = 0; i < sizeof TRANSACTION_MEMBERS / sizeof *TRANSACTION_MEMBERS; i++) {
        const member_t *m = &TRANSACTION_MEMBERS[i];
        if (gql_schema_bind(schema, "Transaction", m->field, resolve_member, (void *)m) == 0)
            bound++;
        else
            note_missing(missing, "Transaction", m->field);
    }
    if (missing != NULL && missing->oom)
        return GQL_ENOMEM;
    return bound;
}
