//! Key helpers: PEM → PKCS#8 DER, `as_uint8array`, Ethereum and Solana conversions,
//! secp256k1 and ed25519 primitives (docs/PROTOCOL.md §3, §4.4, §6).
//!
//! Semantics follow the Python SDK where the vectors README says so: `as_uint8array`
//! returns the PKCS#8 DER (exactly `max_length` bytes when given, truncated or
//! zero-padded); the TLS "secure" seed is `SHA-256(DER)`; a SEC1 `EC PRIVATE KEY` PEM is
//! a clear error rather than garbage.

use base64ct::{Base64, Encoding};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use sha3::Keccak256;

use crate::error::{Error, Result};

/// Error for a SEC1 (`-----BEGIN EC PRIVATE KEY-----`) PEM.
pub const ERR_SEC1_PEM: Error = Error::InvalidArgument(
    "SEC1 'EC PRIVATE KEY' PEM is not supported: expected PKCS#8 'PRIVATE KEY'",
);
const ERR_PEM: Error = Error::InvalidArgument("not a PKCS#8 'PRIVATE KEY' PEM");

/// Locates the base64 body of a PKCS#8 PEM (or accepts bare base64).
fn pem_body(pem: &str) -> Result<&str> {
    const BEGIN: &str = "-----BEGIN ";
    let Some(at) = pem.find(BEGIN) else {
        return Ok(pem);
    };
    let rest = &pem[at + BEGIN.len()..];
    let label_end = rest.find("-----").ok_or(ERR_PEM)?;
    match &rest[..label_end] {
        "PRIVATE KEY" => {}
        "EC PRIVATE KEY" => return Err(ERR_SEC1_PEM),
        _ => return Err(ERR_PEM),
    }
    let body = &rest[label_end + 5..];
    let end = body.find("-----END PRIVATE KEY-----").ok_or(ERR_PEM)?;
    Ok(&body[..end])
}

/// Streams the DER bytes of a PEM to `f`; returns the DER length. Whitespace anywhere in
/// the body is ignored (as the Python SDK strips newlines and spaces).
fn pem_der_stream(pem: &str, mut f: impl FnMut(&[u8])) -> Result<usize> {
    let body = pem_body(pem)?;
    let mut quad = [0u8; 4];
    let mut q = 0;
    let mut total = 0;
    let mut finished = false;
    for b in body.bytes() {
        if b.is_ascii_whitespace() {
            continue;
        }
        if finished {
            return Err(ERR_PEM);
        }
        quad[q] = b;
        q += 1;
        if q == 4 {
            let mut out = [0u8; 3];
            let d = Base64::decode(quad, &mut out).map_err(|_| ERR_PEM)?;
            f(d);
            total += d.len();
            finished = d.len() < 3;
            q = 0;
        }
    }
    if q != 0 || total == 0 {
        return Err(ERR_PEM);
    }
    Ok(total)
}

fn check_der_start(pem: &str) -> Result<usize> {
    let mut first = None;
    let n = pem_der_stream(pem, |c| {
        if first.is_none() {
            first = c.first().copied();
        }
    })?;
    if first != Some(0x30) {
        return Err(Error::InvalidArgument("PEM body is not a DER SEQUENCE"));
    }
    Ok(n)
}

/// Length of the PKCS#8 DER inside `pem`.
pub fn pem_der_len(pem: &str) -> Result<usize> {
    check_der_start(pem)
}

/// Decodes a PKCS#8 `PRIVATE KEY` PEM (or bare base64) into `out`; returns the DER length.
pub fn pem_to_der(pem: &str, out: &mut [u8]) -> Result<usize> {
    let n = check_der_start(pem)?;
    if out.len() < n {
        return Err(Error::BufferTooSmall { needed: n });
    }
    let mut at = 0;
    pem_der_stream(pem, |c| {
        out[at..at + c.len()].copy_from_slice(c);
        at += c.len();
    })?;
    Ok(n)
}

/// `GetTlsKeyResponse.as_uint8array(max_length)` (Python semantics): the DER of the key;
/// with `Some(n)`, exactly `n` bytes (truncated, or zero-padded). Returns the length written.
pub fn as_uint8array(pem: &str, max_length: Option<usize>, out: &mut [u8]) -> Result<usize> {
    let der_len = check_der_start(pem)?;
    let n = max_length.unwrap_or(der_len);
    if out.len() < n {
        return Err(Error::BufferTooSmall { needed: n });
    }
    out[..n].fill(0);
    let mut at = 0;
    pem_der_stream(pem, |c| {
        let take = c.len().min(n.saturating_sub(at));
        if take > 0 {
            out[at..at + take].copy_from_slice(&c[..take]);
        }
        at += c.len();
    })?;
    Ok(n)
}

/// The legacy TLS seed (`as_uint8array(32)`): the first 32 bytes of the DER. For the
/// agent's P-256 keys this is a constant header, **not secret** (docs/PROTOCOL.md §3).
pub fn tls_seed(pem: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    as_uint8array(pem, Some(32), &mut out)?;
    Ok(out)
}

/// The secure TLS seed: `SHA-256(DER)`.
pub fn tls_secure_seed(pem: &str) -> Result<[u8; 32]> {
    check_der_start(pem)?;
    let mut h = Sha256::new();
    pem_der_stream(pem, |c| h.update(c))?;
    Ok(h.finalize().into())
}

/// [`tls_secure_seed`] when `secure`, else the legacy [`tls_seed`].
fn tls_seed_for(pem: &str, secure: bool) -> Result<[u8; 32]> {
    if secure {
        tls_secure_seed(pem)
    } else {
        tls_seed(pem)
    }
}

// ---------------------------------------------------------------------------------
// secp256k1

fn signing_key(secret: &[u8]) -> Result<SigningKey> {
    if secret.len() != 32 {
        return Err(Error::InvalidArgument(
            "secp256k1 private key must be 32 bytes",
        ));
    }
    SigningKey::from_slice(secret).map_err(|_| Error::Crypto)
}

/// Compressed (33 B) secp256k1 public key of a 32-byte secret. Zero or ≥ n is `Crypto`.
pub fn secp256k1_public_key(secret: &[u8]) -> Result<[u8; 33]> {
    let sk = signing_key(secret)?;
    let p = sk.verifying_key().to_encoded_point(true);
    p.as_bytes().try_into().map_err(|_| Error::Crypto)
}

/// Uncompressed (65 B, `04‖x‖y`) secp256k1 public key of a 32-byte secret.
pub fn secp256k1_public_key_uncompressed(secret: &[u8]) -> Result<[u8; 65]> {
    let sk = signing_key(secret)?;
    let p = sk.verifying_key().to_encoded_point(false);
    p.as_bytes().try_into().map_err(|_| Error::Crypto)
}

/// Signs a 32-byte prehash: 65 bytes `r‖s‖v`, low-S, `v ∈ {0,1}` (the agent's format).
pub fn secp256k1_sign_prehash(secret: &[u8], prehash: &[u8; 32]) -> Result<[u8; 65]> {
    let sk = signing_key(secret)?;
    let (sig, recid) = sk
        .sign_prehash_recoverable(prehash)
        .map_err(|_| Error::Crypto)?;
    let (sig, recid) = match sig.normalize_s() {
        Some(low) => (
            low,
            RecoveryId::new(!recid.is_y_odd(), recid.is_x_reduced()),
        ),
        None => (sig, recid),
    };
    let mut out = [0u8; 65];
    out[..64].copy_from_slice(&sig.to_bytes());
    out[64] = recid.to_byte();
    Ok(out)
}

/// Recovers the compressed signer key from a 65-byte `r‖s‖v` signature over `prehash`.
/// `v` must be 0 or 1 (27/28 and 2/3 are rejected, as the Python SDK does); a high-S
/// signature is normalized first (same signer). Failure is `VerificationFailed`.
pub fn secp256k1_recover_prehash(prehash: &[u8; 32], signature: &[u8]) -> Result<[u8; 33]> {
    if signature.len() != 65 {
        return Err(Error::InvalidArgument(
            "recoverable signature must be 65 bytes",
        ));
    }
    let v = signature[64];
    if v > 1 {
        return Err(Error::VerificationFailed);
    }
    let sig = Signature::from_slice(&signature[..64]).map_err(|_| Error::VerificationFailed)?;
    let mut recid = RecoveryId::new(v == 1, false);
    let sig = match sig.normalize_s() {
        Some(low) => {
            recid = RecoveryId::new(v == 0, false);
            low
        }
        None => sig,
    };
    let vk = VerifyingKey::recover_from_prehash(prehash, &sig, recid)
        .map_err(|_| Error::VerificationFailed)?;
    vk.to_encoded_point(true)
        .as_bytes()
        .try_into()
        .map_err(|_| Error::VerificationFailed)
}

/// Verifies a 64-byte `r‖s` ECDSA signature over a 32-byte prehash with a SEC1 public key
/// (33 or 65 bytes). High-S signatures are rejected.
pub fn secp256k1_verify_prehash(
    public_key: &[u8],
    prehash: &[u8; 32],
    signature: &[u8],
) -> Result<()> {
    use k256::ecdsa::signature::hazmat::PrehashVerifier;
    let vk = VerifyingKey::from_sec1_bytes(public_key)
        .map_err(|_| Error::InvalidArgument("bad secp256k1 public key"))?;
    let sig = Signature::from_slice(signature).map_err(|_| Error::VerificationFailed)?;
    vk.verify_prehash(prehash, &sig)
        .map_err(|_| Error::VerificationFailed)
}

/// Keccak-256.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

// ---------------------------------------------------------------------------------
// ed25519

/// ed25519 public key of a 32-byte seed.
pub fn ed25519_public_key(seed: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(seed)
        .verifying_key()
        .to_bytes()
}

/// ed25519 signature of `msg` with the key of `seed`.
pub fn ed25519_sign(seed: &[u8; 32], msg: &[u8]) -> [u8; 64] {
    use ed25519_dalek::Signer;
    ed25519_dalek::SigningKey::from_bytes(seed)
        .sign(msg)
        .to_bytes()
}

/// Verifies an ed25519 signature (RFC 8032 cofactorless, as the agent's `Verify` did).
pub fn ed25519_verify(public_key: &[u8], msg: &[u8], signature: &[u8]) -> Result<()> {
    let pk: &[u8; 32] = public_key
        .try_into()
        .map_err(|_| Error::InvalidArgument("ed25519 public key must be 32 bytes"))?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(pk)
        .map_err(|_| Error::InvalidArgument("bad ed25519 public key"))?;
    let sig =
        ed25519_dalek::Signature::from_slice(signature).map_err(|_| Error::VerificationFailed)?;
    use ed25519_dalek::Verifier;
    vk.verify(msg, &sig).map_err(|_| Error::VerificationFailed)
}

// ---------------------------------------------------------------------------------
// Local signature verification (the agent's removed `Verify` RPC)

/// Verifies `signature` by `public_key` over `data` with the semantics of the agent's
/// `Verify` RPC (docs/PROTOCOL.md §2.1), which upstream removed in favour of local checks:
///
/// - `ed25519`: 32-byte public key, 64-byte signature, RFC 8032 (non-strict, as the agent).
/// - `secp256k1` / `k256`: ECDSA over `SHA-256(data)`; SEC1 public key (33 bytes
///   compressed or 65 bytes uncompressed); 64-byte `r‖s` signature (a 65-byte `r‖s‖v`
///   is rejected, as the agent does; high-S is a well-formed mismatch, `false`).
/// - `secp256k1_prehashed`: `data` must be the 32-byte digest itself.
///
/// `Ok(true)`/`Ok(false)` for a well-formed signature that does / does not verify;
/// `InvalidArgument` for an unknown algorithm, a malformed key or signature, or a
/// prehashed `data` that is not 32 bytes (where the agent answered 400).
pub fn verify_signature(
    algorithm: &str,
    data: &[u8],
    signature: &[u8],
    public_key: &[u8],
) -> Result<bool> {
    match algorithm {
        "ed25519" => {
            if signature.len() != 64 {
                return Err(Error::InvalidArgument("ed25519 signature must be 64 bytes"));
            }
            match ed25519_verify(public_key, data, signature) {
                Ok(()) => Ok(true),
                Err(Error::VerificationFailed) => Ok(false),
                Err(e) => Err(e),
            }
        }
        "secp256k1" | "k256" | "secp256k1_prehashed" => {
            if public_key.len() != 33 && public_key.len() != 65 {
                return Err(Error::InvalidArgument(
                    "secp256k1 public key must be 33 bytes (compressed) or 65 bytes (uncompressed)",
                ));
            }
            if signature.len() != 64 {
                return Err(Error::InvalidArgument(
                    "secp256k1 signature must be 64 bytes (r||s, without a recovery byte)",
                ));
            }
            if Signature::from_slice(signature).is_err() {
                return Err(Error::InvalidArgument(
                    "malformed secp256k1 signature: r or s is zero or not below the group order",
                ));
            }
            let digest: [u8; 32] = if algorithm == "secp256k1_prehashed" {
                data.try_into().map_err(|_| {
                    Error::InvalidArgument("secp256k1_prehashed data must be a 32-byte digest")
                })?
            } else {
                Sha256::digest(data).into()
            };
            match secp256k1_verify_prehash(public_key, &digest, signature) {
                Ok(()) => Ok(true),
                Err(Error::VerificationFailed) => Ok(false),
                Err(e) => Err(e),
            }
        }
        _ => Err(Error::InvalidArgument(
            "unsupported signature algorithm: expected ed25519, secp256k1, k256 or secp256k1_prehashed",
        )),
    }
}

// ---------------------------------------------------------------------------------
// GetKey public keys

/// The algorithms GetKey accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// secp256k1 (`""`, `"secp256k1"`, `"k256"`).
    Secp256k1,
    /// ed25519 (`"ed25519"`).
    Ed25519,
}

impl KeyAlgorithm {
    /// Parses the `algorithm` field of a GetKey request.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "" | "secp256k1" | "k256" => Ok(KeyAlgorithm::Secp256k1),
            "ed25519" => Ok(KeyAlgorithm::Ed25519),
            _ => Err(Error::InvalidArgument("unsupported key algorithm")),
        }
    }
}

/// A public key of either algorithm: 33 bytes (secp256k1 compressed) or 32 (ed25519).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    bytes: [u8; 33],
    len: usize,
}

impl PublicKey {
    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The public key of a GetKey result (`key`, 32 bytes) for `algorithm`.
pub fn getkey_public_key(key: &[u8], algorithm: KeyAlgorithm) -> Result<PublicKey> {
    let mut bytes = [0u8; 33];
    match algorithm {
        KeyAlgorithm::Secp256k1 => {
            bytes = secp256k1_public_key(key)?;
            Ok(PublicKey { bytes, len: 33 })
        }
        KeyAlgorithm::Ed25519 => {
            let seed: &[u8; 32] = key
                .try_into()
                .map_err(|_| Error::InvalidArgument("ed25519 seed must be 32 bytes"))?;
            bytes[..32].copy_from_slice(&ed25519_public_key(seed));
            Ok(PublicKey { bytes, len: 32 })
        }
    }
}

// ---------------------------------------------------------------------------------
// Ethereum

/// Ethereum address (20 bytes) of a 32-byte secp256k1 secret.
pub fn ethereum_address(secret: &[u8]) -> Result<[u8; 20]> {
    let pubkey = secp256k1_public_key_uncompressed(secret)?;
    let h = keccak256(&pubkey[1..]);
    let mut a = [0u8; 20];
    a.copy_from_slice(&h[12..]);
    Ok(a)
}

/// EIP-55 checksummed text of an address: `0x` + 40 mixed-case hex digits.
pub fn ethereum_checksum(address: &[u8; 20]) -> [u8; 42] {
    let mut lower = [0u8; 40];
    // 40 bytes is exactly enough for 20 bytes of hex.
    let _ = crate::hex::encode(address, &mut lower);
    let h = keccak256(&lower);
    let mut out = [0u8; 42];
    out[0] = b'0';
    out[1] = b'x';
    for (i, &c) in lower.iter().enumerate() {
        let nib = (h[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0xf;
        out[2 + i] = if c.is_ascii_alphabetic() && nib >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        };
    }
    out
}

/// `to_account` / `to_account_secure` for a GetKey key (identical: the key is the secret).
/// Returns the checksummed address text.
pub fn ethereum_account_from_key(key: &[u8]) -> Result<[u8; 42]> {
    Ok(ethereum_checksum(&ethereum_address(key)?))
}

/// `to_account` (legacy, `secure = false`: first 32 DER bytes — a constant for P-256
/// keys, avoid) or `to_account_secure` (`secure = true`: `SHA-256(DER)`) for a TLS key PEM.
pub fn ethereum_account_from_tls(pem: &str, secure: bool) -> Result<[u8; 42]> {
    ethereum_account_from_key(&tls_seed_for(pem, secure)?)
}

// ---------------------------------------------------------------------------------
// Solana

/// A Solana (ed25519) keypair.
#[derive(Clone)]
pub struct SolanaKeypair {
    /// 64-byte secret: seed ‖ public key (Solana's format).
    pub secret: [u8; 64],
    /// Public key.
    pub public: [u8; 32],
}

impl Drop for SolanaKeypair {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret.zeroize();
    }
}

impl SolanaKeypair {
    /// Base58 of the public key into `out` (at most 44 characters); returns the text.
    pub fn public_base58<'o>(&self, out: &'o mut [u8; 44]) -> Result<&'o str> {
        let n = bs58::encode(&self.public)
            .onto(&mut out[..])
            .map_err(|_| Error::BufferTooSmall { needed: 44 })?;
        core::str::from_utf8(&out[..n]).map_err(|_| Error::Crypto)
    }
}

/// `to_keypair` / `to_keypair_secure` for a GetKey key: ed25519 keypair from the 32-byte seed.
pub fn solana_keypair(seed: &[u8]) -> Result<SolanaKeypair> {
    let seed: &[u8; 32] = seed
        .try_into()
        .map_err(|_| Error::InvalidArgument("ed25519 seed must be 32 bytes"))?;
    let public = ed25519_public_key(seed);
    let mut secret = [0u8; 64];
    secret[..32].copy_from_slice(seed);
    secret[32..].copy_from_slice(&public);
    Ok(SolanaKeypair { secret, public })
}

/// `to_keypair` (`secure = false`, first 32 DER bytes) or `to_keypair_secure`
/// (`SHA-256(DER)`) for a TLS key PEM.
pub fn solana_keypair_from_tls(pem: &str, secure: bool) -> Result<SolanaKeypair> {
    solana_keypair(&tls_seed_for(pem, secure)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::hex::decode_array;

    // Produced by OpenSSL (Python `cryptography` 48, an independent implementation):
    // secret 0x11..11, ECDSA-SHA256 over MSG, s normalized to the low half.
    const MSG: &[u8] = b"libdstack verify_signature";
    const K_PUB33: &str = "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa";
    const K_PUB65: &str = "044f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa385b6b1b8ead809ca67454d9683fcf2ba03456d6fe2c4abe2b07f0fbdbb2f1c1";
    const K_SIG: &str = "9baabfe7613ab35770442877e0ccd6c0b6a829418ddfff42f32392cf916e7151332445d62e59c2fe9a6b5b26f0d3866e22c0ce829c3e8b2623fe67c47d116363";
    // SHA-256(MSG).
    const MSG_SHA256: &str = "cf9284e65ef9dc55a508390a5f4a8a3f2b733d57f6e55d479813ae515e3b8099";
    // RFC 8032 §7.1, TEST 1 (empty message).
    const E_PUB: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const E_SIG: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    #[test]
    fn verify_signature_secp256k1() {
        let pub33: [u8; 33] = decode_array(K_PUB33.as_bytes()).unwrap();
        let pub65: [u8; 65] = decode_array(K_PUB65.as_bytes()).unwrap();
        let sig: [u8; 64] = decode_array(K_SIG.as_bytes()).unwrap();
        let digest: [u8; 32] = decode_array(MSG_SHA256.as_bytes()).unwrap();
        for alg in ["secp256k1", "k256"] {
            assert_eq!(verify_signature(alg, MSG, &sig, &pub33), Ok(true));
            assert_eq!(verify_signature(alg, MSG, &sig, &pub65), Ok(true));
            assert_eq!(verify_signature(alg, b"other", &sig, &pub33), Ok(false));
        }
        assert_eq!(
            verify_signature("secp256k1_prehashed", &digest, &sig, &pub33),
            Ok(true)
        );
        assert_eq!(
            verify_signature("secp256k1_prehashed", &[0; 32], &sig, &pub33),
            Ok(false)
        );
        assert!(matches!(
            verify_signature("secp256k1_prehashed", MSG, &sig, &pub33),
            Err(Error::InvalidArgument(_))
        ));
        let mut flipped = sig;
        flipped[10] ^= 1;
        assert_eq!(
            verify_signature("secp256k1", MSG, &flipped, &pub33),
            Ok(false)
        );
        // The high-S twin (n - s) is well-formed but rejected, as by the agent's k256.
        let n: [u8; 32] =
            decode_array(b"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
                .unwrap();
        let mut high = sig;
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = i16::from(n[i]) - i16::from(sig[32 + i]) - borrow;
            high[32 + i] = d.rem_euclid(256) as u8;
            borrow = i16::from(d < 0);
        }
        assert_eq!(verify_signature("secp256k1", MSG, &high, &pub33), Ok(false));
        // Malformed input is an error, not `false`.
        // A SEC1 tag that does not exist, and an x coordinate not below p.
        let mut bad_key = pub33;
        bad_key[0] = 0x08;
        let mut off_field = [0xffu8; 33];
        off_field[0] = 0x02;
        for (s, k) in [
            (&sig[..], &bad_key[..]),
            (&sig[..], &off_field[..]),
            (&sig[..], &pub33[..32]),
            (&sig[..63], &pub33[..]),
            (&[0u8; 64][..], &pub33[..]),
            (&[0xff; 64][..], &pub33[..]),
        ] {
            let got = verify_signature("secp256k1", MSG, s, k);
            assert!(
                matches!(got, Err(Error::InvalidArgument(_))),
                "{got:?} for {} B sig, {} B key",
                s.len(),
                k.len()
            );
        }
        let mut with_v = [0u8; 65];
        with_v[..64].copy_from_slice(&sig);
        assert!(matches!(
            verify_signature("secp256k1", MSG, &with_v, &pub33),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn verify_signature_ed25519_and_unknown() {
        let pk: [u8; 32] = decode_array(E_PUB.as_bytes()).unwrap();
        let sig: [u8; 64] = decode_array(E_SIG.as_bytes()).unwrap();
        assert_eq!(verify_signature("ed25519", b"", &sig, &pk), Ok(true));
        assert_eq!(verify_signature("ed25519", b"x", &sig, &pk), Ok(false));
        assert!(matches!(
            verify_signature("ed25519", b"", &sig[..63], &pk),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            verify_signature("ed25519", b"", &sig, &pk[..31]),
            Err(Error::InvalidArgument(_))
        ));
        for alg in ["", "Ed25519", "p256", "secp256k1 "] {
            assert!(matches!(
                verify_signature(alg, b"", &sig, &pk),
                Err(Error::InvalidArgument(_))
            ));
        }
    }
}
