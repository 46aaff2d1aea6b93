//! The command line.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::i18n::{CATALOGUE, Lang, lang};
use crate::t;

/// Grades the course's exercises and tells you what to do next.
///
/// With no command: build every lesson's tests, run them against your code
/// and print a table of steps and points, a summary and what to do next.
#[derive(Debug, Parser)]
#[command(name = "checker", version)]
#[command(after_help = "Examples:
  cargo checker               progress of every lesson
  cargo checker 5             lesson 05 in detail (also: lesson05, 05)
  cargo checker hint 5        the hint for lesson 05's first failing step
  cargo checker --json        the results as JSON (also: --format json, junit, classroom)
  cargo checker watch         re-run the lesson you are editing on every save
  cargo checker reset 5       put lesson 05's stub back (your version is backed up)
  cargo checker verify        check that the course itself is sound

For instructors:
  cargo checker grade alice/ bob/ --out grades/   grade a class's submissions
  cargo checker export-student ../course-student  a copy without solutions/ for learners

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
    /// Print the results as one JSON document: the same as `--format json`.
    #[arg(long, global = true, conflicts_with = "format")]
    pub json: bool,

    /// How to print the results of progress and LESSON: a table for people,
    /// JSON, JUnit XML for CI systems, or GitHub Classroom's results document.
    /// `grade` also writes a JUnit file per submission when this is `junit`.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

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

    /// The language of everything the checker prints, and of the tests'
    /// failure messages: `en` or `zh-CN` [default: from LC_ALL,
    /// LC_MESSAGES or LANG; Chinese when it starts with `zh`].
    #[arg(long, global = true, value_name = "LANG", value_parser = crate::i18n::parse_lang)]
    pub lang: Option<Lang>,
}

impl Global {
    /// The output format asked for: `--format`, else `--json`, else the table.
    pub fn format(&self) -> Format {
        match (self.format, self.json) {
            (Some(format), _) => format,
            (None, true) => Format::Json,
            (None, false) => Format::Table,
        }
    }
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The table (or the lesson's detail) with "Next:", for people.
    Table,
    /// One JSON document (the schema is in the book's checker chapter).
    Json,
    /// JUnit XML: a testsuite per lesson, a testcase per step.
    Junit,
    /// GitHub Classroom's autograding results: one test per lesson, scored in points.
    Classroom,
}

/// The per-process limits `grade` puts on learner code.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// CPU time each test process may use, in seconds [default: the --timeout].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub cpu: Option<u64>,

    /// Memory each test process may map for data (heap, stacks), in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(16..))]
    pub memory: u64,

    /// Largest file a test process may write, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub file_size: u64,

    /// Processes and threads a submission's tests may have at once.
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(8..))]
    pub processes: u64,

    /// Wall time a submission's build may take, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(10..))]
    pub build_timeout: u64,

    /// Memory each compiler process of a submission's build may use, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 4096,
          value_parser = clap::value_parser!(u64).range(256..))]
    pub build_memory: u64,

    /// Size of each sandbox's private /tmp (and /dev/shm), in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub tmp_size: u64,
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
    /// Show a lesson's first failing step, its failure and its hints: a
    /// nudge first, one level more each time you ask.
    Hint {
        /// The lesson (lesson05, 05 or 5) [default: the one you are
        /// working on: saved last, else the first not done].
        #[arg(value_name = "LESSON")]
        lesson: Option<String>,
        /// Print every level of every step's hints, without running anything.
        #[arg(long)]
        all: bool,
    },
    /// For maintainers: start a new lesson: its exercise, solution, a first
    /// step, a mistake, its chapter, and its lines in SUMMARY.md and
    /// README.md (then follow CONTRIBUTING.md).
    NewLesson {
        /// The lesson's number, 1 to 99.
        number: u32,
        /// Its slug: lowercase letters, digits and dashes (`chat-room`).
        slug: String,
        /// Its title, as the book and the table show it.
        title: String,
    },
    /// For maintainers: check that every step fails against its stub and
    /// passes against its solution, that lesson.toml names exactly the tests
    /// there are, and that every chapter exists.
    Verify {
        /// First write each stub's fingerprint into its lesson.toml (after
        /// changing a stub on purpose).
        #[arg(long)]
        update_stubs: bool,
    },
    /// Re-run the lesson you are editing on every save, showing its first
    /// failing step and hint.
    ///
    /// Watches exercises/*/src. Without LESSON it follows the lesson whose
    /// source changed last (at start: the one edited last, else the first
    /// unfinished one). Uses file-system events, and polls file times where
    /// events do not arrive. Ctrl-C stops it.
    Watch {
        /// Only this lesson (lesson05, 05 or 5).
        #[arg(value_name = "LESSON")]
        lesson: Option<String>,
        /// Poll file times every half second instead of waiting for file events.
        #[arg(long)]
        poll: bool,
        /// Stop after this many runs (for tests).
        #[arg(long, hide = true, value_name = "N")]
        exit_after: Option<u32>,
    },
    /// Put a lesson's stub back, from git, keeping a backup of your code.
    ///
    /// The stub is the lesson's src/ as of the commit that added its
    /// src/lib.rs (or --from REV). Your files are copied to
    /// .checker/backups/ first. Asks before it does anything unless --yes
    /// is given.
    Reset {
        /// The lesson (lesson05, 05 or 5).
        #[arg(value_name = "LESSON")]
        lesson: String,
        /// Do not ask; needed when not run from a terminal.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Take the stub from this git revision instead of the commit that added it.
        #[arg(long, value_name = "REV")]
        from: Option<String>,
    },
    /// For instructors: grade a class's submissions with your own tests.
    ///
    /// Each SUBMISSION is a learner's copy of the workspace, or only its
    /// exercises/. Only each lesson's src/ is taken from it; tests,
    /// lesson.toml and Cargo.toml come from this workspace, and edits to
    /// them are reported as "tests modified". Writes grades.csv and
    /// NAME.json (and NAME.xml with --format junit) into --out, and prints a
    /// table.
    Grade {
        /// The learners' workspaces (or their exercises/ directories).
        #[arg(value_name = "SUBMISSION", required = true)]
        submissions: Vec<PathBuf>,
        /// Where grades.csv and the reports go.
        #[arg(long, value_name = "DIR", default_value = "grades")]
        out: PathBuf,
        /// Keep the scratch workspace and build cache here, to reuse them in a
        /// later run [default: a temporary directory, removed afterwards].
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
        /// Limits on each test process.
        #[command(flatten)]
        limits: LimitArgs,
        /// Grade without the bubblewrap sandbox (not for untrusted code:
        /// every report says so).
        #[arg(long)]
        no_sandbox: bool,
        /// Grade lessons flagged for constructs no lesson needs, after you
        /// have looked at them; their flags stay in the notes.
        #[arg(long)]
        allow_flagged: bool,
        /// Only these lessons (e.g. `--lessons 1,2`), as for one week's
        /// assignment; all when not given.
        #[arg(long, value_name = "LESSON", value_delimiter = ',')]
        lessons: Vec<String>,
    },
    /// For instructors: write a copy of the workspace for learners, without
    /// solutions/.
    ExportStudent {
        /// An empty (or new) directory outside this workspace.
        // Not named `dir`: that id belongs to the global --dir.
        #[arg(value_name = "DIR")]
        destination: PathBuf,
        /// Also install the GitHub Classroom workflow as .github/workflows/classroom.yml.
        #[arg(long)]
        classroom: bool,
    },
}

/// The command line in the checker's language: when it speaks Chinese, the
/// help's texts (what each command and option does, the examples, the
/// headings, `--help` and `--version`) come from the catalogue. clap's own
/// error messages stay English.
pub fn localised(command: clap::Command) -> clap::Command {
    if lang() == Lang::En {
        return command;
    }
    let command = command
        .about(t!("cli-about"))
        .long_about(t!("cli-long-about"))
        .after_help(t!("cli-after-help"))
        .subcommand_help_heading(t!("cli-heading-commands"))
        .subcommand_value_name(t!("cli-value-command"))
        .mut_args(|arg| localise_arg(arg, "cli-arg"))
        .mut_subcommands(|sub| {
            let name = sub.get_name().to_owned();
            let about = format!("cli-cmd-{name}");
            let long = format!("cli-cmd-{name}-long");
            let mut sub = sub;
            if CATALOGUE.has(Lang::ZhCn, &about) {
                sub = sub.about(CATALOGUE.text(lang(), &about, &[]));
                sub = if CATALOGUE.has(Lang::ZhCn, &long) {
                    sub.long_about(CATALOGUE.text(lang(), &long, &[]))
                } else {
                    sub.long_about(None::<&'static str>)
                };
            }
            let prefix = format!("cli-arg-{name}");
            let sub = sub.mut_args(|arg| localise_arg(arg, &prefix));
            with_own_flags(sub, false)
        });
    with_own_flags(command, true)
}

/// An argument's help from `PREFIX-ID` (else `cli-arg-ID`), and its
/// heading.
fn localise_arg(arg: Arg, prefix: &str) -> Arg {
    let id = arg.get_id().as_str().replace('_', "-");
    let own = format!("{prefix}-{id}");
    let shared = format!("cli-arg-{id}");
    let found = [own, shared]
        .into_iter()
        .find(|key| CATALOGUE.has(Lang::ZhCn, key));
    let arg = match found {
        Some(key) => arg
            .help(CATALOGUE.text(lang(), &key, &[]))
            .long_help(None::<&'static str>),
        None => arg,
    };
    if arg.is_positional() {
        arg.help_heading(t!("cli-heading-arguments"))
    } else {
        arg.help_heading(t!("cli-heading-options"))
    }
}

/// The help template with its heading in the checker's language, and
/// `--help` (and `--version`) with their words.
fn with_own_flags(command: clap::Command, version: bool) -> clap::Command {
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
        t!("cli-heading-usage")
    );
    let command = command.help_template(template).disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help(t!("cli-help"))
            .help_heading(t!("cli-heading-options")),
    );
    if !version {
        return command;
    }
    command.disable_version_flag(true).arg(
        Arg::new("version")
            .short('V')
            .long("version")
            .action(ArgAction::Version)
            .help(t!("cli-version"))
            .help_heading(t!("cli-heading-options")),
    )
}
