//! HTTP/1.1 framing and routing as the agent's Rocket + prpc stack does it (PROTOCOL §1.2),
//! and the connection handling that keeps the simulator available to every client: deadlines
//! per connection, a connection cap that idle connections cannot exhaust, and a budget for the
//! request bytes buffered across all connections (README, "Robustness").

use crate::rpc::{self, Agent, Args, Service};
use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Rocket's default per-method limit.
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;
const HEADER_LIMIT: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;
/// Connections served at once, over all sockets together.
pub const MAX_CONNECTIONS: usize = 256;
/// The most one connection buffers: a whole request plus some pipelined bytes.
const MAX_BUFFER: usize = BODY_LIMIT + HEADER_LIMIT + 64 * 1024;
const READ_CHUNK: usize = 16 * 1024;
/// How long an error answer written just before closing may take.
const FAREWELL_TIMEOUT: Duration = Duration::from_secs(1);

pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_MEMORY_BUDGET: usize = 64 * 1024 * 1024;
/// The smallest `--memory-budget` accepted: room for a full request head and some body.
pub const MIN_MEMORY_BUDGET: usize = 1024 * 1024;

/// The knobs of connection handling (command-line flags, README).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// From the first byte of a request until its last byte has arrived; also the time a
    /// response may take to be written. Never extended by further bytes.
    pub request_timeout: Duration,
    /// From accepting a connection, or from finishing a response on it, until the first byte
    /// of the next request.
    pub idle_timeout: Duration,
    /// Bytes of request buffers (allocated capacity) across all connections together.
    pub memory_budget: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            memory_budget: DEFAULT_MEMORY_BUDGET,
        }
    }
}

pub trait Conn: Read + Write + AsRawFd + Send + 'static {
    /// Per-connection socket options set once, before serving.
    fn prepare(&self) {}
    /// Bounds the next blocking read / write; `d` is never zero.
    fn read_within(&self, d: Duration);
    fn write_within(&self, d: Duration);
}
impl Conn for std::os::unix::net::UnixStream {
    fn read_within(&self, d: Duration) {
        let _ = self.set_read_timeout(Some(d));
    }
    fn write_within(&self, d: Duration) {
        let _ = self.set_write_timeout(Some(d));
    }
}
impl Conn for std::net::TcpStream {
    fn prepare(&self) {
        let _ = self.set_nodelay(true);
    }
    fn read_within(&self, d: Duration) {
        let _ = self.set_read_timeout(Some(d));
    }
    fn write_within(&self, d: Duration) {
        let _ = self.set_write_timeout(Some(d));
    }
}

/// One admitted connection.
struct Slot {
    id: u64,
    fd: RawFd,
    /// Running an RPC handler: the only state in which a connection is not evicted.
    busy: bool,
    /// When the connection began waiting for its current request (a sequence number, so
    /// "oldest" is exact even for connections accepted within one clock tick).
    since: u64,
}

#[derive(Default)]
struct Registry {
    slots: Vec<Slot>,
    next: u64,
}

/// What the listener threads share: the agent, the limits, the admitted connections and the
/// bytes buffered by all of them.
pub struct Server {
    pub agent: &'static Agent,
    pub limits: Limits,
    registry: Mutex<Registry>,
    buffered: AtomicUsize,
}

impl Server {
    pub fn new(agent: &'static Agent, limits: Limits) -> Server {
        Server {
            agent,
            limits,
            registry: Mutex::new(Registry::default()),
            buffered: AtomicUsize::new(0),
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // Every update is a single push, remove or field store: a panic cannot leave it torn.
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a connection. At the cap, the connection that has been waiting longest for (the
    /// rest of) a request is shut down to make room; only when every admitted connection is
    /// running a handler is the newcomer refused (`None`).
    ///
    /// Invariant: a slot's descriptor is open while the slot is registered (a connection
    /// leaves the registry before its socket is closed), so shutting it down here never
    /// touches a reused descriptor.
    fn admit(&self, fd: RawFd) -> Option<u64> {
        let mut r = self.registry();
        if r.slots.len() >= MAX_CONNECTIONS {
            let victim = r
                .slots
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.busy)
                .min_by_key(|(_, s)| s.since)
                .map(|(i, _)| i)?;
            let v = r.slots.swap_remove(victim);
            // SAFETY: `v.fd` is open (invariant above); shutdown only changes socket state,
            // and wakes the victim's thread from a blocked read or write.
            unsafe { libc::shutdown(v.fd, libc::SHUT_RDWR) };
        }
        let id = r.next;
        r.next += 1;
        r.slots.push(Slot {
            id,
            fd,
            busy: false,
            since: id,
        });
        Some(id)
    }

    /// Marks the connection as running a handler; false if it was evicted meanwhile.
    fn begin_handler(&self, id: u64) -> bool {
        let mut r = self.registry();
        match r.slots.iter_mut().find(|s| s.id == id) {
            Some(s) => {
                s.busy = true;
                true
            }
            None => false,
        }
    }

    /// The handler is done: the connection may be evicted again, ranked by `since`.
    fn end_handler(&self, id: u64) {
        if let Some(s) = self.registry().slots.iter_mut().find(|s| s.id == id) {
            s.busy = false;
        }
    }

    /// The connection starts waiting for its next request.
    fn start_waiting(&self, id: u64) {
        let mut r = self.registry();
        let seq = r.next;
        r.next += 1;
        if let Some(s) = r.slots.iter_mut().find(|s| s.id == id) {
            s.since = seq;
        }
    }

    fn release(&self, id: u64) {
        let mut r = self.registry();
        if let Some(i) = r.slots.iter().position(|s| s.id == id) {
            r.slots.swap_remove(i);
        }
    }
}

/// A connection's share of the memory budget.
struct Held<'a> {
    srv: &'a Server,
    bytes: usize,
}

impl<'a> Held<'a> {
    fn new(srv: &'a Server) -> Self {
        Held { srv, bytes: 0 }
    }

    /// Grows the share to `need` bytes if the budget allows.
    fn ensure(&mut self, need: usize) -> bool {
        if need <= self.bytes {
            return true;
        }
        let extra = need - self.bytes;
        let limit = self.srv.limits.memory_budget;
        let ok = self
            .srv
            .buffered
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
                cur.checked_add(extra).filter(|&n| n <= limit)
            })
            .is_ok();
        if ok {
            self.bytes = need;
        }
        ok
    }

    /// Gives back everything above `need` bytes.
    fn trim(&mut self, need: usize) {
        if need < self.bytes {
            self.srv
                .buffered
                .fetch_sub(self.bytes - need, Ordering::SeqCst);
            self.bytes = need;
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.trim(0);
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn write_response(
    c: &mut impl Conn,
    r: &Response,
    keep_alive: bool,
    head: bool,
    deadline: Instant,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\nserver: dstack-simulator\r\ncontent-length: {}\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len()
    )
    .into_bytes();
    if !keep_alive {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head {
        out.extend_from_slice(&r.body);
    }
    // The whole answer must be taken by `deadline`, however slowly the client reads.
    let mut rest = out.as_slice();
    while !rest.is_empty() {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(std::io::ErrorKind::TimedOut)?;
        c.write_within(left);
        match c.write(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    c.flush()
}

fn error_page(status: u16) -> Response {
    let text = reason(status);
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n    <meta charset=\"utf-8\">\n    <title>{status} {text}</title>\n</head>\n<body align=\"center\">\n    <div role=\"main\" align=\"center\">\n        <h1>{status}: {text}</h1>\n        <p>The requested resource could not be found.</p>\n        <hr />\n    </div>\n</body>\n</html>"
    );
    Response {
        status,
        content_type: "text/html; charset=utf-8",
        body: body.into_bytes(),
    }
}

fn json_error(msg: &str) -> Response {
    let v = serde_json::json!({ "error": msg });
    Response {
        status: 400,
        content_type: "application/json",
        body: serde_json::to_string_pretty(&v)
            .unwrap_or_default()
            .into_bytes(),
    }
}

/// prpc's protobuf-mode error: a `ProtoError { message = 1 }`.
fn proto_error(msg: &str) -> Response {
    let mut body = vec![0x0a];
    let mut n = msg.len();
    while n >= 0x80 {
        body.push((n as u8) | 0x80);
        n >>= 7;
    }
    body.push(n as u8);
    body.extend_from_slice(msg.as_bytes());
    Response {
        status: 400,
        content_type: "application/octet-stream",
        body,
    }
}

/// serde_qs-style query: `k=v`, `k[]=v` / `k[0]=v` build lists; values stay text. Pairs are
/// split and percent/`+`-decoded as `application/x-www-form-urlencoded` (`form_urlencoded`).
fn parse_query(q: &str) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        let v = v.into_owned();
        if let Some(base) = k.find('[').map(|i| &k[..i]).filter(|_| k.ends_with(']')) {
            let entry = map
                .entry(base.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = entry {
                a.push(Value::String(v));
            }
        } else {
            map.insert(k.into_owned(), Value::String(v));
        }
    }
    map
}

fn is_json_mode(query: &str, content_type: Option<&str>, method: &str) -> bool {
    if method == "GET" || method == "HEAD" {
        return true;
    }
    let q_json = query.split('&').any(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        k == "json" && v != "false" && v != "0"
    });
    let ct_json = content_type.is_some_and(|ct| {
        let main = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        main == "application/json" || (main.starts_with("application/") && main.ends_with("+json"))
    });
    q_json || ct_json
}

fn route(
    agent: &Agent,
    service: Service,
    method: &str,
    target: &str,
    ct: Option<&str>,
    body: &[u8],
) -> Response {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" && method != "POST" && method != "HEAD" {
        return error_page(404);
    }
    let rpc_name = match service {
        Service::Dstack => path.strip_prefix('/'),
        Service::Tappd => path
            .strip_prefix("/prpc/")
            .map(|m| m.strip_prefix("Tappd.").unwrap_or(m)),
    };
    let rpc_name = match rpc_name {
        Some(m) if !m.is_empty() && !m.contains('/') => percent_encoding::percent_decode_str(m)
            .decode_utf8_lossy()
            .into_owned(),
        _ => return error_page(404),
    };
    if !is_json_mode(query, ct, method) {
        return proto_error("failed to decode Protobuf message: buffer underflow");
    }
    let args = if method == "POST" {
        Args::from_json(body)
    } else {
        Ok(Args::from_query(parse_query(query)))
    };
    // Requests of type Empty ignore their body, so a malformed one is no error there.
    let args = match args {
        Ok(a) => a,
        Err(e) => match rpc::call(agent, service, &rpc_name, &Args::from_query(Map::new())) {
            None => return json_error(&format!("Service not found: {rpc_name}")),
            Some(_) if ["Info", "Version", "GpuInfo"].contains(&rpc_name.as_str()) => {
                Args::from_query(Map::new())
            }
            Some(_) => return json_error(&e),
        },
    };
    match rpc::call(agent, service, &rpc_name, &args) {
        None => json_error(&format!("Service not found: {rpc_name}")),
        Some(Ok(v)) => Response {
            status: 200,
            content_type: "application/json",
            body: serde_json::to_vec(&v).unwrap_or_default(),
        },
        Some(Err(e)) => json_error(&e),
    }
}

/// A complete request in the buffer: what `route` needs, and how to go on afterwards.
struct Request<'b> {
    method: &'b str,
    target: &'b str,
    content_type: Option<&'b str>,
    /// `Some(range)` of the buffer for a Content-Length body, `None` for the decoded chunked
    /// body (in `Chunked::body`).
    body: Option<std::ops::Range<usize>>,
    consumed: usize,
    keep_alive: bool,
    head: bool,
}

enum Framing<'b> {
    Request(Request<'b>),
    Fatal(Response),
    /// Incomplete; the buffer length that completes the request when already known.
    NeedMore(Option<usize>),
}

/// Progress through a chunked body, kept between reads so each byte is decoded once.
#[derive(Default)]
struct Chunked {
    /// Offset (from the end of the headers) of the next chunk-size line.
    pos: usize,
    body: Vec<u8>,
}

/// Continues decoding a chunked body in `buf` (which starts after the headers);
/// Ok(Some(n)) = complete after `n` bytes, Ok(None) = incomplete. `grant(capacity)` is asked
/// before the decoded body grows to `capacity` bytes; a refusal is the memory-budget error.
fn dechunk(
    buf: &[u8],
    st: &mut Chunked,
    grant: &mut dyn FnMut(usize) -> bool,
) -> Result<Option<usize>, Response> {
    use httparse::Status;
    loop {
        let pos = st.pos;
        let (data, size) = match httparse::parse_chunk_size(&buf[pos..]) {
            // chunk-size is 1*HEXDIG at the start of the line (httparse takes "" as 0).
            _ if buf.len() > pos && !buf[pos].is_ascii_hexdigit() => return Err(error_page(400)),
            Ok(Status::Complete((n, size))) => (pos + n, size),
            Ok(Status::Partial) if buf.len() - pos > 1024 => return Err(error_page(400)),
            Ok(Status::Partial) => return Ok(None),
            Err(_) => return Err(error_page(400)),
        };
        if size == 0 {
            // Trailer fields, then an empty line.
            let mut trailers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            return match httparse::parse_headers(&buf[data..], &mut trailers) {
                Ok(Status::Complete((n, _))) => Ok(Some(data + n)),
                Ok(Status::Partial) if buf.len() - data > 8192 => Err(error_page(431)),
                Ok(Status::Partial) => Ok(None),
                Err(httparse::Error::TooManyHeaders) => Err(error_page(431)),
                Err(_) => Err(error_page(400)),
            };
        }
        let size = usize::try_from(size).map_err(|_| error_page(413))?;
        if st.body.len().saturating_add(size) > BODY_LIMIT {
            return Err(error_page(413));
        }
        if buf.len() < data + size + 2 {
            return Ok(None);
        }
        if &buf[data + size..data + size + 2] != b"\r\n" {
            return Err(error_page(400));
        }
        let need = st.body.len() + size;
        if need > st.body.capacity() {
            // Amortised doubling, but never past the body limit.
            let cap = need.max(st.body.capacity() * 2).min(BODY_LIMIT);
            if !grant(cap) {
                return Err(budget_exhausted());
            }
            st.body.reserve_exact(cap - st.body.len());
        }
        st.body.extend_from_slice(&buf[data..data + size]);
        st.pos = data + size + 2;
    }
}

/// `Content-Length` is 1*DIGIT (RFC 9110 §8.6): no sign, no spaces inside, no list. An
/// overlong number is larger than any body we take.
fn content_length(v: &str) -> Result<usize, Response> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error_page(400));
    }
    v.parse::<usize>().map_err(|_| error_page(413))
}

fn frame<'b>(
    buf: &'b [u8],
    chunked_state: &mut Chunked,
    grant: &mut dyn FnMut(usize) -> bool,
) -> Framing<'b> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let hdr_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) if n <= HEADER_LIMIT => n,
        Ok(httparse::Status::Complete(_)) => return Framing::Fatal(error_page(431)),
        Ok(httparse::Status::Partial) => {
            return if buf.len() > HEADER_LIMIT {
                Framing::Fatal(error_page(431))
            } else {
                Framing::NeedMore(None)
            };
        }
        Err(httparse::Error::TooManyHeaders) => return Framing::Fatal(error_page(431)),
        Err(_) => return Framing::Fatal(error_page(400)),
    };
    let method = req.method.unwrap_or("");
    let target = req.path.unwrap_or("/");
    let http11 = req.version == Some(1);
    let mut content_len: Option<usize> = None;
    let mut chunked = false;
    let mut ct = None;
    let mut keep_alive = http11;
    for h in req.headers.iter() {
        let v = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            match content_length(v) {
                // Repeating the same value is allowed (RFC 9110 §8.6); differing values are not.
                Ok(n) if content_len.is_none_or(|c| c == n) => content_len = Some(n),
                Ok(_) => return Framing::Fatal(error_page(400)),
                Err(r) => return Framing::Fatal(r),
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            if v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            } else {
                return Framing::Fatal(error_page(501));
            }
        } else if h.name.eq_ignore_ascii_case("content-type") {
            ct = Some(v);
        } else if h.name.eq_ignore_ascii_case("connection") {
            let v = v.to_ascii_lowercase();
            if v.contains("close") {
                keep_alive = false;
            } else if v.contains("keep-alive") {
                keep_alive = true;
            }
        }
    }
    let (body, consumed) = if chunked {
        if content_len.is_some() {
            return Framing::Fatal(error_page(400));
        }
        match dechunk(&buf[hdr_len..], chunked_state, grant) {
            Ok(Some(n)) => (None, hdr_len + n),
            Ok(None) => return Framing::NeedMore(None),
            Err(r) => return Framing::Fatal(r),
        }
    } else {
        let n = content_len.unwrap_or(0);
        if n > BODY_LIMIT {
            return Framing::Fatal(error_page(413));
        }
        if buf.len() < hdr_len + n {
            return Framing::NeedMore(Some(hdr_len + n));
        }
        (Some(hdr_len..hdr_len + n), hdr_len + n)
    };
    Framing::Request(Request {
        method,
        target,
        content_type: ct,
        body,
        consumed,
        keep_alive,
        head: method == "HEAD",
    })
}

/// Reads into `chunk` until `deadline`; `None` = timed out.
fn read_by(
    c: &mut impl Conn,
    chunk: &mut [u8],
    deadline: Instant,
) -> Option<std::io::Result<usize>> {
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())?;
        c.read_within(left);
        match c.read(chunk) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                // A timeout fires at the deadline or, if the clock is coarse, just before it:
                // loop to decide with the clock.
                continue;
            }
            r => return Some(r),
        }
    }
}

/// Serves one connection until it closes, errs, times out, is evicted or asks to close. The
/// caller closes the connection (drops `c`) afterwards.
fn serve(srv: &Server, service: Service, c: &mut impl Conn, id: u64) {
    let lim = srv.limits;
    let mut held = Held::new(srv);
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; READ_CHUNK];
    let mut chunked = Chunked::default();
    // Waiting for a request since `idle_since`; receiving one since `request_since`.
    let mut idle_since = Instant::now();
    let mut request_since: Option<Instant> = None;
    loop {
        // Process every complete request already buffered (pipelining) before reading more.
        let mut expected = None;
        while !buf.is_empty() {
            let buf_cap = buf.capacity();
            let mut grant = |body_cap: usize| held.ensure(buf_cap + body_cap);
            let req = match frame(&buf, &mut chunked, &mut grant) {
                Framing::Request(req) => req,
                Framing::Fatal(r) => {
                    let _ = write_response(c, &r, false, false, Instant::now() + FAREWELL_TIMEOUT);
                    return;
                }
                Framing::NeedMore(want) => {
                    expected = want;
                    break;
                }
            };
            if !srv.begin_handler(id) {
                return; // evicted: the socket is already shut down
            }
            let body = match &req.body {
                Some(r) => &buf[r.clone()],
                None => chunked.body.as_slice(),
            };
            let response = route(
                srv.agent,
                service,
                req.method,
                req.target,
                req.content_type,
                body,
            );
            srv.end_handler(id);
            let (consumed, keep_alive, head) = (req.consumed, req.keep_alive, req.head);
            let deadline = Instant::now() + lim.request_timeout;
            if write_response(c, &response, keep_alive, head, deadline).is_err() || !keep_alive {
                return;
            }
            buf.drain(..consumed);
            chunked = Chunked::default();
            if buf.capacity() > 2 * READ_CHUNK {
                buf.shrink_to(buf.len().max(READ_CHUNK));
            }
            held.trim(buf.capacity());
            srv.start_waiting(id);
            idle_since = Instant::now();
            // Pipelined bytes already buffered start the next request now.
            request_since = (!buf.is_empty()).then_some(idle_since);
        }
        let deadline = match request_since {
            Some(t) => t + lim.request_timeout,
            None => idle_since + lim.idle_timeout,
        };
        let n = match read_by(c, &mut chunk, deadline) {
            None => {
                if request_since.is_some() {
                    let r = error_page(408);
                    let _ = write_response(c, &r, false, false, Instant::now() + FAREWELL_TIMEOUT);
                }
                return;
            }
            Some(Ok(0)) | Some(Err(_)) => return,
            Some(Ok(n)) => n,
        };
        let need = buf.len() + n;
        if need > MAX_BUFFER {
            let r = error_page(413);
            let _ = write_response(c, &r, false, false, Instant::now() + FAREWELL_TIMEOUT);
            return;
        }
        if need > buf.capacity() {
            // Amortised doubling, but exactly to the end of a request of known length.
            let mut cap = need.max(buf.capacity() * 2).max(4096);
            if let Some(e) = expected.filter(|&e| e >= need) {
                cap = cap.min(e);
            }
            cap = cap.min(MAX_BUFFER);
            if !held.ensure(cap + chunked.body.capacity()) {
                let _ = write_response(
                    c,
                    &budget_exhausted(),
                    false,
                    false,
                    Instant::now() + FAREWELL_TIMEOUT,
                );
                return;
            }
            buf.reserve_exact(cap - buf.len());
        }
        if buf.is_empty() {
            request_since = Some(Instant::now());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The 503 for a request that would take the buffered bytes over the memory budget.
fn budget_exhausted() -> Response {
    let mut r = json_error(
        "the simulator's request memory budget (shared by all connections) is exhausted; \
         retry later or raise --memory-budget",
    );
    r.status = 503;
    r
}

/// Owns an admitted connection on its thread. Dropping it leaves the registry before the
/// socket is closed (fields drop after `drop` runs), as `Server::admit` requires, and this
/// also holds when the thread could not be started or the handler panicked.
struct Admitted<C: Conn> {
    srv: &'static Server,
    id: u64,
    conn: C,
}

impl<C: Conn> Drop for Admitted<C> {
    fn drop(&mut self) {
        self.srv.release(self.id);
    }
}

/// Runs `serve` on its own thread, or turns the client away when every admitted connection is
/// running a handler.
///
/// A connection leaves the registry before it is closed, so a client that has seen the server
/// close its connection (EOF) knows its slot is free for the next connection accepted.
pub fn spawn(srv: &'static Server, service: Service, mut c: impl Conn) {
    c.prepare();
    let Some(id) = srv.admit(c.as_raw_fd()) else {
        let r = error_page(503);
        let _ = write_response(&mut c, &r, false, false, Instant::now() + FAREWELL_TIMEOUT);
        return;
    };
    let mut a = Admitted { srv, id, conn: c };
    let _ = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || serve(a.srv, service, &mut a.conn, a.id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_forms() {
        let m = parse_query("path=a%2Fb&alt_names[]=x&alt_names[1]=y&purpose=p+q");
        assert_eq!(m["path"], "a/b");
        assert_eq!(m["purpose"], "p q");
        assert_eq!(m["alt_names"], serde_json::json!(["x", "y"]));
        let m = parse_query("a=%zz&b=%C3%A9&&c");
        assert_eq!(m["a"], "%zz", "an invalid escape stays as it is");
        assert_eq!(m["b"], "é");
        assert_eq!(m["c"], "");
    }

    #[test]
    fn json_mode() {
        assert!(is_json_mode("", None, "GET"));
        assert!(is_json_mode("json", None, "POST"));
        assert!(is_json_mode(
            "",
            Some("application/json; charset=utf-8"),
            "POST"
        ));
        assert!(!is_json_mode("", Some("text/plain"), "POST"));
    }

    #[test]
    fn chunked() {
        let mut st = Chunked::default();
        let n = dechunk(
            b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\nNEXT",
            &mut st,
            &mut |_| true,
        )
        .unwrap()
        .unwrap();
        assert_eq!(st.body, b"abcde");
        assert_eq!(n, 24);
        // Resumes where it stopped: feeding the same bytes in pieces gives the same result.
        let full = b"3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n";
        let mut st = Chunked::default();
        for end in 0..full.len() {
            assert!(dechunk(&full[..end], &mut st, &mut |_| true)
                .unwrap()
                .is_none());
        }
        assert_eq!(
            dechunk(full, &mut st, &mut |_| true).unwrap(),
            Some(full.len())
        );
        assert_eq!(st.body, b"abcde");
        assert!(dechunk(b"zz\r\n", &mut Chunked::default(), &mut |_| true).is_err());
        assert!(
            dechunk(b"\r\n", &mut Chunked::default(), &mut |_| true).is_err(),
            "empty size"
        );
        assert!(
            dechunk(b";x\r\n", &mut Chunked::default(), &mut |_| true).is_err(),
            "no digits"
        );
        assert!(
            dechunk(b"1\r\nab\r\n", &mut Chunked::default(), &mut |_| true).is_err(),
            "overlong"
        );
        // Trailer fields are header fields: malformed ones are rejected, too many are 431.
        assert!(dechunk(
            b"0\r\nbad trailer\r\n\r\n",
            &mut Chunked::default(),
            &mut |_| true
        )
        .is_err());
        let many: String = (0..100).map(|i| format!("T{i}: v\r\n")).collect();
        let r = dechunk(
            format!("0\r\n{many}\r\n").as_bytes(),
            &mut Chunked::default(),
            &mut |_| true,
        );
        assert_eq!(r.err().map(|e| e.status), Some(431));
    }
}
