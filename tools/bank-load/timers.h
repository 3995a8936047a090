/*
 * timers.h — deadlines in a binary min-heap. A timer is embedded in its
 * owner (a generator, a verifier); the heap holds pointers to timers and
 * each timer knows its slot, so setting, moving and cancelling one is
 * O(log n) and the soonest is found in O(1). The heap owns none of them:
 * an owner cancels its timer before it goes away.
 */
#ifndef BL_TIMERS_H
#define BL_TIMERS_H

#include <stddef.h>
#include <stdint.h>

typedef struct bl_timer {
    int64_t at;                          /* deadline, the caller's clock (µs) */
    size_t slot;                         /* position in the heap; BL_TIMER_IDLE when not in it */
    void (*fire)(struct bl_timer *self); /* what the loop calls when it is due (already removed) */
} bl_timer_t;

#define BL_TIMER_IDLE ((size_t)-1)

typedef struct bl_timers {
    bl_timer_t **heap;
    size_t len, cap;
} bl_timers_t;

/* A timer that is not set, calling fire when due. */
void bl_timer_init(bl_timer_t *tm, void (*fire)(bl_timer_t *self));
/* An empty heap able to hold `cap` timers without allocating again; 0, or
 * -1 when out of memory. */
int bl_timers_init(bl_timers_t *t, size_t cap);
/* Frees the heap's array (not the timers). */
void bl_timers_free(bl_timers_t *t);
/* Sets (or moves) timer `tm` to `at`. 0, or -1 when out of memory. */
int bl_timers_set(bl_timers_t *t, bl_timer_t *tm, int64_t at);
/* Removes `tm` when it is set. */
void bl_timers_cancel(bl_timers_t *t, bl_timer_t *tm);
/* The soonest timer, or NULL when none is set. */
bl_timer_t *bl_timers_first(const bl_timers_t *t);

#endif
