/*
 * timers.c — the deadline heap (timers.h): heap[0] is the soonest, each
 * parent no later than its children, every timer's slot kept up to date as
 * it moves.
 */
#include "timers.h"

#include <stdlib.h>

void bl_timer_init(bl_timer_t *tm, void (*fire)(bl_timer_t *self))
{
    tm->at = 0;
    tm->slot = BL_TIMER_IDLE;
    tm->fire = fire;
}

int bl_timers_init(bl_timers_t *t, size_t cap)
{
    t->len = 0;
    t->cap = cap > 0 ? cap : 16;
    t->heap = malloc(t->cap * sizeof *t->heap);
    return t->heap != NULL ? 0 : -1;
}

void bl_timers_free(bl_timers_t *t)
{
    free(t->heap);
    t->heap = NULL;
    t->len = t->cap = 0;
}

/* Puts tm in slot i and tells it so. */
static void place(bl_timers_t *t, size_t i, bl_timer_t *tm)
{
    t->heap[i] = tm;
    tm->slot = i;
}

/* Moves the timer in slot i up while it is due before its parent. */
static void sift_up(bl_timers_t *t, size_t i)
{
    bl_timer_t *tm = t->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (t->heap[parent]->at <= tm->at)
            break;
        place(t, i, t->heap[parent]);
        i = parent;
    }
    place(t, i, tm);
}

/* Moves the timer in slot i down while a child is due before it. */
static void sift_down(bl_timers_t *t, size_t i)
{
    bl_timer_t *tm = t->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->len)
            break;
        if (c + 1 < t->len && t->heap[c + 1]->at < t->heap[c]->at)
            c++;
        if (tm->at <= t->heap[c]->at)
            break;
        place(t, i, t->heap[c]);
        i = c;
    }
    place(t, i, tm);
}

int bl_timers_set(bl_timers_t *t, bl_timer_t *tm, int64_t at)
{
    if (tm->slot != BL_TIMER_IDLE) {
        int64_t was = tm->at;
        tm->at = at;
        if (at < was)
            sift_up(t, tm->slot);
        else
            sift_down(t, tm->slot);
        return 0;
    }
    if (t->len == t->cap) {
        bl_timer_t **n = realloc(t->heap, 2 * t->cap * sizeof *n);
        if (n == NULL)
            return -1;
        t->heap = n;
        t->cap *= 2;
    }
    tm->at = at;
    place(t, t->len++, tm);
    sift_up(t, tm->slot);
    return 0;
}

void bl_timers_cancel(bl_timers_t *t, bl_timer_t *tm)
{
    size_t i = tm->slot;
    if (i == BL_TIMER_IDLE)
        return;
    tm->slot = BL_TIMER_IDLE;
    bl_timer_t *last = t->heap[--t->len];
    if (i == t->len)
        return;
    place(t, i, last);
    if (i > 0 && t->heap[(i - 1) / 2]->at > last->at)
        sift_up(t, i);
    else
        sift_down(t, i);
}

bl_timer_t *bl_timers_first(const bl_timers_t *t)
{
    return t->len > 0 ? t->heap[0] : NULL;
}
