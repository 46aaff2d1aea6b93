//! GitHub Classroom's autograding results (`--format classroom`).
//!
//! The document GitHub's autograding grading reporter reads (base64-encoded,
//! from an environment variable named after the runner): one "test" per
//! lesson, scored with the lesson's points, so the assignment's grade is the
//! course's points and the learner sees each lesson's.
//!
//! ```json
//! {"version": 1, "status": "fail", "max_score": 60,
//!  "tests": [{"name": "lesson01 TCP client", "status": "fail", "score": 4,
//!             "message": "4/17 points, 3/14 steps; next: step04_...: ...",
//!             "test_code": "cargo checker lesson01", "line_no": 0}]}
//! ```

use serde::Serialize;

use crate::json::Status;
use crate::outcome::{LessonOutcome, LessonStatus};

/// The whole document.
#[derive(Debug, Serialize)]
pub struct Results {
    /// Always 1.
    pub version: u32,
    /// `pass` when every lesson is done, `error` when one errored, else `fail`.
    pub status: Status,
    /// The points there are over all lessons.
    pub max_score: u32,
    /// One per lesson.
    pub tests: Vec<Test>,
}

/// One lesson as a Classroom test.
#[derive(Debug, Serialize)]
pub struct Test {
    /// `lesson01 TCP client`.
    pub name: String,
    /// `pass`, `fail` or `error`, as the lesson's status in the JSON.
    pub status: Status,
    /// Points earned.
    pub score: u32,
    /// Points there are.
    pub max_score: u32,
    /// Points and steps, and what to do next.
    pub message: String,
    /// The command that shows the lesson in detail.
    pub test_code: String,
    /// The reporter's line number field; lessons have none.
    pub line_no: u32,
}

/// The document for `outcomes`, as one line of JSON.
pub fn document(outcomes: &[LessonOutcome]) -> String {
    let tests: Vec<Test> = outcomes.iter().map(test).collect();
    let status = if tests.iter().any(|t| t.status == Status::Error) {
        Status::Error
    } else if tests.iter().all(|t| t.status == Status::Pass) {
        Status::Pass
    } else {
        Status::Fail
    };
    let results = Results {
        version: 1,
        status,
        max_score: tests.iter().map(|t| t.max_score).sum(),
        tests,
    };
    serde_json::to_string(&results).expect("the results serialize")
}

fn test(o: &LessonOutcome) -> Test {
    let status = match o.status {
        LessonStatus::Done => Status::Pass,
        LessonStatus::InProgress | LessonStatus::NotStarted => Status::Fail,
        LessonStatus::DoesNotCompile | LessonStatus::TimedOut => Status::Error,
    };
    let mut message = format!(
        "{}/{} points, {}/{} steps, {}",
        o.points(),
        o.lesson.max_points(),
        o.passed(),
        o.steps.len(),
        o.status.words()
    );
    if let Some(problem) = o.problem() {
        message.push_str(&format!("; {problem}"));
    } else if let Some(step) = o.first_unpassed() {
        let why = step
            .message
            .as_deref()
            .and_then(|m| m.lines().find(|l| !l.trim().is_empty()))
            .unwrap_or("");
        message.push_str(&format!(
            "; next: {} {}: {why}",
            step.name,
            step.status.word()
        ));
    }
    Test {
        name: format!("{} {}", o.lesson.id, o.lesson.title),
        status,
        score: o.points(),
        max_score: o.lesson.max_points(),
        message,
        test_code: format!("cargo checker {}", o.lesson.id),
        line_no: 0,
    }
}
