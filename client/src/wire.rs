//! One HTTP/1.1 response being received: the bytes read so far and the core's incremental
//! parser (`dstack_core::http::ResponseParser`) over them, within the size limits.
//!
//! Knows nothing of sockets or time: the transport reads into [`Incoming::space`], reports
//! how many bytes arrived with [`Incoming::advance`], and calls [`Incoming::at_eof`] when
//! the agent closes the connection. Reads go straight into the response buffer (no
//! intermediate chunk to copy and wipe); the buffer holds answers that may carry keys, so
//! every byte ever written to it is wiped before its memory is released.

use crate::error::Error;
use crate::error::ErrorKind;
use crate::secret::SecretBytes;
use dstack_core::http::{ResponseParser, Status};
use zeroize::Zeroize;

/// First size of the response buffer: every key-carrying answer fits, so such an answer
/// never needs the buffer to grow (growing copies it, and the old copy is wiped).
const INITIAL_BUFFER: usize = 8192;

/// A complete HTTP response.
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    /// The (de-chunked) body; wiped when dropped.
    pub(crate) body: SecretBytes,
}

/// Where a response stands after more bytes arrived.
pub(crate) enum Progress {
    /// More bytes are needed.
    Partial,
    /// The response is complete.
    Complete {
        response: HttpResponse,
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

/// A response being received.
pub(crate) struct Incoming {
    parser: ResponseParser,
    max_body: usize,
    /// Zero-initialised storage; `data[..filled]` holds what was received (a chunked body
    /// is decoded in place, within that range).
    data: Vec<u8>,
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

impl Incoming {
    /// A response of at most `max_body` bytes of body (and the core's head limit).
    pub(crate) fn new(max_body: usize) -> Incoming {
        Incoming {
            parser: ResponseParser::new(max_body),
            max_body,
            data: vec![0u8; INITIAL_BUFFER],
            filled: 0,
        }
    }

    /// Bytes received so far.
    pub(crate) fn received(&self) -> usize {
        self.filled
    }

    /// Free space to read the next bytes into; never empty. When the buffer is full it
    /// doubles: the bytes move to a new buffer and the old one is wiped. The parser's
    /// limits stop a response long before the buffer outgrows twice those limits.
    pub(crate) fn space(&mut self) -> &mut [u8] {
        if self.filled == self.data.len() {
            let mut bigger = vec![0u8; self.data.len() * 2];
            bigger[..self.filled].copy_from_slice(&self.data[..self.filled]);
            self.data[..self.filled].zeroize();
            self.data = bigger;
        }
        &mut self.data[self.filled..]
    }

    /// Records that `n` bytes were read into [`Incoming::space`] and parses.
    pub(crate) fn advance(&mut self, n: usize) -> Result<Progress, Error> {
        self.filled = (self.filled + n).min(self.data.len());
        match self.parser.parse(&mut self.data[..self.filled]) {
            Ok(Status::Partial) => Ok(Progress::Partial),
            Ok(Status::Complete(r)) => {
                let (response, reusable) = self.complete(r, false);
                Ok(Progress::Complete { response, reusable })
            }
            Err(e) => Err(protocol(e, self.max_body)),
        }
    }

    /// The agent closed the connection: completes a body that runs until the close, or
    /// says why the response is incomplete.
    pub(crate) fn at_eof(&mut self) -> Result<HttpResponse, Ended> {
        if self.filled == 0 {
            return Err(Ended::NoAnswer);
        }
        match self.parser.finish_at_eof(&mut self.data[..self.filled]) {
            Ok(r) => Ok(self.complete(r, true).0),
            // A head or body cut short: the agent hung up mid-response.
            Err(dstack_core::Error::MalformedHttp) => Err(Ended::Truncated(self.filled)),
            Err(e) => Err(Ended::Protocol(protocol(e, self.max_body))),
        }
    }

    /// Takes the body out of the buffer; with whether the connection may be reused.
    fn complete(&mut self, r: dstack_core::http::Response, at_eof: bool) -> (HttpResponse, bool) {
        // Bytes after the response answer no request of ours (an agent or proxy that
        // answers twice): such a connection is never reused.
        let reusable = !at_eof && r.keep_alive && r.consumed == self.filled;
        let body = if self.data.len() > 2 * r.body.len() {
            // A small body in a larger buffer (every key-carrying answer in the initial
            // 8 KiB): copied out at its size, and the received bytes wiped here. Dropping
            // the body then wipes its own bytes only, not the whole buffer.
            let body = self.data[r.body.clone()].to_vec();
            self.data[..self.filled].zeroize();
            self.filled = 0;
            body
        } else {
            // A body that fills most of the buffer moves to its front (no second copy of
            // a large answer); what lies after it is wiped with the rest of the buffer when
            // the body is dropped.
            let mut data = std::mem::take(&mut self.data);
            self.filled = 0;
            data.truncate(r.body.end);
            data.drain(..r.body.start);
            data
        };
        let response = HttpResponse {
            status: r.status,
            body: SecretBytes(body),
        };
        (response, reusable)
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        // Only the bytes ever received can hold anything; the rest is still zero.
        self.data[..self.filled].zeroize();
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    /// Feeds `wire` in reads of at most `step` bytes, as a socket would deliver it.
    fn feed(wire: &[u8], step: usize) -> (Result<Progress, Error>, usize, usize) {
        let mut rx = Incoming::new(1 << 20);
        let mut pos = 0;
        loop {
            let space = rx.space();
            let n = space.len().min(step).min(wire.len() - pos);
            space[..n].copy_from_slice(&wire[pos..pos + n]);
            pos += n;
            let got = rx.advance(n);
            if !matches!(got, Ok(Progress::Partial)) || pos == wire.len() {
                return (got, pos, rx.data.len());
            }
        }
    }

    #[test]
    fn complete_answer_and_reuse() {
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        for step in [1, 7, 4096] {
            match feed(wire, step).0 {
                Ok(Progress::Complete { response, reusable }) => {
                    assert_eq!(response.status, 200);
                    assert_eq!(response.body.0, b"{}");
                    assert!(reusable);
                }
                _ => panic!("not complete"),
            }
        }
        // Bytes after the answer: complete, but the connection is not reused.
        let mut twice = wire.to_vec();
        twice.extend_from_slice(wire);
        match feed(&twice, 4096).0 {
            Ok(Progress::Complete { response, reusable }) => {
                assert_eq!(response.body.0, b"{}");
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
        let mut rx = Incoming::new(1 << 20);
        assert!(matches!(rx.at_eof(), Err(Ended::NoAnswer)));
        let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}";
        let mut rx = Incoming::new(1 << 20);
        rx.space()[..wire.len()].copy_from_slice(wire);
        assert!(matches!(rx.advance(wire.len()), Ok(Progress::Partial)));
        assert!(matches!(rx.at_eof(), Err(Ended::Truncated(n)) if n == wire.len()));
        // A body delimited by the close.
        let wire = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"a\":1}";
        let mut rx = Incoming::new(1 << 20);
        rx.space()[..wire.len()].copy_from_slice(wire);
        assert!(matches!(rx.advance(wire.len()), Ok(Progress::Partial)));
        match rx.at_eof() {
            Ok(r) => assert_eq!(r.body.0, b"{\"a\":1}"),
            Err(_) => panic!("not complete at EOF"),
        }
    }

    #[test]
    fn growth_keeps_the_bytes() {
        let body = "x".repeat(40_000);
        let wire = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        match feed(wire.as_bytes(), 3000).0 {
            Ok(Progress::Complete { response, .. }) => assert_eq!(response.body.0, body.as_bytes()),
            _ => panic!("not complete"),
        }
    }
}
