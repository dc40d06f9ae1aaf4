/* GetTlsKey: a fresh key with an RA-TLS certificate chain, and keys derived from it. */
#include "common.h"

int main(void) {
    dstack_client *c = connect_agent();
    dstack_slice alt[1] = {{U8("app.example"), 11}};
    dstack_response *r;
    dstack_error *e = NULL;
    check(dstack_client_get_tls_key(c, U8("app.example"), 11, alt, 1, DSTACK_TLS_USAGE_SERVER_AUTH | DSTACK_TLS_USAGE_RA_TLS,
                                    NULL, NULL, 0, &r, &e),
          e, "GetTlsKey");
    size_t n = 0;
    check(dstack_response_count(r, DSTACK_FIELD_CERTIFICATE_CHAIN, &n, &e), e, "chain");
    printf("certificate chain: %zu certificates\n", n);
    dstack_slice leaf;
    check(dstack_response_item(r, DSTACK_FIELD_CERTIFICATE_CHAIN, 0, &leaf, &e), e, "leaf");
    printf("leaf certificate: %zu bytes of PEM\n", leaf.len);
    dstack_slice pem = get(r, DSTACK_FIELD_KEY);
    uint8_t der[256], seed[32], addr[42], secret[64], b58[44];
    size_t der_len, b58_len;
    check(dstack_tls_key_as_uint8array(pem.ptr, pem.len, -1, der, sizeof der, &der_len, &e), e, "as_uint8array");
    printf("private key: %zu bytes of PKCS#8 DER\n", der_len);
    check(dstack_tls_key_secure_seed(pem.ptr, pem.len, seed, &e), e, "secure seed");
    check(dstack_ethereum_address(seed, addr, &e), e, "address");
    check(dstack_solana_keypair(seed, secret, b58, sizeof b58, &b58_len, &e), e, "solana");
    printf("ethereum address (secure): %.42s\n", (const char *)addr);
    printf("solana public key (secure): %.*s\n", (int)b58_len, (const char *)b58);
    dstack_response_free(r);
    dstack_client_free(c);
    return 0;
}
