/* Package smoke test (scripts/smoke.sh): offline verification through libdstack_verify of
 * the release tarball (pkg-config dstack-verify / dstack-verify-static, CMake
 * dstack::dstack_verify / dstack::dstack_verify_static). Verifies the real Intel TDX quote
 * QUOTE with its collateral COLLATERAL at NOW (inside the collateral's window) and expects
 * the TCB status UpToDate.
 * usage: verify QUOTE COLLATERAL NOW */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dstack_verify.h"

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    size_t cap = 1 << 16, len = 0;
    unsigned char *p = malloc(cap);
    size_t r;
    while (p && (r = fread(p + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) p = realloc(p, cap *= 2);
    }
    fclose(f);
    if (!p) { fputs("out of memory\n", stderr); exit(1); }
    *n = len;
    return p;
}

int main(int argc, char **argv) {
    if (argc != 4) { fputs("usage: verify QUOTE COLLATERAL NOW\n", stderr); return 2; }
    size_t qn, cn;
    unsigned char *q = slurp(argv[1], &qn), *c = slurp(argv[2], &cn);
    unsigned long long now = strtoull(argv[3], NULL, 10);
    dstack_verification *v = NULL;
    dstack_error *e = NULL;
    if (dstack_verify_quote(q, qn, c, cn, now, 0, NULL, 0, false, &v, &e) != DSTACK_STATUS_OK) {
        dstack_slice m = dstack_error_message(e);
        fprintf(stderr, "verification failed: %.*s\n", (int)m.len, (const char *)m.ptr);
        dstack_error_free(e);
        return 1;
    }
    dstack_slice s = {NULL, 0};
    if (dstack_verification_get(v, DSTACK_VERIFICATION_TCB_STATUS, &s, &e) != DSTACK_STATUS_OK) {
        fputs("no tcb_status\n", stderr);
        dstack_error_free(e);
        return 1;
    }
    int ok = s.len == 8 && memcmp(s.ptr, "UpToDate", 8) == 0;
    printf("c: verified the TDX quote offline: tcb_status %.*s (libdstack_verify %s)\n", (int)s.len,
           (const char *)s.ptr, dstack_version());
    dstack_verification_free(v);
    free(q);
    free(c);
    return ok ? 0 : 1;
}
