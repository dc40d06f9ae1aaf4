//! Key helpers: Ethereum and Solana conversions of derived keys, secp256k1 and ed25519
//! primitives, and the bytes of TLS keys. Key material comes back as [`SecretBytes`]
//! (wiped on drop, redacted by `Debug`).
//!
//! ```
//! use libdstack::keys;
//! // docs/PROTOCOL.md §6.1: GetKey("a", "p") of the simulator's fixture keys.
//! let key = libdstack::HexBytes::from_hex(
//!     "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94")?;
//! let address = keys::ethereum_address(&key)?;
//! assert!(address.starts_with("0x") && address.len() == 42);
//! let solana = keys::solana_keypair(&key)?;
//! assert_eq!(solana.secret_key.len(), 64);
//! # Ok::<(), libdstack::Error>(())
//! ```

use crate::error::{Error, ErrorKind, Result};
use crate::secret::{HexBytes, SecretBytes};
use dstack_core::keys;
use std::fmt;

fn secret32<'a>(key: &'a [u8], what: &str) -> Result<&'a [u8; 32]> {
    key.try_into()
        .map_err(|_| Error::invalid(format!("{what} must be 32 bytes, got {}", key.len())))
}

/// The EIP-55 checksummed Ethereum address (`0x` + 40 hex digits) of a 32-byte secp256k1
/// secret key (GetKey's `key`). An invalid scalar (zero, or not below the group order)
/// is [`ErrorKind::Crypto`].
pub fn ethereum_address(secret_key: &[u8]) -> Result<String> {
    let a = keys::ethereum_account_from_key(secret_key)
        .map_err(|e| Error::from_core("secp256k1 key", e))?;
    Ok(String::from_utf8_lossy(&a).into_owned())
}

/// The Ethereum address of a TLS key (PEM): with `secure`, of `SHA-256(DER)` (the
/// official SDKs' `to_account_secure`); without, of the first 32 DER bytes (their legacy
/// `to_account`, a constant for P-256 keys: avoid).
pub fn ethereum_address_from_tls(pem: &str, secure: bool) -> Result<String> {
    let a =
        keys::ethereum_account_from_tls(pem, secure).map_err(|e| Error::from_core("TLS key", e))?;
    Ok(String::from_utf8_lossy(&a).into_owned())
}

/// The secp256k1 public key of a 32-byte secret: 33 bytes compressed, or 65 bytes
/// uncompressed (`04‖x‖y`).
pub fn secp256k1_public_key(secret_key: &[u8], compressed: bool) -> Result<HexBytes> {
    let r = if compressed {
        keys::secp256k1_public_key(secret_key).map(|k| k.to_vec())
    } else {
        keys::secp256k1_public_key_uncompressed(secret_key).map(|k| k.to_vec())
    };
    r.map(HexBytes::new)
        .map_err(|e| Error::from_core("secp256k1 key", e))
}

/// Signs a 32-byte prehash with a secp256k1 secret: deterministic (RFC 6979), low-S,
/// 65 bytes `r‖s‖v` with `v` in {0, 1} (the agent's format).
pub fn secp256k1_sign_prehash(secret_key: &[u8], hash: &[u8; 32]) -> Result<HexBytes> {
    keys::secp256k1_sign_prehash(secret_key, hash)
        .map(HexBytes::from)
        .map_err(|e| Error::from_core("secp256k1 sign", e))
}

/// The ed25519 public key of a 32-byte seed.
pub fn ed25519_public_key(seed: &[u8]) -> Result<HexBytes> {
    Ok(keys::ed25519_public_key(secret32(seed, "ed25519 seed")?).into())
}

/// Signs `message` with the ed25519 key of a 32-byte seed (RFC 8032): 64 bytes.
pub fn ed25519_sign(seed: &[u8], message: &[u8]) -> Result<HexBytes> {
    Ok(keys::ed25519_sign(secret32(seed, "ed25519 seed")?, message).into())
}

/// A Solana (ed25519) keypair. `Debug` does not show the secret; it is wiped on drop.
#[derive(Clone)]
#[non_exhaustive]
pub struct SolanaKeypair {
    /// The 64-byte secret key in Solana's format: seed ‖ public key.
    pub secret_key: SecretBytes,
    /// The 32-byte public key.
    pub public_key: HexBytes,
    /// The public key in base58: the account address.
    pub address: String,
}

impl fmt::Debug for SolanaKeypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SolanaKeypair")
            .field("secret_key", &self.secret_key)
            .field("address", &self.address)
            .finish()
    }
}

fn solana(kp: dstack_core::Result<keys::SolanaKeypair>, what: &str) -> Result<SolanaKeypair> {
    let kp = kp.map_err(|e| Error::from_core(what, e))?;
    let mut b58 = [0u8; 44];
    let address = kp
        .public_base58(&mut b58)
        .map_err(|e| Error::from_core("base58", e))?
        .to_string();
    Ok(SolanaKeypair {
        secret_key: SecretBytes::new(kp.secret.to_vec()),
        public_key: kp.public.into(),
        address,
    })
}

/// The Solana keypair of a 32-byte ed25519 seed (GetKey's `key`).
pub fn solana_keypair(seed: &[u8]) -> Result<SolanaKeypair> {
    solana(keys::solana_keypair(seed), "ed25519 seed")
}

/// The Solana keypair of a TLS key (PEM): `secure` as for [`ethereum_address_from_tls`].
pub fn solana_keypair_from_tls(pem: &str, secure: bool) -> Result<SolanaKeypair> {
    solana(keys::solana_keypair_from_tls(pem, secure), "TLS key")
}

/// The PKCS#8 DER of a TLS key PEM: all of it, or exactly `max_length` bytes (truncated
/// or zero-padded), as the official Python SDK's `as_uint8array`.
pub fn tls_key_der(pem: &str, max_length: Option<usize>) -> Result<SecretBytes> {
    let needed = match keys::as_uint8array(pem, max_length, &mut []) {
        Ok(n) => n,
        Err(dstack_core::Error::BufferTooSmall { needed }) => needed,
        Err(e) => return Err(Error::from_core("TLS key", e)),
    };
    if needed > (1 << 24) {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!("max_length {needed} exceeds 16 MiB"),
        ));
    }
    let mut out = SecretBytes::new(vec![0u8; needed]);
    let n = keys::as_uint8array(pem, max_length, &mut out.0)
        .map_err(|e| Error::from_core("TLS key", e))?;
    out.0.truncate(n);
    Ok(out)
}

/// SHA-256 of the PKCS#8 DER of a TLS key PEM (32 bytes): the official SDKs' secure seed.
pub fn tls_secure_seed(pem: &str) -> Result<SecretBytes> {
    let s = keys::tls_secure_seed(pem).map_err(|e| Error::from_core("TLS key", e))?;
    Ok(SecretBytes::new(s.to_vec()))
}

/// One DER element: (tag, content, rest).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, b) = b.split_first()?;
    let (&l0, mut b) = b.split_first()?;
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 3 || b.len() < n {
            return None;
        }
        let len = b[..n]
            .iter()
            .fold(0usize, |a, x| (a << 8) | usize::from(*x));
        b = &b[n..];
        len
    };
    if b.len() < len {
        return None;
    }
    Some((tag, &b[..len], &b[len..]))
}

/// id-ecPublicKey (1.2.840.10045.2.1) and prime256v1 (1.2.840.10045.3.1.7).
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

fn scalar_of(der: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = tlv(der)? else {
        return None;
    };
    let (0x02, _version, rest) = tlv(info)? else {
        return None;
    };
    let (0x30, alg, rest) = tlv(rest)? else {
        return None;
    };
    let (0x06, oid, params) = tlv(alg)? else {
        return None;
    };
    let (0x06, curve, _) = tlv(params)? else {
        return None;
    };
    if oid != EC_PUBLIC_KEY || curve != PRIME256V1 {
        return None;
    }
    let (0x04, ec_key, _) = tlv(rest)? else {
        return None;
    };
    let (0x30, ec, _) = tlv(ec_key)? else {
        return None;
    };
    let (0x02, _v, rest) = tlv(ec)? else {
        return None;
    };
    let (0x04, scalar, _) = tlv(rest)? else {
        return None;
    };
    (scalar.len() == 32).then_some(scalar)
}

/// The raw 32-byte private scalar of a P-256 TLS key (PEM PKCS#8).
pub fn p256_scalar(pem: &str) -> Result<SecretBytes> {
    let der = tls_key_der(pem, None)?;
    scalar_of(&der)
        .map(|s| SecretBytes::new(s.to_vec()))
        .ok_or_else(|| Error::invalid("TLS key: not a PKCS#8 P-256 private key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p256_scalar_of_a_pkcs8_key() {
        // PKCS#8 of the P-256 scalar 0x01..20 (RFC 5915 inside RFC 5208), no public key.
        let mut der = vec![
            0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
            0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27,
            0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
        ];
        der.extend(1u8..=32);
        assert_eq!(
            scalar_of(&der).map(<[u8]>::to_vec),
            Some((1u8..=32).collect())
        );
        der[20] ^= 1;
        assert_eq!(scalar_of(&der), None);
        assert_eq!(scalar_of(&[0x30, 0x81]), None);
    }
}
