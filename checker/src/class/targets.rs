//! Build output: one shared, read-only base, and a private copy for each
//! submission.
//!
//! The base is the course built with its stubs: every dependency and
//! testkit, compiled once. A submission builds in a directory made of hard
//! links to the base's files, less everything of the lessons themselves, so
//! cargo finds the dependencies fresh and compiles only the lessons. The
//! base's files are not writable by the sandbox's user: cargo replaces
//! files, it never writes into a shared one, and a submission's compiled
//! code never lands where another submission's sandbox could see it.

use std::io;
use std::path::Path;

use crate::class::sandbox::User;

/// True for the entries that belong to a lesson's own build (its library,
/// its tests, their fingerprints), or that cargo writes in place.
fn private(name: &str) -> bool {
    name.starts_with("lesson") || name.starts_with("liblesson") || name == ".cargo-lock"
}

/// Makes `base` writable by `user` (or its owner) again, for cargo to
/// bring it up to date.
///
/// # Errors
///
/// When a file's owner or mode cannot be changed.
pub fn unlock(base: &Path, user: Option<User>) -> io::Result<()> {
    walk(base, &mut |path, is_dir| own(path, is_dir, user, true))
}

/// Makes `base` read-only for the sandbox's user: owned by the checker's
/// user when that is root, without write bits otherwise.
///
/// # Errors
///
/// When a file's owner or mode cannot be changed.
pub fn lock(base: &Path, user: Option<User>) -> io::Result<()> {
    let root = user.map(|_| User {
        name: "root",
        uid: 0,
        gid: 0,
    });
    walk(base, &mut |path, is_dir| own(path, is_dir, root, false))
}

/// Makes `to` (new) a copy of `base` by hard links, less the lessons'
/// entries; its directories belong to `user` (when root) and are writable.
///
/// # Errors
///
/// When a directory or link cannot be made.
pub fn link_copy(base: &Path, to: &Path, user: Option<User>) -> io::Result<()> {
    if to.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(to)?;
    }
    std::fs::create_dir_all(to)?;
    own(to, true, user, true)?;
    for entry in std::fs::read_dir(base)?.flatten() {
        let name = entry.file_name();
        if private(&name.to_string_lossy()) {
            continue;
        }
        let kind = entry.file_type()?;
        let target = to.join(&name);
        if kind.is_dir() {
            link_copy(&entry.path(), &target, user)?;
        } else if kind.is_file() {
            std::fs::hard_link(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path, bool) -> io::Result<()>) -> io::Result<()> {
    f(dir, true)?;
    for entry in std::fs::read_dir(dir)?.flatten() {
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), f)?;
        } else if kind.is_file() {
            f(&entry.path(), false)?;
        }
    }
    Ok(())
}

/// Gives `path` to `user` (when one is given: the checker is root), and
/// adds or removes the owner's write bit.
fn own(path: &Path, is_dir: bool, user: Option<User>, writable: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(user) = user {
        std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))?;
    }
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o7777;
    let mode = if writable {
        mode | 0o200
    } else {
        mode & !0o222
    };
    let mode = if is_dir { mode | 0o555 } else { mode | 0o444 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_shares_dependencies_but_not_lessons() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base");
        std::fs::create_dir_all(base.join("debug/deps")).unwrap();
        std::fs::create_dir_all(base.join("debug/.fingerprint/lesson01-abc")).unwrap();
        std::fs::write(base.join("debug/deps/libserde-1.rlib"), "dep").unwrap();
        std::fs::write(base.join("debug/deps/liblesson01-2.rlib"), "stub").unwrap();
        std::fs::write(base.join("debug/.cargo-lock"), "").unwrap();
        lock(&base, None).unwrap();
        let copy = dir.path().join("copy");
        link_copy(&base, &copy, None).unwrap();
        assert!(copy.join("debug/deps/libserde-1.rlib").is_file());
        assert!(!copy.join("debug/deps/liblesson01-2.rlib").exists());
        assert!(!copy.join("debug/.fingerprint/lesson01-abc").exists());
        assert!(!copy.join("debug/.cargo-lock").exists());
        // Shared files cannot be written in place; the copy's directories can.
        assert!(std::fs::write(copy.join("debug/deps/libserde-1.rlib"), "x").is_err() || is_root());
        std::fs::write(copy.join("debug/deps/new"), "x").unwrap();
        unlock(&base, None).unwrap();
    }

    #[allow(unsafe_code)]
    fn is_root() -> bool {
        // SAFETY: geteuid takes nothing and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
}
