/*
 * Unit tests of literal.c, the one walk of an input literal against an input
 * type behind ValuesOfCorrectType, schema default values and the reasons
 * for coercion failures: the problems it finds and their order, paths and
 * nodes; stopping at the first; variables, field hooks and the depth bound;
 * UniqueInputFieldNames and the object field lookup.
 */
#include "helpers.h"
#include "literal.h"

static const char *SDL = "enum Color { RED GREEN BLUE }\n"
                         "input In { a: Int!, b: [Int!], c: In, d: Int! = 1 }\n"
                         "input One @oneOf { x: Int, y: String }\n"
                         "type Query { f(in: In, l: [[Int]!], one: One, c: Color): Int }\n";

/* The literal of argument `arg` of the first field in `query` (parsed in a). */
static const gql_value_t *literal(gql_arena_t *a, const char *query)
{
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    gql_document_t *doc = gql_parse(a, query, strlen(query), NULL, &e);
    return doc ? doc->definitions[0].selection_set.items[0].args[0].value : NULL;
}

/* What a walk saw, one line per call: "kind path" as text. */
typedef struct record {
    gql_buf_t out;
    int stop_after; /* end the walk at this call (1-based); 0: never */
    int calls;
} record_t;

static void path_str(gql_buf_t *b, const gql_path_t *p)
{
    if (p == NULL)
        return;
    path_str(b, p->prev);
    if (p->key != NULL)
        gql_buf_printf(b, ".%s", p->key);
    else
        gql_buf_printf(b, "[%zu]", p->index);
}

static bool seen(record_t *r, const char *what, const char *detail, const gql_path_t *path, gql_loc_t loc)
{
    gql_buf_printf(&r->out, "%s%s%s @", what, detail ? " " : "", detail ? detail : "");
    path_str(&r->out, path);
    gql_buf_printf(&r->out, " %u:%u\n", loc.line, loc.column);
    return ++r->calls == r->stop_after;
}

static bool on_problem(void *ctx, const gql__lit_problem_t *p)
{
    static const char *const kinds[] = {"null", "not-object", "missing", "unknown", "one-of", "one-of-null"};
    const char *detail = p->field ? p->field->name : p->object_field ? p->object_field->name : NULL;
    return seen(ctx, kinds[p->kind], detail, p->path, p->value->loc);
}

static bool on_leaf(void *ctx, const gql_value_t *v, const gql_type_t *t, const gql_path_t *path)
{
    return seen(ctx, "leaf", t->name, path, v->loc);
}

static bool on_variable(void *ctx, const gql_value_t *v, const gql_type_t *t, const gql_path_t *path)
{
    (void)t;
    return seen(ctx, "variable", v->str, path, v->loc);
}

static gql__lit_step_t skip_b(void *ctx, const gql_value_t *object, const gql_type_t *t, const gql_input_value_t *f,
                              const gql_value_t *given, const gql_path_t *path)
{
    (void)ctx, (void)object, (void)t, (void)given, (void)path;
    return strcmp(f->name, "b") == 0 ? GQL_LIT_SKIP : GQL_LIT_WALK;
}

/* Walks argument `arg` of Query.f in `query` and returns what was seen. */
static const char *walk(gql_schema_t *s, gql_arena_t *a, const char *query, const char *arg, const gql__lit_walk_t *w,
                        int stop_after)
{
    const gql_value_t *v = literal(a, query);
    const gql_field_t *f = gql_type_field(s, s->query, "f");
    const gql_input_value_t *def = gql_field_arg(f, arg);
    if (v == NULL || def == NULL)
        return "(no literal)";
    record_t r = {GQL_BUF_INIT, stop_after, 0};
    bool stopped = gql__lit_walk(w, &r, v, def->type, NULL);
    gql_buf_puts(&r.out, stopped ? "stopped" : "done");
    const char *text = gql_arena_strdup(a, gql_buf_cstr(&r.out));
    gql_buf_free(&r.out);
    return text;
}

static const gql__lit_walk_t all = {.problem = on_problem, .leaf = on_leaf};

TEST(problems_in_graphql_js_order)
{
    gql_schema_t *s = th_schema(SDL, strlen(SDL));
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    /* Fields in the type's order (a, b, c, d), then unknown fields in the
     * literal's order; nested objects by path; `d` has a default. Field
     * problems are located at their object. */
    ASSERT_EQ_STR("missing a @ 1:9\n"
                  "leaf Int @.b[0] 1:14\n"
                  "null @.b[1] 1:17\n"
                  "not-object @.c 1:27\n"
                  "unknown zz @ 1:9\n"
                  "unknown yy @ 1:9\n"
                  "done",
                  walk(s, a, "{ f(in: {b: [1, null], c: 3, zz: 1, yy: 2}) }", "in", &all, 0));
    /* A single value stands for a list of one; null items of nullable
     * lists are fine; a list in a non-null list position must not be null. */
    ASSERT_EQ_STR("leaf Int @ 1:8\ndone", walk(s, a, "{ f(l: 7) }", "l", &all, 0));
    ASSERT_EQ_STR("leaf Int @[0][0] 1:10\nnull @[1] 1:14\ndone", walk(s, a, "{ f(l: [[1], null]) }", "l", &all, 0));
    ASSERT_EQ_STR("leaf Color @ 1:8\ndone", walk(s, a, "{ f(c: BLUE) }", "c", &all, 0));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(one_of)
{
    gql_schema_t *s = th_schema(SDL, strlen(SDL));
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    ASSERT_EQ_STR("one-of @ 1:10\ndone", walk(s, a, "{ f(one: {}) }", "one", &all, 0));
    ASSERT_EQ_STR("leaf Int @.x 1:14\nleaf String @.y 1:20\none-of @ 1:10\ndone",
                  walk(s, a, "{ f(one: {x: 1, y: \"a\"}) }", "one", &all, 0));
    ASSERT_EQ_STR("one-of-null x @ 1:10\ndone", walk(s, a, "{ f(one: {x: null}) }", "one", &all, 0));
    /* An unknown field does not count as the one given. */
    ASSERT_EQ_STR("leaf Int @.x 1:14\nunknown q @ 1:10\ndone", walk(s, a, "{ f(one: {x: 1, q: 2}) }", "one", &all, 0));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(stop_variables_hooks_and_depth)
{
    gql_schema_t *s = th_schema(SDL, strlen(SDL));
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    const char *q = "{ f(in: {a: $v, b: [$w, 2], c: {a: 1, c: {}}}) }";
    /* Without a variable function variables are skipped. */
    ASSERT_EQ_STR("leaf Int @.b[1] 1:25\nleaf Int @.c.a 1:36\nmissing a @.c.c 1:42\ndone",
                  walk(s, a, q, "in", &all, 0));
    /* The first call that returns true ends the walk. */
    ASSERT_EQ_STR("leaf Int @.b[1] 1:25\nleaf Int @.c.a 1:36\nstopped", walk(s, a, q, "in", &all, 2));
    gql__lit_walk_t vars = all;
    vars.variable = on_variable;
    ASSERT_EQ_STR("variable v @.a 1:13\nvariable w @.b[0] 1:21\nstopped", walk(s, a, q, "in", &vars, 2));
    /* A field hook can leave a field out. */
    gql__lit_walk_t hook = all;
    hook.field = skip_b;
    ASSERT_EQ_STR("leaf Int @.c.a 1:36\nmissing a @.c.c 1:42\ndone", walk(s, a, q, "in", &hook, 0));
    /* Values more than max_depth steps (fields, items, non-null wrappers)
     * down are not looked at: .c.a is 3 (c, a, Int! -> Int), .b[1] is 3
     * too (b, item, Int! -> Int), .c.c is 2. */
    gql__lit_walk_t shallow = all;
    shallow.max_depth = 3;
    ASSERT_EQ_STR("leaf Int @.b[1] 1:25\nleaf Int @.c.a 1:36\nmissing a @.c.c 1:42\ndone",
                  walk(s, a, q, "in", &shallow, 0));
    shallow.max_depth = 2;
    ASSERT_EQ_STR("missing a @.c.c 1:42\ndone", walk(s, a, q, "in", &shallow, 0));
    shallow.max_depth = 1;
    ASSERT_EQ_STR("done", walk(s, a, q, "in", &shallow, 0));
    gql_arena_free(a);
    gql_schema_free(s);
}

static void on_dup(void *ctx, const gql_object_field_t *first, const gql_object_field_t *again)
{
    gql_buf_printf(ctx, "%s %u-%u;", again->name, first->loc.column, again->loc.column);
}

TEST(duplicate_fields_and_lookup)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    const gql_value_t *v = literal(a, "{ f(x: {a: 1, b: [{c: 1, c: 2}], a: 3, a: {d: 1, d: 2}}) }");
    ASSERT(v != NULL);
    gql_buf_t b = GQL_BUF_INIT;
    gql__lit_duplicate_fields(a, v, on_dup, &b);
    /* Each repeat against the first, in document order, depth first. */
    ASSERT_EQ_STR("c 20-26;a 9-34;a 9-40;d 44-50;", gql_buf_cstr(&b));
    gql_buf_free(&b);
    /* The lookup keeps the last of a repeated name, as graphql-js's keyMap. */
    const gql_object_field_t *f = gql__object_field(v, "a");
    ASSERT(f != NULL && f->loc.column == 40);
    ASSERT(gql__object_field(v, "zz") == NULL);
    gql_arena_free(a);
}

TEST_MAIN(TEST_ENTRY(problems_in_graphql_js_order), TEST_ENTRY(one_of), TEST_ENTRY(stop_variables_hooks_and_depth),
          TEST_ENTRY(duplicate_fields_and_lookup))
