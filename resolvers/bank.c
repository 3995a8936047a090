/*
 * bank.c — the bank schema's resolvers and the command calls (bank.h).
 *
 * Queries copy gw_tx_t records from the projection into the request arena
 * and format money there. Commands are gw_bank_call_t objects living on one
 * loop; they move through stages:
 *
 *   get_account:    [VERIFY | HASH -> CREDENTIALS (-> VERIFY)] -> ACCOUNT -> done
 *   money_transfer: TRANSFER -> done
 *
 * A call waiting for Kafka is linked (as a gw_cmd_waiter_t) in one of the
 * backbone's in-flight tables; its answer comes back as a GW_LOOPQ_ANSWER
 * message on its loop. A call waiting for a password worker gets a
 * GW_LOOPQ_CALL message. Answers known at once are posted to the loop too,
 * so a callback never runs inside the start function.
 *
 * Password jobs go to the store's one pool (gw_pwhash_pool_t: workers below
 * the loops' priority, admission bounded by expected wait). When the client
 * of a Mutation goes away (gw_pending_on_cancel), its call is marked gone and
 * a job not started yet is dropped by the worker; the call still ends on its
 * loop as usual, so it is freed there and nowhere else.
 */
#include "bank.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backbone/backbone.h"
#include "exec/pending.h"
#include "fields.h"
#include "subs/subs.h"

#define MAX_LIST 1000 /* most transactions one list field returns */
#define TEXT GW_LOOPQ_TEXT

/* ------------------------------------------------------------ calls: the API */

typedef enum gw_bank_kind {
    GW_BANK_ACCOUNT = 1, /* get_account: iban, token or reason */
    GW_BANK_TRANSFER,    /* money_transfer: uuid, success, reason */
} gw_bank_kind_t;

/* The answer of a call. Strings are valid during the callback only (copy
 * what you keep); NULL means null in the response. */
typedef struct gw_bank_answer {
    gw_bank_kind_t kind;
    const char *error; /* non-NULL: a GraphQL field error; the rest is unset */
    const char *iban, *token;
    const char *session; /* get_account in session mode: the new credential (auth.h), else NULL */
    const char *uuid;
    bool success;
    const char *reason;
} gw_bank_answer_t;

/* Runs on the loop the call was started on. */
typedef void (*gw_bank_done_fn)(void *user, const gw_bank_answer_t *a);

typedef struct gw_bank_call gw_bank_call_t;

/* money_transfer's arguments; strings are copied. username.ptr may be NULL
 * (not given). */
typedef struct gw_bank_transfer_args {
    const char *uuid;
    size_t uuid_len;
    gw_str_t token, from, to, descr, username;
    int64_t amount;              /* cents */
    const gw_trace_ctx_t *trace; /* the request's span context (tracing), or NULL */
} gw_bank_transfer_args_t;

/* ------------------------------------------------------------ state */

typedef struct job job_t;

struct gw_bank {
    gw_server_t *server;
    gw_backbone_t *bb;      /* NULL: Kafka disabled */
    gw_txstore_t *own_tx;   /* an empty projection when neither bb nor a store was given */
    gw_txstore_t *tx;       /* the one queries read */
    gw_accounts_t *acc;     /* NULL without bb */
    gw_pwhash_pool_t *pool; /* NULL without bb */
};

typedef enum stage {
    ST_NONE,
    ST_VERIFY,      /* a worker checks the password against the account's hash */
    ST_HASH,        /* a worker hashes the new account's password */
    ST_CREDENTIALS, /* our credentials record goes to Kafka and back */
    ST_ACCOUNT,     /* ConfirmAccountCreation sent */
    ST_TRANSFER,    /* ConfirmMoneyTransfer sent */
} stage_t;

struct gw_bank_call {
    gw_cmd_waiter_t w; /* first */
    gw_bank_t *r;
    gw_thread_t *t;
    gw_bank_kind_t kind;
    stage_t stage;
    gw_bank_done_fn done; /* NULL once cancelled */
    void *user;
    uint8_t uuid[16];
    uint8_t digest[GW_TRANSFER_DIGEST_LEN]; /* money_transfer: its parameters, bound to its uuid */
    char *username, *password, *token, *from, *to, *descr;
    char *tstate; /* owned: the request's tracestate (c->w.trace.state points here), or NULL */
    size_t ulen, plen;
    int64_t amount;
    char uuid_text[GW_UUID_STRLEN + 1];
    /* the answer */
    const char *error; /* a static string or errbuf */
    char errbuf[TEXT];
    bool success;
    char reason[TEXT], iban[TEXT], token_out[TEXT];
    bool has_reason;
    /* the client went away (loop only); a queued job's pj.gone follows it */
    bool gone;
    job_t *job;                   /* the password job in the pool, NULL otherwise */
    gw_pending_t *pending;        /* resolve_mutation's hold whose cancel hook names us */
    const gw_auth_t *auth;        /* get_account: issue a credential with the answer (session mode) */
    char session[GW_SESSION_MAX]; /* that credential */
};

/* A password job: owns its call while in the pool; its message goes to the
 * call's loop when finished (or dropped). */
struct job {
    gw_loopq_msg_t msg; /* first: kind GW_LOOPQ_CALL */
    gw_pwhash_job_t pj; /* the pool's part */
    gw_bank_t *r;
    gw_bank_call_t *call;
    bool dispatched;
};

/* ------------------------------------------------------------ calls */

static void wipe_free(char *p, size_t n)
{
    if (p != NULL) {
        sodium_memzero(p, n);
        free(p);
    }
}

static void call_free(gw_bank_call_t *c)
{
    if (c->pending != NULL) /* ended without resuming (shutdown): the hook must not name us */
        gw_pending_on_cancel(c->pending, NULL, NULL);
    wipe_free(c->password, c->plen);
    c->password = NULL;
    free(c->username);
    free(c->token);
    free(c->from);
    free(c->to);
    free(c->descr);
    free(c->tstate);
    free(c);
}

/* Tracing: the command of c continues the request's span context tc (copied). */
static void call_trace(gw_bank_call_t *c, const gw_trace_ctx_t *tc)
{
    if (tc == NULL || !gw_trace_ctx_valid(tc))
        return;
    c->w.trace = *tc;
    c->w.trace.state = NULL;
    c->w.trace.state_len = 0;
    if (tc->state != NULL && tc->state_len > 0 && (c->tstate = strndup(tc->state, tc->state_len)) != NULL) {
        c->w.trace.state = c->tstate;
        c->w.trace.state_len = tc->state_len;
    }
}

static void call_discard(gw_cmd_waiter_t *w)
{
    call_free((gw_bank_call_t *)w);
}

/* Runs the callback (unless cancelled) and frees the call. */
static void finish(gw_bank_call_t *c)
{
    gw_bank_answer_t a = {.kind = c->kind, .error = c->error};
    if (c->error == NULL) {
        if (c->kind == GW_BANK_ACCOUNT) {
            a.iban = c->has_reason ? NULL : c->iban;
            a.token = c->has_reason ? NULL : c->token_out;
            if (!c->has_reason && gw_auth_session(c->auth) &&
                gw_auth_issue(c->auth, c->username, c->ulen, c->iban, (uint64_t)time(NULL), c->session) > 0)
                a.session = c->session;
        } else {
            a.uuid = c->uuid_text;
            a.success = c->success;
        }
        a.reason = c->has_reason ? c->reason : NULL;
    }
    c->pending = NULL; /* resuming ends the hold and its hook */
    if (c->done != NULL)
        c->done(c->user, &a);
    call_free(c);
}

static void fail(gw_bank_call_t *c, const char *msg)
{
    snprintf(c->errbuf, sizeof c->errbuf, "%s", msg);
    c->error = c->errbuf;
}

/* A message that finishes a call on its loop (answers known at once). */
typedef struct later {
    gw_loopq_msg_t msg; /* first */
    gw_bank_call_t *call;
} later_t;

static void later_run(gw_thread_t *t, void *arg)
{
    (void)t;
    later_t *l = arg;
    gw_bank_call_t *c = l->call;
    l->call = NULL;
    finish(c);
}

static void later_dispose(gw_loopq_msg_t *m)
{
    later_t *l = (later_t *)m;
    if (l->call != NULL)
        call_free(l->call);
    free(l);
}

/* Finish c from the loop's queue, so the start function returns first. */
static void finish_later(gw_bank_call_t *c)
{
    later_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        finish(c); /* out of memory: answer now rather than never */
        return;
    }
    l->msg.kind = GW_LOOPQ_CALL;
    l->msg.dispose = later_dispose;
    l->msg.u.call.fn = later_run;
    l->msg.u.call.arg = l;
    l->call = c;
    gw_loopq_push(&c->t->loopq, &l->msg);
}

static void fail_later(gw_bank_call_t *c, const char *msg)
{
    fail(c, msg);
    finish_later(c);
}

/* What a call answers when the gateway runs without Kafka. */
static const char NO_KAFKA[] = "the gateway is not connected to Kafka (kafka.enabled is false)";

/* What a new command answers at once when the command handler's heartbeats
 * stopped (gw_backbone_admit_command): a field error, as a timeout is, so the
 * client sends it again later with the same uuid; nothing went to Kafka. */
static const char HANDLER_SILENT[] = "the bank is not answering commands right now";

/* The error for a gw_backbone_begin result that is none of NEW, JOINED or
 * ANSWERED. */
static const char *begin_error(int rc)
{
    return rc == GW_STORE_EFULL ? "too many commands in flight, try again" : "internal error";
}

/* A new call of `kind` that answers done(user, ...) on t's loop; NULL when
 * out of memory. The caller owns it until it is finished or handed to the
 * backbone as a waiter. */
static gw_bank_call_t *call_new(gw_bank_t *r, gw_thread_t *t, gw_bank_kind_t kind, gw_bank_done_fn done, void *user)
{
    gw_bank_call_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->w.loop = t->index;
    c->w.discard = call_discard;
    c->w.start_ns = gw_hist_now_ns();
    c->r = r;
    c->t = t;
    c->kind = kind;
    c->done = done;
    c->user = user;
    return c;
}

/* ------------------------------------------------------------ password jobs */

/* The cancel hook of a Mutation's hold (on the call's loop): the client is
 * gone. A job still queued is dropped by the worker that takes it. */
static void call_gone(void *arg)
{
    gw_bank_call_t *c = arg;
    c->gone = true;
    c->pending = NULL; /* the hook has fired */
    if (c->job != NULL)
        atomic_store_explicit(&c->job->pj.gone, true, memory_order_release);
}

/* A worker finished (or dropped) the job; back to the call's loop. */
static void job_done(gw_pwhash_job_t *pj)
{
    job_t *j = (job_t *)((char *)pj - offsetof(job_t, pj));
    gw_bank_call_t *c = j->call;
    /* the password is not needed any more (a lost credentials race
     * verifies again: then it is kept until that job) */
    if (pj->verify || pj->result != GW_PWHASH_OK) {
        wipe_free(c->password, c->plen);
        c->password = NULL;
    }
    gw_server_push(j->r->server, c->t->index, &j->msg); /* loops stopped: disposed at once */
}

static void job_after(gw_bank_call_t *c, job_t *j);

static void job_run(gw_thread_t *t, void *arg)
{
    (void)t;
    job_t *j = arg;
    j->dispatched = true;
    j->call->job = NULL;
    job_after(j->call, j);
}

static void job_dispose(gw_loopq_msg_t *m)
{
    job_t *j = (job_t *)m;
    if (!j->dispatched)
        call_free(j->call);
    sodium_memzero(j->pj.hash, sizeof j->pj.hash);
    free(j);
}

static const char TOO_MANY[] = "too many logins, try again";

/* Queue a password job for c (verify against pwhash, or hash). On failure
 * the call is answered with an error: "too many logins, try again" when the
 * pool refuses it (its expected wait is over accounts.pwhash.max_wait_ms). */
static void submit(gw_bank_call_t *c, bool verify, const char *pwhash)
{
    gw_bank_t *r = c->r;
    job_t *j = calloc(1, sizeof *j);
    if (j == NULL || c->password == NULL) {
        free(j);
        fail_later(c, "internal error");
        return;
    }
    j->msg.kind = GW_LOOPQ_CALL;
    j->msg.dispose = job_dispose;
    j->msg.u.call.fn = job_run;
    j->msg.u.call.arg = j;
    j->r = r;
    j->call = c;
    j->pj.verify = verify;
    j->pj.password = c->password;
    j->pj.len = c->plen;
    j->pj.done = job_done;
    atomic_init(&j->pj.gone, c->gone);
    if (verify)
        snprintf(j->pj.hash, sizeof j->pj.hash, "%s", pwhash != NULL ? pwhash : "");
    c->stage = verify ? ST_VERIFY : ST_HASH;
    c->job = j; /* before the pool may run it: job_done happens after */
    int rc = gw_pwhash_submit(r->pool, &j->pj);
    if (rc != 0) {
        c->job = NULL;
        free(j);
        fail_later(c, rc == GW_STORE_EFULL ? TOO_MANY : "internal error");
    }
}

/* ------------------------------------------------------------ get_account */

static void begin_command(gw_bank_call_t *c, gw_cmd_table_t table);

static void send_account(gw_bank_call_t *c, const uint8_t uuid[16])
{
    memcpy(c->uuid, uuid, 16);
    c->stage = ST_ACCOUNT;
    begin_command(c, GW_CMD_ACCOUNT);
}

static void job_after(gw_bank_call_t *c, job_t *j)
{
    gw_bank_t *r = c->r;
    if (j->pj.result == GW_PWHASH_DROPPED) { /* nobody reads the answer: nothing was computed or registered */
        fail(c, "the client went away before its password was checked");
        finish(c);
        return;
    }
    if (c->stage == ST_VERIFY) {
        const gw_account_t *a = gw_accounts_find(r->acc, (gw_str_t){c->username, (uint32_t)c->ulen});
        if (j->pj.result != GW_PWHASH_OK || a == NULL) {
            c->has_reason = true;
            snprintf(c->reason, sizeof c->reason, "incorrect password");
            finish(c);
            return;
        }
        send_account(c, a->uuid);
        return;
    }
    /* ST_HASH */
    if (j->pj.result != GW_PWHASH_OK) {
        fail(c, "internal error");
        finish(c);
        return;
    }
    uint8_t uuid[16];
    gw_uuid_v4(uuid);
    memcpy(c->uuid, uuid, 16);
    c->stage = ST_CREDENTIALS;
    gw_outcome_t *o = NULL;
    int rc = gw_backbone_begin(r->bb, GW_CMD_CREDENTIALS, uuid, &c->w, &o);
    if (rc != GW_INFLIGHT_NEW) {
        if (o != NULL)
            gw_outcome_release(o);
        fail(c, begin_error(rc));
        finish(c);
        return;
    }
    char err[TEXT];
    if (gw_backbone_send_credentials(r->bb, c->username, c->ulen, uuid, j->pj.hash, err, sizeof err) != 0)
        gw_backbone_fail(r->bb, GW_CMD_CREDENTIALS, uuid, err); /* answers us through the queue */
}

static gw_bank_call_t *start_get_account(gw_bank_t *r, gw_thread_t *t, const char *username, size_t ulen,
                                         const char *password, size_t plen, gw_bank_done_fn done, void *user)
{
    gw_bank_call_t *c = call_new(r, t, GW_BANK_ACCOUNT, done, user);
    if (c == NULL)
        return NULL;
    if (r->bb == NULL) {
        fail_later(c, NO_KAFKA);
        return c;
    }
    char msg[GW_FIELDS_MSG];
    if (gw_fields_check_login((gw_str_t){username, (uint32_t)(ulen < UINT32_MAX ? ulen : UINT32_MAX)},
                              (gw_str_t){password, (uint32_t)(plen < UINT32_MAX ? plen : UINT32_MAX)}, msg,
                              sizeof msg) != 0) {
        fail_later(c, msg);
        return c;
    }
    /* Never decide on a name against projections that are not complete yet
     * (replaying, or missing events): the answer would be a new account for a
     * name that may have one. */
    char why[TEXT / 2];
    if (!gw_backbone_ready(r->bb, why, sizeof why)) {
        snprintf(c->errbuf, sizeof c->errbuf, "the gateway is not ready (%s), try again", why);
        c->error = c->errbuf;
        finish_later(c);
        return c;
    }
    if (!gw_backbone_admit_command(r->bb)) { /* before a credentials claim is produced */
        fail_later(c, HANDLER_SILENT);
        return c;
    }
    c->username = malloc(ulen + 1);
    c->password = malloc(plen + 1);
    if (c->username == NULL || c->password == NULL) {
        call_free(c);
        return NULL;
    }
    memcpy(c->username, username, ulen);
    c->username[ulen] = '\0';
    c->ulen = ulen;
    memcpy(c->password, password, plen);
    c->password[plen] = '\0';
    c->plen = plen;
    const gw_account_t *a = gw_accounts_find(r->acc, (gw_str_t){c->username, (uint32_t)ulen});
    submit(c, a != NULL, a != NULL ? a->pwhash.ptr : NULL);
    return c;
}

/* ------------------------------------------------------------ commands */

static void take_outcome(gw_bank_call_t *c, const gw_outcome_t *o)
{
    c->success = o->success;
    c->has_reason = !o->success;
    snprintf(c->reason, sizeof c->reason, "%s", o->reason.ptr != NULL ? o->reason.ptr : "");
    snprintf(c->iban, sizeof c->iban, "%s", o->iban.ptr != NULL ? o->iban.ptr : "");
    snprintf(c->token_out, sizeof c->token_out, "%s", o->token.ptr != NULL ? o->token.ptr : "");
}

/* Wait for c->uuid in `table`, producing the command when it is new. */
static void begin_command(gw_bank_call_t *c, gw_cmd_table_t table)
{
    gw_backbone_t *bb = c->r->bb;
    gw_outcome_t *o = NULL;
    /* set before the waiter is linked: the Kafka thread reads it from then
     * on (a call that joins another's command is timed from its join) */
    c->w.sent_ns = gw_hist_now_ns();
    gw_backbone_observe(bb, GW_STAGE_SEND, c->w.sent_ns - c->w.start_ns);
    int rc = table == GW_CMD_TRANSFER ? gw_backbone_begin_bound(bb, table, c->uuid, c->digest, &c->w, &o)
                                      : gw_backbone_begin(bb, table, c->uuid, &c->w, &o);
    if (rc == GW_INFLIGHT_CONFLICT) {
        fail_later(c, GW_REASON_UUID_REUSED);
        return;
    }
    if (rc == GW_INFLIGHT_ANSWERED) {
        take_outcome(c, o);
        gw_outcome_release(o);
        finish_later(c);
        return;
    }
    if (rc == GW_INFLIGHT_JOINED)
        return;
    if (rc != GW_INFLIGHT_NEW) {
        fail_later(c, begin_error(rc));
        return;
    }
    if (!gw_backbone_admit_command(bb)) { /* answers every waiter of the uuid (ours too) */
        gw_backbone_fail(bb, table, c->uuid, HANDLER_SILENT);
        return;
    }
    char err[TEXT];
    int sent;
    if (table == GW_CMD_ACCOUNT) {
        sent = gw_backbone_send_account(bb, c->uuid, c->username, c->ulen, &c->w.trace, err, sizeof err);
    } else {
        gw_transfer_cmd_t cmd = {.token = c->token,
                                 .amount = c->amount,
                                 .from = c->from,
                                 .to = c->to,
                                 .description = c->descr,
                                 .username = c->username,
                                 .username_len = c->ulen,
                                 .trace = &c->w.trace};
        memcpy(cmd.uuid, c->uuid, 16);
        sent = gw_backbone_send_transfer(bb, &cmd, err, sizeof err);
    }
    if (sent != 0) {
        char why[2 * TEXT];
        snprintf(why, sizeof why, "the command could not be sent to Kafka: %s", err);
        gw_backbone_fail(bb, table, c->uuid, why);
    }
}

/* A NUL-terminated copy of s (its length kept: a value may hold a NUL). */
static char *dup_str(gw_str_t s)
{
    char *p = malloc((size_t)s.len + 1);
    if (p != NULL) {
        if (s.len > 0)
            memcpy(p, s.ptr, s.len);
        p[s.len] = '\0';
    }
    return p;
}

static gw_bank_call_t *start_money_transfer(gw_bank_t *r, gw_thread_t *t, const gw_bank_transfer_args_t *a,
                                            gw_bank_done_fn done, void *user)
{
    gw_bank_call_t *c = call_new(r, t, GW_BANK_TRANSFER, done, user);
    if (c == NULL)
        return NULL;
    size_t ul = a->uuid_len < GW_UUID_STRLEN ? a->uuid_len : GW_UUID_STRLEN;
    memcpy(c->uuid_text, a->uuid, ul);
    c->uuid_text[ul] = '\0';
    if (r->bb == NULL) {
        fail_later(c, NO_KAFKA);
        return c;
    }
    if (a->uuid_len != GW_UUID_STRLEN) {
        snprintf(c->errbuf, sizeof c->errbuf, "uuid must be a UUID of %d characters (got %zu)", GW_UUID_STRLEN,
                 a->uuid_len);
        c->error = c->errbuf;
        finish_later(c);
        return c;
    }
    if (gw_uuidstr_parse(a->uuid, a->uuid_len, c->uuid) != 0) {
        snprintf(c->errbuf, sizeof c->errbuf, "uuid must be a UUID (8-4-4-4-12 hexadecimal digits), got \"%.*s\"",
                 (int)(a->uuid_len < 64 ? a->uuid_len : 64), a->uuid);
        c->error = c->errbuf;
        finish_later(c);
        return c;
    }
    gw_transfer_fields_t f = {
        .token = a->token,
        .from = a->from,
        .to = a->to,
        .descr = a->descr,
        .username = a->username,
        .amount = a->amount,
    };
    char msg[GW_FIELDS_MSG];
    if (gw_fields_check_transfer(&f, msg, sizeof msg) != 0) {
        fail_later(c, msg);
        return c;
    }
    gw_transfer_digest(&f, c->digest);
    c->token = dup_str(a->token);
    c->from = dup_str(a->from);
    c->to = dup_str(a->to);
    c->descr = dup_str(a->descr);
    if (a->username.ptr != NULL) {
        c->username = dup_str(a->username);
        c->ulen = a->username.len;
    }
    c->amount = a->amount;
    if (c->token == NULL || c->from == NULL || c->to == NULL || c->descr == NULL ||
        (a->username.ptr != NULL && c->username == NULL)) {
        call_free(c);
        return NULL;
    }
    c->stage = ST_TRANSFER;
    call_trace(c, a->trace);
    begin_command(c, GW_CMD_TRANSFER);
    return c;
}

/* A loop's GW_LOOPQ_ANSWER: a call's command was answered. */
static void on_answer(gw_thread_t *t, const gw_loopq_msg_t *m, void *data)
{
    (void)t, (void)data;
    gw_bank_call_t *c = m->u.answer.waiter;
    if (c == NULL)
        return;
    ((gw_loopq_msg_t *)m)->u.answer.waiter = NULL; /* ours now (see gw_cmd_waiter_t) */
    if (m->u.answer.status != GW_ANSWER_OK) {
        fail(c, m->u.answer.reason[0] ? m->u.answer.reason : "timed out waiting for confirmation");
        finish(c);
        return;
    }
    if (c->stage == ST_CREDENTIALS) {
        if (m->u.answer.success) {
            send_account(c, c->uuid);
            return;
        }
        /* another record of this name came first: it is a login to that account */
        const gw_account_t *a = gw_accounts_find(c->r->acc, (gw_str_t){c->username, (uint32_t)c->ulen});
        if (a == NULL) {
            fail(c, "internal error");
            finish(c);
            return;
        }
        submit(c, true, a->pwhash.ptr);
        return;
    }
    c->success = m->u.answer.success;
    c->has_reason = !m->u.answer.success;
    snprintf(c->reason, sizeof c->reason, "%s", m->u.answer.reason);
    snprintf(c->iban, sizeof c->iban, "%s", m->u.answer.iban);
    snprintf(c->token_out, sizeof c->token_out, "%s", m->u.answer.token);
    /* a transfer's last stages: the answer written (finish frees c) */
    bool timed = c->stage == ST_TRANSFER;
    gw_backbone_t *bb = c->r->bb;
    uint64_t start = c->w.start_ns;
    finish(c);
    if (timed) {
        uint64_t now = gw_hist_now_ns();
        gw_backbone_observe(bb, GW_STAGE_ANSWER, now - m->u.answer.consumed_ns);
        gw_backbone_observe(bb, GW_STAGE_TOTAL, now - start);
    }
}

static int thread_start(gw_thread_t *t, void *data)
{
    return gw_loopq_on(&t->loopq, GW_LOOPQ_ANSWER, on_answer, data) == 0 ? 0 : GW_EFULL;
}

/* ------------------------------------------------------------ lifecycle */

/* /metrics: the password pool's families. */
static void render_metrics(gql_buf_t *out, void *data)
{
    gw_bank_t *r = data;
    if (r->pool == NULL)
        return;
    gw_pwhash_stats_t st;
    gw_pwhash_stats(r->pool, &st);
    gql_buf_printf(out,
                   "# HELP gateway_pwhash_jobs_total Password jobs (argon2id hash or verify) by outcome: done, "
                   "dropped (the client left before it started), refused (expected wait over "
                   "accounts.pwhash.max_wait_ms), failed.\n"
                   "# TYPE gateway_pwhash_jobs_total counter\n"
                   "gateway_pwhash_jobs_total{result=\"done\"} %llu\n"
                   "gateway_pwhash_jobs_total{result=\"dropped\"} %llu\n"
                   "gateway_pwhash_jobs_total{result=\"refused\"} %llu\n"
                   "gateway_pwhash_jobs_total{result=\"failed\"} %llu\n"
                   "# HELP gateway_pwhash_seconds Time of each argon2id run on a worker.\n"
                   "# TYPE gateway_pwhash_seconds summary\n"
                   "gateway_pwhash_seconds_sum %.6f\n"
                   "gateway_pwhash_seconds_count %llu\n",
                   (unsigned long long)st.done, (unsigned long long)st.dropped, (unsigned long long)st.refused,
                   (unsigned long long)st.failed, st.seconds_sum, (unsigned long long)st.seconds_count);
    gql_buf_printf(out,
                   "# HELP gateway_pwhash_expected_seconds Moving average of the seconds per password job (the "
                   "admission estimate).\n"
                   "# TYPE gateway_pwhash_expected_seconds gauge\n"
                   "gateway_pwhash_expected_seconds %.6f\n",
                   st.avg_seconds);
    gw_metrics_family(out, "gateway_pwhash_queued", "gauge", "Password jobs waiting for a worker.", (int64_t)st.queued);
    gw_metrics_family(out, "gateway_pwhash_threads", "gauge", "Password hashing threads.", st.threads);
}

gw_bank_t *gw_bank_new(gw_server_t *s, gw_backbone_t *bb, gw_txstore_t *store)
{
    gw_bank_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->server = s;
    r->bb = bb;
    if (bb != NULL) {
        r->tx = gw_backbone_txstore(bb);
        r->acc = gw_backbone_accounts(bb);
        const gw_config_t *cf = s->config;
        gw_pwhash_params_t p = {cf->accounts.pwhash.memlimit_kib, cf->accounts.pwhash.opslimit};
        char err[TEXT];
        if ((r->pool = gw_pwhash_pool_new(&p, cf->accounts.pwhash.threads, cf->accounts.pwhash.max_wait_ms, err,
                                          sizeof err)) == NULL) {
            gw_log_msg(&s->log, GW_LOG_ERROR, "password hashing", err);
            gw_bank_free(r);
            return NULL;
        }
        gw_pwhash_stats_t st;
        gw_pwhash_stats(r->pool, &st);
        char what[TEXT];
        snprintf(what, sizeof what,
                 "argon2id memlimit %llu KiB, opslimit %llu, 1 lane; %d threads at nice 10; %.1f ms per hash at "
                 "start; max_wait_ms %llu",
                 (unsigned long long)p.memlimit_kib, (unsigned long long)p.opslimit, st.threads,
                 st.avg_seconds * 1000.0, (unsigned long long)cf->accounts.pwhash.max_wait_ms);
        gw_log_msg(&s->log, GW_LOG_INFO, "password hashing", what);
        if (gw_server_add_thread_hook(s, thread_start, NULL, r) != 0 ||
            gw_server_add_metrics(s, render_metrics, r) != 0) {
            gw_bank_free(r);
            return NULL;
        }
    } else if (store != NULL) {
        r->tx = store;
    } else {
        if ((r->own_tx = gw_txstore_new()) == NULL) {
            gw_bank_free(r);
            return NULL;
        }
        r->tx = r->own_tx;
    }
    return r;
}

void gw_bank_free(gw_bank_t *r)
{
    if (r == NULL)
        return;
    gw_pwhash_pool_free(r->pool); /* jobs never started come back STOPPED: their loops are gone, so disposed */
    gw_txstore_free(r->own_tx);
    free(r);
}

/* ------------------------------------------------------------ authorization */

/* The seeded company account (tools/command-handler/bank.h). */
static const char COMPANY_IBAN[] = "NL66OPEN0000000000";

static void rv_coded(gql_rv_t *out, const char *code, const char *msg)
{
    out->kind = GQL_RV_ERROR_CODE;
    out->u.obj.ptr = msg;
    out->u.obj.type_name = code;
}

static const char NEED_SESSION[] = "authentication required: send the session credential get_account returned "
                                   "(Authorization: Bearer, the gw_session cookie, or connection_init)";
static const char NEED_OWN[] = "forbidden: not one of your accounts";
static const char NEED_EMPLOYEE[] = "forbidden: this needs the employee role (auth.employees)";

/* Session mode: may the caller read account `iban` (NULL: every account)?
 * Its own, or any with the employee role. Returns the error's code and
 * sets *msg, or NULL when allowed (always in open mode). */
static const char *check_read(const gql_resolve_info_t *info, const char *iban, size_t len, const char **msg)
{
    if (!gw_auth_session(gw_exec_info_auth(info)))
        return NULL;
    const gw_caller_t *c = gw_exec_caller(info);
    if (c == NULL || !c->present) {
        *msg = NEED_SESSION;
        return "UNAUTHENTICATED";
    }
    if (c->employee)
        return NULL;
    if (iban != NULL && strlen(c->iban) == len && memcmp(c->iban, iban, len) == 0)
        return NULL;
    *msg = iban != NULL ? NEED_OWN : NEED_EMPLOYEE;
    return "FORBIDDEN";
}

/* check_read as a field error in *out; true when denied. */
static bool deny(const gql_resolve_info_t *info, const char *iban, size_t len, gql_rv_t *out)
{
    const char *msg = NULL, *code = check_read(info, iban, len, &msg);
    if (code == NULL)
        return false;
    rv_coded(out, code, msg);
    return true;
}

/* Session mode: UNAUTHENTICATED in *out (true) without a credential. */
static bool deny_anonymous(const gql_resolve_info_t *info, gql_rv_t *out)
{
    const gw_caller_t *c = gw_exec_caller(info);
    if (!gw_auth_session(gw_exec_info_auth(info)) || (c != NULL && c->present))
        return false;
    rv_coded(out, "UNAUTHENTICATED", NEED_SESSION);
    return true;
}

/* Session mode: money leaves `from` only by its owner's hand; cash
 * deposits and the company account need the employee role. true (with the
 * error in *out) when denied. */
static bool deny_transfer(const gql_resolve_info_t *info, const char *from, size_t len, gql_rv_t *out)
{
    if (!gw_auth_session(gw_exec_info_auth(info)))
        return false;
    const gw_caller_t *c = gw_exec_caller(info);
    if (c == NULL || !c->present) {
        rv_coded(out, "UNAUTHENTICATED", NEED_SESSION);
        return true;
    }
    bool special = (len == 4 && memcmp(from, "cash", 4) == 0) ||
                   (len == sizeof COMPANY_IBAN - 1 && memcmp(from, COMPANY_IBAN, len) == 0);
    if (special) {
        if (c->employee)
            return false;
        rv_coded(out, "FORBIDDEN", "forbidden: cash deposits and the company account need the employee role");
        return true;
    }
    if (strlen(c->iban) == len && memcmp(c->iban, from, len) == 0)
        return false;
    rv_coded(out, "FORBIDDEN", "forbidden: money_transfer.from is not one of your accounts");
    return true;
}

/* ------------------------------------------------------------ Query */

static void rv_error(gql_rv_t *out, const char *msg)
{
    out->kind = GQL_RV_ERROR;
    out->u.s.ptr = msg;
    out->u.s.len = strlen(msg);
}

static void rv_string(gql_rv_t *out, const char *s, size_t len)
{
    if (s == NULL)
        return;
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = len;
}

/* A list value of n transactions copied into the arena. */
static void tx_list(const gql_resolve_info_t *info, const gw_tx_t *rows, size_t n, gql_rv_t *out)
{
    gql_rv_t *items = n ? gql_arena_alloc(info->arena, n * sizeof *items) : NULL;
    gw_tx_t *copy = n ? gql_arena_alloc(info->arena, n * sizeof *copy) : NULL;
    if (n && (items == NULL || copy == NULL)) {
        rv_error(out, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        copy[i] = rows[i];
        items[i].kind = GQL_RV_OBJECT;
        items[i].u.obj.ptr = &copy[i];
        items[i].u.obj.type_name = NULL;
    }
    out->kind = GQL_RV_LIST;
    out->u.list.items = items;
    out->u.list.count = n;
}

static void resolve_all_last(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    const gw_bank_t *r = info->field_data;
    if (deny(info, NULL, 0, out))
        return;
    size_t cap = gw_txstore_iban_count(r->tx);
    gw_tx_t *rows = gql_arena_alloc(info->arena, (cap ? cap : 1) * sizeof *rows);
    if (rows == NULL) {
        rv_error(out, "out of memory");
        return;
    }
    size_t n = gw_txstore_latest_per_iban(r->tx, rows, cap);
    tx_list(info, rows, n, out);
}

static void resolve_by_id(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    const gw_bank_t *r = info->field_data;
    const gql_iv_t *id = gql_arg(args, "id");
    if (id == NULL || id->kind != GQL_IV_INT || id->u.i <= 0)
        return;
    if (deny_anonymous(info, out)) /* before the lookup: whether an id exists is not for strangers */
        return;
    gw_tx_t *t = gql_arena_alloc(info->arena, sizeof *t);
    if (t == NULL) {
        rv_error(out, "out of memory");
        return;
    }
    if (gw_txstore_get(r->tx, (uint64_t)id->u.i, t)) {
        if (deny(info, t->iban.ptr, t->iban.len, out))
            return;
        out->kind = GQL_RV_OBJECT;
        out->u.obj.ptr = t;
    }
}

static void resolve_by_iban(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    const gw_bank_t *r = info->field_data;
    const gql_iv_t *iban = gql_arg(args, "iban");
    const gql_iv_t *max = gql_arg(args, "max_items");
    if (iban == NULL || iban->kind != GQL_IV_STRING)
        return;
    if (iban->u.s.len > GW_IBAN_QUERY_MAX) {
        char *msg = gql_arena_alloc(info->arena, GW_FIELDS_MSG);
        if (msg != NULL)
            snprintf(msg, GW_FIELDS_MSG, "iban must be at most %d characters (got %zu)", GW_IBAN_QUERY_MAX,
                     iban->u.s.len);
        rv_error(out, msg != NULL ? msg : "iban too long");
        return;
    }
    if (deny(info, iban->u.s.ptr, iban->u.s.len, out))
        return;
    size_t limit = MAX_LIST;
    if (max != NULL && max->kind == GQL_IV_INT)
        limit = max->u.i < 0 ? 0 : (max->u.i < MAX_LIST ? (size_t)max->u.i : MAX_LIST);
    gw_tx_t *rows = gql_arena_alloc(info->arena, (limit ? limit : 1) * sizeof *rows);
    if (rows == NULL) {
        rv_error(out, "out of memory");
        return;
    }
    size_t n = gw_txstore_by_iban(r->tx, (gw_str_t){iban->u.s.ptr, (uint32_t)iban->u.s.len}, rows, limit);
    tx_list(info, rows, n, out);
}

/* Transaction's fields, over a gw_tx_t. field_data selects the member. */
typedef enum tx_field { TF_ID, TF_IBAN, TF_NEW_BALANCE, TF_CHANGED_BY, TF_FROM_TO, TF_DESCR, TF_DIRECTION } tx_field_t;

static void resolve_tx(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const gw_tx_t *t = parent;
    if (t == NULL)
        return;
    switch ((tx_field_t)(intptr_t)info->field_data) {
    case TF_ID:
        out->kind = GQL_RV_INT;
        out->u.i = (int64_t)t->id;
        return;
    case TF_IBAN:
        rv_string(out, t->iban.ptr, t->iban.len);
        return;
    case TF_FROM_TO:
        rv_string(out, t->from_to.ptr, t->from_to.len);
        return;
    case TF_DESCR:
        rv_string(out, t->description.ptr, t->description.len);
        return;
    case TF_DIRECTION: {
        const char *d = gw_direction_name(gw_direction_of(t->changed_by));
        rv_string(out, d, strlen(d));
        return;
    }
    case TF_NEW_BALANCE:
    case TF_CHANGED_BY: {
        char *b = gql_arena_alloc(info->arena, GW_MONEY_MAX);
        if (b == NULL) {
            rv_error(out, "out of memory");
            return;
        }
        size_t n = (tx_field_t)(intptr_t)info->field_data == TF_NEW_BALANCE
                       ? gw_money_format(b, GW_MONEY_MAX, t->new_balance)
                       : gw_money_format_abs(b, GW_MONEY_MAX, t->changed_by);
        rv_string(out, b, n);
        return;
    }
    }
}

/* ------------------------------------------------------------ Mutation / Subscription */

static char *arena_str(gql_arena_t *a, const char *s)
{
    return s != NULL ? gql_arena_strdup(a, s) : NULL;
}

/* An answer copied into arena `a`, as the result types' resolvers read it. */
static gw_bank_answer_t *answer_copy(gql_arena_t *a, const gw_bank_answer_t *src)
{
    gw_bank_answer_t *d = gql_arena_alloc(a, sizeof *d);
    if (d == NULL)
        return NULL;
    *d = *src;
    d->error = arena_str(a, src->error);
    d->iban = arena_str(a, src->iban);
    d->token = arena_str(a, src->token);
    d->session = arena_str(a, src->session);
    d->uuid = arena_str(a, src->uuid);
    d->reason = arena_str(a, src->reason);
    return d;
}

/* The answer as a field value: the error, or the result object. */
static void answer_value(const gw_bank_answer_t *a, gql_rv_t *v)
{
    if (a == NULL) {
        rv_error(v, "out of memory");
    } else if (a->error != NULL) {
        rv_error(v, a->error);
    } else {
        v->kind = GQL_RV_OBJECT;
        v->u.obj.ptr = a;
        v->u.obj.type_name = NULL;
    }
}

/* A Mutation field's command answered: the held execution (gateway/pending.h;
 * HTTP, WebSocket or SSE) goes on with the answer as the field's value. */
static void resume_pending(void *user, const gw_bank_answer_t *a)
{
    gw_pending_t *p = user;
    gw_caller_t *caller = gw_pending_caller(p);
    if (a->session != NULL && caller != NULL) /* the transport sets it as a cookie (HTTP) */
        snprintf(caller->issued, sizeof caller->issued, "%s", a->session);
    gql_rv_t v = {.kind = GQL_RV_NULL};
    answer_value(answer_copy(gw_pending_arena(p), a), &v);
    gw_pending_resume(p, &v);
}

/* A string argument as a gw_str_t (lengths above 4 GiB are clamped: every
 * limit is far below). */
static gw_str_t arg_str(const gql_iv_t *v)
{
    return (gw_str_t){v->u.s.ptr, (uint32_t)(v->u.s.len < UINT32_MAX ? v->u.s.len : UINT32_MAX)};
}

static void resolve_mutation(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    gw_bank_t *r = info->field_data;
    gw_thread_t *t = info->context != NULL ? gw_exec_thread(info->context) : NULL;
    gw_pending_t *p = gw_pending_hold(info);
    if (p == NULL || t == NULL) {
        rv_error(out, "cannot wait for the command's answer");
        return;
    }
    gw_bank_call_t *c;
    if (strcmp(info->field_name, "get_account") == 0) {
        const gql_iv_t *u = gql_arg(args, "username"), *pw = gql_arg(args, "password");
        if (u == NULL || u->kind != GQL_IV_STRING || pw == NULL || pw->kind != GQL_IV_STRING) {
            rv_error(out, "username and password are required");
            return;
        }
        c = start_get_account(r, t, u->u.s.ptr, u->u.s.len, pw->u.s.ptr, pw->u.s.len, resume_pending, p);
        if (c != NULL) /* answered from the loop's queue at the earliest: not yet */
            c->auth = gw_exec_info_auth(info);
        if (c != NULL)
            call_trace(c, gw_exec_trace(info)); /* its command is sent later, after the password worker */
    } else {
        const gql_iv_t *uuid = gql_arg(args, "uuid"), *tok = gql_arg(args, "token"), *amt = gql_arg(args, "amount"),
                       *from = gql_arg(args, "from"), *to = gql_arg(args, "to"), *d = gql_arg(args, "descr"),
                       *un = gql_arg(args, "username");
        if (uuid == NULL || uuid->kind != GQL_IV_STRING || tok == NULL || tok->kind != GQL_IV_STRING || amt == NULL ||
            amt->kind != GQL_IV_INT || from == NULL || from->kind != GQL_IV_STRING || to == NULL ||
            to->kind != GQL_IV_STRING || d == NULL || d->kind != GQL_IV_STRING) {
            rv_error(out, "missing arguments");
            return;
        }
        if (deny_transfer(info, from->u.s.ptr, from->u.s.len, out))
            return;
        /* session mode: the command names who sent it, whatever the argument says */
        const gw_caller_t *caller = gw_auth_session(gw_exec_info_auth(info)) ? gw_exec_caller(info) : NULL;
        gw_bank_transfer_args_t a = {
            .uuid = uuid->u.s.ptr,
            .uuid_len = uuid->u.s.len,
            .token = arg_str(tok),
            .from = arg_str(from),
            .to = arg_str(to),
            .descr = arg_str(d),
            .username = caller != NULL ? (gw_str_t){caller->username, (uint32_t)strlen(caller->username)}
                        : un != NULL && un->kind == GQL_IV_STRING ? arg_str(un)
                                                                  : (gw_str_t){NULL, 0},
            .amount = amt->u.i,
            .trace = gw_exec_trace(info),
        };
        c = start_money_transfer(r, t, &a, resume_pending, p);
    }
    if (c == NULL) {
        rv_error(out, "out of memory");
        return;
    }
    c->pending = p; /* c lives until it resumes p: the hook stays valid */
    gw_pending_on_cancel(p, call_gone, c);
    out->kind = GQL_RV_PENDING;
}

static int subscribe_transactions(const gql_resolve_info_t *info, const gql_args_t *args, void **stream,
                                  const char **error)
{
    const gql_iv_t *v = gql_arg(args, "iban");
    const char *msg = NULL, *code = v != NULL && v->kind == GQL_IV_STRING
                                        ? check_read(info, v->u.s.ptr, v->u.s.len, &msg)
                                        : check_read(info, NULL, 0, &msg);
    if (code != NULL) {
        *error = msg;
        if (info->error_code != NULL)
            *info->error_code = code;
        return GQL_EFAIL;
    }
    gw_subs_source_t *spec;
    int rc = gw_subs_source_transactions(info->arena, args, &spec, error);
    if (rc == 0)
        *stream = spec;
    return rc;
}

/* get_account and money_transfer as subscriptions: one result, from the
 * same resolver as the Mutation field (it holds the execution until the
 * command is answered), then complete. */
static int subscribe_once(const gql_resolve_info_t *info, const gql_args_t *args, void **stream, const char **error)
{
    (void)info, (void)args, (void)error;
    *stream = (void *)gw_subs_source_once();
    return 0;
}

/* Subscription.stream_transactions: the event is the transaction, the
 * field's value the root value (a gw_tx_t, subs.h). */
static void resolve_event(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    if (parent == NULL)
        return;
    out->kind = GQL_RV_OBJECT;
    out->u.obj.ptr = parent;
    out->u.obj.type_name = NULL;
}

typedef enum ans_field { AF_IBAN, AF_TOKEN, AF_REASON, AF_UUID, AF_SUCCESS, AF_SESSION } ans_field_t;

static void resolve_answer(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const gw_bank_answer_t *a = parent;
    if (a == NULL)
        return;
    const char *s = NULL;
    switch ((ans_field_t)(intptr_t)info->field_data) {
    case AF_IBAN:
        s = a->iban;
        break;
    case AF_TOKEN:
        s = a->token;
        break;
    case AF_SESSION:
        s = a->session;
        break;
    case AF_REASON:
        s = a->reason;
        break;
    case AF_UUID:
        s = a->uuid;
        break;
    case AF_SUCCESS:
        out->kind = GQL_RV_BOOLEAN;
        out->u.b = a->success;
        return;
    }
    if (s != NULL)
        rv_string(out, s, strlen(s));
}

static void note_missing(gql_buf_t *missing, const char *type, const char *field)
{
    if (missing == NULL)
        return;
    if (missing->len)
        gql_buf_puts(missing, ", ");
    gql_buf_printf(missing, "%s.%s", type, field);
}

int gw_bank_bind(gql_schema_t *schema, gw_bank_t *r, gql_buf_t *missing)
{
    static const struct {
        const char *type, *field;
        gql_resolver_fn fn;
        intptr_t which; /* -1: field_data is the resolvers */
    } FIELDS[] = {
        {"Query", "all_last_transactions", resolve_all_last, -1},
        {"Query", "transaction_by_id", resolve_by_id, -1},
        {"Query", "transactions_by_iban", resolve_by_iban, -1},
        {"Transaction", "id", resolve_tx, TF_ID},
        {"Transaction", "iban", resolve_tx, TF_IBAN},
        {"Transaction", "new_balance", resolve_tx, TF_NEW_BALANCE},
        {"Transaction", "changed_by", resolve_tx, TF_CHANGED_BY},
        {"Transaction", "from_to", resolve_tx, TF_FROM_TO},
        {"Transaction", "descr", resolve_tx, TF_DESCR},
        {"Transaction", "direction", resolve_tx, TF_DIRECTION},
        {"Mutation", "get_account", resolve_mutation, -1},
        {"Mutation", "money_transfer", resolve_mutation, -1},
        {"Subscription", "get_account", resolve_mutation, -1},
        {"Subscription", "money_transfer", resolve_mutation, -1},
        {"Subscription", "stream_transactions", resolve_event, -1},
        {"AccountResult", "iban", resolve_answer, AF_IBAN},
        {"AccountResult", "token", resolve_answer, AF_TOKEN},
        {"AccountResult", "reason", resolve_answer, AF_REASON},
        {"AccountResult", "session", resolve_answer, AF_SESSION},
        {"MoneyTransferResult", "uuid", resolve_answer, AF_UUID},
        {"MoneyTransferResult", "success", resolve_answer, AF_SUCCESS},
        {"MoneyTransferResult", "reason", resolve_answer, AF_REASON},
    };
    int bound = 0;
    for (size_t i = 0; i < sizeof FIELDS / sizeof *FIELDS; i++) {
        void *data = FIELDS[i].which < 0 ? (void *)r : (void *)FIELDS[i].which;
        if (gql_schema_bind(schema, FIELDS[i].type, FIELDS[i].field, FIELDS[i].fn, data) == 0)
            bound++;
        else
            note_missing(missing, FIELDS[i].type, FIELDS[i].field);
    }
    static const struct {
        const char *field;
        gql_subscribe_fn fn;
    } SOURCES[] = {
        {"stream_transactions", subscribe_transactions},
        {"get_account", subscribe_once},
        {"money_transfer", subscribe_once},
    };
    for (size_t i = 0; i < sizeof SOURCES / sizeof *SOURCES; i++)
        if (gql_schema_bind_subscribe(schema, SOURCES[i].field, SOURCES[i].fn, r) != 0)
            note_missing(missing, "Subscription", SOURCES[i].field);
    if (missing != NULL && missing->oom)
        return GW_ENOMEM;
    return bound;
}
