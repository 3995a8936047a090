/*
 * Unit tests of execute.c: operation selection, variables, field collection
 * (fragments, type conditions, @skip/@include, merging), argument coercion,
 * leaf serialization, null propagation, error paths, serial mutations,
 * pending/resume, subscriptions, __typename and abstract types.
 *
 * Data comes from JSON: the root value is a parsed JSON object and a generic
 * resolver reads each field from its parent object. A string "!err:msg"
 * resolves to a field error, an object's "__type" member names its runtime
 * type. A few fields get their own resolvers (echo of arguments, mutations
 * that log their order, pending answers, subscription sources).
 */
#include "helpers.h"

/* JSON value -> resolved value (see the header comment). */
static void rv_from_iv(gql_arena_t *a, const gql_iv_t *v, gql_rv_t *out)
{
    memset(out, 0, sizeof(*out));
    switch (v->kind) {
    case GQL_IV_NULL:
        out->kind = GQL_RV_NULL;
        break;
    case GQL_IV_INT:
        out->kind = GQL_RV_INT;
        out->u.i = v->u.i;
        break;
    case GQL_IV_FLOAT:
        out->kind = GQL_RV_FLOAT;
        out->u.f = v->u.f;
        break;
    case GQL_IV_BOOLEAN:
        out->kind = GQL_RV_BOOLEAN;
        out->u.b = v->u.b;
        break;
    case GQL_IV_STRING:
    case GQL_IV_ENUM:
        if (strncmp(v->u.s.ptr, "!err:", 5) == 0) {
            out->kind = GQL_RV_ERROR;
            out->u.s.ptr = v->u.s.ptr + 5;
            out->u.s.len = v->u.s.len - 5;
        } else {
            out->kind = GQL_RV_STRING;
            out->u.s.ptr = v->u.s.ptr;
            out->u.s.len = v->u.s.len;
        }
        break;
    case GQL_IV_LIST: {
        gql_rv_t *items = gql_arena_alloc(a, (v->u.list.count + 1) * sizeof(*items));
        for (size_t i = 0; i < v->u.list.count; i++)
            rv_from_iv(a, &v->u.list.items[i], &items[i]);
        out->kind = GQL_RV_LIST;
        out->u.list.items = items;
        out->u.list.count = v->u.list.count;
        break;
    }
    case GQL_IV_OBJECT: {
        out->kind = GQL_RV_OBJECT;
        out->u.obj.ptr = v;
        const gql_iv_t *t = gql_iv_get(v, "__type");
        out->u.obj.type_name = t != NULL && t->kind == GQL_IV_STRING ? t->u.s.ptr : NULL;
        break;
    }
    }
}

static void json_field(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const gql_iv_t *v = gql_iv_get(parent, info->field_name);
    if (v != NULL)
        rv_from_iv(info->arena, v, out);
}

/* Answers the coerced arguments as a JSON object (a custom scalar). */
static void echo_args(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_putc(&b, '{');
    for (size_t i = 0; i < args->count; i++) {
        gql_buf_printf(&b, "%s\"%s\":", i ? "," : "", args->names[i]);
        gql_iv_write_json(&args->values[i], &b);
    }
    gql_buf_putc(&b, '}');
    out->kind = GQL_RV_JSON;
    out->u.s.ptr = gql_arena_strndup(info->arena, b.data, b.len);
    out->u.s.len = b.len;
    gql_buf_free(&b);
}

/* Mutations log their order in the context (a gql_buf_t). */
static void log_call(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    gql_buf_t *log = info->context;
    const gql_iv_t *n = gql_arg(args, "n");
    gql_buf_printf(log, "%s(%lld) ", info->field_name, n ? (long long)n->u.i : -1LL);
    out->kind = GQL_RV_INT;
    out->u.i = (int64_t)log->len;
}

static void answer_later(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)parent, (void)args;
    out->kind = GQL_RV_PENDING;
}

static void event_field(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    json_field(info, parent, args, out);
}

static int open_stream(const gql_resolve_info_t *info, const gql_args_t *args, void **stream, const char **error)
{
    const gql_iv_t *topic = gql_arg(args, "topic");
    if (topic == NULL || topic->kind != GQL_IV_STRING)
        return GQL_EINVAL;
    if (strcmp(topic->u.s.ptr, "forbidden") == 0) {
        *error = gql_arena_strdup(info->arena, "Not allowed to listen to forbidden.");
        return GQL_EFAIL;
    }
    *stream = (void *)topic->u.s.ptr;
    return 0;
}

/* A schema from `sdl` with json_field bound to every field of its object
 * types, or NULL. */
static gql_schema_t *schema_of(const char *sdl)
{
    gql_schema_t *s = th_schema(sdl, strlen(sdl));
    for (size_t i = 0; s != NULL && i < s->ntypes; i++) {
        const gql_type_t *t = s->types[i];
        if (t->kind != GQL_KIND_OBJECT || t->name[0] == '_')
            continue;
        for (size_t j = 0; j < t->nfields; j++)
            gql_schema_bind(s, t->name, t->fields[j].name, json_field, NULL);
    }
    return s;
}

typedef struct run_opts {
    const char *vars;
    const char *data;
    const char *opname;
    void *context;
} run_opts_t;

/* Parses, validates, prepares and executes; returns the response, or
 * "PARSE/INVALID/PREPARE <errors json>" when a step before execution fails. */
static const char *run_with(gql_schema_t *s, gql_arena_t *a, const char *query, run_opts_t o)
{
    gql_iv_t *data = gql_arena_alloc(a, sizeof(*data));
    const char *dj = o.data ? o.data : "{}";
    if (data == NULL || gql_json_parse(a, dj, strlen(dj), data, NULL, 0) != 0)
        return "BAD DATA JSON";
    gql_errors_t e;
    const char *stage = NULL;
    gql_operation_t *op = th_prepare(s, a, query, (th_request_t){o.vars, data, o.context, o.opname}, &e, &stage);
    if (op == NULL)
        return th_errors_json(a, gql_arena_printf(a, "%s ", stage), &e);
    gql_buf_t out = GQL_BUF_INIT;
    int rc = gql_execute(op, NULL, &out);
    const char *r = rc == 0 ? gql_arena_strdup(a, gql_buf_cstr(&out)) : gql_arena_printf(a, "RC %d", rc);
    gql_buf_free(&out);
    return r;
}

static const char *run(gql_schema_t *s, gql_arena_t *a, const char *query, const char *data)
{
    run_opts_t o = {NULL, data, NULL, NULL};
    return run_with(s, a, query, o);
}

static const char *SDL = "scalar JSON\n"
                         "enum Color { RED GREEN }\n"
                         "interface Named { name: String }\n"
                         "type Dog implements Named { name: String barks: Boolean }\n"
                         "type Cat implements Named { name: String meows: Boolean }\n"
                         "union Pet = Dog | Cat\n"
                         "type Item { id: ID! name: String! tags: [String!] child: Item }\n"
                         "input Filter { min: Int = 0, max: Int!, names: [String] }\n"
                         "type Query {\n"
                         "  a: String b: Int c: Float d: Boolean e: ID color: Color raw: JSON\n"
                         "  nn: String! item: Item items: [Item] strictItems: [Item!]! nnItem: Item!\n"
                         "  pets: [Pet] named: [Named] pet: Pet ints: [Int]\n"
                         "  echo(i: Int, s: String, l: [Int], f: Filter, c: Color, d: Int = 7, req: Int!): JSON\n"
                         "  echo2(i: Int, l: [Int], f: Filter): JSON\n"
                         "  later: String nnLater: String!\n"
                         "}\n"
                         "type Mutation { first(n: Int): Int second(n: Int): Int }\n"
                         "type Event { topic: String n: Int }\n"
                         "type Subscription { events(topic: String!): Event }\n";

TEST(scalars_and_nesting)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    ASSERT_EQ_STR("{\"data\":{\"a\":\"x\",\"b\":3,\"c\":1.5,\"d\":true,\"e\":\"7\",\"color\":\"RED\",\"raw\":\"r\"}}",
                  run(s, a, "{ a b c d e color raw }",
                      "{\"a\":\"x\",\"b\":3,\"c\":1.5,\"d\":true,\"e\":7,\"color\":\"RED\",\"raw\":\"r\"}"));
    ASSERT_EQ_STR("{\"data\":{\"item\":{\"id\":\"1\",\"child\":{\"name\":\"c\"}},\"x\":{\"tags\":[\"t\",\"u\"]}}}",
                  run(s, a, "{ item { id child { name } } x: item { tags } }",
                      "{\"item\":{\"id\":\"1\",\"name\":\"n\",\"tags\":[\"t\",\"u\"],\"child\":{\"name\":\"c\"}}}"));
    /* Missing data resolves to null; lists of objects. */
    ASSERT_EQ_STR("{\"data\":{\"a\":null,\"items\":[{\"id\":\"1\"},null,{\"id\":\"3\"}]}}",
                  run(s, a, "{ a items { id } }", "{\"items\":[{\"id\":1},null,{\"id\":\"3\"}]}"));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(leaf_serialization_errors)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Int cannot represent non 32-bit signed integer value: 2147483648\","
                  "\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"b\"]}],\"data\":{\"b\":null}}",
                  run(s, a, "{ b }", "{\"b\":2147483648}"));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Int cannot represent non-integer value: 1.5\",\"locations\":[{\"line\":"
                  "1,\"column\":3}],\"path\":[\"b\"]}],\"data\":{\"b\":null}}",
                  run(s, a, "{ b }", "{\"b\":1.5}"));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Int cannot represent non-integer value: \\\"abc\\\"\",\"locations\":[{"
                  "\"line\":1,\"column\":3}],\"path\":[\"b\"]}],\"data\":{\"b\":null}}",
                  run(s, a, "{ b }", "{\"b\":\"abc\"}"));
    ASSERT_EQ_STR("{\"data\":{\"b\":12,\"c\":3,\"a\":\"2.5\",\"d\":false}}",
                  run(s, a, "{ b c a d }", "{\"b\":\"12\",\"c\":3,\"a\":2.5,\"d\":0}"));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"ID cannot represent value: 1.5\",\"locations\":[{\"line\":1,\"column\":"
                  "3}],\"path\":[\"e\"]}],\"data\":{\"e\":null}}",
                  run(s, a, "{ e }", "{\"e\":1.5}"));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Enum \\\"Color\\\" cannot represent value: \\\"BLUE\\\"\",\"locations\":"
                  "[{\"line\":1,\"column\":3}],\"path\":[\"color\"]}],\"data\":{\"color\":null}}",
                  run(s, a, "{ color }", "{\"color\":\"BLUE\"}"));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Boolean cannot represent a non boolean value: \\\"yes\\\"\","
                  "\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"d\"]}],\"data\":{\"d\":null}}",
                  run(s, a, "{ d }", "{\"d\":\"yes\"}"));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Expected Iterable, but did not find one for field \\\"Query.ints\\\".\","
                  "\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"ints\"]}],\"data\":{\"ints\":null}}",
                  run(s, a, "{ ints }", "{\"ints\":5}"));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(null_propagation)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    /* A non-null root field that is null makes data null. */
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Cannot return null for non-nullable field Query.nn.\",\"locations\":[{"
                  "\"line\":1,\"column\":5}],\"path\":[\"nn\"]}],\"data\":null}",
                  run(s, a, "{ a nn }", "{\"a\":\"x\"}"));
    /* Item.name is non-null: its parent item becomes null, siblings stay. */
    ASSERT_EQ_STR(
        "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field Item.name.\",\"locations\":[{"
        "\"line\":1,\"column\":23}],\"path\":[\"item\",\"child\",\"name\"]}],\"data\":{\"a\":\"x\",\"item\":{"
        "\"id\":\"1\",\"child\":null}}}",
        run(s, a, "{ a item { id child { name } } }", "{\"a\":\"x\",\"item\":{\"id\":1,\"child\":{\"id\":2}}}"));
    /* Through a nullable list: the item becomes null, with the index in the path. */
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Cannot return null for non-nullable field Item.id.\",\"locations\":[{"
                  "\"line\":1,\"column\":11}],\"path\":[\"items\",1,\"id\"]}],\"data\":{\"items\":[{\"id\":\"1\"},null,"
                  "{\"id\":\"3\"}]}}",
                  run(s, a, "{ items { id } }", "{\"items\":[{\"id\":1},{},{\"id\":3}]}"));
    /* [Item!]!: an item error nulls the list, the list nulls data. */
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Cannot return null for non-nullable field Query.strictItems.\","
                  "\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"strictItems\",1]}],\"data\":null}",
                  run(s, a, "{ strictItems { id } a }", "{\"strictItems\":[{\"id\":1},null]}"));
    /* [String!] inside a nullable Item: tags null, item stays. */
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Cannot return null for non-nullable field Item.tags.\",\"locations\":[{"
                  "\"line\":1,\"column\":10}],\"path\":[\"item\",\"tags\",1]}],\"data\":{\"item\":{\"tags\":null,"
                  "\"id\":\"1\"}}}",
                  run(s, a, "{ item { tags id } }", "{\"item\":{\"id\":1,\"tags\":[\"a\",null]}}"));
    /* A resolver error on a non-null field propagates without a second error. */
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"boom\",\"locations\":[{\"line\":1,\"column\":12}],\"path\":[\"nnItem\","
                  "\"id\"]}],\"data\":null}",
                  run(s, a, "{ nnItem { id } }", "{\"nnItem\":{\"id\":\"!err:boom\"}}"));
    /* Field errors keep their order and list indexes. */
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"e1\",\"locations\":[{\"line\":1,\"column\":11}],\"path\":[\"items\",0,"
                  "\"tags\",0]},{\"message\":\"e2\",\"locations\":[{\"line\":1,\"column\":11}],\"path\":[\"items\",2,"
                  "\"tags\",1]}],\"data\":{\"items\":[{\"tags\":null},{\"tags\":[]},{\"tags\":null}]}}",
                  run(s, a, "{ items { tags } }",
                      "{\"items\":[{\"tags\":[\"!err:e1\"]},{\"tags\":[]},{\"tags\":[\"x\",\"!err:e2\"]}]}"));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(fragments_directives_and_merging)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    const char *data = "{\"a\":\"x\",\"b\":1,\"item\":{\"id\":1,\"name\":\"n\",\"child\":{\"id\":2,\"name\":\"m\"}}}";
    ASSERT_EQ_STR("{\"data\":{\"item\":{\"id\":\"1\",\"child\":{\"id\":\"2\",\"name\":\"m\"},\"name\":\"n\"},\"a\":"
                  "\"x\"}}",
                  run(s, a,
                      "{ item { ...F child { name } } ... on Query { a } item { name } }\n"
                      "fragment F on Item { id child { id } }",
                      data));
    ASSERT_EQ_STR("{\"data\":{\"b\":1}}",
                  run(s, a, "{ a @skip(if: true) b @include(if: true) item @include(if: false) { id } }", data));
    run_opts_t o = {"{\"yes\":true}", data, NULL, NULL};
    ASSERT_EQ_STR("{\"data\":{\"b\":1}}",
                  run_with(s, a, "query($yes: Boolean!) { a @skip(if: $yes) ...@include(if: $yes) { b } }", o));
    o.vars = "{\"yes\":false}";
    ASSERT_EQ_STR("{\"data\":{\"a\":\"x\"}}",
                  run_with(s, a, "query($yes: Boolean!) { a @skip(if: $yes) ...@include(if: $yes) { b } }", o));
    /* Skipped in one place, included in another: the field stays. */
    ASSERT_EQ_STR("{\"data\":{\"a\":\"x\"}}", run(s, a, "{ a @skip(if: true) a }", data));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(abstract_types_and_typename)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    const char *data = "{\"pets\":[{\"__type\":\"Dog\",\"name\":\"rex\",\"barks\":true},"
                       "{\"__type\":\"Cat\",\"name\":\"tom\",\"meows\":false}],"
                       "\"named\":[{\"__type\":\"Cat\",\"name\":\"kit\",\"meows\":true}]}";
    ASSERT_EQ_STR("{\"data\":{\"__typename\":\"Query\",\"pets\":[{\"__typename\":\"Dog\",\"barks\":true,\"name\":"
                  "\"rex\"},{\"__typename\":\"Cat\",\"name\":\"tom\",\"meows\":false}],\"named\":[{\"name\":\"kit\","
                  "\"meows\":true}]}}",
                  run(s, a,
                      "{ __typename pets { __typename ... on Dog { barks } ... on Named { name } ...C } "
                      "named { name ... on Cat { meows } } } fragment C on Cat { meows }",
                      data));
    ASSERT_EQ_STR(
        "{\"errors\":[{\"message\":\"Abstract type \\\"Pet\\\" must resolve to an Object type at runtime for field "
        "\\\"Query.pet\\\". Either the \\\"Pet\\\" type should provide a \\\"resolveType\\\" function or each possible "
        "type should provide an \\\"isTypeOf\\\" function.\",\"locations\":[{\"line\":1,\"column\":3}],\"path\":["
        "\"pet\"]}],\"data\":{\"pet\":null}}",
        run(s, a, "{ pet { __typename } }", "{\"pet\":{\"name\":\"x\"}}"));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Runtime Object type \\\"Item\\\" is not a possible type for "
                  "\\\"Pet\\\".\",\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"pet\"]}],\"data\":{\"pet\":"
                  "null}}",
                  run(s, a, "{ pet { __typename } }", "{\"pet\":{\"__type\":\"Item\"}}"));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Abstract type \\\"Pet\\\" was resolved to a type \\\"Bird\\\" that does "
                  "not exist inside the schema.\",\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"pet\"]}],"
                  "\"data\":{\"pet\":null}}",
                  run(s, a, "{ pet { __typename } }", "{\"pet\":{\"__type\":\"Bird\"}}"));
    gql_arena_free(a);
    gql_schema_free(s);
}

static gql_schema_t *echo_schema(void)
{
    gql_schema_t *s = schema_of(SDL);
    if (s != NULL) {
        gql_schema_bind(s, "Query", "echo", echo_args, NULL);
        gql_schema_bind(s, "Query", "echo2", echo_args, NULL);
    }
    return s;
}

TEST(arguments_and_variables)
{
    gql_schema_t *s = echo_schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    /* Literals, defaults, list coercion of a single value, input objects with defaults. */
    ASSERT_EQ_STR("{\"data\":{\"echo\":{\"i\":1,\"s\":\"x\",\"l\":[5],\"f\":{\"min\":0,\"max\":3},\"c\":\"GREEN\","
                  "\"d\":7,\"req\":2}}}",
                  run(s, a, "{ echo(req: 2, i: 1, s: \"x\", l: 5, f: {max: 3}, c: GREEN) }", NULL));
    /* Variables: given, defaulted, absent (argument absent), explicit null. */
    run_opts_t o = {"{\"x\":4,\"n\":null}", NULL, NULL, NULL};
    ASSERT_EQ_STR("{\"data\":{\"echo\":{\"i\":4,\"l\":[1,null],\"d\":null,\"req\":9}}}",
                  run_with(s, a,
                           "query($x: Int, $n: Int, $absent: Int, $r: Int = 9) "
                           "{ echo(i: $x, l: [1, $absent], d: $n, req: $r) }",
                           o));
    /* An absent variable for an argument with a default takes the default. */
    o.vars = "{}";
    ASSERT_EQ_STR("{\"data\":{\"echo\":{\"d\":7,\"req\":1}}}",
                  run_with(s, a, "query($v: Int) { echo(d: $v, req: 1) }", o));
    /* Input objects from variables: defaults filled in, lists coerced. */
    o.vars = "{\"f\":{\"max\":2,\"names\":\"solo\"}}";
    ASSERT_EQ_STR("{\"data\":{\"echo2\":{\"f\":{\"min\":0,\"max\":2,\"names\":[\"solo\"]}}}}",
                  run_with(s, a, "query($f: Filter) { echo2(f: $f) }", o));
    /* Variables inside an object literal. */
    o.vars = "{\"m\":5}";
    ASSERT_EQ_STR("{\"data\":{\"echo2\":{\"f\":{\"min\":0,\"max\":5}}}}",
                  run_with(s, a, "query($m: Int!, $u: Int) { echo2(f: {max: $m, min: $u}) }", o));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(variable_errors)
{
    gql_schema_t *s = echo_schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    run_opts_t o = {"{}", NULL, NULL, NULL};
    ASSERT_EQ_STR("PREPARE [{\"message\":\"Variable \\\"$id\\\" has invalid value: Expected a value of non-null type "
                  "\\\"Int!\\\" to be provided.\",\"locations\":[{\"line\":1,\"column\":7}],\"extensions\":{\"code\":"
                  "\"BAD_USER_INPUT\"}}]",
                  run_with(s, a, "query($id: Int!) { echo(req: $id) }", o));
    o.vars = "{\"id\":\"abc\"}";
    ASSERT_EQ_STR("PREPARE [{\"message\":\"Variable \\\"$id\\\" has invalid value: Int cannot represent non-integer "
                  "value: \\\"abc\\\"\",\"locations\":[{\"line\":1,\"column\":7}],\"extensions\":{\"code\":"
                  "\"BAD_USER_INPUT\"}}]",
                  run_with(s, a, "query($id: Int!) { echo(req: $id) }", o));
    o.vars = "{\"l\":[1,\"x\",2147483648]}";
    ASSERT_EQ_STR("PREPARE [{\"message\":\"Variable \\\"$l\\\" has invalid value at [1]: Int cannot represent "
                  "non-integer value: \\\"x\\\"\",\"locations\":[{\"line\":1,\"column\":7}],\"extensions\":{\"code\":"
                  "\"BAD_USER_INPUT\"}},{\"message\":\"Variable \\\"$l\\\" has invalid value at [2]: Int cannot "
                  "represent non 32-bit signed integer value: 2147483648\",\"locations\":[{\"line\":1,\"column\":7}],"
                  "\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]",
                  run_with(s, a, "query($l: [Int]) { echo2(l: $l) }", o));
    o.vars = "{\"f\":{\"min\":1,\"maxx\":2}}";
    ASSERT_EQ_STR(
        "PREPARE [{\"message\":\"Variable \\\"$f\\\" has invalid value: Expected value of type \\\"Filter\\\" "
        "to include required field \\\"max\\\", found: { min: 1, maxx: 2 }.\",\"locations\":[{\"line\":1,"
        "\"column\":7}],\"extensions\":{\"code\":\"BAD_USER_INPUT\"}},{\"message\":\"Variable \\\"$f\\\" has "
        "invalid value: Expected value of type \\\"Filter\\\" not to include unknown field \\\"maxx\\\". Did "
        "you mean \\\"max\\\"? Found: { min: 1, maxx: 2 }.\",\"locations\":[{\"line\":1,\"column\":7}],"
        "\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]",
        run_with(s, a, "query($f: Filter) { echo2(f: $f) }", o));
    /* A null variable for a non-null argument position with a default-bearing variable. */
    o.vars = "{\"r\":null}";
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"Argument \\\"Query.echo(req:)\\\" has invalid value: Expected variable "
                  "\\\"$r\\\" provided to non-null type \\\"Int!\\\" not to be null.\",\"locations\":[{\"line\":1,"
                  "\"column\":32}],\"path\":[\"echo\"]}],\"data\":{\"echo\":null}}",
                  run_with(s, a, "query($r: Int = 1) { echo(req: $r) }", o));
    o.vars = "[1]";
    ASSERT_EQ_STR("PREPARE [{\"message\":\"Variables must be provided as an Object where each property is a variable "
                  "value.\",\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]",
                  run_with(s, a, "{ a }", o));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(operation_selection)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    const char *doc = "query A { a } query B { b }";
    run_opts_t o = {NULL, "{\"a\":\"x\",\"b\":2}", NULL, NULL};
    ASSERT_EQ_STR("PREPARE [{\"message\":\"Must provide operation name if query contains multiple operations.\","
                  "\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]",
                  run_with(s, a, doc, o));
    o.opname = "B";
    ASSERT_EQ_STR("{\"data\":{\"b\":2}}", run_with(s, a, doc, o));
    o.opname = "C";
    ASSERT_EQ_STR("PREPARE [{\"message\":\"Unknown operation named \\\"C\\\".\",\"extensions\":{\"code\":"
                  "\"BAD_USER_INPUT\"}}]",
                  run_with(s, a, doc, o));
    gql_arena_free(a);
    gql_schema_free(s);
    /* A schema without mutations cannot run one. */
    s = schema_of("type Query { a: Int }");
    ASSERT(s != NULL);
    a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    const char *q = "mutation { a }";
    gql_document_t *d = gql_parse(a, q, strlen(q), NULL, &e);
    ASSERT(d != NULL);
    gql_request_t req = {s, d, NULL, NULL, NULL, NULL, a, NULL, NULL};
    gql_operation_t *op;
    ASSERT_EQ_INT(GQL_EFAIL, gql_prepare(&req, &op, &e));
    ASSERT_EQ_STR("Schema is not configured to execute mutation operation.", e.items[0].message);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(mutations_run_serially)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_schema_bind(s, "Mutation", "first", log_call, NULL);
    gql_schema_bind(s, "Mutation", "second", log_call, NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_buf_t log = GQL_BUF_INIT;
    run_opts_t o = {NULL, NULL, NULL, &log};
    ASSERT_EQ_STR("{\"data\":{\"x\":10,\"first\":19,\"y\":29}}",
                  run_with(s, a, "mutation { x: second(n: 1) first(n: 2) y: second(n: 3) }", o));
    ASSERT_EQ_STR("second(1) first(2) second(3) ", gql_buf_cstr(&log));
    gql_buf_free(&log);
    gql_arena_free(a);
    gql_schema_free(s);
}

/* Prepares `query` against `s` in `a` with `data` as root value. */
static gql_operation_t *prepare(gql_schema_t *s, gql_arena_t *a, const char *query, const char *vars,
                                gql_iv_t *data_store, const char *data)
{
    gql_json_parse(a, data ? data : "{}", strlen(data ? data : "{}"), data_store, NULL, 0);
    gql_errors_t e;
    const char *stage;
    return th_prepare(s, a, query, (th_request_t){vars, data_store, NULL, NULL}, &e, &stage);
}

TEST(pending_and_resume)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_schema_bind(s, "Query", "later", answer_later, NULL);
    gql_schema_bind(s, "Query", "nnLater", answer_later, NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_iv_t data;
    gql_operation_t *op = prepare(s, a, "{ a later b }", NULL, &data, "{\"a\":\"x\",\"b\":2}");
    ASSERT(op != NULL);
    gql_buf_t out = GQL_BUF_INIT;
    gql_buf_puts(&out, "PREFIX:"); /* responses may follow other bytes in the buffer */
    ASSERT_EQ_INT(GQL_PENDING, gql_execute(op, NULL, &out));
    ASSERT_EQ_INT(GQL_EINVAL, gql_execute(op, NULL, &out)); /* busy */
    gql_rv_t v = {.kind = GQL_RV_STRING, .u.s = {"done", 4}};
    ASSERT_EQ_INT(0, gql_resume(op, &v, &out));
    ASSERT_EQ_STR("PREFIX:{\"data\":{\"a\":\"x\",\"later\":\"done\",\"b\":2}}", gql_buf_cstr(&out));
    ASSERT_EQ_INT(GQL_EINVAL, gql_resume(op, &v, &out)); /* nothing pending */

    /* A pending answer that is an error, for a non-null field: data null. */
    op = prepare(s, a, "{ a nnLater b }", NULL, &data, "{\"a\":\"x\",\"b\":2}");
    ASSERT(op != NULL);
    out.len = 0;
    ASSERT_EQ_INT(GQL_PENDING, gql_execute(op, NULL, &out));
    gql_rv_t err = {.kind = GQL_RV_ERROR, .u.s = {"timeout", 7}};
    ASSERT_EQ_INT(0, gql_resume(op, &err, &out));
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"timeout\",\"locations\":[{\"line\":1,\"column\":5}],\"path\":["
                  "\"nnLater\"]}],\"data\":null}",
                  gql_buf_cstr(&out));
    gql_buf_free(&out);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(subscriptions_two_steps)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_schema_bind(s, "Subscription", "events", event_field, NULL);
    ASSERT_EQ_INT(0, gql_schema_bind_subscribe(s, "events", open_stream, NULL));
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_iv_t data;
    const char *q = "subscription S($t: String!) { ev: events(topic: $t) { n topic } }";
    gql_operation_t *op = prepare(s, a, q, "{\"t\":\"money\"}", &data, NULL);
    ASSERT(op != NULL);
    ASSERT_EQ_INT(GQL_OP_SUBSCRIPTION, gql_operation_type(op));
    ASSERT_EQ_STR("S", gql_operation_name(op));
    const gql_args_t *args = NULL;
    ASSERT_EQ_STR("events", gql_subscription_field(op, &args));
    ASSERT(args != NULL && gql_arg(args, "topic") != NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    void *stream = NULL;
    ASSERT_EQ_INT(0, gql_subscribe(op, &stream, &e));
    ASSERT_EQ_STR("money", (const char *)stream);
    /* Each event is executed with the event as root value. */
    gql_iv_t ev1, ev2;
    const char *e1 = "{\"events\":{\"n\":1,\"topic\":\"money\"}}", *e2 = "{\"events\":{\"n\":2}}";
    ASSERT_EQ_INT(0, gql_json_parse(a, e1, strlen(e1), &ev1, NULL, 0));
    ASSERT_EQ_INT(0, gql_json_parse(a, e2, strlen(e2), &ev2, NULL, 0));
    gql_buf_t out = GQL_BUF_INIT;
    ASSERT_EQ_INT(0, gql_execute(op, &ev1, &out));
    ASSERT_EQ_STR("{\"data\":{\"ev\":{\"n\":1,\"topic\":\"money\"}}}", gql_buf_cstr(&out));
    out.len = 0;
    ASSERT_EQ_INT(0, gql_execute(op, &ev2, &out));
    ASSERT_EQ_STR("{\"data\":{\"ev\":{\"n\":2,\"topic\":null}}}", gql_buf_cstr(&out));
    gql_buf_free(&out);

    /* Same text and variables: same key; other variables: another key. */
    gql_operation_t *op2 = prepare(s, a, q, "{\"t\":\"money\"}", &data, NULL);
    gql_operation_t *op3 = prepare(s, a, q, "{\"t\":\"other\"}", &data, NULL);
    ASSERT(op2 != NULL && op3 != NULL);
    ASSERT(gql_subscription_key(op) == gql_subscription_key(op2));
    ASSERT(gql_subscription_key(op) != gql_subscription_key(op3));

    /* The source stream may refuse. */
    gql_operation_t *op4 = prepare(s, a, q, "{\"t\":\"forbidden\"}", &data, NULL);
    ASSERT(op4 != NULL);
    ASSERT_EQ_INT(GQL_EFAIL, gql_subscribe(op4, &stream, &e));
    ASSERT(stream == NULL);
    ASSERT_EQ_STR("Not allowed to listen to forbidden.", e.items[0].message);
    ASSERT_EQ_STR("[\"ev\"]", e.items[0].path_json);
    /* Not a subscription. */
    gql_operation_t *op5 = prepare(s, a, "{ a }", NULL, &data, NULL);
    ASSERT(op5 != NULL);
    ASSERT_EQ_INT(GQL_EFAIL, gql_subscribe(op5, &stream, &e));
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(scratch_arena_keeps_subscription_arena_flat)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_schema_bind(s, "Subscription", "events", event_field, NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_arena_t *scratch = gql_arena_new(0, NULL);
    gql_iv_t data, ev;
    gql_operation_t *op = prepare(s, a, "subscription { events(topic: \"t\") { n topic } }", NULL, &data, NULL);
    ASSERT(op != NULL);
    const char *e1 = "{\"events\":{\"n\":1,\"topic\":\"!err:bad topic\"}}";
    ASSERT_EQ_INT(0, gql_json_parse(scratch, e1, strlen(e1), &ev, NULL, 0));
    gql_buf_t out = GQL_BUF_INIT;
    ASSERT_EQ_INT(0, gql_execute_scratch(op, &ev, scratch, &out)); /* builds the plans */
    size_t flat = gql_arena_bytes(a);
    for (int i = 0; i < 2000; i++) {
        gql_arena_reset(scratch);
        ASSERT_EQ_INT(0, gql_json_parse(scratch, e1, strlen(e1), &ev, NULL, 0));
        out.len = 0;
        ASSERT_EQ_INT(0, gql_execute_scratch(op, &ev, scratch, &out));
    }
    ASSERT_EQ_STR("{\"errors\":[{\"message\":\"bad topic\",\"locations\":[{\"line\":1,\"column\":39}],\"path\":["
                  "\"events\",\"topic\"]}],\"data\":{\"events\":{\"n\":1,\"topic\":null}}}",
                  gql_buf_cstr(&out));
    ASSERT_EQ_INT(flat, gql_arena_bytes(a));
    gql_buf_free(&out);
    gql_arena_free(scratch);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(introspection_through_executor)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    ASSERT_EQ_STR("{\"data\":{\"__type\":{\"name\":\"Color\",\"kind\":\"ENUM\",\"enumValues\":[{\"name\":\"RED\"},{"
                  "\"name\":\"GREEN\"}]},\"__schema\":{\"queryType\":{\"name\":\"Query\"}}}}",
                  run(s, a,
                      "{ __type(name: \"Color\") { name kind enumValues { name } } "
                      "__schema { queryType { name } } }",
                      NULL));
    gql_arena_free(a);
    gql_schema_free(s);
}

static const char *const odd_strings[] = {
    "plain ascii longer than eight bytes",
    "quote\" at 6",
    "0123456789abcde\\",
    "tab\there",
    "\x01"
    "ctl",
    "\xE2\x82\xAC"
    "1.234,56 euro",
    "bad \xFF byte",
    "truncated \xE2\x82",
    "surrogate \xED\xA0\x80 x",
    "overlong \xC0\xAF",
    "four \xF0\x9F\x98\x80 bytes",
    "",
    "12345678\"",
};

static void odd_string(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    const char *s = odd_strings[*(const size_t *)info->context];
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = strlen(s);
}

/* Strings are written with a fast path; the shared writer is the oracle. */
TEST(strings_escape_like_the_shared_writer)
{
    gql_schema_t *s = schema_of(SDL);
    ASSERT(s != NULL);
    gql_schema_bind(s, "Query", "a", odd_string, NULL);
    gql_schema_bind(s, "Query", "e", odd_string, NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    for (size_t i = 0; i < sizeof(odd_strings) / sizeof(odd_strings[0]); i++) {
        run_opts_t o = {NULL, NULL, NULL, &i};
        gql_buf_t want = GQL_BUF_INIT;
        gql_buf_puts(&want, "{\"data\":{\"a\":");
        gql_buf_json_string(&want, odd_strings[i], strlen(odd_strings[i]));
        gql_buf_puts(&want, ",\"e\":");
        gql_buf_json_string(&want, odd_strings[i], strlen(odd_strings[i]));
        gql_buf_puts(&want, "}}");
        const char *got = run_with(s, a, "{ a e }", o);
        bool same = strcmp(gql_buf_cstr(&want), got) == 0;
        if (!same)
            fprintf(stderr, "  string %zu: want %s got %s\n", i, gql_buf_cstr(&want), got);
        gql_buf_free(&want);
        ASSERT(same);
    }
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(bad_calls)
{
    ASSERT_EQ_INT(GQL_EINVAL, gql_prepare(NULL, NULL, NULL));
    ASSERT_EQ_INT(GQL_EINVAL, gql_execute(NULL, NULL, NULL));
    ASSERT_EQ_INT(GQL_EINVAL, gql_resume(NULL, NULL, NULL));
    ASSERT_EQ_INT(GQL_EINVAL, gql_subscribe(NULL, NULL, NULL));
}

TEST_MAIN(TEST_ENTRY(scalars_and_nesting), TEST_ENTRY(leaf_serialization_errors), TEST_ENTRY(null_propagation),
          TEST_ENTRY(fragments_directives_and_merging), TEST_ENTRY(abstract_types_and_typename),
          TEST_ENTRY(arguments_and_variables), TEST_ENTRY(variable_errors), TEST_ENTRY(operation_selection),
          TEST_ENTRY(mutations_run_serially), TEST_ENTRY(pending_and_resume), TEST_ENTRY(subscriptions_two_steps),
          TEST_ENTRY(scratch_arena_keeps_subscription_arena_flat), TEST_ENTRY(introspection_through_executor),
          TEST_ENTRY(strings_escape_like_the_shared_writer), TEST_ENTRY(bad_calls))
