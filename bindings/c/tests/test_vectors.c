/*
 * The shared test vectors (testdata/vectors, flattened by flatten_vectors.py) through the
 * C ABI: compose hashing, KMS signature checks, Ethereum/Solana helpers, TLS key bytes,
 * RTMR replays and env encryption.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dstack.h"

extern int vec_passed, vec_failed;

static const char *cur_id = "";

static void ok(int cond, const char *what) {
    if (cond) {
        vec_passed++;
    } else {
        vec_failed++;
        fprintf(stderr, "FAIL vector %s: %s\n", cur_id, what);
    }
}

/* Decodes a hex field ("-" = empty) into a new buffer. */
static uint8_t *unhex_field(const char *h, size_t *len) {
    if (strcmp(h, "-") == 0) {
        *len = 0;
        return calloc(1, 1);
    }
    size_t n = strlen(h) / 2;
    uint8_t *out = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    out[n] = 0; /* convenient for text fields */
    *len = n;
    return out;
}

static int eq_hex(const uint8_t *p, size_t n, const char *h) {
    size_t l;
    uint8_t *w = unhex_field(h, &l);
    int r = l == n && memcmp(p, w, n) == 0;
    free(w);
    return r;
}

static char *next(char **save) { return strtok_r(NULL, " \n", save); }

static void compose_case(char **sv) {
    int norm = atoi(next(sv));
    size_t n, cl;
    uint8_t *in = unhex_field(next(sv), &n);
    const char *hash = next(sv);
    uint8_t *canon = unhex_field(next(sv), &cl);
    uint8_t h[32];
    dstack_error *e = NULL;
    dstack_status s = dstack_compose_hash(in, n, norm, h, &e);
    ok(s == DSTACK_STATUS_OK && eq_hex(h, 32, hash), "compose hash");
    dstack_error_free(e);
    size_t need = 0;
    s = dstack_compose_canonical_json(in, n, norm, NULL, 0, &need, NULL);
    ok(cl == 0 ? s == DSTACK_STATUS_OK : s == DSTACK_STATUS_BUFFER_TOO_SMALL, "canonical json size query");
    ok(need == cl, "canonical json needed length");
    uint8_t *buf = malloc(need + 1);
    size_t got = 0;
    s = dstack_compose_canonical_json(in, n, norm, buf, need, &got, NULL);
    ok(s == DSTACK_STATUS_OK && got == cl && memcmp(buf, canon, cl) == 0, "canonical json bytes");
    free(buf);
    free(in);
    free(canon);
}

static void kms_case(char **sv, int v1) {
    size_t pl, sl, al;
    uint8_t *pub = unhex_field(next(sv), &pl);
    uint8_t *sig = unhex_field(next(sv), &sl);
    uint8_t *app = unhex_field(next(sv), &al);
    unsigned long long ts = 0, now = 0, max_age = 0;
    if (v1) {
        ts = strtoull(next(sv), NULL, 10);
        now = strtoull(next(sv), NULL, 10);
        max_age = strtoull(next(sv), NULL, 10);
    }
    const char *want = next(sv);
    uint8_t signer[33];
    dstack_error *e = NULL;
    dstack_status s = v1 ? dstack_verify_env_encrypt_public_key(pub, pl, sig, sl, app, al, ts, now, max_age, NULL, 0, signer, &e)
                         : dstack_verify_env_encrypt_public_key_legacy(pub, pl, sig, sl, app, al, NULL, 0, signer, &e);
    if (strcmp(want, "ERR") == 0) {
        ok(s != DSTACK_STATUS_OK && e != NULL, "kms: expected a failure");
    } else {
        ok(s == DSTACK_STATUS_OK && eq_hex(signer, 33, want), "kms: recovered signer");
        /* trusted keys: accepted when the signer is among them, rejected otherwise */
        uint8_t trusted[66];
        memset(trusted, 0x02, 33);
        memcpy(trusted + 33, signer, 33);
        dstack_status s2 = v1 ? dstack_verify_env_encrypt_public_key(pub, pl, sig, sl, app, al, ts, now, max_age, trusted, 2, signer, NULL)
                              : dstack_verify_env_encrypt_public_key_legacy(pub, pl, sig, sl, app, al, trusted, 2, signer, NULL);
        ok(s2 == DSTACK_STATUS_OK, "kms: trusted signer accepted");
        s2 = v1 ? dstack_verify_env_encrypt_public_key(pub, pl, sig, sl, app, al, ts, now, max_age, trusted, 1, signer, NULL)
                : dstack_verify_env_encrypt_public_key_legacy(pub, pl, sig, sl, app, al, trusted, 1, signer, NULL);
        ok(s2 == DSTACK_STATUS_VERIFICATION_FAILED, "kms: untrusted signer rejected");
    }
    dstack_error_free(e);
    free(pub);
    free(sig);
    free(app);
}

static void eth_address_of(const uint8_t key[32], const char *want) {
    uint8_t addr[42];
    dstack_status s = dstack_ethereum_address(key, addr, NULL);
    if (strcmp(want, "ERR") == 0) {
        ok(s != DSTACK_STATUS_OK, "eth: expected a failure");
    } else {
        ok(s == DSTACK_STATUS_OK && eq_hex(addr, 42, want), "eth: address");
    }
}

static void eth_case(char **sv, int tls) {
    size_t n;
    uint8_t *in = unhex_field(next(sv), &n);
    if (!tls) {
        eth_address_of(in, next(sv));
    } else {
        const char *want = next(sv), *want_secure = next(sv);
        uint8_t k[32], seed[32];
        size_t kl = 0;
        dstack_status s = dstack_tls_key_as_uint8array(in, n, 32, k, 32, &kl, NULL);
        if (strcmp(want, "ERR") == 0) {
            ok(s != DSTACK_STATUS_OK, "eth tls: expected a failure");
        } else {
            ok(s == DSTACK_STATUS_OK && kl == 32, "eth tls: as_uint8array(32)");
            eth_address_of(k, want);
        }
        s = dstack_tls_key_secure_seed(in, n, seed, NULL);
        if (strcmp(want_secure, "ERR") == 0) {
            ok(s != DSTACK_STATUS_OK, "eth tls secure: expected a failure");
        } else {
            ok(s == DSTACK_STATUS_OK, "eth tls secure: seed");
            eth_address_of(seed, want_secure);
        }
    }
    free(in);
}

static void sol_keypair_of(const uint8_t seed[32], const char *b58, const char *secret) {
    uint8_t sk[64], pk[64];
    size_t pl = 0;
    dstack_status s = dstack_solana_keypair(seed, sk, pk, sizeof pk, &pl, NULL);
    if (strcmp(b58, "ERR") == 0) {
        ok(s != DSTACK_STATUS_OK, "sol: expected a failure");
        return;
    }
    ok(s == DSTACK_STATUS_OK && eq_hex(pk, pl, b58) && eq_hex(sk, 64, secret), "sol: keypair");
    /* too small a buffer reports the needed length */
    size_t need = 0;
    s = dstack_solana_keypair(seed, sk, pk, 3, &need, NULL);
    ok(s == DSTACK_STATUS_BUFFER_TOO_SMALL && need == pl, "sol: buffer too small");
    /* the keypair signs verifiably */
    uint8_t sig[64];
    bool valid = false;
    ok(dstack_ed25519_sign(seed, (const uint8_t *)"m", 1, sig, NULL) == DSTACK_STATUS_OK, "sol: sign");
    ok(dstack_ed25519_verify(sk + 32, (const uint8_t *)"m", 1, sig, &valid, NULL) == DSTACK_STATUS_OK && valid, "sol: verify");
}

static void sol_case(char **sv, int tls) {
    size_t n;
    uint8_t *in = unhex_field(next(sv), &n);
    if (!tls) {
        const char *b = next(sv), *sk = next(sv);
        sol_keypair_of(in, b, sk);
    } else {
        const char *b = next(sv), *sk = next(sv), *bs = next(sv), *sks = next(sv);
        uint8_t k[32], seed[32];
        size_t kl = 0;
        dstack_status s = dstack_tls_key_as_uint8array(in, n, 32, k, 32, &kl, NULL);
        if (strcmp(b, "ERR") == 0)
            ok(s != DSTACK_STATUS_OK, "sol tls: expected a failure");
        else
            sol_keypair_of(k, b, sk);
        s = dstack_tls_key_secure_seed(in, n, seed, NULL);
        if (strcmp(bs, "ERR") == 0)
            ok(s != DSTACK_STATUS_OK, "sol tls secure: expected a failure");
        else
            sol_keypair_of(seed, bs, sks);
    }
    free(in);
}

static void tls_case(char **sv) {
    size_t n;
    uint8_t *pem = unhex_field(next(sv), &n);
    long long len = atoll(next(sv));
    const char *want = next(sv);
    uint8_t out[4096];
    size_t got = 0;
    dstack_error *e = NULL;
    dstack_status s = dstack_tls_key_as_uint8array(pem, n, len, out, sizeof out, &got, &e);
    if (strcmp(want, "ERR") == 0) {
        ok(s != DSTACK_STATUS_OK && e != NULL && dstack_error_message(e).len > 0, "tls: expected a clear failure");
    } else {
        ok(s == DSTACK_STATUS_OK && eq_hex(out, got, want), "tls: bytes");
    }
    dstack_error_free(e);
    free(pem);
}

static void replay_case(char **sv, int sound) {
    size_t n;
    uint8_t *log = unhex_field(next(sv), &n);
    const char *want = next(sv);
    uint8_t mrs[192];
    dstack_status s = sound ? dstack_replay_rtmrs(log, n, mrs, NULL) : dstack_replay_rtmrs_from_digests(log, n, mrs, NULL);
    if (strcmp(want, "ERR") == 0)
        ok(s != DSTACK_STATUS_OK, "replay: expected a failure");
    else
        ok(s == DSTACK_STATUS_OK && eq_hex(mrs, 192, want), sound ? "sound replay matches the quote" : "SDK replay");
    free(log);
}

static void env_case(char **sv) {
    size_t kl;
    uint8_t *pubhex = unhex_field(next(sv), &kl);
    next(sv); /* the recipient's private key: decryption is checked by ffi/tests/envcrypt.rs */
    int want_ok = strcmp(next(sv), "OK") == 0;
    int count = atoi(next(sv));
    dstack_slice keys[64], values[64];
    uint8_t *bufs[128];
    size_t plain = 0;
    for (int i = 0; i < count && i < 64; i++) {
        size_t a, b;
        bufs[2 * i] = unhex_field(next(sv), &a);
        bufs[2 * i + 1] = unhex_field(next(sv), &b);
        keys[i].ptr = bufs[2 * i];
        keys[i].len = a;
        values[i].ptr = bufs[2 * i + 1];
        values[i].len = b;
        plain += a + b;
    }
    size_t need = 0;
    dstack_status s = dstack_encrypt_env_vars(keys, values, (size_t)count, pubhex, kl, NULL, 0, &need, NULL);
    if (!want_ok) {
        ok(s != DSTACK_STATUS_OK && s != DSTACK_STATUS_BUFFER_TOO_SMALL, "env: expected a failure");
    } else {
        ok(s == DSTACK_STATUS_BUFFER_TOO_SMALL, "env: size query");
        /* hex of eph_pub(32) || iv(12) || ciphertext (>= the key and value bytes) || tag(16) */
        ok(need % 2 == 0 && need >= 2 * (32 + 12 + 16 + plain), "env: output length");
        char *out1 = malloc(need), *out2 = malloc(need);
        size_t l1 = 0, l2 = 0;
        ok(dstack_encrypt_env_vars(keys, values, (size_t)count, pubhex, kl, (uint8_t *)out1, need, &l1, NULL) == DSTACK_STATUS_OK &&
               l1 == need,
           "env: encrypt");
        ok(dstack_encrypt_env_vars(keys, values, (size_t)count, pubhex, kl, (uint8_t *)out2, need, &l2, NULL) == DSTACK_STATUS_OK &&
               l2 == need,
           "env: encrypt again");
        int hex = 1;
        for (size_t i = 0; i < l1; i++)
            if (!((out1[i] >= '0' && out1[i] <= '9') || (out1[i] >= 'a' && out1[i] <= 'f'))) hex = 0;
        ok(hex, "env: lowercase hex");
        ok(memcmp(out1, out2, need) != 0, "env: fresh ephemeral key and IV each time");
        free(out1);
        free(out2);
    }
    for (int i = 0; i < count && i < 64; i++) {
        free(bufs[2 * i]);
        free(bufs[2 * i + 1]);
    }
    free(pubhex);
}

int run_vector_tests(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        vec_failed++;
        fprintf(stderr, "FAIL cannot open %s\n", path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    int cases = 0;
    while (getline(&line, &cap, f) > 0) {
        char *sv = NULL;
        char *kind = strtok_r(line, " \n", &sv);
        if (!kind) continue;
        cur_id = strtok_r(NULL, " \n", &sv);
        cases++;
        if (strcmp(kind, "compose") == 0) compose_case(&sv);
        else if (strcmp(kind, "kms_v1") == 0) kms_case(&sv, 1);
        else if (strcmp(kind, "kms_legacy") == 0) kms_case(&sv, 0);
        else if (strcmp(kind, "eth_key") == 0) eth_case(&sv, 0);
        else if (strcmp(kind, "eth_tls") == 0) eth_case(&sv, 1);
        else if (strcmp(kind, "sol_key") == 0) sol_case(&sv, 0);
        else if (strcmp(kind, "sol_tls") == 0) sol_case(&sv, 1);
        else if (strcmp(kind, "tls") == 0) tls_case(&sv);
        else if (strcmp(kind, "replay_sdk") == 0) replay_case(&sv, 0);
        else if (strcmp(kind, "replay_sound") == 0) replay_case(&sv, 1);
        else if (strcmp(kind, "env") == 0) env_case(&sv);
        else ok(0, "unknown vector kind");
    }
    free(line);
    fclose(f);
    ok(cases > 150, "enough vectors were read");
    return 0;
}
