//! libdstack: the C ABI of the dstack SDK.
//!
//! Every exported symbol starts with `dstack_`. The contract is `ffi/ABI.md`; the C header
//! `include/dstack.h` is generated from this crate by the pinned cbindgen
//! (`ffi/gen-header.sh`). Protocol and cryptography live in `dstack-core`; endpoint
//! discovery, the blocking transport and the RPC logic in the `libdstack` crate (the Rust
//! client); this crate is the C boundary: owned result handles, checked pointers and the
//! panic boundary.
//!
//! # Modules
//!
//! One concept per file, named as the `dstack-core` module it stands on. Each file uses
//! only files above it in this table (`scripts/check-module-cycles.py`, run by
//! `scripts/test.sh`, fails on an import cycle). Only `boundary` and `slice` contain
//! `unsafe` blocks: exports check their pointers with `boundary`'s `try_*!` macros.
//!
//! | file | holds | over |
//! |---|---|---|
//! | [`status`] | `dstack_status` codes, `dstack_status_message` | |
//! | [`error`] | [`error::Failure`], the error every function returns; the `dstack_error` object it becomes | |
//! | [`slice`](mod@slice) | `dstack_slice`; checked conversions of raw pointers; output buffers | |
//! | [`boundary`] | `run`/`guard` (catch_unwind, `out_error`); `dstack_error_status`, `_message`, `_free`; the pointer-check macros | |
//! | [`response`] | `dstack_response` and its field accessors (`dstack_field`) | |
//! | [`handle`] | what both client handles share; typed answers into response fields | `libdstack` clients |
//! | [`client`] | `dstack_client`: the `dstack.sock` RPCs; `DSTACK_TLS_*` flags | `libdstack::DstackClient` |
//! | [`tappd`] | `dstack_tappd_client`: the legacy `tappd.sock` RPCs | `libdstack::TappdClient` |
//! | [`keys`] | TLS key bytes and seed, Ethereum address, Solana keypair, secp256k1 public key, signing (secp256k1 prehash, ed25519) | `libdstack::keys` (core `keys`) |
//! | [`signature`] | checking a signature: ed25519, `dstack_verify_signature` | `libdstack::verify` (core `keys`) |
//! | [`chain`] | signature chains, from arguments or from a response | `libdstack::verify` (core `chain`) |
//! | [`envcrypt`] | env-variable encryption | `libdstack::env` (core `envcrypt`) |
//! | [`kms`] | KMS signature on an env-encryption key, timestamped and legacy | `libdstack::env` (core `kms`) |
//! | [`report`] | tappd report data | `libdstack::verify` (core `report`) |
//! | [`quote`] | `dstack_quote_parse` | `libdstack::verify::Quote` (core `quote`) |
//! | [`eventlog`] | `dstack_event_log` (parse, events), RTMR replay, log against quote | core `eventlog`; `libdstack::verify` |
//! | [`clock`] | `dstack_unix_time`, the `now` of the KMS checks | `libdstack::env` |
//! | [`compose`] | compose hashes and canonical JSON | `libdstack::compose` (core `compose`) |
#![allow(non_camel_case_types)]
// Every export has the same safety contract, stated once at the top of the header: each
// pointer is NULL or valid for the documented length and lifetime, and handles are live
// and freed once. Repeating it on 60 functions would bury the per-function docs.
#![allow(clippy::missing_safety_doc)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// In header order: cbindgen writes each module's exports in the order the modules are
// declared here, and include/dstack.h must not change when code moves between files.
// rustfmt sorts `mod` lines only within a block, hence the blank lines.
pub mod client;

pub mod chain;
pub mod envcrypt;
pub mod kms;

pub mod keys;
pub mod signature;

pub mod report;

pub mod boundary;
pub mod error;
pub mod handle;
pub mod response;
pub mod slice;
pub mod status;
pub mod tappd;

pub mod quote;

pub mod eventlog;

pub mod clock;
pub mod compose;

pub use error::dstack_error;
pub use slice::dstack_slice;
pub use status::dstack_status;

/// NUL-terminated version of this library, e.g. "0.1.0"; equals the `DSTACK_VERSION`
/// macro of the header it was built with. Static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn dstack_version() -> *const std::os::raw::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
