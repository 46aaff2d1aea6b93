//! Reads what a libtest test binary prints: its `--list` and a run's report.
//!
//! A run is started with `--exact --test-threads=1 --show-output`, so the
//! binary prints `test NAME ... ok|FAILED` per test, then a `---- NAME stdout
//! ----` section per test holding what it printed (with the panic message of
//! a failed test), then `test result: ...`.

/// The names in the output of `BIN --list --format terse` (`name: test` lines).
pub fn parse_list(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

/// The step a listed test belongs to: its first path segment
/// (`step02_x::case_1_y` belongs to `step02_x`).
pub fn step_of(test_name: &str) -> &str {
    test_name.split("::").next().unwrap_or(test_name)
}

/// libtest's closing `test result:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Tests that passed.
    pub passed: usize,
    /// Tests skipped as `#[ignore]`.
    pub ignored: usize,
}

/// A panic found in a test's captured output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    /// The thread that panicked.
    pub thread: String,
    /// `FILE:LINE:COL` of the panic.
    pub location: String,
    /// The panic message, plus the testkit's notes (todo, seed) without the hint.
    pub message: String,
}

/// One test's `---- NAME stdout ----` section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// The test's full name.
    pub name: String,
    /// What the test printed, panic reports removed.
    pub output: String,
    /// The test thread's panic (or the first panic, when the test thread had none).
    pub panic: Option<Panic>,
}

/// Everything read from one run of a test binary.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Tests reported `ok`.
    pub ok: Vec<String>,
    /// Tests reported `FAILED`.
    pub failed: Vec<String>,
    /// A test that was started but never reported (the process died in it).
    pub unfinished: Option<String>,
    /// The captured output of each test that printed or failed.
    pub sections: Vec<Section>,
    /// The `test result:` line, if the binary got that far.
    pub summary: Option<Summary>,
}

impl RunReport {
    /// The section of test `name`, if it has one.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }
}

/// Parses the human output of a libtest run.
pub fn parse_run(stdout: &str) -> RunReport {
    let mut report = RunReport::default();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in stdout.lines() {
        if let Some(name) = section_header(line) {
            if let Some((name, lines)) = current.take() {
                report.sections.push(section(name, &lines));
            }
            current = Some((name.to_owned(), Vec::new()));
            continue;
        }
        if current.is_some() && (line == "successes:" || line == "failures:") {
            let (name, lines) = current.take().expect("checked");
            report.sections.push(section(name, &lines));
            continue;
        }
        if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
            continue;
        }
        if let Some(rest) = line.strip_prefix("test result: ") {
            report.summary = parse_summary(rest).or(report.summary);
        } else if let Some(rest) = line.strip_prefix("test ") {
            if let Some((name, result)) = rest.split_once(" ... ") {
                let result = result.trim();
                if result == "ok" {
                    report.ok.push(name.to_owned());
                    report.unfinished = None;
                } else if result.starts_with("FAILED") {
                    report.failed.push(name.to_owned());
                    report.unfinished = None;
                } else if result.starts_with("ignored") {
                    report.unfinished = None;
                } else {
                    report.unfinished = Some(name.to_owned());
                }
            } else if let Some(name) = rest.strip_suffix(" ...") {
                report.unfinished = Some(name.to_owned());
            }
        }
    }
    if let Some((name, lines)) = current.take() {
        report.sections.push(section(name, &lines));
    }
    report
}

fn section_header(line: &str) -> Option<&str> {
    line.strip_prefix("---- ")?.strip_suffix(" stdout ----")
}

fn parse_summary(rest: &str) -> Option<Summary> {
    // "ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s"
    let (_, counts) = rest.split_once(". ")?;
    let mut summary = Summary::default();
    for part in counts.split(';') {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse() else { continue };
        match what {
            "passed" => summary.passed = n,
            "ignored" => summary.ignored = n,
            _ => {}
        }
    }
    Some(summary)
}

/// Splits a section into the learner's output and the panic reports in it.
fn section(name: String, lines: &[&str]) -> Section {
    let mut output = Vec::new();
    let mut panics = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let Some((thread, location)) = panic_line(line) else {
            output.push(line);
            i += 1;
            continue;
        };
        // The message runs to the default hook's `note:` line (printed for a
        // process's first panic only) or to the testkit hook's lines.
        let mut message = Vec::new();
        i += 1;
        while i < lines.len()
            && !is_backtrace_note(lines[i])
            && !is_hook_line(lines[i])
            && panic_line(lines[i]).is_none()
        {
            message.push(lines[i]);
            i += 1;
        }
        if i < lines.len() && is_backtrace_note(lines[i]) {
            i += 1;
        }
        // Then come the testkit hook's lines: a todo explanation, the hint
        // (shown separately by the checker) and the seed.
        {
            let mut in_hint = false;
            while i < lines.len() && panic_line(lines[i]).is_none() {
                let l = lines[i];
                if testkit::step::is_hint_line(l) {
                    in_hint = true;
                } else if is_hook_line(l) {
                    in_hint = false;
                    message.push(l);
                } else if l.trim().is_empty() {
                    in_hint = false;
                } else if !in_hint {
                    // Something else printed after the panic: the learner's.
                    output.push(l);
                }
                i += 1;
            }
        }
        panics.push(Panic {
            thread,
            location,
            message: trim_lines(&message),
        });
    }
    let own = panics.iter().position(|p| p.thread == name);
    let panic = match own {
        Some(i) => Some(panics.remove(i)),
        None if !panics.is_empty() => Some(panics.remove(0)),
        None => None,
    };
    // Panics of other threads (a learner's server thread) count as output.
    let mut out = trim_lines(&output);
    for p in panics {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "thread '{}' panicked at {}:\n{}",
            p.thread, p.location, p.message
        ));
    }
    Section {
        name,
        output: out,
        panic,
    }
}

/// `thread 'NAME' panicked at FILE:LINE:COL:` (newer Rust adds ` (TID)` after the name).
fn panic_line(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("thread '")?;
    let (thread, rest) = rest.split_once('\'')?;
    let (_, location) = rest.split_once("panicked at ")?;
    let location = location.strip_suffix(':').unwrap_or(location);
    Some((thread.to_owned(), location.to_owned()))
}

/// A line the testkit's panic hook prints after a failure, in the
/// testkit's language (the testkit recognises its own lines).
fn is_hook_line(line: &str) -> bool {
    testkit::step::is_hook_line(line)
}

fn is_backtrace_note(line: &str) -> bool {
    line.starts_with("note: run with `RUST_BACKTRACE")
        || line.starts_with("stack backtrace:")
        || line.starts_with("note: Some details are omitted")
}

/// Joins lines, dropping blank lines at both ends.
fn trim_lines(lines: &[&str]) -> String {
    let start = lines.iter().position(|l| !l.trim().is_empty());
    let end = lines.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(s), Some(e)) => lines[s..=e].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "
running 3 tests
test step01_x ... ok
test step02_y::case_1_a ... ok
test step02_y::case_2_b ... FAILED

successes:

---- step02_y::case_1_a stdout ----
hello from a

successes:
    step02_y::case_1_a

failures:

---- step02_y::case_2_b stdout ----
learner says hi

thread 'step02_y::case_2_b' (7532) panicked at a/tests/la.rs:3:63:
boom
line2
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

This step reached a `todo!()` at src/lib.rs:4: that part of the exercise is not written yet.

hint (step02_y): read until EOF
and loop
replay this run with TESTKIT_SEED=42


failures:
    step02_y::case_2_b

test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";

    #[test]
    fn lists_tests() {
        let list = "step01_x: test\nstep02_y::case_1_a: test\n\n";
        assert_eq!(parse_list(list), ["step01_x", "step02_y::case_1_a"]);
        assert_eq!(step_of("step02_y::case_1_a"), "step02_y");
        assert_eq!(step_of("step01_x"), "step01_x");
    }

    #[test]
    fn parses_a_failed_run() {
        let r = parse_run(RUN);
        assert_eq!(r.ok, ["step01_x", "step02_y::case_1_a"]);
        assert_eq!(r.failed, ["step02_y::case_2_b"]);
        assert_eq!(r.unfinished, None);
        assert_eq!(
            r.summary,
            Some(Summary {
                passed: 2,
                ignored: 0
            })
        );
        assert_eq!(
            r.section("step02_y::case_1_a").unwrap().output,
            "hello from a"
        );
        let s = r.section("step02_y::case_2_b").unwrap();
        assert_eq!(s.output, "learner says hi");
        let p = s.panic.as_ref().unwrap();
        assert_eq!(p.thread, "step02_y::case_2_b");
        assert_eq!(p.location, "a/tests/la.rs:3:63");
        assert_eq!(
            p.message,
            "boom\nline2\nThis step reached a `todo!()` at src/lib.rs:4: that part of the exercise is not written yet.\nreplay this run with TESTKIT_SEED=42"
        );
    }

    #[test]
    fn the_testkit_s_lines_are_known_in_chinese_too() {
        let run = RUN
            .replace(
                "This step reached a `todo!()` at src/lib.rs:4: that part of the exercise is not written yet.",
                "本步骤执行到了你代码里的 `todo!()`：这部分练习还没有写。",
            )
            .replace("hint (step02_y): read until EOF", "提示（step02_y）：读到 EOF 为止")
            .replace("replay this run with TESTKIT_SEED=42", "重放这次运行：TESTKIT_SEED=42");
        let r = parse_run(&run);
        let s = r.section("step02_y::case_2_b").unwrap();
        assert_eq!(s.output, "learner says hi");
        assert_eq!(
            s.panic.as_ref().unwrap().message,
            "boom\nline2\n本步骤执行到了你代码里的 `todo!()`：这部分练习还没有写。\n重放这次运行：TESTKIT_SEED=42"
        );
    }

    #[test]
    fn a_crash_leaves_a_test_unfinished() {
        let r = parse_run("\nrunning 2 tests\ntest step01_a ... ok\ntest step02_b ... ");
        assert_eq!(r.unfinished.as_deref(), Some("step02_b"));
        assert_eq!(r.summary, None);
    }

    #[test]
    fn old_panic_lines_and_other_threads() {
        let r = parse_run(
            "---- step01_a stdout ----\nthread '<unnamed>' panicked at src/lib.rs:1:1:\ninner\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\nthread 'step01_a' panicked at tests/t.rs:9:5:\nouter\n\nfailures:\n",
        );
        let s = r.section("step01_a").unwrap();
        assert_eq!(s.panic.as_ref().unwrap().message, "outer");
        assert!(
            s.output
                .contains("thread '<unnamed>' panicked at src/lib.rs:1:1:\ninner")
        );
    }
}
