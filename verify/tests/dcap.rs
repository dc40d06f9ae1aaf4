//! Step 1 on real Intel-signed quotes (testdata/dcap) and the real GetQuote fixtures: statuses,
//! the validity window, the policy, and every way the evidence can be broken.

mod common;

use common::*;
use dstack_verify::*;

fn opts(collateral: &[u8], now: u64) -> Options<'_> {
    Options {
        collateral: Some(collateral),
        now,
        ..Default::default()
    }
}

fn err(r: Result<Verification>) -> Error {
    match r {
        Ok(v) => panic!("verification held: {}", v.to_json()),
        Err(e) => e,
    }
}

#[test]
fn real_tdx_quote_is_up_to_date_inside_its_collateral_window() {
    let col = read("dcap/tdx_quote_collateral.json");
    let v = verify_quote(&read("dcap/tdx_quote"), &opts(&col, NOW_2025)).unwrap();
    assert_eq!(v.tcb_status, Some(TcbStatus::UpToDate));
    assert!(v.advisory_ids.is_empty());
    assert!(v.intel_signature_verified && !v.insecure_skip_intel_signature);
    assert_eq!(
        (v.tee, v.quote_version, v.evidence),
        (Tee::Tdx, 4, Evidence::Quote)
    );
    assert_eq!(v.ppid.len(), 16);
    let (from, until) = (
        v.collateral_valid_from.unwrap(),
        v.collateral_valid_until.unwrap(),
    );
    assert_eq!(format_unix(from), "2025-06-19T10:32:27Z");
    assert_eq!(format_unix(until), "2025-07-19T10:00:35Z");
    // Both ends of the window are inside it.
    for now in [from, until - 1] {
        verify_quote(&read("dcap/tdx_quote"), &opts(&col, now)).unwrap();
    }
    let j = v.to_json();
    assert_eq!(j["tcb_status"], "UpToDate");
    assert_eq!(j["quote_verified"], true);
}

#[test]
fn real_sgx_quote_needs_configuration_and_sw_hardening() {
    let col = read("dcap/sgx_quote_collateral.json");
    let quote = read("dcap/sgx_quote");
    // The default policy accepts UpToDate only: the failure names both sides.
    let e = err(verify_quote(&quote, &opts(&col, NOW_2025)));
    assert_eq!(e.check, Check::TcbStatus);
    assert_eq!(e.expected.as_deref(), Some("one of UpToDate"));
    assert_eq!(
        e.actual.as_deref(),
        Some("ConfigurationAndSWHardeningNeeded (advisories INTEL-SA-00289, INTEL-SA-00615)")
    );
    let policy = TcbPolicy::parse_list("ConfigurationAndSWHardeningNeeded").unwrap();
    let v = verify_quote(
        &quote,
        &Options {
            policy,
            ..opts(&col, NOW_2025)
        },
    )
    .unwrap();
    assert_eq!(v.tee, Tee::Sgx);
    assert_eq!(
        v.tcb_status,
        Some(TcbStatus::ConfigurationAndSWHardeningNeeded)
    );
    assert_eq!(v.advisory_ids, ["INTEL-SA-00289", "INTEL-SA-00615"]);
    assert!(matches!(v.body, QuoteBody::Enclave { .. }));
    let v = verify_quote(
        &quote,
        &Options {
            policy: TcbPolicy::ANY,
            ..opts(&col, NOW_2025)
        },
    );
    assert!(v.is_ok());
}

#[test]
fn outdated_tdx_quote_matches_no_tcb_level() {
    let col = read("dcap/tdx_quote_outdated_collateral.json");
    let o = Options {
        policy: TcbPolicy::ANY,
        ..opts(&col, NOW_2026)
    };
    let e = err(verify_quote(&read("dcap/tdx_quote_outdated"), &o));
    assert_eq!(e.check, Check::TcbInfo, "{e}");
    assert!(e.message.contains("No matching TCB level"), "{e}");
}

#[test]
fn collateral_outside_its_window_is_rejected_naming_the_times() {
    let col = read("dcap/tdx_quote_collateral.json");
    let quote = read("dcap/tdx_quote");
    let c = collateral::parse(&col).unwrap();
    for now in [c.valid_from - 1, c.valid_until, 0, NOW_2026] {
        let e = err(verify_quote(&quote, &opts(&col, now)));
        assert_eq!(e.check, Check::CollateralValidity, "{e}");
        assert_eq!(
            e.expected.as_deref(),
            Some("a time from 2025-06-19T10:32:27Z to before 2025-07-19T10:00:35Z")
        );
        assert_eq!(e.actual.as_deref(), Some(format_unix(now).as_str()));
    }
}

#[test]
fn collateral_of_another_quote_or_missing_is_rejected() {
    let quote = read("dcap/tdx_quote");
    // SGX collateral for a TDX quote (same dates).
    let sgx = read("dcap/sgx_quote_collateral.json");
    let e = err(verify_quote(&quote, &opts(&sgx, NOW_2025)));
    assert_eq!(e.check, Check::TcbInfo, "{e}");
    let e = err(verify_quote(
        &quote,
        &Options {
            now: NOW_2025,
            ..Default::default()
        },
    ));
    assert_eq!(e.check, Check::CollateralMissing);
    for bad in [&b""[..], b"{}", b"[1]", b"{\"tcb_info\": 1}", b"\xff\xfe"] {
        let e = err(verify_quote(&quote, &opts(bad, NOW_2025)));
        assert_eq!(e.check, Check::CollateralFormat, "{e}");
    }
}

fn tamper_collateral(f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value =
        serde_json::from_slice(&read("dcap/tdx_quote_collateral.json")).unwrap();
    f(&mut v);
    v.to_string().into_bytes()
}

#[test]
fn forged_collateral_signatures_and_swapped_certificates_fail() {
    let quote = read("dcap/tdx_quote");
    let flip_hex = |s: &str| {
        let mut b = hex::decode(s).unwrap();
        b[5] ^= 1;
        hex::encode(b)
    };
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        (
            "TCB info signature flipped",
            tamper_collateral(|v| {
                v["tcb_info_signature"] = flip_hex(v["tcb_info_signature"].as_str().unwrap()).into()
            }),
            Check::CollateralSignature,
        ),
        (
            "QE identity signature flipped",
            tamper_collateral(|v| {
                v["qe_identity_signature"] =
                    flip_hex(v["qe_identity_signature"].as_str().unwrap()).into()
            }),
            Check::CollateralSignature,
        ),
        (
            "TCB info text changed",
            tamper_collateral(|v| {
                let t =
                    v["tcb_info"]
                        .as_str()
                        .unwrap()
                        .replacen("\"version\":3", "\"version\":3 ", 1);
                v["tcb_info"] = t.into();
            }),
            Check::CollateralSignature,
        ),
        (
            "PCK chain of the SGX platform instead of the quote's",
            tamper_collateral(|v| {
                let sgx = dcap_qvl_chain(&read("dcap/sgx_quote"));
                v["pck_certificate_chain"] = sgx.into();
            }),
            Check::CertificateChain,
        ),
        (
            "TCB signer chain replaced by the PCK CRL issuer chain",
            tamper_collateral(|v| {
                v["tcb_info_issuer_chain"] = v["pck_crl_issuer_chain"].clone();
            }),
            Check::CertificateChain,
        ),
    ];
    for (what, col, check) in cases {
        let e = err(verify_quote(&quote, &opts(&col, NOW_2025)));
        assert_eq!(e.check, check, "{what}: {e}");
    }
}

/// The PEM PCK chain inside a quote, via the PCCS plan (which reads it out).
fn dcap_qvl_chain(quote: &[u8]) -> String {
    collateral::pccs_plan(quote).unwrap().pck_certificate_chain
}

#[test]
fn flipped_quote_bytes_fail_the_signature_checks() {
    let col = read("dcap/tdx_quote_collateral.json");
    let quote = read("dcap/tdx_quote");
    // REPORTDATA (signed body), the ECDSA signature, the attestation key, the QE report,
    // the QE report signature.
    for (off, want) in [
        (600usize, Check::QuoteSignature),
        (640, Check::QuoteSignature),
        (700, Check::QeReport),
        (780, Check::QeReport),
        (1150, Check::QeReport),
    ] {
        let mut q = quote.clone();
        q[off] ^= 0x01;
        let e = err(verify_quote(&q, &opts(&col, NOW_2025)));
        assert_eq!(e.check, want, "byte {off}: {e}");
    }
}

#[test]
fn truncated_and_wrong_version_quotes_are_format_errors() {
    let col = read("dcap/tdx_quote_collateral.json");
    let quote = read("dcap/tdx_quote");
    let auth_end = 636 + u32::from_le_bytes(quote[632..636].try_into().unwrap()) as usize;
    for len in [0, 1, 47, 48, 100, 631, 632, 700, 1000, 2000, auth_end - 1] {
        let e = err(verify_quote(&quote[..len], &opts(&col, NOW_2025)));
        assert_eq!(e.check, Check::QuoteFormat, "{len}: {e}");
    }
    for version in [0u16, 2, 6, 0xffff] {
        let mut q = quote.clone();
        q[..2].copy_from_slice(&version.to_le_bytes());
        let e = err(verify_quote(&q, &opts(&col, NOW_2025)));
        assert_eq!(e.check, Check::QuoteFormat, "version {version}: {e}");
        assert_eq!(e.actual.as_deref(), Some(version.to_string().as_str()));
    }
    // Zero padding after the quote (as agents return it) is accepted.
    let mut padded = quote.clone();
    padded.extend_from_slice(&[0; 64]);
    verify_quote(&padded, &opts(&col, NOW_2025)).unwrap();
}

#[test]
fn expected_report_data_is_compared() {
    let col = read("dcap/tdx_quote_collateral.json");
    let quote = read("dcap/tdx_quote");
    let v = verify_quote(&quote, &opts(&col, NOW_2025)).unwrap();
    let rd = v.report_data;
    let ok = verify_quote(
        &quote,
        &Options {
            expected_report_data: Some(&rd),
            ..opts(&col, NOW_2025)
        },
    )
    .unwrap();
    assert!(ok.report_data_checked && !v.report_data_checked);
    let mut other = rd;
    other[0] ^= 1;
    let e = err(verify_quote(
        &quote,
        &Options {
            expected_report_data: Some(&other),
            ..opts(&col, NOW_2025)
        },
    ));
    assert_eq!(e.check, Check::ReportData);
    assert_eq!(e.expected, Some(hex::encode(other)));
    assert_eq!(e.actual, Some(hex::encode(rd)));
    let e = err(verify_quote(
        &quote,
        &Options {
            expected_report_data: Some(&[0; 65]),
            ..opts(&col, NOW_2025)
        },
    ));
    assert_eq!(e.check, Check::Input);
}

#[test]
fn pinned_root_is_the_root_of_real_pck_chains() {
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(INTEL_SGX_ROOT_CA_DER)),
        INTEL_SGX_ROOT_CA_SHA256
    );
    for q in [
        "dcap/tdx_quote",
        "dcap/sgx_quote",
        "dcap/tdx_quote_outdated",
    ] {
        let chain = pem_certificates(dcap_qvl_chain(&read(q)).as_bytes());
        assert_eq!(chain.len(), 3, "{q}");
        assert_eq!(
            chain.last().unwrap().as_slice(),
            INTEL_SGX_ROOT_CA_DER,
            "{q}"
        );
    }
}

#[test]
fn pccs_plan_and_answer_assembly_reproduce_the_collateral() {
    let quote = read("dcap/tdx_quote");
    let plan = collateral::pccs_plan(&quote).unwrap();
    assert_eq!((plan.tee, plan.ca), ("tdx", "platform"));
    assert_eq!(plan.fmspc.len(), 12);
    let urls = plan.urls("https://pccs.example/sgx/certification/v4/");
    assert_eq!(
        urls.pck_crl,
        "https://pccs.example/sgx/certification/v4/pckcrl?ca=platform&encoding=der"
    );
    assert_eq!(
        urls.tcb_info,
        format!(
            "https://pccs.example/tdx/certification/v4/tcb?fmspc={}&update=standard",
            plan.fmspc
        )
    );
    assert_eq!(
        urls.qe_identity,
        "https://pccs.example/tdx/certification/v4/qe/identity?update=standard"
    );
    assert_eq!(
        urls.root_ca_crl,
        "https://pccs.example/sgx/certification/v4/rootcacrl"
    );
    // Rebuild PCCS answers from the stored collateral and assemble them again.
    let c: serde_json::Value =
        serde_json::from_slice(&read("dcap/tdx_quote_collateral.json")).unwrap();
    let s = |k: &str| c[k].as_str().unwrap().to_string();
    let enc = |pem: String| pem.replace('\n', "%0A").replace(' ', "%20");
    let answers = collateral::PccsAnswers {
        pck_crl: hex::decode(s("pck_crl")).unwrap(),
        pck_crl_issuer_chain: enc(s("pck_crl_issuer_chain")),
        tcb_info: format!(
            "{{\"tcbInfo\":{},\"signature\":\"{}\"}}",
            s("tcb_info"),
            s("tcb_info_signature")
        )
        .into_bytes(),
        tcb_info_issuer_chain: enc(s("tcb_info_issuer_chain")),
        qe_identity: format!(
            "{{\"enclaveIdentity\":{},\"signature\":\"{}\"}}",
            s("qe_identity"),
            s("qe_identity_signature")
        )
        .into_bytes(),
        qe_identity_issuer_chain: enc(s("qe_identity_issuer_chain")),
        root_ca_crl: s("root_ca_crl").into_bytes(),
    };
    let json = collateral::collateral_from_pccs(&plan, &answers).unwrap();
    let v = verify_quote(&quote, &opts(json.as_bytes(), NOW_2025)).unwrap();
    assert_eq!(v.tcb_status, Some(TcbStatus::UpToDate));
    // A PCCS answer without the signed object is a format error.
    let broken = collateral::PccsAnswers {
        tcb_info: b"{\"signature\":\"00\"}".to_vec(),
        ..answers
    };
    let e = collateral::collateral_from_pccs(&plan, &broken).unwrap_err();
    assert_eq!(e.check, Check::CollateralFormat);
}

#[test]
fn tcb_policy_names() {
    assert_eq!(TcbPolicy::default().names(), ["UpToDate"]);
    let p = TcbPolicy::parse_list("SWHardeningNeeded, outofdate").unwrap();
    assert_eq!(p.names(), ["UpToDate", "SWHardeningNeeded", "OutOfDate"]);
    assert!(!TcbPolicy::ANY.accepts(TcbStatus::Revoked));
    assert!(!TcbPolicy(u32::MAX).accepts(TcbStatus::Revoked));
    assert_eq!(TcbPolicy::parse_list("any").unwrap(), TcbPolicy::ANY);
    assert!(TcbPolicy::parse_list("Revoked").is_err());
    assert!(TcbPolicy::parse_list("Fine")
        .unwrap_err()
        .contains("unknown TCB status"));
    for s in TcbStatus::ALL {
        assert_eq!(TcbStatus::from_name(s.name()), Some(s));
    }
}

// ---- Real GetQuote answers (real Intel quotes without their collateral) ----

fn dev(now: u64) -> Options<'static> {
    Options {
        now,
        insecure_skip_intel_signature: true,
        ..Default::default()
    }
}

#[test]
fn real_get_quote_fixtures_replay_all_four_rtmrs_and_decode_the_app() {
    let v = verify_get_quote_json(
        &read("fixtures/verifier_fixture_tdx-lite-getquote.json"),
        &dev(NOW_2025),
    )
    .unwrap();
    assert_eq!(v.rtmrs_verified, [true; 4]);
    assert!(v.event_log_verified && !v.intel_signature_verified && v.insecure_skip_intel_signature);
    assert_eq!(v.tcb_status, None);
    let app = v.app.as_ref().unwrap();
    assert_eq!(
        hex::encode(&app.app_id),
        "86b0e55f2fa8e4fb69d890f14f54d5612707646e"
    );
    assert_eq!(
        hex::encode(&app.compose_hash),
        "86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9"
    );
    assert_eq!(
        hex::encode(&app.instance_id),
        "050bf89570575fe8fab4cb8f0a62a9e64efe8ead"
    );
    assert_eq!(
        hex::encode(&app.os_image_hash),
        "07a2388c7a6a1b6a646d443f1517990a4ec294471d63146cda9d56972765051d"
    );
    assert_eq!(app.key_provider_name, "kms");
    assert!(app
        .key_provider_id
        .starts_with("3059301306072a8648ce3d0201"));
    assert!(app.system_ready);
    // Without an Intel-verified PCK certificate the device id is SHA-256 of nothing.
    assert_eq!(
        hex::encode(app.device_id),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert!(v
        .vm_config
        .as_deref()
        .unwrap()
        .contains("\"tdx_attestation_variant\":\"lite\""));

    let v = verify_get_quote_json(
        &read("fixtures/verifier_fixture_quote-report.json"),
        &dev(NOW_2025),
    )
    .unwrap();
    assert_eq!(v.rtmrs_verified, [true; 4]);
    let app = v.app.unwrap();
    assert_eq!(app.key_provider_name, "local-sgx");
    assert_eq!(
        hex::encode(&app.app_id),
        "3763bc34552cf3a27ff71ad5f7a90471562a1a2d"
    );
}

#[test]
fn real_quote_without_collateral_is_refused_unless_the_caller_opts_out() {
    let json = read("fixtures/verifier_fixture_tdx-lite-getquote.json");
    let e = err(verify_get_quote_json(
        &json,
        &Options {
            now: NOW_2025,
            ..Default::default()
        },
    ));
    assert_eq!(e.check, Check::CollateralMissing);
}

#[test]
fn a_changed_event_payload_breaks_the_replay_of_a_real_log() {
    let json = read("fixtures/verifier_fixture_tdx-lite-getquote.json");
    let mut v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let log = v["event_log"].as_str().unwrap().replace(
        "\"event\":\"compose-hash\",\"event_payload\":\"86b0",
        "\"event\":\"compose-hash\",\"event_payload\":\"86b1",
    );
    assert_ne!(log, v["event_log"].as_str().unwrap());
    v["event_log"] = log.into();
    let e = err(verify_get_quote_json(
        v.to_string().as_bytes(),
        &dev(NOW_2025),
    ));
    assert_eq!(e.check, Check::RtmrReplay, "{e}");
    assert!(e.message.contains("RTMR3"), "{e}");
    assert_eq!(e.expected.as_ref().unwrap().len(), 96);
    assert_ne!(e.expected, e.actual);
}
