//! The KMS signature on an app's env-encryption public key (docs/PROTOCOL.md §4.2).
//!
//! Legacy message: `"dstack-env-encrypt-pubkey" ‖ ":" ‖ app_id ‖ public_key`; v1 adds the
//! timestamp (u64 big-endian) between app_id and public_key. Hash Keccak-256, signature
//! 65 bytes `r‖s‖v` (`v ∈ {0,1}`) by the KMS root k256 key. Recovery yields *some* key
//! for any well-formed signature, so the result must be compared with a trusted KMS key:
//! the `_trusted` forms do that.

use sha3::{Digest, Keccak256};

use crate::error::{Error, Result};
use crate::keys::secp256k1_recover_prehash;

/// Default maximum age of a v1 signature, in seconds.
pub const DEFAULT_MAX_AGE_SECONDS: u64 = 300;
/// Tolerated clock skew for timestamps in the future, in seconds.
pub const FUTURE_SKEW_SECONDS: u64 = 60;

const PREFIX: &[u8] = b"dstack-env-encrypt-pubkey:";

/// Hashes the app id hex (optional `0x`/`0X`; no whitespace) into `h`.
fn hash_app_id(h: &mut Keccak256, app_id_hex: &str) -> Result<()> {
    let hex = crate::hex::strip_0x(app_id_hex.as_bytes());
    crate::hex::decoded_len(hex)?;
    let mut buf = [0u8; 32];
    for chunk in hex.chunks(64) {
        h.update(&*crate::hex::decode(chunk, &mut buf)?);
    }
    Ok(())
}

fn message_hash(public_key: &[u8], app_id_hex: &str, timestamp: Option<u64>) -> Result<[u8; 32]> {
    let mut h = Keccak256::new();
    h.update(PREFIX);
    hash_app_id(&mut h, app_id_hex)?;
    if let Some(ts) = timestamp {
        h.update(ts.to_be_bytes());
    }
    h.update(public_key);
    Ok(h.finalize().into())
}

/// Checks `-FUTURE_SKEW <= now - timestamp <= max_age` (`max_age` 0 → 300).
pub fn check_timestamp(timestamp: u64, now: u64, max_age: u64) -> Result<()> {
    let max_age = if max_age == 0 {
        DEFAULT_MAX_AGE_SECONDS
    } else {
        max_age
    };
    if timestamp > now.saturating_add(FUTURE_SKEW_SECONDS)
        || now.saturating_sub(timestamp) > max_age
    {
        return Err(Error::Expired);
    }
    Ok(())
}

/// Verifies a v1 (timestamped) signature and returns the recovered signer (compressed).
/// `now` is the caller's clock (unix seconds); `max_age` 0 means 300 s. Errors: `Expired`
/// outside the window, `InvalidHex` for a bad app id, `InvalidArgument` for a signature
/// that is not 65 bytes, `VerificationFailed` when no key can be recovered.
pub fn verify_env_encrypt_public_key(
    public_key: &[u8],
    signature: &[u8],
    app_id_hex: &str,
    timestamp: u64,
    now: u64,
    max_age: u64,
) -> Result<[u8; 33]> {
    check_timestamp(timestamp, now, max_age)?;
    let m = message_hash(public_key, app_id_hex, Some(timestamp))?;
    secp256k1_recover_prehash(&m, signature)
}

/// Verifies a legacy (untimestamped) signature and returns the recovered signer.
pub fn verify_env_encrypt_public_key_legacy(
    public_key: &[u8],
    signature: &[u8],
    app_id_hex: &str,
) -> Result<[u8; 33]> {
    let m = message_hash(public_key, app_id_hex, None)?;
    secp256k1_recover_prehash(&m, signature)
}

fn trusted(signer: [u8; 33], trusted_keys: &[[u8; 33]]) -> Result<[u8; 33]> {
    if trusted_keys.contains(&signer) {
        Ok(signer)
    } else {
        Err(Error::VerificationFailed)
    }
}

/// [`verify_env_encrypt_public_key`] and require the signer to be one of `trusted_keys`.
pub fn verify_env_encrypt_public_key_trusted(
    public_key: &[u8],
    signature: &[u8],
    app_id_hex: &str,
    timestamp: u64,
    now: u64,
    max_age: u64,
    trusted_keys: &[[u8; 33]],
) -> Result<[u8; 33]> {
    trusted(
        verify_env_encrypt_public_key(public_key, signature, app_id_hex, timestamp, now, max_age)?,
        trusted_keys,
    )
}

/// [`verify_env_encrypt_public_key_legacy`] and require the signer to be one of `trusted_keys`.
pub fn verify_env_encrypt_public_key_legacy_trusted(
    public_key: &[u8],
    signature: &[u8],
    app_id_hex: &str,
    trusted_keys: &[[u8; 33]],
) -> Result<[u8; 33]> {
    trusted(
        verify_env_encrypt_public_key_legacy(public_key, signature, app_id_hex)?,
        trusted_keys,
    )
}
