//! CPU per GetKey call through the Rust client: N sequential calls (default 2000, after
//! 50 warm-up calls) on one client against the agent at `DSTACK_SIMULATOR_ENDPOINT`,
//! then the process's user+system CPU time per call from getrusage(RUSAGE_SELF), which
//! counts only this process (not the agent). Prints one line:
//!
//!     rust  getkey  calls=2000  cpu_us_per_call=12.3  user_us=4.5  sys_us=7.8  wall_us_per_call=45.6
//!
//!     DSTACK_SIMULATOR_ENDPOINT=/tmp/sim/dstack.sock \
//!         cargo run --release -p libdstack-examples --bin getkey_bench [N]

use std::time::Instant;

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

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N must be a positive integer"))
        .unwrap_or(2000);
    if std::env::var_os("DSTACK_SIMULATOR_ENDPOINT").is_none() {
        eprintln!("set DSTACK_SIMULATOR_ENDPOINT to the agent's socket (or http:// address)");
        std::process::exit(2);
    }
    let client = libdstack::DstackClient::new(None);
    for _ in 0..50 {
        client
            .get_key("bench/key", "bench")
            .expect("GetKey (warm-up)");
    }
    let (cpu0, wall0) = (cpu_us(), Instant::now());
    for _ in 0..n {
        let k = client.get_key("bench/key", "bench").expect("GetKey");
        std::hint::black_box(&k);
    }
    let (cpu1, wall) = (cpu_us(), wall0.elapsed().as_secs_f64() * 1e6);
    let per = |x: f64| x / f64::from(n);
    let (user, sys) = (per(cpu1.0 - cpu0.0), per(cpu1.1 - cpu0.1));
    println!(
        "rust  getkey  calls={n}  cpu_us_per_call={:.1}  user_us={user:.1}  sys_us={sys:.1}  wall_us_per_call={:.1}",
        user + sys,
        per(wall)
    );
}
