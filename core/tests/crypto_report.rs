//! Legacy tappd report-data hashing (docs/PROTOCOL.md §2.2): expected values are computed here
//! from pre-images built by hand, with the hash crates checked against published vectors.

use dstack_core::report::{effective_algorithm, tappd_report_data};
use dstack_core::Error;
use sha2::Digest;

fn padded(d: &[u8]) -> [u8; 64] {
    let mut o = [0u8; 64];
    o[..d.len()].copy_from_slice(d);
    o
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn oracles_match_published_vectors() {
    // FIPS 180-2 SHA-512("abc"), FIPS 202 SHA3-256(""), Keccak-256("") (Ethereum).
    assert_eq!(hex(&sha2::Sha512::digest(b"abc")), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    assert_eq!(
        hex(&sha3::Sha3_256::digest(b"")),
        "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"
    );
    assert_eq!(
        hex(&sha3::Keccak256::digest(b"")),
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    );
}

#[test]
fn every_algorithm_hashes_tag_colon_data() {
    let data = b"hello \x00 world";
    let pre = |tag: &str| [tag.as_bytes(), b":", data].concat();
    type Oracle = fn(&[u8]) -> Vec<u8>;
    let cases: [(&str, Oracle); 10] = [
        ("", |p| sha2::Sha512::digest(p).to_vec()),
        ("sha256", |p| sha2::Sha256::digest(p).to_vec()),
        ("sha384", |p| sha2::Sha384::digest(p).to_vec()),
        ("sha512", |p| sha2::Sha512::digest(p).to_vec()),
        ("sha3-256", |p| sha3::Sha3_256::digest(p).to_vec()),
        ("sha3-384", |p| sha3::Sha3_384::digest(p).to_vec()),
        ("sha3-512", |p| sha3::Sha3_512::digest(p).to_vec()),
        ("keccak256", |p| sha3::Keccak256::digest(p).to_vec()),
        ("keccak384", |p| sha3::Keccak384::digest(p).to_vec()),
        ("keccak512", |p| sha3::Keccak512::digest(p).to_vec()),
    ];
    for (alg, h) in cases {
        assert_eq!(
            tappd_report_data(data, alg, "").unwrap(),
            padded(&h(&pre("app-data"))),
            "{alg}"
        );
        assert_eq!(
            tappd_report_data(data, alg, "my").unwrap(),
            padded(&h(&pre("my"))),
            "{alg}"
        );
        // A prefix that already ends in ':' still gets one appended (observed agent behaviour).
        assert_eq!(
            tappd_report_data(data, alg, "app-data:").unwrap(),
            padded(&h(&pre("app-data:"))),
            "{alg}"
        );
    }
    assert_eq!(effective_algorithm("").unwrap(), "sha512");
    assert_eq!(effective_algorithm("keccak384").unwrap(), "keccak384");
}

#[test]
fn raw_and_errors() {
    let d = [7u8; 64];
    assert_eq!(tappd_report_data(&d, "raw", "ignored").unwrap(), d);
    assert!(matches!(
        tappd_report_data(&d[..63], "raw", ""),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        tappd_report_data(&[0; 65], "raw", ""),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        tappd_report_data(b"x", "md5", ""),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        tappd_report_data(b"x", "SHA256", ""),
        Err(Error::InvalidArgument(_))
    ));
}
