//! dstack-simulator: a local dstack guest agent for development and tests.
//!
//! Serves the current API on `DIR/dstack.sock`, the legacy tappd API on `DIR/tappd.sock`,
//! and optionally the current API over TCP. See README.md for what is faithful and what is not.

mod attest;
mod cert;
mod http;
mod keys;
mod rpc;
mod util;

use std::io::Write;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

/// The app-compose measured when none is given: a small docker-compose app.
const BUILTIN_APP_COMPOSE: &str = r#"{"manifest_version":2,"name":"dstack-sim-app","runner":"docker-compose","docker_compose_file":"services:\n  app:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n","kms_enabled":true,"gateway_enabled":false,"public_logs":true,"public_sysinfo":true,"public_tcbinfo":true,"local_key_provider_enabled":false,"key_provider":"kms","key_provider_id":"","allowed_envs":[],"no_instance_id":false,"secure_time":false,"storage_fs":"ext4"}"#;

const USAGE: &str = "usage: dstack-simulator [--dir DIR] [--app-keys FILE] [--app-compose FILE] [--app-id HEX] [--listen ADDR] [--legacy] [--request-timeout SECS] [--idle-timeout SECS] [--memory-budget BYTES]";

/// Mode of both Unix sockets: read/write for the owner only (README, "Sockets").
const SOCKET_MODE: u32 = 0o600;

struct Cli {
    dir: PathBuf,
    app_keys: Option<PathBuf>,
    app_compose: Option<PathBuf>,
    app_id: Option<Vec<u8>>,
    listen: Option<String>,
    legacy: bool,
    limits: http::Limits,
}

/// Seconds, fractions allowed (`0.5`), from 1 ms to one day.
fn parse_secs(flag: &str, v: &str) -> Result<std::time::Duration, String> {
    let s: f64 = v
        .parse()
        .map_err(|_| format!("{flag}: {v:?} is not a number of seconds"))?;
    if !(0.001..=86400.0).contains(&s) {
        return Err(format!("{flag}: {v} is outside 0.001..=86400 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(s))
}

fn parse_cli() -> Result<Cli, String> {
    let mut cli = Cli {
        dir: PathBuf::from("."),
        app_keys: None,
        app_compose: None,
        app_id: None,
        listen: None,
        legacy: false,
        limits: http::Limits::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--dir" => cli.dir = PathBuf::from(value("--dir")?),
            "--app-keys" => cli.app_keys = Some(PathBuf::from(value("--app-keys")?)),
            "--app-compose" => cli.app_compose = Some(PathBuf::from(value("--app-compose")?)),
            "--app-id" => {
                let id = util::unhex(&value("--app-id")?).map_err(|e| format!("--app-id: {e}"))?;
                if id.len() != 20 {
                    return Err("--app-id must be 20 bytes (40 hex digits)".into());
                }
                cli.app_id = Some(id);
            }
            "--listen" => cli.listen = Some(value("--listen")?),
            "--legacy" => cli.legacy = true,
            "--request-timeout" => {
                cli.limits.request_timeout = parse_secs(&flag, &value(&flag)?)?;
            }
            "--idle-timeout" => cli.limits.idle_timeout = parse_secs(&flag, &value(&flag)?)?,
            "--memory-budget" => {
                let v = value(&flag)?;
                let n: usize = v
                    .parse()
                    .map_err(|_| format!("--memory-budget: {v:?} is not a number of bytes"))?;
                if n < http::MIN_MEMORY_BUDGET {
                    return Err(format!(
                        "--memory-budget: at least {} bytes",
                        http::MIN_MEMORY_BUDGET
                    ));
                }
                cli.limits.memory_budget = n;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(cli)
}

/// Binds a Unix socket, replacing a stale socket file (but never a regular file), with mode
/// [`SOCKET_MODE`] whatever the umask.
///
/// Runs before any other thread exists, so narrowing the process umask around `bind` affects
/// nothing else; it closes the window in which the new socket would have the umask's mode.
/// The chmod afterwards sets the mode explicitly.
fn bind_unix(path: &Path) -> Result<UnixListener, String> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    if let Ok(md) = std::fs::symlink_metadata(path) {
        if md.file_type().is_socket() {
            std::fs::remove_file(path).map_err(err)?;
        } else {
            return Err(format!("{}: exists and is not a socket", path.display()));
        }
    }
    // SAFETY: umask only swaps the process file-creation mask; no other thread is running.
    let old = unsafe { libc::umask(0o177) };
    let bound = UnixListener::bind(path);
    // SAFETY: as above; restores the caller's mask.
    unsafe { libc::umask(old) };
    let listener = bound.map_err(err)?;
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(SOCKET_MODE)) {
        let _ = std::fs::remove_file(path);
        return Err(err(e));
    }
    Ok(listener)
}

/// Accepts connections for ever. A failed accept (e.g. out of descriptors) is retried after a
/// pause instead of spinning.
fn accept_loop<C: http::Conn>(
    srv: &'static http::Server,
    service: rpc::Service,
    mut accept: impl FnMut() -> std::io::Result<C>,
) {
    loop {
        match accept() {
            Ok(c) => http::spawn(srv, service, c),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}

/// Blocks SIGINT/SIGTERM in this thread and every thread spawned after, so `sigwait` in
/// main is the one place they arrive.
fn block_signals() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data initialised by sigemptyset before use; the calls only
    // read/write that local set and the calling thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

fn wait_signal(set: &libc::sigset_t) -> i32 {
    let mut sig: libc::c_int = 0;
    // SAFETY: `set` is a valid initialised sigset and `sig` a valid out-pointer.
    while unsafe { libc::sigwait(set, &mut sig) } != 0 {}
    sig
}

fn run() -> Result<(), String> {
    let cli = parse_cli()?;
    let sigset = block_signals();
    let app_compose = match &cli.app_compose {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => BUILTIN_APP_COMPOSE.to_string(),
    };
    let keys = match &cli.app_keys {
        Some(p) => Some(keys::AppKeys::load(
            &std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )?),
        None => None,
    };
    let agent = rpc::Agent::new(rpc::AgentConfig {
        keys,
        app_compose,
        app_id: cli.app_id,
        legacy: cli.legacy,
    })?;
    if let Some(root) = agent.keys.kms_root_pub {
        eprintln!(
            "dstack-simulator: built-in development keys; KMS root k256 public key {}",
            util::hex(&root)
        );
    }
    // Live for the whole process; the listener threads borrow them.
    let agent: &'static rpc::Agent = Box::leak(Box::new(agent));
    let srv: &'static http::Server = Box::leak(Box::new(http::Server::new(agent, cli.limits)));

    std::fs::create_dir_all(&cli.dir).map_err(|e| format!("{}: {e}", cli.dir.display()))?;
    let dstack_path = cli.dir.join("dstack.sock");
    let tappd_path = cli.dir.join("tappd.sock");
    let dstack = bind_unix(&dstack_path)?;
    let tappd = bind_unix(&tappd_path).inspect_err(|_| {
        let _ = std::fs::remove_file(&dstack_path);
    })?;
    let tcp = match &cli.listen {
        Some(addr) => Some(std::net::TcpListener::bind(addr).map_err(|e| {
            let _ = std::fs::remove_file(&dstack_path);
            let _ = std::fs::remove_file(&tappd_path);
            format!("{addr}: {e}")
        })?),
        None => None,
    };

    let mut out = std::io::stdout().lock();
    let abs = |p: &Path| {
        std::fs::canonicalize(p.parent().unwrap_or(Path::new(".")))
            .map(|d| d.join(p.file_name().unwrap_or_default()))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let _ = writeln!(out, "dstack: {}", abs(&dstack_path).display());
    let _ = writeln!(out, "tappd: {}", abs(&tappd_path).display());
    if let Some(t) = &tcp {
        let _ = writeln!(
            out,
            "http: {}",
            t.local_addr().map(|a| a.to_string()).unwrap_or_default()
        );
    }

    for (listener, service) in [(dstack, rpc::Service::Dstack), (tappd, rpc::Service::Tappd)] {
        std::thread::spawn(move || accept_loop(srv, service, || listener.accept().map(|(c, _)| c)));
    }
    if let Some(t) = tcp {
        std::thread::spawn(move || {
            accept_loop(srv, rpc::Service::Dstack, || t.accept().map(|(c, _)| c))
        });
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    drop(out);

    let sig = wait_signal(&sigset);
    let _ = std::fs::remove_file(&dstack_path);
    let _ = std::fs::remove_file(&tappd_path);
    eprintln!("dstack-simulator: stopped by signal {sig}");
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("dstack-simulator: {e}");
        std::process::exit(1);
    }
}
