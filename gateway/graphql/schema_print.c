/*
 * schema_print.c — gql_schema_print: a built schema back as SDL, in
 * graphql-js printSchema's format (utilities/printSchema.js): the schema
 * definition when the roots are not the default names (or there is a
 * description), then the directives that are not built in, then the types
 * that are neither built-in scalars nor introspection types, in typeMap
 * order, separated by blank lines. Literals (descriptions, default values,
 * reasons) are printed by printer.c's helpers so both printers agree.
 */
#include "schema_int.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_DEPRECATION_REASON "No longer supported"

/* A description before a definition: a block string when it reads well as
 * one, indented, preceded by a blank line inside a block unless first. */
static void print_description(gql_buf_t *out, const char *description, size_t len, const char *indent,
                              bool first_in_block)
{
    if (description == NULL)
        return;
    if (*indent != '\0' && !first_in_block) {
        gql_buf_putc(out, '\n');
        gql_buf_puts(out, indent);
    } else {
        gql_buf_puts(out, indent);
    }
    gql_buf_t tmp = GQL_BUF_INIT;
    gql_print_string(description, gql__text_len(description, len), true, &tmp);
    for (size_t i = 0; i < tmp.len; i++) {
        gql_buf_putc(out, tmp.data[i]);
        if (tmp.data[i] == '\n')
            gql_buf_puts(out, indent);
    }
    if (tmp.oom)
        out->oom = true;
    gql_buf_free(&tmp);
    gql_buf_putc(out, '\n');
}

static void print_deprecated(gql_buf_t *out, const char *reason)
{
    if (reason == NULL)
        return;
    if (strcmp(reason, DEFAULT_DEPRECATION_REASON) == 0) {
        gql_buf_puts(out, " @deprecated");
        return;
    }
    gql_buf_puts(out, " @deprecated(reason: ");
    gql_print_string(reason, strlen(reason), false, out);
    gql_buf_putc(out, ')');
}

static void print_input_value(gql_buf_t *out, const gql_input_value_t *v)
{
    gql_buf_puts(out, v->name);
    gql_buf_puts(out, ": ");
    gql_type_print(v->type, out);
    if (v->default_value != NULL) {
        gql_buf_puts(out, " = ");
        gql_print_value(v->default_value, out);
    }
    print_deprecated(out, v->deprecation_reason);
}

static void print_args(gql_buf_t *out, const gql_input_value_t *args, size_t n, const char *indent)
{
    if (n == 0)
        return;
    bool any_description = false;
    for (size_t i = 0; i < n; i++)
        any_description = any_description || args[i].description != NULL;
    gql_buf_putc(out, '(');
    if (!any_description) {
        for (size_t i = 0; i < n; i++) {
            if (i)
                gql_buf_puts(out, ", ");
            print_input_value(out, &args[i]);
        }
        gql_buf_putc(out, ')');
        return;
    }
    char inner[64];
    snprintf(inner, sizeof(inner), "  %s", indent);
    gql_buf_putc(out, '\n');
    for (size_t i = 0; i < n; i++) {
        if (i)
            gql_buf_putc(out, '\n');
        print_description(out, args[i].description, args[i].description_len, inner, i == 0);
        gql_buf_puts(out, inner);
        print_input_value(out, &args[i]);
    }
    gql_buf_putc(out, '\n');
    gql_buf_puts(out, indent);
    gql_buf_putc(out, ')');
}

static void print_interfaces(gql_buf_t *out, const gql_type_t *t)
{
    for (size_t i = 0; i < t->ninterfaces; i++) {
        gql_buf_puts(out, i ? " & " : " implements ");
        gql_buf_puts(out, t->interfaces[i]->name);
    }
}

static void print_type(gql_buf_t *out, const gql_type_t *t)
{
    print_description(out, t->description, t->description_len, "", true);
    switch (t->kind) {
    case GQL_KIND_SCALAR:
        gql_buf_printf(out, "scalar %s", t->name);
        if (t->specified_by_url != NULL) {
            gql_buf_puts(out, " @specifiedBy(url: ");
            gql_print_string(t->specified_by_url, strlen(t->specified_by_url), false, out);
            gql_buf_putc(out, ')');
        }
        break;
    case GQL_KIND_OBJECT:
    case GQL_KIND_INTERFACE:
        gql_buf_printf(out, "%s %s", t->kind == GQL_KIND_OBJECT ? "type" : "interface", t->name);
        print_interfaces(out, t);
        if (t->nfields) {
            gql_buf_puts(out, " {\n");
            for (size_t i = 0; i < t->nfields; i++) {
                const gql_field_t *f = &t->fields[i];
                if (i)
                    gql_buf_putc(out, '\n');
                print_description(out, f->description, f->description_len, "  ", i == 0);
                gql_buf_puts(out, "  ");
                gql_buf_puts(out, f->name);
                print_args(out, f->args, f->nargs, "  ");
                gql_buf_puts(out, ": ");
                gql_type_print(f->type, out);
                print_deprecated(out, f->deprecation_reason);
            }
            gql_buf_puts(out, "\n}");
        }
        break;
    case GQL_KIND_UNION:
        gql_buf_printf(out, "union %s", t->name);
        for (size_t i = 0; i < t->npossible; i++) {
            gql_buf_puts(out, i ? " | " : " = ");
            gql_buf_puts(out, t->possible[i]->name);
        }
        break;
    case GQL_KIND_ENUM:
        gql_buf_printf(out, "enum %s", t->name);
        if (t->nvalues) {
            gql_buf_puts(out, " {\n");
            for (size_t i = 0; i < t->nvalues; i++) {
                if (i)
                    gql_buf_putc(out, '\n');
                print_description(out, t->values[i].description, t->values[i].description_len, "  ", i == 0);
                gql_buf_puts(out, "  ");
                gql_buf_puts(out, t->values[i].name);
                print_deprecated(out, t->values[i].deprecation_reason);
            }
            gql_buf_puts(out, "\n}");
        }
        break;
    case GQL_KIND_INPUT_OBJECT:
        gql_buf_printf(out, "input %s", t->name);
        if (t->one_of)
            gql_buf_puts(out, " @oneOf");
        if (t->ninput_fields) {
            gql_buf_puts(out, " {\n");
            for (size_t i = 0; i < t->ninput_fields; i++) {
                if (i)
                    gql_buf_putc(out, '\n');
                print_description(out, t->input_fields[i].description, t->input_fields[i].description_len, "  ",
                                  i == 0);
                gql_buf_puts(out, "  ");
                print_input_value(out, &t->input_fields[i]);
            }
            gql_buf_puts(out, "\n}");
        }
        break;
    default:
        break;
    }
}

/* Locations as graphql-js keeps them: in the order written. */
static void print_directive(gql_buf_t *out, const gql_directive_def_t *d)
{
    print_description(out, d->description, d->description_len, "", true);
    gql_buf_printf(out, "directive @%s", d->name);
    print_args(out, d->args, d->nargs, "");
    print_deprecated(out, d->deprecation_reason);
    if (d->repeatable)
        gql_buf_puts(out, " repeatable");
    gql_buf_puts(out, " on ");
    if (d->ast != NULL) {
        for (size_t i = 0; i < d->ast->nlocations; i++) {
            if (i)
                gql_buf_puts(out, " | ");
            gql_buf_puts(out, d->ast->locations[i]);
        }
        return;
    }
    bool first = true;
    for (int i = 0; i < GQL_DL__COUNT; i++)
        if ((d->locations >> i) & 1u) {
            if (!first)
                gql_buf_puts(out, " | ");
            gql_buf_puts(out, gql_directive_location_name((gql_directive_location_t)i));
            first = false;
        }
}

static bool is_specified_directive_name(const char *name)
{
    static const char *const names[] = {"include", "skip", "deprecated", "specifiedBy", "oneOf"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

void gql_schema_print(const gql_schema_t *s, gql_buf_t *out)
{
    if (s == NULL)
        return;
    bool any = false;
    if (s->query || s->mutation || s->subscription) {
        bool defaults = s->query == gql_schema_type(s, "Query") && s->mutation == gql_schema_type(s, "Mutation") &&
                        s->subscription == gql_schema_type(s, "Subscription");
        if (s->description != NULL || !defaults) {
            print_description(out, s->description, s->description_len, "", true);
            gql_buf_puts(out, "schema {\n");
            if (s->query)
                gql_buf_printf(out, "  query: %s\n", s->query->name);
            if (s->mutation)
                gql_buf_printf(out, "  mutation: %s\n", s->mutation->name);
            if (s->subscription)
                gql_buf_printf(out, "  subscription: %s\n", s->subscription->name);
            gql_buf_putc(out, '}');
            any = true;
        }
    }
    for (size_t i = 0; i < s->ndirectives; i++) {
        if (is_specified_directive_name(s->directives[i]->name))
            continue;
        if (any)
            gql_buf_puts(out, "\n\n");
        print_directive(out, s->directives[i]);
        any = true;
    }
    for (size_t i = 0; i < s->ntypes; i++) {
        const gql_type_t *t = s->types[i];
        if (t->builtin)
            continue;
        if (any)
            gql_buf_puts(out, "\n\n");
        print_type(out, t);
        any = true;
    }
}
