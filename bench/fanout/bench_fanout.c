/*
 * bench_fanout.c — the client side of bench/fanout: many idle WebSocket
 * subscribers on one gateway started with --bench, then bursts of events,
 * against h2o's own WebSocket broadcast of the same bytes in the same run.
 *
 *   bench_fanout PORT GATEWAY_PID CONNECTIONS EVENTS [distinct]
 *
 * With `distinct` every subscription has its own id (as npm graphql-ws
 * clients have: a UUID each) instead of "1": frames then differ per
 * subscriber and are built per subscriber (the payload JSON is still made
 * once per event).
 * Phase "subs": CONNECTIONS sockets to /graphql-ws speaking
 * graphql-transport-ws, each with one subscription
 *   subscription { stream_transactions { id iban new_balance changed_by
 *                  from_to descr direction } }   (id "1", no IBAN filter)
 * The gateway's RSS is read from /proc before they connect and once they
 * are idle (bytes per subscription). Then POST /bench/publish?n=EVENTS
 * appends EVENTS transactions; the clock runs until every socket has read
 * EVENTS `next` frames. The sockets are closed.
 * Phase "raw": CONNECTIONS sockets to /bench/ws-raw (h2o websocket.c +
 * wslay), POST /bench/raw-publish?n=EVENTS broadcasts the same bytes; the
 * clock runs until every socket has read EVENTS text frames.
 * One line per phase: messages, seconds, messages/s, bytes read; then the
 * ratio. A single-threaded epoll reader on the same machine: it shares the
 * cores with the gateway, equally for both phases.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One client socket and its frame parser state. */
typedef struct conn {
    int fd;
    uint8_t hdr[14];
    size_t hlen;     /* header bytes gathered */
    uint64_t left;   /* payload bytes of the current frame still to skip */
    bool text;       /* the current frame is a text frame */
    uint64_t frames; /* text frames read */
} conn_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* A masked client text frame (mask 0: the payload bytes are unchanged). */
static bool send_text(int fd, const char *s)
{
    size_t n = strlen(s);
    uint8_t h[8];
    size_t hl = 2;
    h[0] = 0x81;
    if (n < 126) {
        h[1] = (uint8_t)(0x80 | n);
    } else {
        h[1] = 0x80 | 126;
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        hl = 4;
    }
    memset(h + hl, 0, 4);
    return write_all(fd, h, hl + 4) && write_all(fd, s, n);
}

/* Upgrade fd on `path`; reads the response head (and nothing after it, as
 * the server sends nothing before our first message). */
static bool upgrade(int fd, const char *path, const char *proto)
{
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                     path, proto ? "Sec-WebSocket-Protocol: " : "", proto ? proto : "", proto ? "\r\n" : "");
    if (!write_all(fd, req, (size_t)n))
        return false;
    char buf[1024];
    size_t got = 0;
    while (got < sizeof buf - 1) {
        ssize_t r = read(fd, buf + got, 1); /* byte by byte: stop exactly at the end of the head */
        if (r <= 0)
            return false;
        got++;
        if (got >= 4 && memcmp(buf + got - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    buf[got] = '\0';
    return strncmp(buf, "HTTP/1.1 101", 12) == 0;
}

/* Counts complete text frames in the bytes read. */
static void feed(conn_t *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (c->left > 0) {
            size_t k = c->left < n ? (size_t)c->left : n;
            c->left -= k;
            p += k;
            n -= k;
            if (c->left == 0 && c->text)
                c->frames++; /* counted once its last byte is read */
            continue;
        }
        c->hdr[c->hlen++] = *p++;
        n--;
        if (c->hlen < 2)
            continue;
        uint64_t len = c->hdr[1] & 0x7f;
        size_t need = len == 126 ? 4 : len == 127 ? 10 : 2;
        if (c->hlen < need)
            continue;
        if (len == 126)
            len = ((uint64_t)c->hdr[2] << 8) | c->hdr[3];
        else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | c->hdr[2 + i];
        }
        c->text = (c->hdr[0] & 0x0f) == 0x1;
        if (len == 0 && c->text)
            c->frames++;
        c->left = len;
        c->hlen = 0;
    }
}

static bool http_post(int port, const char *path)
{
    int fd = dial(port);
    if (fd < 0)
        return false;
    char req[256];
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", path);
    char buf[512];
    bool ok = write_all(fd, req, (size_t)n) && read(fd, buf, sizeof buf) > 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0;
    close(fd);
    return ok;
}

/* Reads until every connection has `want` text frames (or the timeout). */
static double drain(int ep, conn_t *cs, size_t n, uint64_t want, uint64_t *bytes, double timeout)
{
    static uint8_t buf[1 << 16];
    struct epoll_event evs[256];
    double t0 = now_s();
    size_t done = 0;
    for (size_t i = 0; i < n; i++)
        done += cs[i].frames >= want;
    while (done < n) {
        if (now_s() - t0 > timeout) {
            fprintf(stderr, "timeout: %zu of %zu connections complete\n", done, n);
            return -1;
        }
        int k = epoll_wait(ep, evs, 256, 100);
        for (int e = 0; e < k; e++) {
            conn_t *c = evs[e].data.ptr;
            for (;;) {
                ssize_t r = read(c->fd, buf, sizeof buf);
                if (r <= 0)
                    break;
                *bytes += (uint64_t)r;
                bool was = c->frames >= want;
                feed(c, buf, (size_t)r);
                if (!was && c->frames >= want)
                    done++;
                if ((size_t)r < sizeof buf)
                    break;
            }
        }
    }
    return now_s() - t0;
}

static const char SUB[] = "{\"id\":\"%s\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { "
                          "stream_transactions { id iban new_balance changed_by from_to descr direction } }\"}}";
static bool distinct_ids;

/* One phase; returns messages/s (or -1). */
static double phase(const char *name, int port, int pid, size_t n, int events, bool subs)
{
    conn_t *cs = calloc(n, sizeof *cs);
    int ep = epoll_create1(0);
    long rss0 = rss_kib(pid);
    for (size_t i = 0; i < n; i++) {
        cs[i].fd = dial(port);
        if (cs[i].fd < 0 ||
            !upgrade(cs[i].fd, subs ? "/graphql-ws" : "/bench/ws-raw", subs ? "graphql-transport-ws" : NULL)) {
            fprintf(stderr, "%s: connection %zu failed: %s\n", name, i, strerror(errno));
            return -1;
        }
        char sub[512], id[64] = "1";
        if (distinct_ids)
            snprintf(id, sizeof id, "%08zx-aaaa-4bbb-8ccc-%012zx", i, i);
        snprintf(sub, sizeof sub, SUB, id);
        if (subs && (!send_text(cs[i].fd, "{\"type\":\"connection_init\"}") || !send_text(cs[i].fd, sub)))
            return -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    uint64_t bytes = 0;
    if (subs && drain(ep, cs, n, 1, &bytes, 60) < 0) /* every connection_ack */
        return -1;
    usleep(500000); /* idle */
    long rss1 = rss_kib(pid);
    for (size_t i = 0; i < n; i++)
        cs[i].frames = 0;
    bytes = 0;
    char path[64];
    snprintf(path, sizeof path, "%s?n=%d", subs ? "/bench/publish" : "/bench/raw-publish", events);
    double t0 = now_s();
    if (!http_post(port, path))
        return -1;
    double took = drain(ep, cs, n, (uint64_t)events, &bytes, 120);
    took = took < 0 ? -1 : now_s() - t0;
    double msgs = (double)n * events;
    if (took > 0)
        printf("%-5s %6zu conns x %5d events = %9.0f msgs in %6.3f s: %10.0f msgs/s, %6.1f MB read, RSS +%ld KiB "
               "(%.2f KiB per connection)\n",
               name, n, events, msgs, took, msgs / took, (double)bytes / 1e6, rss1 - rss0,
               (double)(rss1 - rss0) / (double)n);
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        close(cs[i].fd);
    close(ep);
    free(cs);
    usleep(500000);
    return took > 0 ? msgs / took : -1;
}

int main(int argc, char **argv)
{
    if (argc != 5 && !(argc == 6 && strcmp(argv[5], "distinct") == 0)) {
        fprintf(stderr, "usage: bench_fanout PORT GATEWAY_PID CONNECTIONS EVENTS [distinct]\n");
        return 2;
    }
    distinct_ids = argc == 6;
    int port = atoi(argv[1]), pid = atoi(argv[2]), events = atoi(argv[4]);
    size_t n = (size_t)atol(argv[3]);
    double s = phase("subs", port, pid, n, events, true);
    double r = phase("raw", port, pid, n, events, false);
    if (s < 0 || r < 0)
        return 1;
    printf("ratio subs/raw: %.2f\n", s / r);
    return 0;
}
