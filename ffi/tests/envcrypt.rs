//! `dstack_encrypt_env_vars` through the C ABI, decrypted with the recipient's private key
//! from `testdata/vectors/env_encrypt.json` (X25519 shared secret used directly as the
//! AES-256-GCM key; `eph_pub(32) || iv(12) || ct || tag(16)`), must give back exactly the
//! input list as `{"env":[{"key":..,"value":..},..]}`.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use dstack::{dstack_slice, status::DSTACK_STATUS_BUFFER_TOO_SMALL, status::DSTACK_STATUS_OK};
use x25519_dalek::{PublicKey, StaticSecret};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn encrypt(envs: &[(String, String)], pubkey: &str) -> Result<Vec<u8>, u32> {
    let keys: Vec<dstack_slice> = envs
        .iter()
        .map(|(k, _)| dstack_slice {
            ptr: k.as_ptr(),
            len: k.len(),
        })
        .collect();
    let values: Vec<dstack_slice> = envs
        .iter()
        .map(|(_, v)| dstack_slice {
            ptr: v.as_ptr(),
            len: v.len(),
        })
        .collect();
    let mut need = 0usize;
    // SAFETY: all pointers are valid for the call.
    let s = unsafe {
        dstack::envcrypt::dstack_encrypt_env_vars(
            keys.as_ptr(),
            values.as_ptr(),
            envs.len(),
            pubkey.as_ptr(),
            pubkey.len(),
            std::ptr::null_mut(),
            0,
            &mut need,
            std::ptr::null_mut(),
        )
    };
    if s != DSTACK_STATUS_BUFFER_TOO_SMALL {
        return Err(s);
    }
    let mut out = vec![0u8; need];
    let mut len = 0usize;
    // SAFETY: as above; `out` has `need` bytes.
    let s = unsafe {
        dstack::envcrypt::dstack_encrypt_env_vars(
            keys.as_ptr(),
            values.as_ptr(),
            envs.len(),
            pubkey.as_ptr(),
            pubkey.len(),
            out.as_mut_ptr(),
            out.len(),
            &mut len,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(s, DSTACK_STATUS_OK);
    assert_eq!(len, need);
    Ok(out)
}

fn decrypt(hex: &[u8], private_key: &[u8]) -> Vec<u8> {
    let raw = unhex(std::str::from_utf8(hex).unwrap());
    let eph: [u8; 32] = raw[..32].try_into().unwrap();
    let secret = StaticSecret::from(<[u8; 32]>::try_from(private_key).unwrap());
    let shared = secret.diffie_hellman(&PublicKey::from(eph));
    let cipher = Aes256Gcm::new(shared.as_bytes().into());
    let mut body = raw[44..raw.len() - 16].to_vec();
    let tag = Tag::from_slice(&raw[raw.len() - 16..]);
    cipher
        .decrypt_in_place_detached(Nonce::from_slice(&raw[32..44]), b"", &mut body, tag)
        .expect("decrypts");
    body
}

#[test]
fn env_vectors_round_trip() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/vectors/env_encrypt.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("testdata vectors")).unwrap();
    let mut checked = 0;
    for c in v["cases"].as_array().unwrap() {
        let envs: Option<Vec<(String, String)>> = c["envs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                Some((
                    e["key"].as_str()?.to_string(),
                    e["value"].as_str()?.to_string(),
                ))
            })
            .collect();
        let Some(envs) = envs else { continue }; // values that are not UTF-8 text
        let pubkey = c["public_key_hex_argument"].as_str().unwrap();
        let want_err = !c["python"]["error"].is_null();
        match encrypt(&envs, pubkey) {
            Err(s) => assert!(want_err, "{}: unexpected status {s}", c["id"]),
            Ok(out) => {
                assert!(!want_err, "{}: expected a failure", c["id"]);
                let pt = decrypt(&out, &unhex(c["remote_private_key_hex"].as_str().unwrap()));
                let parsed: serde_json::Value = serde_json::from_slice(&pt).unwrap();
                let got: Vec<(String, String)> = parsed["env"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        (
                            e["key"].as_str().unwrap().to_string(),
                            e["value"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                assert_eq!(got, envs, "{}", c["id"]);
                assert_eq!(parsed.as_object().unwrap().len(), 1);
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "only {checked} cases decrypted");
}
