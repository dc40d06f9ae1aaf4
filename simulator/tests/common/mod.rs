//! Test harness: runs the simulator binary in a temporary directory and speaks raw HTTP/1.1
//! to it over its Unix sockets, plus small independent decoders (hex, msgpack) for checks.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const FIXTURE_APP_ID: &str = "5bb4ff9a3837357f19dc176407a5709c62eb6c56";

pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(rel)
}

pub fn fixture_keys() -> String {
    shared("reference/fixtures/simulator_appkeys.json")
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
        let stderr = std::fs::File::create(dir.join("stderr.txt")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_dstack-simulator"))
            .arg("--dir")
            .arg(&dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn simulator");
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
    assert!(s.len() % 2 == 0, "odd hex {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
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

/// A decoded MessagePack value (only what the simulator's encodings use).
#[derive(Debug, Clone, PartialEq)]
pub enum Mp {
    U(u64),
    S(String),
    B(Vec<u8>),
    A(Vec<Mp>),
    M(Vec<(Mp, Mp)>),
}

impl Mp {
    pub fn get(&self, key: &str) -> &Mp {
        match self {
            Mp::M(kv) => {
                &kv.iter()
                    .find(|(k, _)| *k == Mp::S(key.into()))
                    .unwrap_or_else(|| panic!("no key {key}"))
                    .1
            }
            _ => panic!("not a map"),
        }
    }
    pub fn bytes(&self) -> &[u8] {
        match self {
            Mp::B(b) => b,
            other => panic!("not bin: {other:?}"),
        }
    }
}

pub fn mp_decode(b: &[u8]) -> Mp {
    let mut pos = 0;
    let v = mp_read(b, &mut pos);
    assert_eq!(pos, b.len(), "trailing bytes after msgpack value");
    v
}

fn take<'a>(b: &'a [u8], pos: &mut usize, n: usize) -> &'a [u8] {
    let s = &b[*pos..*pos + n];
    *pos += n;
    s
}

fn be(b: &[u8]) -> usize {
    b.iter().fold(0usize, |a, &x| (a << 8) | x as usize)
}

fn mp_read(b: &[u8], pos: &mut usize) -> Mp {
    let t = take(b, pos, 1)[0];
    let coll = |n: usize, pos: &mut usize, map: bool| {
        if map {
            Mp::M((0..n).map(|_| (mp_read(b, pos), mp_read(b, pos))).collect())
        } else {
            Mp::A((0..n).map(|_| mp_read(b, pos)).collect())
        }
    };
    match t {
        0x00..=0x7f => Mp::U(t as u64),
        0x80..=0x8f => coll((t & 15) as usize, pos, true),
        0x90..=0x9f => coll((t & 15) as usize, pos, false),
        0xa0..=0xbf => Mp::S(String::from_utf8(take(b, pos, (t & 31) as usize).to_vec()).unwrap()),
        0xc4..=0xc6 => {
            let n = be(take(b, pos, 1 << (t - 0xc4)));
            Mp::B(take(b, pos, n).to_vec())
        }
        0xcc..=0xcf => Mp::U(be(take(b, pos, 1 << (t - 0xcc))) as u64),
        0xd9..=0xdb => {
            let n = be(take(b, pos, 1 << (t - 0xd9)));
            Mp::S(String::from_utf8(take(b, pos, n).to_vec()).unwrap())
        }
        0xdc | 0xdd => {
            let n = be(take(b, pos, 2 << (t - 0xdc)));
            coll(n, pos, false)
        }
        0xde | 0xdf => {
            let n = be(take(b, pos, 2 << (t - 0xde)));
            coll(n, pos, true)
        }
        other => panic!("unexpected msgpack byte {other:#x}"),
    }
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
