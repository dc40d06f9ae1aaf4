/* GetKey and verifying its signature chain back to the KMS root.
 * usage: keys [PATH [PURPOSE [TRUSTED_KMS_KEY_HEX]]] */
#include "common.h"

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "wallet/eth";
    const char *purpose = argc > 2 ? argv[2] : "signing";
    dstack_client *c = connect_agent();
    dstack_response *key, *info;
    dstack_error *e = NULL;
    check(dstack_client_get_key(c, U8(path), strlen(path), U8(purpose), strlen(purpose), NULL, 0, 0, &key, &e), e, "GetKey");
    dstack_slice k = get(key, DSTACK_FIELD_KEY);
    uint8_t pub[33], addr[42];
    size_t pub_len;
    check(dstack_secp256k1_public_key(k.ptr, true, pub, sizeof pub, &pub_len, &e), e, "public key");
    check(dstack_ethereum_address(k.ptr, addr, &e), e, "address");
    print_hex("public key", pub, pub_len);
    printf("ethereum address: %.42s\n", (const char *)addr);

    /* the app id comes from Info here; a verifier takes it from a verified quote */
    check(dstack_client_info(c, 0, &info, &e), e, "Info");
    dstack_slice app_id = get(info, DSTACK_FIELD_APP_ID);
    uint8_t trusted[33];
    size_t trusted_len = 0;
    if (argc > 3) {
        int ok = strlen(argv[3]) == 66;
        for (int i = 0; ok && i < 33; i++) ok = sscanf(argv[3] + 2 * i, "%2hhx", &trusted[i]) == 1;
        if (!ok) {
            fprintf(stderr, "TRUSTED_KMS_KEY_HEX must be 66 hex digits (a compressed secp256k1 key)\n");
            return 2;
        }
        trusted_len = 33;
    }
    uint8_t app_key[33], kms_key[33];
    check(dstack_response_verify_signature_chain(key, app_id.ptr, app_id.len, trusted_len ? trusted : NULL, trusted_len,
                                                 app_key, kms_key, &e),
          e, "signature chain");
    print_hex("app id", app_id.ptr, app_id.len);
    print_hex("app key", app_key, 33);
    print_hex("kms root key", kms_key, 33);
    printf("chain: %s\n", trusted_len ? "verified against the trusted KMS key" : "verified (compare the KMS key yourself)");
    dstack_response_free(info);
    dstack_response_free(key);
    dstack_client_free(c);
    return 0;
}
