//! `make bench` figures: one DCAP quote with collateral (signature chain, CRLs, TCB info, QE
//! identity: the full dcap-qvl path), and one RA-TLS certificate (attestation decoding,
//! event-log replay, key binding; the simulator's certificate, so with the development
//! opt-out: the Intel part is the quote figure).
use criterion::{criterion_group, criterion_main, Criterion};
use dstack_verify::{input, verify_quote, verify_ra_tls_cert, Options};

fn testdata(rel: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/").to_string() + rel).unwrap()
}

fn bench(c: &mut Criterion) {
    let quote = testdata("dcap/tdx_quote");
    let collateral = testdata("dcap/tdx_quote_collateral.json");
    let opts = Options {
        collateral: Some(&collateral),
        now: 1_750_809_600,
        ..Default::default()
    };
    verify_quote(&quote, &opts).expect("the bench quote verifies");
    c.bench_function("verify_quote_tdx_with_collateral", |b| {
        b.iter(|| verify_quote(std::hint::black_box(&quote), &opts).unwrap())
    });

    let cert = input::certificate_der(&testdata("ratls/simulator_ra_tls_cert.pem")).unwrap();
    let dev = Options {
        now: 1_750_809_600,
        insecure_skip_intel_signature: true,
        ..Default::default()
    };
    verify_ra_tls_cert(&cert, &dev).expect("the bench certificate verifies");
    c.bench_function("verify_ra_tls_cert_without_intel_check", |b| {
        b.iter(|| verify_ra_tls_cert(std::hint::black_box(&cert), &dev).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
