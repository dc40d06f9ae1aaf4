//! Test harness: runs the workspace's simulator in a temporary directory (one per test,
//! stopped on drop), with the fixture key set of docs/PROTOCOL.md §6.1 so the keys and chains
//! are known values; test data from `testdata/`; a scripted fake agent for answers the
//! simulator never gives.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// docs/PROTOCOL.md §6.1: with the fixture keys and app id, GetKey("a", "p") is this key,
/// its chain recovers this app key and this KMS root key.
pub const APP_ID: &str = "5bb4ff9a3837357f19dc176407a5709c62eb6c56";
pub const KEY_AP: &str = "bf77a922825c35606d8a00f79fff1ad5915f48e3eed8838ed9f0ac09eb43ad94";
pub const APP_KEY: &str = "02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c";
pub const KMS_ROOT: &str = "0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

pub fn unhex(s: &str) -> Vec<u8> {
    libdstack::HexBytes::from_hex(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .into_vec()
}

/// `$DSTACK_SIMULATOR`, else target/release/dstack-simulator, else the debug build.
pub fn simulator_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("DSTACK_SIMULATOR") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    for profile in ["release", "debug"] {
        let p = target.join(profile).join("dstack-simulator");
        if p.exists() {
            return p;
        }
    }
    panic!(
        "no dstack-simulator under {}: run `cargo build --release -p dstack-simulator` \
         (or set DSTACK_SIMULATOR)",
        target.display()
    );
}

static N: AtomicUsize = AtomicUsize::new(0);

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "libdstack-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A running simulator, killed on drop.
pub struct Sim {
    child: Child,
    dir: PathBuf,
    _stdout: BufReader<ChildStdout>,
    /// `http://ADDR` when started with `--listen`.
    pub http: Option<String>,
}

impl Sim {
    /// The current agent with the fixture keys.
    pub fn start() -> Sim {
        Sim::with_args(&[])
    }

    /// An agent from before the `Version` RPC (no Sign, Attest, ed25519, EmitEvent).
    pub fn legacy() -> Sim {
        Sim::with_args(&["--legacy"])
    }

    pub fn with_args(extra: &[&str]) -> Sim {
        let dir = temp_dir("sim");
        let keys = testdata("fixtures/simulator_appkeys.json");
        let mut child = Command::new(simulator_bin())
            .arg("--dir")
            .arg(&dir)
            .arg("--app-keys")
            .arg(&keys)
            .args(["--app-id", APP_ID])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn dstack-simulator");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let mut http = None;
        while line.trim_end() != "ready" {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "the simulator exited before it was ready"
            );
            if let Some(addr) = line.trim_end().strip_prefix("http: ") {
                http = Some(format!("http://{addr}"));
            }
        }
        Sim {
            child,
            dir,
            _stdout: out,
            http,
        }
    }

    pub fn dstack(&self) -> String {
        self.dir.join("dstack.sock").display().to_string()
    }

    pub fn tappd(&self) -> String {
        self.dir.join("tappd.sock").display().to_string()
    }

    pub fn client(&self) -> libdstack::DstackClient {
        libdstack::DstackClient::try_new(Some(&self.dstack())).unwrap()
    }

    pub fn tappd_client(&self) -> libdstack::TappdClient {
        libdstack::TappdClient::try_new(Some(&self.tappd())).unwrap()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fake agent on a Unix socket: for each connection, reads one request (head and
/// Content-Length body) and writes `answer`; then closes the connection. Runs on a
/// background thread until the process ends.
pub fn fake_agent(answer: &'static [u8]) -> (String, PathBuf) {
    let dir = temp_dir("fake");
    let path = dir.join("agent.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut r = BufReader::new(conn.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let l = line.to_ascii_lowercase();
                if let Some(v) = l.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    let mut body = vec![0u8; len];
                    let _ = r.read_exact(&mut body);
                    break;
                }
            }
            let _ = conn.write_all(answer);
        }
    });
    (path.display().to_string(), dir)
}

/// Lowercase hex.
pub fn hex(b: &[u8]) -> String {
    libdstack::HexBytes::from(b).to_hex()
}

/// SHA-256 through the crate's compose helper (the raw hash of the bytes).
pub fn sha256(b: &[u8]) -> Vec<u8> {
    libdstack::compose::compose_hash_raw(b).into_vec()
}
