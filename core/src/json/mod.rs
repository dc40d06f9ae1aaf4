//! The crate's one JSON implementation: a strict zero-copy tokenizer, one string type,
//! one string escaper and the request-body writer. Every module that touches JSON uses
//! it: [`crate::rpc`] (request bodies, response views), [`crate::compose`] (canonical
//! app-compose JSON), [`crate::eventlog`] (event logs, V2 pre-images) and
//! [`crate::envcrypt`] (the env plaintext).
//!
//! # Why not serde-json-core
//!
//! The project first planned on serde-json-core (it is `no_std` and allocation-free).
//! It does not fit what the users need:
//! - Its `from_slice_escaped` unescapes every string into the *start* of one shared
//!   scratch buffer and hands it to the visitor as a transient `&str`, so a view holding
//!   several unescaped strings at once (a PEM key and its certificate chain, `event_log`
//!   next to `vm_config`) cannot borrow them. Here a string without escape is borrowed
//!   from the body and an escaped one is unescaped into its *own* region of the caller's
//!   scratch ([`Scratch`]).
//! - It has no `deserialize_any`, needed for members that come in two shapes
//!   (`tcb_info.event_log` as an array or as a string).
//! - It skips unknown members without validating their values; here the whole document is
//!   validated (grammar, UTF-8, escapes, nesting depth) whatever is read from it.
//! - Compose hashing and event-log replay need what serde's data model hides: arrays of
//!   any length walked without storing them, members in document order with duplicates
//!   (last wins), strings compared in UTF-16 order and streamed into a hasher as decoded
//!   code points (lone surrogates included), and the raw text of numbers (for ECMAScript
//!   number formatting).
//!
//! # Pieces
//!
//! - [`Parser`]: a cursor that validates as it goes and hands out borrowed tokens
//!   ([`Value`], [`JsonStr`]); containers are walked with [`Parser::next_key`] /
//!   [`Parser::next_element`] or skipped whole. The nesting limit is per parser:
//!   [`MAX_DEPTH_RESPONSE`] for agent responses, [`MAX_DEPTH_DOCUMENT`] for app-compose
//!   and event logs.
//! - [`JsonStr`]: a validated, still escaped string; decoded lazily as code points,
//!   into a buffer ([`Scratch`]), or re-escaped into a [`Sink`].
//! - [`write_str`] / [`JsonStr::write_escaped`]: the one escaper, with two
//!   [`Escaping`] modes (request bodies vs. `JSON.stringify`).
//! - [`JsonWriter`]: request bodies (re-exported as `rpc::JsonWriter`).
//! - `fields`: one-pass member lookup and typed accessors for the RPC views.

mod fields;
mod read;
mod write;

pub(crate) use fields::{
    as_bool, as_hex, as_hex_array, as_str, fields, hex_array_list, hex_list, opt_hex, opt_str,
    optional, req_hex, req_str, required, str_list,
};
pub(crate) use read::{plain_run, CodePoint, JsonStr, Parser, Scratch, Value};
pub use write::JsonWriter;
pub(crate) use write::{decimal, write_str, BufSink, Escaping, HashSink, Sink};

/// Deepest nesting of arrays and objects accepted in agent responses (the agent's bodies
/// nest at most three levels; the limit keeps recursion bounded on hostile input).
pub(crate) const MAX_DEPTH_RESPONSE: usize = 32;

/// Deepest nesting of arrays and objects accepted in app-compose documents and event
/// logs (user-written documents may nest deeper than agent responses).
pub(crate) const MAX_DEPTH_DOCUMENT: usize = 128;
