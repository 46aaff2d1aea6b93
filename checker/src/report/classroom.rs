//! GitHub Classroom's autograding results (`--format classroom`).
//!
//! The document GitHub's autograding grading reporter reads (base64-encoded,
//! from an environment variable named after the runner): one "test" per
//! lesson, scored with the lesson's points, so the assignment's grade is the
//! course's points and the learner sees each lesson's.
//!
//! ```json
//! {"version": 1, "status": "fail", "max_score": 255,
//!  "tests": [{"name": "lesson01 TCP client", "status": "fail", "score": 3, "max_score": 17,
//!             "message": "3/17 points, 3/14 steps, in progress; next: step04_... fail: ...",
//!             "test_code": "cargo checker lesson01", "line_no": 0}]}
//! ```

use serde::Serialize;

use crate::report::json::Status;
use crate::steps::outcome::LessonOutcome;

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
    let results = Results {
        version: 1,
        status: Status::overall(tests.iter().map(|t| t.status)),
        max_score: tests.iter().map(|t| t.max_score).sum(),
        tests,
    };
    serde_json::to_string(&results).expect("the results serialize")
}

fn test(o: &LessonOutcome) -> Test {
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
        message.push_str(&format!(
            "; next: {} {}: {}",
            step.name,
            step.status.word(),
            step.first_line()
        ));
    }
    Test {
        name: format!("{} {}", o.lesson.id, o.lesson.title),
        status: Status::of(o.status),
        score: o.points(),
        max_score: o.lesson.max_points(),
        message,
        test_code: format!("cargo checker {}", o.lesson.id),
        line_no: 0,
    }
}
