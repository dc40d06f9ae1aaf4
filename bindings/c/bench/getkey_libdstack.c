/* GetKey latency through libdstack, one client (so one reused keep-alive connection).
 * usage: getkey_libdstack SOCKET ITERATIONS  -> prints "libdstack <ns per call>" */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dstack.h"

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int n = atoi(argv[2]);
    dstack_client *c;
    if (dstack_client_new((const uint8_t *)argv[1], strlen(argv[1]), &c, NULL) != DSTACK_STATUS_OK) return 1;
    dstack_response *r;
    /* warm up: first connection */
    if (dstack_client_get_key(c, (const uint8_t *)"a", 1, (const uint8_t *)"p", 1, NULL, 0, 0, &r, NULL)) return 1;
    dstack_response_free(r);
    double t0 = now_ns();
    for (int i = 0; i < n; i++) {
        if (dstack_client_get_key(c, (const uint8_t *)"a", 1, (const uint8_t *)"p", 1, NULL, 0, 0, &r, NULL)) return 1;
        dstack_slice k;
        if (dstack_response_get(r, DSTACK_FIELD_KEY, &k, NULL) || k.len != 32) return 1;
        dstack_response_free(r);
    }
    printf("libdstack %.0f\n", (now_ns() - t0) / n);
    dstack_client_free(c);
    return 0;
}
