/*
 * schema_validate.c — type validation of a built schema (spec §3 "Type
 * Validation", graphql-js type/validate.js validateSchema), with
 * graphql-js's messages and locations: root types, reserved names, output
 * and input positions, interface implementation (fields, arguments,
 * covariant types, transitive interfaces, no cycles), union members, enum
 * values, default values, input objects that cannot be given a finite value
 * and default values that reference themselves, OneOf input objects,
 * deprecated required arguments and input fields, and deprecation conflicts
 * between interface and implementation fields. Also the values of
 * @deprecated and @specifiedBy that building reads. The SDL rules that run
 * before building are schema_sdl_rules.c. Errors are collected, never
 * stop-at-first.
 *
 * Memory: what the checks need while they run (type strings for messages,
 * suggestion lists, the state of the cycle searches) is in the caller's
 * scratch arena; messages are built in a gql_buf_t or on the stack and end
 * in the errors' arena.
 */
#include "literal.h"
#include "schema_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tv_ctx {
    const gql_schema_t *s;
    const gql_schema_options_t *options;
    gql_arena_t *arena; /* scratch */
    gql_errors_t *errors;
    gql_errors_t *warnings;
    size_t nerrors;
} tv_ctx_t;

static void tv_error(tv_ctx_t *c, const gql__locs_t *l, const char *fmt, ...) GQL_PRINTF(3, 4);
static void tv_error(tv_ctx_t *c, const gql__locs_t *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gql_errors_vadd(c->errors, NULL, NULL, l ? l->items : NULL, l ? l->n : 0, fmt, ap);
    va_end(ap);
    c->nerrors++;
}

static const char *tstr(tv_ctx_t *c, const gql_type_t *t)
{
    const char *s = gql_type_str(c->arena, t);
    return s ? s : "?";
}

/* Locations of a type's definition and extensions (graphql-js [astNode,
 * ...extensionASTNodes]). */
static void type_def_locs(const gql_schema_t *s, const gql_type_t *t, gql__locs_t *l)
{
    if (t->ast == NULL || s->sdl == NULL)
        return;
    gql__locs_add(l, t->ast->loc);
    for (size_t i = 0; i < s->sdl->count; i++) {
        const gql_definition_t *d = &s->sdl->definitions[i];
        if (d->is_extension && d->kind == t->ast->kind && strcmp(d->name, t->name) == 0)
            gql__locs_add(l, d->loc);
    }
}

/* Locations of `implements X` (or union members named X) across a type's
 * definition and extensions. */
static void named_ref_locs(const gql_schema_t *s, const gql_type_t *t, const char *name, gql__locs_t *l)
{
    if (t->ast == NULL || s->sdl == NULL)
        return;
    for (size_t i = 0; i < s->sdl->count; i++) {
        const gql_definition_t *d = &s->sdl->definitions[i];
        if (d->kind != t->ast->kind || strcmp(d->name, t->name) != 0)
            continue;
        for (size_t j = 0; j < d->ntypes; j++)
            if (strcmp(d->types[j]->name, name) == 0)
                gql__locs_add(l, d->types[j]->loc);
    }
}

/* Where graphql-js locates a whole field, argument, input field or enum
 * value definition: at its description when it has one. The AST keeps the
 * name's location for these, so the description's opening quote is found
 * in the source just before the name (only when nothing but white space and
 * commas separates them; otherwise the name's location is kept). */
static gql_loc_t node_loc(const gql_schema_t *s, gql_loc_t name, const char *description, bool block)
{
    const gql_document_t *doc = s->sdl;
    if (description == NULL || doc == NULL || doc->source == NULL || name.offset > doc->source_len || name.line == 0)
        return name;
    const char *src = doc->source;
    size_t i = name.offset;
    while (i > 0 &&
           (src[i - 1] == ' ' || src[i - 1] == '\t' || src[i - 1] == ',' || src[i - 1] == '\n' || src[i - 1] == '\r'))
        i--;
    if (i == 0 || src[i - 1] != '"')
        return name;
    size_t start;
    if (block) {
        if (i < 6 || memcmp(src + i - 3, "\"\"\"", 3) != 0)
            return name;
        size_t j = i - 3; /* the closing delimiter */
        for (;;) {
            if (j < 3)
                return name;
            j--;
            if (memcmp(src + j - 2, "\"\"\"", 3) == 0 && !(j >= 3 && src[j - 3] == '\\'))
                break;
        }
        start = j - 2;
        while (start > 0 && src[start - 1] == '"')
            start--;
    } else {
        size_t j = i - 1; /* the closing quote */
        for (;;) {
            if (j == 0 || src[j - 1] == '\n' || src[j - 1] == '\r')
                return name;
            j--;
            if (src[j] != '"')
                continue;
            size_t bs = 0;
            while (j > bs && src[j - 1 - bs] == '\\')
                bs++;
            if (bs % 2 == 0)
                break;
        }
        start = j;
    }
    /* Line and column (in code points) of `start`. */
    gql_loc_t loc = {name.line, 1, (uint32_t)start};
    for (size_t k = start; k < name.offset; k++)
        if (src[k] == '\n' || (src[k] == '\r' && (k + 1 >= doc->source_len || src[k + 1] != '\n')))
            loc.line--;
    size_t ls = start;
    while (ls > 0 && src[ls - 1] != '\n' && src[ls - 1] != '\r')
        ls--;
    for (size_t k = ls; k < start; k++)
        if (((unsigned char)src[k] & 0xC0) != 0x80)
            loc.column++;
    return loc;
}

static gql_loc_t field_loc(const gql_schema_t *s, const gql_field_def_t *f)
{
    return f ? node_loc(s, f->loc, f->description, f->description_block) : (gql_loc_t){0};
}

static gql_loc_t input_loc(const gql_schema_t *s, const gql_input_value_def_t *v)
{
    return v ? node_loc(s, v->loc, v->description, v->description_block) : (gql_loc_t){0};
}

static gql_loc_t deprecated_loc(const gql_directive_t *dirs, size_t n)
{
    const gql_directive_t *d = gql__find_directive(dirs, n, "deprecated");
    gql_loc_t none = {0};
    return d ? d->loc : none;
}

static void validate_name(tv_ctx_t *c, const char *name, gql_loc_t loc)
{
    if (name[0] == '_' && name[1] == '_') {
        gql__locs_t l = {0};
        gql__locs_add(&l, loc);
        tv_error(c, &l, "Name \"%s\" must not begin with \"__\", which is reserved by GraphQL introspection.", name);
    }
}

static void validate_root_types(tv_ctx_t *c)
{
    const gql_schema_t *s = c->s;
    const gql_type_t *roots[3] = {s->query, s->mutation, s->subscription};
    static const char *const cap_words[3] = {"Query", "Mutation", "Subscription"};
    if (s->query == NULL) {
        gql__locs_t l = {0};
        for (size_t i = 0; s->sdl && i < s->sdl->count; i++)
            if (s->sdl->definitions[i].kind == GQL_DEF_SCHEMA && !s->sdl->definitions[i].is_extension) {
                gql__locs_add(&l, s->sdl->definitions[i].loc);
                break;
            }
        tv_error(c, &l, "Query root type must be provided.");
    }
    /* The root operation type's location in schema { } or an extension. */
    gql_loc_t op_locs[3] = {{0}};
    for (size_t i = 0; s->sdl && i < s->sdl->count; i++) {
        const gql_definition_t *d = &s->sdl->definitions[i];
        if (d->kind != GQL_DEF_SCHEMA)
            continue;
        for (size_t j = 0; j < d->nroot_ops; j++)
            if ((unsigned)d->root_ops[j].operation < 3 && op_locs[d->root_ops[j].operation].line == 0)
                op_locs[d->root_ops[j].operation] = d->root_ops[j].type_loc;
    }
    for (int k = 0; k < 3; k++) {
        if (roots[k] == NULL)
            continue;
        if (roots[k]->kind != GQL_KIND_OBJECT) {
            gql__locs_t l = {0};
            gql__locs_add(&l, op_locs[k].line ? op_locs[k] : (roots[k]->ast ? roots[k]->ast->loc : op_locs[k]));
            if (k == 0)
                tv_error(c, &l, "Query root type must be Object type, it cannot be %s.", roots[k]->name);
            else
                tv_error(c, &l, "%s root type must be Object type if provided, it cannot be %s.", cap_words[k],
                         roots[k]->name);
        }
    }
    for (int k = 0; k < 3; k++) {
        if (roots[k] == NULL || roots[k]->kind != GQL_KIND_OBJECT)
            continue;
        bool first = true;
        for (int j = 0; j < k; j++)
            first = first && roots[j] != roots[k];
        if (!first)
            continue;
        const char *ops[3];
        int n = 0;
        gql__locs_t l = {0};
        for (int j = k; j < 3; j++)
            if (roots[j] == roots[k]) {
                ops[n++] = gql__operation_words[j];
                gql__locs_add(&l, op_locs[j]);
            }
        if (n == 2)
            tv_error(c, &l, "All root types must be different, \"%s\" type is used as %s and %s root types.",
                     roots[k]->name, ops[0], ops[1]);
        else if (n == 3)
            tv_error(c, &l, "All root types must be different, \"%s\" type is used as %s, %s, and %s root types.",
                     roots[k]->name, ops[0], ops[1], ops[2]);
    }
}

/* Literals checked against input types (graphql-js validateInputLiteral in
 * its static form: variables are not checked; the walk is literal.c's), for
 * default values and the arguments of @deprecated and @specifiedBy. Each
 * problem is reported as "<owner>[ at .path]: <why>" at the literal, where
 * owner is e.g. "Query.f(x:) has invalid default value". */
typedef struct literal_ctx {
    tv_ctx_t *c;
    const char *owner;
} literal_ctx_t;

static void literal_error(tv_ctx_t *c, const char *owner, const gql_path_t *path, gql_loc_t loc, const char *fmt, ...)
    GQL_PRINTF(5, 6);
static void literal_error(tv_ctx_t *c, const char *owner, const gql_path_t *path, gql_loc_t loc, const char *fmt, ...)
{
    const gql_path_t *stack[64];
    size_t depth = 0;
    for (const gql_path_t *p = path; p != NULL && depth < 64; p = p->prev)
        stack[depth++] = p;
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_puts(&b, owner);
    if (depth > 0)
        gql_buf_puts(&b, " at ");
    for (size_t i = depth; i-- > 0;) {
        if (stack[i]->key != NULL)
            gql_buf_printf(&b, ".%s", stack[i]->key);
        else
            gql_buf_printf(&b, "[%zu]", stack[i]->index);
    }
    gql_buf_puts(&b, ": ");
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    gql_buf_puts(&b, tmp);
    gql__locs_t l = {0};
    gql__locs_add(&l, loc);
    tv_error(c, &l, "%s", gql_buf_cstr(&b));
    gql_buf_free(&b);
}

/* print(valueNode), truncated for messages. */
static const char *literal_str(char *buf, size_t size, const gql_value_t *v)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_print_value(v, &b);
    snprintf(buf, size, "%s", gql_buf_cstr(&b));
    gql_buf_free(&b);
    return buf;
}

static bool int32_literal(const char *text)
{
    char *end;
    long long n = strtoll(text, &end, 10);
    return *end == '\0' && n >= INT32_MIN && n <= INT32_MAX && !(n == LLONG_MAX || n == LLONG_MIN);
}

static bool literal_problem(void *ctx, const gql__lit_problem_t *p)
{
    literal_ctx_t *lc = ctx;
    tv_ctx_t *c = lc->c;
    const gql_value_t *v = p->value;
    char lit[300], ts[256];
    if (p->kind == GQL_LIT_NULL) {
        literal_error(c, lc->owner, p->path, v->loc, "Expected value of non-null type \"%s\" not to be null.",
                      tstr(c, p->type));
        return false;
    }
    snprintf(ts, sizeof(ts), "%s", tstr(c, p->type));
    switch (p->kind) {
    case GQL_LIT_NOT_OBJECT:
        literal_error(c, lc->owner, p->path, v->loc, "Expected value of type \"%s\" to be an object, found: %s.", ts,
                      literal_str(lit, sizeof(lit), v));
        break;
    case GQL_LIT_MISSING_FIELD:
        literal_error(c, lc->owner, p->path, v->loc,
                      "Expected value of type \"%s\" to include required field \"%s\", found: %s.", ts, p->field->name,
                      literal_str(lit, sizeof(lit), v));
        break;
    case GQL_LIT_UNKNOWN_FIELD: {
        const gql_type_t *type = p->type;
        const gql_object_field_t *of = p->object_field;
        const char **names =
            gql_arena_alloc_raw(c->arena, (type->ninput_fields ? type->ninput_fields : 1) * sizeof(*names));
        gql_buf_t sug = GQL_BUF_INIT;
        if (names != NULL) {
            for (size_t k = 0; k < type->ninput_fields; k++)
                names[k] = type->input_fields[k].name;
            gql__suggest(&sug, NULL, of->name, names, type->ninput_fields);
        }
        if (sug.len)
            literal_error(c, lc->owner, p->path, of->loc,
                          "Expected value of type \"%s\" not to include unknown field \"%s\".%s Found: %s.", ts,
                          of->name, gql_buf_cstr(&sug), literal_str(lit, sizeof(lit), v));
        else
            literal_error(c, lc->owner, p->path, of->loc,
                          "Expected value of type \"%s\" not to include unknown field \"%s\", found: %s.", ts, of->name,
                          literal_str(lit, sizeof(lit), v));
        gql_buf_free(&sug);
        break;
    }
    case GQL_LIT_ONE_OF:
    case GQL_LIT_ONE_OF_NULL: {
        static const char *const fmt = "Within OneOf Input Object type \"%s\", exactly one field must be "
                                       "specified, and the value for that field must be non-null.";
        gql_path_t fp = {p->path, p->kind == GQL_LIT_ONE_OF_NULL ? p->object_field->name : NULL, 0};
        literal_error(c, lc->owner, p->kind == GQL_LIT_ONE_OF_NULL ? &fp : p->path, v->loc, fmt, ts);
        break;
    }
    default:
        break;
    }
    return false; /* every problem is reported */
}

/* Scalars and enums, as graphql-js's built-in scalars and enums parse
 * literals; custom scalars accept any literal. */
static bool literal_leaf(void *ctx, const gql_value_t *v, const gql_type_t *type, const gql_path_t *path)
{
    literal_ctx_t *lc = ctx;
    tv_ctx_t *c = lc->c;
    const char *owner = lc->owner;
    char lit[300];
    if (type->kind == GQL_KIND_ENUM) {
        bool ok = v->kind == GQL_VALUE_ENUM && gql_type_enum_value(type, v->str) != NULL;
        if (ok)
            return false;
        literal_str(lit, sizeof(lit), v);
        const char **names = gql_arena_alloc_raw(c->arena, (type->nvalues ? type->nvalues : 1) * sizeof(*names));
        gql_buf_t sug = GQL_BUF_INIT;
        if (names != NULL) {
            for (size_t k = 0; k < type->nvalues; k++)
                names[k] = type->values[k].name;
            gql__suggest(&sug, "the enum value", lit, names, type->nvalues);
        }
        if (v->kind != GQL_VALUE_ENUM)
            literal_error(c, owner, path, v->loc, "Enum \"%s\" cannot represent non-enum value: %s.%s", type->name, lit,
                          gql_buf_cstr(&sug));
        else
            literal_error(c, owner, path, v->loc, "Value \"%s\" does not exist in \"%s\" enum.%s", lit, type->name,
                          gql_buf_cstr(&sug));
        gql_buf_free(&sug);
        return false;
    }
    if (type->kind != GQL_KIND_SCALAR || !type->builtin)
        return false;
    const char *n = type->name;
    if (strcmp(n, "Int") == 0) {
        if (v->kind != GQL_VALUE_INT)
            literal_error(c, owner, path, v->loc, "Int cannot represent non-integer value: %s",
                          literal_str(lit, sizeof(lit), v));
        else if (!int32_literal(v->str))
            literal_error(c, owner, path, v->loc, "Int cannot represent non 32-bit signed integer value: %s", v->str);
    } else if (strcmp(n, "Float") == 0) {
        if (v->kind != GQL_VALUE_INT && v->kind != GQL_VALUE_FLOAT)
            literal_error(c, owner, path, v->loc, "Float cannot represent non numeric value: %s",
                          literal_str(lit, sizeof(lit), v));
    } else if (strcmp(n, "String") == 0) {
        if (v->kind != GQL_VALUE_STRING)
            literal_error(c, owner, path, v->loc, "String cannot represent a non string value: %s",
                          literal_str(lit, sizeof(lit), v));
    } else if (strcmp(n, "Boolean") == 0) {
        if (v->kind != GQL_VALUE_BOOLEAN)
            literal_error(c, owner, path, v->loc, "Boolean cannot represent a non boolean value: %s",
                          literal_str(lit, sizeof(lit), v));
    } else if (strcmp(n, "ID") == 0) {
        if (v->kind != GQL_VALUE_STRING && v->kind != GQL_VALUE_INT)
            literal_error(c, owner, path, v->loc, "ID cannot represent a non-string and non-integer value: %s",
                          literal_str(lit, sizeof(lit), v));
    }
    return false;
}

static const gql__lit_walk_t literal_walk = {.problem = literal_problem, .leaf = literal_leaf};

/* Checks literal v (may be NULL) against `type` (may be NULL), reporting
 * each problem after `owner`. */
static void validate_literal(tv_ctx_t *c, const char *owner, const gql_value_t *v, const gql_type_t *type)
{
    literal_ctx_t lc = {c, owner};
    if (v != NULL && type != NULL)
        gql__lit_walk(&literal_walk, &lc, v, type, NULL);
}

static void validate_default_value(tv_ctx_t *c, const char *owner, const gql_input_value_t *v)
{
    char prefix[800];
    snprintf(prefix, sizeof(prefix), "%s has invalid default value", owner);
    if (v->default_value != NULL && gql_type_is_input(v->type))
        validate_literal(c, prefix, v->default_value, v->type);
}

/* The arguments of the built-in directives whose values building reads
 * (@deprecated(reason:), @specifiedBy(url:)); graphql-js's buildASTSchema
 * throws "Argument "@deprecated(reason:)" has invalid value: ..." for them. */
static void check_builtin_directive_values(tv_ctx_t *c, const gql_directive_t *dirs, size_t n)
{
    const gql_type_t *string_nn = gql_type_non_null_of(c->s, gql_schema_type(c->s, "String"));
    for (size_t i = 0; i < n; i++) {
        const char *arg = strcmp(dirs[i].name, "deprecated") == 0    ? "reason"
                          : strcmp(dirs[i].name, "specifiedBy") == 0 ? "url"
                                                                     : NULL;
        if (arg == NULL)
            continue; /* graphql-js reads them as the built-ins even when the SDL redefines them */
        for (size_t j = 0; j < dirs[i].nargs; j++)
            if (strcmp(dirs[i].args[j].name, arg) == 0) {
                char prefix[128];
                snprintf(prefix, sizeof(prefix), "Argument \"@%s(%s:)\" has invalid value", dirs[i].name, arg);
                validate_literal(c, prefix, dirs[i].args[j].value, string_nn);
            }
    }
}

size_t gql__schema_validate_directive_values(const gql_schema_t *s, gql_arena_t *scratch, gql_errors_t *errors)
{
    tv_ctx_t c = {s, NULL, scratch, errors, NULL, 0};
    const gql_document_t *doc = s->sdl;
    for (size_t i = 0; doc != NULL && i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        check_builtin_directive_values(&c, d->directives, d->ndirectives);
        for (size_t j = 0; j < d->nfields; j++) {
            check_builtin_directive_values(&c, d->fields[j].directives, d->fields[j].ndirectives);
            for (size_t k = 0; k < d->fields[j].nargs; k++)
                check_builtin_directive_values(&c, d->fields[j].args[k].directives, d->fields[j].args[k].ndirectives);
        }
        for (size_t j = 0; j < d->ninput_values; j++)
            check_builtin_directive_values(&c, d->input_values[j].directives, d->input_values[j].ndirectives);
        for (size_t j = 0; j < d->nenum_values; j++)
            check_builtin_directive_values(&c, d->enum_values[j].directives, d->enum_values[j].ndirectives);
    }
    return c.nerrors;
}

static void validate_arg(tv_ctx_t *c, const char *owner, const gql_input_value_t *a)
{
    gql_loc_t name_loc = input_loc(c->s, a->ast);
    validate_name(c, a->name, name_loc);
    if (!gql_type_is_input(a->type)) {
        gql__locs_t l = {0};
        if (a->ast)
            gql__locs_add(&l, a->ast->type->loc);
        tv_error(c, &l, "The type of %s(%s:) must be Input Type but got: %s.", owner, a->name, tstr(c, a->type));
    }
    if (gql__input_value_required(a) && a->deprecated) {
        gql__locs_t l = {0};
        if (a->ast) {
            gql__locs_add(&l, deprecated_loc(a->ast->directives, a->ast->ndirectives));
            gql__locs_add(&l, a->ast->type->loc);
        }
        tv_error(c, &l, "Required argument %s(%s:) cannot be deprecated.", owner, a->name);
    }
    char full[700];
    snprintf(full, sizeof(full), "%s(%s:)", owner, a->name);
    validate_default_value(c, full, a);
}

static void validate_directives(tv_ctx_t *c)
{
    for (size_t i = 0; i < c->s->ndirectives; i++) {
        const gql_directive_def_t *d = c->s->directives[i];
        if (d->builtin)
            continue;
        validate_name(c, d->name, d->ast ? d->ast->loc : (gql_loc_t){0});
        if (d->locations == 0 && (d->ast == NULL || d->ast->nlocations == 0)) {
            gql__locs_t l = {0};
            if (d->ast)
                gql__locs_add(&l, d->ast->loc);
            tv_error(c, &l, "Directive @%s must include 1 or more locations.", d->name);
        }
        char owner[300];
        snprintf(owner, sizeof(owner), "@%s", d->name);
        for (size_t j = 0; j < d->nargs; j++)
            validate_arg(c, owner, &d->args[j]);
    }
}

static const gql_input_value_t *find_arg(const gql_field_t *f, const char *name)
{
    return gql_field_arg(f, name);
}

static void validate_implements(tv_ctx_t *c, const gql_type_t *t, const gql_type_t *iface)
{
    const gql_schema_t *s = c->s;
    /* Transitive interfaces (validateTypeImplementsAncestors). */
    for (size_t i = 0; i < iface->ninterfaces; i++) {
        const gql_type_t *tr = iface->interfaces[i];
        bool has = false;
        for (size_t j = 0; j < t->ninterfaces && !has; j++)
            has = t->interfaces[j] == tr;
        if (has)
            continue;
        gql__locs_t l = {0};
        named_ref_locs(s, iface, tr->name, &l);
        named_ref_locs(s, t, iface->name, &l);
        if (tr == t)
            tv_error(c, &l, "Type %s cannot implement %s because it would create a circular reference.", t->name,
                     iface->name);
        else
            tv_error(c, &l, "Type %s must implement %s because it is implemented by %s.", t->name, tr->name,
                     iface->name);
    }
    /* Fields (validateTypeImplementsInterface). */
    for (size_t i = 0; i < iface->nfields; i++) {
        const gql_field_t *ifield = &iface->fields[i];
        const gql_field_t *tfield = gql_type_field(s, t, ifield->name);
        if (tfield == NULL) {
            gql__locs_t l = {0};
            if (ifield->ast)
                gql__locs_add(&l, field_loc(s, ifield->ast));
            type_def_locs(s, t, &l);
            tv_error(c, &l, "Interface field %s.%s expected but %s does not provide it.", iface->name, ifield->name,
                     t->name);
            continue;
        }
        if (!gql_type_is_subtype(s, tfield->type, ifield->type)) {
            gql__locs_t l = {0};
            if (ifield->ast)
                gql__locs_add(&l, ifield->ast->type->loc);
            if (tfield->ast)
                gql__locs_add(&l, tfield->ast->type->loc);
            tv_error(c, &l, "Interface field %s.%s expects type %s but %s.%s is type %s.", iface->name, ifield->name,
                     tstr(c, ifield->type), t->name, tfield->name, tstr(c, tfield->type));
        }
        for (size_t j = 0; j < ifield->nargs; j++) {
            const gql_input_value_t *iarg = &ifield->args[j];
            const gql_input_value_t *targ = find_arg(tfield, iarg->name);
            if (targ == NULL) {
                gql__locs_t l = {0};
                if (iarg->ast)
                    gql__locs_add(&l, input_loc(s, iarg->ast));
                if (tfield->ast)
                    gql__locs_add(&l, field_loc(s, tfield->ast));
                tv_error(c, &l, "Interface field argument %s.%s(%s:) expected but %s.%s does not provide it.",
                         iface->name, ifield->name, iarg->name, t->name, tfield->name);
                continue;
            }
            if (!gql_type_equal(iarg->type, targ->type)) {
                gql__locs_t l = {0};
                if (iarg->ast)
                    gql__locs_add(&l, iarg->ast->type->loc);
                if (targ->ast)
                    gql__locs_add(&l, targ->ast->type->loc);
                tv_error(c, &l, "Interface field argument %s.%s(%s:) expects type %s but %s.%s(%s:) is type %s.",
                         iface->name, ifield->name, iarg->name, tstr(c, iarg->type), t->name, tfield->name, targ->name,
                         tstr(c, targ->type));
            }
        }
        for (size_t j = 0; j < tfield->nargs; j++) {
            const gql_input_value_t *targ = &tfield->args[j];
            if (gql__input_value_required(targ) && find_arg(ifield, targ->name) == NULL) {
                gql__locs_t l = {0};
                if (targ->ast)
                    gql__locs_add(&l, input_loc(s, targ->ast));
                if (ifield->ast)
                    gql__locs_add(&l, field_loc(s, ifield->ast));
                tv_error(c, &l,
                         "Argument \"%s.%s(%s:)\" must not be required type \"%s\" if not provided by the Interface "
                         "field \"%s.%s\".",
                         t->name, tfield->name, targ->name, tstr(c, targ->type), iface->name, ifield->name);
            }
        }
        if (tfield->deprecated && !ifield->deprecated) {
            gql__locs_t l = {0};
            if (tfield->ast) {
                gql__locs_add(&l, deprecated_loc(tfield->ast->directives, tfield->ast->ndirectives));
                gql__locs_add(&l, tfield->ast->type->loc);
            }
            bool tolerate = c->options->allow_deprecation_conflicts;
            gql_errors_t *to = tolerate ? c->warnings : c->errors;
            if (to != NULL)
                gql_errors_add(to, NULL, NULL, l.items, l.n,
                               "Interface field %s.%s is not deprecated, so implementation field %s.%s must not be "
                               "deprecated.",
                               iface->name, ifield->name, t->name, tfield->name);
            if (!tolerate)
                c->nerrors++;
        }
    }
}

static void validate_fields_and_interfaces(tv_ctx_t *c, const gql_type_t *t)
{
    const gql_schema_t *s = c->s;
    if (t->nfields == 0) {
        gql__locs_t l = {0};
        type_def_locs(s, t, &l);
        tv_error(c, &l, "Type %s must define one or more fields.", t->name);
    }
    for (size_t i = 0; i < t->nfields; i++) {
        const gql_field_t *f = &t->fields[i];
        validate_name(c, f->name, field_loc(c->s, f->ast));
        if (!gql_type_is_output(f->type)) {
            gql__locs_t l = {0};
            if (f->ast)
                gql__locs_add(&l, f->ast->type->loc);
            tv_error(c, &l, "The type of %s.%s must be Output Type but got: %s.", t->name, f->name, tstr(c, f->type));
        }
        char owner[600];
        snprintf(owner, sizeof(owner), "%s.%s", t->name, f->name);
        for (size_t j = 0; j < f->nargs; j++)
            validate_arg(c, owner, &f->args[j]);
    }
    for (size_t i = 0; i < t->ninterfaces; i++) {
        const gql_type_t *iface = t->interfaces[i];
        gql__locs_t l = {0};
        if (iface->kind != GQL_KIND_INTERFACE) {
            named_ref_locs(s, t, iface->name, &l);
            tv_error(c, &l, "Type %s must only implement Interface types, it cannot implement %s.", t->name,
                     iface->name);
            continue;
        }
        if (iface == t) {
            named_ref_locs(s, t, iface->name, &l);
            tv_error(c, &l, "Type %s cannot implement itself because it would create a circular reference.", t->name);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = t->interfaces[j] == iface;
        if (dup) {
            named_ref_locs(s, t, iface->name, &l);
            tv_error(c, &l, "Type %s can only implement %s once.", t->name, iface->name);
            continue;
        }
        validate_implements(c, t, iface);
    }
}

static void validate_union(tv_ctx_t *c, const gql_type_t *t)
{
    if (t->npossible == 0) {
        gql__locs_t l = {0};
        type_def_locs(c->s, t, &l);
        tv_error(c, &l, "Union type %s must define one or more member types.", t->name);
    }
    for (size_t i = 0; i < t->npossible; i++) {
        const gql_type_t *m = t->possible[i];
        gql__locs_t l = {0};
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = t->possible[j] == m;
        if (dup) {
            named_ref_locs(c->s, t, m->name, &l);
            tv_error(c, &l, "Union type %s can only include type %s once.", t->name, m->name);
            continue;
        }
        if (m->kind != GQL_KIND_OBJECT) {
            named_ref_locs(c->s, t, m->name, &l);
            tv_error(c, &l, "Union type %s can only include Object types, it cannot include %s.", t->name, m->name);
        }
    }
}

static void validate_enum(tv_ctx_t *c, const gql_type_t *t)
{
    if (t->nvalues == 0) {
        gql__locs_t l = {0};
        type_def_locs(c->s, t, &l);
        tv_error(c, &l, "Enum type %s must define one or more values.", t->name);
    }
    for (size_t i = 0; i < t->nvalues; i++)
        validate_name(c, t->values[i].name,
                      t->values[i].ast ? node_loc(c->s, t->values[i].ast->loc, t->values[i].ast->description,
                                                  t->values[i].ast->description_block)
                                       : (gql_loc_t){0});
}

static void validate_input_object(tv_ctx_t *c, const gql_type_t *t)
{
    if (t->ninput_fields == 0) {
        gql__locs_t l = {0};
        type_def_locs(c->s, t, &l);
        tv_error(c, &l, "Input Object type %s must define one or more fields.", t->name);
    }
    for (size_t i = 0; i < t->ninput_fields; i++) {
        const gql_input_value_t *f = &t->input_fields[i];
        validate_name(c, f->name, input_loc(c->s, f->ast));
        if (!gql_type_is_input(f->type)) {
            gql__locs_t l = {0};
            if (f->ast)
                gql__locs_add(&l, f->ast->type->loc);
            tv_error(c, &l, "The type of %s.%s must be Input Type but got: %s.", t->name, f->name, tstr(c, f->type));
        }
        if (gql__input_value_required(f) && f->deprecated) {
            gql__locs_t l = {0};
            if (f->ast) {
                gql__locs_add(&l, deprecated_loc(f->ast->directives, f->ast->ndirectives));
                gql__locs_add(&l, f->ast->type->loc);
            }
            tv_error(c, &l, "Required input field %s.%s cannot be deprecated.", t->name, f->name);
        }
        char full[600];
        snprintf(full, sizeof(full), "%s.%s", t->name, f->name);
        validate_default_value(c, full, f);
        if (t->one_of) {
            if (f->type->kind == GQL_KIND_NON_NULL) {
                gql__locs_t l = {0};
                if (f->ast)
                    gql__locs_add(&l, f->ast->type->loc);
                tv_error(c, &l, "OneOf input field %s.%s must be nullable.", t->name, f->name);
            }
            if (f->default_value != NULL) {
                gql__locs_t l = {0};
                if (f->ast)
                    gql__locs_add(&l, input_loc(c->s, f->ast));
                tv_error(c, &l, "OneOf input field %s.%s cannot have a default value.", t->name, f->name);
            }
        }
    }
}

/* Input objects that cannot be given a finite value (graphql-js
 * detectInputObjectNonFiniteValues): a non-OneOf input object whose non-null
 * input-object fields all lead back to it, or a OneOf whose every field does.
 * A fixed point marks the finite ones; each cycle among the rest is reported
 * once with the fields that form it. */
typedef struct finite_state {
    const gql_type_t *t;
    bool finite;
    bool visited;
    int path_index; /* position on the current report path, -1 when off */
} finite_state_t;

static const gql_type_t *finite_target(const gql_type_t *obj, const gql_type_t *ft)
{
    if (obj->one_of)
        return ft->kind == GQL_KIND_INPUT_OBJECT ? ft : NULL;
    if (ft->kind == GQL_KIND_NON_NULL && ft->of_type->kind == GQL_KIND_INPUT_OBJECT)
        return ft->of_type;
    return NULL;
}

typedef struct path_entry {
    const gql_type_t *t;
    const gql_input_value_t *f;
} path_entry_t;

/* The states of all input objects (in typeMap order, found by name) and the
 * fields of the cycle being followed. */
typedef struct finite_set {
    finite_state_t *st;
    gql__nameidx_t names; /* type names to positions in st */
    path_entry_t *path;
} finite_set_t;

static const char *finite_name_at(const void *st, size_t i)
{
    return ((const finite_state_t *)st)[i].t->name;
}

/* The state of input object t, or NULL. */
static finite_state_t *finite_find(finite_set_t *fs, const gql_type_t *t)
{
    int32_t i = gql__nameidx_find(&fs->names, t->name);
    return i >= 0 && fs->st[i].t == t ? &fs->st[i] : NULL;
}

static void report_cycles(tv_ctx_t *c, finite_set_t *fs, finite_state_t *cur, size_t depth)
{
    path_entry_t *path = fs->path;
    if (cur->visited)
        return;
    cur->visited = true;
    cur->path_index = (int)depth;
    const gql_type_t *t = cur->t;
    for (size_t i = 0; i < t->ninput_fields; i++) {
        const gql_type_t *target = finite_target(t, t->input_fields[i].type);
        if (target == NULL)
            continue;
        finite_state_t *ts = finite_find(fs, target);
        if (ts == NULL || ts->finite)
            continue;
        path[depth] = (path_entry_t){t, &t->input_fields[i]};
        if (ts->path_index < 0) {
            report_cycles(c, fs, ts, depth + 1);
        } else {
            gql_buf_t b = GQL_BUF_INIT;
            gql__locs_t l = {0};
            for (size_t k = (size_t)ts->path_index; k <= depth; k++) {
                gql_buf_printf(&b, "%s%s.%s", k > (size_t)ts->path_index ? ", " : "", path[k].t->name, path[k].f->name);
                if (path[k].f->ast)
                    gql__locs_add(&l, input_loc(c->s, path[k].f->ast));
            }
            tv_error(c, &l,
                     "Input Object %s cannot be provided a finite value because it references itself through "
                     "fields: %s.",
                     target->name, gql_buf_cstr(&b));
            gql_buf_free(&b);
        }
    }
    cur->path_index = -1;
}

static void validate_input_cycles(tv_ctx_t *c)
{
    const gql_schema_t *s = c->s;
    size_t n = 0;
    for (size_t i = 0; i < s->ntypes; i++)
        n += s->types[i]->kind == GQL_KIND_INPUT_OBJECT;
    if (n == 0)
        return;
    finite_set_t fs;
    finite_state_t *st = fs.st = gql_arena_alloc_raw(c->arena, n * sizeof(*fs.st));
    fs.path = gql_arena_alloc_raw(c->arena, (n + 1) * sizeof(*fs.path));
    if (st == NULL || fs.path == NULL)
        return;
    n = 0;
    for (size_t i = 0; i < s->ntypes; i++)
        if (s->types[i]->kind == GQL_KIND_INPUT_OBJECT)
            st[n++] = (finite_state_t){s->types[i], false, false, -1};
    if (gql__nameidx_build(&fs.names, c->arena, st, n, finite_name_at) != 0)
        return;
    /* Fixed point: finite when (non-OneOf) every target is finite, or
     * (OneOf) some field is not a target or its target is finite. The
     * finite set does not depend on the order the types are tried in. */
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < n; i++) {
            if (st[i].finite)
                continue;
            const gql_type_t *t = st[i].t;
            bool finite = !t->one_of || t->ninput_fields == 0;
            for (size_t j = 0; j < t->ninput_fields; j++) {
                const gql_type_t *target = finite_target(t, t->input_fields[j].type);
                finite_state_t *ts = target ? finite_find(&fs, target) : NULL;
                bool ok = target == NULL || (ts != NULL && ts->finite);
                if (t->one_of && ok) {
                    finite = true;
                    break;
                }
                if (!t->one_of && !ok) {
                    finite = false;
                    break;
                }
            }
            if (finite) {
                st[i].finite = true;
                changed = true;
            }
        }
    }
    for (size_t i = 0; i < s->ntypes; i++) { /* reported in typeMap order */
        finite_state_t *ts = s->types[i]->kind == GQL_KIND_INPUT_OBJECT ? finite_find(&fs, s->types[i]) : NULL;
        if (ts != NULL && !ts->finite)
            report_cycles(c, &fs, ts, 0);
    }
}

/* Default values that reference themselves (graphql-js
 * createInputObjectDefaultValueCircularRefsValidator): an input field whose
 * default, followed through the defaults of the fields it leaves out, comes
 * back to the same field. State is shared across all input objects. */
typedef struct cycle_step {
    const gql_type_t *owner;
    const gql_input_value_t *field;
} cycle_step_t;

typedef struct cycle_ctx {
    tv_ctx_t *c;
    const gql_input_value_t **visited; /* in the scratch arena, as path */
    size_t nvisited, capvisited;
    cycle_step_t *path; /* the current chain of defaults */
    size_t depth, cap;
} cycle_ctx_t;

static void field_default_cycle(cycle_ctx_t *cc, const gql_type_t *owner, const gql_input_value_t *field,
                                const gql_type_t *field_type);

static void literal_default_cycle(cycle_ctx_t *cc, const gql_type_t *obj, const gql_value_t *v)
{
    if (v->kind == GQL_VALUE_LIST) {
        for (size_t i = 0; i < v->list.count; i++)
            literal_default_cycle(cc, obj, v->list.items[i]);
        return;
    }
    if (v->kind != GQL_VALUE_OBJECT)
        return;
    for (size_t i = 0; i < obj->ninput_fields; i++) {
        const gql_input_value_t *f = &obj->input_fields[i];
        const gql_type_t *named = gql_type_named(f->type);
        if (named == NULL || named->kind != GQL_KIND_INPUT_OBJECT)
            continue;
        const gql_object_field_t *given = gql__object_field(v, f->name);
        if (given != NULL)
            literal_default_cycle(cc, named, given->value);
        else
            field_default_cycle(cc, obj, f, named);
    }
}

static void field_default_cycle(cycle_ctx_t *cc, const gql_type_t *owner, const gql_input_value_t *field,
                                const gql_type_t *field_type)
{
    if (field->default_value == NULL)
        return;
    for (size_t k = 0; k < cc->depth; k++) {
        if (cc->path[k].field != field)
            continue;
        /* A cycle: report it with the defaults it goes through. */
        gql_buf_t b = GQL_BUF_INIT;
        gql_buf_printf(&b,
                       "Invalid circular reference. The default value of Input Object field %s.%s references itself",
                       owner->name, field->name);
        if (k + 1 < cc->depth) {
            gql_buf_puts(&b, " via the default values of: ");
            for (size_t j = k + 1; j < cc->depth; j++)
                gql_buf_printf(&b, "%s%s.%s", j > k + 1 ? ", " : "", cc->path[j].owner->name, cc->path[j].field->name);
        }
        gql_buf_putc(&b, '.');
        gql__locs_t l = {0};
        for (size_t j = k; j < cc->depth; j++)
            gql__locs_add(&l, cc->path[j].field->default_value->loc);
        tv_error(cc->c, &l, "%s", gql_buf_cstr(&b));
        gql_buf_free(&b);
        return;
    }
    for (size_t k = 0; k < cc->nvisited; k++)
        if (cc->visited[k] == field)
            return;
    gql_arena_t *a = cc->c->arena;
    const gql_input_value_t **visited =
        gql__arena_grow(a, cc->visited, cc->nvisited, &cc->capvisited, sizeof(*visited));
    if (visited == NULL)
        return;
    cc->visited = visited;
    cc->visited[cc->nvisited++] = field;
    cycle_step_t *path = gql__arena_grow(a, cc->path, cc->depth, &cc->cap, sizeof(*path));
    if (path == NULL)
        return;
    cc->path = path;
    cc->path[cc->depth++] = (cycle_step_t){owner, field};
    literal_default_cycle(cc, field_type, field->default_value);
    cc->depth--;
}

/* graphql-js starts from each input object as if given an empty object. */
static void default_cycles_from(cycle_ctx_t *cc, const gql_type_t *t)
{
    for (size_t j = 0; j < t->ninput_fields; j++) {
        const gql_type_t *named = gql_type_named(t->input_fields[j].type);
        if (named != NULL && named->kind == GQL_KIND_INPUT_OBJECT)
            field_default_cycle(cc, t, &t->input_fields[j], named);
    }
}

size_t gql__schema_validate(const gql_schema_t *s, const gql_schema_options_t *options, gql_arena_t *scratch,
                            gql_errors_t *errors, gql_errors_t *warnings)
{
    static const gql_schema_options_t no_options = {0};
    tv_ctx_t c = {s, options ? options : &no_options, scratch, errors, warnings, 0};
    cycle_ctx_t cc = {&c, NULL, 0, 0, NULL, 0, 0};
    validate_root_types(&c);
    validate_directives(&c);
    for (size_t i = 0; i < s->ntypes; i++) {
        const gql_type_t *t = s->types[i];
        if (t->builtin)
            continue;
        validate_name(&c, t->name, t->ast ? t->ast->loc : (gql_loc_t){0});
        switch (t->kind) {
        case GQL_KIND_OBJECT:
        case GQL_KIND_INTERFACE:
            validate_fields_and_interfaces(&c, t);
            break;
        case GQL_KIND_UNION:
            validate_union(&c, t);
            break;
        case GQL_KIND_ENUM:
            validate_enum(&c, t);
            break;
        case GQL_KIND_INPUT_OBJECT:
            validate_input_object(&c, t);
            default_cycles_from(&cc, t);
            break;
        default:
            break;
        }
    }
    validate_input_cycles(&c);
    return c.nerrors;
}
