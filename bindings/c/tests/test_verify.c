/*
 * C tests of libdstack_verify (dstack_verify.h): the four verifications on the real
 * Intel-signed quotes of testdata/dcap (statuses, validity window, policy, report data),
 * the real GetQuote fixtures, live simulator evidence (GetQuote, Attest, RA-TLS
 * certificates from GetTlsKey) and forged variants of both; every result field and the
 * JSON; the failed check's name and compared values; the PCCS helpers; NULL and
 * out-of-range arguments. Links libdstack_verify only (it holds the client too).
 *
 * usage: test_verify TESTDATA_DIR SIM_DIR
 * Prints one line per failure and finally "N passed, M failed"; exits non-zero on failure.
 * Times are pinned: nothing depends on the clock.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dstack_verify.h"

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

/* 2025-06-25T00:00:00Z: inside the window of the 2025-06-19 collateral and of the
 * simulator certificates below. */
#define NOW_2025 1750809600ULL
/* 2026-03-01T00:00:00Z: inside the window of the 2026-02-18 collateral. */
#define NOW_2026 1772323200ULL
/* The tdx_quote collateral's window: 2025-06-19T10:32:27Z to 2025-07-19T10:00:35Z. */
#define TDX_FROM 1750329147ULL
#define TDX_UNTIL 1752919235ULL
/* The app id the simulator runs with (run-tests.sh starts it with --app-id). */
static const char *SIM_APP_ID = "5bb4ff9a3837357f19dc176407a5709c62eb6c56";
static const char *INTEL_ROOT_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

static const char *TESTDATA, *SIM;

/* ---- small helpers ---- */

typedef struct {
    uint8_t *p;
    size_t n;
} buf;

static buf read_file(const char *rel) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", TESTDATA, rel);
    buf b = {NULL, 0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.p = malloc((size_t)len + 1);
    b.n = fread(b.p, 1, (size_t)len, f);
    b.p[b.n] = 0;
    fclose(f);
    return b;
}

static buf copy(const void *p, size_t n) {
    buf b = {malloc(n + 1), n};
    memcpy(b.p, p, n);
    b.p[n] = 0;
    return b;
}

static const uint8_t *u8(const char *s) { return (const uint8_t *)s; }

static int slice_eq(dstack_slice s, const void *p, size_t n) {
    return s.len == n && (n == 0 || memcmp(s.ptr, p, n) == 0);
}
static int slice_eq_str(dstack_slice s, const char *str) { return slice_eq(s, str, strlen(str)); }
static int slice_has(dstack_slice s, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; s.ptr && i + n <= s.len; i++)
        if (memcmp(s.ptr + i, needle, n) == 0) return 1;
    return 0;
}
static void to_hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}
static int slice_eq_hex(dstack_slice s, const char *hex) {
    if (s.len * 2 != strlen(hex)) return 0;
    char tmp[8192];
    if (s.len * 2 + 1 > sizeof tmp) return 0;
    to_hex(s.ptr, s.len, tmp);
    return strcmp(tmp, hex) == 0;
}

/* Replaces the first `from` in b by `to` (same length). Returns 1 if found. */
static int patch(buf *b, const char *from, const char *to) {
    size_t n = strlen(from);
    for (size_t i = 0; i + n <= b->n; i++)
        if (memcmp(b->p + i, from, n) == 0) {
            memcpy(b->p + i, to, n);
            return 1;
        }
    return 0;
}

/* Flips the hex digit `skip` characters after the first `key` in b (0 <-> 1, else -> 0).
 * Returns 1 if found. */
static int flip_hex_after(buf *b, const char *key, size_t skip) {
    size_t n = strlen(key);
    for (size_t i = 0; i + n + skip < b->n; i++)
        if (memcmp(b->p + i, key, n) == 0) {
            uint8_t *c = b->p + i + n + skip;
            *c = *c == '0' ? '1' : '0';
            return 1;
        }
    return 0;
}

/* The JSON string value of "key" in a flat JSON object, unescaped (\n, \", \\, \/). */
static buf json_string(const buf *j, const char *key) {
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    size_t n = strlen(pat);
    for (size_t i = 0; i + n <= j->n; i++) {
        if (memcmp(j->p + i, pat, n) != 0) continue;
        size_t k = i + n;
        while (k < j->n && j->p[k] == ' ') k++;
        if (k >= j->n || j->p[k] != '"') continue;
        buf out = {malloc(j->n), 0};
        for (k++; k < j->n && j->p[k] != '"'; k++) {
            uint8_t c = j->p[k];
            if (c == '\\' && k + 1 < j->n) {
                c = j->p[++k];
                if (c == 'n') c = '\n';
            }
            out.p[out.n++] = c;
        }
        out.p[out.n] = 0;
        return out;
    }
    fprintf(stderr, "no \"%s\" in the JSON\n", key);
    exit(2);
}

static buf unhex_buf(const buf *h) {
    buf out = {malloc(h->n / 2 + 1), h->n / 2};
    for (size_t i = 0; i < out.n; i++) {
        unsigned v = 0;
        sscanf((const char *)h->p + 2 * i, "%2x", &v);
        out.p[i] = (uint8_t)v;
    }
    return out;
}

/* PEM text as a PCCS sends it in a header: '\n' and ' ' percent-encoded. */
static buf url_encode(const buf *pem) {
    buf out = {malloc(pem->n * 3 + 1), 0};
    for (size_t i = 0; i < pem->n; i++) {
        uint8_t c = pem->p[i];
        if (c == '\n' || c == ' ' || c == '+' || c == '/' || c == '=') {
            out.n += (size_t)sprintf((char *)out.p + out.n, "%%%02X", c);
        } else {
            out.p[out.n++] = c;
        }
    }
    out.p[out.n] = 0;
    return out;
}

/* The DER of the first certificate of PEM text. */
static buf pem_to_der(const uint8_t *pem, size_t n) {
    static const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *begin = "-----BEGIN CERTIFICATE-----";
    size_t start = 0;
    while (start + strlen(begin) <= n && memcmp(pem + start, begin, strlen(begin)) != 0) start++;
    start += strlen(begin);
    buf out = {malloc(n), 0};
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = start; i < n && pem[i] != '-'; i++) {
        const char *q = pem[i] ? strchr(b64, pem[i]) : NULL;
        if (!q) continue;
        acc = (acc << 6) | (unsigned)(q - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.p[out.n++] = (uint8_t)(acc >> bits);
        }
    }
    return out;
}

/* ---- verification outcomes ---- */

/* The failure of a verification that must fail: status, check name and, when given,
 * the compared values. Frees the error. */
static void expect_fail(int line, dstack_status got, dstack_error *e, dstack_verification *v,
                        dstack_status want_status, const char *want_check, const char *want_expected,
                        const char *want_actual) {
    int ok = got == want_status && v == NULL && e != NULL && dstack_error_status(e) == got &&
             slice_eq_str(dstack_error_check(e), want_check);
    if (ok && want_expected) ok = slice_eq_str(dstack_error_expected(e), want_expected);
    if (ok && want_actual) ok = slice_eq_str(dstack_error_actual(e), want_actual);
    /* The message names the check and, where values were compared, both of them. */
    if (ok) {
        dstack_slice m = dstack_error_message(e);
        ok = m.len > strlen(want_check) && memcmp(m.ptr, want_check, strlen(want_check)) == 0;
        dstack_slice x = dstack_error_expected(e), a = dstack_error_actual(e);
        if (ok && x.len) {
            char exp_text[8192];
            snprintf(exp_text, sizeof exp_text, "expected %.*s", (int)x.len, (const char *)x.ptr);
            ok = slice_has(m, exp_text);
        }
        if (ok && a.len) {
            char act_text[8192];
            snprintf(act_text, sizeof act_text, "got %.*s", (int)a.len, (const char *)a.ptr);
            ok = slice_has(m, act_text);
        }
    }
    if (ok) {
        passed++;
    } else {
        failed++;
        dstack_slice m = dstack_error_message(e);
        dstack_slice c = dstack_error_check(e);
        fprintf(stderr, "FAIL line %d: status %u check '%.*s' (want %u '%s'): %.*s\n", line, got,
                (int)c.len, c.ptr ? (const char *)c.ptr : "", want_status, want_check, (int)m.len,
                m.ptr ? (const char *)m.ptr : "");
    }
    dstack_error_free(e);
    dstack_verification_free(v);
}
#define FAILS(call, status, check) FAILS3(call, status, check, NULL, NULL)
#define FAILS3(call, status, check, expected, actual)                                           \
    do {                                                                                        \
        dstack_verification *v_ = NULL;                                                         \
        dstack_error *e_ = NULL;                                                                \
        dstack_status s_ = call;                                                                \
        expect_fail(__LINE__, s_, e_, v_, status, check, expected, actual);                     \
    } while (0)
/* `call` must pass `&v_, &e_` as its last two arguments. */

static char sentinel_byte;
#define SENTINEL ((dstack_error *)(void *)&sentinel_byte)

static dstack_verification *ok_or_report(int line, dstack_status s, dstack_error *e, dstack_verification *v) {
    if (e == SENTINEL) {
        failed++;
        fprintf(stderr, "FAIL line %d: *out_error was not cleared on success\n", line);
        dstack_verification_free(v);
        return NULL;
    }
    if (s == DSTACK_STATUS_OK && v != NULL && e == NULL) {
        passed++;
        return v;
    }
    failed++;
    dstack_slice m = dstack_error_message(e);
    fprintf(stderr, "FAIL line %d: verification failed: status %u: %.*s\n", line, s, (int)m.len,
            m.ptr ? (const char *)m.ptr : "");
    dstack_error_free(e);
    dstack_verification_free(v);
    return NULL;
}
/* Sets `out` to the verification `call` must give (NULL, counted as a failure, if not). */
#define VERIFY(out, call)                                                                       \
    do {                                                                                        \
        dstack_verification *v_ = NULL;                                                         \
        dstack_error *e_ = SENTINEL; /* must be cleared */                                      \
        dstack_status s_ = call;                                                                \
        (out) = ok_or_report(__LINE__, s_, e_, v_);                                             \
    } while (0)
/* Verifies and frees. */
#define VERIFIES(call)                                                                          \
    do {                                                                                        \
        dstack_verification *w_;                                                                \
        VERIFY(w_, call);                                                                       \
        dstack_verification_free(w_);                                                           \
    } while (0)

static dstack_slice get(const dstack_verification *v, dstack_verification_field f) {
    dstack_slice s = {NULL, 0};
    dstack_error *e = NULL;
    if (dstack_verification_get(v, f, &s, &e) != DSTACK_STATUS_OK) {
        dstack_error_free(e);
        return (dstack_slice){NULL, (size_t)-1};
    }
    return s;
}
static int absent(const dstack_verification *v, dstack_verification_field f) {
    dstack_slice s;
    dstack_error *e = NULL;
    dstack_status st = dstack_verification_get(v, f, &s, &e);
    int ok = st == DSTACK_STATUS_NOT_FOUND && e && dstack_error_check(e).len == 0;
    dstack_error_free(e);
    uint64_t n;
    e = NULL;
    st = dstack_verification_u64(v, f, &n, &e);
    ok = ok && st == DSTACK_STATUS_NOT_FOUND;
    dstack_error_free(e);
    return ok;
}
static uint64_t u64(const dstack_verification *v, dstack_verification_field f) {
    uint64_t n = UINT64_MAX;
    dstack_error *e = NULL;
    if (dstack_verification_u64(v, f, &n, &e) != DSTACK_STATUS_OK) dstack_error_free(e);
    return n;
}
static size_t count(const dstack_verification *v, dstack_verification_field f) {
    size_t n = (size_t)-1;
    dstack_error *e = NULL;
    if (dstack_verification_count(v, f, &n, &e) != DSTACK_STATUS_OK) dstack_error_free(e);
    return n;
}
static dstack_slice item(const dstack_verification *v, dstack_verification_field f, size_t i) {
    dstack_slice s = {NULL, (size_t)-1};
    dstack_error *e = NULL;
    if (dstack_verification_item(v, f, i, &s, &e) != DSTACK_STATUS_OK) dstack_error_free(e);
    return s;
}

/* The shorthand of the four verifications with the common options. */
#define QUOTE(q, col, now, pol, rd, rdn, skip) \
    dstack_verify_quote((q).p, (q).n, (col).p, (col).n, now, pol, rd, rdn, skip, &v_, &e_)
static const buf NONE = {NULL, 0};

/* ---- real Intel-signed quotes ---- */

static void test_real_tdx_quote(void) {
    buf q = read_file("dcap/tdx_quote"), col = read_file("dcap/tdx_quote_collateral.json");
    dstack_verification *v;
    VERIFY(v, QUOTE(q, col, NOW_2025, 0, NULL, 0, false));
    if (v) {
        CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_EVIDENCE), "quote"));
        CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_TEE), "tdx"));
        CHECK(u64(v, DSTACK_VERIFICATION_QUOTE_VERSION) == 4);
        CHECK(u64(v, DSTACK_VERIFICATION_QUOTE_VERIFIED) == 1);
        CHECK(u64(v, DSTACK_VERIFICATION_INTEL_SIGNATURE_VERIFIED) == 1);
        CHECK(u64(v, DSTACK_VERIFICATION_INSECURE_SKIP_INTEL_SIGNATURE) == 0);
        CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_TCB_STATUS), "UpToDate"));
        CHECK(count(v, DSTACK_VERIFICATION_ADVISORY_IDS) == 0);
        CHECK(u64(v, DSTACK_VERIFICATION_TCB_POLICY) == DSTACK_TCB_POLICY_UP_TO_DATE);
        CHECK(u64(v, DSTACK_VERIFICATION_COLLATERAL_VALID_FROM) == TDX_FROM);
        CHECK(u64(v, DSTACK_VERIFICATION_COLLATERAL_VALID_UNTIL) == TDX_UNTIL);
        CHECK(u64(v, DSTACK_VERIFICATION_NOW) == NOW_2025);
        CHECK(get(v, DSTACK_VERIFICATION_PPID).len == 16);
        CHECK(get(v, DSTACK_VERIFICATION_REPORT_DATA).len == 64);
        CHECK(u64(v, DSTACK_VERIFICATION_REPORT_DATA_CHECKED) == 0);
        CHECK(u64(v, DSTACK_VERIFICATION_EVENT_LOG_VERIFIED) == 0);
        CHECK(u64(v, DSTACK_VERIFICATION_RTMRS_VERIFIED) == 0);
        CHECK(u64(v, DSTACK_VERIFICATION_OS_IMAGE_HASH_VERIFIED) == 0);
        /* The TD registers, as the quote holds them (MRTD at body offset 136 of a v4 quote:
         * header 48 + TEE_TCB_SVN 16 + MRSEAM 48 + MRSIGNERSEAM 48 + SEAMATTRIBUTES 8 +
         * TDATTRIBUTES 8 + XFAM 8). */
        CHECK(slice_eq(get(v, DSTACK_VERIFICATION_MRTD), q.p + 48 + 136, 48));
        CHECK(slice_eq(get(v, DSTACK_VERIFICATION_RTMR3), q.p + 48 + 136 + 48 * 4 + 48 * 3, 48));
        CHECK(slice_eq(get(v, DSTACK_VERIFICATION_REPORT_DATA), q.p + 48 + 520, 64));
        CHECK(get(v, DSTACK_VERIFICATION_TEE_TCB_SVN).len == 16);
        CHECK(get(v, DSTACK_VERIFICATION_TD_ATTRIBUTES).len == 8);
        CHECK(absent(v, DSTACK_VERIFICATION_MR_SERVICE_TD)); /* v4 */
        CHECK(absent(v, DSTACK_VERIFICATION_MR_ENCLAVE));
        CHECK(absent(v, DSTACK_VERIFICATION_APP_ID));
        CHECK(absent(v, DSTACK_VERIFICATION_VM_CONFIG));
        CHECK(absent(v, DSTACK_VERIFICATION_CERT_SUBJECT));
        CHECK(absent(v, 0) && absent(v, 62) && absent(v, 0xffffffffu));
        CHECK(dstack_verification_runtime_event_count(v) == 0);
        /* Kinds are kept apart: a list read as bytes, bytes read as a list or u64. */
        CHECK(absent(v, DSTACK_VERIFICATION_ADVISORY_IDS));
        CHECK(count(v, DSTACK_VERIFICATION_MRTD) == (size_t)-1);
        CHECK(u64(v, DSTACK_VERIFICATION_MRTD) == UINT64_MAX);
        dstack_slice j = dstack_verification_json(v);
        CHECK(j.len > 0 && j.ptr[0] == '{');
        CHECK(slice_has(j, "\"tcb_status\":\"UpToDate\"") && slice_has(j, "\"quote_verified\":true"));
        CHECK(slice_has(j, "\"event_log_verified\":false") && slice_has(j, "\"os_image_hash_verified\":false"));
        CHECK(slice_has(j, "\"app_info\":null") && slice_has(j, "\"advisory_ids\":[]"));

        /* The report data, compared: the quote's own matches, a changed byte does not. */
        uint8_t rd[64];
        memcpy(rd, get(v, DSTACK_VERIFICATION_REPORT_DATA).ptr, 64);
        dstack_verification *w;
    VERIFY(w, QUOTE(q, col, NOW_2025, 0, rd, 64, false));
        if (w) CHECK(u64(w, DSTACK_VERIFICATION_REPORT_DATA_CHECKED) == 1);
        dstack_verification_free(w);
        char want[129], have[129];
        to_hex(rd, 64, have);
        rd[0] ^= 1;
        to_hex(rd, 64, want);
        FAILS3(QUOTE(q, col, NOW_2025, 0, rd, 64, false), DSTACK_STATUS_VERIFICATION_FAILED,
               "report_data", want, have);
        uint8_t long_rd[65] = {0};
        FAILS3(QUOTE(q, col, NOW_2025, 0, long_rd, 65, false), DSTACK_STATUS_INVALID_ARGUMENT,
               "input", "at most 64 bytes", "65 bytes");
        dstack_verification_free(v);
    }

    /* Both ends of the window are inside it; one second outside either end is not. */
    VERIFIES(QUOTE(q, col, TDX_FROM, 0, NULL, 0, false));
    VERIFIES(QUOTE(q, col, TDX_UNTIL - 1, 0, NULL, 0, false));
    const char *window = "a time from 2025-06-19T10:32:27Z to before 2025-07-19T10:00:35Z";
    FAILS3(QUOTE(q, col, TDX_FROM - 1, 0, NULL, 0, false), DSTACK_STATUS_EXPIRED,
           "collateral_validity", window, "2025-06-19T10:32:26Z");
    FAILS3(QUOTE(q, col, TDX_UNTIL, 0, NULL, 0, false), DSTACK_STATUS_EXPIRED,
           "collateral_validity", window, "2025-07-19T10:00:35Z");
    FAILS(QUOTE(q, col, 0, 0, NULL, 0, false), DSTACK_STATUS_EXPIRED, "collateral_validity");

    /* No collateral, or not collateral. */
    FAILS(QUOTE(q, NONE, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_INVALID_ARGUMENT, "collateral_missing");
    buf junk = copy("{}", 2);
    FAILS(QUOTE(q, junk, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_INVALID_ARGUMENT, "collateral_format");
    /* Another platform's collateral (the SGX quote's, same dates). */
    buf sgx_col = read_file("dcap/sgx_quote_collateral.json");
    FAILS(QUOTE(q, sgx_col, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED, "tcb_info");

    /* Forged quotes: a changed report data byte (signed body), a changed byte of the
     * quote signature, of the QE report; truncated; another version. */
    struct {
        size_t off;
        const char *check;
    } flips[] = {{600, "quote_signature"}, {640, "quote_signature"}, {700, "qe_report"}, {1150, "qe_report"}};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        buf f = copy(q.p, q.n);
        f.p[flips[i].off] ^= 1;
        FAILS(QUOTE(f, col, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED, flips[i].check);
        free(f.p);
    }
    buf cut = {q.p, 1000};
    FAILS(QUOTE(cut, col, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED, "quote_format");
    buf v6 = copy(q.p, q.n);
    v6.p[0] = 6;
    FAILS3(QUOTE(v6, col, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED, "quote_format",
           NULL, "6");

    /* Forged collateral: a flipped TCB info signature, a changed TCB info text. */
    buf forged = copy(col.p, col.n);
    CHECK(flip_hex_after(&forged, "\"tcb_info_signature\": \"", 10));
    FAILS(QUOTE(q, forged, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED,
          "collateral_signature");
    free(forged.p);
    forged = copy(col.p, col.n);
    CHECK(patch(&forged, "\\\"version\\\":3", "\\\"version\\\":4"));
    FAILS(QUOTE(q, forged, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED,
          "collateral_signature");
    free(forged.p);

    /* NULL and bad arguments. */
    FAILS(dstack_verify_quote(NULL, 5, col.p, col.n, NOW_2025, 0, NULL, 0, false, &v_, &e_),
          DSTACK_STATUS_NULL_ARGUMENT, "");
    {
        dstack_error *e = NULL;
        CHECK(dstack_verify_quote(q.p, q.n, col.p, col.n, NOW_2025, 0, NULL, 0, false, NULL, &e) ==
              DSTACK_STATUS_NULL_ARGUMENT);
        CHECK(e && dstack_error_check(e).len == 0 && dstack_error_expected(e).len == 0);
        dstack_error_free(e);
        /* out_error may be NULL. */
        CHECK(dstack_verify_quote(q.p, 1, col.p, col.n, NOW_2025, 0, NULL, 0, false, NULL, NULL) ==
              DSTACK_STATUS_NULL_ARGUMENT);
        dstack_verification *w = NULL;
        CHECK(dstack_verify_quote(q.p, 10, col.p, col.n, NOW_2025, 0, NULL, 0, false, &w, NULL) ==
              DSTACK_STATUS_VERIFICATION_FAILED && w == NULL);
    }
    /* Bits outside the policy (Revoked's, unknown ones) are refused, not ignored. */
    FAILS(QUOTE(q, col, NOW_2025, 256, NULL, 0, false), DSTACK_STATUS_INVALID_ARGUMENT, "");
    FAILS(QUOTE(q, col, NOW_2025, 0x80000000u, NULL, 0, false), DSTACK_STATUS_INVALID_ARGUMENT, "");
    free(q.p);
    free(col.p);
    free(junk.p);
    free(sgx_col.p);
    free(v6.p);
}

static void test_real_sgx_and_outdated_quotes(void) {
    buf q = read_file("dcap/sgx_quote"), col = read_file("dcap/sgx_quote_collateral.json");
    FAILS3(QUOTE(q, col, NOW_2025, 0, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED, "tcb_status",
           "one of UpToDate",
           "ConfigurationAndSWHardeningNeeded (advisories INTEL-SA-00289, INTEL-SA-00615)");
    dstack_verification *v;
    VERIFY(v, QUOTE(q, col, NOW_2025,
                                            DSTACK_TCB_POLICY_UP_TO_DATE |
                                                DSTACK_TCB_POLICY_CONFIGURATION_AND_SW_HARDENING_NEEDED,
                                            NULL, 0, false));
    if (v) {
        CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_TEE), "sgx"));
        CHECK(u64(v, DSTACK_VERIFICATION_QUOTE_VERSION) == 3);
        CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_TCB_STATUS), "ConfigurationAndSWHardeningNeeded"));
        CHECK(count(v, DSTACK_VERIFICATION_ADVISORY_IDS) == 2);
        CHECK(slice_eq_str(item(v, DSTACK_VERIFICATION_ADVISORY_IDS, 0), "INTEL-SA-00289"));
        CHECK(slice_eq_str(item(v, DSTACK_VERIFICATION_ADVISORY_IDS, 1), "INTEL-SA-00615"));
        CHECK(item(v, DSTACK_VERIFICATION_ADVISORY_IDS, 2).len == (size_t)-1);
        CHECK(u64(v, DSTACK_VERIFICATION_TCB_POLICY) == 9);
        CHECK(get(v, DSTACK_VERIFICATION_MR_ENCLAVE).len == 32);
        CHECK(get(v, DSTACK_VERIFICATION_MR_SIGNER).len == 32);
        CHECK(get(v, DSTACK_VERIFICATION_ATTRIBUTES).len == 16);
        CHECK(u64(v, DSTACK_VERIFICATION_ISV_PROD_ID) != UINT64_MAX);
        CHECK(u64(v, DSTACK_VERIFICATION_ISV_SVN) != UINT64_MAX);
        CHECK(absent(v, DSTACK_VERIFICATION_MRTD) && absent(v, DSTACK_VERIFICATION_RTMR0));
        dstack_verification_free(v);
    }
    dstack_verification *any;
    VERIFY(any, QUOTE(q, col, NOW_2025, DSTACK_TCB_POLICY_ANY, NULL, 0, false));
    if (any) CHECK(u64(any, DSTACK_VERIFICATION_TCB_POLICY) == DSTACK_TCB_POLICY_ANY);
    dstack_verification_free(any);
    free(q.p);
    free(col.p);

    q = read_file("dcap/tdx_quote_outdated");
    col = read_file("dcap/tdx_quote_outdated_collateral.json");
    FAILS(QUOTE(q, col, NOW_2026, DSTACK_TCB_POLICY_ANY, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED,
          "tcb_info");
    free(q.p);
    free(col.p);
}

/* ---- real GetQuote answers (real quotes without their collateral) ---- */

#define GETQUOTE(j, col, now, rd, rdn, skip) \
    dstack_verify_get_quote((j).p, (j).n, (col).p, (col).n, now, 0, rd, rdn, skip, &v_, &e_)

static void test_real_get_quote(void) {
    buf j = read_file("fixtures/verifier_fixture_tdx-lite-getquote.json");
    dstack_verification *v;
    VERIFY(v, GETQUOTE(j, NONE, NOW_2025, NULL, 0, true));
    if (v) {
        CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_EVIDENCE), "get_quote"));
        CHECK(u64(v, DSTACK_VERIFICATION_INTEL_SIGNATURE_VERIFIED) == 0);
        CHECK(u64(v, DSTACK_VERIFICATION_INSECURE_SKIP_INTEL_SIGNATURE) == 1);
        CHECK(u64(v, DSTACK_VERIFICATION_QUOTE_VERIFIED) == 0);
        CHECK(absent(v, DSTACK_VERIFICATION_TCB_STATUS));
        CHECK(absent(v, DSTACK_VERIFICATION_COLLATERAL_VALID_FROM));
        CHECK(get(v, DSTACK_VERIFICATION_PPID).len == 0);
        CHECK(u64(v, DSTACK_VERIFICATION_EVENT_LOG_VERIFIED) == 1);
        CHECK(u64(v, DSTACK_VERIFICATION_RTMRS_VERIFIED) == 0xf);
        CHECK(slice_eq_hex(get(v, DSTACK_VERIFICATION_APP_ID), "86b0e55f2fa8e4fb69d890f14f54d5612707646e"));
        CHECK(slice_eq_hex(get(v, DSTACK_VERIFICATION_COMPOSE_HASH),
                           "86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9"));
        CHECK(slice_eq_hex(get(v, DSTACK_VERIFICATION_INSTANCE_ID), "050bf89570575fe8fab4cb8f0a62a9e64efe8ead"));
        CHECK(slice_eq_hex(get(v, DSTACK_VERIFICATION_OS_IMAGE_HASH),
                           "07a2388c7a6a1b6a646d443f1517990a4ec294471d63146cda9d56972765051d"));
        /* SHA-256 of nothing: no Intel-verified PCK certificate. */
        CHECK(slice_eq_hex(get(v, DSTACK_VERIFICATION_DEVICE_ID),
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_KEY_PROVIDER_NAME), "kms"));
        CHECK(get(v, DSTACK_VERIFICATION_MR_SYSTEM).len == 32 && get(v, DSTACK_VERIFICATION_MR_AGGREGATED).len == 32);
        CHECK(u64(v, DSTACK_VERIFICATION_SYSTEM_READY) == 1);
        CHECK(count(v, DSTACK_VERIFICATION_INIT_SCRIPT_HASHES) != (size_t)-1);
        CHECK(slice_has(get(v, DSTACK_VERIFICATION_VM_CONFIG), "\"tdx_attestation_variant\":\"lite\""));
        size_t n = dstack_verification_runtime_event_count(v);
        CHECK(n > 3);
        dstack_event ev;
        dstack_error *e = NULL;
        int saw_compose = 0;
        for (size_t i = 0; i < n; i++) {
            if (dstack_verification_runtime_event(v, i, &ev, &e) != DSTACK_STATUS_OK) {
                failed++;
                dstack_error_free(e);
                e = NULL;
                continue;
            }
            CHECK(ev.imr == 3 && ev.event_type == 0x08000001u && ev.digest.len == 48);
            CHECK((ev.version == 1 && ev.preimage.len == 0) || (ev.version == 2 && ev.preimage.len > 0));
            if (slice_eq_str(ev.event, "compose-hash")) {
                saw_compose = 1;
                CHECK(slice_eq(ev.event_payload, get(v, DSTACK_VERIFICATION_COMPOSE_HASH).ptr, 32));
            }
        }
        CHECK(saw_compose);
        CHECK(dstack_verification_runtime_event(v, n, &ev, &e) == DSTACK_STATUS_NOT_FOUND);
        dstack_error_free(e);
        e = NULL;
        CHECK(dstack_verification_runtime_event(v, 0, NULL, &e) == DSTACK_STATUS_NULL_ARGUMENT);
        dstack_error_free(e);
        dstack_slice js = dstack_verification_json(v);
        CHECK(slice_has(js, "\"app_id\":\"86b0e55f2fa8e4fb69d890f14f54d5612707646e\""));
        CHECK(slice_has(js, "\"rtmrs_verified\":[true,true,true,true]"));
        dstack_verification_free(v);
    }
    /* A real quote needs collateral unless the caller opts out. */
    FAILS(GETQUOTE(j, NONE, NOW_2025, NULL, 0, false), DSTACK_STATUS_INVALID_ARGUMENT, "collateral_missing");
    /* Forged: one event payload changed; the log no longer replays to the quoted RTMR3. */
    buf forged = copy(j.p, j.n);
    CHECK(patch(&forged, "\\\"event\\\":\\\"compose-hash\\\",\\\"event_payload\\\":\\\"86b0",
                "\\\"event\\\":\\\"compose-hash\\\",\\\"event_payload\\\":\\\"86b1"));
    {
        dstack_verification *v_ = NULL;
        dstack_error *e_ = NULL;
        dstack_status s = GETQUOTE(forged, NONE, NOW_2025, NULL, 0, true);
        CHECK(s == DSTACK_STATUS_VERIFICATION_FAILED && v_ == NULL);
        CHECK(slice_eq_str(dstack_error_check(e_), "rtmr_replay"));
        CHECK(dstack_error_expected(e_).len == 96 && dstack_error_actual(e_).len == 96);
        CHECK(!slice_eq(dstack_error_expected(e_), dstack_error_actual(e_).ptr, 96));
        CHECK(slice_has(dstack_error_message(e_), "RTMR3"));
        dstack_error_free(e_);
    }
    buf bad = copy("{\"quote\": 5}", 12);
    FAILS(GETQUOTE(bad, NONE, NOW_2025, NULL, 0, true), DSTACK_STATUS_INVALID_ARGUMENT, "input");
    free(bad.p);
    free(forged.p);
    free(j.p);
}

/* ---- live simulator evidence ---- */

static dstack_client *sim_client(void) {
    char ep[4096];
    snprintf(ep, sizeof ep, "%s/dstack.sock", SIM);
    dstack_client *c = NULL;
    CHECK(dstack_client_new(u8(ep), strlen(ep), &c, NULL) == DSTACK_STATUS_OK);
    return c;
}

static void test_simulator_get_quote(dstack_client *c) {
    dstack_response *r = NULL;
    CHECK(dstack_client_get_quote(c, u8("challenge"), 9, 0, &r, NULL) == DSTACK_STATUS_OK);
    if (!r) return;
    dstack_slice body = dstack_response_body(r);
    buf j = copy(body.ptr, body.len);
    dstack_response_free(r);
    dstack_verification *v;
    VERIFY(v, GETQUOTE(j, NONE, NOW_2025, u8("challenge"), 9, true));
    if (v) {
        CHECK(u64(v, DSTACK_VERIFICATION_REPORT_DATA_CHECKED) == 1);
        CHECK(slice_eq_hex(get(v, DSTACK_VERIFICATION_APP_ID), SIM_APP_ID));
        CHECK(u64(v, DSTACK_VERIFICATION_RTMRS_VERIFIED) == 0xf);
        CHECK(u64(v, DSTACK_VERIFICATION_INTEL_SIGNATURE_VERIFIED) == 0);
        CHECK(absent(v, DSTACK_VERIFICATION_TCB_STATUS));
        CHECK(get(v, DSTACK_VERIFICATION_REPORT_DATA).len == 64 &&
              memcmp(get(v, DSTACK_VERIFICATION_REPORT_DATA).ptr, "challenge", 9) == 0);
        /* The identity matches what the agent's Info says. */
        dstack_response *info = NULL;
        CHECK(dstack_client_info(c, 0, &info, NULL) == DSTACK_STATUS_OK);
        dstack_slice s;
        if (info && dstack_response_get(info, DSTACK_FIELD_COMPOSE_HASH, &s, NULL) == DSTACK_STATUS_OK)
            CHECK(slice_eq(get(v, DSTACK_VERIFICATION_COMPOSE_HASH), s.ptr, s.len));
        if (info && dstack_response_get(info, DSTACK_FIELD_MR_AGGREGATED, &s, NULL) == DSTACK_STATUS_OK)
            CHECK(slice_eq(get(v, DSTACK_VERIFICATION_MR_AGGREGATED), s.ptr, s.len));
        if (info && dstack_response_get(info, DSTACK_FIELD_INSTANCE_ID, &s, NULL) == DSTACK_STATUS_OK)
            CHECK(slice_eq(get(v, DSTACK_VERIFICATION_INSTANCE_ID), s.ptr, s.len));
        dstack_response_free(info);
        dstack_verification_free(v);
    }
    /* Not Intel-signed: refused at the pinned root, with or without collateral. */
    buf col = read_file("dcap/tdx_quote_collateral.json");
    FAILS(GETQUOTE(j, NONE, NOW_2025, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED, "pck_chain_root");
    {
        dstack_verification *v_ = NULL;
        dstack_error *e_ = NULL;
        CHECK(GETQUOTE(j, col, NOW_2025, NULL, 0, false) == DSTACK_STATUS_VERIFICATION_FAILED);
        CHECK(slice_eq_str(dstack_error_check(e_), "pck_chain_root"));
        CHECK(slice_has(dstack_error_expected(e_), INTEL_ROOT_SHA256));
        CHECK(slice_has(dstack_error_actual(e_), "Mock PCK Certificate"));
        dstack_error_free(e_);
    }
    /* Another challenge. */
    FAILS(GETQUOTE(j, NONE, NOW_2025, u8("another"), 7, true), DSTACK_STATUS_VERIFICATION_FAILED, "report_data");
    /* Forged: the compose-hash event's payload changed in the log. */
    buf forged = copy(j.p, j.n);
    CHECK(flip_hex_after(&forged, "compose-hash\\\",\\\"event_payload\\\":\\\"", 0));
    FAILS(GETQUOTE(forged, NONE, NOW_2025, NULL, 0, true), DSTACK_STATUS_VERIFICATION_FAILED, "rtmr_replay");
    free(forged.p);
    free(col.p);
    free(j.p);
}

#define ATTEST(a, now, rd, rdn, skip) \
    dstack_verify_attestation((a).p, (a).n, NULL, 0, now, 0, rd, rdn, skip, &v_, &e_)

static void test_simulator_attestation(dstack_client *c) {
    dstack_response *r = NULL;
    CHECK(dstack_client_attest(c, u8("nonce"), 5, 0, &r, NULL) == DSTACK_STATUS_OK);
    if (!r) return;
    dstack_slice s;
    CHECK(dstack_response_get(r, DSTACK_FIELD_ATTESTATION, &s, NULL) == DSTACK_STATUS_OK);
    buf a = copy(s.ptr, s.len);
    dstack_response_free(r);
    dstack_verification *v;
    VERIFY(v, ATTEST(a, NOW_2025, u8("nonce"), 5, true));
    if (v) {
        CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_EVIDENCE), "attestation_v1"));
        CHECK(u64(v, DSTACK_VERIFICATION_RTMRS_VERIFIED) == 0xf);
        CHECK(u64(v, DSTACK_VERIFICATION_REPORT_DATA_CHECKED) == 1);
        CHECK(slice_eq_hex(get(v, DSTACK_VERIFICATION_APP_ID), SIM_APP_ID));
        CHECK(get(v, DSTACK_VERIFICATION_VM_CONFIG).len > 0);
        CHECK(absent(v, DSTACK_VERIFICATION_REPORT_DATA_PAYLOAD));
        CHECK(dstack_verification_runtime_event_count(v) > 3);
        dstack_verification_free(v);
    }
    /* Not Intel-signed: the pinned root is checked first, before any collateral. */
    FAILS(ATTEST(a, NOW_2025, NULL, 0, false), DSTACK_STATUS_VERIFICATION_FAILED, "pck_chain_root");
    FAILS(ATTEST(a, NOW_2025, u8("other"), 5, true), DSTACK_STATUS_VERIFICATION_FAILED, "report_data");
    /* Forged: truncated, a trailing byte, an unknown format. */
    buf cut = {a.p, a.n - 1};
    FAILS(ATTEST(cut, NOW_2025, NULL, 0, true), DSTACK_STATUS_VERIFICATION_FAILED, "attestation_format");
    buf longer = {malloc(a.n + 1), a.n + 1};
    memcpy(longer.p, a.p, a.n);
    longer.p[a.n] = 0;
    FAILS(ATTEST(longer, NOW_2025, NULL, 0, true), DSTACK_STATUS_VERIFICATION_FAILED, "attestation_format");
    buf other = copy("\x01\x02", 2);
    FAILS3(ATTEST(other, NOW_2025, NULL, 0, true), DSTACK_STATUS_VERIFICATION_FAILED, "attestation_format",
           NULL, "0x01");
    /* Forged: a runtime event payload byte changed inside the attestation's own event list
     * (the payload of "instance-id" appears in both lists; the last copy is the runtime
     * list's). The lists then differ. */
    {
        int found = 0;
        const char *name = "system-ready";
        size_t n = strlen(name);
        buf f = copy(a.p, a.n);
        /* The last occurrence of the name is in the runtime-event list; its payload is
         * empty, so change a byte of the name instead: the lists then disagree. */
        for (size_t i = f.n - n; i-- > 0;)
            if (memcmp(f.p + i, name, n) == 0) {
                f.p[i] = 'S';
                found = 1;
                break;
            }
        CHECK(found);
        FAILS(ATTEST(f, NOW_2025, NULL, 0, true), DSTACK_STATUS_VERIFICATION_FAILED, "runtime_events");
        free(f.p);
    }
    free(other.p);
    free(longer.p);
    free(a.p);
}

#define CERT(d, now, skip) dstack_verify_ra_tls_cert((d).p, (d).n, NULL, 0, now, 0, skip, &v_, &e_)

static void check_ra_tls(const buf *der, const char *app_id_hex) {
    dstack_verification *v;
    VERIFY(v, CERT(*der, NOW_2025, true));
    if (!v) return;
    CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_EVIDENCE), "ra_tls_cert"));
    CHECK(u64(v, DSTACK_VERIFICATION_REPORT_DATA_CHECKED) == 1);
    CHECK(u64(v, DSTACK_VERIFICATION_RTMRS_VERIFIED) == 0x8);
    CHECK(u64(v, DSTACK_VERIFICATION_EVENT_LOG_VERIFIED) == 1);
    dstack_slice app_id = get(v, DSTACK_VERIFICATION_APP_ID);
    CHECK(app_id.len == 20 && slice_eq(get(v, DSTACK_VERIFICATION_CERT_APP_ID), app_id.ptr, app_id.len));
    if (app_id_hex) CHECK(slice_eq_hex(app_id, app_id_hex));
    CHECK(u64(v, DSTACK_VERIFICATION_CERT_APP_INFO_EXTENSION) == 1);
    CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_CERT_ATTESTATION_SOURCE), "attestation"));
    CHECK(u64(v, DSTACK_VERIFICATION_CERT_NOT_BEFORE) == 1735689600ULL);
    CHECK(u64(v, DSTACK_VERIFICATION_CERT_NOT_AFTER) == 2082758400ULL);
    CHECK(get(v, DSTACK_VERIFICATION_CERT_SUBJECT).len > 0 && get(v, DSTACK_VERIFICATION_CERT_ISSUER).len > 0);
    dstack_slice spki = get(v, DSTACK_VERIFICATION_CERT_PUBLIC_KEY_DER);
    CHECK(spki.len > 60 && spki.len < 200);
    CHECK(slice_has(dstack_verification_json(v), "\"evidence\":\"ra_tls_cert\""));

    /* Not Intel-signed: refused at the pinned root, with or without collateral. */
    FAILS(CERT(*der, NOW_2025, false), DSTACK_STATUS_VERIFICATION_FAILED, "pck_chain_root");
    buf col = read_file("dcap/tdx_quote_collateral.json");
    FAILS(dstack_verify_ra_tls_cert(der->p, der->n, col.p, col.n, NOW_2025, 0, false, &v_, &e_),
          DSTACK_STATUS_VERIFICATION_FAILED, "pck_chain_root");
    free(col.p);
    /* Outside its validity. */
    FAILS3(CERT(*der, 1735689599ULL, true), DSTACK_STATUS_EXPIRED, "certificate_validity",
           "a time from 2025-01-01T00:00:00Z to 2036-01-01T00:00:00Z", "2024-12-31T23:59:59Z");
    FAILS(CERT(*der, 2082758401ULL, true), DSTACK_STATUS_EXPIRED, "certificate_validity");
    /* Forged: another key in the certificate (the last byte of the public key point). */
    buf f = copy(der->p, der->n);
    for (size_t i = 0; i + spki.len <= f.n; i++)
        if (memcmp(f.p + i, spki.ptr, spki.len) == 0) {
            f.p[i + spki.len - 1] ^= 1;
            break;
        }
    FAILS(CERT(f, NOW_2025, true), DSTACK_STATUS_VERIFICATION_FAILED, "ra_tls_binding");
    free(f.p);
    /* Not a certificate; a certificate without an attestation. */
    buf junk = {der->p, 40};
    FAILS(CERT(junk, NOW_2025, true), DSTACK_STATUS_VERIFICATION_FAILED, "certificate_format");
    dstack_verification_free(v);
}

static void test_simulator_ra_tls(dstack_client *c) {
    uint64_t nb = 1735689600ULL, na = 2082758400ULL; /* 2025-01-01 .. 2036-01-01 */
    dstack_response *r = NULL;
    CHECK(dstack_client_get_tls_key(c, u8("ratls.test"), 10, NULL, 0,
                                    DSTACK_TLS_USAGE_RA_TLS | DSTACK_TLS_WITH_APP_INFO, &nb, &na, 0, &r,
                                    NULL) == DSTACK_STATUS_OK);
    if (!r) return;
    dstack_slice leaf, ca;
    CHECK(dstack_response_item(r, DSTACK_FIELD_CERTIFICATE_CHAIN, 0, &leaf, NULL) == DSTACK_STATUS_OK);
    CHECK(dstack_response_item(r, DSTACK_FIELD_CERTIFICATE_CHAIN, 1, &ca, NULL) == DSTACK_STATUS_OK);
    buf der = pem_to_der(leaf.ptr, leaf.len);
    buf ca_der = pem_to_der(ca.ptr, ca.len);
    dstack_response_free(r);
    check_ra_tls(&der, SIM_APP_ID);
    /* The issuing CA certificate carries no attestation. */
    FAILS(CERT(ca_der, NOW_2025, true), DSTACK_STATUS_VERIFICATION_FAILED, "certificate_format");
    free(der.p);
    free(ca_der.p);

    /* The committed sample (testdata/ratls, from a simulator with another app id). */
    buf pem = read_file("ratls/simulator_ra_tls_cert.pem");
    der = pem_to_der(pem.p, pem.n);
    check_ra_tls(&der, NULL);
    free(der.p);
    free(pem.p);
}

/* ---- PCCS helpers ---- */

static void test_pccs(void) {
    buf q = read_file("dcap/tdx_quote");
    char url[512];
    size_t len = 0;
    dstack_error *e = NULL;
    const char *base = "https://pccs.example/sgx/certification/v4/";
    const char *want[] = {
        "https://pccs.example/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
        NULL, /* the TCB info URL names the FMSPC: checked by prefix */
        "https://pccs.example/tdx/certification/v4/qe/identity?update=standard",
        "https://pccs.example/sgx/certification/v4/rootcacrl",
    };
    for (uint32_t req = DSTACK_PCCS_PCK_CRL; req <= DSTACK_PCCS_ROOT_CA_CRL; req++) {
        CHECK(dstack_pccs_url(q.p, q.n, u8(base), strlen(base), req, (uint8_t *)url, sizeof url, &len, &e) ==
              DSTACK_STATUS_OK);
        url[len < sizeof url ? len : sizeof url - 1] = 0;
        if (want[req - 1]) {
            CHECK(strcmp(url, want[req - 1]) == 0);
        } else {
            const char *p = "https://pccs.example/tdx/certification/v4/tcb?fmspc=";
            CHECK(strncmp(url, p, strlen(p)) == 0 && strstr(url, "&update=standard") &&
                  len == strlen(p) + 12 + strlen("&update=standard"));
        }
    }
    /* The buffer protocol: too small gives the needed length. */
    len = 0;
    CHECK(dstack_pccs_url(q.p, q.n, u8(base), strlen(base), DSTACK_PCCS_ROOT_CA_CRL, (uint8_t *)url, 10, &len,
                          &e) == DSTACK_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == strlen(want[3]));
    dstack_error_free(e);
    e = NULL;
    CHECK(dstack_pccs_url(q.p, q.n, u8(base), strlen(base), 9, (uint8_t *)url, sizeof url, &len, &e) ==
          DSTACK_STATUS_INVALID_ARGUMENT);
    dstack_error_free(e);
    e = NULL;
    CHECK(dstack_pccs_url(q.p, q.n, NULL, 0, 1, (uint8_t *)url, sizeof url, &len, &e) ==
          DSTACK_STATUS_INVALID_ARGUMENT);
    dstack_error_free(e);
    e = NULL;
    CHECK(dstack_pccs_url(u8("junk"), 4, u8(base), strlen(base), 1, (uint8_t *)url, sizeof url, &len, &e) ==
          DSTACK_STATUS_VERIFICATION_FAILED);
    CHECK(slice_eq_str(dstack_error_check(e), "quote_format"));
    dstack_error_free(e);
    e = NULL;
    /* Evidence that holds the quote: a GetQuote answer (the same quote's FMSPC URL). */
    buf gq = read_file("fixtures/verifier_fixture_tdx-lite-getquote.json");
    CHECK(dstack_pccs_url(gq.p, gq.n, u8("https://p.example"), 17, DSTACK_PCCS_TCB_INFO, (uint8_t *)url,
                          sizeof url, &len, &e) == DSTACK_STATUS_OK);
    CHECK(len > 40 && memcmp(url, "https://p.example/tdx/certification/v4/tcb?fmspc=", 49) == 0);
    free(gq.p);

    /* The answers of a PCCS, rebuilt from the stored collateral, assemble into collateral
     * that verifies the quote. */
    buf col = read_file("dcap/tdx_quote_collateral.json");
    buf pck_crl_hex = json_string(&col, "pck_crl"), root_hex = json_string(&col, "root_ca_crl");
    buf pck_crl = unhex_buf(&pck_crl_hex);
    buf tcb = json_string(&col, "tcb_info"), tcb_sig = json_string(&col, "tcb_info_signature");
    buf qe = json_string(&col, "qe_identity"), qe_sig = json_string(&col, "qe_identity_signature");
    buf c1 = json_string(&col, "pck_crl_issuer_chain"), c2 = json_string(&col, "tcb_info_issuer_chain"),
        c3 = json_string(&col, "qe_identity_issuer_chain");
    buf h1 = url_encode(&c1), h2 = url_encode(&c2), h3 = url_encode(&c3);
    size_t tn = tcb.n + tcb_sig.n + 64, qn = qe.n + qe_sig.n + 64;
    buf tcb_body = {malloc(tn), 0}, qe_body = {malloc(qn), 0};
    tcb_body.n = (size_t)snprintf((char *)tcb_body.p, tn, "{\"tcbInfo\":%s,\"signature\":\"%s\"}", tcb.p, tcb_sig.p);
    qe_body.n = (size_t)snprintf((char *)qe_body.p, qn, "{\"enclaveIdentity\":%s,\"signature\":\"%s\"}", qe.p,
                                 qe_sig.p);
    size_t need = 0;
    CHECK(dstack_pccs_collateral(q.p, q.n, pck_crl.p, pck_crl.n, h1.p, h1.n, tcb_body.p, tcb_body.n, h2.p, h2.n,
                                 qe_body.p, qe_body.n, h3.p, h3.n, root_hex.p, root_hex.n, NULL, 0, &need,
                                 &e) == DSTACK_STATUS_BUFFER_TOO_SMALL);
    dstack_error_free(e);
    e = NULL;
    buf assembled = {malloc(need), 0};
    CHECK(dstack_pccs_collateral(q.p, q.n, pck_crl.p, pck_crl.n, h1.p, h1.n, tcb_body.p, tcb_body.n, h2.p, h2.n,
                                 qe_body.p, qe_body.n, h3.p, h3.n, root_hex.p, root_hex.n, assembled.p, need,
                                 &assembled.n, &e) == DSTACK_STATUS_OK);
    dstack_verification *v;
    VERIFY(v, QUOTE(q, assembled, NOW_2025, 0, NULL, 0, false));
    if (v) CHECK(slice_eq_str(get(v, DSTACK_VERIFICATION_TCB_STATUS), "UpToDate"));
    dstack_verification_free(v);
    /* A TCB info answer without the signed object. */
    CHECK(dstack_pccs_collateral(q.p, q.n, pck_crl.p, pck_crl.n, h1.p, h1.n, u8("{\"signature\":\"00\"}"), 18,
                                 h2.p, h2.n, qe_body.p, qe_body.n, h3.p, h3.n, root_hex.p, root_hex.n,
                                 assembled.p, need, &assembled.n, &e) == DSTACK_STATUS_INVALID_ARGUMENT);
    CHECK(slice_eq_str(dstack_error_check(e), "collateral_format"));
    dstack_error_free(e);
    buf *all[] = {&q, &col, &pck_crl_hex, &root_hex, &pck_crl, &tcb, &tcb_sig, &qe, &qe_sig, &c1, &c2, &c3,
                  &h1, &h2, &h3, &tcb_body, &qe_body, &assembled};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]->p);
}

static void test_null_handles(void) {
    dstack_slice s = dstack_verification_json(NULL);
    CHECK(s.ptr == NULL && s.len == 0);
    CHECK(dstack_verification_runtime_event_count(NULL) == 0);
    dstack_verification_free(NULL);
    s = dstack_error_check(NULL);
    CHECK(s.ptr == NULL && s.len == 0);
    CHECK(dstack_error_expected(NULL).len == 0 && dstack_error_actual(NULL).len == 0);
    dstack_error *e = NULL;
    CHECK(dstack_verification_get(NULL, DSTACK_VERIFICATION_TEE, &s, &e) == DSTACK_STATUS_NULL_ARGUMENT);
    dstack_error_free(e);
    /* The superset: libdstack's own functions are here too. */
    CHECK(strcmp(dstack_version(), DSTACK_VERSION) == 0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s TESTDATA_DIR SIM_DIR\n", argv[0]);
        return 2;
    }
    TESTDATA = argv[1];
    SIM = argv[2];
    test_null_handles();
    test_real_tdx_quote();
    test_real_sgx_and_outdated_quotes();
    test_real_get_quote();
    test_pccs();
    dstack_client *c = sim_client();
    if (c) {
        test_simulator_get_quote(c);
        test_simulator_attestation(c);
        test_simulator_ra_tls(c);
        dstack_client_free(c);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
