/*
 * procstat.c — /proc readers (procstat.h). /proc/PID/stat gives utime and
 * stime (fields 14 and 15, in clock ticks) after the command name in
 * parentheses, which may itself hold spaces and parentheses, so fields are
 * counted from the last ')'. /proc/net/tcp{,6} maps a listening port to a
 * socket inode; the links in /proc/PID/fd/ read "socket:[INODE]".
 */
#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void bl_proc_init(bl_proc_t *p, pid_t pid)
{
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->cpu_pct = -1;
}

/* Reads /proc/PID/FILE (at most cap - 1 bytes) into buf, NUL-terminated;
 * the length, or -1. */
static long read_proc_file(pid_t pid, const char *file, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (long)n;
}

/* utime + stime of pid, and its parent; -1 when unreadable. */
static int read_stat(pid_t pid, uint64_t *ticks, pid_t *ppid)
{
    char buf[1024];
    if (read_proc_file(pid, "stat", buf, sizeof buf) <= 0)
        return -1;
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    /* after ")": state(3) ppid(4) ... utime(14) stime(15) */
    char state;
    int pp;
    unsigned long long ut, st;
    if (sscanf(p + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state, &pp, &ut, &st) != 4)
        return -1;
    if (ticks != NULL)
        *ticks = ut + st;
    if (ppid != NULL)
        *ppid = pp;
    return 0;
}

int bl_proc_sample(bl_proc_t *p, int64_t now_us)
{
    if (p->pid <= 0)
        return -1;
    uint64_t ticks;
    char buf[4096];
    if (read_stat(p->pid, &ticks, NULL) != 0 || read_proc_file(p->pid, "status", buf, sizeof buf) < 0) {
        p->alive = false;
        return -1;
    }
    const char *rss = strstr(buf, "\nVmRSS:");
    p->rss_kb = rss != NULL ? strtoll(rss + 7, NULL, 10) : 0;
    if (p->_at_us != 0 && now_us > p->_at_us) {
        double hz = (double)sysconf(_SC_CLK_TCK);
        double secs = (double)(now_us - p->_at_us) / 1e6;
        p->cpu_pct = (double)(ticks - p->_ticks) / hz / secs * 100.0;
    }
    p->_ticks = ticks;
    p->_at_us = now_us;
    p->alive = true;
    return 0;
}

/* True when the directory entry name is a pid. */
static pid_t entry_pid(const char *name)
{
    char *end;
    long v = strtol(name, &end, 10);
    return *name != '\0' && *end == '\0' && v > 0 ? (pid_t)v : 0;
}

pid_t bl_proc_find_by_name(const char *comm, pid_t sibling, int *matches)
{
    pid_t want_parent = 0;
    if (sibling > 0)
        read_stat(sibling, NULL, &want_parent);
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    pid_t only = 0, sib = 0;
    int count = 0, sibs = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        pid_t pid = entry_pid(e->d_name);
        char name[64];
        if (pid == 0 || read_proc_file(pid, "comm", name, sizeof name) <= 0)
            continue;
        name[strcspn(name, "\n")] = '\0';
        if (strcmp(name, comm) != 0)
            continue;
        count++;
        only = pid;
        pid_t parent = 0;
        if (want_parent > 0 && read_stat(pid, NULL, &parent) == 0 && parent == want_parent) {
            sibs++;
            sib = pid;
        }
    }
    closedir(d);
    if (matches != NULL)
        *matches = count;
    if (count == 1)
        return only;
    return sibs == 1 ? sib : 0;
}

/* The inode of a socket listening on port in /proc/net/FILE, or 0. */
static unsigned long listening_inode(const char *file, uint16_t port)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/net/%s", file);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char line[512];
    unsigned long found = 0;
    while (found == 0 && fgets(line, sizeof line, f) != NULL) {
        char local[128];
        unsigned st;
        unsigned long inode;
        /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
        if (sscanf(line, " %*s %127s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
            continue;
        const char *colon = strrchr(local, ':');
        if (colon != NULL && st == 0x0A && strtoul(colon + 1, NULL, 16) == port)
            found = inode;
    }
    fclose(f);
    return found;
}

/* True when one of pid's descriptors links to `want` ("socket:[INODE]"). */
static bool holds_socket(pid_t pid, const char *want)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    bool yes = false;
    struct dirent *e;
    while (!yes && (e = readdir(d)) != NULL) {
        char path[320], target[64];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            yes = strcmp(target, want) == 0;
        }
    }
    closedir(d);
    return yes;
}

pid_t bl_proc_find_listener(uint16_t port)
{
    unsigned long inode = listening_inode("tcp", port);
    if (inode == 0)
        inode = listening_inode("tcp6", port);
    if (inode == 0)
        return 0;
    char want[64];
    snprintf(want, sizeof want, "socket:[%lu]", inode);
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    pid_t found = 0;
    pid_t self = getpid();
    struct dirent *e;
    while (found == 0 && (e = readdir(d)) != NULL) {
        pid_t pid = entry_pid(e->d_name);
        if (pid != 0 && pid != self && holds_socket(pid, want))
            found = pid;
    }
    closedir(d);
    return found;
}
