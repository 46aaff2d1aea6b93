//! A class's grades: one row per submission, as CSV and as a table.

use std::fmt::Write as _;

use crate::course::lesson::Lesson;
use crate::i18n::{pad, pad_left, width};
use crate::report::ui::{BOLD, paint};
use crate::t;

/// How grading a submission went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Graded with the instructor's tests.
    Graded,
    /// Graded, but the learner changed tests, `lesson.toml` or `Cargo.toml`
    /// (the changes were ignored).
    TestsModified,
    /// Nothing compiled, or cargo could not build at all.
    DoesNotBuild,
    /// Graded, but some lessons were flagged (0 points for them; see the notes).
    Flagged,
    /// Its build ran past `--build-timeout`: 0 points.
    BuildTimedOut,
    /// Its build ran out of memory: 0 points.
    BuildOverMemory,
    /// No files.
    Empty,
    /// Files, but no lessons.
    NotAWorkspace,
    /// The checker could not grade it (a file it could not copy, ...).
    Error,
}

impl Standing {
    /// The words in the `status` column.
    pub fn words(self) -> &'static str {
        match self {
            Standing::Graded => "graded",
            Standing::TestsModified => "tests modified",
            Standing::DoesNotBuild => "does not build",
            Standing::Flagged => "flagged",
            Standing::BuildTimedOut => "build timed out",
            Standing::BuildOverMemory => "build over memory",
            Standing::Empty => "empty",
            Standing::NotAWorkspace => "not a workspace",
            Standing::Error => "error",
        }
    }

    /// The words in the printed table, in the checker's language (`words`
    /// is the CSV's value).
    pub fn shown(self) -> String {
        match self {
            Standing::Graded => t!("standing-graded"),
            Standing::TestsModified => t!("standing-tests-modified"),
            Standing::DoesNotBuild => t!("standing-does-not-build"),
            Standing::Flagged => t!("standing-flagged"),
            Standing::BuildTimedOut => t!("standing-build-timed-out"),
            Standing::BuildOverMemory => t!("standing-build-over-memory"),
            Standing::Empty => t!("standing-empty"),
            Standing::NotAWorkspace => t!("standing-not-a-workspace"),
            Standing::Error => t!("standing-error"),
        }
    }

    /// True when its points were computed.
    pub fn graded(self) -> bool {
        matches!(
            self,
            Standing::Graded
                | Standing::TestsModified
                | Standing::DoesNotBuild
                | Standing::Flagged
                | Standing::BuildTimedOut
                | Standing::BuildOverMemory
        )
    }
}

/// One submission's grades.
#[derive(Debug, Clone)]
pub struct Row {
    /// The submission's name (its directory's name, made unique).
    pub name: String,
    /// How grading went.
    pub standing: Standing,
    /// Points per lesson, in the course's order (zeros when not graded).
    pub points: Vec<u32>,
    /// Details: modified tests, lessons that did not compile, limits hit.
    pub notes: Vec<String>,
    /// Wall time spent on it, in seconds: copying, building and running.
    pub seconds: f64,
}

impl Row {
    /// The points over all lessons.
    pub fn total(&self) -> u32 {
        self.points.iter().sum()
    }
}

/// The CSV: a header, then one row per submission.
///
/// `submission,lesson01,...,total,max_points,status,notes,seconds`
pub fn csv(lessons: &[Lesson], rows: &[Row]) -> String {
    let max: u32 = lessons.iter().map(Lesson::max_points).sum();
    let mut out = String::from("submission");
    for lesson in lessons {
        out.push(',');
        out.push_str(&lesson.id);
    }
    out.push_str(",total,max_points,status,notes,seconds\n");
    for row in rows {
        out.push_str(&field(&row.name));
        for points in &row.points {
            let _ = write!(out, ",{points}");
        }
        let _ = writeln!(
            out,
            ",{},{max},{},{},{:.1}",
            row.total(),
            row.standing.words(),
            field(&row.notes.join("; ")),
            row.seconds
        );
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The table printed to stdout: a column per lesson's points, the total,
/// the status and the notes.
pub fn table(lessons: &[Lesson], rows: &[Row]) -> String {
    let max: u32 = lessons.iter().map(Lesson::max_points).sum();
    let submission = t!("col-submission");
    let name_width = rows
        .iter()
        .map(|r| width(&r.name))
        .chain([10, width(&submission)])
        .max()
        .unwrap_or(10);
    let widths: Vec<usize> = lessons
        .iter()
        .map(|l| {
            let number = l.id.trim_start_matches("lesson").len();
            number.max(l.max_points().to_string().len())
        })
        .collect();
    let total = t!("col-total");
    let total_width = format!("{max}/{max}").len().max(width(&total));
    let mut header = pad(&submission, name_width);
    for (lesson, width) in lessons.iter().zip(&widths) {
        let _ = write!(
            header,
            "  {:>width$}",
            lesson.id.trim_start_matches("lesson")
        );
    }
    let _ = write!(
        header,
        "  {}  {}",
        pad_left(&total, total_width),
        t!("col-status")
    );
    let mut out = format!("{}\n", paint(BOLD, header));
    for row in rows {
        let _ = write!(out, "{}", pad(&row.name, name_width));
        for (points, width) in row.points.iter().zip(&widths) {
            if row.standing.graded() {
                let _ = write!(out, "  {points:>width$}");
            } else {
                let _ = write!(out, "  {:>width$}", "-");
            }
        }
        let total = format!("{}/{max}", row.total());
        let standing = row.standing.shown();
        let _ = write!(out, "  {total:>total_width$}  {standing}");
        // A note that begins with the standing's own word ("flagged (0
        // points ...)") follows it without saying it twice.
        let notes = row.notes.join("; ");
        match notes.strip_prefix(standing.as_str()) {
            _ if notes.is_empty() => {}
            Some(rest) => out.push_str(rest),
            None => {
                let _ = write!(out, ": {notes}");
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_speaks_chinese_with_its_columns_aligned() {
        let _zh = crate::i18n::scoped(crate::i18n::Lang::ZhCn);
        let lesson = |n: u32| Lesson {
            number: n,
            id: format!("lesson{n:02}"),
            dir_name: format!("lesson{n:02}-x"),
            title: "X".into(),
            chapter: "x.md".into(),
            steps: vec![crate::course::lesson::Step::new("step01_x", 3, &["h"])],
            stub: None,
            confirms: false,
        };
        let row = |name: &str, standing, points: Vec<u32>| Row {
            name: name.into(),
            standing,
            points,
            notes: Vec::new(),
            seconds: 1.0,
        };
        let rows = [
            row("张伟", Standing::Graded, vec![3, 0]),
            row("alice", Standing::TestsModified, vec![3, 3]),
        ];
        let text = anstream::adapter::strip_str(&table(&[lesson(1), lesson(2)], &rows)).to_string();
        assert_eq!(
            text,
            "\
提交        01  02  总分  状态
张伟         3   0   3/6  已评分
alice        3   3   6/6  测试被改动
"
        );
        // The CSV keeps its English values.
        assert!(csv(&[lesson(1), lesson(2)], &rows).contains(",tests modified,"));
    }

    #[test]
    fn quotes_csv_fields() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
