//! The blocking transport: a pool of keep-alive connections to one endpoint, each call
//! bounded by a timeout per connect/write/read and by an overall deadline.
//!
//! HTTP framing comes from `dstack_core::http`; this module only moves bytes and maps
//! operating-system failures to statuses with precise messages.

use crate::endpoint::Endpoint;
use crate::error::{Failure, Result};
use crate::status::*;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The largest response body libdstack accepts.
pub(crate) const MAX_RESPONSE: usize = 16 * 1024 * 1024;
/// Idle connections kept per client.
const MAX_IDLE: usize = 8;

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    fn set_timeouts(&self, t: Duration) -> io::Result<()> {
        match self {
            Stream::Unix(s) => {
                s.set_read_timeout(Some(t))?;
                s.set_write_timeout(Some(t))
            }
            Stream::Tcp(s) => {
                s.set_read_timeout(Some(t))?;
                s.set_write_timeout(Some(t))
            }
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A complete HTTP response.
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// A connection pool for one endpoint. Shared by all threads using a client.
pub(crate) struct Transport {
    endpoint: Endpoint,
    endpoint_text: String,
    idle: Mutex<Vec<Stream>>,
}

/// How one exchange on one connection failed.
enum Attempt {
    /// The connection was closed or reset before any response byte arrived: a reused
    /// connection that the agent had already closed. Safe to retry once on a new one.
    Stale(Failure),
    /// Any other failure.
    Fatal(Failure),
}

fn remaining(deadline: Instant, timeout_ms: u32) -> Result<Duration> {
    let now = Instant::now();
    if now >= deadline {
        return Err(Failure::new(
            DSTACK_STATUS_TIMEOUT,
            format!("the agent did not answer within {timeout_ms} ms"),
        ));
    }
    Ok(deadline - now)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

fn is_closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
    )
}

impl Transport {
    pub(crate) fn new(endpoint: Endpoint, endpoint_text: String) -> Transport {
        Transport { endpoint, endpoint_text, idle: Mutex::new(Vec::new()) }
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(crate) fn endpoint_text(&self) -> &str {
        &self.endpoint_text
    }

    fn take_idle(&self) -> Option<Stream> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    fn put_idle(&self, s: Stream) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(s);
        }
    }

    fn connect(&self, deadline: Instant, timeout_ms: u32) -> Result<Stream> {
        match &self.endpoint {
            Endpoint::Unix(path) => {
                remaining(deadline, timeout_ms)?;
                UnixStream::connect(path).map(Stream::Unix).map_err(|e| {
                    let status = match e.kind() {
                        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => DSTACK_STATUS_NO_AGENT,
                        _ if is_timeout(&e) => DSTACK_STATUS_TIMEOUT,
                        _ => DSTACK_STATUS_IO,
                    };
                    Failure::new(status, format!("connect {}: {}", path.display(), os_text(&e)))
                })
            }
            Endpoint::Tcp { host, port, .. } => {
                let name = host.trim_start_matches('[').trim_end_matches(']');
                let addrs: Vec<_> = (name, *port)
                    .to_socket_addrs()
                    .map_err(|e| {
                        Failure::new(DSTACK_STATUS_NO_AGENT, format!("resolve {host}:{port}: {}", os_text(&e)))
                    })?
                    .collect();
                let mut last = Failure::new(DSTACK_STATUS_NO_AGENT, format!("resolve {host}:{port}: no address"));
                for a in addrs {
                    let left = remaining(deadline, timeout_ms)?;
                    match TcpStream::connect_timeout(&a, left) {
                        Ok(s) => {
                            // Small requests and answers: do not wait for Nagle.
                            let _ = s.set_nodelay(true);
                            return Ok(Stream::Tcp(s));
                        }
                        Err(e) => {
                            let status = if is_timeout(&e) {
                                DSTACK_STATUS_TIMEOUT
                            } else if e.kind() == io::ErrorKind::ConnectionRefused {
                                DSTACK_STATUS_NO_AGENT
                            } else {
                                DSTACK_STATUS_IO
                            };
                            let text = if is_timeout(&e) {
                                format!("connect {a}: timed out after {timeout_ms} ms")
                            } else {
                                format!("connect {a}: {}", os_text(&e))
                            };
                            last = Failure::new(status, text);
                        }
                    }
                }
                Err(last)
            }
        }
    }

    /// Sends `request` (a complete HTTP/1.1 request) and reads the complete response.
    /// `timeout_ms` bounds connect, each write, each read and the whole call.
    pub(crate) fn call(&self, request: &[u8], timeout_ms: u32) -> Result<HttpResponse> {
        let deadline = Instant::now() + Duration::from_millis(u64::from(timeout_ms));
        if let Some(stream) = self.take_idle() {
            match self.exchange(stream, request, deadline, timeout_ms) {
                Ok(r) => return Ok(r),
                Err(Attempt::Fatal(f)) => return Err(f),
                // The agent closed this idle connection meanwhile: one retry on a new one.
                Err(Attempt::Stale(_)) => {}
            }
        }
        let stream = self.connect(deadline, timeout_ms)?;
        match self.exchange(stream, request, deadline, timeout_ms) {
            Ok(r) => Ok(r),
            Err(Attempt::Fatal(f)) | Err(Attempt::Stale(f)) => Err(f),
        }
    }

    fn exchange(&self, mut s: Stream, request: &[u8], deadline: Instant, timeout_ms: u32) -> std::result::Result<HttpResponse, Attempt> {
        let ep = &self.endpoint_text;
        let timeout_failure = |what: &str| {
            Failure::new(DSTACK_STATUS_TIMEOUT, format!("{what} {ep}: no progress within {timeout_ms} ms"))
        };
        let left = remaining(deadline, timeout_ms).map_err(Attempt::Fatal)?;
        s.set_timeouts(left)
            .map_err(|e| Attempt::Fatal(Failure::new(DSTACK_STATUS_IO, format!("configure socket {ep}: {}", os_text(&e)))))?;
        if let Err(e) = s.write_all(request) {
            return Err(if is_timeout(&e) {
                Attempt::Fatal(timeout_failure("write to"))
            } else if is_closed(&e) {
                Attempt::Stale(Failure::new(DSTACK_STATUS_IO, format!("write to {ep}: {}", os_text(&e))))
            } else {
                Attempt::Fatal(Failure::new(DSTACK_STATUS_IO, format!("write to {ep}: {}", os_text(&e))))
            });
        }
        let mut reader = Reader { s: &mut s, deadline, timeout_ms, received: 0 };
        let outcome = crate::wire::read_response(&mut reader, MAX_RESPONSE);
        match outcome {
            Ok((resp, reusable)) => {
                if reusable {
                    self.put_idle(s);
                }
                Ok(resp)
            }
            Err(ReadFailure::Io(e, received)) => {
                let f = if is_timeout(&e) {
                    timeout_failure("read from")
                } else if received == 0 && (is_closed(&e) || e.kind() == io::ErrorKind::UnexpectedEof) {
                    return Err(Attempt::Stale(Failure::new(
                        DSTACK_STATUS_IO,
                        format!("read from {ep}: the agent closed the connection without answering"),
                    )));
                } else if e.kind() == io::ErrorKind::UnexpectedEof {
                    Failure::new(
                        DSTACK_STATUS_IO,
                        format!("read from {ep}: the agent closed the connection mid-response (after {received} bytes)"),
                    )
                } else {
                    Failure::new(DSTACK_STATUS_IO, format!("read from {ep}: {}", os_text(&e)))
                };
                Err(Attempt::Fatal(f))
            }
            Err(ReadFailure::Deadline) => Err(Attempt::Fatal(Failure::new(
                DSTACK_STATUS_TIMEOUT,
                format!("the agent at {ep} did not answer within {timeout_ms} ms"),
            ))),
            Err(ReadFailure::Protocol(f)) => Err(Attempt::Fatal(f)),
        }
    }
}

/// Why reading a response failed.
pub(crate) enum ReadFailure {
    /// An operating-system error, or EOF (`UnexpectedEof`); with the bytes received so far.
    Io(io::Error, usize),
    /// The overall deadline passed.
    Deadline,
    /// The bytes are not acceptable HTTP (malformed, too large).
    Protocol(Failure),
}

/// A source of response bytes that enforces the call's deadline on every read.
pub(crate) struct Reader<'a> {
    s: &'a mut Stream,
    deadline: Instant,
    timeout_ms: u32,
    received: usize,
}

impl Reader<'_> {
    /// Reads some bytes into `buf`; 0 means the peer closed the connection.
    pub(crate) fn read_eof(&mut self, buf: &mut [u8]) -> std::result::Result<usize, ReadFailure> {
        let left = remaining(self.deadline, self.timeout_ms).map_err(|_| ReadFailure::Deadline)?;
        self.s.set_timeouts(left).map_err(|e| ReadFailure::Io(e, self.received))?;
        loop {
            match self.s.read(buf) {
                Ok(n) => {
                    self.received += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadFailure::Io(e, self.received)),
            }
        }
    }
}

/// The operating system's text for an error, without Rust's "(os error N)" suffix.
pub(crate) fn os_text(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
