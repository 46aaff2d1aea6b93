//! `checker verify`: proves the course is sound, for maintainers.
//!
//! For every lesson: `lesson.toml` names exactly the step functions of
//! `tests/lessonNN.rs`, in file order; the docs chapter exists; every step
//! fails against the stub (quickly, without timing out) and passes against
//! the reference solution.

use std::fmt::Write as _;

use std::path::Path;

use anyhow::Result;

use crate::course::lesson::{Lesson, is_step_name};
use crate::course::workspace::Workspace;
use crate::maintain::mistakes;
use crate::report::ui::{BAD, BOLD, GOOD, Progress, paint};
use crate::steps::build::{self, Built, Package};
use crate::steps::grade::exercise_package;
use crate::steps::libtest;
use crate::steps::outcome::{Cause, StepStatus};
use crate::steps::run::{self, Options, Suite, SuiteRun};
use crate::t;

/// One lesson's problems (none means it is sound).
#[derive(Debug, Clone)]
pub struct Verdict {
    /// `lesson05`.
    pub id: String,
    /// How many steps the lesson has.
    pub steps: usize,
    /// Each problem, in words.
    pub problems: Vec<String>,
    /// How many mistakes (see [`crate::maintain::mistakes`]) ran against its steps.
    pub mistakes: usize,
}

/// Checks every lesson of the workspace.
///
/// # Errors
///
/// When cargo cannot build at all.
pub fn verify(
    workspace: &Workspace,
    options: Options,
    progress: &Progress,
) -> Result<Vec<Verdict>> {
    let lessons = &workspace.lessons;
    let mut verdicts: Vec<Verdict> = lessons
        .iter()
        .map(|l| Verdict {
            id: l.id.clone(),
            steps: l.steps.len(),
            problems: static_problems(workspace, l),
            mistakes: mistakes::find(workspace, l).0.len(),
        })
        .collect();

    // Build every stub and every solution in one cargo invocation.
    let mut packages = Vec::new();
    let mut slots = Vec::new(); // (lesson index, is_solution)
    for (i, lesson) in lessons.iter().enumerate() {
        packages.push(exercise_package(lesson));
        slots.push((i, false));
        if workspace
            .path(lesson.solution_dir())
            .join("Cargo.toml")
            .is_file()
        {
            packages.push(Package {
                name: lesson.solution_package(),
                dir: lesson.solution_dir(),
                test: lesson.test_target().to_owned(),
            });
            slots.push((i, true));
        }
    }
    progress.building(&t!("progress-verify-building", count = lessons.len()));
    let building = t!("progress-building");
    let built = build::build(&workspace.root, &packages, &mut |name| {
        progress.compiled(&building, name)
    })?;

    let mut suites = Vec::new();
    let mut suite_slots = Vec::new();
    for ((&(i, solution), package), built) in slots.iter().zip(&packages).zip(&built) {
        let lesson = &lessons[i];
        match built {
            Built::Binary(binary) => {
                suites.push(Suite {
                    lesson,
                    binary: binary.clone(),
                    package_dir: workspace.path(&package.dir),
                });
                suite_slots.push((i, solution));
            }
            Built::Failed(error) => verdicts[i].problems.push(if solution {
                t!("verify-solution-not-compiling", error = error.to_string())
            } else {
                t!("verify-stub-not-compiling", error = error.to_string())
            }),
        }
    }
    let total: usize = suites.iter().map(|s| s.lesson.steps.len()).sum();
    progress.running(total, &t!("progress-verify-running"));
    let runs = run::run_suites(&suites, options.clone(), &|i, step| {
        progress.step_done(&format!(
            "{} {} {}",
            suites[i].lesson.id,
            step.name,
            step.status.shown()
        ));
    });
    progress.finish();

    let mut listing_checked = vec![false; lessons.len()];
    for (&(i, solution), run) in suite_slots.iter().zip(&runs) {
        let lesson = &lessons[i];
        let problems = &mut verdicts[i].problems;
        if !listing_checked[i] && !run.listed.is_empty() {
            listing_checked[i] = true;
            problems.extend(listing_problems(lesson, run));
        }
        for (step, problem) in step_problems(run, solution, &options) {
            // A step lesson.toml names but the tests lack is reported once.
            let named = |p: &String| {
                p.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|word| word == step)
            };
            if !(problem.missing && problems.iter().any(named)) {
                problems.push(problem.text);
            }
        }
    }

    // The wrong programs beside each solution: each caught by the step it names.
    let (found, _) = mistakes::check(workspace, lessons, &options, progress)?;
    for (verdict, problems) in verdicts.iter_mut().zip(found) {
        verdict.problems.extend(problems);
    }
    Ok(verdicts)
}

/// Problems found without building: the chapter and the book's contents,
/// the solution and its examples, the stub, the test file.
fn static_problems(workspace: &Workspace, lesson: &Lesson) -> Vec<String> {
    let mut problems = Vec::new();
    match std::fs::read_to_string(workspace.path(&lesson.chapter)) {
        Err(_) => problems.push(t!("verify-no-chapter", chapter = lesson.chapter.as_str())),
        Ok(chapter) => problems.extend(chapter_problems(workspace, lesson, &chapter)),
    }
    problems.extend(example_problems(workspace, lesson));
    let src = workspace.path(lesson.exercise_dir()).join("src");
    let shipped = crate::course::lesson::fingerprint(&src);
    if lesson.stub.as_deref() != Some(shipped.as_str()) {
        let file = format!("{}/lesson.toml", lesson.exercise_dir().display());
        problems.push(if lesson.stub.is_none() {
            t!("verify-no-stub-fingerprint", file = file)
        } else {
            t!("verify-old-stub-fingerprint", file = file)
        });
    }
    let stub = src.join("lib.rs");
    if std::fs::read_to_string(&stub).is_ok_and(|text| !text.contains("todo!(")) {
        problems.push(t!(
            "verify-no-todo",
            file = lesson
                .exercise_dir()
                .join("src/lib.rs")
                .display()
                .to_string()
        ));
    }
    if !workspace
        .path(lesson.solution_dir())
        .join("Cargo.toml")
        .is_file()
    {
        problems.push(t!(
            "verify-no-solution",
            dir = lesson.solution_dir().display().to_string()
        ));
    }
    problems.extend(hint_problems(lesson));
    let test_file = lesson.test_file();
    match std::fs::read_to_string(workspace.path(&test_file)) {
        Err(e) => problems.push(t!(
            "verify-cannot-read",
            file = test_file.display().to_string(),
            error = e.to_string()
        )),
        Ok(text) => {
            let in_file = step_functions(&text);
            let in_toml: Vec<&str> = lesson.steps.iter().map(|s| s.name.as_str()).collect();
            if in_file != in_toml {
                let only_file: Vec<&str> = in_file
                    .iter()
                    .copied()
                    .filter(|n| !in_toml.contains(n))
                    .collect();
                let only_toml: Vec<&str> = in_toml
                    .iter()
                    .copied()
                    .filter(|n| !in_file.contains(n))
                    .collect();
                let file = test_file.display().to_string();
                if !only_file.is_empty() {
                    problems.push(t!(
                        "verify-unlisted-steps",
                        file = file.as_str(),
                        steps = only_file.join(", ")
                    ));
                }
                if !only_toml.is_empty() {
                    problems.push(t!(
                        "verify-undefined-steps",
                        file = file.as_str(),
                        steps = only_toml.join(", ")
                    ));
                }
                if only_file.is_empty() && only_toml.is_empty() {
                    problems.push(t!(
                        "verify-step-order",
                        file = file.as_str(),
                        steps = in_file.join(", ")
                    ));
                }
            }
        }
    }
    problems
}

/// Every step has its graded hints in English (`hints`, none empty) and
/// in Simplified Chinese (`hints-zh-CN`, as many levels, none empty).
pub fn hint_problems(lesson: &Lesson) -> Vec<String> {
    let mut problems = Vec::new();
    let empty = |hints: &[String]| hints.iter().any(|h| h.trim().is_empty());
    for step in &lesson.steps {
        let name = step.name.as_str();
        if step.hints.is_empty() || empty(&step.hints) {
            problems.push(t!("verify-no-hint", step = name));
        }
        if step.hints_zh_cn.is_empty() {
            problems.push(t!("verify-no-hint-zh", step = name));
        } else if step.hints_zh_cn.len() != step.hints.len() {
            problems.push(t!(
                "verify-hint-zh-levels",
                step = name,
                zh = step.hints_zh_cn.len(),
                en = step.hints.len()
            ));
        } else if empty(&step.hints_zh_cn) {
            problems.push(t!("verify-empty-hint-zh", step = name));
        }
    }
    problems
}

/// The chapter's step table names lesson.toml's steps, in order, and the
/// book's `SUMMARY.md` lists the chapter.
fn chapter_problems(workspace: &Workspace, lesson: &Lesson, chapter: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let in_table = table_steps(chapter);
    let in_toml: Vec<&str> = lesson.steps.iter().map(|s| s.name.as_str()).collect();
    if in_table != in_toml {
        problems.push(t!(
            "verify-step-table",
            chapter = lesson.chapter.as_str(),
            table = if in_table.is_empty() {
                t!("verify-nothing")
            } else {
                in_table.join(", ")
            },
            steps = in_toml.join(", ")
        ));
    }
    let file_name = Path::new(&lesson.chapter)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let summary = Path::new(&lesson.chapter).with_file_name("SUMMARY.md");
    let listed = std::fs::read_to_string(workspace.path(&summary))
        .is_ok_and(|text| text.contains(&format!("({file_name})")));
    if !listed {
        problems.push(t!(
            "verify-summary",
            summary = summary.display().to_string(),
            file = file_name
        ));
    }
    problems
}

/// The step names in the first column of a chapter's tables (`| \`stepNN_x\` | ... |`).
fn table_steps(chapter: &str) -> Vec<&str> {
    chapter
        .lines()
        .filter_map(|line| line.trim().strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`').map(|(name, _)| name))
        .filter(|name| is_step_name(name))
        .collect()
}

/// The solution's `[[example]]`s are exactly the exercise's `examples/*.rs`,
/// and the exercise lists each one behind its `examples` feature, so that
/// `cargo test -p lessonNN`, run after every edit, does not build them.
fn example_problems(workspace: &Workspace, lesson: &Lesson) -> Vec<String> {
    let dir = workspace.path(lesson.exercise_dir()).join("examples");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".rs").map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut problems = Vec::new();
    match manifest_examples(&workspace.path(lesson.solution_dir()).join("Cargo.toml")) {
        Ok(Some(ManifestExamples { listed, .. })) if listed != files => problems.push(t!(
            "verify-examples",
            listed = listed.join(", "),
            files = files.join(", ")
        )),
        Err(problem) => problems.push(problem),
        _ => {}
    }
    if files.is_empty() {
        return problems;
    }
    match manifest_examples(&workspace.path(lesson.exercise_dir()).join("Cargo.toml")) {
        Ok(Some(ManifestExamples { gated, .. })) if gated != files => problems.push(t!(
            "verify-examples-gated",
            listed = gated.join(", "),
            files = files.join(", ")
        )),
        Err(problem) => problems.push(problem),
        _ => {}
    }
    problems
}

/// A manifest's `[[example]]` names, each list sorted.
#[derive(Debug, PartialEq)]
struct ManifestExamples {
    /// Every `[[example]]`.
    listed: Vec<String>,
    /// Those that need the `examples` feature, a feature the manifest declares.
    gated: Vec<String>,
}

/// The `[[example]]`s of a manifest; `None` when it cannot be read (another
/// check reports that), an error when it is not TOML.
fn manifest_examples(manifest: &Path) -> Result<Option<ManifestExamples>, String> {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return Ok(None);
    };
    let table = text.parse::<toml::Table>().map_err(|_| {
        t!(
            "verify-manifest-parse",
            file = manifest.display().to_string()
        )
    })?;
    let declared = table
        .get("features")
        .and_then(|f| f.get("examples"))
        .is_some();
    let examples = table
        .get("example")
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let name = |e: &toml::Value| {
        e.get("name")
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let gated_by_feature = |e: &toml::Value| {
        declared
            && e.get("required-features")
                .and_then(toml::Value::as_array)
                .is_some_and(|f| f.iter().any(|f| f.as_str() == Some("examples")))
    };
    let mut listed: Vec<String> = examples.iter().filter_map(name).collect();
    let mut gated: Vec<String> = examples
        .iter()
        .filter(|e| gated_by_feature(e))
        .filter_map(name)
        .collect();
    listed.sort();
    gated.sort();
    Ok(Some(ManifestExamples { listed, gated }))
}

/// The `fn stepNN_...` functions of a test file, in file order.
pub fn step_functions(source: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for line in source.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("fn ") {
            let before_ok =
                at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
            let after = &rest[at + 3..];
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let name = &after[..end];
            if before_ok && is_step_name(name) && !names.contains(&name) {
                names.push(name);
            }
            rest = &after[end..];
        }
    }
    names
}

/// The binary's tests against `lesson.toml`: same steps, same order.
fn listing_problems(lesson: &Lesson, run: &SuiteRun) -> Vec<String> {
    let mut listed_steps: Vec<&str> = Vec::new();
    let mut problems = Vec::new();
    for name in &run.listed {
        let step = libtest::step_of(name);
        if !listed_steps.contains(&step) {
            listed_steps.push(step);
        }
    }
    for step in &listed_steps {
        if lesson.step(step).is_none() {
            problems.push(t!("verify-binary-extra", step = *step));
        }
    }
    let in_toml: Vec<&str> = lesson.steps.iter().map(|s| s.name.as_str()).collect();
    let common_listed: Vec<&str> = listed_steps
        .iter()
        .copied()
        .filter(|s| in_toml.contains(s))
        .collect();
    let common_toml: Vec<&str> = in_toml
        .iter()
        .copied()
        .filter(|s| listed_steps.contains(s))
        .collect();
    if common_listed != common_toml {
        problems.push(t!("verify-binary-order", steps = common_listed.join(", ")));
    }
    problems
}

/// A problem with one step, in words; `missing` when it is that
/// lesson.toml names a test the binary lacks (reported once a lesson).
struct StepProblem {
    text: String,
    missing: bool,
}

/// Each step against the stub must fail; against the solution, pass.
/// Returns `(step, problem)` pairs.
fn step_problems(run: &SuiteRun, solution: bool, options: &Options) -> Vec<(String, StepProblem)> {
    let mut problems = Vec::new();
    for step in &run.steps {
        let first_line = step.first_line();
        let missing = step.cause == Some(Cause::Missing);
        // The step the time ran out in, and those it kept from running.
        let out_of_time = step.status == StepStatus::NotRun || step.cause == Some(Cause::TimedOut);
        let name = step.name.as_str();
        let problem = match (solution, step.status) {
            (false, _) if missing => Some(t!("verify-missing-test", step = name)),
            (true, _) if missing => None,
            (true, StepStatus::Pass) => None,
            (true, status) => Some(t!(
                "verify-solution-fails",
                step = name,
                status = status.shown(),
                line = first_line
            )),
            (false, StepStatus::Pass) => Some(t!("verify-stub-passes", step = name)),
            (false, _) if out_of_time => Some(t!(
                "verify-stub-slow",
                step = name,
                limit = options.timeout.as_secs()
            )),
            (false, _) => None,
        };
        if let Some(text) = problem {
            let missing = missing && !solution;
            problems.push((step.name.clone(), StepProblem { text, missing }));
        }
    }
    problems
}

/// The verdicts in words, and whether the course is sound.
pub fn render(verdicts: &[Verdict]) -> (String, bool) {
    let mut out = String::new();
    let width = verdicts.iter().map(|v| v.id.len()).max().unwrap_or(0);
    for v in verdicts {
        if v.problems.is_empty() {
            let sound = if v.mistakes == 0 {
                t!("verify-lesson-ok", steps = v.steps)
            } else {
                t!(
                    "verify-lesson-ok-mistakes",
                    steps = v.steps,
                    mistakes = v.mistakes
                )
            };
            let _ = writeln!(
                out,
                "{:<width$}  {}  {sound}",
                v.id,
                paint(GOOD, t!("verify-ok"))
            );
        } else {
            let n = v.problems.len();
            let _ = writeln!(
                out,
                "{:<width$}  {}",
                v.id,
                paint(BAD, t!("verify-problems", count = n))
            );
            for problem in &v.problems {
                let _ = writeln!(out, "  - {problem}");
            }
        }
    }
    let bad = verdicts.iter().filter(|v| !v.problems.is_empty()).count();
    let sound = bad == 0 && !verdicts.is_empty();
    if verdicts.is_empty() {
        let _ = writeln!(out, "{} {}", paint(BAD, "verify:"), t!("verify-no-lessons"));
    } else if sound {
        let mistakes: usize = verdicts.iter().map(|v| v.mistakes).sum();
        let _ = writeln!(
            out,
            "{} {}",
            paint(BOLD, "verify:"),
            t!("verify-sound", count = verdicts.len(), mistakes = mistakes)
        );
    } else {
        let problems: usize = verdicts.iter().map(|v| v.problems.len()).sum();
        let _ = writeln!(
            out,
            "{} {}",
            paint(BAD, "verify:"),
            t!(
                "verify-unsound",
                bad = bad,
                count = verdicts.len(),
                problems = problems
            )
        );
    }
    (out, sound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_step_functions_in_file_order() {
        let source = "
use x;
// fn step09_commented_out() {}
#[test]
fn step01_a() {}
#[rstest]
#[case(1)]
fn step02_b(#[case] n: u32) { helper_fn(); }
fn helper() {}
pub fn step03_c() -> Result<(), E> { Ok(()) }
async fn step04_d() {}
";
        assert_eq!(
            step_functions(source),
            ["step01_a", "step02_b", "step03_c", "step04_d"]
        );
    }

    #[test]
    fn examples_count_as_gated_only_behind_a_declared_feature() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let manifest = dir.path().join("Cargo.toml");
        let write = |text: &str| std::fs::write(&manifest, text).expect("write the manifest");
        let both = "[[example]]\nname = \"b\"\nrequired-features = [\"examples\"]\n\n\
                    [[example]]\nname = \"a\"\n";
        write(&format!("[features]\nexamples = []\n\n{both}"));
        assert_eq!(
            manifest_examples(&manifest),
            Ok(Some(ManifestExamples {
                listed: vec!["a".into(), "b".into()],
                gated: vec!["b".into()]
            }))
        );
        // Without the feature declared, cargo would refuse the manifest.
        write(both);
        assert_eq!(
            manifest_examples(&manifest),
            Ok(Some(ManifestExamples {
                listed: vec!["a".into(), "b".into()],
                gated: vec![]
            }))
        );
        write("[[example]\n");
        assert!(manifest_examples(&manifest).is_err());
        assert_eq!(
            manifest_examples(&dir.path().join("missing.toml")),
            Ok(None)
        );
    }
}
