//! dstack-core: the protocol and cryptography of the dstack guest agent, with no I/O.
//!
//! `#![no_std]` and allocation-free: requests are written into caller buffers, responses
//! are parsed from caller buffers into views that borrow from them, and time and
//! randomness come in as arguments. The C library (`dstack-ffi`), every binding and the
//! bundled simulator stand on this crate.
//!
//! Layout, one module a concept:
//! - [`hex`], [`error`]: shared plumbing; `json` (crate-private): the one JSON tokenizer,
//!   string type and writer every module below uses.
//! - [`http`]: HTTP/1.1 request writing and an incremental response parser.
//! - [`rpc`]: request builders and typed response views for every RPC of the current
//!   (`dstack.sock`) and legacy (`tappd.sock`) APIs.
//! - [`quote`]: TDX quote v4/v5 parsing.
//! - [`eventlog`]: event-log parsing, runtime-event digests and sound RTMR replay.
//! - [`chain`]: signature-chain verification back to the KMS root.
//! - [`envcrypt`], [`kms`]: encrypted environment variables and the KMS signature on the
//!   encryption key.
//! - [`compose`]: app-compose hashing.
//! - [`keys`]: PEM/DER key helpers, Ethereum and Solana conversions, signing helpers.
//! - [`report`]: the legacy tappd report-data hashing.
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod error;
pub mod hex;
mod json;

pub mod http;
pub mod rpc;

pub mod chain;
pub mod compose;
pub mod envcrypt;
pub mod eventlog;
pub mod keys;
pub mod kms;
pub mod quote;
pub mod report;

pub use error::{Error, Result};

/// The version of this crate, sent in the User-Agent of every request.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
