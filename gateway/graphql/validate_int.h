/*
 * validate_int.h — internals shared by the validation files (validate.c and
 * validate_*.c). Not part of the engine's interface.
 *
 * Validation is one walk of the document (validate.c) that carries what
 * graphql-js's TypeInfo tracks (parent type, field definition, input type)
 * and calls each rule's hook at the point where graphql-js's visitor would, in
 * the order of graphql-js 17's specifiedRules, so errors come out in the same
 * order. Rules that need the whole document (fragment cycles, variable
 * usages, overlapping fields) compute what they need on demand and cache it
 * in the context.
 *
 * Memory: everything made while validating lives in gql_vctx_t.arena, a
 * scratch arena that gql_validate creates and frees; error messages are
 * written to the caller's gql_errors_t arena. Two conditions stop a
 * validation early, as in graphql-js: too many errors, and an exhausted work
 * budget (pathological documents); both longjmp back to gql_validate.
 */
#ifndef GQL_VALIDATE_INT_H
#define GQL_VALIDATE_INT_H

#include "ast.h"
#include "gql_int.h"
#include "nameidx.h"
#include "schema.h"

#include <setjmp.h>

/* ------------------------------------------------------------------------ */
/* Small hash maps in the scratch arena                                     */
/* ------------------------------------------------------------------------ */

/* Map from NUL-terminated string keys (borrowed, must outlive the map) to
 * pointers: a name index (nameidx.h) with a value per position, so the keys
 * are in insertion order in keys.names[0 .. keys.count). */
typedef struct gql__smap {
    gql__nameidx_t keys;
    void **vals; /* vals[i] goes with keys.names[i] */
    size_t _vcap;
    gql_arena_t *_arena;
} gql__smap_t;

void gql__smap_init(gql__smap_t *m, gql_arena_t *a);
/* The value of key, or NULL when absent. */
void *gql__smap_get(const gql__smap_t *m, const char *key);
/* Sets key to val (replacing). Returns the previous value or NULL (also when
 * out of memory: the key is then left out). */
void *gql__smap_put(gql__smap_t *m, const char *key, void *val);

/* Map from a pair of pointers (b may be NULL) to a pointer. */
typedef struct gql__pmap {
    gql_arena_t *arena;
    struct gql__pmap_entry *entries;
    uint32_t mask;
    size_t count;
} gql__pmap_t;

void gql__pmap_init(gql__pmap_t *m, gql_arena_t *a);
/* The slot for (a, b): *found tells whether it existed; a new slot holds
 * NULL. Returns NULL only when out of memory. */
void **gql__pmap_slot(gql__pmap_t *m, const void *a, const void *b, bool *found);
void *gql__pmap_get(const gql__pmap_t *m, const void *a, const void *b);

typedef struct gql_vctx gql_vctx_t;

/* A growable array of pointers in the scratch arena. */
typedef struct gql__vec {
    const void **items;
    size_t count;
    size_t cap;
} gql__vec_t;

void gql__vec_push(gql_vctx_t *c, gql__vec_t *v, const void *item);

/* ------------------------------------------------------------------------ */
/* The context                                                              */
/* ------------------------------------------------------------------------ */

/* A directive as the document may use it: from the schema, or defined by a
 * directive definition in the document itself (which wins, as in
 * graphql-js). */
typedef struct gql__vdirective {
    const char *name;
    uint32_t locations; /* bits of gql_directive_location_t */
    bool repeatable;
    const gql_directive_def_t *def; /* from the schema, else NULL */
    const gql_definition_t *ast;    /* from the document, else NULL */
} gql__vdirective_t;

/* One use of a variable, with the input type expected where it is used
 * (graphql-js ValidationContext.getVariableUsages). */
typedef struct gql__var_usage {
    const gql_value_t *node;
    const gql_type_t *type;        /* NULL when unknown */
    const gql_type_t *parent_type; /* the enclosing input type, or NULL */
    bool has_default;              /* the position has a default value */
} gql__var_usage_t;

typedef struct gql__usages {
    gql__var_usage_t *items;
    size_t count;
    size_t cap;
} gql__usages_t;

struct gql_vctx {
    const gql_schema_t *schema;
    const gql_document_t *doc;
    gql_arena_t *arena;   /* scratch, owned by gql_validate */
    gql_errors_t *errors; /* borrowed */
    size_t max_errors;    /* validation errors before "Too many" */
    size_t nerrors;       /* validation errors added */
    jmp_buf abort_jmp;    /* where an abort lands (gql_validate) */

    gql__smap_t fragments;  /* name -> const gql_definition_t * (last wins) */
    gql__smap_t directives; /* name -> gql__vdirective_t * */
    gql__smap_t doc_types;  /* names of types the document defines -> def */
    size_t noperations;

    /* Caches of document-wide facts. */
    gql__pmap_t spreads_cache;    /* selection set -> gql__vec_t * of spreads */
    gql__pmap_t usages_cache;     /* definition -> gql__usages_t *; (op, 1) -> recursive usages */
    gql__smap_t referenced_cache; /* sorted spread names -> struct gql__frag_list * */
    long fragment_work;           /* remaining fragment work budget */

    /* Rule state that spans the walk. */
    gql__smap_t op_names;            /* UniqueOperationNames */
    gql__smap_t frag_names;          /* UniqueFragmentNames */
    gql__smap_t defer_labels;        /* DeferStreamDirectiveLabel */
    gql__smap_t defer_root_checked;  /* DeferStreamDirectiveOnRootField */
    gql__smap_t defer_valid_checked; /* DeferStreamDirectiveOnValidOperations */
    struct {
        gql__smap_t visited;
        const gql_selection_t **path;
        size_t depth, cap;
        gql__smap_t index;      /* name -> (depth+1) cast to pointer */
    } cycles;                   /* NoFragmentCycles */
    gql__smap_t udl_schema;     /* UniqueDirectivesPerLocation: schema directives */
    gql__smap_t udl_types;      /* type name -> gql__smap_t * of its directives */
    gql__smap_t udl_directives; /* directive name -> gql__smap_t * */
    gql__smap_t intro_checked;  /* MaxIntrospectionDepth: name -> depth+1 */
    gql__smap_t intro_exceeded;
    struct gql__overlap *overlap; /* OverlappingFieldsCanBeMerged state */
};

/* Where a walk is, as graphql-js's TypeInfo would say. */
typedef struct gql__vpos {
    const gql_type_t *type;        /* getType(): may be wrapped, NULL when unknown */
    const gql_type_t *parent_type; /* getParentType(): composite or NULL */
    const gql_field_t *field_def;  /* getFieldDef(): NULL when unknown/none */
} gql__vpos_t;

/* Adds a validation error (GQL_CODE_VALIDATION) located at the given
 * locations. When max_errors is reached, adds graphql-js's "Too many
 * validation errors" error and aborts the validation (longjmp). */
void gql__verr(gql_vctx_t *c, const gql_loc_t *locs, size_t nlocs, const char *fmt, ...) GQL_PRINTF(4, 5);
/* Same with one location. */
void gql__verr1(gql_vctx_t *c, gql_loc_t loc, const char *fmt, ...) GQL_PRINTF(3, 4);
/* Adds "Validation aborted." and stops (a work budget ran out). */
_Noreturn void gql__vabort(gql_vctx_t *c);

/* ------------------------------------------------------------------------ */
/* Helpers (validate.c)                                                     */
/* ------------------------------------------------------------------------ */

/* graphql-js typeFromAST, with wrappers built in the scratch arena. NULL when
 * a named type is unknown. */
const gql_type_t *gql__vtype_from_ref(gql_vctx_t *c, const gql_type_ref_t *ref);
/* The type's name as GraphQL prints it, e.g. "[Int!]!". */
const char *gql__vtype_str(gql_vctx_t *c, const gql_type_t *t);
/* Structural type equality (same named types, same wrappers). */
bool gql__vtype_equal(const gql_type_t *a, const gql_type_t *b);
/* graphql-js isTypeSubTypeOf. */
bool gql__vtype_is_subtype(const gql_type_t *maybe_sub, const gql_type_t *super);
/* schema.isSubType(abstract, maybe_sub): maybe_sub is a possible type or an
 * implementation of the abstract type. */
bool gql__vtype_is_possible(const gql_type_t *abstract, const gql_type_t *maybe_sub);
/* graphql-js doTypesOverlap for composite types. */
bool gql__vtypes_overlap(const gql_type_t *a, const gql_type_t *b);
static inline const gql_type_t *gql__vnamed(const gql_type_t *t)
{
    while (t != NULL && (t->kind == GQL_KIND_LIST || t->kind == GQL_KIND_NON_NULL))
        t = t->of_type;
    return t;
}
static inline bool gql__vis_composite(const gql_type_t *t)
{
    return t != NULL && (t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION);
}
static inline bool gql__vis_input(const gql_type_t *t)
{
    t = gql__vnamed(t);
    return t != NULL && (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM || t->kind == GQL_KIND_INPUT_OBJECT);
}
static inline bool gql__vis_output(const gql_type_t *t)
{
    t = gql__vnamed(t);
    return t != NULL && t->kind != GQL_KIND_INPUT_OBJECT;
}
static inline bool gql__vis_leaf(const gql_type_t *t)
{
    return t != NULL && (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM);
}

/* Whether a selection set was written (graphql-js 17 accepts an empty
 * "{}": it has no items but a location). */
static inline bool gql__vhas_set(const gql_selection_set_t *ss)
{
    return ss->count > 0 || ss->loc.line != 0;
}

/* schema.getField(parent, name): the field of a composite type, including
 * __typename everywhere and __schema/__type on the query root. */
const gql_field_t *gql__vfield(gql_vctx_t *c, const gql_type_t *parent, const char *name);
/* parentType.getFields()[name]: object and interface fields only. */
const gql_field_t *gql__vfield_plain(gql_vctx_t *c, const gql_type_t *parent, const char *name);
const gql_input_value_t *gql__varg(const gql_input_value_t *args, size_t nargs, const char *name);

/* gql__suggestion_list (gql_int.h) with the list in the arena: the options
 * close to `input`, best first. Returns the count; *out is an arena array. */
size_t gql__vsuggest(gql_vctx_t *c, const char *input, const char *const *options, size_t n, const char ***out);
/* gql__did_you_mean as an arena string: "" or " Did you mean [sub ]"a",
 * "b", or "c"?" (at most 5). */
const char *gql__vdid_you_mean(gql_vctx_t *c, const char *sub, const char *const *items, size_t n);

/* Prints a value literal as graphql-js printForError does. With
 * `replace_vars`, variables print as null and object fields whose value is
 * a variable are left out (graphql-js replaceVariables without values). */
const char *gql__vprint_value(gql_vctx_t *c, const gql_value_t *v, bool replace_vars);

/* The fragment spreads inside a selection set, not following spreads, in
 * graphql-js getFragmentSpreads order. Cached. */
const gql__vec_t *gql__vspreads(gql_vctx_t *c, const gql_selection_set_t *ss);
/* The fragments operations reach, transitively, in graphql-js order
 * (cached by the set of names the operations spread, as graphql-js does). */
const gql__vec_t *gql__vreferenced_fragments(gql_vctx_t *c, const gql_definition_t *const *ops, size_t nops);
/* Variable usages of an operation or fragment (not following spreads). */
const gql__usages_t *gql__vusages(gql_vctx_t *c, const gql_definition_t *def);
/* Variable usages of an operation and every fragment it reaches. */
const gql__usages_t *gql__vrecursive_usages(gql_vctx_t *c, const gql_definition_t *op);
/* graphql-js's fragment work budget (50000): spreads and usages looked at
 * while following fragments; exhausting it aborts the validation. */
void gql__vspend_fragment_work(gql_vctx_t *c, size_t cost);
/* The fragment named `name`, or NULL. */
static inline const gql_definition_t *gql__vfragment(gql_vctx_t *c, const char *name)
{
    return gql__smap_get(&c->fragments, name);
}
/* The directive named `name` from the schema or document, or NULL. */
static inline const gql__vdirective_t *gql__vdirective(gql_vctx_t *c, const char *name)
{
    return gql__smap_get(&c->directives, name);
}
/* The argument names of a directive known to the document (from the
 * document's definition when it has one, else the schema's): sets *names to
 * an arena array and returns its length. */
size_t gql__vdirective_arg_names(gql_vctx_t *c, const gql__vdirective_t *d, const char ***names);

/* Moves a buffer's text into the scratch arena and frees the buffer (do
 * this before reporting: reporting may longjmp). */
const char *gql__vbuf_take(gql_vctx_t *c, gql_buf_t *b);

/* "FIELD" for GQL_DL_FIELD, as directive locations are written. */
const char *gql__vlocation_name(int location);

/* ------------------------------------------------------------------------ */
/* Rule hooks, one group per file                                           */
/* ------------------------------------------------------------------------ */

/* validate_documents.c: operations and fragments as a whole. */
void gql__rule_executable_definitions(gql_vctx_t *c);
void gql__rule_known_operation_types(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_unique_operation_names(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_lone_anonymous_operation(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_single_field_subscriptions(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_unique_fragment_names(gql_vctx_t *c, const gql_definition_t *frag);
void gql__rule_known_fragment_names(gql_vctx_t *c, const gql_selection_t *spread);
void gql__rule_no_unused_fragments(gql_vctx_t *c);
void gql__rule_no_fragment_cycles(gql_vctx_t *c, const gql_definition_t *frag);
void gql__rule_defer_stream_on_root_field(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_defer_stream_on_valid_operations(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_defer_stream_label(gql_vctx_t *c, const gql_directive_t *d);
void gql__rule_stream_on_list_field(gql_vctx_t *c, const gql_directive_t *d, const gql__vpos_t *pos);

/* validate_fields.c: types, fields and fragments in selections. */
void gql__rule_known_type_names(gql_vctx_t *c, const char *name, gql_loc_t loc, bool in_sdl);
void gql__rule_fragments_on_composite_types(gql_vctx_t *c, const char *frag_name, const char *type_name, gql_loc_t loc);
void gql__rule_scalar_leafs(gql_vctx_t *c, const gql_selection_t *field, const gql_type_t *type);
void gql__rule_fields_on_correct_type(gql_vctx_t *c, const gql_selection_t *field, const gql__vpos_t *pos,
                                      const gql_field_t *def);
void gql__rule_possible_inline_fragment(gql_vctx_t *c, const gql_selection_t *inl, const gql_type_t *frag_type,
                                        const gql_type_t *parent_type);
void gql__rule_possible_fragment_spread(gql_vctx_t *c, const gql_selection_t *spread, const gql_type_t *parent_type);
/* Returns true when the rule reported (the walk then stops checking below). */
bool gql__rule_max_introspection_depth(gql_vctx_t *c, const gql_selection_t *field);

/* validate_variables.c */
void gql__rule_unique_variable_names(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_no_undefined_variables(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_no_unused_variables(gql_vctx_t *c, const gql_definition_t *op);
void gql__rule_variables_are_input_types(gql_vctx_t *c, const gql_variable_def_t *v);
void gql__rule_variables_in_allowed_position(gql_vctx_t *c, const gql_definition_t *op);

/* validate_directives.c: directives and arguments. */
void gql__rule_known_directives(gql_vctx_t *c, const gql_directive_t *d, int location);
void gql__rule_unique_directives_per_location(gql_vctx_t *c, const gql_directive_t *ds, size_t n, const char *type_name,
                                              bool is_schema, const char *directive_name);
void gql__rule_known_argument_names_on_directive(gql_vctx_t *c, const gql_directive_t *d);
void gql__rule_known_argument_name(gql_vctx_t *c, const gql_argument_t *arg, const gql_field_t *field_def);
void gql__rule_unique_argument_names(gql_vctx_t *c, const gql_argument_t *args, size_t n);
void gql__rule_provided_required_arguments(gql_vctx_t *c, const gql_selection_t *field, const gql_field_t *def);
void gql__rule_provided_required_on_directive(gql_vctx_t *c, const gql_directive_t *d);

/* validate_values.c */
void gql__rule_values_of_correct_type(gql_vctx_t *c, const gql_value_t *v, const gql_type_t *type);
void gql__rule_unique_input_field_names(gql_vctx_t *c, const gql_value_t *v);

/* validate_overlap.c */
void gql__rule_overlapping_fields(gql_vctx_t *c, const gql_selection_set_t *ss, const gql_type_t *parent_type);

/* validate_limits.c: request limits (GQL_CODE_LIMIT). Returns the number of
 * errors added. */
size_t gql__check_limits(gql_vctx_t *c, const gql_limits_t *limits);

#endif
