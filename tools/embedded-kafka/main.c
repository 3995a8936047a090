/*
 * embedded-kafka — a Kafka stand-in for development and tests: librdkafka's mock
 * cluster with the topology's topics, created with their real partition counts.
 *
 *   embedded-kafka [--brokers 1|3] [--topology FILE] [--topic NAME:PARTITIONS]... [--control]
 *
 * The first line on stdout is `BOOTSTRAP=host:port[,host:port...]`; it then runs
 * until SIGTERM or SIGINT (or until its parent process goes away, so a crashed
 * test leaves no broker behind). Ports are random on every start and all data is
 * lost at exit; the mock keeps only ~5 MB per partition (see mock.h).
 *
 * --control: fault injection for tests. Standard input takes one command per
 * line, and each is answered by one line on stdout, `OK <command>` or
 * `ERR <why>` (tests/e2e/faults-lib.mjs drives it):
 *
 *   down BROKER|-1            disconnect the broker (all: -1), refuse new connections
 *   up BROKER|-1              accept connections again
 *   leader TOPIC PART BROKER  move a partition's leadership
 *   errors API COUNT ERR...   the next COUNT requests of API (Produce, Fetch,
 *                             Metadata or a number) fail with ERR (a name such as
 *                             NOT_LEADER_FOR_PARTITION or _TRANSPORT, or a number),
 *                             the list repeated to fill COUNT
 *   clear API                 forget the errors still pushed for API
 *
 * End of input ends the control channel, not the broker.
 */
#include "mock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A Kafka protocol API by name or number; -1 when unknown. */
static int api_key(const char *s)
{
    static const struct {
        const char *name;
        int key;
    } apis[] = {{"Produce", 0},      {"Fetch", 1},       {"ListOffsets", 2},      {"Metadata", 3},
                {"OffsetCommit", 8}, {"OffsetFetch", 9}, {"FindCoordinator", 10}, {"InitProducerId", 22}};
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
        if (strcmp(s, apis[i].name) == 0)
            return apis[i].key;
    char *end;
    long v = strtol(s, &end, 10);
    return *s && *end == '\0' && v >= 0 && v < 100 ? (int)v : -1;
}

/* A Kafka error code by librdkafka's name (with or without its leading '_' for
 * the local ones) or by number; 1 when found. */
static int error_code(const char *s, rd_kafka_resp_err_t *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s && *end == '\0') {
        *out = (rd_kafka_resp_err_t)v;
        return 1;
    }
    for (int c = RD_KAFKA_RESP_ERR__BEGIN; c < RD_KAFKA_RESP_ERR_END_ALL; c++) {
        const char *n = rd_kafka_err2name((rd_kafka_resp_err_t)c);
        if (n != NULL && strcmp(n, s) == 0) {
            *out = (rd_kafka_resp_err_t)c;
            return 1;
        }
    }
    return 0;
}

/* Runs one control command on the cluster; writes the answer line into ans. */
static void control_command(rd_kafka_mock_cluster_t *mc, char *line, char *ans, size_t anslen)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "%s", line);
    char *save = NULL, *verb = strtok_r(line, " \t", &save);
    char *args[66];
    int n = 0;
    for (char *a; n < 66 && (a = strtok_r(NULL, " \t", &save)) != NULL;)
        args[n++] = a;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (verb == NULL) {
        snprintf(ans, anslen, "ERR empty command");
        return;
    } else if ((strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0) && n == 1) {
        int32_t id = (int32_t)atoi(args[0]);
        e = verb[0] == 'd' ? rd_kafka_mock_broker_set_down(mc, id) : rd_kafka_mock_broker_set_up(mc, id);
    } else if (strcmp(verb, "leader") == 0 && n == 3) {
        e = rd_kafka_mock_partition_set_leader(mc, args[0], (int32_t)atoi(args[1]), (int32_t)atoi(args[2]));
    } else if (strcmp(verb, "errors") == 0 && n >= 3) {
        int api = api_key(args[0]);
        int count = atoi(args[1]);
        rd_kafka_resp_err_t errs[1024];
        if (api < 0 || count < 1 || count > 1024) {
            snprintf(ans, anslen, "ERR errors API COUNT ERR...: bad API or COUNT (1..1024)");
            return;
        }
        for (int i = 0; i < count; i++)
            if (!error_code(args[2 + i % (n - 2)], &errs[i])) {
                snprintf(ans, anslen, "ERR unknown error code %s", args[2 + i % (n - 2)]);
                return;
            }
        rd_kafka_mock_push_request_errors_array(mc, (int16_t)api, (size_t)count, errs);
    } else if (strcmp(verb, "clear") == 0 && n == 1 && api_key(args[0]) >= 0) {
        rd_kafka_mock_clear_request_errors(mc, (int16_t)api_key(args[0]));
    } else {
        snprintf(ans, anslen, "ERR unknown command (down, up, leader, errors, clear): %s", cmd);
        return;
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        snprintf(ans, anslen, "ERR %s: %s", cmd, rd_kafka_err2str(e));
    else
        snprintf(ans, anslen, "OK %s", cmd);
}

/* The --control thread: commands from stdin until its end. */
static void *control_main(void *arg)
{
    rd_kafka_mock_cluster_t *mc = arg;
    char line[4096], ans[4200];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        control_command(mc, line, ans, sizeof(ans));
        printf("%s\n", ans);
        fflush(stdout);
        fprintf(stderr, "embedded-kafka: control: %s\n", ans);
    }
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: embedded-kafka [--brokers 1|3] [--topology FILE] [--topic NAME:PARTITIONS]... [--control]\n"
               "  --control: fault injection commands on stdin (see the source's header)\n"
               "  --topology defaults to $GW_TOPOLOGY; without one, only --topic topics exist.\n"
               "  Prints BOOTSTRAP=... first, runs until SIGTERM/SIGINT.\n");
}

int main(int argc, char **argv)
{
    int brokers = 1;
    const char *topo_path = getenv("GW_TOPOLOGY");
    const char *extra[64];
    int nextra = 0, control = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--brokers") == 0 && v) {
            brokers = atoi(v);
            i++;
        } else if (strcmp(a, "--topology") == 0 && v) {
            topo_path = v;
            i++;
        } else if (strcmp(a, "--topic") == 0 && v && nextra < 64) {
            extra[nextra++] = v;
            i++;
        } else if (strcmp(a, "--control") == 0) {
            control = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (brokers < 1 || brokers > 9) {
        fprintf(stderr, "embedded-kafka: --brokers must be 1 to 9 (1 or 3 are the tested ones)\n");
        return 2;
    }

    /* Block the signals before librdkafka starts threads, so only sigtimedwait sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    char err[512];
    gw_topology_t *topo = NULL;
    if (topo_path && *topo_path && gw_topology_load(topo_path, &topo, err, sizeof(err)) != 0) {
        fprintf(stderr, "embedded-kafka: %s\n", err);
        return 1;
    }
    gw_mock_t *m = gw_mock_start(brokers, topo, err, sizeof(err));
    if (m == NULL) {
        fprintf(stderr, "embedded-kafka: %s\n", err);
        gw_topology_free(topo);
        return 1;
    }
    int ntopics = topo ? (int)topo->ntopics : 0;
    for (int i = 0; i < nextra; i++) {
        char name[256];
        const char *colon = strrchr(extra[i], ':');
        int parts = colon ? atoi(colon + 1) : 0;
        size_t nl = colon ? (size_t)(colon - extra[i]) : 0;
        if (parts < 1 || nl == 0 || nl >= sizeof(name)) {
            fprintf(stderr, "embedded-kafka: --topic wants NAME:PARTITIONS, got %s\n", extra[i]);
            gw_mock_stop(m);
            gw_topology_free(topo);
            return 2;
        }
        memcpy(name, extra[i], nl);
        name[nl] = '\0';
        if (gw_mock_create_topic(m, name, parts, brokers) != 0) {
            fprintf(stderr, "embedded-kafka: cannot create topic %s\n", name);
            gw_mock_stop(m);
            gw_topology_free(topo);
            return 1;
        }
        ntopics++;
    }
    printf("BOOTSTRAP=%s\n", gw_mock_bootstrap(m));
    fflush(stdout);
    pthread_t ctl;
    if (control && pthread_create(&ctl, NULL, control_main, gw_mock_cluster(m)) == 0)
        pthread_detach(ctl);
    fprintf(stderr, "embedded-kafka: %d broker(s), %d topic(s), at %s\n", brokers, ntopics, gw_mock_bootstrap(m));

    pid_t parent = getppid();
    struct timespec tick = {0, 500 * 1000 * 1000};
    int sig;
    for (;;) {
        sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig < 0 && errno != EAGAIN && errno != EINTR)
            break;
        if (getppid() != parent) {
            fprintf(stderr, "embedded-kafka: parent process gone, stopping\n");
            break;
        }
    }
    gw_mock_stop(m);
    gw_topology_free(topo);
    return 0;
}
