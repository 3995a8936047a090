/*
 * loop_fixture.h — one event loop's state without gw_server_run: no
 * listener, no thread, no socket. The unit tests of exec/ and subs/ build
 * their features on it and call them from the test's own thread.
 *
 * What a loop gets before its start hooks run is what server.c's
 * thread_main gives it, minus what only serving needs (the h2o context's
 * configuration, the listener, the control receiver): an h2o evloop in
 * t->ctx.loop (for the features' timers) and an initialised inbox
 * (t->loopq), which the test drains itself with gw_loopq_drain instead of
 * attaching it to the loop. The hooks are the ones the features registered
 * with gw_server_add_thread_hook, run as thread_main runs them: start in
 * order until one fails, end in reverse for every start that ran.
 *
 * Use:
 *   loop_fixture_init(&f)            config (one loop), server, the loop
 *   gw_exec_new(&f.server, ...), gw_subs_new(&f.server, ...)
 *   loop_fixture_start(&f)           the start hooks
 *   ... the test, on f.t ...
 *   loop_fixture_end(&f)             the end hooks, then a last drain
 *   gw_subs_free, gw_exec_free       the features (they read f.server)
 *   loop_fixture_dispose(&f)
 *
 * Ownership: everything lives in the fixture (the caller's stack) and its
 * allocations are freed by loop_fixture_dispose.
 */
#ifndef GW_TEST_LOOP_FIXTURE_H
#define GW_TEST_LOOP_FIXTURE_H

#include <string.h>

#include "runtime/config.h"
#include "runtime/server.h"

typedef struct loop_fixture {
    gw_config_t config;
    gw_server_t server;
    gw_thread_t *t;  /* the server's only loop */
    size_t nstarted; /* start hooks that ran: their end hooks run at the end */
} loop_fixture_t;

/* Returns 0, or -1 when something could not be made (then dispose). */
static inline int loop_fixture_init(loop_fixture_t *f)
{
    memset(f, 0, sizeof *f);
    if (gw_config_defaults(&f->config, ".") != 0)
        return -1;
    f->config.server.threads = 1;
    gw_log_t log = {GW_LOG_WARN, 2};
    if (gw_server_init(&f->server, &f->config, log) != 0)
        return -1;
    f->t = gw_server_thread(&f->server, 0);
    f->t->ctx.loop = h2o_evloop_create();
    h2o_linklist_init_anchor(&f->t->conns);
    return gw_loopq_init(&f->t->loopq);
}

/* The start hooks, in order. Returns the first failure's code, or 0. */
static inline int loop_fixture_start(loop_fixture_t *f)
{
    gw_server_t *s = &f->server;
    int rc = 0;
    for (; f->nstarted < s->nthread_hooks && rc == 0; f->nstarted++)
        if (s->thread_hooks[f->nstarted].start != NULL)
            rc = s->thread_hooks[f->nstarted].start(f->t, s->thread_hooks[f->nstarted].data);
    return rc;
}

/* Runs the loop once: timers due by now fire (at most `ms` of waiting). */
static inline void loop_fixture_run(loop_fixture_t *f, int32_t ms)
{
    h2o_evloop_run(f->t->ctx.loop, ms);
}

/* The end hooks of every start that ran, in reverse; then what is left in
 * the inbox is dispatched (as thread_main does). */
static inline void loop_fixture_end(loop_fixture_t *f)
{
    gw_server_t *s = &f->server;
    for (size_t i = f->nstarted; i-- > 0;)
        if (s->thread_hooks[i].end != NULL)
            s->thread_hooks[i].end(f->t, s->thread_hooks[i].data);
    f->nstarted = 0;
    if (f->t != NULL)
        gw_loopq_drain(&f->t->loopq);
}

/* After the features were freed. */
static inline void loop_fixture_dispose(loop_fixture_t *f)
{
    if (f->t != NULL) {
        gw_loopq_dispose(&f->t->loopq);
        if (f->t->ctx.loop != NULL) {
            h2o_evloop_run(f->t->ctx.loop, 0);
            h2o_evloop_destroy(f->t->ctx.loop);
        }
        f->t = NULL;
    }
    gw_server_dispose(&f->server);
    gw_config_free(&f->config);
}

#endif
