//! Grades the learner's lessons: build them all, then run their steps.

use anyhow::Result;

use crate::course::lesson::Lesson;
use crate::course::workspace::Workspace;
use crate::report::ui::Progress;
use crate::steps::build::{self, Built, Package};
use crate::steps::outcome::LessonOutcome;
use crate::steps::run::{self, Options, Suite};
use crate::t;

/// The exercise package of `lesson`, the learner's code.
pub fn exercise_package(lesson: &Lesson) -> Package {
    Package {
        name: lesson.package().to_owned(),
        dir: lesson.exercise_dir(),
        test: lesson.test_target().to_owned(),
    }
}

/// Builds and runs `lessons` against the learner's code.
///
/// # Errors
///
/// When cargo cannot build at all (see [`build::build`]).
pub fn grade(
    workspace: &Workspace,
    lessons: &[&Lesson],
    options: Options,
    progress: &Progress,
) -> Result<Vec<LessonOutcome>> {
    // A lesson whose src/ is still the stub as shipped passes no step
    // (`verify` proves it): it is reported without being built.
    let (untouched, edited): (Vec<&Lesson>, Vec<&Lesson>) =
        lessons.iter().copied().partition(|l| is_stub(workspace, l));
    let mut outcomes = Vec::new();
    if !edited.is_empty() {
        let packages: Vec<Package> = edited.iter().map(|l| exercise_package(l)).collect();
        let what = match edited.as_slice() {
            [one] => t!("progress-building-one", id = one.id.as_str()),
            _ => t!("progress-building-lessons", count = edited.len()),
        };
        progress.building(&what);
        let building = t!("progress-building");
        let built = build::build(&workspace.root, &packages, &mut |name| {
            progress.compiled(&building, name)
        })?;
        outcomes = run_built(workspace, &edited, built, &options, progress);
    }
    let mut ran = outcomes.into_iter();
    Ok(lessons
        .iter()
        .map(|lesson| {
            if untouched.iter().any(|u| u.number == lesson.number) {
                LessonOutcome::untouched((*lesson).clone(), options.timeout)
            } else {
                ran.next().expect("one outcome per built lesson")
            }
        })
        .collect())
}

/// True when the lesson's `src/` has the fingerprint `lesson.toml` gives
/// the stub as shipped.
pub fn is_stub(workspace: &Workspace, lesson: &Lesson) -> bool {
    lesson.stub.as_deref().is_some_and(|stub| {
        stub == crate::course::lesson::fingerprint(
            &workspace.path(lesson.exercise_dir()).join("src"),
        )
    })
}

/// Runs the steps of the lessons that `built` holds a binary for, and
/// grades every lesson (`built` is in `lessons`' order).
pub fn run_built(
    workspace: &Workspace,
    lessons: &[&Lesson],
    built: Vec<Built>,
    options: &Options,
    progress: &Progress,
) -> Vec<LessonOutcome> {
    let mut suites = Vec::new();
    for (lesson, built) in lessons.iter().zip(&built) {
        if let Built::Binary(binary) = built {
            suites.push(Suite {
                lesson,
                binary: binary.clone(),
                package_dir: workspace.path(lesson.exercise_dir()),
            });
        }
    }
    let total: usize = suites.iter().map(|s| s.lesson.steps.len()).sum();
    progress.running(total, &t!("progress-running"));
    let runs = run::run_suites(&suites, options.clone(), &|i, step| {
        progress.step_done(&format!(
            "{} {} {}",
            suites[i].lesson.id,
            step.name,
            step.status.shown()
        ));
    });
    progress.finish();

    let mut runs = runs.into_iter();
    lessons
        .iter()
        .zip(built)
        .map(|(lesson, built)| match built {
            Built::Failed(error) => {
                LessonOutcome::not_compiled((*lesson).clone(), error, options.timeout)
            }
            Built::Binary(_) => {
                let run = runs.next().expect("one run per built lesson");
                LessonOutcome::new(
                    (*lesson).clone(),
                    run.steps,
                    run.timed_out,
                    options.timeout,
                    run.elapsed,
                )
            }
        })
        .collect()
}
