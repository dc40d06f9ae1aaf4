//! The tokio clients: every method against the simulator, the official SDK's argument
//! types (the porting modules), concurrency without blocking the runtime's workers.
#![cfg(feature = "tokio")]

mod common;

use common::*;
use libdstack::{AsyncDstackClient, AsyncTappdClient, ErrorKind, QuoteHashAlgorithm, TlsKeyConfig};
use std::time::{Duration, Instant};

#[tokio::test]
async fn every_dstack_method() {
    let sim = Sim::start();
    let c = AsyncDstackClient::try_new(Some(&sim.dstack())).unwrap();
    assert_eq!(c.endpoint(), sim.dstack());
    assert!(c.is_reachable().await);
    assert_eq!(c.info().await.unwrap().app_id.to_hex(), APP_ID);
    assert!(!c.version().await.unwrap().version.is_empty());
    let k = c.get_key("a", "p").await.unwrap();
    assert_eq!(k.key.to_hex().as_str(), KEY_AP);
    let e = c.get_key_with_algorithm("a", "p", "ed25519").await.unwrap();
    assert_eq!(e.algorithm, "ed25519");
    let q = c.get_quote(b"async".to_vec()).await.unwrap();
    q.verify_event_log().unwrap();
    assert!(!c
        .attest(&b"async"[..])
        .await
        .unwrap()
        .attestation
        .is_empty());
    let t = c.get_tls_key(TlsKeyConfig::default()).await.unwrap();
    assert!(t.key.starts_with("-----BEGIN PRIVATE KEY-----"));
    c.emit_event("async-event", vec![1u8]).await.unwrap();
    let s = c.sign("ed25519", b"data").await.unwrap();
    assert!(s.verify(b"data").unwrap());
    let v = c
        .verify(
            "ed25519",
            b"data",
            s.signature.to_vec(),
            s.public_key.to_vec(),
        )
        .await
        .unwrap();
    assert!(v.valid);
    assert_eq!(c.gpu_info().await.unwrap().attestation, "");
    assert_eq!(
        c.get_quote(vec![0u8; 65]).await.unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(c.blocking().endpoint(), c.endpoint());
}

#[tokio::test]
async fn every_tappd_method() {
    let sim = Sim::start();
    let t = AsyncTappdClient::try_new(Some(&sim.tappd())).unwrap();
    assert!(t.is_reachable().await);
    assert_eq!(t.info().await.unwrap().app_id.to_hex(), APP_ID);
    assert!(!t.version().await.unwrap().version.is_empty());
    assert_eq!(
        t.derive_key("p").await.unwrap().decode_key().unwrap().len(),
        32
    );
    t.derive_key_with_subject("p", "s.example").await.unwrap();
    t.derive_key_with_subject_and_alt_names("p", None, Some(vec!["a.example".into()]))
        .await
        .unwrap();
    t.derive_key_with("p", TlsKeyConfig::default(), true)
        .await
        .unwrap();
    assert_eq!(
        t.derive_k256_key("a", "p")
            .await
            .unwrap()
            .key
            .to_hex()
            .as_str(),
        KEY_AP
    );
    t.tdx_quote(b"x".to_vec()).await.unwrap();
    t.tdx_quote_with_hash_algorithm(b"x".to_vec(), QuoteHashAlgorithm::Sha256)
        .await
        .unwrap();
    t.tdx_quote_with(b"x".to_vec(), "raw", "")
        .await
        .unwrap_err();
    t.raw_quote(vec![1u8; 64]).await.unwrap();
    t.get_quote(vec![1u8; 64]).await.unwrap();
}

/// The official crate's async example, ported by renaming the crate: these lines are
/// the official calls as written there.
#[tokio::test]
async fn official_style_code_compiles_and_runs() {
    use libdstack::dstack_client::{DstackClient, TlsKeyConfig};
    use libdstack::tappd_client::TappdClient;
    let sim = Sim::start();
    let client = DstackClient::new(Some(&sim.dstack()));
    let info = client.info().await.unwrap();
    let _ = format!(
        "{} {} {}",
        info.app_id, info.instance_id, info.tcb_info.mrtd
    );
    let response = client
        .get_key(Some("my-app".to_string()), Some("encryption".to_string()))
        .await
        .unwrap();
    assert_eq!(response.decode_key().unwrap().len(), 32);
    let response = client
        .get_key(Some("simple-key".to_string()), None)
        .await
        .unwrap();
    assert_eq!(response.signature_chain.len(), 2);
    let minimal_data = vec![0x01, 0x02, 0x03, 0x04];
    assert!(!client
        .get_quote(minimal_data)
        .await
        .unwrap()
        .quote
        .is_empty());
    let response = client
        .get_quote(b"Hello, dstack world!".to_vec())
        .await
        .unwrap();
    let rtmrs = response.replay_rtmrs().unwrap();
    assert_eq!(rtmrs[&3], response.parse_quote().unwrap().rtmrs[3].to_hex());
    let events = response.decode_event_log().unwrap();
    for e in events.iter().take(3) {
        let _ = format!("{} {} {}", e.imr, e.event_type, e.event);
    }
    client
        .emit_event("AppStart".to_string(), b"payload".to_vec())
        .await
        .unwrap();
    let config = TlsKeyConfig::builder()
        .subject("my-app.example.com")
        .alt_names(vec!["www.my-app.com".to_string()])
        .usage_server_auth(true)
        .usage_client_auth(false)
        .usage_ra_tls(true)
        .build();
    assert!(!client
        .get_tls_key(config)
        .await
        .unwrap()
        .certificate_chain
        .is_empty());
    let sign = client.sign("secp256k1", b"msg".to_vec()).await.unwrap();
    let _ = format!("{} {}", sign.signature, sign.public_key);
    let sig = sign.decode_signature().unwrap();
    let pk = sign.decode_public_key().unwrap();
    assert!(
        client
            .verify("secp256k1", b"msg".to_vec(), sig[..64].to_vec(), pk)
            .await
            .unwrap()
            .valid
    );

    let tappd = TappdClient::new(Some(&sim.tappd()));
    let response = tappd.derive_key("my/key/path").await.unwrap();
    assert_eq!(response.decode_key().unwrap().len(), 32);
    let mut report_data = b"Hello, world!".to_vec();
    report_data.resize(64, 0);
    assert!(!tappd.get_quote(report_data).await.unwrap().quote.is_empty());
    assert_eq!(tappd.info().await.unwrap().app_id.to_hex(), APP_ID);
}

/// Calls run on the blocking pool: a stalled agent does not stop a current-thread
/// runtime from running other tasks, and many calls overlap.
#[tokio::test(flavor = "current_thread")]
async fn calls_do_not_block_the_runtime() {
    let dir = temp_dir("silent");
    let path = dir.join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in listener.incoming() {
            conns.push(c);
        }
    });
    let stalled = AsyncDstackClient::new(path.to_str()).with_timeout(Duration::from_millis(500));
    let slow = tokio::spawn(async move { stalled.info().await });
    // The runtime's one thread stays free while the call waits.
    let t = Instant::now();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(t.elapsed() < Duration::from_millis(400));
    assert_eq!(slow.await.unwrap().unwrap_err().kind(), ErrorKind::Timeout);

    let sim = Sim::start();
    let c = AsyncDstackClient::new(Some(&sim.dstack()));
    let calls: Vec<_> = (0..32)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move { c.get_key(format!("k/{i}"), "").await })
        })
        .collect();
    for h in calls {
        assert_eq!(h.await.unwrap().unwrap().key.len(), 32);
    }
}

/// A future dropped before or during its call leaves the client usable: the call runs to
/// its end on the blocking pool and its connection goes back to the pool or is closed.
#[tokio::test]
async fn dropped_calls_leave_the_client_usable() {
    let sim = Sim::start();
    let c = AsyncDstackClient::new(Some(&sim.dstack()));
    drop(c.get_quote(b"never polled".to_vec()));
    for _ in 0..20 {
        let _ = tokio::time::timeout(Duration::from_micros(50), c.get_key("a", "p")).await;
    }
    let k = c.get_key("a", "p").await.unwrap();
    assert_eq!(k.key.to_hex().as_str(), KEY_AP);
    assert!(c.is_reachable().await);
}
