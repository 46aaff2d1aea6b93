//! Runs lessons' steps, one process per step, on a small pool of workers.
//!
//! A step is one test function, or an rstest function whose cases are listed
//! as `stepNN_x::case_1_y`. Each step runs alone in a fresh process
//! (`BIN --exact --test-threads=1 CASE...`), so a crash or `process::exit` in
//! one step costs only that step. Steps are queued lesson by lesson and
//! taken by `--jobs` workers; a lesson's clock starts when its first step
//! starts, and when its time limit is spent its running step's process group
//! is killed and its remaining steps are not run.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::class::jail;
use crate::class::sandbox::Sandbox;
use crate::course::lesson::Lesson;
use crate::steps::libtest::{self, RunReport};
use crate::steps::outcome::{Cause, StepOutcome, StepStatus};
use crate::steps::process::{self, Ending, Finished};
use crate::t;

/// How long listing a binary's tests may take.
const LIST_LIMIT: Duration = Duration::from_secs(30);

/// A lesson's test binary, ready to run.
#[derive(Debug, Clone)]
pub struct Suite<'a> {
    /// The lesson whose steps to run.
    pub lesson: &'a Lesson,
    /// The test binary (the exercise's or the solution's).
    pub binary: PathBuf,
    /// The package directory, the working directory `cargo test` would use.
    pub package_dir: PathBuf,
}

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Each lesson's time limit.
    pub timeout: Duration,
    /// How many steps run at once.
    pub jobs: usize,
    /// Limits, user and environment for learner code (`grade`); none for
    /// a learner checking their own work.
    pub sandbox: Option<Arc<Sandbox>>,
    /// The bubblewrap sandbox every test process runs in (`grade`).
    pub jail: Option<Arc<Jailed>>,
    /// The language of the step's messages: the testkit's (`TESTKIT_LANG`
    /// in every test process) and the checker's own words about a run.
    pub lang: crate::i18n::Lang,
}

impl Options {
    /// A test binary's command, with the working directory and
    /// `CARGO_MANIFEST_DIR` that `cargo test` would give it: in the jail
    /// when there is one (as the jail sees the course), else under the
    /// sandbox's limits when there is one.
    fn command(&self, suite: &Suite<'_>) -> Command {
        if let Some(jailed) = &self.jail {
            let relative = suite.lesson.exercise_dir();
            let cwd_inside = Path::new(jail::COURSE).join(&relative);
            let name = suite.binary.file_name().unwrap_or_default();
            let binary_inside = Path::new(jail::COURSE).join("target/debug/deps").join(name);
            let mut command = jailed.jail.test(&jail::Stage::Test {
                course: &jailed.course,
                binary: &suite.binary,
                binary_inside: &binary_inside,
                cwd_inside: &cwd_inside,
            });
            command
                .env("CARGO_MANIFEST_DIR", &cwd_inside)
                .env(testkit::lang::LANG_VAR, self.lang.code());
            if let Some(sandbox) = &self.sandbox {
                sandbox.limit(&mut command);
            }
            return command;
        }
        let mut command = Command::new(&suite.binary);
        if let Some(sandbox) = &self.sandbox {
            sandbox.apply(&mut command);
        }
        command
            .current_dir(&suite.package_dir)
            .env("CARGO_MANIFEST_DIR", &suite.package_dir)
            .env(testkit::lang::LANG_VAR, self.lang.code());
        command
    }
}

impl Options {
    /// bubblewrap reports a sandboxed process killed by signal N as exit
    /// code 128 + N: read it back as the signal.
    fn ending(&self, mut finished: Finished) -> Finished {
        if self.jail.is_some() {
            if let Ending::Code(code @ 129..=192) = finished.ending {
                finished.ending = Ending::Signal(code - 128);
            }
        }
        finished
    }
}

/// The jail test processes run in, and the course tree it shows them.
#[derive(Debug)]
pub struct Jailed {
    /// The sandbox.
    pub jail: jail::Jail,
    /// The scratch course tree on the host.
    pub course: PathBuf,
}

/// What running a suite found.
#[derive(Debug, Clone)]
pub struct SuiteRun {
    /// Every test the binary lists (empty when listing failed).
    pub listed: Vec<String>,
    /// Every step of `lesson.toml`, in order.
    pub steps: Vec<StepOutcome>,
    /// True when the time limit ran out.
    pub timed_out: bool,
    /// From the first step's start to the last step's end.
    pub elapsed: Duration,
}

struct Job {
    suite: usize,
    step: usize,
    cases: Vec<String>,
}

#[derive(Default)]
struct State {
    started: Option<Instant>,
    ended: Option<Instant>,
    timed_out: bool,
    steps: Vec<Option<StepOutcome>>,
}

/// Runs every suite's steps; `on_step` hears each finished step with its suite's index.
///
/// Three stages: each binary's tests are listed and matched to the
/// lesson's steps ([`plan`]), the steps run on `options.jobs` workers
/// ([`work`]), and each suite's outcomes are collected ([`collect`]).
pub fn run_suites(
    suites: &[Suite<'_>],
    options: Options,
    on_step: &(dyn Fn(usize, &StepOutcome) + Sync),
) -> Vec<SuiteRun> {
    let _lang = crate::i18n::scoped(options.lang);
    let (queue, states, listings) = plan(suites, &options, on_step);
    let queue = Mutex::new(queue);
    let states: Vec<Mutex<State>> = states.into_iter().map(Mutex::new).collect();
    let workers = options
        .jobs
        .max(1)
        .min(queue.lock().expect("queue").len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let _lang = crate::i18n::scoped(options.lang);
                loop {
                    let Some(job) = queue.lock().expect("queue").pop_front() else {
                        break;
                    };
                    work(&job, suites, &states, &options, on_step);
                }
            });
        }
    });
    collect(suites, states, listings)
}

/// Lists each binary's tests and matches them to its lesson's steps: a job
/// per step that has tests, an outcome at once for a step that has none.
fn plan(
    suites: &[Suite<'_>],
    options: &Options,
    on_step: &(dyn Fn(usize, &StepOutcome) + Sync),
) -> (VecDeque<Job>, Vec<State>, Vec<Vec<String>>) {
    let mut states = Vec::with_capacity(suites.len());
    let mut listings = Vec::with_capacity(suites.len());
    let mut queue = VecDeque::new();
    for (i, suite) in suites.iter().enumerate() {
        let mut state = State {
            steps: vec![None; suite.lesson.steps.len()],
            ..State::default()
        };
        let listed = list(suite, options);
        for (j, step) in suite.lesson.steps.iter().enumerate() {
            let cases: Vec<String> = match &listed {
                Ok(names) => names
                    .iter()
                    .filter(|n| libtest::step_of(n) == step.name)
                    .cloned()
                    .collect(),
                Err(_) => Vec::new(),
            };
            if !cases.is_empty() {
                queue.push_back(Job {
                    suite: i,
                    step: j,
                    cases,
                });
                continue;
            }
            let (message, cause) = match &listed {
                Err(e) => (e.clone(), Cause::CannotRun),
                Ok(_) => (
                    t!(
                        "run-no-such-test",
                        step = step.name.as_str(),
                        file = suite.lesson.test_file().display().to_string()
                    ),
                    Cause::Missing,
                ),
            };
            let outcome = StepOutcome {
                name: step.name.clone(),
                points: step.points,
                status: StepStatus::Error,
                message: Some(message),
                cause: Some(cause),
                output: String::new(),
            };
            on_step(i, &outcome);
            state.steps[j] = Some(outcome);
        }
        listings.push(listed.unwrap_or_default());
        states.push(state);
    }
    (queue, states, listings)
}

/// Each suite's outcomes, in its lesson's order; a step that never ran
/// (the time ran out first) says so.
fn collect(
    suites: &[Suite<'_>],
    states: Vec<Mutex<State>>,
    listings: Vec<Vec<String>>,
) -> Vec<SuiteRun> {
    states
        .into_iter()
        .zip(listings)
        .zip(suites)
        .map(|((state, listed), suite)| {
            let state = state.into_inner().expect("state");
            let steps = state
                .steps
                .into_iter()
                .zip(&suite.lesson.steps)
                .map(|(outcome, step)| {
                    outcome.unwrap_or_else(|| {
                        StepOutcome::not_run(&step.name, step.points, &t!("not-run"))
                    })
                })
                .collect();
            let elapsed = match (state.started, state.ended) {
                (Some(start), Some(end)) => end.saturating_duration_since(start),
                _ => Duration::ZERO,
            };
            SuiteRun {
                listed,
                steps,
                timed_out: state.timed_out,
                elapsed,
            }
        })
        .collect()
}

fn work(
    job: &Job,
    suites: &[Suite<'_>],
    states: &[Mutex<State>],
    options: &Options,
    on_step: &(dyn Fn(usize, &StepOutcome) + Sync),
) {
    let suite = &suites[job.suite];
    let step = &suite.lesson.steps[job.step];
    let deadline = {
        let mut state = states[job.suite].lock().expect("state");
        let start = *state.started.get_or_insert_with(Instant::now);
        let deadline = start + options.timeout;
        if state.timed_out || Instant::now() >= deadline {
            state.timed_out = true;
            let reason = t!("not-run-time", limit = options.timeout.as_secs());
            state.steps[job.step] = Some(StepOutcome::not_run(&step.name, step.points, &reason));
            return;
        }
        deadline
    };
    let outcome = run_step(
        suite,
        &step.name,
        step.points,
        &job.cases,
        deadline,
        options,
    );
    let mut state = states[job.suite].lock().expect("state");
    if outcome.timed_out {
        state.timed_out = true;
    }
    let now = Instant::now();
    state.ended = Some(state.ended.map_or(now, |e| e.max(now)));
    on_step(job.suite, &outcome.step);
    state.steps[job.step] = Some(outcome.step);
}

/// Lists the binary's tests.
fn list(suite: &Suite<'_>, options: &Options) -> Result<Vec<String>, String> {
    let mut command = options.command(suite);
    command.args(["--list", "--format", "terse"]);
    match process::run(command, Instant::now() + LIST_LIMIT) {
        Ok(Finished {
            ending: Ending::Code(0),
            stdout,
            ..
        }) => Ok(libtest::parse_list(&stdout)),
        Ok(finished) => Err(t!(
            "run-cannot-list",
            binary = suite.binary.display().to_string(),
            why = describe_ending(finished.ending)
        )),
        Err(e) => Err(t!(
            "run-cannot-run",
            binary = suite.binary.display().to_string(),
            error = e.to_string()
        )),
    }
}

struct StepRun {
    step: StepOutcome,
    timed_out: bool,
}

fn run_step(
    suite: &Suite<'_>,
    name: &str,
    points: u32,
    cases: &[String],
    deadline: Instant,
    options: &Options,
) -> StepRun {
    let limit = options.timeout;
    let mut command = options.command(suite);
    command
        .args([
            "--exact",
            "--test-threads=1",
            "--show-output",
            "--color=never",
        ])
        .args(cases)
        .env("RUST_BACKTRACE", "0")
        .env_remove("RUST_TEST_THREADS")
        .env_remove("RUST_TEST_NOCAPTURE");
    let (judged, timed_out) = match process::run_confirmed(command, deadline) {
        Ok(finished) => {
            let finished = options.ending(finished);
            let timed_out = finished.ending == Ending::TimedOut;
            let confirms = suite.lesson.confirms;
            (interpret(&finished, cases, limit, confirms), timed_out)
        }
        Err(e) => (
            Judged {
                status: StepStatus::Error,
                cause: Some(Cause::CannotRun),
                message: Some(t!(
                    "run-cannot-run",
                    binary = suite.binary.display().to_string(),
                    error = e.to_string()
                )),
                output: String::new(),
            },
            false,
        ),
    };
    StepRun {
        step: StepOutcome {
            name: name.to_owned(),
            points,
            status: judged.status,
            message: judged.message,
            cause: judged.cause,
            output: judged.output,
        },
        timed_out,
    }
}

/// What a step's process earned: its status, why (as a value and in
/// words) and the learner's output.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Pass, fail or error.
    pub status: StepStatus,
    /// Why it did not pass.
    pub cause: Option<Cause>,
    /// The same, for people.
    pub message: Option<String>,
    /// What the learner's code printed.
    pub output: String,
}

/// Reads a step's process ending and output as a status, a cause, a
/// message and the learner's output.
pub fn interpret(finished: &Finished, cases: &[String], limit: Duration, confirms: bool) -> Judged {
    let report = libtest::parse_run(&finished.stdout);
    let output = learner_output(&report, cases, finished);
    let judged = |status, cause, message: Option<String>| Judged {
        status,
        cause,
        message,
        output: output.clone(),
    };
    let in_case = |name: Option<&String>| match name {
        Some(n) if cases.len() > 1 => format!(" {}", t!("run-in-case", case = n.as_str())),
        _ => String::new(),
    };
    match (finished.ending, report.summary) {
        (Ending::TimedOut, _) => {
            let message = t!(
                "run-timed-out",
                limit = limit.as_secs(),
                case = in_case(report.unfinished.as_ref())
            );
            judged(StepStatus::Error, Some(Cause::TimedOut), Some(message))
        }
        (Ending::Signal(signal), _) => {
            let (what, cause) = if finished.stderr.contains("has overflowed its stack") {
                (
                    t!("run-stack-overflow", signal = signal),
                    Cause::StackOverflow,
                )
            } else if let Some(line) = allocation_failure(&finished.stderr) {
                (
                    t!("run-out-of-memory", line = line, signal = signal),
                    Cause::OutOfMemory,
                )
            } else {
                (
                    t!(
                        "run-signal",
                        signal = signal,
                        name = process::signal_name(signal)
                    ),
                    Cause::Signal(signal),
                )
            };
            let mut message = format!("{what}{}", in_case(report.unfinished.as_ref()));
            let fatal: Vec<&str> = finished
                .stderr
                .lines()
                .filter(|l| {
                    l.starts_with("fatal runtime error") || l.contains("overflowed its stack")
                })
                .collect();
            if !fatal.is_empty() {
                message.push('\n');
                message.push_str(&fatal.join("\n"));
            }
            judged(StepStatus::Error, Some(cause), Some(message))
        }
        (Ending::Code(code), None) => {
            let message = t!(
                "run-exited-early",
                code = code,
                case = in_case(report.unfinished.as_ref())
            );
            judged(
                StepStatus::Error,
                Some(Cause::ExitedEarly(code)),
                Some(message),
            )
        }
        // A pass needs every case reported `ok` and counted as passed, and
        // (for testkit's lessons) confirmed on the channel the code under
        // test cannot write to.
        (Ending::Code(0), Some(summary))
            if summary.passed == cases.len() && cases.iter().all(|c| report.ok.contains(c)) =>
        {
            if !confirms || all_confirmed(cases, &finished.confirmed) {
                judged(StepStatus::Pass, None, None)
            } else {
                judged(
                    StepStatus::Error,
                    Some(Cause::Unconfirmed),
                    Some(unconfirmed()),
                )
            }
        }
        (Ending::Code(0), Some(summary)) => {
            let message = if summary.ignored > 0 {
                t!("run-ignored", count = summary.ignored)
            } else {
                let ran = cases.iter().filter(|c| report.ok.contains(c)).count();
                t!("run-only-some", ran = ran, total = cases.len())
            };
            judged(StepStatus::Error, Some(Cause::Skipped), Some(message))
        }
        (Ending::Code(_), Some(_)) => {
            let message = failure_message(&report, cases);
            judged(StepStatus::Fail, Some(Cause::Failed), Some(message))
        }
    }
}

/// The message of a step that libtest reported passed but testkit never
/// confirmed (`grade` flags a submission whose step ends with it, by its
/// cause, [`Cause::Unconfirmed`]).
pub fn unconfirmed() -> String {
    t!("run-unconfirmed")
}

/// True when every case has its own confirmation (a step's cases each
/// confirm once, under the step's name).
fn all_confirmed(cases: &[String], confirmed: &[String]) -> bool {
    let mut left: Vec<&str> = confirmed.iter().map(String::as_str).collect();
    cases.iter().all(|case| {
        let step = libtest::step_of(case);
        match left.iter().position(|c| *c == step) {
            Some(i) => {
                left.swap_remove(i);
                true
            }
            None => false,
        }
    })
}

/// Rust's "memory allocation of N bytes failed" line, when the process died of it.
fn allocation_failure(stderr: &str) -> Option<&str> {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("memory allocation of") && l.ends_with("failed"))
}

/// The first failed case's panic message, with its place when the panic
/// came from the learner's code rather than from the test.
fn failure_message(report: &RunReport, cases: &[String]) -> String {
    let Some(name) = cases.iter().find(|c| report.failed.contains(c)) else {
        return t!("run-failed");
    };
    let prefix = if cases.len() > 1 {
        format!("{}\n", t!("run-case-failed", case = name.as_str()))
    } else {
        String::new()
    };
    let section = report.section(name);
    let body = match section.and_then(|s| s.panic.as_ref()) {
        Some(panic) => {
            let mut text = if panic.message.is_empty() {
                t!("run-panicked")
            } else {
                panic.message.clone()
            };
            let in_tests = panic.location.contains("tests/") || panic.location.contains("testkit");
            if !in_tests && !text.contains(&panic.location) {
                text.push_str(&format!(
                    "\n{}",
                    t!("run-panicked-at", place = panic.location.as_str())
                ));
            }
            text
        }
        // A test that returned Err prints `Error: ...` instead of panicking.
        None => section
            .map(|s| s.output.lines().rev().take(5).collect::<Vec<_>>())
            .filter(|lines| !lines.is_empty())
            .map(|mut lines| {
                lines.reverse();
                lines.join("\n")
            })
            .unwrap_or_else(|| t!("run-failed")),
    };
    format!("{prefix}{body}")
}

/// The learner's output: what each case printed, then whatever reached the
/// process's own stdout and stderr outside libtest's capture.
fn learner_output(report: &RunReport, cases: &[String], finished: &Finished) -> String {
    let mut parts = Vec::new();
    for case in cases {
        if let Some(section) = report.section(case) {
            if !section.output.is_empty() {
                if cases.len() > 1 {
                    parts.push(format!("[{case}]\n{}", section.output));
                } else {
                    parts.push(section.output.clone());
                }
            }
        }
    }
    // Lines libtest did not write: direct writes to the file descriptors.
    let mut in_sections = false;
    let stray: Vec<&str> = finished
        .stdout
        .lines()
        .filter(|l| {
            if l.starts_with("---- ") || *l == "successes:" || *l == "failures:" {
                in_sections = true;
            }
            !in_sections
                && !l.trim().is_empty()
                && !l.starts_with("running ")
                && !(l.starts_with("test ") && (l.contains(" ... ") || l.ends_with(" ...")))
                && !l.starts_with("test result: ")
        })
        .collect();
    if !stray.is_empty() {
        parts.push(stray.join("\n"));
    }
    let stderr: Vec<&str> = finished
        .stderr
        .lines()
        .filter(|l| {
            !l.starts_with("fatal runtime error")
                && !l.contains("overflowed its stack")
                && allocation_failure(l).is_none()
        })
        .collect();
    let stderr = stderr.join("\n");
    if !stderr.trim().is_empty() {
        parts.push(stderr.trim().to_owned());
    }
    parts.join("\n")
}

/// A process ending in words.
pub fn describe_ending(ending: Ending) -> String {
    match ending {
        Ending::Code(code) => t!("ending-code", code = code),
        Ending::Signal(signal) => t!(
            "ending-signal",
            signal = signal,
            name = process::signal_name(signal)
        ),
        Ending::TimedOut => t!("ending-timed-out"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(ending: Ending, stdout: &str, stderr: &str) -> Finished {
        Finished {
            ending,
            stdout: stdout.into(),
            stderr: stderr.into(),
            confirmed: Vec::new(),
        }
    }

    fn cases(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// A stand-in for a test binary: prints `list` for `--list`, else prints
    /// `run` and exits with `code`.
    fn fake_binary(dir: &std::path::Path, name: &str, list: &str, run: &str, code: i32) -> PathBuf {
        let path = dir.join(name);
        let script = format!(
            "#!/bin/sh\nif [ \"$1\" = --list ]; then printf '%s' '{list}'; exit 0; fi\nprintf '%s' '{run}'\nexit {code}\n"
        );
        // Written by a child: a file this process still had open for writing
        // when another test forked could not be executed (ETXTBSY).
        let written = Command::new("sh")
            .args(["-c", r#"printf '%s' "$2" > "$1" && chmod +x "$1""#, "sh"])
            .arg(&path)
            .arg(&script)
            .status()
            .unwrap();
        assert!(written.success());
        path
    }

    /// libtest's closing line.
    fn summary(passed: u32, failed: u32, ignored: u32, filtered: u32) -> String {
        let result = if failed > 0 { "FAILED" } else { "ok" };
        format!(
            "test result: {result}. {passed} passed; {failed} failed; {ignored} ignored; 0 measured; {filtered} filtered out; finished in 0.00s"
        )
    }

    #[test]
    fn only_a_step_whose_every_case_passed_passes() {
        let one = "step01_a: test\n";
        let two = "step01_a::case_1: test\nstep01_a::case_2: test\n";
        // (name, --list output, run output, exit code, expected status)
        let scenarios = [
            (
                "passes",
                one,
                format!("test step01_a ... ok\n\n{}\n", summary(1, 0, 0, 0)),
                0,
                StepStatus::Pass,
            ),
            (
                "fails",
                one,
                format!("test step01_a ... FAILED\n\n{}\n", summary(0, 1, 0, 0)),
                101,
                StepStatus::Fail,
            ),
            ("lists_no_tests", "", String::new(), 0, StepStatus::Error),
            (
                "not_reported",
                one,
                format!("\n{}\n", summary(1, 0, 0, 0)),
                0,
                StepStatus::Error,
            ),
            (
                "filtered_out",
                one,
                format!("\n{}\n", summary(0, 0, 0, 1)),
                0,
                StepStatus::Error,
            ),
            (
                "ignored",
                one,
                format!("test step01_a ... ignored\n\n{}\n", summary(0, 0, 1, 0)),
                0,
                StepStatus::Error,
            ),
            (
                "no_summary",
                one,
                "test step01_a ... ok\n".to_owned(),
                0,
                StepStatus::Error,
            ),
            (
                "one_case_of_two",
                two,
                format!("test step01_a::case_1 ... ok\n\n{}\n", summary(1, 0, 0, 1)),
                0,
                StepStatus::Error,
            ),
        ];
        let dir = tempfile::tempdir().unwrap();
        let lesson = Lesson {
            number: 1,
            id: "lesson01".into(),
            dir_name: "lesson01-x".into(),
            title: "X".into(),
            chapter: "x.md".into(),
            steps: vec![crate::course::lesson::Step::new("step01_a", 1, &["h"])],
            stub: None,
            confirms: false,
        };
        let suites: Vec<Suite<'_>> = scenarios
            .iter()
            .map(|(name, list, run, code, _)| Suite {
                lesson: &lesson,
                binary: fake_binary(dir.path(), name, list, run, *code),
                package_dir: dir.path().to_path_buf(),
            })
            .collect();
        let options = Options {
            timeout: Duration::from_secs(20),
            jobs: 2,
            sandbox: None,
            jail: None,
            lang: crate::i18n::Lang::En,
        };
        let runs = run_suites(&suites, options, &|_, _| {});
        for ((name, _, _, _, expected), run) in scenarios.iter().zip(&runs) {
            let step = &run.steps[0];
            assert_eq!(step.status, *expected, "{name}: {:?}", step.message);
        }
    }

    #[test]
    fn a_pass_testkit_did_not_confirm_is_not_a_pass() {
        let names = cases(&["step01_a::case_1", "step01_a::case_2"]);
        let stdout = format!(
            "test step01_a::case_1 ... ok\ntest step01_a::case_2 ... ok\n\n{}\n",
            summary(2, 0, 0, 0)
        );
        let mut f = finished(Ending::Code(0), &stdout, "");
        let limit = Duration::from_secs(60);
        assert_eq!(interpret(&f, &names, limit, false).status, StepStatus::Pass);
        let Judged {
            status, message, ..
        } = interpret(&f, &names, limit, true);
        assert_eq!(status, StepStatus::Error);
        assert_eq!(message, Some(unconfirmed()));
        f.confirmed = vec!["step01_a".into()];
        assert_eq!(interpret(&f, &names, limit, true).status, StepStatus::Error);
        f.confirmed = vec!["step01_a".into(), "step01_a".into()];
        assert_eq!(interpret(&f, &names, limit, true).status, StepStatus::Pass);
    }

    #[test]
    fn exit_zero_without_a_summary_is_process_exit() {
        let f = finished(Ending::Code(0), "\nrunning 1 test\ntest step01_a ... ", "");
        let Judged {
            status, message, ..
        } = interpret(&f, &cases(&["step01_a"]), Duration::from_secs(60), false);
        assert_eq!(status, StepStatus::Error);
        assert!(message.unwrap().contains("exited early with code 0"));
    }

    #[test]
    fn a_stack_overflow_is_named() {
        let f = finished(
            Ending::Signal(6),
            "\nrunning 1 test\ntest step01_a ... ",
            "\nthread 'step01_a' has overflowed its stack\nfatal runtime error: stack overflow, aborting\n",
        );
        let Judged {
            status,
            message,
            output,
            ..
        } = interpret(&f, &cases(&["step01_a"]), Duration::from_secs(60), false);
        assert_eq!(status, StepStatus::Error);
        assert!(
            message
                .unwrap()
                .starts_with("crashed: stack overflow (signal 6)")
        );
        assert_eq!(output, "");
    }

    #[test]
    fn a_failed_case_names_itself() {
        let stdout = "
running 2 tests
test step02_y::case_1_a ... ok
test step02_y::case_2_b ... FAILED

failures:

---- step02_y::case_2_b stdout ----
hi

thread 'step02_y::case_2_b' (1) panicked at src/lib.rs:3:5:
not yet implemented
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    step02_y::case_2_b

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        let f = finished(Ending::Code(101), stdout, "");
        let names = cases(&["step02_y::case_1_a", "step02_y::case_2_b"]);
        let Judged {
            status,
            message,
            output,
            ..
        } = interpret(&f, &names, Duration::from_secs(60), false);
        assert_eq!(status, StepStatus::Fail);
        assert_eq!(
            message.unwrap(),
            "`step02_y::case_2_b` failed:\nnot yet implemented\n(panicked at src/lib.rs:3:5)"
        );
        assert_eq!(output, "[step02_y::case_2_b]\nhi");
    }
}
