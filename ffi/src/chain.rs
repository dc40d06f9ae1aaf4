//! Signature chains (docs/PROTOCOL.md §6.2): the app key's signature over a derived key and the
//! KMS root's over the app key, recovered back to a KMS key the caller trusts. The checks
//! and their errors are `libdstack::verify::verify_signature_chain` (the core's `chain`).

use crate::boundary::run;
use crate::error::{dstack_error, Failure, Result};
use crate::response::{self as r, dstack_response};
use crate::slice::fill;
use crate::status::*;
use crate::{try_bytes, try_out_array, try_ref, try_text};
use libdstack::verify::{self, ChainInfo};

/// A `trusted_kms_key` argument: NULL (length 0) means no trust check.
fn trusted(key: &[u8]) -> Option<&[u8]> {
    (!key.is_empty()).then_some(key)
}

/// Writes the recovered keys to `out_app_key[33]` and `out_kms_key[33]`.
fn write_keys(
    info: &ChainInfo,
    out_app_key: &mut [u8; 33],
    out_kms_key: &mut [u8; 33],
) -> Result<()> {
    fill(out_app_key, &info.app_key)?;
    fill(out_kms_key, &info.kms_key)
}

/// The two signatures of a response's chain of `N` entries (the last two), or
/// `MALFORMED_RESPONSE` naming the chain (`what`).
fn last_two<'a>(chain: &r::List<'a>, n: usize, what: &str) -> Result<(&'a [u8], &'a [u8])> {
    match (chain.len() == n, chain.get(n - 2), chain.get(n - 1)) {
        (true, Some(app), Some(kms)) => Ok((app, kms)),
        _ => Err(Failure::new(
            DSTACK_STATUS_MALFORMED_RESPONSE,
            format!("a {what} chain has {n} entries, this one {}", chain.len()),
        )),
    }
}

/// Verifies a GetKey/Sign signature chain (docs/PROTOCOL.md §6.2): `app_signature` (65 bytes)
/// by the app key over `keccak256(purpose ":" hex(public_key))`, and `kms_signature` (65
/// bytes) by the KMS root over `keccak256("dstack-kms-issued:" app_id app_key)`.
/// `public_key`: 33-byte compressed secp256k1 or 32-byte ed25519. `purpose` is UTF-8.
/// `trusted_kms_key`: NULL (length 0) = no trust check, else 33 bytes that the
/// recovered KMS key must equal (`DSTACK_STATUS_VERIFICATION_FAILED` otherwise).
/// Writes the recovered app key and KMS key (33 bytes each, compressed) to
/// `out_app_key[33]` and `out_kms_key[33]`, which must not be NULL. Without a trusted key
/// the caller must compare `out_kms_key` with a key it trusts; `app_id` must itself be
/// trusted (e.g. from a verified quote's `app-id` event).
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_signature_chain(
    public_key: *const u8,
    public_key_len: usize,
    purpose: *const u8,
    purpose_len: usize,
    app_signature: *const u8,
    app_signature_len: usize,
    kms_signature: *const u8,
    kms_signature_len: usize,
    app_id: *const u8,
    app_id_len: usize,
    trusted_kms_key: *const u8,
    trusted_kms_key_len: usize,
    out_app_key: *mut u8,
    out_kms_key: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (public_key, purpose, app_signature, kms_signature, app_id, trusted_kms_key) = (
            try_bytes!(public_key, public_key_len),
            try_text!(purpose, purpose_len),
            try_bytes!(app_signature, app_signature_len),
            try_bytes!(kms_signature, kms_signature_len),
            try_bytes!(app_id, app_id_len),
            try_bytes!(trusted_kms_key, trusted_kms_key_len),
        );
        let (out_app_key, out_kms_key) = (
            try_out_array!(out_app_key, 33),
            try_out_array!(out_kms_key, 33),
        );
        let info = verify::verify_signature_chain(
            public_key,
            purpose,
            app_signature,
            kms_signature,
            app_id,
            trusted(trusted_kms_key),
        )?;
        write_keys(&info, out_app_key, out_kms_key)
    })
}

/// `dstack_verify_signature_chain` for a GetKey, DeriveK256Key or Sign response: the
/// public key (derived from `KEY` with `ALGORITHM`, or Sign's `PUBLIC_KEY`), the purpose
/// (`PURPOSE`) and the chain are taken from `response`. For Sign only the chain is
/// checked, not the signature over the data. `response`, `out_app_key[33]` and
/// `out_kms_key[33]` must not be NULL; other responses give `DSTACK_STATUS_NOT_FOUND`.
#[no_mangle]
pub unsafe extern "C" fn dstack_response_verify_signature_chain(
    response: *const dstack_response,
    app_id: *const u8,
    app_id_len: usize,
    trusted_kms_key: *const u8,
    trusted_kms_key_len: usize,
    out_app_key: *mut u8,
    out_kms_key: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (response, app_id, trusted_kms_key, out_app_key, out_kms_key) = (
            try_ref!(response),
            try_bytes!(app_id, app_id_len),
            try_bytes!(trusted_kms_key, trusted_kms_key_len),
            try_out_array!(out_app_key, 33),
            try_out_array!(out_kms_key, 33),
        );
        let missing = || {
            Failure::new(DSTACK_STATUS_NOT_FOUND, "this response carries no signature chain (use a GetKey, DeriveK256Key or Sign response)")
        };
        let chain = response
            .list_of(r::DSTACK_FIELD_SIGNATURE_CHAIN)
            .ok_or_else(missing)?;
        let purpose = response
            .bytes_of(r::DSTACK_FIELD_PURPOSE)
            .ok_or_else(missing)?;
        let purpose = std::str::from_utf8(purpose).map_err(|_| missing())?;
        let trusted_kms_key = trusted(trusted_kms_key);
        let info = if let Some(public_key) = response.bytes_of(r::DSTACK_FIELD_PUBLIC_KEY) {
            // Sign: [signature over data, app signature, KMS signature].
            let (app, kms) = last_two(&chain, 3, "Sign")?;
            verify::verify_signature_chain(public_key, purpose, app, kms, app_id, trusted_kms_key)?
        } else {
            // GetKey, DeriveK256Key: [app signature, KMS signature] over the public key
            // of KEY for ALGORITHM.
            let key = response.bytes_of(r::DSTACK_FIELD_KEY).ok_or_else(missing)?;
            let algorithm = response
                .bytes_of(r::DSTACK_FIELD_ALGORITHM)
                .and_then(|a| std::str::from_utf8(a).ok())
                .unwrap_or("");
            let public_key = dstack_core::keys::KeyAlgorithm::parse(algorithm)
                .and_then(|alg| dstack_core::keys::getkey_public_key(key, alg))
                .map_err(|e| Failure::core("signature chain", e))?;
            let (app, kms) = last_two(&chain, 2, "GetKey")?;
            verify::verify_signature_chain(
                public_key.as_bytes(),
                purpose,
                app,
                kms,
                app_id,
                trusted_kms_key,
            )?
        };
        write_keys(&info, out_app_key, out_kms_key)
    })
}
