//! Criterion benchmarks of the core's hot paths, on the real fixtures in `testdata/`.
//!
//!   cargo bench -p dstack-core --bench core
//!
//! Groups: `crypto` (env encryption, compose hash, sound replay, quote parse, chain
//! verification) and `protocol` (GetKey/GetQuote request building and response parsing).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dstack_core::{chain, compose, envcrypt, eventlog, keys, quote};

fn testdata(rel: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn fixture(name: &str) -> (Vec<u8>, String) {
    let text = std::fs::read_to_string(testdata(&format!("fixtures/{name}"))).unwrap();
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

    let app_compose = std::fs::read(testdata("fixtures/simulator_app-compose.json")).unwrap();
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
// GetKey/GetQuote request building and response parsing (`http` + `rpc`), on a
// simulator-shaped GetKey answer and the real tdx-lite GetQuote fixture body.

fn protocol_benches(c: &mut Criterion) {
    use dstack_core::http::{ResponseParser, Status};
    use dstack_core::rpc::{
        self, dstack::GetKey, dstack::GetKeyResponse, dstack::GetQuote, dstack::GetQuoteResponse,
        View,
    };

    let mut g = c.benchmark_group("protocol");
    let mut req = vec![0u8; 1024];
    let get_key = GetKey {
        path: "a",
        purpose: "signing",
        algorithm: "",
    };
    g.bench_function("getkey_request", |b| {
        b.iter(|| rpc::write_request(black_box(&get_key), "localhost", "", &mut req).unwrap())
    });
    let get_quote = GetQuote {
        report_data: &[0x42; 64],
    };
    g.bench_function("getquote_request", |b| {
        b.iter(|| rpc::write_request(black_box(&get_quote), "localhost", "", &mut req).unwrap())
    });

    let key_body = format!(
        "{{\"key\":\"{}\",\"signature_chain\":[\"{}\",\"{}\"]}}",
        "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94",
        "11".repeat(65),
        "22".repeat(65)
    );
    let key_response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{key_body}",
        key_body.len()
    );
    let mut buf = key_response.clone().into_bytes();
    let mut scratch = vec![0u8; key_response.len()];
    g.bench_function("getkey_response_parse", |b| {
        b.iter(|| {
            buf.copy_from_slice(key_response.as_bytes());
            let mut p = ResponseParser::new(1 << 20);
            let Status::Complete(r) = p.parse(&mut buf).unwrap() else {
                panic!("partial")
            };
            rpc::check_response(r.status, &buf[r.body.clone()]).unwrap();
            GetKeyResponse::parse(&buf[r.body], &mut scratch)
                .unwrap()
                .key
        })
    });

    let text =
        std::fs::read_to_string(testdata("fixtures/verifier_fixture_tdx-lite-getquote.json"))
            .unwrap();
    let mut scratch = vec![0u8; text.len()];
    g.bench_function("getquote_body_parse_tdx_lite", |b| {
        b.iter(|| {
            GetQuoteResponse::parse(black_box(text.as_bytes()), &mut scratch)
                .unwrap()
                .quote
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, crypto_benches, protocol_benches);
criterion_main!(benches);
