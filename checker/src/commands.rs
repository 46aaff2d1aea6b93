//! What each command does: the functions `main` dispatches to.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use crate::cli::{Format, Global, LimitArgs};
use crate::course::lesson::Lesson;
use crate::course::workspace::Workspace;
use crate::report::ui::Progress;
use crate::steps::outcome::{LessonOutcome, LessonStatus};
use crate::steps::run::Options;

use crate::class;
use crate::class::gradebook;
use crate::class::sandbox;
use crate::course::lesson;
use crate::learner::reset;
use crate::learner::watch;
use crate::maintain::export;
use crate::maintain::verify;
use crate::report;
use crate::report::preview;
use crate::report::{classroom, hints, json, junit};
use crate::steps::grade;
use crate::t;

/// How to run steps, from the global flags.
pub fn options(global: &Global) -> Options {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    Options {
        timeout: Duration::from_secs(global.timeout),
        jobs: global.jobs.map_or(cpus, |j| j as usize),
        sandbox: None,
        jail: None,
        lang: crate::i18n::lang(),
    }
}

/// Prints `outcomes` in the format asked for; `detail` picks the one-lesson view.
fn print_results(outcomes: &[LessonOutcome], global: &Global, detail: bool) {
    match global.format() {
        Format::Json => println!("{}", json::Results::new(outcomes).to_json()),
        Format::Junit => print!("{}", junit::document("checker", outcomes)),
        Format::Classroom => println!("{}", classroom::document(outcomes)),
        Format::Table if detail => anstream::print!("{}", report::detail(&outcomes[0])),
        Format::Table => anstream::print!("{}", report::progress(outcomes)),
    }
}

/// The lessons named on the command line (all when none is), in course order.
fn select<'a>(workspace: &'a Workspace, args: &[String]) -> Result<Vec<&'a Lesson>> {
    if args.is_empty() {
        return Ok(workspace.lessons.iter().collect());
    }
    let mut chosen: Vec<&Lesson> = Vec::new();
    for arg in args {
        let lesson = lesson::select(&workspace.lessons, arg)?;
        if !chosen.iter().any(|l| l.number == lesson.number) {
            chosen.push(lesson);
        }
    }
    chosen.sort_by_key(|l| l.number);
    Ok(chosen)
}

fn exit_code(outcomes: &[LessonOutcome]) -> ExitCode {
    if outcomes.iter().all(|o| o.status == LessonStatus::Done) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `cargo checker [progress] [LESSON...]`: the progress table.
pub fn progress(workspace: &Workspace, args: &[String], global: &Global) -> Result<ExitCode> {
    let lessons = select(workspace, args)?;
    if lessons.is_empty() {
        anyhow::bail!("{}", t!("error-no-lessons"));
    }
    let bar = Progress::new(false);
    let outcomes = grade::grade(workspace, &lessons, options(global), &bar)?;
    drop(bar);
    warn_would_flag(workspace, &lessons);
    print_results(&outcomes, global, false);
    Ok(exit_code(&outcomes))
}

/// Tells the learner, on stderr, what `grade` would flag in their lessons.
fn warn_would_flag(workspace: &Workspace, lessons: &[&Lesson]) {
    for lesson in lessons {
        let src = workspace.path(lesson.exercise_dir()).join("src");
        for found in preview::would_flag(&src) {
            anstream::eprintln!(
                "{}",
                t!(
                    "warn-would-flag",
                    place = format!("{}/{found}", lesson.exercise_dir().display())
                )
            );
        }
    }
}

/// `cargo checker LESSON`: one lesson, step by step.
pub fn detail(workspace: &Workspace, arg: &str, global: &Global) -> Result<ExitCode> {
    let lesson = lesson::select(&workspace.lessons, arg)?;
    let bar = Progress::new(false);
    let outcomes = grade::grade(workspace, &[lesson], options(global), &bar)?;
    drop(bar);
    print_results(&outcomes, global, true);
    Ok(exit_code(&outcomes))
}

/// `cargo checker hint [LESSON] [--all]`: the failure and the next hint.
pub fn hint(
    workspace: &Workspace,
    arg: Option<&str>,
    all: bool,
    global: &Global,
) -> Result<ExitCode> {
    let lesson = match arg {
        Some(arg) => lesson::select(&workspace.lessons, arg)?,
        None => watch::being_worked(workspace, &options(global))?,
    };
    if all {
        anstream::print!("{}", report::all_hints(lesson));
        return Ok(ExitCode::SUCCESS);
    }
    let bar = Progress::new(false);
    let outcomes = grade::grade(workspace, &[lesson], options(global), &bar)?;
    drop(bar);
    let outcome = &outcomes[0];
    let level = match outcome.first_unpassed() {
        Some(step) if outcome.compile_error.is_none() => {
            let max = lesson.step(&step.name).map_or(1, |s| s.hints_shown().len());
            hints::next_level(&workspace.root, &lesson.id, &step.name, max)
        }
        _ => 1,
    };
    anstream::print!("{}", report::first_hint(outcome, level));
    Ok(ExitCode::SUCCESS)
}

/// `cargo checker verify`: the course's soundness, for maintainers.
pub fn verify(workspace: &Workspace, update_stubs: bool, global: &Global) -> Result<ExitCode> {
    if !workspace.path("solutions").is_dir() {
        anyhow::bail!("{}", t!("error-verify-no-solutions"));
    }
    let reloaded;
    let workspace = if update_stubs {
        for lesson in &workspace.lessons {
            let path = workspace.path(lesson.exercise_dir()).join("lesson.toml");
            let text = std::fs::read_to_string(&path)?;
            let src = workspace.path(lesson.exercise_dir()).join("src");
            let updated = lesson::with_stub(&text, &lesson::fingerprint(&src));
            if updated != text {
                std::fs::write(&path, updated)?;
                println!(
                    "{}",
                    t!("verify-updated-stub", path = path.display().to_string())
                );
            }
        }
        reloaded = Workspace::discover(&workspace.root)?;
        &reloaded
    } else {
        workspace
    };
    let bar = Progress::new(false);
    // The tests speak English here: each mistake's `says:` phrase is
    // matched against the failure messages as the course wrote them.
    let run = Options {
        lang: crate::i18n::Lang::En,
        ..options(global)
    };
    let verdicts = verify::verify(workspace, run, &bar)?;
    drop(bar);
    let (text, sound) = verify::render(&verdicts);
    anstream::print!("{text}");
    Ok(if sound {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `cargo checker reset LESSON`: the stub back, the learner's code kept aside.
pub fn reset(workspace: &Workspace, arg: &str, yes: bool, from: Option<&str>) -> Result<ExitCode> {
    let lesson = lesson::select(&workspace.lessons, arg)?;
    match reset::reset(workspace, lesson, yes, from)? {
        reset::Reset::AlreadyStub => {
            println!("{}", t!("reset-already-stub", id = lesson.id.as_str()));
        }
        reset::Reset::Declined => println!("{}", t!("reset-declined", id = lesson.id.as_str())),
        reset::Reset::Restored {
            commit,
            files,
            backup,
        } => {
            println!(
                "{}",
                t!(
                    "reset-restored",
                    id = lesson.id.as_str(),
                    commit = commit,
                    files = files.join(", ")
                )
            );
            println!(
                "{}",
                t!("reset-backup", path = backup.display().to_string())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The workspace with only the lessons `args` name (all when none).
pub fn only(workspace: &Workspace, args: &[String]) -> Result<Workspace> {
    let lessons = select(workspace, args)?;
    Ok(Workspace {
        root: workspace.root.clone(),
        lessons: lessons.into_iter().cloned().collect(),
    })
}

/// `cargo checker grade`: a class's submissions, in the sandbox.
pub fn grade_class(
    workspace: &Workspace,
    submissions: &[std::path::PathBuf],
    out: std::path::PathBuf,
    cache: Option<std::path::PathBuf>,
    limits: &LimitArgs,
    (no_sandbox, allow_flagged): (bool, bool),
    global: &Global,
) -> Result<ExitCode> {
    const MIB: u64 = 1024 * 1024;
    let options = class::ClassOptions {
        out: out.clone(),
        cache,
        limits: sandbox::Limits {
            cpu_seconds: limits.cpu.unwrap_or(global.timeout),
            memory_bytes: limits.memory * MIB,
            file_size_bytes: limits.file_size * MIB,
            processes: limits.processes,
        },
        build: class::BuildLimits {
            timeout: Duration::from_secs(limits.build_timeout),
            memory_bytes: limits.build_memory * MIB,
            processes: 1024,
        },
        run: options(global),
        junit: global.format() == Format::Junit,
        no_sandbox,
        allow_flagged,
        tmp_bytes: limits.tmp_size * MIB,
    };
    let rows = class::grade_class(workspace, submissions, &options)?;
    anstream::print!("{}", gradebook::table(&workspace.lessons, &rows));
    println!(
        "{}",
        t!(
            "grade-wrote",
            csv = out.join(class::CSV_NAME).display().to_string(),
            dir = {
                // The folder as given, with one trailing slash.
                let dir = out.display().to_string();
                format!("{}/", dir.trim_end_matches('/'))
            }
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// `cargo checker export-student DIR`: the learners' copy.
pub fn export_student(
    workspace: &Workspace,
    dir: &std::path::Path,
    classroom: bool,
) -> Result<ExitCode> {
    let exported = export::export(workspace, dir, classroom)?;
    let dir = exported.dir.display().to_string();
    let message = if exported.classroom {
        t!(
            "export-done-classroom",
            count = exported.files,
            dir = dir,
            workflow = export::CLASSROOM_WORKFLOW
        )
    } else {
        t!("export-done", count = exported.files, dir = dir)
    };
    println!("{message}");
    println!("{}", t!("export-in-it"));
    Ok(ExitCode::SUCCESS)
}

/// `cargo checker new-lesson NN slug "Title"`: a new lesson's files.
pub fn new_lesson(workspace: &Workspace, number: u32, slug: &str, title: &str) -> Result<ExitCode> {
    let created = crate::maintain::new_lesson::create(workspace, number, slug, title)?;
    for file in &created.files {
        println!(
            "{}",
            t!("new-lesson-created", path = file.display().to_string())
        );
    }
    for file in &created.edited {
        println!(
            "{}",
            t!("new-lesson-edited", path = file.display().to_string())
        );
    }
    println!("{}", t!("new-lesson-next"));
    Ok(ExitCode::SUCCESS)
}
