//! App keys and everything derived from them (PROTOCOL §6.1, §6.2): GetKey, Sign/Verify,
//! the local CA that issues TLS certificates.

use crate::cert;
use crate::util::{hex, keccak256, ratls_kdf, sha256, unhex, unpem};
use der::asn1::OctetString;
use p256::pkcs8::DecodePrivateKey;
use serde_json::Value;

pub struct AppKeys {
    /// The app's k256 secret (in a CVM: derived by the KMS from its root key).
    pub k256_key: [u8; 32],
    /// KMS root signature over the app key (`k256_signature`), 65 B r‖s‖v.
    pub k256_signature: [u8; 65],
    pub ca_key: p256::ecdsa::SigningKey,
    pub ca_cert_pem: String,
    /// The CA certificate's subject, issuer of the leaves.
    pub ca_subject: x509_cert::name::Name,
    /// The KMS root public key when the simulator made the key set itself (documented so
    /// users can pin it); unknown for a loaded file.
    pub kms_root_pub: Option<[u8; 33]>,
}

/// Seed of the built-in development key set. Public on purpose: these keys protect nothing.
pub const DEV_SEED: &[u8] = b"dstack-simulator development keys v1";

/// `keccak256("dstack-kms-issued" ":" app_id app_pub)`, the message of `k256_signature`.
fn kms_issued_digest(app_id: &[u8], app_pub: &[u8]) -> [u8; 32] {
    keccak256(&[b"dstack-kms-issued:", app_id, app_pub])
}

pub fn sign_recoverable(
    key: &k256::ecdsa::SigningKey,
    digest: &[u8; 32],
) -> Result<[u8; 65], String> {
    let (sig, recid) = key
        .sign_prehash_recoverable(digest)
        .map_err(|e| format!("signing failed: {e}"))?;
    let (sig, recid) = match sig.normalize_s() {
        Some(low) => (
            low,
            k256::ecdsa::RecoveryId::from_byte(recid.to_byte() ^ 1).unwrap_or(recid),
        ),
        None => (sig, recid),
    };
    let mut out = [0u8; 65];
    out[..64].copy_from_slice(&sig.to_bytes());
    out[64] = recid.to_byte();
    Ok(out)
}

fn k256_from(d: &[u8; 32]) -> Result<k256::ecdsa::SigningKey, String> {
    k256::ecdsa::SigningKey::from_bytes(d.into())
        .map_err(|_| "derived key is not a valid secp256k1 scalar".to_string())
}

impl AppKeys {
    /// Loads the upstream `appkeys.json` format (`k256_key`, `k256_signature`, `ca_cert`,
    /// `key_provider.<Kind>.key` PEM PKCS#8).
    pub fn load(text: &str) -> Result<AppKeys, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("app keys: {e}"))?;
        let field = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("app keys: missing {k}"))
        };
        let k256_key: [u8; 32] = unhex(field("k256_key")?)?
            .try_into()
            .map_err(|_| "app keys: k256_key must be 32 bytes")?;
        let k256_signature: [u8; 65] = unhex(field("k256_signature")?)?
            .try_into()
            .map_err(|_| "app keys: k256_signature must be 65 bytes")?;
        let ca_cert_pem = field("ca_cert")?.to_string();
        let ca_cert_der = unpem("CERTIFICATE", &ca_cert_pem)?;
        let ca_subject =
            cert::subject_of(&ca_cert_der).map_err(|e| format!("app keys: ca_cert: {e}"))?;
        let kp = v
            .get("key_provider")
            .and_then(Value::as_object)
            .ok_or("app keys: missing key_provider")?;
        let key_pem = kp
            .values()
            .find_map(|p| p.get("key").and_then(Value::as_str))
            .ok_or("app keys: key_provider has no key")?;
        let ca_key = p256::ecdsa::SigningKey::from_pkcs8_pem(key_pem)
            .map_err(|e| format!("app keys: CA key: {e}"))?;
        k256_from(&k256_key)?;
        Ok(AppKeys {
            k256_key,
            k256_signature,
            ca_key,
            ca_cert_pem,
            ca_subject,
            kms_root_pub: None,
        })
    }

    /// A deterministic key set from [`DEV_SEED`], issued the way a KMS would: a root k256 key
    /// derives the app key and signs it for `app_id`, and a CA key self-signs
    /// `O=Dstack, CN=Dstack KMS CA`. Its chains verify to `kms_root_pub`.
    pub fn builtin(app_id: &[u8]) -> Result<AppKeys, String> {
        let root_secret = sha256(&[DEV_SEED, b":kms-root-k256"]);
        let root = k256_from(&root_secret)?;
        let k256_key = ratls_kdf(&root_secret, &[app_id, b"app-key"]);
        let app = k256_from(&k256_key)?;
        let app_pub = app.verifying_key().to_encoded_point(true);
        let k256_signature =
            sign_recoverable(&root, &kms_issued_digest(app_id, app_pub.as_bytes()))?;
        let ca_secret = sha256(&[DEV_SEED, b":ca-p256"]);
        let ca_key =
            p256::ecdsa::SigningKey::from_bytes((&ca_secret).into()).map_err(|e| e.to_string())?;
        let ca_subject = cert::name(Some("Dstack"), "Dstack KMS CA")?;
        let ski = sha256(&[&cert::spki_der(&ca_key)?]);
        let ca_cert_der = cert::build(
            cert::CertSpec {
                serial: &sha256(&[DEV_SEED, b":ca-serial"])[..16],
                issuer: None,
                subject: ca_subject.clone(),
                not_before: 1735689600, // 2025-01-01
                not_after: 2082758400,  // 2036-01-01
                key: ca_key.verifying_key(),
            },
            &ca_key,
            |b| {
                use cert::KeyUsages as U;
                b.add_extension(&cert::KeyUsage(
                    U::DigitalSignature | U::KeyCertSign | U::CRLSign,
                ))?;
                b.add_extension(&cert::SubjectKeyIdentifier(OctetString::new(&ski[..20])?))?;
                b.add_extension(&cert::BasicConstraints {
                    ca: true,
                    path_len_constraint: Some(1),
                })
            },
        )?;
        let ca_cert_pem = crate::util::pem("CERTIFICATE", &ca_cert_der)?;
        let mut root_pub = [0u8; 33];
        root_pub.copy_from_slice(root.verifying_key().to_encoded_point(true).as_bytes());
        Ok(AppKeys {
            k256_key,
            k256_signature,
            ca_key,
            ca_cert_pem,
            ca_subject,
            kms_root_pub: Some(root_pub),
        })
    }

    pub fn app_signer(&self) -> Result<k256::ecdsa::SigningKey, String> {
        k256_from(&self.k256_key)
    }

    /// SPKI DER of the CA key, the `id` of the `key-provider` event.
    pub fn ca_spki(&self) -> Result<Vec<u8>, String> {
        cert::spki_der(&self.ca_key)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Algo {
    Secp256k1,
    Secp256k1Prehashed,
    Ed25519,
}

impl Algo {
    pub fn parse_getkey(s: &str) -> Result<Algo, String> {
        match s {
            "" | "secp256k1" | "k256" => Ok(Algo::Secp256k1),
            "ed25519" => Ok(Algo::Ed25519),
            _ => Err("Unsupported algorithm".into()),
        }
    }
    pub fn parse_sign(s: &str) -> Result<Algo, String> {
        match s {
            "secp256k1" | "k256" => Ok(Algo::Secp256k1),
            "secp256k1_prehashed" => Ok(Algo::Secp256k1Prehashed),
            "ed25519" => Ok(Algo::Ed25519),
            _ => Err("Unsupported algorithm".into()),
        }
    }
}

pub struct DerivedKey {
    pub secret: [u8; 32],
    pub public: Vec<u8>,
    /// [chain0 over (purpose, pubkey), k256_signature]
    pub chain: [[u8; 65]; 2],
}

/// GetKey: `d = HKDF(app key, path)`; the same `d` for both algorithms (issue #605).
pub fn get_key(
    keys: &AppKeys,
    path: &str,
    purpose: &str,
    algo: Algo,
) -> Result<DerivedKey, String> {
    let secret = ratls_kdf(&keys.k256_key, &[path.as_bytes()]);
    let public = match algo {
        Algo::Ed25519 => ed25519_dalek::SigningKey::from_bytes(&secret)
            .verifying_key()
            .to_bytes()
            .to_vec(),
        _ => k256_from(&secret)?
            .verifying_key()
            .to_encoded_point(true)
            .as_bytes()
            .to_vec(),
    };
    let msg = format!("{purpose}:{}", hex(&public));
    let chain0 = sign_recoverable(&keys.app_signer()?, &keccak256(&[msg.as_bytes()]))?;
    Ok(DerivedKey {
        secret,
        public,
        chain: [chain0, keys.k256_signature],
    })
}

pub struct Signed {
    pub signature: Vec<u8>,
    /// [signature, chain0 for ("signing", public key), k256_signature]
    pub chain: Vec<Vec<u8>>,
    pub public_key: Vec<u8>,
}

/// Sign with the `vms`/`signing` key.
pub fn sign(keys: &AppKeys, algo: Algo, data: &[u8]) -> Result<Signed, String> {
    let base = if algo == Algo::Ed25519 {
        Algo::Ed25519
    } else {
        Algo::Secp256k1
    };
    let dk = get_key(keys, "vms", "signing", base)?;
    let signature = match algo {
        Algo::Ed25519 => {
            use ed25519_dalek::Signer;
            ed25519_dalek::SigningKey::from_bytes(&dk.secret)
                .sign(data)
                .to_bytes()
                .to_vec()
        }
        Algo::Secp256k1 => {
            let sig = k256_from(&dk.secret)?
                .sign_prehash_recoverable(&sha256(&[data]))
                .map_err(|e| e.to_string())?
                .0;
            sig.normalize_s().unwrap_or(sig).to_bytes().to_vec()
        }
        Algo::Secp256k1Prehashed => {
            if data.len() != 32 {
                return Err(format!(
                    "Pre-hashed signing requires a 32-byte digest, but received {} bytes",
                    data.len()
                ));
            }
            let sig = k256_from(&dk.secret)?
                .sign_prehash_recoverable(data)
                .map_err(|e| e.to_string())?
                .0;
            sig.normalize_s().unwrap_or(sig).to_bytes().to_vec()
        }
    };
    let chain = vec![
        signature.clone(),
        dk.chain[0].to_vec(),
        dk.chain[1].to_vec(),
    ];
    Ok(Signed {
        signature,
        chain,
        public_key: dk.public,
    })
}

/// Verify: malformed key or signature is an error, a well-formed mismatch is `false`.
pub fn verify(
    algo: Algo,
    data: &[u8],
    signature: &[u8],
    public_key: &[u8],
) -> Result<bool, String> {
    match algo {
        Algo::Ed25519 => {
            use ed25519_dalek::Verifier;
            let pk: [u8; 32] = public_key
                .try_into()
                .map_err(|_| "Invalid ed25519 public key length".to_string())?;
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk)
                .map_err(|e| format!("Invalid ed25519 public key: {e}"))?;
            let sig = ed25519_dalek::Signature::from_slice(signature)
                .map_err(|e| format!("Invalid ed25519 signature: {e}"))?;
            Ok(vk.verify(data, &sig).is_ok())
        }
        Algo::Secp256k1 | Algo::Secp256k1Prehashed => {
            use k256::ecdsa::signature::hazmat::PrehashVerifier;
            let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                .map_err(|_| "Invalid secp256k1 public key".to_string())?;
            let sig = k256::ecdsa::Signature::from_slice(signature)
                .map_err(|_| "Invalid secp256k1 signature".to_string())?;
            let digest = if algo == Algo::Secp256k1 {
                sha256(&[data]).to_vec()
            } else {
                if data.len() != 32 {
                    return Err(format!(
                        "Pre-hashed verification requires a 32-byte digest, but received {} bytes",
                        data.len()
                    ));
                }
                data.to_vec()
            };
            Ok(vk.verify_prehash(&digest, &sig).is_ok())
        }
    }
}
