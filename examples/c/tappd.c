/* The legacy tappd API: DeriveKey, DeriveK256Key and TdxQuote with hashed report data. */
#include "common.h"

int main(void) {
    dstack_tappd_client *t;
    dstack_response *r, *q;
    dstack_error *e = NULL;
    /* NULL endpoint: TAPPD_SIMULATOR_ENDPOINT, then the well-known tappd sockets */
    check(dstack_tappd_client_new(NULL, 0, &t, &e), e, "dstack_tappd_client_new");
    check(dstack_tappd_client_derive_k256_key(t, U8("wallet"), 6, U8("eth"), 3, 0, &r, &e), e, "DeriveK256Key");
    uint8_t addr[42];
    check(dstack_ethereum_address(get(r, DSTACK_FIELD_KEY).ptr, addr, &e), e, "address");
    printf("k256 key address: %.42s\n", (const char *)addr);
    dstack_response_free(r);
    check(dstack_tappd_client_derive_key(t, U8("/tls"), 4, U8("app"), 3, NULL, 0, DSTACK_TLS_USAGE_SERVER_AUTH, 0, &r, &e), e,
          "DeriveKey");
    printf("derived TLS key: %zu bytes of PEM\n", get(r, DSTACK_FIELD_KEY).len);
    dstack_response_free(r);
    check(dstack_tappd_client_tdx_quote(t, U8("nonce-42"), 8, U8("sha256"), 6, NULL, 0, 0, &r, &e), e, "TdxQuote");
    dstack_slice quote = get(r, DSTACK_FIELD_QUOTE);
    uint8_t want[64];
    check(dstack_tappd_report_data(U8("nonce-42"), 8, U8("sha256"), 6, NULL, 0, want, &e), e, "report data");
    check(dstack_quote_parse(quote.ptr, quote.len, &q, &e), e, "quote parse");
    print_hex("report data", get(q, DSTACK_FIELD_REPORT_DATA).ptr, 64);
    printf("report data = sha256(\"app-data:nonce-42\"): %s\n",
           memcmp(get(q, DSTACK_FIELD_REPORT_DATA).ptr, want, 64) == 0 ? "yes" : "no");
    dstack_response_free(q);
    dstack_response_free(r);
    dstack_tappd_client_free(t);
    return 0;
}
