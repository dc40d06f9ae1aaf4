//! Response types that hold key material never print it and wipe it when dropped.

use dstack_core::rpc::dstack::{GetKeyResponse, GetTlsKeyResponse};
use dstack_core::rpc::tappd::DeriveK256KeyResponse;
use dstack_core::rpc::View;
use std::mem::ManuallyDrop;

// docs/PROTOCOL.md §6.1: the simulator's GetKey("a", "p") key.
const KEY_HEX: &str = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";

fn chain_entry(byte: &str) -> String {
    byte.repeat(65)
}

/// What a leaked key would look like in `Debug` output: its hex text, or the decimal
/// array Rust prints for `[u8; 32]` (its first few elements are enough to notice).
fn leaks_key(text: &str) -> bool {
    let first: Vec<String> = (0..4)
        .map(|i| {
            u8::from_str_radix(&KEY_HEX[2 * i..2 * i + 2], 16)
                .unwrap()
                .to_string()
        })
        .collect();
    text.contains(KEY_HEX) || text.contains(&first.join(", "))
}

#[test]
fn get_key_response_debug_redacts_the_key() {
    let body = format!(
        r#"{{"key":"{KEY_HEX}","signature_chain":["{}","{}"]}}"#,
        chain_entry("11"),
        chain_entry("22")
    );
    let r = GetKeyResponse::parse(body.as_bytes(), &mut []).unwrap();
    let text = format!("{r:?}");
    assert!(!leaks_key(&text), "{text}");
    assert!(text.contains("<32 secret bytes>"), "{text}");
    // The public part is still shown: the chain's first signature starts 17, 17, ...
    assert!(
        text.contains("signature_chain") && text.contains("17, 17"),
        "{text}"
    );
    // Pretty form too.
    assert!(!leaks_key(&format!("{r:#?}")));
}

#[test]
fn derive_k256_key_response_debug_redacts_the_key() {
    let body = format!(
        r#"{{"k256_key":"{KEY_HEX}","k256_signature_chain":["{}"]}}"#,
        chain_entry("33")
    );
    let r = DeriveK256KeyResponse::parse(body.as_bytes(), &mut []).unwrap();
    let text = format!("{r:?}");
    assert!(!leaks_key(&text), "{text}");
    assert!(text.contains("<32 secret bytes>"), "{text}");
}

#[test]
fn tls_key_response_debug_redacts_the_pem_key() {
    let pem = "-----BEGIN PRIVATE KEY-----\\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\\n-----END PRIVATE KEY-----\\n";
    let cert = "-----BEGIN CERTIFICATE-----\\nMIIBcert\\n-----END CERTIFICATE-----\\n";
    let body = format!(r#"{{"key":"{pem}","certificate_chain":["{cert}"]}}"#);
    let mut scratch = vec![0u8; body.len()];
    let r = GetTlsKeyResponse::parse(body.as_bytes(), &mut scratch).unwrap();
    let text = format!("{r:?}");
    assert!(
        !text.contains("PRIVATE KEY") && !text.contains("MIGHAgEA"),
        "{text}"
    );
    assert!(
        text.contains(&format!("<{} secret bytes>", r.key.len())),
        "{text}"
    );
    assert!(text.contains("MIIBcert"), "{text}");
}

#[test]
fn key_responses_wipe_the_key_on_drop() {
    let body = format!(
        r#"{{"key":"{KEY_HEX}","signature_chain":["{}"]}}"#,
        chain_entry("11")
    );
    let mut r = ManuallyDrop::new(GetKeyResponse::parse(body.as_bytes(), &mut []).unwrap());
    assert_ne!(r.key, [0u8; 32]);
    let key: *const [u8; 32] = &r.key;
    // SAFETY: `r` is dropped exactly once and its storage outlives the read below; a
    // `[u8; 32]` has no invariant that the drop could break.
    let after = unsafe {
        ManuallyDrop::drop(&mut r);
        key.read()
    };
    assert_eq!(after, [0u8; 32]);

    let body = format!(
        r#"{{"k256_key":"{KEY_HEX}","k256_signature_chain":["{}"]}}"#,
        chain_entry("11")
    );
    let mut r = ManuallyDrop::new(DeriveK256KeyResponse::parse(body.as_bytes(), &mut []).unwrap());
    assert_ne!(r.k256_key, [0u8; 32]);
    let key: *const [u8; 32] = &r.k256_key;
    // SAFETY: as above.
    let after = unsafe {
        ManuallyDrop::drop(&mut r);
        key.read()
    };
    assert_eq!(after, [0u8; 32]);
}
