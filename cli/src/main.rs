//! `dstack`: the dstack command-line tool.
//!
//! The agent commands (`info`, `key`, `quote`, `attest`, `tls-key`, `sign`,
//! `verify-signature`, in `agent`) call the guest agent through the `libdstack` client;
//! the offline commands (`verify`, `compose-hash`, `encrypt-env`) need no agent.
//!
//! Exit status: 0 when the command succeeded (and what it checks verified), 1 when
//! verification failed, 2 for usage or input errors, 3 when collateral could not be fetched,
//! 4 when the agent call failed.

#[macro_use]
mod output;

mod agent;
mod dotenv;
mod pccs;

use std::io::Read;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dstack_verify as dv;

#[derive(Parser)]
#[command(
    name = "dstack",
    version,
    about = "The dstack command-line tool: ask the guest agent for keys, quotes, attestations, TLS keys and signatures; verify dstack evidence offline; hash app-compose files; encrypt environment variables",
    after_help = "Exit status: 0 success (and what the command checks verified), 1 verification failed, \
    2 usage or input error, 3 collateral could not be fetched (verify --pccs), 4 the agent call failed.",
    propagate_version = true
)]
struct Cli {
    /// The agent: a Unix socket path or http://host[:port] [default: $DSTACK_SIMULATOR_ENDPOINT,
    /// else the first of /var/run/dstack.sock, /run/dstack.sock, /var/run/dstack/dstack.sock,
    /// /run/dstack/dstack.sock].
    #[arg(long, global = true, value_name = "SOCKET|URL")]
    endpoint: Option<String>,
    /// Time limit of each agent call: seconds (3, 0.5) or milliseconds (500ms) [default: 3].
    #[arg(long, global = true, value_name = "DURATION", value_parser = agent::parse_timeout)]
    timeout: Option<std::time::Duration>,
    /// Print the result as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The app's identity and measurements as the agent states them (unattested).
    Info(agent::InfoArgs),
    /// A key derived for this app from a path, with its signature chain checked.
    Key(agent::KeyArgs),
    /// A TDX quote over report data, with its event log.
    Quote(agent::QuoteArgs),
    /// A versioned attestation over report data.
    Attest(agent::AttestArgs),
    /// A fresh TLS key and a certificate for it (optionally RA-TLS).
    TlsKey(agent::TlsKeyArgs),
    /// Sign data with the app's signing key; the signature and its chain are checked.
    Sign(agent::SignArgs),
    /// Check a signature (exit status 1 when invalid).
    VerifySignature(agent::VerifySignatureArgs),
    /// Verify evidence from a dstack app: a quote, an attestation or an RA-TLS certificate.
    Verify(VerifyCmd),
    /// Print the compose hash of an app-compose.json file.
    ComposeHash(ComposeHashArgs),
    /// Encrypt environment variables (a .env file on standard input) for an app.
    EncryptEnv(EncryptEnvArgs),
}

#[derive(Args)]
#[command(
    after_help = "FILE may be raw bytes, hex text (0x optional) or, for certificates, PEM; `-` reads standard input.\n\
    Exit status: 0 verified, 1 verification failed, 2 usage or input error, 3 collateral could not be fetched."
)]
struct VerifyCmd {
    #[command(subcommand)]
    what: VerifyWhat,
}

#[derive(Subcommand)]
enum VerifyWhat {
    /// A TDX/SGX quote (raw or hex), or a GetQuote JSON answer: with an event_log, the event
    /// log and the app identity are verified too.
    Quote(VerifyArgs),
    /// A versioned attestation (V0 SCALE or V1 msgpack; raw, hex, or an Attest JSON answer).
    Attestation(VerifyArgs),
    /// An RA-TLS certificate issued by the agent (PEM, hex or DER; the first certificate of a
    /// PEM chain is the one verified).
    Cert(VerifyArgs),
}

#[derive(Args)]
struct VerifyArgs {
    /// The evidence file (`-` for standard input).
    file: String,
    /// Collateral for the quote: PCCS QuoteCollateralV3 JSON.
    #[arg(long, value_name = "FILE", conflicts_with = "pccs")]
    collateral: Option<String>,
    /// Fetch the collateral from this PCCS (or Intel PCS) base URL over HTTPS.
    #[arg(long, value_name = "URL")]
    pccs: Option<String>,
    /// The report data the quote must carry, hex (up to 64 bytes, zero-padded).
    #[arg(long, value_name = "HEX")]
    report_data: Option<String>,
    /// Verification time, Unix seconds [default: now].
    #[arg(long, value_name = "UNIX_TIME")]
    now: Option<u64>,
    /// TCB statuses accepted besides UpToDate, comma-separated (e.g. SWHardeningNeeded,
    /// OutOfDate), or `any` (every status but Revoked).
    #[arg(long, value_name = "S,...")]
    allow_status: Option<String>,
    /// DEVELOPMENT ONLY: do not check the Intel signature chain (e.g. simulator quotes);
    /// everything else is still checked and the result says so.
    #[arg(long, conflicts_with_all = ["collateral", "pccs"])]
    insecure_skip_intel_signature: bool,
}

#[derive(Args)]
struct ComposeHashArgs {
    /// The app-compose.json file (`-` for standard input).
    file: String,
    /// Which hash to print.
    #[arg(long, value_enum, default_value_t = HashMode::Raw)]
    mode: HashMode,
}

#[derive(Clone, Copy, ValueEnum)]
enum HashMode {
    /// SHA-256 of the file's bytes: what the CVM measures (compare with `compose_hash` from
    /// `dstack verify`).
    Raw,
    /// SHA-256 of the canonical JSON, as the SDKs' get_compose_hash computes it.
    Canonical,
    /// As `canonical`, after the SDKs' normalisation (get_compose_hash with normalize).
    Normalized,
}

#[derive(Args)]
#[command(
    after_help = "Reads KEY=VALUE lines from standard input (blank lines and # comments skipped, \
    an `export ` prefix and matching surrounding quotes removed) and prints the hex ciphertext \
    (with --json: {\"encrypted_env\": hex})."
)]
struct EncryptEnvArgs {
    /// The app's env-encryption X25519 public key from the KMS, hex (0x optional).
    #[arg(long, value_name = "HEX")]
    kms_public_key: String,
    /// Read the .env text from this file instead of standard input.
    #[arg(long, value_name = "FILE")]
    file: Option<String>,
}

/// A failure of the tool itself (not of verification), with its exit status.
pub(crate) struct Fail(pub(crate) u8, pub(crate) String);

fn read_input(path: &str) -> Result<Vec<u8>, Fail> {
    let mut data = Vec::new();
    let r = if path == "-" {
        std::io::stdin().read_to_end(&mut data).map(|_| ())
    } else {
        std::fs::read(path).map(|d| data = d)
    };
    r.map_err(|e| Fail(2, format!("cannot read {path}: {e}")))?;
    Ok(data)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn verify(what: VerifyWhat, json: bool) -> Result<ExitCode, Fail> {
    let (kind, a) = match what {
        VerifyWhat::Quote(a) => ("quote", a),
        VerifyWhat::Attestation(a) => ("attestation", a),
        VerifyWhat::Cert(a) => ("cert", a),
    };
    let policy = dv::TcbPolicy::parse_list(a.allow_status.as_deref().unwrap_or(""))
        .map_err(|e| Fail(2, format!("--allow-status: {e}")))?;
    let report_data = a
        .report_data
        .as_deref()
        .map(|h| {
            dv::input::hex_text(h).map_err(|e| Fail(2, format!("--report-data: {}", e.message)))
        })
        .transpose()?;
    if kind == "cert" && report_data.is_some() {
        return Err(Fail(
            2,
            "--report-data does not apply to certificates: the report data must bind the \
             certificate's key"
                .into(),
        ));
    }
    if let Some(rd) = &report_data {
        if rd.len() > 64 {
            return Err(Fail(
                2,
                format!("--report-data is {} bytes; at most 64", rd.len()),
            ));
        }
    }
    if let Some(url) = &a.pccs {
        pccs::check_url(url).map_err(|e| Fail(2, e))?;
    }
    let data = read_input(&a.file)?;
    // The evidence as the verifier takes it, and the quote (for fetching collateral).
    enum Ev {
        Quote(Vec<u8>),
        GetQuote(Vec<u8>, Vec<u8>),
        Attestation(Vec<u8>),
        Cert(Vec<u8>),
    }
    let input_fail = |e: dv::Error| Fail(2, format!("{}: {}", a.file, e.message));
    let ev = match kind {
        "quote" if data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => {
            let gq = dv::input::GetQuote::parse(&data).map_err(input_fail)?;
            Ev::GetQuote(data.clone(), gq.quote)
        }
        "quote" => Ev::Quote(dv::input::binary(&data)),
        "attestation" => Ev::Attestation(dv::input::attestation(&data).map_err(input_fail)?),
        _ => Ev::Cert(dv::input::certificate_der(&data).map_err(input_fail)?),
    };
    let collateral = match (&a.collateral, &a.pccs) {
        (Some(path), _) => Some(read_input(path)?),
        (None, Some(url)) => {
            let quote = match &ev {
                Ev::Quote(q) | Ev::GetQuote(_, q) => q.clone(),
                Ev::Attestation(b) => dv::attestation::decode(b)
                    .map(|a| a.quote)
                    .map_err(|e| Fail(1, output::failure_text(&e)))?,
                Ev::Cert(der) => pccs::quote_of_certificate(der)
                    .map_err(|e| Fail(1, output::failure_text(&e)))?,
            };
            Some(pccs::fetch(url, &quote).map_err(|e| Fail(3, e))?)
        }
        (None, None) => None,
    };
    let opts = dv::Options {
        collateral: collateral.as_deref(),
        now: a.now.unwrap_or_else(now),
        policy,
        expected_report_data: report_data.as_deref(),
        insecure_skip_intel_signature: a.insecure_skip_intel_signature,
    };
    let result = match &ev {
        Ev::Quote(q) => dv::verify_quote(q, &opts),
        Ev::GetQuote(body, _) => dv::verify_get_quote_json(body, &opts),
        Ev::Attestation(b) => dv::verify_attestation(b, &opts),
        Ev::Cert(der) => dv::verify_ra_tls_cert(der, &opts),
    };
    if a.insecure_skip_intel_signature {
        eprintln!(
            "warning: --insecure-skip-intel-signature: the Intel signature chain is NOT checked; \
             for development only"
        );
    }
    match result {
        Ok(v) => {
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&v.to_json()).unwrap_or_default()
                );
            } else {
                out!("{}", output::human(&v));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&output::failure_json(&e)).unwrap_or_default()
                );
            } else {
                out!("{}", output::failure_text(&e));
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn compose_hash(a: ComposeHashArgs, json: bool) -> Result<ExitCode, Fail> {
    let data = read_input(&a.file)?;
    let hash = match a.mode {
        HashMode::Raw => dstack_core::compose::compose_hash_raw(&data),
        HashMode::Canonical | HashMode::Normalized => {
            let normalize = matches!(a.mode, HashMode::Normalized);
            let bad = |e: dstack_core::Error| Fail(2, format!("{}: {e}", a.file));
            let mut scratch =
                vec![0u8; dstack_core::compose::compose_scratch_len(&data).map_err(bad)?];
            dstack_core::compose::compose_hash(&data, normalize, &mut scratch).map_err(bad)?
        }
    };
    let h = dv_hex(&hash);
    if json {
        outln!("{}", serde_json::json!({ "compose_hash": h }));
    } else {
        outln!("{h}");
    }
    Ok(ExitCode::SUCCESS)
}

fn dv_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn encrypt_env(a: EncryptEnvArgs, json: bool) -> Result<ExitCode, Fail> {
    use dstack_core::envcrypt;
    envcrypt::parse_x25519_public_key(&a.kms_public_key)
        .map_err(|e| Fail(2, format!("--kms-public-key: {e}")))?;
    let data = read_input(a.file.as_deref().unwrap_or("-"))?;
    let text = String::from_utf8(data).map_err(|_| Fail(2, "the .env text is not UTF-8".into()))?;
    let vars = dotenv::parse(&text).map_err(|e| Fail(2, e))?;
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut secret = [0u8; 32];
    let mut iv = [0u8; 12];
    getrandom::getrandom(&mut secret)
        .and_then(|_| getrandom::getrandom(&mut iv))
        .map_err(|e| Fail(2, format!("no randomness: {e}")))?;
    let mut out = vec![0u8; envcrypt::encrypted_env_len(&pairs)];
    let n = envcrypt::encrypt_env_vars(&pairs, &a.kms_public_key, secret, iv, &mut out)
        .map_err(|e| Fail(2, format!("encryption failed: {e}")))?;
    secret.fill(0);
    let hex = String::from_utf8_lossy(&out[..n]);
    if json {
        outln!("{}", serde_json::json!({ "encrypted_env": hex }));
    } else {
        outln!("{hex}");
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let conn = agent::Conn {
        endpoint: cli.endpoint,
        timeout: cli.timeout,
        json: cli.json,
    };
    let json = cli.json;
    let r = match cli.command {
        Command::Info(a) => agent::info(&conn, a),
        Command::Key(a) => agent::key(&conn, a),
        Command::Quote(a) => agent::quote(&conn, a),
        Command::Attest(a) => agent::attest(&conn, a),
        Command::TlsKey(a) => agent::tls_key(&conn, a),
        Command::Sign(a) => agent::sign(&conn, a),
        Command::VerifySignature(a) => agent::verify_signature(&conn, a),
        Command::Verify(v) => verify(v.what, json),
        Command::ComposeHash(a) => compose_hash(a, json),
        Command::EncryptEnv(a) => encrypt_env(a, json),
    };
    match r {
        Ok(code) => code,
        Err(Fail(code, msg)) => {
            eprintln!("dstack: {}", msg.trim_end());
            ExitCode::from(code)
        }
    }
}
