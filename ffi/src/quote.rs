//! TDX quotes: `dstack_quote_parse` reads a quote's measurements into a response (the
//! quote's signature is not checked; `libdstack_verify` does that).

use crate::error::{dstack_error, Failure};
use crate::response::{self as r, dstack_response, Builder, Value};
use crate::slice;
use crate::status::*;
use dstack_core::quote::Quote;

/// Parses a TDX quote (v4 or v5, binary). Response fields: `QUOTE_VERSION`, `TEE_TYPE`
/// (u64), `MRTD`, `RTMR0`-`RTMR3` (48 bytes each), `REPORT_DATA` (64 bytes), `QUOTE`
/// (the input). The quote's signature is not checked. `out_response` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn dstack_quote_parse(
    quote: *const u8,
    quote_len: usize,
    out_response: *mut *mut dstack_response,
    out_error: *mut *mut dstack_error,
) -> dstack_status {
    crate::boundary::run(out_error, || {
        // SAFETY: caller contract.
        let (q, out) = unsafe {
            (
                slice::bytes(quote, quote_len, "quote")?,
                slice::out(out_response, "out_response")?,
            )
        };
        let p = Quote::parse(q).map_err(|e| Failure::core("quote", e))?;
        let mut b = Builder::default();
        b.set(
            r::DSTACK_FIELD_QUOTE_VERSION,
            Value::U64(u64::from(p.version())),
        )
        .set(
            r::DSTACK_FIELD_TEE_TYPE,
            Value::U64(u64::from(p.tee_type())),
        )
        .set(r::DSTACK_FIELD_MRTD, Value::bytes(*p.mrtd()))
        .set(r::DSTACK_FIELD_REPORT_DATA, Value::bytes(*p.report_data()))
        .set(r::DSTACK_FIELD_QUOTE, Value::bytes(q));
        let rtmrs = p.rtmrs();
        for (i, f) in [
            r::DSTACK_FIELD_RTMR0,
            r::DSTACK_FIELD_RTMR1,
            r::DSTACK_FIELD_RTMR2,
            r::DSTACK_FIELD_RTMR3,
        ]
        .into_iter()
        .enumerate()
        {
            b.set(f, Value::bytes(rtmrs[i]));
        }
        r::give(out, b)
    })
}
