//! A workload with known effects, for the live-kernel tests.
//!
//!     workload burn MS             burn MS ms of CPU time
//!     workload sleep N MS          sleep N times for MS ms (N voluntary switches)
//!     workload write BYTES PATH    write BYTES to PATH, then fsync
//!     workload write-exit BYTES PATH  the same, then exit (no SIGSTOP)
//!     workload reads N PATH        N read syscalls of one byte of PATH
//!     workload reap-writer BYTES PATH  run `workload write-exit BYTES PATH` as
//!                                  a child, wait for it (its I/O goes into this
//!                                  process's /proc/PID/io), remove PATH
//!     workload threads N MS        N threads, each burns MS ms of CPU, all stay alive
//!     workload exit-threads N MS BYTES DIR CODE
//!                                  N threads each burn MS ms of CPU and write+fsync
//!                                  BYTES to a file in DIR, and finish; then the
//!                                  main thread exits with CODE (no SIGSTOP)
//!
//!     workload io-threads N BYTES DIR
//!                                  N threads each write+fsync BYTES to a file in
//!                                  DIR, read it back, remove it and finish; one
//!                                  more thread stays alive
//!     workload write-for MS PATH   write 1 MiB chunks to PATH with fsync for MS ms
//!                                  (rewriting it from the start every 64 MiB), then stop
//!     workload burn-exit MS        burn MS ms of CPU time and exit (no SIGSTOP)
//!     workload fault-read DEV DIR  prints the pid of a child that, once DIR/go
//!                                  exists, reads 4 KiB of DEV with O_DIRECT,
//!                                  creates DIR/done, and exits once DIR/exit exists
//!     workload launch N PAR CMD ARG...
//!                                  once a line comes on stdin, runs CMD ARG... N
//!                                  times, PAR at once ({} in an ARG is the run's
//!                                  number), and prints `done N failed F`; exits
//!                                  once stdin ends (no SIGSTOP): a parent that
//!                                  outlives its children, whose exits are theirs alone
//!     workload named NAME          names itself NAME (prctl PR_SET_NAME)
//!     workload named-bytes HEX [exit]  names itself with the bytes HEX spells
//!                                  (any bytes but NUL); with `exit`, then exits
//!
//! When the work is done it stops itself with SIGSTOP (the whole process), so
//! that its figures hold still while the tests read them. The tests kill it.

use std::io::Write;
use std::sync::{Arc, Barrier};
use std::time::Duration;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out-pointer to a local timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn burn(ms: u64) -> u64 {
    let start = thread_cpu_ns();
    let mut x = 0u64;
    while thread_cpu_ns() - start < ms * 1_000_000 {
        for i in 0..10_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        }
    }
    std::hint::black_box(x)
}

fn arg(args: &[String], i: usize) -> u64 {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or_else(|| {
        eprintln!("workload: argument {i} must be a number");
        std::process::exit(2)
    })
}

fn stop_self() {
    println!("ready");
    let _ = std::io::stdout().flush();
    // SAFETY: plain syscalls on our own pid.
    unsafe { libc::kill(libc::getpid(), libc::SIGSTOP) };
}

/// `launch N PAR CMD ARG...`: the children are started and reaped here
/// and nowhere else, so that their exit records are the only ones that
/// come from this process's children.
fn launch(args: &[String]) {
    let (n, par) = (arg(args, 2), arg(args, 3).max(1));
    let Some((cmd, rest)) = args.get(4..).and_then(<[String]>::split_first) else {
        eprintln!("workload: launch N PAR CMD ARG...");
        std::process::exit(2)
    };
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let (mut running, mut failed) = (0u64, 0u64);
    let mut reap = |running: &mut u64| {
        let mut status = 0;
        // SAFETY: waits for any child of this process, into a local.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid <= 0 {
            eprintln!("workload: waitpid: {}", std::io::Error::last_os_error());
            std::process::exit(1);
        }
        *running -= 1;
        if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
            failed += 1;
        }
    };
    for i in 0..n {
        if running == par {
            reap(&mut running);
        }
        let i = i.to_string();
        let spawned = std::process::Command::new(cmd)
            .args(rest.iter().map(|a| a.replace("{}", &i)))
            .spawn();
        match spawned {
            // Reaped by waitpid above, not by the handle.
            Ok(_) => running += 1,
            Err(e) => {
                eprintln!("workload: cannot start {cmd}: {e}");
                std::process::exit(1);
            }
        }
    }
    while running > 0 {
        reap(&mut running);
    }
    println!("done {n} failed {failed}");
    let _ = std::io::stdout().flush();
    // Alive until told: an exit of its own would be one more in its group.
    while std::io::stdin().read_line(&mut line).is_ok_and(|r| r > 0) {}
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("burn") => {
            burn(arg(&args, 2));
            stop_self();
        }
        Some("sleep") => {
            for _ in 0..arg(&args, 2) {
                std::thread::sleep(Duration::from_millis(arg(&args, 3)));
            }
            stop_self();
        }
        Some(mode @ ("write" | "write-exit")) => {
            let path = args.get(3).expect("workload write BYTES PATH");
            let mut f = std::fs::File::create(path).expect("create the file");
            let chunk = vec![0xa5u8; 64 * 1024];
            let mut left = arg(&args, 2) as usize;
            while left > 0 {
                let n = left.min(chunk.len());
                f.write_all(&chunk[..n]).expect("write");
                left -= n;
            }
            f.sync_all().expect("fsync");
            if mode == "write-exit" {
                return;
            }
            stop_self();
        }
        Some("fault-read") => {
            // A child that has done no block-I/O wait before (a fresh
            // task's start stamps are 0), so that the fault shows.
            let dev = args.get(2).expect("workload fault-read DEV DIR");
            let dir = args.get(3).expect("workload fault-read DEV DIR");
            let exe = std::env::current_exe().expect("own path");
            let mut child = std::process::Command::new(exe)
                .args(["fault-child", dev, dir])
                .spawn()
                .expect("start the child");
            println!("{}", child.id());
            let _ = std::io::stdout().flush();
            let _ = child.wait();
            return;
        }
        Some("fault-child") => {
            use std::os::unix::fs::OpenOptionsExt;
            let (dev, dir) = (&args[2], std::path::Path::new(&args[3]));
            let wait_for = |name: &str| {
                while !dir.join(name).exists() {
                    std::thread::sleep(Duration::from_millis(5));
                }
            };
            // Opened before "go": the read is the only block-I/O wait.
            let mut f = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECT)
                .open(dev)
                .expect("open the device");
            let mut buf = vec![0u8; 3 * 4096];
            let off = buf.as_ptr().align_offset(4096);
            wait_for("go");
            std::io::Read::read_exact(&mut f, &mut buf[off..off + 4096]).expect("read");
            std::fs::write(dir.join("done"), b"").expect("done");
            wait_for("exit");
            return;
        }
        Some("reads") => {
            use std::os::unix::fs::FileExt;
            let path = args.get(3).expect("workload reads N PATH");
            let f = std::fs::File::open(path).expect("open the file");
            let mut byte = [0u8; 1];
            for _ in 0..arg(&args, 2) {
                f.read_at(&mut byte, 0).expect("read");
            }
            stop_self();
        }
        Some("reap-writer") => {
            let path = args.get(3).expect("workload reap-writer BYTES PATH");
            let exe = std::env::current_exe().expect("own path");
            let status = std::process::Command::new(exe)
                .args(["write-exit", &arg(&args, 2).to_string(), path])
                .status()
                .expect("run the writer");
            assert!(status.success(), "the writer failed: {status}");
            let _ = std::fs::remove_file(path);
            stop_self();
        }
        Some("threads") => {
            let n = arg(&args, 2) as usize;
            let ms = arg(&args, 3);
            let ready = Arc::new(Barrier::new(n + 1));
            let _threads: Vec<_> = (0..n)
                .map(|_| {
                    let ready = Arc::clone(&ready);
                    std::thread::spawn(move || {
                        burn(ms);
                        ready.wait();
                        loop {
                            std::thread::park();
                        }
                    })
                })
                .collect();
            ready.wait();
            stop_self();
        }
        Some("exit-threads") => {
            let n = arg(&args, 2) as usize;
            let ms = arg(&args, 3);
            let bytes = arg(&args, 4) as usize;
            let dir = std::path::PathBuf::from(args.get(5).expect("DIR"));
            let code = arg(&args, 6) as i32;
            let threads: Vec<_> = (0..n)
                .map(|i| {
                    let path = dir.join(format!("exit-threads-{}-{i}.dat", std::process::id()));
                    std::thread::spawn(move || {
                        burn(ms);
                        let mut f = std::fs::File::create(&path).expect("create");
                        f.write_all(&vec![0x5au8; bytes]).expect("write");
                        f.sync_all().expect("fsync");
                        let _ = std::fs::remove_file(&path);
                    })
                })
                .collect();
            for t in threads {
                t.join().expect("worker thread");
            }
            std::process::exit(code);
        }
        Some("io-threads") => {
            let n = arg(&args, 2) as usize;
            let bytes = arg(&args, 3) as usize;
            let dir = std::path::PathBuf::from(args.get(4).expect("DIR"));
            let workers: Vec<_> = (0..n)
                .map(|i| {
                    let path = dir.join(format!("io-threads-{}-{i}.dat", std::process::id()));
                    std::thread::spawn(move || {
                        let mut f = std::fs::File::create(&path).expect("create");
                        f.write_all(&vec![0x3cu8; bytes]).expect("write");
                        f.sync_all().expect("fsync");
                        let back = std::fs::read(&path).expect("read back");
                        assert_eq!(back.len(), bytes);
                        let _ = std::fs::remove_file(&path);
                    })
                })
                .collect();
            for w in workers {
                w.join().expect("worker thread");
            }
            let ready = Arc::new(Barrier::new(2));
            let r = Arc::clone(&ready);
            std::thread::spawn(move || {
                r.wait();
                loop {
                    std::thread::park();
                }
            });
            ready.wait();
            stop_self();
        }
        Some("write-for") => {
            let ms = arg(&args, 2);
            let path = args.get(3).expect("workload write-for MS PATH");
            let mut f = std::fs::File::create(path).expect("create the file");
            let chunk = vec![0x77u8; 1 << 20];
            let start = std::time::Instant::now();
            let mut n = 0u64;
            while start.elapsed() < Duration::from_millis(ms) {
                if n % 64 == 0 {
                    use std::io::Seek;
                    f.rewind().expect("rewind");
                }
                f.write_all(&chunk).expect("write");
                f.sync_data().expect("fsync");
                n += 1;
            }
            stop_self();
        }
        Some("launch") => {
            launch(&args);
            return;
        }
        Some("burn-exit") => {
            burn(arg(&args, 2));
            std::process::exit(0);
        }
        Some("leader-exits-first") => {
            // A thread named NAME outlives the leader: it is the last thread
            // of the process and sends the process's exit record.
            let name = args.get(2).cloned().unwrap_or_else(|| "lastthread".into());
            std::thread::Builder::new()
                .name(name)
                .spawn(|| {
                    std::thread::sleep(Duration::from_millis(300));
                    std::process::exit(0);
                })
                .expect("spawn the thread");
            // SAFETY: exit(2) of this thread alone (not exit_group): the
            // leader ends, the other thread goes on.
            unsafe { libc::syscall(libc::SYS_exit, 0) };
        }
        Some("named") => {
            let name = args.get(2).expect("workload named NAME");
            let c = std::ffi::CString::new(name.as_bytes()).expect("no NUL in NAME");
            // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
            unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr(), 0, 0, 0) };
            stop_self();
        }
        Some("named-bytes") => {
            // Names that are not UTF-8 cannot come through argv as a String.
            let hex = args.get(2).map(String::as_str).unwrap_or_default();
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                .collect();
            let c = std::ffi::CString::new(bytes).expect("no NUL in NAME");
            // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
            unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr(), 0, 0, 0) };
            if args.get(3).map(String::as_str) == Some("exit") {
                std::process::exit(0);
            }
            stop_self();
        }
        _ => {
            eprintln!(
                "usage: workload burn MS | sleep N MS | write BYTES PATH | threads N MS | exit-threads N MS BYTES DIR CODE | io-threads N BYTES DIR | write-for MS PATH | burn-exit MS | launch N PAR CMD ARG... | named NAME | named-bytes HEX [exit]"
            );
            std::process::exit(2);
        }
    }
    // Resumed (SIGCONT): park until killed.
    loop {
        std::thread::park();
    }
}
