/*
 * validate_variables.c — rules about an operation's variables:
 *
 *  UniqueVariableNames (§5.8.1): variable names are unique per operation.
 *  VariablesAreInputTypes (§5.8.2): variables have input types.
 *  NoUndefinedVariables (§5.8.3): every variable used (also in the fragments
 *    the operation reaches) is defined by the operation.
 *  NoUnusedVariables (§5.8.4): every variable defined is used.
 *  VariablesInAllowedPosition (§5.8.5): a variable's type fits where it is
 *    used (a nullable variable may fill a non-null position only when it or
 *    the position has a default), and variables given to a OneOf input
 *    object field are non-null.
 */
#include "validate_int.h"

#include <string.h>

static const char *type_ref_str(gql_vctx_t *c, const gql_type_ref_t *t)
{
    switch (t->kind) {
    case GQL_TYPE_REF_LIST: {
        const char *s = gql_arena_printf(c->arena, "[%s]", type_ref_str(c, t->of));
        if (s == NULL)
            gql__vabort(c);
        return s;
    }
    case GQL_TYPE_REF_NON_NULL: {
        const char *s = gql_arena_printf(c->arena, "%s!", type_ref_str(c, t->of));
        if (s == NULL)
            gql__vabort(c);
        return s;
    }
    default:
        return t->name;
    }
}

/* Where graphql-js's VariableDefinition node starts: at its description
 * when it has one (Sept 2025), else at the '$'. The AST keeps only the '$'
 * location, so the description's opening quote is found by scanning back
 * over ignored characters and the string token. Falls back to the '$'. */
static gql_loc_t var_def_loc(gql_vctx_t *c, const gql_variable_def_t *v)
{
    const char *src = c->doc->source;
    size_t end = v->loc.offset;
    if (v->description == NULL || src == NULL || end > c->doc->source_len)
        return v->loc;
    size_t i = end;
    while (i > 0 && (src[i - 1] == ' ' || src[i - 1] == '\t' || src[i - 1] == '\n' || src[i - 1] == '\r' ||
                     src[i - 1] == ',' || (unsigned char)src[i - 1] == 0xBF))
        i--; /* 0xBF: the tail of a UTF-8 BOM, ignored like white space */
    if (i == 0 || src[i - 1] != '"')
        return v->loc;
    size_t start;
    if (i >= 3 && src[i - 2] == '"' && src[i - 3] == '"' && (i < 4 || src[i - 4] != '\\' || i - 3 == 0)) {
        /* a block string: find the opening triple quote not preceded by a backslash */
        size_t j = i - 3;
        for (;;) {
            if (j < 3)
                return v->loc;
            if (src[j - 1] == '"' && src[j - 2] == '"' && src[j - 3] == '"' && (j < 4 || src[j - 4] != '\\')) {
                start = j - 3;
                break;
            }
            j--;
        }
    } else {
        /* a one-line string: the nearest unescaped quote before it on the line */
        size_t j = i - 1;
        for (;;) {
            if (j == 0 || src[j - 1] == '\n' || src[j - 1] == '\r')
                return v->loc;
            if (src[j - 1] == '"') {
                size_t bs = 0;
                while (j - 1 > bs && src[j - 2 - bs] == '\\')
                    bs++;
                if (bs % 2 == 0) {
                    start = j - 1;
                    break;
                }
            }
            j--;
        }
    }
    /* Line and column of `start`, counted from the '$' backwards. */
    gql_loc_t l = v->loc;
    size_t lines = 0;
    for (size_t k = start; k < end; k++)
        if (src[k] == '\n' || (src[k] == '\r' && (k + 1 >= end || src[k + 1] != '\n')))
            lines++;
    if (lines == 0) {
        size_t cps = 0;
        for (size_t k = start; k < end; k++)
            cps += ((unsigned char)src[k] & 0xC0) != 0x80;
        l.column = v->loc.column > cps ? v->loc.column - (uint32_t)cps : 1;
    } else {
        size_t ls = start;
        while (ls > 0 && src[ls - 1] != '\n' && src[ls - 1] != '\r')
            ls--;
        size_t cps = 0;
        for (size_t k = ls; k < start; k++)
            cps += ((unsigned char)src[k] & 0xC0) != 0x80;
        l.column = (uint32_t)cps + 1;
        l.line = v->loc.line - (uint32_t)lines;
    }
    l.offset = (uint32_t)start;
    return l;
}

/* The location of a variable definition's name (after the '$'). */
static gql_loc_t var_name_loc(const gql_variable_def_t *v)
{
    gql_loc_t l = v->loc;
    l.column++;
    l.offset++;
    return l;
}

void gql__rule_unique_variable_names(gql_vctx_t *c, const gql_definition_t *op)
{
    if (op->nvariables < 2)
        return;
    /* groupBy: groups in the order of their first member. */
    for (size_t i = 0; i < op->nvariables; i++) {
        const char *name = op->variables[i].name;
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(op->variables[j].name, name) != 0;
        if (!first)
            continue;
        size_t n = 0;
        for (size_t j = i; j < op->nvariables; j++)
            n += strcmp(op->variables[j].name, name) == 0;
        if (n < 2)
            continue;
        gql_loc_t *locs = gql_arena_alloc_raw(c->arena, n * sizeof(*locs));
        if (locs == NULL)
            gql__vabort(c);
        size_t k = 0;
        for (size_t j = i; j < op->nvariables; j++)
            if (strcmp(op->variables[j].name, name) == 0)
                locs[k++] = var_name_loc(&op->variables[j]);
        gql__verr(c, locs, n, "There can be only one variable named \"$%s\".", name);
    }
}

void gql__rule_variables_are_input_types(gql_vctx_t *c, const gql_variable_def_t *v)
{
    const gql_type_t *t = gql__vtype_from_ref(c, v->type);
    if (t != NULL && !gql__vis_input(t))
        gql__verr1(c, v->type->loc, "Variable \"$%s\" cannot be non-input type \"%s\".", v->name,
                   type_ref_str(c, v->type));
}

static const gql_variable_def_t *find_var(const gql_definition_t *op, const char *name, bool last)
{
    const gql_variable_def_t *found = NULL;
    for (size_t i = 0; i < op->nvariables; i++)
        if (strcmp(op->variables[i].name, name) == 0) {
            found = &op->variables[i];
            if (!last)
                break;
        }
    return found;
}

void gql__rule_no_undefined_variables(gql_vctx_t *c, const gql_definition_t *op)
{
    const gql__usages_t *u = gql__vrecursive_usages(c, op);
    for (size_t i = 0; i < u->count; i++) {
        const gql_value_t *node = u->items[i].node;
        if (find_var(op, node->str, false) != NULL)
            continue;
        gql_loc_t locs[2] = {node->loc, op->loc};
        if (op->name)
            gql__verr(c, locs, 2, "Variable \"$%s\" is not defined by operation \"%s\".", node->str, op->name);
        else
            gql__verr(c, locs, 2, "Variable \"$%s\" is not defined.", node->str);
    }
}

void gql__rule_no_unused_variables(gql_vctx_t *c, const gql_definition_t *op)
{
    if (op->nvariables == 0)
        return;
    const gql__usages_t *u = gql__vrecursive_usages(c, op);
    gql__smap_t used;
    gql__smap_init(&used, c->arena);
    for (size_t i = 0; i < u->count; i++)
        gql__smap_put(&used, u->items[i].node->str, (void *)1);
    for (size_t i = 0; i < op->nvariables; i++) {
        const gql_variable_def_t *v = &op->variables[i];
        if (gql__smap_get(&used, v->name) != NULL)
            continue;
        if (op->name)
            gql__verr1(c, var_def_loc(c, v), "Variable \"$%s\" is never used in operation \"%s\".", v->name, op->name);
        else
            gql__verr1(c, var_def_loc(c, v), "Variable \"$%s\" is never used.", v->name);
    }
}

/* graphql-js allowedVariableUsage. */
static bool allowed_usage(const gql_type_t *var_type, const gql_value_t *var_default, const gql_type_t *loc_type,
                          bool loc_has_default)
{
    if (loc_type->kind == GQL_KIND_NON_NULL && var_type->kind != GQL_KIND_NON_NULL) {
        bool var_non_null_default = var_default != NULL && var_default->kind != GQL_VALUE_NULL;
        if (!var_non_null_default && !loc_has_default)
            return false;
        return gql__vtype_is_subtype(var_type, loc_type->of_type);
    }
    return gql__vtype_is_subtype(var_type, loc_type);
}

void gql__rule_variables_in_allowed_position(gql_vctx_t *c, const gql_definition_t *op)
{
    if (op->nvariables == 0)
        return;
    const gql__usages_t *u = gql__vrecursive_usages(c, op);
    for (size_t i = 0; i < u->count; i++) {
        const gql__var_usage_t *use = &u->items[i];
        const gql_variable_def_t *v = find_var(op, use->node->str, true);
        if (v == NULL || use->type == NULL)
            continue;
        const gql_type_t *vt = gql__vtype_from_ref(c, v->type);
        if (vt == NULL)
            continue;
        gql_loc_t locs[2] = {var_def_loc(c, v), use->node->loc};
        if (!allowed_usage(vt, v->default_value, use->type, use->has_default))
            gql__verr(c, locs, 2, "Variable \"$%s\" of type \"%s\" used in position expecting type \"%s\".",
                      use->node->str, gql__vtype_str(c, vt), gql__vtype_str(c, use->type));
        const gql_type_t *pt = use->parent_type;
        if (pt != NULL && pt->kind == GQL_KIND_INPUT_OBJECT && pt->one_of && vt->kind != GQL_KIND_NON_NULL)
            gql__verr(c, locs, 2,
                      "Variable \"$%s\" is of type \"%s\" but must be non-nullable to be used for OneOf Input "
                      "Object \"%s\".",
                      use->node->str, gql__vtype_str(c, vt), pt->name);
    }
}
