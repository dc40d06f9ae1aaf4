//! Pure cryptographic helpers: signature chains, KMS signatures on env-encryption keys,
//! env encryption, TLS key bytes, Ethereum/Solana conversions, ed25519 and secp256k1
//! primitives, and the legacy tappd report data. All are reentrant.

use crate::error::{dstack_error, Failure, Result};
use crate::response::{self as r, dstack_response, Secret};
use crate::slice::{self, dstack_slice, OutBuf};
use crate::status::*;
use dstack_core::{chain, envcrypt, keys, kms, report};
use zeroize::Zeroize;

fn sig65<'a>(s: &'a [u8], what: &str) -> Result<&'a [u8; 65]> {
    s.try_into().map_err(|_| {
        Failure::invalid(format!(
            "{what} must be 65 bytes (r||s||v), got {}",
            s.len()
        ))
    })
}

fn trusted_key(ptr: *const u8, t: &[u8]) -> Result<Option<&[u8; 33]>> {
    if ptr.is_null() || t.is_empty() {
        return Ok(None);
    }
    t.try_into().map(Some).map_err(|_| {
        Failure::invalid(format!(
            "trusted_kms_key must be a 33-byte compressed secp256k1 key, got {} bytes",
            t.len()
        ))
    })
}

fn chain_failure(e: dstack_core::Error) -> Failure {
    match e {
        dstack_core::Error::VerificationFailed => Failure::new(
            DSTACK_STATUS_VERIFICATION_FAILED,
            "signature chain verification failed: a signature does not recover, or the KMS key is not the trusted one",
        ),
        other => Failure::core("signature chain", other),
    }
}

/// Verifies a GetKey/Sign signature chain (PROTOCOL.md §6.2): `app_signature` (65 bytes)
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract for every pointer argument.
        let (pk, purpose, app_sig, kms_sig, app_id, trusted, oa, ok) = unsafe {
            (
                slice::bytes(public_key, public_key_len, "public_key")?,
                slice::text(purpose, purpose_len, "purpose")?,
                slice::bytes(app_signature, app_signature_len, "app_signature")?,
                slice::bytes(kms_signature, kms_signature_len, "kms_signature")?,
                slice::bytes(app_id, app_id_len, "app_id")?,
                slice::bytes(trusted_kms_key, trusted_kms_key_len, "trusted_kms_key")?,
                slice::out_array::<33>(out_app_key, "out_app_key")?,
                slice::out_array::<33>(out_kms_key, "out_kms_key")?,
            )
        };
        let info = chain::verify_signature_chain(
            pk,
            purpose,
            sig65(app_sig, "app_signature")?,
            sig65(kms_sig, "kms_signature")?,
            app_id,
            trusted_key(trusted_kms_key, trusted)?,
        )
        .map_err(chain_failure)?;
        *oa = info.app_key;
        *ok = info.kms_key;
        Ok(())
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (resp, app_id, trusted, oa, ok) = unsafe {
            (
                r::checked(response)?,
                slice::bytes(app_id, app_id_len, "app_id")?,
                slice::bytes(trusted_kms_key, trusted_kms_key_len, "trusted_kms_key")?,
                slice::out_array::<33>(out_app_key, "out_app_key")?,
                slice::out_array::<33>(out_kms_key, "out_kms_key")?,
            )
        };
        let missing = || {
            Failure::new(DSTACK_STATUS_NOT_FOUND, "this response carries no signature chain (use a GetKey, DeriveK256Key or Sign response)")
        };
        let chain_items = resp
            .list_of(r::DSTACK_FIELD_SIGNATURE_CHAIN)
            .ok_or_else(missing)?;
        let purpose = resp.bytes_of(r::DSTACK_FIELD_PURPOSE).ok_or_else(missing)?;
        let purpose = std::str::from_utf8(purpose).map_err(|_| missing())?;
        let trusted = trusted_key(trusted_kms_key, trusted)?;
        let info = if let Some(pk) = resp.bytes_of(r::DSTACK_FIELD_PUBLIC_KEY) {
            // Sign: [signature over data, app signature, KMS signature].
            if chain_items.len() != 3 {
                return Err(Failure::new(
                    DSTACK_STATUS_MALFORMED_RESPONSE,
                    format!("a Sign chain has 3 entries, this one {}", chain_items.len()),
                ));
            }
            chain::verify_signature_chain(
                pk,
                purpose,
                sig65(&chain_items[1].0, "chain[1]")?,
                sig65(&chain_items[2].0, "chain[2]")?,
                app_id,
                trusted,
            )
        } else {
            let key = resp.bytes_of(r::DSTACK_FIELD_KEY).ok_or_else(missing)?;
            let alg = resp
                .bytes_of(r::DSTACK_FIELD_ALGORITHM)
                .and_then(|a| std::str::from_utf8(a).ok())
                .unwrap_or("");
            let alg =
                keys::KeyAlgorithm::parse(alg).map_err(|e| Failure::core("signature chain", e))?;
            if chain_items.len() != 2 {
                return Err(Failure::new(
                    DSTACK_STATUS_MALFORMED_RESPONSE,
                    format!(
                        "a GetKey chain has 2 entries, this one {}",
                        chain_items.len()
                    ),
                ));
            }
            chain::verify_getkey_chain(
                key,
                alg,
                purpose,
                sig65(&chain_items[0].0, "chain[0]")?,
                sig65(&chain_items[1].0, "chain[1]")?,
                app_id,
                trusted,
            )
        }
        .map_err(chain_failure)?;
        *oa = info.app_key;
        *ok = info.kms_key;
        Ok(())
    })
}

/// Encrypts environment variables for a deployment (PROTOCOL.md §4.1): X25519 with a
/// fresh ephemeral key, AES-256-GCM with a fresh IV (both from the operating system's
/// RNG), plaintext `{"env":[{"key":K,"value":V},...]}`. `keys[vars_count]` and
/// `values[vars_count]` are UTF-8 slices (NULL if `vars_count` is 0). `public_key_hex` is
/// the app's X25519 key as hex (optional `0x`). Writes lowercase hex of
/// `ephemeral_pub(32) || iv(12) || ciphertext || tag(16)` to `out_hex` (`out_hex_cap`
/// bytes; `DSTACK_STATUS_BUFFER_TOO_SMALL` puts the needed size in `*out_hex_len`). A bad key
/// is `DSTACK_STATUS_INVALID_HEX` or `_INVALID_ARGUMENT`; RNG failure `DSTACK_STATUS_RNG`.
#[no_mangle]
pub unsafe extern "C" fn dstack_encrypt_env_vars(
    keys: *const dstack_slice,
    values: *const dstack_slice,
    vars_count: usize,
    public_key_hex: *const u8,
    public_key_hex_len: usize,
    out_hex: *mut u8,
    out_hex_cap: usize,
    out_hex_len: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (ks, vs, pk, out) = unsafe {
            (
                slice::texts(keys, vars_count, "keys")?,
                slice::texts(values, vars_count, "values")?,
                slice::text(public_key_hex, public_key_hex_len, "public_key_hex")?,
                OutBuf::new(out_hex, out_hex_cap, out_hex_len, "out_hex")?,
            )
        };
        envcrypt::parse_x25519_public_key(pk)
            .map_err(|e| Failure::core("env encryption public key", e))?;
        let envs: Vec<(&str, &str)> = ks.into_iter().zip(vs).collect();
        let needed = envcrypt::encrypted_env_len(&envs);
        out.check(needed)?;
        let mut eph = [0u8; 32];
        let mut iv = [0u8; 12];
        getrandom::getrandom(&mut eph)
            .and_then(|_| getrandom::getrandom(&mut iv))
            .map_err(|e| {
                Failure::new(
                    DSTACK_STATUS_RNG,
                    format!("the operating system's RNG failed: {e}"),
                )
            })?;
        let mut buf = Secret(vec![0u8; needed]);
        let res = envcrypt::encrypt_env_vars(&envs, pk, eph, iv, &mut buf.0);
        eph.zeroize();
        let n = res.map_err(|e| Failure::core("env encryption", e))?;
        out.write(&buf.0[..n])
    })
}

/// `count` 33-byte keys at `ptr` (NULL/0 = none).
///
/// # Safety
/// A non-NULL `ptr` must point to `count` x 33 readable bytes.
unsafe fn trusted_list(ptr: *const u8, count: usize) -> Result<Vec<[u8; 33]>> {
    if ptr.is_null() || count == 0 {
        if ptr.is_null() && count != 0 {
            return Err(Failure::new(
                DSTACK_STATUS_NULL_ARGUMENT,
                format!("trusted_keys is NULL but its count is {count}"),
            ));
        }
        return Ok(Vec::new());
    }
    let len = count
        .checked_mul(33)
        .ok_or_else(|| Failure::invalid("trusted_keys_count is too large"))?;
    // SAFETY: the caller guarantees count x 33 readable bytes.
    let raw = unsafe { slice::bytes(ptr, len, "trusted_keys")? };
    Ok(raw
        .chunks_exact(33)
        .map(|c| {
            let mut k = [0u8; 33];
            k.copy_from_slice(c);
            k
        })
        .collect())
}

fn kms_failure(e: dstack_core::Error) -> Failure {
    match e {
        dstack_core::Error::VerificationFailed => Failure::new(
            DSTACK_STATUS_VERIFICATION_FAILED,
            "the signer is not one of the trusted KMS keys, or the signature does not recover",
        ),
        dstack_core::Error::Expired => Failure::new(
            DSTACK_STATUS_EXPIRED,
            "the timestamp is outside the accepted window (max age, 60 s future skew)",
        ),
        other => Failure::core("KMS signature", other),
    }
}

/// The body both env-key verifications share: decodes `public_key`, `signature`,
/// `app_id_hex` and the `trusted_keys` list (`ptr, len`/`count` pairs) and checks
/// `out_signer`, then writes the signer `verify` recovers (an empty trusted list means
/// no trust check).
///
/// # Safety
/// Export contract of `dstack_verify_env_encrypt_public_key`.
unsafe fn verify_env_key(
    public_key: (*const u8, usize),
    signature: (*const u8, usize),
    app_id_hex: (*const u8, usize),
    trusted_keys: (*const u8, usize),
    out_signer: *mut u8,
    out_error: *mut *mut dstack_error,
    verify: impl FnOnce(&[u8], &[u8], &str, &[[u8; 33]]) -> dstack_core::Result<[u8; 33]>,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (pk, sig, app, out) = unsafe {
            (
                slice::bytes(public_key.0, public_key.1, "public_key")?,
                slice::bytes(signature.0, signature.1, "signature")?,
                slice::text(app_id_hex.0, app_id_hex.1, "app_id_hex")?,
                slice::out_array::<33>(out_signer, "out_signer")?,
            )
        };
        // SAFETY: caller contract.
        let trusted = unsafe { trusted_list(trusted_keys.0, trusted_keys.1)? };
        *out = verify(pk, sig, app, &trusted).map_err(kms_failure)?;
        Ok(())
    })
}

/// Verifies the KMS signature on an app's env-encryption public key, timestamped form
/// (PROTOCOL.md §4.2): recovers the signer of
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
    // SAFETY: forwarded export contract.
    unsafe {
        verify_env_key(
            (public_key, public_key_len),
            (signature, signature_len),
            (app_id_hex, app_id_hex_len),
            (trusted_keys, trusted_keys_count),
            out_signer,
            out_error,
            |pk, sig, app, trusted| {
                let (t, n, m) = (timestamp, now, max_age_seconds);
                if trusted.is_empty() {
                    kms::verify_env_encrypt_public_key(pk, sig, app, t, n, m)
                } else {
                    kms::verify_env_encrypt_public_key_trusted(pk, sig, app, t, n, m, trusted)
                }
            },
        )
    }
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
    // SAFETY: forwarded export contract.
    unsafe {
        verify_env_key(
            (public_key, public_key_len),
            (signature, signature_len),
            (app_id_hex, app_id_hex_len),
            (trusted_keys, trusted_keys_count),
            out_signer,
            out_error,
            |pk, sig, app, trusted| {
                if trusted.is_empty() {
                    kms::verify_env_encrypt_public_key_legacy(pk, sig, app)
                } else {
                    kms::verify_env_encrypt_public_key_legacy_trusted(pk, sig, app, trusted)
                }
            },
        )
    }
}

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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (pem, buf) = unsafe {
            (
                slice::text(pem, pem_len, "pem")?,
                OutBuf::new(out_der, out_der_cap, out_der_len, "out_der")?,
            )
        };
        let max = if max_length < 0 {
            None
        } else {
            Some(
                usize::try_from(max_length)
                    .map_err(|_| Failure::invalid("max_length is too large"))?,
            )
        };
        let needed = match keys::as_uint8array(pem, max, &mut []) {
            Ok(n) => n,
            Err(dstack_core::Error::BufferTooSmall { needed }) => needed,
            Err(e) => return Err(Failure::core("TLS key", e)),
        };
        if needed > (1 << 24) {
            return Err(Failure::new(
                DSTACK_STATUS_LIMIT_EXCEEDED,
                format!("max_length {needed} exceeds 16 MiB"),
            ));
        }
        let mut tmp = Secret(vec![0u8; needed]);
        let n =
            keys::as_uint8array(pem, max, &mut tmp.0).map_err(|e| Failure::core("TLS key", e))?;
        buf.write(&tmp.0[..n])
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (pem, out) = unsafe {
            (
                slice::text(pem, pem_len, "pem")?,
                slice::out_array::<32>(out_seed, "out_seed")?,
            )
        };
        *out = keys::tls_secure_seed(pem).map_err(|e| Failure::core("TLS key", e))?;
        Ok(())
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (sk, out) = unsafe {
            (
                slice::array::<32>(secret_key, "secret_key")?,
                slice::out_array::<42>(out_address, "out_address")?,
            )
        };
        *out =
            keys::ethereum_account_from_key(sk).map_err(|e| Failure::core("secp256k1 key", e))?;
        Ok(())
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (sk, buf) = unsafe {
            (
                slice::array::<32>(secret_key, "secret_key")?,
                OutBuf::new(
                    out_public_key,
                    out_public_key_cap,
                    out_public_key_len,
                    "out_public_key",
                )?,
            )
        };
        if compressed {
            buf.write(
                &keys::secp256k1_public_key(sk).map_err(|e| Failure::core("secp256k1 key", e))?,
            )
        } else {
            buf.write(
                &keys::secp256k1_public_key_uncompressed(sk)
                    .map_err(|e| Failure::core("secp256k1 key", e))?,
            )
        }
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (sk, h, out) = unsafe {
            (
                slice::array::<32>(secret_key, "secret_key")?,
                slice::array::<32>(hash, "hash")?,
                slice::out_array::<65>(out_signature, "out_signature")?,
            )
        };
        *out =
            keys::secp256k1_sign_prehash(sk, h).map_err(|e| Failure::core("secp256k1 sign", e))?;
        Ok(())
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (seed, sk, buf) = unsafe {
            (
                slice::array::<32>(seed, "seed")?,
                slice::out_array::<64>(out_secret_key, "out_secret_key")?,
                OutBuf::new(
                    out_public_key_b58,
                    out_public_key_b58_cap,
                    out_public_key_b58_len,
                    "out_public_key_b58",
                )?,
            )
        };
        let kp = keys::solana_keypair(seed).map_err(|e| Failure::core("ed25519 seed", e))?;
        let mut b58 = [0u8; 44];
        let text = kp
            .public_base58(&mut b58)
            .map_err(|e| Failure::core("base58", e))?;
        buf.write(text.as_bytes())?;
        *sk = kp.secret;
        Ok(())
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (seed, msg, out) = unsafe {
            (
                slice::array::<32>(seed, "seed")?,
                slice::bytes(message, message_len, "message")?,
                slice::out_array::<64>(out_signature, "out_signature")?,
            )
        };
        *out = keys::ed25519_sign(seed, msg);
        Ok(())
    })
}

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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (pk, msg, sig, out) = unsafe {
            (
                slice::array::<32>(public_key, "public_key")?,
                slice::bytes(message, message_len, "message")?,
                slice::array::<64>(signature, "signature")?,
                slice::out(out_valid, "out_valid")?,
            )
        };
        *out = match keys::ed25519_verify(pk, msg, sig) {
            Ok(()) => true,
            Err(dstack_core::Error::VerificationFailed) => false,
            Err(e) => return Err(Failure::core("ed25519 verify", e)),
        };
        Ok(())
    })
}

/// `(algorithm, data, signature, public_key, out_valid)` of a signature check.
pub(crate) type SignatureInputs<'a> = (&'a str, &'a [u8], &'a [u8], &'a [u8], &'a mut bool);

/// The inputs of a signature check (`dstack_verify_signature`, `dstack_client_verify`):
/// UTF-8 `algorithm`, byte `data`, `signature` and `public_key` (`ptr, len` pairs), and
/// the required `out_valid`.
///
/// # Safety
/// Each pair as for [`slice::bytes`]; `out_valid` as for [`slice::out`].
pub(crate) unsafe fn signature_inputs<'a>(
    algorithm: (*const u8, usize),
    data: (*const u8, usize),
    signature: (*const u8, usize),
    public_key: (*const u8, usize),
    out_valid: *mut bool,
) -> Result<SignatureInputs<'a>> {
    // SAFETY: caller contract.
    unsafe {
        Ok((
            slice::text(algorithm.0, algorithm.1, "algorithm")?,
            slice::bytes(data.0, data.1, "data")?,
            slice::bytes(signature.0, signature.1, "signature")?,
            slice::bytes(public_key.0, public_key.1, "public_key")?,
            slice::out(out_valid, "out_valid")?,
        ))
    }
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
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (alg, data, sig, pk, out) = unsafe {
            signature_inputs(
                (algorithm, algorithm_len),
                (data, data_len),
                (signature, signature_len),
                (public_key, public_key_len),
                out_valid,
            )?
        };
        *out = keys::verify_signature(alg, data, sig, pk)
            .map_err(|e| Failure::core("verify signature", e))?;
        Ok(())
    })
}

/// The report data the legacy tappd `TdxQuote` binds: `H(tag ":" report_data)`
/// zero-padded to 64 bytes, tag = `prefix` or `app-data` when empty, `H` per
/// `hash_algorithm` (`""` = sha512, sha256, sha384, sha512, sha3-256, sha3-384,
/// sha3-512, keccak256, keccak384, keccak512, or `raw` = exactly 64 bytes passed
/// through). Writes 64 bytes to `out_report_data[64]`.
#[no_mangle]
pub unsafe extern "C" fn dstack_tappd_report_data(
    report_data: *const u8,
    report_data_len: usize,
    hash_algorithm: *const u8,
    hash_algorithm_len: usize,
    prefix: *const u8,
    prefix_len: usize,
    out_report_data: *mut u8,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (rd, alg, prefix, out) = unsafe {
            (
                slice::bytes(report_data, report_data_len, "report_data")?,
                slice::text(hash_algorithm, hash_algorithm_len, "hash_algorithm")?,
                slice::text(prefix, prefix_len, "prefix")?,
                slice::out_array::<64>(out_report_data, "out_report_data")?,
            )
        };
        *out = report::tappd_report_data(rd, alg, prefix)
            .map_err(|e| Failure::core("tappd report data", e))?;
        Ok(())
    })
}
