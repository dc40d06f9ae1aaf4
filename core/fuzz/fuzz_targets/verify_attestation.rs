//! Versioned attestations (V0 SCALE, V1 msgpack): decoding any bytes gives an attestation or
//! an error, and verifying it (development opt-out, so every later check runs) never panics.
#![no_main]
use dstack_verify::{attestation, verify_attestation, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = attestation::decode(data) {
        let _ = attestation::event_log_json(&a.event_log);
        // A V0 value survives re-encoding.
        if a.format == attestation::Format::V0Scale {
            let again = attestation::decode(&attestation::encode_v0(&a)).unwrap();
            assert_eq!(again, a);
        }
    }
    let opts = Options {
        now: 1_750_000_000,
        insecure_skip_intel_signature: true,
        ..Default::default()
    };
    let _ = verify_attestation(data, &opts);
});
