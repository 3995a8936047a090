/*
 * fuzz_main.h — what the fuzz targets share: reading a file whole, and, with
 * GW_FUZZ_STANDALONE, a main() that runs every file named on the command line
 * (or every regular file of a named directory, in name order) through
 * LLVMFuzzerTestOneInput once, so each seed corpus is a regression test in
 * every build. Include it once, after defining FUZZ_NAME (the program's name
 * for messages) and declaring LLVMFuzzerTestOneInput.
 */
#ifndef GW_FUZZ_MAIN_H
#define GW_FUZZ_MAIN_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#error "define FUZZ_NAME before including fuzz_main.h"
#endif

/* A property every input must keep: a failed one is a finding (abort, so
 * libFuzzer keeps the input). */
#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, FUZZ_NAME ": check failed: %s (line %d)\n", #cond, __LINE__);                              \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* Reads a whole file into a malloc'd, NUL-terminated buffer; NULL on error.
 * Inline: targets that read no file of their own do not use it. */
static inline char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = p;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(data);
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

#ifdef GW_FUZZ_STANDALONE
/* Runs one file through the target. Returns 0, or -1 when it cannot be read. */
static int run_file(const char *path)
{
    size_t len = 0;
    char *data = read_file(path, &len);
    if (!data) {
        fprintf(stderr, FUZZ_NAME ": cannot read %s\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    free(data);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of directory `dir`, in name order. Returns the
 * number of files run, or -1 on error. */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *names);
            if (!p) {
                rc = -1;
                break;
            }
            names = p;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = -1;
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (rc == 0 && n)
        qsort(names, n, sizeof *names, compare_names);
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(names[i]) != 0)
                rc = -1;
            count++;
        }
        free(names[i]);
    }
    free(names);
    return rc < 0 ? -1 : count;
}

/* Usage: FUZZ_NAME FILE_OR_DIR...  Prints how many inputs ran; exits
 * non-zero when none did or one could not be read (a failed check aborts). */
int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    int total = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, FUZZ_NAME ": no such file or directory: %s\n", argv[i]);
            bad++;
        } else if (S_ISDIR(st.st_mode)) {
            int n = run_dir(argv[i]);
            if (n < 0)
                bad++;
            else
                total += n;
        } else if (run_file(argv[i]) == 0) {
            total++;
        } else {
            bad++;
        }
    }
    printf(FUZZ_NAME ": %d inputs ran, %d unreadable\n", total, bad);
    return (bad || total == 0) ? 1 : 0;
}
#endif

#endif
