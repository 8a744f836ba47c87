//! The system's user database (NSS: /etc/passwd, LDAP, systemd-homed...).

use std::ffi::{CStr, CString, c_char, c_int};

// The reentrant NSS lookups are C calls with out-pointers: neither std nor
// rustix has them, and the `uzers` crate that wraps them is in neither
// Debian nor taskstat's dependency policy (docs/packaging.md).

/// A reentrant NSS lookup (getpwnam_r, getgrnam_r, getpwuid_r): a key, the
/// C struct to fill, its string buffer and where to say it was found.
type Lookup<K, T> = unsafe extern "C" fn(K, *mut T, *mut c_char, usize, *mut *mut T) -> c_int;

/// Calls `call` with a buffer that grows while the call says ERANGE, and
/// returns `take` of what it found. `T` is the C struct the call fills
/// (`passwd`, `group`): plain integers and pointers, for which all zeros is
/// a valid value; its pointers point into the buffer, which outlives `take`.
fn lookup<K: Copy, T, R>(call: Lookup<K, T>, key: K, take: impl FnOnce(&T) -> R) -> Option<R> {
    let mut buf = vec![0u8; 4096];
    loop {
        let mut result: *mut T = std::ptr::null_mut();
        // SAFETY: `out` is a valid `T` (all zeros) and every pointer is
        // valid for the call, `buf`'s with its length; the call writes only
        // into `out`, `buf` and `result`.
        let (r, out) = unsafe {
            let mut out: T = std::mem::zeroed();
            let r = call(
                key,
                &mut out,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            );
            (r, out)
        };
        if r == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        return (r == 0 && !result.is_null()).then(|| take(&out));
    }
}

/// The uid of a user name, or None when there is no such user.
pub fn uid_of(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    lookup(libc::getpwnam_r, c.as_ptr(), |pwd| pwd.pw_uid)
}

/// The gid of a group name, or None when there is no such group.
pub fn gid_of(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    lookup(libc::getgrnam_r, c.as_ptr(), |grp| grp.gr_gid)
}

/// A group given as a name or a number: numbers are taken as they are.
pub fn resolve_group(group: &str) -> Option<u32> {
    group.parse().ok().or_else(|| gid_of(group))
}

/// A user given as a name or a number: numbers are taken as they are.
pub fn resolve(user: &str) -> Option<u32> {
    user.parse().ok().or_else(|| uid_of(user))
}

/// The name of a uid, for messages.
pub fn name_of(uid: u32) -> Option<String> {
    lookup(libc::getpwuid_r, uid, |pwd| {
        // SAFETY: on success pw_name points at a NUL-terminated string in
        // the lookup's buffer, which lives until `lookup` returns.
        unsafe { CStr::from_ptr(pwd.pw_name) }
            .to_string_lossy()
            .into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_numbers() {
        assert_eq!(uid_of("root"), Some(0));
        assert_eq!(resolve("root"), Some(0));
        assert_eq!(resolve("4242"), Some(4242));
        assert_eq!(resolve("no-such-user-here"), None);
        assert_eq!(resolve("a\0b"), None);
        assert_eq!(name_of(0).as_deref(), Some("root"));
        assert_eq!(gid_of("root"), Some(0));
        assert_eq!(resolve_group("root"), Some(0));
        assert_eq!(resolve_group("4242"), Some(4242));
        assert_eq!(resolve_group("no-such-group-here"), None);
    }
}
