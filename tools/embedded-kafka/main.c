/*
 * embedded-kafka — a Kafka stand-in for development and tests: librdkafka's mock
 * cluster with the topology's topics, created with their real partition counts.
 *
 *   embedded-kafka [--brokers 1|3] [--topology FILE] [--topic NAME:PARTITIONS]...
 *
 * The first line on stdout is `BOOTSTRAP=host:port[,host:port...]`; it then runs
 * until SIGTERM or SIGINT (or until its parent process goes away, so a crashed
 * test leaves no broker behind). Ports are random on every start and all data is
 * lost at exit; the mock keeps only ~5 MB per partition (see mock.h).
 */
#include "mock.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: embedded-kafka [--brokers 1|3] [--topology FILE] [--topic NAME:PARTITIONS]...\n"
               "  --topology defaults to $GW_TOPOLOGY; without one, only --topic topics exist.\n"
               "  Prints BOOTSTRAP=... first, runs until SIGTERM/SIGINT.\n");
}

int main(int argc, char **argv)
{
    int brokers = 1;
    const char *topo_path = getenv("GW_TOPOLOGY");
    const char *extra[64];
    int nextra = 0;
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
