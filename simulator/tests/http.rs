//! Wire behaviour (PROTOCOL §1.1, §1.2): errors, 404s, JSON mode, GET queries, keep-alive,
//! concurrency, malformed and oversized requests, TCP listener, legacy mode, lifecycle.

mod common;
use common::*;
use serde_json::json;
use std::io::{BufReader, Read, Write};
use std::os::unix::net::UnixStream;

#[test]
fn errors_are_400_pretty_json() {
    let sim = Sim::start(&[]);
    let r = post_json(&sim.dstack(), "/Nope", "{}");
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.text(), "{\n  \"error\": \"Service not found: Nope\"\n}");
    // No service prefix on dstack.sock (§1.1).
    let r = post_json(&sim.dstack(), "/DstackGuest.GetKey", "{}");
    assert_eq!(
        r.text(),
        "{\n  \"error\": \"Service not found: DstackGuest.GetKey\"\n}"
    );
    // Invalid JSON body and wrong field types.
    let r = post_json(&sim.dstack(), "/GetKey", "{not json");
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].is_string());
    let r = post_json(&sim.dstack(), "/GetKey", r#"{"path": 5}"#);
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("invalid type"));
    // Empty-request methods ignore the body.
    assert_eq!(post_json(&sim.dstack(), "/Version", "garbage").status, 200);
    // Success responses are compact JSON.
    let r = post_json(&sim.dstack(), "/GpuInfo", "");
    assert_eq!(r.text(), r#"{"attestation":""}"#);
}

#[test]
fn not_found_like_rocket() {
    let sim = Sim::start(&[]);
    for (sock, target) in [
        (sim.dstack(), "/"),
        (sim.dstack(), "/a/b"),
        (sim.tappd(), "/GetKey"),
        (sim.tappd(), "/prpc/"),
    ] {
        let r = post_json(&sock, target, "{}");
        assert_eq!(r.status, 404, "{target}");
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
    }
    let r = raw(
        &sim.dstack(),
        b"PUT /GetKey HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(r.status, 404);
    let r = raw(&sim.dstack(), b"DELETE /Info HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 404);
    // tappd accepts both the Tappd.-prefixed and the bare method name.
    assert_eq!(
        post_json(&sim.tappd(), "/prpc/Tappd.Info", "{}").status,
        200
    );
    assert_eq!(post_json(&sim.tappd(), "/prpc/Info", "{}").status, 200);
    assert_eq!(
        post_json(&sim.tappd(), "/prpc/Tappd.GetKey", "{}").status,
        400
    );
}

#[test]
fn json_mode_rules_and_get_queries() {
    let sim = Sim::start(&["--app-keys", &fixture_keys(), "--app-id", FIXTURE_APP_ID]);
    let post = sim.call("GetKey", json!({"path": "a", "purpose": "p"}));
    let r = get(&sim.dstack(), "/GetKey?path=a&purpose=p&algorithm=k256");
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), post);
    // A POST without a JSON content type is protobuf mode: 400 octet-stream.
    let body = br#"{"path":"a","purpose":"p"}"#;
    let req = format!(
        "POST /GetKey HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let r = raw(&sim.dstack(), &[req.as_bytes(), body].concat());
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    // ... unless ?json is given.
    for q in ["json", "json=true", "json=1"] {
        let req = format!(
            "POST /GetKey?{q} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let r = raw(&sim.dstack(), &[req.as_bytes(), body].concat());
        assert_eq!(r.status, 200, "{q}");
        assert_eq!(r.json(), post);
    }
    // Unknown fields are ignored, missing ones default.
    let r = sim.call(
        "GetKey",
        json!({"path": "a", "purpose": "p", "extra": [1, 2]}),
    );
    assert_eq!(r, post);
    // GET quotes with hex report data, and list parameters.
    let r = get(&sim.dstack(), "/GetQuote?report_data=0x414243");
    assert_eq!(&r.json()["report_data"].as_str().unwrap()[..8], "41424300");
    let r = get(
        &sim.dstack(),
        "/GetTlsKey?subject=q&alt_names[]=a.example&alt_names[]=b.example&usage_server_auth=true",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // Requests without a Host header are accepted (§1.2).
    let r = raw(&sim.dstack(), b"GET /Info HTTP/1.1\r\n\r\n");
    assert_eq!(r.status, 200);
}

#[test]
fn keep_alive_and_pipelining() {
    let sim = Sim::start(&[]);
    let s = UnixStream::connect(sim.dstack()).unwrap();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let req = |m: &str| {
        format!("POST /{m} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}")
    };
    (&s).write_all(req("Version").as_bytes()).unwrap();
    let a = read_response(&mut reader).unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.header("connection"), None);
    (&s).write_all(req("GpuInfo").as_bytes()).unwrap();
    let b = read_response(&mut reader).unwrap();
    assert_eq!(b.json(), json!({"attestation": ""}));
    // Two requests in one write, answered in order.
    (&s).write_all((req("GpuInfo") + &req("Version")).as_bytes())
        .unwrap();
    assert_eq!(
        read_response(&mut reader).unwrap().json(),
        json!({"attestation": ""})
    );
    assert_eq!(read_response(&mut reader).unwrap().json(), a.json());
    // Chunked request bodies.
    (&s).write_all(b"POST /GetKey HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"pa\r\n0e\r\nth\":\"a\",\"x\":1}\r\n0\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut reader).unwrap().status, 200);
    // Connection: close is honoured.
    (&s).write_all(b"GET /Version HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let c = read_response(&mut reader).unwrap();
    assert_eq!(c.header("connection"), Some("close"));
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

#[test]
fn many_concurrent_connections() {
    let sim = Sim::start(&[]);
    let path = sim.dstack();
    let expected = sim.call("GetKey", json!({"path": "c"}));
    // Hold 64 connections open at once, then use them all.
    let conns: Vec<UnixStream> = (0..64)
        .map(|_| UnixStream::connect(&path).unwrap())
        .collect();
    let handles: Vec<_> = conns
        .into_iter()
        .map(|s| {
            let expected = expected.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(s.try_clone().unwrap());
                for _ in 0..5 {
                    let body = r#"{"path":"c"}"#;
                    let req = format!("POST /GetKey HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                    (&s).write_all(req.as_bytes()).unwrap();
                    let r = read_response(&mut reader).unwrap();
                    assert_eq!(r.json(), expected);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn malformed_and_oversized_requests_do_not_hurt() {
    let sim = Sim::start(&[]);
    let p = sim.dstack();
    assert_eq!(raw(&p, b"\x00\x01garbage\r\n\r\n").status, 400);
    assert_eq!(
        raw(&p, b"GET /Info HTTP/1.1\r\nBad Header\r\n\r\n").status,
        400
    );
    assert_eq!(
        raw(&p, b"POST /GetKey HTTP/1.1\r\nContent-Length: abc\r\n\r\n").status,
        400
    );
    assert_eq!(raw(&p, b"POST /GetKey HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 11534336\r\n\r\n{").status, 413);
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    assert_eq!(
        raw(&p, format!("GET /Info HTTP/1.1\r\n{many}\r\n").as_bytes()).status,
        431
    );
    let long = "a".repeat(70 * 1024);
    let s = UnixStream::connect(&p).unwrap();
    let _ = (&s).write_all(format!("GET /Info HTTP/1.1\r\nX: {long}\r\n\r\n").as_bytes());
    assert_eq!(read_response(&mut BufReader::new(s)).unwrap().status, 431);
    // Bad chunk framing.
    assert_eq!(
        raw(
            &p,
            b"POST /Info HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
        )
        .status,
        400
    );
    // A truncated body followed by a hang-up, and a bare connect/close.
    {
        let s = UnixStream::connect(&p).unwrap();
        (&s).write_all(b"POST /GetKey HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pa").unwrap();
    }
    drop(UnixStream::connect(&p).unwrap());
    // A body of exactly 10 MiB is read (and rejected as bad JSON, not as too large).
    let big = vec![b' '; 10 * 1024 * 1024 - 1];
    let mut req = format!(
        "POST /GetKey HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        big.len() + 1
    )
    .into_bytes();
    req.push(b'[');
    req.extend_from_slice(&big);
    let r = raw(&p, &req);
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].is_string());
    // A large chunked body in many small chunks is decoded (once) and served.
    let body = format!(
        r#"{{"path":"{}","purpose":"p"}}"#,
        "a".repeat(4 * 1024 * 1024)
    );
    let mut req = b"POST /GetKey HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for c in body.as_bytes().chunks(1000) {
        req.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        req.extend_from_slice(c);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let r = raw(&p, &req);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        sim.call("GetKey", serde_json::from_str(&body).unwrap())
    );
    // Still serving.
    assert_eq!(sim.call("GpuInfo", json!({})), json!({"attestation": ""}));
}

#[test]
fn tcp_listener_serves_the_current_api() {
    let sim = Sim::start(&["--listen", "127.0.0.1:0"]);
    let addr = sim
        .ready_lines
        .iter()
        .find_map(|l| l.strip_prefix("http: "))
        .expect("http line")
        .to_string();
    let s = std::net::TcpStream::connect(&addr).unwrap();
    (&s).write_all(b"GET /GetKey?path=x HTTP/1.1\r\nHost: dstack\r\nConnection: close\r\n\r\n")
        .unwrap();
    let r = read_response(&mut BufReader::new(s)).unwrap();
    assert_eq!(r.json(), sim.call("GetKey", json!({"path": "x"})));
}

#[test]
fn ready_lines_and_clean_shutdown() {
    for sig in ["TERM", "INT"] {
        let mut sim = Sim::start(&[]);
        let d = std::fs::canonicalize(&sim.dir).unwrap();
        assert_eq!(
            sim.ready_lines,
            [
                format!("dstack: {}", d.join("dstack.sock").display()),
                format!("tappd: {}", d.join("tappd.sock").display()),
                "ready".into()
            ]
        );
        assert!(sim.dstack().exists() && sim.tappd().exists());
        sim.signal(sig);
        let status = sim.child.wait().unwrap();
        assert!(status.success(), "{sig}: {status:?}");
        assert!(
            !sim.dstack().exists() && !sim.tappd().exists(),
            "sockets removed on SIG{sig}"
        );
    }
}

#[test]
fn stale_sockets_are_replaced() {
    let dir = temp_dir();
    let mut first = Sim::start_in(dir.clone(), &[]);
    // SIGKILL leaves the socket files behind.
    first.signal("KILL");
    first.child.wait().unwrap();
    assert!(dir.join("dstack.sock").exists());
    let second = Sim::start_in(dir, &[]);
    assert_eq!(
        second.call("GpuInfo", json!({})),
        json!({"attestation": ""})
    );
}

#[test]
fn legacy_mode_emulates_an_agent_without_version() {
    let sim = Sim::start(&[
        "--legacy",
        "--app-keys",
        &fixture_keys(),
        "--app-id",
        FIXTURE_APP_ID,
    ]);
    for m in [
        "Version",
        "Sign",
        "Verify",
        "Attest",
        "GpuInfo",
        "EmitEvent",
    ] {
        let r = post_json(&sim.dstack(), &format!("/{m}"), "{}");
        assert_eq!(r.status, 400, "{m}");
        assert_eq!(r.json()["error"], format!("Service not found: {m}"));
    }
    assert_eq!(
        post_json(&sim.tappd(), "/prpc/Tappd.Version", "{}").status,
        400
    );
    // The algorithm field did not exist: ed25519 or junk yields the secp256k1 answer.
    let k = sim.call("GetKey", json!({"path": "a", "purpose": "p"}));
    assert_eq!(
        sim.call(
            "GetKey",
            json!({"path": "a", "purpose": "p", "algorithm": "ed25519"})
        ),
        k
    );
    assert_eq!(
        sim.call(
            "GetKey",
            json!({"path": "a", "purpose": "p", "algorithm": "bogus"})
        ),
        k
    );
    let info = sim.call("Info", json!({}));
    assert!(info.get("cloud_vendor").is_none());
    // TLS validity options are ignored rather than rejected.
    let r = sim.call(
        "GetTlsKey",
        json!({"subject": "x", "not_before": 10, "not_after": 5}),
    );
    assert!(r["key"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
}
