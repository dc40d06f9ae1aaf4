//! RPC request building, validation and response views (dstack_core::rpc).
//!
//! Response bodies are built here with serde_json from the real fixtures in
//! `testdata/fixtures` and the shapes of docs/PROTOCOL.md §2.

use dstack_core::http::{ResponseParser, Status};
use dstack_core::rpc::dstack::*;
use dstack_core::rpc::info::{InfoResponse, TcbInfo};
use dstack_core::rpc::tappd::*;
use dstack_core::rpc::{agent_error_message, check_response, write_body, write_request, Rpc, View};
use dstack_core::Error;
use serde_json::{json, Value};

fn testdata(path: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/fixtures/");
    std::fs::read_to_string(format!("{p}{path}")).unwrap()
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&testdata(name)).unwrap()
}

/// Independent hex decoder for expectations.
fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0);
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn body_of<R: Rpc>(rpc: &R) -> Vec<u8> {
    let mut out = vec![0u8; 4096];
    let n = write_body(rpc, &mut out).unwrap();
    out.truncate(n);
    out
}

fn json_body<R: Rpc>(rpc: &R) -> Value {
    serde_json::from_slice(&body_of(rpc)).unwrap()
}

/// Parses with a scratch buffer of exactly `body.len()` (the documented bound). The
/// scratch is leaked so the view can outlive this helper (tests only).
fn with_scratch<'a, T>(body: &'a [u8], f: impl FnOnce(&'a [u8], &'a mut [u8]) -> T) -> T {
    let scratch: &'a mut [u8] = Box::leak(vec![0u8; body.len()].into_boxed_slice());
    f(body, scratch)
}

// ----------------------------------------------------------------------------------
// Requests
// ----------------------------------------------------------------------------------

#[test]
fn get_key_request_exact_bytes_and_default_algorithm() {
    let rpc = GetKey {
        path: "a",
        purpose: "p",
        algorithm: "",
    };
    assert_eq!(
        body_of(&rpc),
        br#"{"path":"a","purpose":"p","algorithm":"secp256k1"}"#
    );
    let rpc = GetKey {
        path: "m/0",
        purpose: "eth",
        algorithm: "ed25519",
    };
    assert_eq!(
        body_of(&rpc),
        br#"{"path":"m/0","purpose":"eth","algorithm":"ed25519"}"#
    );
    let rpc = GetKey {
        path: "x",
        purpose: "",
        algorithm: "k256",
    };
    assert_eq!(
        json_body(&rpc),
        json!({"path":"x","purpose":"","algorithm":"k256"})
    );
    assert_eq!(GetKey::PATH, "/GetKey");
}

#[test]
fn whole_request_through_write_request() {
    let rpc = GetQuote {
        report_data: b"hello",
    };
    let mut out = [0u8; 512];
    let n = write_request(&rpc, "localhost", "", &mut out).unwrap();
    let text = std::str::from_utf8(&out[..n]).unwrap();
    assert!(text.starts_with("POST /GetQuote HTTP/1.1\r\nHost: localhost\r\n"));
    assert!(text.ends_with("\r\n\r\n{\"report_data\":\"68656c6c6f\"}"));
    assert!(text.contains("Content-Length: 28\r\n"));
    // exact needed size, then success with it
    let mut small = vec![0u8; n - 1];
    assert_eq!(
        write_request(&rpc, "localhost", "", &mut small),
        Err(Error::BufferTooSmall { needed: n })
    );
    let mut exact = vec![0u8; n];
    assert_eq!(write_request(&rpc, "localhost", "", &mut exact), Ok(n));
    // tappd paths, with an HTTP base path
    let n = write_request(&TappdInfo, "host:8090", "/base", &mut out).unwrap();
    assert!(std::str::from_utf8(&out[..n])
        .unwrap()
        .starts_with("POST /base/prpc/Tappd.Info HTTP/1.1\r\n"));
    // validation runs first
    assert!(matches!(
        write_request(
            &GetQuote {
                report_data: &[0; 65]
            },
            "h",
            "",
            &mut out
        ),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn empty_requests_send_empty_object() {
    assert_eq!(body_of(&Info), b"{}");
    assert_eq!(body_of(&Version), b"{}");
    assert_eq!(body_of(&GpuInfo), b"{}");
    assert_eq!(body_of(&TappdInfo), b"{}");
    assert_eq!(body_of(&TappdVersion), b"{}");
    assert_eq!(
        [
            Info::PATH,
            Version::PATH,
            GpuInfo::PATH,
            TappdInfo::PATH,
            TappdVersion::PATH
        ],
        [
            "/Info",
            "/Version",
            "/GpuInfo",
            "/prpc/Tappd.Info",
            "/prpc/Tappd.Version"
        ]
    );
}

#[test]
fn bytes_are_lowercase_hex() {
    assert_eq!(
        body_of(&GetQuote { report_data: &[] }),
        br#"{"report_data":""}"#
    );
    assert_eq!(
        body_of(&Attest {
            report_data: &[0xAB, 0x01, 0xff]
        }),
        br#"{"report_data":"ab01ff"}"#
    );
    let v = json_body(&Sign {
        algorithm: "ed25519",
        data: &[0xDE, 0xAD],
    });
    assert_eq!(v, json!({"algorithm":"ed25519","data":"dead"}));
    let v = json_body(&Verify {
        algorithm: "secp256k1",
        data: b"m",
        signature: &[1, 2],
        public_key: &[0xFF; 33],
    });
    assert_eq!(
        v,
        json!({"algorithm":"secp256k1","data":"6d","signature":"0102","public_key":"ff".repeat(33)})
    );
    let v = json_body(&EmitEvent {
        event: "boot",
        payload: &[0, 0x10],
    });
    assert_eq!(v, json!({"event":"boot","payload":"0010"}));
    assert_eq!(
        [Sign::PATH, Verify::PATH, EmitEvent::PATH, Attest::PATH],
        ["/Sign", "/Verify", "/EmitEvent", "/Attest"]
    );
}

#[test]
fn strings_are_escaped() {
    let tricky = "q\"b\\s/\u{0}\u{1f}\n\t\r\u{7f}é😀";
    let rpc = GetKey {
        path: tricky,
        purpose: "",
        algorithm: "",
    };
    let body = body_of(&rpc);
    let text = std::str::from_utf8(&body).unwrap();
    assert!(
        text.contains(r#""path":"q\"b\\s/\u0000\u001f\u000a\u0009\u000d"#),
        "{text}"
    );
    assert!(text.contains("\u{7f}é😀\""));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["path"], tricky);
}

#[test]
fn get_tls_key_request() {
    let rpc = GetTlsKey::default();
    assert_eq!(
        body_of(&rpc),
        br#"{"subject":"","usage_ra_tls":false,"usage_server_auth":true,"usage_client_auth":false}"#
    );
    let names = ["a.example", "ü.example"];
    let rpc = GetTlsKey {
        subject: "svc",
        alt_names: &names,
        usage_ra_tls: true,
        usage_server_auth: false,
        usage_client_auth: true,
        not_before: Some(0),
        not_after: Some(u64::MAX),
        with_app_info: true,
    };
    assert_eq!(
        json_body(&rpc),
        json!({"subject":"svc","alt_names":["a.example","ü.example"],"usage_ra_tls":true,"usage_server_auth":false,
               "usage_client_auth":true,"not_before":0,"not_after":18446744073709551615u64,"with_app_info":true})
    );
    let only_after = GetTlsKey {
        not_after: Some(1_700_000_000),
        ..GetTlsKey::default()
    };
    let v = json_body(&only_after);
    assert_eq!(v["not_after"], 1_700_000_000u64);
    assert!(
        v.get("not_before").is_none()
            && v.get("alt_names").is_none()
            && v.get("with_app_info").is_none()
    );
}

#[test]
fn tappd_requests() {
    let rpc = DeriveKey {
        path: "/k",
        ..DeriveKey::default()
    };
    assert_eq!(body_of(&rpc), br#"{"path":"/k","subject":"/k"}"#);
    let names = ["n"];
    let rpc = DeriveKey {
        path: "p",
        subject: "s",
        alt_names: &names,
        usage_ra_tls: true,
        random_seed: true,
        ..DeriveKey::default()
    };
    assert_eq!(
        json_body(&rpc),
        json!({"path":"p","subject":"s","alt_names":["n"],"usage_ra_tls":true,"random_seed":true})
    );
    assert_eq!(
        body_of(&DeriveK256Key {
            path: "p",
            purpose: "u"
        }),
        br#"{"path":"p","purpose":"u"}"#
    );
    let rpc = TdxQuote {
        report_data: b"abc",
        hash_algorithm: "sha256",
        prefix: "",
    };
    assert_eq!(
        body_of(&rpc),
        br#"{"report_data":"616263","hash_algorithm":"sha256","prefix":""}"#
    );
    let rpc = RawQuote {
        report_data: &[7; 64],
    };
    assert_eq!(json_body(&rpc), json!({"report_data":"07".repeat(64)}));
    assert_eq!(
        [
            DeriveKey::PATH,
            DeriveK256Key::PATH,
            TdxQuote::PATH,
            RawQuote::PATH
        ],
        [
            "/prpc/Tappd.DeriveKey",
            "/prpc/Tappd.DeriveK256Key",
            "/prpc/Tappd.TdxQuote",
            "/prpc/Tappd.RawQuote"
        ]
    );
}

// ----------------------------------------------------------------------------------
// Validation (docs/PROTOCOL.md §2.5, §2.2)
// ----------------------------------------------------------------------------------

fn invalid<R: Rpc>(rpc: &R) -> &'static str {
    match rpc.validate() {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn validation_rules() {
    // report data: at most 64 bytes, empty allowed
    assert!(GetQuote { report_data: &[] }.validate().is_ok());
    assert!(GetQuote {
        report_data: &[1; 64]
    }
    .validate()
    .is_ok());
    invalid(&GetQuote {
        report_data: &[1; 65],
    });
    assert!(Attest {
        report_data: &[1; 64]
    }
    .validate()
    .is_ok());
    assert_eq!(
        invalid(&Attest {
            report_data: &[1; 65],
        }),
        REPORT_DATA_LEN_ERROR
    );
    let mut buf = [0u8; 96];
    assert_eq!(
        report_data_len_message(65, &mut buf),
        "report data is 65 bytes; at most 64 are allowed"
    );
    assert_eq!(
        report_data_len_message(usize::MAX, &mut buf),
        format!("report data is {} bytes; at most 64 are allowed", usize::MAX)
    );

    // GetKey algorithms
    for a in ["", "secp256k1", "k256", "ed25519"] {
        assert!(
            GetKey {
                algorithm: a,
                ..GetKey::default()
            }
            .validate()
            .is_ok(),
            "{a}"
        );
    }
    for a in ["secp256k1_prehashed", "ED25519", "p256", " k256"] {
        invalid(&GetKey {
            algorithm: a,
            ..GetKey::default()
        });
    }

    // Sign algorithms and the pre-hashed digest length
    for a in ["ed25519", "secp256k1", "k256"] {
        assert!(Sign {
            algorithm: a,
            data: b"any length"
        }
        .validate()
        .is_ok());
    }
    invalid(&Sign {
        algorithm: "",
        data: b"x",
    });
    invalid(&Sign {
        algorithm: "sha256",
        data: b"x",
    });
    assert!(Sign {
        algorithm: "secp256k1_prehashed",
        data: &[0; 32]
    }
    .validate()
    .is_ok());
    for n in [0, 31, 33, 64] {
        let data = vec![0u8; n];
        assert_eq!(
            invalid(&Sign {
                algorithm: "secp256k1_prehashed",
                data: &data
            }),
            PREHASHED_DIGEST_LEN_ERROR
        );
        let mut buf = [0u8; 96];
        assert_eq!(
            prehashed_len_message(n, &mut buf),
            format!("Pre-hashed signing requires a 32-byte digest, but received {n} bytes")
        );
    }
    invalid(&Verify {
        algorithm: "rsa",
        ..Verify::default()
    });
    assert!(Verify {
        algorithm: "ed25519",
        ..Verify::default()
    }
    .validate()
    .is_ok());

    // EmitEvent needs a name
    invalid(&EmitEvent {
        event: "",
        payload: b"x",
    });
    assert!(EmitEvent {
        event: "e",
        payload: b""
    }
    .validate()
    .is_ok());

    // GetTlsKey validity window
    assert_eq!(
        invalid(&GetTlsKey {
            not_before: Some(10),
            not_after: Some(10),
            ..GetTlsKey::default()
        }),
        "not_before must be earlier than not_after"
    );
    invalid(&GetTlsKey {
        not_before: Some(11),
        not_after: Some(10),
        ..GetTlsKey::default()
    });
    assert!(GetTlsKey {
        not_before: Some(9),
        not_after: Some(10),
        ..GetTlsKey::default()
    }
    .validate()
    .is_ok());
    assert!(GetTlsKey {
        not_before: Some(99),
        ..GetTlsKey::default()
    }
    .validate()
    .is_ok());

    // tappd
    invalid(&RawQuote {
        report_data: &[0; 63],
    });
    invalid(&RawQuote {
        report_data: &[0; 65],
    });
    assert!(RawQuote {
        report_data: &[0; 64]
    }
    .validate()
    .is_ok());
    for alg in [
        "",
        "sha256",
        "sha384",
        "sha512",
        "sha3-256",
        "sha3-384",
        "sha3-512",
        "keccak256",
        "keccak384",
        "keccak512",
    ] {
        assert!(
            TdxQuote {
                report_data: &[1; 1000],
                hash_algorithm: alg,
                prefix: ""
            }
            .validate()
            .is_ok(),
            "{alg}"
        );
        assert!(
            TdxQuote {
                report_data: &[],
                hash_algorithm: alg,
                prefix: "x"
            }
            .validate()
            .is_ok(),
            "{alg}"
        );
    }
    assert!(TdxQuote {
        report_data: &[1; 64],
        hash_algorithm: "raw",
        prefix: ""
    }
    .validate()
    .is_ok());
    invalid(&TdxQuote {
        report_data: &[1; 32],
        hash_algorithm: "raw",
        prefix: "",
    });
    invalid(&TdxQuote {
        report_data: &[1; 65],
        hash_algorithm: "raw",
        prefix: "",
    });
    invalid(&TdxQuote {
        report_data: b"x",
        hash_algorithm: "md5",
        prefix: "",
    });
    invalid(&TdxQuote {
        report_data: b"x",
        hash_algorithm: "SHA256",
        prefix: "",
    });
}

// ----------------------------------------------------------------------------------
// Responses
// ----------------------------------------------------------------------------------

fn appkeys() -> Value {
    fixture("simulator_appkeys.json")
}

#[test]
fn get_key_response() {
    // Simulator vector (docs/PROTOCOL.md §6.1): GetKey(path="a") key; chain[1] = k256_signature.
    let key = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";
    let chain1 = appkeys()["k256_signature"].as_str().unwrap().to_string();
    let chain0 = "11".repeat(64) + "01";
    let body =
        serde_json::to_vec(&json!({"key": key, "signature_chain": [chain0, chain1]})).unwrap();
    let r = with_scratch(&body, GetKey::parse_response).unwrap();
    assert_eq!(r.key.to_vec(), unhex(key));
    assert_eq!(r.signature_chain.len(), 2);
    assert_eq!(r.signature_chain[0].to_vec(), unhex(&chain0));
    assert_eq!(r.signature_chain[1].to_vec(), unhex(&chain1));
    // GetKeyResponse::parse needs no scratch for unescaped hex
    assert_eq!(GetKeyResponse::parse(&body, &mut []).unwrap(), r);

    // the same shape from tappd DeriveK256Key
    let body =
        serde_json::to_vec(&json!({"k256_key": key, "k256_signature_chain": [chain0, chain1]}))
            .unwrap();
    let r2 = with_scratch(&body, DeriveK256Key::parse_response).unwrap();
    assert_eq!(r2.k256_key, r.key);
    assert_eq!(r2.k256_signature_chain, r.signature_chain);
}

#[test]
fn get_key_response_malformed() {
    let key = "00".repeat(32);
    let sig = "00".repeat(65);
    let cases = [
        json!({"signature_chain": [sig]}),
        json!({"key": key}),
        json!({"key": "00".repeat(31), "signature_chain": []}),
        json!({"key": "zz".repeat(32), "signature_chain": []}),
        json!({"key": key, "signature_chain": ["00".repeat(64)]}),
        json!({"key": key, "signature_chain": sig}),
        json!({"key": 5, "signature_chain": []}),
        json!({"key": null, "signature_chain": []}),
        json!([key]),
    ];
    for c in cases {
        let body = serde_json::to_vec(&c).unwrap();
        assert_eq!(
            with_scratch(&body, GetKeyResponse::parse),
            Err(Error::MalformedResponse),
            "{c}"
        );
    }
    let too_long = json!({"key": key, "signature_chain": vec![sig.clone(); 9]});
    let body = serde_json::to_vec(&too_long).unwrap();
    assert_eq!(
        with_scratch(&body, GetKeyResponse::parse),
        Err(Error::LimitExceeded)
    );
    // duplicate member, trailing garbage, truncation
    let dup = format!(r#"{{"key":"{key}","key":"{key}","signature_chain":[]}}"#);
    assert_eq!(
        with_scratch(dup.as_bytes(), GetKeyResponse::parse),
        Err(Error::MalformedResponse)
    );
    let ok = format!(r#"{{"key":"{key}","signature_chain":[]}}"#);
    assert!(GetKeyResponse::parse(ok.as_bytes(), &mut []).is_ok());
    let trailing = format!("{ok} x");
    assert_eq!(
        GetKeyResponse::parse(trailing.as_bytes(), &mut []),
        Err(Error::MalformedResponse)
    );
    for cut in 0..ok.len() {
        assert!(
            GetKeyResponse::parse(&ok.as_bytes()[..cut], &mut []).is_err(),
            "cut {cut}"
        );
    }
}

fn quote_body(fix: &Value, with_new_fields: bool) -> Vec<u8> {
    let mut obj = json!({
        "quote": fix["quote"],
        "event_log": fix["event_log"],
    });
    if with_new_fields {
        obj["report_data"] = fix["report_data"].clone();
        obj["vm_config"] = fix["vm_config"].clone();
    }
    serde_json::to_vec(&obj).unwrap()
}

#[test]
fn get_quote_response_from_real_fixtures() {
    for name in [
        "verifier_fixture_quote-report.json",
        "verifier_fixture_tdx-lite-getquote.json",
    ] {
        let fix = fixture(name);
        let body = quote_body(&fix, true);
        let r = with_scratch(&body, GetQuote::parse_response).unwrap();
        assert_eq!(r.quote, unhex(fix["quote"].as_str().unwrap()), "{name}");
        assert_eq!(r.event_log, fix["event_log"].as_str().unwrap());
        // the event log is itself JSON: an array
        assert!(serde_json::from_str::<Value>(r.event_log)
            .unwrap()
            .is_array());
        assert_eq!(
            r.report_data.unwrap().to_vec(),
            unhex(fix["report_data"].as_str().unwrap())
        );
        assert_eq!(r.vm_config, fix["vm_config"].as_str().unwrap());
        assert!(r.attestation.is_empty());
        // The report data of a TDX v4 quote sits at offset 48 + 520 (docs/PROTOCOL.md §7.1).
        assert_eq!(&r.quote[568..632], &r.report_data.unwrap()[..]);

        // An old agent sends only quote and event_log.
        let old = quote_body(&fix, false);
        let r = with_scratch(&old, GetQuoteResponse::parse).unwrap();
        assert_eq!(r.report_data, None);
        assert_eq!(r.vm_config, "");
        assert!(r.attestation.is_empty());

        // A scratch shorter than needed is a clear error naming the sufficient size.
        let mut small = vec![0u8; body.len() / 4];
        assert_eq!(
            GetQuoteResponse::parse(&body, &mut small),
            Err(Error::BufferTooSmall { needed: body.len() })
        );
    }
}

#[test]
fn get_quote_with_attestation_and_unknown_fields() {
    let body = serde_json::to_vec(&json!({
        "quote": "0102", "event_log": "[]", "report_data": "00".repeat(64),
        "vm_config": "{}", "attestation": "abcdef", "future_field": {"nested": [1, 2.5, null, true]}
    }))
    .unwrap();
    let r = with_scratch(&body, GetQuoteResponse::parse).unwrap();
    assert_eq!(r.quote, [1, 2]);
    assert_eq!(r.attestation, [0xab, 0xcd, 0xef]);
    assert_eq!(r.report_data, Some([0; 64]));
    // report_data of the wrong length is malformed
    let bad = serde_json::to_vec(&json!({"quote": "01", "event_log": "[]", "report_data": "00"}))
        .unwrap();
    assert_eq!(
        with_scratch(&bad, GetQuoteResponse::parse),
        Err(Error::MalformedResponse)
    );
}

#[test]
fn attest_response() {
    let fix = fixture("verifier_fixture_quote-report.json");
    let body = serde_json::to_vec(&json!({"attestation": fix["quote"]})).unwrap();
    let r = with_scratch(&body, Attest::parse_response).unwrap();
    assert_eq!(r.attestation, unhex(fix["quote"].as_str().unwrap()));
    assert_eq!(
        with_scratch(b"{}", AttestResponse::parse),
        Err(Error::MalformedResponse)
    );
}

#[test]
fn tls_key_responses() {
    let keys = appkeys();
    let pem = keys["key_provider"]["None"]["key"].as_str().unwrap();
    let ca = keys["ca_cert"].as_str().unwrap();
    let body = serde_json::to_vec(&json!({"key": pem, "certificate_chain": [ca, ca]})).unwrap();
    let r = with_scratch(&body, GetTlsKey::parse_response).unwrap();
    assert_eq!(r.key, pem);
    assert!(r.key.contains('\n'));
    assert_eq!(r.certificate_chain.as_slice(), [ca, ca]);
    let r2 = with_scratch(&body, DeriveKey::parse_response).unwrap();
    assert_eq!(r2, r);
    let missing = serde_json::to_vec(&json!({"key": pem})).unwrap();
    assert_eq!(
        with_scratch(&missing, GetTlsKeyResponse::parse),
        Err(Error::MalformedResponse)
    );
    let wrong = serde_json::to_vec(&json!({"key": pem, "certificate_chain": [1]})).unwrap();
    assert_eq!(
        with_scratch(&wrong, GetTlsKeyResponse::parse),
        Err(Error::MalformedResponse)
    );
}

fn tcb_info_v05(event_log: &Value) -> String {
    let app_compose = testdata("simulator_app-compose.json");
    serde_json::to_string_pretty(&json!({
        "mrtd": "a1".repeat(48), "rtmr0": "b0".repeat(48), "rtmr1": "b1".repeat(48),
        "rtmr2": "b2".repeat(48), "rtmr3": "b3".repeat(48),
        "mr_aggregated": "c1".repeat(32), "os_image_hash": "c2".repeat(32),
        "compose_hash": "c3".repeat(32), "device_id": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "event_log": event_log, "app_compose": app_compose,
    }))
    .unwrap()
}

#[test]
fn info_v05_and_tcb_info() {
    let fix = fixture("verifier_fixture_quote-report.json");
    let events: Value = serde_json::from_str(fix["event_log"].as_str().unwrap()).unwrap();
    let tcb = tcb_info_v05(&events);
    let body = serde_json::to_vec_pretty(&json!({
        "app_id": "5bb4ff9a3837357f19dc176407a5709c62eb6c56",
        "instance_id": "11".repeat(20),
        "app_cert": appkeys()["ca_cert"],
        "tcb_info": tcb,
        "app_name": "guest-agent",
        "device_id": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "mr_aggregated": "c1".repeat(32),
        "os_image_hash": "c2".repeat(32),
        "key_provider_info": "{\"name\":\"kms\",\"id\":\"3059\"}",
        "compose_hash": "c3".repeat(32),
        "vm_config": fix["vm_config"],
        "cloud_vendor": "QEMU",
        "cloud_product": "Standard PC (Q35 + ICH9, 2009)",
    }))
    .unwrap();
    let r = with_scratch(&body, Info::parse_response).unwrap();
    assert_eq!(r.app_id, unhex("5bb4ff9a3837357f19dc176407a5709c62eb6c56"));
    assert_eq!(r.instance_id, [0x11; 20]);
    assert_eq!(r.app_cert, appkeys()["ca_cert"].as_str().unwrap());
    assert_eq!(r.tcb_info, tcb);
    assert_eq!(r.app_name, "guest-agent");
    assert_eq!(r.device_id.len(), 32);
    assert_eq!(r.mr_aggregated, [0xc1; 32]);
    assert_eq!(r.os_image_hash, [0xc2; 32]);
    assert_eq!(r.key_provider_info, r#"{"name":"kms","id":"3059"}"#);
    assert_eq!(r.compose_hash, [0xc3; 32]);
    assert_eq!(r.vm_config, fix["vm_config"].as_str().unwrap());
    assert_eq!(r.cloud_vendor, "QEMU");
    assert_eq!(r.cloud_product, "Standard PC (Q35 + ICH9, 2009)");

    let mut scratch = vec![0u8; r.tcb_info.len()];
    let t = TcbInfo::parse(r.tcb_info, &mut scratch).unwrap();
    assert_eq!(t.mrtd, [0xa1; 48]);
    assert_eq!(
        [t.rtmr0, t.rtmr1, t.rtmr2, t.rtmr3],
        [[0xb0; 48], [0xb1; 48], [0xb2; 48], [0xb3; 48]]
    );
    assert_eq!(t.mr_aggregated, [0xc1; 32]);
    assert_eq!(t.os_image_hash, [0xc2; 32]);
    assert_eq!(t.compose_hash, [0xc3; 32]);
    assert_eq!(t.device_id.len(), 32);
    assert!(t.rootfs_hash.is_empty());
    assert_eq!(t.app_compose, testdata("simulator_app-compose.json"));
    // event_log is the raw (pretty-printed) array text: same JSON as the fixture's log
    assert!(t.event_log.starts_with('[') && t.event_log.ends_with(']'));
    assert_eq!(serde_json::from_str::<Value>(t.event_log).unwrap(), events);
    // and the same view through the tappd path
    let r2 = with_scratch(&body, TappdInfo::parse_response).unwrap();
    assert_eq!(r2, r);
}

#[test]
fn info_of_older_agents() {
    // v0.4.2–v0.5.2 WorkerInfo: mr_image instead of os_image_hash, public_* flags.
    let tcb = tcb_info_v05(&json!([]));
    let body = serde_json::to_vec(&json!({
        "app_id": "aa".repeat(20), "instance_id": "bb".repeat(20), "app_cert": "", "tcb_info": tcb,
        "app_name": "n", "public_logs": true, "public_sysinfo": false, "device_id": "dd".repeat(32),
        "mr_aggregated": "ee".repeat(32), "mr_image": "ff".repeat(32), "mr_key_provider": "00".repeat(32),
        "key_provider_info": "", "compose_hash": "cc".repeat(32)
    }))
    .unwrap();
    let r = with_scratch(&body, InfoResponse::parse).unwrap();
    assert_eq!(r.os_image_hash, [0xff; 32]);
    assert_eq!((r.vm_config, r.cloud_vendor, r.cloud_product), ("", "", ""));

    // 0.3.x tappd WorkerInfo with a 0.3 tcb_info (rootfs_hash, no newer keys).
    let tcb03 = serde_json::to_string_pretty(&json!({
        "rootfs_hash": "12".repeat(48), "mrtd": "01".repeat(48), "rtmr0": "02".repeat(48), "rtmr1": "03".repeat(48),
        "rtmr2": "04".repeat(48), "rtmr3": "05".repeat(48),
        "event_log": [{"imr": 3, "event_type": 134217729, "digest": "00".repeat(48), "event": "app-id", "event_payload": "aa".repeat(20)}]
    }))
    .unwrap();
    let body = serde_json::to_vec(&json!({
        "app_id": "aa".repeat(20), "instance_id": "bb".repeat(20), "app_cert": "-----BEGIN CERTIFICATE-----\n",
        "tcb_info": tcb03, "app_name": "old-app", "public_logs": true, "public_sysinfo": true
    }))
    .unwrap();
    let r = with_scratch(&body, TappdInfo::parse_response).unwrap();
    assert_eq!(r.app_name, "old-app");
    assert_eq!(r.app_cert, "-----BEGIN CERTIFICATE-----\n");
    assert!(
        r.device_id.is_empty()
            && r.mr_aggregated.is_empty()
            && r.compose_hash.is_empty()
            && r.os_image_hash.is_empty()
    );
    assert_eq!(r.key_provider_info, "");
    let mut scratch = vec![0u8; r.tcb_info.len()];
    let t = TcbInfo::parse(r.tcb_info, &mut scratch).unwrap();
    assert_eq!(t.rootfs_hash, [0x12; 48]);
    assert_eq!(t.rtmr3, [0x05; 48]);
    assert!(t.mr_aggregated.is_empty() && t.compose_hash.is_empty());
    assert_eq!(t.app_compose, "");
    let ev: Value = serde_json::from_str(t.event_log).unwrap();
    assert_eq!(ev[0]["event"], "app-id");

    // Worker listener without public_tcbinfo: tcb_info is "" and cannot be parsed.
    let body = serde_json::to_vec(&json!({"app_id": "aa", "tcb_info": ""})).unwrap();
    let r = with_scratch(&body, InfoResponse::parse).unwrap();
    assert_eq!(r.tcb_info, "");
    assert_eq!(
        TcbInfo::parse(r.tcb_info, &mut []),
        Err(Error::MalformedResponse)
    );
    // app_id is required
    let body = serde_json::to_vec(&json!({"tcb_info": ""})).unwrap();
    assert_eq!(
        with_scratch(&body, InfoResponse::parse),
        Err(Error::MalformedResponse)
    );
    // an RTMR of the wrong length
    let bad = tcb03.replace(&"05".repeat(48), &"05".repeat(47));
    assert_eq!(
        TcbInfo::parse(&bad, &mut vec![0; bad.len()]),
        Err(Error::MalformedResponse)
    );
}

#[test]
fn sign_verify_version_gpu_emit_responses() {
    let pk = "02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c";
    let sig = "ab".repeat(64);
    let chain = [
        sig.clone(),
        "cd".repeat(65),
        appkeys()["k256_signature"].as_str().unwrap().to_string(),
    ];
    let body =
        serde_json::to_vec(&json!({"signature": sig, "signature_chain": chain, "public_key": pk}))
            .unwrap();
    let r = with_scratch(&body, Sign::parse_response).unwrap();
    assert_eq!(r.signature, [0xab; 64]);
    assert_eq!(r.public_key, unhex(pk));
    assert_eq!(r.signature_chain.len(), 3);
    assert_eq!(r.signature_chain[0], r.signature);
    assert_eq!(r.signature_chain[2], unhex(&chain[2]));

    for (b, v) in [
        (&br#"{"valid":true}"#[..], true),
        (br#"{"valid":false}"#, false),
        (b"{}", false),
    ] {
        assert_eq!(with_scratch(b, Verify::parse_response).unwrap().valid, v);
    }
    assert_eq!(
        VerifyResponse::parse(br#"{"valid":"yes"}"#, &mut []),
        Err(Error::MalformedResponse)
    );

    let body = br#"{"version":"0.6.0","rev":"git:0123456789abcdef0123"}"#;
    let r = with_scratch(body, Version::parse_response).unwrap();
    assert_eq!((r.version, r.rev), ("0.6.0", "git:0123456789abcdef0123"));
    let r = with_scratch(br#"{"version":"0.3.6"}"#, TappdVersion::parse_response).unwrap();
    assert_eq!((r.version, r.rev), ("0.3.6", ""));

    let gpu = serde_json::to_string(
        &json!({"evidence": [{"arch": "HOPPER", "nonce": "00"}], "ok": true}),
    )
    .unwrap();
    let body = serde_json::to_vec(&json!({"attestation": gpu})).unwrap();
    let r = with_scratch(&body, GpuInfo::parse_response).unwrap();
    assert_eq!(r.attestation, gpu);
    assert_eq!(
        with_scratch(br#"{"attestation":""}"#, GpuInfoResponse::parse)
            .unwrap()
            .attestation,
        ""
    );

    assert_eq!(
        with_scratch(b"{}", EmitEvent::parse_response),
        Ok(EmitEventResponse)
    );
    assert_eq!(
        EmitEventResponse::parse(b"[]", &mut []),
        Err(Error::MalformedResponse)
    );
}

#[test]
fn tdx_quote_response() {
    let fix = fixture("verifier_fixture_tdx-lite-getquote.json");
    let body = serde_json::to_vec(&json!({
        "quote": fix["quote"], "event_log": fix["event_log"], "hash_algorithm": "sha512", "prefix": "app-data"
    }))
    .unwrap();
    let r = with_scratch(&body, TdxQuote::parse_response).unwrap();
    assert_eq!(r.quote, unhex(fix["quote"].as_str().unwrap()));
    assert_eq!(r.event_log, fix["event_log"].as_str().unwrap());
    assert_eq!((r.hash_algorithm, r.prefix), ("sha512", "app-data"));
    let raw = serde_json::to_vec(
        &json!({"quote": "00", "event_log": "[]", "hash_algorithm": "raw", "prefix": ""}),
    )
    .unwrap();
    let r = with_scratch(&raw, RawQuote::parse_response).unwrap();
    assert_eq!((r.hash_algorithm, r.prefix), ("raw", ""));
}

#[test]
fn escaped_hex_and_strings_are_decoded() {
    // Valid JSON may escape any character; the views must see through it.
    let body =
        br#"{"quote":"\u0030\u0031ff","event_log":"[{\"a\":\"\u00e9\\n\"}]","vm_config":"x\/y"}"#;
    let r = with_scratch(body, GetQuoteResponse::parse).unwrap();
    assert_eq!(r.quote, [0x01, 0xff]);
    assert_eq!(r.event_log, "[{\"a\":\"é\\n\"}]");
    assert_eq!(r.vm_config, "x/y");
    // hex with a 0x prefix is accepted
    let r = with_scratch(
        br#"{"quote":"0xABCD","event_log":"[]"}"#,
        GetQuoteResponse::parse,
    )
    .unwrap();
    assert_eq!(r.quote, [0xab, 0xcd]);
    let key = format!(
        r#"{{"key":"\u0030{}","signature_chain":[]}}"#,
        "0".repeat(63)
    );
    assert_eq!(
        with_scratch(key.as_bytes(), GetKeyResponse::parse)
            .unwrap()
            .key,
        [0; 32]
    );
}

// ----------------------------------------------------------------------------------
// Status handling
// ----------------------------------------------------------------------------------

#[test]
fn agent_errors() {
    // The agent's 400 bodies are pretty-printed (docs/PROTOCOL.md §1.2).
    let body = b"{\n  \"error\": \"Report data is too long\"\n}";
    assert_eq!(check_response(400, body), Err(Error::Agent));
    let mut scratch = vec![0u8; body.len()];
    assert_eq!(
        agent_error_message(body, &mut scratch),
        Some("Report data is too long")
    );

    let msg = "Invalid character 'z' at position 0 at line 1 column 20: \"quoted\" \\ é\n";
    let body = serde_json::to_vec_pretty(&json!({ "error": msg })).unwrap();
    assert_eq!(check_response(400, &body), Err(Error::Agent));
    let mut scratch = vec![0u8; body.len()];
    assert_eq!(agent_error_message(&body, &mut scratch), Some(msg));

    let body =
        serde_json::to_vec_pretty(&json!({"error": "Service not found: DstackGuest.GetKey"}))
            .unwrap();
    assert_eq!(check_response(400, &body), Err(Error::Agent));
    // a 200 carrying an error object is still the agent's error
    assert_eq!(
        check_response(200, br#"{"error":"boom"}"#),
        Err(Error::Agent)
    );

    // not agent errors
    assert_eq!(check_response(200, br#"{"valid":true}"#), Ok(()));
    assert_eq!(check_response(200, b"{}"), Ok(()));
    assert_eq!(
        check_response(500, b"Internal Server Error"),
        Err(Error::HttpStatus(500))
    );
    assert_eq!(
        check_response(400, br#"{"error": 5}"#),
        Err(Error::HttpStatus(400))
    );
    assert_eq!(
        check_response(400, br#"{"error": "x""#),
        Err(Error::HttpStatus(400))
    );
    assert_eq!(check_response(502, b""), Err(Error::HttpStatus(502)));
    assert_eq!(agent_error_message(b"<html>404</html>", &mut [0; 64]), None);
    assert_eq!(
        agent_error_message(br#"{"message":"x"}"#, &mut [0; 64]),
        None
    );
}

/// The whole client path for GetQuote with a real fixture: write the request, parse a
/// chunked HTTP answer split at arbitrary points, check the status, parse the view.
#[test]
fn end_to_end_get_quote_over_chunked_http() {
    let fix = fixture("verifier_fixture_tdx-lite-getquote.json");
    let rpc = GetQuote {
        report_data: &unhex(fix["report_data"].as_str().unwrap()),
    };
    let mut req = [0u8; 1024];
    let n = write_request(&rpc, "localhost", "", &mut req).unwrap();
    assert!(std::str::from_utf8(&req[..n]).unwrap().ends_with(&format!(
        "{{\"report_data\":\"{}\"}}",
        fix["report_data"].as_str().unwrap()
    )));

    let body = quote_body(&fix, true);
    let mut wire =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    for part in body.chunks(4096) {
        wire.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        wire.extend_from_slice(part);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    for step in [1usize, 7, 1000, wire.len()] {
        let mut p = ResponseParser::new(16 << 20);
        let mut buf = Vec::new();
        let mut resp = None;
        for piece in wire.chunks(step) {
            buf.extend_from_slice(piece);
            if let Status::Complete(r) = p.parse(&mut buf).unwrap() {
                resp = Some(r);
                break;
            }
        }
        let r = resp.unwrap();
        let body_bytes = &buf[r.body.clone()];
        assert_eq!(body_bytes, &body[..]);
        check_response(r.status, body_bytes).unwrap();
        let mut scratch = vec![0u8; body_bytes.len()];
        let v = GetQuote::parse_response(body_bytes, &mut scratch).unwrap();
        assert_eq!(v.report_data.unwrap().to_vec(), rpc.report_data);
    }
}
