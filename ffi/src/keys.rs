//! What a caller does with a key it holds (GetKey's or GetTlsKey's): the bytes and secure
//! seed of a TLS key, Ethereum and Solana forms, the secp256k1 public key, and signing
//! (secp256k1 prehash, ed25519). Each is `libdstack::keys` (the core's `keys`, with its
//! error messages), copied out; key material stays in wiped buffers. Checking a
//! signature is `signature.rs`.

use crate::boundary::run;
use crate::error::{dstack_error, Failure};
use crate::slice::fill;
use crate::status::*;
use crate::{try_array, try_bytes, try_out_array, try_out_buf, try_text};
use libdstack::keys;

/// The PKCS#8 DER bytes of a TLS key PEM (`KEY` of GetTlsKey/DeriveKey; UTF-8):
/// `max_length < 0` gives the whole DER, else exactly `max_length` bytes (truncated or
/// zero-padded), as the official Python SDK's `as_uint8array`. Note that the first 32
/// bytes of a P-256 PKCS#8 DER are a constant header: derive secrets with
/// `dstack_tls_key_secure_seed` instead. A SEC1 `EC PRIVATE KEY` PEM is
/// `DSTACK_STATUS_INVALID_ARGUMENT`. Output: `out_der` (`out_der_cap` bytes) and
/// `*out_der_len`.
#[no_mangle]
pub unsafe extern "C" fn dstack_tls_key_as_uint8array(
    pem: *const u8,
    pem_len: usize,
    max_length: i64,
    out_der: *mut u8,
    out_der_cap: usize,
    out_der_len: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (pem, out_der) = (
            try_text!(pem, pem_len),
            try_out_buf!(out_der, out_der_cap, out_der_len),
        );
        let max_length = if max_length < 0 {
            None
        } else {
            Some(
                usize::try_from(max_length)
                    .map_err(|_| Failure::invalid("max_length is too large"))?,
            )
        };
        out_der.write(&keys::tls_key_der(pem, max_length)?)
    })
}

/// SHA-256 of the PKCS#8 DER of a TLS key PEM: the seed the official SDKs'
/// `to_account_secure` / `to_keypair_secure` use for TLS keys. Writes 32 bytes to
/// `out_seed[32]`, which must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_tls_key_secure_seed(
    pem: *const u8,
    pem_len: usize,
    out_seed: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (pem, out_seed) = (try_text!(pem, pem_len), try_out_array!(out_seed, 32));
        fill(out_seed, &keys::tls_secure_seed(pem)?)
    })
}

/// The EIP-55 checksummed Ethereum address ("0x" + 40 hex characters, not
/// NUL-terminated) of a secp256k1 secret key (`secret_key[32]`, e.g. GetKey's `KEY`).
/// Writes 42 bytes to `out_address[42]`. An invalid scalar (zero, >= n) is
/// `DSTACK_STATUS_CRYPTO`.
#[no_mangle]
pub unsafe extern "C" fn dstack_ethereum_address(
    secret_key: *const u8,
    out_address: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (secret_key, out_address) =
            (try_array!(secret_key, 32), try_out_array!(out_address, 42));
        fill(out_address, keys::ethereum_address(secret_key)?.as_bytes())
    })
}

/// The secp256k1 public key of `secret_key[32]`: 33 bytes compressed or 65 bytes
/// uncompressed (`04 || x || y`), into `out_public_key` (`out_public_key_cap` bytes) and
/// `*out_public_key_len`.
#[no_mangle]
pub unsafe extern "C" fn dstack_secp256k1_public_key(
    secret_key: *const u8,
    compressed: bool,
    out_public_key: *mut u8,
    out_public_key_cap: usize,
    out_public_key_len: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (secret_key, out_public_key) = (
            try_array!(secret_key, 32),
            try_out_buf!(out_public_key, out_public_key_cap, out_public_key_len),
        );
        out_public_key.write(&keys::secp256k1_public_key(secret_key, compressed)?)
    })
}

/// Signs a 32-byte prehash (`hash[32]`) with `secret_key[32]`: deterministic (RFC 6979)
/// ECDSA, low-S, 65 bytes `r || s || v` with `v` in {0, 1}, written to
/// `out_signature[65]`.
#[no_mangle]
pub unsafe extern "C" fn dstack_secp256k1_sign_prehash(
    secret_key: *const u8,
    hash: *const u8,
    out_signature: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (secret_key, hash, out_signature) = (
            try_array!(secret_key, 32),
            try_array!(hash, 32),
            try_out_array!(out_signature, 65),
        );
        fill(
            out_signature,
            &keys::secp256k1_sign_prehash(secret_key, hash)?,
        )
    })
}

/// The Solana keypair of an ed25519 `seed[32]` (GetKey's `KEY`, or a TLS seed): writes the
/// 64-byte secret (`seed || public key`) to `out_secret_key[64]` and the base58 public key
/// (at most 44 characters, not NUL-terminated) to `out_public_key_b58`
/// (`out_public_key_b58_cap` bytes) and `*out_public_key_b58_len`.
#[no_mangle]
pub unsafe extern "C" fn dstack_solana_keypair(
    seed: *const u8,
    out_secret_key: *mut u8,
    out_public_key_b58: *mut u8,
    out_public_key_b58_cap: usize,
    out_public_key_b58_len: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (seed, out_secret_key, out_public_key_b58) = (
            try_array!(seed, 32),
            try_out_array!(out_secret_key, 64),
            try_out_buf!(
                out_public_key_b58,
                out_public_key_b58_cap,
                out_public_key_b58_len
            ),
        );
        let keypair = keys::solana_keypair(seed)?;
        out_public_key_b58.write(keypair.address.as_bytes())?;
        fill(out_secret_key, &keypair.secret_key)
    })
}

/// Signs `message` with the ed25519 key of `seed[32]` (RFC 8032); writes 64 bytes to
/// `out_signature[64]`.
#[no_mangle]
pub unsafe extern "C" fn dstack_ed25519_sign(
    seed: *const u8,
    message: *const u8,
    message_len: usize,
    out_signature: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (seed, message, out_signature) = (
            try_array!(seed, 32),
            try_bytes!(message, message_len),
            try_out_array!(out_signature, 64),
        );
        fill(out_signature, &keys::ed25519_sign(seed, message)?)
    })
}
