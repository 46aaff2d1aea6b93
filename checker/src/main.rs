//! `checker`: grades the course's exercises.
//!
//! `cargo checker` builds every lesson's graded tests, runs them against the
//! learner's code one step at a time, and prints a table of steps and points
//! with what to do next. `cargo checker LESSON` shows one lesson in detail,
//! `cargo checker hint LESSON` its next hint, and `cargo checker verify`
//! proves the course itself sound. See the book's checker chapter.
//!
//! `main` only parses the command line ([`cli`]) and dispatches to
//! [`commands`]. The work is grouped by job:
//!
//! - [`course`]: the workspace, each `lesson.toml`, the manifests;
//! - [`i18n`]: the checker's language (English or Simplified Chinese) and
//!   its words;
//! - [`steps`]: building the test binaries and running each step in its
//!   own process group, confirmed by testkit, graded into outcomes;
//! - [`report`]: what people and programs read (tables, hints, JSON,
//!   JUnit, Classroom, the "grade would flag this" preview);
//! - [`learner`]: `watch` and `reset`, the learner's loop;
//! - [`class`]: grading a class in the bubblewrap sandbox;
//! - [`maintain`]: `verify`, the mistakes, `new-lesson` and `export-student`.

pub mod class;
pub mod cli;
pub mod commands;
pub mod course;
pub mod i18n;
pub mod learner;
pub mod maintain;
pub mod report;
pub mod steps;

use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::commands::{
    detail, export_student, grade_class, hint, new_lesson, only, options, progress, reset, verify,
};
use crate::course::workspace::Workspace;
use crate::learner::watch;
use crate::report::ui;

fn main() -> ExitCode {
    // The language first: the help and the usage errors speak it too.
    i18n::set(i18n::from_args(std::env::args_os()));
    let matches = cli::localised(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // `checker 3 hint`: a lesson before a command. (Not clap's
    // `args_conflicts_with_subcommands`: that would also take the command
    // after a global option, `checker --lang zh-CN hint 1`, for a lesson.)
    if let (Some(lesson), Some(_)) = (&cli.lesson, &cli.command) {
        cli::localised(Cli::command())
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                t!("error-lesson-and-command", lesson = lesson.as_str()),
            )
            .exit();
    }
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            let message = format!("{error:#}").replace('\n', " ");
            anstream::eprintln!("{} {message}", ui::paint(ui::BAD, t!("error-prefix")));
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
        (Some(Command::Verify { update_stubs }), _) => verify(&workspace, update_stubs, &global),
        (
            Some(Command::NewLesson {
                number,
                slug,
                title,
            }),
            _,
        ) => new_lesson(&workspace, number, &slug, &title),
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
