/*
 * validate_documents.c — rules about operations and fragments as a whole:
 *
 *  ExecutableDefinitions (§5.1.1): a document sent for execution holds only
 *    operations and fragments.
 *  KnownOperationTypes (§5.2.1): the schema has a root type for the
 *    operation's type.
 *  UniqueOperationNames (§5.2.1.1): operation names are unique.
 *  LoneAnonymousOperation (§5.2.2.1): an anonymous operation is alone.
 *  SingleFieldSubscriptions (§5.2.3.1): a subscription selects exactly one
 *    root field, not an introspection field, without @skip/@include there.
 *  UniqueFragmentNames (§5.5.1.1), KnownFragmentNames (§5.5.2.1),
 *  NoUnusedFragments (§5.5.1.4), NoFragmentCycles (§5.5.2.2).
 *  The @defer/@stream rules of graphql-js 17 (incremental delivery): not on
 *    root mutation/subscription fields, not unconditional in subscriptions,
 *    static unique labels, @stream on list fields only. Our schemas do not
 *    define @defer/@stream, but graphql-js applies these rules by directive
 *    name, so we do too.
 */
#include "validate_int.h"

#include <string.h>

static const char *const op_names[] = {"query", "mutation", "subscription"};

void gql__rule_executable_definitions(gql_vctx_t *c)
{
    for (size_t i = 0; i < c->doc->count; i++) {
        const gql_definition_t *d = &c->doc->definitions[i];
        if (gql_def_is_executable(d))
            continue;
        if (d->kind == GQL_DEF_SCHEMA)
            gql__verr1(c, d->loc, "The schema definition is not executable.");
        else
            gql__verr1(c, d->loc, "The \"%s\" definition is not executable.", d->name ? d->name : "");
    }
}

static const gql_type_t *root_of(gql_vctx_t *c, gql_op_type_t op)
{
    return op == GQL_OP_QUERY      ? c->schema->query
           : op == GQL_OP_MUTATION ? c->schema->mutation
                                   : c->schema->subscription;
}

void gql__rule_known_operation_types(gql_vctx_t *c, const gql_definition_t *op)
{
    if (root_of(c, op->operation) == NULL)
        gql__verr1(c, op->loc, "The %s operation is not supported by the schema.", op_names[op->operation]);
}

void gql__rule_unique_operation_names(gql_vctx_t *c, const gql_definition_t *op)
{
    if (op->name == NULL)
        return;
    const gql_definition_t *known = gql__smap_get(&c->op_names, op->name);
    if (known != NULL) {
        gql_loc_t locs[2] = {known->name_loc, op->name_loc};
        gql__verr(c, locs, 2, "There can be only one operation named \"%s\".", op->name);
    } else {
        gql__smap_put(&c->op_names, op->name, (void *)op);
    }
}

void gql__rule_lone_anonymous_operation(gql_vctx_t *c, const gql_definition_t *op)
{
    if (op->name == NULL && c->noperations > 1)
        gql__verr1(c, op->loc, "This anonymous operation must be the only defined operation.");
}

/* ---- SingleFieldSubscriptions: graphql-js collectFields with @skip and
 * @include forbidden at the root. */

typedef struct sub_group {
    const char *key;
    gql__vec_t fields; /* field selections */
} sub_group_t;

typedef struct sub_collect {
    const gql_type_t *runtime;
    gql__smap_t index;    /* key -> sub_group_t * */
    gql__vec_t groups;    /* sub_group_t *, in order */
    gql__vec_t forbidden; /* directives */
    gql__smap_t visited;  /* fragment names */
} sub_collect_t;

/* shouldIncludeNode with forbidSkipAndInclude: records the directive and
 * excludes the selection. */
static bool sub_include(gql_vctx_t *c, sub_collect_t *sc, const gql_selection_t *s)
{
    const gql_directive_t *skip = gql__find_directive(s->directives, s->ndirectives, "skip");
    if (skip != NULL) {
        gql__vec_push(c, &sc->forbidden, skip);
        return false;
    }
    const gql_directive_t *inc = gql__find_directive(s->directives, s->ndirectives, "include");
    if (inc != NULL) {
        gql__vec_push(c, &sc->forbidden, inc);
        return false;
    }
    return true;
}

static bool condition_matches(gql_vctx_t *c, const char *cond, const gql_type_t *runtime)
{
    if (cond == NULL)
        return true;
    const gql_type_t *t = gql_schema_type(c->schema, cond);
    if (t == NULL)
        return false;
    if (t == runtime)
        return true;
    if (t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION)
        return gql__vtype_is_possible(t, runtime);
    return false;
}

static void sub_collect(gql_vctx_t *c, sub_collect_t *sc, const gql_selection_set_t *ss)
{
    /* graphql-js charges its fragment work budget here */
    gql__vspend_fragment_work(c, ss->count);
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *sel = &ss->items[i];
        gql__vspend_fragment_work(c, sel->ndirectives);
        const gql_directive_t *defer = gql__find_directive(sel->directives, sel->ndirectives, "defer");
        gql__vspend_fragment_work(c, defer ? defer->nargs : 0);
    }
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *s = &ss->items[i];
        if (!sub_include(c, sc, s))
            continue;
        if (s->kind == GQL_SEL_FIELD) {
            const char *key = gql_selection_key(s);
            sub_group_t *g = gql__smap_get(&sc->index, key);
            if (g == NULL) {
                g = gql_arena_alloc(c->arena, sizeof(*g));
                if (g == NULL)
                    gql__vabort(c);
                g->key = key;
                gql__smap_put(&sc->index, key, g);
                gql__vec_push(c, &sc->groups, g);
            }
            gql__vec_push(c, &g->fields, s);
        } else if (s->kind == GQL_SEL_INLINE_FRAGMENT) {
            if (condition_matches(c, s->type_condition, sc->runtime))
                sub_collect(c, sc, &s->selection_set);
        } else {
            const gql_definition_t *f = gql__vfragment(c, s->name);
            if (f == NULL || !condition_matches(c, f->type_condition, sc->runtime))
                continue;
            if (gql__smap_get(&sc->visited, s->name) != NULL)
                continue;
            gql__smap_put(&sc->visited, s->name, (void *)f);
            sub_collect(c, sc, &f->selection_set);
        }
    }
}

void gql__rule_single_field_subscriptions(gql_vctx_t *c, const gql_definition_t *op)
{
    if (op->operation != GQL_OP_SUBSCRIPTION || c->schema->subscription == NULL)
        return;
    sub_collect_t sc = {0};
    sc.runtime = c->schema->subscription;
    gql__smap_init(&sc.index, c->arena);
    gql__smap_init(&sc.visited, c->arena);
    sub_collect(c, &sc, &op->selection_set);
    const char *name = op->name;
    if (sc.forbidden.count > 0) {
        gql_loc_t *locs = gql_arena_alloc_raw(c->arena, sc.forbidden.count * sizeof(*locs));
        if (locs == NULL)
            gql__vabort(c);
        for (size_t i = 0; i < sc.forbidden.count; i++)
            locs[i] = ((const gql_directive_t *)sc.forbidden.items[i])->loc;
        if (name)
            gql__verr(c, locs, sc.forbidden.count,
                      "Subscription \"%s\" must not use `@skip` or `@include` directives in the top level selection.",
                      name);
        else
            gql__verr(c, locs, sc.forbidden.count,
                      "Anonymous Subscription must not use `@skip` or `@include` directives in the top level "
                      "selection.");
        return;
    }
    if (sc.groups.count == 0) {
        if (name)
            gql__verr1(c, op->selection_set.loc, "Subscription \"%s\" must select one top level field.", name);
        else
            gql__verr1(c, op->selection_set.loc, "Anonymous Subscription must select one top level field.");
    } else if (sc.groups.count > 1) {
        size_t n = 0;
        for (size_t i = 1; i < sc.groups.count; i++)
            n += ((const sub_group_t *)sc.groups.items[i])->fields.count;
        gql_loc_t *locs = gql_arena_alloc_raw(c->arena, n * sizeof(*locs));
        if (locs == NULL)
            gql__vabort(c);
        size_t k = 0;
        for (size_t i = 1; i < sc.groups.count; i++) {
            const sub_group_t *g = sc.groups.items[i];
            for (size_t j = 0; j < g->fields.count; j++)
                locs[k++] = ((const gql_selection_t *)g->fields.items[j])->loc;
        }
        if (name)
            gql__verr(c, locs, n, "Subscription \"%s\" must select only one top level field.", name);
        else
            gql__verr(c, locs, n, "Anonymous Subscription must select only one top level field.");
    }
    for (size_t i = 0; i < sc.groups.count; i++) {
        const sub_group_t *g = sc.groups.items[i];
        const gql_selection_t *first = g->fields.items[0];
        if (strncmp(first->name, "__", 2) != 0)
            continue;
        gql_loc_t *locs = gql_arena_alloc_raw(c->arena, g->fields.count * sizeof(*locs));
        if (locs == NULL)
            gql__vabort(c);
        for (size_t j = 0; j < g->fields.count; j++)
            locs[j] = ((const gql_selection_t *)g->fields.items[j])->loc;
        if (name)
            gql__verr(c, locs, g->fields.count, "Subscription \"%s\" must not select an introspection top level field.",
                      name);
        else
            gql__verr(c, locs, g->fields.count,
                      "Anonymous Subscription must not select an introspection top level field.");
    }
}

void gql__rule_unique_fragment_names(gql_vctx_t *c, const gql_definition_t *frag)
{
    const gql_definition_t *known = gql__smap_get(&c->frag_names, frag->name);
    if (known != NULL) {
        gql_loc_t locs[2] = {known->name_loc, frag->name_loc};
        gql__verr(c, locs, 2, "There can be only one fragment named \"%s\".", frag->name);
    } else {
        gql__smap_put(&c->frag_names, frag->name, (void *)frag);
    }
}

void gql__rule_known_fragment_names(gql_vctx_t *c, const gql_selection_t *spread)
{
    if (gql__vfragment(c, spread->name) == NULL)
        gql__verr1(c, spread->name_loc, "Unknown fragment \"%s\".", spread->name);
}

void gql__rule_no_unused_fragments(gql_vctx_t *c)
{
    gql__vec_t ops = {0};
    for (size_t i = 0; i < c->doc->count; i++)
        if (c->doc->definitions[i].kind == GQL_DEF_OPERATION)
            gql__vec_push(c, &ops, &c->doc->definitions[i]);
    const gql__vec_t *used = gql__vreferenced_fragments(c, (const gql_definition_t *const *)ops.items, ops.count);
    gql__smap_t names;
    gql__smap_init(&names, c->arena);
    for (size_t i = 0; i < used->count; i++)
        gql__smap_put(&names, ((const gql_definition_t *)used->items[i])->name, (void *)used->items[i]);
    for (size_t i = 0; i < c->doc->count; i++) {
        const gql_definition_t *d = &c->doc->definitions[i];
        if (d->kind == GQL_DEF_FRAGMENT && gql__smap_get(&names, d->name) == NULL)
            gql__verr1(c, d->loc, "Fragment \"%s\" is never used.", d->name);
    }
}

/* ---- NoFragmentCycles: a depth-first search over spreads, remembering the
 * path, as graphql-js does (each fragment is searched from once). */

static void cycles_push(gql_vctx_t *c, const gql_selection_t *s)
{
    if (c->cycles.depth == c->cycles.cap) {
        size_t cap = c->cycles.cap ? c->cycles.cap * 2 : 16;
        const gql_selection_t **p = gql_arena_alloc_raw(c->arena, cap * sizeof(*p));
        if (p == NULL)
            gql__vabort(c);
        if (c->cycles.depth)
            memcpy(p, c->cycles.path, c->cycles.depth * sizeof(*p));
        c->cycles.path = p;
        c->cycles.cap = cap;
    }
    c->cycles.path[c->cycles.depth++] = s;
}

static void detect_cycles(gql_vctx_t *c, const gql_definition_t *frag)
{
    if (gql__smap_get(&c->cycles.visited, frag->name) != NULL)
        return;
    gql__smap_put(&c->cycles.visited, frag->name, (void *)frag);
    const gql__vec_t *spreads = gql__vspreads(c, &frag->selection_set);
    if (spreads->count == 0)
        return;
    gql__smap_put(&c->cycles.index, frag->name, (void *)(uintptr_t)(c->cycles.depth + 1));
    for (size_t i = 0; i < spreads->count; i++) {
        const gql_selection_t *s = spreads->items[i];
        uintptr_t at = (uintptr_t)gql__smap_get(&c->cycles.index, s->name);
        cycles_push(c, s);
        if (at == 0) {
            const gql_definition_t *f = gql__vfragment(c, s->name);
            if (f != NULL)
                detect_cycles(c, f);
        } else {
            size_t from = at - 1, n = c->cycles.depth - from;
            gql_loc_t *locs = gql_arena_alloc_raw(c->arena, n * sizeof(*locs));
            if (locs == NULL)
                gql__vabort(c);
            gql_buf_t via = GQL_BUF_INIT;
            for (size_t k = 0; k < n; k++) {
                locs[k] = c->cycles.path[from + k]->loc;
                if (k + 1 < n)
                    gql_buf_printf(&via, "%s\"%s\"", k ? ", " : "", c->cycles.path[from + k]->name);
            }
            bool has_via = via.len > 0;
            const char *vias = gql__vbuf_take(c, &via);
            if (has_via)
                gql__verr(c, locs, n, "Cannot spread fragment \"%s\" within itself via %s.", s->name, vias);
            else
                gql__verr(c, locs, n, "Cannot spread fragment \"%s\" within itself.", s->name);
        }
        c->cycles.depth--;
    }
    gql__smap_put(&c->cycles.index, frag->name, NULL);
}

void gql__rule_no_fragment_cycles(gql_vctx_t *c, const gql_definition_t *frag)
{
    detect_cycles(c, frag);
}

/* ---- @defer / @stream */

static void defer_root(gql_vctx_t *c, const gql_definition_t *op, const gql_type_t *root, const gql_selection_set_t *ss,
                       gql__smap_t *visited, bool *valid)
{
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *s = &ss->items[i];
        if (s->kind == GQL_SEL_FIELD) {
            const gql_directive_t *st = gql__find_directive(s->directives, s->ndirectives, "stream");
            if (st != NULL) {
                *valid = false;
                gql__verr1(c, st->loc, "Stream directive cannot be used on root %s type \"%s\".",
                           op_names[op->operation], root->name);
            }
        } else if (s->kind == GQL_SEL_FRAGMENT_SPREAD) {
            if (gql__smap_get(visited, s->name) != NULL)
                continue;
            gql__smap_put(visited, s->name, (void *)s);
            const gql_definition_t *f = gql__vfragment(c, s->name);
            if (f == NULL)
                continue;
            const gql_directive_t *d = gql__find_directive(s->directives, s->ndirectives, "defer");
            if (d != NULL) {
                *valid = false;
                gql__verr1(c, d->loc, "Defer directive cannot be used on root %s type \"%s\".", op_names[op->operation],
                           root->name);
            }
            if (gql__smap_get(&c->defer_root_checked, s->name) == NULL)
                defer_root(c, op, root, &f->selection_set, visited, valid);
        } else {
            const gql_directive_t *d = gql__find_directive(s->directives, s->ndirectives, "defer");
            if (d != NULL) {
                *valid = false;
                gql__verr1(c, d->loc, "Defer directive cannot be used on root %s type \"%s\".", op_names[op->operation],
                           root->name);
            }
            defer_root(c, op, root, &s->selection_set, visited, valid);
        }
    }
}

void gql__rule_defer_stream_on_root_field(gql_vctx_t *c, const gql_definition_t *op)
{
    if (op->operation == GQL_OP_QUERY)
        return;
    const gql_type_t *root = root_of(c, op->operation);
    if (root == NULL)
        return;
    gql__smap_t visited;
    gql__smap_init(&visited, c->arena);
    bool valid = true;
    defer_root(c, op, root, &op->selection_set, &visited, &valid);
    if (valid)
        for (size_t i = 0; i < visited.keys.count; i++)
            gql__smap_put(&c->defer_root_checked, visited.keys.names[i], (void *)1);
}

/* `if` can be false: a variable or the literal false. */
static bool if_can_be_false(const gql_directive_t *d)
{
    const gql_value_t *a = gql__directive_arg(d, "if");
    if (a == NULL)
        return false;
    if (a->kind == GQL_VALUE_BOOLEAN)
        return !a->boolean;
    return a->kind == GQL_VALUE_VARIABLE;
}

static void defer_valid(gql_vctx_t *c, const gql_selection_set_t *ss, gql__vec_t *parents, gql__smap_t *visited,
                        bool *valid)
{
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *s = &ss->items[i];
        const gql_directive_t *skip = gql__find_directive(s->directives, s->ndirectives, "skip");
        if (skip != NULL) {
            const gql_value_t *a = gql__directive_arg(skip, "if");
            if (a == NULL || a->kind != GQL_VALUE_BOOLEAN || a->boolean)
                continue;
        }
        const gql_directive_t *inc = gql__find_directive(s->directives, s->ndirectives, "include");
        if (inc != NULL) {
            const gql_value_t *a = gql__directive_arg(inc, "if");
            if (a != NULL && (a->kind != GQL_VALUE_BOOLEAN || !a->boolean))
                continue;
        }
        for (size_t j = 0; j < s->ndirectives; j++) {
            const gql_directive_t *d = &s->directives[j];
            bool defer = strcmp(d->name, "defer") == 0, stream = strcmp(d->name, "stream") == 0;
            if ((!defer && !stream) || if_can_be_false(d))
                continue;
            *valid = false;
            size_t n = 1 + parents->count;
            gql_loc_t *locs = gql_arena_alloc_raw(c->arena, n * sizeof(*locs));
            if (locs == NULL)
                gql__vabort(c);
            locs[0] = d->loc;
            for (size_t k = 0; k < parents->count; k++)
                locs[1 + k] = ((const gql_selection_t *)parents->items[parents->count - 1 - k])->loc;
            if (defer)
                gql__verr(c, locs, n,
                          "Defer directive not supported on subscription operations. Disable `@defer` by setting "
                          "the `if` argument to `false`.");
            else
                gql__verr(c, locs, n,
                          "Stream directive not supported on subscription operations. Disable `@stream` by "
                          "setting the `if` argument to `false`.");
        }
        if (s->kind == GQL_SEL_FRAGMENT_SPREAD) {
            if (gql__smap_get(visited, s->name) != NULL || gql__smap_get(&c->defer_valid_checked, s->name) != NULL)
                continue;
            gql__smap_put(visited, s->name, (void *)s);
            const gql_definition_t *f = gql__vfragment(c, s->name);
            if (f != NULL) {
                gql__vec_push(c, parents, s);
                defer_valid(c, &f->selection_set, parents, visited, valid);
                parents->count--;
            }
        } else if (s->selection_set.count > 0) {
            defer_valid(c, &s->selection_set, parents, visited, valid);
        }
    }
}

void gql__rule_defer_stream_on_valid_operations(gql_vctx_t *c, const gql_definition_t *op)
{
    if (op->operation != GQL_OP_SUBSCRIPTION)
        return;
    gql__smap_t visited;
    gql__smap_init(&visited, c->arena);
    gql__vec_t parents = {0};
    bool valid = true;
    defer_valid(c, &op->selection_set, &parents, &visited, &valid);
    if (valid)
        for (size_t i = 0; i < visited.keys.count; i++)
            gql__smap_put(&c->defer_valid_checked, visited.keys.names[i], (void *)1);
}

void gql__rule_defer_stream_label(gql_vctx_t *c, const gql_directive_t *d)
{
    if (strcmp(d->name, "defer") != 0 && strcmp(d->name, "stream") != 0)
        return;
    const gql_value_t *a = gql__directive_arg(d, "label");
    if (a == NULL || a->kind == GQL_VALUE_NULL)
        return;
    if (a->kind != GQL_VALUE_STRING) {
        gql__verr1(c, d->loc, "Argument \"@%s(label:)\" must be a static string.", d->name);
        return;
    }
    const gql_directive_t *known = gql__smap_get(&c->defer_labels, a->str);
    if (known != NULL) {
        gql_loc_t locs[2] = {known->loc, d->loc};
        gql__verr(c, locs, 2,
                  "Value for arguments \"defer(label:)\" and \"stream(label:)\" must be unique across all "
                  "Defer/Stream directive usages.");
    } else {
        gql__smap_put(&c->defer_labels, a->str, (void *)d);
    }
}

void gql__rule_stream_on_list_field(gql_vctx_t *c, const gql_directive_t *d, const gql__vpos_t *pos)
{
    if (pos == NULL || pos->field_def == NULL || pos->parent_type == NULL || strcmp(d->name, "stream") != 0)
        return;
    const gql_type_t *t = pos->field_def->type;
    bool list = t->kind == GQL_KIND_LIST || (t->kind == GQL_KIND_NON_NULL && t->of_type->kind == GQL_KIND_LIST);
    if (!list)
        gql__verr1(c, d->loc, "Directive \"@stream\" cannot be used on non-list field \"%s.%s\".",
                   pos->parent_type->name, pos->field_def->name);
}
