//! The machine-readable results document (`--json`), shaped after
//! Exercism's test-runner `results.json`.
//!
//! ```json
//! {"version": 1, "status": "fail", "passed": 3, "total": 14, "points": 3, "max_points": 17,
//!  "lessons": [{"id": "lesson01", "title": "TCP client", "chapter": "docs/src/01-tcp-client.md",
//!               "status": "fail", "state": "in progress", "message": null,
//!               "passed": 3, "total": 14, "points": 3, "max_points": 17,
//!               "tests": [{"name": "step01_builds_the_request", "status": "pass",
//!                          "points": 1, "message": null, "output": null}]}]}
//! ```
//!
//! The schema is described in the book's checker chapter.

use serde::Serialize;

use crate::steps::outcome::{LessonOutcome, LessonStatus, StepStatus};

/// The schema's version.
pub const VERSION: u32 = 1;
/// The most bytes of output one test carries.
pub const OUTPUT_LIMIT: usize = 4096;

/// `pass`, `fail` or `error`, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Everything passed.
    Pass,
    /// Something failed.
    Fail,
    /// Something could not be graded: did not build or did not finish.
    Error,
}

impl Status {
    /// A lesson's status: `pass` when done, `error` when it did not compile
    /// or timed out, else `fail`.
    pub fn of(status: LessonStatus) -> Status {
        match status {
            LessonStatus::Done => Status::Pass,
            LessonStatus::InProgress | LessonStatus::NotStarted => Status::Fail,
            LessonStatus::DoesNotCompile | LessonStatus::TimedOut | LessonStatus::Flagged => {
                Status::Error
            }
        }
    }

    /// The worst of several (`error`, then `fail`); `pass` when all pass.
    pub fn overall(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses.into_iter().max().unwrap_or(Status::Pass)
    }
}

/// The whole document.
#[derive(Debug, Serialize)]
pub struct Results {
    /// [`VERSION`].
    pub version: u32,
    /// `pass` when every lesson passes, `error` when any errored, else `fail`.
    pub status: Status,
    /// Steps passed over all lessons.
    pub passed: usize,
    /// Steps over all lessons.
    pub total: usize,
    /// Points earned over all lessons.
    pub points: u32,
    /// Points there are over all lessons.
    pub max_points: u32,
    /// Each lesson, by number.
    pub lessons: Vec<LessonResult>,
    /// What `grade` noted about the whole submission (no sandbox, edits
    /// ignored, flags); absent when there is nothing to say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One lesson.
#[derive(Debug, Serialize)]
pub struct LessonResult {
    /// `lesson05`.
    pub id: String,
    /// The lesson's title.
    pub title: String,
    /// The docs chapter, relative to the workspace root.
    pub chapter: String,
    /// `pass` (done), `fail` (in progress, not started) or `error` (does not
    /// compile, timed out).
    pub status: Status,
    /// The status in the table's words: `done`, `in progress`, `not started`,
    /// `does not compile`, `timed out`.
    pub state: &'static str,
    /// For `error`: what went wrong (the first compile error, or the time-out).
    pub message: Option<String>,
    /// Steps passed.
    pub passed: usize,
    /// Steps.
    pub total: usize,
    /// Points earned.
    pub points: u32,
    /// Points there are.
    pub max_points: u32,
    /// Each step, in file order.
    pub tests: Vec<TestResult>,
    /// What `grade` flagged in the lesson's code, each with its place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
}

/// One step.
#[derive(Debug, Serialize)]
pub struct TestResult {
    /// The step's name, `stepNN_...`.
    pub name: String,
    /// `pass`, `fail` (an assertion or panic), or `error` (crashed, exited,
    /// timed out, or not run).
    pub status: Status,
    /// The step's points (earned when it passes).
    pub points: u32,
    /// Why it did not pass.
    pub message: Option<String>,
    /// What the learner's code printed, cut at [`OUTPUT_LIMIT`] bytes.
    pub output: Option<String>,
}

impl Results {
    /// The document for `outcomes`.
    pub fn new(outcomes: &[LessonOutcome]) -> Results {
        let lessons: Vec<LessonResult> = outcomes.iter().map(LessonResult::new).collect();
        Results {
            version: VERSION,
            status: Status::overall(lessons.iter().map(|l| l.status)),
            passed: lessons.iter().map(|l| l.passed).sum(),
            total: lessons.iter().map(|l| l.total).sum(),
            points: lessons.iter().map(|l| l.points).sum(),
            max_points: lessons.iter().map(|l| l.max_points).sum(),
            lessons,
            notes: Vec::new(),
        }
    }

    /// The document as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the results serialize")
    }
}

impl LessonResult {
    fn new(o: &LessonOutcome) -> LessonResult {
        LessonResult {
            id: o.lesson.id.clone(),
            title: o.lesson.title.clone(),
            chapter: o.lesson.chapter.clone(),
            status: Status::of(o.status),
            state: o.status.words(),
            message: o.problem(),
            passed: o.passed(),
            total: o.steps.len(),
            points: o.points(),
            max_points: o.lesson.max_points(),
            tests: o
                .steps
                .iter()
                .map(|s| TestResult {
                    name: s.name.clone(),
                    status: match s.status {
                        StepStatus::Pass => Status::Pass,
                        StepStatus::Fail => Status::Fail,
                        StepStatus::Error | StepStatus::NotRun => Status::Error,
                    },
                    points: s.points,
                    message: s.message.clone(),
                    output: (!s.output.is_empty()).then(|| cap(&s.output, OUTPUT_LIMIT)),
                })
                .collect(),
            flags: o.flags.clone(),
        }
    }
}

/// `text` cut to at most `limit` bytes on a character boundary, with a note.
pub fn cap(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[output cut at {limit} bytes]", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_on_a_char_boundary() {
        assert_eq!(cap("abc", 10), "abc");
        assert_eq!(cap("ééé", 3), "é\n[output cut at 3 bytes]");
    }
}
