/* Helpers shared by the libdstack C examples: print bytes and fail loudly. */
#ifndef DSTACK_EXAMPLE_COMMON_H
#define DSTACK_EXAMPLE_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dstack.h"

/* Exits with the status and message of a failed call. */
static inline void check(dstack_status s, dstack_error *e, const char *what) {
    if (s == DSTACK_STATUS_OK) return;
    dstack_slice m = dstack_error_message(e);
    fprintf(stderr, "%s failed: %s (%u): %.*s\n", what, dstack_status_message(s), s, (int)m.len,
            m.ptr ? (const char *)m.ptr : "");
    dstack_error_free(e);
    exit(1);
}

static inline void print_hex(const char *label, const uint8_t *p, size_t n) {
    printf("%s: ", label);
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

static inline void print_text(const char *label, dstack_slice s) { printf("%s: %.*s\n", label, (int)s.len, (const char *)s.ptr); }

/* Reads a bytes/text field, exiting if it is absent. */
static inline dstack_slice get(const dstack_response *r, dstack_field f) {
    dstack_slice v;
    dstack_error *e = NULL;
    check(dstack_response_get(r, f, &v, &e), e, "dstack_response_get");
    return v;
}

static inline dstack_client *connect_agent(void) {
    dstack_client *c;
    dstack_error *e = NULL;
    /* NULL endpoint: DSTACK_SIMULATOR_ENDPOINT, then the well-known sockets */
    check(dstack_client_new(NULL, 0, &c, &e), e, "dstack_client_new");
    return c;
}

#define U8(s) ((const uint8_t *)(s))
#endif
