//! Reads cgroup2 groups' pressure files (`cpu.pressure`, `io.pressure`,
//! `memory.pressure`), and tells why there are none.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::model::pressure::{GroupPressure, Resource, Stall};

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
    fn the_command_lines_switch() {
        assert_eq!(psi_switch("ro quiet"), None);
        assert_eq!(psi_switch("BOOT_IMAGE=/vmlinuz psi=1 ro"), Some(true));
        assert_eq!(psi_switch("psi=1 psi=0"), Some(false));
    }
}
