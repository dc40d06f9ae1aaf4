//! The blocking clients against the simulator: every RPC, the decode and verification
//! helpers, legacy agents, transport failures, concurrency, redaction. Mirrors what the
//! C, Go and Python suites cover.

mod common;

use base64ct::{Base64, Encoding};
use common::*;
use libdstack::{verify, DstackClient, ErrorKind, GetTlsKeyResponse, TappdClient, TlsKeyConfig};
use std::time::{Duration, Instant};

fn kind<T: std::fmt::Debug>(r: libdstack::Result<T>) -> ErrorKind {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            assert!(!e.message().is_empty());
            e.kind()
        }
    }
}

fn cert_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    Base64::decode_vec(&b64).unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn get_key_matches_the_protocol_vector_and_its_chain_verifies() {
    let sim = Sim::start();
    let c = sim.client();
    let r = c.get_key("a", "p").unwrap();
    assert_eq!(r.key.to_hex().as_str(), KEY_AP);
    assert_eq!(r.algorithm, "secp256k1");
    assert_eq!(r.purpose, "p");
    assert_eq!(r.signature_chain.len(), 2);
    assert!(r.signature_chain.iter().all(|s| s.len() == 65));
    assert_eq!(
        r.decode_signature_chain().unwrap()[0],
        r.signature_chain[0].to_vec()
    );
    assert_eq!(&r.decode_key().unwrap()[..], &r.key[..]);

    let app_id = unhex(APP_ID);
    let kms = unhex(KMS_ROOT);
    let info = r.verify_signature_chain(&app_id, Some(&kms)).unwrap();
    assert_eq!(info.app_key.to_hex(), APP_KEY);
    assert_eq!(info.kms_key.to_hex(), KMS_ROOT);
    // Without a trusted key the chain still recovers, and names the KMS key.
    assert_eq!(
        r.verify_signature_chain(&app_id, None)
            .unwrap()
            .kms_key
            .to_hex(),
        KMS_ROOT
    );
    // The free function over the same parts.
    let pk = r.public_key().unwrap();
    let free = verify::verify_signature_chain(
        &pk,
        "p",
        &r.signature_chain[0],
        &r.signature_chain[1],
        &app_id,
        Some(&kms),
    )
    .unwrap();
    assert_eq!(free, info);

    // Another app id, another trusted key, or another purpose fail.
    let mut other = app_id.clone();
    other[0] ^= 1;
    assert_eq!(
        kind(r.verify_signature_chain(&other, Some(&kms))),
        ErrorKind::VerificationFailed
    );
    let app_key = unhex(APP_KEY);
    assert_eq!(
        kind(r.verify_signature_chain(&app_id, Some(&app_key))),
        ErrorKind::VerificationFailed
    );
    let mut forged = r.clone();
    forged.purpose = "other".into();
    assert_eq!(
        kind(forged.verify_signature_chain(&app_id, Some(&kms))),
        ErrorKind::VerificationFailed
    );
    assert_eq!(
        kind(r.verify_signature_chain(&app_id, Some(&kms[..32]))),
        ErrorKind::InvalidArgument
    );

    // The same key again (deterministic), also through the official SDK's argument types.
    let again = c
        .get_key(Some("a".to_string()), Some("p".to_string()))
        .unwrap();
    assert_eq!(again.key, r.key);
    let empty = c.get_key(None, None).unwrap();
    assert_ne!(empty.key, r.key);
    assert!(!r.raw_body().is_empty());
}

#[test]
fn get_key_ed25519_needs_version_and_binds_the_algorithm() {
    let sim = Sim::start();
    let r = sim
        .client()
        .get_key_with_algorithm("a", "p", "ed25519")
        .unwrap();
    // The key material does not depend on the algorithm (docs/PROTOCOL.md §6.1).
    assert_eq!(r.key.to_hex().as_str(), KEY_AP);
    assert_eq!(r.algorithm, "ed25519");
    assert_eq!(r.public_key().unwrap().len(), 32);
    let (app_id, kms) = (unhex(APP_ID), unhex(KMS_ROOT));
    r.verify_signature_chain(&app_id, Some(&kms)).unwrap();
    let mut as_k256 = r.clone();
    as_k256.algorithm = "secp256k1".into();
    assert_eq!(
        kind(as_k256.verify_signature_chain(&app_id, Some(&kms))),
        ErrorKind::VerificationFailed
    );
    let kp = r.to_solana_keypair().unwrap();
    assert_eq!(kp.public_key, r.public_key().unwrap());

    assert_eq!(
        kind(sim.client().get_key_with_algorithm("a", "p", "rsa")),
        ErrorKind::InvalidArgument
    );
    let legacy = Sim::legacy();
    let e = legacy
        .client()
        .get_key_with_algorithm("a", "p", "ed25519")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.message().contains("too old"), "{e}");
    let k = legacy
        .client()
        .get_key_with_algorithm("a", "p", "secp256k1")
        .unwrap();
    assert_eq!(k.key.to_hex().as_str(), KEY_AP);
}

#[test]
fn get_quote_replays_and_verifies() {
    let sim = Sim::start();
    let c = sim.client();
    let rd = b"libdstack rust client";
    let q = c.get_quote(rd).unwrap();
    let mut want = rd.to_vec();
    want.resize(64, 0);
    assert_eq!(q.report_data, want);
    let parsed = q.parse_quote().unwrap();
    assert_eq!(parsed.report_data, want);
    assert!(parsed.version == 4 || parsed.version == 5);
    assert_eq!(parsed.tee_type, 0x81);
    q.verify_event_log().unwrap();
    let rtmrs = q.replay_rtmrs().unwrap();
    for i in 0..4u8 {
        assert_eq!(rtmrs[&i], parsed.rtmrs[usize::from(i)].to_hex(), "RTMR{i}");
    }
    let events = q.decode_event_log().unwrap();
    assert!(events
        .iter()
        .any(|e| e.event == "compose-hash" && e.imr == 3));
    assert!(!q.vm_config.is_empty());
    assert!(!q.attestation.is_empty());
    assert_eq!(q.decode_quote().unwrap(), q.quote.to_vec());

    // Another expected report data fails.
    let mut other = q.clone();
    other.report_data = vec![0u8; 64].into();
    assert_eq!(
        kind(other.verify_event_log()),
        ErrorKind::VerificationFailed
    );
    // A tampered runtime event fails: its digest is recomputed from the payload.
    let ev = events.iter().find(|e| e.event == "compose-hash").unwrap();
    let mut tampered = q.clone();
    tampered.event_log = q
        .event_log
        .replacen(&ev.event_payload.to_hex(), &"00".repeat(32), 1);
    assert_ne!(tampered.event_log, q.event_log);
    assert_eq!(
        kind(tampered.verify_event_log()),
        ErrorKind::VerificationFailed
    );
    // The digest-only replay of the official SDKs cannot reproduce RTMR3 from this
    // stripped log; the sound one does.
    let naive = verify::replay_rtmrs_from_digests(&q.event_log).unwrap();
    assert_ne!(naive[3][..], parsed.rtmrs[3][..]);
    assert_eq!(
        verify::replay_rtmrs(&q.event_log).unwrap()[3][..],
        parsed.rtmrs[3][..]
    );
}

#[test]
fn report_data_limits() {
    let sim = Sim::start();
    let c = sim.client();
    assert_eq!(kind(c.get_quote([0u8; 65])), ErrorKind::InvalidArgument);
    assert_eq!(kind(c.attest(vec![0u8; 65])), ErrorKind::InvalidArgument);
    // Empty report data is allowed (zeros), and 64 bytes pass unchanged.
    assert_eq!(c.get_quote(b"").unwrap().report_data, vec![0u8; 64]);
    assert_eq!(c.get_quote([7u8; 64]).unwrap().report_data, vec![7u8; 64]);
    assert_eq!(
        kind(libdstack::verify::Quote::parse(b"short")),
        ErrorKind::MalformedResponse
    );
    assert!(verify::verify_event_log(b"", "[]", None).is_err());
}

#[test]
fn attest() {
    let sim = Sim::start();
    let a = sim.client().attest(b"x").unwrap();
    // SCALE V0 starts with 0x00, msgpack V1 with a map (docs/PROTOCOL.md §7.3).
    let b = a.attestation[0];
    assert!(
        b == 0 || (0x80..=0x8f).contains(&b) || b == 0xde || b == 0xdf,
        "{b:#x}"
    );
    assert_eq!(a.decode_attestation().unwrap(), a.attestation.to_vec());
    assert!(Sim::legacy().client().attest(b"x").is_err());
}

#[test]
fn get_tls_key_with_every_option() {
    let sim = Sim::start();
    let c = sim.client();
    let cfg = TlsKeyConfig::builder()
        .subject("rust.example")
        .alt_names(["a.rust.example", "b.rust.example"])
        .build();
    let r = c.get_tls_key(cfg).unwrap();
    assert!(r.key.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(r.certificate_chain.len() >= 2);
    let leaf = cert_der(&r.certificate_chain[0]);
    for name in ["rust.example", "a.rust.example", "b.rust.example"] {
        assert!(
            contains(&leaf, name.as_bytes()),
            "{name} not in the certificate"
        );
    }
    let der = r.as_uint8array(None).unwrap();
    assert_eq!(&der[..], &cert_der(&r.key)[..]);
    assert_eq!(&r.as_uint8array(Some(32)).unwrap()[..], &der[..32]);
    assert_eq!(r.as_uint8array(Some(200)).unwrap().len(), 200);
    assert_eq!(r.secure_seed().unwrap()[..], sha256(&der)[..]);
    let scalar = r.decode_key().unwrap();
    assert_eq!(scalar.len(), 32);
    assert!(contains(&der, &scalar));
    // Fresh keys every time.
    assert_ne!(c.get_tls_key(TlsKeyConfig::default()).unwrap().key, r.key);

    // Usages, validity, RA-TLS and app info (agent with Version).
    let cfg = TlsKeyConfig {
        usage_server_auth: false,
        usage_client_auth: true,
        usage_ra_tls: true,
        with_app_info: true,
        not_before: Some(1_700_000_000),
        not_after: Some(1_800_000_000),
        ..TlsKeyConfig::default()
    };
    let r = c.get_tls_key(cfg).unwrap();
    let leaf = cert_der(&r.certificate_chain[0]);
    // GeneralizedTime/UTCTime of the validity bounds: 2023-11-14 22:13:20, 2027-01-15 08:00:00.
    assert!(contains(&leaf, b"231114221320Z"), "not_before");
    assert!(contains(&leaf, b"270115080000Z"), "not_after");

    // An empty validity window is refused before sending, with the agent's text.
    let bad = TlsKeyConfig::builder()
        .not_before(1_800_000_000)
        .not_after(1_700_000_000)
        .build();
    let e = c.get_tls_key(bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(
        e.message()
            .contains("not_before must be earlier than not_after"),
        "{e}"
    );

    // The newer options need the Version RPC.
    let legacy = Sim::legacy();
    let e = legacy
        .client()
        .get_tls_key(TlsKeyConfig::builder().not_after(1_800_000_000).build())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.message().contains("not_after"), "{e}");
    legacy
        .client()
        .get_tls_key(TlsKeyConfig::default())
        .unwrap();
}

#[test]
fn info_and_its_tcb_info() {
    let sim = Sim::start();
    let info = sim.client().info().unwrap();
    assert_eq!(info.app_id.to_hex(), APP_ID);
    assert_eq!(info.app_id.to_string(), APP_ID);
    assert!(!info.instance_id.is_empty() && !info.app_cert.is_empty());
    let tcb = &info.tcb_info;
    assert!(tcb.is_published());
    // compose_hash is SHA-256 of the app-compose bytes (docs/PROTOCOL.md §6.3).
    assert_eq!(
        info.compose_hash,
        libdstack::compose::compose_hash_raw(tcb.app_compose.as_bytes())
    );
    // The RTMRs in tcb_info replay from its (unstripped) event log, soundly and naively.
    let rtmrs = tcb.replay_rtmrs().unwrap();
    for (i, want) in [&tcb.rtmr0, &tcb.rtmr1, &tcb.rtmr2, &tcb.rtmr3]
        .into_iter()
        .enumerate()
    {
        assert_eq!(rtmrs[&(i as u8)], want.to_hex());
        assert_eq!(
            verify::replay_rtmrs_from_digests(&tcb.event_log).unwrap()[i][..],
            want[..]
        );
    }
    assert!(!tcb.decode_event_log().unwrap().is_empty());
    assert!(!info.key_provider_info.is_empty() && !info.vm_config.is_empty());
}

#[test]
fn version_and_gpu_info() {
    let sim = Sim::start();
    let v = sim.client().version().unwrap();
    assert!(!v.version.is_empty() && !v.rev.is_empty());
    let g = sim.client().gpu_info().unwrap();
    assert_eq!(g.attestation, "");
    assert!(Sim::legacy().client().version().is_err());
}

#[test]
fn sign_verify_and_chain() {
    let sim = Sim::start();
    let c = sim.client();
    let (app_id, kms) = (unhex(APP_ID), unhex(KMS_ROOT));
    let data = b"message to sign";
    let digest = sha256(data);
    for (alg, data) in [
        ("ed25519", &data[..]),
        ("secp256k1", &data[..]),
        ("k256", &data[..]),
        ("secp256k1_prehashed", &digest[..]),
    ] {
        let s = c.sign(alg, data).unwrap();
        assert_eq!(s.signature_chain.len(), 3, "{alg}");
        assert_eq!(s.signature_chain[0], s.signature, "{alg}");
        let info = s.verify_signature_chain(&app_id, Some(&kms)).unwrap();
        assert_eq!(info.app_key.to_hex(), APP_KEY, "{alg}");
        assert!(s.verify(data).unwrap(), "{alg}");
        assert!(!s.verify(&[0x55; 32]).unwrap(), "{alg}");

        // The agent's Verify agrees (on the r||s of a secp256k1 signature).
        let sig = if alg == "ed25519" {
            &s.signature[..]
        } else {
            &s.signature[..64]
        };
        assert!(
            c.verify(alg, data, sig, &s.public_key).unwrap().valid,
            "{alg}"
        );
        let mut bad = sig.to_vec();
        bad[5] ^= 1;
        let agent = c.verify(alg, data, &bad, &s.public_key);
        assert!(
            !matches!(agent, Ok(v) if v.valid),
            "{alg}: tampered signature valid"
        );
        assert!(
            !verify::verify_signature(alg, data, &bad, &s.public_key).unwrap(),
            "{alg}"
        );
        assert_eq!(
            kind(verify::verify_signature(alg, data, sig, &s.public_key[1..])),
            ErrorKind::InvalidArgument
        );
        assert_eq!(s.decode_signature().unwrap(), s.signature.to_vec());
        assert_eq!(s.decode_public_key().unwrap(), s.public_key.to_vec());
    }
    let e = c.sign("secp256k1_prehashed", b"not 32 bytes").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        e.message(),
        "Pre-hashed signing requires a 32-byte digest, but received 12 bytes"
    );
    assert!(c.sign("", data).is_err());
    assert!(Sim::legacy().client().sign("ed25519", data).is_err());
}

#[test]
fn emit_event_extends_rtmr3() {
    let sim = Sim::start();
    let c = sim.client();
    let before = c.get_quote(b"").unwrap().parse_quote().unwrap();
    c.emit_event("rust-test-event", [1u8, 2, 3]).unwrap();
    let owned = String::from("rust-test-event"); // the official SDK's argument types
    c.emit_event(owned, vec![4u8]).unwrap();
    let after = c.get_quote(b"").unwrap();
    assert_ne!(after.parse_quote().unwrap().rtmrs[3], before.rtmrs[3]);
    after.verify_event_log().unwrap();
    let ev = after.decode_event_log().unwrap();
    let mine: Vec<_> = ev.iter().filter(|e| e.event == "rust-test-event").collect();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].event_payload, [1u8, 2, 3]);
    assert_eq!(kind(c.emit_event("", b"")), ErrorKind::InvalidArgument);
    assert_eq!(
        kind(Sim::legacy().client().emit_event("e", b"")),
        ErrorKind::Unsupported
    );
}

#[test]
fn reachability_no_agent_and_endpoints() {
    let sim = Sim::start();
    assert!(sim.client().is_reachable());
    assert!(sim.tappd_client().is_reachable());
    let dir = temp_dir("none");
    let missing = dir.join("none.sock").display().to_string();
    let c = DstackClient::new(Some(&missing));
    assert_eq!(c.endpoint(), missing);
    assert!(!c.is_reachable());
    assert_eq!(kind(c.info()), ErrorKind::NoAgent);

    // https:// is refused: at once by try_new, at every call by new (as the official
    // SDK's infallible constructor).
    assert_eq!(
        kind(DstackClient::try_new(Some("https://example.com"))),
        ErrorKind::Unsupported
    );
    let c = DstackClient::new(Some("https://example.com"));
    assert_eq!(c.endpoint(), "https://example.com");
    assert_eq!(kind(c.get_key("a", "")), ErrorKind::Unsupported);
    assert!(!c.is_reachable());
    assert_eq!(
        kind(DstackClient::try_new(Some("http://h:99999"))),
        ErrorKind::InvalidArgument
    );

    // The dstack client on the tappd socket says so.
    let wrong = DstackClient::new(Some(&sim.tappd()));
    let e = wrong.get_key("a", "").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HttpStatus);
    assert!(e.message().contains("tappd socket"), "{e}");
}

#[test]
fn http_endpoints() {
    let sim = Sim::with_args(&["--listen", "127.0.0.1:0"]);
    let base = sim
        .http
        .clone()
        .expect("the simulator printed its http address");
    for ep in [base.clone(), format!("{base}/")] {
        let c = DstackClient::try_new(Some(&ep)).unwrap();
        assert!(c.is_reachable(), "{ep}");
        assert_eq!(c.get_key("a", "p").unwrap().key.to_hex().as_str(), KEY_AP);
        c.get_quote(b"tcp").unwrap().verify_event_log().unwrap();
    }
    // A base path the agent does not serve: a 404 that names the address and path.
    let e = DstackClient::new(Some(&format!("{base}/api")))
        .info()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HttpStatus);
    assert!(e.message().contains("/api/Info"), "{e}");
    // Nobody listening: no agent.
    let port = base.rsplit(':').next().unwrap();
    drop(sim);
    let e = DstackClient::new(Some(&format!("http://127.0.0.1:{port}")))
        .info()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoAgent, "{e}");
}

#[test]
fn timeouts_bound_the_whole_call() {
    // An agent that accepts connections and never answers.
    let dir = temp_dir("silent");
    let path = dir.join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let _hold = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in listener.incoming() {
            conns.push(c);
        }
    });
    let c = DstackClient::new(Some(path.to_str().unwrap()));
    assert_eq!(c.timeout(), Duration::from_secs(3));
    let quick = c.with_timeout(Duration::from_millis(300));
    let t = Instant::now();
    let e = quick.get_key("a", "").unwrap_err();
    let took = t.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_secs(2),
        "{took:?}"
    );
    // The shared default applies to clones without their own timeout.
    c.set_timeout(Duration::from_millis(200));
    let clone = c.clone();
    assert_eq!(clone.timeout(), Duration::from_millis(200));
    assert_eq!(quick.timeout(), Duration::from_millis(300));
    let t = Instant::now();
    assert_eq!(kind(clone.info()), ErrorKind::Timeout);
    assert!(t.elapsed() < Duration::from_secs(2));
    let t = Instant::now();
    assert!(!c.is_reachable());
    assert!(t.elapsed() < Duration::from_secs(2));
    c.set_timeout(Duration::ZERO);
    assert_eq!(c.timeout(), Duration::from_secs(3));
}

#[test]
fn malformed_answers_are_classified_without_quoting_bodies() {
    let (ep, _d) = fake_agent(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{\"error\":\"boom!\"}\n");
    let e = DstackClient::new(Some(&ep)).info().unwrap_err();
    assert_eq!((e.kind(), e.message()), (ErrorKind::Agent, "boom!"));

    let (ep, _d) = fake_agent(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nnot json");
    assert_eq!(
        kind(DstackClient::new(Some(&ep)).get_key("a", "")),
        ErrorKind::MalformedResponse
    );

    let key = KEY_AP.as_bytes();
    let body: &'static [u8] = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 80\r\n\r\n{\"key\":\"bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94\",\"x\":1} ";
    let (ep, _d) = fake_agent(body);
    let e = DstackClient::new(Some(&ep)).get_key("a", "").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HttpStatus);
    assert!(
        !e.message()
            .contains(std::str::from_utf8(&key[..16]).unwrap()),
        "{e}"
    );
    assert!(
        e.message().contains("HTTP 500") && e.message().contains("JSON body"),
        "{e}"
    );

    let (ep, _d) = fake_agent(b"garbage\r\n\r\n");
    assert_eq!(
        kind(DstackClient::new(Some(&ep)).info()),
        ErrorKind::MalformedHttp
    );
}

#[test]
fn one_client_serves_many_threads() {
    let sim = Sim::start();
    let c = sim.client();
    std::thread::scope(|s| {
        for t in 0..8 {
            let c = c.clone();
            s.spawn(move || {
                for i in 0..25 {
                    let k = c.get_key(format!("thread/{t}"), "").unwrap();
                    if i == 0 {
                        assert_eq!(k.key.len(), 32);
                    }
                }
            });
        }
    });
    let a = c.get_key("thread/3", "").unwrap();
    let b = c
        .with_timeout(Duration::from_secs(1))
        .get_key("thread/3", "")
        .unwrap();
    assert_eq!(a.key, b.key);
}

#[test]
fn debug_never_shows_key_material() {
    let sim = Sim::start();
    let c = sim.client();
    let k = c.get_key("a", "p").unwrap();
    let shown = format!("{k:?} {k:#?}");
    assert!(!shown.contains(&KEY_AP[..16]), "{shown}");
    assert!(shown.contains("<32 secret bytes>"), "{shown}");
    let t: GetTlsKeyResponse = c.get_tls_key(TlsKeyConfig::default()).unwrap();
    let shown = format!("{t:?}");
    assert!(
        !shown.contains("PRIVATE KEY") && !shown.contains(&t.key[40..60]),
        "{shown}"
    );
    let kp = k.to_solana_keypair().unwrap();
    let shown = format!("{kp:?}");
    assert!(!shown.contains(&kp.secret_key.to_hex()[..16]), "{shown}");
    assert!(format!("{c:?}").contains(&sim.dstack()));
}

#[test]
fn tappd_client() {
    let sim = Sim::start();
    let t = sim.tappd_client();
    let k = t.derive_key("my/key/path").unwrap();
    assert!(k.key.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(k.decode_key().unwrap().len(), 32);
    assert!(contains(&cert_der(&k.certificate_chain[0]), b"my/key/path"));
    // Derived from the path: the same key again, unless a random seed is asked for.
    assert_eq!(t.derive_key("my/key/path").unwrap().key, k.key);
    let s = t
        .derive_key_with_subject("my/key/path", "tappd.example")
        .unwrap();
    assert!(contains(
        &cert_der(&s.certificate_chain[0]),
        b"tappd.example"
    ));
    let cfg = TlsKeyConfig::builder()
        .alt_names(["x.example"])
        .usage_client_auth(true)
        .build();
    let r = t.derive_key_with("my/key/path", &cfg, true).unwrap();
    assert_ne!(r.key, k.key);
    assert_eq!(
        kind(t.derive_key_with(
            "p",
            &TlsKeyConfig::builder().with_app_info(true).build(),
            false
        )),
        ErrorKind::InvalidArgument
    );

    let k256 = t.derive_k256_key("a", "p").unwrap();
    assert_eq!(k256.key.to_hex().as_str(), KEY_AP);
    k256.verify_signature_chain(&unhex(APP_ID), Some(&unhex(KMS_ROOT)))
        .unwrap();

    let q = t.tdx_quote(b"hello").unwrap();
    assert_eq!(q.hash_algorithm, "sha512");
    let expected = verify::tappd_report_data(b"hello", "", "").unwrap();
    q.verify_event_log(Some(&expected)).unwrap();
    assert_eq!(q.parse_quote().unwrap().report_data, expected);
    let q = t
        .tdx_quote_with_hash_algorithm(b"hello", libdstack::QuoteHashAlgorithm::Keccak256)
        .unwrap();
    let expected = verify::tappd_report_data(b"hello", "keccak256", "").unwrap();
    q.verify_event_log(Some(&expected)).unwrap();
    let q = t.tdx_quote_with(b"hi", "sha256", "my-prefix").unwrap();
    assert_eq!(q.prefix, "my-prefix");
    assert_eq!(
        kind(t.tdx_quote_with(b"hi", "md5", "")),
        ErrorKind::InvalidArgument
    );
    let raw = t.get_quote([9u8; 64]).unwrap();
    assert_eq!(raw.parse_quote().unwrap().report_data, [9u8; 64]);
    assert_eq!(kind(t.raw_quote([9u8; 63])), ErrorKind::InvalidArgument);
    assert!(!raw.decode_event_log().unwrap().is_empty());
    assert_eq!(raw.replay_rtmrs().unwrap().len(), 4);

    assert_eq!(t.info().unwrap().app_id.to_hex(), APP_ID);
    assert!(!t.version().unwrap().version.is_empty());
    // The tappd client on the dstack socket says so.
    let e = TappdClient::new(Some(&sim.dstack()))
        .derive_key("p")
        .unwrap_err();
    assert!(e.message().contains("dstack socket"), "{e}");
}

#[test]
fn errors_carry_the_c_status_codes() {
    let sim = Sim::start();
    let e = sim.client().get_quote([0u8; 65]).unwrap_err();
    assert_eq!(e.code(), 2); // DSTACK_STATUS_INVALID_ARGUMENT
    assert_eq!(
        e.to_string(),
        "report data is 65 bytes; at most 64 are allowed"
    );
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e.clone());
    assert_eq!(boxed.to_string(), e.to_string());
    let io: std::io::Error = e.into();
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
}
