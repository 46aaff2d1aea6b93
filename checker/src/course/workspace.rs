//! The course workspace: its root and the lessons under `exercises/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::course::lesson::{self, Lesson};
use crate::t;

/// The course workspace the checker grades.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The directory holding the workspace's `Cargo.toml` and `exercises/`.
    pub root: PathBuf,
    /// Every lesson with a `lesson.toml`, by number.
    pub lessons: Vec<Lesson>,
}

impl Workspace {
    /// Finds the workspace containing `start` and loads its lessons.
    ///
    /// # Errors
    ///
    /// When `start` is not inside a course workspace, or a `lesson.toml` is
    /// malformed.
    pub fn discover(start: &Path) -> Result<Workspace> {
        let root = find_root(start)?;
        let lessons = load_lessons(&root)?;
        Ok(Workspace { root, lessons })
    }

    /// `relative` (a path from the root) as an absolute path.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }
}

/// Walks up from `start` to the first directory with a `Cargo.toml` that
/// declares `[workspace]` and has an `exercises/` directory beside it.
///
/// # Errors
///
/// When there is no such directory.
pub fn find_root(start: &Path) -> Result<PathBuf> {
    let start = start
        .canonicalize()
        .with_context(|| format!("cannot open {}", start.display()))?;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if dir.join("exercises").is_dir() && manifest.is_file() {
            let text = std::fs::read_to_string(&manifest)
                .with_context(|| format!("cannot read {}", manifest.display()))?;
            if declares_workspace(&text) {
                return Ok(dir.to_path_buf());
            }
        }
    }
    bail!(
        "{}",
        t!("error-not-a-workspace", dir = start.display().to_string())
    )
}

fn declares_workspace(manifest: &str) -> bool {
    match manifest.parse::<toml::Table>() {
        Ok(table) => table.contains_key("workspace"),
        Err(_) => manifest.lines().any(|l| l.trim() == "[workspace]"),
    }
}

/// Loads `exercises/lesson*/lesson.toml`, sorted by lesson number.
///
/// A `lessonNN-*` directory without a `lesson.toml` is not a lesson yet and
/// is skipped.
///
/// # Errors
///
/// When a `lesson.toml` is malformed or two directories share a number.
pub fn load_lessons(root: &Path) -> Result<Vec<Lesson>> {
    let exercises = root.join("exercises");
    let entries = std::fs::read_dir(&exercises)
        .with_context(|| format!("cannot list {}", exercises.display()))?;
    let mut lessons: Vec<Lesson> = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", exercises.display()))?;
        let Some(dir_name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some((number, digits)) = lesson::parse_dir_name(&dir_name) else {
            continue;
        };
        if !entry.path().join("lesson.toml").is_file() {
            continue;
        }
        let lesson = Lesson::load(root, &dir_name, number, digits)?;
        if let Some(other) = lessons.iter().find(|l| l.number == number) {
            bail!(
                "{}",
                t!(
                    "error-same-number",
                    first = other.dir_name.as_str(),
                    second = dir_name.as_str(),
                    number = number
                )
            );
        }
        lessons.push(lesson);
    }
    lessons.sort_by_key(|l| l.number);
    Ok(lessons)
}
