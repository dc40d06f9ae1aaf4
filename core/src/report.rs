//! Legacy tappd report-data hashing (`Tappd.TdxQuote`, docs/PROTOCOL.md §2.2).
//!
//! `report_data64 = H(tag ‖ ":" ‖ report_data)` zero-padded to 64 bytes, with
//! `tag = prefix` if non-empty else `"app-data"` (the ":" is always appended, so a prefix
//! `"app-data:"` hashes `"app-data::…"`), and `H` one of the algorithms below (`""` means
//! sha512). `raw` passes exactly 64 bytes through.

use sha2::{Digest, Sha256, Sha384, Sha512};
use sha3::{Keccak256, Keccak384, Keccak512, Sha3_256, Sha3_384, Sha3_512};

use crate::error::{Error, Result};

/// Tag used when the prefix is empty.
pub const DEFAULT_TAG: &str = "app-data";

fn hashed<D: Digest>(tag: &str, data: &[u8]) -> [u8; 64] {
    let mut h = D::new();
    h.update(tag.as_bytes());
    h.update(b":");
    h.update(data);
    let d = h.finalize();
    let mut out = [0u8; 64];
    out[..d.len()].copy_from_slice(&d);
    out
}

/// The algorithm name the agent reports for a request's `hash_algorithm` (`""` → `sha512`),
/// or `InvalidArgument` for an unknown one.
pub fn effective_algorithm(hash_algorithm: &str) -> Result<&str> {
    match hash_algorithm {
        "" => Ok("sha512"),
        "sha256" | "sha384" | "sha512" | "sha3-256" | "sha3-384" | "sha3-512" | "keccak256"
        | "keccak384" | "keccak512" | "raw" => Ok(hash_algorithm),
        _ => Err(Error::InvalidArgument("unsupported hash algorithm")),
    }
}

/// Computes the 64-byte report data the legacy tappd `TdxQuote` puts in the quote.
/// `raw` requires exactly 64 bytes (`InvalidArgument` otherwise).
pub fn tappd_report_data(
    report_data: &[u8],
    hash_algorithm: &str,
    prefix: &str,
) -> Result<[u8; 64]> {
    let tag = if prefix.is_empty() {
        DEFAULT_TAG
    } else {
        prefix
    };
    Ok(match effective_algorithm(hash_algorithm)? {
        "raw" => report_data
            .try_into()
            .map_err(|_| Error::InvalidArgument("raw report data must be exactly 64 bytes"))?,
        "sha256" => hashed::<Sha256>(tag, report_data),
        "sha384" => hashed::<Sha384>(tag, report_data),
        "sha3-256" => hashed::<Sha3_256>(tag, report_data),
        "sha3-384" => hashed::<Sha3_384>(tag, report_data),
        "sha3-512" => hashed::<Sha3_512>(tag, report_data),
        "keccak256" => hashed::<Keccak256>(tag, report_data),
        "keccak384" => hashed::<Keccak384>(tag, report_data),
        "keccak512" => hashed::<Keccak512>(tag, report_data),
        _ => hashed::<Sha512>(tag, report_data),
    })
}
