//! The RPC handlers of both services (PROTOCOL §2), over JSON values.

use crate::attest::{self, Event, QuotingKeys, Td};
use crate::cert;
use crate::keys::{self, Algo, AppKeys};
use crate::util::{hex, keccak256, random32, ratls_kdf, sha256, sha384, sha512};
use der::asn1::OctetString;
use serde_json::{json, Map, Value};
use std::sync::Mutex;

pub struct Agent {
    pub keys: AppKeys,
    pub qk: QuotingKeys,
    pub td: Mutex<Td>,
    pub app_id: Vec<u8>,
    pub instance_id: Vec<u8>,
    pub app_compose: String,
    pub compose_hash: [u8; 32],
    pub app_name: String,
    pub os_image_hash: [u8; 32],
    pub vm_config: String,
    pub key_provider_info: String,
    pub legacy: bool,
    pub cloud_vendor: String,
    pub cloud_product: String,
    /// Events measured at boot; the ones after them were emitted by EmitEvent.
    pub boot_events: usize,
    /// Info's `app_cert`, issued on the first Info call.
    app_cert: std::sync::OnceLock<String>,
}

/// EmitEvent limits (README, "EmitEvent"). Upstream sets none beyond the request size; these
/// keep every later quote, Info and certificate small enough for clients (libdstack takes
/// responses up to 16 MiB).
pub const MAX_EVENT_NAME: usize = 256;
pub const MAX_EVENT_PAYLOAD: usize = 64 * 1024;
pub const MAX_EMITTED_EVENTS: usize = 256;
/// Names plus payloads of all emitted events.
pub const MAX_EMITTED_BYTES: usize = 1024 * 1024;

pub struct AgentConfig {
    pub keys: Option<AppKeys>,
    pub app_compose: String,
    pub app_id: Option<Vec<u8>>,
    pub legacy: bool,
}

fn dmi(name: &str) -> String {
    std::fs::read_to_string(format!("/sys/class/dmi/id/{name}"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

impl Agent {
    /// Boots the simulated TD: measures the app the way dstack-util does (§5.1, §6.3).
    pub fn new(cfg: AgentConfig) -> Result<Agent, String> {
        let compose: Value = serde_json::from_str(&cfg.app_compose)
            .map_err(|e| format!("app-compose is not JSON: {e}"))?;
        let compose_hash = sha256(&[cfg.app_compose.as_bytes()]);
        let app_id = cfg.app_id.unwrap_or_else(|| compose_hash[..20].to_vec());
        let keys = match cfg.keys {
            Some(k) => k,
            None => AppKeys::builtin(&app_id)?,
        };
        let no_instance_id = compose
            .get("no_instance_id")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let instance_id = if no_instance_id {
            Vec::new()
        } else {
            let seed = sha256(&[keys::DEV_SEED, b":instance-id-seed"]);
            sha256(&[&seed[..20], &app_id])[..20].to_vec()
        };
        let os_image_hash = sha256(&[b"dstack-simulator os image v1"]);
        let key_provider_info =
            serde_json::to_string(&json!({"name": "kms", "id": hex(&keys.ca_spki()?)}))
                .map_err(|e| e.to_string())?;
        let vm_config = serde_json::to_string(&json!({
            "os_image_hash": hex(&os_image_hash),
            "cpu_count": 2,
            "memory_size": 2147483648u64,
            "qemu_version": "8.2.2",
            "image": "dstack-simulator",
        }))
        .map_err(|e| e.to_string())?;

        let mut events = attest::boot_events();
        events.push(Event::runtime("system-preparing", b""));
        events.push(Event::runtime("app-id", &app_id));
        events.push(Event::runtime("compose-hash", &compose_hash));
        events.push(Event::runtime("instance-id", &instance_id));
        events.push(Event::runtime("boot-mr-done", b""));
        events.push(Event::runtime("os-image-hash", &os_image_hash));
        events.push(Event::runtime("key-provider", key_provider_info.as_bytes()));
        if let Some(fs) = compose.get("storage_fs").and_then(Value::as_str) {
            events.push(Event::runtime("storage-fs", fs.as_bytes()));
        }
        events.push(Event::runtime("system-ready", b""));

        let boot_events = events.len();
        Ok(Agent {
            boot_events,
            app_cert: std::sync::OnceLock::new(),
            app_name: compose
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            keys,
            qk: QuotingKeys::new()?,
            td: Mutex::new(Td::new(events)),
            app_id,
            instance_id,
            app_compose: cfg.app_compose,
            compose_hash,
            os_image_hash,
            vm_config,
            key_provider_info,
            legacy: cfg.legacy,
            cloud_vendor: dmi("sys_vendor"),
            cloud_product: dmi("product_name"),
        })
    }

    fn td(&self) -> std::sync::MutexGuard<'_, Td> {
        // A panic while holding the lock cannot leave the log half-written (extend is two
        // plain assignments), so a poisoned lock is still consistent.
        self.td.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Request fields, from a JSON body or a query string (serde_qs: every value is text).
pub struct Args {
    map: Map<String, Value>,
    query: bool,
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) if n.is_i64() && n.as_i64().is_some_and(|i| i < 0) => {
            format!("integer `{n}`")
        }
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

/// Most values (objects, arrays, scalars) one JSON body may hold. Requests have a few dozen;
/// the bound keeps the parsed tree of a 10 MiB body small.
pub const MAX_JSON_VALUES: usize = 65_536;

/// Deepest nesting of arrays and objects in a body. Requests nest two levels; the bound keeps
/// the recursive parse far inside a connection thread's stack (serde_json's own limit, 128,
/// overflows a 256 KiB stack in a debug build).
pub const MAX_JSON_DEPTH: usize = 32;

/// Parses a JSON body, rejecting a key that appears twice in one object (at any depth; serde's
/// `duplicate field` text), bodies of more than [`MAX_JSON_VALUES`] values and nesting deeper
/// than [`MAX_JSON_DEPTH`].
fn strict_json(body: &[u8]) -> Result<Value, String> {
    use serde_core::de::DeserializeSeed;
    let mut left = MAX_JSON_VALUES;
    let mut de = serde_json::Deserializer::from_slice(body);
    let v = Strict {
        left: &mut left,
        depth: 0,
    }
    .deserialize(&mut de)
    .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(v)
}

/// A `serde_json::Value` builder that counts values, bounds nesting and refuses duplicate keys.
struct Strict<'a> {
    left: &'a mut usize,
    /// Arrays and objects around this value.
    depth: usize,
}

impl<'de> serde_core::de::DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: serde_core::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if *self.left == 0 {
            return Err(serde_core::de::Error::custom(format!(
                "the request has more than {MAX_JSON_VALUES} JSON values"
            )));
        }
        *self.left -= 1;
        if self.depth >= MAX_JSON_DEPTH {
            return Err(serde_core::de::Error::custom(format!(
                "the request nests JSON more than {MAX_JSON_DEPTH} levels deep"
            )));
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde_core::de::Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde_core::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict {
            left: &mut *self.left,
            depth: self.depth + 1,
        })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde_core::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(serde_core::de::Error::custom(format!(
                    "duplicate field `{k}`"
                )));
            }
            let v = map.next_value_seed(Strict {
                left: &mut *self.left,
                depth: self.depth + 1,
            })?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

impl Args {
    pub fn from_json(body: &[u8]) -> Result<Args, String> {
        if body.is_empty() {
            return Ok(Args {
                map: Map::new(),
                query: false,
            });
        }
        match strict_json(body)? {
            Value::Object(map) => Ok(Args { map, query: false }),
            other => Err(format!(
                "invalid type: {}, expected a map",
                describe(&other)
            )),
        }
    }

    pub fn from_query(map: Map<String, Value>) -> Args {
        Args { map, query: true }
    }

    fn bad(&self, k: &str, v: &Value, want: &str) -> String {
        format!(
            "invalid type: {}, expected {want} (field `{k}`)",
            describe(v)
        )
    }

    pub fn str(&self, k: &str) -> Result<String, String> {
        match self.map.get(k) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(self.bad(k, v, "a string")),
        }
    }

    pub fn bytes(&self, k: &str) -> Result<Vec<u8>, String> {
        match self.map.get(k) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => {
                crate::util::unhex(s).map_err(|e| format!("{e} (field `{k}`)"))
            }
            Some(v) => Err(self.bad(k, v, "a hex string")),
        }
    }

    pub fn boolean(&self, k: &str) -> Result<bool, String> {
        match self.map.get(k) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if self.query => match s.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(format!(
                    "provided string was not `true` or `false` (field `{k}`)"
                )),
            },
            Some(v) => Err(self.bad(k, v, "a boolean")),
        }
    }

    pub fn opt_u64(&self, k: &str) -> Result<Option<u64>, String> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(Value::String(s)) if self.query => s
                .parse()
                .map(Some)
                .map_err(|e| format!("{e} (field `{k}`)")),
            Some(v) => Err(self.bad(k, v, "u64")),
        }
    }

    pub fn str_list(&self, k: &str) -> Result<Vec<String>, String> {
        match self.map.get(k) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) if self.query => Ok(vec![s.clone()]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    v => Err(self.bad(k, v, "a string")),
                })
                .collect(),
            Some(v) => Err(self.bad(k, v, "a sequence")),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Dstack,
    Tappd,
}

/// Runs `method` on `service`; `None` means the method does not exist.
pub fn call(
    agent: &Agent,
    service: Service,
    method: &str,
    args: &Args,
) -> Option<Result<Value, String>> {
    let legacy = agent.legacy;
    let r = match (service, method) {
        (Service::Dstack, "GetKey") => get_key(agent, args, false),
        (Service::Dstack, "GetQuote") => get_quote(agent, args),
        (Service::Dstack, "Attest") if !legacy => attest_rpc(agent, args),
        (Service::Dstack, "GetTlsKey") => get_tls_key(agent, args),
        (Service::Dstack, "Info") | (Service::Tappd, "Info") => Ok(info(agent)),
        (Service::Dstack, "Sign") if !legacy => sign(agent, args),
        (Service::Dstack, "Verify") if !legacy => verify(args),
        (Service::Dstack, "Version") | (Service::Tappd, "Version") if !legacy => Ok(json!({
            "version": concat!("0.5.11-sim.", env!("CARGO_PKG_VERSION")),
            "rev": concat!("dstack-simulator-", env!("CARGO_PKG_VERSION")),
        })),
        (Service::Dstack, "GpuInfo") if !legacy => Ok(json!({"attestation": ""})),
        (Service::Dstack, "EmitEvent") if !legacy => emit_event(agent, args),
        (Service::Tappd, "DeriveKey") => derive_key(agent, args),
        (Service::Tappd, "DeriveK256Key") => get_key(agent, args, true),
        (Service::Tappd, "TdxQuote") => tdx_quote(agent, args, false),
        (Service::Tappd, "RawQuote") => tdx_quote(agent, args, true),
        _ => return None,
    };
    Some(r)
}

fn get_key(agent: &Agent, args: &Args, tappd: bool) -> Result<Value, String> {
    let path = args.str("path")?;
    let purpose = args.str("purpose")?;
    // Before v0.5.6 the field did not exist, so any value got secp256k1. Since then tappd's
    // DeriveK256Key is GetKey under another name, `algorithm` included.
    let algo = if agent.legacy {
        Algo::Secp256k1
    } else {
        Algo::parse_getkey(&args.str("algorithm")?)?
    };
    let dk = keys::get_key(&agent.keys, &path, &purpose, algo)?;
    let chain: Vec<String> = dk.chain.iter().map(|c| hex(c)).collect();
    Ok(if tappd {
        json!({"k256_key": hex(&dk.secret), "k256_signature_chain": chain})
    } else {
        json!({"key": hex(&dk.secret), "signature_chain": chain})
    })
}

fn pad64(data: &[u8]) -> Result<[u8; 64], String> {
    if data.len() > 64 {
        return Err("Report data is too long".into());
    }
    let mut rd = [0u8; 64];
    rd[..data.len()].copy_from_slice(data);
    Ok(rd)
}

fn get_quote(agent: &Agent, args: &Args) -> Result<Value, String> {
    let rd = pad64(&args.bytes("report_data")?)?;
    let td = agent.td();
    let quote = attest::quote(&td, &agent.qk, &rd);
    let log = serde_json::to_string(&td.event_log_json(true)).map_err(|e| e.to_string())?;
    let mut v = json!({"quote": hex(&quote), "event_log": log, "report_data": hex(&rd), "vm_config": agent.vm_config});
    if !agent.legacy {
        // The versioned attestation of the same quote, as Attest gives it (PROTOCOL §2.1,
        // field 5; the upstream simulator fills it).
        let att = attest::versioned_attestation(&quote, &td.events, &rd, &agent.vm_config)?;
        v["attestation"] = json!(hex(&att));
    }
    Ok(v)
}

fn attest_rpc(agent: &Agent, args: &Args) -> Result<Value, String> {
    let rd = pad64(&args.bytes("report_data")?)?;
    let td = agent.td();
    let quote = attest::quote(&td, &agent.qk, &rd);
    let att = attest::versioned_attestation(&quote, &td.events, &rd, &agent.vm_config)?;
    Ok(json!({"attestation": hex(&att)}))
}

fn emit_event(agent: &Agent, args: &Args) -> Result<Value, String> {
    let event = args.str("event")?;
    let payload = args.bytes("payload")?;
    if event.is_empty() {
        return Err("event name must not be empty".into());
    }
    if event.len() > MAX_EVENT_NAME {
        return Err(format!(
            "event name is too long: {} bytes (the simulator accepts at most {MAX_EVENT_NAME})",
            event.len()
        ));
    }
    if payload.len() > MAX_EVENT_PAYLOAD {
        return Err(format!(
            "event payload is too large: {} bytes (the simulator accepts at most {MAX_EVENT_PAYLOAD})",
            payload.len()
        ));
    }
    let mut td = agent.td();
    let emitted = &td.events[agent.boot_events.min(td.events.len())..];
    if emitted.len() >= MAX_EMITTED_EVENTS {
        return Err(format!(
            "event log is full: {MAX_EMITTED_EVENTS} events already emitted (the simulator keeps at most {MAX_EMITTED_EVENTS})"
        ));
    }
    let used: usize = emitted
        .iter()
        .map(|e| e.event.len() + e.payload.len())
        .sum();
    let size = event.len() + payload.len();
    if used + size > MAX_EMITTED_BYTES {
        return Err(format!(
            "event log is full: {used} bytes of events emitted, {size} more would exceed the {MAX_EMITTED_BYTES} the simulator keeps"
        ));
    }
    td.extend(Event::runtime(&event, &payload));
    Ok(json!({}))
}

fn info(agent: &Agent) -> Value {
    let td = agent.td();
    let mr_aggregated = td.mr_aggregated();
    let tcb_info = json!({
        "mrtd": hex(&td.mrtd),
        "rtmr0": hex(&td.rtmr[0]),
        "rtmr1": hex(&td.rtmr[1]),
        "rtmr2": hex(&td.rtmr[2]),
        "rtmr3": hex(&td.rtmr[3]),
        "mr_aggregated": hex(&mr_aggregated),
        "os_image_hash": hex(&agent.os_image_hash),
        "compose_hash": hex(&agent.compose_hash),
        "device_id": hex(&sha256(&[b""])),
        "event_log": td.event_log_json(false),
        "app_compose": agent.app_compose,
    });
    drop(td);
    let mut v = json!({
        "app_id": hex(&agent.app_id),
        "instance_id": hex(&agent.instance_id),
        "app_cert": app_cert(agent),
        "tcb_info": serde_json::to_string_pretty(&tcb_info).unwrap_or_default(),
        "app_name": agent.app_name,
        "device_id": hex(&sha256(&[b""])),
        "mr_aggregated": hex(&mr_aggregated),
        "os_image_hash": hex(&agent.os_image_hash),
        "key_provider_info": agent.key_provider_info,
        "compose_hash": hex(&agent.compose_hash),
        "vm_config": agent.vm_config,
    });
    if !agent.legacy {
        v["cloud_vendor"] = json!(agent.cloud_vendor);
        v["cloud_product"] = json!(agent.cloud_product);
    }
    v
}

/// The agent's own demo certificate (upstream `request_demo_cert`): a fresh P-256 key, subject
/// `demo-cert`, client auth, RA-TLS attestation, no app info; the PEM chain joined by "\n".
/// Issued once, on first use, and kept. A failure yields `""`, as upstream before issuance.
fn app_cert(agent: &Agent) -> String {
    agent
        .app_cert
        .get_or_init(|| {
            let req = CertRequest {
                subject: "demo-cert".into(),
                alt_names: Vec::new(),
                ra_tls: true,
                server_auth: false,
                client_auth: true,
                not_before: None,
                not_after: None,
                app_info: false,
            };
            p256_from_seed(&random32(), b"")
                .and_then(|key| issue(agent, &key, &req))
                .ok()
                .and_then(|v| {
                    let chain = v["certificate_chain"].as_array()?;
                    let pems: Option<Vec<&str>> = chain.iter().map(Value::as_str).collect();
                    Some(pems?.join("\n"))
                })
                .unwrap_or_default()
        })
        .clone()
}

fn sign(agent: &Agent, args: &Args) -> Result<Value, String> {
    let algo = Algo::parse_sign(&args.str("algorithm")?)?;
    let s = keys::sign(&agent.keys, algo, &args.bytes("data")?)?;
    Ok(json!({
        "signature": hex(&s.signature),
        "signature_chain": s.chain.iter().map(|c| hex(c)).collect::<Vec<_>>(),
        "public_key": hex(&s.public_key),
    }))
}

fn verify(args: &Args) -> Result<Value, String> {
    let algo = Algo::parse_sign(&args.str("algorithm")?)?;
    let valid = keys::verify(
        algo,
        &args.bytes("data")?,
        &args.bytes("signature")?,
        &args.bytes("public_key")?,
    )?;
    Ok(json!({"valid": valid}))
}

/// The tappd report-data rule (§2.2): `H(tag ":" data)` zero-padded, or raw 64 bytes.
pub fn tappd_report_data(
    data: &[u8],
    algo: &str,
    prefix: &str,
) -> Result<([u8; 64], String, String), String> {
    use sha3::Digest;
    let algo = if algo.is_empty() { "sha512" } else { algo };
    if algo == "raw" {
        let rd: [u8; 64] = data
            .try_into()
            .map_err(|_| "invalid content length".to_string())?;
        return Ok((rd, "raw".into(), String::new()));
    }
    let tag = if prefix.is_empty() {
        "app-data"
    } else {
        prefix
    };
    let msg = [tag.as_bytes(), b":", data].concat();
    let h: Vec<u8> = match algo {
        "sha256" => sha256(&[&msg]).to_vec(),
        "sha384" => sha384(&[&msg]).to_vec(),
        "sha512" => sha512(&[&msg]).to_vec(),
        "sha3-256" => sha3::Sha3_256::digest(&msg).to_vec(),
        "sha3-384" => sha3::Sha3_384::digest(&msg).to_vec(),
        "sha3-512" => sha3::Sha3_512::digest(&msg).to_vec(),
        "keccak256" => keccak256(&[&msg]).to_vec(),
        "keccak384" => sha3::Keccak384::digest(&msg).to_vec(),
        "keccak512" => sha3::Keccak512::digest(&msg).to_vec(),
        _ => return Err("invalid hash algorithm".into()),
    };
    let mut rd = [0u8; 64];
    rd[..h.len()].copy_from_slice(&h);
    Ok((rd, algo.into(), tag.into()))
}

fn tdx_quote(agent: &Agent, args: &Args, raw: bool) -> Result<Value, String> {
    let data = args.bytes("report_data")?;
    let (rd, algo, prefix) = if raw {
        tappd_report_data(&data, "raw", "")?
    } else {
        tappd_report_data(&data, &args.str("hash_algorithm")?, &args.str("prefix")?)?
    };
    let td = agent.td();
    let quote = attest::quote(&td, &agent.qk, &rd);
    let log = serde_json::to_string(&td.event_log_json(true)).map_err(|e| e.to_string())?;
    Ok(json!({"quote": hex(&quote), "event_log": log, "hash_algorithm": algo, "prefix": prefix}))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

struct CertRequest {
    subject: String,
    alt_names: Vec<String>,
    ra_tls: bool,
    server_auth: bool,
    client_auth: bool,
    not_before: Option<u64>,
    not_after: Option<u64>,
    app_info: bool,
}

const TEN_YEARS: u64 = 3650 * 86400;

/// Issues `[leaf, CA]` for `key` (§6.4); returns (PKCS#8 PEM, chain PEMs).
fn issue(agent: &Agent, key: &p256::ecdsa::SigningKey, req: &CertRequest) -> Result<Value, String> {
    use p256::pkcs8::EncodePrivateKey;
    cert::no_control("subject", &req.subject)?;
    let spki = cert::spki_der(key)?;
    let mut eku = Vec::new();
    if req.server_auth {
        eku.push(cert::OID_SERVER_AUTH);
    }
    if req.client_auth {
        eku.push(cert::OID_CLIENT_AUTH);
    }
    let alt_names = req
        .alt_names
        .iter()
        .map(|a| cert::general_name(a))
        .collect::<Result<Vec<_>, _>>()?;
    let td = agent.td();
    let attestation = if req.ra_tls {
        let rd = sha512(&[b"ratls-cert:", &spki]);
        let quote = attest::quote(&td, &agent.qk, &rd);
        // Certificates carry only what RTMR3 replay and the ACPI rule need (§5.3).
        let events: Vec<Event> = td
            .events
            .iter()
            .filter(|e| {
                e.imr == 3 || (e.imr == 0 && e.event_type == 10 && e.payload == b"ACPI DATA")
            })
            .map(Event::stripped)
            .collect();
        Some(attest::versioned_attestation(
            &quote,
            &events,
            &rd,
            &agent.vm_config,
        )?)
    } else {
        None
    };
    let app_info = if req.app_info {
        use attest::mp_bin;
        let kp = agent.key_provider_info.as_bytes();
        let device_id = sha256(&[b""]);
        let (mr_system, mr_aggregated) = (td.mr_system(kp), td.mr_aggregated());
        Some(attest::msgpack(&rmpv::Value::Array(vec![
            mp_bin(&agent.app_id),
            mp_bin(&agent.compose_hash),
            mp_bin(&agent.instance_id),
            mp_bin(&device_id),
            mp_bin(&mr_system),
            mp_bin(&mr_aggregated),
            mp_bin(&agent.os_image_hash),
            mp_bin(kp),
            rmpv::Value::Array(vec![]),
        ]))?)
    } else {
        None
    };
    drop(td);
    let t = now();
    let not_before = req.not_before.unwrap_or(t);
    let not_after = req
        .not_after
        .unwrap_or(not_before.saturating_add(TEN_YEARS));
    let mut serial = random32();
    serial[0] &= 0x7f;
    let leaf = cert::build(
        cert::CertSpec {
            serial: &serial[..16],
            issuer: Some(agent.keys.ca_subject.clone()),
            subject: cert::name(None, &req.subject)?,
            not_before,
            not_after,
            key: key.verifying_key(),
        },
        &agent.keys.ca_key,
        |b| {
            b.add_extension(&cert::KeyUsage(cert::KeyUsages::DigitalSignature.into()))?;
            if !eku.is_empty() {
                b.add_extension(&cert::ExtKeyUsage(cert::ExtendedKeyUsage(eku)))?;
            }
            if !alt_names.is_empty() {
                b.add_extension(&cert::SubjectAltName(alt_names))?;
            }
            b.add_extension(&cert::AppIdExt(OctetString::new(agent.app_id.as_slice())?))?;
            b.add_extension(&cert::CertUsageExt(OctetString::new(
                b"app:custom".as_slice(),
            )?))?;
            if let Some(att) = &attestation {
                b.add_extension(&cert::AttestationExt(OctetString::new(att.as_slice())?))?;
            }
            if let Some(info) = &app_info {
                b.add_extension(&cert::AppInfoExt(OctetString::new(info.as_slice())?))?;
            }
            Ok(())
        },
    )?;
    let secret = p256::SecretKey::from(key);
    let key_pem = secret
        .to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
        .map_err(|e| e.to_string())?;
    Ok(json!({
        "key": key_pem.as_str(),
        "certificate_chain": [crate::util::pem("CERTIFICATE", &leaf)?, agent.keys.ca_cert_pem],
    }))
}

fn p256_from_seed(seed: &[u8; 32], info: &[u8]) -> Result<p256::ecdsa::SigningKey, String> {
    let d = ratls_kdf(seed, &[info]);
    p256::ecdsa::SigningKey::from_bytes((&d).into())
        .map_err(|_| "derived key is not a valid P-256 scalar".to_string())
}

fn get_tls_key(agent: &Agent, args: &Args) -> Result<Value, String> {
    let mut req = CertRequest {
        subject: args.str("subject")?,
        alt_names: args.str_list("alt_names")?,
        ra_tls: args.boolean("usage_ra_tls")?,
        server_auth: args.boolean("usage_server_auth")?,
        client_auth: args.boolean("usage_client_auth")?,
        not_before: args.opt_u64("not_before")?,
        not_after: args.opt_u64("not_after")?,
        app_info: args.boolean("with_app_info")?,
    };
    if agent.legacy {
        // Fields added in v0.5.6 are unknown to older agents and ignored.
        (req.not_before, req.not_after, req.app_info) = (None, None, false);
    }
    if let (Some(b), Some(a)) = (req.not_before, req.not_after) {
        if b >= a {
            return Err("not_before must be earlier than not_after".into());
        }
    }
    let key = p256_from_seed(&random32(), b"")?;
    issue(agent, &key, &req)
}

fn derive_key(agent: &Agent, args: &Args) -> Result<Value, String> {
    let path = args.str("path")?;
    let req = CertRequest {
        subject: args.str("subject")?,
        alt_names: args.str_list("alt_names")?,
        ra_tls: args.boolean("usage_ra_tls")?,
        server_auth: args.boolean("usage_server_auth")?,
        client_auth: args.boolean("usage_client_auth")?,
        not_before: None,
        not_after: None,
        app_info: false,
    };
    let seed = if args.boolean("random_seed")? {
        random32()
    } else {
        agent.keys.k256_key
    };
    let key = p256_from_seed(&seed, path.as_bytes())?;
    issue(agent, &key, &req)
}
