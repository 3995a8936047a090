/*
 * Unit tests of the execution plans kept with a cached document (execute.c
 * and cache.c, gql_request_t.cached): a query run on a document cache entry
 * answers byte for byte what the same query parsed for the request answers,
 * on the request that plans and on every request after it that runs on the
 * kept plans, whatever the variables. Covered: @skip/@include reading
 * variables (one variant per truth of those variables, more combinations
 * than the plans keep, more variables than a variant key holds), arguments
 * reading variables (coerced per request, errors included), fragments on
 * several object types, abstract fields whose runtime type changes between
 * requests, pending root fields, subscriptions with several subscribers, and
 * an entry that is not the request's document.
 *
 * Data comes from JSON as in test_execute.c: a generic resolver reads each
 * field from its parent object, "!err:msg" is a field error and an object's
 * "__type" member names its runtime type.
 */
#include "helpers.h"

/* JSON value -> resolved value (see the header comment). */
static void rv_from_iv(gql_arena_t *a, const gql_iv_t *v, gql_rv_t *out)
{
    memset(out, 0, sizeof(*out));
    switch (v->kind) {
    case GQL_IV_NULL:
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
        out->kind = strncmp(v->u.s.ptr, "!err:", 5) == 0 ? GQL_RV_ERROR : GQL_RV_STRING;
        out->u.s.ptr = out->kind == GQL_RV_ERROR ? v->u.s.ptr + 5 : v->u.s.ptr;
        out->u.s.len = out->kind == GQL_RV_ERROR ? v->u.s.len - 5 : v->u.s.len;
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
        const gql_iv_t *t = gql_iv_get(v, "__type");
        out->kind = GQL_RV_OBJECT;
        out->u.obj.ptr = v;
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

/* Answers the coerced arguments as a JSON object (a custom scalar). When
 * the context is not NULL it is a `const gql_args_t **` that receives the
 * arguments' address. */
static void echo_args(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    if (info->context != NULL)
        *(const gql_args_t **)info->context = args;
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

static void answer_later(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)parent, (void)args;
    out->kind = GQL_RV_PENDING;
}

static int open_stream(const gql_resolve_info_t *info, const gql_args_t *args, void **stream, const char **error)
{
    (void)info, (void)error;
    const gql_iv_t *topic = gql_arg(args, "topic");
    if (topic == NULL || topic->kind != GQL_IV_STRING)
        return GQL_EINVAL;
    *stream = (void *)topic->u.s.ptr;
    return 0;
}

static const char *SDL = "scalar JSON\n"
                         "enum Color { RED GREEN }\n"
                         "interface Named { name: String }\n"
                         "type Dog implements Named { name: String barks: Boolean owner: Item }\n"
                         "type Cat implements Named { name: String meows: Boolean owner: Item }\n"
                         "union Pet = Dog | Cat\n"
                         "type Item { id: ID! name: String! tags: [String!] child: Item }\n"
                         "input Filter { min: Int = 0, max: Int!, names: [String] }\n"
                         "type Query {\n"
                         "  a: String b: Int c: Float d: Boolean e: ID color: Color raw: JSON\n"
                         "  nn: String! item: Item items: [Item] strictItems: [Item!]!\n"
                         "  pets: [Pet] named: [Named] pet: Pet\n"
                         "  echo(i: Int, s: String, l: [Int], f: Filter, c: Color, d: Int = 7, req: Int!): JSON\n"
                         "  echo2(i: Int, l: [Int], f: Filter): JSON\n"
                         "  later: String nnLater: String!\n"
                         "}\n"
                         "type Event { topic: String n: Int }\n"
                         "type Subscription { events(topic: String!): Event }\n";

/* The schema with json_field on every field, echo_args on Query.echo and
 * echo2, answer_later on the two later fields and the events source. */
static gql_schema_t *test_schema(void)
{
    gql_schema_t *s = th_schema(SDL, strlen(SDL));
    for (size_t i = 0; s != NULL && i < s->ntypes; i++) {
        const gql_type_t *t = s->types[i];
        if (t->kind != GQL_KIND_OBJECT || t->name[0] == '_')
            continue;
        for (size_t j = 0; j < t->nfields; j++)
            gql_schema_bind(s, t->name, t->fields[j].name, json_field, NULL);
    }
    if (s != NULL) {
        gql_schema_bind(s, "Query", "echo", echo_args, NULL);
        gql_schema_bind(s, "Query", "echo2", echo_args, NULL);
        gql_schema_bind(s, "Query", "later", answer_later, NULL);
        gql_schema_bind(s, "Query", "nnLater", answer_later, NULL);
        gql_schema_bind_subscribe(s, "events", open_stream, NULL);
    }
    return s;
}

/* What one request is given. */
typedef struct req_in {
    const char *vars;    /* JSON object text, or NULL */
    const char *data;    /* JSON root value, or NULL for {} */
    void *context;       /* handed to resolvers */
    gql_arena_t *arena;  /* the request arena; NULL: a fresh one, freed after */
    const gql_rv_t *now; /* answer for a pending root field, or NULL */
} req_in_t;

/* Runs `query` as one request: on `cached` (its document) when not NULL,
 * else on a document parsed and validated for the request. Returns the
 * response, or "<STAGE> <errors>" when a step before execution fails, as a
 * copy in `keep`. */
static const char *request(gql_schema_t *s, gql_cached_doc_t *cached, const char *query, req_in_t in, gql_arena_t *keep)
{
    gql_arena_t *a = in.arena != NULL ? in.arena : gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 50);
    const char *r = NULL;
    const gql_document_t *doc = cached != NULL ? gql_cached_doc_document(cached) : NULL;
    if (cached == NULL) {
        gql_document_t *parsed = gql_parse(a, query, strlen(query), NULL, &e);
        if (parsed == NULL || gql_validate(s, parsed, NULL, &e) != 0)
            r = th_errors_json(keep, "INVALID ", &e);
        doc = parsed;
    }
    gql_iv_t *vars = NULL, *data = gql_arena_alloc(a, sizeof(*data));
    const char *dj = in.data != NULL ? in.data : "{}";
    if (r == NULL && gql_json_parse(a, dj, strlen(dj), data, NULL, 0) != 0)
        r = "BAD DATA JSON";
    if (r == NULL && in.vars != NULL) {
        vars = gql_arena_alloc(a, sizeof(*vars));
        if (gql_json_parse(a, in.vars, strlen(in.vars), vars, NULL, 0) != 0)
            r = "BAD VARS JSON";
    }
    if (r == NULL) {
        gql_request_t req = {.schema = s,
                             .document = doc,
                             .variables = vars,
                             .context = in.context,
                             .root_value = data,
                             .arena = a,
                             .cached = cached};
        gql_operation_t *op = NULL;
        gql_buf_t out = GQL_BUF_INIT;
        if (gql_prepare(&req, &op, &e) != 0) {
            r = th_errors_json(keep, "PREPARE ", &e);
        } else {
            int rc = gql_execute(op, NULL, &out);
            if (rc == GQL_PENDING && in.now != NULL)
                rc = gql_resume(op, in.now, &out);
            r = rc == 0 ? gql_arena_strdup(keep, gql_buf_cstr(&out)) : gql_arena_printf(keep, "RC %d", rc);
        }
        gql_buf_free(&out);
    }
    if (in.arena == NULL)
        gql_arena_free(a);
    return r;
}

/* Checks that `query` answers the same on the cache entry of `c` (twice:
 * the first request may plan, the second runs on kept plans) as parsed for
 * the request. Returns the response, or NULL after reporting a difference. */
static const char *same_both_ways(test_state_t *t_, gql_schema_t *s, gql_doc_cache_t *c, const char *query, req_in_t in,
                                  gql_arena_t *keep)
{
    gql_errors_t e;
    gql_errors_init(&e, keep, 10);
    gql_cached_doc_t *d = gql_doc_cache_get(c, query, strlen(query), NULL, &e);
    if (d == NULL) {
        FAIL_("not cached: %s", query);
        return NULL;
    }
    const char *parsed = request(s, NULL, query, in, keep);
    const char *first = request(s, d, query, in, keep);
    const char *again = request(s, d, query, in, keep);
    gql_doc_cache_release(d);
    if (strcmp(parsed, first) != 0 || strcmp(parsed, again) != 0) {
        FAIL_("%s with %s:\n    parsed: %s\n    cached: %s\n    again:  %s", query, in.vars ? in.vars : "no variables",
              parsed, first, again);
        return NULL;
    }
    return parsed;
}

TEST(cached_answers_as_parsed)
{
    gql_schema_t *s = test_schema();
    ASSERT(s != NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 100, NULL);
    gql_arena_t *keep = gql_arena_new(0, NULL);
    const char *data = "{\"a\":\"x\",\"b\":3,\"c\":1.5,\"d\":true,\"e\":7,\"color\":\"RED\",\"raw\":\"r\","
                       "\"item\":{\"id\":1,\"name\":\"n\",\"tags\":[\"t\",\"u\"],\"child\":{\"id\":2,\"name\":\"m\"}},"
                       "\"items\":[{\"id\":1,\"name\":\"p\"},{\"name\":\"q\"},{\"id\":3,\"name\":\"!err:boom\"}],"
                       "\"strictItems\":[{\"id\":1,\"name\":\"s\"},null]}";
    static const char *const queries[] = {
        "{ a b c d e color raw }",
        "{ item { id child { name } } x: item { tags } }",
        "{ item { ...F child { name } } ... on Query { a } item { name } } fragment F on Item { id child { id } }",
        "{ __typename item { __typename id } }",
        "{ items { id name } a }",
        "{ strictItems { id } a }",
        "{ a nn }",
        "{ a @skip(if: true) b @include(if: true) item @include(if: false) { id } }",
        "{ echo(req: 2, i: 1, s: \"x\", l: 5, f: {max: 3}, c: GREEN) echo2 }",
        "{ e1: echo(req: 1) e2: echo(req: 2, d: 3) }",
    };
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
        ASSERT(same_both_ways(t_, s, c, queries[i], (req_in_t){.data = data}, keep) != NULL);
    gql_doc_cache_free(c);
    gql_arena_free(keep);
    gql_schema_free(s);
}

TEST(include_and_skip_read_variables)
{
    gql_schema_t *s = test_schema();
    ASSERT(s != NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 10, NULL);
    gql_arena_t *keep = gql_arena_new(0, NULL);
    const char *q = "query($a: Boolean!, $b: Boolean = false) {\n"
                    "  item { id name @include(if: $a) ...F @skip(if: $b) child @include(if: $a) { id } }\n"
                    "  a @skip(if: $a) ... @include(if: $b) { b }\n"
                    "}\n"
                    "fragment F on Item { tags child @skip(if: $b) { name } }";
    const char *data = "{\"a\":\"x\",\"b\":1,\"item\":{\"id\":1,\"name\":\"n\",\"tags\":[\"t\"],"
                       "\"child\":{\"id\":2,\"name\":\"m\"}}}";
    /* The same entry, one variant after another and back. */
    ASSERT_EQ_STR("{\"data\":{\"item\":{\"id\":\"1\",\"name\":\"n\",\"tags\":[\"t\"],\"child\":{\"name\":\"m\",\"id\":"
                  "\"2\"}}}}",
                  same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"a\":true}", .data = data}, keep));
    ASSERT_EQ_STR("{\"data\":{\"item\":{\"id\":\"1\",\"tags\":[\"t\"],\"child\":{\"name\":\"m\"}},\"a\":\"x\"}}",
                  same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"a\":false}", .data = data}, keep));
    ASSERT_EQ_STR("{\"data\":{\"item\":{\"id\":\"1\",\"name\":\"n\",\"child\":{\"id\":\"2\"}},\"b\":1}}",
                  same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"a\":true,\"b\":true}", .data = data}, keep));
    ASSERT_EQ_STR("{\"data\":{\"item\":{\"id\":\"1\"},\"a\":\"x\",\"b\":1}}",
                  same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"a\":false,\"b\":true}", .data = data}, keep));
    ASSERT_EQ_STR("{\"data\":{\"item\":{\"id\":\"1\",\"name\":\"n\",\"tags\":[\"t\"],\"child\":{\"name\":\"m\",\"id\":"
                  "\"2\"}}}}",
                  same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"a\":true,\"b\":false}", .data = data}, keep));
    /* A variable error is a request error either way. */
    ASSERT(same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"a\":1}", .data = data}, keep) != NULL);
    gql_doc_cache_free(c);
    gql_arena_free(keep);
    gql_schema_free(s);
}

TEST(more_combinations_than_variants)
{
    gql_schema_t *s = test_schema();
    ASSERT(s != NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 10, NULL);
    gql_arena_t *keep = gql_arena_new(0, NULL);
    const char *data = "{\"a\":\"x\",\"b\":1,\"c\":2.5,\"d\":false,\"item\":{\"id\":1,\"name\":\"n\"}}";
    /* Four variables: sixteen combinations, twice each, in two orders:
     * more than the variants kept, so later ones plan per request. */
    const char *q = "query($w: Boolean!, $x: Boolean!, $y: Boolean!, $z: Boolean!) {\n"
                    "  a @include(if: $w) b @skip(if: $x) item { id ... @include(if: $y) { name } }\n"
                    "  c @include(if: $z) d @skip(if: $w)\n"
                    "}";
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 16; k++) {
            int m = round == 0 ? k : 15 - k;
            char vars[128];
            snprintf(vars, sizeof(vars), "{\"w\":%s,\"x\":%s,\"y\":%s,\"z\":%s}", m & 1 ? "true" : "false",
                     m & 2 ? "true" : "false", m & 4 ? "true" : "false", m & 8 ? "true" : "false");
            ASSERT(same_both_ways(t_, s, c, q, (req_in_t){.vars = vars, .data = data}, keep) != NULL);
        }
    }
    /* 65 variables read by @include: more than a variant key holds, so
     * the document's requests plan for themselves. */
    gql_buf_t big = GQL_BUF_INIT, vars = GQL_BUF_INIT;
    gql_buf_puts(&big, "query(");
    for (int i = 0; i < 65; i++)
        gql_buf_printf(&big, "%s$v%d: Boolean!", i ? ", " : "", i);
    gql_buf_puts(&big, ") { item { id ");
    for (int i = 0; i < 65; i++)
        gql_buf_printf(&big, "n%d: name @include(if: $v%d) ", i, i);
    gql_buf_puts(&big, "} }");
    for (int round = 0; round < 3; round++) {
        vars.len = 0;
        gql_buf_putc(&vars, '{');
        for (int i = 0; i < 65; i++)
            gql_buf_printf(&vars, "%s\"v%d\":%s", i ? "," : "", i, (i + round) % 3 == 0 ? "true" : "false");
        gql_buf_putc(&vars, '}');
        ASSERT(same_both_ways(t_, s, c, gql_buf_cstr(&big), (req_in_t){.vars = gql_buf_cstr(&vars), .data = data},
                              keep) != NULL);
    }
    gql_buf_free(&big);
    gql_buf_free(&vars);
    gql_doc_cache_free(c);
    gql_arena_free(keep);
    gql_schema_free(s);
}

TEST(fragments_on_object_types_and_abstract_fields)
{
    gql_schema_t *s = test_schema();
    ASSERT(s != NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 10, NULL);
    gql_arena_t *keep = gql_arena_new(0, NULL);
    const char *q = "query($full: Boolean = true) {\n"
                    "  pets { __typename ... on Dog { barks owner { id } } ... on Named { name } ...C }\n"
                    "  named { name ... on Cat { meows } ... on Dog @include(if: $full) { barks } }\n"
                    "  pet { ...D ...C }\n"
                    "}\n"
                    "fragment C on Cat { meows owner { name } }\n"
                    "fragment D on Dog { name owner { id name } }";
    const char *dogs_and_cats =
        "{\"pets\":[{\"__type\":\"Dog\",\"name\":\"rex\",\"barks\":true,\"owner\":{\"id\":1,\"name\":\"o\"}},"
        "{\"__type\":\"Cat\",\"name\":\"tom\",\"meows\":false,\"owner\":{\"id\":2,\"name\":\"p\"}},null],"
        "\"named\":[{\"__type\":\"Cat\",\"name\":\"kit\",\"meows\":true},{\"__type\":\"Dog\",\"name\":\"fido\","
        "\"barks\":false}],"
        "\"pet\":{\"__type\":\"Dog\",\"name\":\"rex\",\"owner\":{\"id\":3,\"name\":\"q\"}}}";
    ASSERT_EQ_STR("{\"data\":{\"pets\":[{\"__typename\":\"Dog\",\"barks\":true,\"owner\":{\"id\":\"1\"},\"name\":"
                  "\"rex\"},{\"__typename\":\"Cat\",\"name\":\"tom\",\"meows\":false,\"owner\":{\"name\":\"p\"}},null],"
                  "\"named\":[{\"name\":\"kit\",\"meows\":true},{\"name\":\"fido\",\"barks\":false}],\"pet\":{\"name\":"
                  "\"rex\",\"owner\":{\"id\":\"3\",\"name\":\"q\"}}}}",
                  same_both_ways(t_, s, c, q, (req_in_t){.data = dogs_and_cats}, keep));
    /* The same field resolved to the other type, to no type, to a type the
     * union does not hold, and to an unknown one, on the kept plans. */
    static const char *const pets[] = {
        "{\"pet\":{\"__type\":\"Cat\",\"meows\":true,\"owner\":{\"id\":4,\"name\":\"r\"}}}",
        "{\"pet\":{\"name\":\"nobody\"}}",
        "{\"pet\":{\"__type\":\"Item\",\"id\":1}}",
        "{\"pet\":{\"__type\":\"Nope\"}}",
        "{\"pets\":[{\"__type\":\"Cat\",\"owner\":{\"id\":5}},{\"__type\":\"Dog\",\"owner\":{\"id\":6}}]}",
    };
    for (size_t i = 0; i < sizeof(pets) / sizeof(pets[0]); i++) {
        ASSERT(same_both_ways(t_, s, c, q, (req_in_t){.data = pets[i]}, keep) != NULL);
        ASSERT(same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"full\":false}", .data = pets[i]}, keep) != NULL);
    }
    gql_doc_cache_free(c);
    gql_arena_free(keep);
    gql_schema_free(s);
}

TEST(arguments_read_variables)
{
    gql_schema_t *s = test_schema();
    ASSERT(s != NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 10, NULL);
    gql_arena_t *keep = gql_arena_new(0, NULL);
    const char *q = "query($x: Int, $n: Int, $absent: Int, $r: Int = 9, $m: Int) {\n"
                    "  v: echo(i: $x, l: [1, $absent], d: $n, req: $r)\n"
                    "  o: echo2(f: {max: 3, min: $m})\n"
                    "  fixed: echo(req: 5, f: {max: 1}, l: 2)\n"
                    "}";
    ASSERT_EQ_STR("{\"data\":{\"v\":{\"i\":4,\"l\":[1,null],\"d\":null,\"req\":9},\"o\":{\"f\":{\"min\":0,\"max\":3}},"
                  "\"fixed\":{\"l\":[2],\"f\":{\"min\":0,\"max\":1},\"d\":7,\"req\":5}}}",
                  same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"x\":4,\"n\":null}"}, keep));
    ASSERT_EQ_STR(
        "{\"data\":{\"v\":{\"i\":1,\"l\":[1,2],\"d\":3,\"req\":4},\"o\":{\"f\":{\"min\":5,\"max\":3}},"
        "\"fixed\":{\"l\":[2],\"f\":{\"min\":0,\"max\":1},\"d\":7,\"req\":5}}}",
        same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"x\":1,\"absent\":2,\"n\":3,\"r\":4,\"m\":5}"}, keep));
    /* An argument error that comes from a variable, located at the value. */
    ASSERT(same_both_ways(t_, s, c, q, (req_in_t){.vars = "{\"r\":null}"}, keep) != NULL);
    ASSERT(same_both_ways(t_, s, c, q, (req_in_t){.vars = "{}"}, keep) != NULL);

    /* Literal arguments are coerced once and kept with the document: two
     * requests alive at once see the same arguments; arguments that read
     * variables are each request's own. */
    const char *lq = "{ fixed: echo2(i: 1) }";
    const char *vq = "query($i: Int) { mine: echo2(i: $i) }";
    gql_errors_t e;
    gql_errors_init(&e, keep, 10);
    gql_cached_doc_t *ld = gql_doc_cache_get(c, lq, strlen(lq), NULL, &e);
    gql_cached_doc_t *vd = gql_doc_cache_get(c, vq, strlen(vq), NULL, &e);
    ASSERT(ld != NULL && vd != NULL);
    gql_arena_t *a1 = gql_arena_new(0, NULL), *a2 = gql_arena_new(0, NULL);
    const gql_args_t *seen1 = NULL, *seen2 = NULL;
    request(s, ld, lq, (req_in_t){.context = &seen1, .arena = a1}, keep);
    request(s, ld, lq, (req_in_t){.context = &seen2, .arena = a2}, keep);
    EXPECT(seen1 != NULL && seen1 == seen2);
    ASSERT_EQ_STR("{\"data\":{\"mine\":{\"i\":1}}}",
                  request(s, vd, vq, (req_in_t){.vars = "{\"i\":1}", .context = &seen1, .arena = a1}, keep));
    ASSERT_EQ_STR("{\"data\":{\"mine\":{\"i\":2}}}",
                  request(s, vd, vq, (req_in_t){.vars = "{\"i\":2}", .context = &seen2, .arena = a2}, keep));
    EXPECT(seen1 != NULL && seen2 != NULL && seen1 != seen2);
    gql_arena_free(a1);
    gql_arena_free(a2);
    gql_doc_cache_release(ld);
    gql_doc_cache_release(vd);
    gql_doc_cache_free(c);
    gql_arena_free(keep);
    gql_schema_free(s);
}

TEST(pending_root_fields)
{
    gql_schema_t *s = test_schema();
    ASSERT(s != NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 10, NULL);
    gql_arena_t *keep = gql_arena_new(0, NULL);
    const char *data = "{\"a\":\"x\",\"b\":2,\"item\":{\"id\":1,\"name\":\"n\"}}";
    gql_rv_t done = {.kind = GQL_RV_STRING, .u.s = {"done", 4}};
    gql_rv_t err = {.kind = GQL_RV_ERROR, .u.s = {"timeout", 7}};
    ASSERT_EQ_STR("{\"data\":{\"a\":\"x\",\"later\":\"done\",\"item\":{\"id\":\"1\"},\"b\":2}}",
                  same_both_ways(t_, s, c, "{ a later item { id } b }", (req_in_t){.data = data, .now = &done}, keep));
    ASSERT(same_both_ways(t_, s, c, "{ a later item { id } b }", (req_in_t){.data = data, .now = &err}, keep) != NULL);
    ASSERT(same_both_ways(t_, s, c, "{ a nnLater b }", (req_in_t){.data = data, .now = &err}, keep) != NULL);
    gql_doc_cache_free(c);
    gql_arena_free(keep);
    gql_schema_free(s);
}

/* Prepares the subscription `q` with `vars` on `cached` (or parsed when
 * NULL) in `a`; NULL on failure. */
static gql_operation_t *subscriber(gql_schema_t *s, gql_cached_doc_t *cached, gql_arena_t *a, const char *q,
                                   const char *vars)
{
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    const gql_document_t *doc = cached != NULL ? gql_cached_doc_document(cached) : NULL;
    if (doc == NULL) {
        gql_document_t *parsed = gql_parse(a, q, strlen(q), NULL, &e);
        if (parsed == NULL || gql_validate(s, parsed, NULL, &e) != 0)
            return NULL;
        doc = parsed;
    }
    gql_iv_t *v = gql_arena_alloc(a, sizeof(*v));
    if (v == NULL || gql_json_parse(a, vars, strlen(vars), v, NULL, 0) != 0)
        return NULL;
    gql_request_t req = {.schema = s, .document = doc, .variables = v, .arena = a, .cached = cached};
    gql_operation_t *op = NULL;
    void *stream = NULL;
    if (gql_prepare(&req, &op, &e) != 0 || gql_subscribe(op, &stream, &e) != 0)
        return NULL;
    return op;
}

TEST(subscribers_share_the_plans)
{
    gql_schema_t *s = test_schema();
    ASSERT(s != NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 10, NULL);
    const char *q = "subscription S($t: String!, $full: Boolean!) {\n"
                    "  ev: events(topic: $t) { n topic @include(if: $full) }\n"
                    "}";
    gql_errors_t e;
    gql_arena_t *keep = gql_arena_new(0, NULL);
    gql_errors_init(&e, keep, 10);
    gql_cached_doc_t *d = gql_doc_cache_get(c, q, strlen(q), NULL, &e);
    ASSERT(d != NULL);
    /* Three subscribers on the entry and one on a parsed document, each
     * with its own arena (as the gateway gives a subscription). */
    static const char *const vars[] = {"{\"t\":\"money\",\"full\":true}", "{\"t\":\"other\",\"full\":true}",
                                       "{\"t\":\"money\",\"full\":false}", "{\"t\":\"money\",\"full\":true}"};
    gql_arena_t *arenas[4];
    gql_operation_t *ops[4];
    for (int i = 0; i < 4; i++) {
        arenas[i] = gql_arena_new(0, NULL);
        ops[i] = subscriber(s, i < 3 ? d : NULL, arenas[i], q, vars[i]);
        ASSERT(ops[i] != NULL);
    }
    const gql_args_t *args = NULL;
    ASSERT_EQ_STR("events", gql_subscription_field(ops[1], &args));
    ASSERT(args != NULL && gql_arg(args, "topic") != NULL);
    ASSERT_EQ_STR("other", gql_arg(args, "topic")->u.s.ptr);
    ASSERT_EQ_STR("events", gql_subscription_field(ops[0], &args));
    ASSERT_EQ_STR("money", gql_arg(args, "topic")->u.s.ptr);
    /* Events through a scratch arena, reset after each, as subs.c does. */
    gql_arena_t *scratch = gql_arena_new(0, NULL);
    static const char *const events[] = {"{\"events\":{\"n\":1,\"topic\":\"money\"}}", "{\"events\":{\"n\":2}}",
                                         "{\"events\":{\"n\":3,\"topic\":\"!err:bad\"}}", "{\"events\":null}"};
    gql_buf_t out = GQL_BUF_INIT, ref = GQL_BUF_INIT;
    for (size_t k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
        for (int i = 0; i < 3; i++) {
            gql_arena_reset(scratch);
            gql_iv_t ev;
            ASSERT_EQ_INT(0, gql_json_parse(scratch, events[k], strlen(events[k]), &ev, NULL, 0));
            out.len = 0;
            ASSERT_EQ_INT(0, gql_execute_scratch(ops[i], &ev, scratch, &out));
            if (i == 0) {
                ref.len = 0;
                ASSERT_EQ_INT(0, gql_execute_scratch(ops[3], &ev, scratch, &ref));
                ASSERT_EQ_STR(gql_buf_cstr(&ref), gql_buf_cstr(&out));
            }
            if (i == 2 && k == 0)
                ASSERT_EQ_STR("{\"data\":{\"ev\":{\"n\":1}}}", gql_buf_cstr(&out));
        }
    }
    gql_buf_free(&out);
    gql_buf_free(&ref);
    gql_arena_free(scratch);
    for (int i = 0; i < 4; i++)
        gql_arena_free(arenas[i]);
    gql_doc_cache_release(d);
    gql_doc_cache_free(c);
    gql_arena_free(keep);
    gql_schema_free(s);
}

TEST(entry_must_be_the_document)
{
    gql_schema_t *s = test_schema();
    ASSERT(s != NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 10, NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    gql_cached_doc_t *d1 = gql_doc_cache_get(c, "{ a }", 5, NULL, &e);
    gql_cached_doc_t *d2 = gql_doc_cache_get(c, "{ b }", 5, NULL, &e);
    ASSERT(d1 != NULL && d2 != NULL);
    gql_request_t req = {.schema = s, .document = gql_cached_doc_document(d1), .arena = a, .cached = d2};
    gql_operation_t *op = NULL;
    ASSERT_EQ_INT(GQL_EINVAL, gql_prepare(&req, &op, &e));
    gql_doc_cache_release(d1);
    gql_doc_cache_release(d2);
    gql_doc_cache_free(c);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST_MAIN(TEST_ENTRY(cached_answers_as_parsed), TEST_ENTRY(include_and_skip_read_variables),
          TEST_ENTRY(more_combinations_than_variants), TEST_ENTRY(fragments_on_object_types_and_abstract_fields),
          TEST_ENTRY(arguments_read_variables), TEST_ENTRY(pending_root_fields),
          TEST_ENTRY(subscribers_share_the_plans), TEST_ENTRY(entry_must_be_the_document))
