//! A learner's submission: where its lessons are, and what it changed that
//! it should not have.
//!
//! A submission is a copy of the workspace (with `exercises/`) or only its
//! `exercises/` directory. Only each lesson's `src/` is graded; its tests,
//! `lesson.toml` and `Cargo.toml` are compared with the instructor's, and
//! any difference is reported (and ignored: the instructor's are used).

use std::path::{Path, PathBuf};

use crate::class::mirror;
use crate::course::lesson::{self, Lesson};

/// What a submission directory turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Its lessons are in this directory (`exercises/`, or the submission itself).
    Exercises(PathBuf),
    /// It holds no files at all (or does not exist).
    Empty,
    /// It holds files, but no `exercises/lessonNN-*` (or `lessonNN-*`) directory.
    NotAWorkspace,
}

/// One lesson of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonFiles {
    /// The learner's `src/`, or `None` when the submission lacks the lesson
    /// (it is then graded as the stub).
    pub src: Option<PathBuf>,
    /// Files of the lesson's tests, `lesson.toml` or `Cargo.toml` that the
    /// learner changed or added, relative to the lesson's directory.
    pub modified: Vec<String>,
}

/// Finds the lessons of the submission at `dir`.
pub fn locate(dir: &Path) -> Found {
    if !dir.is_dir() || !has_files(dir) {
        return Found::Empty;
    }
    let exercises = dir.join("exercises");
    for candidate in [exercises.as_path(), dir] {
        if has_lessons(candidate) {
            return Found::Exercises(candidate.to_path_buf());
        }
    }
    Found::NotAWorkspace
}

fn has_files(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| match e.file_type() {
        Ok(kind) if kind.is_dir() => has_files(&e.path()),
        Ok(_) => true,
        Err(_) => false,
    })
}

fn has_lessons(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.path().is_dir()
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| lesson::parse_dir_name(n).is_some())
        })
    })
}

/// The learner's directory for `lesson` under `exercises`: the same name,
/// else any `lessonNN-*` with the same number.
pub fn lesson_dir(exercises: &Path, lesson: &Lesson) -> Option<PathBuf> {
    let same = exercises.join(&lesson.dir_name);
    if same.is_dir() {
        return Some(same);
    }
    let entries = std::fs::read_dir(exercises).ok()?;
    entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .find(|e| {
            e.file_name()
                .to_str()
                .and_then(lesson::parse_dir_name)
                .is_some_and(|(n, _)| n == lesson.number)
        })
        .map(|e| e.path())
}

/// Compares the learner's copy of `lesson` (under `exercises`) with the
/// instructor's (under `instructor_root`).
pub fn inspect(exercises: &Path, lesson: &Lesson, instructor_root: &Path) -> LessonFiles {
    let Some(theirs) = lesson_dir(exercises, lesson) else {
        return LessonFiles {
            src: None,
            modified: Vec::new(),
        };
    };
    let ours = instructor_root.join(lesson.exercise_dir());
    // A file the learner deleted cannot help them; one changed or added could.
    let mut modified: Vec<String> = mirror::differences(&ours.join("tests"), &theirs.join("tests"))
        .into_iter()
        .map(|f| format!("tests/{f}"))
        .filter(|f| theirs.join(f).is_file())
        .collect();
    for file in ["lesson.toml", "Cargo.toml"] {
        if theirs.join(file).is_file() && !mirror::same_text(&ours.join(file), &theirs.join(file)) {
            modified.push(file.to_owned());
        }
    }
    let src = theirs.join("src");
    LessonFiles {
        src: src.is_dir().then_some(src),
        modified,
    }
}

/// The symbolic links in `src` (`src` itself included), relative to its
/// parent: `grade` takes regular files only.
pub fn symlinks(src: &Path) -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_symlink() => out.push(
                    path.strip_prefix(base)
                        .unwrap_or(&path)
                        .display()
                        .to_string(),
                ),
                Ok(kind) if kind.is_dir() => walk(&path, base, out),
                _ => {}
            }
        }
    }
    let base = src.parent().unwrap_or(src);
    if src
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        return vec!["src".to_owned()];
    }
    let mut out = Vec::new();
    walk(src, base, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_workspaces_from_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(locate(&root.join("nothing")), Found::Empty);
        std::fs::create_dir_all(root.join("a/empty/dirs")).unwrap();
        assert_eq!(locate(&root.join("a")), Found::Empty);
        std::fs::write(root.join("a/notes.txt"), "hi").unwrap();
        assert_eq!(locate(&root.join("a")), Found::NotAWorkspace);
        std::fs::create_dir_all(root.join("w/exercises/lesson01-x/src")).unwrap();
        std::fs::write(root.join("w/exercises/lesson01-x/src/lib.rs"), "").unwrap();
        assert_eq!(
            locate(&root.join("w")),
            Found::Exercises(root.join("w/exercises"))
        );
        assert_eq!(
            locate(&root.join("w/exercises")),
            Found::Exercises(root.join("w/exercises"))
        );
    }
}
