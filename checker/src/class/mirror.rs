//! Copies directory trees so that only what changed is written.
//!
//! `grade` re-syncs one scratch workspace for every submission. Cargo
//! decides what to rebuild from file times, so a file whose bytes are
//! unchanged must keep its time (its crate stays built), and a file whose
//! bytes changed must be written afresh (its new time makes cargo rebuild
//! the crate).

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

/// What to leave out of a copy: an entry's path relative to the tree's root.
pub type Skip<'a> = &'a dyn Fn(&Path) -> bool;

/// Makes `to` hold exactly the regular files and directories of `from`
/// (except those `skip` names), writing only files whose bytes differ.
/// Symbolic links and other special files in `from` are left out.
/// Returns how many files it wrote.
///
/// # Errors
///
/// When a file cannot be read, written or removed.
pub fn mirror(from: &Path, to: &Path, skip: Skip<'_>) -> io::Result<usize> {
    let mut written = 0;
    walk(from, to, Path::new(""), skip, &mut written)?;
    Ok(written)
}

fn walk(
    from: &Path,
    to: &Path,
    relative: &Path,
    skip: Skip<'_>,
    written: &mut usize,
) -> io::Result<()> {
    let source = from.join(relative);
    let target = to.join(relative);
    if !target.is_dir() {
        if target.symlink_metadata().is_ok() {
            std::fs::remove_file(&target)?;
        }
        std::fs::create_dir_all(&target)?;
    }
    let mut kept = BTreeSet::new();
    for entry in std::fs::read_dir(&source)? {
        let entry = entry?;
        let name = entry.file_name();
        let rel = relative.join(&name);
        if skip(&rel) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            kept.insert(name);
            walk(from, to, &rel, skip, written)?;
        } else if kind.is_file() {
            kept.insert(name);
            if copy_if_changed(&entry.path(), &to.join(&rel))? {
                *written += 1;
            }
        }
    }
    for entry in std::fs::read_dir(&target)? {
        let entry = entry?;
        if kept.contains(&entry.file_name()) || skip(&relative.join(entry.file_name())) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Writes `from`'s bytes to `to` unless `to` already holds them; true if it wrote.
pub fn copy_if_changed(from: &Path, to: &Path) -> io::Result<bool> {
    let bytes = std::fs::read(from)?;
    let existing = to.symlink_metadata().ok();
    let same_size = existing
        .as_ref()
        .is_some_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    if same_size && std::fs::read(to)? == bytes {
        return Ok(false);
    }
    if existing.is_some_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(to)?;
    }
    // A fresh file (not an overwrite in place) gets a fresh time, and the
    // source's permissions (an executable script stays executable).
    let _ = std::fs::remove_file(to);
    std::fs::write(to, &bytes)?;
    std::fs::set_permissions(to, std::fs::metadata(from)?.permissions())?;
    Ok(true)
}

/// The files that differ between the two trees, relative to their roots:
/// those in one tree only, and those whose text differs (line endings
/// aside: a checkout with CRLF endings is not an edit).
pub fn differences(ours: &Path, theirs: &Path) -> Vec<String> {
    let mut files = BTreeSet::new();
    list_files(ours, Path::new(""), &mut files);
    list_files(theirs, Path::new(""), &mut files);
    files
        .into_iter()
        .filter(|rel| !same_text(&ours.join(rel), &theirs.join(rel)))
        .map(|rel| rel.display().to_string())
        .collect()
}

fn list_files(root: &Path, relative: &Path, out: &mut BTreeSet<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(relative)) else {
        return;
    };
    for entry in entries.flatten() {
        let rel = relative.join(entry.file_name());
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => list_files(root, &rel, out),
            Ok(_) => {
                out.insert(rel);
            }
            Err(_) => {}
        }
    }
}

/// True when both files exist and hold the same bytes once CRLF is read as LF.
pub fn same_text(a: &Path, b: &Path) -> bool {
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(a), Ok(b)) => a == b || strip_cr(&a) == strip_cr(&b),
        _ => false,
    }
}

fn strip_cr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(a.join("src/sub")).unwrap();
        std::fs::write(a.join("src/lib.rs"), "one").unwrap();
        std::fs::write(a.join("src/sub/m.rs"), "two").unwrap();
        std::fs::create_dir_all(a.join("target")).unwrap();
        std::fs::write(a.join("target/x"), "big").unwrap();
        let skip = |p: &Path| p == Path::new("target");
        assert_eq!(mirror(&a, &b, &skip).unwrap(), 2);
        assert!(!b.join("target").exists());

        std::fs::write(b.join("stray.rs"), "x").unwrap();
        std::fs::write(a.join("src/lib.rs"), "uno").unwrap();
        assert_eq!(mirror(&a, &b, &skip).unwrap(), 1);
        assert!(!b.join("stray.rs").exists());
        assert_eq!(
            std::fs::read_to_string(b.join("src/lib.rs")).unwrap(),
            "uno"
        );
        assert_eq!(mirror(&a, &b, &skip).unwrap(), 0);
    }

    #[test]
    fn crlf_is_not_a_difference() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("t.rs"), "x\ny\n").unwrap();
        std::fs::write(b.join("t.rs"), "x\r\ny\r\n").unwrap();
        assert!(differences(&a, &b).is_empty());
        std::fs::write(b.join("t.rs"), "x\nz\n").unwrap();
        std::fs::write(b.join("new.rs"), "").unwrap();
        assert_eq!(differences(&a, &b), ["new.rs", "t.rs"]);
    }
}
