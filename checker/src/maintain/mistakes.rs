//! Mistakes as fixtures: typical wrong programs that `verify` proves the
//! steps catch, with the message a learner would read.
//!
//! Beside each solution, `solutions/lessonNN-slug/mistakes/NAME.patch` is a
//! `src/lib.rs` that gets one thing wrong the way learners do, stored as a
//! patch against the solution's `src/lib.rs`: three header lines, then a
//! unified diff (`diff -u`, labels `a/src/lib.rs` and `b/src/lib.rs`):
//!
//! ```text
//! //! mistake: trusts one read to hold the whole reply
//! //! fails: step03_time_client_reads_everything
//! //! says: only part of
//! --- a/src/lib.rs
//! +++ b/src/lib.rs
//! @@ -40,7 +40,7 @@
//! ...
//! ```
//!
//! The header is the lines before the first `--- ` line. `verify` applies the
//! patch to the current solution; the program it builds is the header lines
//! followed by the patched solution. It builds the lesson's tests against it
//! (in a scratch course tree under `target/`, so the learner's files are never
//! touched) and runs the steps up to the one named: every earlier step must
//! pass, that one must fail, and its message must contain the phrase. A patch
//! the solution has moved under is a problem that says how to mend it:
//! `scripts/mistake-to-patch.sh --restore NAME.patch` writes the whole
//! `NAME.rs` to edit, `scripts/mistake-to-patch.sh NAME.rs` turns it back.

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

/// The extension of a mistake's file.
pub const EXTENSION: &str = "patch";

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

/// The header of a mistake's file (the lines before its diff) and its diff.
fn split(text: &str) -> (&str, &str) {
    let start = if text.starts_with("--- ") {
        Some(0)
    } else {
        text.find("\n--- ").map(|i| i + 1)
    };
    match start {
        Some(i) => text.split_at(i),
        None => (text, ""),
    }
}

/// Reads the header of a mistake's file (the lines before its diff).
///
/// # Errors
///
/// A line saying which of the three header lines is missing or empty.
pub fn parse(file: PathBuf, text: &str) -> Result<Mistake, String> {
    let field = |key: &str| {
        split(text)
            .0
            .lines()
            .filter(|l| l.starts_with("//!"))
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
    let mut all: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    all.sort();
    // A whole program left beside the patches (an older branch's mistake, or
    // one restored to be edited): said, not silently skipped.
    for path in all
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let file = folder(lesson).join(path.file_name().unwrap_or_default());
        problems.push(t!("mistake-not-a-patch", file = file.display().to_string()));
    }
    let files: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == EXTENSION))
        .collect();
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

/// The program a mistake stands for: its header lines, then its patch
/// applied to `solution` (the text of the solution's `src/lib.rs`).
///
/// # Errors
///
/// A line naming the mistake when its diff cannot be read, or when a hunk no
/// longer applies to the solution (and how to regenerate it).
pub fn program(mistake: &Mistake, solution: &str, text: &str) -> Result<String, String> {
    let file = mistake.file.display().to_string();
    let (header, diff) = split(text);
    let patch = diffy::Patch::from_str(diff)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            if p.hunks().is_empty() {
                Err("no hunk".to_owned())
            } else {
                Ok(p)
            }
        })
        .map_err(|error| t!("mistake-bad-patch", file = file.as_str(), error = error))?;
    match diffy::apply(solution, &patch) {
        Ok(patched) => Ok(format!("{header}{patched}")),
        Err(error) => {
            // diffy names the hunk by its number, from 1: "error applying hunk #N".
            let number: usize = error
                .to_string()
                .rsplit('#')
                .next()
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(1);
            let hunk = patch.hunks().get(number.saturating_sub(1));
            let at = hunk.map_or(0, |h| h.old_range().start());
            let line = hunk
                .and_then(|h| {
                    h.lines().iter().find_map(|l| match l {
                        diffy::Line::Delete(l) | diffy::Line::Insert(l) => Some(l.trim()),
                        diffy::Line::Context(_) => None,
                    })
                })
                .unwrap_or("");
            let rs = mistake.file.with_extension("rs").display().to_string();
            Err(t!(
                "mistake-stale-patch",
                file = file.as_str(),
                hunk = number,
                at = at,
                line = line,
                rs = rs
            ))
        }
    }
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
    let text = std::fs::read_to_string(workspace.path(&mistake.file))
        .with_context(|| format!("cannot read {}", mistake.file.display()))?;
    let solution = lesson.solution_dir().join("src").join("lib.rs");
    let solution = std::fs::read_to_string(workspace.path(&solution))
        .with_context(|| format!("cannot read {}", solution.display()))?;
    let program = match program(mistake, &solution, &text) {
        Ok(program) => program,
        Err(problem) => return Ok(Some(problem)),
    };
    let lib = scratch.src(lesson).join("lib.rs");
    std::fs::write(&lib, program).with_context(|| format!("cannot write {}", lib.display()))?;
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
    // One step at a time: a wrong program may burn a core (a loop that
    // spins), and two of its steps side by side would take both cores from
    // the tests' own threads, so that an earlier step's deadline, not the
    // mistake, decided which step fails first.
    let options = Options {
        jobs: 1,
        ..options.clone()
    };
    let run = run::run_suites(std::slice::from_ref(&suite), options, &|_, _| {});
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

    const SOLUTION: &str =
        "//! A lesson.\n\nfn one() -> u32 {\n    1\n}\n\nfn two() -> u32 {\n    2\n}\n";
    const PATCH: &str = "//! mistake: two is three\n//! fails: step02_two\n//! says: not 2\n\
        --- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -5,5 +5,5 @@\n }\n \n fn two() -> u32 {\n-    2\n+    3\n }\n";

    #[test]
    fn reads_the_header() {
        let m = parse(PathBuf::from("m.patch"), PATCH).unwrap();
        assert_eq!(m.what, "two is three");
        assert_eq!(m.fails, "step02_two");
        assert_eq!(m.says, "not 2");
        let missing = parse(
            PathBuf::from("m.patch"),
            "//! mistake: x\n//! fails: step01_a\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1 +1 @@\n-//! says: y\n+//! says: z\n",
        );
        assert_eq!(
            missing.unwrap_err(),
            "m.patch has no `//! says: ...` line at its top"
        );
    }

    #[test]
    fn the_program_is_the_header_and_the_patched_solution() {
        let m = parse(PathBuf::from("m.patch"), PATCH).unwrap();
        let patched = program(&m, SOLUTION, PATCH).unwrap();
        assert_eq!(
            patched,
            format!(
                "//! mistake: two is three\n//! fails: step02_two\n//! says: not 2\n{}",
                SOLUTION.replace("    2\n", "    3\n")
            )
        );
        // A solution that moved (lines added above) still takes the patch.
        let moved = format!("//! More.\n{SOLUTION}");
        assert!(program(&m, &moved, PATCH).is_ok());
    }

    #[test]
    fn a_stale_patch_names_its_hunk_and_how_to_mend_it() {
        let m = parse(PathBuf::from("s/mistakes/m.patch"), PATCH).unwrap();
        let changed = SOLUTION.replace("fn two() -> u32", "fn two() -> u64");
        let problem = program(&m, &changed, PATCH).unwrap_err();
        assert!(
            problem.starts_with("s/mistakes/m.patch: the solution changed under it"),
            "{problem}"
        );
        assert!(problem.contains("hunk #1 (at line 5: `2`)"), "{problem}");
        assert!(
            problem.contains("scripts/mistake-to-patch.sh --restore s/mistakes/m.patch"),
            "{problem}"
        );
        assert!(
            problem.contains("scripts/mistake-to-patch.sh s/mistakes/m.rs"),
            "{problem}"
        );
        let garbage = program(
            &m,
            SOLUTION,
            "//! mistake: x\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,2 +1,2 @@ nonsense\n-a",
        );
        assert!(
            garbage
                .unwrap_err()
                .starts_with("s/mistakes/m.patch is not a unified diff")
        );
        let empty = program(&m, SOLUTION, "//! mistake: x\n");
        assert!(
            empty
                .unwrap_err()
                .starts_with("s/mistakes/m.patch is not a unified diff")
        );
    }

    /// The course's own mistakes still apply to their solutions (no build:
    /// `verify` runs them).
    #[test]
    fn every_mistake_of_the_course_applies_to_its_solution() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut count = 0;
        let mut problems = Vec::new();
        for solution in std::fs::read_dir(root.join("solutions")).unwrap().flatten() {
            let lib =
                std::fs::read_to_string(solution.path().join("src/lib.rs")).unwrap_or_default();
            let Ok(entries) = std::fs::read_dir(solution.path().join("mistakes")) else {
                continue;
            };
            for file in entries.flatten().map(|e| e.path()) {
                if file.extension().is_none_or(|e| e != EXTENSION) {
                    continue;
                }
                count += 1;
                let text = std::fs::read_to_string(&file).unwrap();
                match parse(file.clone(), &text) {
                    Ok(m) => problems.extend(program(&m, &lib, &text).err()),
                    Err(problem) => problems.push(problem),
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert!(count > 0, "no mistake found under {}", root.display());
    }
}
