//! Shared by `listen` and `run`: a socket registered for exit records, and
//! the signals that end a listening loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::client::Client;
use crate::exit::Usage;
use crate::host::{cpulist, system};
use anyhow::bail;

/// A client registered for the exit records of `cpus`.
pub struct ExitListener {
    pub client: Client,
    pub cpus: String,
    pub rcvbuf: usize,
    registered: bool,
}

impl ExitListener {
    pub fn open(
        cpus: Option<&[u32]>,
        rcvbuf: u64,
        timeout: Duration,
    ) -> anyhow::Result<ExitListener> {
        let possible = cpulist::possible();
        let cpus = match (cpus, &possible) {
            (Some(c), Some(p)) => {
                if let Some(bad) = c.iter().find(|c| !p.contains(c)) {
                    return Err(usage(format!(
                        "--cpus: CPU {bad} does not exist on this machine (possible CPUs: {})",
                        cpulist::format(p)
                    )));
                }
                cpulist::format(c)
            }
            (Some(c), None) => cpulist::format(c),
            (None, Some(p)) => cpulist::format(p),
            (None, None) => {
                bail!("cannot read /sys/devices/system/cpu/possible: give the CPUs with --cpus")
            }
        };
        let mut client = Client::connect(timeout)?;
        let granted = client.set_receive_buffer(usize::try_from(rcvbuf).unwrap_or(usize::MAX))?;
        if system::in_initial_net_ns() == Some(false) {
            crate::exit::warn(
                "this is not the initial network namespace: the kernel delivers exit records only there, so none will arrive; run taskstat on the host's network",
            );
        }
        match client.register(&cpus) {
            Ok(()) => {}
            // The cpulist was checked above: EINVAL here is the pid namespace.
            Err(e) if e.errno() == Some(libc::EINVAL) => bail!(
                "the kernel refused to register (EINVAL): it sends exit records only to listeners in the initial pid namespace; run taskstat in the host's pid namespace"
            ),
            Err(e) if e.errno() == Some(libc::ERANGE) => {
                return Err(usage(format!(
                    "--cpus {cpus}: the kernel says these CPUs are out of range (ERANGE)"
                )));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(ExitListener {
            client,
            cpus,
            rcvbuf: granted,
            registered: true,
        })
    }

    /// Deregisters; a failure is reported, as the kernel drops a dead
    /// listener by itself on its next failed delivery.
    pub fn close(&mut self) {
        if self.registered {
            self.registered = false;
            if let Err(e) = self.client.deregister(&self.cpus) {
                crate::exit::warn(&format!(
                    "{e} (the kernel will drop this listener by itself)"
                ));
            }
        }
    }
}

impl Drop for ExitListener {
    fn drop(&mut self) {
        self.close();
    }
}

fn usage(msg: String) -> anyhow::Error {
    Usage(msg).into()
}

/// Flags raised by SIGINT and SIGTERM.
pub struct Stop {
    pub int: Arc<AtomicBool>,
    pub term: Arc<AtomicBool>,
}

impl Stop {
    pub fn install() -> anyhow::Result<Stop> {
        let int = Arc::new(AtomicBool::new(false));
        let term = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&int))?;
        signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&term))?;
        Ok(Stop { int, term })
    }

    pub fn requested(&self) -> bool {
        self.int.load(Ordering::Relaxed) || self.term.load(Ordering::Relaxed)
    }

    /// 128 + the signal that stopped us, like a shell reports it.
    pub fn exit_status(&self) -> Option<u8> {
        if self.int.load(Ordering::Relaxed) {
            Some(128 + libc::SIGINT as u8)
        } else if self.term.load(Ordering::Relaxed) {
            Some(128 + libc::SIGTERM as u8)
        } else {
            None
        }
    }
}

/// Whether an error is "the reader of stdout went away".
pub fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}
