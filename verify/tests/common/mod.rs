//! Shared helpers: test data from `testdata/`, pinned times.
#![allow(dead_code)]

use std::path::PathBuf;

pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("read testdata/{rel}: {e}"))
}

/// 2025-06-25T00:00:00Z: inside the validity window of the 2025-06-19 collateral.
pub const NOW_2025: u64 = 1750809600;
/// 2026-03-01T00:00:00Z: inside the window of the 2026-02-18 collateral.
pub const NOW_2026: u64 = 1772323200;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The simulator binary: `$DSTACK_SIMULATOR`, else `target/release/dstack-simulator` (what
/// `cargo build --release -p dstack-simulator` and `make build` produce), else the debug one.
pub fn simulator_bin() -> PathBuf {
    if let Ok(p) = std::env::var("DSTACK_SIMULATOR") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    for profile in ["release", "debug"] {
        let p = target.join(profile).join("dstack-simulator");
        if p.exists() {
            return p;
        }
    }
    panic!(
        "no dstack-simulator binary under {}: run `cargo build --release -p dstack-simulator` \
         (or set DSTACK_SIMULATOR)",
        target.display()
    );
}

/// A running simulator in a temporary directory, killed on drop.
pub struct Sim {
    child: Child,
    dir: PathBuf,
}

static N: AtomicUsize = AtomicUsize::new(0);

impl Sim {
    pub fn start() -> Sim {
        let dir = std::env::temp_dir().join(format!(
            "dstack-verify-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(simulator_bin())
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn dstack-simulator");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("the simulator exited before it was ready");
            }
            if line.trim_end() == "ready" {
                break;
            }
        }
        Sim { child, dir }
    }

    /// POSTs a JSON body to `/{method}` on dstack.sock and returns the JSON answer.
    pub fn call(&self, method: &str, body: Value) -> Value {
        let body = body.to_string();
        let req = format!(
            "POST /{method} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let s = UnixStream::connect(self.dir.join("dstack.sock")).unwrap();
        (&s).write_all(req.as_bytes()).unwrap();
        let mut r = BufReader::new(s);
        let mut status = String::new();
        r.read_line(&mut status).unwrap();
        assert!(status.contains(" 200 "), "{method}: {status}");
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap();
                }
            }
        }
        let mut b = vec![0u8; len];
        r.read_exact(&mut b).unwrap();
        serde_json::from_slice(&b).unwrap()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.trim_start_matches("0x")).unwrap()
}
