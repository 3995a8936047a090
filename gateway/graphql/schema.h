/*
 * schema.h — the engine's view of a built schema, shared by validation,
 * execution and introspection. Internal to the engine.
 *
 * A schema is built once from SDL (schema.c) and is then immutable except for
 * resolver binding. Everything, including the AST the schema was built from,
 * lives in schema->arena. Types are looked up by name through an open-addressing
 * hash table; fields of a type by name through a per-type table (both
 * gql__nameidx_t, nameidx.h).
 */
#ifndef GQL_SCHEMA_H
#define GQL_SCHEMA_H

#include "ast.h"
#include "gql.h"
#include "nameidx.h"

typedef enum gql_type_kind {
    GQL_KIND_SCALAR = 0,
    GQL_KIND_OBJECT,
    GQL_KIND_INTERFACE,
    GQL_KIND_UNION,
    GQL_KIND_ENUM,
    GQL_KIND_INPUT_OBJECT,
    GQL_KIND_LIST,
    GQL_KIND_NON_NULL,
} gql_type_kind_t;

typedef struct gql_type gql_type_t;

/* An argument or an input object field. */
typedef struct gql_input_value {
    const char *name;
    const char *description;
    const gql_type_t *type;
    const gql_value_t *default_value; /* the literal as written, NULL when none */
    bool deprecated;
    const char *deprecation_reason; /* NULL when not deprecated */
    const gql_input_value_def_t *ast;
    size_t description_len; /* bytes of description when it holds U+0000; 0: up to its NUL */
} gql_input_value_t;

typedef struct gql_field {
    const char *name;
    const char *description;
    const gql_type_t *type;
    gql_input_value_t *args;
    size_t nargs;
    bool deprecated;
    const char *deprecation_reason;
    const gql_field_def_t *ast; /* NULL for introspection meta-fields */
    const gql_type_t *parent;
    gql_resolver_fn resolve; /* NULL: resolves to null */
    void *resolve_data;
    gql_subscribe_fn subscribe; /* subscription root fields */
    void *subscribe_data;
    size_t description_len; /* bytes of description when it holds U+0000; 0: up to its NUL */
} gql_field_t;

typedef struct gql_enum_value {
    const char *name;
    const char *description;
    bool deprecated;
    const char *deprecation_reason;
    const gql_enum_value_def_t *ast;
    size_t description_len; /* bytes of description when it holds U+0000; 0: up to its NUL */
} gql_enum_value_t;

struct gql_type {
    gql_type_kind_t kind;
    const char *name; /* NULL for LIST and NON_NULL */
    const char *description;
    const gql_type_t *of_type; /* LIST, NON_NULL */
    bool builtin;              /* Int, Float, String, Boolean, ID, __* types */

    /* OBJECT, INTERFACE */
    gql_field_t *fields;
    size_t nfields;
    const gql_type_t **interfaces; /* implemented interfaces */
    size_t ninterfaces;

    /* UNION: members; INTERFACE: the object types implementing it */
    const gql_type_t **possible;
    size_t npossible;
    /* INTERFACE: interfaces implementing it (for introspection order) */
    const gql_type_t **implementers;
    size_t nimplementers;

    /* ENUM */
    gql_enum_value_t *values;
    size_t nvalues;

    /* INPUT_OBJECT */
    gql_input_value_t *input_fields;
    size_t ninput_fields;
    bool one_of; /* @oneOf */

    /* SCALAR */
    const char *specified_by_url;

    /* Lookup table (built by schema.c, gql__type_index): names to positions
     * in fields, input_fields or values, by kind. */
    gql__nameidx_t _members;

    /* Cached wrappers so [T] and T! are built once per schema. */
    gql_type_t *_list;
    gql_type_t *_non_null;

    const gql_definition_t *ast; /* NULL for built-ins */
    size_t description_len;      /* bytes of description when it holds U+0000; 0: up to its NUL */
};

typedef enum gql_directive_location {
    GQL_DL_QUERY = 0,
    GQL_DL_MUTATION,
    GQL_DL_SUBSCRIPTION,
    GQL_DL_FIELD,
    GQL_DL_FRAGMENT_DEFINITION,
    GQL_DL_FRAGMENT_SPREAD,
    GQL_DL_INLINE_FRAGMENT,
    GQL_DL_VARIABLE_DEFINITION,
    GQL_DL_SCHEMA,
    GQL_DL_SCALAR,
    GQL_DL_OBJECT,
    GQL_DL_FIELD_DEFINITION,
    GQL_DL_ARGUMENT_DEFINITION,
    GQL_DL_INTERFACE,
    GQL_DL_UNION,
    GQL_DL_ENUM,
    GQL_DL_ENUM_VALUE,
    GQL_DL_INPUT_OBJECT,
    GQL_DL_INPUT_FIELD_DEFINITION,
    /* Added by graphql-js 17 (listed last here so the values above keep
     * their numbers; __DirectiveLocation lists them in graphql-js's order). */
    GQL_DL_FRAGMENT_VARIABLE_DEFINITION,
    GQL_DL_DIRECTIVE_DEFINITION,
    GQL_DL__COUNT,
} gql_directive_location_t;

/* "FIELD" -> GQL_DL_FIELD, or -1; and back. */
int gql_directive_location_parse(const char *name);
const char *gql_directive_location_name(gql_directive_location_t loc);

typedef struct gql_directive_def {
    const char *name;
    const char *description;
    gql_input_value_t *args;
    size_t nargs;
    uint32_t locations; /* bit (1u << gql_directive_location_t) */
    bool repeatable;
    bool builtin;
    const gql_definition_t *ast;
    /* graphql-js 17: directives themselves may be @deprecated. */
    bool deprecated;
    const char *deprecation_reason; /* NULL when not deprecated */
    size_t description_len;         /* bytes of description when it holds U+0000; 0: up to its NUL */
} gql_directive_def_t;

struct gql_schema {
    gql_arena_t *arena; /* owns everything below */
    const char *description;
    const gql_type_t *query;
    const gql_type_t *mutation;     /* NULL when none */
    const gql_type_t *subscription; /* NULL when none */

    /* Named types in graphql-js typeMap order (what introspection lists). */
    gql_type_t **types;
    size_t ntypes;
    /* Names to positions in types. */
    gql__nameidx_t _types;

    gql_directive_def_t **directives; /* as graphql-js lists them: SDL-defined first, then the built-ins */
    size_t ndirectives;

    /* Introspection meta-fields: __schema and __type on the query root,
     * __typename on every composite type. */
    const gql_field_t *meta_schema;
    const gql_field_t *meta_type;
    const gql_field_t *meta_typename;

    const gql_document_t *sdl; /* the document built from */

    /* Guards the lazily built [T]/T! wrappers (gql_type_list_of) so a shared
     * schema stays safe to read from many threads. */
    int _wrap_lock;

    size_t description_len; /* bytes of description when it holds U+0000; 0: up to its NUL */
};

/* Lookups. NULL when absent. */
const gql_type_t *gql_schema_type(const gql_schema_t *s, const char *name);
const gql_directive_def_t *gql_schema_directive(const gql_schema_t *s, const char *name);
/* A field of an object or interface type; also resolves __typename, and
 * __schema/__type on the query root. */
const gql_field_t *gql_type_field(const gql_schema_t *s, const gql_type_t *t, const char *name);
const gql_input_value_t *gql_type_input_field(const gql_type_t *t, const char *name);
const gql_enum_value_t *gql_type_enum_value(const gql_type_t *t, const char *name);
const gql_input_value_t *gql_field_arg(const gql_field_t *f, const char *name);

/* The type an AST type reference names, built from the schema's named types
 * (wrappers are cached); NULL when a named type is unknown. */
const gql_type_t *gql_schema_type_from_ref(const gql_schema_t *s, const gql_type_ref_t *ref);
/* [T] and T!, cached on T. `s` provides the arena. */
const gql_type_t *gql_type_list_of(const gql_schema_t *s, const gql_type_t *t);
const gql_type_t *gql_type_non_null_of(const gql_schema_t *s, const gql_type_t *t);

/* Type predicates and helpers from spec §3 / graphql-js. */
const gql_type_t *gql_type_named(const gql_type_t *t);    /* strips LIST/NON_NULL */
const gql_type_t *gql_type_nullable(const gql_type_t *t); /* strips one NON_NULL */
bool gql_type_is_input(const gql_type_t *t);
bool gql_type_is_output(const gql_type_t *t);
bool gql_type_is_leaf(const gql_type_t *t);      /* scalar or enum (after unwrapping) */
bool gql_type_is_composite(const gql_type_t *t); /* object, interface, union */
bool gql_type_is_abstract(const gql_type_t *t);  /* interface, union */
bool gql_type_equal(const gql_type_t *a, const gql_type_t *b);
/* Whether `maybe_sub` may be used where `super` is expected (spec
 * IsSubType / graphql-js isTypeSubTypeOf). */
bool gql_type_is_subtype(const gql_schema_t *s, const gql_type_t *maybe_sub, const gql_type_t *super);
/* Whether an argument or input field must be given: non-null without a
 * default (graphql-js isRequiredArgument, isRequiredInputField). */
static inline bool gql__input_value_required(const gql_input_value_t *v)
{
    return v->type != NULL && v->type->kind == GQL_KIND_NON_NULL && v->default_value == NULL;
}
/* Whether object type `obj` is a possible type of abstract type `abstract`. */
bool gql_type_is_possible(const gql_type_t *abstract, const gql_type_t *obj);
/* Whether two composite types can have an object type in common. */
bool gql_types_overlap(const gql_type_t *a, const gql_type_t *b);
/* Writes a type as GraphQL shows it: "[Int!]!". */
void gql_type_print(const gql_type_t *t, gql_buf_t *out);
/* Same, into an arena string (for error messages). */
const char *gql_type_str(gql_arena_t *a, const gql_type_t *t);

/* Introspection (introspect.c): adds the __Schema, __Type, __Field,
 * __InputValue, __EnumValue, __Directive, __TypeKind, __DirectiveLocation
 * types and the meta-fields to a schema under construction, with their
 * resolvers bound. Called by schema.c. Returns 0 or GQL_ENOMEM. */
int gql__introspection_install(gql_schema_t *s);

/* Value coercion (values.c), spec §3.5/§3.10/§6.4.1, shared by validation,
 * execution and introspection. */

/* Coerces a literal (with variables already coerced, may be NULL) to
 * `type`. Returns 0, or GQL_EFAIL when invalid (no error reported: validation
 * reports those). Absent variables inside lists/objects follow the spec. */
int gql_coerce_literal(const gql_schema_t *s, gql_arena_t *a, const gql_value_t *lit, const gql_type_t *type,
                       const gql_iv_t *variables, gql_iv_t *out);

/* Coerces an untyped JSON value to `type` (variable values). `in` NULL means
 * "not provided". On failure adds errors in graphql-js 17 wording, e.g.
 * "Variable \"$x\" has invalid value at .a[0]: Int cannot represent
 * non-integer value: \"abc\"", using `what` as the subject (`Variable "$x"`)
 * and `loc` as the location, and returns GQL_EFAIL. */
int gql_coerce_input(const gql_schema_t *s, gql_arena_t *a, const gql_iv_t *in, const gql_type_t *type,
                     const char *what, const gql_loc_t *loc, gql_errors_t *errors, gql_iv_t *out);

/* Prints a coerced value back as a GraphQL literal for `type`, as graphql-js
 * astFromValue/valueToLiteral would (introspection defaultValue). */
void gql_print_iv_literal(const gql_iv_t *v, const gql_type_t *type, gql_buf_t *out);

#endif
