/*
 * test_pending.c — executions that wait (gateway/exec/pending.c), on one
 * loop built without a server run (loop_fixture.h) and a small schema whose
 * resolvers hold the execution and are answered by the test afterwards, as
 * a Kafka answer would be: a query field answered later; mutation fields
 * held one after the other (the second waits for the first, the output
 * keeps the document's order); a client that leaves first (done never runs,
 * the release function runs once, at the resume); a resolver that holds but
 * answers at once; gw_pending_hold outside an execution; a resolver that
 * answers "pending" without holding; the cancel hook of a hold
 * (gw_pending_on_cancel: runs once if the client leaves while it lasts, never
 * after its resume).
 */
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "exec/pending.h"
#include "loop_fixture.h"
#include "test.h"

static const char SDL[] = "type Query { plain: String later: String now: String unheld: String }\n"
                          "type Mutation { a: String b: String }\n";

/* One execution, as a transport keeps it: what gw_pending_execute borrows
 * lives here until done (or release) ran. */
typedef struct run {
    gql_arena_t *arena;
    gql_cached_doc_t *doc;
    gql_operation_t *op;
    gql_buf_t out; /* stays at this address: gql_resume writes on */
    gw_pending_t *p;
    int rc;
    int released; /* release() calls (after gw_pending_cancel) */
} run_t;

/* The test's state; the resolvers reach it through their field_data. */
typedef struct pend {
    loop_fixture_t fx;
    gql_schema_t *schema;
    gw_exec_t *exec;
    gw_exec_loop_t *L;
    /* what the resolvers saw */
    gw_pending_t *held;     /* the handle the last holding resolver got */
    gw_pending_t *held_now; /* the handle `now` got (answered at once) */
    char order[64];         /* root fields in the order they were resolved */
    /* the transport's callback */
    int done_calls;
    int done_rc;
    int gone_calls; /* the cancel hook of a holding resolver */
    char gone_field[16];
    char done_json[256];
} pend_t;

static void note(pend_t *st, const char *field)
{
    size_t n = strlen(st->order);
    snprintf(st->order + n, sizeof st->order - n, "%s%s", n ? "," : "", field);
}

static void answer_str(gql_rv_t *out, const char *s)
{
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = strlen(s);
}

/* The cancel hook resolve_held sets: which field's hold saw the client leave. */
static void on_gone(void *arg)
{
    pend_t *st = arg;
    st->gone_calls++;
    snprintf(st->gone_field, sizeof st->gone_field, "%s", st->order + strlen(st->order) - 1);
}

/* Holds the execution: the test answers with gw_pending_resume. */
static void resolve_held(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    pend_t *st = info->field_data;
    note(st, info->field_name);
    st->held = gw_pending_hold(info);
    if (st->held == NULL) {
        out->kind = GQL_RV_ERROR;
        out->u.s.ptr = "cannot wait here";
        out->u.s.len = strlen(out->u.s.ptr);
        return;
    }
    gw_pending_on_cancel(st->held, on_gone, st);
    out->kind = GQL_RV_PENDING;
}

/* Holds, then answers at once after all. */
static void resolve_now(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    pend_t *st = info->field_data;
    note(st, info->field_name);
    st->held_now = gw_pending_hold(info);
    answer_str(out, "at once");
}

static void resolve_plain(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    note(info->field_data, info->field_name);
    answer_str(out, "plain");
}

/* Answers "pending" without holding: a resolver bug. */
static void resolve_unheld(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    note(info->field_data, info->field_name);
    out->kind = GQL_RV_PENDING;
}

/* The schema, the loop and the exec layer on it. 0 or -1. */
static int setup(pend_t *st)
{
    memset(st, 0, sizeof *st);
    if (loop_fixture_init(&st->fx) != 0)
        return -1;
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t errs;
    gql_errors_init(&errs, a, 10);
    st->schema = gql_schema_build(SDL, sizeof SDL - 1, NULL, &errs, NULL);
    gql_arena_free(a);
    if (st->schema == NULL)
        return -1;
    if (gql_schema_bind(st->schema, "Query", "plain", resolve_plain, st) != 0 ||
        gql_schema_bind(st->schema, "Query", "later", resolve_held, st) != 0 ||
        gql_schema_bind(st->schema, "Query", "now", resolve_now, st) != 0 ||
        gql_schema_bind(st->schema, "Query", "unheld", resolve_unheld, st) != 0 ||
        gql_schema_bind(st->schema, "Mutation", "a", resolve_held, st) != 0 ||
        gql_schema_bind(st->schema, "Mutation", "b", resolve_held, st) != 0)
        return -1;
    gql_limits_t limits = gql_limits_default();
    if ((st->exec = gw_exec_new(&st->fx.server, st->schema, &limits, &(gw_cost_limits_t){0}, 16, 0)) == NULL)
        return -1;
    if (loop_fixture_start(&st->fx) != 0)
        return -1;
    st->L = gw_exec_loop(st->exec, st->fx.t);
    return st->L != NULL ? 0 : -1;
}

static void teardown(pend_t *st)
{
    loop_fixture_end(&st->fx);
    gw_exec_free(st->exec);
    loop_fixture_dispose(&st->fx);
    gql_schema_free(st->schema);
}

/* Frees what an execution used (the transport's part). */
static void run_free(run_t *r)
{
    gql_buf_free(&r->out);
    if (r->doc != NULL)
        gql_doc_cache_release(r->doc);
    gql_arena_free(r->arena);
    r->doc = NULL;
    r->arena = NULL;
}

/* The release function of gw_pending_cancel. */
static void run_release(void *data)
{
    run_t *r = data;
    r->released++;
    run_free(r);
}

/* Prepares `query` on the loop and runs it through gw_pending_execute.
 * 0, or -1 when it could not be prepared. */
static int start(pend_t *st, run_t *r, const char *query)
{
    memset(r, 0, sizeof *r);
    r->out = (gql_buf_t)GQL_BUF_INIT;
    r->arena = gw_exec_arena_new(st->L, 0);
    if (r->arena == NULL)
        return -1;
    gw_params_t params = {.query = query, .query_len = strlen(query)};
    gql_errors_t errs;
    gql_errors_init(&errs, r->arena, 10);
    if (gw_exec_prepare(st->L, &params, r->arena, NULL, &errs, &r->doc, &r->op) != 0)
        return -1;
    r->rc = gw_pending_execute(st->L, r->op, NULL, &r->out, r->arena, &r->p);
    return 0;
}

static void on_done(void *user, int rcode, gql_buf_t *out)
{
    pend_t *st = user;
    st->done_calls++;
    st->done_rc = rcode;
    snprintf(st->done_json, sizeof st->done_json, "%.*s", (int)out->len, out->data ? out->data : "");
}

/* Resumes p with the string s (allocated where the contract says). */
static void resume_str(gw_pending_t *p, const char *s)
{
    gql_rv_t v = {0};
    answer_str(&v, gql_arena_strdup(gw_pending_arena(p), s));
    gw_pending_resume(p, &v);
}

TEST(query_field_answered_later)
{
    pend_t st;
    run_t r;
    ASSERT(setup(&st) == 0);
    ASSERT(start(&st, &r, "{ plain later }") == 0);
    ASSERT_EQ_INT(GQL_PENDING, r.rc);
    ASSERT(r.p != NULL);
    ASSERT(st.held == r.p);
    ASSERT_EQ_STR("plain,later", st.order);
    ASSERT(gw_pending_arena(r.p) == r.arena);
    gw_pending_wait(r.p, on_done, &st);
    ASSERT_EQ_INT(0, st.done_calls); /* nothing before the answer */
    resume_str(r.p, "answer");
    ASSERT_EQ_INT(1, st.done_calls);
    ASSERT_EQ_INT(0, st.done_rc);
    ASSERT_EQ_STR("{\"data\":{\"plain\":\"plain\",\"later\":\"answer\"}}", st.done_json);
    run_free(&r);
    teardown(&st);
}

TEST(mutation_fields_held_in_turn)
{
    pend_t st;
    run_t r;
    ASSERT(setup(&st) == 0);
    /* b before a in the document: resolved and written in that order */
    ASSERT(start(&st, &r, "mutation { b a }") == 0);
    ASSERT_EQ_INT(GQL_PENDING, r.rc);
    ASSERT(r.p != NULL);
    ASSERT_EQ_STR("b", st.order); /* a waits for b's answer */
    gw_pending_wait(r.p, on_done, &st);
    st.held = NULL;
    resume_str(r.p, "B");
    ASSERT_EQ_INT(0, st.done_calls); /* a holds now */
    ASSERT_EQ_STR("b,a", st.order);
    ASSERT(st.held == r.p); /* the same handle, held again */
    resume_str(r.p, "A");
    ASSERT_EQ_INT(1, st.done_calls);
    ASSERT_EQ_INT(0, st.done_rc);
    ASSERT_EQ_STR("{\"data\":{\"b\":\"B\",\"a\":\"A\"}}", st.done_json);
    run_free(&r);
    teardown(&st);
}

TEST(cancel_before_resume_releases_once)
{
    pend_t st;
    run_t r;
    ASSERT(setup(&st) == 0);
    ASSERT(start(&st, &r, "{ later }") == 0);
    ASSERT_EQ_INT(GQL_PENDING, r.rc);
    ASSERT(r.p != NULL);
    gw_pending_wait(r.p, on_done, &st);
    gw_pending_cancel(r.p, run_release, &r); /* the client left */
    ASSERT_EQ_INT(0, r.released);            /* the resolver still writes into it */
    resume_str(r.p, "too late");             /* the answer arrives anyway */
    ASSERT_EQ_INT(1, r.released);
    ASSERT_EQ_INT(0, st.done_calls);
    ASSERT(r.arena == NULL);
    teardown(&st);
}

TEST(cancel_between_mutation_fields)
{
    pend_t st;
    run_t r;
    ASSERT(setup(&st) == 0);
    ASSERT(start(&st, &r, "mutation { a b }") == 0);
    ASSERT_EQ_INT(GQL_PENDING, r.rc);
    gw_pending_wait(r.p, on_done, &st);
    resume_str(r.p, "A"); /* b holds now */
    ASSERT_EQ_STR("a,b", st.order);
    gw_pending_cancel(r.p, run_release, &r);
    resume_str(r.p, "B");
    ASSERT_EQ_INT(1, r.released);
    ASSERT_EQ_INT(0, st.done_calls);

    /* cancelled while the first field waits: the execution only ends, the
     * second field is never resolved */
    st.order[0] = '\0';
    ASSERT(start(&st, &r, "mutation { a b }") == 0);
    ASSERT_EQ_INT(GQL_PENDING, r.rc);
    gw_pending_wait(r.p, on_done, &st);
    gw_pending_cancel(r.p, run_release, &r);
    resume_str(r.p, "A");
    ASSERT_EQ_INT(1, r.released);
    ASSERT_EQ_STR("a", st.order);
    ASSERT_EQ_INT(0, st.done_calls);
    teardown(&st);
}

TEST(cancel_hook_runs_once_while_its_hold_lasts)
{
    pend_t st;
    run_t r;
    ASSERT(setup(&st) == 0);
    /* set inside the first hold: it survives gw_pending_execute filling the handle */
    ASSERT(start(&st, &r, "{ later }") == 0);
    gw_pending_wait(r.p, on_done, &st);
    gw_pending_cancel(r.p, run_release, &r);
    ASSERT_EQ_INT(1, st.gone_calls);
    resume_str(r.p, "late"); /* the resolver still resumes */
    ASSERT_EQ_INT(1, r.released);
    ASSERT_EQ_INT(1, st.gone_calls);

    /* a's hook ends with a's resume; the client leaving during b tells b */
    st.gone_calls = 0;
    st.order[0] = '\0';
    ASSERT(start(&st, &r, "mutation { a b }") == 0);
    gw_pending_wait(r.p, on_done, &st);
    resume_str(r.p, "A");
    gw_pending_cancel(r.p, run_release, &r);
    ASSERT_EQ_INT(1, st.gone_calls);
    ASSERT_EQ_STR("b", st.gone_field);
    resume_str(r.p, "B");
    ASSERT_EQ_INT(1, r.released);

    /* answered normally: the hook never runs; cleared (fn NULL) before: neither */
    st.gone_calls = 0;
    ASSERT(start(&st, &r, "{ later }") == 0);
    gw_pending_wait(r.p, on_done, &st);
    gw_pending_on_cancel(r.p, NULL, NULL);
    resume_str(r.p, "x");
    ASSERT_EQ_INT(0, st.gone_calls);
    ASSERT_EQ_INT(1, st.done_calls);
    run_free(&r);
    teardown(&st);
}

TEST(hold_then_answer_at_once)
{
    pend_t st;
    run_t r;
    ASSERT(setup(&st) == 0);
    ASSERT(start(&st, &r, "{ now plain }") == 0);
    ASSERT_EQ_INT(0, r.rc); /* complete: nothing waits */
    ASSERT(r.p == NULL);
    ASSERT(st.held_now != NULL); /* the hold succeeded; the handle was freed (ASan) */
    ASSERT_EQ_STR("{\"data\":{\"now\":\"at once\",\"plain\":\"plain\"}}", gql_buf_cstr(&r.out));
    run_free(&r);

    /* a later field of the same execution holds for real */
    st.held_now = st.held = NULL;
    ASSERT(start(&st, &r, "{ now later }") == 0);
    ASSERT_EQ_INT(GQL_PENDING, r.rc);
    ASSERT(r.p != NULL);
    ASSERT(st.held == r.p);
    gw_pending_wait(r.p, on_done, &st);
    resume_str(r.p, "answer");
    ASSERT_EQ_INT(1, st.done_calls);
    ASSERT_EQ_STR("{\"data\":{\"now\":\"at once\",\"later\":\"answer\"}}", st.done_json);
    run_free(&r);
    teardown(&st);
}

TEST(hold_outside_an_execution_is_null)
{
    pend_t st;
    run_t r;
    ASSERT(setup(&st) == 0);
    gql_resolve_info_t info = {.context = st.L};
    ASSERT(gw_pending_hold(&info) == NULL); /* the loop runs nothing */
    info.context = NULL;
    ASSERT(gw_pending_hold(&info) == NULL); /* not even a loop */

    /* executed with gql_execute itself, not through gw_pending_execute:
     * the resolver cannot wait and answers a field error */
    memset(&r, 0, sizeof r);
    r.arena = gw_exec_arena_new(st.L, 0);
    ASSERT(r.arena != NULL);
    gw_params_t params = {.query = "{ later }", .query_len = 9};
    gql_errors_t errs;
    gql_errors_init(&errs, r.arena, 10);
    ASSERT(gw_exec_prepare(st.L, &params, r.arena, NULL, &errs, &r.doc, &r.op) == 0);
    ASSERT_EQ_INT(0, gql_execute(r.op, NULL, &r.out));
    ASSERT(st.held == NULL);
    ASSERT(strstr(gql_buf_cstr(&r.out), "\"message\":\"cannot wait here\"") != NULL);
    ASSERT(strstr(gql_buf_cstr(&r.out), "\"data\":{\"later\":null}") != NULL);
    run_free(&r);

    /* after an execution that waited and completed, nothing runs any more */
    ASSERT(start(&st, &r, "{ later }") == 0);
    ASSERT(r.p != NULL);
    gw_pending_wait(r.p, on_done, &st);
    resume_str(r.p, "x");
    ASSERT_EQ_INT(1, st.done_calls);
    info.context = st.L;
    ASSERT(gw_pending_hold(&info) == NULL);
    run_free(&r);
    teardown(&st);
}

TEST(pending_without_hold_has_no_handle)
{
    pend_t st;
    run_t r;
    ASSERT(setup(&st) == 0);
    ASSERT(start(&st, &r, "{ unheld }") == 0);
    ASSERT_EQ_INT(GQL_PENDING, r.rc); /* the transport answers "internal error" */
    ASSERT(r.p == NULL);
    run_free(&r);
    teardown(&st);
}

TEST_MAIN(TEST_ENTRY(query_field_answered_later), TEST_ENTRY(mutation_fields_held_in_turn),
          TEST_ENTRY(cancel_hook_runs_once_while_its_hold_lasts), TEST_ENTRY(cancel_before_resume_releases_once),
          TEST_ENTRY(cancel_between_mutation_fields), TEST_ENTRY(hold_then_answer_at_once),
          TEST_ENTRY(hold_outside_an_execution_is_null), TEST_ENTRY(pending_without_hold_has_no_handle))
