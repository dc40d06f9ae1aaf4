//! A small zero-copy JSON scanner shared by [`crate::compose`] and [`crate::eventlog`].
//!
//! It validates as it goes (RFC 8259 grammar, UTF-8, escapes) and hands out borrowed
//! tokens; string contents are decoded lazily through [`JsonStr::code_points`], so no
//! buffer is ever needed. Both users need things serde-json-core does not give without
//! allocation: unbounded arrays, unknown members skipped, escaped strings streamed into a
//! hasher, and the raw number text (for ECMAScript number formatting).

use crate::error::{Error, Result};

/// Maximum nesting of arrays/objects accepted anywhere.
pub const MAX_DEPTH: usize = 128;

/// One decoded unit of a JSON string: a Unicode scalar, or an escaped lone surrogate
/// (`"\ud800"` is valid JSON and a valid JavaScript string, but not a Rust `char`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePoint {
    /// A Unicode scalar value.
    Char(char),
    /// An unpaired UTF-16 surrogate from a `\uXXXX` escape.
    Lone(u16),
}

impl CodePoint {
    /// UTF-16 code units of this code point.
    pub fn utf16(self) -> ([u16; 2], usize) {
        match self {
            CodePoint::Char(c) => {
                let mut b = [0u16; 2];
                let n = c.encode_utf16(&mut b).len();
                (b, n)
            }
            CodePoint::Lone(u) => ([u, 0], 1),
        }
    }
}

/// The raw text between the quotes of a validated JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// The empty string.
    pub const EMPTY: JsonStr<'static> = JsonStr { raw: "", escaped: false };
    /// The raw (still escaped) text.
    pub fn raw(&self) -> &'a str {
        self.raw
    }
    /// The text itself when it contains no escapes.
    pub fn as_plain(&self) -> Option<&'a str> {
        if self.escaped {
            None
        } else {
            Some(self.raw)
        }
    }
    /// Decoded code points.
    pub fn code_points(&self) -> CodePoints<'a> {
        CodePoints { s: self.raw.as_bytes(), i: 0, pending: None }
    }
    /// Whether the decoded string equals `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        if let Some(p) = self.as_plain() {
            return p == s;
        }
        let mut mine = self.code_points();
        let mut other = s.chars();
        loop {
            match (mine.next(), other.next()) {
                (None, None) => return true,
                (Some(CodePoint::Char(a)), Some(b)) if a == b => {}
                _ => return false,
            }
        }
    }
    /// Whether the decoded string is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
    /// Compares two decoded strings by UTF-16 code units (ECMAScript string order).
    pub fn cmp_utf16(&self, other: &JsonStr<'_>) -> core::cmp::Ordering {
        let mut a = Utf16Units::new(self.code_points());
        let mut b = Utf16Units::new(other.code_points());
        loop {
            match (a.next(), b.next()) {
                (None, None) => return core::cmp::Ordering::Equal,
                (None, Some(_)) => return core::cmp::Ordering::Less,
                (Some(_), None) => return core::cmp::Ordering::Greater,
                (Some(x), Some(y)) if x != y => return x.cmp(&y),
                _ => {}
            }
        }
    }
    /// True if the decoded string holds a lone surrogate.
    pub fn has_lone_surrogate(&self) -> bool {
        self.escaped && self.code_points().any(|c| matches!(c, CodePoint::Lone(_)))
    }
    /// Writes the decoded string as UTF-8 into `out`; lone surrogates are an error.
    pub fn write_utf8<'o>(&self, out: &'o mut [u8]) -> Result<&'o str> {
        let mut n = 0;
        for cp in self.code_points() {
            match cp {
                CodePoint::Char(c) => n += c.len_utf8(),
                CodePoint::Lone(_) => return Err(Error::MalformedResponse),
            }
        }
        if out.len() < n {
            return Err(Error::BufferTooSmall { needed: n });
        }
        let mut at = 0;
        for cp in self.code_points() {
            if let CodePoint::Char(c) = cp {
                at += c.encode_utf8(&mut out[at..]).len();
            }
        }
        core::str::from_utf8(&out[..n]).map_err(|_| Error::MalformedResponse)
    }
}

struct Utf16Units<'a> {
    cps: CodePoints<'a>,
    second: Option<u16>,
}

impl<'a> Utf16Units<'a> {
    fn new(cps: CodePoints<'a>) -> Self {
        Utf16Units { cps, second: None }
    }
}

impl Iterator for Utf16Units<'_> {
    type Item = u16;
    fn next(&mut self) -> Option<u16> {
        if let Some(s) = self.second.take() {
            return Some(s);
        }
        let (u, n) = self.cps.next()?.utf16();
        if n == 2 {
            self.second = Some(u[1]);
        }
        Some(u[0])
    }
}

/// Iterator over the decoded code points of a validated [`JsonStr`].
#[derive(Debug, Clone)]
pub struct CodePoints<'a> {
    s: &'a [u8],
    i: usize,
    pending: Option<CodePoint>,
}

fn hex4(b: &[u8]) -> Option<u16> {
    if b.len() < 4 {
        return None;
    }
    let mut v = 0u16;
    for &c in &b[..4] {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | d as u16;
    }
    Some(v)
}

impl<'a> CodePoints<'a> {
    /// Decodes one code point at `self.i`; `None` on malformed input (only reachable
    /// while validating).
    fn step(&mut self) -> Option<Option<CodePoint>> {
        if let Some(p) = self.pending.take() {
            return Some(Some(p));
        }
        let s = self.s;
        let Some(&b) = s.get(self.i) else { return Some(None) };
        if b != b'\\' {
            // `s` came from a `&str`, so this is a char boundary.
            let rest = core::str::from_utf8(&s[self.i..]).ok()?;
            let c = rest.chars().next()?;
            self.i += c.len_utf8();
            return Some(Some(CodePoint::Char(c)));
        }
        let e = *s.get(self.i + 1)?;
        self.i += 2;
        let simple = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let u = hex4(s.get(self.i..)?)?;
                self.i += 4;
                if (0xD800..0xDC00).contains(&u) {
                    // A high surrogate: pair it with an escaped low surrogate if one follows.
                    if s.get(self.i) == Some(&b'\\') && s.get(self.i + 1) == Some(&b'u') {
                        if let Some(lo) = s.get(self.i + 2..).and_then(hex4) {
                            if (0xDC00..0xE000).contains(&lo) {
                                self.i += 6;
                                let c = 0x10000 + (((u as u32) - 0xD800) << 10) + ((lo as u32) - 0xDC00);
                                return Some(Some(CodePoint::Char(char::from_u32(c)?)));
                            }
                        }
                    }
                    return Some(Some(CodePoint::Lone(u)));
                }
                if (0xDC00..0xE000).contains(&u) {
                    return Some(Some(CodePoint::Lone(u)));
                }
                return Some(Some(CodePoint::Char(char::from_u32(u as u32)?)));
            }
            _ => return None,
        };
        Some(Some(CodePoint::Char(simple)))
    }
}

impl Iterator for CodePoints<'_> {
    type Item = CodePoint;
    fn next(&mut self) -> Option<CodePoint> {
        // Strings are validated before a `CodePoints` is handed out, so `step` only
        // fails on input that was never accepted; stop rather than panic.
        self.step().flatten()
    }
}

/// A scalar JSON value or the kind of a container, as seen by [`Parser::value`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// A string.
    Str(JsonStr<'a>),
    /// A number, as its raw validated text (also `NaN`/`Infinity`/`-Infinity` when the
    /// parser allows them).
    Num(&'a str),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object or array (already skipped).
    Container,
}

/// A cursor over JSON text.
#[derive(Debug, Clone)]
pub struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    /// Accept the JavaScript literals `NaN`, `Infinity`, `-Infinity` as numbers.
    pub allow_nonfinite: bool,
}

const BAD: Error = Error::MalformedResponse;

impl<'a> Parser<'a> {
    /// A parser at the start of `s`.
    pub fn new(s: &'a [u8]) -> Self {
        Parser { s, pos: 0, allow_nonfinite: false }
    }
    /// Current byte offset.
    pub fn pos(&self) -> usize {
        self.pos
    }
    /// Moves to byte offset `pos` (an offset previously returned by [`Parser::pos`]).
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos;
    }
    /// Skips whitespace.
    pub fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }
    /// Next non-whitespace byte, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.pos).copied()
    }
    /// Consumes `c` (after whitespace) or fails.
    pub fn expect(&mut self, c: u8) -> Result<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(BAD)
        }
    }
    /// Consumes `c` if it is next.
    pub fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// Requires that only whitespace remains.
    pub fn end(&mut self) -> Result<()> {
        if self.peek().is_none() {
            Ok(())
        } else {
            Err(BAD)
        }
    }

    /// Parses a string token.
    pub fn string(&mut self) -> Result<JsonStr<'a>> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            let b = *self.s.get(self.pos).ok_or(BAD)?;
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    let e = *self.s.get(self.pos + 1).ok_or(BAD)?;
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 2,
                        b'u' => {
                            hex4(self.s.get(self.pos + 2..).ok_or(BAD)?).ok_or(BAD)?;
                            self.pos += 6;
                        }
                        _ => return Err(BAD),
                    }
                }
                0..=0x1f => return Err(BAD),
                _ => self.pos += 1,
            }
        }
        let raw = core::str::from_utf8(&self.s[start..self.pos]).map_err(|_| BAD)?;
        self.pos += 1;
        Ok(JsonStr { raw, escaped })
    }

    /// Parses a number token and returns its text.
    pub fn number(&mut self) -> Result<&'a str> {
        self.ws();
        let start = self.pos;
        let s = self.s;
        let digits = |p: &mut usize| {
            let st = *p;
            while let Some(b'0'..=b'9') = s.get(*p) {
                *p += 1;
            }
            *p > st
        };
        let mut p = self.pos;
        if s.get(p) == Some(&b'-') {
            p += 1;
        }
        if self.allow_nonfinite {
            if s[p..].starts_with(b"Infinity") {
                self.pos = p + 8;
                return core::str::from_utf8(&s[start..self.pos]).map_err(|_| BAD);
            }
            if p == start && s[p..].starts_with(b"NaN") {
                self.pos = p + 3;
                return Ok("NaN");
            }
        }
        match s.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => {
                digits(&mut p);
            }
            _ => return Err(BAD),
        }
        if s.get(p) == Some(&b'.') {
            p += 1;
            if !digits(&mut p) {
                return Err(BAD);
            }
        }
        if let Some(b'e' | b'E') = s.get(p) {
            p += 1;
            if let Some(b'+' | b'-') = s.get(p) {
                p += 1;
            }
            if !digits(&mut p) {
                return Err(BAD);
            }
        }
        self.pos = p;
        core::str::from_utf8(&s[start..p]).map_err(|_| BAD)
    }

    fn literal(&mut self, lit: &[u8]) -> Result<()> {
        if self.s[self.pos..].starts_with(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(BAD)
        }
    }

    /// Parses any value; containers are skipped (validated) and reported as
    /// [`Value::Container`]. `depth` is the nesting depth of the value itself.
    pub fn value(&mut self, depth: usize) -> Result<Value<'a>> {
        match self.peek().ok_or(BAD)? {
            b'"' => Ok(Value::Str(self.string()?)),
            b't' => self.literal(b"true").map(|_| Value::Bool(true)),
            b'f' => self.literal(b"false").map(|_| Value::Bool(false)),
            b'n' => self.literal(b"null").map(|_| Value::Null),
            b'{' | b'[' => {
                self.skip_container(depth)?;
                Ok(Value::Container)
            }
            _ => Ok(Value::Num(self.number()?)),
        }
    }

    /// Skips (and validates) an object or array starting at the next token.
    pub fn skip_container(&mut self, depth: usize) -> Result<()> {
        if depth >= MAX_DEPTH {
            return Err(Error::LimitExceeded);
        }
        if self.eat(b'{') {
            if self.eat(b'}') {
                return Ok(());
            }
            loop {
                self.string()?;
                self.expect(b':')?;
                self.value(depth + 1)?;
                if self.eat(b',') {
                    continue;
                }
                return self.expect(b'}');
            }
        }
        self.expect(b'[')?;
        if self.eat(b']') {
            return Ok(());
        }
        loop {
            self.value(depth + 1)?;
            if self.eat(b',') {
                continue;
            }
            return self.expect(b']');
        }
    }
}

/// A byte consumer: an output buffer, a hasher or a comparator. Lets one serializer feed
/// all of them without an intermediate buffer.
pub trait Sink {
    /// Consumes `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

/// A [`Sink`] over any RustCrypto hash.
pub struct HashSink<D>(pub D);

impl<D: sha2::Digest> Sink for HashSink<D> {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// A [`Sink`] writing into a caller buffer and counting what would not fit.
pub struct BufSink<'o> {
    /// The buffer.
    pub out: &'o mut [u8],
    /// Bytes produced so far (may exceed `out.len()`).
    pub len: usize,
}

impl Sink for BufSink<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end <= self.out.len() {
            self.out[self.len..end].copy_from_slice(bytes);
        }
        self.len = end;
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes a string the way ECMAScript `JSON.stringify` (and RFC 8785) does: `"` and `\`
/// escaped, `\b \f \n \r \t` short escapes, other controls and lone surrogates as
/// lowercase `\uXXXX`, everything else verbatim UTF-8.
pub fn write_js_string<I: Iterator<Item = CodePoint>>(cps: I, sink: &mut impl Sink) {
    sink.put(b"\"");
    let mut buf = [0u8; 4];
    for cp in cps {
        match cp {
            CodePoint::Char(c) => {
                let esc: &[u8] = match c {
                    '"' => b"\\\"",
                    '\\' => b"\\\\",
                    '\u{8}' => b"\\b",
                    '\u{c}' => b"\\f",
                    '\n' => b"\\n",
                    '\r' => b"\\r",
                    '\t' => b"\\t",
                    c if (c as u32) < 0x20 => {
                        let u = c as u32 as u16;
                        write_u_escape(u, sink);
                        continue;
                    }
                    c => c.encode_utf8(&mut buf).as_bytes(),
                };
                sink.put(esc);
            }
            CodePoint::Lone(u) => write_u_escape(u, sink),
        }
    }
    sink.put(b"\"");
}

fn write_u_escape(u: u16, sink: &mut impl Sink) {
    let e = [
        b'\\',
        b'u',
        HEX[(u >> 12) as usize & 15],
        HEX[(u >> 8) as usize & 15],
        HEX[(u >> 4) as usize & 15],
        HEX[u as usize & 15],
    ];
    sink.put(&e);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(json: &str) -> JsonStr<'_> {
        Parser::new(json.as_bytes()).string().unwrap()
    }

    #[test]
    fn strings_decode() {
        assert!(s(r#""a\u0062c""#).eq_str("abc"));
        assert!(s(r#""\ud83d\ude80""#).eq_str("🚀"));
        let v: heapless::Vec<CodePoint, 4> = s(r#""a\ud800b""#).code_points().collect();
        assert_eq!(v.as_slice(), &[CodePoint::Char('a'), CodePoint::Lone(0xd800), CodePoint::Char('b')]);
        assert!(Parser::new(b"\"a\x01\"").string().is_err());
        assert!(Parser::new(br#""\x""#).string().is_err());
        assert!(Parser::new(br#""\u12""#).string().is_err());
        assert!(Parser::new(b"\"abc").string().is_err());
        let mut out = [0u8; 8];
        assert_eq!(s(r#""\u00e9t\u00e9""#).write_utf8(&mut out).unwrap(), "été");
    }

    #[test]
    fn utf16_order() {
        // U+FF61 sorts after U+1F680 in code points order but before in UTF-16 order? No:
        // UTF-16 of U+1F680 starts with 0xD83D < 0xFF61.
        assert_eq!(s("\"\u{1F680}\"").cmp_utf16(&s("\"\u{FF61}\"")), core::cmp::Ordering::Less);
        assert_eq!(s("\"a\"").cmp_utf16(&s("\"ab\"")), core::cmp::Ordering::Less);
    }

    #[test]
    fn numbers() {
        for ok in ["0", "-0", "1.5", "1e10", "-2.5E-3", "123"] {
            let mut p = Parser::new(ok.as_bytes());
            assert_eq!(p.number().unwrap(), ok);
        }
        for bad in ["01x", "-", "1.", ".5", "1e", "+1", "NaN"] {
            let mut p = Parser::new(bad.as_bytes());
            let r = p.number();
            assert!(r.is_err() || p.pos() != bad.len(), "{bad}");
        }
        let mut p = Parser::new(b"-Infinity");
        p.allow_nonfinite = true;
        assert_eq!(p.number().unwrap(), "-Infinity");
    }

    #[test]
    fn depth_limit() {
        let mut deep = [b'['; MAX_DEPTH + 1];
        deep[MAX_DEPTH] = b'[';
        assert_eq!(Parser::new(&deep).value(0), Err(Error::LimitExceeded));
    }
}
