//! Signature-chain verification back to the KMS root (docs/PROTOCOL.md §6.1, §6.2).
//!
//! A GetKey (or Sign) response carries `signature_chain = [app_sig, kms_sig]`:
//! `app_sig` is the app key's signature over `keccak256(purpose ":" hex(pubkey))`,
//! `kms_sig` the KMS root's signature over
//! `keccak256("dstack-kms-issued:" ‖ app_id ‖ app_pubkey_compressed)`. Walking both
//! recovers the app key and the KMS key; the KMS key means something only when compared
//! with a trusted one, and `app_id` only when it is itself trusted (e.g. taken from the
//! `app-id` event of a verified quote).

use sha3::{Digest, Keccak256};

use crate::error::{Error, Result};
use crate::keys::secp256k1_recover_prehash;

/// The keys recovered from a signature chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainInfo {
    /// The app's k256 key (compressed), signer of `chain[0]`.
    pub app_key: [u8; 33],
    /// The KMS root k256 key (compressed), signer of `chain[1]`.
    pub kms_key: [u8; 33],
}

/// The message hash `chain[0]` signs: `keccak256(purpose ‖ ":" ‖ lowercase_hex(public_key))`.
pub fn key_message_hash(purpose: &str, public_key: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(purpose.as_bytes());
    h.update(b":");
    let mut buf = [0u8; 2];
    for b in public_key {
        // Two bytes always fit.
        if let Ok(t) = crate::hex::encode(&[*b], &mut buf) {
            h.update(t.as_bytes());
        }
    }
    h.finalize().into()
}

/// The message hash `chain[1]` signs: `keccak256("dstack-kms-issued:" ‖ app_id ‖ app_key)`.
pub fn app_key_message_hash(app_id: &[u8], app_key: &[u8; 33]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(b"dstack-kms-issued:");
    h.update(app_id);
    h.update(app_key);
    h.finalize().into()
}

/// Verifies a GetKey/Sign signature chain for `public_key` (33-byte compressed secp256k1
/// or 32-byte ed25519) and `purpose`. Returns the recovered app and KMS keys; if
/// `trusted_kms` is given, the KMS key must equal it (`VerificationFailed` otherwise).
/// An unrecoverable signature is `VerificationFailed`; a public key of another length is
/// `InvalidArgument`.
pub fn verify_signature_chain(
    public_key: &[u8],
    purpose: &str,
    app_sig: &[u8; 65],
    kms_sig: &[u8; 65],
    app_id: &[u8],
    trusted_kms: Option<&[u8; 33]>,
) -> Result<ChainInfo> {
    match public_key.len() {
        33 => {
            k256::PublicKey::from_sec1_bytes(public_key)
                .map_err(|_| Error::InvalidArgument("bad secp256k1 public key"))?;
        }
        32 => {}
        _ => {
            return Err(Error::InvalidArgument(
                "public key must be 33 (secp256k1) or 32 (ed25519) bytes",
            ))
        }
    }
    let app_key = secp256k1_recover_prehash(&key_message_hash(purpose, public_key), app_sig)?;
    let kms_key = secp256k1_recover_prehash(&app_key_message_hash(app_id, &app_key), kms_sig)?;
    if let Some(t) = trusted_kms {
        if t != &kms_key {
            return Err(Error::VerificationFailed);
        }
    }
    Ok(ChainInfo { app_key, kms_key })
}

/// Same as [`verify_signature_chain`], deriving the public key from a GetKey `key`
/// (32 bytes) and its algorithm.
pub fn verify_getkey_chain(
    key: &[u8],
    algorithm: crate::keys::KeyAlgorithm,
    purpose: &str,
    app_sig: &[u8; 65],
    kms_sig: &[u8; 65],
    app_id: &[u8],
    trusted_kms: Option<&[u8; 33]>,
) -> Result<ChainInfo> {
    let pk = crate::keys::getkey_public_key(key, algorithm)?;
    verify_signature_chain(
        pk.as_bytes(),
        purpose,
        app_sig,
        kms_sig,
        app_id,
        trusted_kms,
    )
}
