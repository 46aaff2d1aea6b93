//! The instructors' commands on fixture workspaces: `grade` (points, edited
//! tests, limits, unusable submissions), JUnit and Classroom output, and
//! `export-student`.

mod fixture;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fixture::Lesson;
use predicates::prelude::*;
use serde_json::Value;

const ANSWER_STUB: &str = "/// The answer.\npub fn answer() -> u32 {\n    todo!()\n}\n";
const ANSWER: &str = "/// The answer.\npub fn answer() -> u32 {\n    42\n}\n";
const ANSWER_TESTS: &str = "#[test]\nfn step01_answers() {\n    assert_eq!(lesson01::answer(), 42);\n}\n\n#[test]\nfn step02_is_even() {\n    assert_eq!(lesson01::answer() % 2, 0);\n}\n";
/// A learner's "fix": the tests no longer call their code.
const EDITED_TESTS: &str = "#[test]\nfn step01_answers() {}\n\n#[test]\nfn step02_is_even() {}\n";

const WORK_STUB: &str = "/// Does the work.\npub fn work() -> u64 {\n    todo!()\n}\n";
const WORK: &str = "/// Does the work.\npub fn work() -> u64 {\n    1\n}\n";
const WORK_TESTS: &str = "#[test]\nfn step01_works() {\n    assert_eq!(lesson02::work(), 1);\n}\n";

/// Allocates (and touches) up to 4 GiB: far over the limit the test sets,
/// and bounded in case the limit did not hold.
const HOG: &str = "/// Allocates without end.\npub fn work() -> u64 {\n    let mut kept = Vec::new();\n    for i in 0..4096u64 {\n        kept.push(vec![i as u8; 1 << 20]);\n    }\n    kept.len() as u64\n}\n";

/// Starts processes until it cannot, and says how many it got.
const FORKER: &str = "/// Forks in a loop.\npub fn work() -> u64 {\n    let mut children = Vec::new();\n    while children.len() < 10_000 {\n        match std::process::Command::new(\"sleep\").arg(\"60\").spawn() {\n            Ok(child) => children.push(child),\n            Err(_) => break,\n        }\n    }\n    children.len() as u64\n}\n";

/// The instructor's course: two lessons with solutions.
fn course(root: &Path) {
    fixture::workspace(
        root,
        &[
            Lesson {
                number: 1,
                slug: "answer",
                title: "Answer",
                steps: &[("step01_answers", 2), ("step02_is_even", 1)],
                stub: ANSWER_STUB,
                solution: Some(ANSWER),
                tests: ANSWER_TESTS,
                chapter: true,
            },
            Lesson {
                number: 2,
                slug: "work",
                title: "Work",
                steps: &[("step01_works", 4)],
                stub: WORK_STUB,
                solution: Some(WORK),
                tests: WORK_TESTS,
                chapter: true,
            },
        ],
    );
}

/// A learner's copy of `course`'s exercises at `dir`, with these sources.
fn submission(dir: &Path, course: &Path, lesson01: &str, lesson02: &str) {
    copy_tree(&course.join("exercises"), &dir.join("exercises"));
    std::fs::write(dir.join("exercises/lesson01-answer/src/lib.rs"), lesson01).unwrap();
    std::fs::write(dir.join("exercises/lesson02-work/src/lib.rs"), lesson02).unwrap();
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn grades_a_class_with_the_courses_tests_under_limits() {
    let course_dir = fixture::persistent_dir("class");
    course(&course_dir);
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    let sub = |name: &str| subs.join(name);
    // The runaways come first: the others must still be graded after them.
    submission(&sub("hog"), &course_dir, ANSWER_STUB, HOG);
    submission(&sub("forker"), &course_dir, ANSWER_STUB, FORKER);
    submission(&sub("solved"), &course_dir, ANSWER, WORK);
    submission(&sub("untouched"), &course_dir, ANSWER_STUB, WORK_STUB);
    submission(&sub("tampered"), &course_dir, ANSWER_STUB, WORK_STUB);
    std::fs::write(
        sub("tampered").join("exercises/lesson01-answer/tests/lesson01.rs"),
        EDITED_TESTS,
    )
    .unwrap();
    // Only exercises/ of a learner with the answer but a broken lesson02.
    submission(&sub("broken"), &course_dir, ANSWER, "pub fn work( {}\n");
    std::fs::create_dir_all(sub("empty")).unwrap();
    std::fs::create_dir_all(sub("notes")).unwrap();
    std::fs::write(sub("notes").join("README.txt"), "my notes").unwrap();

    let names = [
        "hog",
        "forker",
        "solved",
        "untouched",
        "tampered",
        "broken",
        "empty",
        "notes",
    ];
    let mut args: Vec<PathBuf> = names.iter().map(|n| sub(n)).collect();
    args[5] = sub("broken").join("exercises");
    let out = dir.path().join("out");
    let tag = fixture::tag("class");
    let (key, value) = tag.split_once('=').unwrap();
    let start = Instant::now();
    let output = fixture::checker(&course_dir)
        .arg("grade")
        .args(&args)
        .arg("--out")
        .arg(&out)
        .args(["--timeout", "10", "--cpu", "5", "--memory", "64"])
        .args(["--processes", "16", "--format", "junit"])
        // The forker starts processes, which grade flags: grade it anyway,
        // to see the process limit hold.
        .arg("--allow-flagged")
        .env(key, value)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(start.elapsed() < Duration::from_secs(240));
    let leftovers = fixture::processes_with_env(&tag);
    assert!(leftovers.is_empty(), "processes left behind: {leftovers:?}");

    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv.lines().map(split_csv).collect();
    assert_eq!(
        rows[0],
        [
            "submission",
            "lesson01",
            "lesson02",
            "total",
            "max_points",
            "status",
            "notes",
            "seconds"
        ]
    );
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no row for {name}:\n{csv}"))
            .clone()
    };
    let points = |name: &str| {
        let r = row(name);
        (r[1].clone(), r[2].clone(), r[3].clone(), r[5].clone())
    };
    let p = |a: &str, b: &str, t: &str, s: &str| (a.into(), b.into(), t.into(), s.into());
    assert_eq!(points("solved"), p("3", "4", "7", "graded"), "{csv}");
    assert_eq!(points("untouched"), p("0", "0", "0", "graded"), "{csv}");
    assert_eq!(
        points("tampered"),
        p("0", "0", "0", "tests modified"),
        "{csv}"
    );
    assert!(
        row("tampered")[6].contains("lesson01 (tests/lesson01.rs)"),
        "{csv}"
    );
    assert_eq!(points("broken"), p("3", "0", "3", "graded"), "{csv}");
    assert!(
        row("broken")[6].contains("does not compile: lesson02"),
        "{csv}"
    );
    assert_eq!(points("empty"), p("0", "0", "0", "empty"), "{csv}");
    assert_eq!(
        points("notes"),
        p("0", "0", "0", "not a workspace"),
        "{csv}"
    );

    // The runaways: cut off by their limits, reported, and graded zero.
    assert_eq!(points("hog"), p("0", "0", "0", "graded"), "{csv}");
    assert!(row("hog")[6].contains("over a limit"), "{csv}");
    let hog: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("hog.json")).unwrap()).unwrap();
    let message = hog["lessons"][1]["tests"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("crashed: out of memory"), "{message}");

    assert_eq!(points("forker"), p("0", "0", "0", "flagged"), "{csv}");
    let forker: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("forker.json")).unwrap()).unwrap();
    let message = forker["lessons"][1]["tests"][0]["message"]
        .as_str()
        .unwrap();
    // assert_eq!(work(), 1) failed with the number of processes it got.
    let got: u64 = message
        .split("left: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    assert!(got < 16, "the process limit did not hold: {got} processes");

    // Reports for graded submissions only, and the table on stdout.
    for name in ["solved", "untouched", "tampered", "broken", "hog", "forker"] {
        assert!(out.join(format!("{name}.json")).is_file(), "{name}");
        let xml = std::fs::read_to_string(out.join(format!("{name}.xml"))).unwrap();
        roxmltree::Document::parse(&xml).unwrap();
    }
    assert!(!out.join("empty.json").exists());
    let solved: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("solved.json")).unwrap()).unwrap();
    assert_eq!(solved["points"], 7);
    assert!(
        stdout.starts_with("Submission  01  02  Total  Status\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nsolved       3   4    7/7  graded\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nempty        -   -    0/7  empty\n"),
        "{stdout}"
    );
}

/// Splits a CSV line (quoted fields may hold commas and doubled quotes).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn progress_as_junit_and_classroom() {
    let root = fixture::persistent_dir("class-progress");
    course(&root);
    std::fs::write(root.join("exercises/lesson01-answer/src/lib.rs"), ANSWER).unwrap();
    // A failure message with characters XML must escape or cannot hold.
    let tests = "#[test]\nfn step01_works() {\n    assert_eq!(lesson02::work(), 1, \"<&>\\\"' \\u{1b}[31m\\u{0}\");\n}\n";
    std::fs::write(
        root.join("exercises/lesson02-work/tests/lesson02.rs"),
        tests,
    )
    .unwrap();
    std::fs::write(
        root.join("exercises/lesson02-work/src/lib.rs"),
        "/// Does the work.\npub fn work() -> u64 {\n    println!(\"working <hard> & \\u{7}\");\n    2\n}\n",
    )
    .unwrap();

    let output = fixture::checker(&root)
        .args(["--format", "junit"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let xml = String::from_utf8(output.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    assert_eq!(suites.attribute("tests"), Some("3"));
    assert_eq!(suites.attribute("failures"), Some("1"));
    let suite: Vec<_> = suites
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suite.len(), 2);
    assert_eq!(suite[0].attribute("name"), Some("lesson01"));
    fn cases<'a, 'i>(suite: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
        suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect()
    }
    assert_eq!(cases(suite[0]).len(), 2);
    assert!(
        cases(suite[0])
            .iter()
            .all(|c| c.first_element_child().is_none())
    );
    let case = cases(suite[1])[0];
    assert_eq!(case.attribute("name"), Some("step01_works"));
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    let message = failure.attribute("message").unwrap();
    assert!(message.contains("<&>\"' [31m"), "{message}");
    let out = case
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap();
    assert_eq!(out.text(), Some("working <hard> & "));

    // --json is --format json.
    let output = fixture::checker(&root)
        .args(["--json"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["points"], 3);

    let output = fixture::checker(&root)
        .args(["--format", "classroom"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["status"], "fail");
    assert_eq!(doc["max_score"], 7);
    assert_eq!(doc["tests"][0]["name"], "lesson01 Answer");
    assert_eq!(doc["tests"][0]["status"], "pass");
    assert_eq!(doc["tests"][0]["score"], 3);
    assert_eq!(doc["tests"][1]["score"], 0);
    assert!(
        doc["tests"][1]["message"]
            .as_str()
            .unwrap()
            .starts_with("0/4 points, 0/1 steps, not started; next: step01_works fail: ")
    );
    fixture::checker(&root)
        .args(["--json", "--format", "junit"])
        .assert()
        .code(2);
}

#[test]
fn exports_a_learners_copy_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("course");
    course(&root);
    std::fs::write(
        root.join("README.md"),
        "# The course\n\n`cargo test` passes.\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("target/debug")).unwrap();
    std::fs::write(root.join("target/debug/junk"), "x").unwrap();
    std::fs::create_dir_all(root.join("classroom")).unwrap();
    std::fs::write(root.join("classroom/autograding.yml"), "name: x\n").unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .current_dir(&root)
            .args([
                "-c",
                "user.name=course",
                "-c",
                "user.email=course@example.invalid",
            ])
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "the course"]);

    // Never inside the workspace, never into a non-empty directory.
    fixture::checker(&root)
        .args(["export-student", "student"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is inside the workspace"));
    let full = dir.path().join("full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("x"), "").unwrap();
    fixture::checker(&root)
        .args(["export-student"])
        .arg(&full)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not empty"));

    // What git has at HEAD, and nothing edited since.
    let stub = root.join("exercises/lesson01-answer/src/lib.rs");
    let committed = std::fs::read_to_string(&stub).unwrap();
    std::fs::write(&stub, ANSWER).unwrap();
    fixture::checker(&root)
        .args(["export-student"])
        .arg(dir.path().join("early"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("differ from it"));
    std::fs::write(&stub, committed).unwrap();

    let student = dir.path().join("student");
    fixture::checker(&root)
        .args(["export-student", "--classroom"])
        .arg(&student)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("Exported "));
    assert!(!student.join("solutions").exists());
    assert!(!student.join("target").exists());
    assert!(!student.join("classroom").exists());
    assert!(student.join(".github/workflows/classroom.yml").is_file());
    assert!(
        student
            .join("exercises/lesson02-work/tests/lesson02.rs")
            .is_file()
    );
    let manifest = std::fs::read_to_string(student.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("members = [\"exercises/*\"]\n"),
        "{manifest}"
    );
    let readme = std::fs::read_to_string(student.join("README.md")).unwrap();
    assert!(readme.starts_with("# The course\n\n> **This is your copy of the course.**"));

    // It is a workspace cargo reads, without the solutions.
    let metadata = std::process::Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()))
        .current_dir(&student)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .output()
        .unwrap();
    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let metadata: Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let mut packages: Vec<&str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    packages.sort();
    assert_eq!(packages, ["lesson01", "lesson02"]);

    // Its checker builds every lesson and reports 0 steps; verify says why it cannot run.
    let output = fixture::checker(&student)
        .arg("--json")
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (doc["passed"].as_u64(), doc["total"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(doc["lessons"][0]["state"], "not started");
    fixture::checker(&student)
        .arg("verify")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no solutions/"));
}

#[test]
fn without_bubblewrap_grade_names_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("course");
    course(&root);
    let empty = dir.path().join("no-tools");
    std::fs::create_dir_all(&empty).unwrap();
    fixture::checker(&root)
        .env("PATH", &empty)
        .args(["grade", "nobody-here", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("install the package `bubblewrap`"))
        .stderr(predicate::str::contains("--no-sandbox"));
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written without a sandbox"
    );
}
