//! libdstack for Rust: a client of the dstack guest agent, and local verification of what
//! it returns.
//!
//! Inside a dstack CVM the guest agent serves keys, quotes and attestations on a Unix
//! socket. [`DstackClient`] (current API, `dstack.sock`) and [`TappdClient`] (legacy API,
//! `tappd.sock`) call it; the answers are typed values that own their data, already
//! decoded, with key material in [`SecretBytes`]/[`SecretString`] (wiped on drop, never
//! printed by `Debug`). The checks the agent cannot do for you run here: signature chains
//! back to a trusted KMS key ([`GetKeyResponse::verify_signature_chain`]), sound replay
//! of event logs against quotes ([`GetQuoteResponse::verify_event_log`]), signatures
//! ([`verify::verify_signature`]), the KMS signature on env-encryption keys
//! ([`env::verify_env_encrypt_public_key`]).
//!
//! ```
//! # let _sim = include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/doc_agent.rs"));
//! use libdstack::{DstackClient, TlsKeyConfig};
//!
//! let client = DstackClient::new(None); // DSTACK_SIMULATOR_ENDPOINT or /var/run/dstack.sock
//! assert!(client.is_reachable());
//!
//! // A key for a path, and its chain checked up to the KMS root.
//! let key = client.get_key("wallet/ethereum", "mainnet")?;
//! let info = client.info()?;
//! let chain = key.verify_signature_chain(&info.app_id, None)?;
//! println!("key issued to app {} by KMS key {}", info.app_id, chain.kms_key);
//! // (pass Some(trusted_kms_key) to make the comparison part of the check)
//!
//! // A quote binding 64 bytes of your data, with an event log that replays to it.
//! let quote = client.get_quote(b"user:alice:nonce123")?;
//! quote.verify_event_log()?;
//! for event in quote.decode_event_log()?.iter().filter(|e| e.imr == 3) {
//!     println!("{}: {}", event.event, event.event_payload);
//! }
//!
//! // A TLS certificate for a fresh key.
//! let tls = client.get_tls_key(TlsKeyConfig::builder().subject("api.example.com").build())?;
//! assert!(tls.key.starts_with("-----BEGIN PRIVATE KEY-----"));
//! # Ok::<(), libdstack::Error>(())
//! ```
//!
//! # Layout
//!
//! - [`DstackClient`], [`TappdClient`]: blocking clients. One deadline bounds each call
//!   (3 s by default; [`DstackClient::with_timeout`]); connections are pooled and reused
//!   only when clean; a request is repeated only when that cannot repeat an action.
//! - `AsyncDstackClient`, `AsyncTappdClient` (feature `tokio`): the same calls as
//!   futures, run on tokio's blocking pool; `dstack_client` and `tappd_client` modules
//!   mirror the official `dstack-sdk` paths so its async code ports by renaming the crate
//!   (see the README for every difference).
//! - Responses ([`GetKeyResponse`], [`GetQuoteResponse`], ...) with the official SDK's
//!   decode helpers and the verification ones.
//! - [`verify`]: signature chains, signatures, RTMR replay, quotes. [`keys`]: Ethereum,
//!   Solana, secp256k1, ed25519, TLS key bytes. [`env`](mod@env): env encryption and KMS key
//!   verification. [`compose`]: compose hashes.
//! - [`Error`]: one error type; [`Error::kind`] has the categories (and
//!   [`ErrorKind::code`] the numbers) of the C library's status codes.
//!
//! The protocol and cryptography come from `dstack-core` (no_std, allocation-free,
//! sans-IO); this crate adds the transport and owned values, and the C library
//! (`libdstack.so`, crate `dstack-ffi`) is a thin C boundary over this crate.
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agent;
mod conn;
mod dstack;
mod endpoint;
mod error;
mod secret;
mod tappd;
mod transport;
mod types;
mod wire;

pub mod compose;
pub mod env;
pub mod keys;
pub mod verify;

#[cfg(feature = "tokio")]
mod asynchronous;

pub use conn::StrArg;
pub use dstack::{DstackClient, KeyAnswer};
pub use error::{Error, ErrorKind, Result};
#[doc(hidden)]
pub use secret::{wipe, wipe_vec};
pub use secret::{HexBytes, SecretBytes, SecretString};
pub use tappd::TappdClient;
pub use types::*;

#[cfg(feature = "tokio")]
pub use asynchronous::{AsyncDstackClient, AsyncTappdClient};

/// The official `dstack-sdk` crate's `dstack_client` module, for porting: the async
/// client under the name `DstackClient`, and the response and option types (also found
/// at the crate root). `use dstack_sdk::dstack_client::DstackClient` becomes
/// `use libdstack::dstack_client::DstackClient`, and `dstack_sdk_types::dstack::X`
/// becomes `libdstack::dstack_client::X`.
#[cfg(feature = "tokio")]
pub mod dstack_client {
    pub use crate::asynchronous::AsyncDstackClient as DstackClient;
    pub use crate::types::{
        AttestResponse, EventLog, GetKeyResponse, GetQuoteResponse, GetTlsKeyResponse,
        GpuInfoResponse, InfoResponse, SignResponse, TcbInfo, TlsKeyConfig, TlsKeyConfigBuilder,
        VerifyResponse, VersionResponse,
    };
}

/// The official `dstack-sdk` crate's `tappd_client` module, for porting: the async tappd
/// client under the name `TappdClient`, and its response types.
#[cfg(feature = "tokio")]
pub mod tappd_client {
    pub use crate::asynchronous::AsyncTappdClient as TappdClient;
    pub use crate::types::{
        DeriveKeyResponse, EventLog, GetKeyResponse, QuoteHashAlgorithm, TappdInfoResponse,
        TcbInfo, TdxQuoteResponse,
    };
}

/// The version of this crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
