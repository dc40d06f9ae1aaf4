//! The tokenizer ([`Parser`]), its values ([`Value`]) and strings ([`JsonStr`]).

use crate::error::{Error, Result};

const BAD: Error = Error::MalformedResponse;

// ---------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------

/// One decoded unit of a JSON string: a Unicode scalar, or an escaped lone surrogate
/// (`"\ud800"` is valid JSON and a valid JavaScript string, but not a Rust `char`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodePoint {
    /// A Unicode scalar value.
    Char(char),
    /// An unpaired UTF-16 surrogate from a `\uXXXX` escape.
    Lone(u16),
}

impl CodePoint {
    /// UTF-16 code units of this code point.
    fn utf16(self) -> ([u16; 2], usize) {
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

/// The text between the quotes of a validated JSON string (grammar, escapes and UTF-8
/// checked), still escaped. Decode it lazily with [`JsonStr::code_points`], into a
/// buffer with [`JsonStr::unescape`] / [`JsonStr::write_utf8`], or re-escape it with
/// [`JsonStr::write_escaped`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// The empty string.
    pub const EMPTY: JsonStr<'static> = JsonStr {
        raw: "",
        escaped: false,
    };

    /// The raw (still escaped) text.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The text itself when it contains no escape.
    pub fn as_plain(&self) -> Option<&'a str> {
        if self.escaped {
            None
        } else {
            Some(self.raw)
        }
    }

    /// Whether the decoded string is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The decoded code points.
    pub fn code_points(&self) -> CodePoints<'a> {
        CodePoints { s: self.raw, i: 0 }
    }

    /// Whether the decoded string equals `s` (no buffer needed).
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

    /// Compares two decoded strings by UTF-16 code units (ECMAScript string order).
    pub fn cmp_utf16(&self, other: &JsonStr<'_>) -> core::cmp::Ordering {
        if let (Some(a), Some(b)) = (self.as_plain(), other.as_plain()) {
            if a.is_ascii() && b.is_ascii() {
                // ASCII is one UTF-16 unit a byte.
                return a.cmp(b);
            }
        }
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

    /// Writes the decoded string as UTF-8 into `out`. A lone surrogate is
    /// `MalformedResponse`; a too-small `out` is `BufferTooSmall` with the exact length.
    pub fn write_utf8<'o>(&self, out: &'o mut [u8]) -> Result<&'o str> {
        match unescape_into(self.raw.as_bytes(), out)? {
            Some(n) => core::str::from_utf8(&out[..n]).map_err(|_| BAD),
            None => {
                let mut needed = 0;
                for cp in self.code_points() {
                    match cp {
                        CodePoint::Char(c) => needed += c.len_utf8(),
                        CodePoint::Lone(_) => return Err(BAD),
                    }
                }
                Err(Error::BufferTooSmall { needed })
            }
        }
    }

    /// The decoded text, borrowed from the document when it has no escape and written
    /// into its own region of `scratch` otherwise. A lone surrogate is
    /// `MalformedResponse`.
    pub fn unescape(&self, scratch: &mut Scratch<'a>) -> Result<&'a str> {
        if !self.escaped {
            return Ok(self.raw);
        }
        let region = scratch.take(self.raw.len())?;
        // Decoding never lengthens the text, so the region always suffices.
        let n = unescape_into(self.raw.as_bytes(), region)?.ok_or(BAD)?;
        let (text, _) = region.split_at_mut(n);
        core::str::from_utf8(text).map_err(|_| BAD)
    }
}

/// Hands out disjoint regions of the caller's scratch buffer for the lifetime `'a`.
pub(crate) struct Scratch<'a> {
    rest: &'a mut [u8],
    /// The size that always suffices (the length of the parsed text), reported when
    /// the buffer turns out too small.
    bound: usize,
}

impl<'a> Scratch<'a> {
    /// Regions of `buf`; `bound` is the size that always suffices.
    pub fn new(buf: &'a mut [u8], bound: usize) -> Self {
        Scratch { rest: buf, bound }
    }

    /// The next `n` bytes, or `BufferTooSmall { needed: bound }`.
    pub fn take(&mut self, n: usize) -> Result<&'a mut [u8]> {
        if n > self.rest.len() {
            return Err(Error::BufferTooSmall { needed: self.bound });
        }
        let rest = core::mem::take(&mut self.rest);
        let (head, tail) = rest.split_at_mut(n);
        self.rest = tail;
        Ok(head)
    }
}

/// The end of the run of plain string bytes (neither `"`, `\\` nor a control character)
/// that starts at `i`. Eight bytes at a time: JSON strings of the agent are mostly long
/// hex runs, and a byte-by-byte loop was the largest single cost of parsing an answer.
#[inline]
pub(crate) fn plain_run(s: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = s.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        // A byte's high bit is set in `special` if it is `"`, `\\` or below 0x20 (the
        // classic "has zero byte" / "has byte less than" tests); bits above the lowest
        // match may be spurious, the lowest one is exact.
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let special = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let special = special & HIGH;
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = s.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

fn hex4(b: &[u8]) -> Option<u16> {
    let mut v = 0u16;
    for &c in b.get(..4)? {
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

fn simple_escape(e: u8) -> Option<char> {
    Some(match e {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// Decodes the escape at the start of `s` (which begins with a backslash): the code
/// point and the bytes consumed. A high surrogate followed by an escaped low surrogate
/// is one pair.
fn decode_escape(s: &[u8]) -> Option<(CodePoint, usize)> {
    let e = *s.get(1)?;
    if e != b'u' {
        return Some((CodePoint::Char(simple_escape(e)?), 2));
    }
    let u = hex4(s.get(2..)?)?;
    if (0xD800..0xDC00).contains(&u) {
        if s.get(6) == Some(&b'\\') && s.get(7) == Some(&b'u') {
            if let Some(lo @ 0xDC00..=0xDFFF) = s.get(8..).and_then(hex4) {
                let c = 0x10000 + (((u as u32) - 0xD800) << 10) + ((lo as u32) - 0xDC00);
                return Some((CodePoint::Char(char::from_u32(c)?), 12));
            }
        }
        return Some((CodePoint::Lone(u), 6));
    }
    if (0xDC00..0xE000).contains(&u) {
        return Some((CodePoint::Lone(u), 6));
    }
    Some((CodePoint::Char(char::from_u32(u as u32)?), 6))
}

/// Unescapes validated string text into `out`, copying escape-free runs whole. Returns
/// the length written, `None` when `out` is too short (`out.len() >= raw.len()` always
/// suffices); a lone surrogate is `MalformedResponse`.
fn unescape_into(raw: &[u8], out: &mut [u8]) -> Result<Option<usize>> {
    let mut i = 0;
    let mut w = 0;
    let mut enc = [0u8; 4];
    while i < raw.len() {
        let (piece, consumed): (&[u8], usize) = match raw[i] {
            b'\\' => match raw.get(i + 1) {
                Some(b'u') => match decode_escape(&raw[i..]).ok_or(BAD)? {
                    (CodePoint::Char(c), n) => (c.encode_utf8(&mut enc).as_bytes(), n),
                    (CodePoint::Lone(_), _) => return Err(BAD),
                },
                Some(&e) => {
                    // Every simple escape decodes to one ASCII byte.
                    enc[0] = simple_escape(e).ok_or(BAD)? as u8;
                    (&enc[..1], 2)
                }
                None => return Err(BAD),
            },
            _ => {
                let end = raw[i..]
                    .iter()
                    .position(|&c| c == b'\\')
                    .map_or(raw.len(), |p| i + p);
                (&raw[i..end], end - i)
            }
        };
        match out.get_mut(w..w + piece.len()) {
            Some(dst) => dst.copy_from_slice(piece),
            None => return Ok(None),
        }
        w += piece.len();
        i += consumed;
    }
    Ok(Some(w))
}

/// Iterator over the decoded code points of a validated [`JsonStr`].
#[derive(Debug, Clone)]
pub(crate) struct CodePoints<'a> {
    s: &'a str,
    i: usize,
}

impl Iterator for CodePoints<'_> {
    type Item = CodePoint;
    fn next(&mut self) -> Option<CodePoint> {
        let rest = self.s.get(self.i..)?;
        let c = rest.chars().next()?;
        if c != '\\' {
            self.i += c.len_utf8();
            return Some(CodePoint::Char(c));
        }
        // Strings are validated before a `CodePoints` is handed out, so this only fails
        // on text that was never accepted; stop rather than panic.
        let (cp, n) = decode_escape(rest.as_bytes())?;
        self.i += n;
        Some(cp)
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

// ---------------------------------------------------------------------------------
// Values and the parser
// ---------------------------------------------------------------------------------

/// One validated value, borrowing the document text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    /// A string.
    Str(JsonStr<'a>),
    /// A number, as its raw validated text (also `NaN`/`Infinity`/`-Infinity` when the
    /// parser allows them).
    Num(&'a str),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object: its whole text, braces included.
    Obj(&'a [u8]),
    /// An array: its whole text, brackets included.
    Arr(&'a [u8]),
}

/// A cursor over JSON text that validates as it goes (RFC 8259 grammar, UTF-8 inside
/// strings, escapes) and hands out borrowed tokens. Containers are either walked by
/// the caller ([`Parser::next_key`], [`Parser::next_element`]) or skipped whole by
/// [`Parser::value`]; nesting deeper than the parser's limit is `LimitExceeded`, any
/// other fault `MalformedResponse`.
#[derive(Debug, Clone)]
pub(crate) struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    max_depth: usize,
    nonfinite: bool,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `s` accepting containers nested at most `max_depth` deep.
    pub fn new(s: &'a [u8], max_depth: usize) -> Self {
        Parser {
            s,
            pos: 0,
            max_depth,
            nonfinite: false,
        }
    }

    /// Also accepts the JavaScript literals `NaN`, `Infinity`, `-Infinity` as numbers.
    pub fn allow_nonfinite(mut self) -> Self {
        self.nonfinite = true;
        self
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
        if self.eat(c) {
            Ok(())
        } else {
            Err(BAD)
        }
    }

    /// Consumes `c` (after whitespace) if it is next.
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
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(BAD),
        }
    }

    /// Parses a string token.
    pub fn string(&mut self) -> Result<JsonStr<'a>> {
        self.expect(b'"')?;
        let s = self.s;
        let start = self.pos;
        let mut i = start;
        let mut escaped = false;
        loop {
            i = plain_run(s, i);
            match s.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    match s.get(i + 1).ok_or(BAD)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' => {
                            hex4(s.get(i + 2..).ok_or(BAD)?).ok_or(BAD)?;
                            i += 6;
                        }
                        _ => return Err(BAD),
                    }
                }
                // End of text or a raw control character.
                _ => return Err(BAD),
            }
        }
        let raw = core::str::from_utf8(&s[start..i]).map_err(|_| BAD)?;
        self.pos = i + 1;
        Ok(JsonStr { raw, escaped })
    }

    /// Parses a number token and returns its text.
    fn number(&mut self) -> Result<&'a str> {
        self.ws();
        let s = self.s;
        let start = self.pos;
        let digits = |p: &mut usize| {
            let st = *p;
            while let Some(b'0'..=b'9') = s.get(*p) {
                *p += 1;
            }
            *p > st
        };
        let mut p = start;
        if s.get(p) == Some(&b'-') {
            p += 1;
        }
        if self.nonfinite {
            if s[p..].starts_with(b"Infinity") {
                p += 8;
                self.pos = p;
                return core::str::from_utf8(&s[start..p]).map_err(|_| BAD);
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

    /// Parses any value; containers are validated and skipped, and handed out as their
    /// text. `depth` is the nesting depth of the value itself (0 for a document).
    pub fn value(&mut self, depth: usize) -> Result<Value<'a>> {
        match self.peek().ok_or(BAD)? {
            b'"' => Ok(Value::Str(self.string()?)),
            b't' => self.literal(b"true").map(|_| Value::Bool(true)),
            b'f' => self.literal(b"false").map(|_| Value::Bool(false)),
            b'n' => self.literal(b"null").map(|_| Value::Null),
            open @ (b'{' | b'[') => {
                let start = self.pos;
                self.skip_container(depth)?;
                let text = &self.s[start..self.pos];
                Ok(if open == b'{' {
                    Value::Obj(text)
                } else {
                    Value::Arr(text)
                })
            }
            _ => Ok(Value::Num(self.number()?)),
        }
    }

    /// Steps through an object. With `first`, consumes the `{`; otherwise the `,` after
    /// the previous member's value. Returns the next member's key with its `:` consumed
    /// (the caller then reads the value), or `None` once the closing `}` is consumed.
    pub fn next_key(&mut self, first: bool) -> Result<Option<JsonStr<'a>>> {
        if first {
            self.expect(b'{')?;
            if self.eat(b'}') {
                return Ok(None);
            }
        } else if !self.eat(b',') {
            self.expect(b'}')?;
            return Ok(None);
        }
        let key = self.string()?;
        self.expect(b':')?;
        Ok(Some(key))
    }

    /// Steps through an array. With `first`, consumes the `[`; otherwise the `,` after
    /// the previous element. Returns true when an element follows (the caller then reads
    /// it), false once the closing `]` is consumed.
    pub fn next_element(&mut self, first: bool) -> Result<bool> {
        if first {
            self.expect(b'[')?;
            Ok(!self.eat(b']'))
        } else if self.eat(b',') {
            Ok(true)
        } else {
            self.expect(b']')?;
            Ok(false)
        }
    }

    /// Validates and skips the object or array at the next token.
    fn skip_container(&mut self, depth: usize) -> Result<()> {
        if depth >= self.max_depth {
            return Err(Error::LimitExceeded);
        }
        let mut first = true;
        if self.peek() == Some(b'{') {
            while self.next_key(first)?.is_some() {
                first = false;
                self.value(depth + 1)?;
            }
        } else {
            while self.next_element(first)? {
                first = false;
                self.value(depth + 1)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(json: &str) -> JsonStr<'_> {
        Parser::new(json.as_bytes(), 8).string().unwrap()
    }

    fn doc(text: &[u8]) -> Result<Value<'_>> {
        let mut p = Parser::new(text, 32);
        let v = p.value(0)?;
        p.end()?;
        Ok(v)
    }

    #[test]
    fn plain_runs_stop_at_the_first_special_byte() {
        // Every position in and around an 8-byte word, every kind of stop, and bytes
        // that look close to one (0x20, 0x80, 0xa2, 0xdc, 0x7f) that are not.
        for len in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1f, 0x0a] {
                for fill in [b'a', b'0', 0x20, 0x80, 0xa2, 0xdc, 0x7f, 0xff] {
                    let mut v = [fill; 48];
                    v[len] = stop;
                    assert_eq!(plain_run(&v, 0), len, "len {len} stop {stop} fill {fill}");
                    assert_eq!(plain_run(&v[..len], 0), len);
                    if len > 3 {
                        assert_eq!(plain_run(&v, 3), len);
                    }
                }
            }
        }
    }

    #[test]
    fn strings_decode() {
        assert!(s(r#""a\u0062c""#).eq_str("abc"));
        assert!(s(r#""\ud83d\ude80""#).eq_str("🚀"));
        let v: heapless::Vec<CodePoint, 4> = s(r#""a\ud800b""#).code_points().collect();
        assert_eq!(
            v.as_slice(),
            &[
                CodePoint::Char('a'),
                CodePoint::Lone(0xd800),
                CodePoint::Char('b')
            ]
        );
        for bad in [
            &b"\"a\x01\""[..],
            br#""\x""#,
            br#""\u12""#,
            b"\"abc",
            b"\"\xff\"",
        ] {
            assert!(Parser::new(bad, 8).string().is_err(), "{bad:?}");
        }
        let mut out = [0u8; 8];
        assert_eq!(s(r#""\u00e9t\u00e9""#).write_utf8(&mut out).unwrap(), "été");
        assert_eq!(
            s(r#""\u00e9t\u00e9""#).write_utf8(&mut out[..4]),
            Err(Error::BufferTooSmall { needed: 5 })
        );
        assert_eq!(s(r#""\ud800""#).write_utf8(&mut out), Err(BAD));
    }

    #[test]
    fn unescape_rules() {
        let mut buf = [0u8; 64];
        let mut scratch = Scratch::new(&mut buf, 64);
        let t = s(r#""a\n\u00e9\ud83d\ude00\/""#);
        assert_eq!(t.unescape(&mut scratch).unwrap(), "a\né😀/");
        assert_eq!(s(r#""\ud83d""#).unescape(&mut scratch), Err(BAD));
        assert_eq!(s(r#""\ude00x""#).unescape(&mut scratch), Err(BAD));
        // A string without escape is borrowed, not copied.
        let plain = s(r#""plain""#).unescape(&mut scratch).unwrap();
        assert_eq!(plain, "plain");
        let mut small = [0u8; 3];
        let mut scratch = Scratch::new(&mut small, 99);
        assert_eq!(
            s(r#""\n\n\n\n""#).unescape(&mut scratch),
            Err(Error::BufferTooSmall { needed: 99 })
        );
    }

    #[test]
    fn utf16_order() {
        // UTF-16 of U+1F680 starts with 0xD83D, below U+FF61.
        assert_eq!(
            s("\"\u{1F680}\"").cmp_utf16(&s("\"\u{FF61}\"")),
            core::cmp::Ordering::Less
        );
        assert_eq!(
            s("\"a\"").cmp_utf16(&s("\"ab\"")),
            core::cmp::Ordering::Less
        );
        assert_eq!(
            s(r#""\u0062""#).cmp_utf16(&s("\"a\"")),
            core::cmp::Ordering::Greater
        );
    }

    #[test]
    fn numbers() {
        for ok in ["0", "-0", "1.5", "1e10", "-2.5E-3", "123"] {
            let mut p = Parser::new(ok.as_bytes(), 8);
            assert_eq!(p.number().unwrap(), ok);
        }
        for bad in ["01x", "-", "1.", ".5", "1e", "+1", "NaN"] {
            let mut p = Parser::new(bad.as_bytes(), 8);
            let r = p.number();
            assert!(r.is_err() || p.pos() != bad.len(), "{bad}");
        }
        let mut p = Parser::new(b"-Infinity", 8).allow_nonfinite();
        assert_eq!(p.number().unwrap(), "-Infinity");
    }

    #[test]
    fn documents() {
        let text = b" {\"a\": [1, -2.5e3, true, null, {\"b\": \"c\"}]} ";
        assert_eq!(doc(text), Ok(Value::Obj(&text[1..text.len() - 1])));
        for bad in [
            &b"{"[..],
            b"{\"a\"}",
            b"[1,]",
            b"[,]",
            b"[1 2]",
            b"{\"a\":1,}",
            b"01",
            b"1.",
            b"tru",
            b"{} x",
            b"\"\xff\"",
        ] {
            assert_eq!(doc(bad), Err(BAD), "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn depth_limit() {
        let mut deep = [b'['; 40];
        deep[39] = b']';
        assert_eq!(doc(&deep), Err(Error::LimitExceeded));
        // 32 levels pass a limit of 32; 33 do not.
        let mut ok = [b']'; 64];
        ok[..32].fill(b'[');
        assert!(doc(&ok).is_ok());
        let mut over = [b']'; 66];
        over[..33].fill(b'[');
        assert_eq!(doc(&over), Err(Error::LimitExceeded));
    }
}
