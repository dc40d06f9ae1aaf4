/* Package smoke test (scripts/smoke.sh): built against the unpacked release tarball, it
 * makes one GetKey and one GetQuote call to the agent at SOCKET and checks the answers.
 * usage: app SOCKET     exit status 0 if both answers are right */
#include <stdio.h>
#include <string.h>

#include "dstack.h"

#define U8(s) ((const uint8_t *)(s))

static int failed(const char *what, dstack_status s, dstack_error *e) {
    dstack_slice m = dstack_error_message(e);
    fprintf(stderr, "%s failed: %s: %.*s\n", what, dstack_status_message(s), (int)m.len, m.ptr ? (const char *)m.ptr : "");
    dstack_error_free(e);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
        return 2;
    }
    dstack_client *c = NULL;
    dstack_response *key = NULL, *quote = NULL;
    dstack_error *e = NULL;
    dstack_slice k, q;
    size_t chain = 0;
    dstack_status s;
    if ((s = dstack_client_new(U8(argv[1]), strlen(argv[1]), &c, &e))) return failed("dstack_client_new", s, e);
    if ((s = dstack_client_get_key(c, U8("smoke/test"), 10, U8("signing"), 7, NULL, 0, 0, &key, &e)))
        return failed("GetKey", s, e);
    if ((s = dstack_response_get(key, DSTACK_FIELD_KEY, &k, &e))) return failed("key", s, e);
    if ((s = dstack_response_count(key, DSTACK_FIELD_SIGNATURE_CHAIN, &chain, &e))) return failed("chain", s, e);
    if ((s = dstack_client_get_quote(c, U8("smoke"), 5, 0, &quote, &e))) return failed("GetQuote", s, e);
    if ((s = dstack_response_get(quote, DSTACK_FIELD_QUOTE, &q, &e))) return failed("quote", s, e);
    printf("c: libdstack %s (header %s): key %zu bytes, signature chain %zu, quote %zu bytes\n", dstack_version(),
           DSTACK_VERSION, k.len, chain, q.len);
    int ok = k.len == 32 && chain == 2 && q.len > 0 && strcmp(dstack_version(), DSTACK_VERSION) == 0;
    dstack_response_free(quote);
    dstack_response_free(key);
    dstack_client_free(c);
    return ok ? 0 : 1;
}
