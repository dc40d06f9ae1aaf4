//! App-compose hashing (docs/PROTOCOL.md §4.3, `testdata/vectors/README.md`).
//!
//! [`compose_canonical_json`] reproduces byte for byte what the JS SDK's
//! `getComposeHash` hashes — the serialization deployment tools upload: `JSON.parse` then
//! recursively sorted keys then `JSON.stringify`. That means: keys ordered as a JavaScript
//! object orders them after sorting (array-index keys such as `"2"`, `"10"` first in
//! numeric order, then the rest by UTF-16 code units), ECMAScript number formatting
//! (`1.0` → `1`, `1e21` → `1e+21`, `-0` → `0`), `NaN`/`±Infinity` and overflowing numbers
//! as `null`, `null` kept, compact separators, raw UTF-8 with JSON.stringify's escapes,
//! and duplicate keys resolved last-wins. `NaN`, `Infinity` and `-Infinity` literals are
//! accepted in the input (the JS SDK takes objects, which may hold them). A member named
//! `"__proto__"` (at any depth, however its name is escaped) is left out: `JSON.parse`
//! makes it an own property, but the SDK's key sort rebuilds each object by assignment,
//! and assigning `__proto__` sets the new object's prototype (or, for a primitive, does
//! nothing) instead of adding a property, so `JSON.stringify` never sees it. The SDK sorts
//! only objects whose `constructor` is `Object`: an object with its own `"constructor"`
//! member is left as `JSON.parse` made it, and so is everything inside it — members in
//! JavaScript's own order (array-index keys ascending, then the others where each first
//! appeared, a duplicate keeping its first place and its last value), `"__proto__"` members
//! kept (there `JSON.parse` made them ordinary properties), arrays not rebuilt.
//!
//! `normalize` applies the SDK's preprocessing to the top-level object: runner `bash`
//! drops `docker_compose_file`, runner `docker-compose` drops `bash_script`, and a falsy
//! `pre_launch_script` (`false`, `null`, `0`, `""`) is dropped.
//!
//! Working memory is the caller's `scratch`: 8 bytes per member of each object on the
//! current nesting path. `4 × input.len()` always suffices; [`compose_scratch_len`] gives
//! the exact need.
//!
//! The guest itself measures `SHA-256` of the raw `app-compose.json` bytes:
//! [`compose_hash_raw`].

use core::cmp::Ordering;

use sha2::{Digest, Sha256};

use crate::json::{
    BufSink, CodePoint, Escaping, HashSink, JsonStr, Parser, Sink, Value,
    MAX_DEPTH_DOCUMENT as MAX_DEPTH,
};

use crate::error::{Error, Result};

/// Bytes of scratch per object member.
pub const SCRATCH_PER_MEMBER: usize = 8;

fn map_json_err(e: Error) -> Error {
    match e {
        Error::MalformedResponse => Error::InvalidArgument("app-compose is not valid JSON"),
        other => other,
    }
}

fn parser(input: &[u8]) -> Result<Parser<'_>> {
    if input.len() >= u32::MAX as usize {
        return Err(Error::LimitExceeded);
    }
    Ok(Parser::new(input, MAX_DEPTH).allow_nonfinite())
}

/// SHA-256 of the raw bytes of an `app-compose.json` file: what the guest measures.
pub fn compose_hash_raw(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Exact scratch size [`compose_canonical_json`] / [`compose_hash`] need for `input`.
pub fn compose_scratch_len(input: &[u8]) -> Result<usize> {
    let mut p = parser(input)?;
    let n = scratch_need(&mut p, 0).map_err(map_json_err)?;
    p.end().map_err(map_json_err)?;
    Ok(n)
}

fn scratch_need(p: &mut Parser<'_>, depth: usize) -> Result<usize> {
    match p.peek() {
        Some(b'{') | Some(b'[') => {}
        _ => {
            p.value(depth)?;
            return Ok(0);
        }
    }
    if depth >= MAX_DEPTH {
        return Err(Error::LimitExceeded);
    }
    let mut child_max = 0usize;
    let mut members = 0usize;
    let mut first = true;
    if p.peek() == Some(b'{') {
        while p.next_key(first)?.is_some() {
            first = false;
            members += 1;
            child_max = child_max.max(scratch_need(p, depth + 1)?);
        }
    } else {
        while p.next_element(first)? {
            first = false;
            child_max = child_max.max(scratch_need(p, depth + 1)?);
        }
    }
    Ok(members * SCRATCH_PER_MEMBER + child_max)
}

/// Writes the canonical JSON of `input` into `out` and returns its length.
/// Errors: `InvalidArgument` for input that is not JSON, `LimitExceeded` for nesting
/// deeper than 128 or a too-small `scratch` (see [`compose_scratch_len`]),
/// `BufferTooSmall { needed }` when `out` is too small (the exact length).
pub fn compose_canonical_json(
    input: &[u8],
    normalize: bool,
    scratch: &mut [u8],
    out: &mut [u8],
) -> Result<usize> {
    let mut sink = BufSink::new(out);
    canonicalize(input, normalize, scratch, &mut sink)?;
    if !sink.fits() {
        return Err(Error::BufferTooSmall { needed: sink.len() });
    }
    Ok(sink.len())
}

/// SHA-256 of the canonical JSON of `input`, streamed (no output buffer).
pub fn compose_hash(input: &[u8], normalize: bool, scratch: &mut [u8]) -> Result<[u8; 32]> {
    let mut sink = HashSink(Sha256::new());
    canonicalize(input, normalize, scratch, &mut sink)?;
    Ok(sink.0.finalize().into())
}

fn canonicalize(
    input: &[u8],
    normalize: bool,
    scratch: &mut [u8],
    sink: &mut impl Sink,
) -> Result<()> {
    let mut p = parser(input)?;
    let r = (|| {
        emit_value(&mut p, input, 0, normalize, true, scratch, sink)?;
        p.end()
    })();
    r.map_err(map_json_err)
}

/// `sorted`: the value is inside what the SDK's key sort rebuilds (false below an object
/// that has its own `"constructor"` member).
fn emit_value(
    p: &mut Parser<'_>,
    input: &[u8],
    depth: usize,
    normalize: bool,
    sorted: bool,
    scratch: &mut [u8],
    sink: &mut impl Sink,
) -> Result<()> {
    match p.peek() {
        Some(b'{' | b'[') if depth >= MAX_DEPTH => Err(Error::LimitExceeded),
        Some(b'{') => emit_object(p, input, depth, normalize, sorted, scratch, sink),
        Some(b'[') => {
            sink.put(b"[");
            let mut first = true;
            while p.next_element(first)? {
                if !first {
                    sink.put(b",");
                }
                first = false;
                emit_value(p, input, depth + 1, false, sorted, scratch, sink)?;
            }
            sink.put(b"]");
            Ok(())
        }
        _ => {
            match p.value(depth)? {
                Value::Str(s) => s.write_escaped(Escaping::JavaScript, sink),
                Value::Num(n) => emit_number(n, sink),
                Value::Bool(true) => sink.put(b"true"),
                Value::Bool(false) => sink.put(b"false"),
                Value::Null => sink.put(b"null"),
                // Containers were dispatched above.
                Value::Obj(_) | Value::Arr(_) => return Err(Error::MalformedResponse),
            }
            Ok(())
        }
    }
}

fn number_value(n: &str) -> f64 {
    match n {
        "NaN" => f64::NAN,
        "Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        // The text passed the JSON number grammar, which `f64::from_str` accepts; huge
        // exponents give ±inf, as in JavaScript.
        _ => n.parse().unwrap_or(f64::NAN),
    }
}

fn emit_number(n: &str, sink: &mut impl Sink) {
    let v = number_value(n);
    if !v.is_finite() {
        sink.put(b"null");
        return;
    }
    let mut buf = ryu_js::Buffer::new();
    sink.put(buf.format_finite(v).as_bytes());
}

fn entry(s: &[u8], i: usize) -> (usize, usize) {
    let e = &s[i * SCRATCH_PER_MEMBER..(i + 1) * SCRATCH_PER_MEMBER];
    (
        u32::from_le_bytes([e[0], e[1], e[2], e[3]]) as usize,
        u32::from_le_bytes([e[4], e[5], e[6], e[7]]) as usize,
    )
}

fn set_entry(s: &mut [u8], i: usize, key: usize, val: usize) {
    let e = &mut s[i * SCRATCH_PER_MEMBER..(i + 1) * SCRATCH_PER_MEMBER];
    e[..4].copy_from_slice(&(key as u32).to_le_bytes());
    e[4..].copy_from_slice(&(val as u32).to_le_bytes());
}

fn swap_entries(s: &mut [u8], i: usize, j: usize) {
    let (a, b) = (entry(s, i), entry(s, j));
    set_entry(s, i, b.0, b.1);
    set_entry(s, j, a.0, a.1);
}

fn key_at(input: &[u8], pos: usize) -> JsonStr<'_> {
    let mut p = Parser::new(input, MAX_DEPTH);
    p.seek(pos);
    // Keys were validated when their offsets were recorded.
    p.string().unwrap_or(JsonStr::EMPTY)
}

/// The value of an array-index key ("0", "1", … "4294967294"), as JavaScript orders them
/// before other property names.
fn array_index(k: &JsonStr<'_>) -> Option<u32> {
    let mut v: u64 = 0;
    let mut len = 0;
    let mut first = None;
    for cp in k.code_points() {
        let CodePoint::Char(c @ '0'..='9') = cp else {
            return None;
        };
        if first.is_none() {
            first = Some(c);
        }
        len += 1;
        if len > 10 {
            return None;
        }
        v = v * 10 + (c as u64 - '0' as u64);
    }
    if len == 0 || (len > 1 && first == Some('0')) || v >= u32::MAX as u64 {
        return None;
    }
    Some(v as u32)
}

fn key_cmp(a: &JsonStr<'_>, b: &JsonStr<'_>) -> Ordering {
    match (array_index(a), array_index(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp_utf16(b),
    }
}

/// Order of entries: by key, then by position (so the last duplicate comes last).
fn entry_cmp(input: &[u8], s: &[u8], i: usize, j: usize) -> Ordering {
    let (ka, _) = entry(s, i);
    let (kb, _) = entry(s, j);
    key_cmp(&key_at(input, ka), &key_at(input, kb)).then(ka.cmp(&kb))
}

fn heapsort(input: &[u8], s: &mut [u8], n: usize) {
    heapsort_by(s, n, &|s: &[u8], i, j| entry_cmp(input, s, i, j));
}

/// Sorts the first `n` entries of `s` by `cmp` (in place, no allocation).
fn heapsort_by(s: &mut [u8], n: usize, cmp: &dyn Fn(&[u8], usize, usize) -> Ordering) {
    let sift = |s: &mut [u8], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && cmp(s, child, child + 1) == Ordering::Less {
            child += 1;
        }
        if cmp(s, root, child) != Ordering::Less {
            return;
        }
        swap_entries(s, root, child);
        root = child;
    };
    for i in (0..n / 2).rev() {
        sift(s, i, n);
    }
    for end in (1..n).rev() {
        swap_entries(s, 0, end);
        sift(s, 0, end);
    }
}

/// Rewrites `s` (its `n` entries sorted by [`entry_cmp`]) into JavaScript's own-property
/// order of the object `JSON.parse` builds: one entry per key, at the key's first position
/// and with its last value; array-index keys ascending, then the rest by first position.
/// Returns the number of entries left.
fn own_property_order(input: &[u8], s: &mut [u8], n: usize) -> usize {
    let mut m = 0;
    let mut i = 0;
    while i < n {
        let (first_key, _) = entry(s, i);
        let mut j = i;
        while j + 1 < n
            && key_cmp(
                &key_at(input, entry(s, j).0),
                &key_at(input, entry(s, j + 1).0),
            ) == Ordering::Equal
        {
            j += 1;
        }
        let (_, last_val) = entry(s, j);
        set_entry(s, m, first_key, last_val);
        m += 1;
        i = j + 1;
    }
    let names = (0..m)
        .find(|&k| array_index(&key_at(input, entry(s, k).0)).is_none())
        .unwrap_or(m);
    let tail = &mut s[names * SCRATCH_PER_MEMBER..];
    heapsort_by(tail, m - names, &|s: &[u8], a, b| {
        entry(s, a).0.cmp(&entry(s, b).0)
    });
    m
}

fn value_at<'a>(input: &'a [u8], pos: usize) -> Result<Value<'a>> {
    let mut p = Parser::new(input, MAX_DEPTH).allow_nonfinite();
    p.seek(pos);
    p.value(0)
}

fn is_js_falsy(v: &Value<'_>) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::Null => true,
        Value::Str(s) => s.is_empty(),
        Value::Num(n) => {
            let f = number_value(n);
            f == 0.0 || f.is_nan()
        }
        Value::Obj(_) | Value::Arr(_) => false,
    }
}

// Called only by `emit_value`, which bounds `depth`.
fn emit_object(
    p: &mut Parser<'_>,
    input: &[u8],
    depth: usize,
    normalize: bool,
    sorted: bool,
    scratch: &mut [u8],
    sink: &mut impl Sink,
) -> Result<()> {
    p.expect(b'{')?;
    let mut n = 0usize;
    if !p.eat(b'}') {
        loop {
            p.ws();
            let key_pos = p.pos();
            p.string()?;
            p.expect(b':')?;
            p.ws();
            let val_pos = p.pos();
            p.value(depth + 1)?;
            if scratch.len() < (n + 1) * SCRATCH_PER_MEMBER {
                return Err(Error::LimitExceeded);
            }
            set_entry(scratch, n, key_pos, val_pos);
            n += 1;
            if p.eat(b',') {
                continue;
            }
            p.expect(b'}')?;
            break;
        }
    }
    let (mine, rest) = scratch.split_at_mut(n * SCRATCH_PER_MEMBER);
    heapsort(input, mine, n);

    // The effective member for a key is the last of its run of equal keys.
    let is_effective = |s: &[u8], i: usize| {
        i + 1 == n
            || key_cmp(
                &key_at(input, entry(s, i).0),
                &key_at(input, entry(s, i + 1).0),
            ) != Ordering::Equal
    };
    let find = |s: &[u8], name: &str| -> Option<usize> {
        (0..n)
            .find(|&i| is_effective(s, i) && key_at(input, entry(s, i).0).eq_str(name))
            .map(|i| entry(s, i).1)
    };

    // The SDK's sort leaves an object alone unless its `constructor` is `Object`: one with
    // its own "constructor" member keeps JSON.parse's order, and so does all it holds.
    let sorted = sorted && find(mine, "constructor").is_none();
    let (mut drop_compose, mut drop_bash, mut drop_prelaunch) = (false, false, false);
    if normalize {
        if let Some(v) = find(mine, "runner") {
            if let Value::Str(r) = value_at(input, v)? {
                drop_compose = r.eq_str("bash");
                drop_bash = r.eq_str("docker-compose");
            }
        }
        if let Some(v) = find(mine, "pre_launch_script") {
            drop_prelaunch = is_js_falsy(&value_at(input, v)?);
        }
    }

    // Unsorted, duplicates are merged, so every entry left is effective.
    let n = if sorted {
        n
    } else {
        own_property_order(input, mine, n)
    };
    let is_effective = |s: &[u8], i: usize| !sorted || is_effective(s, i);

    sink.put(b"{");
    let mut first = true;
    for i in 0..n {
        if !is_effective(mine, i) {
            continue;
        }
        let (kp, vp) = entry(mine, i);
        let key = key_at(input, kp);
        if (sorted && key.eq_str("__proto__"))
            || (drop_compose && key.eq_str("docker_compose_file"))
            || (drop_bash && key.eq_str("bash_script"))
            || (drop_prelaunch && key.eq_str("pre_launch_script"))
        {
            continue;
        }
        if !first {
            sink.put(b",");
        }
        first = false;
        key.write_escaped(Escaping::JavaScript, sink);
        sink.put(b":");
        let mut child = Parser::new(input, MAX_DEPTH).allow_nonfinite();
        child.seek(vp);
        emit_value(&mut child, input, depth + 1, false, sorted, rest, sink)?;
    }
    sink.put(b"}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str, normalize: bool) -> heapless::String<512> {
        let mut scratch = [0u8; 1024];
        let mut out = [0u8; 512];
        let n = compose_canonical_json(s.as_bytes(), normalize, &mut scratch, &mut out).unwrap();
        heapless::String::try_from(core::str::from_utf8(&out[..n]).unwrap()).unwrap()
    }

    #[test]
    fn basics() {
        assert_eq!(
            canon(r#"{"b":1,"a":[1.0,2.5e0,-0,1e21]}"#, false),
            r#"{"a":[1,2.5,0,1e+21],"b":1}"#
        );
        assert_eq!(
            canon(r#"{"10":1,"9":2,"01":3,"x":4}"#, false),
            r#"{"9":2,"10":1,"01":3,"x":4}"#
        );
        assert_eq!(canon(r#"{"a":1,"a":2}"#, false), r#"{"a":2}"#);
        assert_eq!(canon(r#"{"a":1,"\u0061":2}"#, false), r#"{"a":2}"#);
        assert_eq!(
            canon(
                r#"{"runner":"bash","docker_compose_file":"x","pre_launch_script":0}"#,
                true
            ),
            r#"{"runner":"bash"}"#
        );
    }

    #[test]
    fn proto_members_are_dropped_as_javascript_does() {
        // Results of JSON.stringify(sortObject(JSON.parse(text))) in node.
        assert_eq!(
            canon(r#"{"a":{"__proto__":{"x":1},"b":2}}"#, false),
            r#"{"a":{"b":2}}"#
        );
        assert_eq!(
            canon(r#"{"__proto__":1,"z":[{"__proto__":null,"q":1}]}"#, false),
            r#"{"z":[{"q":1}]}"#
        );
        assert_eq!(
            canon(r#"{"a":{"\u005f_proto__":"s","c":1}}"#, false),
            r#"{"a":{"c":1}}"#
        );
        assert_eq!(
            canon(
                r#"{"__proto__":{"runner":"bash"},"runner":"docker-compose","__proto_":1}"#,
                true
            ),
            r#"{"__proto_":1,"runner":"docker-compose"}"#
        );
    }

    #[test]
    fn objects_with_their_own_constructor_member_keep_json_parse_order() {
        // Results of JSON.stringify(sortObject(JSON.parse(text))) in node, sortObject as in
        // the JS SDK (it sorts only objects whose constructor is Object).
        assert_eq!(
            canon(r#"{"b":1,"a":{"z":1,"constructor":2,"y":3}}"#, false),
            r#"{"a":{"z":1,"constructor":2,"y":3},"b":1}"#
        );
        assert_eq!(
            canon(
                r#"{"constructor":0,"b":{"d":1,"c":2},"10":1,"2":2,"a":[{"y":1,"x":2}],"b":3}"#,
                false
            ),
            r#"{"2":2,"10":1,"constructor":0,"b":3,"a":[{"y":1,"x":2}]}"#
        );
        assert_eq!(
            canon(
                r#"{"q":{"constructor":1,"__proto__":{"k":1},"a":2}}"#,
                false
            ),
            r#"{"q":{"constructor":1,"__proto__":{"k":1},"a":2}}"#
        );
        assert_eq!(
            canon(
                r#"{"runner":"bash","constructor":1,"docker_compose_file":"x","z":1}"#,
                true
            ),
            r#"{"runner":"bash","constructor":1,"z":1}"#
        );
    }

    #[test]
    fn errors() {
        let mut scratch = [0u8; 8];
        let mut out = [0u8; 4];
        assert_eq!(
            compose_canonical_json(b"{\"a\":1", false, &mut scratch, &mut out),
            Err(Error::InvalidArgument("app-compose is not valid JSON"))
        );
        assert_eq!(
            compose_canonical_json(b"{\"a\":1,\"b\":2}", false, &mut scratch, &mut out),
            Err(Error::LimitExceeded)
        );
        assert_eq!(compose_scratch_len(b"{\"a\":1,\"b\":{\"c\":1}}"), Ok(24));
        let mut scratch = [0u8; 24];
        assert_eq!(
            compose_canonical_json(b"{\"a\":1,\"b\":{\"c\":1}}", false, &mut scratch, &mut out),
            Err(Error::BufferTooSmall { needed: 19 })
        );
    }
}
