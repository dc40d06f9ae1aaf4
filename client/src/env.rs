//! Deployment helpers: encrypted environment variables (docs/PROTOCOL.md §4.1) and the KMS
//! signature on an app's env-encryption public key (§4.2).

use crate::error::{Error, ErrorKind, Result};
use crate::secret::HexBytes;
use dstack_core::{envcrypt, kms};
use zeroize::Zeroize;

/// Encrypts environment variables for a deployment: X25519 with a fresh ephemeral key,
/// AES-256-GCM with a fresh IV (both from the operating system's RNG), plaintext
/// `{"env":[{"key":K,"value":V},...]}`. `public_key_hex` is the app's X25519 key as hex
/// (optional `0x`). Returns lowercase hex of
/// `ephemeral_pub(32) ‖ iv(12) ‖ ciphertext ‖ tag(16)`, what the deployment API takes.
///
/// ```
/// let pk = "0x".to_string() + &"11".repeat(32);
/// let hex = libdstack::env::encrypt_env_vars(&[("API_KEY", "secret")], &pk)?;
/// assert!(hex.len() > 2 * (32 + 12 + 16));
/// # Ok::<(), libdstack::Error>(())
/// ```
pub fn encrypt_env_vars<K, V>(vars: &[(K, V)], public_key_hex: &str) -> Result<String>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    envcrypt::parse_x25519_public_key(public_key_hex)
        .map_err(|e| Error::from_core("env encryption public key", e))?;
    let envs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
    let mut eph = [0u8; 32];
    let mut iv = [0u8; 12];
    getrandom::getrandom(&mut eph)
        .and_then(|_| getrandom::getrandom(&mut iv))
        .map_err(|e| {
            Error::new(
                ErrorKind::Rng,
                format!("the operating system's RNG failed: {e}"),
            )
        })?;
    let mut out = vec![0u8; envcrypt::encrypted_env_len(&envs)];
    let res = envcrypt::encrypt_env_vars(&envs, public_key_hex, eph, iv, &mut out);
    eph.zeroize();
    let n = res.map_err(|e| Error::from_core("env encryption", e))?;
    out.truncate(n);
    // The output is hex: ASCII.
    String::from_utf8(out)
        .map_err(|_| Error::new(ErrorKind::Internal, "env encryption output is not text"))
}

fn kms_failure(e: dstack_core::Error) -> Error {
    match e {
        dstack_core::Error::VerificationFailed => Error::new(
            ErrorKind::VerificationFailed,
            "the signer is not one of the trusted KMS keys, or the signature does not recover",
        ),
        dstack_core::Error::Expired => Error::new(
            ErrorKind::Expired,
            "the timestamp is outside the accepted window (max age, 60 s future skew)",
        ),
        other => Error::from_core("KMS signature", other),
    }
}

/// The current time in seconds since the Unix epoch (0 before 1970).
pub fn unix_time() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Verifies the KMS signature on an app's env-encryption public key, timestamped form:
/// recovers the signer of
/// `keccak256("dstack-env-encrypt-pubkey:" app_id timestamp_be public_key)` and returns it
/// (33 bytes, compressed). `app_id_hex` may have a `0x` prefix. `now` is the caller's
/// clock ([`unix_time`]); `max_age_seconds` 0 means 300; accepted iff
/// `-60 <= now - timestamp <= max_age` (else [`ErrorKind::Expired`]). With
/// `trusted_keys` empty there is no trust check (then the caller MUST compare the signer
/// with a key it trusts); otherwise a signer not among them is `VerificationFailed`.
pub fn verify_env_encrypt_public_key(
    public_key: &[u8],
    signature: &[u8],
    app_id_hex: &str,
    timestamp: u64,
    now: u64,
    max_age_seconds: u64,
    trusted_keys: &[[u8; 33]],
) -> Result<HexBytes> {
    let (t, n, m) = (timestamp, now, max_age_seconds);
    let signer = if trusted_keys.is_empty() {
        kms::verify_env_encrypt_public_key(public_key, signature, app_id_hex, t, n, m)
    } else {
        kms::verify_env_encrypt_public_key_trusted(
            public_key,
            signature,
            app_id_hex,
            t,
            n,
            m,
            trusted_keys,
        )
    };
    signer.map(HexBytes::from).map_err(kms_failure)
}

/// The legacy (untimestamped) form of [`verify_env_encrypt_public_key`]: message
/// `"dstack-env-encrypt-pubkey:" app_id public_key`. Prefer the timestamped form: a
/// legacy signature never expires.
pub fn verify_env_encrypt_public_key_legacy(
    public_key: &[u8],
    signature: &[u8],
    app_id_hex: &str,
    trusted_keys: &[[u8; 33]],
) -> Result<HexBytes> {
    let signer = if trusted_keys.is_empty() {
        kms::verify_env_encrypt_public_key_legacy(public_key, signature, app_id_hex)
    } else {
        kms::verify_env_encrypt_public_key_legacy_trusted(
            public_key,
            signature,
            app_id_hex,
            trusted_keys,
        )
    };
    signer.map(HexBytes::from).map_err(kms_failure)
}
