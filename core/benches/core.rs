//! Criterion benchmarks of the core's hot paths, on the real fixtures in `../shared`.
//!
//!   cargo bench -p dstack-core --bench core
//!
//! Groups: `crypto` (env encryption, compose hash, sound replay, quote parse, chain
//! verification) and `protocol` (GetKey/GetQuote request building and response parsing,
//! owned by the protocol half of the crate: see `protocol_benches` below).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dstack_core::{chain, compose, envcrypt, eventlog, keys, quote};

fn shared(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(rel)
}

fn fixture(name: &str) -> (Vec<u8>, String) {
    let text = std::fs::read_to_string(shared(&format!("reference/fixtures/{name}"))).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let q = v["quote"].as_str().unwrap();
    let quote = (0..q.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&q[i..i + 2], 16).unwrap())
        .collect();
    (quote, v["event_log"].as_str().unwrap().to_string())
}

fn crypto_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("crypto");

    let envs: Vec<(String, String)> = (0..10)
        .map(|i| (format!("VAR_{i}"), format!("value-{i}-{}", "x".repeat(40))))
        .collect();
    let refs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let pk = "e09558e15333a675848197b73c504b8504b2cf1c81a9ffda361f7010f92cba51";
    let mut out = vec![0u8; envcrypt::encrypted_env_len(&refs)];
    g.bench_function("encrypt_env_vars_10", |b| {
        b.iter(|| {
            envcrypt::encrypt_env_vars(black_box(&refs), pk, [7; 32], [9; 12], &mut out).unwrap()
        })
    });

    let app_compose =
        std::fs::read(shared("reference/fixtures/simulator_app-compose.json")).unwrap();
    let mut scratch = vec![0u8; compose::compose_scratch_len(&app_compose).unwrap()];
    g.bench_function("compose_hash_simulator_app_compose", |b| {
        b.iter(|| compose::compose_hash(black_box(&app_compose), true, &mut scratch).unwrap())
    });
    g.bench_function("compose_hash_raw_simulator_app_compose", |b| {
        b.iter(|| compose::compose_hash_raw(black_box(&app_compose)))
    });

    let (quote_bytes, log) = fixture("verifier_fixture_tdx-lite-getquote.json");
    g.bench_function("replay_sound_tdx_lite", |b| {
        b.iter(|| eventlog::replay_sound(black_box(log.as_bytes())).unwrap())
    });
    g.bench_function("verify_against_quote_tdx_lite", |b| {
        b.iter(|| {
            eventlog::verify_against_quote(black_box(&quote_bytes), log.as_bytes(), None).unwrap()
        })
    });
    g.bench_function("quote_parse_v4", |b| {
        b.iter(|| {
            quote::Quote::parse(black_box(&quote_bytes))
                .unwrap()
                .rtmrs()
        })
    });

    let app_key = [0x11u8; 32];
    let pubkey = keys::secp256k1_public_key(&[0x22; 32]).unwrap();
    let app_sig =
        keys::secp256k1_sign_prehash(&app_key, &chain::key_message_hash("signing", &pubkey))
            .unwrap();
    let app_pub = keys::secp256k1_public_key(&app_key).unwrap();
    let kms_sig = keys::secp256k1_sign_prehash(
        &[0x33; 32],
        &chain::app_key_message_hash(&[5; 20], &app_pub),
    )
    .unwrap();
    g.bench_function("verify_signature_chain", |b| {
        b.iter(|| {
            chain::verify_signature_chain(
                black_box(&pubkey),
                "signing",
                &app_sig,
                &kms_sig,
                &[5; 20],
                None,
            )
            .unwrap()
        })
    });
    g.finish();
}

// ---- protocol group -------------------------------------------------------------
// GetKey/GetQuote request building and response parsing live in `http`/`rpc` (the
// protocol half). Their benchmarks join this file when that API is merged; until then
// this group measures nothing and is not registered below.

criterion_group!(benches, crypto_benches);
criterion_main!(benches);
