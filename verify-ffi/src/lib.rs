//! libdstack_verify: libdstack's C ABI plus offline verification of dstack evidence.
//!
//! This crate is the C boundary over `dstack-verify` (DCAP quotes, GetQuote answers,
//! versioned attestations, RA-TLS certificates). It builds `libdstack_verify.so`/`.a`, a
//! superset of libdstack: every `dstack_*` export of `dstack-ffi` (linked in as a
//! dependency) plus the exports below, declared in `include/dstack_verify.h`, which
//! includes `dstack.h`. A program links one of the two libraries, never both.
//!
//! Why a second library: see `verify/README.md` ("libdstack_verify"). In short, DCAP
//! verification (dcap-qvl, X.509, msgpack, SCALE, gzip) would more than double
//! libdstack.so, which apps inside the CVM load but never use for verification.
//!
//! Every export follows `ffi/ABI.md` and reuses libdstack's boundary: `dstack_status`
//! results, `dstack_error **out_error` last, checked pointers, `catch_unwind`.
//!
//! Module map: [`verify`] (the four entry points), [`verification`] (the result handle
//! and its fields), [`check`] (which check failed, on a `dstack_error`), [`pccs`] (the
//! sans-IO halves of fetching collateral from a PCCS).
#![allow(non_camel_case_types)]
// The safety contract of every export is stated once at the top of the header (as in
// dstack-ffi).
#![allow(clippy::missing_safety_doc)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// cbindgen writes the exports of the modules in this order (rustfmt keeps it sorted).
pub mod check;
pub mod pccs;
pub mod verification;
pub mod verify;

use dstack_ffi::error::{CheckDetail, Failure};
use dstack_ffi::status::*;

pub use verification::dstack_verification;

/// A bitmask of accepted TCB statuses: a plain `uint32_t` whose bits are the
/// enumerators of `dstack_tcb_policy_e`.
pub type dstack_tcb_policy = u32;

/// The bits of `dstack_tcb_policy`, one per Intel TCB status (C enumerators; no
/// function uses this enum type). `Revoked` has no bit: it is never accepted.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dstack_tcb_policy_e {
    /// `UpToDate`: the platform is patched.
    DSTACK_TCB_POLICY_UP_TO_DATE = 1,
    /// `SWHardeningNeeded`: patched, but software mitigations are needed.
    DSTACK_TCB_POLICY_SW_HARDENING_NEEDED = 2,
    /// `ConfigurationNeeded`: patched, but the platform configuration needs changes.
    DSTACK_TCB_POLICY_CONFIGURATION_NEEDED = 4,
    /// `ConfigurationAndSWHardeningNeeded`: both of the above.
    DSTACK_TCB_POLICY_CONFIGURATION_AND_SW_HARDENING_NEEDED = 8,
    /// `OutOfDate`: the platform TCB is out of date.
    DSTACK_TCB_POLICY_OUT_OF_DATE = 16,
    /// `OutOfDateConfigurationNeeded`: out of date, and the configuration needs changes.
    DSTACK_TCB_POLICY_OUT_OF_DATE_CONFIGURATION_NEEDED = 32,
    /// `TDRelaunchAdvised` (TDX 1.5): the TCB was updated in place since launch.
    DSTACK_TCB_POLICY_TD_RELAUNCH_ADVISED = 64,
    /// `TDRelaunchAdvisedConfigurationNeeded`: as above, and the configuration needs
    /// changes.
    DSTACK_TCB_POLICY_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED = 128,
    /// Every status but `Revoked`: accept whatever the status, and read it from the result
    /// (`DSTACK_VERIFICATION_TCB_STATUS`) to decide.
    DSTACK_TCB_POLICY_ANY = 255,
}

/// The policy bitmask: 0 is the default (`UpToDate` only); bits other than those of
/// `dstack_tcb_policy_e` are `INVALID_ARGUMENT`.
pub(crate) fn policy(mask: dstack_tcb_policy) -> Result<verifier::TcbPolicy, Failure> {
    let any = dstack_tcb_policy_e::DSTACK_TCB_POLICY_ANY as u32;
    if mask & !any != 0 {
        return Err(Failure::invalid(format!(
            "tcb_policy 0x{mask:x} has bits outside DSTACK_TCB_POLICY_ANY (0x{any:x}); \
             Revoked is never accepted"
        )));
    }
    Ok(if mask == 0 {
        verifier::TcbPolicy::default()
    } else {
        verifier::TcbPolicy(mask)
    })
}

/// The status a failed check crosses the boundary with: the caller's own inputs are
/// `INVALID_ARGUMENT`, times outside a validity window `EXPIRED`, everything else
/// `VERIFICATION_FAILED`. The check's name tells them apart (`dstack_error_check`).
pub(crate) fn status_of(check: verifier::Check) -> dstack_status {
    use verifier::Check;
    match check {
        Check::Input | Check::CollateralMissing | Check::CollateralFormat => {
            DSTACK_STATUS_INVALID_ARGUMENT
        }
        Check::CollateralValidity | Check::CertificateValidity => DSTACK_STATUS_EXPIRED,
        _ => DSTACK_STATUS_VERIFICATION_FAILED,
    }
}

/// A verification error as a libdstack failure: the message is the error's text (check
/// name, sentence, both values), and the check's name and values ride along.
pub(crate) fn failure(e: verifier::Error) -> Failure {
    let message = e.to_string();
    Failure::of_check(
        status_of(e.check),
        message,
        CheckDetail {
            name: e.check.name().to_string(),
            expected: e.expected.unwrap_or_default(),
            actual: e.actual.unwrap_or_default(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_zero_is_the_default_and_unknown_bits_are_refused() {
        assert_eq!(policy(0).ok(), Some(verifier::TcbPolicy::UP_TO_DATE));
        assert_eq!(policy(255).ok(), Some(verifier::TcbPolicy::ANY));
        assert_eq!(
            policy(256).err().map(|f| f.to_string().contains("0x100")),
            Some(true)
        );
        assert!(policy(1 << 31).is_err());
    }

    #[test]
    fn statuses_by_check() {
        use verifier::Check;
        assert_eq!(status_of(Check::Input), DSTACK_STATUS_INVALID_ARGUMENT);
        assert_eq!(status_of(Check::CollateralValidity), DSTACK_STATUS_EXPIRED);
        assert_eq!(
            status_of(Check::RtmrReplay),
            DSTACK_STATUS_VERIFICATION_FAILED
        );
        assert_eq!(
            status_of(Check::PckChainRoot),
            DSTACK_STATUS_VERIFICATION_FAILED
        );
    }
}
