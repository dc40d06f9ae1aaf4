//! RA-TLS certificates: parsing any bytes (X.509 by x509-parser, then the dstack extensions:
//! attestation, legacy quote and gzip event log, app id, usage, msgpack app info) gives
//! evidence or an error; verification with the development opt-out never panics.
#![no_main]
use dstack_verify::{input, ratls, verify_ra_tls_cert, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ratls::parse_certificate(data);
    let _ = input::certificate_der(data);
    let opts = Options {
        now: 1_750_000_000,
        insecure_skip_intel_signature: true,
        ..Default::default()
    };
    let _ = verify_ra_tls_cert(data, &opts);
});
