//! `taskstat serve` scraped by a real Prometheus (Debian's `prometheus`,
//! which .ci/run installs), with the kernel's cgroup2 CPU accounting as the
//! oracle. Part of the exits binary: it counts exits and pins hogs to a CPU.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Group2, example, kernel};

/// Kills and reaps its processes on drop.
struct Guard(Vec<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

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

fn wait_until(what: &str, within: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ok() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen in {within:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
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
    let mut guard = Guard(Vec::new());
    guard.0.push(
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["serve", "--listen", &format!("127.0.0.1:{ts_port}")])
            .stderr(std::fs::File::create(dir.join("taskstat.log")).expect("log file"))
            .spawn()
            .expect("taskstat serve"),
    );
    wait_until("taskstat serve answering", Duration::from_secs(10), || {
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
    wait_until("Prometheus ready", Duration::from_secs(30), || {
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
        "a first scrape of the group",
        Duration::from_secs(20),
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
    assert!(usage > 2_000_000, "the loop burned {usage} µs");
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
    let runq = query(
        prom_port,
        &format!(
            "rate(taskstat_delay_seconds_total{{category=\"cpu\",cgroup=\"{}\"}}[10s])",
            hogs.path
        ),
    )
    .expect("a run-queue rate for the hogs");
    assert!(
        (1.6..2.4).contains(&runq),
        "three hogs on one CPU wait about 2 s/s: {runq}"
    );

    // The exposition itself passes promtool and exports the loss counter.
    let (status, text) = get(ts_port, "/metrics");
    assert_eq!(status, 200);
    assert!(
        text.contains("taskstat_exit_records_lost_total 0"),
        "{text}"
    );
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    promtool
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("feed promtool");
    let out = promtool.wait_with_output().expect("promtool");
    assert!(out.status.success(), "promtool: {out:?}");
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_answers_only_get_metrics_and_outlasts_bad_clients() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_answers_only_get_metrics_and_outlasts_bad_clients") else {
        return;
    };
    let port = free_port();
    let _guard = Guard(vec![
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stderr(Stdio::null())
            .spawn()
            .expect("taskstat serve"),
    ]);
    wait_until("taskstat serve answering", Duration::from_secs(10), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    // A client that sends half a request and waits holds only itself.
    let mut slow = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    slow.write_all(b"GET /metr").expect("half a request");
    let start = Instant::now();
    let (status, body) = get(port, "/metrics");
    assert_eq!(status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "a slow client held up a scrape"
    );
    assert!(body.contains("# TYPE taskstat_cpu_seconds_total counter"));
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
    let port = free_port();
    // Every scrape answered from the first sweep: a HEAD's Content-Length
    // can be compared with its GET's body.
    let _guard = Guard(vec![
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--cache", "600"])
            .stderr(Stdio::null())
            .spawn()
            .expect("taskstat serve"),
    ]);
    wait_until("taskstat serve answering", Duration::from_secs(10), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let connect = || {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        BufReader::new(s)
    };
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

    // Sixteen idle connections are held, the seventeenth closed at once.
    // The server's ends of the connections above close too, in a moment.
    std::thread::sleep(Duration::from_millis(500));
    let mut held: Vec<_> = (0..16).map(|_| connect()).collect();
    let mut extra = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    extra
        .set_read_timeout(Some(Duration::from_secs(4)))
        .expect("timeout");
    let start = Instant::now();
    let cut = extra.read(&mut [0u8; 64]);
    assert!(
        matches!(cut, Ok(0))
            || cut
                .as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "the seventeenth connection: {cut:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "the seventeenth connection waited {:?}",
        start.elapsed()
    );
    for (i, c) in held.iter_mut().enumerate() {
        c.get_mut().write_all(get11).expect("send");
        let (status, head, _) = read_answer(c, false);
        assert_eq!(status, 200, "held connection {i}: {head}");
    }
}

#[test]
fn serve_writes_a_textfile_atomically() {
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("serve_writes_a_textfile_atomically") else {
        return;
    };
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("taskstat-{}.prom", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let _guard = Guard(vec![
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["serve", "--textfile"])
            .arg(&path)
            .args(["--interval", "0.3"])
            .stderr(Stdio::null())
            .spawn()
            .expect("taskstat serve --textfile"),
    ]);
    wait_until("the textfile", Duration::from_secs(10), || path.exists());
    std::thread::sleep(Duration::from_millis(700));
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.contains("# TYPE taskstat_cpu_seconds_total counter"),
        "{text}"
    );
    assert!(!text.contains("# EOF"));
    let _ = std::fs::remove_file(&path);
}
