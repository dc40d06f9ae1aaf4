//! The agent commands of the `dstack` binary against a simulator started by each test (with
//! the fixture keys of docs/PROTOCOL.md §6.1, so keys and chains are known values): every
//! command, the `--json` shapes, the secrets policy, exit statuses, `--help`.

#[path = "../../client/tests/common/mod.rs"]
mod common;

use common::*;
use serde_json::{json, Value};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

/// Runs `dstack` with `args`, standard input `stdin` and the environment variables `env`
/// (and without a `DSTACK_SIMULATOR_ENDPOINT` of the caller's).
fn run(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dstack"));
    c.args(args)
        .env_remove("DSTACK_SIMULATOR_ENDPOINT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    // The tool may exit before reading its input: ignore a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// `dstack --endpoint SIM args…`.
fn at(sim: &Sim, args: &[&str]) -> Output {
    let ep = sim.dstack();
    let mut all = vec!["--endpoint", ep.as_str()];
    all.extend_from_slice(args);
    run(&all, b"", &[])
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output with each run of whitespace made one space (the human output aligns
/// its columns; the tests do not depend on the widths).
fn text(o: &Output) -> String {
    stdout(o).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn both(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// Exit status `want`, and the JSON on standard output.
fn json_ok(o: &Output, want: i32) -> Value {
    assert_eq!(code(o), want, "{}", both(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", both(o)))
}

fn temp_path(dir: &std::path::Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

fn mode(path: &str) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

const COMMANDS: [&str; 7] = [
    "info",
    "key",
    "quote",
    "attest",
    "tls-key",
    "sign",
    "verify-signature",
];

#[test]
fn every_agent_command_has_help_with_the_global_options_and_exit_statuses() {
    let top = run(&["--help"], b"", &[]);
    assert_eq!(code(&top), 0);
    for c in COMMANDS {
        assert!(stdout(&top).contains(&format!("\n  {c} ")), "{c} in --help");
        let o = run(&[c, "--help"], b"", &[]);
        assert_eq!(code(&o), 0, "{c} --help");
        let h = text(&o);
        assert!(h.contains(&format!("Usage: dstack {c}")), "{c}: {h}");
        for opt in ["--endpoint", "--timeout", "--json"] {
            assert!(h.contains(opt), "{c} --help lists {opt}");
        }
        assert!(h.contains("Exit status"), "{c} --help: {h}");
        assert!(h.contains("4 the agent call failed"), "{c} --help: {h}");
    }
    assert!(text(&top).contains("4 the agent call failed"));
    // Usage errors are 2: a missing argument, an unknown algorithm, an unknown option.
    for args in [
        &["sign", "data"][..],
        &["sign", "--algorithm", "p256", "data"],
        &["verify-signature", "--algorithm", "ed25519", "data", "00"],
        &["key", "--algorithm", "rsa"],
        &["quote", "--bogus"],
        &["info", "--timeout", "soon"],
        &["info", "--timeout", "0"],
    ] {
        let o = run(args, b"", &[]);
        assert_eq!(code(&o), 2, "{args:?}: {}", both(&o));
    }
}

#[test]
fn info_human_and_json() {
    let sim = Sim::start();
    let want = sim.client().info().unwrap();
    let o = at(&sim, &["info"]);
    assert_eq!(code(&o), 0, "{}", both(&o));
    let h = text(&o);
    assert!(h.contains(&format!("app_id {APP_ID}")), "{h}");
    assert!(h.contains(&format!("RTMR3 {}", want.tcb_info.rtmr3)));
    assert!(h.contains("unattested"));
    assert!(h.contains(&format!("endpoint {}", sim.dstack())));

    for args in [&["info", "--json"][..], &["--json", "info"]] {
        let j = json_ok(&at(&sim, args), 0);
        assert_eq!(j["app_id"], APP_ID);
        assert_eq!(j["endpoint"], sim.dstack());
        assert_eq!(j["compose_hash"], want.compose_hash.to_hex());
        assert_eq!(j["instance_id"], want.instance_id.to_hex());
        assert_eq!(j["app_name"], want.app_name);
        assert_eq!(j["tcb_info"]["rtmr3"], want.tcb_info.rtmr3.to_hex());
        assert_eq!(j["tcb_info"]["mrtd"], want.tcb_info.mrtd.to_hex());
        // The event log and the key provider arrive as JSON text and are printed as JSON.
        let events = j["tcb_info"]["event_log"].as_array().unwrap();
        assert_eq!(
            events.len(),
            want.tcb_info.decode_event_log().unwrap().len()
        );
        assert_eq!(j["key_provider_info"]["name"], "kms");
        assert!(j["agent_version"]["version"]
            .as_str()
            .unwrap()
            .contains("sim"));
    }
    // A legacy agent has no Version: the version is unknown, not an error.
    let legacy = Sim::legacy();
    let o = at(&legacy, &["info"]);
    assert_eq!(code(&o), 0, "{}", both(&o));
    assert!(text(&o).contains("unknown (no Version RPC"));
    assert_eq!(
        json_ok(&at(&legacy, &["info", "--json"]), 0)["agent_version"],
        Value::Null
    );
}

#[test]
fn the_endpoint_comes_from_the_option_else_the_environment() {
    let sim = Sim::start();
    let env = [("DSTACK_SIMULATOR_ENDPOINT", sim.dstack())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let j = json_ok(&run(&["info", "--json"], b"", &env), 0);
    assert_eq!(j["endpoint"], sim.dstack());
    // --endpoint wins over the environment.
    let o = run(
        &["info", "--endpoint", "/nonexistent/dstack.sock"],
        b"",
        &env,
    );
    assert_eq!(code(&o), 4, "{}", both(&o));
    let e = stderr(&o);
    assert!(e.contains("no dstack agent at the endpoint"), "{e}");
    assert!(e.contains("/nonexistent/dstack.sock"), "{e}");
    assert!(e.contains("DSTACK_SIMULATOR_ENDPOINT"), "the hint: {e}");
    assert!(o.stdout.is_empty());
    // An http:// endpoint works when the simulator listens on TCP.
    let tcp = Sim::with_args(&["--listen", "127.0.0.1:0"]);
    let url = tcp.http.clone().unwrap();
    let j = json_ok(&run(&["--endpoint", &url, "info", "--json"], b"", &[]), 0);
    assert_eq!(j["app_id"], APP_ID);
    // https:// cannot be used: a usage error, nothing is sent.
    let o = run(&["info", "--endpoint", "https://127.0.0.1:1"], b"", &[]);
    assert_eq!(code(&o), 2, "{}", both(&o));
    assert!(stderr(&o).contains("https://"));
}

#[test]
fn key_is_the_fixture_key_and_its_chain_verifies() {
    let sim = Sim::start();
    // By default the key is withheld and the chain verified without a trusted key.
    let j = json_ok(&at(&sim, &["key", "a", "--purpose", "p", "--json"]), 0);
    assert_eq!(j["valid"], true);
    assert_eq!(j["path"], "a");
    assert_eq!(j["purpose"], "p");
    assert_eq!(j["algorithm"], "secp256k1");
    assert_eq!(j["key_withheld"], true);
    assert!(j.get("key").is_none());
    let chain = &j["chain"];
    assert_eq!(
        (chain["valid"].clone(), chain["kms_key_trusted"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(chain["app_id"], APP_ID);
    assert_eq!(chain["app_id_source"], "agent");
    assert_eq!(chain["app_key"], APP_KEY);
    assert_eq!(chain["kms_key"], KMS_ROOT);
    assert_eq!(j["signature_chain"].as_array().unwrap().len(), 2);
    let secret = unhex(KEY_AP);
    assert_eq!(
        j["public_key"],
        libdstack::keys::secp256k1_public_key(&secret, true)
            .unwrap()
            .to_hex()
    );
    assert_eq!(
        j["ethereum_address"],
        libdstack::keys::ethereum_address(&secret).unwrap()
    );
    assert!(!stdout(&at(&sim, &["key", "a", "--purpose", "p", "--json"])).contains(KEY_AP));

    let o = at(&sim, &["key", "a", "--purpose", "p"]);
    assert_eq!(code(&o), 0);
    let h = text(&o);
    assert!(h.starts_with("VERIFIED key secp256k1"), "{h}");
    assert!(h.contains("withheld"), "{h}");
    assert!(h.contains("NOT compared with a trusted key"), "{h}");
    assert!(!both(&o).contains(KEY_AP), "the key is not printed");

    // Asked for: printed, and checked against the trusted KMS key.
    let o = at(
        &sim,
        &[
            "key",
            "a",
            "--purpose",
            "p",
            "--show-secret",
            "--kms-public-key",
            KMS_ROOT,
        ],
    );
    assert_eq!(code(&o), 0, "{}", both(&o));
    assert!(text(&o).contains(&format!("private key {KEY_AP}")));
    assert!(text(&o).contains("the trusted key"));
    let j = json_ok(
        &at(
            &sim,
            &[
                "key",
                "a",
                "--purpose",
                "p",
                "--show-secret",
                "--kms-public-key",
                &format!("0x{KMS_ROOT}"),
                "--app-id",
                APP_ID,
                "--json",
            ],
        ),
        0,
    );
    assert_eq!(j["key"], KEY_AP);
    assert_eq!(j["key_withheld"], false);
    assert_eq!(j["chain"]["kms_key_trusted"], true);
    assert_eq!(j["chain"]["app_id_source"], "argument");

    // --out-key: the key in a file only its owner reads, not on standard output.
    let dir = temp_dir("cli-key");
    let f = temp_path(&dir, "key.hex");
    std::fs::write(&f, "old").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = at(&sim, &["key", "a", "--purpose", "p", "--out-key", &f]);
    assert_eq!(code(&o), 0, "{}", both(&o));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), format!("{KEY_AP}\n"));
    assert_eq!(mode(&f), 0o600, "an existing file is made private too");
    assert!(!both(&o).contains(KEY_AP));
    assert!(text(&o).contains("written to --out-key"));

    // ed25519: a Solana address, the same key as the client's.
    let want = sim
        .client()
        .get_key_with_algorithm("w", "", "ed25519")
        .unwrap();
    let j = json_ok(
        &at(&sim, &["key", "w", "--algorithm", "ed25519", "--json"]),
        0,
    );
    assert_eq!(j["algorithm"], "ed25519");
    assert_eq!(j["public_key"], want.public_key().unwrap().to_hex());
    assert_eq!(
        j["solana_address"],
        want.to_solana_keypair().unwrap().address
    );
    assert!(j.get("ethereum_address").is_none());
    assert_eq!(j["chain"]["kms_key"], KMS_ROOT);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn key_chain_failures_exit_1_and_withhold_the_key() {
    let sim = Sim::start();
    let dir = temp_dir("cli-key-fail");
    let f = temp_path(&dir, "key.hex");
    // A KMS key that is not the one the chain ends at (a valid point: the app key).
    let o = at(
        &sim,
        &[
            "key",
            "a",
            "--purpose",
            "p",
            "--kms-public-key",
            APP_KEY,
            "--show-secret",
            "--out-key",
            &f,
        ],
    );
    assert_eq!(code(&o), 1, "{}", both(&o));
    let h = text(&o);
    assert!(h.starts_with("FAILED key"), "{h}");
    assert!(h.contains("does not lead to the trusted KMS key"), "{h}");
    assert!(h.contains(&format!("expected KMS key {APP_KEY}")), "{h}");
    assert!(h.contains(&format!("got KMS key {KMS_ROOT}")), "{h}");
    assert!(h.contains("withheld: the signature chain did not verify"));
    assert!(!both(&o).contains(KEY_AP));
    assert!(!std::path::Path::new(&f).exists(), "no key file on failure");

    let j = json_ok(
        &at(
            &sim,
            &[
                "key",
                "a",
                "--purpose",
                "p",
                "--kms-public-key",
                APP_KEY,
                "--show-secret",
                "--json",
            ],
        ),
        1,
    );
    assert_eq!(j["valid"], false);
    assert_eq!(j["chain"]["valid"], false);
    assert_eq!(j["chain"]["expected_kms_key"], APP_KEY);
    assert_eq!(j["chain"]["kms_key"], KMS_ROOT);
    assert!(j.get("key").is_none());
    assert_eq!(j["key_withheld"], true);

    // Another app id: the chain does not bind it.
    let j = json_ok(
        &at(
            &sim,
            &[
                "key",
                "a",
                "--app-id",
                "0000000000000000000000000000000000000000",
                "--kms-public-key",
                KMS_ROOT,
                "--json",
            ],
        ),
        1,
    );
    assert_eq!(j["chain"]["valid"], false);
    assert_eq!(j["chain"]["app_id_source"], "argument");
    assert!(j["chain"]["message"].as_str().unwrap().contains("chain"));
    // (Without a trusted KMS key any app id "verifies", to some other KMS key: the
    // output says the key was not compared.)
    let j = json_ok(
        &at(
            &sim,
            &[
                "key",
                "a",
                "--app-id",
                "0000000000000000000000000000000000000000",
                "--json",
            ],
        ),
        0,
    );
    assert_ne!(j["chain"]["kms_key"], KMS_ROOT);
    assert_eq!(j["chain"]["kms_key_trusted"], false);

    // Malformed trusted keys and app ids are usage errors.
    for args in [
        &["key", "--kms-public-key", "zz"][..],
        &["key", "--kms-public-key", "0321"],
        &["key", "--kms-public-key", &format!("04{}", &KMS_ROOT[2..])],
        &["key", "--app-id", "xyz"],
    ] {
        let o = at(&sim, args);
        assert_eq!(code(&o), 2, "{args:?}: {}", both(&o));
        assert!(stderr(&o).starts_with("dstack: --"), "{}", stderr(&o));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn quote_binds_the_report_data_and_pipes_into_verify() {
    let sim = Sim::start();
    let rd = "0xc0ffee";
    let padded = format!("c0ffee{}", "0".repeat(122));
    let o = at(&sim, &["quote", "--report-data", rd, "--verify-event-log"]);
    assert_eq!(code(&o), 0, "{}", both(&o));
    let h = text(&o);
    assert!(h.contains("TDX v4"), "{h}");
    assert!(h.contains(&format!("report data {padded}")), "{h}");
    assert!(h.contains("event log replay verified"), "{h}");
    let rtmr3 = sim.client().info().unwrap().tcb_info.rtmr3.to_hex();
    assert!(h.contains(&format!("RTMR3 {rtmr3}")));

    let o = at(&sim, &["quote", "--report-data", rd, "--json"]);
    let j = json_ok(&o, 0);
    assert_eq!(j["report_data"], padded);
    assert!(j["quote"].as_str().unwrap().starts_with("0400"));
    assert!(j["event_log"].as_str().unwrap().starts_with('['));
    assert!(j.get("event_log_verified").is_none());
    let quote = libdstack::verify::Quote::parse(&unhex(j["quote"].as_str().unwrap())).unwrap();
    assert_eq!(quote.report_data.to_hex(), padded);
    let j2 = json_ok(
        &at(
            &sim,
            &["quote", "--report-data", rd, "--json", "--verify-event-log"],
        ),
        0,
    );
    assert_eq!(j2["event_log_verified"], true);

    // The JSON is a GetQuote answer `dstack verify quote -` reads.
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "quote", "-", "--insecure-skip-intel-signature"];
        args.extend_from_slice(extra);
        run(&args, &o.stdout, &[])
    };
    let v = verify(&["--report-data", "c0ffee", "--json"]);
    let vj = json_ok(&v, 0);
    assert_eq!(vj["report_data"], padded);
    assert_eq!(vj["app_info"]["app_id"], APP_ID);
    assert_eq!(code(&verify(&["--report-data", "c0fffe"])), 1);

    // No report data: zeros.
    let j = json_ok(&at(&sim, &["quote", "--json"]), 0);
    assert_eq!(j["report_data"], "0".repeat(128));

    // More than 64 bytes or not hex: usage errors, nothing sent.
    for bad in ["00".repeat(65), "xyz".into()] {
        let o = at(&sim, &["quote", "--report-data", &bad]);
        assert_eq!(code(&o), 2, "{}", both(&o));
        assert!(stderr(&o).contains("--report-data"));
        let o = at(&sim, &["attest", "--report-data", &bad]);
        assert_eq!(code(&o), 2, "{}", both(&o));
    }
}

#[test]
fn quote_with_an_event_log_that_does_not_replay_exits_1() {
    // The simulator's answer with its event log emptied: the quote's RTMRs no longer
    // replay.
    let sim = Sim::start();
    let q = sim.client().get_quote(b"x").unwrap();
    let mut body: Value = serde_json::from_slice(q.raw_body()).unwrap();
    body["event_log"] = json!("[]");
    let body = body.to_string();
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (ep, dir) = fake_agent(Box::leak(answer.into_bytes().into_boxed_slice()));
    let o = run(
        &[
            "quote",
            "--endpoint",
            &ep,
            "--report-data",
            "78",
            "--verify-event-log",
        ],
        b"",
        &[],
    );
    assert_eq!(code(&o), 1, "{}", both(&o));
    assert!(
        text(&o).contains("event log replay FAILED"),
        "{}",
        stdout(&o)
    );
    let j = json_ok(
        &run(
            &["quote", "--endpoint", &ep, "--verify-event-log", "--json"],
            b"",
            &[],
        ),
        1,
    );
    assert_eq!(j["event_log_verified"], false);
    assert!(!j["message"].as_str().unwrap().is_empty());
    // Without the check the answer is printed and the status is 0.
    assert_eq!(code(&run(&["quote", "--endpoint", &ep], b"", &[])), 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn attest_output_pipes_into_verify() {
    let sim = Sim::start();
    let o = at(&sim, &["attest", "--report-data", "abcd"]);
    assert_eq!(code(&o), 0, "{}", both(&o));
    let h = text(&o);
    assert!(h.contains("V1 msgpack"), "{h}");
    assert!(h.contains(&format!("report data abcd{}", "0".repeat(124))));
    assert!(h.contains("stack dstack"), "{h}");

    let o = at(&sim, &["attest", "--report-data", "abcd", "--json"]);
    let j = json_ok(&o, 0);
    assert_eq!(j.as_object().unwrap().len(), 1, "{{\"attestation\": hex}}");
    assert!(j["attestation"].as_str().unwrap().len() > 1000);
    let v = run(
        &[
            "verify",
            "attestation",
            "-",
            "--insecure-skip-intel-signature",
            "--report-data",
            "abcd",
            "--json",
        ],
        &o.stdout,
        &[],
    );
    let vj = json_ok(&v, 0);
    assert_eq!(vj["app_info"]["app_id"], APP_ID);
    // A legacy agent has no Attest.
    let legacy = Sim::legacy();
    let o = at(&legacy, &["attest"]);
    assert_eq!(code(&o), 4, "{}", both(&o));
}

#[test]
fn tls_key_withholds_the_key_unless_asked() {
    let sim = Sim::start();
    let base = [
        "tls-key",
        "--subject",
        "api.example.com",
        "--alt-name",
        "localhost",
        "--alt-name",
        "127.0.0.1",
    ];
    let o = at(&sim, &base);
    assert_eq!(code(&o), 0, "{}", both(&o));
    let h = text(&o);
    assert!(!both(&o).contains("PRIVATE KEY"), "the key is not printed");
    assert!(h.contains("withheld"), "{h}");
    assert!(h.contains("subject CN=api.example.com"), "{h}");
    assert!(h.contains("alt names localhost, 127.0.0.1"), "{h}");
    assert!(h.contains("key usage server_auth"), "{h}");
    assert!(h.contains("RA-TLS no"), "{h}");
    assert!(
        h.contains("-----BEGIN CERTIFICATE-----"),
        "the chain is printed"
    );

    let mut args = base.to_vec();
    args.push("--json");
    let j = json_ok(&at(&sim, &args), 0);
    assert_eq!(j["key_withheld"], true);
    assert!(j.get("key").is_none());
    let chain = j["certificate_chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    assert!(chain[0]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    let leaf = &j["leaf"];
    assert_eq!(leaf["subject"], "CN=api.example.com");
    assert_eq!(leaf["alt_names"], json!(["localhost", "127.0.0.1"]));
    assert_eq!(leaf["extended_key_usage"], json!(["server_auth"]));
    assert_eq!(leaf["ra_tls"], false);
    assert!(leaf["not_before"].as_i64().unwrap() < leaf["not_after"].as_i64().unwrap());

    // The usage flags select the usages.
    let eku = |flags: &[&str]| {
        let mut a = vec!["tls-key", "--json"];
        a.extend_from_slice(flags);
        json_ok(&at(&sim, &a), 0)["leaf"]["extended_key_usage"].clone()
    };
    assert_eq!(eku(&["--client"]), json!(["client_auth"]));
    assert_eq!(eku(&["--server"]), json!(["server_auth"]));
    assert_eq!(
        eku(&["--server", "--client"]),
        json!(["server_auth", "client_auth"])
    );

    // Asked for: printed.
    let o = at(&sim, &["tls-key", "--show-secret"]);
    assert_eq!(code(&o), 0);
    assert!(text(&o).contains("-----BEGIN PRIVATE KEY-----"));
    let j = json_ok(&at(&sim, &["tls-key", "--show-secret", "--json"]), 0);
    assert!(j["key"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(j["key_withheld"], false);

    // Files: the key private to its owner, the chain as PEM; neither on standard output.
    let dir = temp_dir("cli-tls");
    let (kf, cf) = (temp_path(&dir, "key.pem"), temp_path(&dir, "cert.pem"));
    let o = at(
        &sim,
        &["tls-key", "--ra-tls", "--out-key", &kf, "--out-cert", &cf],
    );
    assert_eq!(code(&o), 0, "{}", both(&o));
    assert!(!both(&o).contains("-----BEGIN"), "{}", both(&o));
    assert!(text(&o).contains("RA-TLS yes"));
    assert_eq!(mode(&kf), 0o600);
    let key = std::fs::read_to_string(&kf).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    // The key in the file is the certificate's: its secure seed is derivable, and the
    // certificate verifies as RA-TLS (with the simulator's quote).
    assert_eq!(libdstack::keys::tls_secure_seed(&key).unwrap().len(), 32);
    let certs = std::fs::read_to_string(&cf).unwrap();
    assert_eq!(certs.matches("-----BEGIN CERTIFICATE-----").count(), 2);
    let v = run(
        &[
            "verify",
            "cert",
            &cf,
            "--insecure-skip-intel-signature",
            "--json",
        ],
        b"",
        &[],
    );
    assert_eq!(json_ok(&v, 0)["valid"], true);
    let j = json_ok(
        &at(
            &sim,
            &["tls-key", "--json", "--out-key", &kf, "--out-cert", &cf],
        ),
        0,
    );
    assert_eq!(j["key_file"], kf);
    assert_eq!(j["certificate_file"], cf);
    assert!(j.get("key").is_none());

    // Options a legacy agent lacks fail before anything is sent.
    let legacy = Sim::legacy();
    let o = at(&legacy, &["tls-key", "--app-info"]);
    assert_eq!(code(&o), 4, "{}", both(&o));
    assert!(stderr(&o).contains("too old"), "{}", stderr(&o));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sign_and_verify_signature_round_trip() {
    let sim = Sim::start();
    for alg in ["ed25519", "secp256k1"] {
        let j = json_ok(
            &at(
                &sim,
                &[
                    "sign",
                    "--algorithm",
                    alg,
                    "hello",
                    "--kms-public-key",
                    KMS_ROOT,
                    "--json",
                ],
            ),
            0,
        );
        assert_eq!(j["valid"], true);
        assert_eq!(j["algorithm"], alg);
        assert_eq!(j["signature_valid"], true);
        assert_eq!(j["chain"]["kms_key_trusted"], true);
        assert_eq!(j["chain"]["kms_key"], KMS_ROOT);
        assert_eq!(j["signature_chain"].as_array().unwrap().len(), 3);
        let sig = j["signature"].as_str().unwrap().to_string();
        let pk = j["public_key"].as_str().unwrap().to_string();
        let vs = |data: &str, extra: &[&str], stdin: &[u8]| {
            let mut a = vec!["verify-signature", "--algorithm", alg, data, &sig, &pk];
            a.extend_from_slice(extra);
            run(&a, stdin, &[])
        };
        let o = vs("hello", &[], b"");
        assert_eq!(code(&o), 0, "{alg}: {}", both(&o));
        assert!(stdout(&o).starts_with(&format!("VALID {alg} signature")));
        let o = vs("hellO", &[], b"");
        assert_eq!(code(&o), 1, "{alg}: {}", both(&o));
        assert!(stdout(&o).starts_with("INVALID"));
        assert_eq!(
            json_ok(&vs("hellO", &["--json"], b""), 1),
            json!({"valid": false, "algorithm": alg, "public_key": pk.clone(), "checked_by": "local"})
        );
        assert_eq!(code(&vs("68656c6c6f", &["--hex"], b"")), 0);
        assert_eq!(code(&vs("-", &[], b"hello")), 0);
        // The agent's Verify RPC says the same.
        let ep = sim.dstack();
        assert_eq!(
            json_ok(
                &vs("hello", &["--agent", "--endpoint", &ep, "--json"], b""),
                0
            )["checked_by"],
            "agent"
        );
        assert_eq!(code(&vs("hellO", &["--agent", "--endpoint", &ep], b"")), 1);
        // The same data signed from standard input and as hex.
        let j2 = json_ok(
            &run(
                &["--endpoint", &ep, "sign", "--algorithm", alg, "-", "--json"],
                b"hello",
                &[],
            ),
            0,
        );
        assert_eq!(j2["public_key"], pk);
        assert_eq!(j2["valid"], true);
    }
    // secp256k1: the agent's 65-byte r‖s‖v form is accepted too.
    let j = json_ok(
        &at(&sim, &["sign", "--algorithm", "k256", "x", "--json"]),
        0,
    );
    let (sig, pk) = (
        j["signature"].as_str().unwrap(),
        j["public_key"].as_str().unwrap(),
    );
    let sig65 = if sig.len() == 130 {
        sig.to_string()
    } else {
        format!("{sig}00")
    };
    let o = run(
        &[
            "verify-signature",
            "--algorithm",
            "secp256k1",
            "x",
            &sig65,
            pk,
        ],
        b"",
        &[],
    );
    assert_eq!(code(&o), 0, "{}", both(&o));

    // Pre-hashed: 32 bytes of hex, the same signature as over the data.
    let digest = hex(&sha256(b"x"));
    let j2 = json_ok(
        &at(
            &sim,
            &[
                "sign",
                "--algorithm",
                "secp256k1_prehashed",
                "--hex",
                &digest,
                "--json",
            ],
        ),
        0,
    );
    assert_eq!(j2["valid"], true);
    assert_eq!(j2["public_key"], pk);
    let o = at(&sim, &["sign", "--algorithm", "secp256k1_prehashed", "x"]);
    assert_eq!(code(&o), 2, "{}", both(&o));
    assert!(stderr(&o).contains("32-byte digest"));

    // Human output, and a chain that does not end at the trusted key.
    let o = at(&sim, &["sign", "--algorithm", "ed25519", "hi"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("VERIFIED ed25519 signature over 2 bytes"));
    assert!(text(&o).contains("verified locally over the data"));
    let o = at(
        &sim,
        &[
            "sign",
            "--algorithm",
            "ed25519",
            "hi",
            "--kms-public-key",
            APP_KEY,
        ],
    );
    assert_eq!(code(&o), 1, "{}", both(&o));
    assert!(stdout(&o).starts_with("FAILED"));

    // Malformed signatures and keys are usage errors.
    for (sig, pk) in [("00", "00"), ("zz", "00"), (&"00".repeat(64)[..], "0011")] {
        let o = run(
            &["verify-signature", "--algorithm", "ed25519", "x", sig, pk],
            b"",
            &[],
        );
        assert_eq!(code(&o), 2, "{sig} {pk}: {}", both(&o));
    }
    // A legacy agent has no Sign.
    let legacy = Sim::legacy();
    let o = at(&legacy, &["sign", "--algorithm", "ed25519", "x"]);
    assert_eq!(code(&o), 4, "{}", both(&o));
}

#[test]
fn agent_failures_exit_4_with_the_clients_message() {
    // The agent's own error text.
    let (ep, dir) = fake_agent(
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{\"error\":\"boom!\"}\n",
    );
    for c in ["info", "key", "quote", "attest", "tls-key"] {
        let o = run(&[c, "--endpoint", &ep], b"", &[]);
        assert_eq!(code(&o), 4, "{c}: {}", both(&o));
        assert!(
            stderr(&o).starts_with("dstack: the agent returned an error: boom!"),
            "{c}: {}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }
    let _ = std::fs::remove_dir_all(dir);
    // An answer that is not JSON.
    let (ep, dir) = fake_agent(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nnot json");
    let o = run(&["info", "--endpoint", &ep], b"", &[]);
    assert_eq!(code(&o), 4, "{}", both(&o));
    assert!(stderr(&o).contains("malformed"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);

    // An agent that never answers: --timeout bounds the call.
    let dir = temp_dir("cli-hang");
    let path = dir.join("agent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let ep = path.display().to_string();
    let t = std::time::Instant::now();
    let o = run(&["--timeout", "200ms", "info", "--endpoint", &ep], b"", &[]);
    assert_eq!(code(&o), 4, "{}", both(&o));
    assert!(
        stderr(&o).contains("did not answer in time"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("200 ms"), "{}", stderr(&o));
    assert!(t.elapsed() < std::time::Duration::from_secs(2));
    let o = run(&["--timeout", "0.2", "quote", "--endpoint", &ep], b"", &[]);
    assert_eq!(code(&o), 4, "{}", both(&o));
    std::fs::remove_dir_all(dir).unwrap();

    // Usage errors come before any call.
    let o = run(
        &[
            "sign",
            "--algorithm",
            "ed25519",
            "--hex",
            "xyz",
            "--endpoint",
            "/nonexistent",
        ],
        b"",
        &[],
    );
    assert_eq!(code(&o), 2, "{}", both(&o));
}

#[test]
fn output_into_a_closed_pipe_is_not_a_crash() {
    let sim = Sim::start();
    let ep = sim.dstack();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dstack"))
        .args(["--endpoint", &ep, "quote", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}
