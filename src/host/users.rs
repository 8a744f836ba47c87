//! The system's user database (NSS: /etc/passwd, LDAP, systemd-homed...).

use std::ffi::{CStr, CString};

/// Calls a reentrant NSS lookup (getpwnam_r, getgrnam_r) with a buffer
/// that grows while the call says ERANGE, and returns `take` of its result.
/// `T` is the C struct the call fills (`passwd`, `group`): plain integers
/// and pointers, for which all zeros is a valid value.
fn lookup<T, R>(
    mut call: impl FnMut(*mut T, &mut [u8], *mut *mut T) -> libc::c_int,
    take: impl FnOnce(&T) -> R,
) -> Option<R> {
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: `T` is `passwd` or `group`, valid when zeroed.
        let mut out: T = unsafe { std::mem::zeroed() };
        let mut result: *mut T = std::ptr::null_mut();
        let r = call(&mut out, &mut buf, &mut result);
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
    lookup(
        // SAFETY: every pointer is valid for the call and `buf`'s length is
        // passed with it; getpwnam_r writes only into `pwd` and `buf`.
        |pwd, buf, result| unsafe {
            libc::getpwnam_r(c.as_ptr(), pwd, buf.as_mut_ptr().cast(), buf.len(), result)
        },
        |pwd: &libc::passwd| pwd.pw_uid,
    )
}

/// The gid of a group name, or None when there is no such group.
pub fn gid_of(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    lookup(
        // SAFETY: every pointer is valid for the call and `buf`'s length is
        // passed with it; getgrnam_r writes only into `grp` and `buf`.
        |grp, buf, result| unsafe {
            libc::getgrnam_r(c.as_ptr(), grp, buf.as_mut_ptr().cast(), buf.len(), result)
        },
        |grp: &libc::group| grp.gr_gid,
    )
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
    let mut buf = vec![0u8; 4096];
    // SAFETY: zeroed `passwd` is a valid out-parameter.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: as in uid_of.
    let r = unsafe {
        libc::getpwuid_r(
            uid,
            &mut pwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        )
    };
    if r != 0 || result.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points at a NUL-terminated string in `buf`.
    Some(
        unsafe { CStr::from_ptr(pwd.pw_name) }
            .to_string_lossy()
            .into_owned(),
    )
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
