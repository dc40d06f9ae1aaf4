//! KMS verification of an app's env-encryption public key (docs/PROTOCOL.md §4.2): who signed
//! it, and whether that signer is one the caller trusts. The checks and their errors are
//! `libdstack::env::verify_env_encrypt_public_key{,_legacy}` (the core's `kms`).

use crate::boundary::run;
use crate::error::dstack_error;
use crate::slice::fill;
use crate::status::*;
use crate::{try_arrays, try_bytes, try_out_array, try_text};
use libdstack::env;

/// Verifies the KMS signature on an app's env-encryption public key, timestamped form
/// (docs/PROTOCOL.md §4.2): recovers the signer of
/// `keccak256("dstack-env-encrypt-pubkey:" app_id timestamp_be public_key)`.
/// `app_id_hex`: UTF-8 hex, optional `0x`/`0X`. `now`: the caller's clock
/// (`dstack_unix_time()`); `max_age_seconds` 0 = 300; accepted iff
/// `-60 <= now - timestamp <= max_age` (else `DSTACK_STATUS_EXPIRED`).
/// `trusted_keys[trusted_keys_count][33]`: compressed keys; NULL/0 = no trust check (then
/// the caller MUST compare the signer with a key it trusts); else a signer not among them
/// is `DSTACK_STATUS_VERIFICATION_FAILED`. Writes the signer (33 bytes) to
/// `out_signer[33]`, which must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_env_encrypt_public_key(
    public_key: *const u8,
    public_key_len: usize,
    signature: *const u8,
    signature_len: usize,
    app_id_hex: *const u8,
    app_id_hex_len: usize,
    timestamp: u64,
    now: u64,
    max_age_seconds: u64,
    trusted_keys: *const u8,
    trusted_keys_count: usize,
    out_signer: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (public_key, signature, app_id_hex, out_signer, trusted_keys) = (
            try_bytes!(public_key, public_key_len),
            try_bytes!(signature, signature_len),
            try_text!(app_id_hex, app_id_hex_len),
            try_out_array!(out_signer, 33),
            try_arrays!(trusted_keys, trusted_keys_count, 33),
        );
        let signer = env::verify_env_encrypt_public_key(
            public_key,
            signature,
            app_id_hex,
            timestamp,
            now,
            max_age_seconds,
            trusted_keys,
        )?;
        fill(out_signer, &signer)
    })
}

/// The legacy (untimestamped) form of `dstack_verify_env_encrypt_public_key`: message
/// `"dstack-env-encrypt-pubkey:" app_id public_key`. Same arguments without the time
/// window: `trusted_keys[trusted_keys_count][33]` as there (NULL/0 = no trust check).
/// Writes the signer to `out_signer[33]`, which must not be NULL. Prefer the timestamped
/// form: a legacy signature never expires.
#[no_mangle]
pub unsafe extern "C" fn dstack_verify_env_encrypt_public_key_legacy(
    public_key: *const u8,
    public_key_len: usize,
    signature: *const u8,
    signature_len: usize,
    app_id_hex: *const u8,
    app_id_hex_len: usize,
    trusted_keys: *const u8,
    trusted_keys_count: usize,
    out_signer: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (public_key, signature, app_id_hex, out_signer, trusted_keys) = (
            try_bytes!(public_key, public_key_len),
            try_bytes!(signature, signature_len),
            try_text!(app_id_hex, app_id_hex_len),
            try_out_array!(out_signer, 33),
            try_arrays!(trusted_keys, trusted_keys_count, 33),
        );
        let signer = env::verify_env_encrypt_public_key_legacy(
            public_key,
            signature,
            app_id_hex,
            trusted_keys,
        )?;
        fill(out_signer, &signer)
    })
}
