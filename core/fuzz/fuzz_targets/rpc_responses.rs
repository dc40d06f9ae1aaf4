//! Fuzz every response view, `check_response` and `agent_error_message`.
//!
//! Invariants checked: no panic, and the documented scratch bound holds: with
//! `scratch.len() == body.len()` no view ever reports `BufferTooSmall`.
#![no_main]

use dstack_core::rpc::dstack::*;
use dstack_core::rpc::info::{InfoResponse, TcbInfo};
use dstack_core::rpc::tappd::*;
use dstack_core::rpc::{agent_error_message, check_response, View};
use dstack_core::Error;
use libfuzzer_sys::fuzz_target;

fn bounded<T>(r: Result<T, Error>) -> Option<T> {
    assert!(
        !matches!(r, Err(Error::BufferTooSmall { .. })),
        "scratch bound violated"
    );
    r.ok()
}

fuzz_target!(|body: &[u8]| {
    let mut s = vec![0u8; body.len()];
    let _ = check_response(200, body);
    let _ = check_response(400, body);
    let _ = agent_error_message(body, &mut s);

    bounded(GetKeyResponse::parse(body, &mut s));
    bounded(DeriveK256KeyResponse::parse(body, &mut s));
    bounded(GetQuoteResponse::parse(body, &mut s));
    bounded(AttestResponse::parse(body, &mut s));
    bounded(GetTlsKeyResponse::parse(body, &mut s));
    bounded(SignResponse::parse(body, &mut s));
    bounded(VerifyResponse::parse(body, &mut s));
    bounded(VersionResponse::parse(body, &mut s));
    bounded(GpuInfoResponse::parse(body, &mut s));
    bounded(EmitEventResponse::parse(body, &mut s));
    bounded(TdxQuoteResponse::parse(body, &mut s));
    if let Some(info) = bounded(InfoResponse::parse(body, &mut s)) {
        let mut s2 = vec![0u8; info.tcb_info.len()];
        bounded(TcbInfo::parse(info.tcb_info, &mut s2));
    }
    if let Ok(text) = core::str::from_utf8(body) {
        let mut s3 = vec![0u8; body.len()];
        bounded(TcbInfo::parse(text, &mut s3));
    }
});
