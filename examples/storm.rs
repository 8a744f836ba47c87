//! An exit storm for `taskstat listen` tests and benchmarks.
//!
//!     storm SINGLE THREADED [WORKERS]
//!
//! Forks SINGLE single-threaded processes (comm "tsstorm-1") and THREADED
//! processes with three threads each (comm "tsstorm-3"), as fast as WORKERS
//! parallel forkers (default 2) can, and waits for them all. Each threaded
//! process ends with its last thread, so the kernel sends its group record.
//! Prints the number of exiting tasks and processes it caused.

use std::ffi::CString;

fn set_comm(name: &str) {
    let c = CString::new(name).expect("no NUL");
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr() as libc::c_ulong, 0, 0, 0) };
}

fn fork() -> libc::pid_t {
    // SAFETY: the forking process is single-threaded; the child only makes
    // syscalls and, in the threaded case, starts threads of its own.
    unsafe { libc::fork() }
}

fn exit_now(code: i32) -> ! {
    // SAFETY: _exit ends the process without running the parent's atexit state.
    unsafe { libc::_exit(code) }
}

fn reap_all() -> u64 {
    let mut n = 0;
    loop {
        let mut status = 0;
        // SAFETY: waits for any child; status is a valid out-pointer.
        let r = unsafe { libc::waitpid(-1, &mut status, 0) };
        if r <= 0 {
            return n;
        }
        n += 1;
    }
}

fn worker(single: u64, threaded: u64) {
    for _ in 0..single {
        match fork() {
            0 => {
                set_comm("tsstorm-1");
                exit_now(0);
            }
            p if p < 0 => panic!("fork failed"),
            _ => {}
        }
    }
    for _ in 0..threaded {
        match fork() {
            0 => {
                set_comm("tsstorm-3");
                let ts: Vec<_> = (0..2)
                    .map(|_| std::thread::spawn(|| set_comm("tsstorm-3t")))
                    .collect();
                for t in ts {
                    let _ = t.join();
                }
                exit_now(0);
            }
            p if p < 0 => panic!("fork failed"),
            _ => {}
        }
    }
    reap_all();
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let (single, threaded) = match args[..] {
        [s, t] | [s, t, _] => (s, t),
        _ => {
            eprintln!("usage: storm SINGLE THREADED [WORKERS]");
            std::process::exit(2);
        }
    };
    let workers = args.get(2).copied().unwrap_or(2).max(1);
    for w in 0..workers {
        let share = |n: u64| n / workers + u64::from(w < n % workers);
        match fork() {
            0 => {
                set_comm("tsstorm-w");
                worker(share(single), share(threaded));
                exit_now(0);
            }
            p if p < 0 => panic!("fork failed"),
            _ => {}
        }
    }
    reap_all();
    // Tasks: the single ones, three per threaded process, and the workers.
    println!(
        "tasks {} processes {} workers {workers}",
        single + 3 * threaded + workers,
        single + threaded + workers
    );
}
