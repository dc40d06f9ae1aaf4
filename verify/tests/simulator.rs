//! Steps 2 and 3 on live simulator evidence (quotes signed by a mock key): refused as not
//! Intel-signed, and fully checked otherwise when the caller opts out of the Intel signature.

mod common;

use common::*;
use dstack_verify::*;
use serde_json::json;

fn dev() -> Options<'static> {
    Options {
        now: NOW_2025,
        insecure_skip_intel_signature: true,
        ..Default::default()
    }
}

fn err(r: Result<Verification>) -> Error {
    match r {
        Ok(v) => panic!("verification held: {}", v.to_json()),
        Err(e) => e,
    }
}

fn get_quote(sim: &Sim, report_data: &[u8]) -> Vec<u8> {
    sim.call(
        "GetQuote",
        json!({ "report_data": hex::encode(report_data) }),
    )
    .to_string()
    .into_bytes()
}

#[test]
fn simulator_quotes_are_refused_as_not_intel_signed() {
    let sim = Sim::start();
    let gq = get_quote(&sim, b"challenge");
    let col = read("dcap/tdx_quote_collateral.json");
    for collateral in [None, Some(col.as_slice())] {
        let o = Options {
            collateral,
            now: NOW_2025,
            ..Default::default()
        };
        let e = err(verify_get_quote_json(&gq, &o));
        assert_eq!(e.check, Check::PckChainRoot, "{e}");
        assert!(e
            .expected
            .as_deref()
            .unwrap()
            .contains(INTEL_SGX_ROOT_CA_SHA256));
        assert!(
            e.actual
                .as_deref()
                .unwrap()
                .contains("Mock PCK Certificate"),
            "{e}"
        );
    }
    let att = hex::decode(
        sim.call("Attest", json!({"report_data": "00"}))["attestation"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let e = err(verify_attestation(
        &att,
        &Options {
            now: NOW_2025,
            ..Default::default()
        },
    ));
    assert_eq!(e.check, Check::PckChainRoot);
}

#[test]
fn simulator_get_quote_with_the_dev_opt_out_gives_the_agents_identity() {
    let sim = Sim::start();
    let info = sim.call("Info", json!({}));
    let gq = get_quote(&sim, b"challenge");
    let o = Options {
        expected_report_data: Some(b"challenge"),
        ..dev()
    };
    let v = verify_get_quote_json(&gq, &o).unwrap();
    assert!(!v.intel_signature_verified && v.insecure_skip_intel_signature);
    assert_eq!(v.tcb_status, None);
    assert_eq!(v.evidence, Evidence::GetQuote);
    assert_eq!(v.rtmrs_verified, [true; 4]);
    assert!(v.event_log_verified && v.report_data_checked);
    assert_eq!(&v.report_data[..9], b"challenge");
    let app = v.app.as_ref().unwrap();
    let s = |k: &str| info[k].as_str().unwrap().to_string();
    assert_eq!(hex::encode(&app.app_id), s("app_id"));
    assert_eq!(hex::encode(&app.instance_id), s("instance_id"));
    assert_eq!(hex::encode(&app.compose_hash), s("compose_hash"));
    assert_eq!(hex::encode(&app.os_image_hash), s("os_image_hash"));
    assert_eq!(hex::encode(app.mr_aggregated), s("mr_aggregated"));
    assert_eq!(
        String::from_utf8(app.key_provider_info.clone()).unwrap(),
        s("key_provider_info")
    );
    assert_eq!(app.key_provider_name, "kms");
    assert_eq!(app.key_provider_id.len(), 182);
    assert!(v.vm_config.as_deref().unwrap().contains("os_image_hash"));
    let j = v.to_json();
    assert_eq!(j["quote_verified"], false);
    assert_eq!(j["insecure_skip_intel_signature"], true);
    assert_eq!(j["app_info"]["app_id"], s("app_id"));

    let o = Options {
        expected_report_data: Some(b"another"),
        ..dev()
    };
    let e = err(verify_get_quote_json(&gq, &o));
    assert_eq!(e.check, Check::ReportData);
    assert!(e
        .actual
        .as_deref()
        .unwrap()
        .starts_with(&hex::encode(b"challenge")));
}

#[test]
fn events_after_system_ready_are_measured_but_do_not_change_the_identity() {
    let sim = Sim::start();
    let before = verify_get_quote_json(&get_quote(&sim, b""), &dev()).unwrap();
    sim.call("EmitEvent", json!({"event": "app-id", "payload": "00ff"}));
    let info = sim.call("Info", json!({}));
    let after = verify_get_quote_json(&get_quote(&sim, b""), &dev()).unwrap();
    let (a, b) = (after.app.as_ref().unwrap(), before.app.as_ref().unwrap());
    assert_eq!(
        a.app_id, b.app_id,
        "an app-id event after system-ready is ignored"
    );
    assert_eq!(a.mr_system, b.mr_system);
    assert_ne!(a.mr_aggregated, b.mr_aggregated);
    assert_eq!(
        hex::encode(a.mr_aggregated),
        info["mr_aggregated"].as_str().unwrap()
    );
    assert_eq!(after.runtime_events.last().unwrap().payload, [0, 0xff]);
}

fn attest(sim: &Sim, report_data: &[u8]) -> Vec<u8> {
    let a = sim.call("Attest", json!({ "report_data": hex::encode(report_data) }));
    hex::decode(a["attestation"].as_str().unwrap()).unwrap()
}

#[test]
fn v1_msgpack_and_v0_scale_attestations_verify_alike() {
    let sim = Sim::start();
    let v1 = attest(&sim, b"nonce");
    let o = Options {
        expected_report_data: Some(b"nonce"),
        ..dev()
    };
    let a = verify_attestation(&v1, &o).unwrap();
    assert_eq!(a.evidence, Evidence::AttestationV1);
    assert_eq!(a.rtmrs_verified, [true; 4]);
    let decoded = attestation::decode(&v1).unwrap();
    let v0 = attestation::encode_v0(&decoded);
    assert_eq!(&v0[..2], [0, 0]);
    let b = verify_attestation(&v0, &o).unwrap();
    assert_eq!(b.evidence, Evidence::AttestationV0);
    assert_eq!(a.app, b.app);
    assert_eq!(a.runtime_events, b.runtime_events);
    assert_eq!(a.vm_config, b.vm_config);
    // Hex text and the Attest JSON answer read the same.
    let hex_text = format!("0x{}\n", hex::encode(&v1));
    assert_eq!(input::attestation(hex_text.as_bytes()).unwrap(), v1);
    let answer = json!({"attestation": hex::encode(&v1)}).to_string();
    assert_eq!(input::attestation(answer.as_bytes()).unwrap(), v1);
}

#[test]
fn tampered_attestations_fail_the_check_they_break() {
    let sim = Sim::start();
    let good = attestation::decode(&attest(&sim, b"x")).unwrap();
    let check = |att: &attestation::Attestation| {
        err(verify_attestation(&attestation::encode_v0(att), &dev()))
    };

    let mut a = good.clone();
    a.runtime_events[1].payload[0] ^= 1;
    let e = check(&a);
    assert_eq!(e.check, Check::RuntimeEvents, "{e}");
    assert!(e.message.contains("runtime event 1"), "{e}");

    let mut a = good.clone();
    a.runtime_events.pop();
    assert_eq!(check(&a).check, Check::RuntimeEvents);

    let mut a = good.clone();
    a.report_data[63] ^= 1;
    let e = check(&a);
    assert_eq!(e.check, Check::AttestationReportData);
    assert_eq!(e.expected, Some(hex::encode(good.report_data)));

    // The same change in both lists: the log no longer replays to the quote's RTMR3.
    let mut a = good.clone();
    let i = a
        .event_log
        .iter()
        .position(|e| e.event == "compose-hash")
        .unwrap();
    a.event_log[i].event_payload[0] ^= 1;
    let j = a
        .runtime_events
        .iter()
        .position(|e| e.event == "compose-hash")
        .unwrap();
    a.runtime_events[j].payload[0] ^= 1;
    let e = check(&a);
    assert_eq!(e.check, Check::RtmrReplay, "{e}");
    assert!(e.message.contains("RTMR3"));

    // A boot event's digest changed: RTMR0 no longer replays.
    let mut a = good.clone();
    a.event_log[0].digest[0] ^= 1;
    let e = check(&a);
    assert_eq!(e.check, Check::RtmrReplay);
    assert!(e.message.contains("RTMR0"), "{e}");

    // Another quote (another report data) under the same stack data.
    let mut a = good.clone();
    a.quote = attestation::decode(&attest(&sim, b"y")).unwrap().quote;
    assert_eq!(check(&a).check, Check::AttestationReportData);
}

#[test]
fn malformed_and_foreign_attestations_are_refused() {
    let sim = Sim::start();
    let v1 = attest(&sim, b"x");
    for bad in [&b""[..], b"\x01", b"\xff\x00", b"{\"a\":1}"] {
        let e = err(verify_attestation(bad, &dev()));
        assert_eq!(e.check, Check::AttestationFormat, "{bad:?}: {e}");
    }
    for len in [1, 10, 100, v1.len() / 2, v1.len() - 1] {
        let e = err(verify_attestation(&v1[..len], &dev()));
        assert_eq!(e.check, Check::AttestationFormat, "{len}: {e}");
    }
    let mut trailing = v1.clone();
    trailing.push(0);
    assert_eq!(
        err(verify_attestation(&trailing, &dev())).check,
        Check::AttestationFormat
    );
    // V0 with the SEV-SNP quote variant, V1 with a non-TDX platform.
    let e = err(verify_attestation(&[0, 3, 0, 0], &dev()));
    assert_eq!(
        (e.check, e.actual.as_deref()),
        (Check::Unsupported, Some("sev-snp"))
    );
    let mut mp = Vec::new();
    let m = |kv: Vec<(&str, rmpv::Value)>| {
        rmpv::Value::Map(kv.into_iter().map(|(k, v)| (k.into(), v)).collect())
    };
    let val = m(vec![
        ("version", 1.into()),
        (
            "platform",
            m(vec![("kind", "nitro-enclave".into()), ("data", m(vec![]))]),
        ),
        ("stack", m(vec![])),
    ]);
    rmpv::encode::write_value(&mut mp, &val).unwrap();
    let e = err(verify_attestation(&mp, &dev()));
    assert_eq!(
        (e.check, e.actual.as_deref()),
        (Check::Unsupported, Some("nitro-enclave"))
    );
    let mut mp = Vec::new();
    rmpv::encode::write_value(&mut mp, &m(vec![("version", 2.into())])).unwrap();
    assert_eq!(
        err(verify_attestation(&mp, &dev())).check,
        Check::AttestationFormat
    );
}

// ---- RA-TLS ----

/// 2025-01-01 and 2036-01-01: a validity that contains NOW_2025.
const NOT_BEFORE: u64 = 1735689600;
const NOT_AFTER: u64 = 2082758400;

fn tls_cert(sim: &Sim, ra_tls: bool) -> Vec<u8> {
    let r = sim.call(
        "GetTlsKey",
        json!({
            "subject": "app.example", "alt_names": ["app.example"], "usage_ra_tls": ra_tls,
            "usage_server_auth": true, "usage_client_auth": false, "with_app_info": true,
            "not_before": NOT_BEFORE, "not_after": NOT_AFTER,
        }),
    );
    let chain = r["certificate_chain"].as_array().unwrap();
    let pem: String = chain.iter().map(|c| c.as_str().unwrap()).collect();
    input::certificate_der(pem.as_bytes()).unwrap()
}

#[test]
fn simulator_ra_tls_certificate_verifies_with_the_dev_opt_out() {
    let sim = Sim::start();
    let info = sim.call("Info", json!({}));
    let der = tls_cert(&sim, true);
    let v = verify_ra_tls_cert(&der, &dev()).unwrap();
    assert_eq!(v.evidence, Evidence::RaTlsCert);
    assert_eq!(v.rtmrs_verified, [false, false, false, true]);
    assert!(v.event_log_verified && v.report_data_checked);
    let c = v.certificate.as_ref().unwrap();
    assert_eq!(c.usage.as_deref(), Some("app:custom"));
    assert!(c.app_info_extension);
    assert_eq!(c.source, ratls::AttestationSource::Attestation);
    assert_eq!(
        (c.not_before, c.not_after),
        (NOT_BEFORE as i64, NOT_AFTER as i64)
    );
    assert_eq!(v.report_data, ratls::ra_tls_report_data(&c.public_key_der));
    let app = v.app.as_ref().unwrap();
    assert_eq!(hex::encode(&app.app_id), info["app_id"].as_str().unwrap());
    assert_eq!(c.app_id.as_deref(), Some(app.app_id.as_slice()));
    // Not Intel-signed without the opt-out; refused outside its validity period.
    let e = err(verify_ra_tls_cert(
        &der,
        &Options {
            now: NOW_2025,
            ..Default::default()
        },
    ));
    assert_eq!(e.check, Check::PckChainRoot);
    for now in [NOT_BEFORE - 1, NOT_AFTER + 1] {
        let e = err(verify_ra_tls_cert(&der, &Options { now, ..dev() }));
        assert_eq!(e.check, Check::CertificateValidity, "{e}");
    }
    let e = err(verify_ra_tls_cert(
        &der,
        &Options {
            expected_report_data: Some(b"x"),
            ..dev()
        },
    ));
    assert_eq!(e.check, Check::Input);
}

#[test]
fn a_certificate_whose_key_is_not_in_the_report_data_fails_the_binding() {
    use p256::pkcs8::EncodePublicKey;
    let sim = Sim::start();
    let der = tls_cert(&sim, true);
    let parsed = ratls::parse_certificate(&der).unwrap();
    let other = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
    let other_spki = other
        .verifying_key()
        .to_public_key_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    assert_eq!(other_spki.len(), parsed.public_key_der.len());
    // Same certificate, another key in it (the signature no longer holds, which this
    // verifier does not check: the binding is what matters).
    let pos = der
        .windows(other_spki.len())
        .position(|w| w == parsed.public_key_der)
        .unwrap();
    let mut forged = der.clone();
    forged[pos..pos + other_spki.len()].copy_from_slice(&other_spki);
    let e = err(verify_ra_tls_cert(&forged, &dev()));
    assert_eq!(e.check, Check::RaTlsBinding, "{e}");
    assert_eq!(
        e.expected,
        Some(hex::encode(ratls::ra_tls_report_data(&other_spki)))
    );
    assert_eq!(
        e.actual,
        Some(hex::encode(ratls::ra_tls_report_data(
            &parsed.public_key_der
        )))
    );
}

#[test]
fn certificates_without_attestation_or_malformed_are_refused() {
    let sim = Sim::start();
    let plain = tls_cert(&sim, false);
    let e = err(verify_ra_tls_cert(&plain, &dev()));
    assert_eq!(e.check, Check::CertificateFormat);
    assert!(e.message.contains("1.3.6.1.4.1.62397.1.8"), "{e}");
    let der = tls_cert(&sim, true);
    for len in [0, 1, 10, 100, der.len() / 2, der.len() - 1] {
        let e = err(verify_ra_tls_cert(&der[..len], &dev()));
        assert_eq!(e.check, Check::CertificateFormat, "{len}: {e}");
    }
    assert!(input::certificate_der(
        b"-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n"
    )
    .is_err());
}

// Legacy certificates (quote and event log in 1.1 / 1.2), built here.

mod legacy {
    use der::asn1::OctetString;
    use der::oid::{AssociatedOid, ObjectIdentifier};
    use der::{Encode, Length, Writer};
    use p256::ecdsa::{DerSignature, SigningKey};
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::ext::{AsExtension, Extension};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::Validity;

    macro_rules! ext {
        ($name:ident, $oid:expr) => {
            pub struct $name(pub OctetString);
            impl AssociatedOid for $name {
                const OID: ObjectIdentifier = ObjectIdentifier::new_unwrap($oid);
            }
            impl Encode for $name {
                fn encoded_len(&self) -> der::Result<Length> {
                    self.0.encoded_len()
                }
                fn encode(&self, w: &mut impl Writer) -> der::Result<()> {
                    self.0.encode(w)
                }
            }
            impl AsExtension for $name {
                fn critical(&self, _: &Name, _: &[Extension]) -> bool {
                    false
                }
            }
        };
    }
    ext!(Quote, "1.3.6.1.4.1.62397.1.1");
    ext!(EventLog, "1.3.6.1.4.1.62397.1.2");
    ext!(AppId, "1.3.6.1.4.1.62397.1.3");

    /// A self-signed certificate for `key` with the legacy extensions.
    pub fn cert(key: &SigningKey, quote: &[u8], log: &[u8], app_id: Option<&[u8]>) -> Vec<u8> {
        let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).unwrap();
        let validity = Validity {
            not_before: x509_cert::time::Time::UtcTime(
                der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(
                    super::NOT_BEFORE,
                ))
                .unwrap(),
            ),
            not_after: x509_cert::time::Time::UtcTime(
                der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(
                    super::NOT_AFTER,
                ))
                .unwrap(),
            ),
        };
        let subject: Name = "CN=legacy".parse().unwrap();
        let mut b = CertificateBuilder::new(
            Profile::Manual { issuer: None },
            SerialNumber::new(&[1]).unwrap(),
            validity,
            subject,
            spki,
            key,
        )
        .unwrap();
        b.add_extension(&Quote(OctetString::new(quote).unwrap()))
            .unwrap();
        b.add_extension(&EventLog(OctetString::new(log).unwrap()))
            .unwrap();
        if let Some(id) = app_id {
            b.add_extension(&AppId(OctetString::new(id).unwrap()))
                .unwrap();
        }
        b.build::<DerSignature>().unwrap().to_der().unwrap()
    }
}

#[test]
fn legacy_certificates_with_plain_or_gzip_event_logs_verify() {
    use p256::pkcs8::EncodePublicKey;
    use std::io::Write;
    let sim = Sim::start();
    let key = p256::ecdsa::SigningKey::from_slice(&[9; 32]).unwrap();
    let spki = key
        .verifying_key()
        .to_public_key_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    let gq: serde_json::Value =
        serde_json::from_slice(&get_quote(&sim, &ratls::ra_tls_report_data(&spki))).unwrap();
    let quote = unhex(gq["quote"].as_str().unwrap());
    let log = gq["event_log"].as_str().unwrap().as_bytes().to_vec();
    let mut gz = flate2::write::GzEncoder::new(b"ELGZv1".to_vec(), flate2::Compression::best());
    gz.write_all(&log).unwrap();
    let gz = gz.finish().unwrap();
    let app_id = verify_get_quote_json(gq.to_string().as_bytes(), &dev())
        .unwrap()
        .app
        .unwrap()
        .app_id;
    for l in [&log, &gz] {
        let der = legacy::cert(&key, &quote, l, Some(&app_id));
        let v = verify_ra_tls_cert(&der, &dev()).unwrap();
        let c = v.certificate.unwrap();
        assert_eq!(c.source, ratls::AttestationSource::LegacyQuoteAndEventLog);
        assert_eq!(v.rtmrs_verified, [false, false, false, true]);
        assert_eq!(v.app.unwrap().app_id, app_id);
    }
    // An app-id extension that is not the attested app id.
    let der = legacy::cert(&key, &quote, &log, Some(&[0xaa; 20]));
    let e = err(verify_ra_tls_cert(&der, &dev()));
    assert_eq!(e.check, Check::CertificateAppId);
    assert_eq!(e.actual, Some(hex::encode([0xaa; 20])));
    // A quote for another key.
    let other = get_quote(&sim, b"not the binding");
    let other: serde_json::Value = serde_json::from_slice(&other).unwrap();
    let der = legacy::cert(&key, &unhex(other["quote"].as_str().unwrap()), &log, None);
    assert_eq!(
        err(verify_ra_tls_cert(&der, &dev())).check,
        Check::RaTlsBinding
    );
    // Broken gzip and a gzip bomb past the 16 KiB bound.
    let der = legacy::cert(&key, &quote, b"ELGZv1not gzip", None);
    assert_eq!(
        err(verify_ra_tls_cert(&der, &dev())).check,
        Check::CertificateFormat
    );
    let mut bomb = flate2::write::GzEncoder::new(b"ELGZv1".to_vec(), flate2::Compression::best());
    bomb.write_all(&vec![b' '; 1 << 20]).unwrap();
    let der = legacy::cert(&key, &quote, &bomb.finish().unwrap(), None);
    let e = err(verify_ra_tls_cert(&der, &dev()));
    assert_eq!(e.check, Check::CertificateFormat);
    assert!(e.message.contains("16384"), "{e}");
}
