//! Derived keys are wiped from memory when their handles are freed (issue: "Derived keys
//! and plaintexts are wiped from memory when their handles are freed").
//!
//! A global allocator looks into every heap block as it is freed: while armed, a block
//! that still holds the derived key (raw bytes or its hex text) is recorded. A GetKey
//! answer comes from an in-process agent that writes a static response (so the agent side
//! frees no copy of the key), goes through libdstack's transport, parser and response
//! handle, is read through the C accessor and freed. No freed block may still hold the key.

use dstack::client::{dstack_client_free, dstack_client_get_key, dstack_client_new};
use dstack::dstack_slice;
use dstack::response::{
    dstack_response, dstack_response_free, dstack_response_get, DSTACK_FIELD_KEY,
};
use dstack::status::DSTACK_STATUS_OK;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

// docs/PROTOCOL.md §6.1: the simulator's GetKey("a", "p") key.
const KEY_HEX: &str = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";
const BODY: &str = concat!(
    r#"{"key":"bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94","#,
    r#""signature_chain":["#,
    r#""11111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"#,
    r#"11","#,
    r#""22222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"#,
    r#"22"]}"#
);

static ARMED: AtomicBool = AtomicBool::new(false);
static LEAKED_BLOCKS: AtomicUsize = AtomicUsize::new(0);
// The key as raw bytes; set before arming (a static array, never on the heap).
static mut KEY_RAW: [u8; 32] = [0; 32];

struct Inspecting;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay.windows(needle.len()).any(|w| w == needle)
}

// SAFETY: forwards every call to the system allocator; `dealloc` only reads the block it
// is about to free, which is valid for `layout.size()` bytes.
unsafe impl GlobalAlloc for Inspecting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::SeqCst) {
            // SAFETY: the block is live until System.dealloc below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            // SAFETY: KEY_RAW is written only before arming.
            let raw = unsafe { &*std::ptr::addr_of!(KEY_RAW) };
            if contains(block, raw) || contains(block, KEY_HEX.as_bytes()) {
                LEAKED_BLOCKS.fetch_add(1, Ordering::SeqCst);
            }
        }
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Inspecting = Inspecting;

fn serve_once(listener: UnixListener) {
    let (conn, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    let mut w = &conn;
    write!(
        w,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        BODY.len()
    )
    .unwrap();
    w.write_all(BODY.as_bytes()).unwrap();
    // Keep the connection open until the client is freed.
    let _ = reader.read(&mut [0u8; 1]);
}

#[test]
fn get_key_response_is_wiped_on_free() {
    for i in 0..32 {
        let b = u8::from_str_radix(&KEY_HEX[2 * i..2 * i + 2], 16).unwrap();
        // SAFETY: single-threaded here, before the allocator reads it.
        unsafe { (*std::ptr::addr_of_mut!(KEY_RAW))[i] = b };
    }

    // The detector works: an unwiped copy freed while armed is seen.
    ARMED.store(true, Ordering::SeqCst);
    drop(std::hint::black_box(KEY_HEX.as_bytes().to_vec()));
    ARMED.store(false, Ordering::SeqCst);
    assert_eq!(
        LEAKED_BLOCKS.swap(0, Ordering::SeqCst),
        1,
        "detector sees an unwiped copy"
    );

    let dir = std::env::temp_dir().join(format!("dstack-wipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("agent.sock");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let agent = std::thread::spawn(move || serve_once(listener));
    let endpoint = path.to_str().unwrap().to_string();

    let mut client = std::ptr::null_mut();
    // SAFETY: valid pointers for the duration of each call.
    unsafe {
        assert_eq!(
            dstack_client_new(
                endpoint.as_ptr(),
                endpoint.len(),
                &mut client,
                std::ptr::null_mut()
            ),
            DSTACK_STATUS_OK
        );
    }

    ARMED.store(true, Ordering::SeqCst);
    let mut resp: *mut dstack_response = std::ptr::null_mut();
    let mut key = dstack_slice {
        ptr: std::ptr::null(),
        len: 0,
    };
    // SAFETY: valid pointers; the response is freed once, after the read.
    unsafe {
        assert_eq!(
            dstack_client_get_key(
                client,
                b"a".as_ptr(),
                1,
                b"p".as_ptr(),
                1,
                std::ptr::null(),
                0,
                5000,
                &mut resp,
                std::ptr::null_mut(),
            ),
            DSTACK_STATUS_OK
        );
        assert_eq!(
            dstack_response_get(resp, DSTACK_FIELD_KEY, &mut key, std::ptr::null_mut()),
            DSTACK_STATUS_OK
        );
        let got = std::slice::from_raw_parts(key.ptr, key.len);
        assert_eq!(
            got,
            &*std::ptr::addr_of!(KEY_RAW),
            "the key reached the handle"
        );
        dstack_response_free(resp);
    }
    ARMED.store(false, Ordering::SeqCst);
    assert_eq!(
        LEAKED_BLOCKS.load(Ordering::SeqCst),
        0,
        "a freed heap block still held the derived key"
    );

    // SAFETY: the client is not used by any other thread.
    unsafe { dstack_client_free(client) };
    agent.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
