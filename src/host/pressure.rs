//! Pressure stall information (PSI) as the kernel keeps it: reads and
//! parses cgroup2 groups' pressure files (`cpu.pressure`, `io.pressure`,
//! `memory.pressure`), and tells why there are none. The one parser of a
//! pressure file's lines, also for /proc/pressure (`host::procfs`).

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use serde::Serialize;

/// The words of a line of a pressure file,
/// `some avg10=0.00 avg60=0.00 avg300=0.00 total=1234` (total in µs): its
/// kind (`some`, `full`; empty for a blank line) and its `key=value` fields.
pub fn line_fields(line: &str) -> (&str, impl Iterator<Item = (&str, &str)>) {
    let mut words = line.split_whitespace();
    let kind = words.next().unwrap_or("");
    (kind, words.filter_map(|w| w.split_once('=')))
}

/// The resources a cgroup2 group keeps pressure for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Resource {
    Cpu,
    Io,
    Memory,
}

impl Resource {
    pub const ALL: [Resource; 3] = [Resource::Cpu, Resource::Io, Resource::Memory];

    /// The label value, and the stem of the group's file (`cpu.pressure`).
    pub fn key(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Io => "io",
            Resource::Memory => "memory",
        }
    }
}

/// The stall totals of one pressure file, µs since the group was made.
/// A kernel before 5.13 has no `full` line in cpu.pressure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stall {
    pub some_us: Option<u64>,
    pub full_us: Option<u64>,
}

impl Stall {
    /// The `total=` of each line of a pressure file. None when the text
    /// has neither line (the file could be read but means nothing).
    pub fn parse(text: &str) -> Option<Stall> {
        let mut s = Stall::default();
        for line in text.lines() {
            let (kind, mut fields) = line_fields(line);
            let slot = match kind {
                "some" => &mut s.some_us,
                "full" => &mut s.full_us,
                _ => continue,
            };
            *slot = fields.find_map(|(k, v)| (k == "total").then_some(v)?.parse().ok());
        }
        (s != Stall::default()).then_some(s)
    }
}

/// A group's pressure, per resource; `None` for a file that is missing
/// (PSI off, or the group gone) or unreadable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupPressure {
    pub cpu: Option<Stall>,
    pub io: Option<Stall>,
    pub memory: Option<Stall>,
}

impl GroupPressure {
    pub fn get(&self, r: Resource) -> Option<Stall> {
        match r {
            Resource::Cpu => self.cpu,
            Resource::Io => self.io,
            Resource::Memory => self.memory,
        }
    }

    pub fn slot(&mut self, r: Resource) -> &mut Option<Stall> {
        match r {
            Resource::Cpu => &mut self.cpu,
            Resource::Io => &mut self.io,
            Resource::Memory => &mut self.memory,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == GroupPressure::default()
    }
}

/// The pressure of the group at `path` (as /proc/PID/cgroup names it) in
/// the tree mounted at `mount`. Every file is there in every group when
/// the kernel has PSI on, whichever controllers are enabled; none is when
/// it is off.
pub fn of_group(mount: &Path, path: &str) -> GroupPressure {
    let dir = mount.join(path.trim_start_matches('/'));
    let mut p = GroupPressure::default();
    for r in Resource::ALL {
        let file = dir.join(format!("{}.pressure", r.key()));
        *p.slot(r) = fs::read_to_string(file).ok().and_then(|t| Stall::parse(&t));
    }
    p
}

/// The pressure of each named group (series named by a cgroup path; the
/// others, such as `(other)`, have none), read once each. Groups without
/// any pressure file are left out.
pub fn of_groups<'a>(
    mount: Option<&Path>,
    paths: impl IntoIterator<Item = &'a str>,
) -> HashMap<String, GroupPressure> {
    let Some(mount) = mount else {
        return HashMap::new();
    };
    paths
        .into_iter()
        .filter(|p| p.starts_with('/'))
        .filter_map(|p| {
            let g = of_group(mount, p);
            (!g.is_empty()).then(|| (p.to_string(), g))
        })
        .collect()
}

/// Why the groups keep no pressure, when they do not: `Ok(())` when the
/// root group's files can be read. `cmdline` is /proc/cmdline's text.
pub fn unavailable(mount: Option<&Path>, cmdline: &str) -> Result<(), String> {
    let Some(mount) = mount else {
        return Err("no cgroup2 tree is mounted (pressure is kept per cgroup2 group only)".into());
    };
    // The root group has the files on recent kernels; a group below it
    // on every kernel with PSI.
    let first_group = fs::read_dir(mount).ok().and_then(|d| {
        d.flatten()
            .find(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
    });
    let readable = |dir: &Path| fs::read_to_string(dir.join("cpu.pressure")).is_ok();
    if readable(mount) || first_group.as_deref().is_some_and(readable) {
        return Ok(());
    }
    if Path::new("/proc/pressure/cpu").exists() {
        return Err(format!(
            "the system keeps pressure (/proc/pressure), but the groups under {} show none (switched off per group with cgroup.pressure = 0?)",
            mount.display()
        ));
    }
    Err(match psi_switch(cmdline) {
        Some(false) => "PSI is switched off on the kernel command line (psi=0)".into(),
        _ => "the kernel keeps no pressure stall information (built without CONFIG_PSI, or with CONFIG_PSI_DEFAULT_DISABLED and booted without psi=1)".into(),
    })
}

/// The `psi=` setting of a kernel command line, if it has one (the last wins).
fn psi_switch(cmdline: &str) -> Option<bool> {
    cmdline
        .split_whitespace()
        .rev()
        .find_map(|w| w.strip_prefix("psi="))
        .map(|v| matches!(v, "1" | "y" | "Y" | "on" | "true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pressure_is_there_where_a_group_has_its_files() {
        let tree = std::env::temp_dir().join(format!("taskstat-psi-{}", std::process::id()));
        let group = tree.join("a.service");
        std::fs::create_dir_all(&group).expect("a directory");
        // No group shows pressure: why, in words.
        let why = unavailable(Some(&tree), "psi=0");
        assert!(why.is_err(), "{why:?}");
        assert_eq!(of_group(&tree, "/a.service"), GroupPressure::default());
        std::fs::write(
            group.join("cpu.pressure"),
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=42\n",
        )
        .expect("a file");
        assert_eq!(unavailable(Some(&tree), ""), Ok(()));
        let found = of_groups(Some(&tree), ["/a.service", "/gone", "(other)"]);
        assert_eq!(found.len(), 1, "{found:?}");
        let cpu = found["/a.service"].cpu.and_then(|s| s.some_us);
        assert_eq!(cpu, Some(42));
        assert!(unavailable(None, "").is_err());
        let _ = std::fs::remove_dir_all(&tree);
    }

    #[test]
    fn totals_of_both_lines() {
        let text = "some avg10=1.50 avg60=0.30 avg300=0.06 total=2500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=17\n";
        assert_eq!(
            Stall::parse(text),
            Some(Stall {
                some_us: Some(2_500_000),
                full_us: Some(17)
            })
        );
        // Before 5.13 cpu.pressure had only a some line.
        let old = Stall::parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n");
        assert_eq!(old.and_then(|s| s.full_us), None);
        assert_eq!(old.and_then(|s| s.some_us), Some(5));
        for bad in ["", "\n", "garbage", "some avg10=0.00", "some total=x"] {
            assert_eq!(Stall::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_command_lines_switch() {
        assert_eq!(psi_switch("ro quiet"), None);
        assert_eq!(psi_switch("BOOT_IMAGE=/vmlinuz psi=1 ro"), Some(true));
        assert_eq!(psi_switch("psi=1 psi=0"), Some(false));
    }
}
