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
    progress.building(&format!(
        "building {} lessons' stubs and solutions",
        lessons.len()
    ));
    let built = build::build(&workspace.root, &packages, &mut |name| {
        progress.compiled("building", name)
    })?;

    let mut suites = Vec::new();
    let mut suite_slots = Vec::new();
    for ((&(i, solution), package), built) in slots.iter().zip(&packages).zip(&built) {
        let lesson = &lessons[i];
        let side = if solution { "solution" } else { "stub" };
        match built {
            Built::Binary(binary) => {
                suites.push(Suite {
                    lesson,
                    binary: binary.clone(),
                    package_dir: workspace.path(&package.dir),
                });
                suite_slots.push((i, solution));
            }
            Built::Failed(error) => verdicts[i]
                .problems
                .push(format!("the {side} does not compile: {error}")),
        }
    }
    let total: usize = suites.iter().map(|s| s.lesson.steps.len()).sum();
    progress.running(total, "running every step against stubs and solutions");
    let runs = run::run_suites(&suites, options.clone(), &|i, step| {
        progress.step_done(&format!(
            "{} {} {}",
            suites[i].lesson.id,
            step.name,
            step.status.word()
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
            if !(problem.starts_with("lesson.toml lists") && problems.iter().any(named)) {
                problems.push(problem);
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
        Err(_) => problems.push(format!("its chapter {} does not exist", lesson.chapter)),
        Ok(chapter) => problems.extend(chapter_problems(workspace, lesson, &chapter)),
    }
    problems.extend(example_problems(workspace, lesson));
    let src = workspace.path(lesson.exercise_dir()).join("src");
    let shipped = crate::course::lesson::fingerprint(&src);
    if lesson.stub.as_deref() != Some(shipped.as_str()) {
        let what = if lesson.stub.is_none() {
            "has no"
        } else {
            "has an outdated"
        };
        problems.push(format!(
            "{}/lesson.toml {what} `stub` fingerprint (unedited stubs are not built): \
             run `cargo checker verify --update-stubs`",
            lesson.exercise_dir().display()
        ));
    }
    let stub = src.join("lib.rs");
    if std::fs::read_to_string(&stub).is_ok_and(|text| !text.contains("todo!(")) {
        problems.push(format!(
            "{} has no todo!() left: the stub must leave the work to the learner",
            lesson.exercise_dir().join("src/lib.rs").display()
        ));
    }
    if !workspace
        .path(lesson.solution_dir())
        .join("Cargo.toml")
        .is_file()
    {
        problems.push(format!(
            "it has no solution: {}/Cargo.toml does not exist",
            lesson.solution_dir().display()
        ));
    }
    for step in &lesson.steps {
        if step.hints.is_empty() || step.hints.iter().any(|h| h.trim().is_empty()) {
            problems.push(format!(
                "{} has no hint (or an empty one) in lesson.toml",
                step.name
            ));
        }
    }
    let test_file = lesson.test_file();
    match std::fs::read_to_string(workspace.path(&test_file)) {
        Err(e) => problems.push(format!("cannot read {}: {e}", test_file.display())),
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
                if !only_file.is_empty() {
                    problems.push(format!(
                        "{} has step functions that lesson.toml does not list: {}",
                        test_file.display(),
                        only_file.join(", ")
                    ));
                }
                if !only_toml.is_empty() {
                    problems.push(format!(
                        "lesson.toml lists steps that {} does not define: {}",
                        test_file.display(),
                        only_toml.join(", ")
                    ));
                }
                if only_file.is_empty() && only_toml.is_empty() {
                    problems.push(format!(
                        "lesson.toml lists the steps in another order than {}: the file has {}",
                        test_file.display(),
                        in_file.join(", ")
                    ));
                }
            }
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
        problems.push(format!(
            "the step table of {} lists {} but lesson.toml has {}",
            lesson.chapter,
            if in_table.is_empty() {
                "nothing".to_owned()
            } else {
                in_table.join(", ")
            },
            in_toml.join(", ")
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
        problems.push(format!(
            "{} does not list the chapter ({file_name})",
            summary.display()
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

/// The solution's `[[example]]`s are exactly the exercise's `examples/*.rs`.
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
    let manifest = workspace.path(lesson.solution_dir()).join("Cargo.toml");
    let Ok(table) = std::fs::read_to_string(&manifest).map(|t| t.parse::<toml::Table>()) else {
        return Vec::new();
    };
    let Ok(table) = table else {
        return vec![format!("{} does not parse", manifest.display())];
    };
    let mut listed: Vec<String> = table
        .get("example")
        .and_then(toml::Value::as_array)
        .map(|examples| {
            examples
                .iter()
                .filter_map(|e| e.get("name").and_then(toml::Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    listed.sort();
    if files == listed {
        Vec::new()
    } else {
        vec![format!(
            "the solution's [[example]]s ({}) are not the exercise's examples/ ({})",
            listed.join(", "),
            files.join(", ")
        )]
    }
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
            problems.push(format!(
                "the test binary has `{step}`, which lesson.toml does not list"
            ));
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
        problems.push(format!(
            "lesson.toml's order differs from the tests' (step numbers must rise in file order): {}",
            common_listed.join(", ")
        ));
    }
    problems
}

/// Each step against the stub must fail; against the solution, pass.
/// Returns `(step, problem)` pairs.
fn step_problems(run: &SuiteRun, solution: bool, options: &Options) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for step in &run.steps {
        let first_line = step.first_line();
        let missing = step.cause == Some(Cause::Missing);
        // The step the time ran out in, and those it kept from running.
        let out_of_time = step.status == StepStatus::NotRun || step.cause == Some(Cause::TimedOut);
        let problem = match (solution, step.status) {
            (false, _) if missing => Some(format!(
                "lesson.toml lists `{}` but the test binary has no such test",
                step.name
            )),
            (true, _) if missing => None,
            (true, StepStatus::Pass) => None,
            (true, status) => Some(format!(
                "{} does not pass against the solution ({}): {first_line}",
                step.name,
                status.word()
            )),
            (false, StepStatus::Pass) => Some(format!(
                "{} passes against the stub: it must fail until the learner writes the code",
                step.name
            )),
            (false, _) if out_of_time => Some(format!(
                "{} did not fail within the {} s limit against the stub: a wrong program must fail fast",
                step.name,
                options.timeout.as_secs()
            )),
            (false, _) => None,
        };
        if let Some(problem) = problem {
            problems.push((step.name.clone(), problem));
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
            let steps = if v.steps == 1 {
                "step fails against the stub and passes"
            } else {
                "steps fail against the stub and pass"
            };
            let mistakes = match v.mistakes {
                0 => String::new(),
                1 => "; its 1 mistake is caught".to_owned(),
                n => format!("; its {n} mistakes are caught"),
            };
            let _ = writeln!(
                out,
                "{:<width$}  {}  {} {steps} against the solution{mistakes}",
                v.id,
                paint(GOOD, "ok"),
                v.steps
            );
        } else {
            let n = v.problems.len();
            let what = if n == 1 { "problem" } else { "problems" };
            let _ = writeln!(
                out,
                "{:<width$}  {}",
                v.id,
                paint(BAD, format!("{n} {what}"))
            );
            for problem in &v.problems {
                let _ = writeln!(out, "  - {problem}");
            }
        }
    }
    let bad = verdicts.iter().filter(|v| !v.problems.is_empty()).count();
    let sound = bad == 0 && !verdicts.is_empty();
    if verdicts.is_empty() {
        let _ = writeln!(
            out,
            "{} no lessons found under exercises/",
            paint(BAD, "verify:")
        );
    } else if sound {
        let n = verdicts.len();
        let lessons = if n == 1 { "lesson is" } else { "lessons are" };
        let mistakes: usize = verdicts.iter().map(|v| v.mistakes).sum();
        let _ = writeln!(
            out,
            "{} all {n} {lessons} sound; {mistakes} mistakes caught by the steps they name",
            paint(BOLD, "verify:")
        );
    } else {
        let problems: usize = verdicts.iter().map(|v| v.problems.len()).sum();
        let _ = writeln!(
            out,
            "{} {bad} of {} lessons have problems ({problems} in all)",
            paint(BAD, "verify:"),
            verdicts.len()
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
}
