//! The exporter's HTTP/1.1 server: blocking, one thread per connection, on
//! std::net, with httparse reading request heads.
//!
//! A scraper asks for one page every few seconds, so an async stack buys
//! nothing here; hyper and tokio cost a tenth of the binary. Every limit
//! below is there so that no client, slow or hostile, can hold the server
//! or another client: a request head is bounded in time and size, a
//! connection in time, and the connections in number.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a client may take to send a request head (keep-alive idling
/// included).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection may stay open in all (keep-alive included).
const CONNECTION_LIMIT: Duration = Duration::from_secs(30);
/// Connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 16;
/// The largest request head, request line and headers together.
const MAX_HEAD: usize = 8192;
/// Headers in one head; Prometheus sends about six.
const MAX_HEADERS: usize = 32;
/// A connection's thread answers and sweeps: no deep recursion anywhere.
const STACK: usize = 256 * 1024;
/// How often the accept loop looks whether to stop.
const STOP_POLL: Duration = Duration::from_millis(200);
/// How long, and for how many bytes, a closing connection drains what the
/// client sent and was never read.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 256 * 1024;

/// A status code with its reason phrase.
#[derive(Clone, Copy)]
pub struct Status(u16, &'static str);

impl Status {
    pub const OK: Status = Status(200, "OK");
    pub const BAD_REQUEST: Status = Status(400, "Bad Request");
    pub const NOT_FOUND: Status = Status(404, "Not Found");
    pub const METHOD_NOT_ALLOWED: Status = Status(405, "Method Not Allowed");
    pub const HEAD_TOO_LARGE: Status = Status(431, "Request Header Fields Too Large");
    pub const INTERNAL_SERVER_ERROR: Status = Status(500, "Internal Server Error");
}

/// A request as the handler sees it: its head only.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path of the target, without a query string.
    pub path: &'a str,
    headers: &'a [httparse::Header<'a>],
}

impl<'a> Request<'a> {
    /// The values of every header called `name` (any case).
    pub fn header_values(&self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }
}

/// An answer; Date, Content-Length and Connection are added on the way out.
pub struct Response {
    pub status: Status,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: String,
}

/// Serves `handler` on `listener` until `stop()`.
pub fn serve<H>(listener: &TcpListener, stop: impl Fn() -> bool, handler: H) -> io::Result<()>
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    // Between poll and accept a client can give up: accept must not block.
    listener.set_nonblocking(true)?;
    let handler = Arc::new(handler);
    let open = Arc::new(AtomicUsize::new(0));
    while !stop() {
        // poll(2) rather than a nonblocking accept and a sleep: a new
        // connection is taken at once, not at the end of a nap.
        if !taskstat::host::poll::readable(listener, STOP_POLL)? {
            continue;
        }
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => {
                // Out of descriptors, most likely: let some connections end.
                eprintln!("taskstat: accepting a connection: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        // One too many is dropped, so closed at once: a scraper retries at
        // its next interval.
        let Some(slot) = Slot::take(&open) else {
            continue;
        };
        let handler = Arc::clone(&handler);
        let spawned = std::thread::Builder::new()
            .name("http".into())
            .stack_size(STACK)
            .spawn(move || {
                let _slot = slot;
                connection(stream, &*handler);
            });
        if let Err(e) = spawned {
            eprintln!("taskstat: serving a connection: {e}");
        }
    }
    Ok(())
}

/// One of the [`MAX_CONNECTIONS`], given back when dropped, whatever way
/// its thread ends (or fails to start).
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Option<Slot> {
        open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < MAX_CONNECTIONS).then_some(n + 1)
        })
        .ok()
        .map(|_| Slot(Arc::clone(open)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The time left before `until`, if any.
fn left(until: Instant) -> Option<Duration> {
    until
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
}

/// What came of waiting for a request head.
enum Head {
    /// A whole head, this many bytes long.
    Complete(usize),
    TooLarge,
    Bad,
    /// The client closed, reset, or ran out of time: nothing to answer.
    Gone,
}

/// Reads until `buf` starts with a whole request head. Bytes past it stay
/// in `buf`: a client may send its next request before the answer.
fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>, until: Instant) -> Head {
    loop {
        if !buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            match httparse::Request::new(&mut headers).parse(buf) {
                Ok(httparse::Status::Complete(n)) => return Head::Complete(n),
                Ok(httparse::Status::Partial) => {}
                Err(httparse::Error::TooManyHeaders) => return Head::TooLarge,
                Err(_) => return Head::Bad,
            }
        }
        if buf.len() >= MAX_HEAD {
            return Head::TooLarge;
        }
        let Some(wait) = left(until) else {
            return Head::Gone;
        };
        if stream.set_read_timeout(Some(wait)).is_err() {
            return Head::Gone;
        }
        let had = buf.len();
        buf.resize(MAX_HEAD, 0);
        let got = stream.read(&mut buf[had..]);
        buf.truncate(had + got.as_ref().map_or(0, |n| *n));
        match got {
            Ok(0) => return Head::Gone,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Head::Gone,
        }
    }
}

/// Serves one connection: request after request while the client keeps it
/// alive, within [`CLIENT_TIMEOUT`] per head and [`CONNECTION_LIMIT`] in all.
fn connection<H>(mut stream: TcpStream, handler: &H)
where
    H: Fn(&Request) -> Response,
{
    let until = Instant::now() + CONNECTION_LIMIT;
    // Blocking whatever the listener's mode (some systems pass it on), and
    // without Nagle: an answer's last segment must not wait for the
    // client's delayed ACK of the one before.
    if stream.set_nonblocking(false).is_err() || stream.set_nodelay(true).is_err() {
        return;
    }
    let mut buf = Vec::with_capacity(MAX_HEAD);
    loop {
        let head_until = (Instant::now() + CLIENT_TIMEOUT).min(until);
        let n = match read_head(&mut stream, &mut buf, head_until) {
            Head::Complete(n) => n,
            Head::Gone => return,
            Head::TooLarge => {
                return last_answer(
                    stream,
                    Status::HEAD_TOO_LARGE,
                    "request head too large\n",
                    until,
                );
            }
            Head::Bad => return last_answer(stream, Status::BAD_REQUEST, "bad request\n", until),
        };
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        let whole = matches!(parsed.parse(&buf[..n]), Ok(httparse::Status::Complete(_)));
        let (true, Some(method), Some(target), Some(version), Some(body)) = (
            whole,
            parsed.method,
            parsed.path,
            parsed.version,
            has_body(parsed.headers),
        ) else {
            return last_answer(stream, Status::BAD_REQUEST, "bad request\n", until);
        };
        // A body is never read: past it, the next request could not be found.
        let keep = !body && keep_alive(version, parsed.headers);
        let request = Request {
            method,
            path: path_of(target),
            headers: parsed.headers,
        };
        let response = handler(&request);
        let head_only = method == "HEAD";
        let connection = match (keep, version) {
            (false, _) => Some("close"),
            (true, 0) => Some("keep-alive"),
            (true, _) => None,
        };
        if send(&mut stream, &response, head_only, connection, until).is_err() {
            return;
        }
        if !keep {
            return linger(stream);
        }
        buf.drain(..n);
    }
}

/// Whether the request has a body (Content-Length above 0, or chunked);
/// `None` for a Content-Length that is not a number.
fn has_body(headers: &[httparse::Header]) -> Option<bool> {
    let mut body = false;
    for h in headers {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            body = true;
        } else if h.name.eq_ignore_ascii_case("content-length") {
            let n: u64 = std::str::from_utf8(h.value).ok()?.trim().parse().ok()?;
            body |= n > 0;
        }
    }
    Some(body)
}

/// HTTP/1.1 keeps a connection unless told to close; HTTP/1.0 closes it
/// unless asked to keep it.
fn keep_alive(version: u8, headers: &[httparse::Header]) -> bool {
    let has = |token: &str| {
        headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("connection"))
            .flat_map(|h| h.value.split(|&b| b == b','))
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    };
    if version == 0 {
        has("keep-alive")
    } else {
        !has("close")
    }
}

/// The path of a request target: an absolute URI (what a proxy is sent)
/// loses its scheme and host, any target its query.
fn path_of(target: &str) -> &str {
    let path = match target.split_once("://") {
        Some((_, rest)) if !target.starts_with('/') => rest.find('/').map_or("/", |i| &rest[i..]),
        _ => target,
    };
    path.split_once('?').map_or(path, |(p, _)| p)
}

/// Writes an answer whole within the connection's time. A HEAD request
/// gets the head a GET would, Content-Length included, and no body.
fn send(
    stream: &mut TcpStream,
    r: &Response,
    head_only: bool,
    connection: Option<&str>,
    until: Instant,
) -> io::Result<()> {
    use std::fmt::Write as _;
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ndate: {}\r\ncontent-length: {}\r\n",
        r.status.0,
        r.status.1,
        http_date(SystemTime::now()),
        r.body.len()
    );
    for (name, value) in &r.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    if let Some(c) = connection {
        let _ = write!(head, "connection: {c}\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if !head_only {
        out.extend_from_slice(r.body.as_bytes());
    }
    let wait = left(until).ok_or(io::ErrorKind::TimedOut)?;
    stream.set_write_timeout(Some(wait))?;
    stream.write_all(&out)
}

/// Answers a request the connection cannot go on after, then closes.
fn last_answer(mut stream: TcpStream, status: Status, body: &str, until: Instant) {
    let r = Response {
        status,
        headers: Vec::new(),
        body: body.to_string(),
    };
    if send(&mut stream, &r, false, Some("close"), until).is_ok() {
        linger(stream);
    }
}

/// Closes after a last answer. Closing with unread bytes (a body, the rest
/// of an oversized head) makes the kernel reset the connection, and a reset
/// can destroy the answer before the client reads it; so the write side is
/// shut first and what the client still sends is read and dropped, briefly.
fn linger(mut stream: TcpStream) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let until = Instant::now() + LINGER;
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < LINGER_BYTES {
        let Some(wait) = left(until) else { return };
        if stream.set_read_timeout(Some(wait)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(n) => drained += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// An IMF-fixdate (RFC 9110, 5.6.7), as a server with a clock must send.
fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, s) = (secs / 86_400, secs % 86_400);
    // Days to a civil date (Howard Hinnant's algorithm), from 0000-03-01.
    let z = days + 719_468;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = era * 400 + yoe + u64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_imf_fixdates() {
        let at = |s| http_date(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(4_133_980_799), "Fri, 31 Dec 2100 23:59:59 GMT");
    }

    #[test]
    fn paths_lose_query_scheme_and_host() {
        assert_eq!(path_of("/metrics"), "/metrics");
        assert_eq!(path_of("/metrics?x=1"), "/metrics");
        assert_eq!(path_of("http://h:9465/metrics?x"), "/metrics");
        assert_eq!(path_of("http://h:9465"), "/");
        assert_eq!(path_of("/a?b=http://c/d"), "/a");
        assert_eq!(path_of("*"), "*");
    }

    #[test]
    fn keep_alive_follows_the_version_and_connection() {
        let h = |v: &'static [u8]| {
            [httparse::Header {
                name: "Connection",
                value: v,
            }]
        };
        assert!(keep_alive(1, &[]));
        assert!(!keep_alive(1, &h(b"Close")));
        assert!(!keep_alive(1, &h(b"upgrade, close")));
        assert!(!keep_alive(0, &[]));
        assert!(keep_alive(0, &h(b"Keep-Alive")));
    }

    #[test]
    fn a_body_is_a_length_above_zero_or_any_transfer_coding() {
        let h = |name, value: &'static [u8]| [httparse::Header { name, value }];
        assert_eq!(has_body(&[]), Some(false));
        assert_eq!(has_body(&h("Content-Length", b"0")), Some(false));
        assert_eq!(has_body(&h("content-length", b" 12 ")), Some(true));
        assert_eq!(has_body(&h("Transfer-Encoding", b"chunked")), Some(true));
        assert_eq!(has_body(&h("Content-Length", b"-1")), None);
    }
}
