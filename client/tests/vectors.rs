//! The shared test vectors (testdata/vectors, outputs of the official Python and JS SDKs)
//! through the crate's helpers: Ethereum, Solana, compose hash, env encryption (decrypted
//! back), KMS signatures, TLS key bytes. The same files the C, Go and Python suites read.

mod common;

use common::*;
use libdstack::{compose, env, keys, HexBytes};
use serde_json::Value;

fn cases(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(testdata(&format!("vectors/{name}"))).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap().clone();
    assert!(!cases.is_empty(), "{name} has no cases");
    cases
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn is_sec1(c: &Value) -> bool {
    s(c, &["pem"]).is_some_and(|p| p.contains("EC PRIVATE KEY"))
}

#[test]
fn ethereum() {
    for c in cases("ethereum.json") {
        let id = s(&c, &["id"]).unwrap();
        for (name, secure) in [("to_account", false), ("to_account_secure", true)] {
            let got = match s(&c, &["source"]) {
                Some("GetKeyResponse") => {
                    keys::ethereum_address(&unhex(s(&c, &["key_hex"]).unwrap()))
                }
                _ => keys::ethereum_address_from_tls(s(&c, &["pem"]).unwrap(), secure),
            };
            match s(&c, &["expected", name]) {
                Some(want) if !is_sec1(&c) => {
                    assert_eq!(got.as_deref().ok(), Some(want), "{id} {name}: {got:?}")
                }
                _ => assert!(got.is_err(), "{id} {name}: want an error, got {got:?}"),
            }
        }
    }
}

#[test]
fn solana() {
    for c in cases("solana.json") {
        let id = s(&c, &["id"]).unwrap();
        for (name, secure) in [("to_keypair", false), ("to_keypair_secure", true)] {
            let got = match s(&c, &["source"]) {
                Some("GetKeyResponse") => {
                    keys::solana_keypair(&unhex(s(&c, &["key_hex"]).unwrap()))
                }
                _ => keys::solana_keypair_from_tls(s(&c, &["pem"]).unwrap(), secure),
            };
            let want = &c["expected"][name];
            if want.is_null() || !want["error"].is_null() || is_sec1(&c) {
                assert!(got.is_err(), "{id} {name}: want an error");
                continue;
            }
            let kp = got.unwrap_or_else(|e| panic!("{id} {name}: {e}"));
            assert_eq!(
                Some(kp.address.as_str()),
                want["public_key_b58"].as_str(),
                "{id} {name}"
            );
            assert_eq!(
                Some(kp.secret_key.to_hex().as_str()),
                want["secret_key_hex"].as_str(),
                "{id} {name}"
            );
            let sig = keys::ed25519_sign(&kp.secret_key[..32], b"solana message").unwrap();
            assert!(libdstack::verify::verify_signature(
                "ed25519",
                b"solana message",
                &sig,
                &kp.public_key
            )
            .unwrap());
        }
    }
}

#[test]
fn compose_hash() {
    for c in cases("compose_hash.json") {
        let id = s(&c, &["id"]).unwrap();
        if s(&c, &["js_parse"]) != Some("JSON.parse") {
            continue; // not JSON (JS evaluated NaN/Infinity)
        }
        let input = s(&c, &["input_json"]).unwrap().as_bytes();
        for (key, norm) in [("normalize_false", false), ("normalize_true", true)] {
            let js = &c["js"][key];
            let got = compose::compose_hash(input, norm);
            if !js["error"].is_null() {
                assert!(got.is_err(), "{id} {key}: JS failed, we returned {got:?}");
                continue;
            }
            assert_eq!(
                got.unwrap().to_hex(),
                js["hash"].as_str().unwrap(),
                "{id} {key}"
            );
            let canon = compose::compose_canonical_json(input, norm).unwrap();
            assert_eq!(canon, js["canonical_json"].as_str().unwrap(), "{id} {key}");
        }
    }
}

#[test]
fn env_encrypt_decrypts_back() {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    for c in cases("env_encrypt.json") {
        let id = s(&c, &["id"]).unwrap();
        let vars: Option<Vec<(String, String)>> = c["envs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Some((e["key"].as_str()?.into(), e["value"].as_str()?.into())))
            .collect();
        // A lone surrogate is no UTF-8 text: a Rust string cannot hold it.
        let Some(vars) = vars else { continue };
        let got = env::encrypt_env_vars(&vars, s(&c, &["public_key_hex_argument"]).unwrap());
        let Some(private) = s(&c, &["remote_private_key_hex"]) else {
            assert!(got.is_err(), "{id}: invalid key accepted");
            continue;
        };
        let raw = unhex(&got.unwrap_or_else(|e| panic!("{id}: {e}")));
        let sk: [u8; 32] = unhex(private).try_into().unwrap();
        let eph: [u8; 32] = raw[..32].try_into().unwrap();
        let shared = x25519_dalek::StaticSecret::from(sk).diffie_hellman(&eph.into());
        let cipher = aes_gcm::Aes256Gcm::new(shared.as_bytes().into());
        let (body, tag) = raw[44..].split_at(raw.len() - 44 - 16);
        let mut plain = body.to_vec();
        cipher
            .decrypt_in_place_detached(raw[32..44].into(), b"", &mut plain, tag.into())
            .unwrap_or_else(|_| panic!("{id}: decrypt"));
        let doc: Value = serde_json::from_slice(&plain).unwrap();
        let back: Vec<(String, String)> = doc["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["key"].as_str().unwrap().into(),
                    e["value"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(back, vars, "{id}");
    }
    assert!(env::encrypt_env_vars(&[("A", "b")], "zz").is_err());
}

#[test]
fn kms_signatures() {
    for c in cases("kms_sig.json") {
        let id = s(&c, &["id"]).unwrap();
        let pk = unhex(s(&c, &["public_key_hex"]).unwrap());
        let sig = unhex(s(&c, &["signature_hex"]).unwrap());
        let app = s(&c, &["app_id"]).unwrap();
        let mut want = s(&c, &["expected"]).map(str::to_string);
        if id.contains("0X_uppercase") {
            want = s(&c, &["js", "result"]).map(str::to_string);
        }
        let legacy = s(&c, &["kind"]) == Some("legacy");
        let got = if legacy {
            env::verify_env_encrypt_public_key_legacy(&pk, &sig, app, &[])
        } else {
            let now = c["now"].as_u64().unwrap();
            let ts = c["timestamp"].as_u64().unwrap();
            let max_age = c["max_age_seconds"].as_u64().unwrap_or(0);
            env::verify_env_encrypt_public_key(&pk, &sig, app, ts, now, max_age, &[])
        };
        let Some(want) = want else {
            assert!(got.is_err(), "{id}: want an error, got {got:?}");
            continue;
        };
        let got = got.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(format!("0x{got}"), want, "{id}");
        if let (true, Some(signer)) = (legacy, s(&c, &["signer_compressed_public_key"])) {
            let signer: [u8; 33] = HexBytes::from_hex(signer)
                .unwrap()
                .as_bytes()
                .try_into()
                .unwrap();
            let trusted = env::verify_env_encrypt_public_key_legacy(&pk, &sig, app, &[signer]);
            assert_eq!(trusted.is_ok(), got == signer, "{id}");
        }
    }
}

#[test]
fn tls_key_as_uint8array() {
    for c in cases("tls_key_asuint8.json") {
        let id = s(&c, &["id"]).unwrap();
        let pem = s(&c, &["pem"]).unwrap();
        for (len, want) in c["python"]["by_length"].as_object().unwrap() {
            let n: usize = len.parse().unwrap();
            let got = keys::tls_key_der(pem, Some(n));
            match want["hex"].as_str() {
                Some(hex) if !is_sec1(&c) => {
                    assert_eq!(got.unwrap().to_hex().as_str(), hex, "{id} {len}")
                }
                _ => assert!(got.is_err(), "{id} {len}: want an error"),
            }
        }
    }
}
