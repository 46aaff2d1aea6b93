//! The checker's command line on fixture workspaces.
//!
//! The "zoo" is one workspace with a lesson of every kind: solved, not
//! compiling, looping forever, panicking, and crashing (process::exit, abort,
//! stack overflow, a flood of output). It is built once per test run.

mod fixture;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fixture::Lesson;
use predicates::prelude::*;
use serde_json::Value;

/// The zoo's time limit per lesson, in seconds.
const LIMIT: u64 = 3;

const SOLVED: &str = "/// The answer.\npub fn answer() -> u32 {\n    42\n}\n";

const SOLVED_TESTS: &str = r#"
#[test]
fn step01_answers() {
    assert_eq!(lesson01::answer(), 42);
}

// Cases of one step, named the way rstest names them.
mod step02_cases {
    #[test]
    fn case_1_small() {
        assert!(lesson01::answer() > 1);
    }
    #[test]
    fn case_2_large() {
        println!("the answer is {}", lesson01::answer());
        assert!(lesson01::answer() < 100);
    }
}
"#;

const BROKEN: &str = "/// Does not compile.\npub fn answer() -> u32 {\n    \"forty-two\"\n}\n";

const BROKEN_TESTS: &str = r#"
#[test]
fn step01_answers() {
    assert_eq!(lesson02::answer(), 42);
}
"#;

const LOOPS: &str = r#"/// Returns at once.
pub fn quick() -> u32 {
    1
}

/// Starts a grandchild process, then never returns.
pub fn forever() -> u32 {
    let _child = std::process::Command::new("sleep").arg("300").spawn();
    let mut n: u32 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
"#;

const LOOPS_TESTS: &str = r#"
#[test]
fn step01_quick() {
    assert_eq!(lesson03::quick(), 1);
}

#[test]
fn step02_loops_forever() {
    assert_eq!(lesson03::forever(), 1);
}

#[test]
fn step03_after() {
    assert_eq!(lesson03::quick(), 1);
}
"#;

const PANICS: &str = r#"/// Leaves a thread and a process running behind it.
pub fn leave_things_running() -> u32 {
    std::thread::spawn(|| loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    });
    let _child = std::process::Command::new("sleep").arg("300").spawn();
    7
}

/// Prints, then returns the wrong number.
pub fn add(a: u32, b: u32) -> u32 {
    println!("adding {a} and {b}");
    a * b
}
"#;

const PANICS_TESTS: &str = r#"
#[test]
fn step01_leaves_things_running() {
    assert_eq!(lesson04::leave_things_running(), 7);
}

#[test]
fn step02_adds() {
    assert_eq!(lesson04::add(2, 3), 5, "add(2, 3) should be 5");
}
"#;

const CRASHES: &str = r#"/// Ends the whole process.
pub fn exit() -> u32 {
    std::process::exit(0)
}

/// Aborts.
pub fn abort() -> u32 {
    std::process::abort()
}

/// Recurses until the stack runs out.
pub fn overflow(n: u64) -> u64 {
    let frame = std::hint::black_box([n; 512]);
    if n == u64::MAX {
        return 0;
    }
    overflow(n + 1) + frame[7]
}

/// Prints about 6 MB, then panics.
pub fn flood() -> u32 {
    let line = "x".repeat(59);
    for _ in 0..100_000 {
        println!("{line}");
    }
    panic!("flood done")
}
"#;

const CRASHES_TESTS: &str = r#"
#[test]
fn step01_exits() {
    assert_eq!(lesson05::exit(), 1);
}

#[test]
fn step02_aborts() {
    assert_eq!(lesson05::abort(), 1);
}

#[test]
fn step03_overflows() {
    assert_eq!(lesson05::overflow(0), 1);
}

#[test]
fn step04_floods() {
    assert_eq!(lesson05::flood(), 1);
}
"#;

/// The zoo, written and built once per test run.
fn zoo() -> &'static Path {
    static ZOO: OnceLock<PathBuf> = OnceLock::new();
    ZOO.get_or_init(|| {
        let root = fixture::persistent_dir("zoo");
        fixture::workspace(
            &root,
            &[
                Lesson {
                    number: 1,
                    slug: "solved",
                    title: "Solved",
                    steps: &[("step01_answers", 1), ("step02_cases", 2)],
                    stub: SOLVED,
                    solution: Some(SOLVED),
                    tests: SOLVED_TESTS,
                    chapter: true,
                },
                Lesson {
                    number: 2,
                    slug: "broken",
                    title: "Broken",
                    steps: &[("step01_answers", 1)],
                    stub: BROKEN,
                    solution: None,
                    tests: BROKEN_TESTS,
                    chapter: true,
                },
                Lesson {
                    number: 3,
                    slug: "loops",
                    title: "Loops forever",
                    steps: &[
                        ("step01_quick", 1),
                        ("step02_loops_forever", 1),
                        ("step03_after", 1),
                    ],
                    stub: LOOPS,
                    solution: None,
                    tests: LOOPS_TESTS,
                    chapter: true,
                },
                Lesson {
                    number: 4,
                    slug: "panics",
                    title: "Panics",
                    steps: &[("step01_leaves_things_running", 1), ("step02_adds", 1)],
                    stub: PANICS,
                    solution: None,
                    tests: PANICS_TESTS,
                    chapter: true,
                },
                Lesson {
                    number: 5,
                    slug: "crashes",
                    title: "Crashes",
                    steps: &[
                        ("step01_exits", 1),
                        ("step02_aborts", 1),
                        ("step03_overflows", 1),
                        ("step04_floods", 1),
                    ],
                    stub: CRASHES,
                    solution: None,
                    tests: CRASHES_TESTS,
                    chapter: true,
                },
            ],
        );
        // Build first, as the checker does, so the tests below time runs, not compiles.
        let status =
            std::process::Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()))
                .current_dir(&root)
                .env("CARGO_TARGET_DIR", root.join("target"))
                .args(["build", "--keep-going", "--quiet", "--workspace"])
                .args((1..=5).flat_map(|n| ["--test".to_owned(), format!("lesson{n:02}")]))
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
        assert!(!status.success(), "lesson02 must not compile");
        root
    })
}

/// Runs the checker on the zoo with a tag in its environment, and returns
/// the output, the time taken and the tag.
fn run_zoo(args: &[&str]) -> (std::process::Output, Duration, String) {
    let root = zoo();
    let tag = fixture::tag("zoo");
    let (key, value) = tag.split_once('=').unwrap();
    let start = Instant::now();
    let output = fixture::checker(root)
        .args(args)
        .env(key, value)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (output, start.elapsed(), tag)
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn json_grades_every_kind_of_lesson_and_leaves_nothing_behind() {
    let limit = LIMIT.to_string();
    let (output, elapsed, tag) = run_zoo(&["--json", "--timeout", &limit, "--jobs", "1"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Generous: this run grades every lesson, while other tests run too.
    assert!(
        elapsed < Duration::from_secs(LIMIT + 20),
        "took {elapsed:?}"
    );
    let leftovers = fixture::processes_with_env(&tag);
    assert!(leftovers.is_empty(), "processes left behind: {leftovers:?}");

    let doc: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["status"], "error");
    assert_eq!(doc["passed"], 4);
    assert_eq!(doc["total"], 12);
    let lessons = doc["lessons"].as_array().unwrap();
    let ids: Vec<&str> = lessons.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["lesson01", "lesson02", "lesson03", "lesson04", "lesson05"]
    );
    let test = |lesson: usize, step: usize| &lessons[lesson]["tests"][step];
    let message = |lesson: usize, step: usize| {
        test(lesson, step)["message"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };

    // Solved.
    assert_eq!(lessons[0]["status"], "pass");
    assert_eq!(lessons[0]["state"], "done");
    assert_eq!(lessons[0]["points"], 3);
    assert_eq!(
        test(0, 1)["output"],
        "[step02_cases::case_2_large]\nthe answer is 42"
    );

    // Does not compile: the first error's file, line and message.
    assert_eq!(lessons[1]["status"], "error");
    assert_eq!(lessons[1]["state"], "does not compile");
    assert_eq!(
        lessons[1]["message"],
        "does not compile: exercises/lesson02-broken/src/lib.rs:3:5: mismatched types [E0308]"
    );
    assert_eq!(test(1, 0)["status"], "error");

    // Loops forever: timed out, with the steps that finished.
    assert_eq!(lessons[2]["status"], "error");
    assert_eq!(lessons[2]["state"], "timed out");
    assert!(
        lessons[2]["message"]
            .as_str()
            .unwrap()
            .starts_with("timed out")
    );
    assert_eq!(test(2, 0)["status"], "pass");
    assert_eq!(test(2, 1)["status"], "error");
    assert!(message(2, 1).starts_with("timed out: the lesson's time limit of 3 s ran out"));
    assert_eq!(test(2, 2)["status"], "error");
    assert!(message(2, 2).starts_with("not run"));

    // Panics: a failure with its message and the learner's output.
    assert_eq!(lessons[3]["status"], "fail");
    assert_eq!(lessons[3]["state"], "in progress");
    assert_eq!(test(3, 0)["status"], "pass");
    assert_eq!(test(3, 1)["status"], "fail");
    assert!(
        message(3, 1).contains("add(2, 3) should be 5"),
        "{}",
        message(3, 1)
    );
    assert!(message(3, 1).contains("left: 6"), "{}", message(3, 1));
    assert_eq!(test(3, 1)["output"], "adding 2 and 3");

    // Crashes: each step on its own, none takes the others down.
    assert_eq!(lessons[4]["state"], "not started");
    assert_eq!(
        message(4, 0),
        "the test process exited early with code 0 before the step finished: does your code call std::process::exit?"
    );
    assert_eq!(message(4, 1), "crashed: signal 6 (abort)");
    assert!(
        message(4, 2).starts_with("crashed: stack overflow"),
        "{}",
        message(4, 2)
    );
    assert_eq!(test(4, 3)["status"], "fail");
    assert!(message(4, 3).starts_with("flood done"), "{}", message(4, 3));
    let flood = test(4, 3)["output"].as_str().unwrap();
    assert!(
        flood.len() < 5000,
        "output is capped: {} bytes",
        flood.len()
    );
}

#[test]
fn a_lesson_that_loops_forever_is_stopped_at_its_limit() {
    let limit = LIMIT.to_string();
    let (output, elapsed, tag) = run_zoo(&["progress", "3", "--json", "--timeout", &limit]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        elapsed < Duration::from_secs(LIMIT + 5),
        "the looping lesson must be stopped within its limit plus 5 s, took {elapsed:?}"
    );
    let leftovers = fixture::processes_with_env(&tag);
    assert!(leftovers.is_empty(), "processes left behind: {leftovers:?}");
    let doc: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["lessons"][0]["state"], "timed out");
}

#[test]
fn the_table_is_golden() {
    let limit = LIMIT.to_string();
    let (output, _, _) = run_zoo(&["--timeout", &limit, "--jobs", "1"]);
    assert_eq!(output.status.code(), Some(1));
    let expected = "\
#   Lesson         Steps  Points  Status
01  Solved           2/2     3/3  done
02  Broken           0/1     0/1  does not compile
03  Loops forever    1/3     1/3  timed out
04  Panics           1/2     1/2  in progress
05  Crashes          0/4     0/4  not started

[######--------------] 4/12 steps, 1/5 lessons, 5/13 points

Next: lesson02, Broken (does not compile)
  exercises/lesson02-broken/src/lib.rs:3:5: mismatched types [E0308]
  Fix it, then see every error with: cargo test -p lesson02
  Read: docs/src/02-broken.md
  More: cargo checker lesson02   (or: cargo test -p lesson02)
";
    assert_eq!(stdout(&output), expected);
}

#[test]
fn a_lesson_in_detail() {
    let (output, _, _) = run_zoo(&["4"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.starts_with("lesson04: Panics  (in progress: 1/2 steps, 1/2 points)\nChapter: docs/src/04-panics.md\n"), "{text}");
    assert!(
        text.contains("  pass  step01_leaves_things_running\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  fail  step02_adds\n        assertion `left == right` failed: add(2, 3) should be 5\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("        output:\n        | adding 2 and 3\n"),
        "{text}"
    );
    assert!(
        text.ends_with("Hint (step02_adds): Hint for step02_adds.\n"),
        "{text}"
    );
}

#[test]
fn progress_of_some_lessons_and_json_agree() {
    let (output, _, _) = run_zoo(&["progress", "lesson01", "4"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("01  Solved    2/2     3/3  done\n"), "{text}");
    assert!(
        text.contains("04  Panics    1/2     1/2  in progress\n"),
        "{text}"
    );
    assert!(!text.contains("Broken"));

    let (output, _, _) = run_zoo(&["progress", "1", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let doc: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["status"], "pass");
    assert_eq!(
        (doc["passed"].as_u64(), doc["total"].as_u64()),
        (Some(2), Some(2))
    );
}

#[test]
fn hints() {
    let (output, _, _) = run_zoo(&["hint", "04"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "lesson04 step02_adds fails:\n  assertion `left == right` failed: add(2, 3) should be 5\n    left: 6\n   right: 5\nHint: Hint for step02_adds.\nRead: docs/src/04-panics.md\n"
    );

    let (output, _, _) = run_zoo(&["hint", "lesson03", "--all"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with(
        "lesson03: Loops forever\n  step01_quick (1 point)\n    Hint for step01_quick.\n"
    ));
}

#[test]
fn unknown_lesson_is_a_usage_error() {
    let (output, _, _) = run_zoo(&["17"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "checker: error: unknown lesson `17`: expected one of lesson01, lesson02, lesson03, lesson04, lesson05\n"
    );
}

#[test]
fn malformed_lesson_toml_is_a_set_up_error() {
    let dir = tempfile::tempdir().unwrap();
    fixture::workspace(
        dir.path(),
        &[Lesson {
            number: 1,
            slug: "x",
            title: "X",
            steps: &[("step01_a", 1)],
            stub: "",
            solution: None,
            tests: "",
            chapter: true,
        }],
    );
    let toml = dir.path().join("exercises/lesson01-x/lesson.toml");
    std::fs::write(
        &toml,
        "title = \"X\"\nchapter = \"c.md\"\n[[step]]\nname = \"step01_a\"\nhint = \"h\"\n",
    )
    .unwrap();
    fixture::checker(dir.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "checker: error: exercises/lesson01-x/lesson.toml:3: missing field `points`",
        ));

    std::fs::write(
        &toml,
        "title = \"X\"\nchapter = \"c.md\"\n[[step]]\nname = \"first\"\npoints = 1\nhint = \"h\"\n",
    )
    .unwrap();
    fixture::checker(dir.path()).assert().code(2).stderr(
        "checker: error: exercises/lesson01-x/lesson.toml: step name `first` must look like `stepNN_what_it_checks`\n",
    );
}

#[test]
fn outside_a_workspace_is_a_set_up_error() {
    let dir = tempfile::tempdir().unwrap();
    fixture::checker(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "checker: error: not inside the course workspace",
        ));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    fixture::checker(dir.path())
        .args(["--timeout", "0"])
        .assert()
        .code(2);
    fixture::checker(dir.path()).args(["hint"]).assert().code(2);
    // A lesson before a command is refused in words...
    fixture::checker(dir.path())
        .args(["--lang", "en", "3", "hint"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a lesson and a command together"));
    // ...but a global option before a command leaves it a command: here it
    // runs, and finds no course.
    fixture::checker(dir.path())
        .args(["--lang", "en", "--jobs", "1", "hint", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not inside the course workspace"));
    fixture::checker(dir.path())
        .args(["--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("verify"));
}

#[test]
fn verify_names_each_violation() {
    let root = fixture::persistent_dir("verify");
    let sound_tests =
        "#[test]\nfn step01_doubles() {\n    assert_eq!(lesson01::double(2), 4);\n}\n";
    let unsound_tests = "#[test]\nfn step01_triples() {\n    assert_eq!(lesson02::triple(2), 6);\n}\n\n#[test]\nfn step03_extra() {\n    assert_eq!(lesson02::triple(0), 0);\n}\n";
    fixture::workspace(
        &root,
        &[
            Lesson {
                number: 1,
                slug: "sound",
                title: "Sound",
                steps: &[("step01_doubles", 1)],
                stub: "/// Doubles.\npub fn double(x: u32) -> u32 {\n    let _ = x;\n    todo!()\n}\n",
                solution: Some("/// Doubles.\npub fn double(x: u32) -> u32 {\n    x * 2\n}\n"),
                tests: sound_tests,
                chapter: true,
            },
            Lesson {
                number: 2,
                slug: "unsound",
                title: "Unsound",
                steps: &[("step01_triples", 1), ("step02_missing", 1)],
                // The stub already passes: a course bug verify must catch.
                stub: "/// Triples.\npub fn triple(x: u32) -> u32 {\n    x * 3\n}\n",
                solution: Some("/// Triples.\npub fn triple(x: u32) -> u32 {\n    x * 3\n}\n"),
                tests: unsound_tests,
                chapter: false,
            },
        ],
    );
    // Mistakes are patches against the solution: one caught as it says, one
    // written against a solution that has changed since.
    fixture::write(
        &root.join("solutions/lesson01-sound/mistakes/triples.patch"),
        "//! mistake: triples instead of doubling\n//! fails: step01_doubles\n//! says: left == right\n\
         --- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,4 +1,4 @@\n /// Doubles.\n pub fn double(x: u32) -> u32 {\n-    x * 2\n+    x * 3\n }\n",
    );
    fixture::write(
        &root.join("solutions/lesson02-unsound/mistakes/stale.patch"),
        "//! mistake: quadruples\n//! fails: step01_triples\n//! says: left == right\n\
         --- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,4 +1,4 @@\n /// Triples.\n pub fn triple(x: u64) -> u64 {\n-    x * 3\n+    x * 4\n }\n",
    );
    // A whole program where a patch should be: named, with how to convert it.
    fixture::write(
        &root.join("solutions/lesson02-unsound/mistakes/whole.rs"),
        "//! mistake: m\n//! fails: step01_triples\n//! says: s\n",
    );
    let output = fixture::checker(&root)
        .args(["verify", "--update-stubs"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let text = text
        .lines()
        .filter(|l| !l.starts_with("updated the stub's fingerprint"))
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    let expected = "\
lesson01  ok  1 step fails against the stub and passes against the solution; its 1 mistake is caught
lesson02  8 problems
  - its chapter docs/src/02-unsound.md does not exist
  - exercises/lesson02-unsound/src/lib.rs has no todo!() left: the stub must leave the work to the learner
  - exercises/lesson02-unsound/tests/lesson02.rs has step functions that lesson.toml does not list: step03_extra
  - lesson.toml lists steps that exercises/lesson02-unsound/tests/lesson02.rs does not define: step02_missing
  - the test binary has `step03_extra`, which lesson.toml does not list
  - step01_triples passes against the stub: it must fail until the learner writes the code
  - solutions/lesson02-unsound/mistakes/whole.rs is a whole program, not a patch: verify runs mistakes/NAME.patch only. \
Convert it with scripts/mistake-to-patch.sh solutions/lesson02-unsound/mistakes/whole.rs
  - solutions/lesson02-unsound/mistakes/stale.patch: the solution changed under it: hunk #1 (at line 1: `x * 3`) no longer applies to the solution's src/lib.rs. \
Regenerate it with scripts/mistake-to-patch.sh --restore solutions/lesson02-unsound/mistakes/stale.patch \
(writes solutions/lesson02-unsound/mistakes/stale.rs; mend it), then scripts/mistake-to-patch.sh solutions/lesson02-unsound/mistakes/stale.rs
";
    assert!(text.starts_with(expected), "{text}");
    assert!(
        text.contains("verify: 1 of 2 lessons have problems"),
        "{text}"
    );
}

#[test]
fn an_interrupted_checker_kills_the_running_step() {
    let root = zoo();
    let tag = fixture::tag("interrupt");
    let (key, value) = tag.split_once('=').unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("checker"))
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env(key, value)
        .args(["progress", "3", "--timeout", "60"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the looping step runs (the zoo is already built): the
    // `sleep` it starts is there. Counting tagged processes alone is not
    // enough: a short-lived cargo the checker runs first carries the tag
    // too, and on a busy machine it can make three before the step starts.
    let sleeping = |pids: &[u32]| {
        pids.iter().any(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "sleep")
        })
    };
    let start = Instant::now();
    let mut running = fixture::processes_with_env(&tag);
    while !sleeping(&running) && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
        running = fixture::processes_with_env(&tag);
    }
    if !sleeping(&running) {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the looping step never started: only {running:?} carry the tag");
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert!(!status.success());
    std::thread::sleep(Duration::from_millis(200));
    let leftovers = fixture::processes_with_env(&tag);
    assert!(leftovers.is_empty(), "processes left behind: {leftovers:?}");
}
