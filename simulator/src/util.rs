//! Small encoders the agent needs: hex (with the agent's lenient `0x` rule), base64 for PEM,
//! and the hash helpers.

use sha2::{Digest, Sha256, Sha384, Sha512};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex, as the agent writes every `bytes` field.
pub fn hex(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len() * 2);
    for b in data {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Decodes a hex `bytes` field the way prpc does: every leading `0x` is stripped
/// (`trim_start_matches`), then upper or lower case digits. Messages follow the `hex` crate.
pub fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim_start_matches("0x");
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if !c.is_ascii_hexdigit() {
            let ch = s[i..].chars().next().unwrap_or('?');
            return Err(format!("Invalid character {ch:?} at position {i}"));
        }
    }
    if b.len() % 2 != 0 {
        return Err("Odd number of digits".into());
    }
    let val = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    };
    Ok(b.chunks(2).map(|p| (val(p[0]) << 4) | val(p[1])).collect())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

pub fn unbase64(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' | b' ' | b'\t' => continue,
            _ => return Err(format!("invalid base64 character {:?}", c as char)),
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

/// PEM armour with 64-column lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b = base64(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for line in b.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(line).unwrap_or_default());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// The DER inside the first PEM block with this label.
pub fn unpem(label: &str, text: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("no {label} PEM block"))?
        + begin.len();
    let stop = text[start..]
        .find(&end)
        .ok_or_else(|| format!("unterminated {label} PEM block"))?;
    unbase64(&text[start..start + stop])
}

pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub fn sha384(parts: &[&[u8]]) -> [u8; 48] {
    let mut h = Sha384::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub fn keccak256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = sha3::Keccak256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// HKDF-SHA256 with salt "RATLS", as the agent's `derive_key` (PROTOCOL §6.1).
pub fn ratls_kdf(ikm: &[u8], info: &[&[u8]]) -> [u8; 32] {
    let hk = hkdf::Hkdf::<Sha256>::new(Some(b"RATLS"), ikm);
    let info: Vec<u8> = info.concat();
    let mut out = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's 255*32 limit, so expand cannot fail.
    let _ = hk.expand(&info, &mut out);
    out
}

pub fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    if getrandom::getrandom(&mut b).is_err() {
        // No entropy source: fall back to time and a counter mixed through SHA-256, so two
        // calls still differ. Only development keys come from here.
        use std::sync::atomic::{AtomicU64, Ordering};
        static CTR: AtomicU64 = AtomicU64::new(0);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let c = CTR.fetch_add(1, Ordering::Relaxed);
        b = sha256(&[&t.to_le_bytes(), &c.to_le_bytes()]);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_rules() {
        assert_eq!(unhex("0x0xAb01").unwrap(), vec![0xab, 0x01]);
        assert_eq!(unhex("").unwrap(), Vec::<u8>::new());
        assert_eq!(
            unhex("zz").unwrap_err(),
            "Invalid character 'z' at position 0"
        );
        assert_eq!(unhex("abc").unwrap_err(), "Odd number of digits");
    }

    #[test]
    fn base64_round_trip() {
        for n in 0..10 {
            let d: Vec<u8> = (0..n as u8).collect();
            assert_eq!(unbase64(&base64(&d)).unwrap(), d);
        }
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fo"), "Zm8=");
    }
}
