/* libdstack from C: GetKey through one client (one reused keep-alive connection), reading
 * the key as every binding does.
 *
 * usage: getkey-c getkey SOCKET CALLS WARMUP  ->  RESULT <cpu µs/call> <wall µs/call> <calls>
 *          and, when run with bench/allocs.so preloaded, also
 *                                               ALLOCS <allocations/call> <bytes/call> <frees/call>
 *        getkey-c cold SOCKET                   create a client, one GetKey, exit (cold start) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dstack.h"

static const char PATH[] = "bench/key", PURPOSE[] = "signing";

static int one_call(dstack_client *c) {
    dstack_response *r;
    dstack_error *e = NULL;
    if (dstack_client_get_key(c, (const uint8_t *)PATH, sizeof PATH - 1, (const uint8_t *)PURPOSE,
                              sizeof PURPOSE - 1, NULL, 0, 0, &r, &e) != DSTACK_STATUS_OK) {
        if (e) {
            dstack_slice m = dstack_error_message(e);
            fprintf(stderr, "GetKey: %.*s\n", (int)m.len, (const char *)m.ptr);
        }
        dstack_error_free(e);
        return -1;
    }
    dstack_slice k;
    int ok = dstack_response_get(r, DSTACK_FIELD_KEY, &k, NULL) == DSTACK_STATUS_OK && k.len == 32;
    dstack_response_free(r);
    return ok ? 0 : -1;
}

typedef void (*counts_fn)(unsigned long *allocs, unsigned long *bytes, unsigned long *frees);

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s getkey SOCKET CALLS WARMUP | cold SOCKET\n", argv[0]);
        return 2;
    }
    const char *sock = argv[2];
    dstack_client *c;
    if (dstack_client_new((const uint8_t *)sock, strlen(sock), &c, NULL) != DSTACK_STATUS_OK) return 1;
    if (strcmp(argv[1], "cold") == 0) {
        int r = one_call(c);
        dstack_client_free(c);
        return r ? 1 : 0;
    }
    if (strcmp(argv[1], "getkey") != 0 || argc != 5) return 2;
    long n = atol(argv[3]), warm = atol(argv[4]);
    for (long i = 0; i < warm; i++)
        if (one_call(c)) return 1;
    counts_fn counts = (counts_fn)dlsym(RTLD_DEFAULT, "bench_alloc_counts");
    unsigned long a0 = 0, b0 = 0, f0 = 0, a1 = 0, b1 = 0, f1 = 0;
    if (counts) counts(&a0, &b0, &f0);
    double c0 = cpu_us(), w0 = wall_us();
    for (long i = 0; i < n; i++)
        if (one_call(c)) { fprintf(stderr, "call %ld failed\n", i); return 1; }
    result(c0, w0, n);
    if (counts) {
        counts(&a1, &b1, &f1);
        printf("ALLOCS %.2f %.0f %.2f\n", (double)(a1 - a0) / (double)n, (double)(b1 - b0) / (double)n,
               (double)(f1 - f0) / (double)n);
    }
    dstack_client_free(c);
    return 0;
}
