//! What grading found: each step's status and each lesson's.

use std::time::Duration;

use crate::course::lesson::Lesson;
use crate::steps::build::CompileError;
use crate::t;

/// How one step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// Every case passed.
    Pass,
    /// A case failed an assertion or panicked.
    Fail,
    /// The step could not finish: a crash, `process::exit`, a time-out, a
    /// missing test.
    Error,
    /// The step never ran: its lesson did not compile or ran out of time first.
    NotRun,
}

impl StepStatus {
    /// The word reports use: `pass`, `fail`, `error` or `not run`.
    pub fn word(self) -> &'static str {
        match self {
            StepStatus::Pass => "pass",
            StepStatus::Fail => "fail",
            StepStatus::Error => "error",
            StepStatus::NotRun => "not run",
        }
    }

    /// The word people read, in the checker's language (`word` is the
    /// machine formats' value).
    pub fn shown(self) -> String {
        match self {
            StepStatus::Pass => t!("step-pass"),
            StepStatus::Fail => t!("step-fail"),
            StepStatus::Error => t!("step-error"),
            StepStatus::NotRun => t!("step-not-run"),
        }
    }
}

/// Why a step did not pass, beyond its status: what `verify` and `grade`
/// act on (the message is for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// lesson.toml names a step the test binary does not have.
    Missing,
    /// The test binary could not be listed or started.
    CannotRun,
    /// The lesson's time limit ran out while the step ran.
    TimedOut,
    /// The process overflowed its stack.
    StackOverflow,
    /// An allocation failed: the memory limit, or the machine's.
    OutOfMemory,
    /// A signal killed the process (`SIGXCPU` and `SIGXFSZ` are limits).
    Signal(i32),
    /// The process exited before libtest's summary (`process::exit`).
    ExitedEarly(i32),
    /// libtest reported a pass that testkit never confirmed.
    Unconfirmed,
    /// Some of its cases are `#[ignore]`d, or did not run.
    Skipped,
    /// An assertion failed or the code panicked.
    Failed,
    /// It never ran (its lesson did not compile, ran out of time, is the
    /// stub, or was flagged).
    NotRun,
}

impl Cause {
    /// True when the step was cut off by a resource limit.
    pub fn over_limit(self) -> bool {
        matches!(
            self,
            Cause::OutOfMemory | Cause::Signal(libc::SIGXCPU) | Cause::Signal(libc::SIGXFSZ)
        )
    }
}

/// One step's result.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// The step's name, `stepNN_...`.
    pub name: String,
    /// Its points when passed.
    pub points: u32,
    /// How it went.
    pub status: StepStatus,
    /// Why it did not pass, when it did not.
    pub message: Option<String>,
    /// The same, as a value: `None` when it passed.
    pub cause: Option<Cause>,
    /// What the learner's code printed (capped).
    pub output: String,
}

impl StepOutcome {
    /// A step that did not run, for `reason`.
    pub fn not_run(name: &str, points: u32, reason: &str) -> StepOutcome {
        StepOutcome {
            name: name.to_owned(),
            points,
            status: StepStatus::NotRun,
            message: Some(reason.to_owned()),
            cause: Some(Cause::NotRun),
            output: String::new(),
        }
    }

    /// The first non-blank line of its message (empty when it has none).
    pub fn first_line(&self) -> &str {
        self.message
            .as_deref()
            .and_then(|m| m.lines().find(|l| !l.trim().is_empty()))
            .unwrap_or("")
    }
}

/// Where a lesson stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonStatus {
    /// Every step passes.
    Done,
    /// Some steps pass.
    InProgress,
    /// No step passes yet.
    NotStarted,
    /// The learner's code (or the tests against it) did not compile.
    DoesNotCompile,
    /// The lesson's time limit ran out before every step finished.
    TimedOut,
    /// `grade` found constructs no lesson needs (see `class::flags`) and
    /// did not run it: 0 points until an instructor allows it.
    Flagged,
}

impl LessonStatus {
    /// The words reports use.
    pub fn words(self) -> &'static str {
        match self {
            LessonStatus::Done => "done",
            LessonStatus::InProgress => "in progress",
            LessonStatus::NotStarted => "not started",
            LessonStatus::DoesNotCompile => "does not compile",
            LessonStatus::TimedOut => "timed out",
            LessonStatus::Flagged => "flagged",
        }
    }

    /// The words people read, in the checker's language (`words` is the
    /// machine formats' value).
    pub fn shown(self) -> String {
        match self {
            LessonStatus::Done => t!("status-done"),
            LessonStatus::InProgress => t!("status-in-progress"),
            LessonStatus::NotStarted => t!("status-not-started"),
            LessonStatus::DoesNotCompile => t!("status-does-not-compile"),
            LessonStatus::TimedOut => t!("status-timed-out"),
            LessonStatus::Flagged => t!("status-flagged"),
        }
    }
}

/// A graded lesson.
#[derive(Debug, Clone)]
pub struct LessonOutcome {
    /// The lesson.
    pub lesson: Lesson,
    /// Where it stands.
    pub status: LessonStatus,
    /// Its first compile error, when it did not compile.
    pub compile_error: Option<CompileError>,
    /// Every step, in `lesson.toml`'s order.
    pub steps: Vec<StepOutcome>,
    /// The time limit it ran under.
    pub timeout: Duration,
    /// How long its steps took to run.
    pub elapsed: Duration,
    /// What `grade` flagged in it, each with its place (`src/lib.rs:3: ...`).
    pub flags: Vec<String>,
}

impl LessonOutcome {
    /// Grades a lesson from its steps' outcomes.
    pub fn new(
        lesson: Lesson,
        steps: Vec<StepOutcome>,
        timed_out: bool,
        timeout: Duration,
        elapsed: Duration,
    ) -> LessonOutcome {
        let passed = steps
            .iter()
            .filter(|s| s.status == StepStatus::Pass)
            .count();
        let status = if timed_out {
            LessonStatus::TimedOut
        } else if passed == steps.len() {
            LessonStatus::Done
        } else if passed > 0 {
            LessonStatus::InProgress
        } else {
            LessonStatus::NotStarted
        };
        LessonOutcome {
            lesson,
            status,
            compile_error: None,
            steps,
            timeout,
            elapsed,
            flags: Vec::new(),
        }
    }

    /// A lesson that did not compile: every step is "not run".
    pub fn not_compiled(lesson: Lesson, error: CompileError, timeout: Duration) -> LessonOutcome {
        let steps = lesson
            .steps
            .iter()
            .map(|s| StepOutcome::not_run(&s.name, s.points, &t!("not-run-compile")))
            .collect();
        LessonOutcome {
            lesson,
            status: LessonStatus::DoesNotCompile,
            compile_error: Some(error),
            steps,
            timeout,
            elapsed: Duration::ZERO,
            flags: Vec::new(),
        }
    }

    /// A lesson whose `src/` is the stub as given, not built or run: a
    /// stub passes no step (`cargo checker verify` proves it).
    pub fn untouched(lesson: Lesson, timeout: Duration) -> LessonOutcome {
        let steps = lesson
            .steps
            .iter()
            .map(|s| StepOutcome::not_run(&s.name, s.points, &t!("not-run-stub")))
            .collect();
        LessonOutcome::new(lesson, steps, false, timeout, Duration::ZERO)
    }

    /// A lesson `grade` flagged and did not grade: every step is "not run".
    pub fn flagged(lesson: Lesson, flags: Vec<String>, timeout: Duration) -> LessonOutcome {
        let steps = lesson
            .steps
            .iter()
            .map(|s| StepOutcome::not_run(&s.name, s.points, &t!("not-run-flagged")))
            .collect();
        LessonOutcome {
            lesson,
            status: LessonStatus::Flagged,
            compile_error: None,
            steps,
            timeout,
            elapsed: Duration::ZERO,
            flags,
        }
    }

    /// Steps passed.
    pub fn passed(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Pass)
            .count()
    }

    /// Points earned.
    pub fn points(&self) -> u32 {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Pass)
            .map(|s| s.points)
            .sum()
    }

    /// The step to work on next: the first that failed or errored, else the
    /// first that did not pass.
    pub fn first_unpassed(&self) -> Option<&StepOutcome> {
        self.steps
            .iter()
            .find(|s| matches!(s.status, StepStatus::Fail | StepStatus::Error))
            .or_else(|| self.steps.iter().find(|s| s.status != StepStatus::Pass))
    }

    /// One line on why the lesson could not be graded in full, if it could not.
    pub fn problem(&self) -> Option<String> {
        match self.status {
            LessonStatus::DoesNotCompile => self
                .compile_error
                .as_ref()
                .map(|e| t!("problem-compile", error = e.to_string())),
            LessonStatus::TimedOut => Some(t!(
                "problem-timed-out",
                limit = self.timeout.as_secs(),
                finished = self
                    .steps
                    .iter()
                    .filter(|s| matches!(s.status, StepStatus::Pass | StepStatus::Fail))
                    .count(),
                total = self.steps.len()
            )),
            LessonStatus::Flagged => Some(t!("problem-flagged", flags = self.flags.join("; "))),
            _ => None,
        }
    }
}
