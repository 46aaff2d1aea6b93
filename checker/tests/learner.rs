//! The learner's loop on fixture workspaces: `watch` re-runs a lesson when
//! its source is saved, `reset` puts the stub back from git.

mod fixture;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fixture::Lesson;
use predicates::prelude::*;

const STUB: &str = "/// The answer.\npub fn answer() -> u32 {\n    todo!()\n}\n";
const SOLVED: &str = "/// The answer.\npub fn answer() -> u32 {\n    42\n}\n";
const TESTS: &str = "#[test]\nfn step01_answers() {\n    assert_eq!(lesson01::answer(), 42);\n}\n";

fn one_lesson(root: &Path) {
    fixture::workspace(
        root,
        &[Lesson {
            number: 1,
            slug: "answer",
            title: "Answer",
            steps: &[("step01_answers", 1)],
            stub: STUB,
            solution: Some(SOLVED),
            tests: TESTS,
            chapter: true,
        }],
    );
}

/// Runs `watch` with `args` in a fresh workspace, waits for it to watch,
/// solves the lesson, and returns its exit code and output.
fn watch_reacts_to_a_save(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_lesson(root);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("checker"))
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env("CARGO_TARGET_DIR", root.join("target"))
        .arg("watch")
        .args(args)
        .args(["--exit-after", "2", "--timeout", "20", "--lang", "en"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut output = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = lines.recv_timeout(left) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("watch never started watching:\n{output}");
        };
        output.push_str(&line);
        output.push('\n');
        if line.starts_with("Watching") {
            break;
        }
    }
    std::fs::write(root.join("exercises/lesson01-answer/src/lib.rs"), SOLVED).unwrap();
    let mut status = None;
    while Instant::now() < deadline {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(2)) {
        output.push_str(&line);
        output.push('\n');
    }
    (status.and_then(|s| s.code()), output)
}

#[test]
fn watch_polls_and_reruns_on_save() {
    let (code, output) = watch_reacts_to_a_save(&["1", "--poll"]);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.starts_with("Checking lesson01\n"), "{output}");
    assert!(
        output.contains("Hint: Hint for step01_answers."),
        "{output}"
    );
    assert!(
        output.contains("Watching exercises/*/src for changes (polling every 500 ms)"),
        "{output}"
    );
    assert!(
        output.contains("Saved: exercises/lesson01-answer/src/lib.rs\n"),
        "{output}"
    );
    assert!(
        output.contains("Done: every step of lesson01 passes."),
        "{output}"
    );
}

#[test]
fn watch_follows_file_events_or_says_it_polls() {
    // Without LESSON: the first unfinished lesson, then the one saved.
    let (code, output) = watch_reacts_to_a_save(&[]);
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains("(file events)") || output.contains("(polling every 500 ms)"),
        "{output}"
    );
    assert!(output.contains("Done: every step of lesson01"), "{output}");
}

fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(root)
        .args([
            "-c",
            "user.name=Course",
            "-c",
            "user.email=course@example.com",
        ])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn reset_restores_the_stub_and_keeps_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_lesson(root);
    let lib = root.join("exercises/lesson01-answer/src/lib.rs");

    // Not a git repository: a clear set-up error.
    fixture::checker(root)
        .args(["reset", "1", "--yes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a git repository"));

    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "course"]);
    std::fs::write(&lib, SOLVED).unwrap();
    // The learner's work, committed too: the stub is the commit that added it.
    git(root, &["commit", "-q", "-am", "my work"]);
    std::fs::write(
        root.join("exercises/lesson01-answer/src/extra.rs"),
        "// mine\n",
    )
    .unwrap();

    // No terminal and no --yes: refuses, changes nothing.
    fixture::checker(root)
        .args(["reset", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("add --yes"));
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), SOLVED);

    let output = fixture::checker(root)
        .args(["reset", "lesson01", "--yes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("lesson01: restored the stub from commit "),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), STUB);
    assert!(!root.join("exercises/lesson01-answer/src/extra.rs").exists());
    let backup = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Your version is saved in "))
        .unwrap()
        .trim_end_matches('/');
    assert!(backup.starts_with(".checker/backups/lesson01-"), "{backup}");
    let backup = root.join(backup);
    assert_eq!(
        std::fs::read_to_string(backup.join("lib.rs")).unwrap(),
        SOLVED
    );
    assert_eq!(
        std::fs::read_to_string(backup.join("extra.rs")).unwrap(),
        "// mine\n"
    );

    // Again: nothing to do. From HEAD: the learner's committed version.
    fixture::checker(root)
        .args(["reset", "1", "--yes"])
        .assert()
        .code(0)
        .stdout("lesson01: src/ is already the stub; nothing to do\n");
    fixture::checker(root)
        .args(["reset", "1", "--yes", "--from", "HEAD"])
        .assert()
        .code(0);
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), SOLVED);
    fixture::checker(root)
        .args(["reset", "1", "--yes", "--from", "no-such-rev"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "git knows no revision `no-such-rev`",
        ));
}
