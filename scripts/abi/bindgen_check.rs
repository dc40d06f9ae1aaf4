// A Rust program built on the bindings that bindgen generated from include/dstack.h
// (scripts/abi/test-generators.sh compiles it with rustc, linked to target/release/libdstack.so).
//
//     bindgen_check [DSTACK_SOCKET] < app-compose.json
//
// `plain` is `bindgen include/dstack.h` with no options; `tidy` adds
// `--no-prepend-enum-name --allowlist-item 'dstack_.*|DSTACK_.*'`. The types bindgen gave are
// asserted at compile time below; the program calls libdstack through `plain` and prints
// `name=value` lines that scripts/abi/check_bindgen.py checks against independent facts
// (hashlib, the agent's own JSON body).
#![allow(non_upper_case_globals, non_camel_case_types, non_snake_case, dead_code, improper_ctypes)]

mod plain {
    include!(concat!(env!("DSTACK_BINDGEN_DIR"), "/plain.rs"));
}
mod tidy {
    include!(concat!(env!("DSTACK_BINDGEN_DIR"), "/tidy.rs"));
}

use std::io::Read;

// Compile-time type checks: each line only compiles if bindgen gave exactly these types
// (a type alias of u32 is u32; an i32 or a Rust enum would not compile here).
const _: fn(plain::dstack_status) -> u32 = |x| x;
const _: fn(u32) -> plain::dstack_status = |x| x;
const _: fn(plain::dstack_field) -> u32 = |x| x;
const _: fn(u32) -> plain::dstack_field = |x| x;
const _: u32 = plain::dstack_status_e_DSTACK_STATUS_OK;
const _: u32 = plain::dstack_field_e_DSTACK_FIELD_KEY;
const _: u32 = plain::dstack_key_flags_e_DSTACK_TLS_USAGE_RA_TLS;
const _: plain::dstack_status = tidy::DSTACK_STATUS_OK;
const _: plain::dstack_field = tidy::DSTACK_FIELD_KEY;
const _: u32 = tidy::DSTACK_TLS_WITH_APP_INFO;
const _: &[u8; 6] = plain::DSTACK_VERSION;
// The functions take and return the u32 typedefs (not the enum types).
const _: unsafe extern "C" fn(
    *const plain::dstack_response,
    plain::dstack_field,
    *mut plain::dstack_slice,
    *mut *mut plain::dstack_error,
) -> u32 = plain::dstack_response_get;
const _: unsafe extern "C" fn(*const u8, usize, bool, *mut u8, *mut *mut tidy::dstack_error) -> u32 =
    tidy::dstack_compose_hash;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

unsafe fn slice(s: plain::dstack_slice) -> Vec<u8> {
    if s.len == 0 {
        return Vec::new();
    }
    std::slice::from_raw_parts(s.ptr, s.len).to_vec()
}

fn check(cond: bool, what: &str) {
    if !cond {
        eprintln!("bindgen_check: FAILED: {what}");
        std::process::exit(1);
    }
}

fn main() {
    use plain::*;
    let socket = std::env::args().nth(1);
    let mut json = Vec::new();
    std::io::stdin().read_to_end(&mut json).unwrap();
    unsafe {
        let v = std::ffi::CStr::from_ptr(dstack_version()).to_str().unwrap();
        println!("version={v}");
        println!("header_version={}", std::str::from_utf8(&DSTACK_VERSION[..5]).unwrap());

        let mut hash = [0u8; 32];
        let st = dstack_compose_hash(json.as_ptr(), json.len(), false, hash.as_mut_ptr(), std::ptr::null_mut());
        check(st == dstack_status_e_DSTACK_STATUS_OK, &format!("compose_hash: status {st}"));
        println!("compose_hash={}", hex(&hash));

        // The error out-parameter, with the status compared to bindgen's constant.
        let mut err: *mut dstack_error = std::ptr::null_mut();
        let st = dstack_compose_hash(b"not json".as_ptr(), 8, false, hash.as_mut_ptr(), &mut err);
        check(st == dstack_status_e_DSTACK_STATUS_INVALID_ARGUMENT, &format!("not JSON: status {st}"));
        check(st == tidy::DSTACK_STATUS_INVALID_ARGUMENT, "tidy constant");
        check(!err.is_null() && dstack_error_status(err) == st, "dstack_error_status");
        let msg = slice(dstack_error_message(err));
        check(!msg.is_empty(), "dstack_error_message");
        dstack_error_free(err);
        println!("error_message={}", String::from_utf8_lossy(&msg));

        if let Some(socket) = socket {
            let mut client: *mut dstack_client = std::ptr::null_mut();
            let st = dstack_client_new(socket.as_ptr(), socket.len(), &mut client, std::ptr::null_mut());
            check(st == dstack_status_e_DSTACK_STATUS_OK, &format!("client_new: status {st}"));
            let mut resp: *mut dstack_response = std::ptr::null_mut();
            let (path, purpose) = (b"abi/test", b"bindgen");
            let st = dstack_client_get_key(
                client,
                path.as_ptr(),
                path.len(),
                purpose.as_ptr(),
                purpose.len(),
                std::ptr::null(),
                0,
                0,
                &mut resp,
                std::ptr::null_mut(),
            );
            check(st == dstack_status_e_DSTACK_STATUS_OK, &format!("GetKey: status {st}"));
            let mut key = dstack_slice { ptr: std::ptr::null(), len: 0 };
            let st = dstack_response_get(resp, dstack_field_e_DSTACK_FIELD_KEY, &mut key, std::ptr::null_mut());
            check(st == dstack_status_e_DSTACK_STATUS_OK, &format!("KEY: status {st}"));
            println!("key={}", hex(&slice(key)));
            let mut n = 0usize;
            let st = dstack_response_count(resp, dstack_field_e_DSTACK_FIELD_SIGNATURE_CHAIN, &mut n, std::ptr::null_mut());
            check(st == dstack_status_e_DSTACK_STATUS_OK, &format!("SIGNATURE_CHAIN: status {st}"));
            println!("signature_chain_count={n}");
            println!("body={}", hex(&slice(dstack_response_body(resp))));
            dstack_response_free(resp);
            dstack_client_free(client);
        }
    }
}
