//! KMS env-key signature verification and env encryption on arbitrary input: errors,
//! never panics; encryption output has the announced length and is lowercase hex.
#![no_main]
use dstack_core::{envcrypt, kms};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 65 + 32 + 16 {
        return;
    }
    let (sig, rest) = data.split_at(65);
    let (pk, rest) = rest.split_at(32);
    let (ts, rest) = rest.split_at(8);
    let (now, rest) = rest.split_at(8);
    let ts = u64::from_le_bytes(ts.try_into().unwrap());
    let now = u64::from_le_bytes(now.try_into().unwrap());
    let text = core::str::from_utf8(rest).unwrap_or("00");
    let _ = kms::verify_env_encrypt_public_key(pk, sig, text, ts, now, ts % 1000);
    let _ = kms::verify_env_encrypt_public_key_legacy(pk, sig, text);
    let _ = kms::verify_env_encrypt_public_key_trusted(pk, sig, text, ts, now, 0, &[[2; 33]]);

    let mut mid = text.len() / 2;
    while !text.is_char_boundary(mid) {
        mid -= 1;
    }
    let (k, v) = text.split_at(mid);
    let envs = [(k, v), (v, k)];
    let mut out = [0u8; 4096];
    let eph: [u8; 32] = sig[..32].try_into().unwrap();
    let iv: [u8; 12] = sig[32..44].try_into().unwrap();
    let pk_hex = text;
    match envcrypt::encrypt_env_vars(&envs, pk_hex, eph, iv, &mut out) {
        Ok(n) => {
            assert_eq!(n, envcrypt::encrypted_env_len(&envs));
            assert!(out[..n]
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)));
        }
        Err(_) => {}
    }
    let mut hexpk = [0u8; 64];
    for (i, b) in pk.iter().enumerate() {
        hexpk[2 * i] = b"0123456789abcdef"[(b >> 4) as usize];
        hexpk[2 * i + 1] = b"0123456789abcdef"[(b & 15) as usize];
    }
    let pk_hex = core::str::from_utf8(&hexpk).unwrap();
    if let Ok(n) = envcrypt::encrypt_env_vars(&envs, pk_hex, eph, iv, &mut out) {
        assert_eq!(n, envcrypt::encrypted_env_len(&envs));
    }
});
