//! no_std / no-alloc link check for dstack-core (see Cargo.toml). Runs every entry point
//! once on fixed inputs; the exit status is 0 when all behaved as expected.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use dstack_core::rpc::View;
use dstack_core::{chain, compose, envcrypt, eventlog, http, keys, kms, quote, report, rpc};

// The C runtime (crt1.o's `_start` → `__libc_start_main` → `main`) and the mem* functions
// core relies on come from libc; nothing from Rust's std.
#[link(name = "c")]
extern "C" {}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {}
}

const LOG: &[u8] =
    br#"[{"imr":3,"event_type":134217729,"digest":"","event":"app-id","event_payload":"00"}]"#;
const COMPOSE: &[u8] = br#"{"runner":"bash","name":"x","n":[1.5,1e21,null]}"#;
const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIC6qQcNqm8tl05b/76kT70HZb/bIZZD0esAA4xxt1ioV\n-----END PRIVATE KEY-----\n";

fn run() -> i32 {
    let mut failures = 0;
    let mut check = |ok: bool| {
        if !ok {
            failures += 1;
        }
    };

    // quote (a short buffer is an error, not a crash)
    check(quote::Quote::parse(black_box(&[4u8, 0, 2, 0][..])).is_err());

    // eventlog
    check(eventlog::replay_sound(black_box(LOG)).is_ok());
    check(eventlog::replay_from_digests(black_box(b"[]")).is_ok());
    check(eventlog::verify_against_quote(black_box(&[0u8; 8]), LOG, None).is_err());
    check(eventlog::events(LOG).count() == 1);
    let _ = black_box(eventlog::runtime_event_digest_v1(1, "a", b"b"));
    let _ = black_box(eventlog::runtime_event_digest_v2("a", b"b"));

    // compose
    let mut scratch = [0u8; 256];
    let mut out = [0u8; 256];
    check(
        compose::compose_canonical_json(black_box(COMPOSE), true, &mut scratch, &mut out).is_ok(),
    );
    check(compose::compose_hash(black_box(COMPOSE), false, &mut scratch).is_ok());
    let _ = black_box(compose::compose_hash_raw(COMPOSE));

    // envcrypt
    let mut enc = [0u8; 512];
    let envs = [("A", "b")];
    let pk = "e09558e15333a675848197b73c504b8504b2cf1c81a9ffda361f7010f92cba51";
    check(envcrypt::encrypt_env_vars(&envs, black_box(pk), [1; 32], [2; 12], &mut enc).is_ok());

    // kms, chain, keys
    check(
        kms::verify_env_encrypt_public_key_legacy(&[0; 32], black_box(&[0u8; 65]), "00").is_err(),
    );
    check(chain::verify_signature_chain(&[0; 32], "p", &[0; 65], &[0; 65], &[], None).is_err());
    let mut der = [0u8; 64];
    check(keys::pem_to_der(black_box(PEM), &mut der).is_ok());
    check(keys::tls_secure_seed(PEM).is_ok());
    check(keys::ethereum_account_from_key(black_box(&[1u8; 32])).is_ok());
    check(keys::solana_keypair(&[1u8; 32]).is_ok());
    check(keys::secp256k1_sign_prehash(&[1u8; 32], &[2; 32]).is_ok());
    let _ = black_box(keys::ed25519_sign(&[1; 32], b"m"));

    // report
    check(report::tappd_report_data(black_box(b"x"), "sha3-256", "").is_ok());

    // protocol: request writing, response parsing, RPC views
    let mut req = [0u8; 512];
    let get_key = rpc::dstack::GetKey {
        path: "a",
        purpose: "p",
        algorithm: "",
    };
    check(rpc::write_request(black_box(&get_key), "localhost", "", &mut req).is_ok());
    let mut resp = *b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    let mut parser = http::ResponseParser::new(1024);
    check(matches!(
        parser.parse(black_box(&mut resp)),
        Ok(http::Status::Complete(_))
    ));
    let mut scratch = [0u8; 64];
    check(rpc::dstack::GetKeyResponse::parse(black_box(b"{}"), &mut scratch).is_err());
    check(rpc::check_response(400, br#"{"error":"x"}"#).is_err());

    failures
}

/// C entry point, called by the C runtime.
#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    run()
}
