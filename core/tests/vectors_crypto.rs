//! kms / envcrypt / keys / chain against `testdata/vectors` and the simulator facts of
//! docs/PROTOCOL.md §6.1.

mod common;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use common::*;
use dstack_core::chain::{
    key_message_hash, verify_getkey_chain, verify_signature_chain, ChainInfo,
};
use dstack_core::envcrypt::{encrypt_env_vars, encrypted_env_len};
use dstack_core::keys::{self, KeyAlgorithm};
use dstack_core::kms;
use dstack_core::Error;

// ------------------------------------------------------------------------ kms_sig.json

#[test]
fn kms_sig_vectors() {
    let doc = load("vectors/kms_sig.json");
    let mut n = 0;
    for c in doc["cases"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let pk = unhex(c["public_key_hex"].as_str().unwrap());
        let sig = unhex(c["signature_hex"].as_str().unwrap());
        let app_id = c["app_id"].as_str().unwrap();
        let now = c["now"].as_u64().unwrap();
        let got = match c["kind"].as_str().unwrap() {
            "v1" => kms::verify_env_encrypt_public_key(
                &pk,
                &sig,
                app_id,
                c["timestamp"].as_u64().unwrap(),
                now,
                c["max_age_seconds"].as_u64().unwrap_or(0),
            ),
            _ => kms::verify_env_encrypt_public_key_legacy(&pk, &sig, app_id),
        };
        // README: Python result, except an uppercase 0X prefix is accepted (JS result).
        let expected = if app_id.starts_with("0X") {
            &c["js"]["result"]
        } else {
            &c["expected"]
        };
        match expected.as_str() {
            Some(want) => {
                let got = got.unwrap_or_else(|e| panic!("{id}: {e:?}"));
                assert_eq!(format!("0x{}", tohex(&got)), want, "{id}");
                if c["result_is_signer"] == true {
                    let signer: [u8; 33] = unhex(want).try_into().unwrap();
                    let trusted = match c["kind"].as_str().unwrap() {
                        "v1" => kms::verify_env_encrypt_public_key_trusted(
                            &pk,
                            &sig,
                            app_id,
                            c["timestamp"].as_u64().unwrap(),
                            now,
                            0,
                            &[[1; 33], signer],
                        ),
                        _ => kms::verify_env_encrypt_public_key_legacy_trusted(
                            &pk,
                            &sig,
                            app_id,
                            &[signer],
                        ),
                    };
                    assert_eq!(trusted, Ok(signer), "{id}");
                }
            }
            None => assert!(got.is_err(), "{id}: expected failure, got {got:?}"),
        }
        // Whatever was recovered, an untrusted signer is rejected by the trusted form.
        if c["kind"] == "legacy" {
            assert!(kms::verify_env_encrypt_public_key_legacy_trusted(
                &pk,
                &sig,
                app_id,
                &[[2; 33]]
            )
            .is_err());
        }
        n += 1;
    }
    assert_eq!(n, doc["num_cases"].as_u64().unwrap() as usize);
}

#[test]
fn kms_window_and_app_id_rules() {
    assert_eq!(kms::check_timestamp(1000, 1000, 0), Ok(()));
    assert_eq!(kms::check_timestamp(1060, 1000, 0), Ok(()));
    assert_eq!(kms::check_timestamp(1061, 1000, 0), Err(Error::Expired));
    assert_eq!(kms::check_timestamp(700, 1000, 0), Ok(()));
    assert_eq!(kms::check_timestamp(699, 1000, 0), Err(Error::Expired));
    assert_eq!(kms::check_timestamp(899, 1000, 100), Err(Error::Expired));
    assert_eq!(kms::check_timestamp(u64::MAX, 0, 0), Err(Error::Expired));
    let sig = [0u8; 65];
    // Spaces in the app id are rejected (README rule), as are odd lengths.
    assert_eq!(
        kms::verify_env_encrypt_public_key_legacy(&[0; 32], &sig, "ab cd"),
        Err(Error::InvalidHex)
    );
    assert_eq!(
        kms::verify_env_encrypt_public_key_legacy(&[0; 32], &sig, "abc"),
        Err(Error::InvalidHex)
    );
    assert!(matches!(
        kms::verify_env_encrypt_public_key_legacy(&[0; 32], &sig[..64], "ab"),
        Err(Error::InvalidArgument(_))
    ));
}

// -------------------------------------------------------------------- env_encrypt.json

fn decrypt(hex_text: &str, remote_priv: &[u8]) -> Vec<u8> {
    let raw = unhex(hex_text);
    let eph: [u8; 32] = raw[..32].try_into().unwrap();
    let sk = x25519_dalek::StaticSecret::from(<[u8; 32]>::try_from(remote_priv).unwrap());
    let shared = sk.diffie_hellman(&x25519_dalek::PublicKey::from(eph));
    let cipher = aes_gcm::Aes256Gcm::new(shared.as_bytes().into());
    let mut body = raw[44..raw.len() - 16].to_vec();
    let tag = aes_gcm::Tag::from_slice(&raw[raw.len() - 16..]);
    cipher
        .decrypt_in_place_detached(
            aes_gcm::Nonce::from_slice(&raw[32..44]),
            b"",
            &mut body,
            tag,
        )
        .expect("decrypts");
    body
}

#[test]
fn env_encrypt_vectors_round_trip() {
    let doc = load("vectors/env_encrypt.json");
    for (i, c) in doc["cases"].as_array().unwrap().iter().enumerate() {
        let id = c["id"].as_str().unwrap();
        let pk_arg = c["public_key_hex_argument"].as_str().unwrap();
        // Owned env list; the lone-surrogate case cannot be a Rust &str, use a valid stand-in.
        let envs: Vec<(String, String)> = c["envs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let v = e["value"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| "a\u{fffd}b".to_string());
                (e["key"].as_str().unwrap().to_string(), v)
            })
            .collect();
        let refs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let eph = [i as u8 + 1; 32];
        let iv = [0x42; 12];
        let mut out = vec![0u8; encrypted_env_len(&refs)];
        let res = encrypt_env_vars(&refs, pk_arg, eph, iv, &mut out);
        if c["python"]["ciphertext_hex"].is_null() {
            assert!(res.is_err(), "{id}: invalid key must fail");
            continue;
        }
        let n = res.unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(n, out.len());
        let text = std::str::from_utf8(&out).unwrap();
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        let priv_key = unhex(c["remote_private_key_hex"].as_str().unwrap());
        let plain = decrypt(text, &priv_key);
        // The plaintext is compact JSON holding exactly the input list, in order.
        let parsed: serde_json::Value = serde_json::from_slice(&plain).unwrap();
        let want: Vec<serde_json::Value> = envs
            .iter()
            .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
            .collect();
        assert_eq!(parsed, serde_json::json!({"env": want}), "{id}");
        assert_eq!(
            plain,
            serde_json::to_vec(&parsed).unwrap(),
            "{id}: compact, raw UTF-8"
        );
        // Too small a buffer reports the exact need and writes nothing useful.
        let mut small = vec![0u8; n - 1];
        assert_eq!(
            encrypt_env_vars(&refs, pk_arg, eph, iv, &mut small),
            Err(Error::BufferTooSmall { needed: n })
        );
    }
}

#[test]
fn env_encrypt_rejects_bad_keys() {
    let envs = [("A", "b")];
    let mut out = vec![0u8; 512];
    assert_eq!(
        encrypt_env_vars(&envs, "zz", [1; 32], [0; 12], &mut out),
        Err(Error::InvalidHex)
    );
    assert_eq!(
        encrypt_env_vars(&envs, "abc", [1; 32], [0; 12], &mut out),
        Err(Error::InvalidHex)
    );
    assert!(matches!(
        encrypt_env_vars(&envs, &"ab".repeat(33), [1; 32], [0; 12], &mut out),
        Err(Error::InvalidArgument(_))
    ));
    // A low-order point (here 0) gives an all-zero shared secret.
    assert_eq!(
        encrypt_env_vars(&envs, &"00".repeat(32), [1; 32], [0; 12], &mut out),
        Err(Error::Crypto)
    );
    // Escaping: quotes, backslash, controls.
    let tricky = [("K", "a\"b\\c\n\u{1}")];
    let n = encrypt_env_vars(
        &tricky,
        &tohex(
            x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from([9; 32])).as_bytes(),
        ),
        [1; 32],
        [0; 12],
        &mut out,
    )
    .unwrap();
    let plain = decrypt(std::str::from_utf8(&out[..n]).unwrap(), &[9; 32]);
    assert_eq!(plain, br#"{"env":[{"key":"K","value":"a\"b\\c\n\u0001"}]}"#);
}

// ------------------------------------------------- tls_key_asuint8 / ethereum / solana

#[test]
fn tls_key_asuint8_vectors() {
    let doc = load("vectors/tls_key_asuint8.json");
    for c in doc["cases"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let pem = c["pem"].as_str().unwrap();
        if pem.contains("EC PRIVATE KEY") {
            assert_eq!(
                keys::as_uint8array(pem, None, &mut [0; 512]),
                Err(keys::ERR_SEC1_PEM),
                "{id}"
            );
            assert_eq!(keys::tls_secure_seed(pem), Err(keys::ERR_SEC1_PEM));
            continue;
        }
        for (k, want) in c["expected"].as_object().unwrap() {
            let want = want.as_str().unwrap();
            let max = if k == "full" {
                None
            } else {
                Some(k.parse::<usize>().unwrap())
            };
            let mut out = vec![0u8; 512];
            let n = keys::as_uint8array(pem, max, &mut out).unwrap();
            assert_eq!(tohex(&out[..n]), want, "{id}/{k}");
            if n > 0 {
                assert_eq!(
                    keys::as_uint8array(pem, max, &mut out[..n - 1]),
                    Err(Error::BufferTooSmall { needed: n })
                );
            }
        }
        let der = unhex(c["expected"]["full"].as_str().unwrap());
        assert_eq!(keys::pem_der_len(pem), Ok(der.len()));
        let mut buf = vec![0u8; der.len()];
        assert_eq!(keys::pem_to_der(pem, &mut buf), Ok(der.len()));
        assert_eq!(buf, der);
        use sha2::Digest;
        assert_eq!(
            keys::tls_secure_seed(pem).unwrap()[..],
            sha2::Sha256::digest(&der)[..]
        );
    }
    // Garbage is an error, not bytes.
    for bad in [
        "",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "not base64!",
        "MIG",
        "-----BEGIN PRIVATE KEY-----\nMIGH",
    ] {
        assert!(keys::pem_der_len(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn ethereum_vectors() {
    let doc = load("vectors/ethereum.json");
    for c in doc["cases"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let exp = &c["expected"];
        match c["source"].as_str().unwrap() {
            "GetKeyResponse" => {
                let key = unhex(c["key_hex"].as_str().unwrap());
                let got = keys::ethereum_account_from_key(&key);
                for which in ["to_account", "to_account_secure"] {
                    match exp[which].as_str() {
                        Some(want) => {
                            assert_eq!(std::str::from_utf8(&got.unwrap()).unwrap(), want, "{id}")
                        }
                        None => assert!(got.is_err(), "{id}"),
                    }
                }
            }
            _ => {
                let pem = c["pem"].as_str().unwrap();
                if pem.contains("EC PRIVATE KEY") {
                    assert_eq!(
                        keys::ethereum_account_from_tls(pem, true),
                        Err(keys::ERR_SEC1_PEM)
                    );
                    assert_eq!(
                        keys::ethereum_account_from_tls(pem, false),
                        Err(keys::ERR_SEC1_PEM)
                    );
                    continue;
                }
                for (which, secure) in [("to_account", false), ("to_account_secure", true)] {
                    let got = keys::ethereum_account_from_tls(pem, secure).unwrap();
                    assert_eq!(
                        std::str::from_utf8(&got).unwrap(),
                        exp[which].as_str().unwrap(),
                        "{id}/{which}"
                    );
                }
            }
        }
    }
}

#[test]
fn solana_vectors() {
    let doc = load("vectors/solana.json");
    for c in doc["cases"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let exp = &c["expected"];
        let check = |kp: keys::SolanaKeypair, want: &serde_json::Value| {
            let mut b = [0u8; 44];
            assert_eq!(
                kp.public_base58(&mut b).unwrap(),
                want["public_key_b58"].as_str().unwrap(),
                "{id}"
            );
            assert_eq!(
                tohex(&kp.secret),
                want["secret_key_hex"].as_str().unwrap(),
                "{id}"
            );
        };
        match c["source"].as_str().unwrap() {
            "GetKeyResponse" => {
                let key = unhex(c["key_hex"].as_str().unwrap());
                for which in ["to_keypair", "to_keypair_secure"] {
                    if exp[which].get("error").is_some() {
                        assert!(keys::solana_keypair(&key).is_err(), "{id}");
                    } else {
                        check(keys::solana_keypair(&key).unwrap(), &exp[which]);
                    }
                }
            }
            _ => {
                let pem = c["pem"].as_str().unwrap();
                if pem.contains("EC PRIVATE KEY") {
                    assert!(keys::solana_keypair_from_tls(pem, false).is_err());
                    assert!(keys::solana_keypair_from_tls(pem, true).is_err());
                    continue;
                }
                check(
                    keys::solana_keypair_from_tls(pem, false).unwrap(),
                    &exp["to_keypair"],
                );
                check(
                    keys::solana_keypair_from_tls(pem, true).unwrap(),
                    &exp["to_keypair_secure"],
                );
            }
        }
    }
}

#[test]
fn eip55_reference_addresses() {
    // Checksummed addresses from the EIP-55 specification.
    for a in [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ] {
        let raw: [u8; 20] = unhex(&a[2..].to_lowercase()).try_into().unwrap();
        assert_eq!(
            std::str::from_utf8(&keys::ethereum_checksum(&raw)).unwrap(),
            a
        );
    }
}

#[test]
fn signing_primitives() {
    let secret = unhex("0000000000000000000000000000000000000000000000000000000000000001");
    // Generator point G (SEC 2).
    assert_eq!(
        tohex(&keys::secp256k1_public_key(&secret).unwrap()),
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    );
    let unc = keys::secp256k1_public_key_uncompressed(&secret).unwrap();
    assert_eq!(
        tohex(&unc[33..]),
        "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
    );
    assert_eq!(keys::secp256k1_public_key(&[0; 32]), Err(Error::Crypto));
    assert!(keys::secp256k1_public_key(&[1; 31]).is_err());
    let sk = unhex(&"11".repeat(32));
    let h = [7u8; 32];
    let sig = keys::secp256k1_sign_prehash(&sk, &h).unwrap();
    let n_half = unhex("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
    assert!(sig[32..64] <= n_half[..], "low-S");
    assert!(sig[64] <= 1);
    assert_eq!(
        keys::secp256k1_recover_prehash(&h, &sig).unwrap(),
        keys::secp256k1_public_key(&sk).unwrap()
    );
    keys::secp256k1_verify_prehash(&keys::secp256k1_public_key(&sk).unwrap(), &h, &sig[..64])
        .unwrap();
    assert_eq!(
        keys::secp256k1_verify_prehash(
            &keys::secp256k1_public_key(&sk).unwrap(),
            &[8; 32],
            &sig[..64]
        ),
        Err(Error::VerificationFailed)
    );

    // RFC 8032 §7.1 test 1.
    let seed: [u8; 32] = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        .try_into()
        .unwrap();
    assert_eq!(
        tohex(&keys::ed25519_public_key(&seed)),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    let s = keys::ed25519_sign(&seed, b"");
    assert_eq!(tohex(&s), "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    keys::ed25519_verify(&keys::ed25519_public_key(&seed), b"", &s).unwrap();
    assert_eq!(
        keys::ed25519_verify(&keys::ed25519_public_key(&seed), b"x", &s),
        Err(Error::VerificationFailed)
    );
}

// ----------------------------------------------------------------- signature chain §6.1

const SIM_APP_ID: &str = "5bb4ff9a3837357f19dc176407a5709c62eb6c56";
const SIM_APP_PUB: &str = "02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c";
const SIM_KMS_PUB: &str = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6";
const SIM_KEY_A: &str = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";

/// GetKey(path) as the agent computes it (HKDF-SHA256, salt "RATLS", info = path).
fn derive(app_key: &[u8], path: &str) -> [u8; 32] {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"RATLS"), app_key);
    let mut okm = [0u8; 32];
    hk.expand(path.as_bytes(), &mut okm).unwrap();
    okm
}

fn sim_chain(alg: KeyAlgorithm, purpose: &str) -> ([u8; 32], Vec<u8>, [u8; 65], [u8; 65]) {
    let keys_file = load("fixtures/simulator_appkeys.json");
    let app_key = unhex(keys_file["k256_key"].as_str().unwrap());
    let kms_sig: [u8; 65] = unhex(keys_file["k256_signature"].as_str().unwrap())
        .try_into()
        .unwrap();
    let key = derive(&app_key, "a");
    let pubkey = keys::getkey_public_key(&key, alg)
        .unwrap()
        .as_bytes()
        .to_vec();
    // chain[0]: the app key signs keccak256(purpose ":" hex(pub)), built by hand here.
    use sha3::Digest;
    let msg = format!("{purpose}:{}", tohex(&pubkey));
    let prehash: [u8; 32] = sha3::Keccak256::digest(msg.as_bytes()).into();
    assert_eq!(prehash, key_message_hash(purpose, &pubkey));
    let app_sig = keys::secp256k1_sign_prehash(&app_key, &prehash).unwrap();
    (key, pubkey, app_sig, kms_sig)
}

#[test]
fn simulator_signature_chain() {
    let app_id = unhex(SIM_APP_ID);
    let kms: [u8; 33] = unhex(SIM_KMS_PUB).try_into().unwrap();
    for alg in [KeyAlgorithm::Secp256k1, KeyAlgorithm::Ed25519] {
        for purpose in ["signing", "p", ""] {
            let (key, pubkey, app_sig, kms_sig) = sim_chain(alg, purpose);
            assert_eq!(tohex(&key), SIM_KEY_A);
            let info =
                verify_signature_chain(&pubkey, purpose, &app_sig, &kms_sig, &app_id, Some(&kms))
                    .unwrap();
            assert_eq!(tohex(&info.app_key), SIM_APP_PUB);
            assert_eq!(tohex(&info.kms_key), SIM_KMS_PUB);
            assert_eq!(
                verify_getkey_chain(&key, alg, purpose, &app_sig, &kms_sig, &app_id, None),
                Ok(info)
            );

            // Wrong purpose / app id / trusted key: another key is recovered or rejected.
            let other =
                verify_signature_chain(&pubkey, "other", &app_sig, &kms_sig, &app_id, Some(&kms));
            assert_eq!(other, Err(Error::VerificationFailed));
            let mut bad_id = app_id.clone();
            bad_id[0] ^= 1;
            assert_eq!(
                verify_signature_chain(&pubkey, purpose, &app_sig, &kms_sig, &bad_id, Some(&kms)),
                Err(Error::VerificationFailed)
            );
            let r = verify_signature_chain(&pubkey, purpose, &app_sig, &kms_sig, &bad_id, None)
                .unwrap();
            assert_ne!(
                r,
                ChainInfo {
                    app_key: info.app_key,
                    kms_key: kms
                }
            );
            assert_eq!(
                verify_signature_chain(
                    &pubkey,
                    purpose,
                    &app_sig,
                    &kms_sig,
                    &app_id,
                    Some(&[3; 33])
                ),
                Err(Error::VerificationFailed)
            );
            let mut bad_v = app_sig;
            bad_v[64] = 27;
            assert_eq!(
                verify_signature_chain(&pubkey, purpose, &bad_v, &kms_sig, &app_id, None),
                Err(Error::VerificationFailed)
            );
        }
    }
    assert!(matches!(
        verify_signature_chain(&[2; 20], "p", &[0; 65], &[0; 65], &[], None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        KeyAlgorithm::parse("secp256k1_prehashed"),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(KeyAlgorithm::parse("k256"), Ok(KeyAlgorithm::Secp256k1));
}
