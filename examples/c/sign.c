/* Sign with the app's signing key, verify locally, and verify the key's chain. */
#include "common.h"

int main(void) {
    const char *msg = "pay 1 unit to alice";
    dstack_client *c = connect_agent();
    dstack_response *r, *info;
    dstack_error *e = NULL;
    check(dstack_client_sign(c, U8("ed25519"), 7, U8(msg), strlen(msg), 0, &r, &e), e, "Sign");
    dstack_slice sig = get(r, DSTACK_FIELD_SIGNATURE), pub = get(r, DSTACK_FIELD_PUBLIC_KEY);
    print_hex("signature", sig.ptr, sig.len);
    print_hex("public key", pub.ptr, pub.len);
    bool valid = false;
    check(dstack_ed25519_verify(pub.ptr, U8(msg), strlen(msg), sig.ptr, &valid, &e), e, "verify");
    printf("signature valid: %s\n", valid ? "yes" : "no");
    check(dstack_client_info(c, 0, &info, &e), e, "Info");
    dstack_slice app_id = get(info, DSTACK_FIELD_APP_ID);
    uint8_t app_key[33], kms_key[33];
    check(dstack_response_verify_signature_chain(r, app_id.ptr, app_id.len, NULL, 0, app_key, kms_key, &e), e, "chain");
    print_hex("signing key certified by kms root", kms_key, 33);
    dstack_response_free(info);
    dstack_response_free(r);
    dstack_client_free(c);
    return valid ? 0 : 1;
}
