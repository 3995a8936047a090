/*
 * verify.c — the balance check that ends a run: for every generator, the
 * newest transaction of each of its two accounts is read over HTTP
 * (transactions_by_iban with max_items 1, both accounts in one query) and
 * its new_balance compared with the balance the generator's successful
 * answers imply. An account without transactions has 0.
 *
 * The projections trail the answers a little (the answer comes from the
 * feedback topic, the balance from the balance-changed topic), so a
 * mismatch is read again every 50 ms until --timeout-ms after the first
 * read; only then is it an error. A handful of keep-alive connections
 * share the work. Generators whose outcome is uncertain (a transfer went
 * unanswered) or that never got both accounts are counted as unverified.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFIERS_MAX 16
#define RETRY_MS 50

static void verifier_next(bl_verifier_t *v);

/* A generator whose balances are known: both accounts, no unanswered transfer. */
static bool checkable(const bl_gen_t *g)
{
    return g->accounts == 2 && !g->uncertain;
}

/* Ends the run when no verifier has work left. */
static void maybe_finish(bl_run_t *r)
{
    for (unsigned i = 0; i < r->nverifiers; i++)
        if (r->verifiers[i].gen != NULL)
            return;
    r->phase = BL_RUN_FINISHED;
}

/* Sets the verifier's timer (a deadline or a retry); out of memory ends the program. */
static void set_timer(bl_verifier_t *v, int64_t at)
{
    if (bl_timers_set(&v->run->timers, &v->timer, at) != 0) {
        fprintf(stderr, "bank-load: out of memory\n");
        exit(2);
    }
}

/* Sends the balance query of v's generator (again: the same after a keep-alive
 * connection closed under it). A request that cannot go counts and moves on. */
static void post(bl_verifier_t *v, bool again)
{
    bl_run_t *r = v->run;
    bl_gen_t *g = v->gen;
    r->req.len = 0;
    bl_proto_balances(&r->req, g->iban[0], g->iban[1]);
    v->reused = v->conn.state == BL_CONN_OPEN && v->conn.responses > 0;
    v->resent = again;
    v->waiting = true;
    set_timer(v, bl_now_us() + (int64_t)r->opt.timeout_ms * 1000);
    int rc = r->req.oom ? BL_CONN_ENOMEM : bl_conn_post(&v->conn, r->req.data, r->req.len);
    if (rc != 0) {
        v->waiting = false;
        bl_run_error(r, BL_ERR_CONNECTION, g, "balance check: %s", bl_conn_strerror(rc));
        r->unverified++;
        verifier_next(v);
    }
}

/* This read did not settle the check: read again later, or give up at the
 * deadline (a mismatch is then a balance error, anything else counts as
 * `kind` and the generator as unverified). */
static void not_yet(bl_verifier_t *v, bl_err_t kind, const char *what)
{
    bl_run_t *r = v->run;
    v->waiting = false;
    int64_t now = bl_now_us();
    if (now + RETRY_MS * 1000 < v->deadline_us) {
        set_timer(v, now + RETRY_MS * 1000);
        return;
    }
    bl_run_error(r, kind, v->gen, "balance check: %s", what);
    if (kind == BL_ERR_BALANCE)
        r->mismatched++;
    else
        r->unverified++;
    verifier_next(v);
}

/* The balances arrived: compare, or read again later. */
static void on_message(bl_conn_t *c, int status, char *data, size_t len)
{
    bl_verifier_t *v = (bl_verifier_t *)c;
    bl_run_t *r = v->run;
    bl_gen_t *g = v->gen;
    if (g == NULL || !v->waiting)
        return;
    bl_timers_cancel(&r->timers, &v->timer);
    char what[400];
    bl_msg_t m;
    gql_arena_reset(r->arena);
    if (status != 200) {
        snprintf(what, sizeof what, "status %d: %.200s", status, data);
        not_yet(v, BL_ERR_HTTP, what);
        return;
    }
    if (bl_proto_read(BL_PROTO_HTTP, r->arena, data, len, &m) != 0) {
        snprintf(what, sizeof what, "not JSON: %.200s", data);
        not_yet(v, BL_ERR_PROTOCOL, what);
        return;
    }
    int64_t got[2];
    if (bl_proto_balance(&m, "a", &got[0]) != 0 || bl_proto_balance(&m, "b", &got[1]) != 0) {
        snprintf(what, sizeof what, "no balances in %.300s", data);
        not_yet(v, BL_ERR_GRAPHQL, what);
        return;
    }
    if (got[0] != g->balance[0] || got[1] != g->balance[1]) {
        snprintf(what, sizeof what, "%s has %lld cents and %s %lld, the answers imply %lld and %lld", g->iban[0],
                 (long long)got[0], g->iban[1], (long long)got[1], (long long)g->balance[0], (long long)g->balance[1]);
        not_yet(v, BL_ERR_BALANCE, what);
        return;
    }
    v->waiting = false;
    r->checked++;
    verifier_next(v);
}

/* Connected: nothing to do. */
static void on_open(bl_conn_t *c)
{
    (void)c; /* the request is queued already */
}

/* The connection ended: resend once when a reused keep-alive connection
 * closed under the request, else this read failed. */
static void on_close(bl_conn_t *c, int err, bool in_flight)
{
    bl_verifier_t *v = (bl_verifier_t *)c;
    if (v->gen == NULL || !v->waiting)
        return; /* an idle keep-alive connection ended */
    if (in_flight && v->reused && !v->resent) {
        post(v, true);
        return;
    }
    bl_timers_cancel(&v->run->timers, &v->timer);
    not_yet(v, BL_ERR_CONNECTION, bl_conn_strerror(err));
}

static const bl_conn_ops_t verifier_ops = {on_open, on_message, on_close};

/* A retry is due, or the request's deadline passed. */
static void on_timer(bl_timer_t *t)
{
    bl_verifier_t *v = (bl_verifier_t *)((char *)t - offsetof(bl_verifier_t, timer));
    if (v->gen == NULL)
        return;
    if (!v->waiting) {
        post(v, false);
        return;
    }
    char what[64];
    snprintf(what, sizeof what, "no answer in %u ms", v->run->opt.timeout_ms);
    bl_conn_close(&v->conn); /* a late answer must not pass for the next one's */
    not_yet(v, BL_ERR_TIMEOUT, what);
}

/* Takes the next generator to check, or goes idle. */
static void verifier_next(bl_verifier_t *v)
{
    bl_run_t *r = v->run;
    while (r->next_check < r->ngens && !checkable(r->gens[r->next_check]))
        r->next_check++;
    if (r->next_check == r->ngens) {
        v->gen = NULL;
        bl_timers_cancel(&r->timers, &v->timer);
        bl_conn_close(&v->conn);
        maybe_finish(r);
        return;
    }
    v->gen = r->gens[r->next_check++];
    v->deadline_us = bl_now_us() + (int64_t)r->opt.timeout_ms * 1000;
    post(v, false);
}

void bl_verify_start(bl_run_t *r)
{
    if (r->phase == BL_RUN_VERIFYING || r->phase == BL_RUN_FINISHED)
        return;
    r->phase = BL_RUN_VERIFYING;
    unsigned todo = 0;
    for (unsigned i = 0; i < r->ngens; i++) {
        bl_gen_t *g = r->gens[i];
        bl_conn_close(&g->conn);
        bl_timers_cancel(&r->timers, &g->timer);
        if (checkable(g))
            todo++;
        else
            r->unverified++;
    }
    unsigned n = todo < VERIFIERS_MAX ? todo : VERIFIERS_MAX;
    if (n == 0) {
        r->phase = BL_RUN_FINISHED;
        return;
    }
    r->verifiers = calloc(n, sizeof *r->verifiers);
    if (r->verifiers == NULL) {
        fprintf(stderr, "bank-load: out of memory\n");
        exit(2);
    }
    r->nverifiers = n;
    for (unsigned i = 0; i < n; i++) {
        bl_verifier_t *v = &r->verifiers[i];
        bl_conn_init(&v->conn, &verifier_ops, &r->env, "/graphql", NULL);
        bl_timer_init(&v->timer, on_timer);
        v->run = r;
    }
    /* take work only once all exist: a verifier that finds none at once
     * looks at the others to decide whether the run is over */
    for (unsigned i = 0; i < n && r->phase == BL_RUN_VERIFYING; i++)
        verifier_next(&r->verifiers[i]);
}
