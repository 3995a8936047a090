/*
 * cost.c — a static estimate of what executing one operation costs, made
 * after gql_prepare and before gql_execute, so that a query asking for far
 * more than any client needs is refused before a resolver runs.
 *
 * The estimate is the number of JSON values (objects, lists, leaves) the
 * response can hold:
 *
 *   cost(selection set, T) = sum over the fields f selected on T of
 *     1 + cost(f's selection set)                     f is not a list
 *     1 + n1 * (1 + n2 * (... (1 + cost(sub)) ...))   f is [..[U]..]
 *
 * where n1 is the list's size argument (gql_cost_options_t.size_args, e.g.
 * max_items: a literal, a variable's coerced value or the argument's
 * default) and every other list level, and a list without such an
 * argument, counts options.default_list_size items. Aliases are summed
 * (each alias executes), fragments and inline fragments add their fields
 * to the selection they are spread in, fields skipped by @skip/@include
 * (literal or variable) count nothing. Sums and products saturate at
 * UINT64_MAX.
 *
 * Introspection lists (fields of __Schema, __Type, __Field, ... : the
 * types named "__*") count one item: what they return is bounded by the
 * schema, and the response size limit (gql_limits_t.max_response_bytes)
 * bounds the rest, so GraphiQL's introspection query costs about as much
 * as its text is long whatever the schema's size.
 *
 * Linear: a fragment's cost is computed once per (fragment, type it is
 * spread on) and memoised, so a document that spreads one fragment from
 * many places (or a chain of fragments each spreading the next twice)
 * costs one walk per fragment and type; fragments are found by name
 * through a hash table, not a scan of the document.
 *
 * Memory: the tables live in the operation's request arena.
 */
#include "execute_int.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_LIST_SIZE 100

/* A memoised fragment cost: (fragment, scope type) -> cost. */
typedef struct memo_slot {
    const gql_definition_t *frag; /* NULL: empty */
    const gql_type_t *scope;
    uint64_t cost;
    bool done; /* false while the fragment is being walked (a cycle counts 0) */
} memo_slot_t;

typedef struct cost_ctx {
    const gql_schema_t *schema;
    const gql_iv_t *vars;
    gql_arena_t *arena;
    uint64_t default_list_size;
    const char *const *size_args;
    const gql_definition_t **frags; /* by name: open addressing, NULL empty */
    size_t frag_mask;
    memo_slot_t *memo;
    size_t memo_mask, memo_count;
    bool oom;
} cost_ctx_t;

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return h ^ (h >> 29);
}

static uint64_t ptr_hash(const void *a, const void *b)
{
    uint64_t h = ((uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ull) ^ (uint64_t)(uintptr_t)b;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

/* Fills the fragment table: every fragment definition by name (the first
 * of a name wins; validation refuses duplicates). False when out of memory. */
static bool index_fragments(cost_ctx_t *c, const gql_document_t *doc)
{
    size_t n = 0;
    for (size_t i = 0; i < doc->count; i++)
        n += doc->definitions[i].kind == GQL_DEF_FRAGMENT;
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    c->frags = gql_arena_alloc(c->arena, cap * sizeof(*c->frags));
    if (c->frags == NULL)
        return false;
    c->frag_mask = cap - 1;
    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (d->kind != GQL_DEF_FRAGMENT || d->name == NULL)
            continue;
        size_t k = str_hash(d->name) & c->frag_mask;
        while (c->frags[k] != NULL && strcmp(c->frags[k]->name, d->name) != 0)
            k = (k + 1) & c->frag_mask;
        if (c->frags[k] == NULL)
            c->frags[k] = d;
    }
    return true;
}

static const gql_definition_t *find_fragment(const cost_ctx_t *c, const char *name)
{
    size_t k = str_hash(name) & c->frag_mask;
    while (c->frags[k] != NULL) {
        if (strcmp(c->frags[k]->name, name) == 0)
            return c->frags[k];
        k = (k + 1) & c->frag_mask;
    }
    return NULL;
}

/* The memo slot of (frag, scope): where it is, or the empty slot it goes
 * to (the table is grown first so there always is one). NULL when out of
 * memory. */
static memo_slot_t *memo_slot(cost_ctx_t *c, const gql_definition_t *frag, const gql_type_t *scope)
{
    if (2 * (c->memo_count + 1) > c->memo_mask + 1) {
        size_t cap = c->memo_mask ? 2 * (c->memo_mask + 1) : 32;
        memo_slot_t *slots = gql_arena_alloc(c->arena, cap * sizeof(*slots));
        if (slots == NULL)
            return NULL;
        for (size_t i = 0; c->memo != NULL && i <= c->memo_mask; i++) {
            const memo_slot_t *s = &c->memo[i];
            if (s->frag == NULL)
                continue;
            size_t k = ptr_hash(s->frag, s->scope) & (cap - 1);
            while (slots[k].frag != NULL)
                k = (k + 1) & (cap - 1);
            slots[k] = *s;
        }
        c->memo = slots;
        c->memo_mask = cap - 1;
    }
    size_t k = ptr_hash(frag, scope) & c->memo_mask;
    while (c->memo[k].frag != NULL && (c->memo[k].frag != frag || c->memo[k].scope != scope))
        k = (k + 1) & c->memo_mask;
    return &c->memo[k];
}

/* The truth of `if:` of @skip/@include: a literal, or a coerced variable
 * (absent or not a boolean: false, as execution reads it). */
static bool directive_if(const cost_ctx_t *c, const gql_directive_t *d)
{
    for (size_t i = 0; i < d->nargs; i++) {
        if (strcmp(d->args[i].name, "if") != 0)
            continue;
        const gql_value_t *v = d->args[i].value;
        if (v->kind == GQL_VALUE_BOOLEAN)
            return v->boolean;
        if (v->kind == GQL_VALUE_VARIABLE) {
            const gql_iv_t *iv = gql_iv_get(c->vars, v->str);
            return iv != NULL && iv->kind == GQL_IV_BOOLEAN && iv->u.b;
        }
    }
    return false;
}

/* Whether execution would include a selection (spec §6.3.2 @skip/@include). */
static bool included(const cost_ctx_t *c, const gql_selection_t *sel)
{
    for (size_t i = 0; i < sel->ndirectives; i++) {
        const gql_directive_t *d = &sel->directives[i];
        if (strcmp(d->name, "skip") == 0 && directive_if(c, d))
            return false;
        if (strcmp(d->name, "include") == 0 && !directive_if(c, d))
            return false;
    }
    return true;
}

/* The items a list of `v` (an Int literal or a variable) holds: its value,
 * 0 when negative; false when `v` gives no integer. */
static bool int_value(const cost_ctx_t *c, const gql_value_t *v, uint64_t *out)
{
    int64_t n;
    if (v->kind == GQL_VALUE_INT) {
        n = strtoll(v->str, NULL, 10);
    } else if (v->kind == GQL_VALUE_VARIABLE) {
        const gql_iv_t *iv = gql_iv_get(c->vars, v->str);
        if (iv == NULL || iv->kind != GQL_IV_INT)
            return false;
        n = iv->u.i;
    } else {
        return false;
    }
    *out = n < 0 ? 0 : (uint64_t)n;
    return true;
}

/* The items field `sel` (defined by `def`) is asked for through its size
 * argument, or default_list_size when none says. */
static uint64_t list_size(const cost_ctx_t *c, const gql_selection_t *sel, const gql_field_t *def)
{
    for (const char *const *name = c->size_args; name != NULL && *name != NULL; name++) {
        uint64_t n;
        for (size_t i = 0; i < sel->nargs; i++)
            if (strcmp(sel->args[i].name, *name) == 0 && int_value(c, sel->args[i].value, &n))
                return n;
        const gql_input_value_t *arg = gql_field_arg(def, *name);
        if (arg != NULL && arg->default_value != NULL && int_value(c, arg->default_value, &n))
            return n;
    }
    return c->default_list_size;
}

static uint64_t set_cost(cost_ctx_t *c, const gql_selection_set_t *set, const gql_type_t *scope);

/* One field: the value itself, and through every list level its items. */
static uint64_t field_cost(cost_ctx_t *c, const gql_selection_t *sel, const gql_type_t *scope)
{
    const gql_field_t *def = gql_type_field(c->schema, scope, sel->name);
    if (def == NULL)
        return 1; /* validation refuses unknown fields; count it anyway */
    const gql_type_t *named = gql_type_named(def->type);
    uint64_t inner = 1;
    if (sel->selection_set.count > 0 && named != NULL)
        inner = sat_add(1, set_cost(c, &sel->selection_set, named));
    /* The list levels from the innermost out: each holds n items of what
     * is inside it, plus itself. */
    const gql_type_t *levels[32];
    size_t nlevels = 0;
    for (const gql_type_t *t = def->type; t != NULL && (t->kind == GQL_KIND_LIST || t->kind == GQL_KIND_NON_NULL);
         t = t->of_type)
        if (t->kind == GQL_KIND_LIST && nlevels < sizeof levels / sizeof *levels)
            levels[nlevels++] = t;
    bool meta = scope->name != NULL && scope->name[0] == '_' && scope->name[1] == '_';
    for (size_t i = nlevels; i-- > 0;) {
        uint64_t n = meta ? 1 : i == 0 ? list_size(c, sel, def) : c->default_list_size;
        inner = sat_add(1, sat_mul(n, inner));
    }
    return inner;
}

/* Whether a fragment on `cond` can apply where the scope is `scope`: for an
 * object scope, when it is that object or one of its abstract types; for an
 * abstract scope, when the two can share an object type. */
static bool applies(const gql_type_t *scope, const gql_type_t *cond)
{
    if (cond == NULL)
        return false;
    if (cond == scope)
        return true;
    if (scope->kind == GQL_KIND_OBJECT)
        return (cond->kind == GQL_KIND_INTERFACE || cond->kind == GQL_KIND_UNION) && gql_type_is_possible(cond, scope);
    return gql_types_overlap(scope, cond);
}

/* The scope inside a fragment: an object stays what it is (the runtime
 * type is known), an abstract scope narrows to the fragment's type. */
static const gql_type_t *narrow(const gql_type_t *scope, const gql_type_t *cond)
{
    return scope->kind == GQL_KIND_OBJECT ? scope : cond;
}

static uint64_t spread_cost(cost_ctx_t *c, const gql_selection_t *sel, const gql_type_t *scope)
{
    const gql_definition_t *frag = find_fragment(c, sel->name);
    if (frag == NULL)
        return 0;
    const gql_type_t *cond = frag->type_condition ? gql_schema_type(c->schema, frag->type_condition) : scope;
    if (!applies(scope, cond))
        return 0;
    memo_slot_t *m = memo_slot(c, frag, scope);
    if (m == NULL) {
        c->oom = true;
        return 0;
    }
    if (m->frag != NULL)
        return m->done ? m->cost : 0; /* in progress: a cycle, which validation refuses */
    *m = (memo_slot_t){frag, scope, 0, false};
    c->memo_count++;
    uint64_t cost = set_cost(c, &frag->selection_set, narrow(scope, cond));
    /* the walk may have grown (moved) the table: find the slot again */
    m = memo_slot(c, frag, scope);
    if (m == NULL) {
        c->oom = true;
        return 0;
    }
    m->cost = cost;
    m->done = true;
    return cost;
}

static uint64_t set_cost(cost_ctx_t *c, const gql_selection_set_t *set, const gql_type_t *scope)
{
    uint64_t total = 0;
    for (size_t i = 0; i < set->count && !c->oom; i++) {
        const gql_selection_t *sel = &set->items[i];
        if (sel->ndirectives > 0 && !included(c, sel))
            continue;
        switch (sel->kind) {
        case GQL_SEL_FIELD:
            total = sat_add(total, field_cost(c, sel, scope));
            break;
        case GQL_SEL_INLINE_FRAGMENT: {
            const gql_type_t *cond = sel->type_condition ? gql_schema_type(c->schema, sel->type_condition) : scope;
            if (applies(scope, cond))
                total = sat_add(total, set_cost(c, &sel->selection_set, narrow(scope, cond)));
            break;
        }
        case GQL_SEL_FRAGMENT_SPREAD:
            total = sat_add(total, spread_cost(c, sel, scope));
            break;
        }
    }
    return total;
}

int gql_operation_cost(const gql_operation_t *op, const gql_cost_options_t *options, uint64_t *cost)
{
    if (op == NULL || cost == NULL)
        return GQL_EINVAL;
    gql__op_parts_t parts;
    gql__operation_parts(op, &parts);
    cost_ctx_t c = {
        .schema = parts.schema,
        .vars = parts.vars,
        .arena = parts.arena,
        .default_list_size = options && options->default_list_size ? options->default_list_size : DEFAULT_LIST_SIZE,
        .size_args = options ? options->size_args : NULL,
    };
    if (!index_fragments(&c, parts.doc))
        return GQL_ENOMEM;
    *cost = set_cost(&c, &parts.def->selection_set, parts.root_type);
    return c.oom ? GQL_ENOMEM : 0;
}
