/*
 * load.h — one run of bank-load: its options, its generators (one
 * connection each, rules.h deciding what they send), the per-second rows,
 * the balance check at the end and the summary. Private to the tool; main.c
 * fills the options and drives a run, load.c runs the generators,
 * verify.c reads the balances back, rows.c writes the JSON lines.
 *
 * Everything a run needs lives in bl_run_t, which main() owns; there is no
 * other mutable state. One thread: an epoll loop (bl_run_loop) dispatching
 * socket readiness to connections (client.h), signals (signalfd) and due
 * timers (timers.h).
 *
 * Errors are counted by kind, per row and in total; the first few are
 * also described on stderr. A run is good (exit 0) when no error of any
 * kind was counted, the balances included.
 */
#ifndef BL_LOAD_H
#define BL_LOAD_H

#include "client.h"
#include "gql.h"
#include "hist.h"
#include "procstat.h"
#include "proto.h"
#include "rules.h"
#include "timers.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Kinds of errors; bl_err_names has their JSON names. */
typedef enum bl_err {
    BL_ERR_WRONG_ANSWER = 0, /* a transfer's result other than the rules ask */
    BL_ERR_GRAPHQL,          /* GraphQL errors (or an error message) instead of a result */
    BL_ERR_TIMEOUT,          /* no answer within --timeout-ms (connects included) */
    BL_ERR_HTTP,             /* an HTTP status other than 200 */
    BL_ERR_CONNECTION,       /* connect failed, connection lost or refused upgrade */
    BL_ERR_PROTOCOL,         /* a message that is not JSON or not of the protocol */
    BL_ERR_ACCOUNT,          /* get_account gave no iban and token */
    BL_ERR_BALANCE,          /* a balance read back differs from what the answers imply */
    BL_ERR_COUNT
} bl_err_t;

extern const char *const bl_err_names[BL_ERR_COUNT];

/* The command line, checked. */
typedef struct bl_options {
    const char *url;
    char host[256]; /* from the URL */
    char port[8];
    bl_protocol_t protocol;
    const char *op_keyword; /* "subscription" or "mutation" (WebSocket protocols) */
    unsigned generators;    /* fixed count, or the ramp's first step */
    unsigned ramp_every_s;  /* 0: no ramp */
    unsigned ramp_step;
    unsigned max_p99_ms;
    unsigned seconds;
    unsigned transfers; /* per generator, then it stops; 0: no limit */
    unsigned pause_ms;
    unsigned timeout_ms;
    unsigned account_concurrency; /* get_account requests in flight at most; 0: no limit */
    unsigned max_message;         /* bytes */
    pid_t pid_gateway, pid_handler, pid_broker;
} bl_options_t;

typedef enum bl_gen_phase {
    BL_GEN_START,      /* waiting for its first step (a random part of one pause) */
    BL_GEN_CONNECTING, /* WebSocket: connect and upgrade */
    BL_GEN_INIT,       /* WebSocket: connection_init sent, waiting for the ack */
    BL_GEN_WAITING,    /* a request sent, waiting for its answer */
    BL_GEN_PAUSE,      /* between two transfers */
    BL_GEN_QUEUED,     /* waiting for its turn to open an account (--account-concurrency) */
    BL_GEN_DONE,       /* stopped */
} bl_gen_phase_t;

struct bl_run;

/* One generator: two accounts, one connection, the rules. Owned by the run
 * (allocated once, never moved: its connection and timer are registered by
 * address). */
typedef struct bl_gen {
    bl_conn_t conn;
    bl_timer_t timer;
    struct bl_run *run;
    unsigned index;
    bl_gen_phase_t phase;
    bool ready;                 /* WebSocket: acknowledged, operations may go */
    bool reused;                /* HTTP: the request in flight went on a connection used before */
    bool resent;                /* HTTP: the request in flight was sent again after such a connection closed */
    bool account_slot;          /* holds one of the --account-concurrency turns */
    struct bl_gen *next_queued; /* in the run's queue of generators waiting for a turn */
    unsigned op_id;             /* WebSocket: id of the last operation sent */
    int64_t sent_us;
    int accounts; /* accounts obtained so far (0..2) */
    char iban[2][48];
    char token[2][48];
    bl_rules_t rules;
    char uuid[40];      /* of the transfer in flight or last sent */
    int64_t balance[2]; /* what the successful answers imply, cents */
    bool uncertain;     /* a transfer went unanswered: its effect is unknown */
    uint64_t transfers; /* answered */
} bl_gen_t;

/* What one row counts (reset after each row) and, again, the whole run. */
typedef struct bl_counts {
    bl_hist_t hist; /* transfer latency, µs */
    uint64_t transfers;
    uint64_t accounts;
    uint64_t errors[BL_ERR_COUNT];
} bl_counts_t;

/* One HTTP connection of the balance check. */
typedef struct bl_verifier {
    bl_conn_t conn;
    bl_timer_t timer;
    struct bl_run *run;
    bl_gen_t *gen;       /* whose balances, or NULL when idle */
    int64_t deadline_us; /* retries of this generator's check end here */
    bool waiting;        /* a request is in flight (else: pausing before a retry) */
    bool reused;         /* the request went on a connection used before */
    bool resent;         /* and was sent again after that connection closed */
} bl_verifier_t;

typedef enum bl_run_phase {
    BL_RUN_RUNNING,
    BL_RUN_DRAINING, /* no new requests; waiting for those in flight */
    BL_RUN_VERIFYING,
    BL_RUN_FINISHED,
} bl_run_phase_t;

enum { BL_PROC_GATEWAY, BL_PROC_HANDLER, BL_PROC_BROKER, BL_PROC_SELF, BL_PROC_COUNT };

typedef struct bl_run {
    bl_options_t opt;
    int epfd;
    int sigfd;
    bl_pollable_t sig;
    bl_conn_env_t env;
    bl_timers_t timers;
    gql_arena_t *arena; /* one answer's parse, reset after each */
    gql_buf_t req;      /* the request being written */
    char run_id[20];    /* makes the user names unique to the run */
    bl_run_phase_t phase;
    const char *stop_reason;
    int nofile; /* RLIMIT_NOFILE (soft, after raising it to the hard one) */

    bl_gen_t **gens;
    unsigned ngens, gens_cap;
    unsigned active;                   /* generators not DONE */
    unsigned ready;                    /* generators with both accounts, not DONE */
    unsigned account_slots;            /* get_account requests in flight (--account-concurrency) */
    bl_gen_t *queue_head, *queue_tail; /* generators waiting for a turn; DONE ones are skipped */
    unsigned last_step_row;            /* the row after which the ramp last added generators */

    int64_t t0_us;
    bl_timer_t row_timer;
    unsigned row_no;
    int64_t last_row_us;
    bl_counts_t row, total;
    uint64_t right, refused_token, refused_funds;
    unsigned logged; /* error descriptions written to stderr */

    bl_proc_t procs[BL_PROC_COUNT];

    bl_verifier_t *verifiers;
    unsigned nverifiers;
    unsigned next_check; /* index of the next generator to check */
    uint64_t checked, mismatched, unverified;
    int64_t end_us;
} bl_run_t;

/* The monotonic clock in µs. */
int64_t bl_now_us(void);

/* Sets up r for options `opt` (copied): epoll, signals (SIGINT, SIGTERM
 * end the run gracefully; SIGPIPE is ignored), buffers, the address.
 * 0, or -1 with the reason on stderr. bl_run_free undoes it either way. */
int bl_run_init(bl_run_t *r, const bl_options_t *opt);
void bl_run_free(bl_run_t *r);
/* The descriptors n more generators need, beyond those open now. */
unsigned bl_run_fds_needed(const bl_run_t *r, unsigned n);
/* Starts the clock (rows count from here) and the --generators first
 * generators. 0, or -1 when out of memory. */
int bl_run_start(bl_run_t *r);
/* Adds n generators, each starting within one pause. 0, or -1 when out of
 * memory. */
int bl_run_add_generators(bl_run_t *r, unsigned n);
/* Runs until the run is finished: generators, rows, the balance check. */
void bl_run_loop(bl_run_t *r);
/* Ends the generating part (no new requests) for `reason`; idempotent. */
void bl_run_stop(bl_run_t *r, const char *reason);
/* Counts an error of `kind` in the row and the total and, for the first
 * few, describes it on stderr (printf-style; gen may be NULL). */
void bl_run_error(bl_run_t *r, bl_err_t kind, const bl_gen_t *gen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* verify.c: starts the balance check (the generators' connections are
 * closed first); the run is FINISHED when it is done. */
void bl_verify_start(bl_run_t *r);

/* rows.c: writes the row of the second that just ended (samples the
 * processes; the caller resets r->row); the summary line; the errors in c. */
void bl_rows_emit(bl_run_t *r, int64_t now_us);
void bl_rows_summary(bl_run_t *r);
uint64_t bl_rows_errors(const bl_counts_t *c);
/* The exit status the run earned: 0 when no error was counted, else 1. */
int bl_run_status(const bl_run_t *r);

#endif
