//! `taskstat cgroup-fd`: task-state counts of a cgroup v1 or cgroup2
//! directory, and with --totals the summed records of its processes.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use taskstat::cli::CgroupArgs;
use taskstat::client::Client;
use taskstat::exit;
use taskstat::host::cgroup::{self, Hierarchy};
use taskstat::model::Accounting;
use taskstat::model::cgroup::{CgroupReport, CgroupSource};
use taskstat::model::totals::Totals;
use taskstat::render::{self, Doc};
use taskstat::source;

/// The cgroup to report on: where to read its files, and a descriptor of it.
struct Target {
    /// Shown in the output.
    name: String,
    /// For reading cgroup.threads / cgroup.procs.
    dir: PathBuf,
    hierarchy: Hierarchy,
    fd: i32,
    /// Keeps a descriptor taskstat opened itself alive.
    _file: Option<File>,
}

const NOT_A_CGROUP: &str = "is not a cgroup directory: give a directory in a cgroup v1 hierarchy (/sys/fs/cgroup/<controller>/...) or in the cgroup2 tree";

fn open_path(path: &Path) -> anyhow::Result<Target> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => anyhow::anyhow!("{shown}: no such file or directory"),
        io::ErrorKind::PermissionDenied => anyhow::anyhow!("{shown}: permission denied"),
        _ => anyhow::Error::from(e).context(format!("{shown}")),
    })?;
    if !meta.is_dir() {
        bail!("{shown} is not a directory: give a cgroup directory");
    }
    let hierarchy = cgroup::hierarchy(path).with_context(|| format!("statfs {shown}"))?;
    if hierarchy == Hierarchy::NotCgroup {
        bail!("{shown} {NOT_A_CGROUP}");
    }
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => {
            anyhow::anyhow!("{shown}: permission denied: cannot open the directory")
        }
        _ => anyhow::Error::from(e).context(format!("opening {shown}")),
    })?;
    Ok(Target {
        name: shown.to_string(),
        dir: path.to_path_buf(),
        hierarchy,
        fd: file.as_raw_fd(),
        _file: Some(file),
    })
}

fn open_fd(fd: i32) -> anyhow::Result<Target> {
    let hierarchy = match cgroup::hierarchy_of_fd(fd) {
        Ok(h) => h,
        Err(e) if e.raw_os_error() == Some(libc::EBADF) => {
            bail!(
                "file descriptor {fd} is not open: open the cgroup directory on it, e.g. `{fd}</sys/fs/cgroup/cpu`"
            )
        }
        Err(e) => return Err(anyhow::Error::from(e).context(format!("fstatfs of descriptor {fd}"))),
    };
    let dir = PathBuf::from(format!("/proc/self/fd/{fd}"));
    let name =
        std::fs::read_link(&dir).map_or_else(|_| format!("fd {fd}"), |p| p.display().to_string());
    if hierarchy == Hierarchy::NotCgroup {
        bail!("descriptor {fd} ({name}) {NOT_A_CGROUP}");
    }
    if !dir.is_dir() {
        bail!("descriptor {fd} ({name}) is not a directory: give a cgroup directory");
    }
    Ok(Target {
        name,
        dir,
        hierarchy,
        fd,
        _file: None,
    })
}

fn kernel_counts(t: &Target, timeout: Duration) -> anyhow::Result<taskstat::wire::CgroupStats> {
    let mut client = Client::connect(timeout)?;
    let fd = u32::try_from(t.fd).context("descriptor out of range")?;
    match client.cgroupstats(fd) {
        Ok(Some(stats)) => Ok(stats),
        Ok(None) => bail!(
            "the kernel sent no statistics for descriptor {fd} ({}): it is not open, or was opened with O_PATH; open the directory read-only",
            t.name
        ),
        Err(e) if e.errno() == Some(libc::EINVAL) => bail!(
            "the kernel refused {} (EINVAL): it accepts only cgroup v1 directories opened read-only",
            t.name
        ),
        Err(e) => Err(e.into()),
    }
}

/// Sums the tgid records of every process in `dirs`, with I/O and memory
/// from each process's thread records. Tasks that exit meanwhile are skipped.
fn totals(dirs: &[PathBuf], acct: &Accounting, timeout: Duration) -> anyhow::Result<(u64, Totals)> {
    let mut pids = BTreeSet::new();
    for d in dirs {
        let procs = d.join("cgroup.procs");
        pids.extend(
            cgroup::read_ids(&procs).with_context(|| format!("reading {}", procs.display()))?,
        );
    }
    let mut client = Client::connect(timeout)?;
    let mut sum = Totals::default();
    let mut processes = 0;
    for pid in pids {
        // Each process whole: its I/O, peaks and faults from /proc include
        // the threads that already exited.
        let Some(p) = source::process(&mut client, pid, acct)? else {
            continue;
        };
        sum.add_complete(&p.view);
        processes += 1;
    }
    Ok((processes, sum))
}

pub fn run(args: CgroupArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let target = match (&args.path, args.fd) {
        (_, Some(fd)) => open_fd(fd)?,
        (Some(path), None) => open_path(path)?,
        (None, None) => bail!("give a cgroup directory or --fd"),
    };
    let (source, counts) = match target.hierarchy {
        Hierarchy::V1 => (CgroupSource::Kernel, kernel_counts(&target, timeout)?),
        _ => (
            CgroupSource::Procfs,
            cgroup::procfs_counts(&target.dir)
                .with_context(|| format!("reading the threads of {}", target.name))?,
        ),
    };
    let mut report = CgroupReport::new(target.name.clone(), source, counts);
    if args.totals {
        let acct = Accounting::detect();
        let dirs = cgroup::cgroup_dirs(&target.dir, args.recursive)
            .with_context(|| format!("listing the cgroups below {}", target.name))?;
        let (n, sum) = totals(&dirs, &acct, timeout)?;
        super::warn_accounting(&acct);
        report.processes = Some(n);
        report.totals = Some(sum);
    }

    let mut out = super::stdout();
    render::write(&mut out, &Doc::Cgroup(&report), args.output.output())?;
    out.flush()?;
    Ok(exit::code(exit::OK))
}
