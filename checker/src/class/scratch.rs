//! The scratch course tree a class is graded in: only what grading needs.
//!
//! Its root manifest lists the lessons and the support crates (testkit),
//! never `solutions/` or the checker; each lesson brings its tests,
//! `lesson.toml` and manifest, and gets each submission's `src/` in turn.
//! Nothing else of the instructor's folder is copied, so neither the
//! solutions nor submissions kept inside the course folder can be reached
//! from a submission's code.
//!
//! Each submission's library is compiled with `unsafe_code`,
//! `long_running_const_eval` and clippy's `disallowed_methods` /
//! `disallowed_macros` (configured in the generated `clippy.toml`)
//! forbidden: no `allow` lifts a `forbid` (see [`library_attribute`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::tree_hash;
use crate::class::mirror;
use crate::course::lesson::Lesson;
use crate::course::manifest;
use crate::course::workspace::Workspace;
use crate::maintain::export;

/// What a lesson may not call, with the reason an instructor reads.
pub const DISALLOWED_METHODS: &[(&str, &str)] = &[
    ("std::process::exit", "leaves the test process early"),
    ("std::process::abort", "leaves the test process early"),
    (
        "std::panic::set_hook",
        "replaces the test harness's panic report",
    ),
    (
        "std::panic::take_hook",
        "replaces the test harness's panic report",
    ),
    ("std::process::Command::new", "starts another program"),
    ("std::env::current_exe", "looks for the test binary"),
    ("std::env::args", "reads the test runner's arguments"),
    ("std::env::args_os", "reads the test runner's arguments"),
];

/// What a lesson may not expand.
pub const DISALLOWED_MACROS: &[(&str, &str)] = &[
    ("std::include", "includes a file by path"),
    ("std::include_str", "includes a file by path"),
    ("std::include_bytes", "includes a file by path"),
];

/// The scratch course tree.
#[derive(Debug)]
pub struct Scratch {
    /// The workspace as the checker sees it on the host.
    pub workspace: Workspace,
    /// A hash of each lesson's stub `src/` (in the course's order).
    pub stubs: Vec<u64>,
    /// Where the instructor's stubs are, to put back after a run.
    instructor_root: PathBuf,
}

impl Scratch {
    /// Brings `cache/workspace` up to date with the instructor's course.
    ///
    /// # Errors
    ///
    /// When a file cannot be copied or a manifest does not parse.
    pub fn prepare(instructor: &Workspace, cache: &Path) -> Result<Scratch> {
        let root = cache.join("workspace");
        // The sandbox mounts each build's output here.
        std::fs::create_dir_all(root.join("target"))?;
        let text = std::fs::read_to_string(instructor.root.join("Cargo.toml"))
            .context("cannot read the root Cargo.toml")?;
        let (manifest, support) = manifest::for_grading(&text)?;
        write_if_changed(&root.join("Cargo.toml"), &manifest)?;
        let lock = instructor.root.join("Cargo.lock");
        if lock.is_file() {
            mirror::copy_if_changed(&lock, &root.join("Cargo.lock"))?;
        }
        write_if_changed(&root.join("clippy.toml"), &clippy_toml())?;
        let skip = |rel: &Path| export::left_out(rel);
        for dir in &support {
            mirror::mirror(&instructor.root.join(dir), &root.join(dir), &skip)
                .with_context(|| format!("cannot copy {dir}"))?;
        }
        // Only the course's lessons: anything else under exercises/ goes.
        let exercises = root.join("exercises");
        if exercises.is_dir() {
            for entry in std::fs::read_dir(&exercises)?.flatten() {
                let name = entry.file_name();
                if !instructor.lessons.iter().any(|l| *l.dir_name == *name) {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let mut stubs = Vec::new();
        for lesson in &instructor.lessons {
            let from = instructor.root.join(lesson.exercise_dir());
            let to = root.join(lesson.exercise_dir());
            let skip = |rel: &Path| rel == Path::new("src") || export::left_out(rel);
            mirror::mirror(&from, &to, &skip)
                .with_context(|| format!("cannot copy {}", from.display()))?;
            stubs.push(tree_hash(&from.join("src")));
        }
        let scratch = Scratch {
            workspace: Workspace {
                root,
                lessons: instructor.lessons.clone(),
            },
            stubs,
            instructor_root: instructor.root.clone(),
        };
        // Cargo reads each lesson's library as it reads the manifests.
        scratch.put_stubs()?;
        settle_lockfile(&scratch.workspace.root)?;
        Ok(scratch)
    }

    /// `exercises/lessonNN-*/src` of the scratch tree.
    pub fn src(&self, lesson: &Lesson) -> PathBuf {
        self.workspace.path(lesson.exercise_dir()).join("src")
    }

    /// Puts the instructor's stubs in every lesson's `src/`.
    ///
    /// # Errors
    ///
    /// When a file cannot be copied.
    pub fn put_stubs(&self) -> Result<()> {
        for lesson in &self.workspace.lessons {
            let from = self.instructor_root.join(lesson.exercise_dir()).join("src");
            mirror::mirror(&from, &self.src(lesson), &|_| false)
                .with_context(|| format!("cannot copy {}", from.display()))?;
        }
        Ok(())
    }
}

/// Lets cargo fit `Cargo.lock` to the scratch tree's members (it drops
/// the solutions and the checker) now, outside the sandbox, where the
/// course tree is read-only. Only manifests are read: no code runs.
fn settle_lockfile(root: &Path) -> Result<()> {
    let rustc = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .context("cannot run rustc")?;
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("`rustc -vV` names no host")?;
    // Only this platform's packages: others' sources are not downloaded.
    let output = std::process::Command::new(crate::steps::build::cargo())
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host, "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .stdin(std::process::Stdio::null())
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        anyhow::bail!(
            "cargo cannot read the scratch course tree: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// What `grade` puts in front of the first line of a lesson's
/// `src/lib.rs`: the lints forbidden for the library alone (the tests may
/// include their `lesson.toml`, or use `unsafe` to watch allocations), on
/// the same line so that every line number stays the learner's.
pub fn library_attribute(allow_flagged: bool) -> &'static str {
    if allow_flagged {
        "#![forbid(unsafe_code, long_running_const_eval)] \
         #![warn(clippy::disallowed_methods, clippy::disallowed_macros)] "
    } else {
        "#![forbid(unsafe_code, long_running_const_eval, \
         clippy::disallowed_methods, clippy::disallowed_macros)] "
    }
}

/// Puts [`library_attribute`] in front of `src/lib.rs` under `src`.
///
/// # Errors
///
/// When the file cannot be read or written.
pub fn mark_library(src: &Path, allow_flagged: bool) -> Result<()> {
    let lib = src.join("lib.rs");
    let Ok(text) = std::fs::read(&lib) else {
        return Ok(());
    };
    let mut marked = library_attribute(allow_flagged).as_bytes().to_vec();
    marked.extend_from_slice(&text);
    std::fs::write(&lib, marked).with_context(|| format!("cannot write {}", lib.display()))
}

/// The `clippy.toml` that names what a lesson may not use.
fn clippy_toml() -> String {
    let list = |items: &[(&str, &str)]| {
        items
            .iter()
            .map(|(path, reason)| format!("    {{ path = \"{path}\", reason = \"{reason}\" }},\n"))
            .collect::<String>()
    };
    format!(
        "# Written by `checker grade`: what a lesson's code may not use.\n\
         disallowed-methods = [\n{}]\ndisallowed-macros = [\n{}]\n",
        list(DISALLOWED_METHODS),
        list(DISALLOWED_MACROS)
    )
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
