/*
 * execute.c — execution of a validated operation (spec §6): operation
 * selection and variable coercion (gql_prepare), field collection with
 * fragments and @skip/@include, argument coercion, resolver calls, value
 * completion with null propagation, serial mutations, top-level resolvers
 * that answer later (GQL_RV_PENDING + gql_resume), and the two steps of
 * subscriptions.
 *
 * Design, for speed:
 *  - Field collection is done once per (object type, merged field nodes) and
 *    kept as a plan: each planned field knows its schema field, its coerced
 *    arguments, the locations of its nodes and its pre-rendered `,"key":`
 *    prefix. A list of a hundred rows collects its row's fields once, not a
 *    hundred times; a subscription reuses the plans for every event.
 *  - Plans outlive the request when the document comes from the document
 *    cache (gql_request_t.cached): they are kept in the cache entry's arena,
 *    so a cached query only coerces its variables and executes. What a plan
 *    holds must then not depend on the request: the @skip/@include decisions
 *    that read variables are part of the key (a "variant": the operation and
 *    the truth of every variable an `if:` reads), and arguments that use
 *    variables are not kept in the plan but coerced per request into a slot
 *    of the operation (exec_args_t, on first use). See "Plans kept with a
 *    cached document" below for the bounds. Documents parsed without the
 *    cache get plans of their own in the request arena, as before.
 *  - The response is written straight into the caller's gql_buf_t in
 *    selection order. Null propagation truncates the buffer back to where the
 *    nearest nullable value started and writes `null` there.
 *  - The response is bounded by limits.max_response_bytes while it is
 *    written: before each field of an object and each item of a list the
 *    bytes written so far are compared with the bound; past it the
 *    completion unwinds (C_ABORT, no null propagation, no more resolvers)
 *    and finish() replaces the response with the RESPONSE_TOO_LARGE error.
 *    So a hostile query costs at most the bound in memory and the time to
 *    write it, never the whole answer it asked for.
 *  - Errors are collected in the operation's gql_errors_t; since they come
 *    first in the response, they are spliced in front of "data" at the end
 *    (only when there are any).
 *
 * Ownership: the operation and everything it builds (plans, coerced values,
 * error messages) live in the request arena (gql_request_t.arena), except
 * the plans of a cached document, which live in the cache entry's arena and
 * die with the entry (the caller holds the entry while the operation lives).
 * Resolvers are handed the execution's arena for their results. The response
 * bytes belong to the caller's buffer.
 */
#include "execute_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a completed value turned out. */
enum {
    C_VALUE = 0, /* a value was written */
    C_NULL,      /* null was written (no error) */
    C_ERRNULL,   /* null was written because of a field error already reported */
    C_FAIL,      /* a non-null position got null: the caller truncates to its start */
    C_ABORT,     /* the response passed max_response_bytes: unwind, write nothing more */
};

typedef enum leaf_kind { LEAF_CUSTOM = 0, LEAF_INT, LEAF_FLOAT, LEAF_STRING, LEAF_BOOLEAN, LEAF_ID } leaf_kind_t;

typedef struct exec_plan exec_plan_t;

/* A plan for the selection of one object type: the fields CollectFields
 * yields, in order, merged by response key. */
typedef struct plan_slot {
    const gql_type_t *type;
    exec_plan_t *plan;
} plan_slot_t;

/* The coerced arguments of one planned field (spec CoerceArgumentValues). */
typedef struct exec_args {
    gql_args_t args;
    const char *error;   /* coercion failed: the field error, else NULL */
    gql_loc_t error_loc; /* where: the field, or the value node at fault */
} exec_args_t;

/* exec_field_t.fixed.error of a field whose arguments are coerced per
 * request: not an error, a pointer that sends resolve() to the slot. */
static const char PER_REQUEST[] = "(arguments coerced per request)";

typedef struct exec_field {
    const char *key;    /* response key */
    const char *prefix; /* ,"key": (the first field of an object skips the comma) */
    size_t prefix_len;
    const gql_field_t *def;        /* the schema field */
    const char *parent_name;       /* the object type the field was collected on */
    bool is_typename;              /* __typename: answered here, no resolver */
    leaf_kind_t leaf;              /* for scalar return types */
    bool scalar;                   /* the type is a scalar S or S!: values may take the fast path */
    const gql_selection_t **nodes; /* merged field nodes, in document order */
    size_t nnodes;
    gql_loc_t *locs; /* their locations, for errors */
    /* The arguments: `fixed` when they use no variable, or when the plan is
     * the operation's own; else arg_slot is n > 0, fixed.error is
     * PER_REQUEST and they are coerced per request into the operation's slot
     * n - 1 (field_args). So the hot path tests fixed.error alone. */
    exec_args_t fixed;
    uint32_t arg_slot;
    /* Child plans per runtime object type, built on first use. */
    plan_slot_t one;
    plan_slot_t *more;
    size_t nmore, capmore;
    const gql_type_t *last_runtime; /* abstract return types: the last type resolved */
} exec_field_t;

struct exec_plan {
    const gql_type_t *type;
    exec_field_t *fields;
    size_t count;
};

/* Plans kept with a cached document (gql__doc_plans_new), all in the cache
 * entry's arena.
 *
 * A variant is one way an operation of the document runs: the same plans
 * serve every request whose variables give the same truth to each variable
 * that an @skip/@include `if:` of the document reads (bit i of `mask` for
 * dvars[i]; an absent or non-boolean variable counts as false, as
 * directive_if reads it). The plans of a variant are exactly those one
 * request would build for itself: the root plan, then one plan per (planned
 * field, runtime object type) met, built on first use and shared from then
 * on.
 *
 * Bounds: at most PLAN_MAX_VARIANTS variants per operation of the document
 * (beyond that, and for documents with more than 64 such variables, requests
 * plan for themselves as uncached documents do); each variant holds at most
 * one plan per (planned field, object type), so at most the plans of one
 * execution of today's uncached path, which validation bounds (fields,
 * depth and the fragment work budget of the document). All of it is freed
 * with the entry; the document cache bounds the entries. */
#define PLAN_MAX_VARIANTS 8

typedef struct plan_variant {
    uint64_t mask;
    exec_plan_t *root; /* NULL until the first request of the variant plans it */
    uint32_t nslots;   /* argument slots handed out by its plans (arguments with variables) */
} plan_variant_t;

typedef struct plan_op {
    const gql_definition_t *def;
    plan_variant_t variants[PLAN_MAX_VARIANTS];
    size_t nvariants;
} plan_op_t;

struct gql__doc_plans {
    gql_arena_t *arena; /* the cache entry's: owns this struct and every plan */
    const gql_schema_t *schema;
    const gql_document_t *doc;
    const char **dvars; /* variables read by an @skip/@include `if:`, each once */
    size_t ndvars;
    bool too_many;   /* more than 64 dvars: no plan is kept */
    plan_op_t **ops; /* one per operation run so far */
    size_t nops, capops;
};

struct gql_operation {
    const gql_schema_t *schema;
    const gql_document_t *doc;
    const gql_definition_t *def;
    gql_arena_t *arena;
    void *context;
    const void *request_root;
    gql_limits_t limits;
    gql_iv_t vars; /* coerced variables, an object; absent variables are not in it */
    const gql_type_t *root_type;
    exec_plan_t *root_plan;
    uint64_t sub_key;
    const char *sub_vars; /* subscriptions: the coerced variables as JSON, in arena (the key's content) */
    size_t sub_vars_len;
    /* With a cached document: the plans are the variant's, in plan_arena;
     * arguments that use variables are coerced into slots (NULL until
     * first used). Without: variant is NULL and plan_arena is `arena`. */
    plan_variant_t *variant;
    gql_arena_t *plan_arena;
    exec_args_t **slots;
    size_t nslots;

    /* State of the execution in progress. */
    gql_arena_t *scratch; /* this execution's allocations: the request arena, or gql_execute_scratch's */
    gql_errors_t errors;
    gql_buf_t *out;
    const void *root;
    size_t base;       /* where this response starts in out */
    size_t data_start; /* where the value of "data" starts */
    size_t next;       /* the next root field to run (or the pending one) */
    bool running;
    bool internal; /* an internal failure (out of memory) */
    bool data_null;
    bool too_large; /* the response passed limits.max_response_bytes: finish() answers the error */
};

/* ------------------------------------------------------------------------ */
/* Output: the hot writers                                                   */
/* ------------------------------------------------------------------------ */

/* Appends n bytes; inline for the common case of enough room. */
static inline void put(gql_buf_t *b, const char *p, size_t n)
{
    if (b->len + n < b->cap) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    } else {
        gql_buf_append(b, p, n);
    }
}

/* Appends a field's `,"key":` prefix (skipping the comma for the first
 * field). Prefixes are padded to 16-byte chunks, so with room for the
 * padding the copy is a few fixed-size moves instead of a memcpy call. */
static inline void put_prefix(gql_buf_t *b, const exec_field_t *f, bool first)
{
    const char *src = f->prefix + first;
    size_t n = f->prefix_len - first;
    if (b->len + n + 16 < b->cap) {
        char *d = b->data + b->len;
        for (size_t k = 0; k < n; k += 16)
            memcpy(d + k, src + k, 16);
        b->len += n;
        return;
    }
    gql_buf_append(b, src, n);
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether s[0..n) can be written between quotes as it is: no control
 * characters, quotes or backslashes, and valid UTF-8. Eight bytes at a time
 * while they are plain ASCII. */
static bool json_clean(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            uint64_t ctrl = (w - ONES * 0x20) & ~w;
            uint64_t q = w ^ (ONES * '"'), bs = w ^ (ONES * '\\');
            uint64_t special = ctrl | ((q - ONES) & ~q) | ((bs - ONES) & ~bs) | w;
            if ((special & HIGHS) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == '"' || c == '\\')
                return false;
            i++;
            continue;
        }
        /* A UTF-8 sequence: accept only well-formed ones (else the slow
         * writer replaces bytes with U+FFFD). */
        size_t len;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0)
            len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
            len = 4, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* A JSON string literal: one copy when nothing needs escaping. */
static inline void put_string(gql_buf_t *b, const char *s, size_t n)
{
    /* One pass: copy eight bytes at a time while they are plain ASCII; at
     * the first chunk that is not, check the rest (UTF-8 included) and copy
     * it whole, or hand the string to the escaping writer. */
    if (b->len + n + 10 >= b->cap && !gql_buf_reserve(b, n + 10))
        return;
    char *d = b->data + b->len;
    size_t i = 0;
    d[0] = '"';
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t ctrl = (w - ONES * 0x20) & ~w;
        uint64_t q = w ^ (ONES * '"'), bs = w ^ (ONES * '\\');
        if (((ctrl | ((q - ONES) & ~q) | ((bs - ONES) & ~bs) | w) & HIGHS) != 0)
            break;
        memcpy(d + 1 + i, &w, 8);
    }
    if (i < n) {
        if (!json_clean((const unsigned char *)s + i, n - i)) {
            gql_buf_json_string(b, s, n); /* nothing was counted yet */
            return;
        }
        memcpy(d + 1 + i, s + i, n - i);
    }
    d[n + 1] = '"';
    b->len += n + 2;
}

/* A name known to need no escaping (enum values), quoted. */
static inline void put_name(gql_buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 2 < b->cap || gql_buf_reserve(b, n + 2)) {
        char *d = b->data + b->len;
        d[0] = '"';
        memcpy(d + 1, s, n);
        d[n + 1] = '"';
        b->len += n + 2;
    }
}

/* Whether this response has passed limits.max_response_bytes; then marks
 * the execution too large, and the caller unwinds with C_ABORT. Checked
 * before each field of an object (root fields included) and each item of a
 * list, so the buffer passes the bound by at most one value written between
 * two checks (one leaf, or one object's opening). */
static inline bool over_limit(gql_operation_t *op)
{
    size_t max = op->limits.max_response_bytes;
    if (max == 0 || op->out->len - op->base <= max)
        return false;
    op->too_large = true;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

static void field_error(gql_operation_t *op, const exec_field_t *ef, const gql_path_t *path, const char *fmt, ...)
    GQL_PRINTF(4, 5);

static void field_error(gql_operation_t *op, const exec_field_t *ef, const gql_path_t *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gql_errors_vadd(&op->errors, NULL, path, ef->locs, ef->nnodes, fmt, ap);
    va_end(ap);
}

static const char *inspect_rv(gql_arena_t *a, const gql_rv_t *rv);

static void inspect_rv_list(gql_arena_t *a, const gql_rv_t *rv, gql_buf_t *b, int depth)
{
    size_t n = rv->u.list.count;
    if (n == 0) {
        gql_buf_puts(b, "[]");
        return;
    }
    if (depth > 2) {
        gql_buf_puts(b, "[Array]");
        return;
    }
    size_t shown = n < 10 ? n : 10;
    gql_buf_putc(b, '[');
    for (size_t i = 0; i < shown; i++) {
        const gql_rv_t *it = &rv->u.list.items[i];
        if (i)
            gql_buf_puts(b, ", ");
        if (it->kind == GQL_RV_LIST)
            inspect_rv_list(a, it, b, depth + 1);
        else
            gql_buf_puts(b, inspect_rv(a, it));
    }
    if (n - shown == 1)
        gql_buf_puts(b, ", ... 1 more item");
    else if (n > shown)
        gql_buf_printf(b, ", ... %zu more items", n - shown);
    gql_buf_putc(b, ']');
}

/* A resolved value as graphql-js inspect() would show it. */
static const char *inspect_rv(gql_arena_t *a, const gql_rv_t *rv)
{
    gql_iv_t v;
    memset(&v, 0, sizeof(v));
    switch (rv->kind) {
    case GQL_RV_BOOLEAN:
        v.kind = GQL_IV_BOOLEAN;
        v.u.b = rv->u.b;
        break;
    case GQL_RV_INT:
        v.kind = GQL_IV_INT;
        v.u.i = rv->u.i;
        break;
    case GQL_RV_FLOAT:
        v.kind = GQL_IV_FLOAT;
        v.u.f = rv->u.f;
        break;
    case GQL_RV_STRING:
        v.kind = GQL_IV_STRING;
        v.u.s.ptr = gql_arena_strndup(a, rv->u.s.ptr, rv->u.s.len);
        v.u.s.len = rv->u.s.len;
        if (v.u.s.ptr == NULL)
            return "?";
        break;
    case GQL_RV_JSON:
        return gql_arena_strndup(a, rv->u.s.ptr, rv->u.s.len);
    case GQL_RV_OBJECT:
        return "{}"; /* opaque to the engine */
    case GQL_RV_LIST: {
        /* inspect() shows a list's items (up to 10, two levels deep). */
        gql_buf_t b = GQL_BUF_INIT;
        inspect_rv_list(a, rv, &b, 1);
        const char *r = b.oom ? "[]" : gql_arena_strndup(a, b.data, b.len);
        gql_buf_free(&b);
        return r;
    }
    default:
        return "null";
    }
    return gql__inspect_iv(a, &v);
}

/* ------------------------------------------------------------------------ */
/* Field collection (spec §6.3.2 CollectFields) into plans                   */
/* ------------------------------------------------------------------------ */

typedef struct centry {
    const char *key;
    const gql_selection_t **nodes;
    size_t n, cap;
} centry_t;

/* CollectFields in progress. Its arrays are temporaries in `tmp` (the
 * execution's scratch arena); build_plan copies what a plan keeps. */
typedef struct collector {
    gql_operation_t *op;
    gql_arena_t *tmp;
    const gql_type_t *type;
    centry_t *e;
    size_t n, cap;
    const char **visited; /* fragment names already spread */
    size_t nvisited, capvisited;
    bool oom;
} collector_t;

static bool grow(gql_arena_t *a, void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = gql_arena_alloc_raw(a, ncap * elem);
    if (p == NULL)
        return false;
    if (n)
        memcpy(p, *arr, n * elem);
    *arr = p;
    *cap = ncap;
    return true;
}

/* The value of `if` of @skip/@include: a literal or a variable. */
static bool directive_if(const gql_operation_t *op, const gql_directive_t *d)
{
    for (size_t i = 0; i < d->nargs; i++) {
        if (strcmp(d->args[i].name, "if") != 0)
            continue;
        const gql_value_t *v = d->args[i].value;
        if (v->kind == GQL_VALUE_BOOLEAN)
            return v->boolean;
        if (v->kind == GQL_VALUE_VARIABLE) {
            const gql_iv_t *iv = gql_iv_get(&op->vars, v->str);
            return iv != NULL && iv->kind == GQL_IV_BOOLEAN && iv->u.b;
        }
    }
    return false;
}

/* Spec §6.3.2 steps for @skip and @include. */
static bool should_include(const gql_operation_t *op, const gql_directive_t *dirs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = dirs[i].name;
        if (name[0] == 's' && strcmp(name, "skip") == 0 && directive_if(op, &dirs[i]))
            return false;
        if (name[0] == 'i' && strcmp(name, "include") == 0 && !directive_if(op, &dirs[i]))
            return false;
    }
    return true;
}

/* DoesFragmentTypeApply. */
static bool type_applies(const gql_operation_t *op, const gql_type_t *obj, const char *cond)
{
    if (cond == NULL)
        return true;
    const gql_type_t *t = gql_schema_type(op->schema, cond);
    if (t == NULL)
        return false;
    if (t == obj)
        return true;
    if (t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION)
        return gql_type_is_possible(t, obj);
    return false;
}

static const gql_definition_t *find_fragment(const gql_operation_t *op, const char *name)
{
    const gql_document_t *d = op->doc;
    for (size_t i = 0; i < d->count; i++)
        if (d->definitions[i].kind == GQL_DEF_FRAGMENT && strcmp(d->definitions[i].name, name) == 0)
            return &d->definitions[i];
    return NULL;
}

static void collect(collector_t *c, const gql_selection_set_t *set)
{
    gql_operation_t *op = c->op;
    for (size_t i = 0; i < set->count && !c->oom; i++) {
        const gql_selection_t *sel = &set->items[i];
        if (sel->ndirectives && !should_include(op, sel->directives, sel->ndirectives))
            continue;
        switch (sel->kind) {
        case GQL_SEL_FIELD: {
            const char *key = gql_selection_key(sel);
            centry_t *e = NULL;
            for (size_t k = 0; k < c->n; k++) {
                if (c->e[k].key == key || strcmp(c->e[k].key, key) == 0) {
                    e = &c->e[k];
                    break;
                }
            }
            if (e == NULL) {
                if (!grow(c->tmp, (void **)&c->e, &c->cap, c->n, sizeof(*c->e))) {
                    c->oom = true;
                    return;
                }
                e = &c->e[c->n++];
                memset(e, 0, sizeof(*e));
                e->key = key;
            }
            if (!grow(c->tmp, (void **)&e->nodes, &e->cap, e->n, sizeof(*e->nodes))) {
                c->oom = true;
                return;
            }
            e->nodes[e->n++] = sel;
            break;
        }
        case GQL_SEL_INLINE_FRAGMENT:
            if (type_applies(op, c->type, sel->type_condition))
                collect(c, &sel->selection_set);
            break;
        case GQL_SEL_FRAGMENT_SPREAD: {
            bool seen = false;
            for (size_t k = 0; k < c->nvisited && !seen; k++)
                seen = strcmp(c->visited[k], sel->name) == 0;
            if (seen)
                continue;
            if (!grow(c->tmp, (void **)&c->visited, &c->capvisited, c->nvisited, sizeof(*c->visited))) {
                c->oom = true;
                return;
            }
            c->visited[c->nvisited++] = sel->name;
            const gql_definition_t *frag = find_fragment(op, sel->name);
            if (frag != NULL && type_applies(op, c->type, frag->type_condition))
                collect(c, &frag->selection_set);
            break;
        }
        }
    }
}

static leaf_kind_t leaf_of(const gql_type_t *named)
{
    if (named->kind != GQL_KIND_SCALAR || !named->builtin || named->name == NULL)
        return LEAF_CUSTOM;
    const char *n = named->name;
    if (strcmp(n, "Int") == 0)
        return LEAF_INT;
    if (strcmp(n, "Float") == 0)
        return LEAF_FLOAT;
    if (strcmp(n, "String") == 0)
        return LEAF_STRING;
    if (strcmp(n, "Boolean") == 0)
        return LEAF_BOOLEAN;
    if (strcmp(n, "ID") == 0)
        return LEAF_ID;
    return LEAF_CUSTOM;
}

/* Spec CoerceArgumentValues for one planned field, with the operation's
 * variables, into *out (zeroed by the caller); what it makes (values, the
 * error message) goes to `arena`. Returns 0, or GQL_EFAIL with out->error
 * set; GQL_ENOMEM on allocation failure. */
static int coerce_args(gql_operation_t *op, const exec_field_t *ef, gql_arena_t *arena, exec_args_t *out)
{
    const gql_field_t *def = ef->def;
    const gql_selection_t *node = ef->nodes[0];
    if (def->nargs == 0)
        return 0;
    const char **names = gql_arena_alloc(arena, def->nargs * sizeof(*names));
    gql_iv_t *values = gql_arena_alloc(arena, def->nargs * sizeof(*values));
    if (names == NULL || values == NULL)
        return GQL_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < def->nargs; i++) {
        const gql_input_value_t *ad = &def->args[i];
        const gql_argument_t *an = NULL;
        for (size_t j = 0; j < node->nargs; j++)
            if (strcmp(node->args[j].name, ad->name) == 0)
                an = &node->args[j];
        bool required = ad->type->kind == GQL_KIND_NON_NULL && ad->default_value == NULL;
        bool use_default = an == NULL;
        if (an != NULL && an->value->kind == GQL_VALUE_VARIABLE && gql_iv_get(&op->vars, an->value->str) == NULL &&
            !required)
            use_default = true;
        if (use_default) {
            if (ad->default_value != NULL) {
                int rc = gql_coerce_literal(op->schema, arena, ad->default_value, ad->type, NULL, &values[n]);
                if (rc == GQL_ENOMEM)
                    return rc;
                if (rc == 0)
                    names[n++] = ad->name;
            } else if (required) {
                out->error =
                    gql_arena_printf(arena, "Argument \"%s.%s(%s:)\" of required type \"%s\" was not provided.",
                                     ef->parent_name, def->name, ad->name, gql__type_name_str(arena, ad->type));
                out->error_loc = node->loc;
                return GQL_EFAIL;
            }
            continue;
        }
        int rc = gql_coerce_literal(op->schema, arena, an->value, ad->type, &op->vars, &values[n]);
        if (rc == GQL_ENOMEM)
            return rc;
        if (rc != 0) {
            out->error = gql_arena_printf(
                arena, "Argument \"%s.%s(%s:)\" has invalid value%s", ef->parent_name, def->name, ad->name,
                gql__literal_error(op->schema, arena, an->value, ad->type, &op->vars, &out->error_loc));
            return GQL_EFAIL;
        }
        names[n++] = ad->name;
    }
    out->args.names = names;
    out->args.values = values;
    out->args.count = n;
    return 0;
}

/* Whether a value literal reads a variable anywhere inside it. */
static bool value_reads_variable(const gql_value_t *v)
{
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        return true;
    case GQL_VALUE_LIST:
        for (size_t i = 0; i < v->list.count; i++)
            if (value_reads_variable(v->list.items[i]))
                return true;
        return false;
    case GQL_VALUE_OBJECT:
        for (size_t i = 0; i < v->object.count; i++)
            if (value_reads_variable(v->object.fields[i].value))
                return true;
        return false;
    default:
        return false;
    }
}

/* Whether the arguments a field's coercion reads (those of its first node,
 * which validation makes the same as every merged node's) use variables. */
static bool args_read_variables(const gql_selection_t *node)
{
    for (size_t i = 0; i < node->nargs; i++)
        if (value_reads_variable(node->args[i].value))
            return true;
    return false;
}

/* Builds the plan of object type `type` for the selection sets of `nodes`
 * (or `set` for the operation's root) in op->plan_arena, collecting with
 * temporaries in the execution's scratch arena (the request arena outside
 * an execution). For a variant's plan, arguments that use variables get a
 * slot instead of values. NULL when out of memory. */
static exec_plan_t *build_plan(gql_operation_t *op, const gql_type_t *type, const gql_selection_t *const *nodes,
                               size_t nnodes, const gql_selection_set_t *set)
{
    gql_arena_t *pa = op->plan_arena;
    collector_t c;
    memset(&c, 0, sizeof(c));
    c.op = op;
    c.tmp = op->running ? op->scratch : op->arena;
    c.type = type;
    if (set != NULL)
        collect(&c, set);
    for (size_t i = 0; i < nnodes && !c.oom; i++)
        collect(&c, &nodes[i]->selection_set);
    exec_plan_t *plan = gql_arena_alloc(pa, sizeof(*plan));
    if (c.oom || plan == NULL)
        return NULL;
    plan->type = type;
    plan->fields = gql_arena_alloc(pa, (c.n ? c.n : 1) * sizeof(*plan->fields));
    if (plan->fields == NULL)
        return NULL;
    gql_buf_t b = GQL_BUF_INIT;
    for (size_t i = 0; i < c.n; i++) {
        centry_t *e = &c.e[i];
        const gql_field_t *def = gql_type_field(op->schema, type, e->nodes[0]->name);
        if (def == NULL)
            continue; /* unknown field: validation reports it; execution skips it */
        exec_field_t *ef = &plan->fields[plan->count++];
        ef->key = e->key;
        ef->def = def;
        ef->parent_name = type->name;
        ef->is_typename = def == op->schema->meta_typename || strcmp(def->name, "__typename") == 0;
        ef->leaf = leaf_of(gql_type_named(def->type));
        ef->scalar = gql_type_nullable(def->type)->kind == GQL_KIND_SCALAR;
        const gql_selection_t **kept = gql_arena_alloc_raw(pa, e->n * sizeof(*kept));
        ef->locs = gql_arena_alloc_raw(pa, e->n * sizeof(*ef->locs));
        b.len = 0;
        gql_buf_putc(&b, ',');
        gql_buf_json_string(&b, e->key, strlen(e->key));
        gql_buf_putc(&b, ':');
        /* Padded so put_prefix may copy whole 16-byte chunks from prefix + 1. */
        char *prefix = b.oom ? NULL : gql_arena_alloc(pa, (b.len + 31) & ~(size_t)15);
        if (prefix != NULL)
            memcpy(prefix, b.data, b.len);
        ef->prefix = prefix;
        ef->prefix_len = b.len;
        if (kept == NULL || ef->locs == NULL || ef->prefix == NULL) {
            gql_buf_free(&b);
            return NULL;
        }
        memcpy(kept, e->nodes, e->n * sizeof(*kept));
        ef->nodes = kept;
        ef->nnodes = e->n;
        for (size_t k = 0; k < e->n; k++)
            ef->locs[k] = e->nodes[k]->loc;
        if (op->variant != NULL && def->nargs > 0 && args_read_variables(e->nodes[0])) {
            ef->arg_slot = ++op->variant->nslots;
            ef->fixed.error = PER_REQUEST;
        } else if (coerce_args(op, ef, pa, &ef->fixed) == GQL_ENOMEM) {
            gql_buf_free(&b);
            return NULL;
        }
    }
    gql_buf_free(&b);
    return plan;
}

/* The plan of a field's sub-selection for runtime type `t`, built once (in
 * op->plan_arena, so for a variant once for every request). */
static exec_plan_t *child_plan(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t)
{
    if (ef->one.type == t)
        return ef->one.plan;
    for (size_t i = 0; i < ef->nmore; i++)
        if (ef->more[i].type == t)
            return ef->more[i].plan;
    exec_plan_t *p = build_plan(op, t, ef->nodes, ef->nnodes, NULL);
    if (p == NULL)
        return NULL;
    if (ef->one.type == NULL) {
        ef->one.type = t;
        ef->one.plan = p;
    } else {
        if (!grow(op->plan_arena, (void **)&ef->more, &ef->capmore, ef->nmore, sizeof(*ef->more)))
            return NULL;
        ef->more[ef->nmore].type = t;
        ef->more[ef->nmore].plan = p;
        ef->nmore++;
    }
    return p;
}

/* The arguments of a field whose arguments use variables, for this request:
 * coerced into the request arena on first use and kept in the operation's
 * slot (a subscription coerces them once for all its events). NULL when out
 * of memory. */
static const exec_args_t *slot_args(gql_operation_t *op, const exec_field_t *ef)
{
    size_t i = ef->arg_slot - 1;
    if (i >= op->nslots) {
        size_t n = op->variant->nslots > i ? op->variant->nslots : i + 1;
        exec_args_t **slots = gql_arena_alloc(op->arena, n * sizeof(*slots));
        if (slots == NULL)
            return NULL;
        if (op->nslots > 0)
            memcpy(slots, op->slots, op->nslots * sizeof(*slots));
        op->slots = slots;
        op->nslots = n;
    }
    if (op->slots[i] == NULL) {
        exec_args_t *a = gql_arena_alloc(op->arena, sizeof(*a));
        if (a == NULL || coerce_args(op, ef, op->arena, a) == GQL_ENOMEM)
            return NULL;
        op->slots[i] = a;
    }
    return op->slots[i];
}

/* A planned field's coerced arguments for this request; NULL when out of
 * memory. */
static inline const exec_args_t *field_args(gql_operation_t *op, const exec_field_t *ef)
{
    return ef->arg_slot == 0 ? &ef->fixed : slot_args(op, ef);
}

/* ------------------------------------------------------------------------ */
/* Value completion (spec §6.4.3 CompleteValue)                              */
/* ------------------------------------------------------------------------ */

static int complete(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                    const gql_path_t *path);

static int write_null_error(gql_operation_t *op)
{
    put(op->out, "null", 4);
    return C_ERRNULL;
}

/* JavaScript Number(string) for the scalar coercions that accept strings:
 * surrounding white space is ignored, "" is 0. Returns false when NaN. */
static bool js_number(const char *s, size_t len, double *out)
{
    char tmp[64];
    while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len == 0) {
        *out = 0;
        return true;
    }
    if (len >= sizeof(tmp))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    for (size_t i = 0; i < len; i++) /* decimal only: no hex, no "inf"/"nan" words but Infinity */
        if (!((tmp[i] >= '0' && tmp[i] <= '9') || tmp[i] == '.' || tmp[i] == 'e' || tmp[i] == 'E' || tmp[i] == '+' ||
              tmp[i] == '-'))
            return strcmp(tmp, "Infinity") == 0 || strcmp(tmp, "+Infinity") == 0 || strcmp(tmp, "-Infinity") == 0
                       ? (*out = tmp[0] == '-' ? -INFINITY : INFINITY, true)
                       : false;
    char *end;
    *out = strtod(tmp, &end);
    return *end == '\0';
}

static void write_js_number_string(gql_buf_t *out, double f)
{
    gql_buf_t tmp = GQL_BUF_INIT;
    gql_buf_double(&tmp, f);
    gql_buf_json_string(out, tmp.data ? tmp.data : "", tmp.len);
    gql_buf_free(&tmp);
}

/* Writes a leaf of a custom scalar as given. */
static int write_custom(gql_operation_t *op, const gql_rv_t *rv)
{
    gql_buf_t *out = op->out;
    switch (rv->kind) {
    case GQL_RV_STRING:
        put_string(out, rv->u.s.ptr, rv->u.s.len);
        return C_VALUE;
    case GQL_RV_JSON:
        gql_buf_append(out, rv->u.s.ptr, rv->u.s.len);
        return C_VALUE;
    case GQL_RV_INT:
        gql_buf_int(out, rv->u.i);
        return C_VALUE;
    case GQL_RV_FLOAT:
        gql_buf_double(out, rv->u.f);
        return C_VALUE;
    case GQL_RV_BOOLEAN:
        gql_buf_puts(out, rv->u.b ? "true" : "false");
        return C_VALUE;
    case GQL_RV_LIST:
        gql_buf_putc(out, '[');
        for (size_t i = 0; i < rv->u.list.count; i++) {
            if (i)
                gql_buf_putc(out, ',');
            if (rv->u.list.items[i].kind == GQL_RV_NULL)
                gql_buf_append(out, "null", 4);
            else
                write_custom(op, &rv->u.list.items[i]);
        }
        gql_buf_putc(out, ']');
        return C_VALUE;
    default:
        gql_buf_append(out, "{}", 2);
        return C_VALUE;
    }
}

/* The number a Float or String value stands for, as JavaScript's Number()
 * reads it for Int's and Float's coercions: NaN when it is none (an empty
 * string included). Call only for GQL_RV_FLOAT and GQL_RV_STRING. */
static double number_of(const gql_rv_t *rv)
{
    double f;
    if (rv->kind == GQL_RV_FLOAT)
        return rv->u.f;
    if (rv->u.s.len == 0 || !js_number(rv->u.s.ptr, rv->u.s.len, &f))
        return NAN;
    return f;
}

/* String (graphql-js GraphQLString.coerceOutputValue): strings as they are,
 * booleans and finite numbers as their JavaScript text, raw JSON as given;
 * anything else is a field error. Returns C_VALUE or C_ERRNULL. */
static int complete_string(gql_operation_t *op, exec_field_t *ef, const gql_rv_t *rv, const gql_path_t *path)
{
    gql_buf_t *out = op->out;
    switch (rv->kind) {
    case GQL_RV_STRING:
        put_string(out, rv->u.s.ptr, rv->u.s.len);
        return C_VALUE;
    case GQL_RV_BOOLEAN:
        gql_buf_puts(out, rv->u.b ? "\"true\"" : "\"false\"");
        return C_VALUE;
    case GQL_RV_INT:
        gql_buf_putc(out, '"');
        gql_buf_int(out, rv->u.i);
        gql_buf_putc(out, '"');
        return C_VALUE;
    case GQL_RV_FLOAT:
        if (isfinite(rv->u.f)) {
            write_js_number_string(out, rv->u.f);
            return C_VALUE;
        }
        break;
    case GQL_RV_JSON:
        gql_buf_append(out, rv->u.s.ptr, rv->u.s.len);
        return C_VALUE;
    default:
        break;
    }
    field_error(op, ef, path, "String cannot represent value: %s", inspect_rv(op->scratch, rv));
    return write_null_error(op);
}

/* Int (GraphQLInt.coerceOutputValue): 32-bit integers, booleans as 1/0, and
 * floats or numeric strings with an integral value in range; anything else
 * is a field error. Returns C_VALUE or C_ERRNULL. */
static int complete_int(gql_operation_t *op, exec_field_t *ef, const gql_rv_t *rv, const gql_path_t *path)
{
    gql_buf_t *out = op->out;
    switch (rv->kind) {
    case GQL_RV_INT:
        if (rv->u.i >= INT32_MIN && rv->u.i <= INT32_MAX) {
            gql_buf_int(out, rv->u.i);
            return C_VALUE;
        }
        field_error(op, ef, path, "Int cannot represent non 32-bit signed integer value: %s",
                    inspect_rv(op->scratch, rv));
        return write_null_error(op);
    case GQL_RV_BOOLEAN:
        gql_buf_putc(out, rv->u.b ? '1' : '0');
        return C_VALUE;
    case GQL_RV_FLOAT:
    case GQL_RV_STRING: {
        double f = number_of(rv);
        if (!isfinite(f) || f != floor(f))
            break;
        if (f < INT32_MIN || f > INT32_MAX) {
            field_error(op, ef, path, "Int cannot represent non 32-bit signed integer value: %s",
                        inspect_rv(op->scratch, rv));
            return write_null_error(op);
        }
        gql_buf_int(out, (int64_t)f);
        return C_VALUE;
    }
    default:
        break;
    }
    field_error(op, ef, path, "Int cannot represent non-integer value: %s", inspect_rv(op->scratch, rv));
    return write_null_error(op);
}

/* Float (GraphQLFloat.coerceOutputValue): integers, booleans as 1/0, finite
 * floats and numeric strings; anything else is a field error. Returns
 * C_VALUE or C_ERRNULL. */
static int complete_float(gql_operation_t *op, exec_field_t *ef, const gql_rv_t *rv, const gql_path_t *path)
{
    gql_buf_t *out = op->out;
    switch (rv->kind) {
    case GQL_RV_INT:
        gql_buf_int(out, rv->u.i);
        return C_VALUE;
    case GQL_RV_BOOLEAN:
        gql_buf_putc(out, rv->u.b ? '1' : '0');
        return C_VALUE;
    case GQL_RV_FLOAT:
    case GQL_RV_STRING: {
        double f = number_of(rv);
        if (!isfinite(f))
            break;
        gql_buf_double(out, f);
        return C_VALUE;
    }
    default:
        break;
    }
    field_error(op, ef, path, "Float cannot represent non numeric value: %s", inspect_rv(op->scratch, rv));
    return write_null_error(op);
}

/* Boolean (GraphQLBoolean.coerceOutputValue): booleans, and finite numbers
 * as their truth; anything else is a field error. Returns C_VALUE or
 * C_ERRNULL. */
static int complete_boolean(gql_operation_t *op, exec_field_t *ef, const gql_rv_t *rv, const gql_path_t *path)
{
    gql_buf_t *out = op->out;
    switch (rv->kind) {
    case GQL_RV_BOOLEAN:
        gql_buf_puts(out, rv->u.b ? "true" : "false");
        return C_VALUE;
    case GQL_RV_INT:
        gql_buf_puts(out, rv->u.i != 0 ? "true" : "false");
        return C_VALUE;
    case GQL_RV_FLOAT:
        if (!isfinite(rv->u.f))
            break;
        gql_buf_puts(out, rv->u.f != 0 ? "true" : "false");
        return C_VALUE;
    default:
        break;
    }
    field_error(op, ef, path, "Boolean cannot represent a non boolean value: %s", inspect_rv(op->scratch, rv));
    return write_null_error(op);
}

/* ID (GraphQLID.coerceOutputValue): strings as they are, integers and
 * integral floats as strings; anything else is a field error. Returns
 * C_VALUE or C_ERRNULL. */
static int complete_id(gql_operation_t *op, exec_field_t *ef, const gql_rv_t *rv, const gql_path_t *path)
{
    gql_buf_t *out = op->out;
    switch (rv->kind) {
    case GQL_RV_STRING:
        put_string(out, rv->u.s.ptr, rv->u.s.len);
        return C_VALUE;
    case GQL_RV_INT:
        gql_buf_putc(out, '"');
        gql_buf_int(out, rv->u.i);
        gql_buf_putc(out, '"');
        return C_VALUE;
    case GQL_RV_FLOAT:
        if (!isfinite(rv->u.f) || rv->u.f != floor(rv->u.f))
            break;
        write_js_number_string(out, rv->u.f);
        return C_VALUE;
    default:
        break;
    }
    field_error(op, ef, path, "ID cannot represent value: %s", inspect_rv(op->scratch, rv));
    return write_null_error(op);
}

/* A custom scalar `t`: the value as the resolver gave it (write_custom); an
 * opaque object has no serialization and is a field error, in graphql-js's
 * words for a coerceOutputValue that returned undefined. Returns C_VALUE or
 * C_ERRNULL. */
static int complete_custom(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                           const gql_path_t *path)
{
    if (rv->kind == GQL_RV_OBJECT) {
        field_error(op, ef, path, "Expected `%s.coerceOutputValue({})` to return non-nullish value, got: undefined",
                    t->name);
        return write_null_error(op);
    }
    return write_custom(op, rv);
}

/* Serializes a scalar (graphql-js coerceOutputValue of the built-ins, or a
 * custom scalar as given), by the field's leaf kind. Returns C_VALUE, or
 * C_ERRNULL after a field error. */
static int complete_scalar(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                           const gql_path_t *path)
{
    switch (ef->leaf) {
    case LEAF_STRING:
        return complete_string(op, ef, rv, path);
    case LEAF_INT:
        return complete_int(op, ef, rv, path);
    case LEAF_FLOAT:
        return complete_float(op, ef, rv, path);
    case LEAF_BOOLEAN:
        return complete_boolean(op, ef, rv, path);
    case LEAF_ID:
        return complete_id(op, ef, rv, path);
    case LEAF_CUSTOM:
        return complete_custom(op, ef, t, rv, path);
    }
    return write_null_error(op);
}

/* An enum `t`: a string naming one of its values, written as that name;
 * anything else is a field error. Returns C_VALUE or C_ERRNULL. */
static int complete_enum(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                         const gql_path_t *path)
{
    if (rv->kind == GQL_RV_STRING) {
        for (size_t i = 0; i < t->nvalues; i++) {
            const char *n = t->values[i].name;
            if (rv->u.s.len > 0 && n[0] == rv->u.s.ptr[0] && strncmp(n, rv->u.s.ptr, rv->u.s.len) == 0 &&
                n[rv->u.s.len] == '\0') {
                put_name(op->out, n, rv->u.s.len);
                return C_VALUE;
            }
        }
    }
    field_error(op, ef, path, "Enum \"%s\" cannot represent value: %s", t->name, inspect_rv(op->scratch, rv));
    return write_null_error(op);
}

static int complete_object(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                           const gql_path_t *path);

/* Spec ResolveAbstractType: the object's type_name names the runtime type. */
static int complete_abstract(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                             const gql_path_t *path)
{
    const char *name = rv->kind == GQL_RV_OBJECT ? rv->u.obj.type_name : NULL;
    if (name == NULL) {
        field_error(op, ef, path,
                    "Abstract type \"%s\" must resolve to an Object type at runtime for field \"%s.%s\". Either the "
                    "\"%s\" type should provide a \"resolveType\" function or each possible type should provide an "
                    "\"isTypeOf\" function.",
                    t->name, ef->parent_name, ef->def->name, t->name);
        return write_null_error(op);
    }
    const gql_type_t *rt = ef->last_runtime;
    if (rt == NULL || strcmp(rt->name, name) != 0) {
        rt = gql_schema_type(op->schema, name);
        if (rt == NULL) {
            field_error(op, ef, path,
                        "Abstract type \"%s\" was resolved to a type \"%s\" that does not exist inside "
                        "the schema.",
                        t->name, name);
            return write_null_error(op);
        }
        if (rt->kind != GQL_KIND_OBJECT) {
            field_error(op, ef, path, "Abstract type \"%s\" was resolved to a non-object type \"%s\".", t->name, name);
            return write_null_error(op);
        }
        if (!gql_type_is_possible(t, rt)) {
            field_error(op, ef, path, "Runtime Object type \"%s\" is not a possible type for \"%s\".", name, t->name);
            return write_null_error(op);
        }
        ef->last_runtime = rt;
    }
    return complete_object(op, ef, rt, rv, path);
}

static int complete_list(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                         const gql_path_t *path)
{
    if (rv->kind != GQL_RV_LIST) {
        field_error(op, ef, path, "Expected Iterable, but did not find one for field \"%s.%s\".", ef->parent_name,
                    ef->def->name);
        return write_null_error(op);
    }
    const gql_type_t *item_type = t->of_type;
    gql_buf_putc(op->out, '[');
    for (size_t i = 0; i < rv->u.list.count; i++) {
        if (over_limit(op))
            return C_ABORT;
        if (i)
            gql_buf_putc(op->out, ',');
        gql_path_t ip = {path, NULL, i};
        int r = complete(op, ef, item_type, &rv->u.list.items[i], &ip);
        if (r >= C_FAIL)
            return r;
    }
    gql_buf_putc(op->out, ']');
    return C_VALUE;
}

/* A value of a nullable type (its own NON_NULL already stripped). */
static int complete_nullable(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                             const gql_path_t *path)
{
    switch (rv->kind) {
    case GQL_RV_NULL:
        put(op->out, "null", 4);
        return C_NULL;
    case GQL_RV_ERROR: {
        const exec_args_t *a = rv->u.s.ptr != NULL ? field_args(op, ef) : NULL;
        if (a != NULL && rv->u.s.ptr == a->error) /* located at the argument value */
            gql_errors_add(&op->errors, NULL, path, &a->error_loc, 1, "%s", a->error);
        else
            field_error(op, ef, path, "%.*s", (int)rv->u.s.len, rv->u.s.ptr ? rv->u.s.ptr : "");
        return write_null_error(op);
    }
    case GQL_RV_ERROR_CODE:
        gql_errors_add(&op->errors, rv->u.obj.type_name, path, ef->locs, ef->nnodes, "%s",
                       rv->u.obj.ptr != NULL ? (const char *)rv->u.obj.ptr : "");
        return write_null_error(op);
    case GQL_RV_PENDING:
        field_error(op, ef, path, "Only top-level fields may answer later (field \"%s.%s\").", ef->parent_name,
                    ef->def->name);
        return write_null_error(op);
    default:
        break;
    }
    switch (t->kind) {
    case GQL_KIND_SCALAR:
        return complete_scalar(op, ef, t, rv, path);
    case GQL_KIND_ENUM:
        return complete_enum(op, ef, t, rv, path);
    case GQL_KIND_LIST:
        return complete_list(op, ef, t, rv, path);
    case GQL_KIND_OBJECT:
        return complete_object(op, ef, t, rv, path);
    case GQL_KIND_INTERFACE:
    case GQL_KIND_UNION:
        /* A value that is no object names no type: graphql-js says so with
         * the abstract-type message. */
        return complete_abstract(op, ef, t, rv, path);
    default:
        break;
    }
    field_error(op, ef, path, "Expected value of type \"%s\" but got: %s.", gql__type_name_str(op->scratch, t),
                inspect_rv(op->scratch, rv));
    return write_null_error(op);
}

static int complete(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                    const gql_path_t *path)
{
    if (t->kind == GQL_KIND_NON_NULL) {
        int r = complete_nullable(op, ef, t->of_type, rv, path);
        if (r == C_NULL) {
            field_error(op, ef, path, "Cannot return null for non-nullable field %s.%s.", ef->parent_name,
                        ef->def->name);
            return C_FAIL;
        }
        return r == C_ERRNULL ? C_FAIL : r;
    }
    size_t mark = op->out->len;
    int r = complete_nullable(op, ef, t, rv, path);
    if (r == C_FAIL) {
        op->out->len = mark;
        put(op->out, "null", 4);
        return C_ERRNULL;
    }
    return r;
}

/* Resolves one field of `parent` (spec ExecuteField's resolver step). */
static inline void resolve(gql_operation_t *op, const exec_field_t *ef, const gql_type_t *parent_type,
                           const void *parent, const gql_path_t *path, gql_rv_t *rv)
{
    memset(rv, 0, sizeof(*rv));
    const exec_args_t *a = &ef->fixed;
    if (a->error != NULL) {
        /* A coercion error, or arguments coerced per request (field_args). */
        if (ef->arg_slot != 0 && (a = slot_args(op, ef)) == NULL) {
            op->internal = true;
            rv->kind = GQL_RV_ERROR;
            rv->u.s.ptr = "Out of memory.";
            rv->u.s.len = strlen(rv->u.s.ptr);
            return;
        }
        if (a->error != NULL) {
            rv->kind = GQL_RV_ERROR;
            rv->u.s.ptr = a->error;
            rv->u.s.len = strlen(a->error);
            return;
        }
    }
    const gql_field_t *def = ef->def;
    if (def->resolve == NULL)
        return;
    gql_resolve_info_t info = {op->context, def->resolve_data, op->scratch, parent_type->name, def->name, path, def,
                               NULL};
    def->resolve(&info, parent, &a->args, rv);
}

/* Writes the value of one field (its key prefix is already written). */
static int execute_field(gql_operation_t *op, exec_field_t *ef, const gql_type_t *parent_type, const void *parent,
                         const gql_path_t *path)
{
    if (ef->is_typename) {
        gql_buf_putc(op->out, '"');
        gql_buf_puts(op->out, parent_type->name);
        gql_buf_putc(op->out, '"');
        return C_VALUE;
    }
    gql_rv_t rv;
    resolve(op, ef, parent_type, parent, path, &rv);
    if (ef->scalar) {
        /* The common leaves, written without the general completion. */
        if (rv.kind == GQL_RV_STRING && (ef->leaf == LEAF_STRING || ef->leaf == LEAF_ID || ef->leaf == LEAF_CUSTOM)) {
            put_string(op->out, rv.u.s.ptr, rv.u.s.len);
            return C_VALUE;
        }
        if (rv.kind == GQL_RV_INT && (ef->leaf == LEAF_FLOAT || ef->leaf == LEAF_CUSTOM ||
                                      (ef->leaf == LEAF_INT && rv.u.i >= INT32_MIN && rv.u.i <= INT32_MAX))) {
            gql_buf_int(op->out, rv.u.i);
            return C_VALUE;
        }
    }
    return complete(op, ef, ef->def->type, &rv, path);
}

static int complete_object(gql_operation_t *op, exec_field_t *ef, const gql_type_t *t, const gql_rv_t *rv,
                           const gql_path_t *path)
{
    if (rv->kind != GQL_RV_OBJECT) {
        field_error(op, ef, path, "Expected value of type \"%s\" but got: %s.", t->name, inspect_rv(op->scratch, rv));
        return write_null_error(op);
    }
    exec_plan_t *plan = child_plan(op, ef, t);
    if (plan == NULL) {
        op->internal = true;
        field_error(op, ef, path, "Out of memory.");
        return write_null_error(op);
    }
    const void *parent = rv->u.obj.ptr;
    gql_buf_t *out = op->out;
    gql_buf_putc(out, '{');
    for (size_t i = 0; i < plan->count; i++) {
        if (over_limit(op))
            return C_ABORT;
        exec_field_t *f = &plan->fields[i];
        put_prefix(out, f, i == 0);
        gql_path_t fp = {path, f->key, 0};
        int r = execute_field(op, f, t, parent, &fp);
        if (r >= C_FAIL)
            return r;
    }
    gql_buf_putc(out, '}');
    return C_VALUE;
}

/* ------------------------------------------------------------------------ */
/* Operations                                                                */
/* ------------------------------------------------------------------------ */

static void print_type_ref(const gql_type_ref_t *r, gql_buf_t *out)
{
    if (r->kind == GQL_TYPE_REF_NAMED) {
        gql_buf_puts(out, r->name);
    } else if (r->kind == GQL_TYPE_REF_LIST) {
        gql_buf_putc(out, '[');
        print_type_ref(r->of, out);
        gql_buf_putc(out, ']');
    } else {
        print_type_ref(r->of, out);
        gql_buf_putc(out, '!');
    }
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Spec CoerceVariableValues. Adds request errors; returns how many. The
 * variables object is the client's: with many definitions it is looked up
 * through a hash index, so a thousand definitions against a megabyte of
 * keys cost one pass over each, not their product. */
static size_t coerce_variables(gql_operation_t *op, const gql_iv_t *given, gql_errors_t *errors)
{
    const gql_definition_t *def = op->def;
    size_t before = errors->count + errors->dropped;
    size_t n = def->nvariables;
    const char **keys = gql_arena_alloc(op->arena, (n ? n : 1) * sizeof(*keys));
    gql_iv_t *vals = gql_arena_alloc(op->arena, (n ? n : 1) * sizeof(*vals));
    gql__iv_index_t index;
    if (keys == NULL || vals == NULL || gql__iv_index(op->arena, n > 1 ? given : NULL, &index) != 0) {
        op->internal = true;
        return 1;
    }
    index.obj = given;
    op->vars.kind = GQL_IV_OBJECT;
    op->vars.u.obj.keys = keys;
    op->vars.u.obj.values = vals;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const gql_variable_def_t *vd = &def->variables[i];
        const gql_type_t *type = gql_schema_type_from_ref(op->schema, vd->type);
        if (type == NULL || !gql_type_is_input(type)) {
            gql_buf_t b = GQL_BUF_INIT;
            print_type_ref(vd->type, &b);
            gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, &vd->loc, 1,
                           "Variable \"$%s\" expected value of type \"%s\" which cannot be used as an input type.",
                           vd->name, gql_buf_cstr(&b));
            gql_buf_free(&b);
            continue;
        }
        const gql_iv_t *in = gql__iv_index_get(&index, vd->name);
        if (in == NULL) {
            if (vd->default_value != NULL) {
                int rc = gql_coerce_literal(op->schema, op->arena, vd->default_value, type, NULL, &vals[count]);
                if (rc == 0)
                    keys[count++] = vd->name;
                else
                    gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, &vd->loc, 1,
                                   "Variable \"$%s\" has invalid default value%s", vd->name,
                                   gql__literal_error(op->schema, op->arena, vd->default_value, type, NULL, NULL));
                continue;
            }
            if (type->kind != GQL_KIND_NON_NULL)
                continue;
        }
        const char *what = gql_arena_printf(op->arena, "Variable \"$%s\"", vd->name);
        int rc = gql_coerce_input(op->schema, op->arena, in, type, what, &vd->loc, errors, &vals[count]);
        if (rc == GQL_ENOMEM) {
            op->internal = true;
            return 1;
        }
        if (rc == 0)
            keys[count++] = vd->name;
    }
    op->vars.u.obj.count = count;
    return errors->count + errors->dropped - before;
}

/* ------------------------------------------------------------------------ */
/* Plans kept with a cached document                                         */
/* ------------------------------------------------------------------------ */

/* Adds the variables that the `if:` of an @skip or @include reads in `set`
 * and the selection sets under it to p->dvars, each once; past 64 sets
 * p->too_many. False when out of memory. */
static bool scan_directive_vars(gql__doc_plans_t *p, const gql_selection_set_t *set, size_t *cap)
{
    for (size_t i = 0; i < set->count && !p->too_many; i++) {
        const gql_selection_t *sel = &set->items[i];
        for (size_t d = 0; d < sel->ndirectives; d++) {
            const gql_directive_t *dir = &sel->directives[d];
            if (strcmp(dir->name, "skip") != 0 && strcmp(dir->name, "include") != 0)
                continue;
            for (size_t k = 0; k < dir->nargs; k++) {
                const gql_value_t *v = dir->args[k].value;
                if (strcmp(dir->args[k].name, "if") != 0 || v->kind != GQL_VALUE_VARIABLE)
                    continue;
                bool seen = false;
                for (size_t j = 0; j < p->ndvars && !seen; j++)
                    seen = strcmp(p->dvars[j], v->str) == 0;
                if (seen)
                    continue;
                if (p->ndvars == 64) {
                    p->too_many = true;
                    return true;
                }
                if (!grow(p->arena, (void **)&p->dvars, cap, p->ndvars, sizeof(*p->dvars)))
                    return false;
                p->dvars[p->ndvars++] = v->str;
            }
        }
        if (!scan_directive_vars(p, &sel->selection_set, cap))
            return false;
    }
    return true;
}

/* execute_int.h: an empty plan store in the cache entry's arena, with the
 * document's directive variables noted; NULL when out of memory. */
gql__doc_plans_t *gql__doc_plans_new(gql_arena_t *arena, const gql_schema_t *schema, const gql_document_t *doc)
{
    gql__doc_plans_t *p = gql_arena_alloc(arena, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->arena = arena;
    p->schema = schema;
    p->doc = doc;
    size_t cap = 0;
    for (size_t i = 0; i < doc->count && !p->too_many; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (gql_def_is_executable(d) && !scan_directive_vars(p, &d->selection_set, &cap))
            return NULL;
    }
    return p;
}

/* Makes the operation run on the cached document's plans: picks (or adds)
 * the variant its variables select and sets op->variant and op->plan_arena.
 * Leaves the operation planning for itself when the plans cannot serve it:
 * none (out of memory), another schema or document, more than 64 directive
 * variables, PLAN_MAX_VARIANTS variants taken already, or out of memory. */
static void use_doc_plans(gql_operation_t *op, gql__doc_plans_t *p)
{
    if (p == NULL || p->too_many || p->schema != op->schema || p->doc != op->doc)
        return;
    uint64_t mask = 0;
    for (size_t i = 0; i < p->ndvars; i++) {
        const gql_iv_t *v = gql_iv_get(&op->vars, p->dvars[i]);
        if (v != NULL && v->kind == GQL_IV_BOOLEAN && v->u.b)
            mask |= (uint64_t)1 << i;
    }
    plan_op_t *po = NULL;
    for (size_t i = 0; i < p->nops && po == NULL; i++)
        if (p->ops[i]->def == op->def)
            po = p->ops[i];
    if (po == NULL) {
        /* plan_op_t are allocated one by one: live operations point into
         * them, so they never move. */
        if (!grow(p->arena, (void **)&p->ops, &p->capops, p->nops, sizeof(*p->ops)) ||
            (po = gql_arena_alloc(p->arena, sizeof(*po))) == NULL)
            return;
        po->def = op->def;
        p->ops[p->nops++] = po;
    }
    plan_variant_t *v = NULL;
    for (size_t i = 0; i < po->nvariants && v == NULL; i++)
        if (po->variants[i].mask == mask)
            v = &po->variants[i];
    if (v == NULL) {
        if (po->nvariants == PLAN_MAX_VARIANTS)
            return;
        v = &po->variants[po->nvariants++];
        v->mask = mask;
    }
    op->variant = v;
    op->plan_arena = p->arena;
}

int gql_prepare(const gql_request_t *req, gql_operation_t **opp, gql_errors_t *errors)
{
    if (req == NULL || opp == NULL || errors == NULL || req->schema == NULL || req->document == NULL ||
        req->arena == NULL || (req->cached != NULL && gql_cached_doc_document(req->cached) != req->document))
        return GQL_EINVAL;
    *opp = NULL;
    const gql_document_t *doc = req->document;
    const gql_definition_t *def = NULL;
    size_t nops = 0;
    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (d->kind != GQL_DEF_OPERATION)
            continue;
        nops++;
        if (req->operation_name == NULL) {
            if (def == NULL)
                def = d;
        } else if (d->name != NULL && strcmp(d->name, req->operation_name) == 0) {
            def = d;
            break;
        }
    }
    if (req->operation_name == NULL && nops > 1) {
        gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, NULL, 0,
                       "Must provide operation name if query contains multiple operations.");
        return GQL_EFAIL;
    }
    if (def == NULL) {
        if (req->operation_name != NULL)
            gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, NULL, 0, "Unknown operation named \"%s\".",
                           req->operation_name);
        else
            gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, NULL, 0, "Must provide an operation.");
        return GQL_EFAIL;
    }
    const gql_schema_t *s = req->schema;
    const gql_type_t *root = def->operation == GQL_OP_QUERY      ? s->query
                             : def->operation == GQL_OP_MUTATION ? s->mutation
                                                                 : s->subscription;
    if (root == NULL) {
        static const char *names[] = {"query", "mutation", "subscription"};
        gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, &def->loc, 1,
                       "Schema is not configured to execute %s operation.", names[def->operation]);
        return GQL_EFAIL;
    }
    if (req->variables != NULL && req->variables->kind != GQL_IV_OBJECT && req->variables->kind != GQL_IV_NULL) {
        gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, NULL, 0,
                       "Variables must be provided as an Object where each property is a variable value.");
        return GQL_EFAIL;
    }
    gql_operation_t *op = gql_arena_alloc(req->arena, sizeof(*op));
    if (op == NULL)
        return GQL_ENOMEM;
    op->schema = s;
    op->doc = doc;
    op->def = def;
    op->arena = req->arena;
    op->context = req->context;
    op->request_root = req->root_value;
    op->limits = req->limits ? *req->limits : gql_limits_default();
    op->root_type = root;
    op->plan_arena = req->arena;
    if (coerce_variables(op, req->variables, errors) != 0)
        return op->internal ? GQL_ENOMEM : GQL_EFAIL;
    if (req->cached != NULL)
        use_doc_plans(op, gql__cached_doc_plans(req->cached));
    if (def->operation == GQL_OP_SUBSCRIPTION) {
        /* Same text, operation and variables: same responses per event. */
        uint64_t h = 14695981039346656037ull;
        h = fnv1a(h, doc->source ? doc->source : "", doc->source ? doc->source_len : 0);
        h = fnv1a(h, "\0", 1);
        if (def->name)
            h = fnv1a(h, def->name, strlen(def->name));
        gql_buf_t b = GQL_BUF_INIT;
        gql_iv_write_json(&op->vars, &b);
        h = fnv1a(h, "\0", 1);
        h = fnv1a(h, b.data ? b.data : "", b.len);
        char *vars = b.oom ? NULL : gql_arena_strndup(op->arena, b.data ? b.data : "", b.len);
        size_t vlen = b.len;
        gql_buf_free(&b);
        if (vars == NULL)
            return GQL_ENOMEM;
        op->sub_key = h;
        op->sub_vars = vars;
        op->sub_vars_len = vlen;
    }
    *opp = op;
    return 0;
}

gql_op_type_t gql_operation_type(const gql_operation_t *op)
{
    return op->def->operation;
}

const char *gql_operation_name(const gql_operation_t *op)
{
    return op->def->name;
}

/* execute_int.h: what cost.c reads of a prepared operation. */
void gql__operation_parts(const gql_operation_t *op, gql__op_parts_t *out)
{
    *out = (gql__op_parts_t){op->schema, op->doc, op->def, op->root_type, &op->vars, op->arena};
}

/* The operation's root plan: the variant's (built by its first request), or
 * the operation's own. 0, or GQL_ENOMEM. */
static int ensure_root_plan(gql_operation_t *op)
{
    if (op->root_plan != NULL)
        return 0;
    if (op->variant != NULL && op->variant->root != NULL) {
        op->root_plan = op->variant->root;
        return 0;
    }
    op->root_plan = build_plan(op, op->root_type, NULL, 0, &op->def->selection_set);
    if (op->root_plan == NULL)
        return GQL_ENOMEM;
    if (op->variant != NULL)
        op->variant->root = op->root_plan;
    return 0;
}

/* Replaces everything this response wrote with the one error saying it
 * passed limits.max_response_bytes (field errors collected so far are
 * dropped with the data they were about). Returns 0, or GQL_ENOMEM. */
static int answer_too_large(gql_operation_t *op)
{
    gql_buf_t *out = op->out;
    out->len = op->base;
    gql_errors_t e;
    gql_errors_init(&e, op->scratch, 1);
    gql_errors_add(&e, GQL_CODE_RESPONSE_TOO_LARGE, NULL, NULL, 0,
                   "Response too large: over %zu bytes (graphql.limits.max_response_bytes)",
                   op->limits.max_response_bytes);
    gql_buf_puts(out, "{\"errors\":");
    gql_errors_write_json(&e, out);
    gql_buf_puts(out, ",\"data\":null}");
    return out->oom ? GQL_ENOMEM : 0;
}

/* Closes the response: `}}` (or data null), then splices the errors in
 * front of "data" when there are any. A response that passed
 * limits.max_response_bytes (while being written, or with its last value)
 * becomes the one error answer_too_large writes. */
static int finish(gql_operation_t *op)
{
    gql_buf_t *out = op->out;
    op->running = false;
    if (op->internal || out->oom) {
        if (!out->oom)
            out->len = op->base;
        return GQL_ENOMEM;
    }
    if (op->too_large)
        return answer_too_large(op);
    if (op->data_null) {
        out->len = op->data_start;
        gql_buf_append(out, "null}", 5);
    } else {
        gql_buf_append(out, "}}", 2);
    }
    if (over_limit(op))
        return answer_too_large(op);
    if (op->errors.count > 0 || op->errors.dropped > 0) {
        gql_buf_t e = GQL_BUF_INIT;
        gql_buf_puts(&e, "{\"errors\":");
        gql_errors_write_json(&op->errors, &e);
        gql_buf_putc(&e, ',');
        size_t max = op->limits.max_response_bytes;
        if (!e.oom && max != 0 && out->len - op->base + e.len - 1 > max) {
            gql_buf_free(&e); /* the errors would take the response past the bound */
            op->too_large = true;
            return answer_too_large(op);
        }
        if (!e.oom && gql_buf_reserve(out, e.len)) {
            /* `{"data":...` becomes `{"errors":[...],"data":...`. */
            char *start = out->data + op->base;
            memmove(start + e.len, start + 1, out->len - op->base - 1);
            memcpy(start, e.data, e.len);
            out->len += e.len - 1;
        }
        bool oom = e.oom;
        gql_buf_free(&e);
        if (oom)
            return GQL_ENOMEM;
    }
    return out->oom ? GQL_ENOMEM : 0;
}

/* Runs root fields from op->next on; stops at a pending one. */
static int run_root(gql_operation_t *op)
{
    exec_plan_t *plan = op->root_plan;
    gql_buf_t *out = op->out;
    for (; op->next < plan->count; op->next++) {
        if (over_limit(op))
            break;
        exec_field_t *ef = &plan->fields[op->next];
        put_prefix(out, ef, op->next == 0);
        gql_path_t path = {NULL, ef->key, 0};
        int r;
        if (ef->is_typename) {
            r = execute_field(op, ef, op->root_type, op->root, &path);
        } else {
            gql_rv_t rv;
            resolve(op, ef, op->root_type, op->root, &path, &rv);
            if (rv.kind == GQL_RV_PENDING)
                return GQL_PENDING;
            r = complete(op, ef, ef->def->type, &rv, &path);
        }
        if (r == C_FAIL) {
            op->data_null = true;
            break;
        }
        if (r == C_ABORT)
            break;
    }
    return finish(op);
}

int gql_execute(gql_operation_t *op, const void *root_value, gql_buf_t *out)
{
    return gql_execute_scratch(op, root_value, NULL, out);
}

int gql_execute_scratch(gql_operation_t *op, const void *root_value, gql_arena_t *scratch, gql_buf_t *out)
{
    if (op == NULL || out == NULL || op->running)
        return GQL_EINVAL;
    op->scratch = scratch != NULL ? scratch : op->arena;
    if (ensure_root_plan(op) != 0)
        return GQL_ENOMEM;
    gql_errors_init(&op->errors, op->scratch, op->limits.max_errors);
    op->out = out;
    op->root = root_value != NULL ? root_value : op->request_root;
    op->base = out->len;
    gql_buf_append(out, "{\"data\":{", 9);
    op->data_start = op->base + 8;
    op->next = 0;
    op->internal = false;
    op->data_null = false;
    op->too_large = false;
    op->running = true;
    return run_root(op);
}

int gql_resume(gql_operation_t *op, const gql_rv_t *value, gql_buf_t *out)
{
    if (op == NULL || value == NULL || out == NULL || !op->running || out != op->out)
        return GQL_EINVAL;
    exec_field_t *ef = &op->root_plan->fields[op->next];
    gql_path_t path = {NULL, ef->key, 0};
    int r = complete(op, ef, ef->def->type, value, &path);
    if (r >= C_FAIL) {
        op->data_null = r == C_FAIL;
        return finish(op);
    }
    op->next++;
    return run_root(op);
}

/* ------------------------------------------------------------------------ */
/* Subscriptions                                                             */
/* ------------------------------------------------------------------------ */

int gql_subscribe(gql_operation_t *op, void **stream, gql_errors_t *errors)
{
    if (op == NULL || stream == NULL || errors == NULL)
        return GQL_EINVAL;
    *stream = NULL;
    if (op->def->operation != GQL_OP_SUBSCRIPTION) {
        gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, NULL, 0, "Expected subscription operation.");
        return GQL_EFAIL;
    }
    if (ensure_root_plan(op) != 0)
        return GQL_ENOMEM;
    if (op->root_plan->count == 0) {
        gql_errors_add(errors, GQL_CODE_BAD_INPUT, NULL, &op->def->loc, 1, "The subscription selects no field.");
        return GQL_EFAIL;
    }
    exec_field_t *ef = &op->root_plan->fields[0];
    gql_path_t path = {NULL, ef->key, 0};
    const exec_args_t *a = field_args(op, ef);
    if (a == NULL)
        return GQL_ENOMEM;
    if (a->error != NULL) {
        gql_errors_add(errors, NULL, &path, &a->error_loc, 1, "%s", a->error);
        return GQL_EFAIL;
    }
    const gql_field_t *def = ef->def;
    if (def->subscribe == NULL) {
        gql_errors_add(errors, NULL, &path, ef->locs, ef->nnodes,
                       "Subscription field must return Async Iterable. Received: undefined.");
        return GQL_EFAIL;
    }
    const char *error = NULL, *code = NULL;
    gql_resolve_info_t info = {op->context, def->subscribe_data, op->arena, op->root_type->name, def->name, &path, def,
                               &code};
    int rc = def->subscribe(&info, &a->args, stream, &error);
    if (rc != 0) {
        *stream = NULL;
        gql_errors_add(errors, code, &path, ef->locs, ef->nnodes, "%s", error ? error : "Subscription failed.");
        return GQL_EFAIL;
    }
    return 0;
}

uint64_t gql_subscription_key(const gql_operation_t *op)
{
    return op->sub_key;
}

bool gql_subscription_same(const gql_operation_t *a, const gql_operation_t *b)
{
    if (a == b)
        return true;
    if (a->sub_key != b->sub_key || a->sub_vars_len != b->sub_vars_len)
        return false;
    const gql_document_t *da = a->doc, *db = b->doc;
    size_t la = da->source ? da->source_len : 0, lb = db->source ? db->source_len : 0;
    if (la != lb || (da != db && la > 0 && da->source != db->source && memcmp(da->source, db->source, la) != 0))
        return false;
    const char *na = a->def->name ? a->def->name : "", *nb = b->def->name ? b->def->name : "";
    if (strcmp(na, nb) != 0)
        return false;
    return a->sub_vars_len == 0 || memcmp(a->sub_vars, b->sub_vars, a->sub_vars_len) == 0;
}

const char *gql_operation_root_field(const gql_operation_t *op, size_t i)
{
    gql_operation_t *mop = (gql_operation_t *)op; /* the plan is built lazily */
    if (ensure_root_plan(mop) != 0 || i >= mop->root_plan->count)
        return NULL;
    return mop->root_plan->fields[i].def->name;
}

const char *gql_subscription_field(const gql_operation_t *op, const gql_args_t **args)
{
    gql_operation_t *mop = (gql_operation_t *)op; /* plans and argument slots are filled lazily */
    if (ensure_root_plan(mop) != 0 || mop->root_plan->count == 0)
        return NULL;
    const exec_field_t *ef = &mop->root_plan->fields[0];
    if (args != NULL) {
        const exec_args_t *a = field_args(mop, ef);
        if (a == NULL)
            return NULL;
        *args = &a->args;
    }
    return ef->def->name;
}
