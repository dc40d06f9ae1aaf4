//! Versioned attestations (docs/PROTOCOL.md §7.3): V0 SCALE (first byte `0x00`) and V1 msgpack (a
//! map header), decoded into one shape. Only the TDX platform is read; other platforms are
//! recognised and refused as unsupported.

use parity_scale_codec::{Decode, Encode, Input};
use rmpv::Value;

use crate::error::{Check, Error, Result};

/// Largest attestation accepted, as upstream (10 MiB).
pub const MAX_ATTESTATION_LEN: usize = 10 << 20;

/// One event of a TDX event log, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TdxEvent {
    /// RTMR index, from 0.
    pub imr: u32,
    /// Event type (`0x08000001` for dstack runtime events).
    pub event_type: u32,
    /// Digest (empty for stripped runtime events).
    pub digest: Vec<u8>,
    /// Event name.
    pub event: String,
    /// Event payload (empty for stripped boot events).
    pub event_payload: Vec<u8>,
    /// Runtime-event digest version (1 when absent).
    pub version: Option<u32>,
    /// V2 preimage, when given.
    pub preimage: Option<Vec<u8>>,
}

/// A runtime event of the attestation's stack evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeEvent {
    /// Event name.
    pub event: String,
    /// Event payload.
    pub payload: Vec<u8>,
    /// Digest version, 1 or 2.
    pub version: u32,
}

/// The wire format an attestation came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Legacy SCALE encoding (`VersionedAttestation::V0`).
    V0Scale,
    /// msgpack map (`version: 1`).
    V1Msgpack,
}

/// A decoded TDX attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// Wire format.
    pub format: Format,
    /// The raw TDX quote.
    pub quote: Vec<u8>,
    /// The TDX event log (stripped or full).
    pub event_log: Vec<TdxEvent>,
    /// The stack's runtime events.
    pub runtime_events: Vec<RuntimeEvent>,
    /// The report data the stack states.
    pub report_data: [u8; 64],
    /// The VM configuration text (JSON), possibly empty.
    pub config: String,
    /// The stack kind: `dstack` or `dstack-pod`.
    pub stack: String,
    /// `dstack-pod` only: the text whose `app-data` hash is the report data.
    pub report_data_payload: Option<String>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(Check::AttestationFormat, msg)
}

fn unsupported(platform: &str) -> Error {
    Error::mismatch(
        Check::Unsupported,
        "the attestation is for a platform this verifier does not handle",
        "tdx",
        platform,
    )
}

/// Decodes a versioned attestation (V0 SCALE or V1 msgpack). Errors:
/// [`Check::AttestationFormat`], [`Check::Unsupported`] for a non-TDX platform.
pub fn decode(bytes: &[u8]) -> Result<Attestation> {
    if bytes.len() > MAX_ATTESTATION_LEN {
        return Err(bad(format!(
            "the attestation is {} bytes, more than the {MAX_ATTESTATION_LEN} accepted",
            bytes.len()
        )));
    }
    match bytes.first() {
        None => Err(bad("the attestation is empty")),
        Some(0x00) => decode_v0(bytes),
        Some(0x80..=0x8f | 0xde | 0xdf) => decode_v1(bytes),
        Some(b) => Err(Error::mismatch(
            Check::AttestationFormat,
            "unknown attestation wire format",
            "first byte 0x00 (V0 SCALE) or a msgpack map header (V1)",
            format!("0x{b:02x}"),
        )),
    }
}

// ---- V0: SCALE ----

#[derive(Encode, Decode)]
struct ScaleTdxEvent {
    imr: u32,
    event_type: u32,
    digest: Vec<u8>,
    event: String,
    event_payload: Vec<u8>,
}

#[derive(Encode, Decode)]
struct ScaleRuntimeEvent {
    event: String,
    payload: Vec<u8>,
}

#[derive(Encode, Decode)]
struct ScaleTdxQuote {
    quote: Vec<u8>,
    event_log: Vec<ScaleTdxEvent>,
}

/// `AttestationQuote`: index 0 is DstackTdx; the others are recognised by name only.
enum ScaleQuote {
    Tdx(ScaleTdxQuote),
    Other(u8),
}

impl Decode for ScaleQuote {
    fn decode<I: Input>(input: &mut I) -> std::result::Result<Self, parity_scale_codec::Error> {
        match input.read_byte()? {
            0 => Ok(ScaleQuote::Tdx(ScaleTdxQuote::decode(input)?)),
            i => Ok(ScaleQuote::Other(i)),
        }
    }
}

impl Encode for ScaleQuote {
    fn encode_to<T: parity_scale_codec::Output + ?Sized>(&self, dest: &mut T) {
        match self {
            ScaleQuote::Tdx(q) => {
                dest.push_byte(0);
                q.encode_to(dest);
            }
            ScaleQuote::Other(i) => dest.push_byte(*i),
        }
    }
}

fn v0_platform_name(index: u8) -> String {
    match index {
        1 => "gcp-tdx".into(),
        2 => "nitro-enclave".into(),
        3 => "sev-snp".into(),
        4 => "aws-nitro-tpm".into(),
        i => format!("unknown V0 quote variant {i}"),
    }
}

fn decode_v0(bytes: &[u8]) -> Result<Attestation> {
    let mut input = &bytes[1..];
    let quote = ScaleQuote::decode(&mut input)
        .map_err(|e| bad(format!("V0 SCALE attestation: quote: {e}")))?;
    let tdx = match quote {
        ScaleQuote::Tdx(q) => q,
        ScaleQuote::Other(i) => return Err(unsupported(&v0_platform_name(i))),
    };
    let runtime_events = Vec::<ScaleRuntimeEvent>::decode(&mut input)
        .map_err(|e| bad(format!("V0 SCALE attestation: runtime events: {e}")))?;
    let report_data = <[u8; 64]>::decode(&mut input)
        .map_err(|e| bad(format!("V0 SCALE attestation: report data: {e}")))?;
    let config = String::decode(&mut input)
        .map_err(|e| bad(format!("V0 SCALE attestation: config: {e}")))?;
    if !input.is_empty() {
        return Err(bad(format!(
            "V0 SCALE attestation: {} bytes left over after the value",
            input.len()
        )));
    }
    Ok(Attestation {
        format: Format::V0Scale,
        quote: tdx.quote,
        event_log: tdx
            .event_log
            .into_iter()
            .map(|e| TdxEvent {
                imr: e.imr,
                event_type: e.event_type,
                digest: e.digest,
                event: e.event,
                event_payload: e.event_payload,
                version: None,
                preimage: None,
            })
            .collect(),
        runtime_events: runtime_events
            .into_iter()
            .map(|e| RuntimeEvent {
                event: e.event,
                payload: e.payload,
                version: 1,
            })
            .collect(),
        report_data,
        config,
        stack: "dstack".into(),
        report_data_payload: None,
    })
}

/// Encodes a TDX attestation as V0 SCALE (V2 versions and preimages are not representable
/// and are dropped). For tests and tools; verification never needs it.
pub fn encode_v0(att: &Attestation) -> Vec<u8> {
    let mut out = vec![0u8];
    ScaleQuote::Tdx(ScaleTdxQuote {
        quote: att.quote.clone(),
        event_log: att
            .event_log
            .iter()
            .map(|e| ScaleTdxEvent {
                imr: e.imr,
                event_type: e.event_type,
                digest: e.digest.clone(),
                event: e.event.clone(),
                event_payload: e.event_payload.clone(),
            })
            .collect(),
    })
    .encode_to(&mut out);
    att.runtime_events
        .iter()
        .map(|e| ScaleRuntimeEvent {
            event: e.event.clone(),
            payload: e.payload.clone(),
        })
        .collect::<Vec<_>>()
        .encode_to(&mut out);
    att.report_data.encode_to(&mut out);
    att.config.encode_to(&mut out);
    out
}

// ---- V1: msgpack ----

/// Nesting depth needed by V1 is 5 (map → platform → data → event_log → event).
const MSGPACK_MAX_DEPTH: usize = 16;

fn field<'a>(map: &'a Value, key: &str, at: &str) -> Result<&'a Value> {
    opt_field(map, key, at)?.ok_or_else(|| bad(format!("V1 attestation: {at} has no {key:?}")))
}

fn opt_field<'a>(map: &'a Value, key: &str, at: &str) -> Result<Option<&'a Value>> {
    let Value::Map(entries) = map else {
        return Err(bad(format!("V1 attestation: {at} is not a map")));
    };
    Ok(entries
        .iter()
        .rev()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v))
}

fn bytes_of(v: &Value, at: &str) -> Result<Vec<u8>> {
    match v {
        Value::Binary(b) => Ok(b.clone()),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| bad(format!("V1 attestation: {at} is not bytes")))
            })
            .collect(),
        _ => Err(bad(format!("V1 attestation: {at} is not bytes"))),
    }
}

fn str_of(v: &Value, at: &str) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| bad(format!("V1 attestation: {at} is not a UTF-8 string")))
}

fn u32_of(v: &Value, at: &str) -> Result<u32> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            bad(format!(
                "V1 attestation: {at} is not a 32-bit unsigned integer"
            ))
        })
}

fn version_of(v: Option<&Value>, at: &str) -> Result<Option<u32>> {
    let n = match v {
        None | Some(Value::Nil) => return Ok(None),
        Some(Value::String(s)) => match s.as_str() {
            Some("1" | "V1" | "v1") => 1,
            Some("2" | "V2" | "v2") => 2,
            _ => 0,
        },
        Some(v) => u32_of(v, at)?,
    };
    match n {
        1 | 2 => Ok(Some(n)),
        _ => Err(bad(format!("V1 attestation: {at} is not 1 or 2"))),
    }
}

fn decode_v1(bytes: &[u8]) -> Result<Attestation> {
    let mut rd = bytes;
    let root = rmpv::decode::read_value_with_max_depth(&mut rd, MSGPACK_MAX_DEPTH)
        .map_err(|e| bad(format!("V1 attestation is not msgpack: {e}")))?;
    if !rd.is_empty() {
        return Err(bad(format!(
            "V1 attestation: {} bytes left over after the value",
            rd.len()
        )));
    }
    let version = field(&root, "version", "the attestation")?;
    if version.as_u64() != Some(1) {
        return Err(Error::mismatch(
            Check::AttestationFormat,
            "unsupported attestation version",
            "1",
            version.to_string(),
        ));
    }
    let platform = field(&root, "platform", "the attestation")?;
    let kind = str_of(field(platform, "kind", "platform")?, "platform.kind")?;
    if kind != "tdx" {
        return Err(unsupported(&kind));
    }
    let pdata = field(platform, "data", "platform")?;
    let quote = bytes_of(
        field(pdata, "quote", "platform.data")?,
        "platform.data.quote",
    )?;
    let Value::Array(log) = field(pdata, "event_log", "platform.data")? else {
        return Err(bad(
            "V1 attestation: platform.data.event_log is not an array",
        ));
    };
    let event_log = log
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let at = format!("event_log[{i}]");
            Ok(TdxEvent {
                imr: u32_of(field(e, "imr", &at)?, &format!("{at}.imr"))?,
                event_type: u32_of(field(e, "event_type", &at)?, &format!("{at}.event_type"))?,
                digest: match opt_field(e, "digest", &at)? {
                    None | Some(Value::Nil) => Vec::new(),
                    Some(v) => bytes_of(v, &format!("{at}.digest"))?,
                },
                event: str_of(field(e, "event", &at)?, &format!("{at}.event"))?,
                event_payload: bytes_of(
                    field(e, "event_payload", &at)?,
                    &format!("{at}.event_payload"),
                )?,
                version: version_of(opt_field(e, "version", &at)?, &format!("{at}.version"))?,
                preimage: match opt_field(e, "preimage", &at)? {
                    None | Some(Value::Nil) => None,
                    Some(v) => Some(bytes_of(v, &format!("{at}.preimage"))?),
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let stack = field(&root, "stack", "the attestation")?;
    let stack_kind = str_of(field(stack, "kind", "stack")?, "stack.kind")?;
    if stack_kind != "dstack" && stack_kind != "dstack-pod" {
        return Err(Error::mismatch(
            Check::Unsupported,
            "unknown stack kind",
            "dstack or dstack-pod",
            stack_kind,
        ));
    }
    let sdata = field(stack, "data", "stack")?;
    let rd = bytes_of(
        field(sdata, "report_data", "stack.data")?,
        "stack.data.report_data",
    )?;
    let report_data: [u8; 64] = rd.as_slice().try_into().map_err(|_| {
        Error::mismatch(
            Check::AttestationFormat,
            "stack.data.report_data has the wrong length",
            "64 bytes",
            format!("{} bytes", rd.len()),
        )
    })?;
    let Value::Array(rt) = field(sdata, "runtime_events", "stack.data")? else {
        return Err(bad(
            "V1 attestation: stack.data.runtime_events is not an array",
        ));
    };
    let runtime_events = rt
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let at = format!("runtime_events[{i}]");
            Ok(RuntimeEvent {
                event: str_of(field(e, "event", &at)?, &format!("{at}.event"))?,
                payload: bytes_of(field(e, "payload", &at)?, &format!("{at}.payload"))?,
                version: version_of(opt_field(e, "version", &at)?, &format!("{at}.version"))?
                    .unwrap_or(1),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let config = match opt_field(sdata, "config", "stack.data")? {
        None | Some(Value::Nil) => String::new(),
        Some(v) => str_of(v, "stack.data.config")?,
    };
    let report_data_payload = match opt_field(sdata, "report_data_payload", "stack.data")? {
        None | Some(Value::Nil) => None,
        Some(v) => Some(str_of(v, "stack.data.report_data_payload")?),
    };
    if stack_kind == "dstack-pod" && report_data_payload.is_none() {
        return Err(bad(
            "V1 attestation: a dstack-pod stack has no report_data_payload",
        ));
    }
    Ok(Attestation {
        format: Format::V1Msgpack,
        quote,
        event_log,
        runtime_events,
        report_data,
        config,
        stack: stack_kind,
        report_data_payload,
    })
}

/// The event log as the JSON array the agent's GetQuote returns (hex byte fields), which
/// dstack-core's replay reads.
pub fn event_log_json(events: &[TdxEvent]) -> String {
    let list: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            let mut o = serde_json::json!({
                "imr": e.imr,
                "event_type": e.event_type,
                "digest": hex::encode(&e.digest),
                "event": e.event,
                "event_payload": hex::encode(&e.event_payload),
            });
            if let Some(v) = e.version {
                o["version"] = v.into();
            }
            if let Some(p) = &e.preimage {
                o["preimage"] = hex::encode(p).into();
            }
            o
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}
