/*
 * ast.h — the syntax tree of GraphQL documents (executable and type system),
 * as the parser builds it. Internal to the engine.
 *
 * Everything is allocated in the arena passed to gql_parse and is immutable
 * once the parser returns. Lists are arrays (pointer + count) so passes walk
 * them without chasing pointers. Strings are NUL-terminated; string values
 * also carry their length because `\u0000` may occur in them. Every node has
 * the location of its first token.
 */
#ifndef GQL_AST_H
#define GQL_AST_H

#include "gql.h"

typedef struct gql_value gql_value_t;
typedef struct gql_selection gql_selection_t;

typedef enum gql_value_kind {
    GQL_VALUE_VARIABLE = 0, /* str: the variable's name without '$' */
    GQL_VALUE_INT,          /* str: the literal's text, e.g. "-12" */
    GQL_VALUE_FLOAT,        /* str: the literal's text, e.g. "1.5e3" */
    GQL_VALUE_STRING,       /* str/len: the decoded value; block says """ """ */
    GQL_VALUE_BOOLEAN,      /* boolean */
    GQL_VALUE_NULL,
    GQL_VALUE_ENUM,   /* str: the name */
    GQL_VALUE_LIST,   /* list */
    GQL_VALUE_OBJECT, /* object */
} gql_value_kind_t;

typedef struct gql_object_field {
    const char *name;
    gql_loc_t loc; /* of the name */
    gql_value_t *value;
} gql_object_field_t;

struct gql_value {
    gql_value_kind_t kind;
    gql_loc_t loc;
    bool boolean;
    bool block; /* a block string """...""" */
    const char *str;
    size_t len;
    struct {
        gql_value_t **items;
        size_t count;
    } list;
    struct {
        gql_object_field_t *fields;
        size_t count;
    } object;
};

typedef enum gql_type_ref_kind {
    GQL_TYPE_REF_NAMED = 0,
    GQL_TYPE_REF_LIST,
    GQL_TYPE_REF_NON_NULL,
} gql_type_ref_kind_t;

/* A type as written: Name, [T] or T!. */
typedef struct gql_type_ref {
    gql_type_ref_kind_t kind;
    gql_loc_t loc;
    const char *name;        /* NAMED */
    struct gql_type_ref *of; /* LIST, NON_NULL */
} gql_type_ref_t;

typedef struct gql_argument {
    const char *name;
    gql_loc_t loc; /* of the name */
    gql_value_t *value;
} gql_argument_t;

typedef struct gql_directive {
    const char *name;
    gql_loc_t loc; /* of the '@' */
    gql_argument_t *args;
    size_t nargs;
} gql_directive_t;

typedef struct gql_selection_set {
    gql_selection_t *items;
    size_t count;  /* 0: none written, or an empty `{}` (graphql-js 17 parses it) */
    gql_loc_t loc; /* of the '{'; line 0 when no selection set was written */
} gql_selection_set_t;

typedef enum gql_selection_kind {
    GQL_SEL_FIELD = 0,
    GQL_SEL_FRAGMENT_SPREAD,
    GQL_SEL_INLINE_FRAGMENT,
} gql_selection_kind_t;

struct gql_selection {
    gql_selection_kind_t kind;
    gql_loc_t loc;     /* field: alias or name; spread/inline: the '...' */
    const char *alias; /* field: NULL when none */
    const char *name;  /* field name; fragment spread: fragment name */
    gql_loc_t name_loc;
    gql_argument_t *args; /* field */
    size_t nargs;
    gql_directive_t *directives;
    size_t ndirectives;
    const char *type_condition; /* inline fragment: NULL when none */
    gql_loc_t type_condition_loc;
    gql_selection_set_t selection_set; /* field (count 0: leaf), inline fragment */
};

/* The response key of a field selection: its alias, else its name. */
static inline const char *gql_selection_key(const gql_selection_t *s)
{
    return s->alias ? s->alias : s->name;
}

typedef struct gql_variable_def {
    const char *description; /* NULL when none (Sept 2025: descriptions on variables) */
    bool description_block;  /* the description was a block string */
    const char *name;        /* without '$' */
    gql_loc_t loc;           /* of the '$' */
    gql_type_ref_t *type;
    gql_value_t *default_value; /* NULL when none */
    gql_directive_t *directives;
    size_t ndirectives;
    size_t description_len; /* bytes of description, which may hold U+0000 */
} gql_variable_def_t;

/* An argument definition or input field definition. */
typedef struct gql_input_value_def {
    const char *description;
    bool description_block;
    const char *name;
    gql_loc_t loc;
    gql_type_ref_t *type;
    gql_value_t *default_value; /* NULL when none */
    gql_directive_t *directives;
    size_t ndirectives;
    size_t description_len; /* bytes of description, which may hold U+0000 */
} gql_input_value_def_t;

typedef struct gql_field_def {
    const char *description;
    bool description_block;
    const char *name;
    gql_loc_t loc;
    gql_input_value_def_t *args;
    size_t nargs;
    gql_type_ref_t *type;
    gql_directive_t *directives;
    size_t ndirectives;
    size_t description_len; /* bytes of description, which may hold U+0000 */
} gql_field_def_t;

typedef struct gql_enum_value_def {
    const char *description;
    bool description_block;
    const char *name;
    gql_loc_t loc;
    gql_directive_t *directives;
    size_t ndirectives;
    size_t description_len; /* bytes of description, which may hold U+0000 */
} gql_enum_value_def_t;

typedef struct gql_root_op_def {
    gql_op_type_t operation;
    gql_loc_t loc;
    const char *type_name;
    gql_loc_t type_loc;
} gql_root_op_def_t;

typedef enum gql_def_kind {
    GQL_DEF_OPERATION = 0,
    GQL_DEF_FRAGMENT,
    GQL_DEF_SCHEMA,
    GQL_DEF_SCALAR,
    GQL_DEF_OBJECT,
    GQL_DEF_INTERFACE,
    GQL_DEF_UNION,
    GQL_DEF_ENUM,
    GQL_DEF_INPUT_OBJECT,
    GQL_DEF_DIRECTIVE,
} gql_def_kind_t;

/* One definition. Which members are used depends on `kind` (noted on each);
 * the others are zero. `is_extension` is set for `extend ...` forms. */
typedef struct gql_definition {
    gql_def_kind_t kind;
    bool is_extension;
    gql_loc_t loc;           /* first token (description, keyword or '{') */
    const char *description; /* all but extensions; operations and fragments too (Sept 2025) */
    bool description_block;
    const char *name; /* NULL: anonymous operation, schema definition */
    gql_loc_t name_loc;
    gql_directive_t *directives;
    size_t ndirectives;

    /* OPERATION */
    gql_op_type_t operation;
    bool shorthand; /* written as a bare selection set */
    gql_variable_def_t *variables;
    size_t nvariables;

    /* OPERATION, FRAGMENT */
    gql_selection_set_t selection_set;

    /* FRAGMENT (also legacy fragment variables are not supported) */
    const char *type_condition;
    gql_loc_t type_condition_loc;

    /* SCHEMA */
    gql_root_op_def_t *root_ops;
    size_t nroot_ops;

    /* OBJECT, INTERFACE: implements; UNION: members (all NAMED refs) */
    gql_type_ref_t **types;
    size_t ntypes;

    /* OBJECT, INTERFACE */
    gql_field_def_t *fields;
    size_t nfields;

    /* INPUT_OBJECT: fields; DIRECTIVE: arguments */
    gql_input_value_def_t *input_values;
    size_t ninput_values;

    /* ENUM */
    gql_enum_value_def_t *enum_values;
    size_t nenum_values;

    /* DIRECTIVE */
    bool repeatable;
    const char **locations; /* e.g. "FIELD", "OBJECT" */
    gql_loc_t *location_locs;
    size_t nlocations;

    size_t description_len; /* bytes of description, which may hold U+0000 */
} gql_definition_t;

struct gql_document {
    gql_definition_t *definitions;
    size_t count;
    const char *source; /* borrowed: the text parsed */
    size_t source_len;
    size_t ntokens; /* tokens read, for limits */
};

/* Whether a definition belongs to the executable part of the grammar. */
static inline bool gql_def_is_executable(const gql_definition_t *d)
{
    return d->kind == GQL_DEF_OPERATION || d->kind == GQL_DEF_FRAGMENT;
}

/* Printing pieces, shared by the printer, schema printer and introspection
 * (default values, e.g. `[1, 2]`, `{a: "x"}`), in graphql-js format. */
void gql_print_value(const gql_value_t *v, gql_buf_t *out);
void gql_print_type_ref(const gql_type_ref_t *t, gql_buf_t *out);
/* Writes a string literal as graphql-js prints it: "..." with escapes, or a
 * block string when `prefer_block` and it reads better that way. */
void gql_print_string(const char *s, size_t len, bool prefer_block, gql_buf_t *out);

#endif
