//! `checker watch`: re-runs the lesson being edited each time it is saved.
//!
//! File-system events (the `notify` crate: inotify, FSEvents, ...) only wake
//! the watcher; what counts as a change is decided by comparing snapshots
//! of `exercises/*/src/**/*.rs` (time, size and a hash of the bytes), so
//! the build reading the sources, an editor's swap files or a burst of
//! events from one save trigger at most one run. Events are debounced:
//! after the first, the watcher waits until [`DEBOUNCE`] passes without
//! another.
//!
//! Where events do not arrive (some network and container file systems),
//! the watcher notices: every [`SAFETY_POLL`] it also compares snapshots,
//! and a change no event announced makes it say so and switch to polling
//! every [`POLL`]. `--poll` starts in that mode.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, SystemTime};

use anyhow::Result;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::course::lesson::{self, Lesson};
use crate::course::workspace::Workspace;
use crate::report;
use crate::report::ui::{BOLD, GOOD, LABEL, Progress, paint};
use crate::steps::grade;
use crate::steps::outcome::{LessonOutcome, LessonStatus};
use crate::steps::run::Options;
use crate::t;

/// Quiet time after the last event before a run starts.
pub const DEBOUNCE: Duration = Duration::from_millis(300);
/// How often the polling fallback compares snapshots.
pub const POLL: Duration = Duration::from_millis(500);
/// How often the event watcher checks that events do arrive.
pub const SAFETY_POLL: Duration = Duration::from_secs(2);

/// How to watch.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Only this lesson (as written on the command line).
    pub lesson: Option<String>,
    /// Poll from the start instead of waiting for events.
    pub poll: bool,
    /// Stop after this many runs.
    pub exit_after: Option<u32>,
    /// How to run the steps.
    pub run: Options,
}

/// A source file's state: modification time, size and a hash of its bytes.
type Snapshot = BTreeMap<PathBuf, (Option<SystemTime>, u64, u64)>;

/// Watches until interrupted (or `exit_after` runs).
///
/// # Errors
///
/// When the lesson named does not exist, or cargo cannot build at all.
pub fn watch(workspace: &Workspace, options: &WatchOptions) -> Result<ExitCode> {
    let fixed = match &options.lesson {
        Some(arg) => Some(lesson::select(&workspace.lessons, arg)?),
        None => None,
    };
    let first = match fixed {
        Some(lesson) => lesson,
        None => being_worked(workspace, &options.run)?,
    };
    let mut runs = 0;
    let mut last = run_once(workspace, first, &options.run, None)?;
    runs += 1;
    if options.exit_after.is_some_and(|n| runs >= n) {
        return Ok(exit_code(&last));
    }

    let mut source = if options.poll {
        Source::Poll
    } else {
        Source::events(workspace)
    };
    let mut snapshot = snapshot(workspace);
    loop {
        anstream::println!(
            "{} {}",
            paint(LABEL, t!("watch-label")),
            t!("watch-waiting", how = source.describe())
        );
        let _ = std::io::stdout().flush();
        let changed = source.wait(workspace, &mut snapshot);
        // The lesson of the file saved last; with LESSON given, only that one.
        let lesson = changed
            .iter()
            .rev()
            .filter_map(|path| lesson_of(workspace, path))
            .find(|l| fixed.is_none_or(|f| f.number == l.number));
        let Some(lesson) = lesson else {
            continue;
        };
        let saved = changed
            .iter()
            .rev()
            .find(|p| lesson_of(workspace, p).is_some_and(|l| l.number == lesson.number))
            .and_then(|p| p.strip_prefix(&workspace.root).ok())
            .map(|p| p.display().to_string());
        last = run_once(workspace, lesson, &options.run, saved.as_deref())?;
        runs += 1;
        if options.exit_after.is_some_and(|n| runs >= n) {
            return Ok(exit_code(&last));
        }
    }
}

fn exit_code(outcome: &LessonOutcome) -> ExitCode {
    if outcome.status == LessonStatus::Done {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Grades `lesson` and prints where it stands and what to do next.
fn run_once(
    workspace: &Workspace,
    lesson: &Lesson,
    options: &Options,
    saved: Option<&str>,
) -> Result<LessonOutcome> {
    if std::io::stdout().is_terminal() {
        // Clear the screen: each run replaces the last.
        print!("\x1b[2J\x1b[H");
    }
    match saved {
        Some(file) => anstream::println!("{} {file}", paint(LABEL, t!("watch-saved"))),
        None => anstream::println!("{} {}", paint(LABEL, t!("watch-checking")), lesson.id),
    }
    let progress = Progress::new(false);
    let mut outcomes = grade::grade(workspace, &[lesson], options.clone(), &progress)?;
    drop(progress);
    let outcome = outcomes.remove(0);
    let mut text = report::table(std::slice::from_ref(&outcome));
    text.push('\n');
    if outcome.status == LessonStatus::Done {
        text.push_str(&format!(
            "{} {}\n",
            paint(GOOD, t!("watch-done")),
            t!("watch-all-pass", id = paint(BOLD, &lesson.id))
        ));
    } else {
        text.push_str(&report::next(std::slice::from_ref(&outcome)));
    }
    anstream::print!("{text}");
    Ok(outcome)
}

/// The lesson a learner is working on: the one whose source was saved
/// last, else the first that is not done.
///
/// # Errors
///
/// When there are no lessons, or cargo cannot build at all.
pub fn being_worked<'a>(workspace: &'a Workspace, options: &Options) -> Result<&'a Lesson> {
    match last_edited(workspace) {
        Some(lesson) => Ok(lesson),
        None => first_unfinished(workspace, options),
    }
}

/// The lesson whose source was saved last, if any was saved after the
/// lesson was checked out (its `lesson.toml` is as old as the checkout).
fn last_edited(workspace: &Workspace) -> Option<&Lesson> {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    workspace
        .lessons
        .iter()
        .filter_map(|lesson| {
            let dir = workspace.path(lesson.exercise_dir());
            let checked_out = modified(&dir.join("lesson.toml"))?;
            let edited = sources(&dir.join("src"))
                .iter()
                .filter_map(|p| modified(p))
                .max()?;
            let margin = Duration::from_secs(2);
            (edited > checked_out + margin).then_some((edited, lesson))
        })
        .max_by_key(|(edited, _)| *edited)
        .map(|(_, lesson)| lesson)
}

/// The first lesson that is not done (the last when all are).
fn first_unfinished<'a>(workspace: &'a Workspace, options: &Options) -> Result<&'a Lesson> {
    let lessons: Vec<&Lesson> = workspace.lessons.iter().collect();
    let Some(last) = lessons.last() else {
        anyhow::bail!("{}", t!("error-no-lessons"));
    };
    let progress = Progress::new(false);
    let outcomes = grade::grade(workspace, &lessons, options.clone(), &progress)?;
    let index = outcomes.iter().position(|o| o.status != LessonStatus::Done);
    Ok(index.map_or(*last, |i| lessons[i]))
}

/// The lesson whose `src/` holds `path`.
fn lesson_of<'a>(workspace: &'a Workspace, path: &Path) -> Option<&'a Lesson> {
    workspace
        .lessons
        .iter()
        .find(|l| path.starts_with(workspace.path(l.exercise_dir()).join("src")))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The state of every lesson's sources.
fn snapshot(workspace: &Workspace) -> Snapshot {
    let mut snapshot = Snapshot::new();
    for lesson in &workspace.lessons {
        for path in sources(&workspace.path(lesson.exercise_dir()).join("src")) {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let mtime = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            snapshot.insert(path, (mtime, bytes.len() as u64, hasher.finish()));
        }
    }
    snapshot
}

/// The files that differ between two snapshots, the newest last.
fn diff(old: &Snapshot, new: &Snapshot) -> Vec<PathBuf> {
    let mut changed: Vec<(Option<SystemTime>, PathBuf)> = new
        .iter()
        .filter(|(path, state)| old.get(*path) != Some(state))
        .map(|(path, state)| (state.0, path.clone()))
        .chain(
            old.keys()
                .filter(|path| !new.contains_key(*path))
                .map(|path| (None, path.clone())),
        )
        .collect();
    changed.sort();
    changed.into_iter().map(|(_, path)| path).collect()
}

/// Where changes come from.
enum Source {
    /// File-system events, checked by a slow poll.
    Events {
        events: Receiver<notify::Result<notify::Event>>,
        // Dropping the watcher stops the events.
        _watcher: notify::RecommendedWatcher,
    },
    /// Comparing snapshots every [`POLL`].
    Poll,
}

impl Source {
    /// An event watcher on `exercises/`, or polling (saying why) when none can be had.
    fn events(workspace: &Workspace) -> Source {
        let (tx, events) = mpsc::channel();
        let watcher = notify::recommended_watcher(move |event| {
            let _ = tx.send(event);
        })
        .and_then(|mut watcher| {
            watcher.watch(&workspace.path("exercises"), RecursiveMode::Recursive)?;
            Ok(watcher)
        });
        match watcher {
            Ok(watcher) => Source::Events {
                events,
                _watcher: watcher,
            },
            Err(error) => {
                eprintln!(
                    "{}",
                    t!(
                        "watch-no-events",
                        error = error.to_string(),
                        ms = POLL.as_millis() as u64
                    )
                );
                Source::Poll
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Source::Events { .. } => t!("watch-by-events"),
            Source::Poll => t!("watch-by-polling", ms = POLL.as_millis() as u64),
        }
    }

    /// Blocks until some source file has changed; returns the files, the
    /// newest last, and updates `snapshot`.
    fn wait(&mut self, workspace: &Workspace, snapshot: &mut Snapshot) -> Vec<PathBuf> {
        loop {
            let woke_by_event = match self {
                Source::Poll => {
                    std::thread::sleep(POLL);
                    false
                }
                Source::Events { events, .. } => match events.recv_timeout(SAFETY_POLL) {
                    Ok(Ok(event)) => relevant(&event.kind),
                    Ok(Err(error)) => {
                        eprintln!(
                            "{}",
                            t!(
                                "watch-failed",
                                error = error.to_string(),
                                ms = POLL.as_millis() as u64
                            )
                        );
                        *self = Source::Poll;
                        false
                    }
                    Err(RecvTimeoutError::Timeout) => false,
                    Err(RecvTimeoutError::Disconnected) => {
                        eprintln!("{}", t!("watch-stopped", ms = POLL.as_millis() as u64));
                        *self = Source::Poll;
                        false
                    }
                },
            };
            let (now, saw_event) = snapshot_settled(self, workspace);
            let changed = diff(snapshot, &now);
            if changed.is_empty() {
                continue;
            }
            if let (Source::Events { .. }, false) = (&*self, woke_by_event || saw_event) {
                eprintln!("{}", t!("watch-no-event", ms = POLL.as_millis() as u64));
                *self = Source::Poll;
            }
            *snapshot = now;
            return changed;
        }
    }
}

/// Waits until the sources stop changing ([`DEBOUNCE`] without an event or
/// a difference), then returns their snapshot and whether an event came.
fn snapshot_settled(source: &Source, workspace: &Workspace) -> (Snapshot, bool) {
    let mut last = snapshot(workspace);
    let mut saw_event = false;
    loop {
        let quiet = match source {
            Source::Events { events, .. } => {
                let mut quiet = true;
                while let Ok(event) = events.recv_timeout(DEBOUNCE) {
                    if event.is_ok_and(|e| relevant(&e.kind)) {
                        quiet = false;
                        saw_event = true;
                    }
                }
                quiet
            }
            Source::Poll => {
                std::thread::sleep(DEBOUNCE);
                true
            }
        };
        let now = snapshot(workspace);
        if quiet && now == last {
            return (now, saw_event);
        }
        last = now;
    }
}

/// Events that may mean a file was written (not merely opened or read).
fn relevant(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Access(_) | EventKind::Other)
        || matches!(
            kind,
            EventKind::Access(notify::event::AccessKind::Close(
                notify::event::AccessMode::Write
            ))
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_changes_newest_last() {
        let t = |s| Some(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        let old: Snapshot = [("a".into(), (t(1), 1, 1)), ("b".into(), (t(1), 1, 1))].into();
        let new: Snapshot = [("a".into(), (t(5), 1, 2)), ("c".into(), (t(3), 1, 1))].into();
        assert_eq!(
            diff(&old, &new),
            [PathBuf::from("b"), PathBuf::from("c"), PathBuf::from("a")]
        );
    }
}
