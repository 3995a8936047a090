/*
 * introspect.c — the introspection system (spec §4): the types __Schema,
 * __Type, __Field, __InputValue, __EnumValue, __Directive, __TypeKind and
 * __DirectiveLocation exactly as graphql-js 17 defines them (names,
 * descriptions, field order, arguments and defaults), their resolvers, and
 * the meta-fields __schema, __type(name:) and __typename.
 *
 * The types are described by constant tables and built into each schema's
 * arena by gql__introspection_install (schema.c calls it while building).
 * Resolvers see plain schema objects as parents:
 *   __Schema      const gql_schema_t *
 *   __Type        const gql_type_t *        (named types and LIST/NON_NULL)
 *   __Field       const gql_field_t *
 *   __InputValue  const gql_input_value_t *
 *   __EnumValue   const gql_enum_value_t *
 *   __Directive   const gql_directive_def_t *
 * The schema itself reaches __schema and __type through the resolvers'
 * bound data (info->field_data). Lists are allocated in info->arena.
 */
#include "schema_int.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* Resolver helpers                                                          */
/* ------------------------------------------------------------------------ */

/* A description: `len` bytes (0: up to the NUL), or null. */
static void rv_text(gql_rv_t *out, const char *s, size_t len)
{
    if (s == NULL) {
        out->kind = GQL_RV_NULL;
        return;
    }
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = gql__text_len(s, len);
}

static void rv_string(gql_rv_t *out, const char *s)
{
    if (s == NULL) {
        out->kind = GQL_RV_NULL;
        return;
    }
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = strlen(s);
}

static void rv_bool(gql_rv_t *out, bool b)
{
    out->kind = GQL_RV_BOOLEAN;
    out->u.b = b;
}

static void rv_object(gql_rv_t *out, const void *p)
{
    if (p == NULL) {
        out->kind = GQL_RV_NULL;
        return;
    }
    out->kind = GQL_RV_OBJECT;
    out->u.obj.ptr = p;
    out->u.obj.type_name = NULL;
}

/* A list of `n` items from info->arena; NULL (and a field error in *out)
 * when out of memory. */
static gql_rv_t *rv_list(const gql_resolve_info_t *info, gql_rv_t *out, size_t n)
{
    gql_rv_t *items = gql_arena_alloc(info->arena, (n ? n : 1) * sizeof(*items));
    if (items == NULL) {
        out->kind = GQL_RV_ERROR;
        out->u.s.ptr = "out of memory";
        out->u.s.len = strlen(out->u.s.ptr);
        return NULL;
    }
    out->kind = GQL_RV_LIST;
    out->u.list.items = items;
    out->u.list.count = n;
    return items;
}

/* includeDeprecated: Boolean! = false. */
static bool include_deprecated(const gql_args_t *args)
{
    if (args == NULL)
        return false;
    for (size_t i = 0; i < args->count; i++)
        if (strcmp(args->names[i], "includeDeprecated") == 0)
            return args->values[i].kind == GQL_IV_BOOLEAN && args->values[i].u.b;
    return false;
}

static const gql_iv_t *find_arg(const gql_args_t *args, const char *name)
{
    if (args == NULL)
        return NULL;
    for (size_t i = 0; i < args->count; i++)
        if (strcmp(args->names[i], name) == 0)
            return &args->values[i];
    return NULL;
}

/* Input values (args, input fields), filtered by includeDeprecated. */
static void rv_input_values(const gql_resolve_info_t *info, const gql_args_t *args, const gql_input_value_t *v,
                            size_t n, gql_rv_t *out)
{
    bool all = include_deprecated(args);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += all || !v[i].deprecated;
    gql_rv_t *items = rv_list(info, out, k);
    if (items == NULL)
        return;
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (all || !v[i].deprecated)
            rv_object(&items[k++], &v[i]);
}

/* ------------------------------------------------------------------------ */
/* __Schema                                                                  */
/* ------------------------------------------------------------------------ */

static void schema_description(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                               gql_rv_t *out)
{
    (void)info, (void)args;
    rv_text(out, ((const gql_schema_t *)parent)->description, ((const gql_schema_t *)parent)->description_len);
}

static void schema_types(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const gql_schema_t *s = parent;
    gql_rv_t *items = rv_list(info, out, s->ntypes);
    if (items == NULL)
        return;
    for (size_t i = 0; i < s->ntypes; i++)
        rv_object(&items[i], s->types[i]);
}

static void schema_query_type(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_object(out, ((const gql_schema_t *)parent)->query);
}

static void schema_mutation_type(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                 gql_rv_t *out)
{
    (void)info, (void)args;
    rv_object(out, ((const gql_schema_t *)parent)->mutation);
}

static void schema_subscription_type(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                     gql_rv_t *out)
{
    (void)info, (void)args;
    rv_object(out, ((const gql_schema_t *)parent)->subscription);
}

static void schema_directives(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    const gql_schema_t *s = parent;
    bool all = include_deprecated(args);
    size_t k = 0;
    for (size_t i = 0; i < s->ndirectives; i++)
        k += all || !s->directives[i]->deprecated;
    gql_rv_t *items = rv_list(info, out, k);
    if (items == NULL)
        return;
    k = 0;
    for (size_t i = 0; i < s->ndirectives; i++)
        if (all || !s->directives[i]->deprecated)
            rv_object(&items[k++], s->directives[i]);
}

/* ------------------------------------------------------------------------ */
/* __Directive                                                               */
/* ------------------------------------------------------------------------ */

#define DIRECTIVE(p) ((const gql_directive_def_t *)(p))

static void directive_name(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, DIRECTIVE(parent)->name);
}

static void directive_description(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                  gql_rv_t *out)
{
    (void)info, (void)args;
    rv_text(out, DIRECTIVE(parent)->description, DIRECTIVE(parent)->description_len);
}

static void directive_is_repeatable(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                    gql_rv_t *out)
{
    (void)info, (void)args;
    rv_bool(out, DIRECTIVE(parent)->repeatable);
}

/* __DirectiveLocation values in graphql-js order, with descriptions. */
static const struct {
    gql_directive_location_t loc;
    const char *description;
} directive_locations[] = {
    {GQL_DL_QUERY, "Location adjacent to a query operation."},
    {GQL_DL_MUTATION, "Location adjacent to a mutation operation."},
    {GQL_DL_SUBSCRIPTION, "Location adjacent to a subscription operation."},
    {GQL_DL_FIELD, "Location adjacent to a field."},
    {GQL_DL_FRAGMENT_DEFINITION, "Location adjacent to a fragment definition."},
    {GQL_DL_FRAGMENT_SPREAD, "Location adjacent to a fragment spread."},
    {GQL_DL_INLINE_FRAGMENT, "Location adjacent to an inline fragment."},
    {GQL_DL_VARIABLE_DEFINITION, "Location adjacent to an operation variable definition."},
    {GQL_DL_FRAGMENT_VARIABLE_DEFINITION, "Location adjacent to a fragment variable definition."},
    {GQL_DL_SCHEMA, "Location adjacent to a schema definition."},
    {GQL_DL_SCALAR, "Location adjacent to a scalar definition."},
    {GQL_DL_OBJECT, "Location adjacent to an object type definition."},
    {GQL_DL_FIELD_DEFINITION, "Location adjacent to a field definition."},
    {GQL_DL_ARGUMENT_DEFINITION, "Location adjacent to an argument definition."},
    {GQL_DL_INTERFACE, "Location adjacent to an interface definition."},
    {GQL_DL_UNION, "Location adjacent to a union definition."},
    {GQL_DL_ENUM, "Location adjacent to an enum definition."},
    {GQL_DL_ENUM_VALUE, "Location adjacent to an enum value definition."},
    {GQL_DL_INPUT_OBJECT, "Location adjacent to an input object type definition."},
    {GQL_DL_INPUT_FIELD_DEFINITION, "Location adjacent to an input object field definition."},
    {GQL_DL_DIRECTIVE_DEFINITION, "Location adjacent to a directive definition."},
};
#define N_LOCATIONS (sizeof(directive_locations) / sizeof(directive_locations[0]))

/* Locations in the order they were written (graphql-js keeps the SDL's
 * order); built-ins in their definition order. */
static void directive_locations_resolve(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                        gql_rv_t *out)
{
    (void)args;
    const gql_directive_def_t *d = parent;
    if (d->ast != NULL) {
        gql_rv_t *items = rv_list(info, out, d->ast->nlocations);
        if (items == NULL)
            return;
        for (size_t i = 0; i < d->ast->nlocations; i++)
            rv_string(&items[i], d->ast->locations[i]);
        return;
    }
    /* Built-ins list their locations in this order in graphql-js
     * (@deprecated: FIELD_DEFINITION, ARGUMENT_DEFINITION,
     * INPUT_FIELD_DEFINITION, ENUM_VALUE, DIRECTIVE_DEFINITION). */
    static const gql_directive_location_t order[] = {
        GQL_DL_QUERY,
        GQL_DL_MUTATION,
        GQL_DL_SUBSCRIPTION,
        GQL_DL_FIELD,
        GQL_DL_FRAGMENT_DEFINITION,
        GQL_DL_FRAGMENT_SPREAD,
        GQL_DL_INLINE_FRAGMENT,
        GQL_DL_VARIABLE_DEFINITION,
        GQL_DL_FRAGMENT_VARIABLE_DEFINITION,
        GQL_DL_SCHEMA,
        GQL_DL_SCALAR,
        GQL_DL_OBJECT,
        GQL_DL_FIELD_DEFINITION,
        GQL_DL_ARGUMENT_DEFINITION,
        GQL_DL_INPUT_FIELD_DEFINITION,
        GQL_DL_ENUM_VALUE,
        GQL_DL_INTERFACE,
        GQL_DL_UNION,
        GQL_DL_ENUM,
        GQL_DL_INPUT_OBJECT,
        GQL_DL_DIRECTIVE_DEFINITION,
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        n += (d->locations >> order[i]) & 1u;
    gql_rv_t *items = rv_list(info, out, n);
    if (items == NULL)
        return;
    n = 0;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if ((d->locations >> order[i]) & 1u)
            rv_string(&items[n++], gql_directive_location_name(order[i]));
}

static void directive_args(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    rv_input_values(info, args, DIRECTIVE(parent)->args, DIRECTIVE(parent)->nargs, out);
}

static void directive_is_deprecated(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                    gql_rv_t *out)
{
    (void)info, (void)args;
    rv_bool(out, DIRECTIVE(parent)->deprecated);
}

static void directive_deprecation_reason(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                         gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, DIRECTIVE(parent)->deprecation_reason);
}

/* ------------------------------------------------------------------------ */
/* __Type                                                                    */
/* ------------------------------------------------------------------------ */

#define TYPE(p) ((const gql_type_t *)(p))

static const char *const type_kind_names[] = {
    [GQL_KIND_SCALAR] = "SCALAR", [GQL_KIND_OBJECT] = "OBJECT",     [GQL_KIND_INTERFACE] = "INTERFACE",
    [GQL_KIND_UNION] = "UNION",   [GQL_KIND_ENUM] = "ENUM",         [GQL_KIND_INPUT_OBJECT] = "INPUT_OBJECT",
    [GQL_KIND_LIST] = "LIST",     [GQL_KIND_NON_NULL] = "NON_NULL",
};

static void type_kind(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, type_kind_names[TYPE(parent)->kind]);
}

static void type_name(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, TYPE(parent)->name);
}

static void type_description(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_text(out, TYPE(parent)->description, TYPE(parent)->description_len);
}

static void type_specified_by_url(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                  gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, TYPE(parent)->kind == GQL_KIND_SCALAR ? TYPE(parent)->specified_by_url : NULL);
}

static void type_fields(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    const gql_type_t *t = parent;
    if (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE)
        return;
    bool all = include_deprecated(args);
    size_t k = 0;
    for (size_t i = 0; i < t->nfields; i++)
        k += all || !t->fields[i].deprecated;
    gql_rv_t *items = rv_list(info, out, k);
    if (items == NULL)
        return;
    k = 0;
    for (size_t i = 0; i < t->nfields; i++)
        if (all || !t->fields[i].deprecated)
            rv_object(&items[k++], &t->fields[i]);
}

static void rv_types(const gql_resolve_info_t *info, const gql_type_t *const *types, size_t n, gql_rv_t *out)
{
    gql_rv_t *items = rv_list(info, out, n);
    if (items == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        rv_object(&items[i], types[i]);
}

static void type_interfaces(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const gql_type_t *t = parent;
    if (t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE)
        rv_types(info, t->interfaces, t->ninterfaces, out);
}

static void type_possible_types(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                gql_rv_t *out)
{
    (void)args;
    const gql_type_t *t = parent;
    if (gql_type_is_abstract(t))
        rv_types(info, t->possible, t->npossible, out);
}

static void type_enum_values(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    const gql_type_t *t = parent;
    if (t->kind != GQL_KIND_ENUM)
        return;
    bool all = include_deprecated(args);
    size_t k = 0;
    for (size_t i = 0; i < t->nvalues; i++)
        k += all || !t->values[i].deprecated;
    gql_rv_t *items = rv_list(info, out, k);
    if (items == NULL)
        return;
    k = 0;
    for (size_t i = 0; i < t->nvalues; i++)
        if (all || !t->values[i].deprecated)
            rv_object(&items[k++], &t->values[i]);
}

static void type_input_fields(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    const gql_type_t *t = parent;
    if (t->kind == GQL_KIND_INPUT_OBJECT)
        rv_input_values(info, args, t->input_fields, t->ninput_fields, out);
}

static void type_of_type(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_object(out, TYPE(parent)->of_type);
}

static void type_is_one_of(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    if (TYPE(parent)->kind == GQL_KIND_INPUT_OBJECT)
        rv_bool(out, TYPE(parent)->one_of);
}

/* ------------------------------------------------------------------------ */
/* __Field, __InputValue, __EnumValue                                        */
/* ------------------------------------------------------------------------ */

#define FIELD(p) ((const gql_field_t *)(p))
#define INPUT(p) ((const gql_input_value_t *)(p))
#define ENUMV(p) ((const gql_enum_value_t *)(p))

static void field_name(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, FIELD(parent)->name);
}

static void field_description(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_text(out, FIELD(parent)->description, FIELD(parent)->description_len);
}

static void field_args(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    rv_input_values(info, args, FIELD(parent)->args, FIELD(parent)->nargs, out);
}

static void field_type(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_object(out, FIELD(parent)->type);
}

static void field_is_deprecated(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                gql_rv_t *out)
{
    (void)info, (void)args;
    rv_bool(out, FIELD(parent)->deprecated);
}

static void field_deprecation_reason(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                     gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, FIELD(parent)->deprecation_reason);
}

static void input_name(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, INPUT(parent)->name);
}

static void input_description(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_text(out, INPUT(parent)->description, INPUT(parent)->description_len);
}

static void input_type(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_object(out, INPUT(parent)->type);
}

/* The default literal as written, printed as graphql-js print() does
 * (utilities/getDefaultValueAST.js: SDL defaults keep their literal). */
static void input_default_value(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                gql_rv_t *out)
{
    (void)args;
    const gql_value_t *v = INPUT(parent)->default_value;
    if (v == NULL)
        return;
    gql_buf_t b = GQL_BUF_INIT;
    gql_print_value(v, &b);
    char *s = b.oom ? NULL : gql_arena_strndup(info->arena, b.data ? b.data : "", b.len);
    gql_buf_free(&b);
    if (s == NULL) {
        out->kind = GQL_RV_ERROR;
        out->u.s.ptr = "out of memory";
        out->u.s.len = strlen(out->u.s.ptr);
        return;
    }
    rv_string(out, s);
}

static void input_is_deprecated(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                gql_rv_t *out)
{
    (void)info, (void)args;
    rv_bool(out, INPUT(parent)->deprecated);
}

static void input_deprecation_reason(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                     gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, INPUT(parent)->deprecation_reason);
}

static void enum_value_name(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, ENUMV(parent)->name);
}

static void enum_value_description(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                   gql_rv_t *out)
{
    (void)info, (void)args;
    rv_text(out, ENUMV(parent)->description, ENUMV(parent)->description_len);
}

static void enum_value_is_deprecated(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                     gql_rv_t *out)
{
    (void)info, (void)args;
    rv_bool(out, ENUMV(parent)->deprecated);
}

static void enum_value_deprecation_reason(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                          gql_rv_t *out)
{
    (void)info, (void)args;
    rv_string(out, ENUMV(parent)->deprecation_reason);
}

/* ------------------------------------------------------------------------ */
/* Meta-fields                                                               */
/* ------------------------------------------------------------------------ */

static void meta_schema(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    rv_object(out, info->field_data);
}

static void meta_type(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    const gql_iv_t *name = find_arg(args, "name");
    if (name == NULL || name->kind != GQL_IV_STRING)
        return;
    rv_object(out, gql_schema_type(info->field_data, name->u.s.ptr));
}

static void meta_typename(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    rv_string(out, info->parent_type);
}

/* ------------------------------------------------------------------------ */
/* The type tables                                                           */
/* ------------------------------------------------------------------------ */

typedef struct field_spec {
    const char *name;
    const char *type; /* e.g. "[__Type!]!" */
    const char *description;
    gql_resolver_fn resolve;
    bool include_deprecated_arg; /* has includeDeprecated: Boolean! = false */
} field_spec_t;

#define END                                                                                                            \
    {                                                                                                                  \
        NULL, NULL, NULL, NULL, false                                                                                  \
    }

static const field_spec_t schema_fields[] = {
    {"description", "String", NULL, schema_description, false},
    {"types", "[__Type!]!", "A list of all types supported by this server.", schema_types, false},
    {"queryType", "__Type!", "The type that query operations will be rooted at.", schema_query_type, false},
    {"mutationType", "__Type", "If this server supports mutation, the type that mutation operations will be rooted at.",
     schema_mutation_type, false},
    {"subscriptionType", "__Type",
     "If this server support subscription, the type that subscription operations will be rooted at.",
     schema_subscription_type, false},
    {"directives", "[__Directive!]!", "A list of all directives supported by this server.", schema_directives, true},
    END,
};

static const field_spec_t directive_fields[] = {
    {"name", "String!", NULL, directive_name, false},
    {"description", "String", NULL, directive_description, false},
    {"isRepeatable", "Boolean!", NULL, directive_is_repeatable, false},
    {"locations", "[__DirectiveLocation!]!", NULL, directive_locations_resolve, false},
    {"args", "[__InputValue!]!", NULL, directive_args, true},
    {"isDeprecated", "Boolean!", NULL, directive_is_deprecated, false},
    {"deprecationReason", "String", NULL, directive_deprecation_reason, false},
    END,
};

static const field_spec_t type_fields_spec[] = {
    {"kind", "__TypeKind!", NULL, type_kind, false},
    {"name", "String", NULL, type_name, false},
    {"description", "String", NULL, type_description, false},
    {"specifiedByURL", "String", NULL, type_specified_by_url, false},
    {"fields", "[__Field!]", NULL, type_fields, true},
    {"interfaces", "[__Type!]", NULL, type_interfaces, false},
    {"possibleTypes", "[__Type!]", NULL, type_possible_types, false},
    {"enumValues", "[__EnumValue!]", NULL, type_enum_values, true},
    {"inputFields", "[__InputValue!]", NULL, type_input_fields, true},
    {"ofType", "__Type", NULL, type_of_type, false},
    {"isOneOf", "Boolean", NULL, type_is_one_of, false},
    END,
};

static const field_spec_t field_fields[] = {
    {"name", "String!", NULL, field_name, false},
    {"description", "String", NULL, field_description, false},
    {"args", "[__InputValue!]!", NULL, field_args, true},
    {"type", "__Type!", NULL, field_type, false},
    {"isDeprecated", "Boolean!", NULL, field_is_deprecated, false},
    {"deprecationReason", "String", NULL, field_deprecation_reason, false},
    END,
};

static const field_spec_t input_value_fields[] = {
    {"name", "String!", NULL, input_name, false},
    {"description", "String", NULL, input_description, false},
    {"type", "__Type!", NULL, input_type, false},
    {"defaultValue", "String", "A GraphQL-formatted string representing the default value for this input value.",
     input_default_value, false},
    {"isDeprecated", "Boolean!", NULL, input_is_deprecated, false},
    {"deprecationReason", "String", NULL, input_deprecation_reason, false},
    END,
};

static const field_spec_t enum_value_fields[] = {
    {"name", "String!", NULL, enum_value_name, false},
    {"description", "String", NULL, enum_value_description, false},
    {"isDeprecated", "Boolean!", NULL, enum_value_is_deprecated, false},
    {"deprecationReason", "String", NULL, enum_value_deprecation_reason, false},
    END,
};

static const struct {
    const char *name;
    const char *description;
} type_kind_values[] = {
    {"SCALAR", "Indicates this type is a scalar."},
    {"OBJECT", "Indicates this type is an object. `fields` and `interfaces` are valid fields."},
    {"INTERFACE", "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields."},
    {"UNION", "Indicates this type is a union. `possibleTypes` is a valid field."},
    {"ENUM", "Indicates this type is an enum. `enumValues` is a valid field."},
    {"INPUT_OBJECT", "Indicates this type is an input object. `inputFields` is a valid field."},
    {"LIST", "Indicates this type is a list. `ofType` is a valid field."},
    {"NON_NULL", "Indicates this type is a non-null. `ofType` is a valid field."},
};

/* The eight types, in graphql-js introspectionTypes order. */
enum { T_SCHEMA, T_DIRECTIVE, T_DIRECTIVE_LOCATION, T_TYPE, T_FIELD, T_INPUT_VALUE, T_ENUM_VALUE, T_TYPE_KIND, T__N };

static const struct {
    const char *name;
    gql_type_kind_t kind;
    const char *description;
    const field_spec_t *fields;
} intro_types[T__N] = {
    [T_SCHEMA] = {"__Schema", GQL_KIND_OBJECT,
                  "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types and "
                  "directives on the server, as well as the entry points for query, mutation, and subscription "
                  "operations.",
                  schema_fields},
    [T_DIRECTIVE] = {"__Directive", GQL_KIND_OBJECT,
                     "A Directive provides a way to describe alternate runtime execution and type validation "
                     "behavior in a GraphQL document.\n\nIn some cases, you need to provide options to alter "
                     "GraphQL's execution behavior in ways field arguments will not suffice, such as conditionally "
                     "including or skipping a field. Directives provide this by describing additional information "
                     "to the executor.",
                     directive_fields},
    [T_DIRECTIVE_LOCATION] = {"__DirectiveLocation", GQL_KIND_ENUM,
                              "A Directive can be adjacent to many parts of the GraphQL language, a "
                              "__DirectiveLocation describes one such possible adjacencies.",
                              NULL},
    [T_TYPE] = {"__Type", GQL_KIND_OBJECT,
                "The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in GraphQL as "
                "represented by the `__TypeKind` enum.\n\nDepending on the kind of a type, certain fields describe "
                "information about that type. Scalar types provide no information beyond a name, description and "
                "optional `specifiedByURL`, while Enum types provide their values. Object and Interface types "
                "provide the fields they describe. Abstract types, Union and Interface, provide the Object types "
                "possible at runtime. List and NonNull types compose other types.",
                type_fields_spec},
    [T_FIELD] = {"__Field", GQL_KIND_OBJECT,
                 "Object and Interface types are described by a list of Fields, each of which has a name, "
                 "potentially a list of arguments, and a return type.",
                 field_fields},
    [T_INPUT_VALUE] = {"__InputValue", GQL_KIND_OBJECT,
                       "Arguments provided to Fields or Directives and the input fields of an InputObject are "
                       "represented as Input Values which describe their type and optionally a default value.",
                       input_value_fields},
    [T_ENUM_VALUE] = {"__EnumValue", GQL_KIND_OBJECT,
                      "One possible value for a given Enum. Enum values are unique values, not a placeholder for a "
                      "string or numeric value. However an Enum value is returned in a JSON response as a string.",
                      enum_value_fields},
    [T_TYPE_KIND] = {"__TypeKind", GQL_KIND_ENUM, "An enum describing what kind of type a given `__Type` is.", NULL},
};

/* Resolves a type written like "[__Type!]!" against the eight types and the
 * schema's scalars. */
static const gql_type_t *spec_type(gql_schema_t *s, gql_type_t *const *types, const char *spec, size_t len)
{
    if (len == 0)
        return NULL;
    if (spec[len - 1] == '!')
        return gql_type_non_null_of(s, spec_type(s, types, spec, len - 1));
    if (spec[0] == '[')
        return gql_type_list_of(s, spec_type(s, types, spec + 1, len - 2));
    for (int i = 0; i < T__N; i++)
        if (strlen(intro_types[i].name) == len && memcmp(intro_types[i].name, spec, len) == 0)
            return types[i];
    char name[32];
    if (len >= sizeof(name))
        return NULL;
    memcpy(name, spec, len);
    name[len] = '\0';
    return gql_schema_type(s, name);
}

/* The includeDeprecated argument (Boolean! = false). */
static int include_deprecated_arg(gql_schema_t *s, gql_input_value_t **args, size_t *nargs)
{
    gql_input_value_t *a = gql_arena_alloc(s->arena, sizeof(*a));
    gql_value_t *def = gql_arena_alloc(s->arena, sizeof(*def));
    if (a == NULL || def == NULL)
        return GQL_ENOMEM;
    def->kind = GQL_VALUE_BOOLEAN;
    def->boolean = false;
    a->name = "includeDeprecated";
    a->type = gql_type_non_null_of(s, gql_schema_type(s, "Boolean"));
    a->default_value = def;
    *args = a;
    *nargs = 1;
    return a->type ? 0 : GQL_ENOMEM;
}

/* Builds the fields of one type from its table, with a lookup index. */
static int build_fields(gql_schema_t *s, gql_type_t *const *types, gql_type_t *t, const field_spec_t *spec)
{
    size_t n = 0;
    while (spec[n].name != NULL)
        n++;
    gql_field_t *f = gql_arena_alloc(s->arena, n * sizeof(*f));
    if (f == NULL)
        return GQL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        f[i].name = spec[i].name;
        f[i].description = spec[i].description;
        f[i].type = spec_type(s, types, spec[i].type, strlen(spec[i].type));
        f[i].parent = t;
        f[i].resolve = spec[i].resolve;
        f[i].resolve_data = s;
        if (f[i].type == NULL)
            return GQL_ENOMEM;
        if (spec[i].include_deprecated_arg && include_deprecated_arg(s, &f[i].args, &f[i].nargs) != 0)
            return GQL_ENOMEM;
    }
    t->fields = f;
    t->nfields = n;
    return 0;
}

static int build_enum(gql_schema_t *s, gql_type_t *t, size_t n, const char *(*name_at)(size_t),
                      const char *(*description_at)(size_t))
{
    gql_enum_value_t *v = gql_arena_alloc(s->arena, n * sizeof(*v));
    if (v == NULL)
        return GQL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        v[i].name = name_at(i);
        v[i].description = description_at(i);
    }
    t->values = v;
    t->nvalues = n;
    return 0;
}

static const char *location_value_name(size_t i)
{
    return gql_directive_location_name(directive_locations[i].loc);
}
static const char *location_value_description(size_t i)
{
    return directive_locations[i].description;
}
static const char *kind_value_name(size_t i)
{
    return type_kind_values[i].name;
}
static const char *kind_value_description(size_t i)
{
    return type_kind_values[i].description;
}

static gql_field_t *meta_field(gql_schema_t *s, const char *name, const char *description, const gql_type_t *type,
                               gql_resolver_fn fn)
{
    gql_field_t *f = gql_arena_alloc(s->arena, sizeof(*f));
    if (f == NULL || type == NULL)
        return NULL;
    f->name = name;
    f->description = description;
    f->type = type;
    f->resolve = fn;
    f->resolve_data = s;
    return f;
}

int gql__introspection_install(gql_schema_t *s)
{
    if (gql_schema_type(s, "String") == NULL || gql_schema_type(s, "Boolean") == NULL)
        return GQL_EINVAL;
    gql_type_t *types[T__N];
    for (int i = 0; i < T__N; i++) {
        types[i] = gql_arena_alloc(s->arena, sizeof(*types[i]));
        if (types[i] == NULL)
            return GQL_ENOMEM;
        types[i]->kind = intro_types[i].kind;
        types[i]->name = intro_types[i].name;
        types[i]->description = intro_types[i].description;
        types[i]->builtin = true;
    }
    for (int i = 0; i < T__N; i++) {
        int rc = intro_types[i].fields != NULL ? build_fields(s, types, types[i], intro_types[i].fields) : 0;
        if (rc != 0)
            return rc;
    }
    if (build_enum(s, types[T_DIRECTIVE_LOCATION], N_LOCATIONS, location_value_name, location_value_description) != 0 ||
        build_enum(s, types[T_TYPE_KIND], sizeof(type_kind_values) / sizeof(type_kind_values[0]), kind_value_name,
                   kind_value_description) != 0)
        return GQL_ENOMEM;
    for (int i = 0; i < T__N; i++)
        if (gql__type_index(s->arena, types[i]) != 0)
            return GQL_ENOMEM;

    /* Meta-fields. */
    gql_field_t *schema_f = meta_field(s, "__schema", "Access the current type schema of this server.",
                                       gql_type_non_null_of(s, types[T_SCHEMA]), meta_schema);
    gql_field_t *type_f =
        meta_field(s, "__type", "Request the type information of a single type.", types[T_TYPE], meta_type);
    gql_field_t *typename_f = meta_field(s, "__typename", "The name of the current Object type at runtime.",
                                         gql_type_non_null_of(s, gql_schema_type(s, "String")), meta_typename);
    if (schema_f == NULL || type_f == NULL || typename_f == NULL)
        return GQL_ENOMEM;
    type_f->args = gql_arena_alloc(s->arena, sizeof(*type_f->args));
    if (type_f->args == NULL)
        return GQL_ENOMEM;
    type_f->nargs = 1;
    type_f->args[0].name = "name";
    type_f->args[0].type = gql_type_non_null_of(s, gql_schema_type(s, "String"));
    s->meta_schema = schema_f;
    s->meta_type = type_f;
    s->meta_typename = typename_f;

    /* Append the types; the caller re-indexes and orders them. */
    gql_type_t **all = gql_arena_alloc(s->arena, (s->ntypes + T__N) * sizeof(*all));
    if (all == NULL)
        return GQL_ENOMEM;
    if (s->ntypes)
        memcpy(all, s->types, s->ntypes * sizeof(*all));
    for (int i = 0; i < T__N; i++)
        all[s->ntypes + (size_t)i] = types[i];
    s->types = all;
    s->ntypes += T__N;
    return 0;
}
