//! Event-log replay and quote parsing against `testdata/vectors/rtmr_replay.json` and the
//! real fixtures in `testdata/fixtures/`.

mod common;
use common::*;
use dstack_core::eventlog::{self, replay_from_digests, replay_sound, verify_against_quote};
use dstack_core::quote::{BodyType, Quote};
use dstack_core::Error;
use sha2::{Digest, Sha384};

fn hexes(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rtmr_replay_vectors() {
    let doc = load("vectors/rtmr_replay.json");
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let log = case["event_log_json"].as_str().unwrap();
        let expected = &case["expected"];
        let got = replay_from_digests(log.as_bytes());
        // README: malformed digests and non-integer imr are errors even where Python
        // happened to return something (imr as bool).
        let must_fail =
            expected.get("error").is_some() || id == "imr_as_bool" || id == "imr_as_string";
        if must_fail {
            assert!(got.is_err(), "{id}: expected an error, got {got:?}");
        } else {
            let got = got.unwrap_or_else(|e| panic!("{id}: {e:?}"));
            let want = hexes(expected);
            let got: Vec<String> = got.iter().map(|r| tohex(r)).collect();
            assert_eq!(got, want, "{id}");
        }
        if let Some(q) = case.get("quote_rtmrs") {
            // Real fixtures: the sound replay matches the quote on all four RTMRs.
            let sound: Vec<String> = replay_sound(log.as_bytes())
                .unwrap()
                .iter()
                .map(|r| tohex(r))
                .collect();
            assert_eq!(sound, hexes(q), "{id} sound replay");
            assert_eq!(
                case["recomputed_replay_matches_quote"],
                serde_json::json!([true, true, true, true])
            );
        }
        checked += 1;
    }
    assert_eq!(checked, doc["num_cases"].as_u64().unwrap() as usize);
}

fn fixture(name: &str) -> (Vec<u8>, String, Vec<u8>) {
    let f = load(&format!("fixtures/{name}"));
    (
        unhex(f["quote"].as_str().unwrap()),
        f["event_log"].as_str().unwrap().to_string(),
        unhex(f["report_data"].as_str().unwrap()),
    )
}

/// RTMRs read at the §7.1 v4 offsets directly, independent of `Quote`.
fn rtmrs_at_offsets(q: &[u8], body: usize) -> [[u8; 48]; 4] {
    let mut r = [[0u8; 48]; 4];
    for (i, m) in r.iter_mut().enumerate() {
        let off = body + 328 + 48 * i;
        m.copy_from_slice(&q[off..off + 48]);
    }
    r
}

#[test]
fn fixtures_replay_soundly_and_verify() {
    for name in [
        "verifier_fixture_quote-report.json",
        "verifier_fixture_tdx-lite-getquote.json",
    ] {
        let (quote, log, rd) = fixture(name);
        let q = Quote::parse(&quote).unwrap();
        assert_eq!(q.version(), 4);
        assert_eq!(q.tee_type(), 0x81);
        assert_eq!(q.attestation_key_type(), 2);
        assert_eq!(q.body_type(), BodyType::Td10);
        assert_eq!(&q.report_data()[..], &quote[568..632]);
        assert_eq!(&q.mrtd()[..], &quote[184..232]);
        assert_eq!(&q.mr_config_id()[..], &quote[232..280]);
        assert_eq!(&q.td_attributes()[..], &quote[168..176]);
        assert_eq!(q.rtmrs(), rtmrs_at_offsets(&quote, 48));
        assert_eq!(&q.report_data()[..], &rd[..]);

        let sound = replay_sound(log.as_bytes()).unwrap();
        assert_eq!(sound, rtmrs_at_offsets(&quote, 48), "{name}");
        let rd: [u8; 64] = rd.try_into().unwrap();
        verify_against_quote(&quote, log.as_bytes(), Some(&rd)).unwrap();
        verify_against_quote(&quote, log.as_bytes(), None).unwrap();
        let mut wrong = rd;
        wrong[0] ^= 1;
        assert_eq!(
            verify_against_quote(&quote, log.as_bytes(), Some(&wrong)),
            Err(Error::VerificationFailed)
        );

        // Tampering with a runtime event's payload breaks RTMR3.
        let tampered = log.replacen(
            "\"event\":\"app-id\",\"event_payload\":\"",
            "\"event\":\"app-id\",\"event_payload\":\"00",
            1,
        );
        assert_ne!(tampered, log);
        assert_eq!(
            verify_against_quote(&quote, tampered.as_bytes(), None),
            Err(Error::VerificationFailed)
        );
    }
}

#[test]
fn forged_runtime_digest_is_not_trusted() {
    // The quote-report fixture carries full digests; replacing a runtime event's digest
    // must not change the sound replay (it is recomputed), but does change the SDK replay.
    let (quote, log, _) = fixture("verifier_fixture_quote-report.json");
    let events: Vec<serde_json::Value> = serde_json::from_str(&log).unwrap();
    let idx = events.iter().position(|e| e["event"] == "app-id").unwrap();
    let mut forged = events.clone();
    forged[idx]["digest"] = serde_json::Value::String("11".repeat(48));
    let forged = serde_json::to_string(&forged).unwrap();
    assert_eq!(
        replay_sound(forged.as_bytes()).unwrap(),
        replay_sound(log.as_bytes()).unwrap()
    );
    assert_ne!(
        replay_from_digests(forged.as_bytes()).unwrap(),
        replay_from_digests(log.as_bytes()).unwrap()
    );
    verify_against_quote(&quote, forged.as_bytes(), None).unwrap();
}

#[test]
fn runtime_digests_match_hand_built_preimages() {
    let payload = [0xde, 0xad, 0xbe, 0xef];
    let mut pre = Vec::new();
    pre.extend_from_slice(&0x0800_0001u32.to_le_bytes());
    pre.extend_from_slice(b":app-id:");
    pre.extend_from_slice(&payload);
    assert_eq!(
        eventlog::runtime_event_digest_v1(0x0800_0001, "app-id", &payload)[..],
        Sha384::digest(&pre)[..]
    );

    // V2: RFC 8785 text built by hand, with the escapes of §5.2.
    let name = "a\"b\\c\n\u{1}é\u{7f}";
    let text =
        "{\"name\":\"a\\\"b\\\\c\\n\\u0001é\u{7f}\",\"payload\":\"deadbeef\",\"type\":134217729}";
    assert_eq!(
        eventlog::runtime_event_digest_v2(name, &payload)[..],
        Sha384::digest(text.as_bytes())[..]
    );
    let mut out = [0u8; 128];
    let n = eventlog::runtime_event_preimage_v2(name, &payload, &mut out).unwrap();
    assert_eq!(&out[..n], text.as_bytes());
    assert_eq!(
        eventlog::runtime_event_preimage_v2_len(name, &payload),
        text.len()
    );
}

fn v2_log(preimage: Option<&str>, payload_hex: &str) -> String {
    let pre = preimage
        .map(|p| format!(",\"preimage\":\"{p}\""))
        .unwrap_or_default();
    format!(
        "[{{\"imr\":3,\"event_type\":134217729,\"digest\":\"\",\"event\":\"my-ev\",\"event_payload\":\"{payload_hex}\",\"version\":2{pre},\"extra\":[1,{{\"x\":null}}]}}]"
    )
}

#[test]
fn v2_events_and_preimages() {
    let canonical = "{\"name\":\"my-ev\",\"payload\":\"0a0b\",\"type\":134217729}";
    let log = v2_log(Some(&tohex(canonical.as_bytes())), "0A0B");
    let ev = eventlog::events(log.as_bytes()).next().unwrap().unwrap();
    assert_eq!(ev.version(), 2);
    assert_eq!(
        ev.runtime_digest().unwrap()[..],
        Sha384::digest(canonical.as_bytes())[..]
    );
    ev.check_preimage().unwrap();
    let mut expect = [[0u8; 48]; 4];
    let mut h = Sha384::new();
    h.update([0u8; 48]);
    h.update(Sha384::digest(canonical.as_bytes()));
    expect[3] = h.finalize().into();
    assert_eq!(replay_sound(log.as_bytes()).unwrap(), expect);
    eventlog::check_preimages(log.as_bytes()).unwrap();

    // Non-canonical preimage (extra space) with the same meaning is rejected.
    let spaced = "{\"name\": \"my-ev\",\"payload\":\"0a0b\",\"type\":134217729}";
    let bad = v2_log(Some(&tohex(spaced.as_bytes())), "0a0b");
    assert_eq!(
        eventlog::check_preimages(bad.as_bytes()),
        Err(Error::VerificationFailed)
    );
    // Truncated preimage.
    let short = v2_log(Some(&tohex(&canonical.as_bytes()[..10])), "0a0b");
    assert_eq!(
        eventlog::check_preimages(short.as_bytes()),
        Err(Error::VerificationFailed)
    );
    // Absent preimage passes.
    eventlog::check_preimages(v2_log(None, "0a0b").as_bytes()).unwrap();
}

#[test]
fn event_accessors() {
    let log = r#"[{"imr":3,"event_type":134217729,"digest":"","event":"a\u00e9\n","event_payload":"ff00"}]"#;
    let ev = eventlog::events(log.as_bytes()).next().unwrap().unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(ev.name(&mut buf).unwrap(), "aé\n");
    assert_eq!(ev.name_len(), 4);
    assert!(ev.name_eq("aé\n"));
    assert_eq!(ev.name_plain(), None);
    assert_eq!(ev.payload(&mut buf).unwrap(), &[0xff, 0]);
    assert_eq!(ev.version(), 1);
    assert_eq!(ev.preimage_hex(), None);
    assert_eq!(
        ev.name(&mut [0u8; 2]),
        Err(Error::BufferTooSmall { needed: 4 })
    );
}

#[test]
fn malformed_logs_are_errors() {
    for bad in [
        "",
        "{}",
        "[",
        "[{}]",
        "[1]",
        r#"[{"imr":4,"event_type":1,"digest":"","event":"","event_payload":""}]"#,
        r#"[{"imr":-1,"event_type":1,"digest":"","event":"","event_payload":""}]"#,
        r#"[{"imr":"0","event_type":1,"digest":"","event":"","event_payload":""}]"#,
        r#"[{"imr":0,"event_type":1,"digest":"abc","event":"","event_payload":""}]"#,
        r#"[{"imr":0,"event_type":1,"digest":"00","event":"","event_payload":""}]"#,
        r#"[{"imr":3,"event_type":134217729,"digest":"","event":"x","event_payload":"0x00"}]"#,
        r#"[{"imr":3,"event_type":134217729,"digest":"","event":"\ud800","event_payload":""}]"#,
        r#"[{"imr":3,"event_type":134217729,"digest":"","event":"x","event_payload":"","version":3}]"#,
        r#"[{"imr":3,"event_type":134217729,"digest":"","event":"x","event_payload":""}] x"#,
        r#"[{"imr":3,"event_type":134217729,"digest":"","event":"x","event_payload":""},]"#,
    ] {
        assert!(replay_sound(bad.as_bytes()).is_err(), "{bad}");
    }
    assert_eq!(replay_sound(b"[]").unwrap(), [[0u8; 48]; 4]);
    assert_eq!(replay_sound(b" [ ] ").unwrap(), [[0u8; 48]; 4]);
}

#[test]
fn v5_quotes_parse_at_shifted_offsets() {
    let (v4, _, _) = fixture("verifier_fixture_tdx-lite-getquote.json");
    // Build a v5 TD10 quote from the v4 one: header, body descriptor (type 2, 584), body, auth.
    let mut v5 = v4[..48].to_vec();
    v5[0] = 5;
    v5.extend_from_slice(&2u16.to_le_bytes());
    v5.extend_from_slice(&584u32.to_le_bytes());
    v5.extend_from_slice(&v4[48..]);
    let q = Quote::parse(&v5).unwrap();
    assert_eq!(q.version(), 5);
    assert_eq!(q.body_offset(), 54);
    assert_eq!(&q.report_data()[..], &v5[574..638]);
    assert_eq!(q.rtmrs(), rtmrs_at_offsets(&v4, 48));
    assert_eq!(q.mr_service_td(), None);

    // TD15: 648-byte body (TD10 + tee_tcb_svn2 16 + mr_service_td 48).
    let mut v5b = v4[..48].to_vec();
    v5b[0] = 5;
    v5b.extend_from_slice(&3u16.to_le_bytes());
    v5b.extend_from_slice(&648u32.to_le_bytes());
    v5b.extend_from_slice(&v4[48..632]);
    v5b.extend_from_slice(&[7u8; 16]);
    v5b.extend_from_slice(&[9u8; 48]);
    v5b.extend_from_slice(&v4[632..]);
    let q = Quote::parse(&v5b).unwrap();
    assert_eq!(q.body_type(), BodyType::Td15);
    assert_eq!(q.tee_tcb_svn2(), Some(&[7u8; 16]));
    assert_eq!(q.mr_service_td(), Some(&[9u8; 48]));
    assert_eq!(q.rtmrs(), rtmrs_at_offsets(&v4, 48));

    // Wrong body size, SGX body, unknown version, truncation, trailing bytes.
    let mut bad = v5.clone();
    bad[50] = 0;
    assert!(Quote::parse(&bad).is_err());
    let mut sgx = v5.clone();
    sgx[48] = 1;
    assert!(matches!(Quote::parse(&sgx), Err(Error::InvalidArgument(_))));
    let mut v3 = v4.clone();
    v3[0] = 3;
    assert_eq!(Quote::parse(&v3).unwrap_err(), Error::MalformedResponse);
    for cut in [0, 1, 47, 48, 100, 631, 635, 636, 636 + 4299] {
        assert!(Quote::parse(&v4[..cut]).is_err(), "cut {cut}");
    }
    // The fixture quotes carry zero padding after the auth data (4300 B auth data).
    let q4 = Quote::parse(&v4).unwrap();
    assert_eq!(
        q4.auth_data().len(),
        u32::from_le_bytes(v4[632..636].try_into().unwrap()) as usize
    );
    assert_eq!(q4.trailing().len(), v4.len() - 636 - q4.auth_data().len());
    assert!(q4.trailing().iter().all(|&b| b == 0));
    // An auth-data length pointing past the end is malformed.
    let mut over = v4.clone();
    over[632..636].copy_from_slice(&(v4.len() as u32).to_le_bytes());
    assert_eq!(Quote::parse(&over).unwrap_err(), Error::MalformedResponse);
    let mut sgx_tee = v4.clone();
    sgx_tee[4] = 0;
    assert!(matches!(
        Quote::parse(&sgx_tee),
        Err(Error::InvalidArgument(_))
    ));
}
