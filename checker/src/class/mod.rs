//! `checker grade`: a class's submissions graded with the instructor's
//! tests, in a sandbox, with nothing a submission says about itself trusted.
//!
//! - [`scratch`]: the course tree grading needs and nothing else (no
//!   solutions, no other submission), with each submission's `src/` in turn;
//! - [`targets`]: the dependencies built once into a read-only base, and a
//!   private build directory for each submission;
//! - [`flags`]: what the compiler found that no lesson needs;
//! - [`crate::class::jail`]: the bubblewrap sandbox every build and test runs in.
//!
//! A submission goes through four stages: its sources are taken (regular
//! files only), the lessons that differ from the stub are built (under a
//! time and memory limit), the built ones are run (each step's pass
//! confirmed by testkit), and its row is written. A lesson left as the stub
//! is not built: `verify` proves that a stub passes no step.
//! Test binaries are kept by a hash of their source for the rest of the
//! run, so identical code is built once; everything a submission brought or
//! built is removed when the run ends.

mod flags;
pub mod gradebook;
pub mod jail;
pub mod mirror;
pub mod sandbox;
mod scratch;
pub mod submission;
mod targets;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::class::gradebook::{Row, Standing};
use crate::class::jail::Jail;
use crate::class::sandbox::{Limits, Sandbox};
use crate::class::submission::Found;
use crate::course::lesson::Lesson;
use crate::course::workspace::Workspace;
use crate::report::json;
use crate::report::junit;
use crate::report::ui::Progress;
use crate::steps::build::{self, Built, Ended, Package};
use crate::steps::grade::{exercise_package, run_built};
use crate::steps::outcome::{Cause, LessonOutcome, LessonStatus};
use crate::steps::run::{Jailed, Options};
use crate::t;

pub use scratch::{DISALLOWED_MACROS, DISALLOWED_METHODS, Scratch};

/// How to grade a class.
#[derive(Debug, Clone)]
pub struct ClassOptions {
    /// Where `grades.csv` and the reports go.
    pub out: PathBuf,
    /// Where the scratch workspace and build cache live; a temporary
    /// directory when `None`.
    pub cache: Option<PathBuf>,
    /// Per-process limits on the tests.
    pub limits: Limits,
    /// Limits on a submission's build.
    pub build: BuildLimits,
    /// The per-lesson time limit and the number of steps run at once.
    pub run: Options,
    /// Also write a JUnit file per submission.
    pub junit: bool,
    /// Grade without bubblewrap (every report says so).
    pub no_sandbox: bool,
    /// Grade flagged lessons anyway, their flags kept in the notes.
    pub allow_flagged: bool,
    /// The size of each sandbox's private `/tmp` and `/dev/shm`, in bytes.
    pub tmp_bytes: u64,
}

/// Limits on one submission's build.
#[derive(Debug, Clone, Copy)]
pub struct BuildLimits {
    /// Wall time for the whole build.
    pub timeout: Duration,
    /// Data memory for each compiler process, in bytes.
    pub memory_bytes: u64,
    /// Processes and threads at once.
    pub processes: u64,
}

/// The name of the CSV in the output directory.
pub const CSV_NAME: &str = "grades.csv";

/// The note every row and report carries when grading ran without a sandbox.
pub fn unsandboxed() -> String {
    t!("grade-unsandboxed")
}

/// Grades every submission in turn; returns one row each, in order, and
/// writes `grades.csv` (after each submission, so a stopped run keeps its
/// rows) and each graded submission's `NAME.json` (and `NAME.xml`).
///
/// # Errors
///
/// Set-up problems only: the output or cache directory cannot be made, the
/// instructor's workspace cannot be copied, no sandbox can be made. A
/// submission that cannot be graded gets a row that says why.
pub fn grade_class(
    instructor: &Workspace,
    submissions: &[PathBuf],
    options: &ClassOptions,
) -> Result<Vec<Row>> {
    if instructor.lessons.is_empty() {
        bail!("{}", t!("error-no-lessons"));
    }
    if !options.no_sandbox {
        // Before anything else: without a sandbox there is nothing to do.
        jail::find()?;
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
    let sandbox = Sandbox::new(options.limits, cache.join("tmp"));
    let sandbox = Arc::new(if options.no_sandbox {
        sandbox
    } else {
        sandbox.jailed()
    });
    if let Some(user) = sandbox.user() {
        open_to_others(&cache, user.name)?;
    }
    let scratch = scratch::Scratch::prepare(instructor, &cache)?;
    let mut class = Class {
        scratch,
        cache: cache.clone(),
        sandbox: Arc::clone(&sandbox),
        builder: Sandbox::new(
            Limits {
                cpu_seconds: options.build.timeout.as_secs().saturating_mul(2),
                memory_bytes: options.build.memory_bytes,
                file_size_bytes: 1 << 30,
                processes: options.build.processes,
            },
            cache.join("tmp"),
        )
        .jailed(),
        jail: None,
        binaries: HashMap::new(),
        options: options.clone(),
    };
    if options.no_sandbox {
        eprintln!("{}", t!("grade-warning", warning = unsandboxed()));
    } else {
        let jail = Jail::new(&cache, sandbox.user(), options.tmp_bytes)?;
        eprintln!("{}", t!("progress-plain", what = jail.describe()));
        class.jail = Some(Arc::new(Jailed {
            jail,
            course: class.scratch.workspace.root.clone(),
        }));
        class.build_base()?;
    }
    sandbox.begin().context("cannot prepare the sandbox")?;
    eprintln!("{}", t!("progress-plain", what = sandbox.describe()));

    let names = unique_names(submissions);
    let max: u32 = instructor.lessons.iter().map(Lesson::max_points).sum();
    let mut rows = Vec::new();
    for (i, (dir, name)) in submissions.iter().zip(&names).enumerate() {
        let started = Instant::now();
        let graded = class.grade_one(instructor, dir, name);
        let killed = sandbox.sweep();
        let (mut row, outcomes) = match graded {
            Ok((row, outcomes)) => (row, outcomes),
            Err(error) => (
                Row {
                    name: name.clone(),
                    standing: Standing::Error,
                    points: vec![0; instructor.lessons.len()],
                    notes: vec![format!("{error:#}").replace('\n', " ")],
                    seconds: 0.0,
                },
                None,
            ),
        };
        if killed > 0 {
            row.notes.push(t!("note-stray-killed", count = killed));
        }
        if options.no_sandbox {
            row.notes.push(unsandboxed());
        }
        row.seconds = started.elapsed().as_secs_f64();
        if let Some(outcomes) = outcomes {
            write_reports(&options.out, &row, &outcomes, options.junit)?;
        }
        eprintln!(
            "{}",
            t!(
                "grade-progress",
                n = i + 1,
                total = submissions.len(),
                name = row.name.as_str(),
                points = row.total(),
                max = max,
                standing = row.standing.shown(),
                seconds = format!("{:.1}", row.seconds)
            )
        );
        rows.push(row);
        let csv = crate::class::gradebook::csv(&instructor.lessons, &rows);
        std::fs::write(options.out.join(CSV_NAME), csv)
            .with_context(|| format!("cannot write {}", options.out.join(CSV_NAME).display()))?;
        sandbox.begin().context("cannot reset the sandbox")?;
    }
    drop(class);
    Ok(rows)
}

/// Everything one run of `grade` shares between submissions.
struct Class {
    scratch: scratch::Scratch,
    cache: PathBuf,
    /// Limits on test processes.
    sandbox: Arc<Sandbox>,
    /// Limits on builds.
    builder: Sandbox,
    jail: Option<Arc<Jailed>>,
    /// Test binaries by lesson and source hash, good for this run, with
    /// what was flagged in them (under `--allow-flagged`).
    binaries: HashMap<(String, u64), (PathBuf, Vec<String>)>,
    options: ClassOptions,
}

/// Removes what submissions brought or built, whatever way the run ends.
impl Drop for Class {
    fn drop(&mut self) {
        let _ = self.scratch.put_stubs();
        for dir in ["binaries", "targets", "tmp", "target"] {
            let _ = std::fs::remove_dir_all(self.cache.join(dir));
        }
    }
}

/// One lesson of a submission, once its sources are taken.
enum Source {
    /// `src/` is the stub as given: known to pass no step.
    Stub,
    /// Flagged before building (a symbolic link in `src/`).
    Flagged(Vec<String>),
    /// To run with this binary; what was flagged in it under `--allow-flagged`.
    Built(PathBuf, Vec<String>),
    /// To build; its source's hash.
    ToBuild(u64),
    /// Built, and did not compile.
    Failed(build::CompileError),
}

impl Class {
    fn base(&self) -> PathBuf {
        self.cache.join("base")
    }

    /// Builds every lesson's stub in the sandbox into the base, once, and
    /// locks it.
    fn build_base(&self) -> Result<()> {
        let jailed = self.jail.as_ref().expect("a jail");
        self.scratch.put_stubs()?;
        let base = self.base();
        let user = self.sandbox.user();
        if base.exists() {
            targets::unlock(&base, user).context("cannot unlock the shared build")?;
        } else {
            std::fs::create_dir_all(&base)?;
            targets::unlock(&base, user)?;
        }
        let packages: Vec<Package> = self
            .scratch
            .workspace
            .lessons
            .iter()
            .map(exercise_package)
            .collect();
        let progress = Progress::new(!std::io::stderr().is_terminal());
        progress.building(&t!("progress-building-dependencies"));
        let mut command = jailed.jail.cargo(&self.scratch.workspace.root, &base);
        self.builder
            .begin()
            .context("cannot prepare the build sandbox")?;
        self.builder.limit(&mut command);
        let run = build::run_cargo(
            command,
            Path::new(jail::COURSE),
            &packages,
            Some(Instant::now() + Duration::from_secs(3600)),
            &mut |name| progress.compiled(&t!("progress-building-course"), name),
        )?;
        progress.finish();
        if let Some(Built::Failed(error)) = run.built.iter().find(|b| matches!(b, Built::Failed(_)))
        {
            bail!(
                "{}",
                t!("grade-stubs-do-not-build", error = error.to_string())
            );
        }
        targets::lock(&base, user).context("cannot lock the shared build")?;
        Ok(())
    }

    /// Grades one submission; the outcomes are there when it was graded.
    fn grade_one(
        &mut self,
        instructor: &Workspace,
        dir: &Path,
        name: &str,
    ) -> Result<(Row, Option<Vec<LessonOutcome>>)> {
        let lessons = &instructor.lessons;
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
                    t!("note-not-a-directory", dir = dir.display().to_string())
                };
                return Ok((ungraded(Standing::Empty, &note), None));
            }
            Found::NotAWorkspace => {
                return Ok((
                    ungraded(Standing::NotAWorkspace, &t!("note-no-exercises")),
                    None,
                ));
            }
        };
        let mut notes = Vec::new();
        let (mut sources, modified) = self.take_sources(instructor, &exercises, &mut notes)?;
        let ended = self.build(name, &mut sources)?;
        match ended {
            Ended::TimedOut => {
                let note = t!(
                    "note-build-timed-out",
                    seconds = self.options.build.timeout.as_secs()
                );
                return Ok((ungraded(Standing::BuildTimedOut, &note), None));
            }
            Ended::OverMemory => {
                let note = t!(
                    "note-build-over-memory",
                    mib = self.options.build.memory_bytes >> 20
                );
                return Ok((ungraded(Standing::BuildOverMemory, &note), None));
            }
            Ended::Finished => {}
        }
        let outcomes = self.run(lessons, sources);
        let row = self.row(name, &outcomes, notes, modified);
        Ok((row, Some(outcomes)))
    }

    /// Stage 1: copies each lesson's `src/` into the scratch tree (regular
    /// files only) and sorts the lessons into stubs, flagged, already built
    /// and to build; true when the learner edited files that are the
    /// course's (tests, `lesson.toml`, manifests).
    fn take_sources(
        &self,
        instructor: &Workspace,
        exercises: &Path,
        notes: &mut Vec<String>,
    ) -> Result<(Vec<Source>, bool)> {
        let mut modified = Vec::new();
        let mut missing = Vec::new();
        let mut sources = Vec::new();
        for (i, lesson) in instructor.lessons.iter().enumerate() {
            let files = submission::inspect(exercises, lesson, &instructor.root);
            if !files.modified.is_empty() {
                modified.push(format!("{} ({})", lesson.id, files.modified.join(", ")));
            }
            let stub = instructor.root.join(lesson.exercise_dir()).join("src");
            let to = self.scratch.src(lesson);
            let src = match files.src {
                Some(src) => {
                    let links = submission::symlinks(&src);
                    if !links.is_empty() {
                        mirror::mirror(&stub, &to, &|_| false)?;
                        sources.push(Source::Flagged(
                            links
                                .iter()
                                .map(|l| t!("flag-symlink", file = l.to_string()))
                                .collect(),
                        ));
                        continue;
                    }
                    src
                }
                None => {
                    missing.push(lesson.id.clone());
                    stub
                }
            };
            mirror::mirror(&src, &to, &|_| false)
                .with_context(|| format!("cannot copy {}", src.display()))?;
            let hash = tree_hash(&to);
            scratch::mark_library(&to, self.options.allow_flagged)?;
            let source = if hash == self.scratch.stubs[i] {
                Source::Stub
            } else if let Some((binary, flags)) = self.binaries.get(&(lesson.id.clone(), hash)) {
                Source::Built(binary.clone(), flags.clone())
            } else {
                Source::ToBuild(hash)
            };
            sources.push(source);
        }
        if !modified.is_empty() {
            notes.push(t!("note-edits-ignored", lessons = modified.join(", ")));
        }
        if !missing.is_empty() {
            notes.push(t!("note-missing", lessons = missing.join(", ")));
        }
        Ok((sources, !modified.is_empty()))
    }

    /// Stage 2: builds the lessons to build, in the sandbox when there is
    /// one, and keeps their binaries; flags what the compiler found.
    fn build(&mut self, name: &str, sources: &mut [Source]) -> Result<Ended> {
        let lessons = self.scratch.workspace.lessons.clone();
        let to_build: Vec<usize> = (0..lessons.len())
            .filter(|&i| matches!(sources[i], Source::ToBuild(_)))
            .collect();
        if to_build.is_empty() {
            return Ok(Ended::Finished);
        }
        let packages: Vec<Package> = to_build
            .iter()
            .map(|&i| exercise_package(&lessons[i]))
            .collect();
        let progress = Progress::new(!std::io::stderr().is_terminal());
        progress.building(&format!("{name}: building {} lessons", packages.len()));
        let deadline = Instant::now() + self.options.build.timeout;
        let mut on_progress =
            |crate_name: &str| progress.compiled(&format!("{name}: building"), crate_name);
        let target = self.cache.join("targets").join("submission");
        let (run, deps) = match &self.jail {
            Some(jailed) => {
                targets::link_copy(&self.base(), &target, self.sandbox.user())
                    .context("cannot prepare the submission's build directory")?;
                let mut command = jailed.jail.cargo(&self.scratch.workspace.root, &target);
                self.builder
                    .begin()
                    .context("cannot prepare the build sandbox")?;
                self.builder.limit(&mut command);
                let run = build::run_cargo(
                    command,
                    Path::new(jail::COURSE),
                    &packages,
                    Some(deadline),
                    &mut on_progress,
                )?;
                (run, Some(target.join("debug/deps")))
            }
            None => {
                let mut command = std::process::Command::new(build::cargo());
                command
                    .env("CARGO_TARGET_DIR", self.cache.join("target"))
                    .current_dir(&self.scratch.workspace.root);
                let root = self.scratch.workspace.root.clone();
                (
                    build::run_cargo(command, &root, &packages, Some(deadline), &mut on_progress)?,
                    None,
                )
            }
        };
        progress.finish();
        if run.ended != Ended::Finished {
            let _ = std::fs::remove_dir_all(&target);
            return Ok(run.ended);
        }
        let binaries = self.cache.join("binaries");
        std::fs::create_dir_all(&binaries)?;
        for ((&i, built), diagnostics) in to_build.iter().zip(run.built).zip(&run.diagnostics) {
            let lesson = &lessons[i];
            let mut flags = flags::from_diagnostics(lesson, diagnostics);
            if let Some(deps) = &deps {
                flags.extend(flags::from_dep_info(lesson, deps));
            }
            let Source::ToBuild(hash) = sources[i] else {
                continue;
            };
            sources[i] = match built {
                _ if !flags.is_empty() && !self.options.allow_flagged => Source::Flagged(flags),
                Built::Failed(error) if !flags.is_empty() => Source::Flagged(
                    flags
                        .into_iter()
                        .chain([t!("problem-compile", error = error.to_string())])
                        .collect(),
                ),
                Built::Failed(error) => Source::Failed(error),
                Built::Binary(binary) => {
                    let binary = match &self.jail {
                        Some(_) => host_path(&binary, &target),
                        None => binary,
                    };
                    let kept = binaries.join(format!("{}-{hash:016x}", lesson.id));
                    std::fs::copy(&binary, &kept)
                        .with_context(|| format!("cannot keep {}", binary.display()))?;
                    self.binaries
                        .insert((lesson.id.clone(), hash), (kept.clone(), flags.clone()));
                    Source::Built(kept, flags)
                }
            };
        }
        let _ = std::fs::remove_dir_all(&target);
        Ok(Ended::Finished)
    }

    /// Stage 3: runs the built lessons' steps; every other lesson gets the
    /// outcome its source earned without running.
    fn run(&self, lessons: &[Lesson], sources: Vec<Source>) -> Vec<LessonOutcome> {
        let timeout = self.options.run.timeout;
        let mut options = self.options.run.clone();
        options.sandbox = Some(Arc::clone(&self.sandbox));
        options.jail = self.jail.clone();
        let (to_run, built): (Vec<&Lesson>, Vec<Built>) = lessons
            .iter()
            .zip(&sources)
            .filter_map(|(lesson, source)| match source {
                Source::Built(binary, _) => Some((lesson, Built::Binary(binary.clone()))),
                _ => None,
            })
            .unzip();
        let progress = Progress::new(!std::io::stderr().is_terminal());
        let mut ran =
            run_built(&self.scratch.workspace, &to_run, built, &options, &progress).into_iter();
        drop(progress);
        lessons
            .iter()
            .zip(sources)
            .map(|(lesson, source)| match source {
                Source::Stub => LessonOutcome::untouched(lesson.clone(), timeout),
                Source::Flagged(flags) => LessonOutcome::flagged(lesson.clone(), flags, timeout),
                Source::Failed(error) => {
                    LessonOutcome::not_compiled(lesson.clone(), error, timeout)
                }
                Source::ToBuild(_) => LessonOutcome::untouched(lesson.clone(), timeout),
                Source::Built(_, mut flags) => {
                    let mut outcome = ran.next().expect("one outcome per binary");
                    let forged: Vec<&str> = outcome
                        .steps
                        .iter()
                        .filter(|s| s.cause == Some(Cause::Unconfirmed))
                        .map(|s| s.name.as_str())
                        .collect();
                    if !forged.is_empty() {
                        flags.push(t!("flag-unconfirmed", steps = forged.join(", ")));
                    }
                    if !flags.is_empty() && !self.options.allow_flagged {
                        return LessonOutcome::flagged(lesson.clone(), flags, timeout);
                    }
                    outcome.flags = flags;
                    outcome
                }
            })
            .collect()
    }

    /// Stage 4: the submission's row: points, standing and notes.
    fn row(
        &self,
        name: &str,
        outcomes: &[LessonOutcome],
        mut notes: Vec<String>,
        modified: bool,
    ) -> Row {
        let with = |status: LessonStatus| {
            outcomes
                .iter()
                .filter(|o| o.status == status)
                .map(|o| o.lesson.id.clone())
                .collect::<Vec<_>>()
        };
        let flagged: Vec<String> = outcomes
            .iter()
            .filter(|o| !o.flags.is_empty())
            .map(|o| format!("{}: {}", o.lesson.id, o.flags.join("; ")))
            .collect();
        if !flagged.is_empty() {
            let flags = flagged.join(" | ");
            notes.push(if self.options.allow_flagged {
                t!("note-flagged-allowed", flags = flags)
            } else {
                t!("note-flagged", flags = flags)
            });
        }
        let broken = with(LessonStatus::DoesNotCompile);
        let attempted = outcomes
            .iter()
            .filter(|o| !matches!(o.status, LessonStatus::NotStarted) || o.passed() > 0)
            .count();
        if !broken.is_empty() {
            notes.push(t!("problem-compile", error = broken.join(", ")));
            if broken.len() == attempted {
                if let Some(error) = outcomes.iter().find_map(|o| o.compile_error.as_ref()) {
                    notes.push(t!("note-first-error", error = error.to_string()));
                }
            }
        }
        let timed_out = with(LessonStatus::TimedOut);
        if !timed_out.is_empty() {
            notes.push(t!("note-timed-out", lessons = timed_out.join(", ")));
        }
        let limits: Vec<String> = outcomes
            .iter()
            .filter_map(|o| {
                let step = o
                    .steps
                    .iter()
                    .find(|s| s.cause.is_some_and(Cause::over_limit))?;
                Some(format!(
                    "{} {} ({})",
                    o.lesson.id,
                    step.name,
                    step.first_line()
                ))
            })
            .collect();
        if !limits.is_empty() {
            notes.push(t!("note-over-limit", steps = limits.join(", ")));
        }
        let standing = if !flagged.is_empty() {
            Standing::Flagged
        } else if !broken.is_empty() && broken.len() == attempted {
            Standing::DoesNotBuild
        } else if modified {
            Standing::TestsModified
        } else {
            Standing::Graded
        };
        Row {
            name: name.to_owned(),
            standing,
            points: outcomes.iter().map(LessonOutcome::points).collect(),
            notes,
            seconds: 0.0,
        }
    }
}

/// A binary's path on the host, from its path inside the build sandbox.
fn host_path(inside: &Path, target: &Path) -> PathBuf {
    match inside.strip_prefix(Path::new(jail::COURSE).join("target")) {
        Ok(rest) => target.join(rest),
        Err(_) => inside.to_path_buf(),
    }
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
fn write_reports(out: &Path, row: &Row, outcomes: &[LessonOutcome], junit: bool) -> Result<()> {
    let name = &row.name;
    let path = out.join(format!("{name}.json"));
    let mut results = json::Results::new(outcomes);
    results.notes = row.notes.clone();
    std::fs::write(&path, results.to_json() + "\n")
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
}
