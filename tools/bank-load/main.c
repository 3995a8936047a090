/*
 * bank-load — the Open Bank load test generator, in C, against the
 * gateway: generators that each open two accounts and move money between
 * them by the original generator's rules (rules.h), over the legacy
 * WebSocket protocol, graphql-transport-ws or HTTP, with a pause between
 * transfers; a JSON row a second (throughput, latency percentiles, errors
 * by kind, CPU and memory of the gateway, the command handler and the
 * broker); at the end every generator's balances read back and checked,
 * and a summary line. Exit 0 only when no error of any kind was counted.
 *
 *   bank-load [--url http://127.0.0.1:8888] [--protocol legacy|graphql-transport-ws|http]
 *             [--generators N | --ramp-every S --ramp-step K [--max-p99-ms MS]]
 *             [--seconds S] [--transfers N] [--pause-ms MS] [--timeout-ms MS]
 *             [--ws-operation subscription|mutation] [--account-concurrency N]
 *             [--pid-gateway PID] [--pid-handler PID] [--pid-broker PID] [--max-message-bytes N]
 *
 * This file is the composition root: the command line, the descriptor
 * limit, finding the processes to watch, then one run (load.h).
 */
#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define EXIT_USAGE 2

static const char usage[] =
    "usage: bank-load [options]\n"
    "  --url URL                 the gateway (default http://127.0.0.1:8888)\n"
    "  --protocol P              legacy (default: subscriptions-transport-ws, one WebSocket per generator),\n"
    "                            graphql-transport-ws, or http (POST /graphql, keep-alive)\n"
    "  --ws-operation OP         subscription (default, as the original clients) or mutation,\n"
    "                            for get_account and money_transfer over a WebSocket\n"
    "  --generators N            generators (default 1; with a ramp, the first step)\n"
    "  --ramp-every S            add --ramp-step generators every S seconds, until the p99 of a\n"
    "  --ramp-step K             second passes --max-p99-ms (default 1000), errors appear, the\n"
    "  --max-p99-ms MS           descriptors run out or --seconds have passed\n"
    "  --seconds S               length of the run (default 60)\n"
    "  --transfers N             a generator stops after N transfers, the run when all have\n"
    "                            (default 0: no limit; 102 is one whole cycle of the rules)\n"
    "  --pause-ms MS             pause of a generator between transfers (default 250)\n"
    "  --timeout-ms MS           longest wait for an answer or a connection (default 10000)\n"
    "  --account-concurrency N   get_account requests in flight at most (default 8; each costs the\n"
    "                            gateway a password hash; 0: no limit, all generators at once)\n"
    "  --pid-gateway PID         processes to watch (default: the gateway is the process listening\n"
    "  --pid-handler PID         on the URL's port; the others are found by name, preferring the\n"
    "  --pid-broker PID          gateway's siblings; 0: do not watch)\n"
    "  --max-message-bytes N     largest response or message accepted (default 65536)\n"
    "stdout: a JSON row a second, then a summary line. exit: 0 no errors, 1 errors, 2 usage or setup\n";

/* Reads an unsigned decimal option value in [lo, hi]. */
static int number(const char *name, const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno != 0 || *v == '\0' || *end != '\0' || *v == '-' || x < lo || x > hi) {
        fprintf(stderr, "bank-load: %s wants a number from %lu to %lu, not \"%s\"\n", name, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

/* Splits http://HOST[:PORT][/] into o->host and o->port. */
static int parse_url(bl_options_t *o)
{
    const char *u = o->url;
    if (strncmp(u, "http://", 7) != 0) {
        fprintf(stderr, "bank-load: --url must start with http:// (TLS is not spoken), not \"%s\"\n", u);
        return -1;
    }
    u += 7;
    const char *end = u + strcspn(u, "/");
    if (*end != '\0' && strcmp(end, "/") != 0) {
        fprintf(stderr, "bank-load: --url is the gateway's root; /graphql and /graphql-ws are added\n");
        return -1;
    }
    const char *host = u, *host_end, *port = "80";
    size_t port_len = 2;
    if (*u == '[') { /* [v6]:port */
        host = u + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (host_end == NULL)
            goto bad;
        if (host_end + 1 < end && host_end[1] == ':') {
            port = host_end + 2;
            port_len = (size_t)(end - port);
        }
    } else {
        host_end = memchr(u, ':', (size_t)(end - u));
        if (host_end != NULL) {
            port = host_end + 1;
            port_len = (size_t)(end - port);
        } else {
            host_end = end;
        }
    }
    if (host_end == host || (size_t)(host_end - host) >= sizeof o->host || port_len == 0 ||
        port_len >= sizeof o->port || strspn(port, "0123456789") < port_len)
        goto bad;
    memcpy(o->host, host, (size_t)(host_end - host));
    o->host[host_end - host] = '\0';
    memcpy(o->port, port, port_len);
    o->port[port_len] = '\0';
    return 0;
bad:
    fprintf(stderr, "bank-load: cannot read --url \"%s\"\n", o->url);
    return -1;
}

/* The options that take a number, and where it goes (an unsigned of bl_options_t). */
typedef struct numeric {
    const char *name;
    unsigned long lo, hi;
    size_t offset;
} numeric_t;

static const numeric_t numerics[] = {
    {"--generators", 1, 1000000, offsetof(bl_options_t, generators)},
    {"--ramp-every", 1, 86400, offsetof(bl_options_t, ramp_every_s)},
    {"--ramp-step", 1, 100000, offsetof(bl_options_t, ramp_step)},
    {"--max-p99-ms", 1, 86400000, offsetof(bl_options_t, max_p99_ms)},
    {"--seconds", 1, 31 * 86400, offsetof(bl_options_t, seconds)},
    {"--transfers", 0, UINT_MAX, offsetof(bl_options_t, transfers)},
    {"--pause-ms", 0, 86400000, offsetof(bl_options_t, pause_ms)},
    {"--timeout-ms", 1, 86400000, offsetof(bl_options_t, timeout_ms)},
    {"--account-concurrency", 0, 1000000, offsetof(bl_options_t, account_concurrency)},
    {"--max-message-bytes", 1024, 64 << 20, offsetof(bl_options_t, max_message)},
};

static const numeric_t *numeric_option(const char *name)
{
    for (size_t i = 0; i < sizeof numerics / sizeof numerics[0]; i++)
        if (strcmp(name, numerics[i].name) == 0)
            return &numerics[i];
    return NULL;
}

static int parse_args(int argc, char **argv, bl_options_t *o)
{
    *o = (bl_options_t){.url = "http://127.0.0.1:8888",
                        .protocol = BL_PROTO_LEGACY,
                        .op_keyword = "subscription",
                        .generators = 1,
                        .ramp_step = 10,
                        .max_p99_ms = 1000,
                        .seconds = 60,
                        .pause_ms = 250,
                        .timeout_ms = 10000,
                        .account_concurrency = 8,
                        .max_message = 65536,
                        .pid_gateway = -1,
                        .pid_handler = -1,
                        .pid_broker = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bank-load: unknown option or missing value: %s\n%s", a, usage);
            return -1;
        }
        const char *v = argv[++i];
        unsigned long x = 0;
        int rc = 0;
        const numeric_t *num;
        if (strcmp(a, "--url") == 0) {
            o->url = v;
        } else if (strcmp(a, "--protocol") == 0) {
            int p = bl_proto_from_name(v);
            if (p < 0) {
                fprintf(stderr, "bank-load: --protocol is legacy, graphql-transport-ws or http, not \"%s\"\n", v);
                return -1;
            }
            o->protocol = (bl_protocol_t)p;
        } else if (strcmp(a, "--ws-operation") == 0) {
            if (strcmp(v, "subscription") != 0 && strcmp(v, "mutation") != 0) {
                fprintf(stderr, "bank-load: --ws-operation is subscription or mutation, not \"%s\"\n", v);
                return -1;
            }
            o->op_keyword = strcmp(v, "mutation") == 0 ? "mutation" : "subscription";
        } else if ((num = numeric_option(a)) != NULL) {
            rc = number(a, v, num->lo, num->hi, &x);
            *(unsigned *)((char *)o + num->offset) = (unsigned)x;
        } else if (strcmp(a, "--pid-gateway") == 0 || strcmp(a, "--pid-handler") == 0 ||
                   strcmp(a, "--pid-broker") == 0) {
            rc = number(a, v, 0, INT_MAX, &x);
            pid_t *p = a[6] == 'g' ? &o->pid_gateway : a[6] == 'h' ? &o->pid_handler : &o->pid_broker;
            *p = (pid_t)x;
        } else {
            fprintf(stderr, "bank-load: unknown option %s\n%s", a, usage);
            return -1;
        }
        if (rc != 0)
            return -1;
    }
    return parse_url(o);
}

/* Raises the soft descriptor limit to the hard one; the limit now in force. */
static long raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t soft = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = soft;
    }
    return rl.rlim_cur > INT_MAX ? INT_MAX : (long)rl.rlim_cur;
}

/* Decides which processes the rows show: given pids (0: none), the
 * gateway found by its port, the others by name. Says on stderr what was
 * chosen or why nothing was. */
static void find_processes(bl_run_t *r)
{
    const bl_options_t *o = &r->opt;
    pid_t gw = o->pid_gateway;
    if (gw < 0) {
        gw = bl_proc_find_listener((uint16_t)atoi(o->port));
        if (gw == 0)
            gw = bl_proc_find_by_name("gateway", 0, NULL);
    }
    static const char *const comm[] = {"command-handler", "embedded-kafka"};
    pid_t given[] = {o->pid_handler, o->pid_broker};
    pid_t found[2];
    for (int i = 0; i < 2; i++) {
        found[i] = given[i];
        if (found[i] < 0) {
            int matches = 0;
            found[i] = bl_proc_find_by_name(comm[i], gw, &matches);
            if (found[i] == 0 && matches > 1)
                fprintf(stderr,
                        "bank-load: %d processes are called %s and none is the gateway's only sibling: "
                        "not watched (give its pid)\n",
                        matches, comm[i]);
        }
    }
    bl_proc_init(&r->procs[BL_PROC_GATEWAY], gw > 0 ? gw : 0);
    bl_proc_init(&r->procs[BL_PROC_HANDLER], found[0] > 0 ? found[0] : 0);
    bl_proc_init(&r->procs[BL_PROC_BROKER], found[1] > 0 ? found[1] : 0);
    bl_proc_init(&r->procs[BL_PROC_SELF], getpid());
    fprintf(stderr, "bank-load: watching gateway %d, command-handler %d, embedded-kafka %d (0: none)\n",
            (int)r->procs[BL_PROC_GATEWAY].pid, (int)r->procs[BL_PROC_HANDLER].pid, (int)r->procs[BL_PROC_BROKER].pid);
    int64_t now = bl_now_us();
    for (int i = 0; i < BL_PROC_COUNT; i++)
        bl_proc_sample(&r->procs[i], now);
}

int main(int argc, char **argv)
{
    bl_options_t opt;
    if (parse_args(argc, argv, &opt) != 0)
        return EXIT_USAGE;
    long nofile = raise_nofile();
    bl_run_t *r = malloc(sizeof *r);
    if (r == NULL) {
        fprintf(stderr, "bank-load: out of memory\n");
        return EXIT_USAGE;
    }
    if (bl_run_init(r, &opt) != 0) {
        bl_run_free(r);
        free(r);
        return EXIT_USAGE;
    }
    r->nofile = (int)nofile;
    unsigned need = bl_run_fds_needed(r, opt.generators);
    if (need > (unsigned long)nofile) {
        fprintf(stderr,
                "bank-load: %u generators need %u file descriptors (one connection each and %u spare), but "
                "RLIMIT_NOFILE allows %ld: use fewer generators or raise the limit (ulimit -n)\n",
                opt.generators, need, need - opt.generators, nofile);
        bl_run_free(r);
        free(r);
        return EXIT_USAGE;
    }
    find_processes(r);
    if (bl_run_start(r) != 0) {
        fprintf(stderr, "bank-load: out of memory\n");
        bl_run_free(r);
        free(r);
        return EXIT_USAGE;
    }
    bl_run_loop(r);
    bl_rows_summary(r);
    int status = bl_run_status(r);
    bl_run_free(r);
    free(r);
    return status;
}
