//! Bad input is a clear error, never a crash: deterministic mutations of real evidence
//! through every parser and verifier, and the committed RA-TLS sample.

mod common;

use common::*;
use dstack_verify::*;

/// xorshift64*: a fixed sequence, so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    match rng.below(4) {
        0 => {
            let i = rng.below(d.len());
            d[i] ^= 1 << rng.below(8);
        }
        1 => d.truncate(rng.below(d.len())),
        2 => {
            let i = rng.below(d.len());
            d[i] = rng.next() as u8;
            let j = rng.below(d.len());
            d[j] = 0xff;
        }
        _ => {
            let i = rng.below(d.len());
            let n = rng.below(16) + 1;
            d.splice(i..i, std::iter::repeat_n(rng.next() as u8, n));
        }
    }
    d
}

fn dev() -> Options<'static> {
    Options {
        now: NOW_2025,
        insecure_skip_intel_signature: true,
        ..Default::default()
    }
}

#[test]
fn committed_ra_tls_sample_verifies() {
    let der = input::certificate_der(&read("ratls/simulator_ra_tls_cert.pem")).unwrap();
    let v = verify_ra_tls_cert(&der, &dev()).unwrap();
    assert_eq!(v.rtmrs_verified, [false, false, false, true]);
    assert!(v.certificate.unwrap().app_info_extension);
    let e = verify_ra_tls_cert(
        &der,
        &Options {
            now: NOW_2025,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.check, Check::PckChainRoot);
}

#[test]
fn mutated_evidence_never_panics_and_fails_with_a_named_check() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let quote = read("dcap/tdx_quote");
    let col = read("dcap/tdx_quote_collateral.json");
    let cert = input::certificate_der(&read("ratls/simulator_ra_tls_cert.pem")).unwrap();
    let att = ratls::parse_certificate(&cert)
        .unwrap()
        .attestation
        .unwrap();
    let v0 = attestation::encode_v0(&att);
    let gq = read("fixtures/verifier_fixture_tdx-lite-getquote.json");
    let good = Options {
        collateral: Some(&col),
        now: NOW_2025,
        ..Default::default()
    };
    let mut failures = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..150 {
        let q = mutate(&mut rng, &quote);
        if let Err(e) = verify_quote(&q, &good) {
            *failures.entry(e.check.name()).or_default() += 1;
        }
        let c = mutate(&mut rng, &col);
        let o = Options {
            collateral: Some(&c),
            ..good
        };
        if let Err(e) = verify_quote(&quote, &o) {
            assert!(!e.message.is_empty());
        }
        let _ = collateral::parse(&c);
        let d = mutate(&mut rng, &cert);
        let _ = verify_ra_tls_cert(&d, &dev());
        let a = mutate(&mut rng, &v0);
        let _ = verify_attestation(&a, &dev());
        let j = mutate(&mut rng, &gq);
        let _ = verify_get_quote_json(&j, &dev());
    }
    // Mutations of the real quote hit several distinct checks.
    assert!(failures.len() >= 3, "{failures:?}");
}
