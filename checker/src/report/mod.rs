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
use crate::i18n::{pad, pad_left, width};
use crate::report::ui::{BOLD, DIM, LABEL, lesson_style, paint, step_style};
use crate::steps::outcome::{LessonOutcome, LessonStatus, StepStatus};
use crate::t;

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

/// One row per lesson: number, title, steps, points, status. Columns are
/// as wide as their widest cell in terminal columns, so that they stay
/// aligned with Chinese (two columns a character) in them.
pub fn table(outcomes: &[LessonOutcome]) -> String {
    let headers = [
        "#".to_owned(),
        t!("col-lesson"),
        t!("col-steps"),
        t!("col-points"),
        t!("col-status"),
    ];
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
    let w: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| width(&r[i]))
                .chain([width(&headers[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let header = format!(
        "{}  {}  {}  {}  {}",
        pad(&headers[0], w[0]),
        pad(&headers[1], w[1]),
        pad_left(&headers[2], w[2]),
        pad_left(&headers[3], w[3]),
        headers[4]
    );
    let _ = writeln!(out, "{}", paint(BOLD, header));
    for (row, o) in rows.iter().zip(outcomes) {
        let status = paint(lesson_style(o.status), o.status.shown());
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {status}",
            pad(&row[0], w[0]),
            pad(&row[1], w[1]),
            pad_left(&row[2], w[2]),
            pad_left(&row[3], w[3]),
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
    let counts = t!(
        "summary",
        passed = passed,
        total = total,
        done = done,
        lessons = outcomes.len(),
        points = points,
        max = max_points
    );
    format!("{bar} {counts}\n")
}

/// What to do next: the first unfinished lesson's first failing step, its
/// message, its hint and the chapter to read.
pub fn next(outcomes: &[LessonOutcome]) -> String {
    let Some(o) = outcomes.iter().find(|o| o.status != LessonStatus::Done) else {
        return format!(
            "{} {}\n",
            paint(LABEL, t!("label-next")),
            t!("next-all-done", count = outcomes.len())
        );
    };
    let lesson = &o.lesson;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}",
        paint(LABEL, t!("label-next")),
        t!(
            "next-lesson",
            id = paint(BOLD, &lesson.id),
            title = lesson.title.as_str(),
            status = paint(lesson_style(o.status), o.status.shown())
        )
    );
    if let Some(error) = &o.compile_error {
        let _ = writeln!(out, "  {}", error);
        let _ = writeln!(
            out,
            "  {}",
            t!("next-fix-compile", package = lesson.package())
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
            let _ = writeln!(out, "  {} {hint}", paint(LABEL, t!("label-hint")));
        }
    }
    let _ = writeln!(
        out,
        "  {} {}",
        paint(LABEL, t!("label-read")),
        lesson.chapter
    );
    let _ = writeln!(
        out,
        "  {} {}",
        paint(LABEL, t!("label-more")),
        t!(
            "more-commands",
            id = lesson.id.as_str(),
            package = lesson.package()
        )
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
        "{}: {}  {}",
        paint(BOLD, &lesson.id),
        paint(BOLD, &lesson.title),
        t!(
            "detail-head",
            status = paint(lesson_style(o.status), o.status.shown()),
            passed = o.passed(),
            total = o.steps.len(),
            points = o.points(),
            max = lesson.max_points()
        )
    );
    let _ = writeln!(
        out,
        "{} {}",
        paint(LABEL, t!("label-chapter")),
        lesson.chapter
    );
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
        .map(|s| width(&s.status.shown()))
        .max()
        .unwrap_or(0);
    for step in &o.steps {
        let word = pad(&step.status.shown(), width);
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
            let _ = writeln!(out, "{margin}{}", paint(DIM, t!("label-output")));
            let shown = clip(&step.output, DETAIL_OUTPUT_LINES);
            for line in shown.lines() {
                let _ = writeln!(out, "{margin}{} {line}", paint(DIM, "|"));
            }
        }
    }
    if o.compile_error.is_some() {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(LABEL, t!("label-hint")),
            t!("detail-fix-compile", package = lesson.package())
        );
    } else if let Some(step) = o.first_unpassed() {
        if let Some(hint) = lesson
            .step(&step.name)
            .map(|s| s.hint())
            .filter(|h| !h.is_empty())
        {
            let label = t!("label-hint-for", step = step.name.as_str());
            let _ = writeln!(out, "\n{} {hint}", paint(LABEL, label));
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
                "{}",
                t!(
                    "hint-not-compiling",
                    id = paint(BOLD, &lesson.id),
                    error = error.to_string()
                )
            );
            let _ = writeln!(
                out,
                "{} {}",
                paint(LABEL, t!("label-hint")),
                t!("hint-fix-compile", package = lesson.package())
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
                let hints = entry.hints_shown();
                let shown = level.clamp(1, hints.len().max(1));
                for (i, hint) in hints.iter().take(shown).enumerate() {
                    let label = match hints.len() {
                        1 => t!("label-hint"),
                        n => t!("label-hint-n", level = i + 1, levels = n),
                    };
                    let _ = writeln!(out, "{} {}", paint(LABEL, &label), hint.trim());
                }
                if shown < hints.len() {
                    let _ = writeln!(out, "{}", t!("hint-again"));
                }
            }
        }
        (None, None) => {
            let _ = writeln!(out, "{}", t!("hint-all-pass", id = paint(BOLD, &lesson.id)));
        }
    }
    let _ = writeln!(out, "{} {}", paint(LABEL, t!("label-read")), lesson.chapter);
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
        let _ = writeln!(
            out,
            "  {} {}",
            step.name,
            t!("points-in-brackets", count = step.points)
        );
        let hints = step.hints_shown();
        for (i, hint) in hints.iter().enumerate() {
            let text = match hints.len() {
                1 => hint.trim().to_owned(),
                _ => format!("{}. {}", i + 1, hint.trim()),
            };
            out.push_str(&indent(&text, "    "));
        }
    }
    let _ = writeln!(out, "{} {}", paint(LABEL, t!("label-read")), lesson.chapter);
    out
}

fn step_verb(status: StepStatus) -> String {
    match status {
        StepStatus::Pass => t!("verb-pass"),
        StepStatus::Fail => t!("verb-fail"),
        StepStatus::Error => t!("verb-error"),
        StepStatus::NotRun => t!("verb-not-run"),
    }
}

/// The lesson's number as written in its id: `01`.
fn number(lesson: &Lesson) -> String {
    lesson.id.trim_start_matches("lesson").to_owned()
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
        out.push(t!("clip-more", count = all.len() - lines));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::lesson::Step;
    use crate::i18n::{Lang, scoped};
    use crate::steps::outcome::StepOutcome;
    use std::time::Duration;

    /// A graded lesson: `passed` of its `steps` one-point steps pass.
    fn outcome(number: u32, title: &str, steps: usize, passed: usize) -> LessonOutcome {
        let names: Vec<String> = (1..=steps).map(|i| format!("step{i:02}_x")).collect();
        let lesson = Lesson {
            number,
            id: format!("lesson{number:02}"),
            dir_name: format!("lesson{number:02}-x"),
            title: title.to_owned(),
            chapter: "docs/src/x.md".to_owned(),
            steps: names.iter().map(|n| Step::new(n, 1, &["h"])).collect(),
            stub: None,
            confirms: false,
        };
        let outcomes = names
            .iter()
            .enumerate()
            .map(|(i, name)| StepOutcome {
                name: name.clone(),
                points: 1,
                status: if i < passed {
                    StepStatus::Pass
                } else {
                    StepStatus::Fail
                },
                message: None,
                cause: None,
                output: String::new(),
            })
            .collect();
        LessonOutcome::new(lesson, outcomes, false, Duration::ZERO, Duration::ZERO)
    }

    #[test]
    fn columns_stay_aligned_with_chinese_text_in_them() {
        use unicode_width::UnicodeWidthStr;
        let _zh = scoped(Lang::ZhCn);
        let outcomes = [
            outcome(1, "TCP 客户端", 18, 18),
            outcome(2, "多线程服务器（每个客户端一个线程）", 15, 3),
            outcome(12, "Chat room", 2, 0),
        ];
        let text = anstream::adapter::strip_str(&table(&outcomes)).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            text,
            "\
#   课程                                 步骤   得分  状态
01  TCP 客户端                          18/18  18/18  已完成
02  多线程服务器（每个客户端一个线程）   3/15   3/15  进行中
12  Chat room                             0/2    0/2  未开始
"
        );
        // Every line's status starts at the header's column, counted in
        // terminal columns (not bytes, not characters).
        let status_column = |line: &str, word: &str| line[..line.rfind(word).unwrap()].width();
        let at = status_column(lines[0], "状态");
        for (line, word) in lines[1..].iter().zip(["已完成", "进行中", "未开始"]) {
            assert_eq!(status_column(line, word), at, "{text}");
        }
    }

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
