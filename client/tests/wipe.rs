//! Key material is wiped from memory when the typed responses holding it are dropped:
//! a global allocator looks into every heap block as it is freed and records any that
//! still holds the derived key (raw or hex) or the TLS key PEM. The answers come from an
//! in-process agent writing static bytes (so the agent side frees no copy), through the
//! transport, the parser and the typed response, read, cloned, decoded and dropped.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

// docs/PROTOCOL.md §6.1: the simulator's GetKey("a", "p") key.
const KEY_HEX: &str = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";
const GETKEY: &str = concat!(
    r#"{"key":"bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94","#,
    r#""signature_chain":["#,
    r#""11111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"#,
    r#"11","#,
    r#""22222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"#,
    r#"22"]}"#
);
// A PEM whose base64 body is recognisable (the agent's keys are PKCS#8 PEM with "\n"
// escaped in the JSON).
const PEM_MARK: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgsecretsecret";
const TLS: &str = concat!(
    r#"{"key":"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgsecretsecret\n-----END PRIVATE KEY-----\n","#,
    r#""certificate_chain":["cert"]}"#
);

static ARMED: AtomicBool = AtomicBool::new(false);
static LEAKED_BLOCKS: AtomicUsize = AtomicUsize::new(0);
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
            if contains(block, raw)
                || contains(block, KEY_HEX.as_bytes())
                || contains(block, PEM_MARK.as_bytes())
            {
                LEAKED_BLOCKS.fetch_add(1, Ordering::SeqCst);
            }
        }
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Inspecting = Inspecting;

/// Answers each request on one keep-alive connection with the next of `bodies`.
fn serve(listener: UnixListener, bodies: &'static [&'static str]) {
    let (conn, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    for body in bodies {
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
        let mut req = vec![0u8; length];
        reader.read_exact(&mut req).unwrap();
        let mut w = &conn;
        write!(
            w,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    let _ = reader.read(&mut [0u8; 1]);
}

#[test]
fn key_responses_are_wiped_on_drop() {
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

    let dir = std::env::temp_dir().join(format!("libdstack-wipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("agent.sock");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let agent = std::thread::spawn(move || serve(listener, &[GETKEY, TLS]));
    let client = libdstack::DstackClient::try_new(path.to_str()).unwrap();

    ARMED.store(true, Ordering::SeqCst);
    {
        let k = client.get_key("a", "p").unwrap();
        // SAFETY: KEY_RAW is not written any more.
        assert_eq!(
            &k.key[..],
            unsafe { &*std::ptr::addr_of!(KEY_RAW) },
            "the key arrived"
        );
        let copy = k.clone();
        let decoded = k.decode_key().unwrap();
        let hex = k.key.to_hex();
        assert_eq!(hex.as_str(), KEY_HEX);
        let _ = format!("{k:?} {copy:?} {decoded:?}");
        let tls = client
            .get_tls_key(libdstack::TlsKeyConfig::default())
            .unwrap();
        assert!(tls.key.contains(PEM_MARK));
        let _ = tls.clone();
    }
    ARMED.store(false, Ordering::SeqCst);
    assert_eq!(
        LEAKED_BLOCKS.load(Ordering::SeqCst),
        0,
        "a freed heap block still held key material"
    );
    drop(client);
    agent.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
