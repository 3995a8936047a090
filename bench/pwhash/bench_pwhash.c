/*
 * bench_pwhash.c — what one password hash costs on this machine: argon2id
 * through gw_password_hash (what the gateway's workers run) at several
 * settings, interleaved round by round so that a change of load hits every
 * setting alike. Prints, per setting, the median and the spread of the wall
 * time per hash on one thread, and hashes per second per core; the load
 * average before and after. A measurement, never a test.
 *
 * Usage: bench_pwhash [--rounds N]   (default 15)
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct setting {
    const char *name;
    gw_pwhash_params_t p;
} setting_t;

static const setting_t SETTINGS[] = {
    {"INTERACTIVE (libsodium; the old default)", {65536, 2}},
    {"OWASP minimum (the default)", {19456, 2}},
    {"OWASP 12 MiB / 3", {12288, 3}},
    {"allow_weak 8 MiB / 1 (load tests)", {8192, 1}},
    {"allow_weak 1 MiB / 1 (load tests)", {1024, 1}},
};
#define NSET (sizeof SETTINGS / sizeof *SETTINGS)

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void loadavg(char *out, size_t n)
{
    FILE *f = fopen("/proc/loadavg", "r");
    out[0] = '\0';
    if (f != NULL) {
        if (fgets(out, (int)n, f) != NULL)
            out[strcspn(out, "\n")] = '\0';
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    int rounds = 15;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_pwhash [--rounds N]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > 10000 || gw_store_init() != 0)
        return 2;
    char la[128];
    loadavg(la, sizeof la);
    printf("load average before: %s\n", la);
    double *ms = calloc(NSET * (size_t)rounds, sizeof *ms);
    double *cpu = calloc(NSET * (size_t)rounds, sizeof *cpu);
    if (ms == NULL || cpu == NULL)
        return 1;
    char out[GW_PWHASH_MAX];
    for (int r = -1; r < rounds; r++) /* round -1 warms up (page faults of the first allocation) */
        for (size_t s = 0; s < NSET; s++) {
            double t0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
            if (gw_password_hash("correct horse battery staple", 28, &SETTINGS[s].p, out) != 0) {
                fprintf(stderr, "hash failed at %s\n", SETTINGS[s].name);
                return 1;
            }
            if (r >= 0) {
                ms[s * (size_t)rounds + (size_t)r] = clock_ms(CLOCK_MONOTONIC) - t0;
                cpu[s * (size_t)rounds + (size_t)r] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
            }
        }
    loadavg(la, sizeof la);
    printf("load average after:  %s\n", la);
    printf("%-42s %9s %9s %9s %9s %9s %14s\n", "setting", "m KiB/t", "wall med", "wall min", "wall max", "CPU med",
           "hashes/s/core");
    for (size_t s = 0; s < NSET; s++) {
        double *v = ms + s * (size_t)rounds, *c = cpu + s * (size_t)rounds;
        qsort(v, (size_t)rounds, sizeof *v, cmp_double);
        qsort(c, (size_t)rounds, sizeof *c, cmp_double);
        double med = v[rounds / 2], cmed = c[rounds / 2];
        char mt[32];
        snprintf(mt, sizeof mt, "%llu/%llu", (unsigned long long)SETTINGS[s].p.memlimit_kib,
                 (unsigned long long)SETTINGS[s].p.opslimit);
        printf("%-42s %9s %7.1fms %7.1fms %7.1fms %7.1fms %14.1f\n", SETTINGS[s].name, mt, med, v[0], v[rounds - 1],
               cmed, 1000.0 / cmed);
    }
    printf("CPU: the thread's own CPU time per hash (what a core spends, whatever the load); hashes/s/core from it\n");
    free(ms);
    free(cpu);
    return 0;
}
