//! JUnit XML (`--format junit`), the report format CI systems read.
//!
//! ```xml
//! <testsuites name="checker" tests="12" failures="3" errors="2" time="4.210">
//!   <testsuite name="lesson01" tests="2" failures="1" errors="0" time="1.020">
//!     <properties><property name="points" value="1"/>...</properties>
//!     <testcase name="step01_x" classname="lesson01"/>
//!     <testcase name="step02_y" classname="lesson01">
//!       <failure message="first line">the whole message</failure>
//!       <system-out>what the code printed</system-out>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! A step that failed an assertion is a `failure`; one that crashed, timed
//! out or was not run (its lesson did not compile) is an `error`, as in the
//! JSON. Text is escaped, and characters XML 1.0 cannot hold (most control
//! characters, such as the escape that starts a colour code) are dropped.

use std::fmt::Write as _;

use crate::report::json::{OUTPUT_LIMIT, cap};
use crate::steps::outcome::{LessonOutcome, StepStatus};

/// The document for `outcomes`; `name` names the whole run (a submission).
pub fn document(name: &str, outcomes: &[LessonOutcome]) -> String {
    let count = |status: StepStatus| {
        outcomes
            .iter()
            .flat_map(|o| &o.steps)
            .filter(|s| s.status == status)
            .count()
    };
    let tests: usize = outcomes.iter().map(|o| o.steps.len()).sum();
    let errors = count(StepStatus::Error) + count(StepStatus::NotRun);
    let time: f64 = outcomes.iter().map(|o| o.elapsed.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{}\" errors=\"{errors}\" time=\"{time:.3}\">",
        escape(name),
        count(StepStatus::Fail)
    );
    for o in outcomes {
        suite(&mut out, o);
    }
    out.push_str("</testsuites>\n");
    out
}

fn suite(out: &mut String, o: &LessonOutcome) {
    let lesson = &o.lesson;
    let failures = o
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Fail)
        .count();
    let errors = o
        .steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Error | StepStatus::NotRun))
        .count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{:.3}\">",
        escape(&lesson.id),
        o.steps.len(),
        o.elapsed.as_secs_f64()
    );
    out.push_str("    <properties>\n");
    let mut properties = vec![
        ("title", lesson.title.clone()),
        ("state", o.status.words().to_owned()),
        ("points", o.points().to_string()),
        ("max_points", lesson.max_points().to_string()),
        ("chapter", lesson.chapter.clone()),
    ];
    if let Some(problem) = o.problem() {
        properties.push(("problem", problem));
    }
    for (name, value) in properties {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            escape(&value)
        );
    }
    out.push_str("    </properties>\n");
    for step in &o.steps {
        let open = format!(
            "    <testcase name=\"{}\" classname=\"{}\"",
            escape(&step.name),
            escape(&lesson.id)
        );
        let body = match step.status {
            StepStatus::Pass => None,
            StepStatus::Fail => Some("failure"),
            StepStatus::Error | StepStatus::NotRun => Some("error"),
        };
        if body.is_none() && step.output.is_empty() {
            let _ = writeln!(out, "{open}/>");
            continue;
        }
        let _ = writeln!(out, "{open}>");
        if let Some(element) = body {
            let message = step.message.as_deref().unwrap_or(step.status.word());
            let first = message.lines().next().unwrap_or("");
            let _ = writeln!(
                out,
                "      <{element} message=\"{}\" type=\"{}\">{}</{element}>",
                escape(first),
                step.status.word(),
                escape(message)
            );
        }
        if !step.output.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                escape(&cap(&step.output, OUTPUT_LIMIT))
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n");
}

/// `text` as XML character data or an attribute value: `& < > " '` escaped,
/// characters XML 1.0 cannot hold dropped, tabs and newlines kept.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Newlines in attributes would be normalised to spaces by a parser.
            '\n' | '\r' | '\t' => out.push_str(&format!("&#{};", c as u32)),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// XML 1.0's `Char` production, less the whitespace handled above.
fn allowed(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_strips() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("\u{1b}[31mred\u{0}\u{FFFE}"), "[31mred");
        assert_eq!(escape("x\ny"), "x&#10;y");
        assert_eq!(escape("é😀"), "é😀");
    }
}
