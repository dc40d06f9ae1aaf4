//! TDX quotes: `dstack_quote_parse` reads a quote's measurements into a response, through
//! `libdstack::verify::Quote` (the quote's signature is not checked; `libdstack_verify`
//! does that).

use crate::boundary::run;
use crate::error::dstack_error;
use crate::response::{self as r, dstack_response, Builder, Value};
use crate::status::*;
use crate::{try_bytes, try_out};
use libdstack::verify::Quote;

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
    run(out_error, || {
        let (quote, out_response) = (try_bytes!(quote, quote_len), try_out!(out_response));
        let q = Quote::parse(quote)?;
        let mut b = Builder::default();
        b.set(
            r::DSTACK_FIELD_QUOTE_VERSION,
            Value::U64(u64::from(q.version)),
        )
        .set(r::DSTACK_FIELD_TEE_TYPE, Value::U64(u64::from(q.tee_type)))
        .set(r::DSTACK_FIELD_MRTD, Value::bytes(q.mrtd.into_vec()))
        .set(
            r::DSTACK_FIELD_REPORT_DATA,
            Value::bytes(q.report_data.into_vec()),
        )
        .set(r::DSTACK_FIELD_QUOTE, Value::bytes(quote));
        let fields = [
            r::DSTACK_FIELD_RTMR0,
            r::DSTACK_FIELD_RTMR1,
            r::DSTACK_FIELD_RTMR2,
            r::DSTACK_FIELD_RTMR3,
        ];
        for (f, rtmr) in fields.into_iter().zip(q.rtmrs) {
            b.set(f, Value::bytes(rtmr.into_vec()));
        }
        r::give(out_response, b)
    })
}
