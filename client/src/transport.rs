//! The blocking transport: a pool of keep-alive connections to one endpoint, and one
//! deadline per call that bounds it as a whole: connect, write and read.
//!
//! HTTP framing comes from `dstack_core::http` through [`crate::wire`]; this module moves
//! bytes, keeps the deadline, decides when a connection may be reused and when a request
//! may be sent again, and maps operating-system failures to statuses with precise
//! messages. It talks to the socket through `libc`:
//! - A Unix `connect` to an agent whose accept queue is full (frozen, or overloaded) waits
//!   for room for as long as the socket's send timeout allows, forever by default. So the
//!   socket is created here and given the time left before it connects (std's
//!   `UnixStream::connect` offers no timeout).
//! - Every send and receive is non-blocking (`MSG_DONTWAIT`) and waits in `poll` for the
//!   time left until the deadline: one deadline computed once, no `setsockopt` per read,
//!   and no way for a slow agent to stretch the call (a socket timeout restarts at every
//!   partial write).
//! - Sends use `MSG_NOSIGNAL`: an agent that hangs up gives `EPIPE`, never a `SIGPIPE`
//!   that would kill the host program.
//! - A pooled connection is reused only if a non-blocking `MSG_PEEK` finds it open and
//!   empty: bytes waiting there answer no request of this call.
//! - Each connection has one buffer ([`crate::wire::Buffer`]): the request is written into
//!   it, the answer received after it and handed to the caller where it lies; the bytes a
//!   call used are wiped before the connection goes back to the pool.

use crate::endpoint::Endpoint;
use crate::error::ErrorKind;
use crate::error::{Error, Result};
use crate::wire::{Answer, Buffer, Ended, Incoming, Progress};
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The largest response body libdstack accepts.
pub(crate) const MAX_RESPONSE: usize = 16 * 1024 * 1024;
/// Idle connections kept per client.
const MAX_IDLE: usize = 8;

/// A connected Unix or TCP stream socket to the agent.
struct Sock(OwnedFd);

/// One open connection to the agent: its socket and its buffer.
struct Conn {
    sock: Sock,
    buf: Buffer,
}

impl Conn {
    fn new(fd: OwnedFd) -> Conn {
        Conn {
            sock: Sock(fd),
            buf: Buffer::new(),
        }
    }
}

fn last_error() -> io::Error {
    io::Error::last_os_error()
}

impl Sock {
    /// Sends what the socket takes now, without waiting.
    fn send(&self, bytes: &[u8]) -> io::Result<usize> {
        // SAFETY: the pointer and length describe `bytes`, valid for the call; the fd is
        // open for as long as `self` lives.
        let n = unsafe {
            libc::send(
                self.0.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
            )
        };
        usize::try_from(n).map_err(|_| last_error())
    }

    /// Receives what has arrived, without waiting; `Ok(0)` is the end of the stream.
    fn recv(&self, buf: &mut [u8], flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: the pointer and length describe `buf`, writable for the call; the fd is
        // open for as long as `self` lives.
        let n = unsafe {
            libc::recv(
                self.0.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                flags | libc::MSG_DONTWAIT,
            )
        };
        usize::try_from(n).map_err(|_| last_error())
    }

    /// Waits until the socket is ready for `events`: the events that occurred, or `None`
    /// once the deadline has passed. `left_ms`: the time left, known without reading the
    /// clock (the first wait of a call on a pooled connection: the call began microseconds
    /// ago); later waits read the clock.
    fn wait(
        &self,
        events: libc::c_short,
        deadline: Instant,
        mut left_ms: Option<u32>,
    ) -> io::Result<Option<libc::c_short>> {
        loop {
            let ms = match left_ms.take() {
                Some(ms) => libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX),
                None => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(None);
                    }
                    // Rounded up: a remainder under a millisecond waits instead of spinning.
                    let ms = (deadline - now).as_micros().div_ceil(1000);
                    libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
                }
            };
            let mut p = libc::pollfd {
                fd: self.0.as_raw_fd(),
                events,
                revents: 0,
            };
            // SAFETY: `p` is one valid pollfd for the duration of the call.
            let r = unsafe { libc::poll(&mut p, 1, ms) };
            if r > 0 {
                return Ok(Some(p.revents));
            }
            if r < 0 {
                let e = last_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }

    /// Whether a pooled connection may carry a new request: the agent has not closed it
    /// and nothing is waiting to be read. Bytes waiting there would be taken as the answer
    /// to the next request (an agent or proxy that answered a request twice).
    fn is_clean(&self) -> bool {
        let mut byte = [0u8; 1];
        match self.recv(&mut byte, libc::MSG_PEEK) {
            // 0: closed by the agent; more: stray bytes.
            Ok(_) => false,
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
        }
    }
}

/// Sets the socket's send timeout, which bounds a blocking Unix `connect`.
fn set_send_timeout(fd: &OwnedFd, t: Duration) -> io::Result<()> {
    let mut tv = libc::timeval {
        tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_usec: libc::suseconds_t::from(t.subsec_micros()),
    };
    if tv.tv_sec == 0 && tv.tv_usec == 0 {
        // Zero means "no timeout" to the kernel.
        tv.tv_usec = 1;
    }
    // SAFETY: `tv` is a valid timeval and the length is its size; the fd is open.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(last_error())
    }
}

/// A connection pool for one endpoint. Shared by all threads using a client.
pub(crate) struct Transport {
    endpoint: Endpoint,
    endpoint_text: String,
    idle: Mutex<Vec<Conn>>,
}

/// How one exchange on one connection failed.
enum Attempt {
    /// The connection ended before a single byte of an answer arrived, after `sent` bytes
    /// of the request had gone out: a pooled connection the agent closed meanwhile, or an
    /// agent that hung up on this request.
    NoAnswer { sent: usize, failure: Error },
    /// Any other failure.
    Fatal(Error),
}

fn timed_out(timeout_ms: u32) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!("the agent did not answer within {timeout_ms} ms"),
    )
}

fn remaining(deadline: Instant, timeout_ms: u32) -> Result<Duration> {
    let now = Instant::now();
    if now >= deadline {
        return Err(timed_out(timeout_ms));
    }
    Ok(deadline - now)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn is_closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}

/// One receive into the response.
enum Step {
    /// The response is complete; whether the connection may be reused.
    Done(Answer, bool),
    /// More bytes are needed; `drained`: the read took less than it could, so the socket
    /// is probably empty now (wait before the next receive).
    More { drained: bool },
    /// Nothing to read yet.
    Again,
    /// The agent closed the connection.
    Eof,
    /// The agent reset the connection.
    Reset(io::Error),
}

impl Transport {
    pub(crate) fn new(endpoint: Endpoint, endpoint_text: String) -> Transport {
        Transport {
            endpoint,
            endpoint_text,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(crate) fn endpoint_text(&self) -> &str {
        &self.endpoint_text
    }

    fn take_idle(&self) -> Option<Conn> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    fn put_idle(&self, c: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(c);
        }
    }

    fn connect(&self, deadline: Instant, timeout_ms: u32) -> Result<Conn> {
        match &self.endpoint {
            Endpoint::Unix(path) => connect_unix(path, deadline, timeout_ms),
            Endpoint::Tcp { host, port, .. } => {
                let name = host.trim_start_matches('[').trim_end_matches(']');
                // Name resolution is not bounded by the deadline (getaddrinfo has no
                // timeout); agents are addressed by IP literal or `localhost`.
                let addrs: Vec<_> = (name, *port)
                    .to_socket_addrs()
                    .map_err(|e| {
                        Error::new(
                            ErrorKind::NoAgent,
                            format!("resolve {host}:{port}: {}", os_text(&e)),
                        )
                    })?
                    .collect();
                let mut last = Error::new(
                    ErrorKind::NoAgent,
                    format!("resolve {host}:{port}: no address"),
                );
                for a in addrs {
                    let left = remaining(deadline, timeout_ms)?;
                    match TcpStream::connect_timeout(&a, left) {
                        Ok(s) => {
                            // Small requests and answers: do not wait for Nagle.
                            let _ = s.set_nodelay(true);
                            return Ok(Conn::new(OwnedFd::from(s)));
                        }
                        Err(e) => {
                            let status = if is_timeout(&e) {
                                ErrorKind::Timeout
                            } else if e.kind() == io::ErrorKind::ConnectionRefused {
                                ErrorKind::NoAgent
                            } else {
                                ErrorKind::Io
                            };
                            let text = if is_timeout(&e) {
                                format!("connect {a}: timed out after {timeout_ms} ms")
                            } else {
                                format!("connect {a}: {}", os_text(&e))
                            };
                            last = Error::new(status, text);
                        }
                    }
                }
                Err(last)
            }
        }
    }

    /// Writes a request with `write` (a complete HTTP/1.1 request; see
    /// [`Buffer::write_request`]), sends it and reads the complete response, all within
    /// `timeout_ms`; then hands the status, the body and scratch space for parsing it
    /// (both in the connection's buffer, wiped after `answer` returns) to `answer`.
    ///
    /// `repeatable`: the request may reach the agent twice without harm. A pooled
    /// connection that turns out closed before any answer is replaced once, on a new
    /// connection, only if no byte of the request went out or the request is
    /// repeatable; otherwise the failure is reported (the agent may have carried the
    /// request out).
    pub(crate) fn call<T>(
        &self,
        write: &dyn Fn(&mut [u8]) -> dstack_core::Result<usize>,
        timeout_ms: u32,
        repeatable: bool,
        answer: impl FnOnce(u16, &[u8], &mut [u8]) -> T,
    ) -> Result<T> {
        let deadline = Instant::now() + Duration::from_millis(u64::from(timeout_ms));
        while let Some(mut conn) = self.take_idle() {
            if !conn.sock.is_clean() {
                // Closed by the agent, or holding bytes nobody asked for: drop it.
                continue;
            }
            // The clock was read once, for the deadline, just before: the first wait takes
            // the whole timeout without reading it again.
            match self.exchange(&mut conn, write, deadline, timeout_ms, Some(timeout_ms)) {
                Ok((a, reusable)) => return Ok(self.finish(conn, &a, reusable, answer)),
                Err(Attempt::Fatal(f)) => return Err(f),
                Err(Attempt::NoAnswer { sent, .. }) if sent == 0 || repeatable => break,
                Err(Attempt::NoAnswer { failure, .. }) => {
                    return Err(Error::new(
                        failure.kind(),
                        format!(
                            "{}; the request is not sent again, since the agent may have carried it out",
                            failure.message()
                        ),
                    ))
                }
            }
        }
        let mut conn = self.connect(deadline, timeout_ms)?;
        match self.exchange(&mut conn, write, deadline, timeout_ms, None) {
            Ok((a, reusable)) => Ok(self.finish(conn, &a, reusable, answer)),
            Err(Attempt::Fatal(f)) | Err(Attempt::NoAnswer { failure: f, .. }) => Err(f),
        }
    }

    /// Hands the answer to `answer`, wipes what the call left in the buffer, and pools a
    /// reusable connection.
    fn finish<T>(
        &self,
        mut conn: Conn,
        a: &Answer,
        reusable: bool,
        answer: impl FnOnce(u16, &[u8], &mut [u8]) -> T,
    ) -> T {
        let (body, spare) = conn.buf.answer(a);
        let t = answer(a.status, body, spare);
        conn.buf.end_call();
        if reusable {
            self.put_idle(conn);
        }
        t
    }

    /// One receive into `rx`.
    fn pull(&self, conn: &Sock, rx: &mut Incoming<'_>) -> std::result::Result<Step, Attempt> {
        let space = rx.space();
        let room = space.len();
        match conn.recv(space, 0) {
            Ok(0) => Ok(Step::Eof),
            Ok(n) => match rx.advance(n).map_err(Attempt::Fatal)? {
                Progress::Complete { answer, reusable } => Ok(Step::Done(answer, reusable)),
                Progress::Partial => Ok(Step::More { drained: n < room }),
            },
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Step::Again),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(Step::More { drained: false }),
            Err(e) if is_closed(&e) => Ok(Step::Reset(e)),
            Err(e) => Err(Attempt::Fatal(Error::new(
                ErrorKind::Io,
                format!("read from {}: {}", self.endpoint_text, os_text(&e)),
            ))),
        }
    }

    /// Sends the request and reads its answer on `conn`. Returns the response and
    /// whether the connection may carry another request.
    fn exchange(
        &self,
        conn: &mut Conn,
        write: &dyn Fn(&mut [u8]) -> dstack_core::Result<usize>,
        deadline: Instant,
        timeout_ms: u32,
        mut left_ms: Option<u32>,
    ) -> std::result::Result<(Answer, bool), Attempt> {
        let ep = &self.endpoint_text;
        let io_failure = |what: &str, e: &io::Error| {
            Attempt::Fatal(Error::new(
                ErrorKind::Io,
                format!("{what} {ep}: {}", os_text(e)),
            ))
        };
        let request_len = conn
            .buf
            .write_request(write)
            .map_err(|e| Attempt::Fatal(Error::from_core("", e)))?;
        let Conn { sock: conn, buf } = conn;
        let mut rx = Incoming::new(buf, request_len, MAX_RESPONSE);
        let mut sent = 0;
        // Why the agent stopped taking the request, if it hung up: reported only when no
        // answer follows (an agent may answer early, e.g. 413, and close unread).
        let mut hung_up: Option<io::Error> = None;
        let mut eof = false;

        while sent < request_len {
            match conn.send(&rx.request()[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let events = libc::POLLOUT | libc::POLLIN;
                    match conn.wait(events, deadline, left_ms.take()) {
                        Err(e) => return Err(io_failure("write to", &e)),
                        Ok(None) => {
                            return Err(Attempt::Fatal(Error::new(
                                ErrorKind::Timeout,
                                format!(
                                    "write to {ep}: the agent took {sent} of the {request_len} request bytes and no more within {timeout_ms} ms"
                                ),
                            )))
                        }
                        Ok(Some(r)) if r & libc::POLLOUT != 0 => {}
                        // Readable but not writable: the agent answers before taking the
                        // whole request, or hangs up.
                        Ok(Some(_)) => match self.pull(conn, &mut rx)? {
                            // The rest of the request is still unsent: never reuse.
                            Step::Done(resp, _) => return Ok((resp, false)),
                            Step::More { .. } | Step::Again => {}
                            Step::Eof => {
                                eof = true;
                                break;
                            }
                            Step::Reset(e) => {
                                hung_up = Some(e);
                                break;
                            }
                        },
                    }
                }
                Err(e) if is_closed(&e) => {
                    hung_up = Some(e);
                    break;
                }
                Err(e) => return Err(io_failure("write to", &e)),
            }
        }
        let complete_request = sent == request_len;

        // After a complete request the answer takes a while: wait before receiving. After
        // a hang-up, whatever the agent answered is already there.
        let mut wait_first = hung_up.is_none();
        while !eof {
            if wait_first {
                match conn.wait(libc::POLLIN, deadline, left_ms.take()) {
                    Err(e) => return Err(io_failure("read from", &e)),
                    Ok(None) => return Err(Attempt::Fatal(self.read_timeout(&rx, timeout_ms))),
                    Ok(Some(_)) => {}
                }
            } else if Instant::now() >= deadline {
                return Err(Attempt::Fatal(self.read_timeout(&rx, timeout_ms)));
            }
            match self.pull(conn, &mut rx)? {
                Step::Done(resp, reusable) => return Ok((resp, reusable && complete_request)),
                Step::More { drained } => wait_first = drained,
                Step::Again => wait_first = true,
                Step::Eof => eof = true,
                Step::Reset(e) => {
                    if rx.received() > 0 {
                        // A reset is no clean end: a body running to the close may be cut.
                        return Err(Attempt::Fatal(Error::new(
                            ErrorKind::Io,
                            format!(
                                "read from {ep}: {} mid-response (after {} bytes)",
                                os_text(&e),
                                rx.received()
                            ),
                        )));
                    }
                    hung_up.get_or_insert(e);
                    eof = true;
                }
            }
        }
        match rx.at_eof() {
            Ok(resp) => Ok((resp, false)),
            Err(Ended::NoAnswer) => {
                let how = match &hung_up {
                    Some(e) => format!(" ({})", os_text(e)),
                    None => String::new(),
                };
                Err(Attempt::NoAnswer {
                    sent,
                    failure: Error::new(
                        ErrorKind::Io,
                        format!("{ep}: the agent closed the connection without answering{how}"),
                    ),
                })
            }
            Err(Ended::Truncated(n)) => Err(Attempt::Fatal(Error::new(
                ErrorKind::Io,
                format!("read from {ep}: the agent closed the connection mid-response (after {n} bytes)"),
            ))),
            Err(Ended::Protocol(f)) => Err(Attempt::Fatal(f)),
        }
    }

    fn read_timeout(&self, rx: &Incoming<'_>, timeout_ms: u32) -> Error {
        let ep = &self.endpoint_text;
        let text = match rx.received() {
            0 => format!("read from {ep}: no answer within {timeout_ms} ms"),
            n => format!("read from {ep}: the answer was incomplete after {timeout_ms} ms ({n} bytes received)"),
        };
        Error::new(ErrorKind::Timeout, text)
    }
}

/// Connects to a Unix socket within the deadline (see the module comment).
fn connect_unix(path: &Path, deadline: Instant, timeout_ms: u32) -> Result<Conn> {
    let shown = path.display();
    let bytes = path.as_os_str().as_bytes();
    // SAFETY: sockaddr_un is plain data; all zeroes is a valid (empty) value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    // One byte stays for the terminating NUL.
    if bytes.is_empty() || bytes.len() >= addr.sun_path.len() {
        return Err(Error::new(
            ErrorKind::Io,
            format!(
                "connect {shown}: a Unix socket path must be 1 to {} bytes long",
                addr.sun_path.len() - 1
            ),
        ));
    }
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (d, s) in addr.sun_path.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    let len = std::mem::offset_of!(libc::sockaddr_un, sun_path) + bytes.len() + 1;
    let io_failure =
        |e: &io::Error| Error::new(ErrorKind::Io, format!("connect {shown}: {}", os_text(e)));

    // SAFETY: plain socket creation; the result is checked.
    let raw = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io_failure(&last_error()));
    }
    // SAFETY: `raw` is a new descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    loop {
        let left = remaining(deadline, timeout_ms)?;
        set_send_timeout(&fd, left).map_err(|e| io_failure(&e))?;
        // SAFETY: `addr` is a valid sockaddr_un and `len` does not exceed its size.
        let r = unsafe {
            libc::connect(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_un).cast(),
                len as libc::socklen_t,
            )
        };
        if r == 0 {
            return Ok(Conn::new(fd));
        }
        let e = last_error();
        return Err(match e.kind() {
            // Interrupted by a signal: try again with the time left.
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => Error::new(
                ErrorKind::NoAgent,
                format!("connect {shown}: {}", os_text(&e)),
            ),
            // The send timeout ran out while the agent's accept queue stayed full.
            io::ErrorKind::WouldBlock => Error::new(
                ErrorKind::Timeout,
                format!(
                    "connect {shown}: the agent did not accept the connection within {timeout_ms} ms (its accept queue is full: is the agent frozen or overloaded?)"
                ),
            ),
            _ => io_failure(&e),
        });
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
