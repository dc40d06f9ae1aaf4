/* Encrypt environment variables for a deployment, after checking the KMS signature on the
 * app's encryption key. usage: envcrypt [PUBLIC_KEY_HEX]
 * Without arguments it uses the README example key of the official SDKs, whose legacy
 * KMS signature is known (docs/PROTOCOL.md §4.2). */
#include "common.h"

static void unhex(const char *h, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) sscanf(h + 2 * i, "%2hhx", &out[i]);
}

int main(int argc, char **argv) {
    const char *pub_hex = argc > 1 ? argv[1] : "e33a1832c6562067ff8f844a61e51ad051f1180b66ec2551fb0251735f3ee90a";
    dstack_error *e = NULL;
    if (argc == 1) {
        uint8_t pub[32], sig[65], signer[33];
        unhex(pub_hex, pub, 32);
        unhex("8542c49081fbf4e03f62034f13fbf70630bdf256a53032e38465a27c36fd6bed7a5e7111652004aef37f7fd92fbfc1285212c4ae6a6154203a"
              "48f5e16cad2cef00",
              sig, 65);
        check(dstack_verify_env_encrypt_public_key_legacy(pub, 32, sig, 65, U8("0000000000000000000000000000000000000000"), 40,
                                                          NULL, 0, signer, &e),
              e, "KMS signature");
        print_hex("key signed by", signer, 33);
    }
    dstack_slice keys[2] = {{U8("DATABASE_URL"), 12}, {U8("API_KEY"), 7}};
    dstack_slice values[2] = {{U8("postgres://db/app"), 17}, {U8("sk-123"), 6}};
    size_t need = 0;
    dstack_status s = dstack_encrypt_env_vars(keys, values, 2, U8(pub_hex), strlen(pub_hex), NULL, 0, &need, &e);
    if (s != DSTACK_STATUS_BUFFER_TOO_SMALL) check(s, e, "encrypt (size)");
    char *out = malloc(need + 1);
    size_t len = 0;
    check(dstack_encrypt_env_vars(keys, values, 2, U8(pub_hex), strlen(pub_hex), (uint8_t *)out, need, &len, &e), e, "encrypt");
    out[len] = 0;
    printf("encrypted env (%zu hex chars): %s\n", len, out);
    free(out);
    return 0;
}
