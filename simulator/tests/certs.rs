//! GetTlsKey and tappd DeriveKey certificates (PROTOCOL §2.1, §2.2, §3, §6.4), parsed with
//! x509-parser and checked against the CA in the keys file.

mod common;
use common::*;
use serde_json::{json, Value};
use x509_parser::prelude::*;

const PKCS8_P256_HEADER: &str =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420";

fn pem_der(pem: &str) -> Vec<u8> {
    let (_, p) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    p.contents
}

/// The octet string inside a custom extension's value (ra-tls wraps content in DER OCTET STRING).
fn unwrap_octets(v: &[u8]) -> Vec<u8> {
    use der::Decode;
    der::asn1::OctetString::from_der(v)
        .expect("DER OCTET STRING")
        .into_bytes()
}

fn ext<'a>(cert: &'a X509Certificate, oid: &str) -> Option<&'a X509Extension<'a>> {
    cert.extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == oid)
}

/// Checks the issuer's ECDSA-P256 signature over the leaf's TBS.
fn check_signed_by(leaf: &X509Certificate, ca: &X509Certificate) {
    use p256::ecdsa::signature::Verifier;
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&ca.public_key().subject_public_key.data)
        .unwrap();
    let sig = p256::ecdsa::Signature::from_der(&leaf.signature_value.data).unwrap();
    vk.verify(leaf.tbs_certificate.as_ref(), &sig).unwrap();
    assert_eq!(leaf.issuer(), ca.subject());
}

fn key_scalar(pem: &str) -> Vec<u8> {
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
    assert_eq!(label, "PRIVATE KEY");
    assert_eq!(hex(&der[..36]), PKCS8_P256_HEADER, "PKCS#8 P-256 layout");
    der[36..68].to_vec()
}

fn pub_of(scalar: &[u8]) -> Vec<u8> {
    let sk = p256::ecdsa::SigningKey::from_slice(scalar).unwrap();
    sk.verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

#[test]
fn get_tls_key_certificate() {
    let sim = Sim::start(&["--app-keys", &fixture_keys(), "--app-id", FIXTURE_APP_ID]);
    let keys: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_keys()).unwrap()).unwrap();
    let r = sim.call(
        "GetTlsKey",
        json!({
            "subject": "app.example",
            "alt_names": ["app.example", "10.0.0.7", "::1"],
            "usage_ra_tls": true,
            "usage_server_auth": true,
            "usage_client_auth": true,
            "not_before": 1700000000u64,
            "not_after": 2600000000u64,
            "with_app_info": true,
        }),
    );
    let chain = r["certificate_chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(
        chain[1], keys["ca_cert"],
        "chain ends with the keys file's CA"
    );
    let leaf_der = pem_der(chain[0].as_str().unwrap());
    let ca_der = pem_der(chain[1].as_str().unwrap());
    let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    check_signed_by(&leaf, &ca);
    assert_eq!(leaf.version(), X509Version::V3);
    let cn: Vec<&str> = leaf
        .subject()
        .iter_common_name()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cn, ["app.example"]);
    assert_eq!(leaf.validity().not_before.timestamp(), 1700000000);
    assert_eq!(
        leaf.validity().not_after.timestamp(),
        2600000000,
        "GeneralizedTime after 2049"
    );
    let san = leaf.subject_alternative_name().unwrap().unwrap().value;
    let names: Vec<String> = san
        .general_names
        .iter()
        .map(|g| match g {
            GeneralName::DNSName(d) => format!("dns:{d}"),
            GeneralName::IPAddress(ip) => format!("ip:{}", hex(ip)),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            "dns:app.example",
            "ip:0a000007",
            "ip:00000000000000000000000000000001"
        ]
    );
    let eku = leaf.extended_key_usage().unwrap().unwrap();
    assert!(eku.value.server_auth && eku.value.client_auth);
    // Only KeyUsage is critical; SAN, EKU and the custom extensions are not.
    for e in leaf.extensions() {
        assert_eq!(e.critical, e.oid.to_id_string() == "2.5.29.15", "{}", e.oid);
    }
    let ku = leaf.key_usage().unwrap().unwrap();
    assert!(ku.critical && ku.value.digital_signature());
    // Key: PKCS#8 P-256 matching the certificate.
    let scalar = key_scalar(r["key"].as_str().unwrap());
    assert_eq!(
        pub_of(&scalar),
        leaf.public_key().subject_public_key.data.to_vec()
    );

    // Custom extensions.
    let app_id = unwrap_octets(ext(&leaf, "1.3.6.1.4.1.62397.1.3").unwrap().value);
    assert_eq!(hex(&app_id), FIXTURE_APP_ID);
    assert_eq!(
        unwrap_octets(ext(&leaf, "1.3.6.1.4.1.62397.1.4").unwrap().value),
        b"app:custom"
    );
    let att = mp_decode(&unwrap_octets(
        ext(&leaf, "1.3.6.1.4.1.62397.1.8").unwrap().value,
    ));
    let quote = att
        .get("platform")
        .get("data")
        .get("quote")
        .bytes()
        .to_vec();
    let spki = leaf.public_key().raw;
    use sha2::Digest;
    let expect_rd = sha2::Sha512::digest([b"ratls-cert:".as_slice(), spki].concat());
    assert_eq!(QuoteView(&quote).report_data(), expect_rd.as_slice());
    // The cert's event log: RTMR3 + ACPI DATA events, stripped; RTMR3 replays soundly.
    let log = att.get("platform").get("data").get("event_log").array();
    let mut rtmr3 = vec![0u8; 48];
    for e in log {
        let imr = e.get("imr").as_u64();
        assert!(imr == Some(3) || imr == Some(0));
        if imr == Some(3) {
            assert!(e.get("digest").bytes().is_empty(), "stripped");
            let name = e.get("event").as_str().unwrap();
            rtmr3 = sha384(
                &[
                    rtmr3.as_slice(),
                    &v1_digest(name, e.get("event_payload").bytes()),
                ]
                .concat(),
            );
        } else {
            assert_eq!(e.get("event_payload").bytes(), b"ACPI DATA");
        }
    }
    assert_eq!(QuoteView(&quote).rtmr(3), rtmr3.as_slice());
    // App info: msgpack positional array of 9 fields.
    let info_raw = unwrap_octets(ext(&leaf, "1.3.6.1.4.1.62397.1.9").unwrap().value);
    assert_eq!(info_raw[0], 0x99);
    let info_val = mp_decode(&info_raw);
    let fields = info_val.array();
    let info = sim.call("Info", json!({}));
    assert_eq!(hex(fields[0].bytes()), FIXTURE_APP_ID);
    assert_eq!(
        hex(fields[1].bytes()),
        info["compose_hash"].as_str().unwrap()
    );
    assert_eq!(
        hex(fields[2].bytes()),
        info["instance_id"].as_str().unwrap()
    );
    assert_eq!(hex(fields[3].bytes()), info["device_id"].as_str().unwrap());
    assert_eq!(
        hex(fields[5].bytes()),
        info["mr_aggregated"].as_str().unwrap()
    );
    assert_eq!(
        hex(fields[6].bytes()),
        info["os_image_hash"].as_str().unwrap()
    );
    assert_eq!(
        fields[7].bytes(),
        info["key_provider_info"].as_str().unwrap().as_bytes()
    );
    assert_eq!(fields[8], Mp::Array(vec![]), "no init scripts measured");
    // mr_system = SHA-256(MRTD ‖ RTMR0..2 ‖ SHA-256(key-provider payload)).
    let mr_system = sha256(
        &[
            QuoteView(&quote).mrtd(),
            QuoteView(&quote).rtmr(0),
            QuoteView(&quote).rtmr(1),
            QuoteView(&quote).rtmr(2),
            &sha256(info["key_provider_info"].as_str().unwrap().as_bytes()),
        ]
        .concat(),
    );
    assert_eq!(fields[4].bytes(), mr_system.as_slice());

    // Fresh key every call.
    let again = sim.call("GetTlsKey", json!({"subject": "app.example"}));
    assert_ne!(again["key"], r["key"]);
}

#[test]
fn get_tls_key_defaults_and_validation() {
    let sim = Sim::start(&[]);
    let r = sim.call("GetTlsKey", json!({}));
    let chain = r["certificate_chain"].as_array().unwrap();
    let leaf_der = pem_der(chain[0].as_str().unwrap());
    let ca_der = pem_der(chain[1].as_str().unwrap());
    let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    check_signed_by(&leaf, &ca);
    check_signed_by(&ca, &ca);
    assert!(ca.basic_constraints().unwrap().unwrap().value.ca);
    let cn: Vec<&str> = ca
        .subject()
        .iter_common_name()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cn, ["Dstack KMS CA"]);
    assert!(
        leaf.extended_key_usage().unwrap().is_none(),
        "no usage flags, no EKU"
    );
    assert!(leaf.subject_alternative_name().unwrap().is_none());
    assert!(ext(&leaf, "1.3.6.1.4.1.62397.1.8").is_none());
    assert!(ext(&leaf, "1.3.6.1.4.1.62397.1.9").is_none());
    let v = leaf.validity();
    assert_eq!(
        v.not_after.timestamp() - v.not_before.timestamp(),
        3650 * 86400,
        "ten years by default"
    );
    // The key-provider id is the SPKI of the CA key.
    let info = sim.call("Info", json!({}));
    let kp: Value = serde_json::from_str(info["key_provider_info"].as_str().unwrap()).unwrap();
    assert_eq!(kp["name"], "kms");
    assert_eq!(kp["id"], hex(ca.public_key().raw));
    for (nb, na) in [(100, 100), (200, 100)] {
        let r = post_json(
            &sim.dstack(),
            "/GetTlsKey",
            &json!({"not_before": nb, "not_after": na}).to_string(),
        );
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json()["error"],
            "not_before must be earlier than not_after"
        );
    }
}

#[test]
fn tappd_derive_key_is_deterministic() {
    let sim = Sim::start(&["--app-keys", &fixture_keys(), "--app-id", FIXTURE_APP_ID]);
    let keys: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_keys()).unwrap()).unwrap();
    let args = json!({"path": "/keys/tls", "subject": "svc", "alt_names": ["svc.local"], "usage_server_auth": true});
    let a = sim.tappd_call("DeriveKey", args.clone());
    let b = sim.tappd_call("DeriveKey", args.clone());
    assert_eq!(a["key"], b["key"]);
    // §6.1: P-256 scalar = HKDF-SHA256(salt "RATLS", IKM app k256 key, info path).
    let mut d = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(b"RATLS"), &unhex(keys["k256_key"].as_str().unwrap()))
        .expand(b"/keys/tls", &mut d)
        .unwrap();
    assert_eq!(key_scalar(a["key"].as_str().unwrap()), d);
    let chain = a["certificate_chain"].as_array().unwrap();
    let leaf_der = pem_der(chain[0].as_str().unwrap());
    let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
    let ca_der = pem_der(chain[1].as_str().unwrap());
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    check_signed_by(&leaf, &ca);
    assert_eq!(
        pub_of(&d),
        leaf.public_key().subject_public_key.data.to_vec()
    );
    assert!(
        leaf.extended_key_usage()
            .unwrap()
            .unwrap()
            .value
            .server_auth
    );
    let mut random = args;
    random["random_seed"] = json!(true);
    let c = sim.tappd_call("DeriveKey", random);
    assert_ne!(c["key"], a["key"]);
}

#[test]
fn info_app_cert_is_the_agents_demo_certificate() {
    // Upstream's `request_demo_cert`: subject `demo-cert`, client auth, RA-TLS, chain joined
    // by "\n", issued once.
    let sim = Sim::start(&["--app-keys", &fixture_keys(), "--app-id", FIXTURE_APP_ID]);
    let keys: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_keys()).unwrap()).unwrap();
    let info = sim.call("Info", json!({}));
    let pem = info["app_cert"].as_str().unwrap();
    let blocks: Vec<Vec<u8>> = x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes())
        .map(|p| p.unwrap().contents)
        .collect();
    assert_eq!(blocks.len(), 2, "leaf and CA");
    let (leaf_pem, ca_pem) = pem.split_once("\n\n").expect("PEMs joined by a newline");
    assert_eq!(ca_pem, keys["ca_cert"].as_str().unwrap());
    assert!(leaf_pem.ends_with("-----END CERTIFICATE-----"));
    let (_, leaf) = X509Certificate::from_der(&blocks[0]).unwrap();
    let (_, ca) = X509Certificate::from_der(&blocks[1]).unwrap();
    check_signed_by(&leaf, &ca);
    let cn: Vec<&str> = leaf
        .subject()
        .iter_common_name()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cn, ["demo-cert"]);
    let eku = leaf.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.client_auth && !eku.server_auth);
    assert!(leaf.subject_alternative_name().unwrap().is_none());
    assert!(ext(&leaf, "1.3.6.1.4.1.62397.1.9").is_none(), "no app info");
    assert_eq!(
        unwrap_octets(ext(&leaf, "1.3.6.1.4.1.62397.1.3").unwrap().value),
        unhex(FIXTURE_APP_ID)
    );
    // RA-TLS: the quote binds this certificate's key.
    let att = unwrap_octets(ext(&leaf, "1.3.6.1.4.1.62397.1.8").unwrap().value);
    let att = mp_decode(&att);
    let quote = att
        .get("platform")
        .get("data")
        .get("quote")
        .bytes()
        .to_vec();
    let spki = leaf.tbs_certificate.subject_pki.raw;
    let expect = {
        use sha2::Digest;
        sha2::Sha512::digest([b"ratls-cert:".as_slice(), spki].concat()).to_vec()
    };
    assert_eq!(QuoteView(&quote).report_data(), expect.as_slice());
    // Kept: the next Info (either socket) shows the same certificate.
    assert_eq!(sim.call("Info", json!({}))["app_cert"], info["app_cert"]);
    assert_eq!(
        sim.tappd_call("Info", json!({}))["app_cert"],
        info["app_cert"]
    );
}
