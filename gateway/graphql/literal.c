/*
 * literal.c — the walk of an input literal against an input type (literal.h),
 * shared by document validation, schema validation and the explanation of
 * coercion failures, and the untyped walk of UniqueInputFieldNames.
 */
#include "literal.h"

#include <string.h>

const gql_object_field_t *gql__object_field(const gql_value_t *v, const char *name)
{
    const gql_object_field_t *found = NULL;
    for (size_t i = 0; i < v->object.count; i++)
        if (strcmp(v->object.fields[i].name, name) == 0)
            found = &v->object.fields[i];
    return found;
}

static bool report(const gql__lit_walk_t *w, void *ctx, gql__lit_problem_kind_t kind, const gql_value_t *v,
                   const gql_type_t *type, const gql_path_t *path, const gql_input_value_t *field,
                   const gql_object_field_t *object_field)
{
    gql__lit_problem_t p = {kind, v, type, path, field, object_field};
    return w->problem(ctx, &p);
}

/* An input object literal: the type's fields in order (missing required
 * ones, then each given value), the literal's unknown fields, then OneOf. */
static bool walk(const gql__lit_walk_t *w, void *ctx, const gql_value_t *v, const gql_type_t *t, const gql_path_t *path,
                 unsigned depth);

static bool walk_object(const gql__lit_walk_t *w, void *ctx, const gql_value_t *v, const gql_type_t *t,
                        const gql_path_t *path, unsigned depth)
{
    if (v->kind != GQL_VALUE_OBJECT)
        return report(w, ctx, GQL_LIT_NOT_OBJECT, v, t, path, NULL, NULL);
    for (size_t i = 0; i < t->ninput_fields; i++) {
        const gql_input_value_t *f = &t->input_fields[i];
        const gql_object_field_t *given = gql__object_field(v, f->name);
        if (given == NULL) {
            if (gql__input_value_required(f) && report(w, ctx, GQL_LIT_MISSING_FIELD, v, t, path, f, NULL))
                return true;
            continue;
        }
        gql__lit_step_t step = w->field != NULL ? w->field(ctx, v, t, f, given->value, path) : GQL_LIT_WALK;
        if (step == GQL_LIT_STOP)
            return true;
        gql_path_t fp = {path, f->name, 0};
        if (step == GQL_LIT_WALK && walk(w, ctx, given->value, f->type, &fp, depth + 1))
            return true;
    }
    size_t known = 0;
    const gql_object_field_t *first_known = NULL;
    for (size_t i = 0; i < v->object.count; i++) {
        const gql_object_field_t *of = &v->object.fields[i];
        if (gql_type_input_field(t, of->name) != NULL) {
            if (known++ == 0)
                first_known = of;
        } else if (report(w, ctx, GQL_LIT_UNKNOWN_FIELD, v, t, path, NULL, of)) {
            return true;
        }
    }
    if (!t->one_of)
        return false;
    if (known != 1)
        return report(w, ctx, GQL_LIT_ONE_OF, v, t, path, NULL, NULL);
    if (first_known->value->kind == GQL_VALUE_NULL)
        return report(w, ctx, GQL_LIT_ONE_OF_NULL, v, t, path, NULL, first_known);
    return false;
}

static bool walk(const gql__lit_walk_t *w, void *ctx, const gql_value_t *v, const gql_type_t *t, const gql_path_t *path,
                 unsigned depth)
{
    if (v->kind == GQL_VALUE_VARIABLE)
        return w->variable != NULL && w->variable(ctx, v, t, path);
    if (w->max_depth != 0 && depth > w->max_depth)
        return false;
    if (t->kind == GQL_KIND_NON_NULL) {
        if (v->kind == GQL_VALUE_NULL)
            return report(w, ctx, GQL_LIT_NULL, v, t, path, NULL, NULL);
        return walk(w, ctx, v, t->of_type, path, depth + 1);
    }
    if (v->kind == GQL_VALUE_NULL)
        return false;
    if (t->kind == GQL_KIND_LIST) {
        if (v->kind != GQL_VALUE_LIST) /* a single value stands for a list of one */
            return walk(w, ctx, v, t->of_type, path, depth + 1);
        for (size_t i = 0; i < v->list.count; i++) {
            gql_path_t ip = {path, NULL, i};
            if (walk(w, ctx, v->list.items[i], t->of_type, &ip, depth + 1))
                return true;
        }
        return false;
    }
    if (t->kind == GQL_KIND_INPUT_OBJECT)
        return walk_object(w, ctx, v, t, path, depth);
    return w->leaf(ctx, v, t, path);
}

bool gql__lit_walk(const gql__lit_walk_t *w, void *ctx, const gql_value_t *v, const gql_type_t *type,
                   const gql_path_t *path)
{
    return walk(w, ctx, v, type, path, 0);
}

static const char *object_field_name(const void *fields, size_t i)
{
    return ((const gql_object_field_t *)fields)[i].name;
}

void gql__lit_duplicate_fields(gql_arena_t *arena, const gql_value_t *v,
                               void (*dup)(void *ctx, const gql_object_field_t *first, const gql_object_field_t *again),
                               void *ctx)
{
    if (v->kind == GQL_VALUE_LIST) {
        for (size_t i = 0; i < v->list.count; i++)
            gql__lit_duplicate_fields(arena, v->list.items[i], dup, ctx);
        return;
    }
    if (v->kind != GQL_VALUE_OBJECT)
        return;
    /* An index over all the fields finds, for each name, its first field. */
    gql__nameidx_t names;
    if (v->object.count < 2 ||
        gql__nameidx_build(&names, arena, v->object.fields, v->object.count, object_field_name) != 0)
        gql__nameidx_init(&names, arena);
    for (size_t i = 0; i < v->object.count; i++) {
        const gql_object_field_t *f = &v->object.fields[i];
        int32_t first = gql__nameidx_find(&names, f->name);
        if (first >= 0 && (size_t)first != i)
            dup(ctx, &v->object.fields[first], f);
        gql__lit_duplicate_fields(arena, f->value, dup, ctx);
    }
}
