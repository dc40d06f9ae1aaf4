//! The simulator cannot be starved, made to hoard memory or fed ambiguous input (README,
//! "Robustness"): the connection cap evicts the connection waiting longest, deadlines that
//! further bytes do not extend, a memory budget across connections, EmitEvent limits, socket
//! modes independent of the umask, control characters in certificate names, duplicate JSON
//! keys and non-digit Content-Length values.

mod common;
use common::*;
use serde_json::json;
use std::io::{BufReader, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// A deadline no test run reaches: a test that passes with it owes nothing to a timeout.
const NEVER: &str = "3600";

fn connect(p: &Path) -> UnixStream {
    UnixStream::connect(p).unwrap()
}

/// True when the server has closed `s` (EOF or reset) within `limit`.
fn closed_within(s: &UnixStream, limit: Duration) -> bool {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut b = [0u8; 1];
    match (&*s).read(&mut b) {
        Ok(0) => true,
        Ok(_) => panic!("unexpected data on an idle connection"),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
        Err(_) => true,
    }
}

/// One keep-alive request on `s`, which must be answered 200.
fn served(s: &UnixStream) {
    (&*s).write_all(b"GET /GpuInfo HTTP/1.1\r\n\r\n").unwrap();
    let r = read_response(&mut BufReader::new(s.try_clone().unwrap())).expect("a response");
    assert_eq!(r.status, 200);
}

/// Sends a whole request, ignoring a write error (the server may answer and close before
/// reading all of it), then reads the answer and waits for the server to close.
fn send_then_close(p: &Path, req: &[u8]) -> Resp {
    let s = connect(p);
    let _ = (&s).write_all(req);
    let mut reader = BufReader::new(s);
    let r = read_response(&mut reader).expect("a response");
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    r
}

fn post_close(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn idle_connections_cannot_exhaust_the_connection_cap() {
    let sim = Sim::start(&["--idle-timeout", NEVER, "--request-timeout", NEVER]);
    let p = sim.dstack();
    // 300 connections that never send anything: 44 more than the cap of 256.
    let held: Vec<UnixStream> = (0..300).map(|_| connect(&p)).collect();
    // A normal call is served; it did not have to wait for any timeout. (Reading until the
    // server closes it means its slot is free again: 255 connections are left.)
    let r = send_then_close(&p, b"GET /GpuInfo HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(r.json(), json!({"attestation": ""}));
    // Room was made by closing the connections that had waited longest: the first 45.
    for (i, s) in held.iter().enumerate().take(45) {
        assert!(closed_within(s, Duration::from_secs(30)), "held[{i}]");
    }
    // The others are still served.
    served(&held[45]);
    served(&held[299]);

    // Waiting is counted from the end of the last answer, not from the connect: a connection
    // in use is not the next to go. The second request proves the server has restarted
    // held[46]'s wait after the first answer.
    served(&held[46]);
    served(&held[46]);
    let newcomer = connect(&p); // the 256th
    let next = connect(&p); // one too many: the longest waiting goes
    served(&next);
    assert!(closed_within(&held[47], Duration::from_secs(30)));
    served(&held[46]);
    served(&held[48]);
    served(&newcomer);
}

#[test]
fn the_cap_is_shared_by_both_sockets_and_cannot_starve_either() {
    let sim = Sim::start(&["--idle-timeout", NEVER, "--request-timeout", NEVER]);
    let _tappd: Vec<UnixStream> = (0..200).map(|_| connect(&sim.tappd())).collect();
    let _dstack: Vec<UnixStream> = (0..100).map(|_| connect(&sim.dstack())).collect();
    assert_eq!(sim.call("GpuInfo", json!({})), json!({"attestation": ""}));
    let info = sim.tappd_call("Info", json!({}));
    assert!(info["app_id"].is_string());
}

#[test]
fn slow_drip_connections_cannot_exhaust_the_connection_cap() {
    let sim = Sim::start(&["--idle-timeout", NEVER, "--request-timeout", NEVER]);
    let p = sim.dstack();
    let body = format!("{:<100}", r#"{"path":"x"}"#);
    let head =
        "POST /GetKey HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    // 300 connections each holding an unfinished request, still trickling bytes.
    let drips: Vec<UnixStream> = (0..300)
        .map(|_| {
            let s = connect(&p);
            (&s).write_all(head.as_bytes()).unwrap();
            (&s).write_all(&body.as_bytes()[..4]).unwrap();
            s
        })
        .collect();
    for s in &drips[250..] {
        (&*s).write_all(&body.as_bytes()[4..5]).unwrap();
    }
    let expected = sim.call("GetKey", json!({"path": "x"}));
    assert!(closed_within(&drips[0], Duration::from_secs(30)));
    // A trickling connection that was not evicted finishes its request and is answered.
    let last = &drips[299];
    (&*last).write_all(&body.as_bytes()[5..]).unwrap();
    let r = read_response(&mut BufReader::new(last.try_clone().unwrap())).unwrap();
    assert_eq!(r.json(), expected);
}

#[test]
fn the_request_deadline_is_not_extended_by_each_byte() {
    let sim = Sim::start(&["--request-timeout", "1", "--idle-timeout", NEVER]);
    let s = connect(&sim.dstack());
    let reader = s.try_clone().unwrap();
    let start = Instant::now();
    let waiter = std::thread::spawn(move || {
        let mut reader = BufReader::new(reader);
        let r = read_response(&mut reader);
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
        (r, Instant::now())
    });
    // A request head that never ends, one byte every 100 ms.
    let mut sent = 0;
    let _ = (&s).write_all(b"GET /Info HTTP/1.1\r\nX-Drip: ");
    while !waiter.is_finished() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "still open after 60 s of dripping"
        );
        std::thread::sleep(Duration::from_millis(100));
        if (&s).write_all(b"a").is_ok() {
            sent += 1;
        }
    }
    let (r, closed_at) = waiter.join().unwrap();
    let r = r.expect("a 408 answer before the close");
    assert_eq!(r.status, 408);
    assert_eq!(r.header("connection"), Some("close"));
    // The deadline runs from the first byte: never earlier, and not pushed back by the
    // bytes that kept coming.
    assert!(closed_at - start >= Duration::from_secs(1));
    assert!(sent >= 1, "bytes were dripped during the request");
    // The server is fine.
    assert_eq!(sim.call("GpuInfo", json!({})), json!({"attestation": ""}));
}

#[test]
fn the_idle_deadline_closes_quiet_connections() {
    let sim = Sim::start(&["--idle-timeout", "1", "--request-timeout", NEVER]);
    // Nothing sent: closed without an answer once the idle deadline passes.
    let start = Instant::now();
    let s = connect(&sim.dstack());
    let mut rest = Vec::new();
    (&s).read_to_end(&mut rest).unwrap();
    assert!(
        rest.is_empty(),
        "no answer to a connection that asked nothing"
    );
    assert!(start.elapsed() >= Duration::from_secs(1));
    // Between keep-alive requests the idle deadline starts again after each answer.
    let s = connect(&sim.dstack());
    let t = Instant::now();
    (&s).write_all(b"GET /GpuInfo HTTP/1.1\r\n\r\n").unwrap();
    let mut reader = BufReader::new(s);
    assert_eq!(read_response(&mut reader).unwrap().status, 200);
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(t.elapsed() >= Duration::from_secs(1));
}

#[test]
fn the_memory_budget_bounds_what_all_connections_buffer() {
    let sim = Sim::start(&[
        "--memory-budget",
        "2097152",
        "--request-timeout",
        NEVER,
        "--idle-timeout",
        NEVER,
    ]);
    let p = sim.dstack();
    let body_of = |n: usize| format!(r#"{{"path":"{}"}}"#, "a".repeat(n - 11));
    // Connection A buffers most of a 1.2 MB request and stops.
    let big = body_of(1_200_000);
    let whole_a = post_close("/GetKey", &big);
    let head_len = whole_a.len() - big.len();
    let a = connect(&p);
    (&a).write_all(&whole_a[..head_len + 1_100_000]).unwrap();
    // A 1 MB request on another connection no longer fits once A's bytes are read: 503 with
    // a JSON error. (Each refused or served attempt has released its memory when the server
    // closes it, so nothing but A can be what fills the budget.)
    let other = post_close("/GetKey", &body_of(1_000_000));
    let give_up = Instant::now() + Duration::from_secs(60);
    let refused = loop {
        let r = send_then_close(&p, &other);
        if r.status == 503 {
            break r;
        }
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(Instant::now() < give_up, "never refused");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(refused.header("content-type"), Some("application/json"));
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("memory budget"),
        "{}",
        refused.text()
    );
    // A completes and is answered; closing it gives its memory back.
    (&a).write_all(&whole_a[head_len + 1_100_000..]).unwrap();
    let mut reader = BufReader::new(a);
    let r = read_response(&mut reader).unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    let again = send_then_close(&p, &other);
    assert_eq!(again.status, 200, "{}", again.text());
}

fn emit(sim: &Sim, name: &str, payload: &[u8]) -> Resp {
    post_json(
        &sim.dstack(),
        "/EmitEvent",
        &json!({"event": name, "payload": hex(payload)}).to_string(),
    )
}

fn rtmr3(sim: &Sim) -> String {
    let q = sim.call("GetQuote", json!({}));
    hex(QuoteView(&unhex(q["quote"].as_str().unwrap())).rtmr(3))
}

#[test]
fn emit_event_payload_and_log_size_are_capped() {
    let sim = Sim::start(&[]);
    assert_eq!(emit(&sim, "max", &vec![7u8; 65536]).status, 200);
    let r = emit(&sim, "over", &vec![7u8; 65537]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"],
        "event payload is too large: 65537 bytes (the simulator accepts at most 65536)"
    );
    let r = emit(&sim, &"n".repeat(257), b"");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"],
        "event name is too long: 257 bytes (the simulator accepts at most 256)"
    );
    // Names and payloads of all emitted events: at most 1 MiB. "max" took 3 + 65536.
    let mut used = 3 + 65536;
    for _ in 0..14 {
        assert_eq!(emit(&sim, "fill", &vec![1u8; 65536]).status, 200);
        used += 4 + 65536;
    }
    let before = rtmr3(&sim);
    let r = emit(&sim, "fill", &vec![1u8; 65536]);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"],
        format!(
            "event log is full: {used} bytes of events emitted, 65540 more would exceed the 1048576 the simulator keeps"
        )
    );
    assert_eq!(rtmr3(&sim), before, "a refused event is not measured");
    // The room left is still usable, to the byte.
    let room = 1048576 - used;
    assert_eq!(emit(&sim, "tail", &vec![2u8; room - 4]).status, 200);
    assert_eq!(emit(&sim, "x", b"").status, 400);
    // Quotes stay far below what clients accept (libdstack: 16 MiB).
    let r = post_json(&sim.dstack(), "/GetQuote", "{}");
    assert_eq!(r.status, 200);
    assert!(r.body.len() < 8 * 1024 * 1024, "{} bytes", r.body.len());
    let r = post_json(&sim.dstack(), "/Info", "{}");
    assert!(r.body.len() < 8 * 1024 * 1024, "{} bytes", r.body.len());
}

#[test]
fn emit_event_count_is_capped() {
    let sim = Sim::start(&[]);
    for i in 0..256 {
        assert_eq!(emit(&sim, "e", &[i as u8]).status, 200, "event {i}");
    }
    let r = emit(&sim, "e", b"");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"],
        "event log is full: 256 events already emitted (the simulator keeps at most 256)"
    );
    // Every accepted event is in the log and measured.
    let q = sim.call("GetQuote", json!({}));
    let log: Vec<serde_json::Value> =
        serde_json::from_str(q["event_log"].as_str().unwrap()).unwrap();
    assert_eq!(log.iter().filter(|e| e["event"] == "e").count(), 256);
}

#[test]
fn sockets_are_owner_only_whatever_the_umask() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    fn umask_000(cmd: &mut std::process::Command) {
        // SAFETY: umask is async-signal-safe and changes only the child's own mask.
        unsafe {
            cmd.pre_exec(|| {
                libc::umask(0);
                Ok(())
            });
        }
    }
    // Control: a child started this way really runs under umask 000.
    let mut sh = std::process::Command::new("sh");
    sh.args(["-c", "umask"]);
    umask_000(&mut sh);
    let out = sh.output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0000");

    let sim = Sim::start_with(temp_dir(), &[], umask_000);
    for p in [sim.dstack(), sim.tappd()] {
        let md = std::fs::symlink_metadata(&p).unwrap();
        assert!(md.file_type().is_socket());
        assert_eq!(md.permissions().mode() & 0o777, 0o600, "{}", p.display());
    }
    // The owner (who runs the tests and the bindings) still connects.
    assert_eq!(sim.call("GpuInfo", json!({})), json!({"attestation": ""}));
}

#[test]
fn control_characters_in_certificate_names_are_refused() {
    let sim = Sim::start(&[]);
    let cases = [
        (
            sim.dstack(),
            "/GetTlsKey",
            json!({"subject": "x", "alt_names": ["ok.example", "good.example\u{0}.evil.example"]}),
            r#"alt name "good.example\0.evil.example" contains a control character (U+0000)"#,
        ),
        (
            sim.tappd(),
            "/prpc/Tappd.DeriveKey",
            json!({"path": "p", "alt_names": ["a\u{0}b"]}),
            r#"alt name "a\0b" contains a control character (U+0000)"#,
        ),
        (
            sim.dstack(),
            "/GetTlsKey",
            json!({"alt_names": ["a\nb"]}),
            r#"alt name "a\nb" contains a control character (U+000A)"#,
        ),
        (
            sim.dstack(),
            "/GetTlsKey",
            json!({"alt_names": ["a\u{7f}"]}),
            r#"alt name "a\u{7f}" contains a control character (U+007F)"#,
        ),
        (
            sim.dstack(),
            "/GetTlsKey",
            json!({"subject": "good.example\u{0}.evil"}),
            r#"subject "good.example\0.evil" contains a control character (U+0000)"#,
        ),
        (
            sim.dstack(),
            "/GetTlsKey",
            json!({"alt_names": [""]}),
            "alt name must not be empty",
        ),
    ];
    for (sock, path, body, error) in cases {
        let r = post_json(&sock, path, &body.to_string());
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["error"], error);
    }
    // The same through a GET query.
    let r = get(&sim.dstack(), "/GetTlsKey?alt_names[]=a%00b");
    assert_eq!(r.status, 400);
    // Ordinary names still work.
    let r = sim.call(
        "GetTlsKey",
        json!({"subject": "app", "alt_names": ["*.app.example", "10.0.0.1"]}),
    );
    assert_eq!(r["certificate_chain"].as_array().unwrap().len(), 2);
}

#[test]
fn duplicate_json_keys_are_refused() {
    let sim = Sim::start(&[]);
    let p = sim.dstack();
    for (body, key) in [
        (r#"{"path":"a","path":"b"}"#, "path"),
        (r#"{"path":"a","purpose":"p","purpose":"p"}"#, "purpose"),
        (r#"{"path":"a","unknown":1,"unknown":2}"#, "unknown"),
        (r#"{"path":"a","extra":[{"k":1,"k":2}]}"#, "k"),
    ] {
        let r = post_json(&p, "/GetKey", body);
        assert_eq!(r.status, 400, "{body}");
        let e = r.json()["error"].as_str().unwrap().to_string();
        assert!(e.starts_with(&format!("duplicate field `{key}`")), "{e}");
    }
    let r = post_json(&p, "/EmitEvent", r#"{"event":"a","event":"b"}"#);
    assert_eq!(r.status, 400);
    // Distinct keys at different levels are fine.
    let ok = post_json(&p, "/GetKey", r#"{"path":"a","x":{"path":"b"}}"#);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json(), sim.call("GetKey", json!({"path": "a"})));
    // The number of values in one body is bounded (65536).
    let zeros = |n: usize| format!(r#"{{"x":[{}]}}"#, vec!["0"; n].join(","));
    assert_eq!(post_json(&p, "/GetKey", &zeros(65534)).status, 200);
    let r = post_json(&p, "/GetKey", &zeros(65535));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("more than 65536 JSON values"));
    // Nesting is bounded too (32 levels), well before a thread's stack: the top-level object
    // plus 31 arrays is accepted, one more is refused, and much deeper bodies change nothing.
    let nested = |n: usize| format!(r#"{{"x":{}{}}}"#, "[".repeat(n), "]".repeat(n));
    assert_eq!(post_json(&p, "/GetKey", &nested(31)).status, 200);
    for n in [32, 100, 126, 10_000] {
        let r = post_json(&p, "/GetKey", &nested(n));
        assert_eq!(r.status, 400, "{n}");
        let e = r.json()["error"].as_str().unwrap().to_string();
        assert!(e.contains("more than 32 levels deep"), "{n}: {e}");
    }
    let deep_objects = format!(r#"{{"x":{}1{}}}"#, r#"{"a":"#.repeat(64), "}".repeat(64));
    assert_eq!(post_json(&p, "/GetKey", &deep_objects).status, 400);
    assert_eq!(sim.call("GpuInfo", json!({})), json!({"attestation": ""}));
}

#[test]
fn content_length_is_digits_only() {
    let sim = Sim::start(&[]);
    let p = sim.dstack();
    let req = |lengths: &[&str]| {
        let mut r = "POST /GpuInfo HTTP/1.1\r\nContent-Type: application/json\r\n".to_string();
        for l in lengths {
            r += &format!("Content-Length: {l}\r\n");
        }
        r + "Connection: close\r\n\r\n{}"
    };
    for bad in ["+2", "-2", "2 2", "0x2", "2,2", "", "2.0", "٢"] {
        let r = send_then_close(&p, req(&[bad]).as_bytes());
        assert_eq!(r.status, 400, "Content-Length: {bad:?}");
    }
    assert_eq!(
        send_then_close(&p, req(&["2", "3"]).as_bytes()).status,
        400,
        "conflicting values"
    );
    assert_eq!(
        send_then_close(&p, req(&["99999999999999999999999"]).as_bytes()).status,
        413
    );
    // Plain digits, also repeated with the same value, are taken.
    for ok in [&["2"][..], &["2", "2"], &["002"]] {
        let r = send_then_close(&p, req(ok).as_bytes());
        assert_eq!(r.status, 200, "{ok:?}");
        assert_eq!(r.json(), json!({"attestation": ""}));
    }
}
