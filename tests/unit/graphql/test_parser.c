/* Unit tests of parser.c: the kitchen-sink documents in data/ parse into the
 * expected trees, printing and parsing again is stable, syntax errors come
 * with graphql-js's messages and locations, limits and nesting bounds hold. */
#include "ast.h"
#include "helpers.h"
#include "lexer.h"

static gql_document_t *parse(gql_arena_t *a, const char *src, gql_errors_t *e)
{
    gql_errors_init(e, a, 10);
    return gql_parse(a, src, strlen(src), NULL, e);
}

/* The location graphql-js would give the first occurrence of `needle`. */
static gql_loc_t loc_of(const char *src, const char *needle)
{
    const char *p = strstr(src, needle);
    return gql__loc_at(src, strlen(src), p ? (size_t)(p - src) : strlen(src));
}

static bool loc_eq(gql_loc_t a, gql_loc_t b)
{
    return a.line == b.line && a.column == b.column && a.offset == b.offset;
}

static const gql_selection_t *find_field(const gql_selection_set_t *set, const char *key)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].kind == GQL_SEL_FIELD && strcmp(gql_selection_key(&set->items[i]), key) == 0)
            return &set->items[i];
    return NULL;
}

static const gql_argument_t *find_arg(const gql_argument_t *args, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(args[i].name, name) == 0)
            return &args[i];
    return NULL;
}

static const char *type_str(const gql_type_ref_t *t, gql_buf_t *b)
{
    b->len = 0;
    gql_print_type_ref(t, b);
    return gql_buf_cstr(b);
}

TEST(kitchen_sink_executable)
{
    size_t len;
    char *src = th_read_data("kitchen-sink.graphql", &len);
    ASSERT(src != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_document_t *doc = parse(a, src, &e);
    ASSERT(doc != NULL);
    ASSERT_EQ_INT(8, doc->count);
    ASSERT(doc->source == src && doc->source_len == len);
    gql_buf_t b = GQL_BUF_INIT;

    /* query AccountOverview: description, five variables, a directive */
    const gql_definition_t *q = &doc->definitions[0];
    ASSERT_EQ_INT(GQL_DEF_OPERATION, q->kind);
    ASSERT_EQ_INT(GQL_OP_QUERY, q->operation);
    ASSERT(!q->shorthand);
    ASSERT_EQ_STR("AccountOverview", q->name);
    ASSERT_EQ_STR("Lists a customer's accounts with recent movements.", q->description);
    ASSERT(q->description_block);
    ASSERT(loc_eq(loc_of(src, "\"\"\"\nLists"), q->loc));
    ASSERT(loc_eq(loc_of(src, "AccountOverview"), q->name_loc));
    ASSERT_EQ_INT(5, q->nvariables);
    const gql_variable_def_t *v = q->variables;
    ASSERT_EQ_STR("The customer whose accounts are listed", v[0].description);
    ASSERT(!v[0].description_block);
    ASSERT_EQ_STR("customer", v[0].name);
    ASSERT(loc_eq(loc_of(src, "$customer: ID!"), v[0].loc));
    ASSERT_EQ_STR("ID!", type_str(v[0].type, &b));
    ASSERT(v[0].default_value == NULL);
    ASSERT_EQ_STR("first", v[1].name);
    ASSERT(v[1].default_value && v[1].default_value->kind == GQL_VALUE_INT);
    ASSERT_EQ_STR("20", v[1].default_value->str);
    ASSERT_EQ_INT(1, v[1].ndirectives);
    ASSERT_EQ_STR("deprecated", v[1].directives[0].name);
    ASSERT_EQ_STR("reason", v[1].directives[0].args[0].name);
    ASSERT_EQ_STR("use paging", v[1].directives[0].args[0].value->str);
    ASSERT_EQ_STR("[AccountKind!]", type_str(v[2].type, &b));
    ASSERT_EQ_INT(GQL_VALUE_LIST, v[2].default_value->kind);
    ASSERT_EQ_INT(2, v[2].default_value->list.count);
    ASSERT_EQ_INT(GQL_VALUE_ENUM, v[2].default_value->list.items[1]->kind);
    ASSERT_EQ_STR("SAVINGS", v[2].default_value->list.items[1]->str);
    const gql_value_t *filter = v[3].default_value;
    ASSERT_EQ_INT(GQL_VALUE_OBJECT, filter->kind);
    ASSERT_EQ_INT(3, filter->object.count);
    ASSERT_EQ_STR("minAmount", filter->object.fields[0].name);
    ASSERT_EQ_INT(GQL_VALUE_FLOAT, filter->object.fields[0].value->kind);
    ASSERT_EQ_STR("10.5", filter->object.fields[0].value->str);
    const gql_value_t *flags = filter->object.fields[2].value;
    ASSERT_EQ_INT(3, flags->list.count);
    ASSERT(flags->list.items[0]->kind == GQL_VALUE_BOOLEAN && flags->list.items[0]->boolean);
    ASSERT(flags->list.items[1]->kind == GQL_VALUE_BOOLEAN && !flags->list.items[1]->boolean);
    ASSERT_EQ_INT(GQL_VALUE_NULL, flags->list.items[2]->kind);
    ASSERT_EQ_INT(1, q->ndirectives);
    ASSERT_EQ_STR("live", q->directives[0].name);
    ASSERT(loc_eq(loc_of(src, "@live"), q->directives[0].loc));

    /* selections: alias, arguments, fragments of all three kinds */
    const gql_selection_t *me = find_field(&q->selection_set, "me");
    ASSERT(me != NULL);
    ASSERT_EQ_STR("me", me->alias);
    ASSERT_EQ_STR("customer", me->name);
    ASSERT(loc_eq(loc_of(src, "me: customer"), me->loc));
    ASSERT(loc_eq(loc_of(src, "customer(id:"), me->name_loc));
    ASSERT_EQ_INT(GQL_VALUE_VARIABLE, me->args[0].value->kind);
    ASSERT_EQ_STR("customer", me->args[0].value->str);
    const gql_selection_t *display = find_field(&me->selection_set, "displayName");
    ASSERT(display && display->alias == NULL && display->ndirectives == 1);
    ASSERT_EQ_INT(0, display->selection_set.count);
    ASSERT_EQ_INT(0, display->selection_set.loc.line);
    const gql_selection_t *accounts = find_field(&me->selection_set, "accounts");
    ASSERT(accounts != NULL);
    ASSERT_EQ_INT(4, accounts->selection_set.count);
    const gql_selection_t *s = accounts->selection_set.items;
    ASSERT_EQ_INT(GQL_SEL_INLINE_FRAGMENT, s[0].kind);
    ASSERT_EQ_STR("Checking", s[0].type_condition);
    ASSERT(loc_eq(loc_of(src, "Checking"), s[0].type_condition_loc));
    ASSERT(loc_eq(loc_of(src, "... on Checking"), s[0].loc));
    ASSERT_EQ_INT(GQL_SEL_INLINE_FRAGMENT, s[1].kind);
    ASSERT(s[1].type_condition == NULL);
    ASSERT_EQ_STR("skip", s[1].directives[0].name);
    ASSERT_EQ_INT(GQL_SEL_FRAGMENT_SPREAD, s[2].kind);
    ASSERT_EQ_STR("AccountFields", s[2].name);
    ASSERT_EQ_INT(GQL_SEL_FIELD, s[3].kind);
    ASSERT_EQ_INT(3, s[3].nargs);

    /* string escapes decoded */
    const gql_selection_t *esc = find_field(&q->selection_set, "escapes");
    ASSERT(esc != NULL);
    ASSERT_EQ_STR("quote \" backslash \\ slash / controls \b\f\n\r\t unicode \xC3\xA9 \xF0\x9F\x98\x80 "
                  "\xF0\x9F\x98\x80 ok",
                  esc->args[0].value->str);
    const gql_selection_t *blk = find_field(&q->selection_set, "block");
    ASSERT(blk && blk->args[0].value->block);
    ASSERT_EQ_STR("Block string with \"quotes\" and \"\"\" escaped triple quotes.\n\n  Indented line kept relative.",
                  blk->args[0].value->str);
    const gql_selection_t *neg = find_field(&q->selection_set, "negative");
    ASSERT_EQ_STR("-0.5e-3", find_arg(neg->args, neg->nargs, "f")->value->str);
    ASSERT_EQ_INT(GQL_VALUE_FLOAT, find_arg(neg->args, neg->nargs, "zeroFloat")->value->kind);
    const gql_selection_t *empty_obj = find_field(&q->selection_set, "emptyObject");
    ASSERT(empty_obj->args[0].value->kind == GQL_VALUE_OBJECT && empty_obj->args[0].value->object.count == 0);

    /* the other operations */
    ASSERT_EQ_INT(GQL_OP_MUTATION, doc->definitions[1].operation);
    ASSERT_EQ_STR("DepositInput!", type_str(doc->definitions[1].variables[0].type, &b));
    ASSERT_EQ_INT(GQL_OP_SUBSCRIPTION, doc->definitions[2].operation);
    ASSERT(doc->definitions[3].name == NULL && !doc->definitions[3].shorthand);
    ASSERT(doc->definitions[4].name == NULL && doc->definitions[4].shorthand);
    ASSERT_EQ_INT(GQL_OP_QUERY, doc->definitions[4].operation);

    /* fragments, with a description */
    const gql_definition_t *f = &doc->definitions[5];
    ASSERT_EQ_INT(GQL_DEF_FRAGMENT, f->kind);
    ASSERT_EQ_STR("AccountFields", f->name);
    ASSERT_EQ_STR("Account", f->type_condition);
    ASSERT_EQ_STR("Fragment descriptions are allowed too", f->description);
    ASSERT(loc_eq(loc_of(src, "\"Fragment descriptions"), f->loc));
    ASSERT_EQ_STR("hot", f->directives[0].name);
    ASSERT(gql_def_is_executable(f));

    /* an empty selection set `{}` is accepted and marked by its location */
    const gql_selection_t *es = find_field(&doc->definitions[7].selection_set, "emptySelection");
    ASSERT(es != NULL);
    ASSERT_EQ_INT(0, es->selection_set.count);
    ASSERT(es->selection_set.loc.line > 0);
    gql_buf_free(&b);
    gql_arena_free(a);
    free(src);
}

TEST(kitchen_sink_type_system)
{
    size_t len;
    char *src = th_read_data("schema-kitchen-sink.graphql", &len);
    ASSERT(src != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_document_t *doc = parse(a, src, &e);
    ASSERT(doc != NULL);
    static const struct {
        gql_def_kind_t kind;
        bool ext;
        const char *name;
    } expected[] = {
        {GQL_DEF_SCHEMA, false, NULL},
        {GQL_DEF_SCHEMA, true, NULL},
        {GQL_DEF_SCHEMA, true, NULL},
        {GQL_DEF_SCALAR, false, "DateTime"},
        {GQL_DEF_SCALAR, true, "DateTime"},
        {GQL_DEF_OBJECT, false, "Query"},
        {GQL_DEF_OBJECT, false, "Mutation"},
        {GQL_DEF_OBJECT, false, "Subscription"},
        {GQL_DEF_OBJECT, true, "Query"},
        {GQL_DEF_OBJECT, true, "Query"},
        {GQL_DEF_OBJECT, true, "Query"},
        {GQL_DEF_INTERFACE, false, "Node"},
        {GQL_DEF_INTERFACE, false, "Audited"},
        {GQL_DEF_INTERFACE, true, "Audited"},
        {GQL_DEF_INTERFACE, true, "Audited"},
        {GQL_DEF_UNION, false, "SearchResult"},
        {GQL_DEF_UNION, false, "Empty"},
        {GQL_DEF_UNION, true, "SearchResult"},
        {GQL_DEF_UNION, true, "SearchResult"},
        {GQL_DEF_ENUM, false, "Direction"},
        {GQL_DEF_ENUM, false, "Kind"},
        {GQL_DEF_ENUM, true, "Kind"},
        {GQL_DEF_ENUM, true, "Kind"},
        {GQL_DEF_INPUT_OBJECT, false, "DepositInput"},
        {GQL_DEF_INPUT_OBJECT, true, "DepositInput"},
        {GQL_DEF_INPUT_OBJECT, true, "DepositInput"},
        {GQL_DEF_DIRECTIVE, false, "complexity"},
        {GQL_DEF_DIRECTIVE, false, "audit"},
        {GQL_DEF_DIRECTIVE, false, "trace"},
        {GQL_DEF_DIRECTIVE, true, "trace"},
    };
    size_t n = sizeof(expected) / sizeof(expected[0]);
    ASSERT_EQ_INT(n, doc->count);
    for (size_t i = 0; i < n; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (d->kind != expected[i].kind || d->is_extension != expected[i].ext ||
            (expected[i].name ? d->name == NULL || strcmp(d->name, expected[i].name) != 0 : d->name != NULL)) {
            FAIL_("definition %zu: kind %d ext %d name %s", i, d->kind, d->is_extension, d->name ? d->name : "-");
            return;
        }
        ASSERT(!gql_def_is_executable(d));
    }
    gql_buf_t b = GQL_BUF_INIT;
    const gql_definition_t *d = doc->definitions;
    ASSERT_EQ_STR("The schema of a small bank.", d[0].description);
    ASSERT_EQ_INT(3, d[0].nroot_ops);
    ASSERT_EQ_INT(GQL_OP_SUBSCRIPTION, d[0].root_ops[2].operation);
    ASSERT_EQ_STR("Subscription", d[0].root_ops[2].type_name);
    ASSERT(loc_eq(loc_of(src, "subscription: Subscription"), d[0].root_ops[2].loc));
    ASSERT_EQ_INT(1, d[1].ndirectives);
    ASSERT_EQ_INT(0, d[1].nroot_ops);
    ASSERT_EQ_INT(1, d[2].nroot_ops);
    ASSERT(d[3].description && !d[3].description_block);
    ASSERT_EQ_STR("specifiedBy", d[3].directives[0].name);
    /* type Query implements Node & Audited @entity(...) { 4 fields } */
    ASSERT_EQ_INT(2, d[5].ntypes);
    ASSERT_EQ_STR("Audited", d[5].types[1]->name);
    ASSERT_EQ_INT(4, d[5].nfields);
    const gql_field_def_t *acc = &d[5].fields[1];
    ASSERT_EQ_STR("accounts", acc->name);
    ASSERT_EQ_STR("[Account!]!", type_str(acc->type, &b));
    ASSERT_EQ_INT(3, acc->nargs);
    ASSERT_EQ_STR("How many to return", acc->args[0].description);
    ASSERT_EQ_STR("20", acc->args[0].default_value->str);
    ASSERT_EQ_STR("deprecated", acc->args[1].directives[0].name);
    ASSERT_EQ_INT(GQL_VALUE_OBJECT, acc->args[2].default_value->kind);
    ASSERT_EQ_STR("complexity", acc->directives[0].name);
    ASSERT_EQ_STR("Looks anything up by id", d[5].fields[0].description);
    ASSERT_EQ_STR("[[Boolean]]", type_str(d[5].fields[2].args[2].type, &b));
    ASSERT_EQ_INT(0, d[7].nfields); /* type Subscription */
    ASSERT_EQ_INT(1, d[9].ntypes);  /* extend type Query implements Searchable { ping } */
    ASSERT_EQ_INT(1, d[9].nfields);
    ASSERT_EQ_INT(2, d[12].ntypes); /* interface Audited implements Node & Entity */
    /* unions: a leading | is allowed; union Empty has no members */
    ASSERT_EQ_INT(2, d[15].ntypes);
    ASSERT_EQ_STR("Customer", d[15].types[1]->name);
    ASSERT_EQ_INT(0, d[16].ntypes);
    ASSERT_EQ_INT(1, d[17].ntypes);
    /* enum values with descriptions and directives */
    ASSERT_EQ_INT(2, d[19].nenum_values);
    ASSERT_EQ_STR("Oldest first", d[19].enum_values[0].description);
    ASSERT_EQ_STR("Newest first", d[19].enum_values[1].description);
    ASSERT(d[19].enum_values[1].description_block);
    ASSERT_EQ_STR("deprecated", d[19].enum_values[1].directives[0].name);
    /* input fields with defaults */
    ASSERT_EQ_INT(4, d[23].ninput_values);
    ASSERT_EQ_STR("amountMinor", d[23].input_values[0].name);
    ASSERT_EQ_STR("0", d[23].input_values[0].default_value->str);
    ASSERT_EQ_STR("default", d[23].input_values[1].default_value->str);
    ASSERT_EQ_STR("oneOf", d[23].directives[0].name);
    /* directives: arguments, repeatable, locations */
    ASSERT_EQ_INT(2, d[26].ninput_values);
    ASSERT(!d[26].repeatable);
    ASSERT_EQ_INT(2, d[26].nlocations);
    ASSERT_EQ_STR("OBJECT", d[26].locations[1]);
    ASSERT(d[27].repeatable);
    ASSERT_EQ_INT(11, d[27].nlocations);
    ASSERT_EQ_STR("INPUT_FIELD_DEFINITION", d[27].locations[10]);
    ASSERT(loc_eq(loc_of(src, "INPUT_FIELD_DEFINITION\n"), d[27].location_locs[10]));
    ASSERT_EQ_INT(10, d[28].nlocations);
    ASSERT_EQ_STR("audit", d[28].directives[0].name);
    ASSERT_EQ_STR("audit", d[29].directives[0].name);
    gql_buf_free(&b);
    gql_arena_free(a);
    free(src);
}

/* print(parse(x)) parses again into a document that prints the same. */
TEST(print_is_idempotent)
{
    static const char *const files[] = {"kitchen-sink.graphql", "schema-kitchen-sink.graphql"};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *src = th_read_data(files[i], &len);
        ASSERT(src != NULL);
        gql_arena_t *a = gql_arena_new(0, NULL);
        gql_errors_t e;
        gql_buf_t p1 = GQL_BUF_INIT, p2 = GQL_BUF_INIT;
        gql_document_t *doc = parse(a, src, &e);
        ASSERT(doc != NULL);
        gql_print(doc, &p1);
        ASSERT(!p1.oom && p1.len > 0);
        gql_document_t *again = parse(a, gql_buf_cstr(&p1), &e);
        ASSERT(again != NULL);
        ASSERT_EQ_INT(doc->count, again->count);
        gql_print(again, &p2);
        ASSERT_EQ_STR(gql_buf_cstr(&p1), gql_buf_cstr(&p2));
        gql_buf_free(&p1);
        gql_buf_free(&p2);
        gql_arena_free(a);
        free(src);
    }
}

/* Syntax errors: graphql-js's message and location (checked against
 * graphql-js 17.1's parse()). */
TEST(syntax_errors)
{
    static const struct {
        const char *src;
        const char *message;
        uint32_t line, column;
    } cases[] = {
        {"", "Unexpected <EOF>.", 1, 1},
        {"# only a comment\n", "Unexpected <EOF>.", 2, 1},
        {"{", "Expected Name, found <EOF>.", 1, 2},
        {"{ a }}", "Unexpected \"}\".", 1, 6},
        {"{ a(x: ) }", "Unexpected \")\".", 1, 8},
        {"{ a(x 1) }", "Expected \":\", found Int \"1\".", 1, 7},
        {"{ a(x", "Expected \":\", found <EOF>.", 1, 6},
        {"{ a(: 1) }", "Expected Name, found \":\".", 1, 5},
        {"query { }}", "Unexpected \"}\".", 1, 10},
        {"query Q($a) { a }", "Expected \":\", found \")\".", 1, 11},
        {"query Q($a: Int = $b) { a }", "Unexpected variable \"$b\" in constant value.", 1, 19},
        {"query Q($a: Int = $) { a }", "Unexpected \"$\".", 1, 19},
        {"query Q($a: [Int) { a }", "Expected \"]\", found \")\".", 1, 17},
        {"query ($a: Int!!) { a }", "Expected \"$\", found \"!\".", 1, 16},
        {"query Q", "Expected \"{\", found <EOF>.", 1, 8},
        {"x { a }", "Unexpected Name \"x\".", 1, 1},
        {"\n\n  notAKeyword { a }", "Unexpected Name \"notAKeyword\".", 3, 3},
        {"{ ... }", "Expected \"{\", found \"}\".", 1, 7},
        {"{ ...on }", "Expected Name, found \"}\".", 1, 9},
        {"fragment on on T { a }", "Unexpected Name \"on\".", 1, 10},
        {"fragment F T { a }", "Expected \"on\", found Name \"T\".", 1, 12},
        {"fragment F on T", "Expected \"{\", found <EOF>.", 1, 16},
        {"\"desc\" { a }", "Unexpected description, descriptions are not supported on shorthand queries.", 1, 1},
        {"\"desc\" extend type T @d", "Unexpected description, only GraphQL definitions support descriptions.", 1, 1},
        {"\"\"\"desc\"\"\" x", "Unexpected description, only GraphQL definitions support descriptions.", 1, 1},
        {"query (\"d\" $a: Int \"e\") { a }", "Expected \"$\", found \")\".", 1, 23},
        {"extend", "Unexpected <EOF>.", 1, 7},
        {"extend foo", "Unexpected Name \"foo\".", 1, 8},
        {"extend type T", "Unexpected <EOF>.", 1, 14},
        {"extend schema", "Unexpected <EOF>.", 1, 14},
        {"extend scalar S {", "Unexpected \"{\".", 1, 17},
        {"extend directive @d", "Unexpected <EOF>.", 1, 20},
        {"type T { a }", "Expected \":\", found \"}\".", 1, 12},
        {"type T {}", "Expected Name, found \"}\".", 1, 9},
        {"type T implements { a: Int }", "Expected Name, found \"{\".", 1, 19},
        {"enum E { true }", "Name \"true\" is reserved and cannot be used for an enum value.", 1, 10},
        {"enum E { \"d\" \"null\" }", "String \"null\" is reserved and cannot be used for an enum value.", 1, 14},
        {"union U = ", "Expected Name, found <EOF>.", 1, 11},
        {"input I { a: Int = $v }", "Unexpected variable \"$v\" in constant value.", 1, 20},
        {"directive @d on FOO", "Unexpected Name \"FOO\".", 1, 17},
        {"directive @d", "Expected \"on\", found <EOF>.", 1, 13},
        {"directive d on FIELD", "Expected \"@\", found Name \"d\".", 1, 11},
        {"schema { query }", "Expected \":\", found \"}\".", 1, 16},
        {"schema { foo: Q }", "Unexpected Name \"foo\".", 1, 10},
        {"schema {}", "Expected Name, found \"}\".", 1, 9},
        {"{ a(x: {a 1}) }", "Expected \":\", found Int \"1\".", 1, 11},
        {"{ a(x: [1, 2) }", "Unexpected \")\".", 1, 13},
        {"{ a @ }", "Expected Name, found \"}\".", 1, 7},
        {"{ a: b: c }", "Expected Name, found \":\".", 1, 7},
        {"{ a(x: $1) }", "Expected Name, found Int \"1\".", 1, 9},
        {"type T { f(a: Int = $v): Int }", "Unexpected variable \"$v\" in constant value.", 1, 21},
        {"query Q($a: Int @d(x: $v)) { a }", "Unexpected variable \"$v\" in constant value.", 1, 23},
        {"{\n  a(x: \"\"\"\n    b\n  \"\"\" ?)\n}", "Unexpected character: \"?\".", 4, 7},
        {"{ a(x: \"\xC3\xA9\xF0\x9F\x98\x80\") ? }", "Unexpected character: \"?\".", 1, 15},
        {"{ a(x: \"abc) }", "Unterminated string.", 1, 15},
        {"{ a(x: 01) }", "Invalid number, unexpected digit after 0: \"1\".", 1, 9},
        /* Each list shape with nothing, or nothing after a delimiter, in it
         * (graphql-js's any/many/optionalMany/delimitedMany). */
        {"{ a() }", "Expected Name, found \")\".", 1, 5},
        {"query Q() { a }", "Expected \"$\", found \")\".", 1, 9},
        {"directive @d on |", "Expected Name, found <EOF>.", 1, 18},
        {"directive @d on | FIELD |", "Expected Name, found <EOF>.", 1, 26},
        {"directive @d() on FIELD", "Expected Name, found \")\".", 1, 14},
        {"union U = | A |", "Expected Name, found <EOF>.", 1, 16},
        {"extend schema {}", "Expected Name, found \"}\".", 1, 16},
        {"type T { f(): Int }", "Expected Name, found \")\".", 1, 12},
        {"input I {}", "Expected Name, found \"}\".", 1, 10},
        {"enum E {}", "Expected Name, found \"}\".", 1, 9},
        {"type T implements & { a: Int }", "Expected Name, found \"{\".", 1, 21},
        {"extend type T implements A &", "Expected Name, found <EOF>.", 1, 29},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gql_arena_t *a = gql_arena_new(0, NULL);
        gql_errors_t e;
        gql_document_t *doc = parse(a, cases[i].src, &e);
        char expected[256];
        snprintf(expected, sizeof(expected), "Syntax Error: %s", cases[i].message);
        const gql_error_t *err = e.count == 1 ? &e.items[0] : NULL;
        if (doc != NULL || err == NULL || strcmp(err->message, expected) != 0 || err->nlocations != 1 ||
            err->locations[0].line != cases[i].line || err->locations[0].column != cases[i].column ||
            err->code == NULL || strcmp(err->code, GQL_CODE_SYNTAX) != 0) {
            FAIL_("case %zu (%s):\n    expected %s @%u:%u\n    actual   %s @%u:%u", i, cases[i].src, expected,
                  cases[i].line, cases[i].column, err ? err->message : "(none)",
                  err && err->nlocations ? err->locations[0].line : 0,
                  err && err->nlocations ? err->locations[0].column : 0);
        }
        gql_arena_free(a);
    }
}

TEST(size_and_token_limits)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_limits_t lim = gql_limits_default();
    ASSERT_EQ_INT(100000, lim.max_document_bytes);
    ASSERT_EQ_INT(15000, lim.max_tokens);
    ASSERT_EQ_INT(32, lim.max_depth);
    ASSERT_EQ_INT(2000, lim.max_fields);
    ASSERT_EQ_INT(200, lim.max_aliases);
    ASSERT_EQ_INT(100, lim.max_errors);

    /* five tokens; comments and commas do not count */
    const char *src = "# comment\n{ a, b c }";
    gql_errors_init(&e, a, 10);
    gql_document_t *doc = gql_parse(a, src, strlen(src), NULL, &e);
    ASSERT(doc != NULL);
    ASSERT_EQ_INT(5, doc->ntokens);
    lim.max_tokens = 5;
    ASSERT(gql_parse(a, src, strlen(src), &lim, &e) != NULL);
    lim.max_tokens = 4;
    ASSERT(gql_parse(a, src, strlen(src), &lim, &e) == NULL);
    ASSERT_EQ_INT(1, e.count);
    ASSERT_EQ_STR("Document exceeds the token limit of 4.", e.items[0].message);
    ASSERT_EQ_STR(GQL_CODE_LIMIT, e.items[0].code);
    ASSERT_EQ_INT(1, e.items[0].nlocations);
    ASSERT_EQ_INT(2, e.items[0].locations[0].line);
    ASSERT_EQ_INT(10, e.items[0].locations[0].column);

    /* bytes: the limit itself is allowed */
    lim = gql_limits_default();
    lim.max_document_bytes = strlen(src);
    gql_errors_init(&e, a, 10);
    ASSERT(gql_parse(a, src, strlen(src), &lim, &e) != NULL);
    lim.max_document_bytes = strlen(src) - 1;
    ASSERT(gql_parse(a, src, strlen(src), &lim, &e) == NULL);
    ASSERT_EQ_INT(1, e.count);
    ASSERT_EQ_STR("Document exceeds the size limit of 19 bytes.", e.items[0].message);
    ASSERT_EQ_STR(GQL_CODE_LIMIT, e.items[0].code);
    ASSERT_EQ_INT(0, e.items[0].nlocations);

    /* default limits (NULL): 15000 tokens pass, 15001 do not */
    size_t n = 14998; /* "{" + n fields + "}" */
    char *big = malloc(2 * n + 3);
    ASSERT(big != NULL);
    size_t len = 0;
    big[len++] = '{';
    for (size_t i = 0; i < n; i++) {
        big[len++] = 'a';
        big[len++] = ' ';
    }
    big[len++] = '}';
    gql_errors_init(&e, a, 10);
    doc = gql_parse(a, big, len, NULL, &e);
    ASSERT(doc != NULL);
    ASSERT_EQ_INT(15000, doc->ntokens);
    big[len - 1] = 'a';
    big[len++] = '}';
    ASSERT(gql_parse(a, big, len, NULL, &e) == NULL);
    ASSERT_EQ_STR("Document exceeds the token limit of 15000.", e.items[0].message);
    /* 0 means no limit */
    lim = gql_limits_default();
    lim.max_tokens = 0;
    lim.max_document_bytes = 0;
    ASSERT(gql_parse(a, big, len, &lim, &e) != NULL);
    free(big);
    gql_arena_free(a);
}

/* head open^n middle close^n tail, malloc'd. */
static char *nest(const char *head, const char *open, size_t n, const char *middle, const char *close, const char *tail,
                  size_t *len)
{
    size_t ol = strlen(open), cl = strlen(close);
    size_t cap = strlen(head) + n * (ol + cl) + strlen(middle) + strlen(tail) + 1;
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    size_t k = (size_t)sprintf(s, "%s", head);
    for (size_t i = 0; i < n; i++, k += ol)
        memcpy(s + k, open, ol);
    k += (size_t)sprintf(s + k, "%s", middle);
    for (size_t i = 0; i < n; i++, k += cl)
        memcpy(s + k, close, cl);
    k += (size_t)sprintf(s + k, "%s", tail);
    *len = k;
    return s;
}

/* Each nesting form: the bound passes, one more level fails cleanly, and
 * very deep input neither crashes nor leaks. */
TEST(deep_nesting_is_bounded)
{
    static const struct {
        const char *head, *open, *middle, *close, *tail;
        size_t outer; /* levels the surrounding text already uses */
    } forms[] = {
        {"", "{a ", "", "}", "", 0},
        {"{ f(x: ", "[", "1", "]", ") }", 1},
        {"{ f(x: ", "{a: ", "1", "}", ") }", 1},
        {"type T { f: ", "[", "Int", "]", " }", 0},
        {"query ($v: ", "[", "Int", "]", ") { a }", 0},
        {"{ ... on T ", "{ ... ", "{ a }", "}", "}", 1},
    };
    gql_limits_t lim = gql_limits_default();
    lim.max_document_bytes = 0;
    lim.max_tokens = 0;
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        size_t ok = GQL_MAX_NESTING - forms[f].outer;
        if (f == 5)
            ok -= 1; /* the innermost { a } */
        size_t sizes[] = {ok, ok + 1, 100000};
        for (size_t i = 0; i < 3; i++) {
            size_t len;
            char *src =
                nest(forms[f].head, forms[f].open, sizes[i], forms[f].middle, forms[f].close, forms[f].tail, &len);
            ASSERT(src != NULL);
            gql_arena_t *a = gql_arena_new(0, NULL);
            gql_errors_t e;
            gql_errors_init(&e, a, 10);
            gql_document_t *doc = gql_parse(a, src, len, &lim, &e);
            if (i == 0 && doc == NULL) {
                FAIL_("form %zu: %zu levels should parse: %s", f, sizes[i], e.count ? e.items[0].message : "?");
            } else if (i > 0) {
                if (doc != NULL || e.count != 1 ||
                    strcmp(e.items[0].message, "Document exceeds the nesting limit of 256.") != 0 ||
                    strcmp(e.items[0].code, GQL_CODE_LIMIT) != 0)
                    FAIL_("form %zu: %zu levels should fail with the nesting error (%s)", f, sizes[i],
                          e.count ? e.items[0].message : "parsed");
            }
            gql_arena_free(a);
            free(src);
        }
    }
}

/* Lists longer than the parser's inline scratch space move it to the heap. */
TEST(long_lists)
{
    gql_limits_t lim = gql_limits_default();
    lim.max_document_bytes = 0;
    lim.max_tokens = 0;
    size_t n = 5000;
    char *src = malloc(n * 16 + 64);
    ASSERT(src != NULL);
    size_t len = (size_t)sprintf(src, "{ f(list: [");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(src + len, "%zu ", i);
    len += (size_t)sprintf(src + len, "]) {");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(src + len, " x%zu", i);
    len += (size_t)sprintf(src + len, " } }");
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    gql_document_t *doc = gql_parse(a, src, len, &lim, &e);
    ASSERT(doc != NULL);
    const gql_selection_t *f = &doc->definitions[0].selection_set.items[0];
    ASSERT_EQ_INT(n, f->args[0].value->list.count);
    ASSERT_EQ_STR("4999", f->args[0].value->list.items[4999]->str);
    ASSERT_EQ_INT(n, f->selection_set.count);
    ASSERT_EQ_STR("x4321", f->selection_set.items[4321].name);
    gql_arena_free(a);
    free(src);
}

TEST(bad_arguments_and_inputs)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    /* no errors collector: still no crash */
    ASSERT(gql_parse(a, "{", 1, NULL, NULL) == NULL);
    ASSERT(gql_parse(a, "{ a }", 5, NULL, NULL) != NULL);
    /* NUL bytes are characters, not terminators */
    ASSERT(gql_parse(a, "{ a }\0", 6, NULL, &e) == NULL);
    ASSERT_EQ_STR("Syntax Error: Unexpected character: U+0000.", e.items[0].message);
    /* a document need not be NUL-terminated */
    char buf[8] = {'{', ' ', 'a', ' ', '}', '}', '}', '}'};
    ASSERT(gql_parse(a, buf, 5, NULL, &e) != NULL);
    /* invalid UTF-8 */
    ASSERT(gql_parse(a, "{ a(x: \"\xC3\") }", 14, NULL, &e) == NULL);
    ASSERT_EQ_STR("Syntax Error: Invalid character within String: byte 0xC3 (not UTF-8).", e.items[1].message);
    ASSERT(gql_parse(NULL, "{ a }", 5, NULL, &e) == NULL);
    ASSERT_EQ_STR(GQL_CODE_INTERNAL, e.items[2].code);
    gql_arena_free(a);
}

TEST(descriptions_keep_u0000)
{
    /* Descriptions carry their length, so a U+0000 inside does not cut them. */
    static const char src[] = "\"op \\u0000 1\" query Q(\"v\\u0000\" $a: Int) { f }\n"
                              "type T { \"\"\"f\\u0000\"\"\" f(\"a\\u0000b\" a: Int): Int }\n"
                              "enum E { \"e\\u0000\" V }";
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_document_t *doc = parse(a, src, &e);
    ASSERT(doc != NULL && doc->count == 3);
    const gql_definition_t *op = &doc->definitions[0], *t = &doc->definitions[1], *en = &doc->definitions[2];
    ASSERT_EQ_INT(6, op->description_len);
    ASSERT(memcmp(op->description, "op \0 1", 6) == 0);
    ASSERT_EQ_INT(2, op->variables[0].description_len);
    ASSERT(memcmp(op->variables[0].description, "v\0", 2) == 0);
    ASSERT_EQ_INT(7, t->fields[0].description_len); /* block strings do not decode escapes */
    ASSERT_EQ_INT(3, t->fields[0].args[0].description_len);
    ASSERT(memcmp(t->fields[0].args[0].description, "a\0b", 3) == 0);
    ASSERT_EQ_INT(2, en->enum_values[0].description_len);
    gql_arena_free(a);
}

TEST_MAIN(TEST_ENTRY(kitchen_sink_executable), TEST_ENTRY(kitchen_sink_type_system), TEST_ENTRY(print_is_idempotent),
          TEST_ENTRY(syntax_errors), TEST_ENTRY(size_and_token_limits), TEST_ENTRY(deep_nesting_is_bounded),
          TEST_ENTRY(long_lists), TEST_ENTRY(bad_arguments_and_inputs), TEST_ENTRY(descriptions_keep_u0000))
