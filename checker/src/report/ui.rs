//! What the checker shows while it works, and the colours of its reports.
//!
//! On a terminal: a spinner while cargo builds, then a progress bar over the
//! steps, both on stderr and cleared before the report is printed. Anywhere
//! else (a pipe, CI, a file): a few plain lines on stderr. Colours go through
//! `anstream`, which drops them when `NO_COLOR` is set or stdout is not a
//! terminal.

use std::io::IsTerminal;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressStyle};

use crate::steps::outcome::{LessonStatus, StepStatus};
use crate::t;

/// Bold text: headings.
pub const BOLD: Style = Style::new().bold();
/// Dim text: secondary information.
pub const DIM: Style = Style::new().dimmed();
/// A passing step, a finished lesson.
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
/// A failing step, a broken lesson.
pub const BAD: Style = AnsiColor::Red.on_default().bold();
/// Work under way.
pub const BUSY: Style = AnsiColor::Yellow.on_default();
/// Labels such as `Hint:` and `Next:`.
pub const LABEL: Style = AnsiColor::Cyan.on_default().bold();

/// The style of a lesson status.
pub fn lesson_style(status: LessonStatus) -> Style {
    match status {
        LessonStatus::Done => GOOD,
        LessonStatus::InProgress => BUSY,
        LessonStatus::NotStarted => DIM,
        LessonStatus::DoesNotCompile | LessonStatus::TimedOut | LessonStatus::Flagged => BAD,
    }
}

/// The style of a step status.
pub fn step_style(status: StepStatus) -> Style {
    match status {
        StepStatus::Pass => GOOD,
        StepStatus::Fail | StepStatus::Error => BAD,
        StepStatus::NotRun => DIM,
    }
}

/// `text` in `style` (the style is dropped later if colours are off).
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// The progress display.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    /// Without a terminal: crates compiled so far, and when a line last said so.
    plain_count: std::sync::Mutex<(usize, std::time::Instant)>,
}

/// How often a plain (non-terminal) build prints how far it got.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    /// A spinner/bar when stdout and stderr are terminals; plain lines on
    /// stderr otherwise (none at all when `quiet`).
    pub fn new(quiet: bool) -> Progress {
        let terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        let bar = (terminal && !quiet).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Progress {
            bar,
            plain: !terminal && !quiet,
            plain_count: std::sync::Mutex::new((0, std::time::Instant::now())),
        }
    }

    /// Starts the build phase.
    pub fn building(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed:.dim}")
                    .expect("valid template"),
            );
            bar.set_message(what.to_owned());
        } else if self.plain {
            eprintln!("{}", t!("progress-plain", what = what));
            if let Ok(mut count) = self.plain_count.lock() {
                *count = (0, std::time::Instant::now());
            }
        }
    }

    /// Cargo finished compiling one crate. Without a terminal, a line every
    /// few seconds says how many so far, so a long first build is seen to move.
    pub fn compiled(&self, what: &str, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{what}: {name}"));
        } else if self.plain {
            if let Ok(mut count) = self.plain_count.lock() {
                count.0 += 1;
                if count.1.elapsed() >= PLAIN_EVERY {
                    eprintln!(
                        "{}",
                        t!(
                            "progress-compiled",
                            what = what,
                            count = count.0,
                            name = name
                        )
                    );
                    count.1 = std::time::Instant::now();
                }
            }
        }
    }

    /// Starts the run phase over `steps` steps.
    pub fn running(&self, steps: usize, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_length(steps as u64);
            bar.set_position(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner:.cyan} {msg} [{bar:30.cyan/blue}] {pos}/{len} {elapsed:.dim}",
                )
                .expect("valid template")
                .progress_chars("#>-"),
            );
            bar.set_message(what.to_owned());
        } else if self.plain {
            eprintln!("{}", t!("progress-steps", what = what, count = steps));
        }
    }

    /// One step finished.
    pub fn step_done(&self, label: &str) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(label.to_owned());
        }
    }

    /// Clears the display before the report.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
