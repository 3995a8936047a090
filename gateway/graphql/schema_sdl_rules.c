/*
 * schema_sdl_rules.c — the rules graphql-js applies to a type-system document
 * before building a schema from it (validation/specifiedRules.js,
 * specifiedSDLRules), with its messages and locations: unique names of
 * types, fields, arguments, enum values, directives, root operations and
 * input fields in values; a lone schema definition; known types and
 * directives; directives in valid locations, not repeated, with known and
 * required arguments; and extensions of types that exist with the right
 * kind. Executable definitions in the same document are visited as
 * graphql-js visits them. Errors are collected, never stop-at-first (as
 * SQLite's Parse does). Type validation of the built schema is
 * schema_validate.c.
 *
 * Memory: what the rules need while they run (the definitions by name, the
 * directives seen per type, suggestion lists) is in the caller's scratch
 * arena; messages are built in a gql_buf_t and end in the errors' arena.
 */
#include "literal.h"
#include "schema_int.h"

#include <string.h>

/* Definitions by name, so the rules stay linear on big schemas (GitHub's
 * has ~1,600 types): for each definition of a type (or type extension) and
 * each directive definition (or extension), the first and next definition of
 * the same name in the same namespace, and per name the last non-extension
 * definition (graphql-js keeps the last in its Maps). */
typedef struct name_entry {
    int32_t first, last, last_def;
} name_entry_t;

typedef struct sdl_ctx {
    const gql_document_t *doc;
    gql_errors_t *errors;
    size_t nerrors;
    gql_arena_t *arena; /* scratch: everything below */
    /* Per namespace (0: types, 1: directives): the names defined, and at
     * each name's position its entry. */
    gql__nameidx_t names[2];
    name_entry_t *entries[2];
    int32_t *first_same; /* per definition, -1 when unnamed */
    int32_t *next_same;  /* per definition, -1 at the end of a chain */
} sdl_ctx_t;

#define SDL_ERR(c, l, ...)                                                                                             \
    do {                                                                                                               \
        gql_errors_add((c)->errors, NULL, NULL, (l)->items, (l)->n, __VA_ARGS__);                                      \
        (c)->nerrors++;                                                                                                \
    } while (0)

static bool is_type_def(const gql_definition_t *d)
{
    return d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT;
}

static const char *const kind_words[] = {
    [GQL_DEF_SCALAR] = "scalar", [GQL_DEF_OBJECT] = "object", [GQL_DEF_INTERFACE] = "interface",
    [GQL_DEF_UNION] = "union",   [GQL_DEF_ENUM] = "enum",     [GQL_DEF_INPUT_OBJECT] = "input object",
};

static int def_namespace(const gql_definition_t *d)
{
    return is_type_def(d) ? 0 : d->kind == GQL_DEF_DIRECTIVE ? 1 : -1;
}

/* Builds the name index in c->arena; false when out of memory. */
static bool index_names(sdl_ctx_t *c)
{
    size_t n = c->doc->count;
    c->first_same = gql_arena_alloc_raw(c->arena, (n ? n : 1) * sizeof(*c->first_same));
    c->next_same = gql_arena_alloc_raw(c->arena, (n ? n : 1) * sizeof(*c->next_same));
    if (c->first_same == NULL || c->next_same == NULL)
        return false;
    for (int ns = 0; ns < 2; ns++) {
        gql__nameidx_init(&c->names[ns], c->arena);
        c->entries[ns] = gql_arena_alloc_raw(c->arena, (n ? n : 1) * sizeof(*c->entries[ns]));
        if (c->entries[ns] == NULL || gql__nameidx_reserve(&c->names[ns], n) != 0)
            return false;
    }
    for (size_t i = 0; i < n; i++) {
        const gql_definition_t *d = &c->doc->definitions[i];
        int ns = def_namespace(d);
        c->first_same[i] = c->next_same[i] = -1;
        if (ns < 0 || d->name == NULL)
            continue;
        bool added;
        int32_t k = gql__nameidx_add(&c->names[ns], d->name, &added);
        name_entry_t *e = &c->entries[ns][k]; /* k >= 0: room was reserved */
        if (added) {
            *e = (name_entry_t){(int32_t)i, (int32_t)i, -1};
        } else {
            c->next_same[e->last] = (int32_t)i;
            e->last = (int32_t)i;
        }
        if (!d->is_extension)
            e->last_def = (int32_t)i;
        c->first_same[i] = e->first;
    }
    return true;
}

/* The last non-extension definition named `name` in namespace `ns`, or
 * NULL. */
static const gql_definition_t *find_def(const sdl_ctx_t *c, int ns, const char *name)
{
    int32_t k = gql__nameidx_find(&c->names[ns], name);
    return k >= 0 && c->entries[ns][k].last_def >= 0 ? &c->doc->definitions[c->entries[ns][k].last_def] : NULL;
}

/* The first non-extension definition with the same name as definition i,
 * before i, or NULL. */
static const gql_definition_t *earlier_def(const sdl_ctx_t *c, size_t i)
{
    for (int32_t k = c->first_same[i]; k >= 0 && (size_t)k < i; k = c->next_same[k])
        if (!c->doc->definitions[k].is_extension)
            return &c->doc->definitions[k];
    return NULL;
}

/* A directive known to the SDL: the document's definition (last wins) or a
 * built-in. */
typedef struct known_directive {
    const char *name;
    uint32_t locations;
    bool repeatable;
    const gql_input_value_def_t *args; /* document definitions */
    size_t nargs;
    int builtin; /* index into builtin_directives, or -1 */
} known_directive_t;

static const struct {
    const char *name;
    uint32_t locations;
    const char *arg;      /* NULL: none */
    const char *arg_type; /* as printed */
    bool arg_required;
} builtin_directives[] = {
    {"include", (1u << GQL_DL_FIELD) | (1u << GQL_DL_FRAGMENT_SPREAD) | (1u << GQL_DL_INLINE_FRAGMENT), "if",
     "Boolean!", true},
    {"skip", (1u << GQL_DL_FIELD) | (1u << GQL_DL_FRAGMENT_SPREAD) | (1u << GQL_DL_INLINE_FRAGMENT), "if", "Boolean!",
     true},
    {"deprecated",
     (1u << GQL_DL_FIELD_DEFINITION) | (1u << GQL_DL_ARGUMENT_DEFINITION) | (1u << GQL_DL_INPUT_FIELD_DEFINITION) |
         (1u << GQL_DL_ENUM_VALUE) | (1u << GQL_DL_DIRECTIVE_DEFINITION),
     "reason", "String!", false},
    {"specifiedBy", 1u << GQL_DL_SCALAR, "url", "String!", true},
    {"oneOf", 1u << GQL_DL_INPUT_OBJECT, NULL, NULL, false},
};
#define N_BUILTIN_DIRECTIVES (sizeof(builtin_directives) / sizeof(builtin_directives[0]))

static bool lookup_directive(const sdl_ctx_t *c, const char *name, known_directive_t *out)
{
    memset(out, 0, sizeof(*out));
    out->builtin = -1;
    bool found = false;
    const gql_definition_t *d = find_def(c, 1, name);
    if (d != NULL) {
        out->name = d->name;
        out->locations = 0;
        for (size_t j = 0; j < d->nlocations; j++) {
            int l = gql_directive_location_parse(d->locations[j]);
            if (l >= 0)
                out->locations |= 1u << l;
        }
        out->repeatable = d->repeatable;
        out->args = d->input_values;
        out->nargs = d->ninput_values;
        found = true;
    }
    if (found)
        return true;
    for (size_t i = 0; i < N_BUILTIN_DIRECTIVES; i++)
        if (strcmp(builtin_directives[i].name, name) == 0) {
            out->name = builtin_directives[i].name;
            out->locations = builtin_directives[i].locations;
            out->builtin = (int)i;
            return true;
        }
    return false;
}

static void duplicate_field(void *ctx, const gql_object_field_t *first, const gql_object_field_t *again)
{
    sdl_ctx_t *c = ctx;
    gql__locs_t l = {0};
    gql__locs_add(&l, first->loc);
    gql__locs_add(&l, again->loc);
    SDL_ERR(c, &l, "There can be only one input field named \"%s\".", again->name);
}

/* UniqueInputFieldNames in a value, when there is one. */
static void check_values_unique_fields(sdl_ctx_t *c, const gql_value_t *v)
{
    if (v != NULL)
        gql__lit_duplicate_fields(c->arena, v, duplicate_field, c);
}

/* UniqueDirectivesPerLocation for the directives applied to one node, run
 * when the node is entered (before its directives are visited). `seen` (may
 * be NULL: this node only) carries the first uses shared by a type and its
 * extensions, grown in the scratch arena. */
typedef struct seen_set {
    const gql_directive_t **items;
    size_t n, cap;
} seen_set_t;

static void check_repeated(sdl_ctx_t *c, const gql_directive_t *dirs, size_t n, seen_set_t *seen)
{
    seen_set_t local = {0};
    if (seen == NULL)
        seen = &local;
    for (size_t i = 0; i < n; i++) {
        const gql_directive_t *d = &dirs[i];
        known_directive_t kd;
        if (!lookup_directive(c, d->name, &kd) || kd.repeatable)
            continue;
        const gql_directive_t *first = NULL;
        for (size_t j = 0; j < seen->n && first == NULL; j++)
            if (strcmp(seen->items[j]->name, d->name) == 0)
                first = seen->items[j];
        if (first != NULL) {
            gql__locs_t l = {0};
            gql__locs_add(&l, first->loc);
            gql__locs_add(&l, d->loc);
            SDL_ERR(c, &l, "The directive \"@%s\" can only be used once at this location.", d->name);
            continue;
        }
        const gql_directive_t **items = gql__arena_grow(c->arena, seen->items, seen->n, &seen->cap, sizeof(*items));
        if (items == NULL)
            continue;
        seen->items = items;
        seen->items[seen->n++] = d;
    }
}

/* The rules that visit each applied directive, in graphql-js's order:
 * KnownDirectives, KnownArgumentNamesOnDirectives and UniqueArgumentNames on
 * entering it, UniqueInputFieldNames in its values, and
 * ProvidedRequiredArgumentsOnDirectives on leaving it. */
static void check_applied(sdl_ctx_t *c, const gql_directive_t *dirs, size_t n, gql_directive_location_t where)
{
    for (size_t i = 0; i < n; i++) {
        const gql_directive_t *d = &dirs[i];
        known_directive_t kd;
        bool known = lookup_directive(c, d->name, &kd);
        if (!known) {
            gql__locs_t l = {0};
            gql__locs_add(&l, d->loc);
            SDL_ERR(c, &l, "Unknown directive \"@%s\".", d->name);
        } else {
            if (!(kd.locations & (1u << where))) {
                gql__locs_t l = {0};
                gql__locs_add(&l, d->loc);
                SDL_ERR(c, &l, "Directive \"@%s\" may not be used on %s.", d->name, gql_directive_location_name(where));
            }
            for (size_t j = 0; j < d->nargs; j++) {
                const char *an = d->args[j].name;
                bool found = false;
                const char *names[64];
                size_t nn = 0;
                if (kd.builtin >= 0) {
                    if (builtin_directives[kd.builtin].arg != NULL) {
                        names[nn++] = builtin_directives[kd.builtin].arg;
                        found = strcmp(an, builtin_directives[kd.builtin].arg) == 0;
                    }
                } else {
                    for (size_t k = 0; k < kd.nargs; k++) {
                        if (nn < 64)
                            names[nn++] = kd.args[k].name;
                        found = found || strcmp(an, kd.args[k].name) == 0;
                    }
                }
                if (!found) {
                    gql_buf_t b = GQL_BUF_INIT;
                    gql__suggest(&b, NULL, an, names, nn);
                    gql__locs_t l = {0};
                    gql__locs_add(&l, d->args[j].loc);
                    SDL_ERR(c, &l, "Unknown argument \"%s\" on directive \"@%s\".%s", an, d->name,
                            b.len ? gql_buf_cstr(&b) : "");
                    gql_buf_free(&b);
                }
            }
        }
        for (size_t j = 0; j < d->nargs; j++) {
            bool first = true;
            for (size_t k = 0; k < j && first; k++)
                first = strcmp(d->args[k].name, d->args[j].name) != 0;
            if (!first)
                continue;
            gql__locs_t l = {0};
            for (size_t k = j; k < d->nargs; k++)
                if (strcmp(d->args[k].name, d->args[j].name) == 0)
                    gql__locs_add(&l, d->args[k].loc);
            if (l.n > 1)
                SDL_ERR(c, &l, "There can be only one argument named \"%s\".", d->args[j].name);
        }
        for (size_t j = 0; j < d->nargs; j++)
            check_values_unique_fields(c, d->args[j].value);
        if (!known)
            continue;
        if (kd.builtin >= 0) {
            const char *arg = builtin_directives[kd.builtin].arg;
            if (arg == NULL || !builtin_directives[kd.builtin].arg_required)
                continue;
            bool given = false;
            for (size_t j = 0; j < d->nargs; j++)
                given = given || strcmp(d->args[j].name, arg) == 0;
            if (!given) {
                gql__locs_t l = {0};
                gql__locs_add(&l, d->loc);
                SDL_ERR(c, &l, "Argument \"@%s(%s:)\" of type \"%s\" is required, but it was not provided.", d->name,
                        arg, builtin_directives[kd.builtin].arg_type);
            }
            continue;
        }
        for (size_t k = 0; k < kd.nargs; k++) {
            const gql_input_value_def_t *ad = &kd.args[k];
            if (ad->type->kind != GQL_TYPE_REF_NON_NULL || ad->default_value != NULL)
                continue;
            bool given = false;
            for (size_t j = 0; j < d->nargs; j++)
                given = given || strcmp(d->args[j].name, ad->name) == 0;
            if (!given) {
                gql_buf_t b = GQL_BUF_INIT;
                gql_print_type_ref(ad->type, &b);
                gql__locs_t l = {0};
                gql__locs_add(&l, d->loc);
                SDL_ERR(c, &l, "Argument \"@%s(%s:)\" of type \"%s\" is required, but it was not provided.", d->name,
                        ad->name, gql_buf_cstr(&b));
                gql_buf_free(&b);
            }
        }
    }
}

/* Both, for a node whose directives are its last children. */
static void check_directives(sdl_ctx_t *c, const gql_directive_t *dirs, size_t n, gql_directive_location_t where)
{
    check_repeated(c, dirs, n, NULL);
    check_applied(c, dirs, n, where);
}

/* The standard type names, as graphql-js lists them in suggestions. */
static const char *const standard_names[] = {
    "String", "Int",     "Float",        "Boolean",     "ID",        "__Schema", "__Directive", "__DirectiveLocation",
    "__Type", "__Field", "__InputValue", "__EnumValue", "__TypeKind"};
#define N_STANDARD (sizeof(standard_names) / sizeof(standard_names[0]))

/* The type names "Did you mean" chooses from: the standard ones first when
 * `standard`, then those the document defines (not extensions), in scratch
 * memory; NULL when out of memory. */
static const char **type_name_options(sdl_ctx_t *c, bool standard, size_t *n)
{
    const char **names = gql_arena_alloc_raw(c->arena, (c->doc->count + N_STANDARD) * sizeof(*names));
    *n = 0;
    if (names == NULL)
        return NULL;
    for (size_t i = 0; standard && i < N_STANDARD; i++)
        names[(*n)++] = standard_names[i];
    for (size_t i = 0; i < c->doc->count; i++)
        if (is_type_def(&c->doc->definitions[i]) && !c->doc->definitions[i].is_extension)
            names[(*n)++] = c->doc->definitions[i].name;
    return names;
}

/* KnownTypeNames. Outside type-system definitions (variable types and type
 * conditions of executable definitions in the same document) graphql-js
 * does not exempt the standard names and does not suggest them. */
static void check_type_ref_in(sdl_ctx_t *c, const gql_type_ref_t *ref, bool sdl)
{
    while (ref != NULL && ref->kind != GQL_TYPE_REF_NAMED)
        ref = ref->of;
    if (ref == NULL || (sdl && gql__is_standard_type_name(ref->name)) || find_def(c, 0, ref->name) != NULL)
        return;
    size_t n;
    const char **names = type_name_options(c, sdl, &n);
    gql_buf_t b = GQL_BUF_INIT;
    if (names != NULL)
        gql__suggest(&b, NULL, ref->name, names, n);
    gql__locs_t l = {0};
    gql__locs_add(&l, ref->loc);
    SDL_ERR(c, &l, "Unknown type \"%s\".%s", ref->name, b.len ? gql_buf_cstr(&b) : "");
    gql_buf_free(&b);
}

static void check_type_ref(sdl_ctx_t *c, const gql_type_ref_t *ref)
{
    check_type_ref_in(c, ref, true);
}

/* Executable definitions in an SDL document: graphql-js's buildASTSchema
 * ignores them, but its SDL rules still visit them (unknown types and
 * directives, repeated directives and arguments, input field names). */
static void check_selections(sdl_ctx_t *c, const gql_selection_set_t *ss)
{
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *sel = &ss->items[i];
        check_repeated(c, sel->directives, sel->ndirectives, NULL);
        switch (sel->kind) {
        case GQL_SEL_FIELD:
            for (size_t j = 0; j < sel->nargs; j++) {
                bool first = true;
                for (size_t k = 0; k < j && first; k++)
                    first = strcmp(sel->args[k].name, sel->args[j].name) != 0;
                if (!first)
                    continue;
                gql__locs_t l = {0};
                for (size_t k = j; k < sel->nargs; k++)
                    if (strcmp(sel->args[k].name, sel->args[j].name) == 0)
                        gql__locs_add(&l, sel->args[k].loc);
                if (l.n > 1)
                    SDL_ERR(c, &l, "There can be only one argument named \"%s\".", sel->args[j].name);
            }
            for (size_t j = 0; j < sel->nargs; j++)
                check_values_unique_fields(c, sel->args[j].value);
            check_applied(c, sel->directives, sel->ndirectives, GQL_DL_FIELD);
            check_selections(c, &sel->selection_set);
            break;
        case GQL_SEL_FRAGMENT_SPREAD:
            check_applied(c, sel->directives, sel->ndirectives, GQL_DL_FRAGMENT_SPREAD);
            break;
        case GQL_SEL_INLINE_FRAGMENT:
            if (sel->type_condition != NULL) {
                gql_type_ref_t ref = {GQL_TYPE_REF_NAMED, sel->type_condition_loc, sel->type_condition, NULL};
                check_type_ref_in(c, &ref, false);
            }
            check_applied(c, sel->directives, sel->ndirectives, GQL_DL_INLINE_FRAGMENT);
            check_selections(c, &sel->selection_set);
            break;
        }
    }
}

static void check_executable(sdl_ctx_t *c, const gql_definition_t *d)
{
    check_repeated(c, d->directives, d->ndirectives, NULL);
    if (d->kind == GQL_DEF_OPERATION) {
        for (size_t i = 0; i < d->nvariables; i++) {
            const gql_variable_def_t *v = &d->variables[i];
            check_repeated(c, v->directives, v->ndirectives, NULL);
            check_type_ref_in(c, v->type, false);
            check_values_unique_fields(c, v->default_value);
            check_applied(c, v->directives, v->ndirectives, GQL_DL_VARIABLE_DEFINITION);
        }
        static const gql_directive_location_t op_locations[] = {GQL_DL_QUERY, GQL_DL_MUTATION, GQL_DL_SUBSCRIPTION};
        check_applied(c, d->directives, d->ndirectives, op_locations[(unsigned)d->operation < 3 ? d->operation : 0]);
    } else {
        if (d->type_condition != NULL) {
            gql_type_ref_t ref = {GQL_TYPE_REF_NAMED, d->type_condition_loc, d->type_condition, NULL};
            check_type_ref_in(c, &ref, false);
        }
        check_applied(c, d->directives, d->ndirectives, GQL_DL_FRAGMENT_DEFINITION);
    }
    check_selections(c, &d->selection_set);
}

/* Argument and input field definitions: on entering each, its repeated
 * directives; then its type, default value and directives. */
static void check_input_values(sdl_ctx_t *c, const gql_input_value_def_t *v, size_t n, gql_directive_location_t where)
{
    for (size_t i = 0; i < n; i++) {
        check_repeated(c, v[i].directives, v[i].ndirectives, NULL);
        check_type_ref(c, v[i].type);
        check_values_unique_fields(c, v[i].default_value);
        check_applied(c, v[i].directives, v[i].ndirectives, where);
    }
}

/* UniqueArgumentDefinitionNames for one argument list. */
static void check_arg_defs_unique(sdl_ctx_t *c, const char *parent_fmt, const char *a1, const char *a2,
                                  const gql_input_value_def_t *args, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool first = true;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(args[k].name, args[i].name) != 0;
        if (!first)
            continue;
        gql__locs_t l = {0};
        for (size_t k = i; k < n; k++)
            if (strcmp(args[k].name, args[i].name) == 0)
                gql__locs_add(&l, args[k].loc);
        if (l.n > 1) {
            gql_buf_t b = GQL_BUF_INIT;
            gql_buf_printf(&b, parent_fmt, a1, a2);
            SDL_ERR(c, &l, "Argument \"%s(%s:)\" can only be defined once.", gql_buf_cstr(&b), args[i].name);
            gql_buf_free(&b);
        }
    }
}

/* UniqueFieldDefinitionNames and UniqueEnumValueNames for definition `upto`:
 * each field (or enum value) against those of the same name earlier in it and
 * in the definitions and extensions of the same type before it. */
static void check_members_unique(sdl_ctx_t *c, size_t upto)
{
    const gql_definition_t *d = &c->doc->definitions[upto];
    /* Fields (objects, interfaces, input objects) and enum values are unique
     * across a type's definition and extensions. */
    bool input = d->kind == GQL_DEF_INPUT_OBJECT;
    bool enums = d->kind == GQL_DEF_ENUM;
    size_t n = input ? d->ninput_values : enums ? d->nenum_values : d->nfields;
    for (size_t i = 0; i < n; i++) {
        const char *name = input ? d->input_values[i].name : enums ? d->enum_values[i].name : d->fields[i].name;
        gql_loc_t loc = input ? d->input_values[i].loc : enums ? d->enum_values[i].loc : d->fields[i].loc;
        bool dup = false;
        gql_loc_t first = {0};
        for (int32_t kk = c->first_same[upto]; kk >= 0 && (size_t)kk <= upto && !dup; kk = c->next_same[kk]) {
            size_t k = (size_t)kk;
            const gql_definition_t *o = &c->doc->definitions[k];
            if (o->kind != d->kind)
                continue;
            size_t m = k == upto ? i : (input ? o->ninput_values : enums ? o->nenum_values : o->nfields);
            for (size_t j = 0; j < m && !dup; j++) {
                const char *on = input ? o->input_values[j].name : enums ? o->enum_values[j].name : o->fields[j].name;
                if (strcmp(on, name) == 0) {
                    dup = true;
                    first = input ? o->input_values[j].loc : enums ? o->enum_values[j].loc : o->fields[j].loc;
                }
            }
        }
        if (dup) {
            gql__locs_t l = {0};
            gql__locs_add(&l, first);
            gql__locs_add(&l, loc);
            if (enums)
                SDL_ERR(c, &l, "Enum value \"%s.%s\" can only be defined once.", d->name, name);
            else
                SDL_ERR(c, &l, "Field \"%s.%s\" can only be defined once.", d->name, name);
        }
    }
}

static gql_directive_location_t type_location(gql_def_kind_t k)
{
    switch (k) {
    case GQL_DEF_SCALAR:
        return GQL_DL_SCALAR;
    case GQL_DEF_OBJECT:
        return GQL_DL_OBJECT;
    case GQL_DEF_INTERFACE:
        return GQL_DL_INTERFACE;
    case GQL_DEF_UNION:
        return GQL_DL_UNION;
    case GQL_DEF_ENUM:
        return GQL_DL_ENUM;
    default:
        return GQL_DL_INPUT_OBJECT;
    }
}

size_t gql__schema_validate_sdl(const gql_document_t *doc, gql_arena_t *scratch, gql_errors_t *errors)
{
    sdl_ctx_t c = {.doc = doc, .errors = errors, .arena = scratch};
    size_t nschema = 0;
    const gql_root_op_def_t *root_ops[3] = {NULL, NULL, NULL};
    seen_set_t schema_seen = {0};
    /* Per type name: directives seen (UniqueDirectivesPerLocation spans a
     * type and its extensions). Kept in a parallel array over definitions. */
    seen_set_t *type_seen = gql_arena_alloc(scratch, (doc->count ? doc->count : 1) * sizeof(*type_seen));
    if (type_seen == NULL || !index_names(&c)) {
        gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Out of memory while validating the schema.");
        return 1;
    }

    for (size_t i = 0; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        switch (d->kind) {
        case GQL_DEF_OPERATION:
        case GQL_DEF_FRAGMENT:
            check_executable(&c, d);
            break;
        case GQL_DEF_SCHEMA: {
            if (!d->is_extension) {
                if (nschema++ > 0) {
                    gql__locs_t l = {0};
                    gql__locs_add(&l, d->loc);
                    SDL_ERR(&c, &l, "Must provide only one schema definition.");
                }
            }
            for (size_t j = 0; j < d->nroot_ops; j++) {
                const gql_root_op_def_t *op = &d->root_ops[j];
                if ((unsigned)op->operation >= 3)
                    continue;
                if (root_ops[op->operation] != NULL) {
                    gql__locs_t l = {0};
                    gql__locs_add(&l, root_ops[op->operation]->loc);
                    gql__locs_add(&l, op->loc);
                    SDL_ERR(&c, &l, "There can be only one %s type in schema.", gql__operation_words[op->operation]);
                } else {
                    root_ops[op->operation] = op;
                }
            }
            check_repeated(&c, d->directives, d->ndirectives, &schema_seen);
            check_applied(&c, d->directives, d->ndirectives, GQL_DL_SCHEMA);
            for (size_t j = 0; j < d->nroot_ops; j++) {
                gql_type_ref_t ref = {GQL_TYPE_REF_NAMED, d->root_ops[j].type_loc, d->root_ops[j].type_name, NULL};
                check_type_ref(&c, &ref);
            }
            break;
        }
        case GQL_DEF_DIRECTIVE: {
            if (!d->is_extension) {
                check_arg_defs_unique(&c, "@%s%s", d->name, "", d->input_values, d->ninput_values);
                const gql_definition_t *o = earlier_def(&c, i);
                if (o != NULL) {
                    gql__locs_t l = {0};
                    gql__locs_add(&l, o->name_loc);
                    gql__locs_add(&l, d->name_loc);
                    SDL_ERR(&c, &l, "There can be only one directive named \"@%s\".", d->name);
                }
            }
            /* Directives on directive definitions and extensions share one
             * "seen" set per directive name. */
            size_t owner = c.first_same[i] >= 0 ? (size_t)c.first_same[i] : i;
            check_repeated(&c, d->directives, d->ndirectives, &type_seen[owner]);
            if (!d->is_extension)
                check_input_values(&c, d->input_values, d->ninput_values, GQL_DL_ARGUMENT_DEFINITION);
            check_applied(&c, d->directives, d->ndirectives, GQL_DL_DIRECTIVE_DEFINITION);
            break;
        }
        default: {
            if (!is_type_def(d))
                break;
            /* Entering the definition: UniqueTypeNames, UniqueEnumValueNames,
             * UniqueFieldDefinitionNames, UniqueArgumentDefinitionNames,
             * UniqueDirectivesPerLocation, PossibleTypeExtensions. */
            if (!d->is_extension) {
                const gql_definition_t *o = earlier_def(&c, i);
                if (o != NULL) {
                    gql__locs_t l = {0};
                    gql__locs_add(&l, o->name_loc);
                    gql__locs_add(&l, d->name_loc);
                    SDL_ERR(&c, &l, "There can be only one type named \"%s\".", d->name);
                }
            }
            if (d->kind == GQL_DEF_ENUM || d->kind == GQL_DEF_INPUT_OBJECT || d->kind == GQL_DEF_OBJECT ||
                d->kind == GQL_DEF_INTERFACE)
                check_members_unique(&c, i);
            for (size_t j = 0; j < d->nfields; j++)
                check_arg_defs_unique(&c, "%s.%s", d->name, d->fields[j].name, d->fields[j].args, d->fields[j].nargs);
            /* The first definition or extension with this name owns the
             * directive state the type's extensions share. */
            size_t owner = c.first_same[i] >= 0 ? (size_t)c.first_same[i] : i;
            check_repeated(&c, d->directives, d->ndirectives, &type_seen[owner]);
            if (d->is_extension) {
                const gql_definition_t *def = find_def(&c, 0, d->name);
                if (def == NULL) {
                    size_t n;
                    const char **names = type_name_options(&c, false, &n);
                    gql_buf_t b = GQL_BUF_INIT;
                    if (names != NULL)
                        gql__suggest(&b, NULL, d->name, names, n);
                    gql__locs_t l = {0};
                    gql__locs_add(&l, d->name_loc);
                    SDL_ERR(&c, &l, "Cannot extend type \"%s\" because it is not defined.%s", d->name,
                            b.len ? gql_buf_cstr(&b) : "");
                    gql_buf_free(&b);
                } else if (def->kind != d->kind) {
                    gql__locs_t l = {0};
                    gql__locs_add(&l, def->loc);
                    gql__locs_add(&l, d->loc);
                    SDL_ERR(&c, &l, "Cannot extend non-%s type \"%s\".", kind_words[d->kind], d->name);
                }
            }
            /* The children, in graphql-js's key order: interfaces before
             * directives for objects and interfaces, members after them for
             * unions, then fields, values or input fields. */
            bool refs_first = d->kind == GQL_DEF_OBJECT || d->kind == GQL_DEF_INTERFACE;
            for (size_t j = 0; refs_first && j < d->ntypes; j++)
                check_type_ref(&c, d->types[j]);
            check_applied(&c, d->directives, d->ndirectives, type_location(d->kind));
            for (size_t j = 0; !refs_first && j < d->ntypes; j++)
                check_type_ref(&c, d->types[j]);
            for (size_t j = 0; j < d->nfields; j++) {
                const gql_field_def_t *f = &d->fields[j];
                check_repeated(&c, f->directives, f->ndirectives, NULL);
                check_input_values(&c, f->args, f->nargs, GQL_DL_ARGUMENT_DEFINITION);
                check_type_ref(&c, f->type);
                check_applied(&c, f->directives, f->ndirectives, GQL_DL_FIELD_DEFINITION);
            }
            for (size_t j = 0; j < d->nenum_values; j++)
                check_directives(&c, d->enum_values[j].directives, d->enum_values[j].ndirectives, GQL_DL_ENUM_VALUE);
            if (d->kind == GQL_DEF_INPUT_OBJECT)
                check_input_values(&c, d->input_values, d->ninput_values, GQL_DL_INPUT_FIELD_DEFINITION);
        }
        }
    }
    return c.nerrors;
}
