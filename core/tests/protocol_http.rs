//! HTTP request writing and response parsing (dstack_core::http).

use dstack_core::http::{write_post, Response, ResponseParser, Status, MAX_HEAD_LEN};
use dstack_core::rpc::JsonWriter;
use dstack_core::Error;

const MAX: usize = 1 << 20;

fn body_get_key(w: &mut JsonWriter<'_>) {
    w.begin_object();
    w.field_str("path", "a");
    w.field_str("purpose", "p");
    w.field_str("algorithm", "secp256k1");
    w.end_object();
}

#[test]
fn request_exact_bytes() {
    let mut out = [0u8; 512];
    let n = write_post(&mut out, "localhost", "", "/GetKey", &body_get_key).unwrap();
    let body = r#"{"path":"a","purpose":"p","algorithm":"secp256k1"}"#;
    let expected = format!(
        "POST /GetKey HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nUser-Agent: libdstack/{}\r\nConnection: keep-alive\r\n\r\n{}",
        body.len(),
        env!("CARGO_PKG_VERSION"),
        body
    );
    assert_eq!(std::str::from_utf8(&out[..n]).unwrap(), expected);
}

/// Parses a request we wrote with httparse (an independent parser) and returns
/// (path, headers, body).
fn parse_request(bytes: &[u8]) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut req = httparse::Request::new(&mut headers);
    let head = match req.parse(bytes).unwrap() {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => panic!("partial request"),
    };
    assert_eq!(req.method, Some("POST"));
    assert_eq!(req.version, Some(1));
    let hs = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8(h.value.to_vec()).unwrap(),
            )
        })
        .collect();
    (req.path.unwrap().to_string(), hs, bytes[head..].to_vec())
}

fn header<'a>(hs: &'a [(String, String)], name: &str) -> &'a str {
    &hs.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn content_length_counts_bytes_for_non_ascii() {
    let subject = "ünïcødé ✓ 😀 \"q\" \\ \u{1}";
    let body = |w: &mut JsonWriter<'_>| {
        w.begin_object();
        w.field_str("subject", subject);
        w.end_object();
    };
    let mut out = vec![0u8; 1024];
    let n = write_post(&mut out, "localhost", "", "/GetTlsKey", &body).unwrap();
    let (path, hs, b) = parse_request(&out[..n]);
    assert_eq!(path, "/GetTlsKey");
    assert_eq!(
        header(&hs, "content-length").parse::<usize>().unwrap(),
        b.len()
    );
    assert_eq!(header(&hs, "content-type"), "application/json");
    assert_eq!(header(&hs, "host"), "localhost");
    assert_eq!(header(&hs, "connection"), "keep-alive");
    assert_eq!(
        header(&hs, "user-agent"),
        format!("libdstack/{}", env!("CARGO_PKG_VERSION"))
    );
    let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["subject"], subject);
    // non-ASCII is raw UTF-8, control characters are \u00XX
    let text = std::str::from_utf8(&b).unwrap();
    assert!(text.contains("ünïcødé ✓ 😀"));
    assert!(text.contains(r#"\"q\" \\ \u0001"#));
}

#[test]
fn buffer_too_small_reports_exact_size() {
    let mut big = [0u8; 1024];
    let full = write_post(&mut big, "dstack", "", "/GetKey", &body_get_key).unwrap();
    for cap in [0, 1, 10, full - 1] {
        let mut small = vec![0u8; cap];
        assert_eq!(
            write_post(&mut small, "dstack", "", "/GetKey", &body_get_key),
            Err(Error::BufferTooSmall { needed: full })
        );
    }
    let mut exact = vec![0u8; full];
    assert_eq!(
        write_post(&mut exact, "dstack", "", "/GetKey", &body_get_key),
        Ok(full)
    );
    assert_eq!(&exact[..], &big[..full]);
}

#[test]
fn path_prefix_for_http_endpoints() {
    for prefix in ["/base", "/base/", "base", "base/"] {
        let mut out = [0u8; 512];
        let n = write_post(&mut out, "host:8090", prefix, "/GetKey", &body_get_key).unwrap();
        let (path, hs, _) = parse_request(&out[..n]);
        assert_eq!(path, "/base/GetKey", "prefix {prefix:?}");
        assert_eq!(header(&hs, "host"), "host:8090");
    }
    for prefix in ["", "/"] {
        let mut out = [0u8; 512];
        let n = write_post(&mut out, "h", prefix, "/prpc/Tappd.Info", &body_get_key).unwrap();
        assert_eq!(parse_request(&out[..n]).0, "/prpc/Tappd.Info");
    }
}

#[test]
fn header_injection_is_refused() {
    let mut out = [0u8; 512];
    for (host, prefix, path) in [
        ("local\r\nX: y", "", "/GetKey"),
        ("", "", "/GetKey"),
        ("h", "/a b", "/GetKey"),
        ("h", "", "/Get\nKey"),
        ("h", "", "GetKey"),
        ("h", "", "/Get Key"),
    ] {
        assert!(
            matches!(
                write_post(&mut out, host, prefix, path, &body_get_key),
                Err(Error::InvalidArgument(_))
            ),
            "{host:?} {prefix:?} {path:?}"
        );
    }
}

// ----------------------------------------------------------------------------------
// Response parser
// ----------------------------------------------------------------------------------

fn complete(p: &mut ResponseParser, buf: &mut [u8]) -> Response {
    match p.parse(buf).unwrap() {
        Status::Complete(r) => r,
        Status::Partial => panic!("partial"),
    }
}

/// Feeds `wire` split at the given cut points, as a transport would, and returns the
/// response with a copy of the final buffer.
fn feed_split(wire: &[u8], cuts: &[usize], max: usize) -> Result<(Response, Vec<u8>), Error> {
    let mut p = ResponseParser::new(max);
    let mut buf = Vec::new();
    let mut last = 0;
    for &c in cuts.iter().chain(std::iter::once(&wire.len())) {
        buf.extend_from_slice(&wire[last..c]);
        last = c;
        if let Status::Complete(r) = p.parse(&mut buf)? {
            assert!(c >= r.consumed);
            return Ok((r, buf));
        }
    }
    let r = p.finish_at_eof(&mut buf)?;
    Ok((r, buf))
}

const GETKEY_OK: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nserver: Rocket\r\ncontent-length: 13\r\ndate: Mon, 1 Jan 2026 00:00:00 GMT\r\n\r\n{\"valid\":true}";

#[test]
fn content_length_response() {
    // Body is 14 bytes but Content-Length says 13: the parser must use the header.
    let mut buf = GETKEY_OK.as_bytes().to_vec();
    let mut p = ResponseParser::new(MAX);
    let r = complete(&mut p, &mut buf);
    assert_eq!(r.status, 200);
    assert_eq!(&buf[r.body.clone()], b"{\"valid\":true");
    assert!(r.keep_alive);
    assert_eq!(r.consumed, GETKEY_OK.len() - 1);
}

#[test]
fn content_length_fed_byte_by_byte() {
    let body: String = "abcdefghij".repeat(500);
    let wire = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        body
    );
    let cuts: Vec<usize> = (1..wire.len()).collect();
    let (r, buf) = feed_split(wire.as_bytes(), &cuts, MAX).unwrap();
    assert_eq!(&buf[r.body], body.as_bytes());
    assert_eq!(r.consumed, wire.len());
}

fn chunked_wire(body: &[u8], chunk: usize, ext: bool, trailer: bool) -> Vec<u8> {
    let mut w =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
            .to_vec();
    for part in body.chunks(chunk) {
        w.extend_from_slice(format!("{:X}", part.len()).as_bytes());
        if ext {
            w.extend_from_slice(b";name=value");
        }
        w.extend_from_slice(b"\r\n");
        w.extend_from_slice(part);
        w.extend_from_slice(b"\r\n");
    }
    w.extend_from_slice(b"0\r\n");
    if trailer {
        w.extend_from_slice(b"X-Trailer: yes\r\n");
    }
    w.extend_from_slice(b"\r\n");
    w
}

#[test]
fn chunked_split_at_every_position() {
    let body = br#"{"key":"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n","certificate_chain":["x","y"]}"#;
    for (chunk, ext, trailer) in [
        (7, false, false),
        (16, true, true),
        (1, false, true),
        (200, true, false),
    ] {
        let wire = chunked_wire(body, chunk, ext, trailer);
        for cut in 0..=wire.len() {
            let (r, buf) = feed_split(&wire, &[cut], MAX).unwrap();
            assert_eq!(&buf[r.body.clone()], &body[..], "chunk {chunk} cut {cut}");
            assert_eq!(r.consumed, wire.len());
            assert!(r.keep_alive);
        }
        // and with two cut points everywhere for the small-chunk wire
        if chunk == 7 {
            for a in 0..wire.len() {
                for b in a..wire.len() {
                    let (r, buf) = feed_split(&wire, &[a, b], MAX).unwrap();
                    assert_eq!(&buf[r.body], &body[..]);
                }
            }
        }
    }
}

#[test]
fn chunked_five_kilobytes_one_byte_at_a_time() {
    let body: Vec<u8> = (0..5000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let wire = chunked_wire(&body, 333, false, false);
    let cuts: Vec<usize> = (1..wire.len()).collect();
    let (r, buf) = feed_split(&wire, &cuts, MAX).unwrap();
    assert_eq!(&buf[r.body], &body[..]);
}

#[test]
fn keep_alive_rules() {
    let cases: [(&str, bool); 6] = [
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", true),
        (
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
            false,
        ),
        (
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\n{}",
            false,
        ),
        ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", false),
        (
            "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n{}",
            true,
        ),
        (
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}",
            true,
        ),
    ];
    for (wire, ka) in cases {
        let mut buf = wire.as_bytes().to_vec();
        let r = complete(&mut ResponseParser::new(MAX), &mut buf);
        assert_eq!(r.keep_alive, ka, "{wire}");
        assert_eq!(&buf[r.body], b"{}");
    }
}

#[test]
fn body_until_eof() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}";
    let mut p = ResponseParser::new(MAX);
    let mut buf = wire.to_vec();
    assert_eq!(p.parse(&mut buf).unwrap(), Status::Partial);
    let r = p.finish_at_eof(&mut buf).unwrap();
    assert_eq!(&buf[r.body.clone()], b"{\"a\":1}");
    assert!(!r.keep_alive);
    assert_eq!(r.consumed, wire.len());
    // Over the limit while streaming.
    let mut p = ResponseParser::new(3);
    assert_eq!(p.parse(&mut buf), Err(Error::ResponseTooLarge));
}

#[test]
fn truncated_responses_fail_at_eof() {
    let full = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    for cut in 0..full.len() {
        let mut buf = full.as_bytes()[..cut].to_vec();
        let mut p = ResponseParser::new(MAX);
        assert_eq!(p.parse(&mut buf).unwrap(), Status::Partial, "cut {cut}");
        assert_eq!(
            p.finish_at_eof(&mut buf),
            Err(Error::MalformedHttp),
            "cut {cut}"
        );
    }
    let wire = chunked_wire(b"hello world", 4, false, false);
    for cut in 0..wire.len() {
        let mut buf = wire[..cut].to_vec();
        let mut p = ResponseParser::new(MAX);
        assert_eq!(p.parse(&mut buf).unwrap(), Status::Partial);
        assert_eq!(p.finish_at_eof(&mut buf), Err(Error::MalformedHttp));
    }
}

#[test]
fn garbage_is_malformed() {
    for wire in [
        &b"garbage\r\n\r\n"[..],
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a trailer\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
    ] {
        let mut buf = wire.to_vec();
        assert_eq!(
            ResponseParser::new(MAX).parse(&mut buf),
            Err(Error::MalformedHttp),
            "{}",
            String::from_utf8_lossy(wire)
        );
    }
    // same content length twice is fine
    let mut buf = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}".to_vec();
    let n = buf.len();
    assert_eq!(
        complete(&mut ResponseParser::new(MAX), &mut buf).body,
        n - 2..n
    );
}

#[test]
fn oversize_is_refused_before_the_body() {
    // 100 MB declared: refused from the head alone.
    let mut buf = b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n".to_vec();
    assert_eq!(
        ResponseParser::new(16 << 20).parse(&mut buf),
        Err(Error::ResponseTooLarge)
    );
    let mut buf = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n".to_vec();
    assert_eq!(
        ResponseParser::new(16 << 20).parse(&mut buf),
        Err(Error::ResponseTooLarge)
    );
    // A chunk over the limit, and chunks summing over it.
    let mut buf = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6400000\r\n".to_vec();
    assert_eq!(
        ResponseParser::new(16 << 20).parse(&mut buf),
        Err(Error::ResponseTooLarge)
    );
    let wire = chunked_wire(&[b'x'; 100], 10, false, false);
    let mut buf = wire.clone();
    assert_eq!(
        ResponseParser::new(95).parse(&mut buf),
        Err(Error::ResponseTooLarge)
    );
    let mut buf = wire;
    assert!(matches!(
        ResponseParser::new(100).parse(&mut buf),
        Ok(Status::Complete(_))
    ));
    // A head that never ends.
    let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
    buf.extend(std::iter::repeat_n(b'a', MAX_HEAD_LEN));
    assert_eq!(
        ResponseParser::new(MAX).parse(&mut buf),
        Err(Error::ResponseTooLarge)
    );
    // Endless chunk extensions.
    let mut buf = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;".to_vec();
    buf.extend(std::iter::repeat_n(b'a', 5000));
    assert_eq!(
        ResponseParser::new(MAX).parse(&mut buf),
        Err(Error::MalformedHttp)
    );
}

#[test]
fn not_found_html_page() {
    let html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head><body><h1>404: Not Found</h1></body></html>";
    let wire = format!("HTTP/1.1 404 Not Found\r\ncontent-type: text/html; charset=utf-8\r\nserver: Rocket\r\ncontent-length: {}\r\n\r\n{}", html.len(), html);
    let mut buf = wire.into_bytes();
    let r = complete(&mut ResponseParser::new(MAX), &mut buf);
    assert_eq!(r.status, 404);
    assert_eq!(&buf[r.body.clone()], html.as_bytes());
    assert_eq!(
        dstack_core::rpc::check_response(r.status, &buf[r.body]),
        Err(Error::HttpStatus(404))
    );
}

#[test]
fn pipelined_responses_and_reset() {
    let first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    let second = chunked_wire(b"{\"a\":1}", 3, false, false);
    let mut buf = first.as_bytes().to_vec();
    buf.extend_from_slice(&second);
    let mut p = ResponseParser::new(MAX);
    let r = complete(&mut p, &mut buf);
    assert_eq!(r.consumed, first.len());
    // asking again repeats the answer
    assert_eq!(complete(&mut p, &mut buf), r);
    buf.drain(..r.consumed);
    p.reset();
    let r2 = complete(&mut p, &mut buf);
    assert_eq!(&buf[r2.body], b"{\"a\":1}");
    assert_eq!(r2.consumed, second.len());
}

#[test]
fn interim_and_bodyless_statuses() {
    let wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    let mut buf = wire.as_bytes().to_vec();
    let r = complete(&mut ResponseParser::new(MAX), &mut buf);
    assert_eq!(r.status, 200);
    assert_eq!(&buf[r.body], b"{}");
    for cut in 0..wire.len() {
        let (r, buf) = feed_split(wire.as_bytes(), &[cut], MAX).unwrap();
        assert_eq!(&buf[r.body], b"{}");
    }
    let mut buf = b"HTTP/1.1 204 No Content\r\n\r\n".to_vec();
    let r = complete(&mut ResponseParser::new(MAX), &mut buf);
    assert_eq!((r.status, r.body.len(), r.consumed), (204, 0, buf.len()));
}

#[test]
fn bare_lf_line_endings() {
    let mut buf = b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}".to_vec();
    let r = complete(&mut ResponseParser::new(MAX), &mut buf);
    assert_eq!(&buf[r.body], b"{}");
}

const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

#[test]
fn interim_heads_count_against_the_head_limit() {
    // An endless flood of `100 Continue`, fed one head per read as a transport would: the
    // parser must refuse it once the heads pass MAX_HEAD_LEN in total, so the caller's
    // buffer never holds more than MAX_HEAD_LEN plus the last read.
    let mut p = ResponseParser::new(MAX);
    let mut buf = Vec::new();
    let err = loop {
        buf.extend_from_slice(CONTINUE);
        match p.parse(&mut buf) {
            Ok(Status::Partial) => assert!(buf.len() <= MAX_HEAD_LEN),
            Ok(Status::Complete(r)) => panic!("a flood of 100 heads completed: {r:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(err, Error::ResponseTooLarge);
    assert!(buf.len() > MAX_HEAD_LEN && buf.len() <= MAX_HEAD_LEN + CONTINUE.len());

    // The same flood arriving in one buffer, followed by a valid answer.
    let mut wire = CONTINUE.repeat(MAX_HEAD_LEN / CONTINUE.len() + 1);
    wire.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    assert_eq!(
        ResponseParser::new(MAX).parse(&mut wire.clone()),
        Err(Error::ResponseTooLarge)
    );
    // Split anywhere, the verdict is the same.
    for cut in [
        1,
        CONTINUE.len(),
        MAX_HEAD_LEN - 3,
        MAX_HEAD_LEN + 1,
        wire.len() - 1,
    ] {
        assert_eq!(
            feed_split(&wire, &[cut], MAX).map(|_| ()),
            Err(Error::ResponseTooLarge),
            "cut at {cut}"
        );
    }
}

#[test]
fn interim_heads_within_the_limit_are_skipped() {
    // A few interim heads (100, 102, 103), then the real answer.
    let mut wire = CONTINUE.repeat(3);
    wire.extend_from_slice(
        b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n",
    );
    wire.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    for cut in 0..wire.len() {
        let (r, buf) = feed_split(&wire, &[cut], MAX).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(&buf[r.body], b"{}");
        assert_eq!(r.consumed, wire.len());
    }

    // The limit is exact: interim heads plus a final head of MAX_HEAD_LEN bytes in total
    // are accepted, one byte more is not.
    let final_head = |pad: usize| {
        format!(
            "HTTP/1.1 200 OK\r\nX-Pad: {}\r\nContent-Length: 2\r\n\r\n",
            "a".repeat(pad)
        )
    };
    let interim = CONTINUE.repeat(100);
    let bare = interim.len() + final_head(0).len();
    for (extra, ok) in [(0, true), (1, false)] {
        let mut wire = interim.clone();
        wire.extend_from_slice(final_head(MAX_HEAD_LEN - bare + extra).as_bytes());
        assert_eq!(wire.len(), MAX_HEAD_LEN + extra);
        wire.extend_from_slice(b"{}");
        let got = ResponseParser::new(MAX).parse(&mut wire);
        if ok {
            assert!(matches!(got, Ok(Status::Complete(r)) if r.status == 200));
        } else {
            assert_eq!(got, Err(Error::ResponseTooLarge));
        }
    }
}
