//! The `dstack` binary end to end: exit statuses, outputs, help, offline commands.

#[path = "../../verify/tests/common/mod.rs"]
mod common;

use common::*;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dstack(args: &[&str]) -> Output {
    dstack_stdin(args, b"")
}

fn dstack_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dstack"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The tool may exit before reading its input (usage errors): ignore a broken pipe.
    let _ = c.stdin.take().unwrap().write_all(stdin);
    c.wait_with_output().unwrap()
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

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn td(rel: &str) -> String {
    testdata(rel).display().to_string()
}

const NOW: &str = "1750809600";

fn temp_file(name: &str, data: &[u8]) -> String {
    let p = std::env::temp_dir().join(format!("dstack-cli-test-{}-{name}", std::process::id()));
    std::fs::write(&p, data).unwrap();
    p.display().to_string()
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["verify", "--help"],
        &["verify", "quote", "--help"],
        &["verify", "attestation", "--help"],
        &["verify", "cert", "--help"],
        &["compose-hash", "--help"],
        &["encrypt-env", "--help"],
    ] {
        let o = dstack(args);
        assert_eq!(code(&o), 0, "{args:?}");
        assert!(
            stdout(&o).contains("Usage: dstack"),
            "{args:?}: {}",
            stdout(&o)
        );
    }
    assert!(
        stdout(&dstack(&["verify", "cert", "--help"])).contains("--insecure-skip-intel-signature")
    );
    let o = dstack(&[]);
    assert_eq!(code(&o), 2);
    let o = dstack(&["verify", "quote"]);
    assert_eq!(code(&o), 2, "FILE is required");
}

#[test]
fn verify_real_quotes_with_collateral() {
    let col = td("dcap/tdx_quote_collateral.json");
    let o = dstack(&[
        "verify",
        "quote",
        &td("dcap/tdx_quote"),
        "--collateral",
        &col,
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("VERIFIED quote (TDX quote v4)"));
    assert!(stdout(&o).contains("UpToDate"));
    let o = dstack(&[
        "verify",
        "quote",
        &td("dcap/tdx_quote"),
        "--collateral",
        &col,
        "--now",
        NOW,
        "--json",
    ]);
    let j = json_out(&o);
    assert_eq!(
        (j["valid"].clone(), j["tcb_status"].clone()),
        (json!(true), json!("UpToDate"))
    );
    assert_eq!(j["quote_verified"], true);

    // Hex text on standard input reads the same.
    let hex_quote = format!("0x{}\n", hex::encode(read("dcap/tdx_quote")));
    let o = dstack_stdin(
        &["verify", "quote", "-", "--collateral", &col, "--now", NOW],
        hex_quote.as_bytes(),
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));

    // SGX: accepted only with --allow-status.
    let sgx = td("dcap/sgx_quote_collateral.json");
    let o = dstack(&[
        "verify",
        "quote",
        &td("dcap/sgx_quote"),
        "--collateral",
        &sgx,
        "--now",
        NOW,
        "--json",
    ]);
    assert_eq!(code(&o), 1);
    let j = json_out(&o);
    assert_eq!(
        (j["valid"].clone(), j["check"].clone()),
        (json!(false), json!("tcb_status"))
    );
    let o = dstack(&[
        "verify",
        "quote",
        &td("dcap/sgx_quote"),
        "--collateral",
        &sgx,
        "--now",
        NOW,
        "--allow-status",
        "ConfigurationAndSWHardeningNeeded",
        "--json",
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        json_out(&o)["advisory_ids"],
        json!(["INTEL-SA-00289", "INTEL-SA-00615"])
    );
    let o = dstack(&[
        "verify",
        "quote",
        &td("dcap/sgx_quote"),
        "--allow-status",
        "Sometimes",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("unknown TCB status"));
}

#[test]
fn verify_failures_name_the_check_and_the_values() {
    let col = td("dcap/tdx_quote_collateral.json");
    // Outside the collateral window (2026).
    let o = dstack(&[
        "verify",
        "quote",
        &td("dcap/tdx_quote"),
        "--collateral",
        &col,
        "--now",
        "1772323200",
    ]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.starts_with("FAILED collateral_validity:"), "{out}");
    assert!(
        out.contains("expected: a time from 2025-06-19T10:32:27Z"),
        "{out}"
    );
    assert!(out.contains("got:      2026-03-01T00:00:00Z"), "{out}");
    // A wrong challenge.
    let o = dstack(&[
        "verify",
        "quote",
        &td("dcap/tdx_quote"),
        "--collateral",
        &col,
        "--now",
        NOW,
        "--report-data",
        "0x1234",
        "--json",
    ]);
    assert_eq!(code(&o), 1);
    let j = json_out(&o);
    assert_eq!(j["check"], "report_data");
    assert!(j["expected"].as_str().unwrap().starts_with("1234000000"));
    // A truncated quote.
    let cut = temp_file("cut", &read("dcap/tdx_quote")[..700]);
    let o = dstack(&[
        "verify",
        "quote",
        &cut,
        "--collateral",
        &col,
        "--now",
        NOW,
        "--json",
    ]);
    assert_eq!(
        (code(&o), json_out(&o)["check"].clone()),
        (1, json!("quote_format"))
    );
    // No collateral and no opt-out.
    let o = dstack(&[
        "verify",
        "quote",
        &td("dcap/tdx_quote"),
        "--now",
        NOW,
        "--json",
    ]);
    assert_eq!(
        (code(&o), json_out(&o)["check"].clone()),
        (1, json!("collateral_missing"))
    );
    // Unreadable files are usage errors.
    let o = dstack(&["verify", "quote", "/nonexistent/quote"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read /nonexistent/quote"));
}

#[test]
fn pccs_option_is_checked_without_network() {
    let q = td("dcap/tdx_quote");
    let col = td("dcap/tdx_quote_collateral.json");
    let o = dstack(&[
        "verify",
        "quote",
        &q,
        "--pccs",
        "https://pccs.example",
        "--collateral",
        &col,
    ]);
    assert_eq!(code(&o), 2, "conflicting options");
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    let o = dstack(&[
        "verify",
        "quote",
        &q,
        "--pccs",
        "https://pccs.example",
        "--insecure-skip-intel-signature",
    ]);
    assert_eq!(code(&o), 2);
    for bad in ["pccs.example", "ftp://pccs.example", "https://"] {
        let o = dstack(&["verify", "quote", &q, "--pccs", bad]);
        assert_eq!(code(&o), 2, "{bad}");
        assert!(stderr(&o).contains("--pccs"), "{bad}: {}", stderr(&o));
    }
    // A closed loopback port: the fetch fails cleanly with status 3.
    let o = dstack(&[
        "verify",
        "quote",
        &q,
        "--pccs",
        "http://127.0.0.1:9",
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("fetching collateral from http://127.0.0.1:9 failed"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("/sgx/certification/v4/pckcrl?ca=platform"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn verify_simulator_evidence_with_and_without_the_dev_opt_out() {
    let sim = Sim::start();
    let gq = sim.call("GetQuote", json!({"report_data": hex::encode(b"hello")}));
    let f = temp_file("getquote.json", gq.to_string().as_bytes());
    let o = dstack(&["verify", "quote", &f, "--now", NOW, "--json"]);
    assert_eq!(
        (code(&o), json_out(&o)["check"].clone()),
        (1, json!("pck_chain_root"))
    );
    let o = dstack(&[
        "verify",
        "quote",
        &f,
        "--now",
        NOW,
        "--insecure-skip-intel-signature",
        "--report-data",
        &hex::encode(b"hello"),
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("NOT VERIFIED (--insecure-skip-intel-signature"));
    assert!(stderr(&o).contains("warning: --insecure-skip-intel-signature"));
    assert!(stdout(&o).contains("(matches)"));

    let att = sim.call("Attest", json!({"report_data": "00"}));
    let f = temp_file("attest.json", att.to_string().as_bytes());
    let o = dstack(&[
        "verify",
        "attestation",
        &f,
        "--now",
        NOW,
        "--insecure-skip-intel-signature",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let j = json_out(&o);
    assert_eq!(j["evidence"], "attestation_v1");
    assert_eq!(j["insecure_skip_intel_signature"], true);
    assert_eq!(j["intel_signature_verified"], false);
    let info = sim.call("Info", json!({}));
    assert_eq!(j["app_info"]["app_id"], info["app_id"]);

    let tls = sim.call(
        "GetTlsKey",
        json!({"subject": "s", "usage_ra_tls": true, "not_before": 1735689600u64, "not_after": 2082758400u64}),
    );
    let pem: String = tls["certificate_chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let f = temp_file("cert.pem", pem.as_bytes());
    let o = dstack(&[
        "verify",
        "cert",
        &f,
        "--now",
        NOW,
        "--insecure-skip-intel-signature",
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).starts_with("VERIFIED RA-TLS certificate"));
    assert!(stdout(&o).contains("RTMR3"));
    let o = dstack(&[
        "verify",
        "cert",
        &f,
        "--now",
        "2082758401",
        "--insecure-skip-intel-signature",
        "--json",
    ]);
    assert_eq!(
        (code(&o), json_out(&o)["check"].clone()),
        (1, json!("certificate_validity"))
    );
    let o = dstack(&["verify", "cert", &f, "--report-data", "00"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn compose_hash_modes() {
    use sha2::{Digest, Sha256};
    let path = td("fixtures/simulator_app-compose.json");
    let raw = read("fixtures/simulator_app-compose.json");
    let o = dstack(&["compose-hash", &path]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o).trim(), hex::encode(Sha256::digest(&raw)));
    let f = temp_file("compose.json", br#"{ "b": 1, "a": [true, null] }"#);
    let o = dstack(&["compose-hash", &f, "--mode", "canonical", "--json"]);
    assert_eq!(code(&o), 0);
    let want = hex::encode(Sha256::digest(br#"{"a":[true,null],"b":1}"#));
    assert_eq!(json_out(&o)["compose_hash"], want);
    let o = dstack_stdin(&["compose-hash", "-", "--mode", "canonical"], b"{not json");
    assert_eq!(code(&o), 2);
}

#[test]
fn encrypt_env_output_decrypts_to_the_variables() {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    let secret = x25519_dalek::StaticSecret::from([5u8; 32]);
    let public = hex::encode(x25519_dalek::PublicKey::from(&secret).as_bytes());
    let env = b"# comment\nFOO=bar\nexport QUOTED=\"a b\"\n\nEMPTY=\n";
    let o = dstack_stdin(
        &["encrypt-env", "--kms-public-key", &format!("0x{public}")],
        env,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let ct = hex::decode(stdout(&o).trim()).unwrap();
    let eph = x25519_dalek::PublicKey::from(<[u8; 32]>::try_from(&ct[..32]).unwrap());
    let key = secret.diffie_hellman(&eph);
    let cipher = aes_gcm::Aes256Gcm::new(key.as_bytes().into());
    let (body, tag) = ct[44..].split_at(ct.len() - 44 - 16);
    let mut pt = body.to_vec();
    cipher
        .decrypt_in_place_detached(
            aes_gcm::Nonce::from_slice(&ct[32..44]),
            b"",
            &mut pt,
            tag.into(),
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(pt).unwrap(),
        r#"{"env":[{"key":"FOO","value":"bar"},{"key":"QUOTED","value":"a b"},{"key":"EMPTY","value":""}]}"#
    );
    // --json (global): the same ciphertext format in {"encrypted_env": hex}.
    let o = dstack_stdin(&["--json", "encrypt-env", "--kms-public-key", &public], env);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json_out(&o);
    assert_eq!(j.as_object().unwrap().len(), 1);
    assert_eq!(
        hex::decode(j["encrypted_env"].as_str().unwrap())
            .unwrap()
            .len(),
        ct.len()
    );
    let o = dstack_stdin(&["encrypt-env", "--kms-public-key", "abcd"], env);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--kms-public-key"));
    let o = dstack_stdin(
        &["encrypt-env", "--kms-public-key", &public],
        b"NOT A LINE\n",
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("line 1"));
}
