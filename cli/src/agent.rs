//! The agent commands: `info`, `key`, `quote`, `attest`, `tls-key`, `sign`,
//! `verify-signature`, over the `libdstack` client.
//!
//! Every command builds one [`DstackClient`] from the global `--endpoint` / `--timeout`,
//! makes its calls, checks locally what can be checked (signature chains, event-log
//! replay, signatures) and prints the result as rows or, with `--json`, one JSON object.
//! Key material is printed or written only when asked (`--show-secret`, `--out-key`).

use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use dstack_verify as dv;
use libdstack::{
    DstackClient, ErrorKind, GetKeyResponse, HexBytes, SecretString, SignResponse, TlsKeyConfig,
};
use serde_json::{json, Value};

use crate::Fail;

/// Exit status: a check failed (chain, replay, signature).
pub const EXIT_VERIFY: u8 = 1;
/// Exit status: usage or input error (nothing was sent to the agent).
pub const EXIT_USAGE: u8 = 2;
/// Exit status: the agent call failed (unreachable, timed out, refused, malformed answer,
/// agent too old for the request).
pub const EXIT_AGENT: u8 = 4;

/// The global options the agent commands use.
pub struct Conn {
    pub endpoint: Option<String>,
    pub timeout: Option<Duration>,
    pub json: bool,
}

impl Conn {
    fn client(&self) -> Result<DstackClient, Fail> {
        let c = DstackClient::try_new(self.endpoint.as_deref())
            .map_err(|e| Fail(EXIT_USAGE, format!("--endpoint: {}", e.message())))?;
        Ok(match self.timeout {
            Some(t) => c.with_timeout(t),
            None => c,
        })
    }
}

/// `--timeout`: seconds (`2`, `0.5`, `2s`) or milliseconds (`500ms`), more than 0.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, scale) = match t.strip_suffix("ms") {
        Some(n) => (n, 0.001),
        None => (t.strip_suffix('s').unwrap_or(t), 1.0),
    };
    let secs = num
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v * scale)
        .ok_or_else(|| format!("{s:?} is not a duration (e.g. 3, 0.5, 500ms)"))?;
    if !(0.001..=3600.0).contains(&secs) {
        return Err(format!(
            "{s:?} is out of range (1 ms to 3600 s; the default is 3 s)"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A failed client call as the tool's failure: the client's message, with the exit status
/// of its category.
fn agent_fail(e: libdstack::Error) -> Fail {
    match e.kind() {
        ErrorKind::InvalidArgument
        | ErrorKind::InvalidHex
        | ErrorKind::LimitExceeded
        | ErrorKind::NullArgument => Fail(EXIT_USAGE, e.message().to_string()),
        ErrorKind::VerificationFailed | ErrorKind::Expired => {
            Fail(EXIT_VERIFY, e.message().to_string())
        }
        kind => {
            let mut m = format!("{kind}: {}", e.message());
            if kind == ErrorKind::NoAgent {
                m.push_str(
                    "\n(is this a dstack CVM? give the agent's socket or http:// URL with \
                     --endpoint or DSTACK_SIMULATOR_ENDPOINT)",
                );
            }
            Fail(EXIT_AGENT, m)
        }
    }
}

fn hex(b: &[u8]) -> String {
    HexBytes::from(b).to_hex()
}

fn parse_hex(option: &str, text: &str) -> Result<Vec<u8>, Fail> {
    dv::input::hex_text(text).map_err(|e| Fail(EXIT_USAGE, format!("{option}: {}", e.message)))
}

fn report_data(arg: &Option<String>) -> Result<Vec<u8>, Fail> {
    let rd = match arg {
        Some(h) => parse_hex("--report-data", h)?,
        None => Vec::new(),
    };
    if rd.len() > 64 {
        return Err(Fail(
            EXIT_USAGE,
            format!("--report-data is {} bytes; at most 64", rd.len()),
        ));
    }
    Ok(rd)
}

/// A 33-byte compressed secp256k1 KMS key given on the command line.
fn kms_key(arg: &Option<String>) -> Result<Option<Vec<u8>>, Fail> {
    let Some(h) = arg else { return Ok(None) };
    let k = parse_hex("--kms-public-key", h)?;
    if k.len() != 33 || !matches!(k[0], 2 | 3) {
        return Err(Fail(
            EXIT_USAGE,
            format!(
                "--kms-public-key must be a 33-byte compressed secp256k1 key (02… or 03…), got {} bytes",
                k.len()
            ),
        ));
    }
    Ok(Some(k))
}

/// The data of `sign` / `verify-signature`: the text, hex with `--hex`, standard input for
/// `-`.
fn data_arg(data: &str, is_hex: bool) -> Result<Vec<u8>, Fail> {
    let raw = if data == "-" {
        let mut d = Vec::new();
        std::io::stdin()
            .read_to_end(&mut d)
            .map_err(|e| Fail(EXIT_USAGE, format!("cannot read standard input: {e}")))?;
        d
    } else {
        data.as_bytes().to_vec()
    };
    if is_hex {
        let text = String::from_utf8(raw)
            .map_err(|_| Fail(EXIT_USAGE, "DATA: not hex (not even text)".into()))?;
        parse_hex("DATA", &text)
    } else {
        Ok(raw)
    }
}

fn print_json(v: &Value) {
    outln!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// One `  name   value` line of the human output.
fn row(s: &mut String, k: &str, v: impl std::fmt::Display) {
    let _ = writeln!(s, "  {k:<20} {v}");
}

fn or_none(b: &[u8]) -> String {
    if b.is_empty() {
        "(none)".into()
    } else {
        hex(b)
    }
}

fn text_or_none(t: &str) -> &str {
    if t.is_empty() {
        "(none)"
    } else {
        t
    }
}

/// JSON text from the agent as a JSON value (`null` when empty, the string when it does
/// not parse).
fn embedded_json(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// Writes key material to `path`, readable by its owner only (mode 0600, also when the
/// file existed).
fn write_secret(path: &str, data: &[u8]) -> Result<(), Fail> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let fail = |e: std::io::Error| Fail(EXIT_USAGE, format!("cannot write {path}: {e}"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(fail)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(fail)?;
    f.write_all(data).map_err(fail)
}

fn write_public(path: &str, data: &[u8]) -> Result<(), Fail> {
    std::fs::write(Path::new(path), data)
        .map_err(|e| Fail(EXIT_USAGE, format!("cannot write {path}: {e}")))
}

fn exit(valid: bool) -> ExitCode {
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_VERIFY)
    }
}

// ---------------------------------------------------------------------------------------
// info

#[derive(Args)]
#[command(
    after_help = "What the agent states about the app, unattested: it arrives over the \
    local socket. Verify a quote (`dstack quote`, `dstack verify quote`) to trust any of it.\n\
    Exit status: 0 success, 2 usage error, 4 the agent call failed."
)]
pub struct InfoArgs {}

pub fn info(conn: &Conn, _a: InfoArgs) -> Result<ExitCode, Fail> {
    let client = conn.client()?;
    let info = client.info().map_err(agent_fail)?;
    // Older agents have no Version RPC: the version is then unknown, not an error.
    let version = client.version().ok();
    let t = &info.tcb_info;
    let events = t.decode_event_log().map(|e| e.len()).ok();
    if conn.json {
        let mut tcb = embedded_json(&t.json);
        if let Value::Object(m) = &mut tcb {
            if let Some(Value::String(log)) = m.get("event_log") {
                let parsed = embedded_json(log);
                m.insert("event_log".into(), parsed);
            }
        }
        print_json(&json!({
            "endpoint": client.endpoint(),
            "agent_version": version.as_ref().map(|v| json!({"version": v.version, "rev": v.rev})),
            "app_id": info.app_id.to_hex(),
            "instance_id": info.instance_id.to_hex(),
            "app_name": info.app_name,
            "device_id": info.device_id.to_hex(),
            "compose_hash": info.compose_hash.to_hex(),
            "os_image_hash": info.os_image_hash.to_hex(),
            "mr_aggregated": info.mr_aggregated.to_hex(),
            "key_provider_info": embedded_json(&info.key_provider_info),
            "vm_config": embedded_json(&info.vm_config),
            "cloud_vendor": info.cloud_vendor,
            "cloud_product": info.cloud_product,
            "app_cert": info.app_cert,
            "tcb_info": tcb,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "app {:?} (from the agent, unattested: verify a quote to trust it)",
        info.app_name
    );
    row(&mut s, "app_id", or_none(&info.app_id));
    row(&mut s, "instance_id", or_none(&info.instance_id));
    row(&mut s, "compose_hash", or_none(&info.compose_hash));
    row(&mut s, "os_image_hash", or_none(&info.os_image_hash));
    row(&mut s, "device_id", or_none(&info.device_id));
    row(&mut s, "mr_aggregated", or_none(&info.mr_aggregated));
    row(
        &mut s,
        "key provider",
        text_or_none(&info.key_provider_info),
    );
    if !info.cloud_vendor.is_empty() || !info.cloud_product.is_empty() {
        row(
            &mut s,
            "cloud",
            format!("{} / {}", info.cloud_vendor, info.cloud_product),
        );
    }
    if t.is_published() {
        let _ = writeln!(s, "measurements");
        row(&mut s, "MRTD", hex(&t.mrtd));
        for (i, r) in [&t.rtmr0, &t.rtmr1, &t.rtmr2, &t.rtmr3].iter().enumerate() {
            row(&mut s, &format!("RTMR{i}"), hex(r));
        }
        row(
            &mut s,
            "event log",
            match events {
                Some(n) => format!("{n} events"),
                None => "(does not parse)".into(),
            },
        );
    } else {
        row(
            &mut s,
            "measurements",
            "(the app does not publish its TCB info)",
        );
    }
    let _ = writeln!(s, "agent");
    row(&mut s, "endpoint", client.endpoint());
    row(
        &mut s,
        "version",
        match &version {
            Some(v) => format!("{} (rev {})", v.version, text_or_none(&v.rev)),
            None => "unknown (no Version RPC: an agent before v0.5.7)".into(),
        },
    );
    out!("{s}");
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------
// signature chains (key, sign)

/// The outcome of checking a chain, for both outputs.
struct ChainCheck {
    app_id: Vec<u8>,
    app_id_from_agent: bool,
    trusted: bool,
    result: Result<libdstack::verify::ChainInfo, String>,
    /// The KMS key the chain recovers to, when it recovers but is not the trusted one.
    other_kms_key: Option<String>,
}

impl ChainCheck {
    fn run(
        client: &DstackClient,
        app_id: &Option<String>,
        trusted: Option<&[u8]>,
        verify: impl Fn(&[u8], Option<&[u8]>) -> libdstack::Result<libdstack::verify::ChainInfo>,
    ) -> Result<ChainCheck, Fail> {
        let (app_id, from_agent) = match app_id {
            Some(h) => (parse_hex("--app-id", h)?, false),
            None => (client.info().map_err(agent_fail)?.app_id.to_vec(), true),
        };
        let mut other = None;
        let result = match verify(&app_id, trusted) {
            Ok(c) => Ok(c),
            Err(e) if e.kind() == ErrorKind::VerificationFailed => {
                // Say which KMS key the chain does end at, when it recovers at all.
                if let (Some(t), Ok(c)) = (trusted, verify(&app_id, None)) {
                    if c.kms_key.as_bytes() != t {
                        other = Some(c.kms_key.to_hex());
                    }
                }
                Err(match other {
                    Some(_) => "the chain does not lead to the trusted KMS key \
                                (--kms-public-key) for this app id"
                        .to_string(),
                    None => e.message().to_string(),
                })
            }
            Err(e) => return Err(agent_fail(e)),
        };
        Ok(ChainCheck {
            app_id,
            app_id_from_agent: from_agent,
            trusted: trusted.is_some(),
            result,
            other_kms_key: other,
        })
    }

    fn valid(&self) -> bool {
        self.result.is_ok()
    }

    fn json(&self, trusted_key: Option<&[u8]>) -> Value {
        let mut v = json!({
            "valid": self.valid(),
            "app_id": hex(&self.app_id),
            "app_id_source": if self.app_id_from_agent { "agent" } else { "argument" },
            "kms_key_trusted": self.trusted && self.valid(),
        });
        match &self.result {
            Ok(c) => {
                v["app_key"] = json!(c.app_key.to_hex());
                v["kms_key"] = json!(c.kms_key.to_hex());
            }
            Err(m) => {
                v["message"] = json!(m);
                if let (Some(t), Some(got)) = (trusted_key, &self.other_kms_key) {
                    v["expected_kms_key"] = json!(hex(t));
                    v["kms_key"] = json!(got);
                }
            }
        }
        v
    }

    fn human(&self, s: &mut String, trusted_key: Option<&[u8]>) {
        let source = if self.app_id_from_agent {
            " (from the agent's Info, unattested; --app-id gives a trusted one)"
        } else {
            " (--app-id)"
        };
        match &self.result {
            Ok(c) => {
                row(s, "signature chain", "verified");
                row(s, "  app id", format!("{}{source}", hex(&self.app_id)));
                row(s, "  app key", c.app_key.to_hex());
                let note = if self.trusted {
                    " (the trusted key, --kms-public-key)"
                } else {
                    " (NOT compared with a trusted key: pass --kms-public-key)"
                };
                row(s, "  KMS key", format!("{}{note}", c.kms_key));
            }
            Err(m) => {
                row(s, "signature chain", format!("FAILED: {m}"));
                row(s, "  app id", format!("{}{source}", hex(&self.app_id)));
                if let (Some(t), Some(got)) = (trusted_key, &self.other_kms_key) {
                    row(s, "  expected KMS key", hex(t));
                    row(s, "  got KMS key", got);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// key

#[derive(Args)]
#[command(
    after_help = "Prints the public key, its address and the signature chain, checked \
    up to the KMS key (with --kms-public-key, up to that trusted key). The private key is \
    printed (--show-secret) or written (--out-key, mode 0600) only when asked, and only when \
    the chain verified.\n\
    Exit status: 0 the chain verified, 1 it did not, 2 usage error, 4 the agent call failed."
)]
pub struct KeyArgs {
    /// The key path: the same path gives the same key to the same app.
    #[arg(default_value = "")]
    path: String,
    /// The purpose: bound into the signature chain (it does not change the key).
    #[arg(long, default_value = "")]
    purpose: String,
    /// The key algorithm (ed25519 needs agent v0.5.7+) [default: secp256k1].
    #[arg(long, value_parser = ["secp256k1", "k256", "ed25519"])]
    algorithm: Option<String>,
    /// The KMS root key you trust (33-byte compressed secp256k1, hex): the chain must end
    /// at it.
    #[arg(long, value_name = "HEX")]
    kms_public_key: Option<String>,
    /// The app id the chain must bind, hex [default: the agent's Info, unattested].
    #[arg(long, value_name = "HEX")]
    app_id: Option<String>,
    /// Print the private key (hex).
    #[arg(long)]
    show_secret: bool,
    /// Write the private key (hex) to FILE, mode 0600.
    #[arg(long, value_name = "FILE")]
    out_key: Option<String>,
}

pub fn key(conn: &Conn, a: KeyArgs) -> Result<ExitCode, Fail> {
    let trusted = kms_key(&a.kms_public_key)?;
    if let Some(h) = &a.app_id {
        parse_hex("--app-id", h)?;
    }
    let client = conn.client()?;
    let algorithm = a.algorithm.as_deref().unwrap_or("");
    let key: GetKeyResponse = client
        .get_key_with_algorithm(a.path.as_str(), a.purpose.as_str(), algorithm)
        .map_err(agent_fail)?;
    let public_key = key.public_key().map_err(agent_fail)?;
    let ed25519 = key.algorithm == "ed25519";
    let address = if ed25519 {
        ("solana_address", key.to_solana_keypair().map(|k| k.address))
    } else {
        ("ethereum_address", key.to_ethereum_address())
    };
    let address = (address.0, address.1.map_err(agent_fail)?);
    let chain = ChainCheck::run(&client, &a.app_id, trusted.as_deref(), |app, t| {
        key.verify_signature_chain(app, t)
    })?;
    let valid = chain.valid();
    if valid {
        if let Some(path) = &a.out_key {
            let line = SecretString::new(format!("{}\n", key.key.to_hex().as_str()));
            write_secret(path, line.as_bytes())?;
        }
    }
    let shown = valid && a.show_secret;
    let withheld = if !valid {
        "withheld: the signature chain did not verify"
    } else if a.show_secret {
        ""
    } else if a.out_key.is_some() {
        "written to --out-key (mode 0600), not printed"
    } else {
        "withheld (--show-secret prints it; --out-key FILE writes it, mode 0600)"
    };
    if conn.json {
        let mut v = json!({
            "valid": valid,
            "path": a.path,
            "purpose": key.purpose,
            "algorithm": key.algorithm,
            "public_key": public_key.to_hex(),
            "signature_chain": key.signature_chain.iter().map(|s| s.to_hex()).collect::<Vec<_>>(),
            "chain": chain.json(trusted.as_deref()),
            "key_withheld": !shown,
        });
        v[address.0] = json!(address.1);
        if shown {
            v["key"] = json!(key.key.to_hex().as_str());
        }
        if valid {
            if let Some(p) = &a.out_key {
                v["key_file"] = json!(p);
            }
        }
        print_json(&v);
        return Ok(exit(valid));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} key {} for path {:?}, purpose {:?}",
        if valid { "VERIFIED" } else { "FAILED" },
        key.algorithm,
        a.path,
        key.purpose
    );
    row(&mut s, "public key", &public_key);
    row(
        &mut s,
        if ed25519 {
            "solana address"
        } else {
            "ethereum address"
        },
        &address.1,
    );
    if shown {
        row(&mut s, "private key", key.key.to_hex().as_str());
    } else {
        row(&mut s, "private key", withheld);
    }
    chain.human(&mut s, trusted.as_deref());
    // The text may hold the key: wiped when dropped.
    let s = SecretString::new(s);
    out!("{}", s.as_str());
    Ok(exit(valid))
}

// ---------------------------------------------------------------------------------------
// quote

#[derive(Args)]
#[command(
    after_help = "The quote's Intel signature is not checked here: pipe the JSON output \
    into `dstack verify quote -` for the full verification (the event log and the app \
    identity with it).\n\
    Exit status: 0 success (with --verify-event-log: the log replayed), 1 the event log did \
    not replay to the quote, 2 usage error, 4 the agent call failed."
)]
pub struct QuoteArgs {
    /// The report data to bind, hex (0 to 64 bytes; the agent pads it with zeros).
    #[arg(long, value_name = "HEX")]
    report_data: Option<String>,
    /// Replay the event log (soundly) and check it reproduces the quote's RTMR0..3 and its
    /// report data.
    #[arg(long)]
    verify_event_log: bool,
}

fn quote_summary(q: &[u8]) -> String {
    match libdstack::verify::Quote::parse(q) {
        Ok(p) => format!(
            "TDX v{}, {} bytes (Intel signature not checked here: `dstack verify quote`)",
            p.version,
            q.len()
        ),
        Err(e) => format!("{} bytes (does not parse: {})", q.len(), e.message()),
    }
}

pub fn quote(conn: &Conn, a: QuoteArgs) -> Result<ExitCode, Fail> {
    let rd = report_data(&a.report_data)?;
    let client = conn.client()?;
    let q = client.get_quote(&rd).map_err(agent_fail)?;
    let replay = a
        .verify_event_log
        .then(|| q.verify_event_log().map_err(|e| e.message().to_string()));
    let valid = !matches!(replay, Some(Err(_)));
    if conn.json {
        // The GetQuote answer's shape, which `dstack verify quote -` reads.
        let mut v = json!({
            "quote": q.quote.to_hex(),
            "event_log": q.event_log,
            "report_data": q.report_data.to_hex(),
            "vm_config": q.vm_config,
        });
        if !q.attestation.is_empty() {
            v["attestation"] = json!(q.attestation.to_hex());
        }
        match &replay {
            Some(Ok(())) => v["event_log_verified"] = json!(true),
            Some(Err(m)) => {
                v["event_log_verified"] = json!(false);
                v["message"] = json!(m);
            }
            None => {}
        }
        print_json(&v);
        return Ok(exit(valid));
    }
    let mut s = String::new();
    let _ = writeln!(s, "GetQuote answer");
    row(&mut s, "quote", quote_summary(&q.quote));
    let parsed = libdstack::verify::Quote::parse(&q.quote).ok();
    let quoted_rd = parsed
        .as_ref()
        .map(|p| p.report_data.to_vec())
        .unwrap_or_else(|| q.report_data.to_vec());
    row(&mut s, "report data", or_none(&quoted_rd));
    if let Some(p) = &parsed {
        row(&mut s, "MRTD", &p.mrtd);
        for (i, r) in p.rtmrs.iter().enumerate() {
            row(&mut s, &format!("RTMR{i}"), r);
        }
    }
    row(
        &mut s,
        "event log",
        match q.decode_event_log() {
            Ok(e) => format!("{} events", e.len()),
            Err(e) => format!("does not parse: {}", e.message()),
        },
    );
    match &replay {
        Some(Ok(())) => row(
            &mut s,
            "event log replay",
            "verified: the log reproduces RTMR0..3 and the report data matches",
        ),
        Some(Err(m)) => row(&mut s, "event log replay", format!("FAILED: {m}")),
        None => row(
            &mut s,
            "event log replay",
            "not checked (--verify-event-log)",
        ),
    }
    let _ = writeln!(
        s,
        "(`dstack quote --json | dstack verify quote -` verifies the quote and the app identity)"
    );
    out!("{s}");
    Ok(exit(valid))
}

// ---------------------------------------------------------------------------------------
// attest

#[derive(Args)]
#[command(
    after_help = "Nothing is verified here: pipe the JSON output into `dstack verify \
    attestation -`.\nExit status: 0 success, 2 usage error, 4 the agent call failed."
)]
pub struct AttestArgs {
    /// The report data to bind, hex (0 to 64 bytes; the agent pads it with zeros).
    #[arg(long, value_name = "HEX")]
    report_data: Option<String>,
}

pub fn attest(conn: &Conn, a: AttestArgs) -> Result<ExitCode, Fail> {
    let rd = report_data(&a.report_data)?;
    let client = conn.client()?;
    let r = client.attest(&rd).map_err(agent_fail)?;
    if conn.json {
        print_json(&json!({ "attestation": r.attestation.to_hex() }));
        return Ok(ExitCode::SUCCESS);
    }
    let mut s = String::new();
    let _ = writeln!(s, "Attest answer");
    match dv::attestation::decode(&r.attestation) {
        Ok(d) => {
            let format = match d.format {
                dv::attestation::Format::V0Scale => "V0 SCALE",
                dv::attestation::Format::V1Msgpack => "V1 msgpack",
            };
            row(
                &mut s,
                "attestation",
                format!("{format}, {} bytes", r.attestation.len()),
            );
            row(&mut s, "stack", text_or_none(&d.stack));
            row(&mut s, "report data", hex(&d.report_data));
            row(&mut s, "quote", quote_summary(&d.quote));
            row(
                &mut s,
                "events",
                format!(
                    "{} TDX events, {} runtime events",
                    d.event_log.len(),
                    d.runtime_events.len()
                ),
            );
        }
        Err(e) => row(
            &mut s,
            "attestation",
            format!(
                "{} bytes (does not decode: {})",
                r.attestation.len(),
                e.message
            ),
        ),
    }
    let _ = writeln!(
        s,
        "(`dstack attest --json | dstack verify attestation -` verifies it)"
    );
    out!("{s}");
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------
// tls-key

#[derive(Args)]
#[command(
    after_help = "The agent makes a fresh P-256 key and a certificate for it. Without \
    --server or --client the certificate is for server authentication. The private key \
    (PEM PKCS#8) is printed (--show-secret) or written (--out-key, mode 0600) only when asked; \
    the certificate chain is printed (or written with --out-cert).\n\
    Exit status: 0 success, 2 usage error, 4 the agent call failed."
)]
pub struct TlsKeyArgs {
    /// The certificate's subject common name.
    #[arg(long, value_name = "S", default_value = "")]
    subject: String,
    /// A subject alternative name (repeat for more).
    #[arg(long = "alt-name", value_name = "N")]
    alt_names: Vec<String>,
    /// Embed an RA-TLS attestation (check it with `dstack verify cert`).
    #[arg(long)]
    ra_tls: bool,
    /// For server authentication.
    #[arg(long)]
    server: bool,
    /// For client authentication.
    #[arg(long)]
    client: bool,
    /// Embed the app-info extension (agent v0.5.7+).
    #[arg(long)]
    app_info: bool,
    /// Validity start, Unix seconds (agent v0.5.7+).
    #[arg(long, value_name = "UNIX_TIME")]
    not_before: Option<u64>,
    /// Validity end, Unix seconds (agent v0.5.7+).
    #[arg(long, value_name = "UNIX_TIME")]
    not_after: Option<u64>,
    /// Print the private key (PEM).
    #[arg(long)]
    show_secret: bool,
    /// Write the private key (PEM) to FILE, mode 0600.
    #[arg(long, value_name = "FILE")]
    out_key: Option<String>,
    /// Write the certificate chain (PEM, leaf first) to FILE instead of printing it.
    #[arg(long, value_name = "FILE")]
    out_cert: Option<String>,
}

/// What the leaf certificate says.
fn leaf_json(pem: &str) -> Value {
    use x509_parser::prelude::*;
    let der = match dv::input::certificate_der(pem.as_bytes()) {
        Ok(d) => d,
        Err(e) => return json!({ "error": e.message }),
    };
    let cert = match X509Certificate::from_der(&der) {
        Ok((_, c)) => c,
        Err(e) => return json!({ "error": format!("not an X.509 certificate: {e}") }),
    };
    let mut alt = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => alt.push(d.to_string()),
                GeneralName::IPAddress(ip) => alt.push(match ip.len() {
                    4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).unwrap_or_default())
                        .to_string(),
                    16 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).unwrap_or_default())
                        .to_string(),
                    _ => hex(ip),
                }),
                other => alt.push(other.to_string()),
            }
        }
    }
    let mut usage = Vec::new();
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        if eku.value.server_auth {
            usage.push("server_auth");
        }
        if eku.value.client_auth {
            usage.push("client_auth");
        }
    }
    // The attestation extension, or the legacy quote extension (dstack-verify's OIDs).
    let ra_tls = cert.extensions().iter().any(|e| {
        matches!(
            e.oid.to_id_string().as_str(),
            "1.3.6.1.4.1.62397.1.8" | "1.3.6.1.4.1.62397.1.1"
        )
    });
    let v = cert.validity();
    json!({
        "subject": cert.subject().to_string(),
        "issuer": cert.issuer().to_string(),
        "not_before": v.not_before.timestamp(),
        "not_after": v.not_after.timestamp(),
        "alt_names": alt,
        "extended_key_usage": usage,
        "ra_tls": ra_tls,
    })
}

pub fn tls_key(conn: &Conn, a: TlsKeyArgs) -> Result<ExitCode, Fail> {
    let mut config = TlsKeyConfig::builder()
        .subject(a.subject.as_str())
        .alt_names(a.alt_names.iter().map(String::as_str))
        .usage_ra_tls(a.ra_tls)
        .with_app_info(a.app_info);
    if a.server || a.client {
        config = config
            .usage_server_auth(a.server)
            .usage_client_auth(a.client);
    }
    if let Some(t) = a.not_before {
        config = config.not_before(t);
    }
    if let Some(t) = a.not_after {
        config = config.not_after(t);
    }
    let client = conn.client()?;
    let r = client.get_tls_key(config.build()).map_err(agent_fail)?;
    let chain_pem: String = r
        .certificate_chain
        .iter()
        .map(|c| {
            let mut c = c.trim_end().to_string();
            c.push('\n');
            c
        })
        .collect();
    if let Some(p) = &a.out_key {
        write_secret(p, r.key.as_bytes())?;
    }
    if let Some(p) = &a.out_cert {
        write_public(p, chain_pem.as_bytes())?;
    }
    let leaf = r
        .certificate_chain
        .first()
        .map(|c| leaf_json(c))
        .unwrap_or(Value::Null);
    if conn.json {
        let mut v = json!({
            "certificate_chain": r.certificate_chain,
            "leaf": leaf,
            "key_withheld": !a.show_secret,
        });
        if a.show_secret {
            v["key"] = json!(r.key.as_str());
        }
        if let Some(p) = &a.out_key {
            v["key_file"] = json!(p);
        }
        if let Some(p) = &a.out_cert {
            v["certificate_file"] = json!(p);
        }
        print_json(&v);
        return Ok(ExitCode::SUCCESS);
    }
    let mut s = String::new();
    let _ = writeln!(s, "TLS key (P-256)");
    let key_line = if a.show_secret {
        "printed below".to_string()
    } else if let Some(p) = &a.out_key {
        format!("written to {p} (mode 0600), not printed")
    } else {
        "withheld (--show-secret prints it; --out-key FILE writes it, mode 0600)".to_string()
    };
    row(&mut s, "private key", key_line);
    let str_of = |v: &Value| v.as_str().unwrap_or("").to_string();
    if let Some(e) = leaf.get("error") {
        row(
            &mut s,
            "certificate",
            format!("does not parse: {}", str_of(e)),
        );
    } else if !leaf.is_null() {
        row(&mut s, "subject", str_of(&leaf["subject"]));
        row(&mut s, "issuer", str_of(&leaf["issuer"]));
        let t = |k: &str| {
            leaf[k]
                .as_i64()
                .and_then(|t| u64::try_from(t).ok())
                .map(dv::format_unix)
                .unwrap_or_default()
        };
        row(
            &mut s,
            "valid",
            format!("{} to {}", t("not_before"), t("not_after")),
        );
        let list = |k: &str| {
            let items: Vec<String> = leaf[k]
                .as_array()
                .map(|a| a.iter().map(str_of).collect())
                .unwrap_or_default();
            if items.is_empty() {
                "(none)".to_string()
            } else {
                items.join(", ")
            }
        };
        row(&mut s, "alt names", list("alt_names"));
        row(&mut s, "key usage", list("extended_key_usage"));
        row(
            &mut s,
            "RA-TLS",
            if leaf["ra_tls"] == json!(true) {
                "yes (`dstack verify cert` checks it)"
            } else {
                "no"
            },
        );
    }
    row(
        &mut s,
        "chain",
        match &a.out_cert {
            Some(p) => format!("{} certificates, written to {p}", r.certificate_chain.len()),
            None => format!("{} certificates, below", r.certificate_chain.len()),
        },
    );
    out!("{s}");
    if a.out_cert.is_none() {
        out!("{chain_pem}");
    }
    if a.show_secret {
        outln!("{}", r.key.as_str().trim_end());
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------
// sign, verify-signature

const SIGN_ALGORITHMS: [&str; 4] = ["ed25519", "secp256k1", "k256", "secp256k1_prehashed"];

#[derive(Args)]
#[command(
    after_help = "DATA is text, hex with --hex, or `-` for standard input. The agent signs \
    with the app's `signing` key (secp256k1: ECDSA over SHA-256(DATA), 65 bytes r‖s‖v; \
    secp256k1_prehashed: DATA is the 32-byte digest; ed25519: 64 bytes). The signature is \
    checked locally, and its key's chain up to the KMS key (with --kms-public-key, up to that \
    trusted key).\n\
    Exit status: 0 the signature and the chain verified, 1 they did not, 2 usage error, \
    4 the agent call failed (Sign needs agent v0.5.7+)."
)]
pub struct SignArgs {
    /// The algorithm.
    #[arg(long, value_parser = SIGN_ALGORITHMS)]
    algorithm: String,
    /// The data to sign.
    data: String,
    /// DATA is hex (0x optional).
    #[arg(long)]
    hex: bool,
    /// The KMS root key you trust (33-byte compressed secp256k1, hex): the signing key's
    /// chain must end at it.
    #[arg(long, value_name = "HEX")]
    kms_public_key: Option<String>,
    /// The app id the chain must bind, hex [default: the agent's Info, unattested].
    #[arg(long, value_name = "HEX")]
    app_id: Option<String>,
}

pub fn sign(conn: &Conn, a: SignArgs) -> Result<ExitCode, Fail> {
    let trusted = kms_key(&a.kms_public_key)?;
    if let Some(h) = &a.app_id {
        parse_hex("--app-id", h)?;
    }
    let data = data_arg(&a.data, a.hex)?;
    if a.algorithm == "secp256k1_prehashed" && data.len() != 32 {
        return Err(Fail(
            EXIT_USAGE,
            format!(
                "secp256k1_prehashed signs a 32-byte digest; DATA is {} bytes (use --hex)",
                data.len()
            ),
        ));
    }
    let client = conn.client()?;
    let r: SignResponse = client.sign(&a.algorithm, &data).map_err(agent_fail)?;
    let sig_check = r.verify(&data).map_err(|e| e.message().to_string());
    let sig_valid = matches!(sig_check, Ok(true));
    let chain = ChainCheck::run(&client, &a.app_id, trusted.as_deref(), |app, t| {
        r.verify_signature_chain(app, t)
    })?;
    let valid = sig_valid && chain.valid();
    if conn.json {
        let mut v = json!({
            "valid": valid,
            "algorithm": r.algorithm,
            "signature": r.signature.to_hex(),
            "public_key": r.public_key.to_hex(),
            "signature_chain": r.signature_chain.iter().map(|s| s.to_hex()).collect::<Vec<_>>(),
            "signature_valid": sig_valid,
            "chain": chain.json(trusted.as_deref()),
        });
        if let Err(m) = &sig_check {
            v["message"] = json!(m);
        }
        print_json(&v);
        return Ok(exit(valid));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} signature over {} bytes",
        if valid { "VERIFIED" } else { "FAILED" },
        r.algorithm,
        data.len()
    );
    row(&mut s, "signature", &r.signature);
    row(&mut s, "public key", &r.public_key);
    row(
        &mut s,
        "signature check",
        match &sig_check {
            Ok(true) => "verified locally over the data".to_string(),
            Ok(false) => "FAILED: the signature does not verify over the data".to_string(),
            Err(m) => format!("FAILED: {m}"),
        },
    );
    chain.human(&mut s, trusted.as_deref());
    out!("{s}");
    Ok(exit(valid))
}

#[derive(Args)]
#[command(
    after_help = "DATA is text, hex with --hex, or `-` for standard input; SIGNATURE and \
    PUBLIC_KEY are hex. ed25519: 64-byte signature, 32-byte key. secp256k1 / k256: ECDSA over \
    SHA-256(DATA), 64-byte r‖s or the agent's 65-byte r‖s‖v, 33- or 65-byte SEC1 key. \
    secp256k1_prehashed: DATA is the 32-byte digest. Checked locally unless --agent.\n\
    Exit status: 0 valid, 1 invalid, 2 usage error (malformed key or signature), 4 the agent \
    call failed (--agent)."
)]
pub struct VerifySignatureArgs {
    /// The algorithm.
    #[arg(long, value_parser = SIGN_ALGORITHMS)]
    algorithm: String,
    /// The signed data.
    data: String,
    /// The signature, hex.
    signature: String,
    /// The public key, hex.
    public_key: String,
    /// DATA is hex (0x optional).
    #[arg(long)]
    hex: bool,
    /// Ask the agent's Verify RPC instead of checking locally (agents v0.5.6 to v0.5.9
    /// only; its answer is not attested).
    #[arg(long)]
    agent: bool,
}

pub fn verify_signature(conn: &Conn, a: VerifySignatureArgs) -> Result<ExitCode, Fail> {
    let mut sig = parse_hex("SIGNATURE", &a.signature)?;
    let pk = parse_hex("PUBLIC_KEY", &a.public_key)?;
    let data = data_arg(&a.data, a.hex)?;
    let secp = a.algorithm != "ed25519";
    // `dstack sign` and the agent give r‖s‖v: the check takes r‖s.
    if secp && sig.len() == 65 {
        sig.truncate(64);
    }
    let valid = if a.agent {
        let client = conn.client()?;
        client
            .verify(&a.algorithm, &data, &sig, &pk)
            .map_err(agent_fail)?
            .valid
    } else {
        libdstack::verify::verify_signature(&a.algorithm, &data, &sig, &pk).map_err(agent_fail)?
    };
    let by = if a.agent { "agent" } else { "local" };
    if conn.json {
        print_json(&json!({
            "valid": valid,
            "algorithm": a.algorithm,
            "public_key": hex(&pk),
            "checked_by": by,
        }));
    } else {
        outln!(
            "{} {} signature by {} over {} bytes (checked {})",
            if valid { "VALID" } else { "INVALID" },
            a.algorithm,
            hex(&pk),
            data.len(),
            if a.agent {
                "by the agent, unattested"
            } else {
                "locally"
            }
        );
    }
    Ok(exit(valid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        let ms = |s: &str| parse_timeout(s).map(|d| d.as_millis());
        assert_eq!(ms("3"), Ok(3000));
        assert_eq!(ms("0.5"), Ok(500));
        assert_eq!(ms("2s"), Ok(2000));
        assert_eq!(ms("250ms"), Ok(250));
        assert_eq!(ms(" 1 ms "), Ok(1));
        for bad in ["0", "0ms", "-1", "soon", "", "nan", "inf", "3601", "0.0001"] {
            assert!(parse_timeout(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn agent_errors_map_to_exit_statuses() {
        use libdstack::Error;
        let status = |k| agent_fail(Error::new(k, "m")).0;
        assert_eq!(status(ErrorKind::InvalidArgument), EXIT_USAGE);
        assert_eq!(status(ErrorKind::InvalidHex), EXIT_USAGE);
        assert_eq!(status(ErrorKind::VerificationFailed), EXIT_VERIFY);
        for k in [
            ErrorKind::NoAgent,
            ErrorKind::Timeout,
            ErrorKind::Io,
            ErrorKind::Agent,
            ErrorKind::HttpStatus,
            ErrorKind::MalformedResponse,
            ErrorKind::Unsupported,
        ] {
            assert_eq!(status(k), EXIT_AGENT, "{k:?}");
        }
        let Fail(_, m) = agent_fail(Error::new(ErrorKind::Agent, "boom"));
        assert_eq!(m, "the agent returned an error: boom");
    }
}
