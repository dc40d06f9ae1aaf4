//! libdstack: the C ABI of the dstack SDK.
//!
//! Every exported symbol starts with `dstack_`. The contract is `ffi/ABI.md`; the C header
//! `include/dstack.h` is generated from this crate by the pinned cbindgen
//! (`ffi/gen-header.sh`). Protocol and cryptography live in `dstack-core`; endpoint
//! discovery, the blocking transport and the RPC logic in the `libdstack` crate (the Rust
//! client); this crate is the C boundary: owned result handles, checked pointers and the
//! panic boundary.
//!
//! Module map: [`status`] and [`error`] (how failures cross), [`slice`] (checked pointer
//! conversions), [`boundary`] (catch_unwind), [`client`] and [`tappd`] (the RPCs) over the
//! shared handle code [`handle`] (which owns a `libdstack` client), [`response`] (typed
//! fields), [`crypto`] and [`utils`] (pure helpers).
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
