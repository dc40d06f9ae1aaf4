//! Event logs: parsing without allocation, runtime-event digests and RTMR replay
//! (docs/PROTOCOL.md §3 `replay_rtmrs`, §5).
//!
//! The log is the JSON array the agent returns (`GetQuote.event_log`, `tcb_info.event_log`):
//! objects `{imr, event_type, digest, event, event_payload, version?, preimage?}`; unknown
//! members are ignored, byte fields are hex without `0x`.
//!
//! Two replays are offered:
//! - [`replay_sound`] recomputes every runtime event's digest from its name and payload
//!   (V1 or V2), so it works on stripped logs and cannot be fooled by a forged `digest`;
//!   [`verify_against_quote`] checks it against a quote.
//! - [`replay_from_digests`] is what the official SDKs shipped (digest fields only, short
//!   digests zero-padded); kept for compatibility, not for verification.

use sha2::{Digest, Sha384};

use crate::error::{Error, Result};
use crate::json::{
    write_str, BufSink, CodePoint, Escaping, HashSink, JsonStr, Parser, Sink, Value,
    MAX_DEPTH_DOCUMENT,
};
use crate::quote::Quote;

/// `event_type` of dstack runtime events (V1 and V2).
pub const RUNTIME_EVENT_TYPE: u32 = 0x0800_0001;

const BAD: Error = Error::MalformedResponse;

/// Bytes that are either already decoded or still hex text (validated).
#[derive(Clone, Copy)]
enum Bytes<'a> {
    Raw(&'a [u8]),
    Hex(&'a str),
}

impl Bytes<'_> {
    /// Feeds the decoded bytes to `f` in chunks.
    fn for_each_chunk(self, mut f: impl FnMut(&[u8])) -> Result<()> {
        match self {
            Bytes::Raw(b) => f(b),
            Bytes::Hex(h) => {
                let mut buf = [0u8; 64];
                for chunk in h.as_bytes().chunks(128) {
                    let d = crate::hex::decode(chunk, &mut buf)?;
                    f(d);
                }
            }
        }
        Ok(())
    }
    fn len(self) -> usize {
        match self {
            Bytes::Raw(b) => b.len(),
            Bytes::Hex(h) => h.len() / 2,
        }
    }
}

fn v1_digest(
    event_type: u32,
    name: impl Iterator<Item = char>,
    payload: Bytes<'_>,
) -> Result<[u8; 48]> {
    let mut h = Sha384::new();
    h.update(event_type.to_le_bytes());
    h.update(b":");
    let mut buf = [0u8; 4];
    for c in name {
        h.update(c.encode_utf8(&mut buf).as_bytes());
    }
    h.update(b":");
    payload.for_each_chunk(|c| h.update(c))?;
    Ok(h.finalize().into())
}

/// An event name: given by the caller, or a JSON string from a log (maybe escaped).
#[derive(Clone, Copy)]
enum Name<'a> {
    Text(&'a str),
    Json(JsonStr<'a>),
}

/// Streams the canonical (RFC 8785) V2 pre-image into `sink`.
fn v2_preimage(name: Name<'_>, payload: Bytes<'_>, sink: &mut impl Sink) -> Result<()> {
    sink.put(b"{\"name\":");
    match name {
        Name::Text(s) => write_str(s, Escaping::JavaScript, sink),
        Name::Json(s) => s.write_escaped(Escaping::JavaScript, sink),
    }
    sink.put(b",\"payload\":\"");
    let mut hex = [0u8; 128];
    let mut res = Ok(());
    payload.for_each_chunk(|c| match crate::hex::encode(c, &mut hex) {
        Ok(t) => sink.put(t.as_bytes()),
        Err(e) => res = Err(e),
    })?;
    res?;
    sink.put(b"\",\"type\":134217729}");
    Ok(())
}

fn v2_digest(name: Name<'_>, payload: Bytes<'_>) -> Result<[u8; 48]> {
    let mut s = HashSink(Sha384::new());
    v2_preimage(name, payload, &mut s)?;
    Ok(s.0.finalize().into())
}

/// V1 runtime-event digest: `SHA-384(event_type LE ‖ ":" ‖ name ‖ ":" ‖ payload)`.
pub fn runtime_event_digest_v1(event_type: u32, name: &str, payload: &[u8]) -> [u8; 48] {
    // Raw bytes never fail to stream.
    v1_digest(event_type, name.chars(), Bytes::Raw(payload)).unwrap_or([0; 48])
}

/// V2 runtime-event digest: SHA-384 of the RFC 8785 JSON
/// `{"name":<name>,"payload":"<lowercase hex>","type":134217729}`, streamed into the hash.
pub fn runtime_event_digest_v2(name: &str, payload: &[u8]) -> [u8; 48] {
    v2_digest(Name::Text(name), Bytes::Raw(payload)).unwrap_or([0; 48])
}

/// Length of the V2 pre-image of (`name`, `payload`), for sizing [`runtime_event_preimage_v2`].
pub fn runtime_event_preimage_v2_len(name: &str, payload: &[u8]) -> usize {
    let mut c = BufSink::counting();
    // Raw bytes never fail to stream.
    let _ = v2_preimage(Name::Text(name), Bytes::Raw(payload), &mut c);
    c.len()
}

/// Writes the canonical V2 pre-image of (`name`, `payload`) into `out`.
pub fn runtime_event_preimage_v2(name: &str, payload: &[u8], out: &mut [u8]) -> Result<usize> {
    let mut s = BufSink::new(out);
    v2_preimage(Name::Text(name), Bytes::Raw(payload), &mut s)?;
    if !s.fits() {
        return Err(Error::BufferTooSmall { needed: s.len() });
    }
    Ok(s.len())
}

/// Compares streamed bytes with an expected hex text.
struct HexCompare<'a> {
    hex: &'a [u8],
    at: usize,
    equal: bool,
}

impl Sink for HexCompare<'_> {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let Some(pair) = self.hex.get(2 * self.at..2 * self.at + 2) else {
                self.equal = false;
                return;
            };
            let mut d = [0u8; 1];
            if crate::hex::decode(pair, &mut d).map(|d| d[0]) != Ok(b) {
                self.equal = false;
            }
            self.at += 1;
        }
    }
}

/// One event of a log, borrowing the JSON text.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    imr: u32,
    event_type: u32,
    digest: &'a str,
    name: JsonStr<'a>,
    payload: &'a str,
    version: u32,
    preimage: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// RTMR index (0..=3).
    pub fn imr(&self) -> u32 {
        self.imr
    }
    /// Event type (`RUNTIME_EVENT_TYPE` for dstack runtime events).
    pub fn event_type(&self) -> u32 {
        self.event_type
    }
    /// Whether this is a dstack runtime event.
    pub fn is_runtime(&self) -> bool {
        self.event_type == RUNTIME_EVENT_TYPE
    }
    /// The `digest` field as hex text (empty in stripped logs for runtime events).
    pub fn digest_hex(&self) -> &'a str {
        self.digest
    }
    /// Decoded length of the `digest` field.
    pub fn digest_len(&self) -> usize {
        self.digest.len() / 2
    }
    /// Decodes the `digest` field into `out`.
    pub fn digest<'o>(&self, out: &'o mut [u8]) -> Result<&'o [u8]> {
        crate::hex::decode(self.digest.as_bytes(), out).map(|d| &*d)
    }
    /// The event name as raw JSON string text (escapes not decoded).
    pub fn name_raw(&self) -> &'a str {
        self.name.raw()
    }
    /// The event name when it has no escapes (the usual case), without copying.
    pub fn name_plain(&self) -> Option<&'a str> {
        self.name.as_plain()
    }
    /// Byte length of the decoded (UTF-8) name.
    pub fn name_len(&self) -> usize {
        self.name
            .code_points()
            .map(|c| match c {
                CodePoint::Char(c) => c.len_utf8(),
                CodePoint::Lone(_) => 0,
            })
            .sum()
    }
    /// Writes the decoded name as UTF-8 into `out`.
    pub fn name<'o>(&self, out: &'o mut [u8]) -> Result<&'o str> {
        self.name.write_utf8(out)
    }
    /// Whether the decoded name equals `s`.
    pub fn name_eq(&self, s: &str) -> bool {
        self.name.eq_str(s)
    }
    /// The payload as hex text.
    pub fn payload_hex(&self) -> &'a str {
        self.payload
    }
    /// Decoded payload length.
    pub fn payload_len(&self) -> usize {
        self.payload.len() / 2
    }
    /// Decodes the payload into `out`.
    pub fn payload<'o>(&self, out: &'o mut [u8]) -> Result<&'o [u8]> {
        crate::hex::decode(self.payload.as_bytes(), out).map(|d| &*d)
    }
    /// Runtime-event digest version (1 when the field is absent).
    pub fn version(&self) -> u32 {
        self.version
    }
    /// The `preimage` field as hex text, if present.
    pub fn preimage_hex(&self) -> Option<&'a str> {
        self.preimage
    }
    /// Decodes the preimage into `out` (`Ok(None)` when absent).
    pub fn preimage<'o>(&self, out: &'o mut [u8]) -> Result<Option<&'o [u8]>> {
        match self.preimage {
            None => Ok(None),
            Some(h) => crate::hex::decode(h.as_bytes(), out).map(|d| Some(&*d)),
        }
    }

    fn chars(&self) -> impl Iterator<Item = char> + 'a {
        self.name.code_points().filter_map(|c| match c {
            CodePoint::Char(c) => Some(c),
            CodePoint::Lone(_) => None,
        })
    }

    /// The digest recomputed from name and payload (runtime events only):
    /// V1 or V2 according to [`Event::version`].
    pub fn runtime_digest(&self) -> Result<[u8; 48]> {
        if !self.is_runtime() {
            return Err(Error::InvalidArgument("not a runtime event"));
        }
        match self.version {
            1 => v1_digest(self.event_type, self.chars(), Bytes::Hex(self.payload)),
            _ => v2_digest(Name::Json(self.name), Bytes::Hex(self.payload)),
        }
    }

    /// The digest a sound replay extends the RTMR with: recomputed for runtime events,
    /// the 48-byte `digest` field for all others.
    pub fn replay_digest(&self) -> Result<[u8; 48]> {
        if self.is_runtime() {
            return self.runtime_digest();
        }
        crate::hex::decode_array::<48>(self.digest.as_bytes()).map_err(|_| BAD)
    }

    /// Checks a V2 event's `preimage` (docs/PROTOCOL.md §5.4): it must be exactly the canonical
    /// JCS encoding of (name, payload), hence hash to the event's digest. Events without
    /// a preimage, and V1 events, pass.
    pub fn check_preimage(&self) -> Result<()> {
        let Some(pre) = self.preimage else {
            return Ok(());
        };
        if !self.is_runtime() || self.version != 2 {
            return Ok(());
        }
        let mut cmp = HexCompare {
            hex: pre.as_bytes(),
            at: 0,
            equal: true,
        };
        v2_preimage(Name::Json(self.name), Bytes::Hex(self.payload), &mut cmp)?;
        if cmp.equal && 2 * cmp.at == pre.len() {
            Ok(())
        } else {
            Err(Error::VerificationFailed)
        }
    }
}

/// The members of one event object, as raw values (last duplicate wins).
#[derive(Default)]
struct RawEvent<'a> {
    imr: Option<Value<'a>>,
    event_type: Option<Value<'a>>,
    digest: Option<Value<'a>>,
    event: Option<Value<'a>>,
    payload: Option<Value<'a>>,
    version: Option<Value<'a>>,
    preimage: Option<Value<'a>>,
}

const KNOWN_KEYS: [&str; 7] = [
    "imr",
    "event_type",
    "digest",
    "event",
    "event_payload",
    "version",
    "preimage",
];

fn parse_raw_event<'a>(p: &mut Parser<'a>) -> Result<RawEvent<'a>> {
    let mut e = RawEvent::default();
    let mut first = true;
    while let Some(key) = p.next_key(first)? {
        first = false;
        let v = p.value(2)?;
        // `eq_str` also matches escaped spellings of the keys.
        match KNOWN_KEYS.iter().position(|k| key.eq_str(k)) {
            Some(0) => e.imr = Some(v),
            Some(1) => e.event_type = Some(v),
            Some(2) => e.digest = Some(v),
            Some(3) => e.event = Some(v),
            Some(4) => e.payload = Some(v),
            Some(5) => e.version = Some(v),
            Some(6) => e.preimage = Some(v),
            _ => {}
        }
    }
    Ok(e)
}

/// An `imr` as JavaScript and Python read it: a number with an integral value (`2`,
/// `2.0`, `2e0`, `-0`) is that integer; a fraction or a non-number is malformed.
/// `Ok(None)` for an integer outside 0..=3. Both replays use it, so they agree on which
/// spellings are valid.
fn imr_index(v: Value<'_>) -> Result<Option<u32>> {
    let Value::Num(n) = v else {
        return Err(BAD);
    };
    if n.len() == 1 {
        // The usual spelling: one digit.
        return Ok(Some(n.as_bytes()[0] - b'0')
            .filter(|&i| i <= 3)
            .map(u32::from));
    }
    let f: f64 = n.parse().map_err(|_| BAD)?;
    // Every float of magnitude >= 2^53 is an integer.
    if f.abs() < 9.0e15 && (f as i64) as f64 != f {
        return Err(BAD);
    }
    if !(0.0..=3.0).contains(&f) {
        return Ok(None);
    }
    Ok(Some(f as u32))
}

fn strict_u32(v: Option<Value<'_>>) -> Result<u32> {
    match v {
        Some(Value::Num(n)) if n.bytes().all(|b| b.is_ascii_digit()) => n.parse().map_err(|_| BAD),
        _ => Err(BAD),
    }
}

fn hex_text<'a>(v: Option<Value<'a>>) -> Result<&'a str> {
    match v {
        Some(Value::Str(s)) => {
            let t = s.as_plain().ok_or(BAD)?;
            if t.len() % 2 != 0 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(BAD);
            }
            Ok(t)
        }
        _ => Err(BAD),
    }
}

impl<'a> RawEvent<'a> {
    fn strict(self) -> Result<Event<'a>> {
        let imr = imr_index(self.imr.ok_or(BAD)?)?.ok_or(BAD)?;
        let event_type = strict_u32(self.event_type)?;
        let digest = hex_text(self.digest)?;
        let name = match self.event {
            Some(Value::Str(s)) if !s.has_lone_surrogate() => s,
            _ => return Err(BAD),
        };
        let payload = hex_text(self.payload)?;
        let version = match self.version {
            None | Some(Value::Null) => 1,
            v => match strict_u32(v)? {
                v @ (1 | 2) => v,
                _ => return Err(BAD),
            },
        };
        let preimage = match self.preimage {
            None | Some(Value::Null) => None,
            v => Some(hex_text(v)?),
        };
        Ok(Event {
            imr,
            event_type,
            digest,
            name,
            payload,
            version,
            preimage,
        })
    }
}

/// Iterator over the events of a log; yields `Err` once (then stops) on malformed input.
#[derive(Debug, Clone)]
pub struct Events<'a> {
    p: Parser<'a>,
    started: bool,
    done: bool,
}

/// Iterates the events of the JSON array `json`, validating each one strictly: `imr` an
/// integer 0..=3 (any spelling of an integral number, `2.0` too, as in JavaScript and
/// Python and as [`replay_from_digests`] reads it), `event_type` an unsigned integer,
/// `digest`/`event_payload`/`preimage` hex, `event` a string, `version` absent, 1 or 2.
/// Anything else is
/// `Error::MalformedResponse`. No allocation and no limit on the number of events.
pub fn events(json: &[u8]) -> Events<'_> {
    Events {
        p: Parser::new(json, MAX_DEPTH_DOCUMENT),
        started: false,
        done: false,
    }
}

impl<'a> Events<'a> {
    fn next_raw(&mut self) -> Option<Result<RawEvent<'a>>> {
        if self.done {
            return None;
        }
        let r = (|| {
            let first = !self.started;
            self.started = true;
            if !self.p.next_element(first)? {
                self.p.end()?;
                return Ok(None);
            }
            parse_raw_event(&mut self.p).map(Some)
        })();
        match r {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<Event<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        let r = self.next_raw()?.and_then(RawEvent::strict);
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

fn extend(mr: &mut [u8; 48], digest: &[u8; 48]) {
    let mut h = Sha384::new();
    h.update(&mr[..]);
    h.update(digest);
    *mr = h.finalize().into();
}

/// Sound replay of RTMR0..3: runtime events get their digest recomputed from name and
/// payload (V1 or V2), never taken from the `digest` field; other events must carry a
/// 48-byte digest. Works on stripped GetQuote logs.
pub fn replay_sound(json: &[u8]) -> Result<[[u8; 48]; 4]> {
    let mut mrs = [[0u8; 48]; 4];
    for ev in events(json) {
        let ev = ev?;
        let d = ev.replay_digest()?;
        extend(&mut mrs[ev.imr as usize], &d);
    }
    Ok(mrs)
}

/// The official SDKs' `replay_rtmrs`: for each RTMR, the `digest` fields of its events in
/// log order, zero-padded on the right to 48 bytes (longer digests hashed whole). Events
/// whose `imr` is absent or a number outside 0..=3 are ignored, as the SDKs did. Errors:
/// a digest that is missing, not a string, odd-length, `0x`-prefixed or not hex; an `imr`
/// that is not an integer (string, boolean, null, fraction; `2.0` is the integer 2, as
/// in [`replay_sound`]). **Unsound on stripped logs**:
/// use [`replay_sound`] to verify.
pub fn replay_from_digests(json: &[u8]) -> Result<[[u8; 48]; 4]> {
    let mut mrs = [[0u8; 48]; 4];
    let mut it = events(json);
    while let Some(raw) = it.next_raw() {
        let raw = raw?;
        let idx = match raw.imr.map(imr_index).transpose()?.flatten() {
            Some(i) => i as usize,
            // Absent, or an integer outside 0..=3.
            None => continue,
        };
        let digest = Bytes::Hex(hex_text(raw.digest).map_err(|_| Error::InvalidHex)?);
        let mut h = Sha384::new();
        h.update(&mrs[idx][..]);
        digest.for_each_chunk(|c| h.update(c))?;
        if digest.len() < 48 {
            h.update(&[0u8; 48][..48 - digest.len()]);
        }
        mrs[idx] = h.finalize().into();
    }
    Ok(mrs)
}

/// Validates the V2 preimages of every event (§5.4); see [`Event::check_preimage`].
pub fn check_preimages(json: &[u8]) -> Result<()> {
    for ev in events(json) {
        ev?.check_preimage()?;
    }
    Ok(())
}

/// Verifies an event log against a TDX quote: the sound replay must reproduce RTMR0..3
/// of `quote` (binary) and, if given, the quote's report_data must equal
/// `expected_report_data`; V2 preimages present in the log must be canonical. Mismatch
/// is `Error::VerificationFailed`. The quote's own signature is **not** checked here.
pub fn verify_against_quote(
    quote: &[u8],
    json: &[u8],
    expected_report_data: Option<&[u8; 64]>,
) -> Result<()> {
    let q = Quote::parse(quote)?;
    let replayed = replay_sound(json)?;
    check_preimages(json)?;
    if replayed != q.rtmrs() {
        return Err(Error::VerificationFailed);
    }
    if let Some(rd) = expected_report_data {
        if rd != q.report_data() {
            return Err(Error::VerificationFailed);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(imr: &str, digest: &[u8; 48]) -> heapless::String<256> {
        let mut hex = [0u8; 96];
        let hex = crate::hex::encode(digest, &mut hex).unwrap();
        let mut s = heapless::String::new();
        for part in [
            r#"[{"imr":"#,
            imr,
            r#","event_type":1,"digest":""#,
            hex,
            r#"","event":"e","event_payload":""}]"#,
        ] {
            s.push_str(part).unwrap();
        }
        s
    }

    #[test]
    fn integral_imr_spellings_agree_in_both_replays() {
        let digest = [0x5a; 48];
        // RTMR2 after one extend: SHA-384(48 zero bytes ‖ digest); the others stay zero.
        let mut want = [[0u8; 48]; 4];
        let mut h = Sha384::new();
        h.update([0u8; 48]);
        h.update(digest);
        want[2] = h.finalize().into();
        for imr in ["2", "2.0", "2e0", "0.2e1", "2.000"] {
            let text = log(imr, &digest);
            assert_eq!(replay_sound(text.as_bytes()), Ok(want), "{imr}");
            assert_eq!(replay_from_digests(text.as_bytes()), Ok(want), "{imr}");
            let ev = events(text.as_bytes()).next().unwrap().unwrap();
            assert_eq!(ev.imr(), 2);
        }
        // `-0` is RTMR0.
        let text = log("-0.0", &digest);
        let got = replay_sound(text.as_bytes()).unwrap();
        assert_eq!((got[0], got[2]), (want[2], [0u8; 48]));
        assert_eq!(replay_from_digests(text.as_bytes()), Ok(got));
        // A fraction is an error in both.
        for imr in ["2.5", "1e-1"] {
            let text = log(imr, &digest);
            assert_eq!(replay_sound(text.as_bytes()), Err(BAD), "{imr}");
            assert_eq!(replay_from_digests(text.as_bytes()), Err(BAD), "{imr}");
        }
        // An integer outside 0..=3: an error for the strict replay, skipped by the SDKs'.
        for imr in ["4.0", "-1", "1e300"] {
            let text = log(imr, &digest);
            assert_eq!(replay_sound(text.as_bytes()), Err(BAD), "{imr}");
            assert_eq!(replay_from_digests(text.as_bytes()), Ok([[0u8; 48]; 4]));
        }
    }
}
