//! `taskstat serve` scraped by a real Prometheus (Debian's `prometheus`,
//! which .ci/run installs), with the kernel's cgroup2 CPU accounting as the
//! oracle; and its HTTP server against bad, slow and many clients, and
//! signals, on 127.0.0.1. Part of the machine binary: it counts exits and
//! pins hogs to a CPU.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Resource, getrlimit, setrlimit};
use serde_json::Value;

use crate::common::{
    Group2, Procs, example, exit_within, kernel, promtool_check, signal, wait_until,
};

// Workload names and pressure per cgroup, with this module's server helpers.
mod fleet;
// Distributions of the exited processes (serve --histograms).
mod histograms;
// serve --histograms against Prometheus: quantiles of the same exits as
// listen heard them (issue 34's acceptance).
mod quantiles;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A plain HTTP/1.0 exchange: (status, body).
fn http(port: u16, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(request.as_bytes()).expect("send");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

fn get(port: u16, path: &str) -> (u16, String) {
    http(
        port,
        &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"),
    )
}

/// A header's value in an answer's head (any case).
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// One answer off a connection that may stay open: (status, head, body).
/// The answer to a HEAD request has no body, whatever its Content-Length.
fn read_answer(r: &mut impl BufRead, head_only: bool) -> (u16, String, String) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).expect("an answer");
        assert!(n > 0, "closed within the head: {head:?}");
        if line == "\r\n" {
            break;
        }
        head += &line;
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let len: usize = header(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Content-Length: {head}"));
    let mut body = vec![0; if head_only { 0 } else { len }];
    r.read_exact(&mut body).expect("the body");
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

/// An instant query to Prometheus: the first result's value.
fn query(port: u16, q: &str) -> Option<f64> {
    let mut enc = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            enc.push(b as char);
        } else {
            enc += &format!("%{b:02X}");
        }
    }
    let (status, body) = get(port, &format!("/api/v1/query?query={enc}"));
    assert_eq!(status, 200, "{q}: {body}");
    let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|s| s.parse().ok())
}

#[test]
fn prometheus_scrapes_complete_monotonic_per_cgroup_accounting() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("prometheus_scrapes_complete_monotonic_per_cgroup_accounting") else {
        return;
    };
    for tool in ["prometheus", "promtool"] {
        assert!(
            Command::new(tool).arg("--version").output().is_ok(),
            "{tool} is missing: apt-get install prometheus (.ci/run does)"
        );
    }
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prom-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (ts_port, prom_port) = (free_port(), free_port());
    let mut guard = Procs(Vec::new());
    guard.0.push(
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["serve", "--listen", &format!("127.0.0.1:{ts_port}")])
            .stderr(std::fs::File::create(dir.join("taskstat.log")).expect("log file"))
            .spawn()
            .expect("taskstat serve"),
    );
    wait_until(Duration::from_secs(10), "taskstat serve answering", || {
        TcpStream::connect(("127.0.0.1", ts_port)).is_ok()
    });
    std::fs::write(
        dir.join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: taskstat\n    static_configs:\n      - targets: ['127.0.0.1:{ts_port}']\n"
        ),
    )
    .expect("config");
    guard.0.push(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus"),
    );
    wait_until(Duration::from_secs(30), "Prometheus ready", || {
        TcpStream::connect(("127.0.0.1", prom_port)).is_ok() && get(prom_port, "/-/ready").0 == 200
    });

    // A group whose work is all done by processes of about 50 ms each
    // (on CPU 1), and one with three CPU hogs pinned to CPU 0.
    let (Some(short), Some(hogs)) = (Group2::new("short"), Group2::new("hogs")) else {
        return;
    };
    let burner = example("workload");
    let script = format!(
        "read go; end=$(( $(date +%s) + 15 )); while [ $(date +%s) -lt $end ]; do {} burn-exit 50; done",
        burner.display()
    );
    let mut loop_sh = Command::new("taskset")
        .args(["-c", "1", "sh", "-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .expect("the short-lived loop");
    short.add(loop_sh.id());
    for _ in 0..3 {
        let h = Command::new("taskset")
            .args(["-c", "0", "sh", "-c", "while :; do :; done"])
            .spawn()
            .expect("hog");
        hogs.add(h.id());
        guard.0.push(h);
    }
    // Prometheus has scraped the group before the load starts.
    wait_until(
        Duration::from_secs(20),
        "a first scrape of the group",
        || {
            query(
                prom_port,
                &format!("taskstat_tasks{{cgroup=\"{}\"}}", short.path),
            )
            .is_some()
        },
    );
    loop_sh
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("go");
    let status = loop_sh.wait().expect("the loop");
    assert!(status.success());
    let usage = short.usage_usec();
    // 15 s of it: a busy machine leaves the loop less than a CPU.
    assert!(usage > 1_000_000, "the loop burned {usage} µs");
    // Scrapes after the end, then the hogs are done too.
    std::thread::sleep(Duration::from_secs(3));

    let log = || std::fs::read_to_string(dir.join("taskstat.log")).unwrap_or_default();
    assert_eq!(
        query(prom_port, "up{job=\"taskstat\"}"),
        Some(1.0),
        "taskstat serve said: {}",
        log()
    );
    let cpu = |g: &Group2| format!("taskstat_cpu_seconds_total{{cgroup=\"{}\"}}", g.path);
    let counted = query(
        prom_port,
        &format!(
            "max_over_time({}[1m]) - min_over_time({}[1m])",
            cpu(&short),
            cpu(&short)
        ),
    )
    .expect("a CPU series for the short-lived group");
    let oracle = usage as f64 / 1e6;
    assert!(
        (counted - oracle).abs() <= 0.15 * oracle,
        "taskstat counted {counted:.3} s of CPU, the kernel's cgroup accounting {oracle:.3} s"
    );
    for m in [
        "taskstat_cpu_seconds_total",
        "taskstat_delay_seconds_total",
        "taskstat_context_switches_total",
    ] {
        let resets = query(
            prom_port,
            &format!("max(resets({m}{{cgroup=\"{}\"}}[1m]))", short.path),
        );
        assert_eq!(resets, Some(0.0), "{m} went down");
    }
    let rate = |series: String| {
        query(prom_port, &format!("rate({series}[15s])"))
            .unwrap_or_else(|| panic!("a rate of {series}"))
    };
    let runq = rate(format!(
        "taskstat_delay_seconds_total{{category=\"cpu\",cgroup=\"{}\"}}",
        hogs.path
    ));
    let ran = rate(cpu(&hogs));
    // However busy the rest of the machine, three hogs sharing CPU 0 run
    // at most 1 s/s between them and so wait at least two thirds of the
    // time, give or take the waits in progress at the window's ends. The
    // share holds whenever the sweeps behind the scrapes ran; the sum is 3
    // s/s (each hog always running or waiting) only as closely as a busy
    // machine keeps a sweep near the time of its scrape.
    assert!(
        runq / (runq + ran) >= 0.6,
        "three hogs on one CPU wait two thirds of the time or more: {ran} s/s run, {runq} s/s wait"
    );
    assert!(
        (2.4..=3.6).contains(&(runq + ran)),
        "three hogs always running or waiting: {ran} s/s run + {runq} s/s wait"
    );

    // The exposition itself passes promtool and exports the loss counter.
    let (status, text) = get(ts_port, "/metrics");
    assert_eq!(status, 200);
    assert!(
        text.contains("taskstat_exit_records_lost_total 0"),
        "{text}"
    );
    promtool_check(&text);
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A running `taskstat serve --listen 127.0.0.1:PORT ARGS`, killed on drop.
struct Served {
    proc: Procs,
    port: u16,
}

impl Served {
    fn start(args: &[&str]) -> Served {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .stderr(Stdio::null())
            .spawn()
            .expect("taskstat serve");
        let mut s = Served {
            proc: Procs::one(child),
            port,
        };
        // The socket listens before the first sweep; a request then waits
        // for the server to start.
        wait_until(Duration::from_secs(10), "taskstat serve listening", || {
            if let Some(status) = s.proc.0[0].try_wait().expect("wait") {
                panic!("taskstat serve {args:?} ended: {status:?}");
            }
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert_eq!(get(port, "/").0, 200);
        s
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        s
    }

    /// The descriptors the server has open.
    fn descriptors(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.proc.0[0].id())).map_or(0, |d| d.count())
    }

    fn signal(&self, sig: libc::c_int) {
        self.proc.signal(0, sig);
    }

    /// Its exit status within `within`, or a failed test.
    fn exit_within(&mut self, within: Duration) -> std::process::ExitStatus {
        exit_within(&mut self.proc.0[0], within, "serve to stop on the signal")
    }
}

/// A scrape's body, asserting a 200 with the exposition in it.
fn scrape(port: u16) -> String {
    let (status, body) = get(port, "/metrics");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("# TYPE taskstat_cpu_seconds_total counter"),
        "{body}"
    );
    body
}

/// Whether the server still holds a connection open, without waiting:
/// end of file or a reset means closed, nothing to read means open.
fn still_open(s: &mut TcpStream) -> bool {
    s.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0u8; 512];
    let open = match s.read(&mut buf) {
        Ok(0) => false,
        // Something sent (none is expected, but an answer before a close
        // is not wrong): the next look tells.
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
    };
    s.set_nonblocking(false).expect("blocking");
    open
}

/// The soft descriptor limit raised to the hard one (a thousand
/// connections, both ends in this process and the server).
fn raise_descriptor_limit(need: u64) {
    let mut lim = getrlimit(Resource::Nofile);
    if lim.maximum.is_none_or(|max| max > lim.current.unwrap_or(0)) {
        lim.current = lim.maximum;
        let _ = setrlimit(Resource::Nofile, lim);
    }
    let now = getrlimit(Resource::Nofile).current;
    assert!(
        now.is_none_or(|n| n >= need),
        "the descriptor limit is {now:?}; {need} are needed (ulimit -Hn)"
    );
}

#[test]
fn serve_answers_only_get_metrics_and_outlasts_bad_clients() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_answers_only_get_metrics_and_outlasts_bad_clients") else {
        return;
    };
    let served = Served::start(&[]);
    let port = served.port;
    // A client that sends half a request and waits holds only itself.
    let mut slow = served.connect();
    slow.write_all(b"GET /metr").expect("half a request");
    let start = Instant::now();
    scrape(port);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "a slow client held up a scrape"
    );
    // OpenMetrics when asked for.
    let (status, om) = http(
        port,
        "GET /metrics HTTP/1.0\r\nAccept: application/openmetrics-text;version=1.0.0\r\n\r\n",
    );
    assert_eq!(status, 200);
    assert!(om.ends_with("# EOF\n"), "{om}");
    for (req, want) in [
        ("POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 405),
        ("DELETE / HTTP/1.0\r\n\r\n", 405),
        ("GET /api HTTP/1.0\r\n\r\n", 404),
        ("GET /metrics/../etc/passwd HTTP/1.0\r\n\r\n", 404),
        ("NONSENSE\r\n\r\n", 400),
    ] {
        assert_eq!(http(port, req).0, want, "{req:?}");
    }
    // Still serving, and the slow client is cut off by the timeout.
    assert_eq!(get(port, "/").0, 200);
    slow.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let mut buf = [0u8; 64];
    let waited = Instant::now();
    let cut = slow.read(&mut buf);
    assert!(
        matches!(cut, Ok(0))
            || cut
                .as_ref()
                .is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock),
        "{cut:?}"
    );
    assert!(waited.elapsed() < Duration::from_secs(12), "never cut off");
}

#[test]
fn serve_speaks_http_1_1_within_its_limits() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_speaks_http_1_1_within_its_limits") else {
        return;
    };
    // Every scrape answered from the first sweep: a HEAD's Content-Length
    // can be compared with its GET's body.
    let served = Served::start(&["--cache", "600"]);
    let port = served.port;
    let connect = || BufReader::new(served.connect());
    let get11 = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    // A head over 8 KiB.
    let big = format!(
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(9000)
    );
    assert_eq!(http(port, &big).0, 431);

    // Two requests on one HTTP/1.1 connection, the second a HEAD that asks
    // to close it.
    let mut c = connect();
    c.get_mut().write_all(get11).expect("send");
    let (status, head, body) = read_answer(&mut c, false);
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("# TYPE taskstat_cpu_seconds_total counter"));
    assert_eq!(header(&head, "connection"), None, "{head}");
    c.get_mut()
        .write_all(b"HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .expect("a second request on the connection");
    let (status, head, _) = read_answer(&mut c, true);
    assert_eq!(status, 200, "{head}");
    let len = body.len().to_string();
    assert_eq!(
        header(&head, "content-length"),
        Some(len.as_str()),
        "{head}"
    );
    assert_eq!(header(&head, "connection"), Some("close"), "{head}");
    let mut rest = Vec::new();
    c.read_to_end(&mut rest).expect("closed after the HEAD");
    assert!(rest.is_empty(), "a body after a HEAD: {rest:?}");
    drop(c);

    // A kept-alive connection that asks nothing more is closed once the
    // time for a head has passed (5 s), not held for ever.
    let mut c = connect();
    c.get_mut().write_all(get11).expect("send");
    assert_eq!(read_answer(&mut c, false).0, 200);
    let idle = Instant::now();
    let mut rest = Vec::new();
    let end = c.read_to_end(&mut rest);
    assert!(
        end.is_ok() && rest.is_empty(),
        "an idle kept-alive connection: {end:?} {rest:?}"
    );
    assert!(
        (Duration::from_secs(4)..Duration::from_secs(10)).contains(&idle.elapsed()),
        "an idle kept-alive connection closed after {:?}",
        idle.elapsed()
    );
}

#[test]
fn serve_answers_with_a_thousand_idle_connections_open() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_answers_with_a_thousand_idle_connections_open") else {
        return;
    };
    raise_descriptor_limit(2100);
    let served = Served::start(&[]);
    let before = served.descriptors();
    let start = Instant::now();
    let idle: Vec<TcpStream> = (0..1000).map(|_| served.connect()).collect();
    // The server has taken them all: none waits in the listen queue. (A
    // few to spare: the server opens files in /proc now and then.)
    let held = || served.descriptors() >= before + 990;
    wait_until(
        Duration::from_secs(3),
        "serve holding 1000 connections",
        held,
    );
    scrape(served.port);
    // And held them while it answered: a head may take 5 s to come.
    assert!(
        held(),
        "the idle connections were closed before the scrape ({:?} after the first)",
        start.elapsed()
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    drop(idle);
}

#[test]
fn serve_closes_half_sent_heads_and_scrapes_go_on() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_closes_half_sent_heads_and_scrapes_go_on") else {
        return;
    };
    let served = Served::start(&[]);
    let mut open: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut s = served.connect();
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
                .expect("half a head");
            s
        })
        .collect();
    let start = Instant::now();
    let mut scrapes = 0;
    while !open.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(35),
            "{} of 100 half-sent heads still open after 35 s",
            open.len()
        );
        let t = Instant::now();
        scrape(served.port);
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "a scrape took {:?} beside the slow clients",
            t.elapsed()
        );
        scrapes += 1;
        open.retain_mut(still_open);
        std::thread::sleep(Duration::from_millis(300));
    }
    // The timeout is 5 s: the scrapes above ran while they were held.
    assert!(scrapes >= 3, "only {scrapes} scrapes while they were open");
    scrape(served.port);
}

#[test]
fn serve_refuses_a_huge_head_and_lives_on() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_refuses_a_huge_head_and_lives_on") else {
        return;
    };
    let served = Served::start(&[]);
    let mut s = served.connect();
    s.set_write_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let head = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    // The server stops reading long before the end: the write may fail
    // with a reset or a broken pipe, or fill the socket's buffers.
    let wrote = s.write_all(head.as_bytes());
    let mut got = Vec::new();
    let end = s.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    // Refused: a 431, or a close (end of file or reset) with nothing said;
    // never an answer, and never a connection left hanging (a timeout).
    assert!(
        text.starts_with("HTTP/1.1 431 ") || got.is_empty(),
        "{wrote:?} {end:?} {text}"
    );
    assert!(
        end.is_ok()
            || end.as_ref().is_err_and(|e| {
                matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                )
            }),
        "{wrote:?} {end:?}"
    );
    scrape(served.port);
}

#[test]
fn serve_answers_32_scrapes_at_once() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_answers_32_scrapes_at_once") else {
        return;
    };
    // A sweep for nearly every scrape: those that come together still
    // share one.
    let served = Served::start(&["--cache", "0.001"]);
    let port = served.port;
    let go = std::sync::Barrier::new(32);
    let start = Instant::now();
    std::thread::scope(|s| {
        let scrapers: Vec<_> = (0..32)
            .map(|_| {
                s.spawn(|| {
                    go.wait();
                    scrape(port);
                })
            })
            .collect();
        for t in scrapers {
            t.join().expect("a scrape failed");
        }
    });
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "32 scrapes took {:?}",
        start.elapsed()
    );
}

#[test]
fn serve_exits_0_on_sigterm_and_sigint_after_scrapes_in_flight() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_exits_0_on_sigterm_and_sigint_after_scrapes_in_flight") else {
        return;
    };
    // A sweep of about 0.9 s (--max-rate lets a tenth of the processes
    // through at once, then one per 1/N s), never cached: a scrape is in
    // flight when the signal comes.
    let processes = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        })
        .count();
    let rate = processes.max(10).to_string();
    let mut served = Served::start(&["--cache", "0.001", "--max-rate", &rate]);
    // An idle connection, and one kept alive after an answer.
    let _idle = served.connect();
    let mut kept = BufReader::new(served.connect());
    kept.get_mut()
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send");
    assert_eq!(read_answer(&mut kept, false).0, 200);
    let port = served.port;
    // How long a sweep takes here and now: a busy machine can stretch it
    // past the 2 s that serve gives answers in flight once told to stop.
    let t = Instant::now();
    scrape(port);
    let sweep = t.elapsed();
    let in_flight = std::thread::spawn(move || get(port, "/metrics"));
    std::thread::sleep(Duration::from_millis(300));
    served.signal(libc::SIGTERM);
    let sent = Instant::now();
    let status = served.exit_within(Duration::from_secs(3));
    assert_eq!(status.code(), Some(0), "{status:?} after SIGTERM");
    assert!(sent.elapsed() < Duration::from_secs(3));
    let (code, body) = in_flight.join().expect("the scrape in flight");
    if sweep < Duration::from_millis(1500) || code == 200 {
        assert_eq!(code, 200, "the scrape in flight: {body}");
        assert!(body.contains("taskstat_scrape_duration_seconds"), "{body}");
    } else {
        // Cut off at the end of the grace, as documented: closed, no answer.
        eprintln!(
            "a sweep took {sweep:?}, longer than serve's grace allows: the scrape in flight was cut off"
        );
        assert!(body.is_empty(), "{body}");
    }

    // SIGINT (^C) alike; and a half-sent head delays the stop only by the
    // grace given to answers in flight.
    let mut served = Served::start(&[]);
    let mut slow = served.connect();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("half a head");
    served.signal(libc::SIGINT);
    let status = served.exit_within(Duration::from_secs(3));
    assert_eq!(status.code(), Some(0), "{status:?} after SIGINT");
}

#[test]
fn serve_lists_series_in_a_stable_order_promtool_accepts() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_lists_series_in_a_stable_order_promtool_accepts") else {
        return;
    };
    // Eight groups with a process each: 8 series a family, and dozens of
    // families' worth of orders a hash map would shuffle.
    let mut groups = Vec::new();
    let mut sleepers = Procs(Vec::new());
    for i in 0..8 {
        let Some(g) = Group2::new(&format!("order{i}")) else {
            return;
        };
        let c = Command::new("sleep").arg("60").spawn().expect("sleep");
        g.add(c.id());
        sleepers.0.push(c);
        groups.push(g);
    }
    // A sweep for every scrape, so that the second is encoded anew.
    let served = Served::start(&["--cache", "0.001"]);
    let series = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.rsplit_once(' ').map(|(s, _)| s.to_string()))
            .collect()
    };
    let first = scrape(served.port);
    for g in &groups {
        assert!(
            first.contains(&format!("taskstat_tasks{{cgroup=\"{}\"}} 1", g.path)),
            "{}: {first}",
            g.path
        );
    }
    let second = scrape(served.port);
    let (a, b) = (series(&first), series(&second));
    let common = |x: &[String], y: &[String]| -> Vec<String> {
        x.iter().filter(|s| y.contains(s)).cloned().collect()
    };
    assert_eq!(
        common(&a, &b),
        common(&b, &a),
        "two scrapes listed their series in different orders"
    );
    assert!(common(&a, &b).len() > 8 * 8, "{first}");
    promtool_check(&second);
    drop(sleepers);
}

#[test]
fn serve_writes_a_textfile_atomically_and_stops_with_0() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_writes_a_textfile_atomically_and_stops_with_0") else {
        return;
    };
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("taskstat-{}.prom", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut guard = Procs(vec![
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["serve", "--textfile"])
            .arg(&path)
            .args(["--interval", "0.3"])
            .stderr(Stdio::null())
            .spawn()
            .expect("taskstat serve --textfile"),
    ]);
    wait_until(Duration::from_secs(10), "the textfile", || path.exists());
    std::thread::sleep(Duration::from_millis(700));
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("# TYPE taskstat_cpu_seconds_total counter"),
        "{text}"
    );
    assert!(!text.contains("# EOF"));
    guard.signal(0, libc::SIGTERM);
    let status = exit_within(&mut guard.0[0], Duration::from_secs(3), "serve to stop");
    assert_eq!(status.code(), Some(0), "{status:?} after SIGTERM");
    let _ = std::fs::remove_file(&path);
}

/// What `systemctl stop` does to contrib/taskstat-serve.service: the unit's
/// own ExecStart (on a free port), then its KillSignal (SIGTERM unless the
/// unit says otherwise). A clean stop is an exit status that systemd counts
/// as success without SuccessExitStatus=, within the unit's stop timeout.
#[test]
fn the_serve_unit_stops_cleanly() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("the_serve_unit_stops_cleanly") else {
        return;
    };
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/taskstat-serve.service"
    ))
    .expect("contrib/taskstat-serve.service");
    let setting = |key: &str| {
        unit.lines()
            .filter_map(|l| l.trim().strip_prefix(key)?.strip_prefix('='))
            .next_back()
            .map(str::to_owned)
    };
    assert_eq!(
        setting("SuccessExitStatus"),
        None,
        "a stop must exit 0 by itself"
    );
    let kill = setting("KillSignal").unwrap_or_else(|| "SIGTERM".into());
    let signal = match kill.as_str() {
        "SIGTERM" | "TERM" | "15" => libc::SIGTERM,
        "SIGINT" | "INT" | "2" => libc::SIGINT,
        other => panic!("KillSignal={other}: not one serve stops on"),
    };
    let exec = setting("ExecStart").expect("ExecStart");
    let mut words: Vec<String> = exec.split_whitespace().map(str::to_owned).collect();
    assert_eq!(words[0], "@BINDIR@/taskstat", "{exec}");
    let port = free_port();
    let at = words
        .iter()
        .position(|w| w == "--listen")
        .expect("--listen");
    words[at + 1] = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(&words[1..])
        .stderr(Stdio::null())
        .spawn()
        .expect("the unit's ExecStart");
    let mut served = Served {
        proc: Procs::one(child),
        port,
    };
    wait_until(
        Duration::from_secs(10),
        "the unit's serve listening",
        || TcpStream::connect(("127.0.0.1", port)).is_ok(),
    );
    scrape(port);
    served.signal(signal);
    let status = served.exit_within(Duration::from_secs(3));
    assert_eq!(status.code(), Some(0), "{status:?} after {kill}");
}

/// A loop device over a file, detached on drop.
struct Loop(String);

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.0]).status();
    }
}

/// The kernel's delay-accounting fault, provoked: a task that did no
/// block-I/O wait before starts one (a 4 KiB read throttled to 4 KiB/s)
/// while delay accounting is off, so its start is not stamped, and ends it
/// after accounting is switched on: the kernel adds a wait measured from 0,
/// about as long as the uptime. Every view shows that figure as not
/// measured, and serve's counter does not jump.
#[test]
fn an_impossible_wait_is_not_measured_anywhere() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let test = "an_impossible_wait_is_not_measured_anywhere";
    let Some(_acct) = crate::common::hold_delayacct_alone(test) else {
        return;
    };
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fault-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let backing = tmp.join("disk");
    std::fs::write(&backing, vec![0u8; 1 << 20]).expect("backing file");
    let out = Command::new("losetup")
        .args(["-f", "--show"])
        .arg(&backing)
        .output()
        .expect("losetup (util-linux)");
    assert!(out.status.success(), "losetup: {out:?}");
    let dev = Loop(String::from_utf8_lossy(&out.stdout).trim().to_string());
    let rdev = std::fs::read_to_string(format!(
        "/sys/class/block/{}/dev",
        dev.0.trim_start_matches("/dev/")
    ))
    .expect("the loop device's numbers");
    let blkio = Group2::new_in("/sys/fs/cgroup/blkio", "fault").expect("a blkio (v1) group");
    std::fs::write(
        blkio.dir.join("blkio.throttle.read_bps_device"),
        format!("{} 4096", rdev.trim()),
    )
    .expect("throttle reads");
    let group = Group2::new("fault").expect("a cgroup2 group");

    let served = Served::start(&[]);
    let store = tmp.join("store");
    let spawn = |args: &[&str], out: Stdio| {
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(args)
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("taskstat")
    };
    let recorder = spawn(
        &["record", "-d", "1", "--dir", &store.to_string_lossy()],
        Stdio::null(),
    );
    let heard = tmp.join("listen.ndjson");
    let listener = spawn(
        &["listen", "-f", "ndjson", "--duration", "60"],
        Stdio::from(std::fs::File::create(&heard).expect("listen output")),
    );
    let report = tmp.join("run.json");
    let mut run = spawn(
        &[
            "run",
            "--children",
            "-f",
            "json",
            "-o",
            &report.to_string_lossy(),
            "--",
            &example("workload").to_string_lossy(),
            "fault-read",
            &dev.0,
            &tmp.to_string_lossy(),
        ],
        Stdio::piped(),
    );
    let run_out = run.stdout.take().expect("run's stdout");
    let mut guard = Procs(vec![recorder, listener, run]);
    let mut line = String::new();
    BufReader::new(run_out)
        .read_line(&mut line)
        .expect("the child's pid");
    let pid = line.trim().to_string();
    assert!(
        pid.parse::<u32>().is_ok(),
        "workload fault-read printed {line:?}"
    );
    for g in [&blkio, &group] {
        std::fs::write(g.dir.join("cgroup.procs"), &pid).expect("move the reader");
    }
    std::thread::sleep(Duration::from_millis(1500));
    // The recorder's samples of the reader so far. A busy machine may take
    // seconds over a sweep: replay needs one sample before the read and one
    // begun after it.
    let samples = || {
        let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["dump", "-p", &pid, "--dir"])
            .arg(&store)
            .stderr(Stdio::null())
            .output()
            .expect("dump");
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    wait_until(
        Duration::from_secs(60),
        "a sample of the reader before its read",
        || samples() >= 1,
    );
    let series = format!("cgroup=\"{}\"", group.path);
    let blkio_seconds = |body: &str| -> f64 {
        body.lines()
            .find(|l| {
                l.starts_with("taskstat_delay_seconds_total{")
                    && l.contains(&series)
                    && l.contains("category=\"blkio\"")
            })
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0.0)
    };
    let before = blkio_seconds(&scrape(served.port));

    crate::common::set_delayacct(false);
    std::fs::write(tmp.join("go"), b"").expect("go");
    // Back on once the throttled read waits (state D), not after a fixed
    // time: a busy machine may wake the reader late, and a read begun with
    // accounting on is measured as it should be.
    let stat = format!("/proc/{pid}/stat");
    let state = || {
        let s = String::from_utf8_lossy(&std::fs::read(&stat).unwrap_or_default()).into_owned();
        s.rsplit_once(") ").and_then(|(_, r)| r.chars().next())
    };
    // In read(2) itself: the reader can also block briefly elsewhere (its
    // stat of the "go" file), and accounting switched on before the
    // throttled read began would measure it as it should.
    let syscall = format!("/proc/{pid}/syscall");
    let in_read = || {
        std::fs::read_to_string(&syscall)
            .is_ok_and(|s| s.split_whitespace().next() == Some(libc::SYS_read.to_string().as_str()))
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while !(state() == Some('D') && in_read()) {
        assert!(
            Instant::now() < deadline && !tmp.join("done").exists(),
            "the reader never waited for its read"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    crate::common::set_delayacct(true);
    wait_until(Duration::from_secs(15), "the throttled read", || {
        tmp.join("done").exists()
    });

    for kind in ["pid", "tgid"] {
        let r = crate::common::json(&[kind, &pid, "--json"]);
        assert!(crate::common::not_measured(&r[0], "blkio"), "{kind}: {r}");
    }
    let top = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["top", "-b", "-n", "2", "-d", "0.5", "--json", "-p", &pid])
        .output()
        .expect("top");
    let text = String::from_utf8_lossy(&top.stdout);
    let rows: Vec<Value> = serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .filter_map(Result::ok)
        .flat_map(|v| match v {
            Value::Array(a) => a,
            v => vec![v],
        })
        .flat_map(|t| t["rows"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(!rows.is_empty(), "top: {text}");
    for row in &rows {
        assert!(row["io_percent"].is_null(), "top: {row}");
    }
    std::thread::sleep(Duration::from_millis(1500));
    let body = scrape(served.port);
    let after = blkio_seconds(&body);
    assert!(
        after - before < 10.0,
        "serve's blkio counter jumped from {before} to {after}"
    );
    let rejected = body
        .lines()
        .find(|l| l.starts_with("taskstat_rejected_figures_total{category=\"blkio\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
    assert!(rejected.is_some_and(|n| n >= 1.0), "{body}");

    // The sample after those written by now began after the read.
    let stored = samples();
    wait_until(
        Duration::from_secs(60),
        "a sample of the reader after its read",
        || samples() >= stored + 2,
    );
    std::fs::write(tmp.join("exit"), b"").expect("exit");
    let status = exit_within(&mut guard.0[2], Duration::from_secs(10), "run to end");
    assert!(status.success(), "taskstat run: {status:?}");
    std::thread::sleep(Duration::from_millis(2500));
    let after = blkio_seconds(&scrape(served.port));
    assert!(
        after - before < 10.0,
        "serve's blkio counter jumped from {before} to {after} at the exit"
    );
    let ran: Value =
        serde_json::from_slice(&std::fs::read(&report).expect("run's report")).expect("run's JSON");
    let records = |v: &Value| -> Vec<Value> {
        match v {
            Value::Array(a) => a.clone(),
            v => vec![v.clone()],
        }
    };
    let child = records(&ran)
        .into_iter()
        .chain(records(&ran["processes"]))
        .find(|r| r["pid"] == pid.parse::<u64>().unwrap_or(0))
        .unwrap_or_else(|| panic!("run's report has no record of {pid}: {ran}"));
    assert!(crate::common::not_measured(&child, "blkio"), "run: {child}");
    // Nor is the wait in any record of the tree, its total included.
    for r in records(&ran) {
        let ns = r["delays"]["blkio"]["total_ns"].as_u64().unwrap_or(0);
        assert!(ns < 10_000_000_000, "run: {r}");
    }

    let _ = signal(guard.0[1].id(), libc::SIGINT);
    exit_within(&mut guard.0[1], Duration::from_secs(10), "listen to stop");
    let heard = std::fs::read_to_string(&heard).expect("listen's output");
    let exit = heard
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|r| r["type"] == "pid" && r["id"] == pid.parse::<u64>().unwrap_or(0))
        .unwrap_or_else(|| panic!("listen did not hear {pid}'s exit"));
    assert!(
        crate::common::not_measured(&exit, "blkio"),
        "listen: {exit}"
    );

    let _ = signal(guard.0[0].id(), libc::SIGTERM);
    exit_within(&mut guard.0[0], Duration::from_secs(10), "record to stop");
    let replay = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["replay", "-b", "-n", "100", "-p", &pid, "--dir"])
        .arg(&store)
        .output()
        .expect("replay");
    let text = String::from_utf8_lossy(&replay.stdout);
    let header = text
        .lines()
        .find(|l| l.contains("IO%"))
        .unwrap_or_else(|| panic!("replay: {text}"));
    let io = header
        .split_whitespace()
        .position(|c| c == "IO%")
        .expect("IO%");
    let shown: Vec<&str> = text
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(pid.as_str()))
        .collect();
    assert!(!shown.is_empty(), "replay: {text}");
    // Before the read it waited for nothing; from the sample the wait
    // ended in on, its block-I/O share is not measured, never 100,000 %.
    let io: Vec<&str> = shown
        .iter()
        .filter_map(|r| r.split_whitespace().nth(io))
        .collect();
    assert!(io.contains(&"-"), "replay: {text}");
    for v in &io {
        assert!(
            *v == "-" || v.parse::<f64>().is_ok_and(|p| p <= 100.0),
            "replay: {text}"
        );
    }
    drop(guard);
    drop(group);
    drop(blkio);
    let _ = std::fs::remove_dir_all(&tmp);
}
