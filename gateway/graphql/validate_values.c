/*
 * validate_values.c — rules about literal values:
 *
 *  ValuesOfCorrectType (§5.6.1): every literal argument or default value
 *    can be coerced to its input type: scalars of the right kind and range,
 *    enum values that exist, input objects with their required fields and no
 *    unknown ones, and OneOf input objects (Sept 2025) with exactly one
 *    non-null field. Messages follow graphql-js 17's validateInputLiteral
 *    and its scalars' coerceInputLiteral; the walk itself is literal.c's,
 *    shared with schema validation and coercion.
 *  UniqueInputFieldNames (§5.6.3): an input object literal names each field
 *    once.
 */
#include "literal.h"
#include "validate_int.h"

#include <stdlib.h>
#include <string.h>

static void verr_at(gql_vctx_t *c, const gql_value_t *v, const char *msg)
{
    gql__verr1(c, v->loc, "%s", msg);
}

static const char *oneof_msg(gql_vctx_t *c, const gql_type_t *t)
{
    const char *s = gql_arena_printf(c->arena,
                                     "Within OneOf Input Object type \"%s\", exactly one field must be specified, "
                                     "and the value for that field must be non-null.",
                                     t->name);
    if (s == NULL)
        gql__vabort(c);
    return s;
}

static const char *fmt(gql_vctx_t *c, const char *f, const char *a, const char *b, const char *d)
{
    const char *s = gql_arena_printf(c->arena, f, a, b, d);
    if (s == NULL)
        gql__vabort(c);
    return s;
}

/* Whether an Int literal's text is outside 32 bits (graphql-js parseInt). */
static bool int_out_of_range(const char *text)
{
    double v = strtod(text, NULL);
    return v > 2147483647.0 || v < -2147483648.0;
}

static void check_leaf(gql_vctx_t *c, const gql_value_t *v, const gql_type_t *t)
{
    if (t->kind == GQL_KIND_ENUM) {
        const char *str;
        bool unknown;
        if (v->kind != GQL_VALUE_ENUM) {
            str = gql__vprint_value(c, v, true);
            unknown = false;
        } else {
            bool exists = false;
            for (size_t i = 0; i < t->nvalues && !exists; i++)
                exists = strcmp(t->values[i].name, v->str) == 0;
            if (exists)
                return;
            str = v->str;
            unknown = true;
        }
        const char **names = gql_arena_alloc_raw(c->arena, (t->nvalues ? t->nvalues : 1) * sizeof(*names));
        if (names == NULL)
            gql__vabort(c);
        for (size_t i = 0; i < t->nvalues; i++)
            names[i] = t->values[i].name;
        const char **sugg;
        size_t ns = gql__vsuggest(c, str, names, t->nvalues, &sugg);
        const char *dym = gql__vdid_you_mean(c, "the enum value", sugg, ns);
        if (unknown)
            gql__verr1(c, v->loc, "Value \"%s\" does not exist in \"%s\" enum.%s", str, t->name, dym);
        else
            gql__verr1(c, v->loc, "Enum \"%s\" cannot represent non-enum value: %s.%s", t->name, str, dym);
        return;
    }
    const char *name = t->name;
    if (strcmp(name, "Int") == 0) {
        if (v->kind != GQL_VALUE_INT)
            gql__verr1(c, v->loc, "Int cannot represent non-integer value: %s", gql__vprint_value(c, v, true));
        else if (int_out_of_range(v->str))
            gql__verr1(c, v->loc, "Int cannot represent non 32-bit signed integer value: %s", v->str);
    } else if (strcmp(name, "Float") == 0) {
        if (v->kind != GQL_VALUE_INT && v->kind != GQL_VALUE_FLOAT)
            gql__verr1(c, v->loc, "Float cannot represent non numeric value: %s", gql__vprint_value(c, v, true));
    } else if (strcmp(name, "String") == 0) {
        if (v->kind != GQL_VALUE_STRING)
            gql__verr1(c, v->loc, "String cannot represent a non string value: %s", gql__vprint_value(c, v, true));
    } else if (strcmp(name, "Boolean") == 0) {
        if (v->kind != GQL_VALUE_BOOLEAN)
            gql__verr1(c, v->loc, "Boolean cannot represent a non boolean value: %s", gql__vprint_value(c, v, true));
    } else if (strcmp(name, "ID") == 0) {
        if (v->kind != GQL_VALUE_STRING && v->kind != GQL_VALUE_INT)
            gql__verr1(c, v->loc, "ID cannot represent a non-string and non-integer value: %s",
                       gql__vprint_value(c, v, true));
    }
    /* Custom scalars accept any literal (graphql-js's default parseLiteral). */
}

/* The walk's problems, in graphql-js's words. */
static bool check_problem(void *ctx, const gql__lit_problem_t *p)
{
    gql_vctx_t *c = ctx;
    const gql_value_t *v = p->value;
    const gql_type_t *t = p->type;
    switch (p->kind) {
    case GQL_LIT_NULL:
        gql__verr1(c, v->loc, "Expected value of non-null type \"%s\" not to be null.", gql__vtype_str(c, t));
        break;
    case GQL_LIT_NOT_OBJECT:
        verr_at(c, v,
                fmt(c, "Expected value of type \"%s\" to be an object, found: %s.%s", t->name,
                    gql__vprint_value(c, v, false), ""));
        break;
    case GQL_LIT_MISSING_FIELD:
        verr_at(c, v,
                fmt(c, "Expected value of type \"%s\" to include required field \"%s\", found: %s.", t->name,
                    p->field->name, gql__vprint_value(c, v, false)));
        break;
    case GQL_LIT_UNKNOWN_FIELD: {
        const gql_object_field_t *fn = p->object_field;
        const char **names = gql_arena_alloc_raw(c->arena, (t->ninput_fields ? t->ninput_fields : 1) * sizeof(*names));
        if (names == NULL)
            gql__vabort(c);
        for (size_t j = 0; j < t->ninput_fields; j++)
            names[j] = t->input_fields[j].name;
        const char **sugg;
        size_t ns = gql__vsuggest(c, fn->name, names, t->ninput_fields, &sugg);
        const char *dym = gql__vdid_you_mean(c, NULL, sugg, ns);
        const char *printed = gql__vprint_value(c, v, false);
        if (dym[0])
            gql__verr1(c, fn->loc, "Expected value of type \"%s\" not to include unknown field \"%s\".%s Found: %s.",
                       t->name, fn->name, dym, printed);
        else
            gql__verr1(c, fn->loc, "Expected value of type \"%s\" not to include unknown field \"%s\", found: %s.",
                       t->name, fn->name, printed);
        break;
    }
    case GQL_LIT_ONE_OF:
    case GQL_LIT_ONE_OF_NULL:
        verr_at(c, v, oneof_msg(c, t));
        break;
    }
    return false; /* every problem is reported */
}

static bool check_leaf_value(void *ctx, const gql_value_t *v, const gql_type_t *t, const gql_path_t *path)
{
    (void)path;
    check_leaf(ctx, v, t);
    return false;
}

/* Variables are checked by VariablesInAllowedPosition; the depth bound keeps
 * the stack safe whatever the parser allowed. */
static const gql__lit_walk_t values_of_correct_type = {
    .problem = check_problem,
    .leaf = check_leaf_value,
    .max_depth = 512,
};

void gql__rule_values_of_correct_type(gql_vctx_t *c, const gql_value_t *v, const gql_type_t *type)
{
    if (type != NULL)
        gql__lit_walk(&values_of_correct_type, c, v, type, NULL);
}

static void duplicate_field(void *ctx, const gql_object_field_t *first, const gql_object_field_t *again)
{
    gql_loc_t locs[2] = {first->loc, again->loc};
    gql__verr(ctx, locs, 2, "There can be only one input field named \"%s\".", again->name);
}

/* UniqueInputFieldNames: each object literal, at any depth, names a field
 * once. */
void gql__rule_unique_input_field_names(gql_vctx_t *c, const gql_value_t *v)
{
    gql__lit_duplicate_fields(c->arena, v, duplicate_field, c);
}
