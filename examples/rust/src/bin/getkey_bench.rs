//! CPU per call through the Rust client (libdstack's blocking `DstackClient`): sequential
//! calls on one client (one keep-alive connection), reading the key as every binding does.
//! CPU time is the process's user + system time from getrusage(RUSAGE_SELF): this process
//! only, not the agent.
//!
//! Two ways to run it:
//!
//!     DSTACK_SIMULATOR_ENDPOINT=/tmp/sim/dstack.sock libdstack-getkey-bench [N]
//!         N GetKey calls (default 5000, after 1000 warm-up calls) against the agent at
//!         DSTACK_SIMULATOR_ENDPOINT (a socket path or http://); prints
//!         `rust getkey calls=N cpu_us_per_call=… user_us=… sys_us=… wall_us_per_call=…`
//!         and the harness line below.
//!
//!     libdstack-getkey-bench getkey SOCKET CALLS WARMUP   ->  RESULT <cpu µs/call> <wall µs/call> <calls>
//!     libdstack-getkey-bench quote SOCKET CALLS WARMUP    ->  the same for GetQuote + event-log decode
//!     libdstack-getkey-bench cold SOCKET                  create a client, one GetKey, exit
//!         the protocol of bench/run.sh's runners (bench/getkey.c), so it takes a row of
//!         that table as is.
//!
//! Build it with `cargo build --release -p libdstack-examples --bin libdstack-getkey-bench`.

use libdstack::DstackClient;
use std::time::Instant;

const PATH: &str = "bench/key";
const PURPOSE: &str = "signing";

/// (user, system) CPU time of this process so far, in µs.
fn cpu_us() -> (f64, f64) {
    // SAFETY: getrusage writes one rusage into the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a rusage; RUSAGE_SELF is always valid.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return (f64::NAN, f64::NAN);
    }
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    (us(u.ru_utime), us(u.ru_stime))
}

fn getkey(c: &DstackClient) -> Result<(), String> {
    let k = c
        .get_key(PATH, PURPOSE)
        .map_err(|e| format!("GetKey: {e}"))?;
    if k.key.len() != 32 {
        return Err("GetKey: the key is not 32 bytes".into());
    }
    Ok(())
}

fn quote(c: &DstackClient) -> Result<(), String> {
    let q = c
        .get_quote(b"bench")
        .map_err(|e| format!("GetQuote: {e}"))?;
    let events = q
        .decode_event_log()
        .map_err(|e| format!("event log: {e}"))?;
    std::hint::black_box(events);
    Ok(())
}

/// Runs `warm` then `n` calls; returns (user µs, system µs, wall µs) per call.
fn measure(
    c: &DstackClient,
    call: fn(&DstackClient) -> Result<(), String>,
    n: u64,
    warm: u64,
) -> Result<(f64, f64, f64), String> {
    for _ in 0..warm {
        call(c)?;
    }
    let (c0, w0) = (cpu_us(), Instant::now());
    for i in 0..n {
        call(c).map_err(|e| format!("call {i}: {e}"))?;
    }
    let (c1, wall) = (cpu_us(), w0.elapsed().as_secs_f64() * 1e6);
    let per = |x: f64| x / n.max(1) as f64;
    Ok((per(c1.0 - c0.0), per(c1.1 - c0.1), per(wall)))
}

fn number(s: Option<&String>, what: &str) -> Result<u64, String> {
    s.ok_or(format!("missing {what}"))?
        .parse()
        .map_err(|_| format!("{what} must be a non-negative integer"))
}

fn run(args: &[String]) -> Result<(), String> {
    let client = |sock: Option<&String>| {
        let sock = sock.ok_or("missing SOCKET")?;
        DstackClient::try_new(Some(sock)).map_err(|e| e.to_string())
    };
    match args.first().map(String::as_str) {
        Some("cold") => getkey(&client(args.get(1))?),
        Some(mode @ ("getkey" | "quote")) => {
            let c = client(args.get(1))?;
            let (n, warm) = (
                number(args.get(2), "CALLS")?,
                number(args.get(3), "WARMUP")?,
            );
            let call = if mode == "getkey" { getkey } else { quote };
            let (user, sys, wall) = measure(&c, call, n, warm)?;
            println!("RESULT {:.3} {wall:.3} {n}", user + sys);
            Ok(())
        }
        _ => {
            let n = match args.first() {
                Some(a) => number(Some(a), "N")?,
                None => 5000,
            };
            if std::env::var_os("DSTACK_SIMULATOR_ENDPOINT").is_none_or(|v| v.is_empty()) {
                return Err(
                    "set DSTACK_SIMULATOR_ENDPOINT to the agent's socket (or http:// address), \
                            or run `libdstack-getkey-bench getkey SOCKET CALLS WARMUP`"
                        .into(),
                );
            }
            let c = DstackClient::new(None);
            let (user, sys, wall) = measure(&c, getkey, n, 1000.min(n))?;
            println!(
                "rust getkey calls={n} cpu_us_per_call={:.1} user_us={user:.1} sys_us={sys:.1} wall_us_per_call={wall:.1}",
                user + sys
            );
            println!("RESULT {:.3} {wall:.3} {n}", user + sys);
            Ok(())
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("libdstack-getkey-bench: {e}");
        std::process::exit(1);
    }
}
