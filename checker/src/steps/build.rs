//! Builds the selected lessons' test binaries in one cargo invocation.
//!
//! `cargo build --keep-going --message-format=json -p P --test T ...` builds
//! each package's library and integration test exactly as `cargo test` would
//! (same hashes, so a learner's earlier `cargo test` leaves the tree warm),
//! and `--keep-going` lets every other lesson build when one does not compile.
//! Cargo's JSON messages name each test executable and each compiler error,
//! with the manifest of the package it belongs to.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::steps::process::Captured;
use crate::t;

/// A package whose integration test is to be built.
#[derive(Debug, Clone)]
pub struct Package {
    /// The package name, `lesson05` or `lesson05-solution`.
    pub name: String,
    /// Its directory, relative to the workspace root.
    pub dir: PathBuf,
    /// The integration test target to build, `lesson05`.
    pub test: String,
}

/// The first error of a package that did not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// `FILE:LINE:COL` of the error, relative to the workspace root.
    pub location: Option<String>,
    /// The error's one-line message, with its code: `mismatched types [E0308]`.
    pub message: String,
    /// rustc's full rendering of the error, with source lines and notes.
    pub rendered: Option<String>,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// What the build made of one package.
#[derive(Debug, Clone)]
pub enum Built {
    /// Its test binary.
    Binary(PathBuf),
    /// It, or a package it needs, did not compile.
    Failed(CompileError),
}

/// The cargo the checker was started by (`cargo checker` sets `CARGO`), else `cargo`.
pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Builds every package's test target; `on_progress` hears each crate built.
///
/// Returns one [`Built`] per package, in order.
///
/// # Errors
///
/// When cargo cannot run at all, or fails without a compiler error to show
/// (a broken manifest, an unknown package): a set-up problem.
pub fn build(
    root: &Path,
    packages: &[Package],
    on_progress: &mut dyn FnMut(&str),
) -> Result<Vec<Built>> {
    build_in(root, None, packages, on_progress)
}

/// [`build`], with cargo's output in `target_dir` when one is given
/// (`CARGO_TARGET_DIR`): `grade` keeps one build cache for every submission.
///
/// # Errors
///
/// As [`build`].
pub fn build_in(
    root: &Path,
    target_dir: Option<&Path>,
    packages: &[Package],
    on_progress: &mut dyn FnMut(&str),
) -> Result<Vec<Built>> {
    let mut command = Command::new(cargo());
    if let Some(dir) = target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    command.current_dir(root);
    let run = run_cargo(command, root, packages, None, on_progress)?;
    Ok(run.built)
}

/// How a cargo run ended, beyond each package's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Cargo finished by itself.
    Finished,
    /// The deadline passed and cargo's whole process group was killed.
    TimedOut,
    /// The compiler ran out of memory (its memory limit).
    OverMemory,
}

/// What one cargo run made: each package's result, every diagnostic of the
/// packages (warnings too: `grade` reads lints from them), and how it ended.
#[derive(Debug)]
pub struct CargoRun {
    /// One per package, in order.
    pub built: Vec<Built>,
    /// Each package's diagnostics, in order.
    pub diagnostics: Vec<Vec<Diagnostic>>,
    /// How cargo ended.
    pub ended: Ended,
}

/// Runs `command` (a cargo, with its environment and working directory
/// set) as `cargo build --keep-going --message-format=json -p P --test T`
/// for `packages`, whose directories are relative to `root` as cargo sees
/// it; kills it at `deadline`.
///
/// # Errors
///
/// When cargo cannot run at all, or fails without a compiler error to show
/// (a broken manifest, an unknown package): a set-up problem.
pub fn run_cargo(
    mut command: Command,
    root: &Path,
    packages: &[Package],
    deadline: Option<std::time::Instant>,
    on_progress: &mut dyn FnMut(&str),
) -> Result<CargoRun> {
    command
        .args([
            "build",
            "--keep-going",
            "--message-format=json",
            "--color=never",
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"));
    for package in packages {
        command.args(["-p", &package.name]);
    }
    let mut tests: Vec<&str> = packages.iter().map(|p| p.test.as_str()).collect();
    tests.dedup();
    for test in tests {
        command.args(["--test", test]);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot run {}", command.get_program().to_string_lossy()))?;
    let pgid = child.id() as i32;
    let watchdog = deadline.map(|deadline| Watchdog::start(pgid, deadline));

    let mut stderr_pipe = child.stderr.take().expect("piped");
    let stderr = std::thread::spawn(move || {
        let mut captured = Captured::default();
        let mut chunk = [0u8; 8192];
        while let Ok(n) = std::io::Read::read(&mut stderr_pipe, &mut chunk) {
            if n == 0 {
                break;
            }
            captured.push(&chunk[..n]);
        }
        captured.text()
    });

    let index: HashMap<PathBuf, usize> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| (canonical(&root.join(&p.dir).join("Cargo.toml")), i))
        .collect();
    let mut binaries: Vec<Option<PathBuf>> = vec![None; packages.len()];
    let mut errors: Vec<Option<CompileError>> = vec![None; packages.len()];
    let mut diagnostics: Vec<Vec<Diagnostic>> = vec![Vec::new(); packages.len()];
    let mut foreign: Option<(String, CompileError)> = None;

    let stdout = BufReader::new(child.stdout.take().expect("piped"));
    for line in stdout.lines() {
        let Ok(line) = line else { break };
        let Ok(message) = serde_json::from_str::<Message>(&line) else {
            continue;
        };
        let owner = message
            .manifest_path
            .as_deref()
            .and_then(|m| index.get(&canonical(m)).copied());
        match message.reason.as_str() {
            "compiler-artifact" => {
                let target = message.target.unwrap_or_default();
                on_progress(
                    &message
                        .package_id
                        .as_deref()
                        .map_or_else(|| target.name.clone(), package_name),
                );
                let is_test = message.profile.is_some_and(|p| p.test)
                    && target.kind.iter().any(|k| k == "test");
                if let (Some(i), Some(exe), true) = (owner, message.executable, is_test) {
                    if target.name == packages[i].test {
                        binaries[i] = Some(exe);
                    }
                }
            }
            "compiler-message" => {
                let Some(diagnostic) = message.message else {
                    continue;
                };
                if let Some(i) = owner {
                    diagnostics[i].push(diagnostic.clone());
                }
                if diagnostic.level != "error" {
                    continue;
                }
                let error = diagnostic.into_error(root);
                match owner {
                    Some(i) => {
                        errors[i].get_or_insert(error);
                    }
                    None => {
                        let name = message
                            .package_id
                            .as_deref()
                            .map(package_name)
                            .unwrap_or_default();
                        foreign.get_or_insert((name, error));
                    }
                }
            }
            _ => {}
        }
    }
    let status = child.wait().context("cannot wait for cargo")?;
    let timed_out = watchdog.is_some_and(Watchdog::fired);
    crate::steps::process::kill_group(pgid);
    let stderr = stderr.join().unwrap_or_default();
    let ended = if timed_out {
        Ended::TimedOut
    } else if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
        Ended::OverMemory
    } else {
        Ended::Finished
    };

    let any_error = errors.iter().any(Option::is_some) || foreign.is_some();
    if !status.success() && !any_error && ended == Ended::Finished {
        bail!("{}", t!("build-failed", error = first_error(&stderr)));
    }
    let built = binaries
        .into_iter()
        .zip(errors)
        .map(|(binary, error)| match (binary, error) {
            (_, Some(error)) => Built::Failed(error),
            (Some(binary), None) => Built::Binary(binary),
            (None, None) => Built::Failed(match &foreign {
                Some((name, error)) => CompileError {
                    location: error.location.clone(),
                    message: t!(
                        "build-dependency-failed",
                        name = name.as_str(),
                        error = error.message.as_str()
                    ),
                    rendered: error.rendered.clone(),
                },
                None => CompileError {
                    location: None,
                    message: t!("build-no-binary", error = first_error(&stderr)),
                    rendered: None,
                },
            }),
        })
        .collect();
    Ok(CargoRun {
        built,
        diagnostics,
        ended,
    })
}

/// Kills a process group when its deadline passes, unless stopped first.
struct Watchdog {
    stop: std::sync::mpsc::Sender<()>,
    fired: std::thread::JoinHandle<bool>,
}

impl Watchdog {
    fn start(pgid: i32, deadline: std::time::Instant) -> Watchdog {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let fired = std::thread::spawn(move || {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match stopped.recv_timeout(left) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    crate::steps::process::kill_group(pgid);
                    true
                }
                _ => false,
            }
        });
        Watchdog { stop, fired }
    }

    /// Stops the watchdog; true if it had killed the group.
    fn fired(self) -> bool {
        let _ = self.stop.send(());
        self.fired.join().unwrap_or(false)
    }
}

/// Cargo's first `error:` line (and the line after it, which often says why).
fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    match lines.iter().position(|l| l.starts_with("error")) {
        Some(i) => {
            let mut text = lines[i].trim().to_owned();
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            if !next.is_empty() && !next.starts_with("error") {
                text.push(' ');
                text.push_str(next);
            }
            text
        }
        None => lines
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map_or_else(|| "no output".to_owned(), |l| l.trim().to_owned()),
    }
}

/// `path+file:///x/lesson05#0.1.0`, `path+file:///x/y#lesson05@0.1.0` or the
/// older `lesson05 0.1.0 (path+file:///x)`: the package's name.
fn package_name(id: &str) -> String {
    if let Some((name, _)) = id.split_once(' ') {
        return name.to_owned();
    }
    let fragment = id.rsplit_once('#').map_or(id, |(url, fragment)| {
        if fragment.contains('@') {
            fragment
        } else {
            url.rsplit('/').next().unwrap_or(url)
        }
    });
    fragment.split('@').next().unwrap_or(fragment).to_owned()
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Makes `file` (as rustc names it) relative to `root`, with `..` resolved.
fn relative_to_root(root: &Path, file: &str) -> String {
    let path = root.join(file);
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
    let relative = normal
        .strip_prefix(root)
        .or_else(|_| normal.strip_prefix(canonical(root)));
    match relative {
        Ok(relative) => relative.display().to_string(),
        Err(_) => normal.display().to_string(),
    }
}

/// The parts of a cargo JSON message the checker reads.
#[derive(Debug, Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    package_id: Option<String>,
    #[serde(default)]
    manifest_path: Option<PathBuf>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    profile: Option<Profile>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    message: Option<Diagnostic>,
}

#[derive(Debug, Default, Deserialize)]
struct Target {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    #[serde(default)]
    test: bool,
}

/// A compiler diagnostic, as cargo's JSON gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct Diagnostic {
    /// The one-line message.
    pub message: String,
    /// `error`, `warning`, `note`, ...
    pub level: String,
    /// The lint or error code, e.g. `clippy::disallowed_methods`, `E0453`.
    #[serde(default)]
    pub code: Option<Code>,
    /// Where it points.
    #[serde(default)]
    pub spans: Vec<Span>,
    /// rustc's full rendering.
    #[serde(default)]
    pub rendered: Option<String>,
}

/// A diagnostic's code.
#[derive(Debug, Clone, Deserialize)]
pub struct Code {
    /// `E0308`, `unsafe_code`, `clippy::disallowed_methods`.
    pub code: String,
}

/// A place in a source file.
#[derive(Debug, Clone, Deserialize)]
pub struct Span {
    /// The file, as rustc names it.
    pub file_name: String,
    /// Its first line.
    pub line_start: u32,
    /// Its first column.
    pub column_start: u32,
    /// True for the place the diagnostic is about.
    pub is_primary: bool,
}

impl Diagnostic {
    fn into_error(self, root: &Path) -> CompileError {
        let location = self.spans.iter().find(|s| s.is_primary).map(|s| {
            format!(
                "{}:{}:{}",
                relative_to_root(root, &s.file_name),
                s.line_start,
                s.column_start
            )
        });
        let message = match self.code {
            Some(code) => format!("{} [{}]", self.message, code.code),
            None => self.message,
        };
        CompileError {
            location,
            message,
            rendered: self.rendered.map(|r| r.trim_end().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_ids() {
        assert_eq!(
            package_name("path+file:///w/exercises/lesson01-x#lesson01@0.1.0"),
            "lesson01"
        );
        assert_eq!(package_name("path+file:///w/testkit#0.1.0"), "testkit");
        assert_eq!(
            package_name("testkit 0.1.0 (path+file:///w/testkit)"),
            "testkit"
        );
    }

    #[test]
    fn resolves_parent_dirs() {
        let root = std::env::temp_dir();
        let file = "solutions/l/../../exercises/l/tests/l.rs";
        assert_eq!(relative_to_root(&root, file), "exercises/l/tests/l.rs");
    }

    #[test]
    fn finds_cargos_first_error() {
        let stderr = "   Compiling x\nerror: package ID specification `lesson99` did not match any packages\n";
        assert_eq!(
            first_error(stderr),
            "error: package ID specification `lesson99` did not match any packages"
        );
    }
}
