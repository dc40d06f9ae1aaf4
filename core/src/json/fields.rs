//! Typed member access for the RPC response views: pick named members out of an object
//! in one pass, then read them as strings, hex, booleans or lists, unescaping and
//! hex-decoding into a [`Scratch`] buffer.
//!
//! Scratch bound: every member is unescaped or hex-decoded at most once (a duplicated
//! wanted member is rejected), an unescaped string is never longer than its escaped text
//! and decoded hex is half its text, so `scratch.len() >= body.len()` always suffices.

use super::{Parser, Scratch, Value, MAX_DEPTH_RESPONSE};
use crate::error::{Error, Result};

const BAD: Error = Error::MalformedResponse;

/// Validates the document `text`, which must be an object, and returns the values of
/// its members named `names` (`None` for an absent one). A duplicated wanted member is
/// malformed (it would also break the scratch bound). Errors come in document order:
/// the first fault wins, as a separate validation pass would report it.
pub(crate) fn fields<'a, const N: usize>(
    text: &'a [u8],
    names: [&str; N],
) -> Result<[Option<Value<'a>>; N]> {
    let mut p = Parser::new(text, MAX_DEPTH_RESPONSE);
    if p.peek() != Some(b'{') {
        // Not an object: still report a deeper fault (nesting, syntax) first.
        p.value(0)?;
        p.end()?;
        return Err(BAD);
    }
    let mut out = [None; N];
    let mut duplicate = false;
    let mut first = true;
    while let Some(key) = p.next_key(first)? {
        first = false;
        let v = p.value(1)?;
        if let Some(i) = names.iter().position(|n| key.eq_str(n)) {
            duplicate |= out[i].is_some();
            out[i] = Some(v);
        }
    }
    p.end()?;
    if duplicate {
        return Err(BAD);
    }
    Ok(out)
}

/// A value that must be present and not `null`.
pub(crate) fn required(v: Option<Value<'_>>) -> Result<Value<'_>> {
    match v {
        Some(Value::Null) | None => Err(BAD),
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

/// A string value, unescaped.
pub(crate) fn as_str<'a>(v: Value<'a>, scratch: &mut Scratch<'a>) -> Result<&'a str> {
    match v {
        Value::Str(s) => s.unescape(scratch),
        _ => Err(BAD),
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

/// A boolean value.
pub(crate) fn as_bool(v: Value<'_>) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(b),
        _ => Err(BAD),
    }
}

/// Hex-decodes `text` into the front of `out`; any fault is malformed.
fn decode_hex<'o>(text: &[u8], out: &'o mut [u8]) -> Result<&'o mut [u8]> {
    crate::hex::decode(text, out).map_err(|_| BAD)
}

/// Hex-decodes a string value (optional `0x`) into scratch.
pub(crate) fn as_hex<'a>(v: Value<'a>, scratch: &mut Scratch<'a>) -> Result<&'a [u8]> {
    let Value::Str(s) = v else {
        return Err(BAD);
    };
    match s.as_plain() {
        Some(text) => {
            let text = crate::hex::strip_0x(text.as_bytes());
            if text.len() % 2 != 0 {
                return Err(BAD);
            }
            let out = scratch.take(text.len() / 2)?;
            decode_hex(text, out).map(|d| &*d)
        }
        None => {
            // Unescape into a region, then decode in place into its front.
            let region = scratch.take(s.raw().len())?;
            let n = s.write_utf8(region).map_err(|_| BAD)?.len();
            let text_start = match &region[..n] {
                [b'0', b'x' | b'X', ..] => 2,
                _ => 0,
            };
            let len = n - text_start;
            if len % 2 != 0 {
                return Err(BAD);
            }
            for i in 0..len / 2 {
                let pair = [region[text_start + 2 * i], region[text_start + 2 * i + 1]];
                let mut byte = [0u8; 1];
                decode_hex(&pair, &mut byte)?;
                region[i] = byte[0];
            }
            let (decoded, _) = region.split_at_mut(len / 2);
            Ok(decoded)
        }
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

/// Hex-decodes a string value (optional `0x`) into exactly `N` bytes; only an escaped
/// string uses scratch.
pub(crate) fn as_hex_array<'a, const N: usize>(
    v: Value<'a>,
    scratch: &mut Scratch<'a>,
) -> Result<[u8; N]> {
    let text = match v {
        Value::Str(s) => s.unescape(scratch)?,
        _ => return Err(BAD),
    };
    let text = crate::hex::strip_0x(text.as_bytes());
    if text.len() != 2 * N {
        return Err(BAD);
    }
    let mut out = [0u8; N];
    decode_hex(text, &mut out)?;
    Ok(out)
}

/// An already validated JSON array (`Value::Arr` text) of at most `CAP` elements, each
/// converted by `item`; more is `LimitExceeded`.
fn list<'a, T, const CAP: usize>(
    v: Value<'a>,
    scratch: &mut Scratch<'a>,
    item: impl Fn(Value<'a>, &mut Scratch<'a>) -> Result<T>,
) -> Result<heapless::Vec<T, CAP>> {
    let Value::Arr(arr) = v else {
        return Err(BAD);
    };
    let mut p = Parser::new(arr, MAX_DEPTH_RESPONSE);
    let mut out = heapless::Vec::new();
    let mut first = true;
    while p.next_element(first)? {
        first = false;
        let e = item(p.value(1)?, scratch)?;
        out.push(e).map_err(|_| Error::LimitExceeded)?;
    }
    Ok(out)
}

/// A JSON array of hex strings, each exactly `N` bytes, at most `CAP` of them.
pub(crate) fn hex_array_list<'a, const N: usize, const CAP: usize>(
    v: Value<'a>,
    scratch: &mut Scratch<'a>,
) -> Result<heapless::Vec<[u8; N], CAP>> {
    list(v, scratch, as_hex_array::<N>)
}

/// A JSON array of hex strings of any length, at most `CAP` of them.
pub(crate) fn hex_list<'a, const CAP: usize>(
    v: Value<'a>,
    scratch: &mut Scratch<'a>,
) -> Result<heapless::Vec<&'a [u8], CAP>> {
    list(v, scratch, as_hex)
}

/// A JSON array of strings, at most `CAP` of them.
pub(crate) fn str_list<'a, const CAP: usize>(
    v: Value<'a>,
    scratch: &mut Scratch<'a>,
) -> Result<heapless::Vec<&'a str, CAP>> {
    list(v, scratch, as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_pick_members_in_one_pass() {
        let body = br#" {"a": "x", "b": [1, {"c": null}], "\u0061b": true} "#;
        let [a, ab, z] = fields(body, ["a", "ab", "z"]).unwrap();
        assert!(matches!(a, Some(Value::Str(s)) if s.eq_str("x")));
        assert_eq!(ab, Some(Value::Bool(true)));
        assert_eq!(z, None);
        assert_eq!(fields(br#"{"a":1,"a":2}"#, ["a"]), Err(BAD));
        // Unwanted duplicates are fine.
        assert!(fields(br#"{"a":1,"a":2}"#, ["b"]).is_ok());
        assert_eq!(fields(b"[1]", []), Err(BAD));
        assert_eq!(fields(br#"{"a":1} x"#, []), Err(BAD));
        // Faults come in document order, as a validation pass first would find them.
        let mut deep = [b']'; 80];
        deep[..40].fill(b'[');
        assert_eq!(fields(&deep, []), Err(Error::LimitExceeded));
        let mut dup_then_deep = heapless::Vec::<u8, 128>::new();
        dup_then_deep
            .extend_from_slice(br#"{"a":1,"a":2,"x":"#)
            .unwrap();
        dup_then_deep.extend_from_slice(&deep).unwrap();
        dup_then_deep.push(b'}').unwrap();
        assert_eq!(fields(&dup_then_deep, ["a"]), Err(Error::LimitExceeded));
    }

    #[test]
    fn hex_values() {
        let body = br#"{"p":"0xABcd","e":"\u0030x0\u0031ff","odd":"abc","bad":"zz"}"#;
        let [p, e, odd, bad] = fields(body, ["p", "e", "odd", "bad"]).unwrap();
        let mut buf = [0u8; 64];
        let mut s = Scratch::new(&mut buf, 64);
        assert_eq!(req_hex(p, &mut s).unwrap(), &[0xab, 0xcd]);
        assert_eq!(req_hex(e, &mut s).unwrap(), &[0x01, 0xff]);
        assert_eq!(req_hex(odd, &mut s), Err(BAD));
        assert_eq!(req_hex(bad, &mut s), Err(BAD));
        assert_eq!(as_hex_array::<2>(p.unwrap(), &mut s), Ok([0xab, 0xcd]));
        assert_eq!(as_hex_array::<2>(e.unwrap(), &mut s), Ok([0x01, 0xff]));
        assert_eq!(as_hex_array::<3>(p.unwrap(), &mut s), Err(BAD));
        assert_eq!(opt_hex(None, &mut s), Ok(&[][..]));
        assert_eq!(req_hex(Some(Value::Null), &mut s), Err(BAD));
    }

    #[test]
    fn lists() {
        let body = br#"{"l":["a","\u0062"],"h":["00ff","11"],"n":[1]}"#;
        let [l, h, n] = fields(body, ["l", "h", "n"]).unwrap();
        let mut buf = [0u8; 64];
        let mut s = Scratch::new(&mut buf, 64);
        let strs = str_list::<4>(l.unwrap(), &mut s).unwrap();
        assert_eq!(strs.as_slice(), &["a", "b"]);
        let hexes = hex_list::<4>(h.unwrap(), &mut s).unwrap();
        assert_eq!(hexes.as_slice(), &[&[0, 0xff][..], &[0x11][..]]);
        assert_eq!(str_list::<1>(l.unwrap(), &mut s), Err(Error::LimitExceeded));
        assert_eq!(str_list::<4>(n.unwrap(), &mut s), Err(BAD));
        assert_eq!(hex_list::<4>(l.unwrap(), &mut s), Err(BAD));
    }
}
