//! The names fleets give a workload, read from its cgroup2 path: the
//! systemd unit, the container id and the Kubernetes pod uid. cAdvisor and
//! the kubelet put such names on their series; a cgroup path alone cannot
//! be joined with them in a dashboard.
//!
//! The rules, each applied to the path's components:
//!
//! - `container_id`: the innermost container, named by its runtime:
//!   `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`
//!   (systemd cgroup driver), `/docker/<id>`, or the group right below a
//!   cgroupfs-style pod, `/kubepods/<qos>/pod<uid>/<id>`. An id is 64
//!   lowercase hex digits, as every one of these runtimes writes it, so
//!   that a unit such as `docker-compose.scope` is not taken for one.
//! - `pod_uid`: the innermost Kubernetes pod, `kubepods-<qos>-pod<uid>.slice`
//!   or `kubepods-pod<uid>.slice` (systemd driver, whose unit names turn the
//!   uid's dashes into underscores: they are turned back into the API's
//!   form), or `pod<uid>` below a `kubepods` group (cgroupfs driver).
//! - `unit`: the last component that is a systemd unit (`*.service`,
//!   `*.scope`, `*.slice`), so that a group a service made below its own
//!   (delegation) still counts as the service's: `/system.slice/ssh.service`
//!   and `/system.slice/ssh.service/x` are both `ssh.service`. When that
//!   last unit is a container's scope or a pod's slice there is no `unit`:
//!   its name only repeats the container id or pod uid, which are the names
//!   cAdvisor and kubelet users join on (and a `unit` of, say,
//!   `docker-<id>.scope` would join with nothing there).
//!
//! Any other path gets none of the three.

use serde::Serialize;

/// A cgroup's workload names; `None` where its path names no such thing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorkloadNames {
    pub unit: Option<String>,
    pub container_id: Option<String>,
    pub pod_uid: Option<String>,
}

/// The scope names container runtimes give a container (systemd driver).
const CONTAINER_SCOPES: [&str; 3] = ["docker-", "cri-containerd-", "crio-"];

/// An id as Docker, containerd and CRI-O write one.
fn is_container_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A pod uid as it appears in a cgroup name: hex digits and the dashes
/// (or, in a systemd unit name, underscores) between them.
fn is_pod_uid(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'_')
}

fn is_unit(c: &str) -> bool {
    [".service", ".scope", ".slice"]
        .iter()
        .any(|s| c.len() > s.len() && c.ends_with(s))
}

/// The container id a scope's name carries.
fn container_scope(c: &str) -> Option<&str> {
    let stem = c.strip_suffix(".scope")?;
    CONTAINER_SCOPES
        .iter()
        .find_map(|p| stem.strip_prefix(p))
        .filter(|id| is_container_id(id))
}

/// The pod uid of a systemd-driver pod slice, in the API's form.
fn pod_slice(c: &str) -> Option<String> {
    let stem = c.strip_prefix("kubepods-")?.strip_suffix(".slice")?;
    // kubepods-pod<uid> (guaranteed) or kubepods-<qos>-pod<uid>.
    let uid = match stem.strip_prefix("pod") {
        Some(uid) => uid,
        None => stem.split_once("-pod")?.1,
    };
    is_pod_uid(uid).then(|| uid.replace('_', "-"))
}

impl WorkloadNames {
    /// The names a cgroup2 path (as /proc/PID/cgroup's `0::` line gives it)
    /// carries.
    pub fn of(path: &str) -> WorkloadNames {
        let mut n = WorkloadNames::default();
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        // Whether the last unit seen so far is a container's or a pod's.
        let mut unit_is_id = false;
        for (i, &c) in parts.iter().enumerate() {
            let before = &parts[..i];
            let parent = before.last().copied();
            let mut named_id = false;
            if let Some(id) = container_scope(c) {
                n.container_id = Some(id.to_string());
                named_id = true;
            } else if let Some(uid) = pod_slice(c) {
                n.pod_uid = Some(uid);
                named_id = true;
            } else if before.contains(&"kubepods") && c.starts_with("pod") {
                // cgroupfs driver: /kubepods[/<qos>]/pod<uid>[/<id>]
                let uid = &c["pod".len()..];
                if is_pod_uid(uid) {
                    n.pod_uid = Some(uid.to_string());
                }
            } else if is_container_id(c)
                && (parent == Some("docker")
                    || parent.is_some_and(|p| p.starts_with("pod") && before.contains(&"kubepods")))
            {
                n.container_id = Some(c.to_string());
            }
            if is_unit(c) {
                n.unit = Some(c.to_string());
                unit_is_id = named_id;
            }
        }
        if unit_is_id {
            n.unit = None;
        }
        n
    }

    pub fn is_empty(&self) -> bool {
        self.unit.is_none() && self.container_id.is_none() && self.pod_uid.is_none()
    }

    /// The names as label pairs, in a fixed order, only those present.
    pub fn labels(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("unit", self.unit.as_deref()),
            ("container_id", self.container_id.as_deref()),
            ("pod_uid", self.pod_uid.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1";

    fn names(unit: Option<&str>, container: Option<&str>, pod: Option<&str>) -> WorkloadNames {
        WorkloadNames {
            unit: unit.map(str::to_string),
            container_id: container.map(str::to_string),
            pod_uid: pod.map(str::to_string),
        }
    }

    #[test]
    fn systemd_units_are_named_by_the_last_unit_in_the_path() {
        let of = WorkloadNames::of;
        assert_eq!(
            of("/system.slice/ssh.service"),
            names(Some("ssh.service"), None, None)
        );
        assert_eq!(of("/system.slice"), names(Some("system.slice"), None, None));
        assert_eq!(of("/init.scope"), names(Some("init.scope"), None, None));
        // A group a service delegated to itself is still the service's.
        assert_eq!(
            of("/system.slice/foo.service/worker"),
            names(Some("foo.service"), None, None)
        );
        assert_eq!(
            of("/user.slice/user-0.slice/user@0.service/app.slice/vte-spawn-1.scope"),
            names(Some("vte-spawn-1.scope"), None, None)
        );
        // A bare suffix is not a unit name.
        assert_eq!(of("/.service"), WorkloadNames::default());
    }

    #[test]
    fn containers_are_named_by_their_id_without_a_unit() {
        let of = WorkloadNames::of;
        for scope in ["docker", "cri-containerd", "crio"] {
            assert_eq!(
                of(&format!("/system.slice/{scope}-{ID}.scope")),
                names(None, Some(ID), None),
                "{scope}"
            );
        }
        assert_eq!(of(&format!("/docker/{ID}")), names(None, Some(ID), None));
        // A service inside a container (systemd in the container).
        assert_eq!(
            of(&format!(
                "/system.slice/docker-{ID}.scope/system.slice/nginx.service"
            )),
            names(Some("nginx.service"), Some(ID), None)
        );
        // Not an id: a unit like any other.
        assert_eq!(
            of("/system.slice/docker-compose.scope"),
            names(Some("docker-compose.scope"), None, None)
        );
        assert_eq!(
            of("/system.slice/docker.service"),
            names(Some("docker.service"), None, None)
        );
        assert_eq!(of("/docker/abc"), WorkloadNames::default());
        assert_eq!(
            of(&format!("/docker-{}.scope", &ID[1..])),
            names(Some(&format!("docker-{}.scope", &ID[1..])), None, None)
        );
    }

    #[test]
    fn kubernetes_pods_both_drivers() {
        let of = WorkloadNames::of;
        let uid = "8a3d1c2e-4b5f-4a6d-9e8f-0a1b2c3d4e5f";
        let unit_uid = uid.replace('-', "_");
        let pod = format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{unit_uid}.slice"
        );
        assert_eq!(of(&pod), names(None, None, Some(uid)));
        assert_eq!(
            of(&format!("{pod}/cri-containerd-{ID}.scope")),
            names(None, Some(ID), Some(uid))
        );
        assert_eq!(
            of(&format!("{pod}/crio-{ID}.scope")),
            names(None, Some(ID), Some(uid))
        );
        // Guaranteed pods have no QoS class in their name.
        assert_eq!(
            of(&format!("/kubepods.slice/kubepods-pod{unit_uid}.slice")),
            names(None, None, Some(uid))
        );
        assert_eq!(
            of("/kubepods.slice/kubepods-besteffort.slice"),
            names(Some("kubepods-besteffort.slice"), None, None)
        );
        // cgroupfs driver.
        assert_eq!(
            of(&format!("/kubepods/burstable/pod{uid}/{ID}")),
            names(None, Some(ID), Some(uid))
        );
        assert_eq!(
            of(&format!("/kubepods/pod{uid}/{ID}")),
            names(None, Some(ID), Some(uid))
        );
        assert_eq!(
            of(&format!("/kubepods/besteffort/pod{uid}")),
            names(None, None, Some(uid))
        );
        // pod... outside kubepods is nobody's pod.
        assert_eq!(of(&format!("/pod{uid}/{ID}")), WorkloadNames::default());
    }

    #[test]
    fn other_paths_have_no_names() {
        for p in ["/", "", "/taskstat-x-1", "/a/b/c", "(other)", "(unknown)"] {
            let n = WorkloadNames::of(p);
            assert!(n.is_empty(), "{p}: {n:?}");
            assert_eq!(n.labels().count(), 0);
        }
        let n = WorkloadNames::of(&format!("/kubepods/pod1/{ID}"));
        assert_eq!(
            n.labels().collect::<Vec<_>>(),
            [("container_id", ID), ("pod_uid", "1")]
        );
    }
}
