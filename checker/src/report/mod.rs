//! The reports people read: the progress table, the summary bar, "Next:",
//! one lesson in detail, and hints.
//!
//! Every function returns the text with colour codes; the caller prints it
//! through `anstream`, which removes them when colours are off.

pub mod classroom;
pub mod hints;
pub mod json;
pub mod junit;
pub mod preview;
pub mod ui;

use std::fmt::Write as _;

use crate::course::lesson::Lesson;
use crate::report::ui::{BOLD, DIM, LABEL, lesson_style, paint, step_style};
use crate::steps::outcome::{LessonOutcome, LessonStatus, StepStatus};

/// How many lines of a failure message "Next:" shows.
const NEXT_MESSAGE_LINES: usize = 12;
/// How many lines of a step's output the detail view shows.
const DETAIL_OUTPUT_LINES: usize = 40;
/// Longest line shown before it is cut.
const LINE_CHARS: usize = 200;
/// Width of the summary bar.
const BAR_WIDTH: usize = 20;

/// The progress table, the summary bar and "Next:".
pub fn progress(outcomes: &[LessonOutcome]) -> String {
    let mut out = table(outcomes);
    out.push('\n');
    out.push_str(&summary(outcomes));
    out.push('\n');
    out.push_str(&next(outcomes));
    out
}

/// One row per lesson: number, title, steps, points, status.
pub fn table(outcomes: &[LessonOutcome]) -> String {
    let rows: Vec<[String; 4]> = outcomes
        .iter()
        .map(|o| {
            [
                number(&o.lesson),
                o.lesson.title.clone(),
                format!("{}/{}", o.passed(), o.steps.len()),
                format!("{}/{}", o.points(), o.lesson.max_points()),
            ]
        })
        .collect();
    let width = |i: usize, header: &str| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header.len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2, w3) = (
        width(0, "#"),
        width(1, "Lesson"),
        width(2, "Steps"),
        width(3, "Points"),
    );
    let mut out = String::new();
    let header = format!(
        "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  Status",
        "#", "Lesson", "Steps", "Points"
    );
    let _ = writeln!(out, "{}", paint(BOLD, header));
    for (row, o) in rows.iter().zip(outcomes) {
        let title = pad(&row[1], w1);
        let status = paint(lesson_style(o.status), o.status.words());
        let _ = writeln!(
            out,
            "{:<w0$}  {title}  {:>w2$}  {:>w3$}  {status}",
            row[0], row[2], row[3]
        );
    }
    out
}

/// `[#####---------------] 14/52 steps, 2/10 lessons, 17/60 points`.
pub fn summary(outcomes: &[LessonOutcome]) -> String {
    let passed: usize = outcomes.iter().map(LessonOutcome::passed).sum();
    let total: usize = outcomes.iter().map(|o| o.steps.len()).sum();
    let done = outcomes
        .iter()
        .filter(|o| o.status == LessonStatus::Done)
        .count();
    let points: u32 = outcomes.iter().map(LessonOutcome::points).sum();
    let max_points: u32 = outcomes.iter().map(|o| o.lesson.max_points()).sum();
    let filled = (passed * BAR_WIDTH).checked_div(total).unwrap_or(0);
    let part = |style, c: &str, n: usize| {
        if n == 0 {
            String::new()
        } else {
            paint(style, c.repeat(n))
        }
    };
    let bar = format!(
        "[{}{}]",
        part(crate::report::ui::GOOD, "#", filled),
        part(DIM, "-", BAR_WIDTH - filled)
    );
    format!(
        "{bar} {passed}/{total} steps, {done}/{} lessons, {points}/{max_points} points\n",
        outcomes.len()
    )
}

/// What to do next: the first unfinished lesson's first failing step, its
/// message, its hint and the chapter to read.
pub fn next(outcomes: &[LessonOutcome]) -> String {
    let Some(o) = outcomes.iter().find(|o| o.status != LessonStatus::Done) else {
        let n = outcomes.len();
        let lessons = if n == 1 { "lesson is" } else { "lessons are" };
        return format!(
            "{} nothing: all {n} {lessons} done. Well done!\n",
            paint(LABEL, "Next:")
        );
    };
    let lesson = &o.lesson;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}, {} ({})",
        paint(LABEL, "Next:"),
        paint(BOLD, &lesson.id),
        lesson.title,
        paint(lesson_style(o.status), o.status.words())
    );
    if let Some(error) = &o.compile_error {
        let _ = writeln!(out, "  {}", error);
        let _ = writeln!(
            out,
            "  Fix it, then see every error with: cargo test -p {}",
            lesson.package()
        );
    } else if let Some(step) = o.first_unpassed() {
        let _ = writeln!(
            out,
            "  {} {}",
            paint(BOLD, &step.name),
            step_verb(step.status)
        );
        if let Some(message) = &step.message {
            out.push_str(&indent(&clip(message, NEXT_MESSAGE_LINES), "    "));
        }
        if let Some(hint) = lesson
            .step(&step.name)
            .map(|s| s.hint())
            .filter(|h| !h.is_empty())
        {
            let _ = writeln!(out, "  {} {hint}", paint(LABEL, "Hint:"));
        }
    }
    let _ = writeln!(out, "  {} {}", paint(LABEL, "Read:"), lesson.chapter);
    let _ = writeln!(
        out,
        "  {} cargo checker {}   (or: cargo test -p {})",
        paint(LABEL, "More:"),
        lesson.id,
        lesson.package()
    );
    out
}

/// One lesson in detail: every step with its status, message and output,
/// then the hint of the first step that did not pass.
pub fn detail(o: &LessonOutcome) -> String {
    let lesson = &o.lesson;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}  ({}: {}/{} steps, {}/{} points)",
        paint(BOLD, &lesson.id),
        paint(BOLD, &lesson.title),
        paint(lesson_style(o.status), o.status.words()),
        o.passed(),
        o.steps.len(),
        o.points(),
        lesson.max_points()
    );
    let _ = writeln!(out, "{} {}", paint(LABEL, "Chapter:"), lesson.chapter);
    if let Some(problem) = o.problem() {
        let _ = writeln!(out, "{}", paint(lesson_style(o.status), problem));
    }
    if let Some(error) = &o.compile_error {
        out.push('\n');
        match &error.rendered {
            Some(rendered) => out.push_str(&indent(rendered, "  ")),
            None => {
                let _ = writeln!(out, "  {error}");
            }
        }
    }
    out.push('\n');
    let width = o
        .steps
        .iter()
        .map(|s| s.status.word().len())
        .max()
        .unwrap_or(0);
    for step in &o.steps {
        let word = pad(step.status.word(), width);
        let _ = writeln!(
            out,
            "  {}  {}",
            paint(step_style(step.status), word),
            step.name
        );
        let margin = " ".repeat(width + 4);
        if let Some(message) = &step.message {
            if step.status != StepStatus::NotRun || o.compile_error.is_none() {
                out.push_str(&indent(message, &margin));
            }
        }
        if !step.output.trim().is_empty() {
            let _ = writeln!(out, "{margin}{}", paint(DIM, "output:"));
            let shown = clip(&step.output, DETAIL_OUTPUT_LINES);
            for line in shown.lines() {
                let _ = writeln!(out, "{margin}{} {line}", paint(DIM, "|"));
            }
        }
    }
    if o.compile_error.is_some() {
        let _ = writeln!(
            out,
            "\n{} fix the first error above, then run: cargo test -p {}",
            paint(LABEL, "Hint:"),
            lesson.package()
        );
    } else if let Some(step) = o.first_unpassed() {
        if let Some(hint) = lesson
            .step(&step.name)
            .map(|s| s.hint())
            .filter(|h| !h.is_empty())
        {
            let _ = writeln!(out, "\n{} ({}): {hint}", paint(LABEL, "Hint"), step.name);
        }
    }
    out
}

/// The first step that does not pass, its failure and its hints up to
/// `level` (1: the nudge), or a word that all pass.
pub fn first_hint(o: &LessonOutcome, level: usize) -> String {
    let lesson = &o.lesson;
    let mut out = String::new();
    match (&o.compile_error, o.first_unpassed()) {
        (Some(error), _) => {
            let _ = writeln!(
                out,
                "{} does not compile yet: {error}",
                paint(BOLD, &lesson.id)
            );
            let _ = writeln!(
                out,
                "{} fix the first error, then run: cargo test -p {}",
                paint(LABEL, "Hint:"),
                lesson.package()
            );
        }
        (None, Some(step)) => {
            let _ = writeln!(
                out,
                "{} {} {}",
                paint(BOLD, &lesson.id),
                step.name,
                step_verb(step.status)
            );
            if let Some(message) = &step.message {
                let lines: Vec<&str> = message.lines().take(12).collect();
                out.push_str(&indent(&lines.join("\n"), "  "));
            }
            if let Some(entry) = lesson.step(&step.name) {
                let shown = level.clamp(1, entry.hints.len().max(1));
                for (i, hint) in entry.hints.iter().take(shown).enumerate() {
                    let label = match entry.hints.len() {
                        1 => "Hint:".to_owned(),
                        n => format!("Hint {}/{n}:", i + 1),
                    };
                    let _ = writeln!(out, "{} {}", paint(LABEL, &label), hint.trim());
                }
                if shown < entry.hints.len() {
                    let _ = writeln!(out, "(run `cargo checker hint` again for the next hint)");
                }
            }
        }
        (None, None) => {
            let _ = writeln!(
                out,
                "{}: every step passes. Well done!",
                paint(BOLD, &lesson.id)
            );
        }
    }
    let _ = writeln!(out, "{} {}", paint(LABEL, "Read:"), lesson.chapter);
    out
}

/// Every step's hint, without running anything.
pub fn all_hints(lesson: &Lesson) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}",
        paint(BOLD, &lesson.id),
        paint(BOLD, &lesson.title)
    );
    for step in &lesson.steps {
        let unit = if step.points == 1 { "point" } else { "points" };
        let _ = writeln!(out, "  {} ({} {unit})", step.name, step.points);
        for (i, hint) in step.hints.iter().enumerate() {
            let text = match step.hints.len() {
                1 => hint.trim().to_owned(),
                _ => format!("{}. {}", i + 1, hint.trim()),
            };
            out.push_str(&indent(&text, "    "));
        }
    }
    let _ = writeln!(out, "{} {}", paint(LABEL, "Read:"), lesson.chapter);
    out
}

fn step_verb(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pass => "passes",
        StepStatus::Fail => "fails:",
        StepStatus::Error => "did not finish:",
        StepStatus::NotRun => "was not run:",
    }
}

/// The lesson's number as written in its id: `01`.
fn number(lesson: &Lesson) -> String {
    lesson.id.trim_start_matches("lesson").to_owned()
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

/// Each line of `text` behind `margin`, ending in a newline.
fn indent(text: &str, margin: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{margin}{line}");
        }
    }
    out
}

/// At most `lines` lines of `text`, each cut at [`LINE_CHARS`].
pub fn clip(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_matches('\n').lines().collect();
    let mut out: Vec<String> = all
        .iter()
        .take(lines)
        .map(|l| {
            if l.chars().count() > LINE_CHARS {
                let cut: String = l.chars().take(LINE_CHARS).collect();
                format!("{cut}...")
            } else {
                (*l).to_owned()
            }
        })
        .collect();
    if all.len() > lines {
        out.push(format!("... ({} more lines)", all.len() - lines));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_long_text() {
        let text = (1..=5)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(clip(&text, 3), "1\n2\n3\n... (2 more lines)");
        assert_eq!(clip(&"x".repeat(250), 1).len(), LINE_CHARS + 3);
    }
}
