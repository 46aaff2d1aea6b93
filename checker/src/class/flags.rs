//! Constructs no lesson needs, found by the compiler, not by a text search.
//!
//! A lesson's code is compiled under the lints `grade` sets (see
//! [`super::scratch`]); this module reads what they reported, and what the
//! compiler says it read: rustc's dep-info lists every file a crate was
//! made from, so a `#[path]` module or an `include!` of a file outside the
//! lesson's folder shows there however it was spelled (through `cfg_attr`,
//! a macro, a relative path).
//!
//! Each flag is one line an instructor can check: `src/lib.rs:12: use of a
//! disallowed method `std::process::exit``.

use std::path::{Component, Path, PathBuf};

use crate::class::jail;
use crate::course::lesson::Lesson;
use crate::steps::build::Diagnostic;

/// The lint codes that flag a lesson.
const FLAGGING: &[&str] = &[
    "clippy::disallowed_methods",
    "clippy::disallowed_macros",
    "unsafe_code",
];

/// The flags in a lesson's diagnostics: the flagging lints, an `allow`
/// that a `forbid` refused (E0453), and any diagnostic about a file outside
/// the lesson's folder (a `#[path]` or `include!` that did not compile).
pub fn from_diagnostics(lesson: &Lesson, diagnostics: &[Diagnostic]) -> Vec<String> {
    let folder = Path::new(jail::COURSE).join(lesson.exercise_dir());
    let mut flags = Vec::new();
    for diagnostic in diagnostics {
        let code = diagnostic.code.as_ref().map(|c| c.code.as_str());
        let span = diagnostic.spans.iter().find(|s| s.is_primary);
        let file = span.map(|s| inside(&s.file_name));
        let place = match (span, &file) {
            (Some(span), Some(file)) => format!(
                "{}:{}: ",
                file.strip_prefix(&folder).unwrap_or(file).display(),
                span.line_start
            ),
            _ => String::new(),
        };
        // The tests are the course's: what they do is not the learner's.
        let in_src = file
            .as_ref()
            .is_some_and(|f| f.starts_with(folder.join("src")));
        let outside = file.as_ref().is_some_and(|f| !f.starts_with(&folder));
        // A `#[path]` or include of a file the sandbox does not show.
        let unreadable = diagnostic.level == "error"
            && (code == Some("E0583") || diagnostic.message.starts_with("couldn't read"));
        let flagged = (in_src
            && (code.is_some_and(|c| FLAGGING.contains(&c))
                || code == Some("E0453")
                || unreadable))
            || (outside && diagnostic.level == "error");
        if flagged {
            let line = format!("{place}{}", diagnostic.message);
            if !flags.contains(&line) {
                flags.push(line);
            }
        }
    }
    flags
}

/// The files outside the lesson's folder that its crates were compiled
/// from, as the dep-info files in `deps` (on the host) list them.
pub fn from_dep_info(lesson: &Lesson, deps: &Path) -> Vec<String> {
    let folder = Path::new(jail::COURSE).join(lesson.exercise_dir());
    let prefix = format!("{}-", lesson.id);
    let mut flags = Vec::new();
    let Ok(entries) = std::fs::read_dir(deps) else {
        return flags;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(&prefix) && name.ends_with(".d")) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for file in dep_info_files(&text) {
            let file = inside(&file);
            // Clippy reads its configuration and the manifest as it runs.
            let config = [
                Path::new(jail::COURSE).join("clippy.toml"),
                Path::new(jail::COURSE).join("Cargo.toml"),
            ];
            if !file.starts_with(&folder) && !config.contains(&file) {
                let line = format!(
                    "compiled from {} (a #[path] module or include! of a file outside the lesson)",
                    file.display()
                );
                if !flags.contains(&line) {
                    flags.push(line);
                }
            }
        }
    }
    flags
}

/// The files a Makefile-style dep-info text lists as prerequisites.
fn dep_info_files(text: &str) -> Vec<String> {
    let mut files = Vec::new();
    for line in text.lines() {
        // `target: a b c`; a file's own line is `file:` with nothing after.
        let Some((_, rest)) = line.split_once(": ") else {
            continue;
        };
        let mut current = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&' ') => {
                    current.push(' ');
                    chars.next();
                }
                ' ' => {
                    if !current.is_empty() {
                        files.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            files.push(current);
        }
    }
    files
}

/// A path as rustc named it inside the sandbox, made absolute (relative
/// ones are relative to the course root) with `.` and `..` resolved.
fn inside(file: &str) -> PathBuf {
    let path = Path::new(jail::COURSE).join(file);
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dep_info() {
        let text = "/course/target/debug/deps/lesson01-1.d: exercises/l/src/lib.rs /etc/x\\ y\n\nexercises/l/src/lib.rs:\n";
        assert_eq!(dep_info_files(text), ["exercises/l/src/lib.rs", "/etc/x y"]);
    }

    #[test]
    fn resolves_relative_paths_inside_the_course() {
        assert_eq!(
            inside("exercises/l/src/../../../solutions/l/src/lib.rs"),
            Path::new("/course/solutions/l/src/lib.rs")
        );
        assert_eq!(inside("/etc/shadow"), Path::new("/etc/shadow"));
    }
}
