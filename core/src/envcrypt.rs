//! Encrypted environment variables for deployment (docs/PROTOCOL.md §4.1).
//!
//! Output: lowercase hex of `ephemeral_x25519_pub(32) ‖ iv(12) ‖ AES-256-GCM(plaintext) ‖
//! tag(16)`, the X25519 shared secret used directly as the AES key, no AAD. Plaintext is
//! compact JSON `{"env":[{"key":K,"value":V},…]}` with raw UTF-8 (JSON.stringify escaping),
//! as the JS SDK writes it. Randomness (ephemeral secret, IV) comes from the caller.
//!
//! Everything happens in the caller's output buffer: the plaintext is written at its
//! place in the binary layout, encrypted in place, then the whole thing is hex-expanded
//! from the back. No allocation.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::json::{write_str, BufSink, Escaping, Sink};

const HEADER: usize = 32 + 12;
const TAG: usize = 16;

fn write_plaintext(envs: &[(&str, &str)], sink: &mut impl Sink) {
    sink.put(b"{\"env\":[");
    for (i, (k, v)) in envs.iter().enumerate() {
        if i > 0 {
            sink.put(b",");
        }
        sink.put(b"{\"key\":");
        write_str(k, Escaping::JavaScript, sink);
        sink.put(b",\"value\":");
        write_str(v, Escaping::JavaScript, sink);
        sink.put(b"}");
    }
    sink.put(b"]}");
}

/// Byte length of the JSON plaintext for `envs`.
pub fn env_plaintext_len(envs: &[(&str, &str)]) -> usize {
    let mut c = BufSink::counting();
    write_plaintext(envs, &mut c);
    c.len()
}

/// Length of the hex text [`encrypt_env_vars`] writes for `envs`.
pub fn encrypted_env_len(envs: &[(&str, &str)]) -> usize {
    2 * (HEADER + env_plaintext_len(envs) + TAG)
}

/// Parses the recipient's X25519 public key from hex (optional `0x`/`0X`).
pub fn parse_x25519_public_key(public_key_hex: &str) -> Result<[u8; 32]> {
    let hex = crate::hex::strip_0x(public_key_hex.as_bytes());
    if hex.len() % 2 != 0 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return Err(Error::InvalidHex);
    }
    if hex.len() != 64 {
        return Err(Error::InvalidArgument("X25519 public key must be 32 bytes"));
    }
    crate::hex::decode_array::<32>(hex)
}

/// Encrypts `envs` to the app's env-encryption public key and writes the hex text into
/// `out`; returns its length ([`encrypted_env_len`]). Errors: `BufferTooSmall { needed }`,
/// `InvalidHex`/`InvalidArgument` for a bad public key, `Crypto` when the shared secret is
/// all zeros (a low-order public key).
pub fn encrypt_env_vars(
    envs: &[(&str, &str)],
    public_key_hex: &str,
    ephemeral_secret: [u8; 32],
    iv: [u8; 12],
    out: &mut [u8],
) -> Result<usize> {
    let remote = PublicKey::from(parse_x25519_public_key(public_key_hex)?);
    let pt_len = env_plaintext_len(envs);
    let raw_len = HEADER + pt_len + TAG;
    let hex_len = 2 * raw_len;
    if out.len() < hex_len {
        return Err(Error::BufferTooSmall { needed: hex_len });
    }

    let secret = StaticSecret::from(ephemeral_secret);
    let eph_pub = PublicKey::from(&secret);
    let shared = secret.diffie_hellman(&remote);
    if !shared.was_contributory() {
        return Err(Error::Crypto);
    }
    let cipher = Aes256Gcm::new(shared.as_bytes().into());

    out[..32].copy_from_slice(eph_pub.as_bytes());
    out[32..HEADER].copy_from_slice(&iv);
    {
        let mut sink = BufSink::new(&mut out[HEADER..HEADER + pt_len]);
        write_plaintext(envs, &mut sink);
    }
    let body = &mut out[HEADER..HEADER + pt_len];
    let tag = match cipher.encrypt_in_place_detached(Nonce::from_slice(&iv), b"", body) {
        Ok(t) => t,
        Err(_) => {
            body.zeroize();
            return Err(Error::Crypto);
        }
    };
    out[HEADER + pt_len..raw_len].copy_from_slice(&tag);

    // Expand to hex from the back: byte i lands at 2i and 2i+1, never over an unread byte.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for i in (0..raw_len).rev() {
        let b = out[i];
        out[2 * i] = DIGITS[(b >> 4) as usize];
        out[2 * i + 1] = DIGITS[(b & 15) as usize];
    }
    Ok(hex_len)
}
