//! The published record schema: what json, ndjson, csv and tables print.
//! Key names and types are a contract (docs in [`super::schema`]).

use serde::{Deserialize, Serialize};

use super::figures::{
    ContextSwitchesView, CpuView, DelayView, Delays, IoView, MaxAt, MemoryView, average_ns,
};
use super::notes::{
    NOTE_DELAYACCT_OFF, NOTE_IO_ROUNDED, NOTE_MAX_AT_PREFIX, NOTE_MAX_LEN, NOTE_NO_EXIT,
    NOTE_SOFTIRQ_PREFIX, NOTE_TGID, NOTE_UNVERSIONED, Note,
};
use super::{Accounting, Record, bounds};
use crate::wire::{Category, Extension, KNOWN_VERSION, RawDelay, RecordKind, TaskStats};

/// The published record schema. Key names and types are a contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    #[serde(rename = "type")]
    pub kind: RecordKind,
    pub id: u32,
    /// Where the record came from.
    pub source: RecordSource,
    /// The kernel's struct version; null for a /proc record.
    pub version: Option<u16>,
    pub comm: Option<String>,
    pub pid: Option<u32>,
    pub tgid: Option<u32>,
    pub ppid: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub nice: Option<i8>,
    pub sched_policy: Option<u8>,
    pub flags: Option<u8>,
    pub exit_code: Option<u32>,
    /// Epoch seconds.
    pub start_time: Option<u64>,
    pub elapsed_us: Option<u64>,
    pub group_elapsed_us: Option<u64>,
    pub exe_dev: Option<u64>,
    pub exe_inode: Option<u64>,
    pub cpu: CpuView,
    pub delays: Delays,
    pub context_switches: ContextSwitchesView,
    pub io: IoView,
    pub memory: MemoryView,
    /// Where each part of the record came from.
    pub sources: Sources,
    /// Why figures are null, one sentence each.
    pub notes: Vec<Note>,
    /// The delay categories nulled because they broke a bound the kernel
    /// guarantees ([`super::bounds`]); the notes say so in words. Not part
    /// of the schema: consumers that follow a task keep them rejected.
    #[serde(skip)]
    pub rejected: super::bounds::Rejected,
}

/// The source of a record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordSource {
    /// The kernel's taskstats interface: every figure it keeps.
    #[default]
    Taskstats,
    /// /proc, readable without privileges: a partial view.
    Procfs,
}

/// Where each part of a record came from; null where nothing provided it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    /// comm, the ids, nice, policy, flags, exit status, start time, exe.
    pub identity: Option<Source>,
    pub cpu: Option<Source>,
    pub delays: Option<Source>,
    pub context_switches: Option<Source>,
    pub io: Option<Source>,
    pub memory: Option<Source>,
}

impl Sources {
    /// Every part from one source.
    pub fn all(s: Source) -> Sources {
        Sources {
            identity: Some(s),
            cpu: Some(s),
            delays: Some(s),
            context_switches: Some(s),
            io: Some(s),
            memory: Some(s),
        }
    }

    /// The parts a thread-group record sums, from `s`; the rest from nowhere.
    pub fn summed(s: Source) -> Sources {
        Sources {
            cpu: Some(s),
            delays: Some(s),
            context_switches: Some(s),
            ..Sources::default()
        }
    }
}

/// Where a part of a record came from: the values of the schema's
/// `sources`. An enum, not strings, so that a serializer writes each name
/// as it writes a key, without looking for what to escape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// A task's own record from the kernel.
    #[serde(rename = "taskstats pid record")]
    Pid,
    /// The kernel's thread-group record: sums over the threads.
    #[serde(rename = "taskstats tgid record")]
    Tgid,
    /// A process's own exit records.
    #[serde(rename = "taskstats exit records of its threads")]
    Exit,
    /// The thread group leader's own record.
    #[serde(rename = "taskstats pid record of the leader")]
    Leader,
    /// The whole process's I/O, live and exited threads, of a process that
    /// has reaped no child (whose I/O the file would add).
    #[serde(rename = "/proc/PID/io")]
    ProcIo,
    /// A thread's own I/O, exact.
    #[serde(rename = "/proc/PID/task/TID/io")]
    ProcTaskIo,
    /// A process's live threads' own I/O, summed: a process that has
    /// reaped children.
    #[serde(rename = "/proc/PID/task/*/io")]
    ProcThreadsIo,
    /// Peaks from /proc/PID/status, faults from /proc/PID/stat.
    #[serde(rename = "/proc/PID/status and /proc/PID/stat")]
    ProcMemory,
    /// comm, ids, nice, policy and start time from /proc.
    #[serde(rename = "/proc/PID/stat, /proc/PID/status and /proc/PID/comm")]
    ProcIdentity,
    /// Where each part of a /proc record came from.
    #[serde(rename = "/proc")]
    Proc,
}

pub const SOURCE_PID: Source = Source::Pid;
pub const SOURCE_TGID: Source = Source::Tgid;

fn delay_view(raw: &RawDelay, with_extremes: bool) -> DelayView {
    DelayView {
        count: raw.count,
        total_ns: raw.total_ns,
        average_ns: average_ns(raw.count, raw.total_ns),
        max_ns: raw.max_ns.filter(|_| with_extremes),
        min_ns: raw.min_ns.filter(|_| with_extremes),
        // A zero timespec means "never set" (getdelays prints N/A).
        max_at: raw
            .max_ts
            .filter(|t| with_extremes && (t.sec, t.nsec) != (0, 0))
            .map(|t| MaxAt {
                sec: t.sec,
                nsec: t.nsec,
            }),
    }
}

impl Record {
    pub fn view(&self, ctx: &Accounting) -> RecordView {
        self.view_with(ctx, true)
    }

    /// The figures alone, without the notes that explain nulls: for views
    /// that only compute rates (top's samples, thousands a refresh).
    pub fn figures(&self, ctx: &Accounting) -> RecordView {
        self.view_with(ctx, false)
    }

    fn view_with(&self, ctx: &Accounting, explain: bool) -> RecordView {
        let s = &self.stats;
        let tgid_record = self.kind == RecordKind::Tgid;
        // For a thread group, the kernel leaves per-task fields empty.
        let task = |v: Option<u64>| if tgid_record { None } else { v };
        let task32 = |v: Option<u32>| if tgid_record { None } else { v };
        let mut notes = Vec::new();

        let delayacct_off = ctx.delayacct == Some(false);
        // The cpu delay comes from scheduler statistics, kept either way.
        let delays = s.delays.map(|c, raw| {
            if delayacct_off && c != Category::Cpu {
                DelayView::default()
            } else {
                delay_view(raw, !tgid_record)
            }
        });

        let mut delays = delays;
        // A thread's waits lie inside its life; a group's inside its
        // threads' lives, which its elapsed time sums only where the
        // kernel counts exited threads in it.
        let bound = s
            .ac_etime
            .filter(|_| !tgid_record || ctx.tgid_counts_exited == Some(true));
        let rejected = match bound {
            Some(us) => bounds::enforce(
                &mut delays,
                bounds::budget_ns(us),
                us,
                explain.then_some(&mut notes),
            ),
            None => bounds::Rejected::default(),
        };

        if explain && s.unversioned {
            notes.push(Note::Borrowed(NOTE_UNVERSIONED));
        } else if tgid_record && explain {
            notes.push(Note::Borrowed(NOTE_TGID));
        }
        if delayacct_off && explain {
            notes.push(Note::Borrowed(NOTE_DELAYACCT_OFF));
        }
        if explain {
            notes.extend(version_notes_cached(s));
        }
        // bacct_add_tsk() sets ac_exitcode only for a task that is exiting
        // (PF_EXITING): a query's 0 is no exit status, and any other value
        // is that of a task caught exiting.
        let exit_code =
            task32(s.ac_exitcode).filter(|&c| self.origin == crate::wire::Origin::Exit || c != 0);
        if explain && exit_code.is_none() && task32(s.ac_exitcode).is_some() {
            notes.push(Note::Borrowed(NOTE_NO_EXIT));
        }
        if explain && task(s.read_syscalls).is_some() {
            notes.push(Note::Borrowed(NOTE_IO_ROUNDED));
        }

        RecordView {
            kind: self.kind,
            id: self.id,
            source: RecordSource::Taskstats,
            version: Some(s.version),
            comm: s
                .ac_comm
                .as_ref()
                .filter(|_| !tgid_record)
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            pid: task32(s.ac_pid),
            tgid: task32(s.ac_tgid),
            ppid: task32(s.ac_ppid),
            uid: task32(s.ac_uid),
            gid: task32(s.ac_gid),
            nice: s.ac_nice.filter(|_| !tgid_record).map(|n| n as i8),
            sched_policy: s.ac_sched.filter(|_| !tgid_record),
            flags: s.ac_flag.filter(|_| !tgid_record),
            exit_code,
            start_time: task(s.ac_btime64.or(s.ac_btime.map(u64::from))),
            elapsed_us: s.ac_etime,
            group_elapsed_us: task(s.ac_tgetime),
            exe_dev: task(s.ac_exe_dev),
            exe_inode: task(s.ac_exe_inode),
            cpu: CpuView {
                user_us: s.ac_utime,
                system_us: s.ac_stime,
                user_scaled_us: task(s.ac_utimescaled),
                system_scaled_us: task(s.ac_stimescaled),
                run_real_ns: s.cpu_run_real_total,
                run_virtual_ns: s.cpu_run_virtual_total,
                run_scaled_ns: s.cpu_scaled_run_real_total,
            },
            delays,
            context_switches: ContextSwitchesView {
                voluntary: s.nvcsw,
                involuntary: s.nivcsw,
            },
            io: IoView {
                read_bytes: task(s.read_bytes),
                write_bytes: task(s.write_bytes),
                cancelled_write_bytes: task(s.cancelled_write_bytes),
                read_chars: task(s.read_char),
                write_chars: task(s.write_char),
                read_syscalls: task(s.read_syscalls),
                write_syscalls: task(s.write_syscalls),
            },
            memory: MemoryView {
                hiwater_rss_kib: task(s.hiwater_rss),
                hiwater_vm_kib: task(s.hiwater_vm),
                coremem_mb_us: task(s.coremem),
                virtmem_mb_us: task(s.virtmem),
                minor_faults: task(s.ac_minflt),
                major_faults: task(s.ac_majflt),
            },
            sources: if tgid_record {
                Sources::summed(SOURCE_TGID)
            } else {
                Sources::all(SOURCE_PID)
            },
            notes,
            rejected,
        }
    }
}

/// Notes on what this struct version (and payload length) leaves out:
/// [`version_notes`], formatted once per layout and kept for the life of
/// the process (a stream of exit records has one layout; formatting and
/// copying its notes cost 1.3k instructions a record). One table for the
/// whole process (serve views records on a thread per connection), of the
/// first few layouts only, so a capture file of many odd lengths cannot
/// grow it without bound; the rest are formatted each time.
fn version_notes_cached(s: &TaskStats) -> Vec<Note> {
    type Key = (u16, Extension, usize);
    const KEPT: usize = 8;
    static KNOWN: std::sync::Mutex<Vec<(Key, Vec<&'static str>)>> =
        std::sync::Mutex::new(Vec::new());
    let key = (s.version, s.extension, s.payload_len);
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, notes)) = known.iter().find(|(k, _)| *k == key) {
        return notes.iter().map(|&n| Note::Borrowed(n)).collect();
    }
    let notes = version_notes(s);
    if known.len() >= KEPT {
        return notes.into_iter().map(Note::Owned).collect();
    }
    let kept: Vec<&'static str> = notes
        .into_iter()
        .map(|n| &*Box::leak(n.into_boxed_str()))
        .collect();
    let out = kept.iter().map(|&n| Note::Borrowed(n)).collect();
    known.push((key, kept));
    out
}

pub fn version_notes(s: &TaskStats) -> Vec<String> {
    let v = s.version;
    let mut notes = Vec::new();
    if v > KNOWN_VERSION {
        notes.push(format!(
            "struct version {v} is newer than this taskstat knows ({KNOWN_VERSION}): only known fields decoded"
        ));
    }
    if v == 15 {
        notes.push("struct version 15 (Linux 6.14's mid-struct max/min layout) was decoded with its own offsets".to_string());
    }
    if s.extension == Extension::Unknown {
        notes.push(format!(
            "a version-{v} struct of {} bytes matches neither version-17 layout: only common fields decoded",
            s.payload_len
        ));
    }
    let mut missing: Vec<&str> = Category::ALL
        .iter()
        // A category only some kernels send has its own note below.
        .filter(|c| !c.info().optional && v < c.info().since)
        .map(|c| c.key())
        .collect();
    // Named by the version that brought them, to keep the note one line
    // (the schema in taskstat(1) lists each field's version).
    if v < 12 {
        missing.push("the v12 ids");
    }
    if v < 15 {
        missing.push("max/min (v15)");
    }
    if !missing.is_empty() {
        let note = format!("struct version {v} has no {}: null", missing.join(", "));
        // The oldest versions lack too much to name on one line.
        notes.push(if note.chars().count() <= NOTE_MAX_LEN {
            note
        } else {
            format!("struct version {v} has none of the later versions' fields: null")
        });
    }
    match s.extension {
        Extension::None | Extension::Unknown => notes.push(format!(
            "{NOTE_MAX_AT_PREFIX} struct version 17 (688 bytes), and delays.softirq the unmerged 592-byte version 17; this kernel sends version {v} ({} bytes): null",
            s.payload_len
        )),
        Extension::MaxTimestamps => notes.push(format!(
            "{NOTE_SOFTIRQ_PREFIX} the unmerged 592-byte version-17 layout; this kernel sends the {}-byte version {v}: null",
            s.payload_len
        )),
        Extension::Softirq => notes.push(format!(
            "{NOTE_MAX_AT_PREFIX} the 688-byte struct version 17; this kernel sends the unmerged 592-byte one: null"
        )),
    }
    let expected = TaskStats::expected_len(v)
        .filter(|&e| s.payload_len < e && s.extension != Extension::Softirq);
    if let Some(expected) = expected {
        notes.push(format!(
            "the kernel sent {} bytes, fewer than the {expected} of struct version {v}: the rest is null",
            s.payload_len
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::notes::NOTE_DOC;
    use crate::wire::{Extension, TaskStats};

    fn fits(note: &str) {
        assert!(
            note.chars().count() <= NOTE_MAX_LEN,
            "{} characters, more than {NOTE_MAX_LEN}: {note}",
            note.chars().count()
        );
    }

    /// Notes follow every table: each fits one line; the long story is in
    /// NOTE_DOC (the man page).
    #[test]
    fn every_note_is_one_short_line() {
        for (note, full) in NOTE_DOC {
            fits(note);
            assert!(full.len() > note.len(), "{note}");
        }
        for n in [NOTE_NO_EXIT, NOTE_IO_ROUNDED, NOTE_DELAYACCT_OFF] {
            fits(n);
        }
        // The notes on the struct's version, for every layout a kernel may
        // send, old and new, short and long.
        for version in 1..=18 {
            for extension in [
                Extension::None,
                Extension::MaxTimestamps,
                Extension::Softirq,
                Extension::Unknown,
            ] {
                let s = TaskStats {
                    version,
                    payload_len: 300,
                    extension,
                    ..Default::default()
                };
                for n in version_notes(&s) {
                    // Tables leave out the notes on max_at and softirq.
                    if !n.starts_with(NOTE_MAX_AT_PREFIX) && !n.starts_with(NOTE_SOFTIRQ_PREFIX) {
                        fits(&n);
                    }
                }
            }
        }
    }
}
