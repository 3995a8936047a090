/*
 * loopq.c — the per-loop inbox (loopq.h): a Vyukov intrusive MPSC queue and
 * an eventfd watched by the loop.
 *
 * The queue: `_head` is where producers append (atomic exchange), `_tail`
 * where the single consumer pops. A stub node keeps the list non-empty so a
 * push never needs to know whether the queue was empty. Between a producer's
 * exchange and its store of the link the list is momentarily cut; the
 * consumer then sees "nothing more" and stops early. That producer wakes the
 * loop after linking (below), so the message is picked up on the next drain.
 *
 * Wakeups: the consumer clears `_wake` before draining; a producer sets it
 * after pushing and writes the eventfd only when it was clear. Every push is
 * therefore followed by a drain that sees it, and a burst costs one write.
 */
#include "loopq.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <h2o.h>

int gw_loopq_init(gw_loopq_t *q)
{
    memset(q, 0, sizeof *q);
    atomic_store_explicit(&q->_stub._next, NULL, memory_order_relaxed);
    atomic_store_explicit(&q->_head, &q->_stub, memory_order_relaxed);
    q->_tail = &q->_stub;
    q->_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return q->_efd < 0 ? GW_ESYS : 0;
}

static void link_msg(gw_loopq_t *q, gw_loopq_msg_t *m)
{
    atomic_store_explicit(&m->_next, NULL, memory_order_relaxed);
    gw_loopq_msg_t *prev = atomic_exchange_explicit(&q->_head, m, memory_order_acq_rel);
    atomic_store_explicit(&prev->_next, m, memory_order_release);
}

static void wake(gw_loopq_t *q)
{
    if (atomic_exchange_explicit(&q->_wake, 1, memory_order_acq_rel) == 0 && q->_efd >= 0) {
        uint64_t one = 1;
        ssize_t r;
        do
            r = write(q->_efd, &one, sizeof one);
        while (r < 0 && errno == EINTR);
        /* EAGAIN means the counter is already huge: the loop is woken anyway */
    }
}

void gw_loopq_push(gw_loopq_t *q, gw_loopq_msg_t *m)
{
    link_msg(q, m);
    atomic_fetch_add_explicit(&q->_pushed, 1, memory_order_relaxed);
    wake(q);
}

void gw_loopq_publish_tx(gw_loopq_t *q, uint64_t upto)
{
    uint64_t cur = atomic_load_explicit(&q->_tx_upto, memory_order_relaxed);
    while (cur < upto &&
           !atomic_compare_exchange_weak_explicit(&q->_tx_upto, &cur, upto, memory_order_release, memory_order_relaxed))
        ;
    if (cur < upto)
        wake(q);
}

/* Pop one message, or NULL when none is fully linked yet. Consumer only. */
static gw_loopq_msg_t *pop(gw_loopq_t *q)
{
    gw_loopq_msg_t *tail = q->_tail;
    gw_loopq_msg_t *next = atomic_load_explicit(&tail->_next, memory_order_acquire);
    if (tail == &q->_stub) {
        if (next == NULL)
            return NULL;
        q->_tail = next;
        tail = next;
        next = atomic_load_explicit(&next->_next, memory_order_acquire);
    }
    if (next != NULL) {
        q->_tail = next;
        return tail;
    }
    if (tail != atomic_load_explicit(&q->_head, memory_order_acquire))
        return NULL; /* a producer is between its exchange and its link */
    link_msg(q, &q->_stub);
    next = atomic_load_explicit(&tail->_next, memory_order_acquire);
    if (next != NULL) {
        q->_tail = next;
        return tail;
    }
    return NULL;
}

static void dispose_msg(gw_loopq_msg_t *m)
{
    if (m->dispose != NULL)
        m->dispose(m);
    else
        free(m);
}

static void dispatch(gw_loopq_t *q, const gw_loopq_msg_t *m)
{
    if ((unsigned)m->kind >= GW_LOOPQ__COUNT)
        return;
    const gw_loopq_hook_t *h = q->_hooks[m->kind];
    for (size_t i = 0; i < GW_LOOPQ_MAX_HOOKS && h[i].fn != NULL; i++)
        h[i].fn(q->_owner, m, h[i].data);
    if (m->kind == GW_LOOPQ_CALL && m->u.call.fn != NULL)
        m->u.call.fn(q->_owner, m->u.call.arg);
}

size_t gw_loopq_drain(gw_loopq_t *q)
{
    atomic_store_explicit(&q->_wake, 0, memory_order_seq_cst);
    size_t n = 0;
    uint64_t upto = atomic_load_explicit(&q->_tx_upto, memory_order_acquire);
    if (upto > q->_tx_seen) {
        q->_tx_seen = upto;
        gw_loopq_msg_t tx = {.kind = GW_LOOPQ_TX};
        tx.u.tx.upto = upto;
        dispatch(q, &tx);
        n++;
    }
    gw_loopq_msg_t *m;
    while ((m = pop(q)) != NULL) {
        dispatch(q, m);
        dispose_msg(m);
        n++;
    }
    q->_dispatched += n;
    return n;
}

static void on_readable(h2o_socket_t *sock, const char *err)
{
    gw_loopq_t *q = sock->data;
    (void)err;
    uint64_t v;
    while (read(q->_efd, &v, sizeof v) < 0 && errno == EINTR)
        ;
    gw_loopq_drain(q);
}

void gw_loopq_attach(gw_loopq_t *q, h2o_evloop_t *loop, struct gw_thread *owner)
{
    q->_owner = owner;
    /* h2o gets its own descriptor of the same eventfd: closing the socket at
     * detach must not free the number producers may still be writing to */
    int fd = q->_efd >= 0 ? fcntl(q->_efd, F_DUPFD_CLOEXEC, 0) : -1;
    if (fd < 0)
        return;
    q->_sock = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    q->_sock->data = q;
    h2o_socket_read_start(q->_sock, on_readable);
    /* anything pushed before attach already wrote the eventfd: it is readable */
}

void gw_loopq_detach(gw_loopq_t *q)
{
    if (q->_sock == NULL)
        return;
    h2o_socket_read_stop(q->_sock);
    h2o_socket_close(q->_sock); /* closes h2o's descriptor; _efd stays until gw_loopq_dispose */
    q->_sock = NULL;
}

void gw_loopq_dispose(gw_loopq_t *q)
{
    if (q->_tail == NULL)
        return; /* never initialised */
    gw_loopq_msg_t *m;
    while ((m = pop(q)) != NULL)
        dispose_msg(m);
    if (q->_efd >= 0) {
        close(q->_efd);
        q->_efd = -1;
    }
}

int gw_loopq_on(gw_loopq_t *q, gw_loopq_kind_t kind, gw_loopq_fn fn, void *data)
{
    if ((unsigned)kind >= GW_LOOPQ__COUNT || fn == NULL)
        return GW_EINVAL;
    gw_loopq_hook_t *h = q->_hooks[kind];
    for (size_t i = 0; i < GW_LOOPQ_MAX_HOOKS; i++) {
        if (h[i].fn == NULL) {
            h[i] = (gw_loopq_hook_t){fn, data};
            return 0;
        }
    }
    return GW_EFULL;
}

uint64_t gw_loopq_pushed(const gw_loopq_t *q)
{
    return atomic_load_explicit(&q->_pushed, memory_order_relaxed);
}
