/* Cold start: runs a command RUNS times (after one unmeasured run that warms the page
 * cache) and reports the median wall time from fork to exit and the median of the
 * child's maximum resident set (ru_maxrss from wait4). Fails if any run exits non-zero.
 *
 * usage: spawn RUNS COMMAND [ARGS...]  ->  COLD <median wall ms> <median max RSS KiB> */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run(char **argv, double *ms, double *rss_kib) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    int status;
    struct rusage u;
    if (wait4(pid, &status, 0, &u) != pid) return -1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    *rss_kib = (double)u.ru_maxrss;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s RUNS COMMAND [ARGS...]\n", argv[0]);
        return 2;
    }
    int runs = atoi(argv[1]);
    if (runs < 1 || runs > 1000) return 2;
    double *ms = calloc((size_t)runs, sizeof *ms), *rss = calloc((size_t)runs, sizeof *rss), w, r;
    if (run(argv + 2, &w, &r)) { fprintf(stderr, "%s failed\n", argv[2]); return 1; }
    for (int i = 0; i < runs; i++)
        if (run(argv + 2, &ms[i], &rss[i])) { fprintf(stderr, "%s failed\n", argv[2]); return 1; }
    qsort(ms, (size_t)runs, sizeof *ms, cmp);
    qsort(rss, (size_t)runs, sizeof *rss, cmp);
    printf("COLD %.2f %.0f\n", ms[runs / 2], rss[runs / 2]);
    return 0;
}
