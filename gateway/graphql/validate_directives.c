/*
 * validate_directives.c — rules about directives and arguments:
 *
 *  KnownDirectives (§5.7.1, §5.7.2): directives are defined, and used only
 *    at locations their definition lists.
 *  UniqueDirectivesPerLocation (§5.7.3): a non-repeatable directive appears
 *    once per location (a type and its extensions count as one location).
 *  KnownArgumentNames (§5.4.1): arguments given to fields and directives are
 *    defined by them (with "Did you mean" suggestions).
 *  UniqueArgumentNames (§5.4.2): an argument is given once.
 *  ProvidedRequiredArguments (§5.4.2.1): non-null arguments without a
 *    default are given.
 */
#include "validate_int.h"

#include <string.h>

void gql__rule_known_directives(gql_vctx_t *c, const gql_directive_t *d, int location)
{
    const gql__vdirective_t *vd = gql__vdirective(c, d->name);
    if (vd == NULL) {
        gql__verr1(c, d->loc, "Unknown directive \"@%s\".", d->name);
        return;
    }
    if (location >= 0 && !(vd->locations & (1u << location)))
        gql__verr1(c, d->loc, "Directive \"@%s\" may not be used on %s.", d->name, gql__vlocation_name(location));
}

/* The map of directives already seen at a location shared across nodes
 * (the schema, a type and its extensions, a directive definition). */
static gql__smap_t *shared_seen(gql_vctx_t *c, gql__smap_t *by_name, const char *name)
{
    gql__smap_t *m = gql__smap_get(by_name, name);
    if (m == NULL) {
        m = gql_arena_alloc(c->arena, sizeof(*m));
        if (m == NULL)
            gql__vabort(c);
        gql__smap_init(m, c->arena);
        gql__smap_put(by_name, name, m);
    }
    return m;
}

void gql__rule_unique_directives_per_location(gql_vctx_t *c, const gql_directive_t *ds, size_t n, const char *type_name,
                                              bool is_schema, const char *directive_name)
{
    if (n == 0)
        return;
    gql__smap_t local, *seen = &local;
    if (is_schema)
        seen = &c->udl_schema;
    else if (type_name != NULL)
        seen = shared_seen(c, &c->udl_types, type_name);
    else if (directive_name != NULL)
        seen = shared_seen(c, &c->udl_directives, directive_name);
    else
        gql__smap_init(&local, c->arena);
    for (size_t i = 0; i < n; i++) {
        const gql_directive_t *d = &ds[i];
        const gql__vdirective_t *vd = gql__vdirective(c, d->name);
        if (vd == NULL || vd->repeatable)
            continue;
        const gql_directive_t *prev = gql__smap_get(seen, d->name);
        if (prev != NULL) {
            gql_loc_t locs[2] = {prev->loc, d->loc};
            gql__verr(c, locs, 2, "The directive \"@%s\" can only be used once at this location.", d->name);
        } else {
            gql__smap_put(seen, d->name, (void *)d);
        }
    }
}

void gql__rule_known_argument_names_on_directive(gql_vctx_t *c, const gql_directive_t *d)
{
    const gql__vdirective_t *vd = gql__vdirective(c, d->name);
    if (vd == NULL || d->nargs == 0)
        return;
    const char **names;
    size_t n = gql__vdirective_arg_names(c, vd, &names);
    for (size_t i = 0; i < d->nargs; i++) {
        bool known = false;
        for (size_t j = 0; j < n && !known; j++)
            known = strcmp(names[j], d->args[i].name) == 0;
        if (known)
            continue;
        const char **sugg;
        size_t ns = gql__vsuggest(c, d->args[i].name, names, n, &sugg);
        gql__verr1(c, d->args[i].loc, "Unknown argument \"%s\" on directive \"@%s\".%s", d->args[i].name, d->name,
                   gql__vdid_you_mean(c, NULL, sugg, ns));
    }
}

/* graphql-js GraphQLField.toString: "Type.field" ("<meta>.field" for the
 * introspection meta-fields, which have no parent type there). */
static const char *field_str(gql_vctx_t *c, const gql_field_t *f)
{
    bool meta = f == c->schema->meta_typename || f == c->schema->meta_schema || f == c->schema->meta_type;
    const char *s =
        gql_arena_printf(c->arena, "%s.%s", meta || f->parent == NULL ? "<meta>" : f->parent->name, f->name);
    if (s == NULL)
        gql__vabort(c);
    return s;
}

void gql__rule_known_argument_name(gql_vctx_t *c, const gql_argument_t *arg, const gql_field_t *field_def)
{
    if (field_def == NULL || gql__varg(field_def->args, field_def->nargs, arg->name) != NULL)
        return;
    const char **opts = gql_arena_alloc_raw(c->arena, (field_def->nargs ? field_def->nargs : 1) * sizeof(*opts));
    if (opts == NULL)
        gql__vabort(c);
    for (size_t i = 0; i < field_def->nargs; i++)
        opts[i] = field_def->args[i].name;
    const char **sugg;
    size_t ns = gql__vsuggest(c, arg->name, opts, field_def->nargs, &sugg);
    gql__verr1(c, arg->loc, "Unknown argument \"%s\" on field \"%s\".%s", arg->name, field_str(c, field_def),
               gql__vdid_you_mean(c, NULL, sugg, ns));
}

void gql__rule_unique_argument_names(gql_vctx_t *c, const gql_argument_t *args, size_t n)
{
    if (n < 2)
        return;
    for (size_t i = 0; i < n; i++) {
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(args[j].name, args[i].name) != 0;
        if (!first)
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            k += strcmp(args[j].name, args[i].name) == 0;
        if (k < 2)
            continue;
        gql_loc_t *locs = gql_arena_alloc_raw(c->arena, k * sizeof(*locs));
        if (locs == NULL)
            gql__vabort(c);
        k = 0;
        for (size_t j = i; j < n; j++)
            if (strcmp(args[j].name, args[i].name) == 0)
                locs[k++] = args[j].loc;
        gql__verr(c, locs, k, "There can be only one argument named \"%s\".", args[i].name);
    }
}

static bool given(const gql_argument_t *args, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(args[i].name, name) == 0)
            return true;
    return false;
}

void gql__rule_provided_required_arguments(gql_vctx_t *c, const gql_selection_t *field, const gql_field_t *def)
{
    if (def == NULL)
        return;
    for (size_t i = 0; i < def->nargs; i++) {
        const gql_input_value_t *a = &def->args[i];
        if (a->type->kind != GQL_KIND_NON_NULL || a->default_value != NULL || given(field->args, field->nargs, a->name))
            continue;
        gql__verr1(c, field->loc, "Argument \"%s(%s:)\" of type \"%s\" is required, but it was not provided.",
                   field_str(c, def), a->name, gql__vtype_str(c, a->type));
    }
}

static void print_type_ref(gql_buf_t *b, const gql_type_ref_t *t)
{
    if (t->kind == GQL_TYPE_REF_LIST) {
        gql_buf_putc(b, '[');
        print_type_ref(b, t->of);
        gql_buf_putc(b, ']');
    } else if (t->kind == GQL_TYPE_REF_NON_NULL) {
        print_type_ref(b, t->of);
        gql_buf_putc(b, '!');
    } else {
        gql_buf_puts(b, t->name);
    }
}

void gql__rule_provided_required_on_directive(gql_vctx_t *c, const gql_directive_t *d)
{
    const gql__vdirective_t *vd = gql__vdirective(c, d->name);
    if (vd == NULL)
        return;
    if (vd->ast != NULL) {
        for (size_t i = 0; i < vd->ast->ninput_values; i++) {
            const gql_input_value_def_t *a = &vd->ast->input_values[i];
            if (a->type->kind != GQL_TYPE_REF_NON_NULL || a->default_value != NULL || given(d->args, d->nargs, a->name))
                continue;
            gql_buf_t b = GQL_BUF_INIT;
            print_type_ref(&b, a->type);
            const char *ts = gql__vbuf_take(c, &b);
            gql__verr1(c, d->loc, "Argument \"@%s(%s:)\" of type \"%s\" is required, but it was not provided.", d->name,
                       a->name, ts);
        }
        return;
    }
    for (size_t i = 0; i < vd->def->nargs; i++) {
        const gql_input_value_t *a = &vd->def->args[i];
        if (a->type->kind != GQL_KIND_NON_NULL || a->default_value != NULL || given(d->args, d->nargs, a->name))
            continue;
        gql__verr1(c, d->loc, "Argument \"@%s(%s:)\" of type \"%s\" is required, but it was not provided.", d->name,
                   a->name, gql__vtype_str(c, a->type));
    }
}
