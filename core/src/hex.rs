//! Hex encoding and decoding into caller buffers.
//!
//! The agent writes bytes as lowercase hex and accepts an optional `0x` prefix on input
//! (docs/PROTOCOL.md §1.2); both directions live here so every module agrees.

use crate::error::{Error, Result};

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Strips one leading `0x` or `0X`.
pub fn strip_0x(s: &[u8]) -> &[u8] {
    match s {
        [b'0', b'x' | b'X', rest @ ..] => rest,
        _ => s,
    }
}

/// The value of each hex digit; 0xff for every other byte.
const NIBBLE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Number of bytes `hex` decodes to, or `InvalidHex` for an odd length.
pub fn decoded_len(hex: &[u8]) -> Result<usize> {
    if hex.len() % 2 != 0 {
        return Err(Error::InvalidHex);
    }
    Ok(hex.len() / 2)
}

/// Decodes `hex` (no prefix handling) into the front of `out`, returning the decoded part.
pub fn decode<'o>(hex: &[u8], out: &'o mut [u8]) -> Result<&'o mut [u8]> {
    let n = decoded_len(hex)?;
    if out.len() < n {
        return Err(Error::BufferTooSmall { needed: n });
    }
    // Table lookups, one check at the end: no branch per digit.
    let mut bad = 0u8;
    for (o, pair) in out[..n].iter_mut().zip(hex.chunks_exact(2)) {
        let (hi, lo) = (NIBBLE[usize::from(pair[0])], NIBBLE[usize::from(pair[1])]);
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 0x0f);
    }
    if bad & 0xf0 != 0 {
        return Err(Error::InvalidHex);
    }
    Ok(&mut out[..n])
}

/// Decodes `hex` into exactly `N` bytes.
pub fn decode_array<const N: usize>(hex: &[u8]) -> Result<[u8; N]> {
    if hex.len() != 2 * N {
        return Err(Error::InvalidHex);
    }
    let mut out = [0u8; N];
    decode(hex, &mut out)?;
    Ok(out)
}

/// Writes lowercase hex of `bytes` into the front of `out`, returning the text.
pub fn encode<'o>(bytes: &[u8], out: &'o mut [u8]) -> Result<&'o str> {
    let n = bytes.len() * 2;
    if out.len() < n {
        return Err(Error::BufferTooSmall { needed: n });
    }
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[(b >> 4) as usize];
        out[2 * i + 1] = DIGITS[(b & 15) as usize];
    }
    // Only ASCII hex digits were written.
    core::str::from_utf8(&out[..n]).map_err(|_| Error::InvalidHex)
}

/// A `Display` adapter that prints bytes as lowercase hex without a buffer.
pub struct Hex<'a>(pub &'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            let pair = [DIGITS[(b >> 4) as usize], DIGITS[(b & 15) as usize]];
            // Both bytes are ASCII digits.
            f.write_str(core::str::from_utf8(&pair).map_err(|_| core::fmt::Error)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut buf = [0u8; 8];
        assert_eq!(encode(&[0xde, 0xad, 0x01], &mut buf).unwrap(), "dead01");
        let mut out = [0u8; 3];
        assert_eq!(decode(b"DEad01", &mut out).unwrap(), &[0xde, 0xad, 0x01]);
        assert_eq!(decode(b"abc", &mut out), Err(Error::InvalidHex));
        assert_eq!(decode(b"zz", &mut out), Err(Error::InvalidHex));
        assert_eq!(
            decode(b"00112233", &mut out),
            Err(Error::BufferTooSmall { needed: 4 })
        );
        assert_eq!(strip_0x(b"0Xab"), b"ab");
        assert_eq!(decode_array::<2>(b"0102").unwrap(), [1, 2]);
    }

    #[test]
    fn every_byte_as_either_digit() {
        let value = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut out = [0u8; 1];
        for c in 0..=255u8 {
            for (pair, hi, lo) in [
                ([c, b'7'], value(c), Some(7)),
                ([b'7', c], Some(7), value(c)),
            ] {
                match (hi, lo) {
                    (Some(h), Some(l)) => {
                        assert_eq!(decode(&pair, &mut out).unwrap(), &[h << 4 | l])
                    }
                    _ => assert_eq!(decode(&pair, &mut out), Err(Error::InvalidHex), "{pair:?}"),
                }
            }
        }
    }
}
