//! Small helpers: hex (with the agent's lenient `0x` rule) and PEM over the `hex` and
//! `pem-rfc7468` crates, and the hash, KDF and randomness helpers.

use sha2::{Digest, Sha256, Sha384, Sha512};

/// Lowercase hex, as the agent writes every `bytes` field.
pub fn hex(data: &[u8]) -> String {
    hex::encode(data)
}

/// Decodes a hex `bytes` field the way prpc does: every leading `0x` is stripped
/// (`trim_start_matches`), then the `hex` crate decodes upper or lower case digits, so the
/// error messages are the agent's (`Invalid character 'z' at position 0`, `Odd number of digits`).
pub fn unhex(s: &str) -> Result<Vec<u8>, String> {
    hex::decode(s.trim_start_matches("0x")).map_err(|e| e.to_string())
}

/// PEM armour (RFC 7468, 64-column lines, LF).
pub fn pem(label: &str, der: &[u8]) -> Result<String, String> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der)
        .map_err(|e| format!("PEM encoding: {e}"))
}

/// The DER inside the first PEM block with this label; text around the block is ignored.
pub fn unpem(label: &str, text: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("no {label} PEM block"))?;
    let stop = text[start..]
        .find(&end)
        .ok_or_else(|| format!("unterminated {label} PEM block"))?;
    let block = &text[start..start + stop + end.len()];
    let (_, der) =
        pem_rfc7468::decode_vec(block.as_bytes()).map_err(|e| format!("{label} PEM: {e}"))?;
    Ok(der)
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
    fn pem_round_trip() {
        // RFC 7468 §5.1 layout: 64-column lines, LF, label lines.
        let der: Vec<u8> = (0..100u8).collect();
        let p = pem("CERTIFICATE", &der).unwrap();
        let lines: Vec<&str> = p.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
        let framed = format!("junk before\n{p}junk after");
        assert_eq!(unpem("CERTIFICATE", &framed).unwrap(), der);
        assert!(unpem("PRIVATE KEY", &p)
            .unwrap_err()
            .contains("no PRIVATE KEY"));
        assert!(unpem("CERTIFICATE", &p.replacen("AAEC", "AA*C", 1)).is_err());
    }
}
