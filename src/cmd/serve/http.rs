//! The exporter's HTTP/1.1 server: hyper on a single-threaded tokio
//! runtime, which answers GET and HEAD of /metrics and /.
//!
//! A connection is a task, not a thread or a slot, so idle and slow
//! clients cost a little memory and a descriptor each and never stand in a
//! scrape's way; the only cap is the descriptor limit, raised to the hard
//! limit at start. What one client may hold is bounded by hyper: a request
//! head must be whole within [`HEAD_TIMEOUT`] (the wait for the next head
//! on a kept-alive connection included) and within [`MAX_HEAD`] bytes.
//! The sweep behind /metrics runs on a thread of its own ([`Sweeps`]).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use taskstat::render::metrics::Wire;
use tokio::net::TcpSocket;
use tokio::signal::unix::{SignalKind, signal};

use super::Sweeps;
use taskstat::listener::Stop;

/// How long a client may take to send a request head, counted from the
/// connection's start or from the end of the answer before: a connection
/// idle this long is closed. Prometheus sends its head at once; 5 s leaves
/// room for a slow network and holds a silent client's descriptor briefly.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest request head, request line and headers together, and so
/// hyper's read buffer (8192 is also the least hyper takes). Prometheus
/// sends some 300 bytes. A larger head gets 431 and a close.
const MAX_HEAD: usize = 8192;
/// How long, after SIGTERM or SIGINT, scrapes in flight may take to finish:
/// the service manager's stop must not wait on a slow client.
const GRACE: Duration = Duration::from_secs(2);
/// Connections the kernel completes before they are accepted.
const BACKLOG: u32 = 1024;
/// How long to wait before accepting again after a failure (out of
/// descriptors, most likely): connections must end first, and the
/// listener, still readable, would otherwise spin the loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How often a failing accept is reported.
const ACCEPT_REPORT: Duration = Duration::from_secs(60);

/// A bound socket and the runtime that serves it.
pub struct Server {
    rt: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
}

impl Server {
    /// Listens on `addr` at once, so that a port in use is an error before
    /// anything else starts.
    pub fn bind(addr: SocketAddr) -> anyhow::Result<Server> {
        // One thread is enough: the sweep, the only slow work, is elsewhere.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the HTTP runtime")?;
        let listener = rt
            .block_on(async { listen(addr) })
            .with_context(|| format!("cannot listen on {addr}"))?;
        Ok(Server { rt, listener })
    }

    /// Serves until SIGTERM or SIGINT (or a `stop` raised before the
    /// runtime listens for them); then lets the answers in flight finish,
    /// for up to [`GRACE`].
    pub fn serve(self, sweeps: Sweeps, stop: &Stop) -> anyhow::Result<()> {
        let Server { rt, listener } = self;
        rt.block_on(accept_until_stopped(listener, sweeps, stop))
            .context("serving HTTP")?;
        // Whatever is left (a client still sending its head) is dropped
        // with the runtime.
        rt.shutdown_background();
        Ok(())
    }
}

/// A listening socket as std and tokio make one (SO_REUSEADDR, so that a
/// restart finds the port free at once), with a longer queue: std and mio
/// listen with a backlog of 128, and beyond it a burst of connections
/// (a thousand clients, or a restart under load) waits for the kernel to
/// resend SYN-ACKs, a second and more. The kernel caps it at somaxconn.
fn listen(addr: SocketAddr) -> io::Result<tokio::net::TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

async fn accept_until_stopped(
    listener: tokio::net::TcpListener,
    sweeps: Sweeps,
    stop: &Stop,
) -> io::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    eprintln!(
        "taskstat: serving http://{}/metrics; stop with ^C",
        listener.local_addr()?
    );
    let mut http = http1::Builder::new();
    // Without a timer, hyper silently runs no header_read_timeout, and a
    // client that sends half a head holds its connection forever.
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD);
    let graceful = GracefulShutdown::new();
    let mut reported: Option<tokio::time::Instant> = None;
    // A signal that came during the first sweep, before `signal` listened,
    // raised only `stop`.
    while !stop.requested() {
        let stream = tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // EMFILE comes back at every try while the descriptors
                    // are taken, and again whenever one frees: a line a
                    // minute at most says so without flooding the journal.
                    if reported.is_none_or(|at| at.elapsed() >= ACCEPT_REPORT) {
                        eprintln!("taskstat: accepting connections: {e}; retrying");
                        reported = Some(tokio::time::Instant::now());
                    }
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        // An answer's last segment must not wait for the client's delayed
        // ACK of the one before.
        let _ = stream.set_nodelay(true);
        let sweeps = sweeps.clone();
        let service = service_fn(move |req| answer(req, sweeps.clone()));
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors are the clients': timeouts, resets, bad requests (hyper
            // answers those itself).
            let _ = conn.await;
        });
    }
    // No new connections; idle ones close now, busy ones after their answer.
    drop(listener);
    if tokio::time::timeout(GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "taskstat: stopping with connections still open after {} s",
            GRACE.as_secs()
        );
    }
    Ok(())
}

type Answer = Response<Full<Bytes>>;

const INDEX: &str = "<html><head><title>taskstat</title></head><body><h1>taskstat</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

fn reply(status: StatusCode, content_type: Option<&'static str>, body: impl Into<Bytes>) -> Answer {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    if let Some(t) = content_type {
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
    }
    r
}

/// The exposition the scraper asked for (Prometheus asks for OpenMetrics,
/// or for protobuf where it takes native histograms).
fn wanted(headers: &HeaderMap) -> Wire {
    Wire::negotiate(
        headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// Answers one request: GET (or HEAD) of /metrics and /, nothing else. A
/// HEAD gets a GET's head; hyper leaves out the body. A sweep that fails
/// is a 500; the server goes on.
async fn answer(req: Request<Incoming>, sweeps: Sweeps) -> Result<Answer, Infallible> {
    let get = matches!(*req.method(), Method::GET | Method::HEAD);
    Ok(match (req.uri().path(), get) {
        ("/metrics", true) => {
            let wire = wanted(req.headers());
            match sweeps.exposition(wire).await {
                Ok(body) => reply(StatusCode::OK, Some(wire.content_type()), body),
                Err(why) => reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    format!("sampling failed: {why}\n"),
                ),
            }
        }
        ("/", true) => reply(StatusCode::OK, Some("text/html"), INDEX),
        ("/metrics" | "/", false) => {
            let mut r = reply(StatusCode::METHOD_NOT_ALLOWED, None, "only GET and HEAD\n");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        }
        _ => reply(StatusCode::NOT_FOUND, None, "not found; try /metrics\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scrapers_best_format_is_chosen_by_q() {
        let mut h = HeaderMap::new();
        assert_eq!(wanted(&h), Wire::Text);
        h.append(header::ACCEPT, HeaderValue::from_static("text/plain;q=0.3"));
        assert_eq!(wanted(&h), Wire::Text);
        h.append(
            header::ACCEPT,
            HeaderValue::from_static("application/openmetrics-text;version=1.0.0;q=0.5"),
        );
        assert_eq!(wanted(&h), Wire::OpenMetrics);
        // Prometheus 2.x with native histograms on.
        let prom = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                    encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,\
                    text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Wire::negotiate([prom]), Wire::Protobuf);
        // Protobuf of another schema, or not delimited, is no answer.
        assert_eq!(
            Wire::negotiate(["application/vnd.google.protobuf;proto=other;encoding=delimited"]),
            Wire::Text
        );
        assert_eq!(
            Wire::negotiate(["application/openmetrics-text;q=0, text/plain;q=0.1"]),
            Wire::Text
        );
    }
}
