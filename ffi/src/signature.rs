//! Checking a signature someone else made: `dstack_verify_signature` (the agent's former
//! `Verify`, which is `libdstack::verify::verify_signature`) and the plain ed25519 check
//! (the core's `keys::ed25519_verify`; `libdstack` has no ed25519-only check). Signing
//! with a key the caller holds is `keys.rs`; signature chains are `chain.rs`.

use crate::boundary::run;
use crate::error::{dstack_error, Failure};
use crate::status::*;
use crate::{try_array, try_bytes, try_out, try_text};
use libdstack::verify;

/// Verifies an ed25519 `signature[64]` by `public_key[32]` over `message`; writes the
/// answer to `*out_valid` (a wrong signature is `false`, not an error). A public key that
/// is not a curve point is `DSTACK_STATUS_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn dstack_ed25519_verify(
    public_key: *const u8,
    message: *const u8,
    message_len: usize,
    signature: *const u8,
    out_valid: *mut bool,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (public_key, message, signature, out_valid) = (
            try_array!(public_key, 32),
            try_bytes!(message, message_len),
            try_array!(signature, 64),
            try_out!(out_valid),
        );
        *out_valid = match dstack_core::keys::ed25519_verify(public_key, message, signature) {
            Ok(()) => true,
            Err(dstack_core::Error::VerificationFailed) => false,
            Err(e) => return Err(Failure::core("ed25519 verify", e)),
        };
        Ok(())
    })
}

/// Verifies `signature` by `public_key` over `data` locally, with the semantics of the
/// agent's former `Verify` RPC (which upstream removed in favour of local checks).
/// `algorithm` (UTF-8):
/// - `ed25519`: 32-byte public key, 64-byte signature (RFC 8032, non-strict as the agent);
/// - `secp256k1` or `k256`: ECDSA over SHA-256(`data`), SEC1 public key of 33 bytes
///   (compressed) or 65 bytes (uncompressed), 64-byte `r || s` signature (a 65-byte
///   `r || s || v` is rejected, as the agent did: pass the first 64 bytes); a high-S
///   signature is well-formed and verifies as `false`;
/// - `secp256k1_prehashed`: as `secp256k1`, with `data` the 32-byte digest itself.
///
/// Writes the answer to `*out_valid`: a well-formed signature that does not verify is
/// `DSTACK_STATUS_OK` with `false`. An unknown algorithm, a malformed key or signature, or
/// prehashed `data` that is not 32 bytes is `DSTACK_STATUS_INVALID_ARGUMENT` (where the
/// agent answered 400). `out_valid` must not be NULL. Checks a Sign response's
/// `SIGNATURE` against its `PUBLIC_KEY` (its chain: `dstack_response_verify_signature_chain`).
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_signature(
    algorithm: *const u8,
    algorithm_len: usize,
    data: *const u8,
    data_len: usize,
    signature: *const u8,
    signature_len: usize,
    public_key: *const u8,
    public_key_len: usize,
    out_valid: *mut bool,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (algorithm, data, signature, public_key, out_valid) = (
            try_text!(algorithm, algorithm_len),
            try_bytes!(data, data_len),
            try_bytes!(signature, signature_len),
            try_bytes!(public_key, public_key_len),
            try_out!(out_valid),
        );
        *out_valid = verify::verify_signature(algorithm, data, signature, public_key)?;
        Ok(())
    })
}
