//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Grades the course's exercises and tells you what to do next.
///
/// With no command: build every lesson's tests, run them against your code
/// and print a table of steps and points, a summary and what to do next.
#[derive(Debug, Parser)]
#[command(name = "checker", version, args_conflicts_with_subcommands = true)]
#[command(after_help = "Examples:
  cargo checker               progress of every lesson
  cargo checker 5             lesson 05 in detail (also: lesson05, 05)
  cargo checker hint 5        the hint for lesson 05's first failing step
  cargo checker --json        the results as JSON
  cargo checker verify        check that the course itself is sound

Exit status: 0 every selected lesson passes, 1 some do not, 2 a usage or set-up error.")]
pub struct Cli {
    /// Show this lesson in detail: every step, its failure and its output.
    #[arg(value_name = "LESSON")]
    pub lesson: Option<String>,

    /// What to do (default: progress).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Print the results as one JSON document (progress and LESSON).
    #[arg(long, global = true)]
    pub json: bool,

    /// Time limit for each lesson's steps, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// How many steps to run at once [default: the number of CPUs].
    #[arg(long, short = 'j', global = true, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,

    /// Grade the workspace containing DIR instead of the current directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build and run the lessons' tests and print the progress table (the default).
    Progress {
        /// Only these lessons (lesson05, 05 or 5); all when none is given.
        #[arg(value_name = "LESSON")]
        lessons: Vec<String>,
    },
    /// Print the hint for a lesson's first failing step.
    Hint {
        /// The lesson (lesson05, 05 or 5).
        #[arg(value_name = "LESSON")]
        lesson: String,
        /// Print every step's hint, without running anything.
        #[arg(long)]
        all: bool,
    },
    /// For maintainers: check that every step fails against its stub and
    /// passes against its solution, that lesson.toml names exactly the tests
    /// there are, and that every chapter exists.
    Verify,
}
