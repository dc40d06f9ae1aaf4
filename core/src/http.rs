//! HTTP/1.1 for the guest agent: request writing and an incremental response parser.
//!
//! Sans-IO: [`write_post`] writes a whole request into a caller buffer; a
//! [`ResponseParser`] is fed the bytes received so far and answers
//! [`Status::Partial`] (read more) or [`Status::Complete`] with the status, where the body
//! lies in the caller's buffer, whether the connection may be reused, and how many bytes
//! the response used (the rest belongs to the next response on a keep-alive connection).

use core::ops::Range;

use crate::error::{Error, Result};
use crate::json::JsonWriter;

/// Most header lines a response may carry.
pub const MAX_HEADERS: usize = 32;

/// Longest response head (status line and headers) accepted, counted from the response's
/// first byte: interim (1xx) heads before the final one count too, so no sequence of heads
/// makes the caller's buffer grow past this before an error.
pub const MAX_HEAD_LEN: usize = 16 * 1024;

/// Longest chunk-size line or trailer line accepted inside a chunked body.
const MAX_CHUNK_LINE: usize = 1024;

/// Rejects bytes that would break the request line or a header line.
fn check_token(s: &str, what: &'static str) -> Result<()> {
    if s.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(Error::InvalidArgument(what));
    }
    Ok(())
}

/// Writes `POST <path_prefix><path> HTTP/1.1` with the headers the agent needs and the
/// JSON body produced by `body`, into `out`. Returns the number of bytes written.
///
/// - `host`: the `Host` header (`localhost` for Unix sockets, `host:port` for HTTP).
/// - `path_prefix`: the path of an HTTP endpoint with a base path (`/base` for
///   `http://host:8090/base`), or `""`. A trailing `/` is ignored and a missing leading
///   `/` is added, so `/base/`, `base` and `/base` are the same prefix.
/// - `path`: the RPC path, starting with `/` (`/GetKey`, `/prpc/Tappd.TdxQuote`).
/// - `body`: writes the body; it is called twice (once to count, once to write) and must
///   produce the same bytes both times.
///
/// Headers: `Host`, `Content-Type: application/json`, `Content-Length` (exact byte length
/// of the body), `User-Agent: libdstack/<VERSION>`, `Connection: keep-alive`.
///
/// Errors: `BufferTooSmall { needed }` with the exact total size when `out` is too small
/// (nothing useful is written then); `InvalidArgument` for a host, prefix or path with a
/// space, a control character or DEL, or a path not starting with `/`.
pub fn write_post(
    out: &mut [u8],
    host: &str,
    path_prefix: &str,
    path: &str,
    body: &dyn Fn(&mut JsonWriter<'_>),
) -> Result<usize> {
    check_token(host, "host contains a space or a control character")?;
    if host.is_empty() {
        return Err(Error::InvalidArgument("host is empty"));
    }
    check_token(
        path_prefix,
        "path prefix contains a space or a control character",
    )?;
    check_token(path, "path contains a space or a control character")?;
    if !path.starts_with('/') {
        return Err(Error::InvalidArgument("path must start with '/'"));
    }
    let prefix = path_prefix.trim_end_matches('/');
    let needs_slash = !prefix.is_empty() && !prefix.starts_with('/');

    let mut counter = JsonWriter::counting();
    body(&mut counter);
    let body_len = counter.len();

    let mut digits = [0u8; 20];
    let len_text = crate::json::decimal(body_len as u64, &mut digits);

    let head: [&[u8]; 12] = [
        b"POST ",
        if needs_slash { b"/" } else { b"" },
        prefix.as_bytes(),
        path.as_bytes(),
        b" HTTP/1.1\r\nHost: ",
        host.as_bytes(),
        b"\r\nContent-Type: application/json\r\nContent-Length: ",
        len_text,
        b"\r\nUser-Agent: libdstack/",
        crate::VERSION.as_bytes(),
        b"\r\nConnection: keep-alive\r\n",
        b"\r\n",
    ];
    let head_len: usize = head.iter().map(|p| p.len()).sum();
    let total = head_len + body_len;
    if out.len() < total {
        return Err(Error::BufferTooSmall { needed: total });
    }
    let mut pos = 0;
    for part in head {
        out[pos..pos + part.len()].copy_from_slice(part);
        pos += part.len();
    }
    let mut w = JsonWriter::new(&mut out[head_len..total]);
    body(&mut w);
    if w.len() != body_len {
        return Err(Error::InvalidArgument(
            "request body changed between the counting and the writing pass",
        ));
    }
    Ok(total)
}

/// Outcome of feeding bytes to the parser, as in httparse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// More bytes are needed.
    Partial,
    /// The response is complete.
    Complete(T),
}

/// A complete response, located in the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Where the (de-chunked) body lies in the buffer passed to the parser.
    pub body: Range<usize>,
    /// True when the connection can carry another request: HTTP/1.1 without
    /// `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`, and a body not
    /// delimited by the connection closing.
    pub keep_alive: bool,
    /// Bytes of the buffer this response occupied; bytes after it belong to the next
    /// response on the connection.
    pub consumed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Expecting a chunk-size line.
    Size,
    /// Inside chunk data with this many bytes left.
    Data(usize),
    /// Expecting the CRLF after chunk data.
    DataEnd,
    /// After the last chunk: trailer lines until an empty line.
    Trailer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Looking for the end of the head; `scanned` bytes after `start` hold no terminator.
    Head { start: usize, scanned: usize },
    /// Body of known length.
    Length {
        status: u16,
        body_start: usize,
        len: usize,
        keep_alive: bool,
    },
    /// Chunked body: `read` = next undecoded byte, `write` = end of decoded body.
    Chunked {
        status: u16,
        keep_alive: bool,
        body_start: usize,
        read: usize,
        write: usize,
        chunk: ChunkState,
    },
    /// Body delimited by the connection closing.
    UntilEof { status: u16, body_start: usize },
    /// Done; the answer is repeated if asked again.
    Done(Response),
}

/// An incremental HTTP/1.1 response parser with state, so feeding a body one byte at a
/// time costs linear time overall.
///
/// Usage: keep appending received bytes to one buffer and call [`ResponseParser::parse`]
/// with the whole buffer (from the response's first byte) after each read. For a chunked
/// body the parser decodes chunks **in place**, so the bytes already passed in may be
/// rewritten; pass the buffer back unchanged apart from the appended bytes. When the peer
/// closes the connection call [`ResponseParser::finish_at_eof`]. For the next response on
/// the same connection, move `buf[consumed..]` to the front and call
/// [`ResponseParser::reset`].
#[derive(Debug, Clone)]
pub struct ResponseParser {
    max_body: usize,
    state: State,
}

fn header_has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

fn parse_content_length(value: &[u8]) -> Result<usize> {
    let v = value.trim_ascii();
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return Err(Error::MalformedHttp);
    }
    let mut n: usize = 0;
    for &d in v {
        // Saturate: any overflowing length is simply "too large".
        n = n.saturating_mul(10).saturating_add((d - b'0') as usize);
    }
    Ok(n)
}

/// Finds the end of a head (`\r\n\r\n` or bare `\n\n`) that starts at `start` in
/// `buf`, searching from `from`.
fn find_head_end(buf: &[u8], start: usize, from: usize) -> Option<usize> {
    let mut i = from.max(start);
    while i < buf.len() {
        if buf[i] == b'\n' {
            if i > start && buf[i - 1] == b'\n' {
                return Some(i + 1);
            }
            if i >= start + 2 && buf[i - 1] == b'\r' && buf[i - 2] == b'\n' {
                return Some(i + 1);
            }
        }
        i += 1;
    }
    None
}

/// Position just after the next `\n` in `buf[from..]`, with the line (without CR LF).
fn take_line(buf: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let rel = buf[from..].iter().position(|&b| b == b'\n')?;
    let mut line = &buf[from..from + rel];
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    Some((line, from + rel + 1))
}

/// [`take_line`] for a chunk-size or trailer line, at most `MAX_CHUNK_LINE` bytes long
/// (`MalformedHttp` otherwise, even before its end has arrived); `None` while incomplete.
fn chunk_line(buf: &[u8], from: usize) -> Result<Option<(&[u8], usize)>> {
    let Some((line, next)) = take_line(buf, from) else {
        if buf.len() - from > MAX_CHUNK_LINE {
            return Err(Error::MalformedHttp);
        }
        return Ok(None);
    };
    if line.len() > MAX_CHUNK_LINE {
        return Err(Error::MalformedHttp);
    }
    Ok(Some((line, next)))
}

impl ResponseParser {
    /// A parser that refuses bodies larger than `max_body` bytes (`ResponseTooLarge`),
    /// judged from `Content-Length` or each chunk size before the body is read.
    pub fn new(max_body: usize) -> Self {
        ResponseParser {
            max_body,
            state: State::Head {
                start: 0,
                scanned: 0,
            },
        }
    }

    /// Prepares for the next response on the same connection.
    pub fn reset(&mut self) {
        self.state = State::Head {
            start: 0,
            scanned: 0,
        };
    }

    /// Feeds the bytes received so far (the whole response buffer, not just the new ones).
    ///
    /// Errors: `MalformedHttp` for a bad status line, header or chunk framing;
    /// `ResponseTooLarge` for a declared body over the limit or heads (interim 1xx heads
    /// included) over [`MAX_HEAD_LEN`] in total.
    pub fn parse(&mut self, buf: &mut [u8]) -> Result<Status<Response>> {
        loop {
            match self.state.clone() {
                State::Head { start, scanned } => {
                    let from = (start + scanned).saturating_sub(2).max(start);
                    // Everything before `start` is interim heads already skipped: the
                    // limit covers them too (measured from 0, not from `start`), or an
                    // endless run of `100 Continue` would grow the buffer without end.
                    let end = match find_head_end(buf, start, from) {
                        Some(e) => e,
                        None => {
                            if buf.len() > MAX_HEAD_LEN {
                                return Err(Error::ResponseTooLarge);
                            }
                            self.state = State::Head {
                                start,
                                scanned: buf.len().saturating_sub(start),
                            };
                            return Ok(Status::Partial);
                        }
                    };
                    if end > MAX_HEAD_LEN {
                        return Err(Error::ResponseTooLarge);
                    }
                    self.state = self.parse_head(&buf[start..end], start)?;
                }
                State::Length {
                    status,
                    body_start,
                    len,
                    keep_alive,
                } => {
                    if buf.len() - body_start < len {
                        return Ok(Status::Partial);
                    }
                    let r = Response {
                        status,
                        body: body_start..body_start + len,
                        keep_alive,
                        consumed: body_start + len,
                    };
                    self.state = State::Done(r.clone());
                    return Ok(Status::Complete(r));
                }
                State::Chunked { .. } => return self.parse_chunked(buf),
                State::UntilEof { body_start, .. } => {
                    if buf.len() - body_start > self.max_body {
                        return Err(Error::ResponseTooLarge);
                    }
                    return Ok(Status::Partial);
                }
                State::Done(r) => return Ok(Status::Complete(r)),
            }
        }
    }

    /// The peer closed the connection after the bytes in `buf`: completes a body that
    /// runs to the end of the connection, or reports a truncated response as
    /// `MalformedHttp`.
    pub fn finish_at_eof(&mut self, buf: &mut [u8]) -> Result<Response> {
        if let Status::Complete(r) = self.parse(buf)? {
            return Ok(r);
        }
        match self.state {
            State::UntilEof { status, body_start } => {
                let r = Response {
                    status,
                    body: body_start..buf.len(),
                    keep_alive: false,
                    consumed: buf.len(),
                };
                self.state = State::Done(r.clone());
                Ok(r)
            }
            _ => Err(Error::MalformedHttp),
        }
    }

    fn parse_head(&self, head: &[u8], start: usize) -> Result<State> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        let head_len = match resp.parse(head) {
            Ok(httparse::Status::Complete(n)) => n,
            _ => return Err(Error::MalformedHttp),
        };
        let status = resp.code.ok_or(Error::MalformedHttp)?;
        let version = resp.version.ok_or(Error::MalformedHttp)?;
        let body_start = start + head_len;

        // 1xx are interim responses: skip them and parse the real one that follows (their
        // bytes stay in the buffer and count against MAX_HEAD_LEN, see `parse`).
        if (100..200).contains(&status) {
            return Ok(State::Head {
                start: body_start,
                scanned: 0,
            });
        }

        let mut content_length: Option<usize> = None;
        let mut chunked = false;
        let mut saw_te = false;
        let mut close = false;
        let mut keep_alive_token = false;
        for h in resp.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                let n = parse_content_length(h.value)?;
                if content_length.is_some_and(|m| m != n) {
                    return Err(Error::MalformedHttp);
                }
                content_length = Some(n);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                // Only plain `chunked` is supported; any other coding cannot be framed.
                if saw_te || !h.value.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                    return Err(Error::MalformedHttp);
                }
                saw_te = true;
                chunked = true;
            } else if h.name.eq_ignore_ascii_case("connection") {
                close |= header_has_token(h.value, "close");
                keep_alive_token |= header_has_token(h.value, "keep-alive");
            }
        }
        // Both framings at once is a request-smuggling signal (RFC 9112 §6.3): refuse it.
        if chunked && content_length.is_some() {
            return Err(Error::MalformedHttp);
        }
        let keep_alive = if version >= 1 {
            !close
        } else {
            keep_alive_token && !close
        };

        if status == 204 || status == 304 {
            return Ok(State::Length {
                status,
                body_start,
                len: 0,
                keep_alive,
            });
        }
        if chunked {
            return Ok(State::Chunked {
                status,
                keep_alive,
                body_start,
                read: body_start,
                write: body_start,
                chunk: ChunkState::Size,
            });
        }
        if let Some(len) = content_length {
            if len > self.max_body {
                return Err(Error::ResponseTooLarge);
            }
            return Ok(State::Length {
                status,
                body_start,
                len,
                keep_alive,
            });
        }
        Ok(State::UntilEof { status, body_start })
    }

    fn parse_chunked(&mut self, buf: &mut [u8]) -> Result<Status<Response>> {
        let State::Chunked {
            status,
            keep_alive,
            body_start,
            mut read,
            mut write,
            mut chunk,
        } = self.state
        else {
            return Err(Error::MalformedHttp);
        };
        // Raw framing may outgrow the decoded body (long chunk extensions, tiny chunks);
        // bound it too so a hostile peer cannot make the caller buffer grow without end.
        let raw_limit = self.max_body.saturating_mul(2).saturating_add(64 * 1024);
        let result = loop {
            if read - body_start > raw_limit {
                return Err(Error::ResponseTooLarge);
            }
            match chunk {
                ChunkState::Size => {
                    let Some((line, next)) = chunk_line(buf, read)? else {
                        break Status::Partial;
                    };
                    // Chunk extensions after ';' are ignored.
                    let size_text = line
                        .split(|&b| b == b';')
                        .next()
                        .unwrap_or(&[])
                        .trim_ascii();
                    if size_text.is_empty() || size_text.len() > 16 {
                        return Err(Error::MalformedHttp);
                    }
                    let mut size: usize = 0;
                    for &c in size_text {
                        let d = match c {
                            b'0'..=b'9' => c - b'0',
                            b'a'..=b'f' => c - b'a' + 10,
                            b'A'..=b'F' => c - b'A' + 10,
                            _ => return Err(Error::MalformedHttp),
                        };
                        size = size.checked_mul(16).ok_or(Error::ResponseTooLarge)? | d as usize;
                    }
                    if size > self.max_body.saturating_sub(write - body_start) {
                        return Err(Error::ResponseTooLarge);
                    }
                    read = next;
                    chunk = if size == 0 {
                        ChunkState::Trailer
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    let avail = (buf.len() - read).min(left);
                    if avail > 0 {
                        buf.copy_within(read..read + avail, write);
                        read += avail;
                        write += avail;
                    }
                    if avail < left {
                        chunk = ChunkState::Data(left - avail);
                        break Status::Partial;
                    }
                    chunk = ChunkState::DataEnd;
                }
                ChunkState::DataEnd => match &buf[read..] {
                    [b'\r', b'\n', ..] => {
                        read += 2;
                        chunk = ChunkState::Size;
                    }
                    [b'\n', ..] => {
                        read += 1;
                        chunk = ChunkState::Size;
                    }
                    [] | [b'\r'] => break Status::Partial,
                    _ => return Err(Error::MalformedHttp),
                },
                ChunkState::Trailer => {
                    let Some((line, next)) = chunk_line(buf, read)? else {
                        break Status::Partial;
                    };
                    read = next;
                    if line.is_empty() {
                        let r = Response {
                            status,
                            body: body_start..write,
                            keep_alive,
                            consumed: read,
                        };
                        self.state = State::Done(r.clone());
                        return Ok(Status::Complete(r));
                    }
                    if !line.contains(&b':') {
                        return Err(Error::MalformedHttp);
                    }
                }
            }
        };
        self.state = State::Chunked {
            status,
            keep_alive,
            body_start,
            read,
            write,
            chunk,
        };
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_detection() {
        assert_eq!(find_head_end(b"HTTP/1.1 200 OK\r\n\r\nx", 0, 0), Some(19));
        assert_eq!(find_head_end(b"HTTP/1.1 200 OK\n\nx", 0, 0), Some(17));
        assert_eq!(find_head_end(b"HTTP/1.1 200 OK\r\n\r", 0, 0), None);
        assert_eq!(
            find_head_end(b"\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 4, 4),
            Some(23)
        );
    }
}
