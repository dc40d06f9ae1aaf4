//! Quotes, event logs, RTMR replay, EmitEvent, Attest, Info, tappd TdxQuote (PROTOCOL §2, §5, §7).

mod common;
use common::*;
use serde_json::{json, Value};

fn info_log(sim: &Sim) -> (Value, Value) {
    let info = sim.call("Info", json!({}));
    let tcb: Value = serde_json::from_str(info["tcb_info"].as_str().unwrap()).unwrap();
    (info, tcb)
}

#[test]
fn quote_layout_and_registers_match_the_event_log() {
    let sim = Sim::start(&[]);
    let r = sim.call("GetQuote", json!({"report_data": hex(b"hello")}));
    let quote = unhex(r["quote"].as_str().unwrap());
    let q = QuoteView(&quote);
    assert_eq!(u16::from_le_bytes([quote[0], quote[1]]), 4, "version");
    assert_eq!(
        u16::from_le_bytes([quote[2], quote[3]]),
        2,
        "ECDSA-P256 attestation key"
    );
    assert_eq!(
        u32::from_le_bytes(quote[4..8].try_into().unwrap()),
        0x81,
        "TDX"
    );
    let mut rd = b"hello".to_vec();
    rd.resize(64, 0);
    assert_eq!(
        q.report_data(),
        rd.as_slice(),
        "right-padded report data at 568"
    );
    assert_eq!(r["report_data"], hex(&rd));
    let auth_len = u32::from_le_bytes(quote[632..636].try_into().unwrap()) as usize;
    assert_eq!(
        quote.len(),
        636 + auth_len,
        "auth data length covers the rest"
    );
    // The ECDSA signature over header+body verifies with the embedded attestation key.
    {
        use p256::ecdsa::signature::Verifier;
        let mut sec1 = vec![4u8];
        sec1.extend_from_slice(&quote[700..764]);
        let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        let sig = p256::ecdsa::Signature::from_slice(&quote[636..700]).unwrap();
        vk.verify(&quote[..632], &sig).unwrap();
        assert_eq!(
            u16::from_le_bytes([quote[764], quote[765]]),
            6,
            "QE report certification data"
        );
        // QE report (384 B) ‖ its signature (64 B) ‖ QE auth data ‖ type-5 PEM chain.
        let cd_len = u32::from_le_bytes(quote[766..770].try_into().unwrap()) as usize;
        let cd = &quote[770..];
        assert_eq!(cd.len(), cd_len);
        let (qe_report, qe_sig) = (&cd[..384], &cd[384..448]);
        let auth_n = u16::from_le_bytes([cd[448], cd[449]]) as usize;
        let qe_auth = &cd[450..450 + auth_n];
        let rest = &cd[450 + auth_n..];
        assert_eq!(u16::from_le_bytes([rest[0], rest[1]]), 5, "PCK chain PEM");
        let pem_len = u32::from_le_bytes(rest[2..6].try_into().unwrap()) as usize;
        assert_eq!(rest.len(), 6 + pem_len);
        // The QE report binds the attestation key: report data = SHA-256(key ‖ QE auth).
        assert_eq!(
            &qe_report[320..352],
            sha256(&[&quote[700..764], qe_auth].concat()).as_slice()
        );
        // The PCK certificate parses, is self-signed (a mock, not Intel's) and signs the QE report.
        let (_, pem) = x509_parser::pem::parse_x509_pem(&rest[6..]).unwrap();
        let pck = pem.parse_x509().unwrap();
        assert_eq!(pck.version(), x509_parser::x509::X509Version::V3);
        assert_eq!(pck.issuer(), pck.subject());
        let ku = pck.key_usage().unwrap().unwrap();
        assert!(ku.critical && ku.value.digital_signature());
        assert!(!pck.basic_constraints().unwrap().unwrap().value.ca);
        let pck_key =
            p256::ecdsa::VerifyingKey::from_sec1_bytes(&pck.public_key().subject_public_key.data)
                .unwrap();
        let sig = p256::ecdsa::Signature::from_slice(qe_sig).unwrap();
        pck_key.verify(qe_report, &sig).unwrap();
    }
    let vm: Value = serde_json::from_str(r["vm_config"].as_str().unwrap()).unwrap();
    assert!(vm["os_image_hash"].is_string());

    let (info, tcb) = info_log(&sim);
    let log = tcb["event_log"].as_array().unwrap();
    let replayed = replay(log);
    for i in 0..4 {
        assert_eq!(hex(q.rtmr(i)), hex(&replayed[i]), "rtmr{i} vs replay");
        assert_eq!(tcb[format!("rtmr{i}")], hex(&replayed[i]));
    }
    assert_eq!(tcb["mrtd"], hex(q.mrtd()));
    // Every runtime event's digest is the V1 digest of its name and payload.
    let names: Vec<&str> = log
        .iter()
        .filter(|e| e["event_type"] == 0x0800_0001)
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "system-preparing",
            "app-id",
            "compose-hash",
            "instance-id",
            "boot-mr-done",
            "os-image-hash",
            "key-provider",
            "storage-fs",
            "system-ready"
        ]
    );
    for e in log {
        if e["event_type"] == 0x0800_0001 {
            assert_eq!(e["imr"], 3);
            let d = v1_digest(
                e["event"].as_str().unwrap(),
                &unhex(e["event_payload"].as_str().unwrap()),
            );
            assert_eq!(e["digest"], hex(&d));
        } else {
            assert!(e["imr"].as_u64().unwrap() < 3);
        }
    }
    // Identities come from the log (§2.4, §6.3).
    let payload = |name: &str| {
        log.iter().find(|e| e["event"] == name).unwrap()["event_payload"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(info["app_id"], payload("app-id"));
    assert_eq!(info["compose_hash"], payload("compose-hash"));
    assert_eq!(info["instance_id"], payload("instance-id"));
    assert_eq!(
        hex(info["key_provider_info"].as_str().unwrap().as_bytes()),
        payload("key-provider")
    );
    let compose = tcb["app_compose"].as_str().unwrap();
    assert_eq!(info["compose_hash"], hex(&sha256(compose.as_bytes())));
    assert_eq!(
        info["app_id"],
        hex(&sha256(compose.as_bytes())[..20]),
        "built-in app id = compose_hash[..20]"
    );
    let agg: Vec<u8> = [q.mrtd(), q.rtmr(0), q.rtmr(1), q.rtmr(2), q.rtmr(3)].concat();
    assert_eq!(info["mr_aggregated"], hex(&sha256(&agg)));
    assert_eq!(tcb["mr_aggregated"], info["mr_aggregated"]);
    assert_eq!(info["device_id"], hex(&sha256(b"")));
    assert_eq!(tcb["device_id"], info["device_id"]);
    assert_eq!(info["os_image_hash"], vm["os_image_hash"]);
    assert_eq!(info["vm_config"], r["vm_config"]);
    assert_eq!(
        info["app_name"],
        serde_json::from_str::<Value>(compose).unwrap()["name"]
    );
    // tcb_info is pretty-printed JSON (two-space indentation).
    assert!(info["tcb_info"]
        .as_str()
        .unwrap()
        .starts_with("{\n  \"mrtd\": "));
}

#[test]
fn app_compose_file_and_app_id_flag() {
    let path = testdata("fixtures/simulator_app-compose.json");
    let text = std::fs::read(&path).unwrap();
    let sim = Sim::start(&[
        "--app-compose",
        path.to_str().unwrap(),
        "--app-id",
        FIXTURE_APP_ID,
    ]);
    let (info, tcb) = info_log(&sim);
    assert_eq!(info["compose_hash"], hex(&sha256(&text)));
    assert_eq!(
        tcb["app_compose"].as_str().unwrap().as_bytes(),
        text.as_slice()
    );
    assert_eq!(info["app_id"], FIXTURE_APP_ID);
    assert_eq!(info["app_name"], "guest-agent");
}

#[test]
fn get_quote_strips_the_event_log() {
    let sim = Sim::start(&[]);
    let r = sim.call("GetQuote", json!({}));
    assert_eq!(
        r["report_data"],
        "00".repeat(64),
        "empty report data is all zeros"
    );
    let stripped: Vec<Value> = serde_json::from_str(r["event_log"].as_str().unwrap()).unwrap();
    let (_, tcb) = info_log(&sim);
    let full = tcb["event_log"].as_array().unwrap();
    assert_eq!(stripped.len(), full.len());
    let mut acpi = 0;
    for (s, f) in stripped.iter().zip(full) {
        assert_eq!(
            (&s["imr"], &s["event_type"], &s["event"]),
            (&f["imr"], &f["event_type"], &f["event"])
        );
        if f["event_type"] == 0x0800_0001 {
            assert_eq!(s["digest"], "", "runtime digest emptied");
            assert_eq!(
                s["event_payload"], f["event_payload"],
                "runtime payload kept"
            );
        } else {
            assert_eq!(s["digest"], f["digest"], "boot digest kept");
            let is_acpi =
                f["imr"] == 0 && f["event_type"] == 10 && f["event_payload"] == hex(b"ACPI DATA");
            if is_acpi {
                acpi += 1;
                assert_eq!(
                    s["event_payload"], f["event_payload"],
                    "ACPI DATA payload kept"
                );
            } else {
                assert_eq!(s["event_payload"], "", "boot payload emptied");
            }
        }
    }
    assert_eq!(acpi, 3);
    // A sound replay (recomputing runtime digests) of the stripped log still matches the quote.
    let quote = unhex(r["quote"].as_str().unwrap());
    let recomputed: Vec<Value> = stripped
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if e["event_type"] == 0x0800_0001 {
                e["digest"] = json!(hex(&v1_digest(
                    e["event"].as_str().unwrap(),
                    &unhex(e["event_payload"].as_str().unwrap())
                )));
            }
            e
        })
        .collect();
    for (i, r) in replay(&recomputed).iter().enumerate() {
        assert_eq!(QuoteView(&quote).rtmr(i), r.as_slice());
    }
}

#[test]
fn report_data_limits_and_hex_prefixes() {
    let sim = Sim::start(&[]);
    let r = post_json(
        &sim.dstack(),
        "/GetQuote",
        &json!({"report_data": "aa".repeat(65)}).to_string(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), "{\n  \"error\": \"Report data is too long\"\n}");
    let r = sim.call("GetQuote", json!({"report_data": "0x0xAB"}));
    assert_eq!(&r["report_data"].as_str().unwrap()[..4], "ab00");
    let r = sim.call("GetQuote", json!({"report_data": "ff".repeat(64)}));
    assert_eq!(r["report_data"], "ff".repeat(64));
    let r = post_json(&sim.dstack(), "/GetQuote", r#"{"report_data":"zz"}"#);
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("Invalid character 'z' at position 0"));
}

#[test]
fn emit_event_extends_rtmr3() {
    let sim = Sim::start(&[]);
    let before = unhex(sim.call("GetQuote", json!({}))["quote"].as_str().unwrap());
    let r = sim.call(
        "EmitEvent",
        json!({"event": "my-event", "payload": "0xdeadbeef"}),
    );
    assert_eq!(r, json!({}));
    let after = sim.call("GetQuote", json!({}));
    let quote = unhex(after["quote"].as_str().unwrap());
    let expect = sha384(
        &[
            QuoteView(&before).rtmr(3),
            &v1_digest("my-event", &[0xde, 0xad, 0xbe, 0xef]),
        ]
        .concat(),
    );
    assert_eq!(QuoteView(&quote).rtmr(3), expect.as_slice());
    for i in 0..3 {
        assert_eq!(QuoteView(&quote).rtmr(i), QuoteView(&before).rtmr(i));
    }
    let log: Vec<Value> = serde_json::from_str(after["event_log"].as_str().unwrap()).unwrap();
    let last = log.last().unwrap();
    assert_eq!(
        (
            last["event"].as_str(),
            last["event_payload"].as_str(),
            last["imr"].as_u64()
        ),
        (Some("my-event"), Some("deadbeef"), Some(3))
    );
    let (info, tcb) = info_log(&sim);
    assert_eq!(tcb["rtmr3"], hex(&expect));
    assert_eq!(replay(tcb["event_log"].as_array().unwrap())[3], expect);
    let agg: Vec<u8> = [
        QuoteView(&quote).mrtd(),
        QuoteView(&quote).rtmr(0),
        QuoteView(&quote).rtmr(1),
        QuoteView(&quote).rtmr(2),
        &expect,
    ]
    .concat();
    assert_eq!(info["mr_aggregated"], hex(&sha256(&agg)));
    let r = post_json(
        &sim.dstack(),
        "/EmitEvent",
        r#"{"event":"","payload":"00"}"#,
    );
    assert_eq!(r.status, 400);
}

#[test]
fn attest_carries_the_full_log() {
    let sim = Sim::start(&[]);
    let r = sim.call("Attest", json!({"report_data": "0102"}));
    let att = mp_decode(&unhex(r["attestation"].as_str().unwrap()));
    assert_eq!(att.get("version").as_u64(), Some(1));
    assert_eq!(att.get("platform").get("kind").as_str(), Some("tdx"));
    let quote = att
        .get("platform")
        .get("data")
        .get("quote")
        .bytes()
        .to_vec();
    let mut rd = vec![1u8, 2];
    rd.resize(64, 0);
    assert_eq!(QuoteView(&quote).report_data(), rd.as_slice());
    let stack = att.get("stack");
    assert_eq!(stack.get("kind").as_str(), Some("dstack"));
    assert_eq!(stack.get("data").get("report_data").bytes(), rd.as_slice());
    let log = att.get("platform").get("data").get("event_log").array();
    let mut rtmr3 = vec![0u8; 48];
    for e in log {
        if e.get("imr").as_u64() == Some(3) {
            assert!(!e.get("digest").bytes().is_empty(), "unstripped");
            rtmr3 = sha384(&[rtmr3.as_slice(), e.get("digest").bytes()].concat());
        }
    }
    assert_eq!(QuoteView(&quote).rtmr(3), rtmr3.as_slice());
}

#[test]
fn tappd_tdx_quote_hash_algorithms() {
    use sha3::Digest;
    let sim = Sim::start(&[]);
    let data = b"some app data";
    let hash = |algo: &str, m: &[u8]| -> Vec<u8> {
        match algo {
            "sha256" => sha2::Sha256::digest(m).to_vec(),
            "sha384" => sha2::Sha384::digest(m).to_vec(),
            "sha512" | "" => sha2::Sha512::digest(m).to_vec(),
            "sha3-256" => sha3::Sha3_256::digest(m).to_vec(),
            "sha3-384" => sha3::Sha3_384::digest(m).to_vec(),
            "sha3-512" => sha3::Sha3_512::digest(m).to_vec(),
            "keccak256" => sha3::Keccak256::digest(m).to_vec(),
            "keccak384" => sha3::Keccak384::digest(m).to_vec(),
            "keccak512" => sha3::Keccak512::digest(m).to_vec(),
            _ => unreachable!(),
        }
    };
    let algos = [
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
    ];
    for algo in algos {
        for prefix in ["", "my-tag", "app-data:"] {
            let r = sim.tappd_call(
                "TdxQuote",
                json!({"report_data": hex(data), "hash_algorithm": algo, "prefix": prefix}),
            );
            let tag = if prefix.is_empty() {
                "app-data"
            } else {
                prefix
            };
            let mut expect = hash(algo, &[tag.as_bytes(), b":", data].concat());
            expect.resize(64, 0);
            let quote = unhex(r["quote"].as_str().unwrap());
            assert_eq!(
                QuoteView(&quote).report_data(),
                expect.as_slice(),
                "{algo} {prefix}"
            );
            assert_eq!(
                r["hash_algorithm"],
                if algo.is_empty() { "sha512" } else { algo }
            );
            assert_eq!(r["prefix"], tag);
            let log: Vec<Value> = serde_json::from_str(r["event_log"].as_str().unwrap()).unwrap();
            assert!(
                log.iter()
                    .all(|e| e["event_type"] != 0x0800_0001 || e["digest"] == ""),
                "stripped"
            );
        }
    }
    // raw: pass-through, exactly 64 bytes.
    let raw: Vec<u8> = (0..64).collect();
    for target in ["/prpc/Tappd.TdxQuote", "/prpc/TdxQuote"] {
        let r = post_json(
            &sim.tappd(),
            target,
            &json!({"report_data": hex(&raw), "hash_algorithm": "raw"}).to_string(),
        );
        assert_eq!(r.status, 200);
        let r = r.json();
        assert_eq!(
            QuoteView(&unhex(r["quote"].as_str().unwrap())).report_data(),
            raw.as_slice()
        );
        assert_eq!(
            (r["hash_algorithm"].as_str(), r["prefix"].as_str()),
            (Some("raw"), Some(""))
        );
    }
    let r = post_json(
        &sim.tappd(),
        "/prpc/Tappd.TdxQuote",
        r#"{"report_data":"0102","hash_algorithm":"raw"}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid content length");
    let r = post_json(
        &sim.tappd(),
        "/prpc/Tappd.TdxQuote",
        r#"{"report_data":"0102","hash_algorithm":"md5"}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid hash algorithm");
    let r = sim.tappd_call("RawQuote", json!({"report_data": hex(&raw)}));
    assert_eq!(
        QuoteView(&unhex(r["quote"].as_str().unwrap())).report_data(),
        raw.as_slice()
    );
    let r = post_json(
        &sim.tappd(),
        "/prpc/Tappd.RawQuote",
        r#"{"report_data":"0102"}"#,
    );
    assert_eq!(r.status, 400);
}

#[test]
fn tappd_info_version_and_misc() {
    let sim = Sim::start(&[]);
    let a = sim.call("Info", json!({}));
    let b = sim.tappd_call("Info", json!({}));
    assert_eq!(a["app_id"], b["app_id"]);
    assert_eq!(a["tcb_info"], b["tcb_info"]);
    let v = sim.call("Version", json!({}));
    assert!(v["version"].as_str().unwrap().starts_with("0.5."));
    assert!(v["rev"].is_string());
    assert_eq!(sim.tappd_call("Version", json!({})), v);
    assert_eq!(sim.call("GpuInfo", json!({})), json!({"attestation": ""}));
    assert!(a["cloud_vendor"].is_string() && a["cloud_product"].is_string());
    // The demo certificate is issued once and kept (certs.rs checks its content).
    assert!(a["app_cert"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(a["app_cert"], b["app_cert"]);
}

#[test]
fn get_quote_carries_the_versioned_attestation() {
    let sim = Sim::start(&[]);
    sim.call(
        "EmitEvent",
        json!({"event": "after-boot", "payload": "0102"}),
    );
    let r = sim.call("GetQuote", json!({"report_data": hex(b"nonce")}));
    let quote = unhex(r["quote"].as_str().unwrap());
    let att = mp_decode(&unhex(r["attestation"].as_str().unwrap()));
    assert_eq!(att.get("version").as_u64(), Some(1));
    let platform = att.get("platform");
    assert_eq!(platform.get("kind").as_str(), Some("tdx"));
    // The same quote as the `quote` field, and the same report data.
    assert_eq!(platform.get("data").get("quote").bytes(), quote.as_slice());
    let stack = att.get("stack").get("data");
    assert_eq!(
        hex(stack.get("report_data").bytes()),
        r["report_data"].as_str().unwrap()
    );
    assert_eq!(
        stack.get("config").as_str(),
        r["vm_config"].as_str(),
        "vm_config"
    );
    // Its (full) log replays to the quote's registers and holds the emitted event.
    let log = platform.get("data").get("event_log").array();
    let mut rtmr = vec![vec![0u8; 48]; 4];
    for e in log {
        let i = e.get("imr").as_u64().unwrap() as usize;
        let mut d = e.get("digest").bytes().to_vec();
        d.resize(48, 0);
        rtmr[i] = sha384(&[rtmr[i].as_slice(), &d].concat());
    }
    for (i, r) in rtmr.iter().enumerate() {
        assert_eq!(QuoteView(&quote).rtmr(i), r.as_slice(), "RTMR{i}");
    }
    let runtime = stack.get("runtime_events").array();
    let last = runtime.last().unwrap();
    assert_eq!(last.get("event").as_str(), Some("after-boot"));
    assert_eq!(last.get("payload").bytes(), [1, 2]);
    // An agent from before the field (--legacy) leaves it out.
    let legacy = Sim::start(&["--legacy"]);
    let r = legacy.call("GetQuote", json!({}));
    assert!(r.get("attestation").is_none(), "{r}");
}
