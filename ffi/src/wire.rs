//! Reading one HTTP/1.1 response from a [`Reader`] with the core's incremental parser
//! (`dstack_core::http::ResponseParser`), within the size cap.

use crate::error::Failure;
use crate::status::*;
use crate::transport::{HttpResponse, ReadFailure, Reader};
use dstack_core::http::{ResponseParser, Status};
use std::io;

type R<T> = std::result::Result<T, ReadFailure>;

fn protocol(e: dstack_core::Error, cap: usize) -> ReadFailure {
    ReadFailure::Protocol(match e {
        dstack_core::Error::ResponseTooLarge => Failure::new(
            DSTACK_STATUS_RESPONSE_TOO_LARGE,
            format!(
                "the agent's response exceeds the limit ({cap} bytes of body, {} bytes of head)",
                dstack_core::http::MAX_HEAD_LEN
            ),
        ),
        other => Failure::core("the agent's answer is not valid HTTP/1.1", other),
    })
}

/// Reads one response. Returns it with whether the connection may be reused.
pub(crate) fn read_response(r: &mut Reader<'_>, cap: usize) -> R<(HttpResponse, bool)> {
    let mut parser = ResponseParser::new(cap);
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0u8; 16384];
    loop {
        let done = match parser.parse(&mut buf).map_err(|e| protocol(e, cap))? {
            Status::Complete(resp) => Some((resp, false)),
            Status::Partial => {
                let n = r.read_eof(&mut chunk)?;
                if n == 0 {
                    if buf.is_empty() {
                        return Err(ReadFailure::Io(io::Error::from(io::ErrorKind::UnexpectedEof), 0));
                    }
                    match parser.finish_at_eof(&mut buf) {
                        Ok(resp) => Some((resp, true)),
                        // Truncated: the agent hung up mid-response.
                        Err(dstack_core::Error::MalformedHttp) => {
                            return Err(ReadFailure::Io(io::Error::from(io::ErrorKind::UnexpectedEof), buf.len()))
                        }
                        Err(e) => return Err(protocol(e, cap)),
                    }
                } else {
                    buf.extend_from_slice(&chunk[..n]);
                    None
                }
            }
        };
        if let Some((resp, at_eof)) = done {
            // Extra bytes after the response would belong to a response nobody asked for:
            // do not reuse such a connection.
            let reusable = !at_eof && resp.keep_alive && resp.consumed == buf.len();
            buf.truncate(resp.body.end);
            buf.drain(..resp.body.start);
            return Ok((HttpResponse { status: resp.status, body: buf }, reusable));
        }
    }
}
