//! Byte sinks, the one string escaper (two documented [`Escaping`] modes) and
//! [`JsonWriter`], the request-body writer built on them.

use super::read::CodePoint;

/// A byte consumer: an output buffer, a counter, a hasher or a comparator. Lets one
/// serializer feed any of them without an intermediate buffer.
pub(crate) trait Sink {
    /// Consumes `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

/// A [`Sink`] writing into a caller buffer. Writing never fails: bytes past the end of
/// the buffer are counted but dropped, so the same code computes the exact length (with
/// an empty buffer) and then writes it.
pub(crate) struct BufSink<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl<'o> BufSink<'o> {
    /// A sink into `out`.
    pub fn new(out: &'o mut [u8]) -> Self {
        BufSink { out, len: 0 }
    }

    /// A sink that only counts.
    pub fn counting() -> BufSink<'static> {
        BufSink {
            out: &mut [],
            len: 0,
        }
    }

    /// Bytes produced so far (written or counted).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when everything produced so far fit in the buffer.
    pub fn fits(&self) -> bool {
        self.len <= self.out.len()
    }
}

impl Sink for BufSink<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let start = self.len;
        self.len += bytes.len();
        if let Some(dst) = self.out.get_mut(start..self.len) {
            dst.copy_from_slice(bytes);
        }
    }
}

/// A [`Sink`] over any RustCrypto hash.
pub(crate) struct HashSink<D>(pub D);

impl<D: sha2::Digest> Sink for HashSink<D> {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// How [`write_str`] escapes. Both modes escape the same characters — `"`, `\`, the
/// controls U+0000..U+001F — and write everything else (non-ASCII included) as raw
/// UTF-8; they differ only in how five controls are spelled. Lone surrogates (only
/// reachable through [`write_code_points`]) are `\uXXXX` in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escaping {
    /// Every control as lowercase `\u00XX`: what request bodies have always used (the
    /// agent's serde_json reads both spellings).
    Uniform,
    /// ECMAScript `JSON.stringify` (and RFC 8785): `\b \f \n \r \t` short escapes, other
    /// controls as lowercase `\u00XX`. Required wherever the bytes are hashed or compared
    /// with what the JS SDK produces (app-compose, V2 event pre-images, env plaintext).
    JavaScript,
}

/// The escape for an ASCII byte, if it needs one: the bytes and their count.
#[inline]
fn escape_ascii(b: u8, mode: Escaping) -> Option<([u8; 6], usize)> {
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 if mode == Escaping::JavaScript => b'b',
        0x0c if mode == Escaping::JavaScript => b'f',
        b'\n' if mode == Escaping::JavaScript => b'n',
        b'\r' if mode == Escaping::JavaScript => b'r',
        b'\t' if mode == Escaping::JavaScript => b't',
        0x00..=0x1f => return Some((u_escape(b as u16), 6)),
        _ => return None,
    };
    Some(([b'\\', short, 0, 0, 0, 0], 2))
}

fn u_escape(u: u16) -> [u8; 6] {
    [
        b'\\',
        b'u',
        HEX_DIGITS[(u >> 12) as usize & 15],
        HEX_DIGITS[(u >> 8) as usize & 15],
        HEX_DIGITS[(u >> 4) as usize & 15],
        HEX_DIGITS[u as usize & 15],
    ]
}

/// Writes `s` as a quoted JSON string escaped per `mode`, copying escape-free runs whole.
pub(crate) fn write_str(s: &str, mode: Escaping, sink: &mut impl Sink) {
    sink.put(b"\"");
    let bytes = s.as_bytes();
    let mut run = 0;
    loop {
        // Both modes escape exactly `"`, `\\` and the controls: the bytes a plain run of
        // a JSON string stops at (the reader's eight-at-a-time scan).
        let i = super::read::plain_run(bytes, run);
        let Some(&b) = bytes.get(i) else { break };
        sink.put(&bytes[run..i]);
        if let Some((esc, n)) = escape_ascii(b, mode) {
            sink.put(&esc[..n]);
        }
        run = i + 1;
    }
    sink.put(&bytes[run..]);
    sink.put(b"\"");
}

/// Writes decoded code points as a quoted JSON string escaped per `mode`.
pub(crate) fn write_code_points<I: Iterator<Item = CodePoint>>(
    cps: I,
    mode: Escaping,
    sink: &mut impl Sink,
) {
    sink.put(b"\"");
    let mut buf = [0u8; 4];
    for cp in cps {
        match cp {
            CodePoint::Char(c) => {
                let esc = if c.is_ascii() {
                    escape_ascii(c as u8, mode)
                } else {
                    None
                };
                match esc {
                    Some((esc, n)) => sink.put(&esc[..n]),
                    None => sink.put(c.encode_utf8(&mut buf).as_bytes()),
                }
            }
            CodePoint::Lone(u) => sink.put(&u_escape(u)),
        }
    }
    sink.put(b"\"");
}

impl super::JsonStr<'_> {
    /// Writes the decoded string re-escaped per `mode` (the raw text is not reused: the
    /// input may spell characters differently from `mode`).
    pub(crate) fn write_escaped(&self, mode: Escaping, sink: &mut impl Sink) {
        match self.as_plain() {
            Some(s) => write_str(s, mode, sink),
            None => write_code_points(self.code_points(), mode, sink),
        }
    }
}

/// Formats `value` in decimal into `buf`, returning the digits.
pub(crate) fn decimal(mut value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Writes one JSON object into a caller buffer, or only counts its length.
///
/// Writing never fails: bytes past the end of the buffer are counted but dropped, so the
/// same code computes the exact length (with an empty buffer) and then writes it. Strings
/// are escaped as JSON requires: `"` and `\` with a backslash, control characters as
/// `\u00XX`, everything else (including non-ASCII UTF-8) verbatim.
pub struct JsonWriter<'b> {
    sink: BufSink<'b>,
    needs_comma: bool,
}

impl<'b> JsonWriter<'b> {
    /// A writer into `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        JsonWriter {
            sink: BufSink::new(buf),
            needs_comma: false,
        }
    }

    /// A writer that only counts.
    pub fn counting() -> JsonWriter<'static> {
        JsonWriter {
            sink: BufSink::counting(),
            needs_comma: false,
        }
    }

    /// Bytes produced so far (written or counted).
    pub fn len(&self) -> usize {
        self.sink.len()
    }

    /// True when nothing has been produced yet.
    pub fn is_empty(&self) -> bool {
        self.sink.len() == 0
    }

    /// True when everything produced so far fit in the buffer.
    pub fn fits(&self) -> bool {
        self.sink.fits()
    }

    /// Appends raw bytes (the caller guarantees they are valid JSON in context).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.sink.put(bytes);
    }

    /// Appends `s` as a quoted, escaped JSON string.
    pub fn string(&mut self, s: &str) {
        write_str(s, Escaping::Uniform, &mut self.sink);
    }

    /// Appends `bytes` as a quoted lowercase hex string.
    pub fn hex(&mut self, bytes: &[u8]) {
        self.raw(b"\"");
        for b in bytes {
            self.raw(&[HEX_DIGITS[(b >> 4) as usize], HEX_DIGITS[(b & 15) as usize]]);
        }
        self.raw(b"\"");
    }

    /// Opens the top-level object.
    pub fn begin_object(&mut self) {
        self.raw(b"{");
        self.needs_comma = false;
    }

    /// Closes the top-level object.
    pub fn end_object(&mut self) {
        self.raw(b"}");
        self.needs_comma = true;
    }

    fn key(&mut self, name: &str) {
        if self.needs_comma {
            self.raw(b",");
        }
        self.needs_comma = true;
        self.string(name);
        self.raw(b":");
    }

    /// Writes `"name":"<escaped value>"`.
    pub fn field_str(&mut self, name: &str, value: &str) {
        self.key(name);
        self.string(value);
    }

    /// Writes `"name":"<lowercase hex of value>"`.
    pub fn field_hex(&mut self, name: &str, value: &[u8]) {
        self.key(name);
        self.hex(value);
    }

    /// Writes `"name":true` or `"name":false`.
    pub fn field_bool(&mut self, name: &str, value: bool) {
        self.key(name);
        self.raw(if value { b"true" } else { b"false" });
    }

    /// Writes `"name":<decimal value>`.
    pub fn field_u64(&mut self, name: &str, value: u64) {
        self.key(name);
        let mut digits = [0u8; 20];
        let text = decimal(value, &mut digits);
        self.raw(text);
    }

    /// Writes `"name":["a","b",…]`.
    pub fn field_str_array(&mut self, name: &str, values: &[&str]) {
        self.key(name);
        self.raw(b"[");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.raw(b",");
            }
            self.string(v);
        }
        self.raw(b"]");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Parser;

    fn escaped(s: &str, mode: Escaping) -> heapless::Vec<u8, 64> {
        let mut out = [0u8; 64];
        let mut sink = BufSink::new(&mut out);
        write_str(s, mode, &mut sink);
        let n = sink.len();
        heapless::Vec::from_slice(&out[..n]).unwrap()
    }

    #[test]
    fn the_two_modes_differ_only_in_five_controls() {
        let s = "q\"b\\s/\u{0}\u{1f}\n\t\r\u{8}\u{c}é\u{7f}";
        assert_eq!(
            escaped(s, Escaping::Uniform).as_slice(),
            "\"q\\\"b\\\\s/\\u0000\\u001f\\u000a\\u0009\\u000d\\u0008\\u000cé\u{7f}\"".as_bytes()
        );
        assert_eq!(
            escaped(s, Escaping::JavaScript).as_slice(),
            "\"q\\\"b\\\\s/\\u0000\\u001f\\n\\t\\r\\b\\fé\u{7f}\"".as_bytes()
        );
    }

    #[test]
    fn code_points_match_str_and_keep_lone_surrogates() {
        let text = br#""a\"\n\u00e9\ud800\/""#;
        let js = Parser::new(text, 1).string().unwrap();
        for mode in [Escaping::Uniform, Escaping::JavaScript] {
            let mut out = [0u8; 64];
            let mut sink = BufSink::new(&mut out);
            js.write_escaped(mode, &mut sink);
            let n = sink.len();
            let want: &[u8] = match mode {
                Escaping::Uniform => "\"a\\\"\\u000aé\\ud800/\"".as_bytes(),
                Escaping::JavaScript => "\"a\\\"\\né\\ud800/\"".as_bytes(),
            };
            assert_eq!(&out[..n], want);
        }
    }

    #[test]
    fn buf_sink_counts_past_the_end() {
        let mut out = [0u8; 3];
        let mut sink = BufSink::new(&mut out);
        sink.put(b"ab");
        sink.put(b"cd");
        assert_eq!((sink.len(), sink.fits()), (4, false));
        assert_eq!(&out, b"ab\0");
    }
}
