//! The one clock of the library: the `now` that the KMS verifications take as an argument
//! (the core never reads a clock): `libdstack::env::unix_time`.

use crate::boundary::guard;

/// The current time in seconds since the Unix epoch (the `now` argument of
/// `dstack_verify_env_encrypt_public_key`); 0 if the clock is before 1970.
#[no_mangle]
pub extern "C" fn dstack_unix_time() -> u64 {
    guard(0, libdstack::env::unix_time)
}
