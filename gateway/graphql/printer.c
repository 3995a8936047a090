/*
 * printer.c — syntax trees back to GraphQL text, in exactly the layout of
 * graphql-js 17's print(), so a printed document can be compared with
 * graphql-js's byte for byte (tests/diff/printer.mjs does).
 *
 * graphql-js decides some layouts by length: a list value, an object value
 * or a field's arguments go multi-line when their one-line form would pass
 * 80 columns (counted in UTF-16 units), and argument or variable lists go
 * multi-line when any item already spans lines. So every piece is built
 * bottom-up as a string that knows its length and line count (`piece_t`);
 * parents join, wrap and indent their children's pieces, and only the
 * document's piece is written to the output. Pieces live in a scratch arena
 * freed when printing ends; names and values are not copied, pieces point
 * at the tree's own strings. Each level of nesting copies its children once,
 * so printing costs O(output size x nesting depth): fine for documents that
 * passed validation's depth limit, not meant for hostile ones.
 *
 * gql_print_value, gql_print_type_ref and gql_print_string write the same
 * formats for the schema printer and introspection (default values).
 */
#include "ast.h"
#include "gql_int.h"

#include <string.h>

#define MAX_LINE_LENGTH 80

/* A piece of output: n bytes at s, w UTF-16 units long, nl newlines. */
typedef struct piece {
    const char *s;
    size_t n;
    size_t w;
    size_t nl;
} piece_t;

typedef struct printer {
    gql_arena_t *arena; /* scratch, owned by the caller of the entry point */
    gql_buf_t tmp;      /* reused to format string literals; freed at the end */
    bool oom;
} printer_t;

static const piece_t EMPTY = {"", 0, 0, 0};

/* UTF-16 units and newlines of s[0..n). */
static piece_t measure(const char *s, size_t n)
{
    piece_t p = {s, n, 0, 0};
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            p.w++;
        if (c >= 0xF0)
            p.w++;
        if (c == '\n')
            p.nl++;
    }
    return p;
}

/* A piece for ASCII text: names, keywords, numbers and punctuation (the
 * lexer admits nothing else in them), where bytes are UTF-16 units. */
static piece_t str(const char *s)
{
    if (s == NULL)
        return EMPTY;
    size_t n = strlen(s);
    piece_t p = {s, n, n, 0};
    for (const char *q = memchr(s, '\n', n); q != NULL; q = memchr(q + 1, '\n', n - (size_t)(q + 1 - s)))
        p.nl++;
    return p;
}

/* The concatenation of parts[0..k), skipping empty ones, separated by sep
 * (graphql-js's join()). */
static piece_t join_sep(printer_t *pr, const piece_t *parts, size_t k, const char *sep)
{
    size_t seplen = strlen(sep), n = 0, count = 0, last = 0;
    for (size_t i = 0; i < k; i++)
        if (parts[i].n != 0) {
            n += parts[i].n;
            count++;
            last = i;
        }
    if (count == 0)
        return EMPTY;
    if (count == 1)
        return parts[last];
    n += seplen * (count - 1);
    char *out = gql_arena_alloc_raw(pr->arena, n + 1);
    if (out == NULL) {
        pr->oom = true;
        return EMPTY;
    }
    piece_t r = {out, n, 0, 0};
    size_t sepw = seplen, sepnl = 0;
    for (size_t i = 0; i < seplen; i++)
        sepnl += sep[i] == '\n';
    size_t pos = 0, done = 0;
    for (size_t i = 0; i < k; i++) {
        if (parts[i].n == 0)
            continue;
        if (done++) {
            memcpy(out + pos, sep, seplen);
            pos += seplen;
            r.w += sepw;
            r.nl += sepnl;
        }
        memcpy(out + pos, parts[i].s, parts[i].n);
        pos += parts[i].n;
        r.w += parts[i].w;
        r.nl += parts[i].nl;
    }
    out[n] = '\0';
    return r;
}

/* CAT(pr, a, b, ...) concatenates pieces, JOIN(pr, sep, a, b, ...) joins
 * them with a separator; empty pieces are skipped by both. */
#define CAT(pr, ...)                                                                                                   \
    join_sep((pr), (const piece_t[]){__VA_ARGS__}, sizeof((const piece_t[]){__VA_ARGS__}) / sizeof(piece_t), "")
#define JOIN(pr, sep, ...)                                                                                             \
    join_sep((pr), (const piece_t[]){__VA_ARGS__}, sizeof((const piece_t[]){__VA_ARGS__}) / sizeof(piece_t), sep)

/* start + x + end, or nothing when x is empty (graphql-js's wrap()). */
static piece_t wrap(printer_t *pr, const char *start, piece_t x, const char *end)
{
    if (x.n == 0)
        return EMPTY;
    return CAT(pr, str(start), x, str(end));
}

/* x with two spaces before its first line and after every newline. */
static piece_t indent(printer_t *pr, piece_t x)
{
    if (x.n == 0)
        return EMPTY;
    size_t n = x.n + 2 * (x.nl + 1);
    char *out = gql_arena_alloc_raw(pr->arena, n + 1);
    if (out == NULL) {
        pr->oom = true;
        return EMPTY;
    }
    size_t pos = 0, from = 0;
    out[pos++] = ' ';
    out[pos++] = ' ';
    while (from < x.n) {
        const char *nl = memchr(x.s + from, '\n', x.n - from);
        size_t upto = nl ? (size_t)(nl - x.s) + 1 : x.n;
        memcpy(out + pos, x.s + from, upto - from);
        pos += upto - from;
        from = upto;
        if (nl != NULL) {
            out[pos++] = ' ';
            out[pos++] = ' ';
        }
    }
    out[n] = '\0';
    piece_t r = {out, n, x.w + 2 * (x.nl + 1), x.nl};
    return r;
}

/* { items one per line, indented } — nothing when there are no items. */
static piece_t block(printer_t *pr, const piece_t *items, size_t k)
{
    return wrap(pr, "{\n", indent(pr, join_sep(pr, items, k, "\n")), "\n}");
}

/* Length of items joined by a separator of seplen units (joinedLength()). */
static size_t joined_width(const piece_t *items, size_t k, size_t seplen)
{
    size_t w = 0;
    bool any = false;
    for (size_t i = 0; i < k; i++) {
        if (items[i].n == 0)
            continue;
        w += (any ? seplen : 0) + items[i].w;
        any = true;
    }
    return w;
}

static bool any_multiline(const piece_t *items, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (items[i].nl != 0)
            return true;
    return false;
}

static piece_t *pieces(printer_t *pr, size_t k)
{
    if (k == 0)
        return NULL;
    piece_t *p = gql_arena_alloc(pr->arena, k * sizeof(*p));
    if (p == NULL)
        pr->oom = true;
    return p;
}

/* ------------------------------------------------------------------------ */
/* Strings                                                                  */
/* ------------------------------------------------------------------------ */

/* "..." with graphql-js's printString() escapes written to b. */
static void write_quoted(gql_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    gql_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        unsigned code = c;
        if (c < 0x20 || c == 0x7F ||
            (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F)) {
            if (c == 0xC2)
                code = (unsigned char)s[i + 1];
            switch (code) {
            case '\b':
                esc = "\\b";
                break;
            case '\t':
                esc = "\\t";
                break;
            case '\n':
                esc = "\\n";
                break;
            case '\f':
                esc = "\\f";
                break;
            case '\r':
                esc = "\\r";
                break;
            default:
                u[0] = '\\';
                u[1] = 'u';
                u[2] = '0';
                u[3] = '0';
                u[4] = hex[code >> 4];
                u[5] = hex[code & 15];
                u[6] = '\0';
                esc = u;
            }
        } else if (c == '"') {
            esc = "\\\"";
        } else if (c == '\\') {
            esc = "\\\\";
        }
        if (esc == NULL) {
            run++;
            continue;
        }
        gql_buf_append(b, s + i - run, run);
        run = 0;
        gql_buf_puts(b, esc);
        if (c == 0xC2)
            i++;
    }
    gql_buf_append(b, s + n - run, run);
    gql_buf_putc(b, '"');
}

static inline bool is_ws(int c)
{
    return c == ' ' || c == '\t';
}

/* graphql-js's printBlockString(), written to b. */
static void write_block(gql_buf_t *b, const char *s, size_t n)
{
    /* Lines are split at \r\n, \n and \r; triple quotes get escaped. */
    bool single_line = true, force_leading = true;
    size_t units = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            units++;
        if (c >= 0xF0)
            units++;
        if (c == '\n' || c == '\r') {
            single_line = false;
            if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            /* the next line must be empty or start with white space */
            if (i + 1 < n && s[i + 1] != '\n' && s[i + 1] != '\r' && !is_ws(s[i + 1]))
                force_leading = false;
        }
    }
    if (single_line)
        force_leading = false;
    bool trailing_triple = n >= 3 && memcmp(s + n - 3, "\"\"\"", 3) == 0;
    /* escapedValue ends with \""" exactly when the value ends with """,
     * counting escapes left to right: a run of k quotes at the end is
     * escaped as floor(k/3) triples, and ends with one iff k % 3 == 0. */
    if (trailing_triple) {
        size_t k = 0;
        while (k < n && s[n - 1 - k] == '"')
            k++;
        trailing_triple = k % 3 == 0;
    }
    bool trailing_quote = n > 0 && s[n - 1] == '"' && !trailing_triple;
    bool trailing_slash = n > 0 && s[n - 1] == '\\';
    bool force_trailing = trailing_quote || trailing_slash;
    bool multi = !single_line || units > 70 || force_trailing || force_leading || trailing_triple;
    bool skip_leading = single_line && n > 0 && is_ws(s[0]);
    gql_buf_puts(b, "\"\"\"");
    if ((multi && !skip_leading) || force_leading)
        gql_buf_putc(b, '\n');
    size_t start = 0;
    for (size_t i = 0; i + 3 <= n;) {
        if (memcmp(s + i, "\"\"\"", 3) == 0) {
            gql_buf_append(b, s + start, i - start);
            gql_buf_puts(b, "\\\"\"\"");
            i += 3;
            start = i;
        } else {
            i++;
        }
    }
    gql_buf_append(b, s + start, n - start);
    if (multi || force_trailing)
        gql_buf_putc(b, '\n');
    gql_buf_puts(b, "\"\"\"");
}

/* graphql-js's isPrintableAsBlockString(). */
static bool printable_as_block(const char *s, size_t n)
{
    if (n == 0)
        return true;
    bool empty_line = true, has_indent = false, common_indent = true, seen_non_empty = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x08 || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x0E || c == 0x0F)
            return false;
        if (c == '\n') {
            if (empty_line && !seen_non_empty)
                return false;
            seen_non_empty = true;
            empty_line = true;
            has_indent = false;
        } else if (c == ' ' || c == '\t') {
            has_indent = has_indent || empty_line;
        } else {
            common_indent = common_indent && has_indent;
            empty_line = false;
        }
    }
    if (empty_line)
        return false;
    if (common_indent && seen_non_empty)
        return false;
    return true;
}

void gql__print_block_string(const char *s, size_t n, gql_buf_t *out)
{
    write_block(out, s, n);
}

void gql_print_string(const char *s, size_t len, bool prefer_block, gql_buf_t *out)
{
    if (prefer_block && printable_as_block(s, len))
        write_block(out, s, len);
    else
        write_quoted(out, s, len);
}

/* A string value or description as a piece. */
static piece_t p_string(printer_t *pr, const char *s, size_t n, bool block_string)
{
    gql_buf_t *b = &pr->tmp;
    b->len = 0;
    if (block_string)
        write_block(b, s, n);
    else
        write_quoted(b, s, n);
    piece_t r = EMPTY;
    if (b->oom) {
        pr->oom = true;
    } else {
        char *copy = gql_arena_strndup(pr->arena, b->data, b->len);
        if (copy == NULL)
            pr->oom = true;
        else
            r = measure(copy, b->len);
    }
    return r;
}

/* A description (len bytes, which may hold U+0000) and its line break. */
static piece_t p_description(printer_t *pr, const char *desc, size_t len, bool block_string)
{
    if (desc == NULL)
        return EMPTY;
    return CAT(pr, p_string(pr, desc, len, block_string), str("\n"));
}

/* ------------------------------------------------------------------------ */
/* Values, types, directives                                                */
/* ------------------------------------------------------------------------ */

static piece_t p_value(printer_t *pr, const gql_value_t *v)
{
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        return CAT(pr, str("$"), str(v->str));
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
    case GQL_VALUE_ENUM:
        return str(v->str);
    case GQL_VALUE_STRING:
        return p_string(pr, v->str ? v->str : "", v->str ? v->len : 0, v->block);
    case GQL_VALUE_BOOLEAN:
        return str(v->boolean ? "true" : "false");
    case GQL_VALUE_NULL:
        return str("null");
    case GQL_VALUE_LIST: {
        size_t k = v->list.count;
        piece_t *items = pieces(pr, k);
        if (k && items == NULL)
            return EMPTY;
        for (size_t i = 0; i < k; i++)
            items[i] = p_value(pr, v->list.items[i]);
        if (2 + joined_width(items, k, 2) > MAX_LINE_LENGTH)
            return wrap(pr, "[\n", indent(pr, join_sep(pr, items, k, "\n")), "\n]");
        return CAT(pr, str("["), join_sep(pr, items, k, ", "), str("]"));
    }
    case GQL_VALUE_OBJECT: {
        size_t k = v->object.count;
        piece_t *fields = pieces(pr, k);
        if (k && fields == NULL)
            return EMPTY;
        for (size_t i = 0; i < k; i++)
            fields[i] = CAT(pr, str(v->object.fields[i].name), str(": "), p_value(pr, v->object.fields[i].value));
        if (4 + joined_width(fields, k, 2) > MAX_LINE_LENGTH)
            return block(pr, fields, k);
        return CAT(pr, str("{ "), join_sep(pr, fields, k, ", "), str(" }"));
    }
    }
    return EMPTY;
}

static piece_t p_type(printer_t *pr, const gql_type_ref_t *t)
{
    switch (t->kind) {
    case GQL_TYPE_REF_NAMED:
        return str(t->name);
    case GQL_TYPE_REF_LIST:
        return CAT(pr, str("["), p_type(pr, t->of), str("]"));
    case GQL_TYPE_REF_NON_NULL:
        return CAT(pr, p_type(pr, t->of), str("!"));
    }
    return EMPTY;
}

static piece_t *p_arguments(printer_t *pr, const gql_argument_t *args, size_t n)
{
    piece_t *items = pieces(pr, n);
    for (size_t i = 0; items && i < n; i++)
        items[i] = CAT(pr, str(args[i].name), str(": "), p_value(pr, args[i].value));
    return items;
}

static piece_t p_directives(printer_t *pr, const gql_directive_t *dirs, size_t n)
{
    piece_t *items = pieces(pr, n);
    if (items == NULL)
        return EMPTY;
    for (size_t i = 0; i < n; i++) {
        piece_t *args = p_arguments(pr, dirs[i].args, dirs[i].nargs);
        piece_t a = args ? join_sep(pr, args, dirs[i].nargs, ", ") : EMPTY;
        items[i] = CAT(pr, str("@"), str(dirs[i].name), wrap(pr, "(", a, ")"));
    }
    return join_sep(pr, items, n, " ");
}

/* ------------------------------------------------------------------------ */
/* Executable definitions                                                   */
/* ------------------------------------------------------------------------ */

static piece_t p_selection_set(printer_t *pr, const gql_selection_set_t *set);

static piece_t p_selection(printer_t *pr, const gql_selection_t *sel)
{
    piece_t dirs = p_directives(pr, sel->directives, sel->ndirectives);
    switch (sel->kind) {
    case GQL_SEL_FIELD: {
        piece_t prefix = sel->alias ? CAT(pr, str(sel->alias), str(": "), str(sel->name)) : str(sel->name);
        piece_t head = prefix;
        if (sel->nargs != 0) {
            piece_t *args = p_arguments(pr, sel->args, sel->nargs);
            if (args == NULL)
                return EMPTY;
            if (prefix.w + joined_width(args, sel->nargs, 2) + 2 > MAX_LINE_LENGTH)
                head = CAT(pr, prefix, wrap(pr, "(\n", indent(pr, join_sep(pr, args, sel->nargs, "\n")), "\n)"));
            else
                head = CAT(pr, prefix, wrap(pr, "(", join_sep(pr, args, sel->nargs, ", "), ")"));
        }
        bool has_set = sel->selection_set.count != 0 || sel->selection_set.loc.line != 0;
        piece_t set = has_set ? p_selection_set(pr, &sel->selection_set) : EMPTY;
        return CAT(pr, head, wrap(pr, " ", dirs, ""), wrap(pr, " ", set, ""));
    }
    case GQL_SEL_FRAGMENT_SPREAD:
        return CAT(pr, str("..."), str(sel->name), wrap(pr, " ", dirs, ""));
    case GQL_SEL_INLINE_FRAGMENT:
        return JOIN(pr, " ", str("..."), wrap(pr, "on ", str(sel->type_condition), ""), dirs,
                    p_selection_set(pr, &sel->selection_set));
    }
    return EMPTY;
}

static piece_t p_selection_set(printer_t *pr, const gql_selection_set_t *set)
{
    if (set->count == 0)
        return str("{}");
    piece_t *items = pieces(pr, set->count);
    if (items == NULL)
        return EMPTY;
    for (size_t i = 0; i < set->count; i++)
        items[i] = p_selection(pr, &set->items[i]);
    return block(pr, items, set->count);
}

static const char *op_name(gql_op_type_t op)
{
    return op == GQL_OP_MUTATION ? "mutation" : op == GQL_OP_SUBSCRIPTION ? "subscription" : "query";
}

static piece_t p_operation(printer_t *pr, const gql_definition_t *d)
{
    piece_t *vars = pieces(pr, d->nvariables);
    for (size_t i = 0; vars && i < d->nvariables; i++) {
        const gql_variable_def_t *v = &d->variables[i];
        vars[i] = CAT(pr, p_description(pr, v->description, v->description_len, v->description_block), str("$"),
                      str(v->name), str(": "), p_type(pr, v->type),
                      wrap(pr, " = ", v->default_value ? p_value(pr, v->default_value) : EMPTY, ""),
                      wrap(pr, " ", p_directives(pr, v->directives, v->ndirectives), ""));
    }
    piece_t var_defs = EMPTY;
    if (vars != NULL) {
        if (any_multiline(vars, d->nvariables))
            var_defs = wrap(pr, "(\n", join_sep(pr, vars, d->nvariables, "\n"), "\n)");
        else
            var_defs = wrap(pr, "(", join_sep(pr, vars, d->nvariables, ", "), ")");
    }
    const char *op = op_name(d->operation);
    piece_t prefix =
        CAT(pr, p_description(pr, d->description, d->description_len, d->description_block),
            JOIN(pr, " ", str(op), CAT(pr, str(d->name), var_defs), p_directives(pr, d->directives, d->ndirectives)));
    piece_t set = p_selection_set(pr, &d->selection_set);
    if (d->operation == GQL_OP_QUERY && prefix.n == strlen(op))
        return set;
    return CAT(pr, prefix, str(" "), set);
}

static piece_t p_fragment(printer_t *pr, const gql_definition_t *d)
{
    return CAT(pr, p_description(pr, d->description, d->description_len, d->description_block), str("fragment "),
               str(d->name), str(" on "), str(d->type_condition), str(" "),
               wrap(pr, "", p_directives(pr, d->directives, d->ndirectives), " "),
               p_selection_set(pr, &d->selection_set));
}

/* ------------------------------------------------------------------------ */
/* Type system                                                              */
/* ------------------------------------------------------------------------ */

/* One piece per argument or input field definition (NULL when none). */
static piece_t *p_input_values(printer_t *pr, const gql_input_value_def_t *ivs, size_t n)
{
    piece_t *items = pieces(pr, n);
    for (size_t i = 0; items && i < n; i++) {
        const gql_input_value_def_t *iv = &ivs[i];
        items[i] = CAT(pr, p_description(pr, iv->description, iv->description_len, iv->description_block),
                       str(iv->name), str(": "), p_type(pr, iv->type),
                       wrap(pr, " = ", iv->default_value ? p_value(pr, iv->default_value) : EMPTY, ""),
                       wrap(pr, " ", p_directives(pr, iv->directives, iv->ndirectives), ""));
    }
    return items;
}

/* Argument definitions: (a, b) or, when any spans lines, one per line. */
static piece_t p_argument_defs(printer_t *pr, const gql_input_value_def_t *ivs, size_t n)
{
    piece_t *items = p_input_values(pr, ivs, n);
    if (items == NULL)
        return EMPTY;
    if (any_multiline(items, n))
        return wrap(pr, "(\n", indent(pr, join_sep(pr, items, n, "\n")), "\n)");
    return wrap(pr, "(", join_sep(pr, items, n, ", "), ")");
}

static piece_t p_type_system(printer_t *pr, const gql_definition_t *d)
{
    bool ext = d->is_extension;
    piece_t desc = ext ? EMPTY : p_description(pr, d->description, d->description_len, d->description_block);
    piece_t dirs = p_directives(pr, d->directives, d->ndirectives);
    piece_t name = str(d->name);
    switch (d->kind) {
    case GQL_DEF_SCHEMA: {
        piece_t *ops = pieces(pr, d->nroot_ops);
        for (size_t i = 0; ops && i < d->nroot_ops; i++)
            ops[i] = CAT(pr, str(op_name(d->root_ops[i].operation)), str(": "), str(d->root_ops[i].type_name));
        piece_t body = ops ? block(pr, ops, d->nroot_ops) : EMPTY;
        return CAT(pr, desc, JOIN(pr, " ", str(ext ? "extend schema" : "schema"), dirs, body));
    }
    case GQL_DEF_SCALAR:
        return CAT(pr, desc, JOIN(pr, " ", str(ext ? "extend scalar" : "scalar"), name, dirs));
    case GQL_DEF_OBJECT:
    case GQL_DEF_INTERFACE: {
        piece_t *ifaces = pieces(pr, d->ntypes);
        for (size_t i = 0; ifaces && i < d->ntypes; i++)
            ifaces[i] = str(d->types[i]->name);
        piece_t impl = ifaces ? wrap(pr, "implements ", join_sep(pr, ifaces, d->ntypes, " & "), "") : EMPTY;
        piece_t *fields = pieces(pr, d->nfields);
        for (size_t i = 0; fields && i < d->nfields; i++) {
            const gql_field_def_t *f = &d->fields[i];
            fields[i] = CAT(pr, p_description(pr, f->description, f->description_len, f->description_block),
                            str(f->name), p_argument_defs(pr, f->args, f->nargs), str(": "), p_type(pr, f->type),
                            wrap(pr, " ", p_directives(pr, f->directives, f->ndirectives), ""));
        }
        piece_t body = fields ? block(pr, fields, d->nfields) : EMPTY;
        const char *kw =
            d->kind == GQL_DEF_OBJECT ? (ext ? "extend type" : "type") : (ext ? "extend interface" : "interface");
        return CAT(pr, desc, JOIN(pr, " ", str(kw), name, impl, dirs, body));
    }
    case GQL_DEF_UNION: {
        piece_t *members = pieces(pr, d->ntypes);
        for (size_t i = 0; members && i < d->ntypes; i++)
            members[i] = str(d->types[i]->name);
        piece_t types = members ? wrap(pr, "= ", join_sep(pr, members, d->ntypes, " | "), "") : EMPTY;
        return CAT(pr, desc, JOIN(pr, " ", str(ext ? "extend union" : "union"), name, dirs, types));
    }
    case GQL_DEF_ENUM: {
        piece_t *values = pieces(pr, d->nenum_values);
        for (size_t i = 0; values && i < d->nenum_values; i++) {
            const gql_enum_value_def_t *ev = &d->enum_values[i];
            values[i] = CAT(pr, p_description(pr, ev->description, ev->description_len, ev->description_block),
                            JOIN(pr, " ", str(ev->name), p_directives(pr, ev->directives, ev->ndirectives)));
        }
        piece_t body = values ? block(pr, values, d->nenum_values) : EMPTY;
        return CAT(pr, desc, JOIN(pr, " ", str(ext ? "extend enum" : "enum"), name, dirs, body));
    }
    case GQL_DEF_INPUT_OBJECT: {
        piece_t *fields = p_input_values(pr, d->input_values, d->ninput_values);
        piece_t body = fields ? block(pr, fields, d->ninput_values) : EMPTY;
        return CAT(pr, desc, JOIN(pr, " ", str(ext ? "extend input" : "input"), name, dirs, body));
    }
    case GQL_DEF_DIRECTIVE: {
        if (ext)
            return JOIN(pr, " ", CAT(pr, str("extend directive @"), name), dirs);
        piece_t *locs = pieces(pr, d->nlocations);
        for (size_t i = 0; locs && i < d->nlocations; i++)
            locs[i] = str(d->locations[i]);
        return CAT(pr, desc, str("directive @"), name, p_argument_defs(pr, d->input_values, d->ninput_values),
                   wrap(pr, " ", dirs, ""), str(d->repeatable ? " repeatable" : ""), str(" on "),
                   locs ? join_sep(pr, locs, d->nlocations, " | ") : EMPTY);
    }
    default:
        return EMPTY;
    }
}

static piece_t p_definition(printer_t *pr, const gql_definition_t *d)
{
    switch (d->kind) {
    case GQL_DEF_OPERATION:
        return p_operation(pr, d);
    case GQL_DEF_FRAGMENT:
        return p_fragment(pr, d);
    default:
        return p_type_system(pr, d);
    }
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */
/* ------------------------------------------------------------------------ */

void gql_print(const gql_document_t *doc, gql_buf_t *out)
{
    if (doc == NULL || doc->count == 0)
        return;
    printer_t pr = {gql_arena_new(0, NULL), GQL_BUF_INIT, false};
    if (pr.arena == NULL) {
        out->oom = true;
        return;
    }
    piece_t *defs = pieces(&pr, doc->count);
    for (size_t i = 0; defs && i < doc->count; i++)
        defs[i] = p_definition(&pr, &doc->definitions[i]);
    piece_t all = defs ? join_sep(&pr, defs, doc->count, "\n\n") : EMPTY;
    if (pr.oom)
        out->oom = true;
    else
        gql_buf_append(out, all.s, all.n);
    gql_buf_free(&pr.tmp);
    gql_arena_free(pr.arena);
}

void gql_print_value(const gql_value_t *v, gql_buf_t *out)
{
    switch (v->kind) {
    case GQL_VALUE_LIST:
    case GQL_VALUE_OBJECT:
        break;
    case GQL_VALUE_STRING:
        if (v->block)
            write_block(out, v->str ? v->str : "", v->str ? v->len : 0);
        else
            write_quoted(out, v->str ? v->str : "", v->str ? v->len : 0);
        return;
    case GQL_VALUE_VARIABLE:
        gql_buf_putc(out, '$');
        gql_buf_puts(out, v->str);
        return;
    case GQL_VALUE_BOOLEAN:
        gql_buf_puts(out, v->boolean ? "true" : "false");
        return;
    case GQL_VALUE_NULL:
        gql_buf_puts(out, "null");
        return;
    default:
        gql_buf_puts(out, v->str);
        return;
    }
    printer_t pr = {gql_arena_new(1024, NULL), GQL_BUF_INIT, false};
    if (pr.arena == NULL) {
        out->oom = true;
        return;
    }
    piece_t p = p_value(&pr, v);
    if (pr.oom)
        out->oom = true;
    else
        gql_buf_append(out, p.s, p.n);
    gql_buf_free(&pr.tmp);
    gql_arena_free(pr.arena);
}

void gql_print_type_ref(const gql_type_ref_t *t, gql_buf_t *out)
{
    switch (t->kind) {
    case GQL_TYPE_REF_NAMED:
        gql_buf_puts(out, t->name);
        break;
    case GQL_TYPE_REF_LIST:
        gql_buf_putc(out, '[');
        gql_print_type_ref(t->of, out);
        gql_buf_putc(out, ']');
        break;
    case GQL_TYPE_REF_NON_NULL:
        gql_print_type_ref(t->of, out);
        gql_buf_putc(out, '!');
        break;
    }
}
