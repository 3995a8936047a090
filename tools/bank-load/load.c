/*
 * load.c — the generators and the loop of a run (load.h).
 *
 * A generator's life: START (a random part of one pause, so that
 * generators added together do not move in step) → for a WebSocket,
 * CONNECTING and INIT (connection_init, connection_ack) → WAITING for
 * get_account of the first account, then of the second (no pause between),
 * then for transfer after transfer with PAUSE between them, as rules.h
 * says. Whatever happens to a request — the right answer, a wrong one,
 * errors, a timeout, a lost connection — the generator counts it and goes
 * on; a lost connection is opened again at the next step.
 *
 * HTTP keep-alive: the gateway closes a connection that was idle for its
 * request timeout. A request written to such a connection just as it
 * closes gets no byte back; it is sent once more on a new connection (the
 * same uuid, so the bank moves the money at most once). A timed-out HTTP
 * request closes its connection, so a late answer cannot be taken for the
 * next one's; over WebSocket a late answer carries an old id and is
 * passed over.
 *
 * Money: each generator keeps the balances its successful answers imply.
 * A transfer whose outcome stays unknown (no answer, an error instead of a
 * result) makes the generator "uncertain": its balances are not checked
 * at the end (the run has an error already).
 */
#include "load.h"

#include "store.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_LOGGED 20        /* errors described on stderr */
#define FDS_RESERVED 32      /* stdio, epoll, signalfd, /proc reads, the balance check's spare */
#define RETRY_MS 100         /* least wait before connecting again after a failed connection */
#define PASSWORD "bank-load" /* every account's */
#define DESCR "bank-load"

const char *const bl_err_names[BL_ERR_COUNT] = {"wrong_answer", "graphql_error", "timeout", "http_status",
                                                "connection",   "protocol",      "account", "balance"};

int64_t bl_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void bl_run_error(bl_run_t *r, bl_err_t kind, const bl_gen_t *gen, const char *fmt, ...)
{
    r->row.errors[kind]++;
    r->total.errors[kind]++;
    if (r->logged > MAX_LOGGED)
        return;
    if (r->logged++ == MAX_LOGGED) {
        fprintf(stderr, "bank-load: more errors: only counted from here on\n");
        return;
    }
    if (gen != NULL)
        fprintf(stderr, "bank-load: %s: generator %u: ", bl_err_names[kind], gen->index);
    else
        fprintf(stderr, "bank-load: %s: ", bl_err_names[kind]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ------------------------------------------------------------------------ */
/* One generator                                                             */
/* ------------------------------------------------------------------------ */

static void gen_step(bl_gen_t *g);

/* Sets the generator's one timer (a step, a deadline); out of memory ends the program. */
static void set_timer(bl_gen_t *g, int64_t at)
{
    if (bl_timers_set(&g->run->timers, &g->timer, at) != 0) {
        fprintf(stderr, "bank-load: out of memory\n");
        exit(2);
    }
}

/* Opening accounts costs the gateway a password hash each, so at most
 * --account-concurrency get_account requests are in flight: a generator
 * takes a turn before sending one (or queues, FIFO) and gives it back when
 * the request ends, however it ends; the next in the queue then steps (from
 * the loop, as if its pause had ended). */
static bool take_turn(bl_gen_t *g)
{
    bl_run_t *r = g->run;
    if (g->accounts == 2 || g->account_slot)
        return true;
    if (r->opt.account_concurrency > 0 && r->account_slots >= r->opt.account_concurrency) {
        g->phase = BL_GEN_QUEUED;
        g->next_queued = NULL;
        if (r->queue_tail != NULL)
            r->queue_tail->next_queued = g;
        else
            r->queue_head = g;
        r->queue_tail = g;
        return false;
    }
    r->account_slots++;
    g->account_slot = true;
    return true;
}

/* Gives back g's turn, if it holds one, and wakes the first generator still queued. */
static void give_turn(bl_gen_t *g)
{
    bl_run_t *r = g->run;
    if (!g->account_slot)
        return;
    g->account_slot = false;
    r->account_slots--;
    while (r->queue_head != NULL) {
        bl_gen_t *next = r->queue_head;
        r->queue_head = next->next_queued;
        if (r->queue_head == NULL)
            r->queue_tail = NULL;
        if (next->phase == BL_GEN_QUEUED) {
            next->phase = BL_GEN_PAUSE; /* steps from the loop, not from inside this callback */
            set_timer(next, bl_now_us());
            return;
        }
    }
}

/* Stops g for good (its connection stays open for now, unless it was still
 * being set up); the last one to stop during the drain starts the balance check. */
static void gen_done(bl_gen_t *g)
{
    if (g->phase == BL_GEN_DONE)
        return;
    give_turn(g);
    if (g->phase == BL_GEN_CONNECTING || g->phase == BL_GEN_INIT)
        bl_conn_close(&g->conn);
    if (g->accounts == 2)
        g->run->ready--;
    g->phase = BL_GEN_DONE;
    bl_timers_cancel(&g->run->timers, &g->timer);
    g->run->active--;
    if (g->run->active == 0 && g->run->phase == BL_RUN_DRAINING)
        bl_verify_start(g->run);
    else if (g->run->active == 0 && g->run->phase == BL_RUN_RUNNING)
        bl_run_stop(g->run, "transfers"); /* every generator made its --transfers */
}

/* Waits `ms` before the next step, or stops when the run is draining. */
static void gen_pause(bl_gen_t *g, unsigned ms)
{
    give_turn(g);
    if (g->run->phase != BL_RUN_RUNNING) {
        gen_done(g);
        return;
    }
    g->phase = BL_GEN_PAUSE;
    set_timer(g, bl_now_us() + (int64_t)ms * 1000);
}

/* The wait before the next step after a connection failed: the pause, but
 * never so short that a refused connect spins. */
static unsigned retry_ms(const bl_run_t *r)
{
    return r->opt.pause_ms > RETRY_MS ? r->opt.pause_ms : RETRY_MS;
}

/* The user name of g's first (0) or second (1) account, unique to the run. */
static void username(const bl_gen_t *g, int which, char *out, size_t cap)
{
    snprintf(out, cap, "load-%s-%u-%s", g->run->run_id, g->index, which == 0 ? "first" : "second");
}

/* Writes the request of the next step into run->req. */
static void write_request(bl_gen_t *g, bool fresh_uuid)
{
    bl_run_t *r = g->run;
    r->req.len = 0;
    bl_op_t op = {.protocol = r->opt.protocol, .op_keyword = r->opt.op_keyword, .id = ++g->op_id};
    if (g->accounts < 2) {
        char user[96];
        username(g, g->accounts, user, sizeof user);
        bl_proto_get_account(&r->req, &op, user, PASSWORD);
        return;
    }
    if (fresh_uuid) {
        uint8_t u[16];
        gw_uuid_v4(u);
        gw_uuidstr_format(u, g->uuid);
    }
    int from = g->rules.from;
    char token[48], user[96];
    bl_rules_token(&g->rules, g->token[from], token, sizeof token);
    username(g, from, user, sizeof user);
    bl_proto_transfer(&r->req, &op, g->uuid, token, g->rules.amount, g->iban[from], g->iban[1 - from], DESCR, user);
}

/* The effect of an unanswered request: a transfer's outcome is unknown, and
 * the rules move on as if it had been answered. */
static void lost_request(bl_gen_t *g)
{
    if (g->accounts == 2) {
        g->uncertain = true;
        bl_rules_advance(&g->rules);
    }
}

/* Sends the request of the next step (again, when `again`). */
static void gen_send(bl_gen_t *g, bool again)
{
    bl_run_t *r = g->run;
    if (!take_turn(g))
        return;
    write_request(g, !again);
    if (r->req.oom) {
        fprintf(stderr, "bank-load: out of memory\n");
        exit(2);
    }
    int rc;
    if (r->opt.protocol == BL_PROTO_HTTP) {
        g->reused = g->conn.state == BL_CONN_OPEN && g->conn.responses > 0;
        rc = bl_conn_post(&g->conn, r->req.data, r->req.len);
    } else {
        rc = bl_conn_send_text(&g->conn, r->req.data, r->req.len);
    }
    g->resent = again;
    if (!again)
        g->sent_us = bl_now_us();
    if (rc != 0) {
        bl_run_error(r, BL_ERR_CONNECTION, g, "sending: %s", bl_conn_strerror(rc));
        g->ready = false;
        lost_request(g);
        gen_pause(g, retry_ms(r));
        return;
    }
    g->phase = BL_GEN_WAITING;
    set_timer(g, g->sent_us + (int64_t)r->opt.timeout_ms * 1000);
}

/* Opens the WebSocket. */
static void gen_connect(bl_gen_t *g)
{
    bl_run_t *r = g->run;
    int rc = bl_conn_open(&g->conn);
    if (rc != 0) {
        bl_run_error(r, BL_ERR_CONNECTION, g, "%s (%s)", bl_conn_strerror(rc), strerror(errno));
        gen_pause(g, retry_ms(r));
        return;
    }
    g->phase = BL_GEN_CONNECTING;
    set_timer(g, bl_now_us() + (int64_t)r->opt.timeout_ms * 1000);
}

/* The next step: connect when needed, else the next request. */
static void gen_step(bl_gen_t *g)
{
    give_turn(g);
    if (g->run->phase != BL_RUN_RUNNING) {
        gen_done(g);
        return;
    }
    if (g->run->opt.protocol != BL_PROTO_HTTP && !(g->ready && g->conn.state == BL_CONN_OPEN)) {
        gen_connect(g);
        return;
    }
    gen_send(g, false);
}

/* A transfer's answer. */
static void on_transfer(bl_gen_t *g, const bl_msg_t *m)
{
    bl_run_t *r = g->run;
    bl_answer_t a;
    bl_proto_transfer_answer(m, &a);
    int from = g->rules.from;
    if (a.has_result && a.success) {
        g->balance[from] -= g->rules.amount;
        g->balance[1 - from] += g->rules.amount;
    }
    const char *want = bl_rules_expected_reason(&g->rules);
    switch (bl_rules_check(&g->rules, g->uuid, &a)) {
    case BL_RIGHT:
        r->right++;
        if (g->rules.kind == BL_STEP_BOGUS)
            r->refused_token++;
        else if (g->rules.kind == BL_STEP_TOO_MUCH)
            r->refused_funds++;
        break;
    case BL_WRONG_ANSWER:
        bl_run_error(r, BL_ERR_WRONG_ANSWER, g,
                     "transfer %s of %lld cents from %s: expected %s%s%s, got success %s, reason %s%s%s, uuid %s",
                     g->uuid, (long long)g->rules.amount, from == 0 ? "first to second" : "second to first",
                     want == NULL ? "success" : "failure \"", want == NULL ? "" : want, want == NULL ? "" : "\"",
                     a.success ? "true" : "false", a.reason ? "\"" : "", a.reason ? a.reason : "null",
                     a.reason ? "\"" : "", a.uuid ? a.uuid : "null");
        break;
    case BL_GRAPHQL_ERROR: {
        gql_buf_t t = GQL_BUF_INIT;
        bl_proto_errors_text(m, &t, 300);
        bl_run_error(r, BL_ERR_GRAPHQL, g, "transfer %s: %s", g->uuid, gql_buf_cstr(&t));
        gql_buf_free(&t);
        if (!a.has_result)
            g->uncertain = true; /* e.g. "timed out waiting for confirmation": the command still stands */
        break;
    }
    }
    g->transfers++;
    bl_rules_advance(&g->rules);
    if (r->opt.transfers > 0 && g->transfers >= r->opt.transfers)
        gen_done(g);
    else
        gen_pause(g, r->opt.pause_ms);
}

/* get_account's answer. */
static void on_account(bl_gen_t *g, const bl_msg_t *m)
{
    bl_run_t *r = g->run;
    const char *iban, *token, *reason;
    r->row.accounts++;
    r->total.accounts++;
    if (bl_proto_account(m, &iban, &token, &reason) != 0 || strlen(iban) >= sizeof g->iban[0] ||
        strlen(token) >= sizeof g->token[0]) {
        gql_buf_t t = GQL_BUF_INIT;
        bl_proto_errors_text(m, &t, 300);
        bl_run_error(r, BL_ERR_ACCOUNT, g, "get_account: reason %s, errors %s", reason ? reason : "null",
                     gql_buf_cstr(&t));
        gql_buf_free(&t);
        gen_pause(g, r->opt.pause_ms);
        return;
    }
    strcpy(g->iban[g->accounts], iban);
    strcpy(g->token[g->accounts], token);
    if (++g->accounts == 2)
        r->ready++;
    gen_step(g);
}

/* A result or error for the operation in flight. */
static void on_answer(bl_gen_t *g, const bl_msg_t *m)
{
    bl_run_t *r = g->run;
    bl_timers_cancel(&r->timers, &g->timer);
    if (g->accounts == 2) {
        uint64_t us = (uint64_t)(bl_now_us() - g->sent_us);
        bl_hist_record(&r->row.hist, us);
        bl_hist_record(&r->total.hist, us);
        r->row.transfers++;
        r->total.transfers++;
        on_transfer(g, m);
    } else {
        on_account(g, m);
    }
}

/* True when m belongs to the operation in flight. */
static bool is_current(const bl_gen_t *g, const bl_msg_t *m)
{
    char id[16];
    snprintf(id, sizeof id, "%u", g->op_id);
    return g->phase == BL_GEN_WAITING && m->id != NULL && strcmp(m->id, id) == 0;
}

/* A response (HTTP) or a message (WebSocket) for generator c: parsed in the
 * run's arena (reset first), then by kind; only the operation in flight is
 * answered, anything for an older id is passed over. */
static void gen_on_message(bl_conn_t *c, int status, char *data, size_t len)
{
    bl_gen_t *g = (bl_gen_t *)c;
    bl_run_t *r = g->run;
    bl_msg_t m;
    gql_arena_reset(r->arena);
    int parsed = bl_proto_read(r->opt.protocol, r->arena, data, len, &m);
    if (r->opt.protocol == BL_PROTO_HTTP) {
        if (g->phase != BL_GEN_WAITING) {
            bl_run_error(r, BL_ERR_PROTOCOL, g, "a response nobody asked for (status %d)", status);
            return;
        }
        if (status != 200 || parsed != 0) {
            bl_timers_cancel(&r->timers, &g->timer);
            bl_run_error(r, status != 200 ? BL_ERR_HTTP : BL_ERR_PROTOCOL, g, "status %d: %.200s", status, data);
            lost_request(g);
            gen_pause(g, r->opt.pause_ms);
            return;
        }
        on_answer(g, &m);
        return;
    }
    if (parsed != 0) {
        bl_run_error(r, BL_ERR_PROTOCOL, g, "not a %s message: %.200s", bl_proto_name(r->opt.protocol), data);
        return;
    }
    switch (m.kind) {
    case BL_MSG_ACK:
        if (g->phase == BL_GEN_INIT) {
            g->ready = true;
            bl_timers_cancel(&r->timers, &g->timer);
            gen_step(g);
        }
        break;
    case BL_MSG_PING:
        r->req.len = 0;
        gql_buf_puts(&r->req, "{\"type\":\"pong\"}");
        bl_conn_send_text(c, r->req.data, r->req.len);
        break;
    case BL_MSG_IGNORE:
        break;
    case BL_MSG_RESULT:
        if (is_current(g, &m))
            on_answer(g, &m);
        break;
    case BL_MSG_ERROR:
        if (is_current(g, &m)) {
            on_answer(g, &m);
        } else if (m.id == NULL) {
            gql_buf_t t = GQL_BUF_INIT;
            bl_proto_errors_text(&m, &t, 300);
            bl_run_error(r, BL_ERR_PROTOCOL, g, "connection error: %s", gql_buf_cstr(&t));
            gql_buf_free(&t);
        }
        break;
    case BL_MSG_COMPLETE:
        if (is_current(g, &m)) {
            m.has_errors = true; /* complete without a result */
            on_answer(g, &m);
        }
        break;
    }
}

/* The WebSocket is upgraded: connection_init, then wait for the ack. */
static void gen_on_open(bl_conn_t *c)
{
    bl_gen_t *g = (bl_gen_t *)c;
    if (g->run->opt.protocol == BL_PROTO_HTTP)
        return; /* the request is queued already */
    bl_run_t *r = g->run;
    r->req.len = 0;
    bl_proto_init_message(&r->req);
    int rc = bl_conn_send_text(c, r->req.data, r->req.len);
    if (rc != 0) {
        bl_run_error(r, BL_ERR_CONNECTION, g, "connection_init: %s", bl_conn_strerror(rc));
        gen_pause(g, retry_ms(r));
        return;
    }
    g->phase = BL_GEN_INIT;
}

/* The connection failed or ended: what it means depends on what g was doing. */
static void gen_on_close(bl_conn_t *c, int err, bool in_flight)
{
    bl_gen_t *g = (bl_gen_t *)c;
    bl_run_t *r = g->run;
    g->ready = false;
    switch (g->phase) {
    case BL_GEN_WAITING:
        if (r->opt.protocol == BL_PROTO_HTTP && in_flight && g->reused && !g->resent) {
            gen_send(g, true); /* the keep-alive connection had been closed by the server */
            return;
        }
        bl_timers_cancel(&r->timers, &g->timer);
        bl_run_error(r, BL_ERR_CONNECTION, g, "waiting for an answer: %s", bl_conn_strerror(err));
        lost_request(g);
        gen_pause(g, retry_ms(r));
        break;
    case BL_GEN_CONNECTING:
    case BL_GEN_INIT:
        bl_timers_cancel(&r->timers, &g->timer);
        bl_run_error(r, BL_ERR_CONNECTION, g, "%s: %s",
                     g->phase == BL_GEN_CONNECTING ? "connecting" : "connection_init", bl_conn_strerror(err));
        gen_pause(g, retry_ms(r));
        break;
    default:
        /* idle: an HTTP keep-alive ending is normal; a WebSocket should stay */
        if (r->opt.protocol != BL_PROTO_HTTP && g->phase != BL_GEN_DONE)
            bl_run_error(r, BL_ERR_CONNECTION, g, "closed while idle: %s", bl_conn_strerror(err));
        break;
    }
}

static const bl_conn_ops_t gen_ops = {gen_on_open, gen_on_message, gen_on_close};

/* g's timer: the end of a pause (the next step) or a deadline passed. */
static void gen_on_timer(bl_timer_t *t)
{
    bl_gen_t *g = (bl_gen_t *)((char *)t - offsetof(bl_gen_t, timer));
    bl_run_t *r = g->run;
    switch (g->phase) {
    case BL_GEN_START:
    case BL_GEN_PAUSE:
        gen_step(g);
        break;
    case BL_GEN_WAITING:
        bl_run_error(r, BL_ERR_TIMEOUT, g, "no answer in %u ms to %s", r->opt.timeout_ms,
                     g->accounts == 2 ? g->uuid : "get_account");
        if (r->opt.protocol == BL_PROTO_HTTP)
            bl_conn_close(&g->conn); /* a late answer must not pass for the next one's */
        lost_request(g);
        gen_pause(g, r->opt.pause_ms);
        break;
    case BL_GEN_CONNECTING:
    case BL_GEN_INIT:
        bl_run_error(r, BL_ERR_TIMEOUT, g, "%s took over %u ms",
                     g->phase == BL_GEN_CONNECTING ? "connecting" : "connection_ack", r->opt.timeout_ms);
        bl_conn_close(&g->conn);
        gen_pause(g, retry_ms(r));
        break;
    case BL_GEN_QUEUED:
    case BL_GEN_DONE:
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* The run                                                                   */
/* ------------------------------------------------------------------------ */

static void on_signal(bl_pollable_t *self, uint32_t events)
{
    (void)events;
    bl_run_t *r = (bl_run_t *)((char *)self - offsetof(bl_run_t, sig));
    struct signalfd_siginfo si;
    while (read(r->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (r->phase == BL_RUN_RUNNING) {
            fprintf(stderr, "bank-load: signal %u: stopping (again to skip the balance check)\n", si.ssi_signo);
            bl_run_stop(r, "signal");
        } else if (r->phase != BL_RUN_FINISHED) {
            fprintf(stderr, "bank-load: signal %u: finishing now\n", si.ssi_signo);
            r->phase = BL_RUN_FINISHED;
        }
    }
}

/* After a row: the end of the run (its length, or the ramp's limits), or
 * the ramp's next step. */
static void check_progress(bl_run_t *r, int64_t now)
{
    const bl_options_t *o = &r->opt;
    if (o->ramp_every_s > 0) {
        if (bl_rows_errors(&r->row) > 0) {
            bl_run_stop(r, "errors");
            return;
        }
        if (r->row.hist.count > 0 && (double)bl_hist_percentile(&r->row.hist, 99) / 1000.0 > (double)o->max_p99_ms) {
            bl_run_stop(r, "p99");
            return;
        }
    }
    if (now - r->t0_us >= (int64_t)o->seconds * 1000000 - 1000) {
        bl_run_stop(r, "seconds");
        return;
    }
    if (o->ramp_every_s > 0 && r->row_no + 1 - r->last_step_row >= o->ramp_every_s) {
        unsigned need = bl_run_fds_needed(r, o->ramp_step);
        if (need > (unsigned)r->nofile) {
            fprintf(stderr,
                    "bank-load: the ramp stops at %u generators: %u more would need %u file descriptors, "
                    "RLIMIT_NOFILE allows %d\n",
                    r->ngens, o->ramp_step, need, r->nofile);
            bl_run_stop(r, "fd_limit");
            return;
        }
        r->last_step_row = r->row_no + 1;
        if (bl_run_add_generators(r, o->ramp_step) != 0) {
            fprintf(stderr, "bank-load: out of memory\n");
            bl_run_stop(r, "out_of_memory");
        }
    }
}

/* Every second: the row, then the end or the ramp's next step, then a new row. */
static void on_row_timer(bl_timer_t *t)
{
    bl_run_t *r = (bl_run_t *)((char *)t - offsetof(bl_run_t, row_timer));
    int64_t now = bl_now_us();
    bl_rows_emit(r, now);
    check_progress(r, now);
    bl_hist_reset(&r->row.hist);
    r->row.transfers = r->row.accounts = 0;
    memset(r->row.errors, 0, sizeof r->row.errors);
    r->row_no++;
    if (r->phase == BL_RUN_RUNNING)
        bl_timers_set(&r->timers, &r->row_timer, r->t0_us + (int64_t)(r->row_no + 1) * 1000000);
}

int bl_run_init(bl_run_t *r, const bl_options_t *opt)
{
    memset(r, 0, sizeof *r);
    r->opt = *opt;
    r->epfd = r->sigfd = -1;
    r->env.epfd = -1;
    r->sig.on_events = on_signal;
    bl_timer_init(&r->row_timer, on_row_timer);
    if (gw_store_init() != 0) {
        fprintf(stderr, "bank-load: libsodium does not start\n");
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int g = getaddrinfo(opt->host, opt->port, &hints, &ai);
    if (g != 0 || ai == NULL) {
        fprintf(stderr, "bank-load: cannot resolve %s: %s\n", opt->host, gai_strerror(g));
        return -1;
    }
    memcpy(&r->env.addr, ai->ai_addr, ai->ai_addrlen);
    r->env.addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    snprintf(r->env.host, sizeof r->env.host, "%s:%s", opt->host, opt->port);
    r->env.max_message = opt->max_message;
    r->env.scratch_cap = opt->max_message + 16384;
    r->env.scratch = malloc(r->env.scratch_cap);
    uint64_t seed[2];
    if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        fprintf(stderr, "bank-load: getrandom: %s\n", strerror(errno));
        return -1;
    }
    r->env.rng = seed[0] | 1;
    snprintf(r->run_id, sizeof r->run_id, "%016llx", (unsigned long long)seed[1]);
    r->arena = gql_arena_new(16384, NULL);
    if (r->env.scratch == NULL || r->arena == NULL || bl_timers_init(&r->timers, 1024) != 0) {
        fprintf(stderr, "bank-load: out of memory\n");
        return -1;
    }
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    r->env.epfd = r->epfd;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    if (r->epfd < 0 || sigprocmask(SIG_BLOCK, &mask, NULL) != 0 ||
        (r->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        fprintf(stderr, "bank-load: epoll/signalfd: %s\n", strerror(errno));
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &r->sig};
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->sigfd, &ev) != 0) {
        fprintf(stderr, "bank-load: epoll_ctl: %s\n", strerror(errno));
        return -1;
    }
    r->t0_us = r->last_row_us = bl_now_us();
    return 0;
}

int bl_run_start(bl_run_t *r)
{
    r->t0_us = r->last_row_us = bl_now_us();
    if (bl_timers_set(&r->timers, &r->row_timer, r->t0_us + 1000000) != 0)
        return -1;
    return bl_run_add_generators(r, r->opt.generators);
}

void bl_run_free(bl_run_t *r)
{
    for (unsigned i = 0; i < r->ngens; i++) {
        bl_conn_close(&r->gens[i]->conn);
        free(r->gens[i]);
    }
    free(r->gens);
    for (unsigned i = 0; i < r->nverifiers; i++)
        bl_conn_close(&r->verifiers[i].conn);
    free(r->verifiers);
    bl_timers_free(&r->timers);
    gql_arena_free(r->arena);
    gql_buf_free(&r->req);
    gql_buf_free(&r->env.decoded);
    gql_buf_free(&r->env.wbuf);
    free(r->env.scratch);
    if (r->sigfd >= 0)
        close(r->sigfd);
    if (r->epfd >= 0)
        close(r->epfd);
}

unsigned bl_run_fds_needed(const bl_run_t *r, unsigned n)
{
    return r->ngens + n + FDS_RESERVED;
}

int bl_run_add_generators(bl_run_t *r, unsigned n)
{
    if (r->ngens + n > r->gens_cap) {
        unsigned cap = r->gens_cap ? r->gens_cap : 64;
        while (cap < r->ngens + n)
            cap *= 2;
        bl_gen_t **gens = realloc(r->gens, cap * sizeof *gens);
        if (gens == NULL)
            return -1;
        r->gens = gens;
        r->gens_cap = cap;
    }
    int64_t now = bl_now_us();
    for (unsigned i = 0; i < n; i++) {
        bl_gen_t *g = calloc(1, sizeof *g);
        if (g == NULL)
            return -1;
        bl_conn_init(&g->conn, &gen_ops, &r->env, r->opt.protocol == BL_PROTO_HTTP ? "/graphql" : "/graphql-ws",
                     bl_proto_subprotocol(r->opt.protocol));
        bl_timer_init(&g->timer, gen_on_timer);
        g->run = r;
        g->index = r->ngens;
        g->phase = BL_GEN_START;
        bl_rules_init(&g->rules);
        r->gens[r->ngens++] = g;
        r->active++;
        uint64_t jitter = r->opt.pause_ms > 0 ? bl_conn_random(&r->env) % ((uint64_t)r->opt.pause_ms * 1000) : 0;
        set_timer(g, now + (int64_t)jitter);
    }
    return 0;
}

void bl_run_stop(bl_run_t *r, const char *reason)
{
    if (r->phase != BL_RUN_RUNNING)
        return;
    r->phase = BL_RUN_DRAINING;
    r->stop_reason = reason;
    r->end_us = bl_now_us();
    bl_timers_cancel(&r->timers, &r->row_timer); /* rows cover whole seconds of generating only */
    for (unsigned i = 0; i < r->ngens; i++) {
        bl_gen_t *g = r->gens[i];
        if (g->phase != BL_GEN_WAITING)
            gen_done(g);
    }
    if (r->active == 0 && r->phase == BL_RUN_DRAINING)
        bl_verify_start(r);
}

void bl_run_loop(bl_run_t *r)
{
    struct epoll_event evs[256];
    while (r->phase != BL_RUN_FINISHED) {
        int64_t now = bl_now_us();
        bl_timer_t *t;
        while ((t = bl_timers_first(&r->timers)) != NULL && t->at <= now) {
            bl_timers_cancel(&r->timers, t);
            t->fire(t);
            if (r->phase == BL_RUN_FINISHED)
                return;
        }
        t = bl_timers_first(&r->timers);
        int wait_ms = -1;
        if (t != NULL) {
            int64_t d = t->at - bl_now_us();
            wait_ms = d <= 0 ? 0 : (int)((d + 999) / 1000);
        }
        int n = epoll_wait(r->epfd, evs, 256, wait_ms);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "bank-load: epoll_wait: %s\n", strerror(errno));
            exit(2);
        }
        for (int i = 0; i < n && r->phase != BL_RUN_FINISHED; i++) {
            bl_pollable_t *p = evs[i].data.ptr;
            p->on_events(p, evs[i].events);
        }
    }
}
