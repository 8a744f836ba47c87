//! Records from every source, combined: the kernel's replies, completed
//! from /proc where a thread-group reply leaves a process part-empty.

use std::collections::HashMap;
use std::time::Duration;

use crate::client::{Client, ClientError};
use crate::host::procfs;
use crate::model::bounds::{self, Rejected};
use crate::model::{Accounting, Record, RecordView, process};
use crate::wire::RecordKind;

/// The facts a thread-group record is viewed with. Where its delays go
/// past its elapsed time, whether they are possible depends on whether
/// that elapsed time counts the exited threads: the kernel is asked then,
/// once a run (a one-shot query of an ordinary process never asks).
pub fn facts_for(group: &Record, acct: &Accounting, timeout: Duration) -> Accounting {
    let mut a = *acct;
    if a.tgid_counts_exited.is_none() && bounds::hinges_on_exited(&group.stats) {
        a.tgid_counts_exited = crate::probe::tgid_counts_exited_once(timeout);
    }
    a
}

/// A running process: the kernel's thread-group record (getdelays' text is
/// printed from it) and the whole process's view.
pub struct Process {
    pub group: Record,
    pub view: RecordView,
}

/// The process that `id` (a process or any of its threads) belongs to, or
/// None when it is gone.
pub fn process(
    client: &mut Client,
    id: u32,
    acct: &Accounting,
) -> Result<Option<Process>, ClientError> {
    let Some(group) = client.fetch(RecordKind::Tgid, id)? else {
        return Ok(None);
    };
    let acct = &facts_for(&group, acct, client.timeout());
    // The reply names the thread group, whose id is its leader's.
    let leader = client.fetch(RecordKind::Pid, group.id)?;
    let proc = procfs::ProcFiles::read(group.id);
    let view = process::live(&group, leader.as_ref(), &proc, acct);
    Ok(Some(Process { group, view }))
}

/// A live thread's exact I/O from /proc where it can be read (its own
/// process's, or with CAP_SYS_PTRACE): the kernel's record rounds it down
/// to 1024s. Where it cannot, the record keeps the rounded figures and the
/// note that says so.
fn exact_io(view: &mut RecordView, tid: u32) {
    let Some(pid) = view.tgid.or_else(|| procfs::Thread::tgid_of(tid)) else {
        return;
    };
    if let Ok(io) = procfs::Io::read_thread(pid, tid) {
        process::with_thread_io(view, &io);
    }
}

/// Where records come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    /// taskstats when it answers; a partial view from /proc when taskstats
    /// refuses (CAP_NET_ADMIN missing) or is not there.
    Auto,
    /// The kernel's taskstats interface only.
    Taskstats,
    /// /proc only: a partial view that needs no privileges.
    Procfs,
}

/// Why records come from /proc.
pub const NO_CAP: &str = "taskstats needs CAP_NET_ADMIN, which this process lacks";
pub const NO_TASKSTATS: &str = "this kernel has no taskstats";

/// A record and the kernel's struct it came from (None from /proc).
pub type Fetched = (RecordView, Option<Record>);

/// Records from the kernel, or from /proc.
pub struct Records {
    kernel: Option<Client>,
    acct: Accounting,
    /// Why /proc is used, when it is.
    fallback: Option<&'static str>,
    /// `Auto`: the first EPERM from the kernel switches to /proc.
    auto: bool,
    /// Told once, when the switch happens.
    on_fallback: Option<Box<dyn FnMut(&'static str)>>,
    timeout: Duration,
    /// The categories rejected so far of each task that had one
    /// ([`bounds::keep`]), with its start time, which tells a reused id.
    kept: HashMap<(RecordKind, u32), (Option<u64>, Rejected)>,
}

impl Records {
    /// Opens the chosen source. With `Auto`, a kernel without taskstats
    /// means /proc at once, and the first query the kernel refuses (EPERM)
    /// switches to /proc; `on_fallback` is told why, once.
    pub fn open(
        choice: Choice,
        timeout: std::time::Duration,
        acct: Accounting,
        mut on_fallback: impl FnMut(&'static str) + 'static,
    ) -> Result<Records, ClientError> {
        let mut r = Records {
            kernel: None,
            acct,
            fallback: None,
            auto: choice == Choice::Auto,
            on_fallback: None,
            timeout,
            kept: HashMap::new(),
        };
        match choice {
            Choice::Procfs => r.fallback = Some("--source procfs"),
            Choice::Taskstats => r.kernel = Some(Client::connect(timeout)?),
            Choice::Auto => match Client::connect(timeout) {
                Ok(c) => r.kernel = Some(c),
                Err(ClientError::FamilyMissing) => {
                    on_fallback(NO_TASKSTATS);
                    r.fallback = Some(NO_TASKSTATS);
                }
                Err(e) => return Err(e),
            },
        }
        r.on_fallback = Some(Box::new(on_fallback));
        Ok(r)
    }

    /// Whether a kernel error means "use /proc" (and switches to it).
    fn falls_back(&mut self, e: &ClientError) -> bool {
        if !(self.auto && e.errno() == Some(libc::EPERM)) {
            return false;
        }
        self.kernel = None;
        self.fallback = Some(NO_CAP);
        if let Some(f) = self.on_fallback.as_mut() {
            f(NO_CAP);
        }
        true
    }

    /// Why the records come from /proc, when they do.
    pub fn fallback(&self) -> Option<&'static str> {
        self.fallback
    }

    pub fn acct(&self) -> &Accounting {
        &self.acct
    }

    /// Keeps a task's delay categories rejected once they were: its totals
    /// hold the impossible wait for the rest of its life ([`bounds`]).
    fn keep(&mut self, kind: RecordKind, id: u32, v: &mut RecordView, explain: bool) {
        let key = (kind, id);
        if !bounds::any(&v.rejected) && !self.kept.contains_key(&key) {
            return;
        }
        let e = self.kept.entry(key).or_default();
        if v.start_time.is_some() && e.0.is_some() && e.0 != v.start_time {
            *e = (v.start_time, Rejected::default());
        }
        e.0 = e.0.or(v.start_time);
        bounds::keep(
            &mut e.1,
            v.rejected,
            &mut v.delays,
            explain.then_some(&mut v.notes),
        );
        v.rejected = e.1;
    }

    /// The categories rejected so far of a task this source has viewed.
    pub fn rejected_of(&self, kind: RecordKind, id: u32) -> Rejected {
        self.kept.get(&(kind, id)).map(|e| e.1).unwrap_or_default()
    }

    /// One thread's record, or None once it is gone.
    pub fn thread(&mut self, tid: u32) -> Result<Option<Fetched>, ClientError> {
        let acct = self.acct;
        if let Some(c) = self.kernel.as_mut() {
            match c.fetch(RecordKind::Pid, tid) {
                Ok(Some(r)) => {
                    let mut v = r.view(&acct);
                    exact_io(&mut v, tid);
                    self.keep(RecordKind::Pid, tid, &mut v, true);
                    return Ok(Some((v, Some(r))));
                }
                Ok(None) => return Ok(None),
                Err(e) if self.falls_back(&e) => {}
                Err(e) => return Err(e),
            }
        }
        let Some(pid) = procfs::Thread::tgid_of(tid) else {
            return Ok(None);
        };
        Ok(procfs::Thread::read(pid, tid)
            .map(|t| (crate::model::procfs::thread(pid, &t, &acct), None)))
    }

    /// One thread's figures, as [`Records::thread`] without its notes and
    /// without the read of its exact I/O (top's samples of every thread:
    /// rates of storage bytes lose nothing to the kernel's rounding).
    pub fn thread_figures(&mut self, tid: u32) -> Result<Option<RecordView>, ClientError> {
        let acct = self.acct;
        if let Some(c) = self.kernel.as_mut() {
            match c.fetch(RecordKind::Pid, tid) {
                Ok(r) => return Ok(r.map(|r| r.figures(&acct))),
                Err(e) if self.falls_back(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.thread(tid)?.map(|(v, _)| v))
    }

    /// The whole process `id` (a process or any of its threads) belongs
    /// to, or None once it is gone.
    pub fn process(&mut self, id: u32) -> Result<Option<Fetched>, ClientError> {
        let acct = self.acct;
        if let Some(c) = self.kernel.as_mut() {
            match process(c, id, &acct) {
                Ok(Some(mut p)) => {
                    self.keep(RecordKind::Tgid, p.group.id, &mut p.view, true);
                    return Ok(Some((p.view, Some(p.group))));
                }
                Ok(None) => return Ok(None),
                Err(e) if self.falls_back(&e) => {}
                Err(e) => return Err(e),
            }
        }
        let Some(pid) = procfs::Thread::tgid_of(id) else {
            return Ok(None);
        };
        let threads: Vec<procfs::Thread> = procfs::thread_ids(pid)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|tid| procfs::Thread::read(pid, tid))
            .collect();
        if threads.is_empty() {
            return Ok(None);
        }
        let proc = procfs::ProcFiles::read(pid);
        Ok(Some((
            crate::model::procfs::process(&proc, &threads, &acct),
            None,
        )))
    }

    /// The kernel's thread-group record as it came, without /proc: None
    /// when records come from /proc or the process is gone. What the
    /// recorder asks first, to learn whether a process ran at all.
    pub fn group_record(&mut self, id: u32) -> Result<Option<Record>, ClientError> {
        match self.kernel.as_mut() {
            Some(c) => c.fetch(RecordKind::Tgid, id),
            None => Ok(None),
        }
    }

    /// The kernel's thread-group record alone (what top samples); from
    /// /proc, the process record. Figures only: no notes, and from the
    /// kernel no I/O (top reads each process's own from its held files).
    pub fn group(&mut self, id: u32) -> Result<Option<RecordView>, ClientError> {
        let acct = self.acct;
        if let Some(c) = self.kernel.as_mut() {
            match c.fetch(RecordKind::Tgid, id) {
                Ok(Some(r)) => {
                    let mut view = r.figures(&facts_for(&r, &acct, self.timeout));
                    self.keep(RecordKind::Tgid, r.id, &mut view, false);
                    return Ok(Some(view));
                }
                Ok(None) => return Ok(None),
                Err(e) if self.falls_back(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.process(id)?.map(|(v, _)| v))
    }
}
