//! A JSON writer for request bodies and a strict, allocation-free JSON reader for
//! response bodies.
//!
//! Why not serde-json-core for reading: its `from_slice_escaped` unescapes every string
//! into the *start* of the same scratch buffer and hands it to the visitor as a transient
//! `&str`, so a view holding several unescaped strings at once (a PEM key and its
//! certificate chain, `event_log` next to `vm_config`) cannot borrow them; it also has no
//! `deserialize_any` (needed to accept two shapes of `Info`) and skips unknown scalar
//! values without validating them. The reader below validates the whole document,
//! borrows unescaped strings straight from the body when they contain no escape, and
//! otherwise unescapes each one into its own region of the caller's scratch buffer.
//!
//! Scratch bound: every field is unescaped or hex-decoded at most once (a duplicated
//! field name is rejected), an unescaped string is never longer than its escaped text and
//! decoded hex is half its text, so `scratch.len() >= body.len()` always suffices.

use crate::error::{Error, Result};

/// Deepest nesting of arrays and objects the reader accepts (the agent's bodies nest at
/// most three levels; the limit keeps recursion bounded on hostile input).
pub const MAX_DEPTH: usize = 32;

// ---------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------

/// Writes one JSON object into a caller buffer, or only counts its length.
///
/// Writing never fails: bytes past the end of the buffer are counted but dropped, so the
/// same code computes the exact length (with an empty buffer) and then writes it. Strings
/// are escaped as JSON requires: `"` and `\` with a backslash, control characters as
/// `\u00XX`, everything else (including non-ASCII UTF-8) verbatim.
pub struct JsonWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    needs_comma: bool,
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

impl<'b> JsonWriter<'b> {
    /// A writer into `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        JsonWriter { buf, len: 0, needs_comma: false }
    }

    /// A writer that only counts.
    pub fn counting() -> JsonWriter<'static> {
        JsonWriter { buf: &mut [], len: 0, needs_comma: false }
    }

    /// Bytes produced so far (written or counted).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing has been produced yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when everything produced so far fit in the buffer.
    pub fn fits(&self) -> bool {
        self.len <= self.buf.len()
    }

    /// Appends raw bytes (the caller guarantees they are valid JSON in context).
    pub fn raw(&mut self, bytes: &[u8]) {
        let start = self.len;
        self.len += bytes.len();
        if let Some(dst) = self.buf.get_mut(start..start + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }

    fn byte(&mut self, b: u8) {
        self.raw(&[b]);
    }

    /// Appends `s` as a quoted, escaped JSON string.
    pub fn string(&mut self, s: &str) {
        self.byte(b'"');
        let bytes = s.as_bytes();
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: Option<[u8; 6]> = match b {
                b'"' => Some(*b"\\\"    "),
                b'\\' => Some(*b"\\\\    "),
                0x00..=0x1f => Some([
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX_DIGITS[(b >> 4) as usize],
                    HEX_DIGITS[(b & 15) as usize],
                ]),
                _ => None,
            };
            if let Some(esc) = escape {
                self.raw(&bytes[run..i]);
                let n = if b < 0x20 { 6 } else { 2 };
                self.raw(&esc[..n]);
                run = i + 1;
            }
        }
        self.raw(&bytes[run..]);
        self.byte(b'"');
    }

    /// Appends `bytes` as a quoted lowercase hex string.
    pub fn hex(&mut self, bytes: &[u8]) {
        self.byte(b'"');
        for b in bytes {
            self.raw(&[HEX_DIGITS[(b >> 4) as usize], HEX_DIGITS[(b & 15) as usize]]);
        }
        self.byte(b'"');
    }

    /// Opens the top-level object.
    pub fn begin_object(&mut self) {
        self.byte(b'{');
        self.needs_comma = false;
    }

    /// Closes the top-level object.
    pub fn end_object(&mut self) {
        self.byte(b'}');
        self.needs_comma = true;
    }

    fn key(&mut self, name: &str) {
        if self.needs_comma {
            self.byte(b',');
        }
        self.needs_comma = true;
        self.string(name);
        self.byte(b':');
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
        self.byte(b'[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.byte(b',');
            }
            self.string(v);
        }
        self.byte(b']');
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

// ---------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------

/// The text of a JSON string between its quotes, already validated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawStr<'a> {
    pub raw: &'a [u8],
    pub has_escape: bool,
}

/// One JSON value, validated, borrowing the document text.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Str(RawStr<'a>),
    Num,
    Bool(bool),
    Null,
    /// Whole object text including braces.
    Obj(&'a [u8]),
    /// Whole array text including brackets.
    Arr(&'a [u8]),
}

fn malformed<T>() -> Result<T> {
    Err(Error::MalformedResponse)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && is_ws(self.s[self.pos]) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Result<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            malformed()
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        if self.s[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            malformed()
        }
    }

    fn string(&mut self) -> Result<RawStr<'a>> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut has_escape = false;
        loop {
            let b = match self.peek() {
                Some(b) => b,
                None => return malformed(),
            };
            match b {
                b'"' => {
                    let raw = &self.s[start..self.pos];
                    self.pos += 1;
                    // Escape-free strings are handed out as-is, so check UTF-8 here.
                    if core::str::from_utf8(raw).is_err() {
                        return malformed();
                    }
                    return Ok(RawStr { raw, has_escape });
                }
                b'\\' => {
                    has_escape = true;
                    match self.s.get(self.pos + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 2,
                        Some(b'u') => {
                            let hex = self.s.get(self.pos + 2..self.pos + 6).ok_or(Error::MalformedResponse)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return malformed();
                            }
                            self.pos += 6;
                        }
                        _ => return malformed(),
                    }
                }
                0x00..=0x1f => return malformed(),
                _ => self.pos += 1,
            }
        }
    }

    fn number(&mut self) -> Result<&'a [u8]> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return malformed(),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return malformed();
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return malformed();
            }
            self.digits();
        }
        Ok(&self.s[start..self.pos])
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>> {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.literal(b"true").map(|_| Value::Bool(true)),
            Some(b'f') => self.literal(b"false").map(|_| Value::Bool(false)),
            Some(b'n') => self.literal(b"null").map(|_| Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| Value::Num),
            Some(b'{') => {
                let start = self.pos;
                self.container(depth, b'}', true)?;
                Ok(Value::Obj(&self.s[start..self.pos]))
            }
            Some(b'[') => {
                let start = self.pos;
                self.container(depth, b']', false)?;
                Ok(Value::Arr(&self.s[start..self.pos]))
            }
            _ => malformed(),
        }
    }

    /// Validates an object or array starting at the opening bracket.
    fn container(&mut self, depth: usize, close: u8, is_object: bool) -> Result<()> {
        if depth >= MAX_DEPTH {
            return Err(Error::LimitExceeded);
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if is_object {
                self.skip_ws();
                self.string()?;
                self.skip_ws();
                self.expect(b':')?;
            }
            self.value(depth + 1)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return malformed(),
            }
        }
    }
}

/// Parses a whole document: one value surrounded by optional whitespace.
pub(crate) fn parse_document(text: &[u8]) -> Result<Value<'_>> {
    let mut c = Cursor { s: text, pos: 0 };
    let v = c.value(0)?;
    c.skip_ws();
    if c.pos != text.len() {
        return malformed();
    }
    Ok(v)
}

/// Iterates the members of an already validated object (`Value::Obj` text).
pub(crate) struct Members<'a> {
    c: Cursor<'a>,
    done: bool,
}

pub(crate) fn members(obj: &[u8]) -> Members<'_> {
    let mut c = Cursor { s: obj, pos: 1 };
    c.skip_ws();
    let done = c.peek() == Some(b'}');
    Members { c, done }
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<(RawStr<'a>, Value<'a>)>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = (|| {
            self.c.skip_ws();
            let k = self.c.string()?;
            self.c.skip_ws();
            self.c.expect(b':')?;
            let v = self.c.value(1)?;
            self.c.skip_ws();
            match self.c.peek() {
                Some(b',') => self.c.pos += 1,
                Some(b'}') => self.done = true,
                _ => return malformed(),
            }
            Ok((k, v))
        })();
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}

/// Iterates the elements of an already validated array (`Value::Arr` text).
pub(crate) struct Elements<'a> {
    c: Cursor<'a>,
    done: bool,
}

pub(crate) fn elements(arr: &[u8]) -> Elements<'_> {
    let mut c = Cursor { s: arr, pos: 1 };
    c.skip_ws();
    let done = c.peek() == Some(b']');
    Elements { c, done }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<Value<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = (|| {
            let v = self.c.value(1)?;
            self.c.skip_ws();
            match self.c.peek() {
                Some(b',') => self.c.pos += 1,
                Some(b']') => self.done = true,
                _ => return malformed(),
            }
            Ok(v)
        })();
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}

fn hex4(h: &[u8]) -> u32 {
    h.iter().fold(0u32, |acc, &c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => c - b'A' + 10,
        };
        (acc << 4) | d as u32
    })
}

/// Unescapes a validated string into `out`, returning the length written. Needs
/// `out.len() >= raw.len()` in the worst case; returns `None` when `out` is too short.
/// Lone or mismatched surrogates are `Err(MalformedResponse)`.
fn unescape_into(raw: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
    let mut i = 0;
    let mut w = 0;
    macro_rules! put {
        ($bytes:expr) => {{
            let b: &[u8] = $bytes;
            match out.get_mut(w..w + b.len()) {
                Some(dst) => dst.copy_from_slice(b),
                None => return Ok(None),
            }
            w += b.len();
        }};
    }
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            // Copy the run up to the next backslash in one go.
            let end = raw[i..].iter().position(|&c| c == b'\\').map_or(raw.len(), |p| i + p);
            put!(&raw[i..end]);
            i = end;
            continue;
        }
        let e = raw[i + 1];
        i += 2;
        let simple = match e {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            _ => 0,
        };
        if e != b'u' {
            put!(&[simple]);
            continue;
        }
        let mut cp = hex4(&raw[i..i + 4]);
        i += 4;
        if (0xD800..0xDC00).contains(&cp) {
            // A high surrogate must be followed by an escaped low surrogate.
            if raw.get(i) != Some(&b'\\') || raw.get(i + 1) != Some(&b'u') {
                return malformed();
            }
            let lo = hex4(&raw[i + 2..i + 6]);
            if !(0xDC00..0xE000).contains(&lo) {
                return malformed();
            }
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (0xDC00..0xE000).contains(&cp) {
            return malformed();
        }
        let ch = char::from_u32(cp).ok_or(Error::MalformedResponse)?;
        let mut enc = [0u8; 4];
        put!(ch.encode_utf8(&mut enc).as_bytes());
    }
    Ok(Some(w))
}

impl<'a> RawStr<'a> {
    /// Compares the unescaped text with `s` without a buffer for the common case.
    pub fn eq_str(&self, s: &str) -> bool {
        if !self.has_escape {
            return self.raw == s.as_bytes();
        }
        let mut tmp = [0u8; 64];
        match unescape_into(self.raw, &mut tmp) {
            Ok(Some(n)) => &tmp[..n] == s.as_bytes(),
            _ => false,
        }
    }

    /// The unescaped text, borrowed from the document when it has no escape and
    /// written into `scratch` otherwise.
    pub fn unescape(&self, scratch: &mut Scratch<'a>) -> Result<&'a str> {
        if !self.has_escape {
            return core::str::from_utf8(self.raw).map_err(|_| Error::MalformedResponse);
        }
        let region = scratch.take(self.raw.len())?;
        let n = match unescape_into(self.raw, region)? {
            Some(n) => n,
            None => return Err(scratch.too_small()),
        };
        let (text, _) = region.split_at_mut(n);
        core::str::from_utf8(text).map_err(|_| Error::MalformedResponse)
    }
}

/// Hands out disjoint regions of the caller's scratch buffer for the lifetime `'a`.
pub(crate) struct Scratch<'a> {
    rest: &'a mut [u8],
    /// The size that always suffices (the length of the parsed text).
    bound: usize,
}

impl<'a> Scratch<'a> {
    pub fn new(buf: &'a mut [u8], bound: usize) -> Self {
        Scratch { rest: buf, bound }
    }

    fn too_small(&self) -> Error {
        Error::BufferTooSmall { needed: self.bound }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a mut [u8]> {
        if n > self.rest.len() {
            return Err(self.too_small());
        }
        let rest = core::mem::take(&mut self.rest);
        let (head, tail) = rest.split_at_mut(n);
        self.rest = tail;
        Ok(head)
    }
}

fn nibble(c: u8) -> Result<u8> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => malformed(),
    }
}

fn strip_0x(s: &[u8]) -> &[u8] {
    crate::hex::strip_0x(s)
}

/// Decodes hex `text` into `out` (same length / 2), allowing `out` to alias nothing.
fn decode_hex(text: &[u8], out: &mut [u8]) -> Result<()> {
    if text.len() % 2 != 0 || out.len() != text.len() / 2 {
        return malformed();
    }
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *o = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Typed field access used by the views
// ---------------------------------------------------------------------------------

/// Finds the values of the named members of the top-level object `text`.
/// A duplicated wanted member is malformed (it would also break the scratch bound).
pub(crate) fn fields<'a, const N: usize>(text: &'a [u8], names: [&str; N]) -> Result<[Option<Value<'a>>; N]> {
    let obj = match parse_document(text)? {
        Value::Obj(o) => o,
        _ => return malformed(),
    };
    object_fields(obj, names)
}

/// Like [`fields`] for an already validated object text.
pub(crate) fn object_fields<'a, const N: usize>(obj: &'a [u8], names: [&str; N]) -> Result<[Option<Value<'a>>; N]> {
    let mut out = [None; N];
    for m in members(obj) {
        let (k, v) = m?;
        if let Some(i) = names.iter().position(|n| k.eq_str(n)) {
            if out[i].is_some() {
                return malformed();
            }
            out[i] = Some(v);
        }
    }
    Ok(out)
}

/// A value that must be present and not `null`.
pub(crate) fn required(v: Option<Value<'_>>) -> Result<Value<'_>> {
    match v {
        Some(Value::Null) | None => malformed(),
        Some(v) => Ok(v),
    }
}

/// An optional value: absent and `null` are both `None`.
pub(crate) fn optional(v: Option<Value<'_>>) -> Option<Value<'_>> {
    match v {
        Some(Value::Null) | None => None,
        Some(v) => Some(v),
    }
}

pub(crate) fn as_str<'a>(v: Value<'a>, scratch: &mut Scratch<'a>) -> Result<&'a str> {
    match v {
        Value::Str(s) => s.unescape(scratch),
        _ => malformed(),
    }
}

/// A required string.
pub(crate) fn req_str<'a>(v: Option<Value<'a>>, scratch: &mut Scratch<'a>) -> Result<&'a str> {
    as_str(required(v)?, scratch)
}

/// An optional string, `""` when absent.
pub(crate) fn opt_str<'a>(v: Option<Value<'a>>, scratch: &mut Scratch<'a>) -> Result<&'a str> {
    match optional(v) {
        Some(v) => as_str(v, scratch),
        None => Ok(""),
    }
}

pub(crate) fn as_bool(v: Value<'_>) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(b),
        _ => malformed(),
    }
}

/// Hex text of a string value (unescaped into scratch only if it has escapes).
fn hex_text<'a>(v: Value<'a>, scratch: &mut Scratch<'a>) -> Result<&'a [u8]> {
    match v {
        Value::Str(s) if !s.has_escape => Ok(strip_0x(s.raw)),
        Value::Str(s) => Ok(strip_0x(s.unescape(scratch)?.as_bytes())),
        _ => malformed(),
    }
}

/// Hex-decodes a string value into scratch.
pub(crate) fn as_hex<'a>(v: Value<'a>, scratch: &mut Scratch<'a>) -> Result<&'a [u8]> {
    match v {
        Value::Str(s) if s.has_escape => {
            // Unescape into a region, then decode in place into its front.
            let region = scratch.take(s.raw.len())?;
            let n = unescape_into(s.raw, region)?.ok_or(Error::MalformedResponse)?;
            let text_start = if region[..n].starts_with(b"0x") || region[..n].starts_with(b"0X") { 2 } else { 0 };
            let len = n - text_start;
            if len % 2 != 0 {
                return malformed();
            }
            for i in 0..len / 2 {
                let hi = nibble(region[text_start + 2 * i])?;
                let lo = nibble(region[text_start + 2 * i + 1])?;
                region[i] = (hi << 4) | lo;
            }
            let (decoded, _) = region.split_at_mut(len / 2);
            Ok(decoded)
        }
        Value::Str(s) => {
            let text = strip_0x(s.raw);
            if text.len() % 2 != 0 {
                return malformed();
            }
            let out = scratch.take(text.len() / 2)?;
            decode_hex(text, out)?;
            Ok(out)
        }
        _ => malformed(),
    }
}

/// A required hex field.
pub(crate) fn req_hex<'a>(v: Option<Value<'a>>, scratch: &mut Scratch<'a>) -> Result<&'a [u8]> {
    as_hex(required(v)?, scratch)
}

/// An optional hex field, empty when absent.
pub(crate) fn opt_hex<'a>(v: Option<Value<'a>>, scratch: &mut Scratch<'a>) -> Result<&'a [u8]> {
    match optional(v) {
        Some(v) => as_hex(v, scratch),
        None => Ok(&[]),
    }
}

/// Hex-decodes a string value into exactly `N` bytes.
pub(crate) fn as_hex_array<'a, const N: usize>(v: Value<'a>, scratch: &mut Scratch<'a>) -> Result<[u8; N]> {
    let text = hex_text(v, scratch)?;
    if text.len() != 2 * N {
        return malformed();
    }
    let mut out = [0u8; N];
    decode_hex(text, &mut out)?;
    Ok(out)
}

/// A JSON array of hex strings, each exactly `N` bytes, at most `CAP` of them.
pub(crate) fn hex_array_list<'a, const N: usize, const CAP: usize>(
    v: Value<'a>,
    scratch: &mut Scratch<'a>,
) -> Result<heapless::Vec<[u8; N], CAP>> {
    let arr = match v {
        Value::Arr(a) => a,
        _ => return malformed(),
    };
    let mut out = heapless::Vec::new();
    for e in elements(arr) {
        let item = as_hex_array::<N>(e?, scratch)?;
        out.push(item).map_err(|_| Error::LimitExceeded)?;
    }
    Ok(out)
}

/// A JSON array of hex strings of any length, at most `CAP` of them.
pub(crate) fn hex_list<'a, const CAP: usize>(v: Value<'a>, scratch: &mut Scratch<'a>) -> Result<heapless::Vec<&'a [u8], CAP>> {
    let arr = match v {
        Value::Arr(a) => a,
        _ => return malformed(),
    };
    let mut out = heapless::Vec::new();
    for e in elements(arr) {
        let item = as_hex(e?, scratch)?;
        out.push(item).map_err(|_| Error::LimitExceeded)?;
    }
    Ok(out)
}

/// A JSON array of strings, at most `CAP` of them.
pub(crate) fn str_list<'a, const CAP: usize>(v: Value<'a>, scratch: &mut Scratch<'a>) -> Result<heapless::Vec<&'a str, CAP>> {
    let arr = match v {
        Value::Arr(a) => a,
        _ => return malformed(),
    };
    let mut out = heapless::Vec::new();
    for e in elements(arr) {
        let item = as_str(e?, scratch)?;
        out.push(item).map_err(|_| Error::LimitExceeded)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unescaped(doc: &[u8]) -> Result<[u8; 64]> {
        let mut out = [0u8; 64];
        match parse_document(doc)? {
            Value::Str(s) => {
                let n = unescape_into(s.raw, &mut out)?.unwrap();
                out[n..].fill(0xff);
                Ok(out)
            }
            _ => Err(Error::MalformedResponse),
        }
    }

    #[test]
    fn unescape_rules() {
        let v = unescaped(br#""a\n\u00e9\ud83d\ude00\/""#).unwrap();
        assert_eq!(&v[..9], "a\né😀/".as_bytes());
        assert!(unescaped(br#""\ud83d""#).is_err());
        assert!(unescaped(br#""\ude00""#).is_err());
        assert!(unescaped(br#""\x""#).is_err());
        assert!(unescaped(b"\"a\x01\"").is_err());
    }

    #[test]
    fn documents() {
        assert!(parse_document(b" {\"a\": [1, -2.5e3, true, null, {\"b\": \"c\"}]} ").is_ok());
        for bad in [&b"{"[..], b"{\"a\"}", b"[1,]", b"{\"a\":1,}", b"01", b"1.", b"tru", b"{} x", b"\"\xff\""] {
            assert!(parse_document(bad).is_err(), "{:?}", core::str::from_utf8(bad));
        }
        let mut deep = [b'['; 40];
        deep[39] = b']';
        assert_eq!(parse_document(&deep).unwrap_err(), Error::LimitExceeded);
    }
}
