//! The one clock of the library: the `now` that the KMS verifications take as an argument
//! (the core never reads a clock).

/// The current time in seconds since the Unix epoch (the `now` argument of
/// `dstack_verify_env_encrypt_public_key`); 0 if the clock is before 1970.
#[no_mangle]
pub extern "C" fn dstack_unix_time() -> u64 {
    crate::boundary::guard(0, || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}
