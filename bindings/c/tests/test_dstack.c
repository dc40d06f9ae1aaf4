/*
 * C tests of libdstack: every exported function and its error paths, against the bundled
 * simulator (a normal and a --legacy instance), a hostile fake agent, and the shared test
 * vectors (flattened to text by run-tests.sh).
 *
 * usage: test_dstack SIM_DIR LEGACY_DIR FAKE_DIR VECTORS_TXT HTTP_ENDPOINT
 * Prints one line per failure and finally "N passed, M failed"; exits non-zero on failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dstack.h"

static int passed, failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            passed++;                                                            \
        } else {                                                                 \
            failed++;                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                        \
    } while (0)

static const char *SIM, *LEGACY, *FAKE;
static char path_buf[4096];

static const char *sock(const char *dir, const char *name) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
    return path_buf;
}

static const uint8_t *u8(const char *s) { return (const uint8_t *)s; }

/* Records a status check; prints the error's message on mismatch. Frees `e`. */
static char sentinel_byte;
#define SENTINEL ((dstack_error *)(void *)&sentinel_byte)

static void expect(const char *what, int line, dstack_status got, dstack_status want, dstack_error *e) {
    if (e == SENTINEL) {
        failed++;
        fprintf(stderr, "FAIL line %d: %s: *out_error was not written\n", line, what);
        return;
    }
    if (got == want) {
        passed++;
        if (want != DSTACK_STATUS_OK) {
            /* Every failure carries an error object whose status matches and whose message
             * is non-empty. */
            if (e == NULL || dstack_error_status(e) != got || dstack_error_message(e).len == 0) {
                failed++;
                fprintf(stderr, "FAIL line %d: %s: status %u without a proper error object\n", line, what, got);
            } else {
                passed++;
            }
        } else if (e != NULL) {
            failed++;
            fprintf(stderr, "FAIL line %d: %s: error object set on success\n", line, what);
        }
    } else {
        failed++;
        dstack_slice m = dstack_error_message(e);
        fprintf(stderr, "FAIL line %d: %s: status %u (%s), want %u: %.*s\n", line, what, got,
                dstack_status_message(got), want, (int)m.len, m.ptr ? (const char *)m.ptr : "");
    }
    dstack_error_free(e);
}
#define EXPECT(call, want)                                                        \
    do {                                                                          \
        dstack_error *e_ = SENTINEL; /* must be overwritten */        \
        dstack_status s_ = call;                                                  \
        expect(#call, __LINE__, s_, want, e_);                                    \
    } while (0)
/* `call` must pass `&e_` as its out_error. */

/* Like EXPECT but keeps the message for inspection. */
static int message_contains(dstack_error *e, const char *needle) {
    dstack_slice m = dstack_error_message(e);
    size_t n = strlen(needle);
    if (m.ptr == NULL || m.len < n) return 0;
    for (size_t i = 0; i + n <= m.len; i++)
        if (memcmp(m.ptr + i, needle, n) == 0) return 1;
    return 0;
}

static int slice_eq(dstack_slice s, const void *p, size_t n) {
    return s.len == n && (n == 0 || memcmp(s.ptr, p, n) == 0);
}
static int slice_eq_str(dstack_slice s, const char *str) { return slice_eq(s, str, strlen(str)); }

static int unhex(const char *h, uint8_t *out, size_t cap, size_t *len) {
    size_t n = strlen(h);
    if (n % 2 || n / 2 > cap) return 0;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1) return 0;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 1;
}
static int slice_eq_hex(dstack_slice s, const char *hex) {
    uint8_t buf[4096];
    size_t n;
    return unhex(hex, buf, sizeof buf, &n) && slice_eq(s, buf, n);
}

/* Facts from docs/PROTOCOL.md §6.1 for testdata/fixtures/simulator_appkeys.json. */
static const char *KEY_A_P = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";
static const char *APP_PUB = "02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c";
static const char *KMS_PUB = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6";
static const char *APP_ID = "5bb4ff9a3837357f19dc176407a5709c62eb6c56";
static const char *APP_K256 = "d6e88992cdeeee35fe70b5db61ab66cdb191fb9b6ec9313757ef162dd7214d5d";

static dstack_client *new_client(const char *ep) {
    dstack_client *c = NULL;
    dstack_error *e = NULL;
    dstack_status s = dstack_client_new(u8(ep), strlen(ep), &c, &e);
    expect("dstack_client_new", __LINE__, s, DSTACK_STATUS_OK, e);
    return c;
}
static dstack_tappd_client *new_tappd(const char *ep) {
    dstack_tappd_client *c = NULL;
    dstack_error *e = NULL;
    dstack_status s = dstack_tappd_client_new(u8(ep), strlen(ep), &c, &e);
    expect("dstack_tappd_client_new", __LINE__, s, DSTACK_STATUS_OK, e);
    return c;
}

static dstack_slice field(const dstack_response *r, dstack_field f) {
    dstack_slice v = {NULL, 0};
    dstack_error *e = NULL;
    if (dstack_response_get(r, f, &v, &e) != DSTACK_STATUS_OK) {
        dstack_error_free(e);
        v.ptr = NULL;
        v.len = (size_t)-1;
    }
    return v;
}

/* ------------------------------------------------------------------------------------ */

static void test_version_and_status(void) {
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", DSTACK_VERSION_MAJOR, DSTACK_VERSION_MINOR, DSTACK_VERSION_PATCH);
    CHECK(strcmp(dstack_version(), DSTACK_VERSION) == 0);
    CHECK(strcmp(want, DSTACK_VERSION) == 0);
    const dstack_status all[] = {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24, 99};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *m = dstack_status_message(all[i]);
        CHECK(m != NULL && strlen(m) > 0 && strcmp(m, "unknown status") != 0);
    }
    CHECK(strcmp(dstack_status_message(7), "unknown status") == 0);
    CHECK(strcmp(dstack_status_message(0xffffffffu), "unknown status") == 0);
    CHECK(DSTACK_STATUS_OK == 0 && DSTACK_STATUS_NULL_ARGUMENT == 1 && DSTACK_STATUS_INVALID_ARGUMENT == 2 &&
          DSTACK_STATUS_INVALID_HEX == 3 && DSTACK_STATUS_BUFFER_TOO_SMALL == 4 && DSTACK_STATUS_NOT_FOUND == 5 &&
          DSTACK_STATUS_NO_AGENT == 10 && DSTACK_STATUS_TIMEOUT == 11 && DSTACK_STATUS_IO == 12 &&
          DSTACK_STATUS_MALFORMED_HTTP == 13 && DSTACK_STATUS_RESPONSE_TOO_LARGE == 14 &&
          DSTACK_STATUS_HTTP_STATUS == 15 && DSTACK_STATUS_AGENT_ERROR == 16 &&
          DSTACK_STATUS_MALFORMED_RESPONSE == 17 && DSTACK_STATUS_UNSUPPORTED == 18 &&
          DSTACK_STATUS_VERIFICATION_FAILED == 20 && DSTACK_STATUS_EXPIRED == 21 && DSTACK_STATUS_CRYPTO == 22 &&
          DSTACK_STATUS_LIMIT_EXCEEDED == 23 && DSTACK_STATUS_RNG == 24 && DSTACK_STATUS_PANIC == 99);
    /* NULL handles */
    CHECK(dstack_error_status(NULL) == DSTACK_STATUS_NULL_ARGUMENT);
    CHECK(dstack_error_message(NULL).ptr == NULL && dstack_error_message(NULL).len == 0);
    dstack_error_free(NULL);
    dstack_client_free(NULL);
    dstack_tappd_client_free(NULL);
    dstack_response_free(NULL);
    dstack_event_log_free(NULL);
    CHECK(dstack_client_endpoint(NULL).len == 0);
    CHECK(dstack_tappd_client_endpoint(NULL).len == 0);
    CHECK(dstack_response_body(NULL).len == 0);
    CHECK(dstack_event_log_count(NULL) == 0);
    CHECK(dstack_unix_time() > 1600000000u);
}

static void test_client_new(void) {
    dstack_client *c = NULL;
    dstack_tappd_client *t = NULL;
    EXPECT(dstack_client_new(NULL, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_new(NULL, 3, &c, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_tappd_client_new(NULL, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_new(u8("\xff\xfe"), 2, &c, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    /* NULL out_error is allowed */
    CHECK(dstack_client_new(NULL, 5, &c, NULL) == DSTACK_STATUS_NULL_ARGUMENT);
    {
        dstack_error *e = NULL;
        CHECK(dstack_client_new(u8("https://x:1"), 11, &c, &e) == DSTACK_STATUS_UNSUPPORTED);
        CHECK(message_contains(e, "https"));
        dstack_error_free(e);
    }
    EXPECT(dstack_client_new(u8("http://h:99999"), 14, &c, &e_), DSTACK_STATUS_INVALID_ARGUMENT);

    /* explicit endpoint is kept verbatim */
    c = new_client("http://127.0.0.1:1/base");
    CHECK(slice_eq_str(dstack_client_endpoint(c), "http://127.0.0.1:1/base"));
    dstack_client_free(c);

    /* discovery: the environment variable, then the well-known paths */
    setenv("DSTACK_SIMULATOR_ENDPOINT", sock(SIM, "dstack.sock"), 1);
    EXPECT(dstack_client_new(NULL, 0, &c, &e_), DSTACK_STATUS_OK);
    CHECK(slice_eq_str(dstack_client_endpoint(c), sock(SIM, "dstack.sock")));
    dstack_client_free(c);
    setenv("TAPPD_SIMULATOR_ENDPOINT", sock(SIM, "tappd.sock"), 1);
    EXPECT(dstack_tappd_client_new(NULL, 0, &t, &e_), DSTACK_STATUS_OK);
    CHECK(slice_eq_str(dstack_tappd_client_endpoint(t), sock(SIM, "tappd.sock")));
    dstack_tappd_client_free(t);
    unsetenv("DSTACK_SIMULATOR_ENDPOINT");
    unsetenv("TAPPD_SIMULATOR_ENDPOINT");
    {
        const char *d[] = {"/var/run/dstack.sock", "/run/dstack.sock", "/var/run/dstack/dstack.sock", "/run/dstack/dstack.sock"};
        const char *want = d[0];
        for (int i = 0; i < 4; i++)
            if (access(d[i], F_OK) == 0) { want = d[i]; break; }
        EXPECT(dstack_client_new(u8(""), 0, &c, &e_), DSTACK_STATUS_OK);
        CHECK(slice_eq_str(dstack_client_endpoint(c), want));
        dstack_client_free(c);
        const char *tp[] = {"/var/run/tappd.sock", "/run/tappd.sock", "/var/run/dstack/tappd.sock", "/run/dstack/tappd.sock"};
        want = tp[0];
        for (int i = 0; i < 4; i++)
            if (access(tp[i], F_OK) == 0) { want = tp[i]; break; }
        EXPECT(dstack_tappd_client_new(NULL, 0, &t, &e_), DSTACK_STATUS_OK);
        CHECK(slice_eq_str(dstack_tappd_client_endpoint(t), want));
        dstack_tappd_client_free(t);
    }
}

static void test_no_agent(void) {
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/missing/dstack.sock", FAKE);
    dstack_client *c = new_client(missing);
    dstack_response *r = NULL;
    dstack_error *e = NULL;
    CHECK(dstack_client_info(c, 300, &r, &e) == DSTACK_STATUS_NO_AGENT);
    CHECK(message_contains(e, "connect") && message_contains(e, missing) && message_contains(e, "No such file"));
    CHECK(r == NULL);
    dstack_error_free(e);
    bool reachable = true;
    EXPECT(dstack_client_is_reachable(c, 0, &reachable, &e_), DSTACK_STATUS_OK);
    CHECK(reachable == false);
    dstack_client_free(c);
    /* TCP: nothing listens on port 1 */
    c = new_client("http://127.0.0.1:1");
    EXPECT(dstack_client_version(c, 300, &r, &e_), DSTACK_STATUS_NO_AGENT);
    dstack_client_free(c);
}

static void test_get_key(dstack_client *c) {
    dstack_response *r = NULL;
    EXPECT(dstack_client_get_key(c, u8("a"), 1, u8("p"), 1, NULL, 0, 0, &r, &e_), DSTACK_STATUS_OK);
    if (!r) return;
    CHECK(slice_eq_hex(field(r, DSTACK_FIELD_KEY), KEY_A_P));
    CHECK(slice_eq_str(field(r, DSTACK_FIELD_PURPOSE), "p"));
    CHECK(slice_eq_str(field(r, DSTACK_FIELD_ALGORITHM), "secp256k1"));
    size_t n = 0;
    EXPECT(dstack_response_count(r, DSTACK_FIELD_SIGNATURE_CHAIN, &n, &e_), DSTACK_STATUS_OK);
    CHECK(n == 2);
    for (size_t i = 0; i < n; i++) {
        dstack_slice s;
        EXPECT(dstack_response_item(r, DSTACK_FIELD_SIGNATURE_CHAIN, i, &s, &e_), DSTACK_STATUS_OK);
        CHECK(s.len == 65);
    }
    dstack_slice body = dstack_response_body(r);
    CHECK(body.len > 2 && body.ptr[0] == '{');
    /* accessor error paths */
    dstack_slice s;
    uint64_t u;
    EXPECT(dstack_response_item(r, DSTACK_FIELD_SIGNATURE_CHAIN, 2, &s, &e_), DSTACK_STATUS_NOT_FOUND);
    EXPECT(dstack_response_get(r, DSTACK_FIELD_SIGNATURE_CHAIN, &s, &e_), DSTACK_STATUS_NOT_FOUND);
    EXPECT(dstack_response_get(r, DSTACK_FIELD_QUOTE, &s, &e_), DSTACK_STATUS_NOT_FOUND);
    EXPECT(dstack_response_get(r, 9999, &s, &e_), DSTACK_STATUS_NOT_FOUND);
    EXPECT(dstack_response_count(r, DSTACK_FIELD_KEY, &n, &e_), DSTACK_STATUS_NOT_FOUND);
    EXPECT(dstack_response_u64(r, DSTACK_FIELD_KEY, &u, &e_), DSTACK_STATUS_NOT_FOUND);
    EXPECT(dstack_response_get(r, DSTACK_FIELD_KEY, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_response_get(NULL, DSTACK_FIELD_KEY, &s, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_response_count(NULL, DSTACK_FIELD_KEY, &n, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_response_count(r, DSTACK_FIELD_SIGNATURE_CHAIN, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_response_item(NULL, DSTACK_FIELD_KEY, 0, &s, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_response_item(r, DSTACK_FIELD_SIGNATURE_CHAIN, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_response_u64(NULL, DSTACK_FIELD_VALID, &u, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_response_u64(r, DSTACK_FIELD_VALID, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);

    /* the chain verifies back to the simulator's KMS root */
    {
        uint8_t app_id[20], kms[33], app_key[33], kms_key[33];
        size_t l;
        unhex(APP_ID, app_id, sizeof app_id, &l);
        unhex(KMS_PUB, kms, sizeof kms, &l);
        EXPECT(dstack_response_verify_signature_chain(r, app_id, 20, kms, 33, app_key, kms_key, &e_), DSTACK_STATUS_OK);
        dstack_slice ak = {app_key, 33}, kk = {kms_key, 33};
        CHECK(slice_eq_hex(ak, APP_PUB));
        CHECK(slice_eq_hex(kk, KMS_PUB));
        /* another app id or another trusted key fails */
        app_id[0] ^= 1;
        EXPECT(dstack_response_verify_signature_chain(r, app_id, 20, kms, 33, app_key, kms_key, &e_),
               DSTACK_STATUS_VERIFICATION_FAILED);
        app_id[0] ^= 1;
        kms[5] ^= 1;
        EXPECT(dstack_response_verify_signature_chain(r, app_id, 20, kms, 33, app_key, kms_key, &e_),
               DSTACK_STATUS_VERIFICATION_FAILED);
        kms[5] ^= 1;
        /* without a trusted key: the recovered KMS key is returned for the caller to check */
        EXPECT(dstack_response_verify_signature_chain(r, app_id, 20, NULL, 0, app_key, kms_key, &e_), DSTACK_STATUS_OK);
        CHECK(slice_eq_hex(kk, KMS_PUB));
        EXPECT(dstack_response_verify_signature_chain(NULL, app_id, 20, NULL, 0, app_key, kms_key, &e_),
               DSTACK_STATUS_NULL_ARGUMENT);
        EXPECT(dstack_response_verify_signature_chain(r, app_id, 20, NULL, 0, NULL, kms_key, &e_),
               DSTACK_STATUS_NULL_ARGUMENT);
        /* the same through the explicit form */
        dstack_slice key = field(r, DSTACK_FIELD_KEY), c0, c1;
        uint8_t pub[33];
        size_t pub_len = 0;
        EXPECT(dstack_secp256k1_public_key(key.ptr, true, pub, sizeof pub, &pub_len, &e_), DSTACK_STATUS_OK);
        dstack_response_item(r, DSTACK_FIELD_SIGNATURE_CHAIN, 0, &c0, NULL);
        dstack_response_item(r, DSTACK_FIELD_SIGNATURE_CHAIN, 1, &c1, NULL);
        EXPECT(dstack_verify_signature_chain(pub, pub_len, u8("p"), 1, c0.ptr, c0.len, c1.ptr, c1.len, app_id, 20, kms, 33,
                                             app_key, kms_key, &e_),
               DSTACK_STATUS_OK);
        EXPECT(dstack_verify_signature_chain(pub, pub_len, u8("q"), 1, c0.ptr, c0.len, c1.ptr, c1.len, app_id, 20, kms, 33,
                                             app_key, kms_key, &e_),
               DSTACK_STATUS_VERIFICATION_FAILED);
        EXPECT(dstack_verify_signature_chain(pub, pub_len, u8("p"), 1, c0.ptr, 64, c1.ptr, c1.len, app_id, 20, kms, 33,
                                             app_key, kms_key, &e_),
               DSTACK_STATUS_INVALID_ARGUMENT);
    }
    dstack_response_free(r);

    /* k256 is an alias; ed25519 gives the same key material (docs/PROTOCOL.md §6.1) */
    r = NULL;
    EXPECT(dstack_client_get_key(c, u8("a"), 1, u8("p"), 1, u8("k256"), 4, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) CHECK(slice_eq_hex(field(r, DSTACK_FIELD_KEY), KEY_A_P));
    dstack_response_free(r);
    r = NULL;
    EXPECT(dstack_client_get_key(c, u8("a"), 1, u8("p"), 1, u8("ed25519"), 7, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) {
        CHECK(slice_eq_hex(field(r, DSTACK_FIELD_KEY), KEY_A_P));
        CHECK(slice_eq_str(field(r, DSTACK_FIELD_ALGORITHM), "ed25519"));
        uint8_t app_id[20], kms[33], app_key[33], kms_key[33];
        size_t l;
        unhex(APP_ID, app_id, sizeof app_id, &l);
        unhex(KMS_PUB, kms, sizeof kms, &l);
        EXPECT(dstack_response_verify_signature_chain(r, app_id, 20, kms, 33, app_key, kms_key, &e_), DSTACK_STATUS_OK);
    }
    dstack_response_free(r);
    r = NULL;
    EXPECT(dstack_client_get_key(c, u8("a"), 1, u8("p"), 1, u8("rsa"), 3, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    CHECK(r == NULL);
    EXPECT(dstack_client_get_key(NULL, u8("a"), 1, NULL, 0, NULL, 0, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_get_key(c, u8("a"), 1, NULL, 0, NULL, 0, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_get_key(c, NULL, 1, NULL, 0, NULL, 0, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_get_key(c, u8("\xc3"), 1, NULL, 0, NULL, 0, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    /* empty path, purpose and algorithm are allowed */
    EXPECT(dstack_client_get_key(c, NULL, 0, NULL, 0, NULL, 0, 0, &r, &e_), DSTACK_STATUS_OK);
    dstack_response_free(r);
}

static void test_quote(dstack_client *c) {
    dstack_response *r = NULL, *q = NULL;
    uint8_t rd[65];
    memset(rd, 0, sizeof rd);
    memcpy(rd, "hello", 5);
    EXPECT(dstack_client_get_quote(c, rd, 65, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_client_get_quote(c, NULL, 1, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_get_quote(NULL, rd, 5, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_get_quote(c, rd, 5, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_get_quote(c, rd, 5, 0, &r, &e_), DSTACK_STATUS_OK);
    if (!r) return;
    dstack_slice quote = field(r, DSTACK_FIELD_QUOTE), log = field(r, DSTACK_FIELD_EVENT_LOG);
    CHECK(quote.len > 632 && quote.len != (size_t)-1);
    CHECK(log.len > 2 && log.len != (size_t)-1 && log.ptr[0] == '[');
    CHECK(slice_eq(field(r, DSTACK_FIELD_REPORT_DATA), rd, 64)); /* right-padded with zeros */
    CHECK(field(r, DSTACK_FIELD_VM_CONFIG).len != (size_t)-1);

    /* parse the quote: v4 TDX, report data bound */
    EXPECT(dstack_quote_parse(quote.ptr, quote.len, &q, &e_), DSTACK_STATUS_OK);
    if (q) {
        uint64_t v = 0, tee = 0;
        EXPECT(dstack_response_u64(q, DSTACK_FIELD_QUOTE_VERSION, &v, &e_), DSTACK_STATUS_OK);
        EXPECT(dstack_response_u64(q, DSTACK_FIELD_TEE_TYPE, &tee, &e_), DSTACK_STATUS_OK);
        CHECK(v == 4 || v == 5);
        CHECK(tee == 0x81);
        CHECK(slice_eq(field(q, DSTACK_FIELD_REPORT_DATA), rd, 64));
        CHECK(field(q, DSTACK_FIELD_MRTD).len == 48);
        CHECK(slice_eq(field(q, DSTACK_FIELD_QUOTE), quote.ptr, quote.len));
        /* the report data sits at 568..632 of a v4 quote (docs/PROTOCOL.md §7.1) */
        if (v == 4) CHECK(memcmp(quote.ptr + 568, rd, 64) == 0);
        /* replay of the returned log reproduces the quote's RTMRs */
        uint8_t mrs[192];
        EXPECT(dstack_replay_rtmrs(log.ptr, log.len, mrs, &e_), DSTACK_STATUS_OK);
        CHECK(slice_eq(field(q, DSTACK_FIELD_RTMR0), mrs, 48));
        CHECK(slice_eq(field(q, DSTACK_FIELD_RTMR1), mrs + 48, 48));
        CHECK(slice_eq(field(q, DSTACK_FIELD_RTMR2), mrs + 96, 48));
        CHECK(slice_eq(field(q, DSTACK_FIELD_RTMR3), mrs + 144, 48));
        EXPECT(dstack_replay_rtmrs(log.ptr, log.len, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
        EXPECT(dstack_replay_rtmrs_from_digests(log.ptr, log.len, mrs, &e_), DSTACK_STATUS_OK);
        /* the simulator's log is unstripped, so the SDKs' replay agrees on RTMR0 */
        CHECK(slice_eq(field(q, DSTACK_FIELD_RTMR0), mrs, 48));
        dstack_response_free(q);
    }
    EXPECT(dstack_verify_event_log(quote.ptr, quote.len, log.ptr, log.len, NULL, 0, &e_), DSTACK_STATUS_OK);
    EXPECT(dstack_verify_event_log(quote.ptr, quote.len, log.ptr, log.len, rd, 64, &e_), DSTACK_STATUS_OK);
    rd[0] = 'j';
    EXPECT(dstack_verify_event_log(quote.ptr, quote.len, log.ptr, log.len, rd, 64, &e_), DSTACK_STATUS_VERIFICATION_FAILED);
    EXPECT(dstack_verify_event_log(quote.ptr, quote.len, log.ptr, log.len, rd, 63, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_verify_event_log(quote.ptr, 100, log.ptr, log.len, NULL, 0, &e_), DSTACK_STATUS_MALFORMED_RESPONSE);
    EXPECT(dstack_verify_event_log(quote.ptr, quote.len, u8("[]"), 2, NULL, 0, &e_), DSTACK_STATUS_VERIFICATION_FAILED);
    EXPECT(dstack_quote_parse(quote.ptr, 10, &q, &e_), DSTACK_STATUS_MALFORMED_RESPONSE);
    EXPECT(dstack_quote_parse(quote.ptr, quote.len, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);

    /* event log handle */
    dstack_event_log *el = NULL;
    EXPECT(dstack_event_log_parse(log.ptr, log.len, &el, &e_), DSTACK_STATUS_OK);
    if (el) {
        size_t n = dstack_event_log_count(el);
        CHECK(n > 5);
        int saw_app_id = 0;
        for (size_t i = 0; i < n; i++) {
            dstack_event ev;
            EXPECT(dstack_event_log_get(el, i, &ev, &e_), DSTACK_STATUS_OK);
            CHECK(ev.imr <= 3);
            if (ev.event_type == 0x08000001u && slice_eq_str(ev.event, "app-id")) {
                saw_app_id = 1;
                CHECK(slice_eq_hex(ev.event_payload, APP_ID));
                CHECK(ev.imr == 3);
            }
        }
        CHECK(saw_app_id);
        dstack_event ev;
        EXPECT(dstack_event_log_get(el, n, &ev, &e_), DSTACK_STATUS_NOT_FOUND);
        EXPECT(dstack_event_log_get(el, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
        EXPECT(dstack_event_log_get(NULL, 0, &ev, &e_), DSTACK_STATUS_NULL_ARGUMENT);
        dstack_event_log_free(el);
    }
    EXPECT(dstack_event_log_parse(u8("[{\"imr\":9}]"), 11, &el, &e_), DSTACK_STATUS_MALFORMED_RESPONSE);
    EXPECT(dstack_event_log_parse(u8("nope"), 4, &el, &e_), DSTACK_STATUS_MALFORMED_RESPONSE);
    EXPECT(dstack_event_log_parse(u8("[]"), 2, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_event_log_parse(u8("[]"), 2, &el, &e_), DSTACK_STATUS_OK);
    CHECK(dstack_event_log_count(el) == 0);
    dstack_event_log_free(el);
    dstack_response_free(r);

    /* Attest */
    r = NULL;
    EXPECT(dstack_client_attest(c, u8("hi"), 2, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) CHECK(field(r, DSTACK_FIELD_ATTESTATION).len > 64 && field(r, DSTACK_FIELD_ATTESTATION).len != (size_t)-1);
    dstack_response_free(r);
    EXPECT(dstack_client_attest(c, rd, 65, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_client_attest(c, rd, 5, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
}

static void test_emit_event(dstack_client *c) {
    EXPECT(dstack_client_emit_event(c, u8("libdstack-test"), 14, u8("\x01\x02"), 2, 0, &e_), DSTACK_STATUS_OK);
    EXPECT(dstack_client_emit_event(c, NULL, 0, NULL, 0, 0, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_client_emit_event(NULL, u8("x"), 1, NULL, 0, 0, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    /* the event is in the next quote's log, and the log still reproduces RTMR3 */
    dstack_response *r = NULL;
    EXPECT(dstack_client_get_quote(c, NULL, 0, 0, &r, &e_), DSTACK_STATUS_OK);
    if (!r) return;
    dstack_slice quote = field(r, DSTACK_FIELD_QUOTE), log = field(r, DSTACK_FIELD_EVENT_LOG);
    EXPECT(dstack_verify_event_log(quote.ptr, quote.len, log.ptr, log.len, NULL, 0, &e_), DSTACK_STATUS_OK);
    dstack_event_log *el = NULL;
    EXPECT(dstack_event_log_parse(log.ptr, log.len, &el, &e_), DSTACK_STATUS_OK);
    int found = 0;
    for (size_t i = 0; el && i < dstack_event_log_count(el); i++) {
        dstack_event ev;
        dstack_event_log_get(el, i, &ev, NULL);
        if (slice_eq_str(ev.event, "libdstack-test") && slice_eq(ev.event_payload, "\x01\x02", 2)) found = 1;
    }
    CHECK(found);
    dstack_event_log_free(el);
    dstack_response_free(r);
}

static int starts_with(dstack_slice s, const char *p) { return s.len >= strlen(p) && memcmp(s.ptr, p, strlen(p)) == 0; }

static void test_tls_key(dstack_client *c) {
    dstack_response *r = NULL;
    dstack_slice alt[2] = {{u8("a.example"), 9}, {u8("b.example"), 9}};
    uint64_t nb = 1700000000, na = 1800000000;
    EXPECT(dstack_client_get_tls_key(c, u8("sub"), 3, alt, 2, DSTACK_TLS_USAGE_SERVER_AUTH | DSTACK_TLS_USAGE_RA_TLS, NULL,
                                     NULL, 0, &r, &e_),
           DSTACK_STATUS_OK);
    if (r) {
        dstack_slice key = field(r, DSTACK_FIELD_KEY);
        CHECK(starts_with(key, "-----BEGIN PRIVATE KEY-----"));
        size_t n = 0;
        EXPECT(dstack_response_count(r, DSTACK_FIELD_CERTIFICATE_CHAIN, &n, &e_), DSTACK_STATUS_OK);
        CHECK(n >= 1);
        dstack_slice leaf;
        EXPECT(dstack_response_item(r, DSTACK_FIELD_CERTIFICATE_CHAIN, 0, &leaf, &e_), DSTACK_STATUS_OK);
        CHECK(starts_with(leaf, "-----BEGIN CERTIFICATE-----"));
        /* TLS key helpers on a real agent key: DER is 138 bytes with the constant header */
        uint8_t der[512], seed[32], seed2[32];
        size_t dl = 0;
        EXPECT(dstack_tls_key_as_uint8array(key.ptr, key.len, -1, der, sizeof der, &dl, &e_), DSTACK_STATUS_OK);
        CHECK(dl == 138);
        CHECK(der[0] == 0x30 && der[1] == 0x81 && der[2] == 0x87);
        EXPECT(dstack_tls_key_as_uint8array(key.ptr, key.len, -1, der, 10, &dl, &e_), DSTACK_STATUS_BUFFER_TOO_SMALL);
        CHECK(dl == 138);
        EXPECT(dstack_tls_key_as_uint8array(key.ptr, key.len, 200, der, sizeof der, &dl, &e_), DSTACK_STATUS_OK);
        CHECK(dl == 200 && der[199] == 0 && der[138] == 0);
        EXPECT(dstack_tls_key_secure_seed(key.ptr, key.len, seed, &e_), DSTACK_STATUS_OK);
        EXPECT(dstack_tls_key_secure_seed(key.ptr, key.len, seed2, &e_), DSTACK_STATUS_OK);
        CHECK(memcmp(seed, seed2, 32) == 0);
        EXPECT(dstack_tls_key_secure_seed(key.ptr, key.len, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
        dstack_response_free(r);
    }
    r = NULL;
    EXPECT(dstack_client_get_tls_key(c, NULL, 0, NULL, 0, DSTACK_TLS_WITH_APP_INFO | DSTACK_TLS_USAGE_CLIENT_AUTH, &nb, &na, 0,
                                     &r, &e_),
           DSTACK_STATUS_OK);
    dstack_response_free(r);
    EXPECT(dstack_client_get_tls_key(c, NULL, 0, NULL, 0, 1u << 9, NULL, NULL, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_client_get_tls_key(c, NULL, 0, NULL, 1, 0, NULL, NULL, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    dstack_slice bad[1] = {{NULL, 4}};
    EXPECT(dstack_client_get_tls_key(c, NULL, 0, bad, 1, 0, NULL, NULL, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    /* not_before >= not_after: the agent's own error text comes through */
    {
        dstack_error *e = NULL;
        CHECK(dstack_client_get_tls_key(c, NULL, 0, NULL, 0, 0, &na, &nb, 0, &r, &e) == DSTACK_STATUS_AGENT_ERROR ||
              dstack_error_status(e) == DSTACK_STATUS_INVALID_ARGUMENT);
        CHECK(message_contains(e, "not_before"));
        dstack_error_free(e);
    }
}

static void test_info_version(dstack_client *c) {
    dstack_response *r = NULL;
    EXPECT(dstack_client_info(c, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) {
        CHECK(slice_eq_hex(field(r, DSTACK_FIELD_APP_ID), APP_ID));
        CHECK(field(r, DSTACK_FIELD_MRTD).len == 48);
        CHECK(field(r, DSTACK_FIELD_RTMR3).len == 48);
        CHECK(field(r, DSTACK_FIELD_COMPOSE_HASH).len == 32);
        CHECK(field(r, DSTACK_FIELD_TCB_INFO).len > 10 && field(r, DSTACK_FIELD_TCB_INFO).len != (size_t)-1);
        CHECK(field(r, DSTACK_FIELD_APP_COMPOSE).len > 2 && field(r, DSTACK_FIELD_APP_COMPOSE).len != (size_t)-1);
        /* device_id is sha256("") on agents whose attestation is unverified (docs/PROTOCOL.md §2.4) */
        CHECK(slice_eq_hex(field(r, DSTACK_FIELD_DEVICE_ID),
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        /* the full event log of tcb_info replays to the measured RTMRs */
        dstack_slice tl = field(r, DSTACK_FIELD_TCB_EVENT_LOG);
        uint8_t mrs[192];
        EXPECT(dstack_replay_rtmrs(tl.ptr, tl.len, mrs, &e_), DSTACK_STATUS_OK);
        CHECK(slice_eq(field(r, DSTACK_FIELD_RTMR0), mrs, 48));
        CHECK(slice_eq(field(r, DSTACK_FIELD_RTMR3), mrs + 144, 48));
        /* compose hash of the raw app-compose bytes is what Info reports */
        dstack_slice ac = field(r, DSTACK_FIELD_APP_COMPOSE);
        uint8_t h[32];
        EXPECT(dstack_compose_hash_raw(ac.ptr, ac.len, h, &e_), DSTACK_STATUS_OK);
        CHECK(slice_eq(field(r, DSTACK_FIELD_COMPOSE_HASH), h, 32));
        dstack_response_free(r);
    }
    EXPECT(dstack_client_info(c, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_info(NULL, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    r = NULL;
    EXPECT(dstack_client_version(c, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) {
        CHECK(field(r, DSTACK_FIELD_VERSION).len > 0 && field(r, DSTACK_FIELD_VERSION).len != (size_t)-1);
        CHECK(field(r, DSTACK_FIELD_REV).len != (size_t)-1);
        dstack_response_free(r);
    }
    EXPECT(dstack_client_version(NULL, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    r = NULL;
    EXPECT(dstack_client_gpu_info(c, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) CHECK(field(r, DSTACK_FIELD_ATTESTATION).len == 0 && field(r, DSTACK_FIELD_ATTESTATION).ptr != NULL);
    dstack_response_free(r);
    EXPECT(dstack_client_gpu_info(c, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    bool ok = false;
    EXPECT(dstack_client_is_reachable(c, 0, &ok, &e_), DSTACK_STATUS_OK);
    CHECK(ok);
    EXPECT(dstack_client_is_reachable(c, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_is_reachable(NULL, 0, &ok, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_set_timeout_ms((dstack_client *)c, 2000, &e_), DSTACK_STATUS_OK);
    EXPECT(dstack_client_set_timeout_ms(NULL, 2000, &e_), DSTACK_STATUS_NULL_ARGUMENT);
}

static void test_sign_verify(dstack_client *c) {
    static const char *algs[] = {"ed25519", "secp256k1", "secp256k1_prehashed"};
    uint8_t digest[32];
    for (int i = 0; i < 32; i++) digest[i] = (uint8_t)i;
    uint8_t app_id[20], kms[33], app_key[33], kms_key[33];
    size_t l;
    unhex(APP_ID, app_id, sizeof app_id, &l);
    unhex(KMS_PUB, kms, sizeof kms, &l);
    for (int a = 0; a < 3; a++) {
        const uint8_t *data = a == 2 ? digest : u8("message");
        size_t dlen = a == 2 ? 32 : 7;
        dstack_response *r = NULL;
        EXPECT(dstack_client_sign(c, u8(algs[a]), strlen(algs[a]), data, dlen, 0, &r, &e_), DSTACK_STATUS_OK);
        if (!r) continue;
        dstack_slice sig = field(r, DSTACK_FIELD_SIGNATURE), pub = field(r, DSTACK_FIELD_PUBLIC_KEY);
        size_t n = 0;
        dstack_response_count(r, DSTACK_FIELD_SIGNATURE_CHAIN, &n, NULL);
        CHECK(n == 3);
        CHECK(slice_eq_str(field(r, DSTACK_FIELD_PURPOSE), "signing"));
        EXPECT(dstack_response_verify_signature_chain(r, app_id, 20, kms, 33, app_key, kms_key, &e_), DSTACK_STATUS_OK);
        bool valid = false;
        EXPECT(dstack_client_verify(c, u8(algs[a]), strlen(algs[a]), data, dlen, sig.ptr, sig.len, pub.ptr, pub.len, 0, &valid,
                                    &e_),
               DSTACK_STATUS_OK);
        CHECK(valid);
        uint8_t other[32];
        memcpy(other, data, dlen);
        other[0] ^= 1;
        valid = true;
        EXPECT(dstack_client_verify(c, u8(algs[a]), strlen(algs[a]), other, dlen, sig.ptr, sig.len, pub.ptr, pub.len, 0,
                                    &valid, &e_),
               DSTACK_STATUS_OK);
        CHECK(!valid);
        if (a == 0) {
            CHECK(sig.len == 64 && pub.len == 32);
            valid = false;
            EXPECT(dstack_ed25519_verify(pub.ptr, data, dlen, sig.ptr, &valid, &e_), DSTACK_STATUS_OK);
            CHECK(valid);
            EXPECT(dstack_ed25519_verify(pub.ptr, other, dlen, sig.ptr, &valid, &e_), DSTACK_STATUS_OK);
            CHECK(!valid);
        } else {
            CHECK(pub.len == 33);
        }
        dstack_response_free(r);
    }
    dstack_response *r = NULL;
    dstack_error *e = NULL;
    CHECK(dstack_client_sign(c, u8("secp256k1_prehashed"), 19, digest, 31, 0, &r, &e) == DSTACK_STATUS_INVALID_ARGUMENT);
    CHECK(message_contains(e, "Pre-hashed signing requires a 32-byte digest, but received 31 bytes"));
    dstack_error_free(e);
    EXPECT(dstack_client_sign(c, NULL, 0, digest, 3, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_client_sign(c, u8("ed25519"), 7, NULL, 3, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_client_sign(c, u8("ed25519"), 7, digest, 3, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    bool v;
    EXPECT(dstack_client_verify(c, u8("ed25519"), 7, digest, 3, digest, 3, digest, 3, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    /* a malformed key is the agent's error, not "invalid" */
    e = NULL;
    CHECK(dstack_client_verify(c, u8("ed25519"), 7, digest, 3, digest, 3, digest, 3, 0, &v, &e) == DSTACK_STATUS_AGENT_ERROR);
    CHECK(dstack_error_message(e).len > 0);
    dstack_error_free(e);
}

static void test_tappd(const char *dir) {
    dstack_tappd_client *t = new_tappd(sock(dir, "tappd.sock"));
    dstack_response *r = NULL;
    EXPECT(dstack_tappd_client_derive_k256_key(t, u8("a"), 1, u8("p"), 1, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) CHECK(slice_eq_hex(field(r, DSTACK_FIELD_KEY), KEY_A_P));
    dstack_response_free(r);
    r = NULL;
    dstack_slice alt[1] = {{u8("x.example"), 9}};
    EXPECT(dstack_tappd_client_derive_key(t, u8("/k"), 2, NULL, 0, alt, 1, DSTACK_TLS_USAGE_SERVER_AUTH, 0, &r, &e_),
           DSTACK_STATUS_OK);
    if (r) {
        CHECK(starts_with(field(r, DSTACK_FIELD_KEY), "-----BEGIN PRIVATE KEY-----"));
        size_t n = 0;
        EXPECT(dstack_response_count(r, DSTACK_FIELD_CERTIFICATE_CHAIN, &n, &e_), DSTACK_STATUS_OK);
        CHECK(n >= 1);
    }
    /* derived from the path: the same key twice */
    dstack_response *r2 = NULL;
    EXPECT(dstack_tappd_client_derive_key(t, u8("/k"), 2, NULL, 0, NULL, 0, 0, 0, &r2, &e_), DSTACK_STATUS_OK);
    if (r && r2) {
        uint8_t s1[32], s2[32];
        dstack_slice k1 = field(r, DSTACK_FIELD_KEY), k2 = field(r2, DSTACK_FIELD_KEY);
        EXPECT(dstack_tls_key_secure_seed(k1.ptr, k1.len, s1, &e_), DSTACK_STATUS_OK);
        EXPECT(dstack_tls_key_secure_seed(k2.ptr, k2.len, s2, &e_), DSTACK_STATUS_OK);
        CHECK(memcmp(s1, s2, 32) == 0);
    }
    dstack_response_free(r);
    dstack_response_free(r2);
    EXPECT(dstack_tappd_client_derive_key(t, u8("/k"), 2, NULL, 0, NULL, 0, 1u << 7, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);

    /* TdxQuote: report data = sha512("app-data:" || data), as dstack_tappd_report_data computes */
    r = NULL;
    EXPECT(dstack_tappd_client_tdx_quote(t, u8("data"), 4, u8("sha512"), 6, NULL, 0, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) {
        uint8_t want[64];
        EXPECT(dstack_tappd_report_data(u8("data"), 4, u8("sha512"), 6, NULL, 0, want, &e_), DSTACK_STATUS_OK);
        dstack_slice q = field(r, DSTACK_FIELD_QUOTE);
        dstack_response *p = NULL;
        EXPECT(dstack_quote_parse(q.ptr, q.len, &p, &e_), DSTACK_STATUS_OK);
        if (p) CHECK(slice_eq(field(p, DSTACK_FIELD_REPORT_DATA), want, 64));
        dstack_response_free(p);
        CHECK(slice_eq_str(field(r, DSTACK_FIELD_HASH_ALGORITHM), "sha512"));
        CHECK(slice_eq_str(field(r, DSTACK_FIELD_PREFIX), "app-data"));
        dstack_response_free(r);
    }
    uint8_t rd[64];
    for (int i = 0; i < 64; i++) rd[i] = (uint8_t)(i * 3);
    r = NULL;
    EXPECT(dstack_tappd_client_raw_quote(t, rd, 64, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) {
        dstack_slice q = field(r, DSTACK_FIELD_QUOTE);
        dstack_response *p = NULL;
        EXPECT(dstack_quote_parse(q.ptr, q.len, &p, &e_), DSTACK_STATUS_OK);
        if (p) CHECK(slice_eq(field(p, DSTACK_FIELD_REPORT_DATA), rd, 64));
        dstack_response_free(p);
        dstack_response_free(r);
    }
    EXPECT(dstack_tappd_client_raw_quote(t, rd, 63, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_tappd_client_tdx_quote(t, rd, 63, u8("raw"), 3, NULL, 0, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_tappd_client_tdx_quote(t, rd, 3, u8("md5"), 3, NULL, 0, 0, &r, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_tappd_client_tdx_quote(NULL, rd, 3, NULL, 0, NULL, 0, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    r = NULL;
    EXPECT(dstack_tappd_client_info(t, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) CHECK(slice_eq_hex(field(r, DSTACK_FIELD_APP_ID), APP_ID));
    dstack_response_free(r);
    bool ok = false;
    EXPECT(dstack_tappd_client_is_reachable(t, 0, &ok, &e_), DSTACK_STATUS_OK);
    CHECK(ok);
    EXPECT(dstack_tappd_client_set_timeout_ms(t, 1000, &e_), DSTACK_STATUS_OK);
    EXPECT(dstack_tappd_client_set_timeout_ms(NULL, 1000, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_tappd_client_info(NULL, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_tappd_client_version(t, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_tappd_client_derive_k256_key(t, NULL, 2, NULL, 0, 0, &r, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_tappd_client_is_reachable(t, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    dstack_tappd_client_free(t);
}

/* An agent without Version: guarded features fail before anything is sent. */
static void test_legacy_agent(void) {
    dstack_client *c = new_client(sock(LEGACY, "dstack.sock"));
    dstack_response *r = NULL;
    dstack_error *e = NULL;
    CHECK(dstack_client_get_key(c, u8("a"), 1, NULL, 0, u8("ed25519"), 7, 0, &r, &e) == DSTACK_STATUS_UNSUPPORTED);
    CHECK(message_contains(e, "ed25519") && message_contains(e, "too old"));
    dstack_error_free(e);
    e = NULL;
    uint64_t nb = 1;
    CHECK(dstack_client_get_tls_key(c, NULL, 0, NULL, 0, 0, &nb, NULL, 0, &r, &e) == DSTACK_STATUS_UNSUPPORTED);
    CHECK(message_contains(e, "not_before"));
    dstack_error_free(e);
    EXPECT(dstack_client_get_tls_key(c, NULL, 0, NULL, 0, DSTACK_TLS_WITH_APP_INFO, NULL, NULL, 0, &r, &e_),
           DSTACK_STATUS_UNSUPPORTED);
    EXPECT(dstack_client_emit_event(c, u8("x"), 1, NULL, 0, 0, &e_), DSTACK_STATUS_UNSUPPORTED);
    /* unguarded calls still work, and secp256k1 keys need no probe */
    r = NULL;
    EXPECT(dstack_client_get_key(c, u8("a"), 1, u8("p"), 1, NULL, 0, 0, &r, &e_), DSTACK_STATUS_OK);
    if (r) CHECK(slice_eq_hex(field(r, DSTACK_FIELD_KEY), KEY_A_P));
    dstack_response_free(r);
    r = NULL;
    EXPECT(dstack_client_get_tls_key(c, NULL, 0, NULL, 0, DSTACK_TLS_USAGE_SERVER_AUTH, NULL, NULL, 0, &r, &e_), DSTACK_STATUS_OK);
    dstack_response_free(r);
    /* Version itself is an error from the agent */
    e = NULL;
    dstack_status s = dstack_client_version(c, 0, &r, &e);
    CHECK(s == DSTACK_STATUS_AGENT_ERROR || s == DSTACK_STATUS_HTTP_STATUS);
    dstack_error_free(e);
    dstack_client_free(c);
}

/* The hostile fake agent: every misbehaviour maps to its status within the timeout. */
static void test_hostile(void) {
    struct {
        const char *sock;
        dstack_status want;
        const char *needle;
        uint32_t timeout_ms;
    } cases[] = {
        {"garbage.sock", DSTACK_STATUS_MALFORMED_HTTP, "HTTP", 300},
        {"truncate.sock", DSTACK_STATUS_IO, "mid-response", 300},
        {"stall.sock", DSTACK_STATUS_TIMEOUT, "300 ms", 300},
        {"close.sock", DSTACK_STATUS_IO, "closed", 300},
        {"huge.sock", DSTACK_STATUS_RESPONSE_TOO_LARGE, "limit", 300},
        /* 100 MB actually sent (until close / chunked): cut off at the 16 MiB limit; the
           longer timeout leaves room for reading 16 MiB under Valgrind */
        {"hugestream.sock", DSTACK_STATUS_RESPONSE_TOO_LARGE, "limit", 20000},
        {"hugechunk.sock", DSTACK_STATUS_RESPONSE_TOO_LARGE, "limit", 20000},
        {"html404.sock", DSTACK_STATUS_HTTP_STATUS, "(HTML body, 327 bytes)", 300},
        {"error400.sock", DSTACK_STATUS_AGENT_ERROR, "Unsupported algorithm: \"rsa\"", 300},
        {"badjson.sock", DSTACK_STATUS_MALFORMED_RESPONSE, "Version", 300},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dstack_client *c = new_client(sock(FAKE, cases[i].sock));
        dstack_response *r = NULL;
        dstack_error *e = NULL;
        dstack_status s = dstack_client_version(c, cases[i].timeout_ms, &r, &e);
        if (s != cases[i].want || !message_contains(e, cases[i].needle)) {
            dstack_slice m = dstack_error_message(e);
            fprintf(stderr, "FAIL hostile %s: status %u, want %u; message: %.*s\n", cases[i].sock, s, cases[i].want,
                    (int)m.len, m.ptr ? (const char *)m.ptr : "");
            failed++;
        } else {
            passed++;
        }
        CHECK(r == NULL);
        dstack_error_free(e);
        /* the client stays usable after a failure */
        e = NULL;
        CHECK(dstack_client_version(c, cases[i].timeout_ms, &r, &e) == cases[i].want);
        dstack_error_free(e);
        bool ok = true;
        EXPECT(dstack_client_is_reachable(c, 300, &ok, &e_), DSTACK_STATUS_OK);
        CHECK(!ok);
        dstack_client_free(c);
    }
    /* Rocket's 404 page is described, with a hint at the likely cause */
    {
        dstack_client *c = new_client(sock(FAKE, "html404.sock"));
        dstack_response *r = NULL;
        dstack_error *e = NULL;
        CHECK(dstack_client_info(c, 300, &r, &e) == DSTACK_STATUS_HTTP_STATUS);
        CHECK(message_contains(e, "is this a tappd socket?") && !message_contains(e, "Rocket"));
        dstack_error_free(e);
        dstack_client_free(c);
    }
    /* the exact agent text for AGENT_ERROR */
    {
        dstack_client *c = new_client(sock(FAKE, "error400.sock"));
        dstack_response *r = NULL;
        dstack_error *e = NULL;
        CHECK(dstack_client_info(c, 300, &r, &e) == DSTACK_STATUS_AGENT_ERROR);
        CHECK(slice_eq_str(dstack_error_message(e), "Unsupported algorithm: \"rsa\""));
        dstack_error_free(e);
        dstack_client_free(c);
    }
    /* chunked bodies decode; a keep-alive connection closed by the agent is replaced */
    const char *ok_socks[] = {"chunked.sock", "stale.sock"};
    for (int k = 0; k < 2; k++) {
        dstack_client *c = new_client(sock(FAKE, ok_socks[k]));
        for (int i = 0; i < 3; i++) {
            dstack_response *r = NULL;
            EXPECT(dstack_client_version(c, 1000, &r, &e_), DSTACK_STATUS_OK);
            if (r) CHECK(slice_eq_str(field(r, DSTACK_FIELD_VERSION), "0.5.8"));
            dstack_response_free(r);
            if (k == 1) nanosleep(&(struct timespec){0, 20000000}, NULL); /* let the agent's close arrive */
        }
        dstack_client_free(c);
    }
    /* an agent without Version: the guard fails before sending the guarded request */
    {
        dstack_client *c = new_client(sock(FAKE, "oldagent.sock"));
        dstack_response *r = NULL;
        EXPECT(dstack_client_get_key(c, u8("a"), 1, NULL, 0, u8("ed25519"), 7, 300, &r, &e_), DSTACK_STATUS_UNSUPPORTED);
        EXPECT(dstack_client_emit_event(c, u8("e"), 1, NULL, 0, 300, &e_), DSTACK_STATUS_UNSUPPORTED);
        dstack_client_free(c);
    }
    /* the tappd client maps failures the same way */
    {
        dstack_tappd_client *t = new_tappd(sock(FAKE, "stall.sock"));
        dstack_response *r = NULL;
        EXPECT(dstack_tappd_client_info(t, 300, &r, &e_), DSTACK_STATUS_TIMEOUT);
        EXPECT(dstack_tappd_client_set_timeout_ms(t, 300, &e_), DSTACK_STATUS_OK);
        EXPECT(dstack_tappd_client_version(t, 0, &r, &e_), DSTACK_STATUS_TIMEOUT);
        bool ok = true;
        EXPECT(dstack_tappd_client_is_reachable(t, 300, &ok, &e_), DSTACK_STATUS_OK);
        CHECK(!ok);
        dstack_tappd_client_free(t);
    }
    /* the default timeout applies when timeout_ms is 0 */
    {
        dstack_client *c = new_client(sock(FAKE, "stall.sock"));
        dstack_response *r = NULL;
        EXPECT(dstack_client_set_timeout_ms(c, 300, &e_), DSTACK_STATUS_OK);
        EXPECT(dstack_client_info(c, 0, &r, &e_), DSTACK_STATUS_TIMEOUT);
        dstack_client_free(c);
    }
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* A counter kept by the fake agent (read through its control.sock), or -1. */
static long agent_count(const char *name) {
    long v = -1;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/control.sock", FAKE);
    char line[64], buf[64];
    int len = snprintf(line, sizeof line, "%s\n", name);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, line, (size_t)len) == len) {
        size_t n = 0;
        ssize_t got;
        while (n < sizeof buf - 1 && (got = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)got;
        buf[n] = 0;
        if (n > 0) v = strtol(buf, NULL, 10);
    }
    close(fd);
    return v;
}

/* Waits (up to 10 s) until a fake-agent counter reaches `want`. */
static int wait_count(const char *name, long want) {
    for (int i = 0; i < 1000; i++) {
        if (agent_count(name) >= want) return 1;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    return 0;
}

static char *repeated(char ch, size_t n) {
    char *p = malloc(n);
    if (p) memset(p, ch, n);
    return p;
}

/* Transport reliability against agents that misbehave at the connection level. */
static void test_transport_hostile(void) {
    /* An agent that sends every answer twice, the copy 100 ms later: the copy waits in
     * the pooled connection when the next call starts. Each call gets the answer to its
     * own request (the agent puts the request's path in the key), never an earlier one. */
    {
        dstack_client *c = new_client(sock(FAKE, "double.sock"));
        const char *paths[] = {"first", "second", "third"};
        long base = agent_count("double");
        CHECK(base >= 0);
        for (int i = 0; i < 3; i++) {
            dstack_response *r = NULL;
            size_t n = strlen(paths[i]);
            EXPECT(dstack_client_get_key(c, u8(paths[i]), n, u8("p"), 1, NULL, 0, 3000, &r, &e_), DSTACK_STATUS_OK);
            uint8_t want[32] = {0};
            memcpy(want, paths[i], n);
            if (r) CHECK(slice_eq(field(r, DSTACK_FIELD_KEY), want, 32));
            dstack_response_free(r);
            /* the duplicate of this answer has been sent: it now sits in the pool */
            CHECK(wait_count("double", base + i + 1));
        }
        dstack_client_free(c);
    }
    /* An agent whose accept queue is full: connect honours the timeout. */
    {
        dstack_client *c = new_client(sock(FAKE, "full.sock"));
        bool ok = true;
        double t0 = now_ms();
        EXPECT(dstack_client_is_reachable(c, 500, &ok, &e_), DSTACK_STATUS_OK);
        CHECK(!ok);
        CHECK(now_ms() - t0 < 3000);
        dstack_response *r = NULL;
        dstack_error *e = NULL;
        t0 = now_ms();
        CHECK(dstack_client_get_key(c, u8("a"), 1, NULL, 0, NULL, 0, 500, &r, &e) == DSTACK_STATUS_TIMEOUT);
        CHECK(now_ms() - t0 < 3000);
        CHECK(message_contains(e, "did not accept the connection within 500 ms"));
        CHECK(r == NULL);
        dstack_error_free(e);
        dstack_client_free(c);
    }
    /* An endless flood of "100 Continue" heads: refused at the head limit, quickly, and
     * without growing the process (ru_maxrss is in KiB). */
    {
        dstack_client *c = new_client(sock(FAKE, "continue.sock"));
        dstack_response *r = NULL;
        dstack_error *e = NULL;
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        double t0 = now_ms();
        CHECK(dstack_client_version(c, 10000, &r, &e) == DSTACK_STATUS_RESPONSE_TOO_LARGE);
        CHECK(now_ms() - t0 < 5000);
        getrusage(RUSAGE_SELF, &after);
        CHECK(after.ru_maxrss - before.ru_maxrss < 64 * 1024);
        CHECK(message_contains(e, "limit"));
        dstack_error_free(e);
        dstack_client_free(c);
    }
    /* EmitEvent is not repeated once it may have reached the agent: the agent processes
     * it and hangs up without answering; the call fails and the agent saw it once. A
     * Version the agent drops on a pooled connection is repeated on a new one. */
    {
        dstack_client *c = new_client(sock(FAKE, "dropemit.sock"));
        long emits = agent_count("emit"), drops = agent_count("dropped");
        CHECK(emits >= 0 && drops >= 0);
        dstack_error *e = NULL;
        CHECK(dstack_client_emit_event(c, u8("e"), 1, u8("x"), 1, 2000, &e) == DSTACK_STATUS_IO);
        CHECK(message_contains(e, "closed the connection without answering"));
        dstack_error_free(e);
        CHECK(agent_count("emit") == emits + 1);
        for (int i = 0; i < 2; i++) { /* a new connection, then the pooled one (dropped, redone) */
            dstack_response *r = NULL;
            EXPECT(dstack_client_version(c, 2000, &r, &e_), DSTACK_STATUS_OK);
            dstack_response_free(r);
        }
        CHECK(agent_count("dropped") == drops + 1);
        dstack_client_free(c);
    }
    /* An agent that never reads: a large request times out within one deadline (the
     * timeout covers every write together, not each write). */
    {
        size_t n = 1u << 19; /* more than twice what the socket buffers hold */
        char *big = repeated('a', n);
        CHECK(big != NULL);
        dstack_client *c = new_client(sock(FAKE, "noread.sock"));
        dstack_response *r = NULL;
        dstack_error *e = NULL;
        double t0 = now_ms();
        dstack_status s = dstack_client_get_key(c, u8(big), n, NULL, 0, NULL, 0, 1000, &r, &e);
        double took = now_ms() - t0;
        CHECK(s == DSTACK_STATUS_TIMEOUT && message_contains(e, "write to"));
        if (took >= 1750) fprintf(stderr, "FAIL: a 1000 ms call took %.0f ms\n", took);
        CHECK(took < 1750);
        dstack_error_free(e);
        dstack_client_free(c);
        free(big);
    }
    /* A non-200 answer without an "error" member holding a key: described, not quoted. */
    {
        dstack_client *c = new_client(sock(FAKE, "leak500.sock"));
        dstack_response *r = NULL;
        dstack_error *e = NULL;
        CHECK(dstack_client_get_key(c, u8("a"), 1, NULL, 0, NULL, 0, 1000, &r, &e) == DSTACK_STATUS_HTTP_STATUS);
        CHECK(message_contains(e, "HTTP 500") && message_contains(e, "JSON body"));
        CHECK(!message_contains(e, "bf77a922825c") && !message_contains(e, "111111"));
        dstack_error_free(e);
        dstack_client_free(c);
    }
    /* An agent that refuses a 10 MB request after its head (413 and close, body unread):
     * its answer is reported, not the broken pipe of the unfinished write. */
    {
        size_t n = 10u << 20;
        char *big = repeated('p', n);
        CHECK(big != NULL);
        dstack_client *c = new_client(sock(FAKE, "early413.sock"));
        dstack_response *r = NULL;
        dstack_error *e = NULL;
        dstack_status s = dstack_client_get_key(c, u8(big), n, NULL, 0, NULL, 0, 20000, &r, &e);
        CHECK(s == DSTACK_STATUS_AGENT_ERROR);
        CHECK(slice_eq_str(dstack_error_message(e), "request body exceeds the limit"));
        if (s != DSTACK_STATUS_AGENT_ERROR) {
            dstack_slice m = dstack_error_message(e);
            fprintf(stderr, "FAIL early413: status %u: %.*s\n", s, (int)m.len, m.ptr ? (const char *)m.ptr : "");
        }
        dstack_error_free(e);
        dstack_client_free(c);
        free(big);
    }
}

/* Key helpers against docs/PROTOCOL.md facts, and their error paths. */
static void test_key_helpers(void) {
    uint8_t sk[32], pub[65], sig[65], sig2[65], h[32];
    size_t l = 0;
    unhex(APP_K256, sk, sizeof sk, &l);
    EXPECT(dstack_secp256k1_public_key(sk, true, pub, sizeof pub, &l, &e_), DSTACK_STATUS_OK);
    CHECK(l == 33 && slice_eq_hex((dstack_slice){pub, l}, APP_PUB));
    EXPECT(dstack_secp256k1_public_key(sk, false, pub, sizeof pub, &l, &e_), DSTACK_STATUS_OK);
    CHECK(l == 65 && pub[0] == 0x04);
    l = 0;
    EXPECT(dstack_secp256k1_public_key(sk, true, pub, 32, &l, &e_), DSTACK_STATUS_BUFFER_TOO_SMALL);
    CHECK(l == 33);
    EXPECT(dstack_secp256k1_public_key(sk, true, NULL, 0, &l, &e_), DSTACK_STATUS_BUFFER_TOO_SMALL);
    EXPECT(dstack_secp256k1_public_key(sk, true, NULL, 33, &l, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_secp256k1_public_key(sk, true, pub, 33, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_secp256k1_public_key(NULL, true, pub, 33, &l, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    uint8_t zero[32] = {0};
    EXPECT(dstack_secp256k1_public_key(zero, true, pub, 33, &l, &e_), DSTACK_STATUS_CRYPTO);
    for (int i = 0; i < 32; i++) h[i] = (uint8_t)(0xa0 + i);
    EXPECT(dstack_secp256k1_sign_prehash(sk, h, sig, &e_), DSTACK_STATUS_OK);
    EXPECT(dstack_secp256k1_sign_prehash(sk, h, sig2, &e_), DSTACK_STATUS_OK);
    CHECK(memcmp(sig, sig2, 65) == 0); /* RFC 6979: deterministic */
    CHECK(sig[64] <= 1);
    /* low-S: s <= n/2 */
    static const uint8_t half_n[32] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
                                       0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};
    CHECK(memcmp(sig + 32, half_n, 32) <= 0);
    EXPECT(dstack_secp256k1_sign_prehash(sk, NULL, sig, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_secp256k1_sign_prehash(sk, h, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_secp256k1_sign_prehash(zero, h, sig, &e_), DSTACK_STATUS_CRYPTO);
    uint8_t addr[42];
    EXPECT(dstack_ethereum_address(NULL, addr, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_ethereum_address(sk, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_ethereum_address(sk, addr, &e_), DSTACK_STATUS_OK);
    CHECK(addr[0] == '0' && addr[1] == 'x');
    uint8_t esig[64], secret[64], b58[44];
    bool valid = true;
    EXPECT(dstack_ed25519_sign(sk, NULL, 0, esig, &e_), DSTACK_STATUS_OK);
    EXPECT(dstack_solana_keypair(sk, secret, b58, sizeof b58, &l, &e_), DSTACK_STATUS_OK);
    EXPECT(dstack_ed25519_verify(secret + 32, NULL, 0, esig, &valid, &e_), DSTACK_STATUS_OK);
    CHECK(valid);
    esig[0] ^= 1;
    EXPECT(dstack_ed25519_verify(secret + 32, NULL, 0, esig, &valid, &e_), DSTACK_STATUS_OK);
    CHECK(!valid);
    EXPECT(dstack_ed25519_verify(secret + 32, NULL, 0, esig, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_ed25519_verify(NULL, NULL, 0, esig, &valid, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_ed25519_sign(NULL, NULL, 0, esig, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_ed25519_sign(sk, NULL, 5, esig, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_solana_keypair(sk, NULL, b58, sizeof b58, &l, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_solana_keypair(sk, secret, b58, sizeof b58, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);

    /* tappd report data: raw passes 64 bytes through; errors before any hashing */
    uint8_t rd[64], out[64];
    for (int i = 0; i < 64; i++) rd[i] = (uint8_t)i;
    EXPECT(dstack_tappd_report_data(rd, 64, u8("raw"), 3, NULL, 0, out, &e_), DSTACK_STATUS_OK);
    CHECK(memcmp(rd, out, 64) == 0);
    EXPECT(dstack_tappd_report_data(rd, 63, u8("raw"), 3, NULL, 0, out, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_tappd_report_data(rd, 3, u8("md5"), 3, NULL, 0, out, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_tappd_report_data(rd, 3, NULL, 0, NULL, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    /* sha256 leaves the upper 32 bytes zero */
    EXPECT(dstack_tappd_report_data(rd, 3, u8("sha256"), 6, u8("p"), 1, out, &e_), DSTACK_STATUS_OK);
    CHECK(memcmp(out + 32, zero, 32) == 0);

    /* compose */
    uint8_t hash[32], buf[8];
    size_t need = 0;
    EXPECT(dstack_compose_hash(u8("{nope"), 5, false, hash, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_compose_hash(u8("{}"), 2, false, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_compose_canonical_json(u8("{\"b\":1,\"a\":2}"), 13, false, buf, sizeof buf, &need, &e_),
           DSTACK_STATUS_BUFFER_TOO_SMALL);
    CHECK(need == 13);
    EXPECT(dstack_compose_canonical_json(u8("{}"), 2, false, buf, sizeof buf, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_compose_hash_raw(NULL, 0, hash, &e_), DSTACK_STATUS_OK);
    CHECK(slice_eq_hex((dstack_slice){hash, 32}, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    EXPECT(dstack_compose_hash_raw(NULL, 1, hash, &e_), DSTACK_STATUS_NULL_ARGUMENT);

    /* env encryption argument checks */
    dstack_slice k[1] = {{u8("A"), 1}}, v[1] = {{u8("b"), 1}};
    char hexout[512];
    EXPECT(dstack_encrypt_env_vars(k, v, 1, u8("zz"), 2, (uint8_t *)hexout, sizeof hexout, &need, &e_), DSTACK_STATUS_INVALID_HEX);
    EXPECT(dstack_encrypt_env_vars(NULL, v, 1, u8("00"), 2, (uint8_t *)hexout, sizeof hexout, &need, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_encrypt_env_vars(k, v, 1, u8("00"), 2, (uint8_t *)hexout, sizeof hexout, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    dstack_slice badk[1] = {{u8("\xff"), 1}};
    EXPECT(dstack_encrypt_env_vars(badk, v, 1, u8(KMS_PUB + 2), 64, (uint8_t *)hexout, sizeof hexout, &need, &e_),
           DSTACK_STATUS_INVALID_ARGUMENT);

    /* KMS key verification and chain: NULL and length checks */
    uint8_t signer[33], a33[33], k33[33];
    EXPECT(dstack_verify_env_encrypt_public_key(sk, 32, sig, 65, u8("00"), 2, 1, 1, 0, NULL, 0, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_verify_env_encrypt_public_key(sk, 32, sig, 65, u8("00"), 2, 1, 1, 0, NULL, 2, signer, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_verify_env_encrypt_public_key(sk, 32, sig, 65, u8("00"), 2, 1, 1000, 0, NULL, 0, signer, &e_), DSTACK_STATUS_EXPIRED);
    EXPECT(dstack_verify_env_encrypt_public_key_legacy(sk, 32, sig, 65, u8("zz"), 2, NULL, 0, signer, &e_), DSTACK_STATUS_INVALID_HEX);
    EXPECT(dstack_verify_env_encrypt_public_key_legacy(NULL, 32, sig, 65, u8("00"), 2, NULL, 0, signer, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_verify_signature_chain(pub, 33, NULL, 0, sig, 65, sig, 65, NULL, 0, NULL, 0, NULL, k33, &e_), DSTACK_STATUS_NULL_ARGUMENT);
    EXPECT(dstack_verify_signature_chain(pub, 33, NULL, 0, sig, 65, sig, 65, NULL, 0, pub, 5, a33, k33, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_verify_signature_chain(pub, 3, NULL, 0, sig, 65, sig, 65, NULL, 0, NULL, 0, a33, k33, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_tls_key_as_uint8array(u8("garbage"), 7, -1, buf, sizeof buf, &need, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_tls_key_as_uint8array(NULL, 0, -1, buf, sizeof buf, NULL, &e_), DSTACK_STATUS_NULL_ARGUMENT);
}

/* One client shared by several threads (the header's thread-safety promise). */
struct worker {
    dstack_client *c;
    int ok, bad;
};
static void *worker_main(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < 25; i++) {
        dstack_response *r = NULL;
        char path[16];
        snprintf(path, sizeof path, "%s", (i % 2) ? "a" : "b");
        dstack_status s = dstack_client_get_key(w->c, u8(path), 1, u8("p"), 1, NULL, 0, 0, &r, NULL);
        if (s == DSTACK_STATUS_OK && (i % 2 == 0 || slice_eq_hex(field(r, DSTACK_FIELD_KEY), KEY_A_P)))
            w->ok++;
        else
            w->bad++;
        dstack_response_free(r);
        if (i % 5 == 0) dstack_client_set_timeout_ms(w->c, 3000, NULL);
    }
    return NULL;
}
static void test_threads(void) {
    dstack_client *c = new_client(sock(SIM, "dstack.sock"));
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i].c = c;
        w[i].ok = w[i].bad = 0;
        CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].ok == 25 && w[i].bad == 0);
    }
    dstack_client_free(c);
}

/* The same API over http://host:port (the simulator's TCP listener). */
static void test_http(const char *ep) {
    dstack_client *c = new_client(ep);
    CHECK(slice_eq_str(dstack_client_endpoint(c), ep));
    for (int i = 0; i < 3; i++) { /* the connection is reused */
        dstack_response *r = NULL;
        EXPECT(dstack_client_get_key(c, u8("a"), 1, u8("p"), 1, NULL, 0, 0, &r, &e_), DSTACK_STATUS_OK);
        if (r) CHECK(slice_eq_hex(field(r, DSTACK_FIELD_KEY), KEY_A_P));
        dstack_response_free(r);
    }
    bool ok = false;
    EXPECT(dstack_client_is_reachable(c, 0, &ok, &e_), DSTACK_STATUS_OK);
    CHECK(ok);
    dstack_client_free(c);
    /* a base path the agent does not serve: its 4xx comes through */
    char based[512];
    snprintf(based, sizeof based, "%s/nope/", ep);
    c = new_client(based);
    dstack_response *r = NULL;
    dstack_error *e = NULL;
    dstack_status s = dstack_client_info(c, 0, &r, &e);
    CHECK(s == DSTACK_STATUS_HTTP_STATUS || s == DSTACK_STATUS_AGENT_ERROR);
    CHECK(message_contains(e, "nope") || message_contains(e, "not found") || message_contains(e, "Not Found"));
    dstack_error_free(e);
    dstack_client_free(c);
}

int run_vector_tests(const char *path); /* test_vectors.c */
int vec_passed, vec_failed;

/* dstack_verify_signature: signatures made by the simulator's Sign RPC (an independent
 * implementation) verify locally; a flipped byte does not; malformed input is an error. */
static void test_verify_signature(dstack_client *c) {
    static const char *algs[] = {"ed25519", "secp256k1", "k256", "secp256k1_prehashed"};
    uint8_t digest[32];
    for (int i = 0; i < 32; i++) digest[i] = (uint8_t)(0xa0 + i);
    for (int a = 0; a < 4; a++) {
        const char *alg = algs[a];
        size_t alen = strlen(alg);
        const uint8_t *data = a == 3 ? digest : u8("local verification");
        size_t dlen = a == 3 ? 32 : 18;
        dstack_response *r = NULL;
        EXPECT(dstack_client_sign(c, u8(alg), alen, data, dlen, 0, &r, &e_), DSTACK_STATUS_OK);
        if (!r) continue;
        dstack_slice sig = field(r, DSTACK_FIELD_SIGNATURE), pub = field(r, DSTACK_FIELD_PUBLIC_KEY);
        CHECK(sig.len == 64 && pub.len == (a == 0 ? 32u : 33u));
        if (sig.len != 64 || pub.len > 33) {
            dstack_response_free(r);
            continue;
        }
        bool valid = false;
        EXPECT(dstack_verify_signature(u8(alg), alen, data, dlen, sig.ptr, sig.len, pub.ptr, pub.len, &valid, &e_),
               DSTACK_STATUS_OK);
        CHECK(valid);
        /* out_error may be NULL */
        valid = false;
        CHECK(dstack_verify_signature(u8(alg), alen, data, dlen, sig.ptr, sig.len, pub.ptr, pub.len, &valid, NULL) ==
              DSTACK_STATUS_OK);
        CHECK(valid);
        /* a flipped signature byte, and a flipped data byte: well-formed, not valid */
        uint8_t bad_sig[64], bad_data[32], bad_key[33], sig65[65];
        memcpy(bad_sig, sig.ptr, 64);
        bad_sig[5] ^= 0x01;
        valid = true;
        EXPECT(dstack_verify_signature(u8(alg), alen, data, dlen, bad_sig, 64, pub.ptr, pub.len, &valid, &e_),
               DSTACK_STATUS_OK);
        CHECK(!valid);
        memcpy(bad_data, data, dlen);
        bad_data[dlen - 1] ^= 0x80;
        valid = true;
        EXPECT(dstack_verify_signature(u8(alg), alen, bad_data, dlen, sig.ptr, 64, pub.ptr, pub.len, &valid, &e_),
               DSTACK_STATUS_OK);
        CHECK(!valid);
        /* the same signature checked under the other algorithm family is not valid either */
        if (a == 1) {
            uint8_t h[32];
            memset(h, 0, sizeof h);
            valid = true;
            EXPECT(dstack_verify_signature(u8("secp256k1_prehashed"), 19, h, 32, sig.ptr, 64, pub.ptr, pub.len, &valid,
                                           &e_),
                   DSTACK_STATUS_OK);
            CHECK(!valid);
        }
        /* malformed key: INVALID_ARGUMENT, *out_valid untouched */
        memcpy(bad_key, pub.ptr, pub.len);
        bad_key[0] = a == 0 ? bad_key[0] : 0x07; /* no such SEC1 tag */
        valid = true;
        EXPECT(dstack_verify_signature(u8(alg), alen, data, dlen, sig.ptr, 64, bad_key, a == 0 ? 31 : 33, &valid, &e_),
               DSTACK_STATUS_INVALID_ARGUMENT);
        CHECK(valid);
        /* a 65-byte r||s||v signature is rejected, not trimmed */
        memcpy(sig65, sig.ptr, 64);
        sig65[64] = 0;
        EXPECT(dstack_verify_signature(u8(alg), alen, data, dlen, sig65, 65, pub.ptr, pub.len, &valid, &e_),
               DSTACK_STATUS_INVALID_ARGUMENT);
        /* NULLs */
        EXPECT(dstack_verify_signature(u8(alg), alen, data, dlen, sig.ptr, 64, pub.ptr, pub.len, NULL, &e_),
               DSTACK_STATUS_NULL_ARGUMENT);
        EXPECT(dstack_verify_signature(NULL, alen, data, dlen, sig.ptr, 64, pub.ptr, pub.len, &valid, &e_),
               DSTACK_STATUS_NULL_ARGUMENT);
        EXPECT(dstack_verify_signature(u8(alg), alen, NULL, dlen, sig.ptr, 64, pub.ptr, pub.len, &valid, &e_),
               DSTACK_STATUS_NULL_ARGUMENT);
        EXPECT(dstack_verify_signature(u8(alg), alen, data, dlen, NULL, 64, pub.ptr, pub.len, &valid, &e_),
               DSTACK_STATUS_NULL_ARGUMENT);
        EXPECT(dstack_verify_signature(u8(alg), alen, data, dlen, sig.ptr, 64, NULL, pub.len, &valid, &e_),
               DSTACK_STATUS_NULL_ARGUMENT);
        EXPECT(dstack_verify_signature(u8(alg), alen, data, dlen, NULL, 0, pub.ptr, pub.len, &valid, &e_),
               DSTACK_STATUS_INVALID_ARGUMENT);
        dstack_response_free(r);
    }
    bool v = true;
    dstack_error *e = NULL;
    /* prehashed data must be 32 bytes; unknown and empty algorithms are refused */
    CHECK(dstack_verify_signature(u8("secp256k1_prehashed"), 19, digest, 31, digest, 32, digest, 32, &v, &e) ==
          DSTACK_STATUS_INVALID_ARGUMENT);
    dstack_error_free(e);
    EXPECT(dstack_verify_signature(u8("p256"), 4, digest, 32, digest, 32, digest, 32, &v, &e_),
           DSTACK_STATUS_INVALID_ARGUMENT);
    EXPECT(dstack_verify_signature(NULL, 0, digest, 32, digest, 32, digest, 32, &v, &e_), DSTACK_STATUS_INVALID_ARGUMENT);
    e = NULL;
    CHECK(dstack_verify_signature(u8("\xff"), 1, digest, 32, digest, 32, digest, 32, &v, &e) ==
          DSTACK_STATUS_INVALID_ARGUMENT);
    CHECK(message_contains(e, "UTF-8"));
    dstack_error_free(e);
    CHECK(v);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s SIM_DIR LEGACY_DIR FAKE_DIR VECTORS_TXT HTTP_ENDPOINT\n", argv[0]);
        return 2;
    }
    SIM = argv[1];
    LEGACY = argv[2];
    FAKE = argv[3];
    test_version_and_status();
    test_client_new();
    test_no_agent();
    test_key_helpers();
    {
        char ep[4200];
        snprintf(ep, sizeof ep, "%s", sock(SIM, "dstack.sock"));
        dstack_client *c = new_client(ep);
        test_get_key(c);
        test_quote(c);
        test_tls_key(c);
        test_info_version(c);
        test_sign_verify(c);
        test_verify_signature(c);
        test_emit_event(c);
        dstack_client_free(c);
    }
    test_tappd(SIM);
    test_threads();
    test_http(argv[5]);
    test_legacy_agent();
    test_hostile();
    test_transport_hostile();
    run_vector_tests(argv[4]);
    passed += vec_passed;
    failed += vec_failed;
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
