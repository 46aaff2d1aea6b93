//! `checker`: grades the course's exercises.
//!
//! `cargo checker` builds every lesson's graded tests, runs them against the
//! learner's code one step at a time, and prints a table of steps and points
//! with what to do next. `cargo checker LESSON` shows one lesson in detail,
//! `cargo checker hint LESSON` its next hint, and `cargo checker verify`
//! proves the course itself sound. See the book's checker chapter.
//!
//! Modules, in the order a run uses them:
//!
//! - [`cli`]: the command line;
//! - [`workspace`] and [`lesson`]: the workspace root and each `lesson.toml`;
//! - [`build`]: one cargo invocation for every selected test binary;
//! - [`run`], [`process`] and [`libtest`]: each step in its own process
//!   group, under the lesson's time limit, its output read back;
//! - [`outcome`] and [`grade`]: steps and lessons graded;
//! - [`report`], [`json`], [`junit`], [`classroom`] and [`ui`]: what people
//!   and programs read;
//! - [`verify`]: the maintainers' soundness check;
//! - [`watch`] and [`reset`]: the learner's loop, re-running on every save
//!   and putting a stub back;
//! - for instructors, [`class`] grades a class's submissions ([`submission`],
//!   [`mirror`], [`sandbox`], [`gradebook`]) and [`export`] writes the
//!   learner's copy ([`manifest`]).

pub mod build;
pub mod class;
pub mod classroom;
pub mod cli;
pub mod export;
pub mod grade;
pub mod gradebook;
pub mod hints;
pub mod jail;
pub mod json;
pub mod junit;
pub mod lesson;
pub mod libtest;
pub mod manifest;
pub mod mirror;
pub mod mistakes;
pub mod outcome;
pub mod preview;
pub mod process;
pub mod report;
pub mod reset;
pub mod run;
pub mod sandbox;
pub mod submission;
pub mod ui;
pub mod verify;
pub mod watch;
pub mod workspace;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, Command, Format, Global, LimitArgs};
use crate::lesson::Lesson;
use crate::outcome::{LessonOutcome, LessonStatus};
use crate::run::Options;
use crate::ui::Progress;
use crate::workspace::Workspace;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            let message = format!("{error:#}").replace('\n', " ");
            anstream::eprintln!("{} {message}", ui::paint(ui::BAD, "checker: error:"));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let global = cli.global;
    let start = match &global.dir {
        Some(dir) => dir.clone(),
        None => std::env::current_dir()?,
    };
    let workspace = Workspace::discover(&start)?;
    match (cli.command, cli.lesson) {
        (Some(Command::Progress { lessons }), _) => progress(&workspace, &lessons, &global),
        (None, None) => progress(&workspace, &[], &global),
        (None, Some(lesson)) => detail(&workspace, &lesson, &global),
        (Some(Command::Hint { lesson, all }), _) => {
            hint(&workspace, lesson.as_deref(), all, &global)
        }
        (Some(Command::Verify), _) => verify(&workspace, &global),
        (
            Some(Command::Watch {
                lesson,
                poll,
                exit_after,
            }),
            _,
        ) => watch::watch(
            &workspace,
            &watch::WatchOptions {
                lesson,
                poll,
                exit_after,
                run: options(&global),
            },
        ),
        (Some(Command::Reset { lesson, yes, from }), _) => {
            reset(&workspace, &lesson, yes, from.as_deref())
        }
        (
            Some(Command::Grade {
                submissions,
                out,
                cache,
                limits,
                no_sandbox,
                allow_flagged,
                lessons,
            }),
            _,
        ) => grade_class(
            &only(&workspace, &lessons)?,
            &submissions,
            out,
            cache,
            &limits,
            (no_sandbox, allow_flagged),
            &global,
        ),
        (
            Some(Command::ExportStudent {
                destination,
                classroom,
            }),
            _,
        ) => export_student(&workspace, &destination, classroom),
    }
}

fn options(global: &Global) -> Options {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    Options {
        timeout: Duration::from_secs(global.timeout),
        jobs: global.jobs.map_or(cpus, |j| j as usize),
        sandbox: None,
        jail: None,
    }
}

/// Prints `outcomes` in the format asked for; `detail` picks the one-lesson view.
fn print_results(outcomes: &[LessonOutcome], global: &Global, detail: bool) {
    match global.format() {
        Format::Json => println!("{}", json::Results::new(outcomes).to_json()),
        Format::Junit => print!("{}", junit::document("checker", outcomes)),
        Format::Classroom => println!("{}", classroom::document(outcomes)),
        Format::Table if detail => anstream::print!("{}", report::detail(&outcomes[0])),
        Format::Table => anstream::print!("{}", report::progress(outcomes)),
    }
}

/// The lessons named on the command line (all when none is), in course order.
fn select<'a>(workspace: &'a Workspace, args: &[String]) -> Result<Vec<&'a Lesson>> {
    if args.is_empty() {
        return Ok(workspace.lessons.iter().collect());
    }
    let mut chosen: Vec<&Lesson> = Vec::new();
    for arg in args {
        let lesson = lesson::select(&workspace.lessons, arg)?;
        if !chosen.iter().any(|l| l.number == lesson.number) {
            chosen.push(lesson);
        }
    }
    chosen.sort_by_key(|l| l.number);
    Ok(chosen)
}

fn exit_code(outcomes: &[LessonOutcome]) -> ExitCode {
    if outcomes.iter().all(|o| o.status == LessonStatus::Done) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn progress(workspace: &Workspace, args: &[String], global: &Global) -> Result<ExitCode> {
    let lessons = select(workspace, args)?;
    if lessons.is_empty() {
        anyhow::bail!("no lessons found: no exercises/lessonNN-*/lesson.toml");
    }
    let bar = Progress::new(false);
    let outcomes = grade::grade(workspace, &lessons, options(global), &bar)?;
    drop(bar);
    warn_would_flag(workspace, &lessons);
    print_results(&outcomes, global, false);
    Ok(exit_code(&outcomes))
}

/// Tells the learner, on stderr, what `grade` would flag in their lessons.
fn warn_would_flag(workspace: &Workspace, lessons: &[&Lesson]) {
    for lesson in lessons {
        let src = workspace.path(lesson.exercise_dir()).join("src");
        for found in preview::would_flag(&src) {
            anstream::eprintln!(
                "warning: grade would flag this: {}/{found} (no lesson needs it; an instructor's grade gives the lesson 0 points)",
                lesson.exercise_dir().display()
            );
        }
    }
}

fn detail(workspace: &Workspace, arg: &str, global: &Global) -> Result<ExitCode> {
    let lesson = lesson::select(&workspace.lessons, arg)?;
    let bar = Progress::new(false);
    let outcomes = grade::grade(workspace, &[lesson], options(global), &bar)?;
    drop(bar);
    print_results(&outcomes, global, true);
    Ok(exit_code(&outcomes))
}

fn hint(workspace: &Workspace, arg: Option<&str>, all: bool, global: &Global) -> Result<ExitCode> {
    let lesson = match arg {
        Some(arg) => lesson::select(&workspace.lessons, arg)?,
        None => watch::being_worked(workspace, &options(global))?,
    };
    if all {
        anstream::print!("{}", report::all_hints(lesson));
        return Ok(ExitCode::SUCCESS);
    }
    let bar = Progress::new(false);
    let outcomes = grade::grade(workspace, &[lesson], options(global), &bar)?;
    drop(bar);
    let outcome = &outcomes[0];
    let level = match outcome.first_unpassed() {
        Some(step) if outcome.compile_error.is_none() => {
            let max = lesson.step(&step.name).map_or(1, |s| s.hints.len());
            hints::next_level(&workspace.root, &lesson.id, &step.name, max)
        }
        _ => 1,
    };
    anstream::print!("{}", report::first_hint(outcome, level));
    Ok(ExitCode::SUCCESS)
}

fn verify(workspace: &Workspace, global: &Global) -> Result<ExitCode> {
    if !workspace.path("solutions").is_dir() {
        anyhow::bail!(
            "verify checks every lesson against its reference solution, and this workspace has no solutions/ (a learner's copy?): run it in the course's own repository"
        );
    }
    let bar = Progress::new(false);
    let verdicts = verify::verify(workspace, options(global), &bar)?;
    drop(bar);
    let (text, sound) = verify::render(&verdicts);
    anstream::print!("{text}");
    Ok(if sound {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn reset(workspace: &Workspace, arg: &str, yes: bool, from: Option<&str>) -> Result<ExitCode> {
    let lesson = lesson::select(&workspace.lessons, arg)?;
    match reset::reset(workspace, lesson, yes, from)? {
        reset::Reset::AlreadyStub => {
            println!("{}: src/ is already the stub; nothing to do", lesson.id);
        }
        reset::Reset::Declined => println!("{}: nothing changed", lesson.id),
        reset::Reset::Restored {
            commit,
            files,
            backup,
        } => {
            println!(
                "{}: restored the stub from commit {commit}: {}",
                lesson.id,
                files.join(", ")
            );
            println!("Your version is saved in {}/", backup.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The workspace with only the lessons `args` name (all when none).
fn only(workspace: &Workspace, args: &[String]) -> Result<Workspace> {
    let lessons = select(workspace, args)?;
    Ok(Workspace {
        root: workspace.root.clone(),
        lessons: lessons.into_iter().cloned().collect(),
    })
}

fn grade_class(
    workspace: &Workspace,
    submissions: &[std::path::PathBuf],
    out: std::path::PathBuf,
    cache: Option<std::path::PathBuf>,
    limits: &LimitArgs,
    (no_sandbox, allow_flagged): (bool, bool),
    global: &Global,
) -> Result<ExitCode> {
    const MIB: u64 = 1024 * 1024;
    let options = class::ClassOptions {
        out: out.clone(),
        cache,
        limits: sandbox::Limits {
            cpu_seconds: limits.cpu.unwrap_or(global.timeout),
            memory_bytes: limits.memory * MIB,
            file_size_bytes: limits.file_size * MIB,
            processes: limits.processes,
        },
        build: class::BuildLimits {
            timeout: Duration::from_secs(limits.build_timeout),
            memory_bytes: limits.build_memory * MIB,
            processes: 1024,
        },
        run: options(global),
        junit: global.format() == Format::Junit,
        no_sandbox,
        allow_flagged,
        tmp_bytes: limits.tmp_size * MIB,
    };
    let rows = class::grade_class(workspace, submissions, &options)?;
    anstream::print!("{}", gradebook::table(&workspace.lessons, &rows));
    println!(
        "Wrote {} and each graded submission's report to {}/",
        out.join(class::CSV_NAME).display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn export_student(
    workspace: &Workspace,
    dir: &std::path::Path,
    classroom: bool,
) -> Result<ExitCode> {
    let exported = export::export(workspace, dir, classroom)?;
    println!(
        "Exported {} files to {} (no solutions/){}.",
        exported.files,
        exported.dir.display(),
        if exported.classroom {
            format!(", with {}", export::CLASSROOM_WORKFLOW)
        } else {
            String::new()
        }
    );
    println!(
        "In it: `cargo checker` for progress, `cargo test -p lesson01` for one lesson's tests."
    );
    Ok(ExitCode::SUCCESS)
}
