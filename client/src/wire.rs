//! One HTTP/1.1 response being received into a connection's buffer, with the core's
//! incremental parser (`dstack_core::http::ResponseParser`) over it, within the size
//! limits.
//!
//! Knows nothing of sockets or time: the transport writes the request into the
//! connection's [`Buffer`], reads the answer after it through [`Incoming::space`], reports
//! how many bytes arrived with [`Incoming::advance`], and calls [`Incoming::at_eof`] when
//! the agent closes the connection. The answer is parsed where it was received (no copy);
//! the buffer holds requests and answers that may carry keys, so the bytes each call used
//! are wiped when the call ends, and what was ever written to it before its memory is
//! released.

use crate::error::Error;
use crate::error::ErrorKind;
use crate::secret::wipe;
use dstack_core::http::{ResponseParser, Status};
use std::ops::Range;

/// First size of a connection's buffer: every key-carrying request and answer fits, so
/// such a call never needs the buffer to grow (growing copies it, and the old copy is
/// wiped).
pub(crate) const INITIAL_BUFFER: usize = 8192;
/// A buffer that grew past this for a large answer (a quote with its event log) goes back
/// to [`INITIAL_BUFFER`] after the call, so idle connections do not hold large buffers.
const KEEP_BUFFER: usize = 256 * 1024;

/// A connection's buffer: the request, then the answer after it, then the scratch space
/// the answer is parsed with. One per connection, allocated (zeroed) when it connects.
pub(crate) struct Buffer {
    data: Vec<u8>,
    /// `data[..used]` may hold bytes of the current call; the rest is zero.
    used: usize,
}

impl Buffer {
    pub(crate) fn new() -> Buffer {
        Buffer {
            data: vec![0u8; INITIAL_BUFFER],
            used: 0,
        }
    }

    /// Writes a request with `write` (which returns its length, or `BufferTooSmall` with
    /// the length it needs) at the start of the buffer, growing it if needed.
    pub(crate) fn write_request(
        &mut self,
        write: &dyn Fn(&mut [u8]) -> dstack_core::Result<usize>,
    ) -> dstack_core::Result<usize> {
        match write(&mut self.data) {
            Ok(n) => {
                self.used = self.used.max(n);
                Ok(n)
            }
            Err(dstack_core::Error::BufferTooSmall { needed }) => {
                self.used = self.data.len();
                self.grow(needed + INITIAL_BUFFER, 0);
                let n = write(&mut self.data)?;
                self.used = self.used.max(n);
                Ok(n)
            }
            Err(e) => {
                self.used = self.data.len();
                Err(e)
            }
        }
    }

    /// Replaces the storage with a zeroed one of `len` bytes, keeping `data[..keep]`;
    /// the old storage is wiped.
    fn grow(&mut self, len: usize, keep: usize) {
        let mut bigger = vec![0u8; len];
        bigger[..keep].copy_from_slice(&self.data[..keep]);
        wipe(&mut self.data[..self.used]);
        self.data = bigger;
    }

    /// The body of a complete answer and the space after the answer (at most as long as
    /// the body: enough scratch to parse it), which counts as used. A buffer without that
    /// room grows to fit it (up to [`KEEP_BUFFER`], which it keeps for the next calls):
    /// a GetQuote or Info answer then needs no scratch of its own on later calls.
    pub(crate) fn answer(&mut self, a: &Answer) -> (&[u8], &mut [u8]) {
        let want = a.end + a.body.len();
        if want > self.data.len() && want <= KEEP_BUFFER {
            self.grow(want.next_power_of_two().min(KEEP_BUFFER), a.end);
        }
        let (head, tail) = self.data.split_at_mut(a.end);
        let spare = a.body.len().min(tail.len());
        self.used = self.used.max(a.end + spare);
        (&head[a.body.clone()], &mut tail[..spare])
    }

    /// Wipes the bytes the call used (only those, not the whole buffer),
    /// and gives back the memory of a buffer a large answer grew.
    pub(crate) fn end_call(&mut self) {
        wipe(&mut self.data[..self.used]);
        self.used = 0;
        if self.data.len() > KEEP_BUFFER {
            self.data = vec![0u8; INITIAL_BUFFER];
        }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // Only the bytes a call used can hold anything; the rest is still zero.
        wipe(&mut self.data[..self.used]);
    }
}

/// A complete HTTP response, in the connection's buffer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// Where the (de-chunked) body lies in the buffer.
    pub(crate) body: Range<usize>,
    /// Where the bytes received end in the buffer.
    pub(crate) end: usize,
}

/// Where a response stands after more bytes arrived.
pub(crate) enum Progress {
    /// More bytes are needed.
    Partial,
    /// The response is complete.
    Complete {
        answer: Answer,
        /// Whether the connection may carry another request: the agent keeps it open and
        /// sent nothing after this response.
        reusable: bool,
    },
}

/// Why a response could not be completed when the connection ended.
pub(crate) enum Ended {
    /// Not a single byte of an answer arrived.
    NoAnswer,
    /// The answer stopped after this many bytes.
    Truncated(usize),
    /// The bytes are not acceptable HTTP (malformed, too large).
    Protocol(Error),
}

/// A response being received into a buffer, after the request at its start.
pub(crate) struct Incoming<'a> {
    parser: ResponseParser,
    max_body: usize,
    buf: &'a mut Buffer,
    /// The request's length: the answer starts there.
    start: usize,
    /// `buf.data[start..start + filled]` holds what was received (a chunked body is
    /// decoded in place, within that range).
    filled: usize,
}

fn protocol(e: dstack_core::Error, max_body: usize) -> Error {
    match e {
        dstack_core::Error::ResponseTooLarge => Error::new(
            ErrorKind::ResponseTooLarge,
            format!(
                "the agent's response exceeds the limit ({max_body} bytes of body, {} bytes of head)",
                dstack_core::http::MAX_HEAD_LEN
            ),
        ),
        other => Error::from_core("the agent's answer is not valid HTTP/1.1", other),
    }
}

impl<'a> Incoming<'a> {
    /// A response of at most `max_body` bytes of body (and the core's head limit), to be
    /// received into `buf` after the request in `buf[..request_len]`.
    pub(crate) fn new(buf: &'a mut Buffer, request_len: usize, max_body: usize) -> Incoming<'a> {
        Incoming {
            parser: ResponseParser::new(max_body),
            max_body,
            buf,
            start: request_len,
            filled: 0,
        }
    }

    /// The request, at the start of the buffer.
    pub(crate) fn request(&self) -> &[u8] {
        &self.buf.data[..self.start]
    }

    /// Bytes received so far.
    pub(crate) fn received(&self) -> usize {
        self.filled
    }

    /// Free space to read the next bytes into; never empty. When the buffer is full it
    /// doubles: the bytes move to a new buffer and the old one is wiped. The parser's
    /// limits stop a response long before the buffer outgrows twice those limits.
    pub(crate) fn space(&mut self) -> &mut [u8] {
        let end = self.start + self.filled;
        if end == self.buf.data.len() {
            self.buf.grow(self.buf.data.len() * 2, end);
        }
        &mut self.buf.data[end..]
    }

    /// Records that `n` bytes were read into [`Incoming::space`] and parses.
    pub(crate) fn advance(&mut self, n: usize) -> Result<Progress, Error> {
        self.filled = (self.filled + n).min(self.buf.data.len() - self.start);
        let end = self.start + self.filled;
        self.buf.used = self.buf.used.max(end);
        match self.parser.parse(&mut self.buf.data[self.start..end]) {
            Ok(Status::Partial) => Ok(Progress::Partial),
            Ok(Status::Complete(r)) => {
                let (answer, reusable) = self.complete(r, false);
                Ok(Progress::Complete { answer, reusable })
            }
            Err(e) => Err(protocol(e, self.max_body)),
        }
    }

    /// The agent closed the connection: completes a body that runs until the close, or
    /// says why the response is incomplete.
    pub(crate) fn at_eof(&mut self) -> Result<Answer, Ended> {
        if self.filled == 0 {
            return Err(Ended::NoAnswer);
        }
        let end = self.start + self.filled;
        match self
            .parser
            .finish_at_eof(&mut self.buf.data[self.start..end])
        {
            Ok(r) => Ok(self.complete(r, true).0),
            // A head or body cut short: the agent hung up mid-response.
            Err(dstack_core::Error::MalformedHttp) => Err(Ended::Truncated(self.filled)),
            Err(e) => Err(Ended::Protocol(protocol(e, self.max_body))),
        }
    }

    /// Where the body lies; with whether the connection may be reused.
    fn complete(&self, r: dstack_core::http::Response, at_eof: bool) -> (Answer, bool) {
        // Bytes after the response answer no request of ours (an agent or proxy that
        // answers twice): such a connection is never reused.
        let reusable = !at_eof && r.keep_alive && r.consumed == self.filled;
        let answer = Answer {
            status: r.status,
            body: self.start + r.body.start..self.start + r.body.end,
            end: self.start + self.filled,
        };
        (answer, reusable)
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    /// Feeds `wire` in reads of at most `step` bytes, as a socket would deliver it.
    fn feed(wire: &[u8], step: usize) -> (Result<(Progress, Vec<u8>), Error>, usize, usize) {
        let mut buf = Buffer::new();
        let mut rx = Incoming::new(&mut buf, 0, 1 << 20);
        let mut pos = 0;
        loop {
            let space = rx.space();
            let n = space.len().min(step).min(wire.len() - pos);
            space[..n].copy_from_slice(&wire[pos..pos + n]);
            pos += n;
            let got = rx.advance(n);
            if !matches!(got, Ok(Progress::Partial)) || pos == wire.len() {
                let len = rx.buf.data.len();
                let got = got.map(|p| {
                    let body = match &p {
                        Progress::Complete { answer, .. } => {
                            rx.buf.data[answer.body.clone()].to_vec()
                        }
                        Progress::Partial => Vec::new(),
                    };
                    (p, body)
                });
                return (got, pos, len);
            }
        }
    }

    #[test]
    fn complete_answer_and_reuse() {
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        for step in [1, 7, 4096] {
            match feed(wire, step).0 {
                Ok((Progress::Complete { answer, reusable }, body)) => {
                    assert_eq!(answer.status, 200);
                    assert_eq!(body, b"{}");
                    assert!(reusable);
                }
                _ => panic!("not complete"),
            }
        }
        // Bytes after the answer: complete, but the connection is not reused.
        let mut twice = wire.to_vec();
        twice.extend_from_slice(wire);
        match feed(&twice, 4096).0 {
            Ok((Progress::Complete { reusable, .. }, body)) => {
                assert_eq!(body, b"{}");
                assert!(!reusable);
            }
            _ => panic!("not complete"),
        }
    }

    #[test]
    fn a_flood_of_interim_heads_stops_at_the_head_limit() {
        // An endless stream of `100 Continue` (a megabyte stands for "endless"): refused
        // once the heads pass MAX_HEAD_LEN, having read no more than the limit plus one
        // read, in a buffer that stayed within twice that.
        let head = b"HTTP/1.1 100 Continue\r\n\r\n";
        let wire = head.repeat((1 << 20) / head.len());
        for step in [head.len(), 1000, 65536] {
            let (got, read, buffer) = feed(&wire, step);
            match got {
                Err(f) => assert_eq!(f.kind(), ErrorKind::ResponseTooLarge),
                _ => panic!("the flood was not refused"),
            }
            let limit = dstack_core::http::MAX_HEAD_LEN;
            assert!(read <= limit + step.max(INITIAL_BUFFER), "read {read}");
            assert!(buffer <= 2 * (limit + INITIAL_BUFFER), "buffer {buffer}");
        }
    }

    #[test]
    fn end_of_connection() {
        let mut buf = Buffer::new();
        let mut rx = Incoming::new(&mut buf, 0, 1 << 20);
        assert!(matches!(rx.at_eof(), Err(Ended::NoAnswer)));
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}";
        let mut buf = Buffer::new();
        let mut rx = Incoming::new(&mut buf, 0, 1 << 20);
        rx.space()[..wire.len()].copy_from_slice(wire);
        assert!(matches!(rx.advance(wire.len()), Ok(Progress::Partial)));
        assert!(matches!(rx.at_eof(), Err(Ended::Truncated(n)) if n == wire.len()));
        // A body delimited by the close.
        let wire = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"a\":1}";
        let mut buf = Buffer::new();
        let mut rx = Incoming::new(&mut buf, 0, 1 << 20);
        rx.space()[..wire.len()].copy_from_slice(wire);
        assert!(matches!(rx.advance(wire.len()), Ok(Progress::Partial)));
        match rx.at_eof() {
            Ok(r) => assert_eq!(&rx.buf.data[r.body], b"{\"a\":1}"),
            Err(_) => panic!("not complete at EOF"),
        }
    }

    #[test]
    fn an_answer_gets_scratch_as_long_as_its_body_and_the_call_wipes_it() {
        let body = "y".repeat(20_000);
        let wire = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut buf = Buffer::new();
        let mut rx = Incoming::new(&mut buf, 0, 1 << 20);
        let mut pos = 0;
        let answer = loop {
            let space = rx.space();
            let n = space.len().min(wire.len() - pos);
            space[..n].copy_from_slice(&wire.as_bytes()[pos..pos + n]);
            pos += n;
            match rx.advance(n) {
                Ok(Progress::Complete { answer, .. }) => break answer,
                Ok(Progress::Partial) => {}
                Err(_) => panic!("refused"),
            }
        };
        let (got, spare) = buf.answer(&answer);
        assert_eq!(got, body.as_bytes());
        assert_eq!(spare.len(), body.len());
        spare.fill(7);
        let kept = buf.data.len();
        buf.end_call();
        assert_eq!(buf.used, 0);
        assert_eq!(buf.data.len(), kept, "kept for the next call");
        assert!(
            buf.data.iter().all(|&b| b == 0),
            "every byte the call used is wiped"
        );
    }

    #[test]
    fn growth_keeps_the_bytes() {
        let body = "x".repeat(40_000);
        let wire = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        match feed(wire.as_bytes(), 3000).0 {
            Ok((Progress::Complete { .. }, got)) => assert_eq!(got, body.as_bytes()),
            _ => panic!("not complete"),
        }
    }
}
