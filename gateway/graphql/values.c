/*
 * values.c — input value coercion (spec §3.5 scalars, §3.10 input objects,
 * §6.4.1 variables, CoerceArgumentValues), shared by validation, execution
 * and introspection.
 *
 * Two directions in:
 *  - gql_coerce_input: an untyped JSON value (a request's variables) to a
 *    GraphQL input type, reporting every problem in graphql-js 17's words
 *    (utilities/coerceInputValue.js + validateInputValue.js): one pass both
 *    coerces and reports, in the order graphql-js's validation pass would.
 *  - gql_coerce_literal: a literal from the document (with variables already
 *    coerced) to a type; silent, since validation reports literal errors.
 *    gql__literal_error explains a failure afterwards, for execution.
 * And one out: gql_print_iv_literal prints a coerced value as a literal.
 *
 * Everything produced lives in the caller's arena.
 */
#include "execute_int.h"
#include "literal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Printing helpers: types, JavaScript's inspect(), GraphQL literals         */
/* ------------------------------------------------------------------------ */

static void type_print(const gql_type_t *t, gql_buf_t *out)
{
    if (t->kind == GQL_KIND_NON_NULL) {
        type_print(t->of_type, out);
        gql_buf_putc(out, '!');
    } else if (t->kind == GQL_KIND_LIST) {
        gql_buf_putc(out, '[');
        type_print(t->of_type, out);
        gql_buf_putc(out, ']');
    } else {
        gql_buf_puts(out, t->name);
    }
}

const char *gql__type_name_str(gql_arena_t *a, const gql_type_t *t)
{
    if (t->kind != GQL_KIND_NON_NULL && t->kind != GQL_KIND_LIST)
        return t->name;
    gql_buf_t b = GQL_BUF_INIT;
    type_print(t, &b);
    const char *s = b.oom ? "?" : gql_arena_strndup(a, b.data, b.len);
    gql_buf_free(&b);
    return s;
}

/* graphql-js inspect(): strings JSON-quoted, objects `{ a: 1 }`, arrays
 * `[1, 2]` (10 items at most), nesting beyond 2 levels as [Object]/[Array]. */
static void inspect_iv(const gql_iv_t *v, gql_buf_t *out, int seen)
{
    switch (v->kind) {
    case GQL_IV_NULL:
        gql_buf_puts(out, "null");
        return;
    case GQL_IV_INT:
        gql_buf_int(out, v->u.i);
        return;
    case GQL_IV_FLOAT:
        if (isnan(v->u.f))
            gql_buf_puts(out, "NaN");
        else if (isinf(v->u.f))
            gql_buf_puts(out, v->u.f < 0 ? "-Infinity" : "Infinity");
        else
            gql_buf_double(out, v->u.f);
        return;
    case GQL_IV_BOOLEAN:
        gql_buf_puts(out, v->u.b ? "true" : "false");
        return;
    case GQL_IV_STRING:
    case GQL_IV_ENUM:
        gql_buf_json_string(out, v->u.s.ptr, v->u.s.len);
        return;
    case GQL_IV_LIST: {
        size_t n = v->u.list.count;
        if (n == 0) {
            gql_buf_puts(out, "[]");
            return;
        }
        if (seen + 1 > 2) {
            gql_buf_puts(out, "[Array]");
            return;
        }
        size_t shown = n < 10 ? n : 10;
        gql_buf_putc(out, '[');
        for (size_t i = 0; i < shown; i++) {
            if (i)
                gql_buf_puts(out, ", ");
            inspect_iv(&v->u.list.items[i], out, seen + 1);
        }
        if (n - shown == 1)
            gql_buf_puts(out, ", ... 1 more item");
        else if (n > shown)
            gql_buf_printf(out, ", ... %zu more items", n - shown);
        gql_buf_putc(out, ']');
        return;
    }
    case GQL_IV_OBJECT: {
        if (v->u.obj.count == 0) {
            gql_buf_puts(out, "{}");
            return;
        }
        if (seen + 1 > 2) {
            gql_buf_puts(out, "[Object]");
            return;
        }
        gql_buf_puts(out, "{ ");
        for (size_t i = 0; i < v->u.obj.count; i++) {
            if (i)
                gql_buf_puts(out, ", ");
            gql_buf_puts(out, v->u.obj.keys[i]);
            gql_buf_puts(out, ": ");
            inspect_iv(&v->u.obj.values[i], out, seen + 1);
        }
        gql_buf_puts(out, " }");
        return;
    }
    }
}

const char *gql__inspect_iv(gql_arena_t *a, const gql_iv_t *v)
{
    gql_buf_t b = GQL_BUF_INIT;
    inspect_iv(v, &b, 0);
    const char *s = b.oom ? "?" : gql_arena_strndup(a, b.data ? b.data : "", b.len);
    gql_buf_free(&b);
    return s;
}

/* A literal as graphql-js print() shows it (without its 80-column wrap). */
static void print_literal(const gql_value_t *v, gql_buf_t *out)
{
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        gql_buf_putc(out, '$');
        gql_buf_puts(out, v->str);
        break;
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
    case GQL_VALUE_ENUM:
        gql_buf_puts(out, v->str);
        break;
    case GQL_VALUE_STRING:
        gql_print_string(v->str, v->len, false, out);
        break;
    case GQL_VALUE_BOOLEAN:
        gql_buf_puts(out, v->boolean ? "true" : "false");
        break;
    case GQL_VALUE_NULL:
        gql_buf_puts(out, "null");
        break;
    case GQL_VALUE_LIST:
        gql_buf_putc(out, '[');
        for (size_t i = 0; i < v->list.count; i++) {
            if (i)
                gql_buf_puts(out, ", ");
            print_literal(v->list.items[i], out);
        }
        gql_buf_putc(out, ']');
        break;
    case GQL_VALUE_OBJECT:
        if (v->object.count == 0) { /* graphql-js print() of an empty object value */
            gql_buf_puts(out, "{  }");
            break;
        }
        gql_buf_puts(out, "{ ");
        for (size_t i = 0; i < v->object.count; i++) {
            if (i)
                gql_buf_puts(out, ", ");
            gql_buf_puts(out, v->object.fields[i].name);
            gql_buf_puts(out, ": ");
            print_literal(v->object.fields[i].value, out);
        }
        gql_buf_puts(out, " }");
        break;
    }
}

static const char *literal_str(gql_arena_t *a, const gql_value_t *v)
{
    gql_buf_t b = GQL_BUF_INIT;
    print_literal(v, &b);
    const char *s = b.oom ? "?" : gql_arena_strndup(a, b.data ? b.data : "", b.len);
    gql_buf_free(&b);
    return s;
}

/* ------------------------------------------------------------------------ */
/* "Did you mean" (graphql-js suggestionList + didYouMean)                   */
/* ------------------------------------------------------------------------ */

/* The did-you-mean tail for `input` among an enum's values. */
static void did_you_mean_enum(gql_buf_t *out, const gql_type_t *t, const char *input)
{
    const char **names = malloc((t->nvalues ? t->nvalues : 1) * sizeof(*names));
    if (names == NULL)
        return;
    for (size_t i = 0; i < t->nvalues; i++)
        names[i] = t->values[i].name;
    gql__suggest(out, "the enum value", input, names, t->nvalues);
    free(names);
}

/* The did-you-mean tail for `input` among an input object's fields. */
static void did_you_mean_field(gql_buf_t *out, const gql_type_t *t, const char *input)
{
    const char **names = malloc((t->ninput_fields ? t->ninput_fields : 1) * sizeof(*names));
    if (names == NULL)
        return;
    for (size_t i = 0; i < t->ninput_fields; i++)
        names[i] = t->input_fields[i].name;
    gql__suggest(out, NULL, input, names, t->ninput_fields);
    free(names);
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum scalar_id { SC_CUSTOM = 0, SC_INT, SC_FLOAT, SC_STRING, SC_BOOLEAN, SC_ID } scalar_id_t;

static scalar_id_t scalar_of(const gql_type_t *t)
{
    if (!t->builtin || t->name == NULL)
        return SC_CUSTOM;
    switch (t->name[0]) {
    case 'I':
        return t->name[1] == 'n' ? SC_INT : SC_ID;
    case 'F':
        return SC_FLOAT;
    case 'S':
        return SC_STRING;
    case 'B':
        return SC_BOOLEAN;
    default:
        return SC_CUSTOM;
    }
}

static bool is_integral(double f)
{
    return isfinite(f) && f == floor(f);
}

/* Enum value of t named s[0..len), or NULL. */
static const gql_enum_value_t *enum_value(const gql_type_t *t, const char *s, size_t len)
{
    for (size_t i = 0; i < t->nvalues; i++) {
        const char *n = t->values[i].name;
        if (strncmp(n, s, len) == 0 && n[len] == '\0')
            return &t->values[i];
    }
    return NULL;
}

/* Coerces a JSON value to a leaf type (graphql-js coerceInputValue of the
 * scalar or enum). Returns 0, or GQL_EFAIL with the reason appended to msg. */
static int leaf_from_iv(gql_arena_t *a, const gql_type_t *t, const gql_iv_t *in, gql_iv_t *out, gql_buf_t *msg)
{
    if (t->kind == GQL_KIND_ENUM) {
        if (in->kind != GQL_IV_STRING && in->kind != GQL_IV_ENUM) {
            const char *shown = gql__inspect_iv(a, in);
            gql_buf_printf(msg, "Enum \"%s\" cannot represent non-string value: %s.", t->name, shown);
            did_you_mean_enum(msg, t, shown);
            return GQL_EFAIL;
        }
        const gql_enum_value_t *ev = enum_value(t, in->u.s.ptr, in->u.s.len);
        if (ev == NULL) {
            gql_buf_printf(msg, "Value \"%s\" does not exist in \"%s\" enum.", in->u.s.ptr, t->name);
            did_you_mean_enum(msg, t, in->u.s.ptr);
            return GQL_EFAIL;
        }
        out->kind = GQL_IV_ENUM;
        out->u.s.ptr = ev->name;
        out->u.s.len = strlen(ev->name);
        return 0;
    }
    switch (scalar_of(t)) {
    case SC_INT:
        if (in->kind == GQL_IV_INT || (in->kind == GQL_IV_FLOAT && is_integral(in->u.f))) {
            bool in_range = in->kind == GQL_IV_INT ? (in->u.i >= INT32_MIN && in->u.i <= INT32_MAX)
                                                   : (in->u.f >= INT32_MIN && in->u.f <= INT32_MAX);
            if (!in_range) {
                gql_buf_printf(msg, "Int cannot represent non 32-bit signed integer value: %s", gql__inspect_iv(a, in));
                return GQL_EFAIL;
            }
            out->kind = GQL_IV_INT;
            out->u.i = in->kind == GQL_IV_INT ? in->u.i : (int64_t)in->u.f;
            return 0;
        }
        gql_buf_printf(msg, "Int cannot represent non-integer value: %s", gql__inspect_iv(a, in));
        return GQL_EFAIL;
    case SC_FLOAT:
        if (in->kind == GQL_IV_INT || (in->kind == GQL_IV_FLOAT && isfinite(in->u.f))) {
            out->kind = GQL_IV_FLOAT;
            out->u.f = in->kind == GQL_IV_INT ? (double)in->u.i : in->u.f;
            return 0;
        }
        gql_buf_printf(msg, "Float cannot represent non numeric value: %s", gql__inspect_iv(a, in));
        return GQL_EFAIL;
    case SC_STRING:
        if (in->kind == GQL_IV_STRING) {
            *out = *in;
            return 0;
        }
        gql_buf_printf(msg, "String cannot represent a non string value: %s", gql__inspect_iv(a, in));
        return GQL_EFAIL;
    case SC_BOOLEAN:
        if (in->kind == GQL_IV_BOOLEAN) {
            *out = *in;
            return 0;
        }
        gql_buf_printf(msg, "Boolean cannot represent a non boolean value: %s", gql__inspect_iv(a, in));
        return GQL_EFAIL;
    case SC_ID:
        if (in->kind == GQL_IV_STRING) {
            *out = *in;
            return 0;
        }
        if (in->kind == GQL_IV_INT || (in->kind == GQL_IV_FLOAT && is_integral(in->u.f))) {
            const char *s = gql__inspect_iv(a, in); /* String(number) */
            out->kind = GQL_IV_STRING;
            out->u.s.ptr = s;
            out->u.s.len = strlen(s);
            return 0;
        }
        gql_buf_printf(msg, "ID cannot represent value: %s", gql__inspect_iv(a, in));
        return GQL_EFAIL;
    case SC_CUSTOM:
        *out = *in; /* custom scalars take any JSON value as it is */
        return 0;
    }
    return GQL_EFAIL;
}

/* ------------------------------------------------------------------------ */
/* Variables: JSON -> typed value, with errors                               */
/* ------------------------------------------------------------------------ */

typedef struct coerce_ctx {
    const gql_schema_t *s;
    gql_arena_t *a;
    const char *what;
    const gql_loc_t *loc;
    gql_errors_t *errors;
    size_t failures;
} coerce_ctx_t;

/* Appends graphql-js printPathArray's body: ".a[0].b". */
static void print_path(const gql_path_t *p, gql_buf_t *out)
{
    if (p == NULL)
        return;
    print_path(p->prev, out);
    if (p->key != NULL)
        gql_buf_printf(out, ".%s", p->key);
    else
        gql_buf_printf(out, "[%zu]", p->index);
}

static void report(coerce_ctx_t *c, const gql_path_t *path, const char *msg)
{
    c->failures++;
    if (c->errors == NULL)
        return;
    gql_buf_t b = GQL_BUF_INIT;
    if (path != NULL) {
        gql_buf_puts(&b, " at ");
        print_path(path, &b);
    }
    gql_errors_add(c->errors, GQL_CODE_BAD_INPUT, NULL, c->loc, c->loc ? 1 : 0, "%s has invalid value%s: %s",
                   c->what ? c->what : "Value", b.data ? gql_buf_cstr(&b) : "", msg);
    gql_buf_free(&b);
}

static int coerce_iv(coerce_ctx_t *c, const gql_iv_t *in, const gql_type_t *t, const gql_path_t *path, gql_iv_t *out);

static int coerce_input_object(coerce_ctx_t *c, const gql_iv_t *in, const gql_type_t *t, const gql_path_t *path,
                               gql_iv_t *out)
{
    if (in->kind != GQL_IV_OBJECT) {
        const char *m = gql_arena_printf(c->a, "Expected value of type \"%s\" to be an object, found: %s.", t->name,
                                         gql__inspect_iv(c->a, in));
        report(c, path, m ? m : "invalid");
        return GQL_EFAIL;
    }
    size_t before = c->failures;
    size_t n = t->ninput_fields;
    const char **keys = gql_arena_alloc(c->a, (n ? n : 1) * sizeof(*keys));
    gql_iv_t *vals = gql_arena_alloc(c->a, (n ? n : 1) * sizeof(*vals));
    if (keys == NULL || vals == NULL)
        return GQL_ENOMEM;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const gql_input_value_t *f = &t->input_fields[i];
        const gql_iv_t *fv = gql_iv_get(in, f->name);
        if (fv == NULL) {
            if (f->default_value != NULL) {
                if (gql_coerce_literal(c->s, c->a, f->default_value, f->type, NULL, &vals[count]) == 0)
                    keys[count++] = f->name;
            } else if (f->type->kind == GQL_KIND_NON_NULL) {
                const char *m =
                    gql_arena_printf(c->a, "Expected value of type \"%s\" to include required field \"%s\", found: %s.",
                                     t->name, f->name, gql__inspect_iv(c->a, in));
                report(c, path, m ? m : "invalid");
            }
            continue;
        }
        gql_path_t fp = {path, f->name, 0};
        if (coerce_iv(c, fv, f->type, &fp, &vals[count]) == 0)
            keys[count++] = f->name;
    }
    size_t known = 0;
    const char *first_known = NULL;
    for (size_t i = 0; i < in->u.obj.count; i++) {
        const char *k = in->u.obj.keys[i];
        if (gql_type_input_field(t, k) == NULL) {
            gql_buf_t sugg = GQL_BUF_INIT, b = GQL_BUF_INIT;
            did_you_mean_field(&sugg, t, k);
            gql_buf_printf(&b, "Expected value of type \"%s\" not to include unknown field \"%s\"", t->name, k);
            if (sugg.len > 0) {
                gql_buf_putc(&b, '.');
                gql_buf_append(&b, sugg.data, sugg.len);
                gql_buf_puts(&b, " Found: ");
            } else {
                gql_buf_puts(&b, ", found: ");
            }
            gql_buf_free(&sugg);
            gql_buf_puts(&b, gql__inspect_iv(c->a, in));
            gql_buf_putc(&b, '.');
            report(c, path, gql_buf_cstr(&b));
            gql_buf_free(&b);
            continue;
        }
        if (known++ == 0)
            first_known = k;
    }
    if (t->one_of) {
        static const char fmt[] = "Within OneOf Input Object type \"%s\", exactly one field must be specified, and the "
                                  "value for that field must be non-null.";
        const char *m = gql_arena_printf(c->a, fmt, t->name);
        if (known != 1)
            report(c, path, m ? m : "invalid");
        if (first_known != NULL && gql_iv_get(in, first_known)->kind == GQL_IV_NULL) {
            gql_path_t fp = {path, first_known, 0};
            report(c, &fp, m ? m : "invalid");
        }
    }
    if (c->failures != before)
        return GQL_EFAIL;
    out->kind = GQL_IV_OBJECT;
    out->u.obj.keys = keys;
    out->u.obj.values = vals;
    out->u.obj.count = count;
    return 0;
}

static int coerce_iv(coerce_ctx_t *c, const gql_iv_t *in, const gql_type_t *t, const gql_path_t *path, gql_iv_t *out)
{
    memset(out, 0, sizeof(*out));
    if (t->kind == GQL_KIND_NON_NULL) {
        if (in == NULL) {
            const char *m = gql_arena_printf(c->a, "Expected a value of non-null type \"%s\" to be provided.",
                                             gql__type_name_str(c->a, t));
            report(c, path, m ? m : "invalid");
            return GQL_EFAIL;
        }
        if (in->kind == GQL_IV_NULL) {
            const char *m = gql_arena_printf(c->a, "Expected value of non-null type \"%s\" not to be null.",
                                             gql__type_name_str(c->a, t));
            report(c, path, m ? m : "invalid");
            return GQL_EFAIL;
        }
        return coerce_iv(c, in, t->of_type, path, out);
    }
    if (in == NULL || in->kind == GQL_IV_NULL) {
        out->kind = GQL_IV_NULL;
        return 0;
    }
    if (t->kind == GQL_KIND_LIST) {
        if (in->kind != GQL_IV_LIST) {
            /* A single value stands for a list of one (spec §3.11). */
            gql_iv_t *item = gql_arena_alloc(c->a, sizeof(*item));
            if (item == NULL)
                return GQL_ENOMEM;
            int rc = coerce_iv(c, in, t->of_type, path, item);
            if (rc != 0)
                return rc;
            out->kind = GQL_IV_LIST;
            out->u.list.items = item;
            out->u.list.count = 1;
            return 0;
        }
        size_t n = in->u.list.count;
        gql_iv_t *items = gql_arena_alloc(c->a, (n ? n : 1) * sizeof(*items));
        if (items == NULL)
            return GQL_ENOMEM;
        int result = 0;
        for (size_t i = 0; i < n; i++) {
            gql_path_t ip = {path, NULL, i};
            int rc = coerce_iv(c, &in->u.list.items[i], t->of_type, &ip, &items[i]);
            if (rc == GQL_ENOMEM)
                return rc;
            if (rc != 0)
                result = GQL_EFAIL;
        }
        if (result != 0)
            return result;
        out->kind = GQL_IV_LIST;
        out->u.list.items = items;
        out->u.list.count = n;
        return 0;
    }
    if (t->kind == GQL_KIND_INPUT_OBJECT)
        return coerce_input_object(c, in, t, path, out);
    if (t->kind != GQL_KIND_SCALAR && t->kind != GQL_KIND_ENUM) {
        report(c, path, "Expected an input type.");
        return GQL_EFAIL;
    }
    gql_buf_t msg = GQL_BUF_INIT;
    int rc = leaf_from_iv(c->a, t, in, out, &msg);
    if (rc != 0)
        report(c, path, gql_buf_cstr(&msg));
    gql_buf_free(&msg);
    return rc;
}

int gql_coerce_input(const gql_schema_t *s, gql_arena_t *a, const gql_iv_t *in, const gql_type_t *type,
                     const char *what, const gql_loc_t *loc, gql_errors_t *errors, gql_iv_t *out)
{
    if (a == NULL || type == NULL || out == NULL)
        return GQL_EINVAL;
    coerce_ctx_t c = {s, a, what, loc, errors, 0};
    int rc = coerce_iv(&c, in, type, NULL, out);
    if (rc == GQL_ENOMEM)
        return rc;
    return rc == 0 && c.failures == 0 ? 0 : GQL_EFAIL;
}

/* ------------------------------------------------------------------------ */
/* Literals: AST value -> typed value                                        */
/* ------------------------------------------------------------------------ */

/* The coerced value of variable `name`, or NULL when it was not provided. */
static const gql_iv_t *var_value(const gql_iv_t *vars, const char *name)
{
    return vars != NULL ? gql_iv_get(vars, name) : NULL;
}

/* A literal as an untyped value (graphql-js valueFromASTUntyped), for custom
 * scalars. Absent variables inside lists become null; inside objects they are
 * left out. Returns 0, GQL_EFAIL for an absent top-level variable. */
static int untyped_literal(gql_arena_t *a, const gql_value_t *lit, const gql_iv_t *vars, gql_iv_t *out)
{
    memset(out, 0, sizeof(*out));
    switch (lit->kind) {
    case GQL_VALUE_VARIABLE: {
        const gql_iv_t *v = var_value(vars, lit->str);
        if (v == NULL)
            return GQL_EFAIL;
        *out = *v;
        return 0;
    }
    case GQL_VALUE_INT: {
        errno = 0;
        long long v = strtoll(lit->str, NULL, 10);
        if (errno == 0) {
            out->kind = GQL_IV_INT;
            out->u.i = v;
            return 0;
        }
        out->kind = GQL_IV_FLOAT;
        out->u.f = strtod(lit->str, NULL);
        return 0;
    }
    case GQL_VALUE_FLOAT:
        out->kind = GQL_IV_FLOAT;
        out->u.f = strtod(lit->str, NULL);
        return 0;
    case GQL_VALUE_STRING:
    case GQL_VALUE_ENUM:
        out->kind = GQL_IV_STRING;
        out->u.s.ptr = lit->str;
        out->u.s.len = lit->kind == GQL_VALUE_STRING ? lit->len : strlen(lit->str);
        return 0;
    case GQL_VALUE_BOOLEAN:
        out->kind = GQL_IV_BOOLEAN;
        out->u.b = lit->boolean;
        return 0;
    case GQL_VALUE_NULL:
        out->kind = GQL_IV_NULL;
        return 0;
    case GQL_VALUE_LIST: {
        size_t n = lit->list.count;
        gql_iv_t *items = gql_arena_alloc(a, (n ? n : 1) * sizeof(*items));
        if (items == NULL)
            return GQL_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            int rc = untyped_literal(a, lit->list.items[i], vars, &items[i]);
            if (rc == GQL_ENOMEM)
                return rc;
            if (rc != 0)
                items[i].kind = GQL_IV_NULL;
        }
        out->kind = GQL_IV_LIST;
        out->u.list.items = items;
        out->u.list.count = n;
        return 0;
    }
    case GQL_VALUE_OBJECT: {
        size_t n = lit->object.count;
        const char **keys = gql_arena_alloc(a, (n ? n : 1) * sizeof(*keys));
        gql_iv_t *vals = gql_arena_alloc(a, (n ? n : 1) * sizeof(*vals));
        if (keys == NULL || vals == NULL)
            return GQL_ENOMEM;
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            int rc = untyped_literal(a, lit->object.fields[i].value, vars, &vals[count]);
            if (rc == GQL_ENOMEM)
                return rc;
            if (rc == 0)
                keys[count++] = lit->object.fields[i].name;
        }
        out->kind = GQL_IV_OBJECT;
        out->u.obj.keys = keys;
        out->u.obj.values = vals;
        out->u.obj.count = count;
        return 0;
    }
    }
    return GQL_EFAIL;
}

/* Leaf literal coercion (graphql-js coerceInputLiteral of scalars/enums). */
static int leaf_from_literal(gql_arena_t *a, const gql_type_t *t, const gql_value_t *lit, const gql_iv_t *vars,
                             gql_iv_t *out)
{
    if (t->kind == GQL_KIND_ENUM) {
        if (lit->kind != GQL_VALUE_ENUM)
            return GQL_EFAIL;
        const gql_enum_value_t *ev = enum_value(t, lit->str, strlen(lit->str));
        if (ev == NULL)
            return GQL_EFAIL;
        out->kind = GQL_IV_ENUM;
        out->u.s.ptr = ev->name;
        out->u.s.len = strlen(ev->name);
        return 0;
    }
    switch (scalar_of(t)) {
    case SC_INT: {
        if (lit->kind != GQL_VALUE_INT)
            return GQL_EFAIL;
        errno = 0;
        long long v = strtoll(lit->str, NULL, 10);
        if (errno != 0 || v < INT32_MIN || v > INT32_MAX)
            return GQL_EFAIL;
        out->kind = GQL_IV_INT;
        out->u.i = v;
        return 0;
    }
    case SC_FLOAT:
        if (lit->kind != GQL_VALUE_INT && lit->kind != GQL_VALUE_FLOAT)
            return GQL_EFAIL;
        out->kind = GQL_IV_FLOAT;
        out->u.f = strtod(lit->str, NULL);
        return isfinite(out->u.f) ? 0 : GQL_EFAIL;
    case SC_STRING:
        if (lit->kind != GQL_VALUE_STRING)
            return GQL_EFAIL;
        out->kind = GQL_IV_STRING;
        out->u.s.ptr = lit->str;
        out->u.s.len = lit->len;
        return 0;
    case SC_BOOLEAN:
        if (lit->kind != GQL_VALUE_BOOLEAN)
            return GQL_EFAIL;
        out->kind = GQL_IV_BOOLEAN;
        out->u.b = lit->boolean;
        return 0;
    case SC_ID:
        if (lit->kind != GQL_VALUE_STRING && lit->kind != GQL_VALUE_INT)
            return GQL_EFAIL;
        out->kind = GQL_IV_STRING;
        out->u.s.ptr = lit->str;
        out->u.s.len = lit->kind == GQL_VALUE_STRING ? lit->len : strlen(lit->str);
        return 0;
    case SC_CUSTOM: {
        int rc = untyped_literal(a, lit, vars, out);
        return rc == GQL_ENOMEM ? rc : (rc == 0 ? 0 : GQL_EFAIL);
    }
    }
    return GQL_EFAIL;
}

static int coerce_lit(const gql_schema_t *s, gql_arena_t *a, const gql_value_t *lit, const gql_type_t *t,
                      const gql_iv_t *vars, gql_iv_t *out)
{
    memset(out, 0, sizeof(*out));
    if (lit->kind == GQL_VALUE_VARIABLE) {
        const gql_iv_t *v = var_value(vars, lit->str);
        if ((v == NULL || v->kind == GQL_IV_NULL) && t->kind == GQL_KIND_NON_NULL)
            return GQL_EFAIL;
        if (v == NULL)
            return GQL_EFAIL; /* absent: the caller decides (default, null in lists, left out of objects) */
        *out = *v;
        return 0;
    }
    if (t->kind == GQL_KIND_NON_NULL) {
        if (lit->kind == GQL_VALUE_NULL)
            return GQL_EFAIL;
        return coerce_lit(s, a, lit, t->of_type, vars, out);
    }
    if (lit->kind == GQL_VALUE_NULL) {
        out->kind = GQL_IV_NULL;
        return 0;
    }
    if (t->kind == GQL_KIND_LIST) {
        if (lit->kind != GQL_VALUE_LIST) {
            gql_iv_t *item = gql_arena_alloc(a, sizeof(*item));
            if (item == NULL)
                return GQL_ENOMEM;
            int rc = coerce_lit(s, a, lit, t->of_type, vars, item);
            if (rc != 0)
                return rc;
            out->kind = GQL_IV_LIST;
            out->u.list.items = item;
            out->u.list.count = 1;
            return 0;
        }
        size_t n = lit->list.count;
        gql_iv_t *items = gql_arena_alloc(a, (n ? n : 1) * sizeof(*items));
        if (items == NULL)
            return GQL_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            const gql_value_t *il = lit->list.items[i];
            int rc = coerce_lit(s, a, il, t->of_type, vars, &items[i]);
            if (rc == GQL_ENOMEM)
                return rc;
            if (rc != 0) {
                /* An absent or null variable in a nullable item position is null. */
                const gql_iv_t *v = il->kind == GQL_VALUE_VARIABLE ? var_value(vars, il->str) : NULL;
                if (il->kind == GQL_VALUE_VARIABLE && (v == NULL || v->kind == GQL_IV_NULL) &&
                    t->of_type->kind != GQL_KIND_NON_NULL)
                    items[i].kind = GQL_IV_NULL;
                else
                    return GQL_EFAIL;
            }
        }
        out->kind = GQL_IV_LIST;
        out->u.list.items = items;
        out->u.list.count = n;
        return 0;
    }
    if (t->kind == GQL_KIND_INPUT_OBJECT) {
        if (lit->kind != GQL_VALUE_OBJECT)
            return GQL_EFAIL;
        for (size_t i = 0; i < lit->object.count; i++)
            if (gql_type_input_field(t, lit->object.fields[i].name) == NULL)
                return GQL_EFAIL;
        size_t n = t->ninput_fields;
        const char **keys = gql_arena_alloc(a, (n ? n : 1) * sizeof(*keys));
        gql_iv_t *vals = gql_arena_alloc(a, (n ? n : 1) * sizeof(*vals));
        if (keys == NULL || vals == NULL)
            return GQL_ENOMEM;
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            const gql_input_value_t *f = &t->input_fields[i];
            const gql_object_field_t *given = gql__object_field(lit, f->name);
            const gql_value_t *fl = given != NULL ? given->value : NULL;
            if (fl == NULL || (fl->kind == GQL_VALUE_VARIABLE && var_value(vars, fl->str) == NULL)) {
                if (f->type->kind == GQL_KIND_NON_NULL && f->default_value == NULL)
                    return GQL_EFAIL;
                if (f->default_value != NULL) {
                    int rc = coerce_lit(s, a, f->default_value, f->type, NULL, &vals[count]);
                    if (rc == GQL_ENOMEM)
                        return rc;
                    if (rc == 0)
                        keys[count++] = f->name;
                }
                continue;
            }
            int rc = coerce_lit(s, a, fl, f->type, vars, &vals[count]);
            if (rc != 0)
                return rc;
            keys[count++] = f->name;
        }
        if (t->one_of) {
            if (lit->object.count != 1 || count != 1)
                return GQL_EFAIL;
            if (lit->object.fields[0].value->kind == GQL_VALUE_NULL || vals[0].kind == GQL_IV_NULL)
                return GQL_EFAIL;
        }
        out->kind = GQL_IV_OBJECT;
        out->u.obj.keys = keys;
        out->u.obj.values = vals;
        out->u.obj.count = count;
        return 0;
    }
    if (t->kind != GQL_KIND_SCALAR && t->kind != GQL_KIND_ENUM)
        return GQL_EFAIL;
    return leaf_from_literal(a, t, lit, vars, out);
}

int gql_coerce_literal(const gql_schema_t *s, gql_arena_t *a, const gql_value_t *lit, const gql_type_t *type,
                       const gql_iv_t *variables, gql_iv_t *out)
{
    if (a == NULL || lit == NULL || type == NULL || out == NULL)
        return GQL_EINVAL;
    int rc = coerce_lit(s, a, lit, type, variables, out);
    if (rc == GQL_ENOMEM)
        return rc;
    return rc == 0 ? 0 : GQL_EFAIL;
}

/* The reason a leaf literal does not coerce, as the scalar would say it. */
static void leaf_literal_reason(gql_arena_t *a, const gql_type_t *t, const gql_value_t *lit, gql_buf_t *msg)
{
    const char *shown = literal_str(a, lit);
    if (t->kind == GQL_KIND_ENUM) {
        if (lit->kind != GQL_VALUE_ENUM)
            gql_buf_printf(msg, "Enum \"%s\" cannot represent non-enum value: %s.", t->name, shown);
        else
            gql_buf_printf(msg, "Value \"%s\" does not exist in \"%s\" enum.", shown, t->name);
        did_you_mean_enum(msg, t, shown);
        return;
    }
    switch (scalar_of(t)) {
    case SC_INT:
        if (lit->kind == GQL_VALUE_INT)
            gql_buf_printf(msg, "Int cannot represent non 32-bit signed integer value: %s", lit->str);
        else
            gql_buf_printf(msg, "Int cannot represent non-integer value: %s", shown);
        return;
    case SC_FLOAT:
        gql_buf_printf(msg, "Float cannot represent non numeric value: %s", shown);
        return;
    case SC_STRING:
        gql_buf_printf(msg, "String cannot represent a non string value: %s", shown);
        return;
    case SC_BOOLEAN:
        gql_buf_printf(msg, "Boolean cannot represent a non boolean value: %s", shown);
        return;
    case SC_ID:
        gql_buf_printf(msg, "ID cannot represent a non-string and non-integer value: %s", shown);
        return;
    case SC_CUSTOM:
        gql_buf_printf(msg, "Expected value of type \"%s\", found: %s.", t->name, shown);
        return;
    }
}

/* The search for the first reason a literal fails to coerce (a walk of
 * literal.c that stops at the first problem): the coerced variables, and
 * where the reason goes. */
typedef struct reason_ctx {
    gql_arena_t *a;
    const gql_iv_t *vars;
    gql_buf_t *msg;
    gql_loc_t *where;
} reason_ctx_t;

/* Writes " at <path>: " (or ": " at the top) and records the node at
 * fault; the caller appends the reason and ends the walk. */
static void reason_at(reason_ctx_t *r, gql_loc_t loc, const gql_path_t *path)
{
    *r->where = loc;
    if (path != NULL) {
        gql_buf_puts(r->msg, " at ");
        print_path(path, r->msg);
    }
    gql_buf_puts(r->msg, ": ");
}

static bool reason_problem(void *ctx, const gql__lit_problem_t *p)
{
    reason_ctx_t *r = ctx;
    const gql_value_t *lit = p->value;
    const gql_type_t *t = p->type;
    switch (p->kind) {
    case GQL_LIT_NULL:
        reason_at(r, lit->loc, p->path);
        gql_buf_printf(r->msg, "Expected value of non-null type \"%s\" not to be null.", gql__type_name_str(r->a, t));
        break;
    case GQL_LIT_NOT_OBJECT:
        reason_at(r, lit->loc, p->path);
        gql_buf_printf(r->msg, "Expected value of type \"%s\" to be an object, found: %s.", t->name,
                       literal_str(r->a, lit));
        break;
    case GQL_LIT_MISSING_FIELD:
        reason_at(r, lit->loc, p->path);
        gql_buf_printf(r->msg, "Expected value of type \"%s\" to include required field \"%s\", found: %s.", t->name,
                       p->field->name, literal_str(r->a, lit));
        break;
    case GQL_LIT_UNKNOWN_FIELD:
        reason_at(r, p->object_field->loc, p->path);
        gql_buf_printf(r->msg, "Expected value of type \"%s\" not to include unknown field \"%s\", found: %s.", t->name,
                       p->object_field->name, literal_str(r->a, lit));
        break;
    case GQL_LIT_ONE_OF:
    case GQL_LIT_ONE_OF_NULL:
        reason_at(r, lit->loc, p->path);
        gql_buf_printf(r->msg,
                       "Within OneOf Input Object type \"%s\", exactly one field must be specified, and the value for "
                       "that field must be non-null.",
                       t->name);
        break;
    }
    return true;
}

static bool reason_leaf(void *ctx, const gql_value_t *lit, const gql_type_t *t, const gql_path_t *path)
{
    reason_ctx_t *r = ctx;
    gql_iv_t tmp;
    if (leaf_from_literal(r->a, t, lit, r->vars, &tmp) == 0)
        return false;
    reason_at(r, lit->loc, path);
    leaf_literal_reason(r->a, t, lit, r->msg);
    return true;
}

/* A variable in a non-null position must have a non-null value. */
static bool reason_variable(void *ctx, const gql_value_t *lit, const gql_type_t *t, const gql_path_t *path)
{
    reason_ctx_t *r = ctx;
    if (t->kind != GQL_KIND_NON_NULL)
        return false;
    const gql_iv_t *v = var_value(r->vars, lit->str);
    const char *ts = gql__type_name_str(r->a, t);
    if (v == NULL) {
        reason_at(r, lit->loc, path);
        gql_buf_printf(r->msg, "Expected variable \"$%s\" provided to type \"%s\" to provide a runtime value.",
                       lit->str, ts);
        return true;
    }
    if (v->kind == GQL_IV_NULL) {
        reason_at(r, lit->loc, path);
        gql_buf_printf(r->msg, "Expected variable \"$%s\" provided to non-null type \"%s\" not to be null.", lit->str,
                       ts);
        return true;
    }
    return false;
}

/* A variable as an input field's value: an absent one leaves an optional
 * field to its default; a OneOf field's must have a non-null value. */
static gql__lit_step_t reason_field(void *ctx, const gql_value_t *object, const gql_type_t *t,
                                    const gql_input_value_t *f, const gql_value_t *given, const gql_path_t *path)
{
    reason_ctx_t *r = ctx;
    if (given->kind != GQL_VALUE_VARIABLE)
        return GQL_LIT_WALK;
    const gql_iv_t *v = var_value(r->vars, given->str);
    if (!t->one_of)
        return !gql__input_value_required(f) && v == NULL ? GQL_LIT_SKIP : GQL_LIT_WALK;
    if (v == NULL) {
        reason_at(r, object->loc, path);
        gql_buf_printf(r->msg,
                       "Expected variable \"$%s\" provided to field \"%s\" for OneOf Input Object type \"%s\" to "
                       "provide a runtime value.",
                       given->str, f->name, t->name);
        return GQL_LIT_STOP;
    }
    if (v->kind == GQL_IV_NULL) {
        reason_at(r, object->loc, path);
        gql_buf_printf(r->msg,
                       "Expected variable \"$%s\" provided to field \"%s\" for OneOf Input Object type \"%s\" not "
                       "to be null.",
                       given->str, f->name, t->name);
        return GQL_LIT_STOP;
    }
    return GQL_LIT_WALK;
}

/* graphql-js validateInputLiteral with variables, stopping at the first
 * reason (the walk of literal.c). */
static const gql__lit_walk_t reason_walk = {
    .problem = reason_problem,
    .leaf = reason_leaf,
    .variable = reason_variable,
    .field = reason_field,
};

const char *gql__literal_error(const gql_schema_t *s, gql_arena_t *a, const gql_value_t *lit, const gql_type_t *type,
                               const gql_iv_t *variables, gql_loc_t *where)
{
    (void)s; /* the literal and its types hold all the walk needs */
    gql_buf_t b = GQL_BUF_INIT;
    gql_loc_t dummy;
    if (where == NULL)
        where = &dummy;
    *where = lit->loc;
    reason_ctx_t rc = {a, variables, &b, where};
    if (!gql__lit_walk(&reason_walk, &rc, lit, type, NULL))
        gql_buf_printf(&b, ": Expected value of type \"%s\", found: %s.", gql__type_name_str(a, type),
                       literal_str(a, lit));
    const char *r = b.oom ? ": invalid value" : gql_arena_strndup(a, b.data, b.len);
    gql_buf_free(&b);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Values back to literals (graphql-js valueToLiteral + print)               */
/* ------------------------------------------------------------------------ */

static bool is_int_text(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0')
        return i + 1 == n;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* defaultScalarValueToLiteral: any JSON value as a literal. */
static void print_untyped(const gql_iv_t *v, gql_buf_t *out)
{
    switch (v->kind) {
    case GQL_IV_NULL:
        gql_buf_puts(out, "null");
        return;
    case GQL_IV_INT:
        gql_buf_int(out, v->u.i);
        return;
    case GQL_IV_FLOAT:
        gql_buf_double(out, v->u.f);
        return; /* non-finite prints null */
    case GQL_IV_BOOLEAN:
        gql_buf_puts(out, v->u.b ? "true" : "false");
        return;
    case GQL_IV_STRING:
        gql_print_string(v->u.s.ptr, v->u.s.len, false, out);
        return;
    case GQL_IV_ENUM:
        gql_buf_append(out, v->u.s.ptr, v->u.s.len);
        return;
    case GQL_IV_LIST:
        gql_buf_putc(out, '[');
        for (size_t i = 0; i < v->u.list.count; i++) {
            if (i)
                gql_buf_puts(out, ", ");
            print_untyped(&v->u.list.items[i], out);
        }
        gql_buf_putc(out, ']');
        return;
    case GQL_IV_OBJECT:
        if (v->u.obj.count == 0) {
            gql_buf_puts(out, "{  }");
            return;
        }
        gql_buf_puts(out, "{ ");
        for (size_t i = 0; i < v->u.obj.count; i++) {
            if (i)
                gql_buf_puts(out, ", ");
            gql_buf_puts(out, v->u.obj.keys[i]);
            gql_buf_puts(out, ": ");
            print_untyped(&v->u.obj.values[i], out);
        }
        gql_buf_puts(out, " }");
        return;
    }
}

void gql_print_iv_literal(const gql_iv_t *v, const gql_type_t *type, gql_buf_t *out)
{
    if (v == NULL || type == NULL) {
        gql_buf_puts(out, "null");
        return;
    }
    if (type->kind == GQL_KIND_NON_NULL) {
        gql_print_iv_literal(v, type->of_type, out);
        return;
    }
    if (v->kind == GQL_IV_NULL) {
        gql_buf_puts(out, "null");
        return;
    }
    if (type->kind == GQL_KIND_LIST) {
        if (v->kind != GQL_IV_LIST) {
            gql_print_iv_literal(v, type->of_type, out);
            return;
        }
        gql_buf_putc(out, '[');
        for (size_t i = 0; i < v->u.list.count; i++) {
            if (i)
                gql_buf_puts(out, ", ");
            gql_print_iv_literal(&v->u.list.items[i], type->of_type, out);
        }
        gql_buf_putc(out, ']');
        return;
    }
    if (type->kind == GQL_KIND_INPUT_OBJECT) {
        if (v->kind != GQL_IV_OBJECT) {
            print_untyped(v, out);
            return;
        }
        size_t printed = 0;
        for (size_t i = 0; i < type->ninput_fields; i++) {
            const gql_input_value_t *f = &type->input_fields[i];
            const gql_iv_t *fv = gql_iv_get(v, f->name);
            if (fv == NULL)
                continue;
            gql_buf_puts(out, printed++ ? ", " : "{ ");
            gql_buf_puts(out, f->name);
            gql_buf_puts(out, ": ");
            gql_print_iv_literal(fv, f->type, out);
        }
        gql_buf_puts(out, printed ? " }" : "{  }");
        return;
    }
    if (type->kind == GQL_KIND_ENUM) {
        if (v->kind == GQL_IV_ENUM || v->kind == GQL_IV_STRING)
            gql_buf_append(out, v->u.s.ptr, v->u.s.len);
        else
            print_untyped(v, out);
        return;
    }
    if (scalar_of(type) == SC_ID && v->kind == GQL_IV_STRING && is_int_text(v->u.s.ptr, v->u.s.len)) {
        gql_buf_append(out, v->u.s.ptr, v->u.s.len);
        return;
    }
    print_untyped(v, out);
}
