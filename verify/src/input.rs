//! Reading evidence the way it is handed around: raw bytes, hex text (optional `0x`, any
//! surrounding whitespace), PEM, or the agent's JSON answers.

use crate::error::{Check, Error, Result};

fn input_err(msg: impl Into<String>) -> Error {
    Error::new(Check::Input, msg)
}

/// Whether `data` is hex text (after trimming whitespace and an optional `0x`).
pub fn is_hex_text(data: &[u8]) -> bool {
    let t = trim(data);
    let t = t
        .strip_prefix(b"0x")
        .or_else(|| t.strip_prefix(b"0X"))
        .unwrap_or(t);
    !t.is_empty() && t.len().is_multiple_of(2) && t.iter().all(u8::is_ascii_hexdigit)
}

fn trim(data: &[u8]) -> &[u8] {
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &data[start..end]
}

/// Decodes hex text (optional `0x`, whitespace around it).
pub fn hex_text(text: &str) -> Result<Vec<u8>> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    hex::decode(t).map_err(|e| input_err(format!("not hex: {e}")))
}

/// Binary evidence: hex text is decoded, anything else is taken as the raw bytes.
pub fn binary(data: &[u8]) -> Vec<u8> {
    if is_hex_text(data) {
        // is_hex_text guarantees ASCII hex.
        hex_text(std::str::from_utf8(data).unwrap_or_default()).unwrap_or_default()
    } else {
        data.to_vec()
    }
}

/// A certificate: the first PEM CERTIFICATE block (the leaf of a chain), hex DER, or raw
/// DER.
pub fn certificate_der(data: &[u8]) -> Result<Vec<u8>> {
    if data.windows(11).any(|w| w == b"-----BEGIN ") {
        return crate::dcap::pem_certificates(data)
            .into_iter()
            .next()
            .ok_or_else(|| input_err("the PEM text holds no CERTIFICATE block"));
    }
    Ok(binary(data))
}

/// A GetQuote answer: `{"quote": hex, "event_log": JSON text (or the array itself),
/// "vm_config"?: text, "report_data"?: hex}`.
#[derive(Debug, Clone)]
pub struct GetQuote {
    /// The quote bytes.
    pub quote: Vec<u8>,
    /// The event log as JSON array text, when present.
    pub event_log: Option<String>,
    /// The vm_config text, when present.
    pub vm_config: Option<String>,
}

impl GetQuote {
    /// Parses the JSON answer. [`Check::Input`] on anything else.
    pub fn parse(json: &[u8]) -> Result<GetQuote> {
        let v: serde_json::Value = serde_json::from_slice(json)
            .map_err(|e| input_err(format!("not a GetQuote JSON answer: {e}")))?;
        let quote = v
            .get("quote")
            .and_then(|q| q.as_str())
            .ok_or_else(|| input_err("the GetQuote answer has no \"quote\" string"))?;
        let quote = hex_text(quote)?;
        let event_log = match v.get("event_log") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) if s.is_empty() => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(a @ serde_json::Value::Array(_)) => Some(a.to_string()),
            Some(_) => return Err(input_err("\"event_log\" is neither text nor an array")),
        };
        let vm_config = match v.get("vm_config") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(o @ serde_json::Value::Object(_)) => Some(o.to_string()),
            Some(_) => return Err(input_err("\"vm_config\" is neither text nor an object")),
        };
        Ok(GetQuote {
            quote,
            event_log,
            vm_config,
        })
    }
}

/// Attestation bytes from raw bytes, hex text, or JSON with an `"attestation"` hex field
/// (an Attest answer or a dstack-verifier request).
pub fn attestation(data: &[u8]) -> Result<Vec<u8>> {
    let t = trim(data);
    if t.first() == Some(&b'{') {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(t) {
            let a = v
                .get("attestation")
                .and_then(|a| a.as_str())
                .ok_or_else(|| input_err("the JSON has no \"attestation\" hex string"))?;
            return hex_text(a);
        }
    }
    Ok(binary(data))
}
