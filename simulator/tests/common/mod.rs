//! Test harness: runs the simulator binary in a temporary directory and speaks raw HTTP/1.1
//! to it over its Unix sockets, plus helpers for the checks (hex, msgpack decoding, replay).
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const FIXTURE_APP_ID: &str = "5bb4ff9a3837357f19dc176407a5709c62eb6c56";

pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

pub fn fixture_keys() -> String {
    testdata("fixtures/simulator_appkeys.json")
        .display()
        .to_string()
}

pub struct Sim {
    pub child: Child,
    pub dir: PathBuf,
    pub ready_lines: Vec<String>,
}

static N: AtomicUsize = AtomicUsize::new(0);

pub fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "dstack-sim-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Sim {
    pub fn start(args: &[&str]) -> Sim {
        Sim::start_in(temp_dir(), args)
    }

    pub fn start_in(dir: PathBuf, args: &[&str]) -> Sim {
        Sim::start_with(dir, args, |_| {})
    }

    /// Starts the simulator after `customize` has adjusted its command (e.g. a `pre_exec`).
    pub fn start_with(dir: PathBuf, args: &[&str], customize: impl FnOnce(&mut Command)) -> Sim {
        let stderr = std::fs::File::create(dir.join("stderr.txt")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dstack-simulator"));
        cmd.arg("--dir")
            .arg(&dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr);
        customize(&mut cmd);
        let mut child = cmd.spawn().expect("spawn simulator");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut ready_lines = Vec::new();
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                let err = std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default();
                panic!("simulator exited before ready: {err}");
            }
            let line = line.trim_end().to_string();
            let done = line == "ready";
            ready_lines.push(line);
            if done {
                break;
            }
        }
        Sim {
            child,
            dir,
            ready_lines,
        }
    }

    pub fn dstack(&self) -> PathBuf {
        self.dir.join("dstack.sock")
    }
    pub fn tappd(&self) -> PathBuf {
        self.dir.join("tappd.sock")
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.txt")).unwrap_or_default()
    }

    /// POST JSON to the current API, expecting 200.
    pub fn call(&self, method: &str, body: Value) -> Value {
        let r = post_json(&self.dstack(), &format!("/{method}"), &body.to_string());
        assert_eq!(r.status, 200, "{method}: {}", r.text());
        r.json()
    }

    pub fn tappd_call(&self, method: &str, body: Value) -> Value {
        let r = post_json(
            &self.tappd(),
            &format!("/prpc/Tappd.{method}"),
            &body.to_string(),
        );
        assert_eq!(r.status, 200, "{method}: {}", r.text());
        r.json()
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Reads one response (content-length framed) from a buffered stream; None on EOF.
pub fn read_response<R: Read>(r: &mut BufReader<R>) -> Option<Resp> {
    let mut status_line = String::new();
    if r.read_line(&mut status_line).ok()? == 0 {
        return None;
    }
    let status: u16 = status_line.split_whitespace().nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))?
        .1
        .parse()
        .ok()?;
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some(Resp {
        status,
        headers,
        body,
    })
}

pub fn raw(sock: &Path, request: &[u8]) -> Resp {
    let s = UnixStream::connect(sock).unwrap();
    (&s).write_all(request).unwrap();
    read_response(&mut BufReader::new(s)).expect("a response")
}

pub fn post_json(sock: &Path, path: &str, body: &str) -> Resp {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    raw(sock, req.as_bytes())
}

pub fn get(sock: &Path, target: &str) -> Resp {
    raw(
        sock,
        format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

pub fn unhex(s: &str) -> Vec<u8> {
    ::hex::decode(s).unwrap_or_else(|e| panic!("hex {s:?}: {e}"))
}

pub fn hex(b: &[u8]) -> String {
    ::hex::encode(b)
}

pub fn sha256(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}
pub fn sha384(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha384::digest(b).to_vec()
}
pub fn keccak256(b: &[u8]) -> [u8; 32] {
    use sha3::Digest;
    sha3::Keccak256::digest(b).into()
}

/// Recovers the compressed secp256k1 key that made a 65-byte r‖s‖v signature over `digest`.
pub fn recover(digest: &[u8; 32], sig65: &[u8]) -> Vec<u8> {
    assert_eq!(sig65.len(), 65);
    let sig = k256::ecdsa::Signature::from_slice(&sig65[..64]).unwrap();
    assert!(sig.normalize_s().is_none(), "signature must be low-S");
    let recid = k256::ecdsa::RecoveryId::from_byte(sig65[64]).expect("recid 0..3");
    let vk = k256::ecdsa::VerifyingKey::recover_from_prehash(digest, &sig, recid).unwrap();
    vk.to_encoded_point(true).as_bytes().to_vec()
}

/// A decoded MessagePack value.
pub use rmpv::Value as Mp;

/// Field access on decoded msgpack that fails loudly.
pub trait MpExt {
    fn get(&self, key: &str) -> &Mp;
    fn bytes(&self) -> &[u8];
    fn array(&self) -> &[Mp];
}

impl MpExt for Mp {
    fn get(&self, key: &str) -> &Mp {
        let map = self
            .as_map()
            .unwrap_or_else(|| panic!("not a map: {self:?}"));
        &map.iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .unwrap_or_else(|| panic!("no key {key}"))
            .1
    }
    fn bytes(&self) -> &[u8] {
        match self {
            Mp::Binary(b) => b,
            other => panic!("not bin: {other:?}"),
        }
    }
    fn array(&self) -> &[Mp] {
        self.as_array()
            .unwrap_or_else(|| panic!("not an array: {self:?}"))
    }
}

/// Decodes exactly one msgpack value (rmpv's reader).
pub fn mp_decode(b: &[u8]) -> Mp {
    let mut rest = b;
    let v = rmpv::decode::read_value(&mut rest).expect("msgpack");
    assert!(rest.is_empty(), "trailing bytes after msgpack value");
    v
}

/// Replays an event log (JSON array) into RTMR0–3: RTMR = SHA-384(RTMR ‖ digest).
pub fn replay(log: &[Value]) -> [Vec<u8>; 4] {
    let mut r = [vec![0u8; 48], vec![0u8; 48], vec![0u8; 48], vec![0u8; 48]];
    for e in log {
        let i = e["imr"].as_u64().unwrap() as usize;
        let mut d = unhex(e["digest"].as_str().unwrap());
        d.resize(48, 0);
        r[i] = sha384(&[r[i].as_slice(), &d].concat());
    }
    r
}

/// V1 runtime-event digest recomputed from name and payload (PROTOCOL §5.2).
pub fn v1_digest(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut pre = 0x0800_0001u32.to_le_bytes().to_vec();
    pre.push(b':');
    pre.extend_from_slice(name.as_bytes());
    pre.push(b':');
    pre.extend_from_slice(payload);
    sha384(&pre)
}

/// Quote fields at the documented v4 offsets (PROTOCOL §7.1).
pub struct QuoteView<'a>(pub &'a [u8]);
impl QuoteView<'_> {
    pub fn mrtd(&self) -> &[u8] {
        &self.0[184..232]
    }
    pub fn rtmr(&self, i: usize) -> &[u8] {
        &self.0[376 + 48 * i..424 + 48 * i]
    }
    pub fn report_data(&self) -> &[u8] {
        &self.0[568..632]
    }
}
