/* Shared by the C bench programs: CPU time of this process (all threads, user + system)
 * and wall time, in microseconds, and the result line every runner prints:
 *   RESULT <cpu µs per call> <wall µs per call> <calls> */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

static double cpu_us(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

static double wall_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void result(double cpu0, double wall0, long calls) {
    double c = cpu_us() - cpu0, w = wall_us() - wall0;
    printf("RESULT %.3f %.3f %ld\n", c / (double)calls, w / (double)calls, calls);
}
#endif
