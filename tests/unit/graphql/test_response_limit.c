/*
 * Unit tests of gql_limits_t.max_response_bytes in execute.c: the response
 * is bounded while it is written, not after.
 *
 * The schema has a list of rows whose resolvers count their calls, so the
 * tests see how far execution went: past the bound nothing more is
 * resolved, and the bytes written never pass the bound by more than one
 * row. Also: the exact error response, the bound itself (a response of
 * exactly N bytes passes a bound of N, not N - 1), field errors dropped
 * with their data, 0 as "no bound", subscription events (one over the
 * bound, the next one not), and a pending root field resumed with a value
 * too large.
 */
#include "helpers.h"

#define ROWS 10000
#define TEXT 100 /* bytes of each row's text */

typedef struct counters {
    size_t rows_resolved; /* Row.text calls */
} counters_t;

static counters_t counters;
static char text[TEXT + 1];
static gql_rv_t rows[ROWS];

static void resolve_rows(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)parent;
    const gql_iv_t *n = gql_arg(args, "n");
    out->kind = GQL_RV_LIST;
    out->u.list.items = rows;
    out->u.list.count = n != NULL && n->kind == GQL_IV_INT && n->u.i >= 0 && n->u.i < ROWS ? (size_t)n->u.i : ROWS;
}

static void resolve_text(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)parent, (void)args;
    counters.rows_resolved++;
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = text;
    out->u.s.len = TEXT;
}

static void resolve_broken(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)parent, (void)args;
    out->kind = GQL_RV_ERROR;
    out->u.s.ptr = "broken";
    out->u.s.len = 6;
}

/* Subscription.row and Query.later: the root value (the event), or later. */
static void resolve_event(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    if (strcmp(info->field_name, "later") == 0) {
        out->kind = GQL_RV_PENDING;
        return;
    }
    if (parent != NULL)
        *out = *(const gql_rv_t *)parent;
}

static int subscribe(const gql_resolve_info_t *info, const gql_args_t *args, void **stream, const char **error)
{
    (void)info, (void)args, (void)error;
    *stream = &counters;
    return 0;
}

static gql_schema_t *schema(void)
{
    const char *sdl = "type Query { rows(n: Int): [Row] broken: String later: [Row] }\n"
                      "type Row { text: String }\n"
                      "type Subscription { row: [Row] }";
    gql_schema_t *s = th_schema(sdl, strlen(sdl));
    if (s == NULL)
        return NULL;
    memset(text, 'x', TEXT);
    for (size_t i = 0; i < ROWS; i++) {
        rows[i].kind = GQL_RV_OBJECT;
        rows[i].u.obj.ptr = &rows[i];
    }
    if (gql_schema_bind(s, "Query", "rows", resolve_rows, NULL) != 0 ||
        gql_schema_bind(s, "Row", "text", resolve_text, NULL) != 0 ||
        gql_schema_bind(s, "Query", "broken", resolve_broken, NULL) != 0 ||
        gql_schema_bind(s, "Query", "later", resolve_event, NULL) != 0 ||
        gql_schema_bind(s, "Subscription", "row", resolve_event, NULL) != 0 ||
        gql_schema_bind_subscribe(s, "row", subscribe, NULL) != 0) {
        gql_schema_free(s);
        return NULL;
    }
    return s;
}

/* Prepares `query` with max_response_bytes = `max` in arena `a`. */
static gql_operation_t *prepare(const gql_schema_t *s, gql_arena_t *a, const char *query, size_t max,
                                gql_limits_t *limits)
{
    *limits = gql_limits_default();
    limits->max_response_bytes = max;
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    gql_document_t *doc = gql_parse(a, query, strlen(query), limits, &e);
    if (doc == NULL || gql_validate(s, doc, limits, &e) != 0)
        return NULL;
    gql_request_t req = {.schema = s, .document = doc, .arena = a, .limits = limits};
    gql_operation_t *op = NULL;
    return gql_prepare(&req, &op, &e) == 0 ? op : NULL;
}

static const char TOO_LARGE_65536[] =
    "{\"errors\":[{\"message\":\"Response too large: over 65536 bytes (graphql.limits.max_response_bytes)\","
    "\"extensions\":{\"code\":\"RESPONSE_TOO_LARGE\"}}],\"data\":null}";

TEST(stops_while_writing)
{
    gql_schema_t *s = schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_limits_t lim;
    gql_operation_t *op = prepare(s, a, "{ rows { text } }", 65536, &lim);
    ASSERT(op != NULL);
    counters.rows_resolved = 0;
    gql_buf_t out = GQL_BUF_INIT;
    ASSERT_EQ_INT(0, gql_execute(op, NULL, &out));
    ASSERT_EQ_STR(TOO_LARGE_65536, gql_buf_cstr(&out));
    /* a row is {"text":"x..."} and its comma, 112 bytes: the execution
     * stopped at the first row past the bound, not after 10,000 */
    size_t row = TEXT + 12;
    EXPECT(counters.rows_resolved <= 65536 / row + 1);
    EXPECT(counters.rows_resolved >= 65536 / row - 1);
    /* the buffer grew to the bound and one row, never to the 1.1 MB asked */
    EXPECT(out.cap <= 2 * 65536);
    gql_buf_free(&out);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(the_bound_is_inclusive)
{
    gql_schema_t *s = schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_limits_t lim;
    /* the size of the whole response without a bound */
    gql_operation_t *op = prepare(s, a, "{ rows(n: 50) { text } }", 0, &lim);
    ASSERT(op != NULL);
    gql_buf_t full = GQL_BUF_INIT;
    ASSERT_EQ_INT(0, gql_execute(op, NULL, &full));
    ASSERT(strstr(gql_buf_cstr(&full), "errors") == NULL);
    size_t n = full.len;
    /* a bound of exactly that passes it unchanged */
    op = prepare(s, a, "{ rows(n: 50) { text } }", n, &lim);
    gql_buf_t out = GQL_BUF_INIT;
    ASSERT_EQ_INT(0, gql_execute(op, NULL, &out));
    ASSERT_EQ_STR(gql_buf_cstr(&full), gql_buf_cstr(&out));
    /* one byte less is too large, though only the closing braces passed it */
    op = prepare(s, a, "{ rows(n: 50) { text } }", n - 1, &lim);
    out.len = 0;
    ASSERT_EQ_INT(0, gql_execute(op, NULL, &out));
    ASSERT(strstr(gql_buf_cstr(&out), "\"code\":\"RESPONSE_TOO_LARGE\"") != NULL);
    gql_buf_free(&out);
    gql_buf_free(&full);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(field_errors_go_with_the_data)
{
    gql_schema_t *s = schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_limits_t lim;
    gql_operation_t *op = prepare(s, a, "{ broken rows { text } }", 65536, &lim);
    ASSERT(op != NULL);
    gql_buf_t out = GQL_BUF_INIT;
    ASSERT_EQ_INT(0, gql_execute(op, NULL, &out));
    ASSERT_EQ_STR(TOO_LARGE_65536, gql_buf_cstr(&out));
    /* under the bound the field error is there as usual */
    op = prepare(s, a, "{ broken rows(n: 2) { text } }", 65536, &lim);
    out.len = 0;
    ASSERT_EQ_INT(0, gql_execute(op, NULL, &out));
    ASSERT(strstr(gql_buf_cstr(&out), "\"message\":\"broken\"") != NULL);
    gql_buf_free(&out);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(zero_means_no_bound)
{
    gql_schema_t *s = schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_limits_t lim;
    gql_operation_t *op = prepare(s, a, "{ rows { text } }", 0, &lim);
    ASSERT(op != NULL);
    counters.rows_resolved = 0;
    gql_buf_t out = GQL_BUF_INIT;
    ASSERT_EQ_INT(0, gql_execute(op, NULL, &out));
    ASSERT_EQ_INT(ROWS, counters.rows_resolved);
    EXPECT(out.len > (size_t)ROWS * (TEXT + 12));
    gql_buf_free(&out);
    gql_arena_free(a);
    gql_schema_free(s);
}

/* Each event is bounded on its own: a large one gets the error as its
 * payload, the next small one its data. */
TEST(subscription_events)
{
    gql_schema_t *s = schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_limits_t lim;
    gql_operation_t *op = prepare(s, a, "subscription { row { text } }", 65536, &lim);
    ASSERT(op != NULL);
    void *stream = NULL;
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    ASSERT_EQ_INT(0, gql_subscribe(op, &stream, &e));
    gql_rv_t big = {.kind = GQL_RV_LIST}, small = {.kind = GQL_RV_LIST};
    big.u.list.items = rows;
    big.u.list.count = ROWS;
    small.u.list.items = rows;
    small.u.list.count = 1;
    gql_arena_t *scratch = gql_arena_new(0, NULL);
    gql_buf_t out = GQL_BUF_INIT;
    ASSERT_EQ_INT(0, gql_execute_scratch(op, &big, scratch, &out));
    ASSERT_EQ_STR(TOO_LARGE_65536, gql_buf_cstr(&out));
    gql_arena_reset(scratch);
    out.len = 0;
    ASSERT_EQ_INT(0, gql_execute_scratch(op, &small, scratch, &out));
    char expected[256];
    snprintf(expected, sizeof expected, "{\"data\":{\"row\":[{\"text\":\"%s\"}]}}", text);
    ASSERT_EQ_STR(expected, gql_buf_cstr(&out));
    gql_buf_free(&out);
    gql_arena_free(scratch);
    gql_arena_free(a);
    gql_schema_free(s);
}

/* A root field that answered later is bounded when it is resumed. */
TEST(resumed_value)
{
    gql_schema_t *s = schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_limits_t lim;
    gql_operation_t *op = prepare(s, a, "{ later { text } }", 65536, &lim);
    ASSERT(op != NULL);
    gql_buf_t out = GQL_BUF_INIT;
    ASSERT_EQ_INT(GQL_PENDING, gql_execute(op, NULL, &out));
    gql_rv_t big = {.kind = GQL_RV_LIST};
    big.u.list.items = rows;
    big.u.list.count = ROWS;
    ASSERT_EQ_INT(0, gql_resume(op, &big, &out));
    ASSERT_EQ_STR(TOO_LARGE_65536, gql_buf_cstr(&out));
    gql_buf_free(&out);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST_MAIN(TEST_ENTRY(stops_while_writing), TEST_ENTRY(the_bound_is_inclusive),
          TEST_ENTRY(field_errors_go_with_the_data), TEST_ENTRY(zero_means_no_bound), TEST_ENTRY(subscription_events),
          TEST_ENTRY(resumed_value))
