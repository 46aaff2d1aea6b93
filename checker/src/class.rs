//! `checker grade`: a class's submissions graded with the instructor's tests.
//!
//! One scratch workspace serves every submission in turn: a copy of the
//! instructor's workspace without `solutions/` (see [`crate::export`]), into
//! which each submission's lessons' `src/` (and nothing else) is mirrored
//! before it is built. Learner code never runs in the submission itself.
//!
//! The build cache is shared: one `CARGO_TARGET_DIR` and one scratch path
//! for every submission, so the dependencies compile once, and a lesson
//! whose source is unchanged since the last submission is not rebuilt
//! (only files whose bytes differ are written, see [`crate::mirror`]). On
//! top of that, each lesson's test binary is kept by a hash of its source,
//! so a lesson a learner left untouched (the stub) is built once per run
//! however many submissions share it.
//!
//! Test processes run in a [`Sandbox`]: resource limits, `nobody` when the
//! checker is root, a clean environment and a private `TMPDIR`.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::build::{self, Built, Package};
use crate::export;
use crate::grade::{exercise_package, run_built};
use crate::gradebook::{Row, Standing};
use crate::json;
use crate::junit;
use crate::lesson::Lesson;
use crate::manifest;
use crate::mirror;
use crate::outcome::{LessonOutcome, LessonStatus, StepStatus};
use crate::run::Options;
use crate::sandbox::{Limits, Sandbox};
use crate::submission::{self, Found};
use crate::ui::Progress;
use crate::workspace::Workspace;

/// How to grade a class.
#[derive(Debug, Clone)]
pub struct ClassOptions {
    /// Where `grades.csv` and the reports go.
    pub out: PathBuf,
    /// Where the scratch workspace and build cache live; a temporary
    /// directory when `None`.
    pub cache: Option<PathBuf>,
    /// Per-process limits on learner code.
    pub limits: Limits,
    /// The per-lesson time limit and the number of steps run at once.
    pub run: Options,
    /// Also write a JUnit file per submission.
    pub junit: bool,
}

/// The name of the CSV in the output directory.
pub const CSV_NAME: &str = "grades.csv";

/// Grades every submission in turn; returns one row each, in order, and
/// writes `grades.csv` (after each submission, so a stopped run keeps its
/// rows) and each graded submission's `NAME.json` (and `NAME.xml`).
///
/// # Errors
///
/// Set-up problems only: the output or cache directory cannot be made, the
/// instructor's workspace cannot be copied. A submission that cannot be
/// graded gets a row that says why.
pub fn grade_class(
    instructor: &Workspace,
    submissions: &[PathBuf],
    options: &ClassOptions,
) -> Result<Vec<Row>> {
    if instructor.lessons.is_empty() {
        bail!("no lessons found: no exercises/lessonNN-*/lesson.toml");
    }
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create {}", options.out.display()))?;

    let temporary;
    let cache = match &options.cache {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.canonicalize()?
        }
        None => {
            temporary = tempfile::Builder::new()
                .prefix("checker-grade-")
                .tempdir()
                .context("cannot create a temporary directory")?;
            temporary.path().to_path_buf()
        }
    };
    let scratch = Scratch::prepare(instructor, &cache)?;

    let sandbox = Arc::new(Sandbox::new(options.limits, cache.join("tmp")));
    if let Some(user) = sandbox.user() {
        open_to_others(&cache, user.name)?;
    }
    sandbox.begin().context("cannot prepare the sandbox")?;
    eprintln!("checker: {}", sandbox.describe());
    let mut run = options.run.clone();
    run.sandbox = Some(Arc::clone(&sandbox));

    let names = unique_names(submissions);
    let lessons: Vec<&Lesson> = instructor.lessons.iter().collect();
    let mut binaries: HashMap<(String, u64), PathBuf> = HashMap::new();
    let mut rows = Vec::new();
    for (i, (dir, name)) in submissions.iter().zip(&names).enumerate() {
        let started = Instant::now();
        let graded = grade_one(
            instructor,
            &scratch,
            &lessons,
            dir,
            name,
            &run,
            &mut binaries,
        );
        let killed = sandbox.sweep();
        let mut row = match graded {
            Ok((row, outcomes)) => {
                if let Some(outcomes) = outcomes {
                    write_reports(&options.out, name, &outcomes, options.junit)?;
                }
                row
            }
            Err(error) => Row {
                name: name.clone(),
                standing: Standing::Error,
                points: vec![0; lessons.len()],
                notes: vec![format!("{error:#}").replace('\n', " ")],
                seconds: 0.0,
            },
        };
        if killed > 0 {
            row.notes
                .push(format!("{killed} stray processes killed after its tests"));
        }
        row.seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "checker: [{}/{}] {}: {}/{} points, {} ({:.1} s)",
            i + 1,
            submissions.len(),
            row.name,
            row.total(),
            lessons.iter().map(|l| l.max_points()).sum::<u32>(),
            row.standing.words(),
            row.seconds
        );
        rows.push(row);
        let csv = crate::gradebook::csv(&instructor.lessons, &rows);
        std::fs::write(options.out.join(CSV_NAME), csv)
            .with_context(|| format!("cannot write {}", options.out.join(CSV_NAME).display()))?;
        sandbox.begin().context("cannot reset the sandbox")?;
    }
    Ok(rows)
}

/// The scratch workspace: its root and its build directory.
struct Scratch {
    workspace: Workspace,
    target: PathBuf,
    binaries: PathBuf,
}

impl Scratch {
    /// Brings `cache/workspace` up to date with the instructor's workspace
    /// (without solutions; lessons' `src/` are filled per submission).
    fn prepare(instructor: &Workspace, cache: &Path) -> Result<Scratch> {
        let root = cache.join("workspace");
        let skip = |rel: &Path| {
            export::left_out(rel)
                || rel == Path::new("Cargo.toml")
                || rel == Path::new("Cargo.lock")
                || is_lesson_src(rel)
        };
        mirror::mirror(&instructor.root, &root, &skip)
            .context("cannot copy the workspace into the scratch directory")?;
        let manifest = std::fs::read_to_string(instructor.root.join("Cargo.toml"))
            .context("cannot read the root Cargo.toml")?;
        write_if_changed(
            &root.join("Cargo.toml"),
            &manifest::without_solutions(&manifest)?,
        )?;
        let lock = instructor.root.join("Cargo.lock");
        if lock.is_file() && !root.join("Cargo.lock").is_file() {
            std::fs::copy(&lock, root.join("Cargo.lock")).context("cannot copy Cargo.lock")?;
        }
        let binaries = cache.join("binaries");
        // Binaries are keyed by their source only: they are good for one run.
        if binaries.exists() {
            std::fs::remove_dir_all(&binaries)?;
        }
        std::fs::create_dir_all(&binaries)?;
        Ok(Scratch {
            workspace: Workspace {
                root,
                lessons: instructor.lessons.clone(),
            },
            target: cache.join("target"),
            binaries,
        })
    }
}

/// `exercises/lessonNN-*/src`: filled from each submission, not the instructor.
fn is_lesson_src(rel: &Path) -> bool {
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str()).collect();
    parts.len() == 3 && parts[0] == "exercises" && parts[2] == "src"
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Makes `dir` and its ancestors passable for the sandbox's user, or says why not.
fn open_to_others(dir: &Path, user: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    for ancestor in dir.ancestors().skip(1) {
        let mode = std::fs::metadata(ancestor)?.permissions().mode();
        if mode & 0o001 == 0 {
            bail!(
                "the tests run as {user}, who cannot enter {} (mode {:o}): choose a --cache directory {user} can reach",
                ancestor.display(),
                mode & 0o777
            );
        }
    }
    Ok(())
}

/// Each submission's name: its directory's name (its parent's for an
/// `exercises/`), made unique with `-2`, `-3`, ... and safe as a file name.
fn unique_names(submissions: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for dir in submissions {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        let mut base = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        if base.as_deref() == Some("exercises") {
            base = dir
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned());
        }
        let base: String = base
            .unwrap_or_else(|| "submission".to_owned())
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || "-_.@+".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// Grades one submission; the outcomes are there when it was graded.
fn grade_one(
    instructor: &Workspace,
    scratch: &Scratch,
    lessons: &[&Lesson],
    dir: &Path,
    name: &str,
    run: &Options,
    binaries: &mut HashMap<(String, u64), PathBuf>,
) -> Result<(Row, Option<Vec<LessonOutcome>>)> {
    let ungraded = |standing: Standing, note: &str| Row {
        name: name.to_owned(),
        standing,
        points: vec![0; lessons.len()],
        notes: if note.is_empty() {
            Vec::new()
        } else {
            vec![note.to_owned()]
        },
        seconds: 0.0,
    };
    let exercises = match submission::locate(dir) {
        Found::Exercises(path) => path,
        Found::Empty => {
            let note = if dir.is_dir() {
                String::new()
            } else {
                format!("{} is not a directory", dir.display())
            };
            return Ok((ungraded(Standing::Empty, &note), None));
        }
        Found::NotAWorkspace => {
            return Ok((
                ungraded(
                    Standing::NotAWorkspace,
                    "no exercises/lessonNN-* directories",
                ),
                None,
            ));
        }
    };

    // Mirror each lesson's src/ into the scratch workspace; reuse the binaries
    // already built from the same source.
    let mut modified = Vec::new();
    let mut missing = Vec::new();
    let mut built: Vec<Option<Built>> = Vec::new();
    let mut keys = Vec::new();
    for lesson in lessons {
        let files = submission::inspect(&exercises, lesson, &instructor.root);
        if !files.modified.is_empty() {
            modified.push(format!("{} ({})", lesson.id, files.modified.join(", ")));
        }
        let src = match &files.src {
            Some(src) => src.clone(),
            None => {
                missing.push(lesson.id.clone());
                instructor.root.join(lesson.exercise_dir()).join("src")
            }
        };
        let to = scratch.workspace.path(lesson.exercise_dir()).join("src");
        mirror::mirror(&src, &to, &|_| false)
            .with_context(|| format!("cannot copy {}", src.display()))?;
        let key = (lesson.id.clone(), tree_hash(&to));
        built.push(binaries.get(&key).cloned().map(Built::Binary));
        keys.push(key);
    }

    let to_build: Vec<usize> = (0..lessons.len()).filter(|&i| built[i].is_none()).collect();
    if !to_build.is_empty() {
        let packages: Vec<Package> = to_build
            .iter()
            .map(|&i| exercise_package(lessons[i]))
            .collect();
        let progress = Progress::new(!std::io::stderr().is_terminal());
        progress.building(&format!("{name}: building {} lessons", packages.len()));
        let result = build::build_in(
            &scratch.workspace.root,
            Some(&scratch.target),
            &packages,
            &mut |crate_name| progress.compiled(&format!("{name}: building"), crate_name),
        );
        progress.finish();
        let fresh = match result {
            Ok(fresh) => fresh,
            Err(error) => {
                let note = format!("{error:#}").replace('\n', " ");
                return Ok((ungraded(Standing::DoesNotBuild, &note), None));
            }
        };
        for (&i, outcome) in to_build.iter().zip(fresh) {
            let outcome = match outcome {
                Built::Binary(binary) => {
                    let kept = scratch
                        .binaries
                        .join(format!("{}-{:016x}", keys[i].0, keys[i].1));
                    std::fs::copy(&binary, &kept)
                        .with_context(|| format!("cannot keep {}", binary.display()))?;
                    binaries.insert(keys[i].clone(), kept.clone());
                    Built::Binary(kept)
                }
                failed => failed,
            };
            built[i] = Some(outcome);
        }
    }
    let built: Vec<Built> = built.into_iter().map(|b| b.expect("built")).collect();
    let compiled = built
        .iter()
        .filter(|b| matches!(b, Built::Binary(_)))
        .count();

    let progress = Progress::new(!std::io::stderr().is_terminal());
    let outcomes = run_built(&scratch.workspace, lessons, built, run, &progress);
    drop(progress);

    let mut notes = Vec::new();
    if !modified.is_empty() {
        notes.push(format!(
            "edits ignored (graded with the course's tests) in {}",
            modified.join(", ")
        ));
    }
    if !missing.is_empty() {
        notes.push(format!(
            "missing (graded as the stub): {}",
            missing.join(", ")
        ));
    }
    let with = |status: LessonStatus| {
        outcomes
            .iter()
            .filter(|o| o.status == status)
            .map(|o| o.lesson.id.clone())
            .collect::<Vec<_>>()
    };
    let broken = with(LessonStatus::DoesNotCompile);
    if !broken.is_empty() && compiled > 0 {
        notes.push(format!("does not compile: {}", broken.join(", ")));
    }
    if compiled == 0 {
        let first = outcomes
            .iter()
            .find_map(|o| o.compile_error.as_ref())
            .map(|e| format!("first error: {e}"))
            .unwrap_or_default();
        notes.push(first);
    }
    let timed_out = with(LessonStatus::TimedOut);
    if !timed_out.is_empty() {
        notes.push(format!("timed out: {}", timed_out.join(", ")));
    }
    let limits: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            let step = o.steps.iter().find(|s| {
                s.status == StepStatus::Error
                    && s.message.as_deref().is_some_and(|m| {
                        m.contains("limit exceeded") || m.contains("out of memory")
                    })
            })?;
            Some(format!(
                "{} {} ({})",
                o.lesson.id,
                step.name,
                step.first_line()
            ))
        })
        .collect();
    if !limits.is_empty() {
        notes.push(format!("over a limit: {}", limits.join(", ")));
    }
    notes.retain(|n| !n.is_empty());

    let standing = if compiled == 0 {
        Standing::DoesNotBuild
    } else if !modified.is_empty() {
        Standing::TestsModified
    } else {
        Standing::Graded
    };
    let row = Row {
        name: name.to_owned(),
        standing,
        points: outcomes.iter().map(LessonOutcome::points).collect(),
        notes,
        seconds: 0.0,
    };
    Ok((row, Some(outcomes)))
}

/// A hash of every file's path and bytes under `dir`.
fn tree_hash(dir: &Path) -> u64 {
    fn walk(root: &Path, dir: &Path, hasher: &mut DefaultHasher) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, hasher);
            } else {
                path.strip_prefix(root).unwrap_or(&path).hash(hasher);
                std::fs::read(&path).unwrap_or_default().hash(hasher);
            }
        }
    }
    let mut hasher = DefaultHasher::new();
    walk(dir, dir, &mut hasher);
    hasher.finish()
}

/// Writes `NAME.json` (and `NAME.xml`) for a graded submission.
fn write_reports(out: &Path, name: &str, outcomes: &[LessonOutcome], junit: bool) -> Result<()> {
    let path = out.join(format!("{name}.json"));
    std::fs::write(&path, json::Results::new(outcomes).to_json() + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    if junit {
        let path = out.join(format!("{name}.xml"));
        std::fs::write(&path, junit::document(name, outcomes))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_safe() {
        let names = unique_names(&[
            PathBuf::from("/nonexistent/alice"),
            PathBuf::from("/other/alice"),
            PathBuf::from("/x/bob smith/exercises"),
        ]);
        assert_eq!(names, ["alice", "alice-2", "bob_smith"]);
    }

    #[test]
    fn lesson_sources_are_recognised() {
        assert!(is_lesson_src(Path::new("exercises/lesson01-x/src")));
        assert!(!is_lesson_src(Path::new("exercises/lesson01-x/tests")));
        assert!(!is_lesson_src(Path::new("testkit/src")));
    }
}
