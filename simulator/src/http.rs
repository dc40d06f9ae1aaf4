//! HTTP/1.1 framing and routing as the agent's Rocket + prpc stack does it (PROTOCOL §1.2).

use crate::rpc::{self, Agent, Args, Service};
use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Rocket's default per-method limit.
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;
const HEADER_LIMIT: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;
pub const MAX_CONNECTIONS: usize = 256;
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

pub static OPEN: AtomicUsize = AtomicUsize::new(0);

pub trait Conn: Read + Write + Send + 'static {
    fn set_timeouts(&self, d: Duration);
}
impl Conn for std::os::unix::net::UnixStream {
    fn set_timeouts(&self, d: Duration) {
        let _ = self.set_read_timeout(Some(d));
        let _ = self.set_write_timeout(Some(d));
    }
}
impl Conn for std::net::TcpStream {
    fn set_timeouts(&self, d: Duration) {
        let _ = self.set_read_timeout(Some(d));
        let _ = self.set_write_timeout(Some(d));
        let _ = self.set_nodelay(true);
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
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn write_response(
    c: &mut impl Write,
    r: &Response,
    keep_alive: bool,
    head: bool,
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
    c.write_all(&out)?;
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

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// serde_qs-style query: `k=v`, `k[]=v` / `k[0]=v` build lists; values stay text.
fn parse_query(q: &str) -> Map<String, Value> {
    let mut map = Map::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        if let Some(base) = k.find('[').map(|i| &k[..i]).filter(|_| k.ends_with(']')) {
            let entry = map
                .entry(base.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = entry {
                a.push(Value::String(v));
            }
        } else {
            map.insert(k, Value::String(v));
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
        Some(m) if !m.is_empty() && !m.contains('/') => percent_decode(m),
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

enum Framing {
    Request {
        consumed: usize,
        response: Response,
        keep_alive: bool,
        head: bool,
    },
    Fatal(Response),
    NeedMore,
}

fn find_subslice(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// Progress through a chunked body, kept between reads so each byte is decoded once.
#[derive(Default)]
struct Chunked {
    /// Offset (from the end of the headers) of the next chunk-size line.
    pos: usize,
    body: Vec<u8>,
}

/// Continues decoding a chunked body in `buf` (which starts after the headers);
/// Ok(Some(n)) = complete after `n` bytes, Ok(None) = incomplete.
fn dechunk(buf: &[u8], st: &mut Chunked) -> Result<Option<usize>, Response> {
    loop {
        let pos = st.pos;
        let Some(eol) = find_subslice(&buf[pos..buf.len().min(pos + 1026)], b"\r\n") else {
            return if buf.len() - pos > 1024 {
                Err(error_page(400))
            } else {
                Ok(None)
            };
        };
        let line = std::str::from_utf8(&buf[pos..pos + eol]).map_err(|_| error_page(400))?;
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| error_page(400))?;
        let data = pos + eol + 2;
        if size == 0 {
            // Trailer lines, then an empty line.
            let mut t = data;
            loop {
                let Some(end) = find_subslice(&buf[t..buf.len().min(t + 8194)], b"\r\n") else {
                    return if buf.len() - t > 8192 {
                        Err(error_page(431))
                    } else {
                        Ok(None)
                    };
                };
                if end == 0 {
                    return Ok(Some(t + 2));
                }
                t += end + 2;
            }
        }
        if st.body.len().saturating_add(size) > BODY_LIMIT {
            return Err(error_page(413));
        }
        if buf.len() < data + size + 2 {
            return Ok(None);
        }
        if &buf[data + size..data + size + 2] != b"\r\n" {
            return Err(error_page(400));
        }
        st.body.extend_from_slice(&buf[data..data + size]);
        st.pos = data + size + 2;
    }
}

fn frame(agent: &Agent, service: Service, buf: &[u8], chunked_state: &mut Chunked) -> Framing {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let hdr_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) if n <= HEADER_LIMIT => n,
        Ok(httparse::Status::Complete(_)) => return Framing::Fatal(error_page(431)),
        Ok(httparse::Status::Partial) => {
            return if buf.len() > HEADER_LIMIT {
                Framing::Fatal(error_page(431))
            } else {
                Framing::NeedMore
            };
        }
        Err(httparse::Error::TooManyHeaders) => return Framing::Fatal(error_page(431)),
        Err(_) => return Framing::Fatal(error_page(400)),
    };
    let method = req.method.unwrap_or("");
    let target = req.path.unwrap_or("/");
    let http11 = req.version == Some(1);
    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    let mut ct = None;
    let mut keep_alive = http11;
    for h in req.headers.iter() {
        let v = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            match v.parse::<usize>() {
                Ok(n) if content_length.is_none_or(|c| c == n) => content_length = Some(n),
                _ => return Framing::Fatal(error_page(400)),
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
        if content_length.is_some() {
            return Framing::Fatal(error_page(400));
        }
        match dechunk(&buf[hdr_len..], chunked_state) {
            Ok(Some(n)) => (std::mem::take(&mut chunked_state.body), hdr_len + n),
            Ok(None) => return Framing::NeedMore,
            Err(r) => return Framing::Fatal(r),
        }
    } else {
        let n = content_length.unwrap_or(0);
        if n > BODY_LIMIT {
            return Framing::Fatal(error_page(413));
        }
        if buf.len() < hdr_len + n {
            return Framing::NeedMore;
        }
        (buf[hdr_len..hdr_len + n].to_vec(), hdr_len + n)
    };
    let head = method == "HEAD";
    let response = route(agent, service, method, target, ct, &body);
    Framing::Request {
        consumed,
        response,
        keep_alive,
        head,
    }
}

/// Serves one connection until it closes, errs, idles out or asks to close.
pub fn serve(agent: &Agent, service: Service, mut c: impl Conn) {
    c.set_timeouts(IDLE_TIMEOUT);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 16 * 1024];
    let mut chunked = Chunked::default();
    loop {
        // Process every complete request already buffered (pipelining) before reading more.
        loop {
            match frame(agent, service, &buf, &mut chunked) {
                Framing::Request {
                    consumed,
                    response,
                    keep_alive,
                    head,
                } => {
                    buf.drain(..consumed);
                    chunked = Chunked::default();
                    if write_response(&mut c, &response, keep_alive, head).is_err() || !keep_alive {
                        return;
                    }
                }
                Framing::Fatal(r) => {
                    let _ = write_response(&mut c, &r, false, false);
                    return;
                }
                Framing::NeedMore => break,
            }
            if buf.is_empty() {
                break;
            }
        }
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > BODY_LIMIT + HEADER_LIMIT + 64 * 1024 {
            let _ = write_response(&mut c, &error_page(413), false, false);
            return;
        }
    }
}

/// Runs `serve` on its own thread, or turns the client away when too many are open.
pub fn spawn(agent: &'static Agent, service: Service, mut c: impl Conn) {
    if OPEN.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
        OPEN.fetch_sub(1, Ordering::SeqCst);
        c.set_timeouts(Duration::from_secs(1));
        let _ = write_response(&mut c, &error_page(503), false, false);
        return;
    }
    let r = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            serve(agent, service, c);
            OPEN.fetch_sub(1, Ordering::SeqCst);
        });
    if r.is_err() {
        OPEN.fetch_sub(1, Ordering::SeqCst);
    }
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
        let n = dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\nNEXT", &mut st)
            .unwrap()
            .unwrap();
        assert_eq!(st.body, b"abcde");
        assert_eq!(n, 24);
        // Resumes where it stopped: feeding the same bytes in pieces gives the same result.
        let full = b"3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n";
        let mut st = Chunked::default();
        for end in 0..full.len() {
            assert!(dechunk(&full[..end], &mut st).unwrap().is_none());
        }
        assert_eq!(dechunk(full, &mut st).unwrap(), Some(full.len()));
        assert_eq!(st.body, b"abcde");
        assert!(dechunk(b"zz\r\n", &mut Chunked::default()).is_err());
    }
}
