//! Mistakes as fixtures: typical wrong programs that `verify` proves the
//! steps catch, with the message a learner would read.
//!
//! Beside each solution, `solutions/lessonNN-slug/mistakes/NAME.rs` is a
//! whole `src/lib.rs` that gets one thing wrong the way learners do. It
//! opens with three lines:
//!
//! ```text
//! //! mistake: trusts one read to hold the whole reply
//! //! fails: step03_time_client_reads_everything
//! //! says: only part of
//! ```
//!
//! `verify` builds the lesson's tests against each mistake (in a scratch
//! course tree under `target/`, so the learner's files are never touched)
//! and runs the steps up to the one named: every earlier step must pass,
//! that one must fail, and its message must contain the phrase.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::course::lesson::Lesson;
use crate::course::workspace::Workspace;
use crate::report::ui::Progress;
use crate::steps::build::{self, Built};
use crate::steps::grade::exercise_package;
use crate::steps::outcome::StepStatus;
use crate::steps::run::{self, Options, Suite};
use crate::t;

/// One wrong program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistake {
    /// The file, relative to the workspace root.
    pub file: PathBuf,
    /// What the learner did wrong, in a line.
    pub what: String,
    /// The first step that must fail.
    pub fails: String,
    /// A phrase that step's message must contain.
    pub says: String,
}

/// The folder a lesson's mistakes live in, relative to the workspace root.
pub fn folder(lesson: &Lesson) -> PathBuf {
    lesson.solution_dir().join("mistakes")
}

/// Reads the header of a mistake's source.
///
/// # Errors
///
/// A line saying which of the three header lines is missing or empty.
pub fn parse(file: PathBuf, text: &str) -> Result<Mistake, String> {
    let field = |key: &str| {
        text.lines()
            .take_while(|l| l.starts_with("//!"))
            .find_map(|l| {
                l.trim_start_matches("//!")
                    .trim()
                    .strip_prefix(key)
                    .map(|v| v.trim().to_owned())
            })
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                t!(
                    "mistake-no-header",
                    file = file.display().to_string(),
                    key = key
                )
            })
    };
    Ok(Mistake {
        what: field("mistake:")?,
        fails: field("fails:")?,
        says: field("says:")?,
        file: file.clone(),
    })
}

/// The lesson's mistakes, sorted by file name; problems with their files.
pub fn find(workspace: &Workspace, lesson: &Lesson) -> (Vec<Mistake>, Vec<String>) {
    let dir = workspace.path(folder(lesson));
    let mut mistakes = Vec::new();
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return (mistakes, problems);
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for path in files {
        let relative = folder(lesson).join(path.file_name().unwrap_or_default());
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        match parse(relative, &text) {
            Ok(mistake) if lesson.step(&mistake.fails).is_none() => problems.push(t!(
                "mistake-unknown-step",
                file = mistake.file.display().to_string(),
                step = mistake.fails.as_str()
            )),
            Ok(mistake) => mistakes.push(mistake),
            Err(problem) => problems.push(problem),
        }
    }
    (mistakes, problems)
}

/// Runs every mistake of `lessons`; returns each lesson's problems (in
/// `lessons`' order) and how many mistakes ran.
///
/// # Errors
///
/// When the scratch tree cannot be made, or cargo cannot run at all.
pub fn check(
    workspace: &Workspace,
    lessons: &[Lesson],
    options: &Options,
    progress: &Progress,
) -> Result<(Vec<Vec<String>>, usize)> {
    let mut problems: Vec<Vec<String>> = vec![Vec::new(); lessons.len()];
    let mut found: Vec<(usize, Mistake)> = Vec::new();
    for (i, lesson) in lessons.iter().enumerate() {
        let (mistakes, bad) = find(workspace, lesson);
        problems[i].extend(bad);
        found.extend(mistakes.into_iter().map(|m| (i, m)));
    }
    if found.is_empty() {
        return Ok((problems, 0));
    }
    let cache = workspace.path("target").join("checker").join("mistakes");
    std::fs::create_dir_all(&cache).context("cannot create the mistakes' scratch directory")?;
    let scratch = crate::class::Scratch::prepare(workspace, &cache)?;
    scratch.put_stubs()?;
    // The workspace's own build directory: the dependencies are built there
    // already, and the scratch tree's lessons get hashes of their own.
    let target = workspace.path("target");
    let total = found.len();
    for (n, (i, mistake)) in found.iter().enumerate() {
        let lesson = &lessons[*i];
        progress.building(&t!(
            "progress-mistake",
            n = n + 1,
            total = total,
            file = mistake.file.display().to_string()
        ));
        let problem = run_one(workspace, &scratch, &target, lesson, mistake, options)?;
        problems[*i].extend(problem);
        // Back to the stub, so the next mistake of another lesson starts clean.
        scratch.put_stubs()?;
    }
    progress.finish();
    Ok((problems, total))
}

/// Builds and runs one mistake; a problem when it is not caught as it says.
fn run_one(
    workspace: &Workspace,
    scratch: &crate::class::Scratch,
    target: &Path,
    lesson: &Lesson,
    mistake: &Mistake,
    options: &Options,
) -> Result<Option<String>> {
    let lib = scratch.src(lesson).join("lib.rs");
    std::fs::copy(workspace.path(&mistake.file), &lib)
        .with_context(|| format!("cannot copy {}", mistake.file.display()))?;
    let root = &scratch.workspace.root;
    let built = build::build_in(root, Some(target), &[exercise_package(lesson)], &mut |_| {})?;
    let name = mistake.file.display().to_string();
    let name = name.as_str();
    let binary = match built.into_iter().next() {
        Some(Built::Binary(binary)) => binary,
        Some(Built::Failed(error)) => {
            return Ok(Some(t!(
                "mistake-not-compiling",
                file = name,
                error = error.to_string()
            )));
        }
        None => return Ok(Some(t!("mistake-built-nothing", file = name))),
    };
    let upto = lesson
        .steps
        .iter()
        .position(|s| s.name == mistake.fails)
        .unwrap_or(0);
    let mut prefix = lesson.clone();
    prefix.steps.truncate(upto + 1);
    let suite = Suite {
        lesson: &prefix,
        binary,
        package_dir: scratch.workspace.path(lesson.exercise_dir()),
    };
    let run = run::run_suites(std::slice::from_ref(&suite), options.clone(), &|_, _| {});
    let Some(run) = run.into_iter().next() else {
        return Ok(Some(t!("mistake-did-not-run", file = name)));
    };
    let first = run.steps.iter().find(|s| s.status != StepStatus::Pass);
    Ok(match first {
        None => Some(t!(
            "mistake-not-caught",
            file = name,
            what = mistake.what.as_str(),
            step = mistake.fails.as_str()
        )),
        Some(step) if step.name != mistake.fails => Some(t!(
            "mistake-other-step",
            file = name,
            step = step.name.as_str(),
            expected = mistake.fails.as_str(),
            status = step.status.shown(),
            line = step.first_line()
        )),
        Some(step) => {
            let message = step.message.as_deref().unwrap_or("");
            (!message.contains(&mistake.says)).then(|| {
                t!(
                    "mistake-other-words",
                    file = name,
                    step = step.name.as_str(),
                    says = mistake.says.as_str(),
                    line = step.first_line()
                )
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_header() {
        let text = "//! mistake: trusts one read\n//! fails: step03_x\n//! says: only part of\nuse std::io;\n";
        let m = parse(PathBuf::from("m.rs"), text).unwrap();
        assert_eq!(m.what, "trusts one read");
        assert_eq!(m.fails, "step03_x");
        assert_eq!(m.says, "only part of");
        let missing = parse(
            PathBuf::from("m.rs"),
            "//! mistake: x\n//! fails: step01_a\n",
        );
        assert_eq!(
            missing.unwrap_err(),
            "m.rs has no `//! says: ...` line at its top"
        );
    }
}
