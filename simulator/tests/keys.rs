//! GetKey, Sign, Verify and their signature chains (PROTOCOL §2.1, §6.1, §6.2).

mod common;
use common::*;
use serde_json::json;

// From docs/PROTOCOL.md §6.1 (observed against the upstream simulator with this key file).
const KEY_A_P: &str = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";
const APP_PUB: &str = "02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c";
const KMS_PUB: &str = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6";

fn fixture_sim() -> Sim {
    Sim::start(&["--app-keys", &fixture_keys(), "--app-id", FIXTURE_APP_ID])
}

fn k256_pub(secret: &[u8]) -> Vec<u8> {
    let sk = k256::ecdsa::SigningKey::from_slice(secret).unwrap();
    sk.verifying_key()
        .to_encoded_point(true)
        .as_bytes()
        .to_vec()
}

/// Walks a chain to (app key, KMS key) per §6.2.
fn walk(
    app_id: &[u8],
    purpose: &str,
    pubkey: &[u8],
    chain0: &[u8],
    chain1: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let app = recover(
        &keccak256(format!("{purpose}:{}", hex(pubkey)).as_bytes()),
        chain0,
    );
    let kms = recover(
        &keccak256(&[b"dstack-kms-issued:".as_slice(), app_id, &app].concat()),
        chain1,
    );
    (app, kms)
}

#[test]
fn get_key_vector_and_chain_recovery() {
    let sim = fixture_sim();
    let r = sim.call("GetKey", json!({"path": "a", "purpose": "p"}));
    assert_eq!(r["key"], KEY_A_P);
    let chain: Vec<Vec<u8>> = r["signature_chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| unhex(c.as_str().unwrap()))
        .collect();
    assert_eq!(chain.len(), 2);
    let keys: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_keys()).unwrap()).unwrap();
    assert_eq!(hex(&chain[1]), keys["k256_signature"].as_str().unwrap());
    let (app, kms) = walk(
        &unhex(FIXTURE_APP_ID),
        "p",
        &k256_pub(&unhex(KEY_A_P)),
        &chain[0],
        &chain[1],
    );
    assert_eq!(hex(&app), APP_PUB);
    assert_eq!(hex(&kms), KMS_PUB);
    // The app key is the file's k256_key.
    assert_eq!(
        hex(&k256_pub(&unhex(keys["k256_key"].as_str().unwrap()))),
        APP_PUB
    );
}

#[test]
fn get_key_algorithms() {
    let sim = fixture_sim();
    for alias in ["", "secp256k1", "k256"] {
        let r = sim.call(
            "GetKey",
            json!({"path": "a", "purpose": "p", "algorithm": alias}),
        );
        assert_eq!(r["key"], KEY_A_P, "{alias}");
    }
    // ed25519: the same 32 bytes (issue #605), chain0 signs the ed25519 public key.
    let r = sim.call(
        "GetKey",
        json!({"path": "a", "purpose": "p", "algorithm": "ed25519"}),
    );
    assert_eq!(r["key"], KEY_A_P);
    let seed: [u8; 32] = unhex(KEY_A_P).try_into().unwrap();
    let ed_pub = ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes();
    let chain = r["signature_chain"].as_array().unwrap();
    let (app, kms) = walk(
        &unhex(FIXTURE_APP_ID),
        "p",
        &ed_pub,
        &unhex(chain[0].as_str().unwrap()),
        &unhex(chain[1].as_str().unwrap()),
    );
    assert_eq!(
        (hex(&app), hex(&kms)),
        (APP_PUB.to_string(), KMS_PUB.to_string())
    );
    let bad = post_json(
        &sim.dstack(),
        "/GetKey",
        r#"{"path":"a","algorithm":"secp256k1_prehashed"}"#,
    );
    assert_eq!(bad.status, 400);
    // The upstream agent's text, exactly.
    assert_eq!(
        bad.json()["error"],
        "Unsupported algorithm",
        "{}",
        bad.text()
    );
}

#[test]
fn tappd_derive_k256_key_honours_algorithm() {
    // Upstream's tappd DeriveK256Key runs GetKey on its GetKeyArgs, `algorithm` included.
    let sim = fixture_sim();
    for alias in ["", "secp256k1", "k256"] {
        let t = sim.tappd_call(
            "DeriveK256Key",
            json!({"path": "a", "purpose": "p", "algorithm": alias}),
        );
        assert_eq!(t["k256_key"], KEY_A_P, "{alias}");
        let chain = t["k256_signature_chain"].as_array().unwrap();
        let (app, _) = walk(
            &unhex(FIXTURE_APP_ID),
            "p",
            &k256_pub(&unhex(KEY_A_P)),
            &unhex(chain[0].as_str().unwrap()),
            &unhex(chain[1].as_str().unwrap()),
        );
        assert_eq!(hex(&app), APP_PUB);
    }
    // ed25519: the same secret, and chain0 signs the ed25519 public key.
    let t = sim.tappd_call(
        "DeriveK256Key",
        json!({"path": "a", "purpose": "p", "algorithm": "ed25519"}),
    );
    let g = sim.call(
        "GetKey",
        json!({"path": "a", "purpose": "p", "algorithm": "ed25519"}),
    );
    assert_eq!(t["k256_key"], g["key"]);
    assert_eq!(t["k256_signature_chain"], g["signature_chain"]);
    let seed: [u8; 32] = unhex(KEY_A_P).try_into().unwrap();
    let ed_pub = ed25519_dalek::SigningKey::from_bytes(&seed)
        .verifying_key()
        .to_bytes();
    let chain = t["k256_signature_chain"].as_array().unwrap();
    let (app, kms) = walk(
        &unhex(FIXTURE_APP_ID),
        "p",
        &ed_pub,
        &unhex(chain[0].as_str().unwrap()),
        &unhex(chain[1].as_str().unwrap()),
    );
    assert_eq!(
        (hex(&app), hex(&kms)),
        (APP_PUB.to_string(), KMS_PUB.to_string())
    );
    // ... and differs from the secp256k1 chain (it signs another public key).
    let k = sim.tappd_call("DeriveK256Key", json!({"path": "a", "purpose": "p"}));
    assert_ne!(
        t["k256_signature_chain"][0], k["k256_signature_chain"][0],
        "chain0 over the ed25519 key"
    );
    for bad in ["bogus", "secp256k1_prehashed", "ED25519"] {
        let r = post_json(
            &sim.tappd(),
            "/prpc/Tappd.DeriveK256Key",
            &json!({"path": "a", "algorithm": bad}).to_string(),
        );
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["error"], "Unsupported algorithm");
    }
    // A legacy (v0.4.x) agent knew no `algorithm`: any value gets secp256k1.
    let legacy = Sim::start(&[
        "--legacy",
        "--app-keys",
        &fixture_keys(),
        "--app-id",
        FIXTURE_APP_ID,
    ]);
    for algo in ["ed25519", "bogus"] {
        let t = legacy.tappd_call(
            "DeriveK256Key",
            json!({"path": "a", "purpose": "p", "algorithm": algo}),
        );
        assert_eq!(
            t["k256_signature_chain"], k["k256_signature_chain"],
            "{algo}"
        );
    }
}

#[test]
fn get_key_is_hkdf_of_app_key() {
    // §6.1: d = HKDF-SHA256(salt "RATLS", IKM app k256 key, info path).
    let sim = fixture_sim();
    let keys: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_keys()).unwrap()).unwrap();
    let ikm = unhex(keys["k256_key"].as_str().unwrap());
    for path in ["", "wallet/eth", "ünïcode"] {
        let mut d = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(b"RATLS"), &ikm)
            .expand(path.as_bytes(), &mut d)
            .unwrap();
        let r = sim.call("GetKey", json!({"path": path, "purpose": "x"}));
        assert_eq!(r["key"], hex(&d), "{path}");
        let t = sim.tappd_call("DeriveK256Key", json!({"path": path, "purpose": "x"}));
        assert_eq!(t["k256_key"], r["key"]);
        assert_eq!(t["k256_signature_chain"], r["signature_chain"]);
    }
}

#[test]
fn builtin_keys_chain_to_printed_root() {
    let sim = Sim::start(&[]);
    let root = sim
        .stderr()
        .lines()
        .find_map(|l| {
            l.split("KMS root k256 public key ")
                .nth(1)
                .map(str::to_string)
        })
        .expect("root key printed");
    let info = sim.call("Info", json!({}));
    let app_id = unhex(info["app_id"].as_str().unwrap());
    let r = sim.call("GetKey", json!({"path": "p1", "purpose": "signing"}));
    let chain = r["signature_chain"].as_array().unwrap();
    let (_, kms) = walk(
        &app_id,
        "signing",
        &k256_pub(&unhex(r["key"].as_str().unwrap())),
        &unhex(chain[0].as_str().unwrap()),
        &unhex(chain[1].as_str().unwrap()),
    );
    assert_eq!(hex(&kms), root);
}

#[test]
fn sign_and_verify_all_algorithms() {
    let sim = fixture_sim();
    let vms = sim.call("GetKey", json!({"path": "vms", "purpose": "signing"}));
    let data = b"hello dstack";
    for algo in ["secp256k1", "k256", "secp256k1_prehashed", "ed25519"] {
        let msg: Vec<u8> = if algo == "secp256k1_prehashed" {
            sha256(data)
        } else {
            data.to_vec()
        };
        let r = sim.call("Sign", json!({"algorithm": algo, "data": hex(&msg)}));
        let sig = unhex(r["signature"].as_str().unwrap());
        let pk = unhex(r["public_key"].as_str().unwrap());
        let chain = r["signature_chain"].as_array().unwrap();
        assert_eq!(chain.len(), 3);
        assert_eq!(chain[0], r["signature"]);
        if algo == "ed25519" {
            use ed25519_dalek::Verifier;
            let vk =
                ed25519_dalek::VerifyingKey::from_bytes(&pk.clone().try_into().unwrap()).unwrap();
            vk.verify(&msg, &ed25519_dalek::Signature::from_slice(&sig).unwrap())
                .unwrap();
        } else {
            use k256::ecdsa::signature::hazmat::PrehashVerifier;
            assert_eq!(
                hex(&pk),
                hex(&k256_pub(&unhex(vms["key"].as_str().unwrap())))
            );
            let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&pk).unwrap();
            let s = k256::ecdsa::Signature::from_slice(&sig).unwrap();
            assert!(s.normalize_s().is_none(), "low-S");
            vk.verify_prehash(&sha256(data), &s).unwrap();
        }
        let (app, kms) = walk(
            &unhex(FIXTURE_APP_ID),
            "signing",
            &pk,
            &unhex(chain[1].as_str().unwrap()),
            &unhex(chain[2].as_str().unwrap()),
        );
        assert_eq!(
            (hex(&app), hex(&kms)),
            (APP_PUB.to_string(), KMS_PUB.to_string())
        );

        let v = sim.call("Verify", json!({"algorithm": algo, "data": hex(&msg), "signature": hex(&sig), "public_key": hex(&pk)}));
        assert_eq!(v["valid"], true, "{algo}");
        let mut tampered = msg.clone();
        tampered[0] ^= 1;
        let v = sim.call("Verify", json!({"algorithm": algo, "data": hex(&tampered), "signature": hex(&sig), "public_key": hex(&pk)}));
        assert_eq!(v["valid"], false, "{algo}");
        let bad = post_json(
            &sim.dstack(),
            "/Verify",
            &json!({"algorithm": algo, "data": hex(&msg), "signature": hex(&sig), "public_key": "0102"}).to_string(),
        );
        assert_eq!(bad.status, 400, "{algo} malformed key");
    }
    let r = post_json(
        &sim.dstack(),
        "/Sign",
        r#"{"algorithm":"secp256k1_prehashed","data":"00"}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"],
        "Pre-hashed signing requires a 32-byte digest, but received 1 bytes"
    );
    let r = post_json(&sim.dstack(), "/Sign", r#"{"data":"00"}"#);
    assert_eq!(r.status, 400, "empty algorithm is an error");
}
