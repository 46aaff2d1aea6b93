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
//! - [`report`], [`json`] and [`ui`]: what people and programs read;
//! - [`verify`]: the maintainers' soundness check.

pub mod build;
pub mod cli;
pub mod grade;
pub mod json;
pub mod lesson;
pub mod libtest;
pub mod outcome;
pub mod process;
pub mod report;
pub mod run;
pub mod ui;
pub mod verify;
pub mod workspace;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, Command, Global};
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
        (Some(Command::Hint { lesson, all }), _) => hint(&workspace, &lesson, all, &global),
        (Some(Command::Verify), _) => verify(&workspace, &global),
    }
}

fn options(global: &Global) -> Options {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    Options {
        timeout: Duration::from_secs(global.timeout),
        jobs: global.jobs.map_or(cpus, |j| j as usize),
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
    if global.json {
        println!("{}", json::Results::new(&outcomes).to_json());
    } else {
        anstream::print!("{}", report::progress(&outcomes));
    }
    Ok(exit_code(&outcomes))
}

fn detail(workspace: &Workspace, arg: &str, global: &Global) -> Result<ExitCode> {
    let lesson = lesson::select(&workspace.lessons, arg)?;
    let bar = Progress::new(false);
    let outcomes = grade::grade(workspace, &[lesson], options(global), &bar)?;
    drop(bar);
    if global.json {
        println!("{}", json::Results::new(&outcomes).to_json());
    } else {
        anstream::print!("{}", report::detail(&outcomes[0]));
    }
    Ok(exit_code(&outcomes))
}

fn hint(workspace: &Workspace, arg: &str, all: bool, global: &Global) -> Result<ExitCode> {
    let lesson = lesson::select(&workspace.lessons, arg)?;
    if all {
        anstream::print!("{}", report::all_hints(lesson));
        return Ok(ExitCode::SUCCESS);
    }
    let bar = Progress::new(false);
    let outcomes = grade::grade(workspace, &[lesson], options(global), &bar)?;
    drop(bar);
    anstream::print!("{}", report::first_hint(&outcomes[0]));
    Ok(ExitCode::SUCCESS)
}

fn verify(workspace: &Workspace, global: &Global) -> Result<ExitCode> {
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
