/*
 * schema.c — builds a gql_schema_t from SDL, the way graphql-js's
 * buildASTSchema/extendSchema and the GraphQLSchema constructor do, and
 * answers lookups and type questions (spec §3) for the rest of the engine.
 *
 * Building, in order:
 *  1. copy the SDL into the schema's arena and parse it there, so the AST (and
 *     every name, description and default literal pointing into it) lives as
 *     long as the schema;
 *  2. run the SDL rules (schema_sdl_rules.c); stop on errors;
 *  3. make one gql_type_t per type definition (standard names resolve to the
 *     built-in scalars and introspection types), install introspection, then
 *     fill fields, interfaces, members, values and input fields from the
 *     definition and every `extend` of it, in document order;
 *  4. order the types as graphql-js's typeMap does (it decides what
 *     introspection lists): each defined type in document order followed by
 *     the not-yet-seen types it references, depth first, then the types of
 *     directive arguments, then the introspection types;
 *  5. check the values given to @deprecated and @specifiedBy, then validate
 *     the types (schema_validate.c).
 * Everything lives in the schema's arena; the builder's scratch, which the
 * checks of steps 2 and 5 use too, in another arena freed before returning.
 */
#include "schema_int.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Small shared helpers                                                      */
/* ------------------------------------------------------------------------ */

const gql_directive_t *gql__find_directive(const gql_directive_t *dirs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(dirs[i].name, name) == 0)
            return &dirs[i];
    return NULL;
}

const gql_value_t *gql__directive_arg(const gql_directive_t *d, const char *name)
{
    for (size_t i = 0; i < d->nargs; i++)
        if (strcmp(d->args[i].name, name) == 0)
            return d->args[i].value;
    return NULL;
}

static const char *const standard_type_names[] = {
    "String", "Int",     "Float",        "Boolean",     "ID",         "__Schema", "__Directive", "__DirectiveLocation",
    "__Type", "__Field", "__InputValue", "__EnumValue", "__TypeKind",
};

bool gql__is_standard_type_name(const char *name)
{
    for (size_t i = 0; i < sizeof(standard_type_names) / sizeof(standard_type_names[0]); i++)
        if (strcmp(standard_type_names[i], name) == 0)
            return true;
    return false;
}

const char *const gql__operation_words[3] = {"query", "mutation", "subscription"};

static const char *const location_names[GQL_DL__COUNT] = {
    [GQL_DL_QUERY] = "QUERY",
    [GQL_DL_MUTATION] = "MUTATION",
    [GQL_DL_SUBSCRIPTION] = "SUBSCRIPTION",
    [GQL_DL_FIELD] = "FIELD",
    [GQL_DL_FRAGMENT_DEFINITION] = "FRAGMENT_DEFINITION",
    [GQL_DL_FRAGMENT_SPREAD] = "FRAGMENT_SPREAD",
    [GQL_DL_INLINE_FRAGMENT] = "INLINE_FRAGMENT",
    [GQL_DL_VARIABLE_DEFINITION] = "VARIABLE_DEFINITION",
    [GQL_DL_SCHEMA] = "SCHEMA",
    [GQL_DL_SCALAR] = "SCALAR",
    [GQL_DL_OBJECT] = "OBJECT",
    [GQL_DL_FIELD_DEFINITION] = "FIELD_DEFINITION",
    [GQL_DL_ARGUMENT_DEFINITION] = "ARGUMENT_DEFINITION",
    [GQL_DL_INTERFACE] = "INTERFACE",
    [GQL_DL_UNION] = "UNION",
    [GQL_DL_ENUM] = "ENUM",
    [GQL_DL_ENUM_VALUE] = "ENUM_VALUE",
    [GQL_DL_INPUT_OBJECT] = "INPUT_OBJECT",
    [GQL_DL_INPUT_FIELD_DEFINITION] = "INPUT_FIELD_DEFINITION",
    [GQL_DL_FRAGMENT_VARIABLE_DEFINITION] = "FRAGMENT_VARIABLE_DEFINITION",
    [GQL_DL_DIRECTIVE_DEFINITION] = "DIRECTIVE_DEFINITION",
};

int gql_directive_location_parse(const char *name)
{
    for (int i = 0; i < GQL_DL__COUNT; i++)
        if (strcmp(location_names[i], name) == 0)
            return i;
    return -1;
}

const char *gql_directive_location_name(gql_directive_location_t loc)
{
    return (unsigned)loc < GQL_DL__COUNT ? location_names[loc] : NULL;
}

/* ------------------------------------------------------------------------ */
/* Name indexes (nameidx.h)                                                  */
/* ------------------------------------------------------------------------ */

static const char *type_name_at(const void *items, size_t i)
{
    return ((gql_type_t *const *)items)[i]->name;
}
static const char *field_name_at(const void *items, size_t i)
{
    return ((const gql_field_t *)items)[i].name;
}
static const char *input_name_at(const void *items, size_t i)
{
    return ((const gql_input_value_t *)items)[i].name;
}
static const char *enum_name_at(const void *items, size_t i)
{
    return ((const gql_enum_value_t *)items)[i].name;
}

static int schema_reindex(gql_schema_t *s)
{
    return gql__nameidx_build(&s->_types, s->arena, s->types, s->ntypes, type_name_at);
}

int gql__type_index(gql_arena_t *a, gql_type_t *t)
{
    switch (t->kind) {
    case GQL_KIND_OBJECT:
    case GQL_KIND_INTERFACE:
        return gql__nameidx_build(&t->_members, a, t->fields, t->nfields, field_name_at);
    case GQL_KIND_INPUT_OBJECT:
        return gql__nameidx_build(&t->_members, a, t->input_fields, t->ninput_fields, input_name_at);
    case GQL_KIND_ENUM:
        return gql__nameidx_build(&t->_members, a, t->values, t->nvalues, enum_name_at);
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Lookups                                                                   */
/* ------------------------------------------------------------------------ */

const gql_type_t *gql_schema_type(const gql_schema_t *s, const char *name)
{
    if (s == NULL || name == NULL)
        return NULL;
    int32_t i = gql__nameidx_find(&s->_types, name);
    return i < 0 ? NULL : s->types[i];
}

const gql_directive_def_t *gql_schema_directive(const gql_schema_t *s, const char *name)
{
    for (size_t i = 0; i < s->ndirectives; i++)
        if (strcmp(s->directives[i]->name, name) == 0)
            return s->directives[i];
    return NULL;
}

const gql_field_t *gql_type_field(const gql_schema_t *s, const gql_type_t *t, const char *name)
{
    if (t == NULL || name == NULL)
        return NULL;
    if (name[0] == '_' && name[1] == '_') {
        if (strcmp(name, "__typename") == 0)
            return gql_type_is_composite(t) ? s->meta_typename : NULL;
        if (strcmp(name, "__schema") == 0)
            return t == s->query ? s->meta_schema : NULL;
        if (strcmp(name, "__type") == 0)
            return t == s->query ? s->meta_type : NULL;
    }
    if (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE)
        return NULL;
    int32_t i = gql__nameidx_find(&t->_members, name);
    return i < 0 ? NULL : &t->fields[i];
}

const gql_input_value_t *gql_type_input_field(const gql_type_t *t, const char *name)
{
    if (t == NULL || t->kind != GQL_KIND_INPUT_OBJECT)
        return NULL;
    int32_t i = gql__nameidx_find(&t->_members, name);
    return i < 0 ? NULL : &t->input_fields[i];
}

const gql_enum_value_t *gql_type_enum_value(const gql_type_t *t, const char *name)
{
    if (t == NULL || t->kind != GQL_KIND_ENUM)
        return NULL;
    int32_t i = gql__nameidx_find(&t->_members, name);
    return i < 0 ? NULL : &t->values[i];
}

const gql_input_value_t *gql_field_arg(const gql_field_t *f, const char *name)
{
    if (f == NULL)
        return NULL;
    for (size_t i = 0; i < f->nargs; i++)
        if (strcmp(f->args[i].name, name) == 0)
            return &f->args[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Wrapping types                                                            */
/* ------------------------------------------------------------------------ */

static void wrap_lock(gql_schema_t *s)
{
    while (__atomic_exchange_n(&s->_wrap_lock, 1, __ATOMIC_ACQUIRE))
        ;
}

static void wrap_unlock(gql_schema_t *s)
{
    __atomic_store_n(&s->_wrap_lock, 0, __ATOMIC_RELEASE);
}

/* The cached wrapper of kind `kind` around t, made on first use. The cache
 * is read without the lock (acquire) and filled under it, so readers on
 * other threads see either NULL or a complete type. */
static const gql_type_t *wrap(const gql_schema_t *cs, const gql_type_t *ct, gql_type_kind_t kind)
{
    if (cs == NULL || ct == NULL)
        return NULL;
    gql_type_t *t = (gql_type_t *)ct; /* the cache is the only mutable part of a built schema */
    gql_type_t **slot = kind == GQL_KIND_LIST ? &t->_list : &t->_non_null;
    gql_type_t *w = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (w != NULL)
        return w;
    gql_schema_t *s = (gql_schema_t *)cs;
    wrap_lock(s);
    w = *slot;
    if (w == NULL) {
        w = gql_arena_alloc(s->arena, sizeof(*w));
        if (w != NULL) {
            w->kind = kind;
            w->of_type = t;
            __atomic_store_n(slot, w, __ATOMIC_RELEASE);
        }
    }
    wrap_unlock(s);
    return w;
}

const gql_type_t *gql_type_list_of(const gql_schema_t *s, const gql_type_t *t)
{
    return wrap(s, t, GQL_KIND_LIST);
}

const gql_type_t *gql_type_non_null_of(const gql_schema_t *s, const gql_type_t *t)
{
    if (t != NULL && t->kind == GQL_KIND_NON_NULL)
        return t;
    return wrap(s, t, GQL_KIND_NON_NULL);
}

const gql_type_t *gql_schema_type_from_ref(const gql_schema_t *s, const gql_type_ref_t *ref)
{
    if (ref == NULL)
        return NULL;
    switch (ref->kind) {
    case GQL_TYPE_REF_NAMED:
        return gql_schema_type(s, ref->name);
    case GQL_TYPE_REF_LIST:
        return gql_type_list_of(s, gql_schema_type_from_ref(s, ref->of));
    case GQL_TYPE_REF_NON_NULL:
        return gql_type_non_null_of(s, gql_schema_type_from_ref(s, ref->of));
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Type predicates                                                           */
/* ------------------------------------------------------------------------ */

const gql_type_t *gql_type_named(const gql_type_t *t)
{
    while (t != NULL && (t->kind == GQL_KIND_LIST || t->kind == GQL_KIND_NON_NULL))
        t = t->of_type;
    return t;
}

const gql_type_t *gql_type_nullable(const gql_type_t *t)
{
    return t != NULL && t->kind == GQL_KIND_NON_NULL ? t->of_type : t;
}

bool gql_type_is_input(const gql_type_t *t)
{
    t = gql_type_named(t);
    return t != NULL && (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM || t->kind == GQL_KIND_INPUT_OBJECT);
}

bool gql_type_is_output(const gql_type_t *t)
{
    t = gql_type_named(t);
    return t != NULL && t->kind != GQL_KIND_INPUT_OBJECT;
}

bool gql_type_is_leaf(const gql_type_t *t)
{
    t = gql_type_named(t);
    return t != NULL && (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM);
}

bool gql_type_is_composite(const gql_type_t *t)
{
    return t != NULL && (t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION);
}

bool gql_type_is_abstract(const gql_type_t *t)
{
    return t != NULL && (t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION);
}

bool gql_type_equal(const gql_type_t *a, const gql_type_t *b)
{
    while (a != NULL && b != NULL) {
        if (a == b)
            return true;
        if (a->kind != b->kind || (a->kind != GQL_KIND_LIST && a->kind != GQL_KIND_NON_NULL))
            return false;
        a = a->of_type;
        b = b->of_type;
    }
    return a == b;
}

bool gql_type_is_possible(const gql_type_t *abstract, const gql_type_t *obj)
{
    if (abstract == NULL || obj == NULL)
        return false;
    for (size_t i = 0; i < abstract->npossible; i++)
        if (abstract->possible[i] == obj)
            return true;
    return false;
}

/* graphql-js schema.isSubType: a union's members, an interface's object and
 * interface implementations. */
static bool is_sub_type(const gql_type_t *abstract, const gql_type_t *maybe)
{
    if (gql_type_is_possible(abstract, maybe))
        return true;
    if (abstract->kind == GQL_KIND_INTERFACE)
        for (size_t i = 0; i < abstract->nimplementers; i++)
            if (abstract->implementers[i] == maybe)
                return true;
    return false;
}

bool gql_type_is_subtype(const gql_schema_t *s, const gql_type_t *maybe_sub, const gql_type_t *super)
{
    (void)s;
    if (maybe_sub == NULL || super == NULL)
        return false;
    if (gql_type_equal(maybe_sub, super))
        return true;
    if (super->kind == GQL_KIND_NON_NULL) {
        if (maybe_sub->kind == GQL_KIND_NON_NULL)
            return gql_type_is_subtype(s, maybe_sub->of_type, super->of_type);
        return false;
    }
    if (maybe_sub->kind == GQL_KIND_NON_NULL)
        return gql_type_is_subtype(s, maybe_sub->of_type, super);
    if (super->kind == GQL_KIND_LIST) {
        if (maybe_sub->kind == GQL_KIND_LIST)
            return gql_type_is_subtype(s, maybe_sub->of_type, super->of_type);
        return false;
    }
    if (maybe_sub->kind == GQL_KIND_LIST)
        return false;
    return gql_type_is_abstract(super) &&
           (maybe_sub->kind == GQL_KIND_INTERFACE || maybe_sub->kind == GQL_KIND_OBJECT) &&
           is_sub_type(super, maybe_sub);
}

bool gql_types_overlap(const gql_type_t *a, const gql_type_t *b)
{
    if (a == NULL || b == NULL)
        return false;
    if (a == b)
        return true;
    if (gql_type_is_abstract(a)) {
        if (gql_type_is_abstract(b)) {
            for (size_t i = 0; i < a->npossible; i++)
                if (gql_type_is_possible(b, a->possible[i]))
                    return true;
            return false;
        }
        return gql_type_is_possible(a, b);
    }
    if (gql_type_is_abstract(b))
        return gql_type_is_possible(b, a);
    return false;
}

void gql_type_print(const gql_type_t *t, gql_buf_t *out)
{
    if (t == NULL) {
        gql_buf_puts(out, "<unknown>");
        return;
    }
    switch (t->kind) {
    case GQL_KIND_LIST:
        gql_buf_putc(out, '[');
        gql_type_print(t->of_type, out);
        gql_buf_putc(out, ']');
        break;
    case GQL_KIND_NON_NULL:
        gql_type_print(t->of_type, out);
        gql_buf_putc(out, '!');
        break;
    default:
        gql_buf_puts(out, t->name);
    }
}

const char *gql_type_str(gql_arena_t *a, const gql_type_t *t)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_type_print(t, &b);
    const char *s = b.oom ? NULL : gql_arena_strndup(a, b.data ? b.data : "", b.len);
    gql_buf_free(&b);
    return s;
}

/* ------------------------------------------------------------------------ */
/* Building                                                                  */
/* ------------------------------------------------------------------------ */

/* Built-in scalars, in graphql-js specifiedScalarTypes order. */
static const struct {
    const char *name;
    const char *description;
} builtin_scalars[] = {
    {"String", "The `String` scalar type represents textual data, represented as UTF-8 character sequences. The "
               "String type is most often used by GraphQL to represent free-form human-readable text."},
    {"Int", "The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent values "
            "between -(2^31) and 2^31 - 1."},
    {"Float", "The `Float` scalar type represents signed double-precision fractional values as specified by [IEEE "
              "754](https://en.wikipedia.org/wiki/IEEE_floating_point)."},
    {"Boolean", "The `Boolean` scalar type represents `true` or `false`."},
    {"ID", "The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a "
           "cache. The ID type appears in a JSON response as a String; however, it is not intended to be "
           "human-readable. When expected as an input type, any string (such as `\"4\"`) or integer (such as `4`) "
           "input value will be accepted as an ID."},
};
#define N_BUILTIN_SCALARS (sizeof(builtin_scalars) / sizeof(builtin_scalars[0]))

/* Per-type build state (scratch). */
typedef struct type_build {
    gql_type_t *type;              /* NULL for standard names (not built from SDL) */
    const gql_definition_t **defs; /* the definition, then its extensions in order */
    size_t ndefs, capdefs;
    bool in_set; /* typeMap ordering: already collected */
    bool placed; /* an SDL type already given its place */
} type_build_t;

typedef struct builder {
    gql_schema_t *s;
    gql_arena_t *scratch;
    gql_errors_t *errors;
    const gql_document_t *doc;
    /* Every candidate named type: SDL types, built-in scalars, introspection
     * types; tb[i] describes pool[i]. */
    gql_type_t **pool;
    type_build_t *tb;
    size_t npool;
    gql__nameidx_t pool_index; /* pool names to positions in pool */
    /* Ordered typeMap under construction. */
    gql_type_t **order;
    size_t norder;
    bool failed; /* out of memory or an unresolvable reference */
} builder_t;

static int32_t pool_find(const builder_t *b, const char *name)
{
    return gql__nameidx_find(&b->pool_index, name);
}

static gql_type_t *pool_type(builder_t *b, const char *name)
{
    int32_t i = pool_find(b, name);
    return i < 0 ? NULL : b->pool[i];
}

static const gql_type_t *resolve_ref(builder_t *b, const gql_type_ref_t *ref)
{
    const gql_type_t *t = NULL;
    switch (ref->kind) {
    case GQL_TYPE_REF_NAMED:
        t = pool_type(b, ref->name);
        if (t == NULL && !b->failed) {
            gql_errors_add(b->errors, NULL, NULL, &ref->loc, 1, "Unknown type \"%s\".", ref->name);
            b->failed = true;
        }
        return t;
    case GQL_TYPE_REF_LIST:
        t = resolve_ref(b, ref->of);
        return t ? gql_type_list_of(b->s, t) : NULL;
    case GQL_TYPE_REF_NON_NULL:
        t = resolve_ref(b, ref->of);
        return t ? gql_type_non_null_of(b->s, t) : NULL;
    }
    return NULL;
}

#define DEFAULT_DEPRECATION_REASON "No longer supported"

/* graphql-js getDeprecationReason: @deprecated's reason, or its default. */
static const char *deprecation_reason(const gql_directive_t *dirs, size_t n)
{
    const gql_directive_t *d = gql__find_directive(dirs, n, "deprecated");
    if (d == NULL)
        return NULL;
    const gql_value_t *v = gql__directive_arg(d, "reason");
    if (v != NULL && v->kind == GQL_VALUE_STRING)
        return v->str;
    return DEFAULT_DEPRECATION_REASON;
}

static const char *specified_by_url(const gql_definition_t *def)
{
    const gql_directive_t *d = gql__find_directive(def->directives, def->ndirectives, "specifiedBy");
    if (d == NULL)
        return NULL;
    const gql_value_t *v = gql__directive_arg(d, "url");
    return v != NULL && v->kind == GQL_VALUE_STRING ? v->str : NULL;
}

static void build_input_values(builder_t *b, const gql_input_value_def_t *defs, size_t n, gql_input_value_t *out)
{
    for (size_t i = 0; i < n; i++) {
        const gql_input_value_def_t *d = &defs[i];
        gql_input_value_t *v = &out[i];
        v->name = d->name;
        v->description = d->description;
        v->description_len = d->description_len;
        v->type = resolve_ref(b, d->type);
        v->default_value = d->default_value;
        v->deprecation_reason = deprecation_reason(d->directives, d->ndirectives);
        v->deprecated = v->deprecation_reason != NULL;
        v->ast = d;
    }
}

static void *scratch_grow(builder_t *b, void *items, size_t n, size_t *cap, size_t size)
{
    void *p = gql__arena_grow(b->scratch, items, n, cap, size);
    if (p == NULL)
        b->failed = true;
    return p;
}

/* Fills a type from its definition and extensions. */
static void fill_type(builder_t *b, type_build_t *tb)
{
    gql_type_t *t = tb->type;
    gql_arena_t *a = b->s->arena;
    size_t nfields = 0, ntypes = 0, nvalues = 0, ninputs = 0;
    for (size_t i = 0; i < tb->ndefs; i++) {
        nfields += tb->defs[i]->nfields;
        ntypes += tb->defs[i]->ntypes;
        nvalues += tb->defs[i]->nenum_values;
        ninputs += tb->defs[i]->ninput_values;
    }
    switch (t->kind) {
    case GQL_KIND_OBJECT:
    case GQL_KIND_INTERFACE: {
        t->fields = gql_arena_alloc(a, (nfields ? nfields : 1) * sizeof(*t->fields));
        t->interfaces = gql_arena_alloc(a, (ntypes ? ntypes : 1) * sizeof(*t->interfaces));
        if (t->fields == NULL || t->interfaces == NULL) {
            b->failed = true;
            return;
        }
        for (size_t i = 0; i < tb->ndefs; i++) {
            const gql_definition_t *d = tb->defs[i];
            for (size_t j = 0; j < d->ntypes; j++) {
                const gql_type_t *it = resolve_ref(b, d->types[j]);
                if (it != NULL)
                    t->interfaces[t->ninterfaces++] = it;
            }
            for (size_t j = 0; j < d->nfields; j++) {
                const gql_field_def_t *fd = &d->fields[j];
                gql_field_t *f = &t->fields[t->nfields++];
                f->name = fd->name;
                f->description = fd->description;
                f->description_len = fd->description_len;
                f->type = resolve_ref(b, fd->type);
                f->nargs = fd->nargs;
                f->args = gql_arena_alloc(a, (fd->nargs ? fd->nargs : 1) * sizeof(*f->args));
                if (f->args == NULL) {
                    b->failed = true;
                    return;
                }
                build_input_values(b, fd->args, fd->nargs, f->args);
                f->deprecation_reason = deprecation_reason(fd->directives, fd->ndirectives);
                f->deprecated = f->deprecation_reason != NULL;
                f->ast = fd;
                f->parent = t;
            }
        }
        break;
    }
    case GQL_KIND_UNION:
        t->possible = gql_arena_alloc(a, (ntypes ? ntypes : 1) * sizeof(*t->possible));
        if (t->possible == NULL) {
            b->failed = true;
            return;
        }
        for (size_t i = 0; i < tb->ndefs; i++)
            for (size_t j = 0; j < tb->defs[i]->ntypes; j++) {
                const gql_type_t *m = resolve_ref(b, tb->defs[i]->types[j]);
                if (m != NULL)
                    t->possible[t->npossible++] = m;
            }
        break;
    case GQL_KIND_ENUM:
        t->values = gql_arena_alloc(a, (nvalues ? nvalues : 1) * sizeof(*t->values));
        if (t->values == NULL) {
            b->failed = true;
            return;
        }
        for (size_t i = 0; i < tb->ndefs; i++)
            for (size_t j = 0; j < tb->defs[i]->nenum_values; j++) {
                const gql_enum_value_def_t *vd = &tb->defs[i]->enum_values[j];
                gql_enum_value_t *v = &t->values[t->nvalues++];
                v->name = vd->name;
                v->description = vd->description;
                v->description_len = vd->description_len;
                v->deprecation_reason = deprecation_reason(vd->directives, vd->ndirectives);
                v->deprecated = v->deprecation_reason != NULL;
                v->ast = vd;
            }
        break;
    case GQL_KIND_INPUT_OBJECT:
        t->input_fields = gql_arena_alloc(a, (ninputs ? ninputs : 1) * sizeof(*t->input_fields));
        if (t->input_fields == NULL) {
            b->failed = true;
            return;
        }
        for (size_t i = 0; i < tb->ndefs; i++) {
            build_input_values(b, tb->defs[i]->input_values, tb->defs[i]->ninput_values,
                               t->input_fields + t->ninput_fields);
            t->ninput_fields += tb->defs[i]->ninput_values;
        }
        /* graphql-js reads @oneOf from the definition only, not extensions. */
        t->one_of = gql__find_directive(tb->defs[0]->directives, tb->defs[0]->ndirectives, "oneOf") != NULL;
        break;
    case GQL_KIND_SCALAR:
        for (size_t i = 0; i < tb->ndefs; i++) {
            const char *url = specified_by_url(tb->defs[i]);
            if (url != NULL)
                t->specified_by_url = url;
        }
        break;
    default:
        break;
    }
    if (gql__type_index(a, t) != 0)
        b->failed = true;
}

static gql_type_kind_t def_kind_to_type_kind(gql_def_kind_t k)
{
    switch (k) {
    case GQL_DEF_SCALAR:
        return GQL_KIND_SCALAR;
    case GQL_DEF_OBJECT:
        return GQL_KIND_OBJECT;
    case GQL_DEF_INTERFACE:
        return GQL_KIND_INTERFACE;
    case GQL_DEF_UNION:
        return GQL_KIND_UNION;
    case GQL_DEF_ENUM:
        return GQL_KIND_ENUM;
    default:
        return GQL_KIND_INPUT_OBJECT;
    }
}

static bool is_type_def_kind(gql_def_kind_t k)
{
    return k == GQL_DEF_SCALAR || k == GQL_DEF_OBJECT || k == GQL_DEF_INTERFACE || k == GQL_DEF_UNION ||
           k == GQL_DEF_ENUM || k == GQL_DEF_INPUT_OBJECT;
}

/* typeMap ordering (graphql-js collectReferencedTypes). */
static void collect(builder_t *b, const gql_type_t *t);

static void collect_children(builder_t *b, const gql_type_t *t)
{
    switch (t->kind) {
    case GQL_KIND_UNION:
        for (size_t i = 0; i < t->npossible; i++)
            collect(b, t->possible[i]);
        break;
    case GQL_KIND_OBJECT:
    case GQL_KIND_INTERFACE:
        for (size_t i = 0; i < t->ninterfaces; i++)
            collect(b, t->interfaces[i]);
        for (size_t i = 0; i < t->nfields; i++) {
            collect(b, t->fields[i].type);
            for (size_t j = 0; j < t->fields[i].nargs; j++)
                collect(b, t->fields[i].args[j].type);
        }
        break;
    case GQL_KIND_INPUT_OBJECT:
        for (size_t i = 0; i < t->ninput_fields; i++)
            collect(b, t->input_fields[i].type);
        break;
    default:
        break;
    }
}

static void collect(builder_t *b, const gql_type_t *t)
{
    t = gql_type_named(t);
    if (t == NULL)
        return;
    int32_t i = pool_find(b, t->name);
    if (i < 0 || b->tb[i].in_set)
        return;
    b->tb[i].in_set = true;
    b->order[b->norder++] = b->pool[i];
    collect_children(b, t);
}

/* A literal string value in the schema arena (built-in defaults). */
static gql_value_t *string_literal(gql_arena_t *a, const char *s)
{
    gql_value_t *v = gql_arena_alloc(a, sizeof(*v));
    if (v != NULL) {
        v->kind = GQL_VALUE_STRING;
        v->str = s;
        v->len = strlen(s);
    }
    return v;
}

/* The built-in directives, in graphql-js specifiedDirectives order. */
static int add_builtin_directives(builder_t *b, gql_directive_def_t **out, size_t *n)
{
    gql_schema_t *s = b->s;
    gql_arena_t *a = s->arena;
    const gql_type_t *boolean_nn = gql_type_non_null_of(s, gql_schema_type(s, "Boolean"));
    const gql_type_t *string_nn = gql_type_non_null_of(s, gql_schema_type(s, "String"));
    if (boolean_nn == NULL || string_nn == NULL)
        return GQL_ENOMEM;
    const uint32_t exec_locs = (1u << GQL_DL_FIELD) | (1u << GQL_DL_FRAGMENT_SPREAD) | (1u << GQL_DL_INLINE_FRAGMENT);
    struct spec {
        const char *name, *description;
        uint32_t locations;
        const char *arg, *arg_description;
        const gql_type_t *arg_type;
        const char *arg_default;
    } specs[] = {
        {"include", "Directs the executor to include this field or fragment only when the `if` argument is true.",
         exec_locs, "if", "Included when true.", boolean_nn, NULL},
        {"skip", "Directs the executor to skip this field or fragment when the `if` argument is true.", exec_locs, "if",
         "Skipped when true.", boolean_nn, NULL},
        {"deprecated", "Marks an element of a GraphQL schema as no longer supported.",
         (1u << GQL_DL_FIELD_DEFINITION) | (1u << GQL_DL_ARGUMENT_DEFINITION) | (1u << GQL_DL_INPUT_FIELD_DEFINITION) |
             (1u << GQL_DL_ENUM_VALUE) | (1u << GQL_DL_DIRECTIVE_DEFINITION),
         "reason",
         "Explains why this element was deprecated, usually also including a suggestion for how to access "
         "supported similar data. Formatted using the Markdown syntax, as specified by "
         "[CommonMark](https://commonmark.org/).",
         string_nn, DEFAULT_DEPRECATION_REASON},
        {"specifiedBy", "Exposes a URL that specifies the behavior of this scalar.", 1u << GQL_DL_SCALAR, "url",
         "The URL that specifies the behavior of this scalar.", string_nn, NULL},
        {"oneOf", "Indicates exactly one field must be supplied and this field must not be `null`.",
         1u << GQL_DL_INPUT_OBJECT, NULL, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        bool overridden = false;
        for (size_t j = 0; j < *n; j++)
            if (strcmp(out[j]->name, specs[i].name) == 0)
                overridden = true;
        if (overridden)
            continue;
        gql_directive_def_t *d = gql_arena_alloc(a, sizeof(*d));
        if (d == NULL)
            return GQL_ENOMEM;
        d->name = specs[i].name;
        d->description = specs[i].description;
        d->locations = specs[i].locations;
        d->builtin = true;
        if (specs[i].arg != NULL) {
            d->args = gql_arena_alloc(a, sizeof(*d->args));
            if (d->args == NULL)
                return GQL_ENOMEM;
            d->nargs = 1;
            d->args[0].name = specs[i].arg;
            d->args[0].description = specs[i].arg_description;
            d->args[0].type = specs[i].arg_type;
            if (specs[i].arg_default != NULL &&
                (d->args[0].default_value = string_literal(a, specs[i].arg_default)) == NULL)
                return GQL_ENOMEM;
        }
        out[(*n)++] = d;
    }
    return 0;
}

static int build_directives(builder_t *b)
{
    gql_schema_t *s = b->s;
    const gql_document_t *doc = b->doc;
    size_t ndefs = 0;
    for (size_t i = 0; i < doc->count; i++)
        if (doc->definitions[i].kind == GQL_DEF_DIRECTIVE && !doc->definitions[i].is_extension)
            ndefs++;
    s->directives = gql_arena_alloc(s->arena, (ndefs + 5) * sizeof(*s->directives));
    if (s->directives == NULL)
        return GQL_ENOMEM;
    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *def = &doc->definitions[i];
        if (def->kind != GQL_DEF_DIRECTIVE || def->is_extension)
            continue;
        gql_directive_def_t *d = gql_arena_alloc(s->arena, sizeof(*d));
        if (d == NULL)
            return GQL_ENOMEM;
        d->name = def->name;
        d->description = def->description;
        d->description_len = def->description_len;
        d->repeatable = def->repeatable;
        d->ast = def;
        for (size_t j = 0; j < def->nlocations; j++) {
            int loc = gql_directive_location_parse(def->locations[j]);
            if (loc >= 0)
                d->locations |= 1u << loc;
        }
        d->nargs = def->ninput_values;
        d->args = gql_arena_alloc(s->arena, (d->nargs ? d->nargs : 1) * sizeof(*d->args));
        if (d->args == NULL)
            return GQL_ENOMEM;
        build_input_values(b, def->input_values, def->ninput_values, d->args);
        /* Deprecation: the definition's own, else the first extension's. */
        d->deprecation_reason = deprecation_reason(def->directives, def->ndirectives);
        for (size_t k = 0; k < doc->count && d->deprecation_reason == NULL; k++) {
            const gql_definition_t *ext = &doc->definitions[k];
            if (ext->kind == GQL_DEF_DIRECTIVE && ext->is_extension && strcmp(ext->name, def->name) == 0)
                d->deprecation_reason = deprecation_reason(ext->directives, ext->ndirectives);
        }
        d->deprecated = d->deprecation_reason != NULL;
        s->directives[s->ndirectives++] = d;
    }
    return add_builtin_directives(b, s->directives, &s->ndirectives);
}

static void set_root_types(builder_t *b)
{
    gql_schema_t *s = b->s;
    const gql_document_t *doc = b->doc;
    bool have_schema_def = false;
    const gql_type_t *roots[3] = {NULL, NULL, NULL};
    for (int pass = 0; pass < 2; pass++) /* the definition, then extensions */
        for (size_t i = 0; i < doc->count; i++) {
            const gql_definition_t *d = &doc->definitions[i];
            if (d->kind != GQL_DEF_SCHEMA || d->is_extension != (pass == 1))
                continue;
            if (!d->is_extension) {
                have_schema_def = true;
                s->description = d->description;
                s->description_len = d->description_len;
            }
            for (size_t j = 0; j < d->nroot_ops; j++)
                if ((unsigned)d->root_ops[j].operation < 3)
                    roots[d->root_ops[j].operation] = pool_type(b, d->root_ops[j].type_name);
        }
    if (!have_schema_def) {
        static const char *const names[3] = {"Query", "Mutation", "Subscription"};
        for (size_t i = 0; i < doc->count; i++) {
            const gql_definition_t *d = &doc->definitions[i];
            if (!is_type_def_kind(d->kind) || d->is_extension)
                continue;
            for (int k = 0; k < 3; k++)
                if (strcmp(d->name, names[k]) == 0)
                    roots[k] = pool_type(b, d->name);
        }
    }
    s->query = roots[0];
    s->mutation = roots[1];
    s->subscription = roots[2];
}

/* Fills `possible` of interfaces (objects implementing them) and
 * `implementers` (interfaces implementing them), in typeMap order. */
static int link_implementations(gql_schema_t *s)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->ntypes; i++) {
            gql_type_t *t = s->types[i];
            if (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE)
                continue;
            for (size_t j = 0; j < t->ninterfaces; j++) {
                gql_type_t *iface = (gql_type_t *)t->interfaces[j];
                if (iface->kind != GQL_KIND_INTERFACE)
                    continue;
                bool obj = t->kind == GQL_KIND_OBJECT;
                if (pass == 0) {
                    if (obj)
                        iface->npossible++;
                    else
                        iface->nimplementers++;
                } else if (obj) {
                    ((const gql_type_t **)iface->possible)[iface->npossible++] = t;
                } else {
                    ((const gql_type_t **)iface->implementers)[iface->nimplementers++] = t;
                }
            }
        }
        if (pass == 0)
            for (size_t i = 0; i < s->ntypes; i++) {
                gql_type_t *t = s->types[i];
                if (t->kind != GQL_KIND_INTERFACE)
                    continue;
                t->possible = gql_arena_alloc(s->arena, (t->npossible + 1) * sizeof(*t->possible));
                t->implementers = gql_arena_alloc(s->arena, (t->nimplementers + 1) * sizeof(*t->implementers));
                if (t->possible == NULL || t->implementers == NULL)
                    return GQL_ENOMEM;
                t->npossible = t->nimplementers = 0;
            }
    }
    return 0;
}

/* Steps 3 and 4 of the header comment. Returns 0, GQL_ENOMEM or GQL_EFAIL
 * (an error was added). */
static int build(builder_t *b)
{
    gql_schema_t *s = b->s;
    const gql_document_t *doc = b->doc;
    size_t ndefs = 0;
    for (size_t i = 0; i < doc->count; i++)
        if (is_type_def_kind(doc->definitions[i].kind) && !doc->definitions[i].is_extension)
            ndefs++;
    size_t cap = ndefs + N_BUILTIN_SCALARS + 8;
    b->pool = gql_arena_alloc(b->scratch, cap * sizeof(*b->pool));
    b->tb = gql_arena_alloc(b->scratch, cap * sizeof(*b->tb));
    b->order = gql_arena_alloc(b->scratch, cap * sizeof(*b->order));
    if (b->pool == NULL || b->tb == NULL || b->order == NULL)
        return GQL_ENOMEM;

    /* Shells: SDL types (standard names excepted), then the built-in scalars. */
    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (!is_type_def_kind(d->kind) || d->is_extension || gql__is_standard_type_name(d->name))
            continue;
        gql_type_t *t = gql_arena_alloc(s->arena, sizeof(*t));
        if (t == NULL)
            return GQL_ENOMEM;
        t->kind = def_kind_to_type_kind(d->kind);
        t->name = d->name;
        t->description = d->description;
        t->description_len = d->description_len;
        t->ast = d;
        b->tb[b->npool].type = t;
        b->pool[b->npool++] = t;
    }
    for (size_t i = 0; i < N_BUILTIN_SCALARS; i++) {
        gql_type_t *t = gql_arena_alloc(s->arena, sizeof(*t));
        if (t == NULL)
            return GQL_ENOMEM;
        t->kind = GQL_KIND_SCALAR;
        t->name = builtin_scalars[i].name;
        t->description = builtin_scalars[i].description;
        t->builtin = true;
        b->pool[b->npool++] = t;
    }
    /* Introspection types are appended to s->types by the installer. */
    s->types = b->pool;
    s->ntypes = b->npool;
    if (schema_reindex(s) != 0)
        return GQL_ENOMEM;
    int rc = gql__introspection_install(s);
    if (rc != 0)
        return rc;
    if (s->ntypes > cap)
        return GQL_EINVAL;
    if (s->types != b->pool) {
        memcpy(b->pool, s->types, s->ntypes * sizeof(*b->pool));
        s->types = b->pool;
    }
    b->npool = s->ntypes;
    if (gql__nameidx_build(&b->pool_index, b->scratch, b->pool, b->npool, type_name_at) != 0)
        return GQL_ENOMEM;

    /* Definitions and extensions per type, in document order. */
    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (!is_type_def_kind(d->kind))
            continue;
        int32_t k = pool_find(b, d->name);
        if (k < 0 || b->tb[k].type == NULL)
            continue; /* extension of a standard type: graphql-js ignores it */
        type_build_t *tb = &b->tb[k];
        tb->defs = scratch_grow(b, tb->defs, tb->ndefs, &tb->capdefs, sizeof(*tb->defs));
        if (tb->defs == NULL)
            return GQL_ENOMEM;
        if (!d->is_extension && tb->ndefs > 0) { /* keep the definition first */
            memmove(tb->defs + 1, tb->defs, tb->ndefs * sizeof(*tb->defs));
            tb->defs[0] = d;
        } else {
            tb->defs[tb->ndefs] = d;
        }
        tb->ndefs++;
    }
    for (size_t i = 0; i < b->npool && !b->failed; i++)
        if (b->tb[i].type != NULL && b->tb[i].ndefs > 0)
            fill_type(b, &b->tb[i]);
    if (b->failed)
        return b->errors->count ? GQL_EFAIL : GQL_ENOMEM;

    set_root_types(b);
    if ((rc = build_directives(b)) != 0)
        return rc;
    if (b->failed)
        return b->errors->count ? GQL_EFAIL : GQL_ENOMEM;

    /* typeMap order: SDL types in document order (all "in the set" from the
     * start), each followed by what it references that is not yet there. */
    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (is_type_def_kind(d->kind) && !d->is_extension) {
            int32_t k = pool_find(b, d->name);
            if (k >= 0)
                b->tb[k].in_set = true;
        }
    }
    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (!is_type_def_kind(d->kind) || d->is_extension)
            continue;
        int32_t k = pool_find(b, d->name);
        if (k < 0)
            continue;
        if (b->tb[k].placed)
            continue; /* a repeated name (an SDL error) keeps its first place */
        b->tb[k].placed = true;
        b->order[b->norder++] = b->pool[k];
        collect_children(b, b->pool[k]);
    }
    collect(b, s->query);
    collect(b, s->mutation);
    collect(b, s->subscription);
    for (size_t i = 0; i < s->ndirectives; i++)
        for (size_t j = 0; j < s->directives[i]->nargs; j++)
            collect(b, s->directives[i]->args[j].type);
    collect(b, pool_type(b, "__Schema"));

    s->types = gql_arena_alloc(s->arena, (b->norder ? b->norder : 1) * sizeof(*s->types));
    if (s->types == NULL)
        return GQL_ENOMEM;
    memcpy(s->types, b->order, b->norder * sizeof(*s->types));
    s->ntypes = b->norder;
    if (schema_reindex(s) != 0)
        return GQL_ENOMEM;
    return link_implementations(s);
}

gql_schema_t *gql_schema_build(const char *sdl, size_t len, const gql_schema_options_t *options, gql_errors_t *errors,
                               gql_errors_t *warnings)
{
    static const gql_schema_options_t no_options = {0};
    if (errors == NULL)
        return NULL;
    if (sdl == NULL) {
        gql_errors_add(errors, NULL, NULL, NULL, 0, "No schema text was given.");
        return NULL;
    }
    if (options == NULL)
        options = &no_options;
    gql_arena_t *arena = gql_arena_new(1u << 16, NULL);
    gql_arena_t *scratch = gql_arena_new(1u << 14, NULL);
    gql_schema_t *s = arena ? gql_arena_alloc(arena, sizeof(*s)) : NULL;
    char *text = s ? gql_arena_strndup(arena, sdl, len) : NULL;
    if (scratch == NULL || text == NULL) {
        gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Out of memory while building the schema.");
        gql_arena_free(scratch);
        gql_arena_free(arena);
        return NULL;
    }
    s->arena = arena;
    size_t errors_before = errors->count + errors->dropped;

    /* A schema is trusted input: no size limits, but errors stay bounded. */
    gql_limits_t limits = {0};
    limits.max_errors = errors->max;
    const gql_document_t *doc = gql_parse(arena, text, len, &limits, errors);
    int rc = doc == NULL ? GQL_EFAIL : 0;
    if (rc == 0) {
        s->sdl = doc;
        if (gql__schema_validate_sdl(doc, scratch, errors) > 0)
            rc = GQL_EFAIL;
    }
    if (rc == 0) {
        builder_t b = {.s = s, .scratch = scratch, .errors = errors, .doc = doc};
        rc = build(&b);
    }
    if (rc == 0 && gql__schema_validate_directive_values(s, scratch, errors) > 0)
        rc = GQL_EFAIL;
    if (rc == 0 && gql__schema_validate(s, options, scratch, errors, warnings) > 0)
        rc = GQL_EFAIL;
    gql_arena_free(scratch);
    if (rc != 0) {
        if (errors->count + errors->dropped == errors_before)
            gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0,
                           rc == GQL_ENOMEM ? "Out of memory while building the schema."
                                            : "The schema could not be built.");
        gql_arena_free(arena);
        return NULL;
    }
    return s;
}

void gql_schema_free(gql_schema_t *schema)
{
    if (schema != NULL)
        gql_arena_free(schema->arena); /* the schema struct lives in its arena too */
}

/* ------------------------------------------------------------------------ */
/* Resolver binding                                                          */
/* ------------------------------------------------------------------------ */

int gql_schema_bind(gql_schema_t *schema, const char *type, const char *field, gql_resolver_fn fn, void *data)
{
    if (schema == NULL || type == NULL || field == NULL)
        return GQL_EINVAL;
    const gql_type_t *t = gql_schema_type(schema, type);
    if (t == NULL || (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE))
        return GQL_EINVAL;
    int32_t i = gql__nameidx_find(&t->_members, field);
    if (i < 0)
        return GQL_EINVAL;
    gql_field_t *f = (gql_field_t *)&t->fields[i]; /* the schema owns its fields */
    f->resolve = fn;
    f->resolve_data = data;
    return 0;
}

int gql_schema_bind_subscribe(gql_schema_t *schema, const char *field, gql_subscribe_fn fn, void *data)
{
    if (schema == NULL || field == NULL || schema->subscription == NULL)
        return GQL_EINVAL;
    const gql_type_t *t = schema->subscription;
    int32_t i = gql__nameidx_find(&t->_members, field);
    if (i < 0)
        return GQL_EINVAL;
    gql_field_t *f = (gql_field_t *)&t->fields[i];
    f->subscribe = fn;
    f->subscribe_data = data;
    return 0;
}
