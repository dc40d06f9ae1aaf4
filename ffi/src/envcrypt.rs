//! Encrypted environment variables for a deployment (docs/PROTOCOL.md §4.1):
//! `libdstack::env::encrypt_env_vars` (the core's `envcrypt`, with keys from the
//! operating system's RNG), copied out as hex.

use crate::boundary::run;
use crate::error::dstack_error;
use crate::slice::dstack_slice;
use crate::status::*;
use crate::{try_out_buf, try_text, try_texts};
use libdstack::env;

/// Encrypts environment variables for a deployment (docs/PROTOCOL.md §4.1): X25519 with a
/// fresh ephemeral key, AES-256-GCM with a fresh IV (both from the operating system's
/// RNG), plaintext `{"env":[{"key":K,"value":V},...]}`. `keys[vars_count]` and
/// `values[vars_count]` are UTF-8 slices (NULL if `vars_count` is 0). `public_key_hex` is
/// the app's X25519 key as hex (optional `0x`). Writes lowercase hex of
/// `ephemeral_pub(32) || iv(12) || ciphertext || tag(16)` to `out_hex` (`out_hex_cap`
/// bytes; `DSTACK_STATUS_BUFFER_TOO_SMALL` puts the needed size in `*out_hex_len`). A bad key
/// is `DSTACK_STATUS_INVALID_HEX` or `_INVALID_ARGUMENT`; RNG failure `DSTACK_STATUS_RNG`.
#[no_mangle]
pub unsafe extern "C" fn dstack_encrypt_env_vars(
    keys: *const dstack_slice,
    values: *const dstack_slice,
    vars_count: usize,
    public_key_hex: *const u8,
    public_key_hex_len: usize,
    out_hex: *mut u8,
    out_hex_cap: usize,
    out_hex_len: *mut usize,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    run(out_error, || {
        let (keys, values, public_key_hex, out_hex) = (
            try_texts!(keys, vars_count),
            try_texts!(values, vars_count),
            try_text!(public_key_hex, public_key_hex_len),
            try_out_buf!(out_hex, out_hex_cap, out_hex_len),
        );
        let vars: Vec<(&str, &str)> = keys.into_iter().zip(values).collect();
        out_hex.write(env::encrypt_env_vars(&vars, public_key_hex)?.as_bytes())
    })
}
