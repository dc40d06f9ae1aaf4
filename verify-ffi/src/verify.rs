//! The four verifications, one export per `dstack-verify` entry point. Each takes the
//! same options (collateral, time, policy, the development opt-out) as plain parameters
//! and gives one `dstack_verification` or one error naming the failed check.

use dstack_ffi::boundary;
use dstack_ffi::dstack_error;
use dstack_ffi::error::Result;
use dstack_ffi::slice;
use dstack_ffi::status::dstack_status;
use verifier::Options;

use crate::verification::{dstack_verification, give};
use crate::{dstack_tcb_policy, failure, policy};

/// The options, checked: empty collateral is none, empty expected report data is none.
///
/// # Safety
/// As for `slice::bytes` on both pointers.
unsafe fn options<'a>(
    collateral_json: *const u8,
    collateral_json_len: usize,
    now: u64,
    tcb_policy: dstack_tcb_policy,
    expected_report_data: *const u8,
    expected_report_data_len: usize,
    insecure_skip_intel_signature: bool,
) -> Result<Options<'a>> {
    // SAFETY: forwarded contract.
    let (collateral, expected) = unsafe {
        (
            slice::bytes(collateral_json, collateral_json_len, "collateral_json")?,
            slice::bytes(
                expected_report_data,
                expected_report_data_len,
                "expected_report_data",
            )?,
        )
    };
    Ok(Options {
        collateral: Some(collateral).filter(|c| !c.is_empty()),
        now,
        policy: policy(tcb_policy)?,
        expected_report_data: Some(expected).filter(|e| !e.is_empty()),
        insecure_skip_intel_signature,
    })
}

/// One verification export: checks the pointers, builds the options, runs `verify` on the
/// input and hands the result to `*out_verification`. `expected_report_data` may be NULL
/// with length 0 (no comparison).
///
/// # Safety
/// As for `slice::bytes` on each pointer/length pair and `slice::out` on
/// `out_verification`: the export's own contract, which its caller keeps.
#[allow(clippy::too_many_arguments)]
unsafe fn verify_export(
    input: *const u8,
    input_len: usize,
    input_name: &'static str,
    collateral_json: *const u8,
    collateral_json_len: usize,
    now: u64,
    tcb_policy: dstack_tcb_policy,
    expected_report_data: *const u8,
    expected_report_data_len: usize,
    insecure_skip_intel_signature: bool,
    out_verification: *mut *mut dstack_verification,
    out_error: *mut *mut dstack_error,
    verify: fn(&[u8], &Options<'_>) -> verifier::Result<verifier::Verification>,
) -> dstack_status {
    boundary::run(out_error, || {
        // SAFETY: forwarded contract (see above).
        let (input, opts, out) = unsafe {
            (
                slice::bytes(input, input_len, input_name)?,
                options(
                    collateral_json,
                    collateral_json_len,
                    now,
                    tcb_policy,
                    expected_report_data,
                    expected_report_data_len,
                    insecure_skip_intel_signature,
                )?,
                slice::out(out_verification, "out_verification")?,
            )
        };
        give(out, verify(input, &opts).map_err(failure)?)
    })
}

/// Verifies a raw quote (TDX v4/v5 or SGX v3), DCAP only: the PCK certificate chain up to
/// the pinned Intel SGX Root CA, the collateral (PCCS `QuoteCollateralV3` JSON, UTF-8) and
/// its validity at `now` (Unix seconds), the QE report and identity, the quote signature,
/// the TCB status against `tcb_policy`, the TD attributes, and the report data against
/// `expected_report_data` when it is not empty. `collateral_json` may be empty only with
/// `insecure_skip_intel_signature`, which skips the Intel signature chain (development
/// only: the simulator's quotes are signed by a mock key; the result then says
/// `INTEL_SIGNATURE_VERIFIED` 0). `tcb_policy`: bits of `dstack_tcb_policy_e`, 0 for the
/// default (`DSTACK_TCB_POLICY_UP_TO_DATE`); `Revoked` is never accepted.
/// `expected_report_data` is at most 64 bytes, zero-padded on the right as the agent pads
/// it; empty means no comparison. On success `*out_verification` is a new handle (free
/// with `dstack_verification_free`). On failure the error names the check
/// (`dstack_error_check`) and the values it compared (`dstack_error_expected`,
/// `dstack_error_actual`), all also in its message; the status is
/// `DSTACK_STATUS_VERIFICATION_FAILED`, `DSTACK_STATUS_EXPIRED` (collateral or
/// certificate outside its validity window) or `DSTACK_STATUS_INVALID_ARGUMENT` (checks
/// `input`, `collateral_missing`, `collateral_format`; an unknown policy bit).
/// `out_verification` must not be NULL. Pure and reentrant.
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_quote(
    quote: *const u8,
    quote_len: usize,
    collateral_json: *const u8,
    collateral_json_len: usize,
    now: u64,
    tcb_policy: dstack_tcb_policy,
    expected_report_data: *const u8,
    expected_report_data_len: usize,
    insecure_skip_intel_signature: bool,
    out_verification: *mut *mut dstack_verification,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: the caller keeps this export's contract, which is `verify_export`'s.
    unsafe {
        verify_export(
            quote,
            quote_len,
            "quote",
            collateral_json,
            collateral_json_len,
            now,
            tcb_policy,
            expected_report_data,
            expected_report_data_len,
            insecure_skip_intel_signature,
            out_verification,
            out_error,
            verifier::verify_quote,
        )
    }
}

/// Verifies a GetQuote answer: `get_quote_json` is the JSON body as the agent returns it
/// (`{"quote": hex, "event_log": text, "vm_config"?: text}`, e.g. `dstack_response_body`
/// of `dstack_client_get_quote`). The quote as in `dstack_verify_quote`, then the event
/// log: replayed soundly (runtime-event digests recomputed from name and payload) into
/// RTMR3 and every boot RTMR the log covers, compared with the quote; then the app's
/// identity is decoded from the runtime events (`DSTACK_VERIFICATION_APP_ID`, ...).
/// Without an `event_log` it is `dstack_verify_quote` of the quote. Options, result and
/// errors as for `dstack_verify_quote`. `out_verification` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_get_quote(
    get_quote_json: *const u8,
    get_quote_json_len: usize,
    collateral_json: *const u8,
    collateral_json_len: usize,
    now: u64,
    tcb_policy: dstack_tcb_policy,
    expected_report_data: *const u8,
    expected_report_data_len: usize,
    insecure_skip_intel_signature: bool,
    out_verification: *mut *mut dstack_verification,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: the caller keeps this export's contract, which is `verify_export`'s.
    unsafe {
        verify_export(
            get_quote_json,
            get_quote_json_len,
            "get_quote_json",
            collateral_json,
            collateral_json_len,
            now,
            tcb_policy,
            expected_report_data,
            expected_report_data_len,
            insecure_skip_intel_signature,
            out_verification,
            out_error,
            verifier::verify_get_quote_json,
        )
    }
}

/// Verifies a versioned attestation: `attestation` is the raw bytes of an Attest answer
/// (V0 SCALE or V1 msgpack; `DSTACK_FIELD_ATTESTATION` of `dstack_client_attest`). The
/// quote as in `dstack_verify_quote`; the event log replayed into all four RTMRs; the
/// attestation's runtime-event list against the log; its stated report data against the
/// quote's (for `dstack-pod`, the app-data hash of its payload); then the app's identity.
/// Options, result and errors as for `dstack_verify_quote`. `out_verification` must not
/// be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_attestation(
    attestation: *const u8,
    attestation_len: usize,
    collateral_json: *const u8,
    collateral_json_len: usize,
    now: u64,
    tcb_policy: dstack_tcb_policy,
    expected_report_data: *const u8,
    expected_report_data_len: usize,
    insecure_skip_intel_signature: bool,
    out_verification: *mut *mut dstack_verification,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: the caller keeps this export's contract, which is `verify_export`'s.
    unsafe {
        verify_export(
            attestation,
            attestation_len,
            "attestation",
            collateral_json,
            collateral_json_len,
            now,
            tcb_policy,
            expected_report_data,
            expected_report_data_len,
            insecure_skip_intel_signature,
            out_verification,
            out_error,
            verifier::verify_attestation,
        )
    }
}

/// Verifies an RA-TLS certificate (`cert_der`, one DER certificate: the leaf a TLS peer
/// presents) issued by the agent with `DSTACK_TLS_USAGE_RA_TLS`: its attestation
/// (extension `1.3.6.1.4.1.62397.1.8`, or the legacy quote and event log `...1.1`/`...1.2`),
/// its validity at `now`, the quote's report data binding the certificate's key
/// (`SHA-512("ratls-cert:" || SubjectPublicKeyInfo)`), the quote as in
/// `dstack_verify_quote`, RTMR3 replayed from the event log, and the app-id and app-info
/// extensions against the attested identity. The issuer chain is not checked: the
/// attestation bound to the key authenticates the peer. Options, result and errors as
/// for `dstack_verify_quote` (there is no expected report data: the key fixes it).
/// `out_verification` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_ra_tls_cert(
    cert_der: *const u8,
    cert_der_len: usize,
    collateral_json: *const u8,
    collateral_json_len: usize,
    now: u64,
    tcb_policy: dstack_tcb_policy,
    insecure_skip_intel_signature: bool,
    out_verification: *mut *mut dstack_verification,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    // SAFETY: the caller keeps this export's contract, which is `verify_export`'s.
    unsafe {
        verify_export(
            cert_der,
            cert_der_len,
            "cert_der",
            collateral_json,
            collateral_json_len,
            now,
            tcb_policy,
            std::ptr::null(),
            0,
            insecure_skip_intel_signature,
            out_verification,
            out_error,
            verifier::verify_ra_tls_cert,
        )
    }
}
