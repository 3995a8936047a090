/*
 * procstat.h — how busy the bank's processes are, from /proc: CPU (user +
 * system time between two samples, as a percentage of one core) and
 * resident memory (VmRSS), and finding those processes when no pid is
 * given: the gateway as the owner of the socket listening on the URL's
 * port, the others by their name (/proc/PID/comm), preferring siblings of
 * the gateway when several processes have that name (other stacks may run
 * on the same machine).
 */
#ifndef BL_PROCSTAT_H
#define BL_PROCSTAT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One watched process. Plain value owned by the caller; pid 0 means none. */
typedef struct bl_proc {
    pid_t pid;
    bool alive;      /* the last sample could read it */
    double cpu_pct;  /* over the interval before the last sample; < 0 before two samples */
    int64_t rss_kb;  /* at the last sample */
    uint64_t _ticks; /* utime + stime at the last sample */
    int64_t _at_us;  /* when (caller's clock), 0 before the first sample */
} bl_proc_t;

/* Starts watching pid (0: nothing). */
void bl_proc_init(bl_proc_t *p, pid_t pid);
/* Reads the process's counters at time now_us (a monotonic clock in µs)
 * and updates cpu_pct and rss_kb. Returns 0, or -1 when the process cannot
 * be read (gone, or not ours): alive becomes false. */
int bl_proc_sample(bl_proc_t *p, int64_t now_us);

/* The process whose /proc/PID/comm is `comm`: the only one, or among
 * several the only one whose parent is the parent of `sibling` (when
 * sibling > 0). 0 when there is none or the choice is ambiguous; *matches
 * (when not NULL) gets how many processes had the name. */
pid_t bl_proc_find_by_name(const char *comm, pid_t sibling, int *matches);

/* The process holding a TCP socket that listens on `port` (IPv4 or IPv6),
 * or 0 when none can be seen (only our own processes' descriptors are
 * readable). */
pid_t bl_proc_find_listener(uint16_t port);

#endif
